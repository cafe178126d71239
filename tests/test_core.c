/* test_core.c — the run loop: instruction budget, the decoded-instruction
 * cache (hits, and invalidation by guest and host writes: self-modifying
 * code), instructions that cross a page boundary, decode errors (#UD, #GP
 * for >15 bytes), external interrupts with the STI shadow, and HLT. */
#include <check.h>
#include <stdlib.h>
#include "cpu/dcache.h"
#include "harness.h"

static struct harness *h;

static void setup(void)
{
    h = harness_new(64ull << 20);
    ck_assert_ptr_nonnull(h);
}

static void teardown(void)
{
    harness_free(h);
}

static void put(uint64_t pa, const void *bytes, size_t n)
{
    ck_assert(mmu_phys_write(h->mmu, pa, bytes, n));
}

START_TEST(budget_counts_instructions_and_hits_the_cache)
{
    static const uint8_t loop[] = {0xeb, 0xfe}; /* jmp $ */
    put(HARNESS_GUEST_BASE, loop, sizeof loop);
    h->cpu->rip = HARNESS_GUEST_BASE;
    ck_assert_int_eq(harness_run(h, 1000), STOP_BUDGET);
    ck_assert_uint_eq(h->cpu->icount, 1000);
    ck_assert_uint_eq(h->cpu->rip, HARNESS_GUEST_BASE);
    ck_assert_uint_eq(h->cpu->dcache->misses, 1);
    ck_assert_uint_ge(h->cpu->dcache->hits, 999);
}
END_TEST

START_TEST(guest_write_to_executed_code_is_seen)
{
    /* 0: mov eax, 1
     * 5: mov byte [rip - 11], 2   (patches the immediate at offset 1)
     * c: jmp 0                     */
    static const uint8_t code[] = {0xb8, 0x01, 0x00, 0x00, 0x00,
                                   0xc6, 0x05, 0xf5, 0xff, 0xff, 0xff, 0x02,
                                   0xeb, 0xf2};
    put(HARNESS_GUEST_BASE, code, sizeof code);
    h->cpu->rip = HARNESS_GUEST_BASE;
    ck_assert_int_eq(harness_run(h, 1), STOP_BUDGET);
    ck_assert_uint_eq(h->cpu->gpr[RAX], 1);
    ck_assert_int_eq(harness_run(h, 3), STOP_BUDGET); /* patch, jmp, mov */
    ck_assert_uint_eq(h->cpu->gpr[RAX], 2);
    ck_assert_uint_ge(h->cpu->dcache->invalidations, 1);
}
END_TEST

START_TEST(host_write_to_executed_code_is_seen)
{
    static const uint8_t a[] = {0xb8, 0x11, 0x00, 0x00, 0x00, 0xeb, 0xf9}; /* mov eax,0x11; jmp 0 */
    put(HARNESS_GUEST_BASE, a, sizeof a);
    h->cpu->rip = HARNESS_GUEST_BASE;
    harness_run(h, 1);
    ck_assert_uint_eq(h->cpu->gpr[RAX], 0x11);
    static const uint8_t imm = 0x22;
    put(HARNESS_GUEST_BASE + 1, &imm, 1);
    harness_run(h, 2);
    ck_assert_uint_eq(h->cpu->gpr[RAX], 0x22);
}
END_TEST

START_TEST(instruction_crossing_a_page_boundary)
{
    /* mov eax, 0x12345678 with its immediate split across two pages. */
    static const uint8_t code[] = {0xb8, 0x78, 0x56, 0x34, 0x12, 0xeb, 0xfe};
    uint64_t at = HARNESS_GUEST_BASE + 0x1000 - 2;
    put(at, code, sizeof code);
    h->cpu->rip = at;
    ck_assert_int_eq(harness_run(h, 1), STOP_BUDGET);
    ck_assert_uint_eq(h->cpu->gpr[RAX], 0x12345678);
    ck_assert_uint_eq(h->cpu->rip, at + 5);
    /* Change the bytes on the second page: never served stale. */
    static const uint8_t hi = 0x99;
    put(HARNESS_GUEST_BASE + 0x1000 + 2, &hi, 1);
    h->cpu->rip = at;
    harness_run(h, 1);
    ck_assert_uint_eq(h->cpu->gpr[RAX], 0x99345678);
}
END_TEST

START_TEST(fetch_from_not_present_second_page_faults_with_cr2)
{
    /* Unmap the 2 MiB page at 0x200000 (PD entry 1), then execute an
     * instruction starting 2 bytes before it. */
    uint64_t zero = 0;
    put(0x3000 + 8, &zero, 8);
    mmu_set_control(h->mmu, h->cpu->cr0, h->cpu->cr3, h->cpu->cr4, h->cpu->efer, TLB_CAUSE_EXTERNAL);
    static const uint8_t code[] = {0xb8, 0x78};
    uint64_t at = 0x200000 - 2;
    put(at, code, sizeof code);
    h->cpu->rip = at;
    harness_run(h, 10);
    ck_assert_int_eq(h->last_vector, EXC_PF);
    ck_assert_uint_eq(h->cpu->cr2, 0x200000);
    uint64_t err = 0;
    mmu_phys_read(h->mmu, h->cpu->gpr[RSP], &err, 8);
    ck_assert_uint_eq(err, PF_I); /* not present, read, supervisor, instruction fetch */
    uint64_t pushed_rip = 0;
    mmu_phys_read(h->mmu, h->cpu->gpr[RSP] + 8, &pushed_rip, 8);
    ck_assert_uint_eq(pushed_rip, at);
}
END_TEST

