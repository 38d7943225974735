/* test_replay.c - every saved input (tests/regressions/, fuzz/corpus/) through every
 * decoder and through format detection: no crash, no leak, only the expected codes. */
#include "testutil.h"

#include <dirent.h>

static char files[512][600];
static int nfiles;

/* Collects the regular files one folder below root. */
static void collect(const char *root)
{
    DIR *top = opendir(root);
    ck_assert_msg(top != NULL, "cannot open %s", root);
    for (struct dirent *e; (e = readdir(top)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        char sub[300];
        snprintf(sub, sizeof sub, "%s/%s", root, e->d_name);
        DIR *d = opendir(sub);
        if (!d)
            continue;
        for (struct dirent *f; (f = readdir(d)) != NULL && nfiles < 512;)
            if (f->d_name[0] != '.')
                snprintf(files[nfiles++], sizeof files[0], "%s/%s", sub, f->d_name);
        closedir(d);
    }
    closedir(top);
}

START_TEST(every_saved_input_through_every_decoder)
{
    nfiles = 0;
    collect(FC_REGRESSIONS);
    collect(FC_CORPUS);
    ck_assert_int_ge(nfiles, 25); /* the seeds are there: this test cannot pass empty */
    for (int i = 0; i < nfiles; i++) {
        fc_buffer b = {0};
        ck_assert_int_eq(fc_file_read(files[i], &b, NULL), 0);
        for (size_t c = 0; c <= fc_codec_count(); c++) {
            const fc_codec *codec = c < fc_codec_count() ? fc_codec_at(c)
                                                         : fc_codec_detect(b.data, b.len);
            if (!codec)
                continue;
            fc_dataset d = {0};
            fc_error e = {0};
            int rc = codec->decode(b.data, b.len, &d, &e);
            ck_assert_msg(rc == 0 || rc == FC_ECORRUPT, "%s as %s: %s (%s)", files[i],
                          codec->name, fc_code_name(rc), e.msg);
            ck_assert_msg(rc != 0 || fc_codec_detect(b.data, b.len) != NULL || d.count == 0,
                          "%s decodes as %s but is not recognised", files[i], codec->name);
            fc_dataset_free(&d);
        }
        fc_buffer_free(&b);
    }
}
END_TEST

START_TEST(seed_files_decode_as_their_folder_says)
{
    nfiles = 0;
    collect(FC_CORPUS);
    for (int i = 0; i < nfiles; i++) {
        if (strstr(files[i], "bomb") || strstr(files[i], "/detect/"))
            continue;
        char name[32];
        ck_assert_int_eq(sscanf(strstr(files[i], "corpus/") + 7, "%31[^/]", name), 1);
        const fc_codec *c = fc_codec_find(name);
        if (!c)
            continue; /* the seeds of a format this build does not hold */
        fc_buffer b = {0};
        fc_dataset d = {0};
        fc_error e = {0};
        ck_assert_int_eq(fc_file_read(files[i], &b, NULL), 0);
        ck_assert_msg(c->decode(b.data, b.len, &d, &e) == 0, "%s: %s", files[i], e.msg);
        fc_buffer_free(&b);
        fc_dataset_free(&d);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("replay");
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_saved_input_through_every_decoder);
    tcase_add_test(tc, seed_files_decode_as_their_folder_says);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
