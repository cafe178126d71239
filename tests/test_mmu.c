/* test_mmu.c — the MMU through its API only: page tables built by hand in
 * guest RAM with mmu_phys_write, translations with mmu_translate.
 *
 * Expectations come from the Intel SDM Vol. 3A chapter 4: §4.5 (the walk,
 * 4 KiB / 2 MiB / 1 GiB pages, reserved bits), §4.6 (access rights), §4.7
 * (#PF error code), §4.8 (Accessed/Dirty), §4.10 (TLB: global pages,
 * INVLPG, MOV to CR3, stale entries until invalidation). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "mmu/mmu_internal.h" /* this suite tests the MMU's inside */
#include "tests/harness.h"

#define RAM_SIZE (16ull << 20)
#define TABLES 0x100000ull   /* page-table frames are allocated from here */
#define DATA 0x400000ull     /* data frames used as translation targets */

#define CR0_BASE (CR0_PE | CR0_PG)
#define CR4_BASE CR4_PAE
#define EFER_BASE (EFER_LME | EFER_LMA)
#define UPPER (PTE_P | PTE_W | PTE_U) /* rights of table entries made by entry_pa() */

static struct mmu *M;
static uint64_t next_table;

static uint64_t rd64(uint64_t pa)
{
    uint64_t v;
    ck_assert(mmu_phys_read(M, pa, &v, 8));
    return v;
}

static void wr64(uint64_t pa, uint64_t v)
{
    ck_assert(mmu_phys_write(M, pa, &v, 8));
}

static uint64_t alloc_table(void)
{
    static const uint8_t zero[4096];
    uint64_t t = next_table;
    next_table += 0x1000;
    ck_assert(mmu_phys_write(M, t, zero, sizeof zero));
    return t;
}

static void control(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
    mmu_set_control(M, cr0, M->cr3, cr4, efer, TLB_CAUSE_EXTERNAL);
}

static void setup(void)
{
    char err[128];
    M = mmu_new(RAM_SIZE, NULL, err, sizeof err);
    ck_assert_msg(M != NULL, "%s", err);
    next_table = TABLES;
    uint64_t pml4 = alloc_table();
    mmu_set_control(M, CR0_BASE | CR0_WP, pml4, CR4_BASE, EFER_BASE | EFER_NXE, TLB_CAUSE_EXTERNAL);
}

static void teardown(void)
{
    mmu_free(M);
}

/* The physical address of va's entry at `depth` (0 PML4E, 1 PDPTE, 2 PDE,
 * 3 PTE), creating missing tables with UPPER rights (SDM Figure 4-8: each
 * level indexes its table with 9 bits of va, 47:39, 38:30, 29:21, 20:12). */
static uint64_t entry_pa(uint64_t va, int depth)
{
    uint64_t table = M->cr3 & PTE_ADDR_MASK;
    for (int d = 0;; d++) {
        uint64_t pa = table + ((va >> (39 - 9 * d)) & 511) * 8;
        if (d == depth)
            return pa;
        uint64_t e = rd64(pa);
        if (!(e & PTE_P)) {
            e = alloc_table() | UPPER;
            wr64(pa, e);
        }
        table = e & PTE_ADDR_MASK;
    }
}

static void map4k(uint64_t va, uint64_t pa, uint64_t flags)
{
    wr64(entry_pa(va, 3), pa | flags);
}

static void set_bits(uint64_t va, int depth, uint64_t set, uint64_t clear)
{
    uint64_t pa = entry_pa(va, depth);
    wr64(pa, (rd64(pa) | set) & ~clear);
}

static bool xlate(uint64_t va, unsigned acc, uint64_t *pa, struct mmu_fault *f)
{
    uint8_t *host;
    uint64_t p = 0;
    struct mmu_fault fl = { 0 };
    bool ok = mmu_translate(M, va, acc, &p, &host, &fl);
    if (pa)
        *pa = p;
    if (f)
        *f = fl;
    return ok;
}

static void expect_ok(uint64_t va, unsigned acc, uint64_t want_pa)
{
    uint64_t pa;
    struct mmu_fault f;
    bool ok = xlate(va, acc, &pa, &f);
    ck_assert_msg(ok, "va %#llx acc %#x faulted: vector %d error %#x", (unsigned long long)va, acc,
                  f.vector, f.error);
    ck_assert_uint_eq(pa, want_pa);
}

static void expect_pf(uint64_t va, unsigned acc, uint32_t error)
{
    struct mmu_fault f;
    ck_assert_msg(!xlate(va, acc, NULL, &f), "va %#llx acc %#x translated", (unsigned long long)va,
                  acc);
    ck_assert_uint_eq(f.vector, 14);
    ck_assert_uint_eq(f.error, error);
    ck_assert_uint_eq(f.addr, va); /* what the CPU puts in CR2 */
}

/* ---- #PF error code (§4.7) ------------------------------------------- */

START_TEST(test_not_present_error_code)
{
    const uint64_t va = 0x10123;
    map4k(0x10000, DATA, 0); /* PTE with P = 0 */
    expect_pf(va, ACC_READ, 0);
    expect_pf(va, ACC_WRITE, PF_W);
    expect_pf(va, ACC_READ | ACC_USER, PF_U);
    expect_pf(va, ACC_WRITE | ACC_USER, PF_W | PF_U);
    expect_pf(va, ACC_EXEC, PF_I); /* EFER.NXE = 1 in setup: I/D is reported */
    /* Not present at an upper level: a PML4 slot never filled. */
    expect_pf(0x7f0000001008ull, ACC_READ, 0);
    /* A PDE with P = 0 above a valid-looking PT. */
    map4k(0x20000, DATA, PTE_P | PTE_W);
    set_bits(0x20000, 2, 0, PTE_P);
    expect_pf(0x20ff8, ACC_WRITE, PF_W);
}
END_TEST

START_TEST(test_protection_error_code)
{
    map4k(0x10000, DATA, PTE_P);                /* supervisor, read-only */
    map4k(0x11000, DATA + 0x1000, PTE_P | PTE_U); /* user, read-only */
    expect_pf(0x10010, ACC_READ | ACC_USER, PF_P | PF_U);
    expect_pf(0x10010, ACC_EXEC | ACC_USER, PF_P | PF_U | PF_I);
    expect_pf(0x11ff0, ACC_WRITE | ACC_USER, PF_P | PF_W | PF_U);
    expect_pf(0x10000, ACC_WRITE, PF_P | PF_W); /* CR0.WP = 1 in setup */
    expect_ok(0x11ff0, ACC_READ | ACC_USER, DATA + 0x1ff0);
}
END_TEST

START_TEST(test_instruction_fetch_bit_needs_nxe_or_smep)
{
    map4k(0x10000, DATA, 0);
    control(CR0_BASE, CR4_BASE, EFER_BASE); /* NXE = 0, SMEP = 0: I/D is reserved, 0 */
    expect_pf(0x10000, ACC_EXEC, 0);
    expect_pf(0x10000, ACC_EXEC | ACC_USER, PF_U);
    control(CR0_BASE, CR4_BASE | CR4_SMEP, EFER_BASE); /* SMEP alone enables it */
    expect_pf(0x10000, ACC_EXEC, PF_I);
    control(CR0_BASE, CR4_BASE, EFER_BASE | EFER_NXE);
    expect_pf(0x10000, ACC_EXEC | ACC_USER, PF_U | PF_I);
    expect_pf(0x10000, ACC_READ, 0); /* only fetches set it */
}
END_TEST

START_TEST(test_reserved_bits)
{
    const uint64_t va = 0x30000;
    map4k(va, DATA, PTE_P | PTE_W | PTE_U);
    expect_ok(va, ACC_READ, DATA);
    /* MAXPHYADDR = 46: bits 51:46 of an entry are reserved (§4.5.4). */
    map4k(va, DATA | (1ull << 51), PTE_P | PTE_W | PTE_U);
    mmu_invlpg(M, va);
    expect_pf(va, ACC_READ, PF_P | PF_RSVD);
    expect_pf(va, ACC_WRITE | ACC_USER, PF_P | PF_RSVD | PF_W | PF_U);
    map4k(va, DATA | (1ull << 46), PTE_P | PTE_W | PTE_U);
    mmu_invlpg(M, va);
    expect_pf(va, ACC_READ, PF_P | PF_RSVD);
    /* Bit 45 is a real address bit: no fault, just a frame outside RAM. */
    map4k(va, DATA | (1ull << 45), PTE_P | PTE_W | PTE_U);
    expect_ok(va, ACC_READ, DATA | (1ull << 45));
    /* Bits 62:52 are ignored (available to software). */
    map4k(va, DATA | (0x7ffull << 52), PTE_P | PTE_W | PTE_U);
    mmu_invlpg(M, va);
    expect_ok(va, ACC_READ, DATA);
    /* Reserved bit in a non-leaf entry (PDE address bit 47). */
    map4k(va, DATA, PTE_P | PTE_W | PTE_U);
    set_bits(va, 2, 1ull << 47, 0);
    mmu_invlpg(M, va);
    expect_pf(va, ACC_READ, PF_P | PF_RSVD);
    /* PS in a PML4E is reserved. */
    set_bits(va, 2, 0, 1ull << 47);
    set_bits(va, 0, PTE_PS, 0);
    expect_pf(va, ACC_READ, PF_P | PF_RSVD);
    /* A not-present entry's other bits are ignored: P = 0 wins. */
    set_bits(va, 0, 0, PTE_PS);
    map4k(va, (1ull << 51), 0);
    expect_pf(va, ACC_READ, 0);
}
END_TEST

