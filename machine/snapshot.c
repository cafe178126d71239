/* snapshot.c — whole-machine snapshots with reverse page deltas (see
 * snapshot.h for what a snapshot holds and why it is exact). */
#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

#define PAGE 4096u

/* A stretch of guest-visible bytes tracked page by page: RAM (reached
 * through the MMU's physical reads and writes, which also tell the CPU's
 * decoded-instruction cache about code pages put back), the disk (the
 * board's memory, live). */
struct region {
    uint8_t *live;        /* NULL for RAM */
    uint8_t *shadow;      /* the bytes as they were at the newest snapshot */
    uint64_t size;        /* a multiple of PAGE (a ragged tail is compared whole) */
};
enum { REGION_RAM, REGION_DISK, REGION_COUNT };

/* One page's bytes before a snapshot overwrote them in the shadow. */
struct old_page {
    uint8_t region;
    uint64_t index;
    uint8_t bytes[PAGE];
};

struct snapshot {
    uint64_t icount;
    void *cpu;                    /* cpu_state_size() bytes (cpu_save) */
    void *mmu;                    /* mmu_state_size() bytes (mmu_save) */
    uint8_t *board;               /* machine_board_state_size() bytes */
    /* The pages that changed between the previous snapshot and this one,
     * with their bytes at the previous snapshot. */
    struct old_page *undo;
    size_t nundo;
};

struct snapshot_store {
    struct machine *m;
    struct mmu *mmu;
    uint8_t page[PAGE];           /* a RAM page read for comparison */
    struct region region[REGION_COUNT];
    struct snapshot snap[SNAPSHOT_MAX];
    size_t count;
    uint64_t delta_bytes;
};

static uint64_t page_bytes(const struct region *r, uint64_t index)
{
    uint64_t off = index * PAGE;
    return r->size - off < PAGE ? r->size - off : PAGE;
}

/* Whether page `index` of region r still holds what the shadow holds. */
static bool same_as_shadow(struct snapshot_store *s, int r, uint64_t index)
{
    const struct region *g = &s->region[r];
    uint64_t off = index * PAGE, n = page_bytes(g, index);
    if (g->live)
        return memcmp(g->live + off, g->shadow + off, n) == 0;
    return mmu_phys_equal(s->mmu, off, g->shadow + off, n);
}

/* The live bytes of page `index` of region r (RAM: read into s->page). */
static const uint8_t *live_page(struct snapshot_store *s, int r, uint64_t index)
{
    const struct region *g = &s->region[r];
    uint64_t off = index * PAGE;
    if (g->live)
        return g->live + off;
    mmu_phys_read(s->mmu, off, s->page, page_bytes(g, index));
    return s->page;
}

/* Put bytes back into page `index` of region r. */
static void write_live_page(struct snapshot_store *s, int r, uint64_t index, const uint8_t *bytes)
{
    const struct region *g = &s->region[r];
    uint64_t off = index * PAGE;
    if (g->live)
        memcpy(g->live + off, bytes, page_bytes(g, index));
    else
        mmu_phys_write(s->mmu, off, bytes, page_bytes(g, index));
}

struct snapshot_store *snapshot_store_new(struct machine *m)
{
    struct snapshot_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->m = m;
    s->mmu = machine_mmu(m);
    uint64_t disk_size;
    uint8_t *disk = machine_disk_memory(m, &disk_size);
    s->region[REGION_RAM] = (struct region){.live = NULL, .size = mmu_ram_size(s->mmu)};
    s->region[REGION_DISK] = (struct region){.live = disk, .size = disk ? disk_size : 0};
    for (int r = 0; r < REGION_COUNT; r++) {
        struct region *g = &s->region[r];
        if (!g->size)
            continue;
        if (!(g->shadow = malloc(g->size))) {
            snapshot_store_free(s);
            return NULL;
        }
        if (g->live)
            memcpy(g->shadow, g->live, g->size);
        else
            mmu_phys_read(s->mmu, 0, g->shadow, g->size);
    }
    return s;
}

