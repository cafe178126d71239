/* test_trace_bin.c — the recording format (trace/binfmt.h): hand-made
 * events of every kind written as a recording and read back print the same
 * text and JSON Lines, byte for byte, as written directly; the reader
 * rejects every truncation of a recording and thousands of random and
 * mutated files with a one-line message and never crashes (run under
 * AddressSanitizer by make asan-test).  Whole runs of the bundled programs
 * are compared in tests/sh/test_trace_bin.sh. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "trace/binfmt.h"
#include "trace/binread.h"
#include "trace/writer.h"

/* Events of every kind, typed and as field lists, with the values a delta
 * coder finds hard: steps going back, huge and negative deltas, wide
 * memory values, XMM registers, strings long and short, repeated and new. */
static void every_kind(struct trace_writer *w)
{
    static const uint8_t wide[40] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                                     19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33};
    struct trace_insn_cols cols;
    for (int round = 0; round < 3; round++) {
        struct trace_insn in = {.step = 10 + 5 * (uint64_t)round, .time = 100 + (uint64_t)round,
                                .cr3 = 0x1000, .rip = 0xffffffff80100000ull + (uint64_t)round,
                                .sym = "kernel:entry+0x3", .sym_len = 16, .bytes = "0f 05",
                                .bytes_len = 5, .disasm = "syscall", .disasm_len = 7, .cpl = 0};
        if (round == 1) {
            trace_writer_insn_cols(w, &in, &cols);
            trace_writer_insn(w, &in, &cols);
            in.step++;
            in.time += 7;
            trace_writer_insn(w, &in, &cols);
        } else {
            trace_writer_insn(w, &in, NULL);
        }
        struct trace_mem m = {.step = in.step, .va = 0x7fffffffe000, .pa = 0x23000, .size = 8,
                              .value = 0x7fffffffe010, .write = true};
        trace_writer_mem(w, &m);
        m = (struct trace_mem){.step = in.step, .va = 0x1000, .pa = 0xfff000, .size = 1, .value = 0xff};
        trace_writer_mem(w, &m);
        m = (struct trace_mem){.step = in.step, .va = 0x2000, .pa = 0x3000, .size = 40, .wide = wide};
        trace_writer_mem(w, &m);
        m.size = 16;
        trace_writer_mem(w, &m);
        struct trace_reg r = {.step = in.step, .id = (TRACE_REG_RAX + 4), .old = 0x7fffffffe010, .new = 0x7fffffffe008};
        trace_writer_reg(w, &r);
        r = (struct trace_reg){.step = in.step, .id = (TRACE_REG_RAX + 4), .old = 0x7fffffffe008, .new = 0};
        trace_writer_reg(w, &r);
        r = (struct trace_reg){.step = in.step, .id = TRACE_REG_RFLAGS, .old = 0x202, .new = 0x246};
        trace_writer_reg(w, &r);
        r = (struct trace_reg){.step = in.step, .id = TRACE_REG_XMM0 + 3, .old = 1, .old_hi = 2,
                               .new = ~0ull, .new_hi = 0x8000000000000000ull};
        trace_writer_reg(w, &r);
        struct trace_tlb t = {.step = in.step, .va = 0x7fffffffe000, .pa = 0x23000, .op = TRACE_TLB_HIT,
                              .level = 1, .flags = 3, .child = true};
        trace_writer_tlb(w, &t);
        t = (struct trace_tlb){.step = in.step + 1, .va = 0x400000, .op = TRACE_TLB_MISS};
        trace_writer_tlb(w, &t);
        t = (struct trace_tlb){.step = in.step + 1, .va = 0x400000, .pa = 0x200000, .op = TRACE_TLB_FILL,
                               .level = 2, .flags = 31};
        trace_writer_tlb(w, &t);
        t = (struct trace_tlb){.step = in.step, .va = 0x400000, .op = TRACE_TLB_FLUSH,
                               .scope = TRACE_TLB_PAGE, .cause = TRACE_TLB_INVLPG, .child = true};
        trace_writer_tlb(w, &t);
        t = (struct trace_tlb){.step = in.step, .op = TRACE_TLB_FLUSH, .scope = TRACE_TLB_ALL,
                               .cause = TRACE_TLB_CR4_WRITE, .child = true};
        trace_writer_tlb(w, &t);

        struct trace_event e;
        trace_event_init(&e, TRACE_SYSCALL, in.step, true);
        trace_add(&e, "pid", TF_SDEC, (uint64_t)-1);
        trace_add_str(&e, "comm", round ? "hello" : "");
        trace_add(&e, "nr", TF_DEC, 1);
        trace_add_str(&e, "name", "write");
        char args[3000];
        memset(args, 'a' + round, sizeof args - 1);
        args[sizeof args - 1] = 0;
        trace_add_str(&e, "args", round == 2 ? args : "1, \"hi\\n\", 3");
        trace_add(&e, "a0", TF_HEX, 1);
        trace_add(&e, "cpl", TF_DEC, 3);
        trace_writer_event(w, &e);
        trace_event_init(&e, TRACE_SYSRET, in.step - 3, false);
        trace_add(&e, "result", TF_SDEC, (uint64_t)-14);
        trace_add_str(&e, "errno", "EFAULT");
        trace_add_pair(&e, "pair", 3, 0);
        trace_writer_event(w, &e);
        /* A typed kind's field list that is not its record's: printed as a list. */
        trace_event_init(&e, TRACE_TLB, in.step, true);
        trace_add_str(&e, "op", "shootdown");
        trace_writer_event(w, &e);
        trace_event_init(&e, TRACE_LOG, 0, false);
        trace_add_str(&e, "text", "a kernel line");
        trace_writer_event(w, &e);
    }
}

