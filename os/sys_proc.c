/* sys_proc.c — process and thread system calls: exit, exit_group, fork,
 * vfork, clone, execve, wait4, getpid, gettid, getppid,
 * arch_prctl, set_tid_address, futex, sched_yield, prctl. */
#include "abi/osevent.h"
#include "errno.h"
#include "events.h"
#include "cred.h"
#include "exec.h"
#include "fdtable.h"
#include "procfs.h"
#include "kheap.h"
#include "memlayout.h"
#include "printf.h"
#include "proc.h"
#include "signal.h"
#include "string.h"
#include "syscall.h"
#include "timer.h"
#include "uaccess.h"
#include "x86.h"

#define CLONE_VM 0x00000100
#define CLONE_VFORK 0x00004000
#define CLONE_THREAD 0x00010000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID 0x01000000
#define WNOHANG 1
#define WUNTRACED 2
#define WCONTINUED 8
#define WALL_WCLONE 0xE0000000u /* __WALL, __WCLONE, __WNOTHREAD: accepted (threads are not waited for) */
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128   /* one process's futex: the same here (channels are physical addresses) */
#define FUTEX_CLOCK_REALTIME 256 /* FUTEX_WAIT_BITSET's deadline is on CLOCK_REALTIME */
#define FUTEX_CMD_MASK 0x7F /* strips FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME */
#define EXEC_ARGS_SIZE (64 * 1024)
#define EXEC_MAX_STRINGS 512

/* The kernel address of a futex word: the same word in any address space
 * (even after fork: COW is broken first) gives the same sleep channel. */
static const void *futex_channel(uint64_t uaddr)
{
    if (uaddr & 3)
        return 0;
    uint64_t pa = vma_user_page(current_proc()->mm, uaddr, true);
    return pa ? (const char *)p2v(pa) + (uaddr & (PAGE_SIZE - 1)) : 0;
}

static void clear_child_tid(struct thread *t)
{
    if (!t->clear_child_tid)
        return;
    uint32_t zero = 0;
    if (put_user(t->clear_child_tid, &zero, sizeof zero) == 0) {
        const void *chan = futex_channel(t->clear_child_tid);
        if (chan)
            wakeup_n(chan, 1); /* pthread_join waits on this word */
    }
}

long sys_exit(struct trapframe *tf)
{
    struct thread *t = current_thread();
    clear_child_tid(t);
    thread_exit((int)ARG0(tf));
}

long sys_exit_group(struct trapframe *tf)
{
    proc_exit(((int)ARG0(tf) & 0xFF) << 8);
}

static int copy_process_state(struct proc *child, struct proc *parent)
{
    if (fd_table_copy(child, parent))
        return -ENOMEM;
    cred_copy(child, parent);
    child->pgid = parent->pgid ? parent->pgid : parent->pid; /* the parent's group (process 1 leads its own) */
    child->umask = parent->umask;
    child->parent = parent;
    child->pgid = parent->pgid;
    child->sid = parent->sid;
    memcpy(child->name, parent->name, sizeof child->name);
    memcpy(child->exe, parent->exe, sizeof child->exe);
    memcpy(child->cwd, parent->cwd, sizeof child->cwd);
    memcpy(child->sig_actions, parent->sig_actions, sizeof child->sig_actions);
    return 0;
}

/* fork: a new process with a copy-on-write copy of the address space and
 * one thread that returns 0 from the same system call. */
