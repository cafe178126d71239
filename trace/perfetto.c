/* perfetto.c — the timeline format (`--trace-format perfetto`): the Chrome
 * trace-event JSON that the Perfetto UI (ui.perfetto.dev) and
 * chrome://tracing open.
 *
 * One process per guest process (named by its comm), one track per guest
 * thread, on which the thread's time is cut into slices: in user mode
 * ("user", from a SYSRET or IRETQ to ring 3), in each system call (from the
 * SYSCALL to its SYSRET, named after the call, its decoded arguments and
 * result as args), and in the kernel for a fault or interrupt taken in ring
 * 3 (until the IRETQ back); page faults, other exceptions and interrupts are
 * also instants on the thread they stopped; context switches are instants on the
 * machine's own track (pid 0, "kernel"); counters show the page faults so
 * far and the pages in the pagefile (page-outs minus page-ins), and, from
 * the `sample` events (the machine's and the kernel's own counts), each
 * process's resident pages, the free frames, the pagefile slots in use and
 * the TLB hit rate since the previous sample.
 *
 * Time is the machine's virtual time in nanoseconds ("ts" is in
 * microseconds with three decimals): an event at step s is at
 * s + (time - step) of the latest sample or instruction event, which carry
 * the virtual time (between two of them the clock advances one nanosecond
 * per instruction; idling in HLT, which jumps it, is followed by a sample).
 * Every event but the counters has its step as the argument "step". */
#include <stdlib.h>
#include "writer.h"

#define PF_THREADS 256

/* What a thread's open slice is: at most one at a time, so slices nest. */
enum pf_mode { PF_NONE, PF_USER, PF_SYSCALL, PF_KERNEL };

struct pf_thread {
    int64_t pid, tid;
    bool used, named;
    enum pf_mode open;
};

struct perfetto_writer {
    bool first;                /* no event written yet */
    bool finished;
    uint64_t last_ts;          /* timestamps never go back */
    int64_t clock_offset;      /* virtual ns - step, at the latest sample or instruction */
    uint64_t step;             /* of the event being written */
    uint64_t last_step;        /* the latest step written */
    uint64_t tlb_hits, tlb_misses; /* at the previous sample */
    uint64_t faults;
    int64_t pagefile;          /* page-outs - page-ins */
    struct pf_thread threads[PF_THREADS];
    int64_t named_pids[PF_THREADS];
    unsigned npids;
};

struct perfetto_writer *perfetto_writer_new(struct trace_writer *w)
{
    struct perfetto_writer *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->first = true;
    out_str(&w->out, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
    return p;
}

void perfetto_writer_free(struct perfetto_writer *p)
{
    free(p);
}

static void json_text(struct trace_out *o, const char *s, size_t n)
{
    out_char(o, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out_char(o, '\\');
            out_char(o, (char)c);
        } else if (c < 0x20 || c >= 0x7f) {
            static const char hex[] = "0123456789abcdef";
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            out_mem(o, u, 6);
        } else {
            out_char(o, (char)c);
        }
    }
    out_char(o, '"');
}

static void json_str(struct trace_out *o, const char *s)
{
    json_text(o, s, strlen(s));
}

/* `{"ph":"X","pid":P,"tid":T,"ts":TS` — the caller adds the rest and `}`. */
static void begin_event(struct trace_writer *w, const char *ph, int64_t pid, int64_t tid, uint64_t step)
{
    struct perfetto_writer *p = w->pf;
    struct trace_out *o = &w->out;
    p->step = step;
    if (step > p->last_step)
        p->last_step = step;
    int64_t at = (int64_t)step + p->clock_offset;
    uint64_t ts = at < 0 ? 0 : (uint64_t)at;
    if (ts < p->last_ts)
        ts = p->last_ts;
    p->last_ts = ts;
    step = ts;
    if (!p->first)
        out_str(o, ",\n");
    p->first = false;
    out_str(o, "{\"ph\":\"");
    out_str(o, ph);
    out_str(o, "\",\"pid\":");
    out_sdec(o, pid);
    out_str(o, ",\"tid\":");
    out_sdec(o, tid);
    out_str(o, ",\"ts\":");
    /* microseconds with three decimals: the step in nanoseconds */
    out_dec(o, step / 1000);
    char frac[5] = {'.', (char)('0' + step / 100 % 10), (char)('0' + step / 10 % 10),
                    (char)('0' + step % 10), 0};
    out_str(o, frac);
}

