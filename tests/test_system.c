/* test_system.c — system instructions one at a time (harness_exec): CPUID
 * against the table in cpu/cpuid.c, whose bits are named by the SDM and
 * cross-checked against what actually executes; control-register and MSR
 * reserved-bit #GP; SWAPGS; STAC/CLAC with SMAP; the virtual TSC; IN/OUT
 * reaching the bus; MOV Sreg and far RET; and self-modifying code
 * (tests/guests/smc.S). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"

static struct harness *h;

static void setup(void)
{
    h = harness_new(0);
    ck_assert_ptr_nonnull(h);
}

static void teardown(void)
{
    harness_free(h);
}

/* Run one instruction at CPL `cpl` from state *r and leave the state after
 * it in *r.  Returns -1 if it retired, else the exception vector. */
static int exec1(const uint8_t *code, size_t len, int cpl, struct regs *r)
{
    struct regs out;
    int v = harness_exec(h, code, len, cpl, r, &out);
    *r = out;
    return v;
}
#define EXEC(cpl, r, ...)                                                   \
    ({                                                                      \
        static const uint8_t code_[] = { __VA_ARGS__ };                     \
        exec1(code_, sizeof code_, (cpl), (r));                             \
    })

static struct regs fresh(void)
{
    struct regs r;
    memset(&r, 0, sizeof r);
    r.rflags = 2;
    r.gpr[RSP] = HARNESS_STACK_TOP; /* exceptions at CPL 0 push their frame here */
    return r;
}

/* ------------------------------------------------------------- CPUID */

static struct regs cpuid(uint32_t leaf, uint32_t subleaf, int cpl)
{
    struct regs r = fresh();
    r.gpr[RAX] = leaf;
    r.gpr[RCX] = subleaf;
    ck_assert_int_eq(EXEC(cpl, &r, 0x0f, 0xa2), -1);
    return r;
}

#define BIT(n) (1ull << (n))

START_TEST(cpuid_vendor_and_maximum_leaves)
{
    struct regs r = cpuid(0, 0, 3); /* CPUID is not privileged */
    char vendor[13];
    memcpy(vendor, &r.gpr[RBX], 4);
    memcpy(vendor + 4, &r.gpr[RDX], 4);
    memcpy(vendor + 8, &r.gpr[RCX], 4);
    vendor[12] = 0;
    ck_assert_str_eq(vendor, "GenuineIntel"); /* glibc reads leaf 1 only for a known vendor */
    ck_assert_uint_eq(r.gpr[RAX], 7);
    r = cpuid(0x80000000, 0, 0);
    ck_assert_uint_eq(r.gpr[RAX], 0x80000008);
    char brand[49] = "";
    for (int i = 0; i < 3; i++) {
        r = cpuid(0x80000002 + i, 0, 0);
        uint32_t w[4] = { (uint32_t)r.gpr[RAX], (uint32_t)r.gpr[RBX], (uint32_t)r.gpr[RCX],
                          (uint32_t)r.gpr[RDX] };
        memcpy(brand + 16 * i, w, 16);
    }
    brand[48] = 0;
    ck_assert_str_eq(brand, "ringscope virtual x86-64 CPU");
}
END_TEST

/* Leaf 1 (SDM Vol. 2A Tables 3-10, 3-11). */
START_TEST(cpuid_leaf1_reports_what_is_implemented_and_nothing_more)
{
    struct regs r = cpuid(1, 0, 0);
    uint64_t edx = BIT(0) /* FPU */ | BIT(4) /* TSC */ | BIT(5) /* MSR */ | BIT(6) /* PAE */ |
                   BIT(8) /* CX8 */ | BIT(13) /* PGE */ | BIT(15) /* CMOV */ |
                   BIT(19) /* CLFSH */ | BIT(23) /* MMX */ | BIT(24) /* FXSR */ | BIT(25) /* SSE */ |
                   BIT(26) /* SSE2 */;
    ck_assert_uint_eq(r.gpr[RDX], edx);            /* no APIC (9), SEP (11), HTT (28) */
    /* SSE3 PCLMULQDQ SSSE3 CX16 SSE4.1 SSE4.2 MOVBE POPCNT AES RDRAND; no MONITOR (3),
     * FMA (12), XSAVE (26), OSXSAVE (27), AVX (28), F16C (29), hypervisor (31). */
    ck_assert_uint_eq(r.gpr[RCX], BIT(0) | BIT(1) | BIT(9) | BIT(13) | BIT(19) | BIT(20) |
                                      BIT(22) | BIT(23) | BIT(25) | BIT(30));
    ck_assert_uint_eq((r.gpr[RBX] >> 8) & 0xff, 8); /* CLFLUSH line: 8 * 8 = 64 bytes */
    ck_assert_uint_eq((r.gpr[RAX] >> 8) & 0xf, 6);  /* family 6 */
}
END_TEST

