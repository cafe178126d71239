/* kstate.h — the guest kernel's own state, read from its memory at this
 * instant: its processes and threads, each address space's areas and page
 * tables, its frame and pagefile accounting.  The kernel says where its
 * tables are in one published table (os/abi/kinfo.h, like Linux's
 * VMCOREINFO); everything is read without side effects (mmu_peek_read
 * through the kernel's page tables), so it is true for every process and
 * thread at every instruction — between fork and exec, during exit,
 * after a step back — and before the kernel has filled the table it says
 * so instead of guessing. */
#ifndef RINGSCOPE_DEBUGGER_KSTATE_H
#define RINGSCOPE_DEBUGGER_KSTATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../machine/machine.h"
#include "../os/abi/kinfo.h"
#include "../os/abi/trapframe.h"
#include "osview.h"

#define KSTATE_MAX_PROCS 64
#define KSTATE_MAX_THREADS 128
#define KSTATE_MAX_AREAS 160

enum kproc_state { KPROC_ALIVE, KPROC_ZOMBIE };
enum kthread_state { KTHREAD_RUNNABLE, KTHREAD_RUNNING, KTHREAD_SLEEPING, KTHREAD_DEAD };
enum karea_kind { KAREA_PROGRAM, KAREA_HEAP, KAREA_STACK, KAREA_GUARD, KAREA_ANON };

struct kproc {
    uint32_t pid, ppid;
    enum kproc_state state;
    bool stopped;               /* job control: SIGSTOP until SIGCONT */
    int exit_status;            /* wait status (zombies) */
    char name[32];
    uint64_t mm;                /* kernel address of its struct mm, 0 once released */
    uint64_t cr3;               /* physical address of its top-level page table, 0 if no mm */
    uint64_t brk_start, brk;
    int nthreads;
};

struct kthread {
    uint32_t tid, pid;
    enum kthread_state state;
    bool on_cpu;                /* the kernel's `running` */
    uint64_t sleep_chan, wake_ns, fs_base, syscall_nr;
    uint64_t user_rip, user_rsp; /* from its trap frame (where it entered the kernel), 0 if none */
    uint64_t tf;                /* kernel address of its trap frame (its user registers), 0 if none */
};

struct karea {
    uint64_t start, end;        /* [start, end) */
    uint32_t prot;              /* OSEV_PROT_* bits */
    enum karea_kind kind;
    bool shared, object;        /* MAP_SHARED; backed by a memory object (file, memfd, shared anon) */
};

struct kstate {
    bool ready;                 /* the kernel's table was found and filled */
    char why_not[120];          /* when not ready: in words */
    struct kinfo ki;
    struct kproc proc[KSTATE_MAX_PROCS];
    size_t nproc;
    struct kthread thread[KSTATE_MAX_THREADS];
    size_t nthread;
    bool truncated;             /* more processes or threads than fit here */
    uint32_t running_tid;       /* 0: the scheduler (no thread) runs */
    uint64_t frames_free, frames_total, frame_limit;
    uint64_t swap_slots, swap_free;
};

/* Read the kernel's state now.  Returns ks->ready. */
bool kstate_read(struct kstate *ks, struct machine *m);
const struct kproc *kstate_proc(const struct kstate *ks, uint32_t pid);
/* The process whose address space CR3 holds (NULL: none of them, e.g. the
 * boot page tables). */
const struct kproc *kstate_proc_by_cr3(const struct kstate *ks, uint64_t cr3);
/* The areas of p, sorted by start; the count (0 if it has no mm), -1 if
 * they cannot be read. */
int kstate_areas(const struct kstate *ks, struct machine *m, const struct kproc *p, struct karea *out, size_t max);
/* The kernel's reference count of the frame at physical address pa (0:
 * free or never handed out); false if it cannot be read. */
bool kstate_frame_refs(const struct kstate *ks, struct machine *m, uint64_t pa, unsigned *refs);
/* The whole reference-count array (frame_limit entries), for the frames
 * panel: malloc'd, NULL if it cannot be read. */
uint16_t *kstate_frame_refcounts(const struct kstate *ks, struct machine *m, uint64_t *count);

/* The area of areas[0..n) containing va, or NULL. */
const struct karea *karea_at(const struct karea *areas, int n, uint64_t va);
/* The state of the page at va in p's address space, from its page tables
 * (a present entry: resident; the kernel's swapped marking: swapped, with
 * the pagefile slot in *slot) and its areas. */
enum page_state kstate_page_state(const struct kstate *ks, struct machine *m, const struct kproc *p,
                                  const struct karea *areas, int n, uint64_t va, uint64_t *slot);
/* One word for the area as the memory map labels it ("code (text)", "heap"). */
const char *karea_label(const struct karea *a);

/* The pagefile's slot bitmap (bit s: slot s in use), malloc'd; NULL if
 * there is no pagefile or it cannot be read. */
uint64_t *kstate_swap_bitmap(const struct kstate *ks, struct machine *m);

/* The user registers t's trap frame holds (what it entered the kernel
 * with, or a new thread's first registers): false if it has none or the
 * frame is not one from ring 3 (CS.RPL != 3). */
bool kstate_thread_frame(const struct kstate *ks, struct machine *m, const struct kthread *t, struct trapframe *tf);
const struct kthread *kstate_thread(const struct kstate *ks, uint32_t tid);

const char *kthread_state_name(enum kthread_state s);
/* The process's state as Linux's proc(5) words it in /proc/PID/status:
 * "Z (zombie)", "T (stopped)", else its main thread's (tid == pid, else
 * the first left): "R (running)" on the CPU or ready, "S (sleeping)"
 * blocked; "X (dead)" with no thread left. */
const char *kproc_status_state(const struct kstate *ks, const struct kproc *p);
const char *karea_kind_name(enum karea_kind k);

#endif
