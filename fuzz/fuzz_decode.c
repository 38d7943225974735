/* fuzz_decode.c - libFuzzer target for one decoder (FC_FUZZ_CODEC) or, with
 * FC_FUZZ_DETECT, for what `forkcollect dump` does: detect the format, decode, print.
 *
 * Beyond "no crash, no leak, no sanitizer report", each input checks two properties:
 *  1. bounded allocation: the bytes live at once during decoding stay within the
 *     codec's own bound, factor * len + FC_BOUND_CONST (fuzz/bounds.h, docs/FORMATS.md;
 *     fuzz/bounds.c checks the same bounds on the worst shapes at 16-64 MiB);
 *  2. a file that decodes re-encodes, and that encoding decodes to the same bits.
 * A violation aborts, and libFuzzer saves the input as a crash.
 */
#include "alloc_track.h"
#include "bounds.h"
#include "forkcollect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
#ifdef FC_FUZZ_DETECT
    const fc_codec *c = fc_codec_detect(data, len);
    if (!c)
        return 0;
#else
    const fc_codec *c = fc_codec_find(FC_FUZZ_CODEC);
#endif
    fc_dataset d = {0}, again = {0};
    fc_error err = {0};
    track_start();
    int rc = c->decode(data, len, &d, &err);
    track_stop();
    if (track_peak > fc_bound_factor(c->name) * len + FC_BOUND_CONST) {
        fprintf(stderr, "%s: decoding %zu bytes allocated %zu bytes at once\n", c->name, len,
                track_peak);
        abort();
    }
    if (rc != 0 && rc != FC_ECORRUPT && rc != FC_ENOMEM) {
        fprintf(stderr, "%s: unexpected code %s: %s\n", c->name, fc_code_name(rc), err.msg);
        abort();
    }
    if (rc == 0) {
#ifdef FC_FUZZ_DETECT
        char num[FC_REPR_MAX];
        for (size_t i = 0; i < d.count; i++)
            fc_format_double(d.values[i], num); /* what dump prints */
#endif
        fc_buffer enc = {0};
        int erc = c->encode(&d, &enc, &err);
        /* What the codec may not hold: inf read from "1e400" by a format without
         * Infinity (cjson, jansson); bits a format without exact doubles changes (cjson)
         * while every key stays. */
        bool unheld = erc == FC_EUNSUPPORTED && !(c->supports & FC_SUPPORTS_NONFINITE);
        bool inexact = !(c->supports & FC_SUPPORTS_EXACT_DOUBLES);
        long diff = -1;
        if (erc == 0 && c->decode(enc.data, enc.len, &again, &err) == 0)
            diff = fc_dataset_first_difference(&d, &again);
        else
            diff = unheld ? -1 : 0;
        if (diff >= 0 && inexact && again.count == d.count &&
            memcmp(again.keys, d.keys, d.count * sizeof *d.keys) == 0)
            diff = -1;
        if (diff >= 0) {
            fprintf(stderr, "%s: a decoded file does not survive re-encoding: %s\n", c->name,
                    err.msg);
            abort();
        }
        fc_buffer_free(&enc);
    }
    fc_dataset_free(&d);
    fc_dataset_free(&again);
    return 0;
}
