/* test_engine.c — the fast tiers (cpu/run.c: decoded blocks, and
 * cpu/jit.c: blocks translated into host code when hot) against the plain
 * interpreter, which is the oracle: the same program is booted three
 * times, with RINGSCOPE_ENGINE=interp, =blocks and the default (fast),
 * and everything a guest or a watcher could see must be the same — exit
 * status, stdout, stderr and kernel log, the whole saved CPU state
 * (registers, RIP, RFLAGS, icount, exception counts by vector...), the
 * MMU's saved state (TLB entries, victims, hit/miss/walk/flush counters,
 * frames marked as code), the devices' state and all of guest RAM (page
 * tables with their A/D bits included).  Interrupts must arrive at the same
 * instruction: the traces of syscalls, exceptions, interrupts and OS events
 * (each line carries its instruction count) are compared byte for byte.
 *
 * Programs: the bundled ones, and a probe compiled with musl and glibc
 * (native output is the oracle for it too) that rewrites code it runs
 * (also inside the block that is running), runs an instruction that
 * crosses a page boundary, maps a new page under code it executed, faults
 * in the middle of straight-line code (SIGSEGV handler, siglongjmp), and
 * computes long enough for timer interrupts to land inside blocks.  Runs
 * stopped by a budget (machine_step), breakpoints (the per-instruction
 * path) and a mix of the two are compared state for state. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "cpu/cpu.h"
#include "cpu/dcache.h"
#include "engine_outcome.h"
#include "linux_oracle.h"

/* The tiers: the plain interpreter (the oracle), blocks interpreted, and
 * blocks translated when hot (the default). */
#define NENGINES 3
static const char *const engines[NENGINES] = {"interp", "blocks", "fast"};

static struct machine *boot(const char *engine, const char *path, int argc, char *const *argv, uint64_t ram)
{
    ck_assert_int_eq(setenv("RINGSCOPE_ENGINE", engine, 1), 0);
    struct machine_config c = {.ram_size = ram, .input_ends = true};
    return oracle_boot(path, argc, argv, c);
}

/* Every tier against the interpreter; blocks never translated, and the
 * default tier did. */
static void assert_same_all(struct engine_outcome *o, const char *what)
{
    ck_assert_msg(o[0].blocks_built == 0, "%s: RINGSCOPE_ENGINE=interp built blocks", what);
    for (int k = 1; k < NENGINES; k++) {
        ck_assert_msg(o[k].blocks_built > 0, "%s: RINGSCOPE_ENGINE=%s never ran a block", what, engines[k]);
        engine_outcome_assert_same(&o[0], engines[0], &o[k], engines[k], what);
    }
    ck_assert_msg(o[1].translated == 0, "%s: RINGSCOPE_ENGINE=blocks translated %llu blocks", what,
                  (unsigned long long)o[1].translated);
    ck_assert_msg(o[0].icount < 1000000 || o[2].translated > 0, "%s: %llu instructions and no block translated",
                  what, (unsigned long long)o[0].icount);
    for (int k = 0; k < NENGINES; k++)
        engine_outcome_free(&o[k]);
}

/* Run path to its exit under every engine and compare. */
static void compare_to_exit(const char *path, int argc, char *const *argv, uint64_t ram)
{
    struct engine_outcome o[NENGINES];
    for (int k = 0; k < NENGINES; k++) {
        struct machine *m = boot(engines[k], path, argc, argv, ram);
        int64_t st = oracle_run_to_exit(m);
        o[k] = engine_outcome_capture(m, st);
        machine_free(m);
    }
    assert_same_all(o, path);
}

/* ---- the bundled programs ------------------------------------------------ */

static const struct {
    const char *name;
    uint64_t ram;
} bundled[] = {
    {"hello", 0},  {"stack", 0},      {"heap", 0},       {"arena", 0},       {"pool", 0},
    {"vmem", 0},   {"isolation", 0},  {"threads", 0},    {"overflow", 0},    {"kernelpeek", 0},
    {"privileged", 0}, {"pagefile", 16ull << 20}, /* swaps: code pages leave and come back elsewhere */
};
#define NBUNDLED (sizeof bundled / sizeof bundled[0])

START_TEST(bundled_programs_run_the_same_on_both_engines)
{
    char path[256];
    snprintf(path, sizeof path, "build/programs/%s", bundled[_i].name);
    compare_to_exit(path, 0, NULL, bundled[_i].ram);
}
END_TEST

