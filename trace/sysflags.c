/* sysflags.c — the names of the Linux x86-64 ABI's flag words and enums
 * as strace prints them (sysflags.h).  Values are the kernel's
 * (the uapi headers of asm-generic and arch/x86); the order
 * of each table is the order strace lists set bits in. */
#include "sysflags.h"
#include <stdio.h>
#include <string.h>

#define N(v, name) {v, #name}
#define END {0, NULL}

const struct sys_name sys_prot_flags[] = {
    N(0x1, PROT_READ), N(0x2, PROT_WRITE), N(0x4, PROT_EXEC), N(0x8, PROT_SEM),
    N(0x01000000, PROT_GROWSDOWN), N(0x02000000, PROT_GROWSUP), END};

const struct sys_name sys_map_types[] = {
    N(0x1, MAP_SHARED), N(0x2, MAP_PRIVATE), N(0x3, MAP_SHARED_VALIDATE), END};

const struct sys_name sys_map_flags[] = {
    N(0x10, MAP_FIXED), N(0x20, MAP_ANONYMOUS), N(0x40, MAP_32BIT), N(0x100, MAP_GROWSDOWN),
    N(0x800, MAP_DENYWRITE), N(0x1000, MAP_EXECUTABLE), N(0x2000, MAP_LOCKED),
    N(0x4000, MAP_NORESERVE), N(0x8000, MAP_POPULATE), N(0x10000, MAP_NONBLOCK),
    N(0x20000, MAP_STACK), N(0x40000, MAP_HUGETLB), N(0x80000, MAP_SYNC),
    N(0x100000, MAP_FIXED_NOREPLACE), N(0x4000000, MAP_UNINITIALIZED), END};

const struct sys_name sys_open_access[] = {
    N(0, O_RDONLY), N(1, O_WRONLY), N(2, O_RDWR), N(3, O_ACCMODE), END};

/* strace lists O_SYNC (which includes O_DSYNC) and O_TMPFILE (which
 * includes O_DIRECTORY) before their parts. */
const struct sys_name sys_open_flags[] = {
    N(0100, O_CREAT), N(0200, O_EXCL), N(0400, O_NOCTTY), N(01000, O_TRUNC),
    N(02000, O_APPEND), N(04000, O_NONBLOCK), N(04010000, O_SYNC), N(010000, O_DSYNC),
    N(020000, O_ASYNC), N(040000, O_DIRECT), N(0100000, O_LARGEFILE), N(0400000, O_NOFOLLOW),
    N(01000000, O_NOATIME), N(02000000, O_CLOEXEC), N(010000000, O_PATH),
    N(020200000, O_TMPFILE), N(0200000, O_DIRECTORY), END};

const struct sys_name sys_at_flags[] = {
    N(0x100, AT_SYMLINK_NOFOLLOW), N(0x200, AT_REMOVEDIR), N(0x400, AT_SYMLINK_FOLLOW),
    N(0x800, AT_NO_AUTOMOUNT), N(0x1000, AT_EMPTY_PATH), N(0x2000, AT_STATX_FORCE_SYNC),
    N(0x4000, AT_STATX_DONT_SYNC), N(0x8000, AT_RECURSIVE), END};

const struct sys_name sys_clone_flags[] = {
    N(0x100, CLONE_VM), N(0x200, CLONE_FS), N(0x400, CLONE_FILES), N(0x800, CLONE_SIGHAND),
    N(0x1000, CLONE_PIDFD), N(0x2000, CLONE_PTRACE), N(0x4000, CLONE_VFORK),
    N(0x8000, CLONE_PARENT), N(0x10000, CLONE_THREAD), N(0x20000, CLONE_NEWNS),
    N(0x40000, CLONE_SYSVSEM), N(0x80000, CLONE_SETTLS), N(0x100000, CLONE_PARENT_SETTID),
    N(0x200000, CLONE_CHILD_CLEARTID), N(0x400000, CLONE_DETACHED), N(0x800000, CLONE_UNTRACED),
    N(0x1000000, CLONE_CHILD_SETTID), N(0x2000000, CLONE_NEWCGROUP), N(0x4000000, CLONE_NEWUTS),
    N(0x8000000, CLONE_NEWIPC), N(0x10000000, CLONE_NEWUSER), N(0x20000000, CLONE_NEWPID),
    N(0x40000000, CLONE_NEWNET), N(0x80000000, CLONE_IO), END};

