/* kheap.h — page-granular kernel allocations (os/kheap.c). */
#ifndef OS_KHEAP_H
#define OS_KHEAP_H
#include <stddef.h>

/* bytes rounded up to whole pages, zero-filled, virtually contiguous;
 * NULL when RAM is exhausted. */
void *kheap_alloc(size_t bytes);
void kheap_free(void *p, size_t bytes);

#endif
