/* initrd.h — unpack the boot cpio archive into the file system (os/initrd.c). */
#ifndef OS_INITRD_H
#define OS_INITRD_H
#include <stdint.h>

#define INITRD_MAX_ARGS 64

/* Adds every file to the fs; returns the number of files, -1 if the
 * archive is malformed. */
int initrd_unpack(const void *archive, uint64_t size);
/* argv from /boot/argv (NUL-separated strings); argc, 0 if absent. */
int initrd_argv(char *argv[], int max);

#endif
