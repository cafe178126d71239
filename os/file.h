/* file.h — open files: what a file descriptor points at (os/file.c).
 * Several descriptors (dup, fork) may share one struct file and with it the
 * offset, as on Unix. */
#ifndef OS_FILE_H
#define OS_FILE_H
#include <stdbool.h>
#include <stdint.h>
#include "fs.h"
#include "pipe.h"
#include "uaccess.h"

#define MAX_FILES 16384 /* open files in the whole system */

/* open() flags (Linux values) */
#define O_ACCMODE 03
#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000

enum file_kind { FILE_INODE, FILE_PIPE, FILE_OPS /* sockets, eventfd, epoll...: fileops.h */ };
struct file_ops;

struct file {
    enum file_kind kind;
    int refs;
    uint32_t flags;       /* O_* given to open (O_NONBLOCK and O_APPEND also by fcntl) */
    uint64_t offset;
    struct inode *inode;  /* FILE_INODE */
    struct pipe *pipe;    /* FILE_PIPE */
    char *snapshot;       /* generated files (/proc/self/maps): the text, taken at open */
    uint64_t snapshot_size, snapshot_alloc;
    bool pipe_writer;     /* which end */
    const struct file_ops *ops; /* FILE_OPS: the kind's operations (fileops.h) */
    void *priv;                 /* FILE_OPS: the kind's object */
    uint64_t event_seq;         /* FILE_OPS: bumped by file_changed() */
};

struct file *file_open(struct inode *ino, uint32_t flags);
/* /proc/PID/status of p, through the /proc/self/status inode. */
struct proc;
struct file *file_open_status(struct inode *ino, struct proc *p, uint32_t flags);
/* /proc/PID/task of p through the /proc/self/task directory inode: its
 * entries (the tids, as ints) taken at open, read by getdents. */
struct file *file_open_task_dir(struct inode *ino, struct proc *p, uint32_t flags);
/* A pipe's two ends (pipe.c); flags: O_NONBLOCK or 0 (pipe2). */
int file_pipe(struct file *ends[2], uint32_t flags);
/* Open a FIFO (mkfifo): a pipe end whose inode is ino.  As fifo(7): a
 * reader waits for a writer and a writer for a reader, unless O_NONBLOCK
 * (then a writer with no reader gets ENXIO); O_RDWR never waits.
 * NULL with *err = -errno (-ERESTARTSYS if a signal came while waiting). */
struct file *file_open_fifo(struct inode *ino, uint32_t flags, int *err);
struct file *file_dup(struct file *f);
void file_close(struct file *f);
bool file_readable(const struct file *f);
bool file_writable(const struct file *f);
/* O_NONBLOCK (open, fcntl F_SETFL, pipe2): a read or write that would wait
 * fails with EAGAIN instead (read(2), write(2)).  Per open file: dup and
 * fork share it.  Each kind's read and write ask this. */
static inline bool file_nonblocking(const struct file *f) { return f->flags & O_NONBLOCK; }
/* poll(2) readiness */
#define POLLIN 0x001
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100
/* What a read or write would do now: POLLIN / POLLOUT if it would not
 * block, POLLHUP when the other end of a pipe is gone. */
unsigned file_poll(const struct file *f);
/* poll and select sleep on this channel between looks (at most a tick);
 * a file whose readiness changed wakes them with file_poll_notify. */
const void *file_poll_channel(void);
void file_poll_notify(void);
/* Kernel-buffer I/O at the file's offset (the console blocks); not for
 * pipes, which take the whole user request at once: */
long file_read(struct file *f, void *dst, uint64_t n);
long file_write(struct file *f, const void *src, uint64_t n);
/* read/write (readv/writev) on a pipe end: the byte count or -errno. */
long file_pipe_read(struct file *f, struct user_buf *dst);
long file_pipe_write(struct file *f, struct user_buf *src);

/* fcntl F_ADD_SEALS / F_GET_SEALS (sys_memfd.c) */
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
long file_seals(struct file *f, bool add, uint32_t seals);

#endif
