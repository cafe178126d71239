/* signal.c — signals: rt_sigaction, rt_sigprocmask, kill/tkill/tgkill,
 * delivery to user handlers and rt_sigreturn, on the Linux x86-64 ABI.
 *
 * A signal becomes pending on a thread (kill picks a thread of the process
 * that does not block it; a fault goes to the faulting thread).  On every
 * return to user mode the kernel looks at pending & ~blocked:
 *   - SIG_IGN, or SIG_DFL of a signal whose default is to be ignored
 *     (SIGCHLD, SIGURG, SIGWINCH, SIGCONT; the stop signals too: there is
 *     no job control): dropped;
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
 * The 128 bytes below the interrupted RSP are skipped: the System V red
 * zone may hold live data. */
#include "signal.h"
#include "errno.h"
#include "memlayout.h"
#include "printf.h"
#include "proc.h"
#include "segments.h"
#include "string.h"
#include "syscall.h"
#include "uaccess.h"
#include "x86.h"

#define SIG_DFL 0
#define SIG_IGN 1
#define SA_SIGINFO 0x4
#define SA_RESTORER 0x04000000
#define SA_NODEFER 0x40000000
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
    union {
        uint64_t addr;                 /* faults */
        struct { int32_t pid, uid; } kill;
        uint8_t bytes[112];
    };
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
        [14] = "SIGALRM", [SIGTERM] = "SIGTERM", [SIGCHLD] = "SIGCHLD",
    };
    return sig > 0 && sig < (int)(sizeof names / sizeof names[0]) && names[sig] ? names[sig] : "signal";
}

static bool ignored_by_default(int sig)
{
    return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT ||
           (sig >= SIGSTOP && sig <= SIGTTOU);
}

static void wake(struct thread *t)
{
    if (t->state == THREAD_SLEEPING)
        t->state = THREAD_RUNNABLE; /* the sleeping call sees signal_interrupted() and returns */
}

void signal_send_thread(struct thread *t, int sig, int code)
{
    t->sig_pending |= sigbit(sig);
    t->sig_info[sig - 1].code = code;
    t->sig_info[sig - 1].pid = current_proc() ? current_proc()->pid : 0;
    t->sig_info[sig - 1].addr = 0;
    if (!(t->sig_blocked & sigbit(sig)) || sig == SIGKILL)
        wake(t);
}

