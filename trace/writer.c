/* writer.c — the writer object shared by both formats (writer.h): its
 * output buffers, and the entry point for field lists, which sends a typed
 * kind's list to that kind's renderer. */
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
    w->bin = NULL;
    w->pf = NULL;
    if ((format == TRACE_FORMAT_BIN && !bin_writer_new(w)) ||
        (format == TRACE_FORMAT_PERFETTO && !(w->pf = perfetto_writer_new(w)))) {
        bin_writer_free(w->bin);
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
    union {
        struct trace_insn insn;
        struct trace_mem mem;
        struct trace_reg reg;
        struct trace_tlb tlb;
    } r;
    uint8_t wide[TRACE_MEM_WIDE_SHOWN];
    switch (e->kind) {
    case TRACE_INSN:
        if (trace_insn_from_fields(e, &r.insn)) {
            trace_writer_insn(w, &r.insn, NULL);
            return;
        }
        break;
    case TRACE_MEM:
        if (trace_mem_from_fields(e, &r.mem, wide)) {
            trace_writer_mem(w, &r.mem);
            return;
        }
        break;
    case TRACE_REG:
        if (trace_reg_from_fields(e, &r.reg)) {
            trace_writer_reg(w, &r.reg);
            return;
        }
        break;
    case TRACE_TLB:
        if (trace_tlb_from_fields(e, &r.tlb)) {
            trace_writer_tlb(w, &r.tlb);
            return;
        }
        break;
    }
    if (w->format == TRACE_FORMAT_JSONL)
        jsonl_event(w, e);
    else if (w->format == TRACE_FORMAT_TEXT)
        text_event(w, e);
    else if (w->format == TRACE_FORMAT_BIN)
        bin_event(w, e);
    else
        perfetto_event(w, e);
}

int trace_writer_flush(struct trace_writer *w)
{
    if (w->format == TRACE_FORMAT_TEXT)
        text_finish(w);
    else if (w->format == TRACE_FORMAT_BIN)
        bin_finish(w);
    else if (w->format == TRACE_FORMAT_PERFETTO)
        perfetto_finish(w);
    return out_finish(&w->out);
}

int trace_writer_sync(struct trace_writer *w)
{
    if (w->format == TRACE_FORMAT_TEXT)
        text_finish(w);
    else if (w->format == TRACE_FORMAT_BIN)
        bin_sync(w);
    return out_finish(&w->out);
}

void trace_writer_free(struct trace_writer *w)
{
    if (!w)
        return;
    out_free(&w->out);
    out_free(&w->children);
    bin_writer_free(w->bin);
    perfetto_writer_free(w->pf);
    free(w);
}

