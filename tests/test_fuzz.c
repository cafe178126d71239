/* test_fuzz.c — no guest bytes can crash or escape the host process.
 *
 * Random code (plain random bytes, and streams biased toward real
 * instructions: prefixes, REX, all opcode maps) runs at CPL 3 and CPL 0 in
 * the harness machine with a budget; whatever it does — faults, writes over
 * its own page tables or IDT, triple faults — the interpreter must return.
 * Check runs each test in a child process, so a host crash fails the test;
 * under `make asan-test` any out-of-bounds host access fails it too. */
#include <check.h>
#include <stdlib.h>
#include "harness.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17; /* xorshift64 */
    return rng;
}

static void fill_random(uint8_t *p, size_t n, bool biased)
{
    static const uint8_t prefixes[] = {0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x64, 0x65, 0x48, 0x41, 0x4c};
    size_t i = 0;
    while (i < n) {
        uint64_t r = next_random();
        if (!biased) {
            p[i++] = (uint8_t)r;
            continue;
        }
        if ((r & 3) == 0 && i < n)
            p[i++] = prefixes[(r >> 8) % sizeof prefixes];
        if ((r & 0x30) == 0 && i + 1 < n) {
            p[i++] = 0x0f;
            if ((r & 0xc0) == 0 && i < n)
                p[i++] = (r & 0x100) ? 0x38 : 0x3a;
        }
        for (int k = 0; k < 6 && i < n; k++)
            p[i++] = (uint8_t)(r >> (16 + 8 * k));
    }
}

static void run_random(int cpl, bool biased, int programs)
{
    for (int prog = 0; prog < programs; prog++) {
        struct harness *h = harness_new(8ull << 20);
        ck_assert_ptr_nonnull(h);
        uint8_t code[4096];
        fill_random(code, sizeof code, biased);
        mmu_phys_write(h->mmu, HARNESS_GUEST_BASE, code, sizeof code);
        struct regs in = {0}, out;
        for (int r = 0; r < 16; r++)
            in.gpr[r] = (r == RSP) ? HARNESS_STACK_TOP : next_random() & 0x7fffff;
        in.rflags = 0x202;
        /* One instruction through harness_exec to enter the ring, then run. */
        static const uint8_t nop = 0x90;
        harness_exec(h, &nop, 1, cpl, &in, &out);
        h->cpu->rip = HARNESS_GUEST_BASE;
        for (int slice = 0; slice < 20 && !h->cpu->shutdown; slice++) {
            enum cpu_stop s = harness_run(h, 500);
            if (s == STOP_HALT || s == STOP_TRIPLE_FAULT)
                break;
            /* A stub reported an exception: resume at random code again. */
            h->cpu->rip = HARNESS_GUEST_BASE + (next_random() & 0xfff);
        }
        harness_free(h);
    }
}

START_TEST(random_bytes_in_ring3) { run_random(3, false, 150); }
END_TEST
START_TEST(random_bytes_in_ring0) { run_random(0, false, 150); }
END_TEST
START_TEST(instruction_like_streams_in_ring3) { run_random(3, true, 150); }
END_TEST
START_TEST(instruction_like_streams_in_ring0) { run_random(0, true, 150); }
END_TEST

int main(void)
{
    Suite *s = suite_create("fuzz");
    TCase *tc = tcase_create("random code");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, random_bytes_in_ring3);
    tcase_add_test(tc, random_bytes_in_ring0);
    tcase_add_test(tc, instruction_like_streams_in_ring3);
    tcase_add_test(tc, instruction_like_streams_in_ring0);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