/* ---- Accessed / Dirty (§4.8) ------------------------------------------ */

START_TEST(test_accessed_and_dirty)
{
    const uint64_t va = 0x40000;
    map4k(va, DATA, PTE_P | PTE_W);
    uint64_t e[4];
    for (int d = 0; d < 4; d++)
        ck_assert_uint_eq(rd64(entry_pa(va, d)) & (PTE_A | PTE_D), 0);
    expect_ok(va + 8, ACC_READ, DATA + 8);
    for (int d = 0; d < 4; d++) {
        e[d] = rd64(entry_pa(va, d));
        ck_assert_msg(e[d] & PTE_A, "level %d: A not set", d);
        ck_assert_msg(!(e[d] & PTE_D), "level %d: D set by a read", d);
    }
    /* A write walks again (the cached entry had D = 0) and sets D in the
     * final entry only. */
    uint64_t walks = M->stats.walks;
    expect_ok(va + 8, ACC_WRITE, DATA + 8);
    ck_assert_uint_eq(M->stats.walks, walks + 1);
    ck_assert(rd64(entry_pa(va, 3)) & PTE_D);
    for (int d = 0; d < 3; d++)
        ck_assert_uint_eq(rd64(entry_pa(va, d)), e[d]);
    /* Now the entry is dirty in the TLB: further writes are hits. */
    expect_ok(va + 16, ACC_WRITE, DATA + 16);
    ck_assert_uint_eq(M->stats.walks, walks + 1);
    /* Software clears D without INVLPG: the TLB still believes the page is
     * dirty, so the next write does not set D again (stale until invalidated). */
    set_bits(va, 3, 0, PTE_D);
    expect_ok(va, ACC_WRITE, DATA);
    ck_assert_uint_eq(rd64(entry_pa(va, 3)) & PTE_D, 0);
    mmu_invlpg(M, va);
    expect_ok(va, ACC_WRITE, DATA);
    ck_assert(rd64(entry_pa(va, 3)) & PTE_D);
}
END_TEST

START_TEST(test_fault_does_not_set_leaf_accessed)
{
    const uint64_t va = 0x41000;
    map4k(va, DATA, PTE_P); /* supervisor, read-only */
    expect_pf(va, ACC_READ | ACC_USER, PF_P | PF_U);
    expect_pf(va, ACC_WRITE, PF_P | PF_W);
    ck_assert_uint_eq(rd64(entry_pa(va, 3)) & (PTE_A | PTE_D), 0);
}
END_TEST

/* ---- Access rights (§4.6) --------------------------------------------- */

START_TEST(test_write_protect)
{
    const uint64_t va = 0x50000;
    map4k(va, DATA, PTE_P | PTE_U); /* read-only user page */
    map4k(va + 0x1000, DATA + 0x1000, PTE_P); /* read-only supervisor page */
    control(CR0_BASE, CR4_BASE, EFER_BASE | EFER_NXE); /* WP = 0 */
    expect_ok(va, ACC_WRITE, DATA);
    expect_ok(va + 0x1000, ACC_WRITE, DATA + 0x1000);
    expect_pf(va, ACC_WRITE | ACC_USER, PF_P | PF_W | PF_U); /* WP never helps CPL 3 */
    control(CR0_BASE | CR0_WP, CR4_BASE, EFER_BASE | EFER_NXE); /* flushes the TLB */
    expect_pf(va, ACC_WRITE, PF_P | PF_W);
    expect_pf(va + 0x1000, ACC_WRITE, PF_P | PF_W);
    /* R/W is needed at every level: PTE writable, PDE read-only. */
    map4k(va + 0x2000, DATA + 0x2000, PTE_P | PTE_W);
    expect_ok(va + 0x2000, ACC_WRITE, DATA + 0x2000);
    set_bits(va, 2, 0, PTE_W);
    mmu_invlpg(M, va + 0x2000);
    expect_pf(va + 0x2000, ACC_WRITE, PF_P | PF_W);
    expect_ok(va + 0x2000, ACC_READ, DATA + 0x2000);
}
END_TEST

START_TEST(test_no_execute)
{
    const uint64_t va = 0x60000;
    map4k(va, DATA, PTE_P | PTE_W | PTE_U | PTE_NX);
    map4k(va + 0x1000, DATA + 0x1000, PTE_P | PTE_W | PTE_U);
    /* NXE = 1: XD forbids fetches only. */
    expect_pf(va, ACC_EXEC, PF_P | PF_I);
    expect_pf(va, ACC_EXEC | ACC_USER, PF_P | PF_U | PF_I);
    expect_ok(va, ACC_READ | ACC_USER, DATA);
    expect_ok(va, ACC_WRITE, DATA);
    expect_ok(va + 0x1000, ACC_EXEC, DATA + 0x1000);
    /* XD at an upper level covers everything below it. */
    set_bits(va, 1, PTE_NX, 0);
    mmu_flush_all(M);
    expect_pf(va + 0x1000, ACC_EXEC, PF_P | PF_I);
    expect_ok(va + 0x1000, ACC_READ, DATA + 0x1000);
    /* NXE = 0: bit 63 is reserved in every present entry. */
    control(CR0_BASE | CR0_WP, CR4_BASE, EFER_BASE);
    expect_pf(va + 0x1000, ACC_READ, PF_P | PF_RSVD);
    expect_pf(va + 0x1000, ACC_EXEC, PF_P | PF_RSVD); /* no I: NXE = SMEP = 0 */
    set_bits(va, 1, 0, PTE_NX);
    expect_pf(va, ACC_READ | ACC_USER, PF_P | PF_RSVD | PF_U);
    expect_ok(va + 0x1000, ACC_EXEC, DATA + 0x1000);
}
END_TEST

START_TEST(test_smep)
{
    const uint64_t user = 0x70000, sup = 0x71000;
    map4k(user, DATA, PTE_P | PTE_U);
    map4k(sup, DATA + 0x1000, PTE_P);
    expect_ok(user, ACC_EXEC, DATA); /* SMEP off */
    control(CR0_BASE | CR0_WP, CR4_BASE | CR4_SMEP, EFER_BASE | EFER_NXE);
    expect_pf(user, ACC_EXEC, PF_P | PF_I);
    expect_ok(user, ACC_READ, DATA);               /* SMEP is about fetches only */
    expect_ok(user, ACC_EXEC | ACC_USER, DATA);     /* and supervisor mode only */
    expect_ok(sup, ACC_EXEC, DATA + 0x1000);
    /* A page is a user page only if U is set at every level. */
    set_bits(user, 2, 0, PTE_U);
    mmu_flush_all(M);
    expect_ok(user, ACC_EXEC, DATA);
    expect_pf(user, ACC_READ | ACC_USER, PF_P | PF_U);
}
END_TEST

START_TEST(test_smap)
{
    const uint64_t user = 0x80000, sup = 0x81000;
    map4k(user, DATA, PTE_P | PTE_W | PTE_U);
    map4k(sup, DATA + 0x1000, PTE_P | PTE_W);
    expect_ok(user, ACC_READ, DATA); /* SMAP off */
    control(CR0_BASE | CR0_WP, CR4_BASE | CR4_SMAP, EFER_BASE | EFER_NXE);
    expect_pf(user, ACC_READ, PF_P);
    expect_pf(user, ACC_WRITE, PF_P | PF_W);
    expect_ok(user, ACC_READ | ACC_AC, DATA);   /* explicit access with RFLAGS.AC = 1 */
    expect_ok(user, ACC_WRITE | ACC_AC, DATA);
    expect_ok(user, ACC_EXEC, DATA);            /* SMAP does not cover fetches */
    expect_ok(user, ACC_READ | ACC_USER, DATA); /* nor user-mode accesses */
    expect_ok(sup, ACC_READ, DATA + 0x1000);    /* nor supervisor pages */
    /* The TLB now holds the user page: AC still decides on every access. */
    expect_pf(user, ACC_READ, PF_P);
    expect_ok(user, ACC_READ | ACC_AC, DATA);
    /* With WP = 1, AC does not make a read-only user page writable. */
    map4k(user + 0x2000, DATA + 0x2000, PTE_P | PTE_U);
    expect_pf(user + 0x2000, ACC_WRITE | ACC_AC, PF_P | PF_W);
}
END_TEST

