/* stats.c — the run summary of `--stats` (stats.h): a watcher of syscalls,
 * exceptions and OS events that counts instead of printing. */
#include "stats.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "machine/debugport.h"
#include "machine/watch.h"
#include "symbols.h"
#include "syscalls.h"
#include "vectors.h"

#define STATS_CALLS 512        /* call numbers counted one by one; above: one row */
#define STATS_KEYS 256         /* distinct fault kinds / functions kept */
#define STATS_KEY_LEN 96
#define STATS_THREADS 64       /* threads in a call at once */

struct counted {
    char key[STATS_KEY_LEN];
    uint64_t n;
};

struct key_counts {
    struct counted e[STATS_KEYS];
    unsigned used;
    uint64_t dropped; /* counts of keys beyond STATS_KEYS */
};

/* A thread inside a system call: the instructions the kernel ran for it
 * while the thread was on the CPU. */
struct in_call {
    int32_t tid;
    bool used, on_cpu;
    uint32_t nr;
    uint64_t since;   /* icount when it last came on the CPU in the call */
    uint64_t spent;   /* instructions before that */
};

struct run_stats {
    struct watcher w;
    struct watch_hub *hub;
    struct symbols *syms;
    uint64_t calls[STATS_CALLS + 1], call_insns[STATS_CALLS + 1];
    struct in_call in[STATS_THREADS];
    uint64_t faults, page_ins, page_outs, switches;
    struct key_counts by_kind, by_symbol;
};

static void count_key(struct key_counts *k, const char *key)
{
    for (unsigned i = 0; i < k->used; i++)
        if (strcmp(k->e[i].key, key) == 0) {
            k->e[i].n++;
            return;
        }
    if (k->used == STATS_KEYS) {
        k->dropped++;
        return;
    }
    snprintf(k->e[k->used].key, STATS_KEY_LEN, "%s", key);
    k->e[k->used++].n = 1;
}

static struct in_call *in_call(struct run_stats *s, int32_t tid, bool create)
{
    struct in_call *c = &s->in[(uint32_t)tid % STATS_THREADS];
    if (c->used && c->tid == tid)
        return c;
    if (!create)
        return NULL;
    *c = (struct in_call){.tid = tid, .used = true};
    return c;
}

static bool on_exception(void *ctx, const struct watch_event *e)
{
    struct run_stats *s = ctx;
    const struct exc_event *x = e->exception;
    if (x->vector != 14 || x->soft || x->external)
        return false;
    s->faults++;
    char words[64], sym[160];
    vector_error_words(x->vector, x->error, words, sizeof words);
    count_key(&s->by_kind, words);
    /* The function, without the offset: "main+0x1c" -> "main". */
    if (!symbols_format(s->syms, x->rip, sym, sizeof sym))
        snprintf(sym, sizeof sym, "?");
    char *plus = strrchr(sym, '+');
    if (plus)
        *plus = 0;
    count_key(&s->by_symbol, sym);
    return false;
}

static bool on_transfer(void *ctx, const struct watch_event *e)
{
    struct run_stats *s = ctx;
    if (e->transfer.kind == RT_SYSCALL) {
        uint64_t nr = e->cpu->gpr[RAX];
        uint32_t row = nr < STATS_CALLS ? (uint32_t)nr : STATS_CALLS;
        s->calls[row]++;
        struct in_call *c = in_call(s, e->tid, true);
        c->nr = row;
        c->on_cpu = true;
        c->since = e->icount;
        c->spent = 0;
    } else if (e->transfer.kind == RT_SYSRET) {
        struct in_call *c = in_call(s, e->tid, false);
        if (!c)
            return false; /* a return with no call seen (a new thread or process) */
        s->call_insns[c->nr] += c->spent + (c->on_cpu ? e->icount - c->since : 0);
        c->used = false;
    }
    return false;
}

