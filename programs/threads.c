/* threads — one address space, one heap, a stack per thread.
 *
 * Threads of a process share everything in its address space: globals, the
 * heap, the code.  Each has its own registers and its own stack (pthreads
 * maps a fresh region for each new thread's stack, and the kernel's clone
 * starts the thread with RSP there).  Shared data needs a lock: here three
 * threads add to one counter that lives on the heap, under a mutex; without
 * it, increments from different threads could overwrite each other.
 *
 * What it prints: the counter's total, and facts about each thread's stack
 * relative to main's and the others' (separate, non-overlapping regions);
 * the exact distances depend on where the kernel placed each mapping.  The
 * threads only record; main prints after joining them, in order.
 *
 * Watch in ringscope:
 *   ringscope run --trace=syscall threads   clone for each thread, futex when a
 *                                           thread has to wait for the mutex
 *   ringscope run --trace=os threads        thread create/exit, context switches */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 3
#define INCREMENTS 20000
#define STACK_SIZE (64u << 10)

struct shared {
    pthread_mutex_t lock;
    long counter;
};

struct worker {
    int number;
    struct shared *shared; /* the same heap object for every thread */
    uintptr_t stack_local; /* the address of a local variable of this thread */
};

static void *work(void *arg)
{
    struct worker *w = arg;
    volatile int on_my_stack = w->number;
    w->stack_local = (uintptr_t)&on_my_stack;
    for (int i = 0; i < INCREMENTS; i++) {
        pthread_mutex_lock(&w->shared->lock);
        w->shared->counter++;
        pthread_mutex_unlock(&w->shared->lock);
    }
    return NULL;
}

static uintptr_t distance(uintptr_t a, uintptr_t b) { return a > b ? a - b : b - a; }

int main(void)
{
    volatile int on_main_stack = 0;
    uintptr_t main_local = (uintptr_t)&on_main_stack;
    struct shared *shared = malloc(sizeof *shared);
    if (!shared)
        return 1;
    pthread_mutex_init(&shared->lock, NULL);
    shared->counter = 0;

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, STACK_SIZE);
    struct worker workers[THREADS];
    pthread_t ids[THREADS];
    printf("threads: %d threads, each adds 1 to a shared heap counter %d times under a mutex\n", THREADS,
           INCREMENTS);
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (struct worker){.number = i + 1, .shared = shared};
        if (pthread_create(&ids[i], &attr, work, &workers[i]) != 0) {
            printf("pthread_create failed\n");
            return 1;
        }
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(ids[i], NULL);

    printf("counter = %ld (expected %d)\n\n", shared->counter, THREADS * INCREMENTS);
    int separate = 1;
    for (int i = 0; i < THREADS; i++) {
        int apart_from_all = 1;
        for (int j = 0; j < THREADS; j++)
            if (j != i && distance(workers[i].stack_local, workers[j].stack_local) < STACK_SIZE)
                apart_from_all = 0;
        int apart_from_main = distance(workers[i].stack_local, main_local) >= STACK_SIZE;
        printf("thread %d: its own stack, %s from main's, %s from the other threads'\n", workers[i].number,
               apart_from_main ? "at least 64 KiB" : "LESS THAN 64 KiB", apart_from_all ? "at least 64 KiB" : "LESS THAN 64 KiB");
        separate &= apart_from_all && apart_from_main;
    }
    printf("one counter on the heap, shared by all; locals on each thread's own stack\n");
    return shared->counter == THREADS * INCREMENTS && separate ? 0 : 1;
}