START_TEST(cpuid_leaf7_and_extended_leaves)
{
    struct regs r = cpuid(7, 0, 0);
    ck_assert_uint_eq(r.gpr[RAX], 0);
    /* BMI1, SMEP, BMI2, RDSEED, ADX, SMAP; no AVX2 (5) */
    ck_assert_uint_eq(r.gpr[RBX], BIT(3) | BIT(7) | BIT(8) | BIT(18) | BIT(19) | BIT(20));
    ck_assert_uint_eq(r.gpr[RCX], 0);
    ck_assert_uint_eq(r.gpr[RDX], 0);
    r = cpuid(0x80000001, 0, 0);
    ck_assert_uint_eq(r.gpr[RCX], BIT(0) | BIT(5)); /* LAHF/SAHF in 64-bit mode, ABM (LZCNT) */
    ck_assert_uint_eq(r.gpr[RDX], BIT(11) /* SYSCALL */ | BIT(20) /* NX */ |
                                      BIT(26) /* 1-GiB pages */ | BIT(27) /* RDTSCP */ |
                                      BIT(29) /* LM */);
    r = cpuid(0x80000008, 0, 0);
    ck_assert_uint_eq(r.gpr[RAX] & 0xffff, 48 << 8 | MMU_MAXPHYADDR);
    /* Leaves above the maximum answer like the highest basic leaf (Intel). */
    struct regs top = cpuid(7, 0, 0), beyond = cpuid(0x40000000, 0, 0);
    ck_assert_uint_eq(beyond.gpr[RBX], top.gpr[RBX]);
    beyond = cpuid(0x80000009, 0, 0);
    ck_assert_uint_eq(beyond.gpr[RBX], top.gpr[RBX]);
}
END_TEST

/* What CPUID reports runs; what it does not report is #UD. */
START_TEST(cpuid_matches_what_executes)
{
    struct regs r = fresh();
    r.gpr[RDI] = HARNESS_ARENA; /* CX16: lock cmpxchg16b [rdi] */
    ck_assert_int_eq(EXEC(0, &r, 0xf0, 0x48, 0x0f, 0xc7, 0x0f), -1);
    r = fresh();                /* CMOV: cmove rax, rbx */
    ck_assert_int_eq(EXEC(0, &r, 0x48, 0x0f, 0x44, 0xc3), -1);
    r = fresh();                /* LAHF_LM */
    ck_assert_int_eq(EXEC(0, &r, 0x9f), -1);
    r = fresh();                /* RDTSCP */
    ck_assert_int_eq(EXEC(0, &r, 0x0f, 0x01, 0xf9), -1);
    r = fresh();                /* POPCNT: popcnt rax, rbx */
    ck_assert_int_eq(EXEC(0, &r, 0xf3, 0x48, 0x0f, 0xb8, 0xc3), -1);
    r = fresh();                /* BMI2: shlx rax, rbx, rcx */
    ck_assert_int_eq(EXEC(0, &r, 0xc4, 0xe2, 0xf1, 0xf7, 0xc3), -1);
    r = fresh();                /* SSE4.2: pcmpistri xmm0, xmm1, 0 */
    ck_assert_int_eq(EXEC(0, &r, 0x66, 0x0f, 0x3a, 0x63, 0xc1, 0x00), -1);
    r = fresh();                /* no AVX: vaddps xmm0, xmm0, xmm1 */
    ck_assert_int_eq(EXEC(0, &r, 0xc5, 0xf8, 0x58, 0xc1), EXC_UD);
    r = fresh();                /* no OSXSAVE: xgetbv */
    ck_assert_int_eq(EXEC(0, &r, 0x0f, 0x01, 0xd0), EXC_UD);
    r = fresh();                /* no SEP: sysenter */
    ck_assert_int_eq(EXEC(0, &r, 0x0f, 0x34), EXC_UD);
    r = fresh();                /* MMX: movq mm0, mm1 */
    ck_assert_int_eq(EXEC(0, &r, 0x0f, 0x6f, 0xc1), -1);
}
END_TEST

/* ----------------------------------------------------- control registers */

static int mov_to_cr(int n, uint64_t value, int cpl)
{
    struct regs r = fresh();
    r.gpr[RAX] = value;
    switch (n) {
    case 0: return EXEC(cpl, &r, 0x0f, 0x22, 0xc0);
    case 3: return EXEC(cpl, &r, 0x0f, 0x22, 0xd8);
    case 4: return EXEC(cpl, &r, 0x0f, 0x22, 0xe0);
    default: return EXEC(cpl, &r, 0x44, 0x0f, 0x22, 0xc0); /* CR8 (REX.R) */
    }
}

