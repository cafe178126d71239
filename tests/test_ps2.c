/* test_ps2.c — the i8042 controller and keyboard through ports 0x60/0x64,
 * as a kernel's keyboard driver uses them.  Expectations: the 8042
 * status/command interface (IBM PS/2 Hardware Interface Technical
 * Reference; OSDev "8042 PS/2 Controller": self-test 0x55, port test 0x00,
 * command byte via 0x20/0x60, 0xAD/0xAE), the keyboard command set (ACK
 * 0xFA, reset -> FA AA, identify AB 83 / translated AB 41, scancode-set
 * reply 2 -> 0x41 translated), and the IBM scan code tables: set 1 make /
 * make|0x80 break, set 2 make / F0 make, E0-prefixed extended keys. */
#include <check.h>
#include <stdlib.h>
#include "machine/ps2.h"

static struct ps2 kbd;
static int irq_rises, irq_level;

static void on_irq(void *ctx, int line, int level)
{
    (void)ctx;
    ck_assert_int_eq(line, 1);
    irq_level = level;
    if (level)
        irq_rises++;
}

static void outb(uint16_t port, uint8_t v) { ps2_write(&kbd, port, 1, v); }
static uint8_t inb(uint16_t port) { return (uint8_t)ps2_read(&kbd, port, 1); }
static bool output_full(void) { return inb(0x64) & 0x01; }

/* Read one byte the way a polling driver does. */
static uint8_t read_data(void)
{
    ck_assert_msg(output_full(), "expected a byte in the output buffer");
    return inb(0x60);
}

static void expect_bytes(const uint8_t *bytes, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        ck_assert_uint_eq(read_data(), bytes[i]);
    ck_assert(!output_full());
}

static void set_command_byte(uint8_t v)
{
    outb(0x64, 0x60);
    outb(0x60, v);
}

static void setup(void)
{
    ps2_init(&kbd, on_irq, NULL);
    irq_rises = irq_level = 0;
}

START_TEST(power_on_status)
{
    ck_assert_uint_eq(inb(0x64), 0x14); /* SYS, not inhibited, buffers empty */
}
END_TEST

START_TEST(controller_self_test)
{
    outb(0x64, 0xAA);
    ck_assert_uint_eq(inb(0x64) & 0x09, 0x09); /* OBF, A2 = last write was a command */
    ck_assert_uint_eq(inb(0x60), 0x55);
    ck_assert(!output_full());
}
END_TEST

START_TEST(port_tests_pass)
{
    outb(0x64, 0xAB);
    ck_assert_uint_eq(read_data(), 0x00);
    outb(0x64, 0xA9);
    ck_assert_uint_eq(read_data(), 0x00);
}
END_TEST

START_TEST(command_byte_read_write)
{
    outb(0x64, 0x20);
    ck_assert_uint_eq(read_data(), 0x65);
    set_command_byte(0x47);
    ck_assert_uint_eq(inb(0x64) & 0x08, 0x00); /* A2: last write went to 0x60 */
    outb(0x64, 0x20);
    ck_assert_uint_eq(read_data(), 0x47);
    set_command_byte(0x40);                     /* SYS clear */
    ck_assert_uint_eq(inb(0x64) & 0x04, 0x00);
}
END_TEST

START_TEST(aux_enable_disable)
{
    outb(0x64, 0xA8);
    outb(0x64, 0x20);
    ck_assert_uint_eq(read_data() & 0x20, 0x00);
    outb(0x64, 0xA7);
    outb(0x64, 0x20);
    ck_assert_uint_eq(read_data() & 0x20, 0x20);
}
END_TEST

START_TEST(keyboard_reset_sequence)
{
    outb(0x60, 0xFF);
    const uint8_t reply[] = {0xFA, 0xAA};
    expect_bytes(reply, 2);
}
END_TEST

START_TEST(translated_make_and_break)
{
    ps2_key(&kbd, KEY_A, true);
    ck_assert_int_eq(irq_rises, 1);
    ck_assert_uint_eq(read_data(), 0x1E);
    ck_assert_int_eq(irq_level, 0);
    ps2_key(&kbd, KEY_A, false);
    ck_assert_uint_eq(read_data(), 0x9E);
    ps2_key(&kbd, KEY_ESC, true);
    ck_assert_uint_eq(read_data(), 0x01);
    ps2_key(&kbd, KEY_F12, true);
    ck_assert_uint_eq(read_data(), 0x58);
    ps2_key(&kbd, KEY_KP_8, true); /* keypad 8: no prefix, same code as the up arrow */
    ck_assert_uint_eq(read_data(), 0x48);
    ck_assert(!output_full());
}
END_TEST

