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

#endif