START_TEST(control_register_reserved_bits_raise_gp)
{
    struct cpu *c = h->cpu;
    const uint64_t cr0 = c->cr0, cr3 = c->cr3, cr4 = c->cr4;
    /* CR0: bits 63:32 reserved; PG without PE; NW without CD; clearing PG
     * in 64-bit mode (SDM MOV CRn, "Protected Mode Exceptions"/64-bit). */
    ck_assert_int_eq(mov_to_cr(0, cr0 | BIT(32), 0), EXC_GP);
    ck_assert_uint_eq(h->last_error, 0);
    ck_assert_int_eq(mov_to_cr(0, cr0 & ~BIT(0), 0), EXC_GP);
    ck_assert_int_eq(mov_to_cr(0, cr0 | BIT(29), 0), EXC_GP);
    ck_assert_int_eq(mov_to_cr(0, cr0 & ~BIT(31), 0), EXC_GP);
    /* CR3: bits 63:MAXPHYADDR reserved without PCIDE. */
    ck_assert_int_eq(mov_to_cr(3, cr3 | BIT(63), 0), EXC_GP);
    ck_assert_int_eq(mov_to_cr(3, cr3 | BIT(MMU_MAXPHYADDR), 0), EXC_GP);
    /* CR4: unsupported features (LA57, VMXE, PCIDE, OSXSAVE) are reserved;
     * PAE cannot be cleared in IA-32e mode. */
    ck_assert_int_eq(mov_to_cr(4, cr4 | BIT(12), 0), EXC_GP);
    ck_assert_int_eq(mov_to_cr(4, cr4 | BIT(13), 0), EXC_GP);
    ck_assert_int_eq(mov_to_cr(4, cr4 | BIT(17), 0), EXC_GP);
    ck_assert_int_eq(mov_to_cr(4, cr4 | BIT(18), 0), EXC_GP);
    ck_assert_int_eq(mov_to_cr(4, cr4 & ~BIT(5), 0), EXC_GP);
    /* CR8: the TPR is 4 bits. */
    ck_assert_int_eq(mov_to_cr(8, 16, 0), EXC_GP);
    ck_assert_int_eq(mov_to_cr(8, 15, 0), -1);
    ck_assert_uint_eq(c->cr8, 15);
    /* Nothing changed. */
    ck_assert_uint_eq(c->cr0, cr0);
    ck_assert_uint_eq(c->cr3, cr3);
    ck_assert_uint_eq(c->cr4, cr4);
    /* A valid write lands in the CPU and in the MMU's copy. */
    ck_assert_int_eq(mov_to_cr(4, cr4 | BIT(2) /* TSD */, 0), -1);
    ck_assert_uint_eq(c->cr4, cr4 | BIT(2));
    struct mmu_controls mc;
    mmu_get_controls(h->mmu, &mc);
    ck_assert_uint_eq(mc.cr4, cr4 | BIT(2));
    /* Ring 3: #GP(0) for reads and writes; CR1 does not exist: #UD. */
    ck_assert_int_eq(mov_to_cr(4, cr4, 3), EXC_GP);
    struct regs r = fresh();
    ck_assert_int_eq(EXEC(3, &r, 0x0f, 0x20, 0xc0), EXC_GP); /* mov rax, cr0 */
    r = fresh();
    ck_assert_int_eq(EXEC(0, &r, 0x0f, 0x20, 0xc8), EXC_UD); /* mov rax, cr1 */
    r = fresh();
    ck_assert_int_eq(EXEC(0, &r, 0x0f, 0x20, 0xd8), -1);     /* mov rax, cr3 */
    ck_assert_uint_eq(r.gpr[RAX], cr3);
}
END_TEST

START_TEST(mov_cr3_flushes_the_tlb)
{
    struct tlb_stats before, after;
    mmu_tlb_stats(h->mmu, &before);
    ck_assert_int_eq(mov_to_cr(3, h->cpu->cr3, 0), -1);
    mmu_tlb_stats(h->mmu, &after);
    ck_assert_uint_gt(after.flushes, before.flushes);
}
END_TEST

/* ------------------------------------------------------------------ MSRs */

static int wrmsr(uint32_t msr, uint64_t value, int cpl)
{
    struct regs r = fresh();
    r.gpr[RCX] = msr;
    r.gpr[RAX] = (uint32_t)value;
    r.gpr[RDX] = value >> 32;
    return EXEC(cpl, &r, 0x0f, 0x30);
}

static uint64_t rdmsr(uint32_t msr)
{
    struct regs r = fresh();
    r.gpr[RCX] = msr;
    ck_assert_int_eq(EXEC(0, &r, 0x0f, 0x32), -1);
    ck_assert_uint_eq(r.gpr[RDX] >> 32, 0);
    return r.gpr[RDX] << 32 | (uint32_t)r.gpr[RAX];
}

