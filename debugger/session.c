/* session.c — run control, observation and step back for the debugger
 * (session.h). */
#include "session.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../machine/snapshot.h"
#include "../trace/disasm.h"
#include "../trace/symbols.h"
#include "../trace/tracer.h"
#include "../trace/vectors.h"
#include "explain.h"
#include "kstate.h"
#include "osview.h"
#include "runctl.h"

#define DEFAULT_SNAPSHOT_INTERVAL 200000ull
#define SNAPSHOT_MIN_SECONDS 0.5   /* between snapshots while running */
#define OS_HISTORY_MAX (1u << 20)  /* OS events kept for rebuilding the view */

/* Running backwards replays history looking for the last stop before
 * where the machine is.  A place in history: AT(k) = 2k is the state after
 * k instructions retired; DELIVERED(k) = 2k + 1 the state right after an
 * exception or interrupt was delivered there (RIP = its handler, nothing
 * retired since). */
struct dbg_scan {
    enum dbg_command cmd;
    uint64_t before;               /* find places < this */
    bool found;
    uint64_t place;
    enum dbg_stop_reason reason;
    int id;                        /* breakpoint / watchpoint */
    int vector;                    /* DELIVERED: which vector to deliver again */
    struct dbg_stop access;        /* a watchpoint's access */
    bool syscall_pending;          /* a SYSCALL retires: its place is after INSN_DONE */
};

static void scan_found(struct dbg_scan *sc, uint64_t place, enum dbg_stop_reason reason, int id, int vector)
{
    if (place >= sc->before)
        return;
    sc->found = true;
    sc->place = place;
    sc->reason = reason;
    sc->id = id;
    sc->vector = vector;
}

/* ---- registers --------------------------------------------------------- */

static void capture_regs(struct dbg *d, struct dbg_regs *r)
{
    struct cpu *cpu = machine_cpu(d->m);
    memcpy(r->gpr, cpu->gpr, sizeof r->gpr);
    r->rip = cpu->rip;
    r->rflags = cpu_rflags(cpu);
    r->cr0 = cpu->cr0, r->cr2 = cpu->cr2, r->cr3 = cpu->cr3, r->cr4 = cpu->cr4, r->efer = cpu->efer;
    r->fs_base = cpu->seg[SEG_FS].base, r->gs_base = cpu->seg[SEG_GS].base;
    r->cpl = cpu->cpl;
}

void dbg_refresh_regs(struct dbg *d) { capture_regs(d, &d->now); }

const char *dbg_symbol(struct dbg *d, uint64_t va, char *buf, size_t cap)
{
    buf[0] = 0;
    if (d->syms)
        symbols_format(d->syms, va, buf, cap);
    return buf;
}

/* ---- the event log ----------------------------------------------------- */

static struct dbg_event *log_push(struct dbg *d, uint8_t kind)
{
    struct dbg_event *e = &d->log[(d->log_head + d->log_count) % DBG_LOG_SIZE];
    if (d->log_count < DBG_LOG_SIZE)
        d->log_count++;
    else
        d->log_head = (d->log_head + 1) % DBG_LOG_SIZE;
    memset(e, 0, sizeof *e);
    e->icount = machine_cpu(d->m)->icount;
    e->kind = kind;
    return e;
}

const struct dbg_event *dbg_event_newest(const struct dbg *d, size_t i)
{
    if (i >= d->log_count)
        return NULL;
    return &d->log[(d->log_head + d->log_count - 1 - i) % DBG_LOG_SIZE];
}

/* Step back to icount: forget what happened from there on.  Events are
 * stamped with the icount while their instruction runs, so those stamped
 * icount came after the state "at icount"; live keys given at icount are
 * part of it. */
static void forget_after(struct dbg *d, uint64_t icount)
{
    while (d->log_count && dbg_event_newest(d, 0)->icount >= icount)
        d->log_count--;
    while (d->nos && d->os[d->nos - 1].icount >= icount)
        d->nos--;
    while (d->nkeys && d->keys[d->nkeys - 1].icount > icount)
        d->nkeys--;
}

/* Rebuild the OS view from the history (after step back shortened it). */
static void rebuild_osview(struct dbg *d)
{
    osview_reset(&d->view);
    for (size_t i = 0; i < d->nos; i++)
        osview_apply(&d->view, &d->os[i].ev);
}

/* ---- observer hooks ---------------------------------------------------- */

/* The command's goal is met: the watcher asks the machine to stop. */
static bool stop_here(struct dbg *d)
{
    d->stop_now = true;
    return true;
}

static void on_before_insn(struct dbg *d, struct cpu *cpu)
{
    d->insn_rip = cpu->rip;
    d->nacc = 0;
    d->have_walk = false;
    d->fault_walk = false;
}

static bool is_ret(const struct insn *in) { return in->map == MAP_1BYTE && (in->op == 0xC3 || in->op == 0xC2); }

static bool on_after_insn(struct dbg *d, struct cpu *cpu, const struct insn *in)
{
    d->delivered = 0;
    if (d->scan) {
        struct dbg_scan *sc = d->scan;
        if (sc->syscall_pending)
            scan_found(sc, 2 * cpu->icount, DBG_STOPPED_GOAL, 0, -1);
        sc->syscall_pending = false;
        int id = d->nbp ? runctl_breakpoint_hit(d, cpu->rip, false) : 0;
        if (id)
            scan_found(sc, 2 * cpu->icount, DBG_STOPPED_BREAKPOINT, id, -1);
        return false;
    }
    if (d->cmd == DBG_STEP_OVER && cpu->rip == d->target_rip && cpu->gpr[RSP] >= d->target_rsp)
        return stop_here(d);
    if (d->cmd == DBG_STEP_OUT && is_ret(in) && cpu->gpr[RSP] > d->target_rsp)
        return stop_here(d);
    return false;
}

