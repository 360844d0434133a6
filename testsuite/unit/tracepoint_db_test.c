/* tracepoint_db_test.c - translator/probes/tracepoint_db.c against this
 * host's tracefs and vmlinux BTF. Prints PASS/FAIL/SKIP lines for
 * testsuite/run-tests (via testsuite/suites/tracepoint-db.sh).
 */
#define _GNU_SOURCE
#include "probes/tracepoint_db.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

struct test {
	char why[1024];
	bool skip;
};

/* Record why a test failed (or is skipped) and leave it. */
#define EXPECT(t, cond, ...)                                        \
	do {                                                        \
		if (!(cond)) {                                      \
			snprintf((t)->why, sizeof((t)->why), __VA_ARGS__); \
			return;                                     \
		}                                                   \
	} while (0)
#define SKIP_IF(t, cond, ...)                                       \
	do {                                                        \
		if (cond) {                                         \
			(t)->skip = true;                           \
			snprintf((t)->why, sizeof((t)->why), __VA_ARGS__); \
			return;                                     \
		}                                                   \
	} while (0)

static struct tpdb *db;       /* with vmlinux BTF */
static struct btf *vmlinux;   /* the test's own view, to check ids */

static bool streq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static const struct tpdb_event *lookup(const char *full)
{
	char sys[256];
	const char *colon = strchr(full, ':');

	snprintf(sys, sizeof(sys), "%.*s", (int)(colon - full), full);
	return tpdb_lookup(db, sys, colon + 1);
}

/* What tpdb_print_probe writes, as a malloc'ed string. */
static char *probe_text(const struct tpdb_event *ev, bool with_vars)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	tpdb_print_probe(f, ev, with_vars);
	fclose(f);
	return s;
}

static bool probe_text_is(const struct tpdb_event *ev, bool with_vars,
			  const char *want, char *got, size_t gotlen)
{
	char *s = probe_text(ev, with_vars);
	bool ok = streq(s, want);

	snprintf(got, gotlen, "%s", s);
	free(s);
	return ok;
}

static int count_matches(const char *pattern)
{
	const struct tpdb_event **evs;
	int n = tpdb_match(db, pattern, &evs);

	free(evs);
	return n;
}

/* The kind of a BTF type, through its modifiers down to the named one. */
static bool btf_id_is(__u32 id, int kind, const char *name)
{
	const struct btf_type *t = btf__type_by_id(vmlinux, id);

	return t && btf_kind(t) == kind &&
	       (!name || streq(btf__name_by_offset(vmlinux, t->name_off), name));
}

/* ---- tracepoints ----------------------------------------------------------- */

static void test_sched_switch_args(struct test *t)
{
	static const char *const names[] = { "preempt", "prev", "next", "prev_state" };
	static const char *const types[] = { "bool", "struct task_struct*",
					     "struct task_struct*", "unsigned int" };
	const struct tpdb_event *ev = lookup("sched:sched_switch");

	SKIP_IF(t, !tpdb_has_btf(db), "no vmlinux BTF");
	EXPECT(t, ev, "sched:sched_switch not found");
	EXPECT(t, ev->kind == TPDB_TRACEPOINT && ev->attach == TPDB_ATTACH_TP_BTF,
	       "kind %d attach %d, want tracepoint via tp_btf", ev->kind, ev->attach);
	EXPECT(t, streq(ev->tp_name, "sched_switch") && ev->has_btf && ev->btf_proto_id,
	       "tp_name %s has_btf %d", ev->tp_name, ev->has_btf);
	EXPECT(t, !ev->names_guessed, "argument names guessed");
	EXPECT(t, ev->nr_args == 4, "%d args, want 4", ev->nr_args);
	for (int i = 0; i < 4; i++) {
		const struct tpdb_arg *a = &ev->args[i];

		EXPECT(t, streq(a->name, names[i]) && streq(a->c_type, types[i]),
		       "arg %d is $%s:%s, want $%s:%s", i, a->name, a->c_type,
		       names[i], types[i]);
		EXPECT(t, a->src == TPDB_SRC_TP_ARG && a->index == i,
		       "$%s: src %d index %d", a->name, a->src, a->index);
	}
	EXPECT(t, btf_id_is(ev->args[0].btf_id, BTF_KIND_TYPEDEF, "bool"),
	       "$preempt btf id %u is not typedef bool", ev->args[0].btf_id);
	EXPECT(t, btf_id_is(ev->args[1].btf_id, BTF_KIND_PTR, NULL) &&
	       btf_id_is(btf__type_by_id(vmlinux, ev->args[1].btf_id)->type,
			 BTF_KIND_STRUCT, "task_struct"),
	       "$prev btf id %u is not struct task_struct *", ev->args[1].btf_id);
	EXPECT(t, ev->args[0].size == 1 && ev->args[1].size == 8 && ev->args[1].is_ptr &&
	       ev->args[3].size == 4 && !ev->args[3].is_signed && !ev->args[3].is_ptr,
	       "sizes/signedness: preempt %d prev %d/%d prev_state %d/%d",
	       ev->args[0].size, ev->args[1].size, ev->args[1].is_ptr,
	       ev->args[3].size, ev->args[3].is_signed);
	EXPECT(t, ev->tp_args == ev->args && ev->nr_tp_args == 4,
	       "tp_args differ from args for a tracepoint");
}

