/* records.c — the typed records of records.h: their names, their field
 * lists (the one place that says which fields these kinds have, as
 * trace/README.md lists them) and the way back from a field list. */
#include "records.h"
#include <stdio.h>
#include "outbuf.h"

#define NAME_TEXT(s) s,
#define NAME_LEN(s) (uint8_t)(sizeof(s) - 1),

#define REG_NAMES(X)                                                                          \
    X("rax") X("rcx") X("rdx") X("rbx") X("rsp") X("rbp") X("rsi") X("rdi")                 \
    X("r8") X("r9") X("r10") X("r11") X("r12") X("r13") X("r14") X("r15")                   \
    X("rflags")                                                                             \
    X("es") X("cs") X("ss") X("ds") X("fs") X("gs")                                         \
    X("fs_base") X("gs_base") X("kernel_gs_base")                                           \
    X("cr0") X("cr2") X("cr3") X("cr4") X("efer")                                           \
    X("xmm0") X("xmm1") X("xmm2") X("xmm3") X("xmm4") X("xmm5") X("xmm6") X("xmm7")         \
    X("xmm8") X("xmm9") X("xmm10") X("xmm11") X("xmm12") X("xmm13") X("xmm14") X("xmm15")
const char trace_reg_names[TRACE_REG_COUNT][16] = {REG_NAMES(NAME_TEXT)};
const uint8_t trace_reg_name_lens[TRACE_REG_COUNT] = {REG_NAMES(NAME_LEN)};

/* Index = TLBF_* bits W U NX G D (1 2 4 8 16), the words in that order. */
#define TLB_FLAG_WORDS_LOW(X, D)                                                              \
    X(D("-", "D")) X(D("W", "W D")) X(D("U", "U D")) X(D("W U", "W U D"))                   \
    X(D("NX", "NX D")) X(D("W NX", "W NX D")) X(D("U NX", "U NX D"))                        \
    X(D("W U NX", "W U NX D")) X(D("G", "G D")) X(D("W G", "W G D")) X(D("U G", "U G D"))   \
    X(D("W U G", "W U G D")) X(D("NX G", "NX G D")) X(D("W NX G", "W NX G D"))              \
    X(D("U NX G", "U NX G D")) X(D("W U NX G", "W U NX G D"))
#define WITHOUT_D(a, b) a
#define WITH_D(a, b) b
#define TLB_FLAG_WORDS(X) TLB_FLAG_WORDS_LOW(X, WITHOUT_D) TLB_FLAG_WORDS_LOW(X, WITH_D)
const char trace_tlb_flags_text[TRACE_TLB_FLAGS][16] = {TLB_FLAG_WORDS(NAME_TEXT)};
const uint8_t trace_tlb_flags_len[TRACE_TLB_FLAGS] = {TLB_FLAG_WORDS(NAME_LEN)};

const char *const trace_tlb_op_names[4] = {"hit", "miss", "fill", "flush"};
const char *const trace_tlb_scope_names[3] = {"page", "nonglobal", "all"};
const char *const trace_tlb_cause_names[5] = {"invlpg", "cr0 write", "cr3 write", "cr4 write",
                                              "paging control change"};

size_t mem_wide_value_text(const uint8_t *value, unsigned size, char *buf)
{
    unsigned shown = size < TRACE_MEM_WIDE_SHOWN ? size : TRACE_MEM_WIDE_SHOWN;
    char *p = buf;
    *p++ = '0';
    *p++ = 'x';
    for (unsigned i = 0; i < shown; i++, p += 2)
        memcpy(p, out_hexpairs + 2 * value[shown - 1 - i], 2);
    if (shown < size)
        memcpy(p, "...", 3), p += 3;
    *p = 0;
    return (size_t)(p - buf);
}

void rflags_letters(uint64_t rflags, char *buf)
{
    *put_rflags_letters(buf, rflags) = 0;
}

char *put_hex128(char *p, uint64_t hi, uint64_t lo)
{
    p[0] = '0';
    p[1] = 'x';
    hex16(p + 2, hi);
    hex16(p + 18, lo);
    return p + 34;
}

/* ---- records → field lists ---- */

void trace_insn_fields(const struct trace_insn *r, struct trace_event *e)
{
    trace_event_init(e, TRACE_INSN, r->step, false);
    trace_add(e, "time", TF_DEC, r->time);
    trace_add(e, "cpl", TF_DEC, r->cpl);
    trace_add(e, "cr3", TF_HEX, r->cr3);
    trace_add(e, "rip", TF_HEX, r->rip);
    trace_add_strn(e, "sym", r->sym, r->sym_len);
    trace_add_strn(e, "bytes", r->bytes, r->bytes_len);
    trace_add_strn(e, "disasm", r->disasm, r->disasm_len);
}

