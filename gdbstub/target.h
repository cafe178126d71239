/* target.h — what gdb is told the machine is: the target description XML
 * (gdb manual, "Target Descriptions") and the register numbering it
 * defines, shared by g/G/p/P.
 *
 * Features: org.gnu.gdb.i386.core (the 64-bit GPRs, RIP, EFLAGS, the six
 * selectors, the x87 stack and control registers), org.gnu.gdb.i386.sse
 * (XMM0-15, MXCSR), org.gnu.gdb.i386.segments (fs_base, gs_base) and
 * org.ringscope.x86.system (CR0, CR2, CR3, CR4, EFER: `info registers
 * cr3`, `p/x $cr2`). */
#ifndef RINGSCOPE_GDBSTUB_TARGET_H
#define RINGSCOPE_GDBSTUB_TARGET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../cpu/cpu.h"

struct gdb_reg {
    const char *name;
    unsigned bits;          /* 32, 64, 80 or 128 */
};

/* The registers in gdb's numbering (regnum = index). */
extern const struct gdb_reg gdb_regs[];
extern const size_t gdb_nregs;

/* The XML document called name ("target.xml"), NULL if there is none. */
const char *gdb_target_xml(const char *name, size_t *len);

/* Where a register's value comes from: the live CPU, or a switched-out
 * thread's trap frame (only what the frame holds is known; the rest reads
 * as unavailable). */
struct gdb_frame_regs {
    uint64_t gpr[16], rip, rflags, cs, ss;
    uint64_t cr3;           /* its process's address space */
};

/* Register regnum as target-order bytes into out (bits/8 of them): true;
 * false when unknown (the caller sends "xx" per byte). */
bool gdb_reg_read(struct cpu *cpu, const struct gdb_frame_regs *frame, size_t regnum, uint8_t *out);
/* Write register regnum of the live CPU from target-order bytes.  False
 * when it cannot be written (a selector other than its value: loading one
 * takes a descriptor; a control register value the CPU refuses). */
bool gdb_reg_write(struct cpu *cpu, size_t regnum, const uint8_t *in);

#endif
