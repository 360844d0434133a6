/* ustack_prog.c - the program the user-space stack tests trace: main
 * calls us_mid, which calls us_leaf, so that a uprobe on us_leaf sees
 * three frames of this program. Built with -g -O0, so with frame
 * pointers. It then stays alive a little, as user-space symbols are named
 * from the process's maps when the tracer prints them. */
#include <unistd.h>

/* us_fnptr is given the address of libc's getppid before main runs, so
 * that a probe on it holds an address in a library (stack-user-ldd). */
__attribute__((noinline)) int us_fnptr(void *p)
{
	return p != 0;
}

__attribute__((constructor)) static void us_init(void)
{
	us_fnptr((void *)getppid);
}

__attribute__((noinline)) int us_leaf(int n)
{
	return n + 1;
}

__attribute__((noinline)) int us_mid(int n)
{
	return us_leaf(n) * 2;
}

int main(void)
{
	int r = us_mid(1);

	sleep(2);
	return r == 4 ? 0 : 1;
}
