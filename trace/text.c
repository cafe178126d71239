/* text.c — the text format, for people.
 *
 *   step      time      r cr3      rip              symbol    bytes     disassembly   effects
 *           5         5 0 00001000 0000000000100010 start+0x10 48 89 07 mov qword ptr [rdi], rax  W8 0x2000(pa 0x2000)=0x5
 *             tlb       op=miss va=0x2000
 *
 * An instruction is one line with its effects (memory accesses, register
 * changes) appended; the other events it caused follow on lines indented
 * under it; events that no instruction caused (an external interrupt, an
 * OS event reported between instructions) start with their step number. */
#include "writer.h"

#define COL_SYMBOL 28
#define COL_BYTES 30
#define COL_DISASM 36
#define INDENT 12

/* The field named key, trying position `hint` first (producers add fields
 * in a fixed order, so this is almost always one comparison). */
static const struct trace_field *get(const struct trace_event *e, unsigned hint, const char *key)
{
    if (hint < e->nfields && (e->f[hint].key == key || strcmp(e->f[hint].key, key) == 0))
        return &e->f[hint];
    return trace_field(e, key);
}

static uint64_t num(const struct trace_event *e, unsigned hint, const char *key)
{
    const struct trace_field *f = get(e, hint, key);
    return f ? f->v : 0;
}

static const char *str(const struct trace_event *e, unsigned hint, const char *key)
{
    const struct trace_field *f = get(e, hint, key);
    return f && f->type == TF_STR && f->s ? f->s : "";
}

/* A text field's bytes (its length is stored: no strlen per line). */
static void out_field_text(struct trace_out *o, const struct trace_event *e, unsigned hint,
                           const char *key, size_t width)
{
    const struct trace_field *f = get(e, hint, key);
    size_t n = f && f->type == TF_STR && f->s ? f->slen : 0;
    if (n)
        out_mem(o, f->s, n);
    if (width)
        out_spaces(o, n < width ? width - n : 1);
}

static void padded(struct trace_out *o, const char *s, size_t width)
{
    size_t n = strlen(s);
    out_mem(o, s, n);
    out_spaces(o, n < width ? width - n : 1);
}

static void header(struct trace_writer *w)
{
    out_str(&w->out, "#    step      time r cr3      rip              ");
    padded(&w->out, "symbol", COL_SYMBOL);
    padded(&w->out, "bytes", COL_BYTES);
    padded(&w->out, "disassembly", COL_DISASM);
    out_str(&w->out, "effects\n");
    w->header_done = true;
}

static void close_group(struct trace_writer *w)
{
    if (!w->line_open)
        return;
    out_char(&w->out, '\n');
    out_mem(&w->out, w->children.buf, w->children.len);
    w->children.len = 0;
    w->line_open = false;
}

/* The instruction's columns; the disassembly is the last one, padded only
 * when an effect follows (no trailing blanks). */
static void insn_line(struct trace_writer *w, const struct trace_event *e)
{
    struct trace_out *o = &w->out;
    out_dec_right(o, e->step, 9);
    out_char(o, ' ');
    out_dec_right(o, num(e, 0, "time"), 9);
    out_char(o, ' ');
    out_dec(o, num(e, 1, "cpl"));
    out_char(o, ' ');
    uint64_t cr3 = num(e, 2, "cr3");
    out_hex_fixed(o, cr3, cr3 >> 32 ? 16 : 8);
    out_char(o, ' ');
    out_hex_fixed(o, num(e, 3, "rip"), 16);
    out_char(o, ' ');
    out_field_text(o, e, 4, "sym", COL_SYMBOL);
    out_field_text(o, e, 5, "bytes", COL_BYTES);
    out_field_text(o, e, 6, "disasm", 0);
    const struct trace_field *dis = get(e, 6, "disasm");
    size_t n = dis && dis->type == TF_STR ? dis->slen : 0;
    w->pad = n < COL_DISASM ? (unsigned)(COL_DISASM - n) : 1;
    w->effects = 0;
}