START_TEST(msr_writes_check_reserved_bits)
{
    uint64_t efer = rdmsr(MSR_EFER);
    ck_assert_uint_eq(efer & (EFER_LMA | EFER_LME), EFER_LMA | EFER_LME);
    ck_assert_int_eq(wrmsr(MSR_EFER, efer | BIT(1), 0), EXC_GP);   /* reserved */
    ck_assert_int_eq(wrmsr(MSR_EFER, efer & ~EFER_LME, 0), EXC_GP); /* LME with paging on */
    /* LMA is read-only: writing it as 0 keeps it. */
    ck_assert_int_eq(wrmsr(MSR_EFER, efer & ~(EFER_LMA | EFER_SCE), 0), -1);
    ck_assert_uint_eq(rdmsr(MSR_EFER), efer & ~EFER_SCE);
    struct mmu_controls mc;
    mmu_get_controls(h->mmu, &mc);
    ck_assert_uint_eq(mc.efer, efer & ~EFER_SCE);
    ck_assert_int_eq(wrmsr(0x12345678, 0, 0), EXC_GP);             /* no such MSR */
    struct regs r = fresh();
    r.gpr[RCX] = 0x12345678;
    ck_assert_int_eq(EXEC(0, &r, 0x0f, 0x32), EXC_GP);
    ck_assert_int_eq(wrmsr(MSR_LSTAR, 0x0000800000000000ull, 0), EXC_GP); /* not canonical */
    ck_assert_int_eq(wrmsr(MSR_LSTAR, 0xffff800000001000ull, 0), -1);
    ck_assert_uint_eq(rdmsr(MSR_LSTAR), 0xffff800000001000ull);
    ck_assert_int_eq(wrmsr(MSR_FMASK, BIT(32), 0), EXC_GP);
    ck_assert_int_eq(wrmsr(MSR_TSC_AUX, BIT(32), 0), EXC_GP);
    ck_assert_int_eq(wrmsr(MSR_STAR, 0x0023001000000000ull, 0), -1);
    ck_assert_uint_eq(rdmsr(MSR_STAR), 0x0023001000000000ull);
    /* Ring 3: #GP(0) for both. */
    ck_assert_int_eq(wrmsr(MSR_STAR, 0, 3), EXC_GP);
    r = fresh();
    r.gpr[RCX] = MSR_STAR;
    ck_assert_int_eq(EXEC(3, &r, 0x0f, 0x32), EXC_GP);
}
END_TEST

/* IA32_FS_BASE/GS_BASE are the hidden bases fs:/gs: accesses add. */
START_TEST(fs_gs_base_msrs_move_the_segments)
{
    uint64_t v = 0x1122334455667788ull, w = 0x99aabbccddeeff00ull;
    ck_assert(mmu_phys_write(h->mmu, HARNESS_ARENA + 8, &v, 8));
    ck_assert(mmu_phys_write(h->mmu, HARNESS_ARENA + 0x108, &w, 8));
    ck_assert_int_eq(wrmsr(MSR_FS_BASE, HARNESS_ARENA, 0), -1);
    ck_assert_int_eq(wrmsr(MSR_GS_BASE, HARNESS_ARENA + 0x100, 0), -1);
    ck_assert_uint_eq(h->cpu->seg[SEG_FS].base, HARNESS_ARENA);
    struct regs r = fresh();
    ck_assert_int_eq(EXEC(3, &r, 0x64, 0x48, 0x8b, 0x04, 0x25, 0x08, 0, 0, 0), -1); /* mov rax, fs:[8] */
    ck_assert_uint_eq(r.gpr[RAX], v);
    ck_assert_int_eq(EXEC(3, &r, 0x65, 0x48, 0x8b, 0x04, 0x25, 0x08, 0, 0, 0), -1); /* mov rax, gs:[8] */
    ck_assert_uint_eq(r.gpr[RAX], w);
    ck_assert_int_eq(wrmsr(MSR_GS_BASE, 0xfff0000000000000ull, 0), EXC_GP); /* not canonical */
}
END_TEST

