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
};

/* A writer into f (not closed by the writer).  NULL on OOM. */
struct trace_writer *trace_writer_new(enum trace_format format, FILE *f);
void trace_writer_event(struct trace_writer *w, const struct trace_event *e);
/* Write out everything buffered (fflush included).  -1 if a write failed. */
int trace_writer_flush(struct trace_writer *w);
void trace_writer_free(struct trace_writer *w);

/* The two formats (text.c, jsonl.c). */
void text_write_event(struct trace_writer *w, const struct trace_event *e);
void text_finish(struct trace_writer *w);
void jsonl_write_event(struct trace_out *o, const struct trace_event *e);

/* RFLAGS as Bochs-style letters, upper case when set: "odItszaPc" for
 * IF|PF (O D I T S Z A P C = bits 11 10 9 8 7 6 4 2 0).  buf >= 10 bytes. */
void rflags_letters(uint64_t rflags, char *buf);

#endif
