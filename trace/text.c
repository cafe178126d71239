/* text.c — the text format, for people.
 *
 *   step      time      r cr3      rip              symbol    bytes     disassembly   effects
 *           5         5 0 00001000 0000000000100010 start+0x10 48 89 07 mov qword ptr [rdi], rax  W8 0x2000(pa 0x2000)=0x5
 *             tlb       op=miss va=0x2000
 *
 * An instruction is one line with its effects (memory accesses, register
 * changes) appended; the other events it caused follow on lines indented
 * under it; events that no instruction caused (an external interrupt, an
 * OS event reported between instructions) start with their step number.
 *
 * The lines of every instruction (the instruction, its memory accesses,
 * register changes and TLB hits) have one formatter each, fed either by the
 * tracer with the values (text_insn, text_mem ...) or by text_write_event
 * with the fields of a hand-made event; everything else is printed from the
 * event's fields in order (generic_line). */
#include "writer.h"

#define COL_SYMBOL 28
#define COL_BYTES 30
#define COL_DISASM 36
#define INDENT 12
/* The indented lines kept under an open instruction line: past this (a REP
 * STOS over pages has thousands of TLB lines), the line is closed and the
 * instruction's further events get lines of their own. */
#define CHILDREN_MAX (1u << 19)

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

/* A text field's bytes and length ("" when missing or not text). */
static const char *text_of(const struct trace_event *e, unsigned hint, const char *key,
                           size_t *len)
{
    const struct trace_field *f = get(e, hint, key);
    if (f && f->type == TF_STR && f->s) {
        *len = f->slen;
        return f->s;
    }
    *len = 0;
    return "";
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
    /* The lines below it are at most CHILDREN_MAX + one line: room for them. */
    char *p = out_room(&w->out, 1 + w->children.len + 32);
    *p = '\n';
    out_commit(&w->out, put_copy32(p + 1, w->children.buf, w->children.len));
    w->children.len = 0;
    w->line_open = false;
}

/* ---- the instruction line ---- */

/* CPL, CR3, RIP, then symbol and bytes padded to their columns, then the
 * disassembly, the last column, padded only when an effect follows (no
 * trailing blanks): *pad is the blanks before the first effect.  Room
 * needed: the three lengths + 160. */
static char *put_insn_view(char *p, const struct trace_insn_view *v, unsigned *pad)
{
    p = put_dec(p, v->cpl);
    *p++ = ' ';
    p = put_hex_fixed(p, v->cr3, v->cr3 >> 32 ? 16 : 8);
    *p++ = ' ';
    p = put_hex_fixed(p, v->rip, 16);
    *p++ = ' ';
    memcpy(p, v->sym, v->sym_len);
    p = put_spaces(p + v->sym_len, v->sym_len < COL_SYMBOL ? COL_SYMBOL - v->sym_len : 1);
    memcpy(p, v->hex, v->hex_len);
    p = put_spaces(p + v->hex_len, v->hex_len < COL_BYTES ? COL_BYTES - v->hex_len : 1);
    memcpy(p, v->dis, v->dis_len);
    *pad = v->dis_len < COL_DISASM ? (unsigned)(COL_DISASM - v->dis_len) : 1;
    return p + v->dis_len;
}

void text_insn_cols(const struct trace_insn_view *v, struct trace_insn_cols *c)
{
    if (v->sym_len + v->hex_len + v->dis_len + 160 > sizeof c->text) {
        c->len = 0; /* too long to keep: the caller takes the generic path */
        return;
    }
    unsigned pad;
    char *end = put_insn_view(c->text, v, &pad);
    c->len = (uint16_t)(end - c->text);
    c->pad = (uint16_t)pad;
}

/* step and time (room needed: 64). */
static char *put_insn_start(struct trace_writer *w, char *p, uint64_t step, uint64_t time)
{
    p = put_counter_right(p, &w->step_digits, step, 9);
    *p++ = ' ';
    p = put_counter_right(p, &w->time_digits, time, 9);
    *p++ = ' ';
    return p;
}

static void open_line(struct trace_writer *w, unsigned pad)
{
    w->pad = pad;
    w->effects = 0;
    w->line_open = true;
}

void text_insn(struct trace_writer *w, uint64_t step, uint64_t time,
               const struct trace_insn_cols *c)
{
    if (__builtin_expect(!w->header_done, 0))
        header(w);
    close_group(w);
    struct trace_out *o = &w->out;
    char *p = put_insn_start(w, out_room(o, 64 + sizeof c->text), step, time);
    out_commit(o, put_copy32(p, c->text, c->len));
    open_line(w, c->pad);
}

