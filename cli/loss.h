/* loss.h - the values a round trip changed, for a codec that may lose bits (one
 * without FC_SUPPORTS_EXACT_DOUBLES): how many, by how many ulps, and the first.
 * Measured by loss_measure; described by loss_summary and loss_first. */
#ifndef FC_LOSS_H
#define FC_LOSS_H

#include "forkcollect.h"

typedef struct value_loss {
    size_t compared;           /* records whose keys came back the same */
    size_t changed;            /* ... whose value bits did not */
    uint64_t max_ulps;         /* the largest distance among them */
    long first;                /* the first changed record, or -1 */
    double before, after;      /* its value, and what came back */
} value_loss;

/* Fills l from a round trip: 0, or -1 when keys or counts differ (not a value loss). */
int loss_measure(const fc_dataset *orig, const fc_dataset *back, value_loss *l);
/* "18% of values 1 ulp off (18,012 of 100,000)"; "" when nothing changed. */
const char *loss_summary(const value_loss *l, char *buf, size_t size);
/* "key 13: 490.75311355586604 -> 490.753113555866 (1 ulp)" for the first change. */
const char *loss_first(const value_loss *l, const fc_dataset *orig, char *buf, size_t size);

#endif
