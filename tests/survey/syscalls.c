/* syscalls.c — a survey of the system calls a static musl or glibc program
 * typically reaches: each is made once (or a few times) with typical
 * arguments, one line per call: "name: result".  The result is the value
 * when it is the same on every Linux (byte counts, 0), "ok" when it would
 * not be (pids, fds, addresses, times), or the errno name.  Lines that
 * start with spaces show what a call returned through memory.
 *
 * tests/test_kernel_fds.c builds it with musl-gcc -static and gcc -static,
 * runs it natively and on the guest kernel, and compares line by line.
 * Raw syscall() is used so that both C libraries make exactly these calls. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "errname.h"

#define PR_SET_NAME_SURVEY 15        /* prctl(2) */
#define FUTEX_WAKE_PRIVATE_SURVEY 129 /* FUTEX_WAKE | FUTEX_PRIVATE_FLAG */

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif
#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif

static int calls;

static void line(const char *name, long r, int exact)
{
    calls++;
    if (r < 0)
        printf("%s: -1 %s\n", name, errname(errno));
    else if (exact)
        printf("%s: %ld\n", name, r);
    else
        printf("%s: ok\n", name);
    fflush(stdout);
}

/* VAL: the value is the same on every Linux; OK: only success matters. */
#define VAL(name, expr) do { errno = 0; long r_ = (long)(expr); line(name, r_, 1); } while (0)
#define OK(name, expr) do { errno = 0; long r_ = (long)(expr); line(name, r_, 0); } while (0)

static char buf[8192];

