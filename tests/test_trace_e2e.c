/* test_trace_e2e.c — tracing real instructions on the harness machine.
 *
 * tests/guests/trace_basic.S makes one of each memory-system event; its
 * trace is checked field by field against what the SDM says must happen
 * (the PDE address is CR3-derived by the 4-level formula of Vol. 3A §4.5,
 * A/D bits per §4.8, #PF error code per §4.7, the handler address from the
 * harness's IDT layout) and the disassembly against capstone called
 * directly.  tests/guests/rings.S (written for test_rings) supplies
 * SYSCALL/SYSRET, INT n, IRETQ and #GP, tests/guests/smc.S self-modifying
 * code.  Also: filters, byte-identical
 * traces across runs, and every expectation file in tests/traces/harness/. */
#include <capstone/capstone.h>
#include <check.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include "trace/check.h"
#include "trace/query.h"
#include "trace_guest.h"

#define HARNESS_STUBS 0x12000ull /* tests/harness.h: 8 bytes per vector */
#define DATA_PAGE 0x10000000ull  /* trace_basic.S */

static struct trace_recording rec;

static void record(const char *guest, uint64_t rdi, uint32_t kinds,
                   void (*tweak)(struct trace_config *))
{
    struct trace_config cfg;
    char err[256];
    trace_config_init(&cfg);
    cfg.kinds = kinds;
    cfg.no_output = true;
    if (tweak)
        tweak(&cfg);
    trace_recording_clear(&rec);
    int v = trace_guest_run(guest, rdi, &cfg, NULL, &rec, err, sizeof err);
    ck_assert_msg(v != -2, "%s", err);
}

static uint64_t u64(size_t i, const char *key)
{
    uint64_t v = 0;
    ck_assert_msg(i != TRACE_NOT_FOUND, "event not found (looking for %s)", key);
    ck_assert_msg(trace_get_u64(&rec, i, key, &v), "event #%zu has no numeric %s", i, key);
    return v;
}

static const char *text(size_t i, const char *key)
{
    static char buf[4][256];
    static int next;
    ck_assert_msg(i != TRACE_NOT_FOUND, "event not found (looking for %s)", key);
    return trace_get_text(&rec, i, key, buf[next++ & 3], sizeof buf[0]);
}

START_TEST(memory_write_walk_and_ad_bits)
{
    record("trace_basic", 0, TRACE_KINDS_ALL, NULL);
    size_t st = trace_find(&rec, 0, "insn disasm=\"mov qword ptr [rdi], rax\"");
    uint64_t step = u64(st, "step");
    char pat[160];
    snprintf(pat, sizeof pat, "walk step=%llu va=0x10000000", (unsigned long long)step);
    size_t w = trace_find(&rec, st, pat);
    ck_assert_str_eq(text(w, "access"), "write");
    /* SDM Vol. 3A §4.5: PML4E at CR3[51:12] + 8*va[47:39], PDPTE at
     * PML4E[51:12] + 8*va[38:30], PDE at PDPTE[51:12] + 8*va[29:21]. */
    uint64_t cr3 = u64(trace_find(&rec, 0, "insn"), "cr3");
    ck_assert_uint_eq(u64(w, "pml4e_addr"), (cr3 & ~0xfffull) + 8 * ((DATA_PAGE >> 39) & 511));
    ck_assert_uint_eq(u64(w, "pdpte_addr"),
                      (u64(w, "pml4e") & 0xffffffffff000ull) + 8 * ((DATA_PAGE >> 30) & 511));
    uint64_t pde_addr = (u64(w, "pdpte") & 0xffffffffff000ull) + 8 * ((DATA_PAGE >> 21) & 511);
    ck_assert_uint_eq(u64(w, "pde_addr"), pde_addr);
    ck_assert_uint_eq(u64(w, "levels"), 3); /* a 2 MiB page: PDE.PS = 1 */
    ck_assert_str_eq(text(w, "pde_flags"), "P W U A D PS");
    ck_assert_uint_eq(u64(w, "pa"), DATA_PAGE); /* identity map */
    /* §4.8: the write sets A and D in the PDE (the harness builds them clear). */
    snprintf(pat, sizeof pat, "ad step=%llu level=pde", (unsigned long long)step);
    size_t ad = trace_find(&rec, st, pat);
    ck_assert_uint_eq(u64(ad, "addr"), pde_addr);
    ck_assert_uint_eq(u64(ad, "old") & 0x60, 0);
    ck_assert_uint_eq(u64(ad, "new"), u64(ad, "old") | 0x60);
    ck_assert_str_eq(text(ad, "set"), "A D");
    /* Miss before the walk, fill after it. */
    snprintf(pat, sizeof pat, "tlb step=%llu op=miss va=0x10000000", (unsigned long long)step);
    ck_assert_uint_lt(trace_find(&rec, st, pat), w);
    snprintf(pat, sizeof pat, "tlb step=%llu op=fill page=2M", (unsigned long long)step);
    ck_assert_uint_gt(trace_find(&rec, st, pat), w);
    snprintf(pat, sizeof pat, "mem step=%llu op=write size=8", (unsigned long long)step);
    size_t m = trace_find(&rec, st, pat);
    ck_assert_uint_eq(u64(m, "va"), DATA_PAGE);
    ck_assert_uint_eq(u64(m, "pa"), DATA_PAGE);
    ck_assert_uint_eq(u64(m, "value"), 0x1234);
    /* The next instruction reads it back through the TLB. */
    snprintf(pat, sizeof pat, "mem step=%llu op=read", (unsigned long long)step + 1);
    ck_assert_uint_eq(u64(trace_find(&rec, st, pat), "value"), 0x1234);
    snprintf(pat, sizeof pat, "tlb step=%llu op=hit va=0x10000000", (unsigned long long)step + 1);
    ck_assert_uint_ne(trace_find(&rec, st, pat), TRACE_NOT_FOUND);
    snprintf(pat, sizeof pat, "walk step=%llu", (unsigned long long)step + 1);
    ck_assert_uint_eq(trace_find(&rec, st, pat), TRACE_NOT_FOUND);
}
END_TEST

