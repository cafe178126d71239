/* run.c — the fetch-decode-execute loop.
 *
 * Each step: take a pending interrupt at the instruction boundary, translate
 * RIP through the TLB (an execute access; while RIP stays in the page the
 * TLB last allowed and no TLB entry has changed since, that translation is
 * reused), find the decoded instruction in the decoded-instruction cache by
 * physical address (decoding only on a miss, when the handler may also be
 * replaced by a specialised variant, opcodes.def's "variants"), and call its
 * handler.  A handler that faults unwinds here through cpu_fault()
 * (longjmp); RIP still names the faulting instruction, so the exception is
 * delivered with the architectural return address. */
#include "block.h"
#include "dcache.h"
#include "opcode_table.h"
#include "mem.h"
#include <stddef.h>
#include <stdlib.h>

/* Decode an instruction whose bytes are not all in one page (or not in
 * RAM): gather up to 15 bytes through execute-access translations. */
static int decode_slow(struct cpu *cpu, uint64_t rip, unsigned acc, struct insn *in)
{
    uint8_t buf[15];
    unsigned have = 0;
    int r = DECODE_SHORT;
    while (r == DECODE_SHORT && have < sizeof buf) {
        uint64_t va = rip + have;
        unsigned room = 0x1000 - (unsigned)(va & 0xfff);
        unsigned want = sizeof buf - have < room ? sizeof buf - have : room;
        uint64_t pa;
        uint8_t *host;
        struct mmu_fault f;
        if (!mmu_translate(cpu->mmu, va, acc, &pa, &host, &f))
            cpu_mmu_fault(cpu, &f);
        if (host) {
            memcpy(buf + have, host, want);
        } else {
            for (unsigned i = 0; i < want; i++)
                buf[have + i] = cpu->bus && cpu->bus->mmio_read
                                    ? (uint8_t)cpu->bus->mmio_read(cpu->bus->ctx, pa + i, 1) : 0xff;
        }
        have += want;
        r = decode(buf, have, in);
    }
    return r;
}

static void raise_decode_error(struct cpu *cpu, int r)
{
    cpu_fault(cpu, r == DECODE_TOO_LONG ? EXC_GP : EXC_UD, 0);
}

/* Decode the instruction at RIP (host/pa: its first byte) into the cache,
 * or into *scratch when it cannot be cached. */
static __attribute__((noinline)) const struct insn *
fetch_miss(struct cpu *cpu, uint64_t rip, unsigned acc, const uint8_t *host, uint64_t pa,
           struct insn *scratch)
{
    struct mmu *m = cpu->mmu;
    struct dcache *dc = cpu->dcache;
    struct dcache_entry *e = dcache_slot(dc, pa);
    dc->misses++;
    unsigned room = 0x1000 - (unsigned)(pa & 0xfff);
    int r = decode(host, room, scratch);
    if (r == DECODE_SHORT) { /* crosses into the next page: not cacheable */
        r = decode_slow(cpu, rip, acc, scratch);
        if (r != DECODE_OK)
            raise_decode_error(cpu, r);
        return scratch;
    }
    if (r != DECODE_OK)
        raise_decode_error(cpu, r);
    if (!mmu_is_code_frame(m, pa >> 12))
        mmu_mark_code(m, pa >> 12);
    e->pa = pa;
    e->gen = dc->frame_gen[pa >> 12];
    e->insn = *scratch;
    exec_fn fast = opcode_variant(&e->insn);
    if (fast)
        e->insn.exec = fast;
    return &e->insn;
}

/* An instruction fetch is a user access at CPL 3 only. */
static inline unsigned fetch_access(const struct cpu *cpu)
{
    return ACC_EXEC | (cpu->cpl == 3 ? ACC_USER : 0u);
}

/* Remember the code page of a fetch the TLB just allowed (host: the byte
 * at rip), for the fetches that follow in the same page. */
static void remember_code_page(struct cpu *cpu, struct dcache *dc, uint64_t rip, const uint8_t *host)
{
    struct mmu *m = cpu->mmu;
    uint64_t offset = rip & 0xfff;
    dc->code.va = rip - offset;
    dc->code.host = host - offset;
    dc->code.pa = mmu_host_to_pa(m, host - offset);
    dc->code.frame_gen = &dc->frame_gen[dc->code.pa >> 12];
    dc->code.slot_key = dcache_page_key(dc->code.pa);
    dc->code.tlb_gen = mmu_tlb_gen(m);
    dc->code.cpl = cpu->cpl;
}

