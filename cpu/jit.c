/* jit.c — translating a decoded block into host code (jit.h).
 *
 * The code a block becomes does, instruction by instruction, what
 * run_blocks' loop (run.c) does with it, so the two tiers cannot differ
 * in anything the guest or an observer sees:
 *  - an instruction the translator does not know runs its handler, with
 *    the same bookkeeping around it as in the loop for its kind
 *    (BLOCK_INSN_PLAIN: the call alone; BLOCK_INSN_MEM: cpu->block_insn
 *    set first; 0: RIP, next RIP, icount and the fetch hits written first),
 *    and leaves the block where the loop would;
 *  - an instruction it knows runs as host instructions on the guest
 *    registers in struct cpu: the same result, the same lazy-flags record
 *    (flags_eval.h) and, for a memory operand, the same TLB lookups and hit
 *    counts as the handler's tlb_fast() — an inline probe that takes the
 *    handler (the slow path) for anything but a hit that permits every
 *    access the instruction makes, before anything has changed;
 *  - a Jcc, CMOVcc or SETcc tests the host's flags: guest and host are
 *    both x86, so after a guest ADD, SUB, CMP, AND, OR, XOR, TEST (or
 *    INC/DEC, with the guest's CF loaded first) done as the same host
 *    instruction at the same size, the host flags are the guest's (SDM
 *    Vol. 1 Appendix A); when other work came between, the record is
 *    compared again to make them;
 *  - the SSE2 integer instructions run as themselves on XMM0/XMM1, after
 *    the checks their handlers make first.
 * Host registers held for the whole run (callee-saved, so they live
 * across handler calls): RBX the CPU (+ CPU_BIAS), R12 the engine word at
 * entry, R13 the block's linear address, R14 the MMU, R15 the access mode
 * (cpu_acc_mode: ACC_USER, ACC_AC), RBP the instruction-count limit. */
#include "jit.h"
#include "block.h"
#include "exec.h"
#include "flags_eval.h"
#include "jit_emit.h"
#include "mem.h"
#include "operand.h"
#include <stddef.h>
#include <stdlib.h>

enum { R_CPU = H_RBX, R_WORD = H_R12, R_BRIP = H_R13, R_MMU = H_R14, R_MODE = H_R15, R_LIMIT = H_RBP };

/* The translated code's stack frame: a scratch word (a computed target, a
 * condition byte) and the TLB allow bits a read, a write and both need at
 * the current mode (tlb_fast(): bit ACC_kind | mode), set by emit_mode. */
enum { FRAME_SCRATCH = 0, FRAME_NEED_R = 8, FRAME_NEED_W = 12, FRAME_NEED_RW = 16, FRAME_BYTES = 24 };

#define CPU_OFF(f) ((int32_t)offsetof(struct cpu, f))
#define GPR_OFF(r) (CPU_OFF(gpr) + 8 * (int32_t)(r))
#define MMU_OFF(f) ((int32_t)offsetof(struct mmu, f))

_Static_assert(TLB_SETS == 256 && TLB_WAYS == 4 && sizeof(struct tlb_entry) == 32,
               "the probe indexes a set with one byte and steps 32 bytes a way");
_Static_assert(offsetof(struct lazy_flags, size) == offsetof(struct lazy_flags, op) + 1,
               "one 16-bit store writes the record's op and size");
_Static_assert((ACC_READ & (ACC_USER | ACC_AC)) == 0 && (ACC_WRITE & (ACC_USER | ACC_AC)) == 0,
               "a mode and an access kind are disjoint bits: (allow >> (kind | mode)) == (allow >> mode >> kind)");

/* What the flags record holds, known at translation time. */
enum { LFK_UNKNOWN, LFK_ADD, LFK_SUB, LFK_LOGIC };

struct tr {
    struct emitter e;
    struct block_cache *bc;
    const struct block *b;
    unsigned epilogue, body, chain;
    uint32_t chain_offset;  /* every translation's (jit->chain_offset) */
    bool flags_live;        /* the host flags are the guest's now */
    uint8_t lfk, lfk_size;  /* the record's kind (LFK_*) and size */
    uint32_t i;             /* the instruction being translated */
    uint8_t dead[BLOCK_MAX_INSNS]; /* DEAD_*: what of its flags it need not write */
};
/* A flags record (or RFLAGS' CF/OF/AF from a shift or multiply) that the
 * next instruction to touch the flags overwrites whole, with only
 * register moves between: nothing can see it (find_dead_flags). */
enum { DEAD_RECORD = 1, DEAD_RFLAGS = 2 };

/* RBX holds the CPU's address plus CPU_BIAS, so the fields the code
 * touches most (the registers, RIP, RFLAGS, the flags record, icount) are
 * within a signed byte of it: one-byte displacements. */
#define CPU_BIAS 128
_Static_assert(offsetof(struct cpu, icount) + 8 <= 2 * CPU_BIAS, "the hot fields are within disp8 of RBX");

static struct hmem cpu_at(int32_t off)
{
    return hm(R_CPU, off - CPU_BIAS);
}

/* RDI = the CPU, the first argument of a handler or helper. */
static void emit_cpu_arg(struct tr *t)
{
    em_lea(&t->e, H_RDI, hm(R_CPU, -CPU_BIAS));
}

/* Guest register r at `size`: its bytes in struct cpu; without REX, byte
 * registers 4-7 are AH CH DH BH, byte 1 of RAX..RBX (operand.h). */
static struct hmem guest_reg(const struct insn *in, unsigned r, unsigned size)
{
    if (size == 1 && !in->rex && r >= 4 && r < 8)
        return cpu_at(GPR_OFF(r - 4) + 1);
    return cpu_at(GPR_OFF(r));
}

/* reg_write(): host register h's low `size` bytes to guest register r; a
 * 32-bit write zero-extends (SDM Vol. 1 §3.4.1.1).  Flags are kept.  The
 * register is always stored whole (a byte or word is merged in R10 first):
 * a narrower store followed by a wider load of the same register would
 * stall the host's store forwarding.  (AH..BH destinations are left to
 * the handlers, classify().) */
static void store_guest_reg(struct tr *t, const struct insn *in, unsigned r, unsigned size, unsigned h)
{
    struct emitter *e = &t->e;
    (void)in;
    if (size == 4) {
        em_mov_rr(e, 4, h, h);
    } else if (size < 4) {
        em_load_zx(e, 8, H_R10, cpu_at(GPR_OFF(r)));
        em_rr(e, size, OPC(size == 1 ? 0x88 : 0x89), h, H_R10); /* mov r10b/r10w, h */
        h = H_R10;
    }
    em_store(e, 8, h, cpu_at(GPR_OFF(r)));
}

static int32_t insn_off(const struct insn *in)
{
    return (int32_t)in->block_off;
}

static int32_t next_off(const struct insn *in)
{
    return (int32_t)in->block_off + in->len;
}

static void to_cold(struct tr *t) { t->e.cur = EM_COLD; }
static void to_hot(struct tr *t) { t->e.cur = EM_HOT; }

/* cpu_acc_mode() into R15: ACC_USER at CPL 3, ACC_AC from RFLAGS.AC. */
static void emit_mode(struct tr *t)
{
    struct emitter *e = &t->e;
    em_mem(e, 1, OPC(0x80), 7, cpu_at(CPU_OFF(cpl)));       /* cmp byte [cpl], 3 */
    em_byte(e, 3);
    em_byte(e, 0x0f), em_byte(e, 0x94), em_byte(e, 0xc0);   /* sete al */
    em_rr(e, 4, OPC(0x0f, 0xb6), R_MODE, H_RAX);            /* movzx r15d, al */
    _Static_assert(ACC_USER == 8 && ACC_AC == 16 && RF_AC == 1u << 18, "mode bits");
    em_shift_ri(e, 4, 4, R_MODE, 3);
    em_load_zx(e, 4, H_RAX, cpu_at(CPU_OFF(rflags)));
    em_shift_ri(e, 4, 5, H_RAX, 14);
    em_alu_ri(e, 4, HALU_AND, H_RAX, ACC_AC);
    em_alu_rr(e, 4, HALU_OR, R_MODE, H_RAX);
    static const struct { int32_t at; uint32_t kinds; } need[] = {
        {FRAME_NEED_R, ACC_READ}, {FRAME_NEED_W, ACC_WRITE}, {FRAME_NEED_RW, ACC_READ | ACC_WRITE}};
    em_mov_rr(e, 4, H_RCX, R_MODE);
    for (unsigned i = 0; i < sizeof need / sizeof need[0]; i++) {
        /* bit k of allow for each kind k: (1 << k) << mode */
        em_mov_imm(e, H_RAX, (need[i].kinds & ACC_READ ? 1u << ACC_READ : 0u) |
                                 (need[i].kinds & ACC_WRITE ? 1u << ACC_WRITE : 0u));
        em_rr(e, 4, OPC(0xd3), 4, H_RAX);                    /* shl eax, cl */
        em_store(e, 4, H_RAX, hm(H_RSP, need[i].at));
    }
}

