/* transport.h - the fork driver's transport seam (not installed; not part of the API).
 *
 * A transport moves one child's encoding to its parent, in the manner of Redis's rio:
 * a small table of functions, the child side (send) and the parent side (receive,
 * fetch, discard). core/engine.c (the fork driver) calls them and knows no transport's
 * details; a new transport is one more core/transport_<name>.c with one table, listed
 * in transports[] (core/transport_file.c) and core/CMakeLists.txt.
 *
 * Every child has a pipe to its parent either way: the parent poll()s the read ends and
 * EOF means the child has exited. The file transport sends nothing on it; the pipe
 * transport sends the encoding on it.
 */
#ifndef FC_TRANSPORT_H
#define FC_TRANSPORT_H

#include "forkcollect.h"

/* What a child tells its parent besides its encoding, in memory shared before the fork. */
typedef struct fc_slot {
    uint64_t compute_ns, encode_ns, write_ns;
    uint64_t bytes;      /* size of the encoding */
    uint32_t crc;        /* its CRC-32C */
    uint32_t done;       /* 1 once everything above is written */
    fc_file_stage file;  /* which of its files the child has made, and which file */
    fc_error error;      /* the child's own error, if it failed */
} fc_slot;

/* One child's transfer, as each side sees it. */
typedef struct fc_xfer {
    const fc_engine_config *cfg;
    fc_child_report *report; /* in the child: a copy of its report */
    fc_slot *slot;
    const char *dir;         /* the directory of the run (the file transport) */
    fc_janitor *jan;         /* the run's janitor (in the child, its copy): told of the
                              * files before they are made (core/janitor.c) */
    int fd;                  /* the child's pipe: the write end in the child, the read
                              * end in the parent (-1 when no child runs) */
    uint64_t token;          /* the random part of a temporary file's name */
    fc_buffer in;            /* the parent's bytes received on fd (the pipe transport) */
    uint64_t received;       /* bytes read on fd, even those not kept */
    bool lost;               /* some were not kept: no memory for them */
    int read_errno;          /* a read of fd failed with it: the stream is cut short */
} fc_xfer;

struct fc_transport {
    const char *name;
    /* Parent, before the first fork and after the last: what the run needs (the file
     * transport's directory, its name told to jan before it is made) and its removal.
     * NULL: nothing. */
    int (*open)(const fc_engine_config *cfg, fc_engine_result *out, bool *private_dir,
                fc_janitor *jan, fc_error *err);
    /* Parent, right after a fork: names what the child will make (c->path). */
    void (*begin)(fc_xfer *x);
    /* Child: delivers the encoding (slot->bytes and crc are already set). A transport
     * that makes files names them to x->jan (fc_janitor_watch) before it makes them. */
    int (*send)(fc_xfer *x, const fc_buffer *enc, fc_error *err);
    /* Parent: x->fd is readable. Reads what is there without blocking; returns 1 at
     * EOF (the child has exited), 0 while more may come. A read error that loses the
     * child's results is left in x->read_errno (the child then fails with it). */
    int (*receive)(fc_xfer *x);
    /* Parent, after the child exited 0 with its slot done: the bytes that arrived (in
     * x->in, or read into *buf), what the child said it sent, and what to call them. On
     * error, err says why (the child is then failed with it). */
    int (*fetch)(fc_xfer *x, fc_buffer *buf, const uint8_t **data, size_t *len,
                 fc_part_sent *sent, const char **source, fc_error *err);
    /* Parent: removes what the child made (keeping a collected result when keep). */
    void (*discard)(fc_xfer *x, fc_engine_result *out, bool keep);
};

/* Removes path (a directory with rmdir), noting in out what could not be removed. */
void fc_remove_noting(fc_engine_result *out, const char *path, bool dir);

/* Reads what x->fd has now into x->in, keeping at most `keep` bytes (the rest is only
 * counted in x->received); returns 1 at EOF, 0 when it would block. A read that fails
 * ends the stream too: its errno is kept in x->read_errno and 1 returned. */
int fc_xfer_drain(fc_xfer *x, size_t keep);

#endif
