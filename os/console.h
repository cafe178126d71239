/* console.h — the serial lines: COM1, a 16550A UART (machine/uart.h), is
 * the program's stdin and stdout; COM2 its stderr.  Output is polled;
 * COM1 input arrives by IRQ4 and goes to the tty layer (tty.h) as far as
 * it has room — the rest waits in the UART (flow control, nothing lost). */
#ifndef OS_CONSOLE_H
#define OS_CONSOLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void console_init(void);
/* COM1 transmit: raw bytes to the host's stdout. */
void console_putc(char c);
void console_write(const char *s, size_t n);
/* COM2 transmit: raw bytes to the host's stderr. */
void stderr_putc(char c);
void stderr_write(const char *s, size_t n);
/* IRQ4: move received bytes into the tty while it has room. */
void console_intr(void);
/* The tty has room again: drain what the UART held back. */
void console_rx_resume(void);

#endif
