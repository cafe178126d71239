/* test_trace_records.c — the typed records of the events of every
 * instruction (trace/records.h): one renderer per format and kind, fed by
 * the tracer, by a recording and by hand-made field lists alike.
 *
 * What must hold:
 *   - the JSON Lines a writer prints and the field lists a recording gives
 *     back are the same events, field for field (README's schema);
 *   - writing a recording's events back (field lists → records → the same
 *     renderers) gives the bytes the tracer wrote, in both formats;
 *   - a recording attached or not, the writer prints the same bytes;
 *   - record → field list → record keeps every value (wide memory values,
 *     XMM registers, RFLAGS letters, every TLB op), and a field list that is
 *     not exactly some record's is printed as the plain list it is. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "mmu/mmu.h"
#include "trace/query.h"
#include "trace/records.h"
#include "trace/tracer.h"
#include "trace/writer.h"
#include "trace_guest.h"

/* ---- helpers ---- */

struct capture {
    char *buf;
    size_t len;
    FILE *f;
};

static void capture_open(struct capture *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    ck_assert_ptr_nonnull(c->f);
}

static char *capture_close(struct capture *c)
{
    fclose(c->f);
    return c->buf;
}

/* A harness guest traced with every kind in `fmt` (rec may be NULL). */
static char *traced(const char *guest, uint64_t rdi, enum trace_format fmt,
                    struct trace_recording *rec)
{
    struct trace_config cfg;
    trace_config_init(&cfg);
    cfg.kinds = TRACE_KINDS_ALL;
    cfg.format = fmt;
    struct capture c;
    capture_open(&c);
    char err[256];
    int rc = trace_guest_run(guest, rdi, &cfg, c.f, rec, err, sizeof err);
    ck_assert_msg(rc != -2, "%s: %s", guest, err);
    return capture_close(&c);
}

/* Code with SSE moves and an FXSAVE, so the trace has XMM register changes
 * and memory accesses wider than 8 bytes (16 and 512 bytes). */
static const uint8_t sse_code[] = {
    0x48, 0xc7, 0xc0, 0x00, 0x00, 0x00, 0x10,       /* mov rax, 0x10000000 */
    0xc7, 0x00, 0x44, 0x33, 0x22, 0x11,             /* mov dword [rax], 0x11223344 */
    0xc7, 0x40, 0x0c, 0xdd, 0xcc, 0xbb, 0xaa,       /* mov dword [rax+12], 0xaabbccdd */
    0xf3, 0x0f, 0x6f, 0x08,                         /* movdqu xmm1, [rax] */
    0x66, 0x0f, 0xef, 0xc9,                         /* pxor xmm1, xmm1 */
    0xf3, 0x0f, 0x6f, 0x38,                         /* movdqu xmm7, [rax] */
    0xf3, 0x0f, 0x7f, 0x78, 0x10,                   /* movdqu [rax+16], xmm7 */
    0x0f, 0xae, 0x80, 0x00, 0x02, 0x00, 0x00,       /* fxsave [rax+0x200] */
    0xb0, 0x00, 0xe6, 0xf4,                         /* mov al, 0; out 0xf4, al */
};

/* The SSE code traced (rec may be NULL). */
static char *traced_sse(enum trace_format fmt, struct trace_recording *rec)
{
    struct harness *h = harness_new(0);
    ck_assert_ptr_nonnull(h);
    ck_assert(mmu_phys_write(h->mmu, HARNESS_GUEST_BASE, sse_code, sizeof sse_code));
    h->cpu->rip = HARNESS_GUEST_BASE;
    struct trace_config cfg;
    trace_config_init(&cfg);
    cfg.kinds = TRACE_KINDS_ALL;
    cfg.format = fmt;
    struct capture c;
    capture_open(&c);
    char err[256];
    struct tracer *t = tracer_new(&cfg, c.f, err, sizeof err);
    ck_assert_msg(t, "%s", err);
    ck_assert_int_eq(tracer_attach(t, h->hub, err, sizeof err), 0);
    if (rec)
        tracer_record(t, rec);
    harness_run(h, 100);
    ck_assert_int_eq(h->exit_code, 0);
    ck_assert_int_eq(tracer_close(t, err, sizeof err), 0);
    harness_free(h);
    return capture_close(&c);
}

