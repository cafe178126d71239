/* machine.h — the board: one x86-64 CPU, RAM, the PC devices on the port
 * bus, the boot loader, virtual time and the run loop.  The API the CLI,
 * the tests, the tracer and the debugger share: create a machine from a
 * config, run it until an event, inspect and modify its state, free it.
 *
 * Virtual time (see machine/README.md): the virtual CPU retires one
 * instruction per nanosecond (MACHINE_INSNS_PER_SECOND = 1e9, a 1 GHz
 * machine), so virtual time = instructions retired + time skipped while
 * idle.  HLT with RFLAGS.IF = 1 skips straight to the next device deadline
 * (PIT tick, UART timeout, scripted key, host input): an idle guest costs
 * no host time and every run with the same inputs is identical.  Interrupts
 * are taken only at instruction boundaries (the CPU's run loop does that);
 * a device deadline ends the current slice of cpu_run exactly on time.
 *
 * Ports (all other ports read 0xFF.., writes are ignored):
 *   0x20-0x21, 0xA0-0xA1  8259 PIC pair        0x40-0x43  8254 PIT (IRQ0)
 *   0x60, 0x64            i8042 + keyboard (IRQ1)
 *   0x3F8-0x3FF           16550 UART COM1 (IRQ4): TX -> console, RX <- host input
 *   0x2F8-0x2FF           16550 UART COM2 (IRQ3): TX -> the guest's stderr
 *   0x1F0-0x1F7, 0x3F6    ATA PIO disk (IRQ14)
 *   0xE9, exit, OS-event  the debug ports (machine/debugport.h) */
#ifndef RINGSCOPE_MACHINE_H
#define RINGSCOPE_MACHINE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "../cpu/cpu.h"
#include "cpio.h"
#include "elf.h"
#include "keys.h"
#include "loader.h"
#include "watch.h"

#define MACHINE_INSNS_PER_SECOND 1000000000ull /* 1 instruction = 1 ns of virtual time */
#define MACHINE_DEFAULT_RAM (256ull << 20)
#define MACHINE_DEFAULT_DISK (64ull << 20)     /* in-memory disk when no --disk is given */

struct machine;

struct machine_config {
    uint64_t ram_size;             /* bytes; 0 = MACHINE_DEFAULT_RAM */
    const char *kernel_path;       /* guest kernel ELF (required) */
    /* The program to run: put in the initrd with its arguments (see cpio.h).
     * NULL: boot the kernel with no initrd (bare-metal test guests). */
    const char *program_path;
    int argc;                      /* arguments after the program name */
    char *const *argv;
    const struct initrd_file *files;
    size_t nfiles;
    const char *keys_script;       /* --keys text, or NULL */
    const char *keys_file;         /* --keys-file path, or NULL */
    const char *disk_path;         /* --disk FILE, or NULL for an in-memory disk */
    uint64_t disk_size;            /* in-memory disk bytes; 0 = MACHINE_DEFAULT_DISK */
    /* Console input (UART RX): bytes given up front, then (if
     * input_from_stdin) whatever can be read from the host's stdin. */
    const void *input;
    size_t input_len;
    bool input_from_stdin;
    /* Without stdin: once input is given (and read by the guest), the host
     * side hangs up (MSR.DCD drops), as at the end of a piped stdin, so
     * the guest reads end of file.  false: the line stays up and
     * machine_input can add more later. */
    bool input_ends;
    /* What the guest kernel is told (kernel command line "tty=...
     * winsize=COLSxROWS", os/tty.c) about the host's side of the line:
     * stdin is a terminal (the guest console is one: echo, line editing,
     * ^C...), and whether stdout / stderr are that terminal too. */
    bool stdin_is_terminal, stdout_is_terminal, stderr_is_terminal;
    uint16_t term_cols, term_rows;  /* the host terminal's window; 0 = unknown */
    /* An interactive session: while the guest idles, virtual time passes
     * at host speed (waiting for host input) instead of jumping to the
     * next deadline.  Runs are then not reproducible; the CLI sets it only
     * when stdin is a terminal. */
    bool idle_in_real_time;
    /* Outputs.  NULL sinks collect the bytes in machine_console()/
     * machine_stderr()/machine_kernel_log(). */
    void (*console_out)(void *ctx, const uint8_t *bytes, size_t n); /* COM1 TX: the guest's stdout */
    void (*stderr_out)(void *ctx, const uint8_t *bytes, size_t n);  /* COM2 TX: the guest's stderr */
    void (*kernel_log_out)(void *ctx, const uint8_t *bytes, size_t n); /* port 0xE9 */
    void *out_ctx;
    /* Hand every byte of the guest's stdout and stderr to its sink as it is
     * sent (default: in batches, per run slice).  For a trace that shares
     * the stream: the sink writes the trace so far first, so the two stay
     * in the order they happened. */
    bool output_unbuffered;
};

/* Create the board, load the kernel (and the initrd), ready to run the
 * kernel's first instruction.  NULL with a one-line reason in err (naming
 * the offending file or option) on any bad input. */
struct machine *machine_new(const struct machine_config *config, char *err, size_t errlen);
void machine_free(struct machine *m);

/* ---- running ---------------------------------------------------------- */

