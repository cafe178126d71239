/* test_uart.c — the 16550A through its eight registers, as a serial
 * driver programs it.  Expectations from the National Semiconductor
 * PC16550D datasheet: reset values (Table IV: IER 0, IIR 01h, LCR 0, MCR 0,
 * LSR 60h), DLAB selecting DLL/DLM, the IIR priority table (line status >
 * received data / character timeout > THR empty > modem status) and its
 * reset conditions (LSR read, RBR read / FIFO below trigger, IIR read or THR
 * write, MSR read), FIFO control and trigger levels, the 4-character
 * timeout, loopback wiring (DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD) — plus
 * the PC wiring: OUT2 gates the IRQ line. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "machine/uart.h"

static struct uart u;
static int irq_rises, irq_level;
static char txbuf[256];
static size_t txlen;

static void on_irq(void *ctx, int line, int level)
{
    (void)ctx;
    ck_assert_int_eq(line, 4);
    irq_level = level;
    if (level)
        irq_rises++;
}

static void on_tx(void *ctx, uint8_t byte)
{
    (void)ctx;
    if (txlen < sizeof txbuf)
        txbuf[txlen++] = (char)byte;
}

static void outb(unsigned reg, uint8_t v) { uart_write(&u, reg, 1, v); }
static uint8_t inb(unsigned reg) { return (uint8_t)uart_read(&u, reg, 1); }

static void push(const char *s) { ck_assert_uint_eq(uart_push_rx(&u, (const uint8_t *)s, strlen(s)), strlen(s)); }

static void setup(void)
{
    uart_init(&u, 4, on_irq, NULL, on_tx, NULL);
    irq_rises = irq_level = 0;
    txlen = 0;
}

START_TEST(reset_values)
{
    ck_assert_uint_eq(inb(UART_IER), 0x00);
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0x01);
    ck_assert_uint_eq(inb(UART_LCR), 0x00);
    ck_assert_uint_eq(inb(UART_MCR), 0x00);
    ck_assert_uint_eq(inb(UART_LSR), 0x60);
    ck_assert_uint_eq(inb(UART_MSR), 0xB0); /* CTS, DSR, DCD: a console is attached */
}
END_TEST

START_TEST(dlab_selects_divisor_latch)
{
    outb(UART_IER, 0x05);
    outb(UART_LCR, 0x80);
    outb(UART_RBR_THR, 0x03); /* DLL: 38400 baud */
    outb(UART_IER, 0x00);     /* DLM */
    ck_assert_uint_eq(inb(UART_RBR_THR), 0x03);
    ck_assert_uint_eq(inb(UART_IER), 0x00);
    ck_assert_uint_eq(txlen, 0);  /* the DLL write was not a transmit */
    outb(UART_LCR, 0x03);         /* 8N1, DLAB off */
    ck_assert_uint_eq(inb(UART_IER), 0x05);
    ck_assert_uint_eq(u.divisor, 3);
}
END_TEST

START_TEST(transmit_goes_to_callback)
{
    outb(UART_RBR_THR, 'o');
    outb(UART_RBR_THR, 'k');
    ck_assert_uint_eq(txlen, 2);
    ck_assert(memcmp(txbuf, "ok", 2) == 0);
    ck_assert_uint_eq(inb(UART_LSR) & 0x60, 0x60);
}
END_TEST

START_TEST(thre_interrupt)
{
    outb(UART_MCR, 0x08);               /* OUT2: IRQ enabled on a PC */
    outb(UART_IER, 0x02);               /* ETBEI with THR empty: interrupt at once */
    ck_assert_int_eq(irq_level, 1);
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0x02);
    ck_assert_int_eq(irq_level, 0);     /* the IIR read cleared it */
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0x01);
    outb(UART_RBR_THR, 'x');            /* THR empties again: new interrupt */
    ck_assert_int_eq(irq_level, 1);
    ck_assert_int_eq(irq_rises, 2);
    outb(UART_RBR_THR, 'y');            /* not acknowledged, but a fresh edge anyway */
    ck_assert_int_eq(irq_rises, 3);
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0x02);
}
END_TEST

START_TEST(out2_gates_the_irq)
{
    outb(UART_IER, 0x02);
    ck_assert_uint_eq(u.thre_pending, 1);
    ck_assert_int_eq(irq_rises, 0);
    outb(UART_MCR, 0x08);
    ck_assert_int_eq(irq_rises, 1);
    outb(UART_MCR, 0x00);
    ck_assert_int_eq(irq_level, 0);
}
END_TEST