static char *render(enum trace_format fmt, void (*fill)(struct trace_writer *), size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    ck_assert_ptr_nonnull(f);
    struct trace_writer *w = trace_writer_new(fmt, f);
    ck_assert_ptr_nonnull(w);
    fill(w);
    ck_assert_int_eq(trace_writer_flush(w), 0);
    trace_writer_free(w);
    fclose(f);
    if (len)
        *len = n;
    return buf;
}

/* A reader sink that writes what it reads. */
static void s_insn(void *c, const struct trace_insn *r) { trace_writer_insn(c, r, NULL); }
static void s_mem(void *c, const struct trace_mem *r) { trace_writer_mem(c, r); }
static void s_reg(void *c, const struct trace_reg *r) { trace_writer_reg(c, r); }
static void s_tlb(void *c, const struct trace_tlb *r) { trace_writer_tlb(c, r); }
static void s_event(void *c, const struct trace_event *e) { trace_writer_event(c, e); }

static char *convert(const uint8_t *rec, size_t len, enum trace_format fmt, int *rc, char *err,
                     size_t errlen)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    struct trace_writer *w = trace_writer_new(fmt, f);
    struct bin_sink sink = {w, s_insn, s_mem, s_reg, s_tlb, s_event};
    *rc = bin_read(rec, len, "t.rstrace", &sink, err, errlen);
    trace_writer_flush(w);
    trace_writer_free(w);
    fclose(f);
    return buf;
}

START_TEST(round_trip_every_kind)
{
    size_t len;
    uint8_t *rec = (uint8_t *)render(TRACE_FORMAT_BIN, every_kind, &len);
    char err[256];
    int rc;
    for (int fmt = 0; fmt < 2; fmt++) {
        char *direct = render(fmt ? TRACE_FORMAT_JSONL : TRACE_FORMAT_TEXT, every_kind, NULL);
        char *back = convert(rec, len, fmt ? TRACE_FORMAT_JSONL : TRACE_FORMAT_TEXT, &rc, err, sizeof err);
        ck_assert_msg(rc == 0, "%s", err);
        size_t at = 0;
        while (back[at] && back[at] == direct[at])
            at++;
        ck_assert_msg(back[at] == direct[at], "%s differs at byte %zu: \"%.60s\" instead of \"%.60s\"",
                      fmt ? "jsonl" : "text", at, back + at, direct + at);
        ck_assert(strstr(direct, "xmm3=") || strstr(direct, "\"xmm3\""));
        free(direct);
        free(back);
    }
    free(rec);
}
END_TEST

/* The chunk checksum is CRC-32C: its check value (RFC 3720 B.4). */
START_TEST(chunk_checksum_is_crc32c)
{
    ck_assert_uint_eq(bin_crc32((const uint8_t *)"123456789", 9), 0xE3069283u);
    uint8_t zeros[32] = {0};
    ck_assert_uint_eq(bin_crc32(zeros, 32), 0x8A9136AAu);
}
END_TEST