static void test_sched_switch_fields(struct test *t)
{
	const struct tpdb_event *ev = lookup("sched:sched_switch");
	const struct tpdb_field *comm = NULL, *pid = NULL;
	char path[512], buf[32] = "";
	FILE *f;

	EXPECT(t, ev, "sched:sched_switch not found");
	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/sched/sched_switch/id");
	f = fopen(path, "r");
	if (!f)
		f = fopen("/sys/kernel/debug/tracing/events/sched/sched_switch/id", "r");
	EXPECT(t, f && fgets(buf, sizeof(buf), f), "cannot read the event's id file");
	fclose(f);
	EXPECT(t, ev->id == atoi(buf), "id %d, tracefs says %d", ev->id, atoi(buf));
	for (int i = 0; i < ev->nr_fields; i++) {
		EXPECT(t, strncmp(ev->fields[i].name, "common_", 7),
		       "field %s should be left out", ev->fields[i].name);
		if (streq(ev->fields[i].name, "prev_comm"))
			comm = &ev->fields[i];
		if (streq(ev->fields[i].name, "prev_pid"))
			pid = &ev->fields[i];
	}
	EXPECT(t, comm && streq(comm->decl, "char") && comm->array_len == 16 &&
	       comm->size == 16 && comm->offset == 8,
	       "prev_comm: %s[%d] size %d offset %d", comm ? comm->decl : "(missing)",
	       comm ? comm->array_len : 0, comm ? comm->size : 0, comm ? comm->offset : 0);
	EXPECT(t, pid && streq(pid->decl, "pid_t") && pid->size == 4 && pid->is_signed,
	       "prev_pid: %s size %d signed %d", pid ? pid->decl : "(missing)",
	       pid ? pid->size : 0, pid ? pid->is_signed : 0);
}

static void test_listing_l(struct test *t)
{
	const struct tpdb_event *ev = lookup("sched:sched_switch");
	char got[512];

	EXPECT(t, ev, "sched:sched_switch not found");
	EXPECT(t, probe_text_is(ev, false, "kernel.trace(\"sched:sched_switch\")",
				got, sizeof(got)), "-l printed '%s'", got);
}

static void test_listing_L(struct test *t)
{
	const struct tpdb_event *ev = lookup("sched:sched_switch");
	char got[512];

	SKIP_IF(t, !tpdb_has_btf(db), "no vmlinux BTF");
	EXPECT(t, ev, "sched:sched_switch not found");
	EXPECT(t, probe_text_is(ev, true, "kernel.trace(\"sched:sched_switch\") "
				"$preempt:bool $prev:struct task_struct* "
				"$next:struct task_struct* $prev_state:unsigned int",
				got, sizeof(got)), "-L printed '%s'", got);
}

