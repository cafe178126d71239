/* sys_info.c — system calls about the machine, time, identity, limits and
 * signals: uname, clock_gettime, gettimeofday, time, nanosleep,
 * clock_nanosleep, getrandom, prlimit64/getrlimit, getuid & co.,
 * sysinfo, getrusage, sched_getaffinity, clock_getres.
 *
 * Time is virtual: it advances with the instructions the machine runs
 * (the PIT tick, timer.c), never with the host clock, so a run repeats
 * exactly.  There is no vDSO: time() and gettimeofday() are real calls.
 */
#include "errno.h"
#include "memlayout.h"
#include "proc.h"
#include "signal.h"
#include "string.h"
#include "syscall.h"
#include "timer.h"
#include "uaccess.h"
#include "random.h"
#include "frame.h"
#include "swap.h"

#define PIT_INPUT_HZ 1193182

struct utsname {
    char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

long sys_uname(struct trapframe *tf)
{
    struct utsname u;
    memset(&u, 0, sizeof u);
    strlcpy(u.sysname, "Linux", sizeof u.sysname); /* what programs test for; the kernel is ringscope's */
    strlcpy(u.nodename, "ringscope", sizeof u.nodename);
    strlcpy(u.release, "6.1.0-ringscope", sizeof u.release);
    strlcpy(u.version, "#1 ringscope guest kernel", sizeof u.version);
    strlcpy(u.machine, "x86_64", sizeof u.machine);
    return put_user(ARG0(tf), &u, sizeof u);
}

struct timespec64 {
    int64_t sec, nsec;
};

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7

static int64_t clock_ns(int clock)
{
    if (clock == CLOCK_PROCESS_CPUTIME_ID)
        return (int64_t)proc_cpu_ns(current_proc());
    if (clock == CLOCK_THREAD_CPUTIME_ID)
        return (int64_t)thread_cpu_ns(current_thread());
    if (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)
        return timer_realtime_ns();
    return (int64_t)timer_ns();
}

long sys_clock_gettime(struct trapframe *tf)
{
    int clock = (int)ARG0(tf);
    if (clock < 0 || clock > CLOCK_BOOTTIME)
        return -EINVAL;
    int64_t ns = clock_ns(clock);
    struct timespec64 ts = {ns / 1000000000, ns % 1000000000};
    return put_user(ARG1(tf), &ts, sizeof ts);
}

/* clock_settime: the virtual clock runs from the instruction count and
 * cannot be set (EPERM, as Linux answers a caller without CAP_SYS_TIME);
 * clocks that no one can set are EINVAL. */
long sys_clock_settime(struct trapframe *tf)
{
    int clock = (int)ARG0(tf);
    int64_t ts[2];
    if (clock != CLOCK_REALTIME)
        return -EINVAL;
    if (get_user(ts, ARG1(tf), sizeof ts))
        return -EFAULT;
    if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
        return -EINVAL;
    return -EPERM;
}

/* adjtimex(buf) with modes 0: a query of the clock's state (struct timex,
 * 208 bytes): synchronized (TIME_OK), no offset, the time now. */
struct timex64 {
    uint32_t modes, pad0;
    int64_t offset, freq, maxerror, esterror;
    int32_t status, pad1;
    int64_t constant, precision, tolerance;
    int64_t time_sec, time_usec;
    int64_t tick, ppsfreq, jitter;
    int32_t shift, pad2;
    int64_t stabil, jitcnt, calcnt, errcnt, stbcnt;
    int32_t tai;
    int32_t reserved[11];
};
_Static_assert(sizeof(struct timex64) == 208, "struct timex layout");
#define TIME_OK 0

long sys_adjtimex(struct trapframe *tf)
{
    struct timex64 t;
    if (get_user(&t, ARG0(tf), sizeof t))
        return -EFAULT;
    if (t.modes)
        return -EPERM;
    int64_t ns = clock_ns(CLOCK_REALTIME);
    memset(&t, 0, sizeof t);
    t.time_sec = ns / 1000000000;
    t.time_usec = ns % 1000000000 / 1000;
    t.tick = 1000000 / TIMER_HZ;
    t.precision = 1;
    t.maxerror = t.esterror = 0;
    return put_user(ARG0(tf), &t, sizeof t) ? -EFAULT : TIME_OK;
}

long sys_gettimeofday(struct trapframe *tf)
{
    int64_t ns = clock_ns(CLOCK_REALTIME);
    int64_t tv[2] = {ns / 1000000000, ns % 1000000000 / 1000};
    if (ARG0(tf))
        return put_user(ARG0(tf), tv, sizeof tv);
    return 0;
}

long sys_time(struct trapframe *tf)
{
    int64_t sec = clock_ns(CLOCK_REALTIME) / 1000000000;
    if (ARG0(tf) && put_user(ARG0(tf), &sec, sizeof sec))
        return -EFAULT;
    return sec;
}

/* Sleep until a virtual deadline; the timer tick wakes the thread. */
static const char sleeping; /* a channel nobody wakes: only the deadline ends the sleep */

static long sleep_ns(uint64_t deadline)
{
    while (timer_ns() < deadline) {
        if (signal_interrupted())
            return -EINTR;
        sleep_until(&sleeping, deadline);
    }
    return 0;
}

static long read_timespec(uint64_t uaddr, int64_t *ns)
{
    struct timespec64 ts;
    if (get_user(&ts, uaddr, sizeof ts))
        return -EFAULT;
    if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
        return -EINVAL;
    *ns = ts.sec > (INT64_MAX / 1000000000 - 1) ? INT64_MAX / 2 : ts.sec * 1000000000 + ts.nsec;
    return 0;
}

/* A relative sleep; if a signal ends it early, the time left goes to
 * *urem (when given) and the call fails with EINTR. */
static long sleep_relative(int64_t ns, uint64_t urem)
{
    uint64_t deadline = timer_ns() + (uint64_t)ns;
    long ret = sleep_ns(deadline);
    if (ret == -EINTR && urem) {
        uint64_t now = timer_ns(), left = deadline > now ? deadline - now : 0;
        struct timespec64 rem = {(int64_t)(left / 1000000000), (int64_t)(left % 1000000000)};
        if (put_user(urem, &rem, sizeof rem))
            return -EFAULT;
    }
    return ret;
}

long sys_nanosleep(struct trapframe *tf)
{
    int64_t ns;
    long err = read_timespec(ARG0(tf), &ns);
    return err ? err : sleep_relative(ns, ARG1(tf));
}

#define TIMER_ABSTIME 1

/* clock_nanosleep(clock, flags, request, remain): like every call it
 * returns -errno (libc turns that into the positive error it returns). */
long sys_clock_nanosleep(struct trapframe *tf)
{
    int clock = (int)ARG0(tf);
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME)
        return -EINVAL;
    int64_t ns;
    long err = read_timespec(ARG2(tf), &ns);
    if (err)
        return err;
    if (ARG1(tf) & TIMER_ABSTIME) /* a deadline on that clock, as virtual time since boot */
        return sleep_ns(clock == CLOCK_REALTIME ? timer_from_realtime(ns) : (uint64_t)ns);
    return sleep_relative(ns, ARG3(tf));
}