void signal_send_proc(struct proc *p, int sig, int code)
{
    struct thread *t = proc_signal_target(p, sig);
    if (t)
        signal_send_thread(t, sig, code);
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
    t->sig_info[sig - 1].addr = addr;
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

/* Push the frame and aim the return at the handler; false if the user
 * stack cannot take it. */
static bool setup_frame(struct trapframe *tf, int sig, const struct ksigaction *a)
{
    struct thread *t = current_thread();
    struct mm *mm = t->proc->mm;
    uint64_t sp = tf->rsp - RED_ZONE;
    uint8_t fpu[512] __attribute__((aligned(16)));
    fxsave(fpu);
    uint64_t fpstate = (sp - sizeof fpu) & ~63ull;
    struct sigframe f;
    memset(&f, 0, sizeof f);
    f.pretcode = a->restorer;
    save_context(&f.uc.mcontext, tf, fpstate);
    f.uc.mcontext.oldmask = t->sig_blocked;
    f.uc.sigmask = t->sig_blocked;
    f.uc.ss_flags = 2; /* SS_DISABLE: no alternate stack */
    f.info.signo = sig;
    f.info.code = t->sig_info[sig - 1].code;
    if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP)
        f.info.addr = t->sig_info[sig - 1].addr;
    else
        f.info.kill.pid = t->sig_info[sig - 1].pid;
    uint64_t frame = ((fpstate - sizeof f) & ~15ull) - 8; /* as after a CALL: RSP + 8 is 16-aligned */
    if (copy_to_user(mm, fpstate, fpu, sizeof fpu) || copy_to_user(mm, frame, &f, sizeof f))
        return false;
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

void signal_deliver(struct trapframe *tf)
{
    struct thread *t = current_thread();
    for (;;) {
        uint64_t ready = t->sig_pending & ~(t->sig_blocked & ~UNBLOCKABLE);
        if (!ready)
            return;
        int sig = __builtin_ctzll(ready) + 1;
        t->sig_pending &= ~sigbit(sig);
        struct ksigaction *a = &t->proc->sig_actions[sig - 1];
        if (sig == SIGKILL || (a->handler == SIG_DFL && !ignored_by_default(sig)))
            terminate(sig);
        if (a->handler == SIG_DFL || a->handler == SIG_IGN)
            continue;
        struct ksigaction act = *a;
        if (!setup_frame(tf, sig, &act)) {
            char why[96];
            ksnprintf(why, sizeof why, "segmentation fault: no room on the stack for the %s handler",
                      signal_name(sig));
            proc_kill_current(SIGSEGV, why);
        }
        t->sig_blocked |= (act.mask | (act.flags & SA_NODEFER ? 0 : sigbit(sig))) & ~UNBLOCKABLE;
        if (act.flags & SA_RESETHAND)
            a->handler = SIG_DFL;
        syscall_force_iret();
        return; /* one handler at a time; the others wait for its sigreturn */
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
        uint32_t mxcsr, mask;
        memcpy(&mxcsr, fpu + 24, 4);
        memcpy(&mask, fpu + 28, 4); /* MXCSR_MASK: the bits this CPU accepts */
        mxcsr &= mask ? mask : 0xFFBF; /* a reserved bit would make FXRSTOR fault in the kernel */
        memcpy(fpu + 24, &mxcsr, 4);
        fxrstor(fpu);
    }
    *tf = (struct trapframe){
        .r8 = sc->r8, .r9 = sc->r9, .r10 = sc->r10, .r11 = sc->r11, .r12 = sc->r12, .r13 = sc->r13,
        .r14 = sc->r14, .r15 = sc->r15, .rdi = sc->rdi, .rsi = sc->rsi, .rbp = sc->rbp, .rbx = sc->rbx,
        .rdx = sc->rdx, .rax = sc->rax, .rcx = sc->rcx, .rsp = sc->rsp, .rip = sc->rip,
        .rflags = (tf->rflags & ~USER_RFLAGS) | (sc->eflags & USER_RFLAGS) | RFLAGS_IF,
        .cs = SEL_UCODE, .ss = SEL_UDATA, .trapno = T_SYSCALL,
    };
    t->sig_blocked = uc.sigmask & ~UNBLOCKABLE;
    syscall_force_iret(); /* every register comes from the frame, RAX included */
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
    for (int i = 0; i < MAX_PROCS; i++) {
        struct proc *p = proc_table(i);
        if (p->state == PROC_ALIVE && p->pid == pid)
            return p;
    }
    return 0;
}

static long check_signal(uint64_t sig) { return sig > NSIG ? -EINVAL : 0; }

/* kill(pid, sig): pid > 0 one process; 0 or -1 (no process groups here):
 * the caller's process only. */
long sys_kill(struct trapframe *tf)
{
    int64_t pid = (int32_t)ARG0(tf);
    uint64_t sig = ARG1(tf);
    if (check_signal(sig))
        return -EINVAL;
    struct proc *p = pid > 0 ? find_proc(pid) : current_proc();
    if (!p)
        return -ESRCH;
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
    if (sig)
        signal_send_thread(t, (int)sig, SI_TKILL);
    return 0;
}

long sys_tgkill(struct trapframe *tf) { return thread_kill((int32_t)ARG0(tf), (int32_t)ARG1(tf), ARG2(tf)); }
long sys_tkill(struct trapframe *tf) { return thread_kill(-1, (int32_t)ARG0(tf), ARG1(tf)); }
