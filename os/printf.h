/* printf.h — formatted output for the kernel.
 *   kprintf   the kernel log: port 0xE9 (the machine's debug port), never
 *             seen by the program's user, always available (even in panic).
 *   cprintf   the program's stderr: COM2, the second 16550 UART (through
 *             the tty's output processing when stderr is the terminal).
 * Formats: %d %i %u %x %X %p %s %c %%, flags '0' and '-', a width, and the
 * length modifiers l, ll, z. */
#ifndef OS_PRINTF_H
#define OS_PRINTF_H
#include <stdarg.h>
#include <stddef.h>

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like snprintf: returns the length the full output would have had. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
void vformat(void (*put)(void *ctx, char c), void *ctx, const char *fmt, va_list ap);

#endif
