/* harness.h — a bare machine for CPU tests: RAM, MMU, CPU in 64-bit ring 0
 * with paging on, and two test ports, without the board of machine/.
 *
 * Layout of guest physical memory (identity-mapped, so VA == PA):
 *   0x00000500  GDT: 0x08 kernel code64, 0x10 kernel data, 0x18 user code32
 *               (placeholder), 0x20 user data, 0x28 user code64 (STAR-style)
 *   0x00001000  PML4, 0x2000 PDPT, 0x3000.. PDs: first min(RAM,4 GiB)
 *               identity-mapped with 2 MiB pages, P|W|U set
 *   0x00010000  IDT: 256 interrupt gates (DPL 3) to the stubs at 0x12000
 *   0x00011000  64-bit TSS (TR), RSP0 = 0x70000
 *   0x00012000  exception stubs, 8 bytes per vector: mov al, vector;
 *               out 0xF5, al; hlt — port 0xF5 records h->last_vector and
 *               stops the run (harness_run) 
 *   0x00070000  top of the ring-0 stack used on a privilege change (RSP0)
 *   0x00080000  top of the initial stack (RSP)
 *   0x00100000  where harness_load_guest() puts a flat guest binary (entry)
 *   0x00200000  where harness_exec() puts single instructions
 *   0x10000000  HARNESS_ARENA: data arena for memory operands (needs RAM
 *               >= 0x10000000 + HARNESS_ARENA_SIZE; harness_new(0) picks that)
 * Ports: 0xE9 — bytes appended to h->out; 0xF4 — write ends the run with
 * h->exit_code = value (like QEMU's isa-debug-exit). */
#ifndef RINGSCOPE_TEST_HARNESS_H
#define RINGSCOPE_TEST_HARNESS_H
#include <stddef.h>
#include <stdint.h>
#include "cpu/cpu.h"
#include "machine/watch.h"

#define HARNESS_GUEST_BASE 0x100000ull
#define HARNESS_CODE 0x200000ull
#define HARNESS_STACK_TOP 0x80000ull
#define HARNESS_ARENA 0x10000000ull
#define HARNESS_ARENA_SIZE 0x10000ull

/* Register state compared between the host CPU and ringscope. */
struct regs {
    uint64_t gpr[16];
    uint64_t rflags;
    union xmm xmm[16];
    uint32_t mxcsr;
};

struct harness {
    struct mmu *mmu;
    struct bus bus;
    struct cpu *cpu;
    char out[65536];      /* bytes written to port 0xE9 */
    size_t out_len;
    int exit_code;        /* value written to port 0xF4, -1 if none */
    int last_vector;      /* last exception/interrupt delivered, -1 if none */
    uint32_t last_error;
    struct watch_hub *hub;  /* the observation layer over this bare CPU (machine/watch.h) */
};

/* ram_size 0 means "large enough for the arena" (0x10000000 + 1 MiB). */
struct harness *harness_new(uint64_t ram_size);
void harness_free(struct harness *h);

/* Load a flat binary at HARNESS_GUEST_BASE, point RIP at it. 0 or -1. */
int harness_load_guest(struct harness *h, const char *path);
/* Run until the exit port, a triple fault or max_insns; returns the stop. */
enum cpu_stop harness_run(struct harness *h, uint64_t max_insns);

/* Execute exactly one instruction (code, len bytes) at HARNESS_CODE at CPL
 * `cpl` (0 or 3) with the register state *in; write the state after it to
 * *out.  Returns -1 if it retired, or the exception vector it raised (the
 * exception is intercepted, not delivered through an IDT). */
int harness_exec(struct harness *h, const uint8_t *code, size_t len, int cpl,
                 const struct regs *in, struct regs *out);

#endif
