/* snapshot.h — whole-machine snapshots for the debugger's step back.
 *
 * A snapshot holds everything that decides what the machine does next: the
 * CPU's architectural state (cpu_save: GPRs, RIP, RFLAGS with the
 * lazy-flags record, segments, control registers, MSRs, x87 and XMM), the
 * MMU's paging controls, TLB contents, counters and code-frame marks
 * (mmu_save), the board's devices and virtual time
 * (machine_board_state_save), guest RAM (read and written through the
 * MMU's physical-memory calls) and an in-memory disk.  Neither struct cpu
 * nor struct mmu is copied: their own save/restore decide what is state
 * and what is a link to the host.  Restoring
 * one and running the same number of instructions again reproduces the
 * same states exactly: the machine is deterministic given its inputs, and
 * the caller re-injects live input (machine_key) at the same instruction
 * counts.
 *
 * Memory is kept cheap with reverse deltas: the store keeps one shadow copy
 * of RAM (and disk) as it was at the newest snapshot; taking a snapshot
 * stores, for each 4 KiB page that changed since, the page's *old* bytes
 * and refreshes the shadow.  Going back undoes the newest deltas one by one.
 * A store keeps at most SNAPSHOT_MAX snapshots: when full, the snapshot
 * whose neighbours are closest is merged away, so they thin out evenly and
 * the first one (instruction 0 of the session) always stays. */
#ifndef RINGSCOPE_SNAPSHOT_H
#define RINGSCOPE_SNAPSHOT_H
#include <stddef.h>
#include <stdint.h>
#include "machine.h"

#define SNAPSHOT_MAX 64

struct snapshot_store;

/* NULL when host memory runs out. */
struct snapshot_store *snapshot_store_new(struct machine *m);
void snapshot_store_free(struct snapshot_store *s);

/* Snapshot the machine as it is now (cpu->icount names it).  Nothing is
 * taken when the newest snapshot is already at this icount.  0, or -1 when
 * host memory runs out (the store is unchanged). */
int snapshot_take(struct snapshot_store *s);

/* Put the machine back into the newest snapshot taken at or before
 * instruction count `icount` (snapshots after it are dropped).  Returns the
 * icount of the restored snapshot, or UINT64_MAX if there is none. */
uint64_t snapshot_restore(struct snapshot_store *s, uint64_t icount);

size_t snapshot_count(const struct snapshot_store *s);
uint64_t snapshot_newest_icount(const struct snapshot_store *s); /* UINT64_MAX if empty */
/* Host bytes held by deltas (for the status line and tests). */
uint64_t snapshot_delta_bytes(const struct snapshot_store *s);

#endif
