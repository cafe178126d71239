/* epoll.c — epoll_create/epoll_create1, epoll_ctl (ADD/MOD/DEL),
 * epoll_wait/epoll_pwait/epoll_pwait2 (epoll(7)).
 *
 * An epoll instance is a list of watched (descriptor, file) pairs with the
 * events wanted and the user's data.  epoll_wait asks each watched file
 * for its readiness (file_poll), as poll does, and sleeps on the same
 * channel as poll (file_poll_channel) until a file reports a change:
 *   - level-triggered: reported while ready;
 *   - EPOLLET: reported when it becomes ready, or when something happened
 *     to it since the last report (file_event_seq moved: new data);
 *   - EPOLLONESHOT: reported once, then disabled until EPOLL_CTL_MOD. */
#include "epoll.h"
#include "errno.h"
#include "fileops.h"
#include "kheap.h"
#include "proc.h"
#include "signal.h"
#include "string.h"
#include "syscall.h"
#include "timer.h"
#include "uaccess.h"

#define EPOLL_CLOEXEC O_CLOEXEC
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)
#define EPOLL_MAX_ITEMS 256
#define EPOLL_MAX_INSTANCES 64
#define EP_MAX_EVENTS (INT32_MAX / 12)
#define POLLRDNORM 0x040

/* struct epoll_event is packed on x86-64: 4 bytes of events, 8 of data. */
struct epoll_event {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));

struct epitem {
    struct file *file;
    int fd;
    uint32_t events;      /* wanted, with EPOLLET/EPOLLONESHOT */
    uint64_t data;
    bool disabled;        /* EPOLLONESHOT after its report */
    bool reported;        /* edge trigger: reported since it was added/modified */
    unsigned last_ready;  /* edge trigger: readiness at the last look */
    uint64_t last_seq;    /* edge trigger: file_event_seq at the last report */
};

struct eventpoll {
    struct epitem items[EPOLL_MAX_ITEMS];
    int n;
    struct file *file;
};

static struct eventpoll *instances[EPOLL_MAX_INSTANCES];
static const struct file_ops epoll_ops;

void epoll_forget(struct file *f)
{
    for (int i = 0; i < EPOLL_MAX_INSTANCES; i++) {
        struct eventpoll *ep = instances[i];
        for (int k = 0; ep && k < ep->n;) {
            if (ep->items[k].file == f)
                ep->items[k] = ep->items[--ep->n];
            else
                k++;
        }
    }
}

/* Readiness of item it now, as reported (0 = nothing to report). consume:
 * this is a real report (edge-trigger and one-shot state advance). */
static uint32_t item_events(struct epitem *it, bool consume)
{
    if (it->disabled)
        return 0;
    unsigned ready = file_poll(it->file) & (it->events | POLLERR | POLLHUP);
    ready &= ~(EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP);
    if (it->events & EPOLLET) {
        uint64_t seq = file_event_seq(it->file);
        bool edge = ready && (!it->reported || (ready & ~it->last_ready) || seq != it->last_seq);
        if (consume) {
            it->last_ready = ready;
            if (edge) {
                it->reported = true;
                it->last_seq = seq;
            }
        }
        if (!edge)
            return 0;
    }
    if (ready && consume && (it->events & EPOLLONESHOT))
        it->disabled = true;
    return ready;
}

static unsigned epoll_poll(struct file *f)
{
    struct eventpoll *ep = f->priv;
    for (int i = 0; i < ep->n; i++)
        if (item_events(&ep->items[i], false))
            return POLLIN | POLLRDNORM;
    return 0;
}

static void epoll_release(struct file *f)
{
    struct eventpoll *ep = f->priv;
    for (int i = 0; i < EPOLL_MAX_INSTANCES; i++)
        if (instances[i] == ep)
            instances[i] = 0;
    kheap_free(ep, sizeof *ep);
}

