/* mem.h — the CPU's data accesses to guest linear memory.
 *
 * Every access goes through the MMU: the inline fast path is one TLB lookup
 * that yields a host pointer; misses, page-crossing accesses, MMIO and
 * observed runs take the slow path in mem.c, which walks, checks both pages
 * of a crossing access before touching either, raises #PF/#GP through
 * cpu_fault(), and reports each access to the observer.  x86 is
 * little-endian like the host, so loads are plain memcpy. */
#ifndef RINGSCOPE_MEM_H
#define RINGSCOPE_MEM_H
#include <string.h>
#include "../mmu/mmu_internal.h"
#include "cpu.h"

/* ACC_USER for CPL 3 and ACC_AC from RFLAGS.AC (bit 18 -> bit 4). */
static inline unsigned cpu_acc_mode(const struct cpu *cpu)
{
    return (cpu->cpl == 3 ? ACC_USER : 0u) | (unsigned)((cpu->rflags & RF_AC) >> 14);
}

/* Host loads/stores of 1, 2, 4 or 8 bytes with constant sizes, so they
 * compile to single moves instead of calls to memcpy. */
static inline uint64_t host_load(const uint8_t *p, unsigned size)
{
    uint16_t w;
    uint32_t d;
    uint64_t q;
    switch (size) {
    case 1: return *p;
    case 2: memcpy(&w, p, 2); return w;
    case 4: memcpy(&d, p, 4); return d;
    default: memcpy(&q, p, 8); return q;
    }
}

static inline void host_store(uint8_t *p, unsigned size, uint64_t v)
{
    uint16_t w = (uint16_t)v;
    uint32_t d = (uint32_t)v;
    switch (size) {
    case 1: *p = (uint8_t)v; break;
    case 2: memcpy(p, &w, 2); break;
    case 4: memcpy(p, &d, 4); break;
    default: memcpy(p, &v, 8); break;
    }
}

/* The fast engine runs a BLOCK_INSN_MEM instruction (cpu/block.h) without
 * first writing its RIP, next RIP, icount and the fetch hits before it;
 * the memory slow paths and cpu_fault() write them here before anything
 * (a walk, the bus, an exception) can look at them, and set block_break so
 * the engine knows they were written and leaves the block. */
static inline void cpu_block_sync(struct cpu *cpu)
{
    const struct insn *in = cpu->block_insn;
    if (__builtin_expect(in != NULL, 0)) {
        cpu->block_insn = NULL;
        cpu->rip = cpu->block_rip + in->block_off;
        cpu->next_rip = cpu->rip + in->len;
        cpu->icount += in->since_sync;
        mmu_count_tlb_hits(cpu->mmu, in->since_sync);
        cpu->block_break = 1;
    }
}

/* The inline fast path every access takes first: the host address of the
 * `size` bytes at va when nothing observes memory, they lie in one page
 * and the TLB already permits `acc` there (tlb_fast(), which counts the
 * hit); NULL sends the access to its slow path. */
static inline uint8_t *mem_fast_host(struct cpu *cpu, uint64_t va, unsigned size, unsigned acc)
{
    if (__builtin_expect(!cpu->watch_mem && (va & 0xfff) + size <= 0x1000, 1))
        return tlb_fast(cpu->mmu, va, acc);
    return NULL;
}

uint64_t mem_read_slow(struct cpu *cpu, uint64_t va, unsigned size, unsigned acc);
void mem_write_slow(struct cpu *cpu, uint64_t va, unsigned size, uint64_t v, unsigned acc);
/* Arbitrary-size accesses (16-byte SSE, 10-byte x87, 512-byte FXSAVE, ...). */
void mem_read_buf(struct cpu *cpu, uint64_t va, void *dst, unsigned size);
void mem_write_buf(struct cpu *cpu, uint64_t va, const void *src, unsigned size);
/* Supervisor (implicit) accesses: descriptor tables, TSS, interrupt frames
 * pushed while changing privilege.  `acc` replaces the CPL-derived mode. */
void mem_read_buf_as(struct cpu *cpu, uint64_t va, void *dst, unsigned size, unsigned acc);
void mem_write_buf_as(struct cpu *cpu, uint64_t va, const void *src, unsigned size, unsigned acc);

/* size is 1, 2, 4 or 8. */
static inline uint64_t mem_read(struct cpu *cpu, uint64_t va, unsigned size)
{
    unsigned acc = ACC_READ | cpu_acc_mode(cpu);
    uint8_t *p = mem_fast_host(cpu, va, size, acc);
    if (__builtin_expect(p != NULL, 1))
        return host_load(p, size);
    return mem_read_slow(cpu, va, size, acc);
}

static inline void mem_write(struct cpu *cpu, uint64_t va, unsigned size, uint64_t v)
{
    unsigned acc = ACC_WRITE | cpu_acc_mode(cpu);
    uint8_t *p = mem_fast_host(cpu, va, size, acc);
    if (__builtin_expect(p != NULL, 1)) {
        host_store(p, size, v);
        return;
    }
    mem_write_slow(cpu, va, size, v, acc);
}

/* Stack accesses: like data accesses, but a non-canonical address is
 * #SS(0), not #GP(0) (SDM Vol. 3A §6.15, "Interrupt 12").  The slow paths
 * (mem.c) take what the inline TLB lookup does not. */
uint64_t stack_read_slow(struct cpu *cpu, uint64_t va, unsigned size, unsigned acc);
void stack_write_slow(struct cpu *cpu, uint64_t va, unsigned size, uint64_t v, unsigned acc);

static inline uint64_t stack_read(struct cpu *cpu, uint64_t va, unsigned size)
{
    unsigned acc = ACC_READ | cpu_acc_mode(cpu);
    uint8_t *p = mem_fast_host(cpu, va, size, acc);
    if (__builtin_expect(p != NULL, 1))
        return host_load(p, size);
    return stack_read_slow(cpu, va, size, acc);
}

static inline void stack_write(struct cpu *cpu, uint64_t va, unsigned size, uint64_t v)
{
    unsigned acc = ACC_WRITE | cpu_acc_mode(cpu);
    uint8_t *p = mem_fast_host(cpu, va, size, acc);
    if (__builtin_expect(p != NULL, 1)) {
        host_store(p, size, v);
        return;
    }
    stack_write_slow(cpu, va, size, v, acc);
}

/* PUSH/POP of `size` bytes (2 or 8 in 64-bit mode) with RSP update after
 * the access succeeded. */
static inline void cpu_push(struct cpu *cpu, unsigned size, uint64_t v)
{
    uint64_t rsp = cpu->gpr[RSP] - size;
    stack_write(cpu, rsp, size, v);
    cpu->gpr[RSP] = rsp;
}

static inline uint64_t cpu_pop(struct cpu *cpu, unsigned size)
{
    uint64_t v = stack_read(cpu, cpu->gpr[RSP], size);
    cpu->gpr[RSP] += size;
    return v;
}

#endif
