/* ktimer.c — armed kernel timers, checked on every timer tick (ktimer.h).
 * A short list: a handful of timers exist at a time. */
#include "ktimer.h"

static struct ktimer *armed_list;

void ktimer_disarm(struct ktimer *t)
{
    for (struct ktimer **pp = &armed_list; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    t->armed = false;
    t->next = 0;
}

void ktimer_arm(struct ktimer *t, uint64_t expires_ns)
{
    if (t->armed)
        ktimer_disarm(t);
    t->expires_ns = expires_ns;
    t->armed = true;
    t->next = armed_list;
    armed_list = t;
}

void ktimers_expire(uint64_t now_ns)
{
    bool again = true;
    while (again) { /* fire() may re-arm or disarm timers: restart the walk after each */
        again = false;
        for (struct ktimer *t = armed_list; t; t = t->next)
            if (t->expires_ns <= now_ns) {
                ktimer_disarm(t);
                t->fire(t, now_ns);
                again = true;
                break;
            }
    }
}
