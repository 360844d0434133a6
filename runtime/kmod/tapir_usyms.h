/* tapir_usyms.h - user-space stacks and symbols on the kmod runtime.
 *
 * ubacktrace() walks the frame pointers of the current task's user
 * registers, as the kernel's perf user callchain does. The symbols are
 * those of the binaries process(...) probes name: pass 3 embeds their
 * function symbols (struct tapir_ubin, sorted by address), and an address
 * is looked up in the mapping that holds it (its file's path, through
 * d_path, compared with the binary's), at its link-time address: the
 * address less the mapping's load bias plus the binary's p_vaddr -
 * p_offset. Other files (the libraries) are named by their path alone.
 */
#ifndef TAPIR_USYMS_H
#define TAPIR_USYMS_H

#include <linux/dcache.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#define TAPIR_UPATH_MAX 256
#define TAPIR_USTACK_MAX 64

struct tapir_usym {
	unsigned long addr, size;
	const char *name;
};

struct tapir_ubin {
	const char *path;
	unsigned long delta;           /* p_vaddr - p_offset of its segments */
	const struct tapir_usym *syms; /* sorted by addr */
	int n;
};

/* Where a user address is: its mapping's file and load bias. */
struct tapir_uwhere {
	char buf[TAPIR_UPATH_MAX];
	const char *path;              /* in buf; NULL: no file maps it */
	const char *base;              /* its last component */
	unsigned long bias;
	const struct tapir_usym *sym;  /* NULL: no symbol known */
	unsigned long off;             /* addr - the symbol's start */
};

/* The user registers of the current task: a uprobe's own, else those
 * saved where it entered the kernel. */
static __maybe_unused struct pt_regs *tapir_uregs(const struct tapir_ctx *c)
{
	if (c->regs && c->user_mode_p)
		return c->regs;
	return current->mm ? task_pt_regs(current) : NULL;
}

/* "0x... " per frame into out: the pc, then each return address the frame
 * pointers lead to, until a frame can't be read or fp is 0. */
static __maybe_unused void tapir_ubacktrace(char *out, size_t len, const struct tapir_ctx *c)
{
	struct pt_regs *regs = tapir_uregs(c);
	struct { unsigned long next, ret; } fr;
	unsigned long fp;
	size_t n = 0;
	int depth = 0;

	out[0] = '\0';
	if (!regs)
		return;
	n += scnprintf(out + n, len - n, "0x%016lx ", instruction_pointer(regs));
	fp = regs->bp;
	while (++depth < TAPIR_USTACK_MAX && n + 20 < len && fp && !(fp & 7)) {
		if (copy_from_user_nofault(&fr, (const void __user *)fp, sizeof(fr)) || !fr.ret)
			break;
		n += scnprintf(out + n, len - n, "0x%016lx ", fr.ret);
		fp = fr.next;
	}
}

static __maybe_unused const struct tapir_usym *tapir_usym_in(const struct tapir_ubin *b,
							      unsigned long vaddr)
{
	int lo = 0, hi = b->n - 1, found = -1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (b->syms[mid].addr <= vaddr) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (found < 0 || vaddr >= b->syms[found].addr + (b->syms[found].size ?: 1))
		return NULL;
	return &b->syms[found];
}

/* Fill w for addr of the current process; false when no file maps it. */
static __maybe_unused bool tapir_uwhere(struct tapir_uwhere *w, const struct tapir_ubin *const *bins,
					unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	char *p = NULL;

	w->path = w->base = NULL;
	w->sym = NULL;
	if (!mm || !mmap_read_trylock(mm))
		return false;
	vma = find_vma(mm, addr);
	if (vma && vma->vm_start <= addr && vma->vm_file) {
		p = d_path(&vma->vm_file->f_path, w->buf, sizeof(w->buf));
		w->bias = vma->vm_start - (vma->vm_pgoff << PAGE_SHIFT);
	}
	mmap_read_unlock(mm);
	if (IS_ERR_OR_NULL(p))
		return false;
	w->path = p;
	w->base = strrchr(p, '/');
	w->base = w->base ? w->base + 1 : p;
	for (int i = 0; bins[i]; i++) {
		unsigned long vaddr = addr - w->bias + bins[i]->delta;

		if (strcmp(bins[i]->path, p) != 0)
			continue;
		w->sym = tapir_usym_in(bins[i], vaddr);
		if (w->sym)
			w->off = vaddr - w->sym->addr;
		break;
	}
	return true;
}

#endif /* TAPIR_USYMS_H */
