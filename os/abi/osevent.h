/* osevent.h — how the guest kernel talks to the machine outside the PC
 * devices: its log, the OS-event records the tracer and debugger show, and
 * the exit port.  Shared ABI between host (machine/debugport.c) and guest
 * (os/): plain stdint types, fixed layout, nothing else.
 *
 * Ports (x86 OUT instructions):
 *   0xE9  OSEV_LOG_PORT    8-bit OUT: one byte of the kernel log (lines end
 *                          with '\n').  An 8-bit IN returns 0xE9 (presence
 *                          check, as on Bochs/QEMU).
 *   0xF4  OSEV_EXIT_PORT   OUT of any size: the machine stops; the value
 *                          written is its exit status (the ringscope process
 *                          exits with status & 0xFF — write 128+n for "killed
 *                          by signal n").  Same port as the test harness and
 *                          QEMU's isa-debug-exit, without QEMU's (v<<1)|1.
 *   0x504 OSEV_ADDR_HI_PORT 32-bit OUT: bits 63:32 of the next record's
 *                          guest-physical address (sticky; 0 at power-on).
 *   0x500 OSEV_ADDR_LO_PORT 32-bit OUT: bits 31:0 of a record's guest-physical
 *                          address; the write delivers the record.
 * Reporting an event: fill a struct osev_record anywhere in RAM (no
 * alignment needed; it must not cross the end of RAM), then
 *     outl(OSEV_ADDR_HI_PORT, pa >> 32);   (once, if records live above 4 GiB)
 *     outl(OSEV_ADDR_LO_PORT, (uint32_t)pa);
 * The machine reads the record during the OUT, so the buffer may be reused
 * as soon as the OUT retires.  A record with a wrong magic, an unknown type
 * or an address outside RAM is reported to the tracer as an invalid event
 * (and otherwise ignored). */
#ifndef RINGSCOPE_ABI_OSEVENT_H
#define RINGSCOPE_ABI_OSEVENT_H
#include <stdint.h>

#define OSEV_LOG_PORT 0xE9
#define OSEV_EXIT_PORT 0xF4
#define OSEV_ADDR_LO_PORT 0x500
#define OSEV_ADDR_HI_PORT 0x504

#define OSEV_MAGIC 0x5645534Fu /* "OSEV" little-endian */
#define OSEV_TEXT_SIZE 64

/* Record types and the meaning of arg[] and text for each.  pid/tid in the
 * record header are the reporting context (the current process/thread, 0
 * for the kernel itself). */
enum osev_type {
    /* Virtual memory areas: arg0 start VA, arg1 length in bytes, arg2 prot
     * (OSEV_PROT_* bits). */
    OSEV_VMA_RESERVE = 1,   /* address space set aside, no backing */
    OSEV_VMA_COMMIT = 2,    /* backed on first touch */
    OSEV_VMA_DECOMMIT = 3,  /* backing dropped, still reserved */
    OSEV_VMA_RELEASE = 4,   /* address space returned */
    /* Paging: arg0 page VA, arg1 physical frame address, arg2 swap slot. */
    OSEV_PAGE_IN = 5,       /* read back from the pagefile slot into the frame */
    OSEV_PAGE_OUT = 6,      /* written from the frame to the pagefile slot */
    /* Processes: arg0 pid, arg1 parent pid (create) / exit status (exit);
     * text: the program name (create). */
    OSEV_PROC_CREATE = 7,
    OSEV_PROC_EXIT = 8,
    /* Threads: arg0 tid, arg1 pid, arg2 exit status (exit). */
    OSEV_THREAD_CREATE = 9,
    OSEV_THREAD_EXIT = 10,
    /* Context switch: arg0 old pid, arg1 old tid, arg2 new pid, arg3 new tid,
     * arg4 old CR3, arg5 new CR3. */
    OSEV_CONTEXT_SWITCH = 11,
    /* Syscall name hint: arg0 syscall number, text its name ("openat"). */
    OSEV_SYSCALL_NAME = 12,
    /* Kernel panic: arg0 RIP of the caller, text the message. */
    OSEV_PANIC = 13,
};

#define OSEV_PROT_READ 0x1u
#define OSEV_PROT_WRITE 0x2u
#define OSEV_PROT_EXEC 0x4u

/* 128 bytes, every field naturally aligned. */
struct osev_record {
    uint32_t magic;         /* OSEV_MAGIC */
    uint16_t type;          /* enum osev_type */
    uint16_t reserved;      /* 0 */
    uint32_t pid;           /* reporting process */
    uint32_t tid;           /* reporting thread */
    uint64_t arg[6];
    char text[OSEV_TEXT_SIZE]; /* NUL-terminated unless all 64 bytes are used */
};

_Static_assert(sizeof(struct osev_record) == 128, "osev_record layout");

#endif
