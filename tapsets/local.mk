# tapsets: tapir's library of .stp files, installed as found in the source
# tree: the common files, and the runtime overlays searched before them.
# An overlay file is named after its runtime (context-kmod.stp) because a
# file hides one of the same name in a folder searched later.
tapsetdir = $(pkgdatadir)/tapsets
dist_tapset_DATA = \
	tapsets/context.stp \
	tapsets/conversions.stp \
	tapsets/errno.stp \
	tapsets/logging.stp \
	tapsets/perf.stp \
	tapsets/prometheus.stp \
	tapsets/string.stp \
	tapsets/time.stp \
	tapsets/this.stp \
	tapsets/init.stp \
	tapsets/stp_pid.stp \
	tapsets/target_set.stp \
	tapsets/macros.stpm \
	tapsets/prometheus.stpm \
	tapsets/syscall_any.stp

tapsetkmoddir = $(tapsetdir)/kmod
dist_tapsetkmod_DATA = \
	tapsets/kmod/context-kmod.stp \
	tapsets/kmod/conversions-kmod.stp \
	tapsets/kmod/random-kmod.stp \
	tapsets/kmod/time-kmod.stp

tapsetbpfdir = $(tapsetdir)/bpf
dist_tapsetbpf_DATA = \
	tapsets/bpf/context-bpf.stp \
	tapsets/bpf/conversions-bpf.stp \
	tapsets/bpf/random-bpf.stp \
	tapsets/bpf/time-bpf.stp

# tapir-tapsets(7) is generated from the doc comments, and kept in the
# source tree so that building needs no awk run: after editing a doc
# comment, run "make tapsets-man" and commit the result.
dist_man_MANS += doc/tapir-tapsets.7
EXTRA_DIST += tapsets/gen-man tapsets/check-c
tapsets-man:
	$(SHELL) $(srcdir)/tapsets/gen-man $(srcdir)/tapsets > $(srcdir)/doc/tapir-tapsets.7
.PHONY: tapsets-man
