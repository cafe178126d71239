/* threads.c — the guest's processes and threads as gdb threads, read from
 * the kernel's own tables at this instant (debugger/kstate.h, the same
 * source as the window's Processes and threads panel): every thread the
 * kernel has, its process, name and state, and for a thread that is not on
 * the CPU the user registers in its trap frame on its kernel stack
 * (os/abi/trapframe.h) — what it entered the kernel with from ring 3 (a
 * system call, an exception, an interrupt), or for a thread that has not
 * run yet the registers the kernel made for its first return to ring 3.
 * So every thread shows its registers at every instant, whenever the stub
 * started. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "../debugger/kstate.h"
#include "../trace/syscalls.h"

/* One read of the kernel's tables per call (they change as the machine runs). */
static const struct kstate *kernel_state(struct gdbstub *s)
{
    static struct kstate ks;
    kstate_read(&ks, s->d->m);
    return &ks;
}

int32_t gdb_current_tid(struct gdbstub *s)
{
    const struct kstate *ks = kernel_state(s);
    if (ks->ready && ks->running_tid)
        return (int32_t)ks->running_tid;
    /* The scheduler (no thread) runs: the thread it switched from, as the
     * kernel reported it, while that thread still exists. */
    int32_t pid, tid;
    watch_get_thread(machine_watch_hub(s->d->m), &pid, &tid);
    if (ks->ready && tid > 0 && kstate_thread(ks, (uint32_t)tid))
        return tid;
    return GDB_BOOT_TID;
}

size_t gdb_threads(struct gdbstub *s, struct gdb_thread *out, size_t max)
{
    int32_t cur = gdb_current_tid(s);
    const struct kstate *ks = kernel_state(s);
    size_t n = 0;
    for (size_t i = 0; ks->ready && i < ks->nthread && n < max; i++) {
        const struct kthread *t = &ks->thread[i];
        if (t->state == KTHREAD_DEAD || !kstate_proc(ks, t->pid))
            continue;
        out[n++] = (struct gdb_thread){.tid = (int32_t)t->tid, .pid = (int32_t)t->pid, .on_cpu = (int32_t)t->tid == cur};
    }
    if (cur == GDB_BOOT_TID && n < max)
        out[n++] = (struct gdb_thread){.tid = cur, .pid = 0, .on_cpu = true};
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
    uint64_t now = machine_cpu(s->d->m)->cr3;
    const struct kstate *ks = kernel_state(s);
    const struct kthread *t = ks->ready && tid > 0 ? kstate_thread(ks, (uint32_t)tid) : NULL;
    if (!t || t->on_cpu)
        return now;
    const struct kproc *p = kstate_proc(ks, t->pid);
    return p && p->cr3 ? p->cr3 : now;
}

bool gdb_thread_frame(struct gdbstub *s, int32_t tid, struct gdb_frame_regs *frame)
{
    const struct kstate *ks = kernel_state(s);
    const struct kthread *t = ks->ready && tid > 0 ? kstate_thread(ks, (uint32_t)tid) : NULL;
    struct trapframe tf;
    if (!t || !kstate_thread_frame(ks, s->d->m, t, &tf))
        return false;
    memset(frame, 0, sizeof *frame);
    frame->gpr[RAX] = tf.rax, frame->gpr[RBX] = tf.rbx, frame->gpr[RCX] = tf.rcx, frame->gpr[RDX] = tf.rdx;
    frame->gpr[RSI] = tf.rsi, frame->gpr[RDI] = tf.rdi, frame->gpr[RBP] = tf.rbp, frame->gpr[RSP] = tf.rsp;
    frame->gpr[R8] = tf.r8, frame->gpr[R9] = tf.r9, frame->gpr[R10] = tf.r10, frame->gpr[R11] = tf.r11;
    frame->gpr[R12] = tf.r12, frame->gpr[R13] = tf.r13, frame->gpr[R14] = tf.r14, frame->gpr[R15] = tf.r15;
    frame->rip = tf.rip, frame->rflags = tf.rflags, frame->cs = tf.cs, frame->ss = tf.ss;
    frame->cr3 = gdb_thread_cr3(s, tid);
    return true;
}

void gdb_thread_describe(struct gdbstub *s, int32_t tid, char *out, size_t cap)
{
    if (tid == GDB_BOOT_TID) {
        snprintf(out, cap, "the kernel, before its first thread");
        return;
    }
    struct gdb_thread g;
    const struct kstate *ks = kernel_state(s);
    const struct kthread *t = ks->ready && tid > 0 ? kstate_thread(ks, (uint32_t)tid) : NULL;
    if (!t || !find(s, tid, &g)) {
        snprintf(out, cap, "gone");
        return;
    }
    const struct kproc *p = kstate_proc(ks, t->pid);
    struct cpu *cpu = machine_cpu(s->d->m);
    char state[96];
    const char *call = syscall_name(t->syscall_nr);
    if (g.on_cpu)
        snprintf(state, sizeof state, "%s", cpu->cpl == 3 ? "running in ring 3" : "on the CPU, in the kernel");
    else if (t->state == KTHREAD_SLEEPING)
        snprintf(state, sizeof state, "blocked in %s()", call ? call : "a system call");
    else
        snprintf(state, sizeof state, "ready");
    snprintf(out, cap, "%s pid %u tid %u, %s", p && p->name[0] ? p->name : "?", t->pid, t->tid, state);
}
