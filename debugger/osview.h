/* osview.h — what the guest kernel told us about its processes and their
 * memory, rebuilt from the OS-event history (os/abi/osevent.h): the
 * virtual memory areas of each process (reserved or committed), the pages
 * swapped out to the pagefile, the processes with their names and page
 * tables — and, combined with the page tables themselves, the state of one
 * page as the memory-map panel colours it. */
#ifndef RINGSCOPE_DEBUGGER_OSVIEW_H
#define RINGSCOPE_DEBUGGER_OSVIEW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../machine/debugport.h"
#include "../mmu/mmu.h"

/* The states of the seeds' diagram, in the order the legend lists them. */
enum page_state {
    PS_UNMAPPED,   /* no area, no mapping */
    PS_RESERVED,   /* address space set aside, nothing behind it */
    PS_COMMITTED,  /* backed on first touch: no frame yet */
    PS_RESIDENT,   /* a present page-table entry: a frame holds it */
    PS_SWAPPED,    /* written to the pagefile, frame given away */
    PS_GUARD,      /* a no-access page that catches overflows */
    PS_COUNT
};
const char *page_state_name(enum page_state s);

struct osview_area {
    uint32_t pid;
    uint64_t start, end;       /* [start, end), page aligned */
    uint32_t prot;             /* OSEV_PROT_* */
    bool committed;
};

struct osview_swapped {
    uint32_t pid;
    uint64_t va;
    uint64_t slot;
};

struct osview_process {
    uint32_t pid;
    char name[OSEV_TEXT_SIZE + 1];
    uint64_t cr3;              /* from context switches; 0 if not seen yet */
    bool exited;
};

struct osview {
    struct osview_area *area;
    size_t narea, area_cap;
    struct osview_swapped *swapped;
    size_t nswapped, swapped_cap;
    struct osview_process proc[64];
    size_t nproc;
    uint32_t current_pid;
    uint64_t swap_slots_used;
};

/* Forget everything (keeps the allocations). */
void osview_reset(struct osview *v);
/* Take one event into account (events in the order they happened). */
void osview_apply(struct osview *v, const struct os_event *e);
void osview_free(struct osview *v);

/* The area of pid containing va, or NULL. */
const struct osview_area *osview_area_at(const struct osview *v, uint32_t pid, uint64_t va);
/* The swapped-out record of (pid, page of va), or NULL. */
const struct osview_swapped *osview_swapped_at(const struct osview *v, uint32_t pid, uint64_t va);
/* The state of the page at va of process pid, whose page tables are at cr3
 * (resident: mmu_peek finds a translation there). */
enum page_state osview_page_state(const struct osview *v, const struct mmu *mmu, uint64_t cr3, uint32_t pid,
                                  uint64_t va);
const struct osview_process *osview_process(const struct osview *v, uint32_t pid);

#endif