static bool on_os(void *ctx, const struct watch_event *e)
{
    struct run_stats *s = ctx;
    const struct os_event *ev = e->os;
    switch (ev->type) {
    case OSEV_PAGE_IN: s->page_ins++; break;
    case OSEV_PAGE_OUT: s->page_outs++; break;
    case OSEV_CONTEXT_SWITCH: {
        s->switches++;
        struct in_call *old = in_call(s, (int32_t)ev->sw.old_tid, false);
        if (old && old->on_cpu) {
            old->spent += e->icount - old->since;
            old->on_cpu = false;
            if (old->nr == 60 || old->nr == 231) {
                /* exit and exit_group never return: the thread's last
                 * switch away ends them. */
                s->call_insns[old->nr] += old->spent;
                old->used = false;
            }
        }
        struct in_call *next = in_call(s, (int32_t)ev->sw.new_tid, false);
        if (next && !next->on_cpu) {
            next->on_cpu = true;
            next->since = e->icount;
        }
        break;
    }
    default: break;
    }
    return false;
}

struct run_stats *run_stats_new(void)
{
    struct run_stats *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (!(s->syms = symbols_new())) {
        free(s);
        return NULL;
    }
    s->w.ctx = s;
    s->w.on[WATCH_EXCEPTION] = on_exception;
    s->w.on[WATCH_TRANSFER] = on_transfer;
    s->w.on[WATCH_OS] = on_os;
    return s;
}

void run_stats_free(struct run_stats *s)
{
    if (!s)
        return;
    run_stats_detach(s);
    symbols_free(s->syms);
    free(s);
}

int run_stats_load_symbols(struct run_stats *s, const char *elf_path, const char *prefix,
                           char *err, size_t errlen)
{
    return symbols_load_elf(s->syms, elf_path, prefix, 0, err, errlen) < 0 ? -1 : 0;
}

int run_stats_attach(struct run_stats *s, struct watch_hub *hub, char *err, size_t errlen)
{
    if (watch_attach(hub, &s->w) != 0) {
        snprintf(err, errlen, "--stats: too many watchers on this machine");
        return -1;
    }
    s->hub = hub;
    return 0;
}

void run_stats_detach(struct run_stats *s)
{
    if (s->hub)
        watch_detach(s->hub, &s->w);
    s->hub = NULL;
}

/* ---- printing ---- */

static int by_count(const void *a, const void *b)
{
    const struct counted *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return strcmp(x->key, y->key);
}

static void sorted(const struct key_counts *k, struct counted *out)
{
    memcpy(out, k->e, k->used * sizeof *out);
    qsort(out, k->used, sizeof *out, by_count);
}

static void call_name_of(uint32_t row, char *buf, size_t cap)
{
    const char *n = row < STATS_CALLS ? syscall_name(row) : NULL;
    if (n)
        snprintf(buf, cap, "%s", n);
    else if (row < STATS_CALLS)
        snprintf(buf, cap, "syscall_%u", row);
    else
        snprintf(buf, cap, "syscall_%d+", STATS_CALLS);
}

/* Call rows by count, then name. */
struct call_row {
    uint32_t row;
    uint64_t n, insns;
    char name[40];
};

static int by_calls(const void *a, const void *b)
{
    const struct call_row *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return strcmp(x->name, y->name);
}

static unsigned call_rows(const struct run_stats *s, struct call_row *rows, uint64_t *total,
                          uint64_t *insns)
{
    unsigned n = 0;
    *total = *insns = 0;
    for (uint32_t i = 0; i <= STATS_CALLS; i++) {
        if (!s->calls[i])
            continue;
        rows[n] = (struct call_row){.row = i, .n = s->calls[i], .insns = s->call_insns[i]};
        call_name_of(i, rows[n].name, sizeof rows[n].name);
        *total += rows[n].n;
        *insns += rows[n].insns;
        n++;
    }
    qsort(rows, n, sizeof *rows, by_calls);
    return n;
}

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void json_counts(FILE *out, const struct key_counts *k)
{
    struct counted *c = malloc((k->used ? k->used : 1) * sizeof *c);
    if (!c) {
        fputs("{}", out);
        return;
    }
    sorted(k, c);
    fputc('{', out);
    for (unsigned i = 0; i < k->used; i++) {
        if (i)
            fputc(',', out);
        json_string(out, c[i].key);
        fprintf(out, ":%" PRIu64, c[i].n);
    }
    fputc('}', out);
    free(c);
}

