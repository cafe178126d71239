/* signal.h — POSIX signals on the Linux x86-64 ABI (os/signal.c). */
#ifndef OS_SIGNAL_H
#define OS_SIGNAL_H
#include <stdbool.h>
#include <stdint.h>
#include "trap.h"

#define NSIG 64
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGSEGV 11
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGWINCH 28

/* si_code values for faults */
#define SEGV_MAPERR 1 /* no mapping at the address */
#define SEGV_ACCERR 2 /* mapped, but not with that access */
#define BUS_ADRERR 2  /* SIGBUS: no object behind the address (a mapped page past the end of its file) */
#define SI_USER 0     /* sent by kill() */
#define SI_QUEUE (-1) /* sent by sigqueue() */
#define ILL_ILLOPN 2  /* SIGILL: illegal operand (#UD) */
#define FPE_INTDIV 1  /* SIGFPE: integer divide by zero (#DE) */
#define BUS_ADRALN 1  /* SIGBUS: misaligned address (#AC) */
#define FPE_FLTDIV 3  /* SIGFPE: floating-point divide by zero */
#define FPE_FLTOVF 4  /* floating-point overflow */
#define FPE_FLTUND 5  /* floating-point underflow (or denormal operand) */
#define FPE_FLTRES 6  /* floating-point inexact result */
#define FPE_FLTINV 7  /* floating-point invalid operation */
#define TRAP_TRACE 2  /* SIGTRAP: single step (#DB with RFLAGS.TF) */
#define SI_TKILL (-6) /* sent by tkill()/tgkill() */
#define SI_TIMER (-2) /* sent by a POSIX timer (posix_timer.c): si_timerid, si_overrun, si_value */
#define SI_KERNEL 0x80 /* sent by the kernel (the alarm timer, a broken pipe) */
#define CLD_EXITED 1   /* SIGCHLD: the child exited */
#define CLD_KILLED 2   /* SIGCHLD: the child was killed by a signal */
#define CLD_STOPPED 5  /* SIGCHLD: the child was stopped (job control) */
#define CLD_CONTINUED 6 /* SIGCHLD: the stopped child was continued */

/* One process's handler for one signal: struct sigaction as the kernel
 * sees it (sa_handler, sa_flags, sa_restorer, sa_mask). */
struct ksigaction {
    uint64_t handler; /* SIG_DFL 0, SIG_IGN 1, or a user address */
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};

static inline uint64_t sigbit(int sig) { return 1ull << (sig - 1); }

struct thread;
struct proc;

/* kill()/tgkill(): make sig pending (sig 1..64) and wake the target. */
void signal_send_proc(struct proc *p, int sig, int code);
void signal_send_thread(struct thread *t, int sig, int code);
/* The same with bytes 16-39 of the siginfo_t given (sigqueue's si_value,
 * SIGCHLD's si_status...). */
void signal_send_info(struct thread *t, int sig, int code, const uint64_t fields[3]);
void signal_send_proc_info(struct proc *p, int sig, int code, const uint64_t fields[3]);
/* Every process of group pgid (the tty's ^C, kill(-pgid)); how many. */
int signal_send_pgrp(int pgid, int sig, int code);
/* A fault in user mode: true if the program handles sig (the handler will
 * run on the way back to user mode); false: the caller kills it. */
bool signal_fault(int sig, int code, uint64_t addr);
/* On every return to user mode: act on the pending unblocked signals —
 * run a handler (rewrites tf), ignore, or terminate the process. */
void signal_deliver(struct trapframe *tf);
/* A sleeping call should give up: a signal is waiting for the thread. */
bool signal_interrupted(void);
/* exec: handlers go back to the default action (ignored stay ignored). */
void signal_reset_on_exec(struct proc *p);
const char *signal_name(int sig);

#endif
