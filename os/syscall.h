/* syscall.h — the system call layer: Linux x86-64 numbers and calling
 * convention.  A program puts the number in RAX and the arguments in RDI,
 * RSI, RDX, R10, R8, R9 (R10, not RCX: SYSCALL overwrites RCX with the
 * return RIP), executes SYSCALL, and finds the result in RAX: a value, or
 * -errno in [-4095, -1].  Handlers read their arguments from the trap frame. */
#ifndef OS_SYSCALL_H
#define OS_SYSCALL_H
#include <stdint.h>
#include "trap.h"

#define ARG0(tf) ((tf)->rdi)
#define ARG1(tf) ((tf)->rsi)
#define ARG2(tf) ((tf)->rdx)
#define ARG3(tf) ((tf)->r10)
#define ARG4(tf) ((tf)->r8)
#define ARG5(tf) ((tf)->r9)

typedef long syscall_fn(struct trapframe *tf);

/* From the SYSCALL entry (trapentry.S): returns non-zero when the return
 * must go through IRETQ (the frame was replaced, e.g. by execve). */
int syscall(struct trapframe *tf);
/* Ask for the IRETQ return path after the current system call. */
void syscall_force_iret(void);
void syscall_init(void);

/* Handlers, by file. */
syscall_fn sys_read, sys_write, sys_readv, sys_writev, sys_pread64, sys_pwrite64, sys_open, sys_openat,
    sys_close, sys_lseek, sys_fstat, sys_stat, sys_lstat, sys_newfstatat, sys_getdents64, sys_ioctl, sys_fcntl,
    sys_dup, sys_dup2, sys_dup3, sys_pipe, sys_pipe2, sys_access, sys_faccessat, sys_readlink, sys_readlinkat,
    sys_getcwd, sys_chdir, sys_mkdir, sys_mkdirat, sys_unlink, sys_unlinkat, sys_rmdir, sys_rename,
    sys_renameat, sys_umask, sys_ftruncate, sys_truncate, sys_fsync, sys_poll, sys_ppoll, sys_select, sys_pselect6,
    sys_chmod, sys_fchmod, sys_fchmodat, sys_utimensat, sys_symlink, sys_symlinkat;
syscall_fn sys_brk, sys_mmap, sys_mremap, sys_munmap, sys_mprotect, sys_madvise;
syscall_fn sys_exit, sys_exit_group, sys_fork, sys_vfork, sys_clone, sys_execve, sys_wait4, sys_kill,
    sys_tgkill, sys_tkill, sys_rt_sigreturn, sys_pause, sys_rt_sigsuspend, sys_alarm, sys_getitimer, sys_setitimer, sys_getpid, sys_gettid, sys_getppid, sys_arch_prctl, sys_set_tid_address, sys_futex,
    sys_sched_yield, sys_prctl;
syscall_fn sys_uname, sys_clock_gettime, sys_gettimeofday, sys_time, sys_nanosleep, sys_clock_nanosleep,
    sys_getrandom, sys_prlimit64, sys_getrlimit, sys_getuid, sys_rt_sigaction, sys_rt_sigprocmask,
    sys_sigaltstack, sys_clock_getres, sys_sysinfo, sys_getrusage, sys_times, sys_sched_getaffinity,
    sys_getpgid, sys_setpgid, sys_setsid, sys_getpriority, sys_getcpu, sys_nothing_to_do;
/* struct rusage with ru_utime = cpu_ns (sys_info.c; wait4 uses it too). */
long put_rusage(uint64_t uaddr, uint64_t cpu_ns);
syscall_fn sys_key_state;
syscall_fn sys_getpgrp;
syscall_fn sys_getsid;

#endif