static void files(void)
{
    struct stat st;
    VAL("mkdir", syscall(SYS_mkdir, "/tmp/rs-survey", 0755));
    VAL("chdir", syscall(SYS_chdir, "/tmp/rs-survey"));
    VAL("getcwd", syscall(SYS_getcwd, buf, sizeof buf));
    int fd;
    OK("open", fd = (int)syscall(SYS_open, "f", O_CREAT | O_RDWR | O_TRUNC, 0644));
    VAL("write", syscall(SYS_write, fd, "hello, survey\n", 14));
    VAL("pwrite64", syscall(SYS_pwrite64, fd, "HELLO", 5, 0));
    VAL("pread64", syscall(SYS_pread64, fd, buf, 5, 7));
    VAL("lseek", syscall(SYS_lseek, fd, 0, SEEK_SET));
    VAL("read", syscall(SYS_read, fd, buf, 4));
    struct iovec iov[2] = {{buf, 3}, {buf + 3, 3}};
    VAL("readv", syscall(SYS_readv, fd, iov, 2));
    iov[0].iov_base = "ab";
    iov[0].iov_len = 2;
    iov[1].iov_base = "cd";
    iov[1].iov_len = 2;
    VAL("writev", syscall(SYS_writev, fd, iov, 2));
    VAL("preadv", syscall(SYS_preadv, fd, iov, 1, 0, 0));
    VAL("pwritev", syscall(SYS_pwritev, fd, iov, 1, 20, 0));
    VAL("fstat", syscall(SYS_fstat, fd, &st));
    printf("  fstat size: %ld\n", (long)st.st_size);
    VAL("stat", syscall(SYS_stat, "f", &st));
    VAL("lstat", syscall(SYS_lstat, "f", &st));
    VAL("newfstatat", syscall(SYS_newfstatat, AT_FDCWD, "f", &st, 0));
    VAL("statx", syscall(SYS_statx, AT_FDCWD, "f", 0, 0x7ff, buf));
    VAL("access", syscall(SYS_access, "f", R_OK));
    VAL("faccessat", syscall(SYS_faccessat, AT_FDCWD, "missing", F_OK));
    VAL("faccessat2", syscall(SYS_faccessat2, AT_FDCWD, "f", F_OK, 0));
    VAL("fsync", syscall(SYS_fsync, fd));
    VAL("fdatasync", syscall(SYS_fdatasync, fd));
    VAL("sync", (syscall(SYS_sync), 0));
    VAL("syncfs", syscall(SYS_syncfs, fd));
    VAL("ftruncate", syscall(SYS_ftruncate, fd, 100));
    VAL("truncate", syscall(SYS_truncate, "f", 50));
    VAL("fallocate", syscall(SYS_fallocate, fd, 0, 0, 4096));
    VAL("fadvise64", syscall(SYS_fadvise64, fd, 0, 0, POSIX_FADV_SEQUENTIAL));
    VAL("readahead", syscall(SYS_readahead, fd, 0, 4096));
    VAL("rename", syscall(SYS_rename, "f", "g"));
    VAL("renameat", syscall(SYS_renameat, AT_FDCWD, "g", AT_FDCWD, "f"));
    VAL("renameat2", syscall(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, "g", 0));
    VAL("link", syscall(SYS_link, "g", "h"));
    VAL("linkat", syscall(SYS_linkat, AT_FDCWD, "g", AT_FDCWD, "i", 0));
    VAL("symlink", syscall(SYS_symlink, "g", "s"));
    VAL("symlinkat", syscall(SYS_symlinkat, "g", AT_FDCWD, "t"));
    VAL("readlink", syscall(SYS_readlink, "s", buf, sizeof buf));
    VAL("readlinkat", syscall(SYS_readlinkat, AT_FDCWD, "t", buf, sizeof buf));
    VAL("chmod", syscall(SYS_chmod, "g", 0600));
    VAL("fchmod", syscall(SYS_fchmod, fd, 0640));
    VAL("fchmodat", syscall(SYS_fchmodat, AT_FDCWD, "g", 0644));
    VAL("chown", syscall(SYS_chown, "g", getuid(), getgid()));
    VAL("fchown", syscall(SYS_fchown, fd, getuid(), getgid()));
    VAL("lchown", syscall(SYS_lchown, "s", getuid(), getgid()));
    VAL("fchownat", syscall(SYS_fchownat, AT_FDCWD, "g", getuid(), getgid(), 0));
    VAL("utimensat", syscall(SYS_utimensat, AT_FDCWD, "g", NULL, 0));
    VAL("utimes", syscall(SYS_utimes, "g", NULL));
    VAL("utime", syscall(SYS_utime, "g", NULL));
    VAL("futimesat", syscall(SYS_futimesat, AT_FDCWD, "g", NULL));
    VAL("umask", syscall(SYS_umask, 022));
    VAL("mkdirat", syscall(SYS_mkdirat, AT_FDCWD, "d", 0755));
    VAL("mknod", syscall(SYS_mknod, "fifo", S_IFIFO | 0644, 0));
    VAL("mknodat", syscall(SYS_mknodat, AT_FDCWD, "fifo2", S_IFIFO | 0644, 0));
    int cfd, dfd;
    OK("creat", cfd = (int)syscall(SYS_creat, "c", 0644));
    OK("openat", dfd = (int)syscall(SYS_openat, AT_FDCWD, ".", O_RDONLY | O_DIRECTORY));
    OK("getdents64", syscall(SYS_getdents64, dfd, buf, sizeof buf));
    VAL("getdents", syscall(SYS_getdents, dfd, buf, sizeof buf) >= 0 ? 0 : -1);
    VAL("close", syscall(SYS_close, dfd));
    VAL("close", syscall(SYS_close, cfd));
    VAL("fcntl F_GETFL", syscall(SYS_fcntl, fd, F_GETFL));
    VAL("fcntl F_SETFL", syscall(SYS_fcntl, fd, F_SETFL, O_APPEND));
    VAL("fcntl F_GETFD", syscall(SYS_fcntl, fd, F_GETFD));
    long dupped;
    OK("fcntl F_DUPFD_CLOEXEC", dupped = syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 40)); /* the host may have passed fds */
    close((int)dupped);
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    VAL("fcntl F_SETLK", syscall(SYS_fcntl, fd, F_SETLK, &lk));
    VAL("fcntl F_GETLK", syscall(SYS_fcntl, fd, F_GETLK, &lk));
    VAL("flock", syscall(SYS_flock, fd, LOCK_EX));
    OK("dup", dupped = syscall(SYS_dup, fd));
    close((int)dupped);
    VAL("dup2", syscall(SYS_dup2, fd, 52));
    VAL("dup3", syscall(SYS_dup3, fd, 53, O_CLOEXEC));
    VAL("close_range", syscall(SYS_close_range, 52, 53, 0));
    VAL("statfs", syscall(SYS_statfs, "/tmp", buf) < 0 ? -1 : 0);
    VAL("fstatfs", syscall(SYS_fstatfs, fd, buf) < 0 ? -1 : 0);
    int out = (int)syscall(SYS_open, "copy", O_CREAT | O_RDWR | O_TRUNC, 0644);
    off_t off = 0;
    VAL("sendfile", syscall(SYS_sendfile, out, fd, &off, 5));
    VAL("copy_file_range", syscall(SYS_copy_file_range, fd, NULL, out, NULL, 5, 0));
    close(out);
    VAL("ioctl TCGETS", syscall(SYS_ioctl, 1, 0x5401, buf));
    VAL("ioctl FIONBIO", syscall(SYS_ioctl, fd, 0x5421, &(int){0}));
    VAL("unlink", syscall(SYS_unlink, "h"));
    VAL("unlinkat", syscall(SYS_unlinkat, AT_FDCWD, "d", AT_REMOVEDIR));
    const char *names[] = {"f", "g", "i", "s", "t", "fifo", "fifo2", "c", "copy"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(names[i]);
    close(fd);
    VAL("chdir", syscall(SYS_chdir, "/"));
    VAL("rmdir", syscall(SYS_rmdir, "/tmp/rs-survey"));
}