static void drop_snapshot(struct snapshot_store *s, struct snapshot *p)
{
    s->delta_bytes -= p->nundo * sizeof *p->undo;
    free(p->undo);
    free(p->board);
    free(p->cpu);
    free(p->mmu);
    p->undo = NULL;
    p->board = NULL;
    p->cpu = p->mmu = NULL;
    p->nundo = 0;
}

void snapshot_store_free(struct snapshot_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++)
        drop_snapshot(s, &s->snap[i]);
    for (int r = 0; r < REGION_COUNT; r++)
        free(s->region[r].shadow);
    free(s);
}

/* Make live == shadow again (the state at the newest snapshot). */
static void revert_to_shadow(struct snapshot_store *s)
{
    for (int r = 0; r < REGION_COUNT; r++) {
        struct region *g = &s->region[r];
        for (uint64_t i = 0; i * PAGE < g->size; i++) {
            if (!same_as_shadow(s, r, i))
                write_live_page(s, r, i, g->shadow + i * PAGE);
        }
    }
}

/* Undo snapshot p's delta in both live and shadow: afterwards both hold the
 * state of the snapshot before p. */
static void apply_undo(struct snapshot_store *s, const struct snapshot *p)
{
    for (size_t k = 0; k < p->nundo; k++) {
        const struct old_page *o = &p->undo[k];
        struct region *g = &s->region[o->region];
        uint64_t off = o->index * PAGE, n = page_bytes(g, o->index);
        write_live_page(s, o->region, o->index, o->bytes);
        memcpy(g->shadow + off, o->bytes, n);
    }
}

/* The pages where live differs from shadow, with the shadow's bytes; then
 * the shadow catches up with live. */
static int collect_delta(struct snapshot_store *s, struct snapshot *p)
{
    size_t cap = 0;
    p->undo = NULL;
    p->nundo = 0;
    for (int r = 0; r < REGION_COUNT; r++) {
        struct region *g = &s->region[r];
        for (uint64_t i = 0; i * PAGE < g->size; i++) {
            uint64_t off = i * PAGE, n = page_bytes(g, i);
            if (same_as_shadow(s, r, i))
                continue;
            if (p->nundo == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                struct old_page *q = realloc(p->undo, ncap * sizeof *q);
                if (!q)
                    return -1;
                p->undo = q;
                cap = ncap;
            }
            struct old_page *o = &p->undo[p->nundo++];
            o->region = (uint8_t)r;
            o->index = i;
            memcpy(o->bytes, g->shadow + off, n);
        }
    }
    /* Only now, when nothing can fail any more, does the shadow move on. */
    for (size_t k = 0; k < p->nundo; k++) {
        int r = p->undo[k].region;
        uint64_t i = p->undo[k].index;
        memcpy(s->region[r].shadow + i * PAGE, live_page(s, r, i), page_bytes(&s->region[r], i));
    }
    s->delta_bytes += p->nundo * sizeof *p->undo;
    return 0;
}

/* Drop snapshots [from, count): undo their deltas newest first, so the
 * shadow ends at snapshot from-1. */
static void truncate_store(struct snapshot_store *s, size_t from)
{
    if (from >= s->count)
        return;
    revert_to_shadow(s);
    while (s->count > from) {
        struct snapshot *p = &s->snap[--s->count];
        apply_undo(s, p);
        drop_snapshot(s, p);
    }
}

/* Forget snapshot j (0 < j < count - 1): the next one's undo data must then
 * lead back to snapshot j-1 — its own pages (as they were at j, which for
 * pages j did not change is also how they were at j-1) plus j's pages. */
