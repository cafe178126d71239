/* text.c — the text format, for people.
 *
 *   step      time      r cr3      rip              symbol    bytes     disassembly   effects
 *           5         5 0 00001000 0000000000100010 start+0x10 48 89 07 mov qword ptr [rdi], rax  W8 0x2000(pa 0x2000)=0x5
 *           5   tlb       op=miss va=0x2000
 *
 * An instruction is one line with its effects (memory accesses, register
 * changes) appended; the other events it caused follow on lines of their
 * own below it; every line starts with its step (events that no
 * instruction caused, e.g. an external interrupt, carry the next one's).
 *
 * insn, mem, reg and tlb events have one renderer each (text_insn,
 * text_mem, text_reg, text_tlb), fed with their typed records (records.h);
 * every other kind is printed from its fields in order (generic_line). */
#include "writer.h"

#define COL_SYMBOL 28
#define COL_BYTES 30
#define COL_DISASM 36
#define INDENT 12
/* The indented lines kept under an open instruction line: past this (a REP
 * STOS over pages has thousands of TLB lines), the line is closed and the
 * instruction's further events get lines of their own. */
#define CHILDREN_MAX (1u << 19)

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

/* ---- insn: the instruction line ---- */

/* CPL, CR3, RIP, then symbol and bytes padded to their columns, then the
 * disassembly, the last column, padded only when an effect follows (no
 * trailing blanks): *pad is the blanks before the first effect.  Room
 * needed: the three lengths + 160. */
static char *put_insn_cols(char *p, const struct trace_insn *r, unsigned *pad)
{
    p = put_dec(p, r->cpl);
    *p++ = ' ';
    p = put_hex_fixed(p, r->cr3, r->cr3 >> 32 ? 16 : 8);
    *p++ = ' ';
    p = put_hex_fixed(p, r->rip, 16);
    *p++ = ' ';
    memcpy(p, r->sym, r->sym_len);
    p = put_spaces(p + r->sym_len, r->sym_len < COL_SYMBOL ? COL_SYMBOL - r->sym_len : 1);
    memcpy(p, r->bytes, r->bytes_len);
    p = put_spaces(p + r->bytes_len, r->bytes_len < COL_BYTES ? COL_BYTES - r->bytes_len : 1);
    memcpy(p, r->disasm, r->disasm_len);
    *pad = r->disasm_len < COL_DISASM ? (unsigned)(COL_DISASM - r->disasm_len) : 1;
    return p + r->disasm_len;
}

static size_t insn_cols_room(const struct trace_insn *r)
{
    return (size_t)r->sym_len + r->bytes_len + r->disasm_len + 160;
}

void text_insn_cols(const struct trace_insn *r, struct trace_insn_cols *c)
{
    if (insn_cols_room(r) > sizeof c->text) {
        c->len = 0; /* too long to keep: rendered each time */
        return;
    }
    unsigned pad;
    char *end = put_insn_cols(c->text, r, &pad);
    c->len = (uint16_t)(end - c->text);
    c->pad = (uint16_t)pad;
}

static void open_line(struct trace_writer *w, unsigned pad)
{
    w->pad = pad;
    w->effects = 0;
    w->line_open = true;
}

/* step and time (room needed: 64). */
static char *put_insn_start(struct trace_writer *w, char *p, const struct trace_insn *r)
{
    p = put_counter_right(p, &w->step_digits, r->step, 9);
    *p++ = ' ';
    p = put_counter_right(p, &w->time_digits, r->time, 9);
    *p++ = ' ';
    return p;
}

/* The instruction line with its columns rendered now. */
static void __attribute__((noinline)) insn_line(struct trace_writer *w,
                                                const struct trace_insn *r)
{
    struct trace_out *o = &w->out;
    unsigned pad;
    char *p = put_insn_start(w, out_room(o, 64 + insn_cols_room(r)), r);
    out_commit(o, put_insn_cols(p, r, &pad));
    open_line(w, pad);
}

void text_insn(struct trace_writer *w, const struct trace_insn *r,
               const struct trace_insn_cols *cols)
{
    if (__builtin_expect(!w->header_done, 0))
        header(w);
    close_group(w);
    if (__builtin_expect(!cols || !cols->len, 0)) {
        insn_line(w, r);
        return;
    }
    struct trace_out *o = &w->out;
    char *p = put_insn_start(w, out_room(o, 64 + sizeof cols->text), r);
    out_commit(o, put_copy32(p, cols->text, cols->len));
    open_line(w, cols->pad);
}

/* ---- lines of their own, effects on the instruction line ---- */

#define PUT_LIT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)

/* Room for an event's own line in `out`, the header first if nothing came
 * before it (only when no instruction line is open). */
static char *event_line_room(struct trace_writer *w, size_t n)
{
    if (__builtin_expect(!w->header_done, 0))
        header(w);
    return out_room(&w->out, n);
}