typedef char *(*trace_fn)(enum trace_format fmt, struct trace_recording *rec);
static char *trace_basic(enum trace_format f, struct trace_recording *r)
{
    return traced("trace_basic", 0, f, r);
}
static char *trace_rings(enum trace_format f, struct trace_recording *r)
{
    return traced("rings", 3, f, r);
}
static char *trace_smc(enum trace_format f, struct trace_recording *r)
{
    return traced("smc", 0, f, r);
}
static const trace_fn runs[] = {trace_basic, trace_rings, trace_smc, traced_sse};
#define NRUNS (sizeof runs / sizeof runs[0])

/* Every event of a recording written through trace_writer_event. */
static char *write_back(const struct trace_recording *rec, enum trace_format fmt)
{
    struct capture c;
    capture_open(&c);
    struct trace_writer *w = trace_writer_new(fmt, c.f);
    ck_assert_ptr_nonnull(w);
    struct trace_event e;
    for (size_t i = 0; i < rec->count; i++) {
        trace_recording_get(rec, i, &e);
        trace_writer_event(w, &e);
    }
    ck_assert_int_eq(trace_writer_flush(w), 0);
    trace_writer_free(w);
    return capture_close(&c);
}

/* The JSON Lines README specifies for a field list, composed here
 * independently of the writers: decimals as numbers, everything else as
 * the canonical field text in a JSON string. */
static void json_text(char **p, const char *s)
{
    *(*p)++ = '"';
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            *p += sprintf(*p, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            *p += sprintf(*p, "\\u%04x", ch);
        else
            *(*p)++ = (char)ch;
    }
    *(*p)++ = '"';
}

static void json_of_fields(const struct trace_event *e, char *buf)
{
    char *p = buf;
    p += sprintf(p, "{\"kind\":\"%s\",\"step\":%llu", trace_kind_name(e->kind),
                 (unsigned long long)e->step);
    for (unsigned i = 0; i < e->nfields; i++) {
        char v[2048];
        trace_field_text(&e->f[i], v, sizeof v);
        p += sprintf(p, ",\"%s\":", e->f[i].key);
        if (e->f[i].type == TF_DEC || e->f[i].type == TF_SDEC)
            p += sprintf(p, "%s", v);
        else
            json_text(&p, v);
    }
    strcpy(p, "}");
}

/* ---- real traces ---- */

START_TEST(jsonl_lines_are_the_recorded_field_lists)
{
    struct trace_recording rec;
    trace_recording_init(&rec);
    char *out = runs[_i](TRACE_FORMAT_JSONL, &rec);
    ck_assert_uint_gt(rec.count, 10);
    char *line = out;
    static char want[16384];
    for (size_t i = 0; i < rec.count; i++) {
        char *nl = strchr(line, '\n');
        ck_assert_msg(nl, "event #%zu: the output has fewer lines than the recording", i);
        *nl = 0;
        struct trace_event e;
        trace_recording_get(&rec, i, &e);
        json_of_fields(&e, want);
        ck_assert_str_eq(line, want);
        line = nl + 1;
    }
    ck_assert_str_eq(line, "");
    free(out);
    trace_recording_free(&rec);
}
END_TEST

START_TEST(recorded_events_written_back_give_the_same_bytes)
{
    for (int fmt = TRACE_FORMAT_TEXT; fmt <= TRACE_FORMAT_JSONL; fmt++) {
        struct trace_recording rec;
        trace_recording_init(&rec);
        char *direct = runs[_i]((enum trace_format)fmt, &rec);
        char *back = write_back(&rec, (enum trace_format)fmt);
        ck_assert_msg(strcmp(direct, back) == 0, "format %d: written back differs", fmt);
        free(direct);
        free(back);
        trace_recording_free(&rec);
    }
}
END_TEST

START_TEST(a_recording_does_not_change_the_output)
{
    for (int fmt = TRACE_FORMAT_TEXT; fmt <= TRACE_FORMAT_JSONL; fmt++) {
        struct trace_recording rec;
        trace_recording_init(&rec);
        char *with = runs[_i]((enum trace_format)fmt, &rec);
        char *without = runs[_i]((enum trace_format)fmt, NULL);
        ck_assert_msg(strcmp(with, without) == 0, "format %d: output differs", fmt);
        free(with);
        free(without);
        trace_recording_free(&rec);
    }
}
END_TEST

/* The typed kinds are kept as records: only the other kinds use the
 * recording's field store. */
