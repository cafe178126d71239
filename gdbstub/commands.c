/* commands.c — the packets gdb sends and their replies (gdb manual,
 * "Packets", "General Query Packets", "Stop Reply Packets").  Every reply
 * is built from the session (debugger/session.h); anything malformed gets
 * an error reply (E01 bad arguments, E14 memory not mapped, E22 refused),
 * anything unknown the empty reply that means "not supported". */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SIGINT_GDB = 2, SIGTRAP_GDB = 5 };

/* ---- stop replies ------------------------------------------------------- */

static const struct gdb_point *point_with_id(const struct gdbstub *s, int id)
{
    for (size_t i = 0; i < GDB_MAX_POINTS; i++)
        if (s->points[i].type >= 0 && s->points[i].id == id)
            return &s->points[i];
    return NULL;
}

void gdb_stop_reply(struct gdbstub *s, char *out, size_t cap)
{
    struct dbg *d = s->d;
    const struct dbg_stop *st = &d->stop;
    if (st->reason == DBG_STOPPED_EXIT) {
        snprintf(out, cap, "W%02x", (unsigned)(machine_exit_status(d->m) & 0xff));
        snprintf(s->last_stop, sizeof s->last_stop, "%s", out);
        return;
    }
    /* ^C, or a pause from another front end (the window): an interrupt. */
    int sig = s->interrupted || st->reason == DBG_STOPPED_PAUSE ? SIGINT_GDB : SIGTRAP_GDB;
    s->interrupted = false;
    char why[96] = "";
    if (st->reason == DBG_STOPPED_BREAKPOINT) {
        const struct gdb_point *p = point_with_id(s, st->id);
        snprintf(why, sizeof why, "%s:;", p && p->type == 1 ? "hwbreak" : "swbreak");
    } else if (st->reason == DBG_STOPPED_WATCHPOINT) {
        const struct dbg_watchpoint *w = dbg_watchpoint_get(d, st->id);
        uint64_t addr = w && st->addr < w->va ? w->va : st->addr;
        const char *kind = w && w->kind == DBG_WATCH_ACCESS ? "awatch" : w && w->kind == DBG_WATCH_READ ? "rwatch"
                                                                                                        : "watch";
        snprintf(why, sizeof why, "%s:%" PRIx64 ";", kind, addr);
    } else if (st->reason == DBG_STOPPED_HISTORY_START) {
        snprintf(why, sizeof why, "replaylog:begin;");
    }
    snprintf(out, cap, "T%02xthread:%x;%s", sig, (unsigned)gdb_current_tid(s), why);
    snprintf(s->last_stop, sizeof s->last_stop, "%s", out);
    /* gdb takes the stopped thread as the one g and m now address (its
     * remote.c records it as the general thread without an Hg, as
     * gdbserver sets it when it reports a stop). */
    s->g_thread = 0;
}

/* ---- helpers ------------------------------------------------------------ */

static void reply_hex_text(struct gdbstub *s, const char *prefix, const char *text)
{
    size_t n = strlen(text), p = strlen(prefix);
    if (2 * n + p > GDB_PACKET_SIZE)
        n = (GDB_PACKET_SIZE - p) / 2;
    memcpy(s->reply, prefix, p);
    gdb_hex_encode((const uint8_t *)text, n, (char *)s->reply + p);
    gdb_send(s, s->reply, p + 2 * n, false);
}

/* "ADDR,LEN" at *p: advances past it. */
static bool parse_addr_len(const char **p, uint64_t *addr, uint64_t *len)
{
    if (!gdb_parse_hex(p, addr) || **p != ',')
        return false;
    ++*p;
    return gdb_parse_hex(p, len);
}

/* A thread id: hex, or -1 (all) / 0 (any). */
static bool parse_thread(const char *p, int32_t *tid)
{
    if (strcmp(p, "-1") == 0) {
        *tid = 0;
        return true;
    }
    uint64_t v;
    if (!gdb_parse_hex(&p, &v) || *p || v > INT32_MAX)
        return false;
    *tid = (int32_t)v;
    return true;
}

/* The thread whose state g/m show (Hg), if it is not the one on the CPU. */
static int32_t other_thread(struct gdbstub *s)
{
    return s->g_thread && s->g_thread != gdb_current_tid(s) ? s->g_thread : 0;
}

