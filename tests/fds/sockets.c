/* sockets.c — AF_UNIX sockets, run natively and on the guest kernel by
 * tests/test_kernel_fds.c (the outputs must be equal byte for byte).
 * Every line is free of host specifics: no pids, addresses or times. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "errname.h"

static const char *err(long r) { return r >= 0 ? "ok" : errname(errno); }
#define SHOW(what, call) do { long r_ = (long)(call); printf("%-40s %ld %s\n", what, r_ < 0 ? -1 : r_, err(r_)); } while (0)

static int sigpipes;
static void on_sigpipe(int sig) { (void)sig; sigpipes++; }

static socklen_t path_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, name, strlen(name));
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static void show_name(const char *what, int fd, int peer)
{
    struct sockaddr_un a;
    memset(&a, 0xAA, sizeof a);
    socklen_t len = sizeof a;
    int r = peer ? getpeername(fd, (struct sockaddr *)&a, &len) : getsockname(fd, (struct sockaddr *)&a, &len);
    if (r < 0) {
        printf("%-40s %s\n", what, err(r));
        return;
    }
    int abstract = len > 2 && a.sun_path[0] == 0;
    int shown = len > 2 ? (int)(len - 2 - (abstract ? 1 : 0)) : 0;
    printf("%-40s len=%u family=%d %s%.*s\n", what, len, a.sun_family, abstract ? "@" : "", shown,
           a.sun_path + abstract);
}

static void show_poll(const char *what, int fd)
{
    struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};
    int n = poll(&p, 1, 0);
    printf("%-40s n=%d%s%s%s%s%s\n", what, n, p.revents & POLLIN ? " IN" : "", p.revents & POLLOUT ? " OUT" : "",
           p.revents & POLLHUP ? " HUP" : "", p.revents & POLLRDHUP ? " RDHUP" : "", p.revents & POLLERR ? " ERR" : "");
}

static int getint(int fd, int opt)
{
    int v = -1;
    socklen_t len = sizeof v;
    if (getsockopt(fd, SOL_SOCKET, opt, &v, &len) < 0)
        return -errno;
    return v;
}

static void stream_pair(void)
{
    int sv[2];
    char buf[64];
    SHOW("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct stat st;
    fstat(sv[0], &st);
    printf("%-40s %d\n", "fstat S_ISSOCK", S_ISSOCK(st.st_mode));
    printf("%-40s type=%d error=%d domain=%d acceptconn=%d\n", "getsockopt", getint(sv[0], SO_TYPE),
           getint(sv[0], SO_ERROR), getint(sv[0], SO_DOMAIN), getint(sv[0], SO_ACCEPTCONN));
    int v = 4096;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
    setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    printf("%-40s snd=%d rcv=%d\n", "SO_SNDBUF/SO_RCVBUF after 4096", getint(sv[0], SO_SNDBUF), getint(sv[0], SO_RCVBUF));
    SHOW("getsockopt bad option", getint(sv[0], 12345) < 0 ? (errno = -getint(sv[0], 12345), -1) : 0);
    SHOW("setsockopt level 6", setsockopt(sv[0], 6, 1, &v, sizeof v));
    struct ucred cred;
    socklen_t clen = sizeof cred;
    SHOW("SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cred, &clen));
    printf("%-40s len=%u pid_is_me=%d uid_ok=%d\n", "peer cred", clen, cred.pid == getpid(), cred.uid == getuid());
    show_poll("poll fresh pair", sv[0]);
    SHOW("write", write(sv[0], "hello", 5));
    show_poll("poll with data", sv[1]);
    int avail = -1;
    ioctl(sv[1], FIONREAD, &avail);
    printf("%-40s %d\n", "FIONREAD", avail);
    SHOW("send", send(sv[0], " world", 6, 0));
    SHOW("recv MSG_PEEK", recv(sv[1], buf, 3, MSG_PEEK));
    SHOW("read coalesces", read(sv[1], buf, sizeof buf));
    buf[11] = 0;
    printf("%-40s %s\n", "bytes", buf);
    show_name("getsockname pair", sv[0], 0);
    show_name("getpeername pair", sv[0], 1);
    SHOW("recv MSG_DONTWAIT empty", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    struct timeval tmo = {0, 30000}, tback;
    SHOW("SO_RCVTIMEO 30 ms", setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof tmo));
    socklen_t tlen = sizeof tback;
    getsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tback, &tlen);
    printf("%-40s %d\n", "SO_RCVTIMEO reads back (Linux: in jiffies)", tback.tv_sec == 0 && tback.tv_usec >= 30000 &&
                                                                    tback.tv_usec < 45000);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    SHOW("recv times out", recv(sv[1], buf, sizeof buf, 0));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long waited_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    printf("%-40s %d\n", "after about 30 ms", waited_ms >= 25 && waited_ms < 1000);
    tmo.tv_usec = 2000000;
    SHOW("SO_RCVTIMEO bad usec", setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof tmo));
    tmo.tv_usec = 0;
    setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof tmo);
    SHOW("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
    show_poll("poll after peer SHUT_WR", sv[1]);
    SHOW("read after peer SHUT_WR", read(sv[1], buf, sizeof buf));
    SHOW("write after own SHUT_WR (MSG_NOSIGNAL)", send(sv[0], "x", 1, MSG_NOSIGNAL));
    SHOW("write the other way still works", write(sv[1], "back", 4));
    SHOW("read it", read(sv[0], buf, sizeof buf));
    SHOW("shutdown bad how", shutdown(sv[0], 7));
    close(sv[1]);
    show_poll("poll after peer close", sv[0]);
    SHOW("read after peer close", read(sv[0], buf, sizeof buf));
    int before = sigpipes;
    SHOW("write after peer close", write(sv[0], "x", 1));
    printf("%-40s %d\n", "SIGPIPE delivered", sigpipes - before);
    before = sigpipes;
    SHOW("send MSG_NOSIGNAL after close", send(sv[0], "x", 1, MSG_NOSIGNAL));
    printf("%-40s %d\n", "SIGPIPE delivered", sigpipes - before);
    close(sv[0]);
    SHOW("socket AF_UNIX bad type", socket(AF_UNIX, 9, 0));
    SHOW("socketpair bad protocol", socketpair(AF_UNIX, SOCK_STREAM, 7, sv));
    SHOW("getsockname on a pipe", getsockname(0 * pipe(sv) + sv[0], NULL, NULL));
    close(sv[0]);
    close(sv[1]);
}

/* 1 MiB through a socketpair between two processes, checksummed. */
static void stream_bulk(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    enum { TOTAL = 1 << 20 };
    pid_t child = fork();
    if (child == 0) {
        close(sv[0]);
        static unsigned char chunk[70000];
        long sent = 0;
        unsigned k = 0;
        while (sent < TOTAL) {
            long n = TOTAL - sent < (long)sizeof chunk ? TOTAL - sent : (long)sizeof chunk;
            for (long i = 0; i < n; i++)
                chunk[i] = (unsigned char)(k++ * 7 + 3);
            long w = write(sv[1], chunk, n);
            if (w != n)
                _exit(1);
            sent += w;
        }
        _exit(0);
    }
    close(sv[1]);
    static unsigned char buf[5000];
    long total = 0;
    unsigned k = 0, bad = 0;
    for (;;) {
        long n = read(sv[0], buf, sizeof buf);
        if (n <= 0)
            break;
        for (long i = 0; i < n; i++)
            bad += buf[i] != (unsigned char)(k++ * 7 + 3);
        total += n;
    }
    int status;
    waitpid(child, &status, 0);
    printf("%-40s total=%ld bad=%u child=%d\n", "stream 1 MiB between processes", total, bad, WEXITSTATUS(status));
    close(sv[0]);
}