/* SWAPGS exchanges GS.base and IA32_KERNEL_GS_BASE; ring 3: #GP(0). */
START_TEST(swapgs_exchanges_gs_base_with_kernel_gs_base)
{
    ck_assert_int_eq(wrmsr(MSR_GS_BASE, 0x1000, 0), -1);
    ck_assert_int_eq(wrmsr(MSR_KERNEL_GS_BASE, 0xffff800000002000ull, 0), -1);
    struct regs r = fresh();
    ck_assert_int_eq(EXEC(0, &r, 0x0f, 0x01, 0xf8), -1);
    ck_assert_uint_eq(rdmsr(MSR_GS_BASE), 0xffff800000002000ull);
    ck_assert_uint_eq(rdmsr(MSR_KERNEL_GS_BASE), 0x1000);
    ck_assert_uint_eq(h->cpu->seg[SEG_GS].base, 0xffff800000002000ull);
    r = fresh();
    ck_assert_int_eq(EXEC(3, &r, 0x0f, 0x01, 0xf8), EXC_GP);
    ck_assert_uint_eq(h->last_error, 0);
    ck_assert_uint_eq(rdmsr(MSR_GS_BASE), 0xffff800000002000ull);
}
END_TEST

/* STAC/CLAC set and clear RFLAGS.AC at CPL 0 (#UD elsewhere); with
 * CR4.SMAP a supervisor read of a user page faults unless AC = 1. */
START_TEST(stac_clac_toggle_ac_and_smap_obeys_it)
{
    struct regs r = fresh();
    ck_assert_int_eq(EXEC(0, &r, 0x0f, 0x01, 0xcb), -1); /* stac */
    ck_assert_uint_eq(r.rflags & BIT(18), BIT(18));
    ck_assert_int_eq(EXEC(0, &r, 0x0f, 0x01, 0xca), -1); /* clac */
    ck_assert_uint_eq(r.rflags & BIT(18), 0);
    r = fresh();
    ck_assert_int_eq(EXEC(3, &r, 0x0f, 0x01, 0xcb), EXC_UD);

    /* Make the first 2 MiB (the harness's stack, IDT and handler stubs)
     * supervisor-only, so exceptions can still be delivered under SMAP;
     * the arena stays a user page.  Setting CR4.SMAP flushes the TLB. */
    uint64_t pde;
    ck_assert(mmu_phys_read(h->mmu, 0x3000, &pde, 8));
    pde &= ~PTE_U;
    ck_assert(mmu_phys_write(h->mmu, 0x3000, &pde, 8));
    ck_assert_int_eq(mov_to_cr(4, h->cpu->cr4 | CR4_SMAP, 0), -1);
    r = fresh();
    r.gpr[RBX] = HARNESS_ARENA; /* the harness maps everything with U = 1 */
    ck_assert_int_eq(EXEC(0, &r, 0x48, 0x8b, 0x03), EXC_PF); /* mov rax, [rbx] */
    ck_assert_uint_eq(h->last_error, PF_P);                  /* supervisor read, protection */
    ck_assert_uint_eq(h->cpu->cr2, HARNESS_ARENA);
    r = fresh();
    r.gpr[RBX] = HARNESS_ARENA;
    ck_assert_int_eq(EXEC(0, &r, 0x0f, 0x01, 0xcb), -1);     /* stac */
    r.gpr[RBX] = HARNESS_ARENA;
    ck_assert_int_eq(EXEC(0, &r, 0x48, 0x8b, 0x03), -1);
}
END_TEST

/* ------------------------------------------------------------------ TSC */

/* rdtsc; shl rdx,32; or rax,rdx; mov rbx,rax; nop x3; rdtsc; shl; or */
static const uint8_t tsc_probe[] = {
    0x0f, 0x31, 0x48, 0xc1, 0xe2, 0x20, 0x48, 0x09, 0xd0, 0x48, 0x89, 0xc3,
    0x90, 0x90, 0x90,
    0x0f, 0x31, 0x48, 0xc1, 0xe2, 0x20, 0x48, 0x09, 0xd0,
};

static void run_tsc_probe(uint64_t *first, uint64_t *second)
{
    ck_assert(mmu_phys_write(h->mmu, HARNESS_GUEST_BASE, tsc_probe, sizeof tsc_probe));
    h->cpu->rip = HARNESS_GUEST_BASE;
    ck_assert_int_eq(harness_run(h, 10), STOP_BUDGET);
    *first = h->cpu->gpr[RBX];
    *second = h->cpu->gpr[RAX];
}