START_TEST(registers_ports_and_symbols)
{
    record("trace_basic", 0, TRACE_KINDS_ALL, NULL);
    size_t add = trace_find(&rec, 0, "insn disasm=\"add rax, rbx\"");
    ck_assert_str_eq(text(add, "sym"), "_start+0x14");
    char pat[160];
    snprintf(pat, sizeof pat, "reg step=%llu name=rax", (unsigned long long)u64(add, "step"));
    size_t r = trace_find(&rec, add, pat);
    ck_assert_uint_eq(u64(r, "old"), 0x1234);
    ck_assert_uint_eq(u64(r, "new"), 0x2468);
    size_t out = trace_find(&rec, 0, "port dir=out port=0xe9");
    ck_assert_uint_eq(u64(out, "value"), 'T');
    ck_assert_uint_eq(u64(out, "size"), 1);
    /* CALL rel32 (E8 cd, 5 bytes) pushes the address of the next
     * instruction and jumps to the target capstone printed. */
    size_t call = trace_find(&rec, 0, "insn disasm=call*");
    uint64_t call_rip = u64(call, "rip");
    uint64_t target = strtoull(text(call, "disasm") + 5, NULL, 16);
    size_t callee = trace_find(&rec, call + 1, "insn");
    ck_assert_uint_eq(u64(callee, "rip"), target);
    ck_assert_str_eq(text(callee, "sym"), "emit_char");
    snprintf(pat, sizeof pat, "mem step=%llu op=write", (unsigned long long)u64(call, "step"));
    size_t push = trace_find(&rec, call, pat);
    ck_assert_uint_eq(u64(push, "value"), call_rip + 5); /* the return address */
    ck_assert_uint_eq(u64(push, "va"), 0x80000 - 8);     /* HARNESS_STACK_TOP - 8 */
}
END_TEST

