/* uart.c — the 16550A UART (see uart.h).  Reference: National
 * Semiconductor PC16550D datasheet, "Register Description" (Tables II-IV:
 * interrupt identification and reset values), "FIFO Interrupt Mode
 * Operation", "Loopback". */
#include "uart.h"

/* IER bits */
#define IER_ERBFI 0x01 /* received data available */
#define IER_ETBEI 0x02 /* transmitter holding register empty */
#define IER_ELSI 0x04  /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */
/* IIR interrupt identification (bit 0 = 1: none pending) */
#define IIR_NONE 0x01
#define IIR_MODEM 0x00
#define IIR_THRE 0x02
#define IIR_RX_DATA 0x04
#define IIR_LINE 0x06
#define IIR_TIMEOUT 0x0C
#define IIR_FIFOS_ON 0xC0
/* LSR bits */
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
/* MCR bits */
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
/* MSR input bits (7-4) */
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80
#define LCR_DLAB 0x80

static unsigned rx_capacity(const struct uart *u)
{
    return u->fifo_enabled ? UART_FIFO_SIZE : 1;
}

static uint8_t interrupt_id(const struct uart *u)
{
    if ((u->ier & IER_ELSI) && u->line_errors)
        return IIR_LINE;
    if (u->ier & IER_ERBFI) {
        if (u->rx_count && (!u->fifo_enabled || u->rx_count >= u->rx_trigger))
            return IIR_RX_DATA;
        if (u->rx_timeout)
            return IIR_TIMEOUT;
    }
    if ((u->ier & IER_ETBEI) && u->thre_pending)
        return IIR_THRE;
    if ((u->ier & IER_EDSSI) && u->modem_deltas)
        return IIR_MODEM;
    return IIR_NONE;
}

/* INTR gated by OUT2 (a PC's tri-state buffer on the IRQ line); in loopback
 * the OUT2 pin is forced inactive, so nothing reaches the PIC. */
static void update_irq(struct uart *u)
{
    bool level = interrupt_id(u) != IIR_NONE && (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP);
    if (level == u->irq_level)
        return;
    u->irq_level = level;
    if (u->irq)
        u->irq(u->irq_ctx, u->irq_line, level);
}

/* Virtual nanoseconds per character on the line. */
static uint64_t char_time_ns(const struct uart *u)
{
    unsigned bits = 1 + 5 + (u->lcr & 3) + ((u->lcr & 0x08) ? 1 : 0) + ((u->lcr & 0x04) ? 2 : 1);
    uint64_t divisor = u->divisor ? u->divisor : 65536;
    return bits * divisor * 1000000000ull / 115200;
}

/* A character entered the receiver or was read: restart the timeout. */
static void touch_rx(struct uart *u)
{
    u->rx_activity_ns = u->now_ns;
    u->rx_timeout = false;
}