START_TEST(typed_kinds_are_recorded_as_records)
{
    struct trace_recording rec;
    trace_recording_init(&rec);
    free(trace_rings(TRACE_FORMAT_TEXT, &rec));
    size_t other_fields = 0, typed = 0;
    for (size_t i = 0; i < rec.count; i++) {
        struct trace_event e;
        trace_recording_get(&rec, i, &e);
        bool is_typed = e.kind == TRACE_INSN || e.kind == TRACE_MEM || e.kind == TRACE_REG ||
                        e.kind == TRACE_TLB;
        ck_assert_int_eq(rec.events[i].form != REC_FIELDS, is_typed);
        if (is_typed)
            typed++;
        else
            other_fields += e.nfields;
    }
    ck_assert_uint_gt(typed, 100);
    ck_assert_uint_eq(rec.nfields, other_fields);
    trace_recording_free(&rec);
}
END_TEST

/* XMM changes and wide accesses, as trace/README.md specifies them. */
START_TEST(sse_values)
{
    struct trace_recording rec;
    trace_recording_init(&rec);
    char *text = traced_sse(TRACE_FORMAT_TEXT, &rec);
    ck_assert_msg(strstr(text, "R16 0x10000000(pa 0x10000000)=0xaabbccdd000000000000000011223344  "
                               "xmm1=0x00000000000000000000000000000000->"
                               "0xaabbccdd000000000000000011223344"), "%s", text);
    ck_assert_msg(strstr(text, "xmm1=0xaabbccdd000000000000000011223344->"
                               "0x00000000000000000000000000000000"), "%s", text);
    ck_assert_msg(strstr(text, "W16 0x10000010(pa 0x10000010)=0xaabbccdd000000000000000011223344"),
                  "%s", text);
    size_t fx = trace_find(&rec, 0, "mem op=write size=33..512");
    ck_assert_uint_ne(fx, TRACE_NOT_FOUND);
    char v[128];
    trace_get_text(&rec, fx, "value", v, sizeof v);
    ck_assert_uint_eq(strlen(v), 2 + 64 + 3);
    ck_assert_str_eq(v + 66, "...");
    ck_assert_uint_eq(trace_count(&rec, "reg name=xmm1"), 2);
    ck_assert_uint_eq(trace_count(&rec, "reg name=xmm7 new=0xaabbccdd000000000000000011223344"), 1);
    free(text);
    trace_recording_free(&rec);
}
END_TEST

/* ---- hand-made records and field lists ---- */

static char *render(enum trace_format fmt, void (*fill)(struct trace_writer *))
{
    struct capture c;
    capture_open(&c);
    struct trace_writer *w = trace_writer_new(fmt, c.f);
    fill(w);
    ck_assert_int_eq(trace_writer_flush(w), 0);
    trace_writer_free(w);
    return capture_close(&c);
}

static const uint8_t wide_bytes[64] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
    0xff, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
    0x0f, 0x10, 0xde, 0xad};

/* One of each shape of every typed kind. */
static const struct trace_insn insn_rec = {
    .step = 41, .time = 40, .cr3 = 0x123456789ull, .rip = 0xffffffff80001000ull,
    .sym = "kernel:entry+0x4", .sym_len = 16, .bytes = "0f 11 07", .bytes_len = 8,
    .disasm = "movups xmmword ptr [rdi], xmm0", .disasm_len = 30, .cpl = 0};