/* The decoded instruction at RIP. */
static inline const struct insn *fetch(struct cpu *cpu, struct mmu *m, struct dcache *dc,
                                       struct insn *scratch)
{
    uint64_t rip = cpu->rip;
    uint64_t offset = rip - dc->code.va;
    if (__builtin_expect(offset < 0x1000 && dc->code.tlb_gen == mmu_tlb_gen(m) &&
                         dc->code.cpl == cpu->cpl, 1)) {
        /* The TLB is unchanged since it allowed this page to be fetched at
         * this CPL: tlb_fast would hit again (and count the hit). */
        mmu_count_tlb_hit(m);
        uint64_t pa = dc->code.pa + offset;
        struct dcache_entry *e = dcache_slot_in_page(dc, dc->code.slot_key, offset);
        if (__builtin_expect(e->pa == pa && e->gen == *dc->code.frame_gen, 1)) {
            dc->hits++;
            return &e->insn;
        }
        return fetch_miss(cpu, rip, fetch_access(cpu), dc->code.host + offset, pa, scratch);
    }
    unsigned acc = fetch_access(cpu);
    uint8_t *host = tlb_fast(m, rip, acc);
    if (host) {
        remember_code_page(cpu, dc, rip, host);
    } else {
        uint64_t pa;
        struct mmu_fault f;
        if (!mmu_translate(m, rip, acc, &pa, &host, &f))
            cpu_mmu_fault(cpu, &f);
        if (!host) { /* executing from MMIO: never cached */
            int r = decode_slow(cpu, rip, acc, scratch);
            if (r != DECODE_OK)
                raise_decode_error(cpu, r);
            return scratch;
        }
    }
    uint64_t pa = mmu_host_to_pa(m, host);
    struct dcache_entry *e = dcache_slot(dc, pa);
    if (__builtin_expect(e->pa == pa && e->gen == dc->frame_gen[pa >> 12], 1)) {
        dc->hits++;
        return &e->insn;
    }
    return fetch_miss(cpu, rip, acc, host, pa, scratch);
}

/* Anything to do at this instruction boundary: intr_shadow, halted,
 * stop_request and intr_line are adjacent bytes of struct cpu, so one load
 * tests all four. */
_Static_assert(offsetof(struct cpu, halted) == offsetof(struct cpu, intr_shadow) + 1 &&
               offsetof(struct cpu, stop_request) == offsetof(struct cpu, intr_shadow) + 2 &&
               offsetof(struct cpu, intr_line) == offsetof(struct cpu, intr_shadow) + 3,
               "boundary_events reads these four bytes as one word");
_Static_assert(offsetof(struct cpu, cpl) % 8 == 0 &&
               offsetof(struct cpu, intr_shadow) == offsetof(struct cpu, cpl) + 1 &&
               offsetof(struct cpu, block_break) == offsetof(struct cpu, intr_line) + 1 &&
               offsetof(struct cpu, engine_pad) + sizeof(((struct cpu *)0)->engine_pad) ==
                   offsetof(struct cpu, cpl) + 8,
               "engine_word reads cpl..engine_pad as one aligned word");
/* cpl, the four boundary bytes, block_break and padding: what the fast
 * engine compares after each instruction of a block. */
static inline uint64_t engine_word(const struct cpu *cpu)
{
    uint64_t w;
    memcpy(&w, (const uint8_t *)cpu + offsetof(struct cpu, cpl), sizeof w);
    return w;
}

static inline uint32_t boundary_events(const struct cpu *cpu)
{
    uint32_t w;
    memcpy(&w, (const uint8_t *)cpu + offsetof(struct cpu, intr_shadow), sizeof w);
    return w;
}

/* Take the INTR line if RFLAGS.IF allows (SDM Vol. 3A §6.8.1). */
static void take_interrupt(struct cpu *cpu)
{
    uint8_t vector = cpu->bus->intr_ack(cpu->bus->ctx);
    cpu->halted = 0;
    cpu->delivering = 1;
    cpu->first_vector = vector;
    cpu->next_rip = cpu->rip;
    cpu_deliver(cpu, vector, false, 0, SRC_EXTERNAL);
    cpu->delivering = 0;
}

