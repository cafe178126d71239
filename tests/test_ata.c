/* test_ata.c — the primary-channel ATA disk driven by a PIO driver's
 * sequence of port accesses.  Expectations from ATA/ATAPI-6 (T13/1410D):
 * the reset signature (count 01h, LBA 01h/00h/00h, error 01h), IDENTIFY
 * DEVICE word layout (words 10-19 serial, 27-46 model with the first
 * character of each pair in bits 15:8, 49 bit 9 LBA, 60-61 LBA28 capacity,
 * 255 = checksum:A5h making the 512 bytes sum to 0), the PIO data-in and
 * data-out protocols (interrupt per DRQ block; data-out: first block
 * without interrupt, interrupt after each block written), Status read
 * clearing INTRQ while Alternate Status does not, nIEN, SRST, IDNF for an
 * address past the end, ABRT for an unsupported command, device 1 absent
 * reading Status 00h. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "machine/ata.h"

static struct ata ata;
static int irq_rises, irq_level;
static char err[256];

static void on_irq(void *ctx, int line, int level)
{
    (void)ctx;
    ck_assert_int_eq(line, 14);
    irq_level = level;
    if (level)
        irq_rises++;
}

static void outb(unsigned port, uint8_t v) { ata_write(&ata, port - 0x1F0, 1, v); }
static uint8_t inb(unsigned port) { return (uint8_t)ata_read(&ata, port - 0x1F0, 1); }
static void outw(uint16_t v) { ata_write(&ata, 0, 2, v); }
static uint16_t inw(void) { return (uint16_t)ata_read(&ata, 0, 2); }

static void setup(void)
{
    irq_rises = irq_level = 0;
    ck_assert_int_eq(ata_init_memory(&ata, 64 * 512, on_irq, NULL, err, sizeof err), 0);
}

static void teardown(void) { ata_close(&ata); }

/* Set up an LBA28 command for device 0. */
static void select_lba(uint32_t lba, uint8_t count)
{
    outb(0x1F6, (uint8_t)(0xE0 | (lba >> 24 & 0x0F)));
    outb(0x1F2, count);
    outb(0x1F3, (uint8_t)lba);
    outb(0x1F4, (uint8_t)(lba >> 8));
    outb(0x1F5, (uint8_t)(lba >> 16));
}

static void write_sectors(uint32_t lba, uint8_t count, const uint8_t *data)
{
    unsigned n = count ? count : 256;
    select_lba(lba, count);
    outb(0x1F7, 0x30);
    for (unsigned s = 0; s < n; s++) {
        ck_assert_uint_eq(inb(0x3F6) & 0x89, 0x08); /* DRQ, not BSY, no ERR */
        for (unsigned i = 0; i < 512; i += 2)
            outw((uint16_t)(data[s * 512 + i] | data[s * 512 + i + 1] << 8));
        ck_assert_int_eq(irq_level, 1);            /* interrupt after each block */
        inb(0x1F7);                                /* acknowledge */
        ck_assert_int_eq(irq_level, 0);
    }
    ck_assert_uint_eq(inb(0x1F7), 0x50);
}

static void read_sectors(uint32_t lba, uint8_t count, uint8_t *data)
{
    unsigned n = count ? count : 256;
    select_lba(lba, count);
    outb(0x1F7, 0x20);
    for (unsigned s = 0; s < n; s++) {
        ck_assert_int_eq(irq_level, 1);              /* data ready: interrupt */
        ck_assert_uint_eq(inb(0x1F7), 0x58);         /* DRDY DSC DRQ; clears INTRQ */
        for (unsigned i = 0; i < 512; i += 2) {
            uint16_t w = inw();
            data[s * 512 + i] = (uint8_t)w;
            data[s * 512 + i + 1] = (uint8_t)(w >> 8);
        }
    }
    ck_assert_uint_eq(inb(0x1F7), 0x50);
    ck_assert_int_eq(irq_level, 0);
}

/* The 20-word ATA string at `first`, decoded (first char in bits 15:8). */
static void ata_string(const uint16_t *words, unsigned first, unsigned nwords, char *out)
{
    for (unsigned i = 0; i < nwords; i++) {
        out[2 * i] = (char)(words[first + i] >> 8);
        out[2 * i + 1] = (char)words[first + i];
    }
    out[2 * nwords] = 0;
}