static void memory(void)
{
    long b = syscall(SYS_brk, 0);
    OK("brk", b);
    OK("brk grow", syscall(SYS_brk, b + 8192) == b + 8192 ? 0 : -1);
    char *p = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    OK("mmap", p == MAP_FAILED ? -1 : 0);
    p[0] = 1;
    VAL("mprotect", syscall(SYS_mprotect, p, 4096, PROT_READ));
    VAL("madvise", syscall(SYS_madvise, p, 16384, MADV_DONTNEED));
    unsigned char vec[4];
    VAL("mincore", syscall(SYS_mincore, p, 16384, vec));
    VAL("mlock", syscall(SYS_mlock, p + 4096, 4096));
    VAL("munlock", syscall(SYS_munlock, p + 4096, 4096));
    VAL("mlockall", syscall(SYS_mlockall, MCL_CURRENT));
    VAL("munlockall", syscall(SYS_munlockall));
    char *q = (char *)syscall(SYS_mremap, p, 16384, 32768, MREMAP_MAYMOVE);
    OK("mremap", q == MAP_FAILED ? -1 : 0);
    VAL("munmap", syscall(SYS_munmap, q, 32768));
    char *s = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    OK("mmap MAP_SHARED", s == MAP_FAILED ? -1 : 0);
    if (s != MAP_FAILED) {
        VAL("msync", syscall(SYS_msync, s, 8192, MS_SYNC));
        munmap(s, 8192);
    }
    long m;
    OK("memfd_create", m = syscall(SYS_memfd_create, "survey", 0));
    if (m >= 0)
        close((int)m);
    VAL("membarrier", syscall(SYS_membarrier, 0, 0, 0) >= 0 ? 0 : -1);
}

static void identity(void)
{
    OK("getpid", syscall(SYS_getpid));
    OK("getppid", syscall(SYS_getppid));
    OK("gettid", syscall(SYS_gettid));
    OK("getuid", syscall(SYS_getuid));
    OK("geteuid", syscall(SYS_geteuid));
    OK("getgid", syscall(SYS_getgid));
    OK("getegid", syscall(SYS_getegid));
    uid_t r, e, s;
    VAL("getresuid", syscall(SYS_getresuid, &r, &e, &s));
    VAL("getresgid", syscall(SYS_getresgid, &r, &e, &s));
    gid_t groups[64];
    OK("getgroups", syscall(SYS_getgroups, 64, groups));
    VAL("setuid", syscall(SYS_setuid, getuid()));
    VAL("setgid", syscall(SYS_setgid, getgid()));
    VAL("setreuid", syscall(SYS_setreuid, -1, -1));
    VAL("setregid", syscall(SYS_setregid, -1, -1));
    VAL("setresuid", syscall(SYS_setresuid, -1, -1, -1));
    VAL("setresgid", syscall(SYS_setresgid, -1, -1, -1));
    OK("setfsuid", syscall(SYS_setfsuid, -1));
    OK("setfsgid", syscall(SYS_setfsgid, -1));
    OK("getpgrp", syscall(SYS_getpgrp));
    OK("getpgid", syscall(SYS_getpgid, 0));
    OK("getsid", syscall(SYS_getsid, 0));
    struct { uint32_t version; int pid; } hdr = {0x20080522, 0};
    uint32_t caps[6];
    VAL("capget", syscall(SYS_capget, &hdr, caps));
    VAL("prctl PR_SET_NAME", syscall(SYS_prctl, PR_SET_NAME_SURVEY, "survey", 0, 0, 0));
    VAL("prctl PR_GET_NAME", syscall(SYS_prctl, 16, buf, 0, 0, 0));
    printf("  name: %s\n", buf);
    unsigned long fs;
    VAL("arch_prctl ARCH_GET_FS", syscall(SYS_arch_prctl, 0x1003, &fs));
    OK("set_tid_address", syscall(SYS_set_tid_address, NULL));
    struct { void *next; long offset; void *pending; } robust = {&robust, 0, NULL};
    VAL("set_robust_list", syscall(SYS_set_robust_list, &robust, sizeof robust));
    void *head;
    size_t len;
    VAL("get_robust_list", syscall(SYS_get_robust_list, 0, &head, &len));
    VAL("personality", syscall(SYS_personality, 0xffffffff));
    unsigned cpu;
    VAL("getcpu", syscall(SYS_getcpu, &cpu, NULL, NULL));
    struct utsname u;
    VAL("uname", syscall(SYS_uname, &u));
    printf("  uname sysname: %s\n", u.sysname);
}

