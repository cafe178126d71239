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

struct syscall_def {
    const char *name;
    syscall_fn *fn; /* NULL: -ENOSYS */
};

static const struct syscall_def table[] = {
    [0] = {"read", sys_read},
    [1] = {"write", sys_write},
    [2] = {"open", sys_open},
    [3] = {"close", sys_close},
    [4] = {"stat", sys_stat},
    [5] = {"fstat", sys_fstat},
    [6] = {"lstat", sys_lstat},
    [7] = {"poll", sys_poll},
    [8] = {"lseek", sys_lseek},
    [9] = {"mmap", sys_mmap},
    [10] = {"mprotect", sys_mprotect},
    [11] = {"munmap", sys_munmap},
    [12] = {"brk", sys_brk},
    [13] = {"rt_sigaction", sys_rt_sigaction},
    [14] = {"rt_sigprocmask", sys_rt_sigprocmask},
    [15] = {"rt_sigreturn", sys_rt_sigreturn},
    [16] = {"ioctl", sys_ioctl},
    [17] = {"pread64", sys_pread64},
    [18] = {"pwrite64", sys_pwrite64},
    [19] = {"readv", sys_readv},
    [20] = {"writev", sys_writev},
    [21] = {"access", sys_access},
    [22] = {"pipe", sys_pipe},
    [23] = {"select", sys_select},
    [24] = {"sched_yield", sys_sched_yield},
    [25] = {"mremap", sys_mremap},
    [26] = {"msync", 0},
    [27] = {"mincore", 0},
    [28] = {"madvise", sys_madvise},
    [32] = {"dup", sys_dup},
    [33] = {"dup2", sys_dup2},
    [34] = {"pause", sys_pause},
    [35] = {"nanosleep", sys_nanosleep},
    [36] = {"getitimer", sys_getitimer},
    [37] = {"alarm", sys_alarm},
    [38] = {"setitimer", sys_setitimer},
    [39] = {"getpid", sys_getpid},
    [41] = {"socket", 0},
    [56] = {"clone", sys_clone},
    [57] = {"fork", sys_fork},
    [58] = {"vfork", sys_vfork},
    [59] = {"execve", sys_execve},
    [60] = {"exit", sys_exit},
    [61] = {"wait4", sys_wait4},
    [62] = {"kill", sys_kill},
    [63] = {"uname", sys_uname},
    [72] = {"fcntl", sys_fcntl},
    [73] = {"flock", sys_nothing_to_do},
    [74] = {"fsync", sys_fsync},
    [75] = {"fdatasync", sys_fsync},
    [76] = {"truncate", sys_truncate},
    [77] = {"ftruncate", sys_ftruncate},
    [79] = {"getcwd", sys_getcwd},
    [80] = {"chdir", sys_chdir},
    [82] = {"rename", sys_rename},
    [83] = {"mkdir", sys_mkdir},
    [84] = {"rmdir", sys_rmdir},
    [87] = {"unlink", sys_unlink},
    [88] = {"symlink", sys_symlink},
    [89] = {"readlink", sys_readlink},
    [90] = {"chmod", sys_chmod},
    [91] = {"fchmod", sys_fchmod},
    [92] = {"chown", sys_nothing_to_do},
    [93] = {"fchown", sys_nothing_to_do},
    [94] = {"lchown", sys_nothing_to_do},
    [95] = {"umask", sys_umask},
    [96] = {"gettimeofday", sys_gettimeofday},
    [97] = {"getrlimit", sys_getrlimit},
    [98] = {"getrusage", sys_getrusage},
    [99] = {"sysinfo", sys_sysinfo},
    [100] = {"times", sys_times},
    [102] = {"getuid", sys_getuid},
    [104] = {"getgid", sys_getuid},
    [107] = {"geteuid", sys_getuid},
    [108] = {"getegid", sys_getuid},
    [109] = {"setpgid", sys_setpgid},
    [110] = {"getppid", sys_getppid},
    [111] = {"getpgrp", sys_getpgid},
    [112] = {"setsid", sys_setsid},
    [121] = {"getpgid", sys_getpgid},
    [124] = {"getsid", sys_getpgid},
    [130] = {"rt_sigsuspend", sys_rt_sigsuspend},
    [131] = {"sigaltstack", sys_sigaltstack},
    [140] = {"getpriority", sys_getpriority},
    [141] = {"setpriority", sys_nothing_to_do},
    [157] = {"prctl", sys_prctl},
    [158] = {"arch_prctl", sys_arch_prctl},
    [162] = {"sync", sys_nothing_to_do},
    [186] = {"gettid", sys_gettid},
    [200] = {"tkill", sys_tkill},
    [201] = {"time", sys_time},
    [202] = {"futex", sys_futex},
    [203] = {"sched_setaffinity", sys_nothing_to_do},
    [204] = {"sched_getaffinity", sys_sched_getaffinity},
    [217] = {"getdents64", sys_getdents64},
    [218] = {"set_tid_address", sys_set_tid_address},
    [221] = {"fadvise64", sys_nothing_to_do},
    [228] = {"clock_gettime", sys_clock_gettime},
    [229] = {"clock_getres", sys_clock_getres},
    [230] = {"clock_nanosleep", sys_clock_nanosleep},
    [231] = {"exit_group", sys_exit_group},
    [234] = {"tgkill", sys_tgkill},
    [257] = {"openat", sys_openat},
    [258] = {"mkdirat", sys_mkdirat},
    [260] = {"fchownat", sys_nothing_to_do},
    [262] = {"newfstatat", sys_newfstatat},
    [263] = {"unlinkat", sys_unlinkat},
    [264] = {"renameat", sys_renameat},
    [266] = {"symlinkat", sys_symlinkat},
    [267] = {"readlinkat", sys_readlinkat},
    [268] = {"fchmodat", sys_fchmodat},
    [269] = {"faccessat", sys_faccessat},
    [270] = {"pselect6", sys_pselect6},
    [271] = {"ppoll", sys_ppoll},
    [273] = {"set_robust_list", 0},
    [274] = {"get_robust_list", 0},
    [280] = {"utimensat", sys_utimensat},
    [292] = {"dup3", sys_dup3},
    [293] = {"pipe2", sys_pipe2},
    [302] = {"prlimit64", sys_prlimit64},
    [306] = {"syncfs", sys_nothing_to_do},
    [309] = {"getcpu", sys_getcpu},
    [318] = {"getrandom", sys_getrandom},
    [332] = {"statx", 0},
    [334] = {"rseq", 0},
    [435] = {"clone3", 0},
    [439] = {"faccessat2", sys_faccessat},
};
#define NSYSCALLS (sizeof table / sizeof table[0])

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
    if (nr >= NSYSCALLS || !table[nr].name || (named[nr / 8] & (1u << (nr % 8))))
        return;
    named[nr / 8] |= 1u << (nr % 8);
    osev_report(OSEV_SYSCALL_NAME, nr, 0, 0, 0, 0, 0, table[nr].name);
}

static syscall_fn *handler(uint64_t nr)
{
    if (nr == RS_SYS_KEY_STATE)
        return sys_key_state; /* ringscope's own call, above the Linux range */
    return nr < NSYSCALLS ? table[nr].fn : 0;
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
