/* timer.c — the 8254 programmable interval timer, channel 0 (IRQ0).
 *
 * The PIT counts down from a divisor at 1.193182 MHz.  Control word at port
 * 0x43 (8254 datasheet, "Control Word Format"):
 *   bits 7-6 SC  = 00  channel 0
 *   bits 5-4 RW  = 11  write the count low byte, then high byte
 *   bits 3-1 M   = 010 mode 2, rate generator: one pulse every N clocks
 *   bit  0   BCD = 0   binary
 * so 0x34, then the divisor N = 1193182 / 100 to port 0x40: IRQ0 at 100 Hz.
 *
 * Between ticks, the time comes from the counter itself: the counter-latch
 * command (control word 0x00: channel 0, RW = 00) freezes the current count
 * for two reads of port 0x40 (low byte, then high byte); N - count clocks
 * of the current period have elapsed. */
#include "timer.h"
#include "x86.h"

#define PIT_CHANNEL0 0x40
#define PIT_CONTROL 0x43
#define PIT_INPUT_HZ 1193182u
#define PIT_MODE2_LOHI_CH0 0x34
#define PIT_LATCH_CH0 0x00
#define NS_PER_TICK (1000000000ull / TIMER_HZ)

volatile uint64_t ticks;
static uint16_t divisor;
static uint64_t last_ns; /* time never goes backwards */

void timer_init(void)
{
    divisor = (PIT_INPUT_HZ + TIMER_HZ / 2) / TIMER_HZ;
    outb(PIT_CONTROL, PIT_MODE2_LOHI_CH0);
    outb(PIT_CHANNEL0, divisor & 0xFF);
    outb(PIT_CHANNEL0, divisor >> 8);
}

uint64_t timer_ns(void)
{
    outb(PIT_CONTROL, PIT_LATCH_CH0);
    uint16_t count = inb(PIT_CHANNEL0);
    count |= (uint16_t)inb(PIT_CHANNEL0) << 8;
    uint64_t elapsed = count <= divisor ? divisor - count : 0;
    uint64_t ns = ticks * NS_PER_TICK + elapsed * 1000000000ull / PIT_INPUT_HZ;
    /* With interrupts off a period may have ended without its tick being
     * counted yet: never report less than before. */
    if (ns < last_ns)
        ns = last_ns;
    last_ns = ns;
    return ns;
}

uint64_t timer_tick_ns(void) { return ticks * NS_PER_TICK; }

static uint64_t insns_per_second = 1000000000ull;

void timer_set_cpu_rate(uint64_t rate)
{
    if (rate)
        insns_per_second = rate;
}

uint64_t cpu_clock_ns(void)
{
    uint64_t tsc = rdtsc();
    /* tsc * 1e9 / rate without overflowing 64 bits for centuries of TSC */
    return tsc / insns_per_second * 1000000000ull + tsc % insns_per_second * 1000000000ull / insns_per_second;
}
