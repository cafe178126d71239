/* exec_system.c — the system instructions that reach control registers,
 * MSRs, the time-stamp counter, CPUID and the caches (SDM Vol. 2A/2B):
 * HLT, CLTS, INVD, WBINVD, MOV CR, MOV DR, RDMSR, WRMSR, RDTSC, RDTSCP,
 * CPUID, and group 7 (0F 01).  The other system files are listed in
 * exec_system.h; SYSCALL/SYSRET are in exec_syscall.c.
 *
 * Privileged instructions raise #GP(0) outside ring 0.  SYSENTER/SYSEXIT
 * (0F 34/35) stay #UD: CPUID reports no SEP.  MONITOR/MWAIT, XGETBV and the
 * VMX/SVM/SGX forms of group 7 are #UD. */
#include "cpuid.h"
#include "exec_system.h"

/* F4: HLT — stop until an interrupt; the run loop returns STOP_HALT. */
void exec_hlt(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    require_cpl0(cpu);
    cpu->halted = 1;
}

/* 0F 06: CLTS — clear CR0.TS. */
void exec_clts(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    require_cpl0(cpu);
    cpu_write_cr(cpu, 0, cpu->cr0 & ~CR0_TS);
}

/* 0F 08 INVD, 0F 09 WBINVD: there are no caches to write back. */
void exec_cache_op(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    require_cpl0(cpu);
}

/* 0F 20: MOV r64, CRn; 0F 22: MOV CRn, r64.  The decoder already rejected
 * CR1, CR5-7 and CR9-15 (#UD); ModRM.mod is ignored (always a register). */
void exec_mov_cr(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    require_cpl0(cpu);
    int n = in->reg;
    if (in->op == 0x20) {
        uint64_t v = n == 0 ? cpu->cr0 : n == 2 ? cpu->cr2 : n == 3 ? cpu->cr3
                   : n == 4 ? cpu->cr4 : cpu->cr8;
        cpu->gpr[in->rm] = v;
    } else {
        cpu_write_cr(cpu, n, cpu->gpr[in->rm]);
    }
}

/* 0F 21: MOV r64, DRn; 0F 23: MOV DRn, r64.  Values are stored, no
 * breakpoint is ever armed.  With CR4.DE = 0 (always: DE is not supported)
 * DR4/DR5 alias DR6/DR7.  DR6 bits 31:16 and 11:4 read as 1, DR7 bit 10 as
 * 1; a 1 in bits 63:32 of DR6/DR7 is #GP(0) (SDM §17.2). */
void exec_mov_dr(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    require_cpl0(cpu);
    int n = in->reg;
    if (n == 4 || n == 5)
        n += 2;
    if (in->op == 0x21) {
        uint64_t v = cpu->dr[n];
        if (n == 6)
            v |= 0xffff0ff0;
        else if (n == 7)
            v |= 0x400;
        cpu->gpr[in->rm] = v;
    } else {
        uint64_t v = cpu->gpr[in->rm];
        if (n >= 6 && (v >> 32))
            cpu_fault(cpu, EXC_GP, 0);
        cpu->dr[n] = v;
    }
}

/* 0F 30: WRMSR — ECX names the MSR, EDX:EAX is the value; an unknown MSR
 * or an invalid value is #GP(0). */
void exec_wrmsr(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    require_cpl0(cpu);
    uint64_t v = (cpu->gpr[RDX] << 32) | (uint32_t)cpu->gpr[RAX];
    if (!cpu_wrmsr(cpu, (uint32_t)cpu->gpr[RCX], v))
        cpu_fault(cpu, EXC_GP, 0);
}

static void set_edx_eax(struct cpu *cpu, uint64_t v)
{
    cpu->gpr[RAX] = (uint32_t)v;
    cpu->gpr[RDX] = v >> 32;
}

/* 0F 32: RDMSR. */
void exec_rdmsr(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    require_cpl0(cpu);
    uint64_t v;
    if (!cpu_rdmsr(cpu, (uint32_t)cpu->gpr[RCX], &v))
        cpu_fault(cpu, EXC_GP, 0);
    set_edx_eax(cpu, v);
}

