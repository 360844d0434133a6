/* compare_report.c - tapir --compare's figures: medians and spreads, the
 * verdict, and the three ways to print them (a table, JSON, an SVG chart).
 *
 * The verdict refuses to judge when the spread is wider than the
 * difference: the spread (fastest to slowest run) is what this host's
 * noise did to the same measure, so a smaller difference is not one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"

/* Not fmax(): tapir links no libm. */
static double dmax(double a, double b)
{
	return a > b ? a : b;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void cmp_series_finish(struct cmp_series *s)
{
	double *v;

	s->median = s->min = s->max = NAN;
	if (s->n == 0)
		return;
	v = malloc((size_t)s->n * sizeof(*v));
	if (!v)
		return;
	memcpy(v, s->v, (size_t)s->n * sizeof(*v));
	qsort(v, (size_t)s->n, sizeof(*v), cmp_double);
	s->min = v[0];
	s->max = v[s->n - 1];
	s->median = s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
	free(v);
}

static double spread(const struct cmp_series *s)
{
	return s->max - s->min;
}

static bool measured(const struct cmp_runtime *rt)
{
	return rt->available && rt->workload_ns.n > 0;
}

/* One runtime alone: against the untraced workload. */
static void judge_one(const struct cmp_result *r, const struct cmp_runtime *rt, char *buf,
		      size_t size)
{
	double diff = rt->workload_ns.median - r->baseline_ns.median;
	double noise = dmax(spread(&rt->workload_ns), spread(&r->baseline_ns));

	if (diff <= noise)
		snprintf(buf, size, "%s: no significant difference from the untraced workload "
				    "(%+.2f ms, spread %.2f ms)", rt->name, diff / 1e6, noise / 1e6);
	else if (rt->overhead_ns.n > 0)
		snprintf(buf, size, "%s: adds %.1f ns per hit (%.1f%% of the workload's time)",
			 rt->name, rt->overhead_ns.median, 100 * diff / r->baseline_ns.median);
	else
		snprintf(buf, size, "%s: adds %.2f ms to the workload (hits unknown)", rt->name,
			 diff / 1e6);
}

/* Two runtimes: per hit if both counted hits, else per run. */
static void judge_two(const struct cmp_runtime *a, const struct cmp_runtime *b, char *buf,
		      size_t size)
{
	bool per_hit = a->overhead_ns.n > 0 && b->overhead_ns.n > 0;
	const struct cmp_series *sa = per_hit ? &a->overhead_ns : &a->workload_ns;
	const struct cmp_series *sb = per_hit ? &b->overhead_ns : &b->workload_ns;
	const char *unit = per_hit ? "ns/hit" : "ns/run";
	double diff = dmax(sa->median - sb->median, sb->median - sa->median), noise = dmax(spread(sa), spread(sb));
	const struct cmp_runtime *lo = sa->median <= sb->median ? a : b;
	const struct cmp_runtime *hi = lo == a ? b : a;

	if (diff <= noise)
		snprintf(buf, size, "no significant difference between %s and %s "
				    "(%.1f %s apart, spread %.1f %s)", a->name, b->name, diff, unit,
			 noise, unit);
	else
		snprintf(buf, size, "%s costs %.1f %s less than %s", lo->name, diff, unit, hi->name);
}

void cmp_judge(struct cmp_result *r)
{
	const struct cmp_runtime *ok[COMPARE_MAX_RUNTIMES];
	int n = 0;

	for (int i = 0; i < r->nrt; i++) {
		if (measured(&r->rt[i]))
			ok[n++] = &r->rt[i];
	}
	if (n == 0)
		snprintf(r->verdict, sizeof(r->verdict), "no runtime could run the script here");
	else if (n == 1)
		judge_one(r, ok[0], r->verdict, sizeof(r->verdict));
	else
		judge_two(ok[0], ok[1], r->verdict, sizeof(r->verdict));
}

/* ---- the table ------------------------------------------------------------ */

/* "MED (MIN-MAX)" of a series scaled by div, or "-". */
static const char *fmt_series(char *buf, size_t size, const struct cmp_series *s, double div,
			      int prec)
{
	if (s->n == 0 || isnan(s->median))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.*f (%.*f-%.*f)", prec, s->median / div, prec, s->min / div,
			 prec, s->max / div);
	return buf;
}

void cmp_print_table(const struct cmp_result *r, FILE *out)
{
	char a[64], b[64], c[64];

	fprintf(out, "tapir --compare: workload '%s', %d run%s per runtime, alternating\n",
		r->workload, r->runs, r->runs == 1 ? "" : "s");
	fprintf(out, "%-9s %-26s %-26s %10s %7s %9s %-22s %9s %10s\n", "runtime",
		"workload ms (min-max)", "overhead ns/hit (min-max)", "hits", "drops", "build ms",
		"start ms (min-max)", "RSS KiB", "BPF KiB");
	fprintf(out, "%-9s %-26s %-26s %10s %7s %9s %-22s %9s %10s\n", "untraced",
		fmt_series(a, sizeof(a), &r->baseline_ns, 1e6, 2), "-", "-", "-", "-", "-", "-",
		"-");
	for (int i = 0; i < r->nrt; i++) {
		const struct cmp_runtime *rt = &r->rt[i];
		char hits[32], mem[32];

		if (!measured(rt)) {
			fprintf(out, "%-9s unavailable: %s\n", rt->name, rt->reason);
			continue;
		}
		snprintf(hits, sizeof(hits), rt->hits >= 0 ? "%lld" : "?", rt->hits);
		snprintf(mem, sizeof(mem), rt->bpf_memlock >= 0 ? "%lld" : "-", rt->bpf_memlock / 1024);
		fprintf(out, "%-9s %-26s %-26s %10s %7lld %9.0f %-22s %9lld %10s\n", rt->name,
			fmt_series(a, sizeof(a), &rt->workload_ns, 1e6, 2),
			fmt_series(b, sizeof(b), &rt->overhead_ns, 1, 1), hits, rt->dropped,
			rt->build_ms, fmt_series(c, sizeof(c), &rt->start_ns, 1e6, 1), rt->maxrss_kb,
			mem);
	}
	fprintf(out, "verdict: %s\n", r->verdict);
}