START_TEST(page_fault)
{
    record("trace_basic", 0, TRACE_KINDS_ALL, NULL);
    size_t inv = trace_find(&rec, 0, "insn disasm=\"invlpg byte ptr [rdi]\"");
    size_t fl = trace_find(&rec, inv, "tlb op=flush");
    ck_assert_str_eq(text(fl, "scope"), "page");
    ck_assert_str_eq(text(fl, "cause"), "invlpg");
    ck_assert_uint_eq(u64(fl, "va"), DATA_PAGE);
    size_t ld = trace_find(&rec, inv, "insn disasm=\"mov rcx, qword ptr [rdi + 8]\"");
    size_t w = trace_find(&rec, ld, "walk fault=#PF");
    ck_assert_str_eq(text(w, "pde_flags"), "not-present");
    size_t pf = trace_find(&rec, ld, "exception");
    ck_assert_uint_eq(u64(pf, "step"), u64(ld, "step"));
    ck_assert_uint_eq(u64(pf, "vector"), 14);
    ck_assert_str_eq(text(pf, "name"), "#PF");
    ck_assert_uint_eq(u64(pf, "error"), 0); /* not present, read, supervisor */
    ck_assert_str_eq(text(pf, "error_words"), "NP R S");
    ck_assert_uint_eq(u64(pf, "cr2"), DATA_PAGE + 8);
    ck_assert_uint_eq(u64(pf, "rip"), u64(ld, "rip")); /* a fault: the faulting RIP */
    ck_assert_str_eq(text(pf, "cpl"), "0");
    ck_assert_str_eq(text(pf, "stack"), "same");
    ck_assert_uint_eq(u64(pf, "handler"), HARNESS_STUBS + 8 * 14);
    /* The faulting instruction does not retire, but it keeps its own step:
     * the handler's first instruction is the next one. */
    size_t h = trace_find(&rec, pf, "insn");
    ck_assert_uint_eq(u64(h, "rip"), HARNESS_STUBS + 8 * 14);
    ck_assert_uint_eq(u64(h, "step"), u64(ld, "step") + 1);
    ck_assert_uint_eq(u64(h, "time"), u64(ld, "time")); /* icount did not move */
    char pat[96];
    snprintf(pat, sizeof pat, "reg step=%llu name=cr2", (unsigned long long)u64(ld, "step"));
    ck_assert_uint_eq(u64(trace_find(&rec, ld, pat), "new"), DATA_PAGE + 8);
}
END_TEST

/* Every instruction's text is what capstone says about its bytes. */
static bool check_disasm(void *ctx, size_t i, const struct trace_event *e)
{
    (void)i;
    csh cs = *(csh *)ctx;
    const char *bytes = trace_field(e, "bytes")->s;
    uint8_t code[16];
    size_t n = 0;
    for (const char *p = bytes; *p && n < sizeof code; p += (p[2] == ' ' ? 3 : 2))
        code[n++] = (uint8_t)strtoul((char[]){p[0], p[1], 0}, NULL, 16);
    cs_insn *insn;
    size_t got = cs_disasm(cs, code, n, trace_field(e, "rip")->v, 1, &insn);
    ck_assert_uint_eq(got, 1);
    char want[256];
    snprintf(want, sizeof want, insn->op_str[0] ? "%s %s" : "%s", insn->mnemonic, insn->op_str);
    ck_assert_str_eq(trace_field(e, "disasm")->s, want);
    cs_free(insn, got);
    return true;
}

START_TEST(disassembly_matches_capstone)
{
    record("rings", 3, TRACE_KINDS_ALL, NULL);
    csh cs;
    ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_64, &cs), CS_ERR_OK);
    ck_assert_uint_gt(trace_count(&rec, "insn"), 50);
    trace_foreach(&rec, "insn", check_disasm, &cs);
    cs_close(&cs);
}
END_TEST

/* tests/guests/smc.S patches the immediate of `mov eax, 1` (at
 * `same_page`) and runs it again: the trace must show the new bytes and
 * their disassembly, not the cached text of the old ones. */
START_TEST(self_modifying_code)
{
    record("smc", 0, 1u << TRACE_INSN, NULL);
    csh cs;
    ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_64, &cs), CS_ERR_OK);
    trace_foreach(&rec, "insn", check_disasm, &cs);
    cs_close(&cs);
    size_t first = trace_find(&rec, 0, "insn sym=same_page");
    ck_assert_str_eq(text(first, "disasm"), "mov eax, 1");
    size_t again = trace_find(&rec, first + 1, "insn sym=same_page");
    ck_assert_str_eq(text(again, "bytes"), "b8 02 00 00 00");
    ck_assert_str_eq(text(again, "disasm"), "mov eax, 2");
}
END_TEST

