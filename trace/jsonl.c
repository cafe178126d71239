/* jsonl.c — JSON Lines: one object per event, {"kind":…,"step":…} then
 * the event's fields in order.  Decimal fields are JSON numbers; hex
 * fields, transitions and text are JSON strings ("0x7ffe0000", "3->0"),
 * because 64-bit values do not survive a JSON number in most readers. */
#include "writer.h"

static void json_string(struct trace_out *o, const char *s)
{
    out_char(o, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            out_char(o, '\\');
            out_char(o, (char)c);
        } else if (c < 0x20 || c >= 0x7f) {
            /* Control bytes, and bytes outside ASCII read as Latin-1, so
             * every line is valid UTF-8 whatever the guest wrote. */
            out_str(o, "\\u00");
            out_hex_fixed(o, c, 2);
        } else {
            out_char(o, (char)c);
        }
    }
    out_char(o, '"');
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