/* The time-stamp counter is virtual: instructions retired plus the offset
 * WRMSR(IA32_TSC) set — deterministic, never the host clock.  CR4.TSD
 * makes it privileged. */
static uint64_t read_tsc(struct cpu *cpu)
{
    if ((cpu->cr4 & CR4_TSD) && cpu->cpl != 0)
        cpu_fault(cpu, EXC_GP, 0);
    return cpu->icount + cpu->tsc_offset;
}

/* 0F 31: RDTSC. */
void exec_rdtsc(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    set_edx_eax(cpu, read_tsc(cpu));
}

/* 0F 01 F9: RDTSCP — RDTSC plus ECX = IA32_TSC_AUX. */
static void exec_rdtscp(struct cpu *cpu)
{
    set_edx_eax(cpu, read_tsc(cpu));
    cpu->gpr[RCX] = (uint32_t)cpu->tsc_aux;
}

/* 0F A2: CPUID (cpuid.c has the table); 32-bit results zero-extend. */
void exec_cpuid(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    struct cpuid_regs r = cpuid_query((uint32_t)cpu->gpr[RAX], (uint32_t)cpu->gpr[RCX]);
    cpu->gpr[RAX] = r.eax;
    cpu->gpr[RBX] = r.ebx;
    cpu->gpr[RCX] = r.ecx;
    cpu->gpr[RDX] = r.edx;
}

/* 0F 01 /4: SMSW — CR0 to r/m (memory: 16 bits; register: operand size). */
static void exec_smsw(struct cpu *cpu, const struct insn *in)
{
    if (in->mod == 3)
        reg_write(cpu, in, in->rm, in->opsize, cpu->cr0);
    else
        mem_write(cpu, insn_ea(cpu, in), 2, (uint16_t)cpu->cr0);
}

/* 0F 01 /6: LMSW — loads CR0 bits 3:0 (PE MP EM TS); it can set PE but
 * never clear it. */
static void exec_lmsw(struct cpu *cpu, const struct insn *in)
{
    require_cpl0(cpu);
    uint64_t src = rm_read(cpu, in, 2) & 0xf;
    uint64_t cr0 = (cpu->cr0 & ~0xeull) | src | (cpu->cr0 & CR0_PE);
    cpu_write_cr(cpu, 0, cr0);
}

/* 0F 01 CA: CLAC, CB: STAC — clear/set RFLAGS.AC (SMAP override).  Only at
 * CPL 0; elsewhere #UD (SDM STAC/CLAC). */
static void exec_stac_clac(struct cpu *cpu, bool set)
{
    if (cpu->cpl != 0)
        cpu_fault(cpu, EXC_UD, 0);
    if (set)
        cpu->rflags |= RF_AC;
    else
        cpu->rflags &= ~RF_AC;
}

/* 0F 01: group 7.  Memory forms by ModRM.reg; register forms by the whole
 * ModRM byte (SDM Table A-6). */
void exec_group7(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    unsigned r = in->reg & 7;
    if (in->mod != 3) {
        switch (r) {
        case 0: case 1: exec_sgdt_sidt(cpu, in); return;
        case 2: case 3: exec_lgdt_lidt(cpu, in); return;
        case 4: exec_smsw(cpu, in); return;
        case 6: exec_lmsw(cpu, in); return;
        case 7: /* INVLPG m */
            require_cpl0(cpu);
            mmu_invlpg(cpu->mmu, insn_ea(cpu, in));
            return;
        default: cpu_fault(cpu, EXC_UD, 0);
        }
    }
    switch (0xc0 | r << 3 | (in->rm & 7)) {
    case 0xca: exec_stac_clac(cpu, false); return;
    case 0xcb: exec_stac_clac(cpu, true); return;
    case 0xf8: exec_swapgs(cpu, in); return;
    case 0xf9: exec_rdtscp(cpu); return;
    default:
        if (r == 4) {
            exec_smsw(cpu, in);
            return;
        }
        if (r == 6) {
            exec_lmsw(cpu, in);
            return;
        }
        cpu_fault(cpu, EXC_UD, 0);
    }
}
