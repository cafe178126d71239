/* flags.c — RFLAGS as a whole: the status flags materialised from the
 * lazy record (flags_eval.h) and loading a complete RFLAGS value. */
#include "flags_eval.h"

/* The bits of RFLAGS that exist in 64-bit mode (SDM Vol. 1 §3.4.3, Figure
 * 3-8); bits 3, 5, 15 and 22-63 are reserved (bit 1 always reads 1). */
#define RF_DEFINED (RF_STATUS | RF_TF | RF_IF | RF_DF | RF_IOPL | RF_NT | RF_RF | RF_VM | RF_AC | \
                    RF_VIF | RF_VIP | RF_ID)

uint64_t cpu_rflags(struct cpu *cpu)
{
    flags_materialize(cpu);
    return cpu->rflags | RF_FIXED1;
}

void cpu_set_rflags(struct cpu *cpu, uint64_t value)
{
    cpu->rflags = (value & RF_DEFINED) | RF_FIXED1;
    cpu->lf.op = LF_NONE;
}