/* icount and the fetch hits of `n` instructions the loop has not counted. */
static void emit_count(struct tr *t, unsigned icount, unsigned hits)
{
    if (icount)
        em_alu_mi64(&t->e, HALU_ADD, cpu_at(CPU_OFF(icount)), (int32_t)icount);
    if (hits)
        em_alu_mi64(&t->e, HALU_ADD, hm(R_MMU, MMU_OFF(stats.hits)), (int32_t)hits);
}

/* Leave the block for the computed RIP in RAX (counted already): into
 * the translation the chain loop would run next, if run_chain_target()
 * finds one, else back to the loop. */
/* The chain loop's test that the block in the slot at RAX is the one it
 * would run at physical address RCX (in the running block's frame, so of
 * its generation), translated, with a whole block before the limit: to
 * `out` if not; else its fetch hit counted and RDX its chain entry. */
static void emit_slot_check(struct tr *t, unsigned out)
{
    struct emitter *e = &t->e;
    em_cmp_mr64(e, hm(H_RAX, (int32_t)offsetof(struct block, pa)), H_RCX);
    em_jcc(e, CC_NE, out);
    em_mem(e, 4, OPC(0x81), 7, hm(H_RAX, (int32_t)offsetof(struct block, gen))); /* cmp dword, imm32 */
    em_u32(e, t->b->gen);
    em_jcc(e, CC_NE, out);
    em_load_zx(e, 8, H_RDX, hm(H_RAX, (int32_t)offsetof(struct block, code)));
    em_test_rr(e, 8, H_RDX, H_RDX);
    em_jcc(e, CC_E, out);
    em_lea(e, H_RDX, hm(H_RDX, (int32_t)t->chain_offset));
    em_load_zx(e, 2, H_RCX, hm(H_RAX, (int32_t)offsetof(struct block, n)));
    em_mem(e, 8, OPC(0x03), H_RCX, cpu_at(CPU_OFF(icount)));       /* add rcx, [icount] */
    em_alu_rr(e, 8, HALU_CMP, H_RCX, R_LIMIT);
    em_jcc(e, CC_A, out);
    emit_count(t, 0, 1);
}

/* Leave the block for the computed RIP in RAX (counted already): into
 * the translation the chain loop would run next — found here when RIP is
 * in the running block's page, else by run_chain_target() — or back to
 * the loop. */
static void emit_exit_computed(struct tr *t)
{
    struct emitter *e = &t->e;
    const struct block *b = t->b;
    unsigned out = em_label(e), other_page = em_label(e);
    em_store(e, 8, H_RAX, hm(H_RSP, FRAME_SCRATCH));
    em_cmp_mr64(e, cpu_at(CPU_OFF(cpl)), R_WORD);
    em_jcc(e, CC_NE, out);
    em_mov_rr(e, 8, H_RCX, H_RAX);
    em_alu_rr(e, 8, HALU_SUB, H_RCX, R_BRIP);
    em_alu_ri(e, 8, HALU_ADD, H_RCX, (int32_t)(b->pa & 0xfff));   /* RIP's offset in the block's page */
    em_alu_ri(e, 8, HALU_CMP, H_RCX, 0xfff);
    em_jcc(e, CC_A, other_page);
    em_mov_imm(e, H_RDX, b->pa & ~0xfffull);
    em_alu_rr(e, 8, HALU_ADD, H_RCX, H_RDX);                       /* its physical address */
    _Static_assert(BLOCK_BITS < 32, "block_slot(): the top BLOCK_BITS bits of pa * K");
    em_mov_imm(e, H_RAX, 0x9e3779b97f4a7c15ull);
    em_rr(e, 8, OPC(0x0f, 0xaf), H_RAX, H_RCX);                    /* imul rax, rcx */
    em_shift_ri(e, 8, 5, H_RAX, 64 - BLOCK_BITS);
    em_rr(e, 8, OPC(0x69), H_RAX, H_RAX);                          /* imul rax, rax, sizeof */
    em_u32(e, (uint32_t)sizeof(struct block));
    em_mov_imm(e, H_RDX, (uint64_t)(uintptr_t)t->bc->table);
    em_alu_rr(e, 8, HALU_ADD, H_RAX, H_RDX);
    emit_slot_check(t, out);
    em_load_zx(e, 8, R_BRIP, hm(H_RSP, FRAME_SCRATCH));
    em_rr(e, 4, OPC(0xff), 4, H_RDX);                              /* jmp rdx */
    em_place(e, other_page);
    emit_cpu_arg(t);
    em_load_zx(e, 8, H_RSI, hm(H_RSP, FRAME_SCRATCH));
    em_mov_rr(e, 8, H_RDX, R_LIMIT);
    em_call(e, (const void *)run_chain_target);
    em_test_rr(e, 8, H_RAX, H_RAX);
    em_jcc(e, CC_E, out);
    em_load_zx(e, 8, R_BRIP, hm(H_RSP, FRAME_SCRATCH));
    em_rr(e, 4, OPC(0xff), 4, H_RAX);     /* jmp rax */
    em_place(e, out);
    em_load_zx(e, 8, H_RAX, hm(H_RSP, FRAME_SCRATCH));
    em_rr(e, 4, OPC(0x31), H_RDX, H_RDX); /* not synced */
    em_jmp(e, t->epilogue);
}

/* Leave the block at brip + rip_off, counting this instruction and the
 * `behind` before it not yet counted (run_blocks' `icount += exit_behind +
 * 1`).  When the chain loop would go on into a block that is translated,
 * the code jumps straight into it instead: the engine word is unchanged, a
 * whole block fits before the limit, and the next block is the one the
 * loop would find — in the same page (so at the remembered code page, a
 * counted fetch hit), in the slot for its physical address with the same
 * frame generation.  The block's own start needs none of the lookup. */
static void emit_exit(struct tr *t, int64_t rip_off, unsigned behind)
{
    struct emitter *e = &t->e;
    const struct block *b = t->b;
    emit_count(t, behind + 1, behind);
    const int64_t page_off = (int64_t)(b->pa & 0xfff) + rip_off;
    if (page_off >= 0 && page_off < 0x1000) {
        unsigned out = em_label(e);
        em_cmp_mr64(e, cpu_at(CPU_OFF(cpl)), R_WORD);
        em_jcc(e, CC_NE, out);
        if (rip_off == 0) {
            em_load_zx(e, 8, H_RAX, cpu_at(CPU_OFF(icount)));
            em_alu_ri(e, 8, HALU_ADD, H_RAX, (int32_t)b->n);
            em_alu_rr(e, 8, HALU_CMP, H_RAX, R_LIMIT);
            em_jcc(e, CC_A, out);
            emit_count(t, 0, 1);
            em_jmp(e, t->body);
        } else {
            const uint64_t pa = b->pa + (uint64_t)rip_off;
            const struct block *next = block_slot(t->bc, pa);
            em_mov_imm(e, H_RAX, (uint64_t)(uintptr_t)next);
            em_mov_imm(e, H_RCX, pa);
            emit_slot_check(t, out);
            em_lea(e, R_BRIP, hm(R_BRIP, (int32_t)rip_off));
            em_rr(e, 4, OPC(0xff), 4, H_RDX);                                /* jmp rdx */
        }
        em_place(e, out);
        em_lea(e, H_RAX, hm(R_BRIP, (int32_t)rip_off));
        em_rr(e, 4, OPC(0x31), H_RDX, H_RDX); /* xor edx, edx: not synced */
        em_jmp(e, t->epilogue);
        return;
    }
    em_lea(e, H_RAX, hm(R_BRIP, (int32_t)rip_off));
    emit_exit_computed(t);
}

/* emit_exit() where the engine word has changed, so the chain loop
 * would not go on: back to it. */
static void emit_exit_unchained(struct tr *t, int64_t rip_off, unsigned behind)
{
    struct emitter *e = &t->e;
    emit_count(t, behind + 1, behind);
    em_lea(e, H_RAX, hm(R_BRIP, (int32_t)rip_off));
    em_rr(e, 4, OPC(0x31), H_RDX, H_RDX); /* not synced */
    em_jmp(e, t->epilogue);
}