static void mem_effect(struct trace_out *o, const struct trace_event *e)
{
    const char *op = str(e, 0, "op");
    out_char(o, op[0] == 'w' ? 'W' : 'R');
    out_dec(o, num(e, 3, "size"));
    out_char(o, ' ');
    out_hex(o, num(e, 1, "va"));
    out_str(o, "(pa ");
    out_hex(o, num(e, 2, "pa"));
    out_str(o, ")=");
    const struct trace_field *v = get(e, 4, "value");
    if (v && v->type == TF_HEX)
        out_hex(o, v->v);
    else if (v && v->s)
        out_str(o, v->s);
}

static void reg_effect(struct trace_out *o, const struct trace_event *e)
{
    out_field_text(o, e, 0, "name", 0);
    out_char(o, '=');
    const struct trace_field *of = e->nfields > 3 ? get(e, 3, "old_flags") : NULL;
    const struct trace_field *nf = e->nfields > 4 ? get(e, 4, "new_flags") : NULL;
    if (of && nf && of->type == TF_STR && nf->type == TF_STR) {
        out_mem(o, of->s, of->slen);
        out_str(o, "->");
        out_mem(o, nf->s, nf->slen);
        return;
    }
    const struct trace_field *old = get(e, 1, "old"), *new = get(e, 2, "new");
    if (old && old->type == TF_HEX) {
        out_hex(o, old->v);
        out_str(o, "->");
        out_hex(o, new ? new->v : 0);
    } else {
        out_str(o, old && old->s ? old->s : "");
        out_str(o, "->");
        out_str(o, new && new->s ? new->s : "");
    }
}

static void field_value(struct trace_out *o, const struct trace_field *f)
{
    switch (f->type) {
    case TF_DEC: out_dec(o, f->v); break;
    case TF_SDEC: out_sdec(o, (int64_t)f->v); break;
    case TF_HEX: out_hex(o, f->v); break;
    case TF_PAIR:
        out_dec(o, f->v);
        out_str(o, "->");
        out_dec(o, f->v2);
        break;
    default: {
        const char *s = f->s ? f->s : "";
        size_t n = f->s ? f->slen : 0;
        bool quote = !n || memchr(s, ' ', n);
        if (quote)
            out_char(o, '"');
        out_mem(o, s, n);
        if (quote)
            out_char(o, '"');
    }
    }
}

/* kind, then key=value for every field; a syscall shows name(args) first. */
static void generic_line(struct trace_out *o, const struct trace_event *e)
{
    padded(o, trace_kind_name(e->kind), 10);
    bool call = e->kind == TRACE_SYSCALL && trace_field(e, "args");
    if (call) {
        out_str(o, str(e, 1, "name"));
        out_char(o, '(');
        out_str(o, trace_field(e, "args")->s);
        out_char(o, ')');
    }
    bool first = !call;
    for (unsigned i = 0; i < e->nfields; i++) {
        const struct trace_field *f = &e->f[i];
        if (call && (strcmp(f->key, "args") == 0 || strcmp(f->key, "name") == 0 ||
                     (f->key[0] == 'a' && f->key[1] >= '0' && f->key[1] <= '5' && !f->key[2])))
            continue;
        if (!first)
            out_char(o, ' ');
        first = false;
        out_mem(o, f->key, f->klen);
        out_char(o, '=');
        field_value(o, f);
    }
    out_char(o, '\n');
}

void text_write_event(struct trace_writer *w, const struct trace_event *e)
{
    if (!w->header_done)
        header(w);
    if (e->kind == TRACE_INSN) {
        close_group(w);
        insn_line(w, e);
        w->line_open = true;
        return;
    }
    if (w->line_open && e->child) {
        if (e->kind == TRACE_MEM || e->kind == TRACE_REG) {
            out_spaces(&w->out, w->effects++ ? 2 : w->pad);
            if (e->kind == TRACE_MEM)
                mem_effect(&w->out, e);
            else
                reg_effect(&w->out, e);
            return;
        }
        if (w->children.len < TRACE_OUT_CAP / 2) {
            out_spaces(&w->children, INDENT);
            generic_line(&w->children, e);
            return;
        }
    }
    close_group(w);
    if (e->child) {
        out_spaces(&w->out, INDENT);
    } else {
        out_dec_right(&w->out, e->step, 9);
        out_spaces(&w->out, INDENT - 9);
    }
    generic_line(&w->out, e);
}

void text_finish(struct trace_writer *w)
{
    close_group(w);
}