static void test_type_names(struct test *t)
{
	const struct tpdb_event *ev;
	char got[512];

	SKIP_IF(t, !tpdb_has_btf(db), "no vmlinux BTF");
	ev = lookup("printk:console");
	SKIP_IF(t, !ev, "no printk:console event here");
	EXPECT(t, probe_text_is(ev, true, "kernel.trace(\"printk:console\") "
				"$text:char const* $len:size_t", got, sizeof(got)),
	       "const pointer: '%s'", got);
	ev = lookup("cpuhp:cpuhp_enter");
	SKIP_IF(t, !ev, "no cpuhp:cpuhp_enter event here");
	EXPECT(t, ev->nr_args == 4 && streq(ev->args[3].c_type, "int (*) (unsigned int)"),
	       "function pointer $fun:%s", ev->nr_args == 4 ? ev->args[3].c_type : "?");
}

static void test_list_sched_glob(struct test *t)
{
	const struct tpdb_event **evs;
	int n = tpdb_match(db, "sched:*", &evs), lines = 0;
	bool seen_switch = false;
	char *out = NULL, *prev = NULL;
	size_t len = 0;
	FILE *f;

	EXPECT(t, n > 10, "\"sched:*\" matched %d events, want > 10", n);
	for (int i = 0; i < n; i++) {
		if (!streq(evs[i]->system, "sched") ||
		    (i && strcmp(evs[i - 1]->full, evs[i]->full) >= 0)) {
			snprintf(t->why, sizeof(t->why), "match %d (%s) out of place", i,
				 evs[i]->full);
			free(evs);
			return;
		}
		seen_switch |= streq(evs[i]->full, "sched:sched_switch");
	}
	free(evs);
	EXPECT(t, seen_switch, "sched:sched_switch not among the matches");
	f = open_memstream(&out, &len);
	EXPECT(t, tpdb_list(db, "sched:*", false, f) == n, "tpdb_list count differs");
	fclose(f);
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), lines++) {
		if (strncmp(line, "kernel.trace(\"sched:", 20) ||
		    (prev && strcmp(prev, line) >= 0)) {
			snprintf(t->why, sizeof(t->why), "-l line '%s' malformed or unsorted", line);
			free(out);
			return;
		}
		prev = line;
	}
	free(out);
	EXPECT(t, lines == n, "%d -l lines for %d matches", lines, n);
}

static void test_globs(struct test *t)
{
	static const struct { const char *pat; int want; } cases[] = {
		{ "sched_switch", 1 },             /* no colon: any subsystem */
		{ "sched:sched_switch", 1 },
		{ "*:sched_switch", 1 },
		{ "sched:sched_s?itch", 1 },
		{ "sched:sched_[rs]witch", 1 },
		{ "[[:alpha:]]ched:sched_switch", 1 }, /* ':' inside [...] */
		{ "sched:sched_[!s]witch", 0 },
		{ "sched:sched_switc", 0 },
		{ "Sched:sched_switch", 0 },       /* case-sensitive, as fnmatch */
		{ "sys_enter", 1 },                /* raw_syscalls only */
	};
	const struct tpdb_event **evs;
	int n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = count_matches(cases[i].pat);
		EXPECT(t, n == cases[i].want, "\"%s\" matched %d, want %d",
		       cases[i].pat, n, cases[i].want);
	}
	n = tpdb_match(db, "sys_enter", &evs);
	EXPECT(t, n == 1 && streq(evs[0]->full, "raw_syscalls:sys_enter"),
	       "\"sys_enter\" matched %s", n > 0 ? evs[0]->full : "nothing");
	free(evs);
	n = count_matches("*");
	EXPECT(t, n == tpdb_event_count(db), "\"*\" matched %d of %d events", n,
	       tpdb_event_count(db));
}

