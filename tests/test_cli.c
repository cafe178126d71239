/* test_cli.c — `ringscope run` from the outside: every kind of bad input
 * gets one line on stderr starting "ringscope: " and exit status 2, and the
 * happy paths (console in and out, exit status, triple fault, budget,
 * --stats, --kernel-log, --help) behave as documented in app/main.c.
 *
 * The binary under test is ../ringscope relative to this test binary
 * (build/ringscope for build/tests/test_cli, build/asan/ringscope under
 * make asan-test).  Guest kernels are the small ones in tests/guests-elf;
 * programs are built here with musl-gcc -static / gcc. */
#include <check.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/guest_elf.h"

static char ringscope[PATH_MAX + 16];
static char tmpdir[64];
static char prog[PATH_MAX]; /* a static musl program (tmpdir/prog) */

struct result {
    int status;
    char out[8192];
    char err[8192];
};

static void slurp(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, len - 1, f) : 0;
    buf[n] = 0;
    if (f)
        fclose(f);
}

/* Run `ringscope ARGS` (a shell fragment) with stdin from `input`. */
static void run(struct result *r, const char *input, const char *fmt, ...)
{
    char args[2048], cmd[3 * PATH_MAX + 4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "printf '%%s' '%s' | %s %s >%s/out 2>%s/err", input ? input : "", ringscope,
             args, tmpdir, tmpdir);
    int st = system(cmd);
    ck_assert_msg(WIFEXITED(st), "%s did not exit normally (signal?)", cmd);
    r->status = WEXITSTATUS(st);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/out", tmpdir);
    slurp(path, r->out, sizeof r->out);
    snprintf(path, sizeof path, "%s/err", tmpdir);
    slurp(path, r->err, sizeof r->err);
}

/* A bad-input run: status 2, exactly one stderr line, equal to expect. */
static void expect_error(const struct result *r, const char *expect)
{
    ck_assert_msg(r->status == 2, "exit status %d (stderr: %s)", r->status, r->err);
    char line[8192];
    snprintf(line, sizeof line, "%s\n", expect);
    ck_assert_str_eq(r->err, line);
    ck_assert_str_eq(r->out, "");
}

static const char *kernel(const char *name)
{
    static char path[4][PATH_MAX];
    static int next;
    char *p = path[next++ & 3];
    ck_assert_int_eq(guest_elf_build(name, p, PATH_MAX), 0);
    return p;
}

static void compile(const char *cc, const char *source, const char *out)
{
    char cmd[2 * PATH_MAX];
    snprintf(cmd, sizeof cmd, "printf '%%s\\n' '%s' > %s/src.c && %s -o %s %s/src.c", source, tmpdir, cc,
             out, tmpdir);
    ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

static void setup(void)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    ck_assert_int_gt(n, 0);
    self[n] = 0;
    *strrchr(self, '/') = 0; /* BUILD/tests */
    *strrchr(self, '/') = 0; /* BUILD */
    snprintf(ringscope, sizeof ringscope, "%s/ringscope", self);
    ck_assert_msg(access(ringscope, X_OK) == 0, "%s is missing: make it first", ringscope);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/rs-cli-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(prog, sizeof prog, "%s/prog", tmpdir);
    compile("musl-gcc -static", "int main(void){return 0;}", prog);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

/* ---- bad input: one line, exit status 2, never a crash ---- */

START_TEST(missing_program_file)
{
    struct result r;
    run(&r, NULL, "run --kernel %s /nonexistent/prog", kernel("hello"));
    expect_error(&r, "ringscope: /nonexistent/prog: cannot open: No such file or directory");
}
END_TEST

START_TEST(unreadable_program)
{
    struct result r;
    run(&r, NULL, "run --kernel %s %s", kernel("hello"), tmpdir);
    char expect[256];
    snprintf(expect, sizeof expect, "ringscope: %s: not a regular file", tmpdir);
    expect_error(&r, expect);
}
END_TEST

START_TEST(unknown_bundled_program)
{
    struct result r;
    run(&r, NULL, "run --kernel %s no-such-program-xyz", kernel("hello"));
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "ringscope: no-such-program-xyz: no bundled program of that name"), "%s", r.err);
}
END_TEST

