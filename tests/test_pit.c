/* test_pit.c — the 8254 through ports 0x40-0x43 in virtual time.
 * Expectations from the Intel 8254 datasheet (order 231164): a count is
 * loaded on the first CLK pulse after it is written; mode 2 OUT pulses
 * every N CLKs (the rising edge after count 1 is the interrupt), mode 3 is
 * high for ceil(N/2) and low for floor(N/2) CLKs; count 0 means 65536; the
 * counter-latch command freezes the count until both bytes are read; the
 * read-back status byte is OUT, NULL COUNT, RW1-0, M2-M0, BCD.  The CLK is
 * 1.193182 MHz, so CLK edge k is at k / 1193182 s — computed here in
 * floating point, independently of the device's integer arithmetic. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include "machine/pit.h"

#define CLK_HZ 1193182.0

static struct pit pit;
static int rises;
static uint64_t last_rise_ns;

static void on_irq(void *ctx, int line, int level)
{
    (void)ctx;
    ck_assert_int_eq(line, 0);
    if (level) {
        rises++;
        last_rise_ns = pit.now_ns;
    }
}

static void outb(unsigned port, uint8_t v) { pit_write(&pit, port - 0x40, 1, v); }
static uint8_t inb(unsigned port) { return (uint8_t)pit_read(&pit, port - 0x40, 1); }

/* First nanosecond at which CLK edge k has happened. */
static uint64_t edge_ns(double k) { return (uint64_t)ceil(k * 1e9 / CLK_HZ); }

static void program_ch0(uint8_t mode, uint16_t count)
{
    outb(0x43, (uint8_t)(0x30 | mode << 1)); /* channel 0, lobyte/hibyte, binary */
    outb(0x40, (uint8_t)count);
    outb(0x40, (uint8_t)(count >> 8));
}

static uint16_t read_ch0_latched(void)
{
    outb(0x43, 0x00); /* counter latch, channel 0 */
    uint8_t lo = inb(0x40);
    return (uint16_t)(lo | inb(0x40) << 8);
}

static void setup(void)
{
    pit_init(&pit, on_irq, NULL);
    rises = 0;
    last_rise_ns = 0;
}

START_TEST(idle_until_programmed)
{
    ck_assert_uint_eq(pit_next_deadline(&pit), UINT64_MAX);
    pit_advance(&pit, 1000000000);
    ck_assert_int_eq(rises, 0);
}
END_TEST

START_TEST(mode2_irq_times)
{
    const uint16_t n = 1193; /* the classic ~1 kHz tick */
    program_ch0(2, n);
    for (int k = 1; k <= 5; k++) {
        uint64_t expect = edge_ns(1 + (double)k * n);
        ck_assert_uint_eq(pit_next_deadline(&pit), expect);
        pit_advance(&pit, expect - 1);
        ck_assert_int_eq(rises, k - 1);
        pit_advance(&pit, expect);
        ck_assert_int_eq(rises, k);
    }
    /* 1193 CLKs = 999.847 us */
    uint64_t period = edge_ns(1 + 6.0 * n) - edge_ns(1 + 5.0 * n);
    ck_assert(period >= 999846 && period <= 999848);
    ck_assert_uint_eq(pit_next_deadline(&pit) - last_rise_ns, period);
}
END_TEST

START_TEST(mode3_count_zero_is_65536)
{
    program_ch0(3, 0);
    ck_assert_uint_eq(pit_next_deadline(&pit), edge_ns(1 + 65536.0));
    pit_advance(&pit, edge_ns(1 + 65536.0));
    ck_assert_int_eq(rises, 1);
    ck_assert_uint_eq(pit_next_deadline(&pit), edge_ns(1 + 2 * 65536.0)); /* 18.2 Hz */
}
END_TEST

START_TEST(count_loaded_on_next_clock_after_write)
{
    pit_advance(&pit, edge_ns(1000) + 5); /* between CLK 1000 and 1001 */
    program_ch0(2, 100);
    ck_assert_uint_eq(pit_next_deadline(&pit), edge_ns(1001 + 100));
}
END_TEST

START_TEST(lobyte_only_access)
{
    outb(0x43, 0x14); /* channel 0, lobyte only, mode 2 */
    outb(0x40, 100);
    ck_assert_uint_eq(pit_next_deadline(&pit), edge_ns(1 + 100));
}
END_TEST

START_TEST(hibyte_only_access)
{
    outb(0x43, 0x24); /* channel 0, hibyte only, mode 2 */
    outb(0x40, 2);    /* N = 0x200 */
    ck_assert_uint_eq(pit_next_deadline(&pit), edge_ns(1 + 512));
}
END_TEST

START_TEST(long_gap_merges_edges)
{
    program_ch0(2, 1000);
    pit_advance(&pit, edge_ns(1 + 10 * 1000.0) + 3);
    ck_assert_int_eq(rises, 1); /* one request at the 8259 */
    ck_assert_uint_eq(pit_next_deadline(&pit), edge_ns(1 + 11 * 1000.0));
}
END_TEST

START_TEST(counter_latch_freezes_count)
{
    program_ch0(2, 1000);
    pit_advance(&pit, edge_ns(1 + 300)); /* 300 CLKs after the load */
    outb(0x43, 0x00);
    pit_advance(&pit, edge_ns(1 + 450));
    uint8_t lo = inb(0x40);
    uint8_t hi = inb(0x40);
    ck_assert_uint_eq(lo | hi << 8, 700);
    ck_assert_uint_eq(read_ch0_latched(), 550); /* unlatched after both bytes */
}
END_TEST

