/* test_gdbstub.c — the gdb stub (gdbstub/) as gdb and as a hostile client
 * meet it:
 *   - the packet reader against thousands of random and mutated byte
 *     streams, and framing round trips (binary escapes, checksums);
 *   - a live stub on a real session fed malformed packets, bad checksums,
 *     huge lengths, unknown packets, writes to unmapped memory and cut
 *     connections over TCP: protocol error replies, never a crash (this
 *     suite runs under ASan in make asan-test);
 *   - real gdb (gdb -batch) against the stub: `info registers` and `x`
 *     agree with the machine's own state, read after gdb detached. */
#include <check.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "debugger/session.h"
#include "gdbstub/gdbstub.h"
#include "gdbstub/packet.h"
#include "tests/guest_elf.h"

#define KERNEL_ELF "build/os/kernel.elf"
#define COUNTER_ELF "build/tests/gdb/counter"

/* ---- the packet reader ------------------------------------------------- */

START_TEST(framing_round_trips_through_the_reader)
{
    static char framed[2 * GDB_PACKET_SIZE + 8];
    struct gdb_reader r;
    gdb_reader_init(&r);
    srand(7);
    for (int i = 0; i < 2000; i++) {
        uint8_t payload[512];
        size_t n = (size_t)rand() % sizeof payload;
        for (size_t k = 0; k < n; k++)
            payload[k] = (uint8_t)(rand() % 256);
        size_t len = gdb_frame(payload, n, true, framed, sizeof framed);
        ck_assert_uint_gt(len, 0);
        enum gdb_input last = GDB_IN_NONE;
        for (size_t k = 0; k < len; k++) {
            enum gdb_input e = gdb_reader_feed(&r, (uint8_t)framed[k]);
            if (k + 1 < len)
                ck_assert_int_eq(e, GDB_IN_NONE);
            last = e;
        }
        ck_assert_int_eq(last, GDB_IN_PACKET);
        size_t got = gdb_unescape(r.data, r.len);
        ck_assert_uint_eq(got, n);
        ck_assert(memcmp(r.data, payload, n) == 0);
    }
    /* The checksum of "OK" is 0x9a; a wrong one is refused. */
    ck_assert_uint_eq(gdb_frame("OK", 2, false, framed, sizeof framed), 6);
    ck_assert(memcmp(framed, "$OK#9a", 6) == 0);
    const char *bad = "$OK#9b";
    enum gdb_input e = GDB_IN_NONE;
    for (const char *p = bad; *p; p++)
        e = gdb_reader_feed(&r, (uint8_t)*p);
    ck_assert_int_eq(e, GDB_IN_BAD_CHECKSUM);
    ck_assert_int_eq(gdb_reader_feed(&r, 0x03), GDB_IN_INTERRUPT);
    ck_assert_int_eq(gdb_reader_feed(&r, '+'), GDB_IN_ACK);
}
END_TEST

START_TEST(reader_survives_random_and_mutated_streams)
{
    static const char *const seeds[] = {
        "$g#67", "$m401000,40#c5", "$qSupported:multiprocess+;swbreak+#c9", "$vCont;c#a8",
        "$X401000,4:abcd#00", "$Z0,401139,1#00", "$qXfer:features:read:target.xml:0,3fff#00",
    };
    struct gdb_reader r;
    gdb_reader_init(&r);
    srand(11);
    size_t packets = 0;
    for (int i = 0; i < 20000; i++) {
        char buf[GDB_PACKET_SIZE + 600];
        size_t n;
        if (i % 3 == 0) {
            n = (size_t)rand() % 300;
            for (size_t k = 0; k < n; k++)
                buf[k] = (char)(rand() % 4 ? "$#}*+-0123456789abcdefgmMXZzqv,:;"[rand() % 33] : rand() % 256);
        } else if (i % 3 == 1) {
            snprintf(buf, sizeof buf, "%s", seeds[i % 7]);
            n = strlen(buf);
            for (int k = rand() % 5; k >= 0 && n; k--)
                buf[rand() % n] = (char)(rand() % 256);
        } else {
            /* Huge: longer than PacketSize. */
            n = GDB_PACKET_SIZE + (size_t)(rand() % 500);
            buf[0] = '$';
            memset(buf + 1, 'a', n - 1);
            n = n < sizeof buf - 3 ? n : sizeof buf - 3;
            memcpy(buf + n, "#00", 3);
            n += 3;
        }
        for (size_t k = 0; k < n; k++) {
            enum gdb_input e = gdb_reader_feed(&r, (uint8_t)buf[k]);
            if (e == GDB_IN_PACKET) {
                packets++;
                ck_assert_uint_le(r.len, GDB_PACKET_SIZE);
                ck_assert_int_eq(r.data[r.len], 0);
            }
            if (e == GDB_IN_TOO_LONG || e == GDB_IN_BAD_CHECKSUM)
                packets++;
        }
    }
    ck_assert_uint_gt(packets, 10000);
}
END_TEST

