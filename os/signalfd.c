/* signalfd.c — taking blocked signals synchronously: signalfd/signalfd4
 * (read returns one struct signalfd_siginfo per pending signal of its
 * mask).  rt_sigtimedwait (sigwaitinfo, sigtimedwait) is in signal.c.
 *
 * The signals must be blocked, so their arrival wakes only a thread that
 * says it waits for them (thread.sig_waiting, as rt_sigtimedwait does): a
 * reader does; a poller of a signalfd looks again on every timer tick. */
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

/* The lowest pending signal of the current thread in mask, taken off the
 * pending set, as struct signalfd_siginfo (Linux's signalfd_copyinfo:
 * the fields that the signal's siginfo_t carries); 0 if none. */
static int take_signal(uint64_t mask, struct signalfd_siginfo *info)
{
    struct thread *t = current_thread();
    uint64_t ready = t->sig_pending & mask;
    if (!ready)
        return 0;
    int sig = __builtin_ctzll(ready) + 1;
    t->sig_pending &= ~sigbit(sig);
    const uint64_t *fields = t->sig_info[sig - 1].fields; /* siginfo_t bytes 16-39 */
    memset(info, 0, sizeof *info);
    info->signo = (uint32_t)sig;
    info->code = t->sig_info[sig - 1].code;
    if (info->code == SI_TIMER) { /* si_timerid, si_overrun, si_value */
        info->tid = (uint32_t)fields[0];
        info->overrun = (uint32_t)(fields[0] >> 32);
        info->ptr = fields[1];
        info->int_ = (int32_t)fields[1];
    } else if (info->code > 0 && (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP) &&
               info->code != SI_KERNEL) {
        info->addr = fields[0]; /* si_addr */
    } else { /* si_pid, si_uid, then si_status (SIGCHLD) or si_value (sigqueue) */
        info->pid = (uint32_t)fields[0];
        info->uid = (uint32_t)(fields[0] >> 32);
        info->status = (int32_t)fields[1];
        info->ptr = fields[1];
        info->int_ = (int32_t)fields[1];
    }
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

static long signalfd_read(struct file *f, struct user_buf *u)
{
    struct signalfd *s = f->priv;
    if (u->left < sizeof(struct signalfd_siginfo))
        return -EINVAL;
    long done = 0;
    while (u->left >= sizeof(struct signalfd_siginfo)) {
        struct signalfd_siginfo info;
        int sig = take_signal(s->mask, &info);
        if (!sig) {
            if (done)
                break;
            if (file_nonblocking(f))
                return -EAGAIN;
            if (signal_interrupted())
                return -ERESTARTSYS;
            current_thread()->sig_waiting = s->mask;
            file_sleep(f, f, next_look(0));
            current_thread()->sig_waiting = 0;
            continue;
        }
        if (user_buf_out(u, &info, sizeof info))
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
