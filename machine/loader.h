/* loader.h — the machine's firmware and boot loader in one: puts the guest
 * kernel (an ELF64 file) and the initrd into guest RAM, builds the boot page
 * tables, GDT, boot stack and boot-info record, and sets the CPU to the
 * kernel's entry state.  The entry contract and the physical layout are
 * documented in os/abi/bootinfo.h. */
#ifndef RINGSCOPE_LOADER_H
#define RINGSCOPE_LOADER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../cpu/cpu.h"
#include "elf.h"

struct boot_params {
    const struct elf_file *kernel; /* ET_EXEC, PT_LOADs at physical p_paddr */
    const void *initrd;            /* may be NULL */
    size_t initrd_size;
    bool initrd_in_ram;            /* its initrd_size bytes are already in RAM at
                                    * loader_initrd_phys(kernel) (initrd is unused) */
    const char *cmdline;           /* < BOOTINFO_CMDLINE_MAX bytes */
    uint64_t insns_per_second;     /* the virtual CPU rate, reported in the boot info */
};

/* Where the loader put things (for tests, the debugger and --stats). */
struct boot_layout {
    uint64_t bootinfo_phys;
    uint64_t pml4_phys;
    uint64_t tables_end;      /* end of the page-table pages (exclusive) */
    uint64_t kernel_phys_lo, kernel_phys_hi;
    uint64_t initrd_phys, initrd_size;
    uint64_t stack_top;       /* virtual (direct map) */
};

/* Load and enter-prepare: on success cpu->rip is the kernel entry and the
 * next cpu_run() executes the kernel's first instruction.  Returns 0, or -1
 * with a one-line reason in err (e.g. "the kernel (3 MiB at 0x100000) does
 * not fit in 2 MiB of RAM: use --ram 8M or more"). */
int loader_boot(struct cpu *cpu, const struct boot_params *p, struct boot_layout *out, char *err,
                size_t errlen);

/* Where loader_boot puts the initrd for this kernel: the first page after
 * its image.  An initrd built there beforehand is not copied again. */
uint64_t loader_initrd_phys(const struct elf_file *kernel);

#endif
