/* sort — sorting 64-bit integers: a hand-written quicksort (median of three,
 * insertion sort for short runs) and libc's qsort with a comparison callback
 * (indirect calls).  Branchy compare-and-swap code over a 2 MiB array; the
 * result is checked and summarized by a checksum.
 *   usage: sort [SCALE]   (work grows linearly with SCALE, default 1) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define COUNT (256 * 1024)

static uint64_t state = 88172645463325252ull;
static uint64_t next_random(void) /* xorshift64 */
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static void insertion_sort(uint64_t *a, long n)
{
    for (long i = 1; i < n; i++) {
        uint64_t v = a[i];
        long j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void swap(uint64_t *a, uint64_t *b)
{
    uint64_t t = *a;
    *a = *b;
    *b = t;
}

static void quicksort(uint64_t *a, long n)
{
    while (n > 16) {
        long mid = n / 2;
        if (a[mid] < a[0]) swap(&a[mid], &a[0]);
        if (a[n - 1] < a[0]) swap(&a[n - 1], &a[0]);
        if (a[n - 1] < a[mid]) swap(&a[n - 1], &a[mid]);
        uint64_t pivot = a[mid];
        long i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i >= j) break;
            swap(&a[i++], &a[j--]);
        }
        /* recurse into the smaller part, loop on the larger */
        if (j + 1 < n - j - 1) {
            quicksort(a, j + 1);
            a += j + 1;
            n -= j + 1;
        } else {
            quicksort(a + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    insertion_sort(a, n);
}

static int compare(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

static uint64_t check(const uint64_t *a, long n)
{
    uint64_t sum = 0;
    for (long i = 0; i < n; i++) {
        if (i && a[i - 1] > a[i]) {
            printf("sort: not sorted at %ld\n", i);
            exit(1);
        }
        sum = sum * 1000003 + a[i];
    }
    return sum;
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 1;
    uint64_t *a = malloc(COUNT * sizeof *a);
    if (!a || scale < 1)
        return 1;
    uint64_t checksum = 0;
    for (long round = 0; round < scale; round++) {
        for (long i = 0; i < COUNT; i++)
            a[i] = next_random() % 1000000007;
        quicksort(a, COUNT);
        checksum ^= check(a, COUNT);
        for (long i = 0; i < COUNT / 4; i++)
            a[i] = next_random();
        qsort(a, COUNT / 4, sizeof *a, compare);
        checksum ^= check(a, COUNT / 4) + (uint64_t)round;
    }
    printf("sort: checksum %016llx\n", (unsigned long long)checksum);
    free(a);
    return 0;
}