/* The rights of §4.6.1 as a table, checked for every combination of
 * U/W/XD at two levels, access kind, mode, AC, CR0.WP, SMEP, SMAP (NXE = 1):
 * the first translation walks, the second must give the same answer from
 * the TLB, and tlb_fast must agree. */
static bool sdm_allows(bool u, bool w, bool xd, unsigned acc, bool wp, bool smep, bool smap)
{
    bool user_mode = acc & ACC_USER;
    if (acc & ACC_EXEC) {
        if (xd)
            return false;
        return user_mode ? u : !(u && smep);
    }
    if (user_mode)
        return u && (!(acc & ACC_WRITE) || w);
    if (u && smap && !(acc & ACC_AC))
        return false;
    return !(acc & ACC_WRITE) || w || !wp;
}

START_TEST(test_rights_matrix)
{
    const uint64_t va = 0x90000;
    static const unsigned kinds[] = { ACC_READ, ACC_WRITE, ACC_EXEC };
    int checked = 0;
    for (unsigned bits = 0; bits < 64; bits++) {
        bool pte_u = bits & 1, pte_w = bits & 2, pte_x = bits & 4;
        bool pde_u = bits & 8, pde_w = bits & 16, pde_x = bits & 32;
        for (unsigned ctl = 0; ctl < 8; ctl++) {
            bool wp = ctl & 1, smep = ctl & 2, smap = ctl & 4;
            control(CR0_BASE | (wp ? CR0_WP : 0),
                    CR4_BASE | (smep ? CR4_SMEP : 0) | (smap ? CR4_SMAP : 0),
                    EFER_BASE | EFER_NXE);
            map4k(va, DATA, PTE_P | PTE_D | (pte_u ? PTE_U : 0) | (pte_w ? PTE_W : 0) |
                                (pte_x ? PTE_NX : 0));
            uint64_t pde = entry_pa(va, 2);
            wr64(pde, (rd64(pde) & PTE_ADDR_MASK) | PTE_P | (pde_u ? PTE_U : 0) |
                          (pde_w ? PTE_W : 0) | (pde_x ? PTE_NX : 0));
            for (unsigned k = 0; k < 3; k++)
                for (unsigned mode = 0; mode < 3; mode++) {
                    unsigned acc = kinds[k] | (mode == 1 ? ACC_USER : mode == 2 ? ACC_AC : 0);
                    bool want = sdm_allows(pte_u && pde_u, pte_w && pde_w, pte_x || pde_x, acc,
                                           wp, smep, smap);
                    for (int pass = 0; pass < 2; pass++) {
                        if (pass == 0)
                            mmu_flush_all(M);
                        struct mmu_fault f;
                        bool ok = xlate(va, acc, NULL, &f);
                        ck_assert_msg(ok == want, "bits %#x ctl %u acc %#x pass %d: got %d", bits,
                                      ctl, acc, pass, ok);
                        if (!ok)
                            ck_assert_uint_eq(f.error & (PF_P | PF_RSVD), PF_P);
                    }
                    /* After a walk for another access kind (a supervisor
                     * read with AC = 1 is always permitted here) the TLB
                     * entry must answer like a walk, on both paths. */
                    mmu_flush_all(M);
                    ck_assert(xlate(va, ACC_READ | ACC_AC, NULL, NULL));
                    ck_assert_int_eq(tlb_fast(M, va, acc) != NULL, want);
                    ck_assert_int_eq(xlate(va, acc, NULL, NULL), want);
                    checked++;
                }
        }
    }
    ck_assert_int_eq(checked, 64 * 8 * 9);
}
END_TEST

/* ---- Large pages (§4.5.4, Tables 4-16 and 4-18) ----------------------- */

START_TEST(test_2mib_page)
{
    const uint64_t va = 0x40000000ull + 0x200000 * 3; /* PDPT slot 1, PD slot 3 */
    uint64_t pde = entry_pa(va, 2);
    wr64(pde, 0x600000 | PTE_P | PTE_W | PTE_PS);
    expect_ok(va + 0x12345, ACC_READ, 0x612345);
    expect_ok(va + 0x1fffff, ACC_WRITE, 0x7fffff);
    ck_assert(rd64(pde) & PTE_A);
    ck_assert(rd64(pde) & PTE_D);
    /* The TLB caches it as 4 KiB pieces that remember the page size. */
    struct tlb_entry e[TLB_SETS * TLB_WAYS];
    size_t n = mmu_tlb_entries(M, e, TLB_SETS * TLB_WAYS);
    ck_assert_uint_eq(n, 2);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(e[i].level, 2);
    /* Bit 12 is PAT, not address: ignored for the address.  Bits 20:13
     * are reserved. */
    wr64(pde, 0x600000 | PTE_P | PTE_W | PTE_PS | (1ull << 12));
    mmu_flush_all(M);
    expect_ok(va + 0x12345, ACC_READ, 0x612345);
    wr64(pde, 0x600000 | PTE_P | PTE_W | PTE_PS | (1ull << 13));
    mmu_flush_all(M);
    expect_pf(va + 0x12345, ACC_READ, PF_P | PF_RSVD);
    wr64(pde, 0x600000 | PTE_P | PTE_W | PTE_PS | (1ull << 20));
    expect_pf(va, ACC_WRITE, PF_P | PF_RSVD | PF_W);
}
END_TEST

START_TEST(test_1gib_page)
{
    const uint64_t va = 0x8000000000ull + 0x40000000ull * 2; /* PML4 slot 1, PDPT slot 2 */
    uint64_t pdpte = entry_pa(va, 1);
    wr64(pdpte, 0 | PTE_P | PTE_W | PTE_U | PTE_PS); /* maps physical 0..1 GiB */
    expect_ok(va + 0x123456, ACC_READ | ACC_USER, 0x123456);
    expect_ok(va + 0x3ffffff8, ACC_READ, 0x3ffffff8); /* outside RAM, still translated */
    ck_assert(rd64(pdpte) & PTE_A);
    ck_assert(!(rd64(pdpte) & PTE_D));
    struct tlb_entry e[TLB_SETS * TLB_WAYS];
    ck_assert_uint_eq(mmu_tlb_entries(M, e, TLB_SETS * TLB_WAYS), 2);
    ck_assert_uint_eq(e[0].level, 3);
    /* 1 GiB frame address must be 1 GiB aligned: bits 29:13 reserved. */
    wr64(pdpte, (1ull << 21) | PTE_P | PTE_W | PTE_U | PTE_PS);
    mmu_flush_all(M);
    expect_pf(va, ACC_READ, PF_P | PF_RSVD);
    wr64(pdpte, (1ull << 30) | (1ull << 12) | PTE_P | PTE_W | PTE_U | PTE_PS);
    expect_ok(va + 0x10, ACC_READ, (1ull << 30) + 0x10);
}
END_TEST

/* ---- TLB (§4.10) ------------------------------------------------------- */

START_TEST(test_tlb_hits_after_walk)
{
    const uint64_t va = 0xa0000;
    map4k(va, DATA, PTE_P | PTE_W);
    struct tlb_stats s0 = M->stats;
    expect_ok(va + 1, ACC_READ, DATA + 1);
    ck_assert_uint_eq(M->stats.misses, s0.misses + 1);
    ck_assert_uint_eq(M->stats.walks, s0.walks + 1);
    ck_assert_uint_eq(M->stats.hits, s0.hits);
    expect_ok(va + 2, ACC_READ, DATA + 2);
    expect_ok(va + 3, ACC_EXEC, DATA + 3);
    ck_assert_uint_eq(M->stats.hits, s0.hits + 2);
    ck_assert_uint_eq(M->stats.walks, s0.walks + 1);
    /* The inline fast path hits the same entry and counts it. */
    uint8_t *p = tlb_fast(M, va + 4, ACC_READ);
    ck_assert_ptr_eq(p, M->ram + DATA + 4);
    ck_assert_uint_eq(M->stats.hits, s0.hits + 3);
    ck_assert_ptr_null(tlb_fast(M, va + 0x1000, ACC_READ)); /* never walked */
    /* The debugger's view. */
    struct tlb_entry e[4];
    ck_assert_uint_eq(mmu_tlb_entries(M, e, 4), 1);
    ck_assert_uint_eq(e[0].vpn, va >> 12);
    ck_assert_uint_eq(e[0].pfn, DATA >> 12);
    ck_assert_uint_eq(e[0].level, 1);
    ck_assert_uint_eq(e[0].flags, TLBF_W); /* supervisor, writable, not dirty yet */
}
END_TEST

