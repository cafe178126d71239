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
    [SYS_madvise] = sys_madvise,
    [SYS_dup] = sys_dup,
    [SYS_dup2] = sys_dup2,
    [SYS_pause] = sys_pause,
    [SYS_nanosleep] = sys_nanosleep,
    [SYS_getitimer] = sys_getitimer,
    [SYS_alarm] = sys_alarm,
    [SYS_setitimer] = sys_setitimer,
    [SYS_getpid] = sys_getpid,
    [SYS_clone] = sys_clone,
    [SYS_fork] = sys_fork,
    [SYS_vfork] = sys_vfork,
    [SYS_execve] = sys_execve,
    [SYS_exit] = sys_exit,
    [SYS_wait4] = sys_wait4,
    [SYS_kill] = sys_kill,
    [SYS_uname] = sys_uname,
    [SYS_fcntl] = sys_fcntl,
    [SYS_flock] = sys_nothing_to_do,
    [SYS_fsync] = sys_fsync,
    [SYS_fdatasync] = sys_fsync,
    [SYS_truncate] = sys_truncate,
    [SYS_ftruncate] = sys_ftruncate,
    [SYS_getcwd] = sys_getcwd,
    [SYS_chdir] = sys_chdir,
    [SYS_rename] = sys_rename,
    [SYS_mkdir] = sys_mkdir,
    [SYS_rmdir] = sys_rmdir,
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
    [SYS_getgid] = sys_getuid,
    [SYS_geteuid] = sys_getuid,
    [SYS_getegid] = sys_getuid,
    [SYS_setpgid] = sys_setpgid,
    [SYS_getppid] = sys_getppid,
    [SYS_getpgrp] = sys_getpgrp,
    [SYS_setsid] = sys_setsid,
    [SYS_getpgid] = sys_getpgid,
    [SYS_getsid] = sys_getsid,
    [SYS_rt_sigsuspend] = sys_rt_sigsuspend,
    [SYS_sigaltstack] = sys_sigaltstack,
    [SYS_getpriority] = sys_getpriority,
    [SYS_setpriority] = sys_nothing_to_do,
    [SYS_prctl] = sys_prctl,
    [SYS_arch_prctl] = sys_arch_prctl,
    [SYS_sync] = sys_nothing_to_do,
    [SYS_gettid] = sys_gettid,
    [SYS_tkill] = sys_tkill,
    [SYS_time] = sys_time,
    [SYS_futex] = sys_futex,
    [SYS_sched_setaffinity] = sys_nothing_to_do,
    [SYS_sched_getaffinity] = sys_sched_getaffinity,
    [SYS_getdents64] = sys_getdents64,
    [SYS_set_tid_address] = sys_set_tid_address,
    [SYS_fadvise64] = sys_nothing_to_do,
    [SYS_clock_gettime] = sys_clock_gettime,
    [SYS_clock_getres] = sys_clock_getres,
    [SYS_clock_nanosleep] = sys_clock_nanosleep,
    [SYS_exit_group] = sys_exit_group,
    [SYS_tgkill] = sys_tgkill,
    [SYS_openat] = sys_openat,
    [SYS_mkdirat] = sys_mkdirat,
    [SYS_fchownat] = sys_nothing_to_do,
    [SYS_newfstatat] = sys_newfstatat,
    [SYS_unlinkat] = sys_unlinkat,
    [SYS_renameat] = sys_renameat,
    [SYS_symlinkat] = sys_symlinkat,
    [SYS_readlinkat] = sys_readlinkat,
    [SYS_fchmodat] = sys_fchmodat,
    [SYS_faccessat] = sys_faccessat,
    [SYS_pselect6] = sys_pselect6,
    [SYS_ppoll] = sys_ppoll,
    [SYS_utimensat] = sys_utimensat,
    [SYS_dup3] = sys_dup3,
    [SYS_pipe2] = sys_pipe2,
    [SYS_prlimit64] = sys_prlimit64,
    [SYS_syncfs] = sys_nothing_to_do,
    [SYS_getcpu] = sys_getcpu,
    [SYS_getrandom] = sys_getrandom,
    [SYS_faccessat2] = sys_faccessat,
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
    if (nr == RS_SYS_KEY_STATE) {
        static int key_state_named;
        if (!key_state_named++)
            osev_report(OSEV_SYSCALL_NAME, nr, 0, 0, 0, 0, 0, "key_state");
        return;
    }
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
    if (!force_iret)
        tf->rax = (uint64_t)ret;
    prepare_return_to_user(tf); /* may aim the return at a signal handler (and ask for IRETQ) */
    /* SYSRET would load a non-canonical RCX in ring 0 and #GP there: leave
     * through IRETQ whenever the return RIP is not a plain user address. */
    return force_iret || tf->rip >= USER_END;
}
