/* exec_sse.h — what the SSE/SSE2 instruction family shares between its
 * files: the availability checks every SSE instruction makes (CR0.EM,
 * CR0.TS, LOCK), XMM/memory operand access with the 16-byte alignment rule,
 * and MXCSR exception reporting (#XM or #UD).  SDM Vol. 1 ch. 10-11
 * (§11.5: SIMD floating-point exceptions), Vol. 3A §2.5 and §13.1-13.2
 * (the CR0/CR4 controls).
 *
 * The family is split by concern:
 *   exec_sse.c        shared helpers (this header's functions)
 *   exec_sse_move.c   data movement: mov*, movnt*, movd/movq, movmsk
 *   exec_sse_int.c    packed integer of MMX, SSE and SSE2 (XMM and MMX registers)
 *   exec_sse_fp.c     floating-point arithmetic, logic, compares, shuffles
 *   exec_sse_conv.c   conversions between integer, single and double
 *   exec_sse_unmasked.c  overflow/underflow flags when OE or UE is unmasked
 *   exec_sse_state.c  0F AE (FXSAVE/FXRSTOR, LDMXCSR/STMXCSR, fences,
 *                     CLFLUSH), prefetch hints
 *   exec_sse3.c       SSE3: ADDSUB, HADD/HSUB, MOVDDUP/MOVSLDUP/MOVSHDUP, LDDQU
 *   exec_ssse3.c      SSSE3 (0F 38 00-1E, PALIGNR), XMM and MMX registers
 *   exec_sse41.c      SSE4.1/4.2 integer, blends, PTEST, PMOVSX/ZX, insert/extract
 *   exec_sse41_fp.c   SSE4.1 ROUNDPS/PD/SS/SD, DPPS, DPPD
 *   exec_sse42_string.c  PCMPESTRI/M, PCMPISTRI/M
 *   exec_crypto.c     AES-NI and PCLMULQDQ */
#ifndef RINGSCOPE_EXEC_SSE_H
#define RINGSCOPE_EXEC_SSE_H
#include <emmintrin.h>
#include "exec.h"
#include "operand.h"

/* MXCSR fields (SDM Vol. 1 §10.2.3, Figure 10-3). */
#define MXCSR_IE 0x0001u
#define MXCSR_DE 0x0002u
#define MXCSR_ZE 0x0004u
#define MXCSR_OE 0x0008u
#define MXCSR_UE 0x0010u
#define MXCSR_PE 0x0020u
#define MXCSR_FLAGS 0x003fu
#define MXCSR_DAZ 0x0040u
#define MXCSR_MASKS 0x1f80u
#define MXCSR_MASK_SHIFT 7
#define MXCSR_RC 0x6000u
#define MXCSR_FTZ 0x8000u
/* The bits LDMXCSR/FXRSTOR accept (MXCSR_MASK: DAZ supported); a 1 in any
 * other bit is #GP(0). */
#define MXCSR_WRITABLE 0xffffu

/* The checks every SSE/SSE2 instruction makes before anything else (SDM
 * Vol. 2 "SIMD Floating-Point Exceptions" tables): LOCK → #UD, CR0.EM=1 →
 * #UD, CR0.TS=1 → #NM. */
void sse_check_usable(struct cpu *cpu, const struct insn *in);

/* #UD unless the operand is a register (mod == 3) / memory (mod != 3). */
void sse_require_reg(struct cpu *cpu, const struct insn *in);
void sse_require_mem(struct cpu *cpu, const struct insn *in);

/* Effective address of a memory operand; with `aligned`, a 16-byte
 * operand that is not 16-byte aligned is #GP(0) (the legacy-SSE rule for
 * MOVAPS, MOVDQA and every packed arithmetic form without a U). */
uint64_t sse_ea(struct cpu *cpu, const struct insn *in, bool aligned);

/* The r/m source operand: the whole XMM register when mod == 3, else
 * `size` bytes (4, 8 or 16) of memory into the low bytes of *out with the
 * rest zero. */
void sse_read_rm(struct cpu *cpu, const struct insn *in, union xmm *out, unsigned size,
                 bool aligned);

