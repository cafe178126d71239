/* harness.c — the bare test machine of harness.h: RAM, MMU, CPU in 64-bit
 * mode with identity paging, a GDT/IDT/TSS, and the test ports. */
#include "harness.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GDT_BASE 0x500ull
#define PML4_BASE 0x1000ull
#define PDPT_BASE 0x2000ull
#define PD_BASE 0x3000ull
#define IDT_BASE 0x10000ull
#define TSS_BASE 0x11000ull
#define STUBS_BASE 0x12000ull
#define RSP0_TOP 0x70000ull

#define PORT_OUT 0xE9
#define PORT_EXIT 0xF4
#define PORT_VECTOR 0xF5

static uint32_t harness_port_in(void *ctx, uint16_t port, unsigned size)
{
    (void)ctx, (void)port, (void)size;
    return 0xffffffffu;
}

static void harness_port_out(void *ctx, uint16_t port, unsigned size, uint32_t value)
{
    struct harness *h = ctx;
    (void)size;
    if (port == PORT_OUT && h->out_len < sizeof h->out - 1)
        h->out[h->out_len++] = (char)value;
    else if (port == PORT_EXIT) {
        h->exit_code = (int)value;
        h->cpu->stop_request = 1;
    } else if (port == PORT_VECTOR) {
        h->last_vector = (int)(value & 0xff);
        h->cpu->stop_request = 1;
    }
}

static void put64(struct harness *h, uint64_t pa, uint64_t v)
{
    mmu_phys_write(h->mmu, pa, &v, 8);
}

/* Long mode with paging: identity map of RAM with 2 MiB pages. */
static void build_page_tables(struct harness *h)
{
    uint64_t ram = mmu_ram_size(h->mmu);
    uint64_t limit = ram < (4ull << 30) ? ram : (4ull << 30);
    uint64_t npd = (limit + (1ull << 30) - 1) >> 30;
    put64(h, PML4_BASE, PDPT_BASE | PTE_P | PTE_W | PTE_U);
    for (uint64_t i = 0; i < npd; i++)
        put64(h, PDPT_BASE + 8 * i, (PD_BASE + 0x1000 * i) | PTE_P | PTE_W | PTE_U);
    for (uint64_t va = 0; va < limit; va += 2ull << 20)
        put64(h, PD_BASE + 8 * (va >> 21), va | PTE_P | PTE_W | PTE_U | PTE_PS);
}

/* GDT (SDM Vol. 3A §3.4.5): flat code/data descriptors and a 64-bit TSS. */
static void build_descriptors(struct harness *h)
{
    static const uint64_t gdt[] = {
        0,
        0x00af9a000000ffffull, /* 0x08 kernel code, 64-bit */
        0x00cf92000000ffffull, /* 0x10 kernel data */
        0x00cffa000000ffffull, /* 0x18 user code, 32-bit (STAR layout placeholder) */
        0x00cff2000000ffffull, /* 0x20 user data */
        0x00affa000000ffffull, /* 0x28 user code, 64-bit */
    };
    mmu_phys_write(h->mmu, GDT_BASE, gdt, sizeof gdt);
    uint64_t tss_lo = 0x67 | ((TSS_BASE & 0xffffff) << 16) | (0x89ull << 40) |
                      (((TSS_BASE >> 24) & 0xff) << 56);
    put64(h, GDT_BASE + 0x30, tss_lo);
    put64(h, GDT_BASE + 0x38, TSS_BASE >> 32);
    put64(h, TSS_BASE + 4, RSP0_TOP); /* RSP0 */

    /* IDT: 64-bit interrupt gates (type 0xE, DPL 3, present) to the stubs. */
    for (uint64_t v = 0; v < 256; v++) {
        uint64_t stub = STUBS_BASE + 8 * v;
        uint64_t lo = (stub & 0xffff) | (0x08ull << 16) | (0xeeull << 40) | ((stub >> 16 & 0xffff) << 48);
        put64(h, IDT_BASE + 16 * v, lo);
        put64(h, IDT_BASE + 16 * v + 8, stub >> 32);
        uint8_t code[8] = {0xb0, (uint8_t)v, 0xe6, PORT_VECTOR, 0xf4, 0x90, 0x90, 0x90};
        mmu_phys_write(h->mmu, stub, code, sizeof code);
    }
    struct cpu *c = h->cpu;
    c->gdtr = (struct dtr){.base = GDT_BASE, .limit = 0x3f};
    c->idtr = (struct dtr){.base = IDT_BASE, .limit = 256 * 16 - 1};
    c->tr = (struct segment){.sel = 0x30, .base = TSS_BASE, .limit = 0x67, .attr = SEG_ATTR_P | 0xb};
}

