/* test_trace_expect.c — the expectation language (trace/expect.h,
 * trace/pattern.h) and the query API (trace/query.h) over a hand-made
 * recorded trace: parse errors and their messages; expect / never / counts
 * / captures / masks / ranges / transitions / wildcards; and failures,
 * which must name the failed line and show the events around it. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "trace/expect.h"
#include "trace/query.h"

static struct trace_recording rec;

/* A small story: a user write(1, "hi", 2) through SYSCALL, a page walk and
 * a store in the kernel, SYSRET, then a #PF in user mode. */
static void build_trace(void)
{
    trace_recording_init(&rec);
    struct trace_event e;
    uint64_t step = 0;

    trace_event_init(&e, TRACE_INSN, step, false);
    trace_add(&e, "cpl", TF_DEC, 3);
    trace_add(&e, "rip", TF_HEX, 0x401000);
    trace_add_str(&e, "sym", "main+0x10");
    trace_add_str(&e, "disasm", "syscall");
    trace_recording_add(&rec, &e);
    trace_event_init(&e, TRACE_SYSCALL, step, true);
    trace_add(&e, "nr", TF_DEC, 1);
    trace_add_str(&e, "name", "write");
    trace_add_str(&e, "args", "1, \"hi\", 2");
    trace_add_pair(&e, "cpl", 3, 0);
    trace_recording_add(&rec, &e);

    step++;
    trace_event_init(&e, TRACE_INSN, step, false);
    trace_add(&e, "cpl", TF_DEC, 0);
    trace_add(&e, "rip", TF_HEX, 0xffffffff80001000ull);
    trace_add_str(&e, "sym", "kernel:syscall_entry");
    trace_add_str(&e, "disasm", "mov qword ptr [rax], rbx");
    trace_recording_add(&rec, &e);
    trace_event_init(&e, TRACE_WALK, step, true);
    trace_add(&e, "va", TF_HEX, 0x7ffe1234);
    trace_add(&e, "pa", TF_HEX, 0x00235234);
    trace_recording_add(&rec, &e);
    trace_event_init(&e, TRACE_MEM, step, true);
    trace_add_str(&e, "op", "write");
    trace_add(&e, "va", TF_HEX, 0x7ffe1234);
    trace_add(&e, "pa", TF_HEX, 0x00235234);
    trace_add(&e, "size", TF_DEC, 8);
    trace_add(&e, "value", TF_HEX, 0x6968);
    trace_recording_add(&rec, &e);

    step++;
    trace_event_init(&e, TRACE_SYSCALL, step, true);
    trace_add(&e, "nr", TF_DEC, 1);
    trace_add_str(&e, "name", "write");
    trace_add_pair(&e, "cpl", 3, 0);
    trace_recording_add(&rec, &e);
    trace_event_init(&e, TRACE_SYSRET, step, true);
    trace_add_str(&e, "name", "write");
    trace_add(&e, "result", TF_SDEC, (uint64_t)-14);
    trace_add_str(&e, "errno", "EFAULT");
    trace_add_pair(&e, "cpl", 0, 3);
    trace_recording_add(&rec, &e);

    step++;
    trace_event_init(&e, TRACE_EXCEPTION, step, true);
    trace_add(&e, "vector", TF_DEC, 14);
    trace_add_str(&e, "name", "#PF");
    trace_add(&e, "error", TF_HEX, 6);
    trace_add_str(&e, "error_words", "NP W U");
    trace_add(&e, "cr2", TF_HEX, 0xdead0);
    trace_add_pair(&e, "cpl", 3, 0);
    trace_recording_add(&rec, &e);
}

/* Parse + check; returns true when the script passes, leaving the report
 * or the parse error in msg. */
static char msg[16384];
static int parse_status;
static bool run_script(const char *text)
{
    struct expect_script s;
    parse_status = expect_parse(&s, text, "t.expect", msg, sizeof msg);
    if (parse_status)
        return false;
    bool ok = expect_check(&s, &rec, msg, sizeof msg);
    expect_free(&s);
    return ok;
}

static void assert_parse_error(const char *text, const char *want)
{
    ck_assert(!run_script(text));
    ck_assert_int_eq(parse_status, -1);
    ck_assert_msg(strstr(msg, want), "message '%s' lacks '%s'", msg, want);
}