long sys_clock_getres(struct trapframe *tf)
{
    int clock = (int)ARG0(tf);
    if (clock < 0 || clock > CLOCK_BOOTTIME)
        return -EINVAL;
    struct timespec64 res = {0, 1000000000 / PIT_INPUT_HZ + 1}; /* one PIT clock, 838 ns */
    return ARG1(tf) ? put_user(ARG1(tf), &res, sizeof res) : 0;
}

/* Deterministic bytes (random.c): the same run, the same "randomness".
 * All the bytes asked for, as Linux's getrandom gives once its pool is
 * ready (a pending signal may cut a long read short, after the first
 * page); flags other than GRND_NONBLOCK, GRND_RANDOM and GRND_INSECURE
 * are EINVAL, and so is GRND_RANDOM together with GRND_INSECURE. */
#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4
#define GETRANDOM_MAX 0x7ffff000ull /* MAX_RW_COUNT */
long sys_getrandom(struct trapframe *tf)
{
    uint64_t flags = ARG2(tf), len = ARG1(tf), done = 0;
    if ((flags & ~(uint64_t)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) ||
        (flags & (GRND_RANDOM | GRND_INSECURE)) == (GRND_RANDOM | GRND_INSECURE))
        return -EINVAL;
    if (len > GETRANDOM_MAX)
        len = GETRANDOM_MAX;
    uint8_t buf[256];
    while (done < len) {
        uint64_t n = len - done < sizeof buf ? len - done : sizeof buf;
        if (done >= PAGE_SIZE && signal_interrupted())
            break;
        random_fill(buf, n);
        if (put_user(ARG0(tf) + done, buf, n))
            return done ? (long)done : -EFAULT;
        done += n;
    }
    return (long)done;
}

struct rlimit64 {
    uint64_t cur, max;
};
#define RLIM_INFINITY (~0ull)
#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define RLIMIT_NLIMITS 16

