/* exec_segments.c — segment registers and descriptor tables: MOV to/from
 * Sreg, PUSH/POP FS/GS, group 6 (0F 00: SLDT, STR, LLDT, LTR, VERR, VERW),
 * the group-7 table instructions SGDT/SIDT/LGDT/LIDT and SWAPGS (SDM Vol.
 * 2A/2B, Vol. 3A ch. 3 and §8.2 for the TSS).
 *
 * ringscope does not implement UMIP, so SGDT/SIDT/SLDT/STR/SMSW work at
 * every CPL, as on CPUs without it. */
#include "descriptor.h"
#include "exec_system.h"

/* A segment-register number from ModRM.reg: ES..GS; 6, 7 and anything with
 * REX.R are #UD. */
static int sreg_operand(struct cpu *cpu, const struct insn *in)
{
    if (in->reg > SEG_GS)
        cpu_fault(cpu, EXC_UD, 0);
    return in->reg;
}

/* Store a selector to r/m: a register destination takes it zero-extended to
 * the operand size, memory always receives 16 bits (SDM MOV, SLDT, STR). */
static void store_selector(struct cpu *cpu, const struct insn *in, uint16_t sel)
{
    if (in->mod == 3)
        reg_write(cpu, in, in->rm, in->opsize, sel);
    else
        mem_write(cpu, insn_ea(cpu, in), 2, sel);
}

/* 8C: MOV r/m, Sreg. */
void exec_mov_from_sreg(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    store_selector(cpu, in, cpu->seg[sreg_operand(cpu, in)].sel);
}

/* 8E: MOV Sreg, r/m16.  CS cannot be loaded this way (#UD); loading SS
 * inhibits interrupts until after the next instruction. */
void exec_mov_to_sreg(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    int s = sreg_operand(cpu, in);
    if (s == SEG_CS)
        cpu_fault(cpu, EXC_UD, 0);
    uint16_t sel = (uint16_t)rm_read(cpu, in, 2);
    cpu_load_seg(cpu, s, sel);
    if (s == SEG_SS)
        cpu->intr_shadow = 1;
}

/* 0F A0 / 0F A8: PUSH FS / PUSH GS (8 bytes, or 2 with 66). */
void exec_push_fs_gs(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    int s = in->op == 0xa0 ? SEG_FS : SEG_GS;
    cpu_push(cpu, in->opsize == 2 ? 2 : 8, cpu->seg[s].sel);
}

/* 0F A1 / 0F A9: POP FS / POP GS.  RSP moves only after the load
 * succeeded. */
void exec_pop_fs_gs(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    int s = in->op == 0xa1 ? SEG_FS : SEG_GS;
    unsigned size = in->opsize == 2 ? 2 : 8;
    uint16_t sel = (uint16_t)stack_read(cpu, cpu->gpr[RSP], size);
    cpu_load_seg(cpu, s, sel);
    cpu->gpr[RSP] += size;
}

/* LLDT: a null selector leaves the LDT unusable; otherwise a present LDT
 * descriptor (type 2) in the GDT. */
static void load_ldtr(struct cpu *cpu, uint16_t sel)
{
    if (sel_is_null(sel)) {
        cpu->ldtr = null_segment(sel);
        return;
    }
    uint64_t raw[2];
    if (!desc_read_system(cpu, sel, raw))
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    struct segment s = desc_to_system_segment(sel, raw);
    if ((s.attr & SEG_ATTR_S) || seg_type(s.attr) != SYS_TYPE_LDT)
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    if (!seg_present(s.attr))
        cpu_fault(cpu, EXC_NP, sel_error(sel));
    if (!va_canonical(s.base))
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    cpu->ldtr = s;
}

/* LTR: an available 64-bit TSS (type 9) in the GDT, present; LTR marks it
 * busy (type 0xB) in the GDT (SDM LTR). */