START_TEST(parse_errors)
{
    assert_parse_error("run: x\nexpect sycall name=write\n",
                       "t.expect:2: unknown event kind 'sycall'");
    assert_parse_error("expect syscall name\n", "t.expect:1: expected key=value, got 'name'");
    assert_parse_error("expect syscall name=\n", "t.expect:1: missing value in 'name='");
    assert_parse_error("\n\nexpect mem pa=$p\n",
                       "t.expect:3: $p is used before any earlier line captures it");
    assert_parse_error("expect 0 syscall\n", "t.expect:1: bad count");
    assert_parse_error("expect log text=\"open\n", "t.expect:1: unterminated quote");
    assert_parse_error("expect insn\nrun: a\n", "t.expect:2: run: must come before");
    assert_parse_error("frobnicate insn\n", "t.expect:1: expected 'run:', 'expect' or 'never'");
    assert_parse_error("never walk $a=pa\n", "t.expect:1: a never line cannot capture");
    assert_parse_error("expect mem va=0x2..0x1\n", "t.expect:1: empty range");
    assert_parse_error("expect mem $9x!=pa\n", "t.expect:1: bad capture");
}
END_TEST

START_TEST(run_line_and_comments)
{
    struct expect_script s;
    char err[256];
    ck_assert_int_eq(expect_parse(&s,
                                  "# a comment\n\n  run: prog --trace=syscall \"a b\"  \n"
                                  "expect syscall   # not a comment: a bad predicate\n",
                                  "r.expect", err, sizeof err),
                     -1);
    ck_assert_int_eq(expect_parse(&s, "# c\nrun: prog --trace=syscall \"a b\"\nexpect syscall\n",
                                  "r.expect", err, sizeof err),
                     0);
    ck_assert_uint_eq(s.run_line, 2);
    ck_assert_int_eq(s.argc, 3);
    ck_assert_str_eq(s.argv[0], "prog");
    ck_assert_str_eq(s.argv[1], "--trace=syscall");
    ck_assert_str_eq(s.argv[2], "a b");
    ck_assert_ptr_null(s.argv[3]);
    ck_assert_uint_eq(s.nsteps, 1);
    ck_assert_uint_eq(s.steps[0].line, 3);
    expect_free(&s);
}
END_TEST

START_TEST(ordered_expectations)
{
    ck_assert_msg(run_script("expect insn cpl=3\n"
                             "expect syscall name=write cpl=3->0\n"
                             "expect mem op=write va=0x7ffe0000/0xffff0000\n"
                             "expect sysret result=-14 errno=EFAULT cpl=0->3\n"
                             "expect exception vector=14 error_words=\"NP W U\" cr2=0xd0000..0xdffff\n"),
                  "%s", msg);
    /* Order matters: the exception is after the sysret. */
    ck_assert(!run_script("expect exception vector=14\nexpect sysret\n"));
    ck_assert_int_eq(parse_status, 0);
    ck_assert_msg(strstr(msg, "t.expect:2: expect sysret\n  failed: no matching event at or "
                              "after #8 (of 8 events)"),
                  "%s", msg);
}
END_TEST

START_TEST(wildcards_negation_and_any_kind)
{
    ck_assert_msg(run_script("expect insn sym=kernel:*\nexpect * name=wr?te\n"), "%s", msg);
    ck_assert_msg(run_script("expect insn sym!=main*\n"), "%s", msg);
    ck_assert_msg(run_script("expect syscall step=2\n"), "%s", msg);
    ck_assert(!run_script("expect syscall name!=write\n"));
    ck_assert(!run_script("expect exception vector=0xf\n"));
    ck_assert_msg(run_script("expect exception vector=0xe\n"), "%s", msg);
    /* A missing field never matches, not even with != */
    ck_assert(!run_script("expect insn nosuchfield!=1\n"));
}
END_TEST

START_TEST(counts)
{
    ck_assert_msg(run_script("expect 2 syscall name=write\n"), "%s", msg);
    ck_assert(!run_script("expect 3 syscall name=write\n"));
    ck_assert_msg(strstr(msg, "t.expect:1: expect 3 syscall name=write\n"
                              "  failed: found 2 of 3 matching events; no matching event at "
                              "or after #6"),
                  "%s", msg);
    /* The second count starts after the first one's last match. */
    ck_assert(!run_script("expect 2 syscall\nexpect syscall\n"));
}
END_TEST

START_TEST(never_between_expects)
{
    ck_assert_msg(run_script("expect insn cpl=3\nnever exception\nexpect sysret\n"), "%s", msg);
    ck_assert(!run_script("expect insn cpl=3\nnever walk\nexpect sysret\n"));
    ck_assert_msg(strstr(msg, "t.expect:2: never walk\n  failed: event #3 matches, between "
                              "#1 and #6:\n  ! #3 walk step=1 va=0x7ffe1234 pa=0x235234\n"),
                  "%s", msg);
    /* A never after the last expect covers the rest of the trace. */
    ck_assert(!run_script("expect sysret\nnever exception vector=14\n"));
    ck_assert_msg(strstr(msg, "t.expect:2: never exception vector=14"), "%s", msg);
    ck_assert_msg(run_script("expect sysret\nnever exception vector=13\n"), "%s", msg);
    /* A never before the first expect starts at the beginning. */
    ck_assert(!run_script("never syscall\nexpect sysret\n"));
}
END_TEST