static long fork_process(struct trapframe *tf, uint64_t child_stack)
{
    struct proc *parent = current_proc();
    struct proc *child = proc_alloc();
    if (!child)
        return -EAGAIN;
    child->mm = mm_clone(parent->mm);
    struct thread *t = child->mm ? thread_alloc(child) : 0;
    if (!t || copy_process_state(child, parent)) {
        if (t) {
            t->state = THREAD_UNUSED;
            fd_close_all(child);
        }
        if (child->mm)
            mm_free(child->mm);
        proc_free(child);
        return -EAGAIN; /* fork(2): "insufficient memory to allocate the needed kernel structures" is EAGAIN/ENOMEM */
    }
    *t->tf = *tf;
    t->tf->rax = 0;
    if (child_stack)
        t->tf->rsp = child_stack;
    t->fs_base = current_thread()->fs_base;
    t->sig_blocked = current_thread()->sig_blocked;
    t->altstack_sp = current_thread()->altstack_sp;
    t->altstack_size = current_thread()->altstack_size;
    thread_inherit_fpu(t);
    osev_report(OSEV_PROC_CREATE, child->pid, parent->pid, 0, 0, 0, 0, child->name);
    thread_make_runnable(t);
    return child->pid;
}

/* clone(CLONE_VM|CLONE_THREAD...): a new thread in this process, on the
 * stack and with the TLS the caller (pthread_create) prepared. */
static long clone_thread(struct trapframe *tf, uint64_t flags)
{
    struct proc *p = current_proc();
    struct thread *t = thread_alloc(p);
    if (!t)
        return -EAGAIN;
    *t->tf = *tf;
    t->tf->rax = 0;
    t->tf->rsp = ARG1(tf);
    t->fs_base = flags & CLONE_SETTLS ? ARG4(tf) : current_thread()->fs_base;
    t->sig_blocked = current_thread()->sig_blocked;
    thread_inherit_fpu(t);
    uint32_t tid = (uint32_t)t->tid;
    if ((flags & CLONE_PARENT_SETTID) && put_user(ARG2(tf), &tid, sizeof tid))
        goto fault;
    if ((flags & CLONE_CHILD_SETTID) && put_user(ARG3(tf), &tid, sizeof tid))
        goto fault;
    if (flags & CLONE_CHILD_CLEARTID)
        t->clear_child_tid = ARG3(tf);
    osev_report(OSEV_THREAD_CREATE, t->tid, p->pid, 0, 0, 0, 0, 0);
    thread_make_runnable(t);
    return t->tid;
fault:
    t->state = THREAD_UNUSED;
    p->nthreads--;
    return -EFAULT;
}

long sys_fork(struct trapframe *tf) { return fork_process(tf, 0); }

/* vfork is a fork: the copy-on-write copy gives the child what vfork
 * promises (it may only exec or _exit) without stopping the parent. */
long sys_vfork(struct trapframe *tf) { return fork_process(tf, 0); }

long sys_clone(struct trapframe *tf)
{
    uint64_t flags = ARG0(tf);
    if (flags & CLONE_THREAD) {
        if (!(flags & CLONE_VM) || !ARG1(tf))
            return -EINVAL;
        return clone_thread(tf, flags);
    }
    /* A new process; CLONE_VM without CLONE_THREAD (posix_spawn's
     * CLONE_VM|CLONE_VFORK) also gets a copy, which is all its child uses. */
    long pid = fork_process(tf, ARG1(tf));
    if (pid > 0 && (flags & CLONE_PARENT_SETTID)) {
        uint32_t p32 = (uint32_t)pid;
        put_user(ARG2(tf), &p32, sizeof p32);
    }
    return pid;
}

/* Copy a NULL-terminated array of user strings into buf. */
static long copy_string_array(uint64_t uarray, char **out, char *buf, uint64_t *used)
{
    long n = 0;
    for (; uarray; n++) {
        uint64_t ptr;
        if (n == EXEC_MAX_STRINGS)
            return -E2BIG;
        if (get_user(&ptr, uarray + (uint64_t)n * 8, 8))
            return -EFAULT;
        if (!ptr)
            break;
        long len = get_user_string(buf + *used, ptr, EXEC_ARGS_SIZE - *used);
        if (len < 0)
            return len == -ENAMETOOLONG ? -E2BIG : len;
        out[n] = buf + *used;
        *used += (uint64_t)len + 1;
    }
    return n;
}

