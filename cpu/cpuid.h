/* cpuid.h — what the CPUID instruction reports (cpuid.c). */
#ifndef RINGSCOPE_CPUID_H
#define RINGSCOPE_CPUID_H
#include <stdint.h>

/* The highest leaves CPUID answers (leaf 0 EAX and leaf 0x80000000 EAX). */
#define CPUID_MAX_BASIC 0x7u
#define CPUID_MAX_EXTENDED 0x80000008u

/* Registers EAX, EBX, ECX, EDX for CPUID with EAX = leaf, ECX = subleaf. */
struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};
struct cpuid_regs cpuid_query(uint32_t leaf, uint32_t subleaf);

#endif