const struct sys_name sys_fcntl_cmds[] = {
    N(0, F_DUPFD), N(1, F_GETFD), N(2, F_SETFD), N(3, F_GETFL), N(4, F_SETFL), N(5, F_GETLK),
    N(6, F_SETLK), N(7, F_SETLKW), N(8, F_SETOWN), N(9, F_GETOWN), N(10, F_SETSIG),
    N(11, F_GETSIG), N(15, F_SETOWN_EX), N(16, F_GETOWN_EX), N(36, F_OFD_GETLK),
    N(37, F_OFD_SETLK), N(38, F_OFD_SETLKW), N(1024, F_SETLEASE), N(1025, F_GETLEASE),
    N(1026, F_NOTIFY), N(1030, F_DUPFD_CLOEXEC), N(1031, F_SETPIPE_SZ), N(1032, F_GETPIPE_SZ),
    N(1033, F_ADD_SEALS), N(1034, F_GET_SEALS), END};

const struct sys_name sys_fd_flags[] = {N(1, FD_CLOEXEC), END};

const struct sys_name sys_ioctl_cmds[] = {
    /* 0x5402-0x5404 are also the OSS sound timer's _IO('T', 2..4): strace
     * names both. */
    N(0x5401, TCGETS), {0x5402, "SNDCTL_TMR_START or TCSETS"},
    {0x5403, "SNDCTL_TMR_STOP or TCSETSW"}, {0x5404, "SNDCTL_TMR_CONTINUE or TCSETSF"},
    N(0x5409, TCSBRK), N(0x540A, TCXONC), N(0x540B, TCFLSH), N(0x540E, TIOCSCTTY),
    N(0x540F, TIOCGPGRP), N(0x5410, TIOCSPGRP), N(0x5411, TIOCOUTQ), N(0x5413, TIOCGWINSZ),
    N(0x5414, TIOCSWINSZ), N(0x541B, FIONREAD), N(0x5421, FIONBIO), N(0x5422, TIOCNOTTY),
    N(0x5429, TIOCGSID), N(0x5450, FIONCLEX), N(0x5451, FIOCLEX), N(0x5452, FIOASYNC),
    N(0x80045430, TIOCGPTN), N(0x40045431, TIOCSPTLCK), END};

const struct sys_name sys_whence[] = {
    N(0, SEEK_SET), N(1, SEEK_CUR), N(2, SEEK_END), N(3, SEEK_DATA), N(4, SEEK_HOLE), END};

const struct sys_name sys_futex_ops[] = {
    N(0, FUTEX_WAIT), N(1, FUTEX_WAKE), N(2, FUTEX_FD), N(3, FUTEX_REQUEUE),
    N(4, FUTEX_CMP_REQUEUE), N(5, FUTEX_WAKE_OP), N(6, FUTEX_LOCK_PI), N(7, FUTEX_UNLOCK_PI),
    N(8, FUTEX_TRYLOCK_PI), N(9, FUTEX_WAIT_BITSET), N(10, FUTEX_WAKE_BITSET),
    N(11, FUTEX_WAIT_REQUEUE_PI), N(12, FUTEX_CMP_REQUEUE_PI), N(13, FUTEX_LOCK_PI2), END};

const struct sys_name sys_clocks[] = {
    N(0, CLOCK_REALTIME), N(1, CLOCK_MONOTONIC), N(2, CLOCK_PROCESS_CPUTIME_ID),
    N(3, CLOCK_THREAD_CPUTIME_ID), N(4, CLOCK_MONOTONIC_RAW), N(5, CLOCK_REALTIME_COARSE),
    N(6, CLOCK_MONOTONIC_COARSE), N(7, CLOCK_BOOTTIME), N(8, CLOCK_REALTIME_ALARM),
    N(9, CLOCK_BOOTTIME_ALARM), N(11, CLOCK_TAI), END};

const struct sys_name sys_timer_flags[] = {N(1, TIMER_ABSTIME), END};

const struct sys_name sys_sigmask_how[] = {
    N(0, SIG_BLOCK), N(1, SIG_UNBLOCK), N(2, SIG_SETMASK), END};

const struct sys_name sys_sa_flags[] = {
    N(0x00000001, SA_NOCLDSTOP), N(0x00000002, SA_NOCLDWAIT), N(0x00000004, SA_SIGINFO),
    N(0x04000000, SA_RESTORER), N(0x08000000, SA_ONSTACK), N(0x10000000, SA_RESTART),
    N(0x40000000, SA_NODEFER), N(0x80000000, SA_RESETHAND), END};

const struct sys_name sys_poll_events[] = {
    N(0x1, POLLIN), N(0x2, POLLPRI), N(0x4, POLLOUT), N(0x8, POLLERR), N(0x10, POLLHUP),
    N(0x20, POLLNVAL), N(0x40, POLLRDNORM), N(0x80, POLLRDBAND), N(0x100, POLLWRNORM),
    N(0x200, POLLWRBAND), N(0x400, POLLMSG), N(0x2000, POLLRDHUP), END};

