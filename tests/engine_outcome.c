/* engine_outcome.c — one run's observable outcome and the comparison of two
 * (see engine_outcome.h). */
#include "engine_outcome.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpu/cpu.h"
#include "cpu/dcache.h"

static char *copy(const uint8_t *p, size_t n)
{
    char *c = malloc(n + 1);
    ck_assert_ptr_nonnull(c);
    if (n)
        memcpy(c, p, n);
    c[n] = 0;
    return c;
}

static uint64_t hash_bytes(const uint8_t *p, uint64_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint64_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t hash_ram(struct machine *m)
{
    struct mmu *mmu = machine_mmu(m);
    uint64_t size = mmu_ram_size(mmu), h = 0xcbf29ce484222325ull;
    static uint8_t chunk[1 << 16];
    for (uint64_t pa = 0; pa < size; pa += sizeof chunk) {
        ck_assert(mmu_phys_read(mmu, pa, chunk, sizeof chunk));
        for (size_t i = 0; i < sizeof chunk; i += 8) {
            uint64_t w;
            memcpy(&w, chunk + i, 8);
            h = (h ^ w) * 0x100000001b3ull;
        }
    }
    return h;
}

struct engine_outcome engine_outcome_capture(struct machine *m, int64_t status)
{
    struct engine_outcome o = {.status = status};
    const uint8_t *p;
    p = machine_console(m, &o.out_len);
    o.out = copy(p, o.out_len);
    p = machine_stderr(m, &o.err_len);
    o.err = copy(p, o.err_len);
    p = machine_kernel_log(m, &o.log_len);
    o.log = copy(p, o.log_len);
    struct cpu *cpu = machine_cpu(m);
    o.cpu_len = cpu_state_size();
    o.cpu = calloc(1, o.cpu_len);
    cpu_save(cpu, o.cpu);
    o.mmu_len = mmu_state_size(machine_mmu(m));
    o.mmu = calloc(1, o.mmu_len);
    mmu_save(machine_mmu(m), o.mmu);
    uint64_t disk_bytes = 0;
    const uint8_t *disk = machine_disk_memory(m, &disk_bytes);
    o.disk_hash = disk ? hash_bytes(disk, disk_bytes) : 0;
    o.time_ns = machine_time_ns(m);
    o.idle_ns = machine_idle_ns(m);
    o.ram_hash = hash_ram(m);
    o.icount = cpu->icount;
    o.rip = cpu->rip;
    o.blocks_built = cpu->dcache->blocks->builds;
    o.translated = cpu->dcache->blocks->jit ? cpu->dcache->blocks->jit->translated : 0;
    mmu_tlb_stats(machine_mmu(m), &o.tlb);
    return o;
}

void engine_outcome_free(struct engine_outcome *o)
{
    free(o->out), free(o->err), free(o->log), free(o->cpu), free(o->mmu);
    memset(o, 0, sizeof *o);
}

/* Fields are compared member by member (struct padding and the unused
 * bytes of a long double are not state). */
const char *engine_outcome_cpu_difference(const uint8_t *block_a, const uint8_t *block_b)
{
    static struct cpu a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    cpu_restore(&a, block_a);
    cpu_restore(&b, block_b);
#define SAME(f)                                                                                             \
    if (memcmp(&a.f, &b.f, sizeof a.f))                                                                    \
        return #f;
    SAME(gpr) SAME(rip) SAME(next_rip) SAME(rflags) SAME(lf.res) SAME(lf.src) SAME(lf.dst) SAME(lf.op)
    SAME(lf.size) SAME(cpl) SAME(intr_shadow) SAME(halted) SAME(intr_line) SAME(icount) SAME(insns_faulted)
    for (int i = 0; i < 6; i++) {
        SAME(seg[i].sel) SAME(seg[i].base) SAME(seg[i].limit) SAME(seg[i].attr)
    }
    SAME(ldtr.sel) SAME(ldtr.base) SAME(ldtr.limit) SAME(ldtr.attr) SAME(tr.sel) SAME(tr.base) SAME(tr.limit)
    SAME(tr.attr) SAME(gdtr.base) SAME(gdtr.limit) SAME(idtr.base) SAME(idtr.limit) SAME(cr0) SAME(cr2)
    SAME(cr3) SAME(cr4) SAME(cr8) SAME(efer) SAME(star) SAME(lstar) SAME(cstar) SAME(fmask)
    SAME(kernel_gs_base) SAME(tsc_aux) SAME(apic_base) SAME(tsc_offset) SAME(dr) SAME(xmm) SAME(mxcsr)
    for (int i = 0; i < 8; i++)
        if (memcmp(&a.fpr[i], &b.fpr[i], 10))
            return "fpr";
    SAME(fcw) SAME(fsw) SAME(ftw) SAME(ftop) SAME(fop) SAME(fip) SAME(fdp) SAME(fault_vector)
    SAME(fault_error) SAME(delivering) SAME(first_vector) SAME(fault_began) SAME(shutdown) SAME(exc_counts)
#undef SAME
    return NULL;
}

void engine_outcome_assert_same(const struct engine_outcome *a, const char *an, const struct engine_outcome *b,
                                const char *bn, const char *what)
{
    ck_assert_msg(a->icount == b->icount, "%s: %llu instructions under %s, %llu under %s", what,
                  (unsigned long long)a->icount, an, (unsigned long long)b->icount, bn);
    ck_assert_msg(a->rip == b->rip, "%s: RIP 0x%llx under %s, 0x%llx under %s", what, (unsigned long long)a->rip,
                  an, (unsigned long long)b->rip, bn);
    ck_assert_msg(a->status == b->status, "%s: status %lld under %s, %lld under %s", what, (long long)a->status,
                  an, (long long)b->status, bn);
    ck_assert_msg(a->out_len == b->out_len && !memcmp(a->out, b->out, b->out_len),
                  "%s: stdout differs (%s, %s):\n%s\n---\n%s", what, an, bn, a->out, b->out);
    ck_assert_msg(a->err_len == b->err_len && !memcmp(a->err, b->err, b->err_len),
                  "%s: stderr differs (%s, %s):\n%s\n---\n%s", what, an, bn, a->err, b->err);
    ck_assert_msg(a->log_len == b->log_len && !memcmp(a->log, b->log, b->log_len),
                  "%s: kernel log differs (%s, %s)", what, an, bn);
    const char *field = engine_outcome_cpu_difference(a->cpu, b->cpu);
    ck_assert_msg(!field, "%s: CPU state differs in %s (%s, %s)", what, field, an, bn);
#define SAME_COUNT(f)                                                                                       \
    ck_assert_msg(a->tlb.f == b->tlb.f, "%s: TLB " #f " %llu under %s, %llu under %s", what,                 \
                  (unsigned long long)a->tlb.f, an, (unsigned long long)b->tlb.f, bn);
    SAME_COUNT(hits) SAME_COUNT(misses) SAME_COUNT(walks) SAME_COUNT(flushes) SAME_COUNT(invlpgs) SAME_COUNT(faults)
#undef SAME_COUNT
    if (a->mmu_len == b->mmu_len && memcmp(a->mmu, b->mmu, b->mmu_len)) {
        size_t at = 0;
        while (a->mmu[at] == b->mmu[at])
            at++;
        fprintf(stderr, "%s: MMU state: first difference at byte %zu of %zu\n", what, at, a->mmu_len);
    }
    ck_assert_msg(a->mmu_len == b->mmu_len && !memcmp(a->mmu, b->mmu, b->mmu_len),
                  "%s: MMU state differs (TLB entries, counters or code frames) (%s, %s)", what, an, bn);
    ck_assert_msg(a->time_ns == b->time_ns && a->idle_ns == b->idle_ns,
                  "%s: virtual time %llu (idle %llu) under %s, %llu (idle %llu) under %s", what,
                  (unsigned long long)a->time_ns, (unsigned long long)a->idle_ns, an, (unsigned long long)b->time_ns,
                  (unsigned long long)b->idle_ns, bn);
    ck_assert_msg(a->disk_hash == b->disk_hash, "%s: the disk (pagefile) differs (%s, %s)", what, an, bn);
    ck_assert_msg(a->ram_hash == b->ram_hash, "%s: guest RAM differs (%s, %s)", what, an, bn);
}
