/* emit_cast.c - @cast(ptr, "type")->chain: in a kernel probe the address
 * of each step computed in C over the kernel's types (vmlinux.h, so that
 * CO-RE relocates every offset), pointers on the way and the value at the
 * end read with bpf_probe_read_kernel; a fault is SystemTap's run-time
 * error. The plan pass 2 left in the node (translator/cast.c) says which
 * steps go through a pointer.
 *
 * A probe that runs in user space (begin, end, error: the executor) has
 * no vmlinux.h: there the walk adds the offsets pass 2 took from the
 * host's BTF (n->layout), and each read goes through the executor's
 * kernel reader (tapir_kread, runtime/bpf/rt_exec_kread.c). No CO-RE is
 * needed there: the executor reads the memory of the kernel it runs on,
 * and a user-space probe's program is built where it runs (it reads the
 * host's /sys/kernel/btf/vmlinux at the build).
 */
#include "emit.h"

struct walk {
	struct em *m;
	const char *addr;      /* s64 temp: the address of the current object */
	const char *type;      /* C type of the current object */
	const char *fault;     /* error location id of a read fault */
};

/* A read fault, after "if (READ)" (em_raise: a try catches it, a
 * function passes it to its caller). */
static void raise_fault(struct walk *w)
{
	w->m->indent++;
	em_raise(w->m, w->fault, "\"kernel read fault\"");
	w->m->indent--;
}

/* Replace the address by the pointer stored there; the object becomes
 * what it points to. */
static void load_pointer(struct walk *w)
{
	em_line(w->m, "if (bpf_probe_read_kernel(&%s, sizeof(%s), (void *)(long)%s))", w->addr,
		w->addr, w->addr);
	raise_fault(w);
	w->type = arena_printf(w->m->f->e->arena, "typeof(*(%s)0)", w->type);
}

static void step(struct walk *w, const struct ast_step *st, char how)
{
	struct arena *a = w->m->f->e->arena;
	const char *obj;

	if (how == CTX_STEP_LOAD)
		load_pointer(w);
	if (st->is_index) {
		const char *ix = em_long(w->m, st->index);

		/* an array in place is indexed as an array; a pointer just
		 * loaded, or the cast pointer itself, steps by elements */
		obj = how == CTX_STEP_IN_PLACE ? arena_printf(a, "(*(%s *)(long)%s)", w->type, w->addr)
					       : arena_printf(a, "((%s *)(long)%s)", w->type, w->addr);
		em_line(w->m, "%s = (s64)(long)&%s[%s];", w->addr, obj, ix);
		if (how == CTX_STEP_IN_PLACE)
			w->type = arena_printf(a, "typeof((*(%s *)0)[0])", w->type);
		return;
	}
	em_line(w->m, "%s = (s64)(long)&((%s *)(long)%s)->%s;", w->addr, w->type, w->addr,
		st->member);
	w->type = arena_printf(a, "typeof(((%s *)0)->%s)", w->type, st->member);
}

/* The value of a scalar or pointer object (at most 8 bytes: the low bytes
 * of a u64 on this little-endian target). */
static const char *read_value(struct walk *w)
{
	const char *r = em_tmp_long(w->m);

	em_line(w->m, "{ u64 __raw = 0;");
	w->m->indent++;
	em_line(w->m, "if (bpf_probe_read_kernel(&__raw, sizeof(%s) < 8 ? sizeof(%s) : 8, "
		      "(void *)(long)%s))", w->type, w->type, w->addr);
	raise_fault(w);
	em_line(w->m, "%s = (s64)*(%s *)&__raw;", r, w->type);
	w->m->indent--;
	em_line(w->m, "}");
	return r;
}

/* The value of bitfield member of the object at the address, as libbpf's
 * BPF_CORE_READ_BITFIELD_PROBED reads it (the bytes holding it, at the
 * offset and size CO-RE relocates for the kernel the program runs on,
 * then shifted and sign- or zero-extended), with a fault an error. */