START_TEST(tsc_is_virtual_and_deterministic)
{
    uint64_t a1, a2, b1, b2;
    run_tsc_probe(&a1, &a2);
    harness_free(h);
    h = harness_new(0);
    ck_assert_ptr_nonnull(h);
    run_tsc_probe(&b1, &b2);
    ck_assert_uint_eq(a1, b1); /* same program, same values */
    ck_assert_uint_eq(a2, b2);
    ck_assert_uint_eq(a2 - a1, 7); /* one tick per instruction retired in between */
    /* WRMSR IA32_TSC sets the counter; RDMSR reads the same clock. */
    ck_assert_int_eq(wrmsr(MSR_TSC, 1000000, 0), -1);
    uint64_t t = rdmsr(MSR_TSC);
    ck_assert_uint_eq(t, 1000001);
    /* CR4.TSD: RDTSC and RDTSCP are privileged. */
    ck_assert_int_eq(mov_to_cr(4, h->cpu->cr4 | BIT(2), 0), -1);
    struct regs r = fresh();
    ck_assert_int_eq(EXEC(3, &r, 0x0f, 0x31), EXC_GP);
    r = fresh();
    ck_assert_int_eq(EXEC(3, &r, 0x0f, 0x01, 0xf9), EXC_GP);
    r = fresh();
    ck_assert_int_eq(EXEC(0, &r, 0x0f, 0x31), -1);
    /* RDTSCP: ECX = IA32_TSC_AUX. */
    ck_assert_int_eq(wrmsr(MSR_TSC_AUX, 0x1234, 0), -1);
    r = fresh();
    r.gpr[RCX] = ~0ull;
    ck_assert_int_eq(EXEC(0, &r, 0x0f, 0x01, 0xf9), -1);
    ck_assert_uint_eq(r.gpr[RCX], 0x1234);
}
END_TEST

/* ---------------------------------------------------------------- ports */

struct port_log {
    int n;
    struct { int out; uint16_t port; unsigned size; uint32_t value; } e[16];
};
static struct port_log plog;

static uint32_t log_in(void *ctx, uint16_t port, unsigned size)
{
    (void)ctx;
    if (plog.n < 16)
        plog.e[plog.n++] = (typeof(plog.e[0])){ 0, port, size, 0 };
    return 0x89abcdefu;
}

static void log_out(void *ctx, uint16_t port, unsigned size, uint32_t value)
{
    (void)ctx;
    if (plog.n < 16)
        plog.e[plog.n++] = (typeof(plog.e[0])){ 1, port, size, value };
}

/* The observer's port hook (hooks.h) sees the same accesses. */
static struct port_log olog;

static void observe_port(void *ctx, struct cpu *cpu, bool out, uint16_t port, unsigned size,
                         uint32_t value)
{
    (void)ctx, (void)cpu;
    if (olog.n < 16)
        olog.e[olog.n++] = (typeof(olog.e[0])){ out, port, size, value };
}

static void expect_port(int i, int out, uint16_t port, unsigned size, uint32_t value)
{
    ck_assert_int_gt(plog.n, i);
    ck_assert_int_eq(plog.e[i].out, out);
    ck_assert_uint_eq(plog.e[i].port, port);
    ck_assert_uint_eq(plog.e[i].size, size);
    ck_assert_uint_eq(plog.e[i].value, value);
}