/* After a floating-point operation computed with every exception masked
 * and reporting the exception flags `flags`: merge them into MXCSR and, if
 * one of them is unmasked, raise #XM (CR4.OSXMMEXCPT=1) or #UD — the
 * destination must then be left untouched, so callers commit only when
 * this returns.  When a pre-computation exception (IE, DE, ZE) is
 * unmasked, the post-computation flags (OE, UE, PE) are not reported (SDM
 * Vol. 1 §11.5.2). */
void sse_fp_report(struct cpu *cpu, uint32_t flags);

/* The MXCSR value under which the host computes a guest operation: the
 * guest's rounding control, DAZ and FTZ, every exception masked, no flag
 * set.  The host's SSE unit is the same IEEE-754 hardware the guest
 * instruction names, so running the identical instruction under the
 * guest's controls reproduces its result and flags exactly. */
static inline uint32_t sse_host_mxcsr(const struct cpu *cpu)
{
    return (cpu->mxcsr & (MXCSR_RC | MXCSR_FTZ | MXCSR_DAZ)) | MXCSR_MASKS;
}

/* A host computation of one guest operation on XMM values: runs under
 * MXCSR `mxcsr` (see sse_host_mxcsr) with *d the destination register and
 * *s the source; returns the MXCSR afterwards (its flags are the
 * exceptions the operation raised). */
typedef uint32_t (*sse_host_fn)(uint32_t mxcsr, union xmm *d, const union xmm *s);

/* Define `fname` as an sse_host_fn executing the host instruction `text`
 * (an AT&T mnemonic, with "$imm," when it takes one) on xmm registers.
 * stmxcsr/ldmxcsr and the operation are one asm statement, so the
 * compiler cannot move the operation outside the guest's MXCSR. */
#define SSE_HOST_OP(fname, text)                                                         \
    static uint32_t fname(uint32_t mxcsr, union xmm *d, const union xmm *s)              \
    {                                                                                    \
        __m128i dv, sv;                                                                  \
        uint32_t saved, after;                                                           \
        memcpy(&dv, d, 16);                                                              \
        memcpy(&sv, s, 16);                                                              \
        __asm__ volatile("stmxcsr %[saved]\n\tldmxcsr %[guest]\n\t" text " %[sv], %[dv]\n\t" \
                         "stmxcsr %[after]\n\tldmxcsr %[saved]"                            \
                         : [dv] "+x"(dv), [saved] "=m"(saved), [after] "=m"(after)          \
                         : [sv] "x"(sv), [guest] "m"(mxcsr));                             \
        memcpy(d, &dv, 16);                                                              \
        return after;                                                                    \
    }

/* Operations whose overflow/underflow flags the host cannot report
 * directly when OE or UE is unmasked (see exec_sse_unmasked.c). */
enum sse_post_op { POST_NONE, POST_ADD, POST_SUB, POST_MUL, POST_DIV, POST_CVT };

/* One prefix form (none/66/F3/F2) of an xmm, xmm/mem floating-point
 * instruction: the host operation and the memory operand size (16 means
 * a 16-byte-aligned m128; 4 and 8 are scalar or half loads, unaligned).
 * fn == NULL: the form does not exist (#UD).  For the operations that can
 * overflow or underflow: which one (post), how many elements (lanes) and
 * whether the source elements are doubles (dbl). */
struct sse_fp_form {
    sse_host_fn fn;
    uint8_t size;
    uint8_t post;
    uint8_t lanes;
    uint8_t dbl;
};

/* The exception flags of operation `op` on `lanes` elements of d and s
 * (singles, or doubles with dbl) when MXCSR has OE or UE unmasked: an
 * unmasked underflow is signalled for every tiny result, exact or not,
 * and PE then reports the rounding of the result with an unbounded
 * exponent (SDM Vol. 1 §4.9.1.4-5, §11.5.2.2).  POST_CVT converts the
 * double elements of s to single. */
uint32_t sse_unmasked_post_flags(const struct cpu *cpu, enum sse_post_op op, unsigned lanes,
                                 bool dbl, const union xmm *d, const union xmm *s);

