/* timerfd.c — timerfd_create/settime/gettime (timerfd_create(2)): a timer
 * whose expirations are read from a descriptor as a uint64_t count.
 * CLOCK_MONOTONIC/BOOTTIME/REALTIME, relative or absolute (TFD_TIMER_ABSTIME),
 * one-shot or periodic; the clock is virtual time (timer.c), and a ktimer
 * wakes readers and pollers when an expiry comes. */
#include "fileops.h"
#include "itimerspec.h"
#include "kheap.h"
#include "ktimer.h"
#include "proc.h"
#include "signal.h"
#include "syscall.h"

#define TFD_CLOEXEC O_CLOEXEC
#define TFD_NONBLOCK O_NONBLOCK
#define TFD_TIMER_CANCEL_ON_SET 2

struct timerfd {
    struct ktimer kt; /* first: the ktimer is the timerfd */
    struct itimer_state it;
    uint64_t expirations; /* not read yet */
    struct file *file;
};

static void catch_up(struct timerfd *t) { t->expirations += itimer_advance(&t->it, timer_ns()); }

static void timerfd_fire(struct ktimer *kt, uint64_t now)
{
    struct timerfd *t = (struct timerfd *)kt;
    (void)now;
    catch_up(t);
    if (t->it.next_ns)
        ktimer_arm(&t->kt, t->it.next_ns);
    file_changed(t->file);
}

static long timerfd_read(struct file *f, struct user_buf *u)
{
    struct timerfd *t = f->priv;
    if (u->left < 8)
        return -EINVAL;
    for (;;) {
        catch_up(t);
        if (t->expirations)
            break;
        if (file_nonblocking(f))
            return -EAGAIN;
        if (signal_interrupted())
            return -ERESTARTSYS;
        file_sleep(f, f, 0);
    }
    if (user_buf_out(u, &t->expirations, 8))
        return -EFAULT;
    t->expirations = 0;
    return 8;
}

static unsigned timerfd_poll(struct file *f)
{
    struct timerfd *t = f->priv;
    catch_up(t);
    return t->expirations ? POLLIN : 0;
}

static void timerfd_release(struct file *f)
{
    struct timerfd *t = f->priv;
    ktimer_disarm(&t->kt);
    kheap_free(t, sizeof *t);
}

static const struct file_ops timerfd_ops = {
    .name = "timerfd",
    .stat_mode = 0600,
    .read = timerfd_read,
    .poll = timerfd_poll,
    .release = timerfd_release,
};

long sys_timerfd_create(struct trapframe *tf)
{
    uint64_t clock = ARG0(tf), flags = ARG1(tf);
    if (!itimer_clock_ok(clock) || (flags & ~(uint64_t)(TFD_CLOEXEC | TFD_NONBLOCK)))
        return -EINVAL;
    struct timerfd *t = kheap_alloc(sizeof *t);
    if (!t)
        return -ENOMEM;
    t->it.clock = (int)clock;
    t->kt.fire = timerfd_fire;
    struct file *f = file_new(&timerfd_ops, t, O_RDWR | (flags & TFD_NONBLOCK));
    if (!f) {
        kheap_free(t, sizeof *t);
        return -ENFILE;
    }
    t->file = f;
    int fd = fd_install(f, 0, flags & TFD_CLOEXEC);
    if (fd < 0)
        file_close(f);
    return fd;
}

static long timerfd_of(uint64_t fd, struct timerfd **out)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    if (f->kind != FILE_OPS || f->ops != &timerfd_ops)
        return -EINVAL;
    *out = f->priv;
    return 0;
}

long sys_timerfd_settime(struct trapframe *tf)
{
    struct timerfd *t;
    long err = timerfd_of(ARG0(tf), &t);
    if (err)
        return err;
    if (ARG1(tf) & ~(uint64_t)(TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
        return -EINVAL;
    catch_up(t);
    err = itimer_set(&t->it, ARG2(tf), ARG3(tf), ARG1(tf));
    if (err)
        return err;
    t->expirations = 0; /* a new setting forgets the old expirations */
    if (t->it.next_ns)
        ktimer_arm(&t->kt, t->it.next_ns);
    else
        ktimer_disarm(&t->kt);
    file_changed(t->file);
    return 0;
}

long sys_timerfd_gettime(struct trapframe *tf)
{
    struct timerfd *t;
    long err = timerfd_of(ARG0(tf), &t);
    if (err)
        return err;
    catch_up(t);
    return itimer_get(&t->it, ARG1(tf));
}
