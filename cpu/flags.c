/* flags.c — placeholder: status flags kept eagerly until lazy flags land. */
#include "cpu.h"

uint64_t cpu_rflags(struct cpu *cpu)
{
    return cpu->rflags | RF_FIXED1;
}

void cpu_set_rflags(struct cpu *cpu, uint64_t value)
{
    cpu->rflags = value | RF_FIXED1;
    cpu->lf.op = 0;
}
