/* trap.c — the Interrupt Descriptor Table and the C side of every
 * exception and interrupt.
 *
 * An IDT entry in 64-bit mode is a 16-byte gate (SDM Vol. 3A 6.14.1,
 * Figure 6-8): the handler's 64-bit offset split over three fields, the
 * code selector to load, an IST index (0 = stay on the current/RSP0 stack),
 * the type (0xE = interrupt gate: IF is cleared on entry; 0xF = trap gate:
 * IF unchanged), the DPL (the lowest privilege allowed to reach it with an
 * INT n instruction) and P.  All gates here are interrupt gates (the
 * kernel runs with interrupts off) with DPL 0, so "int $n" from ring 3
 * raises #GP — except #BP and #OF, DPL 3 as on Linux, so that a program's
 * INT3 (a debugger breakpoint, __builtin_debugtrap) is a SIGTRAP.
 *
 * What happens to a trap:
 *   from ring 3: page faults go to the VMA layer (demand zero, copy on
 *     write); anything else it cannot fix kills the process with a reason;
 *   from ring 0: a bug in the kernel: panic with registers and backtrace;
 *   IRQs: timer tick (and preemption), UART receive; EOI to the 8259. */
#include "trap.h"
#include "console.h"
#include "keyboard.h"
#include "memlayout.h"
#include "memobj.h"
#include "paging.h"
#include "panic.h"
#include "pic.h"
#include "printf.h"
#include "proc.h"
#include "segments.h"
#include "signal.h"
#include "x86.h"

#define GATE_INTERRUPT 0xE
#define IST_DOUBLE_FAULT 1

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;         /* bits 0-2: IST index */
    uint8_t type_attr;   /* bits 0-3 type, bits 5-6 DPL, bit 7 P */
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate (SDM Figure 6-8)");

extern const uint64_t trap_vectors[48];
static struct idt_gate idt[256];

static void set_gate(int vector, uint64_t handler, int ist, int dpl)
{
    idt[vector] = (struct idt_gate){
        .offset_low = handler & 0xFFFF,
        .selector = SEL_KCODE,
        .ist = (uint8_t)ist,
        .type_attr = (uint8_t)(0x80 | dpl << 5 | GATE_INTERRUPT), /* P = 1 */
        .offset_mid = (handler >> 16) & 0xFFFF,
        .offset_high = (uint32_t)(handler >> 32),
    };
}

void idt_init(void)
{
    for (int v = 0; v < 48; v++)
        set_gate(v, trap_vectors[v], v == T_DOUBLE_FAULT ? IST_DOUBLE_FAULT : 0,
                 v == T_BREAKPOINT || v == T_OVERFLOW ? 3 : 0);
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } idtr = {sizeof idt - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" ::"m"(idtr));
}

static const char *const exception_names[32] = {
    "divide error (#DE)", "debug (#DB)", "NMI", "breakpoint (#BP)", "overflow (#OF)",
    "BOUND range exceeded (#BR)", "invalid opcode (#UD)", "device not available (#NM)",
    "double fault (#DF)", "coprocessor segment overrun", "invalid TSS (#TS)", "segment not present (#NP)",
    "stack-segment fault (#SS)", "general protection fault (#GP)", "page fault (#PF)", "reserved (15)",
    "x87 floating-point error (#MF)", "alignment check (#AC)", "machine check (#MC)",
    "SIMD floating-point exception (#XM)", "virtualization exception (#VE)", "control protection (#CP)",
    "reserved (22)", "reserved (23)", "reserved (24)", "reserved (25)", "reserved (26)", "reserved (27)",
    "hypervisor injection (#HV)", "VMM communication (#VC)", "security exception (#SX)", "reserved (31)",
};

const char *trap_name(uint64_t trapno)
{
    return trapno < 32 ? exception_names[trapno] : "interrupt";
}

/* The signal Linux would send for an exception in user mode. */
static int exception_signal(uint64_t trapno)
{
    switch (trapno) {
    case T_DIVIDE:
    case T_FPU:
    case T_SIMD:
        return SIGFPE;
    case T_INVALID_OP:
        return SIGILL;
    case T_DEBUG:
    case T_BREAKPOINT:
        return SIGTRAP;
    case T_ALIGNMENT:
        return SIGBUS;
    default:
        return SIGSEGV;
    }
}

/* A fault the program may handle (a SIGSEGV handler, say); if it does
 * not, it is killed with the reason. */
static void user_fault(int sig, int code, uint64_t addr, const char *why)
{
    if (!signal_fault(sig, code, addr))
        proc_kill_current(sig, why);
}