static void emit_handler(struct tr *t, const struct insn *in)
{
    emit_cpu_arg(t);
    em_mov_imm(&t->e, H_RSI, (uint64_t)(uintptr_t)in);
    em_call(&t->e, (const void *)in->exec);
}

/* BLOCK_INSN_MEM around its handler: cpu->block_insn = in; after, a
 * changed engine word leaves — synced (block_insn cleared by
 * cpu_block_sync: RIP, icount and the hits are written; the chain ends)
 * or not. */
static void emit_mem_call(struct tr *t, const struct insn *in)
{
    struct emitter *e = &t->e;
    em_mov_imm(e, H_RAX, (uint64_t)(uintptr_t)in);
    em_store(e, 8, H_RAX, cpu_at(CPU_OFF(block_insn)));
    emit_handler(t, in);
    unsigned out = em_label(e), synced = em_label(e);
    em_cmp_mr64(e, cpu_at(CPU_OFF(cpl)), R_WORD);
    em_jcc(e, CC_NE, out);
    unsigned back = e->cur;
    to_cold(t);
    em_place(e, out);
    em_alu_mi64(e, HALU_CMP, cpu_at(CPU_OFF(block_insn)), 0);
    em_jcc(e, CC_E, synced);
    emit_exit_unchained(t, next_off(in), in->exit_behind); /* the word changed: no chaining */
    em_place(e, synced);
    emit_count(t, 1, 0);
    em_lea(e, H_RAX, hm(R_BRIP, next_off(in)));
    em_mov_imm(e, H_RDX, 1);
    em_jmp(e, t->epilogue);
    e->cur = back;
}

/* Kind 0: the loop writes icount and the fetch hits, RIP and next RIP
 * before the handler and leaves when next RIP or the engine word
 * changed.  The counts are written by the caller (emit_sync). */
static void emit_sync(struct tr *t, const struct insn *in)
{
    emit_count(t, in->since_sync, in->since_sync);
}

/* An instruction that may change RFLAGS.AC without changing the engine
 * word: POPF, IRETQ, and group 7 (STAC, CLAC). */
static bool may_change_ac(const struct insn *in)
{
    return (in->map == MAP_1BYTE && (in->op == 0x9d || in->op == 0xcf)) || (in->map == MAP_0F && in->op == 0x01);
}

static void emit_plain_call(struct tr *t, const struct insn *in)
{
    struct emitter *e = &t->e;
    em_store_imm64(e, cpu_at(CPU_OFF(block_insn)), 0);
    em_lea(e, H_RAX, hm(R_BRIP, insn_off(in)));
    em_store(e, 8, H_RAX, cpu_at(CPU_OFF(rip)));
    em_lea(e, H_RAX, hm(R_BRIP, next_off(in)));
    em_store(e, 8, H_RAX, cpu_at(CPU_OFF(next_rip)));
    emit_handler(t, in);
    unsigned out = em_label(e);
    em_lea(e, H_RAX, hm(R_BRIP, next_off(in)));
    em_cmp_mr64(e, cpu_at(CPU_OFF(next_rip)), H_RAX);
    em_jcc(e, CC_NE, out);
    em_cmp_mr64(e, cpu_at(CPU_OFF(cpl)), R_WORD);
    em_jcc(e, CC_NE, out);
    if (may_change_ac(in))
        emit_mode(t);
    unsigned back = e->cur;
    to_cold(t);
    em_place(e, out);
    emit_count(t, 1, 0);
    em_load_zx(e, 8, H_RAX, cpu_at(CPU_OFF(next_rip)));
    em_rr(e, 4, OPC(0x31), H_RDX, H_RDX);
    em_jmp(e, t->epilogue);
    e->cur = back;
}

/* The handler with the bookkeeping of the instruction's kind (counts of
 * a kind-0 instruction already written when `synced`). */
static void emit_call_for_kind(struct tr *t, const struct insn *in, bool synced)
{
    if (in->engine == BLOCK_INSN_PLAIN) {
        emit_handler(t, in);
    } else if (in->engine == BLOCK_INSN_MEM) {
        emit_mem_call(t, in);
    } else {
        if (!synced)
            emit_sync(t, in);
        emit_plain_call(t, in);
    }
}

/* ---- the instructions done natively ---- */

enum { NAT_ALU, NAT_MOV, NAT_MOVX, NAT_LEA, NAT_IMUL, NAT_SHIFT, NAT_CMOV, NAT_SETCC, NAT_JMP,
       NAT_PUSH, NAT_POP, NAT_CALL, NAT_RET, NAT_JMP_INDIRECT, NAT_CALL_INDIRECT, NAT_INCDEC, NAT_SSE,
       NAT_JMP_FAR, NAT_JCC_FAR };
/* NAT_SSE's op: */
enum { SSE_BINARY, SSE_LOAD, SSE_STORE, SSE_MOVMSK };
#define NAT_TEST 8 /* an ALU op number past HALU_CMP */

struct nat {
    uint8_t kind;     /* NAT_* */
    uint8_t op;       /* NAT_ALU: HALU_* or NAT_TEST */
    uint8_t size;     /* operand size */
    uint8_t src_size; /* NAT_MOVX: the source's size */
    bool sx;          /* NAT_MOVX: sign-extend */
    bool rm_dst;      /* the r/m operand is the destination */
    bool imm;         /* the source is the immediate */
    uint8_t dst_reg;  /* the destination register when !rm_dst */
    uint8_t count;    /* NAT_SHIFT: the masked count, 0 < count < bits */
    bool aligned;     /* NAT_SSE: a memory operand must be 16-byte aligned (else #GP) */
};

static bool alu_native(unsigned op)
{
    return op != HALU_ADC && op != HALU_SBB; /* they read CF */
}

/* The SSE2 integer instructions done as the same host instruction on
 * XMM0/XMM1 (both are x86: the host computes exactly what the SDM says),
 * and the 16-byte moves.  Only forms with no MMX meaning: PFX_66 for the
 * packed-integer ops (exec_packed_int), 66/F3 0F 6F/7F, and 0F 10/11/28/29
 * without F2/F3 (a plain 16-byte copy, no floating point). */
static bool classify_sse(const struct insn *in, struct nat *out)
{
    const unsigned op = in->op;
    struct nat sse = {.kind = NAT_SSE, .size = 16}, *n = &sse;
    if (in->pfx == PFX_66 && ((op >= 0x60 && op <= 0x6d) || (op >= 0x74 && op <= 0x76) ||
                              (op >= 0xd1 && op <= 0xd5) || (op >= 0xd8 && op <= 0xdf) ||
                              (op >= 0xe0 && op <= 0xe5) || (op >= 0xe8 && op <= 0xef) ||
                              (op >= 0xf1 && op <= 0xf6) || (op >= 0xf8 && op <= 0xfe))) {
        n->op = SSE_BINARY;
        n->aligned = true;
        *out = sse;
        return true;
    }
    if ((op == 0x6f || op == 0x7f) && (in->pfx == PFX_66 || in->pfx == PFX_F3)) {
        n->op = op == 0x6f ? SSE_LOAD : SSE_STORE;
        n->aligned = in->pfx == PFX_66;
        *out = sse;
        return true;
    }
    if ((op == 0x10 || op == 0x11 || op == 0x28 || op == 0x29) && (in->pfx == PFX_NONE || in->pfx == PFX_66)) {
        n->op = (op & 1) ? SSE_STORE : SSE_LOAD;
        n->aligned = op >= 0x28;
        *out = sse;
        return true;
    }
    if (op == 0xd7 && in->pfx == PFX_66 && in->mod == 3) {
        n->op = SSE_MOVMSK;
        *out = sse;
        return true;
    }
    return false;
}

