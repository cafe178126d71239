/* sys_xfer.c — moving bytes between descriptors inside the kernel:
 * sendfile, splice, copy_file_range.  The data goes through a kernel
 * buffer (file_read, file_write), never through the program's memory.
 *
 *   sendfile(out, in, *offset, count)      in: a file read at *offset (then
 *                                          *offset advances, in's offset
 *                                          does not) or at its offset
 *   splice(in, *off_in, out, *off_out, n)  one end at least a pipe; a pipe
 *                                          end takes no offset (ESPIPE)
 *   copy_file_range(in, *off_in, out, *off_out, n, 0)  two regular files
 *
 * All return the bytes moved (0 at end of input); a transfer stops short
 * when the input runs dry.  Writing into a pipe moves at most what it has
 * room for once something fits, as Linux's splice does with its pipe
 * buffers, so a program that splices into a pipe it reads itself does not
 * block forever. */
#include "errno.h"
#include "fdtable.h"
#include "file.h"
#include "proc.h"
#include "signal.h"
#include "syscall.h"
#include "uaccess.h"

#define XFER_CHUNK 1024
#define MAX_RW_COUNT 0x7ffff000ull
#define SPLICE_F_NONBLOCK 2

static bool is_pipe(const struct file *f) { return f->kind == FILE_PIPE; }
static bool is_regular(const struct file *f) { return f->kind == FILE_INODE && f->inode->type == INODE_FILE; }

/* Read up to n bytes of in at *pos (pos NULL: at its offset); a pipe
 * yields what one read(2) would. */
static long read_at(struct file *in, uint64_t *pos, void *buf, uint64_t n, bool nonblock)
{
    if (is_pipe(in)) {
        struct user_buf b;
        user_buf_kernel(&b, buf, n);
        return pipe_read(in->pipe, &b, nonblock || file_nonblocking(in));
    }
    if (!pos)
        return file_read(in, buf, n);
    uint64_t saved = in->offset;
    in->offset = *pos;
    long got = file_read(in, buf, n);
    in->offset = saved;
    if (got > 0)
        *pos += (uint64_t)got;
    return got;
}

static long write_at(struct file *out, uint64_t *pos, const void *buf, uint64_t n)
{
    if (is_pipe(out)) { /* pipe_room made sure n fits */
        struct user_buf b;
        user_buf_kernel(&b, (void *)buf, n);
        return pipe_write(out->pipe, &b, true);
    }
    if (!pos)
        return file_write(out, buf, n);
    uint64_t saved = out->offset;
    uint32_t saved_flags = out->flags;
    out->offset = *pos;
    out->flags &= ~O_APPEND;
    long put = file_write(out, buf, n);
    out->offset = saved;
    out->flags = saved_flags;
    if (put > 0)
        *pos += (uint64_t)put;
    return put;
}

/* Room in a pipe we are about to write into: wait until there is some
 * (or no reader is left: the write then raises SIGPIPE / EPIPE). */
static long wait_for_room(struct file *out, bool nonblock)
{
    struct pipe *p = out->pipe;
    for (;;) {
        uint64_t room = pipe_room(p);
        if (room || p->readers == 0)
            return room ? (long)room : 1;
        if (nonblock)
            return -EAGAIN;
        if (signal_interrupted())
            return -ERESTARTSYS;
        wakeup(p);
        sleep_on(p); /* a reader wakes the pipe's channel */
    }
}

/* The common loop: up to n bytes from in to out.  A pipe as input gives
 * what one read yields (at least one byte, or 0 at end of input). */
static long transfer(struct file *in, uint64_t *in_pos, struct file *out, uint64_t *out_pos, uint64_t n,
                     bool nonblock)
{
    char buf[XFER_CHUNK];
    uint64_t done = 0;
    if (n > MAX_RW_COUNT)
        n = MAX_RW_COUNT;
    while (done < n) {
        uint64_t want = n - done < sizeof buf ? n - done : sizeof buf;
        if (is_pipe(out)) {
            if (done && !pipe_room(out->pipe))
                break; /* full after some bytes: return what moved */
            long room = wait_for_room(out, nonblock);
            if (room < 0)
                return done ? (long)done : room;
            if ((uint64_t)room < want)
                want = (uint64_t)room;
        }
        long got = read_at(in, in_pos, buf, want, nonblock);
        if (got <= 0)
            return done ? (long)done : got;
        long put = write_at(out, out_pos, buf, (uint64_t)got);
        if (put < 0)
            return done ? (long)done : put;
        done += (uint64_t)put;
        if (put < got || is_pipe(in))
            break;
    }
    return (long)done;
}

