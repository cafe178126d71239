/* explain.c — events in plain words (explain.h).  Page faults follow the
 * #PF error code (SDM Vol. 3A §4.7) and the page's state as the kernel's OS
 * events describe it; interrupts follow the PC's IRQ assignments with the
 * 8259 remapped to vector 32 (the guest kernel's choice, os/i8259.c). */
#include "explain.h"

#include <stdio.h>
#include <string.h>

#include "../os/abi/osevent.h"
#include "../trace/syscalls.h"
#include "../trace/vectors.h"

#define IRQ_BASE 32

static const char *access_words(uint32_t error)
{
    if (error & PF_I)
        return "instruction fetch";
    return error & PF_W ? "write" : "read";
}

static void explain_page_fault(const struct exc_event *e, const struct fault_context *fc, char *text, size_t tcap,
                               char *why, size_t wcap)
{
    const char *mode = e->error & PF_U ? "user-mode" : "kernel-mode";
    const char *acc = access_words(e->error);
    snprintf(text, tcap, "#PF %s %s at 0x%llx (error 0x%x: %s)", mode, acc, (unsigned long long)e->cr2, e->error,
             e->error & PF_P ? "protection" : "not present");
    enum page_state st = fc && fc->known ? fc->state
                         : fc && fc->os ? osview_page_state(fc->os, fc->mmu, fc->cr3, fc->pid, e->cr2) : PS_UNMAPPED;
    const struct osview_swapped *sw = fc && !fc->known && fc->os ? osview_swapped_at(fc->os, fc->pid, e->cr2) : NULL;
    struct osview_swapped known_swap = {fc ? fc->pid : 0, e->cr2, fc ? fc->slot : 0};
    if (fc && fc->known && st == PS_SWAPPED)
        sw = &known_swap;
    if (e->error & PF_RSVD) {
        snprintf(why, wcap, "%s %s through a page-table entry with a reserved bit set: a kernel bug, the page "
                 "tables are corrupt", mode, acc);
    } else if (e->error & PF_P) {
        if ((e->error & PF_W))
            snprintf(why, wcap, "%s write to a page mapped read-only: if it is a copy-on-write page (after fork) the "
                     "kernel copies the frame and retries; otherwise the process gets a segmentation fault", mode);
        else if (e->error & PF_I)
            snprintf(why, wcap, "%s instruction fetch from a no-execute (NX) or supervisor page: the kernel kills "
                     "the process (segmentation fault)", mode);
        else
            snprintf(why, wcap, "%s read of a supervisor-only page from ring 3: the kernel kills the process "
                     "(segmentation fault)", mode);
    } else if (sw) {
        snprintf(why, wcap, "%s %s to a page that was swapped out to pagefile slot %llu: the kernel reads it back "
                 "into a free frame (page in) and retries the instruction", mode, acc,
                 (unsigned long long)sw->slot);
    } else if (st == PS_COMMITTED) {
        snprintf(why, wcap, "%s %s to a committed page that has no frame yet: the kernel allocates one "
                 "(demand-zero) and retries the instruction", mode, acc);
    } else if (st == PS_RESERVED) {
        snprintf(why, wcap, "%s %s to reserved (not committed) address space: for the stack the kernel commits the "
                 "page and retries (the stack grows down); elsewhere it is a segmentation fault", mode, acc);
    } else if (st == PS_GUARD) {
        snprintf(why, wcap, "%s %s to a guard page: the stack overflowed; the kernel kills the process "
                 "(segmentation fault)", mode, acc);
    } else if (e->error & PF_U) {
        snprintf(why, wcap, "user-mode %s to an address no memory area covers: the kernel kills the process "
                 "(segmentation fault)", acc);
    } else {
        snprintf(why, wcap, "kernel-mode %s to an unmapped address: either the kernel is touching a user page "
                 "on the process's behalf (then it fixes it up) or this is a kernel bug", acc);
    }
}

static const char *irq_device(int irq)
{
    switch (irq) {
    case 0: return "the 8254 timer (PIT) ticked: the kernel counts time and may switch to another thread";
    case 1: return "the PS/2 keyboard has a scancode: the kernel reads port 0x60 and queues the key";
    case 4: return "the UART (serial console) has input or room to send more";
    case 14: return "the ATA disk finished a sector transfer (swap in/out)";
    case 7: case 15: return "a spurious interrupt from the 8259: the kernel ignores it";
    default: return "a device interrupt";
    }
}

