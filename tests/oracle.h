/* oracle.h — run one x86-64 instruction natively on the host CPU, the
 * reference the differential tests compare ringscope against.
 *
 * The instruction is copied into an executable window mapped at
 * HARNESS_CODE (the address where harness_exec() places it in ringscope), so
 * RIP-relative operands, branch targets and return addresses are the same in
 * both worlds when oracle_code_address() == HARNESS_CODE.  The data arena
 * [HARNESS_ARENA, +HARNESS_ARENA_SIZE) is mapped read/write at the same
 * address as in ringscope: point memory operands and RSP there.
 *
 * The rest of the code window is filled with INT3: an instruction that
 * branches inside the window lands on an INT3, which the oracle recognises
 * as "retired, next RIP = target" (oracle_last()->rip). */
#ifndef RINGSCOPE_TEST_ORACLE_H
#define RINGSCOPE_TEST_ORACLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "harness.h"

/* Bytes of code window mapped on each side of the instruction (branch
 * targets within this distance are observed; further ones fault on fetch,
 * which the oracle also reports as a retired branch). */
#define ORACLE_WINDOW 0x10000ull

struct oracle_info {
    uint64_t rip;        /* where execution continued: code + len, or the branch target */
    uint64_t fault_addr; /* for #PF/#GP from a signal: si_addr (the kernel's CR2 copy) */
    int signo;           /* the signal caught, 0 if none */
};

/* Run `code` (len bytes, one instruction) with the state *in (GPRs incl.
 * RSP, RFLAGS, XMM0-15, MXCSR); store the state after it in *out.  TF and
 * AC are never set (they are cleared from in->rflags).  Returns -1 if the
 * instruction retired, else the exception vector it raised (from the
 * kernel's trap number: #DE 0, #DB 1, #BP 3, #UD 6, #SS 12, #GP 13, #PF 14,
 * #MF 16, #AC 17, #XM 19); *out then holds the state at the fault.
 * Aborts the test program if the host cannot map the windows. */
int oracle_exec(const uint8_t *code, size_t len, const struct regs *in, struct regs *out);

/* Details of the last oracle_exec(). */
const struct oracle_info *oracle_last(void);

/* Where the instruction runs natively (HARNESS_CODE unless that address
 * was taken in this process). */
uint64_t oracle_code_address(void);

/* The native data arena (at HARNESS_ARENA, HARNESS_ARENA_SIZE bytes). */
uint8_t *oracle_arena(void);

/* True when the harness's RAM at arena address `at` (the arena is mapped
 * at the same address, physical = virtual) holds the len bytes the native
 * run left there. */
bool oracle_arena_matches(struct harness *h, uint64_t at, size_t len);

#endif
