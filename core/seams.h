/* seams.h - hooks for tests; not part of the API. Each is NULL in every real run, and
 * only a test sets one, in its own process (a child of the test inherits it). */
#ifndef FC_SEAMS_H
#define FC_SEAMS_H

#include <stddef.h>

/* Called by fc_file_write_new_staged at each step of a write, before the step is
 * recorded in *stage: a test kills the writer there, to see what is left behind. */
enum {
    FC_SEAM_BEFORE_OPEN,  /* nothing made yet */
    FC_SEAM_CREATED,      /* the temporary file exists, empty */
    FC_SEAM_WRITTEN,      /* written and closed */
    FC_SEAM_LINKED        /* linked to its final name too */
};
extern void (*fc_seam_write_step)(const char *part, int step);

/* Called by the pipe transport's sender in the child: at FC_SEAM_PIPE_HEADER before
 * it writes its header (a test may change what the header says, or *len, the bytes of
 * the encoding it then sends), at FC_SEAM_PIPE_HALF once half of them are sent (a test
 * kills the child there: a stream cut off mid-way). */
enum { FC_SEAM_PIPE_HEADER, FC_SEAM_PIPE_HALF };
struct fc_part_sent;
extern void (*fc_seam_pipe_send)(int step, struct fc_part_sent *header, size_t *len);

#endif
