/* machine.c — the board (see machine.h): wires the CPU's bus to the
 * devices, the devices' interrupt outputs to the 8259 pair and its INTR
 * output to the CPU, keeps virtual time, and runs the CPU in slices that
 * end exactly at the next device deadline. */
#include "machine.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../os/abi/bootinfo.h"
#include "ata.h"
#include "debugport.h"
#include "keys.h"
#include "pic.h"
#include "pit.h"
#include "ps2.h"
#include "uart.h"

/* The longest slice between two looks at host input and output flushes:
 * 1 ms of virtual time. */
#define SLICE_MAX 1000000ull
/* Captured console / kernel-log bytes kept when no sink is given. */
#define CAPTURE_MAX (16u << 20)

struct byte_sink {
    void (*out)(void *ctx, const uint8_t *bytes, size_t n);
    void *ctx;
    uint8_t pending[4096];  /* bytes not yet handed to out */
    size_t npending;
    uint8_t *captured;      /* out == NULL: everything, up to CAPTURE_MAX */
    size_t ncaptured, capacity;
    bool unbuffered;        /* every byte to out at once */
};

struct machine {
    struct mmu *mmu;
    struct bus bus;
    struct cpu *cpu;
    struct pic pic;
    struct pit pit;
    struct uart uart;
    struct uart uart2;         /* COM2: the guest's stderr */
    struct ps2 ps2;
    struct ata ata;
    struct debugport debugport;
    struct key_script keys;
    struct key_cursor key_cursor;

    struct elf_file kernel;
    struct boot_layout layout;
    uint64_t idle_ns;          /* virtual time skipped by HLT */
    uint64_t slice_end_ns;     /* the current cpu_run slice ends here */

    struct byte_sink console, errors, kernel_log;
    const uint8_t *input;      /* config input not yet given to the UART */
    size_t input_left;
    int input_fd;
    bool input_ends;           /* hang up once the config input is given */
    bool idle_in_real_time;

    /* Watching and stopping (watch.h): the hub, and the watcher that
     * carries machine_run's own stop conditions. */
    struct watch_hub *hub;
    struct watcher until_watcher;
    const struct machine_until *until;
    bool have_stop;                /* until_watcher found a stop condition */
    struct machine_stop stop;
    bool finished;                 /* exited, shut down or halted for good */
    struct machine_stop final;
    int64_t exit_status;           /* -1 until the exit port is written */
};

/* ---- virtual time ----------------------------------------------------- */

uint64_t machine_time_ns(const struct machine *m) { return m->cpu->icount + m->idle_ns; }
uint64_t machine_idle_ns(const struct machine *m) { return m->idle_ns; }

/* Bring every timed device up to now (their contract: before a port access
 * and when now reaches their deadline). */
static void advance_devices(struct machine *m, uint64_t now)
{
    pit_advance(&m->pit, now);
    uart_advance(&m->uart, now);
    uart_advance(&m->uart2, now);
}

/* The earliest virtual time at which a device or the key script has
 * something to do. */
static uint64_t next_deadline(const struct machine *m)
{
    uint64_t d = pit_next_deadline(&m->pit), u = uart_next_deadline(&m->uart),
             u2 = uart_next_deadline(&m->uart2), k = keys_next_deadline(&m->key_cursor);
    if (u < d) d = u;
    if (u2 < d) d = u2;
    if (k < d) d = k;
    return d;
}

/* The next instruction-count event of the key script, UINT64_MAX if none. */
static uint64_t next_key_insn(const struct machine *m)
{
    const struct key_cursor *c = &m->key_cursor;
    size_t i = c->script->count_ns + c->next_insn;
    return i < c->script->count ? c->script->events[i].at : UINT64_MAX;
}

/* ---- byte sinks (console, kernel log) ---------------------------------- */

static void sink_flush(struct byte_sink *s)
{
    if (s->npending && s->out)
        s->out(s->ctx, s->pending, s->npending);
    s->npending = 0;
}

static void sink_put(struct byte_sink *s, uint8_t byte)
{
    if (!s->out) {
        if (s->ncaptured == s->capacity && s->capacity < CAPTURE_MAX) {
            size_t cap = s->capacity ? s->capacity * 2 : 4096;
            uint8_t *p = realloc(s->captured, cap);
            if (p) {
                s->captured = p;
                s->capacity = cap;
            }
        }
        if (s->ncaptured < s->capacity)
            s->captured[s->ncaptured++] = byte;
        return;
    }
    s->pending[s->npending++] = byte;
    if (s->npending == sizeof s->pending || s->unbuffered)
        sink_flush(s);
}

/* stdout and stderr are often one place (a terminal, `2>&1`): a byte on
 * one line first sends what the other holds, so they arrive in the order
 * the guest wrote them. */
