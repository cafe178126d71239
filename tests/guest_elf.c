/* guest_elf.c — building the ELF test guests (see guest_elf.h).  Each build
 * writes a private temporary file and renames it into place, so two test
 * binaries building the same guest never see a half-written ELF. */
#include "guest_elf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int guest_elf_build(const char *name, char *path, size_t pathlen)
{
    char cmd[1024];
    snprintf(path, pathlen, "%s/%s.elf", GUEST_ELF_DIR, name);
    int pid = (int)getpid();
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s && gcc -c -nostdlib -ffreestanding -Wa,--fatal-warnings "
             "-o %s/%s.%d.o tests/guests-elf/%s.S && "
             "ld -z max-page-size=4096 -z noexecstack -T tests/guests-elf/kernel.ld "
             "-o %s/%s.%d.elf %s/%s.%d.o && mv -f %s/%s.%d.elf %s; rc=$?; rm -f %s/%s.%d.o; exit $rc",
             GUEST_ELF_DIR, GUEST_ELF_DIR, name, pid, name, GUEST_ELF_DIR, name, pid, GUEST_ELF_DIR,
             name, pid, GUEST_ELF_DIR, name, pid, path, GUEST_ELF_DIR, name, pid);
    return system(cmd) == 0 ? 0 : -1;
}

uint64_t guest_elf_symbol(const char *elf, const char *symbol)
{
    char cmd[512], line[256];
    snprintf(cmd, sizeof cmd, "nm %s", elf);
    FILE *p = popen(cmd, "r");
    if (!p)
        return 0;
    uint64_t addr = 0;
    while (fgets(line, sizeof line, p)) {
        char type, name[128];
        unsigned long long a;
        if (sscanf(line, "%llx %c %127s", &a, &type, name) == 3 && strcmp(name, symbol) == 0)
            addr = a;
    }
    pclose(p);
    return addr;
}
