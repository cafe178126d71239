/* signal.c — signals: rt_sigaction, rt_sigprocmask, kill/tkill/tgkill,
 * delivery to user handlers and rt_sigreturn, on the Linux x86-64 ABI.
 *
 * A signal becomes pending on a thread (kill picks a thread of the process
 * that does not block it; a fault goes to the faulting thread).  On every
 * return to user mode the kernel looks at pending & ~blocked:
 *   - SIG_IGN, or SIG_DFL of a signal whose default is to be ignored
 *     (SIGCHLD, SIGURG, SIGWINCH, SIGCONT): dropped;
 *   - SIGSTOP, and SIG_DFL of SIGTSTP/SIGTTIN/SIGTTOU: the process stops
 *     (job control, signal(7)): its thread sleeps in signal_deliver until
 *     SIGCONT or SIGKILL arrives; the parent's wait4(WUNTRACED) sees it,
 *     and SIGCHLD (CLD_STOPPED) tells it unless it asked SA_NOCLDSTOP.
 *     SIGCONT continues a stopped process whatever its action is, and
 *     throws away pending stop signals (as a stop signal throws away a
 *     pending SIGCONT);
 *   - SIG_DFL otherwise: the process is terminated by the signal;
 *   - a handler: the kernel pushes a signal frame on the user stack and
 *     rewrites the trap frame so that the return "calls" the handler:
 *
 *       fpstate  the FXSAVE image of x87/SSE (512 bytes, 64-aligned)
 *       siginfo  128 bytes: si_signo, si_errno, si_code, then si_addr or si_pid
 *       ucontext uc_flags, uc_link, uc_stack, uc_mcontext (the registers,
 *                as struct sigcontext), uc_sigmask (the mask to restore)
 *       pretcode the handler's return address: sa_restorer, which calls
 *                rt_sigreturn
 *     RSP -> pretcode, RIP = handler, RDI = signal, RSI = &siginfo,
 *     RDX = &ucontext.  rt_sigreturn reads the registers, the FPU state and
 *     the mask back from the ucontext.
 * The frame goes on the alternate signal stack if the action asks for it
 * (SA_ONSTACK) and the thread has one (sigaltstack) — how a program can
 * still handle the SIGSEGV of a stack overflow — else below the
 * interrupted RSP, skipping its 128-byte red zone (the System V ABI lets
 * leaf functions keep live data there). */
#include "signal.h"
#include "errno.h"
#include "memlayout.h"
#include "printf.h"
#include "proc.h"
#include "segments.h"
#include "string.h"
#include "syscall.h"
#include "timer.h"
#include "uaccess.h"
#include "x86.h"

#define SIG_DFL 0
#define SIG_IGN 1
#define SA_SIGINFO 0x4
#define SA_ONSTACK 0x08000000
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define MINSIGSTKSZ 2048
#define SA_RESTORER 0x04000000
#define SA_NODEFER 0x40000000
#define SA_NOCLDSTOP 0x00000001
#define SA_RESTART 0x10000000
#define SYSCALL_INSN_SIZE 2 /* 0F 05 */
#define SA_RESETHAND 0x80000000
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define RED_ZONE 128
#define UNBLOCKABLE (sigbit(SIGKILL) | sigbit(SIGSTOP))
/* RFLAGS bits a handler may change through the saved context: the status
 * flags, TF, DF, AC, RF, ID (as Linux's FIX_EFLAGS; not NT or IOPL). */
#define USER_RFLAGS 0x250DD5ull
#define RFLAGS_TF (1u << 8)
#define RFLAGS_DF (1u << 10)

/* struct sigcontext / the gregs of mcontext_t (asm/sigcontext.h). */
struct sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate;     /* user address of the FXSAVE image */
    uint64_t reserved[8];
};

struct ucontext {
    uint64_t flags;
    uint64_t link;
    uint64_t ss_sp;
    int32_t ss_flags, pad;
    uint64_t ss_size;
    struct sigcontext mcontext;
    uint64_t sigmask;
};

struct siginfo {
    int32_t signo, errno_, code, pad;
    uint8_t bytes[112];    /* si_addr (faults), or si_pid, si_uid, si_value / si_status */
};

struct sigframe {
    uint64_t pretcode;
    struct ucontext uc;
    struct siginfo info;
};