START_TEST(in_and_out_reach_the_bus)
{
    static const struct cpu_observer obs = { .port = observe_port };
    memset(&plog, 0, sizeof plog);
    memset(&olog, 0, sizeof olog);
    h->bus.port_in = log_in;
    h->bus.port_out = log_out;
    cpu_set_observer(h->cpu, &obs, false);
    struct regs r = fresh();
    r.gpr[RAX] = 0x1111111111111111ull;
    r.gpr[RDX] = 0x3f8;
    ck_assert_int_eq(EXEC(0, &r, 0xe4, 0x60), -1);            /* in al, 0x60 */
    ck_assert_uint_eq(r.gpr[RAX], 0x11111111111111efull);
    ck_assert_int_eq(EXEC(0, &r, 0x66, 0xed), -1);            /* in ax, dx */
    ck_assert_uint_eq(r.gpr[RAX], 0x111111111111cdefull);
    ck_assert_int_eq(EXEC(0, &r, 0xed), -1);                  /* in eax, dx: zero-extends */
    ck_assert_uint_eq(r.gpr[RAX], 0x89abcdefull);
    r.gpr[RAX] = 0xdeadbeef;
    ck_assert_int_eq(EXEC(0, &r, 0xe6, 0x80), -1);            /* out 0x80, al */
    ck_assert_int_eq(EXEC(0, &r, 0x66, 0xef), -1);            /* out dx, ax */
    ck_assert_int_eq(EXEC(0, &r, 0xef), -1);                  /* out dx, eax */
    expect_port(0, 0, 0x60, 1, 0);
    expect_port(1, 0, 0x3f8, 2, 0);
    expect_port(2, 0, 0x3f8, 4, 0);
    expect_port(3, 1, 0x80, 1, 0xef);
    expect_port(4, 1, 0x3f8, 2, 0xbeef);
    expect_port(5, 1, 0x3f8, 4, 0xdeadbeef);
    ck_assert_int_eq(olog.n, 6); /* the observer saw them too, IN with the value read */
    ck_assert_int_eq(olog.e[0].out, 0);
    ck_assert_uint_eq(olog.e[0].value, 0xef);
    ck_assert_uint_eq(olog.e[2].value, 0x89abcdef);
    ck_assert_uint_eq(olog.e[5].value, 0xdeadbeef);
    cpu_set_observer(h->cpu, NULL, false);
    /* rep outsb: three bytes from [rsi]. */
    static const uint8_t bytes[3] = { 'a', 'b', 'c' };
    ck_assert(mmu_phys_write(h->mmu, HARNESS_ARENA, bytes, 3));
    r.gpr[RSI] = HARNESS_ARENA;
    r.gpr[RCX] = 3;
    ck_assert_int_eq(EXEC(0, &r, 0xf3, 0x6e), -1);
    expect_port(6, 1, 0x3f8, 1, 'a');
    expect_port(8, 1, 0x3f8, 1, 'c');
    ck_assert_uint_eq(r.gpr[RCX], 0);
    ck_assert_uint_eq(r.gpr[RSI], HARNESS_ARENA + 3);
    /* rep insw: two words to [rdi]. */
    r.gpr[RDI] = HARNESS_ARENA + 0x40;
    r.gpr[RCX] = 2;
    ck_assert_int_eq(EXEC(0, &r, 0xf3, 0x66, 0x6d), -1);
    uint32_t got = 0;
    ck_assert(mmu_phys_read(h->mmu, HARNESS_ARENA + 0x40, &got, 4));
    ck_assert_uint_eq(got, 0xcdefcdef);
    ck_assert_uint_eq(r.gpr[RDI], HARNESS_ARENA + 0x44);
    /* Ring 3: allowed with IOPL = 3, #GP(0) with IOPL = 0 (no I/O bitmap). */
    int before = plog.n;
    r = fresh();
    r.rflags = 2 | (3ull << 12);
    ck_assert_int_eq(EXEC(3, &r, 0xe6, 0x80), -1);
    ck_assert_int_eq(plog.n, before + 1);
    r = fresh();
    ck_assert_int_eq(EXEC(3, &r, 0xe6, 0x80), EXC_GP);
    ck_assert_int_eq(EXEC(3, &r, 0xfa), EXC_GP);              /* cli */
}
END_TEST

/* ------------------------------------------------------------ segments */

/* MOV Sreg checks the descriptor (SDM MOV, 64-bit mode): the harness GDT
 * has 0x08 kernel code, 0x10 kernel data, 0x20 user data (DPL 3), 0x28 user
 * code, 0x30 the TSS, limit 0x3f. */
START_TEST(mov_sreg_checks_the_descriptor)
{
    struct regs r = fresh();
    r.gpr[RAX] = 0x20;
    ck_assert_int_eq(EXEC(0, &r, 0x8e, 0xe0), -1);        /* mov fs, ax: DPL 3 >= CPL 0 */
    ck_assert_uint_eq(h->cpu->seg[SEG_FS].sel, 0x20);
    ck_assert_int_eq(EXEC(0, &r, 0x8e, 0xd0), EXC_GP);    /* mov ss, ax: SS needs DPL = CPL */
    ck_assert_uint_eq(h->last_error, 0x20);
    r.gpr[RAX] = 0x48;
    ck_assert_int_eq(EXEC(0, &r, 0x8e, 0xd8), EXC_GP);    /* mov ds, ax: beyond the GDT limit */
    ck_assert_uint_eq(h->last_error, 0x48);
    r.gpr[RAX] = 0x30;
    ck_assert_int_eq(EXEC(0, &r, 0x8e, 0xd8), EXC_GP);    /* a system descriptor */
    ck_assert_uint_eq(h->last_error, 0x30);
    r.gpr[RAX] = 0x10;
    ck_assert_int_eq(EXEC(3, &r, 0x8e, 0xd8), EXC_GP);    /* ring 3: DPL 0 data */
    r.gpr[RAX] = 0x08;
    ck_assert_int_eq(EXEC(0, &r, 0x8e, 0xc8), EXC_UD);    /* mov cs, ax */
    r.gpr[RAX] = 0;
    ck_assert_int_eq(EXEC(3, &r, 0x8e, 0xe8), -1);        /* mov gs, ax: null is fine */
    ck_assert_int_eq(EXEC(3, &r, 0x8c, 0xc8), -1);        /* mov eax, cs */
    ck_assert_uint_eq(r.gpr[RAX], 0x2b);
}
END_TEST

/* VERR/VERW set ZF when the segment is readable/writable from here. */
static bool verify(bool write, uint16_t sel, int cpl)
{
    struct regs r = fresh();
    r.gpr[RAX] = sel;
    int v = write ? EXEC(cpl, &r, 0x0f, 0x00, 0xe8) : EXEC(cpl, &r, 0x0f, 0x00, 0xe0);
    ck_assert_int_eq(v, -1);
    return r.rflags & BIT(6);
}