static long get_offset(uint64_t uptr, uint64_t *pos)
{
    int64_t v;
    if (get_user(&v, uptr, sizeof v))
        return -EFAULT;
    if (v < 0)
        return -EINVAL;
    *pos = (uint64_t)v;
    return 0;
}

long sys_sendfile(struct trapframe *tf)
{
    struct proc *p = current_proc();
    struct file *out = fd_get(p, ARG0(tf)), *in = fd_get(p, ARG1(tf));
    if (!out || !in || !file_readable(in) || !file_writable(out))
        return -EBADF;
    if (!is_regular(in) && !(in->kind == FILE_INODE && in->inode->type != INODE_DIR))
        return -EINVAL;
    if (out->kind == FILE_INODE && (out->flags & O_APPEND))
        return -EINVAL;
    uint64_t pos;
    if (ARG2(tf)) {
        long err = get_offset(ARG2(tf), &pos);
        if (err)
            return err;
    }
    long n = transfer(in, ARG2(tf) ? &pos : 0, out, 0, ARG3(tf), false);
    if (ARG2(tf) && n >= 0 && put_user(ARG2(tf), &pos, sizeof pos))
        return -EFAULT;
    return n;
}

long sys_splice(struct trapframe *tf)
{
    struct proc *p = current_proc();
    struct file *in = fd_get(p, ARG0(tf)), *out = fd_get(p, ARG2(tf));
    uint64_t uoff_in = ARG1(tf), uoff_out = ARG3(tf), flags = ARG5(tf), in_pos, out_pos;
    if (!in || !out || !file_readable(in) || !file_writable(out))
        return -EBADF;
    if (!is_pipe(in) && !is_pipe(out))
        return -EINVAL;
    if ((is_pipe(in) && uoff_in) || (is_pipe(out) && uoff_out))
        return -ESPIPE;
    if (is_pipe(in) && is_pipe(out) && in->pipe == out->pipe)
        return -EINVAL;
    if (out->kind == FILE_INODE && (out->flags & O_APPEND))
        return -EINVAL;
    if ((uoff_in && !is_regular(in)) || (uoff_out && !is_regular(out)))
        return -ESPIPE;
    if ((uoff_in && get_offset(uoff_in, &in_pos)) || (uoff_out && get_offset(uoff_out, &out_pos)))
        return -EFAULT;
    if (ARG4(tf) == 0)
        return 0;
    long n = transfer(in, uoff_in ? &in_pos : 0, out, uoff_out ? &out_pos : 0, ARG4(tf), flags & SPLICE_F_NONBLOCK);
    if (n >= 0 && ((uoff_in && put_user(uoff_in, &in_pos, 8)) || (uoff_out && put_user(uoff_out, &out_pos, 8))))
        return -EFAULT;
    return n;
}

long sys_copy_file_range(struct trapframe *tf)
{
    struct proc *p = current_proc();
    struct file *in = fd_get(p, ARG0(tf)), *out = fd_get(p, ARG2(tf));
    uint64_t uoff_in = ARG1(tf), uoff_out = ARG3(tf), len = ARG4(tf), in_pos, out_pos;
    if (ARG5(tf))
        return -EINVAL;
    if (!in || !out || !file_readable(in) || !file_writable(out))
        return -EBADF;
    if ((in->kind == FILE_INODE && in->inode->type == INODE_DIR) ||
        (out->kind == FILE_INODE && out->inode->type == INODE_DIR))
        return -EISDIR;
    if (!is_regular(in) || !is_regular(out))
        return -EINVAL;
    if (out->flags & O_APPEND)
        return -EBADF;
    in_pos = in->offset;
    out_pos = out->offset;
    if ((uoff_in && get_offset(uoff_in, &in_pos)) || (uoff_out && get_offset(uoff_out, &out_pos)))
        return -EFAULT;
    /* The same file: the ranges may not overlap. */
    if (in->inode == out->inode && in_pos < out_pos + len && out_pos < in_pos + len)
        return -EINVAL;
    long n = transfer(in, &in_pos, out, &out_pos, len, false);
    if (n < 0)
        return n;
    if (uoff_in ? put_user(uoff_in, &in_pos, 8) : 0)
        return -EFAULT;
    if (uoff_out ? put_user(uoff_out, &out_pos, 8) : 0)
        return -EFAULT;
    if (!uoff_in)
        in->offset = in_pos;
    if (!uoff_out)
        out->offset = out_pos;
    return n;
}
