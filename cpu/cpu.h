/* cpu.h — the architectural state of one x86-64 logical processor in long
 * mode, and the CPU's public API: create, step/run, raise exceptions, read
 * and write state.  SDM Vol. 1 ch. 3 (registers), Vol. 3A ch. 2-3 (system
 * registers, segments), ch. 6 (interrupts). */
#ifndef RINGSCOPE_CPU_H
#define RINGSCOPE_CPU_H
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include "../mmu/mmu.h"
#include "../os/abi/msr.h"   /* MSR numbers the CPU implements, EFER bits */
#include "decode.h"
#include "flags.h"
#include "hooks.h"

/* General-purpose register numbers (ModRM/REX encoding order). */
enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

/* A segment register: the visible selector and the hidden descriptor cache
 * (SDM Vol. 3A §3.4.3).  attr holds descriptor bits 40-47 in 0..7 (type, S,
 * DPL, P) and bits 52-55 in 12..15 (AVL, L, D/B, G), as VMX encodes them. */
/* A segment register: its selector and hidden descriptor cache.  The
 * members are ordered so the struct has no padding: a snapshot
 * (cpu_save) copies it byte for byte, and padding bytes would hold
 * whatever a compiler left there. */
struct segment {
    uint64_t base;
    uint32_t limit;
    uint16_t sel;
    uint16_t attr;
};
_Static_assert(sizeof(struct segment) == 16, "struct segment has no padding");
#define SEG_ATTR_P (1u << 7)
#define SEG_ATTR_L (1u << 13)
#define SEG_ATTR_DB (1u << 14)

/* GDTR/IDTR (SDM Vol. 3A §2.4). */
struct dtr {
    uint64_t base;
    uint16_t limit;
    uint16_t reserved[3];   /* named, so initialisers zero it (no padding in a snapshot) */
};
_Static_assert(sizeof(struct dtr) == 16, "struct dtr has no padding");

union xmm {
    uint8_t b[16];
    uint16_t w[4 * 2];
    uint32_t d[4];
    uint64_t q[2];
    float f[4];
    double fd[2];
};

/* Control-register bits (SDM Vol. 3A §2.5, Figure 2-7) beyond the paging
 * controls the MMU needs (CR0_PE/WP/PG, CR4_PAE/PGE/SMEP/SMAP: mmu.h). */
#define CR0_MP (1ull << 1)         /* monitor coprocessor: WAIT/FWAIT honour TS */
#define CR0_EM (1ull << 2)         /* x87/SSE emulation: their instructions #UD (x87: #NM) */
#define CR0_TS (1ull << 3)         /* task switched: the first x87/SSE instruction #NM */
#define CR0_ET (1ull << 4)         /* extension type, hardwired to 1 */
#define CR0_NE (1ull << 5)         /* native x87 error reporting (#MF) */
#define CR0_AM (1ull << 18)        /* alignment mask */
#define CR0_NW (1ull << 29)        /* not write-through */
#define CR0_CD (1ull << 30)        /* cache disable */
#define CR4_TSD (1ull << 2)        /* RDTSC/RDTSCP only at CPL 0 */
#define CR4_PCE (1ull << 8)        /* RDPMC at any CPL */
#define CR4_OSFXSR (1ull << 9)     /* the OS uses FXSAVE/FXRSTOR: SSE enabled */
#define CR4_OSXMMEXCPT (1ull << 10) /* unmasked SIMD FP exceptions raise #XM (else #UD) */

/* Exception vectors (SDM Vol. 3A Table 6-1). */
enum {
    EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5, EXC_UD = 6,
    EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13,
    EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_MC = 18, EXC_XM = 19,
};

/* Why cpu_run() returned. */
enum cpu_stop {
    STOP_BUDGET,       /* ran the requested number of instructions */
    STOP_HALT,         /* HLT executed; waiting for an interrupt (cpu->halted) */
    STOP_REQUEST,      /* someone set cpu->stop_request (a device, an observer, a breakpoint) */
    STOP_TRIPLE_FAULT, /* shutdown: a fault while delivering #DF */
};