START_TEST(verr_verw_report_access_in_zf)
{
    ck_assert(verify(false, 0x10, 0));   /* kernel data, ring 0 */
    ck_assert(verify(true, 0x10, 0));
    ck_assert(verify(false, 0x08, 0));   /* readable code */
    ck_assert(!verify(true, 0x08, 0));   /* code is never writable */
    ck_assert(!verify(false, 0x10, 3));  /* DPL 0 from ring 3 */
    ck_assert(verify(true, 0x23, 3));    /* user data */
    ck_assert(!verify(false, 0x30, 0));  /* the TSS: a system descriptor */
    ck_assert(!verify(false, 0x48, 0));  /* beyond the GDT limit: no fault */
    ck_assert(!verify(false, 0, 0));     /* null */
}
END_TEST

/* RETF (REX.W CB): to the same level pops RIP and CS; to an outer level
 * also RSP and SS (SDM RET, 64-bit mode). */
START_TEST(far_return_to_same_and_outer_level)
{
    const uint64_t sp = HARNESS_ARENA + 0x800;
    uint64_t frame[4] = { HARNESS_CODE + 0x100, 0x08, 0, 0 };
    ck_assert(mmu_phys_write(h->mmu, sp, frame, sizeof frame));
    struct regs r = fresh();
    r.gpr[RSP] = sp;
    ck_assert_int_eq(EXEC(0, &r, 0x48, 0xcb), -1);
    ck_assert_uint_eq(h->cpu->rip, HARNESS_CODE + 0x100);
    ck_assert_uint_eq(r.gpr[RSP], sp + 16);
    ck_assert_uint_eq(h->cpu->cpl, 0);

    uint64_t outer[4] = { HARNESS_CODE + 0x200, 0x2b, 0x50000, 0x23 };
    ck_assert(mmu_phys_write(h->mmu, sp, outer, sizeof outer));
    r = fresh();
    r.gpr[RSP] = sp;
    ck_assert_int_eq(EXEC(0, &r, 0x48, 0xcb), -1);
    ck_assert_uint_eq(h->cpu->rip, HARNESS_CODE + 0x200);
    ck_assert_uint_eq(r.gpr[RSP], 0x50000);
    ck_assert_uint_eq(h->cpu->cpl, 3);
    ck_assert_uint_eq(h->cpu->seg[SEG_SS].sel, 0x23);

    /* Returning to a more privileged level is #GP(selector). */
    uint64_t inner[2] = { HARNESS_CODE, 0x08 };
    ck_assert(mmu_phys_write(h->mmu, sp, inner, sizeof inner));
    r = fresh();
    r.gpr[RSP] = sp;
    ck_assert_int_eq(EXEC(3, &r, 0x48, 0xcb), EXC_GP);
    ck_assert_uint_eq(h->last_error, 0x08);
}
END_TEST

/* ------------------------------------------------- self-modifying code */

START_TEST(self_modifying_code_runs_the_new_bytes)
{
    ck_assert_msg(harness_load_guest(h, "build/guests/smc.bin") == 0,
                  "cannot load build/guests/smc.bin (run `make guests`)");
    ck_assert_int_eq(harness_run(h, 10000), STOP_REQUEST);
    h->out[h->out_len] = 0;
    ck_assert_str_eq(h->out, "1213");
    ck_assert_int_eq(h->exit_code, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("system");
    TCase *tc = tcase_create("system");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, cpuid_vendor_and_maximum_leaves);
    tcase_add_test(tc, cpuid_leaf1_reports_what_is_implemented_and_nothing_more);
    tcase_add_test(tc, cpuid_leaf7_and_extended_leaves);
    tcase_add_test(tc, cpuid_matches_what_executes);
    tcase_add_test(tc, control_register_reserved_bits_raise_gp);
    tcase_add_test(tc, mov_cr3_flushes_the_tlb);
    tcase_add_test(tc, msr_writes_check_reserved_bits);
    tcase_add_test(tc, fs_gs_base_msrs_move_the_segments);
    tcase_add_test(tc, swapgs_exchanges_gs_base_with_kernel_gs_base);
    tcase_add_test(tc, stac_clac_toggle_ac_and_smap_obeys_it);
    tcase_add_test(tc, tsc_is_virtual_and_deterministic);
    tcase_add_test(tc, in_and_out_reach_the_bus);
    tcase_add_test(tc, mov_sreg_checks_the_descriptor);
    tcase_add_test(tc, verr_verw_report_access_in_zf);
    tcase_add_test(tc, far_return_to_same_and_outer_level);
    tcase_add_test(tc, self_modifying_code_runs_the_new_bytes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
