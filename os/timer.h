/* timer.h — the 8254 PIT channel 0 as the scheduler tick (os/timer.c). */
#ifndef OS_TIMER_H
#define OS_TIMER_H
#include <stdint.h>

#define TIMER_HZ 100
/* The virtual machine boots at 2026-01-01 00:00:00 UTC (CLOCK_REALTIME). */
#define BOOT_EPOCH_SECONDS 1767225600ll

extern volatile uint64_t ticks; /* timer interrupts since boot */

void timer_init(void);
/* Virtual nanoseconds since boot, to the PIT's 838 ns resolution. */
uint64_t timer_ns(void);
/* The same at tick granularity (no port access: for the tick handler). */
uint64_t timer_tick_ns(void);
/* CPU time: nanoseconds of instructions executed (the TSC at the rate the
 * boot info gives), idle time excluded.  For CPU-time accounting. */
void timer_set_cpu_rate(uint64_t insns_per_second);
uint64_t cpu_clock_ns(void);

#endif
