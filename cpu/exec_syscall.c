/* exec_syscall.c — the fast system call instructions: SYSCALL (ring 3 to
 * the kernel's entry point in IA32_LSTAR) and SYSRETQ (back to ring 3), SDM
 * Vol. 2B SYSCALL/SYSRET and Vol. 3A §5.8.8.  They use the MSRs STAR,
 * LSTAR and FMASK (system_registers.c) and EFER.SCE; the guest kernel's side is
 * syscall_entry in os/trapentry.S, set up by os/syscall.c.
 *
 * ringscope has no compatibility mode: SYSRET without REX.W (the return
 * to 32-bit code) raises #UD. */
#include "descriptor.h"
#include "exec_system.h"

/* 0F 05: SYSCALL (SDM Vol. 2B).  RCX <- next RIP, R11 <- RFLAGS,
 * RFLAGS &= ~IA32_FMASK (and RF cleared), CS <- STAR[47:32] & FFFC (flat
 * 64-bit code, DPL 0), SS <- STAR[47:32] + 8, CPL <- 0, RIP <- LSTAR.
 * No stack switch: the kernel's entry code does that. */
void exec_syscall(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    if (!(cpu->efer & EFER_SCE))
        cpu_fault(cpu, EXC_UD, 0);
    const uint8_t cpl = cpu->cpl;
    const uint64_t rflags = cpu_rflags(cpu);
    const uint16_t sel = (uint16_t)(cpu->star >> 32);
    cpu->gpr[RCX] = cpu->next_rip;
    cpu->gpr[R11] = rflags;
    cpu_set_rflags(cpu, rflags & ~cpu->fmask & ~RF_RF);
    cpu->seg[SEG_CS] = flat_code64(sel & 0xfffc, 0);
    cpu->seg[SEG_SS] = flat_stack((uint16_t)(sel + 8), 0);
    cpu->cpl = 0;
    cpu->next_rip = cpu->lstar;
    report_transfer(cpu, RT_SYSCALL, cpl);
}

/* 0F 07: SYSRET with REX.W (SYSRETQ).  CPL must be 0 (#GP(0)); a
 * non-canonical RCX is #GP(0) raised *in ring 0*, before anything changes
 * (Intel's rule; the reason kernels check RCX first).  RIP <- RCX,
 * RFLAGS <- (R11 & 3C7FD7H) | 2, CS <- (STAR[63:48] + 16) | 3 (flat 64-bit
 * code, DPL 3), SS <- (STAR[63:48] + 8) | 3, CPL <- 3. */
void exec_sysret(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    if (!(cpu->efer & EFER_SCE))
        cpu_fault(cpu, EXC_UD, 0);
    require_cpl0(cpu);
    if (!(in->rex & 8)) /* SYSRETD returns to compatibility mode: not here */
        cpu_fault(cpu, EXC_UD, 0);
    const uint64_t rip = cpu->gpr[RCX];
    if (!va_canonical(rip))
        cpu_fault(cpu, EXC_GP, 0);
    const uint16_t sel = (uint16_t)(cpu->star >> 48);
    cpu_set_rflags(cpu, (cpu->gpr[R11] & 0x3c7fd7) | RF_FIXED1);
    cpu->seg[SEG_CS] = flat_code64((uint16_t)((sel + 16) | 3), 3);
    cpu->seg[SEG_SS] = flat_stack((uint16_t)((sel + 8) | 3), 3);
    cpu->cpl = 3;
    cpu->next_rip = rip;
    report_transfer(cpu, RT_SYSRET, 0);
}
