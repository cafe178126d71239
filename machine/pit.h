/* pit.h — the Intel 8254 programmable interval timer at ports 0x40-0x43,
 * channel 0 wired to IRQ0.  The input clock is the PC's 1.193182 MHz, counted
 * in *virtual* time: the board passes nanoseconds derived from the
 * instruction count, never the host clock.
 *
 * Modelled (8254 datasheet, order 231164): the control word (SC, RW, M,
 * BCD) at 0x43; lobyte / hibyte / lobyte-then-hibyte access with separate
 * read and write flip-flops; the counter-latch command (RW = 00) and the
 * read-back command (SC = 11, count and/or status); counting in
 *   mode 0 (interrupt on terminal count): OUT low from the control word,
 *          high N clocks after the count is loaded — one IRQ0;
 *   mode 2 (rate generator) and mode 3 (square wave): an IRQ0 every N
 *          clocks (the rising edge of OUT), N = 0 meaning 65536; a new count
 *          written while counting takes effect at the end of the period.
 * Timeline: a count written at virtual time t is loaded on the first input
 * clock edge after t (clock edge k is at k * 1e9 / 1193182 ns); the first
 * IRQ0 comes N clock edges after that, then every N edges.
 * Channels 1 and 2 count the same way and never interrupt; modes 1 and 5
 * (hardware-triggered; the gates are not wired) and 4 count down like mode
 * 0 without touching OUT; BCD counting is accepted and counts in binary.
 * OUT of channel 0 is idealised as a pulse at each period boundary (the
 * level the 8259 sees stays high between), so an IRQ0 the guest has not yet
 * acknowledged is never withdrawn.
 *
 * Board contract for every timed device (pit, uart): call pit_advance(pit,
 * now) before forwarding a port access to it (so counter reads and newly
 * written counts see the current time) and whenever now reaches
 * pit_next_deadline(pit).  Time never goes backwards: an older `now` is
 * ignored. */
#ifndef RINGSCOPE_PIT_H
#define RINGSCOPE_PIT_H
#include <stdbool.h>
#include <stdint.h>

#define PIT_BASE_PORT 0x40
#define PIT_CONTROL_PORT 0x43
#define PIT_IRQ 0
#define PIT_INPUT_HZ 1193182u

/* Device interrupt output (same typedef in every device header; C11 allows
 * the repetition): level 1 = asserted.  The 8259 reacts to 0->1 edges. */
typedef void device_irq_fn(void *ctx, int line, int level);

struct pit_channel {
    uint8_t mode;            /* 0-5 (6 and 7 are aliases of 2 and 3) */
    uint8_t access;          /* RW field: 1 lobyte, 2 hibyte, 3 lobyte then hibyte */
    bool bcd;
    bool write_high_next;    /* lobyte/hibyte write flip-flop */
    uint8_t written_low;     /* low byte waiting for its high byte */
    bool read_high_next;     /* read flip-flop (live or latched count) */
    bool count_latched;
    uint16_t latched_count;
    bool status_latched;
    uint8_t latched_status;
    bool counting;           /* a count has been loaded since the control word */
    bool terminal_reached;   /* modes 0/1/4/5: the one-shot has ended */
    uint32_t reload;         /* N, 1..65536 */
    bool reload_pending;     /* modes 2/3: new N waits for the period's end */
    uint32_t pending_reload;
    uint64_t start_tick;     /* clock edge at which the current period's N was loaded */
};

struct pit {
    struct pit_channel ch[3];
    uint64_t now_ns;         /* latest time given to pit_advance */
    bool out0;               /* channel 0 OUT as seen by the PIC */
    device_irq_fn *irq;
    void *irq_ctx;
    uint64_t irq_count;      /* IRQ0 edges delivered */
};

/* Power-on: no channel counting (nothing interrupts until a guest programs
 * the timer), OUT0 high. */
void pit_init(struct pit *pit, device_irq_fn *irq, void *irq_ctx);

/* reg = port - 0x40 (0-3).  Byte registers: a wider access is split into
 * byte accesses to consecutive registers. */
uint32_t pit_read(struct pit *pit, unsigned reg, unsigned size);
void pit_write(struct pit *pit, unsigned reg, unsigned size, uint32_t value);

/* The next virtual time at which channel 0 raises IRQ0, UINT64_MAX if none. */
uint64_t pit_next_deadline(const struct pit *pit);
void pit_advance(struct pit *pit, uint64_t now_ns);

/* Clock edges <-> nanoseconds: the number of edges at or before t, and the
 * first nanosecond at which edge k has happened. */
uint64_t pit_ticks_at(uint64_t ns);
uint64_t pit_tick_time(uint64_t tick);

#endif
