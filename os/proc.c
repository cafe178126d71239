/* proc.c — process and thread table, the scheduler, sleep/wakeup, exit.
 *
 * One CPU, and the kernel runs with interrupts disabled (interrupt gates
 * and IA32_FMASK clear IF on every entry), so kernel code is never
 * preempted: a thread gives up the CPU only by calling sched() — in
 * yield() after a timer tick from user mode, in sleep_on(), or on exit.
 * sched() switches to the scheduler's own context (the boot stack, as in
 * xv6), which picks the next runnable thread round-robin, loads its address
 * space (MOV CR3), its kernel stack (TSS.RSP0 and the syscall stack) and its
 * FS base, and switches to it.  With nothing runnable it halts with
 * interrupts enabled until an interrupt makes something runnable. */
#include "kinfo.h"
#include "proc.h"
#include "ktimer.h"
#include "abi/osevent.h"
#include "events.h"
#include "fdtable.h"
#include "frame.h"
#include "kheap.h"
#include "memlayout.h"
#include "paging.h"
#include "panic.h"
#include "printf.h"
#include "console.h"
#include "segments.h"
#include "string.h"
#include "timer.h"
#include "x86.h"

/* Both tables grow one kernel-heap allocation at a time (and keep each
 * one for reuse): how many processes and threads fit is a matter of
 * memory, as on Linux, not of a fixed array. */
static struct proc *procs[MAX_PROCS];
static struct thread *threads[MAX_THREADS];
static int nprocs, nthreads;       /* slots allocated so far */
static struct thread *running;     /* NULL while the scheduler runs */
static struct thread *last_run;    /* for the context-switch report */
static struct context *scheduler_context;
static int next_id = 1;            /* pids and tids share one counter, as on Linux */
static int last_slot = -1;         /* round-robin position */

void swtch(struct context **save, struct context *load);

struct thread *current_thread(void) { return running; }
struct proc *proc_table(int i) { return i >= 0 && i < nprocs ? procs[i] : 0; }
int proc_slots(void) { return nprocs; }
struct thread *thread_table(int i) { return i >= 0 && i < nthreads ? threads[i] : 0; }
int thread_slots(void) { return nthreads; }
int alloc_pid(void) { return next_id++; }

uint64_t thread_cpu_ns(const struct thread *t)
{
    return t->cpu_ns + (t == running ? cpu_clock_ns() - t->run_start_ns : 0);
}

uint64_t proc_cpu_ns(const struct proc *p)
{
    uint64_t ns = p->cpu_ns_exited;
    for (int i = 0; i < nthreads; i++)
        if (threads[i]->proc == p && threads[i]->state != THREAD_UNUSED)
            ns += thread_cpu_ns(threads[i]);
    return ns;
}

struct thread *thread_by_tid(int tid)
{
    for (int i = 0; i < nthreads; i++)
        if (threads[i]->state != THREAD_UNUSED && threads[i]->state != THREAD_DEAD && threads[i]->tid == tid)
            return threads[i];
    return 0;
}

static uint8_t initial_fpu[512] __attribute__((aligned(16))); /* FNINIT state, MXCSR = 0x1F80 */

void proc_init(void)
{
    fxsave(initial_fpu); /* nothing has touched x87/SSE since reset */
}

/* A free thread slot, or a new one (its struct from the kernel heap). */
static int free_thread_slot(void)
{
    for (int i = 0; i < nthreads; i++)
        if (threads[i]->state == THREAD_UNUSED)
            return i;
    if (nthreads == MAX_THREADS)
        return -1;
    struct thread *t = kheap_alloc(sizeof *t); /* zeroed: THREAD_UNUSED */
    if (!t)
        return -1;
    t->slot = nthreads;
    threads[nthreads] = t;
    return nthreads++;
}

/* The kernel stack of a slot: KSTACK_PAGES at the top of a 32 KiB window,
 * the rest unmapped, so an overflow faults instead of corrupting the
 * neighbour.  Mapped on the slot's first use and kept for its next thread. */