static void test_raw_syscalls_sys_enter(struct test *t)
{
	const struct tpdb_event *ev = lookup("raw_syscalls:sys_enter");
	char got[512];

	SKIP_IF(t, !tpdb_has_btf(db), "no vmlinux BTF");
	EXPECT(t, ev, "raw_syscalls:sys_enter not found");
	EXPECT(t, ev->kind == TPDB_TRACEPOINT && streq(ev->tp_name, "sys_enter") &&
	       ev->attach == TPDB_ATTACH_TP_BTF, "kind %d tp_name %s", ev->kind, ev->tp_name);
	EXPECT(t, probe_text_is(ev, true, "kernel.trace(\"raw_syscalls:sys_enter\") "
				"$regs:struct pt_regs* $id:long int", got, sizeof(got)),
	       "-L printed '%s'", got);
	EXPECT(t, ev->args[1].size == 8 && ev->args[1].is_signed, "$id not a signed long");
}

/* ---- syscalls:* -------------------------------------------------------------- */

static void test_syscall_getppid(struct test *t)
{
	const struct tpdb_event *ev = lookup("syscalls:sys_enter_getppid");
	char got[512];

	SKIP_IF(t, !lookup("syscalls:sys_enter_read"), "no syscalls:* events (CONFIG_FTRACE_SYSCALLS)");
	EXPECT(t, ev, "syscalls:sys_enter_getppid not found");
	EXPECT(t, ev->kind == TPDB_SYSCALL && !ev->syscall_exit &&
	       streq(ev->syscall, "getppid"), "kind %d syscall %s", ev->kind, ev->syscall);
	EXPECT(t, streq(ev->tp_name, "sys_enter"), "tp_name %s, want sys_enter", ev->tp_name);
#ifdef __x86_64__
	EXPECT(t, ev->syscall_nr == 110, "syscall nr %d, want 110", ev->syscall_nr);
#endif
	EXPECT(t, ev->syscall_nr == SYS_getppid, "syscall nr %d, libc says %d",
	       ev->syscall_nr, (int)SYS_getppid);
	EXPECT(t, ev->nr_args == 0, "%d args, want none", ev->nr_args);
	EXPECT(t, probe_text_is(ev, true, "kernel.trace(\"syscalls:sys_enter_getppid\")",
				got, sizeof(got)), "-L printed '%s'", got);
	SKIP_IF(t, !tpdb_has_btf(db), "no vmlinux BTF (nr checked; attach not)");
	EXPECT(t, ev->attach == TPDB_ATTACH_TP_BTF && ev->has_btf &&
	       streq(ev->syscall_nr_expr, "id"), "attach %d nr_expr %s", ev->attach,
	       ev->syscall_nr_expr);
	EXPECT(t, ev->nr_tp_args == 2 && streq(ev->tp_args[0].name, "regs") &&
	       streq(ev->tp_args[1].name, "id"), "sys_enter's args are not (regs, id)");
}

static void test_syscall_read_args(struct test *t)
{
	static const char *const names[] = { "fd", "buf", "count" };
	static const char *const types[] = { "unsigned int", "char*", "size_t" };
	const struct tpdb_event *ev = lookup("syscalls:sys_enter_read");
	const struct tpdb_event *ex = lookup("syscalls:sys_exit_read");

	SKIP_IF(t, !ev, "no syscalls:* events (CONFIG_FTRACE_SYSCALLS)");
	SKIP_IF(t, !tpdb_has_btf(db), "no vmlinux BTF");
	EXPECT(t, ev->syscall_nr == SYS_read && ev->nr_args == 3,
	       "nr %d, %d args", ev->syscall_nr, ev->nr_args);
	for (int i = 0; i < 3; i++) {
		const struct tpdb_arg *a = &ev->args[i];

		EXPECT(t, streq(a->name, names[i]) && streq(a->c_type, types[i]) &&
		       a->src == TPDB_SRC_SYSCALL_ARG && a->index == i && a->btf_id,
		       "arg %d: $%s:%s src %d index %d btf %u", i, a->name, a->c_type,
		       a->src, a->index, a->btf_id);
	}
	EXPECT(t, ev->args[0].size == 4 && ev->args[1].is_ptr, "fd size %d, buf ptr %d",
	       ev->args[0].size, ev->args[1].is_ptr);
	EXPECT(t, ex && ex->syscall_exit && streq(ex->tp_name, "sys_exit") &&
	       ex->syscall_nr == SYS_read && ex->syscall_nr_expr, "sys_exit_read mapping");
	EXPECT(t, ex->nr_args == 1 && streq(ex->args[0].name, "ret") &&
	       streq(ex->args[0].c_type, "long int") && ex->args[0].src == TPDB_SRC_TP_ARG &&
	       ex->args[0].index == 1, "sys_exit_read: $%s:%s src %d index %d",
	       ex->nr_args ? ex->args[0].name : "?", ex->nr_args ? ex->args[0].c_type : "?",
	       ex->nr_args ? (int)ex->args[0].src : -1, ex->nr_args ? ex->args[0].index : -1);
}

