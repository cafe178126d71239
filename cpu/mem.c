/* mem.c — the slow path of the CPU's memory accesses: TLB misses (page
 * walks), accesses that cross a page boundary, MMIO, and every access while
 * an observer is attached.  A crossing access translates *both* pages before
 * touching either, so a fault on the second page leaves memory unchanged
 * (SDM Vol. 3A §6.5: faults are precise). */
#include "mem.h"
#include <stdio.h>
#include <stdlib.h>

_Noreturn void cpu_fault(struct cpu *cpu, uint8_t vector, uint32_t error)
{
    cpu_block_sync(cpu);
    if (!cpu->in_run) {
        /* Only the run loop executes guest instructions; reaching this is a
         * bug in ringscope, never something a guest can cause. */
        fprintf(stderr, "ringscope: internal error: exception %u outside the run loop\n", vector);
        abort();
    }
    cpu->fault_vector = vector;
    cpu->fault_error = error;
    longjmp(cpu->fault_jmp, 1);
}

_Noreturn void cpu_mmu_fault(struct cpu *cpu, const struct mmu_fault *f)
{
    if (f->vector == EXC_PF)
        cpu->cr2 = f->addr;
    cpu_fault(cpu, f->vector, f->error);
}

/* One page-sized piece of an access. */
struct piece {
    uint64_t va, pa;
    uint8_t *host;  /* NULL: not RAM, goes to the bus */
    unsigned len;
};

/* Translate [va, va+size) into at most two pieces, faulting on the first
 * page that cannot be accessed.  ss: a non-canonical address is #SS(0). */
static int translate_pieces(struct cpu *cpu, uint64_t va, unsigned size, unsigned acc, bool ss,
                            struct piece p[2])
{
    int n = 0;
    while (size) {
        unsigned room = 0x1000 - (unsigned)(va & 0xfff);
        unsigned len = size < room ? size : room;
        struct mmu_fault f;
        if (n == 2) { /* only fxsave-sized (<= 4096 byte) accesses exist */
            fprintf(stderr, "ringscope: internal error: access of more than a page\n");
            abort();
        }
        if (!mmu_translate(cpu->mmu, va, acc, &p[n].pa, &p[n].host, &f)) {
            if (ss && f.vector == EXC_GP)
                cpu_fault(cpu, EXC_SS, 0);
            cpu_mmu_fault(cpu, &f);
        }
        p[n].va = va;
        p[n].len = len;
        n++;
        va += len;
        size -= len;
    }
    return n;
}

static void bus_read(struct cpu *cpu, uint64_t pa, uint8_t *dst, unsigned len)
{
    struct bus *b = cpu->bus;
    for (unsigned i = 0; i < len;) {
        unsigned sz = (len - i >= 8 && !((pa + i) & 7)) ? 8 : (len - i >= 4 && !((pa + i) & 3)) ? 4
                    : (len - i >= 2 && !((pa + i) & 1)) ? 2 : 1;
        uint64_t v = b && b->mmio_read ? b->mmio_read(b->ctx, pa + i, sz) : ~0ull;
        memcpy(dst + i, &v, sz);
        i += sz;
    }
}

static void bus_write(struct cpu *cpu, uint64_t pa, const uint8_t *src, unsigned len)
{
    struct bus *b = cpu->bus;
    for (unsigned i = 0; i < len;) {
        unsigned sz = (len - i >= 8 && !((pa + i) & 7)) ? 8 : (len - i >= 4 && !((pa + i) & 3)) ? 4
                    : (len - i >= 2 && !((pa + i) & 1)) ? 2 : 1;
        uint64_t v = 0;
        memcpy(&v, src + i, sz);
        if (b && b->mmio_write)
            b->mmio_write(b->ctx, pa + i, sz, v);
        i += sz;
    }
}

static void access_read(struct cpu *cpu, uint64_t va, void *dst, unsigned size, unsigned acc,
                        bool ss)
{
    cpu_block_sync(cpu);
    struct piece p[2];
    int n = translate_pieces(cpu, va, size, acc, ss, p);
    uint8_t *d = dst;
    for (int i = 0; i < n; i++) {
        if (p[i].host)
            memcpy(d, p[i].host, p[i].len);
        else
            bus_read(cpu, p[i].pa, d, p[i].len);
        d += p[i].len;
    }
    if (cpu->observer && cpu->observer->mem)
        cpu->observer->mem(cpu->observer->ctx, cpu, (acc & ACC_EXEC) ? MEM_FETCH : MEM_READ, va,
                           p[0].pa, size, dst);
}