/* The signal and si_code come from vma_page_fault: SIGSEGV with
 * SEGV_ACCERR / SEGV_MAPERR, or SIGBUS with BUS_ADRERR past the end of a
 * mapped file; si_addr is the faulting address. */
static void user_page_fault(struct trapframe *tf)
{
    char why[128 + MEMOBJ_NAME_MAX];
    uint64_t addr = read_cr2();
    int code, sig = vma_page_fault(current_proc()->mm, addr, (uint32_t)tf->err, why, sizeof why, &code);
    if (sig)
        user_fault(sig, code, addr, why);
}

/* si_code and si_addr of an exception's signal, as Linux's traps.c sets
 * them: #DE FPE_INTDIV and #UD ILL_ILLOPN at the faulting instruction;
 * #MF/#XM the FPE_FLT* code of the exception; #GP (a privileged
 * instruction such as hlt, a non-canonical address) and INT3 are "sent by
 * the kernel": SI_KERNEL, no address. */
/* The first unmasked floating-point exception flag raised, as Linux's
 * fpu__exception_code orders them.  The user's x87/SSE state is still in
 * the CPU (the kernel never touches it). */
static int fp_exception_code(uint64_t trapno)
{
    uint32_t err;
    if (trapno == T_SIMD) {
        uint32_t mxcsr;
        __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
        err = ~(mxcsr >> 7) & mxcsr; /* flags (bits 0-5) whose mask (bits 7-12) is clear */
    } else {
        uint16_t cw, sw;
        __asm__ volatile("fnstcw %0\n\tfnstsw %1" : "=m"(cw), "=m"(sw));
        err = (uint32_t)(sw & ~cw);
    }
    if (err & 0x001)
        return FPE_FLTINV;
    if (err & 0x004)
        return FPE_FLTDIV;
    if (err & 0x008)
        return FPE_FLTOVF;
    if (err & 0x012)
        return FPE_FLTUND;
    if (err & 0x020)
        return FPE_FLTRES;
    return 0;
}

static int exception_code(uint64_t trapno)
{
    switch (trapno) {
    case T_DIVIDE: return FPE_INTDIV;
    case T_INVALID_OP: return ILL_ILLOPN;
    case T_ALIGNMENT: return BUS_ADRALN;
    case T_DEBUG: return TRAP_TRACE;
    case T_FPU:
    case T_SIMD: return fp_exception_code(trapno);
    default: return SI_KERNEL;
    }
}

static void user_exception(struct trapframe *tf)
{
    char why[128];
    if (tf->trapno == T_GP && tf->err == 0)
        ksnprintf(why, sizeof why, "%s at rip 0x%lx (privileged instruction or bad address)",
                  trap_name(tf->trapno), tf->rip);
    else
        ksnprintf(why, sizeof why, "%s at rip 0x%lx", trap_name(tf->trapno), tf->rip);
    int code = exception_code(tf->trapno);
    user_fault(exception_signal(tf->trapno), code, code == SI_KERNEL ? 0 : tf->rip, why);
}

static void irq(int line, struct trapframe *tf)
{
    if (pic_is_spurious(line))
        return;
    switch (line) {
    case IRQ_TIMER:
        timer_tick();
        break;
    case IRQ_KEYBOARD:
        keyboard_intr();
        break;
    case IRQ_COM1:
        console_intr();
        break;
    default:
        break;
    }
    pic_eoi(line);
    /* Preemption: a tick that interrupted user code ends its time slice. */
    if (line == IRQ_TIMER && tf_from_user(tf) && current_thread())
        yield();
}

static bool canonical(uint64_t va) { return va < USER_END || va >= KERNEL_HALF_START; }

void prepare_return_to_user(struct trapframe *tf)
{
    signal_deliver(tf);
    if (!canonical(tf->rip)) {
        char why[96];
        ksnprintf(why, sizeof why, "segmentation fault: return to the non-canonical address 0x%lx", tf->rip);
        proc_kill_current(SIGSEGV, why);
    }
}

void trap(struct trapframe *tf)
{
    if (tf->trapno >= T_IRQ0 && tf->trapno < T_IRQ0 + 16) {
        irq((int)(tf->trapno - T_IRQ0), tf);
    } else if (!tf_from_user(tf)) {
        panic_trap(tf, trap_name(tf->trapno));
    } else if (tf->trapno == T_PAGE_FAULT) {
        user_page_fault(tf);
    } else {
        user_exception(tf);
    }
    if (current_thread() && tf_from_user(tf))
        prepare_return_to_user(tf);
}