static void identify(uint16_t *words)
{
    outb(0x1F6, 0xA0);
    outb(0x1F7, 0xEC);
    ck_assert_uint_eq(inb(0x1F7), 0x58);
    for (int i = 0; i < 256; i++)
        words[i] = inw();
    ck_assert_uint_eq(inb(0x1F7), 0x50);
}

START_TEST(reset_signature)
{
    ck_assert_uint_eq(inb(0x1F2), 0x01);
    ck_assert_uint_eq(inb(0x1F3), 0x01);
    ck_assert_uint_eq(inb(0x1F4), 0x00);
    ck_assert_uint_eq(inb(0x1F5), 0x00);
    ck_assert_uint_eq(inb(0x1F1), 0x01);
    ck_assert_uint_eq(inb(0x1F7), 0x50);
}
END_TEST

START_TEST(identify_contents)
{
    uint16_t w[256];
    identify(w);
    ck_assert_uint_eq(w[0] & 0x8000, 0);               /* ATA device */
    ck_assert_uint_eq(w[49] & 0x0200, 0x0200);         /* LBA supported */
    ck_assert_uint_eq(w[60] | (uint32_t)w[61] << 16, 64); /* LBA28 sectors */
    ck_assert_uint_eq(w[27], 'R' << 8 | 'I');          /* byte order of strings */
    char model[41], serial[21];
    ata_string(w, 27, 20, model);
    ck_assert_str_eq(model, "RINGSCOPE PAGEFILE DISK                 ");
    ata_string(w, 10, 10, serial);
    ck_assert_uint_eq(strlen(serial), 20);
    ck_assert(serial[0] != ' ');
    ck_assert_uint_eq(w[255] & 0xFF, 0xA5);
    uint8_t sum = 0;
    for (int i = 0; i < 256; i++)
        sum = (uint8_t)(sum + (w[i] & 0xFF) + (w[i] >> 8));
    ck_assert_uint_eq(sum, 0);
    ck_assert_uint_eq(w[1] * w[3] * w[6], 0); /* 64 sectors: less than one cylinder */
}
END_TEST

START_TEST(identify_geometry_of_a_larger_disk)
{
    ata_close(&ata);
    ck_assert_int_eq(ata_init_memory(&ata, 16ull << 20, on_irq, NULL, err, sizeof err), 0);
    uint16_t w[256];
    identify(w);
    ck_assert_uint_eq(w[60] | (uint32_t)w[61] << 16, 32768);
    ck_assert_uint_eq(w[3], 16);
    ck_assert_uint_eq(w[6], 63);
    ck_assert_uint_eq(w[1], 32768 / (16 * 63));
}
END_TEST

START_TEST(identify_interrupts_once)
{
    outb(0x1F6, 0xA0);
    outb(0x1F7, 0xEC);
    ck_assert_int_eq(irq_rises, 1);
    ck_assert_uint_eq(inb(0x3F6), 0x58); /* alternate status: INTRQ stays */
    ck_assert_int_eq(irq_level, 1);
    inb(0x1F7);
    ck_assert_int_eq(irq_level, 0);
}
END_TEST

START_TEST(dword_data_access)
{
    uint16_t w[256];
    identify(w);
    outb(0x1F7, 0xEC);
    inb(0x1F7);
    for (int i = 0; i < 128; i++) {
        uint32_t d = ata_read(&ata, 0, 4);
        ck_assert_uint_eq(d & 0xFFFF, w[2 * i]);
        ck_assert_uint_eq(d >> 16, w[2 * i + 1]);
    }
    ck_assert_uint_eq(inb(0x1F7), 0x50);
}
END_TEST

START_TEST(write_then_read_back)
{
    uint8_t out[3 * 512], in[3 * 512];
    for (unsigned i = 0; i < sizeof out; i++)
        out[i] = (uint8_t)(i * 7 + 3);
    write_sectors(10, 3, out);
    ck_assert_int_eq(irq_rises, 3);
    read_sectors(10, 3, in);
    ck_assert_mem_eq(in, out, sizeof out);
    read_sectors(11, 1, in); /* the middle sector alone */
    ck_assert_mem_eq(in, out + 512, 512);
    read_sectors(9, 1, in);  /* untouched neighbour still zero */
    ck_assert_uint_eq(in[0] | in[511], 0);
}
END_TEST

