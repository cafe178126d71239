/* ata.c — the primary-channel ATA disk in PIO mode (see ata.h).
 * Reference: ATA/ATAPI-6 (T13/1410D rev. 3b): 6.17 IDENTIFY DEVICE
 * (Table 27 word layout), 8.27 READ SECTORS, 8.62 WRITE SECTORS, 9.7/9.8
 * PIO data-in / data-out protocols, 9.2 software reset and 9.12 the
 * signature, 7.2.1 and 7.15 (nIEN, INTRQ cleared by reading Status). */
#include "ata.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHS_HEADS 16
#define CHS_SECTORS 63

static bool device1_selected(const struct ata *ata)
{
    return ata->device & 0x10;
}

static void update_irq(struct ata *ata)
{
    bool level = ata->intrq && !(ata->control & ATA_DC_NIEN) && !device1_selected(ata);
    if (level == ata->irq_level)
        return;
    ata->irq_level = level;
    if (ata->irq)
        ata->irq(ata->irq_ctx, ATA_IRQ, level);
}

static void raise_intrq(struct ata *ata)
{
    ata->intrq = true;
    update_irq(ata);
}

/* The reset signature of a PATA (non-packet) device (ATA-6 9.12), with the
 * diagnostic code 01h: device 0 passed, device 1 absent. */
static void set_signature(struct ata *ata)
{
    ata->count = 1;
    ata->lba_low = 1;
    ata->lba_mid = 0;
    ata->lba_high = 0;
    ata->device = 0;
    ata->error = 0x01;
    ata->status = ATA_SR_DRDY | ATA_SR_DSC;
    ata->transfer = ATA_XFER_NONE;
}

static void power_on(struct ata *ata, device_irq_fn *irq, void *irq_ctx)
{
    ata->irq = irq;
    ata->irq_ctx = irq_ctx;
    ata->control = 0;
    ata->intrq = ata->irq_level = false;
    set_signature(ata);
}

int ata_init_memory(struct ata *ata, uint64_t size_bytes, device_irq_fn *irq, void *irq_ctx,
                    char *err, size_t errlen)
{
    *ata = (struct ata){.fd = -1};
    uint64_t sectors = size_bytes / ATA_SECTOR_SIZE;
    if (sectors == 0)
        sectors = 1;
    if (sectors > ATA_MAX_LBA28_SECTORS)
        sectors = ATA_MAX_LBA28_SECTORS;
    ata->memory = calloc(sectors, ATA_SECTOR_SIZE);
    if (!ata->memory) {
        snprintf(err, errlen, "cannot allocate a %llu-byte disk",
                 (unsigned long long)(sectors * ATA_SECTOR_SIZE));
        return -1;
    }
    ata->sectors = sectors;
    power_on(ata, irq, irq_ctx);
    return 0;
}

