/* cpu.c — creating a CPU and its state after reset into long mode. */
#include "cpu.h"
#include "../mmu/mmu_internal.h"
#include "dcache.h"
#include <stdlib.h>

struct cpu *cpu_new(struct mmu *mmu, struct bus *bus)
{
    struct cpu *cpu = calloc(1, sizeof *cpu);
    if (!cpu)
        return NULL;
    cpu->dcache = dcache_new(mmu_ram_size(mmu));
    if (!cpu->dcache) {
        free(cpu);
        return NULL;
    }
    cpu->mmu = mmu;
    cpu->bus = bus;
    mmu_set_code_write_handler(mmu, dcache_invalidate_frame, cpu->dcache);
    cpu->dcache->block_break = &cpu->block_break;
    mmu_set_tlb_changed_flag(mmu, &cpu->block_break);

    /* Flat 64-bit ring-0 segments; the loader (or a test) sets the rest. */
    for (int s = 0; s < 6; s++) {
        cpu->seg[s].limit = 0xffffffff;
        cpu->seg[s].attr = SEG_ATTR_P | 0x13; /* present, data, read/write, accessed */
    }
    cpu->seg[SEG_CS].attr = SEG_ATTR_P | SEG_ATTR_L | 0x1b; /* present, code, exec/read, accessed, 64-bit */
    cpu->tr.attr = SEG_ATTR_P | 0xb;                         /* busy 64-bit TSS */
    cpu->rflags = RF_FIXED1;
    cpu->mxcsr = 0x1f80;  /* all SIMD exceptions masked, round to nearest (SDM Vol. 1 §10.2.3.1) */
    cpu->fcw = 0x37f;     /* FNINIT state (SDM Vol. 1 §8.1.5) */
    cpu->ftw = 0xffff;    /* all x87 registers empty */
    cpu->rand_state = 0x52696e6753636f70ull; /* RDRAND's fixed seed: every run draws the same numbers */
    return cpu;
}

void cpu_free(struct cpu *cpu)
{
    if (!cpu)
        return;
    if (cpu->mmu)
        mmu_set_tlb_changed_flag(cpu->mmu, NULL);
    dcache_free(cpu->dcache);
    free(cpu);
}

void cpu_set_observer(struct cpu *cpu, const struct cpu_observer *o, bool mem_hits_watched)
{
    cpu->observer = o;
    cpu->watch_insn = o && (o->before_insn || o->after_insn);
    cpu->watch_mem = (o && o->mem) || mem_hits_watched;
    cpu->block_break = 1; /* the fast engine looks at the watchers again (run.c) */
}
