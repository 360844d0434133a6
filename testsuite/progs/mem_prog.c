/* mem_prog: the address-space changes testsuite/runtime/alias-vm-mmap
 * traces, between a getppid() and a getpgrp() that mark them: the heap
 * grows by 3 pages (brk from a page boundary), 4 anonymous pages move with
 * mremap(MREMAP_FIXED) onto a 6-page mapping (the kernel unmaps the 4
 * pages of the destination, then the old range), and everything is
 * unmapped again. Exits 0, or 1 when a call fails. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *heap = (char *)(((uintptr_t)sbrk(0) + pg - 1) & ~(uintptr_t)(pg - 1));
	char *a, *b, *c;

	if (brk(heap))
		return 1;
	getppid();
	if (brk(heap + 3 * pg))
		return 1;
	a = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b = mmap(NULL, 6 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED || b == MAP_FAILED)
		return 1;
	a[0] = 1;
	c = mremap(a, 4 * pg, 4 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, b);
	if (c != b || c[0] != 1)
		return 1;
	munmap(b, 6 * pg);
	brk(heap);
	getpgrp();
	return 0;
}