START_TEST(translated_e0_keys)
{
    static const struct {
        enum key key;
        uint8_t make;
    } keys[] = {
        {KEY_UP, 0x48}, {KEY_DOWN, 0x50}, {KEY_LEFT, 0x4B}, {KEY_RIGHT, 0x4D},
        {KEY_RCTRL, 0x1D}, {KEY_RALT, 0x38}, {KEY_HOME, 0x47}, {KEY_END, 0x4F},
        {KEY_INSERT, 0x52}, {KEY_DELETE, 0x53}, {KEY_PAGEUP, 0x49}, {KEY_PAGEDOWN, 0x51},
        {KEY_KP_ENTER, 0x1C}, {KEY_KP_SLASH, 0x35},
    };
    for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        ps2_key(&kbd, keys[i].key, true);
        ps2_key(&kbd, keys[i].key, false);
        const uint8_t bytes[] = {0xE0, keys[i].make, 0xE0, (uint8_t)(keys[i].make | 0x80)};
        expect_bytes(bytes, 4);
    }
}
END_TEST

START_TEST(untranslated_set2)
{
    set_command_byte(0x25); /* translation off */
    ps2_key(&kbd, KEY_A, true);
    ps2_key(&kbd, KEY_A, false);
    ps2_key(&kbd, KEY_UP, true);
    ps2_key(&kbd, KEY_UP, false);
    ps2_key(&kbd, KEY_F7, true);
    const uint8_t bytes[] = {0x1C, 0xF0, 0x1C, 0xE0, 0x75, 0xE0, 0xF0, 0x75, 0x83};
    expect_bytes(bytes, sizeof bytes);
}
END_TEST

START_TEST(one_byte_at_a_time_each_with_an_edge)
{
    ps2_key(&kbd, KEY_RIGHT, true);
    ck_assert_int_eq(irq_rises, 1);
    ck_assert_uint_eq(inb(0x60), 0xE0);
    ck_assert_int_eq(irq_rises, 2); /* the next byte moved in: a new rising edge */
    ck_assert_int_eq(irq_level, 1);
    ck_assert_uint_eq(inb(0x60), 0x4D);
    ck_assert_int_eq(irq_level, 0);
}
END_TEST

START_TEST(irq1_only_when_enabled)
{
    set_command_byte(0x64); /* IRQ1 off */
    ps2_key(&kbd, KEY_SPACE, true);
    ck_assert_int_eq(irq_rises, 0);
    ck_assert(output_full());
    set_command_byte(0x65); /* enabling with a byte waiting raises IRQ1 */
    ck_assert_int_eq(irq_rises, 1);
    ck_assert_uint_eq(inb(0x60), 0x39);
}
END_TEST

START_TEST(keyboard_disabled_holds_keys)
{
    outb(0x64, 0xAD);
    ps2_key(&kbd, KEY_Q, true);
    ck_assert(!output_full());
    ck_assert_int_eq(irq_rises, 0);
    outb(0x64, 0x20);
    ck_assert_uint_eq(read_data() & 0x10, 0x10);
    outb(0x64, 0xAE);
    ck_assert_uint_eq(read_data(), 0x10);
}
END_TEST

START_TEST(controller_reply_comes_first)
{
    ps2_key(&kbd, KEY_W, true);
    ps2_key(&kbd, KEY_W, false);
    outb(0x64, 0x20);                   /* while 0x11 waits in the buffer */
    ck_assert_uint_eq(inb(0x60), 0x11);
    ck_assert_uint_eq(inb(0x60), 0x65); /* the controller's reply overtakes the keyboard */
    ck_assert_uint_eq(inb(0x60), 0x91);
}
END_TEST

START_TEST(set_leds)
{
    outb(0x60, 0xED);
    ck_assert_uint_eq(read_data(), 0xFA);
    outb(0x60, 0x07);
    ck_assert_uint_eq(read_data(), 0xFA);
    ck_assert_uint_eq(kbd.leds, 7);
}
END_TEST

