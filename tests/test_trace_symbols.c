/* test_trace_symbols.c — the symbolizer (trace/symbols.h) on an ELF this
 * test builds with gcc, checked against binutils' `nm` as the oracle:
 * every function nm lists resolves to its name at its address and to
 * name+0xOFF inside it; names resolve back to nm's addresses; prefixes,
 * addresses outside every table, a static-PIE bias and broken files. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "trace/symbols.h"

static char dir[64];
static char prog[128];

static const char source[] =
    "int counter;\n"
    "static int helper(int x) { return x * 3 + counter; }\n"
    "int compute(int a, int b) { int s = 0; for (int i = a; i < b; i++) s += helper(i); return s; }\n"
    "void spin(void) { for (;;) counter++; }\n"
    "void _start(void) { counter = compute(1, 10); spin(); }\n";

static void build_program(void)
{
    snprintf(dir, sizeof dir, "/tmp/trace_symbols_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char src[128], cmd[512];
    snprintf(src, sizeof src, "%s/prog.c", dir);
    snprintf(prog, sizeof prog, "%s/prog", dir);
    FILE *f = fopen(src, "w");
    ck_assert_ptr_nonnull(f);
    fputs(source, f);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "gcc -O0 -static -nostdlib -fno-pie -no-pie -fno-asynchronous-unwind-tables "
             "-o %s %s", prog, src);
    ck_assert_int_eq(system(cmd), 0);
}

static void cleanup(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

struct nm_sym {
    unsigned long long addr;
    char type;
    char name[64];
};

/* `nm -n --defined-only`: "ADDRESS TYPE NAME" lines sorted by address. */
static int run_nm(struct nm_sym *out, int max)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "nm -n --defined-only %s", prog);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    int n = 0;
    char line[256];
    while (n < max && fgets(line, sizeof line, p)) {
        if (sscanf(line, "%llx %c %63s", &out[n].addr, &out[n].type, out[n].name) == 3)
            n++;
    }
    ck_assert_int_eq(pclose(p), 0);
    return n;
}

START_TEST(functions_match_nm)
{
    build_program();
    struct symbols *s = symbols_new();
    char err[256], buf[160];
    int count = symbols_load_elf(s, prog, "", 0, err, sizeof err);
    ck_assert_msg(count > 0, "%s", err);
    struct nm_sym nm[64];
    int n = run_nm(nm, 64);
    int functions = 0;
    for (int i = 0; i < n; i++) {
        if (nm[i].type != 'T' && nm[i].type != 't')
            continue;
        functions++;
        symbols_format(s, nm[i].addr, buf, sizeof buf);
        ck_assert_str_eq(buf, nm[i].name);
        /* One byte in: still inside the function (every one is longer). */
        char want[96];
        snprintf(want, sizeof want, "%s+0x1", nm[i].name);
        symbols_format(s, nm[i].addr + 1, buf, sizeof buf);
        ck_assert_str_eq(buf, want);
        uint64_t a;
        ck_assert(symbols_find(s, nm[i].name, &a));
        ck_assert_uint_eq(a, nm[i].addr);
    }
    ck_assert_int_eq(functions, 4); /* helper compute spin _start */
    ck_assert_uint_eq(symbols_format(s, 0x10, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "");
    ck_assert(!symbols_find(s, "no_such_symbol", &(uint64_t){0}));
    symbols_free(s);
    cleanup();
}
END_TEST

START_TEST(prefix_and_bias)
{
    build_program();
    struct symbols *s = symbols_new();
    char err[256], buf[160];
    const uint64_t bias = 0x7f0000000000ull;
    ck_assert_int_gt(symbols_load_elf(s, prog, "kernel:", 0, err, sizeof err), 0);
    ck_assert_int_gt(symbols_load_elf(s, prog, "", bias, err, sizeof err), 0);
    struct nm_sym nm[64];
    int n = run_nm(nm, 64);
    for (int i = 0; i < n; i++) {
        if (strcmp(nm[i].name, "compute") != 0)
            continue;
        symbols_format(s, nm[i].addr + 0x10, buf, sizeof buf);
        ck_assert_str_eq(buf, "kernel:compute+0x10");
        symbols_format(s, bias + nm[i].addr + 0x10, buf, sizeof buf);
        ck_assert_str_eq(buf, "compute+0x10");
        uint64_t a;
        ck_assert(symbols_find(s, "kernel:compute", &a));
        ck_assert_uint_eq(a, nm[i].addr);
        /* A truncated buffer stays NUL-terminated. */
        char small[8];
        ck_assert_uint_eq(symbols_format(s, nm[i].addr, small, sizeof small), 7);
        ck_assert_str_eq(small, "kernel:");
    }
    symbols_free(s);
    cleanup();
}
END_TEST

START_TEST(broken_files_are_errors)
{
    build_program();
    struct symbols *s = symbols_new();
    char err[256];
    ck_assert_int_eq(symbols_load_elf(s, "/nonexistent/kernel.elf", "", 0, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "cannot open"), "%s", err);
    /* The first 100 bytes of the program: a header whose tables lie past
     * the end of the file. */
    char cut[160], cmd[400];
    snprintf(cut, sizeof cut, "%s/cut", dir);
    snprintf(cmd, sizeof cmd, "head -c 100 %s > %s", prog, cut);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(symbols_load_elf(s, cut, "", 0, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "truncated") || strstr(err, "corrupt"), "%s", err);
    /* A stripped program loads with no symbols and resolves nothing. */
    char stripped[160];
    snprintf(stripped, sizeof stripped, "%s/stripped", dir);
    snprintf(cmd, sizeof cmd, "strip -o %s %s", stripped, prog);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(symbols_load_elf(s, stripped, "", 0, err, sizeof err), 0);
    symbols_free(s);
    cleanup();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trace_symbols");
    TCase *tc = tcase_create("symbols");
    tcase_add_test(tc, functions_match_nm);
    tcase_add_test(tc, prefix_and_bias);
    tcase_add_test(tc, broken_files_are_errors);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