START_TEST(not_an_elf)
{
    struct result r;
    char path[PATH_MAX], expect[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/script.sh", tmpdir);
    FILE *f = fopen(path, "w");
    fputs("#!/bin/sh\necho hi\n", f);
    fclose(f);
    run(&r, NULL, "run --kernel %s %s", kernel("hello"), path);
    snprintf(expect, sizeof expect, "ringscope: %s: not an ELF file (no \\x7fELF magic)", path);
    expect_error(&r, expect);
}
END_TEST

/* Patch one byte range of the static program into a new file. */
static void patched(const char *name, long off, const void *bytes, size_t n, char *out)
{
    char cmd[3 * PATH_MAX];
    snprintf(out, PATH_MAX, "%s/%s", tmpdir, name);
    snprintf(cmd, sizeof cmd, "cp %s %s", prog, out);
    ck_assert_int_eq(system(cmd), 0);
    FILE *f = fopen(out, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, off, SEEK_SET);
    fwrite(bytes, 1, n, f);
    fclose(f);
}

START_TEST(not_elf64)
{
    struct result r;
    char path[PATH_MAX], expect[PATH_MAX + 128];
    patched("elf32", 4 /* EI_CLASS */, "\x01", 1, path);
    run(&r, NULL, "run --kernel %s %s", kernel("hello"), path);
    snprintf(expect, sizeof expect,
             "ringscope: %s: 32-bit ELF (ELFCLASS32): ringscope runs x86-64 ELF64 binaries", path);
    expect_error(&r, expect);
}
END_TEST

START_TEST(not_x86_64)
{
    struct result r;
    char path[PATH_MAX], expect[PATH_MAX + 128];
    patched("arm64", 18 /* e_machine */, "\xb7\x00", 2, path); /* EM_AARCH64 = 183 */
    run(&r, NULL, "run --kernel %s %s", kernel("hello"), path);
    snprintf(expect, sizeof expect, "ringscope: %s: not an x86-64 binary (e_machine 183; expected 62, EM_X86_64)",
             path);
    expect_error(&r, expect);
}
END_TEST

START_TEST(dynamically_linked)
{
    struct result r;
    char path[PATH_MAX], expect[PATH_MAX + 256];
    snprintf(path, sizeof path, "%s/dynamic", tmpdir);
    compile("gcc", "int main(void){return 0;}", path);
    run(&r, NULL, "run --kernel %s %s", kernel("hello"), path);
    snprintf(expect, sizeof expect,
             "ringscope: %s: dynamically linked (needs /lib64/ld-linux-x86-64.so.2): needs a static binary: "
             "rebuild with musl-gcc -static or gcc -static", path);
    expect_error(&r, expect);
}
END_TEST

START_TEST(program_larger_than_ram)
{
    struct result r;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/huge", tmpdir);
    compile("musl-gcc -static", "static char big[48 << 20]; int main(void){return big[12345];}", path);
    run(&r, NULL, "run --kernel %s --ram 32M %s", kernel("hello"), path);
    ck_assert_int_eq(r.status, 2);
    char expect[PATH_MAX + 64];
    snprintf(expect, sizeof expect, "ringscope: %s: the program needs 49 MiB", path);
    ck_assert_msg(strncmp(r.err, expect, strlen(expect)) == 0, "%s", r.err);
    ck_assert_msg(strstr(r.err, "but the guest has 32 MiB of RAM: use --ram"), "%s", r.err);
    ck_assert_ptr_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);
    /* With enough RAM the same program boots. */
    run(&r, NULL, "run --kernel %s --ram 128M %s", kernel("hello"), path);
    ck_assert_int_eq(r.status, 0);
}
END_TEST

START_TEST(unknown_option)
{
    struct result r;
    run(&r, NULL, "run --frobnicate %s", prog);
    expect_error(&r, "ringscope: unknown option --frobnicate (see ringscope run --help)");
    run(&r, NULL, "frobnicate");
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strncmp(r.err, "ringscope: unknown command frobnicate", 37) == 0, "%s", r.err);
    run(&r, NULL, "run --ram");
    expect_error(&r, "ringscope: --ram needs a value (see ringscope run --help)");
    run(&r, NULL, "run --kernel %s", kernel("hello"));
    expect_error(&r, "ringscope: run: no PROGRAM given (usage: ringscope run [OPTIONS] PROGRAM [ARGS...])");
}
END_TEST

START_TEST(malformed_keys)
{
    struct result r;
    run(&r, NULL, "run --kernel %s --keys '@1ms a down, @2ms nosuchkey up' %s", kernel("hello"), prog);
    expect_error(&r, "ringscope: --keys: entry 2: unknown key name 'nosuchkey'");
    run(&r, NULL, "run --kernel %s --keys-file /nonexistent/keys %s", kernel("hello"), prog);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strncmp(r.err, "ringscope: --keys-file: ", 24) == 0 && strstr(r.err, "/nonexistent/keys"),
                  "%s", r.err);
    /* A good script is accepted. */
    run(&r, NULL, "run --kernel %s --keys '@1ms space press' %s", kernel("hello"), prog);
    ck_assert_int_eq(r.status, 0);
}
END_TEST