static void on_mem(struct dbg *d, enum mem_kind kind, uint64_t va, uint64_t pa, unsigned size)
{
    if (d->nacc < DBG_MAX_ACCESSES)
        d->acc[d->nacc++] = (struct dbg_access){kind, va, pa, size};
}

static bool on_exception(struct dbg *d, const struct exc_event *e)
{
    uint64_t icount = machine_cpu(d->m)->icount;
    d->delivered = icount + 1;
    if (d->scan) {
        struct dbg_scan *sc = d->scan;
        bool fault = e->vector == EXC_PF && !e->external && !e->soft;
        if ((sc->cmd == DBG_UNTIL_PAGE_FAULT && fault) || (sc->cmd == DBG_UNTIL_INTERRUPT && e->external))
            scan_found(sc, 2 * icount + 1, DBG_STOPPED_GOAL, 0, e->vector);
        int id = d->nbp ? runctl_breakpoint_hit(d, e->handler, false) : 0;
        if (id)
            scan_found(sc, 2 * icount + 1, DBG_STOPPED_BREAKPOINT, id, e->vector);
        return false;
    }
    bool stop = d->cmd == DBG_UNTIL_INTERRUPT && e->external && stop_here(d);
    if (e->vector == EXC_PF && !e->external && !e->soft) {
        /* Show where the faulting address leads (what the walk found). */
        mmu_probe(machine_mmu(d->m), e->cr2, &d->walk);
        d->have_walk = d->fault_walk = true;
        d->walk.va = e->cr2;
    }
    return stop;
}

/* The tracer's events (exceptions, interrupts, ring transfers, OS events)
 * become the log, each with its explanation.  The tracer is detached while
 * step back replays, like any forward watcher. */
static void log_trace_event(void *ctx, const struct trace_event *e)
{
    struct dbg *d = ctx;
    struct fault_context fc = {.os = &d->view, .mmu = machine_mmu(d->m), .cr3 = machine_cpu(d->m)->cr3,
                               .pid = d->view.current_pid};
    /* A page fault: the page's state as the kernel's tables have it now
     * (right for every process, forked children too). */
    struct kstate *ks = e->kind == TRACE_EXCEPTION ? malloc(sizeof *ks) : NULL;
    if (ks && kstate_read(ks, d->m)) {
        const struct kproc *p = kstate_proc_by_cr3(ks, fc.cr3);
        struct karea *areas = malloc(KSTATE_MAX_AREAS * sizeof *areas);
        int n = p && areas ? kstate_areas(ks, d->m, p, areas, KSTATE_MAX_AREAS) : -1;
        if (n >= 0) {
            fc.known = true;
            fc.pid = p->pid;
            fc.state = kstate_page_state(ks, d->m, p, areas, n, machine_cpu(d->m)->cr2, &fc.slot);
        }
        free(areas);
    }
    free(ks);
    struct dbg_event *ev = log_push(d, e->kind);
    ev->step = e->step;
    if (!explain_event(e, &fc, ev->text, sizeof ev->text, ev->explain, sizeof ev->explain))
        trace_event_summary(e, ev->text, sizeof ev->text);
    trace_event_summary(e, ev->fields, sizeof ev->fields);
}

/* The flush's cause comes with the event (the CPU knows which register it
 * wrote): no need to decode the instruction again. */
static void on_tlb(struct dbg *d, struct cpu *cpu, enum tlb_event_kind kind, uint64_t va,
                   enum tlb_flush_cause cause)
{
    const char *what = kind == TLB_FLUSH_ALL ? "whole TLB flushed"
                       : kind == TLB_FLUSH_NONGLOBAL ? "non-global entries flushed"
                       : kind == TLB_FLUSH_PAGE ? "one page flushed" : NULL;
    if (!what)
        return;
    static const char *const by[] = {
        [TLB_CAUSE_NONE] = "?", [TLB_CAUSE_CR0] = "a CR0 write", [TLB_CAUSE_CR3] = "a CR3 write",
        [TLB_CAUSE_CR4] = "a CR4 write", [TLB_CAUSE_EFER] = "an EFER write", [TLB_CAUSE_INVLPG] = "invlpg",
        [TLB_CAUSE_EXTERNAL] = "the host",
    };
    char sym[96];
    dbg_symbol(d, d->insn_rip, sym, sizeof sym);
    if (kind == TLB_FLUSH_PAGE)
        snprintf(d->flush_cause, sizeof d->flush_cause, "%s (0x%llx) by %s at %s, insn %llu", what,
                 (unsigned long long)va, by[cause], *sym ? sym : "?", (unsigned long long)cpu->icount);
    else
        snprintf(d->flush_cause, sizeof d->flush_cause, "%s by %s at %s, insn %llu", what, by[cause],
                 *sym ? sym : "?", (unsigned long long)cpu->icount);
}

static void on_walk(struct dbg *d, const struct page_walk *w)
{
    if (d->fault_walk)
        return; /* keep showing the faulting address during delivery */
    d->walk = *w;
    d->have_walk = true;
}

/* Keep ev in the history (for rebuilding the view after step back) unless
 * the history is full or memory ran out (a flood: the view goes on). */
static void remember_os_event(struct dbg *d, const struct os_event *ev)
{
    if (d->nos == OS_HISTORY_MAX)
        return;
    if (d->nos == d->os_cap) {
        size_t cap = d->os_cap ? d->os_cap * 2 : 256;
        struct os_event_at *p = realloc(d->os, cap * sizeof *p);
        if (!p)
            return;
        d->os = p;
        d->os_cap = cap;
    }
    d->os[d->nos++] = (struct os_event_at){machine_cpu(d->m)->icount, *ev};
}

static void on_os_event(struct dbg *d, const struct os_event *ev)
{
    osview_apply(&d->view, ev);
    remember_os_event(d, ev);
}

