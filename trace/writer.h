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
#include "records.h"

enum trace_format { TRACE_FORMAT_TEXT, TRACE_FORMAT_JSONL, TRACE_FORMAT_BIN, TRACE_FORMAT_PERFETTO };

struct bin_writer;
struct perfetto_writer;

struct trace_writer {
    enum trace_format format;
    struct trace_out out;       /* what goes to the file */
    struct trace_out children;  /* text: indented lines of the open instruction */
    bool line_open;             /* text: an instruction line awaits its newline */
    unsigned effects;           /* text: effects already on the open line */
    unsigned pad;               /* text: spaces before the first effect */
    bool header_done;           /* text: the column header was printed */
    struct dec_counter step_digits, time_digits; /* of the instruction events */
    struct bin_writer *bin;     /* bin: the recording's codec (binwrite.c) */
    struct perfetto_writer *pf; /* perfetto: the timeline's state (perfetto.c) */
};

/* A writer into f (not closed by the writer).  NULL on OOM. */
struct trace_writer *trace_writer_new(enum trace_format format, FILE *f);
/* Any event as a field list (hand-made, or from a recording): a field list
 * of a typed kind goes through that kind's renderer (records.h). */
void trace_writer_event(struct trace_writer *w, const struct trace_event *e);
/* The end of the trace: write out everything buffered (fflush included;
 * a recording gets its END record).  -1 if a write failed. */
int trace_writer_flush(struct trace_writer *w);
/* Mid-trace: write out what is complete so far (fflush included), the
 * trace goes on.  -1 if a write failed. */
int trace_writer_sync(struct trace_writer *w);
void trace_writer_free(struct trace_writer *w);

/* ---- The typed kinds (records.h): insn, mem, reg, tlb.
 * Each format renders each of them in exactly one function, fed by the
 * tracer with its records and by trace_writer_event with a hand-made field
 * list read back into its record. */

/* An instruction event's part after its step and time, rendered by the
 * format's one instruction renderer and cached by the tracer per decoded
 * instruction (and CPL and CR3): text, the columns from CPL to the
 * disassembly; JSON Lines, `,"cpl":…` to the closing brace and the newline.
 * len = 0: too long to keep. */
#define TRACE_INSN_COLS_CAP 512   /* a multiple of 32: copied in 32-byte pieces */
struct trace_insn_cols {
    uint16_t len;
    uint16_t pad;   /* text: blanks between the disassembly and the first effect */
    char text[TRACE_INSN_COLS_CAP];
};

/* The two formats (text.c, jsonl.c): every event kind that is not typed
 * (and a typed kind's field list that is not its record's), then the
 * typed kinds.  *_insn takes the columns made by *_insn_cols for this
 * instruction, or NULL to render them now. */
void text_event(struct trace_writer *w, const struct trace_event *e);
void text_finish(struct trace_writer *w);
void text_insn_cols(const struct trace_insn *r, struct trace_insn_cols *c);
void text_insn(struct trace_writer *w, const struct trace_insn *r,
               const struct trace_insn_cols *cols);
void text_mem(struct trace_writer *w, const struct trace_mem *r);
void text_reg(struct trace_writer *w, const struct trace_reg *r);
void text_tlb(struct trace_writer *w, const struct trace_tlb *r);
void jsonl_event(struct trace_writer *w, const struct trace_event *e);
void jsonl_insn_cols(const struct trace_insn *r, struct trace_insn_cols *c);
void jsonl_insn(struct trace_writer *w, const struct trace_insn *r,
                const struct trace_insn_cols *cols);
void jsonl_mem(struct trace_writer *w, const struct trace_mem *r);
void jsonl_reg(struct trace_writer *w, const struct trace_reg *r);
void jsonl_tlb(struct trace_writer *w, const struct trace_tlb *r);
/* The recording format (binwrite.c, binfmt.h). */
struct bin_writer *bin_writer_new(struct trace_writer *w);
void bin_writer_free(struct bin_writer *b);
/* Say in the recording's header how its run was traced (binfmt.h BIN_RUN_*). */
void bin_writer_describe_run(struct trace_writer *w, uint32_t kinds, uint8_t filters);
void bin_event(struct trace_writer *w, const struct trace_event *e);
void bin_insn_cols(struct trace_writer *w, const struct trace_insn *r, struct trace_insn_cols *c);
void bin_insn(struct trace_writer *w, const struct trace_insn *r, const struct trace_insn_cols *cols);
void bin_mem(struct trace_writer *w, const struct trace_mem *r);
void bin_reg(struct trace_writer *w, const struct trace_reg *r);
void bin_tlb(struct trace_writer *w, const struct trace_tlb *r);
void bin_finish(struct trace_writer *w);
void bin_sync(struct trace_writer *w);
/* The timeline (perfetto.c): typed kinds go through their field lists. */
struct perfetto_writer *perfetto_writer_new(struct trace_writer *w);
void perfetto_writer_free(struct perfetto_writer *p);
void perfetto_event(struct trace_writer *w, const struct trace_event *e);
void perfetto_insn(struct trace_writer *w, const struct trace_insn *r);
void perfetto_finish(struct trace_writer *w);

/* The picks of the format, inline so the hot path costs one call per
 * event. */
static inline void trace_writer_insn_cols(struct trace_writer *w,
                                          const struct trace_insn *r, struct trace_insn_cols *c)
{
    if (w->format == TRACE_FORMAT_JSONL)
        jsonl_insn_cols(r, c);
    else if (w->format == TRACE_FORMAT_TEXT)
        text_insn_cols(r, c);
    else if (w->format == TRACE_FORMAT_BIN)
        bin_insn_cols(w, r, c);
    else
        c->len = 0;
}

static inline void trace_writer_insn(struct trace_writer *w, const struct trace_insn *r,
                                     const struct trace_insn_cols *cols)
{
    if (w->format == TRACE_FORMAT_JSONL)
        jsonl_insn(w, r, cols);
    else if (__builtin_expect(w->format == TRACE_FORMAT_TEXT, 1))
        text_insn(w, r, cols);
    else if (w->format == TRACE_FORMAT_BIN)
        bin_insn(w, r, cols);
    else
        perfetto_insn(w, r);
}

static inline void trace_writer_mem(struct trace_writer *w, const struct trace_mem *r)
{
    if (w->format == TRACE_FORMAT_JSONL)
        jsonl_mem(w, r);
    else if (__builtin_expect(w->format == TRACE_FORMAT_TEXT, 1))
        text_mem(w, r);
    else if (w->format == TRACE_FORMAT_BIN)
        bin_mem(w, r);
}

static inline void trace_writer_reg(struct trace_writer *w, const struct trace_reg *r)
{
    if (w->format == TRACE_FORMAT_JSONL)
        jsonl_reg(w, r);
    else if (__builtin_expect(w->format == TRACE_FORMAT_TEXT, 1))
        text_reg(w, r);
    else if (w->format == TRACE_FORMAT_BIN)
        bin_reg(w, r);
}

static inline void trace_writer_tlb(struct trace_writer *w, const struct trace_tlb *r)
{
    if (w->format == TRACE_FORMAT_JSONL)
        jsonl_tlb(w, r);
    else if (__builtin_expect(w->format == TRACE_FORMAT_TEXT, 1))
        text_tlb(w, r);
    else if (w->format == TRACE_FORMAT_BIN)
        bin_tlb(w, r);
}

#endif