static void nonblocking(void)
{
    int sv[2];
    SHOW("socketpair SOCK_NONBLOCK|CLOEXEC", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
    printf("%-40s nonblock=%d cloexec=%d\n", "flags", (fcntl(sv[0], F_GETFL) & O_NONBLOCK) != 0,
           fcntl(sv[0], F_GETFD) == FD_CLOEXEC);
    char buf[4096];
    SHOW("read empty non-blocking", read(sv[0], buf, sizeof buf));
    memset(buf, 'z', sizeof buf);
    long total = 0, w;
    while ((w = write(sv[0], buf, sizeof buf)) > 0)
        total += w;
    printf("%-40s filled=%d %s\n", "write until full", total > 4096, err(w));
    show_poll("poll full writer", sv[0]);
    long drained = 0, r;
    while ((r = read(sv[1], buf, sizeof buf)) > 0)
        drained += r;
    printf("%-40s same=%d %s\n", "drain", drained == total, err(r));
    show_poll("poll drained writer", sv[0]);
    close(sv[0]);
    close(sv[1]);
    /* fcntl O_NONBLOCK on a blocking socket */
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    SHOW("dgram recv after F_SETFL O_NONBLOCK", recv(sv[0], buf, 10, 0));
    int n = 0;
    while (send(sv[1], "d", 1, MSG_DONTWAIT) == 1)
        n++;
    printf("%-40s some=%d %s\n", "dgram send until full", n > 5, errname(errno));
    close(sv[0]);
    close(sv[1]);
}

static void records(int type, const char *name)
{
    int sv[2];
    char buf[64], line[64];
    snprintf(line, sizeof line, "socketpair %s", name);
    SHOW(line, socketpair(AF_UNIX, type, 0, sv));
    SHOW("send abc", send(sv[0], "abc", 3, 0));
    SHOW("send defgh", send(sv[0], "defgh", 5, 0));
    SHOW("send empty record", send(sv[0], "", 0, 0));
    SHOW("recv keeps the boundary", recv(sv[1], buf, sizeof buf, 0));
    struct iovec iov = {buf, 2};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    SHOW("recvmsg into 2 bytes", recvmsg(sv[1], &mh, 0));
    printf("%-40s trunc=%d\n", "msg_flags", (mh.msg_flags & MSG_TRUNC) != 0);
    SHOW("recv the empty record", recv(sv[1], buf, sizeof buf, 0));
    SHOW("send xyz", send(sv[0], "xyz", 3, 0));
    SHOW("recv MSG_TRUNC gives the real length", recv(sv[1], buf, 1, MSG_TRUNC));
    static char big[300000];
    SHOW("send 100000-byte record", send(sv[0], big, 100000, 0));
    SHOW("recv it", recv(sv[1], big, sizeof big, 0));
    SHOW("send 300000-byte record", send(sv[0], big, 300000, 0));
    /* gather and scatter */
    struct iovec out[3] = {{"one", 3}, {"two", 3}, {"three", 5}};
    struct msghdr om = {.msg_iov = out, .msg_iovlen = 3};
    SHOW("sendmsg 3 iovecs", sendmsg(sv[0], &om, 0));
    char a[4] = {0}, b[20] = {0};
    struct iovec in[2] = {{a, 3}, {b, sizeof b - 1}};
    struct msghdr im = {.msg_iov = in, .msg_iovlen = 2};
    SHOW("recvmsg 2 iovecs", recvmsg(sv[1], &im, 0));
    printf("%-40s %s|%s\n", "scattered", a, b);
    close(sv[0]);
    SHOW("recv after peer close", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    SHOW("send after peer close", send(sv[1], "q", 1, MSG_NOSIGNAL));
    close(sv[1]);
}

static void named_stream(void)
{
    char path[64], buf[64];
    snprintf(path, sizeof path, "/tmp/rs-sock-test");
    unlink(path);
    struct sockaddr_un a, b;
    socklen_t alen = path_addr(&a, path);
    int srv = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("%-40s %d\n", "socket stream", srv >= 0);
    show_poll("poll unconnected", srv);
    SHOW("listen before bind", listen(srv, 4));
    SHOW("bind path", bind(srv, (struct sockaddr *)&a, alen));
    SHOW("bind again", bind(srv, (struct sockaddr *)&a, alen));
    struct stat st;
    SHOW("stat the socket file", stat(path, &st));
    printf("%-40s %d\n", "S_ISSOCK", S_ISSOCK(st.st_mode));
    SHOW("open the socket file", open(path, O_RDONLY));
    int other = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("bind a taken path", bind(other, (struct sockaddr *)&a, alen));
    int cl = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("connect before listen", connect(cl, (struct sockaddr *)&a, alen));
    SHOW("listen", listen(srv, 4));
    printf("%-40s %d\n", "SO_ACCEPTCONN", getint(srv, SO_ACCEPTCONN));
    show_poll("poll listener, nobody", srv);
    SHOW("connect", connect(cl, (struct sockaddr *)&a, alen));
    SHOW("connect again", connect(cl, (struct sockaddr *)&a, alen));
    show_poll("poll listener, one waiting", srv);
    socklen_t blen = sizeof b;
    memset(&b, 0, sizeof b);
    int acc = accept4(srv, (struct sockaddr *)&b, &blen, SOCK_CLOEXEC);
    printf("%-40s %d %s blen=%u cloexec=%d\n", "accept4 SOCK_CLOEXEC", acc >= 0, err(acc), blen,
           fcntl(acc, F_GETFD) == FD_CLOEXEC);
    show_name("getsockname listener", srv, 0);
    show_name("getsockname accepted", acc, 0);
    show_name("getpeername accepted", acc, 1);
    show_name("getsockname client", cl, 0);
    show_name("getpeername client", cl, 1);
    show_name("getpeername listener", srv, 1);
    SHOW("send client->server", send(cl, "ping", 4, 0));
    socklen_t flen = sizeof b;
    SHOW("recvfrom on server", recvfrom(acc, buf, sizeof buf, 0, (struct sockaddr *)&b, &flen));
    printf("%-40s %u\n", "from length (unbound client)", flen);
    SHOW("send server->client", send(acc, "pong", 4, 0));
    flen = sizeof b;
    SHOW("recvfrom on client", recvfrom(cl, buf, sizeof buf, 0, (struct sockaddr *)&b, &flen));
    printf("%-40s %u %s\n", "from (the listener's name)", flen, b.sun_path);
    struct ucred cred;
    socklen_t clen = sizeof cred;
    getsockopt(acc, SOL_SOCKET, SO_PEERCRED, &cred, &clen);
    printf("%-40s %d\n", "SO_PEERCRED accepted: me", cred.pid == getpid());
    int nb = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    socklen_t nblen = abstract_addr(&b, "rs-nb");
    bind(nb, (struct sockaddr *)&b, nblen);
    listen(nb, 1);
    SHOW("accept non-blocking, nobody", accept(nb, NULL, NULL));
    close(nb);
    SHOW("accept on a non-listening socket", accept(cl, NULL, NULL));
    SHOW("shutdown client SHUT_WR", shutdown(cl, SHUT_WR));
    SHOW("server reads end of file", read(acc, buf, sizeof buf));
    SHOW("server still writes", write(acc, "late", 4));
    SHOW("client reads it", read(cl, buf, sizeof buf));
    close(acc);
    close(cl);
    close(srv);
    int again = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("connect to a closed listener's file", connect(again, (struct sockaddr *)&a, alen));
    SHOW("unlink the socket file", unlink(path));
    SHOW("connect to a missing path", connect(again, (struct sockaddr *)&a, alen));
    close(again);
    close(other);
    /* many clients, a backlog */
    srv = socket(AF_UNIX, SOCK_STREAM, 0);
    alen = abstract_addr(&a, "rs-backlog");
    bind(srv, (struct sockaddr *)&a, alen);
    listen(srv, 8);
    int clients[5], ok = 0;
    for (int i = 0; i < 5; i++) {
        clients[i] = socket(AF_UNIX, SOCK_STREAM, 0);
        ok += connect(clients[i], (struct sockaddr *)&a, alen) == 0;
        char c = (char)('A' + i);
        write(clients[i], &c, 1);
    }
    printf("%-40s %d\n", "5 clients connected", ok);
    for (int i = 0; i < 5; i++) {
        int s = accept(srv, NULL, NULL);
        char c = '?';
        read(s, &c, 1);
        printf("%-40s %c\n", "accepted in order", c);
        close(s);
        close(clients[i]);
    }
    close(srv);
}

static void abstract_and_dgram(void)
{
    struct sockaddr_un a, b, from;
    char buf[64];
    socklen_t alen = abstract_addr(&a, "rs-dgram-server");
    int srv = socket(AF_UNIX, SOCK_DGRAM, 0);
    SHOW("bind abstract", bind(srv, (struct sockaddr *)&a, alen));
    show_name("getsockname abstract", srv, 0);
    int dup = socket(AF_UNIX, SOCK_DGRAM, 0);
    SHOW("bind the same abstract name", bind(dup, (struct sockaddr *)&a, alen));
    SHOW("listen on a datagram socket", listen(srv, 1));
    int cl = socket(AF_UNIX, SOCK_DGRAM, 0);
    SHOW("sendto unbound client", sendto(cl, "hi", 2, 0, (struct sockaddr *)&a, alen));
    socklen_t flen = sizeof from;
    memset(&from, 0, sizeof from);
    SHOW("recvfrom", recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen));
    printf("%-40s %u\n", "from length (unbound)", flen);
    socklen_t blen = path_addr(&b, "/tmp/rs-dgram-client");
    unlink("/tmp/rs-dgram-client");
    SHOW("bind client path", bind(cl, (struct sockaddr *)&b, blen));
    SHOW("sendto bound client", sendto(cl, "again", 5, 0, (struct sockaddr *)&a, alen));
    flen = sizeof from;
    SHOW("recvfrom", recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen));
    printf("%-40s %u %s\n", "from", flen, from.sun_path);
    SHOW("reply by address", sendto(srv, "reply", 5, 0, (struct sockaddr *)&from, flen));
    SHOW("client gets it", recv(cl, buf, sizeof buf, 0));
    SHOW("send unconnected, no address", send(cl, "x", 1, 0));
    SHOW("connect dgram", connect(cl, (struct sockaddr *)&a, alen));
    show_name("getpeername dgram", cl, 1);
    SHOW("send connected", send(cl, "conn", 4, 0));
    SHOW("recv", recv(srv, buf, sizeof buf, 0));
    struct sockaddr_un nobody;
    socklen_t nlen = abstract_addr(&nobody, "rs-nobody-here");
    SHOW("sendto nobody (abstract)", sendto(srv, "x", 1, 0, (struct sockaddr *)&nobody, nlen));
    nlen = path_addr(&nobody, "/tmp/rs-no-such-socket");
    SHOW("sendto nobody (path)", sendto(srv, "x", 1, 0, (struct sockaddr *)&nobody, nlen));
    int st = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("stream connect to a dgram name", connect(st, (struct sockaddr *)&a, alen));
    nlen = abstract_addr(&nobody, "rs-nobody-here");
    SHOW("stream connect to nobody", connect(st, (struct sockaddr *)&nobody, nlen));
    close(srv);
    SHOW("send to a closed peer", send(cl, "x", 1, 0));
    SHOW("send again", send(cl, "x", 1, 0));
    close(st);
    close(cl);
    close(dup);
    unlink("/tmp/rs-dgram-client");
}

