/* file.c — open files: inodes, devices (console, null, zero, urandom,
 * kbd) and pipes. */
#include "file.h"
#include "console.h"
#include "errno.h"
#include "keyboard.h"
#include "kheap.h"
#include "proc.h"
#include "random.h"
#include "signal.h"
#include "string.h"

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

struct file *file_open(struct inode *ino, uint32_t flags)
{
    struct file *f = file_alloc(FILE_INODE, flags);
    if (f) {
        f->inode = ino;
        fs_opened(ino);
    }
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
 * writer sleeps while it is full and a reader exists (SIGPIPE is not
 * delivered: the write fails with EPIPE). */
static long pipe_read(struct pipe *p, uint8_t *dst, uint64_t n)
{
    while (p->read_pos == p->write_pos && p->writers > 0) {
        if (signal_interrupted())
            return -EINTR;
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
        if (p->readers == 0)
            return put ? (long)put : -EPIPE;
        if (p->write_pos - p->read_pos == PIPE_SIZE) {
            if (signal_interrupted())
                return put ? (long)put : -EINTR;
            wakeup(p);
            sleep_on(p);
            continue;
        }
        p->buf[p->write_pos++ % PIPE_SIZE] = src[put++];
    }
    wakeup(p);
    return (long)put;
}

long file_read(struct file *f, void *dst, uint64_t n)
{
    if (!file_readable(f))
        return -EBADF;
    if (f->kind == FILE_PIPE)
        return pipe_read(f->pipe, dst, n);
    switch (f->inode->type) {
    case INODE_CONSOLE:
        return (long)console_read(dst, n);
    case INODE_NULL:
        return 0;
    case INODE_KBD:
        return (long)keyboard_read(dst, n);
    case INODE_ZERO:
        memset(dst, 0, n);
        return (long)n;
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
        console_write(src, n);
        return (long)n;
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
