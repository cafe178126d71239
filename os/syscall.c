/* syscall.c — the system call dispatcher and the table of Linux numbers.
 *
 * syscall_init programs the SYSCALL machinery (SDM Vol. 2B SYSCALL):
 *   IA32_EFER.SCE = 1     enables SYSCALL/SYSRET
 *   IA32_STAR[47:32]      kernel CS (SS = CS + 8) loaded by SYSCALL
 *   IA32_STAR[63:48]      base for SYSRET: CS = base + 16, SS = base + 8 (RPL 3)
 *   IA32_LSTAR            the entry point: syscall_entry (trapentry.S)
 *   IA32_FMASK            RFLAGS bits SYSCALL clears: IF (interrupts stay off
 *                         until the kernel is on its own stack), TF, DF, AC,
 *                         and NT (an IRETQ executed with NT = 1 raises #GP in
 *                         64-bit mode, and ring 3 can set NT with POPF).
 *
 * A number without a handler returns -ENOSYS: that is the design for every
 * call this kernel does not implement (the tracer shows it by name). */
#include "syscall.h"
#include "abi/osevent.h"
#include "abi/syscalls.h"
#include "errno.h"
#include "events.h"
#include "fileops.h"
#include "memlayout.h"
#include "proc.h"
#include "segments.h"
#include "signal.h"
#include "x86.h"

#define RFLAGS_TF (1u << 8)
#define RFLAGS_DF (1u << 10)
#define RFLAGS_AC (1u << 18)
#define RFLAGS_NT (1u << 14)

void syscall_entry(void);

/* Linux's numbers and names come from the shared table; this file only
 * binds handlers to them. */
enum {
#define LINUX_SYSCALL(nr, name, args) SYS_##name = nr,
#include "abi/linux_syscalls.def"
#undef LINUX_SYSCALL
    NSYSCALLS
};
static const char *const names[NSYSCALLS] = {
#define LINUX_SYSCALL(nr, name, args) [nr] = #name,
#include "abi/linux_syscalls.def"
#undef LINUX_SYSCALL
};

