/* socket.c — AF_UNIX sockets (unix(7)): socketpair, socket, bind (path
 * names, which create a socket inode, and abstract names, which start with
 * a NUL byte), listen, connect, accept/accept4, send/recv/sendto/recvfrom/
 * sendmsg/recvmsg with SCM_RIGHTS descriptor passing, shutdown,
 * getsockname/getpeername, getsockopt/setsockopt.
 *
 * Types: SOCK_STREAM (a byte stream), SOCK_DGRAM (records, connectionless)
 * and SOCK_SEQPACKET (records over a connection).  Each socket has a
 * receive queue of messages: a sender appends to its peer's queue (a
 * stream coalesces into the last message), a receiver takes from its own.
 * A message is one kernel-heap buffer holding its bytes, the sender's
 * name (datagrams) and the descriptors it carries.
 *
 * Other families answer EAFNOSUPPORT: this machine has no network, so
 * AF_INET/AF_INET6/AF_NETLINK are not there at all (a real Linux without
 * a network card would still have them, loopback included). */
#include "errno.h"
#include "fdtable.h"
#include "fileops.h"
#include "fs.h"
#include "kheap.h"
#include "memlayout.h"
#include "proc.h"
#include "signal.h"
#include "string.h"
#include "syscall.h"
#include "timer.h"
#include "uaccess.h"

#define AF_UNIX 1
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK O_NONBLOCK
#define SOCK_CLOEXEC O_CLOEXEC

#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_CTRUNC 0x8
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_EOR 0x80
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define MSG_CMSG_CLOEXEC 0x40000000

#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2
#define RCV_SHUTDOWN 1
#define SEND_SHUTDOWN 2

#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_PASSCRED 16
#define SO_PEERCRED 17
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21
#define SO_ACCEPTCONN 30
#define SO_PROTOCOL 38
#define SO_DOMAIN 39
#define SCM_RIGHTS 1

#define POLLRDNORM 0x040
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200
#define POLLRDHUP 0x2000

#define FIONREAD 0x541B
#define SIOCOUTQ 0x5411

/* Linux's defaults (net.core.wmem_default / wmem_max): what getsockopt
 * reports, and the send-buffer budget a datagram must fit (unix(7)). */
#define SOCK_BUF_DEFAULT 212992
#define SOCK_BUF_MAX 212992
#define SOCK_SNDBUF_MIN 4608
#define SOCK_RCVBUF_MIN 2304
/* How much may wait in one receive queue before senders block. */
#define QUEUE_BYTES_MAX 212992
#define QUEUE_MSGS_MAX 64
#define STREAM_MSG_BYTES (64 * 1024) /* a stream's message buffer */
#define SCM_MAX_FD 253               /* Linux's limit per message */
#define FDS_PER_MSG 64               /* ours: more is EINVAL (ETOOMANYREFS on Linux past 253) */
#define BACKLOG_MAX 64
#define MAX_SOCKETS 128
#define SUN_PATH_MAX 108

struct sockaddr_un {
    uint16_t family;
    char path[SUN_PATH_MAX];
};
#define SUN_PATH_OFFSET 2

struct ucred {
    int32_t pid, uid, gid;
};

struct sock_msg {
    struct sock_msg *next;
    uint64_t alloc;              /* bytes of this buffer (kheap) */
    uint64_t len, off, cap;      /* data bytes, bytes already read (stream), room */
    uint32_t nfds;
    struct file *fds[FDS_PER_MSG];
    struct sockaddr_un from;     /* datagrams: the sender's name */
    uint32_t fromlen;
    uint8_t data[];
};

enum sock_state { SS_UNCONNECTED, SS_LISTENING, SS_CONNECTED };

struct sock {
    int type;
    enum sock_state state;
    struct file *file;
    struct sock *peer;            /* connected peer (stream/seqpacket), or default destination (dgram) */
    struct sock_msg *head, *tail; /* the receive queue */
    uint64_t queued_bytes;
    int queued_msgs;
    int shutdown;                 /* RCV_SHUTDOWN | SEND_SHUTDOWN */
    bool was_connected;           /* a stream whose peer went away: EPIPE, not ENOTCONN */
    struct sockaddr_un name;      /* its name; namelen 0 = unnamed */
    uint32_t namelen;
    bool bound;                   /* the name is its own (bind, autobind), not its listener's */
    struct inode *inode;          /* a path name's socket inode */
    struct file *backlog[BACKLOG_MAX]; /* listener: connections not accepted yet */
    int nbacklog, max_backlog;
    int error;                    /* SO_ERROR */
    int sndbuf, rcvbuf;
    int passcred, reuseaddr, keepalive;
    int64_t rcvtimeo[2], sndtimeo[2]; /* SO_RCVTIMEO/SO_SNDTIMEO: struct timeval, 0 = none */
    struct ucred peercred;        /* SO_PEERCRED: the peer at connect time */
};

static struct sock *socks[MAX_SOCKETS];

static const struct file_ops sock_ops;

static struct sock *sock_of(struct file *f) { return f && f->kind == FILE_OPS && f->ops == &sock_ops ? f->priv : 0; }

/* For a descriptor argument: the socket, or -EBADF / -ENOTSOCK. */
static long sock_fd(uint64_t fd, struct sock **out)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    *out = sock_of(f);
    return *out ? 0 : -ENOTSOCK;
}

static struct ucred my_cred(void)
{
    struct proc *p = current_proc();
    return (struct ucred){p ? p->pid : 0, 0, 0}; /* everyone is root here (sys_getuid) */
}

static struct file *sock_create(int type, uint32_t flags)
{
    int slot = -1;
    for (int i = 0; i < MAX_SOCKETS && slot < 0; i++)
        if (!socks[i])
            slot = i;
    if (slot < 0)
        return 0;
    struct sock *s = kheap_alloc(sizeof *s);
    if (!s)
        return 0;
    struct file *f = file_new(&sock_ops, s, O_RDWR | (flags & O_NONBLOCK));
    if (!f) {
        kheap_free(s, sizeof *s);
        return 0;
    }
    s->type = type;
    s->file = f;
    s->sndbuf = s->rcvbuf = SOCK_BUF_DEFAULT;
    socks[slot] = s;
    return f;
}