static struct rlimit64 limit_of(const struct proc *p, unsigned resource)
{
    if (resource == RLIMIT_STACK)
        return (struct rlimit64){USER_STACK_SIZE, RLIM_INFINITY};
    if (resource == RLIMIT_NOFILE)
        return (struct rlimit64){p->nofile_cur, p->nofile_max};
    return (struct rlimit64){RLIM_INFINITY, RLIM_INFINITY};
}

/* A new limit: RLIMIT_NOFILE is kept per process (the descriptor table
 * grows up to it, EMFILE beyond); the others are accepted and ignored. */
static long set_limit(struct proc *p, unsigned resource, uint64_t unew)
{
    struct rlimit64 r;
    if (get_user(&r, unew, sizeof r))
        return -EFAULT;
    if (r.cur > r.max)
        return -EINVAL;
    if (resource != RLIMIT_NOFILE)
        return 0;
    if (r.max > NOFILE_MAX || (r.max > p->nofile_max && p->euid != 0))
        return -EPERM; /* Linux's ceiling is nr_open; this kernel's is NOFILE_MAX */
    p->nofile_cur = r.cur;
    p->nofile_max = r.max;
    return 0;
}

/* prlimit64(pid, resource, new, old): pid 0 is the caller. */
long sys_prlimit64(struct trapframe *tf)
{
    if (ARG1(tf) >= RLIMIT_NLIMITS)
        return -EINVAL;
    struct proc *p = current_proc();
    int64_t pid = (int32_t)ARG0(tf);
    if (pid != 0 && pid != p->pid) {
        p = 0;
        for (int i = 0; i < proc_slots() && !p; i++)
            if (proc_table(i)->state == PROC_ALIVE && proc_table(i)->pid == pid)
                p = proc_table(i);
        if (!p)
            return -ESRCH;
    }
    struct rlimit64 old = limit_of(p, (unsigned)ARG1(tf));
    if (ARG2(tf)) {
        long err = set_limit(p, (unsigned)ARG1(tf), ARG2(tf));
        if (err)
            return err;
    }
    if (ARG3(tf) && put_user(ARG3(tf), &old, sizeof old))
        return -EFAULT;
    return 0;
}

long sys_getrlimit(struct trapframe *tf)
{
    if (ARG0(tf) >= RLIMIT_NLIMITS)
        return -EINVAL;
    struct rlimit64 r = limit_of(current_proc(), (unsigned)ARG0(tf));
    return put_user(ARG1(tf), &r, sizeof r);
}

long sys_setrlimit(struct trapframe *tf)
{
    if (ARG0(tf) >= RLIMIT_NLIMITS)
        return -EINVAL;
    return set_limit(current_proc(), (unsigned)ARG0(tf), ARG1(tf));
}

/* sysinfo: uptime, RAM and processes as this kernel sees them. */
struct sysinfo64 {
    int64_t uptime;
    uint64_t loads[3];
    uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    uint16_t procs, pad;
    uint32_t pad2;
    uint64_t totalhigh, freehigh;
    uint32_t mem_unit;
    char reserved[4];
};
_Static_assert(sizeof(struct sysinfo64) == 112, "struct sysinfo layout");

long sys_sysinfo(struct trapframe *tf)
{
    struct sysinfo64 si;
    memset(&si, 0, sizeof si);
    si.uptime = (int64_t)(timer_ns() / 1000000000);
    si.totalram = frames_total_count() * PAGE_SIZE;
    si.freeram = frames_free_count() * PAGE_SIZE;
    si.totalswap = swap_total_slots() * PAGE_SIZE;
    si.freeswap = swap_free_slots() * PAGE_SIZE;
    for (int i = 0; i < proc_slots(); i++)
        si.procs += proc_table(i)->state == PROC_ALIVE;
    si.mem_unit = 1;
    return put_user(ARG0(tf), &si, sizeof si);
}

/* struct rusage: the CPU time as ru_utime (user and kernel time are not
 * told apart: all of it counts as user time); the other fields are 0. */
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_SELF 0
#define RUSAGE_THREAD 1

long put_rusage(uint64_t uaddr, uint64_t cpu_ns)
{
    int64_t ru[18];
    memset(ru, 0, sizeof ru);
    ru[0] = (int64_t)(cpu_ns / 1000000000);
    ru[1] = (int64_t)(cpu_ns % 1000000000 / 1000);
    return put_user(uaddr, ru, sizeof ru) ? -EFAULT : 0;
}

