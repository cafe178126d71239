/* string.h — the kernel's few freestanding memory and string helpers
 * (os/string.c).  gcc may also emit calls to memcpy/memset/memmove/memcmp
 * on its own, so these names are the standard ones. */
#ifndef OS_STRING_H
#define OS_STRING_H
#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* Copies at most size-1 bytes and always NUL-terminates (size > 0). */
void strlcpy(char *dst, const char *src, size_t size);

#endif
