/* file.c — open files: inodes, devices (console, null, zero, urandom,
 * kbd) and pipes. */
#include "file.h"
#include "epoll.h"
#include "fileops.h"
#include "console.h"
#include "errno.h"
#include "keyboard.h"
#include "frame.h"
#include "kheap.h"
#include "lock.h"
#include "printf.h"
#include "procfs.h"
#include "swap.h"
#include "proc.h"
#include "random.h"
#include "signal.h"
#include "string.h"
#include "tty.h"

/* The open-file table grows in chunks from the kernel heap (a chunk is
 * kept once made): a thousand open files per process must fit. */
#define FILE_CHUNK 64
static struct file *file_chunks[MAX_FILES / FILE_CHUNK];
static int nfile_chunks;

static struct file *file_alloc(enum file_kind kind, uint32_t flags)
{
    for (int i = 0; i <= nfile_chunks * FILE_CHUNK && i < MAX_FILES; i++) {
        if (i == nfile_chunks * FILE_CHUNK) {
            file_chunks[nfile_chunks] = kheap_alloc(FILE_CHUNK * sizeof(struct file)); /* zeroed: refs 0 */
            if (!file_chunks[nfile_chunks])
                return 0;
            nfile_chunks++;
        }
        struct file *f = &file_chunks[i / FILE_CHUNK][i % FILE_CHUNK];
        if (f->refs == 0) {
            memset(f, 0, sizeof *f);
            f->kind = kind;
            f->refs = 1;
            f->flags = flags;
            return f;
        }
    }
    return 0;
}

/* /proc/self/maps: the caller's areas as text, frozen at open like a
 * snapshot (reads then see one consistent picture). */
static bool take_maps_snapshot(struct file *f)
{
    struct proc *p = current_proc();
    if (!p || !p->mm)
        return false;
    uint64_t need = vma_describe(p->mm, p->exe, 0, 0);
    f->snapshot_alloc = need + 1;
    f->snapshot = kheap_alloc(f->snapshot_alloc);
    if (!f->snapshot)
        return false;
    f->snapshot_size = vma_describe(p->mm, p->exe, f->snapshot, f->snapshot_alloc);
    return true;
}

/* /proc/meminfo: the frame allocator's and the pagefile's counts, in the
 * lines free(1) reads. */
static bool take_meminfo_snapshot(struct file *f)
{
    f->snapshot_alloc = 256;
    f->snapshot = kheap_alloc(f->snapshot_alloc);
    if (!f->snapshot)
        return false;
    uint64_t total = frames_total_count() * 4, free = frames_free_count() * 4;
    f->snapshot_size = (uint64_t)ksnprintf(f->snapshot, f->snapshot_alloc,
                                           "MemTotal:       %8lu kB\nMemFree:        %8lu kB\n"
                                           "MemAvailable:   %8lu kB\nBuffers:               0 kB\n"
                                           "Cached:                0 kB\nSwapTotal:      %8lu kB\n"
                                           "SwapFree:       %8lu kB\n",
                                           total, free, free, swap_total_slots() * 4, swap_free_slots() * 4);
    return true;
}

/* /proc/PID/status of p, as proc(5) words it (procfs.c). */
static bool take_status_snapshot(struct file *f, struct proc *p)
{
    if (!p)
        return false;
    f->snapshot_alloc = 512;
    f->snapshot = kheap_alloc(f->snapshot_alloc);
    if (!f->snapshot)
        return false;
    int n = procfs_status_text(p, f->snapshot, f->snapshot_alloc);
    f->snapshot_size = n < (int)f->snapshot_alloc ? (uint64_t)n : f->snapshot_alloc - 1;
    return true;
}

struct file *file_open_status(struct inode *ino, struct proc *p, uint32_t flags)
{
    struct file *f = file_alloc(FILE_INODE, flags);
    if (!f)
        return 0;
    f->inode = ino;
    if (!take_status_snapshot(f, p)) {
        f->refs = 0;
        return 0;
    }
    fs_opened(ino);
    return f;
}

