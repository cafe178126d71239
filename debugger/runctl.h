/* runctl.h — inside debugger/: what session.c asks of the breakpoint and
 * watchpoint tables (runctl.c).  Front ends use session.h. */
#ifndef RINGSCOPE_DEBUGGER_RUNCTL_H
#define RINGSCOPE_DEBUGGER_RUNCTL_H
#include "session.h"

/* The enabled breakpoints at rip whose condition holds now; their hit
 * counts go up when count.  The first one's id, 0 if none. */
int runctl_breakpoint_hit(struct dbg *d, uint64_t rip, bool count);
/* Does this data access hit an enabled watchpoint whose condition holds?
 * Its id (0: none); when fill, d->stop describes the access (its old value
 * from the shadow, the new one read back) and the count goes up. */
int runctl_watch_hit(struct dbg *d, const struct watch_event *e, bool fill);
/* Whether any watchpoint is enabled (the session then watches accesses). */
bool runctl_watching(const struct dbg *d);
/* An access to the page of va is about to happen (it translated): read
 * the watched bytes on that page again, so a write's old value is exact. */
void runctl_before_access(struct dbg *d, uint64_t va);
/* Read the watched bytes again (after a stop, a step back). */
void runctl_refresh_shadows(struct dbg *d);

#endif
