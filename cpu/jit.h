/* jit.h — the translating tier: a decoded block (block.h) that has run
 * JIT_HOT times is translated into host code that does exactly what
 * run_blocks' loop would do with it — the same handlers for everything
 * complex, the same RIP, icount, TLB hit counts and exits — with the
 * common integer, branch, stack and SSE2 integer instructions written as
 * host instructions on the guest registers in struct cpu (jit.c lists
 * them), memory operands found by an inline TLB probe, conditions testing
 * the host flags the guest's own compare left, and exits jumping straight
 * into the next translation.
 *
 * A translation is valid exactly as long as its block (it is one of the
 * block's fields, and every block is forgotten at once when the arena or
 * the code memory is full).  RINGSCOPE_ENGINE=blocks runs blocks without
 * translating them. */
#ifndef RINGSCOPE_JIT_H
#define RINGSCOPE_JIT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cpu;
struct block;
struct block_cache;

/* What a translated block returns: the RIP to go on at, and whether the
 * exit was a memory instruction's slow path that already wrote RIP,
 * icount and the fetch hits (cpu_block_sync: the chain ends). */
struct jit_exit {
    uint64_t rip;
    uint64_t synced;
};
/* brip: the linear address the block is entered at; word: engine_word()
 * at the chain's start (run.c); limit: the instruction count the chain
 * may not pass. */
typedef struct jit_exit (*jit_fn)(struct cpu *cpu, uint64_t brip, uint64_t word, uint64_t limit);

/* A block is translated on its JIT_HOT'th run. */
#define JIT_HOT 128
#define JIT_CODE_BYTES (32u << 20)
#define JIT_STREAM_BYTES (64u << 10) /* a block's hot or cold code at most */

/* Code memory mapped twice (jit_memory.c): written through rw, run at rx. */
struct jit_memory {
    uint8_t *rw;
    const uint8_t *rx;
    size_t size, used;
};
bool jit_memory_map(struct jit_memory *jm, size_t size);
void jit_memory_unmap(struct jit_memory *jm);

struct jit {
    struct jit_memory code;
    bool full;                 /* out of code memory: the block cache flushes at its next build */
    uint32_t chain_offset;     /* from a translation's entry to where chaining jumps in; 0 before the first */
    uint64_t translated, failed;
    uint8_t *scratch;          /* the emitter's two streams */
};

/* NULL when the host gives no executable memory (the block interpreter
 * runs alone then). */
struct jit *jit_new(void);
void jit_free(struct jit *j);
/* Forget every translation (the block cache was flushed). */
void jit_reset(struct jit *j);
/* Translate b, one of bc's blocks; NULL when it cannot (then j->full may
 * be set).  Another translation chains into it at code + j->chain_offset
 * (the same for all: the prologue before it has a fixed length). */
jit_fn jit_translate(struct jit *j, struct block_cache *bc, const struct block *b);

#endif