/* The watcher's handlers, one per kind. */
static bool watch_insn(void *ctx, const struct watch_event *e)
{
    on_before_insn(ctx, e->cpu);
    return false;
}
static bool watch_insn_done(void *ctx, const struct watch_event *e) { return on_after_insn(ctx, e->cpu, e->insn); }
static bool watch_mem(void *ctx, const struct watch_event *e)
{
    struct dbg *d = ctx;
    on_mem(d, e->mem.kind, e->mem.va, e->mem.pa, e->mem.size);
    if (d->scan) {
        int id = runctl_watch_hit(d, e, false);
        if (id && 2 * e->icount < d->scan->before) {
            /* Found before the accessing instruction. */
            scan_found(d->scan, 2 * e->icount, DBG_STOPPED_WATCHPOINT, id, -1);
            struct dbg_stop *a = &d->scan->access;
            *a = (struct dbg_stop){.reason = DBG_STOPPED_WATCHPOINT, .id = id, .addr = e->mem.va,
                                   .size = e->mem.size, .insn_rip = e->rip, .pid = e->pid, .tid = e->tid,
                                   .access = e->mem.kind == MEM_WRITE ? DBG_WATCH_WRITE : DBG_WATCH_READ};
            uint8_t v[8] = {0};
            if (e->mem.value)
                memcpy(v, e->mem.value, e->mem.size < 8 ? e->mem.size : 8);
            for (int i = 7; i >= 0; i--)
                a->new_value = a->new_value << 8 | v[i];
        }
        return false;
    }
    if (d->replaying || d->watch_hit)
        return false;
    if (runctl_watch_hit(d, e, true)) {
        d->watch_hit = true;
        return true;
    }
    return false;
}
static bool watch_transfer(void *ctx, const struct watch_event *e)
{
    struct dbg *d = ctx;
    if (d->scan && d->scan->cmd == DBG_UNTIL_SYSCALL && e->transfer.kind == RT_SYSCALL)
        d->scan->syscall_pending = true;
    return false;
}
static bool watch_exception(void *ctx, const struct watch_event *e) { return on_exception(ctx, e->exception); }
static bool watch_tlb(void *ctx, const struct watch_event *e)
{
    struct dbg *d = ctx;
    /* Every access translates first (a TLB hit or a fill): before a write
     * to a watched page lands, keep what the page holds — the old value. */
    if (e->tlb.kind == TLB_HIT || e->tlb.kind == TLB_FILL)
        runctl_before_access(d, e->tlb.va);
    on_tlb(d, e->cpu, e->tlb.kind, e->tlb.va, e->tlb.cause);
    return false;
}
static bool watch_walk(void *ctx, const struct watch_event *e)
{
    on_walk(ctx, e->walk);
    return false;
}
static bool watch_os(void *ctx, const struct watch_event *e)
{
    on_os_event(ctx, e->os);
    return false;
}

/* Per-access observation (the page walk panel) unless running in turbo. */
static void attach(struct dbg *d, bool full)
{
    struct watcher *w = &d->watcher;
    w->ctx = d;
    w->on[WATCH_INSN_DONE] = watch_insn_done;
    w->on[WATCH_EXCEPTION] = watch_exception;
    w->on[WATCH_OS] = watch_os;
    w->on[WATCH_INSN] = full ? watch_insn : NULL;
    /* Watchpoints need every data access, except while step back replays. */
    bool watching = runctl_watching(d) && (!d->replaying || d->scan);
    w->on[WATCH_MEM] = full || watching ? watch_mem : NULL;
    w->on[WATCH_TRANSFER] = d->scan ? watch_transfer : NULL;
    w->on[WATCH_TLB] = full || watching ? watch_tlb : NULL;
    w->on[WATCH_WALK] = full ? watch_walk : NULL;
    watch_update(machine_watch_hub(d->m));
}

static void take_snapshot(struct dbg *d);
static double host_seconds(void);

/* The event log's source: a tracer of the crossings (no output), whose
 * events the log keeps with their explanations. */
static int open_event_log(struct dbg *d, const char *kernel, const char *program, char *err, size_t errlen)
{
    struct trace_config tc;
    trace_config_init(&tc);
    tc.kinds = (1u << TRACE_EXCEPTION) | (1u << TRACE_INTERRUPT) | (1u << TRACE_IRET) | (1u << TRACE_SYSCALL) |
               (1u << TRACE_SYSRET) | (1u << TRACE_OS);
    tc.no_output = true;
    if (!(d->events = tracer_new(&tc, NULL, err, errlen)))
        return -1;
    char ignored[256];
    tracer_load_symbols(d->events, kernel, "kernel:", 0, ignored, sizeof ignored);
    if (program)
        tracer_load_symbols(d->events, program, "", 0, ignored, sizeof ignored);
    tracer_set_sink(d->events, log_trace_event, d);
    if (tracer_attach(d->events, machine_watch_hub(d->m), err, errlen) != 0)
        return -1;
    if (dbg_watch_forward(d, tracer_watcher(d->events)) != 0) {
        snprintf(err, errlen, "cannot attach the debugger's event log");
        return -1;
    }
    return 0;
}

/* ---- lifecycle --------------------------------------------------------- */

