/* osview.c — processes, memory areas and swapped pages from the OS-event
 * history; page states from the areas plus the page tables (osview.h). */
#include "osview.h"

#include <stdlib.h>
#include <string.h>

#define PAGE 4096ull
#define USER_HALF_END 0x0000800000000000ull

const char *page_state_name(enum page_state s)
{
    static const char *const names[PS_COUNT] = {"unmapped", "reserved", "committed", "resident", "swapped",
                                                "guard"};
    return s < PS_COUNT ? names[s] : "?";
}

void osview_free(struct osview *v)
{
    free(v->area);
    free(v->swapped);
    memset(v, 0, sizeof *v);
}

/* Areas and swapped pages come from guest records: bounded, so a guest
 * flooding the OS-event port cannot make the view slow or huge. */
#define OSVIEW_MAX_ITEMS 65536

static bool grow(void **p, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return true;
    if (n >= OSVIEW_MAX_ITEMS)
        return false;
    size_t ncap = *cap ? *cap * 2 : 32;
    void *q = realloc(*p, ncap * elem);
    if (!q)
        return false;
    *p = q;
    *cap = ncap;
    return true;
}

/* Cut [start, end) out of pid's areas (splitting the ones it overlaps). */
static void cut_areas(struct osview *v, uint32_t pid, uint64_t start, uint64_t end)
{
    for (size_t i = 0; i < v->narea; i++) {
        struct osview_area a = v->area[i];
        if (a.pid != pid || a.end <= start || a.start >= end)
            continue;
        /* Remove a, then add back the parts outside [start, end). */
        v->area[i] = v->area[--v->narea];
        i--;
        if (a.start < start && grow((void **)&v->area, &v->area_cap, v->narea, sizeof *v->area)) {
            struct osview_area left = a;
            left.end = start;
            /* Appended at the end: the loop will look at it and skip it. */
            v->area[v->narea++] = left;
        }
        if (a.end > end && grow((void **)&v->area, &v->area_cap, v->narea, sizeof *v->area)) {
            struct osview_area right = a;
            right.start = end;
            v->area[v->narea++] = right;
        }
    }
}

static void set_area(struct osview *v, uint32_t pid, uint64_t start, uint64_t len, uint32_t prot, bool committed)
{
    uint64_t end = start + len < start ? ~0ull : start + len;
    start &= ~(PAGE - 1);
    end = (end + PAGE - 1) & ~(PAGE - 1);
    cut_areas(v, pid, start, end);
    if (grow((void **)&v->area, &v->area_cap, v->narea, sizeof *v->area))
        v->area[v->narea++] = (struct osview_area){pid, start, end, prot, committed};
}

/* Commit/decommit inside a reservation keep the reservation's protection
 * when the event gives none. */
static uint32_t prot_of(const struct osview *v, uint32_t pid, uint64_t va, uint32_t given)
{
    const struct osview_area *a = osview_area_at(v, pid, va);
    return given ? given : a ? a->prot : 0;
}

static struct osview_process *process_slot(struct osview *v, uint32_t pid)
{
    for (size_t i = 0; i < v->nproc; i++)
        if (v->proc[i].pid == pid)
            return &v->proc[i];
    if (v->nproc == sizeof v->proc / sizeof v->proc[0])
        return NULL;
    struct osview_process *p = &v->proc[v->nproc++];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    return p;
}

static void drop_swapped(struct osview *v, uint32_t pid, uint64_t va)
{
    for (size_t i = 0; i < v->nswapped; i++)
        if (v->swapped[i].pid == pid && v->swapped[i].va == (va & ~(PAGE - 1))) {
            v->swapped[i] = v->swapped[--v->nswapped];
            if (v->swap_slots_used)
                v->swap_slots_used--;
            return;
        }
}

void osview_reset(struct osview *v)
{
    v->narea = v->nswapped = v->nproc = 0;
    v->current_pid = 0;
    v->swap_slots_used = 0;
}