/* What boundary_events() flagged, handled in the one order both loops
 * share: a triple fault or a stop request ends the run; else an INTR that
 * RFLAGS.IF and the STI/MOV SS shadow allow is delivered (the shadow holds
 * off interrupts for one instruction, SDM Vol. 3A §6.8.3), and the
 * boundary is looked at again; else a halted CPU stops. */
enum boundary { BOUNDARY_RUN, BOUNDARY_AGAIN, BOUNDARY_STOP };
static inline enum boundary at_boundary(struct cpu *cpu, enum cpu_stop *stop)
{
    if (cpu->shutdown || cpu->stop_request) {
        *stop = cpu->shutdown ? STOP_TRIPLE_FAULT : STOP_REQUEST;
        cpu->stop_request = 0;
        return BOUNDARY_STOP;
    }
    bool inhibit = cpu->intr_shadow;
    cpu->intr_shadow = 0;
    if (!inhibit && cpu->intr_line && (cpu->rflags & RF_IF) && cpu->bus && cpu->bus->intr_ack) {
        take_interrupt(cpu);
        return BOUNDARY_AGAIN;
    }
    if (cpu->halted) {
        *stop = STOP_HALT;
        return BOUNDARY_STOP;
    }
    return BOUNDARY_RUN;
}

/* The loop proper, until icount reaches `end` or something stops it.  It
 * is a function of its own, apart from the setjmp in cpu_run(): in a
 * function that calls setjmp the compiler keeps no variable in a register
 * across calls, which would cost every instruction several loads. */
static __attribute__((noinline)) enum cpu_stop run_loop(struct cpu *cpu, uint64_t end)
{
    struct insn scratch;
    enum cpu_stop stop;
    struct mmu *m = cpu->mmu;
    struct dcache *dc = cpu->dcache;
    while (cpu->icount < end) {
        if (__builtin_expect(boundary_events(cpu) != 0, 0)) {
            enum boundary what = at_boundary(cpu, &stop);
            if (what == BOUNDARY_STOP)
                return stop;
            if (what == BOUNDARY_AGAIN)
                continue;
        }
        const struct insn *in = fetch(cpu, m, dc, &scratch);
        cpu->next_rip = cpu->rip + in->len;
        if (__builtin_expect(cpu->watch_insn, 0)) {
            const struct cpu_observer *o = cpu->observer;
            if (o->before_insn)
                o->before_insn(o->ctx, cpu, in);
            in->exec(cpu, in);
            cpu->rip = cpu->next_rip;
            cpu->icount++;
            if (o->after_insn)
                o->after_insn(o->ctx, cpu, in);
            continue;
        }
        in->exec(cpu, in);
        cpu->rip = cpu->next_rip;
        cpu->icount++;
    }
    return cpu->halted ? STOP_HALT : STOP_BUDGET;
}

/* ---- the fast engine: blocks ---------------------------------------------
 * With no watcher of instructions or memory, the loop below runs decoded
 * blocks (block.h) instead of looking each instruction up.  It does, for
 * every instruction, exactly what run_loop would do that anyone can see:
 * the same interrupt and stop checks at each boundary, the same budget,
 * the same TLB lookups and hit counts for the fetches, and the same
 * re-decoding after a write to code; it only skips the work whose result
 * it already knows.
 *
 * Entering a block at RIP translates RIP exactly as fetch() does.  The
 * instructions after the first are then fetched, in run_loop, from the
 * remembered code page (one counted TLB hit each) for as long as RIP is the
 * next instruction's address, the TLB has not changed and the CPL is the
 * same; the block is followed under exactly those conditions, and also
 * only while its frame is not rewritten, no boundary event (interrupt,
 * STI shadow, halt, stop request) is pending and the budget lasts.  RIP and
 * icount are kept current at every instruction, so a fault in the middle of
 * a block unwinds to cpu_run() with the state run_loop would have. */

/* Translate RIP for a block entry, as fetch() does (same TLB calls and
 * counts).  Returns the host address of the byte at RIP, or NULL when RIP
 * is not in RAM.  *remembered: the code page now remembered is RIP's, so
 * the following fetches in this page would be counted hits. */
