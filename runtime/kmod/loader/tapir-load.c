/*
 * tapir-load - run a module built by tapir --runtime=kmod: SystemTap's
 * staprun and stapio in one small program.
 *
 *   tapir-load [-o FILE [-S SIZE[,N]]] [-c CMD | -x PID] [-T SECS] [-v] [-G NAME=VALUE]...
 *              MODULE.ko [NAME=VALUE...]
 *
 * Loads the module with finit_module(2) (-G NAME=VALUE, or NAME=VALUE
 * after the module, sets a global, as stap -G does: a module parameter), starts the session (begin probes, then the event probes
 * are armed) through /proc/MODULE/ctl, starts CMD (sh -c) only then, with
 * target() its pid, and copies the module's output records from
 * /proc/MODULE/out to stdout (or FILE: its files named and rotated as
 * runtime/common/rt_outfiles.h says, switch_file() and -S) and its
 * errors to stderr. The
 * session stops at exit() in the script, at the end of CMD, after -T
 * seconds, or at SIGINT/SIGTERM/SIGHUP: end probes run, and the module is
 * always unloaded. Exit status 1 when the script had errors (or could not
 * run) or CMD failed (a warning says how, as stap's), else 0. A module
 * built with -t has /proc/MODULE/timing: its numbers are printed at the
 * end as SystemTap's "probe hit report".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* relative: the loader is built alone too (statically, for the VM) */
#include "../../common/rt_outfiles.h"

/* The records of runtime/kmod/tapir_transport.h. */
enum { REC_OUT = 1, REC_ERR = 2, REC_EXIT = 3, REC_DONE = 4, REC_SYSTEM = 5, REC_SWITCH_FILE = 6 };