void osview_apply(struct osview *v, const struct os_event *e)
{
    struct osview_process *p;
    switch (e->type) {
    case OSEV_VMA_RESERVE:
        set_area(v, e->pid, e->vma.start, e->vma.length, e->vma.prot, false);
        break;
    case OSEV_VMA_COMMIT:
        set_area(v, e->pid, e->vma.start, e->vma.length, prot_of(v, e->pid, e->vma.start, e->vma.prot), true);
        break;
    case OSEV_VMA_DECOMMIT:
        set_area(v, e->pid, e->vma.start, e->vma.length, prot_of(v, e->pid, e->vma.start, e->vma.prot), false);
        break;
    case OSEV_VMA_RELEASE:
        cut_areas(v, e->pid, e->vma.start & ~(PAGE - 1), (e->vma.start + e->vma.length + PAGE - 1) & ~(PAGE - 1));
        break;
    case OSEV_PAGE_OUT:
        drop_swapped(v, e->pid, e->page.va);
        if (grow((void **)&v->swapped, &v->swapped_cap, v->nswapped, sizeof *v->swapped)) {
            v->swapped[v->nswapped++] = (struct osview_swapped){e->pid, e->page.va & ~(PAGE - 1), e->page.slot};
            v->swap_slots_used++;
        }
        break;
    case OSEV_PAGE_IN:
        drop_swapped(v, e->pid, e->page.va);
        break;
    case OSEV_PROC_CREATE:
        if ((p = process_slot(v, e->proc.pid))) {
            memcpy(p->name, e->text, sizeof p->name);
            p->exited = false;
        }
        /* The kernel builds the first process's address space before
         * any thread runs, so those areas were reported by "pid 0". */
        for (size_t k = 0; k < v->narea; k++)
            if (v->area[k].pid == 0 && v->area[k].start < USER_HALF_END)
                v->area[k].pid = e->proc.pid;
        break;
    case OSEV_PROC_EXIT:
        if ((p = process_slot(v, e->proc.pid)))
            p->exited = true;
        for (size_t k = 0; k < v->narea; k++)
            if (v->area[k].pid == e->proc.pid)
                v->area[k--] = v->area[--v->narea];
        break;
    case OSEV_CONTEXT_SWITCH:
        if ((p = process_slot(v, e->sw.old_pid)) && e->sw.old_cr3)
            p->cr3 = e->sw.old_cr3;
        if ((p = process_slot(v, e->sw.new_pid)) && e->sw.new_cr3)
            p->cr3 = e->sw.new_cr3;
        v->current_pid = e->sw.new_pid;
        break;
    default:
        break;
    }
    if (e->type != OSEV_CONTEXT_SWITCH && e->pid && !v->current_pid)
        v->current_pid = e->pid;
}

const struct osview_area *osview_area_at(const struct osview *v, uint32_t pid, uint64_t va)
{
    for (size_t i = 0; i < v->narea; i++)
        if (v->area[i].pid == pid && va >= v->area[i].start && va < v->area[i].end)
            return &v->area[i];
    return NULL;
}

const struct osview_swapped *osview_swapped_at(const struct osview *v, uint32_t pid, uint64_t va)
{
    for (size_t i = 0; i < v->nswapped; i++)
        if (v->swapped[i].pid == pid && v->swapped[i].va == (va & ~(PAGE - 1)))
            return &v->swapped[i];
    return NULL;
}

const struct osview_process *osview_process(const struct osview *v, uint32_t pid)
{
    for (size_t i = 0; i < v->nproc; i++)
        if (v->proc[i].pid == pid)
            return &v->proc[i];
    return NULL;
}

enum page_state osview_page_state(const struct osview *v, const struct mmu *mmu, uint64_t cr3, uint32_t pid,
                                  uint64_t va)
{
    struct mmu_peek p;
    if (mmu_peek(mmu, cr3, va, &p))
        return PS_RESIDENT;
    if (osview_swapped_at(v, pid, va))
        return PS_SWAPPED;
    const struct osview_area *a = osview_area_at(v, pid, va);
    if (!a)
        return PS_UNMAPPED;
    if (a->prot == 0)
        return PS_GUARD;
    return a->committed ? PS_COMMITTED : PS_RESERVED;
}