static const struct trace_mem mem_recs[] = {
    {.step = 41, .va = 0x7000, .pa = 0x3000, .value = 0xfe, .size = 1, .write = true},
    {.step = 41, .va = 0x7008, .pa = 0x3008, .value = 0x8877665544332211ull, .size = 8},
    {.step = 41, .va = 0x7010, .pa = 0x3010, .wide = wide_bytes, .size = 16, .write = true},
    {.step = 41, .va = 0x7100, .pa = 0x3100, .wide = wide_bytes, .size = 64},
};
static const struct trace_reg reg_recs[] = {
    {.step = 41, .old = 1, .new = 0xffffffffffffffffull, .id = TRACE_REG_R15},
    {.step = 41, .old = 0x202, .new = 0xcd7, .id = TRACE_REG_RFLAGS},
    {.step = 41, .old = 0x1000, .new = 0x2000, .id = TRACE_REG_CR3},
    {.step = 41, .old = 0, .new = 0x0102030405060708ull, .old_hi = 0xffull,
     .new_hi = 0x1112131415161718ull, .id = TRACE_REG_XMM0 + 12},
};
static const struct trace_tlb tlb_recs[] = {
    {.step = 41, .va = 0x7000, .pa = 0x3000, .op = TRACE_TLB_HIT, .level = 1,
     .flags = 1 | 2 | 16, .child = true},
    {.step = 41, .va = 0x7000, .pa = 0x3000, .op = TRACE_TLB_FILL, .level = 2, .flags = 0,
     .child = true},
    {.step = 42, .va = 0x400000, .pa = 0x40000000, .op = TRACE_TLB_FILL, .level = 3,
     .flags = 31, .child = false},
    {.step = 41, .va = 0x8000, .op = TRACE_TLB_HIT, .level = 0, .child = true},
    {.step = 41, .va = 0x9000, .op = TRACE_TLB_MISS, .child = true},
    {.step = 41, .va = 0x9000, .op = TRACE_TLB_FLUSH, .scope = TRACE_TLB_PAGE,
     .cause = TRACE_TLB_INVLPG, .child = true},
    {.step = 41, .op = TRACE_TLB_FLUSH, .scope = TRACE_TLB_NONGLOBAL,
     .cause = TRACE_TLB_CR3_WRITE, .child = true},
    {.step = 43, .op = TRACE_TLB_FLUSH, .scope = TRACE_TLB_ALL,
     .cause = TRACE_TLB_PAGING_CHANGE, .child = false},
};
#define COUNT(a) (sizeof(a) / sizeof(a)[0])

static void records_direct(struct trace_writer *w)
{
    trace_writer_insn(w, &insn_rec, NULL);
    for (size_t i = 0; i < COUNT(mem_recs); i++)
        trace_writer_mem(w, &mem_recs[i]);
    for (size_t i = 0; i < COUNT(reg_recs); i++)
        trace_writer_reg(w, &reg_recs[i]);
    for (size_t i = 0; i < COUNT(tlb_recs); i++)
        trace_writer_tlb(w, &tlb_recs[i]);
    /* effects with no instruction line open */
    trace_writer_mem(w, &mem_recs[3]);
    trace_writer_reg(w, &reg_recs[1]);
    trace_writer_reg(w, &reg_recs[3]);
}

static void records_as_fields(struct trace_writer *w)
{
    struct trace_event e;
    trace_insn_fields(&insn_rec, &e);
    trace_writer_event(w, &e);
    for (size_t i = 0; i < COUNT(mem_recs); i++) {
        trace_mem_fields(&mem_recs[i], &e);
        trace_writer_event(w, &e);
    }
    for (size_t i = 0; i < COUNT(reg_recs); i++) {
        trace_reg_fields(&reg_recs[i], &e);
        trace_writer_event(w, &e);
    }
    for (size_t i = 0; i < COUNT(tlb_recs); i++) {
        trace_tlb_fields(&tlb_recs[i], &e);
        trace_writer_event(w, &e);
    }
    trace_mem_fields(&mem_recs[3], &e);
    trace_writer_event(w, &e);
    trace_reg_fields(&reg_recs[1], &e);
    trace_writer_event(w, &e);
    trace_reg_fields(&reg_recs[3], &e);
    trace_writer_event(w, &e);
}

START_TEST(records_and_their_field_lists_print_alike)
{
    for (int fmt = TRACE_FORMAT_TEXT; fmt <= TRACE_FORMAT_JSONL; fmt++) {
        char *a = render((enum trace_format)fmt, records_direct);
        char *b = render((enum trace_format)fmt, records_as_fields);
        ck_assert_str_eq(a, b);
        free(a);
        free(b);
    }
}
END_TEST