START_TEST(syscall_and_sysret)
{
    record("rings", 2, TRACE_KINDS_ALL, NULL);
    size_t s1 = trace_find(&rec, 0, "syscall");
    ck_assert_uint_eq(u64(s1, "nr"), 2); /* rings.S: RAX = 2 */
    ck_assert_str_eq(text(s1, "name"), "open"); /* Linux x86-64 call 2 */
    ck_assert_str_eq(text(s1, "to_cpl"), "0");
    size_t r1 = trace_find(&rec, s1, "sysret");
    ck_assert_str_eq(text(r1, "name"), "open");
    ck_assert_str_eq(text(r1, "to_cpl"), "3");
    size_t s2 = trace_find(&rec, r1, "syscall nr=3 name=close");
    ck_assert_uint_ne(s2, TRACE_NOT_FOUND);
    ck_assert_uint_ne(trace_find(&rec, s2, "sysret name=close"), TRACE_NOT_FOUND);
    ck_assert_uint_ne(trace_find(&rec, s2, "syscall nr=60 name=exit"), TRACE_NOT_FOUND);
    /* The way into ring 3 was an IRETQ. */
    size_t ir = trace_find(&rec, 0, "iret from_cpl=0 to_cpl=3");
    ck_assert_str_eq(text(ir, "insn"), "iretq");
    ck_assert_str_eq(text(ir, "sym"), "user_entry");
    ck_assert_uint_lt(ir, s1);
}
END_TEST

START_TEST(software_interrupt_and_gp)
{
    record("rings", 3, TRACE_KINDS_ALL, NULL);
    size_t i80 = trace_find(&rec, 0, "interrupt vector=128");
    ck_assert_str_eq(text(i80, "source"), "software");
    ck_assert_str_eq(text(i80, "to_cpl"), "0");
    ck_assert_str_eq(text(i80, "stack"), "tss.rsp0");
    ck_assert_uint_ne(trace_find(&rec, i80, "iret from_cpl=0 to_cpl=3"), TRACE_NOT_FOUND);
    /* INT 0x81 through a DPL-0 gate from ring 3: #GP with the IDT bit and
     * the vector as index (SDM Vol. 3A §6.12.1.1, §6.13). */
    size_t gp = trace_find(&rec, i80, "exception vector=13");
    ck_assert_uint_eq(u64(gp, "error"), 0x81 * 8 + 2);
    ck_assert_str_eq(text(gp, "error_words"), "idt index 129");
    ck_assert_str_eq(text(gp, "from_cpl"), "3");
}
END_TEST

static void ring3_only(struct trace_config *c) { c->ring = 3; }
static void emit_char_only(struct trace_config *c)
{
    strcpy(c->from_sym, "emit_char");
    strcpy(c->until_sym, "fault");
}
static void stubs_range(struct trace_config *c)
{
    c->has_range = true;
    c->range_lo = HARNESS_STUBS;
    c->range_hi = HARNESS_STUBS + 0x800;
}

START_TEST(filters)
{
    record("rings", 2, 1u << TRACE_INSN | 1u << TRACE_SYSCALL | 1u << TRACE_SYSRET, ring3_only);
    ck_assert_uint_gt(trace_count(&rec, "insn"), 5);
    ck_assert_uint_eq(trace_count(&rec, "insn cpl=0"), 0);
    ck_assert_uint_eq(trace_count(&rec, "mem"), 0); /* kind not selected */
    /* syscall/sysret pass a ring filter: they are the ring crossing itself. */
    ck_assert_uint_eq(trace_count(&rec, "sysret"), 2);

    record("trace_basic", 0, TRACE_KINDS_ALL, emit_char_only);
    /* mov al; out; ret; mov rax, cr3; mov cr3, rax; jmp — until `fault` */
    ck_assert_uint_eq(trace_count(&rec, "insn"), 6);
    ck_assert_str_eq(text(trace_find(&rec, 0, "insn"), "sym"), "emit_char");
    ck_assert_uint_eq(trace_count(&rec, "port"), 1);
    ck_assert_uint_eq(trace_count(&rec, "exception"), 0);

    record("trace_basic", 0, 1u << TRACE_INSN, stubs_range);
    ck_assert_uint_eq(trace_count(&rec, "insn"), 2); /* the #PF stub: mov al; out */
    ck_assert_uint_eq(trace_count(&rec, "insn rip=0x12000..0x127ff"), 2);
}
END_TEST