static const char *read_bitfield(struct walk *w, const struct ast_step *st, char how)
{
	const char *r = em_tmp_long(w->m);

	if (how == CTX_STEP_LOAD)
		load_pointer(w);
	em_line(w->m, "{ const %s *__s = (const void *)(long)%s; u64 __v = 0;", w->type, w->addr);
	w->m->indent++;
	em_line(w->m, "if (bpf_probe_read_kernel(&__v, __CORE_RELO(__s, %s, BYTE_SIZE), "
		      "(const void *)__s + __CORE_RELO(__s, %s, BYTE_OFFSET)))",
		st->member, st->member);
	raise_fault(w);
	em_line(w->m, "__v <<= __CORE_RELO(__s, %s, LSHIFT_U64);", st->member);
	em_line(w->m, "%s = __CORE_RELO(__s, %s, SIGNED) ? (s64)__v >> __CORE_RELO(__s, %s, "
		      "RSHIFT_U64) : (s64)(__v >> __CORE_RELO(__s, %s, RSHIFT_U64));",
		r, st->member, st->member, st->member);
	w->m->indent--;
	em_line(w->m, "}");
	return r;
}

/* Read the chain in the executor: the address after each step, then the
 * value (sign-extended, a bitfield's bits) unless the address is asked. */
static const char *user_cast(struct em *m, struct ast *n, const char *base, bool address)
{
	const struct cast_layout *l = n->layout;
	const char *addr = em_tmp_long(m);
	const char *loc = arena_printf(m->f->e->arena, "%d",
				       em_loc_id(m->f, "operator '@cast'", n->loc));
	const char *r;

	em_line(m, "%s = %s;", addr, base);
	for (int i = 0; i < n->chain.len; i++) {
		const struct ast_step *st = n->chain.items[i];

		if (n->plan[i] == CTX_STEP_LOAD) {
			em_line(m, "if (tapir_kread_value(&%s, %s, 8, 0, 0, 0))", addr, addr);
			m->indent++;
			em_raise(m, loc, "\"kernel read fault\"");
			m->indent--;
		}
		if (st->is_index)
			em_line(m, "%s = (s64)((u64)%s + (u64)%s * %lluULL);", addr, addr,
				em_long(m, st->index), (unsigned long long)l->steps[i]);
		else
			em_line(m, "%s = (s64)((u64)%s + %lluULL);", addr, addr,
				(unsigned long long)l->steps[i]);
	}
	if (address || n->plan[n->chain.len] != CTX_END_VALUE)
		return addr;
	r = em_tmp_long(m);
	em_line(m, "if (tapir_kread_value(&%s, %s, %d, %d, %d, %d))", r, addr,
		(int)(l->size > 0 && l->size < 8 ? l->size : 8), l->is_signed, l->bit_offset,
		l->bit_size);
	m->indent++;
	em_raise(m, loc, "\"kernel read fault\"");
	m->indent--;
	return r;
}

const char *em_cast(struct em *m, struct ast *n, bool address)
{
	struct walk w = { .m = m, .type = n->str };
	const char *base;
	char end;
	bool bitfield;
	int last;

	if (!n->plan) { /* not resolved against the kernel: a process(...) probe */
		em_error(m, n->loc, "'&@cast(...)' is not supported in this probe on the bpf runtime yet");
		return "0";
	}
	base = em_long(m, n->lhs);
	end = n->plan[n->chain.len];

	/* an address at a known offset from the cast pointer: no read (in a
	 * kernel probe the walk below computes it, relocated by CO-RE for
	 * the kernel the program runs on, which may not be the host's) */
	if (n->num != INT64_MIN && m->user && (address || end != CTX_END_VALUE))
		return arena_printf(m->f->e->arena, "((s64)((u64)%s + %lldULL))", base,
				    (long long)n->num);
	if (n->pretty) {
		em_error(m, n->loc, "pretty-printing '%s' is not supported on the bpf runtime yet",
			 n->pretty);
		return "0";
	}
	if (m->user)
		return user_cast(m, n, base, address);
	w.addr = em_tmp_long(m);
	w.fault = arena_printf(m->f->e->arena, "%d",
			       em_loc_id(m->f, "operator '@cast'", n->loc));
	em_line(m, "%s = %s;", w.addr, base);
	/* a bitfield's value: its last step is the bitfield read itself */
	bitfield = !address && end == CTX_END_VALUE && n->layout && n->layout->bit_size > 0;
	last = n->chain.len - bitfield;
	for (int i = 0; i < last; i++)
		step(&w, n->chain.items[i], n->plan[i]);
	if (bitfield)
		return read_bitfield(&w, n->chain.items[last], n->plan[last]);
	if (address || end != CTX_END_VALUE)
		return w.addr;
	return read_value(&w);
}
