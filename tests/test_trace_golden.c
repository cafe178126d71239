/* test_trace_golden.c — golden traces: the whole text trace of a tiny guest
 * compared with tests/golden/NAME.trace, with a unified diff on mismatch.
 *
 *   build/tests/test_trace_golden               compare (what `make test` runs)
 *   build/tests/test_trace_golden --update NAME rewrite tests/golden/NAME.trace
 *                                               from a fresh run (review the
 *                                               git diff before committing)
 *
 * Also tests the diff itself (trace/diff.h) on small texts. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "trace/diff.h"
#include "trace_guest.h"

struct golden {
    const char *name;    /* tests/golden/NAME.trace */
    const char *guest;   /* build/guests/GUEST.bin */
    uint64_t rdi;
    enum trace_format format;
};

static const struct golden goldens[] = {
    {"trace_basic", "trace_basic", 0, TRACE_FORMAT_TEXT},
    {"trace_basic_jsonl", "trace_basic", 0, TRACE_FORMAT_JSONL},
};
#define NGOLDENS (sizeof goldens / sizeof goldens[0])

static char *record_text(const struct golden *g)
{
    char *buf = NULL, err[256];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    struct trace_config cfg;
    trace_config_init(&cfg);
    cfg.kinds = TRACE_KINDS_ALL;
    cfg.format = g->format;
    int rc = trace_guest_run(g->guest, g->rdi, &cfg, f, NULL, err, sizeof err);
    fclose(f);
    if (rc == -2) {
        fprintf(stderr, "%s: %s\n", g->name, err);
        free(buf);
        return NULL;
    }
    return buf;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(f);
    fclose(m);
    return buf;
}

START_TEST(golden_traces)
{
    const struct golden *g = &goldens[_i];
    char path[256];
    snprintf(path, sizeof path, "tests/golden/%s.trace", g->name);
    char *want = read_file(path);
    ck_assert_msg(want, "%s is missing: create it with build/tests/test_trace_golden --update %s",
                  path, g->name);
    char *got = record_text(g);
    ck_assert_ptr_nonnull(got);
    size_t d = text_diff(want, got, path, "this run", 3, stdout);
    if (d)
        printf("(if the change is intended: build/tests/test_trace_golden --update %s)\n",
               g->name);
    ck_assert_msg(d == 0, "%s: %zu lines differ (diff above)", g->name, d);
    free(want);
    free(got);
}
END_TEST

static char *diff_of(const char *a, const char *b, size_t *n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    *n = text_diff(a, b, "want", "got", 1, f);
    fclose(f);
    return buf;
}

START_TEST(diff_output)
{
    size_t n;
    char *d = diff_of("a\nb\nc\nd\ne\nf\ng\n", "a\nb\nc\nD\ne\nf\ng\nh\n", &n);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(d, "--- want\n+++ got\n"
                        "@@ -3,3 +3,3 @@\n c\n-d\n+D\n e\n"
                        "@@ -7,1 +7,2 @@\n g\n+h\n");
    free(d);
    d = diff_of("same\n", "same\n", &n);
    ck_assert_uint_eq(n, 0);
    ck_assert_str_eq(d, "");
    free(d);
    d = diff_of("x\ny\n", "", &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(d, "--- want\n+++ got\n@@ -1,2 +1,0 @@\n-x\n-y\n");
    free(d);
    /* An insertion in the middle keeps the surrounding lines aligned. */
    d = diff_of("1\n2\n3\n4\n", "1\n2\nnew\n3\n4\n", &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(d, "--- want\n+++ got\n@@ -2,2 +2,3 @@\n 2\n+new\n 3\n");
    free(d);
}
END_TEST

static int update(const char *name)
{
    for (size_t i = 0; i < NGOLDENS; i++) {
        if (strcmp(goldens[i].name, name) != 0)
            continue;
        char *text = record_text(&goldens[i]);
        if (!text)
            return 1;
        char path[256];
        snprintf(path, sizeof path, "tests/golden/%s.trace", name);
        FILE *f = fopen(path, "wb");
        if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
            fprintf(stderr, "cannot write %s\n", path);
            free(text);
            return 1;
        }
        printf("wrote %s (%zu bytes)\n", path, strlen(text));
        free(text);
        return 0;
    }
    fprintf(stderr, "no golden trace named '%s' (known:", name);
    for (size_t i = 0; i < NGOLDENS; i++)
        fprintf(stderr, " %s", goldens[i].name);
    fprintf(stderr, ")\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--update") == 0)
        return update(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: %s [--update NAME]\n", argv[0]);
        return 2;
    }
    Suite *s = suite_create("trace_golden");
    TCase *tc = tcase_create("golden");
    tcase_add_loop_test(tc, golden_traces, 0, NGOLDENS);
    tcase_add_test(tc, diff_output);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
