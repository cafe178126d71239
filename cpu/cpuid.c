/* cpuid.c — the CPUID answers of ringscope's CPU (SDM Vol. 2A, CPUID).
 *
 * CPUID reports exactly what the interpreter implements, so that libc picks
 * code paths we support (see X86-NOTES.md, "What CPUID should say"):
 *   leaf 0           max basic leaf 7, vendor "GenuineIntel": the decoder
 *                    follows Intel where vendors differ (66-prefixed near
 *                    branches, SYSRET), and glibc reads leaf 1's feature
 *                    bits only for a vendor it knows (get_common_indices
 *                    is given the family only on its Intel/AMD/Zhaoxin
 *                    paths) — with them its ifuncs pick the SSE4.2 and
 *                    SSSE3 string functions (__strcasecmp_sse42,
 *                    __strcspn_sse42, __memmove_ssse3).  Family 6 model 15
 *                    without AVX gets none of glibc's model-specific
 *                    tunings; no HTT bit, so glibc skips leaf 4.
 *   leaf 1           family 6 model 15 stepping 1; EBX: CLFLUSH line 8*8
 *                    bytes; ECX: SSE3 PCLMULQDQ SSSE3 CX16 SSE4.1 SSE4.2
 *                    MOVBE POPCNT AES RDRAND (the x86-64-v2 level and the
 *                    scalar extensions); not XSAVE/OSXSAVE/AVX/FMA/F16C
 *                    (no VEX vector instructions), not MONITOR, no
 *                    hypervisor bit; EDX: FPU TSC MSR PAE CX8 PGE CMOV
 *                    CLFSH MMX FXSR SSE SSE2.  Not APIC, not SEP (SYSENTER is #UD),
 *                    not PAT/MTRR (no such MSRs).
 *   leaf 7 subleaf 0 EBX: BMI1, SMEP, BMI2, RDSEED, ADX, SMAP (the MMU
 *                    enforces SMEP/SMAP; STAC/CLAC exist); not AVX2.
 *   leaves 2-6       all zero (no cache/topology/monitor information)
 *   0x80000000       max extended leaf 0x80000008
 *   0x80000001       ECX: LAHF-SAHF in 64-bit mode, ABM (LZCNT); EDX: SYSCALL, NX,
 *                    1-GiB pages, RDTSCP, LM
 *   0x80000002-4     brand string "ringscope virtual x86-64 CPU"
 *   0x80000005-7     zero
 *   0x80000008       EAX: 46 physical / 48 linear address bits
 * Any leaf above the maximum (basic or extended) returns the data of the
 * highest basic leaf, as Intel processors do (SDM CPUID, "INPUT EAX = 0"
 * note); a subleaf other than 0 of leaf 7 returns zeros. */
#include "cpuid.h"
#include <string.h>

/* Leaf 1 EDX bits (SDM Table 3-11). */
#define EDX_FPU (1u << 0)
#define EDX_TSC (1u << 4)
#define EDX_MSR (1u << 5)
#define EDX_PAE (1u << 6)
#define EDX_CX8 (1u << 8)
#define EDX_PGE (1u << 13)
#define EDX_CMOV (1u << 15)
#define EDX_CLFSH (1u << 19)
#define EDX_MMX (1u << 23)
#define EDX_FXSR (1u << 24)
#define EDX_SSE (1u << 25)
#define EDX_SSE2 (1u << 26)
/* Leaf 1 ECX bits (Table 3-10). */
#define ECX_SSE3 (1u << 0)
#define ECX_PCLMULQDQ (1u << 1)
#define ECX_SSSE3 (1u << 9)
#define ECX_CX16 (1u << 13)
#define ECX_SSE41 (1u << 19)
#define ECX_SSE42 (1u << 20)
#define ECX_MOVBE (1u << 22)
#define ECX_POPCNT (1u << 23)
#define ECX_AES (1u << 25)
#define ECX_RDRAND (1u << 30)
/* Leaf 7 EBX bits (Table 3-8). */
#define EBX7_BMI1 (1u << 3)
#define EBX7_SMEP (1u << 7)
#define EBX7_BMI2 (1u << 8)
#define EBX7_RDSEED (1u << 18)
#define EBX7_ADX (1u << 19)
#define EBX7_SMAP (1u << 20)
/* Leaf 0x80000001 bits. */
#define ECX81_LAHF_LM (1u << 0)
#define ECX81_ABM (1u << 5) /* LZCNT */
#define EDX81_SYSCALL (1u << 11)
#define EDX81_NX (1u << 20)
#define EDX81_PAGE1GB (1u << 26)
#define EDX81_RDTSCP (1u << 27)
#define EDX81_LM (1u << 29)