static long exec_with_args(struct thread *t, const char *path, uint64_t uargv, uint64_t uenvp)
{
    char *buf = kheap_alloc(EXEC_ARGS_SIZE);
    char **argv = kheap_alloc(2 * EXEC_MAX_STRINGS * sizeof(char *));
    long ret = -ENOMEM;
    if (buf && argv) {
        char **envp = argv + EXEC_MAX_STRINGS;
        uint64_t used = 0;
        long argc = copy_string_array(uargv, argv, buf, &used);
        long envc = argc < 0 ? argc : copy_string_array(uenvp, envp, buf, &used);
        ret = argc < 0 ? argc : envc;
        if (ret >= 0)
            ret = exec(t, path, argv, (int)argc, envp, (int)envc);
    }
    if (buf)
        kheap_free(buf, EXEC_ARGS_SIZE);
    if (argv)
        kheap_free(argv, 2 * EXEC_MAX_STRINGS * sizeof(char *));
    return ret;
}

long sys_execve(struct trapframe *tf)
{
    char upath[FS_PATH_MAX], path[FS_PATH_MAX];
    long len = get_user_string(upath, ARG0(tf), sizeof upath);
    if (len < 0)
        return len;
    struct proc *p = current_proc();
    long err = fs_resolve(p->cwd, upath, path);
    for (int hops = 0; !err && hops < 8; hops++) {
        err = fs_follow(path); /* exec'ing a symbolic link runs what it names */
        char target[FS_PATH_MAX];
        bool missing;
        if (err || !procfs_link(path, target, sizeof target, &missing))
            break;
        strlcpy(path, target, sizeof path); /* /proc/self/exe: the running program */
    }
    if (err)
        return err;
    struct thread *t = current_thread();
    err = exec_with_args(t, path, ARG1(tf), ARG2(tf));
    if (err)
        return err;
    proc_end_other_threads(p);
    fd_close_on_exec(p);
    signal_reset_on_exec(p);
    t->clear_child_tid = 0;
    t->altstack_sp = t->altstack_size = 0;
    syscall_force_iret(); /* the new program starts with the registers exec set */
    return 0;
}

/* Which children a wait names: wait4's pid (> 0 one child, -1 any, 0 the
 * caller's group, < -1 the group -pid) or waitid's idtype and id. */
struct wait_target {
    enum { WAIT_ANY, WAIT_PID, WAIT_PGID } kind;
    int64_t id;
};

static bool wait_matches(const struct proc *c, struct wait_target w)
{
    switch (w.kind) {
    case WAIT_PID: return c->pid == w.id;
    case WAIT_PGID: return c->pgid == w.id;
    default: return true;
    }
}

static struct wait_target wait4_target(int64_t pid)
{
    struct proc *p = current_proc();
    if (pid > 0)
        return (struct wait_target){WAIT_PID, pid};
    if (pid == 0)
        return (struct wait_target){WAIT_PGID, p->pgid};
    if (pid < -1)
        return (struct wait_target){WAIT_PGID, -pid};
    return (struct wait_target){WAIT_ANY, 0};
}

/* What a wait reports: exits (wait4 always, waitid WEXITED), stops
 * (WUNTRACED = WSTOPPED) and continues (WCONTINUED), as wait(2). */
struct wait_wants {
    bool exits, stops, continues;
};

/* A child of parent named by w with something wanted to report. */
static struct proc *find_reportable_child(struct proc *parent, struct wait_target w, struct wait_wants want,
                                          bool *any_child)
{
    *any_child = false;
    for (int i = 0; i < proc_slots(); i++) {
        struct proc *c = proc_table(i);
        if (c->state == PROC_UNUSED || c->parent != parent || !wait_matches(c, w))
            continue;
        *any_child = true;
        if ((want.exits && c->state == PROC_ZOMBIE) || (want.stops && c->stop_report) ||
            (want.continues && c->continued_report))
            return c;
    }
    return 0;
}