struct file *file_open_task_dir(struct inode *ino, struct proc *p, uint32_t flags)
{
    struct file *f = file_alloc(FILE_INODE, flags);
    if (!f)
        return 0;
    f->inode = ino;
    f->snapshot_alloc = 256 * sizeof(int);
    f->snapshot = kheap_alloc(f->snapshot_alloc);
    if (!f->snapshot) {
        f->refs = 0;
        return 0;
    }
    f->snapshot_size = (uint64_t)procfs_task_tids(p, (int *)f->snapshot, 256) * sizeof(int);
    fs_opened(ino);
    return f;
}

struct file *file_open(struct inode *ino, uint32_t flags)
{
    if (ino->type == INODE_PROC_STATUS)
        return file_open_status(ino, current_proc(), flags);
    struct file *f = file_alloc(FILE_INODE, flags);
    if (!f)
        return 0;
    f->inode = ino;
    if ((ino->type == INODE_PROC_MAPS && !take_maps_snapshot(f)) ||
        (ino->type == INODE_PROC_MEMINFO && !take_meminfo_snapshot(f))) {
        f->refs = 0;
        return 0;
    }
    fs_opened(ino);
    return f;
}

int file_pipe(struct file *ends[2], uint32_t flags)
{
    struct pipe *p = pipe_new();
    if (!p)
        return -ENOMEM;
    ends[0] = file_alloc(FILE_PIPE, O_RDONLY | (flags & O_NONBLOCK));
    ends[1] = ends[0] ? file_alloc(FILE_PIPE, O_WRONLY | (flags & O_NONBLOCK)) : 0;
    if (!ends[1]) {
        if (ends[0])
            ends[0]->refs = 0;
        kheap_free(p, sizeof *p);
        return -ENFILE;
    }
    ends[0]->pipe = ends[1]->pipe = p;
    ends[1]->pipe_writer = true;
    return 0;
}

/* Wait until the other side has opened since we looked (its open count
 * moved) or is open now. */
static int fifo_wait_for(struct inode *ino, struct pipe *p, bool for_writer)
{
    uint32_t seen = for_writer ? ino->fifo_writer_opens : ino->fifo_reader_opens;
    while ((for_writer ? p->writers : p->readers) == 0 &&
           (for_writer ? ino->fifo_writer_opens : ino->fifo_reader_opens) == seen) {
        if (signal_interrupted())
            return -ERESTARTSYS;
        sleep_on(p);
    }
    return 0;
}

struct file *file_open_fifo(struct inode *ino, uint32_t flags, int *err)
{
    uint32_t acc = flags & O_ACCMODE;
    if (acc == O_WRONLY && (flags & O_NONBLOCK) && (!ino->fifo || ino->fifo->readers == 0)) {
        *err = -ENXIO;
        return 0;
    }
    if (!ino->fifo && !(ino->fifo = pipe_new_unopened())) {
        *err = -ENOMEM;
        return 0;
    }
    struct pipe *p = ino->fifo;
    struct file *f = file_alloc(FILE_PIPE, flags);
    if (!f) {
        if (!p->readers && !p->writers) {
            kheap_free(p, sizeof *p);
            ino->fifo = 0;
        }
        *err = -ENFILE;
        return 0;
    }
    f->pipe = p;
    f->inode = ino;
    fs_opened(ino);
    if (acc != O_WRONLY) {
        ino->fifo_reader_opens++;
        pipe_open_end(p, false);
    }
    if (acc != O_RDONLY) {
        ino->fifo_writer_opens++;
        f->pipe_writer = acc == O_WRONLY;
        pipe_open_end(p, true);
    }
    *err = 0;
    if (acc == O_RDONLY && !(flags & O_NONBLOCK))
        *err = fifo_wait_for(ino, p, true);
    else if (acc == O_WRONLY)
        *err = fifo_wait_for(ino, p, false);
    if (*err) {
        file_close(f);
        return 0;
    }
    return f;
}

