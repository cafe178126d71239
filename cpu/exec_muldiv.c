/* exec_muldiv.c — multiplication and division (SDM Vol. 2A/2B: MUL, IMUL,
 * DIV, IDIV).
 *
 * MUL/IMUL set CF = OF = 1 when the full product does not fit the
 * destination (MUL: the high half is non-zero; IMUL: the product is not
 * the sign extension of its low half).  SF ZF AF PF are undefined; here SF
 * ZF PF follow the low half of the product and AF is 0.  DIV/IDIV raise
 * #DE for a zero divisor or a quotient that does not fit, and leave all
 * six status flags undefined (unchanged here). */
#include "exec_integer.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

/* Record a product: low half `lo`, overflow flag for CF/OF. */
static inline void mul_flags(struct cpu *cpu, unsigned size, uint64_t lo, bool overflow)
{
    lf_set_zsp(cpu, size, lo & size_mask(size), overflow ? (RF_CF | RF_OF) : 0);
}

/* The accumulator pair for sizes 2..8: DX:AX, EDX:EAX, RDX:RAX; for size 1
 * the product/dividend is AX. */
static void mul_one_operand(struct cpu *cpu, const struct insn *in, bool is_signed, uint64_t src)
{
    unsigned size = in->opsize, bits = size * 8;
    uint64_t m = size_mask(size);
    uint64_t a = reg_read(cpu, in, RAX, size);
    uint64_t lo, hi;
    bool overflow;
    if (size == 8) {
        u128 p = is_signed ? (u128)((s128)(int64_t)a * (int64_t)src) : (u128)a * src;
        lo = (uint64_t)p;
        hi = (uint64_t)(p >> 64);
        overflow = is_signed ? hi != (uint64_t)((int64_t)lo >> 63) : hi != 0;
    } else {
        uint64_t p = is_signed ? (uint64_t)(sext(a, size) * sext(src, size)) : a * src;
        lo = p & m;
        hi = (p >> bits) & m;
        overflow = is_signed ? (int64_t)p != sext(lo, size) : hi != 0;
    }
    if (size == 1) {
        reg_write(cpu, in, RAX, 2, (hi << 8) | lo);
    } else {
        reg_write(cpu, in, RAX, size, lo);
        reg_write(cpu, in, RDX, size, hi);
    }
    mul_flags(cpu, size, lo, overflow);
}

static void divide(struct cpu *cpu, const struct insn *in, bool is_signed, uint64_t divisor)
{
    unsigned size = in->opsize, bits = size * 8;
    uint64_t m = size_mask(size);
    if (divisor == 0)
        cpu_fault(cpu, EXC_DE, 0);
    uint64_t q, r;
    if (size == 1) {
        uint64_t ax = reg_read(cpu, in, RAX, 2);
        if (is_signed) {
            int64_t n = (int16_t)ax, d = (int8_t)divisor, sq = n / d;
            if (sq < -128 || sq > 127)
                cpu_fault(cpu, EXC_DE, 0);
            q = (uint64_t)sq;
            r = (uint64_t)(n % d);
        } else {
            q = ax / divisor;
            r = ax % divisor;
            if (q > 0xff)
                cpu_fault(cpu, EXC_DE, 0);
        }
        reg_write(cpu, in, RAX, 2, ((r & 0xff) << 8) | (q & 0xff));
        return;
    }
    uint64_t lo = reg_read(cpu, in, RAX, size), hi = reg_read(cpu, in, RDX, size);
    if (size == 8) {
        u128 n = ((u128)hi << 64) | lo;
        if (is_signed) {
            s128 sn = (s128)n, sd = (int64_t)divisor, sq, sr;
            if (sd == -1) { /* avoid the host's own overflow on MIN / -1 */
                if (n == (u128)1 << 127)
                    cpu_fault(cpu, EXC_DE, 0);
                sq = -sn;
                sr = 0;
            } else {
                sq = sn / sd;
                sr = sn % sd;
            }
            if (sq < INT64_MIN || sq > INT64_MAX)
                cpu_fault(cpu, EXC_DE, 0);
            q = (uint64_t)sq;
            r = (uint64_t)sr;
        } else {
            u128 uq = n / divisor;
            if (uq >> 64)
                cpu_fault(cpu, EXC_DE, 0);
            q = (uint64_t)uq;
            r = (uint64_t)(n % divisor);
        }
    } else {
        uint64_t n = (hi << bits) | lo;
        if (is_signed) {
            /* 128-bit host arithmetic: MIN / -1 cannot overflow it. */
            s128 sn = sext(n, size * 2), sd = sext(divisor, size);
            s128 sq = sn / sd;
            if (sq < sext(1ull << (bits - 1), size) || sq > (s128)(m >> 1))
                cpu_fault(cpu, EXC_DE, 0);
            q = (uint64_t)sq;
            r = (uint64_t)(sn % sd);
        } else {
            q = n / divisor;
            r = n % divisor;
            if (q > m)
                cpu_fault(cpu, EXC_DE, 0);
        }
    }
    reg_write(cpu, in, RAX, size, q & m);
    reg_write(cpu, in, RDX, size, r & m);
}

/* F6/F7 /4 MUL, /5 IMUL, /6 DIV, /7 IDIV (called from group 3). */
void exec_mul_div(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    uint64_t src = rm_read(cpu, in, in->opsize);
    switch (in->reg & 7) {
    case 4: mul_one_operand(cpu, in, false, src); break;
    case 5: mul_one_operand(cpu, in, true, src); break;
    case 6: divide(cpu, in, false, src); break;
    default: divide(cpu, in, true, src); break;
    }
}

/* IMUL reg, r/m, imm (69, 6B) and IMUL reg, r/m (0F AF): truncated signed
 * product into the register. */
static void imul_to_reg(struct cpu *cpu, const struct insn *in, uint64_t a, uint64_t b)
{
    unsigned size = in->opsize;
    uint64_t lo;
    bool overflow;
    if (size == 8) {
        s128 p = (s128)(int64_t)a * (int64_t)b;
        lo = (uint64_t)p;
        overflow = p != (int64_t)lo;
    } else {
        int64_t p = sext(a, size) * sext(b, size);
        lo = (uint64_t)p & size_mask(size);
        overflow = p != sext(lo, size);
    }
    reg_write(cpu, in, in->reg, size, lo);
    mul_flags(cpu, size, lo, overflow);
}

void exec_imul_imm(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    imul_to_reg(cpu, in, rm_read(cpu, in, in->opsize), in->imm);
}

void exec_imul_reg_rm(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    imul_to_reg(cpu, in, reg_read(cpu, in, in->reg, in->opsize), rm_read(cpu, in, in->opsize));
}
