/* system.c — placeholder until control registers, MSRs and segment loads land. */
#include "cpu.h"

void cpu_write_cr(struct cpu *cpu, int n, uint64_t value)
{
    switch (n) {
    case 0: cpu->cr0 = value; break;
    case 2: cpu->cr2 = value; break;
    case 3: cpu->cr3 = value; break;
    case 4: cpu->cr4 = value; break;
    default: break;
    }
    mmu_set_control(cpu->mmu, cpu->cr0, cpu->cr3, cpu->cr4, cpu->efer);
}

bool cpu_wrmsr(struct cpu *cpu, uint32_t msr, uint64_t value)
{
    (void)cpu, (void)msr, (void)value;
    return false;
}

bool cpu_rdmsr(struct cpu *cpu, uint32_t msr, uint64_t *value)
{
    (void)cpu, (void)msr, (void)value;
    return false;
}

void cpu_load_seg(struct cpu *cpu, int seg, uint16_t sel)
{
    cpu->seg[seg].sel = sel;
    if (seg == SEG_CS)
        cpu->cpl = sel & 3;
}