static void test_syscall_renamed(struct test *t)
{
	static const struct { const char *ev; long nr; } cases[] = {
		{ "syscalls:sys_enter_newfstat", SYS_fstat },
		{ "syscalls:sys_enter_newuname", SYS_uname },
		{ "syscalls:sys_enter_umount", SYS_umount2 },
		{ "syscalls:sys_exit_sendfile64", SYS_sendfile },
	};

	SKIP_IF(t, !lookup("syscalls:sys_enter_read"), "no syscalls:* events");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tpdb_event *ev = lookup(cases[i].ev);

		EXPECT(t, ev, "%s not found", cases[i].ev);
		EXPECT(t, ev->syscall_nr == cases[i].nr, "%s: nr %d, want %ld",
		       cases[i].ev, ev->syscall_nr, cases[i].nr);
	}
	EXPECT(t, tpdb_syscall_nr("fstat") == SYS_fstat &&
	       tpdb_syscall_nr("newfstat") == SYS_fstat, "fstat/newfstat");
	EXPECT(t, streq(tpdb_syscall_name(SYS_getppid), "getppid"), "name of SYS_getppid");
	EXPECT(t, tpdb_syscall_nr("no_such_syscall") == -1 && !tpdb_syscall_name(-1) &&
	       !tpdb_syscall_name(100000), "unknown syscalls");
}

/* Every syscalls:* event of this kernel has a number; enter and exit agree. */
static void test_syscall_table_covers_kernel(struct test *t)
{
	const struct tpdb_event **evs;
	int n = tpdb_match(db, "syscalls:sys_enter_*", &evs);
	static unsigned char seen[1024];

	SKIP_IF(t, n <= 0, "no syscalls:* events");
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < n; i++) {
		const struct tpdb_event *ev = evs[i], *ex;
		char exit_name[256];

		snprintf(exit_name, sizeof(exit_name), "sys_exit_%s", ev->syscall);
		ex = tpdb_lookup(db, "syscalls", exit_name);
		if (ev->syscall_nr < 0 || ev->syscall_nr >= 1024 || seen[ev->syscall_nr]++ ||
		    (ex && ex->syscall_nr != ev->syscall_nr)) {
			snprintf(t->why, sizeof(t->why), "%s: nr %d (unknown, duplicate, or "
				 "differs from its exit event)", ev->full, ev->syscall_nr);
			free(evs);
			return;
		}
	}
	free(evs);
}

/* The built-in table against the libc UAPI header, where both have a number. */
static void test_syscall_table_vs_uapi(struct test *t)
{
	static const char *const paths[] = {
		"/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
		"/usr/include/asm/unistd_64.h",
	};
	FILE *f = NULL;
	char line[256], name[128];
	int nr, checked = 0;

#ifndef __x86_64__
	SKIP_IF(t, true, "the built-in table is x86-64 only");
#endif
	for (size_t i = 0; !f && i < sizeof(paths) / sizeof(paths[0]); i++)
		f = fopen(paths[i], "r");
	SKIP_IF(t, !f, "no asm/unistd_64.h (linux-libc-dev)");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "#define __NR_%127s %d", name, &nr) != 2)
			continue;
		checked++;
		if (!streq(tpdb_syscall_name(nr), name)) {
			snprintf(t->why, sizeof(t->why), "__NR_%s is %d, the table says %s",
				 name, nr, tpdb_syscall_name(nr) ? tpdb_syscall_name(nr) : "nothing");
			fclose(f);
			return;
		}
	}
	fclose(f);
	EXPECT(t, checked > 300, "only %d numbers in the header", checked);
}