static bool classify(const struct insn *in, struct nat *n)
{
    if (in->lock || in->vex || in->exec == exec_ud)
        return false;
    /* A byte operation without REX may name AH CH DH BH (4-7): left to
     * the handlers (store_guest_reg stores whole registers). */
    const bool reg_is_extension =
        (in->map == MAP_1BYTE && ((in->op >= 0x80 && in->op <= 0x83) || in->op == 0xc0 || in->op == 0xc1 ||
                                  (in->op >= 0xd0 && in->op <= 0xd3) || in->op == 0xc6 || in->op == 0xc7 ||
                                  in->op == 0xf6 || in->op == 0xf7 || in->op == 0xfe || in->op == 0xff)) ||
        (in->map == MAP_0F && in->op >= 0x90 && in->op <= 0x9f);
    if (in->opsize == 1 && !in->rex &&
        ((!reg_is_extension && in->reg >= 4 && in->reg < 8) || (in->mod == 3 && in->rm >= 4 && in->rm < 8)))
        return false;
    const unsigned op = in->op, sub = in->reg & 7;
    *n = (struct nat){.size = in->opsize, .dst_reg = in->reg};
    if (in->map == MAP_0F && classify_sse(in, n))
        return true;
    if (in->map == MAP_0F) {
        if ((op == 0xb6 || op == 0xb7 || op == 0xbe || op == 0xbf) && !in->rep) {
            n->kind = NAT_MOVX;
            n->src_size = (op & 1) ? 2 : 1;
            n->sx = op >= 0xbe;
            return true;
        }
        if (op == 0xaf && !in->rep) { /* IMUL reg, r/m */
            n->kind = NAT_IMUL;
            return true;
        }
        if (op >= 0x40 && op <= 0x4f) {
            n->kind = NAT_CMOV;
            return true;
        }
        if (op >= 0x80 && op <= 0x8f) { /* Jcc rel32 out of the page */
            n->kind = NAT_JCC_FAR;
            return in->engine == 0;
        }
        if (op >= 0x90 && op <= 0x9f) {
            n->kind = NAT_SETCC;
            n->size = 1;
            n->rm_dst = true;
            return true;
        }
        return false;
    }
    if (in->map != MAP_1BYTE)
        return false;
    if (op < 0x40 && (op & 7) <= 5) {
        n->kind = NAT_ALU;
        n->op = op >> 3;
        switch (op & 7) {
        case 0: case 1: n->rm_dst = true; break;
        case 2: case 3: break;
        default: n->imm = true; n->dst_reg = RAX; break;
        }
        return alu_native(n->op);
    }
    switch (op) {
    case 0x80: case 0x81: case 0x83:
        *n = (struct nat){.kind = NAT_ALU, .op = (uint8_t)sub, .size = in->opsize, .rm_dst = true, .imm = true, .dst_reg = 0};
        return alu_native(sub);
    case 0x84: case 0x85:
        *n = (struct nat){.kind = NAT_ALU, .op = NAT_TEST, .size = in->opsize, .rm_dst = true, .imm = false, .dst_reg = 0};
        return true;
    case 0xa8: case 0xa9:
        *n = (struct nat){.kind = NAT_ALU, .op = NAT_TEST, .size = in->opsize, .rm_dst = false, .imm = true, .dst_reg = RAX};
        return true;
    case 0xf6: case 0xf7:
        *n = (struct nat){.kind = NAT_ALU, .op = NAT_TEST, .size = in->opsize, .rm_dst = true, .imm = true, .dst_reg = 0};
        return sub <= 1;
    case 0x88: case 0x89:
        n->kind = NAT_MOV;
        n->rm_dst = true;
        return true;
    case 0x8a: case 0x8b:
        n->kind = NAT_MOV;
        return true;
    case 0xc6: case 0xc7:
        n->kind = NAT_MOV;
        n->rm_dst = n->imm = true;
        return sub == 0;
    case 0x8d:
        n->kind = NAT_LEA;
        return in->mod != 3;
    case 0x69: case 0x6b: /* IMUL reg, r/m, imm */
        n->kind = NAT_IMUL;
        n->imm = true;
        return true;
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: { /* SHL/SAL, SHR, SAR by imm8 or 1 (count < width: CF is defined) */
        const unsigned bits = in->opsize * 8u;
        const unsigned count = (op >= 0xd0 ? 1u : (unsigned)in->imm & 0xff) & (in->opsize == 8 ? 63u : 31u);
        n->kind = NAT_SHIFT;
        n->op = (uint8_t)sub;
        n->rm_dst = true;
        n->count = (uint8_t)count;
        return sub >= 4 && count && count < bits; /* /4 SHL, /5 SHR, /6 SAL, /7 SAR */
    }
    case 0xeb: case 0xe9: /* JMP rel */
        n->kind = NAT_JMP;
        return true;
    case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
    case 0x78: case 0x79: case 0x7a: case 0x7b: case 0x7c: case 0x7d: case 0x7e: case 0x7f:
        n->kind = NAT_JCC_FAR; /* a Jcc within the page is BLOCK_INSN_NEAR_JCC (emit_jcc) */
        return in->engine == 0;
    case 0xe8: /* CALL rel32 */
        n->kind = NAT_CALL;
        return true;
    case 0xc3: /* RET */
        n->kind = NAT_RET;
        return true;
    case 0xfe: case 0xff: /* INC, DEC; JMP r/m64, CALL r64 */
        if (sub <= 1) {
            n->kind = NAT_INCDEC;
            n->op = (uint8_t)sub;
            n->rm_dst = true;
            return true;
        }
        n->kind = sub == 4 ? NAT_JMP_INDIRECT : NAT_CALL_INDIRECT;
        return op == 0xff && (sub == 4 || (sub == 2 && in->mod == 3));
    case 0x63: /* MOVSXD: sign-extends with REX.W, else a plain move */
        n->kind = NAT_MOVX;
        n->src_size = in->opsize == 2 ? 2 : 4;
        n->sx = in->opsize == 8;
        return true;
    default:
        if (op >= 0x50 && op <= 0x5f && in->opsize != 2) { /* PUSH r, POP r (8 bytes) */
            n->kind = op < 0x58 ? NAT_PUSH : NAT_POP;
            return true;
        }
        if (op >= 0xb0 && op <= 0xbf) {
            n->kind = NAT_MOV;
            n->imm = true;
            return true;
        }
        return false;
    }
}

/* RSI = the memory operand's linear address (insn_ea(); only its offset,
 * insn_offset(), for LEA).  Flags are kept unless an FS/GS base is added. */
static void emit_ea(struct tr *t, const struct insn *in, bool with_segment)
{
    struct emitter *e = &t->e;
    if (in->rip_rel) {
        em_lea(e, H_RSI, hm(R_BRIP, next_off(in) + (int32_t)in->disp));
    } else if (in->base != REG_NONE || in->index != REG_NONE) {
        if (in->base != REG_NONE)
            em_load_zx(e, 8, H_RSI, cpu_at(GPR_OFF(in->base)));
        else
            em_mov_imm(e, H_RSI, 0);
        if (in->index != REG_NONE) {
            em_load_zx(e, 8, H_RAX, cpu_at(GPR_OFF(in->index)));
            em_lea(e, H_RSI, (struct hmem){H_RSI, H_RAX, in->scale, (int32_t)in->disp});
        } else if (in->disp) {
            em_lea(e, H_RSI, hm(H_RSI, (int32_t)in->disp));
        }
    } else {
        em_mov_imm(e, H_RSI, (uint64_t)in->disp);
    }
    if (in->addrsize == 4)
        em_mov_rr(e, 4, H_RSI, H_RSI);
    if (with_segment && (in->seg == SEG_FS || in->seg == SEG_GS))
        em_mem(e, 8, OPC(0x03), H_RSI, cpu_at(CPU_OFF(seg) + (int32_t)(in->seg * sizeof(struct segment))));
}

/* The inline tlb_fast(): RDX = the host address of the `size` bytes at
 * RSI when they are in one page whose TLB entry permits each access
 * (a read, a write, or both for read-modify-write) at the current mode
 * and has host memory; the hits are counted as the handler's lookups
 * would count them.  Anything else jumps to `slow` with nothing
 * changed. */