START_TEST(mode2_counts_n_to_1)
{
    program_ch0(2, 1000);
    pit_advance(&pit, edge_ns(1));
    ck_assert_uint_eq(read_ch0_latched(), 1000);
    pit_advance(&pit, edge_ns(1 + 999));
    ck_assert_uint_eq(read_ch0_latched(), 1);
    pit_advance(&pit, edge_ns(1 + 1000));
    ck_assert_uint_eq(read_ch0_latched(), 1000);
}
END_TEST

START_TEST(mode3_counts_by_two_each_half)
{
    program_ch0(3, 1000);
    pit_advance(&pit, edge_ns(1 + 10));
    ck_assert_uint_eq(read_ch0_latched(), 980);
    pit_advance(&pit, edge_ns(1 + 510)); /* 10 CLKs into the low half */
    ck_assert_uint_eq(read_ch0_latched(), 980);
}
END_TEST

START_TEST(new_count_waits_for_period_end)
{
    program_ch0(2, 1000);
    pit_advance(&pit, edge_ns(1 + 500));
    outb(0x40, 2000 & 0xFF);
    outb(0x40, 2000 >> 8);
    ck_assert_uint_eq(pit_next_deadline(&pit), edge_ns(1 + 1000));
    pit_advance(&pit, edge_ns(1 + 1000));
    ck_assert_uint_eq(pit_next_deadline(&pit), edge_ns(1 + 3000));
}
END_TEST

START_TEST(read_back_status)
{
    outb(0x43, 0x34);                  /* channel 0, lohi, mode 2 */
    outb(0x43, 0xE2);                  /* read-back: status only, counter 0 */
    ck_assert_uint_eq(inb(0x40), 0xF4); /* OUT high, NULL COUNT, RW 11, mode 010 */
    outb(0x40, 0x10);
    outb(0x40, 0x00);
    pit_advance(&pit, edge_ns(5));
    outb(0x43, 0xE2);
    ck_assert_uint_eq(inb(0x40), 0xB4); /* count loaded: NULL COUNT clear */
    outb(0x43, 0xC2);                   /* status and count */
    ck_assert_uint_eq(inb(0x40), 0xB4);
    uint8_t lo = inb(0x40);
    ck_assert_uint_eq(lo | inb(0x40) << 8, 16 - 4);
}
END_TEST

START_TEST(mode0_one_shot)
{
    outb(0x43, 0x30); /* channel 0, lohi, mode 0: OUT goes low */
    ck_assert(!pit.out0);
    outb(0x40, 50);
    outb(0x40, 0);
    ck_assert_uint_eq(pit_next_deadline(&pit), edge_ns(1 + 50));
    pit_advance(&pit, edge_ns(1 + 50));
    ck_assert_int_eq(rises, 1);
    ck_assert_uint_eq(pit_next_deadline(&pit), UINT64_MAX);
    pit_advance(&pit, edge_ns(1 + 5000));
    ck_assert_int_eq(rises, 1);
}
END_TEST

START_TEST(channel2_counts_without_irq)
{
    outb(0x43, 0xB6); /* channel 2, lohi, mode 3 */
    outb(0x42, 100);
    outb(0x42, 0);
    ck_assert_uint_eq(pit_next_deadline(&pit), UINT64_MAX);
    pit_advance(&pit, edge_ns(1 + 20));
    outb(0x43, 0x80); /* latch channel 2 */
    uint8_t lo = inb(0x42);
    ck_assert_uint_eq(lo | inb(0x42) << 8, 60);
    pit_advance(&pit, edge_ns(1 + 1000));
    ck_assert_int_eq(rises, 0);
}
END_TEST

START_TEST(time_never_goes_back)
{
    program_ch0(2, 1000);
    pit_advance(&pit, edge_ns(1 + 400));
    pit_advance(&pit, 10);
    ck_assert_uint_eq(read_ch0_latched(), 600);
}
END_TEST

START_TEST(control_port_reads_open_bus)
{
    ck_assert_uint_eq(inb(0x43), 0xFF);
}
END_TEST

static Suite *pit_suite(void)
{
    Suite *s = suite_create("pit");
    TCase *tc = tcase_create("8254");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, idle_until_programmed);
    tcase_add_test(tc, mode2_irq_times);
    tcase_add_test(tc, mode3_count_zero_is_65536);
    tcase_add_test(tc, count_loaded_on_next_clock_after_write);
    tcase_add_test(tc, lobyte_only_access);
    tcase_add_test(tc, hibyte_only_access);
    tcase_add_test(tc, long_gap_merges_edges);
    tcase_add_test(tc, counter_latch_freezes_count);
    tcase_add_test(tc, mode2_counts_n_to_1);
    tcase_add_test(tc, mode3_counts_by_two_each_half);
    tcase_add_test(tc, new_count_waits_for_period_end);
    tcase_add_test(tc, read_back_status);
    tcase_add_test(tc, mode0_one_shot);
    tcase_add_test(tc, channel2_counts_without_irq);
    tcase_add_test(tc, time_never_goes_back);
    tcase_add_test(tc, control_port_reads_open_bus);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pit_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