/* The text format of every shape, byte for byte (trace/README.md). */
START_TEST(text_of_every_shape)
{
    char *s = render(TRACE_FORMAT_TEXT, records_direct);
    const char *want =
        "#    step      time r cr3      rip              symbol                      bytes       "
        "                  disassembly                         effects\n"
        "       41        40 0 0000000123456789 ffffffff80001000 kernel:entry+0x4            "
        "0f 11 07                      movups xmmword ptr [rdi], xmm0      "
        "W1 0x7000(pa 0x3000)=0xfe  R8 0x7008(pa 0x3008)=0x8877665544332211  "
        "W16 0x7010(pa 0x3010)=0xffeeddccbbaa99887766554433221100  "
        "R64 0x7100(pa 0x3100)="
        "0x100f0e0d0c0b0a090807060504030201ffeeddccbbaa99887766554433221100...  "
        "r15=0x1->0xffffffffffffffff  rflags=odItszapc->ODitSZAPC  cr3=0x1000->0x2000  "
        "xmm12=0x00000000000000ff0000000000000000->0x11121314151617180102030405060708\n"
        "       41   tlb       op=hit va=0x7000 pa=0x3000 page=4K flags=\"W U D\"\n"
        "       41   tlb       op=fill va=0x7000 pa=0x3000 page=2M flags=-\n"
        "       42   tlb       op=fill va=0x400000 pa=0x40000000 page=1G flags=\"W U NX G D\"\n"
        "       41   tlb       op=hit va=0x8000\n"
        "       41   tlb       op=miss va=0x9000\n"
        "       41   tlb       op=flush scope=page va=0x9000 cause=invlpg\n"
        "       41   tlb       op=flush scope=nonglobal cause=\"cr3 write\"\n"
        "       43   tlb       op=flush scope=all cause=\"paging control change\"\n"
        "       41   mem       op=read va=0x7100 pa=0x3100 size=64 "
        "value=0x100f0e0d0c0b0a090807060504030201ffeeddccbbaa99887766554433221100...\n"
        "       41   reg       name=rflags old=0x202 new=0xcd7 old_flags=odItszapc "
        "new_flags=ODitSZAPC\n"
        "       41   reg       name=xmm12 old=0x00000000000000ff0000000000000000 "
        "new=0x11121314151617180102030405060708\n";
    ck_assert_str_eq(s, want);
    free(s);
}
END_TEST

START_TEST(field_lists_round_trip)
{
    struct trace_event e;
    struct trace_insn insn;
    trace_insn_fields(&insn_rec, &e);
    ck_assert(trace_insn_from_fields(&e, &insn));
    ck_assert_uint_eq(insn.cr3, insn_rec.cr3);
    ck_assert_uint_eq(insn.rip, insn_rec.rip);
    ck_assert_str_eq(insn.disasm, insn_rec.disasm);
    for (size_t i = 0; i < COUNT(mem_recs); i++) {
        struct trace_mem m;
        uint8_t wide[TRACE_MEM_WIDE_SHOWN];
        trace_mem_fields(&mem_recs[i], &e);
        ck_assert(trace_mem_from_fields(&e, &m, wide));
        ck_assert_uint_eq(m.size, mem_recs[i].size);
        if (m.size <= 8)
            ck_assert_uint_eq(m.value, mem_recs[i].value);
        else
            ck_assert_mem_eq(m.wide, wide_bytes, m.size < 32 ? m.size : 32);
    }
    for (size_t i = 0; i < COUNT(reg_recs); i++) {
        struct trace_reg r;
        trace_reg_fields(&reg_recs[i], &e);
        ck_assert(trace_reg_from_fields(&e, &r));
        ck_assert_int_eq(r.id, reg_recs[i].id);
        ck_assert_uint_eq(r.old, reg_recs[i].old);
        ck_assert_uint_eq(r.new, reg_recs[i].new);
        ck_assert_uint_eq(r.old_hi, reg_recs[i].old_hi);
        ck_assert_uint_eq(r.new_hi, reg_recs[i].new_hi);
    }
    for (size_t i = 0; i < COUNT(tlb_recs); i++) {
        struct trace_tlb t;
        trace_tlb_fields(&tlb_recs[i], &e);
        ck_assert(trace_tlb_from_fields(&e, &t));
        ck_assert_int_eq(t.op, tlb_recs[i].op);
        ck_assert_int_eq(t.child, tlb_recs[i].child);
        if (t.op == TRACE_TLB_HIT || t.op == TRACE_TLB_FILL) {
            ck_assert_int_eq(t.level, tlb_recs[i].level);
            if (t.level)
                ck_assert_int_eq(t.flags, tlb_recs[i].flags);
        }
        if (t.op == TRACE_TLB_FLUSH) {
            ck_assert_int_eq(t.scope, tlb_recs[i].scope);
            ck_assert_int_eq(t.cause, tlb_recs[i].cause);
        }
    }
}
END_TEST