static void emit_probe(struct tr *t, unsigned size, bool rd, bool wr, bool count, unsigned slow)
{
    struct emitter *e = &t->e;
    em_mov_rr(e, 4, H_R8, H_RSI);
    em_alu_ri(e, 4, HALU_AND, H_R8, 0xfff);                 /* the offset in the page */
    if (size > 1) {
        em_alu_ri(e, 4, HALU_CMP, H_R8, (int32_t)(0x1000 - size));
        em_jcc(e, CC_A, slow);
    }
    em_mov_rr(e, 8, H_RAX, H_RSI);
    em_shift_ri(e, 8, 5, H_RAX, 12);                  /* vpn */
    em_rr(e, 4, OPC(0x0f, 0xb6), H_RCX, H_RAX);      /* movzx ecx, al: the set */
    em_shift_ri(e, 4, 4, H_RCX, 7);
    em_lea(e, H_RDX, (struct hmem){R_MMU, H_RCX, 0, MMU_OFF(tlb)});
    unsigned found = em_label(e);
    for (unsigned way = 0; way < TLB_WAYS; way++) {
        em_cmp_mr64(e, hm(H_RDX, (int32_t)offsetof(struct tlb_entry, vpn)), H_RAX);
        if (way + 1 < TLB_WAYS) {
            em_jcc(e, CC_E, found);
            em_alu_ri(e, 8, HALU_ADD, H_RDX, (int32_t)sizeof(struct tlb_entry));
        } else {
            em_jcc(e, CC_NE, slow);
        }
    }
    em_place(e, found);
    /* The allow bits this access needs at the current mode (emit_mode). */
    const int32_t need = rd && wr ? FRAME_NEED_RW : rd ? FRAME_NEED_R : FRAME_NEED_W;
    em_load_zx(e, 4, H_RAX, hm(H_RSP, need));
    if (rd && wr) {
        em_mov_rr(e, 4, H_RCX, H_RAX);
        em_mem(e, 4, OPC(0x23), H_RAX, hm(H_RDX, (int32_t)offsetof(struct tlb_entry, allow))); /* and */
        em_alu_rr(e, 4, HALU_CMP, H_RAX, H_RCX);
        em_jcc(e, CC_NE, slow);
    } else {
        em_mem(e, 4, OPC(0x85), H_RAX, hm(H_RDX, (int32_t)offsetof(struct tlb_entry, allow))); /* test */
        em_jcc(e, CC_E, slow);
    }
    em_load_zx(e, 8, H_RDX, hm(H_RDX, (int32_t)offsetof(struct tlb_entry, host)));
    em_test_rr(e, 8, H_RDX, H_RDX);
    em_jcc(e, CC_E, slow);
    if (count)
        emit_count(t, 0, (unsigned)rd + (unsigned)wr);
    em_alu_rr(e, 8, HALU_ADD, H_RDX, H_R8);
}

static void emit_alu(struct tr *t, const struct insn *in, const struct nat *n, struct hmem rm)
{
    struct emitter *e = &t->e;
    const unsigned size = n->size;
    const struct hmem dst = n->rm_dst ? rm : guest_reg(in, n->dst_reg, size);
    em_load_zx(e, size, H_RAX, dst);
    if (n->imm)
        em_mov_imm(e, H_RCX, in->imm & size_mask(size));
    else
        em_load_zx(e, size, H_RCX, n->rm_dst ? guest_reg(in, in->reg, size) : rm);
    const bool record = !(t->dead[t->i] & DEAD_RECORD);
    if (!record) {
    } else if (n->op == NAT_TEST) { /* test_values(): the record keeps only the result */
        em_store_imm64(e, cpu_at(CPU_OFF(lf.dst)), 0);
        em_store_imm64(e, cpu_at(CPU_OFF(lf.src)), 0);
    } else {
        em_store(e, 8, H_RAX, cpu_at(CPU_OFF(lf.dst)));
        em_store(e, 8, H_RCX, cpu_at(CPU_OFF(lf.src)));
    }
    const bool writes = n->op != HALU_CMP && n->op != NAT_TEST;
    const unsigned host_op = n->op == NAT_TEST ? HALU_AND : n->op == HALU_CMP ? HALU_SUB : n->op;
    em_alu_rr(e, size, host_op, H_RAX, H_RCX);
    if (writes) {
        if (n->rm_dst && in->mod != 3)
            em_store(e, size, H_RAX, rm);
        else
            store_guest_reg(t, in, n->rm_dst ? in->rm : n->dst_reg, size, H_RAX);
    }
    unsigned lf_op = host_op == HALU_ADD ? LF_ADD : host_op == HALU_SUB ? LF_SUB : LF_LOGIC;
    if (record) {
        em_store(e, 8, H_RAX, cpu_at(CPU_OFF(lf.res)));
        em_store_imm16(e, cpu_at(CPU_OFF(lf.op)), (uint16_t)(lf_op | size << 8));
    }
    t->lfk = lf_op == LF_ADD ? LFK_ADD : lf_op == LF_SUB ? LFK_SUB : LFK_LOGIC;
    t->lfk_size = (uint8_t)size;
}

static void emit_mov(struct tr *t, const struct insn *in, const struct nat *n, struct hmem rm, bool mem)
{
    struct emitter *e = &t->e;
    const unsigned size = n->size;
    if (n->imm)
        em_mov_imm(e, H_RAX, in->imm & size_mask(size));
    else if (n->rm_dst)
        em_load_zx(e, size, H_RAX, guest_reg(in, in->reg, size));
    else
        em_load_zx(e, size, H_RAX, rm);
    if (n->rm_dst && mem)
        em_store(e, size, H_RAX, rm);
    else
        store_guest_reg(t, in, n->rm_dst ? in->rm : n->dst_reg, size, H_RAX);
}

/* flags_cond() for the translated code's Jcc when the host flags are not
 * the guest's and the record's kind is unknown. */
static uint64_t jit_cond(struct cpu *cpu, uint64_t cc)
{
    return flags_cond(cpu, (unsigned)cc);
}

/* Host flags from the record: the same host instruction on dst and src
 * at the record's size (SUB as CMP, ADD as ADD into a scratch register)
 * or TEST of the result for logic. */
static void emit_flags_from_record(struct tr *t)
{
    struct emitter *e = &t->e;
    const unsigned size = t->lfk_size;
    if (t->lfk == LFK_LOGIC) {
        em_load_zx(e, size, H_RAX, cpu_at(CPU_OFF(lf.res)));
        em_test_rr(e, size, H_RAX, H_RAX);
        return;
    }
    em_load_zx(e, size, H_RAX, cpu_at(CPU_OFF(lf.dst)));
    const uint8_t opc = (t->lfk == LFK_SUB ? 0x3a : 0x02) | (size == 1 ? 0 : 1); /* CMP/ADD r, r/m */
    em_mem(e, size, &opc, 1, H_RAX, cpu_at(CPU_OFF(lf.src)));
}

/* lf_set_zsp(): CF and OF (in ECX as RF_ bits) into RFLAGS with AF
 * cleared, and a record of the result in RAX that derives ZF SF PF. */
static void emit_zsp_record(struct tr *t, unsigned size)
{
    struct emitter *e = &t->e;
    if (!(t->dead[t->i] & DEAD_RFLAGS)) {
        em_load_zx(e, 8, H_R8, cpu_at(CPU_OFF(rflags)));
        em_alu_ri(e, 8, HALU_AND, H_R8, (int32_t)~(RF_CF | RF_OF | RF_AF));
        em_alu_rr(e, 8, HALU_OR, H_R8, H_RCX);
        em_store(e, 8, H_R8, cpu_at(CPU_OFF(rflags)));
    }
    if (!(t->dead[t->i] & DEAD_RECORD)) {
        em_store_imm64(e, cpu_at(CPU_OFF(lf.dst)), 0);
        em_store_imm64(e, cpu_at(CPU_OFF(lf.src)), 0);
        em_store(e, 8, H_RAX, cpu_at(CPU_OFF(lf.res)));
        em_store_imm16(e, cpu_at(CPU_OFF(lf.op)), (uint16_t)(LF_ZSP | size << 8));
    }
    t->lfk = LFK_UNKNOWN;
}

/* IMUL reg, r/m [, imm]: the truncated product; CF = OF = it did not fit
 * (exec_muldiv.c), which the host's IMUL sets the same way. */
static void emit_imul(struct tr *t, const struct insn *in, const struct nat *n, struct hmem rm)
{
    struct emitter *e = &t->e;
    const unsigned size = n->size;
    if (n->imm) {
        em_load_zx(e, size, H_RAX, rm);
        em_mov_imm(e, H_RCX, in->imm & size_mask(size));
    } else {
        em_load_zx(e, size, H_RAX, guest_reg(in, in->reg, size));
        em_load_zx(e, size, H_RCX, rm);
    }
    em_rr(e, size, OPC(0x0f, 0xaf), H_RAX, H_RCX);      /* imul rax, rcx */
    em_byte(e, 0x0f), em_byte(e, 0x90), em_byte(e, 0xc1); /* seto cl */
    em_rr(e, 4, OPC(0x0f, 0xb6), H_RCX, H_RCX);         /* movzx ecx, cl */
    em_rr(e, 4, OPC(0xf7), 3, H_RCX);                   /* neg ecx */
    em_alu_ri(e, 4, HALU_AND, H_RCX, (int32_t)(RF_CF | RF_OF));
    store_guest_reg(t, in, in->reg, size, H_RAX);
    emit_zsp_record(t, size);
}

/* SHL/SAL, SHR, SAR by a count 0 < count < width (exec_shift.c): CF is
 * the last bit out (the host's); OF as the interpreter defines it for any
 * count: SHL MSB(result) ^ CF, SHR MSB(operand), SAR 0. */
