/* memory.c — guest memory for gdb's m/M/X packets, in any address space,
 * without side effects: each page is looked up with mmu_peek (no TLB fill,
 * no Accessed/Dirty bit set, no #PF) and read or written physically
 * (a write invalidates decoded code in that frame, like any other). */
#include "internal.h"

static size_t access_memory(struct gdbstub *s, uint64_t cr3, uint64_t va, void *buf, size_t n, bool write)
{
    struct mmu *mmu = machine_mmu(s->d->m);
    size_t done = 0;
    while (done < n) {
        struct mmu_peek w;
        if (!mmu_peek(mmu, cr3, va + done, &w) || !w.ok)
            break;
        size_t chunk = 0x1000 - ((va + done) & 0xfff);
        if (chunk > n - done)
            chunk = n - done;
        bool ok = write ? mmu_phys_write(mmu, w.pa, (const uint8_t *)buf + done, chunk)
                        : mmu_phys_read(mmu, w.pa, (uint8_t *)buf + done, chunk);
        if (!ok)
            break;
        done += chunk;
    }
    return done;
}

size_t gdb_read_memory(struct gdbstub *s, uint64_t cr3, uint64_t va, void *dst, size_t n)
{
    return access_memory(s, cr3, va, dst, n, false);
}

size_t gdb_write_memory(struct gdbstub *s, uint64_t cr3, uint64_t va, const void *src, size_t n)
{
    return access_memory(s, cr3, va, (void *)src, n, true);
}