START_TEST(test_tlb_set_conflicts)
{
    /* TLB_WAYS + 1 pages that share a set: all translate, and the TLB never
     * holds more than TLB_WAYS of them. */
    const uint64_t stride = (uint64_t)TLB_SETS << 12;
    for (uint64_t i = 0; i <= TLB_WAYS; i++)
        map4k(0x1000000 + i * stride, DATA + i * 0x1000, PTE_P);
    for (int round = 0; round < 3; round++)
        for (uint64_t i = 0; i <= TLB_WAYS; i++)
            expect_ok(0x1000000 + i * stride, ACC_READ, DATA + i * 0x1000);
    struct tlb_entry e[TLB_SETS * TLB_WAYS];
    ck_assert_uint_eq(mmu_tlb_entries(M, e, TLB_SETS * TLB_WAYS), TLB_WAYS);
}
END_TEST

START_TEST(test_stale_until_invlpg)
{
    const uint64_t va = 0xb0000;
    map4k(va, DATA, PTE_P | PTE_W);
    expect_ok(va, ACC_READ, DATA);
    /* Software remaps and even unmaps the page without invalidating: the
     * processor may keep using the old translation (§4.10.4.2). */
    map4k(va, DATA + 0x5000, PTE_P | PTE_W);
    expect_ok(va, ACC_READ, DATA);
    map4k(va, 0, 0);
    expect_ok(va, ACC_READ, DATA);
    mmu_invlpg(M, va + 0x123); /* any address in the page */
    expect_pf(va, ACC_READ, 0);
}
END_TEST

START_TEST(test_page_fault_invalidates_the_page)
{
    /* §4.10.4.1: a #PF invalidates the TLB entries for the faulting page.
     * A cached read-only translation goes stale (the page is unmapped); a
     * write cannot use it, walks, faults — and later reads fault too. */
    const uint64_t va = 0xb8000;
    map4k(va, DATA, PTE_P | PTE_U);
    expect_ok(va, ACC_READ | ACC_USER, DATA);
    map4k(va, 0, 0);
    expect_ok(va, ACC_READ | ACC_USER, DATA); /* stale */
    expect_pf(va, ACC_WRITE | ACC_USER, PF_W | PF_U);
    expect_pf(va, ACC_READ | ACC_USER, PF_U);
    /* The same holds for every 4 KiB piece of a large page. */
    const uint64_t big = 0xa00000;
    uint64_t pde = entry_pa(big, 2);
    wr64(pde, 0xc00000 | PTE_P | PTE_PS);
    expect_ok(big + 0x1000, ACC_READ, 0xc01000);
    expect_ok(big + 0x2000, ACC_READ, 0xc02000);
    wr64(pde, 0);
    expect_ok(big + 0x2000, ACC_READ, 0xc02000); /* stale */
    expect_pf(big + 0x1000, ACC_WRITE, PF_W);
    expect_pf(big + 0x2000, ACC_READ, 0);
}
END_TEST

START_TEST(test_invlpg_one_page)
{
    const uint64_t a = 0xc0000, b = 0xc1000;
    map4k(a, DATA, PTE_P | PTE_G);
    map4k(b, DATA + 0x1000, PTE_P);
    control(CR0_BASE | CR0_WP, CR4_BASE | CR4_PGE, EFER_BASE | EFER_NXE);
    expect_ok(a, ACC_READ, DATA);
    expect_ok(b, ACC_READ, DATA + 0x1000);
    map4k(a, DATA + 0x2000, PTE_P | PTE_G);
    map4k(b, DATA + 0x3000, PTE_P);
    uint64_t n = M->stats.invlpgs;
    mmu_invlpg(M, a); /* a global page too */
    ck_assert_uint_eq(M->stats.invlpgs, n + 1);
    expect_ok(a, ACC_READ, DATA + 0x2000);
    expect_ok(b, ACC_READ, DATA + 0x1000); /* still the stale entry */
    /* INVLPG of a non-canonical address is a NOP (SDM Vol. 2A, INVLPG). */
    mmu_invlpg(M, b | 0x0000800000000000ull);
    ck_assert_uint_eq(M->stats.invlpgs, n + 1);
    expect_ok(b, ACC_READ, DATA + 0x1000);
}
END_TEST

START_TEST(test_invlpg_large_page)
{
    /* INVLPG of any address in a 2 MiB page drops all of that page's
     * translations, even when they were cached as several smaller pieces. */
    const uint64_t va = 0x600000;
    uint64_t pde = entry_pa(va, 2);
    wr64(pde, 0x800000 | PTE_P | PTE_W | PTE_PS);
    expect_ok(va, ACC_READ, 0x800000);
    expect_ok(va + 0x155000, ACC_READ, 0x955000);
    wr64(pde, 0xa00000 | PTE_P | PTE_W | PTE_PS);
    mmu_invlpg(M, va + 0x1ff000);
    expect_ok(va, ACC_READ, 0xa00000);
    expect_ok(va + 0x155000, ACC_READ, 0xb55000);
}
END_TEST

START_TEST(test_global_pages)
{
    const uint64_t g = 0xd0000, ng = 0xd1000;
    control(CR0_BASE | CR0_WP, CR4_BASE | CR4_PGE, EFER_BASE | EFER_NXE);
    map4k(g, DATA, PTE_P | PTE_G);
    map4k(ng, DATA + 0x1000, PTE_P);
    expect_ok(g, ACC_READ, DATA);
    expect_ok(ng, ACC_READ, DATA + 0x1000);
    map4k(g, DATA + 0x2000, PTE_P | PTE_G);
    map4k(ng, DATA + 0x3000, PTE_P);
    /* MOV to CR3 (even with the same value) drops non-global entries only. */
    mmu_set_control(M, M->cr0, M->cr3, M->cr4, M->efer, TLB_CAUSE_EXTERNAL);
    expect_ok(g, ACC_READ, DATA);
    expect_ok(ng, ACC_READ, DATA + 0x3000);
    /* A new CR3 whose tables map nothing: the global entry still answers. */
    uint64_t old_cr3 = M->cr3, empty = alloc_table();
    mmu_set_control(M, M->cr0, empty, M->cr4, M->efer, TLB_CAUSE_EXTERNAL);
    expect_ok(g, ACC_READ, DATA);
    expect_pf(ng, ACC_READ, 0);
    mmu_set_control(M, M->cr0, old_cr3, M->cr4, M->efer, TLB_CAUSE_EXTERNAL);
    /* Toggling CR4.PGE flushes everything, global entries included. */
    control(CR0_BASE | CR0_WP, CR4_BASE, EFER_BASE | EFER_NXE);
    control(CR0_BASE | CR0_WP, CR4_BASE | CR4_PGE, EFER_BASE | EFER_NXE);
    expect_ok(g, ACC_READ, DATA + 0x2000);
    /* And so does a full flush. */
    map4k(g, DATA + 0x4000, PTE_P | PTE_G);
    mmu_flush_all(M);
    expect_ok(g, ACC_READ, DATA + 0x4000);
    /* G is ignored while CR4.PGE = 0. */
    control(CR0_BASE | CR0_WP, CR4_BASE, EFER_BASE | EFER_NXE);
    expect_ok(g, ACC_READ, DATA + 0x4000);
    map4k(g, DATA + 0x5000, PTE_P | PTE_G);
    mmu_set_control(M, M->cr0, M->cr3, M->cr4, M->efer, TLB_CAUSE_EXTERNAL);
    expect_ok(g, ACC_READ, DATA + 0x5000);
}
END_TEST

START_TEST(test_paging_off_and_noncanonical)
{
    struct mmu_fault f;
    /* Bits 63:47 must all equal bit 47... */
    static const uint64_t bad[] = { 0x0000800000000000ull, 0xffff7fffffffffffull,
                                    0x8000000000000000ull, 0x00ff000000000000ull };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert(!xlate(bad[i], ACC_READ, NULL, &f));
        ck_assert_uint_eq(f.vector, 13);
        ck_assert_uint_eq(f.error, 0);
    }
    /* ...and canonical upper-half addresses are translated (here: #PF). */
    expect_pf(0xffff800000000000ull, ACC_READ, 0);
    expect_pf(0x00007ffffffff000ull, ACC_READ, 0);
    /* CR0.PG = 0: linear = physical. */
    control(CR0_PE, 0, 0);
    expect_ok(0x123456, ACC_WRITE | ACC_USER, 0x123456);
    uint64_t pa;
    uint8_t *host;
    ck_assert(mmu_translate(M, 0x5000, ACC_READ, &pa, &host, &f));
    ck_assert_ptr_eq(host, M->ram + 0x5000);
    ck_assert(mmu_translate(M, RAM_SIZE + 8, ACC_READ, &pa, &host, &f));
    ck_assert_ptr_null(host);
}
END_TEST