/* Is s still open?  (kheap addresses are never reused, so a pointer kept
 * across a sleep can be checked against the table.) */
static bool alive(const struct sock *s)
{
    for (int i = 0; i < MAX_SOCKETS; i++)
        if (socks[i] == s)
            return true;
    return false;
}

static void msg_free(struct sock_msg *m)
{
    for (uint32_t i = 0; i < m->nfds; i++)
        file_close(m->fds[i]);
    kheap_free(m, m->alloc);
}

/* Readiness of s (and its peer's sender side) changed. */
static void changed(struct sock *s)
{
    if (s)
        file_changed(s->file);
}

static void sock_release(struct file *f)
{
    struct sock *s = f->priv;
    for (int i = 0; i < MAX_SOCKETS; i++) {
        struct sock *o = socks[i];
        if (o == s)
            socks[i] = 0;
        else if (o && o->peer == s) {
            /* The other end sees end of file and EPIPE (a stream), or
             * ECONNREFUSED on its next send (a datagram socket). */
            o->peer = 0;
            o->was_connected = true;
            if (o->type != SOCK_DGRAM) {
                o->shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
                if (s->head && o->type == SOCK_STREAM)
                    o->error = ECONNRESET; /* it sent bytes nobody will read (unix_release_sock) */
            }
            changed(o);
        }
    }
    while (s->head) {
        struct sock_msg *m = s->head;
        s->head = m->next;
        msg_free(m);
    }
    for (int i = 0; i < s->nbacklog; i++)
        file_close(s->backlog[i]);
    if (s->inode)
        fs_closed(s->inode); /* the name stays in the file system, as on Linux */
    kheap_free(s, sizeof *s);
}

/* ---- names ----------------------------------------------------------- */

/* A sockaddr_un from user memory: family checked, a path name made
 * absolute (out->path NUL-terminated), an abstract name kept as bytes.
 * Returns the name's length as Linux reports it, or -errno. */
static long get_name(uint64_t uaddr, uint64_t len, struct sockaddr_un *out, char *abspath)
{
    if (len < SUN_PATH_OFFSET || len > sizeof *out)
        return -EINVAL;
    memset(out, 0, sizeof *out);
    if (get_user(out, uaddr, len))
        return -EFAULT;
    if (out->family != AF_UNIX)
        return -EINVAL;
    if (len == SUN_PATH_OFFSET)
        return SUN_PATH_OFFSET; /* no name: autobind */
    if (out->path[0] == 0)
        return (long)len; /* abstract: every byte counts */
    char path[SUN_PATH_MAX + 1];
    memcpy(path, out->path, SUN_PATH_MAX);
    path[SUN_PATH_MAX] = 0;
    long err = fs_resolve(current_proc()->cwd, path, abspath);
    if (err)
        return err;
    return SUN_PATH_OFFSET + (long)strlen(out->path) + 1;
}

static bool same_abstract(const struct sock *s, const struct sockaddr_un *a, uint64_t len)
{
    return s->bound && s->namelen == len && s->name.path[0] == 0 && !memcmp(&s->name, a, len);
}

/* The socket bound to a name: by its inode for a path, by bytes for an
 * abstract name.  -ENOENT (no such file), -ECONNREFUSED (nobody there). */
static long lookup_name(const struct sockaddr_un *a, uint64_t len, const char *abspath, struct sock **out)
{
    if (a->path[0]) {
        struct inode *ino = fs_lookup(abspath);
        if (!ino)
            return -ENOENT;
        if (ino->type != INODE_SOCKET)
            return -ECONNREFUSED;
        for (int i = 0; i < MAX_SOCKETS; i++)
            if (socks[i] && socks[i]->inode == ino) {
                *out = socks[i];
                return 0;
            }
        return -ECONNREFUSED;
    }
    for (int i = 0; i < MAX_SOCKETS; i++)
        if (socks[i] && same_abstract(socks[i], a, len)) {
            *out = socks[i];
            return 0;
        }
    return -ECONNREFUSED;
}

/* Linux's autobind: an abstract name of five hex digits. */
static void autobind(struct sock *s)
{
    static uint32_t next = 0;
    for (;;) {
        struct sockaddr_un a = {.family = AF_UNIX};
        uint32_t n = next++ & 0xFFFFF;
        for (int i = 0; i < 5; i++)
            a.path[1 + i] = "0123456789abcdef"[(n >> (16 - 4 * i)) & 0xF];
        struct sock *taken;
        if (lookup_name(&a, SUN_PATH_OFFSET + 6, 0, &taken) == 0)
            continue;
        s->name = a;
        s->namelen = SUN_PATH_OFFSET + 6;
        s->bound = true;
        return;
    }
}

static long put_name(const struct sockaddr_un *name, uint32_t namelen, uint64_t uaddr, uint64_t ulen)
{
    if (!uaddr)
        return 0;
    int32_t room;
    if (get_user(&room, ulen, sizeof room))
        return -EFAULT;
    if (room < 0)
        return -EINVAL;
    struct sockaddr_un unnamed = {.family = AF_UNIX};
    if (!namelen) {
        name = &unnamed;
        namelen = SUN_PATH_OFFSET;
    }
    uint32_t n = (uint32_t)room < namelen ? (uint32_t)room : namelen;
    if (put_user(uaddr, name, n) || put_user(ulen, &namelen, sizeof namelen))
        return -EFAULT;
    return 0;
}

/* ---- the receive queue ----------------------------------------------- */

