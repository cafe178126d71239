/* kinfo.h — the kernel publishes where its tables are (abi/kinfo.h) for a
 * debugger reading them from outside (os/kinfo.c). */
#ifndef OS_KINFO_H
#define OS_KINFO_H
#include "abi/kinfo.h"

/* Fill kernel_kinfo; call once the page tables, frames, pagefile and
 * process tables exist. */
void kinfo_init(void);
/* Each module names its own private tables. */
void proc_kinfo(struct kinfo *k);
void frame_kinfo(struct kinfo *k);
void swap_kinfo(struct kinfo *k);
void vm_kinfo(struct kinfo *k);

#endif