/* Collect a zombie: its CPU time goes to the parent's children time. */
static void reap(struct proc *p, struct proc *c)
{
    p->children_cpu_ns += proc_cpu_ns(c) + c->children_cpu_ns;
    proc_free(c);
}

long sys_wait4(struct trapframe *tf)
{
    struct proc *p = current_proc();
    struct wait_target w = wait4_target((int32_t)ARG0(tf));
    uint64_t options = ARG2(tf);
    if (options & ~(uint64_t)(WNOHANG | WUNTRACED | WCONTINUED | WALL_WCLONE))
        return -EINVAL;
    struct wait_wants want = {true, options & WUNTRACED, options & WCONTINUED};
    for (;;) {
        bool any;
        struct proc *c = find_reportable_child(p, w, want, &any);
        if (c && c->state != PROC_ZOMBIE) {
            /* Stopped: 0x7f with the signal above it; continued: 0xffff
             * (WIFSTOPPED / WIFCONTINUED).  Each is reported once. */
            int status = c->stop_report && want.stops ? (c->stop_report << 8) | 0x7f : 0xffff;
            if (status == 0xffff)
                c->continued_report = false;
            else
                c->stop_report = 0;
            if (ARG1(tf) && put_user(ARG1(tf), &status, sizeof status))
                return -EFAULT;
            if (ARG3(tf) && put_rusage(ARG3(tf), proc_cpu_ns(c) + c->children_cpu_ns))
                return -EFAULT;
            return c->pid;
        }
        if (c) {
            int status = c->exit_status, cpid = c->pid;
            if (ARG1(tf) && put_user(ARG1(tf), &status, sizeof status))
                return -EFAULT;
            uint64_t child_cpu = proc_cpu_ns(c) + c->children_cpu_ns;
            if (ARG3(tf) && put_rusage(ARG3(tf), child_cpu))
                return -EFAULT;
            reap(p, c);
            return cpid;
        }
        if (!any)
            return -ECHILD;
        if (options & WNOHANG)
            return 0;
        if (signal_interrupted())
            return -ERESTARTSYS;
        sleep_on(p); /* proc_exit, a stop and a continue wake the parent */
    }
}

/* waitid(idtype, id, infop, options, rusage): like wait4, but the result
 * is a siginfo_t (si_signo SIGCHLD, si_code CLD_EXITED or CLD_KILLED,
 * si_pid, si_uid, si_status the exit code or the signal), WNOWAIT leaves
 * the child waitable, and the call returns 0.  With WNOHANG and no child
 * ready, the siginfo is zeroed (Linux's behaviour; POSIX leaves it open).
 * WSTOPPED and WCONTINUED report job-control stops and continues. */
#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define WSTOPPED WUNTRACED
#define WEXITED 4
#define WNOWAIT 0x01000000
#define WAIT_THREAD_OPTIONS 0xE0000000u /* __WNOTHREAD, __WALL, __WCLONE */
#define WAIT_OPTIONS (WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | WAIT_THREAD_OPTIONS)