static uint64_t kernel_stack(int slot)
{
    uint64_t top = KSTACK_REGION + (uint64_t)(slot + 1) * KSTACK_SLOT_SIZE;
    for (uint64_t va = top - KSTACK_SIZE; va < top; va += PAGE_SIZE) {
        uint64_t *pte = pte_lookup(p2v(kernel_cr3()), va, false);
        if (pte && (*pte & PTE_P))
            continue;
        uint64_t pa = frame_alloc();
        if (!pa || !vm_map_kernel_page(va, pa))
            return 0;
    }
    return top;
}

/* A thread whose first run "returns" from a trap into user mode: its
 * kernel stack holds a trap frame at the top and, below it, a context whose
 * RIP is trapret, so the scheduler's swtch() lands in trapret, which pops the
 * frame and IRETQs. */
struct thread *thread_alloc(struct proc *p)
{
    int i = free_thread_slot();
    if (i >= 0) {
        struct thread *t = threads[i];
        uint64_t top = kernel_stack(i);
        if (!top)
            return 0;
        memset(t, 0, sizeof *t);
        t->slot = i;
        t->state = THREAD_SLEEPING; /* not runnable until set up */
        t->tid = p->nthreads == 0 ? p->pid : alloc_pid(); /* the main thread's tid is the pid */
        t->proc = p;
        t->kstack_top = top;
        t->tf = (struct trapframe *)(top - sizeof(struct trapframe));
        memset(t->tf, 0, sizeof *t->tf);
        t->tf->cs = SEL_UCODE;
        t->tf->ss = SEL_UDATA;
        t->tf->rflags = RFLAGS_IF | 0x2;
        t->context = (struct context *)((uint64_t)t->tf - sizeof(struct context));
        memset(t->context, 0, sizeof *t->context);
        t->context->rip = (uint64_t)trapret;
        memcpy(t->fpu, initial_fpu, sizeof t->fpu);
        p->nthreads++;
        return t;
    }
    return 0;
}

void thread_make_runnable(struct thread *t) { t->state = THREAD_RUNNABLE; }

void thread_inherit_fpu(struct thread *t) { fxsave(t->fpu); }

void thread_reset_fpu(void) { fxrstor(initial_fpu); }

struct proc *proc_alloc(void)
{
    for (int i = 0; i <= nprocs && i < MAX_PROCS; i++) {
        if (i == nprocs) {
            procs[i] = kheap_alloc(sizeof *procs[i]); /* zeroed: PROC_UNUSED */
            if (!procs[i])
                return 0;
            nprocs++;
        }
        struct proc *p = procs[i];
        if (p->state == PROC_UNUSED) {
            memset(p, 0, sizeof *p);
            p->state = PROC_ALIVE;
            p->pid = alloc_pid();
            p->pgid = p->sid = p->pid; /* fork copies the parent's instead */
            strlcpy(p->cwd, "/", sizeof p->cwd);
            p->umask = 022;
            if (fd_table_init(p)) {
                p->state = PROC_UNUSED;
                return 0;
            }
            return p;
        }
    }
    return 0;
}

void proc_free(struct proc *p)
{
    fd_table_free(p);
    memset(p, 0, sizeof *p);
}

static struct thread *pick_next(void)
{
    for (int n = 1; n <= nthreads; n++) {
        int i = (last_slot + n) % nthreads;
        if (threads[i]->state == THREAD_RUNNABLE) {
            last_slot = i;
            return threads[i];
        }
    }
    return 0;
}

static void report_switch(struct thread *from, struct thread *to, uint64_t old_cr3, uint64_t new_cr3)
{
    osev_report(OSEV_CONTEXT_SWITCH, from ? from->proc->pid : 0, from ? from->tid : 0, to->proc->pid, to->tid,
                old_cr3, new_cr3, 0);
}