struct dbg *dbg_new(const struct dbg_options *opts, char *err, size_t errlen)
{
    struct dbg *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of host memory");
        return NULL;
    }
    struct machine_config c = opts->config;
    c.console_out = NULL;     /* captured: the console panel shows it */
    c.stderr_out = NULL;      /* ... and the guest's stderr under it */
    c.kernel_log_out = NULL;
    c.input_from_stdin = false;
    if (!(d->m = machine_new(&c, err, errlen))) {
        free(d);
        return NULL;
    }
    d->program_path = c.program_path;
    const char *base = c.program_path ? strrchr(c.program_path, '/') : NULL;
    snprintf(d->program_name, sizeof d->program_name, "%s",
             base ? base + 1 : c.program_path ? c.program_path : "(no program)");
    char why[256];
    d->have_program = c.program_path && elf_open(&d->program, c.program_path, why, sizeof why) == 0;
    d->syms = symbols_new();
    if (d->syms) {
        symbols_load_elf(d->syms, c.kernel_path, "kernel:", 0, why, sizeof why);
        if (c.program_path)
            symbols_load_elf(d->syms, c.program_path, "", 0, why, sizeof why);
    }
    d->dis = disasm_new();
    d->snapshot_interval = opts->snapshot_interval ? opts->snapshot_interval : DEFAULT_SNAPSHOT_INTERVAL;
    d->insns_per_frame = 200000;
    if (!(d->snaps = snapshot_store_new(d->m)) || (take_snapshot(d), snapshot_count(d->snaps) == 0)) {
        snprintf(err, errlen, "out of host memory for step-back snapshots (try a smaller --ram)");
        dbg_free(d);
        return NULL;
    }
    attach(d, true);
    if (machine_attach(d->m, &d->watcher) != 0) {
        snprintf(err, errlen, "cannot attach the debugger to the machine");
        dbg_free(d);
        return NULL;
    }
    if (open_event_log(d, c.kernel_path, c.program_path, err, errlen) != 0) {
        dbg_free(d);
        return NULL;
    }
    capture_regs(d, &d->now);
    d->prev = d->now;
    snprintf(d->status, sizeof d->status, "ready at the kernel's first instruction: press s to step, r to run");
    return d;
}

void dbg_free(struct dbg *d)
{
    if (!d)
        return;
    free(d->rscan);
    if (d->m)
        machine_detach(d->m, &d->watcher);
    if (d->events)
        tracer_close(d->events, NULL, 0);
    snapshot_store_free(d->snaps);
    if (d->dis)
        disasm_free(d->dis);
    if (d->syms)
        symbols_free(d->syms);
    machine_free(d->m);
    if (d->have_program)
        elf_free(&d->program);
    free(d->os);
    osview_free(&d->view);
    free(d->keys);
    free(d->marks);
    free(d);
}

/* ---- breakpoints and addresses ----------------------------------------- */

bool dbg_parse_address(struct dbg *d, const char *text, uint64_t *va)
{
    while (isspace((unsigned char)*text))
        text++;
    char *end;
    const char *hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X') ? text + 2 : text;
    if (isxdigit((unsigned char)*hex)) {
        unsigned long long v = strtoull(hex, &end, 16);
        if (*end == 0 && (hex != text || !d->syms || !symbols_find(d->syms, text, va))) {
            *va = v;
            return true;
        }
    }
    if (d->syms && symbols_find(d->syms, text, va))
        return true;
    char prefixed[128];
    snprintf(prefixed, sizeof prefixed, "kernel:%s", text);
    return d->syms && symbols_find(d->syms, prefixed, va);
}

void dbg_key(struct dbg *d, enum key key, bool down)
{
    machine_key(d->m, key, down);
    if (d->nkeys == d->keys_cap) {
        size_t cap = d->keys_cap ? d->keys_cap * 2 : 64;
        struct dbg_key *p = realloc(d->keys, cap * sizeof *p);
        if (!p)
            return;
        d->keys = p;
        d->keys_cap = cap;
    }
    d->keys[d->nkeys++] = (struct dbg_key){machine_cpu(d->m)->icount, machine_time_ns(d->m), key, down};
}

/* ---- running ----------------------------------------------------------- */

static const char *event_words(const struct machine_stop *s)
{
    switch (s->event) {
    case MEV_EXIT: return "the guest exited";
    case MEV_BREAKPOINT: return "breakpoint";
    case MEV_EXCEPTION: return "exception delivered";
    case MEV_SYSCALL: return "syscall";
    case MEV_RING_CHANGE: return "ring change";
    case MEV_TRIPLE_FAULT: return "triple fault: the machine shut down";
    case MEV_HALTED: return "halted with interrupts off: nothing can wake the CPU";
    case MEV_IDLE: return "idle: hlt and no device will interrupt";
    default: return "stopped";
    }
}

bool dbg_busy(const struct dbg *d) { return d->cmd != DBG_NONE || d->rscan; }

static bool at_history_start(struct dbg *d);
static void reverse_begin(struct dbg *d, enum dbg_command cmd);
static bool reverse_advance(struct dbg *d, uint64_t budget);
static void reverse_interrupt(struct dbg *d);

void dbg_start(struct dbg *d, enum dbg_command cmd)
{
    struct cpu *cpu = machine_cpu(d->m);
    if (d->rscan)
        reverse_interrupt(d); /* any other command first ends a reverse run, exactly */
    if (cmd == DBG_REVERSE_RUN) {
        if (!at_history_start(d))
            reverse_begin(d, DBG_RUN);
        return;
    }
    capture_regs(d, &d->prev);
    d->cmd = cmd;
    d->stop_now = false;
    d->pace_host0 = host_seconds();
    d->pace_virt0 = machine_time_ns(d->m);
    if (cmd == DBG_STEP_OVER) {
        /* A CALL (E8, FF /2) runs to the instruction after it on the same
         * stack; anything else is a single step. */
        uint8_t bytes[16];
        size_t n = machine_read_virt(d->m, cpu->rip, bytes, sizeof bytes);
        struct insn in;
        bool call = n && decode(bytes, n, &in) == DECODE_OK && in.map == MAP_1BYTE &&
                    (in.op == 0xE8 || (in.op == 0xFF && (in.reg & 7) == 2));
        if (call) {
            d->target_rip = cpu->rip + in.len;
            d->target_rsp = cpu->gpr[RSP];
        } else {
            d->cmd = DBG_STEP;
        }
    } else if (cmd == DBG_STEP_OUT) {
        d->target_rsp = cpu->gpr[RSP];
    }
}

static void set_stop(struct dbg *d, enum dbg_stop_reason reason, int id);

void dbg_pause(struct dbg *d)
{
    if (d->rscan) {
        reverse_interrupt(d);
        return;
    }
    if (d->cmd == DBG_NONE)
        return;
    d->cmd = DBG_NONE;
    set_stop(d, DBG_STOPPED_PAUSE, 0);
    runctl_refresh_shadows(d);
    capture_regs(d, &d->now);
    snprintf(d->status, sizeof d->status, "paused at instruction %llu", (unsigned long long)machine_cpu(d->m)->icount);
    d->model_generation++;
}

