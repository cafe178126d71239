/* exec_string.c — the string instructions MOVS (A4/A5), CMPS (A6/A7), STOS
 * (AA/AB), LODS (AC/AD) and SCAS (AE/AF), with REP (F3), REPE (F3 on
 * CMPS/SCAS) and REPNE (F2).  SDM Vol. 2 "MOVS", "CMPS", "STOS", "LODS",
 * "SCAS", "REP/REPE/REPZ/REPNE/REPNZ".
 *
 * The source is [RSI] in DS (FS/GS overridable), the destination [RDI] in
 * ES (never overridden); both step by the element size, down when DF=1.
 * The address size (RSI/RDI/RCX, or ESI/EDI/ECX under 67) bounds the
 * registers.  Each iteration commits RSI/RDI/RCX, so a fault in iteration
 * k leaves them as they were at iteration k and the instruction restarts
 * there — the architectural behaviour.  A long REP yields after
 * STRING_BUDGET elements by leaving RIP on the instruction (the SDM allows
 * interrupts between iterations), so interrupts are never held off long.
 *
 * Fast path: REP MOVS/STOS with DF=0 and no observer copies whole runs
 * that stay inside one source and one destination page with memmove/
 * memset, through host pointers the TLB already grants for that access;
 * anything else (a miss, a page crossing, a code page) takes the
 * element-by-element path, which walks and faults as usual. */
#include "exec_integer.h"

#define STRING_BUDGET 65536u

enum string_kind { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS };

struct string_state {
    unsigned size;       /* element size */
    unsigned asize;      /* address size: 4 or 8 */
    uint64_t amask;
    uint64_t src_base;   /* FS/GS base when overridden, else 0 */
    int64_t step;        /* +size or -size (DF) */
};

static inline void set_areg(struct cpu *cpu, unsigned r, const struct string_state *s, uint64_t v)
{
    cpu->gpr[r] = s->asize == 4 ? (uint32_t)v : v;
}

static inline uint64_t src_addr(const struct cpu *cpu, const struct string_state *s)
{
    return s->src_base + (cpu->gpr[RSI] & s->amask);
}

static inline uint64_t dst_addr(const struct cpu *cpu, const struct string_state *s)
{
    return cpu->gpr[RDI] & s->amask;
}

/* One element of the operation; commits RSI/RDI (not RCX). */
static inline __attribute__((always_inline)) void
string_step(struct cpu *cpu, const struct insn *in, enum string_kind kind, const struct string_state *s)
{
    unsigned size = s->size;
    uint64_t m = size_mask(size);
    switch (kind) {
    case STR_MOVS: {
        uint64_t v = mem_read(cpu, src_addr(cpu, s), size);
        mem_write(cpu, dst_addr(cpu, s), size, v);
        set_areg(cpu, RSI, s, cpu->gpr[RSI] + (uint64_t)s->step);
        set_areg(cpu, RDI, s, cpu->gpr[RDI] + (uint64_t)s->step);
        break;
    }
    case STR_CMPS: {
        uint64_t a = mem_read(cpu, src_addr(cpu, s), size);
        uint64_t b = mem_read(cpu, dst_addr(cpu, s), size);
        set_areg(cpu, RSI, s, cpu->gpr[RSI] + (uint64_t)s->step);
        set_areg(cpu, RDI, s, cpu->gpr[RDI] + (uint64_t)s->step);
        lf_set(cpu, LF_SUB, size, a, b, (a - b) & m);
        break;
    }
    case STR_STOS:
        mem_write(cpu, dst_addr(cpu, s), size, reg_read(cpu, in, RAX, size));
        set_areg(cpu, RDI, s, cpu->gpr[RDI] + (uint64_t)s->step);
        break;
    case STR_LODS:
        reg_write(cpu, in, RAX, size, mem_read(cpu, src_addr(cpu, s), size));
        set_areg(cpu, RSI, s, cpu->gpr[RSI] + (uint64_t)s->step);
        break;
    case STR_SCAS: {
        uint64_t a = reg_read(cpu, in, RAX, size);
        uint64_t b = mem_read(cpu, dst_addr(cpu, s), size);
        set_areg(cpu, RDI, s, cpu->gpr[RDI] + (uint64_t)s->step);
        lf_set(cpu, LF_SUB, size, a, b, (a - b) & m);
        break;
    }
    }
}

