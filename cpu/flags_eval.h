/* flags_eval.h — the lazy-flags encoding (struct lazy_flags in flags.h):
 * how arithmetic records its result and how each status flag, and each
 * Jcc/SETcc/CMOVcc condition, is derived from the record on demand.
 *
 * Every record keeps dst, src and res already truncated to `size` bytes.
 *   LF_ADD   res = dst + src          (ADD, XADD, and ADC with CF=0)
 *   LF_ADC1  res = dst + src + 1      (ADC with CF=1)
 *   LF_SUB   res = dst - src          (SUB, CMP, NEG as 0 - src, SBB with CF=0, CMPS/SCAS, CMPXCHG)
 *   LF_SBB1  res = dst - src - 1      (SBB with CF=1)
 *   LF_LOGIC res of AND/OR/XOR/TEST   (CF = OF = 0; AF undefined, 0 here as on Intel)
 *   LF_INC / LF_DEC  src = 1; CF is not changed by INC/DEC, so the
 *            instruction copies the current CF into cpu->rflags first and
 *            the record takes CF from there.
 *   LF_ZSP   ZF SF PF from res; CF OF AF were stored in cpu->rflags by the
 *            instruction (shifts, SHLD/SHRD, MUL/IMUL).
 * SDM Vol. 1 §3.4.3.1 and Appendix A (EFLAGS cross-reference). */
#ifndef RINGSCOPE_FLAGS_EVAL_H
#define RINGSCOPE_FLAGS_EVAL_H
#include <stdbool.h>
#include "cpu.h"

enum { LF_NONE = 0, LF_ADD, LF_ADC1, LF_SUB, LF_SBB1, LF_LOGIC, LF_INC, LF_DEC, LF_ZSP };

/* The sign bit of a value of `size` bytes. */
static inline uint64_t lf_sign(uint64_t v, unsigned size)
{
    return (v >> (size * 8 - 1)) & 1;
}

/* Sign-extend the low `size` bytes of v to 64 bits. */
static inline int64_t sext(uint64_t v, unsigned size)
{
    unsigned shift = 64 - size * 8;
    return (int64_t)(v << shift) >> shift;
}

/* Record an arithmetic result (values already truncated to size). */
static inline void lf_set(struct cpu *cpu, unsigned op, unsigned size, uint64_t dst, uint64_t src,
                          uint64_t res)
{
    cpu->lf.op = (uint8_t)op;
    cpu->lf.size = (uint8_t)size;
    cpu->lf.dst = dst;
    cpu->lf.src = src;
    cpu->lf.res = res;
}

static inline bool flag_cf(const struct cpu *cpu)
{
    const struct lazy_flags *lf = &cpu->lf;
    switch (lf->op) {
    case LF_ADD: return lf->res < lf->dst;
    case LF_ADC1: return lf->res <= lf->dst;
    case LF_SUB: return lf->dst < lf->src;
    case LF_SBB1: return lf->dst <= lf->src;
    case LF_LOGIC: return false;
    default: return cpu->rflags & RF_CF; /* LF_NONE, LF_INC, LF_DEC, LF_ZSP */
    }
}

static inline bool flag_zf(const struct cpu *cpu)
{
    return cpu->lf.op == LF_NONE ? (cpu->rflags & RF_ZF) != 0 : cpu->lf.res == 0;
}

static inline bool flag_sf(const struct cpu *cpu)
{
    return cpu->lf.op == LF_NONE ? (cpu->rflags & RF_SF) != 0 : lf_sign(cpu->lf.res, cpu->lf.size);
}

/* PF: set when the low byte of the result has an even number of 1 bits. */
static inline bool flag_pf(const struct cpu *cpu)
{
    return cpu->lf.op == LF_NONE ? (cpu->rflags & RF_PF) != 0
                                 : !__builtin_parity((unsigned)(cpu->lf.res & 0xff));
}

static inline bool flag_of(const struct cpu *cpu)
{
    const struct lazy_flags *lf = &cpu->lf;
    switch (lf->op) {
    case LF_ADD: case LF_ADC1: case LF_INC:
        return lf_sign((lf->dst ^ lf->res) & (lf->src ^ lf->res), lf->size);
    case LF_SUB: case LF_SBB1: case LF_DEC:
        return lf_sign((lf->dst ^ lf->src) & (lf->dst ^ lf->res), lf->size);
    case LF_LOGIC: return false;
    default: return cpu->rflags & RF_OF;
    }
}

/* AF: carry or borrow out of bit 3. */
static inline bool flag_af(const struct cpu *cpu)
{
    const struct lazy_flags *lf = &cpu->lf;
    switch (lf->op) {
    case LF_ADD: case LF_ADC1: case LF_SUB: case LF_SBB1: case LF_INC: case LF_DEC:
        return ((lf->dst ^ lf->src ^ lf->res) >> 4) & 1;
    case LF_LOGIC: return false;
    default: return cpu->rflags & RF_AF;
    }
}

/* Make the status flags in cpu->rflags current and drop the record: the
 * definitions of flag_cf() .. flag_af() above, with one dispatch on the
 * operation for all six. */
