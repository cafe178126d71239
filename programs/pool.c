/* pool — fixed-size slots with a free list, on reserved address space.
 *
 * A pool is an arena whose elements all have the same size.  That restriction
 * buys something an arena cannot do: any element can be freed, in any order,
 * and its slot is reused by the next allocation.  Freed slots form a linked
 * list threaded through the slots themselves (the "free list"), so
 * allocating and freeing are a couple of pointer moves.  A game keeps its
 * enemies in a pool: defeating one frees its slot, the next spawn takes it.
 *
 * The pool reserves room for 4096 enemies (mmap PROT_NONE) and commits a page
 * (mprotect read/write) only when the never-used part of the pool grows into
 * it.
 *
 * What it prints: slot numbers (offset from the pool's base / slot size),
 * which never depend on where the pool landed, and the committed page count.
 *
 * Watch in ringscope:
 *   ringscope run --trace=syscall,os pool   one reserve, then a commit only
 *                                           when the high-water mark crosses
 *                                           into a new page; spawns that reuse
 *                                           a freed slot make no system call */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define PAGE 4096u
#define CAPACITY 4096u

struct enemy {
    int id;
    int hp;
    float x, y;
    char name[48];
};

union slot {
    struct enemy enemy;
    union slot *next_free; /* valid only while the slot is free */
};

struct pool {
    union slot *base;
    union slot *free_list;
    size_t used;      /* slots ever handed out: the high-water mark */
    size_t committed; /* bytes readable and writable */
};

static void pool_reserve(struct pool *p)
{
    p->base = mmap(NULL, CAPACITY * sizeof(union slot), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p->base == MAP_FAILED) {
        printf("reserve failed\n");
        exit(1);
    }
    p->free_list = NULL;
    p->used = p->committed = 0;
}

static struct enemy *pool_alloc(struct pool *p)
{
    union slot *s = p->free_list;
    if (s) { /* reuse the most recently freed slot */
        p->free_list = s->next_free;
        return &s->enemy;
    }
    if (p->used == CAPACITY)
        return NULL;
    size_t end = (p->used + 1) * sizeof(union slot);
    if (end > p->committed) {
        size_t want = (end + PAGE - 1) & ~(size_t)(PAGE - 1);
        if (mprotect((char *)p->base + p->committed, want - p->committed, PROT_READ | PROT_WRITE) != 0) {
            printf("commit failed\n");
            exit(1);
        }
        p->committed = want;
    }
    return &p->base[p->used++].enemy;
}

static void pool_free(struct pool *p, struct enemy *e)
{
    union slot *s = (union slot *)e;
    s->next_free = p->free_list;
    p->free_list = s;
}

static size_t slot_of(const struct pool *p, const struct enemy *e) { return (size_t)((const union slot *)e - p->base); }

static struct enemy *spawn(struct pool *p, int id)
{
    struct enemy *e = pool_alloc(p);
    if (!e) {
        printf("pool full\n");
        exit(1);
    }
    e->id = id;
    e->hp = 100;
    e->x = (float)id;
    e->y = 0;
    snprintf(e->name, sizeof e->name, "enemy %d", id);
    return e;
}

int main(void)
{
    struct pool p;
    pool_reserve(&p);
    printf("pool: room for %u enemies of %zu bytes reserved, 0 pages committed\n\n", CAPACITY, sizeof(union slot));

    struct enemy *wave[5];
    printf("spawn 5 enemies:\n");
    for (int i = 0; i < 5; i++) {
        wave[i] = spawn(&p, i + 1);
        printf("  %s -> slot %zu\n", wave[i]->name, slot_of(&p, wave[i]));
    }
    printf("  %zu page%s committed\n", p.committed / PAGE, p.committed == PAGE ? "" : "s");

    printf("\ndefeat enemy 2, then enemy 4: their slots go on the free list\n");
    pool_free(&p, wave[1]);
    pool_free(&p, wave[3]);

    printf("spawn 3 more:\n");
    for (int id = 6; id <= 8; id++) {
        struct enemy *e = spawn(&p, id);
        size_t slot = slot_of(&p, e);
        printf("  %s -> slot %zu%s\n", e->name, slot,
               slot == 3 ? " (enemy 4's, freed last)" : slot == 1 ? " (enemy 2's)" : " (a new slot)");
    }

    printf("\nspawn 200 more: the never-used part grows, pages are committed as it crosses into them\n");
    for (int id = 9; id < 209; id++)
        spawn(&p, id);
    printf("  %zu slots in use, %zu pages committed (%zu slots per page)\n", p.used, p.committed / PAGE,
           PAGE / sizeof(union slot));

    if (munmap(p.base, CAPACITY * sizeof(union slot)) != 0)
        return 1;
    printf("\nreleased the pool with one munmap\n");
    return 0;
}