/* ---- a live stub over TCP ----------------------------------------------- */

static struct dbg *new_session_of(const char *program)
{
    char err[256];
    struct dbg_options o = {.config = {.ram_size = 32 << 20, .kernel_path = KERNEL_ELF,
                                       .program_path = program, .disk_size = 1 << 20}};
    struct dbg *d = dbg_new(&o, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    return d;
}

static struct dbg *new_session(void) { return new_session_of(COUNTER_ELF); }

static int connect_to(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* Poll the stub until the client has something to read (or n polls). */
static size_t exchange(struct gdbstub *s, int fd, const void *send_bytes, size_t n, char *reply, size_t cap)
{
    if (n)
        ck_assert_int_eq(send(fd, send_bytes, n, MSG_NOSIGNAL), (ssize_t)n);
    size_t got = 0;
    for (int i = 0; i < 200 && got < cap - 1; i++) {
        gdbstub_poll(s, 1);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, got ? 0 : 1) <= 0) {
            if (got)
                break;
            continue;
        }
        ssize_t r = recv(fd, reply + got, cap - 1 - got, MSG_DONTWAIT);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    reply[got] = 0;
    return got;
}

/* Send one well-framed packet; the reply's payload (without '+', '$', '#CS'). */
static const char *ask(struct gdbstub *s, int fd, const char *payload, char *reply, size_t cap)
{
    static char framed[2 * GDB_PACKET_SIZE + 8];
    size_t n = gdb_frame(payload, strlen(payload), false, framed, sizeof framed);
    exchange(s, fd, framed, n, reply, cap);
    char *dollar = strchr(reply, '$'), *hash = dollar ? strrchr(dollar, '#') : NULL;
    if (!dollar || !hash)
        return "";
    *hash = 0;
    return dollar + 1;
}

START_TEST(stub_answers_malformed_packets_with_errors)
{
    struct dbg *d = new_session();
    char err[256], reply[4 * GDB_PACKET_SIZE];
    struct gdbstub *s = gdbstub_new(d, "0", err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    int fd = connect_to(gdbstub_port(s));
    gdbstub_poll(s, 100); /* accept */
    ck_assert(gdbstub_connected(s));
    ck_assert_str_eq(ask(s, fd, "?", reply, sizeof reply), "T05thread:7ffffff0;");
    ck_assert_str_eq(ask(s, fd, "vMustReplyEmpty", reply, sizeof reply), "");
    ck_assert_str_eq(ask(s, fd, "qNoSuchThing", reply, sizeof reply), "");
    ck_assert_str_eq(ask(s, fd, "m", reply, sizeof reply), "E01");
    ck_assert_str_eq(ask(s, fd, "mzz,4", reply, sizeof reply), "E01");
    ck_assert_str_eq(ask(s, fd, "m0000700000000000,8", reply, sizeof reply), "E14"); /* not mapped */
    ck_assert_str_eq(ask(s, fd, "M0000700000000000,2:abcd", reply, sizeof reply), "E14");
    ck_assert_str_eq(ask(s, fd, "M1000,2:ab", reply, sizeof reply), "E01");            /* short data */
    ck_assert_str_eq(ask(s, fd, "X1000,5:ab", reply, sizeof reply), "E01");            /* length mismatch */
    ck_assert_str_eq(ask(s, fd, "m1000,ffffffffffffffff", reply, sizeof reply)[0] == 'E' ? "E" : "data", "data");
    ck_assert_str_eq(ask(s, fd, "p999", reply, sizeof reply), "E01");
    ck_assert_str_eq(ask(s, fd, "Z9,1000,1", reply, sizeof reply), "E01");
    ck_assert_str_eq(ask(s, fd, "Z2,1000,0", reply, sizeof reply), "E22");            /* zero length */
    ck_assert_str_eq(ask(s, fd, "Hg12345", reply, sizeof reply), "E01");              /* no such thread */
    ck_assert_str_eq(ask(s, fd, "vCont;x", reply, sizeof reply), "E01");
    ck_assert_str_eq(ask(s, fd, "qXfer:features:read:other.xml:0,100", reply, sizeof reply), "E00");
    /* The whole register file: 64 registers, as many hex digits as bits / 4. */
    const char *g = ask(s, fd, "g", reply, sizeof reply);
    ck_assert_uint_eq(strlen(g), (16 * 64 + 64 + 32 + 6 * 32 + 8 * 80 + 8 * 32 + 16 * 128 + 32 + 2 * 64 + 5 * 64) / 4);
    /* A bad checksum and a packet longer than PacketSize: '-' (send again). */
    exchange(s, fd, "$g#00", 5, reply, sizeof reply);
    ck_assert_str_eq(reply, "-");
    static char huge[GDB_PACKET_SIZE + 64];
    huge[0] = '$';
    memset(huge + 1, 'q', sizeof huge - 5);
    memcpy(huge + sizeof huge - 4, "#00", 3);
    exchange(s, fd, huge, sizeof huge - 1, reply, sizeof reply);
    ck_assert_ptr_nonnull(strchr(reply, '-'));
    /* Cut in the middle of a packet: the stub waits for the next gdb. */
    ck_assert_int_eq(send(fd, "$m40", 4, 0), 4);
    close(fd);
    for (int i = 0; i < 20 && gdbstub_connected(s); i++)
        gdbstub_poll(s, 5);
    ck_assert(!gdbstub_connected(s));
    fd = connect_to(gdbstub_port(s));
    gdbstub_poll(s, 100);
    ck_assert_str_eq(ask(s, fd, "QStartNoAckMode", reply, sizeof reply), "OK");
    ck_assert_str_eq(ask(s, fd, "qAttached", reply, sizeof reply), "1");
    close(fd);
    gdbstub_free(s);
    /* A port in use is a one-line error. */
    struct gdbstub *a = gdbstub_new(d, "127.0.0.1:0", err, sizeof err);
    char busy[32];
    snprintf(busy, sizeof busy, "%u", gdbstub_port(a));
    ck_assert_ptr_null(gdbstub_new(d, busy, err, sizeof err));
    ck_assert_msg(strstr(err, "in use") && !strchr(err, '\n'), "%s", err);
    ck_assert_ptr_null(gdbstub_new(d, "300.1.1.1:5", err, sizeof err));
    ck_assert_ptr_null(gdbstub_new(d, "70000", err, sizeof err));
    gdbstub_free(a);
    dbg_free(d);
}
END_TEST

/* m and M read and write guest memory without touching the MMU's state:
 * no TLB entry, counter, Accessed or Dirty bit changes (compared with
 * mmu_save's whole block and the page-table entry), and Z0 patches no
 * guest byte. */
START_TEST(memory_packets_have_no_side_effects)
{
    struct dbg *d = new_session();
    char err[256];
    static char reply[4 * GDB_PACKET_SIZE];
    uint64_t bump = guest_elf_symbol(COUNTER_ELF, "bump"), counter = guest_elf_symbol(COUNTER_ELF, "counter");
    int b = dbg_break_add(d, bump, NULL, err, sizeof err);
    dbg_run_command(d, DBG_RUN, 100000000);
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_BREAKPOINT);
    dbg_break_delete(d, b);
    struct mmu *mmu = machine_mmu(d->m);
    struct gdbstub *s = gdbstub_new(d, "0", err, sizeof err);
    int fd = connect_to(gdbstub_port(s));
    gdbstub_poll(s, 100);
    /* The first byte at bump, before any breakpoint. */
    uint8_t first;
    ck_assert_uint_eq(machine_read_virt(d->m, bump, &first, 1), 1);
    size_t size = mmu_state_size(mmu);
    uint8_t *before = malloc(size), *after = malloc(size);
    mmu_save(mmu, before);
    struct mmu_peek p0, p1;
    ck_assert(mmu_peek(mmu, machine_cpu(d->m)->cr3, counter, &p0) && p0.ok);
    char cmd[64], want[8];
    snprintf(cmd, sizeof cmd, "m%llx,8", (unsigned long long)counter);
    ck_assert_str_eq(ask(s, fd, cmd, reply, sizeof reply), "2900000000000000");
    snprintf(cmd, sizeof cmd, "M%llx,8:6400000000000000", (unsigned long long)counter);
    ck_assert_str_eq(ask(s, fd, cmd, reply, sizeof reply), "OK");
    snprintf(cmd, sizeof cmd, "Z0,%llx,1", (unsigned long long)bump);
    ck_assert_str_eq(ask(s, fd, cmd, reply, sizeof reply), "OK");
    snprintf(cmd, sizeof cmd, "m%llx,1", (unsigned long long)bump);
    snprintf(want, sizeof want, "%02x", first);
    ck_assert_str_eq(ask(s, fd, cmd, reply, sizeof reply), want);  /* not 0xcc */
    mmu_save(mmu, after);
    ck_assert(memcmp(before, after, size) == 0);
    ck_assert(mmu_peek(mmu, machine_cpu(d->m)->cr3, counter, &p1) && p1.ok);
    ck_assert_uint_eq(p0.entry[p0.levels - 1], p1.entry[p1.levels - 1]);
    uint64_t v = 0;
    machine_read_virt(d->m, counter, &v, 8);
    ck_assert_uint_eq(v, 100);
    /* A read watchpoint (Z3) stops the continue at the load of counter. */
    snprintf(cmd, sizeof cmd, "Z3,%llx,8", (unsigned long long)counter);
    ck_assert_str_eq(ask(s, fd, cmd, reply, sizeof reply), "OK");
    snprintf(want, sizeof want, "%s", "");
    snprintf(cmd, sizeof cmd, "rwatch:%llx;", (unsigned long long)counter);
    ck_assert_msg(strstr(ask(s, fd, "c", reply, sizeof reply), cmd), "%s", reply);
    /* Back to the start of history: replaylog. */
    while (machine_cpu(d->m)->icount > 0 && dbg_reverse(d, DBG_RUN))
        ;
    ck_assert_str_eq(ask(s, fd, "bs", reply, sizeof reply), "T05thread:7ffffff0;replaylog:begin;");
    free(before);
    free(after);
    close(fd);
    gdbstub_free(s);
    dbg_free(d);
}
END_TEST

/* Thousands of random and mutated packets, framed correctly or not, at a
 * live stub: it must answer or ignore each and stay up. */
START_TEST(stub_survives_fuzzed_packets)
{
    static const char *const seeds[] = {
        "g", "m401000,40", "M407008,8:2a00000000000000", "p10", "P10=3911400000000000", "Z0,401139,1",
        "z0,401139,1", "Z2,407008,8", "qSupported:swbreak+", "qXfer:features:read:target.xml:0,3fff",
        "qfThreadInfo", "qThreadExtraInfo,1", "qRcmd,77616c6b20307834303130303030", "Hg1", "T1", "s",
        "vCont;s:1", "bs", "qC", "qOffsets", "X407008,1:a", "qRcmd,6576656e74732035", "qRcmd,70687973203020313030",
    };
    struct dbg *d = new_session();
    char err[256];
    static char reply[4 * GDB_PACKET_SIZE], framed[2 * GDB_PACKET_SIZE + 8];
    struct gdbstub *s = gdbstub_new(d, "0", err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    int fd = connect_to(gdbstub_port(s));
    gdbstub_poll(s, 100);
    srand(99);
    int answered = 0;
    for (int i = 0; i < 3000; i++) {
        char p[600];
        snprintf(p, sizeof p, "%s", seeds[(size_t)rand() % (sizeof seeds / sizeof seeds[0])]);
        size_t n = strlen(p);
        for (int k = rand() % 4; k > 0 && n; k--) {
            size_t at = (size_t)rand() % n;
            if (rand() % 2)
                p[at] = (char)(rand() % 3 ? "0123456789abcdef,:;xX-"[rand() % 22] : 1 + rand() % 255);
            else if (n + 8 < sizeof p)
                memmove(p + at + 1, p + at, n - at + 1), p[at] = "0f,:;"[rand() % 5], n++;
        }
        p[n] = 0;
        /* k and D would end the session, c would run the guest to its end:
         * tested elsewhere. */
        if (p[0] == 'k' || p[0] == 'D' || p[0] == 'c' || strncmp(p, "vKill", 5) == 0 ||
            (strncmp(p, "vCont", 5) == 0 && strchr(p, 'c')) || strcmp(p, "bc") == 0)
            continue;
        size_t len = gdb_frame(p, n, rand() % 2, framed, sizeof framed);
        if (rand() % 10 == 0)
            framed[len - 1] ^= 1; /* a bad checksum now and then */
        exchange(s, fd, framed, len, reply, sizeof reply);
        answered += reply[0] != 0;
        ck_assert(gdbstub_connected(s));
    }
    ck_assert_int_gt(answered, 2500);
    close(fd);
    gdbstub_free(s);
    dbg_free(d);
}
END_TEST

/* ---- the guest's threads ------------------------------------------------ */

/* The oracle: each thread's user registers as the CPU held them when it
 * last entered the kernel from ring 3 (what the kernel saves). */
struct entry { int32_t tid; uint64_t gpr[16], rip; };
static struct entry entries[64];
static size_t nentries;

static struct entry *entry_of(int32_t tid)
{
    for (size_t i = 0; i < nentries; i++)
        if (entries[i].tid == tid)
            return &entries[i];
    ck_assert_uint_lt(nentries, 64);
    entries[nentries].tid = tid;
    return &entries[nentries++];
}

static bool on_syscall(void *ctx, const struct watch_event *e)
{
    (void)ctx;
    if (e->transfer.kind == RT_SYSCALL && e->transfer.cpl_before == 3 && e->tid > 0) {
        struct entry *x = entry_of(e->tid);
        memcpy(x->gpr, e->cpu->gpr, sizeof x->gpr);
        x->rip = e->cpu->gpr[RCX]; /* SYSCALL put the return RIP in RCX */
    }
    return false;
}

static bool on_entry_exception(void *ctx, const struct watch_event *e)
{
    (void)ctx;
    const struct exc_event *x = e->exception;
    if (x->cpl_before == 3 && e->tid > 0) {
        struct entry *r = entry_of(e->tid);
        memcpy(r->gpr, e->cpu->gpr, sizeof r->gpr);
        r->gpr[RSP] = x->rsp_before;
        r->rip = x->rip;
    }
    return false;
}

static uint64_t le64(const char *hex)
{
    uint8_t b[8];
    ck_assert(gdb_hex_decode(hex, b, 8));
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

START_TEST(hg_shows_a_switched_out_threads_saved_registers)
{
    struct dbg *d = new_session_of("build/programs/threads");
    char err[256];
    static char reply[4 * GDB_PACKET_SIZE];
    struct gdbstub *s = gdbstub_new(d, "0", err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    struct watcher w = {.ctx = NULL};
    w.on[WATCH_TRANSFER] = on_syscall;
    w.on[WATCH_EXCEPTION] = on_entry_exception;
    ck_assert_int_eq(machine_attach(d->m, &w), 0);
    nentries = 0;
    uint64_t work = guest_elf_symbol("build/programs/threads", "work");
    ck_assert_int_gt(dbg_break_add(d, work, NULL, err, sizeof err), 0);
    dbg_run_command(d, DBG_RUN, 200000000);
    dbg_run_command(d, DBG_RUN, 200000000);
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_BREAKPOINT);
    int fd = connect_to(gdbstub_port(s));
    gdbstub_poll(s, 100);
    char list[512];
    snprintf(list, sizeof list, "%s", ask(s, fd, "qfThreadInfo", reply, sizeof reply));
    ck_assert_msg(list[0] == 'm', "%s", list);
    char qc[32];
    snprintf(qc, sizeof qc, "%s", ask(s, fd, "qC", reply, sizeof reply));
    unsigned current = (unsigned)strtoul(qc + 2, NULL, 16);
    int compared = 0;
    for (char *t = strtok(list + 1, ","); t; t = strtok(NULL, ",")) {
        unsigned tid = (unsigned)strtoul(t, NULL, 16);
        char hg[32];
        snprintf(hg, sizeof hg, "Hg%x", tid);
        ck_assert_str_eq(ask(s, fd, hg, reply, sizeof reply), "OK");
        const char *g = ask(s, fd, "g", reply, sizeof reply);
        if (tid == current) {
            ck_assert_uint_eq(le64(g + 16 * 16), machine_cpu(d->m)->rip);
            continue;
        }
        ck_assert_msg(g[0] != 'x', "tid %u: no registers", tid);
        const struct entry *x = NULL;
        for (size_t i = 0; i < nentries; i++)
            if (entries[i].tid == (int32_t)tid)
                x = &entries[i];
        if (!x)
            continue; /* a new thread, not yet run: every_thread_has_its_registers_right_after_creation */
        /* gdb's order: rax rbx rcx rdx rsi rdi rbp rsp r8..r15, rip.  RAX is
         * the kernel's to change (the system call's result). */
        static const int order[16] = {RAX, RBX, RCX, RDX, RSI, RDI, RBP, RSP, R8, R9, R10, R11, R12, R13, R14, R15};
        for (int r = 1; r < 16; r++)
            ck_assert_msg(le64(g + 16 * r) == x->gpr[order[r]], "tid %u register %d", tid, r);
        ck_assert_uint_eq(le64(g + 16 * 16), x->rip);
        compared++;
    }
    ck_assert_int_gt(compared, 0);
    close(fd);
    machine_detach(d->m, &w);
    gdbstub_free(s);
    dbg_free(d);
}
END_TEST

/* The oracle for threads that have not run yet: the CPU's registers at
 * each thread's first instruction in ring 3 (after the kernel switched to
 * it and returned to user mode). */
struct first_user { int32_t tid; bool seen; uint64_t gpr[16], rip; };
static struct first_user firsts[16];
static size_t nfirsts;

static bool on_first_user_insn(void *ctx, const struct watch_event *e)
{
    (void)ctx;
    if (e->cpu->cpl != 3)
        return false;
    for (size_t i = 0; i < nfirsts; i++)
        if (firsts[i].tid == e->tid && !firsts[i].seen) {
            firsts[i].seen = true;
            memcpy(firsts[i].gpr, e->cpu->gpr, sizeof firsts[i].gpr);
            firsts[i].rip = e->cpu->rip;
        }
    return false;
}

START_TEST(every_thread_has_its_registers_right_after_creation)
{
    struct dbg *d = new_session_of("build/programs/threads");
    char err[256];
    static char reply[4 * GDB_PACKET_SIZE];
    /* Right after main created its three threads: none of them has run. */
    uint64_t join = guest_elf_symbol("build/programs/threads", "pthread_join");
    int bp = dbg_break_add(d, join, NULL, err, sizeof err);
    ck_assert_int_gt(bp, 0);
    dbg_run_command(d, DBG_RUN, 200000000);
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_BREAKPOINT);
    struct gdbstub *s = gdbstub_new(d, "0", err, sizeof err); /* the stub starts only now */
    ck_assert_msg(s != NULL, "%s", err);
    int fd = connect_to(gdbstub_port(s));
    gdbstub_poll(s, 100);
    char list[512], qc[32];
    snprintf(list, sizeof list, "%s", ask(s, fd, "qfThreadInfo", reply, sizeof reply));
    snprintf(qc, sizeof qc, "%s", ask(s, fd, "qC", reply, sizeof reply));
    unsigned current = (unsigned)strtoul(qc + 2, NULL, 16);
    static const int order[16] = {RAX, RBX, RCX, RDX, RSI, RDI, RBP, RSP, R8, R9, R10, R11, R12, R13, R14, R15};
    nfirsts = 0;
    for (char *t = strtok(list + 1, ","); t; t = strtok(NULL, ",")) {
        unsigned tid = (unsigned)strtoul(t, NULL, 16);
        if (tid == current)
            continue;
        char hg[32];
        snprintf(hg, sizeof hg, "Hg%x", tid);
        ck_assert_str_eq(ask(s, fd, hg, reply, sizeof reply), "OK");
        const char *g = ask(s, fd, "g", reply, sizeof reply);
        ck_assert_msg(g[0] != 'x', "tid %u: registers unavailable", tid);
        struct first_user *f = &firsts[nfirsts++];
        *f = (struct first_user){.tid = (int32_t)tid};
        for (int r = 0; r < 16; r++)
            f->gpr[order[r]] = le64(g + 16 * r);
        f->rip = le64(g + 16 * 16);
    }
    ck_assert_uint_eq(nfirsts, 3); /* main is on the CPU; its three threads are listed */
    close(fd);
    gdbstub_free(s);
    /* Run on: each thread's first ring-3 instruction has exactly those
     * registers (RCX and R11 too: SYSRET/IRETQ reload RIP and RFLAGS, not
     * the general registers). */
    struct first_user said[16];
    memcpy(said, firsts, sizeof said);
    struct watcher w = {.ctx = NULL};
    w.on[WATCH_INSN] = on_first_user_insn;
    ck_assert_int_eq(machine_attach(d->m, &w), 0);
    dbg_break_delete(d, bp);
    dbg_run_command(d, DBG_RUN, 400000000);
    machine_detach(d->m, &w);
    for (size_t i = 0; i < nfirsts; i++) {
        ck_assert_msg(firsts[i].seen, "tid %d never ran in ring 3", firsts[i].tid);
        ck_assert_msg(said[i].rip == firsts[i].rip, "tid %d: rip %llx, then ran at %llx", firsts[i].tid,
                      (unsigned long long)said[i].rip, (unsigned long long)firsts[i].rip);
        for (int r = 0; r < 16; r++)
            ck_assert_msg(said[i].gpr[r] == firsts[i].gpr[r], "tid %d register %d: %llx, then %llx", firsts[i].tid, r,
                          (unsigned long long)said[i].gpr[r], (unsigned long long)firsts[i].gpr[r]);
    }
    dbg_free(d);
}
END_TEST

/* ^C while gdb's `continue` runs: a stop with SIGINT. */
START_TEST(ctrl_c_interrupts_a_running_machine)
{
    struct dbg *d = new_session_of("build/programs/spin");
    char err[256];
    static char reply[4 * GDB_PACKET_SIZE];
    struct gdbstub *s = gdbstub_new(d, "0", err, sizeof err);
    int fd = connect_to(gdbstub_port(s));
    gdbstub_poll(s, 100);
    exchange(s, fd, "$c#63", 5, reply, sizeof reply);
    ck_assert_str_eq(reply, "+");    /* acknowledged, no reply: it runs */
    ck_assert(dbg_busy(d));
    uint64_t before = machine_cpu(d->m)->icount;
    for (int i = 0; i < 5; i++)
        gdbstub_poll(s, 0);  /* it runs between looks at the socket */
    ck_assert_uint_gt(machine_cpu(d->m)->icount, before);
    exchange(s, fd, "\x03", 1, reply, sizeof reply);
    ck_assert_msg(strstr(reply, "$T02thread:"), "%s", reply);
    ck_assert(!dbg_busy(d));
    close(fd);
    gdbstub_free(s);
    dbg_free(d);
}
END_TEST

/* ^C during a long reverse-continue (bc): it stops with SIGINT between
 * bursts, at an instant between the breakpoint and where it started, and
 * a second bc goes on to the breakpoint. */
START_TEST(ctrl_c_interrupts_a_reverse_continue)
{
    struct dbg *d = new_session_of("build/programs/spin");
    char err[256];
    static char reply[4 * GDB_PACKET_SIZE];
    uint64_t main_va = guest_elf_symbol("build/programs/spin", "main");
    ck_assert_int_gt(dbg_break_add(d, main_va, NULL, err, sizeof err), 0);
    dbg_run_command(d, DBG_RUN, 100000000);
    uint64_t hit = machine_cpu(d->m)->icount;
    for (int i = 0; i < 12; i++)
        dbg_step_n(d, 1000000);
    uint64_t origin = machine_cpu(d->m)->icount;
    struct gdbstub *s = gdbstub_new(d, "0", err, sizeof err);
    int fd = connect_to(gdbstub_port(s));
    gdbstub_poll(s, 100);
    exchange(s, fd, "$bc#c5", 6, reply, sizeof reply);
    ck_assert_str_eq(reply, "+");    /* acknowledged, no reply yet: it scans */
    ck_assert(dbg_busy(d));
    for (int i = 0; i < 1000 && dbg_busy(d) && d->rscan_end == origin; i++)
        gdbstub_poll(s, 0);          /* bursts between looks at the socket */
    ck_assert(dbg_busy(d));
    ck_assert_uint_lt(d->rscan_end, origin);
    exchange(s, fd, "\x03", 1, reply, sizeof reply);
    ck_assert_msg(strstr(reply, "$T02thread:"), "%s", reply);
    ck_assert(!dbg_busy(d));
    uint64_t at = machine_cpu(d->m)->icount;
    ck_assert_uint_lt(at, origin);
    ck_assert_uint_gt(at, hit);
    exchange(s, fd, "$bc#c5", 6, reply, sizeof reply);
    for (int i = 0; i < 1000 && dbg_busy(d); i++)
        gdbstub_poll(s, 0);
    ck_assert(!dbg_busy(d));
    ck_assert_uint_eq(machine_cpu(d->m)->icount, hit);
    ck_assert_uint_eq(machine_cpu(d->m)->rip, main_va);
    close(fd);
    gdbstub_free(s);
    dbg_free(d);
}
END_TEST

/* ---- real gdb ----------------------------------------------------------- */

/* Run gdb -batch with these commands against a stub on d, serving it from
 * this process until gdb is gone; gdb's output into out. */
static void run_gdb_with(struct dbg *d, const char *commands, char *out, size_t cap,
                         void (*each_poll)(struct dbg *d, void *ctx), void *ctx)
{
    char err[256], script[] = "/tmp/ringscope-gdbstub-XXXXXX";
    struct gdbstub *s = gdbstub_new(d, "0", err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    int sfd = mkstemp(script);
    ck_assert_int_ge(sfd, 0);
    close(sfd);
    ck_assert_int_eq(gdbstub_write_script(s, script, KERNEL_ELF, COUNTER_ELF, err, sizeof err), 0);
    FILE *f = fopen(script, "a");
    fputs(commands, f);
    fclose(f);
    int pipefd[2];
    ck_assert_int_eq(pipe(pipefd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 1);
        dup2(pipefd[1], 2);
        close(pipefd[0]);
        execlp("gdb", "gdb", "-batch", "-nx", "-x", script, (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
    size_t got = 0;
    int status = 0;
    for (;;) {
        gdbstub_poll(s, 5);
        if (each_poll)
            each_poll(d, ctx);
        ssize_t r = read(pipefd[0], out + got, cap - 1 - got);
        if (r > 0)
            got += (size_t)r;
        if (waitpid(pid, &status, WNOHANG) == pid)
            break;
    }
    ssize_t r;
    while ((r = read(pipefd[0], out + got, cap - 1 - got)) > 0)
        got += (size_t)r;
    out[got] = 0;
    close(pipefd[0]);
    unlink(script);
    gdbstub_free(s);
}

static void run_gdb(struct dbg *d, const char *commands, char *out, size_t cap)
{
    run_gdb_with(d, commands, out, cap, NULL, NULL);
}

/* The value gdb printed for register name in `info registers` output. */
static uint64_t gdb_register(const char *out, const char *name)
{
    char key[32];
    snprintf(key, sizeof key, "\n%s ", name);
    const char *p = strstr(out, key);
    ck_assert_msg(p != NULL, "gdb printed no %s in:\n%s", name, out);
    p += strlen(key);
    while (*p == ' ')
        p++;
    return strtoull(p, NULL, 0);
}

START_TEST(gdb_info_registers_and_memory_match_the_machine)
{
    struct dbg *d = new_session();
    static char out[1 << 16];
    run_gdb(d,
            "break bump\ncontinue\nstepi 3\ninfo registers\np/x $cr0\np/x $cr3\np/x $cr4\np/x $efer\n"
            "p/x $fs_base\nx/2gx $rsp\nx/s &greeting\ndetach\n",
            out, sizeof out);
    struct cpu *cpu = machine_cpu(d->m);
    ck_assert_msg(strstr(out, "hit Breakpoint 1, bump ()"), "%s", out);
    static const struct { const char *name; int gpr; } g[] = {
        {"rax", RAX}, {"rbx", RBX}, {"rcx", RCX}, {"rdx", RDX}, {"rsi", RSI}, {"rdi", RDI}, {"rbp", RBP},
        {"rsp", RSP}, {"r8", R8}, {"r9", R9}, {"r10", R10}, {"r11", R11}, {"r12", R12}, {"r13", R13},
        {"r14", R14}, {"r15", R15},
    };
    for (size_t i = 0; i < 16; i++)
        ck_assert_msg(gdb_register(out, g[i].name) == cpu->gpr[g[i].gpr], "%s", g[i].name);
    ck_assert_uint_eq(gdb_register(out, "rip"), cpu->rip);
    ck_assert_uint_eq(gdb_register(out, "eflags"), (uint32_t)cpu_rflags(cpu));
    ck_assert_uint_eq(gdb_register(out, "cs"), cpu->seg[SEG_CS].sel);
    ck_assert_uint_eq(gdb_register(out, "ss"), cpu->seg[SEG_SS].sel);
    ck_assert_uint_eq(gdb_register(out, "fs_base"), cpu->seg[SEG_FS].base);
    char expect[96];
    snprintf(expect, sizeof expect, "= 0x%llx\n", (unsigned long long)cpu->cr3);
    ck_assert_msg(strstr(out, expect), "cr3 %s in %s", expect, out);
    snprintf(expect, sizeof expect, "= 0x%llx\n", (unsigned long long)cpu->efer);
    ck_assert_msg(strstr(out, expect), "efer %s", expect);
    uint64_t top[2];
    ck_assert_uint_eq(machine_read_virt(d->m, cpu->gpr[RSP], top, 16), 16);
    snprintf(expect, sizeof expect, "0x%016llx\t0x%016llx", (unsigned long long)top[0], (unsigned long long)top[1]);
    ck_assert_msg(strstr(out, expect), "stack %s in %s", expect, out);
    ck_assert_msg(strstr(out, "\"hello from the counter\""), "%s", out);
    ck_assert_uint_eq(cpu->icount, d->stop.icount);
    dbg_free(d);
}
END_TEST

/* The window's pause key while gdb waits for a `continue`: gdb hears of the
 * stop, as an interrupt, and sees the machine where the window stopped it. */
static void window_pauses(struct dbg *d, void *ctx)
{
    int *polls_busy = ctx;
    if (dbg_busy(d) && ++*polls_busy == 20)
        dbg_pause(d);  /* what the window's r / space key does */
}

START_TEST(a_stop_by_the_window_reaches_gdb)
{
    struct dbg *d = new_session_of("build/programs/spin");
    static char out[1 << 16];
    int polls_busy = 0;
    run_gdb_with(d, "continue\ninfo registers rip\nmonitor ring\ndetach\n", out, sizeof out, window_pauses,
                 &polls_busy);
    ck_assert_msg(strstr(out, "received signal SIGINT"), "%s", out);
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_PAUSE);
    ck_assert_uint_eq(gdb_register(out, "rip"), machine_cpu(d->m)->rip);
    char ring[64];
    snprintf(ring, sizeof ring, "instruction %llu", (unsigned long long)machine_cpu(d->m)->icount);
    ck_assert_msg(strstr(out, ring), "%s not in %s", ring, out);
    ck_assert_uint_gt(machine_cpu(d->m)->icount, 100000);
    dbg_free(d);
}
END_TEST

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    Suite *s = suite_create("gdbstub");
    TCase *t = tcase_create("gdbstub");
    tcase_set_timeout(t, 600);
    tcase_add_test(t, framing_round_trips_through_the_reader);
    tcase_add_test(t, reader_survives_random_and_mutated_streams);
    tcase_add_test(t, stub_answers_malformed_packets_with_errors);
    tcase_add_test(t, stub_survives_fuzzed_packets);
    tcase_add_test(t, memory_packets_have_no_side_effects);
    tcase_add_test(t, gdb_info_registers_and_memory_match_the_machine);
    tcase_add_test(t, a_stop_by_the_window_reaches_gdb);
    tcase_add_test(t, hg_shows_a_switched_out_threads_saved_registers);
    tcase_add_test(t, every_thread_has_its_registers_right_after_creation);
    tcase_add_test(t, ctrl_c_interrupts_a_reverse_continue);
    tcase_add_test(t, ctrl_c_interrupts_a_running_machine);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
