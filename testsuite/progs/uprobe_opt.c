/* uprobe_opt.c - built with -g -O2: parameters live in registers and are
 * described by location lists, and an unused one is optimised out. */
struct pair {
	long first;
	long second;
};

__attribute__((noinline)) long opt_mix(long x, struct pair *p, int unused)
{
	return x * 3 + p->first - p->second;
}

__attribute__((noinline)) int opt_scale(int v, int k)
{
	return v * k + 1;
}

int main(void)
{
	static struct pair pr = { 100, 58 };
	volatile int seven = 7;
	long r = opt_mix(seven * 2, &pr, 0);

	r += opt_scale(seven, 6);
	return r == 127 ? 0 : 1;
}