static void scheduling_and_limits(void)
{
    VAL("sched_yield", syscall(SYS_sched_yield));
    cpu_set_t set;
    OK("sched_getaffinity", syscall(SYS_sched_getaffinity, 0, sizeof set, &set));
    VAL("sched_setaffinity", syscall(SYS_sched_setaffinity, 0, sizeof set, &set));
    struct sched_param sp = {0};
    VAL("sched_getparam", syscall(SYS_sched_getparam, 0, &sp));
    VAL("sched_setparam", syscall(SYS_sched_setparam, 0, &sp));
    VAL("sched_getscheduler", syscall(SYS_sched_getscheduler, 0));
    VAL("sched_setscheduler", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp));
    VAL("sched_get_priority_max", syscall(SYS_sched_get_priority_max, SCHED_FIFO));
    VAL("sched_get_priority_min", syscall(SYS_sched_get_priority_min, SCHED_FIFO));
    struct timespec ts;
    VAL("sched_rr_get_interval", syscall(SYS_sched_rr_get_interval, 0, &ts));
    OK("getpriority", syscall(SYS_getpriority, PRIO_PROCESS, 0));
    VAL("setpriority", syscall(SYS_setpriority, PRIO_PROCESS, 0, 0));
    struct rlimit rl;
    VAL("getrlimit", syscall(SYS_getrlimit, RLIMIT_NOFILE, &rl));
    VAL("setrlimit", syscall(SYS_setrlimit, RLIMIT_NOFILE, &rl));
    VAL("prlimit64", syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &rl));
    struct rusage ru;
    VAL("getrusage", syscall(SYS_getrusage, RUSAGE_SELF, &ru));
    OK("times", syscall(SYS_times, buf));
    VAL("sysinfo", syscall(SYS_sysinfo, buf));
}

static void on_signal(int sig) { (void)sig; }

static void signals(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    VAL("rt_sigaction", sigaction(SIGUSR1, &sa, NULL));
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    VAL("rt_sigprocmask", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, 8));
    VAL("kill", syscall(SYS_kill, getpid(), SIGUSR1));
    sigset_t pend;
    sigemptyset(&pend);
    VAL("rt_sigpending", syscall(SYS_rt_sigpending, &pend, 8));
    printf("  pending SIGUSR1: %d\n", sigismember(&pend, SIGUSR1));
    struct timespec zero = {0, 0};
    VAL("rt_sigtimedwait", syscall(SYS_rt_sigtimedwait, &set, NULL, &zero, 8));
    VAL("tgkill", syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1));
    VAL("tkill", syscall(SYS_tkill, syscall(SYS_gettid), SIGUSR1));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_code = SI_QUEUE;
    si.si_signo = SIGUSR1;
    VAL("rt_sigqueueinfo", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &si));
    VAL("rt_tgsigqueueinfo", syscall(SYS_rt_tgsigqueueinfo, getpid(), syscall(SYS_gettid), SIGUSR1, &si));
    syscall(SYS_rt_sigtimedwait, &set, NULL, &zero, 8);
    VAL("rt_sigprocmask unblock", syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8));
    stack_t ss = {.ss_sp = malloc(65536), .ss_size = 65536};
    VAL("sigaltstack", syscall(SYS_sigaltstack, &ss, NULL));
    VAL("alarm", syscall(SYS_alarm, 0));
    struct itimerval it = {{0, 0}, {0, 0}};
    VAL("setitimer", syscall(SYS_setitimer, ITIMER_REAL, &it, NULL));
    VAL("getitimer", syscall(SYS_getitimer, ITIMER_REAL, &it));
    sigaction(SIGALRM, &sa, NULL);
    syscall(SYS_alarm, 1);
    VAL("pause", syscall(SYS_pause));
    sigset_t none;
    sigemptyset(&none);
    syscall(SYS_alarm, 1);
    VAL("rt_sigsuspend", syscall(SYS_rt_sigsuspend, &none, 8));
}

