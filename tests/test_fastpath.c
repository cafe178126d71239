/* test_fastpath.c — the interpreter's fast paths change nothing a guest
 * can see: the fetch that reuses the translation of the current code page
 * (cpu/run.c) must notice INVLPG of that very page, the walk memo of 2 MiB
 * pages (mmu/translate.c) must notice a changed PDE and must still set the
 * Dirty bit on the first write, and a run with an observer attached (every
 * access and walk done the slow way and reported) must end in the same
 * state with the same TLB statistics as a run without.  Guest code is
 * written as machine code bytes (encodings from SDM Vol. 2) on the bare
 * harness machine (identity map with 2 MiB pages, PDs at 0x3000). */
#include <check.h>
#include <string.h>
#include "harness.h"

#define PD0 0x3000ull
#define CODE_VA 0x400000ull    /* 2 MiB region remapped with 4 KiB pages below */
#define PAGE_TABLE 0x30000ull  /* its page table (in the identity-mapped first 2 MiB) */
#define FRAME_A 0x600000ull
#define FRAME_B 0x601000ull
#define DATA_VA 0x800000ull    /* a 2 MiB page, PDE at PD0 + 8 * 4 */
#define OTHER_2M 0xa00000ull   /* another 2 MiB page the PDE is pointed at */

struct code {
    uint8_t b[256];
    size_t n;
};

static void emit(struct code *c, const void *bytes, size_t n)
{
    ck_assert_uint_le(c->n + n, sizeof c->b);
    memcpy(c->b + c->n, bytes, n);
    c->n += n;
}

/* REX.W B8+r imm64: MOV r64, imm64. */
static void mov_imm64(struct code *c, unsigned reg, uint64_t v)
{
    uint8_t op[2] = {0x48, (uint8_t)(0xb8 + reg)};
    emit(c, op, 2);
    emit(c, &v, 8);
}

static void mov_store_rbx_to_rax(struct code *c) { emit(c, "\x48\x89\x18", 3); } /* mov [rax], rbx */
static void mov_load_rbx_from_rax(struct code *c) { emit(c, "\x48\x8b\x18", 3); } /* mov rbx, [rax] */
static void invlpg_rcx(struct code *c) { emit(c, "\x0f\x01\x39", 3); }            /* invlpg [rcx] */
static void out_bl(struct code *c) { emit(c, "\x88\xd8\xe6\xe9", 4); }            /* mov al, bl; out 0xe9, al */

static void put_char_and_exit(struct code *c, char ch)
{
    uint8_t seq[8] = {0xb0, (uint8_t)ch, 0xe6, 0xe9, 0xb0, 0x00, 0xe6, 0xf4}; /* out 0xe9 ch; out 0xf4 0 */
    emit(c, seq, sizeof seq);
}

static void put64(struct harness *h, uint64_t pa, uint64_t v)
{
    ck_assert(mmu_phys_write(h->mmu, pa, &v, 8));
}

static uint64_t get64(struct harness *h, uint64_t pa)
{
    uint64_t v = 0;
    ck_assert(mmu_phys_read(h->mmu, pa, &v, 8));
    return v;
}

static void load_and_start(struct harness *h, uint64_t pa, const struct code *c, uint64_t rip)
{
    ck_assert(mmu_phys_write(h->mmu, pa, c->b, c->n));
    h->cpu->rip = rip;
}

/* Code in frame A rewrites the PTE of its own page to frame B, optionally
 * invalidates it, and goes on at the next instruction: with INVLPG that is
 * fetched from frame B (which has the same prefix, then prints 'B');
 * without, the stale TLB entry keeps frame A (prints 'A'), as on hardware
 * (SDM Vol. 3A §4.10.4.4). */
static void run_remap_own_page(bool invalidate, const char *expect)
{
    struct harness *h = harness_new(0);
    ck_assert_ptr_nonnull(h);
    put64(h, PD0 + 8 * (CODE_VA >> 21), PAGE_TABLE | PTE_P | PTE_W | PTE_U);
    put64(h, PAGE_TABLE, FRAME_A | PTE_P | PTE_W | PTE_U);
    put64(h, PAGE_TABLE + 8, FRAME_B | PTE_P | PTE_W | PTE_U);
    struct code prefix = {.n = 0};
    mov_imm64(&prefix, 0 /* rax */, PAGE_TABLE);
    mov_imm64(&prefix, 3 /* rbx */, FRAME_B | PTE_P | PTE_W | PTE_U);
    mov_store_rbx_to_rax(&prefix);
    mov_imm64(&prefix, 1 /* rcx */, CODE_VA);
    if (invalidate)
        invlpg_rcx(&prefix);
    else
        emit(&prefix, "\x90\x90\x90", 3); /* nop: same length */
    struct code a = prefix, b = prefix;
    put_char_and_exit(&a, 'A');
    put_char_and_exit(&b, 'B');
    ck_assert(mmu_phys_write(h->mmu, FRAME_B, b.b, b.n));
    load_and_start(h, FRAME_A, &a, CODE_VA);
    ck_assert_int_eq(harness_run(h, 1000), STOP_REQUEST);
    h->out[h->out_len] = 0;
    ck_assert_str_eq(h->out, expect);
    harness_free(h);
}

START_TEST(invlpg_of_the_running_code_page_fetches_from_the_new_frame)
{
    run_remap_own_page(true, "B");
}
END_TEST

START_TEST(without_invlpg_the_running_code_page_keeps_its_old_frame)
{
    run_remap_own_page(false, "A");
}
END_TEST

/* Read one 4 KiB piece of a 2 MiB page (a walk), point the page's PDE at
 * another 2 MiB frame without INVLPG, then read a piece not yet in the
 * TLB: that miss walks the changed PDE and reads the new frame. */
