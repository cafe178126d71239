/* exceptions.c — placeholder until exception delivery lands: any exception stops the CPU. */
#include "cpu.h"

void cpu_deliver(struct cpu *cpu, uint8_t vector, bool has_error, uint32_t error,
                 enum deliver_source source)
{
    (void)vector, (void)has_error, (void)error, (void)source;
    cpu->shutdown = true;
    cpu->stop_request = 1;
}

void cpu_exception(struct cpu *cpu, uint8_t vector, uint32_t error)
{
    cpu->exc_counts[vector]++;
    cpu_deliver(cpu, vector, false, error, SRC_EXCEPTION);
}
