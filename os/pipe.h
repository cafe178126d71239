/* pipe.h — pipes as Linux builds them (os/pipe.c): a ring of 16 buffers
 * of one page each (65536 bytes, pipe(7)), filled and drained the way
 * Linux's fs/pipe.c does, so that a non-blocking write writes as many
 * bytes as it would on Linux and poll agrees with read and write. */
#ifndef OS_PIPE_H
#define OS_PIPE_H
#include <stdbool.h>
#include <stdint.h>
#include "uaccess.h"

#define PIPE_BUFFERS 16 /* pages; Linux's default pipe size */
#define PIPE_BUF 4096   /* writes up to this size are atomic (pipe(7)) */

struct pipe_buffer {
    uint64_t page;           /* physical address of the frame, 0 = none */
    uint32_t offset, len;    /* the unread bytes: [offset, offset + len) */
};

struct pipe {
    struct pipe_buffer bufs[PIPE_BUFFERS];
    uint32_t head, tail;     /* bufs[tail % N] up to bufs[(head - 1) % N] hold bytes */
    int readers, writers;    /* open ends */
    uint64_t bytes_written, bytes_read; /* ever: epoll's edge trigger counts these (file_event_seq) */
};

/* A new pipe with one reader and one writer; 0 if out of memory. */
struct pipe *pipe_new(void);
/* A FIFO's pipe (mkfifo): no end open yet; 0 if out of memory. */
struct pipe *pipe_new_unopened(void);
/* One more end opened (a FIFO's open); wakes whoever waits for it. */
void pipe_open_end(struct pipe *p, bool writer);
/* One end closed; the pipe goes with the last one (true: it is gone). */
bool pipe_close_end(struct pipe *p, bool writer);
/* read(2)/write(2) on an end: the byte count, or -EAGAIN (nonblock and
 * it would wait), -EPIPE (no reader: SIGPIPE sent too), -EFAULT,
 * -ERESTARTSYS (a signal while waiting, nothing moved yet). */
long pipe_read(struct pipe *p, struct user_buf *dst, bool nonblock);
long pipe_write(struct pipe *p, struct user_buf *src, bool nonblock);
/* Bytes a write can put in now without waiting: the free buffers' room
 * (0 when full). */
uint64_t pipe_room(const struct pipe *p);
/* poll(2) bits for an end: POLLIN | POLLHUP for the reader, POLLOUT |
 * POLLERR for the writer, exactly when read/write would not wait. */
unsigned pipe_poll(const struct pipe *p, bool writer);

#endif