struct loader {
	const char *ko, *out_path, *cmd, *rotate;
	struct rt_outfiles files;
	const char *gsets[256]; /* -G NAME=VALUE */
	int ngsets;
	int target_pid;
	double timeout;
	int verbose;
	char name[256];
	FILE *out;
	pid_t child;
	int child_gate;       /* write end of the pipe the child waits on */
	int out_fd, ctl_fd;
	int stdin_fd;         /* /proc/systemtap/NAME/__stdin (input.*), or -1 */
	bool stop_sent, done;
	int status;
	bool child_failed;    /* -c's command failed: status 1, as stap's */
	char buf[1 << 17];
	size_t len;
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static const char *load_hint(int err)
{
	switch (err) {
	case ENOSYS:
		return "this kernel cannot load modules (CONFIG_MODULES is off): "
		       "run the script with --runtime=bpf";
	case ENOEXEC:
		return "not a module for this kernel (see dmesg): build it with -r $(uname -r)";
	case EEXIST:
		return "a module of that name is loaded already";
	case EPERM:
		return "needs root, and module loading enabled (lockdown? modules_disabled?)";
	case EKEYREJECTED:
	case ENOKEY:
		return "the kernel requires signed modules";
	case ENOENT:
	case EINVAL:
		return "an unknown symbol or parameter (see dmesg)";
	default:
		return NULL;
	}
}

/* The module's name as the kernel knows it: "name=" in its .modinfo
 * (the file may have been renamed); else the file name, '-' as '_'. */
static void module_name(struct loader *l)
{
	const char *base = strrchr(l->ko, '/');
	static char data[4 << 20];
	FILE *f = fopen(l->ko, "rb");
	size_t n = f ? fread(data, 1, sizeof(data) - 1, f) : 0;

	if (f)
		fclose(f);
	for (size_t i = 1; i + 5 < n; i++) {
		if (data[i - 1] == '\0' && memcmp(data + i, "name=", 5) == 0 && data[i + 5]) {
			snprintf(l->name, sizeof(l->name), "%s", data + i + 5);
			return;
		}
	}
	base = base ? base + 1 : l->ko;
	snprintf(l->name, sizeof(l->name), "%s", base);
	n = strlen(l->name);
	if (n > 3 && strcmp(l->name + n - 3, ".ko") == 0)
		l->name[n - 3] = '\0';
	for (char *p = l->name; *p; p++)
		if (*p == '-')
			*p = '_';
}

/* CMD without shell syntax runs directly, as stap does, so that target()
 * is the command itself; else through sh -c. */
static void exec_cmd(const char *cmd)
{
	char *argv[64], *copy = strdup(cmd), *save = NULL;
	int n = 0;

	if (copy && !strpbrk(cmd, "|&;<>()$`\\\"'*?[#~=%\n")) {
		for (char *w = strtok_r(copy, " \t", &save); w && n < 63; w = strtok_r(NULL, " \t", &save))
			argv[n++] = w;
		argv[n] = NULL;
		if (n > 0 && n < 63) {
			execvp(argv[0], argv);
			fprintf(stderr, "tapir-load: cannot run '%s': %s\n", argv[0], strerror(errno));
			_exit(127);
		}
	}
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
}

/* -c: the child waits on a pipe until the probes are armed. */
static int start_child(struct loader *l)
{
	int gate[2];

	if (pipe(gate) < 0)
		return -1;
	l->child = fork();
	if (l->child < 0)
		return -1;
	if (l->child == 0) {
		char c;

		close(gate[1]);
		if (read(gate[0], &c, 1) != 0)
			_exit(127);
		/* the command gets stdin, stdout and stderr, nothing else */
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		exec_cmd(l->cmd);
		fprintf(stderr, "tapir-load: cannot run /bin/sh: %s\n", strerror(errno));
		_exit(127);
	}
	close(gate[0]);
	l->child_gate = gate[1];
	l->target_pid = l->child;
	return 0;
}

/* NAME=VALUE as the kernel's parameter parser takes it: VALUE in double
 * quotes when it has blanks (it can't hold a double quote). */
static bool add_param(char *p, const char *set)
{
	const char *eq = strchr(set, '=');

	if (!eq || strchr(eq + 1, '"')) {
		fprintf(stderr, "tapir-load: '%s': %s\n", set,
			eq ? "a global's value can't hold '\"'" : "not NAME=VALUE");
		return false;
	}
	if (*p)
		strcat(p, " ");
	if (!eq[1] || strpbrk(eq + 1, " \t\n"))
		sprintf(p + strlen(p), "%.*s\"%s\"", (int)(eq - set + 1), set, eq + 1);
	else
		strcat(p, set);
	return true;
}

static char *params(struct loader *l, int argc, char **argv)
{
	size_t len = 64;
	char *p;
	bool ok = true;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 3;
	for (int i = 0; i < l->ngsets; i++)
		len += strlen(l->gsets[i]) + 3;
	p = calloc(1, len);
	if (!p)
		return NULL;
	if (l->target_pid)
		sprintf(p, "_tapir_target=%d", l->target_pid);
	for (int i = 0; ok && i < l->ngsets; i++)
		ok = add_param(p, l->gsets[i]);
	for (int i = 0; ok && i < argc; i++)
		ok = add_param(p, argv[i]);
	if (!ok) {
		free(p);
		return NULL;
	}
	return p;
}

static int load(struct loader *l, const char *par)
{
	int fd = open(l->ko, O_RDONLY | O_CLOEXEC);
	const char *hint;

	if (fd < 0) {
		fprintf(stderr, "tapir-load: %s: %s\n", l->ko, strerror(errno));
		return -1;
	}
	if (syscall(SYS_finit_module, fd, par, 0) != 0) {
		int err = errno;

		hint = load_hint(err);
		fprintf(stderr, "tapir-load: %s: cannot load the module: %s%s%s\n", l->ko,
			strerror(err), hint ? ": " : "", hint ? hint : "");
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int ctl(struct loader *l, const char *cmd)
{
	if (write(l->ctl_fd, cmd, strlen(cmd)) < 0) {
		fprintf(stderr, "tapir-load: %s: '%s' failed: %s\n", l->name, cmd, strerror(errno));
		return -1;
	}
	return 0;
}

static void stop(struct loader *l)
{
	if (l->stop_sent)
		return;
	l->stop_sent = true;
	ctl(l, "stop");
}

/* system(CMD): run with /bin/sh after the output so far, waited for. */
static void run_system(struct loader *l, const char *p, uint32_t n)
{
	char *cmd = strndup(p, n);
	pid_t pid;
	int status;

	if (!cmd)
		return;
	fflush(l->out);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	free(cmd);
}

/* -o's next file: at switch_file(), or when -S's SIZE is reached. */
static void next_file(struct loader *l)
{
	char path[4096];
	FILE *f;

	if (!l->out_path)
		return;
	rt_outfiles_next(&l->files, path, sizeof(path));
	if (!(f = fopen(path, "w"))) {
		fprintf(stderr, "tapir-load: %s: %s\n", path, strerror(errno));
		return;
	}
	fclose(l->out);
	l->out = f;
}

static void write_out(struct loader *l, const char *p, uint32_t n)
{
	if (l->out_path && rt_outfiles_full(&l->files, n))
		next_file(l);
	l->files.size += n;
	fwrite(p, 1, n, l->out);
}

static void handle(struct loader *l, uint32_t type, const char *p, uint32_t n)
{
	switch (type) {
	case REC_OUT:
		write_out(l, p, n);
		break;
	case REC_ERR:
		fflush(l->out);
		fwrite(p, 1, n, stderr);
		break;
	case REC_EXIT:
		stop(l);
		break;
	case REC_DONE:
		l->status = n ? p[0] : 0;
		l->done = true;
		break;
	case REC_SYSTEM:
		run_system(l, p, n);
		break;
	case REC_SWITCH_FILE:
		next_file(l);
		break;
	}
}

/* Read what the module has; returns the bytes read (0: nothing now). */
static ssize_t drain(struct loader *l)
{
	ssize_t n = read(l->out_fd, l->buf + l->len, sizeof(l->buf) - l->len);
	size_t at = 0;

	if (n <= 0)
		return n;
	l->len += (size_t)n;
	while (l->len - at >= 8) {
		uint32_t hdr[2];

		memcpy(hdr, l->buf + at, 8);
		if (l->len - at - 8 < hdr[1])
			break;
		handle(l, hdr[0], l->buf + at + 8, hdr[1]);
		at += 8 + hdr[1];
	}
	memmove(l->buf, l->buf + at, l->len - at);
	l->len -= at;
	return n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void child_exited(struct loader *l)
{
	int st;

	if (l->child > 0 && waitpid(l->child, &st, WNOHANG) == l->child) {
		l->child = 0;
		if (WIFSIGNALED(st))
			fprintf(stderr, "WARNING: Child process exited with signal %d (%s)\n",
				WTERMSIG(st), strsignal(WTERMSIG(st)));
		else if (WIFEXITED(st) && WEXITSTATUS(st))
			fprintf(stderr, "WARNING: Child process exited with status %d\n",
				WEXITSTATUS(st));
		l->child_failed = !WIFEXITED(st) || WEXITSTATUS(st);
		stop(l);
	}
}

/* input.char and input.line: the module's __stdin file takes our
 * standard input, a character a write, as stapio feeds it. */
static void open_stdin_file(struct loader *l)
{
	char path[320];

	snprintf(path, sizeof(path), "/proc/systemtap/%s/__stdin", l->name);
	l->stdin_fd = open(path, O_WRONLY | O_CLOEXEC);
}

/* Waits up to 10 ms, feeding what standard input has meanwhile. */
static void wait_feeding(struct loader *l)
{
	struct pollfd in = { .fd = STDIN_FILENO, .events = POLLIN };
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	char buf[256];
	ssize_t n;

	if (l->stdin_fd < 0) {
		nanosleep(&pause, NULL);
		return;
	}
	if (poll(&in, 1, 10) <= 0)
		return;
	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n <= 0) { /* the end of the input: nothing more to feed */
		close(l->stdin_fd);
		l->stdin_fd = -1;
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (write(l->stdin_fd, buf + i, 1) != 1)
			break;
	}
}

static void run(struct loader *l)
{
	double deadline = l->timeout > 0 ? now() + l->timeout : 0;

	open_stdin_file(l);
	while (!l->done) {
		if (got_signal || (deadline && now() >= deadline))
			stop(l);
		child_exited(l);
		if (drain(l) <= 0)
			wait_feeding(l);
	}
	if (l->stdin_fd >= 0)
		close(l->stdin_fd);
	while (drain(l) > 0)
		;
	fflush(l->out);
}

static void report_drops(struct loader *l)
{
	char line[128] = "";
	long long drops = 0;
	int skipped = 0;
	ssize_t n;

	lseek(l->ctl_fd, 0, SEEK_SET);
	n = read(l->ctl_fd, line, sizeof(line) - 1);
	if (n <= 0 || sscanf(line, "drops %lld skipped %d", &drops, &skipped) != 2)
		return;
	if (drops)
		fprintf(stderr, "WARNING: %lld bytes of output were lost (the buffer was full)\n",
			drops);
	if (skipped)
		fprintf(stderr, "WARNING: Number of skipped probes: %d\n", skipped);
}

/* -t: /proc/MODULE/timing's lines "INDEX COUNT MIN AVG MAX VARIANCE UNIT\tPP\tLOC\tFROM"
 * as stap's report; nothing when the module was built without -t. */
static void report_timing(struct loader *l)
{
	char path[320], line[4096], unit[16], pp[1024], loc[1024], from[2048], *fr;
	long long count, min, avg, max, var;
	int index, n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/timing", l->name);
	f = fopen(path, "r");
	if (!f)
		return;
	fprintf(l->out, "----- probe hit report: \n");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%d %lld %lld %lld %lld %lld %15[a-z]\t%1023[^\t]\t%1023[^\t]\t%2047[^\n]",
			   &index, &count, &min, &avg, &max, &var, unit, pp, loc, from) != 10)
			continue;
		for (fr = from; *fr == ' '; fr++)
			;
		fprintf(l->out, "%s, (%s), hits: %lld, %s: %lldmin/%lldavg/%lldmax, variance: %lld, %s, index: %d\n",
			pp, loc, count, unit, min, avg, max, var, fr, index);
		n++;
	}
	fclose(f);
	fflush(l->out);
	if (l->verbose)
		fprintf(stderr, "tapir-load: %s: %d probe(s) in the hit report\n", l->name, n);
}

