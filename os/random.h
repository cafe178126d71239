/* random.h — the kernel's deterministic "random" numbers (os/random.c). */
#ifndef OS_RANDOM_H
#define OS_RANDOM_H
#include <stddef.h>

/* Fill buf from one kernel-wide xorshift64 stream with a fixed seed: the
 * same run gives the same bytes (getrandom, /dev/urandom). */
void random_fill(void *buf, size_t n);

#endif
