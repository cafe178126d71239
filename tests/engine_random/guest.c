/* guest.c — the guest side of tests/test_engine_random.c: a static Linux
 * program linked with one generated assembly file (blocks.S) that runs
 * every generated block many times, natively and on ringscope alike.
 *
 * blocks.S provides the code, in section .rgcode linked at a fixed address
 * and writable (blocks rewrite code), and the table rg_blocks.  For each
 * block and iteration this program derives all sixteen registers and the
 * status flags from a seeded generator, enters the block through
 * rg_enter (every GPR and RFLAGS loaded; RSP in the data arena), and the
 * block leaves through rg_resume, which stores every GPR and RFLAGS.  A
 * block that faults (a load from the unmapped page after the arena, a
 * division by zero) arrives in the SIGSEGV/SIGFPE handler, which takes the
 * registers, RIP, trap number, error code and CR2 from the signal context
 * and unwinds with siglongjmp.
 *
 * Per block one line on stdout: a hash of what the SDM defines (registers,
 * the status flags the generator knows are defined at every exit, the
 * fault context, the data arena) — equal natively and on every engine —
 * and one line on stderr with the same hash over the whole RFLAGS, which
 * only the engines must agree on. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define ARENA 0x21000000ul     /* three data pages; the page after them is never mapped */
#define ARENA_SIZE 0x3000ul
#define STACK_TOP (ARENA + 0x2c00)
#define RG_MAY_FAULT 1

struct rg_block {
    uint64_t entry;
    uint32_t exit_flags;  /* status flags defined at every exit */
    uint32_t fault_flags; /* ... at the instruction that may fault */
    uint8_t ctl_reg;      /* 0xff: none; else this register holds ctl_normal, */
    uint8_t period;       /* or ctl_special in iterations it % period == period - 1 */
    uint8_t kind;         /* RG_MAY_FAULT */
    uint8_t iterations;
    uint32_t pad;
    uint64_t ctl_normal, ctl_special;
};
extern const struct rg_block rg_blocks[];
extern const uint32_t rg_nblocks;
extern const uint64_t rg_seed;

struct regs {
    uint64_t gpr[16];
    uint64_t rflags;
};

void rg_enter(const struct regs *in, struct regs *out, uint64_t entry);
__asm__(".intel_syntax noprefix\n"
        "    .text\n"
        "    .globl rg_enter, rg_resume\n"
        "rg_enter:\n"
        "    push rbx\n push rbp\n push r12\n push r13\n push r14\n push r15\n"
        "    mov [rip + rg_out_ptr], rsi\n"
        "    mov [rip + rg_target], rdx\n"
        "    mov [rip + rg_host_rsp], rsp\n"
        "    push QWORD PTR [rdi + 128]\n"
        "    popfq\n"
        "    mov rax, [rdi]\n      mov rcx, [rdi + 8]\n   mov rdx, [rdi + 16]\n"
        "    mov rbx, [rdi + 24]\n mov rbp, [rdi + 40]\n  mov rsi, [rdi + 48]\n"
        "    mov r8, [rdi + 64]\n  mov r9, [rdi + 72]\n   mov r10, [rdi + 80]\n"
        "    mov r11, [rdi + 88]\n mov r12, [rdi + 96]\n  mov r13, [rdi + 104]\n"
        "    mov r14, [rdi + 112]\n mov r15, [rdi + 120]\n"
        "    mov rsp, [rdi + 32]\n"
        "    mov rdi, [rdi + 56]\n"
        "    jmp QWORD PTR [rip + rg_target]\n"
        "rg_resume:\n"
        "    mov [rip + rg_guest_rsp], rsp\n"
        "    mov rsp, [rip + rg_host_rsp]\n"
        "    pushfq\n"
        "    push rdi\n"
        "    mov rdi, [rip + rg_out_ptr]\n"
        "    mov [rdi], rax\n      mov [rdi + 8], rcx\n   mov [rdi + 16], rdx\n"
        "    mov [rdi + 24], rbx\n mov [rdi + 40], rbp\n  mov [rdi + 48], rsi\n"
        "    mov [rdi + 64], r8\n  mov [rdi + 72], r9\n   mov [rdi + 80], r10\n"
        "    mov [rdi + 88], r11\n mov [rdi + 96], r12\n  mov [rdi + 104], r13\n"
        "    mov [rdi + 112], r14\n mov [rdi + 120], r15\n"
        "    pop QWORD PTR [rdi + 56]\n"
        "    pop QWORD PTR [rdi + 128]\n"
        "    mov rax, [rip + rg_guest_rsp]\n"
        "    mov [rdi + 32], rax\n"
        "    cld\n"
        "    pop r15\n pop r14\n pop r13\n pop r12\n pop rbp\n pop rbx\n"
        "    ret\n"
        "    .bss\n"
        "    .balign 8\n"
        "rg_out_ptr: .skip 8\n"
        "rg_target: .skip 8\n"
        "rg_host_rsp: .skip 8\n"
        "rg_guest_rsp: .skip 8\n"
        "    .text\n"
        ".att_syntax prefix\n");

/* ---- a fault inside a block --------------------------------------------- */

