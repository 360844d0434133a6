/* entry_prog.c - the program the @entry runtime tests trace: a recursive
 * function, so that each return of it reads its own call's @entry values,
 * and one that takes a string. Built with -g -O0. */
#include <string.h>

__attribute__((noinline)) int down(int n)
{
	return n <= 0 ? 0 : 1 + down(n - 1);
}

__attribute__((noinline)) int name_len(const char *s)
{
	return (int)strlen(s);
}

int main(void)
{
	char name[] = "entry"; /* on the stack: a uprobe can't fault pages in */

	return down(3) == 3 && name_len(name) == 5 ? 0 : 1;
}
