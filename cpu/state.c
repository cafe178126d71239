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

/* Where fpr lies in the block: the sizes of the SAVED fields before it. */
static size_t fpr_offset(void)
{
    size_t off = 0;
    bool found = false;
#define AT(f) if (!found && !strcmp(#f, "fpr")) found = true; else if (!found) off += sizeof(((struct cpu *)0)->f);
    CPU_FIELDS(AT, NOTHING)
#undef AT
    return off;
}

void cpu_save(const struct cpu *cpu, void *block)
{
    uint8_t *p = block;
#define SAVE(f) memcpy(p, &cpu->f, sizeof cpu->f), p += sizeof cpu->f;
    CPU_FIELDS(SAVE, NOTHING)
#undef SAVE
    /* The x87 registers are 80 bits in a 16-byte long double: the 6 bytes
     * past them are padding no instruction defines, so the block holds
     * zeros there and two saves of one state are equal byte for byte. */
    uint8_t *fpr = (uint8_t *)block + fpr_offset();
    for (int i = 0; i < 8; i++)
        memset(fpr + i * sizeof(long double) + 10, 0, sizeof(long double) - 10);
}

void cpu_restore(struct cpu *cpu, const void *block)
{
    const uint8_t *p = block;
#define LOAD(f) memcpy(&cpu->f, p, sizeof cpu->f), p += sizeof cpu->f;
    CPU_FIELDS(LOAD, NOTHING)
#undef LOAD
    cpu->stop_request = 0;
}