START_TEST(captures)
{
    ck_assert_msg(run_script("expect walk va=0x7ffe1234 $frame=pa\n"
                             "expect mem op=write pa=$frame\n"),
                  "%s", msg);
    ck_assert(!run_script("expect walk $frame=va\nexpect mem op=write pa=$frame\n"));
    ck_assert_msg(strstr(msg, "t.expect:2:"), "%s", msg);
    /* Captured text compares as text. */
    ck_assert_msg(run_script("expect syscall $n=name\nexpect sysret name=$n\n"), "%s", msg);
    /* Capturing a field the event lacks makes the pattern not match. */
    ck_assert(!run_script("expect walk $x=nosuch\n"));
}
END_TEST

START_TEST(failure_report_shows_nearest_events)
{
    ck_assert(!run_script("expect syscall\nexpect mem op=write va=0x7ffe1234 size=4\n"));
    /* The line, where the search started, the best partial match (2 of 3
     * predicates) and the events around the start. */
    ck_assert_msg(strstr(msg, "t.expect:2: expect mem op=write va=0x7ffe1234 size=4\n"), "%s", msg);
    ck_assert_msg(strstr(msg, "no matching event at or after #2"), "%s", msg);
    ck_assert_msg(strstr(msg, "nearest candidates"), "%s", msg);
    ck_assert_msg(strstr(msg, "2/3 #4 mem step=1 op=write va=0x7ffe1234 pa=0x235234 size=8 "
                              "value=0x6968\n"),
                  "%s", msg);
    ck_assert_msg(strstr(msg, "events around #2 (where the search started):\n"), "%s", msg);
    ck_assert_msg(strstr(msg, "  > #2 insn step=1 cpl=0"), "%s", msg);
    /* A kind that never occurs says so. */
    ck_assert(!run_script("expect port\n"));
    ck_assert_msg(strstr(msg, "no event of that kind at or after #0"), "%s", msg);
}
END_TEST

static bool collect_steps(void *ctx, size_t i, const struct trace_event *e)
{
    (void)i;
    uint64_t *sum = ctx;
    *sum += e->step + 1;
    return true;
}

START_TEST(query_api)
{
    size_t i = trace_find(&rec, 0, "syscall name=write");
    ck_assert_uint_eq(i, 1);
    ck_assert_uint_eq(trace_find(&rec, i + 1, "syscall name=write"), 5);
    ck_assert_uint_eq(trace_find(&rec, 6, "syscall"), TRACE_NOT_FOUND);
    ck_assert_uint_eq(trace_find_last(&rec, rec.count, "insn"), 2);
    ck_assert_uint_eq(trace_count(&rec, "syscall"), 2);
    ck_assert_uint_eq(trace_count(&rec, "* cpl=3->0"), 3);
    ck_assert_uint_eq(trace_count_range(&rec, 0, 3, "*"), 3);
    uint64_t v;
    size_t pf = trace_find(&rec, 0, "exception vector=14");
    ck_assert(trace_get_u64(&rec, pf, "cr2", &v));
    ck_assert_uint_eq(v, 0xdead0);
    ck_assert(!trace_get_u64(&rec, pf, "error_words", &v));
    char buf[64];
    ck_assert_str_eq(trace_get_text(&rec, pf, "error_words", buf, sizeof buf), "NP W U");
    ck_assert_str_eq(trace_get_text(&rec, pf, "cpl", buf, sizeof buf), "3->0");
    ck_assert_str_eq(trace_get_text(&rec, pf, "missing", buf, sizeof buf), "");
    uint64_t sum = 0;
    trace_foreach(&rec, "syscall", collect_steps, &sum);
    ck_assert_uint_eq(sum, (0 + 1) + (2 + 1));
    /* A pattern that does not parse matches nothing (and says why on stderr). */
    ck_assert_uint_eq(trace_find(&rec, 0, "sycall"), TRACE_NOT_FOUND);
}
END_TEST

int main(void)
{
    build_trace();
    Suite *s = suite_create("trace_expect");
    TCase *tc = tcase_create("expect");
    tcase_add_test(tc, parse_errors);
    tcase_add_test(tc, run_line_and_comments);
    tcase_add_test(tc, ordered_expectations);
    tcase_add_test(tc, wildcards_negation_and_any_kind);
    tcase_add_test(tc, counts);
    tcase_add_test(tc, never_between_expects);
    tcase_add_test(tc, captures);
    tcase_add_test(tc, failure_report_shows_nearest_events);
    tcase_add_test(tc, query_api);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    trace_recording_free(&rec);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