/* ---- JSON ----------------------------------------------------------------- */

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void json_num(FILE *out, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", out);
	else
		fprintf(out, "%.1f", v);
}

static void json_series(FILE *out, const char *name, const struct cmp_series *s)
{
	fprintf(out, "\"%s\": {\"median\": ", name);
	json_num(out, s->median);
	fputs(", \"min\": ", out);
	json_num(out, s->min);
	fputs(", \"max\": ", out);
	json_num(out, s->max);
	fputs(", \"samples\": [", out);
	for (int i = 0; i < s->n; i++) {
		if (i)
			fputs(", ", out);
		json_num(out, s->v[i]);
	}
	fputs("]}", out);
}

static void json_runtime(FILE *out, const struct cmp_runtime *rt)
{
	fputs("    {\"name\": ", out);
	json_str(out, rt->name);
	if (!measured(rt)) {
		fputs(", \"available\": false, \"reason\": ", out);
		json_str(out, rt->reason);
		fputs("}", out);
		return;
	}
	fputs(", \"available\": true,\n      ", out);
	json_series(out, "workload_ns", &rt->workload_ns);
	fputs(",\n      ", out);
	json_series(out, "overhead_ns_per_hit", &rt->overhead_ns);
	fputs(",\n      ", out);
	json_series(out, "start_ns", &rt->start_ns);
	fprintf(out, ",\n      \"hits\": %lld, \"dropped\": %lld, \"build_ms\": %.1f, "
		     "\"maxrss_kb\": %lld, \"bpf_memlock_bytes\": %lld}",
		rt->hits, rt->dropped, rt->build_ms, rt->maxrss_kb, rt->bpf_memlock);
}

void cmp_print_json(const struct cmp_result *r, FILE *out)
{
	fputs("{\n  \"script\": ", out);
	json_str(out, r->script);
	fputs(",\n  \"workload\": ", out);
	json_str(out, r->workload);
	fprintf(out, ",\n  \"runs\": %d,\n  \"untraced\": {", r->runs);
	json_series(out, "workload_ns", &r->baseline_ns);
	fputs("},\n  \"runtimes\": [\n", out);
	for (int i = 0; i < r->nrt; i++) {
		json_runtime(out, &r->rt[i]);
		fputs(i + 1 < r->nrt ? ",\n" : "\n", out);
	}
	fputs("  ],\n  \"verdict\": ", out);
	json_str(out, r->verdict);
	fputs("\n}\n", out);
}

/* ---- SVG: overhead per hit, median bar and min-max whisker ---------------- */

static void svg_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '>')
			fputs("&gt;", out);
		else if (*s == '&')
			fputs("&amp;", out);
		else
			fputc(*s, out);
	}
}

int cmp_write_svg(const struct cmp_result *r, const char *path)
{
	FILE *out = fopen(path, "w");
	double top = 1;
	int y = 50;

	if (!out) {
		fprintf(stderr, "tapir: --svg: cannot write '%s'\n", path);
		return -1;
	}
	for (int i = 0; i < r->nrt; i++) {
		if (measured(&r->rt[i]) && r->rt[i].overhead_ns.n && r->rt[i].overhead_ns.max > top)
			top = r->rt[i].overhead_ns.max;
	}
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"%d\" "
		     "font-family=\"sans-serif\" font-size=\"12\">\n<text x=\"10\" y=\"20\">"
		     "overhead per hit, ns (median, min-max): ", 70 + 40 * r->nrt);
	svg_text(out, r->workload);
	fputs("</text>\n", out);
	for (int i = 0; i < r->nrt; i++, y += 40) {
		const struct cmp_runtime *rt = &r->rt[i];
		const struct cmp_series *s = &rt->overhead_ns;

		fprintf(out, "<text x=\"10\" y=\"%d\">%s</text>\n", y + 15, rt->name);
		if (!measured(rt) || s->n == 0) {
			fprintf(out, "<text x=\"80\" y=\"%d\">unavailable: ", y + 15);
			svg_text(out, measured(rt) ? "hits unknown" : rt->reason);
			fputs("</text>\n", out);
			continue;
		}
		fprintf(out, "<rect x=\"80\" y=\"%d\" width=\"%.1f\" height=\"20\" fill=\"#4a7ab5\"/>\n"
			     "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>\n"
			     "<text x=\"%.1f\" y=\"%d\">%.1f</text>\n",
			y, dmax(0, 450 * s->median / top), 80 + dmax(0, 450 * s->min / top), y + 10,
			80 + dmax(0, 450 * s->max / top), y + 10, 90 + dmax(0, 450 * s->max / top),
			y + 15, s->median);
	}
	fprintf(out, "<text x=\"10\" y=\"%d\">", y + 10);
	svg_text(out, r->verdict);
	fputs("</text>\n</svg>\n", out);
	return fclose(out) == 0 ? 0 : -1;
}
