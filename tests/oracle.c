/* oracle.c — the native-CPU oracle (see oracle.h): an executable window
 * holding one instruction followed by a jump back, and a trampoline that
 * swaps the host's registers for the test's, runs it, and swaps back.
 * Exceptions arrive as signals, caught on an alternate stack and unwound
 * with siglongjmp; the kernel's trap number tells the exception vector. */
#define _GNU_SOURCE
#include "oracle.h"
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

/* The trampoline below addresses struct regs by fixed offsets. */
_Static_assert(offsetof(struct regs, gpr) == 0, "regs layout");
_Static_assert(offsetof(struct regs, rflags) == 128, "regs layout");
_Static_assert(offsetof(struct regs, xmm) == 136, "regs layout");
_Static_assert(offsetof(struct regs, mxcsr) == 392, "regs layout");

/* oracle_enter(in = rdi, out = rsi, code = rdx): saves the callee-saved
 * registers, RSP and MXCSR of the host, loads XMM, MXCSR, RFLAGS (POPFQ on
 * the host stack) and every GPR (RSP and RDI last), jumps to the code.  The
 * code's trailing jump returns to oracle_resume, which stores everything
 * into *out (PUSHFQ before any flag-changing instruction), restores the
 * host state and clears DF as the ABI requires. */
void oracle_enter(const struct regs *in, struct regs *out, const void *code);
extern char oracle_resume[];
__asm__(
    "    .text\n"
    "    .globl oracle_enter\n"
    "    .hidden oracle_enter\n"
    "    .globl oracle_resume\n"
    "    .hidden oracle_resume\n"
    "oracle_enter:\n"
    "    push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
    "    mov %rsi, oracle_out_ptr(%rip)\n"
    "    mov %rdx, oracle_code_ptr(%rip)\n"
    "    stmxcsr oracle_host_mxcsr(%rip)\n"
    "    mov %rsp, oracle_host_rsp(%rip)\n"
    "    movdqu 136(%rdi), %xmm0\n  movdqu 152(%rdi), %xmm1\n"
    "    movdqu 168(%rdi), %xmm2\n  movdqu 184(%rdi), %xmm3\n"
    "    movdqu 200(%rdi), %xmm4\n  movdqu 216(%rdi), %xmm5\n"
    "    movdqu 232(%rdi), %xmm6\n  movdqu 248(%rdi), %xmm7\n"
    "    movdqu 264(%rdi), %xmm8\n  movdqu 280(%rdi), %xmm9\n"
    "    movdqu 296(%rdi), %xmm10\n movdqu 312(%rdi), %xmm11\n"
    "    movdqu 328(%rdi), %xmm12\n movdqu 344(%rdi), %xmm13\n"
    "    movdqu 360(%rdi), %xmm14\n movdqu 376(%rdi), %xmm15\n"
    "    ldmxcsr 392(%rdi)\n"
    "    pushq 128(%rdi)\n"
    "    popfq\n"
    "    mov 0(%rdi), %rax\n   mov 8(%rdi), %rcx\n   mov 16(%rdi), %rdx\n"
    "    mov 24(%rdi), %rbx\n  mov 40(%rdi), %rbp\n  mov 48(%rdi), %rsi\n"
    "    mov 64(%rdi), %r8\n   mov 72(%rdi), %r9\n   mov 80(%rdi), %r10\n"
    "    mov 88(%rdi), %r11\n  mov 96(%rdi), %r12\n  mov 104(%rdi), %r13\n"
    "    mov 112(%rdi), %r14\n mov 120(%rdi), %r15\n"
    "    mov 32(%rdi), %rsp\n"
    "    mov 56(%rdi), %rdi\n"
    "    jmp *oracle_code_ptr(%rip)\n"
    "oracle_resume:\n"
    "    mov %rsp, oracle_guest_rsp(%rip)\n"
    "    mov oracle_host_rsp(%rip), %rsp\n"
    "    pushfq\n"
    "    push %rdi\n"
    "    mov oracle_out_ptr(%rip), %rdi\n"
    "    mov %rax, 0(%rdi)\n   mov %rcx, 8(%rdi)\n   mov %rdx, 16(%rdi)\n"
    "    mov %rbx, 24(%rdi)\n  mov %rbp, 40(%rdi)\n  mov %rsi, 48(%rdi)\n"
    "    mov %r8, 64(%rdi)\n   mov %r9, 72(%rdi)\n   mov %r10, 80(%rdi)\n"
    "    mov %r11, 88(%rdi)\n  mov %r12, 96(%rdi)\n  mov %r13, 104(%rdi)\n"
    "    mov %r14, 112(%rdi)\n mov %r15, 120(%rdi)\n"
    "    popq 56(%rdi)\n"
    "    popq 128(%rdi)\n"
    "    mov oracle_guest_rsp(%rip), %rax\n"
    "    mov %rax, 32(%rdi)\n"
    "    movdqu %xmm0, 136(%rdi)\n  movdqu %xmm1, 152(%rdi)\n"
    "    movdqu %xmm2, 168(%rdi)\n  movdqu %xmm3, 184(%rdi)\n"
    "    movdqu %xmm4, 200(%rdi)\n  movdqu %xmm5, 216(%rdi)\n"
    "    movdqu %xmm6, 232(%rdi)\n  movdqu %xmm7, 248(%rdi)\n"
    "    movdqu %xmm8, 264(%rdi)\n  movdqu %xmm9, 280(%rdi)\n"
    "    movdqu %xmm10, 296(%rdi)\n movdqu %xmm11, 312(%rdi)\n"
    "    movdqu %xmm12, 328(%rdi)\n movdqu %xmm13, 344(%rdi)\n"
    "    movdqu %xmm14, 360(%rdi)\n movdqu %xmm15, 376(%rdi)\n"
    "    stmxcsr 392(%rdi)\n"
    "    ldmxcsr oracle_host_mxcsr(%rip)\n"
    "    cld\n"
    "    pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
    "    ret\n"
    "    .bss\n"
    "    .balign 8\n"
    "oracle_out_ptr: .skip 8\n"
    "oracle_code_ptr: .skip 8\n"
    "oracle_host_rsp: .skip 8\n"
    "oracle_guest_rsp: .skip 8\n"
    "oracle_host_mxcsr: .skip 4\n"
    "    .text\n");

