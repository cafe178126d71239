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
syscall_fn sys_msync;
syscall_fn sys_mincore;
syscall_fn sys_mlock;
syscall_fn sys_munlock;
syscall_fn sys_mlockall;
syscall_fn sys_munlockall;
syscall_fn sys_mlock2;
syscall_fn sys_fallocate;
syscall_fn sys_memfd_create;
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
syscall_fn sys_flock;
syscall_fn sys_getgid;
syscall_fn sys_geteuid;
syscall_fn sys_getegid;
syscall_fn sys_setuid;
syscall_fn sys_setgid;
syscall_fn sys_setreuid;
syscall_fn sys_setregid;
syscall_fn sys_setresuid;
syscall_fn sys_setresgid;
syscall_fn sys_getresuid;
syscall_fn sys_getresgid;
syscall_fn sys_getgroups;
syscall_fn sys_setgroups;
syscall_fn sys_setrlimit;
syscall_fn sys_getpgrp;
syscall_fn sys_waitid;
syscall_fn sys_preadv;
syscall_fn sys_pwritev;
syscall_fn sys_preadv2;
syscall_fn sys_pwritev2;
syscall_fn sys_sendfile;
syscall_fn sys_splice;
syscall_fn sys_copy_file_range;
syscall_fn sys_renameat2;
syscall_fn sys_link;
syscall_fn sys_linkat;
syscall_fn sys_mknod;
syscall_fn sys_mknodat;
syscall_fn sys_statfs;
syscall_fn sys_fstatfs;
syscall_fn sys_rt_sigpending;
syscall_fn sys_rt_sigtimedwait;
syscall_fn sys_rt_sigqueueinfo;
syscall_fn sys_rt_tgsigqueueinfo;
syscall_fn sys_socket;
syscall_fn sys_socketpair;
syscall_fn sys_bind;
syscall_fn sys_listen;
syscall_fn sys_connect;
syscall_fn sys_accept;
syscall_fn sys_accept4;
syscall_fn sys_shutdown;
syscall_fn sys_sendto;
syscall_fn sys_recvfrom;
syscall_fn sys_sendmsg;
syscall_fn sys_recvmsg;
syscall_fn sys_getsockname;
syscall_fn sys_getpeername;
syscall_fn sys_getsockopt;
syscall_fn sys_setsockopt;
syscall_fn sys_eventfd;
syscall_fn sys_eventfd2;
syscall_fn sys_epoll_create;
syscall_fn sys_epoll_create1;
syscall_fn sys_epoll_ctl;
syscall_fn sys_epoll_wait;
syscall_fn sys_epoll_pwait;
syscall_fn sys_epoll_pwait2;
syscall_fn sys_timerfd_create;
syscall_fn sys_timerfd_settime;
syscall_fn sys_timerfd_gettime;
syscall_fn sys_signalfd;
syscall_fn sys_signalfd4;
syscall_fn sys_timer_create;
syscall_fn sys_timer_settime;
syscall_fn sys_timer_gettime;
syscall_fn sys_timer_getoverrun;
syscall_fn sys_timer_delete;
syscall_fn sys_readahead;
syscall_fn sys_creat;
syscall_fn sys_getdents;
syscall_fn sys_close_range;
syscall_fn sys_utime;
syscall_fn sys_utimes;
syscall_fn sys_futimesat;
syscall_fn sys_statx;
syscall_fn sys_mincore;
syscall_fn sys_mlock;
syscall_fn sys_munlock;
syscall_fn sys_mlockall;
syscall_fn sys_munlockall;
syscall_fn sys_sched_getparam;
syscall_fn sys_sched_setparam;
syscall_fn sys_sched_getscheduler;
syscall_fn sys_sched_setscheduler;
syscall_fn sys_sched_get_priority_max;
syscall_fn sys_sched_get_priority_min;
syscall_fn sys_sched_rr_get_interval;
syscall_fn sys_personality;
syscall_fn sys_membarrier;
syscall_fn sys_clock_settime;
syscall_fn sys_adjtimex;
syscall_fn sys_getsid;

#endif
