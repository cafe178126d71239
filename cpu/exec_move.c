/* exec_move.c — data movement without arithmetic: MOV (88-8B, A0-A3 moffs,
 * B0-BF, C6/C7), MOVZX/MOVSX (0F B6 B7 BE BF), MOVSXD (63), LEA (8D),
 * XCHG (86 87 90-97), NOP/PAUSE and the hint NOPs (0F 19-1F), CBW/CWDE/CDQE
 * and CWD/CDQ/CQO (98 99), LAHF/SAHF (9E 9F) and the flag instructions
 * CLC STC CMC CLD STD (F8 F9 F5 FC FD).  SDM Vol. 2 under each mnemonic. */
#include "exec_integer.h"

/* 88/89: MOV r/m, reg.  8A/8B: MOV reg, r/m. */
static inline __attribute__((always_inline)) void
mov_rm_reg(struct cpu *cpu, const struct insn *in, unsigned size, enum operand_form form)
{
    no_lock_form(cpu, in, form);
    rm_write_form(cpu, in, size, form, reg_read(cpu, in, in->reg, size));
}

void exec_mov_rm_reg(struct cpu *cpu, const struct insn *in)
{
    mov_rm_reg(cpu, in, in->opsize, OPERAND_ANY);
}

static inline __attribute__((always_inline)) void
mov_reg_rm(struct cpu *cpu, const struct insn *in, unsigned size, enum operand_form form)
{
    no_lock_form(cpu, in, form);
    reg_write(cpu, in, in->reg, size, rm_read_form(cpu, in, size, form));
}

void exec_mov_reg_rm(struct cpu *cpu, const struct insn *in)
{
    mov_reg_rm(cpu, in, in->opsize, OPERAND_ANY);
}

/* A0/A1: MOV AL/rAX, moffs.  A2/A3: MOV moffs, AL/rAX.  The decoder puts
 * the absolute offset in disp with no base, so insn_ea() applies. */
void exec_mov_acc_moffs(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    reg_write(cpu, in, RAX, in->opsize, mem_read(cpu, insn_ea(cpu, in), in->opsize));
}

void exec_mov_moffs_acc(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    mem_write(cpu, insn_ea(cpu, in), in->opsize, reg_read(cpu, in, RAX, in->opsize));
}

/* B0-B7: MOV r8, imm8.  B8-BF: MOV r, imm16/32/64. */
static inline __attribute__((always_inline)) void
mov_reg_imm(struct cpu *cpu, const struct insn *in, unsigned size)
{
    no_lock(cpu, in);
    reg_write(cpu, in, in->reg, size, in->imm);
}

void exec_mov_reg_imm(struct cpu *cpu, const struct insn *in)
{
    mov_reg_imm(cpu, in, in->opsize);
}

static void exec_mov_reg_imm_4(struct cpu *cpu, const struct insn *in) { mov_reg_imm(cpu, in, 4); }
static void exec_mov_reg_imm_8(struct cpu *cpu, const struct insn *in) { mov_reg_imm(cpu, in, 8); }

/* C6/C7 /0: MOV r/m, imm (Iz sign-extended for 64-bit). Other /reg: #UD. */
static inline __attribute__((always_inline)) void
mov_rm_imm(struct cpu *cpu, const struct insn *in, unsigned size, enum operand_form form)
{
    no_lock_form(cpu, in, form);
    if ((in->reg & 7) != 0)
        cpu_fault(cpu, EXC_UD, 0);
    rm_write_form(cpu, in, size, form, in->imm);
}

void exec_mov_rm_imm(struct cpu *cpu, const struct insn *in)
{
    mov_rm_imm(cpu, in, in->opsize, OPERAND_ANY);
}

/* 0F B6/B7 MOVZX, 0F BE/BF MOVSX: source is a byte (B6 BE) or word. */
static inline __attribute__((always_inline)) void
movzx(struct cpu *cpu, const struct insn *in, unsigned src_size, unsigned size, enum operand_form form)
{
    no_lock_form(cpu, in, form);
    reg_write(cpu, in, in->reg, size, rm_read_form(cpu, in, src_size, form));
}

void exec_movzx(struct cpu *cpu, const struct insn *in)
{
    movzx(cpu, in, (in->op & 1) ? 2 : 1, in->opsize, OPERAND_ANY);
}

