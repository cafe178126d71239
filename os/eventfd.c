/* eventfd.c — eventfd(2): a 64-bit counter behind a descriptor.  write adds
 * to it (blocking while it would pass 0xfffffffffffffffe); read returns it
 * and resets it to 0, or with EFD_SEMAPHORE returns 1 and decrements it;
 * read blocks while it is 0. */
#include "errno.h"
#include "fileops.h"
#include "kheap.h"
#include "proc.h"
#include "signal.h"
#include "syscall.h"

#define EFD_SEMAPHORE 1
#define EFD_CLOEXEC O_CLOEXEC
#define EFD_NONBLOCK O_NONBLOCK
#define EVENTFD_MAX 0xfffffffffffffffeull

struct eventfd {
    uint64_t count;
    bool semaphore;
};

static long wait_or_fail(struct file *f)
{
    if (file_nonblocking(f))
        return -EAGAIN;
    if (signal_interrupted())
        return -ERESTARTSYS;
    file_sleep(f, f, 0);
    return 0;
}

static long eventfd_read(struct file *f, struct user_buf *u)
{
    struct eventfd *e = f->priv;
    if (u->left < 8)
        return -EINVAL;
    while (!e->count) {
        long err = wait_or_fail(f);
        if (err)
            return err;
    }
    uint64_t v = e->semaphore ? 1 : e->count;
    if (user_buf_out(u, &v, 8))
        return -EFAULT;
    e->count -= v;
    file_changed(f);
    return 8;
}

static long eventfd_write(struct file *f, struct user_buf *u)
{
    struct eventfd *e = f->priv;
    uint64_t v;
    if (u->left < 8)
        return -EINVAL;
    if (user_buf_in(u, &v, 8))
        return -EFAULT;
    if (v == ~0ull)
        return -EINVAL;
    while (EVENTFD_MAX - e->count < v) {
        long err = wait_or_fail(f);
        if (err)
            return err;
    }
    e->count += v;
    if (v)
        file_changed(f);
    return 8;
}

static unsigned eventfd_poll(struct file *f)
{
    const struct eventfd *e = f->priv;
    return (e->count ? POLLIN : 0) | (e->count < EVENTFD_MAX ? POLLOUT : 0);
}

static void eventfd_release(struct file *f) { kheap_free(f->priv, sizeof(struct eventfd)); }

static const struct file_ops eventfd_ops = {
    .name = "eventfd",
    .stat_mode = 0600, /* an anonymous inode: no file type bits */
    .read = eventfd_read,
    .write = eventfd_write,
    .poll = eventfd_poll,
    .release = eventfd_release,
};

static long make_eventfd(uint64_t initval, uint64_t flags)
{
    if (flags & ~(uint64_t)(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK))
        return -EINVAL;
    struct eventfd *e = kheap_alloc(sizeof *e);
    if (!e)
        return -ENOMEM;
    e->count = (uint32_t)initval;
    e->semaphore = flags & EFD_SEMAPHORE;
    struct file *f = file_new(&eventfd_ops, e, O_RDWR | (flags & EFD_NONBLOCK));
    if (!f) {
        kheap_free(e, sizeof *e);
        return -ENFILE;
    }
    int fd = fd_install(f, 0, flags & EFD_CLOEXEC);
    if (fd < 0)
        file_close(f);
    return fd;
}

long sys_eventfd(struct trapframe *tf) { return make_eventfd(ARG0(tf), 0); }
long sys_eventfd2(struct trapframe *tf) { return make_eventfd(ARG0(tf), ARG1(tf)); }
