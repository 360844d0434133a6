# testsuite: files are listed here as they land.

# testsuite/suites/run-bpf.sh keeps its build cache in the build tree.
clean-local: runtime-cache-clean
runtime-cache-clean:
	rm -rf testsuite/runtime-cache
.PHONY: runtime-cache-clean

# testsuite/progs: programs the process(...) runtime tests trace ($P in a
# runtime test's "# opts:"), built with -g -O0 by a rule of their own so
# that the configured CFLAGS (-O2) and the sanitizers stay out: every
# variable then has a DWARF location, and the program makes no calls but
# its own.
TESTSUITE_PROGS = testsuite/progs/uprobe_prog testsuite/progs/uprobe_opt
noinst_DATA = $(TESTSUITE_PROGS)
CLEANFILES += $(TESTSUITE_PROGS)
EXTRA_DIST += testsuite/progs/uprobe_prog.c testsuite/progs/uprobe_opt.c \
	testsuite/suites/process-probes.sh
testsuite/progs/uprobe_prog: $(top_srcdir)/testsuite/progs/uprobe_prog.c
	$(AM_V_CC)$(MKDIR_P) testsuite/progs && $(CC) -std=gnu11 -g -O0 -o $@ $<
# ... one whose stack the ustack tests read (testsuite/runtime/stack-user*) ...
TESTSUITE_PROGS += testsuite/progs/ustack_prog
EXTRA_DIST += testsuite/progs/ustack_prog.c
testsuite/progs/ustack_prog: $(top_srcdir)/testsuite/progs/ustack_prog.c
	$(AM_V_CC)$(MKDIR_P) testsuite/progs && $(CC) -std=gnu11 -g -O0 -fno-omit-frame-pointer -o $@ $<
# ... one with a recursive function, for @entry (testsuite/runtime/uprobe-entry-*) ...
TESTSUITE_PROGS += testsuite/progs/entry_prog
EXTRA_DIST += testsuite/progs/entry_prog.c
testsuite/progs/entry_prog: $(top_srcdir)/testsuite/progs/entry_prog.c
	$(AM_V_CC)$(MKDIR_P) testsuite/progs && $(CC) -std=gnu11 -g -O0 -o $@ $<
# ... one that maps, moves and unmaps memory (testsuite/runtime/alias-vm-mmap) ...
TESTSUITE_PROGS += testsuite/progs/mem_prog
EXTRA_DIST += testsuite/progs/mem_prog.c
testsuite/progs/mem_prog: $(top_srcdir)/testsuite/progs/mem_prog.c
	$(AM_V_CC)$(MKDIR_P) testsuite/progs && $(CC) -std=gnu11 -g -O0 -o $@ $<
# ... and one optimised, whose variables have location lists.
testsuite/progs/uprobe_opt: $(top_srcdir)/testsuite/progs/uprobe_opt.c
	$(AM_V_CC)$(MKDIR_P) testsuite/progs && $(CC) -std=gnu11 -g -O2 -o $@ $<
# The kmod backend's runtime tests run in the VM (testsuite/vm/check-vm):
# the runtime corpus and the fault-injection set, built on the host,
# run in one boot, a result table and the usual summary line.
check-vm: $(bin_PROGRAMS) $(TESTSUITE_PROGS)
	TAPIR=$(abs_top_builddir)/tapir TAPIR_BUILDDIR=$(abs_top_builddir) \
	TAPIR_SRCDIR=$(abs_top_srcdir) $(SHELL) $(top_srcdir)/testsuite/vm/check-vm
.PHONY: check-vm
clean-local: kmod-cache-clean
kmod-cache-clean:
	rm -rf testsuite/kmod-cache vm/check-vm
.PHONY: kmod-cache-clean
EXTRA_DIST += testsuite/vm/check-vm testsuite/suites/kmod-build.sh
# -t on the kmod backend (in the VM), and check-vm's BPF column.
EXTRA_DIST += testsuite/suites/vm-timing.sh testsuite/vm/check-vm-bpf