struct cpu {
    /* --- hot state first --- */
    uint64_t gpr[16];
    uint64_t rip;
    uint64_t next_rip;        /* during execution: RIP of the next instruction; handlers write it to branch */
    uint64_t rflags;          /* non-status bits always current; status bits current when lf.op == LF_NONE */
    struct lazy_flags lf;
    uint8_t cpl;              /* current privilege level = CS.sel & 3 */
    uint8_t intr_shadow;      /* interrupts inhibited for one instruction (STI, MOV SS) */
    uint8_t halted;
    volatile uint8_t stop_request;
    uint8_t intr_line;        /* the INTR pin (set by the board's PIC) */
    /* The fast engine (run.c) leaves its block when any byte from cpl to
     * here changes: set 1 when a TLB entry or a frame of decoded code
     * changes; engine_pad keeps the eight bytes from cpl defined. */
    uint8_t block_break;
    uint8_t engine_pad[2];
    uint64_t icount;          /* instructions retired */
    uint64_t insns_faulted;   /* instructions decoded that faulted instead of retiring:
                               * icount + insns_faulted = instructions begun */
    struct mmu *mmu;
    struct bus *bus;
    const struct cpu_observer *observer; /* hooks.h; NULL when nothing is watching */
    bool watch_insn;          /* observer has an instruction callback: the run loop calls it */
    bool watch_mem;           /* data accesses leave the inline TLB path (observed) */

    struct segment seg[6];    /* ES CS SS DS FS GS */
    struct segment ldtr, tr;
    struct dtr gdtr, idtr;
    uint64_t cr0, cr2, cr3, cr4, cr8;
    uint64_t efer;
    uint64_t star, lstar, cstar, fmask, kernel_gs_base, tsc_aux;
    uint64_t apic_base;
    uint64_t tsc_offset;      /* virtual TSC = icount + tsc_offset (WRMSR IA32_TSC sets it; system_registers.c) */
    uint64_t dr[8];           /* debug registers as MOV DR stored them (no breakpoints are armed) */

    union xmm xmm[16];
    uint32_t mxcsr;

    /* x87 FPU (SDM Vol. 1 ch. 8): physical registers R0..R7, ST(i) is
     * R[(top + i) & 7]; the host's long double is the same 80-bit format. */
    long double fpr[8];
    uint16_t fcw, fsw, ftw;   /* ftw: full tag word, 2 bits per physical register */
    uint8_t ftop;
    uint16_t fop;
    uint64_t fip, fdp;

    /* Exceptions: an instruction that faults longjmps to the run loop
     * (state is only committed after all of an instruction's checks). */
    jmp_buf fault_jmp;
    bool in_run;              /* fault_jmp is valid */
    uint8_t fault_vector;     /* set by cpu_fault() before it unwinds */
    uint32_t fault_error;
    int delivering;           /* nesting of exception delivery: 0, 1 (delivering), 2 (delivering #DF) */
    uint8_t first_vector;     /* the exception being delivered when delivering > 0 */
    bool fault_began;         /* run.c: the fault being delivered ended a begun instruction */
    bool shutdown;            /* triple fault: the processor stopped (SDM Vol. 3A §6.15, #DF) */
    uint64_t exc_counts[256]; /* exceptions and interrupts delivered, by vector */
    uint64_t rand_state;      /* RDRAND/RDSEED: a deterministic generator's state (exec_scalar_ext.c) */

    /* Decoded-instruction cache (dcache.c). */
    struct dcache *dcache;
    /* The fast engine (run.c): the block instruction running whose RIP,
     * icount and fetch hits are not yet written (BLOCK_INSN_MEM, block.h),
     * NULL otherwise; its block begins at block_rip.  cpu_block_sync()
     * writes them. */
    const struct insn *block_insn;
    uint64_t block_rip;
};