/* `,"args":{"step":N` — the caller adds its own arguments and `}`. */
static void open_args(struct trace_writer *w)
{
    out_str(&w->out, ",\"args\":{\"step\":");
    out_dec(&w->out, w->pf->step);
}

static void metadata(struct trace_writer *w, const char *what, int64_t pid, int64_t tid, const char *name)
{
    struct perfetto_writer *p = w->pf;
    struct trace_out *o = &w->out;
    if (!p->first)
        out_str(o, ",\n");
    p->first = false;
    out_str(o, "{\"ph\":\"M\",\"name\":\"");
    out_str(o, what);
    out_str(o, "\",\"pid\":");
    out_sdec(o, pid);
    out_str(o, ",\"tid\":");
    out_sdec(o, tid);
    out_str(o, ",\"args\":{\"name\":");
    json_str(o, name);
    out_str(o, "}}");
}

static const struct trace_field *field(const struct trace_event *e, const char *key)
{
    return trace_field(e, key);
}

static const char *text_of(const struct trace_event *e, const char *key)
{
    const struct trace_field *f = field(e, key);
    return f && f->type == TF_STR && f->s ? f->s : "";
}

/* The thread's track, named on first use ("comm (tid N)"), its process too. */
static struct pf_thread *thread(struct trace_writer *w, const struct trace_event *e)
{
    struct perfetto_writer *p = w->pf;
    const struct trace_field *fp = field(e, "pid"), *ft = field(e, "tid");
    int64_t pid = fp ? (int64_t)fp->v : 0, tid = ft ? (int64_t)ft->v : 0;
    struct pf_thread *t = &p->threads[(uint64_t)(tid * 31 + pid) % PF_THREADS];
    if (!t->used || t->pid != pid || t->tid != tid) {
        *t = (struct pf_thread){.pid = pid, .tid = tid, .used = true};
    }
    if (!t->named) {
        const char *comm = text_of(e, "comm");
        char name[96];
        bool known = false;
        for (unsigned i = 0; i < p->npids; i++)
            known |= p->named_pids[i] == pid;
        if (!known && p->npids < PF_THREADS) {
            p->named_pids[p->npids++] = pid;
            snprintf(name, sizeof name, "%s (pid %lld)", *comm ? comm : "?", (long long)pid);
            metadata(w, "process_name", pid, 0, name);
        }
        snprintf(name, sizeof name, "%s (tid %lld)", *comm ? comm : "?", (long long)tid);
        metadata(w, "thread_name", pid, tid, name);
        t->named = true;
    }
    return t;
}

static void end_slice(struct trace_writer *w, struct pf_thread *t, uint64_t step)
{
    if (t->open == PF_NONE)
        return;
    begin_event(w, "E", t->pid, t->tid, step);
    open_args(w);
    out_str(&w->out, "}}");
    t->open = PF_NONE;
}

/* A slice of time in user mode or in the kernel (a fault, an interrupt). */
static void begin_mode(struct trace_writer *w, struct pf_thread *t, uint64_t step, enum pf_mode m,
                       const char *name)
{
    end_slice(w, t, step);
    begin_event(w, "B", t->pid, t->tid, step);
    out_str(&w->out, m == PF_USER ? ",\"cat\":\"user\",\"name\":" : ",\"cat\":\"kernel\",\"name\":");
    json_str(&w->out, name);
    open_args(w);
    out_str(&w->out, "}}");
    t->open = m;
}