static syscall_fn *const table[NSYSCALLS] = {
    [SYS_read] = sys_read,
    [SYS_write] = sys_write,
    [SYS_open] = sys_open,
    [SYS_close] = sys_close,
    [SYS_stat] = sys_stat,
    [SYS_fstat] = sys_fstat,
    [SYS_lstat] = sys_lstat,
    [SYS_poll] = sys_poll,
    [SYS_lseek] = sys_lseek,
    [SYS_mmap] = sys_mmap,
    [SYS_mprotect] = sys_mprotect,
    [SYS_munmap] = sys_munmap,
    [SYS_brk] = sys_brk,
    [SYS_rt_sigaction] = sys_rt_sigaction,
    [SYS_rt_sigprocmask] = sys_rt_sigprocmask,
    [SYS_rt_sigreturn] = sys_rt_sigreturn,
    [SYS_ioctl] = sys_ioctl,
    [SYS_pread64] = sys_pread64,
    [SYS_pwrite64] = sys_pwrite64,
    [SYS_readv] = sys_readv,
    [SYS_writev] = sys_writev,
    [SYS_access] = sys_access,
    [SYS_pipe] = sys_pipe,
    [SYS_select] = sys_select,
    [SYS_sched_yield] = sys_sched_yield,
    [SYS_mremap] = sys_mremap,
    [SYS_msync] = sys_msync,
    [SYS_mincore] = sys_mincore,
    [SYS_madvise] = sys_madvise,
    [SYS_dup] = sys_dup,
    [SYS_dup2] = sys_dup2,
    [SYS_pause] = sys_pause,
    [SYS_nanosleep] = sys_nanosleep,
    [SYS_getitimer] = sys_getitimer,
    [SYS_alarm] = sys_alarm,
    [SYS_setitimer] = sys_setitimer,
    [SYS_getpid] = sys_getpid,
    [SYS_sendfile] = sys_sendfile,
    [SYS_socket] = sys_socket,
    [SYS_connect] = sys_connect,
    [SYS_accept] = sys_accept,
    [SYS_sendto] = sys_sendto,
    [SYS_recvfrom] = sys_recvfrom,
    [SYS_sendmsg] = sys_sendmsg,
    [SYS_recvmsg] = sys_recvmsg,
    [SYS_shutdown] = sys_shutdown,
    [SYS_bind] = sys_bind,
    [SYS_listen] = sys_listen,
    [SYS_getsockname] = sys_getsockname,
    [SYS_getpeername] = sys_getpeername,
    [SYS_socketpair] = sys_socketpair,
    [SYS_setsockopt] = sys_setsockopt,
    [SYS_getsockopt] = sys_getsockopt,
    [SYS_clone] = sys_clone,
    [SYS_fork] = sys_fork,
    [SYS_vfork] = sys_vfork,
    [SYS_execve] = sys_execve,
    [SYS_exit] = sys_exit,
    [SYS_wait4] = sys_wait4,
    [SYS_kill] = sys_kill,
    [SYS_uname] = sys_uname,
    [SYS_fcntl] = sys_fcntl,
    [SYS_flock] = sys_flock,
    [SYS_fsync] = sys_fsync,
    [SYS_fdatasync] = sys_fsync,
    [SYS_truncate] = sys_truncate,
    [SYS_ftruncate] = sys_ftruncate,
    [SYS_getdents] = sys_getdents,
    [SYS_getcwd] = sys_getcwd,
    [SYS_chdir] = sys_chdir,
    [SYS_rename] = sys_rename,
    [SYS_mkdir] = sys_mkdir,
    [SYS_rmdir] = sys_rmdir,
    [SYS_creat] = sys_creat,
    [SYS_link] = sys_link,
    [SYS_unlink] = sys_unlink,
    [SYS_symlink] = sys_symlink,
    [SYS_readlink] = sys_readlink,
    [SYS_chmod] = sys_chmod,
    [SYS_fchmod] = sys_fchmod,
    [SYS_chown] = sys_nothing_to_do,
    [SYS_fchown] = sys_nothing_to_do,
    [SYS_lchown] = sys_nothing_to_do,
    [SYS_umask] = sys_umask,
    [SYS_gettimeofday] = sys_gettimeofday,
    [SYS_getrlimit] = sys_getrlimit,
    [SYS_getrusage] = sys_getrusage,
    [SYS_sysinfo] = sys_sysinfo,
    [SYS_times] = sys_times,
    [SYS_getuid] = sys_getuid,
    [SYS_getgid] = sys_getgid,
    [SYS_setuid] = sys_setuid,
    [SYS_setgid] = sys_setgid,
    [SYS_geteuid] = sys_geteuid,
    [SYS_getegid] = sys_getegid,
    [SYS_setpgid] = sys_setpgid,
    [SYS_getppid] = sys_getppid,
    [SYS_getpgrp] = sys_getpgrp,
    [SYS_setsid] = sys_setsid,
    [SYS_setreuid] = sys_setreuid,
    [SYS_setregid] = sys_setregid,
    [SYS_getgroups] = sys_getgroups,
    [SYS_setgroups] = sys_setgroups,
    [SYS_setresuid] = sys_setresuid,
    [SYS_getresuid] = sys_getresuid,
    [SYS_setresgid] = sys_setresgid,
    [SYS_getresgid] = sys_getresgid,
    [SYS_getpgid] = sys_getpgid,
    [SYS_getsid] = sys_getsid,
    [SYS_rt_sigpending] = sys_rt_sigpending,
    [SYS_rt_sigtimedwait] = sys_rt_sigtimedwait,
    [SYS_rt_sigqueueinfo] = sys_rt_sigqueueinfo,
    [SYS_rt_sigsuspend] = sys_rt_sigsuspend,
    [SYS_sigaltstack] = sys_sigaltstack,
    [SYS_utime] = sys_utime,
    [SYS_mknod] = sys_mknod,
    [SYS_personality] = sys_personality,
    [SYS_statfs] = sys_statfs,
    [SYS_fstatfs] = sys_fstatfs,
    [SYS_getpriority] = sys_getpriority,
    [SYS_setpriority] = sys_nothing_to_do,
    [SYS_sched_setparam] = sys_sched_setparam,
    [SYS_sched_getparam] = sys_sched_getparam,
    [SYS_sched_setscheduler] = sys_sched_setscheduler,
    [SYS_sched_getscheduler] = sys_sched_getscheduler,
    [SYS_sched_get_priority_max] = sys_sched_get_priority_max,
    [SYS_sched_get_priority_min] = sys_sched_get_priority_min,
    [SYS_sched_rr_get_interval] = sys_sched_rr_get_interval,
    [SYS_mlock] = sys_mlock,
    [SYS_munlock] = sys_munlock,
    [SYS_mlockall] = sys_mlockall,
    [SYS_munlockall] = sys_munlockall,
    [SYS_prctl] = sys_prctl,
    [SYS_arch_prctl] = sys_arch_prctl,
    [SYS_adjtimex] = sys_adjtimex,
    [SYS_setrlimit] = sys_setrlimit,
    [SYS_sync] = sys_nothing_to_do,
    [SYS_gettid] = sys_gettid,
    [SYS_readahead] = sys_readahead,
    [SYS_tkill] = sys_tkill,
    [SYS_time] = sys_time,
    [SYS_futex] = sys_futex,
    [SYS_sched_setaffinity] = sys_nothing_to_do,
    [SYS_sched_getaffinity] = sys_sched_getaffinity,
    [SYS_epoll_create] = sys_epoll_create,
    [SYS_getdents64] = sys_getdents64,
    [SYS_set_tid_address] = sys_set_tid_address,
    [SYS_fadvise64] = sys_nothing_to_do,
    [SYS_timer_create] = sys_timer_create,
    [SYS_timer_settime] = sys_timer_settime,
    [SYS_timer_gettime] = sys_timer_gettime,
    [SYS_timer_getoverrun] = sys_timer_getoverrun,
    [SYS_timer_delete] = sys_timer_delete,
    [SYS_clock_settime] = sys_clock_settime,
    [SYS_clock_gettime] = sys_clock_gettime,
    [SYS_clock_getres] = sys_clock_getres,
    [SYS_clock_nanosleep] = sys_clock_nanosleep,
    [SYS_exit_group] = sys_exit_group,
    [SYS_epoll_wait] = sys_epoll_wait,
    [SYS_epoll_ctl] = sys_epoll_ctl,
    [SYS_tgkill] = sys_tgkill,
    [SYS_utimes] = sys_utimes,
    [SYS_waitid] = sys_waitid,
    [SYS_openat] = sys_openat,
    [SYS_mkdirat] = sys_mkdirat,
    [SYS_mknodat] = sys_mknodat,
    [SYS_fchownat] = sys_nothing_to_do,
    [SYS_futimesat] = sys_futimesat,
    [SYS_newfstatat] = sys_newfstatat,
    [SYS_unlinkat] = sys_unlinkat,
    [SYS_renameat] = sys_renameat,
    [SYS_linkat] = sys_linkat,
    [SYS_symlinkat] = sys_symlinkat,
    [SYS_readlinkat] = sys_readlinkat,
    [SYS_fchmodat] = sys_fchmodat,
    [SYS_faccessat] = sys_faccessat,
    [SYS_pselect6] = sys_pselect6,
    [SYS_ppoll] = sys_ppoll,
    [SYS_splice] = sys_splice,
    [SYS_utimensat] = sys_utimensat,
    [SYS_epoll_pwait] = sys_epoll_pwait,
    [SYS_signalfd] = sys_signalfd,
    [SYS_timerfd_create] = sys_timerfd_create,
    [SYS_eventfd] = sys_eventfd,
    [SYS_fallocate] = sys_fallocate,
    [SYS_timerfd_settime] = sys_timerfd_settime,
    [SYS_timerfd_gettime] = sys_timerfd_gettime,
    [SYS_accept4] = sys_accept4,
    [SYS_signalfd4] = sys_signalfd4,
    [SYS_eventfd2] = sys_eventfd2,
    [SYS_epoll_create1] = sys_epoll_create1,
    [SYS_dup3] = sys_dup3,
    [SYS_pipe2] = sys_pipe2,
    [SYS_preadv] = sys_preadv,
    [SYS_pwritev] = sys_pwritev,
    [SYS_rt_tgsigqueueinfo] = sys_rt_tgsigqueueinfo,
    [SYS_prlimit64] = sys_prlimit64,
    [SYS_syncfs] = sys_nothing_to_do,
    [SYS_getcpu] = sys_getcpu,
    [SYS_renameat2] = sys_renameat2,
    [SYS_getrandom] = sys_getrandom,
    [SYS_memfd_create] = sys_memfd_create,
    [SYS_membarrier] = sys_membarrier,
    [SYS_mlock2] = sys_mlock2,
    [SYS_copy_file_range] = sys_copy_file_range,
    [SYS_preadv2] = sys_preadv2,
    [SYS_pwritev2] = sys_pwritev2,
    [SYS_statx] = sys_statx,
    [SYS_close_range] = sys_close_range,
    [SYS_faccessat2] = sys_faccessat,
    [SYS_epoll_pwait2] = sys_epoll_pwait2,
};