static inline const uint8_t *block_fetch_translate(struct cpu *cpu, struct mmu *m, struct dcache *dc,
                                                   uint64_t rip, bool *remembered)
{
    uint64_t offset = rip - dc->code.va;
    if (__builtin_expect(offset < 0x1000 && dc->code.tlb_gen == mmu_tlb_gen(m) &&
                         dc->code.cpl == cpu->cpl, 1)) {
        mmu_count_tlb_hit(m);
        *remembered = true;
        return dc->code.host + offset;
    }
    unsigned acc = fetch_access(cpu);
    uint8_t *host = tlb_fast(m, rip, acc);
    if (host) {
        remember_code_page(cpu, dc, rip, host);
        *remembered = true;
        return host;
    }
    uint64_t pa;
    struct mmu_fault f;
    if (!mmu_translate(m, rip, acc, &pa, &host, &f))
        cpu_mmu_fault(cpu, &f);
    *remembered = false; /* fetch() does not remember a page it walked for */
    return host;
}

/* One instruction the block cache cannot hold (MMIO, crossing a page,
 * undecodable): decoded as fetch_miss() / decode_slow() would, then run. */
static void block_step_uncached(struct cpu *cpu, const uint8_t *host, struct insn *scratch)
{
    const struct insn *in;
    if (host) {
        in = fetch_miss(cpu, cpu->rip, fetch_access(cpu), host, mmu_host_to_pa(cpu->mmu, host), scratch);
    } else {
        int r = decode_slow(cpu, cpu->rip, fetch_access(cpu), scratch);
        if (r != DECODE_OK)
            raise_decode_error(cpu, r);
        in = scratch;
    }
    cpu->next_rip = cpu->rip + in->len;
    in->exec(cpu, in);
    cpu->rip = cpu->next_rip;
    cpu->icount++;
}

/* The first n instructions of block b only (a budget, or an INTR that
 * must be looked at after one instruction, ends inside it), each with RIP,
 * next RIP, icount and its fetch hit written first and the exit tests
 * after, as run_loop would have them.  Returns RIP after the last one run. */
static __attribute__((noinline)) uint64_t run_block_prefix(struct cpu *cpu, struct mmu *m, const struct block *b,
                                                           uint32_t n, uint64_t rip, uint64_t word)
{
    const struct insn *in = b->insn;
    cpu->block_insn = NULL;
    for (uint32_t i = 0; i < n; i++, in++) {
        if (i)
            mmu_count_tlb_hit(m); /* its fetch, from the remembered code page */
        const uint64_t next = rip + in->len;
        cpu->rip = rip;
        cpu->next_rip = next;
        in->exec(cpu, in);
        rip = cpu->rip = cpu->next_rip;
        cpu->icount++;
        if (rip != next || engine_word(cpu) != word)
            break;
    }
    return rip;
}

const void *run_chain_target(struct cpu *cpu, uint64_t rip, uint64_t limit)
{
    struct mmu *m = cpu->mmu;
    struct dcache *dc = cpu->dcache;
    struct block_cache *bc = dc->blocks;
    const uint8_t *host;
    const uint64_t offset = rip - dc->code.va;
    const bool in_page = offset < 0x1000 && dc->code.tlb_gen == mmu_tlb_gen(m) && dc->code.cpl == cpu->cpl;
    if (in_page)
        host = dc->code.host + offset;
    else if (!(host = tlb_fast_peek(m, rip, fetch_access(cpu))))
        return NULL; /* a walk: the loop starts a chain that runs one instruction */
    const uint64_t pa = mmu_host_to_pa(m, host);
    const struct block *b = block_slot(bc, pa);
    if (b->pa != pa || b->gen != dc->frame_gen[pa >> 12] || !b->code || cpu->icount >= limit ||
        limit - cpu->icount < b->n)
        return NULL;
    mmu_count_tlb_hit(m);
    if (!in_page)
        remember_code_page(cpu, dc, rip, host);
    return (const uint8_t *)(uintptr_t)b->code + bc->jit->chain_offset;
}

