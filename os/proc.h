/* proc.h — processes, threads and the scheduler (os/proc.c).
 *
 * A thread is what the CPU runs: registers (saved in its trap frame on its
 * own kernel stack when it is in the kernel, and in its struct context when
 * it is switched out), an FS base for TLS.  A process is what owns things:
 * an address space (struct mm), open files, a pid.  Every process has at
 * least one thread; clone(CLONE_VM|CLONE_THREAD) adds more. */
#ifndef OS_PROC_H
#define OS_PROC_H
#include <stdbool.h>
#include <stdint.h>
#include "file.h"
#include "signal.h"
#include "trap.h"
#include "vma.h"

/* Upper bounds of the growable tables; memory runs out well before. */
#define MAX_PROCS 4096
#define MAX_THREADS 4096
/* RLIMIT_NOFILE as Linux starts it (INR_OPEN_CUR, INR_OPEN_MAX). */
#define NOFILE_DEFAULT 1024
#define NOFILE_MAX 4096
#define PROC_NAME_MAX 16
#define PATH_MAX_LEN 256

enum thread_state { THREAD_UNUSED, THREAD_RUNNABLE, THREAD_RUNNING, THREAD_SLEEPING, THREAD_DEAD };
enum proc_state { PROC_UNUSED, PROC_ALIVE, PROC_ZOMBIE };

/* Callee-saved registers of a switched-out thread, in the order swtch.S
 * pushes them; rip is the return address of its swtch() call. */
struct context {
    uint64_t r15, r14, r13, r12, rbx, rbp, rip;
};

struct proc;

struct thread {
    enum thread_state state;
    int tid;
    int slot;                 /* index: kernel stack slot */
    struct proc *proc;
    uint64_t kstack_top;
    struct trapframe *tf;     /* user registers, at the top of the kernel stack */
    struct context *context;  /* where swtch() left it */
    const void *sleep_chan;   /* what it waits for (THREAD_SLEEPING) */
    uint64_t wake_ns;         /* timed sleep: wake at this virtual time (0 = none) */
    uint64_t fs_base;         /* IA32_FS_BASE: the thread pointer (TLS) */
    uint64_t cpu_ns;          /* CPU time used (cpu_clock_ns), up to its last switch-out */
    uint64_t run_start_ns;    /* when it was last switched in */
    uint64_t clear_child_tid; /* set_tid_address / CLONE_CHILD_CLEARTID */
    uint8_t fpu[512] __attribute__((aligned(16))); /* FXSAVE image of the user's x87/SSE state */
    uint64_t sig_pending;     /* bit sig-1: raised, not yet delivered */
    uint64_t sig_blocked;     /* the signal mask */
    uint64_t sig_waiting;     /* rt_sigtimedwait: the signals it waits for (they wake it though blocked) */
    uint64_t altstack_sp, altstack_size; /* sigaltstack; size 0 = none */
    uint64_t syscall_nr;      /* the system call in progress (to restart it) */
    uint64_t suspend_saved_mask; /* rt_sigsuspend: the mask to restore after the handler */
    bool in_sigsuspend;
    struct {
        int32_t code;         /* si_code */
        uint64_t fields[3];   /* bytes 16-39 of siginfo_t: si_addr (faults); si_pid, si_uid
                                 and si_value or si_status (kill, sigqueue, SIGCHLD) */
    } sig_info[NSIG];
};

struct proc {
    enum proc_state state;
    int pid;
    int pgid, sid;            /* process group and session (job control, tty.c) */
    struct proc *parent;
    struct mm *mm;
    int nthreads;
    int exit_status;          /* wait status: (code << 8) or signal number */
    char name[PROC_NAME_MAX];
    char exe[PATH_MAX_LEN];   /* readlink("/proc/self/exe") */
    char cwd[PATH_MAX_LEN];
    struct file **files;      /* the descriptor table (fdtable.c): nfiles slots */
    uint8_t *fd_flags;        /* per descriptor: FD_CLOEXEC */
    int nfiles;
    uint64_t nofile_cur, nofile_max; /* RLIMIT_NOFILE */
    uint32_t ruid, euid, suid, rgid, egid, sgid; /* credentials (cred.c): root to start with */
    int ngroups;
    uint32_t groups[32];      /* supplementary groups */
    uint32_t umask;
    struct ksigaction sig_actions[NSIG]; /* [sig-1] */
    uint64_t cpu_ns_exited;   /* CPU time of its threads that are gone */
    uint64_t children_cpu_ns; /* of its children that were waited for */
    uint64_t alarm_ns, alarm_interval_ns; /* ITIMER_REAL: next SIGALRM (virtual ns, 0 = off), period */
    /* Job control (signal.c): stopped by SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU
     * until SIGCONT; what wait4 has yet to report (WUNTRACED: the stop
     * signal, 0 = nothing; WCONTINUED: continued). */
    bool stopped;
    int stop_report;
    bool continued_report;
};

struct thread *current_thread(void);
static inline struct proc *current_proc(void)
{
    struct thread *t = current_thread();
    return t ? t->proc : 0;
}

void proc_init(void);

/* Scheduling.  The kernel runs with interrupts off, so a thread leaves the
 * CPU only where it says so: yield(), sleep_on(), exit. */
void scheduler(void) __attribute__((noreturn));
void yield(void);
void sleep_on(const void *chan);
void sleep_until(const void *chan, uint64_t wake_ns);
void wakeup(const void *chan);
/* Wake at most n threads sleeping on chan; returns how many. */
int wakeup_n(const void *chan, int n);
void timer_tick(void);

/* Exits.  Status is a wait status (exit code << 8, or a signal number). */
void thread_exit(int code) __attribute__((noreturn));
void proc_exit(int wait_status) __attribute__((noreturn));
/* "[pid N] killed: why" on the kernel log, and on the console for the
 * signals of program errors (SIGSEGV, SIGILL, SIGFPE, SIGBUS, SIGABRT...),
 * then exit with 128+signal. */
void proc_kill_current(int signal, const char *why) __attribute__((noreturn));

/* fork/clone/wait (sys_proc.c uses these). */
struct thread *thread_alloc(struct proc *p);
struct proc *proc_alloc(void);
void thread_make_runnable(struct thread *t);
/* x87/SSE state: a new thread's starts as the running thread's (fork,
 * clone); execve resets the running thread's to the power-on state. */
void thread_inherit_fpu(struct thread *t);
void thread_reset_fpu(void);
void proc_free(struct proc *p);
struct proc *proc_table(int i);   /* i < proc_slots() */
int proc_slots(void);
struct thread *thread_table(int i); /* i < thread_slots() */
int thread_slots(void);
struct thread *thread_by_tid(int tid);
/* CPU time in ns: one thread (up to now if it is running), or a whole
 * process (its live and its exited threads). */
uint64_t thread_cpu_ns(const struct thread *t);
uint64_t proc_cpu_ns(const struct proc *p);
/* execve and exit_group: the process keeps only the calling thread. */
void proc_end_other_threads(struct proc *p);
/* A thread of p to take a process-directed signal (one waiting for it in
 * sigwait, else one not blocking it, else the first); NULL if p has none. */
struct thread *proc_signal_target(struct proc *p, int sig);
int alloc_pid(void);

#endif
