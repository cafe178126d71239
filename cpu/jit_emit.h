/* jit_emit.h — an encoder for the few host x86-64 instructions the
 * translating tier (jit.c) writes, and the labels that join its hot and
 * cold code.  Host and guest are the same architecture, so the encodings
 * are the ones the decoder (decode.c) reads: legacy prefix 66, REX
 * (0100WRXB), opcode, ModRM (mod reg rm), SIB (scale index base), disp8 or
 * disp32, immediate — SDM Vol. 2 §2.1-2.2. */
#ifndef RINGSCOPE_JIT_EMIT_H
#define RINGSCOPE_JIT_EMIT_H
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Host registers, in their encoding order. */
enum { H_RAX, H_RCX, H_RDX, H_RBX, H_RSP, H_RBP, H_RSI, H_RDI,
       H_R8, H_R9, H_R10, H_R11, H_R12, H_R13, H_R14, H_R15, H_NONE = 0xff };

/* Two streams: the hot path, and the cold one after it (slow paths and
 * block exits), so the common case runs straight through. */
enum { EM_HOT, EM_COLD, EM_STREAMS };
#define EM_MAX_LABELS 512
#define EM_MAX_FIXUPS 1024

struct emitter {
    uint8_t *buf[EM_STREAMS];
    uint32_t len[EM_STREAMS], cap[EM_STREAMS];
    unsigned cur;              /* the stream being written */
    bool overflow;             /* some stream or table ran out: the translation is dropped */
    struct { uint8_t stream; int32_t at; } label[EM_MAX_LABELS];  /* at < 0: not placed yet */
    unsigned nlabels;
    struct { uint8_t stream; uint32_t at; uint16_t label; } fixup[EM_MAX_FIXUPS]; /* a rel32 at `at` */
    unsigned nfixups;
};

static inline void em_byte(struct emitter *e, unsigned b)
{
    unsigned s = e->cur;
    if (e->len[s] < e->cap[s])
        e->buf[s][e->len[s]++] = (uint8_t)b;
    else
        e->overflow = true;
}

static inline void em_u32(struct emitter *e, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        em_byte(e, (v >> (8 * i)) & 0xff);
}

static inline void em_u64(struct emitter *e, uint64_t v)
{
    em_u32(e, (uint32_t)v);
    em_u32(e, (uint32_t)(v >> 32));
}

static inline bool fits_s8(int64_t v) { return v >= -128 && v <= 127; }
static inline bool fits_s32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

/* A memory operand [base + index * (1 << scale) + disp]; base is never
 * H_NONE (the translator zeroes a register instead). */
struct hmem { uint8_t base, index, scale; int32_t disp; };
static inline struct hmem hm(unsigned base, int32_t disp)
{
    return (struct hmem){(uint8_t)base, H_NONE, 0, disp};
}

/* Prefixes and opcode of an instruction of operand size `size` (1, 2, 4,
 * 8) whose ModRM names `reg`, index `x`, and base or r/m `b`.  A byte
 * operation on registers 4-7 needs a REX to mean SPL..DIL, not AH..BH. */
static inline void em_head(struct emitter *e, unsigned size, const uint8_t *opc, unsigned nopc,
                           unsigned reg, unsigned x, unsigned b, bool byte_regs)
{
    if (size == 2)
        em_byte(e, 0x66);
    unsigned rex = (size == 8 ? 8u : 0u) | ((reg >> 3) & 1) << 2 | ((x >> 3) & 1) << 1 | ((b >> 3) & 1);
    if (rex || (byte_regs && size == 1 && ((reg & 0xf) >= 4 || (b & 0xf) >= 4)))
        em_byte(e, 0x40 | rex);
    for (unsigned i = 0; i < nopc; i++)
        em_byte(e, opc[i]);
}

/* opcode reg, [mem] (or the reverse, as the opcode says). */
static inline void em_mem(struct emitter *e, unsigned size, const uint8_t *opc, unsigned nopc,
                          unsigned reg, struct hmem m)
{
    unsigned x = m.index == H_NONE ? 0 : m.index;
    em_head(e, size, opc, nopc, reg, x, m.base, size == 1);
    unsigned mod = (m.disp == 0 && (m.base & 7) != 5) ? 0 : fits_s8(m.disp) ? 1 : 2;
    bool sib = m.index != H_NONE || (m.base & 7) == 4;
    em_byte(e, mod << 6 | (reg & 7) << 3 | (sib ? 4 : (m.base & 7)));
    if (sib)
        em_byte(e, (unsigned)m.scale << 6 | (m.index == H_NONE ? 4u : (m.index & 7u)) << 3 | (m.base & 7));
    if (mod == 1)
        em_byte(e, (uint8_t)m.disp);
    else if (mod == 2)
        em_u32(e, (uint32_t)m.disp);
}

