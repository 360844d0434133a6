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

#endif /* TAPIR_KTYPES_H */