START_TEST(every_truncation_is_an_error)
{
    size_t len;
    uint8_t *rec = (uint8_t *)render(TRACE_FORMAT_BIN, every_kind, &len);
    char err[256];
    int rc;
    for (size_t cut = 0; cut < len; cut++) {
        free(convert(rec, cut, TRACE_FORMAT_TEXT, &rc, err, sizeof err));
        ck_assert_msg(rc == -1, "a recording cut at %zu of %zu bytes was accepted", cut, len);
        ck_assert_msg(strncmp(err, "t.rstrace: ", 11) == 0 && !strchr(err, '\n'), "%s", err);
        ck_assert_msg(strstr(err, "truncated") || strstr(err, "not a ringscope recording"), "%s", err);
    }
    /* A flipped byte anywhere after the header fails the CRC. */
    for (size_t at = BIN_HEADER_SIZE + BIN_CHUNK_HEADER; at < len; at += 7) {
        rec[at] ^= 0x40;
        free(convert(rec, len, TRACE_FORMAT_TEXT, &rc, err, sizeof err));
        ck_assert_msg(rc == -1 && strstr(err, "CRC-32C"), "flip at %zu: %s", at, rc ? err : "accepted");
        rec[at] ^= 0x40;
    }
    rec[8] = 9;
    free(convert(rec, len, TRACE_FORMAT_TEXT, &rc, err, sizeof err));
    ck_assert_str_eq(err, "t.rstrace: recording format version 9; this ringscope reads version 1");
    free(rec);
}
END_TEST

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

/* The first chunk's CRC made right again, so a mutation reaches the
 * record decoder instead of stopping at the checksum. */
static void fix_first_crc(uint8_t *rec, size_t len)
{
    if (len < BIN_HEADER_SIZE + BIN_CHUNK_HEADER)
        return;
    uint8_t *h = rec + BIN_HEADER_SIZE;
    size_t n = (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16 | (size_t)h[3] << 24;
    if (n > len - BIN_HEADER_SIZE - BIN_CHUNK_HEADER)
        return;
    uint32_t crc = bin_crc32(h + BIN_CHUNK_HEADER, n);
    for (int i = 0; i < 4; i++)
        h[4 + i] = (uint8_t)(crc >> (8 * i));
}

START_TEST(fuzz_random_and_mutated_files)
{
    size_t len;
    uint8_t *good = (uint8_t *)render(TRACE_FORMAT_BIN, every_kind, &len);
    uint8_t *buf = malloc(len + 64);
    char err[256];
    int rc, rejected = 0, total = 0;
    for (int i = 0; i < 6000; i++) {
        size_t n;
        if (i < 2000) {
            /* Random bytes behind a valid header and chunk frame. */
            n = BIN_HEADER_SIZE + BIN_CHUNK_HEADER + next_random() % 200;
            memcpy(buf, good, BIN_HEADER_SIZE);
            for (size_t k = BIN_HEADER_SIZE; k < n; k++)
                buf[k] = (uint8_t)next_random();
            uint32_t payload = (uint32_t)(n - BIN_HEADER_SIZE - BIN_CHUNK_HEADER);
            for (int b = 0; b < 4; b++)
                buf[BIN_HEADER_SIZE + b] = (uint8_t)(payload >> (8 * b));
        } else {
            /* The good recording with a few bytes changed, cut or repeated. */
            memcpy(buf, good, len);
            n = len;
            int edits = 1 + (int)(next_random() % 4);
            for (int k = 0; k < edits; k++) {
                size_t at = BIN_HEADER_SIZE + BIN_CHUNK_HEADER + next_random() % (len - BIN_HEADER_SIZE - BIN_CHUNK_HEADER);
                switch (next_random() % 3) {
                case 0: buf[at] = (uint8_t)next_random(); break;
                case 1: buf[at] ^= (uint8_t)(1u << (next_random() % 8)); break;
                default: n = at; break;
                }
                if (n <= at)
                    break;
            }
        }
        fix_first_crc(buf, n);
        free(convert(buf, n, TRACE_FORMAT_TEXT, &rc, err, sizeof err));
        total++;
        if (rc) {
            rejected++;
            ck_assert_msg(strncmp(err, "t.rstrace: ", 11) == 0 && !strchr(err, '\n') && strlen(err) > 20,
                          "%s", err);
        }
    }
    /* Nearly every change is caught (a change of a value's digits can
     * decode to another valid recording). */
    ck_assert_msg(rejected > total * 3 / 4, "only %d of %d damaged files rejected", rejected, total);
    free(buf);
    free(good);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trace_bin");
    TCase *tc = tcase_create("bin");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, chunk_checksum_is_crc32c);
    tcase_add_test(tc, round_trip_every_kind);
    tcase_add_test(tc, every_truncation_is_an_error);
    tcase_add_test(tc, fuzz_random_and_mutated_files);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