/* ---- the probe: SMC, page crossing, remapping, faults, long compute ------ */

static const char probe_src[] =
    "#define _GNU_SOURCE\n"
    "#include <setjmp.h>\n"
    "#include <signal.h>\n"
    "#include <stdint.h>\n"
    "#include <stdio.h>\n"
    "#include <string.h>\n"
    "#include <sys/mman.h>\n"
    "typedef int (*fn)(void);\n"
    "static sigjmp_buf env;\n"
    "static void on_segv(int sig) { (void)sig; siglongjmp(env, 1); }\n"
    "static uint8_t *rwx(size_t n, void *at) {\n"
    "    void *p = mmap(at, n, PROT_READ | PROT_WRITE | PROT_EXEC,\n"
    "                   MAP_PRIVATE | MAP_ANONYMOUS | (at ? MAP_FIXED : 0), -1, 0);\n"
    "    return p == MAP_FAILED ? NULL : p;\n"
    "}\n"
    "int main(void) {\n"
    "    uint8_t *page = rwx(8192, NULL);\n"
    "    if (!page) { puts(\"no rwx\"); return 1; }\n"
    /* 1. rewrite an immediate between calls */
    "    static const uint8_t ret_imm[] = {0xb8, 0, 0, 0, 0, 0xc3}; /* mov eax, imm32; ret */\n"
    "    memcpy(page, ret_imm, sizeof ret_imm);\n"
    "    long sum = 0;\n"
    "    for (int i = 0; i < 300; i++) { memcpy(page + 1, &i, 4); sum += ((fn)page)(); }\n"
    "    printf(\"rewritten between calls: %ld\\n\", sum);\n"
    /* 2. code that patches the instruction right after it, in its own block */
    "    static const uint8_t self[] = {0xc6, 0x05, 0x01, 0x00, 0x00, 0x00, 0x2a, /* mov byte [rip+1], 42 */\n"
    "                                   0xb8, 0x07, 0x00, 0x00, 0x00, 0xc3};      /* mov eax, 7; ret */\n"
    "    memcpy(page + 64, self, sizeof self);\n"
    "    printf(\"patched ahead in the block: %d\\n\", ((fn)(page + 64))());\n"
    "    memcpy(page + 64, self, sizeof self);\n"
    "    printf(\"and again after a reset: %d\\n\", ((fn)(page + 64))());\n"
    /* 3. an instruction crossing the page boundary: mov eax, imm32 at 4093 */
    "    memset(page + 4000, 0x90, 93);\n"
    "    static const uint8_t cross[] = {0xb8, 0x44, 0x33, 0x22, 0x11, 0x05, 0x01, 0, 0, 0, 0xc3}; /* +add eax,1 */\n"
    "    memcpy(page + 4093, cross, sizeof cross);\n"
    "    long x = 0;\n"
    "    for (int i = 0; i < 200; i++) x += ((fn)(page + 4000))();\n"
    "    page[4094] = 0x55;\n"
    "    x += ((fn)(page + 4000))();\n"
    "    printf(\"across the page boundary: %lx\\n\", x);\n"
    /* 4. a new page mapped under code that ran */
    "    static const uint8_t one[] = {0xb8, 1, 0, 0, 0, 0xc3}, two[] = {0x90, 0xb8, 2, 0, 0, 0, 0xc3};\n"
    "    uint8_t *p2 = rwx(4096, NULL);\n"
    "    memcpy(p2, one, sizeof one);\n"
    "    int a = ((fn)p2)();\n"
    "    uint8_t *p3 = rwx(4096, p2);\n"
    "    int b = p3 == p2 ? (memcpy(p3, two, sizeof two), ((fn)p3)()) : -1;\n"
    "    printf(\"remapped under executed code: %d %d\\n\", a, b);\n"
    /* 5. faults in the middle of straight-line code */
    "    signal(SIGSEGV, on_segv);\n"
    "    volatile long acc = 0;\n"
    "    int faults = 0;\n"
    "    for (int i = 0; i < 50; i++) {\n"
    "        if (sigsetjmp(env, 1)) { faults++; continue; }\n"
    "        acc += i; acc ^= acc << 3; acc += *(volatile long *)(uintptr_t)(16 + i * 8); acc++;\n"
    "    }\n"
    "    printf(\"faults in mid-block: %d, acc %ld\\n\", faults, (long)acc);\n"
    /* 6. compute long enough for timer interrupts inside blocks */
    "    uint64_t h = 1469598103934665603ull;\n"
    "    for (uint32_t i = 0; i < 3000000; i++) { h ^= i & 0xff; h *= 1099511628211ull; h += h >> 29; }\n"
    "    printf(\"hash %llx\\n\", (unsigned long long)h);\n"
    "    return 0;\n"
    "}\n";