static bool queue_has_room(const struct sock *s, uint64_t bytes)
{
    return s->queued_msgs < QUEUE_MSGS_MAX && s->queued_bytes + bytes <= QUEUE_BYTES_MAX;
}

static struct sock_msg *msg_new(uint64_t cap)
{
    uint64_t alloc = sizeof(struct sock_msg) + cap;
    struct sock_msg *m = kheap_alloc(alloc);
    if (m) {
        m->alloc = alloc;
        m->cap = PAGE_ROUND_UP(alloc) - sizeof(struct sock_msg);
    }
    return m;
}

static void enqueue(struct sock *s, struct sock_msg *m)
{
    if (s->tail)
        s->tail->next = m;
    else
        s->head = m;
    s->tail = m;
    s->queued_msgs++;
}

static void dequeue(struct sock *s)
{
    struct sock_msg *m = s->head;
    s->head = m->next;
    if (!s->head)
        s->tail = 0;
    s->queued_msgs--;
    s->queued_bytes -= m->len - m->off;
    m->nfds = 0; /* handed to the receiver (or closed) by the caller */
    kheap_free(m, m->alloc);
}

/* Descriptors to send, from the SCM_RIGHTS messages of a control buffer. */
struct cmsghdr64 {
    uint64_t len;
    int32_t level, type;
};
#define CMSG_ALIGN8(n) (((n) + 7) & ~7ull)

static long get_rights(uint64_t uctl, uint64_t ctllen, struct file **fds, uint32_t *nfds)
{
    *nfds = 0;
    uint64_t off = 0;
    while (off + sizeof(struct cmsghdr64) <= ctllen) {
        struct cmsghdr64 h;
        if (get_user(&h, uctl + off, sizeof h))
            return -EFAULT;
        if (h.len < sizeof h || h.len > ctllen - off)
            return -EINVAL;
        if (h.level == SOL_SOCKET && h.type == SCM_RIGHTS) {
            uint64_t n = (h.len - sizeof h) / 4;
            if (*nfds + n > FDS_PER_MSG)
                return -EINVAL;
            for (uint64_t i = 0; i < n; i++) {
                int32_t fd;
                if (get_user(&fd, uctl + off + sizeof h + 4 * i, 4))
                    return -EFAULT;
                struct file *f = fd >= 0 ? fd_file((uint64_t)fd) : 0;
                if (!f)
                    return -EBADF;
                fds[(*nfds)++] = f;
            }
        } else if (h.level == SOL_SOCKET) {
            /* SCM_CREDENTIALS: everyone is root; nothing to check */
        } else {
            return -EINVAL;
        }
        off += CMSG_ALIGN8(h.len);
    }
    return 0;
}

/* Hand received descriptors to the receiver as one SCM_RIGHTS message;
 * the ones that do not fit are closed and MSG_CTRUNC is set (unix(7)). */
static long put_rights(struct sock_msg *m, uint64_t uctl, uint64_t room, uint64_t *ctllen, int *msg_flags,
                       bool cloexec)
{
    *ctllen = 0;
    if (!m->nfds)
        return 0;
    uint64_t fit = room >= sizeof(struct cmsghdr64) ? (room - sizeof(struct cmsghdr64)) / 4 : 0;
    if (!uctl)
        fit = 0;
    if (fit > m->nfds)
        fit = m->nfds;
    int32_t fds[FDS_PER_MSG];
    uint32_t installed = 0;
    for (uint32_t i = 0; i < fit; i++) {
        int fd = fd_install(m->fds[i], 0, cloexec);
        if (fd < 0)
            break;
        fds[installed++] = fd;
        m->fds[i] = 0; /* the descriptor owns it now */
    }
    for (uint32_t i = installed; i < m->nfds; i++) {
        file_close(m->fds[i]);
        *msg_flags |= MSG_CTRUNC;
    }
    m->nfds = 0;
    if (!installed)
        return 0;
    struct cmsghdr64 h = {sizeof h + 4 * installed, SOL_SOCKET, SCM_RIGHTS};
    if (put_user(uctl, &h, sizeof h) || put_user(uctl + sizeof h, fds, 4 * installed))
        return -EFAULT;
    *ctllen = sizeof h + 4 * installed;
    return 0;
}

/* ---- sending and receiving ------------------------------------------- */

/* One buffer of send/recv: EFAULT at once if it is not user memory. */
static long single_buf(struct user_buf *b, uint64_t addr, uint64_t len)
{
    user_buf_single(b, addr, len);
    return len && (addr >= USER_END || len > USER_END - addr) ? -EFAULT : 0;
}

struct xfer {
    struct user_buf data;
    int flags;                   /* MSG_* */
    struct file *fds[FDS_PER_MSG];
    uint32_t nfds;
    struct sock *dest;           /* datagram destination (sendto), or NULL */
    /* recvmsg */
    uint64_t uctl, ctllen;       /* control buffer and its size */
    uint64_t ctl_out;            /* control bytes written */
    int msg_flags;
    struct sockaddr_un from;
    uint32_t fromlen;
};

/* Sleep until s changes (the caller looks again), unless non-blocking or
 * past the deadline (SO_RCVTIMEO/SO_SNDTIMEO; 0 = none): 0, -EAGAIN or
 * -ERESTARTSYS. */
static long wait_until(struct sock *s, bool nonblock, uint64_t deadline)
{
    if (nonblock || (deadline && timer_ns() >= deadline))
        return -EAGAIN;
    if (signal_interrupted())
        return -ERESTARTSYS;
    file_sleep(s->file, s->file, deadline);
    return 0;
}

static long wait_for(struct sock *s, bool nonblock) { return wait_until(s, nonblock, 0); }

/* The deadline a socket timeout option sets for a call starting now. */
static uint64_t deadline_of(const int64_t tv[2])
{
    if (tv[0] <= 0 && tv[1] <= 0)
        return 0;
    return timer_ns() + (uint64_t)tv[0] * 1000000000ull + (uint64_t)tv[1] * 1000ull;
}

