# Builds what bench/run-host needs beside the automake-built workloads:
# the libbpf floor (clang -target bpf + bpftool skeleton) and the memlock
# shim for stapbpf.  Everything generated lands in $(OUT), never in the
# source tree.  Needs no root: /sys/kernel/btf/vmlinux is world-readable.
#
#   make -f bench/peers.mk SRC=bench OUT=build/bench/out [floor|shim|workloads]

SRC ?= bench
OUT ?= build/bench/out
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
CFLAGS ?= -O2 -g -Wall -Wextra
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' \
	-e 's/ppc64le/powerpc/' -e 's/s390x/s390/' -e 's/riscv64/riscv/')
LIBBPF_CFLAGS := $(shell $(PKG_CONFIG) --cflags libbpf 2>/dev/null)
# libbpf's usdt.bpf.h includes <asm/errno.h>, which -target bpf finds only
# in the host's multiarch directory
MULTIARCH_INC := $(shell d=/usr/include/$$($(CC) -dumpmachine 2>/dev/null); \
	[ -d "$$d" ] && echo "-idirafter $$d")
LIBBPF_LIBS := $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)

WORKLOADS = getppid_loop file_read_loop pingpong uprobe_loop sdt_loop

all: floor shim
floor: $(OUT)/floor/getppid_floor
shim: $(OUT)/shim/memlock_shim.so
# Fallback for when the automake build is broken: same sources, plain cc.
workloads: $(addprefix $(OUT)/workloads/,$(WORKLOADS))
.PHONY: all floor shim workloads

# vmlinux.h is generated from the running kernel's BTF, at build time only.
$(OUT)/floor/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp
	mv $@.tmp $@

$(OUT)/floor/getppid_floor.bpf.o: $(SRC)/floor/getppid_floor.bpf.c $(OUT)/floor/vmlinux.h
	$(CLANG) -O2 -g -target bpf -D__TARGET_ARCH_$(BPF_ARCH) \
		-I$(OUT)/floor $(LIBBPF_CFLAGS) $(MULTIARCH_INC) -c $< -o $@

$(OUT)/floor/getppid_floor.skel.h: $(OUT)/floor/getppid_floor.bpf.o
	$(BPFTOOL) gen skeleton $< name getppid_floor_bpf > $@.tmp
	mv $@.tmp $@

$(OUT)/floor/getppid_floor: $(SRC)/floor/getppid_floor.c $(OUT)/floor/getppid_floor.skel.h
	$(CC) $(CFLAGS) -I$(OUT)/floor $(LIBBPF_CFLAGS) $< -o $@ $(LIBBPF_LIBS)

$(OUT)/shim/memlock_shim.so: $(SRC)/shim/memlock_shim.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -shared -fPIC $< -o $@ -ldl

$(OUT)/workloads/%: $(SRC)/workloads/%.c $(SRC)/workloads/workload.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@