long sys_waitid(struct trapframe *tf)
{
    struct proc *p = current_proc();
    uint64_t idtype = ARG0(tf), options = ARG3(tf);
    int64_t id = (int32_t)ARG1(tf);
    struct wait_target w = {WAIT_ANY, 0};
    bool valid = true;
    if (idtype == P_ALL)
        w = (struct wait_target){WAIT_ANY, 0};
    else if (idtype == P_PID && id > 0)
        w = (struct wait_target){WAIT_PID, id};
    else if (idtype == P_PGID && id >= 0)
        w = (struct wait_target){WAIT_PGID, id ? id : p->pgid};
    else
        valid = false;
    struct {
        int32_t signo, errno_, code, pad;
        int32_t pid, uid, status, pad2;
        uint8_t rest[96];
    } info;
    _Static_assert(sizeof info == 128, "siginfo_t");
    if (!valid || (options & ~(uint64_t)WAIT_OPTIONS) || !(options & (WEXITED | WSTOPPED | WCONTINUED))) {
        memset(&info, 0, sizeof info);
        return ARG2(tf) && put_user(ARG2(tf), &info, sizeof info) ? -EFAULT : -EINVAL;
    }
    long err;
    for (;;) {
        bool any;
        struct wait_wants want = {options & WEXITED, options & WSTOPPED, options & WCONTINUED};
        struct proc *c = find_reportable_child(p, w, want, &any);
        memset(&info, 0, sizeof info);
        if (c && c->state != PROC_ZOMBIE) {
            /* A stop (CLD_STOPPED, the signal) or a continue (CLD_CONTINUED,
             * SIGCONT); reported once unless WNOWAIT. */
            bool stop = want.stops && c->stop_report;
            info.signo = SIGCHLD;
            info.code = stop ? CLD_STOPPED : CLD_CONTINUED;
            info.status = stop ? c->stop_report : SIGCONT;
            info.pid = c->pid;
            info.uid = (int32_t)c->ruid;
            if (ARG2(tf) && put_user(ARG2(tf), &info, sizeof info))
                return -EFAULT;
            if (ARG4(tf) && put_rusage(ARG4(tf), proc_cpu_ns(c) + c->children_cpu_ns))
                return -EFAULT;
            if (!(options & WNOWAIT)) {
                if (stop)
                    c->stop_report = 0;
                else
                    c->continued_report = false;
            }
            return 0;
        }
        if (c) {
            int st = c->exit_status;
            info.signo = SIGCHLD;
            info.code = (st & 0x7F) ? CLD_KILLED : CLD_EXITED;
            info.status = (st & 0x7F) ? st & 0x7F : (st >> 8) & 0xFF;
            info.pid = c->pid;
            info.uid = (int32_t)c->ruid;
            uint64_t child_cpu = proc_cpu_ns(c) + c->children_cpu_ns;
            if (ARG2(tf) && put_user(ARG2(tf), &info, sizeof info))
                return -EFAULT;
            if (ARG4(tf) && put_rusage(ARG4(tf), child_cpu))
                return -EFAULT;
            if (!(options & WNOWAIT))
                reap(p, c);
            return 0;
        }
        if (!any || (options & WNOHANG)) {
            err = any ? 0 : -ECHILD;
            break;
        }
        if (signal_interrupted())
            return -ERESTARTSYS;
        sleep_on(p);
    }
    /* Linux writes the (zeroed) siginfo whenever no child was collected. */
    return ARG2(tf) && put_user(ARG2(tf), &info, sizeof info) ? -EFAULT : err;
}

long sys_getpid(struct trapframe *tf)
{
    (void)tf;
    return current_proc()->pid;
}

long sys_gettid(struct trapframe *tf)
{
    (void)tf;
    return current_thread()->tid;
}

long sys_getppid(struct trapframe *tf)
{
    (void)tf;
    struct proc *p = current_proc();
    if (p->parent)
        return p->parent->pid;
    return p->pid == 1 ? 0 : 1; /* an orphan counts as adopted by process 1, as on Linux */
}

/* arch_prctl(ARCH_SET_FS, addr): the thread pointer.  %fs-relative loads
 * (TLS, the stack-protector canary at %fs:0x28) use IA32_FS_BASE. */
long sys_arch_prctl(struct trapframe *tf)
{
    struct thread *t = current_thread();
    switch (ARG0(tf)) {
    case ARCH_SET_FS:
        if (ARG1(tf) >= USER_END)
            return -EPERM;
        t->fs_base = ARG1(tf);
        wrmsr(MSR_FS_BASE, t->fs_base);
        return 0;
    case ARCH_GET_FS:
        return put_user(ARG1(tf), &t->fs_base, sizeof t->fs_base);
    default:
        return -EINVAL;
    }
}

long sys_set_tid_address(struct trapframe *tf)
{
    struct thread *t = current_thread();
    t->clear_child_tid = ARG0(tf);
    return t->tid;
}