static void times_and_sleeps(void)
{
    struct timespec ts;
    VAL("clock_gettime", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts));
    VAL("clock_getres", syscall(SYS_clock_getres, CLOCK_MONOTONIC, &ts));
    VAL("clock_settime", syscall(SYS_clock_settime, 99, &ts));
    struct timespec d = {0, 1000000};
    VAL("nanosleep", syscall(SYS_nanosleep, &d, NULL));
    VAL("clock_nanosleep", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &d, NULL));
    struct timeval tv;
    VAL("gettimeofday", syscall(SYS_gettimeofday, &tv, NULL));
    OK("time", syscall(SYS_time, NULL));
    char tx[256] = {0};
    OK("adjtimex", syscall(SYS_adjtimex, tx));
    VAL("getrandom", syscall(SYS_getrandom, buf, 16, 0));
}

static void processes(void)
{
    fflush(stdout);
    long pid = syscall(SYS_fork);
    if (pid == 0)
        _exit(7);
    OK("fork", pid);
    int status = 0;
    OK("wait4", syscall(SYS_wait4, pid, &status, 0, NULL));
    printf("  wait4 status: %d\n", WEXITSTATUS(status));
    pid = vfork(); /* the C library's: the child borrows the parent's stack */
    if (pid == 0)
        _exit(8);
    OK("vfork", pid);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    VAL("waitid", syscall(SYS_waitid, P_PID, pid, &si, WEXITED, NULL));
    printf("  waitid status: %d\n", si.si_status);
    pid = syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, 0);
    if (pid == 0)
        syscall(SYS_exit_group, 9);
    OK("clone", pid);
    syscall(SYS_wait4, pid, &status, 0, NULL);
    printf("  clone child status: %d\n", WEXITSTATUS(status));
    int word = 0;
    VAL("futex FUTEX_WAKE", syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE_SURVEY, 1, NULL, NULL, 0));
    VAL("futex FUTEX_WAIT (value differs)", syscall(SYS_futex, &word, 128, 1, NULL, NULL, 0));
    struct timespec t = {0, 1000000};
    VAL("futex FUTEX_WAIT (timeout)", syscall(SYS_futex, &word, 128, 0, &t, NULL, 0));
}

