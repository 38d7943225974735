/* compare_result.h - what `forkcollect compare` measured. measure.c fills it; the
 * reports (report.c, and any other output kind) read it and nothing else. Neither
 * side includes the other: this header is all they share (docs: notes/cli-api.md).
 *
 * To add a measured figure: a field here (a `stats` for a time, with its samples
 * kind in measure.c), filled in measure.c, printed by each writer in report.c. */
#ifndef FC_COMPARE_RESULT_H
#define FC_COMPARE_RESULT_H

#include "cli.h"
#include "loss.h"

enum { COMPARE_MAX_FORMATS = 16 };

/* What to measure: compare's flags, parsed. */
typedef struct compare_params {
    const fc_codec *codecs[COMPARE_MAX_FORMATS];
    int ncodecs;
    uint64_t count, iterations, workers, repeat, warmup;
    const fc_transport *transport; /* --transport; NULL: result files */
    unsigned shape;                /* --shape (enum fc_shape); 0: the course's numbers */
    const struct fc_records *input; /* --input: the user's records (shape FC_SHAPE_INPUT) */
    const char *input_name;         /* its file, for the report */
    cli_mpi mpi;                   /* --engine mpi: the end-to-end runs on MPI ranks */
    bool workers_given;            /* --workers given (else one per CPU, or every rank) */
} compare_params;

/* One format's results. Times in nanoseconds. */
typedef struct format_result {
    const fc_codec *codec;
    /* Sizes (the same in every repeat: encodings are deterministic). */
    uint64_t bytes;            /* all result files of one run */
    uint64_t deflated;         /* the same files, each deflated (zlib level 6) */
    /* End to end: the real exercise through the engine. */
    stats wall;                /* first fork to last merge */
    stats e2e_encode;          /* per record, in the children */
    stats e2e_decode;          /* per record, in the parent */
    /* The codec alone: one process, the whole dataset, samples of >= 10 ms. */
    stats alone_encode;        /* per record */
    stats alone_decode;        /* per record */
    stats alone_decode_unverified; /* per record, without the format's verification of
                                    * untrusted bytes (fc_codec.decode_unverified:
                                    * FlatBuffers' Verifier); all 0 for other formats */
    bool exact;                /* every run and every round trip alone bit for bit */
    char failure[640];         /* why not, or why a run failed */
    value_loss loss;           /* a codec that may lose bits: what it lost (exact false) */
} format_result;

typedef struct compare_result {
    unsigned shape;            /* enum fc_shape: 0 numbers */
    char input[256];           /* --input's file, when the shape is the user's data */
    uint64_t count, iterations;
    unsigned workers;          /* children per run: fc_split_parts(count, --workers) */
    unsigned repeat, warmup;
    const char *transport;     /* how the end-to-end runs moved results: "file", "pipe" */
    int nformats;
    format_result formats[COMPARE_MAX_FORMATS];
    double calc_ns;            /* serial calc of the reference values, once */
    long parent_rss_kib, children_rss_kib;
    /* Reproduction data. */
    char cpu[128];
    long cpus;
    char date[32];
    char kernel[256];
} compare_result;

#endif