/* opcode reg, rm with both registers (ModRM.mod = 11b). */
static inline void em_rr(struct emitter *e, unsigned size, const uint8_t *opc, unsigned nopc,
                         unsigned reg, unsigned rm)
{
    em_head(e, size, opc, nopc, reg, 0, rm, true);
    em_byte(e, 0xc0 | (reg & 7) << 3 | (rm & 7));
}

#define OPC(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

/* r = the `size` bytes at m, zero-extended to 64 bits (MOVZX, or a
 * 32-bit MOV, which zero-extends: SDM Vol. 1 §3.4.1.1). */
static inline void em_load_zx(struct emitter *e, unsigned size, unsigned r, struct hmem m)
{
    switch (size) {
    case 1: em_mem(e, 4, OPC(0x0f, 0xb6), r, m); break;
    case 2: em_mem(e, 4, OPC(0x0f, 0xb7), r, m); break;
    case 4: em_mem(e, 4, OPC(0x8b), r, m); break;
    default: em_mem(e, 8, OPC(0x8b), r, m); break;
    }
}

/* r = the `size` bytes at m, sign-extended to 64 bits (MOVSX, MOVSXD). */
static inline void em_load_sx(struct emitter *e, unsigned size, unsigned r, struct hmem m)
{
    switch (size) {
    case 1: em_mem(e, 8, OPC(0x0f, 0xbe), r, m); break;
    case 2: em_mem(e, 8, OPC(0x0f, 0xbf), r, m); break;
    case 4: em_mem(e, 8, OPC(0x63), r, m); break;
    default: em_mem(e, 8, OPC(0x8b), r, m); break;
    }
}

/* The low `size` bytes of r to m. */
static inline void em_store(struct emitter *e, unsigned size, unsigned r, struct hmem m)
{
    if (size == 1)
        em_mem(e, 1, OPC(0x88), r, m);
    else
        em_mem(e, size, OPC(0x89), r, m);
}

/* MOV r64, imm: the shortest encoding that gives the same 64 bits. */
static inline void em_mov_imm(struct emitter *e, unsigned r, uint64_t v)
{
    if (v <= UINT32_MAX) {
        em_head(e, 4, OPC(0xb8 + (r & 7)), 0, 0, r, false);
        em_u32(e, (uint32_t)v);
    } else if (fits_s32((int64_t)v)) {
        em_rr(e, 8, OPC(0xc7), 0, r);
        em_u32(e, (uint32_t)v);
    } else {
        em_head(e, 8, OPC(0xb8 + (r & 7)), 0, 0, r, false);
        em_u64(e, v);
    }
}

/* MOV qword [m], imm32 sign-extended; MOV word [m], imm16. */
static inline void em_store_imm64(struct emitter *e, struct hmem m, int32_t v)
{
    em_mem(e, 8, OPC(0xc7), 0, m);
    em_u32(e, (uint32_t)v);
}

static inline void em_store_imm16(struct emitter *e, struct hmem m, uint16_t v)
{
    em_mem(e, 2, OPC(0xc7), 0, m);
    em_byte(e, v & 0xff);
    em_byte(e, v >> 8);
}

/* The eight two-operand ALU operations in their encoding order (the
 * guest's and the host's: 00-3F and group 1's ModRM.reg). */
enum { HALU_ADD, HALU_OR, HALU_ADC, HALU_SBB, HALU_AND, HALU_SUB, HALU_XOR, HALU_CMP };

/* dst = dst OP src, registers, at `size`. */
static inline void em_alu_rr(struct emitter *e, unsigned size, unsigned op, unsigned dst, unsigned src)
{
    em_rr(e, size, OPC((uint8_t)(op << 3 | (size == 1 ? 0 : 1))), src, dst);
}

