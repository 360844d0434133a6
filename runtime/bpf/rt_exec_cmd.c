// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt_exec_cmd.c - what probes ask the executor to do for them, as
 * SystemTap's probes ask stapio: run a command (system()), write a line
 * to the kernel's log (printk()), go on with -o's output in the next file
 * (switch_file()).  A kernel probe sends a record (tapir_rec.h); a user
 * probe calls tapir_system() and the others directly.
 *
 * The output made so far is flushed first, so that the command's own
 * output (on tapir's stdout, as stapio's) comes after it.  The executor
 * waits for the command: unlike stapio, which lets it run on, so that
 * what it prints comes before the probes' later output.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_exec.h"

/* A NUL-terminated copy of a record's payload, or NULL. */
static char *payload_str(const char *p, size_t len)
{
	char *s = malloc(len + 1);

	if (!s)
		return NULL;
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

static void child_exec(const char *cmd)
{
	sigset_t none;

	/* the executor blocks SIGINT, SIGCHLD... for its signalfd */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	fprintf(stderr, "ERROR: system(): cannot run /bin/sh: %s\n", strerror(errno));
	_exit(127);
}

void rt_exec_system(struct rt_exec *x, const char *cmd, size_t len)
{
	char *c = payload_str(cmd, len);
	pid_t pid;
	int status;

	if (!c) {
		rt_exec_errorf(x, "system(): out of memory");
		return;
	}
	rt_exec_out_flush(x);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		child_exec(c);
	if (pid < 0)
		rt_exec_errorf(x, "system(): cannot fork: %s", strerror(errno));
	else
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	free(c);
}

void rt_exec_printk(struct rt_exec *x, int level, const char *msg, size_t len)
{
	char line[TAPIR_REC_MAX + 16];
	int fd, n;

	if (len > 0 && msg[len - 1] == '\n')
		len--;
	n = snprintf(line, sizeof(line), "<%d>%.*s\n", level & 7, (int)len, msg);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, line, (size_t)n) < 0)
		rt_exec_errorf(x, "printk(): cannot write to /dev/kmsg: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
}

void tapir_system(const char *cmd)
{
	rt_exec_system(&rt_exec_run, cmd, strlen(cmd));
}

void tapir_printk(long level, const char *msg)
{
	rt_exec_printk(&rt_exec_run, (int)level, msg, strlen(msg));
}

void tapir_switch_file(void)
{
	rt_exec_switch_file(&rt_exec_run);
}
