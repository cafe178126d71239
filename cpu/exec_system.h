/* exec_system.h — the system-instruction family: what its files share.
 *   exec_system.c      HLT, CLTS, INVD/WBINVD, MOV CR/DR, RDMSR/WRMSR,
 *                      RDTSC/RDTSCP, CPUID, group 7 (0F 01)
 *   exec_segments.c    MOV Sreg, PUSH/POP FS/GS, group 6 (SLDT STR LLDT LTR VERR VERW),
 *                      SGDT/SIDT/LGDT/LIDT, SWAPGS
 *   exec_interrupts.c  INT n/INT3/INT1, IRETQ, RETF
 *   exec_syscall.c     SYSCALL, SYSRETQ (the fast system call instructions)
 *   exec_io.c          IN/OUT/INS/OUTS and CLI/STI (the IOPL-guarded ones)
 * Which opcode each handler runs is in opcodes.def. */
#ifndef RINGSCOPE_EXEC_SYSTEM_H
#define RINGSCOPE_EXEC_SYSTEM_H
#include "exec.h"
#include "operand.h"

/* Group 7 memory forms that live in exec_segments.c. */
void exec_sgdt_sidt(struct cpu *cpu, const struct insn *in);
void exec_lgdt_lidt(struct cpu *cpu, const struct insn *in);
void exec_swapgs(struct cpu *cpu, const struct insn *in);

/* Privileged instructions: #GP(0) unless CPL = 0 (SDM Vol. 3A §5.9). */
static inline void require_cpl0(struct cpu *cpu)
{
    if (__builtin_expect(cpu->cpl != 0, 0))
        cpu_fault(cpu, EXC_GP, 0);
}

/* LOCK is #UD on every system instruction (SDM Vol. 2A, LOCK). */
static inline void system_no_lock(struct cpu *cpu, const struct insn *in)
{
    if (__builtin_expect(in->lock, 0))
        cpu_fault(cpu, EXC_UD, 0);
}

/* Report a ring transition to the observer. */
static inline void report_transfer(struct cpu *cpu, enum ring_transfer kind, uint8_t cpl_before)
{
    if (cpu->observer && cpu->observer->transfer)
        cpu->observer->transfer(cpu->observer->ctx, cpu, kind, cpl_before, cpu->cpl);
}

#endif
