/* console.c — driver for the 16550A UART at COM1 (0x3F8, IRQ4).
 *
 * Registers (PC16550D datasheet, Table 2; offset from 0x3F8):
 *   0 RBR/THR  receive buffer (read) / transmit holding (write);
 *              with LCR.DLAB = 1: divisor latch low
 *   1 IER      interrupt enable: bit 0 received data available;
 *              with LCR.DLAB = 1: divisor latch high
 *   2 IIR/FCR  interrupt identification (read) / FIFO control (write)
 *   3 LCR      line control: word length, stop bits, parity, bit 7 DLAB
 *   4 MCR      modem control: bit 0 DTR, bit 1 RTS, bit 3 OUT2 (on a PC,
 *              OUT2 gates the UART's interrupt onto the IRQ line)
 *   5 LSR      line status: bit 0 data ready, bit 5 THR empty
 *   6 MSR      modem status: bit 7 DCD, data carrier detect
 *
 * Transmit is polled (wait for LSR.THRE, write THR).  Receive is interrupt
 * driven: each byte goes into a small line discipline — a line is handed to
 * read() when it ends with '\n', or at ^D (end of file at the line start).
 * The FIFOs stay off (16450 mode): enabling them would discard a byte that
 * arrived before the kernel started (PC16550D: switching FCR0 clears the
 * receiver).  When the carrier drops (MSR.DCD = 0: the host side hung up)
 * the console reads as end of file once the buffered input is consumed. */
#include "console.h"
#include <stdbool.h>
#include "errno.h"
#include "proc.h"
#include "signal.h"
#include "x86.h"

#define COM1 0x3F8
#define UART_THR 0
#define UART_RBR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define LSR_DATA_READY 0x01
#define MSR_DCD 0x80
#define IER_RX_DATA 0x01
#define IER_MODEM_STATUS 0x08
#define LSR_THR_EMPTY 0x20
#define CTRL_D 0x04

#define INPUT_SIZE 1024
static struct {
    char buf[INPUT_SIZE];
    size_t read, committed, write; /* read <= committed <= write (mod INPUT_SIZE) */
    bool hung_up;                  /* carrier lost: no more input will come */
} input;

void console_init(void)
{
    outb(COM1 + UART_IER, 0x00);  /* no interrupts while programming */
    outb(COM1 + UART_LCR, 0x80);  /* DLAB = 1: registers 0/1 are the divisor */
    outb(COM1 + UART_DLL, 0x01);  /* divisor 1 = 115200 baud */
    outb(COM1 + UART_DLM, 0x00);
    outb(COM1 + UART_LCR, 0x03);  /* DLAB = 0, 8 data bits, no parity, 1 stop */
    outb(COM1 + UART_MCR, 0x0B);  /* DTR | RTS | OUT2 (IRQ4 enabled on a PC) */
    outb(COM1 + UART_IER, IER_RX_DATA | IER_MODEM_STATUS);
    console_intr();               /* bytes that arrived before the kernel ran */
}

void console_putc(char c)
{
    while (!(inb(COM1 + UART_LSR) & LSR_THR_EMPTY))
        ;
    outb(COM1 + UART_THR, (uint8_t)c);
}

void console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        console_putc(s[i]);
}

static void input_byte(char c)
{
    if (c == '\r')
        c = '\n';
    if (input.write - input.read >= INPUT_SIZE)
        return; /* buffer full: drop, like a tty's overrun */
    input.buf[input.write++ % INPUT_SIZE] = c;
    if (c == '\n' || c == CTRL_D || input.write - input.read == INPUT_SIZE) {
        input.committed = input.write;
        wakeup(&input);
    }
}

void console_intr(void)
{
    while (inb(COM1 + UART_LSR) & LSR_DATA_READY)
        input_byte((char)inb(COM1 + UART_RBR));
    if (!(inb(COM1 + UART_MSR) & MSR_DCD) && !input.hung_up) { /* reading MSR also acknowledges its interrupt */
        input.hung_up = true;
        input.committed = input.write;
        wakeup(&input);
    }
}

bool console_readable(void) { return input.read != input.committed || input.hung_up; }

long console_read(char *dst, size_t n)
{
    while (input.read == input.committed) {
        if (input.hung_up)
            return 0;
        if (signal_interrupted())
            return -ERESTARTSYS;
        sleep_on(&input);
    }
    size_t got = 0;
    while (got < n && input.read < input.committed) {
        char c = input.buf[input.read++ % INPUT_SIZE];
        if (c == CTRL_D)
            break; /* ^D ends this read; at a line start it reads as EOF */
        dst[got++] = c;
        if (c == '\n')
            break;
    }
    return (long)got;
}
