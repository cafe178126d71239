/* dcache.c — allocation and invalidation of the decoded-instruction cache. */
#include "dcache.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RINGSCOPE_ENGINE=interp runs the plain interpreter (one lookup per
 * instruction, the oracle the other tiers are tested against); "blocks"
 * runs decoded blocks without translating them; unset or "fast" runs
 * blocks and translates the hot ones, whenever no watcher wants
 * instructions or memory. */
enum engine { ENGINE_INTERP, ENGINE_BLOCKS, ENGINE_FAST };
static enum engine engine_asked(void)
{
    const char *e = getenv("RINGSCOPE_ENGINE");
    if (!e || !*e || !strcmp(e, "fast"))
        return ENGINE_FAST;
    if (!strcmp(e, "interp"))
        return ENGINE_INTERP;
    if (!strcmp(e, "blocks"))
        return ENGINE_BLOCKS;
    static bool warned;
    if (!warned)
        fprintf(stderr, "ringscope: RINGSCOPE_ENGINE=%s: expected interp, blocks or fast; running fast\n", e);
    warned = true;
    return ENGINE_FAST;
}

struct dcache *dcache_new(uint64_t ram_size)
{
    struct dcache *dc = calloc(1, sizeof *dc);
    if (!dc)
        return NULL;
    dc->nframes = (ram_size + 4095) >> 12;
    dc->frame_gen = calloc(dc->nframes ? dc->nframes : 1, sizeof *dc->frame_gen);
    const enum engine engine = engine_asked();
    dc->blocks = block_cache_new(engine == ENGINE_FAST);
    if (!dc->frame_gen || !dc->blocks) {
        free(dc->frame_gen);
        block_cache_free(dc->blocks);
        free(dc);
        return NULL;
    }
    dc->plain = engine == ENGINE_INTERP;
    /* The entries stay as calloc left them (pages the host maps on first
     * touch, so start-up clears nothing): an empty entry reads pa 0,
     * generation 0, and frame 0 starts at generation 1, so it never
     * matches. */
    dc->frame_gen[0] = 1;
    dc->code.tlb_gen = CODE_PAGE_NONE;
    return dc;
}

void dcache_free(struct dcache *dc)
{
    if (!dc)
        return;
    free(dc->frame_gen);
    block_cache_free(dc->blocks);
    free(dc);
}

void dcache_invalidate_frame(void *ctx, uint64_t pfn)
{
    struct dcache *dc = ctx;
    if (pfn < dc->nframes) {
        if (++dc->frame_gen[pfn] == 0) /* 0 is an empty entry's generation */
            dc->frame_gen[pfn] = 1;
        if (dc->block_break)
            *dc->block_break = 1;
        dc->invalidations++;
    }
}
