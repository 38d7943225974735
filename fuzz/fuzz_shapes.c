/* fuzz_shapes.c - libFuzzer target for every reader of records of the shapes beyond
 * numbers (fc_codec.decode_records). The first byte picks the codec (in the registry's
 * order), the second the shape; the rest is the file.
 *
 * Beyond "no crash, no leak, no sanitizer report": the codes are those a reader may
 * return; the bytes live at once stay under 160 x the input + 1 MiB (the loosest of the
 * bounds docs/FORMATS.md states for these readers); a file that reads re-encodes, and
 * that encoding reads back to the same trees (for the codecs with exact doubles).
 */
#include "alloc_track.h"
#include "fc_shapes.h"

#include <stdio.h>
#include <stdlib.h>

static void check_again(const fc_codec *c, unsigned shape, const fc_records *r)
{
    fc_buffer enc = {0};
    fc_records again = {0};
    fc_error err = {0};
    int rc = c->encode_records(r, shape, &enc, &err);
    if (rc == 0 && c->decode_records(enc.data, enc.len, shape, &again, &err) != 0) {
        fprintf(stderr, "%s: our own encoding does not read back: %s\n", c->name, err.msg);
        abort();
    }
    /* A codec without exact doubles (cJSON writes 3.0 as 3, read back as an integer)
     * changes values its shapes never hold; only that its encoding reads is checked. */
    bool exact = c->supports & FC_SUPPORTS_EXACT_DOUBLES;
    for (size_t i = 0; exact && rc == 0 && i < r->count; i++)
        if (again.keys[i] != r->keys[i] || !fc_value_equal(&again.values[i], &r->values[i])) {
            fprintf(stderr, "%s: record %zu differs after re-encoding\n", c->name, i);
            abort();
        }
    fc_buffer_free(&enc);
    fc_records_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    if (len < 2 || !fc_codec_count())
        return 0;
    const fc_codec *c = fc_codec_at(data[0] % fc_codec_count());
    unsigned shape = 1u + data[1] % (FC_SHAPE_COUNT - 1);
    if (!(c->shapes & (1u << shape)))
        return 0;
    data += 2;
    len -= 2;
    fc_records r = {0};
    fc_error err = {0};
    track_start();
    int rc = c->decode_records(data, len, shape, &r, &err);
    track_stop();
    if (track_peak > 160 * len + (1u << 20)) {
        fprintf(stderr, "%s: reading %zu bytes allocated %zu at once\n", c->name, len,
                track_peak);
        abort();
    }
    if (rc != 0 && rc != FC_ECORRUPT && rc != FC_ENOMEM && rc != FC_EUNSUPPORTED) {
        fprintf(stderr, "%s: unexpected code %s: %s\n", c->name, fc_code_name(rc), err.msg);
        abort();
    }
    if (rc == 0)
        check_again(c, shape, &r);
    fc_records_free(&r);
    return 0;
}
