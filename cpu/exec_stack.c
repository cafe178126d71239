/* exec_stack.c — instructions that use the stack: PUSH/POP (50-5F, 68, 6A,
 * 8F, FF /6), PUSHF/POPF (9C 9D), CALL near (E8, FF /2), RET near (C3, C2
 * imm16), ENTER (C8) and LEAVE (C9).  SDM Vol. 2 under each mnemonic.
 *
 * In 64-bit mode the stack address size is 64 bits; pushes and pops are 8
 * bytes, or 2 with a 66 prefix.  RSP changes only once every access of the
 * instruction has succeeded (a fault leaves it unchanged). */
#include "exec_integer.h"

/* 50-57: PUSH r (+REX.B).  PUSH RSP pushes the value before the push. */
static inline __attribute__((always_inline)) void
push_reg(struct cpu *cpu, const struct insn *in, unsigned size)
{
    no_lock(cpu, in);
    cpu_push(cpu, size, cpu->gpr[in->reg] & size_mask(size));
}

void exec_push_reg(struct cpu *cpu, const struct insn *in) { push_reg(cpu, in, stack_opsize(in)); }
static void exec_push_reg_8(struct cpu *cpu, const struct insn *in) { push_reg(cpu, in, 8); }

/* 58-5F: POP r.  POP RSP loads RSP with the value read (the increment is
 * overwritten); a 16-bit pop merges into the low word. */
static inline __attribute__((always_inline)) void
pop_reg(struct cpu *cpu, const struct insn *in, unsigned size)
{
    no_lock(cpu, in);
    uint64_t v = cpu_pop(cpu, size);
    reg_write(cpu, in, in->reg, size, v);
}

void exec_pop_reg(struct cpu *cpu, const struct insn *in) { pop_reg(cpu, in, stack_opsize(in)); }
static void exec_pop_reg_8(struct cpu *cpu, const struct insn *in) { pop_reg(cpu, in, 8); }

/* 68: PUSH imm32 (sign-extended) / imm16; 6A: PUSH imm8 (sign-extended). */
void exec_push_imm(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    unsigned size = stack_opsize(in);
    cpu_push(cpu, size, in->imm & size_mask(size));
}

/* FF /6: PUSH r/m. */
void exec_push_rm(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    unsigned size = stack_opsize(in);
    cpu_push(cpu, size, rm_read(cpu, in, size));
}

/* 8F /0: POP r/m.  With RSP as the base register the effective address is
 * computed after RSP was incremented (SDM "POP"). */
void exec_pop_rm(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    if ((in->reg & 7) != 0)
        cpu_fault(cpu, EXC_UD, 0);
    unsigned size = stack_opsize(in);
    uint64_t rsp = cpu->gpr[RSP];
    uint64_t v = stack_read(cpu, rsp, size);
    if (in->mod == 3) {
        cpu->gpr[RSP] = rsp + size;
        reg_write(cpu, in, in->rm, size, v);
        return;
    }
    cpu->gpr[RSP] = rsp + size;
    uint64_t ea = insn_ea(cpu, in);
    cpu->gpr[RSP] = rsp;
    mem_write(cpu, ea, size, v);
    cpu->gpr[RSP] = rsp + size;
}

/* 9C: PUSHF/PUSHFQ — RFLAGS with VM and RF cleared in the image. */
void exec_pushf(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    unsigned size = stack_opsize(in);
    cpu_push(cpu, size, cpu_rflags(cpu) & ~(RF_VM | RF_RF) & size_mask(size));
}

/* 9D: POPF/POPFQ (protected mode, VM=0 rules of SDM "POPF"): IOPL changes
 * only at CPL 0, IF only when CPL <= IOPL; VIP, VIF and VM are unaffected;
 * RF is cleared.  A 16-bit POPF changes only the low 16 bits. */
