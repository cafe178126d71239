/* posix_timer.c — POSIX per-process timers (timer_create(2)):
 * timer_create, timer_settime, timer_gettime, timer_getoverrun,
 * timer_delete.  An expiry sends a signal with si_code SI_TIMER and the
 * timer's si_value to the process (SIGEV_SIGNAL) or to one of its threads
 * (SIGEV_THREAD_ID: how musl and glibc implement SIGEV_THREAD, with a
 * helper thread waiting in sigwaitinfo), or nothing (SIGEV_NONE).  While
 * the signal is still pending, further expiries count as overruns. */
#include "itimerspec.h"
#include "ktimer.h"
#include "proc.h"
#include "signal.h"
#include "syscall.h"

#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2
#define SIGEV_THREAD_ID 4
#define MAX_POSIX_TIMERS 64

struct sigevent64 {
    uint64_t value;
    int32_t signo, notify;
    int32_t tid;
    uint8_t pad[44];
};
_Static_assert(sizeof(struct sigevent64) == 64, "struct sigevent");

struct ptimer {
    struct ktimer kt; /* first: the ktimer is the timer */
    bool used;
    struct proc *proc;
    struct mm *mm;    /* execve replaces it, and deletes the process's timers (timer_create(2)) */
    int pid, id;
    struct itimer_state it;
    int signo, notify, tid;
    uint64_t value;
    int32_t overrun; /* expiries while its signal was queued (timer_getoverrun) */
};

static struct ptimer timers[MAX_POSIX_TIMERS];

static void release(struct ptimer *t)
{
    ktimer_disarm(&t->kt);
    t->used = false;
}

static bool owner_alive(const struct ptimer *t)
{
    return t->proc->state == PROC_ALIVE && t->proc->pid == t->pid && t->proc->mm == t->mm;
}

static void expire(struct ktimer *kt, uint64_t now)
{
    struct ptimer *t = (struct ptimer *)kt;
    if (!owner_alive(t)) { /* its process is gone: so is the timer */
        release(t);
        return;
    }
    uint64_t n = itimer_advance(&t->it, now);
    if (t->it.next_ns)
        ktimer_arm(&t->kt, t->it.next_ns);
    if (!n || t->notify == SIGEV_NONE)
        return;
    struct thread *target = 0;
    if (t->notify == SIGEV_THREAD_ID) {
        target = thread_by_tid(t->tid);
        if (target && target->proc != t->proc)
            target = 0;
    }
    if (!target)
        target = proc_signal_target(t->proc, t->signo);
    if (!target)
        return;
    /* siginfo_t bytes 16-39 for SI_TIMER: si_timerid, si_overrun, si_value */
    uint64_t *fields = target->sig_info[t->signo - 1].fields;
    if (target->sig_pending & sigbit(t->signo) && target->sig_info[t->signo - 1].code == SI_TIMER &&
        (int32_t)fields[0] == t->id) {
        /* its signal is still queued: these expiries are overruns, which
         * the signal reports when it is taken (si_overrun) */
        t->overrun += (int32_t)n;
        fields[0] = (uint32_t)t->id | (uint64_t)(uint32_t)t->overrun << 32;
    } else {
        t->overrun = (int32_t)(n - 1);
        uint64_t info[3] = {(uint32_t)t->id | (uint64_t)(uint32_t)t->overrun << 32, t->value, 0};
        signal_send_info(target, t->signo, SI_TIMER, info);
    }
}

static struct ptimer *find(uint64_t id)
{
    struct proc *p = current_proc();
    for (int i = 0; i < MAX_POSIX_TIMERS; i++) {
        if (timers[i].used && !owner_alive(&timers[i]))
            release(&timers[i]); /* its process exited or ran execve */
        if (timers[i].used && timers[i].proc == p && (uint64_t)timers[i].id == id)
            return &timers[i];
    }
    return 0;
}

long sys_timer_create(struct trapframe *tf)
{
    struct proc *p = current_proc();
    if (!itimer_clock_ok(ARG0(tf)))
        return -EINVAL;
    struct sigevent64 ev = {.signo = SIGALRM, .notify = SIGEV_SIGNAL};
    if (ARG1(tf) && get_user(&ev, ARG1(tf), sizeof ev))
        return -EFAULT;
    if (ev.notify != SIGEV_NONE) {
        if (ev.notify != SIGEV_SIGNAL && ev.notify != SIGEV_THREAD && ev.notify != SIGEV_THREAD_ID)
            return -EINVAL;
        if (ev.signo <= 0 || ev.signo > NSIG)
            return -EINVAL;
        if (ev.notify == SIGEV_THREAD_ID) {
            struct thread *t = thread_by_tid(ev.tid);
            if (!t || t->proc != p)
                return -EINVAL;
        }
    }
    struct ptimer *slot = 0;
    int id = 0;
    while (find((uint64_t)id)) /* the lowest id this process does not use */
        id++;
    for (int i = 0; i < MAX_POSIX_TIMERS && !slot; i++) {
        if (timers[i].used && !owner_alive(&timers[i]))
            release(&timers[i]);
        if (!timers[i].used)
            slot = &timers[i];
    }
    if (!slot)
        return -EAGAIN;
    *slot = (struct ptimer){.used = true, .proc = p, .mm = p->mm, .pid = p->pid, .id = id, .signo = ev.signo,
                            .notify = ev.notify, .tid = ev.tid, .value = ARG1(tf) ? ev.value : (uint64_t)id};
    slot->it.clock = (int)ARG0(tf);
    slot->kt.fire = expire;
    int32_t uid = id;
    if (put_user(ARG2(tf), &uid, sizeof uid)) {
        release(slot);
        return -EFAULT;
    }
    return 0;
}

long sys_timer_settime(struct trapframe *tf)
{
    struct ptimer *t = find(ARG0(tf));
    if (!t)
        return -EINVAL;
    long err = itimer_set(&t->it, ARG2(tf), ARG3(tf), ARG1(tf));
    if (err)
        return err;
    t->overrun = 0;
    if (t->it.next_ns)
        ktimer_arm(&t->kt, t->it.next_ns);
    else
        ktimer_disarm(&t->kt);
    return 0;
}

long sys_timer_gettime(struct trapframe *tf)
{
    struct ptimer *t = find(ARG0(tf));
    return t ? itimer_get(&t->it, ARG1(tf)) : -EINVAL;
}

long sys_timer_getoverrun(struct trapframe *tf)
{
    struct ptimer *t = find(ARG0(tf));
    return t ? t->overrun : -EINVAL;
}

long sys_timer_delete(struct trapframe *tf)
{
    struct ptimer *t = find(ARG0(tf));
    if (!t)
        return -EINVAL;
    release(t);
    return 0;
}
