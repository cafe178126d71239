/* ata.c — the primary ATA channel's master disk, programmed I/O, polled.
 *
 * Command block registers at 0x1F0-0x1F7 (ATA/ATAPI-6, T13/1410D):
 *   0x1F0 data (16-bit words; a 32-bit IN/OUT moves two)
 *   0x1F2 sector count   0x1F3-0x1F5 LBA bits 0-23
 *   0x1F6 device: 0xE0 | LBA bits 24-27 (bit 6 = LBA addressing, bit 4 = device 0)
 *   0x1F7 command (write) / status (read): BSY 0x80, DRDY 0x40, DRQ 0x08, ERR 0x01
 * and the device control register at 0x3F6 (nIEN = 2 masks INTRQ).
 *
 * A transfer: wait until not BSY, load count/LBA/device, write the command
 * (READ SECTORS 0x20, WRITE SECTORS 0x30), then for each sector wait for
 * DRQ and move 512 bytes through the data port.  The kernel polls with the
 * disk's interrupt masked: it runs with interrupts off anyway, and page-ins
 * are short. */
#include "ata.h"
#include "printf.h"
#include "x86.h"

#define ATA_BASE 0x1F0
#define REG_DATA (ATA_BASE + 0)
#define REG_COUNT (ATA_BASE + 2)
#define REG_LBA0 (ATA_BASE + 3)
#define REG_LBA1 (ATA_BASE + 4)
#define REG_LBA2 (ATA_BASE + 5)
#define REG_DEVICE (ATA_BASE + 6)
#define REG_STATUS (ATA_BASE + 7)
#define REG_COMMAND (ATA_BASE + 7)
#define REG_CONTROL 0x3F6
#define ST_BSY 0x80
#define ST_DRQ 0x08
#define ST_DF 0x20
#define ST_ERR 0x01
#define CTL_NIEN 0x02
#define CMD_READ 0x20
#define CMD_WRITE 0x30
#define CMD_IDENTIFY 0xEC
#define DEVICE_LBA_MASTER 0xE0
#define POLL_LIMIT 1000000

static uint64_t sectors;

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* Wait for BSY = 0, then (if want_drq) DRQ = 1; false on ERR/DF or no disk. */
static bool wait_ready(bool want_drq)
{
    for (int i = 0; i < POLL_LIMIT; i++) {
        uint8_t st = inb(REG_STATUS);
        if (st == 0 || st == 0xFF)
            return false; /* nothing attached */
        if (st & ST_BSY)
            continue;
        if (st & (ST_ERR | ST_DF))
            return false;
        if (!want_drq || (st & ST_DRQ))
            return true;
    }
    return false;
}

static void issue(uint64_t lba, unsigned count, uint8_t command)
{
    outb(REG_DEVICE, DEVICE_LBA_MASTER | ((lba >> 24) & 0x0F));
    outb(REG_COUNT, (uint8_t)count); /* 256 is written as 0 */
    outb(REG_LBA0, (uint8_t)lba);
    outb(REG_LBA1, (uint8_t)(lba >> 8));
    outb(REG_LBA2, (uint8_t)(lba >> 16));
    outb(REG_COMMAND, command);
}

bool ata_init(void)
{
    outb(REG_CONTROL, CTL_NIEN);
    outb(REG_DEVICE, DEVICE_LBA_MASTER);
    uint8_t st = inb(REG_STATUS);
    if (st == 0 || st == 0xFF)
        return false;
    outb(REG_COMMAND, CMD_IDENTIFY);
    if (!wait_ready(true))
        return false;
    uint16_t id[256];
    for (int i = 0; i < 256; i++)
        id[i] = inw(REG_DATA);
    sectors = id[60] | (uint32_t)id[61] << 16; /* words 60-61: LBA28 capacity */
    kprintf("ata: disk of %lu sectors (%lu MiB)\n", sectors, sectors >> 11);
    return sectors > 0;
}

uint64_t ata_sectors(void) { return sectors; }

bool ata_read_sectors(uint64_t lba, unsigned count, void *dst)
{
    if (!count || count > 256 || lba + count > sectors || !wait_ready(false))
        return false;
    issue(lba, count, CMD_READ);
    uint32_t *p = dst;
    for (unsigned s = 0; s < count; s++) {
        if (!wait_ready(true))
            return false;
        for (int i = 0; i < ATA_SECTOR / 4; i++)
            *p++ = inl(REG_DATA);
    }
    return true;
}

bool ata_write_sectors(uint64_t lba, unsigned count, const void *src)
{
    if (!count || count > 256 || lba + count > sectors || !wait_ready(false))
        return false;
    issue(lba, count, CMD_WRITE);
    const uint32_t *p = src;
    for (unsigned s = 0; s < count; s++) {
        if (!wait_ready(true))
            return false;
        for (int i = 0; i < ATA_SECTOR / 4; i++)
            outl(REG_DATA, *p++);
    }
    return wait_ready(false);
}