void explain_exception(const struct exc_event *e, const struct fault_context *fc, char *text, size_t tcap,
                       char *why, size_t wcap)
{
    const char *ring = e->cpl_before != e->cpl_after ? " (ring 3 -> 0)" : "";
    if (e->vector == EXC_PF && !e->external && !e->soft) {
        explain_page_fault(e, fc, text, tcap, why, wcap);
        return;
    }
    if (e->external) {
        int irq = e->vector - IRQ_BASE;
        snprintf(text, tcap, "interrupt vector %u (IRQ%d)%s -> handler 0x%llx", e->vector, irq, ring,
                 (unsigned long long)e->handler);
        snprintf(why, wcap, "hardware interrupt between two instructions: %s; afterwards iretq resumes the "
                 "interrupted code", irq >= 0 && irq < 16 ? irq_device(irq) : "a device interrupt");
        return;
    }
    if (e->soft) {
        snprintf(text, tcap, "int 0x%x%s -> handler 0x%llx", e->vector, ring, (unsigned long long)e->handler);
        snprintf(why, wcap, "a software interrupt (INT n) enters the handler in the IDT like an exception: the "
                 "CPU pushes SS:RSP, RFLAGS, CS:RIP and jumps to the gate");
        return;
    }
    if (e->has_error)
        snprintf(text, tcap, "#%s (vector %u) error 0x%x at rip 0x%llx%s", vector_mnemonic(e->vector), e->vector,
                 e->error, (unsigned long long)e->rip, ring);
    else
        snprintf(text, tcap, "#%s (vector %u) at rip 0x%llx%s", vector_mnemonic(e->vector), e->vector,
                 (unsigned long long)e->rip, ring);
    switch (e->vector) {
    case EXC_DE:
        snprintf(why, wcap, "division by zero (or a quotient too big): the kernel sends SIGFPE, which kills the process");
        break;
    case EXC_UD:
        snprintf(why, wcap, "the CPU does not know this instruction (invalid opcode): the process gets SIGILL");
        break;
    case EXC_GP:
        snprintf(why, wcap, "general protection: a privileged instruction in ring 3, a bad segment or a "
                 "non-canonical address; the kernel kills the process");
        break;
    case EXC_BP:
        snprintf(why, wcap, "int3 breakpoint trap: the kernel reports SIGTRAP");
        break;
    case EXC_DF:
        snprintf(why, wcap, "double fault: an exception while delivering another one; the kernel panics");
        break;
    default:
        snprintf(why, wcap, "%s: the CPU saves the interrupted state on the kernel stack and runs the handler",
                 vector_description(e->vector));
        break;
    }
}

void explain_transfer(const char *kind, uint8_t cpl_before, uint8_t cpl_after, uint64_t rax, char *text,
                      size_t tcap, char *why, size_t wcap)
{
    if (strcmp(kind, "syscall") == 0) {
        const char *name = syscall_name(rax);
        snprintf(text, tcap, "syscall %llu (%s), ring %u -> %u", (unsigned long long)rax, name ? name : "?",
                 cpl_before, cpl_after);
        snprintf(why, wcap, "the program asks the kernel for a service (%s): SYSCALL saves RIP in RCX and RFLAGS "
                 "in R11, switches to ring 0 and jumps to the kernel's entry point in the LSTAR MSR",
                 name ? name : "unknown call");
    } else if (strcmp(kind, "sysret") == 0) {
        snprintf(text, tcap, "sysret, ring %u -> %u, result %lld", cpl_before, cpl_after, (long long)rax);
        snprintf(why, wcap, "the kernel returns to the program: SYSRET reloads RIP from RCX and RFLAGS from R11 "
                 "and drops to ring 3; RAX holds the result (negative = -errno)");
    } else {
        snprintf(text, tcap, "%s, ring %u -> %u", kind, cpl_before, cpl_after);
        snprintf(why, wcap, "return from an interrupt or exception handler: IRETQ pops RIP, CS, RFLAGS, RSP and "
                 "SS and the interrupted code continues as if nothing happened");
    }
}