static uint64_t memory_cr3(struct gdbstub *s)
{
    int32_t t = other_thread(s);
    return t ? gdb_thread_cr3(s, t) : machine_cpu(s->d->m)->cr3;
}

/* ---- registers ---------------------------------------------------------- */

static size_t put_register(struct gdbstub *s, size_t r, const struct gdb_frame_regs *frame, char *out)
{
    uint8_t bytes[16];
    size_t n = gdb_regs[r].bits / 8;
    if (gdb_reg_read(machine_cpu(s->d->m), frame, r, bytes)) {
        gdb_hex_encode(bytes, n, out);
    } else {
        memset(out, 'x', 2 * n);
        out[2 * n] = 0;
    }
    return 2 * n;
}

/* The registers g/p show: the CPU's, or (Hg on a switched-out thread) its
 * trap frame's.  False: that thread's registers are not known. */
static bool selected_frame(struct gdbstub *s, struct gdb_frame_regs *frame, bool *other)
{
    int32_t t = other_thread(s);
    *other = t != 0;
    return !t || gdb_thread_frame(s, t, frame);
}

static void read_registers(struct gdbstub *s)
{
    struct gdb_frame_regs frame;
    bool other, known = selected_frame(s, &frame, &other);
    char *out = (char *)s->reply;
    size_t n = 0;
    for (size_t r = 0; r < gdb_nregs; r++) {
        if (!known) {
            size_t k = gdb_regs[r].bits / 4;
            memset(out + n, 'x', k);
            n += k;
            continue;
        }
        n += put_register(s, r, other ? &frame : NULL, out + n);
    }
    gdb_send(s, out, n, false);
}

static void write_registers(struct gdbstub *s, const char *hex)
{
    if (other_thread(s)) {
        gdb_send_str(s, "E22"); /* a switched-out thread's frame belongs to the kernel */
        return;
    }
    struct cpu *cpu = machine_cpu(s->d->m);
    size_t len = strlen(hex), at = 0;
    for (size_t r = 0; r < gdb_nregs && at < len; r++) {
        size_t n = gdb_regs[r].bits / 8;
        uint8_t bytes[16];
        if (at + 2 * n > len) {
            gdb_send_str(s, "E01");
            return;
        }
        /* 'x' digits: leave that register as it is. */
        if (hex[at] != 'x') {
            if (!gdb_hex_decode(hex + at, bytes, n)) {
                gdb_send_str(s, "E01");
                return;
            }
            gdb_reg_write(cpu, r, bytes);
        }
        at += 2 * n;
    }
    s->d->model_generation++;
    gdb_send_str(s, "OK");
}

static void read_one_register(struct gdbstub *s, const char *p)
{
    uint64_t r;
    if (!gdb_parse_hex(&p, &r) || *p || r >= gdb_nregs) {
        gdb_send_str(s, "E01");
        return;
    }
    struct gdb_frame_regs frame;
    bool other;
    if (!selected_frame(s, &frame, &other)) {
        char out[40];
        memset(out, 'x', gdb_regs[r].bits / 4);
        gdb_send(s, out, gdb_regs[r].bits / 4, false);
        return;
    }
    char out[40];
    size_t n = put_register(s, (size_t)r, other ? &frame : NULL, out);
    gdb_send(s, out, n, false);
}

static void write_one_register(struct gdbstub *s, const char *p)
{
    uint64_t r;
    uint8_t bytes[16];
    if (!gdb_parse_hex(&p, &r) || *p != '=' || r >= gdb_nregs || strlen(p + 1) != gdb_regs[r].bits / 4 ||
        !gdb_hex_decode(p + 1, bytes, gdb_regs[r].bits / 8)) {
        gdb_send_str(s, "E01");
        return;
    }
    if (other_thread(s) || !gdb_reg_write(machine_cpu(s->d->m), (size_t)r, bytes)) {
        gdb_send_str(s, "E22");
        return;
    }
    s->d->model_generation++;
    gdb_send_str(s, "OK");
}

/* ---- memory ------------------------------------------------------------- */