static inline void flags_materialize(struct cpu *cpu)
{
    const struct lazy_flags *lf = &cpu->lf;
    if (lf->op == LF_NONE)
        return;
    uint64_t dst = lf->dst, src = lf->src, res = lf->res;
    unsigned size = lf->size;
    uint64_t f = (res == 0 ? RF_ZF : 0) | (lf_sign(res, size) ? RF_SF : 0) |
                 (__builtin_parity((unsigned)(res & 0xff)) ? 0 : RF_PF);
    switch (lf->op) {
    case LF_ADD: case LF_ADC1: case LF_INC: {
        uint64_t carry = lf->op == LF_ADD ? (res < dst ? RF_CF : 0)
                       : lf->op == LF_ADC1 ? (res <= dst ? RF_CF : 0) : cpu->rflags & RF_CF;
        f |= carry | (lf_sign((dst ^ res) & (src ^ res), size) ? RF_OF : 0) |
             ((((dst ^ src ^ res) >> 4) & 1) ? RF_AF : 0);
        break;
    }
    case LF_SUB: case LF_SBB1: case LF_DEC: {
        uint64_t borrow = lf->op == LF_SUB ? (dst < src ? RF_CF : 0)
                        : lf->op == LF_SBB1 ? (dst <= src ? RF_CF : 0) : cpu->rflags & RF_CF;
        f |= borrow | (lf_sign((dst ^ src) & (dst ^ res), size) ? RF_OF : 0) |
             ((((dst ^ src ^ res) >> 4) & 1) ? RF_AF : 0);
        break;
    }
    case LF_LOGIC: break;
    default: f |= cpu->rflags & (RF_CF | RF_OF | RF_AF); break; /* LF_ZSP */
    }
    cpu->rflags = (cpu->rflags & ~RF_STATUS) | f;
    cpu->lf.op = LF_NONE;
}

/* Replace the status flags in `mask` with `bits`, keeping the others. */
static inline void flags_update(struct cpu *cpu, uint64_t mask, uint64_t bits)
{
    /* An LF_ZSP record takes CF, OF and AF from cpu->rflags already: those
     * can change in place and the record stay (rotates after MUL/shifts). */
    if (cpu->lf.op == LF_ZSP && !(mask & ~(RF_CF | RF_OF | RF_AF))) {
        cpu->rflags = (cpu->rflags & ~mask) | (bits & mask);
        return;
    }
    flags_materialize(cpu);
    cpu->rflags = (cpu->rflags & ~mask) | (bits & mask);
}

/* Record a result whose CF/OF/AF the instruction computed itself. */
static inline void lf_set_zsp(struct cpu *cpu, unsigned size, uint64_t res, uint64_t cf_of_af)
{
    cpu->rflags = (cpu->rflags & ~(RF_CF | RF_OF | RF_AF)) | cf_of_af;
    lf_set(cpu, LF_ZSP, size, 0, 0, res);
}

/* INC/DEC: keep the current CF in rflags, record the rest. */
static inline void lf_set_incdec(struct cpu *cpu, unsigned op, unsigned size, uint64_t dst,
                                 uint64_t res)
{
    bool cf = flag_cf(cpu);
    cpu->rflags = (cpu->rflags & ~RF_CF) | (cf ? RF_CF : 0);
    lf_set(cpu, op, size, dst, 1, res);
}

/* The condition of Jcc/SETcc/CMOVcc (low 4 bits of the opcode, SDM Vol. 1
 * Appendix B): 0 O, 1 NO, 2 B, 3 AE, 4 E, 5 NE, 6 BE, 7 A, 8 S, 9 NS,
 * A P, B NP, C L, D GE, E LE, F G.  After a CMP/SUB the common conditions
 * come straight from the operands. */
static inline bool flags_cond(const struct cpu *cpu, unsigned cc)
{
    bool r;
    const struct lazy_flags *lf = &cpu->lf;
    if (lf->op == LF_SUB) {
        switch (cc >> 1) {
        case 1: r = lf->dst < lf->src; return r ^ (cc & 1);
        case 2: r = lf->dst == lf->src; return r ^ (cc & 1);
        case 3: r = lf->dst <= lf->src; return r ^ (cc & 1);
        case 6: r = sext(lf->dst, lf->size) < sext(lf->src, lf->size); return r ^ (cc & 1);
        case 7: r = sext(lf->dst, lf->size) <= sext(lf->src, lf->size); return r ^ (cc & 1);
        default: break;
        }
    }
    switch (cc >> 1) {
    case 0: r = flag_of(cpu); break;
    case 1: r = flag_cf(cpu); break;
    case 2: r = flag_zf(cpu); break;
    case 3: r = flag_cf(cpu) || flag_zf(cpu); break;
    case 4: r = flag_sf(cpu); break;
    case 5: r = flag_pf(cpu); break;
    case 6: r = flag_sf(cpu) != flag_of(cpu); break;
    default: r = flag_zf(cpu) || (flag_sf(cpu) != flag_of(cpu)); break;
    }
    return r ^ (cc & 1);
}

#endif