static inline __attribute__((always_inline)) void
movsx(struct cpu *cpu, const struct insn *in, unsigned src_size, unsigned size, enum operand_form form)
{
    no_lock_form(cpu, in, form);
    reg_write(cpu, in, in->reg, size, (uint64_t)sext(rm_read_form(cpu, in, src_size, form), src_size));
}

void exec_movsx(struct cpu *cpu, const struct insn *in)
{
    movsx(cpu, in, (in->op & 1) ? 2 : 1, in->opsize, OPERAND_ANY);
}

/* 63: MOVSXD reg, r/m32 — with REX.W sign-extends; without, it is a plain
 * 32-bit (or 16-bit with 66) move. */
static inline __attribute__((always_inline)) void
movsxd(struct cpu *cpu, const struct insn *in, unsigned size, enum operand_form form)
{
    no_lock_form(cpu, in, form);
    unsigned src_size = size == 2 ? 2 : 4;
    uint64_t v = rm_read_form(cpu, in, src_size, form);
    reg_write(cpu, in, in->reg, size, size == 8 ? (uint64_t)sext(v, 4) : v);
}

void exec_movsxd(struct cpu *cpu, const struct insn *in)
{
    movsxd(cpu, in, in->opsize, OPERAND_ANY);
}

/* 8D: LEA — the effective address (no segment base), truncated to the
 * address size and then to the operand size.  A register operand is #UD. */
static inline __attribute__((always_inline)) void
lea(struct cpu *cpu, const struct insn *in, unsigned size, enum operand_form form)
{
    no_lock_form(cpu, in, form);
    if (rm_is_reg(in, form))
        cpu_fault(cpu, EXC_UD, 0);
    /* the base+disp and base+index forms have no segment override */
    uint64_t ea = (form == OPERAND_MEM_BASE || form == OPERAND_MEM_INDEX)
                      ? insn_ea_form(cpu, in, form) : insn_offset(cpu, in);
    reg_write(cpu, in, in->reg, size, ea);
}

void exec_lea(struct cpu *cpu, const struct insn *in)
{
    lea(cpu, in, in->opsize, OPERAND_ANY);
}

/* 86/87: XCHG r/m, reg (with a memory operand it is locked implicitly; an
 * explicit LOCK is allowed there). */
void exec_xchg_rm(struct cpu *cpu, const struct insn *in)
{
    lock_needs_memory(cpu, in);
    unsigned size = in->opsize;
    uint64_t r = reg_read(cpu, in, in->reg, size);
    if (in->mod == 3) {
        uint64_t v = reg_read(cpu, in, in->rm, size);
        reg_write(cpu, in, in->rm, size, r);
        reg_write(cpu, in, in->reg, size, v);
    } else {
        uint64_t ea = insn_ea(cpu, in);
        uint64_t v = mem_read(cpu, ea, size);
        mem_write(cpu, ea, size, r);
        reg_write(cpu, in, in->reg, size, v);
    }
}

/* 90-97: XCHG rAX, r.  90 without REX.B is NOP (even with REX.W: no
 * zero-extension of EAX), F3 90 is PAUSE (a hint, also a NOP here). */
void exec_xchg_acc(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    if (in->reg == RAX)
        return;
    unsigned size = in->opsize;
    uint64_t a = reg_read(cpu, in, RAX, size);
    reg_write(cpu, in, RAX, size, reg_read(cpu, in, in->reg, size));
    reg_write(cpu, in, in->reg, size, a);
}

/* 0F 19-0F 1F: hint NOPs (0F 1F /0 is the multi-byte NOP; F3 0F 1E FA is
 * ENDBR64, a NOP without CET).  The memory operand is not accessed. */
void exec_hint_nop(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
}

/* 98: CBW/CWDE/CDQE — sign-extend the lower half of the accumulator. */
void exec_cbw(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    unsigned size = in->opsize;
    reg_write(cpu, in, RAX, size, (uint64_t)sext(cpu->gpr[RAX], size / 2));
}

/* 99: CWD/CDQ/CQO — fill rDX with the sign of rAX. */
void exec_cwd(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    unsigned size = in->opsize;
    reg_write(cpu, in, RDX, size, lf_sign(cpu->gpr[RAX], size) ? ~0ull : 0);
}

