/* itimerspec.h — struct itimerspec and clock ids shared by timerfd.c and
 * posix_timer.c: a timer's next expiry and period, in virtual time. */
#ifndef OS_ITIMERSPEC_H
#define OS_ITIMERSPEC_H
#include <stdint.h>
#include "errno.h"
#include "timer.h"
#include "uaccess.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1 /* TFD_TIMER_ABSTIME has the same value */
#define NS_PER_S 1000000000ull

struct itimerspec64 {
    int64_t interval_sec, interval_nsec, value_sec, value_nsec;
};

/* A timer's state: next expiry on the monotonic clock (0 = disarmed), period. */
struct itimer_state {
    int clock;
    uint64_t next_ns, interval_ns;
};

static inline int itimer_clock_ok(uint64_t clock)
{
    return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC || clock == CLOCK_BOOTTIME;
}

/* Read a new setting from user memory and apply it (flags: TIMER_ABSTIME);
 * the old one goes to uold first if given.  0 or -errno. */
static inline long itimer_set(struct itimer_state *t, uint64_t unew, uint64_t uold, uint64_t flags)
{
    struct itimerspec64 v;
    if (get_user(&v, unew, sizeof v))
        return -EFAULT;
    if (v.value_sec < 0 || v.value_nsec < 0 || v.value_nsec >= (int64_t)NS_PER_S || v.interval_sec < 0 ||
        v.interval_nsec < 0 || v.interval_nsec >= (int64_t)NS_PER_S)
        return -EINVAL;
    uint64_t now = timer_ns();
    if (uold) {
        uint64_t left = t->next_ns > now ? t->next_ns - now : t->next_ns ? 1 : 0;
        struct itimerspec64 o = {(int64_t)(t->interval_ns / NS_PER_S), (int64_t)(t->interval_ns % NS_PER_S),
                                 (int64_t)(left / NS_PER_S), (int64_t)(left % NS_PER_S)};
        if (put_user(uold, &o, sizeof o))
            return -EFAULT;
    }
    uint64_t value = (uint64_t)v.value_sec * NS_PER_S + (uint64_t)v.value_nsec;
    t->interval_ns = (uint64_t)v.interval_sec * NS_PER_S + (uint64_t)v.interval_nsec;
    if (!value) {
        t->next_ns = 0;
    } else if (flags & TIMER_ABSTIME) {
        uint64_t epoch = t->clock == CLOCK_REALTIME ? (uint64_t)TIMER_BOOT_EPOCH_NS : 0;
        uint64_t mono = value > epoch ? value - epoch : 0;
        t->next_ns = mono > now ? mono : now; /* in the past: expires at once */
        if (!t->next_ns)
            t->next_ns = 1;
    } else {
        t->next_ns = now + value;
    }
    return 0;
}

static inline long itimer_get(const struct itimer_state *t, uint64_t uval)
{
    uint64_t now = timer_ns();
    uint64_t left = t->next_ns > now ? t->next_ns - now : t->next_ns ? 1 : 0;
    struct itimerspec64 o = {(int64_t)(t->interval_ns / NS_PER_S), (int64_t)(t->interval_ns % NS_PER_S),
                             (int64_t)(left / NS_PER_S), (int64_t)(left % NS_PER_S)};
    return put_user(uval, &o, sizeof o) ? -EFAULT : 0;
}

/* Expirations due by now (0 if none); moves next_ns past now, or disarms. */
static inline uint64_t itimer_advance(struct itimer_state *t, uint64_t now)
{
    if (!t->next_ns || now < t->next_ns)
        return 0;
    if (!t->interval_ns) {
        t->next_ns = 0;
        return 1;
    }
    uint64_t n = 1 + (now - t->next_ns) / t->interval_ns;
    t->next_ns += n * t->interval_ns;
    return n;
}

#endif
