/* uart.h — a National Semiconductor 16550A UART, COM1 of a PC (ports
 * 0x3F8-0x3FF, IRQ4).  Register-level model of the PC16550D datasheet:
 *   reg 0  RBR (read) / THR (write);  DLL when LCR.DLAB = 1
 *   reg 1  IER (ERBFI, ETBEI, ELSI, EDSSI); DLM when LCR.DLAB = 1
 *   reg 2  IIR (read) / FCR (write)
 *   reg 3  LCR   reg 4 MCR   reg 5 LSR   reg 6 MSR   reg 7 SCR
 * Interrupt identification in priority order: receiver line status (OE),
 * received data available (FIFO at its trigger level), character timeout
 * (FIFO mode: data waiting, nothing received or read for 4 character
 * times), THR empty, modem status.  A THR-empty interrupt is cleared by
 * reading IIR while it is the reported source or by writing THR.
 *
 * The line is an ideal wire at the host side:
 *   - TX: a byte written to THR is transmitted at once (LSR.THRE and TEMT
 *     stay set) and handed to the tx callback (the board writes it to the
 *     host's stdout); if ETBEI is set the THR-empty interrupt is then
 *     pending again, so each write is followed by a fresh interrupt edge.
 *   - RX: the board pushes host bytes with uart_push_rx into a wire queue;
 *     the receiver takes them into the RX FIFO (16 bytes, or the single RBR
 *     with FIFOs off) as soon as there is room, so nothing is lost and
 *     LSR.OE only happens in loopback.  uart_rx_close says no more bytes
 *     will come (host EOF); once the guest has read every byte the carrier
 *     drops (MSR.DCD = 0, a modem-status interrupt): its end of file.
 *   - MCR.LOOP: THR feeds the receiver, MSR reflects DTR->DSR, RTS->CTS,
 *     OUT1->RI, OUT2->DCD, and the wire is disconnected.  Outside loopback
 *     the modem inputs read CTS = DSR = DCD = 1 (a console is attached).
 *   - IRQ4 follows the INTR output gated by MCR.OUT2, as on a PC; in
 *     loopback OUT2 is internal, so the IRQ line stays low.
 * Time: the character time is (1 start + data + parity + stop bits) x
 * divisor / 115200 s of virtual time; it only matters for the FIFO timeout
 * interrupt.  Board contract as for the PIT (pit.h): uart_advance(u, now)
 * before each port access and when now reaches uart_next_deadline(u). */
#ifndef RINGSCOPE_UART_H
#define RINGSCOPE_UART_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_COM1_BASE 0x3F8
#define UART_COM1_IRQ 4
#define UART_COM2_BASE 0x2F8
#define UART_COM2_IRQ 3
#define UART_FIFO_SIZE 16
#define UART_WIRE_SIZE 4096

/* Register numbers (port - base). */
enum { UART_RBR_THR, UART_IER, UART_IIR_FCR, UART_LCR, UART_MCR, UART_LSR, UART_MSR, UART_SCR };

/* Device interrupt output (same typedef in every device header; C11 allows
 * the repetition): level 1 = asserted.  The 8259 reacts to 0->1 edges. */
typedef void device_irq_fn(void *ctx, int line, int level);

struct uart {
    /* receiver */
    uint8_t rx_fifo[UART_FIFO_SIZE];
    unsigned rx_head, rx_count;
    uint8_t last_rx;            /* RBR keeps its last value when empty */
    bool rx_timeout;            /* FIFO character-timeout condition */
    uint64_t rx_activity_ns;    /* last character received or read */
    uint8_t wire[UART_WIRE_SIZE];
    unsigned wire_head, wire_count;
    bool rx_closed;
    /* registers */
    uint8_t ier, lcr, mcr, scr;
    uint16_t divisor;
    bool fifo_enabled;
    uint8_t rx_trigger;         /* 1, 4, 8 or 14 */
    uint8_t line_errors;        /* LSR OE/PE/FE/BI, cleared by reading LSR */
    uint8_t modem_inputs;       /* MSR bits 7-4: DCD, RI, DSR, CTS */
    uint8_t modem_deltas;       /* MSR bits 3-0, cleared by reading MSR */
    bool thre_pending;          /* THR-empty interrupt source */
    /* outputs */
    int irq_line;
    bool irq_level;
    device_irq_fn *irq;
    void *irq_ctx;
    void (*tx)(void *ctx, uint8_t byte);
    void *tx_ctx;
    void (*rx_drained)(void *ctx); /* the wire queue just ran empty */
    void *rx_drained_ctx;
    uint64_t now_ns;
};

/* Power-on reset state (datasheet "Reset"): IER = 0, IIR = 0x01, LCR = 0,
 * MCR = 0, LSR = 0x60, FIFOs off; the divisor is set to 12 (9600 baud).
 * irq_line is the PIC input this UART drives (4 for COM1). */
void uart_init(struct uart *u, int irq_line, device_irq_fn *irq, void *irq_ctx,
               void (*tx)(void *ctx, uint8_t byte), void *tx_ctx);

/* reg 0-7.  Byte registers: a wider access is split into byte accesses to
 * consecutive registers (bytes past reg 7 read 0xFF, writes dropped). */
uint32_t uart_read(struct uart *u, unsigned reg, unsigned size);
void uart_write(struct uart *u, unsigned reg, unsigned size, uint32_t value);

/* Host input: queue up to n bytes on the wire; returns how many were taken
 * (less than n when the wire queue is full or the input was closed). */
size_t uart_push_rx(struct uart *u, const uint8_t *bytes, size_t n);
/* Room left on the wire (0 after uart_rx_close): the board reads at most
 * this much from the host's stdin. */
size_t uart_rx_room(const struct uart *u);
void uart_rx_close(struct uart *u);
/* Call fn when the receiver has taken the last byte waiting on the wire
 * (and input is not closed): the board refills the wire from the host at
 * once, the way a modem's flow control lets the sender resume, so a guest
 * that reads fast is not held to one wire-full per run-loop slice. */
void uart_on_rx_drained(struct uart *u, void (*fn)(void *ctx), void *ctx);

uint64_t uart_next_deadline(const struct uart *u);
void uart_advance(struct uart *u, uint64_t now_ns);

#endif
