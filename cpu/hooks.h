/* hooks.h — the observer API: how the tracer and the debugger watch the CPU
 * without reaching into the interpreter.  cpu->observer is NULL when nobody
 * watches; every hook site is `if (cpu->observer) ...`, one predictable
 * branch.  Any callback may be NULL.  Callbacks may set cpu->stop_request to
 * end cpu_run() at the next instruction boundary. */
#ifndef RINGSCOPE_HOOKS_H
#define RINGSCOPE_HOOKS_H
#include <stdbool.h>
#include <stdint.h>

struct cpu;
struct insn;

/* A delivered exception or interrupt. */
struct exc_event {
    uint8_t vector;
    bool has_error;
    uint32_t error;
    bool soft;           /* INT n / INT3 / INTO */
    bool external;       /* hardware interrupt from the PIC */
    uint64_t cr2;        /* for #PF */
    uint64_t rip;        /* RIP pushed in the frame (faulting or next instruction) */
    uint8_t cpl_before, cpl_after;
    uint64_t rsp_before, rsp_after;
    uint64_t handler;    /* gate target */
    bool stack_switch;   /* RSP loaded from TSS.RSPn or an IST slot */
    int ist;             /* IST index used, 0 if none */
};

enum mem_kind { MEM_READ, MEM_WRITE, MEM_FETCH };

struct cpu_observer {
    void *ctx;
    /* Before an instruction executes (cpu->rip is its address). */
    void (*before_insn)(void *ctx, struct cpu *cpu, const struct insn *in);
    /* After it retired (not called when it faulted). */
    void (*after_insn)(void *ctx, struct cpu *cpu, const struct insn *in);
    /* A data access done by an instruction (not page-walk reads). */
    void (*mem)(void *ctx, struct cpu *cpu, enum mem_kind kind, uint64_t va, uint64_t pa,
                unsigned size, const void *value);
    void (*exception)(void *ctx, struct cpu *cpu, const struct exc_event *e);
    /* IRETQ / SYSRET / SYSCALL ring transitions (kind: "iretq", "sysret", "syscall"). */
    void (*transfer)(void *ctx, struct cpu *cpu, const char *kind, uint8_t cpl_before,
                     uint8_t cpl_after);
    void (*port)(void *ctx, struct cpu *cpu, bool out, uint16_t port, unsigned size,
                 uint32_t value);
};

#endif