static void console_tx(void *ctx, uint8_t byte)
{
    struct machine *m = ctx;
    sink_flush(&m->errors);
    sink_put(&m->console, byte);
}

static void stderr_tx(void *ctx, uint8_t byte)
{
    struct machine *m = ctx;
    sink_flush(&m->console);
    sink_put(&m->errors, byte);
}

/* ---- host input -> UART RX --------------------------------------------- */

/* Move console input into the UART's wire queue as far as it has room.
 * block: wait for the host descriptor (the guest is idle and waiting). */
static void feed_input(struct machine *m, bool block)
{
    if (m->input_left) {
        size_t n = uart_push_rx(&m->uart, m->input, m->input_left);
        m->input += n;
        m->input_left -= n;
    }
    if (!m->input_left && m->input_fd < 0 && m->input_ends) {
        m->input_ends = false;
        uart_rx_close(&m->uart);
    }
    while (!m->input_left && m->input_fd >= 0 && uart_rx_room(&m->uart) > 0) {
        struct pollfd p = {.fd = m->input_fd, .events = POLLIN};
        int r = poll(&p, 1, block ? -1 : 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        uint8_t buf[UART_WIRE_SIZE];
        size_t room = uart_rx_room(&m->uart);
        ssize_t got = read(m->input_fd, buf, room < sizeof buf ? room : sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) { /* end of input (or an unreadable descriptor: same to the guest) */
            m->input_fd = -1;
            uart_rx_close(&m->uart);
            return;
        }
        uart_push_rx(&m->uart, buf, (size_t)got);
        block = false;
    }
}

/* The guest took the last byte on the wire: refill it now (without
 * blocking) instead of at the next slice. */
static void rx_drained(void *ctx) { feed_input(ctx, false); }

size_t machine_input(struct machine *m, const void *bytes, size_t n)
{
    return uart_push_rx(&m->uart, bytes, n);
}

/* ---- the bus ---------------------------------------------------------- */

static uint32_t all_ones(unsigned size) { return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1; }

static uint32_t port_in(void *ctx, uint16_t port, unsigned size)
{
    struct machine *m = ctx;
    uint64_t now = machine_time_ns(m);
    if (debugport_handles(port))
        return debugport_read(&m->debugport, port, size);
    switch (port) {
    case PIC_MASTER_CMD: case PIC_MASTER_DATA: case PIC_SLAVE_CMD: case PIC_SLAVE_DATA:
        return pic_read(&m->pic, port, size);
    case PIT_BASE_PORT ... PIT_CONTROL_PORT:
        pit_advance(&m->pit, now);
        return pit_read(&m->pit, port - PIT_BASE_PORT, size);
    case UART_COM1_BASE ... UART_COM1_BASE + 7:
        uart_advance(&m->uart, now);
        return uart_read(&m->uart, port - UART_COM1_BASE, size);
    case UART_COM2_BASE ... UART_COM2_BASE + 7:
        uart_advance(&m->uart2, now);
        return uart_read(&m->uart2, port - UART_COM2_BASE, size);
    case PS2_DATA_PORT: case PS2_STATUS_PORT:
        return ps2_read(&m->ps2, port, size);
    case ATA_PRIMARY_BASE ... ATA_PRIMARY_BASE + 7: case ATA_PRIMARY_CONTROL:
        return ata_read(&m->ata, port - ATA_PRIMARY_BASE, size);
    default:
        return all_ones(size);
    }
}

static void port_out(void *ctx, uint16_t port, unsigned size, uint32_t value)
{
    struct machine *m = ctx;
    uint64_t now = machine_time_ns(m);
    if (debugport_handles(port)) {
        debugport_write(&m->debugport, port, size, value);
        return;
    }
    switch (port) {
    case PIC_MASTER_CMD: case PIC_MASTER_DATA: case PIC_SLAVE_CMD: case PIC_SLAVE_DATA:
        pic_write(&m->pic, port, size, value);
        return;
    case PIT_BASE_PORT ... PIT_CONTROL_PORT:
        pit_advance(&m->pit, now);
        pit_write(&m->pit, port - PIT_BASE_PORT, size, value);
        break;
    case UART_COM1_BASE ... UART_COM1_BASE + 7:
        uart_advance(&m->uart, now);
        uart_write(&m->uart, port - UART_COM1_BASE, size, value);
        break;
    case UART_COM2_BASE ... UART_COM2_BASE + 7:
        uart_advance(&m->uart2, now);
        uart_write(&m->uart2, port - UART_COM2_BASE, size, value);
        break;
    case PS2_DATA_PORT: case PS2_STATUS_PORT:
        ps2_write(&m->ps2, port, size, value);
        return;
    case ATA_PRIMARY_BASE ... ATA_PRIMARY_BASE + 7: case ATA_PRIMARY_CONTROL:
        ata_write(&m->ata, port - ATA_PRIMARY_BASE, size, value);
        return;
    default:
        return;
    }
    /* A new count or mode may have moved a deadline inside this slice:
     * end the slice so the run loop re-plans it. */
    if (next_deadline(m) < m->slice_end_ns)
        m->cpu->stop_request = 1;
}

/* The debug ports' callbacks: kernel log lines, OS events, exit. */
static void kernel_log_line(void *ctx, const char *line, size_t len)
{
    struct machine *m = ctx;
    for (size_t i = 0; i < len; i++)
        sink_put(&m->kernel_log, (uint8_t)line[i]);
    sink_put(&m->kernel_log, '\n');
    watch_log_line(m->hub, line, len);
}

static void os_event(void *ctx, const struct os_event *ev)
{
    watch_os_event(((struct machine *)ctx)->hub, ev);
}

static void guest_exit(void *ctx, uint32_t status)
{
    struct machine *m = ctx;
    m->exit_status = status;
    m->cpu->stop_request = 1;
}

static int read_phys(void *ctx, uint64_t pa, void *buf, size_t len)
{
    return mmu_phys_read(((struct machine *)ctx)->mmu, pa, buf, len) ? 0 : -1;
}

/* The CPU's INTA cycle and INTR pin. */
static uint8_t intr_ack(void *ctx) { return pic_ack(&((struct machine *)ctx)->pic); }
static void intr_changed(void *ctx, int level) { ((struct machine *)ctx)->cpu->intr_line = (uint8_t)level; }

/* ---- machine_run's stop conditions: a watcher like any other ----------- */

static bool request_stop(struct machine *m, struct machine_stop s)
{
    if (!m->have_stop) { /* the first condition met wins */
        m->have_stop = true;
        m->stop = s;
    }
    return true;
}

static bool is_breakpoint(const struct machine *m, uint64_t rip)
{
    const struct machine_until *u = m->until;
    for (size_t i = 0; u && i < u->nbreakpoints; i++)
        if (u->breakpoints[i] == rip)
            return true;
    return false;
}

/* A breakpoint stops *before* the instruction at its address: checked on
 * the RIP an instruction leaves behind, and on exception handlers. */
static bool until_event(void *ctx, const struct watch_event *e)
{
    struct machine *m = ctx;
    const struct machine_until *u = m->until;
    switch (e->kind) {
    case WATCH_INSN_DONE:
        if (is_breakpoint(m, e->rip))
            return request_stop(m, (struct machine_stop){.event = MEV_BREAKPOINT});
        return false;
    case WATCH_EXCEPTION: {
        const struct exc_event *x = e->exception;
        if (u->any_exception || u->vector == x->vector)
            return request_stop(m, (struct machine_stop){.event = MEV_EXCEPTION, .vector = x->vector});
        if (u->ring_change && x->cpl_before != x->cpl_after)
            return request_stop(m, (struct machine_stop){.event = MEV_RING_CHANGE, .cpl_before = x->cpl_before,
                                                         .cpl_after = x->cpl_after});
        if (is_breakpoint(m, x->handler))
            return request_stop(m, (struct machine_stop){.event = MEV_BREAKPOINT});
        return false;
    }
    case WATCH_TRANSFER:
        if (u->syscall && e->transfer.kind == RT_SYSCALL)
            return request_stop(m, (struct machine_stop){.event = MEV_SYSCALL});
        if (u->ring_change && e->transfer.cpl_before != e->transfer.cpl_after)
            return request_stop(m, (struct machine_stop){.event = MEV_RING_CHANGE,
                                                         .cpl_before = e->transfer.cpl_before,
                                                         .cpl_after = e->transfer.cpl_after});
        return false;
    default:
        return false;
    }
}

/* The until watcher wants just what u asks about, and its budget is a
 * deadline: an unconditional run costs nothing per instruction. */
static void watch_until(struct machine *m, const struct machine_until *u)
{
    uint32_t k = 0;
    if (u->nbreakpoints)
        k |= WATCH_BIT(WATCH_INSN_DONE) | WATCH_BIT(WATCH_EXCEPTION);
    if (u->vector >= 0 || u->any_exception || u->ring_change)
        k |= WATCH_BIT(WATCH_EXCEPTION);
    if (u->syscall || u->ring_change)
        k |= WATCH_BIT(WATCH_TRANSFER);
    m->until_watcher = (struct watcher){
        .stop_at = u->max_insns ? m->cpu->icount + u->max_insns : 0,
        .ctx = m,
    };
    watch_handle(&m->until_watcher, k, until_event);
    watch_attach(m->hub, &m->until_watcher);
}

int machine_attach(struct machine *m, struct watcher *w) { return watch_attach(m->hub, w); }
void machine_detach(struct machine *m, struct watcher *w) { watch_detach(m->hub, w); }
struct watch_hub *machine_watch_hub(struct machine *m) { return m->hub; }

/* ---- keys ------------------------------------------------------------- */

/* Give the keyboard every scripted event due at (icount, now). */
static void deliver_keys(struct machine *m, uint64_t icount, uint64_t now)
{
    const struct key_event *e;
    while ((e = keys_next_due(&m->key_cursor, icount, now)))
        ps2_key(&m->ps2, e->key, e->down);
}

void machine_key(struct machine *m, enum key key, bool down) { ps2_key(&m->ps2, key, down); }

/* ---- the run loop ----------------------------------------------------- */

static struct machine_stop finish(struct machine *m, struct machine_stop s)
{
    debugport_flush(&m->debugport);
    sink_flush(&m->console);
    sink_flush(&m->errors);
    sink_flush(&m->kernel_log);
    s.rip = m->cpu->rip;
    m->finished = true;
    m->final = s;
    return s;
}

/* HLT with IF = 1 and no interrupt pending: jump virtual time to the next
 * deadline.  False when nothing can ever wake the CPU. */
/* Interactive sessions (machine_config.idle_in_real_time): wait for host
 * input at most until the deadline, in host time; returns the host
 * nanoseconds that passed (capped at the wait). */
static uint64_t wait_real_time(struct machine *m, uint64_t ns)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct pollfd p = {.fd = m->input_fd, .events = POLLIN};
    uint64_t ms = (ns + 999999) / 1000000;
    if (poll(&p, 1, ms > 1000 ? 1000 : (int)ms) > 0)
        feed_input(m, false);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t spent = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
    return spent < 0 ? 0 : (uint64_t)spent < ns ? (uint64_t)spent : ns;
}