static void emit_shift(struct tr *t, const struct insn *in, const struct nat *n, struct hmem rm, bool mem)
{
    struct emitter *e = &t->e;
    const unsigned size = n->size, bits = size * 8;
    const unsigned ext = n->op == 6 ? 4 : n->op; /* SAL is SHL */
    em_load_zx(e, size, H_RAX, rm);
    em_mov_rr(e, 8, H_R9, H_RAX);
    em_shift_ri(e, size, ext, H_RAX, n->count);
    em_byte(e, 0x0f), em_byte(e, 0x92), em_byte(e, 0xc1); /* setc cl */
    em_rr(e, 4, OPC(0x0f, 0xb6), H_RCX, H_RCX);          /* movzx ecx, cl */
    if (ext != 7) {
        if (ext == 4)
            em_mov_rr(e, 8, H_R9, H_RAX);
        em_shift_ri(e, 8, 5, H_R9, (uint8_t)(bits - 1)); /* the sign bit */
        em_alu_ri(e, 4, HALU_AND, H_R9, 1);
        if (ext == 4)
            em_alu_rr(e, 4, HALU_XOR, H_R9, H_RCX);
        em_shift_ri(e, 4, 4, H_R9, 11);                  /* OF is RFLAGS bit 11 */
        em_alu_rr(e, 4, HALU_OR, H_RCX, H_R9);
    }
    if (mem)
        em_store(e, size, H_RAX, rm);
    else
        store_guest_reg(t, in, in->rm, size, H_RAX);
    emit_zsp_record(t, size);
}

/* INC/DEC (exec_alu.c, lf_set_incdec): CF is kept — the current CF,
 * already at [RSP] from emit_condition(), goes to RFLAGS and, by BT, to
 * the host's CF, so the host's INC/DEC leaves all six flags as the
 * guest's; the record is ADD/SUB of 1 without CF. */
static void emit_incdec(struct tr *t, const struct insn *in, const struct nat *n, struct hmem rm, bool mem)
{
    struct emitter *e = &t->e;
    const unsigned size = n->size;
    em_load_zx(e, 1, H_RCX, hm(H_RSP, FRAME_SCRATCH));
    em_load_zx(e, 8, H_R8, cpu_at(CPU_OFF(rflags)));
    em_alu_ri(e, 8, HALU_AND, H_R8, (int32_t)~RF_CF);
    em_alu_rr(e, 8, HALU_OR, H_R8, H_RCX);
    em_store(e, 8, H_R8, cpu_at(CPU_OFF(rflags)));
    em_load_zx(e, size, H_RAX, rm);
    em_store(e, 8, H_RAX, cpu_at(CPU_OFF(lf.dst)));
    em_rr(e, 4, OPC(0x0f, 0xba), 4, H_RCX);               /* bt ecx, 0: CF = the guest's */
    em_byte(e, 0);
    em_rr(e, size, OPC(size == 1 ? 0xfe : 0xff), n->op, H_RAX); /* inc/dec */
    if (mem)
        em_store(e, size, H_RAX, rm);
    else
        store_guest_reg(t, in, in->rm, size, H_RAX);
    em_store(e, 8, H_RAX, cpu_at(CPU_OFF(lf.res)));
    em_store_imm64(e, cpu_at(CPU_OFF(lf.src)), 1);
    em_store_imm16(e, cpu_at(CPU_OFF(lf.op)), (uint16_t)((n->op ? LF_DEC : LF_INC) | size << 8));
    t->lfk = LFK_UNKNOWN;
}

/* MOVDQU xmm, [m] (F3 0F 6F) / MOVDQU [m], xmm (F3 0F 7F): the host's
 * XMM0 or XMM1 from or to 16 bytes anywhere. */
static void em_movdqu(struct emitter *e, bool store, unsigned x, struct hmem m)
{
    em_byte(e, 0xf3);
    em_mem(e, 4, OPC(0x0f, store ? 0x7f : 0x6f), x, m);
}

static struct hmem guest_xmm(unsigned r)
{
    return cpu_at(CPU_OFF(xmm) + (int32_t)(r * sizeof(union xmm)));
}

/* An SSE instruction (classify_sse): the checks the handler makes first —
 * CR0.EM and CR0.TS (sse_check_usable), then a memory operand's alignment
 * and the TLB probe — go to `slow`, the handler, which raises them. */
static void emit_sse(struct tr *t, const struct insn *in, const struct nat *n, bool mem, unsigned slow)
{
    struct emitter *e = &t->e;
    const struct hmem src = mem ? hm(H_RDX, 0) : guest_xmm(in->rm);
    switch (n->op) {
    case SSE_BINARY:
        em_movdqu(e, false, 0, guest_xmm(in->reg));
        em_movdqu(e, false, 1, src);
        em_byte(e, 0x66), em_byte(e, 0x0f), em_byte(e, in->op), em_byte(e, 0xc1); /* op xmm0, xmm1 */
        em_movdqu(e, true, 0, guest_xmm(in->reg));
        break;
    case SSE_LOAD:
        em_movdqu(e, false, 0, src);
        em_movdqu(e, true, 0, guest_xmm(in->reg));
        break;
    case SSE_STORE:
        em_movdqu(e, false, 0, guest_xmm(in->reg));
        em_movdqu(e, true, 0, mem ? hm(H_RDX, 0) : guest_xmm(in->rm));
        break;
    default: /* SSE_MOVMSK: the 32-bit result zero-extended, as the handler stores it */
        em_movdqu(e, false, 0, src);
        em_byte(e, 0x66), em_byte(e, 0x0f), em_byte(e, 0xd7), em_byte(e, 0xc0); /* pmovmskb eax, xmm0 */
        em_store(e, 8, H_RAX, cpu_at(GPR_OFF(in->reg)));
        break;
    }
    (void)slow;
}

/* Host flags for condition cc: returns the host condition to test. */
static unsigned emit_condition(struct tr *t, unsigned cc)
{
    struct emitter *e = &t->e;
    if (t->flags_live)
        return cc;
    if (t->lfk != LFK_UNKNOWN) {
        emit_flags_from_record(t);
        t->flags_live = true;
        return cc;
    }
    emit_cpu_arg(t);
    em_mov_imm(e, H_RSI, cc);
    em_call(e, (const void *)jit_cond);
    em_test_rr(e, 4, H_RAX, H_RAX);
    t->flags_live = false;
    return CC_NE;
}

/* #GP(0) unless RAX is canonical (branch_to(), exec_integer.h): to
 * `slow`, where the handler raises it. */
static void emit_canonical_check(struct tr *t, unsigned slow)
{
    struct emitter *e = &t->e;
    em_mov_rr(e, 8, H_RCX, H_RAX);
    em_shift_ri(e, 8, 4, H_RCX, 16);
    em_shift_ri(e, 8, 7, H_RCX, 16);
    em_alu_rr(e, 8, HALU_CMP, H_RCX, H_RAX);
    em_jcc(e, CC_NE, slow);
}

/* RSI = RSP - 8 and RDX = where an 8-byte push writes (cpu_push()). */
static void emit_push_probe(struct tr *t, unsigned slow)
{
    em_load_zx(&t->e, 8, H_RSI, cpu_at(GPR_OFF(RSP)));
    em_lea(&t->e, H_RSI, hm(H_RSI, -8));
    emit_probe(t, 8, false, true, true, slow);
}

/* The stack and branch instructions: PUSH/POP r, CALL, RET, JMP r/m; a
 * branch leaves the block (a computed target through
 * run_chain_target()).  Their handler is the slow path. */
