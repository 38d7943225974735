/* marshal.c - what serialization is: one data structure, many ways to write it down.
 *
 * Marshalling turns a structure in memory into bytes that another process (or
 * another program, language or machine) can turn back into the same structure. Here
 * a small dict {key: value} goes through each of forkcollect's formats: the bytes
 * are printed in hex (and as text when they are text), then read back and compared
 * bit for bit with the original.
 *
 * The course's lesson compares three formats, Python's own: marshal, pickle and json.
 * They come first, in that order (pickle only if this build has it), then the rest.
 * marshal and json write the bytes Python's marshal.dumps and json.dumps write.
 *
 *   build/examples/marshal
 */
#include "forkcollect.h"

#include <ctype.h>
#include <stdio.h>

static void hexdump(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 16) {
        printf("    %04zx ", i);
        for (size_t k = i; k < i + 16; k++)
            k < n ? printf(" %02x", p[k]) : printf("   ");
        printf("  ");
        for (size_t k = i; k < i + 16 && k < n; k++)
            putchar(isprint(p[k]) ? p[k] : '.');
        printf("\n");
    }
}

static int is_text(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isprint(p[i]))
            return 0;
    return 1;
}

static const char *const course[] = {"marshal", "pickle", "json"};
#define COURSE (sizeof course / sizeof course[0])

static int is_course(const fc_codec *c)
{
    for (size_t i = 0; i < COURSE; i++)
        if (fc_codec_find(course[i]) == c)
            return 1;
    return 0;
}

/* Encodes d with c, prints the bytes, reads them back: 1 if they differ. */
static int show(const fc_codec *c, const fc_dataset *d)
{
    fc_buffer buf = {0};
    fc_dataset back = {0};
    fc_error err = {0};
    if (c->encode(d, &buf, &err) != 0) {
        printf("%s: cannot encode: %s\n", c->name, err.msg);
        return 1;
    }
    printf("%s (%s %s): %zu bytes\n", c->name, c->library, c->library_version(), buf.len);
    if (is_text(buf.data, buf.len))
        printf("    %.*s\n", (int)buf.len, (const char *)buf.data);
    hexdump(buf.data, buf.len);
    int rc = c->decode(buf.data, buf.len, &back, &err);
    int same = rc == 0 && fc_dataset_first_difference(d, &back) < 0;
    printf("    read back: %zu records, %s\n\n", back.count,
           rc != 0 ? err.msg : same ? "identical, bit for bit" : "DIFFERENT");
    fc_buffer_free(&buf);
    fc_dataset_free(&back);
    return !same;
}

int main(void)
{
    fc_dataset d = {0};
    fc_dataset_push(&d, 1, 514.1370278623858, NULL);
    fc_dataset_push(&d, 2, -0.0, NULL);
    fc_dataset_push(&d, 300, 1e100, NULL);
    printf("the data: {1: 514.1370278623858, 2: -0.0, 300: 1e+100}\n\n");

    int failures = 0;
    printf("== the course's formats: marshal, pickle, json ==\n\n");
    for (size_t i = 0; i < COURSE; i++)
        if (fc_codec_find(course[i]))
            failures += show(fc_codec_find(course[i]), &d);
        else
            printf("%s: not in this build of forkcollect\n\n", course[i]);
    printf("== the rest ==\n\n");
    for (size_t i = 0; fc_codec_at(i); i++)
        if (!is_course(fc_codec_at(i)))
            failures += show(fc_codec_at(i), &d);
    fc_dataset_free(&d);
    return failures ? 1 : 0;
}
