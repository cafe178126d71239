/* debugport.h — the machine's paravirtual ports for the guest kernel (the
 * protocol is os/abi/osevent.h): the kernel log at 0xE9, OS-event records
 * at 0x500/0x504, and the exit port 0xF4.
 *
 * The board routes any port for which debugport_handles() is true to
 * debugport_read/debugport_write and supplies callbacks:
 *   log(ctx, line, len)     one complete kernel-log line, without its '\n'
 *                           (lines longer than DEBUGPORT_LINE_MAX are cut
 *                           into pieces of that size; debugport_flush emits
 *                           an unfinished last line, e.g. at exit)
 *   event(ctx, ev)          a decoded OS event (ev valid during the call)
 *   exit(ctx, status)       the guest wrote the exit port; the board stops
 *                           the machine (the device also records it)
 *   read_phys(ctx, pa, buf, len)  copy guest-physical memory; 0, or -1 when
 *                           [pa, pa+len) is not all RAM
 * Any callback may be NULL (read_phys NULL: every record is invalid). */
#ifndef RINGSCOPE_DEBUGPORT_H
#define RINGSCOPE_DEBUGPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../os/abi/osevent.h"

#define DEBUGPORT_LINE_MAX 1024
#define OS_EVENT_INVALID 0

/* A decoded osev_record. */
struct os_event {
    int type;                   /* enum osev_type, or OS_EVENT_INVALID */
    uint32_t pid, tid;          /* reporting context */
    uint64_t record_pa;         /* where the record was read */
    union {
        struct { uint64_t start, length; uint32_t prot; } vma;      /* VMA_* */
        struct { uint64_t va, frame, slot; } page;                  /* PAGE_IN/OUT */
        struct { uint32_t pid, parent; int32_t status; } proc;      /* PROC_*; parent: create, status: exit */
        struct { uint32_t tid, pid; int32_t status; } thread;       /* THREAD_* */
        struct {
            uint32_t old_pid, old_tid, new_pid, new_tid;
            uint64_t old_cr3, new_cr3;
        } sw;                                                       /* CONTEXT_SWITCH */
        struct { uint32_t number; } syscall;                        /* SYSCALL_NAME */
        struct { uint64_t rip; } panic;                             /* PANIC */
    };
    char text[OSEV_TEXT_SIZE + 1]; /* program / syscall name, panic message; "" otherwise */
    const char *invalid_reason;    /* OS_EVENT_INVALID: why */
};

struct debugport_callbacks {
    void *ctx;
    void (*log)(void *ctx, const char *line, size_t len);
    void (*event)(void *ctx, const struct os_event *ev);
    void (*exit)(void *ctx, uint32_t status);
    int (*read_phys)(void *ctx, uint64_t pa, void *buf, size_t len);
};

struct debugport {
    struct debugport_callbacks cb;
    char line[DEBUGPORT_LINE_MAX];
    size_t line_len;
    uint32_t record_addr_hi;    /* OSEV_ADDR_HI_PORT latch */
    bool exited;
    uint32_t exit_status;
    uint64_t events, invalid_events;
};

void debugport_init(struct debugport *dp, const struct debugport_callbacks *cb);
bool debugport_handles(uint16_t port);
/* Absolute port numbers. */
uint32_t debugport_read(struct debugport *dp, uint16_t port, unsigned size);
void debugport_write(struct debugport *dp, uint16_t port, unsigned size, uint32_t value);
void debugport_flush(struct debugport *dp);

/* Short stable names for traces: "vma-reserve", "page-in", "context-switch",
 * ... ("invalid" for OS_EVENT_INVALID, "unknown" otherwise). */
const char *os_event_type_name(int type);

#endif
