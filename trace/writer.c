/* writer.c — the writer object shared by both formats (writer.h): its
 * output buffers, and the entry points that pick the format. */
#include "writer.h"
#include <stdlib.h>

struct trace_writer *trace_writer_new(enum trace_format format, FILE *f)
{
    struct trace_writer *w = malloc(sizeof *w);
    if (!w)
        return NULL;
    w->format = format;
    bool ok = out_init(&w->out, f, true);
    /* The text format's lines under the open instruction (never written to
     * a file directly: close_group copies them into `out`). */
    ok = out_init(&w->children, NULL, false) && ok;
    if (!ok) {
        out_free(&w->out);
        out_free(&w->children);
        free(w);
        return NULL;
    }
    w->line_open = false;
    w->effects = 0;
    w->pad = 0;
    w->header_done = false;
    dec_counter_init(&w->step_digits);
    dec_counter_init(&w->time_digits);
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
    return out_finish(&w->out);
}

void trace_writer_free(struct trace_writer *w)
{
    if (!w)
        return;
    out_free(&w->out);
    out_free(&w->children);
    free(w);
}

size_t mem_wide_value_text(const uint8_t *value, unsigned size, char *buf)
{
    unsigned shown = size < 32 ? size : 32;
    char *p = buf;
    *p++ = '0';
    *p++ = 'x';
    for (unsigned i = 0; i < shown; i++, p += 2)
        memcpy(p, out_hexpairs + 2 * value[shown - 1 - i], 2);
    if (shown < size)
        memcpy(p, "...", 3), p += 3;
    *p = 0;
    return (size_t)(p - buf);
}

void rflags_letters(uint64_t rflags, char *buf)
{
    *put_rflags_letters(buf, rflags) = 0;
}