static __attribute__((noinline)) enum cpu_stop run_blocks(struct cpu *cpu, uint64_t end)
{
    struct insn scratch;
    enum cpu_stop stop;
    struct mmu *m = cpu->mmu;
    struct dcache *dc = cpu->dcache;
    struct block_cache *bc = dc->blocks;
    while (cpu->icount < end) {
        if (__builtin_expect(boundary_events(cpu) != 0, 0)) {
            enum boundary what = at_boundary(cpu, &stop);
            if (what == BOUNDARY_STOP)
                return stop;
            if (what == BOUNDARY_AGAIN)
                continue;
        }
        /* A watcher attached by a callback: per-instruction from here. */
        if (__builtin_expect(cpu->watch_insn || cpu->watch_mem, 0))
            return run_loop(cpu, end);

        bool remembered;
        const uint8_t *host = block_fetch_translate(cpu, m, dc, cpu->rip, &remembered);
        if (__builtin_expect(!host, 0)) {
            block_step_uncached(cpu, NULL, &scratch);
            continue;
        }
        uint64_t pa = mmu_host_to_pa(m, host);
        const uint32_t *frame_gen = &dc->frame_gen[pa >> 12];
        struct block *b = block_slot(bc, pa);
        if (__builtin_expect(b->pa != pa || b->gen != *frame_gen, 0)) {
            uint64_t decoded = bc->decoded;
            b = block_build(bc, b, host - (pa & 0xfff), pa, *frame_gen);
            dc->misses += bc->decoded - decoded;
            if (!b) { /* decoded as fetch_miss() would, which marks the frame only if it caches */
                block_step_uncached(cpu, host, &scratch);
                continue;
            }
            /* Its frame now holds decoded code, as fetch_miss() marks it. */
            if (!mmu_is_code_frame(m, pa >> 12))
                mmu_mark_code(m, pa >> 12);
            /* Marking the frame changed the TLB's generation; the next
             * fetch would remember the page again (a counted hit either
             * way). */
            if (remembered)
                dc->code.tlb_gen = mmu_tlb_gen(m);
        }

        /* Run b: the first instruction's fetch is counted above.  The
         * word from cpl to block_break (engine_word) changes when the CPL
         * changes, a boundary event arrives, the TLB or a frame of decoded
         * code changes, or a watcher is attached (block_break, cleared
         * here after the build's own marking of the frame). */
        cpu->block_break = 0;
        /* A page walked for (fetch() remembers no page then), or an INTR
         * line already up that IF or the STI shadow holds off: run_loop
         * looks again after one instruction, and so does this loop (the
         * word would not change when IF does). */
        const uint64_t limit = !remembered || cpu->intr_line ? cpu->icount + 1 : end;
        const uint64_t word = engine_word(cpu), chain_icount0 = cpu->icount;
        uint64_t rip = cpu->rip;
        for (;;) {
            if (__builtin_expect(limit - cpu->icount < b->n, 0)) {
                rip = run_block_prefix(cpu, m, b, (uint32_t)(limit - cpu->icount), rip, word);
                goto chain_end;
            }
            const uint64_t brip = rip;
            if (b->code) {
                /* The block's translation (jit.h) does all of the below. */
                struct jit_exit x = b->code(cpu, brip, word, limit);
                rip = x.rip;
                if (x.synced)
                    goto chain_end;
                goto chain_next;
            }
            if (bc->translate && ++b->runs == JIT_HOT)
                block_translate(bc, b); /* run translated from its next entry */
            const struct insn *in = b->insn;
            /* RIP, icount and the fetch hits (one per instruction after
             * the first) are written to the CPU and the MMU's counter only
             * before an instruction that may look at them (all but
             * BLOCK_INSN_PLAIN and NEAR_JCC, block.h) and when the block is
             * left: an instruction's RIP is brip + block_off, and
             * since_sync says how far icount and the hits are behind.
             * Only such an instruction can fault, so a fault finds the
             * state run_loop would leave. */
            cpu->block_rip = brip;
            for (;;) {
                const uint8_t kind = in->engine;
                if (__builtin_expect(kind == BLOCK_INSN_PLAIN, 1)) {
                    in->exec(cpu, in);
                    in++;
                    continue;
                }
                if (kind == BLOCK_INSN_NEAR_JCC) {
                    const uint64_t next = brip + in->block_off + in->len;
                    cpu->next_rip = next;
                    in->exec(cpu, in);
                    if (cpu->next_rip != next) { /* taken */
                        rip = cpu->next_rip;
                        break;
                    }
                } else if (kind == BLOCK_INSN_MEM) {
                    cpu->block_insn = in;
                    in->exec(cpu, in);
                    if (__builtin_expect(engine_word(cpu) != word, 0)) {
                        rip = brip + in->block_off + in->len;
                        if (!cpu->block_insn) { /* cpu_block_sync wrote RIP, icount, hits */
                            cpu->icount++;
                            goto chain_end;
                        }
                        break;
                    }
                } else {
                    const uint64_t at = brip + in->block_off, next = at + in->len;
                    cpu->block_insn = NULL;
                    cpu->rip = at;
                    cpu->next_rip = next;
                    cpu->icount += in->since_sync;
                    mmu_count_tlb_hits(m, in->since_sync);
                    in->exec(cpu, in);
                    if (cpu->next_rip != next || engine_word(cpu) != word) {
                        rip = cpu->next_rip;
                        break;
                    }
                }
                if (in->block_last) {
                    rip = brip + in->block_off + in->len;
                    break;
                }
                in++;
            }
            cpu->icount += in->exit_behind + 1u;
            mmu_count_tlb_hits(m, in->exit_behind);
        chain_next:
            /* The next block, without the outer loop's checks, when
             * nothing they look at can have changed: the word is as at
             * entry (no boundary event, same CPL, no TLB or code change,
             * no new watcher), no INTR is waiting (else limit allowed one
             * instruction), the budget lasts and RIP is still in the
             * remembered code page, so fetch() would take its code-page
             * path (one counted hit) into the same frame, whose generation
             * is unchanged.  RIP stays here until the chain ends: the next
             * block's instructions that may read it are given it. */
            if (engine_word(cpu) != word || cpu->icount >= limit)
                break;
            if (rip != brip) { /* else a loop back to this block's start */
                uint64_t offset = rip - dc->code.va;
                if (offset >= 0x1000)
                    break;
                uint64_t next_pa = dc->code.pa + offset;
                struct block *nb = block_slot(bc, next_pa);
                if (nb->pa != next_pa || nb->gen != b->gen)
                    break; /* not built yet: the outer loop builds it */
                b = nb;
            }
            mmu_count_tlb_hit(m);
        }
    chain_end:
        cpu->block_insn = NULL;
        cpu->rip = cpu->next_rip = rip;
        /* Instructions answered from blocks (not counted for a chain that
         * faults: the statistic is the host's, not the guest's). */
        dc->hits += cpu->icount - chain_icount0;
    }
    return cpu->halted ? STOP_HALT : STOP_BUDGET;
}

