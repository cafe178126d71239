/* fileops.h — descriptor kinds beyond inodes and pipes: each kind
 * (socket.c, eventfd.c, epoll.c, timerfd.c, signalfd.c) is one table of
 * operations and its private object, behind FILE_OPS in struct file.
 *
 * Waiting: a thread blocked on such a file sleeps on the struct file; the
 * kind calls file_changed() whenever the file's readiness may have changed,
 * which wakes those sleepers and every poll/select/epoll waiter (they all
 * sleep on the one channel file_poll_channel() — pipes and FIFOs wake it
 * too — and re-check what they watch). */
#ifndef OS_FILEOPS_H
#define OS_FILEOPS_H
#include <stdint.h>
#include "file.h"
#include "uaccess.h"

struct file_ops {
    const char *name;     /* "socket", "eventfd"... (the kernel log) */
    uint32_t stat_mode;   /* st_mode fstat reports: S_IFSOCK|0777, or 0600 for anonymous inodes */
    long (*read)(struct file *f, struct user_buf *u);   /* NULL: EINVAL */
    long (*write)(struct file *f, struct user_buf *u);  /* NULL: EINVAL */
    unsigned (*poll)(struct file *f);              /* POLLIN/POLLOUT/POLLHUP/POLLERR... now */
    long (*ioctl)(struct file *f, uint64_t cmd, uint64_t arg); /* NULL: ENOTTY */
    void (*release)(struct file *f);               /* the last descriptor is gone */
    int polled_each_tick; /* its changes are not reported (signalfd): pollers look every tick */
    int (*notifies)(const struct file *f); /* if set, decides instead of polled_each_tick (epoll) */
};

/* A new open file of that kind (flags: O_RDWR, O_NONBLOCK...); NULL if
 * the file table is full. */
struct file *file_new(const struct file_ops *ops, void *priv, uint32_t flags);
/* f's readiness may have changed: wake its sleepers and all pollers. */
void file_changed(struct file *f);
/* Counts the events of f (writes, reads, wakeups): epoll's edge trigger
 * reports a ready file again when this moved. */
uint64_t file_event_seq(const struct file *f);
/* Does f call file_changed() on every change (else a poller re-checks it
 * every timer tick)? */
int file_notifies(const struct file *f);

/* The descriptor table of the current process (sys_file.c). */
struct file *fd_file(uint64_t fd);
int fd_install(struct file *f, int lowest, bool cloexec);
void fd_clear(int fd);

/* Sleep on chan until woken or the deadline (0 = none).  The system call
 * holds a reference to f from then until it returns (as Linux's fdget):
 * a close by another thread meanwhile leaves f and its object alive for
 * the sleeper, which carries on.  Always true (a kind may use it in a
 * condition). */
bool file_sleep(struct file *f, const void *chan, uint64_t deadline);
/* At the end of every system call: drop the references file_sleep took. */
void file_release_held(void);

#endif