#define SIGSTACK_SIZE (64 * 1024)
#define RESUME_STUB_LEN 14 /* jmp *0(%rip) ; .quad oracle_resume */

static uint8_t *code_window;   /* ORACLE_WINDOW bytes on each side of code_at */
static uint8_t *code_at;
static sigjmp_buf fault_env;
static volatile sig_atomic_t running;
static struct regs *fault_out;
static size_t code_len;
static struct oracle_info last;

/* The state at the fault, from the signal frame. */
static void save_context(const ucontext_t *uc, struct regs *out)
{
    static const int gpr_slot[16] = {
        REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
        REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
    };
    for (int i = 0; i < 16; i++)
        out->gpr[i] = (uint64_t)uc->uc_mcontext.gregs[gpr_slot[i]];
    out->rflags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL];
    if (uc->uc_mcontext.fpregs) {
        memcpy(out->xmm, uc->uc_mcontext.fpregs->_xmm, sizeof out->xmm);
        out->mxcsr = uc->uc_mcontext.fpregs->mxcsr;
    }
}

static void on_signal(int signo, siginfo_t *si, void *ctx)
{
    const ucontext_t *uc = ctx;
    if (!running) { /* a genuine crash of the test program: die as usual */
        signal(signo, SIG_DFL);
        raise(signo);
        return;
    }
    running = 0;
    uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    uint64_t start = (uint64_t)code_at;
    int vector = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
    save_context(uc, fault_out);
    last.signo = signo;
    last.fault_addr = (uint64_t)si->si_addr;
    last.rip = rip;
    if (signo == SIGTRAP && vector == 3 && rip - 1 != start &&
        rip - 1 - (uint64_t)code_window < 2 * ORACLE_WINDOW) {
        /* Landed on a filler INT3: the instruction branched there. */
        last.rip = rip - 1;
        vector = -1;
    } else if (signo == SIGSEGV && rip != start && (uint64_t)si->si_addr == rip) {
        /* Fetch fault at a branch target outside the window. */
        vector = -1;
    }
    siglongjmp(fault_env, vector < 0 ? 1000 : 1 + vector);
}

