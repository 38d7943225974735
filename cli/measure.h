/* measure.h - compare's measuring: every format through the same exercise, timed
 * into a compare_result. Prints nothing (progress goes through a callback). */
#ifndef FC_MEASURE_H
#define FC_MEASURE_H

#include "compare_result.h"

/* Called before each step (done of total; what: "round 2/11 json") and once at the
 * end with done == total. */
typedef void (*measure_progress)(unsigned done, unsigned total, const char *what);

/* Fills r. Returns 0 (each format's own failure is in its format_result), FC_EINTR
 * when cli_cancel was set (nothing of the runs is left on disk), or another FC_E*
 * code with err filled (the reference values could not be made, out of memory). */
int compare_measure(const compare_params *p, compare_result *r, measure_progress progress,
                    fc_error *err);

#endif
