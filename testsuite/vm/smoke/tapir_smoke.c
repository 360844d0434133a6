// SPDX-License-Identifier: GPL-2.0
/*
 * tapir_smoke - the smallest module that shows the VM harness works: it is
 * built on the host against the VM kernel's headers, loaded and unloaded
 * in the VM, and shows that kprobes work in that kernel.
 *
 * Loaded plain, it only says so. Loaded with func=NAME, it counts the calls
 * of the kernel function NAME with a kprobe and prints the count on unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/kprobes.h>
#include <linux/module.h>

static char *func;
module_param(func, charp, 0444);
MODULE_PARM_DESC(func, "kernel function whose calls a kprobe counts");

static atomic_long_t hits = ATOMIC_LONG_INIT(0);

static int smoke_pre_handler(struct kprobe *kp, struct pt_regs *regs)
{
	atomic_long_inc(&hits);
	return 0;
}

static struct kprobe smoke_kprobe = {
	.pre_handler = smoke_pre_handler,
};

static bool probing;

static int __init smoke_init(void)
{
	int ret;

	if (!func || !*func) {
		pr_info("loaded\n");
		return 0;
	}
	smoke_kprobe.symbol_name = func;
	ret = register_kprobe(&smoke_kprobe);
	if (ret < 0) {
		pr_err("register_kprobe(%s) failed: %d\n", func, ret);
		return ret;
	}
	probing = true;
	pr_info("loaded, kprobe on %s at %pS\n", func, smoke_kprobe.addr);
	return 0;
}

static void __exit smoke_exit(void)
{
	if (!probing) {
		pr_info("unloaded\n");
		return;
	}
	unregister_kprobe(&smoke_kprobe);
	pr_info("unloaded, %ld hits on %s\n", atomic_long_read(&hits), func);
}

module_init(smoke_init);
module_exit(smoke_exit);
MODULE_DESCRIPTION("tapir VM harness smoke test: load, unload, kprobe");
MODULE_LICENSE("GPL");