/* ---- Physical memory --------------------------------------------------- */

struct mmio_log {
    uint64_t addr;
    unsigned size;
    uint64_t value;
    int reads, writes;
};

static uint64_t log_read(void *ctx, uint64_t pa, unsigned size)
{
    struct mmio_log *l = ctx;
    l->addr = pa, l->size = size, l->reads++;
    return 0x1122334455667788ull;
}

static void log_write(void *ctx, uint64_t pa, unsigned size, uint64_t v)
{
    struct mmio_log *l = ctx;
    l->addr = pa, l->size = size, l->value = v, l->writes++;
}

START_TEST(test_open_bus_and_mmio)
{
    uint8_t buf[8];
    memset(buf, 0, sizeof buf);
    /* No bus at all: reads float high, writes vanish. */
    ck_assert(!mmu_phys_read(M, RAM_SIZE + 0x100, buf, 4));
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(buf[i], 0xff);
    ck_assert(!mmu_phys_write(M, RAM_SIZE, buf, 4));
    /* A range straddling the end of RAM: the RAM part is real. */
    uint32_t v = 0xa1b2c3d4;
    ck_assert(mmu_phys_write(M, RAM_SIZE - 4, &v, 4));
    ck_assert(!mmu_phys_read(M, RAM_SIZE - 4, buf, 8));
    ck_assert_uint_eq(buf[0], 0xd4);
    ck_assert_uint_eq(buf[3], 0xa1);
    ck_assert_uint_eq(buf[4], 0xff);
    ck_assert_uint_eq(buf[7], 0xff);
    /* RAM starts zeroed. */
    ck_assert(mmu_phys_read(M, 0x300000, buf, 8));
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(buf[i], 0);

    /* With MMIO handlers: one access of the guest's width. */
    struct mmio_log log = { 0 };
    struct bus bus = { .ctx = &log, .mmio_read = log_read, .mmio_write = log_write };
    M->bus = &bus;
    uint32_t r = 0;
    ck_assert(!mmu_phys_read(M, 0xfee00030ull, &r, 4));
    ck_assert_uint_eq(log.reads, 1);
    ck_assert_uint_eq(log.addr, 0xfee00030ull);
    ck_assert_uint_eq(log.size, 4);
    ck_assert_uint_eq(r, 0x55667788u);
    uint16_t w = 0xbeef;
    ck_assert(!mmu_phys_write(M, 0xfee000b0ull, &w, 2));
    ck_assert_uint_eq(log.writes, 1);
    ck_assert_uint_eq(log.size, 2);
    ck_assert_uint_eq(log.value, 0xbeef);
    M->bus = NULL;

    /* A page mapped to a non-RAM frame translates, with no host pointer. */
    map4k(0xe0000, 0xfee00000ull, PTE_P | PTE_W);
    uint64_t pa;
    uint8_t *host = (uint8_t *)1;
    struct mmu_fault f;
    ck_assert(mmu_translate(M, 0xe0030, ACC_READ, &pa, &host, &f));
    ck_assert_uint_eq(pa, 0xfee00030ull);
    ck_assert_ptr_null(host);
    ck_assert_ptr_null(tlb_fast(M, 0xe0030, ACC_READ));
}
END_TEST

START_TEST(test_bad_ram_size)
{
    char err[128] = "";
    ck_assert_ptr_null(mmu_new(0, NULL, err, sizeof err));
    ck_assert(strlen(err) > 0);
    ck_assert_ptr_null(mmu_new(1ull << 60, NULL, err, sizeof err));
    struct mmu *m2 = mmu_new(10000, NULL, err, sizeof err); /* rounded up to frames */
    ck_assert_ptr_nonnull(m2);
    ck_assert_uint_eq(mmu_ram_size(m2), 12288);
    mmu_free(m2);
}
END_TEST

/* A page table that lives outside RAM reads as open bus (all-ones): present
 * with reserved bits set. */
START_TEST(test_tables_outside_ram)
{
    mmu_set_control(M, M->cr0, RAM_SIZE + 0x1000, M->cr4, M->efer, TLB_CAUSE_EXTERNAL);
    expect_pf(0x1000, ACC_READ, PF_P | PF_RSVD);
}
END_TEST

/* ---- Code frames (self-modifying code, program loading) --------------- */

static uint64_t notified[8];
static int n_notified;

static void on_code(void *ctx, uint64_t pfn)
{
    ck_assert_ptr_eq(ctx, M);
    if (n_notified < 8)
        notified[n_notified++] = pfn;
}

START_TEST(test_code_frame_write_notification)
{
    const uint64_t va = 0xf0000, pfn = DATA >> 12;
    mmu_set_code_write_handler(M, on_code, M);
    n_notified = 0;
    map4k(va, DATA, PTE_P | PTE_W | PTE_D);
    /* Dirty, writable, cached: writes take the fast path... */
    expect_ok(va, ACC_WRITE, DATA);
    ck_assert_ptr_nonnull(tlb_fast(M, va, ACC_WRITE));
    /* ...until the CPU decodes instructions from the frame. */
    mmu_mark_code(M, pfn);
    ck_assert_ptr_null(tlb_fast(M, va, ACC_WRITE));
    ck_assert_ptr_nonnull(tlb_fast(M, va, ACC_READ));
    ck_assert_ptr_nonnull(tlb_fast(M, va, ACC_EXEC));
    ck_assert_int_eq(n_notified, 0);
    expect_ok(va + 5, ACC_WRITE, DATA + 5);
    ck_assert_int_eq(n_notified, 1);
    ck_assert_uint_eq(notified[0], pfn);
    /* The mark is gone: the next writes are silent and fast again. */
    expect_ok(va + 6, ACC_WRITE, DATA + 6);
    ck_assert_int_eq(n_notified, 1);
    ck_assert_ptr_nonnull(tlb_fast(M, va, ACC_WRITE));
    /* Physical writes (loader, devices) notify every marked frame they touch. */
    mmu_mark_code(M, pfn);
    mmu_mark_code(M, pfn + 1);
    uint8_t bytes[16] = { 0x90 };
    ck_assert(mmu_phys_write(M, DATA + 0xff8, bytes, sizeof bytes));
    ck_assert_int_eq(n_notified, 3);
    ck_assert_uint_eq(notified[1], pfn);
    ck_assert_uint_eq(notified[2], pfn + 1);
    ck_assert(mmu_phys_write(M, DATA + 0xff8, bytes, sizeof bytes));
    ck_assert_int_eq(n_notified, 3);
    /* Marks outside RAM are ignored. */
    mmu_mark_code(M, RAM_SIZE >> 12);
    ck_assert(!mmu_phys_write(M, RAM_SIZE, bytes, 1));
    ck_assert_int_eq(n_notified, 3);
    /* A range handed out to be filled in place (the loader reading a file
     * into RAM) counts as written: its marked frames notify at once. */
    mmu_mark_code(M, pfn + 1);
    uint8_t *fill = mmu_phys_fill(M, DATA + 0x1000, 0x800);
    ck_assert_int_eq(n_notified, 4);
    ck_assert_uint_eq(notified[3], pfn + 1);
    memset(fill, 0xcc, 0x800);
    uint8_t back[4];
    ck_assert(mmu_phys_read(M, DATA + 0x17fc, back, sizeof back));
    ck_assert_uint_eq(back[0], 0xcc);
    ck_assert_uint_eq(back[3], 0xcc);
    /* Only RAM is handed out. */
    ck_assert_ptr_null(mmu_phys_fill(M, RAM_SIZE - 8, 16));
    ck_assert_ptr_null(mmu_phys_fill(M, RAM_SIZE, 1));
    ck_assert_ptr_nonnull(mmu_phys_fill(M, RAM_SIZE - 16, 16));
    ck_assert_int_eq(n_notified, 4);
}
END_TEST

/* ---- Observer ----------------------------------------------------------- */

struct obs_log {
    enum tlb_event_kind kinds[16];
    int n_tlb;
    struct page_walk walk;
    int n_walk;
};

static void obs_tlb(void *ctx, enum tlb_event_kind kind, uint64_t va, const struct tlb_entry *e,
                    enum tlb_flush_cause cause)
{
    struct obs_log *l = ctx;
    (void)va, (void)e, (void)cause;
    if (l->n_tlb < 16)
        l->kinds[l->n_tlb++] = kind;
}

static void obs_walk(void *ctx, const struct page_walk *w)
{
    struct obs_log *l = ctx;
    l->walk = *w;
    l->n_walk++;
}