static int open_proc(struct loader *l)
{
	char path[320];

	snprintf(path, sizeof(path), "/proc/%s/out", l->name);
	l->out_fd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%s/ctl", l->name);
	l->ctl_fd = open(path, O_RDWR | O_CLOEXEC);
	if (l->out_fd < 0 || l->ctl_fd < 0) {
		fprintf(stderr, "tapir-load: %s: not a tapir module (no %s): %s\n", l->ko, path,
			strerror(errno));
		return -1;
	}
	return 0;
}

static void unload(struct loader *l)
{
	if (l->out_fd >= 0)
		close(l->out_fd);
	if (l->ctl_fd >= 0)
		close(l->ctl_fd);
	for (int i = 0; i < 50; i++) {
		if (syscall(SYS_delete_module, l->name, O_NONBLOCK) == 0)
			return;
		if (errno != EAGAIN && errno != EBUSY)
			break;
		usleep(20000);
	}
	fprintf(stderr, "tapir-load: cannot unload %s: %s\n", l->name, strerror(errno));
}

static int usage(void)
{
	fputs("usage: tapir-load [-o FILE [-S SIZE[,N]]] [-c CMD | -x PID] [-T SECS] [-v] [-G NAME=VALUE]... "
	      "MODULE.ko [NAME=VALUE...]\n", stderr);
	return 2;
}