START_TEST(probe_runs_the_same_natively_and_on_both_engines)
{
    const char *path = _i == 0 ? oracle_musl("engine_probe", probe_src) : oracle_glibc("engine_probe_g", probe_src);
    struct machine *m = oracle_same_as_native(path, 0, NULL, NULL, 0);
    machine_free(m);
    compare_to_exit(path, 0, NULL, 0);
}
END_TEST

/* The whole file, NUL-terminated; *len its length. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 > cap) {
            cap = cap ? cap * 2 : 65536;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
        size_t got = fread(buf + n, 1, 4096, f);
        n += got;
        if (!got)
            break;
    }
    fclose(f);
    buf[n] = 0; /* room is left: cap >= n + 4096 */
    *len = n;
    return buf;
}

/* ---- the benchmarks: vectorised and string code, musl and glibc ---------- */

/* bench/intmix.c (CoreMark's kernels, which gcc vectorises with SSE2) and
 * bench/strings.c (glibc's SSE2/SSE4.2 string functions, printf, malloc),
 * built with both libcs: the same output as natively and the same machine
 * under every tier — the translated SSE, string and call-heavy code. */
static const struct {
    const char *name, *arg;
} benches[] = {{"intmix", "200"}, {"strings", "1"}};


START_TEST(benchmarks_run_the_same_natively_and_on_every_tier)
{
    char path[64], name[64];
    const unsigned which = (unsigned)_i / 2;
    snprintf(path, sizeof path, "bench/%s.c", benches[which].name);
    snprintf(name, sizeof name, "engine_%s_%s", benches[which].name, _i % 2 ? "glibc" : "musl");
    size_t len;
    char *src = read_file(path, &len);
    const char *exe = _i % 2 ? oracle_glibc(name, src) : oracle_musl(name, src);
    free(src);
    char *argv[] = {(char *)benches[which].arg};
    struct machine *m = oracle_same_as_native(exe, 1, argv, NULL, 0);
    machine_free(m);
    compare_to_exit(exe, 1, argv, 0);
}
END_TEST

/* ---- traces of rare events: interrupts at the same instruction ----------- */


/* `ringscope run --stats --trace=KINDS` under one engine: the trace file and
 * the stats (without the host-time line). */
static void traced_run(const char *engine, const char *kinds, const char *program, const char *tag, char **trace,
                       size_t *trace_len, char **stats, size_t *stats_len)
{
    char tpath[512], spath[512], cmd[4096];
    snprintf(tpath, sizeof tpath, "%s/%s-%s.trace", oracle_workdir(), tag, engine);
    snprintf(spath, sizeof spath, "%s/%s-%s.stats", oracle_workdir(), tag, engine);
    snprintf(cmd, sizeof cmd,
             "RINGSCOPE_ENGINE=%s %s run --stats --trace=%s --trace-file %s %s </dev/null >/dev/null 2>%s.raw;"
             " grep -v 'host time' %s.raw > %s",
             engine, oracle_ringscope(), kinds, tpath, program, spath, spath, spath);
    int r = system(cmd);
    ck_assert_msg(r != -1 && WIFEXITED(r), "%s", cmd);
    *trace = read_file(tpath, trace_len);
    *stats = read_file(spath, stats_len);
}

/* Kinds that leave the fast engine on (no instruction, memory, TLB or port
 * events are asked for). */
static const char *const trace_kinds[] = {
    "syscall,sysret,exception,interrupt,iret,os",
    "exception,interrupt,log",
};

