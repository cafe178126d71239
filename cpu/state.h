/* state.h — which fields of struct cpu a snapshot holds (cpu_save /
 * cpu_restore, state.c) and which are links to the host that stay.
 *
 * CPU_FIELDS(SAVED, HOST) names EVERY field of struct cpu in declaration
 * order: SAVED(f) for architectural and run state (restored as it was),
 * HOST(f) for what ties this CPU to its host (the MMU and bus it uses,
 * observers, the decoded-instruction cache, the run loop's jump buffer,
 * a pending stop request).  A field added to struct cpu must be added
 * here too: tests/test_snapshot.c fails while a field is missing. */
#ifndef RINGSCOPE_CPU_STATE_H
#define RINGSCOPE_CPU_STATE_H
#include "cpu.h"

#define CPU_FIELDS(SAVED, HOST) \
    SAVED(gpr) SAVED(rip) SAVED(next_rip) SAVED(rflags) SAVED(lf) SAVED(cpl) SAVED(intr_shadow) \
    SAVED(halted) HOST(stop_request) SAVED(intr_line) HOST(block_break) HOST(engine_pad) \
    SAVED(icount) SAVED(insns_faulted) HOST(mmu) \
    HOST(bus) HOST(observer) HOST(watch_insn) HOST(watch_mem) SAVED(seg) SAVED(ldtr) SAVED(tr) \
    SAVED(gdtr) SAVED(idtr) SAVED(cr0) SAVED(cr2) \
    SAVED(cr3) SAVED(cr4) SAVED(cr8) SAVED(efer) SAVED(star) SAVED(lstar) SAVED(cstar) SAVED(fmask) \
    SAVED(kernel_gs_base) SAVED(tsc_aux) SAVED(apic_base) SAVED(tsc_offset) SAVED(dr) SAVED(xmm) \
    SAVED(mxcsr) SAVED(fpr) SAVED(fcw) SAVED(fsw) SAVED(ftw) SAVED(ftop) SAVED(fop) SAVED(fip) \
    SAVED(fdp) HOST(fault_jmp) HOST(in_run) SAVED(fault_vector) SAVED(fault_error) \
    SAVED(delivering) SAVED(first_vector) SAVED(fault_began) SAVED(shutdown) SAVED(exc_counts) \
    SAVED(rand_state) HOST(dcache) HOST(block_insn) HOST(block_rip)

#endif
