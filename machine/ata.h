/* ata.h — the primary ATA channel of a PC with one hard disk (device 0,
 * "master") in PIO mode: command block 0x1F0-0x1F7, control block 0x3F6,
 * IRQ14.  Register-level model of ATA/ATAPI-6 (T13/1410D):
 *   reg 0      Data (16-bit; a 32-bit access moves two words)
 *   reg 1      Error (read) / Features (write)
 *   reg 2      Sector Count        reg 3-5  LBA Low / Mid / High
 *   reg 6      Device (bit 6 LBA, bit 4 DEV; LBA 27:24 in bits 3-0)
 *   reg 7      Status (read; clears a pending interrupt) / Command (write)
 *   reg 0x206  Alternate Status (read) / Device Control (write: nIEN bit 1,
 *              SRST bit 2) — i.e. reg = port - 0x1F0 for every port.
 * Commands: IDENTIFY DEVICE (0xEC), READ SECTORS (0x20/0x21), WRITE SECTORS
 * (0x30/0x31) with 28-bit LBA (or CHS through the IDENTIFY geometry, 16
 * heads x 63 sectors) and counts 1-256 (0 = 256), EXECUTE DEVICE
 * DIAGNOSTIC (0x90), SET FEATURES (0xEF), INITIALIZE DEVICE PARAMETERS
 * (0x91), RECALIBRATE (0x1x), FLUSH CACHE (0xE7); any other command is
 * aborted (ERR, Error.ABRT).  An address range past the end of the disk
 * fails with ERR and Error.IDNF.
 * Timing: commands complete instantly (BSY is never seen except during
 * SRST).  PIO data-in (IDENTIFY, READ): each sector's data is ready at once
 * with DRQ set and an interrupt; PIO data-out (WRITE): DRQ without an
 * interrupt for the first sector, an interrupt after each sector written.
 * INTRQ reaches IRQ14 only while nIEN = 0 and device 0 is selected; it is
 * cleared by reading Status or writing Command.  Device 1 is absent: while
 * it is selected Status and Alternate Status read 0 and commands are
 * ignored.
 * Backing store: memory (ata_init_memory) or a host file (ata_open_file:
 * its size in whole sectors is the capacity, writes go to the file). */
#ifndef RINGSCOPE_ATA_H
#define RINGSCOPE_ATA_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATA_PRIMARY_BASE 0x1F0
#define ATA_PRIMARY_CONTROL 0x3F6
#define ATA_IRQ 14
#define ATA_SECTOR_SIZE 512
#define ATA_MAX_LBA28_SECTORS 0x0FFFFFFFull

/* Register numbers (port - 0x1F0). */
enum {
    ATA_REG_DATA = 0, ATA_REG_ERROR_FEATURES = 1, ATA_REG_COUNT = 2, ATA_REG_LBA_LOW = 3,
    ATA_REG_LBA_MID = 4, ATA_REG_LBA_HIGH = 5, ATA_REG_DEVICE = 6, ATA_REG_STATUS_COMMAND = 7,
    ATA_REG_CONTROL = ATA_PRIMARY_CONTROL - ATA_PRIMARY_BASE,
};

/* Status bits */
#define ATA_SR_BSY 0x80
#define ATA_SR_DRDY 0x40
#define ATA_SR_DF 0x20
#define ATA_SR_DSC 0x10
#define ATA_SR_DRQ 0x08
#define ATA_SR_ERR 0x01
/* Error bits */
#define ATA_ER_UNC 0x40
#define ATA_ER_IDNF 0x10
#define ATA_ER_ABRT 0x04
/* Device control bits */
#define ATA_DC_NIEN 0x02
#define ATA_DC_SRST 0x04

#define ATA_MODEL "RINGSCOPE PAGEFILE DISK"
#define ATA_SERIAL "RS0001"
#define ATA_FIRMWARE "1.0"

/* Device interrupt output (same typedef in every device header; C11 allows
 * the repetition): level 1 = asserted.  The 8259 reacts to 0->1 edges. */
typedef void device_irq_fn(void *ctx, int line, int level);

enum ata_transfer { ATA_XFER_NONE, ATA_XFER_IN, ATA_XFER_OUT };

struct ata {
    /* backing store: memory or file */
    uint8_t *memory;
    int fd;                     /* host file descriptor, -1 for a memory disk */
    uint64_t sectors;           /* capacity, at most ATA_MAX_LBA28_SECTORS */
    /* registers */
    uint8_t error, features, count, lba_low, lba_mid, lba_high, device, status, control;
    /* the PIO transfer in progress */
    enum ata_transfer transfer;
    uint8_t buffer[ATA_SECTOR_SIZE];
    unsigned buffer_pos;        /* bytes moved through the data port */
    uint64_t next_lba;          /* sector the buffer belongs to */
    uint32_t sectors_left;      /* including the one in the buffer */
    /* INTRQ */
    bool intrq;
    bool irq_level;
    device_irq_fn *irq;
    void *irq_ctx;
};

/* A zero-filled in-memory disk of size_bytes (rounded down to whole
 * sectors, at least one).  0, or -1 with a message in err. */
int ata_init_memory(struct ata *ata, uint64_t size_bytes, device_irq_fn *irq, void *irq_ctx,
                    char *err, size_t errlen);
/* A disk backed by an existing host file opened read/write.  0, or -1 with
 * a one-line message ("cannot open disk image F: reason", "disk image F is
 * smaller than one sector"). */
int ata_open_file(struct ata *ata, const char *path, device_irq_fn *irq, void *irq_ctx,
                  char *err, size_t errlen);
/* Releases the memory or closes the file (flushing writes). */
void ata_close(struct ata *ata);

uint32_t ata_read(struct ata *ata, unsigned reg, unsigned size);
void ata_write(struct ata *ata, unsigned reg, unsigned size, uint32_t value);

#endif