static void insn_line(struct trace_writer *w, const struct trace_event *e)
{
    struct trace_insn_view v = {.cpl = num(e, 1, "cpl"), .cr3 = num(e, 2, "cr3"),
                                .rip = num(e, 3, "rip")};
    v.sym = text_of(e, 4, "sym", &v.sym_len);
    v.hex = text_of(e, 5, "bytes", &v.hex_len);
    v.dis = text_of(e, 6, "disasm", &v.dis_len);
    struct trace_out *o = &w->out;
    char *p = out_room(o, 64 + v.sym_len + v.hex_len + v.dis_len + 160);
    p = put_insn_start(w, p, e->step, num(e, 0, "time"));
    unsigned pad;
    out_commit(o, put_insn_view(p, &v, &pad));
    open_line(w, pad);
}

/* ---- effects appended to the instruction line ---- */

#define PUT_LIT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)

/* Room for an event's own line in `out`, the header first if nothing came
 * before it. */
static char *event_line_room(struct trace_writer *w, size_t n)
{
    if (__builtin_expect(!w->header_done, 0))
        header(w);
    return out_room(&w->out, n);
}

/* The start of an event's own line: indented under the instruction that
 * caused it, or its step (room needed: 64). */
static char *put_event_start(char *p, bool child, uint64_t step)
{
    if (child)
        return put_spaces(p, INDENT);
    return put_spaces(put_dec_right(p, step, 9), INDENT - 9);
}

/* The blanks before an effect; room needed 64. */
static char *put_effect_gap(struct trace_writer *w, char *p)
{
    return put_spaces(p, w->effects++ ? 2 : w->pad);
}

/* `W8 0x10(pa 0x2010)=`, then the value: room needed 128 + the value's. */
static char *put_mem_effect(struct trace_writer *w, char *p, bool write, uint64_t size,
                            uint64_t va, uint64_t pa)
{
    p = put_effect_gap(w, p);
    *p++ = write ? 'W' : 'R';
    p = put_dec(p, size);
    *p++ = ' ';
    p = put_hex(p, va);
    memcpy(p, "(pa ", 4);
    p = put_hex(p + 4, pa);
    memcpy(p, ")=", 2);
    return p + 2;
}

/* The value of a traced access (room needed: 72). */
static char *put_mem_value(char *p, unsigned size, const uint8_t *value)
{
    if (size <= 8) {
        uint64_t x = 0;
        memcpy(&x, value, size);
        return put_hex(p, x);
    }
    return p + mem_wide_value_text(value, size, p);
}

void text_mem(struct trace_writer *w, bool write, uint64_t va, uint64_t pa, unsigned size,
              const uint8_t *value)
{
    struct trace_out *o = &w->out;
    if (w->line_open) {
        char *p = put_mem_effect(w, out_room(o, 128 + 72), write, size, va, pa);
        out_commit(o, put_mem_value(p, size, value));
        return;
    }
    /* No instruction line to append to (insn not traced, or a group too
     * big): the line generic_line prints for the tracer's event. */
    char *p = put_event_start(event_line_room(w, 256), true, 0);
    p = PUT_LIT(p, "mem       op=");
    p = write ? PUT_LIT(p, "write") : PUT_LIT(p, "read");
    p = put_hex(PUT_LIT(p, " va="), va);
    p = put_hex(PUT_LIT(p, " pa="), pa);
    p = put_dec(PUT_LIT(p, " size="), size);
    p = put_mem_value(PUT_LIT(p, " value="), size, value);
    *p++ = '\n';
    out_commit(o, p);
}

static void mem_effect(struct trace_writer *w, const struct trace_event *e)
{
    size_t op_len;
    const char *op = text_of(e, 0, "op", &op_len);
    const struct trace_field *v = get(e, 4, "value");
    size_t value_len = v && v->type != TF_HEX && v->s ? strlen(v->s) : 0;
    struct trace_out *o = &w->out;
    char *p = put_mem_effect(w, out_room(o, 128 + 18 + value_len), op[0] == 'w', num(e, 3, "size"),
                             num(e, 1, "va"), num(e, 2, "pa"));
    if (v && v->type == TF_HEX)
        p = put_hex(p, v->v);
    else if (value_len)
        memcpy(p, v->s, value_len), p += value_len;
    out_commit(o, p);
}

