/* internal.h — the stub's state, shared by the files of gdbstub/ (one
 * concern each: stub.c the connection and run loop, commands.c the
 * packets, threads.c the guest's threads, monitor.c `monitor`). */
#ifndef RINGSCOPE_GDBSTUB_INTERNAL_H
#define RINGSCOPE_GDBSTUB_INTERNAL_H
#include "gdbstub.h"
#include "packet.h"
#include "target.h"

#define GDB_MAX_POINTS 128
/* The thread gdb sees before the kernel's first context switch. */
#define GDB_BOOT_TID 0x7ffffff0

/* A Z packet's breakpoint or watchpoint, and the session's id for it. */
struct gdb_point {
    int type;            /* 0..4 as in Z0..Z4; -1 free */
    uint64_t addr, kind;
    int id;
};

struct gdbstub {
    struct dbg *d;
    int listen_fd, fd;
    char host[64];
    uint16_t port;
    struct gdb_reader reader;
    bool no_ack;
    bool running;                 /* gdb resumed the machine: it waits for a stop reply */
    bool interrupted;             /* ^C while running */
    bool finished;                /* k or D */
    bool killed;
    int32_t g_thread;             /* Hg: whose registers and memory; 0 = the one on the CPU */
    struct gdb_point points[GDB_MAX_POINTS];
    uint8_t *reply;               /* a reply being built, GDB_PACKET_SIZE bytes */
    char *frame;                  /* a framed packet */
    char last_stop[128];          /* for '?' */
};

/* Send one packet (binary: escape it).  False when the connection broke. */
bool gdb_send(struct gdbstub *s, const void *payload, size_t len, bool binary);
bool gdb_send_str(struct gdbstub *s, const char *text);

/* commands.c: one packet's data (NUL-terminated, escapes kept). */
void gdb_handle_packet(struct gdbstub *s, char *data, size_t len);
/* The stop reply for how the session stopped last. */
void gdb_stop_reply(struct gdbstub *s, char *out, size_t cap);

/* threads.c */
struct gdb_thread {
    int32_t tid, pid;
    bool on_cpu;
};
size_t gdb_threads(struct gdbstub *s, struct gdb_thread *out, size_t max);
int32_t gdb_current_tid(struct gdbstub *s);
bool gdb_thread_alive(struct gdbstub *s, int32_t tid);
/* Registers of a thread that is not on the CPU, from its trap frame in
 * the kernel's tables: false when it has none (a gone thread). */
bool gdb_thread_frame(struct gdbstub *s, int32_t tid, struct gdb_frame_regs *frame);
/* The address space (CR3) of a thread's process; the current CR3 for the
 * thread on the CPU or when unknown. */
uint64_t gdb_thread_cr3(struct gdbstub *s, int32_t tid);
void gdb_thread_describe(struct gdbstub *s, int32_t tid, char *out, size_t cap);

/* Memory of the address space at cr3, page by page through mmu_peek: no
 * TLB fill, no Accessed/Dirty bit, no fault.  Bytes done. */
size_t gdb_read_memory(struct gdbstub *s, uint64_t cr3, uint64_t va, void *dst, size_t n);
size_t gdb_write_memory(struct gdbstub *s, uint64_t cr3, uint64_t va, const void *src, size_t n);

/* monitor.c: run one `monitor` command line, output into out. */
void gdb_monitor(struct gdbstub *s, const char *line, char *out, size_t cap);

#endif