START_TEST(receive_interrupt)
{
    outb(UART_MCR, 0x08);
    outb(UART_IER, 0x01);
    push("hi");
    ck_assert_int_eq(irq_level, 1);
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0x04);
    ck_assert_uint_eq(inb(UART_LSR) & 0x01, 0x01);
    ck_assert_uint_eq(inb(UART_RBR_THR), 'h');
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0x04); /* the next byte moved into RBR */
    ck_assert_uint_eq(inb(UART_RBR_THR), 'i');
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0x01);
    ck_assert_int_eq(irq_level, 0);
    ck_assert_uint_eq(inb(UART_LSR) & 0x01, 0x00);
}
END_TEST

START_TEST(iir_priorities_in_loopback)
{
    outb(UART_MCR, 0x10);             /* loopback: modem inputs all drop -> deltas */
    outb(UART_IER, 0x0F);
    outb(UART_RBR_THR, 'a');
    outb(UART_RBR_THR, 'b');          /* RBR still full: overrun */
    ck_assert_uint_eq(txlen, 0);      /* loopback: nothing on the wire */
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0x06);  /* receiver line status first */
    ck_assert_uint_eq(inb(UART_LSR), 0x63);      /* DR, OE, THRE, TEMT; OE cleared by this read */
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0x04);  /* then received data */
    ck_assert_uint_eq(inb(UART_RBR_THR), 'b');   /* 16450 mode: the new byte overwrote RBR */
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0x02);  /* then THR empty, cleared by this read */
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0x00);  /* then modem status */
    ck_assert_uint_eq(inb(UART_MSR), 0x0B);      /* DCTS, DDSR, DDCD; inputs low */
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0x01);
    ck_assert_int_eq(irq_rises, 0);              /* no IRQ in loopback on a PC */
}
END_TEST

START_TEST(loopback_modem_wiring)
{
    outb(UART_MCR, 0x10 | 0x01);
    ck_assert_uint_eq(inb(UART_MSR) & 0xF0, 0x20); /* DTR -> DSR */
    outb(UART_MCR, 0x10 | 0x02);
    ck_assert_uint_eq(inb(UART_MSR) & 0xF0, 0x10); /* RTS -> CTS */
    outb(UART_MCR, 0x10 | 0x04);
    ck_assert_uint_eq(inb(UART_MSR) & 0xF0, 0x40); /* OUT1 -> RI */
    outb(UART_MCR, 0x10 | 0x08);
    ck_assert_uint_eq(inb(UART_MSR), 0x80 | 0x0C); /* OUT2 -> DCD; DDCD, and TERI for RI's trailing edge */
}
END_TEST

START_TEST(loopback_echo_test)
{
    /* The usual driver probe: loopback, send 0xAE, expect it back. */
    outb(UART_MCR, 0x1E);
    outb(UART_RBR_THR, 0xAE);
    ck_assert_uint_eq(inb(UART_RBR_THR), 0xAE);
    outb(UART_MCR, 0x0F);
    push("z");
    ck_assert_uint_eq(inb(UART_RBR_THR), 'z');
}
END_TEST

START_TEST(wire_waits_during_loopback)
{
    outb(UART_MCR, 0x10);
    push("w");
    ck_assert_uint_eq(inb(UART_LSR) & 1, 0);
    outb(UART_MCR, 0x00);
    ck_assert_uint_eq(inb(UART_LSR) & 1, 1);
    ck_assert_uint_eq(inb(UART_RBR_THR), 'w');
}
END_TEST

START_TEST(fifo_trigger_level)
{
    outb(UART_MCR, 0x08);
    outb(UART_IER, 0x01);
    outb(UART_IIR_FCR, 0xC7);         /* enable, clear both, trigger 14 */
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0xC1);
    push("0123456789abc");            /* 13 bytes: below the trigger */
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0xC1);
    ck_assert_int_eq(irq_level, 0);
    push("d");
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0xC4);
    ck_assert_int_eq(irq_level, 1);
    ck_assert_uint_eq(inb(UART_RBR_THR), '0');
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0xC1); /* 13 left */
}
END_TEST