static void run(struct thread *t)
{
    uint64_t old_cr3 = read_cr3() & PTE_ADDR;
    uint64_t new_cr3 = mm_cr3(t->proc->mm);
    if (t != last_run)
        report_switch(last_run && last_run->state != THREAD_UNUSED ? last_run : 0, t, old_cr3, new_cr3);
    if (old_cr3 != new_cr3)
        write_cr3(new_cr3); /* the address-space switch: non-global TLB entries are flushed */
    set_kernel_stack(t->kstack_top);
    wrmsr(MSR_FS_BASE, t->fs_base);
    t->state = THREAD_RUNNING;
    running = t;
    last_run = t;
    fxrstor(t->fpu);
    t->run_start_ns = cpu_clock_ns();
    swtch(&scheduler_context, t->context);
    t->cpu_ns += cpu_clock_ns() - t->run_start_ns;
    fxsave(t->fpu); /* the kernel never touches x87/SSE: these are still t's user registers */
    running = 0;
    if (t->state == THREAD_DEAD) {
        t->state = THREAD_UNUSED; /* its stack is no longer in use: the slot is free */
        struct proc *p = t->proc;
        p->cpu_ns_exited += t->cpu_ns;
        if (p->state == PROC_ZOMBIE && !p->parent && p->nthreads == 0)
            proc_free(p); /* an orphan: no one will wait4 for it */
    }
}

void scheduler(void)
{
    for (;;) {
        struct thread *t = pick_next();
        if (t) {
            run(t);
            continue;
        }
        /* Idle: wait for an interrupt (sti; hlt is atomic).  CR3 stays as
         * it is (whatever is loaded is alive: release_mm switches to the
         * kernel's tables before freeing one). */
        sti_hlt();
        cli();
    }
}

static void sched(void)
{
    swtch(&running->context, scheduler_context);
}

void yield(void)
{
    running->state = THREAD_RUNNABLE;
    sched();
}

void sleep_until(const void *chan, uint64_t wake_ns)
{
    running->sleep_chan = chan;
    running->wake_ns = wake_ns;
    running->state = THREAD_SLEEPING;
    sched();
    running->sleep_chan = 0;
    running->wake_ns = 0;
}

void sleep_on(const void *chan) { sleep_until(chan, 0); }

int wakeup_n(const void *chan, int n)
{
    int woken = 0;
    for (int i = 0; i < nthreads && woken < n; i++) {
        if (threads[i]->state == THREAD_SLEEPING && threads[i]->sleep_chan == chan) {
            threads[i]->state = THREAD_RUNNABLE;
            woken++;
        }
    }
    return woken;
}

void wakeup(const void *chan) { wakeup_n(chan, MAX_THREADS); }

struct thread *proc_signal_target(struct proc *p, int sig)
{
    struct thread *first = 0;
    for (int i = 0; i < nthreads; i++) /* a thread in sigwait for it comes first */
        if (threads[i]->proc == p && threads[i]->state == THREAD_SLEEPING && (threads[i]->sig_waiting & sigbit(sig)))
            return threads[i];
    for (int i = 0; i < nthreads; i++) {
        struct thread *t = threads[i];
        if (t->proc != p || t->state == THREAD_UNUSED || t->state == THREAD_DEAD)
            continue;
        if (!(t->sig_blocked & sigbit(sig)))
            return t;
        if (!first)
            first = t;
    }
    return first;
}

/* ITIMER_REAL (alarm, setitimer): SIGALRM when the time comes. */
static void expire_alarms(uint64_t now)
{
    for (int i = 0; i < nprocs; i++) {
        struct proc *p = procs[i];
        if (p->state != PROC_ALIVE || !p->alarm_ns || p->alarm_ns > now)
            continue;
        p->alarm_ns = p->alarm_interval_ns ? now + p->alarm_interval_ns : 0;
        signal_send_proc(p, SIGALRM, SI_KERNEL);
    }
}

void timer_tick(void)
{
    ticks++;
    uint64_t now = timer_tick_ns();
    for (int i = 0; i < nthreads; i++)
        if (threads[i]->state == THREAD_SLEEPING && threads[i]->wake_ns && threads[i]->wake_ns <= now)
            threads[i]->state = THREAD_RUNNABLE;
    expire_alarms(now);
    ktimers_expire(now); /* timerfd, POSIX timers */
}

/* The machine's exit status for a wait status: the exit code, or 128 + the
 * signal number as a shell reports it. */
static uint32_t machine_status(int wait_status)
{
    return (wait_status & 0x7F) ? 128u + (wait_status & 0x7F) : (uint32_t)(wait_status >> 8) & 0xFF;
}