struct file *file_dup(struct file *f)
{
    f->refs++;
    return f;
}

void file_close(struct file *f)
{
    if (--f->refs > 0)
        return;
    lock_release_file(f); /* its OFD and flock locks */
    epoll_forget(f); /* Linux drops a file from every epoll set when it is released */
    if (f->kind == FILE_OPS && f->ops->release)
        f->ops->release(f);
    if (f->kind == FILE_INODE)
        fs_closed(f->inode);
    if (f->snapshot)
        kheap_free(f->snapshot, f->snapshot_alloc);
    if (f->kind == FILE_PIPE) {
        /* A FIFO opened O_RDWR holds both ends. */
        bool gone = (f->flags & O_ACCMODE) == O_RDWR && pipe_close_end(f->pipe, true);
        gone = gone || pipe_close_end(f->pipe, f->pipe_writer);
        if (f->inode) {
            if (gone)
                f->inode->fifo = 0; /* the FIFO's next open starts an empty pipe */
            fs_closed(f->inode);
        }
    }
}

bool file_readable(const struct file *f) { return (f->flags & O_ACCMODE) != O_WRONLY; }
bool file_writable(const struct file *f) { return (f->flags & O_ACCMODE) != O_RDONLY; }

/* The call holds its own reference while it may sleep, as Linux's fdget:
 * another thread closing the descriptor meanwhile leaves this end (and
 * the pipe) to the call until it returns. */
long file_pipe_read(struct file *f, struct user_buf *dst)
{
    if (!file_readable(f))
        return -EBADF;
    file_dup(f);
    long n = pipe_read(f->pipe, dst, file_nonblocking(f));
    file_close(f);
    return n;
}

long file_pipe_write(struct file *f, struct user_buf *src)
{
    if (!file_writable(f))
        return -EBADF;
    file_dup(f);
    long n = pipe_write(f->pipe, src, file_nonblocking(f));
    file_close(f);
    return n;
}

/* The one channel poll, select and epoll sleep on: a pipe, FIFO, socket,
 * eventfd or timerfd whose readiness changed wakes it. */
static const char poll_waiters;
const void *file_poll_channel(void) { return &poll_waiters; }
void file_poll_notify(void) { wakeup(&poll_waiters); }

unsigned file_poll(const struct file *f)
{
    if (f->kind == FILE_OPS)
        return f->ops->poll ? f->ops->poll((struct file *)f) : 0;
    if (f->kind == FILE_PIPE)
        return pipe_poll(f->pipe, f->pipe_writer);
    unsigned out = file_writable(f) ? POLLOUT : 0;
    switch (f->inode->type) {
    case INODE_CONSOLE:
    case INODE_COM1_RAW:
        return out | (tty_readable() ? POLLIN : 0);
    case INODE_COM2: /* stderr: the terminal's input if it is the terminal, else end of file */
        return out | (!tty_line_is_terminal(TTY_COM2) || tty_readable() ? POLLIN : 0);
    case INODE_KBD:
        return out | (keyboard_readable() ? POLLIN : 0);
    default:
        return out | POLLIN; /* files and memory devices never block */
    }
}

