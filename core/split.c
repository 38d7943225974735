/* split.c - the course's fork skeleton: equal batches, leftover over the first ones. */
#include "forkcollect.h"

unsigned fc_split_parts(uint64_t count, unsigned parts)
{
    if (parts == 0)
        parts = 1;
    if (count > 0 && count < parts)
        return (unsigned)count;
    return count == 0 ? 1 : parts;
}

void fc_split(uint64_t count, unsigned parts, unsigned i, uint64_t *offset, uint64_t *len)
{
    uint64_t base = count / parts, extra = count % parts;
    /* Batches 0..extra-1 get base+1 items, the others base. */
    *len = base + (i < extra ? 1 : 0);
    *offset = (uint64_t)i * base + (i < extra ? i : extra);
}