static void read_memory(struct gdbstub *s, const char *p)
{
    uint64_t addr, len;
    if (!parse_addr_len(&p, &addr, &len) || *p) {
        gdb_send_str(s, "E01");
        return;
    }
    if (len > GDB_PACKET_SIZE / 2)
        len = GDB_PACKET_SIZE / 2;
    uint8_t buf[GDB_PACKET_SIZE / 2];
    size_t got = gdb_read_memory(s, memory_cr3(s), addr, buf, (size_t)len);
    if (got == 0 && len > 0) {
        gdb_send_str(s, "E14");
        return;
    }
    gdb_hex_encode(buf, got, (char *)s->reply);
    gdb_send(s, s->reply, 2 * got, false);
}

static void write_memory(struct gdbstub *s, char *data, size_t len, bool binary)
{
    const char *p = data + 1;
    uint64_t addr, n;
    if (!parse_addr_len(&p, &addr, &n) || *p != ':' || n > GDB_PACKET_SIZE) {
        gdb_send_str(s, "E01");
        return;
    }
    p++;
    uint8_t buf[GDB_PACKET_SIZE];
    size_t at = (size_t)(p - data);
    if (binary) {
        size_t got = gdb_unescape(data + at, len - at);
        if (got != n) {
            gdb_send_str(s, "E01");
            return;
        }
        memcpy(buf, data + at, got);
    } else if (strlen(p) != 2 * n || !gdb_hex_decode(p, buf, (size_t)n)) {
        gdb_send_str(s, "E01");
        return;
    }
    if (n && gdb_write_memory(s, memory_cr3(s), addr, buf, (size_t)n) != n) {
        gdb_send_str(s, "E14");
        return;
    }
    s->d->model_generation++;
    gdb_send_str(s, "OK");
}

/* ---- breakpoints and watchpoints ---------------------------------------- */

static void insert_point(struct gdbstub *s, const char *p, bool insert)
{
    int type = *p - '0';
    uint64_t addr, kind;
    p++;
    if (type < 0 || type > 4 || *p != ',' || (p++, !parse_addr_len(&p, &addr, &kind)) || (*p && *p != ';')) {
        gdb_send_str(s, "E01");
        return;
    }
    struct gdb_point *slot = NULL, *same = NULL;
    for (size_t i = 0; i < GDB_MAX_POINTS; i++) {
        struct gdb_point *pt = &s->points[i];
        if (pt->type == type && pt->addr == addr && pt->kind == kind)
            same = pt;
        if (pt->type < 0 && !slot)
            slot = pt;
    }
    if (!insert) {
        if (same) {
            if (type <= 1)
                dbg_break_delete(s->d, same->id);
            else
                dbg_watchpoint_delete(s->d, same->id);
            same->type = -1;
        }
        gdb_send_str(s, "OK");
        return;
    }
    if (same) {
        gdb_send_str(s, "OK");
        return;
    }
    if (!slot) {
        gdb_send_str(s, "E28"); /* ENOSPC */
        return;
    }
    char err[160];
    static const enum dbg_watch_kind kinds[] = {0, 0, DBG_WATCH_WRITE, DBG_WATCH_READ, DBG_WATCH_ACCESS};
    int id = type <= 1 ? dbg_break_add(s->d, addr, NULL, err, sizeof err)
                       : dbg_watchpoint_add(s->d, addr, kind, kinds[type], NULL, err, sizeof err);
    if (id < 0) {
        gdb_send_str(s, "E22");
        return;
    }
    *slot = (struct gdb_point){.type = type, .addr = addr, .kind = kind, .id = id};
    gdb_send_str(s, "OK");
}

/* ---- running ------------------------------------------------------------ */

static void resume(struct gdbstub *s, bool step)
{
    struct dbg *d = s->d;
    if (d->stop.reason == DBG_STOPPED_EXIT) {
        gdb_send_str(s, s->last_stop);
        return;
    }
    dbg_start(d, step ? DBG_STEP : DBG_RUN);
    s->running = true;
    if (step) {
        dbg_advance(d, 1);
        s->running = false;
        char reply[128];
        gdb_stop_reply(s, reply, sizeof reply);
        gdb_send_str(s, reply);
    }
}

static void reverse(struct gdbstub *s, bool step)
{
    char reply[128];
    if (!step) {
        /* bc: scanned in bursts by gdbstub_poll, like c, so ^C interrupts it. */
        dbg_start(s->d, DBG_REVERSE_RUN);
        s->running = true;
        if (dbg_busy(s->d))
            return;
        s->running = false; /* at the start of history already */
    } else {
        dbg_reverse(s->d, DBG_STEP);
    }
    gdb_stop_reply(s, reply, sizeof reply);
    gdb_send_str(s, reply);
}