_Static_assert(sizeof(struct sigcontext) == 256, "struct sigcontext (x86-64)");
_Static_assert(__builtin_offsetof(struct ucontext, mcontext) == 40, "ucontext layout");
_Static_assert(sizeof(struct siginfo) == 128, "siginfo_t");

const char *signal_name(int sig)
{
    static const char *const names[] = {
        [SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
        [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE",
        [SIGKILL] = "SIGKILL", [10] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [12] = "SIGUSR2", [SIGPIPE] = "SIGPIPE",
        [14] = "SIGALRM", [SIGTERM] = "SIGTERM", [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
        [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP", [SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU",
    };
    return sig > 0 && sig < (int)(sizeof names / sizeof names[0]) && names[sig] ? names[sig] : "signal";
}

static bool ignored_by_default(int sig)
{
    return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

#define STOP_SIGNALS (sigbit(SIGSTOP) | sigbit(SIGTSTP) | sigbit(SIGTTIN) | sigbit(SIGTTOU))

static bool stops_by_default(int sig)
{
    return (STOP_SIGNALS & sigbit(sig)) != 0;
}

static void wake(struct thread *t)
{
    if (t->state == THREAD_SLEEPING)
        t->state = THREAD_RUNNABLE; /* the sleeping call sees signal_interrupted() and returns */
}

/* An ignored signal is dropped when it is sent (unless blocked: then it
 * waits, the program may change its action), so it never interrupts a
 * sleeping system call — as on Linux. */
static bool ignored(const struct thread *t, int sig)
{
    const struct ksigaction *a = &t->proc->sig_actions[sig - 1];
    bool ignores = a->handler == SIG_IGN || (a->handler == SIG_DFL && ignored_by_default(sig));
    return sig != SIGKILL && ignores && !(t->sig_blocked & sigbit(sig));
}

/* SIGCHLD for a stop or continue: si_pid, si_uid, si_status the signal
 * (CLD_STOPPED) or SIGCONT (CLD_CONTINUED), as Linux's do_notify_parent_cldstop. */
static void tell_parent(struct proc *p, int code, int status)
{
    struct proc *parent = p->parent;
    if (!parent)
        return;
    wakeup(parent); /* a wait4 in progress */
    if (!(parent->sig_actions[SIGCHLD - 1].flags & SA_NOCLDSTOP))
        signal_send_proc_info(parent, SIGCHLD, code,
                              (const uint64_t[3]){(uint32_t)p->pid | (uint64_t)p->ruid << 32, (uint64_t)status, 0});
}

/* What sending sig does before it is queued (signal(7), "Stopping and
 * continuing"): SIGCONT resumes a stopped process even when it is
 * ignored or blocked, and cancels pending stops; a stop signal cancels a
 * pending SIGCONT. */
static void stop_or_continue_on_send(struct proc *p, int sig)
{
    if (sig == SIGCONT) {
        for (int i = 0; i < thread_slots(); i++) {
            struct thread *t = thread_table(i);
            if (t->state != THREAD_UNUSED && t->proc == p)
                t->sig_pending &= ~STOP_SIGNALS;
        }
        if (p->stopped) {
            p->stopped = false;
            p->stop_report = 0;
            p->continued_report = true;
            wakeup(&p->stopped);
            tell_parent(p, CLD_CONTINUED, SIGCONT);
        }
    } else if (stops_by_default(sig)) {
        for (int i = 0; i < thread_slots(); i++) {
            struct thread *t = thread_table(i);
            if (t->state != THREAD_UNUSED && t->proc == p)
                t->sig_pending &= ~sigbit(SIGCONT);
        }
    }
}

/* The default action of a stop signal, in the thread that takes it: stop
 * until SIGCONT (stop_or_continue_on_send) or SIGKILL. */
static void stop_current(int sig)
{
    struct thread *t = current_thread();
    struct proc *p = t->proc;
    p->stopped = true;
    p->stop_report = sig;
    p->continued_report = false;
    kprintf("[pid %d] stopped by %s\n", p->pid, signal_name(sig));
    tell_parent(p, CLD_STOPPED, sig);
    while (p->stopped && !(t->sig_pending & sigbit(SIGKILL)))
        sleep_on(&p->stopped);
}

void signal_send_info(struct thread *t, int sig, int code, const uint64_t fields[3])
{
    stop_or_continue_on_send(t->proc, sig);
    if (ignored(t, sig))
        return;
    t->sig_pending |= sigbit(sig);
    t->sig_info[sig - 1].code = code;
    memcpy(t->sig_info[sig - 1].fields, fields, sizeof t->sig_info[sig - 1].fields);
    if (!(t->sig_blocked & sigbit(sig)) || sig == SIGKILL || (t->sig_waiting & sigbit(sig)))
        wake(t);
}

/* si_pid and si_uid of the sender: the current process (none for the
 * kernel's own signals: SI_KERNEL has pid 0, as Linux's SEND_SIG_PRIV). */
static void sender_fields(int code, uint64_t fields[3])
{
    struct proc *p = current_proc();
    fields[0] = p && code != SI_KERNEL ? (uint32_t)p->pid | (uint64_t)p->ruid << 32 : 0;
    fields[1] = fields[2] = 0;
}

void signal_send_thread(struct thread *t, int sig, int code)
{
    uint64_t fields[3];
    sender_fields(code, fields);
    signal_send_info(t, sig, code, fields);
}

void signal_send_proc_info(struct proc *p, int sig, int code, const uint64_t fields[3])
{
    struct thread *t = proc_signal_target(p, sig);
    if (t)
        signal_send_info(t, sig, code, fields);
}

void signal_send_proc(struct proc *p, int sig, int code)
{
    uint64_t fields[3];
    sender_fields(code, fields);
    signal_send_proc_info(p, sig, code, fields);
}

int signal_send_pgrp(int pgid, int sig, int code)
{
    int n = 0;
    for (int i = 0; i < proc_slots(); i++) {
        struct proc *p = proc_table(i);
        if (p->state == PROC_ALIVE && p->pgid == pgid) {
            signal_send_proc(p, sig, code);
            n++;
        }
    }
    return n;
}

bool signal_interrupted(void)
{
    struct thread *t = current_thread();
    return (t->sig_pending & ~(t->sig_blocked & ~UNBLOCKABLE)) != 0;
}

bool signal_fault(int sig, int code, uint64_t addr)
{
    struct thread *t = current_thread();
    const struct ksigaction *a = &t->proc->sig_actions[sig - 1];
    if (a->handler == SIG_DFL || a->handler == SIG_IGN || (t->sig_blocked & sigbit(sig)))
        return false; /* a blocked or ignored fault would only fault again: terminate */
    t->sig_pending |= sigbit(sig);
    t->sig_info[sig - 1].code = code;
    t->sig_info[sig - 1].fields[0] = addr; /* si_addr */
    t->sig_info[sig - 1].fields[1] = t->sig_info[sig - 1].fields[2] = 0;
    return true;
}

static void save_context(struct sigcontext *sc, const struct trapframe *tf, uint64_t fpstate)
{
    *sc = (struct sigcontext){
        .r8 = tf->r8, .r9 = tf->r9, .r10 = tf->r10, .r11 = tf->r11, .r12 = tf->r12, .r13 = tf->r13,
        .r14 = tf->r14, .r15 = tf->r15, .rdi = tf->rdi, .rsi = tf->rsi, .rbp = tf->rbp, .rbx = tf->rbx,
        .rdx = tf->rdx, .rax = tf->rax, .rcx = tf->rcx, .rsp = tf->rsp, .rip = tf->rip, .eflags = tf->rflags,
        .cs = SEL_UCODE, .ss = SEL_UDATA, .err = tf->err,
        .trapno = tf->trapno < 32 ? tf->trapno : 0, .cr2 = tf->trapno == T_PAGE_FAULT ? read_cr2() : 0,
        .fpstate = fpstate,
    };
}

static void fill_siginfo(struct siginfo *info, const struct thread *t, int sig)
{
    memset(info, 0, sizeof *info);
    info->signo = sig;
    info->code = t->sig_info[sig - 1].code;
    memcpy(info->bytes, t->sig_info[sig - 1].fields, sizeof t->sig_info[sig - 1].fields);
}

/* Push the frame and aim the return at the handler; false if the user
 * stack cannot take it. */
static bool setup_frame(struct trapframe *tf, int sig, const struct ksigaction *a)
{
    struct thread *t = current_thread();
    struct mm *mm = t->proc->mm;
    uint64_t sp = tf->rsp - RED_ZONE;
    bool on_altstack = t->altstack_size && tf->rsp - t->altstack_sp < t->altstack_size;
    if ((a->flags & SA_ONSTACK) && t->altstack_size && !on_altstack)
        sp = t->altstack_sp + t->altstack_size;
    uint8_t fpu[512] __attribute__((aligned(16)));
    fxsave(fpu);
    uint64_t fpstate = (sp - sizeof fpu) & ~63ull;
    struct sigframe f;
    memset(&f, 0, sizeof f);
    f.pretcode = a->restorer;
    save_context(&f.uc.mcontext, tf, fpstate);
    uint64_t restore = t->in_sigsuspend ? t->suspend_saved_mask : t->sig_blocked;
    f.uc.mcontext.oldmask = restore;
    f.uc.sigmask = restore;
    f.uc.ss_sp = t->altstack_sp;
    f.uc.ss_size = t->altstack_size;
    f.uc.ss_flags = t->altstack_size ? (on_altstack ? SS_ONSTACK : 0) : SS_DISABLE;
    fill_siginfo(&f.info, t, sig);
    uint64_t frame = ((fpstate - sizeof f) & ~15ull) - 8; /* as after a CALL: RSP + 8 is 16-aligned */
    if (copy_to_user(mm, fpstate, fpu, sizeof fpu) || copy_to_user(mm, frame, &f, sizeof f))
        return false;
    thread_reset_fpu(); /* the handler starts with x87/SSE in their initial state, as on Linux
                           (exceptions masked again); rt_sigreturn restores the saved ones */
    tf->rip = a->handler;
    tf->rsp = frame;
    tf->rdi = (uint64_t)sig;
    tf->rsi = frame + __builtin_offsetof(struct sigframe, info);
    tf->rdx = frame + __builtin_offsetof(struct sigframe, uc);
    tf->rax = 0;
    tf->rflags &= ~(uint64_t)(RFLAGS_TF | RFLAGS_DF);
    tf->cs = SEL_UCODE;
    tf->ss = SEL_UDATA;
    return true;
}

static void terminate(int sig)
{
    char why[64];
    ksnprintf(why, sizeof why, "signal %d (%s)", sig, signal_name(sig));
    proc_kill_current(sig, why);
}

static void end_sigsuspend(struct thread *t);

/* A system call that returned -ERESTARTSYS: run it again when the program
 * resumes (RAX = its number again, RIP back onto the SYSCALL instruction;
 * the argument registers are untouched), or make it fail with EINTR. */
static void finish_interrupted_syscall(struct trapframe *tf, bool restart)
{
    if (tf->trapno != T_SYSCALL || (int64_t)tf->rax != -ERESTARTSYS)
        return;
    if (restart) {
        tf->rax = current_thread()->syscall_nr;
        tf->rip -= SYSCALL_INSN_SIZE;
    } else {
        tf->rax = (uint64_t)-EINTR;
    }
}

void signal_deliver(struct trapframe *tf)
{
    struct thread *t = current_thread();
    for (;;) {
        uint64_t ready = t->sig_pending & ~(t->sig_blocked & ~UNBLOCKABLE);
        if (!ready) {
            finish_interrupted_syscall(tf, true); /* no handler ran: invisible to the program */
            end_sigsuspend(t);
            return;
        }
        int sig = __builtin_ctzll(ready) + 1;
        t->sig_pending &= ~sigbit(sig);
        struct ksigaction *a = &t->proc->sig_actions[sig - 1];
        if (sig == SIGSTOP || (a->handler == SIG_DFL && stops_by_default(sig))) {
            stop_current(sig);
            continue; /* continued (or SIGKILL is next) */
        }
        if (sig == SIGKILL || (a->handler == SIG_DFL && !ignored_by_default(sig)))
            terminate(sig);
        if (a->handler == SIG_DFL || a->handler == SIG_IGN)
            continue;
        struct ksigaction act = *a;
        finish_interrupted_syscall(tf, act.flags & SA_RESTART); /* before the registers are saved */
        if (!setup_frame(tf, sig, &act)) {
            char why[96];
            ksnprintf(why, sizeof why, "segmentation fault: no room on the stack for the %s handler",
                      signal_name(sig));
            proc_kill_current(SIGSEGV, why);
        }
        t->sig_blocked |= (act.mask | (act.flags & SA_NODEFER ? 0 : sigbit(sig))) & ~UNBLOCKABLE;
        t->in_sigsuspend = false; /* the frame carries the mask to restore */
        if (act.flags & SA_RESETHAND)
            a->handler = SIG_DFL;
        syscall_force_iret();
        return; /* one handler at a time; the others wait for its sigreturn */
    }
}

/* The end of every signal_deliver without a handler frame: a sigsuspend
 * that woke for an ignored signal gets its mask back now. */
static void end_sigsuspend(struct thread *t)
{
    if (t->in_sigsuspend) {
        t->sig_blocked = t->suspend_saved_mask;
        t->in_sigsuspend = false;
    }
}

void signal_reset_on_exec(struct proc *p)
{
    for (int i = 0; i < NSIG; i++) {
        uint64_t keep = p->sig_actions[i].handler == SIG_IGN ? SIG_IGN : SIG_DFL;
        memset(&p->sig_actions[i], 0, sizeof p->sig_actions[i]);
        p->sig_actions[i].handler = keep;
    }
}

/* ---- system calls ---- */

long sys_rt_sigaction(struct trapframe *tf)
{
    int sig = (int)ARG0(tf);
    if (sig < 1 || sig > NSIG || ARG3(tf) != 8)
        return -EINVAL;
    struct ksigaction *a = &current_proc()->sig_actions[sig - 1];
    struct ksigaction old = *a, new;
    if (ARG1(tf)) {
        if (sig == SIGKILL || sig == SIGSTOP)
            return -EINVAL;
        if (get_user(&new, ARG1(tf), sizeof new))
            return -EFAULT;
        if (new.handler > SIG_IGN && !(new.flags & SA_RESTORER))
            return -EINVAL; /* x86-64 needs the restorer: libc always gives one */
        new.mask &= ~UNBLOCKABLE;
    }
    if (ARG2(tf) && put_user(ARG2(tf), &old, sizeof old))
        return -EFAULT;
    if (ARG1(tf))
        *a = new;
    return 0;
}

long sys_rt_sigprocmask(struct trapframe *tf)
{
    struct thread *t = current_thread();
    if (ARG3(tf) != 8)
        return -EINVAL;
    uint64_t old = t->sig_blocked, set;
    if (ARG1(tf)) {
        if (get_user(&set, ARG1(tf), sizeof set))
            return -EFAULT;
        switch (ARG0(tf)) {
        case SIG_BLOCK: t->sig_blocked |= set; break;
        case SIG_UNBLOCK: t->sig_blocked &= ~set; break;
        case SIG_SETMASK: t->sig_blocked = set; break;
        default: return -EINVAL;
        }
        t->sig_blocked &= ~UNBLOCKABLE;
    }
    if (ARG2(tf) && put_user(ARG2(tf), &old, sizeof old))
        return -EFAULT;
    return 0;
}

/* The MXCSR bits this CPU accepts: MXCSR_MASK at byte 28 of an FXSAVE
 * image (0 there means the default 0xFFBF; SDM Vol. 1 11.6.6).  Read from
 * the CPU's own image, never from the user's. */
static uint32_t mxcsr_mask(void)
{
    static uint32_t mask;
    if (!mask) {
        uint8_t image[512] __attribute__((aligned(16)));
        fxsave(image);
        memcpy(&mask, image + 28, 4);
        if (!mask)
            mask = 0xFFBF;
    }
    return mask;
}

long sys_rt_sigreturn(struct trapframe *tf)
{
    struct thread *t = current_thread();
    uint64_t uc_addr = tf->rsp - 8 + __builtin_offsetof(struct sigframe, uc);
    struct ucontext uc;
    if (get_user(&uc, uc_addr, sizeof uc))
        proc_kill_current(SIGSEGV, "segmentation fault: bad signal frame in rt_sigreturn");
    const struct sigcontext *sc = &uc.mcontext;
    uint8_t fpu[512] __attribute__((aligned(16)));
    if (sc->fpstate) {
        if (get_user(fpu, sc->fpstate, sizeof fpu))
            proc_kill_current(SIGSEGV, "segmentation fault: bad FPU state in rt_sigreturn");
        uint32_t mxcsr;
        memcpy(&mxcsr, fpu + 24, 4);
        mxcsr &= mxcsr_mask(); /* a reserved bit would make FXRSTOR #GP in the kernel */
        memcpy(fpu + 24, &mxcsr, 4);
        fxrstor(fpu);
    }
    *tf = (struct trapframe){
        .r8 = sc->r8, .r9 = sc->r9, .r10 = sc->r10, .r11 = sc->r11, .r12 = sc->r12, .r13 = sc->r13,
        .r14 = sc->r14, .r15 = sc->r15, .rdi = sc->rdi, .rsi = sc->rsi, .rbp = sc->rbp, .rbx = sc->rbx,
        .rdx = sc->rdx, .rax = sc->rax, .rcx = sc->rcx, .rsp = sc->rsp, .rip = sc->rip,
        .rflags = (tf->rflags & ~USER_RFLAGS) | (sc->eflags & USER_RFLAGS) | RFLAGS_IF,
        .cs = SEL_UCODE, .ss = SEL_UDATA,
        .trapno = T_NONE, /* not a system call return: nothing to restart, whatever RAX holds */
    };
    t->sig_blocked = uc.sigmask & ~UNBLOCKABLE;
    syscall_force_iret(); /* every register comes from the frame, RAX included */
    return 0;
}

/* sigaltstack(new, old): stack_t is {ss_sp, ss_flags (int), ss_size}. */
long sys_sigaltstack(struct trapframe *tf)
{
    struct thread *t = current_thread();
    struct {
        uint64_t sp;
        int32_t flags, pad;
        uint64_t size;
    } st;
    bool on = t->altstack_size && tf->rsp - t->altstack_sp < t->altstack_size;
    uint64_t old_sp = t->altstack_sp, old_size = t->altstack_size;
    if (ARG0(tf)) {
        if (on)
            return -EPERM; /* cannot change the stack while running on it */
        if (get_user(&st, ARG0(tf), sizeof st))
            return -EFAULT;
        if (st.flags & ~SS_DISABLE)
            return -EINVAL;
        if (st.flags & SS_DISABLE) {
            t->altstack_sp = t->altstack_size = 0;
        } else {
            if (st.size < MINSIGSTKSZ)
                return -ENOMEM;
            if (st.sp >= USER_END || st.size > USER_END - st.sp)
                return -EFAULT;
            t->altstack_sp = st.sp;
            t->altstack_size = st.size;
        }
    }
    if (ARG1(tf)) {
        memset(&st, 0, sizeof st);
        st.sp = old_sp;
        st.size = old_size;
        st.flags = old_size ? (on ? SS_ONSTACK : 0) : SS_DISABLE;
        if (put_user(ARG1(tf), &st, sizeof st))
            return -EFAULT;
    }
    return 0;
}

/* rt_sigsuspend(mask): wait for a signal with mask as the signal mask;
 * the old mask comes back when the handler returns. */
long sys_rt_sigsuspend(struct trapframe *tf)
{
    static const char nothing;
    struct thread *t = current_thread();
    uint64_t mask;
    if (ARG1(tf) != 8)
        return -EINVAL;
    if (get_user(&mask, ARG0(tf), sizeof mask))
        return -EFAULT;
    t->suspend_saved_mask = t->sig_blocked;
    t->in_sigsuspend = true;
    t->sig_blocked = mask & ~UNBLOCKABLE;
    while (!signal_interrupted())
        sleep_on(&nothing);
    return -EINTR;
}

/* ITIMER_REAL through alarm(seconds) and setitimer/getitimer. */
#define ITIMER_REAL 0
#define NS_PER_US 1000ull
#define NS_PER_S 1000000000ull

struct itimerval64 {
    int64_t interval_sec, interval_usec, value_sec, value_usec;
};

static struct itimerval64 itimer_now(const struct proc *p)
{
    uint64_t now = timer_ns(), left = p->alarm_ns > now ? p->alarm_ns - now : (p->alarm_ns ? 1000 : 0);
    return (struct itimerval64){(int64_t)(p->alarm_interval_ns / NS_PER_S),
                                (int64_t)(p->alarm_interval_ns % NS_PER_S / NS_PER_US), (int64_t)(left / NS_PER_S),
                                (int64_t)(left % NS_PER_S / NS_PER_US)};
}

long sys_alarm(struct trapframe *tf)
{
    struct proc *p = current_proc();
    struct itimerval64 old = itimer_now(p);
    uint64_t seconds = (uint32_t)ARG0(tf);
    p->alarm_ns = seconds ? timer_ns() + seconds * NS_PER_S : 0;
    p->alarm_interval_ns = 0;
    return old.value_sec + (old.value_usec >= 500000 || (!old.value_sec && old.value_usec)); /* rounded, never 0 if set */
}

long sys_getitimer(struct trapframe *tf)
{
    if (ARG0(tf) != ITIMER_REAL)
        return -EINVAL; /* ITIMER_VIRTUAL/PROF (CPU time) are not kept */
    struct itimerval64 v = itimer_now(current_proc());
    return put_user(ARG1(tf), &v, sizeof v);
}

long sys_setitimer(struct trapframe *tf)
{
    struct proc *p = current_proc();
    if (ARG0(tf) != ITIMER_REAL)
        return -EINVAL;
    struct itimerval64 v, old = itimer_now(p);
    if (ARG1(tf)) {
        if (get_user(&v, ARG1(tf), sizeof v))
            return -EFAULT;
        if (v.value_sec < 0 || v.value_usec < 0 || v.value_usec >= 1000000 || v.interval_sec < 0 ||
            v.interval_usec < 0 || v.interval_usec >= 1000000)
            return -EINVAL;
        uint64_t value = (uint64_t)v.value_sec * NS_PER_S + (uint64_t)v.value_usec * NS_PER_US;
        p->alarm_ns = value ? timer_ns() + value : 0;
        p->alarm_interval_ns = (uint64_t)v.interval_sec * NS_PER_S + (uint64_t)v.interval_usec * NS_PER_US;
    }
    if (ARG2(tf) && put_user(ARG2(tf), &old, sizeof old))
        return -EFAULT;
    return 0;
}

/* pause: sleep until a signal is delivered; always -EINTR. */
long sys_pause(struct trapframe *tf)
{
    static const char nothing; /* nobody wakes this channel: only signals do */
    (void)tf;
    while (!signal_interrupted())
        sleep_on(&nothing);
    return -EINTR;
}

static struct proc *find_proc(int64_t pid)
{
    for (int i = 0; i < proc_slots(); i++) {
        struct proc *p = proc_table(i);
        if (p->state == PROC_ALIVE && p->pid == pid)
            return p;
    }
    return 0;
}

static long check_signal(uint64_t sig) { return sig > NSIG ? -EINVAL : 0; }

/* May the caller signal p?  Root may signal anyone; others only processes
 * whose real or saved uid is their real or effective uid (kill(2),
 * Linux's kill_ok_by_cred). */
static bool may_signal(const struct proc *p)
{
    const struct proc *me = current_proc();
    return me->euid == 0 || me->euid == p->suid || me->euid == p->ruid || me->ruid == p->suid ||
           me->ruid == p->ruid;
}

/* kill(pid, sig): pid > 0 one process; 0 the caller's process group,
 * -pgid that group (kill(2)); -1 only the caller's process here. */
long sys_kill(struct trapframe *tf)
{
    int64_t pid = (int32_t)ARG0(tf);
    uint64_t sig = ARG1(tf);
    if (check_signal(sig))
        return -EINVAL;
    if (pid == 0 || pid < -1) { /* every member the caller may signal; EPERM if none (kill(2)) */
        int pgid = pid == 0 ? current_proc()->pgid : (int)-pid;
        bool found = false, permitted = false;
        for (int i = 0; i < proc_slots(); i++) {
            struct proc *q = proc_table(i);
            if (q->state != PROC_ALIVE || q->pgid != pgid)
                continue;
            found = true;
            if (!may_signal(q))
                continue;
            permitted = true;
            if (sig)
                signal_send_proc(q, (int)sig, SI_USER);
        }
        return !found ? -ESRCH : permitted ? 0 : -EPERM;
    }
    struct proc *p = pid > 0 ? find_proc(pid) : current_proc();
    if (!p)
        return -ESRCH;
    if (!may_signal(p))
        return -EPERM;
    if (sig)
        signal_send_proc(p, (int)sig, SI_USER);
    return 0;
}

static long thread_kill(int64_t tgid, int64_t tid, uint64_t sig)
{
    if (check_signal(sig))
        return -EINVAL;
    struct thread *t = thread_by_tid((int)tid);
    if (!t || (tgid >= 0 && t->proc->pid != tgid))
        return -ESRCH;
    if (!may_signal(t->proc))
        return -EPERM;
    if (sig)
        signal_send_thread(t, (int)sig, SI_TKILL);
    return 0;
}

long sys_tgkill(struct trapframe *tf) { return thread_kill((int32_t)ARG0(tf), (int32_t)ARG1(tf), ARG2(tf)); }
long sys_tkill(struct trapframe *tf) { return thread_kill(-1, (int32_t)ARG0(tf), ARG1(tf)); }

/* rt_sigpending(set, size): the signals raised while blocked. */
long sys_rt_sigpending(struct trapframe *tf)
{
    struct thread *t = current_thread();
    if (ARG1(tf) > 8)
        return -EINVAL;
    uint64_t set = t->sig_pending & t->sig_blocked;
    return put_user(ARG0(tf), &set, ARG1(tf)) ? -EFAULT : 0;
}

/* rt_sigqueueinfo(pid, sig, info) / rt_tgsigqueueinfo(tgid, tid, sig,
 * info): a signal with the caller's siginfo (sigqueue gives SI_QUEUE and
 * si_value).  As Linux, a positive si_code (or SI_TKILL) may not be
 * forged for another process. */
static long queue_info(struct thread *t, int sig, uint64_t uinfo)
{
    struct siginfo info;
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    if (get_user(&info, uinfo, sizeof info))
        return -EFAULT;
    if ((info.code >= 0 || info.code == SI_TKILL) && t->proc != current_proc())
        return -EPERM;
    if (!may_signal(t->proc))
        return -EPERM;
    if (!sig)
        return 0;
    uint64_t fields[3];
    memcpy(fields, info.bytes, sizeof fields);
    signal_send_info(t, sig, info.code, fields);
    return 0;
}

long sys_rt_sigqueueinfo(struct trapframe *tf)
{
    struct proc *p = find_proc((int32_t)ARG0(tf));
    struct thread *t = p ? proc_signal_target(p, (int)ARG1(tf) > 0 && (int)ARG1(tf) <= NSIG ? (int)ARG1(tf) : 1) : 0;
    return t ? queue_info(t, (int)ARG1(tf), ARG2(tf)) : -ESRCH;
}

long sys_rt_tgsigqueueinfo(struct trapframe *tf)
{
    struct thread *t = thread_by_tid((int32_t)ARG1(tf));
    if (!t || t->proc->pid != (int32_t)ARG0(tf))
        return -ESRCH;
    return queue_info(t, (int)ARG2(tf), ARG3(tf));
}

/* rt_sigtimedwait(set, info, timeout, size): take a pending signal of set
 * (normally blocked by the caller) without running its handler, and
 * return its number; sleep until one comes, EAGAIN when the timeout
 * passes, EINTR if a signal outside the set is delivered meanwhile. */
long sys_rt_sigtimedwait(struct trapframe *tf)
{
    static const char waiting;
    struct thread *t = current_thread();
    uint64_t set;
    if (ARG3(tf) != 8)
        return -EINVAL;
    if (get_user(&set, ARG0(tf), sizeof set))
        return -EFAULT;
    set &= ~UNBLOCKABLE;
    uint64_t deadline = 0;
    bool poll = false;
    if (ARG2(tf)) {
        int64_t ts[2];
        if (get_user(ts, ARG2(tf), sizeof ts))
            return -EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (int64_t)NS_PER_S)
            return -EINVAL;
        uint64_t ns = (uint64_t)ts[0] > UINT64_MAX / 4 / NS_PER_S ? UINT64_MAX / 4 : (uint64_t)ts[0] * NS_PER_S + (uint64_t)ts[1];
        poll = ns == 0;
        deadline = timer_ns() + ns;
    }
    for (;;) {
        uint64_t ready = t->sig_pending & set;
        if (ready) {
            int sig = __builtin_ctzll(ready) + 1;
            t->sig_pending &= ~sigbit(sig);
            t->sig_waiting = 0;
            struct siginfo info;
            fill_siginfo(&info, t, sig);
            if (ARG1(tf) && put_user(ARG1(tf), &info, sizeof info))
                return -EFAULT;
            return sig;
        }
        if (signal_interrupted()) {
            t->sig_waiting = 0;
            return -EINTR;
        }
        if (poll || (deadline && timer_ns() >= deadline)) {
            t->sig_waiting = 0;
            return -EAGAIN;
        }
        t->sig_waiting = set;
        sleep_until(&waiting, deadline);
    }
}
