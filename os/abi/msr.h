/* msr.h — the architectural model-specific registers ringscope implements:
 * their numbers (SDM Vol. 4, Table 2-2 "IA-32 Architectural MSRs") and the
 * bits of IA32_EFER (SDM Vol. 3A §2.2.1).
 *
 * Shared by the CPU (cpu/, mmu/: what RDMSR/WRMSR reach) and the guest
 * kernel (os/x86.h: what it programs), so both sides name the same
 * numbers.  Plain constants, no other includes. */
#ifndef OS_ABI_MSR_H
#define OS_ABI_MSR_H

#define MSR_TSC 0x10u                  /* IA32_TIME_STAMP_COUNTER */
#define MSR_APIC_BASE 0x1bu            /* IA32_APIC_BASE */
#define MSR_EFER 0xc0000080u           /* IA32_EFER: bit 0 SCE enables SYSCALL/SYSRET */
#define MSR_STAR 0xc0000081u           /* IA32_STAR: segment selectors for SYSCALL/SYSRET */
#define MSR_LSTAR 0xc0000082u          /* IA32_LSTAR: 64-bit SYSCALL entry RIP */
#define MSR_CSTAR 0xc0000083u          /* IA32_CSTAR: compatibility-mode SYSCALL entry (unused) */
#define MSR_FMASK 0xc0000084u          /* IA32_FMASK: RFLAGS bits cleared by SYSCALL */
#define MSR_FS_BASE 0xc0000100u        /* IA32_FS_BASE */
#define MSR_GS_BASE 0xc0000101u        /* IA32_GS_BASE */
#define MSR_KERNEL_GS_BASE 0xc0000102u /* IA32_KERNEL_GS_BASE: exchanged with GS_BASE by SWAPGS */
#define MSR_TSC_AUX 0xc0000103u        /* IA32_TSC_AUX: what RDTSCP returns in ECX */

/* IA32_EFER bits. */
#define EFER_SCE (1ull << 0)           /* SYSCALL/SYSRET enable */
#define EFER_LME (1ull << 8)           /* IA-32e mode enable */
#define EFER_LMA (1ull << 10)          /* IA-32e mode active */
#define EFER_NXE (1ull << 11)          /* execute-disable (PTE bit 63) enable */

#endif
