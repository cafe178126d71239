/* events.c — OS-event records for the machine's tracer and debugger.
 *
 * Protocol (os/abi/osevent.h): fill a 128-byte record in RAM, then write its
 * physical address to the OS-event ports; the machine reads the record
 * during the OUT.  One static record is enough: the kernel is one CPU with
 * interrupts off, and the buffer may be reused as soon as the OUT retires. */
#include "events.h"
#include "memlayout.h"
#include "proc.h"
#include "string.h"
#include "x86.h"

static struct osev_record record;

void osev_report(enum osev_type type, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                 uint64_t a5, const char *text)
{
    struct thread *t = current_thread();
    memset(&record, 0, sizeof record);
    record.magic = OSEV_MAGIC;
    record.type = (uint16_t)type;
    record.pid = t ? (uint32_t)t->proc->pid : 0;
    record.tid = t ? (uint32_t)t->tid : 0;
    uint64_t args[6] = {a0, a1, a2, a3, a4, a5};
    memcpy(record.arg, args, sizeof args);
    if (text)
        memcpy(record.text, text, strnlen(text, OSEV_TEXT_SIZE));
    uint64_t pa = kernel_v2p(&record);
    outl(OSEV_ADDR_HI_PORT, (uint32_t)(pa >> 32));
    outl(OSEV_ADDR_LO_PORT, (uint32_t)pa);
}