static void take_snapshot(struct dbg *d)
{
    uint64_t now = machine_cpu(d->m)->icount;
    /* Right after an exception's delivery the machine is not "at icount
     * now" (that is the state before the faulting instruction): a
     * snapshot there would make replays skip the delivery. */
    if (d->delivered == now + 1)
        return;
    if (snapshot_take(d->snaps) != 0 || snapshot_newest_icount(d->snaps) != now)
        return;
    if (d->nmarks == d->marks_cap) {
        size_t cap = d->marks_cap ? d->marks_cap * 2 : 64;
        struct dbg_mark *p = realloc(d->marks, cap * sizeof *p);
        if (!p)
            return;
        d->marks = p;
        d->marks_cap = cap;
    }
    d->marks[d->nmarks++] = (struct dbg_mark){now, d->nos};
}

static double host_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void maybe_snapshot(struct dbg *d)
{
    uint64_t newest = snapshot_newest_icount(d->snaps), now = machine_cpu(d->m)->icount;
    if (newest == UINT64_MAX || now >= newest + d->snapshot_interval) {
        take_snapshot(d);
        d->last_snapshot_time = host_seconds();
    }
}

static void set_stop(struct dbg *d, enum dbg_stop_reason reason, int id)
{
    struct cpu *cpu = machine_cpu(d->m);
    d->stop = (struct dbg_stop){.reason = reason, .id = id, .icount = cpu->icount,
                                .in_delivery = d->delivered == cpu->icount + 1};
    watch_get_thread(machine_watch_hub(d->m), &d->stop.pid, &d->stop.tid);
}

/* machine_run with the breakpoints' conditions: a breakpoint whose
 * conditions are all false is passed (within the budget).  *bp_id: the
 * breakpoint that stopped it, 0 if none did. */
static struct machine_stop run_with_conditions(struct dbg *d, struct machine_until *u, uint64_t budget, int *bp_id)
{
    struct cpu *cpu = machine_cpu(d->m);
    uint64_t before = cpu->icount;
    *bp_id = 0;
    for (;;) {
        struct machine_stop s = machine_run(d->m, u);
        if (s.event != MEV_BREAKPOINT || d->watch_hit || d->stop_now)
            return s;
        if ((*bp_id = runctl_breakpoint_hit(d, cpu->rip, true)) != 0)
            return s;
        uint64_t ran = cpu->icount - before;
        if (ran >= budget)
            return (struct machine_stop){.event = MEV_BUDGET, .rip = cpu->rip};
        u->max_insns = budget - ran;
    }
}

bool dbg_advance(struct dbg *d, uint64_t budget)
{
    if (d->rscan)
        return reverse_advance(d, budget ? budget : 1);
    if (d->cmd == DBG_NONE)
        return true;
    struct cpu *cpu = machine_cpu(d->m);
    struct machine_until u = {.vector = -1, .breakpoints = d->bp, .nbreakpoints = d->nbp};
    enum dbg_command cmd = d->cmd;
    switch (cmd) {
    case DBG_STEP:
        /* One instruction, or the delivery of an exception or interrupt
         * (which then stops at the handler's first instruction). */
        budget = 1;
        u.breakpoints = NULL, u.nbreakpoints = 0;
        u.any_exception = true;
        break;
    case DBG_UNTIL_SYSCALL: u.syscall = true; break;
    case DBG_UNTIL_PAGE_FAULT: u.vector = EXC_PF; break;
    case DBG_UNTIL_RING: u.ring_change = true; break;
    default: break;
    }
    budget = budget ? budget : 1;
    u.max_insns = budget;
    d->watch_hit = false;
    /* The window: an idle guest's time follows real time, so a key held
     * for 100 ms is held for 100 ms of the guest's time. */
    if (d->pace_idle && !d->replaying && cmd != DBG_STEP)
        u.idle_until_ns = d->pace_virt0 + (uint64_t)((host_seconds() - d->pace_host0) * 1e9);
    attach(d, !d->turbo || cmd == DBG_STEP);
    uint64_t before = cpu->icount;
    int bp_id;
    struct machine_stop s = run_with_conditions(d, &u, budget, &bp_id);
    bool done = true;
    char where[96];
    dbg_symbol(d, cpu->rip, where, sizeof where);
    if (d->watch_hit) {
        d->stop.icount = cpu->icount; /* runctl_watch_hit filled in the access */
        dbg_stop_text(d, d->status, sizeof d->status);
    } else if (bp_id) {
        set_stop(d, DBG_STOPPED_BREAKPOINT, bp_id);
        dbg_stop_text(d, d->status, sizeof d->status);
    } else if (s.event == MEV_BUDGET && cmd != DBG_STEP && !d->stop_now) {
        done = false;
    } else if (cmd == DBG_STEP && dbg_at_delivery(d)) {
        set_stop(d, DBG_STOPPED_STEP, 0);
        snprintf(d->status, sizeof d->status, "%s delivered: at its handler %.72s, none of it run yet (u: back to before it)",
                 s.event == MEV_EXCEPTION ? vector_mnemonic((uint8_t)s.vector) : "exception",
                 *where ? where : "here");
    } else if (cmd == DBG_STEP) {
        set_stop(d, DBG_STOPPED_STEP, 0);
        snprintf(d->status, sizeof d->status, "stepped one instruction (%llu retired)",
                 (unsigned long long)(cpu->icount - before));
    } else if (d->stop_now || s.event == MEV_REQUEST) {
        set_stop(d, d->stop_now ? DBG_STOPPED_GOAL : DBG_STOPPED_PAUSE, 0);
        snprintf(d->status, sizeof d->status, "%s done at %s",
                 cmd == DBG_STEP_OVER ? "step over" : cmd == DBG_STEP_OUT ? "step out" : "run until interrupt",
                 *where ? where : "here");
    } else {
        set_stop(d, s.event == MEV_EXIT ? DBG_STOPPED_EXIT
                    : s.event == MEV_TRIPLE_FAULT || s.event == MEV_HALTED ? DBG_STOPPED_DEAD
                    : s.event == MEV_IDLE ? DBG_STOPPED_IDLE : DBG_STOPPED_GOAL, 0);
        snprintf(d->status, sizeof d->status, "%s at %s", event_words(&s), *where ? where : "here");
        if (s.event == MEV_EXIT)
            snprintf(d->status, sizeof d->status, "the guest exited with status %lld",
                     (long long)machine_exit_status(d->m));
    }
    if (s.event == MEV_IDLE && d->wait_when_idle && cmd != DBG_STEP && !d->watch_hit && !bp_id) {
        done = false;
        snprintf(d->status, sizeof d->status, "waiting: the guest idles in hlt until a key comes (Tab: type)");
    } else if (s.event == MEV_EXIT || s.event == MEV_TRIPLE_FAULT || s.event == MEV_HALTED || s.event == MEV_IDLE) {
        done = true;
    }
    d->model_generation++;
    if (done) {
        d->cmd = DBG_NONE;
        capture_regs(d, &d->now);
        runctl_refresh_shadows(d);
    }
    /* While running, snapshots cost at most a few percent of host time
     * (each compares all of RAM with the shadow copy). */
    if (!d->replaying && (done || host_seconds() - d->last_snapshot_time >= SNAPSHOT_MIN_SECONDS))
        maybe_snapshot(d);
    return done;
}