static void load_tr(struct cpu *cpu, uint16_t sel)
{
    if (sel_is_null(sel))
        cpu_fault(cpu, EXC_GP, 0);
    uint64_t raw[2];
    if (!desc_read_system(cpu, sel, raw))
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    struct segment s = desc_to_system_segment(sel, raw);
    if ((s.attr & SEG_ATTR_S) || seg_type(s.attr) != SYS_TYPE_TSS_AVAILABLE)
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    if (!seg_present(s.attr))
        cpu_fault(cpu, EXC_NP, sel_error(sel));
    if (!va_canonical(s.base))
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    uint64_t busy = raw[0] | (uint64_t)(SYS_TYPE_TSS_BUSY ^ SYS_TYPE_TSS_AVAILABLE) << 40;
    desc_write_gdt(cpu, sel, busy);
    s.attr = (uint16_t)((s.attr & ~SEG_ATTR_TYPE) | SYS_TYPE_TSS_BUSY);
    cpu->tr = s;
}

/* VERR/VERW: ZF = 1 when the segment `sel` names could be read (VERR) or
 * written (VERW) at the current CPL with that RPL, else ZF = 0; a bad
 * selector is not a fault (SDM VERR/VERW). */
static void verify_segment(struct cpu *cpu, uint16_t sel, bool write)
{
    bool ok = false;
    uint64_t raw;
    if (!sel_is_null(sel) && desc_read(cpu, sel, &raw)) {
        struct segment s = desc_to_segment(sel, raw);
        bool code = seg_is_code(s.attr), conforming = code && (s.attr & SEG_TYPE_CONFORMING);
        bool usable = write ? seg_is_data(s.attr) && (s.attr & SEG_TYPE_WRITABLE)
                            : (s.attr & SEG_ATTR_S) && (!code || (s.attr & SEG_TYPE_READABLE));
        unsigned dpl = seg_dpl(s.attr);
        ok = usable && (conforming || (dpl >= cpu->cpl && dpl >= sel_rpl(sel)));
    }
    uint64_t rflags = cpu_rflags(cpu);
    cpu_set_rflags(cpu, ok ? rflags | RF_ZF : rflags & ~RF_ZF);
}

/* 0F 00: group 6. */
void exec_group6(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    switch (in->reg & 7) {
    case 0: store_selector(cpu, in, cpu->ldtr.sel); return; /* SLDT */
    case 1: store_selector(cpu, in, cpu->tr.sel); return;   /* STR */
    case 2: /* LLDT */
        require_cpl0(cpu);
        load_ldtr(cpu, (uint16_t)rm_read(cpu, in, 2));
        return;
    case 3: /* LTR */
        require_cpl0(cpu);
        load_tr(cpu, (uint16_t)rm_read(cpu, in, 2));
        return;
    case 4: verify_segment(cpu, (uint16_t)rm_read(cpu, in, 2), false); return; /* VERR */
    case 5: verify_segment(cpu, (uint16_t)rm_read(cpu, in, 2), true); return;  /* VERW */
    default:
        cpu_fault(cpu, EXC_UD, 0);
    }
}

/* 0F 01 /0, /1: SGDT/SIDT m — in 64-bit mode a 2-byte limit and an 8-byte
 * base (10 bytes, written in one access). */
void exec_sgdt_sidt(struct cpu *cpu, const struct insn *in)
{
    const struct dtr *t = (in->reg & 7) == 0 ? &cpu->gdtr : &cpu->idtr;
    uint8_t image[10];
    memcpy(image, &t->limit, 2);
    memcpy(image + 2, &t->base, 8);
    mem_write_buf(cpu, insn_ea(cpu, in), image, sizeof image);
}

/* 0F 01 /2, /3: LGDT/LIDT m — CPL 0; loads the 16-bit limit and the 64-bit
 * base. */
void exec_lgdt_lidt(struct cpu *cpu, const struct insn *in)
{
    require_cpl0(cpu);
    uint8_t image[10];
    mem_read_buf(cpu, insn_ea(cpu, in), image, sizeof image);
    struct dtr *t = (in->reg & 7) == 2 ? &cpu->gdtr : &cpu->idtr;
    memcpy(&t->limit, image, 2);
    memcpy(&t->base, image + 2, 8);
}

/* 0F 01 F8: SWAPGS — exchange GS.base with IA32_KERNEL_GS_BASE (CPL 0). */
void exec_swapgs(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    require_cpl0(cpu);
    uint64_t gs = cpu->seg[SEG_GS].base;
    cpu->seg[SEG_GS].base = cpu->kernel_gs_base;
    cpu->kernel_gs_base = gs;
}