static void receive_byte(struct uart *u, uint8_t byte)
{
    if (u->rx_count == rx_capacity(u)) {
        /* Overrun: the character in the shift register is lost (16450
         * mode: it overwrites RBR). */
        u->line_errors |= LSR_OE;
        if (!u->fifo_enabled)
            u->rx_fifo[u->rx_head] = byte;
        return;
    }
    u->rx_fifo[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
    u->rx_count++;
    touch_rx(u);
}

/* Move waiting wire bytes into the receiver while there is room. */
static void pull_from_wire(struct uart *u)
{
    if (u->mcr & MCR_LOOP)
        return;
    while (u->wire_count && u->rx_count < rx_capacity(u)) {
        receive_byte(u, u->wire[u->wire_head]);
        u->wire_head = (u->wire_head + 1) % UART_WIRE_SIZE;
        u->wire_count--;
    }
}

static void clear_rx_fifo(struct uart *u)
{
    u->rx_head = u->rx_count = 0;
    u->rx_timeout = false;
}

/* Modem inputs as the pins see them; deltas latch changes (RI: trailing edge).
 * The host end of the line is a modem that hangs up (drops Data Carrier
 * Detect) once host input has ended and the guest has read every byte:
 * that is how the guest learns that its stdin reached end of file. */
static void update_modem_inputs(struct uart *u)
{
    uint8_t in;
    if (u->mcr & MCR_LOOP) {
        in = (u->mcr & MCR_RTS ? MSR_CTS : 0) | (u->mcr & MCR_DTR ? MSR_DSR : 0) |
             (u->mcr & MCR_OUT1 ? MSR_RI : 0) | (u->mcr & MCR_OUT2 ? MSR_DCD : 0);
    } else {
        bool hung_up = u->rx_closed && !u->wire_count && !u->rx_count;
        in = MSR_CTS | MSR_DSR | (hung_up ? 0 : MSR_DCD);
    }
    uint8_t changed = in ^ u->modem_inputs;
    if (changed & MSR_CTS)
        u->modem_deltas |= 0x01;
    if (changed & MSR_DSR)
        u->modem_deltas |= 0x02;
    if ((changed & MSR_RI) && !(in & MSR_RI))
        u->modem_deltas |= 0x04;
    if (changed & MSR_DCD)
        u->modem_deltas |= 0x08;
    u->modem_inputs = in;
}

void uart_init(struct uart *u, int irq_line, device_irq_fn *irq, void *irq_ctx,
               void (*tx)(void *ctx, uint8_t byte), void *tx_ctx)
{
    *u = (struct uart){
        .divisor = 12, .rx_trigger = 1, .irq_line = irq_line, .irq = irq, .irq_ctx = irq_ctx,
        .tx = tx, .tx_ctx = tx_ctx,
    };
    update_modem_inputs(u);
    u->modem_deltas = 0;
}

static uint8_t read_rbr(struct uart *u)
{
    if (u->rx_count) {
        u->last_rx = u->rx_fifo[u->rx_head];
        u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
        u->rx_count--;
        touch_rx(u);
        bool had_wire = u->wire_count;
        pull_from_wire(u);
        if (had_wire && !u->wire_count && !u->rx_closed && u->rx_drained)
            u->rx_drained(u->rx_drained_ctx);
    }
    return u->last_rx;
}

void uart_on_rx_drained(struct uart *u, void (*fn)(void *ctx), void *ctx)
{
    u->rx_drained = fn;
    u->rx_drained_ctx = ctx;
}

static uint8_t read_byte(struct uart *u, unsigned reg)
{
    uint8_t v;
    switch (reg) {
    case UART_RBR_THR:
        return (u->lcr & LCR_DLAB) ? (uint8_t)u->divisor : read_rbr(u);
    case UART_IER:
        return (u->lcr & LCR_DLAB) ? (uint8_t)(u->divisor >> 8) : u->ier;
    case UART_IIR_FCR:
        v = interrupt_id(u);
        if (v == IIR_THRE) /* reading IIR clears the THR-empty source it reports */
            u->thre_pending = false;
        return v | (u->fifo_enabled ? IIR_FIFOS_ON : 0);
    case UART_LCR:
        return u->lcr;
    case UART_MCR:
        return u->mcr;
    case UART_LSR:
        v = (u->rx_count ? LSR_DR : 0) | u->line_errors | LSR_THRE | LSR_TEMT;
        u->line_errors = 0;
        return v;
    case UART_MSR:
        v = u->modem_inputs | u->modem_deltas;
        u->modem_deltas = 0;
        return v;
    case UART_SCR:
        return u->scr;
    default:
        return 0xFF;
    }
}

static void write_thr(struct uart *u, uint8_t byte)
{
    /* Writing THR clears the THR-empty interrupt; the ideal transmitter
     * empties THR at once, which raises it again: a fresh edge. */
    u->thre_pending = false;
    update_irq(u);
    if (u->mcr & MCR_LOOP)
        receive_byte(u, byte);
    else if (u->tx)
        u->tx(u->tx_ctx, byte);
    u->thre_pending = true;
}

static void write_fcr(struct uart *u, uint8_t v)
{
    static const uint8_t triggers[4] = {1, 4, 8, 14};
    bool enable = v & 0x01;
    if (enable != u->fifo_enabled) { /* changing FIFO enable resets both FIFOs */
        u->fifo_enabled = enable;
        clear_rx_fifo(u);
    }
    if (!enable) /* other FCR bits are only programmed together with bit 0 */
        return;
    if (v & 0x02)
        clear_rx_fifo(u);
    u->rx_trigger = triggers[v >> 6];
    pull_from_wire(u);
}

static void write_byte(struct uart *u, unsigned reg, uint8_t v)
{
    switch (reg) {
    case UART_RBR_THR:
        if (u->lcr & LCR_DLAB)
            u->divisor = (uint16_t)((u->divisor & 0xFF00) | v);
        else
            write_thr(u, v);
        break;
    case UART_IER:
        if (u->lcr & LCR_DLAB) {
            u->divisor = (uint16_t)((u->divisor & 0x00FF) | v << 8);
        } else {
            /* Enabling ETBEI while THR is empty raises the interrupt at once. */
            if ((v & IER_ETBEI) && !(u->ier & IER_ETBEI))
                u->thre_pending = true;
            u->ier = v & 0x0F;
        }
        break;
    case UART_IIR_FCR:
        write_fcr(u, v);
        break;
    case UART_LCR:
        u->lcr = v;
        break;
    case UART_MCR: {
        bool was_loop = u->mcr & MCR_LOOP;
        u->mcr = v & 0x1F;
        update_modem_inputs(u);
        if (was_loop && !(u->mcr & MCR_LOOP))
            pull_from_wire(u);
        break;
    }
    case UART_SCR:
        u->scr = v;
        break;
    default: /* LSR and MSR writes are factory-test only */
        break;
    }
    update_irq(u);
}

uint32_t uart_read(struct uart *u, unsigned reg, unsigned size)
{
    uint32_t value = 0;
    for (unsigned i = 0; i < size && i < 4; i++)
        value |= (uint32_t)read_byte(u, reg + i) << (8 * i);
    if (u->rx_closed)
        update_modem_inputs(u); /* the last byte read may end the carrier */
    update_irq(u);
    return value;
}

void uart_write(struct uart *u, unsigned reg, unsigned size, uint32_t value)
{
    for (unsigned i = 0; i < size && i < 4; i++)
        write_byte(u, reg + i, (uint8_t)(value >> (8 * i)));
}

size_t uart_rx_room(const struct uart *u)
{
    return u->rx_closed ? 0 : UART_WIRE_SIZE - u->wire_count;
}

size_t uart_push_rx(struct uart *u, const uint8_t *bytes, size_t n)
{
    size_t room = uart_rx_room(u);
    if (n > room)
        n = room;
    for (size_t i = 0; i < n; i++) {
        u->wire[(u->wire_head + u->wire_count) % UART_WIRE_SIZE] = bytes[i];
        u->wire_count++;
    }
    pull_from_wire(u);
    update_irq(u);
    return n;
}

void uart_rx_close(struct uart *u)
{
    u->rx_closed = true;
    update_modem_inputs(u);
    update_irq(u);
}

uint64_t uart_next_deadline(const struct uart *u)
{
    if (!u->fifo_enabled || !u->rx_count || u->rx_timeout)
        return UINT64_MAX;
    return u->rx_activity_ns + 4 * char_time_ns(u);
}

void uart_advance(struct uart *u, uint64_t now_ns)
{
    if (now_ns < u->now_ns)
        return;
    u->now_ns = now_ns;
    if (now_ns >= uart_next_deadline(u)) {
        u->rx_timeout = true;
        update_irq(u);
    }
}