void dbg_run_command(struct dbg *d, enum dbg_command cmd, uint64_t max_insns)
{
    dbg_start(d, cmd);
    uint64_t start = machine_cpu(d->m)->icount;
    while (!dbg_advance(d, 1000000)) {
        if (max_insns && !d->rscan && machine_cpu(d->m)->icount - start >= max_insns) {
            dbg_pause(d);
            break;
        }
    }
}

void dbg_step_n(struct dbg *d, uint64_t n)
{
    struct cpu *cpu = machine_cpu(d->m);
    if (n == 0)
        return;
    if (n > 1) {
        size_t nbp = d->nbp;
        uint64_t left = n - 1;
        d->nbp = 0;
        dbg_start(d, DBG_RUN);
        while (left) {
            uint64_t before = cpu->icount;
            bool done = dbg_advance(d, left < 1000000 ? left : 1000000);
            uint64_t ran = cpu->icount - before;
            left = ran < left ? left - ran : 0;
            if (done || ran == 0)
                break;
        }
        d->cmd = DBG_NONE;
        d->nbp = nbp;
    }
    dbg_run_command(d, DBG_STEP, 0);
}

/* ---- step back --------------------------------------------------------- */

/* Give the recorded live keys due at this instruction count; *k is the
 * cursor into d->keys. */
static void give_keys(struct dbg *d, size_t *k)
{
    uint64_t now = machine_cpu(d->m)->icount;
    while (*k < d->nkeys && d->keys[*k].icount == now) {
        /* Idle time the window let pass (in hlt) before the key came. */
        if (machine_time_ns(d->m) < d->keys[*k].time_ns) {
            struct machine_until u = {.max_insns = 1, .vector = -1, .idle_until_ns = d->keys[*k].time_ns};
            machine_run(d->m, &u);
        }
        machine_key(d->m, d->keys[*k].key, d->keys[*k].down);
        ++*k;
    }
}

/* Run exactly n instructions, giving the recorded live keys at their
 * instruction counts (a state "at icount X" is the one after the keys given
 * at X). */
static void replay(struct dbg *d, uint64_t n, size_t *k)
{
    struct cpu *cpu = machine_cpu(d->m);
    uint64_t end = cpu->icount + n;
    give_keys(d, k);
    while (cpu->icount < end) {
        uint64_t until = *k < d->nkeys && d->keys[*k].icount < end ? d->keys[*k].icount : end;
        struct machine_stop s = machine_step(d->m, until - cpu->icount);
        /* Idle in hlt is where live keys usually came: go on if one is due. */
        bool key_due = *k < d->nkeys && d->keys[*k].icount == cpu->icount;
        give_keys(d, k);
        if (s.event != MEV_BUDGET && !(s.event == MEV_IDLE && key_due))
            break;
    }
}

/* Put the machine back into the newest snapshot at or before icount, with
 * the OS-event history cut to what had happened then.  Its icount, or
 * UINT64_MAX if there is none. */
static uint64_t restore_snapshot(struct dbg *d, uint64_t icount)
{
    uint64_t at = snapshot_restore(d->snaps, icount);
    if (at == UINT64_MAX)
        return at;
    /* OS events after the snapshot will be reported again by the replay. */
    while (d->nmarks && d->marks[d->nmarks - 1].icount > at)
        d->nmarks--;
    if (d->nmarks && d->marks[d->nmarks - 1].icount == at && d->marks[d->nmarks - 1].nos <= d->nos)
        d->nos = d->marks[d->nmarks - 1].nos;
    rebuild_osview(d);
    d->delivered = 0;
    return at;
}

/* While step back replays: no forward watcher sees it, nothing stops it. */
static void begin_replay(struct dbg *d)
{
    d->replaying = true;
    for (size_t i = 0; i < d->nforward; i++)
        machine_detach(d->m, d->forward[i]);
    d->cmd = DBG_NONE;
    attach(d, false);
}

static void end_replay(struct dbg *d)
{
    d->replaying = false;
    for (size_t i = 0; i < d->nforward; i++)
        machine_attach(d->m, d->forward[i]);
}

bool dbg_at_delivery(const struct dbg *d) { return d->delivered == machine_cpu(d->m)->icount + 1; }

/* Go to instruction count icount; with deliver, then to the delivery of
 * the exception or interrupt that came there (the state "delivered"). */
