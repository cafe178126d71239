/* test_trace_machine.c — the tracer on the real board (machine/machine.h):
 * attached the way the CLI attaches it (a watcher of the machine: OS events,
 * kernel-log lines, virtual time from the board), on
 * the guest kernel tests/guests-elf/osevent.S, which reports one OS event
 * (PROC_CREATE pid 7, parent 1, "init": the record bytes in that file are
 * the oracle), logs "event sent" and exits with 42.  Also runs the
 * expectation files of tests/traces/machine/ (run: GUEST [--trace…]). */
#include <check.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include "machine/debugport.h"
#include "machine/machine.h"
#include "tests/guest_elf.h"
#include "trace/check.h"
#include "trace/query.h"
#include "trace/tracer.h"

static void console(void *ctx, const uint8_t *bytes, size_t n)
{
    (void)ctx, (void)bytes, (void)n;
}

static uint64_t virtual_time(void *ctx)
{
    return machine_time_ns(ctx);
}

/* Boot guest NAME traced with cfg into rec; returns the exit status, or
 * -1000 with a message in err. */
static int64_t run_traced(const char *name, const struct trace_config *cfg,
                          struct trace_recording *rec, char *err, size_t errlen)
{
    char path[256];
    if (guest_elf_build(name, path, sizeof path)) {
        snprintf(err, errlen, "cannot build %s", name);
        return -1000;
    }
    struct machine_config c = {.kernel_path = path, .ram_size = 32ull << 20, .console_out = console};
    struct machine *m = machine_new(&c, err, errlen);
    if (!m)
        return -1000;
    struct tracer *t = tracer_new(cfg, NULL, err, errlen);
    if (!t) {
        machine_free(m);
        return -1000;
    }
    tracer_record(t, rec);
    tracer_set_clock(t, virtual_time, m);
    if (tracer_load_symbols(t, path, "kernel:", 0, err, errlen) ||
        tracer_attach(t, machine_watch_hub(m), err, errlen)) {
        tracer_close(t, err + strlen(err), 0);
        machine_free(m);
        return -1000;
    }
    struct machine_until u = {.max_insns = 1000000, .vector = -1};
    struct machine_stop s = machine_run(m, &u);
    int64_t status = s.event == MEV_EXIT ? machine_exit_status(m) : -999;
    if (tracer_close(t, err, errlen))
        status = -1000;
    machine_free(m);
    return status;
}

START_TEST(os_event_log_and_symbols)
{
    struct trace_config cfg;
    char err[256], b[64];
    trace_config_init(&cfg);
    cfg.kinds = TRACE_KINDS_ALL;
    cfg.no_output = true;
    struct trace_recording rec;
    trace_recording_init(&rec);
    ck_assert_int_eq(run_traced("osevent", &cfg, &rec, err, sizeof err), 42);

    size_t first = trace_find(&rec, 0, "insn");
    ck_assert_str_eq(trace_get_text(&rec, first, "sym", b, sizeof b), "kernel:_start");
    ck_assert_str_eq(trace_get_text(&rec, first, "cpl", b, sizeof b), "0");

    size_t lo = trace_find(&rec, 0, "port dir=out port=0x500 size=4");
    ck_assert_uint_ne(lo, TRACE_NOT_FOUND);
    ck_assert_str_eq(trace_get_text(&rec, lo, "device", b, sizeof b), "osevent");
    /* The record is read during that OUT: the os event is its child. */
    size_t os = trace_find(&rec, 0, "os");
    ck_assert_uint_eq(trace_find(&rec, 0, "os event=proc-create proc=7 parent=1 program=init "
                                          "pid=7 tid=7"),
                      os);
    uint64_t s_out, s_os;
    ck_assert(trace_get_u64(&rec, lo, "step", &s_out) && trace_get_u64(&rec, os, "step", &s_os));
    ck_assert_uint_eq(s_out, s_os);
    ck_assert_uint_eq(trace_count(&rec, "os"), 1);

    size_t log = trace_find(&rec, 0, "log");
    ck_assert_str_eq(trace_get_text(&rec, log, "text", b, sizeof b), "event sent");
    ck_assert_uint_gt(log, os);
    /* "event sent\n" is 11 byte OUTs to the log port. */
    ck_assert_uint_eq(trace_count(&rec, "port port=0xe9 dir=out"), 11);

    /* Virtual time comes from the board and never runs backwards. */
    uint64_t prev = 0, t;
    for (size_t i = first; (i = trace_find(&rec, i, "insn")) != TRACE_NOT_FOUND; i++) {
        ck_assert(trace_get_u64(&rec, i, "time", &t));
        ck_assert_uint_ge(t, prev);
        prev = t;
    }
    ck_assert_uint_gt(prev, 0);
    trace_recording_free(&rec);
}
END_TEST

/* run: GUEST [--trace…] for the guest kernels of tests/guests-elf. */
static int machine_runner(void *ctx, int argc, char **argv, struct trace_recording *rec,
                          char *err, size_t errlen)
{
    (void)ctx;
    if (argc < 1) {
        snprintf(err, errlen, "no guest named");
        return -1;
    }
    struct trace_config cfg;
    trace_config_init(&cfg);
    for (int i = 1; i < argc; i++) {
        int used = trace_parse_option(&cfg, argv[i], argv[i + 1], err, errlen);
        if (used <= 0) {
            if (used == 0)
                snprintf(err, errlen, "unknown argument '%s'", argv[i]);
            return -1;
        }
        i += used - 1;
    }
    if (!cfg.kinds)
        cfg.kinds = TRACE_KINDS_ALL;
    cfg.no_output = true;
    return run_traced(argv[0], &cfg, rec, err, errlen) == -1000 ? -1 : 0;
}

START_TEST(expectation_files)
{
    glob_t g;
    ck_assert_int_eq(glob("tests/traces/machine/*.expect", 0, NULL, &g), 0);
    ck_assert_uint_ge(g.gl_pathc, 2);
    for (size_t i = 0; i < g.gl_pathc; i++)
        ck_assert_msg(trace_check_file(g.gl_pathv[i], machine_runner, NULL, stdout) == 0,
                      "%s failed (report above)", g.gl_pathv[i]);
    globfree(&g);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trace_machine");
    TCase *tc = tcase_create("machine");
    tcase_add_test(tc, os_event_log_and_symbols);
    tcase_add_test(tc, expectation_files);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
