/* tty.h — the console's line discipline (os/tty.c): what sits between the
 * COM1 driver (console.c) and read(0)/write(1).
 *
 * Two personalities, chosen at boot from the kernel command line (the
 * machine writes "tty=stdin[,stdout][,stderr] winsize=COLSxROWS" when the
 * host's stdin is a terminal, machine/machine.h):
 *   - not a terminal (stdin is a file or a pipe): every byte passes through
 *     untouched, in order, nothing lost; end of file is the carrier drop.
 *     ioctl(TCGETS) fails with ENOTTY, so isatty(0) is false, as natively.
 *   - a terminal: Linux's N_TTY behaviour — canonical mode with echo and
 *     line editing (VERASE, VKILL, VWERASE, VLNEXT, VREPRINT), VEOF as end
 *     of file, VINTR/VQUIT/VSUSP as SIGINT/SIGQUIT/SIGTSTP to the
 *     foreground process group, ICRNL/INLCR/IGNCR/ISTRIP, OPOST/ONLCR/OCRNL
 *     output, non-canonical reads with VMIN/VTIME, and the termios ioctls.
 * The input buffer is 4 KiB; when it is full the driver stops taking bytes
 * from the UART (flow control) instead of dropping them. */
#ifndef OS_TTY_H
#define OS_TTY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which line a file writes to. */
enum tty_line {
    TTY_CONSOLE,   /* /dev/console, /dev/tty: COM1 through the line discipline */
    TTY_COM1_RAW,  /* /dev/ttyS0: COM1, never a terminal (fd 1 when only stdin is one) */
    TTY_COM2,      /* /dev/ttyS1: COM2, stderr; a terminal when stdin and stderr are */
};

/* From the kernel command line (before fs_init: /dev/tty exists only for
 * a terminal). */
void tty_init(const char *cmdline);
bool tty_is_terminal(void);
/* Does ioctl on a file of this line act on the terminal (else ENOTTY)? */
bool tty_line_is_terminal(enum tty_line line);
/* fd 1 of process 1: the console itself when the host's stdout is the same
 * kind of thing as its stdin, else the raw COM1 line. */
bool tty_stdout_is_console(void);

/* From the COM1 driver. */
bool tty_has_room(void);
void tty_receive(uint8_t c);
/* Not a terminal: the room left (0 for a terminal, whose bytes go one by
 * one through tty_receive), and n bytes taken as they are. */
size_t tty_raw_room(void);
void tty_receive_raw(const uint8_t *bytes, size_t n);
void tty_hangup(void);
/* End of a batch of tty_receive/tty_hangup calls: wake the readers. */
void tty_received(void);

/* From the file layer.  nonblock: O_NONBLOCK (-EAGAIN instead of
 * waiting).  Reads return 0 at end of file, -ERESTARTSYS when a signal
 * interrupted the wait. */
long tty_read(void *dst, size_t n, bool nonblock);
long tty_write(enum tty_line line, const void *src, size_t n);
bool tty_readable(void);
long tty_ioctl(enum tty_line line, uint64_t request, uint64_t arg);
/* Bytes a read could return now (FIONREAD). */
size_t tty_pending(void);

/* Kernel messages ("[pid N] killed: ...") go to stderr (COM2), with the
 * terminal's output processing when stderr is the terminal. */
void tty_kernel_message(const char *s, size_t n);

#endif
