/* kernelpeek — ring 3 tries to read kernel memory, and the MMU says no.
 *
 * The kernel's half of the address space is mapped in every process's page
 * tables — ringscope's kernel maps all of RAM at 0xffff800000000000 (its
 * "direct map") — but with the U/S bit clear in its page-table entries:
 * supervisor only.  A load from ring 3 walks the tables, finds the page
 * present but not user-accessible, and raises #PF with error code 0x5
 * (bit 0 P = the page is present, bit 2 U/S = the access came from user
 * mode; SDM Vol. 3A, 4.7).  The kernel kills the process with SIGSEGV.
 *
 * What it prints: the address it is about to read, then nothing more — if a
 * value were printed, any program could read any other's memory.
 *
 * Watch in ringscope:
 *   ringscope run kernelpeek                    the kernel's message, exit 139
 *   ringscope run --trace=exception,walk kernelpeek
 *                     the page walk that finds U/S = 0, and #PF error code 0x5
 *                     with CR2 = 0xffff800000000000 */
#include <stdint.h>
#include <stdio.h>

#define KERNEL_DIRECT_MAP 0xffff800000000000ull

int main(void)
{
    volatile const uint64_t *kernel = (volatile const uint64_t *)KERNEL_DIRECT_MAP;
    printf("kernelpeek: reading 8 bytes at 0x%llx (kernel memory) from ring 3...\n", KERNEL_DIRECT_MAP);
    fflush(stdout);
    uint64_t value = *kernel;
    printf("read 0x%llx: user code can read kernel memory, isolation is broken\n", (unsigned long long)value);
    return 1;
}
