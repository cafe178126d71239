/* test_pic.c — the 8259A pair driven through its ports the way a kernel's
 * PIC driver does.  Expected behaviour from the Intel 8259A datasheet
 * (order 231468): ICW1-ICW4 sequence and ICW1 side effects, vector = ICW2
 * T7-T3 | IR number, OCW1 masking, OCW2 non-specific/specific EOI and
 * rotation, OCW3 IRR/ISR read select and poll, fully nested priority (IR0
 * highest), cascade through IR2, IR7 default when a request vanishes. */
#include <check.h>
#include <stdlib.h>
#include "machine/pic.h"

static struct pic pic;
static int intr_calls;
static int intr_level;

static void on_intr(void *ctx, int level)
{
    (void)ctx;
    intr_calls++;
    intr_level = level;
}

static void outb(uint16_t port, uint8_t v) { pic_write(&pic, port, 1, v); }
static uint8_t inb(uint16_t port) { return (uint8_t)pic_read(&pic, port, 1); }

/* The classic remap: master vectors 0x20-0x27, slave 0x28-0x2F, slave on
 * IR2 (ICW3 0x04 / id 2), 8086 mode, everything unmasked. */
static void remap(void)
{
    outb(0x20, 0x11); outb(0xA0, 0x11);   /* ICW1: edge, cascade, ICW4 needed */
    outb(0x21, 0x20); outb(0xA1, 0x28);   /* ICW2: vector bases */
    outb(0x21, 0x04); outb(0xA1, 0x02);   /* ICW3 */
    outb(0x21, 0x01); outb(0xA1, 0x01);   /* ICW4: 8086 mode */
    outb(0x21, 0x00); outb(0xA1, 0x00);   /* OCW1: unmask all */
}

static uint8_t read_isr(uint16_t cmd) { outb(cmd, 0x0B); return inb(cmd); }
static uint8_t read_irr(uint16_t cmd) { outb(cmd, 0x0A); return inb(cmd); }

static void pulse(int line)
{
    pic_set_irq(&pic, line, 1);
    pic_set_irq(&pic, line, 0);
}

static void setup(void)
{
    pic_init(&pic, on_intr, NULL);
    intr_calls = 0;
    intr_level = 0;
}

START_TEST(power_on_state_is_masked)
{
    ck_assert_uint_eq(inb(0x21), 0xFF);
    ck_assert_uint_eq(inb(0xA1), 0xFF);
    pic_set_irq(&pic, 0, 1);
    ck_assert(!pic_intr_pending(&pic));
    ck_assert_uint_eq(read_irr(0x20) & 1, 1); /* requested, but masked */
}
END_TEST

START_TEST(icw1_clears_the_mask)
{
    outb(0x21, 0x5A);
    ck_assert_uint_eq(inb(0x21), 0x5A);
    outb(0x20, 0x11);
    ck_assert_uint_eq(inb(0x21), 0x00);
}
END_TEST

START_TEST(vector_for_each_irq)
{
    remap();
    for (int irq = 0; irq < 16; irq++) {
        if (irq == 2)
            continue;
        pic_set_irq(&pic, irq, 1);
        ck_assert_msg(pic_intr_pending(&pic), "IRQ%d raises INTR", irq);
        uint8_t vector = pic_ack(&pic);
        ck_assert_uint_eq(vector, irq < 8 ? 0x20 + irq : 0x28 + irq - 8);
        pic_set_irq(&pic, irq, 0);
        if (irq >= 8)
            outb(0xA0, 0x20);
        outb(0x20, 0x20);
        ck_assert_uint_eq(read_isr(0x20), 0);
        ck_assert_uint_eq(read_isr(0xA0), 0);
    }
    ck_assert_uint_eq(pic.spurious, 0);
}
END_TEST

START_TEST(intr_callback_follows_the_pin)
{
    remap();
    pic_set_irq(&pic, 4, 1);
    ck_assert_int_eq(intr_level, 1);
    ck_assert_int_eq(intr_calls, 1);
    ck_assert_uint_eq(pic_ack(&pic), 0x24);
    ck_assert_int_eq(intr_level, 0);
}
END_TEST

START_TEST(masked_irq_waits_in_irr)
{
    remap();
    outb(0x21, 0x02); /* mask IRQ1 */
    pic_set_irq(&pic, 1, 1);
    ck_assert(!pic_intr_pending(&pic));
    ck_assert_uint_eq(read_irr(0x20), 0x02);
    outb(0x21, 0x00);
    ck_assert(pic_intr_pending(&pic));
    ck_assert_uint_eq(pic_ack(&pic), 0x21);
    ck_assert_uint_eq(read_irr(0x20), 0x00); /* edge-triggered: IRR cleared by INTA */
    ck_assert_uint_eq(read_isr(0x20), 0x02);
}
END_TEST