/* Give up the address space: with the last user gone, switch to the
 * kernel's tables first (CR3 must never point at a freed PML4). */
static void release_mm(struct proc *p)
{
    struct mm *mm = p->mm;
    p->mm = 0;
    if (!mm || --mm->users > 0)
        return;
    write_cr3(kernel_cr3());
    mm_free(mm);
}

void proc_end_other_threads(struct proc *p)
{
    for (int i = 0; i < nthreads; i++) {
        struct thread *t = threads[i];
        if (t->proc == p && t != running && t->state != THREAD_UNUSED && t->state != THREAD_DEAD) {
            t->state = THREAD_UNUSED; /* switched out inside the kernel: nothing to unwind */
            p->cpu_ns_exited += t->cpu_ns;
            p->nthreads--;
        }
    }
}

void proc_exit(int wait_status)
{
    struct proc *p = running->proc;
    proc_end_other_threads(p);
    fd_close_all(p);
    osev_report(OSEV_PROC_EXIT, p->pid, machine_status(wait_status), 0, 0, 0, 0, 0);
    kprintf("[pid %d] exit, status %u\n", p->pid, machine_status(wait_status));
    if (p->pid == 1)
        machine_exit(machine_status(wait_status));
    p->exit_status = wait_status;
    for (int i = 0; i < nprocs; i++) {
        if (procs[i]->state == PROC_UNUSED || procs[i]->parent != p)
            continue;
        /* Orphans: nobody will wait for them (process 1 is the user's
         * program, not a reaper), so they are freed when they exit. */
        procs[i]->parent = 0;
        if (procs[i]->state == PROC_ZOMBIE)
            proc_free(procs[i]);
    }
    p->state = PROC_ZOMBIE;
    if (p->parent) {
        wakeup(p->parent);
        /* si_pid, si_uid, si_status: the exit code or the signal. */
        uint64_t info[3] = {(uint32_t)p->pid | (uint64_t)p->ruid << 32,
                            (uint64_t)((wait_status & 0x7F) ? wait_status & 0x7F : (wait_status >> 8) & 0xFF), 0};
        signal_send_proc_info(p->parent, SIGCHLD, (wait_status & 0x7F) ? CLD_KILLED : CLD_EXITED, info);
    }
    thread_exit(0);
}

void thread_exit(int code)
{
    struct thread *t = running;
    struct proc *p = t->proc;
    if (p->state == PROC_ALIVE && p->nthreads == 1)
        proc_exit((code & 0xFF) << 8);
    osev_report(OSEV_THREAD_EXIT, t->tid, p->pid, (uint64_t)code, 0, 0, 0, 0);
    p->nthreads--;
    if (p->nthreads == 0)
        release_mm(p);
    t->state = THREAD_DEAD;
    sched();
    panic("a dead thread was scheduled");
}

/* The signals whose default action dumps core on Linux: a program error
 * (a fault, abort()).  The others (SIGTERM, SIGINT, SIGPIPE, SIGKILL...)
 * are usually sent on purpose, and shells print their own words for them. */
static bool is_error_signal(int sig)
{
    return sig == SIGQUIT || sig == SIGILL || sig == SIGTRAP || sig == SIGABRT || sig == SIGBUS ||
           sig == SIGFPE || sig == SIGSEGV || sig == 24 /* SIGXCPU */ || sig == 25 /* SIGXFSZ */ ||
           sig == 31 /* SIGSYS */;
}

void proc_kill_current(int signal, const char *why)
{
    struct proc *p = running->proc;
    if (is_error_signal(signal))
        cprintf("[pid %d] killed: %s\n", p->pid, why);
    kprintf("[pid %d] killed: %s\n", p->pid, why);
    proc_exit(signal & 0x7F);
}

void proc_kinfo(struct kinfo *k)
{
    k->procs = (uint64_t)procs;
    k->nprocs = (uint64_t)&nprocs;
    k->threads = (uint64_t)threads;
    k->nthreads = (uint64_t)&nthreads;
    k->running = (uint64_t)&running;
}