START_TEST(count_zero_means_256)
{
    ata_close(&ata);
    ck_assert_int_eq(ata_init_memory(&ata, 300 * 512, on_irq, NULL, err, sizeof err), 0);
    uint8_t *buf = malloc(256 * 512);
    for (unsigned i = 0; i < 256 * 512; i++)
        buf[i] = (uint8_t)(i / 512);
    write_sectors(20, 0, buf);
    memset(buf, 0, 256 * 512);
    read_sectors(20, 0, buf);
    ck_assert_uint_eq(buf[255 * 512 + 100], 255);
    free(buf);
    select_lba(100, 0);                 /* 100 + 256 > 300 */
    outb(0x1F7, 0x20);
    ck_assert_uint_eq(inb(0x1F7), 0x51);
    ck_assert_uint_eq(inb(0x1F1), 0x10);
}
END_TEST

START_TEST(out_of_range_is_idnf)
{
    select_lba(63, 2);                  /* sector 64 does not exist */
    outb(0x1F7, 0x20);
    ck_assert_int_eq(irq_level, 1);     /* the error is reported with an interrupt */
    ck_assert_uint_eq(inb(0x1F7), 0x51); /* DRDY DSC ERR, no DRQ */
    ck_assert_uint_eq(inb(0x1F1), ATA_ER_IDNF);
    select_lba(0x0FFFFFFF, 1);
    outb(0x1F7, 0x30);
    ck_assert_uint_eq(inb(0x1F7), 0x51);
    ck_assert_uint_eq(inb(0x1F1), ATA_ER_IDNF);
    uint8_t last[512];
    read_sectors(63, 1, last);          /* the last sector itself is fine */
}
END_TEST

START_TEST(unknown_command_aborts)
{
    outb(0x1F7, 0xC8); /* READ DMA: no DMA here */
    ck_assert_uint_eq(inb(0x1F7), 0x51);
    ck_assert_uint_eq(inb(0x1F1), ATA_ER_ABRT);
}
END_TEST

START_TEST(nien_masks_intrq)
{
    outb(0x3F6, ATA_DC_NIEN);
    outb(0x1F6, 0xA0);
    outb(0x1F7, 0xEC);
    ck_assert_int_eq(irq_rises, 0);
    ck_assert_uint_eq(inb(0x3F6), 0x58); /* polling still works */
    outb(0x3F6, 0x00);                   /* pending INTRQ now reaches the line */
    ck_assert_int_eq(irq_rises, 1);
    inb(0x1F7);
    ck_assert_int_eq(irq_level, 0);
}
END_TEST

START_TEST(device1_absent)
{
    outb(0x1F6, 0xB0);
    ck_assert_uint_eq(inb(0x1F7), 0x00);
    ck_assert_uint_eq(inb(0x3F6), 0x00);
    outb(0x1F7, 0xEC);
    ck_assert_int_eq(irq_rises, 0);
    outb(0x1F6, 0xA0);
    ck_assert_uint_eq(inb(0x1F7), 0x50); /* device 0 did not run it either */
}
END_TEST

START_TEST(software_reset)
{
    uint16_t w[256];
    select_lba(0x123456, 9);
    outb(0x3F6, ATA_DC_SRST);
    ck_assert_uint_eq(inb(0x3F6) & 0x80, 0x80); /* BSY during reset */
    outb(0x3F6, 0x00);
    ck_assert_uint_eq(inb(0x1F2), 0x01);
    ck_assert_uint_eq(inb(0x1F3), 0x01);
    ck_assert_uint_eq(inb(0x1F5), 0x00);
    ck_assert_uint_eq(inb(0x1F1), 0x01);
    ck_assert_uint_eq(inb(0x1F7), 0x50);
    identify(w); /* usable again */
}
END_TEST