void trace_mem_fields(const struct trace_mem *r, struct trace_event *e)
{
    trace_event_init(e, TRACE_MEM, r->step, true);
    trace_add_str(e, "op", r->write ? "write" : "read");
    trace_add(e, "va", TF_HEX, r->va);
    trace_add(e, "pa", TF_HEX, r->pa);
    trace_add(e, "size", TF_DEC, r->size);
    if (r->size <= 8)
        trace_add(e, "value", TF_HEX, r->value);
    else
        trace_add_strn(e, "value", e->text, mem_wide_value_text(r->wide, r->size, e->text));
}

void trace_reg_fields(const struct trace_reg *r, struct trace_event *e)
{
    trace_event_init(e, TRACE_REG, r->step, true);
    unsigned id = r->id < TRACE_REG_COUNT ? r->id : TRACE_REG_RAX;
    trace_add_strn(e, "name", trace_reg_names[id], trace_reg_name_lens[id]);
    if (trace_reg_is_xmm(id)) {
        char *old = e->text, *new = e->text + 35;
        *put_hex128(old, r->old_hi, r->old) = 0;
        *put_hex128(new, r->new_hi, r->new) = 0;
        trace_add_strn(e, "old", old, 34);
        trace_add_strn(e, "new", new, 34);
        return;
    }
    trace_add(e, "old", TF_HEX, r->old);
    trace_add(e, "new", TF_HEX, r->new);
    if (id == TRACE_REG_RFLAGS) {
        char *old = e->text, *new = e->text + 10;
        *put_rflags_letters(old, r->old) = 0;
        *put_rflags_letters(new, r->new) = 0;
        trace_add_strn(e, "old_flags", old, 9);
        trace_add_strn(e, "new_flags", new, 9);
    }
}

void trace_tlb_fields(const struct trace_tlb *r, struct trace_event *e)
{
    trace_event_init(e, TRACE_TLB, r->step, r->child);
    unsigned op = r->op < 4 ? r->op : TRACE_TLB_MISS;
    trace_add_str(e, "op", trace_tlb_op_names[op]);
    if (op != TRACE_TLB_FLUSH) {
        trace_add(e, "va", TF_HEX, r->va);
        if ((op == TRACE_TLB_HIT || op == TRACE_TLB_FILL) && r->level) {
            unsigned f = r->flags % TRACE_TLB_FLAGS;
            trace_add(e, "pa", TF_HEX, r->pa);
            trace_add_strn(e, "page", trace_page_size_name(r->level), 2);
            trace_add_strn(e, "flags", trace_tlb_flags_text[f], trace_tlb_flags_len[f]);
        }
        return;
    }
    unsigned scope = r->scope < 3 ? r->scope : TRACE_TLB_ALL;
    trace_add_str(e, "scope", trace_tlb_scope_names[scope]);
    if (scope == TRACE_TLB_PAGE)
        trace_add(e, "va", TF_HEX, r->va);
    trace_add_str(e, "cause", trace_tlb_cause_names[r->cause < 5 ? r->cause : 4]);
}

/* ---- field lists → records ---- */

/* Whether two field lists say the same thing, field for field. */
static bool same_fields(const struct trace_event *a, const struct trace_event *b)
{
    if (a->kind != b->kind || a->step != b->step || !a->child != !b->child ||
        a->nfields != b->nfields)
        return false;
    for (unsigned i = 0; i < a->nfields; i++) {
        const struct trace_field *x = &a->f[i], *y = &b->f[i];
        if (x->type != y->type || strcmp(x->key, y->key) != 0)
            return false;
        if (x->type == TF_STR) {
            if (x->slen != y->slen || (x->slen && memcmp(x->s, y->s, x->slen) != 0))
                return false;
        } else if (x->v != y->v || (x->type == TF_PAIR && x->v2 != y->v2)) {
            return false;
        }
    }
    return true;
}

static uint64_t num_of(const struct trace_event *e, const char *key)
{
    const struct trace_field *f = trace_field(e, key);
    return f && f->type != TF_STR ? f->v : 0;
}

/* A text field (NULL when missing or not text); *len its length. */
static const char *text_field(const struct trace_event *e, const char *key, size_t *len)
{
    const struct trace_field *f = trace_field(e, key);
    if (!f || f->type != TF_STR || !f->s)
        return NULL;
    *len = f->slen;
    return f->s;
}

/* Index of s (len bytes) in names[n], or -1. */
static int name_index(const char *const *names, unsigned n, const char *s, size_t len)
{
    for (unsigned i = 0; i < n; i++)
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
            return (int)i;
    return -1;
}