/* The start of an event's own line: its step, always (a line read on its
 * own, as grep shows it, says which instruction it belongs to), then the
 * indent (room needed: 64). */
static char *put_event_start(char *p, uint64_t step)
{
    return put_spaces(put_dec_right(p, step, 9), INDENT - 9);
}

/* Where an event's own line goes: below the open instruction line when
 * the instruction caused it (kept until that line ends), else straight
 * out, closing the instruction's group. */
static struct trace_out *line_destination(struct trace_writer *w, bool child)
{
    if (__builtin_expect(!w->header_done, 0))
        header(w);
    if (w->line_open && child && w->children.len < CHILDREN_MAX)
        return &w->children;
    close_group(w);
    return &w->out;
}

/* The blanks before an effect; room needed 64. */
static char *put_effect_gap(struct trace_writer *w, char *p)
{
    return put_spaces(p, w->effects++ ? 2 : w->pad);
}

/* ---- mem: `W8 0x10(pa 0x2010)=0x5` on the instruction line ---- */

/* The value of an access (room needed: 72). */
static char *put_mem_value(char *p, const struct trace_mem *r)
{
    if (r->size <= 8)
        return put_hex(p, r->value);
    return p + mem_wide_value_text(r->wide, r->size, p);
}

void text_mem(struct trace_writer *w, const struct trace_mem *r)
{
    struct trace_out *o = &w->out;
    char *p;
    if (w->line_open) {
        p = put_effect_gap(w, out_room(o, 128 + 72));
        *p++ = r->write ? 'W' : 'R';
        p = put_dec(p, r->size);
        *p++ = ' ';
        p = put_hex(p, r->va);
        p = put_hex(PUT_LIT(p, "(pa "), r->pa);
        out_commit(o, put_mem_value(PUT_LIT(p, ")="), r));
        return;
    }
    /* No instruction line to append to (insn not traced, or its group grew
     * too big): a line of its own, fields as generic_line shows them. */
    p = put_event_start(event_line_room(w, 256), r->step);
    p = PUT_LIT(p, "mem       op=");
    p = r->write ? PUT_LIT(p, "write") : PUT_LIT(p, "read");
    p = put_hex(PUT_LIT(p, " va="), r->va);
    p = put_hex(PUT_LIT(p, " pa="), r->pa);
    p = put_dec(PUT_LIT(p, " size="), r->size);
    p = put_mem_value(PUT_LIT(p, " value="), r);
    *p++ = '\n';
    out_commit(o, p);
}

/* ---- reg: `rax=0x1->0x2`, `rflags=odItszapc->odItsZaPc` ---- */

/* A register change with no instruction line to append to: a line of its
 * own, fields as generic_line shows them. */
static void __attribute__((noinline)) reg_line(struct trace_writer *w, const struct trace_reg *r,
                                               unsigned id)
{
    char *p = put_event_start(event_line_room(w, 256), r->step);
    p = PUT_LIT(p, "reg       name=");
    memcpy(p, trace_reg_names[id], 16);
    p = PUT_LIT(p + trace_reg_name_lens[id], " old=");
    if (trace_reg_is_xmm(id)) {
        p = put_hex128(p, r->old_hi, r->old);
        p = put_hex128(PUT_LIT(p, " new="), r->new_hi, r->new);
    } else {
        p = put_hex(p, r->old);
        p = put_hex(PUT_LIT(p, " new="), r->new);
    }
    if (id == TRACE_REG_RFLAGS) {
        p = put_rflags_letters(PUT_LIT(p, " old_flags="), r->old);
        p = put_rflags_letters(PUT_LIT(p, " new_flags="), r->new);
    }
    *p++ = '\n';
    out_commit(&w->out, p);
}

void text_reg(struct trace_writer *w, const struct trace_reg *r)
{
    unsigned id = r->id < TRACE_REG_COUNT ? r->id : TRACE_REG_RAX;
    if (__builtin_expect(!w->line_open, 0)) {
        reg_line(w, r, id);
        return;
    }
    struct trace_out *o = &w->out;
    char *p = put_effect_gap(w, out_room(o, 64 + 16 + 80));
    memcpy(p, trace_reg_names[id], 16);
    p += trace_reg_name_lens[id];
    *p++ = '=';
    if (__builtin_expect(id == TRACE_REG_RFLAGS, 0)) {
        p = put_rflags_letters(p, r->old);
        p = put_rflags_letters(PUT_LIT(p, "->"), r->new);
    } else if (__builtin_expect(trace_reg_is_xmm(id), 0)) {
        p = put_hex128(p, r->old_hi, r->old);
        p = put_hex128(PUT_LIT(p, "->"), r->new_hi, r->new);
    } else {
        p = put_hex(p, r->old);
        p = put_hex(PUT_LIT(p, "->"), r->new);
    }
    out_commit(o, p);
}

/* ---- tlb: a line below the instruction ---- */