START_TEST(edge_needs_a_new_rising_edge)
{
    remap();
    pic_set_irq(&pic, 0, 1);
    ck_assert_uint_eq(pic_ack(&pic), 0x20);
    outb(0x20, 0x20);
    pic_set_irq(&pic, 0, 1); /* still high: no new edge */
    ck_assert(!pic_intr_pending(&pic));
    pulse(0);
    pic_set_irq(&pic, 0, 1);
    ck_assert(pic_intr_pending(&pic));
}
END_TEST

START_TEST(in_service_blocks_equal_and_lower)
{
    remap();
    pic_set_irq(&pic, 3, 1);
    ck_assert_uint_eq(pic_ack(&pic), 0x23);
    pic_set_irq(&pic, 5, 1);      /* lower priority: waits */
    ck_assert(!pic_intr_pending(&pic));
    pic_set_irq(&pic, 1, 1);      /* higher priority: nests */
    ck_assert(pic_intr_pending(&pic));
    ck_assert_uint_eq(pic_ack(&pic), 0x21);
    ck_assert_uint_eq(read_isr(0x20), 0x0A);
    outb(0x20, 0x20);             /* non-specific EOI ends the highest: IRQ1 */
    ck_assert_uint_eq(read_isr(0x20), 0x08);
    ck_assert(!pic_intr_pending(&pic));
    outb(0x20, 0x20);
    ck_assert(pic_intr_pending(&pic));
    ck_assert_uint_eq(pic_ack(&pic), 0x25);
}
END_TEST

START_TEST(priority_between_two_pending)
{
    remap();
    outb(0x21, 0xFF);
    pic_set_irq(&pic, 6, 1);
    pic_set_irq(&pic, 3, 1);
    outb(0x21, 0x00);
    ck_assert_uint_eq(pic_ack(&pic), 0x23);
    outb(0x20, 0x20);
    ck_assert_uint_eq(pic_ack(&pic), 0x26);
}
END_TEST

START_TEST(specific_eoi)
{
    remap();
    pic_set_irq(&pic, 4, 1);
    ck_assert_uint_eq(pic_ack(&pic), 0x24);
    pic_set_irq(&pic, 0, 1);
    ck_assert_uint_eq(pic_ack(&pic), 0x20);
    ck_assert_uint_eq(read_isr(0x20), 0x11);
    outb(0x20, 0x60 | 4); /* specific EOI for level 4, not the highest */
    ck_assert_uint_eq(read_isr(0x20), 0x01);
}
END_TEST

START_TEST(rotation_changes_priority)
{
    remap();
    outb(0x20, 0xC0 | 3); /* set priority: IR3 lowest, so IR4 highest */
    outb(0x21, 0xFF);
    pic_set_irq(&pic, 1, 1);
    pic_set_irq(&pic, 5, 1);
    outb(0x21, 0x00);
    ck_assert_uint_eq(pic_ack(&pic), 0x25);
}
END_TEST

START_TEST(cascade_through_the_slave)
{
    remap();
    pic_set_irq(&pic, 12, 1);
    ck_assert(pic_intr_pending(&pic));
    ck_assert_uint_eq(read_irr(0x20), 0x04);
    ck_assert_uint_eq(pic_ack(&pic), 0x2C);
    ck_assert_uint_eq(read_isr(0x20), 0x04);
    ck_assert_uint_eq(read_isr(0xA0), 0x10);
    outb(0xA0, 0x20);
    outb(0x20, 0x20);
    ck_assert_uint_eq(read_isr(0x20), 0);
    ck_assert_uint_eq(read_isr(0xA0), 0);
}
END_TEST

START_TEST(slave_masked_by_master_ir2)
{
    remap();
    outb(0x21, 0x04); /* mask the cascade line */
    pic_set_irq(&pic, 9, 1);
    ck_assert(!pic_intr_pending(&pic));
    outb(0x21, 0x00);
    ck_assert_uint_eq(pic_ack(&pic), 0x29);
}
END_TEST