static bool skip_idle_time(struct machine *m)
{
    uint64_t now = machine_time_ns(m), d = next_deadline(m);
    if (d != UINT64_MAX) {
        if (d > now && m->idle_in_real_time && m->input_fd >= 0 && uart_rx_room(&m->uart) > 0) {
            /* A person is typing: idle time passes as it does for them, so
             * `sleep 5` takes five seconds and ^C can land in it. */
            uint64_t spent = wait_real_time(m, d - now);
            m->idle_ns += spent;
            m->cpu->tsc_offset += spent;
        } else if (d > now) {
            /* The TSC counts virtual nanoseconds, halted or not. */
            m->idle_ns += d - now;
            m->cpu->tsc_offset += d - now;
        }
        return true;
    }
    /* No timed wake-up.  A key script event counted in instructions can't
     * be reached by a halted CPU: deliver it now.  Host input may still come. */
    uint64_t key_at = next_key_insn(m);
    if (key_at != UINT64_MAX) {
        deliver_keys(m, key_at, now);
        return true;
    }
    if (m->input_fd >= 0 && uart_rx_room(&m->uart) > 0) {
        feed_input(m, true);
        return true;
    }
    return false;
}

/* HLT, paced (machine_until.idle_until_ns): let idle time pass up to cap
 * unless a deadline comes first (then skip_idle_time goes to it).  True:
 * the run stops at cap. */
