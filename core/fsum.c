/* fsum.c - the total of a run, the two ways Python adds floats.
 *
 * fc_fsum is Python's math.fsum, step for step as CPython's Modules/mathmodule.c
 * writes it (Shewchuk's exact partials, "msum"): the correctly rounded sum, the same
 * whatever the order of the values. Python 3.12's built-in sum() compensates its
 * rounding (Neumaier) and so gives this value for most sets, but not for all.
 * fc_sum_in_order is the plain left-to-right sum that Python 3.11 and older sum()
 * computes.
 *
 * Why copy CPython rather than write "a correctly rounded sum": the special cases
 * (inf, nan, an overflow on the way) and the last rounding step are where
 * implementations differ, and Python's answer is the one people compare with.
 */
#include "forkcollect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { PARTIALS_ON_STACK = 32 }; /* CPython's NUM_PARTIALS */

/* The growing array of partials: ps on the stack at first, then the heap. */
typedef struct {
    double *p;
    size_t n, cap;
    double stack[PARTIALS_ON_STACK];
} partials;

static int grow(partials *ps, fc_error *err)
{
    size_t cap = ps->cap * 2;
    double *p = ps->p == ps->stack ? malloc(cap * sizeof *p) : realloc(ps->p, cap * sizeof *p);
    if (!p)
        return fc_fail(err, FC_ENOMEM, 0, "out of memory for %zu partial sums in fsum", cap);
    if (ps->p == ps->stack)
        memcpy(p, ps->stack, ps->n * sizeof *p);
    ps->p = p;
    ps->cap = cap;
    return 0;
}

/* Adds x to the partials exactly (CPython's loop "for y in partials"). Returns the
 * top partial that is left over, which the caller stores unless it is not finite. */
static double add_exactly(partials *ps, double x)
{
    size_t i = 0;
    for (size_t j = 0; j < ps->n; j++) {
        double y = ps->p[j];
        if (fabs(x) < fabs(y)) {
            double t = x;
            x = y;
            y = t;
        }
        double hi = x + y, yr = hi - x, lo = y - yr;
        if (lo != 0.0)
            ps->p[i++] = lo;
        x = hi;
    }
    ps->n = i;
    return x;
}

/* The partials' sum, correctly rounded, with CPython's half-even correction. */
static double round_partials(const partials *ps)
{
    size_t n = ps->n;
    double hi = 0.0, lo = 0.0, x, y, yr;
    if (n == 0)
        return hi;
    hi = ps->p[--n];
    /* Add from the top down, and stop when the sum becomes inexact. */
    while (n > 0) {
        x = hi;
        y = ps->p[--n];
        hi = x + y;
        yr = hi - x;
        lo = y - yr;
        if (lo != 0.0)
            break;
    }
    /* Half-even rounding across several partials: sum([1e-16, 1, 1e16]) rounds the
     * last digit up to 2, because the 1e-16 puts 1 a little nearer to 2. */
    if (n > 0 && ((lo < 0.0 && ps->p[n - 1] < 0.0) || (lo > 0.0 && ps->p[n - 1] > 0.0))) {
        y = lo * 2.0;
        x = hi + y;
        yr = x - hi;
        if (y == yr)
            hi = x;
    }
    return hi;
}

int fc_fsum(const double *v, size_t count, double *sum, fc_error *err)
{
    partials ps = {.n = 0, .cap = PARTIALS_ON_STACK};
    double special_sum = 0.0, inf_sum = 0.0;
    int rc = 0;
    ps.p = ps.stack;
    for (size_t k = 0; k < count; k++) {
        double xsave = v[k], x = add_exactly(&ps, v[k]);
        if (x == 0.0)
            continue;
        if (!isfinite(x)) {
            /* Either an inf or nan among the values, or an overflow on the way. */
            if (isfinite(xsave)) {
                rc = fc_fail(err, FC_EINVAL, 0,
                             "the sum overflows: adding value %zu (of %zu) takes a partial sum "
                             "past the largest double (Python's math.fsum raises "
                             "OverflowError: intermediate overflow in fsum)", k + 1, count);
                break;
            }
            if (isinf(xsave))
                inf_sum += xsave;
            special_sum += xsave;
            ps.n = 0;
        } else if (ps.n >= ps.cap && (rc = grow(&ps, err)) != 0) {
            break;
        } else {
            ps.p[ps.n++] = x;
        }
    }
    if (rc == 0 && special_sum != 0.0) {
        if (isnan(inf_sum))
            rc = fc_fail(err, FC_EINVAL, 0,
                         "the values hold both inf and -inf, whose sum is undefined (Python's "
                         "math.fsum raises ValueError: -inf + inf in fsum)");
        else
            *sum = special_sum;
    } else if (rc == 0) {
        *sum = round_partials(&ps);
    }
    if (ps.p != ps.stack)
        free(ps.p);
    return rc;
}

double fc_sum_in_order(const double *v, size_t count)
{
    double s = 0.0;
    for (size_t k = 0; k < count; k++)
        s += v[k];
    return s;
}