static sigjmp_buf fault_env;
static volatile sig_atomic_t armed;
static volatile uint32_t current_block;
static struct regs fault_regs;
static uint64_t fault_rip, fault_trapno, fault_err, fault_cr2;

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
    (void)si;
    const ucontext_t *uc = ctx;
    if (!armed) {
        char msg[96];
        int n = snprintf(msg, sizeof msg, "unexpected signal %d in block %u at %llx\n", sig, current_block,
                         (unsigned long long)uc->uc_mcontext.gregs[REG_RIP]);
        write(1, msg, (size_t)n);
        _exit(3);
    }
    static const int slot[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                 REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
    for (int i = 0; i < 16; i++)
        fault_regs.gpr[i] = (uint64_t)uc->uc_mcontext.gregs[slot[i]];
    fault_regs.rflags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL];
    fault_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    fault_trapno = (uint64_t)uc->uc_mcontext.gregs[REG_TRAPNO];
    /* The error code and CR2 mean something for a page fault only (for
     * other signals Linux leaves the thread's last values there). */
    fault_err = fault_trapno == 14 ? (uint64_t)uc->uc_mcontext.gregs[REG_ERR] : 0;
    fault_cr2 = fault_trapno == 14 ? (uint64_t)uc->uc_mcontext.gregs[REG_CR2] : 0;
    armed = 0;
    siglongjmp(fault_env, 1);
}

/* ---- inputs ------------------------------------------------------------- */

static uint64_t rng;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Edge values at a random width (0, 1, -1, the signed extremes), small
 * numbers (shift counts), or random bits. */
static uint64_t value(void)
{
    unsigned k = (unsigned)(rnd() % 10);
    if (k < 4) {
        unsigned bits = 8u << (rnd() % 4);
        uint64_t m = bits == 64 ? ~0ull : (1ull << bits) - 1, e;
        switch (rnd() % 6) {
        case 0: e = 0; break;
        case 1: e = 1; break;
        case 2: e = m; break;
        case 3: e = m >> 1; break;
        case 4: e = (m >> 1) + 1; break;
        default: e = m - 1; break;
        }
        return (rnd() % 2 ? rnd() & ~m : 0) | e;
    }
    if (k < 6)
        return rnd() % 70;
    return rnd();
}

#define FNV 0x100000001b3ull
static void fold(uint64_t *h, uint64_t v)
{
    *h = (*h ^ v) * FNV;
    *h ^= *h >> 31;
}

int main(void)
{
    uint8_t *arena = mmap((void *)ARENA, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                          -1, 0);
    if (arena != (uint8_t *)ARENA) {
        puts("cannot map the arena");
        return 2;
    }
    rng = rg_seed | 1;
    for (unsigned i = 0; i < ARENA_SIZE; i += 8) {
        uint64_t v = value();
        memcpy(arena + i, &v, 8);
    }
    static uint8_t altstack[64 * 1024];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    sigaltstack(&ss, NULL);
    struct sigaction sa = {.sa_sigaction = on_fault, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGTRAP, &sa, NULL);

    for (uint32_t b = 0; b < rg_nblocks; b++) {
        const struct rg_block *blk = &rg_blocks[b];
        current_block = b;
        uint64_t defined = 0xcbf29ce484222325ull ^ b, whole = defined;
        unsigned faults = 0;
        for (unsigned it = 0; it < blk->iterations; it++) {
            rng = (rg_seed ^ (b * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)it << 40)) | 1;
            struct regs in, out;
            for (int r = 0; r < 16; r++)
                in.gpr[r] = value();
            in.gpr[4] = STACK_TOP;
            in.rflags = 0x202 | (rnd() & 0x8d5); /* CF PF AF ZF SF OF */
            if (blk->ctl_reg < 16)
                in.gpr[blk->ctl_reg] = it % blk->period == blk->period - 1u ? blk->ctl_special : blk->ctl_normal;
            uint32_t mask = blk->exit_flags;
            uint64_t context[4] = {0, 0, 0, 0};
            if (blk->kind & RG_MAY_FAULT) {
                armed = 1;
                if (sigsetjmp(fault_env, 1)) {
                    out = fault_regs;
                    mask = blk->fault_flags;
                    context[0] = fault_rip, context[1] = fault_trapno, context[2] = fault_err;
                    context[3] = fault_cr2;
                    faults++;
                } else {
                    rg_enter(&in, &out, blk->entry);
                }
                armed = 0;
            } else {
                rg_enter(&in, &out, blk->entry);
            }
            for (int r = 0; r < 16; r++)
                fold(&defined, out.gpr[r]), fold(&whole, out.gpr[r]);
            fold(&defined, out.rflags & mask);
            fold(&whole, out.rflags);
            for (int i = 0; i < 4; i++)
                fold(&defined, context[i]), fold(&whole, context[i]);
        }
        for (unsigned i = 0; i < ARENA_SIZE; i += 8) {
            uint64_t v;
            memcpy(&v, arena + i, 8);
            fold(&defined, v);
            fold(&whole, v);
        }
        printf("block %u: %016llx faults %u\n", b, (unsigned long long)defined, faults);
        fprintf(stderr, "block %u: %016llx\n", b, (unsigned long long)whole);
    }
    return 0;
}