/* vCont;ACTION[:TID][;ACTION[:TID]]...: one CPU, so the first action
 * that applies decides (a step wins over a continue: gdb steps the thread
 * it reports and lets the others run, and here they run on that CPU). */
static void vcont(struct gdbstub *s, const char *p)
{
    bool step = false, any = false;
    while (*p == ';') {
        p++;
        char a = *p;
        if (a != 'c' && a != 's' && a != 'C' && a != 'S') {
            gdb_send_str(s, "E01");
            return;
        }
        any = true;
        step |= a == 's' || a == 'S';
        while (*p && *p != ';')
            p++;
    }
    if (!any || *p) {
        gdb_send_str(s, "E01");
        return;
    }
    resume(s, step);
}

/* ---- queries ------------------------------------------------------------ */

static void xfer_features(struct gdbstub *s, const char *p)
{
    const char *colon = strchr(p, ':');
    char name[64];
    if (!colon || (size_t)(colon - p) >= sizeof name) {
        gdb_send_str(s, "E00");
        return;
    }
    memcpy(name, p, (size_t)(colon - p));
    name[colon - p] = 0;
    p = colon + 1;
    uint64_t off, len;
    size_t size;
    const char *doc = gdb_target_xml(name, &size);
    if (!parse_addr_len(&p, &off, &len) || *p) {
        gdb_send_str(s, "E00");
        return;
    }
    if (!doc) {
        gdb_send_str(s, "E00");
        return;
    }
    if (len > GDB_PACKET_SIZE - 1)
        len = GDB_PACKET_SIZE - 1;
    if (off >= size) {
        gdb_send_str(s, "l");
        return;
    }
    size_t n = size - off < len ? size - (size_t)off : (size_t)len;
    s->reply[0] = off + n < size ? 'm' : 'l';
    memcpy(s->reply + 1, doc + off, n);
    gdb_send(s, s->reply, n + 1, true);
}

static void thread_list(struct gdbstub *s)
{
    struct gdb_thread t[256];
    size_t n = gdb_threads(s, t, 256);
    char *out = (char *)s->reply;
    size_t len = 0;
    out[len++] = 'm';
    for (size_t i = 0; i < n && len + 12 < GDB_PACKET_SIZE; i++)
        len += (size_t)snprintf(out + len, GDB_PACKET_SIZE - len, "%s%x", i ? "," : "", (unsigned)t[i].tid);
    gdb_send(s, out, len, false);
}

static void monitor(struct gdbstub *s, const char *hex)
{
    size_t n = strlen(hex) / 2;
    char line[512];
    if (n >= sizeof line || strlen(hex) % 2 || !gdb_hex_decode(hex, (uint8_t *)line, n)) {
        gdb_send_str(s, "E01");
        return;
    }
    line[n] = 0;
    char *out = malloc(GDB_PACKET_SIZE);
    if (!out) {
        gdb_send_str(s, "E12");
        return;
    }
    gdb_monitor(s, line, out, GDB_PACKET_SIZE / 2 - 8);
    /* Console output packets, a few lines each, then OK. */
    size_t len = strlen(out);
    for (size_t at = 0; at < len;) {
        size_t chunk = len - at < 1024 ? len - at : 1024;
        char part[1025];
        memcpy(part, out + at, chunk);
        part[chunk] = 0;
        reply_hex_text(s, "O", part);
        at += chunk;
    }
    free(out);
    gdb_send_str(s, "OK");
}

