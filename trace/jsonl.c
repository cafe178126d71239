/* jsonl.c — JSON Lines: one object per event, {"kind":…,"step":…} then
 * the event's fields in order.  Decimal fields are JSON numbers; hex
 * fields, transitions and text are JSON strings ("0x7ffe0000", "3->0"),
 * because 64-bit values do not survive a JSON number in most readers.
 *
 * jsonl_write_event prints any event from its fields; jsonl_insn,
 * jsonl_mem, jsonl_reg and jsonl_tlb print the events of every instruction
 * from their values, in the field order the tracer builds them in
 * (trace/README.md), with the same bytes. */
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

void jsonl_write_event(struct trace_out *o, const struct trace_event *e)
{
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

/* `{"kind":"KIND","step":N` (KIND: the literal, without quotes): room 40 + kind. */
static char *put_head(struct trace_writer *w, char *p, const char *kind, size_t kind_len,
                      uint64_t step)
{
    memcpy(p, "{\"kind\":\"", 9);
    memcpy(p + 9, kind, kind_len);
    p += 9 + kind_len;
    memcpy(p, "\",\"step\":", 9);
    return put_counter(p + 9, &w->step_digits, step); /* mostly the instruction's step again */
}

#define PUT_LIT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)

void jsonl_insn_cols(const struct trace_insn_view *v, struct trace_insn_cols *c)
{
    if (json_length(v->sym, v->sym_len) + json_length(v->hex, v->hex_len) +
            json_length(v->dis, v->dis_len) + 128 > sizeof c->text) {
        c->len = 0; /* too long to keep: the caller takes the generic path */
        return;
    }
    char *p = c->text;
    p = PUT_LIT(p, ",\"cpl\":");
    p = put_dec(p, v->cpl);
    p = PUT_LIT(p, ",\"cr3\":\"");
    p = put_hex(p, v->cr3);
    p = PUT_LIT(p, "\",\"rip\":\"");
    p = put_hex(p, v->rip);
    p = PUT_LIT(p, "\",\"sym\":");
    p = put_json_string(p, v->sym, v->sym_len);
    p = PUT_LIT(p, ",\"bytes\":");
    p = put_json_string(p, v->hex, v->hex_len);
    p = PUT_LIT(p, ",\"disasm\":");
    p = put_json_string(p, v->dis, v->dis_len);
    p = PUT_LIT(p, "}\n");
    c->len = (uint16_t)(p - c->text);
    c->pad = 0;
}

void jsonl_insn(struct trace_writer *w, uint64_t step, uint64_t time,
                const struct trace_insn_cols *c)
{
    struct trace_out *o = &w->out;
    char *p = out_room(o, 64 + sizeof c->text);
    p = PUT_LIT(p, "{\"kind\":\"insn\",\"step\":");
    p = put_counter(p, &w->step_digits, step);
    p = PUT_LIT(p, ",\"time\":");
    p = put_counter(p, &w->time_digits, time);
    out_commit(o, put_copy32(p, c->text, c->len));
}

void jsonl_mem(struct trace_writer *w, uint64_t step, bool write, uint64_t va, uint64_t pa,
               unsigned size, const uint8_t *value)
{
    struct trace_out *o = &w->out;
    char *p = put_head(w, out_room(o, 256), "mem", 3, step);
    if (write)
        p = PUT_LIT(p, ",\"op\":\"write\",\"va\":\"");
    else
        p = PUT_LIT(p, ",\"op\":\"read\",\"va\":\"");
    p = put_hex(p, va);
    p = PUT_LIT(p, "\",\"pa\":\"");
    p = put_hex(p, pa);
    p = PUT_LIT(p, "\",\"size\":");
    p = put_dec(p, size);
    p = PUT_LIT(p, ",\"value\":\"");
    if (size <= 8) {
        uint64_t x = 0;
        memcpy(&x, value, size);
        p = put_hex(p, x);
    } else {
        p += mem_wide_value_text(value, size, p); /* hex digits and dots: nothing to escape */
    }
    out_commit(o, PUT_LIT(p, "\"}\n"));
}

void jsonl_reg(struct trace_writer *w, uint64_t step, const char *name, size_t name_len,
               uint64_t old, uint64_t new, bool rflags)
{
    struct trace_out *o = &w->out;
    char *p = put_head(w, out_room(o, 192 + 6 * name_len), "reg", 3, step);
    p = PUT_LIT(p, ",\"name\":");
    p = put_json_string(p, name, name_len);
    p = PUT_LIT(p, ",\"old\":\"");
    p = put_hex(p, old);
    p = PUT_LIT(p, "\",\"new\":\"");
    p = put_hex(p, new);
    *p++ = '"';
    if (rflags) {
        p = put_rflags_letters(PUT_LIT(p, ",\"old_flags\":\""), old);
        p = put_rflags_letters(PUT_LIT(p, "\",\"new_flags\":\""), new);
        *p++ = '"';
    }
    out_commit(o, PUT_LIT(p, "}\n"));
}

void jsonl_tlb(struct trace_writer *w, uint64_t step, bool hit, uint64_t va, uint64_t pa,
               const char *page, const char *flags, size_t flags_len)
{
    struct trace_out *o = &w->out;
    char *p = put_head(w, out_room(o, 192 + 6 * flags_len), "tlb", 3, step);
    if (hit)
        p = PUT_LIT(p, ",\"op\":\"hit\",\"va\":\"");
    else
        p = PUT_LIT(p, ",\"op\":\"fill\",\"va\":\"");
    p = put_hex(p, va);
    p = PUT_LIT(p, "\",\"pa\":\"");
    p = put_hex(p, pa);
    p = PUT_LIT(p, "\",\"page\":\"");
    memcpy(p, page, 2);
    p = PUT_LIT(p + 2, "\",\"flags\":");
    p = put_json_string(p, flags, flags_len);
    out_commit(o, PUT_LIT(p, "}\n"));
}