static unsigned field_u(const struct trace_event *e, const char *key, unsigned dflt)
{
    const struct trace_field *f = trace_field(e, key);
    return f ? (unsigned)f->v : dflt;
}

static void counter_in(struct trace_writer *w, int64_t pid, const char *name, uint64_t step,
                       int64_t value)
{
    begin_event(w, "C", pid, 0, step);
    out_str(&w->out, ",\"name\":");
    json_str(&w->out, name);
    out_str(&w->out, ",\"args\":{\"value\":");
    out_sdec(&w->out, value);
    out_str(&w->out, "}}");
}

static void counter(struct trace_writer *w, const char *name, uint64_t step, int64_t value)
{
    counter_in(w, 0, name, step, value);
}

static bool field_v(const struct trace_event *e, const char *key, uint64_t *v)
{
    const struct trace_field *f = trace_field(e, key);
    if (!f || !(f->type == TF_DEC || f->type == TF_SDEC || f->type == TF_HEX))
        return false;
    *v = f->v;
    return true;
}

/* A sample: the virtual clock, then its counters. */
static void sample(struct trace_writer *w, const struct trace_event *e)
{
    struct perfetto_writer *p = w->pf;
    uint64_t v = 0, hits = 0, misses = 0;
    if (field_v(e, "time", &v))
        p->clock_offset = (int64_t)v - (int64_t)e->step;
    const struct trace_field *pid = trace_field(e, "pid");
    if (pid && (int64_t)pid->v > 0 && field_v(e, "resident", &v))
        counter_in(w, (int64_t)pid->v, "resident pages", e->step, (int64_t)v);
    if (field_v(e, "free_frames", &v))
        counter(w, "free frames", e->step, (int64_t)v);
    if (field_v(e, "pagefile_used", &v))
        counter(w, "pagefile slots used", e->step, (int64_t)v);
    if (field_v(e, "tlb_hits", &hits) && field_v(e, "tlb_misses", &misses)) {
        uint64_t dh = hits - p->tlb_hits, dm = misses - p->tlb_misses;
        p->tlb_hits = hits;
        p->tlb_misses = misses;
        if (dh + dm) {
            /* percent with two decimals, since the previous sample */
            uint64_t bp = (dh * 10000 + (dh + dm) / 2) / (dh + dm);
            begin_event(w, "C", 0, 0, e->step);
            out_str(&w->out, ",\"name\":\"TLB hit rate (%)\",\"args\":{\"value\":");
            out_dec(&w->out, bp / 100);
            char frac[4] = {'.', (char)('0' + bp / 10 % 10), (char)('0' + bp % 10), 0};
            out_str(&w->out, frac);
            out_str(&w->out, "}}");
        }
    }
}

