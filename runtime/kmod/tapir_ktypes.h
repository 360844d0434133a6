/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tapir_ktypes.h - the kernel's own types, for a module whose script reads
 * $var->member chains or @cast(p, "type")->chain: the generated C names
 * the kernel's structs (typeof(((struct file *)0)->f_path)) and the
 * compiler takes their layout from the headers of the kernel the module
 * is built for. Included only by modules that need it (it costs build
 * time); a type none of these headers defines fails the build.
 */
#ifndef TAPIR_KTYPES_H
#define TAPIR_KTYPES_H

#include <linux/binfmts.h>
#include <linux/blkdev.h>
#include <linux/bio.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/interrupt.h>
#include <linux/ipv6.h>
#include <linux/irq.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/netdevice.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/timer.h>
#include <linux/uio.h>
#include <linux/utsname.h>
#include <linux/workqueue.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <asm/syscall.h>

/*
 * struct mount is private to fs/ (fs/mount.h), which the kbuild tree of
 * linux-headers does not carry; @cast(p, "mount") and d_path() read only
 * its first members, whose layout has stayed this one since Linux 3.3.
 */
struct mount {
	struct hlist_node mnt_hash;
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
};

/*
 * Bit fields. C gives a bit field no address, no offsetof() and no
 * typeof(), so where its bits lie in the target kernel's layout is found
 * once, at module init: the generated code sets the field to all ones in
 * a zeroed object of its struct (built by the same compiler over the same
 * headers as the kernel) and tapir_bitfield_locate() finds the bits that
 * changed. A probe then copies the bytes that hold them with
 * copy_from_kernel_nofault and shifts, masks and sign-extends, as
 * SystemTap's module does from DWARF's bit offset and size.
 */
struct tapir_bitfield {
	unsigned int off;       /* first byte of the field's storage */
	unsigned char nbytes;   /* bytes from off that hold its bits, 1 to 8 */
	unsigned char shift;    /* its lowest bit in their value (tapir_bytes_value) */
	unsigned char bits;
	bool is_signed;
};

/* n bytes at b as an integer in this CPU's byte order: a bit field's bits
 * are contiguous in it (GCC allocates them from the low bits on
 * little-endian machines, from the high bits on big-endian ones). */
static inline u64 tapir_bytes_value(const unsigned char *b, unsigned int n)
{
	u64 v = 0;

	for (unsigned int i = 0; i < n; i++) {
#ifdef __LITTLE_ENDIAN
		v |= (u64)b[i] << (8 * i);
#else
		v = v << 8 | b[i];
#endif
	}
	return v;
}

/*
 * obj (size bytes, zero but for the field set to all ones: see
 * TAPIR_BITFIELD_FIND) gives where the field is; ones is the field read back as a u64, which has bits
 * above the field's width when its type is signed. -EINVAL when the bits
 * are not one run within 8 bytes (not a bit field tapir can read).
 */
static __maybe_unused int tapir_bitfield_locate(struct tapir_bitfield *bf, const void *obj,
						size_t size, u64 ones)
{
	const unsigned char *b = obj;
	size_t lo = 0, hi;
	u64 v;

	while (lo < size && !b[lo])
		lo++;
	for (hi = size; hi > lo && !b[hi - 1]; hi--)
		;
	if (lo == size || hi - lo > 8)
		return -EINVAL;
	v = tapir_bytes_value(b + lo, hi - lo);
	bf->off = lo;
	bf->nbytes = hi - lo;
	bf->shift = __ffs64(v);
	bf->bits = hweight64(v);
	if (bf->bits < 64 && v != (((1ULL << bf->bits) - 1) << bf->shift))
		return -EINVAL;
	bf->is_signed = bf->bits < 64 && (ones >> bf->bits) != 0;
	return 0;
}

/* Where member (a bit field) of *obj, a zeroed object, lies, in *bf: 0 or
 * -EINVAL. Sets the field in *obj. */
#define TAPIR_BITFIELD_FIND(bf, obj, member) ({						\
	u64 tapir_bf_ones_ = ~0ULL;							\
											\
	(obj)->member = tapir_bf_ones_;							\
	tapir_bf_ones_ = (obj)->member;							\
	tapir_bitfield_locate(bf, obj, sizeof(*(obj)), tapir_bf_ones_);			\
})

/* The same for member of type, found in an object allocated for it: 0,
 * -ENOMEM or -EINVAL. At module init, where it may sleep. */
#define TAPIR_BITFIELD_LOCATE(bf, type, member) ({					\
	type *tapir_bf_o_ = kzalloc(sizeof(*tapir_bf_o_), GFP_KERNEL);			\
	int tapir_bf_rc_ = -ENOMEM;							\
											\
	if (tapir_bf_o_)								\
		tapir_bf_rc_ = TAPIR_BITFIELD_FIND(bf, tapir_bf_o_, member);		\
	kfree(tapir_bf_o_);								\
	tapir_bf_rc_;									\
})

/* The field of the object at addr in *val; -EFAULT when its bytes can't
 * be read. */
static __maybe_unused int tapir_bitfield_read(const struct tapir_bitfield *bf, long addr,
					      int64_t *val)
{
	unsigned char b[8];
	u64 v;

	if (copy_from_kernel_nofault(b, (const void *)(addr + bf->off), bf->nbytes))
		return -EFAULT;
	v = tapir_bytes_value(b, bf->nbytes) >> bf->shift;
	if (bf->bits < 64) {
		v &= (1ULL << bf->bits) - 1;
		if (bf->is_signed && (v >> (bf->bits - 1)) & 1)
			v |= ~0ULL << bf->bits;
	}
	*val = (int64_t)v;
	return 0;
}

#endif /* TAPIR_KTYPES_H */