static void set_cpl(struct cpu *c, int cpl)
{
    if (cpl == 3) {
        c->seg[SEG_CS] = (struct segment){.sel = 0x2b, .limit = 0xffffffff, .attr = SEG_ATTR_P | SEG_ATTR_L | 0x7b};
        c->seg[SEG_SS] = (struct segment){.sel = 0x23, .limit = 0xffffffff, .attr = SEG_ATTR_P | 0x73};
    } else {
        c->seg[SEG_CS] = (struct segment){.sel = 0x08, .limit = 0xffffffff, .attr = SEG_ATTR_P | SEG_ATTR_L | 0x1b};
        c->seg[SEG_SS] = (struct segment){.sel = 0x10, .limit = 0xffffffff, .attr = SEG_ATTR_P | 0x13};
    }
    c->cpl = (uint8_t)cpl;
}

struct harness *harness_new(uint64_t ram_size)
{
    char err[200];
    struct harness *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    if (!ram_size)
        ram_size = HARNESS_ARENA + (1ull << 20);
    h->bus = (struct bus){.ctx = h, .port_in = harness_port_in, .port_out = harness_port_out};
    if (!(h->mmu = mmu_new(ram_size, &h->bus, err, sizeof err))) {
        fprintf(stderr, "harness: %s\n", err);
        free(h);
        return NULL;
    }
    h->cpu = cpu_new(h->mmu, &h->bus);
    if (!h->cpu || !(h->hub = watch_hub_new(h->cpu))) {
        cpu_free(h->cpu);
        mmu_free(h->mmu);
        free(h);
        return NULL;
    }
    h->exit_code = -1;
    h->last_vector = -1;
    build_page_tables(h);
    build_descriptors(h);
    struct cpu *c = h->cpu;
    c->cr0 = CR0_PE | (1ull << 1) /* MP */ | (1ull << 4) /* ET */ | (1ull << 5) /* NE */ | CR0_WP | CR0_PG;
    c->cr4 = CR4_PAE | CR4_PGE | (1ull << 9) /* OSFXSR */ | (1ull << 10) /* OSXMMEXCPT */;
    c->efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
    c->cr3 = PML4_BASE;
    mmu_set_control(h->mmu, c->cr0, c->cr3, c->cr4, c->efer, TLB_CAUSE_EXTERNAL);
    set_cpl(c, 0);
    c->gpr[RSP] = HARNESS_STACK_TOP;
    c->rip = HARNESS_GUEST_BASE;
    return h;
}

void harness_free(struct harness *h)
{
    if (!h)
        return;
    watch_hub_free(h->hub);
    cpu_free(h->cpu);
    mmu_free(h->mmu);
    free(h);
}

int harness_load_guest(struct harness *h, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (n == 0 || !mmu_phys_write(h->mmu, HARNESS_GUEST_BASE, buf, n))
        return -1;
    h->cpu->rip = HARNESS_GUEST_BASE;
    return 0;
}

enum cpu_stop harness_run(struct harness *h, uint64_t max_insns)
{
    return cpu_run(h->cpu, max_insns);
}

static uint64_t exceptions_delivered(const struct cpu *c)
{
    uint64_t n = 0;
    for (int v = 0; v < 256; v++)
        n += c->exc_counts[v];
    return n;
}

int harness_exec(struct harness *h, const uint8_t *code, size_t len, int cpl,
                 const struct regs *in, struct regs *out)
{
    struct cpu *c = h->cpu;
    uint64_t before[256];
    mmu_phys_write(h->mmu, HARNESS_CODE, code, len);
    memcpy(c->gpr, in->gpr, sizeof c->gpr);
    memcpy(c->xmm, in->xmm, sizeof c->xmm);
    c->mxcsr = in->mxcsr ? in->mxcsr : 0x1f80;
    set_cpl(c, cpl);
    cpu_set_rflags(c, in->rflags);
    c->rip = HARNESS_CODE;
    c->halted = 0;
    c->shutdown = false;
    c->delivering = 0;
    c->stop_request = 0;
    h->last_vector = -1;
    memcpy(before, c->exc_counts, sizeof before);
    uint64_t n0 = exceptions_delivered(c);
    enum cpu_stop stop = cpu_run(c, 1);
    int vector = -1;
    if (exceptions_delivered(c) != n0) {
        for (int v = 0; v < 256; v++)
            if (c->exc_counts[v] != before[v])
                vector = v;
    } else if (stop == STOP_TRIPLE_FAULT) {
        vector = EXC_DF; /* nothing could be delivered (e.g. RSP 0 in ring 0): report the shutdown */
    }
    memcpy(out->gpr, c->gpr, sizeof out->gpr);
    memcpy(out->xmm, c->xmm, sizeof out->xmm);
    out->mxcsr = c->mxcsr;
    out->rflags = cpu_rflags(c);
    if (vector >= 0) {
        h->last_vector = vector;
        /* Error code on top of the handler's stack for 8, 10-14, 17, 21. */
        if (vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21) {
            uint32_t e = 0;
            mmu_phys_read(h->mmu, c->gpr[RSP], &e, 4);
            h->last_error = e;
        }
    }
    return vector;
}