void perfetto_event(struct trace_writer *w, const struct trace_event *e)
{
    struct perfetto_writer *p = w->pf;
    struct trace_out *o = &w->out;
    switch (e->kind) {
    case TRACE_SYSCALL: {
        if (p->finished)
            break;
        struct pf_thread *t = thread(w, e);
        end_slice(w, t, e->step); /* user mode ends (or a call that never returned: execve) */
        begin_event(w, "B", t->pid, t->tid, e->step);
        out_str(o, ",\"cat\":\"syscall\",\"name\":");
        json_str(o, text_of(e, "name"));
        open_args(w);
        out_str(o, ",\"args\":");
        json_str(o, text_of(e, "args"));
        out_str(o, ",\"sym\":");
        json_str(o, text_of(e, "sym"));
        out_str(o, "}}");
        t->open = PF_SYSCALL;
        break;
    }
    case TRACE_SYSRET: {
        struct pf_thread *t = thread(w, e);
        if (t->open == PF_SYSCALL) {
            begin_event(w, "E", t->pid, t->tid, e->step);
            open_args(w);
            out_str(o, ",\"ret\":");
            json_str(o, text_of(e, "ret"));
            out_str(o, "}}");
            t->open = PF_NONE;
        }
        /* (a return with no call seen: a new thread or process) */
        begin_mode(w, t, e->step, PF_USER, "user");
        break;
    }
    case TRACE_EXCEPTION:
    case TRACE_INTERRUPT: {
        struct pf_thread *t = thread(w, e);
        const struct trace_field *v = field(e, "vector");
        bool pf = e->kind == TRACE_EXCEPTION && v && v->v == 14;
        const char *what = pf ? "page fault" : text_of(e, "what")[0] ? text_of(e, "what") : text_of(e, "name");
        if (field_u(e, "from_cpl", 0) == 3) /* the kernel works for the thread now */
            begin_mode(w, t, e->step, PF_KERNEL, what);
        begin_event(w, "i", t->pid, t->tid, e->step);
        out_str(o, ",\"s\":\"t\",\"cat\":");
        json_str(o, e->kind == TRACE_EXCEPTION ? "exception" : "interrupt");
        out_str(o, ",\"name\":");
        json_str(o, what);
        open_args(w);
        out_str(o, ",\"sym\":");
        json_str(o, text_of(e, "sym"));
        if (pf) {
            out_str(o, ",\"cr2\":\"0x");
            char hex[17];
            snprintf(hex, sizeof hex, "%llx", (unsigned long long)(field(e, "cr2") ? field(e, "cr2")->v : 0));
            out_str(o, hex);
            out_str(o, "\",\"error\":");
            json_str(o, text_of(e, "error_words"));
        }
        out_str(o, "}}");
        if (pf)
            counter(w, "page faults", e->step, (int64_t)++p->faults);
        break;
    }
    case TRACE_OS: {
        const char *ev = text_of(e, "event");
        if (strcmp(ev, "context-switch") == 0) {
            const struct trace_field *np = field(e, "new_pid"), *nt = field(e, "new_tid");
            begin_event(w, "i", 0, 0, e->step);
            out_str(o, ",\"s\":\"p\",\"cat\":\"os\",\"name\":\"context switch\"");
            open_args(w);
            out_str(o, ",\"to_pid\":");
            out_dec(o, np ? np->v : 0);
            out_str(o, ",\"to_tid\":");
            out_dec(o, nt ? nt->v : 0);
            out_str(o, "}}");
        } else if (strcmp(ev, "page-in") == 0 || strcmp(ev, "page-out") == 0) {
            p->pagefile += ev[5] == 'o' ? 1 : -1;
            counter(w, "pages in the pagefile", e->step, p->pagefile);
        } else if (field(e, "pid") && (int64_t)field(e, "pid")->v > 0) {
            struct pf_thread *t = thread(w, e);
            begin_event(w, "i", t->pid, t->tid, e->step);
            out_str(o, ",\"s\":\"t\",\"cat\":\"os\",\"name\":");
            json_str(o, ev);
            open_args(w);
            out_str(o, "}}");
        }
        break;
    }
    case TRACE_SAMPLE:
        sample(w, e);
        break;
    case TRACE_IRET:
        if (field_u(e, "to_cpl", 0) == 3 && field_u(e, "from_cpl", 3) == 0 && trace_field(e, "pid"))
            begin_mode(w, thread(w, e), e->step, PF_USER, "user");
        break;
    default:
        break;
    }
}

void perfetto_insn(struct trace_writer *w, const struct trace_insn *r)
{
    /* The timeline shows crossings, not instructions; an instruction
     * says what the virtual clock read at its step. */
    w->pf->clock_offset = (int64_t)r->time - (int64_t)r->step;
}

void perfetto_finish(struct trace_writer *w)
{
    struct perfetto_writer *p = w->pf;
    /* Calls still open when the trace ended (exit_group never returns). */
    for (unsigned i = 0; i < PF_THREADS; i++)
        if (p->threads[i].used)
            end_slice(w, &p->threads[i], p->last_step);
    if (!p->finished)
        out_str(&w->out, "\n]}\n");
    p->finished = true; /* a writer flushed twice ends the JSON once */
}
