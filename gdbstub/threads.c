/* threads.c — the guest's processes and threads as gdb threads, from the
 * kernel's own state: the OS events it reported (os/abi/osevent.h: process
 * and thread creation and exit, context switches with each process's CR3),
 * kept by the session, and each switched-out thread's user registers in the
 * trap frame on its kernel stack (os/abi/trapframe.h).
 *
 * Where that stack is: TSS.RSP0 is the stack the CPU switches to on an
 * interrupt from ring 3 (SDM Vol. 3A §6.12.1), and the kernel points it at
 * the running thread's kernel stack top; so each time a thread enters the
 * kernel from ring 3 (an exception, an interrupt or SYSCALL) the stub notes
 * that thread's RSP0.  A thread that has not entered the kernel from ring 3
 * since the stub started has no known registers yet. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "../os/abi/osevent.h"
#include "../os/abi/trapframe.h"

/* TSS.RSP0 is at offset 4 of the 64-bit TSS (SDM Vol. 3A Figure 8-11). */
static bool tss_rsp0(struct dbg *d, struct cpu *cpu, uint64_t *rsp0)
{
    return machine_read_virt(d->m, cpu->tr.base + 4, rsp0, 8) == 8;
}

static void note_kstack(struct gdbstub *s, int32_t tid, struct cpu *cpu)
{
    uint64_t rsp0;
    if (tid < 0 || !tss_rsp0(s->d, cpu, &rsp0))
        return;
    for (size_t i = 0; i < s->nkstacks; i++)
        if (s->kstacks[i].tid == tid) {
            s->kstacks[i].rsp0 = rsp0;
            return;
        }
    if (s->nkstacks < GDB_MAX_KSTACKS)
        s->kstacks[s->nkstacks++] = (typeof(s->kstacks[0])){tid, rsp0};
}

static bool on_exception(void *ctx, const struct watch_event *e)
{
    if (e->exception->cpl_before == 3)
        note_kstack(ctx, e->tid, e->cpu);
    return false;
}

static bool on_transfer(void *ctx, const struct watch_event *e)
{
    if (e->transfer.kind == RT_SYSCALL && e->transfer.cpl_before == 3)
        note_kstack(ctx, e->tid, e->cpu);
    return false;
}

void gdb_threads_attach(struct gdbstub *s)
{
    s->watcher = (struct watcher){.ctx = s};
    s->watcher.on[WATCH_EXCEPTION] = on_exception;
    s->watcher.on[WATCH_TRANSFER] = on_transfer;
    /* Step back's replays need not teach it again: a thread keeps its stack. */
    if (machine_attach(s->d->m, &s->watcher) == 0)
        dbg_watch_forward(s->d, &s->watcher);
}

int32_t gdb_current_tid(struct gdbstub *s)
{
    int32_t pid, tid;
    watch_get_thread(machine_watch_hub(s->d->m), &pid, &tid);
    return tid > 0 ? tid : GDB_BOOT_TID;
}

/* Add (tid, pid) unless known; alive = false removes it. */
static void note_thread(struct gdb_thread *t, size_t *n, size_t max, int32_t tid, int32_t pid, bool alive)
{
    for (size_t i = 0; i < *n; i++)
        if (t[i].tid == tid) {
            if (!alive)
                t[i] = t[--*n];
            else if (pid > 0)
                t[i].pid = pid;
            return;
        }
    if (alive && *n < max && tid > 0)
        t[(*n)++] = (struct gdb_thread){.tid = tid, .pid = pid};
}

