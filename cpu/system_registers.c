/* system_registers.c — the system registers with their side effects: control
 * registers (SDM Vol. 3A §2.5, MOV to CRn), the model-specific registers
 * the CPU implements (Vol. 4, Table 2-2; RDMSR/WRMSR), and loading a data
 * or stack segment register from a selector in 64-bit mode (MOV Sreg,
 * POP Sreg).
 *
 * Every write is checked before anything changes: a reserved bit or an
 * invalid combination raises #GP(0) (the MSR functions return false and the
 * instruction raises it).  Paging controls are mirrored into the MMU with
 * mmu_set_control(), which applies the TLB-flush rules of §4.10.4.1. */
#include "descriptor.h"
#include "mem.h"

/* CR0 bits that exist; writes to the other bits of 31:0 are ignored and
 * they read as 0, a 1 in 63:32 is #GP(0) (SDM §2.5). ET is hardwired to 1. */
#define CR0_DEFINED (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | \
                     CR0_NW | CR0_CD | CR0_PG)

/* The CR4 bits of the features CPUID reports (cpuid.c); setting any other
 * bit is #GP(0) (SDM MOV CRn: "reserved bit in CR4"). */
#define CR4_SUPPORTED (CR4_TSD | CR4_PAE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | \
                       CR4_SMEP | CR4_SMAP)

/* CR3 without PCIDE: bits 63:MAXPHYADDR are reserved (SDM Table 4-12). */
#define CR3_RESERVED (~((1ull << MMU_MAXPHYADDR) - 1))

/* EFER bits that exist (SDM Vol. 4 Table 2-2, IA32_EFER); LMA is read-only. */
#define EFER_DEFINED (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

/* IA32_APIC_BASE: BSP (8), x2APIC enable (10) is reserved without x2APIC,
 * global enable (11), base 12..MAXPHYADDR-1. */
#define APIC_BASE_WRITABLE ((1ull << 8) | (1ull << 11) | (((1ull << MMU_MAXPHYADDR) - 1) & ~0xfffull))

static _Noreturn void gp0(struct cpu *cpu)
{
    cpu_fault(cpu, EXC_GP, 0);
}

/* Tell the MMU the new paging controls; cause names the register written. */
static void sync_mmu(struct cpu *cpu, enum tlb_flush_cause cause)
{
    mmu_set_control(cpu->mmu, cpu->cr0, cpu->cr3, cpu->cr4, cpu->efer, cause);
}

static void write_cr0(struct cpu *cpu, uint64_t value)
{
    bool long_mode = cpu->efer & EFER_LMA;
    if (value >> 32)
        gp0(cpu);
    if ((value & CR0_PG) && !(value & CR0_PE))
        gp0(cpu);
    if ((value & CR0_NW) && !(value & CR0_CD))
        gp0(cpu);
    /* Leaving long mode requires compatibility mode first; we only have
     * 64-bit mode, where clearing PG is #GP(0). */
    if (long_mode && !(value & CR0_PG))
        gp0(cpu);
    /* Activating IA-32e mode requires PAE (SDM §9.8.5). */
    if (!long_mode && (value & CR0_PG) && (cpu->efer & EFER_LME) && !(cpu->cr4 & CR4_PAE))
        gp0(cpu);
    value = (value & CR0_DEFINED) | CR0_ET;
    if (value == cpu->cr0)
        return; /* nothing changes: no TLB flush (the MMU would take it as a CR3 write) */
    cpu->cr0 = value;
    /* EFER.LMA = LME && PG (SDM §9.8.5). */
    if ((cpu->cr0 & CR0_PG) && (cpu->efer & EFER_LME))
        cpu->efer |= EFER_LMA;
    sync_mmu(cpu, TLB_CAUSE_CR0);
}