START_TEST(ram_too_small_for_kernel)
{
    struct result r;
    const char *k = kernel("big"); /* 16 MiB of bss above 1 MiB */
    run(&r, NULL, "run --kernel %s --ram 8M %s", k, prog);
    char expect[PATH_MAX + 256];
    snprintf(expect, sizeof expect,
             "ringscope: --ram: 8 MiB is too small for the kernel %s (it loads up to physical 0x1101000): use --ram 19M or more",
             k);
    expect_error(&r, expect);
}
END_TEST

START_TEST(bad_ram_syntax)
{
    struct result r;
    run(&r, NULL, "run --ram 12Q %s", prog);
    expect_error(&r, "ringscope: --ram 12Q: expected a size like 64M or 1G (at most 64G)");
    run(&r, NULL, "run --ram=-5M %s", prog);
    expect_error(&r, "ringscope: --ram -5M: expected a size like 64M or 1G");
    run(&r, NULL, "run --ram 1M %s", prog);
    expect_error(&r, "ringscope: --ram 1M: the guest needs at least 2M of RAM");
    run(&r, NULL, "run --ram 99999999999999999999G %s", prog);
    expect_error(&r, "ringscope: --ram 99999999999999999999G: expected a size like 64M or 1G (at most 64G)");
    run(&r, NULL, "run --ram 4000001 %s", prog);
    expect_error(&r, "ringscope: --ram 4000001: not a whole number of 4 KiB pages");
}
END_TEST

START_TEST(bad_files_and_numbers)
{
    struct result r;
    run(&r, NULL, "run --kernel %s --file /nonexistent/data %s", kernel("hello"), prog);
    expect_error(&r, "ringscope: --file /nonexistent/data: cannot open: No such file or directory");
    run(&r, NULL, "run --kernel %s --file %s: %s", kernel("hello"), prog, prog);
    ck_assert_int_eq(r.status, 2);
    run(&r, NULL, "run --kernel %s --max-insns 12x %s", kernel("hello"), prog);
    expect_error(&r, "ringscope: --max-insns 12x: expected a positive number");
    run(&r, NULL, "run --kernel %s --disk /nonexistent/disk.img %s", kernel("hello"), prog);
    expect_error(&r, "ringscope: --disk: cannot open disk image /nonexistent/disk.img: No such file or directory");
    run(&r, NULL, "run --kernel /nonexistent/kernel.elf %s", prog);
    expect_error(&r, "ringscope: kernel /nonexistent/kernel.elf: cannot open: No such file or directory");
}
END_TEST

/* ---- what a good run does ---- */

START_TEST(console_output_and_exit_status)
{
    struct result r;
    run(&r, NULL, "run --kernel %s %s arg1 arg2", kernel("hello"), prog);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "hello from the test kernel: init=/bin/prog\n");
    ck_assert_str_eq(r.err, ""); /* the kernel log stays quiet without --kernel-log */
    run(&r, NULL, "run --kernel %s --kernel-log %s", kernel("hello"), prog);
    ck_assert_str_eq(r.err, "test kernel log\n");
    run(&r, NULL, "run --kernel %s %s", kernel("status"), prog);
    ck_assert_int_eq(r.status, 139); /* 0x18B & 0xFF */
}
END_TEST

START_TEST(stdin_feeds_the_uart)
{
    struct result r;
    run(&r, "hello, guest.", "run --kernel %s %s", kernel("echo"), prog);
    ck_assert_str_eq(r.out, "hello, guest.");
    ck_assert_int_eq(r.status, 13);
}
END_TEST

/* With the real kernel: when host stdin ends, the UART's carrier drops
 * after the guest read the last byte, and the guest's read() returns 0. */
START_TEST(end_of_stdin_reaches_the_guest)
{
    struct result r;
    run(&r, "two words\n", "run /bin/busybox wc -w");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "2\n");
}
END_TEST

START_TEST(machine_failures_have_their_own_status)
{
    struct result r;
    run(&r, NULL, "run --kernel %s %s", kernel("triple"), prog);
    ck_assert_int_eq(r.status, 125);
    ck_assert_str_eq(r.err, "ringscope: guest triple fault at RIP 0xffffffff80100000 (CPL 0): the machine shut down\n");
    run(&r, NULL, "run --kernel %s %s", kernel("minimal"), prog);
    ck_assert_int_eq(r.status, 126);
    ck_assert_msg(strstr(r.err, "ringscope: guest halted with interrupts disabled at RIP 0xffffffff80100002"),
                  "%s", r.err);
    run(&r, NULL, "run --kernel %s --max-insns 5000 %s", kernel("spin"), prog);
    ck_assert_int_eq(r.status, 124);
    ck_assert_str_eq(r.err, "ringscope: stopped after 5000 instructions (--max-insns) at RIP 0xffffffff80100000\n");
}
END_TEST