static int rewind_position(struct dbg *d, uint64_t icount, bool deliver)
{
    struct cpu *cpu = machine_cpu(d->m);
    if (icount > cpu->icount)
        return -1;
    capture_regs(d, &d->prev);
    uint64_t at = restore_snapshot(d, icount);
    if (at == UINT64_MAX)
        return -1;
    begin_replay(d);
    size_t k = 0;
    while (k < d->nkeys && d->keys[k].icount < at)
        k++;
    /* A long way from the snapshot: leave a new one shortly before the
     * target, so that stepping back again replays only a little. */
    if (icount > at + 2 * d->snapshot_interval) {
        replay(d, icount - d->snapshot_interval - at, &k);
        take_snapshot(d);
    }
    if (icount > cpu->icount + 1)
        replay(d, icount - 1 - cpu->icount, &k);
    /* The last instruction with full observation, so the panels show what
     * it did.  Its "previous registers" are the ones before it. */
    if (icount > at) {
        capture_regs(d, &d->prev);
        attach(d, true);
        replay(d, 1, &k);
    } else {
        give_keys(d, &k);
    }
    if (deliver) {
        /* The exception or interrupt that came before instruction icount
         * ran: delivered again, no instruction of the handler run. */
        capture_regs(d, &d->prev);
        attach(d, true);
        struct machine_until u = {.max_insns = 1, .vector = -1, .any_exception = true};
        machine_run(d->m, &u);
    }
    end_replay(d);
    /* The events of the delivery itself stay in the log (they are
     * stamped with icount: they came before the state shown). */
    forget_after(d, dbg_at_delivery(d) ? icount + 1 : icount);
    rebuild_osview(d);
    capture_regs(d, &d->now);
    if (icount == at && !dbg_at_delivery(d))
        d->prev = d->now;
    attach(d, true);
    set_stop(d, DBG_STOPPED_STEP, 0);
    d->stop.reverse = true;
    runctl_refresh_shadows(d);
    snprintf(d->status, sizeof d->status, "stepped back to instruction %llu (snapshot at %llu + %llu replayed)",
             (unsigned long long)cpu->icount, (unsigned long long)at, (unsigned long long)(icount - at));
    d->model_generation++;
    return 0;
}

int dbg_rewind_to(struct dbg *d, uint64_t icount)
{
    if (d->rscan)
        reverse_interrupt(d);
    return rewind_position(d, icount, false);
}

/* Go to a place found by a scan: AT(k), or DELIVERED(k): at k, then the
 * delivery of the same vector again (deterministic: the replay delivered
 * it there). */
static int go_to_place(struct dbg *d, const struct dbg_scan *sc)
{
    uint64_t k = sc->place / 2;
    if (dbg_rewind_to(d, k) != 0)
        return -1;
    if (sc->place & 1) {
        struct machine_until u = {.vector = sc->vector, .max_insns = 1};
        attach(d, true);
        machine_run(d->m, &u);
        capture_regs(d, &d->now);
    }
    set_stop(d, sc->reason, sc->id);
    if (sc->reason == DBG_STOPPED_WATCHPOINT) {
        d->stop = sc->access;
        d->stop.icount = k;
        /* Before the access: memory holds the value it had. */
        uint8_t v[8] = {0};
        unsigned n = sc->access.size < 8 ? sc->access.size : 8;
        d->stop.have_old = machine_read_virt(d->m, sc->access.addr, v, n) == n;
        for (int i = 7; i >= 0; i--)
            d->stop.old_value = d->stop.old_value << 8 | v[i];
    }
    d->stop.reverse = true;
    dbg_stop_text(d, d->status, sizeof d->status);
    if (sc->reason == DBG_STOPPED_GOAL) {
        char where[96];
        dbg_symbol(d, machine_cpu(d->m)->rip, where, sizeof where);
        snprintf(d->status, sizeof d->status, "backwards to the previous %s, at %s",
                 sc->cmd == DBG_UNTIL_SYSCALL ? "syscall" : sc->cmd == DBG_UNTIL_PAGE_FAULT ? "page fault"
                                                                                            : "interrupt",
                 *where ? where : "here");
    }
    d->model_generation++;
    return 0;
}

/* Running backwards: the history before the start is replayed a stretch
 * at a time, newest first — [at, end] from the snapshot before end — and
 * the replay's hooks note every place to stop (d->scan); the newest place
 * found in a stretch ends the scan.  The stretches are bursts: the window's
 * and the gdb stub's loops call dbg_advance between them, so a pause (the
 * pause key, gdb's ^C) interrupts a long scan. */
static bool at_history_start(struct dbg *d)
{
    if (machine_cpu(d->m)->icount != 0 || dbg_at_delivery(d))
        return false;
    set_stop(d, DBG_STOPPED_HISTORY_START, 0);
    d->stop.reverse = true;
    snprintf(d->status, sizeof d->status, "at the start of history: nothing ran before instruction 0");
    return true;
}

static void reverse_begin(struct dbg *d, enum dbg_command cmd)
{
    uint64_t now = machine_cpu(d->m)->icount;
    d->cmd = DBG_NONE;
    free(d->rscan);
    d->rscan = calloc(1, sizeof *d->rscan);
    if (!d->rscan)
        return;
    *d->rscan = (struct dbg_scan){.cmd = cmd, .before = 2 * now + (dbg_at_delivery(d) ? 1 : 0)};
    d->rscan_origin = d->rscan_end = now;
    d->rscan_in_stretch = false;
    snprintf(d->status, sizeof d->status, "running backwards from instruction %llu", (unsigned long long)now);
}

/* Replay at most budget instructions of the stretch in progress (starting
 * the next one, from the snapshot before rscan_end, if none is): false
 * when the scan is over (a place found, or instruction 0 reached).  The
 * machine stays where a piece ends, so the next call goes on from there. */