void exec_popf(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    unsigned size = stack_opsize(in);
    uint64_t old = cpu_rflags(cpu);
    uint64_t iopl = (old & RF_IOPL) >> 12;
    uint64_t v = stack_read(cpu, cpu->gpr[RSP], size);
    uint64_t changeable = RF_STATUS | RF_TF | RF_DF | RF_NT | RF_AC | RF_ID;
    if (cpu->cpl == 0)
        changeable |= RF_IOPL;
    if (cpu->cpl <= iopl)
        changeable |= RF_IF;
    changeable &= size_mask(size);
    cpu->gpr[RSP] += size;
    cpu_set_rflags(cpu, ((old & ~changeable) | (v & changeable)) & ~RF_RF);
}

/* E8: CALL rel32.  FF /2: CALL r/m64.  Push the return address, branch. */
static void call_to(struct cpu *cpu, uint64_t target)
{
    if (!va_canonical(target))
        cpu_fault(cpu, EXC_GP, 0);
    cpu_push(cpu, 8, cpu->next_rip);
    cpu->next_rip = target;
}

void exec_call_rel(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    call_to(cpu, cpu->next_rip + in->imm);
}

void exec_call_indirect(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    call_to(cpu, rm_read(cpu, in, 8));
}

/* C3: RET; C2: RET imm16 — pop RIP, then release imm16 more bytes. */
void exec_ret(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    uint64_t rsp = cpu->gpr[RSP];
    uint64_t target = stack_read(cpu, rsp, 8);
    branch_to(cpu, target);
    cpu->gpr[RSP] = rsp + 8 + (in->op == 0xc2 ? (in->imm & 0xffff) : 0);
}

/* C8: ENTER imm16, imm8 — push RBP, copy (level - 1) frame pointers from
 * the enclosing frame, push the new frame pointer, allocate imm16 bytes:
 *   Push(RBP); FrameTemp = RSP;
 *   for i in 1..level-1: RBP -= size; Push([RBP]);
 *   if level > 0: Push(FrameTemp);
 *   RBP = FrameTemp; RSP -= imm16.
 * Level is taken modulo 32.  Computed on copies so a fault changes nothing. */
void exec_enter(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    unsigned size = stack_opsize(in);
    unsigned level = in->imm2 & 31;
    uint64_t m = size_mask(size);
    uint64_t rsp = cpu->gpr[RSP], rbp = cpu->gpr[RBP];
    /* "#PF if a write using the final value of the stack pointer would
     * cause a page fault": probe the new stack top before anything else. */
    uint64_t final = rsp - size * (level ? level + 1 : 1) - (in->imm & 0xffff);
    if (!va_canonical(final))
        cpu_fault(cpu, EXC_SS, 0);
    uint64_t pa;
    uint8_t *host;
    struct mmu_fault f;
    if (!mmu_translate(cpu->mmu, final, ACC_WRITE | cpu_acc_mode(cpu), &pa, &host, &f))
        cpu_mmu_fault(cpu, &f);
    rsp -= size;
    stack_write(cpu, rsp, size, rbp & m);
    uint64_t frame = rsp;
    if (level > 0) {
        for (unsigned i = 1; i < level; i++) {
            rbp -= size;
            uint64_t v = stack_read(cpu, rbp, size);
            rsp -= size;
            stack_write(cpu, rsp, size, v);
        }
        rsp -= size;
        stack_write(cpu, rsp, size, frame & m);
    }
    rsp -= in->imm & 0xffff;
    reg_write(cpu, in, RBP, size, frame);
    cpu->gpr[RSP] = rsp;
}

/* C9: LEAVE — RSP = RBP, then pop RBP. */
void exec_leave(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    unsigned size = stack_opsize(in);
    uint64_t frame = cpu->gpr[RBP];
    uint64_t v = stack_read(cpu, frame, size);
    cpu->gpr[RSP] = frame + size;
    reg_write(cpu, in, RBP, size, v);
}

exec_fn exec_push_reg_variant(const struct insn *in)
{
    return in->lock || stack_opsize(in) != 8 ? NULL : exec_push_reg_8;
}

exec_fn exec_pop_reg_variant(const struct insn *in)
{
    return in->lock || stack_opsize(in) != 8 ? NULL : exec_pop_reg_8;
}
