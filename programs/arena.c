/* arena — a bump allocator on reserved address space, reset all at once.
 *
 * An arena is a base pointer and a top: allocating moves the top up, popping
 * moves it back down, and resetting puts it back at zero — every object in it
 * is gone in one store, with no per-object free.  A game resets its frame
 * arena at the start of each frame; a server resets a request's arena when
 * the response is sent.
 *
 * This arena reserves 1 MiB of address space up front (mmap PROT_NONE: no
 * memory behind it yet) and commits pages (mprotect read/write) only as the
 * top first crosses into them.  After a reset the next frame reuses the same,
 * already committed pages.
 *
 * What it prints: offsets from the arena's base (the base itself differs
 * between runs), how many pages are committed, and that a reset makes the
 * next frame start at the same address.
 *
 * Watch in ringscope:
 *   ringscope run --trace=syscall,os arena   the one reserve (mmap), a commit
 *                                            (mprotect) per new page, and the
 *                                            kernel's vma events for each
 * Between commits, allocations are a few instructions and no system call. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096u
#define ARENA_RESERVE (1u << 20)

struct arena {
    char *base;
    size_t top;       /* bytes in use */
    size_t committed; /* bytes readable and writable, a multiple of PAGE */
};

static void arena_reserve(struct arena *a)
{
    a->base = mmap(NULL, ARENA_RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a->base == MAP_FAILED) {
        printf("reserve failed\n");
        exit(1);
    }
    a->top = a->committed = 0;
}

static void *arena_push(struct arena *a, size_t size)
{
    size_t start = (a->top + 15) & ~(size_t)15, end = start + size;
    if (end > ARENA_RESERVE)
        return NULL;
    if (end > a->committed) {
        size_t want = (end + PAGE - 1) & ~(size_t)(PAGE - 1);
        if (mprotect(a->base + a->committed, want - a->committed, PROT_READ | PROT_WRITE) != 0) {
            printf("commit failed\n");
            exit(1);
        }
        printf("    the top crossed into page %zu: commit %zu page%s (mprotect)\n", a->committed / PAGE,
               (want - a->committed) / PAGE, want - a->committed == PAGE ? "" : "s");
        a->committed = want;
    }
    a->top = end;
    return a->base + start;
}

static void arena_pop(struct arena *a, size_t to) { a->top = to; }
static void arena_reset(struct arena *a) { a->top = 0; }

/* One "frame": build N little strings, as a game might for its HUD. */
static char *frame(struct arena *a, int number, int strings)
{
    char *first = NULL;
    for (int i = 0; i < strings; i++) {
        char *s = arena_push(a, 100);
        snprintf(s, 100, "frame %d, label %d", number, i);
        if (!first)
            first = s;
    }
    return first;
}

int main(void)
{
    struct arena a;
    arena_reserve(&a);
    printf("arena: reserved %u KiB of address space, 0 pages committed\n\n", ARENA_RESERVE / 1024);

    static const int strings_per_frame[] = {50, 120, 30};
    char *first_of_frame1 = NULL;
    for (int f = 1; f <= 3; f++) {
        arena_reset(&a);
        printf("frame %d: reset, then %d strings of 100 bytes\n", f, strings_per_frame[f - 1]);
        char *first = frame(&a, f, strings_per_frame[f - 1]);
        if (f == 1)
            first_of_frame1 = first;
        printf("  used %zu bytes, %zu pages committed; first string at offset %zu%s\n", a.top, a.committed / PAGE,
               (size_t)(first - a.base), f > 1 && first == first_of_frame1 ? ", the same address as in frame 1" : "");
        printf("  last string: \"%s\"\n", first + (size_t)(strings_per_frame[f - 1] - 1) * 112);
    }

    printf("\npop: remember the top, push a scratch buffer, pop back to the mark\n");
    size_t mark = a.top;
    char *scratch = arena_push(&a, 2000);
    memset(scratch, 0, 2000);
    arena_pop(&a, mark);
    char *next = arena_push(&a, 16);
    printf("  the next push lands where the scratch buffer was: %s\n", next == scratch ? "yes" : "no");

    if (munmap(a.base, ARENA_RESERVE) != 0)
        return 1;
    printf("\nreleased the whole arena with one munmap\n");
    return 0;
}