/* D7: XLATB — AL = the byte at RBX + AL (unsigned), EBX + AL with a 67
 * prefix; an FS/GS override applies (SDM XLAT/XLATB). */
void exec_xlat(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    uint64_t ea = cpu->gpr[RBX] + (cpu->gpr[RAX] & 0xff);
    if (in->addrsize == 4)
        ea = (uint32_t)ea;
    if (in->seg == SEG_FS || in->seg == SEG_GS)
        ea += cpu->seg[in->seg].base;
    reg_write(cpu, in, RAX, 1, mem_read(cpu, ea, 1));
}

/* 9F: LAHF — AH = SF:ZF:0:AF:0:PF:1:CF.  9E: SAHF — load those five flags
 * from AH. */
void exec_lahf(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    uint8_t ah = (uint8_t)(cpu_rflags(cpu) & (RF_SF | RF_ZF | RF_AF | RF_PF | RF_CF | RF_FIXED1));
    cpu->gpr[RAX] = (cpu->gpr[RAX] & ~0xff00ull) | (uint64_t)ah << 8;
}

void exec_sahf(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    uint64_t mask = RF_SF | RF_ZF | RF_AF | RF_PF | RF_CF;
    flags_update(cpu, mask, (cpu->gpr[RAX] >> 8) & mask);
}

/* F5 CMC, F8 CLC, F9 STC; FC CLD, FD STD. */
void exec_cmc(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    flags_update(cpu, RF_CF, flag_cf(cpu) ? 0 : RF_CF);
}

void exec_clc_stc(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    flags_update(cpu, RF_CF, (in->op & 1) ? RF_CF : 0);
}

void exec_cld_std(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    cpu->rflags = (cpu->rflags & ~RF_DF) | ((in->op & 1) ? RF_DF : 0);
}

SIZE_EA_VARIANTS(mov_rm_reg, mov_rm_reg)
SIZE_EA_VARIANTS(mov_reg_rm, mov_reg_rm)
SIZE_EA_VARIANTS(mov_rm_imm, mov_rm_imm)
SIZE_EA_VARIANTS(movzx_byte, movzx, 1,)
SIZE_EA_VARIANTS(movzx_word, movzx, 2,)
SIZE_EA_VARIANTS(movsx_byte, movsx, 1,)
SIZE_EA_VARIANTS(movsx_word, movsx, 2,)
SIZE_EA_VARIANTS(movsxd, movsxd)
SIZE_EA_VARIANTS(lea, lea)

exec_fn exec_mov_reg_imm_variant(const struct insn *in)
{
    if (in->lock)
        return NULL;
    return in->opsize == 4 ? exec_mov_reg_imm_4 : in->opsize == 8 ? exec_mov_reg_imm_8 : NULL;
}

/* The (size, address shape) variant index of an instruction without LOCK,
 * or -1. */
static int unlocked_size_ea_index(const struct insn *in)
{
    return in->lock ? -1 : size_ea_index(in);
}

exec_fn exec_mov_rm_reg_variant(const struct insn *in)
{
    int v = unlocked_size_ea_index(in);
    return v < 0 ? NULL : mov_rm_reg_variants[v];
}

exec_fn exec_mov_reg_rm_variant(const struct insn *in)
{
    int v = unlocked_size_ea_index(in);
    return v < 0 ? NULL : mov_reg_rm_variants[v];
}

exec_fn exec_mov_rm_imm_variant(const struct insn *in)
{
    int v = unlocked_size_ea_index(in);
    return v < 0 ? NULL : mov_rm_imm_variants[v];
}

exec_fn exec_movzx_variant(const struct insn *in)
{
    int v = unlocked_size_ea_index(in);
    if (v < 0)
        return NULL;
    return (in->op & 1) ? movzx_word_variants[v] : movzx_byte_variants[v];
}

exec_fn exec_movsx_variant(const struct insn *in)
{
    int v = unlocked_size_ea_index(in);
    if (v < 0)
        return NULL;
    return (in->op & 1) ? movsx_word_variants[v] : movsx_byte_variants[v];
}

exec_fn exec_movsxd_variant(const struct insn *in)
{
    int v = unlocked_size_ea_index(in);
    return v < 0 ? NULL : movsxd_variants[v];
}

exec_fn exec_lea_variant(const struct insn *in)
{
    int v = unlocked_size_ea_index(in);
    return v < 0 ? NULL : lea_variants[v];
}
