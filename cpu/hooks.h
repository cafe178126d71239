/* hooks.h — the CPU's hook table: the one place where the interpreter tells
 * the outside what it does.  Its only client is the board's observation
 * layer (machine/watch.h), which fans each hook out to any number of
 * subscribers; nothing else installs hooks (tests of the bare CPU aside).
 *
 * cpu_set_observer() installs a table; any callback may be NULL, and the
 * interpreter's fast paths depend on which ones are set: with no
 * instruction callback the run loop calls no hook per instruction, and
 * unless data accesses (or their TLB hits) are watched, loads and stores
 * stay on the inline TLB path.  Rare events (exceptions, ring transfers,
 * port I/O) cost one predictable branch when unwatched.  A callback may set
 * cpu->stop_request to end cpu_run() at the next instruction boundary. */
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

/* Instructions that move between rings (or could): what a `transfer` hook
 * reports.  ring_transfer_name() gives the mnemonic. */
enum ring_transfer { RT_SYSCALL, RT_SYSRET, RT_IRETQ, RT_RETF };
static inline const char *ring_transfer_name(enum ring_transfer k)
{
    static const char *const names[] = {"syscall", "sysret", "iretq", "retf"};
    return names[k];
}

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
    /* SYSCALL / SYSRET / IRETQ / far RET, after it retired its state
     * changes (RIP is still the instruction's; next_rip is the target). */
    void (*transfer)(void *ctx, struct cpu *cpu, enum ring_transfer kind, uint8_t cpl_before,
                     uint8_t cpl_after);
    void (*port)(void *ctx, struct cpu *cpu, bool out, uint16_t port, unsigned size,
                 uint32_t value);
};

/* Install o (NULL: nothing watches).  mem_hits_watched: someone wants every
 * data access to reach the MMU's translate path even without a `mem`
 * callback (to see its TLB hits), so the inline TLB path is off too. */
void cpu_set_observer(struct cpu *cpu, const struct cpu_observer *o, bool mem_hits_watched);

#endif