long file_read(struct file *f, void *dst, uint64_t n)
{
    if (!file_readable(f))
        return -EBADF;
    if (f->kind == FILE_OPS)
        return -EINVAL; /* these kinds read into user buffers (fileops.h) */
    if (f->kind == FILE_PIPE)
        return -EINVAL; /* file_pipe_read */
    switch (f->inode->type) {
    case INODE_CONSOLE:
    case INODE_COM1_RAW:
        return tty_read(dst, n, f->flags & O_NONBLOCK);
    case INODE_COM2:
        return tty_line_is_terminal(TTY_COM2) ? tty_read(dst, n, f->flags & O_NONBLOCK) : 0;
    case INODE_NULL:
        return 0;
    case INODE_KBD:
        return keyboard_read(dst, n, f->flags & O_NONBLOCK);
    case INODE_ZERO:
        memset(dst, 0, n);
        return (long)n;
    case INODE_PROC_MAPS:
    case INODE_PROC_MEMINFO:
    case INODE_PROC_STATUS: {
        uint64_t left = f->offset < f->snapshot_size ? f->snapshot_size - f->offset : 0;
        uint64_t got = n < left ? n : left;
        memcpy(dst, f->snapshot + f->offset, got);
        f->offset += got;
        return (long)got;
    }
    case INODE_RANDOM:
        random_fill(dst, n);
        return (long)n;
    case INODE_DIR:
        return -EISDIR;
    case INODE_FILE: {
        long got = fs_read(f->inode, f->offset, dst, n);
        if (got > 0)
            f->offset += got;
        return got;
    }
    default:
        return -EINVAL;
    }
}

long file_write(struct file *f, const void *src, uint64_t n)
{
    if (!file_writable(f))
        return -EBADF;
    if (f->kind == FILE_OPS)
        return -EINVAL;
    if (f->kind == FILE_PIPE)
        return -EINVAL; /* file_pipe_write */
    switch (f->inode->type) {
    case INODE_CONSOLE:
        return tty_write(TTY_CONSOLE, src, n);
    case INODE_COM1_RAW:
        return tty_write(TTY_COM1_RAW, src, n);
    case INODE_COM2:
        return tty_write(TTY_COM2, src, n);
    case INODE_NULL:
    case INODE_ZERO:
    case INODE_RANDOM:
        return (long)n;
    case INODE_FILE: {
        if (f->flags & O_APPEND)
            f->offset = f->inode->size;
        long put = fs_write(f->inode, f->offset, src, n);
        if (put > 0)
            f->offset += put;
        return put;
    }
    default:
        return -EINVAL;
    }
}

/* ---- descriptor kinds with an operations table (fileops.h) ---------- */

struct file *file_new(const struct file_ops *ops, void *priv, uint32_t flags)
{
    struct file *f = file_alloc(FILE_OPS, flags);
    if (f) {
        f->ops = ops;
        f->priv = priv;
    }
    return f;
}

void file_changed(struct file *f)
{
    f->event_seq++;
    wakeup(f);
    file_poll_notify();
}

uint64_t file_event_seq(const struct file *f)
{
    if (f->kind == FILE_PIPE) /* the reader's events are writes, the writer's are reads */
        return f->pipe_writer ? f->pipe->bytes_read : f->pipe->bytes_written;
    return f->event_seq;
}

#define HELD_PER_THREAD 4
static struct file *held[MAX_THREADS][HELD_PER_THREAD]; /* by thread slot */

bool file_sleep(struct file *f, const void *chan, uint64_t deadline)
{
    struct file **mine = held[current_thread()->slot];
    bool holding = false;
    for (int i = 0; i < HELD_PER_THREAD && !holding; i++)
        holding = mine[i] == f;
    for (int i = 0; i < HELD_PER_THREAD && !holding; i++)
        if (!mine[i]) {
            mine[i] = file_dup(f);
            holding = true;
        }
    sleep_until(chan, deadline);
    return true;
}

void file_release_held(void)
{
    struct thread *t = current_thread();
    if (!t)
        return;
    struct file **mine = held[t->slot];
    for (int i = 0; i < HELD_PER_THREAD; i++)
        if (mine[i]) {
            struct file *f = mine[i];
            mine[i] = 0;
            file_close(f);
        }
}

int file_notifies(const struct file *f)
{
    if (f->kind == FILE_OPS)
        return f->ops->notifies ? f->ops->notifies(f) : !f->ops->polled_each_tick;
    if (f->kind == FILE_PIPE)
        return 1; /* pipe.c notifies on every read, write, open and close */
    /* files and memory devices are always ready; the console and the
     * keyboard do not report their input */
    return f->inode->type != INODE_CONSOLE && f->inode->type != INODE_KBD;
}