START_TEST(fifo_holds_sixteen_then_refills)
{
    outb(UART_IIR_FCR, 0x01);
    push("ABCDEFGHIJKLMNOPQRST");     /* 20 bytes */
    ck_assert_uint_eq(u.rx_count, 16);
    for (const char *p = "ABCDEFGHIJKLMNOPQRST"; *p; p++)
        ck_assert_uint_eq(inb(UART_RBR_THR), (uint8_t)*p);
    ck_assert_uint_eq(inb(UART_LSR) & 0x03, 0); /* no data, no overrun */
}
END_TEST

START_TEST(fifo_character_timeout)
{
    outb(UART_LCR, 0x03);             /* 8N1: 10 bits a character */
    outb(UART_MCR, 0x08);
    outb(UART_IER, 0x01);
    outb(UART_IIR_FCR, 0xC1);         /* trigger 14 */
    uart_advance(&u, 1000);
    push("ab");
    /* divisor 12 (9600 baud): 4 characters = 40 * 12 / 115200 s = 4.1667 ms */
    uint64_t deadline = uart_next_deadline(&u);
    ck_assert(deadline >= 1000 + 4166600 && deadline <= 1000 + 4166700);
    uart_advance(&u, deadline - 1);
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0xC1);
    uart_advance(&u, deadline);
    ck_assert_int_eq(irq_level, 1);
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0xCC);
    ck_assert_uint_eq(inb(UART_RBR_THR), 'a');  /* a read clears the timeout */
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0xC1);
    ck_assert_uint_eq(uart_next_deadline(&u), deadline + (deadline - 1000));
}
END_TEST

START_TEST(fcr_clears_receive_fifo)
{
    outb(UART_IIR_FCR, 0x01);
    outb(UART_LCR, 0x00);
    push("xyz");
    outb(UART_IIR_FCR, 0x03);
    ck_assert_uint_eq(inb(UART_LSR) & 1, 0);
    outb(UART_IIR_FCR, 0x00);          /* FIFOs off */
    ck_assert_uint_eq(inb(UART_IIR_FCR), 0x01);
}
END_TEST

START_TEST(rx_close_and_room)
{
    ck_assert_uint_eq(uart_rx_room(&u), UART_WIRE_SIZE);
    push("ab");
    ck_assert_uint_eq(uart_rx_room(&u), UART_WIRE_SIZE - 1); /* one already in RBR */
    uart_rx_close(&u);
    ck_assert_uint_eq(uart_rx_room(&u), 0);
    ck_assert_uint_eq(uart_push_rx(&u, (const uint8_t *)"c", 1), 0);
    ck_assert_uint_eq(inb(UART_RBR_THR), 'a'); /* what came before EOF is still delivered */
    ck_assert_uint_eq(inb(UART_RBR_THR), 'b');
    ck_assert_uint_eq(inb(UART_LSR) & 1, 0);
}
END_TEST

START_TEST(scratch_register)
{
    outb(UART_SCR, 0x5A);
    ck_assert_uint_eq(inb(UART_SCR), 0x5A);
}
END_TEST

START_TEST(wide_read_splits_into_bytes)
{
    outb(UART_SCR, 0x77);
    /* LSR, MSR, SCR, then a byte past the UART (open bus) */
    ck_assert_uint_eq(uart_read(&u, UART_LSR, 4), 0xFF77B060u);
}
END_TEST

static Suite *uart_suite(void)
{
    Suite *s = suite_create("uart");
    TCase *tc = tcase_create("16550A");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, reset_values);
    tcase_add_test(tc, dlab_selects_divisor_latch);
    tcase_add_test(tc, transmit_goes_to_callback);
    tcase_add_test(tc, thre_interrupt);
    tcase_add_test(tc, out2_gates_the_irq);
    tcase_add_test(tc, receive_interrupt);
    tcase_add_test(tc, iir_priorities_in_loopback);
    tcase_add_test(tc, loopback_modem_wiring);
    tcase_add_test(tc, loopback_echo_test);
    tcase_add_test(tc, wire_waits_during_loopback);
    tcase_add_test(tc, fifo_trigger_level);
    tcase_add_test(tc, fifo_holds_sixteen_then_refills);
    tcase_add_test(tc, fifo_character_timeout);
    tcase_add_test(tc, fcr_clears_receive_fifo);
    tcase_add_test(tc, rx_close_and_room);
    tcase_add_test(tc, scratch_register);
    tcase_add_test(tc, wide_read_splits_into_bytes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(uart_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
