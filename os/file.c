/* file.c — open files: inodes, devices (console, null, zero, urandom,
 * kbd) and pipes. */
#include "file.h"
#include "console.h"
#include "errno.h"
#include "keyboard.h"
#include "frame.h"
#include "kheap.h"
#include "printf.h"
#include "swap.h"
#include "proc.h"
#include "random.h"
#include "signal.h"
#include "string.h"
#include "tty.h"

static struct file files[MAX_FILES];

static struct file *file_alloc(enum file_kind kind, uint32_t flags)
{
    for (int i = 0; i < MAX_FILES; i++) {
        if (files[i].refs == 0) {
            memset(&files[i], 0, sizeof files[i]);
            files[i].kind = kind;
            files[i].refs = 1;
            files[i].flags = flags;
            return &files[i];
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

struct file *file_open(struct inode *ino, uint32_t flags)
{
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

int file_pipe(struct file *ends[2])
{
    struct pipe *p = kheap_alloc(sizeof *p);
    if (!p)
        return -ENOMEM;
    ends[0] = file_alloc(FILE_PIPE, O_RDONLY);
    ends[1] = ends[0] ? file_alloc(FILE_PIPE, O_WRONLY) : 0;
    if (!ends[1]) {
        if (ends[0])
            ends[0]->refs = 0;
        kheap_free(p, sizeof *p);
        return -ENFILE;
    }
    p->readers = p->writers = 1;
    ends[0]->pipe = ends[1]->pipe = p;
    ends[1]->pipe_writer = true;
    return 0;
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
    if (f->kind == FILE_INODE)
        fs_closed(f->inode);
    if (f->snapshot)
        kheap_free(f->snapshot, f->snapshot_alloc);
    if (f->kind == FILE_PIPE) {
        struct pipe *p = f->pipe;
        if (f->pipe_writer)
            p->writers--;
        else
            p->readers--;
        wakeup(p);
        if (!p->readers && !p->writers)
            kheap_free(p, sizeof *p);
    }
}

bool file_readable(const struct file *f) { return (f->flags & O_ACCMODE) != O_WRONLY; }
bool file_writable(const struct file *f) { return (f->flags & O_ACCMODE) != O_RDONLY; }

/* Pipe: the reader sleeps while it is empty and a writer exists; the
 * writer sleeps while it is full and a reader exists. */
static long pipe_read(struct pipe *p, uint8_t *dst, uint64_t n)
{
    while (p->read_pos == p->write_pos && p->writers > 0) {
        if (signal_interrupted())
            return -ERESTARTSYS;
        sleep_on(p);
    }
    uint64_t got = 0;
    while (got < n && p->read_pos < p->write_pos)
        dst[got++] = p->buf[p->read_pos++ % PIPE_SIZE];
    wakeup(p);
    return (long)got;
}

static long pipe_write(struct pipe *p, const uint8_t *src, uint64_t n)
{
    uint64_t put = 0;
    while (put < n) {
        if (p->readers == 0) {
            /* Nobody will ever read: SIGPIPE (by default it ends the writer, as
             * in "yes | head"), and EPIPE if the program survives it. */
            signal_send_thread(current_thread(), SIGPIPE, SI_KERNEL);
            return put ? (long)put : -EPIPE;
        }
        if (p->write_pos - p->read_pos == PIPE_SIZE) {
            if (signal_interrupted())
                return put ? (long)put : -ERESTARTSYS;
            wakeup(p);
            sleep_on(p);
            continue;
        }
        p->buf[p->write_pos++ % PIPE_SIZE] = src[put++];
    }
    wakeup(p);
    return (long)put;
}

unsigned file_poll(const struct file *f)
{
    if (f->kind == FILE_PIPE) {
        const struct pipe *p = f->pipe;
        if (f->pipe_writer)
            return p->readers == 0 ? POLLERR : p->write_pos - p->read_pos < PIPE_SIZE ? POLLOUT : 0;
        return (p->read_pos != p->write_pos ? POLLIN : 0) | (p->writers == 0 ? POLLHUP : 0);
    }
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
    if (f->kind == FILE_PIPE)
        return pipe_read(f->pipe, dst, n);
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
    case INODE_PROC_MEMINFO: {
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
    if (f->kind == FILE_PIPE)
        return pipe_write(f->pipe, src, n);
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
