/* writer.c — the writer object shared by both formats (writer.h). */
#include "writer.h"
#include <stdlib.h>

struct trace_writer *trace_writer_new(enum trace_format format, FILE *f)
{
    struct trace_writer *w = malloc(sizeof *w);
    if (!w)
        return NULL;
    w->format = format;
    w->out.f = f;
    w->out.len = 0;
    w->out.write_error = false;
    w->children.f = NULL;
    w->children.len = 0;
    w->children.write_error = false;
    w->line_open = false;
    w->effects = 0;
    w->pad = 0;
    w->header_done = false;
    return w;
}

void trace_writer_event(struct trace_writer *w, const struct trace_event *e)
{
    if (w->format == TRACE_FORMAT_JSONL)
        jsonl_write_event(&w->out, e);
    else
        text_write_event(w, e);
}

int trace_writer_flush(struct trace_writer *w)
{
    if (w->format == TRACE_FORMAT_TEXT)
        text_finish(w);
    out_flush(&w->out);
    if (w->out.f && fflush(w->out.f) != 0)
        w->out.write_error = true;
    return w->out.write_error ? -1 : 0;
}

void trace_writer_free(struct trace_writer *w)
{
    free(w);
}

void rflags_letters(uint64_t rflags, char *buf)
{
    static const struct {
        char letter;
        unsigned bit;
    } flags[9] = {{'o', 11}, {'d', 10}, {'i', 9}, {'t', 8}, {'s', 7},
                  {'z', 6},  {'a', 4},  {'p', 2}, {'c', 0}};
    for (int i = 0; i < 9; i++)
        buf[i] = (char)((rflags >> flags[i].bit) & 1 ? flags[i].letter - 'a' + 'A'
                                                     : flags[i].letter);
    buf[9] = 0;
}