/* r OP imm (sign-extended imm8 or imm32). */
static inline void em_alu_ri(struct emitter *e, unsigned size, unsigned op, unsigned r, int32_t imm)
{
    if (size == 1) {
        em_rr(e, 1, OPC(0x80), op, r);
        em_byte(e, (uint8_t)imm);
    } else if (fits_s8(imm)) {
        em_rr(e, size, OPC(0x83), op, r);
        em_byte(e, (uint8_t)imm);
    } else {
        em_rr(e, size, OPC(0x81), op, r);
        if (size == 2) {
            em_byte(e, imm & 0xff);
            em_byte(e, (imm >> 8) & 0xff);
        } else {
            em_u32(e, (uint32_t)imm);
        }
    }
}

/* qword [m] OP imm (sign-extended). */
static inline void em_alu_mi64(struct emitter *e, unsigned op, struct hmem m, int32_t imm)
{
    if (fits_s8(imm)) {
        em_mem(e, 8, OPC(0x83), op, m);
        em_byte(e, (uint8_t)imm);
    } else {
        em_mem(e, 8, OPC(0x81), op, m);
        em_u32(e, (uint32_t)imm);
    }
}

/* CMP qword [m], r. */
static inline void em_cmp_mr64(struct emitter *e, struct hmem m, unsigned r)
{
    em_mem(e, 8, OPC(0x39), r, m);
}

/* TEST r, r at `size`; AND r, r is em_alu_rr(HALU_AND). */
static inline void em_test_rr(struct emitter *e, unsigned size, unsigned a, unsigned b)
{
    em_rr(e, size, OPC(size == 1 ? 0x84 : 0x85), b, a);
}

/* Shifts by an immediate: /4 SHL, /5 SHR. */
static inline void em_shift_ri(struct emitter *e, unsigned size, unsigned ext, unsigned r, uint8_t n)
{
    em_rr(e, size, OPC(size == 1 ? 0xc0 : 0xc1), ext, r);
    em_byte(e, n);
}

/* 64-bit register copy and LEA. */
static inline void em_mov_rr(struct emitter *e, unsigned size, unsigned dst, unsigned src)
{
    em_rr(e, size, OPC(0x89), src, dst);
}

static inline void em_lea(struct emitter *e, unsigned r, struct hmem m)
{
    em_mem(e, 8, OPC(0x8d), r, m);
}

static inline void em_push(struct emitter *e, unsigned r)
{
    if (r >= 8)
        em_byte(e, 0x41);
    em_byte(e, 0x50 + (r & 7));
}

static inline void em_pop(struct emitter *e, unsigned r)
{
    if (r >= 8)
        em_byte(e, 0x41);
    em_byte(e, 0x58 + (r & 7));
}

/* CALL an absolute host address through RAX (the code buffer may be
 * farther than a rel32 from the handlers). */
static inline void em_call(struct emitter *e, const void *fn)
{
    em_mov_imm(e, H_RAX, (uint64_t)(uintptr_t)fn);
    em_rr(e, 4, OPC(0xff), 2, H_RAX);
}

/* ---- labels: a rel32 jump to a label placed in either stream ---- */
static inline unsigned em_label(struct emitter *e)
{
    if (e->nlabels == EM_MAX_LABELS) {
        e->overflow = true;
        return 0;
    }
    e->label[e->nlabels].at = -1;
    return e->nlabels++;
}

static inline void em_place(struct emitter *e, unsigned l)
{
    e->label[l].stream = (uint8_t)e->cur;
    e->label[l].at = (int32_t)e->len[e->cur];
}

static inline void em_rel32_to(struct emitter *e, unsigned l)
{
    if (e->nfixups == EM_MAX_FIXUPS) {
        e->overflow = true;
        return;
    }
    e->fixup[e->nfixups].stream = (uint8_t)e->cur;
    e->fixup[e->nfixups].at = e->len[e->cur];
    e->fixup[e->nfixups].label = (uint16_t)l;
    e->nfixups++;
    em_u32(e, 0);
}

/* Jcc rel32 with the x86 condition number cc (0 O ... F G). */
static inline void em_jcc(struct emitter *e, unsigned cc, unsigned l)
{
    em_byte(e, 0x0f);
    em_byte(e, 0x80 + cc);
    em_rel32_to(e, l);
}

static inline void em_jmp(struct emitter *e, unsigned l)
{
    em_byte(e, 0xe9);
    em_rel32_to(e, l);
}

enum { CC_O, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A, CC_S, CC_NS, CC_P, CC_NP, CC_L, CC_GE, CC_LE, CC_G };

#endif
