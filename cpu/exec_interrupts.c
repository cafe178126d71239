/* exec_interrupts.c — software interrupts and the returns that change
 * privilege level: INT n, INT3, INT1 (delivered by cpu_deliver,
 * exceptions.c), IRETQ, and far RET, which shares IRETQ's checks on the
 * CS and SS it loads (SDM Vol. 2A INT n, IRET, RET).  SYSCALL/SYSRET are
 * in exec_syscall.c.
 *
 * ringscope has no compatibility mode: a return to a code segment that is
 * not 64-bit (L = 0) raises #GP(selector). */
#include "descriptor.h"
#include "exec_system.h"

/* ---------------------------------------------------------- INT n, INT3 */

/* CD ib: INT imm8 — a software interrupt; the gate's DPL must be >= CPL. */
void exec_int_imm(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    cpu_deliver(cpu, (uint8_t)in->imm, false, 0, SRC_SOFTWARE);
}

/* CC: INT3 — #BP as a trap (the frame holds the next instruction). */
void exec_int3(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    cpu_deliver(cpu, EXC_BP, false, 0, SRC_SOFTWARE);
}

/* F1: INT1 (ICEBP) — #DB as a trap.  Simplification: delivered like INT 1,
 * so the gate DPL is checked (real CPUs skip that check for INT1). */
void exec_int1(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    cpu_deliver(cpu, EXC_DB, false, 0, SRC_SOFTWARE);
}

/* ------------------------------------------------------- IRETQ, RETF */

/* The CS a return (IRET, RETF) loads: a present 64-bit code segment whose
 * RPL is not more privileged than the CPL; nonconforming: DPL = RPL,
 * conforming: DPL <= RPL (SDM IRET, "RETURN-FROM-PROTECTED-MODE"). */
static struct segment return_cs(struct cpu *cpu, uint16_t sel)
{
    if (sel_is_null(sel))
        cpu_fault(cpu, EXC_GP, 0);
    uint64_t raw;
    if (!desc_read(cpu, sel, &raw))
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    struct segment cs = desc_to_segment(sel, raw);
    unsigned rpl = sel_rpl(sel), dpl = seg_dpl(cs.attr);
    if (!seg_is_code(cs.attr) || rpl < cpu->cpl)
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    if ((cs.attr & SEG_TYPE_CONFORMING) ? dpl > rpl : dpl != rpl)
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    if (!seg_present(cs.attr))
        cpu_fault(cpu, EXC_NP, sel_error(sel));
    if (!seg_is_code64(cs.attr))
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    return cs;
}

/* The SS a return loads in 64-bit mode: null is allowed when returning to
 * CPL 0-2; otherwise a present writable data segment with RPL = DPL = the
 * new CPL. */
static struct segment return_ss(struct cpu *cpu, uint16_t sel, unsigned new_cpl)
{
    if (sel_is_null(sel)) {
        if (new_cpl == 3)
            cpu_fault(cpu, EXC_GP, 0);
        return null_segment(sel);
    }
    uint64_t raw;
    if (!desc_read(cpu, sel, &raw))
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    struct segment ss = desc_to_segment(sel, raw);
    if (sel_rpl(sel) != new_cpl || !seg_is_data(ss.attr) || !(ss.attr & SEG_TYPE_WRITABLE) ||
        seg_dpl(ss.attr) != new_cpl)
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    if (!seg_present(ss.attr))
        cpu_fault(cpu, EXC_SS, sel_error(sel));
    return ss;
}

/* On a return to an outer (less privileged) level, a data segment register
 * whose DPL is below the new CPL would give ring 3 access to inner-ring
 * data: it is loaded with a null selector (SDM IRET/RET, "FOR each of
 * segment register (ES, FS, GS, and DS)").  The FS/GS base is kept. */
static void null_inner_data_segments(struct cpu *cpu, unsigned new_cpl)
{
    static const int regs[4] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (int i = 0; i < 4; i++) {
        struct segment *s = &cpu->seg[regs[i]];
        if (sel_is_null(s->sel) || !(s->attr & SEG_ATTR_S))
            continue;
        bool conforming_code = seg_is_code(s->attr) && (s->attr & SEG_TYPE_CONFORMING);
        if (!conforming_code && seg_dpl(s->attr) < new_cpl) {
            s->sel = 0;
            s->attr = 0;
        }
    }
}