/* Execute the form for in->pfx: read the source, compute on the host
 * under the guest's MXCSR controls, report exceptions, then write the
 * destination XMM register. */
void sse_exec_fp_form(struct cpu *cpu, const struct insn *in, const struct sse_fp_form forms[4]);

/* An xmm1, xmm2/m128 [, imm8] integer or data-movement operation of the
 * SSSE3/SSE4 families: r = op(d = xmm1, s = the source), with the imm8
 * and XMM0 (BLENDV's implicit mask) at hand, over `bytes` bytes of its
 * operands: 16 for the 66-prefixed XMM form, 8 for the MMX form (no
 * prefix, mm1, mm2/m64) the SSSE3 instructions also have (`mmx`).  size
 * is the XMM memory operand's bytes (16: m128, aligned as `aligned` says;
 * 2/4/8: PMOVSX/ZX halves, never aligned). */
typedef void (*xmm_op_fn)(union xmm *r, const union xmm *d, const union xmm *s, unsigned imm,
                          const union xmm *xmm0, unsigned bytes);
struct xmm_op {
    xmm_op_fn fn;
    uint8_t size;
    bool aligned;
    bool mmx;
};

/* Run `op` (NULL fn: #UD) as described above and write xmm1 (or mm1). */
void sse_exec_xmm_op(struct cpu *cpu, const struct insn *in, const struct xmm_op *op);

/* F3/F2 0F 12 and F3 0F 16: MOVSLDUP, MOVDDUP, MOVSHDUP (exec_sse3.c),
 * reached from the MOVLPS/MOVHPS handlers of the same opcodes. */
void exec_sse3_dup(struct cpu *cpu, const struct insn *in);

/* The MMX registers.  MMX register i is the 64-bit significand of x87
 * physical register R_i (SDM Vol. 1 §9.5): mmx_enter() raises #MF for a
 * pending unmasked x87 exception; the transition (TOP = 0, every tag
 * valid) is mmx_transition(), made once the instruction can no longer
 * fault; mmx_write() also sets R_i's sign and exponent bits to all ones.
 * An MMX register operand is ModRM.reg or .rm modulo 8 (REX.R/REX.B are
 * ignored: SDM Vol. 2 §2.2.1.2). */
void mmx_enter(struct cpu *cpu);
/* The checks every MMX instruction makes, in the SDM's order ("Numeric
 * Exceptions" tables of the MMX pages): LOCK or CR0.EM=1 → #UD, CR0.TS=1
 * → #NM, a pending unmasked x87 exception → #MF. */
void mmx_check_usable(struct cpu *cpu, const struct insn *in);
/* The r/m source of an MMX instruction: mm(rm) when mod == 3, else `size`
 * bytes of memory (no alignment rule for MMX), zero-extended. */
uint64_t mmx_read_rm(struct cpu *cpu, const struct insn *in, unsigned size);
/* Finish an MMX instruction that writes mm(i) = v: the write and the
 * x87 → MMX transition. */
void mmx_commit(struct cpu *cpu, unsigned i, uint64_t v);
void mmx_transition(struct cpu *cpu);
uint64_t mmx_read(const struct cpu *cpu, unsigned i);
void mmx_write(struct cpu *cpu, unsigned i, uint64_t v);

/* Saturation and signed element access, shared by the packed-integer files. */
static inline uint8_t sat_u8(int v) { return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v; }
static inline uint8_t sat_s8(int v) { return (uint8_t)(int8_t)(v < -128 ? -128 : v > 127 ? 127 : v); }
static inline uint16_t sat_u16(int64_t v) { return v < 0 ? 0 : v > 65535 ? 65535 : (uint16_t)v; }
static inline uint16_t sat_s16(int v)
{
    return (uint16_t)(int16_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
}
#define SB(x, i) ((int8_t)(x)->b[i])
#define SW(x, i) ((int16_t)(x)->w[i])
#define SD(x, i) ((int32_t)(x)->d[i])
#define SQ(x, i) ((int64_t)(x)->q[i])

#endif