START_TEST(chs_addressing)
{
    uint8_t out[512], in[512];
    for (unsigned i = 0; i < 512; i++)
        out[i] = (uint8_t)(i ^ 0x5A);
    write_sectors(63, 1, out);
    outb(0x1F6, 0xA1);  /* CHS, device 0, head 1 */
    outb(0x1F2, 1);
    outb(0x1F3, 1);     /* sector 1 */
    outb(0x1F4, 0);     /* cylinder 0 */
    outb(0x1F5, 0);
    outb(0x1F7, 0x20);  /* (0 * 16 + 1) * 63 + 1 - 1 = LBA 63 */
    ck_assert_uint_eq(inb(0x1F7), 0x58);
    for (unsigned i = 0; i < 512; i += 2) {
        uint16_t w = inw();
        in[i] = (uint8_t)w;
        in[i + 1] = (uint8_t)(w >> 8);
    }
    ck_assert_mem_eq(in, out, 512);
    outb(0x1F3, 0);     /* sector numbers start at 1 */
    outb(0x1F7, 0x20);
    ck_assert_uint_eq(inb(0x1F7), 0x51);
}
END_TEST

static char *make_image(unsigned sectors)
{
    static char path[64];
    strcpy(path, "/tmp/ringscope-disk-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    for (unsigned s = 0; s < sectors; s++) {
        uint8_t sector[512];
        memset(sector, (int)(0xC0 + s), sizeof sector);
        ck_assert_int_eq(write(fd, sector, sizeof sector), 512);
    }
    close(fd);
    return path;
}

START_TEST(file_backed_disk)
{
    ata_close(&ata);
    char *path = make_image(16);
    ck_assert_int_eq(ata_open_file(&ata, path, on_irq, NULL, err, sizeof err), 0);
    uint16_t w[256];
    identify(w);
    ck_assert_uint_eq(w[60], 16);
    uint8_t buf[512];
    read_sectors(3, 1, buf);
    ck_assert_uint_eq(buf[0], 0xC3);
    ck_assert_uint_eq(buf[511], 0xC3);
    memset(buf, 0x11, sizeof buf);
    write_sectors(4, 1, buf);
    ata_close(&ata);

    int fd = open(path, O_RDONLY);
    uint8_t back[512];
    ck_assert_int_eq(pread(fd, back, 512, 4 * 512), 512);
    ck_assert_mem_eq(back, buf, 512);
    ck_assert_int_eq(pread(fd, back, 512, 5 * 512), 512);
    ck_assert_uint_eq(back[0], 0xC5);
    close(fd);
    unlink(path);
    ck_assert_int_eq(ata_init_memory(&ata, 512, on_irq, NULL, err, sizeof err), 0);
}
END_TEST

START_TEST(file_errors)
{
    ata_close(&ata);
    ck_assert_int_eq(ata_open_file(&ata, "/nonexistent/disk.img", on_irq, NULL, err, sizeof err), -1);
    ck_assert_str_eq(err, "cannot open disk image /nonexistent/disk.img: No such file or directory");
    char *path = make_image(0);
    ck_assert_int_eq(ata_open_file(&ata, path, on_irq, NULL, err, sizeof err), -1);
    char expect[200];
    snprintf(expect, sizeof expect, "disk image %s is smaller than one sector (512 bytes)", path);
    ck_assert_str_eq(err, expect);
    unlink(path);
    ck_assert_int_eq(ata_open_file(&ata, "/tmp", on_irq, NULL, err, sizeof err), -1);
    ck_assert_str_eq(err, "cannot open disk image /tmp: Is a directory");
    ck_assert_int_eq(ata_init_memory(&ata, 512, on_irq, NULL, err, sizeof err), 0);
}
END_TEST

static Suite *ata_suite(void)
{
    Suite *s = suite_create("ata");
    TCase *tc = tcase_create("pio");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reset_signature);
    tcase_add_test(tc, identify_contents);
    tcase_add_test(tc, identify_geometry_of_a_larger_disk);
    tcase_add_test(tc, identify_interrupts_once);
    tcase_add_test(tc, dword_data_access);
    tcase_add_test(tc, write_then_read_back);
    tcase_add_test(tc, count_zero_means_256);
    tcase_add_test(tc, out_of_range_is_idnf);
    tcase_add_test(tc, unknown_command_aborts);
    tcase_add_test(tc, nien_masks_intrq);
    tcase_add_test(tc, device1_absent);
    tcase_add_test(tc, software_reset);
    tcase_add_test(tc, chs_addressing);
    tcase_add_test(tc, file_backed_disk);
    tcase_add_test(tc, file_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ata_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
