/* writer.h — turning events into bytes: the text format for people and
 * JSON Lines for tools (both specified field by field in trace/README.md).
 *
 * The text writer keeps an instruction's line open while its effects
 * arrive: memory accesses and register changes are appended to the
 * instruction line, every other event the instruction caused is printed on
 * its own indented line below it, in the order it happened. */
#ifndef RINGSCOPE_TRACE_WRITER_H
#define RINGSCOPE_TRACE_WRITER_H
#include <stdio.h>
#include "event.h"
#include "outbuf.h"

enum trace_format { TRACE_FORMAT_TEXT, TRACE_FORMAT_JSONL };

struct trace_writer {
    enum trace_format format;
    struct trace_out out;       /* what goes to the file */
    struct trace_out children;  /* text: indented lines of the open instruction */
    bool line_open;             /* text: an instruction line awaits its newline */
    unsigned effects;           /* text: effects already on the open line */
    unsigned pad;               /* text: spaces before the first effect */
    bool header_done;           /* text: the column header was printed */
    struct dec_counter step_digits, time_digits; /* of the instruction events */
};

/* A writer into f (not closed by the writer).  NULL on OOM. */
struct trace_writer *trace_writer_new(enum trace_format format, FILE *f);
void trace_writer_event(struct trace_writer *w, const struct trace_event *e);
/* Write out everything buffered (fflush included).  -1 if a write failed. */
int trace_writer_flush(struct trace_writer *w);
void trace_writer_free(struct trace_writer *w);

/* ---- The events of (nearly) every instruction, written from their values.
 * The tracer calls these instead of building a trace_event per instruction,
 * memory access, register change and TLB hit: each writes exactly the bytes
 * trace_writer_event writes for the event the tracer would have built (the
 * field lists of trace/README.md; memory accesses and register changes are
 * always caused by the current instruction). */

/* An instruction event's fields after its step and time. */
struct trace_insn_view {
    uint64_t cpl, cr3, rip;
    const char *sym, *hex, *dis;   /* symbol+offset or "", "48 89 07", disassembly */
    size_t sym_len, hex_len, dis_len;
};
/* Those fields rendered in the writer's format, once per decoded
 * instruction (and CPL and CR3), and cached by the tracer: text, the
 * columns from CPL to the disassembly; JSON Lines, `,"cpl":…` to the
 * closing brace and the newline.  len = 0: too long to keep. */
#define TRACE_INSN_COLS_CAP 512   /* a multiple of 32: copied in 32-byte pieces */
struct trace_insn_cols {
    uint16_t len;
    uint16_t pad;   /* text: blanks between the disassembly and the first effect */
    char text[TRACE_INSN_COLS_CAP];
};
/* trace_writer_insn_cols, trace_writer_insn, trace_writer_mem,
 * trace_writer_reg, trace_writer_rflags and trace_writer_tlb pick the
 * format; they are defined inline below, after the formats' functions, so
 * the hot path costs one call per event. */

/* The `value` of a memory access wider than 8 bytes: "0x" and the bytes as
 * one little-endian number, at most 32 bytes shown, then "..." when there
 * were more.  buf >= 70 bytes; returns the length. */
size_t mem_wide_value_text(const uint8_t *value, unsigned size, char *buf);

/* The two formats (text.c, jsonl.c). */
void text_write_event(struct trace_writer *w, const struct trace_event *e);
void text_finish(struct trace_writer *w);
void text_insn_cols(const struct trace_insn_view *v, struct trace_insn_cols *c);
void text_insn(struct trace_writer *w, uint64_t step, uint64_t time,
               const struct trace_insn_cols *c);
void text_mem(struct trace_writer *w, bool write, uint64_t va, uint64_t pa, unsigned size,
              const uint8_t *value);
void text_reg(struct trace_writer *w, const char *name, size_t name_len, uint64_t old,
              uint64_t new);
void text_rflags(struct trace_writer *w, uint64_t old, uint64_t new);
void text_tlb(struct trace_writer *w, uint64_t step, bool child, bool hit, uint64_t va,
              uint64_t pa, const char *page, const char *flags, size_t flags_len);
void jsonl_write_event(struct trace_out *o, const struct trace_event *e);
void jsonl_insn_cols(const struct trace_insn_view *v, struct trace_insn_cols *c);
void jsonl_insn(struct trace_writer *w, uint64_t step, uint64_t time,
                const struct trace_insn_cols *c);
