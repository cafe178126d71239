/* jsonl.c — JSON Lines: one object per event, {"kind":…,"step":…} then
 * the event's fields in order.  Decimal fields are JSON numbers; hex
 * fields, transitions and text are JSON strings ("0x7ffe0000", "3->0"),
 * because 64-bit values do not survive a JSON number in most readers.
 *
 * insn, mem, reg and tlb events have one renderer each (jsonl_insn,
 * jsonl_mem, jsonl_reg, jsonl_tlb), fed with their typed records
 * (records.h) and printing the fields trace_X_fields lists, in that order;
 * every other kind is printed from its fields (jsonl_event). */
#include "writer.h"

/* Bytes that a JSON string can hold as they are: printable ASCII except
 * the quote and the backslash. */
static inline bool json_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* s (n bytes) as a JSON string, quotes included: room needed 6 n + 2. */
static char *put_json_string(char *p, const char *s, size_t n)
{
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (json_plain(c)) {
            *p++ = (char)c;
        } else if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = (char)c;
        } else {
            /* Control bytes, and bytes outside ASCII read as Latin-1, so
             * every line is valid UTF-8 whatever the guest wrote. */
            memcpy(p, "\\u00", 4);
            memcpy(p + 4, out_hexpairs + 2 * c, 2);
            p += 6;
        }
    }
    *p++ = '"';
    return p;
}

/* The length of s (n bytes) as a JSON string, quotes included. */
static size_t json_length(const char *s, size_t n)
{
    size_t len = 2;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        len += json_plain(c) ? 1 : c == '"' || c == '\\' ? 2 : 6;
    }
    return len;
}

static void json_string(struct trace_out *o, const char *s)
{
    size_t n = strlen(s);
    if (6 * n + 2 > TRACE_OUT_CAP) /* longer than any producer's text */
        n = (TRACE_OUT_CAP - 2) / 6;
    out_commit(o, put_json_string(out_room(o, 6 * n + 2), s, n));
}

void jsonl_event(struct trace_writer *w, const struct trace_event *e)
{
    struct trace_out *o = &w->out;
    out_str(o, "{\"kind\":\"");
    out_str(o, trace_kind_name(e->kind));
    out_str(o, "\",\"step\":");
    out_dec(o, e->step);
    for (unsigned i = 0; i < e->nfields; i++) {
        const struct trace_field *f = &e->f[i];
        out_mem(o, ",\"", 2);
        out_mem(o, f->key, f->klen);
        out_mem(o, "\":", 2);
        switch (f->type) {
        case TF_DEC: out_dec(o, f->v); break;
        case TF_SDEC: out_sdec(o, (int64_t)f->v); break;
        case TF_HEX:
            out_char(o, '"');
            out_hex(o, f->v);
            out_char(o, '"');
            break;
        case TF_PAIR:
            out_char(o, '"');
            out_dec(o, f->v);
            out_str(o, "->");
            out_dec(o, f->v2);
            out_char(o, '"');
            break;
        default: json_string(o, f->s ? f->s : ""); break;
        }
    }
    out_str(o, "}\n");
}

#define PUT_LIT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)

/* `{"kind":"KIND","step":N` (KIND: a literal): room 40 + the kind. */
#define PUT_HEAD(w, p, kind, step)                                                            \
    put_counter(PUT_LIT(p, "{\"kind\":\"" kind "\",\"step\":"), &(w)->step_digits, step)

/* ---- insn ---- */

/* The text of an instruction's strings, each cut to what one line may
 * hold (only a hand-made event has such strings). */
#define INSN_STRING_MAX ((TRACE_OUT_CAP - 256) / 18)
static size_t cut(size_t n)
{
    return n < INSN_STRING_MAX ? n : INSN_STRING_MAX;
}

/* `,"cpl":…` to the end of the line: room needed 128 + the strings as
 * JSON (json_length). */
static char *put_insn_tail(char *p, const struct trace_insn *r)
{
    p = PUT_LIT(p, ",\"cpl\":");
    p = put_dec(p, r->cpl);
    p = PUT_LIT(p, ",\"cr3\":\"");
    p = put_hex(p, r->cr3);
    p = PUT_LIT(p, "\",\"rip\":\"");
    p = put_hex(p, r->rip);
    p = PUT_LIT(p, "\",\"sym\":");
    p = put_json_string(p, r->sym, cut(r->sym_len));
    p = PUT_LIT(p, ",\"bytes\":");
    p = put_json_string(p, r->bytes, cut(r->bytes_len));
    p = PUT_LIT(p, ",\"disasm\":");
    p = put_json_string(p, r->disasm, cut(r->disasm_len));
    return PUT_LIT(p, "}\n");
}

static size_t insn_tail_room(const struct trace_insn *r)
{
    return json_length(r->sym, cut(r->sym_len)) + json_length(r->bytes, cut(r->bytes_len)) +
           json_length(r->disasm, cut(r->disasm_len)) + 128;
}

void jsonl_insn_cols(const struct trace_insn *r, struct trace_insn_cols *c)
{
    if (insn_tail_room(r) > sizeof c->text) {
        c->len = 0; /* too long to keep: rendered each time */
        return;
    }
    c->len = (uint16_t)(put_insn_tail(c->text, r) - c->text);
    c->pad = 0;
}

