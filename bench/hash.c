/* hash — integer hashing: an open-addressing hash table of 64-bit keys, filled
 * and probed with multiplicative hashing.  Pure integer ALU work (multiply,
 * xor, shift) and data-dependent loads over a table larger than the TLB
 * reaches.  Prints a checksum so every run can be compared with the native
 * one.   usage: hash [SCALE]   (work grows linearly with SCALE, default 4) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define TABLE_BITS 20 /* 1 Mi slots x 16 bytes = 16 MiB */
#define TABLE_SIZE (1u << TABLE_BITS)

struct slot {
    uint64_t key, value;
};

static uint64_t mix(uint64_t x) /* the splitmix64 finalizer */
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 4;
    struct slot *table = calloc(TABLE_SIZE, sizeof *table);
    if (!table || scale < 1)
        return 1;
    uint64_t checksum = 0;
    for (long round = 0; round < scale; round++) {
        /* fill to 50 %, keys 1.. (0 marks an empty slot) */
        for (uint64_t k = 1; k <= TABLE_SIZE / 2; k++) {
            uint64_t key = mix(k + (uint64_t)round * TABLE_SIZE);
            key |= 1;
            uint64_t i = key >> (64 - TABLE_BITS);
            while (table[i].key && table[i].key != key)
                i = (i + 1) & (TABLE_SIZE - 1);
            table[i].key = key;
            table[i].value += k;
        }
        /* probe: half hits, half misses */
        for (uint64_t k = 1; k <= TABLE_SIZE / 2; k++) {
            uint64_t key = mix(k * 2 + (uint64_t)round * TABLE_SIZE) | 1;
            uint64_t i = key >> (64 - TABLE_BITS);
            while (table[i].key && table[i].key != key)
                i = (i + 1) & (TABLE_SIZE - 1);
            checksum = checksum * 31 + (table[i].key ? table[i].value : i);
        }
        for (uint64_t i = 0; i < TABLE_SIZE; i++)
            table[i].key = table[i].value = 0;
    }
    printf("hash: checksum %016llx\n", (unsigned long long)checksum);
    free(table);
    return 0;
}