static void access_write(struct cpu *cpu, uint64_t va, const void *src, unsigned size,
                         unsigned acc, bool ss)
{
    cpu_block_sync(cpu);
    struct piece p[2];
    int n = translate_pieces(cpu, va, size, acc, ss, p);
    const uint8_t *s = src;
    for (int i = 0; i < n; i++) {
        if (p[i].host)
            memcpy(p[i].host, s, p[i].len);
        else
            bus_write(cpu, p[i].pa, s, p[i].len);
        s += p[i].len;
    }
    if (cpu->observer && cpu->observer->mem)
        cpu->observer->mem(cpu->observer->ctx, cpu, MEM_WRITE, va, p[0].pa, size, src);
}

/* mem_read/mem_write that missed the inline TLB lookup.  An unobserved
 * access within one page is what access_read/access_write do for a single
 * piece: one translation (which may walk or fault), then RAM or the bus. */
uint64_t mem_read_slow(struct cpu *cpu, uint64_t va, unsigned size, unsigned acc)
{
    cpu_block_sync(cpu);
    uint64_t v = 0;
    if (!cpu->watch_mem && (va & 0xfff) + size <= 0x1000) {
        uint64_t pa;
        uint8_t *host;
        struct mmu_fault f;
        if (!mmu_translate(cpu->mmu, va, acc, &pa, &host, &f))
            cpu_mmu_fault(cpu, &f);
        if (host)
            return host_load(host, size);
        bus_read(cpu, pa, (uint8_t *)&v, size);
        return v;
    }
    access_read(cpu, va, &v, size, acc, false);
    return v;
}

void mem_write_slow(struct cpu *cpu, uint64_t va, unsigned size, uint64_t v, unsigned acc)
{
    cpu_block_sync(cpu);
    if (!cpu->watch_mem && (va & 0xfff) + size <= 0x1000) {
        uint64_t pa;
        uint8_t *host;
        struct mmu_fault f;
        if (!mmu_translate(cpu->mmu, va, acc, &pa, &host, &f))
            cpu_mmu_fault(cpu, &f);
        if (host)
            host_store(host, size, v);
        else
            bus_write(cpu, pa, (const uint8_t *)&v, size);
        return;
    }
    access_write(cpu, va, &v, size, acc, false);
}

/* A 16-byte SSE or 10-byte x87 access within one page that the TLB
 * already permits takes the same inline lookup as mem_read/mem_write (the
 * same hit counted as mmu_translate's); everything else the pieces. */
void mem_read_buf(struct cpu *cpu, uint64_t va, void *dst, unsigned size)
{
    const unsigned acc = ACC_READ | cpu_acc_mode(cpu);
    const uint8_t *p = mem_fast_host(cpu, va, size, acc);
    if (p) {
        memcpy(dst, p, size);
        return;
    }
    access_read(cpu, va, dst, size, acc, false);
}

void mem_write_buf(struct cpu *cpu, uint64_t va, const void *src, unsigned size)
{
    const unsigned acc = ACC_WRITE | cpu_acc_mode(cpu);
    uint8_t *p = mem_fast_host(cpu, va, size, acc);
    if (p) {
        memcpy(p, src, size);
        return;
    }
    access_write(cpu, va, src, size, acc, false);
}

void mem_read_buf_as(struct cpu *cpu, uint64_t va, void *dst, unsigned size, unsigned acc)
{
    access_read(cpu, va, dst, size, ACC_READ | acc, false);
}

void mem_write_buf_as(struct cpu *cpu, uint64_t va, const void *src, unsigned size, unsigned acc)
{
    access_write(cpu, va, src, size, ACC_WRITE | acc, false);
}

uint64_t stack_read_slow(struct cpu *cpu, uint64_t va, unsigned size, unsigned acc)
{
    uint64_t v = 0;
    access_read(cpu, va, &v, size, acc, true);
    return v;
}

void stack_write_slow(struct cpu *cpu, uint64_t va, unsigned size, uint64_t v, unsigned acc)
{
    access_write(cpu, va, &v, size, acc, true);
}