static void query(struct gdbstub *s, const char *p)
{
    if (strncmp(p, "qSupported", 10) == 0) {
        char r[256];
        snprintf(r, sizeof r,
                 "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;ReverseStep+;ReverseContinue+;"
                 "vContSupported+;QStartNoAckMode+",
                 GDB_PACKET_SIZE);
        gdb_send_str(s, r);
    } else if (strncmp(p, "qXfer:features:read:", 20) == 0) {
        xfer_features(s, p + 20);
    } else if (strcmp(p, "qAttached") == 0 || strncmp(p, "qAttached:", 10) == 0) {
        gdb_send_str(s, "1");
    } else if (strcmp(p, "qC") == 0) {
        char r[32];
        snprintf(r, sizeof r, "QC%x", (unsigned)gdb_current_tid(s));
        gdb_send_str(s, r);
    } else if (strcmp(p, "qOffsets") == 0) {
        gdb_send_str(s, "Text=0;Data=0;Bss=0");
    } else if (strcmp(p, "qfThreadInfo") == 0) {
        thread_list(s);
    } else if (strcmp(p, "qsThreadInfo") == 0) {
        gdb_send_str(s, "l");
    } else if (strncmp(p, "qThreadExtraInfo,", 17) == 0) {
        int32_t tid;
        char text[200];
        if (!parse_thread(p + 17, &tid)) {
            gdb_send_str(s, "E01");
            return;
        }
        gdb_thread_describe(s, tid, text, sizeof text);
        reply_hex_text(s, "", text);
    } else if (strncmp(p, "qRcmd,", 6) == 0) {
        monitor(s, p + 6);
    } else if (strncmp(p, "qSymbol", 7) == 0) {
        gdb_send_str(s, "OK");
    } else {
        gdb_send_str(s, "");
    }
}

/* ---- dispatch ----------------------------------------------------------- */

void gdb_handle_packet(struct gdbstub *s, char *data, size_t len)
{
    struct dbg *d = s->d;
    if (len == 0) {
        gdb_send_str(s, "");
        return;
    }
    /* Only ^C and queries make sense while the machine runs; gdb waits. */
    if (s->running && data[0] != 'q') {
        gdb_send_str(s, "E16"); /* EBUSY */
        return;
    }
    const char *p = data + 1;
    switch (data[0]) {
    case '?': {
        char reply[128];
        gdb_stop_reply(s, reply, sizeof reply);
        gdb_send_str(s, reply);
        return;
    }
    case 'g':
        if (len == 1) read_registers(s);
        else gdb_send_str(s, "E01");
        return;
    case 'G': write_registers(s, p); return;
    case 'p': read_one_register(s, p); return;
    case 'P': write_one_register(s, p); return;
    case 'm': read_memory(s, p); return;
    case 'M': write_memory(s, data, len, false); return;
    case 'X': write_memory(s, data, len, true); return;
    case 'Z': insert_point(s, p, true); return;
    case 'z': insert_point(s, p, false); return;
    case 'c':
    case 's':
        /* An address to resume at: RIP is set first (old protocol form). */
        if (*p) {
            uint64_t a;
            if (!gdb_parse_hex(&p, &a) || *p) {
                gdb_send_str(s, "E01");
                return;
            }
            machine_cpu(d->m)->rip = a;
        }
        resume(s, data[0] == 's');
        return;
    case 'b':
        if (strcmp(p, "s") == 0 || strcmp(p, "c") == 0)
            reverse(s, *p == 's');
        else
            gdb_send_str(s, "");
        return;
    case 'H': {
        int32_t tid;
        if ((*p != 'g' && *p != 'c') || !parse_thread(p + 1, &tid) || (tid && !gdb_thread_alive(s, tid))) {
            gdb_send_str(s, "E01");
            return;
        }
        if (*p == 'g')
            s->g_thread = tid;
        gdb_send_str(s, "OK");
        return;
    }
    case 'T': {
        int32_t tid;
        gdb_send_str(s, parse_thread(p, &tid) && tid && gdb_thread_alive(s, tid) ? "OK" : "E01");
        return;
    }
    case 'k':
        s->killed = true;
        s->finished = true;
        return;
    case 'D':
        gdb_send_str(s, "OK");
        s->finished = true;
        return;
    case 'q':
        query(s, data);
        return;
    case 'Q':
        if (strcmp(data, "QStartNoAckMode") == 0) {
            gdb_send_str(s, "OK");
            s->no_ack = true;
        } else {
            gdb_send_str(s, "");
        }
        return;
    case 'v':
        if (strcmp(data, "vCont?") == 0)
            gdb_send_str(s, "vCont;c;C;s;S");
        else if (strncmp(data, "vCont;", 6) == 0)
            vcont(s, data + 5);
        else if (strncmp(data, "vKill", 5) == 0) {
            gdb_send_str(s, "OK");
            s->killed = true;
            s->finished = true;
        } else
            gdb_send_str(s, "");
        return;
    default:
        gdb_send_str(s, "");
        return;
    }
}
