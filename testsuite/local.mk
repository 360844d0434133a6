# testsuite: files are listed here as they land.

# testsuite/suites/run-bpf.sh keeps its build cache in the build tree.
clean-local: runtime-cache-clean
runtime-cache-clean:
	rm -rf testsuite/runtime-cache
.PHONY: runtime-cache-clean

# The kmod backend's runtime tests run in the VM (testsuite/vm/check-vm):
# the runtime corpus and the fault-injection set, built on the host,
# run in one boot, a result table and the usual summary line.
check-vm: $(bin_PROGRAMS)
	TAPIR=$(abs_top_builddir)/tapir TAPIR_BUILDDIR=$(abs_top_builddir) \
	TAPIR_SRCDIR=$(abs_top_srcdir) $(SHELL) $(top_srcdir)/testsuite/vm/check-vm
.PHONY: check-vm
clean-local: kmod-cache-clean
kmod-cache-clean:
	rm -rf testsuite/kmod-cache vm/check-vm
.PHONY: kmod-cache-clean
EXTRA_DIST += testsuite/vm/check-vm testsuite/suites/kmod-build.sh
