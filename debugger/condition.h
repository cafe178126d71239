/* condition.h — the small expression language of breakpoint and watchpoint
 * conditions: `rax == 0`, `pid == 2 && cpl == 3`, `rsp < 0x7ffc0000`.
 *
 *   expr    := or
 *   or      := and { "||" and }
 *   and     := cmp { "&&" cmp }
 *   cmp     := unary [ ("==" | "!=" | "<" | ">" | "<=" | ">=") unary ]
 *   unary   := "!" unary | "(" expr ")" | NUMBER | NAME
 *   NUMBER  := decimal or 0x-hex (64-bit, unsigned comparisons)
 *   NAME    := rax..r15, eax.. (low 32 bits), rip, rflags/eflags, cr0 cr2 cr3
 *              cr4, efer, fs_base, gs_base, pid, tid, cpl, icount
 *
 * Parsing compiles to a short postfix program; evaluating it reads the CPU
 * and the guest thread the machine believes is running (watch.h's pid/tid),
 * nothing else.  Bad text is a one-line error, never a crash (fuzzed in
 * tests/test_debugger_runctl.c). */
#ifndef RINGSCOPE_DEBUGGER_CONDITION_H
#define RINGSCOPE_DEBUGGER_CONDITION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../cpu/cpu.h"

#define COND_MAX_OPS 64
#define COND_TEXT 128

struct cond_op {
    uint8_t kind;        /* private: a number, a register or an operator */
    uint64_t value;      /* the number, or which register */
};

struct condition {
    char text[COND_TEXT];          /* as given (empty: always true) */
    struct cond_op op[COND_MAX_OPS];
    size_t nop;
};

/* What a condition can see. */
struct cond_env {
    struct cpu *cpu;
    int32_t pid, tid;              /* -1 before the kernel's first context switch */
};

/* Compile text ("" or NULL: no condition, always true).  0, or -1 with a
 * one-line reason in err ("at 'foo': unknown name"). */
int cond_parse(struct condition *c, const char *text, char *err, size_t errlen);
/* True when c holds in env (an empty condition always does). */
bool cond_eval(const struct condition *c, const struct cond_env *env);

#endif
