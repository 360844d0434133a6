// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_child.c - the -c command, as stapio runs it: forked first, so
 * that target() is its pid while begin probes run, but held on a pipe
 * until the probes are attached; then exec'd, split into words as
 * wordexp() splits them, or through /bin/sh -c if it has shell syntax
 * (pipes, redirections, ';', command substitution).  The run
 * ends when it exits, with stapio's warning if it failed.  If the run
 * ends first, the command is left running, as stapio leaves it.
 *
 * It is forked before the BPF object is opened, so that it holds none of
 * the run's BPF file descriptors.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wordexp.h>

#include "rt_exec.h"

#define GO 'g'

/* The command's words, as stapio splits them so that target() is the
 * command itself and not a shell; shell syntax goes to /bin/sh -c. */
static void exec_cmd(const char *cmd)
{
	wordexp_t w;
	int rc = wordexp(cmd, &w, WRDE_NOCMD | WRDE_UNDEF);

	if (rc == WRDE_BADCHAR || rc == WRDE_CMDSUB) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		fprintf(stderr, "ERROR: cannot run /bin/sh: %s\n", strerror(errno));
		_exit(127);
	}
	if (rc == WRDE_SYNTAX) {
		fprintf(stderr, "ERROR: wordexp: syntax error (unmatched quotes?) in -c COMMAND\n");
		_exit(1);
	}
	if (rc != 0) {
		fprintf(stderr, "ERROR: wordexp: parsing error (%d) in -c COMMAND\n", rc);
		_exit(1);
	}
	if (w.we_wordc < 1) {
		fprintf(stderr, "ERROR: empty -c COMMAND\n");
		_exit(1);
	}
	execvp(w.we_wordv[0], w.we_wordv);
	fprintf(stderr, "ERROR: cannot run '%s': %s\n", w.we_wordv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* The command starts with stdin, stdout and stderr only, as stapio
 * starts it (closefrom(3)): none of ours, nor what tapir inherited. */
static void close_from_3(void)
{
	long max;

	if (close_range(3, ~0U, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
		close((int)fd);
}

static void child_main(int gate, const char *cmd, const sigset_t *mask)
{
	ssize_t n;
	char go = 0;

	do
		n = read(gate, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || go != GO)
		_exit(127); /* the run failed before it started */
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	close_from_3();
	exec_cmd(cmd);
}

/* mask: the signal mask the command starts with. */
int rt_exec_child_fork(struct rt_exec *x, const sigset_t *mask)
{
	int gate[2];
	pid_t pid;

	if (pipe2(gate, O_CLOEXEC) < 0) {
		rt_exec_errorf(x, "cannot start '%s': %s", x->opt.cmd, strerror(errno));
		return -errno;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rt_exec_errorf(x, "cannot start '%s': %s", x->opt.cmd, strerror(errno));
		close(gate[0]);
		close(gate[1]);
		return -errno;
	}
	if (pid == 0) {
		close(gate[1]);
		child_main(gate[0], x->opt.cmd, mask);
	}
	close(gate[0]);
	x->child = pid;
	x->child_gate = gate[1];
	return 0;
}

int rt_exec_child_release(struct rt_exec *x)
{
	char go = GO;
	ssize_t n;

	if (x->child_gate < 0)
		return 0;
	x->child_start_ns = rt_exec_stats_clock();
	n = write(x->child_gate, &go, 1);
	close(x->child_gate);
	x->child_gate = -1;
	if (n != 1) {
		rt_exec_errorf(x, "cannot start '%s': %s", x->opt.cmd, strerror(errno));
		return -EIO;
	}
	rt_exec_note(x, "started '%s' as pid %d", x->opt.cmd, (int)x->child);
	return 0;
}

/* A command that must not run: it exits on its closed gate. */
void rt_exec_child_kill(struct rt_exec *x)
{
	if (x->child_gate < 0)
		return;
	close(x->child_gate);
	x->child_gate = -1;
	while (waitpid(x->child, NULL, 0) < 0 && errno == EINTR)
		;
	x->child_done = true;
}

/* After SIGCHLD: true once the command has exited, having said how. */
bool rt_exec_child_reap(struct rt_exec *x)
{
	char msg[128];
	int status;
	pid_t pid;

	if (!x->child || x->child_done)
		return false;
	pid = waitpid(x->child, &status, WNOHANG);
	if (pid != x->child)
		return false;
	x->child_end_ns = rt_exec_stats_clock();
	x->child_done = true;
	if (WIFSIGNALED(status)) {
		snprintf(msg, sizeof(msg), "Child process exited with signal %d (%s)",
		         WTERMSIG(status), strsignal(WTERMSIG(status)));
		rt_exec_warn_msg(x, msg, strlen(msg));
		x->status = 1;
	} else if (WIFEXITED(status) && WEXITSTATUS(status)) {
		snprintf(msg, sizeof(msg), "Child process exited with status %d",
		         WEXITSTATUS(status));
		rt_exec_warn_msg(x, msg, strlen(msg));
		x->status = 1;
	}
	return true;
}