void jsonl_insn(struct trace_writer *w, const struct trace_insn *r,
                const struct trace_insn_cols *cols)
{
    struct trace_out *o = &w->out;
    bool cached = cols && cols->len;
    char *p = out_room(o, 64 + (cached ? sizeof cols->text : insn_tail_room(r)));
    p = PUT_HEAD(w, p, "insn", r->step);
    p = put_counter(PUT_LIT(p, ",\"time\":"), &w->time_digits, r->time);
    out_commit(o, cached ? put_copy32(p, cols->text, cols->len) : put_insn_tail(p, r));
}

/* ---- mem ---- */

void jsonl_mem(struct trace_writer *w, const struct trace_mem *r)
{
    struct trace_out *o = &w->out;
    char *p = PUT_HEAD(w, out_room(o, 256), "mem", r->step);
    if (r->write)
        p = PUT_LIT(p, ",\"op\":\"write\",\"va\":\"");
    else
        p = PUT_LIT(p, ",\"op\":\"read\",\"va\":\"");
    p = put_hex(p, r->va);
    p = PUT_LIT(p, "\",\"pa\":\"");
    p = put_hex(p, r->pa);
    p = PUT_LIT(p, "\",\"size\":");
    p = put_dec(p, r->size);
    p = PUT_LIT(p, ",\"value\":\"");
    if (r->size <= 8)
        p = put_hex(p, r->value);
    else
        p += mem_wide_value_text(r->wide, r->size, p); /* hex digits and dots: nothing to escape */
    out_commit(o, PUT_LIT(p, "\"}\n"));
}

/* ---- reg ---- */

void jsonl_reg(struct trace_writer *w, const struct trace_reg *r)
{
    struct trace_out *o = &w->out;
    unsigned id = r->id < TRACE_REG_COUNT ? r->id : TRACE_REG_RAX;
    char *p = PUT_HEAD(w, out_room(o, 256), "reg", r->step);
    p = PUT_LIT(p, ",\"name\":\"");
    memcpy(p, trace_reg_names[id], 16); /* names need no escapes */
    p = PUT_LIT(p + trace_reg_name_lens[id], "\",\"old\":\"");
    if (trace_reg_is_xmm(id)) {
        p = put_hex128(p, r->old_hi, r->old);
        p = put_hex128(PUT_LIT(p, "\",\"new\":\""), r->new_hi, r->new);
    } else {
        p = put_hex(p, r->old);
        p = put_hex(PUT_LIT(p, "\",\"new\":\""), r->new);
    }
    *p++ = '"';
    if (id == TRACE_REG_RFLAGS) {
        p = put_rflags_letters(PUT_LIT(p, ",\"old_flags\":\""), r->old);
        p = put_rflags_letters(PUT_LIT(p, "\",\"new_flags\":\""), r->new);
        *p++ = '"';
    }
    out_commit(o, PUT_LIT(p, "}\n"));
}

/* ---- tlb ---- */

/* `,"key":"text"` for a constant without escapes. */
static char *put_plain_field(char *p, const char *key_lit_quoted, size_t klen, const char *s,
                             size_t n)
{
    memcpy(p, key_lit_quoted, klen);
    p += klen;
    memcpy(p, s, n);
    p[n] = '"';
    return p + n + 1;
}
#define PUT_TEXT_FIELD(p, key, s, n) put_plain_field(p, ",\"" key "\":\"", sizeof(key) + 4, s, n)

void jsonl_tlb(struct trace_writer *w, const struct trace_tlb *r)
{
    struct trace_out *o = &w->out;
    char *p = PUT_HEAD(w, out_room(o, 256), "tlb", r->step);
    switch (r->op) {
    case TRACE_TLB_HIT:
    case TRACE_TLB_FILL:
        if (r->op == TRACE_TLB_HIT)
            p = PUT_LIT(p, ",\"op\":\"hit\",\"va\":\"");
        else
            p = PUT_LIT(p, ",\"op\":\"fill\",\"va\":\"");
        p = put_hex(p, r->va);
        *p++ = '"';
        if (r->level) {
            unsigned f = r->flags % TRACE_TLB_FLAGS;
            p = put_hex(PUT_LIT(p, ",\"pa\":\""), r->pa);
            p = PUT_TEXT_FIELD(PUT_LIT(p, "\""), "page", trace_page_size_name(r->level), 2);
            memcpy(PUT_LIT(p, ",\"flags\":\""), trace_tlb_flags_text[f], 16);
            p += sizeof(",\"flags\":\"") - 1 + trace_tlb_flags_len[f];
            *p++ = '"';
        }
        break;
    case TRACE_TLB_FLUSH: {
        unsigned scope = r->scope < 3 ? r->scope : TRACE_TLB_ALL;
        const char *cause = trace_tlb_cause_names[r->cause < 5 ? r->cause : 4];
        p = PUT_LIT(p, ",\"op\":\"flush\"");
        p = PUT_TEXT_FIELD(p, "scope", trace_tlb_scope_names[scope],
                           strlen(trace_tlb_scope_names[scope]));
        if (scope == TRACE_TLB_PAGE) {
            p = put_hex(PUT_LIT(p, ",\"va\":\""), r->va);
            *p++ = '"';
        }
        p = PUT_TEXT_FIELD(p, "cause", cause, strlen(cause));
        break;
    }
    default:
        p = put_hex(PUT_LIT(p, ",\"op\":\"miss\",\"va\":\""), r->va);
        *p++ = '"';
    }
    out_commit(o, PUT_LIT(p, "}\n"));
}
