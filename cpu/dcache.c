/* dcache.c — allocation and invalidation of the decoded-instruction cache. */
#include "dcache.h"
#include <stdlib.h>

struct dcache *dcache_new(uint64_t ram_size)
{
    struct dcache *dc = calloc(1, sizeof *dc);
    if (!dc)
        return NULL;
    dc->nframes = (ram_size + 4095) >> 12;
    dc->frame_gen = calloc(dc->nframes ? dc->nframes : 1, sizeof *dc->frame_gen);
    if (!dc->frame_gen) {
        free(dc);
        return NULL;
    }
    for (size_t i = 0; i < (1u << DCACHE_BITS); i++)
        dc->entry[i].pa = ~0ull;
    dc->code.tlb_gen = CODE_PAGE_NONE;
    return dc;
}

void dcache_free(struct dcache *dc)
{
    if (!dc)
        return;
    free(dc->frame_gen);
    free(dc);
}

void dcache_invalidate_frame(void *ctx, uint64_t pfn)
{
    struct dcache *dc = ctx;
    if (pfn < dc->nframes) {
        dc->frame_gen[pfn]++;
        dc->invalidations++;
    }
}