/* Create/destroy a CPU attached to an MMU and bus; state is the long-mode
 * reset state the loader expects to overwrite.  Returns NULL on OOM. */
struct cpu *cpu_new(struct mmu *mmu, struct bus *bus);
void cpu_free(struct cpu *cpu);

/* Snapshots (state.c): cpu_save writes the architectural and run state —
 * registers, lazy flags, segments, system registers and MSRs, x87/SSE,
 * icount, halt/shadow/INTR state, exception-delivery state and counts —
 * into cpu_state_size() bytes at block; cpu_restore loads it back into a
 * CPU (the same one, or another on an identical machine).  The CPU's links
 * to its host (MMU, bus, observer, decoded-instruction cache) are not part
 * of it and stay as they are; a pending stop request is cleared.  The MMU
 * has its own save (mmu_save) and paging controls are not re-applied. */
size_t cpu_state_size(void);
void cpu_save(const struct cpu *cpu, void *block);
void cpu_restore(struct cpu *cpu, const void *block);

/* Execute up to max_insns instructions (interrupts are taken at instruction
 * boundaries when IF=1 and intr_line is set).  Returns why it stopped. */
enum cpu_stop cpu_run(struct cpu *cpu, uint64_t max_insns);

/* RFLAGS with the status flags materialised / loaded (flags.c). */
uint64_t cpu_rflags(struct cpu *cpu);
void cpu_set_rflags(struct cpu *cpu, uint64_t value);

/* Raise an exception from inside an instruction: unwinds to the run loop,
 * which delivers it through the IDT.  Never returns. */
_Noreturn void cpu_fault(struct cpu *cpu, uint8_t vector, uint32_t error);
/* Raise #PF/#GP from an MMU translation failure (sets CR2 for #PF). */
_Noreturn void cpu_mmu_fault(struct cpu *cpu, const struct mmu_fault *f);

/* Deliver an exception or interrupt through the 64-bit IDT (exceptions.c):
 * gate lookup, privilege change through TSS.RSP0 or an IST stack, the
 * architectural frame (SS, RSP, RFLAGS, CS, RIP [, error code]).
 * SRC_SOFTWARE is INT n/INT3/INTO (gate DPL checked against CPL, RIP pushed
 * is cpu->next_rip); SRC_EXCEPTION pushes cpu->rip (the faulting
 * instruction); SRC_EXTERNAL is a PIC interrupt taken between instructions.
 * A fault during delivery unwinds through cpu_fault() like any other. */
enum deliver_source { SRC_EXCEPTION, SRC_SOFTWARE, SRC_EXTERNAL };
void cpu_deliver(struct cpu *cpu, uint8_t vector, bool has_error, uint32_t error,
                 enum deliver_source source);

/* The run loop calls this for every fault unwound by cpu_fault()
 * (exceptions.c): decides whether the vector pushes an error code, and
 * applies the double-fault rules of SDM Vol. 3A Table 6-5 using
 * cpu->delivering/first_vector: a contributory or page fault while
 * delivering becomes #DF, a fault while delivering #DF is a triple fault
 * (cpu->shutdown = true, cpu->stop_request = 1). */
void cpu_exception(struct cpu *cpu, uint8_t vector, uint32_t error);

/* Control registers and MSRs with their side effects (system_registers.c). */
void cpu_write_cr(struct cpu *cpu, int n, uint64_t value);
bool cpu_wrmsr(struct cpu *cpu, uint32_t msr, uint64_t value); /* false: #GP */
bool cpu_rdmsr(struct cpu *cpu, uint32_t msr, uint64_t *value);
/* Load a segment register in 64-bit mode from a selector (reads the GDT,
 * checks as MOV Sreg / IRET / far transfers do). */
void cpu_load_seg(struct cpu *cpu, int seg, uint16_t sel);

#endif