static bool idle_until(struct machine *m, uint64_t cap)
{
    uint64_t now = machine_time_ns(m), d = next_deadline(m);
    if (d == UINT64_MAX || d <= cap)
        return false;
    if (now < cap) {
        m->idle_ns += cap - now;
        m->cpu->tsc_offset += cap - now;
    }
    return true;
}

struct machine_stop machine_run(struct machine *m, const struct machine_until *until)
{
    if (m->finished)
        return m->final;
    static const struct machine_until exit_only = MACHINE_UNTIL_EXIT;
    m->until = until ? until : &exit_only;
    m->have_stop = false;
    watch_take_stop(m->hub); /* a stop asked for after the last run ended is stale */
    watch_until(m, m->until);
    struct cpu *cpu = m->cpu;
    struct machine_stop result;
    for (;;) {
        uint64_t now = machine_time_ns(m);
        advance_devices(m, now);
        deliver_keys(m, cpu->icount, now);
        feed_input(m, false);
        if (watch_deadline_reached(m->hub, cpu->icount)) {
            result = (struct machine_stop){.event = MEV_BUDGET, .rip = cpu->rip,
                                           .watcher = watch_take_stop(m->hub)};
            break;
        }
        /* This slice ends at the first of: a device deadline, a scripted
         * key counted in instructions, a watcher's deadline (the budget),
         * SLICE_MAX. */
        uint64_t slice = SLICE_MAX, d = next_deadline(m), k = next_key_insn(m),
                 w = watch_next_deadline(m->hub, cpu->icount);
        if (d != UINT64_MAX && d - now < slice) slice = d > now ? d - now : 1;
        if (k != UINT64_MAX && k - cpu->icount < slice) slice = k > cpu->icount ? k - cpu->icount : 1;
        if (w != UINT64_MAX && w - cpu->icount < slice) slice = w - cpu->icount;
        m->slice_end_ns = now + slice;
        enum cpu_stop why = cpu_run(cpu, slice);
        sink_flush(&m->console);
        sink_flush(&m->errors);
        sink_flush(&m->kernel_log);
        if (m->exit_status >= 0) {
            result = finish(m, (struct machine_stop){.event = MEV_EXIT});
            break;
        }
        if (why == STOP_TRIPLE_FAULT) {
            result = finish(m, (struct machine_stop){.event = MEV_TRIPLE_FAULT});
            break;
        }
        struct watcher *by = watch_take_stop(m->hub);
        if (m->have_stop) { /* the run's own condition wins over a watcher's request */
            result = m->stop;
            result.rip = cpu->rip;
            result.watcher = &m->until_watcher;
            break;
        }
        if (by) {
            result = (struct machine_stop){.event = MEV_REQUEST, .rip = cpu->rip, .watcher = by};
            break;
        }
        if (why == STOP_HALT && !cpu->intr_line) {
            if (!(cpu->rflags & RF_IF)) {
                result = finish(m, (struct machine_stop){.event = MEV_HALTED});
                break;
            }
            if (m->until->idle_until_ns && idle_until(m, m->until->idle_until_ns)) {
                result = (struct machine_stop){.event = MEV_BUDGET, .rip = cpu->rip};
                break;
            }
            if (!skip_idle_time(m)) { /* not final: input or a key may still come */
                result = (struct machine_stop){.event = MEV_IDLE, .rip = cpu->rip};
                break;
            }
        }
    }
    watch_detach(m->hub, &m->until_watcher);
    m->until = NULL;
    return result;
}