void explain_os_event(const struct os_event *ev, char *text, size_t tcap, char *why, size_t wcap)
{
    unsigned long long a = 0, b = 0;
    const char *name = os_event_type_name(ev->type);
    switch (ev->type) {
    case OSEV_VMA_RESERVE: case OSEV_VMA_COMMIT: case OSEV_VMA_DECOMMIT: case OSEV_VMA_RELEASE:
        a = ev->vma.start, b = ev->vma.start + ev->vma.length;
        snprintf(text, tcap, "pid %u %s 0x%llx-0x%llx (%llu KiB)", ev->pid, name, a, b,
                 (unsigned long long)(ev->vma.length >> 10));
        snprintf(why, wcap, "%s",
                 ev->type == OSEV_VMA_RESERVE ? "the kernel sets address space aside: no memory behind it yet, "
                                                "touching it faults"
                 : ev->type == OSEV_VMA_COMMIT ? "the area is now backed: each page gets a frame on its first "
                                                 "touch (demand paging)"
                 : ev->type == OSEV_VMA_DECOMMIT ? "the kernel drops the frames behind the area but keeps the "
                                                   "addresses reserved"
                                                 : "the addresses are returned: the area is gone");
        break;
    case OSEV_PAGE_OUT:
        snprintf(text, tcap, "pid %u page-out 0x%llx frame 0x%llx -> slot %llu", ev->pid,
                 (unsigned long long)ev->page.va, (unsigned long long)ev->page.frame, (unsigned long long)ev->page.slot);
        snprintf(why, wcap, "frames ran out: the kernel wrote this page to the pagefile on the disk and gave its "
                 "frame away; the next touch will fault and read it back");
        break;
    case OSEV_PAGE_IN:
        snprintf(text, tcap, "pid %u page-in 0x%llx slot %llu -> frame 0x%llx", ev->pid,
                 (unsigned long long)ev->page.va, (unsigned long long)ev->page.slot, (unsigned long long)ev->page.frame);
        snprintf(why, wcap, "the page was in the pagefile: the kernel read it back into a frame and mapped it "
                 "again");
        break;
    case OSEV_PROC_CREATE:
        snprintf(text, tcap, "process %u created (%s), parent %u", ev->proc.pid, ev->text, ev->proc.parent);
        snprintf(why, wcap, "a new process: its own page tables for the user half, the kernel half shared");
        break;
    case OSEV_PROC_EXIT:
        snprintf(text, tcap, "process %u exited with status %d", ev->proc.pid, ev->proc.status);
        if (ev->proc.pid == 1)
            snprintf(why, wcap, "the program ringscope started (pid 1) exits: the kernel stops the machine right "
                     "here, with its memory still mapped (the memory map says \"exiting\")");
        else
            snprintf(why, wcap, "the process exits: the kernel closes its files and frees its frames and page "
                     "tables; it stays a zombie (a pid and a status) until its parent waits for it");
        break;
    case OSEV_THREAD_CREATE: case OSEV_THREAD_EXIT:
        snprintf(text, tcap, "thread %u of process %u %s", ev->thread.tid, ev->thread.pid,
                 ev->type == OSEV_THREAD_CREATE ? "created" : "exited");
        snprintf(why, wcap, "threads share their process's address space; each has its own registers and stacks");
        break;
    case OSEV_CONTEXT_SWITCH:
        snprintf(text, tcap, "context switch pid %u -> %u (cr3 0x%llx)", ev->sw.old_pid, ev->sw.new_pid,
                 (unsigned long long)ev->sw.new_cr3);
        snprintf(why, wcap, "the scheduler switches threads: it saves the old registers and loads CR3 with the "
                 "new process's page tables, which flushes the non-global TLB entries");
        break;
    case OSEV_SYSCALL_NAME:
        snprintf(text, tcap, "kernel: syscall %u is %s", ev->syscall.number, ev->text);
        snprintf(why, wcap, "the kernel names the system call it is handling");
        break;
    case OSEV_PANIC:
        snprintf(text, tcap, "kernel panic: %s", ev->text);
        snprintf(why, wcap, "the kernel found a state it cannot recover from and stopped");
        break;
    default:
        snprintf(text, tcap, "invalid OS event record: %s", ev->invalid_reason ? ev->invalid_reason : "?");
        snprintf(why, wcap, "the kernel sent a record the machine could not decode");
        break;
    }
}

/* ---- from trace events ---------------------------------------------------- */

static uint64_t num(const struct trace_event *e, const char *key)
{
    const struct trace_field *f = trace_field(e, key);
    return f && f->type != TF_STR ? f->v : 0;
}

static const char *str(const struct trace_event *e, const char *key)
{
    const struct trace_field *f = trace_field(e, key);
    return f && f->type == TF_STR ? f->s : "";
}

/* A transition field "a->b". */
static void pair(const struct trace_event *e, const char *key, uint8_t *a, uint8_t *b)
{
    /* A ring crossing names both rings (from_cpl, to_cpl); older traces
     * had one "a->b" field. */
    const struct trace_field *from = trace_field(e, "from_cpl"), *to = trace_field(e, "to_cpl");
    if (from && to) {
        *a = (uint8_t)from->v;
        *b = (uint8_t)to->v;
        return;
    }
    const struct trace_field *f = trace_field(e, key);
    *a = f ? (uint8_t)f->v : 0;
    *b = f ? (uint8_t)(f->type == TF_PAIR ? f->v2 : f->v) : 0;
}