static int write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -errno;
	ok = fputs(s, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -EIO;
}

/* Does syscalls:<event> fire for us under a filter "__syscall_nr == nr"?
 * Runs in a private tracefs instance so as to touch no one else's tracing. */
static int fires_with_nr(const char *inst, const char *event, int nr, void (*call)(void))
{
	char path[512], filter[128], line[512];
	int hits = 0, err;
	FILE *f;

	snprintf(path, sizeof(path), "%s/events/syscalls/%s/filter", inst, event);
	snprintf(filter, sizeof(filter), "__syscall_nr == %d && common_pid == %d",
		 nr, (int)getpid());
	if ((err = write_file(path, filter)))
		return err;
	snprintf(path, sizeof(path), "%s/events/syscalls/%s/enable", inst, event);
	if ((err = write_file(path, "1")))
		return err;
	call();
	write_file(path, "0");
	snprintf(path, sizeof(path), "%s/trace", inst);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		hits += line[0] != '#';
	fclose(f);
	write_file(path, ""); /* clear the instance's buffer */
	return hits;
}

static void call_getppid(void) { syscall(SYS_getppid); }
static void call_uname(void) { struct utsname u; uname(&u); }

/* The kernel itself agrees: the event fires under a filter on our number,
 * and not under one on another number. */
static void test_syscall_nr_kernel(struct test *t)
{
	static const struct { const char *event; void (*call)(void); } cases[] = {
		{ "sys_enter_getppid", call_getppid },
		{ "sys_enter_newuname", call_uname },
	};
	const char *roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char inst[512] = "";

	for (size_t i = 0; i < 2 && !inst[0]; i++) {
		char dir[256];
		struct stat st;

		snprintf(dir, sizeof(dir), "%s/instances", roots[i]);
		if (stat(dir, &st) == 0)
			snprintf(inst, sizeof(inst), "%s/tapir-tpdb-%d", dir, (int)getpid());
	}
	SKIP_IF(t, !inst[0] || mkdir(inst, 0700), "no tracefs instances");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char full[128];
		const struct tpdb_event *ev;
		int yes, no;

		snprintf(full, sizeof(full), "syscalls:%s", cases[i].event);
		ev = lookup(full);
		if (!ev) {
			rmdir(inst);
			SKIP_IF(t, true, "no %s event", full);
		}
		yes = fires_with_nr(inst, cases[i].event, ev->syscall_nr, cases[i].call);
		no = fires_with_nr(inst, cases[i].event, ev->syscall_nr + 1, cases[i].call);
		if (yes <= 0 || no != 0) {
			rmdir(inst);
			EXPECT(t, false, "%s with nr %d: %d hits, with nr %d: %d hits",
			       full, ev->syscall_nr, yes, ev->syscall_nr + 1, no);
		}
	}
	EXPECT(t, rmdir(inst) == 0, "cannot remove %s: %s", inst, strerror(errno));
}

/* ---- the rest ------------------------------------------------------------------ */

static bool suggests(const char *pattern, const char *want, bool first)
{
	const char *s[8];
	int n = tpdb_suggest(db, pattern, s, 8);

	for (int i = 0; i < n; i++)
		if (streq(s[i], want))
			return !first || i == 0;
	return false;
}

