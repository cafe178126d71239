/* explain.h — one line naming an event and one plain-language sentence
 * saying what it means and what happens next, for learners ("user-mode
 * write to a committed page that has no frame yet: the kernel allocates one
 * (demand-zero) and retries the instruction"). */
#ifndef RINGSCOPE_DEBUGGER_EXPLAIN_H
#define RINGSCOPE_DEBUGGER_EXPLAIN_H
#include <stddef.h>
#include "../cpu/cpu.h"
#include "../machine/debugport.h"
#include "../trace/event.h"
#include "osview.h"

/* The state of the faulting page as the kernel sees it. */
struct fault_context {
    const struct osview *os;
    struct mmu *mmu;
    uint64_t cr3;
    uint32_t pid;
    /* The faulting page's state from the kernel's own tables (kstate.h),
     * when known: used instead of the OS-event history (os). */
    bool known;
    enum page_state state;
    uint64_t slot;          /* PS_SWAPPED: the pagefile slot */
};

/* A trace event of kind exception, interrupt, iret, syscall, sysret or os
 * — exactly what the tracer writes and .expect files assert — as a
 * headline and a sentence.  Other kinds: false. */
bool explain_event(const struct trace_event *e, const struct fault_context *fc, char *text, size_t tcap,
                   char *why, size_t wcap);

/* The same from the raw records (explain_event decodes a trace event into
 * these). */
void explain_exception(const struct exc_event *e, const struct fault_context *fc, char *text, size_t tcap,
                       char *why, size_t wcap);
/* SYSCALL / SYSRET / IRETQ; rax is the syscall number or the result. */
void explain_transfer(const char *kind, uint8_t cpl_before, uint8_t cpl_after, uint64_t rax, char *text,
                      size_t tcap, char *why, size_t wcap);
void explain_os_event(const struct os_event *ev, char *text, size_t tcap, char *why, size_t wcap);

#endif