static void exception_from_trace(const struct trace_event *e, struct exc_event *x)
{
    const char *source = str(e, "source");
    *x = (struct exc_event){
        .vector = (uint8_t)num(e, "vector"),
        .has_error = trace_field(e, "error") != NULL,
        .error = (uint32_t)num(e, "error"),
        .soft = strcmp(source, "software") == 0,
        .external = strcmp(source, "external") == 0,
        .cr2 = num(e, "cr2"),
        .rip = num(e, "rip"),
        .rsp_before = num(e, "rsp_old"),
        .rsp_after = num(e, "rsp_new"),
        .handler = num(e, "handler"),
        .stack_switch = strcmp(str(e, "stack"), "same") != 0,
    };
    pair(e, "cpl", &x->cpl_before, &x->cpl_after);
}

static uint32_t prot_bits(const char *rwx)
{
    return (rwx[0] == 'r' ? OSEV_PROT_READ : 0u) | (rwx[0] && rwx[1] == 'w' ? OSEV_PROT_WRITE : 0u) |
           (rwx[0] && rwx[1] && rwx[2] == 'x' ? OSEV_PROT_EXEC : 0u);
}

static void os_event_from_trace(const struct trace_event *e, struct os_event *ev)
{
    memset(ev, 0, sizeof *ev);
    const char *name = str(e, "event");
    ev->type = OS_EVENT_INVALID;
    for (int t = 0; t < 64; t++)
        if (strcmp(os_event_type_name(t), name) == 0) {
            ev->type = t;
            break;
        }
    ev->pid = (uint32_t)num(e, "pid");
    ev->tid = (uint32_t)num(e, "tid");
    switch (ev->type) {
    case OSEV_VMA_RESERVE: case OSEV_VMA_COMMIT: case OSEV_VMA_DECOMMIT: case OSEV_VMA_RELEASE:
        ev->vma.start = num(e, "start");
        ev->vma.length = num(e, "length");
        ev->vma.prot = prot_bits(str(e, "prot"));
        break;
    case OSEV_PAGE_IN: case OSEV_PAGE_OUT:
        ev->page.va = num(e, "va");
        ev->page.frame = num(e, "frame");
        ev->page.slot = num(e, "slot");
        break;
    case OSEV_PROC_CREATE: case OSEV_PROC_EXIT:
        ev->proc.pid = (uint32_t)num(e, "proc");
        ev->proc.parent = (uint32_t)num(e, "parent");
        ev->proc.status = (int32_t)num(e, "status");
        snprintf(ev->text, sizeof ev->text, "%s", str(e, "program"));
        break;
    case OSEV_THREAD_CREATE: case OSEV_THREAD_EXIT:
        ev->thread.tid = (uint32_t)num(e, "thread");
        ev->thread.pid = (uint32_t)num(e, "proc");
        ev->thread.status = (int32_t)num(e, "status");
        break;
    case OSEV_CONTEXT_SWITCH:
        ev->sw.old_pid = (uint32_t)num(e, "old_pid");
        ev->sw.old_tid = (uint32_t)num(e, "old_tid");
        ev->sw.new_pid = (uint32_t)num(e, "new_pid");
        ev->sw.new_tid = (uint32_t)num(e, "new_tid");
        ev->sw.old_cr3 = num(e, "old_cr3");
        ev->sw.new_cr3 = num(e, "new_cr3");
        break;
    case OSEV_SYSCALL_NAME:
        ev->syscall.number = (uint32_t)num(e, "nr");
        snprintf(ev->text, sizeof ev->text, "%s", str(e, "name"));
        break;
    case OSEV_PANIC:
        ev->panic.rip = num(e, "rip");
        snprintf(ev->text, sizeof ev->text, "%s", str(e, "message"));
        break;
    default:
        ev->invalid_reason = str(e, "reason");
        break;
    }
}

bool explain_event(const struct trace_event *e, const struct fault_context *fc, char *text, size_t tcap,
                   char *why, size_t wcap)
{
    uint8_t before, after;
    switch (e->kind) {
    case TRACE_EXCEPTION:
    case TRACE_INTERRUPT: {
        struct exc_event x;
        exception_from_trace(e, &x);
        explain_exception(&x, fc, text, tcap, why, wcap);
        return true;
    }
    case TRACE_SYSCALL:
        pair(e, "cpl", &before, &after);
        explain_transfer("syscall", before, after, num(e, "nr"), text, tcap, why, wcap);
        return true;
    case TRACE_SYSRET:
        pair(e, "cpl", &before, &after);
        explain_transfer("sysret", before, after, num(e, "result"), text, tcap, why, wcap);
        return true;
    case TRACE_IRET:
        pair(e, "cpl", &before, &after);
        explain_transfer(str(e, "insn"), before, after, 0, text, tcap, why, wcap);
        return true;
    case TRACE_OS: {
        struct os_event ev;
        os_event_from_trace(e, &ev);
        explain_os_event(&ev, text, tcap, why, wcap);
        return true;
    }
    default:
        return false;
    }
}