/* Its readiness is its files' readiness, and they wake the same poll
 * channel: it reports its changes when all of them do (a console or a
 * signalfd in the set makes its pollers look again every tick). */
static int epoll_notifies(const struct file *f)
{
    const struct eventpoll *ep = f->priv;
    for (int i = 0; i < ep->n; i++)
        if (!file_notifies(ep->items[i].file))
            return 0;
    return 1;
}

static const struct file_ops epoll_ops = {
    .name = "eventpoll",
    .stat_mode = 0600,
    .poll = epoll_poll,
    .release = epoll_release,
    .notifies = epoll_notifies,
};

static long create(uint64_t flags)
{
    if (flags & ~(uint64_t)EPOLL_CLOEXEC)
        return -EINVAL;
    int slot = -1;
    for (int i = 0; i < EPOLL_MAX_INSTANCES && slot < 0; i++)
        if (!instances[i])
            slot = i;
    if (slot < 0)
        return -ENFILE;
    struct eventpoll *ep = kheap_alloc(sizeof *ep);
    if (!ep)
        return -ENOMEM;
    struct file *f = file_new(&epoll_ops, ep, O_RDWR);
    if (!f) {
        kheap_free(ep, sizeof *ep);
        return -ENFILE;
    }
    ep->file = f;
    instances[slot] = ep;
    int fd = fd_install(f, 0, flags & EPOLL_CLOEXEC);
    if (fd < 0)
        file_close(f);
    return fd;
}

long sys_epoll_create(struct trapframe *tf) { return (int32_t)ARG0(tf) <= 0 ? -EINVAL : create(0); }
long sys_epoll_create1(struct trapframe *tf) { return create(ARG0(tf)); }

static long epoll_of(uint64_t fd, struct eventpoll **out)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    if (f->kind != FILE_OPS || f->ops != &epoll_ops)
        return -EINVAL;
    *out = f->priv;
    return 0;
}

/* Does watching target from ep close a loop (an epoll set watching itself)? */
static bool makes_loop(struct eventpoll *ep, struct file *target, int depth)
{
    if (target == ep->file)
        return true;
    if (target->kind != FILE_OPS || target->ops != &epoll_ops || depth > 4)
        return depth > 4;
    struct eventpoll *inner = target->priv;
    for (int i = 0; i < inner->n; i++)
        if (makes_loop(ep, inner->items[i].file, depth + 1))
            return true;
    return false;
}

long sys_epoll_ctl(struct trapframe *tf)
{
    struct eventpoll *ep = 0;
    long err = epoll_of(ARG0(tf), &ep);
    struct file *target = fd_file(ARG2(tf));
    if (err == -EBADF || !target)
        return -EBADF;
    uint64_t op = ARG1(tf);
    struct epoll_event ev = {0, 0};
    if (op != EPOLL_CTL_DEL && get_user(&ev, ARG3(tf), sizeof ev))
        return -EFAULT;
    if (err)
        return err;
    /* Files that are always ready (regular files, directories) cannot be watched. */
    if (target->kind == FILE_INODE && (target->inode->type == INODE_FILE || target->inode->type == INODE_DIR))
        return -EPERM;
    if (target == ep->file)
        return -EINVAL;
    struct epitem *it = 0;
    for (int i = 0; i < ep->n && !it; i++)
        if (ep->items[i].fd == (int)ARG2(tf) && ep->items[i].file == target)
            it = &ep->items[i];
    switch (op) {
    case EPOLL_CTL_ADD:
        if (it)
            return -EEXIST;
        if (makes_loop(ep, target, 0))
            return -ELOOP;
        if (ep->n == EPOLL_MAX_ITEMS)
            return -ENOSPC;
        it = &ep->items[ep->n++];
        *it = (struct epitem){.file = target, .fd = (int)ARG2(tf), .events = ev.events, .data = ev.data};
        break;
    case EPOLL_CTL_MOD:
        if (!it)
            return -ENOENT;
        if (ev.events & EPOLLEXCLUSIVE)
            return -EINVAL;
        *it = (struct epitem){.file = target, .fd = (int)ARG2(tf), .events = ev.events, .data = ev.data};
        break;
    case EPOLL_CTL_DEL:
        if (!it)
            return -ENOENT;
        *it = ep->items[--ep->n];
        break;
    default:
        return -EINVAL;
    }
    file_changed(ep->file); /* pollers of the epoll file itself look again */
    return 0;
}