START_TEST(stats_report)
{
    struct result r;
    run(&r, NULL, "run --kernel %s --stats --max-insns 100000 %s", kernel("spin"), prog);
    ck_assert_int_eq(r.status, 124);
    ck_assert_msg(strstr(r.err, "ringscope: instructions     100000\n"), "%s", r.err);
    ck_assert_msg(strstr(r.err, "ringscope: virtual time     0.000100 s (100000 ns"), "%s", r.err);
    ck_assert_msg(strstr(r.err, "MIPS"), "%s", r.err);
    ck_assert_msg(strstr(r.err, "hit rate"), "%s", r.err);
    ck_assert_msg(strstr(r.err, "page walks"), "%s", r.err);
    ck_assert_msg(strstr(r.err, "exceptions+irqs"), "%s", r.err);
}
END_TEST

START_TEST(help_and_version)
{
    struct result r;
    run(&r, NULL, "--version");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "ringscope 0.1.0\n");
    run(&r, NULL, "--help");
    ck_assert_int_eq(r.status, 0);
    ck_assert(strstr(r.out, "ringscope run [OPTIONS] PROGRAM [ARGS...]"));
    run(&r, NULL, "run --help");
    ck_assert_int_eq(r.status, 0);
    const char *options[] = {"--ram", "--kernel", "--keys", "--keys-file", "--disk", "--file",
                             "--max-insns", "--stats", "--kernel-log", "exit status"};
    for (size_t i = 0; i < sizeof options / sizeof *options; i++)
        ck_assert_msg(strstr(r.out, options[i]), "run --help does not mention %s", options[i]);
    run(&r, NULL, "");
    ck_assert_int_eq(r.status, 2);
    /* debug --help: the debugger's options, the machine options and the
     * tracing options it takes, nothing of run's that debug does not do. */
    run(&r, NULL, "debug --help");
    ck_assert_int_eq(r.status, 0);
    const char *debug_options[] = {"usage: ringscope debug", "--break", "--commands", "--batch", "--tui",
                                   "--screenshot", "--until", "--ram", "--kernel", "--keys", "--disk",
                                   "--file", "--max-insns", "--trace-file"};
    for (size_t i = 0; i < sizeof debug_options / sizeof *debug_options; i++)
        ck_assert_msg(strstr(r.out, debug_options[i]), "debug --help does not mention %s", debug_options[i]);
    const char *not_debug[] = {"--stats", "--kernel-log", "usage: ringscope run", "Host stdin feeds",
                               "124 --max-insns reached"};
    for (size_t i = 0; i < sizeof not_debug / sizeof *not_debug; i++)
        ck_assert_msg(!strstr(r.out, not_debug[i]), "debug --help mentions %s", not_debug[i]);
    /* debug without a program, or with run's reporting options: one line of
     * its own, status 2. */
    run(&r, NULL, "debug");
    expect_error(&r, "ringscope: debug: no PROGRAM given (usage: ringscope debug [DEBUG-OPTIONS] "
                     "[MACHINE-OPTIONS] PROGRAM [ARGS...])");
    run(&r, NULL, "debug --tui --ram 64M");
    expect_error(&r, "ringscope: debug: no PROGRAM given (usage: ringscope debug [DEBUG-OPTIONS] "
                     "[MACHINE-OPTIONS] PROGRAM [ARGS...])");
    run(&r, NULL, "debug --frobnicate %s", prog);
    expect_error(&r, "ringscope: unknown option --frobnicate (see ringscope debug --help)");
    run(&r, NULL, "debug --stats %s", prog);
    expect_error(&r, "ringscope: --stats is an option of ringscope run; the debugger shows the same in its panels");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *bad = tcase_create("bad input");
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_set_timeout(bad, 60);
    tcase_add_test(bad, missing_program_file);
    tcase_add_test(bad, unreadable_program);
    tcase_add_test(bad, unknown_bundled_program);
    tcase_add_test(bad, not_an_elf);
    tcase_add_test(bad, not_elf64);
    tcase_add_test(bad, not_x86_64);
    tcase_add_test(bad, dynamically_linked);
    tcase_add_test(bad, program_larger_than_ram);
    tcase_add_test(bad, unknown_option);
    tcase_add_test(bad, malformed_keys);
    tcase_add_test(bad, ram_too_small_for_kernel);
    tcase_add_test(bad, bad_ram_syntax);
    tcase_add_test(bad, bad_files_and_numbers);
    suite_add_tcase(s, bad);
    TCase *good = tcase_create("runs");
    tcase_add_checked_fixture(good, setup, teardown);
    tcase_set_timeout(good, 60);
    tcase_add_test(good, console_output_and_exit_status);
    tcase_add_test(good, stdin_feeds_the_uart);
    tcase_add_test(good, end_of_stdin_reaches_the_guest);
    tcase_add_test(good, machine_failures_have_their_own_status);
    tcase_add_test(good, stats_report);
    tcase_add_test(good, help_and_version);
    suite_add_tcase(s, good);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