static long broken_pipe(int flags)
{
    if (!(flags & MSG_NOSIGNAL))
        signal_send_thread(current_thread(), SIGPIPE, SI_KERNEL);
    return -EPIPE;
}

static void take_fds(struct sock_msg *m, struct xfer *x)
{
    for (uint32_t i = 0; i < x->nfds; i++)
        m->fds[i] = file_dup(x->fds[i]);
    m->nfds = x->nfds;
    x->nfds = 0;
}

static long stream_send(struct sock *s, struct xfer *x, bool nonblock)
{
    uint64_t total = x->data.left, sent = 0, deadline = deadline_of(s->sndtimeo);
    if (s->shutdown & SEND_SHUTDOWN || !s->peer)
        return s->peer || s->was_connected || s->shutdown ? broken_pipe(x->flags) : -ENOTCONN;
    while (sent < total) {
        struct sock *p = s->peer;
        if (s->shutdown & SEND_SHUTDOWN || !p)
            return sent ? (long)sent : broken_pipe(x->flags);
        uint64_t want = total - sent;
        uint64_t space = p->queued_bytes < QUEUE_BYTES_MAX ? QUEUE_BYTES_MAX - p->queued_bytes : 0;
        struct sock_msg *m = p->tail;
        bool append = m && !m->nfds && !x->nfds && m->len < m->cap;
        if (!space || (!append && p->queued_msgs >= QUEUE_MSGS_MAX)) {
            long err = wait_until(s, nonblock, deadline);
            if (err)
                return sent ? (long)sent : err;
            continue;
        }
        uint64_t n = want < space ? want : space;
        if (!append) {
            m = msg_new(n < STREAM_MSG_BYTES ? n : STREAM_MSG_BYTES);
            if (!m)
                return sent ? (long)sent : -ENOMEM;
        }
        if (n > m->cap - m->len)
            n = m->cap - m->len;
        long got = user_buf_in(&x->data, m->data + m->len, n) ? -EFAULT : (long)n;
        if (got <= 0) {
            if (!append)
                msg_free(m);
            return sent ? (long)sent : got < 0 ? got : -EFAULT;
        }
        if (!append) {
            take_fds(m, x);
            m->from = s->name;
            m->fromlen = s->namelen;
            enqueue(p, m);
        }
        m->len += (uint64_t)got;
        p->queued_bytes += (uint64_t)got;
        sent += (uint64_t)got;
        changed(p);
    }
    return (long)sent;
}

static long record_send(struct sock *s, struct xfer *x, bool nonblock)
{
    uint64_t len = x->data.left, deadline = deadline_of(s->sndtimeo);
    if (len > (uint64_t)s->sndbuf - 32)
        return -EMSGSIZE;
    for (;;) {
        if (x->dest && !alive(x->dest))
            return -ECONNREFUSED; /* closed while we waited for room */
        struct sock *p = x->dest ? x->dest : s->peer;
        if (s->type == SOCK_SEQPACKET && (s->shutdown & SEND_SHUTDOWN || !p))
            return p || s->was_connected || s->shutdown ? broken_pipe(x->flags) : -ENOTCONN;
        if (!p) {
            if (!s->was_connected)
                return -ENOTCONN;
            s->was_connected = false; /* Linux: ECONNREFUSED once, then ENOTCONN */
            return -ECONNREFUSED;
        }
        if (p->type != s->type)
            return -EPROTOTYPE;
        if (s->type == SOCK_DGRAM && p->peer && p->peer != s && x->dest)
            return -EPERM; /* the receiver is connected to someone else */
        if (s->type == SOCK_DGRAM && p->shutdown & RCV_SHUTDOWN)
            return broken_pipe(x->flags);
        if (queue_has_room(p, len)) {
            struct sock_msg *m = msg_new(len);
            if (!m)
                return -ENOMEM;
            long got = user_buf_in(&x->data, m->data, len) ? -EFAULT : (long)len;
            if (got < 0) {
                msg_free(m);
                return got;
            }
            m->len = len;
            take_fds(m, x);
            m->from = s->name; /* the sender's name, if it has one (unix_copy_addr) */
            m->fromlen = s->namelen;
            p->queued_bytes += len;
            enqueue(p, m);
            changed(p);
            return (long)len;
        }
        long err = wait_until(s, nonblock, deadline);
        if (err)
            return err;
    }
}

static long sock_send(struct sock *s, struct xfer *x)
{
    bool nonblock = file_nonblocking(s->file) || (x->flags & MSG_DONTWAIT);
    if (x->flags & MSG_OOB)
        return -EOPNOTSUPP;
    if (s->state == SS_LISTENING)
        return -ENOTCONN;
    return s->type == SOCK_STREAM ? stream_send(s, x, nonblock) : record_send(s, x, nonblock);
}

/* A receiver has nothing to read: true to return 0 (end of file). */
static bool at_eof(const struct sock *s) { return (s->shutdown & RCV_SHUTDOWN) != 0; }