/* Index of s (len bytes) in a table of n 16-byte names, or -1. */
static int name16_index(const char (*names)[16], const uint8_t *lens, unsigned n, const char *s,
                        size_t len)
{
    for (unsigned i = 0; i < n; i++)
        if (lens[i] == len && memcmp(names[i], s, len) == 0)
            return (int)i;
    return -1;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* n hex digits at s as a number; false if one is not a hex digit. */
static bool parse_hex(const char *s, unsigned n, uint64_t *v)
{
    *v = 0;
    for (unsigned i = 0; i < n; i++) {
        int d = hex_digit(s[i]);
        if (d < 0)
            return false;
        *v = *v << 4 | (uint64_t)d;
    }
    return true;
}

bool trace_insn_from_fields(const struct trace_event *e, struct trace_insn *r)
{
    if (e->kind != TRACE_INSN)
        return false;
    size_t sym_len = 0, bytes_len = 0, dis_len = 0;
    const char *sym = text_field(e, "sym", &sym_len), *bytes = text_field(e, "bytes", &bytes_len),
               *dis = text_field(e, "disasm", &dis_len);
    if (!sym || !bytes || !dis)
        return false;
    *r = (struct trace_insn){.step = e->step, .time = num_of(e, "time"),
                             .cr3 = num_of(e, "cr3"), .rip = num_of(e, "rip"),
                             .sym = sym, .bytes = bytes, .disasm = dis,
                             .sym_len = (uint16_t)sym_len, .bytes_len = (uint16_t)bytes_len,
                             .disasm_len = (uint16_t)dis_len, .cpl = (uint8_t)num_of(e, "cpl")};
    struct trace_event back;
    trace_insn_fields(r, &back);
    return same_fields(e, &back);
}

bool trace_mem_from_fields(const struct trace_event *e, struct trace_mem *r,
                           uint8_t wide[TRACE_MEM_WIDE_SHOWN])
{
    size_t op_len;
    const char *op = text_field(e, "op", &op_len);
    const struct trace_field *value = trace_field(e, "value");
    if (e->kind != TRACE_MEM || !op || !value)
        return false;
    *r = (struct trace_mem){.step = e->step, .va = num_of(e, "va"), .pa = num_of(e, "pa"),
                            .size = (uint32_t)num_of(e, "size"),
                            .write = op_len == 5 && memcmp(op, "write", 5) == 0};
    if (r->size <= 8) {
        r->value = value->type == TF_HEX ? value->v : 0;
    } else {
        /* "0x" and the shown bytes, most significant first. */
        unsigned shown = r->size < TRACE_MEM_WIDE_SHOWN ? r->size : TRACE_MEM_WIDE_SHOWN;
        if (value->type != TF_STR || value->slen < 2 + 2 * shown)
            return false;
        for (unsigned i = 0; i < shown; i++) {
            uint64_t b;
            if (!parse_hex(value->s + 2 + 2 * i, 2, &b))
                return false;
            wide[shown - 1 - i] = (uint8_t)b;
        }
        r->wide = wide;
    }
    struct trace_event back;
    trace_mem_fields(r, &back);
    return same_fields(e, &back);
}

bool trace_reg_from_fields(const struct trace_event *e, struct trace_reg *r)
{
    size_t name_len;
    const char *name = text_field(e, "name", &name_len);
    if (e->kind != TRACE_REG || !name)
        return false;
    int id = name16_index(trace_reg_names, trace_reg_name_lens, TRACE_REG_COUNT, name, name_len);
    if (id < 0)
        return false;
    *r = (struct trace_reg){.step = e->step, .id = (uint8_t)id};
    if (trace_reg_is_xmm((unsigned)id)) {
        size_t old_len = 0, new_len = 0;
        const char *old = text_field(e, "old", &old_len), *new = text_field(e, "new", &new_len);
        if (!old || !new || old_len != 34 || new_len != 34 ||
            !parse_hex(old + 2, 16, &r->old_hi) || !parse_hex(old + 18, 16, &r->old) ||
            !parse_hex(new + 2, 16, &r->new_hi) || !parse_hex(new + 18, 16, &r->new))
            return false;
    } else {
        r->old = num_of(e, "old");
        r->new = num_of(e, "new");
    }
    struct trace_event back;
    trace_reg_fields(r, &back);
    return same_fields(e, &back);
}

bool trace_tlb_from_fields(const struct trace_event *e, struct trace_tlb *r)
{
    size_t op_len, len;
    const char *op = text_field(e, "op", &op_len), *s;
    int o = op ? name_index(trace_tlb_op_names, 4, op, op_len) : -1;
    if (e->kind != TRACE_TLB || o < 0)
        return false;
    *r = (struct trace_tlb){.step = e->step, .va = num_of(e, "va"), .pa = num_of(e, "pa"),
                            .op = (uint8_t)o, .child = e->child};
    if ((s = text_field(e, "page", &len)))
        r->level = len == 2 && s[0] == '1' ? 3 : len == 2 && s[0] == '2' ? 2 : 1;
    if ((s = text_field(e, "flags", &len))) {
        int f = name16_index(trace_tlb_flags_text, trace_tlb_flags_len, TRACE_TLB_FLAGS, s, len);
        r->flags = (uint8_t)(f < 0 ? 0 : f);
    }
    if ((s = text_field(e, "scope", &len))) {
        int sc = name_index(trace_tlb_scope_names, 3, s, len);
        r->scope = (uint8_t)(sc < 0 ? 0 : sc);
    }
    if ((s = text_field(e, "cause", &len))) {
        int c = name_index(trace_tlb_cause_names, 5, s, len);
        r->cause = (uint8_t)(c < 0 ? 0 : c);
    }
    struct trace_event back;
    trace_tlb_fields(r, &back);
    return same_fields(e, &back);
}