void jsonl_mem(struct trace_writer *w, uint64_t step, bool write, uint64_t va, uint64_t pa,
               unsigned size, const uint8_t *value);
void jsonl_reg(struct trace_writer *w, uint64_t step, const char *name, size_t name_len,
               uint64_t old, uint64_t new, bool rflags);
void jsonl_tlb(struct trace_writer *w, uint64_t step, bool hit, uint64_t va, uint64_t pa,
               const char *page, const char *flags, size_t flags_len);

/* The cached columns of an instruction (len = 0: too long to keep), and
 * its event with them. */
static inline void trace_writer_insn_cols(const struct trace_writer *w,
                                          const struct trace_insn_view *v,
                                          struct trace_insn_cols *c)
{
    if (w->format == TRACE_FORMAT_JSONL)
        jsonl_insn_cols(v, c);
    else
        text_insn_cols(v, c);
}

static inline void trace_writer_insn(struct trace_writer *w, uint64_t step, uint64_t time,
                                     const struct trace_insn_cols *c)
{
    if (w->format == TRACE_FORMAT_JSONL)
        jsonl_insn(w, step, time, c);
    else
        text_insn(w, step, time, c);
}

/* A data access of `size` bytes whose value is at `value` (little-endian). */
static inline void trace_writer_mem(struct trace_writer *w, uint64_t step, bool write,
                                    uint64_t va, uint64_t pa, unsigned size,
                                    const uint8_t *value)
{
    if (w->format == TRACE_FORMAT_JSONL)
        jsonl_mem(w, step, write, va, pa, size, value);
    else
        text_mem(w, write, va, pa, size, value);
}

/* A 64-bit register change; RFLAGS also shows its letters (rflags_letters). */
static inline void trace_writer_reg(struct trace_writer *w, uint64_t step, const char *name,
                                    size_t name_len, uint64_t old, uint64_t new)
{
    if (w->format == TRACE_FORMAT_JSONL)
        jsonl_reg(w, step, name, name_len, old, new, false);
    else
        text_reg(w, name, name_len, old, new);
}

static inline void trace_writer_rflags(struct trace_writer *w, uint64_t step, uint64_t old,
                                       uint64_t new)
{
    if (w->format == TRACE_FORMAT_JSONL)
        jsonl_reg(w, step, "rflags", 6, old, new, true);
    else
        text_rflags(w, old, new);
}

/* A TLB hit or fill caused by the current instruction (child) or standing
 * alone: `page` is "4K"/"2M"/"1G" (two characters), `flags` the TLB flag
 * words or "-". */
static inline void trace_writer_tlb(struct trace_writer *w, uint64_t step, bool child, bool hit,
                                    uint64_t va, uint64_t pa, const char *page,
                                    const char *flags, size_t flags_len)
{
    if (w->format == TRACE_FORMAT_JSONL)
        jsonl_tlb(w, step, hit, va, pa, page, flags, flags_len);
    else
        text_tlb(w, step, child, hit, va, pa, page, flags, flags_len);
}

/* RFLAGS as Bochs-style letters, upper case when set: "odItszaPc" for
 * IF|PF (O D I T S Z A P C = bits 11 10 9 8 7 6 4 2 0).  buf >= 10 bytes. */
void rflags_letters(uint64_t rflags, char *buf);

/* The same nine letters stored at p (no NUL; room needed: 9). */
static inline char *put_rflags_letters(char *p, uint64_t rflags)
{
    /* Upper case is 32 below lower case: each set flag subtracts 32 (bit 5
     * of its byte) from its letter, all eight of O D I T S Z A P at once. */
    uint64_t f = rflags, word;
    uint64_t set = ((f >> 6) & 0x20) | ((f << 3) & 0x2000) | ((f << 12) & 0x200000) |
                   ((f << 21) & 0x20000000) | ((f << 30) & 0x2000000000ull) |
                   ((f << 39) & 0x200000000000ull) | ((f << 49) & 0x20000000000000ull) |
                   ((f << 59) & 0x2000000000000000ull);
    memcpy(&word, "oditszap", 8); /* little-endian: 'o' is the low byte */
    word -= set;
    memcpy(p, &word, 8);
    p[8] = (char)('c' - 32 * (f & 1));
    return p + 9;
}

#endif
