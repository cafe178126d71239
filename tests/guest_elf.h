/* guest_elf.h — test support: build a bare-metal test guest kernel from
 * tests/guests-elf/NAME.S into an ELF64 linked at the higher half
 * (tests/guests-elf/kernel.ld), the way the real kernel will be linked, so
 * tests go through the real loader.  Tests run from the repository root. */
#ifndef RINGSCOPE_TEST_GUEST_ELF_H
#define RINGSCOPE_TEST_GUEST_ELF_H
#include <stddef.h>
#include <stdint.h>

#define GUEST_ELF_DIR "build/guests-elf"

/* Assemble and link NAME; path receives GUEST_ELF_DIR "/NAME.elf".
 * Returns 0, or -1 (the tool's messages are on stderr). */
int guest_elf_build(const char *name, char *path, size_t pathlen);

/* The address of `symbol` in the ELF file `elf` as `nm` prints it (an
 * oracle independent of trace/symbols.c), or 0 if nm does not list it. */
uint64_t guest_elf_symbol(const char *elf, const char *symbol);

#endif