static int merge_into_next(struct snapshot_store *s, size_t j)
{
    struct snapshot *a = &s->snap[j], *b = &s->snap[j + 1];
    uint64_t npages[REGION_COUNT], total = 0;
    for (int r = 0; r < REGION_COUNT; r++) {
        npages[r] = (s->region[r].size + PAGE - 1) / PAGE;
        total += npages[r];
    }
    uint8_t *in_a = calloc(total ? total : 1, 1);
    struct old_page *merged = realloc(a->undo, (a->nundo + b->nundo) * sizeof *merged + 1);
    if (!in_a || !merged) {
        free(in_a);
        if (merged)
            a->undo = merged;
        return -1;
    }
    a->undo = merged;
    for (size_t k = 0; k < a->nundo; k++)
        in_a[(a->undo[k].region ? npages[0] : 0) + a->undo[k].index] = 1;
    size_t n = a->nundo;
    for (size_t k = 0; k < b->nundo; k++)
        if (!in_a[(b->undo[k].region ? npages[0] : 0) + b->undo[k].index])
            a->undo[n++] = b->undo[k];
    free(in_a);
    s->delta_bytes -= (a->nundo + b->nundo - n) * sizeof *a->undo;
    free(b->undo);
    b->undo = a->undo;
    b->nundo = n;
    free(a->board);
    free(a->cpu);
    free(a->mmu);
    memmove(&s->snap[j], &s->snap[j + 1], (s->count - j - 1) * sizeof s->snap[0]);
    s->count--;
    return 0;
}

/* The store is full: drop the snapshot whose neighbours are closest, so
 * snapshots thin out evenly over the whole run (the first one, the start,
 * always stays: step back can always reach instruction 0). */
static int thin_out(struct snapshot_store *s)
{
    size_t best = 1;
    for (size_t j = 2; j + 1 < s->count; j++)
        if (s->snap[j + 1].icount - s->snap[j - 1].icount < s->snap[best + 1].icount - s->snap[best - 1].icount)
            best = j;
    return merge_into_next(s, best);
}

int snapshot_take(struct snapshot_store *s)
{
    struct machine *m = s->m;
    struct cpu *cpu = machine_cpu(m);
    /* After a step back the newer snapshots are gone (snapshot_restore
     * dropped them), so the newest one is at or before now. */
    if (s->count && s->snap[s->count - 1].icount >= cpu->icount)
        return 0;
    if (s->count == SNAPSHOT_MAX && thin_out(s) != 0)
        return -1;
    struct snapshot *p = &s->snap[s->count];
    memset(p, 0, sizeof *p);
    p->board = malloc(machine_board_state_size());
    p->cpu = malloc(cpu_state_size());
    p->mmu = malloc(mmu_state_size(s->mmu));
    if (!p->board || !p->cpu || !p->mmu || collect_delta(s, p) != 0) {
        free(p->board);
        free(p->cpu);
        free(p->mmu);
        free(p->undo);
        return -1;
    }
    p->icount = cpu->icount;
    cpu_save(cpu, p->cpu);
    mmu_save(s->mmu, p->mmu);
    machine_board_state_save(m, p->board);
    s->count++;
    return 0;
}

uint64_t snapshot_restore(struct snapshot_store *s, uint64_t icount)
{
    size_t i = s->count;
    while (i > 0 && s->snap[i - 1].icount > icount)
        i--;
    if (i == 0)
        return UINT64_MAX;
    truncate_store(s, i);
    revert_to_shadow(s);
    const struct snapshot *p = &s->snap[i - 1];
    struct machine *m = s->m;
    /* RAM is back (above); now the CPU's state (its links to the host
     * stay), the MMU's paging controls, TLB and counters, the devices. */
    cpu_restore(machine_cpu(m), p->cpu);
    mmu_restore(s->mmu, p->mmu);
    machine_board_state_load(m, p->board);
    return p->icount;
}

size_t snapshot_count(const struct snapshot_store *s) { return s->count; }

uint64_t snapshot_newest_icount(const struct snapshot_store *s)
{
    return s->count ? s->snap[s->count - 1].icount : UINT64_MAX;
}

uint64_t snapshot_delta_bytes(const struct snapshot_store *s) { return s->delta_bytes; }