static int parse(struct loader *l, int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "+o:c:x:T:G:S:vh")) != -1) {
		switch (c) {
		case 'G':
			if (l->ngsets == (int)(sizeof(l->gsets) / sizeof(l->gsets[0])))
				return -1;
			l->gsets[l->ngsets++] = optarg;
			break;
		case 'o': l->out_path = optarg; break;
		case 'S': l->rotate = optarg; break;
		case 'c': l->cmd = optarg; break;
		case 'x': l->target_pid = atoi(optarg); break;
		case 'T': l->timeout = atof(optarg); break;
		case 'v': l->verbose++; break;
		default: return -1;
		}
	}
	if (optind >= argc)
		return -1;
	l->ko = argv[optind++];
	return optind;
}

int main(int argc, char **argv)
{
	struct loader l = { .out = stdout, .out_fd = -1, .ctl_fd = -1, .child_gate = -1,
			    .stdin_fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	int first = parse(&l, argc, argv);
	char *par;

	if (first < 0)
		return usage();
	module_name(&l);
	l.files.base = l.out_path;
	if (l.rotate && (!l.out_path || rt_outfiles_parse(&l.files, l.rotate) < 0)) {
		fprintf(stderr, "tapir-load: -S %s: SIZE[,N] (megabytes, files) with -o FILE\n",
			l.rotate);
		return 2;
	}
	if (l.out_path) {
		char path[4096];

		rt_outfiles_path(&l.files, 0, path, sizeof(path));
		if (!(l.out = fopen(path, "w"))) {
			fprintf(stderr, "tapir-load: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (l.cmd && start_child(&l) < 0) {
		fprintf(stderr, "tapir-load: cannot start '%s': %s\n", l.cmd, strerror(errno));
		return 1;
	}
	par = params(&l, argc - first, argv + first);
	if (!par || load(&l, par) < 0) {
		if (l.child > 0)
			kill(l.child, SIGKILL);
		free(par);
		return 1;
	}
	free(par);
	if (open_proc(&l) == 0 && ctl(&l, "start") == 0) {
		if (l.child_gate >= 0)
			close(l.child_gate);
		run(&l);
		report_timing(&l);
		report_drops(&l);
	} else {
		l.status = 1;
	}
	unload(&l);
	if (l.child > 0) {
		kill(l.child, SIGTERM);
		waitpid(l.child, NULL, 0);
	}
	if (l.out != stdout)
		fclose(l.out);
	return l.status || l.child_failed ? 1 : 0;
}