/* Field lists that are not exactly a record's are printed as they are. */
static void odd_lists(struct trace_writer *w)
{
    struct trace_event e;
    trace_event_init(&e, TRACE_INSN, 5, false); /* no time, cr3, bytes */
    trace_add(&e, "cpl", TF_DEC, 3);
    trace_add(&e, "rip", TF_HEX, 0x401000);
    trace_add_str(&e, "sym", "main");
    trace_add_str(&e, "disasm", "nop");
    trace_writer_event(w, &e);
    trace_reg_fields(&reg_recs[1], &e); /* letters that are not the value's */
    e.step = 5;
    e.f[3].s = "oditszapc";
    trace_writer_event(w, &e);
    trace_event_init(&e, TRACE_MEM, 5, true); /* a field too many */
    trace_add_str(&e, "op", "read");
    trace_add(&e, "va", TF_HEX, 0x10);
    trace_add(&e, "pa", TF_HEX, 0x10);
    trace_add(&e, "size", TF_DEC, 1);
    trace_add(&e, "value", TF_HEX, 7);
    trace_add_str(&e, "note", "extra");
    trace_writer_event(w, &e);
    trace_event_init(&e, TRACE_TLB, 6, false); /* an op no TLB has */
    trace_add_str(&e, "op", "shootdown");
    trace_writer_event(w, &e);
}

START_TEST(other_field_lists_print_as_they_are)
{
    char *s = render(TRACE_FORMAT_TEXT, odd_lists);
    ck_assert_str_eq(strchr(s, '\n') + 1,
                     "        5   insn      cpl=3 rip=0x401000 sym=main disasm=nop\n"
                     "        5   reg       name=rflags old=0x202 new=0xcd7 "
                     "old_flags=oditszapc new_flags=ODitSZAPC\n"
                     "        5   mem       op=read va=0x10 pa=0x10 size=1 value=0x7 note=extra\n"
                     "        6   tlb       op=shootdown\n");
    free(s);
    s = render(TRACE_FORMAT_JSONL, odd_lists);
    ck_assert_str_eq(s,
                     "{\"kind\":\"insn\",\"step\":5,\"cpl\":3,\"rip\":\"0x401000\","
                     "\"sym\":\"main\","
                     "\"disasm\":\"nop\"}\n"
                     "{\"kind\":\"reg\",\"step\":5,\"name\":\"rflags\",\"old\":\"0x202\","
                     "\"new\":\"0xcd7\",\"old_flags\":\"oditszapc\",\"new_flags\":\"ODitSZAPC\"}\n"
                     "{\"kind\":\"mem\",\"step\":5,\"op\":\"read\",\"va\":\"0x10\",\"pa\":\"0x10\","
                     "\"size\":1,\"value\":\"0x7\",\"note\":\"extra\"}\n"
                     "{\"kind\":\"tlb\",\"step\":6,\"op\":\"shootdown\"}\n");
    free(s);
}
END_TEST

/* The TLB flag words are the TLBF_* bits' names in the order W U NX G D. */
START_TEST(tlb_flag_words)
{
    for (unsigned f = 0; f < TRACE_TLB_FLAGS; f++) {
        char want[32] = "";
        if (f & TLBF_W) strcat(want, " W");
        if (f & TLBF_U) strcat(want, " U");
        if (f & TLBF_NX) strcat(want, " NX");
        if (f & TLBF_G) strcat(want, " G");
        if (f & TLBF_D) strcat(want, " D");
        ck_assert_str_eq(trace_tlb_flags_text[f], want[0] ? want + 1 : "-");
        ck_assert_uint_eq(trace_tlb_flags_len[f], strlen(trace_tlb_flags_text[f]));
    }
    for (unsigned id = 0; id < TRACE_REG_COUNT; id++)
        ck_assert_uint_eq(trace_reg_name_lens[id], strlen(trace_reg_names[id]));
    ck_assert_str_eq(trace_reg_names[TRACE_REG_R15], "r15");
    ck_assert_str_eq(trace_reg_names[TRACE_REG_EFER], "efer");
    ck_assert_str_eq(trace_reg_names[TRACE_REG_XMM15], "xmm15");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trace_records");
    TCase *tc = tcase_create("records");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, jsonl_lines_are_the_recorded_field_lists, 0, NRUNS);
    tcase_add_loop_test(tc, recorded_events_written_back_give_the_same_bytes, 0, NRUNS);
    tcase_add_loop_test(tc, a_recording_does_not_change_the_output, 0, NRUNS);
    tcase_add_test(tc, typed_kinds_are_recorded_as_records);
    tcase_add_test(tc, sse_values);
    tcase_add_test(tc, records_and_their_field_lists_print_alike);
    tcase_add_test(tc, text_of_every_shape);
    tcase_add_test(tc, field_lists_round_trip);
    tcase_add_test(tc, other_field_lists_print_as_they_are);
    tcase_add_test(tc, tlb_flag_words);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