static bool reverse_piece(struct dbg *d, uint64_t budget, uint64_t *replayed)
{
    struct dbg_scan *sc = d->rscan;
    struct cpu *cpu = machine_cpu(d->m);
    uint64_t end = d->rscan_end;
    if (!d->rscan_in_stretch) {
        if (end == 0)
            return false;
        uint64_t at = restore_snapshot(d, end - 1);
        if (at == UINT64_MAX)
            return false;
        d->rscan_in_stretch = true;
        d->rscan_key = 0;
        while (d->rscan_key < d->nkeys && d->keys[d->rscan_key].icount < at)
            d->rscan_key++;
        d->rscan_stretch_at = at;
    }
    uint64_t piece = end - cpu->icount < budget ? end - cpu->icount : budget, from = cpu->icount;
    begin_replay(d);
    d->scan = sc;
    attach(d, false);
    replay(d, piece, &d->rscan_key);
    d->scan = NULL;
    end_replay(d);
    attach(d, true);
    *replayed += piece;
    if (cpu->icount < end && cpu->icount > from)
        return true; /* partway (a replay that cannot go on ends the stretch) */
    d->rscan_in_stretch = false;
    d->rscan_end = d->rscan_stretch_at;
    return !sc->found && d->rscan_end > 0;
}

/* The scan is over: to the place found, else to instruction 0. */
static bool reverse_finish(struct dbg *d)
{
    struct dbg_scan sc = *d->rscan;
    uint64_t origin = d->rscan_origin;
    free(d->rscan);
    d->rscan = NULL;
    d->rscan_in_stretch = false;
    attach(d, true);
    if (sc.found && go_to_place(d, &sc) == 0)
        return true;
    dbg_rewind_to(d, 0);
    set_stop(d, DBG_STOPPED_HISTORY_START, 0);
    d->stop.reverse = true;
    snprintf(d->status, sizeof d->status, "at the start of history: no earlier stop before instruction %llu",
             (unsigned long long)origin);
    return false;
}

static bool reverse_advance(struct dbg *d, uint64_t budget)
{
    uint64_t replayed = 0;
    while (replayed < budget)
        if (!reverse_piece(d, budget - replayed, &replayed)) {
            reverse_finish(d);
            return true;
        }
    snprintf(d->status, sizeof d->status, "running backwards from instruction %llu: nothing to stop at since %llu",
             (unsigned long long)d->rscan_origin, (unsigned long long)d->rscan_end);
    d->model_generation++;
    return false;
}

/* Paused: at the oldest instant scanned, exactly as the machine was there
 * (nothing between it and the start would have stopped the run). */
static void reverse_interrupt(struct dbg *d)
{
    uint64_t origin = d->rscan_origin, at = d->rscan_end;
    bool moved = at < origin || d->rscan_in_stretch;
    if (d->rscan_in_stretch) {
        /* Partway through a stretch: replay the rest of it (nothing to
         * note), so the machine is at its end again. */
        begin_replay(d);
        replay(d, at - machine_cpu(d->m)->icount, &d->rscan_key);
        end_replay(d);
        attach(d, true);
    }
    free(d->rscan);
    d->rscan = NULL;
    d->rscan_in_stretch = false;
    if (moved)
        dbg_rewind_to(d, at); /* the position itself: registers, events and panels as a step back leaves them */
    set_stop(d, DBG_STOPPED_PAUSE, 0);
    d->stop.reverse = true;
    capture_regs(d, &d->now);
    runctl_refresh_shadows(d);
    snprintf(d->status, sizeof d->status,
             "reverse run paused at instruction %llu: no breakpoint or watchpoint hit between it and %llu",
             (unsigned long long)machine_cpu(d->m)->icount, (unsigned long long)origin);
    d->model_generation++;
}

bool dbg_reverse(struct dbg *d, enum dbg_command cmd)
{
    if (d->rscan)
        reverse_interrupt(d);
    d->cmd = DBG_NONE;
    if (at_history_start(d))
        return false;
    if (cmd == DBG_STEP || cmd == DBG_STEP_OVER || cmd == DBG_STEP_OUT)
        return dbg_step_back(d) == 0;
    reverse_begin(d, cmd);
    if (!d->rscan)
        return false;
    uint64_t replayed = 0;
    while (reverse_piece(d, UINT64_MAX, &replayed))
        ;
    return reverse_finish(d);
}

int dbg_watch_forward(struct dbg *d, struct watcher *w)
{
    if (d->nforward == sizeof d->forward / sizeof d->forward[0])
        return -1;
    d->forward[d->nforward++] = w;
    return 0;
}

void dbg_unwatch_forward(struct dbg *d, struct watcher *w)
{
    for (size_t i = 0; i < d->nforward; i++)
        if (d->forward[i] == w) {
            memmove(&d->forward[i], &d->forward[i + 1], (d->nforward - i - 1) * sizeof d->forward[0]);
            d->nforward--;
            break;
        }
    machine_detach(d->m, w);
}

/* The model of stepping (debugger/README.md, "Stepping around a fault"):
 * the positions are the states before each instruction, plus, where an
 * exception or interrupt was delivered, the state right after the
 * delivery (same instruction count, RIP at the handler).  s moves to the
 * next position, u to the previous one. */
static bool delivered_before(const struct dbg *d, uint64_t icount)
{
    for (size_t i = 0; i < d->log_count; i++) {
        const struct dbg_event *e = dbg_event_newest(d, i);
        if (e->icount < icount)
            break;
        if (e->icount == icount && (e->kind == TRACE_EXCEPTION || e->kind == TRACE_INTERRUPT))
            return true;
    }
    return false;
}

int dbg_step_back(struct dbg *d)
{
    if (d->rscan)
        reverse_interrupt(d);
    uint64_t now = machine_cpu(d->m)->icount;
    if (dbg_at_delivery(d))
        return rewind_position(d, now, false);   /* to just before the exception */
    if (now == 0)
        return -1;
    return rewind_position(d, now - 1, delivered_before(d, now - 1));
}