static void oracle_init(void)
{
    if (code_window)
        return;
    void *want = (void *)(HARNESS_CODE - ORACLE_WINDOW);
    void *w = mmap(want, 2 * ORACLE_WINDOW, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (w == MAP_FAILED || w != want) {
        if (w != MAP_FAILED)
            munmap(w, 2 * ORACLE_WINDOW);
        w = mmap(NULL, 2 * ORACLE_WINDOW, PROT_READ | PROT_WRITE | PROT_EXEC,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (w == MAP_FAILED) {
            perror("oracle: mmap code window");
            abort();
        }
    }
    code_window = w;
    code_at = code_window + ORACLE_WINDOW;
    memset(code_window, 0xcc, 2 * ORACLE_WINDOW);

    void *arena = mmap((void *)HARNESS_ARENA, HARNESS_ARENA_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (arena != (void *)HARNESS_ARENA) {
        fprintf(stderr, "oracle: cannot map the arena at %#llx\n", HARNESS_ARENA);
        abort();
    }

    static uint8_t signal_stack[SIGSTACK_SIZE] __attribute__((aligned(16)));
    stack_t ss = {.ss_sp = signal_stack, .ss_size = sizeof signal_stack};
    if (sigaltstack(&ss, NULL) != 0) {
        perror("oracle: sigaltstack");
        abort();
    }
    struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    sigemptyset(&sa.sa_mask);
    const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

int oracle_exec(const uint8_t *code, size_t len, const struct regs *in, struct regs *out)
{
    oracle_init();
    if (len == 0 || len > 15)
        abort();
    /* Restore the INT3 filler over the previous instruction and stub. */
    memset(code_at, 0xcc, code_len + RESUME_STUB_LEN);
    memcpy(code_at, code, len);
    uint8_t *stub = code_at + len;
    uint64_t resume = (uint64_t)oracle_resume;
    static const uint8_t jmp_rip_indirect[6] = {0xff, 0x25, 0, 0, 0, 0};
    memcpy(stub, jmp_rip_indirect, 6);
    memcpy(stub + 6, &resume, 8);
    code_len = len;

    struct regs input = *in;
    input.rflags = (input.rflags & ~(RF_TF | RF_AC)) | RF_FIXED1;
    *out = input;
    fault_out = out;
    memset(&last, 0, sizeof last);
    last.rip = (uint64_t)code_at + len;

    int jumped = sigsetjmp(fault_env, 1);
    if (jumped) /* unwound from on_signal: DF is clear and MXCSR the host's in the handler frame */
        return jumped == 1000 ? -1 : jumped - 1;
    running = 1;
    oracle_enter(&input, out, code_at);
    running = 0;
    return -1;
}

const struct oracle_info *oracle_last(void)
{
    return &last;
}

uint64_t oracle_code_address(void)
{
    oracle_init();
    return (uint64_t)code_at;
}

uint8_t *oracle_arena(void)
{
    oracle_init();
    return (uint8_t *)HARNESS_ARENA;
}

bool oracle_arena_matches(struct harness *h, uint64_t at, size_t len)
{
    uint8_t ours[4096];
    if (at < HARNESS_ARENA || len > sizeof ours || at + len > HARNESS_ARENA + HARNESS_ARENA_SIZE)
        return false;
    return mmu_phys_read(h->mmu, at, ours, len) && memcmp(ours, oracle_arena() + (at - HARNESS_ARENA), len) == 0;
}
