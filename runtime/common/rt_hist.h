/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rt_hist.h - print(@hist_log(s)) and print(@hist_linear(s, ...)) in
 * SystemTap's exact layout:
 *
 *	value |-------------------------------------------------- count
 *	    0 |                                                   0
 *	    1 |@@@@                                               4
 *	    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 49
 *	      ~
 *	  256 |@                                                  1
 *
 * Two zero rows are kept on each side of the data, a run of zero rows
 * further than 'elision' rows from any data becomes one '~' line, bars
 * are scaled to 'width' columns, and a linear histogram shows its
 * "<start" and ">last" rows only when they hold values.
 */
#ifndef RT_HIST_H
#define RT_HIST_H

#include "rt_sink.h"
#include "rt_stats.h"

#define RT_HIST_WIDTH 50  /* SystemTap's HIST_WIDTH */
#define RT_HIST_ELISION 2 /* SystemTap's HIST_ELISION */

/* SystemTap's -DHIST_WIDTH and -DHIST_ELISION; NULL means the defaults. */
struct rt_hist_style {
	int width;   /* bar columns, at least 1 */
	int elision; /* zero rows kept around data; negative: keep all */
};

/*
 * Prints the histogram of desc whose bucket counts are hist to out, as to
 * SystemTap's output stream.  Returns the bytes written, -ENODATA if every
 * bucket is empty (SystemTap's "empty aggregate" error), or -EINVAL.
 */
int rt_hist_print(struct rt_sink *out, const struct rt_stat_desc *desc, const int64_t *hist,
                  const struct rt_hist_style *style);

/*
 * As sprint(@hist_...): into buf of size bytes, NUL included (truncated as
 * SystemTap truncates at MAXSTRINGLEN).  Returns the string length or a
 * negative error as rt_hist_print().
 */
int rt_hist_sprint(char *buf, size_t size, const struct rt_stat_desc *desc, const int64_t *hist,
                   const struct rt_hist_style *style);

#endif /* RT_HIST_H */
