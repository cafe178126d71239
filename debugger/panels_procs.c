/* panels_procs.c — the Processes and threads panel: every process the
 * guest kernel has, with its threads, their state (running on the CPU,
 * ready, blocked in which system call and until when, dead), ring, CR3
 * and name, read from the kernel's own tables at this instant (kstate.h);
 * the latest context switch from the kernel's OS events (panels.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../trace/syscalls.h"
#include "panels.h"
#include "pen.h"

/* The newest context switch the kernel reported, or NULL. */
static const struct os_event_at *last_switch(const struct dbg *d, size_t *count)
{
    const struct os_event_at *last = NULL;
    *count = 0;
    for (size_t i = 0; i < d->nos; i++)
        if (d->os[i].ev.type == OSEV_CONTEXT_SWITCH) {
            last = &d->os[i];
            ++*count;
        }
    return last;
}

/* Text that wraps (at spaces, onto lines starting at column indent)
 * rather than being cut at the panel's narrow edge. */
static void wrapf(struct pen *p, int indent, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void wrapf(struct pen *p, int indent, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pen_wrap(p, buf, indent);
}

static void thread_line(struct pen *p, struct dbg *d, const struct kthread *t)
{
    struct cpu *cpu = machine_cpu(d->m);
    uint8_t bg = t->on_cpu ? C_CUR_BG : C_BG;
    pen_color(p, C_DIM, bg);
    pen_printf(p, "   tid %-4u ", t->tid);
    if (t->on_cpu) {
        pen_color(p, cpu->cpl ? C_RING3 : C_RING0, bg);
        wrapf(p, 14, "running on the CPU, ring %u", cpu->cpl);
    } else if (t->state == KTHREAD_SLEEPING) {
        const char *call = syscall_name(t->syscall_nr);
        pen_color(p, C_WARN, bg);
        wrapf(p, 14, "blocked in %s()", call ? call : "a system call");
        if (t->wake_ns) {
            pen_color(p, C_DIM, bg);
            wrapf(p, 14, " until %.3f ms", t->wake_ns / 1e6);
        }
    } else if (t->state == KTHREAD_RUNNABLE) {
        pen_color(p, C_GOOD, bg);
        pen_wrap(p, "ready (waits for the CPU)", 14);
    } else {
        pen_color(p, C_DIM, bg);
        pen_text(p, "dead");
    }
    if (!t->on_cpu && t->user_rip && t->state != KTHREAD_DEAD) {
        char sym[96];
        char words[160];
        /* In the kernel; where it left ring 3 (its trap frame's RIP). */
        snprintf(words, sizeof words, ", from %s", *dbg_symbol(d, t->user_rip, sym, sizeof sym) ? sym : "ring 3");
        pen_color(p, C_DIM, bg);
        pen_wrap(p, words, 14);
    }
    pen_fill(p);
    pen_line(p);
}

/* Items left when the panel is full: its last line says so instead. */
static void more_line(struct pen *p, size_t procs, size_t threads)
{
    if (procs + threads == 0 || p->h <= 0)
        return;
    p->y = p->h - 1;
    p->x = 0;
    pen_color(p, C_WARN, C_BG);
    pen_wrap(p, "(more processes: ps lists all)", 0);
    pen_fill(p);
}

void draw_procs(struct ui_model *m, struct dbg *d, const struct kstate *ks, const struct ui_view *v)
{
    struct pen p = panel_pen(m, P_PROCS);
    if (p.h <= 0)
        return;
    if (!ks->ready) {
        pen_color(&p, C_DIM, C_BG);
        pen_wrap(&p, ks->why_not, 0);
        return;
    }
    size_t nsw;
    const struct os_event_at *sw = last_switch(d, &nsw);
    pen_color(&p, C_DIM, C_BG);
    if (sw)
        wrapf(&p, 2, "switch %zu at insn %llu: pid %u tid %u -> pid %u tid %u", nsw, (unsigned long long)sw->icount,
              sw->ev.sw.old_pid, sw->ev.sw.old_tid, sw->ev.sw.new_pid, sw->ev.sw.new_tid);
    else
        pen_text(&p, "no context switch yet");
    pen_line(&p);
    if (!ks->running_tid && !pen_full(&p)) {
        pen_color(&p, C_RING0, C_BG);
        pen_text(&p, "the CPU runs the kernel's scheduler (no thread)");
        pen_line(&p);
    }
    const struct kproc *shown = shown_process(ks, d, v);
    /* A line per process and per thread (wrapped where narrow); when they
     * do not all fit, the last line says so (the ps command lists them). */
    size_t left_procs = ks->nproc, left_threads = 0;
    for (size_t k = 0; k < ks->nthread; k++)
        left_threads += kstate_proc(ks, ks->thread[k].pid) != NULL;
    for (size_t i = 0; i < ks->nproc && !pen_full(&p); i++) {
        const struct kproc *pr = &ks->proc[i];
        left_procs--;
        pen_color(&p, pr == shown ? C_TITLE : C_TEXT, C_BG);
        wrapf(&p, 4, "pid %u %s", pr->pid, pr->name);
        pen_color(&p, C_DIM, C_BG);
        wrapf(&p, 4, "  parent %u", pr->ppid);
        /* The state in /proc/PID/status's words (proc(5)). */
        pen_color(&p, pr->state == KPROC_ZOMBIE || pr->stopped ? C_WARN : C_TEXT, C_BG);
        wrapf(&p, 4, "  %s", kproc_status_state(ks, pr));
        if (pr->state == KPROC_ZOMBIE) {
            pen_color(&p, C_WARN, C_BG);
            /* The wait status: exit code << 8, or the signal that killed it. */
            if (pr->exit_status & 0x7f)
                wrapf(&p, 4, "  killed by signal %d, not waited for", pr->exit_status & 0x7f);
            else
                wrapf(&p, 4, "  exit code %d, not waited for", (pr->exit_status >> 8) & 0xff);
        } else {
            pen_color(&p, C_ADDR, C_BG);
            wrapf(&p, 4, "  CR3 %llx", (unsigned long long)pr->cr3);
        }
        pen_line(&p);
        for (size_t k = 0; k < ks->nthread && !pen_full(&p); k++)
            if (ks->thread[k].pid == pr->pid) {
                left_threads--;
                thread_line(&p, d, &ks->thread[k]);
            }
    }
    if (pen_full(&p))
        more_line(&p, left_procs, left_threads);
    if (ks->truncated && !pen_full(&p)) {
        pen_color(&p, C_DIM, C_BG);
        pen_text(&p, "(more than the panel reads)");
    }
}