/* SCM_RIGHTS: a pipe's read end travels over a socket, also to a child. */
static int send_fd(int sock, int fd, const char *data)
{
    char ctl[CMSG_SPACE(sizeof(int))];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = {(void *)data, strlen(data)};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    return (int)sendmsg(sock, &m, 0);
}

static int recv_fd(int sock, char *data, size_t n, int flags, size_t ctlroom, int *msg_flags)
{
    char ctl[CMSG_SPACE(sizeof(int)) * 2];
    struct iovec iov = {data, n};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = ctlroom};
    long r = recvmsg(sock, &m, flags);
    *msg_flags = m.msg_flags;
    if (r < 0)
        return -2;
    data[r] = 0;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (!c || c->cmsg_type != SCM_RIGHTS)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

static void pass_fds(void)
{
    int sv[2], p[2], flags;
    char buf[64];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pipe(p);
    SHOW("sendmsg SCM_RIGHTS", send_fd(sv[0], p[0], "fd!"));
    close(p[0]);
    int got = recv_fd(sv[1], buf, sizeof buf, MSG_CMSG_CLOEXEC, sizeof(char[CMSG_SPACE(sizeof(int))]), &flags);
    printf("%-40s got=%d data=%s cloexec=%d\n", "recvmsg SCM_RIGHTS", got >= 0, buf, fcntl(got, F_GETFD) == FD_CLOEXEC);
    write(p[1], "through", 7);
    close(p[1]);
    SHOW("read the passed pipe", read(got, buf, sizeof buf));
    close(got);
    /* no room for the descriptor: MSG_CTRUNC */
    pipe(p);
    send_fd(sv[0], p[1], "x");
    got = recv_fd(sv[1], buf, sizeof buf, 0, 0, &flags);
    printf("%-40s got=%d ctrunc=%d\n", "recvmsg without control room", got, (flags & MSG_CTRUNC) != 0);
    close(p[1]);
    SHOW("the dropped write end is closed: EOF", read(p[0], buf, sizeof buf));
    close(p[0]);
    SHOW("sendmsg SCM_RIGHTS bad fd", send_fd(sv[0], 999, "y"));
    /* to another process */
    pid_t child = fork();
    if (child == 0) {
        int fd = recv_fd(sv[1], buf, sizeof buf, 0, sizeof(char[CMSG_SPACE(sizeof(int))]), &flags);
        char text[64] = {0};
        long n = read(fd, text, sizeof text - 1);
        printf("%-40s %ld %s\n", "child read the passed file", n, text);
        _exit(0);
    }
    int f = open("/tmp/rs-passed", O_CREAT | O_RDWR | O_TRUNC, 0644);
    write(f, "file contents", 13);
    lseek(f, 0, SEEK_SET);
    fflush(stdout);
    send_fd(sv[0], f, "f");
    close(f);
    waitpid(child, NULL, 0);
    unlink("/tmp/rs-passed");
    /* datagram with two descriptors */
    int dv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, dv);
    char ctl[CMSG_SPACE(2 * sizeof(int))];
    memset(ctl, 0, sizeof ctl);
    int two[2] = {sv[0], sv[1]};
    struct iovec iov = {"2", 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof two);
    memcpy(CMSG_DATA(c), two, sizeof two);
    SHOW("dgram sendmsg two fds", sendmsg(dv[0], &m, 0));
    char rctl[CMSG_SPACE(2 * sizeof(int))];
    struct msghdr r = {.msg_iov = &(struct iovec){buf, sizeof buf}, .msg_iovlen = 1, .msg_control = rctl,
                       .msg_controllen = sizeof rctl};
    SHOW("dgram recvmsg", recvmsg(dv[1], &r, 0));
    c = CMSG_FIRSTHDR(&r);
    int back[2];
    memcpy(back, CMSG_DATA(c), sizeof back);
    printf("%-40s len=%zu\n", "control", (size_t)c->cmsg_len);
    SHOW("send over a received socket", write(back[0], "viafd", 5));
    SHOW("read on the original peer", read(sv[1], buf, sizeof buf));
    close(back[0]);
    close(back[1]);
    close(dv[0]);
    close(dv[1]);
    close(sv[0]);
    close(sv[1]);
}