START_TEST(sixteen_byte_instruction_is_gp)
{
    uint8_t code[16];
    for (int i = 0; i < 15; i++)
        code[i] = 0x66;
    code[15] = 0x90;
    put(HARNESS_GUEST_BASE, code, sizeof code);
    h->cpu->rip = HARNESS_GUEST_BASE;
    harness_run(h, 10);
    ck_assert_int_eq(h->last_vector, EXC_GP);
}
END_TEST

START_TEST(invalid_opcode_is_ud)
{
    static const uint8_t code[] = {0x06}; /* PUSH ES: invalid in 64-bit mode */
    put(HARNESS_GUEST_BASE, code, sizeof code);
    h->cpu->rip = HARNESS_GUEST_BASE;
    harness_run(h, 10);
    ck_assert_int_eq(h->last_vector, EXC_UD);
    uint64_t pushed_rip = 0;
    mmu_phys_read(h->mmu, h->cpu->gpr[RSP], &pushed_rip, 8);
    ck_assert_uint_eq(pushed_rip, HARNESS_GUEST_BASE);
}
END_TEST

static uint8_t ack_vector(void *ctx)
{
    (void)ctx;
    h->cpu->intr_line = 0;
    return 0x30;
}

START_TEST(interrupt_waits_for_the_sti_shadow)
{
    /* sti; nop; nop — with INTR raised and IF=0: the interrupt is taken after
     * the instruction following STI (SDM Vol. 2B, STI). */
    static const uint8_t code[] = {0xfb, 0x90, 0x90, 0xeb, 0xfe};
    put(HARNESS_GUEST_BASE, code, sizeof code);
    h->bus.intr_ack = ack_vector;
    h->cpu->rip = HARNESS_GUEST_BASE;
    h->cpu->intr_line = 1;
    harness_run(h, 10);
    ck_assert_int_eq(h->last_vector, 0x30);
    uint64_t frame[3];
    mmu_phys_read(h->mmu, h->cpu->gpr[RSP], frame, sizeof frame);
    ck_assert_uint_eq(frame[0], HARNESS_GUEST_BASE + 2); /* after sti and one nop */
    ck_assert_uint_eq(frame[2] & RF_IF, RF_IF);          /* RFLAGS pushed with IF=1 */
}
END_TEST

START_TEST(masked_interrupt_is_not_taken)
{
    static const uint8_t code[] = {0x90, 0x90, 0xeb, 0xfe};
    put(HARNESS_GUEST_BASE, code, sizeof code);
    h->bus.intr_ack = ack_vector;
    h->cpu->rip = HARNESS_GUEST_BASE;
    h->cpu->intr_line = 1;
    ck_assert_int_eq(harness_run(h, 50), STOP_BUDGET);
    ck_assert_int_eq(h->last_vector, -1);
}
END_TEST

START_TEST(hlt_stops_the_run_and_an_interrupt_wakes_it)
{
    static const uint8_t code[] = {0xfb, 0xf4, 0x90, 0xeb, 0xfe}; /* sti; hlt; nop */
    put(HARNESS_GUEST_BASE, code, sizeof code);
    h->bus.intr_ack = ack_vector;
    h->cpu->rip = HARNESS_GUEST_BASE;
    ck_assert_int_eq(harness_run(h, 100), STOP_HALT);
    ck_assert_uint_eq(h->cpu->icount, 2);
    ck_assert_int_eq(harness_run(h, 100), STOP_HALT); /* still halted: nothing pending */
    h->cpu->intr_line = 1;
    harness_run(h, 100);
    ck_assert_int_eq(h->last_vector, 0x30);
    uint64_t pushed_rip = 0;
    mmu_phys_read(h->mmu, h->cpu->gpr[RSP], &pushed_rip, 8);
    ck_assert_uint_eq(pushed_rip, HARNESS_GUEST_BASE + 2); /* the instruction after HLT */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("run loop");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, budget_counts_instructions_and_hits_the_cache);
    tcase_add_test(tc, guest_write_to_executed_code_is_seen);
    tcase_add_test(tc, host_write_to_executed_code_is_seen);
    tcase_add_test(tc, instruction_crossing_a_page_boundary);
    tcase_add_test(tc, fetch_from_not_present_second_page_faults_with_cr2);
    tcase_add_test(tc, sixteen_byte_instruction_is_gp);
    tcase_add_test(tc, invalid_opcode_is_ud);
    tcase_add_test(tc, interrupt_waits_for_the_sti_shadow);
    tcase_add_test(tc, masked_interrupt_is_not_taken);
    tcase_add_test(tc, hlt_stops_the_run_and_an_interrupt_wakes_it);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
