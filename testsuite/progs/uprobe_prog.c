/* uprobe_prog.c - the program the process(...) runtime tests trace: one
 * function per kind of parameter (int, long, pointer, struct, string,
 * array), a local, an inlined function, and SDT markers (one guarded by a
 * semaphore). Built with -g -O0 so that every variable has a location. */
#define _SDT_HAS_SEMAPHORES 1
#include <string.h>
#include <sys/sdt.h>

struct point {
	int x;
	int y;
	struct point *next;
	char name[16];
};

/* With _SDT_HAS_SEMAPHORES every marker has one; only "guarded" tests it. */
unsigned short tapirtest_pair_semaphore __attribute__((section(".probes")));
unsigned short tapirtest_text_semaphore __attribute__((section(".probes")));
unsigned short tapirtest_guarded_semaphore __attribute__((section(".probes")));
long up_global = 1234;

static inline __attribute__((always_inline)) int up_inline(int v)
{
	return v * 3;
}

__attribute__((noinline)) int up_int(int a, long b)
{
	return a * 2 + (int)b;
}

__attribute__((noinline)) int up_str(const char *s)
{
	return (int)strlen(s);
}

__attribute__((noinline)) long up_struct(struct point *p)
{
	return p->x + p->y + (p->next ? p->next->x : 0);
}

__attribute__((noinline)) int up_array(const int *arr, int n)
{
	int sum = 0;

	for (int i = 0; i < n; i++)
		sum += arr[i];
	return sum;
}

__attribute__((noinline)) int up_local(int n)
{
	int doubled = n * 2;

	return up_inline(doubled) + 1;
}

int main(int argc, char **argv)
{
	struct point second = { 5, 6, NULL, "second" };
	struct point first = { 10, -20, &second, "first" };
	int arr[4] = { 1, 2, 3, 40 };
	char msg[] = "hello uprobe"; /* on the stack: a uprobe can't fault pages in */
	long total = 0;

	(void)argv;
	total += up_int(21, -5L);
	total += up_str(msg);
	total += up_struct(&first);
	total += up_array(arr, 4);
	total += up_local(argc + 6);
	STAP_PROBE2(tapirtest, pair, 42, -7L);
	STAP_PROBE2(tapirtest, text, msg, total);
	if (tapirtest_guarded_semaphore)
		STAP_PROBE1(tapirtest, guarded, 99);
	return total == 133 ? 0 : 1; /* silent: the tests read the tracer's output */
}
