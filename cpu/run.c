/* run.c — the fetch-decode-execute loop.
 *
 * Each step: take a pending interrupt at the instruction boundary, translate
 * RIP through the TLB (an execute access), find the decoded instruction in
 * the decoded-instruction cache by physical address (decoding only on a
 * miss), and call its handler.  A handler that faults unwinds here through
 * cpu_fault() (longjmp); RIP still names the faulting instruction, so the
 * exception is delivered with the architectural return address. */
#include "dcache.h"
#include "exec_int.h"
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
    if (!m->code_frame[pa >> 12])
        mmu_mark_code(m, pa >> 12);
    e->pa = pa;
    e->gen = dc->frame_gen[pa >> 12];
    e->insn = *scratch;
    exec_fn fast = exec_int_specialize(&e->insn);
    if (fast)
        e->insn.exec = fast;
    return &e->insn;
}

/* The host address of the byte at RIP, through the TLB entry that
 * translated the previous fetch when RIP is still in that page (it is
 * checked exactly as tlb_fast checks an entry: same page, fetch allowed for
 * this CPL, RAM), else through tlb_fast; NULL when neither permits it. */
static inline uint8_t *fetch_host(struct cpu *cpu, struct dcache *dc, uint64_t rip, unsigned acc)
{
    struct mmu *m = cpu->mmu;
    const struct tlb_entry *e = tlb_entry_at(m, dc->code_tlb_slot);
    if (__builtin_expect(e->vpn == rip >> 12 && ((e->allow >> acc) & 1u) && e->host, 1)) {
        m->stats.hits++;
        return e->host + (rip & 0xfff);
    }
    return tlb_fast_slot(m, rip, acc, &dc->code_tlb_slot);
}

/* The decoded instruction at RIP. */
static inline const struct insn *fetch(struct cpu *cpu, struct insn *scratch)
{
    uint64_t rip = cpu->rip;
    /* ACC_USER at CPL 3 only: (cpl + 1) & 4 is 4 for CPL 3, 0 for CPL 0-2. */
    unsigned acc = ACC_EXEC | (((cpu->cpl + 1u) & 4u) << 1);
    _Static_assert(ACC_USER == 8, "the CPL-3 test above builds ACC_USER as 4 << 1");
    struct mmu *m = cpu->mmu;
    struct dcache *dc = cpu->dcache;
    uint8_t *host = fetch_host(cpu, dc, rip, acc);
    if (__builtin_expect(!host, 0)) {
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
    uint64_t pa = (uint64_t)(host - m->ram);
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

enum cpu_stop cpu_run(struct cpu *cpu, uint64_t max_insns)
{
    const uint64_t end = cpu->icount + max_insns;
    struct insn scratch;

    cpu->in_run = true;
    if (setjmp(cpu->fault_jmp)) {
        /* An instruction (or a delivery) faulted: RIP is unchanged. */
        cpu_exception(cpu, cpu->fault_vector, cpu->fault_error);
        cpu->intr_shadow = 0;
    }
    while (cpu->icount < end) {
        if (__builtin_expect(boundary_events(cpu) != 0, 0)) {
            if (cpu->shutdown) {
                cpu->stop_request = 0;
                cpu->in_run = false;
                return STOP_TRIPLE_FAULT;
            }
            if (cpu->stop_request) {
                cpu->stop_request = 0;
                cpu->in_run = false;
                return STOP_REQUEST;
            }
            /* STI and MOV SS hold off interrupts for one instruction. */
            bool inhibit = cpu->intr_shadow;
            cpu->intr_shadow = 0;
            if (!inhibit && cpu->intr_line && (cpu->rflags & RF_IF) && cpu->bus && cpu->bus->intr_ack) {
                take_interrupt(cpu);
                continue;
            }
            if (cpu->halted) {
                cpu->in_run = false;
                return STOP_HALT;
            }
        }
        const struct insn *in = fetch(cpu, &scratch);
        cpu->next_rip = cpu->rip + in->len;
        if (__builtin_expect(cpu->observer != NULL, 0)) {
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
    cpu->in_run = false;
    return cpu->halted ? STOP_HALT : STOP_BUDGET;
}