size_t gdb_threads(struct gdbstub *s, struct gdb_thread *out, size_t max)
{
    struct dbg *d = s->d;
    size_t n = 0;
    for (size_t i = 0; i < d->nos; i++) {
        const struct os_event *e = &d->os[i].ev;
        switch (e->type) {
        case OSEV_THREAD_CREATE:
            note_thread(out, &n, max, (int32_t)e->thread.tid, (int32_t)e->thread.pid, true);
            break;
        case OSEV_THREAD_EXIT:
            note_thread(out, &n, max, (int32_t)e->thread.tid, 0, false);
            break;
        case OSEV_CONTEXT_SWITCH:
            if (e->sw.old_tid)
                note_thread(out, &n, max, (int32_t)e->sw.old_tid, (int32_t)e->sw.old_pid, true);
            note_thread(out, &n, max, (int32_t)e->sw.new_tid, (int32_t)e->sw.new_pid, true);
            break;
        case OSEV_PROC_EXIT:
            /* Every thread of it is gone. */
            for (size_t k = 0; k < n;)
                if (out[k].pid == (int32_t)e->proc.pid)
                    out[k] = out[--n];
                else
                    k++;
            break;
        default:
            break;
        }
    }
    int32_t cur = gdb_current_tid(s);
    if (cur == GDB_BOOT_TID && n < max)
        out[n++] = (struct gdb_thread){.tid = cur, .pid = 0};
    for (size_t i = 0; i < n; i++)
        out[i].on_cpu = out[i].tid == cur;
    /* In creation order of their ids, like a process list. */
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && out[k - 1].tid > out[k].tid; k--) {
            struct gdb_thread t = out[k];
            out[k] = out[k - 1];
            out[k - 1] = t;
        }
    return n;
}

static bool find(struct gdbstub *s, int32_t tid, struct gdb_thread *t)
{
    struct gdb_thread all[256];
    size_t n = gdb_threads(s, all, 256);
    for (size_t i = 0; i < n; i++)
        if (all[i].tid == tid) {
            *t = all[i];
            return true;
        }
    return false;
}

bool gdb_thread_alive(struct gdbstub *s, int32_t tid)
{
    struct gdb_thread t;
    return find(s, tid, &t);
}

uint64_t gdb_thread_cr3(struct gdbstub *s, int32_t tid)
{
    struct gdb_thread t;
    uint64_t now = machine_cpu(s->d->m)->cr3;
    if (!find(s, tid, &t) || t.on_cpu)
        return now;
    const struct osview_process *p = osview_process(&s->d->view, (uint32_t)t.pid);
    return p && p->cr3 ? p->cr3 : now;
}

bool gdb_thread_frame(struct gdbstub *s, int32_t tid, struct gdb_frame_regs *frame)
{
    for (size_t i = 0; i < s->nkstacks; i++) {
        if (s->kstacks[i].tid != tid)
            continue;
        struct trapframe tf;
        /* The kernel half is mapped the same in every address space. */
        if (machine_read_virt(s->d->m, s->kstacks[i].rsp0 - TF_SIZE, &tf, sizeof tf) != sizeof tf)
            return false;
        if ((tf.cs & 3) != 3)
            return false; /* not a frame from user mode (the stack is being reused) */
        memset(frame, 0, sizeof *frame);
        frame->gpr[RAX] = tf.rax, frame->gpr[RBX] = tf.rbx, frame->gpr[RCX] = tf.rcx, frame->gpr[RDX] = tf.rdx;
        frame->gpr[RSI] = tf.rsi, frame->gpr[RDI] = tf.rdi, frame->gpr[RBP] = tf.rbp, frame->gpr[RSP] = tf.rsp;
        frame->gpr[R8] = tf.r8, frame->gpr[R9] = tf.r9, frame->gpr[R10] = tf.r10, frame->gpr[R11] = tf.r11;
        frame->gpr[R12] = tf.r12, frame->gpr[R13] = tf.r13, frame->gpr[R14] = tf.r14, frame->gpr[R15] = tf.r15;
        frame->rip = tf.rip, frame->rflags = tf.rflags, frame->cs = tf.cs, frame->ss = tf.ss;
        frame->cr3 = gdb_thread_cr3(s, tid);
        return true;
    }
    return false;
}

void gdb_thread_describe(struct gdbstub *s, int32_t tid, char *out, size_t cap)
{
    struct gdb_thread t;
    if (tid == GDB_BOOT_TID) {
        snprintf(out, cap, "the kernel, before its first thread");
        return;
    }
    if (!find(s, tid, &t)) {
        snprintf(out, cap, "gone");
        return;
    }
    const struct osview_process *p = osview_process(&s->d->view, (uint32_t)t.pid);
    struct cpu *cpu = machine_cpu(s->d->m);
    const char *state = t.on_cpu ? (cpu->cpl == 3 ? "running in ring 3" : "on the CPU, in the kernel")
                                  : "switched out";
    snprintf(out, cap, "%s pid %d tid %d, %s", p && p->name[0] ? p->name : "?", t.pid, t.tid, state);
}