/* Text as generic_line shows it: in double quotes when it holds a blank
 * or is empty (room needed: n + 2). */
static char *put_text_value(char *p, const char *s, size_t n)
{
    bool quote = !n || memchr(s, ' ', n);
    if (quote)
        *p++ = '"';
    memcpy(p, s, n);
    p += n;
    if (quote)
        *p++ = '"';
    return p;
}

/* The ops other than a hit or fill with its entry, after "op=" (room
 * needed: 128). */
static char *__attribute__((noinline)) put_tlb_other(char *p, const struct trace_tlb *r)
{
    if (r->op == TRACE_TLB_HIT)
        return put_hex(PUT_LIT(p, "hit va="), r->va);
    if (r->op == TRACE_TLB_FILL)
        return put_hex(PUT_LIT(p, "fill va="), r->va);
    if (r->op != TRACE_TLB_FLUSH)
        return put_hex(PUT_LIT(p, "miss va="), r->va);
    unsigned scope = r->scope < 3 ? r->scope : TRACE_TLB_ALL;
    const char *cause = trace_tlb_cause_names[r->cause < 5 ? r->cause : 4];
    size_t scope_len = strlen(trace_tlb_scope_names[scope]);
    p = PUT_LIT(p, "flush scope=");
    memcpy(p, trace_tlb_scope_names[scope], scope_len);
    p += scope_len;
    if (scope == TRACE_TLB_PAGE)
        p = put_hex(PUT_LIT(p, " va="), r->va);
    return put_text_value(PUT_LIT(p, " cause="), cause, strlen(cause));
}

void text_tlb(struct trace_writer *w, const struct trace_tlb *r)
{
    struct trace_out *o = line_destination(w, r->child);
    char *p = put_event_start(out_room(o, 192), r->step);
    p = PUT_LIT(p, "tlb       op=");
    if (__builtin_expect((r->op == TRACE_TLB_HIT || r->op == TRACE_TLB_FILL) && r->level, 1)) {
        unsigned f = r->flags % TRACE_TLB_FLAGS;
        p = r->op == TRACE_TLB_HIT ? PUT_LIT(p, "hit va=") : PUT_LIT(p, "fill va=");
        p = put_hex(p, r->va);
        p = put_hex(PUT_LIT(p, " pa="), r->pa);
        memcpy(PUT_LIT(p, " page="), trace_page_size_name(r->level), 2);
        p = PUT_LIT(p + 8, " flags=");
        /* in quotes when they hold a blank: two words (two bits) or more */
        bool quote = (f & (f - 1)) != 0;
        *p = '"';
        p += quote;
        memcpy(p, trace_tlb_flags_text[f], 16);
        p += trace_tlb_flags_len[f];
        *p = '"';
        p += quote;
    } else {
        p = put_tlb_other(p, r);
    }
    *p++ = '\n';
    out_commit(o, p);
}

/* ---- every other kind: its fields in order ---- */

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

/* The text of a field (NULL if missing or not text). */
static const char *text_field(const struct trace_event *e, const char *key, size_t *len)
{
    const struct trace_field *f = trace_field(e, key);
    if (!f || f->type != TF_STR || !f->s)
        return NULL;
    *len = f->slen;
    return f->s;
}

/* kind, then key=value for every field; a syscall shows name(args) first,
 * a sysret name(args) = ret (strace's line). */
static void generic_line(struct trace_out *o, const struct trace_event *e)
{
    padded(o, trace_kind_name(e->kind), 10);
    size_t name_len = 0, args_len = 0, ret_len = 0;
    const char *name = text_field(e, "name", &name_len);
    const char *args = text_field(e, "args", &args_len);
    const char *ret = e->kind == TRACE_SYSRET ? text_field(e, "ret", &ret_len) : NULL;
    bool call = (e->kind == TRACE_SYSCALL || e->kind == TRACE_SYSRET) && args;
    if (call) {
        out_mem(o, name ? name : "", name_len);
        out_char(o, '(');
        out_mem(o, args, args_len);
        out_char(o, ')');
        if (ret) {
            out_str(o, " = ");
            out_mem(o, ret, ret_len);
        }
    }
    bool first = !call;
    for (unsigned i = 0; i < e->nfields; i++) {
        const struct trace_field *f = &e->f[i];
        if (call && (strcmp(f->key, "args") == 0 || strcmp(f->key, "name") == 0 ||
                     (ret && (strcmp(f->key, "ret") == 0 || strcmp(f->key, "result") == 0 ||
                              strcmp(f->key, "errno") == 0)) ||
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

void text_event(struct trace_writer *w, const struct trace_event *e)
{
    struct trace_out *o = line_destination(w, e->child);
    out_dec_right(o, e->step, 9);
    out_spaces(o, INDENT - 9);
    generic_line(o, e);
}

void text_finish(struct trace_writer *w)
{
    close_group(w);
}