/* `name=` (room needed: 64 + 1 + name_len). */
static char *put_reg_start(struct trace_writer *w, char *p, const char *name, size_t name_len)
{
    p = put_effect_gap(w, p);
    memcpy(p, name, name_len);
    p[name_len] = '=';
    return p + name_len + 1;
}

/* `reg       name=NAME old=0x… new=0x…` on a line of its own (room needed:
 * 128 + name_len); the caller ends the line. */
static char *put_reg_line(char *p, const char *name, size_t name_len, uint64_t old,
                          uint64_t new)
{
    p = put_event_start(p, true, 0);
    p = PUT_LIT(p, "reg       name=");
    memcpy(p, name, name_len);
    p = put_hex(PUT_LIT(p + name_len, " old="), old);
    return put_hex(PUT_LIT(p, " new="), new);
}

void text_reg(struct trace_writer *w, const char *name, size_t name_len, uint64_t old,
              uint64_t new)
{
    struct trace_out *o = &w->out;
    if (w->line_open) {
        char *p = put_reg_start(w, out_room(o, 64 + name_len + 40), name, name_len);
        p = put_hex(p, old);
        memcpy(p, "->", 2);
        out_commit(o, put_hex(p + 2, new));
        return;
    }
    char *p = put_reg_line(event_line_room(w, 128 + name_len), name, name_len, old, new);
    *p++ = '\n';
    out_commit(o, p);
}

void text_rflags(struct trace_writer *w, uint64_t old, uint64_t new)
{
    struct trace_out *o = &w->out;
    if (w->line_open) {
        char *p = put_reg_start(w, out_room(o, 64 + 8 + 20), "rflags", 6);
        p = put_rflags_letters(p, old);
        out_commit(o, put_rflags_letters(PUT_LIT(p, "->"), new));
        return;
    }
    char *p = put_reg_line(event_line_room(w, 128 + 6 + 48), "rflags", 6, old, new);
    p = put_rflags_letters(PUT_LIT(p, " old_flags="), old);
    p = put_rflags_letters(PUT_LIT(p, " new_flags="), new);
    *p++ = '\n';
    out_commit(o, p);
}

static void reg_effect(struct trace_writer *w, const struct trace_event *e)
{
    struct trace_out *o = &w->out;
    size_t name_len;
    const char *name = text_of(e, 0, "name", &name_len);
    out_commit(o, put_reg_start(w, out_room(o, 64 + 1 + name_len), name, name_len));
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

/* ---- event lines ---- */

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
        size_t name_len;
        const char *name = text_of(e, 1, "name", &name_len);
        out_mem(o, name, name_len);
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

/* A TLB hit or fill: the line generic_line prints for the tracer's event
 * (op va pa page flags; flags quoted when they hold a blank), under the
 * open instruction line or on its own. */
void text_tlb(struct trace_writer *w, uint64_t step, bool child, bool hit, uint64_t va,
              uint64_t pa, const char *page, const char *flags, size_t flags_len)
{
    struct trace_out *o = &w->children;
    char *p;
    if (w->line_open && child && w->children.len < CHILDREN_MAX) {
        p = put_spaces(out_room(o, 128 + flags_len), INDENT);
    } else {
        close_group(w);
        o = &w->out;
        p = put_event_start(event_line_room(w, 128 + flags_len), child, step);
    }
    p = hit ? PUT_LIT(p, "tlb       op=hit va=") : PUT_LIT(p, "tlb       op=fill va=");
    p = put_hex(p, va);
    p = put_hex(PUT_LIT(p, " pa="), pa);
    memcpy(PUT_LIT(p, " page="), page, 2);
    p = PUT_LIT(p + 8, " flags=");
    bool quote = !flags_len || memchr(flags, ' ', flags_len);
    if (quote)
        *p++ = '"';
    memcpy(p, flags, flags_len);
    p += flags_len;
    if (quote)
        *p++ = '"';
    *p++ = '\n';
    out_commit(o, p);
}

void text_write_event(struct trace_writer *w, const struct trace_event *e)
{
    if (!w->header_done)
        header(w);
    if (e->kind == TRACE_INSN) {
        close_group(w);
        insn_line(w, e);
        return;
    }
    if (w->line_open && e->child) {
        if (e->kind == TRACE_MEM) {
            mem_effect(w, e);
            return;
        }
        if (e->kind == TRACE_REG) {
            reg_effect(w, e);
            return;
        }
        if (w->children.len < CHILDREN_MAX) {
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