static uint8_t named[(NSYSCALLS + 7) / 8]; /* numbers whose name the machine has been told */
static int force_iret;

void syscall_init(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    wrmsr(MSR_STAR, (uint64_t)SEL_USER_BASE << 48 | (uint64_t)SEL_KCODE << 32);
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT);
    wrmsr(MSR_GS_BASE, (uint64_t)&percpu);   /* kernel GS while in ring 0 ... */
    wrmsr(MSR_KERNEL_GS_BASE, 0);            /* ... the user's (0) waits for SWAPGS */
}

void syscall_force_iret(void) { force_iret = 1; }

/* Tell the tracer a call's name the first time it is made. */
static void name_once(uint64_t nr)
{
    static uint8_t own_named; /* one bit per call of RS_SYSCALLS */
    int own = 0;
#define RS_NAME_ONCE(number, name)                                               \
    if (nr == (number)) {                                                        \
        if (!(own_named & (1u << own)))                                          \
            osev_report(OSEV_SYSCALL_NAME, nr, 0, 0, 0, 0, 0, #name);            \
        own_named |= 1u << own;                                                  \
        return;                                                                  \
    }                                                                            \
    own++;
    RS_SYSCALLS(RS_NAME_ONCE)
#undef RS_NAME_ONCE
    (void)own;
    if (nr >= NSYSCALLS || !names[nr] || (named[nr / 8] & (1u << (nr % 8))))
        return;
    named[nr / 8] |= 1u << (nr % 8);
    osev_report(OSEV_SYSCALL_NAME, nr, 0, 0, 0, 0, 0, names[nr]);
}

static syscall_fn *handler(uint64_t nr)
{
    if (nr == RS_SYS_KEY_STATE)
        return sys_key_state; /* ringscope's own call, above the Linux range */
    return nr < NSYSCALLS ? table[nr] : 0;
}

int syscall(struct trapframe *tf)
{
    uint64_t nr = tf->rax;
    current_thread()->syscall_nr = nr;
    name_once(nr);
    syscall_fn *fn = handler(nr);
    force_iret = 0;
    long ret = fn ? fn(tf) : -ENOSYS;
    file_release_held(); /* the files its sleeps kept open (fileops.h) */
    if (!force_iret)
        tf->rax = (uint64_t)ret;
    prepare_return_to_user(tf); /* may aim the return at a signal handler (and ask for IRETQ) */
    /* SYSRET would load a non-canonical RCX in ring 0 and #GP there: leave
     * through IRETQ whenever the return RIP is not a plain user address. */
    return force_iret || tf->rip >= USER_END;
}