struct machine_stop machine_step(struct machine *m, uint64_t n)
{
    struct machine_until u = {.max_insns = n, .vector = -1};
    if (n == 0)
        return (struct machine_stop){.event = MEV_BUDGET, .rip = m->cpu->rip};
    return machine_run(m, &u);
}

/* ---- creating the board ----------------------------------------------- */

static unsigned long long mib_ceil(uint64_t bytes) { return (bytes + (1ull << 20) - 1) >> 20; }

/* The program to run: validated, and checked against RAM before it goes
 * into the initrd (its bytes sit in the initrd and its segments need room
 * again once the kernel loads it). */
/* cpio_init_sink's sink: the initrd's bytes at their place in guest RAM
 * (the writer stays below the limit build_initrd gives, the end of RAM). */
static void *initrd_span(void *ctx, size_t offset, size_t n)
{
    struct machine *m = ctx;
    return mmu_phys_fill(m->mmu, loader_initrd_phys(&m->kernel) + offset, n);
}

static int build_initrd(struct machine *m, const struct machine_config *c, struct cpio_writer *initrd,
                        char *err, size_t errlen)
{
    struct elf_file prog;
    char why[256];
    if (elf_open(&prog, c->program_path, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", c->program_path, why);
        return -1;
    }
    uint64_t need = prog.size + prog.load_memsz;
    uint64_t ram = mmu_ram_size(m->mmu);
    uint64_t room = ram > m->kernel.load_paddr_hi ? ram - m->kernel.load_paddr_hi : 0;
    if (need > room) {
        snprintf(err, errlen,
                 "%s: the program needs %llu MiB (file %llu KiB + segments %llu KiB) on top of the kernel's %llu MiB, but the guest has %llu MiB of RAM: use --ram %lluM or more",
                 c->program_path, mib_ceil(need), (unsigned long long)(prog.size >> 10),
                 (unsigned long long)(prog.load_memsz >> 10), mib_ceil(m->kernel.load_paddr_hi),
                 mib_ceil(ram),
                 mib_ceil(need + m->kernel.load_paddr_hi) + 16);
        elf_free(&prog);
        return -1;
    }
    /* Straight into RAM where the loader expects it (one copy of each
     * file); loader_boot then checks that it fitted. */
    uint64_t at = loader_initrd_phys(&m->kernel);
    cpio_init_sink(initrd, initrd_span, m, at < ram ? ram - at : 0);
    int rc = initrd_build_into(initrd, c->program_path, prog.data, prog.size, c->argc, c->argv, c->files,
                               c->nfiles, err, errlen);
    elf_free(&prog);
    return rc;
}

static int load_keys(struct machine *m, const struct machine_config *c, char *err, size_t errlen)
{
    char why[256];
    if (c->keys_script && c->keys_file) {
        snprintf(err, errlen, "--keys and --keys-file: give the key script one way, not both");
        return -1;
    }
    if (c->keys_script && keys_parse(c->keys_script, &m->keys, why, sizeof why) != 0) {
        snprintf(err, errlen, "--keys: %s", why);
        return -1;
    }
    if (c->keys_file && keys_parse_file(c->keys_file, &m->keys, why, sizeof why) != 0) {
        snprintf(err, errlen, "--keys-file: %s", why);
        return -1;
    }
    keys_cursor_init(&m->key_cursor, &m->keys);
    return 0;
}

/* What the kernel's tty layer needs to know about the host's side of the
 * console (os/tty.c reads it): "tty=stdin[,stdout][,stderr]" when the
 * host's stdin is a terminal, and "winsize=COLSxROWS". */
static void append_console_args(const struct machine_config *c, char *cmdline, size_t size)
{
    size_t len = strlen(cmdline);
    if (c->stdin_is_terminal)
        len += (size_t)snprintf(cmdline + len, size - len, "%stty=stdin%s%s", len ? " " : "",
                                c->stdout_is_terminal ? ",stdout" : "", c->stderr_is_terminal ? ",stderr" : "");
    if (len < size && c->term_cols && c->term_rows)
        snprintf(cmdline + len, size - len, "%swinsize=%ux%u", len ? " " : "", c->term_cols, c->term_rows);
}

struct machine *machine_new(const struct machine_config *c, char *err, size_t errlen)
{
    struct machine *m = calloc(1, sizeof *m);
    char why[256], cmdline[CPIO_NAME_MAX + 96] = "";
    struct cpio_writer initrd = {0};
    if (!m) {
        snprintf(err, errlen, "out of host memory");
        return NULL;
    }
    m->exit_status = -1;
    m->input_fd = -1;
    m->bus = (struct bus){.ctx = m, .port_in = port_in, .port_out = port_out, .intr_ack = intr_ack};
    uint64_t ram = c->ram_size ? c->ram_size : MACHINE_DEFAULT_RAM;
    if (!(m->mmu = mmu_new(ram, &m->bus, why, sizeof why))) {
        snprintf(err, errlen, "--ram: %s", why);
        free(m);
        return NULL;
    }
    if (!(m->cpu = cpu_new(m->mmu, &m->bus)) || !(m->hub = watch_hub_new(m->cpu))) {
        snprintf(err, errlen, "out of host memory");
        goto fail;
    }
    pic_init(&m->pic, intr_changed, m);
    pit_init(&m->pit, pic_irq, &m->pic);
    uart_init(&m->uart, UART_COM1_IRQ, pic_irq, &m->pic, console_tx, m);
    uart_on_rx_drained(&m->uart, rx_drained, m);
    uart_init(&m->uart2, UART_COM2_IRQ, pic_irq, &m->pic, stderr_tx, m);
    ps2_init(&m->ps2, pic_irq, &m->pic);
    debugport_init(&m->debugport, &(struct debugport_callbacks){
                                      .ctx = m, .log = kernel_log_line, .event = os_event,
                                      .exit = guest_exit, .read_phys = read_phys});
    int disk = c->disk_path ? ata_open_file(&m->ata, c->disk_path, pic_irq, &m->pic, why, sizeof why)
                            : ata_init_memory(&m->ata, c->disk_size ? c->disk_size : MACHINE_DEFAULT_DISK,
                                              pic_irq, &m->pic, why, sizeof why);
    if (disk != 0) {
        snprintf(err, errlen, "--disk: %s", why);
        goto fail;
    }
    m->console = (struct byte_sink){.out = c->console_out, .ctx = c->out_ctx,
                                    .unbuffered = c->output_unbuffered};
    m->errors = (struct byte_sink){.out = c->stderr_out, .ctx = c->out_ctx,
                                   .unbuffered = c->output_unbuffered};
    m->kernel_log = (struct byte_sink){.out = c->kernel_log_out, .ctx = c->out_ctx};
    m->input = c->input;
    m->input_left = c->input ? c->input_len : 0;
    m->input_fd = c->input_from_stdin ? STDIN_FILENO : -1;
    m->input_ends = c->input_ends && !c->input_from_stdin;
    m->idle_in_real_time = c->idle_in_real_time;
    if (load_keys(m, c, err, errlen) != 0)
        goto fail;

    if (!c->kernel_path) {
        snprintf(err, errlen, "no kernel given");
        goto fail;
    }
    if (elf_open(&m->kernel, c->kernel_path, why, sizeof why) != 0) {
        snprintf(err, errlen, "kernel %s: %s", c->kernel_path, why);
        goto fail;
    }
    if (m->kernel.load_paddr_hi > mmu_ram_size(m->mmu)) {
        snprintf(err, errlen,
                 "--ram: %llu MiB is too small for the kernel %s (it loads up to physical 0x%llx): use --ram %lluM or more",
                 mib_ceil(mmu_ram_size(m->mmu)), c->kernel_path, (unsigned long long)m->kernel.load_paddr_hi,
                 mib_ceil(m->kernel.load_paddr_hi) + 1);
        goto fail;
    }
    if (c->program_path) {
        if (build_initrd(m, c, &initrd, err, errlen) != 0)
            goto fail;
        char guest_path[CPIO_NAME_MAX];
        initrd_program_path(c->program_path, guest_path, sizeof guest_path);
        snprintf(cmdline, sizeof cmdline, "init=%s", guest_path);
    }
    append_console_args(c, cmdline, sizeof cmdline);
    struct boot_params boot = {.kernel = &m->kernel, .initrd_size = initrd.len, .initrd_in_ram = true,
                               .cmdline = cmdline, .insns_per_second = MACHINE_INSNS_PER_SECOND};
    int rc = loader_boot(m->cpu, &boot, &m->layout, why, sizeof why);
    cpio_free(&initrd);
    if (rc != 0) {
        snprintf(err, errlen, "%s", why);
        goto fail;
    }
    return m;
fail:
    machine_free(m);
    return NULL;
}

void machine_free(struct machine *m)
{
    if (!m)
        return;
    sink_flush(&m->console);
    sink_flush(&m->errors);
    sink_flush(&m->kernel_log);
    free(m->console.captured);
    free(m->errors.captured);
    free(m->kernel_log.captured);
    ata_close(&m->ata);
    keys_free(&m->keys);
    elf_free(&m->kernel);
    watch_hub_free(m->hub);
    cpu_free(m->cpu);
    mmu_free(m->mmu);
    free(m);
}

/* ---- state ------------------------------------------------------------ */

struct cpu *machine_cpu(struct machine *m) { return m->cpu; }
struct mmu *machine_mmu(struct machine *m) { return m->mmu; }
const struct boot_layout *machine_boot_layout(const struct machine *m) { return &m->layout; }
const struct elf_file *machine_kernel(const struct machine *m) { return &m->kernel; }
int64_t machine_exit_status(const struct machine *m) { return m->exit_status; }

const uint8_t *machine_console(const struct machine *m, size_t *len)
{
    *len = m->console.ncaptured;
    return m->console.captured;
}

const uint8_t *machine_stderr(const struct machine *m, size_t *len)
{
    *len = m->errors.ncaptured;
    return m->errors.captured;
}

const uint8_t *machine_kernel_log(const struct machine *m, size_t *len)
{
    *len = m->kernel_log.ncaptured;
    return m->kernel_log.captured;
}

/* Page by page through mmu_peek in the current address space: no TLB
 * fill, no A/D update, no fault. */
static size_t access_virt(struct machine *m, uint64_t va, void *buf, size_t n, bool write)
{
    struct mmu_controls now;
    mmu_get_controls(m->mmu, &now);
    size_t done = 0;
    while (done < n) {
        struct mmu_peek w;
        if (!mmu_peek(m->mmu, now.cr3, va + done, &w))
            break;
        size_t chunk = 0x1000 - ((va + done) & 0xfff);
        if (chunk > n - done)
            chunk = n - done;
        bool ok = write ? mmu_phys_write(m->mmu, w.pa, (const uint8_t *)buf + done, chunk)
                        : mmu_phys_read(m->mmu, w.pa, (uint8_t *)buf + done, chunk);
        if (!ok)
            break;
        done += chunk;
    }
    return done;
}

size_t machine_read_virt(struct machine *m, uint64_t va, void *dst, size_t n)
{
    return access_virt(m, va, dst, n, false);
}

size_t machine_write_virt(struct machine *m, uint64_t va, const void *src, size_t n)
{
    return access_virt(m, va, (void *)src, n, true);
}

/* ---- snapshots -------------------------------------------------------- */

/* Everything but RAM, CPU and disk bytes.  The devices' callback pointers
 * point into this same machine, so copying the structs back is exact; the
 * captured console bytes are append-only, so their length suffices. */
struct board_state {
    struct pic pic;
    struct pit pit;
    struct uart uart, uart2;
    struct ps2 ps2;
    struct ata ata;
    struct debugport debugport;
    struct key_cursor key_cursor;
    uint64_t idle_ns;
    size_t console_len, stderr_len, kernel_log_len;
    const uint8_t *input;
    size_t input_left;
    bool input_ends;
    bool finished;
    struct machine_stop final;
    int64_t exit_status;
    int32_t pid, tid;            /* the thread the observation layer believes runs */
};

size_t machine_board_state_size(void) { return sizeof(struct board_state); }

void machine_board_state_save(struct machine *m, void *block)
{
    struct board_state *b = block;
    /* Devices catch up with virtual time lazily; bring them to now (as the
     * run loop does before anything else) so that two saves of the same
     * moment are the same bytes however the machine got there. */
    advance_devices(m, machine_time_ns(m));
    memset(b, 0, sizeof *b); /* padding too: blocks can be compared with memcmp */
    b->pic = m->pic;
    b->pit = m->pit;
    b->uart = m->uart;
    b->uart2 = m->uart2;
    b->ps2 = m->ps2;
    b->ata = m->ata;
    b->debugport = m->debugport;
    b->key_cursor = m->key_cursor;
    b->idle_ns = m->idle_ns;
    b->console_len = m->console.ncaptured;
    b->stderr_len = m->errors.ncaptured;
    b->kernel_log_len = m->kernel_log.ncaptured;
    b->input = m->input;
    b->input_left = m->input_left;
    b->input_ends = m->input_ends;
    b->finished = m->finished;
    b->final = m->final;
    b->exit_status = m->exit_status;
    watch_get_thread(m->hub, &b->pid, &b->tid);
}

void machine_board_state_load(struct machine *m, const void *block)
{
    const struct board_state *b = block;
    m->pic = b->pic;
    m->pit = b->pit;
    m->uart = b->uart;
    m->uart2 = b->uart2;
    m->ps2 = b->ps2;
    m->ata = b->ata;
    m->debugport = b->debugport;
    m->key_cursor = b->key_cursor;
    m->idle_ns = b->idle_ns;
    if (b->console_len <= m->console.ncaptured)
        m->console.ncaptured = b->console_len;
    if (b->stderr_len <= m->errors.ncaptured)
        m->errors.ncaptured = b->stderr_len;
    if (b->kernel_log_len <= m->kernel_log.ncaptured)
        m->kernel_log.ncaptured = b->kernel_log_len;
    m->input = b->input;
    m->input_left = b->input_left;
    m->input_ends = b->input_ends;
    m->finished = b->finished;
    m->final = b->final;
    m->exit_status = b->exit_status;
    watch_set_thread(m->hub, b->pid, b->tid);
}

uint8_t *machine_disk_memory(struct machine *m, uint64_t *bytes)
{
    *bytes = m->ata.memory ? m->ata.sectors * ATA_SECTOR_SIZE : 0;
    return m->ata.memory;
}

void machine_print_stats(struct machine *m, FILE *out, double host_seconds)
{
    const struct cpu *cpu = m->cpu;
    struct tlb_stats tlb;
    mmu_tlb_stats(m->mmu, &tlb);
    const struct tlb_stats *t = &tlb;
    uint64_t now = machine_time_ns(m), lookups = t->hits + t->misses;
    fprintf(out, "ringscope: instructions     %llu\n", (unsigned long long)cpu->icount);
    fprintf(out, "ringscope: virtual time     %.6f s (%llu ns; %llu ns idle in hlt)\n", now / 1e9,
            (unsigned long long)now, (unsigned long long)m->idle_ns);
    fprintf(out, "ringscope: host time        %.3f s, %.1f MIPS\n", host_seconds,
            host_seconds > 0 ? cpu->icount / host_seconds / 1e6 : 0.0);
    fprintf(out, "ringscope: TLB              %llu hits, %llu misses (%.2f%% hit rate), %llu flushes, %llu invlpg\n",
            (unsigned long long)t->hits, (unsigned long long)t->misses,
            lookups ? 100.0 * t->hits / lookups : 0.0, (unsigned long long)t->flushes,
            (unsigned long long)t->invlpgs);
    fprintf(out, "ringscope: page walks       %llu (%llu faulted)\n", (unsigned long long)t->walks,
            (unsigned long long)t->faults);
    uint64_t total = 0;
    for (int v = 0; v < 256; v++)
        total += cpu->exc_counts[v];
    fprintf(out, "ringscope: exceptions+irqs  %llu\n", (unsigned long long)total);
    for (int v = 0; v < 256; v++)
        if (cpu->exc_counts[v])
            fprintf(out, "ringscope:   vector %3d (0x%02x) %llu\n", v, v, (unsigned long long)cpu->exc_counts[v]);
}
