/* loss.c - the values a round trip changed: measured, and said in a few words. */
#define _POSIX_C_SOURCE 200809L
#include "loss.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A double's place on the number line, as an integer: adjacent doubles differ by 1. */
static int64_t ordinal(double d)
{
    int64_t b;
    memcpy(&b, &d, sizeof b);
    return b < 0 ? INT64_MIN - b : b;
}

static uint64_t ulps_between(double a, double b)
{
    int64_t x = ordinal(a), y = ordinal(b);
    return x > y ? (uint64_t)x - (uint64_t)y : (uint64_t)y - (uint64_t)x;
}

int loss_measure(const fc_dataset *orig, const fc_dataset *back, value_loss *l)
{
    *l = (value_loss){.first = -1};
    if (orig->count != back->count)
        return -1;
    for (size_t i = 0; i < orig->count; i++) {
        if (orig->keys[i] != back->keys[i])
            return -1;
        double a = orig->values[i], b = back->values[i];
        l->compared++;
        if (memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b)))
            continue;
        uint64_t u = isnan(a) || isnan(b) ? UINT64_MAX : ulps_between(a, b);
        if (l->changed++ == 0) {
            l->first = (long)i;
            l->before = a;
            l->after = b;
        }
        l->max_ulps = u > l->max_ulps ? u : l->max_ulps;
    }
    return 0;
}

/* 18012 as "18,012". */
static const char *grouped(size_t v, char *buf)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%zu", v), o = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
    return buf;
}

static void ulps_text(uint64_t u, char *buf, size_t size)
{
    if (u == UINT64_MAX)
        snprintf(buf, size, "NaN");
    else
        snprintf(buf, size, "%llu ulp%s", (unsigned long long)u, u == 1 ? "" : "s");
}

const char *loss_summary(const value_loss *l, char *buf, size_t size)
{
    char a[40], b[40], u[32];
    buf[0] = '\0';
    if (!l->changed)
        return buf;
    double pct = 100.0 * (double)l->changed / (double)l->compared;
    ulps_text(l->max_ulps, u, sizeof u);
    snprintf(buf, size, "%.*f%% of values %s%s off (%s of %s)", pct < 1 ? 2 : 0, pct,
             l->max_ulps == 1 ? "" : "up to ", u, grouped(l->changed, a),
             grouped(l->compared, b));
    return buf;
}

const char *loss_first(const value_loss *l, const fc_dataset *orig, char *buf, size_t size)
{
    char x[FC_REPR_MAX], y[FC_REPR_MAX], u[32];
    buf[0] = '\0';
    if (l->first < 0)
        return buf;
    fc_format_double(l->before, x);
    fc_format_double(l->after, y);
    ulps_text(isnan(l->before) || isnan(l->after) ? UINT64_MAX
                                                  : ulps_between(l->before, l->after),
              u, sizeof u);
    snprintf(buf, size, "key %llu: %s -> %s (%s)", (unsigned long long)orig->keys[l->first], x,
             y, u);
    return buf;
}
