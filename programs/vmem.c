/* vmem — reserve, commit, decommit, release; the growable array that never
 * moves.
 *
 * Address space and memory are separate things.  Reserving a range (mmap with
 * PROT_NONE) only marks addresses as taken: nothing backs them and touching
 * them faults.  Committing (mprotect read/write) promises memory; the kernel
 * supplies a zeroed frame on the first touch of each page.  Decommitting
 * (madvise MADV_DONTNEED drops the frames, mprotect PROT_NONE makes the pages
 * untouchable again) leaves the addresses reserved; releasing (munmap) gives
 * up the addresses too.
 *
 * The trick: reserve far more address space than the array will ever need
 * (64 MiB here) and commit only as it grows.  The array never has to move to
 * grow, so pointers into it stay valid — unlike a vector that grows by copying
 * into a bigger block.
 *
 * What it prints: facts about addresses (unchanged, moved N times, mapped or
 * not), never the addresses, which differ between runs.
 *
 * Watch in ringscope:
 *   ringscope run --trace=syscall,os vmem   vma reserve / commit / decommit /
 *                                           release events from the kernel
 *   ringscope run --trace=exception vmem    one #PF per page on first touch */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define RESERVE (64u << 20)
#define COMMIT_STEP (64u << 10)
#define ELEMENTS (512u * 1024u) /* 4 MiB of uint64_t */

static uint64_t *array;
static size_t length, committed; /* elements; bytes */

static void push(uint64_t value)
{
    size_t need = (length + 1) * sizeof *array;
    if (need > committed) {
        if (committed + COMMIT_STEP > RESERVE ||
            mprotect((char *)array + committed, COMMIT_STEP, PROT_READ | PROT_WRITE) != 0) {
            printf("commit failed\n");
            exit(1);
        }
        committed += COMMIT_STEP;
    }
    array[length++] = value;
}

/* A vector that grows the usual way: a new block twice the size, copy, free
 * the old one.  Returns how many times the elements moved. */
static int grow_by_copying(size_t elements)
{
    size_t capacity = 16, count = 0;
    uint64_t *v = malloc(capacity * sizeof *v);
    int moves = 0;
    for (size_t i = 0; i < elements; i++) {
        if (count == capacity) {
            uint64_t *bigger = malloc(2 * capacity * sizeof *v);
            if (!bigger)
                exit(1);
            memcpy(bigger, v, count * sizeof *v);
            free(v);
            if (bigger != v)
                moves++;
            v = bigger;
            capacity *= 2;
        }
        v[count++] = i;
    }
    free(v);
    return moves;
}

static int is_mapped(void *page) { return madvise(page, 4096, MADV_NORMAL) == 0; }

int main(void)
{
    array = mmap(NULL, RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (array == MAP_FAILED)
        return 1;
    printf("vmem: reserved %u MiB of address space (mmap PROT_NONE): no memory behind it yet\n\n", RESERVE >> 20);

    printf("grow an array to %u elements (%u MiB), committing %u KiB at a time (mprotect):\n", ELEMENTS,
           ELEMENTS * 8 >> 20, COMMIT_STEP >> 10);
    push(0);
    uint64_t *first = &array[0];
    uint64_t *thousandth = NULL;
    for (uint64_t i = 1; i < ELEMENTS; i++) {
        push(i * 3);
        if (i == 1000)
            thousandth = &array[1000];
    }
    int intact = 1;
    for (size_t i = 0; i < length; i++)
        if (array[i] != i * 3)
            intact = 0;
    printf("  %zu commits, %zu KiB committed of %u MiB reserved\n", committed / COMMIT_STEP, committed >> 10,
           RESERVE >> 20);
    printf("  &a[0] and &a[1000] are what they were when those elements were added: %s\n",
           first == &array[0] && thousandth == &array[1000] ? "yes, the array never moved" : "no");
    printf("  every element still holds its value: %s\n", intact ? "yes" : "no");

    printf("\nthe usual vector (malloc a block twice as big, copy, free the old) growing to the same size:\n");
    printf("  its elements moved %d times; a pointer kept from the start would dangle\n", grow_by_copying(ELEMENTS));

    printf("\ndecommit the upper half (madvise MADV_DONTNEED, then mprotect PROT_NONE):\n");
    char *upper = (char *)array + committed / 2;
    if (madvise(upper, committed / 2, MADV_DONTNEED) != 0 || mprotect(upper, committed / 2, PROT_NONE) != 0)
        return 1;
    committed /= 2;
    length = committed / sizeof *array;
    printf("  %zu KiB of frames went back to the kernel; the range is still reserved, the array has %zu elements\n",
           committed >> 10, length);
    if (mprotect(upper, 4096, PROT_READ | PROT_WRITE) != 0)
        return 1;
    int zero = 1;
    for (int i = 0; i < 4096; i++)
        if (upper[i])
            zero = 0;
    printf("  commit its first page again: it reads as zeros (the old values are gone): %s\n", zero ? "yes" : "no");

    printf("\nrelease (munmap all %u MiB):\n", RESERVE >> 20);
    if (munmap(array, RESERVE) != 0)
        return 1;
    printf("  the first page is %s\n", is_mapped(array) ? "still mapped" : "no longer mapped: the addresses are free again");
    return intact && zero ? 0 : 1;
}
