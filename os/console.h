/* console.h — the console: COM1, a 16550A UART (machine/uart.h), is the
 * program's terminal.  Output is polled; input arrives by IRQ4 into a line
 * buffer that read(0) drains. */
#ifndef OS_CONSOLE_H
#define OS_CONSOLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void console_init(void);
void console_putc(char c);
void console_write(const char *s, size_t n);
/* IRQ4: move every received byte into the line buffer. */
void console_intr(void);
/* Blocking read of at most n bytes from the line buffer into a kernel
 * buffer: returns when a whole line (or ^D) is there; 0 means end of file,
 * -ERESTARTSYS a signal interrupted the wait. */
long console_read(char *dst, size_t n);
/* A read would not block (a line, ^D, or the carrier is gone). */
bool console_readable(void);

#endif