START_TEST(test_observer_sees_walks_and_tlb)
{
    const uint64_t va = 0x123456789000ull;
    map4k(va, DATA, PTE_P | PTE_W);
    struct obs_log log = { 0 };
    struct mmu_observer obs = { .ctx = &log, .tlb = obs_tlb, .walk = obs_walk };
    mmu_set_observer(M, &obs);
    expect_ok(va + 0x10, ACC_READ, DATA + 0x10);
    expect_ok(va + 0x20, ACC_READ, DATA + 0x20);
    ck_assert_int_eq(log.n_tlb, 3);
    ck_assert_int_eq(log.kinds[0], TLB_MISS);
    ck_assert_int_eq(log.kinds[1], TLB_FILL);
    ck_assert_int_eq(log.kinds[2], TLB_HIT);
    ck_assert_int_eq(log.n_walk, 1);
    ck_assert(log.walk.ok);
    ck_assert_int_eq(log.walk.levels, 4);
    ck_assert_uint_eq(log.walk.pa, DATA + 0x10);
    for (int d = 0; d < 4; d++) {
        ck_assert_uint_eq(log.walk.entry_addr[d], entry_pa(va, d));
        ck_assert_uint_eq(log.walk.entry[d], rd64(entry_pa(va, d))); /* after the A update */
    }
    mmu_invlpg(M, va);
    mmu_flush_all(M);
    ck_assert_int_eq(log.kinds[3], TLB_FLUSH_PAGE);
    ck_assert_int_eq(log.kinds[4], TLB_FLUSH_ALL);
    /* A fault is reported with the entries read so far. */
    expect_pf(va + 0x1000, ACC_WRITE, PF_W);
    ck_assert_int_eq(log.n_walk, 2);
    ck_assert(!log.walk.ok);
    ck_assert_int_eq(log.walk.levels, 4);
    ck_assert_uint_eq(log.walk.fault.error, PF_W);
    mmu_set_observer(M, NULL);
}
END_TEST

START_TEST(test_probe_has_no_side_effects)
{
    const uint64_t va = 0x140000;
    map4k(va, DATA, PTE_P); /* read-only: a write would fault, the probe does not care */
    struct tlb_stats s0 = M->stats;
    struct page_walk w;
    ck_assert(mmu_probe(M, va + 0x42, &w));
    ck_assert_uint_eq(w.pa, DATA + 0x42);
    ck_assert_int_eq(w.levels, 4);
    for (int d = 0; d < 4; d++)
        ck_assert_uint_eq(rd64(entry_pa(va, d)) & PTE_A, 0);
    ck_assert_mem_eq(&M->stats, &s0, sizeof s0);
    ck_assert_uint_eq(mmu_tlb_entries(M, NULL, 0), 0);
    ck_assert(!mmu_probe(M, va + 0x1000, &w));
    ck_assert_uint_eq(w.fault.vector, 14);
    ck_assert(!mmu_probe(M, 0x0000800000000000ull, &w));
    ck_assert_uint_eq(w.fault.vector, 13);
}
END_TEST

/* ---- mmu_peek / mmu_visit: any address space, no side effects --------- */

/* A second address space: its own PML4, built like entry_pa() builds the
 * current one. */
static uint64_t entry_pa_in(uint64_t cr3, uint64_t va, int depth)
{
    uint64_t table = cr3 & PTE_ADDR_MASK;
    for (int d = 0;; d++) {
        uint64_t pa = table + ((va >> (39 - 9 * d)) & 511) * 8;
        if (d == depth)
            return pa;
        uint64_t e = rd64(pa);
        if (!(e & PTE_P)) {
            e = alloc_table() | UPPER;
            wr64(pa, e);
        }
        table = e & PTE_ADDR_MASK;
    }
}

/* Everything a query must leave alone: the counters, the TLB, guest RAM's
 * tables (A/D bits). */
struct untouched {
    struct tlb_stats stats;
    size_t tlb_entries;
    uint64_t tables_hash;
};

static struct untouched untouched_now(void)
{
    struct untouched u;
    mmu_tlb_stats(M, &u.stats);
    u.tlb_entries = mmu_tlb_entries(M, NULL, 0);
    u.tables_hash = 1469598103934665603ull;
    for (uint64_t pa = TABLES; pa < next_table; pa += 8)
        u.tables_hash = (u.tables_hash ^ rd64(pa)) * 1099511628211ull;
    return u;
}

static void assert_untouched(const struct untouched *before)
{
    struct untouched now = untouched_now();
    ck_assert_mem_eq(&now.stats, &before->stats, sizeof now.stats);
    ck_assert_uint_eq(now.tlb_entries, before->tlb_entries);
    ck_assert_uint_eq(now.tables_hash, before->tables_hash);
}

START_TEST(test_peek_in_another_address_space)
{
    const uint64_t va = 0x7f0000123000ull;
    map4k(va, DATA, PTE_P | PTE_W | PTE_U);
    uint64_t other = alloc_table();
    wr64(entry_pa_in(other, va, 3), (DATA + 0x5000) | PTE_P | PTE_U | PTE_NX | PTE_D);
    struct mmu_controls c;
    mmu_get_controls(M, &c);
    struct untouched before = untouched_now();

    struct mmu_peek p;
    ck_assert(mmu_peek(M, other, va + 0x42, &p));
    ck_assert_int_eq(p.result, PEEK_MAPPED);
    ck_assert_uint_eq(p.pa, DATA + 0x5042);
    ck_assert_uint_eq(p.page_size, 4096);
    ck_assert_int_eq(p.levels, 4);
    ck_assert_uint_eq(p.entry_addr[0], other + ((va >> 39) & 511) * 8);
    ck_assert_uint_eq(p.entry_addr[3], entry_pa_in(other, va, 3));
    ck_assert_uint_eq(p.entry[3], (DATA + 0x5000) | PTE_P | PTE_U | PTE_NX | PTE_D);
    ck_assert(p.user && !p.writable && p.nx && p.dirty && !p.accessed && !p.global);
    ck_assert(!p.in_tlb); /* not the current CR3 */

    ck_assert(mmu_peek(M, c.cr3, va + 0x42, &p));
    ck_assert_uint_eq(p.pa, DATA + 0x42);
    ck_assert(p.user && p.writable && !p.nx && !p.dirty);
    assert_untouched(&before);

    /* Upper-level rights combine: U cleared in the other PDPTE. */
    uint64_t pdpte = entry_pa_in(other, va, 1);
    wr64(pdpte, rd64(pdpte) & ~PTE_U);
    ck_assert(mmu_peek(M, other, va, &p));
    ck_assert(!p.user);
}
END_TEST

START_TEST(test_peek_reports_where_and_why)
{
    const uint64_t va = 0x200000000ull;
    struct mmu_controls c;
    mmu_get_controls(M, &c);
    struct mmu_peek p;
    /* Nothing below the PML4E: not present at level 1. */
    ck_assert(!mmu_peek(M, c.cr3, va, &p));
    ck_assert_int_eq(p.result, PEEK_NOT_PRESENT);
    ck_assert_int_eq(p.levels, 1);
    ck_assert_uint_eq(p.fault.vector, 14);
    ck_assert_uint_eq(p.fault.error, 0);
    ck_assert_uint_eq(p.fault.addr, va);
    /* A PDE present, its PT empty: the walk stops at the PTE. */
    entry_pa(va, 3);
    ck_assert(!mmu_peek(M, c.cr3, va, &p));
    ck_assert_int_eq(p.levels, 4);
    ck_assert_uint_eq(p.entry[3], 0);
    /* A reserved bit (above MAXPHYADDR) in the PTE. */
    map4k(va, DATA | (1ull << 50), PTE_P);
    ck_assert(!mmu_peek(M, c.cr3, va, &p));
    ck_assert_int_eq(p.result, PEEK_RESERVED);
    ck_assert_int_eq(p.levels, 4);
    ck_assert_uint_eq(p.fault.error, PF_P | PF_RSVD);
    /* A 2 MiB page. */
    const uint64_t big = 0x40000000ull;
    wr64(entry_pa(big, 2), 0x600000 | PTE_P | PTE_PS | PTE_A);
    ck_assert(mmu_peek(M, c.cr3, big + 0x12345, &p));
    ck_assert_int_eq(p.levels, 3);
    ck_assert_uint_eq(p.page_size, 2u << 20);
    ck_assert_uint_eq(p.pa, 0x612345);
    ck_assert(p.accessed && !p.writable);
    /* Not canonical: #GP before any entry is read. */
    ck_assert(!mmu_peek(M, c.cr3, 0x0000800000000000ull, &p));
    ck_assert_int_eq(p.result, PEEK_NON_CANONICAL);
    ck_assert_int_eq(p.levels, 0);
    ck_assert_uint_eq(p.fault.vector, 13);
    /* Paging off: linear = physical, whatever CR3 says. */
    control(CR0_PE, CR4_BASE, EFER_BASE);
    ck_assert(mmu_peek(M, c.cr3, 0x1234, &p));
    ck_assert_int_eq(p.result, PEEK_PAGING_OFF);
    ck_assert_uint_eq(p.pa, 0x1234);
}
END_TEST

