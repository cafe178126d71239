/* signalfd.c — taking blocked signals synchronously: signalfd/signalfd4
 * (read returns one struct signalfd_siginfo per pending signal of its
 * mask) and rt_sigtimedwait (sigwaitinfo, sigtimedwait, sigwait).
 *
 * The signals must be blocked, so their arrival wakes nobody
 * (signal_send_thread wakes only for deliverable signals): a waiting
 * reader, and a poller of a signalfd, look again on every timer tick. */
#include "fileops.h"
#include "itimerspec.h"
#include "kheap.h"
#include "proc.h"
#include "signal.h"
#include "string.h"
#include "syscall.h"

#define SFD_CLOEXEC O_CLOEXEC
#define SFD_NONBLOCK O_NONBLOCK
#define SIGSTOP_BIT (1ull << (19 - 1))
#define SIGKILL_BIT (1ull << (9 - 1))

/* struct signalfd_siginfo (linux/signalfd.h), 128 bytes */
struct signalfd_siginfo {
    uint32_t signo;
    int32_t errno_, code;
    uint32_t pid, uid;
    int32_t fd;
    uint32_t tid, band, overrun, trapno;
    int32_t status, int_;
    uint64_t ptr, utime, stime, addr;
    uint16_t addr_lsb;
    uint8_t pad[46];
};
_Static_assert(sizeof(struct signalfd_siginfo) == 128, "signalfd_siginfo");

/* siginfo_t as rt_sigtimedwait writes it (si_signo, si_errno, si_code, then
 * the union: pid/uid for kill, tid/overrun/value for timers). */
struct siginfo_k {
    int32_t signo, errno_, code, pad;
    union {
        struct { int32_t pid, uid; } kill;
        struct { int32_t tid, overrun; uint64_t value; } timer;
        uint8_t bytes[112];
    };
};
_Static_assert(sizeof(struct siginfo_k) == 128, "siginfo_t");

/* The lowest pending signal of the current thread in mask, taken off the
 * pending set (0 if none), with its si_code, sender (or timer id), value and overrun. */
static int take_signal(uint64_t mask, int32_t *code, int32_t *pid, uint64_t *value, int32_t *overrun)
{
    struct thread *t = current_thread();
    uint64_t ready = t->sig_pending & mask;
    if (!ready)
        return 0;
    int sig = __builtin_ctzll(ready) + 1;
    t->sig_pending &= ~sigbit(sig);
    *code = t->sig_info[sig - 1].code;
    *pid = t->sig_info[sig - 1].pid;
    *value = t->sig_info[sig - 1].addr;
    *overrun = t->sig_info[sig - 1].overrun;
    return sig;
}

static uint64_t next_look(uint64_t deadline)
{
    uint64_t next_tick = timer_tick_ns() + NS_PER_S / TIMER_HZ;
    return deadline && deadline < next_tick ? deadline : next_tick;
}

struct signalfd {
    uint64_t mask;
};

static long signalfd_read(struct file *f, struct uio *u)
{
    struct signalfd *s = f->priv;
    if (u->resid < sizeof(struct signalfd_siginfo))
        return -EINVAL;
    long done = 0;
    while (u->resid >= sizeof(struct signalfd_siginfo)) {
        int32_t code, pid, overrun;
        uint64_t value;
        int sig = take_signal(s->mask, &code, &pid, &value, &overrun);
        if (!sig) {
            if (done)
                break;
            if (file_nonblocking(f))
                return -EAGAIN;
            if (signal_interrupted())
                return -ERESTARTSYS;
            file_sleep(f, f, next_look(0));
            continue;
        }
        struct signalfd_siginfo info;
        memset(&info, 0, sizeof info);
        info.signo = (uint32_t)sig;
        info.code = code;
        if (code == SI_TIMER) {
            info.tid = (uint32_t)pid;
            info.overrun = (uint32_t)overrun;
            info.ptr = value;
            info.int_ = (int32_t)value;
        } else {
            info.pid = (uint32_t)pid;
        }
        if (uio_copy_out(u, &info, sizeof info) != sizeof info)
            return done ? done : -EFAULT;
        done += (long)sizeof info;
    }
    return done;
}