static long stream_recv(struct sock *s, struct xfer *x, bool nonblock)
{
    uint64_t want = x->data.left, got = 0, deadline = deadline_of(s->rcvtimeo);
    bool peek = x->flags & MSG_PEEK;
    if (s->state != SS_CONNECTED && !s->was_connected && !s->head)
        return -EINVAL; /* Linux: recv on an unconnected stream socket */
    for (;;) {
        struct sock_msg *m = s->head;
        uint64_t peek_off = 0;
        while (m && got < want) {
            uint64_t left = m->len - m->off - (peek ? peek_off : 0);
            uint64_t n = want - got < left ? want - got : left;
            long put = user_buf_out(&x->data, m->data + m->off + (peek ? peek_off : 0), n) ? -EFAULT : (long)n;
            if (put < 0)
                return got ? (long)got : put;
            if (!got) {
                x->from = m->from;
                x->fromlen = m->fromlen;
            }
            got += (uint64_t)put;
            bool had_fds = m->nfds != 0;
            if (had_fds && !peek) {
                long err = put_rights(m, x->uctl, x->ctllen, &x->ctl_out, &x->msg_flags, x->flags & MSG_CMSG_CLOEXEC);
                if (err)
                    return err;
            }
            if (peek) {
                peek_off += (uint64_t)put;
                if (peek_off == m->len - m->off) {
                    m = m->next;
                    peek_off = 0;
                }
            } else {
                m->off += (uint64_t)put;
                s->queued_bytes -= (uint64_t)put;
                if (m->off == m->len) {
                    dequeue(s);
                    m = s->head;
                }
            }
            if (had_fds)
                break; /* descriptors end a read, so they arrive with their bytes */
        }
        if (got && !peek && s->peer)
            changed(s->peer); /* room for the sender */
        if (got == want || (got && !(x->flags & MSG_WAITALL)) || want == 0)
            return (long)got;
        if (got && peek)
            return (long)got;
        if (!got && s->error) { /* sock_error(): reported once */
            long err = -s->error;
            s->error = 0;
            return err;
        }
        if (at_eof(s))
            return (long)got;
        long err = wait_until(s, nonblock, deadline);
        if (err)
            return got ? (long)got : err;
    }
}

static long record_recv(struct sock *s, struct xfer *x, bool nonblock)
{
    uint64_t deadline = deadline_of(s->rcvtimeo);
    while (!s->head) {
        if (at_eof(s) || (s->type == SOCK_SEQPACKET && s->was_connected && !s->peer))
            return 0;
        if (s->type == SOCK_SEQPACKET && s->state != SS_CONNECTED)
            return -ENOTCONN;
        long err = wait_until(s, nonblock, deadline);
        if (err)
            return err;
    }
    struct sock_msg *m = s->head;
    uint64_t n = m->len < x->data.left ? m->len : x->data.left;
    long put = user_buf_out(&x->data, m->data, n) ? -EFAULT : (long)n;
    if (put < 0)
        return put;
    if (m->len > n)
        x->msg_flags |= MSG_TRUNC;
    x->from = m->from;
    x->fromlen = m->fromlen;
    long ret = (x->flags & MSG_TRUNC) ? (long)m->len : put;
    if (!(x->flags & MSG_PEEK)) {
        long err = put_rights(m, x->uctl, x->ctllen, &x->ctl_out, &x->msg_flags, x->flags & MSG_CMSG_CLOEXEC);
        dequeue(s);
        if (s->type == SOCK_DGRAM) {
            for (int i = 0; i < MAX_SOCKETS; i++) /* senders waiting for room */
                if (socks[i] && (socks[i]->peer == s || socks[i]->type == SOCK_DGRAM))
                    file_changed(socks[i]->file);
        } else if (s->peer) {
            changed(s->peer);
        }
        if (err)
            return err;
    }
    return ret;
}

static long sock_recv(struct sock *s, struct xfer *x)
{
    bool nonblock = file_nonblocking(s->file) || (x->flags & MSG_DONTWAIT);
    if (x->flags & MSG_OOB)
        return -EOPNOTSUPP;
    if (s->state == SS_LISTENING)
        return -EINVAL;
    if (!x->uctl)
        x->ctllen = 0;
    return s->type == SOCK_STREAM ? stream_recv(s, x, nonblock) : record_recv(s, x, nonblock);
}

/* ---- the file operations --------------------------------------------- */

static long sock_read(struct file *f, struct user_buf *u)
{
    struct xfer x = {.data = *u};
    return sock_recv(f->priv, &x);
}

static long sock_write(struct file *f, struct user_buf *u)
{
    struct xfer x = {.data = *u};
    return sock_send(f->priv, &x);
}

/* As Linux's unix_poll / unix_dgram_poll. */
static unsigned sock_poll(struct file *f)
{
    struct sock *s = f->priv;
    unsigned mask = 0;
    if (s->error)
        mask |= POLLERR;
    if (s->shutdown == (RCV_SHUTDOWN | SEND_SHUTDOWN))
        mask |= POLLHUP;
    if (s->shutdown & RCV_SHUTDOWN)
        mask |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (s->head || (s->state == SS_LISTENING && s->nbacklog))
        mask |= POLLIN | POLLRDNORM;
    if (s->type != SOCK_DGRAM && s->state == SS_UNCONNECTED && !s->was_connected)
        mask |= POLLHUP;
    /* Writable: room in the peer's queue (Linux counts the sender's bytes in flight). */
    bool writable = s->state != SS_LISTENING && (!s->peer || queue_has_room(s->peer, 1));
    if (writable)
        mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return mask;
}

static long sock_ioctl(struct file *f, uint64_t cmd, uint64_t arg)
{
    struct sock *s = f->priv;
    int32_t n;
    switch (cmd) {
    case FIONREAD:
        n = s->type == SOCK_STREAM ? (int32_t)s->queued_bytes : s->head ? (int32_t)s->head->len : 0;
        break;
    case SIOCOUTQ:
        n = s->peer ? (int32_t)s->peer->queued_bytes : 0;
        break;
    default:
        return -ENOTTY;
    }
    return put_user(arg, &n, sizeof n) ? -EFAULT : 0;
}

static const struct file_ops sock_ops = {
    .name = "socket",
    .stat_mode = 0140777, /* S_IFSOCK | 0777 */
    .read = sock_read,
    .write = sock_write,
    .poll = sock_poll,
    .ioctl = sock_ioctl,
    .release = sock_release,
};

/* ---- system calls ---------------------------------------------------- */