enum cpu_stop cpu_run(struct cpu *cpu, uint64_t max_insns)
{
    const uint64_t end = cpu->icount + max_insns;

    cpu->in_run = true;
    /* The TLB may have been changed behind the MMU's back since the last
     * run (a snapshot restore copies it whole): forget the code page. */
    cpu->dcache->code.tlb_gen = CODE_PAGE_NONE;
    /* At an instruction boundary next_rip equals rip (the run loop and
     * every delivery keep it so); a debugger may have set RIP alone. */
    cpu->next_rip = cpu->rip;
    if (setjmp(cpu->fault_jmp)) {
        /* An instruction (or a delivery) faulted: RIP is unchanged.  The
         * instruction had begun when it was decoded (next_rip moved past
         * it) and no delivery was under way (a fault while delivering is
         * the same instruction's, or an interrupt's).  It is counted once
         * its delivery ends, so watchers of the delivery see the count the
         * faulting instruction began with. */
        if (!cpu->delivering && cpu->next_rip != cpu->rip)
            cpu->fault_began = true;
        cpu_exception(cpu, cpu->fault_vector, cpu->fault_error);
        cpu->intr_shadow = 0;
        if (cpu->fault_began) {
            cpu->fault_began = false;
            cpu->insns_faulted++;
        }
    }
    enum cpu_stop why = cpu->watch_insn || cpu->watch_mem || cpu->dcache->plain ? run_loop(cpu, end)
                                                                                  : run_blocks(cpu, end);
    cpu->in_run = false;
    return why;
}