void cpu_write_cr(struct cpu *cpu, int n, uint64_t value)
{
    switch (n) {
    case 0:
        write_cr0(cpu, value);
        return;
    case 2:
        cpu->cr2 = value;
        return;
    case 3:
        if (value & CR3_RESERVED)
            gp0(cpu);
        cpu->cr3 = value;
        sync_mmu(cpu, TLB_CAUSE_CR3); /* flushes non-global TLB entries, even for the same value */
        return;
    case 4:
        if (value & ~CR4_SUPPORTED)
            gp0(cpu);
        if ((cpu->efer & EFER_LMA) && !(value & CR4_PAE))
            gp0(cpu); /* PAE cannot be cleared in IA-32e mode */
        if (value == cpu->cr4)
            return;
        cpu->cr4 = value;
        sync_mmu(cpu, TLB_CAUSE_CR4); /* PGE, PAE, SMEP, SMAP changes flush the whole TLB */
        return;
    case 8:
        /* CR8 is the task-priority register: bits 3:0 (SDM §10.8.6.1). */
        if (value & ~0xfull)
            gp0(cpu);
        cpu->cr8 = value;
        return;
    default:
        cpu_fault(cpu, EXC_UD, 0);
    }
}

/* ------------------------------------------------------------------ MSRs */

static bool write_efer(struct cpu *cpu, uint64_t value)
{
    if (value & ~EFER_DEFINED)
        return false;
    /* LME cannot change while paging is on (SDM §9.8.5). */
    if (((value ^ cpu->efer) & EFER_LME) && (cpu->cr0 & CR0_PG))
        return false;
    /* LMA is read-only: writes keep the current value. */
    value = (value & ~EFER_LMA) | (cpu->efer & EFER_LMA);
    if (value != cpu->efer) {
        cpu->efer = value;
        sync_mmu(cpu, TLB_CAUSE_EFER); /* NXE changes what the page walk accepts */
    }
    return true;
}

bool cpu_wrmsr(struct cpu *cpu, uint32_t msr, uint64_t value)
{
    switch (msr) {
    case MSR_TSC:
        /* Virtual time: TSC = instructions retired + offset. */
        cpu->tsc_offset = value - cpu->icount;
        return true;
    case MSR_APIC_BASE:
        if (value & ~APIC_BASE_WRITABLE)
            return false;
        cpu->apic_base = value;
        return true;
    case MSR_EFER:
        return write_efer(cpu, value);
    case MSR_STAR:
        cpu->star = value;
        return true;
    case MSR_LSTAR:
    case MSR_CSTAR:
        /* SYSCALL targets must be canonical (SDM Vol. 4: #GP otherwise). */
        if (!va_canonical(value))
            return false;
        *(msr == MSR_LSTAR ? &cpu->lstar : &cpu->cstar) = value;
        return true;
    case MSR_FMASK:
        if (value >> 32) /* bits 63:32 reserved */
            return false;
        cpu->fmask = value;
        return true;
    case MSR_FS_BASE:
    case MSR_GS_BASE:
        if (!va_canonical(value))
            return false;
        cpu->seg[msr == MSR_FS_BASE ? SEG_FS : SEG_GS].base = value;
        return true;
    case MSR_KERNEL_GS_BASE:
        if (!va_canonical(value))
            return false;
        cpu->kernel_gs_base = value;
        return true;
    case MSR_TSC_AUX:
        if (value >> 32)
            return false;
        cpu->tsc_aux = value;
        return true;
    default:
        return false;
    }
}

bool cpu_rdmsr(struct cpu *cpu, uint32_t msr, uint64_t *value)
{
    switch (msr) {
    case MSR_TSC: *value = cpu->icount + cpu->tsc_offset; return true;
    case MSR_APIC_BASE: *value = cpu->apic_base; return true;
    case MSR_EFER: *value = cpu->efer; return true;
    case MSR_STAR: *value = cpu->star; return true;
    case MSR_LSTAR: *value = cpu->lstar; return true;
    case MSR_CSTAR: *value = cpu->cstar; return true;
    case MSR_FMASK: *value = cpu->fmask; return true;
    case MSR_FS_BASE: *value = cpu->seg[SEG_FS].base; return true;
    case MSR_GS_BASE: *value = cpu->seg[SEG_GS].base; return true;
    case MSR_KERNEL_GS_BASE: *value = cpu->kernel_gs_base; return true;
    case MSR_TSC_AUX: *value = cpu->tsc_aux; return true;
    default: return false;
    }
}

