/* pagefile — use more memory than the machine has RAM, and get every byte back.
 *
 * Committed memory is a promise, not RAM: when frames run out, the kernel
 * picks a page that has not been used lately, writes it to the pagefile on
 * disk, and gives its frame to whoever needs one.  The next touch of the
 * evicted page faults, and the kernel reads it back (maybe evicting another).
 * The program sees none of this, except that it is slower.
 *
 * This program maps SIZE MiB (default 24), writes a different pattern into
 * every 8-byte word, then reads everything back and checks it.  Exit status 0
 * only if every byte matches.
 *
 *   usage: pagefile [MIB]
 *
 * Watch in ringscope (give the machine less RAM than the program uses):
 *   ringscope run --ram 16M pagefile 24
 *   ringscope run --ram 16M --trace=os pagefile 24    page out / page in
 *                                                     events with swap slots
 *   ringscope run --ram 16M --stats pagefile 24       #PF count, disk I/O */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define PAGE 4096u

/* The value of word I: a cheap mix (splitmix64's finalizer), so a page read
 * back into the wrong place or a stale page would not match by accident. */
static uint64_t pattern(uint64_t i)
{
    uint64_t z = i + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int main(int argc, char **argv)
{
    long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 24;
    if (mib < 1 || mib > 4096) {
        printf("usage: pagefile [MIB]   (1..4096, default 24)\n");
        return 2;
    }
    size_t bytes = (size_t)mib << 20, words = bytes / 8;
    uint64_t *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        printf("pagefile: could not map %ld MiB\n", mib);
        return 1;
    }
    printf("pagefile: committed %ld MiB (%zu pages)\n", mib, bytes / PAGE);

    for (size_t i = 0; i < words; i++)
        mem[i] = pattern(i);
    printf("  wrote a pattern into all %zu pages\n", bytes / PAGE);

    size_t bad_pages = 0;
    for (size_t page = 0; page < bytes / PAGE; page++) {
        const uint64_t *w = mem + page * (PAGE / 8);
        for (size_t j = 0; j < PAGE / 8; j++)
            if (w[j] != pattern(page * (PAGE / 8) + j)) {
                bad_pages++;
                break;
            }
    }
    if (bad_pages) {
        printf("  read back: %zu of %zu pages do NOT match\n", bad_pages, bytes / PAGE);
        return 1;
    }
    printf("  read back all %zu pages: every byte matches\n", bytes / PAGE);
    return 0;
}