static void changed_pde_guest(struct harness *h)
{
    uint8_t old_byte = 'X', new_byte = 'Y';
    ck_assert(mmu_phys_write(h->mmu, DATA_VA + 0x1000, &old_byte, 1));
    ck_assert(mmu_phys_write(h->mmu, OTHER_2M + 0x1000, &new_byte, 1));
    struct code c = {.n = 0};
    mov_imm64(&c, 0, DATA_VA);
    mov_load_rbx_from_rax(&c);
    mov_imm64(&c, 0, PD0 + 8 * (DATA_VA >> 21));
    mov_imm64(&c, 3, OTHER_2M | PTE_P | PTE_W | PTE_U | PTE_PS);
    mov_store_rbx_to_rax(&c);
    mov_imm64(&c, 0, DATA_VA + 0x1000);
    mov_load_rbx_from_rax(&c);
    out_bl(&c);
    put_char_and_exit(&c, '\n');
    load_and_start(h, HARNESS_GUEST_BASE, &c, HARNESS_GUEST_BASE);
}

START_TEST(a_tlb_miss_after_the_pde_changed_walks_the_new_pde)
{
    struct harness *h = harness_new(0);
    ck_assert_ptr_nonnull(h);
    changed_pde_guest(h);
    ck_assert_int_eq(harness_run(h, 1000), STOP_REQUEST);
    h->out[h->out_len] = 0;
    ck_assert_str_eq(h->out, "Y\n");
    harness_free(h);
}
END_TEST

/* Reads of two pieces of a 2 MiB page (the second miss can reuse the
 * first walk), then a write to a third piece: the write must set D in the
 * PDE (SDM Vol. 3A §4.8), and A must be set too. */
START_TEST(first_write_to_a_read_2m_page_sets_its_dirty_bit)
{
    struct harness *h = harness_new(0);
    ck_assert_ptr_nonnull(h);
    uint64_t pde_addr = PD0 + 8 * (DATA_VA >> 21);
    struct code c = {.n = 0};
    mov_imm64(&c, 0, DATA_VA);
    mov_load_rbx_from_rax(&c);
    mov_imm64(&c, 0, DATA_VA + 0x1000);
    mov_load_rbx_from_rax(&c);
    mov_imm64(&c, 0, DATA_VA + 0x2000);
    mov_store_rbx_to_rax(&c);
    put_char_and_exit(&c, '.');
    load_and_start(h, HARNESS_GUEST_BASE, &c, HARNESS_GUEST_BASE);
    ck_assert_uint_eq(get64(h, pde_addr) & (PTE_A | PTE_D), 0);
    ck_assert_int_eq(harness_run(h, 1000), STOP_REQUEST);
    ck_assert_uint_eq(get64(h, pde_addr) & (PTE_A | PTE_D), PTE_A | PTE_D);
    harness_free(h);
}
END_TEST

static void count_insn(void *ctx, struct cpu *cpu, const struct insn *in)
{
    (void)cpu, (void)in;
    ++*(uint64_t *)ctx;
}

static void count_walk(void *ctx, const struct page_walk *w)
{
    (void)w;
    ++*(uint64_t *)ctx;
}

/* The same guest with and without observers (CPU and MMU): same output,
 * registers, instruction count and TLB statistics (hits, misses, walks),
 * and the MMU observer is shown every walk. */
START_TEST(an_observer_sees_the_run_the_fast_paths_make)
{
    struct harness *plain = harness_new(0), *watched = harness_new(0);
    ck_assert_ptr_nonnull(plain);
    ck_assert_ptr_nonnull(watched);
    changed_pde_guest(plain);
    changed_pde_guest(watched);
    uint64_t seen = 0, walks_seen = 0;
    struct cpu_observer obs = {.ctx = &seen, .before_insn = count_insn};
    struct mmu_observer mobs = {.ctx = &walks_seen, .walk = count_walk};
    cpu_set_observer(watched->cpu, &obs, false);
    mmu_set_observer(watched->mmu, &mobs);
    ck_assert_int_eq(harness_run(plain, 1000), STOP_REQUEST);
    ck_assert_int_eq(harness_run(watched, 1000), STOP_REQUEST);
    ck_assert_uint_eq(seen, watched->cpu->icount);
    ck_assert_uint_eq(plain->cpu->icount, watched->cpu->icount);
    ck_assert_int_eq(memcmp(plain->cpu->gpr, watched->cpu->gpr, sizeof plain->cpu->gpr), 0);
    ck_assert_uint_eq(plain->out_len, watched->out_len);
    ck_assert_int_eq(memcmp(plain->out, watched->out, plain->out_len), 0);
    struct tlb_stats ps, ws;
    mmu_tlb_stats(plain->mmu, &ps);
    mmu_tlb_stats(watched->mmu, &ws);
    ck_assert_uint_eq(ps.hits, ws.hits);
    ck_assert_uint_eq(ps.misses, ws.misses);
    ck_assert_uint_eq(ps.walks, ws.walks);
    ck_assert_uint_eq(walks_seen, ws.walks);
    harness_free(plain);
    harness_free(watched);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fastpath");
    TCase *tc = tcase_create("fastpath");
    tcase_add_test(tc, invlpg_of_the_running_code_page_fetches_from_the_new_frame);
    tcase_add_test(tc, without_invlpg_the_running_code_page_keeps_its_old_frame);
    tcase_add_test(tc, a_tlb_miss_after_the_pde_changed_walks_the_new_pde);
    tcase_add_test(tc, first_write_to_a_read_2m_page_sets_its_dirty_bit);
    tcase_add_test(tc, an_observer_sees_the_run_the_fast_paths_make);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
