/* check.c — the `check` subcommand over expectation files (check.h). */
#include "check.h"
#include <stdlib.h>
#include <string.h>
#include "convert.h"
#include "expect.h"

static trace_run_fn registered_run;
static void *registered_ctx;

void trace_check_set_runner(trace_run_fn run, void *ctx)
{
    registered_run = run;
    registered_ctx = ctx;
}

int trace_check_file(const char *path, trace_run_fn run, void *ctx, FILE *out)
{
    char err[512];
    struct expect_script s;
    if (expect_load(&s, path, err, sizeof err)) {
        fprintf(out, "ERROR %s\n", err);
        return 2;
    }
    if (!s.run_line) {
        fprintf(out, "ERROR %s: no run: line (what should be run?)\n", path);
        expect_free(&s);
        return 2;
    }
    struct trace_recording rec;
    trace_recording_init(&rec);
    int rc;
    if (run(ctx, s.argc, s.argv, &rec, err, sizeof err)) {
        fprintf(out, "ERROR %s:%u: run: %s\n", path, s.run_line, err);
        rc = 2;
    } else if (rec.out_of_memory) {
        fprintf(out, "ERROR %s: the trace did not fit in host memory\n", path);
        rc = 2;
    } else {
        size_t cap = 16384;
        char *report = malloc(cap);
        if (!report) {
            fprintf(out, "ERROR %s: out of host memory\n", path);
            rc = 2;
        } else if (expect_check(&s, &rec, report, cap)) {
            fprintf(out, "PASS %s (%zu events)\n", path, rec.count);
            rc = 0;
        } else {
            fprintf(out, "FAIL %s\n%s", path, report);
            rc = 1;
        }
        free(report);
    }
    trace_recording_free(&rec);
    expect_free(&s);
    return rc;
}

int trace_check_main(int argc, char **argv)
{
    trace_run_fn run = registered_run;
    void *ctx = registered_ctx;
    if (argc >= 3 && strcmp(argv[1], "--recording") == 0) {
        /* Assert against a recording instead of running: its run: lines
         * only pick the filters. */
        run = trace_check_recording_runner;
        ctx = argv[2];
        argv += 2;
        argc -= 2;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: ringscope check [--recording FILE.rstrace] FILE.expect...\n");
        return 2;
    }
    if (!run) {
        fprintf(stderr, "ringscope check: no machine runner is registered\n");
        return 2;
    }
    int worst = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        int rc = trace_check_file(argv[i], run, ctx, stdout);
        failed += rc != 0;
        if (rc > worst)
            worst = rc;
    }
    printf("check: %d of %d passed\n", argc - 1 - failed, argc - 1);
    return worst;
}