static void test_no_match_suggestions(struct test *t)
{
	const char *s[8];

	EXPECT(t, count_matches("sched:sched_swtich") == 0, "typo matched something");
	EXPECT(t, suggests("sched:sched_swtich", "sched:sched_switch", true),
	       "no sched:sched_switch first for sched:sched_swtich");
	EXPECT(t, suggests("sched_swich", "sched:sched_switch", true),
	       "no sched:sched_switch first for sched_swich");
	EXPECT(t, suggests("shed:sched_switch", "sched:sched_switch", true),
	       "no sched:sched_switch first for shed:sched_switch");
	EXPECT(t, suggests("sched:shced_sw*", "sched:sched_switch", false),
	       "no sched:sched_switch for sched:shced_sw*");
	EXPECT(t, suggests("syscalls:sys_enter_getpppid", "syscalls:sys_enter_getppid", true),
	       "no syscalls:sys_enter_getppid for syscalls:sys_enter_getpppid");
	EXPECT(t, tpdb_suggest(db, "qqqqzzzzxxxxwwww", s, 8) == 0,
	       "suggested %s for nonsense", s[0]);
}

static void test_malformed_patterns(struct test *t)
{
	static const char *const bad[] = {
		"", ":", "sched:", ":sched_switch", "sched:sched:switch",
		"sched:sched_[", "sched switch", "sched:\"x", "sched/sched_switch",
		"sched:sched_switch\\", "sched:[[:alpha:]",
	};
	static const char *const good[] = {
		"*", "sched:*", "sched_*", "[[:alpha:]]ched:*", "sched:sched_\\*",
		"sched:sched_[]x]", "sched:sched_[!]x]*",
	};
	static const struct tpdb_event *dummy;
	const struct tpdb_event **evs;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT(t, tpdb_check_pattern(db, bad[i]) == -EINVAL && *tpdb_errmsg(db),
		       "\"%s\" accepted", bad[i]);
		evs = &dummy; /* tpdb_match must clear it */
		EXPECT(t, tpdb_match(db, bad[i], &evs) == -EINVAL && !evs,
		       "tpdb_match took \"%s\"", bad[i]);
	}
	tpdb_check_pattern(db, "sched:");
	EXPECT(t, strstr(tpdb_errmsg(db), "sched:") && strstr(tpdb_errmsg(db), "empty"),
	       "message for \"sched:\" is '%s'", tpdb_errmsg(db));
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		EXPECT(t, tpdb_check_pattern(db, good[i]) == 0, "\"%s\" refused: %s",
		       good[i], tpdb_errmsg(db));
}

/* Every event resolves, with names for every argument, and can be looked up
 * ("fib6:*" sorts before "fib:*"). */
static void test_all_events_resolve(struct test *t)
{
	const struct tpdb_event **evs;
	int n = tpdb_match(db, "*", &evs), tracepoints = 0;

	SKIP_IF(t, !tpdb_has_btf(db), "no vmlinux BTF");
	for (int i = 0; i < n; i++) {
		const struct tpdb_event *ev = evs[i];
		const char *bad = ev->names_guessed ? "argument names guessed" :
				  ev->id < 0 ? "no id" : NULL;

		tracepoints += ev->kind == TPDB_TRACEPOINT;
		if (tpdb_lookup(db, ev->system, ev->name) != ev)
			bad = "tpdb_lookup does not find it";
		for (int j = 0; !bad && j < ev->nr_args; j++)
			if (!*ev->args[j].c_type || strstr(ev->args[j].c_type, "<unknown>"))
				bad = "argument without a type name";
		if (bad) {
			snprintf(t->why, sizeof(t->why), "%s: %s", ev->full, bad);
			free(evs);
			return;
		}
	}
	free(evs);
	EXPECT(t, tracepoints > n / 3, "only %d of %d events are tracepoints in BTF",
	       tracepoints, n);
}

