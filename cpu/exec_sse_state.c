/* exec_sse_state.c — the 0F AE group (FXSAVE, FXRSTOR, LDMXCSR, STMXCSR,
 * LFENCE, MFENCE, SFENCE, CLFLUSH; the XSAVE family is #UD because CPUID
 * reports no XSAVE) and the prefetch hints 0F 18 (PREFETCHNTA/T0/T1/T2)
 * and 0F 0D (PREFETCHW).  An interpreter executes one instruction at a time
 * in program order and has no cache to manage, so fences, prefetches and
 * CLFLUSH have no effect beyond their faults. */
#include "exec_sse.h"
#include "exec_x87.h"

/* FXSAVE area offsets (SDM Vol. 1 §10.5.1, Table 10-2 and the 64-bit
 * layout with REX.W, Table 10-3). */
enum {
    FX_FCW = 0, FX_FSW = 2, FX_FTW = 4, FX_FOP = 6, FX_FIP = 8, FX_FCS = 12,
    FX_FDP = 16, FX_FDS = 20, FX_MXCSR = 24, FX_MXCSR_MASK = 28,
    FX_ST0 = 32, FX_XMM0 = 160,
    FX_WRITTEN = 416, /* bytes 416-511 are reserved or for software: not written */
    FX_SIZE = 512,
};

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* FXSAVE m512: x87 environment and registers, MXCSR, XMM0-15.  Without
 * REX.W the instruction and data pointers are stored as 32-bit offsets
 * with (zero) selectors; FCS/FDS are deprecated on current CPUs. */
static void fxsave(struct cpu *cpu, const struct insn *in)
{
    uint64_t ea = sse_ea(cpu, in, true);
    uint8_t area[FX_WRITTEN] = {0};
    put16(area + FX_FCW, cpu->fcw);
    put16(area + FX_FSW, x87_status_word(cpu));
    area[FX_FTW] = x87_abridged_tags(cpu);
    put16(area + FX_FOP, cpu->fop);
    if (in->rex & 8) {
        put64(area + FX_FIP, cpu->fip);
        put64(area + FX_FDP, cpu->fdp);
    } else {
        put32(area + FX_FIP, (uint32_t)cpu->fip);
        put32(area + FX_FDP, (uint32_t)cpu->fdp);
    }
    put32(area + FX_MXCSR, cpu->mxcsr);
    put32(area + FX_MXCSR_MASK, MXCSR_WRITABLE);
    for (int i = 0; i < 8; i++)
        memcpy(area + FX_ST0 + 16 * i, &cpu->fpr[(cpu->ftop + i) & 7], 10);
    memcpy(area + FX_XMM0, cpu->xmm, 16 * 16);
    mem_write_buf(cpu, ea, area, sizeof area);
}

/* FXRSTOR m512: the reverse; a reserved MXCSR bit set is #GP(0) and
 * nothing is loaded. */
static void fxrstor(struct cpu *cpu, const struct insn *in)
{
    uint64_t ea = sse_ea(cpu, in, true);
    uint8_t area[FX_WRITTEN];
    mem_read_buf(cpu, ea, area, sizeof area);
    uint32_t mxcsr = get32(area + FX_MXCSR);
    if (mxcsr & ~MXCSR_WRITABLE)
        cpu_fault(cpu, EXC_GP, 0);
    cpu->fcw = get16(area + FX_FCW);
    x87_load_status_word(cpu, get16(area + FX_FSW));
    cpu->fop = get16(area + FX_FOP) & 0x7ff;
    cpu->fip = (in->rex & 8) ? get64(area + FX_FIP) : get32(area + FX_FIP);
    cpu->fdp = (in->rex & 8) ? get64(area + FX_FDP) : get32(area + FX_FDP);
    for (int i = 0; i < 8; i++) {
        long double v = 0;
        memcpy(&v, area + FX_ST0 + 16 * i, 10);
        cpu->fpr[(cpu->ftop + i) & 7] = v;
    }
    x87_load_abridged_tags(cpu, area[FX_FTW]);
    cpu->mxcsr = mxcsr;
    memcpy(cpu->xmm, area + FX_XMM0, 16 * 16);
}

/* 0F AE: the group is selected by ModRM.reg and whether r/m is memory. */
void exec_group15(struct cpu *cpu, const struct insn *in)
{
    unsigned op = in->reg & 7;
    if (in->lock || in->pfx >= PFX_F3)
        cpu_fault(cpu, EXC_UD, 0);
    if (in->mod == 3) {
        /* LFENCE (/5), MFENCE (/6), SFENCE (/7): ordering only. */
        if (op < 5 || in->pfx != PFX_NONE)
            cpu_fault(cpu, EXC_UD, 0);
        return;
    }
    switch (op) {
    case 0:
    case 1:
        /* FXSAVE/FXRSTOR: CR0.EM or CR0.TS → #NM. */
        if (cpu->cr0 & (CR0_EM | CR0_TS))
            cpu_fault(cpu, EXC_NM, 0);
        if (op == 0)
            fxsave(cpu, in);
        else
            fxrstor(cpu, in);
        return;
    case 2: {
        /* LDMXCSR m32: a reserved bit set is #GP(0). */
        sse_check_usable(cpu, in);
        uint32_t v = (uint32_t)mem_read(cpu, insn_ea(cpu, in), 4);
        if (v & ~MXCSR_WRITABLE)
            cpu_fault(cpu, EXC_GP, 0);
        cpu->mxcsr = v;
        return;
    }
    case 3:
        sse_check_usable(cpu, in);
        mem_write(cpu, insn_ea(cpu, in), 4, cpu->mxcsr);
        return;
    case 7: {
        /* CLFLUSH m8: faults like a byte read of the line, but reads
         * nothing (an MMIO register must not see a read).  66: CLFLUSHOPT,
         * not reported by CPUID. */
        if (in->pfx != PFX_NONE)
            cpu_fault(cpu, EXC_UD, 0);
        uint64_t pa;
        uint8_t *host;
        struct mmu_fault f;
        if (!mmu_translate(cpu->mmu, insn_ea(cpu, in), ACC_READ | cpu_acc_mode(cpu), &pa, &host,
                           &f))
            cpu_mmu_fault(cpu, &f);
        return;
    }
    default:
        cpu_fault(cpu, EXC_UD, 0); /* XSAVE, XRSTOR, XSAVEOPT */
    }
}

/* 0F 18 (PREFETCHh, with the reserved-NOP encodings of the group) and
 * 0F 0D (PREFETCHW): hints that never fault, even on a bad address. */
void exec_prefetch(struct cpu *cpu, const struct insn *in)
{
    if (in->lock)
        cpu_fault(cpu, EXC_UD, 0);
}