const struct sys_name sys_arch_prctl_codes[] = {
    N(0x1001, ARCH_SET_GS), N(0x1002, ARCH_SET_FS), N(0x1003, ARCH_GET_FS),
    N(0x1004, ARCH_GET_GS), N(0x1011, ARCH_GET_CPUID), N(0x1012, ARCH_SET_CPUID), END};

const struct sys_name sys_wait_options[] = {
    N(1, WNOHANG), N(2, WUNTRACED), N(4, WEXITED), N(8, WCONTINUED), N(0x1000000, WNOWAIT),
    N(0x20000000, __WNOTHREAD), N(0x40000000, __WALL), N(0x80000000, __WCLONE), END};

const struct sys_name sys_madvice[] = {
    N(0, MADV_NORMAL), N(1, MADV_RANDOM), N(2, MADV_SEQUENTIAL), N(3, MADV_WILLNEED),
    N(4, MADV_DONTNEED), N(8, MADV_FREE), N(9, MADV_REMOVE), N(10, MADV_DONTFORK),
    N(11, MADV_DOFORK), N(12, MADV_MERGEABLE), N(13, MADV_UNMERGEABLE), N(14, MADV_HUGEPAGE),
    N(15, MADV_NOHUGEPAGE), N(16, MADV_DONTDUMP), N(17, MADV_DODUMP), END};

const struct sys_name sys_mremap_flags[] = {
    N(1, MREMAP_MAYMOVE), N(2, MREMAP_FIXED), N(4, MREMAP_DONTUNMAP), END};

const struct sys_name sys_msync_flags[] = {N(1, MS_ASYNC), N(2, MS_INVALIDATE), N(4, MS_SYNC), END};

const struct sys_name sys_socket_families[] = {
    N(0, AF_UNSPEC), N(1, AF_UNIX), N(2, AF_INET), N(10, AF_INET6), N(16, AF_NETLINK), END};

const struct sys_name sys_socket_types[] = {
    N(1, SOCK_STREAM), N(2, SOCK_DGRAM), N(3, SOCK_RAW), N(5, SOCK_SEQPACKET), END};

const struct sys_name sys_socket_type_flags[] = {
    N(04000, SOCK_NONBLOCK), N(02000000, SOCK_CLOEXEC), END};

const struct sys_name sys_pipe_flags[] = {
    N(02000000, O_CLOEXEC), N(040000, O_DIRECT), N(04000, O_NONBLOCK), END};

const struct sys_name sys_rlimits[] = {
    N(0, RLIMIT_CPU), N(1, RLIMIT_FSIZE), N(2, RLIMIT_DATA), N(3, RLIMIT_STACK),
    N(4, RLIMIT_CORE), N(5, RLIMIT_RSS), N(6, RLIMIT_NPROC), N(7, RLIMIT_NOFILE),
    N(8, RLIMIT_MEMLOCK), N(9, RLIMIT_AS), N(10, RLIMIT_LOCKS), N(11, RLIMIT_SIGPENDING),
    N(12, RLIMIT_MSGQUEUE), N(13, RLIMIT_NICE), N(14, RLIMIT_RTPRIO), N(15, RLIMIT_RTTIME), END};

const struct sys_name sys_access_modes[] = {N(4, R_OK), N(2, W_OK), N(1, X_OK), END};

const struct sys_name sys_wait_idtypes[] = {
    N(0, P_ALL), N(1, P_PID), N(2, P_PGID), N(3, P_PIDFD), END};

const struct sys_name sys_child_codes[] = {
    N(1, CLD_EXITED), N(2, CLD_KILLED), N(3, CLD_DUMPED), N(4, CLD_TRAPPED), N(5, CLD_STOPPED),
    N(6, CLD_CONTINUED), END};

/* statx's flags (besides AT_STATX_SYNC_AS_STAT = 0, the sync type in bits
 * 13-14) and its mask; STATX_ALL and STATX_BASIC_STATS name groups first. */
const struct sys_name sys_statx_sync[] = {
    N(0, AT_STATX_SYNC_AS_STAT), N(0x2000, AT_STATX_FORCE_SYNC), N(0x4000, AT_STATX_DONT_SYNC),
    END};
const struct sys_name sys_statx_at_flags[] = {
    N(0x100, AT_SYMLINK_NOFOLLOW), N(0x400, AT_SYMLINK_FOLLOW), N(0x800, AT_NO_AUTOMOUNT),
    N(0x1000, AT_EMPTY_PATH), END};
