/* state.c — the CPU's part of a machine snapshot: cpu_save packs every
 * field state.h marks SAVED into a flat block, cpu_restore unpacks them.
 * Host links (MMU, bus, observer, decoded-instruction cache, jump buffer)
 * are never in the block, so a restore cannot clobber them; a pending
 * stop request is dropped (the restored machine did not ask for it). */
#include <string.h>
#include "state.h"

#define FIELD_SIZE(f) + sizeof(((struct cpu *)0)->f)
#define NOTHING(f)
enum { CPU_STATE_SIZE = 0 CPU_FIELDS(FIELD_SIZE, NOTHING) };
_Static_assert(CPU_STATE_SIZE <= sizeof(struct cpu), "the saved fields are part of struct cpu");

size_t cpu_state_size(void) { return CPU_STATE_SIZE; }

void cpu_save(const struct cpu *cpu, void *block)
{
    uint8_t *p = block;
#define SAVE(f) memcpy(p, &cpu->f, sizeof cpu->f), p += sizeof cpu->f;
    CPU_FIELDS(SAVE, NOTHING)
#undef SAVE
}

void cpu_restore(struct cpu *cpu, const void *block)
{
    const uint8_t *p = block;
#define LOAD(f) memcpy(&cpu->f, p, sizeof cpu->f), p += sizeof cpu->f;
    CPU_FIELDS(LOAD, NOTHING)
#undef LOAD
    cpu->stop_request = 0;
}