enum machine_event {
    MEV_BUDGET,        /* ran the instructions asked for (max_insns) */
    MEV_EXIT,          /* the guest wrote the exit port: machine_exit_status() */
    MEV_BREAKPOINT,    /* RIP reached a breakpoint (before executing it) */
    MEV_EXCEPTION,     /* an exception or interrupt with the chosen vector was delivered (RIP = handler) */
    MEV_SYSCALL,       /* a SYSCALL instruction retired (RIP = LSTAR target, CPL 0) */
    MEV_RING_CHANGE,   /* CPL changed (interrupt, exception, syscall, sysret, iretq) */
    MEV_TRIPLE_FAULT,  /* a fault while delivering #DF: the machine shut down */
    MEV_HALTED,        /* HLT with interrupts disabled and nothing to wake the CPU */
    MEV_IDLE,          /* HLT with interrupts enabled but no device will ever interrupt */
    MEV_REQUEST,       /* an attached watcher's callback asked to stop (machine_stop.watcher) */
};

/* What machine_run stops at besides exits and machine failures.  Zero-init
 * means: run until the guest exits. */
struct machine_until {
    uint64_t max_insns;            /* 0 = no budget (a watcher's deadline: watch.h) */
    const uint64_t *breakpoints;   /* RIP values */
    size_t nbreakpoints;
    int vector;                    /* stop after delivering this vector; -1 or 0..255 */
    bool any_exception;            /* ... or after delivering any vector */
    bool syscall;
    bool ring_change;
    /* 0, or a virtual time a halted CPU may not skip past: idle time up to
     * it passes, then the run ends (MEV_BUDGET).  An interactive window
     * paces an idle guest to real time with it; a timer deadline before it
     * is skipped to as usual. */
    uint64_t idle_until_ns;
};
#define MACHINE_UNTIL_EXIT ((struct machine_until){.vector = -1})

struct machine_stop {
    enum machine_event event;
    uint8_t vector;                /* MEV_EXCEPTION */
    uint8_t cpl_before, cpl_after; /* MEV_RING_CHANGE */
    uint64_t rip;                  /* RIP when the machine stopped */
    struct watcher *watcher;       /* who stopped it: the run's own conditions, an
                                    * attached watcher (MEV_REQUEST, or MEV_BUDGET for
                                    * its deadline), or NULL */
};

/* Run until one of the events.  A machine that has exited, shut down or
 * halted with interrupts disabled stays stopped: later calls return the
 * same event.  MEV_IDLE is not final: after machine_input or machine_key
 * the guest can run again. */
struct machine_stop machine_run(struct machine *m, const struct machine_until *until);
/* Execute exactly n instructions (fewer if the machine stops first). */
struct machine_stop machine_step(struct machine *m, uint64_t n);

/* Give a key-down/up to the PS/2 keyboard now (the debugger's live keys). */
void machine_key(struct machine *m, enum key key, bool down);
/* Give console input now (bytes taken; the UART's host-side queue is finite). */
size_t machine_input(struct machine *m, const void *bytes, size_t n);

/* ---- observing and state ---------------------------------------------- */

/* Watchers (watch.h): the tracer, the debugger, tests — any number at
 * once, each getting the event kinds it asked for with their context.
 * Attach between runs, never from inside a callback.  -1 when full. */
int machine_attach(struct machine *m, struct watcher *w);
void machine_detach(struct machine *m, struct watcher *w);
struct watch_hub *machine_watch_hub(struct machine *m);

struct cpu *machine_cpu(struct machine *m);
struct mmu *machine_mmu(struct machine *m);
uint64_t machine_time_ns(const struct machine *m);   /* virtual time */
uint64_t machine_idle_ns(const struct machine *m);   /* of which skipped by HLT */
const struct boot_layout *machine_boot_layout(const struct machine *m);
const struct elf_file *machine_kernel(const struct machine *m);
/* The value the guest wrote to the exit port (32 bits), -1 until MEV_EXIT. */
int64_t machine_exit_status(const struct machine *m);
/* Bytes written to the console (COM1) / stderr (COM2) / kernel log when
 * the config gave no sink. */
const uint8_t *machine_console(const struct machine *m, size_t *len);
const uint8_t *machine_stderr(const struct machine *m, size_t *len);
const uint8_t *machine_kernel_log(const struct machine *m, size_t *len);

/* Read/write guest virtual memory through the current page tables without
 * faulting the guest or touching A/D bits (the debugger's memory view).
 * Returns the bytes done (stops at the first unmapped page). */
size_t machine_read_virt(struct machine *m, uint64_t va, void *dst, size_t n);
size_t machine_write_virt(struct machine *m, uint64_t va, const void *src, size_t n);

/* Snapshots (machine/snapshot.c) save the CPU, RAM and the disk themselves;
 * the rest of the board — devices, virtual time, key-script cursor, console
 * capture lengths, exit/stop state — is copied as one opaque block of
 * machine_board_state_size() bytes.  A block is only valid for the machine
 * that saved it.  The disk's bytes: NULL for a disk backed by a host file. */
size_t machine_board_state_size(void);
void machine_board_state_save(struct machine *m, void *block);
void machine_board_state_load(struct machine *m, const void *block);
uint8_t *machine_disk_memory(struct machine *m, uint64_t *bytes);

/* --stats: instructions, virtual time, host time and MIPS, TLB hit rate,
 * page walks, exceptions and interrupts by vector. */
void machine_print_stats(struct machine *m, FILE *out, double host_seconds);

#endif