START_TEST(slave_irq_outranks_master_irq3)
{
    remap();
    outb(0x21, 0xFF);
    pic_set_irq(&pic, 3, 1);
    pic_set_irq(&pic, 8, 1); /* through IR2, above IR3 */
    outb(0x21, 0x00);
    ck_assert_uint_eq(pic_ack(&pic), 0x28);
}
END_TEST

START_TEST(spurious_irq7)
{
    remap();
    pic_set_irq(&pic, 1, 1);
    ck_assert(pic_intr_pending(&pic));
    pic_set_irq(&pic, 1, 0); /* request withdrawn before INTA */
    ck_assert(pic_intr_pending(&pic)); /* INT stays asserted until INTA */
    ck_assert_uint_eq(pic_ack(&pic), 0x27);
    ck_assert_uint_eq(read_isr(0x20), 0x00); /* no ISR bit: a handler must not EOI */
    ck_assert(!pic_intr_pending(&pic));
    ck_assert_uint_eq(pic.spurious, 1);
}
END_TEST

START_TEST(spurious_irq15)
{
    remap();
    pic_set_irq(&pic, 10, 1);
    pic_set_irq(&pic, 10, 0);
    ck_assert_uint_eq(pic_ack(&pic), 0x2F);
    ck_assert_uint_eq(read_isr(0xA0), 0x00);
    ck_assert_uint_eq(read_isr(0x20), 0x04); /* the master did accept IR2: EOI it */
}
END_TEST

START_TEST(masking_after_intr_gives_spurious)
{
    remap();
    pic_set_irq(&pic, 0, 1);
    outb(0x21, 0x01);
    ck_assert_uint_eq(pic_ack(&pic), 0x27);
}
END_TEST

START_TEST(poll_command)
{
    remap();
    outb(0x20, 0x0C); /* OCW3 poll */
    ck_assert_uint_eq(inb(0x20), 0x00);
    pic_set_irq(&pic, 5, 1);
    outb(0x20, 0x0C);
    ck_assert_uint_eq(inb(0x20), 0x85);
    ck_assert_uint_eq(read_isr(0x20), 0x20);
}
END_TEST

START_TEST(auto_eoi)
{
    outb(0x20, 0x11); outb(0x21, 0x40); outb(0x21, 0x04); outb(0x21, 0x03); /* AEOI */
    pic_set_irq(&pic, 3, 1);
    ck_assert_uint_eq(pic_ack(&pic), 0x43);
    ck_assert_uint_eq(read_isr(0x20), 0);
}
END_TEST

START_TEST(level_triggered_mode)
{
    outb(0x20, 0x19); outb(0x21, 0x20); outb(0x21, 0x04); outb(0x21, 0x01); /* LTIM */
    outb(0x21, 0x00);
    pic_set_irq(&pic, 3, 1);
    ck_assert_uint_eq(pic_ack(&pic), 0x23);
    outb(0x20, 0x20);
    ck_assert(pic_intr_pending(&pic)); /* input still high: requested again */
}
END_TEST

START_TEST(wide_access_splits_into_bytes)
{
    remap();
    pic_write(&pic, 0x20, 2, 0xA50B); /* 0x20 <- OCW3 read ISR, 0x21 <- mask 0xA5 */
    ck_assert_uint_eq(inb(0x21), 0xA5);
}
END_TEST

static Suite *pic_suite(void)
{
    Suite *s = suite_create("pic");
    TCase *tc = tcase_create("8259A");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, power_on_state_is_masked);
    tcase_add_test(tc, icw1_clears_the_mask);
    tcase_add_test(tc, vector_for_each_irq);
    tcase_add_test(tc, intr_callback_follows_the_pin);
    tcase_add_test(tc, masked_irq_waits_in_irr);
    tcase_add_test(tc, edge_needs_a_new_rising_edge);
    tcase_add_test(tc, in_service_blocks_equal_and_lower);
    tcase_add_test(tc, priority_between_two_pending);
    tcase_add_test(tc, specific_eoi);
    tcase_add_test(tc, rotation_changes_priority);
    tcase_add_test(tc, cascade_through_the_slave);
    tcase_add_test(tc, slave_masked_by_master_ir2);
    tcase_add_test(tc, slave_irq_outranks_master_irq3);
    tcase_add_test(tc, spurious_irq7);
    tcase_add_test(tc, spurious_irq15);
    tcase_add_test(tc, masking_after_intr_gives_spurious);
    tcase_add_test(tc, poll_command);
    tcase_add_test(tc, auto_eoi);
    tcase_add_test(tc, level_triggered_mode);
    tcase_add_test(tc, wide_access_splits_into_bytes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pic_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
