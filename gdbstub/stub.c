/* stub.c — the stub's connection and run loop (gdbstub.h): listening on
 * TCP, one gdb at a time, bytes in through the packet reader, replies out,
 * and bursts of the machine while gdb has it running. */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BURST_NS 10000000ull       /* run at most this long between looks at the socket */
#define CHUNK_INSNS 100000

static bool parse_hostport(const char *text, char *host, size_t hostcap, uint16_t *port, char *err, size_t errlen)
{
    const char *colon = strrchr(text, ':');
    const char *digits = colon ? colon + 1 : text;
    size_t hostlen = colon ? (size_t)(colon - text) : 0;
    if (hostlen >= hostcap) {
        snprintf(err, errlen, "--gdb %s: host name too long", text);
        return false;
    }
    memcpy(host, text, hostlen);
    host[hostlen] = 0;
    if (!*host || strcmp(host, "localhost") == 0)
        snprintf(host, hostcap, "127.0.0.1");
    char *end;
    errno = 0;
    unsigned long p = strtoul(digits, &end, 10);
    if (!*digits || *end || errno || p > 65535 || *digits == '-' || *digits == '+') {
        snprintf(err, errlen, "--gdb %s: expected [HOST:]PORT with PORT 0..65535", text);
        return false;
    }
    *port = (uint16_t)p;
    return true;
}

struct gdbstub *gdbstub_new(struct dbg *d, const char *hostport, char *err, size_t errlen)
{
    char host[64];
    uint16_t port;
    if (!parse_hostport(hostport, host, sizeof host, &port, err, errlen))
        return NULL;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        snprintf(err, errlen, "--gdb %s: %s is not an IPv4 address (or localhost)", hostport, host);
        return NULL;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "--gdb %s: cannot make a socket: %s", hostport, strerror(errno));
        return NULL;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 1) != 0) {
        int e = errno;
        close(fd);
        if (e == EADDRINUSE)
            snprintf(err, errlen, "--gdb %s: port %u is in use", hostport, port);
        else
            snprintf(err, errlen, "--gdb %s: cannot listen on %s:%u: %s", hostport, host, port, strerror(e));
        return NULL;
    }
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    struct gdbstub *s = calloc(1, sizeof *s);
    if (s) {
        s->reply = malloc(GDB_PACKET_SIZE + 1);
        s->frame = malloc(2 * GDB_PACKET_SIZE + 8);
    }
    if (!s || !s->reply || !s->frame) {
        if (s) {
            free(s->reply);
            free(s->frame);
        }
        free(s);
        close(fd);
        snprintf(err, errlen, "out of host memory");
        return NULL;
    }
    s->d = d;
    s->listen_fd = fd;
    s->fd = -1;
    s->port = ntohs(a.sin_port);
    snprintf(s->host, sizeof s->host, "%s", host);
    for (size_t i = 0; i < GDB_MAX_POINTS; i++)
        s->points[i].type = -1;
    gdb_reader_init(&s->reader);
    return s;
}

uint16_t gdbstub_port(const struct gdbstub *s) { return s->port; }
const char *gdbstub_host(const struct gdbstub *s) { return s->host; }
bool gdbstub_connected(const struct gdbstub *s) { return s->fd >= 0; }
bool gdbstub_killed(const struct gdbstub *s) { return s->killed; }

/* The breakpoints and watchpoints gdb set go with it. */
static void drop_points(struct gdbstub *s)
{
    for (size_t i = 0; i < GDB_MAX_POINTS; i++) {
        struct gdb_point *p = &s->points[i];
        if (p->type < 0)
            continue;
        if (p->type <= 1)
            dbg_break_delete(s->d, p->id);
        else
            dbg_watchpoint_delete(s->d, p->id);
        p->type = -1;
    }
}

static void hang_up(struct gdbstub *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    if (s->running)
        dbg_pause(s->d);
    s->running = false;
    drop_points(s);
}

void gdbstub_listen_again(struct gdbstub *s)
{
    hang_up(s);
    s->finished = s->killed = false;
}

void gdbstub_free(struct gdbstub *s)
{
    if (!s)
        return;
    hang_up(s);
    close(s->listen_fd);
    free(s->reply);
    free(s->frame);
    free(s);
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

bool gdb_send(struct gdbstub *s, const void *payload, size_t len, bool binary)
{
    if (s->fd < 0)
        return false;
    size_t n = gdb_frame(payload, len, binary, s->frame, 2 * GDB_PACKET_SIZE + 8);
    if (!n || !write_all(s->fd, s->frame, n)) {
        hang_up(s);
        return false;
    }
    return true;
}

bool gdb_send_str(struct gdbstub *s, const char *text) { return gdb_send(s, text, strlen(text), false); }

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void take_bytes(struct gdbstub *s, const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n && s->fd >= 0 && !s->finished; i++) {
        switch (gdb_reader_feed(&s->reader, bytes[i])) {
        case GDB_IN_PACKET:
            if (!s->no_ack && !write_all(s->fd, "+", 1)) {
                hang_up(s);
                return;
            }
            gdb_handle_packet(s, s->reader.data, s->reader.len);
            break;
        case GDB_IN_BAD_CHECKSUM:
        case GDB_IN_TOO_LONG:
            if (!s->no_ack && !write_all(s->fd, "-", 1))
                hang_up(s);
            break;
        case GDB_IN_INTERRUPT:
            if (s->running) {
                dbg_pause(s->d);
                s->interrupted = true;
            }
            break;
        default:
            break;
        }
    }
}

bool gdbstub_poll(struct gdbstub *s, int timeout_ms)
{
    if (s->finished)
        return false;
    if (s->fd < 0) {
        struct pollfd p = {.fd = s->listen_fd, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) <= 0)
            return true;
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0)
            return true;
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        s->fd = fd;
        s->no_ack = false;
        s->running = false;
        s->g_thread = 0;
        gdb_reader_init(&s->reader);
        return true;
    }
    struct pollfd p = {.fd = s->fd, .events = POLLIN};
    int r = poll(&p, 1, s->running ? 0 : timeout_ms);
    if (r > 0) {
        uint8_t buf[4096];
        ssize_t got = recv(s->fd, buf, sizeof buf, 0);
        if (got <= 0 && !(got < 0 && errno == EINTR)) {
            hang_up(s);   /* gdb went away (mid-command or not): the machine waits */
            return true;
        }
        if (got > 0)
            take_bytes(s, buf, (size_t)got);
    }
    if (s->running && s->fd >= 0) {
        /* A burst, then look at the socket again (^C). */
        uint64_t t0 = now_ns();
        while (dbg_busy(s->d) && now_ns() - t0 < BURST_NS) {
            uint64_t before = machine_cpu(s->d->m)->icount;
            if (dbg_advance(s->d, CHUNK_INSNS))
                break;
            if (machine_cpu(s->d->m)->icount == before && !s->d->rscan)
                break; /* idle until something outside happens */
        }
        if (!dbg_busy(s->d)) {
            s->running = false;
            char reply[128];
            gdb_stop_reply(s, reply, sizeof reply);
            gdb_send_str(s, reply);
        }
    }
    return !s->finished;
}
