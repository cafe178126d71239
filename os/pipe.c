/* pipe.c — pipes, following Linux's fs/pipe.c (pipe_read, pipe_write,
 * pipe_poll) so that programs see the same byte counts:
 *   - the pipe is a ring of 16 page buffers; a frame is taken when a
 *     buffer is started and given back when it is drained;
 *   - a write first adds its odd part (size mod 4096) to the last buffer
 *     when that fits, then fills whole new buffers: a write of at most
 *     PIPE_BUF bytes lands in one buffer, so it is atomic;
 *   - with no free buffer a write waits, or with O_NONBLOCK returns what it
 *     wrote so far (EAGAIN if nothing); with no reader it gets SIGPIPE and
 *     EPIPE;
 *   - a read takes what is there (across buffers) and waits only while the
 *     pipe is empty and a writer exists; with O_NONBLOCK it returns EAGAIN
 *     instead, and 0 (end of file) once every writer is gone;
 *   - poll: readable when not empty, hung up when no writer; writable when
 *     a buffer is free, in error when no reader.
 * Readers and writers sleep on the pipe; every change also wakes poll,
 * select and epoll (file_poll_notify), and the byte counts moved tell
 * epoll's edge trigger that new data came (file_event_seq). */
#include "pipe.h"
#include "errno.h"
#include "file.h"
#include "frame.h"
#include "kheap.h"
#include "memlayout.h"
#include "proc.h"
#include "signal.h"
#include "string.h"

static bool pipe_empty(const struct pipe *p) { return p->head == p->tail; }
static bool pipe_full(const struct pipe *p) { return p->head - p->tail >= PIPE_BUFFERS; }
static struct pipe_buffer *buf_at(struct pipe *p, uint32_t i) { return &p->bufs[i % PIPE_BUFFERS]; }

struct pipe *pipe_new(void)
{
    struct pipe *p = kheap_alloc(sizeof *p);
    if (!p)
        return 0;
    memset(p, 0, sizeof *p);
    p->readers = p->writers = 1;
    return p;
}

/* Something changed: wake the other end and poll/select. */
static void pipe_changed(struct pipe *p)
{
    wakeup(p);
    file_poll_notify();
}

struct pipe *pipe_new_unopened(void)
{
    struct pipe *p = pipe_new();
    if (p)
        p->readers = p->writers = 0;
    return p;
}

void pipe_open_end(struct pipe *p, bool writer)
{
    if (writer)
        p->writers++;
    else
        p->readers++;
    pipe_changed(p);
}

bool pipe_close_end(struct pipe *p, bool writer)
{
    if (writer)
        p->writers--;
    else
        p->readers--;
    pipe_changed(p);
    if (p->readers || p->writers)
        return false;
    for (uint32_t i = p->tail; i != p->head; i++)
        frame_put(buf_at(p, i)->page);
    kheap_free(p, sizeof *p);
    return true;
}

long pipe_read(struct pipe *p, struct user_buf *dst, bool nonblock)
{
    if (!dst->left)
        return 0; /* a null read succeeds */
    long ret = 0;
    for (;;) {
        if (!pipe_empty(p)) {
            struct pipe_buffer *b = buf_at(p, p->tail);
            uint32_t chars = b->len < dst->left ? b->len : (uint32_t)dst->left;
            if (user_buf_out(dst, (const char *)p2v(b->page) + b->offset, chars)) {
                if (!ret)
                    ret = -EFAULT;
                break;
            }
            ret += chars;
            b->offset += chars;
            b->len -= chars;
            if (!b->len) {
                frame_put(b->page);
                b->page = 0;
                p->tail++;
            }
            if (!dst->left)
                break;
            if (!pipe_empty(p))
                continue;
        }
        if (!p->writers || ret)
            break;
        if (nonblock) {
            ret = -EAGAIN;
            break;
        }
        if (signal_interrupted()) {
            ret = -ERESTARTSYS;
            break;
        }
        sleep_on(p);
    }
    if (ret > 0) {
        p->bytes_read += (uint64_t)ret;
        pipe_changed(p);
    }
    return ret;
}

/* Nobody will ever read: SIGPIPE (by default it ends the writer, as in
 * "yes | head"), and EPIPE if the program survives it. */
static long broken_pipe(long written)
{
    signal_send_thread(current_thread(), SIGPIPE, SI_KERNEL);
    return written ? written : -EPIPE;
}

long pipe_write(struct pipe *p, struct user_buf *src, bool nonblock)
{
    if (!src->left)
        return 0; /* a null write succeeds */
    if (!p->readers)
        return broken_pipe(0);
    long ret = 0;
    /* The odd part first, into the last buffer if it fits there: small
     * writes share a page. */
    uint64_t chars = src->left & (PAGE_SIZE - 1);
    if (chars && !pipe_empty(p)) {
        struct pipe_buffer *last = buf_at(p, p->head - 1);
        uint32_t end = last->offset + last->len;
        if (end + chars <= PAGE_SIZE) {
            if (user_buf_in(src, (char *)p2v(last->page) + end, chars))
                return -EFAULT;
            last->len += (uint32_t)chars;
            ret = (long)chars;
        }
    }
    while (src->left) {
        if (!p->readers) {
            ret = broken_pipe(ret);
            break;
        }
        if (!pipe_full(p)) {
            uint64_t page = frame_alloc();
            if (!page) {
                if (!ret)
                    ret = -ENOMEM;
                break;
            }
            uint32_t n = src->left < PAGE_SIZE ? (uint32_t)src->left : PAGE_SIZE;
            if (user_buf_in(src, p2v(page), n)) {
                frame_put(page);
                if (!ret)
                    ret = -EFAULT;
                break;
            }
            *buf_at(p, p->head) = (struct pipe_buffer){page, 0, n};
            p->head++;
            ret += n;
            continue;
        }
        if (nonblock) {
            if (!ret)
                ret = -EAGAIN;
            break;
        }
        if (signal_interrupted()) {
            if (!ret)
                ret = -ERESTARTSYS;
            break;
        }
        pipe_changed(p); /* let the reader drain what is there */
        sleep_on(p);
    }
    if (ret > 0) {
        p->bytes_written += (uint64_t)ret;
        pipe_changed(p);
    }
    return ret;
}

uint64_t pipe_room(const struct pipe *p)
{
    return (uint64_t)(PIPE_BUFFERS - (p->head - p->tail)) * PAGE_SIZE;
}

unsigned pipe_poll(const struct pipe *p, bool writer)
{
    if (writer)
        return (pipe_full(p) ? 0 : POLLOUT) | (p->readers ? 0 : POLLERR);
    return (pipe_empty(p) ? 0 : POLLIN) | (p->writers ? 0 : POLLHUP);
}