static long check_type(uint64_t family, uint64_t type, uint64_t protocol)
{
    if (family != AF_UNIX)
        return -EAFNOSUPPORT;
    if (type & ~(uint64_t)(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    int t = (int)(type & SOCK_TYPE_MASK);
    if (t != SOCK_STREAM && t != SOCK_DGRAM && t != SOCK_SEQPACKET)
        return -ESOCKTNOSUPPORT;
    if (protocol != 0 && protocol != AF_UNIX)
        return -EPROTONOSUPPORT;
    return t;
}

long sys_socket(struct trapframe *tf)
{
    long t = check_type(ARG0(tf), ARG1(tf), ARG2(tf));
    if (t < 0)
        return t;
    struct file *f = sock_create((int)t, (uint32_t)ARG1(tf));
    if (!f)
        return -ENFILE;
    int fd = fd_install(f, 0, ARG1(tf) & SOCK_CLOEXEC);
    if (fd < 0)
        file_close(f);
    return fd;
}

static void connect_pair(struct sock *a, struct sock *b)
{
    a->peer = b;
    b->peer = a;
    a->state = b->state = SS_CONNECTED;
}

long sys_socketpair(struct trapframe *tf)
{
    long t = check_type(ARG0(tf), ARG1(tf), ARG2(tf));
    if (t < 0)
        return t;
    struct file *a = sock_create((int)t, (uint32_t)ARG1(tf));
    struct file *b = a ? sock_create((int)t, (uint32_t)ARG1(tf)) : 0;
    if (!b) {
        if (a)
            file_close(a);
        return -ENFILE;
    }
    connect_pair(a->priv, b->priv);
    ((struct sock *)a->priv)->peercred = ((struct sock *)b->priv)->peercred = my_cred();
    int fds[2];
    bool cloexec = ARG1(tf) & SOCK_CLOEXEC;
    fds[0] = fd_install(a, 0, cloexec);
    fds[1] = fds[0] >= 0 ? fd_install(b, 0, cloexec) : -EMFILE;
    if (fds[1] < 0 || put_user(ARG3(tf), fds, sizeof fds)) {
        if (fds[0] >= 0)
            fd_clear(fds[0]);
        else
            file_close(a);
        if (fds[1] >= 0)
            fd_clear(fds[1]);
        else
            file_close(b);
        return fds[1] < 0 ? -EMFILE : -EFAULT;
    }
    return 0;
}

long sys_bind(struct trapframe *tf)
{
    struct sock *s;
    long err = sock_fd(ARG0(tf), &s);
    if (err)
        return err;
    struct sockaddr_un a;
    char path[FS_PATH_MAX];
    long len = get_name(ARG1(tf), ARG2(tf), &a, path);
    if (len < 0)
        return len;
    if (a.path[0] && len > SUN_PATH_OFFSET && fs_lookup(path))
        return -EADDRINUSE; /* Linux makes the file first (mknod), then looks at the socket */
    if (s->namelen)
        return -EINVAL; /* already bound */
    if (len == SUN_PATH_OFFSET) {
        autobind(s);
        return 0;
    }
    if (a.path[0] == 0) {
        struct sock *taken;
        if (lookup_name(&a, (uint64_t)len, 0, &taken) == 0)
            return -EADDRINUSE;
    } else {
        int cerr;
        struct inode *ino = fs_lookup(path) ? 0 : fs_create(path, INODE_SOCKET, &cerr);
        if (!ino)
            return fs_lookup(path) ? -EADDRINUSE : cerr;
        ino->mode = 0777 & ~current_proc()->umask;
        fs_opened(ino);
        s->inode = ino;
    }
    s->name = a;
    s->namelen = (uint32_t)len;
    s->bound = true;
    return 0;
}

long sys_listen(struct trapframe *tf)
{
    struct sock *s;
    long err = sock_fd(ARG0(tf), &s);
    if (err)
        return err;
    if (s->type == SOCK_DGRAM)
        return -EOPNOTSUPP;
    if (s->state == SS_CONNECTED || !s->namelen)
        return -EINVAL;
    int backlog = (int)ARG1(tf);
    if (backlog < 0 || backlog > BACKLOG_MAX - 1)
        backlog = BACKLOG_MAX - 1;
    s->max_backlog = backlog;
    s->state = SS_LISTENING;
    changed(s);
    return 0;
}

long sys_connect(struct trapframe *tf)
{
    struct sock *s;
    long err = sock_fd(ARG0(tf), &s);
    if (err)
        return err;
    struct sockaddr_un a;
    char path[FS_PATH_MAX];
    long len = get_name(ARG1(tf), ARG2(tf), &a, path);
    if (len < 0)
        return len;
    if (len == SUN_PATH_OFFSET)
        return -EINVAL;
    struct sock *target;
    err = lookup_name(&a, (uint64_t)len, path, &target);
    if (err)
        return err;
    if (target->type != s->type) /* Linux: EPROTOTYPE for a datagram socket, ECONNREFUSED for a stream */
        return s->type == SOCK_DGRAM ? -EPROTOTYPE : -ECONNREFUSED;
    if (s->type == SOCK_DGRAM) {
        s->peer = target; /* the default destination, and the only sender accepted */
        s->peercred = my_cred();
        return 0;
    }
    if (s->state == SS_CONNECTED)
        return -EISCONN;
    if (s->state == SS_LISTENING)
        return -EINVAL;
    for (;;) {
        if (target->state != SS_LISTENING)
            return -ECONNREFUSED;
        if (target->nbacklog <= target->max_backlog)
            break;
        err = wait_for(target, file_nonblocking(s->file));
        if (err)
            return err;
        /* target may be gone: look it up again */
        err = lookup_name(&a, (uint64_t)len, path, &target);
        if (err)
            return err;
    }
    struct file *sf = sock_create(s->type, 0);
    if (!sf)
        return -ENFILE;
    struct sock *server = sf->priv;
    server->name = target->name; /* an accepted socket has its listener's name */
    server->namelen = target->namelen;
    connect_pair(s, server);
    server->peercred = my_cred();
    s->peercred = my_cred(); /* the listener's process; our own in one-process tests */
    for (int i = 0; i < proc_slots(); i++) {
        struct proc *p = proc_table(i);
        for (int fd = 0; p && p->state == PROC_ALIVE && fd < p->nfiles; fd++)
            if (fd_get(p, (uint64_t)fd) == target->file)
                s->peercred.pid = p->pid;
    }
    target->backlog[target->nbacklog++] = sf;
    changed(target);
    return 0;
}

static long do_accept(struct trapframe *tf, uint64_t flags)
{
    struct sock *s;
    long err = sock_fd(ARG0(tf), &s);
    if (err)
        return err;
    if (flags & ~(uint64_t)(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    if (s->type == SOCK_DGRAM)
        return -EOPNOTSUPP;
    if (s->state != SS_LISTENING)
        return -EINVAL;
    while (!s->nbacklog) {
        err = wait_for(s, file_nonblocking(s->file));
        if (err)
            return err;
        if (s->state != SS_LISTENING)
            return -EINVAL;
    }
    struct file *f = s->backlog[0];
    memmove(&s->backlog[0], &s->backlog[1], (size_t)(--s->nbacklog) * sizeof s->backlog[0]);
    changed(s); /* a blocked connect may go on */
    f->flags = (f->flags & ~O_NONBLOCK) | (flags & SOCK_NONBLOCK);
    struct sock *c = f->priv;
    int fd = fd_install(f, 0, flags & SOCK_CLOEXEC);
    if (fd < 0) {
        file_close(f);
        return fd;
    }
    struct sockaddr_un none = {.family = AF_UNIX};
    struct sock *peer = c->peer;
    err = put_name(peer ? &peer->name : &none, peer ? peer->namelen : 0, ARG1(tf), ARG2(tf));
    return err ? err : fd;
}

long sys_accept(struct trapframe *tf) { return do_accept(tf, 0); }
long sys_accept4(struct trapframe *tf) { return do_accept(tf, ARG3(tf)); }

long sys_shutdown(struct trapframe *tf)
{
    struct sock *s;
    long err = sock_fd(ARG0(tf), &s);
    if (err)
        return err;
    uint64_t how = ARG1(tf);
    if (how > SHUT_RDWR)
        return -EINVAL;
    int mine = how == SHUT_RD ? RCV_SHUTDOWN : how == SHUT_WR ? SEND_SHUTDOWN : RCV_SHUTDOWN | SEND_SHUTDOWN;
    s->shutdown |= mine;
    struct sock *p = s->peer;
    if (p && s->type != SOCK_DGRAM) { /* unix_shutdown: the peer's opposite half closes too */
        p->shutdown |= (mine & RCV_SHUTDOWN ? SEND_SHUTDOWN : 0) | (mine & SEND_SHUTDOWN ? RCV_SHUTDOWN : 0);
        changed(p);
    }
    changed(s);
    return 0;
}

long sys_getsockname(struct trapframe *tf)
{
    struct sock *s;
    long err = sock_fd(ARG0(tf), &s);
    return err ? err : put_name(&s->name, s->namelen, ARG1(tf), ARG2(tf));
}

long sys_getpeername(struct trapframe *tf)
{
    struct sock *s;
    long err = sock_fd(ARG0(tf), &s);
    if (err)
        return err;
    if (!s->peer)
        return -ENOTCONN;
    return put_name(&s->peer->name, s->peer->namelen, ARG1(tf), ARG2(tf));
}

/* msg_name, msg_namelen, msg_iov, msg_iovlen, msg_control, msg_controllen, msg_flags */
struct msghdr64 {
    uint64_t name;
    uint32_t namelen, pad0;
    uint64_t iov, iovlen, control, controllen;
    int32_t flags, pad1;
};

/* The destination of sendto/sendmsg: NULL (connected) or a socket. */
static long send_dest(struct sock *s, uint64_t uaddr, uint64_t len, struct sock **dest)
{
    *dest = 0;
    if (!uaddr)
        return 0;
    if (s->type != SOCK_DGRAM)
        return s->state == SS_CONNECTED ? -EISCONN : -EOPNOTSUPP;
    struct sockaddr_un a;
    char path[FS_PATH_MAX];
    long n = get_name(uaddr, len, &a, path);
    if (n < 0)
        return n;
    if (n == SUN_PATH_OFFSET)
        return -EINVAL;
    return lookup_name(&a, (uint64_t)n, path, dest);
}

long sys_sendto(struct trapframe *tf)
{
    struct sock *s;
    long err = sock_fd(ARG0(tf), &s);
    if (err)
        return err;
    struct xfer x = {.flags = (int)ARG3(tf)};
    if ((err = single_buf(&x.data, ARG1(tf), ARG2(tf))) || (err = send_dest(s, ARG4(tf), ARG5(tf), &x.dest)))
        return err;
    return sock_send(s, &x);
}

long sys_recvfrom(struct trapframe *tf)
{
    struct sock *s;
    long err = sock_fd(ARG0(tf), &s);
    if (err)
        return err;
    struct xfer x = {.flags = (int)ARG3(tf)};
    if ((err = single_buf(&x.data, ARG1(tf), ARG2(tf))))
        return err;
    long n = sock_recv(s, &x);
    if (n >= 0 && ARG4(tf) && ARG5(tf)) {
        /* the sender's name; length 0 when it has none (unix_copy_addr) */
        uint32_t room;
        if (get_user(&room, ARG5(tf), sizeof room))
            return -EFAULT;
        uint32_t put = x.fromlen < room ? x.fromlen : room;
        if ((put && put_user(ARG4(tf), &x.from, put)) || put_user(ARG5(tf), &x.fromlen, sizeof x.fromlen))
            return -EFAULT;
    }
    return n;
}

long sys_sendmsg(struct trapframe *tf)
{
    struct sock *s;
    long err = sock_fd(ARG0(tf), &s);
    if (err)
        return err;
    struct msghdr64 h;
    if (get_user(&h, ARG1(tf), sizeof h))
        return -EFAULT;
    struct xfer x = {.flags = (int)ARG2(tf)};
    if ((err = user_buf_iovec(&x.data, h.iov, h.iovlen)) || (err = send_dest(s, h.name, h.namelen, &x.dest)))
        return err;
    if (h.control && h.controllen && (err = get_rights(h.control, h.controllen, x.fds, &x.nfds)))
        return err;
    return sock_send(s, &x);
}

long sys_recvmsg(struct trapframe *tf)
{
    struct sock *s;
    long err = sock_fd(ARG0(tf), &s);
    if (err)
        return err;
    struct msghdr64 h;
    if (get_user(&h, ARG1(tf), sizeof h))
        return -EFAULT;
    struct xfer x = {.flags = (int)ARG2(tf), .uctl = h.control, .ctllen = h.controllen};
    if ((err = user_buf_iovec(&x.data, h.iov, h.iovlen)))
        return err;
    long n = sock_recv(s, &x);
    if (n < 0)
        return n;
    h.controllen = x.ctl_out;
    h.flags = x.msg_flags;
    if (h.name) {
        uint32_t put = x.fromlen < h.namelen ? x.fromlen : h.namelen;
        if (put && put_user(h.name, &x.from, put))
            return -EFAULT;
        h.namelen = x.fromlen;
    } else {
        h.namelen = 0;
    }
    if (put_user(ARG1(tf), &h, sizeof h))
        return -EFAULT;
    return n;
}

/* ---- socket options -------------------------------------------------- */

long sys_getsockopt(struct trapframe *tf)
{
    struct sock *s;
    long err = sock_fd(ARG0(tf), &s);
    if (err)
        return err;
    if (ARG1(tf) != SOL_SOCKET)
        return -EOPNOTSUPP;
    int32_t len;
    if (get_user(&len, ARG4(tf), sizeof len))
        return -EFAULT;
    if (len < 0)
        return -EINVAL;
    int32_t v = 0;
    const void *src = &v;
    uint32_t size = sizeof v;
    int64_t tv[2];
    switch (ARG2(tf)) {
    case SO_TYPE: v = s->type; break;
    case SO_ERROR: v = s->error; s->error = 0; break;
    case SO_SNDBUF: v = s->sndbuf; break;
    case SO_RCVBUF: v = s->rcvbuf; break;
    case SO_PASSCRED: v = s->passcred; break;
    case SO_REUSEADDR: v = s->reuseaddr; break;
    case SO_KEEPALIVE: v = s->keepalive; break;
    case SO_ACCEPTCONN: v = s->state == SS_LISTENING; break;
    case SO_DOMAIN: v = AF_UNIX; break;
    case SO_PROTOCOL: v = 0; break;
    case SO_PEERCRED: {
        static struct ucred none = {0, -1, -1};
        src = s->peer || s->was_connected ? &s->peercred : &none;
        size = sizeof(struct ucred);
        break;
    }
    case SO_RCVTIMEO:
    case SO_SNDTIMEO:
        memcpy(tv, ARG2(tf) == SO_RCVTIMEO ? s->rcvtimeo : s->sndtimeo, sizeof tv);
        src = tv;
        size = sizeof tv;
        break;
    default:
        return -ENOPROTOOPT;
    }
    if ((uint32_t)len > size)
        len = (int32_t)size;
    if (put_user(ARG3(tf), src, (uint32_t)len) || put_user(ARG4(tf), &len, sizeof len))
        return -EFAULT;
    return 0;
}

long sys_setsockopt(struct trapframe *tf)
{
    struct sock *s;
    long err = sock_fd(ARG0(tf), &s);
    if (err)
        return err;
    if (ARG1(tf) != SOL_SOCKET)
        return -EOPNOTSUPP;
    uint64_t opt = ARG2(tf), len = (uint32_t)ARG4(tf);
    if (opt == SO_RCVTIMEO || opt == SO_SNDTIMEO) {
        int64_t tv[2];
        if (len < sizeof tv)
            return -EINVAL;
        if (get_user(tv, ARG3(tf), sizeof tv))
            return -EFAULT;
        if (tv[1] < 0 || tv[1] >= 1000000)
            return -EDOM;
        if (tv[0] < 0)
            tv[0] = tv[1] = 0; /* a negative timeout: none (socket(7)) */
        memcpy(opt == SO_RCVTIMEO ? s->rcvtimeo : s->sndtimeo, tv, sizeof tv);
        return 0;
    }
    int32_t v;
    if (len < sizeof v)
        return -EINVAL;
    if (get_user(&v, ARG3(tf), sizeof v))
        return -EFAULT;
    switch (opt) {
    case SO_SNDBUF: /* socket(7): the kernel doubles the value, within [min, 2 * wmem_max] */
        v = v < 0 ? 0 : v > SOCK_BUF_MAX ? SOCK_BUF_MAX : v;
        s->sndbuf = 2 * v < SOCK_SNDBUF_MIN ? SOCK_SNDBUF_MIN : 2 * v;
        return 0;
    case SO_RCVBUF:
        v = v < 0 ? 0 : v > SOCK_BUF_MAX ? SOCK_BUF_MAX : v;
        s->rcvbuf = 2 * v < SOCK_RCVBUF_MIN ? SOCK_RCVBUF_MIN : 2 * v;
        return 0;
    case SO_PASSCRED: s->passcred = v != 0; return 0;
    case SO_REUSEADDR: s->reuseaddr = v != 0; return 0;
    case SO_KEEPALIVE: s->keepalive = v != 0; return 0;
    case SO_TYPE:
    case SO_ERROR:
    case SO_PEERCRED:
    case SO_ACCEPTCONN:
    case SO_DOMAIN:
    case SO_PROTOCOL:
        return -ENOPROTOOPT;
    default:
        return -ENOPROTOOPT;
    }
}
