/* heap — malloc and free: when the allocator stays in user space and when it
 * has to ask the kernel (brk, mmap), reuse of freed blocks, fragmentation.
 *
 * malloc is library code, not a system call.  It carves small blocks out of
 * memory it already holds and asks the kernel only when it runs out.  musl's
 * allocator (mallocng) keeps its bookkeeping in the brk heap, takes blocks
 * from mmap'd "groups" of same-size slots, and gives a large request (over
 * 128 KiB) an mmap of its own, handed back with munmap on free.
 *
 * What it prints: for each request, whether the program break moved and
 * whether the block is inside the brk heap or somewhere else (an mmap'd
 * region).  No addresses: they differ between runs and machines; which
 * requests needed the kernel does not.
 *
 * Watch in ringscope:
 *   ringscope run --trace=syscall heap   the brk/mmap/munmap calls appear
 *                                        only at the requests that need them
 * and the #PF page faults when a fresh page is first touched. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uintptr_t heap_start; /* the program break before the first malloc */

static const char *where(const void *p)
{
    uintptr_t a = (uintptr_t)p, brk_now = (uintptr_t)sbrk(0);
    return a >= heap_start && a < brk_now ? "inside the brk heap" : "outside the brk heap (mmap)";
}

static void *request(size_t size)
{
    uintptr_t before = (uintptr_t)sbrk(0);
    void *p = malloc(size);
    if (!p) {
        printf("malloc(%zu) failed\n", size);
        exit(1);
    }
    memset(p, 0xab, size); /* touch it: the kernel backs the pages now */
    uintptr_t after = (uintptr_t)sbrk(0);
    if (after != before)
        printf("  malloc(%7zu): the break moved up %lu KiB; block %s\n", size, (unsigned long)(after - before) / 1024,
               where(p));
    else
        printf("  malloc(%7zu): the break did not move; block %s\n", size, where(p));
    return p;
}

int main(void)
{
    heap_start = (uintptr_t)sbrk(0);
    printf("heap: malloc works in user space and calls the kernel only when it must\n\n");

    printf("requests of growing size:\n");
    static const size_t sizes[] = {16, 16, 100, 1000, 4000, 20000, 100000, 200000, 1000000};
    void *blocks[sizeof sizes / sizeof sizes[0]];
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        blocks[i] = request(sizes[i]);

    /* madvise fails with ENOMEM on an address range that is not mapped. */
    char *page = (char *)((uintptr_t)blocks[8] & ~(uintptr_t)4095);
    printf("\nfree the 1000000-byte block:\n");
    printf("  before free, its first page is %s\n", madvise(page, 4096, MADV_NORMAL) == 0 ? "mapped" : "not mapped");
    free(blocks[8]);
    printf("  after free, it is %s\n",
           madvise(page, 4096, MADV_NORMAL) == 0 ? "still mapped" : "not mapped: free gave it back to the kernel (munmap)");

    printf("\nreuse: allocate a, b, c of 48 bytes, free b, then allocate 48 bytes until b comes back\n");
    char *a = malloc(48), *b = malloc(48), *c = malloc(48);
    free(b);
    int tries = 0;
    char *d, *kept[64];
    do {
        d = malloc(48);
        kept[tries++] = d;
    } while (d != b && tries < 64);
    if (d == b)
        printf("  b's slot came back after %d allocation%s: freed memory is reused, no system call\n", tries,
               tries == 1 ? "" : "s");
    else
        printf("  b's slot did not come back within 64 allocations\n");
    for (int i = 0; i < tries; i++)
        free(kept[i]);
    free(a);
    free(c);

    printf("\nfragmentation: 64 blocks of 200 bytes, free every other one\n");
    char *row[64];
    for (int i = 0; i < 64; i++)
        row[i] = malloc(200);
    for (int i = 0; i < 64; i += 2)
        free(row[i]);
    char *big = malloc(400);
    int in_hole = 0;
    for (int i = 0; i < 64; i += 2)
        if (big >= row[i] && big < row[i] + 200)
            in_hole = 1;
    printf("  32 x 200 bytes are free, but in separate holes; malloc(400) %s\n",
           in_hole ? "fit into a hole" : "had to go somewhere else: the holes are too small");
    free(big);
    for (int i = 1; i < 64; i += 2)
        free(row[i]);

    for (int i = 0; i < 8; i++)
        free(blocks[i]);
    printf("\nall freed; the break is %lu KiB above where it started (the allocator keeps what it got)\n",
           (unsigned long)((uintptr_t)sbrk(0) - heap_start) / 1024);
    return 0;
}