/* The TLB keeps a stale translation until INVLPG (§4.10.4.4): the walk
 * shows the tables, in_tlb what the CPU would really use. */
START_TEST(test_peek_shows_a_stale_tlb_entry)
{
    const uint64_t va = 0x150000;
    map4k(va, DATA, PTE_P | PTE_W);
    expect_ok(va, ACC_READ, DATA);
    map4k(va, DATA + 0x3000, PTE_P | PTE_W);
    struct mmu_controls c;
    mmu_get_controls(M, &c);
    struct mmu_peek p;
    ck_assert(mmu_peek(M, c.cr3, va + 8, &p));
    ck_assert_uint_eq(p.pa, DATA + 0x3008);
    ck_assert(p.in_tlb);
    ck_assert_uint_eq(p.tlb_pa, DATA + 8);
    uint64_t pa = 0;
    ck_assert(mmu_peek_pa(M, c.cr3, va + 8, &pa));
    ck_assert_uint_eq(pa, DATA + 8);
    uint8_t bytes[4];
    ck_assert(mmu_peek_read(M, c.cr3, va + 8, bytes, sizeof bytes, &pa));
    ck_assert_uint_eq(pa, DATA + 8);
    ck_assert(!mmu_peek_read(M, c.cr3, va + 0xffe, bytes, sizeof bytes, &pa)); /* crosses the page */
    expect_ok(va, ACC_READ, DATA); /* the CPU agrees */
    mmu_invlpg(M, va);
    ck_assert(mmu_peek(M, c.cr3, va + 8, &p));
    ck_assert(!p.in_tlb);
    ck_assert(mmu_peek_pa(M, c.cr3, va + 8, &pa));
    ck_assert_uint_eq(pa, DATA + 0x3008);
}
END_TEST

struct visit_log {
    struct mmu_mapping map[32];
    int n, tables, stop_after;
};

static bool log_mapping(void *ctx, const struct mmu_mapping *map)
{
    struct visit_log *l = ctx;
    if (map->kind == MMU_VISIT_TABLE) {
        l->tables++;
        return true;
    }
    if (l->n < 32)
        l->map[l->n] = *map;
    l->n++;
    return l->stop_after == 0 || l->n < l->stop_after;
}

START_TEST(test_visit_lists_the_mappings)
{
    struct mmu_controls c;
    mmu_get_controls(M, &c);
    uint64_t cr3 = alloc_table();
    /* Three 4 KiB pages (one read-only, one not present), a 2 MiB page,
     * and a kernel-half page; a reserved-bit entry maps nothing. */
    wr64(entry_pa_in(cr3, 0x401000, 3), DATA | PTE_P | PTE_W | PTE_U);
    wr64(entry_pa_in(cr3, 0x402000, 3), (DATA + 0x1000) | PTE_P | PTE_U);
    wr64(entry_pa_in(cr3, 0x403000, 3), (DATA + 0x2000) | PTE_W); /* not present */
    wr64(entry_pa_in(cr3, 0x404000, 3), (DATA + 0x3000) | PTE_P | (1ull << 51));
    wr64(entry_pa_in(cr3, 0x40000000, 2), 0x800000 | PTE_P | PTE_W | PTE_PS | PTE_G);
    wr64(entry_pa_in(cr3, 0xffff800000005000ull, 3), (DATA + 0x4000) | PTE_P | PTE_W | PTE_NX);
    struct untouched before = untouched_now();

    struct visit_log l = {0};
    ck_assert(mmu_visit(M, cr3, 0, ~0ull, MMU_VISIT_PAGES | MMU_VISIT_TABLES, log_mapping, &l));
    ck_assert_int_eq(l.n, 4);
    ck_assert_uint_eq(l.map[0].va, 0x401000);
    ck_assert_uint_eq(l.map[0].pa, DATA);
    ck_assert_uint_eq(l.map[0].size, 4096);
    ck_assert(l.map[0].user && l.map[0].writable);
    ck_assert_uint_eq(l.map[0].entry_addr, entry_pa_in(cr3, 0x401000, 3));
    ck_assert_uint_eq(l.map[1].va, 0x402000);
    ck_assert(l.map[1].user && !l.map[1].writable);
    ck_assert_uint_eq(l.map[2].va, 0x40000000);
    ck_assert_uint_eq(l.map[2].pa, 0x800000);
    ck_assert_uint_eq(l.map[2].size, 2u << 20);
    ck_assert(!l.map[2].user); /* UPPER has U, the PDE does not */
    ck_assert(!l.map[2].global && (l.map[2].entry & PTE_G)); /* G counts only with CR4.PGE */
    ck_assert_uint_eq(l.map[3].va, 0xffff800000005000ull);
    ck_assert(l.map[3].nx && !l.map[3].user);
    /* PML4, two PDPTs, three PDs (0x400000, 0x40000000, the kernel's), two PTs. */
    ck_assert_int_eq(l.tables, 1 + 2 + 3 + 2);

    /* [lo, hi) picks the pages that overlap it; fn can stop the visit. */
    struct visit_log one = {0};
    ck_assert(mmu_visit(M, cr3, 0x402fff, 0x403000, MMU_VISIT_PAGES, log_mapping, &one));
    ck_assert_int_eq(one.n, 1);
    ck_assert_uint_eq(one.map[0].va, 0x402000);
    ck_assert_int_eq(one.tables, 0);
    struct visit_log stop = {.stop_after = 2};
    ck_assert(!mmu_visit(M, cr3, 0, ~0ull, MMU_VISIT_PAGES, log_mapping, &stop));
    ck_assert_int_eq(stop.n, 2);
    assert_untouched(&before);
    control(c.cr0, c.cr4 | CR4_PGE, c.efer);
    struct visit_log g = {0};
    ck_assert(mmu_visit(M, cr3, 0x40000000, 0x40000001, MMU_VISIT_PAGES, log_mapping, &g));
    ck_assert(g.n == 1 && g.map[0].global);
}
END_TEST

/* A PML4 slot pointing back at the PML4 makes every table reachable many
 * times over: the visit ends all the same. */
START_TEST(test_visit_survives_a_recursive_table)
{
    struct mmu_controls c;
    mmu_get_controls(M, &c);
    map4k(0x401000, DATA, PTE_P | PTE_W);
    for (int slot = 0; slot < 512; slot += 7)
        wr64((c.cr3 & PTE_ADDR_MASK) + (uint64_t)slot * 8, c.cr3 | PTE_P | PTE_W);
    struct visit_log l = {0};
    ck_assert(!mmu_visit(M, c.cr3, 0, ~0ull, MMU_VISIT_PAGES | MMU_VISIT_TABLES, log_mapping, &l));
    ck_assert_int_gt(l.n, 0);
}
END_TEST

/* ---- mmu_save / mmu_restore --------------------------------------------- */

START_TEST(test_save_restore_brings_back_tlb_and_counters)
{
    map4k(0x150000, DATA, PTE_P | PTE_W | PTE_D);
    map4k(0x151000, DATA + 0x1000, PTE_P | PTE_W | PTE_D);
    expect_ok(0x150000, ACC_WRITE, DATA);
    expect_ok(0x151000, ACC_READ, DATA + 0x1000);
    void *block = malloc(mmu_state_size(M)), *again = malloc(mmu_state_size(M));
    ck_assert(block && again);
    mmu_save(M, block);
    struct tlb_stats s0;
    mmu_tlb_stats(M, &s0);
    struct mmu_controls c0;
    mmu_get_controls(M, &c0);
    struct tlb_entry e0[8], e1[8];
    size_t n0 = mmu_tlb_entries(M, e0, 8);

    /* Change everything: another CR3 (a flush), NXE off, walks, code. */
    uint64_t empty = alloc_table();
    mmu_set_control(M, c0.cr0, empty, c0.cr4, EFER_BASE, TLB_CAUSE_EXTERNAL);
    expect_pf(0x150000, ACC_READ, 0);
    mmu_set_control(M, c0.cr0, c0.cr3, c0.cr4, c0.efer, TLB_CAUSE_EXTERNAL);
    expect_ok(0x151000, ACC_READ, DATA + 0x1000);
    mmu_mark_code(M, DATA >> 12); /* decoded code now lives in the written frame */
    ck_assert_ptr_null(tlb_fast(M, 0x150000, ACC_WRITE));

    mmu_restore(M, block);
    struct tlb_stats s1;
    mmu_tlb_stats(M, &s1);
    ck_assert_mem_eq(&s1, &s0, sizeof s0);
    struct mmu_controls c1;
    mmu_get_controls(M, &c1);
    ck_assert_mem_eq(&c1, &c0, sizeof c0);
    ck_assert_uint_eq(mmu_tlb_entries(M, e1, 8), n0);
    ck_assert_mem_eq(e1, e0, n0 * sizeof e0[0]);
    mmu_save(M, again);
    ck_assert_mem_eq(again, block, mmu_state_size(M));
    /* The frame held no code at the snapshot: the write is fast again,
     * through the right host pointer, and counted as a hit. */
    ck_assert(!mmu_is_code_frame(M, DATA >> 12));
    ck_assert_ptr_eq(tlb_fast(M, 0x150000 + 5, ACC_WRITE), M->ram + DATA + 5);
    mmu_tlb_stats(M, &s1);
    ck_assert_uint_eq(s1.hits, s0.hits + 1);
    free(block);
    free(again);
}
END_TEST