/* REP MOVS/STOS fast path: elements done in one run inside the current
 * pages (0 if the run cannot take the fast path). */
static uint64_t string_run(struct cpu *cpu, const struct insn *in, enum string_kind kind,
                           const struct string_state *s, uint64_t count)
{
    unsigned size = s->size, mode = cpu_acc_mode(cpu);
    uint64_t dst = dst_addr(cpu, s);
    uint64_t n = (0x1000 - (dst & 0xfff)) / size;
    uint8_t *d = tlb_fast(cpu->mmu, dst, ACC_WRITE | mode);
    if (!d)
        return 0;
    if (kind == STR_MOVS) {
        uint64_t src = src_addr(cpu, s);
        uint64_t src_room = (0x1000 - (src & 0xfff)) / size;
        n = n < src_room ? n : src_room;
        n = n < count ? n : count;
        const uint8_t *p = n ? tlb_fast(cpu->mmu, src, ACC_READ | mode) : NULL;
        if (!p)
            return 0;
        if (d > p && d < p + n * size) {
            /* Overlap with the destination ahead of the source: the
             * element-by-element forward copy replicates, as hardware does. */
            for (uint64_t i = 0; i < n; i++)
                memmove(d + i * size, p + i * size, size);
        } else {
            memmove(d, p, n * size);
        }
        set_areg(cpu, RSI, s, cpu->gpr[RSI] + n * size);
    } else {
        n = n < count ? n : count;
        uint64_t v = reg_read(cpu, in, RAX, size);
        if (size == 1) {
            memset(d, (int)v, n);
        } else {
            for (uint64_t i = 0; i < n; i++)
                memcpy(d + i * size, &v, size);
        }
    }
    set_areg(cpu, RDI, s, cpu->gpr[RDI] + n * size);
    return n;
}

/* Inlined into each instruction's handler, so `kind` is a constant there. */
static inline __attribute__((always_inline)) void
string_exec(struct cpu *cpu, const struct insn *in, enum string_kind kind)
{
    no_lock(cpu, in);
    struct string_state s;
    s.size = in->opsize;
    s.asize = in->addrsize;
    s.amask = size_mask(in->addrsize);
    s.src_base = (in->seg == SEG_FS || in->seg == SEG_GS) ? cpu->seg[in->seg].base : 0;
    s.step = (cpu->rflags & RF_DF) ? -(int64_t)s.size : (int64_t)s.size;
    if (!in->rep) {
        string_step(cpu, in, kind, &s);
        return;
    }
    bool conditional = kind == STR_CMPS || kind == STR_SCAS;
    bool fast = (kind == STR_MOVS || kind == STR_STOS) && !cpu->watch_mem && s.step > 0;
    uint64_t done = 0;
    for (;;) {
        uint64_t count = cpu->gpr[RCX] & s.amask;
        if (count == 0)
            return;
        if (done >= STRING_BUDGET) {
            cpu->next_rip = cpu->rip; /* continue with the next step */
            return;
        }
        uint64_t n = fast ? string_run(cpu, in, kind, &s, count) : 0;
        if (n == 0) {
            string_step(cpu, in, kind, &s);
            n = 1;
        }
        set_areg(cpu, RCX, &s, count - n);
        done += n;
        /* REPE stops when ZF=0, REPNE when ZF=1 (CMPS/SCAS only). */
        if (conditional && flag_zf(cpu) != (in->rep == 0xf3))
            return;
    }
}

void exec_movs(struct cpu *cpu, const struct insn *in) { string_exec(cpu, in, STR_MOVS); }
void exec_cmps(struct cpu *cpu, const struct insn *in) { string_exec(cpu, in, STR_CMPS); }
void exec_stos(struct cpu *cpu, const struct insn *in) { string_exec(cpu, in, STR_STOS); }
void exec_lods(struct cpu *cpu, const struct insn *in) { string_exec(cpu, in, STR_LODS); }
void exec_scas(struct cpu *cpu, const struct insn *in) { string_exec(cpu, in, STR_SCAS); }