/* The deadline of a futex wait as virtual time since boot (0 = none), or
 * -errno.  futex(2): FUTEX_WAIT's timeout is relative, measured on
 * CLOCK_MONOTONIC; FUTEX_WAIT_BITSET's is an absolute time on
 * CLOCK_MONOTONIC, or on CLOCK_REALTIME with FUTEX_CLOCK_REALTIME (what
 * glibc's pthread_cond_timedwait and sem_timedwait pass).  A bad timespec
 * is EINVAL before the futex word is even looked at, as on Linux. */
static int64_t futex_deadline(uint64_t utimeout, uint32_t cmd, bool realtime)
{
    if (!utimeout)
        return 0;
    int64_t ts[2];
    if (get_user(ts, utimeout, sizeof ts))
        return -EFAULT;
    if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
        return -EINVAL;
    if (ts[0] > INT64_MAX / 2000000000) /* centuries away: as good as never */
        return 0;
    int64_t ns = ts[0] * 1000000000 + ts[1];
    uint64_t deadline = cmd == FUTEX_WAIT ? timer_ns() + (uint64_t)ns
                        : realtime        ? timer_from_realtime(ns)
                                          : (uint64_t)ns;
    return deadline ? (int64_t)deadline : 1; /* 0 means none: the boot instant is long past anyway */
}

static long futex_wait(uint64_t uaddr, uint32_t expected, uint64_t deadline)
{
    const void *chan = futex_channel(uaddr);
    uint32_t value;
    if (!chan || get_user(&value, uaddr, sizeof value))
        return -EFAULT;
    if (value != expected)
        return -EAGAIN;
    if (deadline && deadline <= timer_ns())
        return -ETIMEDOUT; /* already past: no sleep at all */
    sleep_until(chan, deadline);
    if (deadline && timer_ns() >= deadline)
        return -ETIMEDOUT;
    return signal_interrupted() ? -ERESTARTSYS : 0; /* a restart re-checks the word */
}

long sys_futex(struct trapframe *tf)
{
    uint64_t uaddr = ARG0(tf);
    uint32_t op = (uint32_t)ARG1(tf), cmd = op & FUTEX_CMD_MASK;
    bool realtime = op & FUTEX_CLOCK_REALTIME;
    if (realtime && cmd != FUTEX_WAIT_BITSET)
        return -ENOSYS; /* Linux allows the flag only on the absolute waits */
    switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
        int64_t deadline = futex_deadline(ARG3(tf), cmd, realtime);
        if (deadline < 0)
            return deadline;
        if (cmd == FUTEX_WAIT_BITSET && (uint32_t)ARG5(tf) == 0)
            return -EINVAL; /* an empty bitset matches no wake */
        return futex_wait(uaddr, (uint32_t)ARG2(tf), (uint64_t)deadline);
    }
    case FUTEX_WAKE_BITSET:
        if ((uint32_t)ARG5(tf) == 0)
            return -EINVAL;
        __attribute__((fallthrough)); /* every waiter here matches any bitset */
    case FUTEX_WAKE: {
        const void *chan = futex_channel(uaddr);
        if (!chan)
            return -EFAULT;
        return wakeup_n(chan, (int)(ARG2(tf) > MAX_THREADS ? MAX_THREADS : ARG2(tf)));
    }
    default:
        return -ENOSYS;
    }
}

long sys_sched_yield(struct trapframe *tf)
{
    (void)tf;
    yield();
    return 0;
}

long sys_prctl(struct trapframe *tf)
{
    struct proc *p = current_proc();
    char name[PROC_NAME_MAX];
    switch (ARG0(tf)) {
    case PR_SET_NAME: {
        long len = get_user_string(name, ARG1(tf), sizeof name);
        if (len == -EFAULT)
            return -EFAULT;
        name[sizeof name - 1] = 0;
        memcpy(p->name, name, sizeof name);
        return 0;
    }
    case PR_GET_NAME:
        return put_user(ARG1(tf), p->name, sizeof p->name);
    default:
        return -EINVAL;
    }
}