long sys_getrusage(struct trapframe *tf)
{
    struct proc *p = current_proc();
    switch ((int64_t)(int32_t)ARG0(tf)) {
    case RUSAGE_SELF: return put_rusage(ARG1(tf), proc_cpu_ns(p));
    case RUSAGE_THREAD: return put_rusage(ARG1(tf), thread_cpu_ns(current_thread()));
    case RUSAGE_CHILDREN: return put_rusage(ARG1(tf), p->children_cpu_ns);
    default: return -EINVAL;
    }
}

/* times: CPU times in clock ticks (AT_CLKTCK = 100 per second); returns
 * the ticks since boot. */
long sys_times(struct trapframe *tf)
{
    struct proc *p = current_proc();
    uint64_t tms[4] = {proc_cpu_ns(p) / 10000000, 0, p->children_cpu_ns / 10000000, 0};
    if (ARG0(tf) && put_user(ARG0(tf), tms, sizeof tms))
        return -EFAULT;
    return (long)(timer_ns() / 10000000);
}

/* sched_getaffinity: one CPU. */
long sys_sched_getaffinity(struct trapframe *tf)
{
    uint64_t mask = 1;
    if (ARG1(tf) < sizeof mask)
        return -EINVAL;
    return put_user(ARG2(tf), &mask, sizeof mask) ? -EFAULT : (long)sizeof mask;
}

/* Process groups and sessions (credentials(7)): a job is a process group,
 * a login is a session; the terminal (tty.c) signals its foreground group.
 * Process 1 starts in session 0 (the one outside the machine), in group 0
 * or, at a terminal, its own (main.c); fork copies both. */
static struct proc *find_alive(int64_t pid)
{
    if (pid == 0)
        return current_proc();
    for (int i = 0; i < proc_slots(); i++) {
        struct proc *p = proc_table(i);
        if (p->state == PROC_ALIVE && p->pid == pid)
            return p;
    }
    return 0;
}

long sys_getpgid(struct trapframe *tf)
{
    struct proc *p = find_alive((int32_t)ARG0(tf));
    return p ? p->pgid : -ESRCH;
}

long sys_getpgrp(struct trapframe *tf)
{
    (void)tf;
    return current_proc()->pgid;
}

long sys_getsid(struct trapframe *tf)
{
    struct proc *p = find_alive((int32_t)ARG0(tf));
    return p ? p->sid : -ESRCH;
}

/* setpgid(pid, pgid): the caller or one of its children, not a session
 * leader, into a group of its own session (or a new one named after it). */
long sys_setpgid(struct trapframe *tf)
{
    int64_t pid = (int32_t)ARG0(tf), pgid = (int32_t)ARG1(tf);
    struct proc *self = current_proc();
    if (pgid < 0)
        return -EINVAL;
    struct proc *p = find_alive(pid);
    if (!p || (p != self && p->parent != self))
        return -ESRCH;
    if (p->sid == p->pid || p->sid != self->sid)
        return -EPERM;
    if (pgid == 0)
        pgid = p->pid;
    if (pgid != p->pid) {
        bool exists = false;
        for (int i = 0; i < proc_slots() && !exists; i++) {
            struct proc *q = proc_table(i);
            exists = q->state == PROC_ALIVE && q->pgid == pgid && q->sid == self->sid;
        }
        if (!exists)
            return -EPERM;
    }
    p->pgid = (int)pgid;
    return 0;
}

/* setsid: a new session and group led by the caller, unless it already
 * leads a group (EPERM). */
long sys_setsid(struct trapframe *tf)
{
    (void)tf;
    struct proc *self = current_proc();
    for (int i = 0; i < proc_slots(); i++) {
        struct proc *q = proc_table(i);
        if (q->state == PROC_ALIVE && q->pgid == self->pid)
            return -EPERM;
    }
    self->sid = self->pgid = self->pid;
    return self->sid;
}

/* getpriority: every process runs at nice 0 (the system call returns
 * 20 - nice); setpriority is accepted and ignored (one run queue). */
long sys_getpriority(struct trapframe *tf)
{
    (void)tf;
    return 20;
}

long sys_getcpu(struct trapframe *tf)
{
    uint32_t zero = 0;
    if (ARG0(tf) && put_user(ARG0(tf), &zero, sizeof zero))
        return -EFAULT;
    if (ARG1(tf) && put_user(ARG1(tf), &zero, sizeof zero))
        return -EFAULT;
    return 0;
}

/* Calls with nothing to do here, that succeed: setpriority,
 * sched_setaffinity, fadvise64, flock, sync, syncfs, the chown family (all
 * files belong to root). */
long sys_nothing_to_do(struct trapframe *tf)
{
    (void)tf;
    return 0;
}


