/* random.c — deterministic randomness.  ringscope runs must repeat exactly
 * (same inputs, same trace), so the kernel's random bytes come from a
 * xorshift64 generator (Marsaglia, "Xorshift RNGs", 2003) with a fixed seed
 * instead of any entropy source. */
#include "random.h"
#include <stdint.h>

static uint64_t state = 0x2545F4914F6CDD1Dull;

void random_fill(void *buf, size_t n)
{
    uint8_t *out = buf;
    for (size_t i = 0; i < n; i++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out[i] = (uint8_t)(state >> 32);
    }
}
