/* events.h — reporting OS events to the machine through the
 * OS-event port; the record format is os/abi/osevent.h. */
#ifndef OS_EVENTS_H
#define OS_EVENTS_H
#include <stdint.h>
#include "abi/osevent.h"

/* pid/tid are the current thread's (0 in the kernel before processes). */
void osev_report(enum osev_type type, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                 uint64_t a5, const char *text);

#endif