static void select_and_seqpacket_server(void)
{
    struct sockaddr_un a;
    socklen_t alen = abstract_addr(&a, "rs-seqpacket");
    int srv = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    bind(srv, (struct sockaddr *)&a, alen);
    SHOW("listen seqpacket", listen(srv, 2));
    int cl = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    SHOW("connect seqpacket", connect(cl, (struct sockaddr *)&a, alen));
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(srv, &rd);
    struct timeval tv = {1, 0};
    SHOW("select listener readable", select(srv + 1, &rd, NULL, NULL, &tv));
    int acc = accept(srv, NULL, NULL);
    send(cl, "rec1", 4, 0);
    send(cl, "record2", 7, 0);
    char buf[64];
    SHOW("seqpacket recv 1", recv(acc, buf, sizeof buf, 0));
    SHOW("seqpacket recv 2", recv(acc, buf, sizeof buf, 0));
    FD_ZERO(&rd);
    FD_SET(acc, &rd);
    tv.tv_sec = 0;
    tv.tv_usec = 20000;
    SHOW("select times out", select(acc + 1, &rd, NULL, NULL, &tv));
    close(cl);
    SHOW("seqpacket EOF", recv(acc, buf, sizeof buf, 0));
    close(acc);
    close(srv);
}

static void errors(void)
{
    SHOW("bind on a non-socket", bind(1, NULL, 0));
    SHOW("bind bad fd", bind(99, NULL, 0));
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_INET};
    SHOW("bind wrong family", bind(s, (struct sockaddr *)&a, sizeof a));
    SHOW("bind short address", bind(s, (struct sockaddr *)&a, 1));
    SHOW("getpeername unconnected", getpeername(s, (struct sockaddr *)&a, &(socklen_t){sizeof a}));
    SHOW("send unconnected stream", send(s, "x", 1, MSG_NOSIGNAL));
    SHOW("recv unconnected stream", recv(s, &a, 1, MSG_DONTWAIT));
    SHOW("shutdown unconnected", shutdown(s, SHUT_RDWR));
    a.sun_family = AF_UNIX;
    SHOW("autobind (address of length 2)", bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)));
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    printf("%-40s len=%u abstract=%d\n", "autobound name", len, a.sun_path[0] == 0);
    close(s);
}

/* A descriptor closed by another thread while a recv sleeps on it: the
 * sleeping call keeps the socket, and still gets what the peer sends. */
static int blocked_fd;
static long blocked_result;
static void *blocked_reader(void *arg)
{
    (void)arg;
    char b[16];
    blocked_result = recv(blocked_fd, b, sizeof b, 0);
    return NULL;
}

static void close_under_a_sleeper(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    blocked_fd = sv[0];
    pthread_t t;
    pthread_create(&t, NULL, blocked_reader, NULL);
    struct timespec d = {0, 20000000};
    nanosleep(&d, NULL);
    SHOW("close while another thread is in recv", close(sv[0]));
    nanosleep(&d, NULL);
    SHOW("the peer sends", send(sv[1], "late", 4, 0));
    pthread_join(t, NULL);
    printf("%-40s %ld\n", "the sleeping recv got", blocked_result);
    close(sv[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, on_sigpipe);
    stream_pair();
    stream_bulk();
    nonblocking();
    records(SOCK_DGRAM, "dgram");
    records(SOCK_SEQPACKET, "seqpacket");
    named_stream();
    abstract_and_dgram();
    pass_fds();
    select_and_seqpacket_server();
    errors();
    close_under_a_sleeper();
    return 0;
}