const struct sys_name sys_statx_mask[] = {
    N(0xfff, STATX_ALL), N(0x7ff, STATX_BASIC_STATS), N(0x1, STATX_TYPE), N(0x2, STATX_MODE),
    N(0x4, STATX_NLINK), N(0x8, STATX_UID), N(0x10, STATX_GID), N(0x20, STATX_ATIME),
    N(0x40, STATX_MTIME), N(0x80, STATX_CTIME), N(0x100, STATX_INO), N(0x200, STATX_SIZE),
    N(0x400, STATX_BLOCKS), N(0x800, STATX_BTIME), N(0x1000, STATX_MNT_ID),
    N(0x2000, STATX_DIOALIGN), END};

/* termios (asm-generic/termbits.h, octal as there). */
const struct sys_name sys_termios_iflags[] = {
    N(01, IGNBRK), N(02, BRKINT), N(04, IGNPAR), N(010, PARMRK), N(020, INPCK), N(040, ISTRIP),
    N(0100, INLCR), N(0200, IGNCR), N(0400, ICRNL), N(01000, IUCLC), N(02000, IXON),
    N(04000, IXANY), N(010000, IXOFF), N(020000, IMAXBEL), N(040000, IUTF8), END};
const struct sys_name sys_termios_oflags[] = {
    N(01, OPOST), N(02, OLCUC), N(04, ONLCR), N(010, OCRNL), N(020, ONOCR), N(040, ONLRET),
    N(0100, OFILL), N(0200, OFDEL), END};
const struct sys_name sys_termios_cflags[] = {
    N(0100, CSTOPB), N(0200, CREAD), N(0400, PARENB), N(01000, PARODD), N(02000, HUPCL),
    N(04000, CLOCAL), N(010000000000, CMSPAR), N(020000000000, CRTSCTS), END};
/* In strace's order (IEXTEN before ECHOCTL), not the bits'. */
const struct sys_name sys_termios_lflags[] = {
    N(01, ISIG), N(02, ICANON), N(04, XCASE), N(010, ECHO), N(020, ECHOE), N(040, ECHOK),
    N(0100, ECHONL), N(0200, NOFLSH), N(0100000, IEXTEN), N(01000, ECHOCTL), N(02000, ECHOPRT),
    N(04000, ECHOKE), N(010000, FLUSHO), N(040000, PENDIN), N(0400, TOSTOP),
    N(0200000, EXTPROC), END};
const struct sys_name sys_termios_bauds[] = {
    N(0, B0), N(01, B50), N(02, B75), N(03, B110), N(04, B134), N(05, B150), N(06, B200),
    N(07, B300), N(010, B600), N(011, B1200), N(012, B1800), N(013, B2400), N(014, B4800),
    N(015, B9600), N(016, B19200), N(017, B38400), N(010001, B57600), N(010002, B115200),
    N(010003, B230400), N(010004, B460800), N(010005, B500000), N(010006, B576000),
    N(010007, B921600), N(010010, B1000000), N(010011, B1152000), N(010012, B1500000),
    N(010013, B2000000), N(010014, B2500000), N(010015, B3000000), N(010016, B3500000),
    N(010017, B4000000), END};

static const char *const signal_names[32] = {
    [1] = "SIGHUP",   [2] = "SIGINT",     [3] = "SIGQUIT",  [4] = "SIGILL",   [5] = "SIGTRAP",
    [6] = "SIGABRT",  [7] = "SIGBUS",     [8] = "SIGFPE",   [9] = "SIGKILL",  [10] = "SIGUSR1",
    [11] = "SIGSEGV", [12] = "SIGUSR2",   [13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM",
    [16] = "SIGSTKFLT", [17] = "SIGCHLD", [18] = "SIGCONT", [19] = "SIGSTOP", [20] = "SIGTSTP",
    [21] = "SIGTTIN", [22] = "SIGTTOU",   [23] = "SIGURG",  [24] = "SIGXCPU", [25] = "SIGXFSZ",
    [26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH", [29] = "SIGIO",  [30] = "SIGPWR",
    [31] = "SIGSYS"};

size_t sys_signal_name(uint64_t sig, char *buf, size_t cap)
{
    int n;
    if (sig > 0 && sig < 32)
        n = snprintf(buf, cap, "%s", signal_names[sig]);
    else if (sig == 32)
        n = snprintf(buf, cap, "SIGRTMIN");
    else if (sig > 32 && sig <= 64)
        n = snprintf(buf, cap, "SIGRT_%u", (unsigned)(sig - 32));
    else
        n = snprintf(buf, cap, "%llu", (unsigned long long)sig);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap ? cap - 1 : 0;
}

const char *sys_lookup(const struct sys_name *table, uint64_t v)
{
    for (; table->name; table++)
        if (table->value == v)
            return table->name;
    return NULL;
}