int ata_open_file(struct ata *ata, const char *path, device_irq_fn *irq, void *irq_ctx,
                  char *err, size_t errlen)
{
    *ata = (struct ata){.fd = -1};
    int fd = open(path, O_RDWR | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(err, errlen, "cannot open disk image %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_size < ATA_SECTOR_SIZE) {
        snprintf(err, errlen, "disk image %s %s", path,
                 S_ISREG(st.st_mode) ? "is smaller than one sector (512 bytes)"
                                     : "is not a regular file");
        close(fd);
        return -1;
    }
    uint64_t sectors = (uint64_t)st.st_size / ATA_SECTOR_SIZE;
    ata->fd = fd;
    ata->sectors = sectors > ATA_MAX_LBA28_SECTORS ? ATA_MAX_LBA28_SECTORS : sectors;
    power_on(ata, irq, irq_ctx);
    return 0;
}

void ata_close(struct ata *ata)
{
    free(ata->memory);
    if (ata->fd >= 0)
        close(ata->fd);
    ata->memory = NULL;
    ata->fd = -1;
}

/* Backing-store I/O of one sector: 0 or -1. */
static int load_sector(struct ata *ata, uint64_t lba)
{
    if (ata->memory) {
        memcpy(ata->buffer, ata->memory + lba * ATA_SECTOR_SIZE, ATA_SECTOR_SIZE);
        return 0;
    }
    ssize_t n = pread(ata->fd, ata->buffer, ATA_SECTOR_SIZE, (off_t)(lba * ATA_SECTOR_SIZE));
    return n == ATA_SECTOR_SIZE ? 0 : -1;
}

static int store_sector(struct ata *ata, uint64_t lba)
{
    if (ata->memory) {
        memcpy(ata->memory + lba * ATA_SECTOR_SIZE, ata->buffer, ATA_SECTOR_SIZE);
        return 0;
    }
    ssize_t n = pwrite(ata->fd, ata->buffer, ATA_SECTOR_SIZE, (off_t)(lba * ATA_SECTOR_SIZE));
    return n == ATA_SECTOR_SIZE ? 0 : -1;
}

/* End a command with an error: ERR in Status, the reason in Error, INTRQ. */
static void fail_command(struct ata *ata, uint8_t error)
{
    ata->error = error;
    ata->status = ATA_SR_DRDY | ATA_SR_DSC | ATA_SR_ERR;
    ata->transfer = ATA_XFER_NONE;
    raise_intrq(ata);
}

static void complete_command(struct ata *ata)
{
    ata->error = 0;
    ata->status = ATA_SR_DRDY | ATA_SR_DSC;
    ata->transfer = ATA_XFER_NONE;
    raise_intrq(ata);
}

static uint16_t cylinders(const struct ata *ata)
{
    uint64_t c = ata->sectors / (CHS_HEADS * CHS_SECTORS);
    return (uint16_t)(c > 16383 ? 16383 : c);
}

/* Store an ATA string: two characters per word, the first in bits 15:8,
 * padded with spaces (ATA-6 3.2.9). */
static void put_string(uint16_t *words, unsigned first, unsigned nwords, const char *s)
{
    size_t len = strlen(s);
    for (unsigned i = 0; i < 2 * nwords; i += 2) {
        uint8_t hi = i < len ? (uint8_t)s[i] : ' ';
        uint8_t lo = i + 1 < len ? (uint8_t)s[i + 1] : ' ';
        words[first + i / 2] = (uint16_t)(hi << 8 | lo);
    }
}

static void build_identify(struct ata *ata)
{
    uint16_t w[256] = {0};
    uint16_t cyl = cylinders(ata);
    uint32_t chs_capacity = (uint32_t)cyl * CHS_HEADS * CHS_SECTORS;
    uint32_t lba_capacity = (uint32_t)ata->sectors;
    w[0] = 0x0040;                 /* ATA device, fixed (not removable) */
    w[1] = cyl;                    /* default logical cylinders */
    w[3] = CHS_HEADS;              /* default logical heads */
    w[6] = CHS_SECTORS;            /* default sectors per track */
    put_string(w, 10, 10, ATA_SERIAL);
    put_string(w, 23, 4, ATA_FIRMWARE);
    put_string(w, 27, 20, ATA_MODEL);
    w[47] = 0x8000;                /* READ/WRITE MULTIPLE: 0 sectors (not supported) */
    w[49] = 0x0200;                /* LBA supported (no DMA) */
    w[50] = 0x4000;
    w[53] = 0x0003;                /* words 54-58 and 64-70 valid */
    w[54] = cyl;                   /* current CHS translation */
    w[55] = CHS_HEADS;
    w[56] = CHS_SECTORS;
    w[57] = (uint16_t)chs_capacity;
    w[58] = (uint16_t)(chs_capacity >> 16);
    w[60] = (uint16_t)lba_capacity; /* total user-addressable LBA28 sectors */
    w[61] = (uint16_t)(lba_capacity >> 16);
    w[64] = 0x0003;                /* PIO modes 3 and 4 */
    w[65] = w[66] = w[67] = w[68] = 120; /* cycle times, ns */
    w[80] = 0x007E;                /* ATA-1 .. ATA-6 */
    w[82] = 0x4000;                /* NOP supported */
    w[83] = 0x5000;                /* bit 14 = 1; FLUSH CACHE supported */
    w[84] = 0x4000;
    w[85] = 0x4000;
    w[86] = 0x1000;
    w[87] = 0x4000;
    for (unsigned i = 0; i < 256; i++) {
        ata->buffer[2 * i] = (uint8_t)w[i];
        ata->buffer[2 * i + 1] = (uint8_t)(w[i] >> 8);
    }
    /* Word 255: signature A5h in bits 7:0, bits 15:8 make the sum of all
     * 512 bytes 0 modulo 256 (ATA-6 8.15.61). */
    ata->buffer[510] = 0xA5;
    uint8_t sum = 0;
    for (unsigned i = 0; i < 511; i++)
        sum = (uint8_t)(sum + ata->buffer[i]);
    ata->buffer[511] = (uint8_t)-sum;
}

/* The command's starting sector from the address registers; false if the
 * CHS address is malformed. */
static bool command_lba(const struct ata *ata, uint64_t *lba)
{
    if (ata->device & 0x40) {
        *lba = (uint64_t)(ata->device & 0x0F) << 24 | (uint64_t)ata->lba_high << 16 |
               (uint64_t)ata->lba_mid << 8 | ata->lba_low;
        return true;
    }
    uint64_t cyl = (uint64_t)ata->lba_high << 8 | ata->lba_mid;
    unsigned head = ata->device & 0x0F, sector = ata->lba_low;
    if (sector == 0 || sector > CHS_SECTORS)
        return false;
    *lba = (cyl * CHS_HEADS + head) * CHS_SECTORS + sector - 1;
    return true;
}

static void start_transfer(struct ata *ata, bool write)
{
    uint64_t lba;
    uint32_t count = ata->count ? ata->count : 256;
    if (!command_lba(ata, &lba) || lba + count > ata->sectors) {
        fail_command(ata, ATA_ER_IDNF);
        return;
    }
    ata->next_lba = lba;
    ata->sectors_left = count;
    ata->buffer_pos = 0;
    ata->error = 0;
    if (write) { /* PIO data-out: DRQ for the first sector, no interrupt */
        ata->transfer = ATA_XFER_OUT;
        ata->status = ATA_SR_DRDY | ATA_SR_DSC | ATA_SR_DRQ;
        return;
    }
    if (load_sector(ata, lba) < 0) {
        fail_command(ata, ATA_ER_UNC);
        return;
    }
    ata->transfer = ATA_XFER_IN;
    ata->status = ATA_SR_DRDY | ATA_SR_DSC | ATA_SR_DRQ;
    raise_intrq(ata);
}

static void execute(struct ata *ata, uint8_t command)
{
    ata->intrq = false;
    update_irq(ata);
    switch (command) {
    case 0x20: case 0x21: /* READ SECTORS (with / without retries) */
        start_transfer(ata, false);
        break;
    case 0x30: case 0x31: /* WRITE SECTORS */
        start_transfer(ata, true);
        break;
    case 0xEC: /* IDENTIFY DEVICE */
        build_identify(ata);
        ata->error = 0;
        ata->sectors_left = 1;
        ata->buffer_pos = 0;
        ata->transfer = ATA_XFER_IN;
        ata->status = ATA_SR_DRDY | ATA_SR_DSC | ATA_SR_DRQ;
        raise_intrq(ata);
        break;
    case 0x90: /* EXECUTE DEVICE DIAGNOSTIC */
        set_signature(ata);
        raise_intrq(ata);
        break;
    case 0xE7: /* FLUSH CACHE */
        if (ata->fd >= 0 && fsync(ata->fd) < 0 && errno != EINVAL)
            fail_command(ata, ATA_ER_ABRT);
        else
            complete_command(ata);
        break;
    case 0xEF: /* SET FEATURES */
    case 0x91: /* INITIALIZE DEVICE PARAMETERS */
        complete_command(ata);
        break;
    default:
        if ((command & 0xF0) == 0x10) /* RECALIBRATE */
            complete_command(ata);
        else
            fail_command(ata, ATA_ER_ABRT);
        break;
    }
}

/* The host moved the last word of the buffer. */
static void sector_done(struct ata *ata)
{
    ata->buffer_pos = 0;
    if (ata->transfer == ATA_XFER_OUT && store_sector(ata, ata->next_lba) < 0) {
        fail_command(ata, ATA_ER_ABRT);
        return;
    }
    ata->next_lba++;
    ata->sectors_left--;
    if (ata->sectors_left == 0) {
        /* Data-in: no interrupt after the last block.  Data-out: the
         * interrupt reports the completed command. */
        bool out = ata->transfer == ATA_XFER_OUT;
        ata->transfer = ATA_XFER_NONE;
        ata->status = ATA_SR_DRDY | ATA_SR_DSC;
        if (out)
            raise_intrq(ata);
        return;
    }
    if (ata->transfer == ATA_XFER_IN && load_sector(ata, ata->next_lba) < 0) {
        fail_command(ata, ATA_ER_UNC);
        return;
    }
    raise_intrq(ata);
}

static uint16_t read_data_word(struct ata *ata)
{
    if (ata->transfer != ATA_XFER_IN || device1_selected(ata))
        return 0xFFFF;
    uint16_t w = (uint16_t)(ata->buffer[ata->buffer_pos] | ata->buffer[ata->buffer_pos + 1] << 8);
    ata->buffer_pos += 2;
    if (ata->buffer_pos == ATA_SECTOR_SIZE)
        sector_done(ata);
    return w;
}

static void write_data_word(struct ata *ata, uint16_t w)
{
    if (ata->transfer != ATA_XFER_OUT || device1_selected(ata))
        return;
    ata->buffer[ata->buffer_pos] = (uint8_t)w;
    ata->buffer[ata->buffer_pos + 1] = (uint8_t)(w >> 8);
    ata->buffer_pos += 2;
    if (ata->buffer_pos == ATA_SECTOR_SIZE)
        sector_done(ata);
}

uint32_t ata_read(struct ata *ata, unsigned reg, unsigned size)
{
    switch (reg) {
    case ATA_REG_DATA: /* a 32-bit access moves two words; 8-bit reads a word's low byte */
        if (size == 4) {
            uint32_t lo = read_data_word(ata);
            return lo | (uint32_t)read_data_word(ata) << 16;
        }
        return size == 1 ? (uint8_t)read_data_word(ata) : read_data_word(ata);
    case ATA_REG_ERROR_FEATURES: return ata->error;
    case ATA_REG_COUNT: return ata->count;
    case ATA_REG_LBA_LOW: return ata->lba_low;
    case ATA_REG_LBA_MID: return ata->lba_mid;
    case ATA_REG_LBA_HIGH: return ata->lba_high;
    case ATA_REG_DEVICE: return ata->device;
    case ATA_REG_STATUS_COMMAND:
        if (device1_selected(ata))
            return 0;
        ata->intrq = false; /* reading Status acknowledges the interrupt */
        update_irq(ata);
        return ata->status;
    case ATA_REG_CONTROL:
        return device1_selected(ata) ? 0 : ata->status;
    default:
        return 0xFF;
    }
}

static void write_control(struct ata *ata, uint8_t v)
{
    bool was_reset = ata->control & ATA_DC_SRST;
    ata->control = v & (ATA_DC_NIEN | ATA_DC_SRST);
    if (ata->control & ATA_DC_SRST) {
        ata->status = ATA_SR_BSY;   /* reset in progress while SRST stays set */
        ata->transfer = ATA_XFER_NONE;
        ata->intrq = false;
    } else if (was_reset) {
        set_signature(ata);
    }
    update_irq(ata);
}

void ata_write(struct ata *ata, unsigned reg, unsigned size, uint32_t value)
{
    uint8_t v = (uint8_t)value;
    if (reg != ATA_REG_CONTROL && (ata->control & ATA_DC_SRST))
        return; /* the device is in reset */
    switch (reg) {
    case ATA_REG_DATA:
        write_data_word(ata, (uint16_t)value);
        if (size == 4)
            write_data_word(ata, (uint16_t)(value >> 16));
        break;
    case ATA_REG_ERROR_FEATURES: ata->features = v; break;
    case ATA_REG_COUNT: ata->count = v; break;
    case ATA_REG_LBA_LOW: ata->lba_low = v; break;
    case ATA_REG_LBA_MID: ata->lba_mid = v; break;
    case ATA_REG_LBA_HIGH: ata->lba_high = v; break;
    case ATA_REG_DEVICE:
        ata->device = v;
        update_irq(ata);
        break;
    case ATA_REG_STATUS_COMMAND:
        if (!device1_selected(ata))
            execute(ata, v);
        break;
    case ATA_REG_CONTROL:
        write_control(ata, v);
        break;
    default:
        break;
    }
}
