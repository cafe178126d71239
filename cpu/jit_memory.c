/* jit_memory.c — memory for translated code that is never writable and
 * executable at once: one shared memory object mapped twice, once
 * read-write (where the translator writes) and once read-execute (where
 * the host runs it).  A region that is both would let a stray write from
 * any bug become code. */
#define _GNU_SOURCE
#include "jit.h"
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

bool jit_memory_map(struct jit_memory *jm, size_t size)
{
    int fd = memfd_create("ringscope-jit", MFD_CLOEXEC);
    if (fd < 0)
        return false;
    void *rw = MAP_FAILED, *rx = MAP_FAILED;
    if (ftruncate(fd, (off_t)size) == 0) {
        rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        rx = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    }
    close(fd);
    if (rw == MAP_FAILED || rx == MAP_FAILED) {
        if (rw != MAP_FAILED)
            munmap(rw, size);
        if (rx != MAP_FAILED)
            munmap(rx, size);
        return false;
    }
    jm->rw = rw;
    jm->rx = rx;
    jm->size = size;
    jm->used = 0;
    return true;
}

void jit_memory_unmap(struct jit_memory *jm)
{
    if (jm->rw) {
        munmap(jm->rw, jm->size);
        munmap((void *)jm->rx, jm->size);
    }
    jm->rw = NULL;
    jm->rx = NULL;
}
