/* uio.h — one read or write's user buffers, walked in order (os/uio.c):
 * a single buffer (read, send, recvfrom) or a user array of struct iovec
 * (readv, sendmsg, recvmsg).  Kinds of file that must see the whole
 * request at once — a datagram is one record however many iovecs carry
 * it — take a uio instead of kernel-buffer chunks. */
#ifndef OS_UIO_H
#define OS_UIO_H
#include <stdint.h>

#define UIO_MAXIOV 1024 /* Linux's IOV_MAX */

struct iovec64 {
    uint64_t base, len;
};

struct uio {
    uint64_t iov_addr;            /* user array of iovecs; 0: the single buffer below */
    uint64_t iov_count, iov_next; /* how many, and the next one to fetch */
    uint64_t base, len;           /* the current buffer's part not yet used */
    uint64_t resid;               /* bytes left in all buffers */
};

/* 0, or -EFAULT when the buffer is not in the user half. */
int uio_single(struct uio *u, uint64_t ubuf, uint64_t n);
/* Checks every iovec (count <= UIO_MAXIOV, each in the user half, the sum
 * fits in a ssize_t): 0, -EINVAL or -EFAULT. */
int uio_vector(struct uio *u, uint64_t iov_addr, uint64_t count);
/* Copy n bytes to / from the buffers, advancing: bytes moved (n, or
 * fewer at the end of the buffers), or -EFAULT before anything moved. */
long uio_copy_out(struct uio *u, const void *src, uint64_t n);
long uio_copy_in(struct uio *u, void *dst, uint64_t n);

#endif
