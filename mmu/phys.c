/* phys.c — guest physical memory.
 *
 * Owns: RAM as one anonymous host mapping (zeroed, backed by the host only
 * when touched, so a large --ram costs nothing until the guest uses it),
 * the code-frame marks that tie RAM writes to the CPU's decoded-instruction
 * cache, and physical accesses outside RAM, which go to the board's MMIO
 * handlers or behave like a PC's open bus (reads all-ones, writes dropped). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "mmu_private.h"

/* Far below 2^MMU_MAXPHYADDR; the mapping is lazy, the mark array is one
 * byte per frame (256 MiB of marks at this limit, also lazily backed). */
#define RAM_MAX (1ull << 40)

static void set_err(char *err, size_t errlen, const char *fmt, unsigned long long v)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, v);
}

struct mmu *mmu_new(uint64_t ram_size, struct bus *bus, char *err, size_t errlen)
{
    if (ram_size < 0x1000 || ram_size > RAM_MAX) {
        set_err(err, errlen, "RAM size %llu bytes is out of range (4 KiB .. 1 TiB)",
                (unsigned long long)ram_size);
        return NULL;
    }
    struct mmu *m = calloc(1, sizeof *m);
    if (!m) {
        set_err(err, errlen, "out of host memory for the MMU (%llu bytes)", (unsigned long long)sizeof *m);
        return NULL;
    }
    for (int s = 0; s < TLB_SETS; s++)
        for (int w = 0; w < TLB_WAYS; w++)
            m->tlb[s][w].vpn = TLB_INVALID;
    ram_size = (ram_size + 0xfff) & ~0xfffull;
    void *ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED) {
        set_err(err, errlen, "cannot map %llu bytes of guest RAM", (unsigned long long)ram_size);
        free(m);
        return NULL;
    }
    /* Transparent huge pages where the host allows them: the few MiB a
     * guest touches at boot fault in as a handful of 2 MiB pages instead
     * of a thousand 4 KiB ones (and are unmapped as few).  Advice only. */
    madvise(ram, ram_size, MADV_HUGEPAGE);
    /* Mapped, not calloc'ed: calloc clears a block it carves from the heap
     * (64 KiB for 256 MiB of RAM, 16 pages faulted in at every start),
     * while a fresh mapping is zero and backed only where frames are marked. */
    m->code_frame = mmap(NULL, ram_size >> 12, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m->code_frame == MAP_FAILED) {
        m->code_frame = NULL;
        munmap(ram, ram_size);
        free(m);
        set_err(err, errlen, "out of memory for %llu code-frame marks",
                (unsigned long long)(ram_size >> 12));
        return NULL;
    }
    m->ram = ram;
    m->ram_size = ram_size;
    m->bus = bus;
    return m;
}

void mmu_free(struct mmu *m)
{
    if (!m)
        return;
    munmap(m->ram, m->ram_size);
    munmap(m->code_frame, m->ram_size >> 12);
    free(m);
}

uint64_t mmu_ram_size(const struct mmu *m) { return m->ram_size; }

void mmu_set_code_write_handler(struct mmu *m, void (*on_code_write)(void *ctx, uint64_t pfn), void *ctx)
{
    m->on_code_write = on_code_write;
    m->code_ctx = ctx;
}

void phys_note_write(struct mmu *m, uint64_t pfn)
{
    if (pfn < mmu_frames(m) && m->code_frame[pfn]) {
        m->code_frame[pfn] = 0;
        if (m->on_code_write)
            m->on_code_write(m->code_ctx, pfn);
    }
}

void mmu_mark_code(struct mmu *m, uint64_t pfn)
{
    if (pfn >= mmu_frames(m))
        return;
    m->code_frame[pfn] = 1;
    tlb_revoke_writes(m, pfn);
}

uint64_t phys_read_entry(const struct mmu *m, uint64_t pa)
{
    uint64_t v = ~0ull;
    if (pa < m->ram_size && m->ram_size - pa >= 8)
        memcpy(&v, m->ram + pa, 8);
    return v;
}

void phys_write_entry(struct mmu *m, uint64_t pa, uint64_t value)
{
    if (pa < m->ram_size && m->ram_size - pa >= 8) {
        memcpy(m->ram + pa, &value, 8);
        phys_note_write(m, pa >> 12);
    }
}

/* --- accesses that may leave RAM ------------------------------------------
 * A device register is accessed with the width the guest used, so a range
 * that lies wholly outside RAM and is 1, 2, 4 or 8 bytes long is one bus
 * access; anything else outside RAM goes byte by byte. */

static bool bus_width(uint64_t pa, size_t len)
{
    return (len == 1 || len == 2 || len == 4 || len == 8) && pa + len > pa;
}

static uint64_t bus_read(struct mmu *m, uint64_t pa, unsigned size)
{
    if (m->bus && m->bus->mmio_read)
        return m->bus->mmio_read(m->bus->ctx, pa, size);
    return ~0ull; /* open bus: nothing drives the data lines */
}

static void bus_write(struct mmu *m, uint64_t pa, unsigned size, uint64_t v)
{
    if (m->bus && m->bus->mmio_write)
        m->bus->mmio_write(m->bus->ctx, pa, size, v);
}

bool mmu_phys_read(struct mmu *m, uint64_t pa, void *dst, size_t len)
{
    uint8_t *d = dst;
    if (pa >= m->ram_size && bus_width(pa, len)) {
        uint64_t v = bus_read(m, pa, (unsigned)len);
        memcpy(d, &v, len);
        return false;
    }
    bool all_ram = true;
    while (len) {
        size_t n = 1;
        if (pa < m->ram_size) {
            n = m->ram_size - pa < len ? (size_t)(m->ram_size - pa) : len;
            memcpy(d, m->ram + pa, n);
        } else {
            *d = (uint8_t)bus_read(m, pa, 1);
            all_ram = false;
        }
        d += n, pa += n, len -= n;
    }
    return all_ram;
}

bool mmu_phys_equal(const struct mmu *m, uint64_t pa, const void *bytes, size_t len)
{
    return pa < m->ram_size && m->ram_size - pa >= len && memcmp(m->ram + pa, bytes, len) == 0;
}

void *mmu_phys_fill(struct mmu *m, uint64_t pa, size_t len)
{
    if (pa >= m->ram_size || len > m->ram_size - pa)
        return NULL;
    for (uint64_t pfn = pa >> 12; len && pfn <= (pa + len - 1) >> 12; pfn++)
        phys_note_write(m, pfn);
    return m->ram + pa;
}

bool mmu_phys_write(struct mmu *m, uint64_t pa, const void *src, size_t len)
{
    const uint8_t *s = src;
    if (pa >= m->ram_size && bus_width(pa, len)) {
        uint64_t v = 0;
        memcpy(&v, s, len);
        bus_write(m, pa, (unsigned)len, v);
        return false;
    }
    bool all_ram = true;
    while (len) {
        size_t n = 1;
        if (pa < m->ram_size) {
            n = m->ram_size - pa < len ? (size_t)(m->ram_size - pa) : len;
            memcpy(m->ram + pa, s, n);
            for (uint64_t pfn = pa >> 12; pfn <= (pa + n - 1) >> 12; pfn++)
                phys_note_write(m, pfn);
        } else {
            bus_write(m, pa, 1, *s);
            all_ram = false;
        }
        s += n, pa += n, len -= n;
    }
    return all_ram;
}
