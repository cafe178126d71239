/* gdt.c — the Global Descriptor Table and the 64-bit Task State Segment.
 *
 * In 64-bit mode segmentation is mostly gone: code and data descriptors keep
 * only their type, DPL, P and (for code) L bits; base and limit are ignored
 * (SDM Vol. 3A 3.4.5, 5.2.1).  What still matters:
 *   - CS.DPL is the privilege level (ring 0 kernel, ring 3 user);
 *   - the order of the four descriptors, for SYSCALL/SYSRET (segments.h);
 *   - the TSS, no longer used for task switching, holds the stack pointers
 *     the CPU loads on a privilege change: RSP0 for ring 3 -> ring 0, and the
 *     Interrupt Stack Table (SDM Vol. 3A 8.7, Figure 8-11).  The #DF
 *     handler runs on IST1 so a kernel stack overflow still reaches it. */
#include "segments.h"
#include <stdint.h>
#include "string.h"

/* Segment descriptor bits (SDM Vol. 3A Figure 3-8). */
#define DESC_ACCESSED (1ull << 40)
#define DESC_WRITABLE (1ull << 41) /* data: writable; code: readable */
#define DESC_CODE (1ull << 43)
#define DESC_S (1ull << 44)        /* 1 = code/data, 0 = system (TSS, gates) */
#define DESC_DPL(n) ((uint64_t)(n) << 45)
#define DESC_PRESENT (1ull << 47)
#define DESC_LONG (1ull << 53)     /* L: 64-bit code segment */
#define DESC_TYPE_TSS64 (9ull << 40)

#define CODE64(dpl) (DESC_PRESENT | DESC_S | DESC_CODE | DESC_WRITABLE | DESC_ACCESSED | DESC_LONG | DESC_DPL(dpl))
#define DATA(dpl) (DESC_PRESENT | DESC_S | DESC_WRITABLE | DESC_ACCESSED | DESC_DPL(dpl))

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];   /* RSP0-2: stack for a switch to ring 0-2 */
    uint64_t reserved1;
    uint64_t ist[7];   /* IST1-7: stacks selected by an IDT gate's IST field */
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base; /* past the limit: no I/O permission bitmap (ring 3 IN/OUT -> #GP) */
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "TSS layout (SDM Figure 8-11)");

struct percpu percpu;
static struct tss64 tss;
static uint8_t double_fault_stack[8192] __attribute__((aligned(16)));
static uint64_t gdt[8];

struct __attribute__((packed)) pseudo_descriptor {
    uint16_t limit;
    uint64_t base;
};

/* A 64-bit TSS descriptor is 16 bytes (SDM Vol. 3A Figure 8-4): the base is
 * spread over bits 16-39 and 56-63 of the first quadword and the whole
 * low half of the second. */
static void set_tss_descriptor(uint64_t *slot, uint64_t base, uint32_t limit)
{
    slot[0] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | DESC_TYPE_TSS64 | DESC_PRESENT |
              ((uint64_t)(limit >> 16 & 0xF) << 48) | ((base >> 24 & 0xFF) << 56);
    slot[1] = base >> 32;
}

/* LGDT, then reload every segment register: CS by a far return (a MOV
 * cannot load CS), SS/DS/ES with the kernel data selector, FS/GS null
 * (their bases come from MSRs).  LTR loads the TSS (and marks it busy). */
static void load_gdt(void)
{
    struct pseudo_descriptor gdtr = {sizeof gdt - 1, (uint64_t)gdt};
    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movl %2, %%eax\n\t"
                     "movl %%eax, %%ss\n\t"
                     "movl %%eax, %%ds\n\t"
                     "movl %%eax, %%es\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "movl %%eax, %%fs\n\t"
                     "movl %%eax, %%gs\n\t"
                     "movw %3, %%ax\n\t"
                     "ltr %%ax"
                     :
                     : "m"(gdtr), "i"(SEL_KCODE), "i"(SEL_KDATA), "i"(SEL_TSS)
                     : "rax", "memory");
}

void gdt_init(void)
{
    gdt[SEL_KCODE / 8] = CODE64(0);
    gdt[SEL_KDATA / 8] = DATA(0);
    gdt[SEL_USER_BASE / 8] = 0;
    gdt[SEL_UDATA / 8] = DATA(3);
    gdt[SEL_UCODE / 8] = CODE64(3);
    tss.iomap_base = sizeof tss;
    tss.ist[0] = (uint64_t)double_fault_stack + sizeof double_fault_stack;
    set_tss_descriptor(&gdt[SEL_TSS / 8], (uint64_t)&tss, sizeof tss - 1);
    load_gdt();
}

void set_kernel_stack(uint64_t top)
{
    tss.rsp[0] = top;
    percpu.kernel_rsp = top;
}
