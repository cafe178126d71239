/* panic.h — the kernel's last words (os/panic.c). */
#ifndef OS_PANIC_H
#define OS_PANIC_H
#include <stdint.h>

struct trapframe;

/* The machine's exit status after a panic: machine_exit_status() shows
 * 0xDEADFF, the ringscope process exits with 255. */
#define PANIC_EXIT_STATUS 0xDEADFFu

/* Prints the reason, the registers (panic_trap) and a frame-pointer
 * backtrace on the kernel log, one line on the console, reports an
 * OSEV_PANIC event and stops the machine through the exit port. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void panic_trap(const struct trapframe *tf, const char *what) __attribute__((noreturn));
/* Stop the machine: write status to the exit port. */
void machine_exit(uint32_t status) __attribute__((noreturn));

#define ASSERT(cond) \
    do { \
        if (!(cond)) \
            panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); \
    } while (0)

#endif