static void emit_stack_branch(struct tr *t, const struct insn *in, const struct nat *n)
{
    struct emitter *e = &t->e;
    const unsigned slow = em_label(e), resume = em_label(e);
    const struct hmem rsp = cpu_at(GPR_OFF(RSP));
    switch (n->kind) {
    case NAT_PUSH:
        emit_push_probe(t, slow);
        em_load_zx(e, 8, H_RAX, cpu_at(GPR_OFF(in->reg)));
        em_store(e, 8, H_RAX, hm(H_RDX, 0));
        em_store(e, 8, H_RSI, rsp);
        break;
    case NAT_POP: /* POP RSP: the value read, not the increment */
        em_load_zx(e, 8, H_RSI, rsp);
        emit_probe(t, 8, true, false, true, slow);
        em_load_zx(e, 8, H_RAX, hm(H_RDX, 0));
        em_lea(e, H_RCX, hm(H_RSI, 8));
        em_store(e, 8, H_RCX, rsp);
        em_store(e, 8, H_RAX, cpu_at(GPR_OFF(in->reg)));
        break;
    case NAT_CALL: { /* canonical target, then the push (call_to()) */
        const int32_t target = next_off(in) + (int32_t)in->imm;
        em_lea(e, H_RAX, hm(R_BRIP, target));
        emit_canonical_check(t, slow);
        emit_push_probe(t, slow);
        em_lea(e, H_RCX, hm(R_BRIP, next_off(in)));
        em_store(e, 8, H_RCX, hm(H_RDX, 0));
        em_store(e, 8, H_RSI, rsp);
        emit_exit(t, target, 0);
        break;
    }
    case NAT_CALL_INDIRECT:
        em_load_zx(e, 8, H_RAX, cpu_at(GPR_OFF(in->rm)));
        emit_canonical_check(t, slow);
        em_store(e, 8, H_RAX, hm(H_RSP, FRAME_SCRATCH));
        emit_push_probe(t, slow);
        em_lea(e, H_RCX, hm(R_BRIP, next_off(in)));
        em_store(e, 8, H_RCX, hm(H_RDX, 0));
        em_store(e, 8, H_RSI, rsp);
        emit_count(t, 1, 0);
        em_load_zx(e, 8, H_RAX, hm(H_RSP, FRAME_SCRATCH));
        emit_exit_computed(t);
        break;
    case NAT_RET: /* the read, then the canonical check, then RSP */
        em_load_zx(e, 8, H_RSI, rsp);
        emit_probe(t, 8, true, false, false, slow);
        em_load_zx(e, 8, H_RAX, hm(H_RDX, 0));
        emit_canonical_check(t, slow);
        emit_count(t, 1, 1);
        em_lea(e, H_RCX, hm(H_RSI, 8));
        em_store(e, 8, H_RCX, rsp);
        emit_exit_computed(t);
        break;
    case NAT_JMP_FAR: { /* to another page: canonical (branch_to()), then the exit */
        const int32_t target = next_off(in) + (int32_t)in->imm;
        em_lea(e, H_RAX, hm(R_BRIP, target));
        emit_canonical_check(t, slow);
        emit_exit(t, target, 0);
        break;
    }
    case NAT_JCC_FAR: { /* not taken: on in the block; taken: as JMP */
        const int32_t target = next_off(in) + (int32_t)in->imm;
        const unsigned cc = emit_condition(t, in->op & 15u), taken = em_label(e);
        em_jcc(e, cc, taken);
        to_cold(t);
        em_place(e, taken);
        em_lea(e, H_RAX, hm(R_BRIP, target));
        emit_canonical_check(t, slow);
        emit_exit(t, target, 0);
        to_hot(t);
        break;
    }
    default: /* NAT_JMP_INDIRECT */
        if (in->mod == 3) {
            em_load_zx(e, 8, H_RAX, cpu_at(GPR_OFF(in->rm)));
            emit_canonical_check(t, slow);
            emit_count(t, 1, 0);
        } else {
            emit_ea(t, in, true);
            emit_probe(t, 8, true, false, false, slow);
            em_load_zx(e, 8, H_RAX, hm(H_RDX, 0));
            emit_canonical_check(t, slow);
            emit_count(t, 1, 1);
        }
        emit_exit_computed(t);
        break;
    }
    em_place(e, resume);
    to_cold(t);
    em_place(e, slow);
    emit_call_for_kind(t, in, true);
    em_jmp(e, resume);
    to_hot(t);
    t->flags_live = false;
}

/* The instruction as host code, with its handler as the slow path of a
 * memory operand.  False: not one the translator does. */
static bool emit_native(struct tr *t, const struct insn *in)
{
    struct emitter *e = &t->e;
    struct nat n;
    if (!classify(in, &n))
        return false;
    const bool mem = in->has_modrm && in->mod != 3 && n.kind != NAT_LEA;
    if (in->rip_rel && !fits_s32((int64_t)next_off(in) + in->disp))
        return false;
    int64_t jmp_target = 0;
    if (n.kind == NAT_JMP) { /* within the page no canonical check can fail; else emit_stack_branch's */
        jmp_target = (int64_t)next_off(in) + (int64_t)in->imm;
        const int64_t page_off = (int64_t)(t->b->pa & 0xfff) + jmp_target;
        if (page_off < 0 || page_off >= 0x1000)
            n.kind = NAT_JMP_FAR;
    }
    if (in->engine == 0 && in->since_sync) {
        emit_sync(t, in);
        t->flags_live = false;
    }
    switch (n.kind) {
    case NAT_JMP:
        emit_exit(t, jmp_target, 0);
        return true;
    case NAT_PUSH: case NAT_POP: case NAT_CALL: case NAT_RET: case NAT_JMP_INDIRECT: case NAT_CALL_INDIRECT:
    case NAT_JMP_FAR: case NAT_JCC_FAR:
        emit_stack_branch(t, in, &n);
        return true;
    case NAT_LEA:
        emit_ea(t, in, false);
        store_guest_reg(t, in, in->reg, n.size, H_RSI);
        return true;
    case NAT_CMOV: case NAT_SETCC: case NAT_INCDEC: { /* the condition (INC/DEC: CF) first, to the frame's spare byte */
        unsigned cc = emit_condition(t, n.kind == NAT_INCDEC ? CC_B : in->op & 15u);
        em_mem(e, 4, OPC(0x0f, (uint8_t)(0x90 + cc)), 0, hm(H_RSP, FRAME_SCRATCH));
        break;
    }
    default:
        break;
    }
    unsigned slow = 0;
    struct hmem rm = guest_reg(in, in->rm, n.kind == NAT_MOVX ? n.src_size : n.size);
    if (n.kind == NAT_SSE) { /* sse_check_usable(): #UD with CR0.EM, #NM with CR0.TS */
        slow = em_label(e);
        em_mem(e, 8, OPC(0xf7), 0, cpu_at(CPU_OFF(cr0)));     /* test qword [cr0], imm32 */
        em_u32(e, (uint32_t)(CR0_EM | CR0_TS));
        em_jcc(e, CC_NE, slow);
    }
    if (mem && n.kind == NAT_SSE) {
        emit_ea(t, in, true);
        if (n.aligned) { /* sse_ea(): #GP(0) unless 16-byte aligned */
            em_rr(e, 4, OPC(0xf7), 0, H_RSI);               /* test esi, 15 */
            em_u32(e, 15);
            em_jcc(e, CC_NE, slow);
        }
        emit_probe(t, 16, n.op != SSE_STORE, n.op == SSE_STORE, true, slow);
    } else if (mem) {
        const bool store_only = (n.kind == NAT_MOV && n.rm_dst) || n.kind == NAT_SETCC;
        const bool rmw = (n.kind == NAT_ALU && n.rm_dst && n.op != HALU_CMP && n.op != NAT_TEST) ||
                         n.kind == NAT_SHIFT || n.kind == NAT_INCDEC;
        slow = em_label(e);
        emit_ea(t, in, true);
        emit_probe(t, n.kind == NAT_MOVX ? n.src_size : n.size, !store_only, store_only || rmw, true, slow);
        rm = hm(H_RDX, 0);
    }
    switch (n.kind) {
    case NAT_ALU:
        emit_alu(t, in, &n, rm);
        break;
    case NAT_MOV:
        emit_mov(t, in, &n, rm, mem);
        break;
    case NAT_IMUL:
        emit_imul(t, in, &n, rm);
        break;
    case NAT_SHIFT:
        emit_shift(t, in, &n, rm, mem);
        break;
    case NAT_CMOV:
        em_load_zx(e, n.size, H_RAX, guest_reg(in, in->reg, n.size));
        em_load_zx(e, n.size, H_RCX, rm);
        em_mem(e, 4, OPC(0x80), 7, hm(H_RSP, FRAME_SCRATCH));           /* cmp byte [rsp], 0 */
        em_byte(e, 0);
        em_rr(e, 8, OPC(0x0f, 0x45), H_RAX, H_RCX);          /* cmovne rax, rcx */
        store_guest_reg(t, in, in->reg, n.size, H_RAX);
        break;
    case NAT_INCDEC:
        emit_incdec(t, in, &n, rm, mem);
        break;
    case NAT_SSE:
        emit_sse(t, in, &n, mem, slow);
        break;
    case NAT_SETCC:
        em_load_zx(e, 1, H_RAX, hm(H_RSP, FRAME_SCRATCH));
        if (mem)
            em_store(e, 1, H_RAX, rm);
        else
            store_guest_reg(t, in, in->rm, 1, H_RAX);
        break;
    default: /* NAT_MOVX */
        if (n.sx)
            em_load_sx(e, n.src_size, H_RAX, rm);
        else
            em_load_zx(e, n.src_size, H_RAX, rm);
        store_guest_reg(t, in, in->reg, n.size, H_RAX);
        break;
    }
    if (mem || n.kind == NAT_SSE) {
        unsigned resume = em_label(e);
        em_place(e, resume);
        to_cold(t);
        em_place(e, slow);
        emit_call_for_kind(t, in, true);
        em_jmp(e, resume);
        to_hot(t);
    }
    if (n.kind == NAT_SSE) { /* the CR0 test left no flags; SSE2 integer ops write none */
        t->flags_live = false;
        return true;
    }
    /* A memory operand's probe (and its slow path) leaves no flags; the
     * moves keep the host's. */
    const bool moves = n.kind == NAT_MOV || n.kind == NAT_MOVX;
    t->flags_live = !mem && (n.kind == NAT_ALU || n.kind == NAT_INCDEC || (moves && t->flags_live));
    return true;
}

