/* run.c — the fetch-decode-execute loop.
 *
 * Each step: take a pending interrupt at the instruction boundary, translate
 * RIP through the TLB (an execute access), find the decoded instruction in
 * the decoded-instruction cache by physical address (decoding only on a
 * miss), and call its handler.  A handler that faults unwinds here through
 * cpu_fault() (longjmp); RIP still names the faulting instruction, so the
 * exception is delivered with the architectural return address. */
#include "dcache.h"
#include "exec.h"
#include "mem.h"
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

/* The decoded instruction at RIP. */
static const struct insn *fetch(struct cpu *cpu, struct insn *scratch)
{
    uint64_t rip = cpu->rip;
    unsigned acc = ACC_EXEC | (cpu->cpl == 3 ? ACC_USER : 0u);
    struct mmu *m = cpu->mmu;
    uint8_t *host = tlb_fast(m, rip, acc);
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
    struct dcache *dc = cpu->dcache;
    struct dcache_entry *e = dcache_slot(dc, pa);
    uint32_t gen = dc->frame_gen[pa >> 12];
    if (__builtin_expect(e->pa == pa && e->gen == gen, 1)) {
        dc->hits++;
        return &e->insn;
    }
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
    return &e->insn;
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
        if (__builtin_expect(cpu->stop_request | cpu->intr_line | cpu->halted | cpu->intr_shadow, 0)) {
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