START_TEST(scancode_set_get_and_set)
{
    outb(0x60, 0xF0);
    outb(0x60, 0x00);
    const uint8_t translated_two[] = {0xFA, 0xFA, 0x41};
    expect_bytes(translated_two, 3);
    set_command_byte(0x25);
    outb(0x60, 0xF0);
    outb(0x60, 0x00);
    const uint8_t raw_two[] = {0xFA, 0xFA, 0x02};
    expect_bytes(raw_two, 3);
    outb(0x60, 0xF0);
    outb(0x60, 0x01);
    const uint8_t acks[] = {0xFA, 0xFA};
    expect_bytes(acks, 2);
    ps2_key(&kbd, KEY_A, true); /* set 1 without translation */
    ps2_key(&kbd, KEY_A, false);
    const uint8_t set1[] = {0x1E, 0x9E};
    expect_bytes(set1, 2);
    outb(0x60, 0xF0);
    outb(0x60, 0x03);
    const uint8_t refused[] = {0xFA, 0xFE};
    expect_bytes(refused, 2);
}
END_TEST

START_TEST(identify)
{
    outb(0x60, 0xF2);
    const uint8_t translated_id[] = {0xFA, 0xAB, 0x41};
    expect_bytes(translated_id, 3);
    set_command_byte(0x25);
    outb(0x60, 0xF2);
    const uint8_t raw_id[] = {0xFA, 0xAB, 0x83};
    expect_bytes(raw_id, 3);
}
END_TEST

START_TEST(echo_resend_unknown)
{
    outb(0x60, 0xEE);
    ck_assert_uint_eq(read_data(), 0xEE);
    outb(0x60, 0xFE);
    ck_assert_uint_eq(read_data(), 0xEE);
    outb(0x60, 0x01);
    ck_assert_uint_eq(read_data(), 0xFE);
}
END_TEST

START_TEST(scanning_disable_enable)
{
    outb(0x60, 0xF5);
    ck_assert_uint_eq(read_data(), 0xFA);
    ps2_key(&kbd, KEY_E, true);
    ck_assert(!output_full());
    outb(0x60, 0xF4);
    ck_assert_uint_eq(read_data(), 0xFA);
    ps2_key(&kbd, KEY_E, true);
    ck_assert_uint_eq(read_data(), 0x12);
}
END_TEST

START_TEST(write_keyboard_output_buffer)
{
    outb(0x64, 0xD2);
    outb(0x60, 0x42);
    ck_assert_uint_eq(read_data(), 0x42);
}
END_TEST

START_TEST(queue_overflow_drops_whole_events)
{
    for (int i = 0; i < 40; i++)
        ps2_key(&kbd, KEY_UP, (i & 1) == 0); /* 2 bytes each: 64-byte queue */
    unsigned n = 0;
    while (output_full()) {
        uint8_t b = inb(0x60);
        ck_assert(n % 2 == 0 ? b == 0xE0 : (b & 0x7F) == 0x48);
        n++;
    }
    ck_assert_uint_eq(n % 2, 0);
    ck_assert_uint_le(n, PS2_KBD_QUEUE + 1);
}
END_TEST

START_TEST(other_ports_float)
{
    ck_assert_uint_eq(ps2_read(&kbd, 0x61, 1), 0xFF);
}
END_TEST

static Suite *ps2_suite(void)
{
    Suite *s = suite_create("ps2");
    TCase *tc = tcase_create("i8042");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, power_on_status);
    tcase_add_test(tc, controller_self_test);
    tcase_add_test(tc, port_tests_pass);
    tcase_add_test(tc, command_byte_read_write);
    tcase_add_test(tc, aux_enable_disable);
    tcase_add_test(tc, keyboard_reset_sequence);
    tcase_add_test(tc, translated_make_and_break);
    tcase_add_test(tc, translated_e0_keys);
    tcase_add_test(tc, untranslated_set2);
    tcase_add_test(tc, one_byte_at_a_time_each_with_an_edge);
    tcase_add_test(tc, irq1_only_when_enabled);
    tcase_add_test(tc, keyboard_disabled_holds_keys);
    tcase_add_test(tc, controller_reply_comes_first);
    tcase_add_test(tc, set_leds);
    tcase_add_test(tc, scancode_set_get_and_set);
    tcase_add_test(tc, identify);
    tcase_add_test(tc, echo_resend_unknown);
    tcase_add_test(tc, scanning_disable_enable);
    tcase_add_test(tc, write_keyboard_output_buffer);
    tcase_add_test(tc, queue_overflow_drops_whole_events);
    tcase_add_test(tc, other_ports_float);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ps2_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
