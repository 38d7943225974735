/* seams.h - hooks for tests; not part of the API. Each is NULL in every real run, and
 * only a test sets one, in its own process (a child of the test inherits it). */
#ifndef FC_SEAMS_H
#define FC_SEAMS_H

/* Called by fc_file_write_new_staged at each step of a write, before the step is
 * recorded in *stage: a test kills the writer there, to see what is left behind. */
enum {
    FC_SEAM_BEFORE_OPEN,  /* nothing made yet */
    FC_SEAM_CREATED,      /* the temporary file exists, empty */
    FC_SEAM_WRITTEN,      /* written and closed */
    FC_SEAM_LINKED        /* linked to its final name too */
};
extern void (*fc_seam_write_step)(const char *part, int step);

#endif