static char *trace_text(const char *guest, uint64_t rdi, enum trace_format fmt)
{
    char *buf = NULL, err[256];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct trace_config cfg;
    trace_config_init(&cfg);
    cfg.kinds = TRACE_KINDS_ALL;
    cfg.format = fmt;
    ck_assert_int_ne(trace_guest_run(guest, rdi, &cfg, f, NULL, err, sizeof err), -2);
    fclose(f);
    return buf;
}

START_TEST(identical_runs_give_identical_bytes)
{
    for (int fmt = TRACE_FORMAT_TEXT; fmt <= TRACE_FORMAT_JSONL; fmt++) {
        char *a = trace_text("rings", 3, fmt), *b = trace_text("rings", 3, fmt);
        ck_assert_uint_gt(strlen(a), 10000);
        ck_assert_msg(strcmp(a, b) == 0, "format %d: two runs differ", fmt);
        free(a);
        free(b);
    }
}
END_TEST

/* The RFLAGS letters (ODITSZAPC, upper case = set; SDM Vol. 1 Figure 3-8
 * bit positions) of every rflags change in the JSON Lines output agree
 * with its hex values, for old and new alike. */
static void letters_of(uint64_t v, char out[10])
{
    static const struct { char c; int bit; } f[] = {
        {'o', 11}, {'d', 10}, {'i', 9}, {'t', 8}, {'s', 7}, {'z', 6}, {'a', 4}, {'p', 2}, {'c', 0}};
    for (int i = 0; i < 9; i++)
        out[i] = (v >> f[i].bit & 1) ? (char)(f[i].c - 'a' + 'A') : f[i].c;
    out[9] = 0;
}

static bool json_field(const char *line, const char *key, char *out, size_t len)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(line, pat);
    if (!p)
        return false;
    p += strlen(pat);
    size_t n = strcspn(p, "\"");
    if (n >= len)
        return false;
    memcpy(out, p, n);
    out[n] = 0;
    return true;
}

START_TEST(rflags_letters_match_their_values)
{
    char *t = trace_text("rings", 3, TRACE_FORMAT_JSONL);
    int checked = 0;
    for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
        char name[16], hex[32], letters[16], expect[10];
        if (!json_field(line, "name", name, sizeof name) || strcmp(name, "rflags") != 0)
            continue;
        for (int side = 0; side < 2; side++) {
            ck_assert(json_field(line, side ? "new" : "old", hex, sizeof hex));
            ck_assert(json_field(line, side ? "new_flags" : "old_flags", letters, sizeof letters));
            letters_of(strtoull(hex, NULL, 16), expect);
            ck_assert_msg(strcmp(letters, expect) == 0, "%s: %s is %s, letters say %s", line,
                          side ? "new" : "old", expect, letters);
        }
        checked++;
    }
    ck_assert_int_gt(checked, 100);
    free(t);
}
END_TEST

START_TEST(expectation_files)
{
    glob_t g;
    ck_assert_int_eq(glob("tests/traces/harness/*.expect", 0, NULL, &g), 0);
    ck_assert_uint_ge(g.gl_pathc, 5);
    for (size_t i = 0; i < g.gl_pathc; i++)
        ck_assert_msg(trace_check_file(g.gl_pathv[i], trace_guest_runner, NULL, stdout) == 0,
                      "%s failed (report above)", g.gl_pathv[i]);
    globfree(&g);
}
END_TEST

int main(void)
{
    trace_recording_init(&rec);
    Suite *s = suite_create("trace_e2e");
    TCase *tc = tcase_create("e2e");
    tcase_add_test(tc, memory_write_walk_and_ad_bits);
    tcase_add_test(tc, registers_ports_and_symbols);
    tcase_add_test(tc, page_fault);
    tcase_add_test(tc, disassembly_matches_capstone);
    tcase_add_test(tc, self_modifying_code);
    tcase_add_test(tc, syscall_and_sysret);
    tcase_add_test(tc, software_interrupt_and_gp);
    tcase_add_test(tc, filters);
    tcase_add_test(tc, identical_runs_give_identical_bytes);
    tcase_add_test(tc, rflags_letters_match_their_values);
    tcase_add_test(tc, expectation_files);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    trace_recording_free(&rec);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
