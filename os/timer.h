/* timer.h — the 8254 PIT channel 0 as the scheduler tick (os/timer.c). */
#ifndef OS_TIMER_H
#define OS_TIMER_H
#include <stdint.h>

#define TIMER_HZ 100

extern volatile uint64_t ticks; /* timer interrupts since boot */

void timer_init(void);
/* Virtual nanoseconds since boot, to the PIT's 838 ns resolution. */
uint64_t timer_ns(void);
/* The same at tick granularity (no port access: for the tick handler). */
uint64_t timer_tick_ns(void);
/* CLOCK_REALTIME is CLOCK_MONOTONIC (virtual time since boot) plus the
 * wall-clock time of boot: the virtual machine boots at 2026-01-01
 * 00:00:00 UTC.  The one place that says so. */
#define TIMER_BOOT_EPOCH_NS (1767225600ll * 1000000000ll)
static inline int64_t timer_realtime_ns(void) { return (int64_t)timer_ns() + TIMER_BOOT_EPOCH_NS; }
/* A CLOCK_REALTIME instant as virtual time since boot (0 if before boot). */
static inline uint64_t timer_from_realtime(int64_t realtime_ns)
{
    return realtime_ns > TIMER_BOOT_EPOCH_NS ? (uint64_t)(realtime_ns - TIMER_BOOT_EPOCH_NS) : 0;
}
/* CPU time: nanoseconds of instructions executed (the TSC at the rate the
 * boot info gives), idle time excluded.  For CPU-time accounting. */
void timer_set_cpu_rate(uint64_t insns_per_second);
uint64_t cpu_clock_ns(void);

#endif