/* timeout_ns < 0: forever; 0: just look. */
static long do_wait(uint64_t epfd, uint64_t uevents, int64_t maxevents, int64_t timeout_ns)
{
    struct eventpoll *ep;
    if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
        return -EINVAL;
    long err = epoll_of(epfd, &ep);
    if (err)
        return err;
    uint64_t deadline = timeout_ns > 0 ? timer_ns() + (uint64_t)timeout_ns : 0;
    for (;;) {
        long n = 0;
        for (int i = 0; i < ep->n && n < maxevents; i++) {
            struct epitem *it = &ep->items[i];
            uint32_t ready = item_events(it, true);
            if (!ready)
                continue;
            struct epoll_event out = {ready, it->data};
            if (put_user(uevents + (uint64_t)n * sizeof out, &out, sizeof out))
                return n ? n : -EFAULT;
            n++;
        }
        if (n || timeout_ns == 0)
            return n;
        uint64_t now = timer_ns();
        if (deadline && now >= deadline)
            return 0;
        if (signal_interrupted())
            return -EINTR; /* epoll_wait is never restarted (signal(7)) */
        bool tick = false;
        for (int i = 0; i < ep->n && !tick; i++)
            tick = !file_notifies(ep->items[i].file);
        uint64_t wake = tick ? timer_tick_ns() + 1000000000ull / TIMER_HZ : 0;
        if (deadline && (!wake || deadline < wake))
            wake = deadline;
        file_sleep(ep->file, file_poll_channel(), wake);
    }
}

long sys_epoll_wait(struct trapframe *tf)
{
    int64_t ms = (int32_t)ARG3(tf);
    return do_wait(ARG0(tf), ARG1(tf), (int32_t)ARG2(tf), ms < 0 ? -1 : ms * 1000000);
}

/* epoll_pwait(epfd, events, maxevents, timeout, sigmask, sigsetsize): the
 * mask is applied for the wait, as sigsuspend would. */
static long wait_with_mask(struct trapframe *tf, int64_t timeout_ns)
{
    struct thread *t = current_thread();
    uint64_t saved = t->sig_blocked, mask;
    if (ARG4(tf)) {
        if (ARG5(tf) != sizeof mask)
            return -EINVAL;
        if (get_user(&mask, ARG4(tf), sizeof mask))
            return -EFAULT;
        t->sig_blocked = mask & ~(sigbit(SIGKILL) | sigbit(SIGSTOP));
    }
    long n = do_wait(ARG0(tf), ARG1(tf), (int32_t)ARG2(tf), timeout_ns);
    if (ARG4(tf) && n == -EINTR) {
        /* the handler runs with the wait's mask; sigreturn restores the old one */
        t->suspend_saved_mask = saved;
        t->in_sigsuspend = true;
    } else {
        t->sig_blocked = saved;
    }
    return n;
}

long sys_epoll_pwait(struct trapframe *tf)
{
    int64_t ms = (int32_t)ARG3(tf);
    return wait_with_mask(tf, ms < 0 ? -1 : ms * 1000000);
}

long sys_epoll_pwait2(struct trapframe *tf)
{
    int64_t ns = -1;
    if (ARG3(tf)) {
        int64_t ts[2];
        if (get_user(ts, ARG3(tf), sizeof ts))
            return -EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
            return -EINVAL;
        ns = ts[0] > INT64_MAX / 2000000000 ? INT64_MAX / 2 : ts[0] * 1000000000 + ts[1];
    }
    return wait_with_mask(tf, ns);
}