static void emit_jcc(struct tr *t, const struct insn *in)
{
    struct emitter *e = &t->e;
    const int64_t target = (int64_t)next_off(in) + (int64_t)in->imm;
    if (target == next_off(in))
        return; /* taken or not, the next instruction */
    const unsigned cc = emit_condition(t, in->op & 15);
    unsigned taken = em_label(e);
    em_jcc(e, cc, taken);
    to_cold(t);
    em_place(e, taken);
    emit_exit(t, target, in->exit_behind);
    to_hot(t);
}

static void emit_prologue(struct tr *t)
{
    struct emitter *e = &t->e;
    static const uint8_t saved[] = {H_RBX, H_RBP, H_R12, H_R13, H_R14, H_R15};
    for (unsigned i = 0; i < sizeof saved; i++)
        em_push(e, saved[i]);
    _Static_assert((6 * 8 + 8 + FRAME_BYTES) % 16 == 0, "RSP stays 16-aligned for calls");
    em_alu_ri(e, 8, HALU_SUB, H_RSP, FRAME_BYTES);
    em_lea(e, R_CPU, hm(H_RDI, CPU_BIAS));
    em_mov_rr(e, 8, R_BRIP, H_RSI);
    em_mov_rr(e, 8, R_WORD, H_RDX);
    em_mov_rr(e, 8, R_LIMIT, H_RCX);
    em_load_zx(e, 8, R_MMU, cpu_at(CPU_OFF(mmu)));
    emit_mode(t);
    em_place(e, t->chain); /* from another translation: every register above is set */
    em_store(e, 8, R_BRIP, cpu_at(CPU_OFF(block_rip)));
    em_place(e, t->body);
    to_cold(t);
    em_place(e, t->epilogue);
    em_alu_ri(e, 8, HALU_ADD, H_RSP, FRAME_BYTES);
    for (unsigned i = sizeof saved; i-- > 0;)
        em_pop(e, saved[i]);
    em_byte(e, 0xc3);
    to_hot(t);
}

struct jit *jit_new(void)
{
    struct jit *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->scratch = malloc(2 * JIT_STREAM_BYTES);
    if (!j->scratch || !jit_memory_map(&j->code, JIT_CODE_BYTES)) {
        free(j->scratch);
        free(j);
        return NULL;
    }
    return j;
}

void jit_free(struct jit *j)
{
    if (!j)
        return;
    jit_memory_unmap(&j->code);
    free(j->scratch);
    free(j);
}

void jit_reset(struct jit *j)
{
    j->code.used = 0;
    j->full = false;
}

/* How an instruction touches the flags record, as translated. */
enum { FLAGS_BARRIER, FLAGS_UNTOUCHED, FLAGS_WRITES, FLAGS_WRITES_ZSP };
static int flags_role(const struct insn *in)
{
    struct nat n;
    if (in->engine == BLOCK_INSN_NEAR_JCC || !classify(in, &n))
        return FLAGS_BARRIER; /* reads flags, or a handler that may (or may fault: a delivery reads RFLAGS) */
    if (in->has_modrm && in->mod != 3 && n.kind != NAT_LEA)
        return FLAGS_BARRIER; /* its slow path is the handler */
    switch (n.kind) {
    case NAT_ALU: return FLAGS_WRITES;
    case NAT_IMUL: case NAT_SHIFT: return FLAGS_WRITES_ZSP;
    case NAT_MOV: case NAT_MOVX: case NAT_LEA: return FLAGS_UNTOUCHED;
    default: return FLAGS_BARRIER;
    }
}

/* t->dead[]: a native register-only instruction's flags that the next
 * instruction to touch them overwrites before anything can see them —
 * the whole record, when that one writes a record; and the CF/OF/AF a
 * shift or multiply puts in RFLAGS, when that one is a shift or
 * multiply too.  Nothing is dead across an exit. */
static void find_dead_flags(struct tr *t)
{
    const struct block *b = t->b;
    for (uint32_t i = 0; i < b->n; i++) {
        t->dead[i] = 0;
        const int role = flags_role(&b->insn[i]);
        if (role != FLAGS_WRITES && role != FLAGS_WRITES_ZSP)
            continue;
        for (uint32_t j = i; !b->insn[j].block_last && ++j < b->n;) {
            const int next = flags_role(&b->insn[j]);
            if (next == FLAGS_UNTOUCHED)
                continue;
            if (next == FLAGS_WRITES || next == FLAGS_WRITES_ZSP)
                t->dead[i] = (uint8_t)(DEAD_RECORD | (role == FLAGS_WRITES_ZSP && next == FLAGS_WRITES_ZSP ? DEAD_RFLAGS : 0));
            break;
        }
    }
}

jit_fn jit_translate(struct jit *j, struct block_cache *bc, const struct block *b)
{
    struct tr t = {.bc = bc, .b = b};
    struct emitter *e = &t.e;
    e->buf[EM_HOT] = j->scratch;
    e->buf[EM_COLD] = j->scratch + JIT_STREAM_BYTES;
    e->cap[EM_HOT] = e->cap[EM_COLD] = JIT_STREAM_BYTES;
    t.epilogue = em_label(e);
    t.body = em_label(e);
    t.chain = em_label(e);
    emit_prologue(&t);
    t.chain_offset = (uint32_t)e->label[t.chain].at;
    if (j->chain_offset && j->chain_offset != t.chain_offset) {
        j->failed++; /* the prologue's length is fixed: never */
        return NULL;
    }
    find_dead_flags(&t);
    for (uint32_t i = 0; i < b->n; i++) {
        const struct insn *in = &b->insn[i];
        t.i = i;
        if (in->engine == BLOCK_INSN_NEAR_JCC) {
            emit_jcc(&t, in);
        } else if (!emit_native(&t, in)) {
            emit_call_for_kind(&t, in, false);
            t.flags_live = false;
            t.lfk = LFK_UNKNOWN;
        }
        if (in->block_last)
            emit_exit(&t, next_off(in), in->exit_behind);
    }
    if (e->overflow) {
        j->failed++;
        return NULL;
    }
    /* Lay out hot then cold, 16-byte aligned, and resolve the jumps. */
    size_t start = (j->code.used + 15) & ~(size_t)15;
    size_t total = (size_t)e->len[EM_HOT] + e->len[EM_COLD];
    if (start + total > j->code.size) {
        j->full = true;
        return NULL;
    }
    uint8_t *dst = j->code.rw + start;
    memcpy(dst, e->buf[EM_HOT], e->len[EM_HOT]);
    memcpy(dst + e->len[EM_HOT], e->buf[EM_COLD], e->len[EM_COLD]);
    const uint32_t base[EM_STREAMS] = {0, e->len[EM_HOT]};
    for (unsigned f = 0; f < e->nfixups; f++) {
        unsigned l = e->fixup[f].label;
        if (e->label[l].at < 0) {
            j->failed++;
            return NULL;
        }
        int64_t site = (int64_t)base[e->fixup[f].stream] + e->fixup[f].at;
        int64_t target = (int64_t)base[e->label[l].stream] + e->label[l].at;
        int32_t rel = (int32_t)(target - (site + 4));
        memcpy(dst + site, &rel, 4);
    }
    j->code.used = start + total;
    j->translated++;
    jit_fn fn;
    const void *code = j->code.rx + start;
    memcpy(&fn, &code, sizeof fn);
    j->chain_offset = t.chain_offset;
    return fn;
}