START_TEST(test_phys_equal)
{
    static const uint8_t bytes[5] = {1, 2, 3, 4, 5};
    ck_assert(mmu_phys_write(M, DATA + 0xffe, bytes, sizeof bytes)); /* across a frame boundary */
    ck_assert(mmu_phys_equal(M, DATA + 0xffe, bytes, sizeof bytes));
    ck_assert(!mmu_phys_equal(M, DATA + 0xfff, bytes, sizeof bytes));
    ck_assert(!mmu_phys_equal(M, RAM_SIZE - 2, bytes, 4)); /* runs past RAM */
    ck_assert(!mmu_phys_equal(M, RAM_SIZE + 0x1000, bytes, 1));
}
END_TEST

/* ---- Page-crossing accesses, through the CPU -------------------------- *
 * An access that spans two pages needs both translations before it may
 * change anything: if the second page faults, #PF reports the second
 * page's first byte in CR2 and the bytes in the first page stay unwritten. */

#define SPLIT_PT 0x10080000ull   /* a page table for the arena's 2 MiB region */
#define SPLIT_AT 0x10001000ull   /* the second page of the crossing access */

static struct harness *split_harness(uint64_t second_page_flags)
{
    struct harness *h = harness_new(0);
    ck_assert_ptr_nonnull(h);
    /* Replace the arena's 2 MiB PDE with a table of 4 KiB identity pages. */
    for (uint64_t i = 0; i < 512; i++) {
        uint64_t pa = (HARNESS_ARENA & ~0x1fffffull) + (i << 12);
        uint64_t pte = pa | (pa == SPLIT_AT ? second_page_flags : PTE_P | PTE_W | PTE_U);
        ck_assert(mmu_phys_write(h->mmu, SPLIT_PT + 8 * i, &pte, 8));
    }
    uint64_t pde_pa = (h->cpu->cr3 & PTE_ADDR_MASK), e;
    for (int depth = 0; depth < 2; depth++) {
        ck_assert(mmu_phys_read(h->mmu, pde_pa + ((HARNESS_ARENA >> (39 - 9 * depth)) & 511) * 8,
                                &e, 8));
        pde_pa = e & PTE_ADDR_MASK;
    }
    pde_pa += ((HARNESS_ARENA >> 21) & 511) * 8;
    e = SPLIT_PT | PTE_P | PTE_W | PTE_U;
    ck_assert(mmu_phys_write(h->mmu, pde_pa, &e, 8));
    mmu_flush_all(h->mmu);
    return h;
}

/* Runs one instruction; returns the vector it raised or -1.  The #PF error
 * code is read from cpu->fault_error (what cpu_fault() raised). */
static int exec_mov(struct harness *h, const uint8_t *code, size_t len, int cpl, uint64_t addr)
{
    struct regs in = { 0 }, out;
    in.gpr[0] = addr;                   /* rax: the address */
    in.gpr[3] = 0x1122334455667788ull;  /* rbx: the data */
    in.gpr[4] = HARNESS_STACK_TOP;      /* rsp */
    in.rflags = 2;
    return harness_exec(h, code, len, cpl, &in, &out);
}

START_TEST(test_cpu_page_crossing_write_not_present)
{
    static const uint8_t mov_store[] = { 0x48, 0x89, 0x18 }; /* mov [rax], rbx */
    struct harness *h = split_harness(0);
    static const uint8_t marker[4] = { 0xa5, 0xa5, 0xa5, 0xa5 };
    ck_assert(mmu_phys_write(h->mmu, SPLIT_AT - 4, marker, 4));
    ck_assert_int_eq(exec_mov(h, mov_store, sizeof mov_store, 0, SPLIT_AT - 4), 14);
    ck_assert_uint_eq(h->cpu->fault_error, PF_W);
    ck_assert_uint_eq(h->cpu->cr2, SPLIT_AT);
    uint8_t now[4];
    ck_assert(mmu_phys_read(h->mmu, SPLIT_AT - 4, now, 4));
    ck_assert_mem_eq(now, marker, 4);
    /* The same store inside the first page retires. */
    ck_assert_int_eq(exec_mov(h, mov_store, sizeof mov_store, 0, SPLIT_AT - 8), -1);
    uint64_t v;
    ck_assert(mmu_phys_read(h->mmu, SPLIT_AT - 8, &v, 8));
    ck_assert_uint_eq(v, 0x1122334455667788ull);
    harness_free(h);
}
END_TEST

START_TEST(test_cpu_page_crossing_read_and_protection)
{
    static const uint8_t mov_load[] = { 0x48, 0x8b, 0x18 };  /* mov rbx, [rax] */
    static const uint8_t mov_store[] = { 0x48, 0x89, 0x18 }; /* mov [rax], rbx */
    /* Second page present but read-only and supervisor-only. */
    struct harness *h = split_harness(PTE_P);
    ck_assert_int_eq(exec_mov(h, mov_load, sizeof mov_load, 0, SPLIT_AT - 2), -1);
    ck_assert_int_eq(exec_mov(h, mov_store, sizeof mov_store, 0, SPLIT_AT - 2), 14);
    ck_assert_uint_eq(h->cpu->fault_error, PF_P | PF_W); /* CR0.WP = 1 in the harness */
    ck_assert_uint_eq(h->cpu->cr2, SPLIT_AT);
    ck_assert_int_eq(exec_mov(h, mov_load, sizeof mov_load, 3, SPLIT_AT - 2), 14);
    ck_assert_uint_eq(h->cpu->fault_error, PF_P | PF_U);
    ck_assert_uint_eq(h->cpu->cr2, SPLIT_AT);
    harness_free(h);
}
END_TEST

static Suite *mmu_suite(void)
{
    Suite *s = suite_create("mmu");
    TCase *tc = tcase_create("paging");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_not_present_error_code);
    tcase_add_test(tc, test_protection_error_code);
    tcase_add_test(tc, test_instruction_fetch_bit_needs_nxe_or_smep);
    tcase_add_test(tc, test_reserved_bits);
    tcase_add_test(tc, test_accessed_and_dirty);
    tcase_add_test(tc, test_fault_does_not_set_leaf_accessed);
    tcase_add_test(tc, test_write_protect);
    tcase_add_test(tc, test_no_execute);
    tcase_add_test(tc, test_smep);
    tcase_add_test(tc, test_smap);
    tcase_add_test(tc, test_rights_matrix);
    tcase_add_test(tc, test_2mib_page);
    tcase_add_test(tc, test_1gib_page);
    tcase_add_test(tc, test_tlb_hits_after_walk);
    tcase_add_test(tc, test_tlb_set_conflicts);
    tcase_add_test(tc, test_stale_until_invlpg);
    tcase_add_test(tc, test_page_fault_invalidates_the_page);
    tcase_add_test(tc, test_invlpg_one_page);
    tcase_add_test(tc, test_invlpg_large_page);
    tcase_add_test(tc, test_global_pages);
    tcase_add_test(tc, test_paging_off_and_noncanonical);
    tcase_add_test(tc, test_open_bus_and_mmio);
    tcase_add_test(tc, test_bad_ram_size);
    tcase_add_test(tc, test_tables_outside_ram);
    tcase_add_test(tc, test_code_frame_write_notification);
    tcase_add_test(tc, test_observer_sees_walks_and_tlb);
    tcase_add_test(tc, test_probe_has_no_side_effects);
    tcase_add_test(tc, test_peek_in_another_address_space);
    tcase_add_test(tc, test_peek_reports_where_and_why);
    tcase_add_test(tc, test_peek_shows_a_stale_tlb_entry);
    tcase_add_test(tc, test_visit_lists_the_mappings);
    tcase_add_test(tc, test_visit_survives_a_recursive_table);
    tcase_add_test(tc, test_save_restore_brings_back_tlb_and_counters);
    tcase_add_test(tc, test_phys_equal);
    suite_add_tcase(s, tc);
    TCase *cpu = tcase_create("cpu");
    tcase_add_test(cpu, test_cpu_page_crossing_write_not_present);
    tcase_add_test(cpu, test_cpu_page_crossing_read_and_protection);
    suite_add_tcase(s, cpu);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(mmu_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
