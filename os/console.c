/* console.c — driver for the two 16550A UARTs of the PC: COM1 (0x3F8,
 * IRQ4), the console (the program's stdin and stdout), and COM2 (0x2F8,
 * IRQ3), the program's stderr and the kernel's own messages.
 *
 * Registers (PC16550D datasheet, Table 2; offset from the base port):
 *   0 RBR/THR  receive buffer (read) / transmit holding (write);
 *              with LCR.DLAB = 1: divisor latch low
 *   1 IER      interrupt enable: bit 0 received data available, bit 3
 *              modem status; with LCR.DLAB = 1: divisor latch high
 *   2 IIR/FCR  interrupt identification (read) / FIFO control (write)
 *   3 LCR      line control: word length, stop bits, parity, bit 7 DLAB
 *   4 MCR      modem control: bit 0 DTR, bit 1 RTS, bit 3 OUT2 (on a PC,
 *              OUT2 gates the UART's interrupt onto the IRQ line)
 *   5 LSR      line status: bit 0 data ready, bit 5 THR empty
 *   6 MSR      modem status: bit 7 DCD, data carrier detect
 *
 * Transmit is polled (wait for LSR.THRE, write THR) on both lines.  COM1's
 * receiver is interrupt driven and hands each byte to the tty layer
 * (tty.c) — but only while the tty has room.  When it is full the driver
 * stops: it leaves the bytes in the UART and turns the receive interrupt
 * off, so the UART's receiver and the line behind it (the host's queue)
 * hold the rest, exactly as hardware flow control holds a sender.  When a
 * reader makes room, tty.c calls console_rx_resume() and draining goes on.
 * Nothing is ever dropped.  The FIFOs stay off (16450 mode): enabling them
 * would discard a byte that arrived before the kernel started (PC16550D:
 * switching FCR0 clears the receiver).  When the carrier drops (MSR.DCD =
 * 0: the host side hung up after its last byte was read) the tty learns
 * it has seen the end of its input. */
#include "console.h"
#include <stdbool.h>
#include "tty.h"
#include "x86.h"

#define COM1 0x3F8
#define COM2 0x2F8
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
#define LSR_THR_EMPTY 0x20
#define MSR_DCD 0x80
#define IER_RX_DATA 0x01
#define IER_MODEM_STATUS 0x08

static bool rx_held;   /* the tty was full: COM1's receive interrupt is off */
static bool hung_up;   /* the carrier dropped: reported to the tty once */

static void uart_setup(uint16_t base, uint8_t ier)
{
    outb(base + UART_IER, 0x00);  /* no interrupts while programming */
    outb(base + UART_LCR, 0x80);  /* DLAB = 1: registers 0/1 are the divisor */
    outb(base + UART_DLL, 0x01);  /* divisor 1 = 115200 baud */
    outb(base + UART_DLM, 0x00);
    outb(base + UART_LCR, 0x03);  /* DLAB = 0, 8 data bits, no parity, 1 stop */
    outb(base + UART_MCR, 0x0B);  /* DTR | RTS | OUT2 (IRQ enabled on a PC) */
    outb(base + UART_IER, ier);
}

void console_init(void)
{
    uart_setup(COM1, IER_RX_DATA | IER_MODEM_STATUS);
    uart_setup(COM2, 0);          /* output only: polled, no interrupts */
    console_intr();               /* bytes that arrived before the kernel ran */
}

static void uart_putc(uint16_t base, char c)
{
    while (!(inb(base + UART_LSR) & LSR_THR_EMPTY))
        ;
    outb(base + UART_THR, (uint8_t)c);
}

void console_putc(char c) { uart_putc(COM1, c); }

void console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        uart_putc(COM1, s[i]);
}

void stderr_putc(char c) { uart_putc(COM2, c); }

void stderr_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        uart_putc(COM2, s[i]);
}

/* Move received bytes into the tty while it takes them; hold the rest in
 * the UART (receive interrupt off) when it is full. */
static void drain(void)
{
    bool full = false;
    uint8_t batch[256];
    size_t n;
    /* Not a terminal: bytes go in unchanged, so take them in batches. */
    while ((n = tty_raw_room()) > 0) {
        size_t got = 0;
        if (n > sizeof batch)
            n = sizeof batch;
        while (got < n && (inb(COM1 + UART_LSR) & LSR_DATA_READY))
            batch[got++] = inb(COM1 + UART_RBR);
        tty_receive_raw(batch, got);
        if (got < n)
            break;
    }
    while (inb(COM1 + UART_LSR) & LSR_DATA_READY) {
        if (!tty_has_room()) {
            full = true;
            break;
        }
        tty_receive((uint8_t)inb(COM1 + UART_RBR));
    }
    if (full != rx_held) {
        rx_held = full;
        outb(COM1 + UART_IER, full ? IER_MODEM_STATUS : IER_RX_DATA | IER_MODEM_STATUS);
    }
    /* Reading MSR also acknowledges the modem-status interrupt.  DCD only
     * drops once every byte was read, so it cannot overtake data. */
    if (!hung_up && !(inb(COM1 + UART_MSR) & MSR_DCD)) {
        hung_up = true;
        tty_hangup();
    }
    tty_received();
}

void console_intr(void) { drain(); }

void console_rx_resume(void)
{
    if (rx_held)
        drain();
}
