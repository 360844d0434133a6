# bench: the benchmark suite (see bench/README.md).
#
# The workloads are ordinary programs built with the project.  The libbpf
# floor and the memlock shim need clang -target bpf and bpftool, and the
# floor's vmlinux.h comes from the running kernel, so they stay out of
# `make all`: `make bench-peers` (or bench/run-host) builds them with
# bench/peers.mk into $(builddir)/bench/out.

BENCH_WORKLOADS = \
	bench/workloads/getppid_loop \
	bench/workloads/file_read_loop \
	bench/workloads/pingpong \
	bench/workloads/uprobe_loop \
	bench/workloads/sdt_loop \
	bench/workloads/socket_loop
noinst_PROGRAMS += $(BENCH_WORKLOADS)
bench_workloads_getppid_loop_SOURCES = bench/workloads/getppid_loop.c bench/workloads/workload.h
bench_workloads_file_read_loop_SOURCES = bench/workloads/file_read_loop.c bench/workloads/workload.h
bench_workloads_pingpong_SOURCES = bench/workloads/pingpong.c bench/workloads/workload.h
bench_workloads_uprobe_loop_SOURCES = bench/workloads/uprobe_loop.c bench/workloads/workload.h
bench_workloads_sdt_loop_SOURCES = bench/workloads/sdt_loop.c bench/workloads/workload.h
bench_workloads_socket_loop_SOURCES = bench/workloads/socket_loop.c bench/workloads/workload.h
# The workloads are what the runtime tests trace: built without the
# sanitizers even in the ASan build, whose runtime would add its own
# syscalls, forks and threads to what the tests count.
BENCH_WORKLOAD_CFLAGS = -std=gnu11 -O2 $(TAPIR_WARN_CFLAGS)
bench_workloads_getppid_loop_CFLAGS = $(BENCH_WORKLOAD_CFLAGS)
bench_workloads_getppid_loop_LDFLAGS =
bench_workloads_file_read_loop_CFLAGS = $(BENCH_WORKLOAD_CFLAGS)
bench_workloads_file_read_loop_LDFLAGS =
bench_workloads_pingpong_CFLAGS = $(BENCH_WORKLOAD_CFLAGS)
bench_workloads_pingpong_LDFLAGS =
bench_workloads_uprobe_loop_CFLAGS = $(BENCH_WORKLOAD_CFLAGS)
bench_workloads_uprobe_loop_LDFLAGS =
bench_workloads_sdt_loop_CFLAGS = $(BENCH_WORKLOAD_CFLAGS)
bench_workloads_sdt_loop_LDFLAGS =
bench_workloads_socket_loop_CFLAGS = $(BENCH_WORKLOAD_CFLAGS)
bench_workloads_socket_loop_LDFLAGS =

EXTRA_DIST += \
	bench/README.md \
	bench/run-host \
	bench/peers.mk \
	bench/floor/getppid_floor.bpf.c \
	bench/floor/getppid_floor.c \
	bench/shim/memlock_shim.c \
	bench/scripts/getppid-count.stp \
	bench/scripts/getppid-pid.stp \
	bench/scripts/getppid-empty.stp \
	bench/scripts/getppid-hist.stp \
	bench/scripts/getppid-printf.stp \
	bench/scripts/switch-count.stp \
	bench/scripts/uprobe-count.stp \
	bench/scripts/sdt-count.stp \
	bench/scripts/kprobe-count.stp \
	bench/scripts/kprobe-pid.stp \
	bench/scripts/kprobe-empty.stp \
	bench/scripts/kprobe-hist.stp \
	bench/scripts/kprobe-hist-map.stp \
	bench/run-vm \
	bench/kmod-icount \
	bench/vm-guest.sh \
	bench/floor/kmod_floor.c \
	bench/resolve/process.sh

# Just the workloads, so that bench/run-host can build them while other
# parts of the tree do not compile.
bench-workloads: $(BENCH_WORKLOADS)

# Generated files live in $(builddir)/bench/out, never beside the sources,
# even in an in-tree build.
bench-peers:
	$(MAKE) -f $(top_srcdir)/bench/peers.mk SRC=$(top_srcdir)/bench \
		OUT=$(abs_top_builddir)/bench/out floor shim

# Runs the whole suite; needs root.  The report goes to bench/results/.
bench: bench-workloads bench-peers
	$(SHELL) $(top_srcdir)/bench/run-host -b $(abs_top_builddir)

# A prerequisite only, so that other areas can hang their own on clean-local.
clean-local: bench-clean
bench-clean:
	rm -rf bench/out

# The same in the VM, both backends and kprobes (bench/README.md); the
# report goes to bench/results/.
bench-vm: all
	$(SHELL) $(top_srcdir)/bench/run-vm -b $(abs_top_builddir)

.PHONY: bench bench-workloads bench-peers bench-clean bench-vm

# bench/resolve/kernel.sh: run by hand (see doc/benchmarks.md).
EXTRA_DIST += bench/resolve/kernel.sh