START_TEST(traces_of_rare_events_are_byte_identical)
{
    const char *program = oracle_musl("engine_probe_t", probe_src);
    char *t[NENGINES], *s[NENGINES];
    size_t tl[NENGINES], sl[NENGINES];
    for (int k = 0; k < NENGINES; k++)
        traced_run(engines[k], trace_kinds[_i], program, _i ? "faults" : "events", &t[k], &tl[k], &s[k], &sl[k]);
    ck_assert_msg(tl[0] > 1000, "the trace has only %zu bytes", tl[0]);
    for (int k = 1; k < NENGINES; k++) {
        ck_assert_msg(tl[0] == tl[k] && !memcmp(t[0], t[k], tl[0]), "--trace=%s differs between interp and %s",
                      trace_kinds[_i], engines[k]);
        ck_assert_msg(sl[0] == sl[k] && !memcmp(s[0], s[k], sl[0]), "--stats differ between interp and %s:\n%s\n%s",
                      engines[k], s[0], s[k]);
    }
    for (int k = 0; k < NENGINES; k++)
        free(t[k]), free(s[k]);
}
END_TEST

/* ---- budgets, breakpoints and switching paths mid-run -------------------- */

/* All before hello's exit: in the kernel's boot, and (the last two) in
 * hello's own ring-3 code, which runs from about instruction 64000 to 71000
 * on the kernel of this tree. */
static const uint64_t budgets[] = {1, 2, 3, 17, 1000, 4321, 33333, 65536, 68000};
#define NBUDGETS (sizeof budgets / sizeof budgets[0])

START_TEST(a_budget_stops_both_engines_at_the_same_instruction)
{
    struct engine_outcome o[NENGINES];
    for (int k = 0; k < NENGINES; k++) {
        struct machine *m = boot(engines[k], "build/programs/hello", 0, NULL, 0);
        struct machine_stop st = machine_step(m, budgets[_i]);
        ck_assert_int_eq(st.event, MEV_BUDGET);
        o[k] = engine_outcome_capture(m, 0);
        machine_free(m);
    }
    ck_assert_uint_eq(o[0].icount, budgets[_i]);
    assert_same_all(o, "hello, stepped");
}
END_TEST

START_TEST(breakpoints_and_budgets_interleave_the_same)
{
    /* The breakpoint address: where the interpreter is after 90000
     * instructions of a first run. */
    struct machine *m = boot("interp", "build/programs/threads", 0, NULL, 0);
    machine_step(m, 90000);
    uint64_t bp = machine_cpu(m)->rip;
    machine_free(m);

    struct engine_outcome o[NENGINES];
    for (int k = 0; k < NENGINES; k++) {
        m = boot(engines[k], "build/programs/threads", 0, NULL, 0);
        machine_step(m, 50000);                        /* fast path (no instruction watcher) */
        struct machine_until u = {.breakpoints = &bp, .nbreakpoints = 1, .vector = -1, .max_insns = 10000000};
        struct machine_stop st = machine_run(m, &u);  /* per-instruction path */
        ck_assert_int_eq(st.event, MEV_BREAKPOINT);
        machine_step(m, 77777);                        /* fast again */
        struct machine_until v = {.vector = 32, .max_insns = 50000000};
        machine_run(m, &v);                            /* until the next timer interrupt */
        o[k] = engine_outcome_capture(m, 0);
        machine_free(m);
    }
    assert_same_all(o, "threads: steps, a breakpoint, a timer interrupt");
}
END_TEST

START_TEST(unknown_engine_name_is_reported_and_runs_fast)
{
    char cmd[1024], out[512] = "";
    snprintf(cmd, sizeof cmd, "RINGSCOPE_ENGINE=turbo %s run hello 2>&1 </dev/null", oracle_ringscope());
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_msg(strstr(out, "RINGSCOPE_ENGINE=turbo: expected interp, blocks or fast") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "hello from ring 3") != NULL, "%s", out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("fast engine = interpreter");
    tcase_set_timeout(tc, 600);
    tcase_add_checked_fixture(tc, NULL, oracle_cleanup);
    tcase_add_loop_test(tc, bundled_programs_run_the_same_on_both_engines, 0, NBUNDLED);
    tcase_add_loop_test(tc, probe_runs_the_same_natively_and_on_both_engines, 0, 2);
    tcase_add_loop_test(tc, benchmarks_run_the_same_natively_and_on_every_tier, 0, 2 * (int)(sizeof benches / sizeof benches[0]));
    tcase_add_loop_test(tc, traces_of_rare_events_are_byte_identical, 0, 2);
    tcase_add_loop_test(tc, a_budget_stops_both_engines_at_the_same_instruction, 0, NBUDGETS);
    tcase_add_test(tc, breakpoints_and_budgets_interleave_the_same);
    tcase_add_test(tc, unknown_engine_name_is_reported_and_runs_fast);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    oracle_cleanup();
    return failed ? 1 : 0;
}