/* Family 6, model 0xF, stepping 1 (EAX bits 11:8, 7:4, 3:0). */
#define SIGNATURE 0x000006f1u

static const char vendor[12] = "GenuineIntel";
static const char brand[48] = "ringscope virtual x86-64 CPU";

static uint32_t chars4(const char *s)
{
    uint32_t v;
    memcpy(&v, s, 4); /* little-endian: first character in bits 7:0 */
    return v;
}

static struct cpuid_regs basic_leaf(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_regs r = { 0, 0, 0, 0 };
    switch (leaf) {
    case 0:
        /* The vendor string is EBX, EDX, ECX in that order. */
        r.eax = CPUID_MAX_BASIC;
        r.ebx = chars4(vendor);
        r.edx = chars4(vendor + 4);
        r.ecx = chars4(vendor + 8);
        break;
    case 1:
        r.eax = SIGNATURE;
        r.ebx = 8u << 8; /* CLFLUSH line size in 8-byte units; APIC ID 0 */
        r.ecx = ECX_SSE3 | ECX_PCLMULQDQ | ECX_SSSE3 | ECX_CX16 | ECX_SSE41 | ECX_SSE42 |
                ECX_MOVBE | ECX_POPCNT | ECX_AES | ECX_RDRAND;
        r.edx = EDX_FPU | EDX_TSC | EDX_MSR | EDX_PAE | EDX_CX8 | EDX_PGE | EDX_CMOV | EDX_CLFSH |
                EDX_MMX | EDX_FXSR | EDX_SSE | EDX_SSE2;
        break;
    case 7:
        if (subleaf == 0)
            r.ebx = EBX7_BMI1 | EBX7_SMEP | EBX7_BMI2 | EBX7_RDSEED | EBX7_ADX |
                    EBX7_SMAP; /* EAX = 0: no further subleaves */
        break;
    default:
        break;
    }
    return r;
}

struct cpuid_regs cpuid_query(uint32_t leaf, uint32_t subleaf)
{
    if (leaf <= CPUID_MAX_BASIC)
        return basic_leaf(leaf, subleaf);
    struct cpuid_regs r = { 0, 0, 0, 0 };
    switch (leaf) {
    case 0x80000000:
        r.eax = CPUID_MAX_EXTENDED;
        return r;
    case 0x80000001:
        r.ecx = ECX81_LAHF_LM | ECX81_ABM;
        r.edx = EDX81_SYSCALL | EDX81_NX | EDX81_PAGE1GB | EDX81_RDTSCP | EDX81_LM;
        return r;
    case 0x80000002: case 0x80000003: case 0x80000004: {
        const char *p = brand + (leaf - 0x80000002) * 16;
        r.eax = chars4(p);
        r.ebx = chars4(p + 4);
        r.ecx = chars4(p + 8);
        r.edx = chars4(p + 12);
        return r;
    }
    case 0x80000005: case 0x80000006: case 0x80000007:
        return r;
    case 0x80000008:
        r.eax = 48u << 8 | 46u; /* linear bits 15:8, physical bits 7:0 */
        return r;
    default:
        return basic_leaf(CPUID_MAX_BASIC, subleaf);
    }
}