static void test_without_btf(struct test *t)
{
	struct tpdb *nobtf;
	const struct tpdb_event *ev;
	int err = tpdb_open(&nobtf, NULL, "");

	EXPECT(t, !err, "open without BTF: %s", tpdb_errmsg(nobtf));
	ev = tpdb_lookup(nobtf, "sched", "sched_switch");
	if (!ev || ev->kind != TPDB_EVENT || ev->attach != TPDB_ATTACH_PERF ||
	    ev->tp_name || ev->nr_args != ev->nr_fields || ev->nr_args < 1 ||
	    !streq(ev->args[0].name, "prev_comm") || !streq(ev->args[0].c_type, "char[]") ||
	    ev->args[0].src != TPDB_SRC_FIELD) {
		tpdb_close(nobtf);
		EXPECT(t, false, "sched:sched_switch without BTF is not a perf event "
		       "with its format fields as args");
	}
	ev = tpdb_lookup(nobtf, "syscalls", "sys_enter_read");
	if (ev && (ev->kind != TPDB_SYSCALL || ev->attach != TPDB_ATTACH_PERF ||
		   ev->nr_args != 3 || ev->args[0].src != TPDB_SRC_FIELD ||
		   !streq(ev->args[2].c_type, "size_t") || ev->syscall_nr != SYS_read)) {
		tpdb_close(nobtf);
		EXPECT(t, false, "syscalls:sys_enter_read without BTF: attach %d, %d args",
		       ev->attach, ev->nr_args);
	}
	tpdb_close(nobtf);
}

static void test_open_errors(struct test *t)
{
	struct tpdb *bad;
	int err = tpdb_open(&bad, "/nonexistent-tracefs", NULL);

	EXPECT(t, err == -ENOENT && strstr(tpdb_errmsg(bad), "/nonexistent-tracefs"),
	       "bad tracefs: %d '%s'", err, tpdb_errmsg(bad));
	tpdb_close(bad);
	err = tpdb_open(&bad, NULL, "/nonexistent-btf");
	EXPECT(t, err < 0 && strstr(tpdb_errmsg(bad), "/nonexistent-btf"),
	       "bad BTF path: %d '%s'", err, tpdb_errmsg(bad));
	tpdb_close(bad);
}

static const struct {
	const char *name;
	void (*fn)(struct test *);
} tests[] = {
	{ "sched_switch_args", test_sched_switch_args },
	{ "sched_switch_fields", test_sched_switch_fields },
	{ "listing_l", test_listing_l },
	{ "listing_L", test_listing_L },
	{ "type_names", test_type_names },
	{ "list_sched_glob", test_list_sched_glob },
	{ "globs", test_globs },
	{ "raw_syscalls_sys_enter", test_raw_syscalls_sys_enter },
	{ "syscall_getppid", test_syscall_getppid },
	{ "syscall_read_args", test_syscall_read_args },
	{ "syscall_renamed", test_syscall_renamed },
	{ "syscall_table_covers_kernel", test_syscall_table_covers_kernel },
	{ "syscall_table_vs_uapi", test_syscall_table_vs_uapi },
	{ "syscall_nr_kernel", test_syscall_nr_kernel },
	{ "no_match_suggestions", test_no_match_suggestions },
	{ "malformed_patterns", test_malformed_patterns },
	{ "all_events_resolve", test_all_events_resolve },
	{ "without_btf", test_without_btf },
	{ "open_errors", test_open_errors },
};

int main(void)
{
	size_t n = sizeof(tests) / sizeof(tests[0]);
	int failed = 0, err = tpdb_open(&db, NULL, NULL);

	if (err) {
		for (size_t i = 0; i < n; i++)
			printf("SKIP: %s: %s\n", tests[i].name, tpdb_errmsg(db));
		tpdb_close(db);
		return 0;
	}
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		vmlinux = btf__new_empty();
	for (size_t i = 0; i < n; i++) {
		struct test t = { .why = "" };

		tests[i].fn(&t);
		if (t.skip)
			printf("SKIP: %s: %s\n", tests[i].name, t.why);
		else if (t.why[0])
			printf("FAIL: %s: %s\n", tests[i].name, t.why), failed++;
		else
			printf("PASS: %s\n", tests[i].name);
		fflush(stdout);
	}
	btf__free(vmlinux);
	tpdb_close(db);
	return failed ? 1 : 0;
}