static unsigned signalfd_poll(struct file *f)
{
    struct signalfd *s = f->priv;
    return current_thread()->sig_pending & s->mask ? POLLIN : 0;
}

static void signalfd_release(struct file *f) { kheap_free(f->priv, sizeof(struct signalfd)); }

static const struct file_ops signalfd_ops = {
    .name = "signalfd",
    .stat_mode = 0600,
    .read = signalfd_read,
    .poll = signalfd_poll,
    .release = signalfd_release,
    .polled_each_tick = 1,
};

static long do_signalfd(int64_t fd, uint64_t umask, uint64_t size, uint64_t flags)
{
    uint64_t mask;
    if (size != sizeof mask || (flags & ~(uint64_t)(SFD_CLOEXEC | SFD_NONBLOCK)))
        return -EINVAL;
    if (get_user(&mask, umask, sizeof mask))
        return -EFAULT;
    mask &= ~(SIGKILL_BIT | SIGSTOP_BIT); /* silently ignored, as on Linux */
    if (fd != -1) {
        struct file *f = fd >= 0 ? fd_file((uint64_t)fd) : 0;
        if (!f)
            return -EBADF;
        if (f->kind != FILE_OPS || f->ops != &signalfd_ops)
            return -EINVAL;
        ((struct signalfd *)f->priv)->mask = mask;
        return fd;
    }
    struct signalfd *s = kheap_alloc(sizeof *s);
    if (!s)
        return -ENOMEM;
    s->mask = mask;
    struct file *f = file_new(&signalfd_ops, s, O_RDWR | (flags & SFD_NONBLOCK));
    if (!f) {
        kheap_free(s, sizeof *s);
        return -ENFILE;
    }
    int nfd = fd_install(f, 0, flags & SFD_CLOEXEC);
    if (nfd < 0)
        file_close(f);
    return nfd;
}

long sys_signalfd(struct trapframe *tf) { return do_signalfd((int32_t)ARG0(tf), ARG1(tf), ARG2(tf), 0); }
long sys_signalfd4(struct trapframe *tf) { return do_signalfd((int32_t)ARG0(tf), ARG1(tf), ARG2(tf), ARG3(tf)); }

/* rt_sigtimedwait(set, info, timeout, sigsetsize): the signal number, or
 * EAGAIN when the timeout passes, EINTR when another signal is delivered. */
long sys_rt_sigtimedwait(struct trapframe *tf)
{
    uint64_t set;
    if (ARG3(tf) != sizeof set)
        return -EINVAL;
    if (get_user(&set, ARG0(tf), sizeof set))
        return -EFAULT;
    set &= ~(SIGKILL_BIT | SIGSTOP_BIT);
    uint64_t deadline = 0;
    bool poll_only = false;
    if (ARG2(tf)) {
        int64_t ts[2];
        if (get_user(ts, ARG2(tf), sizeof ts))
            return -EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (int64_t)NS_PER_S)
            return -EINVAL;
        uint64_t ns = (uint64_t)ts[0] * NS_PER_S + (uint64_t)ts[1];
        poll_only = ns == 0;
        deadline = timer_ns() + ns;
    }
    static const char waiting;
    for (;;) {
        int32_t code, pid, overrun;
        uint64_t value;
        int sig = take_signal(set, &code, &pid, &value, &overrun);
        if (sig) {
            if (ARG1(tf)) {
                struct siginfo_k info;
                memset(&info, 0, sizeof info);
                info.signo = sig;
                info.code = code;
                if (code == SI_TIMER) {
                    info.timer.tid = pid;
                    info.timer.overrun = overrun;
                    info.timer.value = value;
                } else {
                    info.kill.pid = pid;
                }
                if (put_user(ARG1(tf), &info, sizeof info))
                    return -EFAULT;
            }
            return sig;
        }
        if (poll_only || (deadline && timer_ns() >= deadline))
            return -EAGAIN;
        if (signal_interrupted())
            return -EINTR;
        sleep_until(&waiting, next_look(deadline));
    }
}
