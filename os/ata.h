/* ata.h — the ATA PIO disk driver (os/ata.c). */
#ifndef OS_ATA_H
#define OS_ATA_H
#include <stdbool.h>
#include <stdint.h>

#define ATA_SECTOR 512

/* Detect the primary master; false if there is no disk. */
bool ata_init(void);
uint64_t ata_sectors(void);
/* Transfer count sectors (1-256) at lba; false on a device error. */
bool ata_read_sectors(uint64_t lba, unsigned count, void *dst);
bool ata_write_sectors(uint64_t lba, unsigned count, const void *src);

#endif