static void descriptors(void)
{
    int p[2], sv[2];
    VAL("pipe", syscall(SYS_pipe, p));
    VAL("pipe2", syscall(SYS_pipe2, p, O_CLOEXEC));
    struct pollfd pf = {p[1], POLLOUT, 0};
    VAL("poll", syscall(SYS_poll, &pf, 1, 0));
    struct timespec z = {0, 0};
    VAL("ppoll", syscall(SYS_ppoll, &pf, 1, &z, NULL, 8));
    fd_set w;
    FD_ZERO(&w);
    FD_SET(p[1], &w);
    struct timeval tv = {0, 0};
    VAL("select", syscall(SYS_select, p[1] + 1, NULL, &w, NULL, &tv));
    FD_SET(p[1], &w);
    VAL("pselect6", syscall(SYS_pselect6, p[1] + 1, NULL, &w, NULL, &z, NULL));
    VAL("socketpair", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv));
    VAL("sendto", syscall(SYS_sendto, sv[0], "abc", 3, 0, NULL, 0));
    VAL("recvfrom", syscall(SYS_recvfrom, sv[1], buf, sizeof buf, 0, NULL, NULL));
    struct iovec iov = {"defg", 4};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    VAL("sendmsg", syscall(SYS_sendmsg, sv[0], &mh, 0));
    iov.iov_base = buf;
    iov.iov_len = sizeof buf;
    VAL("recvmsg", syscall(SYS_recvmsg, sv[1], &mh, 0));
    VAL("shutdown", syscall(SYS_shutdown, sv[0], SHUT_WR));
    int v;
    socklen_t len = sizeof v;
    VAL("getsockopt", syscall(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE, &v, &len));
    v = 1;
    VAL("setsockopt", syscall(SYS_setsockopt, sv[0], SOL_SOCKET, SO_PASSCRED, &v, sizeof v));
    struct sockaddr_un a;
    len = sizeof a;
    VAL("getsockname", syscall(SYS_getsockname, sv[0], &a, &len));
    len = sizeof a;
    VAL("getpeername", syscall(SYS_getpeername, sv[0], &a, &len));
    int s = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
    VAL("socket", s >= 0 ? 0 : -1);
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strcpy(a.sun_path + 1, "rs-survey");
    socklen_t alen = (socklen_t)(2 + 1 + strlen("rs-survey"));
    VAL("bind", syscall(SYS_bind, s, &a, alen));
    VAL("listen", syscall(SYS_listen, s, 4));
    int c = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
    VAL("connect", syscall(SYS_connect, c, &a, alen));
    int acc = (int)syscall(SYS_accept, s, NULL, NULL);
    VAL("accept", acc >= 0 ? 0 : -1);
    int c2 = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
    syscall(SYS_connect, c2, &a, alen);
    int acc2 = (int)syscall(SYS_accept4, s, NULL, NULL, SOCK_CLOEXEC);
    VAL("accept4", acc2 >= 0 ? 0 : -1);
    int e = (int)syscall(SYS_eventfd2, 0, EFD_NONBLOCK);
    VAL("eventfd2", e >= 0 ? 0 : -1);
    int e1 = (int)syscall(SYS_eventfd, 1);
    VAL("eventfd", e1 >= 0 ? 0 : -1);
    int ep = (int)syscall(SYS_epoll_create1, 0);
    VAL("epoll_create1", ep >= 0 ? 0 : -1);
    int ep0 = (int)syscall(SYS_epoll_create, 1);
    VAL("epoll_create", ep0 >= 0 ? 0 : -1);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 1};
    VAL("epoll_ctl", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, e1, &ev));
    struct epoll_event out[2];
    VAL("epoll_wait", syscall(SYS_epoll_wait, ep, out, 2, 0));
    VAL("epoll_pwait", syscall(SYS_epoll_pwait, ep, out, 2, 0, NULL, 8));
    VAL("epoll_pwait2", syscall(SYS_epoll_pwait2, ep, out, 2, &z, NULL, 8));
    int t = (int)syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
    VAL("timerfd_create", t >= 0 ? 0 : -1);
    struct itimerspec its = {{0, 0}, {1, 0}};
    VAL("timerfd_settime", syscall(SYS_timerfd_settime, t, 0, &its, NULL));
    VAL("timerfd_gettime", syscall(SYS_timerfd_gettime, t, &its));
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    int sf = (int)syscall(SYS_signalfd4, -1, &m, 8, 0);
    VAL("signalfd4", sf >= 0 ? 0 : -1);
    int sf0 = (int)syscall(SYS_signalfd, -1, &m, 8);
    VAL("signalfd", sf0 >= 0 ? 0 : -1);
    timer_t id;
    struct sigevent sev = {.sigev_notify = SIGEV_NONE};
    VAL("timer_create", syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id));
    VAL("timer_settime", syscall(SYS_timer_settime, id, 0, &its, NULL));
    VAL("timer_gettime", syscall(SYS_timer_gettime, id, &its));
    VAL("timer_getoverrun", syscall(SYS_timer_getoverrun, id));
    VAL("timer_delete", syscall(SYS_timer_delete, id));
    VAL("socket AF_UNIX SOCK_DGRAM", syscall(SYS_socket, AF_UNIX, SOCK_DGRAM, 0) >= 0 ? 0 : -1);
    int fds[] = {p[0], p[1], sv[0], sv[1], s, c, acc, c2, acc2, e, e1, ep, ep0, t, sf, sf0};
    for (unsigned i = 0; i < sizeof fds / sizeof fds[0]; i++)
        close(fds[i]);
}

static void exec_self(void)
{
    fflush(stdout);
    char self[256] = {0};
    OK("readlink /proc/self/exe", syscall(SYS_readlink, "/proc/self/exe", self, sizeof self - 1));
    char *argv[] = {"survey", "exec", NULL};
    VAL("execve", syscall(SYS_execve, self, argv, (char *[]){NULL}));
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "exec")) {
        printf("  execve: the new image runs\n");
        fflush(stdout);
        syscall(SYS_exit_group, 0);
    }
    files();
    memory();
    identity();
    scheduling_and_limits();
    signals();
    times_and_sleeps();
    processes();
    descriptors();
    printf("  calls made: %d\n", calls);
    exec_self();
    return 1;
}
