/* uaccess.h — moving data between the kernel and user memory (os/uaccess.c).
 *
 * Every pointer a program passes in a system call is checked here: it must
 * lie in the user half and in an area with the needed rights.  The copy
 * goes page by page through vma_user_page(), which also commits a
 * demand-zero page or breaks copy-on-write, and through the direct map —
 * so a bad pointer yields -EFAULT and can never fault in the kernel. */
#ifndef OS_UACCESS_H
#define OS_UACCESS_H
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include "vma.h"

/* 0, or -EFAULT. */
int copy_to_user(struct mm *mm, uint64_t dst, const void *src, size_t n);
int copy_from_user(struct mm *mm, void *dst, uint64_t src, size_t n);
/* A NUL-terminated string of at most max bytes (NUL included): its length,
 * -EFAULT, or -ENAMETOOLONG. */
long copy_string_from_user(struct mm *mm, char *dst, uint64_t src, size_t max);
int zero_user(struct mm *mm, uint64_t dst, size_t n);

/* The same on the current process's address space. */
int put_user(uint64_t dst, const void *src, size_t n);
int get_user(void *dst, uint64_t src, size_t n);
long get_user_string(char *dst, uint64_t src, size_t max);

/* The user memory of one read or write (one buffer) or readv or writev
 * (an iovec array), walked front to back as one stream of bytes: what a
 * pipe needs to see a request whole, as Linux's iov_iter does. */
struct user_buf {
    uint64_t addr, len;   /* the current piece */
    uint64_t next_iov;    /* user address of the next struct iovec */
    uint64_t iovs_left;   /* iovecs after the current piece */
    uint64_t left;        /* bytes not yet walked, in all pieces */
    bool kernel;          /* addr is kernel memory (the kernel moving bytes itself) */
};
void user_buf_single(struct user_buf *b, uint64_t addr, uint64_t len);
/* A stream over a kernel buffer, for code that feeds a pipe from the
 * kernel (sendfile, splice). */
void user_buf_kernel(struct user_buf *b, void *buf, uint64_t len);
/* From an iovec array as readv(2)/writev(2) check it: -EINVAL for more
 * than IOV_MAX entries or a length past SSIZE_MAX, -EFAULT for an
 * unreadable array or a piece outside user memory. */
long user_buf_iovec(struct user_buf *b, uint64_t iov, uint64_t count);
/* Move the next n bytes (n <= left) into / out of kernel memory and
 * advance: 0, or -EFAULT (the stream is then left where it failed). */
int user_buf_in(struct user_buf *b, void *dst, uint64_t n);
int user_buf_out(struct user_buf *b, const void *src, uint64_t n);

#endif