/* CF: IRET/IRETD/IRETQ in 64-bit mode always pops RIP, CS, RFLAGS, RSP and
 * SS (operand size 8 with REX.W, 4 by default, 2 with 66). */
void exec_iret(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    const unsigned sz = in->opsize;
    const uint8_t cpl = cpu->cpl;
    const uint64_t rflags = cpu_rflags(cpu);
    if (rflags & RF_NT) /* a task return does not exist in IA-32e mode */
        cpu_fault(cpu, EXC_GP, 0);

    const uint64_t sp = cpu->gpr[RSP];
    const uint64_t new_rip = stack_read(cpu, sp, sz);
    const uint16_t cs_sel = (uint16_t)stack_read(cpu, sp + sz, sz);
    const uint64_t popped_flags = stack_read(cpu, sp + 2 * sz, sz);
    const uint64_t new_rsp = stack_read(cpu, sp + 3 * sz, sz);
    const uint16_t ss_sel = (uint16_t)stack_read(cpu, sp + 4 * sz, sz);

    struct segment cs = return_cs(cpu, cs_sel);
    const uint8_t new_cpl = (uint8_t)sel_rpl(cs_sel);
    if (!va_canonical(new_rip))
        cpu_fault(cpu, EXC_GP, 0);
    struct segment ss = return_ss(cpu, ss_sel, new_cpl);

    /* Which flags the popped image may change depends on the CPL the IRET
     * runs at: IF only if CPL <= IOPL, IOPL/VIF/VIP only at CPL 0.  VM
     * stays 0 (no virtual-8086 mode in IA-32e mode). */
    uint64_t changeable = RF_STATUS | RF_TF | RF_DF | RF_NT | RF_RF | RF_AC | RF_ID;
    unsigned iopl = (unsigned)(rflags >> 12) & 3;
    if (cpl <= iopl)
        changeable |= RF_IF;
    if (cpl == 0)
        changeable |= RF_IOPL | RF_VIF | RF_VIP;
    if (sz == 2)
        changeable &= 0xffff;

    cpu_set_rflags(cpu, (rflags & ~changeable) | (popped_flags & changeable));
    cpu->seg[SEG_CS] = cs;
    cpu->seg[SEG_SS] = ss;
    cpu->cpl = new_cpl;
    cpu->gpr[RSP] = new_rsp;
    cpu->next_rip = new_rip;
    if (new_cpl > cpl)
        null_inner_data_segments(cpu, new_cpl);
    report_transfer(cpu, RT_IRETQ, cpl);
}

/* CB / CA iw: far RET — pops RIP and CS (4 bytes each by default, 8 with
 * REX.W); to an outer level also RSP and SS.  CA releases imm16 bytes of
 * parameters from both stacks (SDM RET, "RETURN-TO-OUTER-PRIVILEGE-LEVEL"). */
void exec_retf(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    const unsigned sz = in->opsize;
    const uint8_t cpl = cpu->cpl;
    const uint64_t release = in->op == 0xca ? (in->imm & 0xffff) : 0;
    const uint64_t sp = cpu->gpr[RSP];
    const uint64_t new_rip = stack_read(cpu, sp, sz);
    const uint16_t cs_sel = (uint16_t)stack_read(cpu, sp + sz, sz);

    struct segment cs = return_cs(cpu, cs_sel);
    const uint8_t new_cpl = (uint8_t)sel_rpl(cs_sel);
    if (!va_canonical(new_rip))
        cpu_fault(cpu, EXC_GP, 0);
    uint64_t new_rsp = sp + 2 * sz + release;
    if (new_cpl > cpl) {
        uint64_t outer_rsp = stack_read(cpu, new_rsp, sz);
        uint16_t ss_sel = (uint16_t)stack_read(cpu, new_rsp + sz, sz);
        struct segment ss = return_ss(cpu, ss_sel, new_cpl);
        cpu->seg[SEG_SS] = ss;
        new_rsp = outer_rsp + release;
    }
    cpu->seg[SEG_CS] = cs;
    cpu->cpl = new_cpl;
    cpu->gpr[RSP] = new_rsp;
    cpu->next_rip = new_rip;
    if (new_cpl > cpl)
        null_inner_data_segments(cpu, new_cpl);
    report_transfer(cpu, RT_RETF, cpl);
}