/* ------------------------------------------------------- segment loads */

/* MOV SS / POP SS in 64-bit mode (SDM MOV, "IF SS is loaded"): a null
 * selector is allowed below CPL 3 when RPL = CPL; otherwise a present,
 * writable data segment with RPL = DPL = CPL. */
static struct segment load_ss(struct cpu *cpu, uint16_t sel)
{
    unsigned cpl = cpu->cpl;
    if (sel_is_null(sel)) {
        if (cpl == 3 || sel_rpl(sel) != cpl)
            gp0(cpu);
        return null_segment(sel);
    }
    uint64_t raw;
    if (!desc_read(cpu, sel, &raw))
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    struct segment s = desc_to_segment(sel, raw);
    if (sel_rpl(sel) != cpl || !seg_is_data(s.attr) || !(s.attr & SEG_TYPE_WRITABLE) ||
        seg_dpl(s.attr) != cpl)
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    if (!seg_present(s.attr))
        cpu_fault(cpu, EXC_SS, sel_error(sel));
    return s;
}

/* MOV DS/ES/FS/GS: null is always allowed (the register becomes unusable);
 * otherwise a data or readable code segment, present, and — unless it is
 * conforming code — with DPL >= max(CPL, RPL). */
static struct segment load_data(struct cpu *cpu, uint16_t sel)
{
    if (sel_is_null(sel))
        return null_segment(sel);
    uint64_t raw;
    if (!desc_read(cpu, sel, &raw))
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    struct segment s = desc_to_segment(sel, raw);
    bool code = seg_is_code(s.attr);
    if (!(s.attr & SEG_ATTR_S) || (code && !(s.attr & SEG_TYPE_READABLE)))
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    if (!(code && (s.attr & SEG_TYPE_CONFORMING)) &&
        (sel_rpl(sel) > seg_dpl(s.attr) || cpu->cpl > seg_dpl(s.attr)))
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    if (!seg_present(s.attr))
        cpu_fault(cpu, EXC_NP, sel_error(sel));
    return s;
}

/* CS as IRETQ and far returns load it: a present 64-bit code segment; RPL
 * becomes the CPL.  (The privilege rules are the caller's.) */
static struct segment load_cs(struct cpu *cpu, uint16_t sel)
{
    if (sel_is_null(sel))
        gp0(cpu);
    uint64_t raw;
    if (!desc_read(cpu, sel, &raw))
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    struct segment s = desc_to_segment(sel, raw);
    if (!seg_is_code(s.attr))
        cpu_fault(cpu, EXC_GP, sel_error(sel));
    if (!seg_present(s.attr))
        cpu_fault(cpu, EXC_NP, sel_error(sel));
    if (!seg_is_code64(s.attr))
        cpu_fault(cpu, EXC_GP, sel_error(sel)); /* no compatibility mode here */
    return s;
}

void cpu_load_seg(struct cpu *cpu, int seg, uint16_t sel)
{
    struct segment s;
    switch (seg) {
    case SEG_SS: s = load_ss(cpu, sel); break;
    case SEG_CS: s = load_cs(cpu, sel); break;
    case SEG_DS: case SEG_ES: case SEG_FS: case SEG_GS: s = load_data(cpu, sel); break;
    default: cpu_fault(cpu, EXC_UD, 0);
    }
    /* In 64-bit mode only FS and GS have a base: a descriptor load sets
     * its low 32 bits (the MSRs set all 64); a null selector clears it, as
     * Intel CPUs do.  The other bases and all limits are ignored. */
    cpu->seg[seg] = s;
    if (seg == SEG_CS)
        cpu->cpl = (uint8_t)sel_rpl(sel);
}
