/* ktimer.h — one-shot kernel timers on virtual time (os/ktimer.c): the
 * timer tick calls fire() of every armed timer whose time has come.
 * timerfd and POSIX timers (timer_create) are built on them; their
 * resolution is the tick (10 ms), like sleeps. */
#ifndef OS_KTIMER_H
#define OS_KTIMER_H
#include <stdbool.h>
#include <stdint.h>

struct ktimer {
    uint64_t expires_ns;                 /* virtual ns since boot (timer_ns) */
    void (*fire)(struct ktimer *t, uint64_t now_ns);
    bool armed;
    struct ktimer *next;
};

void ktimer_arm(struct ktimer *t, uint64_t expires_ns);
void ktimer_disarm(struct ktimer *t);
/* From the timer tick: fire (and disarm first) every timer that is due. */
void ktimers_expire(uint64_t now_ns);

#endif