static void text_counts(FILE *out, const char *title, const struct key_counts *k)
{
    struct counted *c = malloc((k->used ? k->used : 1) * sizeof *c);
    if (!c)
        return;
    sorted(k, c);
    fprintf(out, "ringscope:   %s:\n", title);
    for (unsigned i = 0; i < k->used; i++)
        fprintf(out, "ringscope:     %-28s %10" PRIu64 "\n", c[i].key, c[i].n);
    free(c);
}

void run_stats_print(const struct run_stats *s, const struct run_stats_machine *m, bool json,
                     FILE *out)
{
    struct call_row *rows = malloc((STATS_CALLS + 1) * sizeof *rows);
    if (!rows)
        return;
    uint64_t total, insns;
    unsigned n = call_rows(s, rows, &total, &insns);
    uint64_t lookups = m->tlb_hits + m->tlb_misses;
    double hit_rate = lookups ? (double)m->tlb_hits / (double)lookups : 0.0;
    if (json) {
        fprintf(out,
                "{\"instructions\":%" PRIu64 ",\"virtual_time_ns\":%" PRIu64
                ",\"idle_ns\":%" PRIu64 ",\"host_seconds\":%.3f,"
                "\"tlb\":{\"hits\":%" PRIu64 ",\"misses\":%" PRIu64 ",\"hit_rate\":%.6f,"
                "\"flushes\":%" PRIu64 ",\"walks\":%" PRIu64 "},",
                m->insns, m->time_ns, m->idle_ns, m->host_seconds, m->tlb_hits, m->tlb_misses,
                hit_rate, m->tlb_flushes, m->walks);
        fprintf(out, "\"syscalls\":{\"total\":%" PRIu64 ",\"kernel_instructions\":%" PRIu64
                     ",\"by_name\":[",
                total, insns);
        for (unsigned i = 0; i < n; i++) {
            fprintf(out, "%s{\"name\":", i ? "," : "");
            json_string(out, rows[i].name);
            fprintf(out, ",\"nr\":%u,\"count\":%" PRIu64 ",\"kernel_instructions\":%" PRIu64 "}",
                    rows[i].row, rows[i].n, rows[i].insns);
        }
        fprintf(out, "]},\"page_faults\":{\"total\":%" PRIu64 ",\"by_kind\":", s->faults);
        json_counts(out, &s->by_kind);
        fputs(",\"by_symbol\":", out);
        json_counts(out, &s->by_symbol);
        fprintf(out, "},\"page_ins\":%" PRIu64 ",\"page_outs\":%" PRIu64
                     ",\"context_switches\":%" PRIu64 "}\n",
                s->page_ins, s->page_outs, s->switches);
        free(rows);
        return;
    }
    fprintf(out, "ringscope: system calls     %" PRIu64 " (%" PRIu64 " kernel instructions)\n",
            total, insns);
    for (unsigned i = 0; i < n; i++)
        fprintf(out, "ringscope:   %-20s %8" PRIu64 " calls %12" PRIu64 " kernel insns (%" PRIu64
                     " per call)\n",
                rows[i].name, rows[i].n, rows[i].insns, rows[i].insns / rows[i].n);
    fprintf(out, "ringscope: page faults      %" PRIu64 "\n", s->faults);
    if (s->faults) {
        text_counts(out, "by kind", &s->by_kind);
        text_counts(out, "by faulting function", &s->by_symbol);
    }
    fprintf(out, "ringscope: page-ins         %" PRIu64 ", page-outs %" PRIu64 "\n", s->page_ins,
            s->page_outs);
    fprintf(out, "ringscope: context switches %" PRIu64 "\n", s->switches);
    free(rows);
}
