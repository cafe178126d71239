/* test_kernel_hangs.c — nothing in the guest kernel waits where Linux
 * would not:
 *   - O_NONBLOCK pipes (pipe2, fcntl F_SETFL): EAGAIN, partial writes,
 *     EOF, EPIPE, and poll/select agreeing with read and write, byte for
 *     byte as on Linux (os/pipe.c);
 *   - every timed wait (futex in all its forms, the pthread and semaphore
 *     calls built on it, nanosleep, clock_nanosleep) ends with ETIMEDOUT
 *     after the time asked, on CLOCK_MONOTONIC and CLOCK_REALTIME;
 *   - touching more memory than RAM + pagefile ends in "out of memory"
 *     soon after the pagefile is full, and 80,000 small mappings do not
 *     livelock the page replacer (os/swap.c).
 * The oracle is the same static program (musl and glibc) run natively. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "machine/debugport.h"
#include "machine/machine.h"
#include "os/abi/osevent.h"
#include "linux_oracle.h"

/* ---- programs ---------------------------------------------------------- */

static const char timeouts_src[] =
    "/* Every timed wait must end with ETIMEDOUT after about the time asked. */\n"
    "#include <errno.h>\n"
    "#include <pthread.h>\n"
    "#include <semaphore.h>\n"
    "#include <stdint.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <sys/syscall.h>\n"
    "#include <time.h>\n"
    "#include <unistd.h>\n"
    "\n"
    "#define FUTEX_WAIT 0\n"
    "#define FUTEX_WAIT_BITSET 9\n"
    "#define FUTEX_PRIVATE_FLAG 128\n"
    "#define FUTEX_CLOCK_REALTIME 256\n"
    "#define FUTEX_BITSET_MATCH_ANY 0xffffffffu\n"
    "\n"
    "static int64_t now_ns(clockid_t c)\n"
    "{\n"
    "    struct timespec ts;\n"
    "    clock_gettime(c, &ts);\n"
    "    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;\n"
    "}\n"
    "\n"
    "static struct timespec ts_of(int64_t ns) { return (struct timespec){ns / 1000000000, ns % 1000000000}; }\n"
    "\n"
    "/* elapsed must be at least what was asked and not much more */\n"
    "static int64_t slack_ms = 1000; /* argv[1]: how late a wake-up may be */\n"
    "\n"
    "static void verdict(const char *what, int err, int want_err, int64_t elapsed, int64_t asked_ms)\n"
    "{\n"
    "    int64_t ms = elapsed / 1000000;\n"
    "    int on_time = elapsed >= asked_ms * 1000000 - 1000000 && ms <= asked_ms + slack_ms;\n"
    "    printf(\"%-44s %s%s\\n\", what, err == want_err ? \"\" : \"WRONG ERROR \",\n"
    "           on_time ? \"on time\" : \"NOT ON TIME\");\n"
    "    if (err != want_err || !on_time)\n"
    "        printf(\"  %s: error %d (%s), %lld ms for %lld ms asked\\n\", what, err, strerror(err),\n"
    "                (long long)ms, (long long)asked_ms);\n"
    "}\n"
    "\n"
    "static long futex(uint32_t *w, int op, uint32_t val, const struct timespec *ts, uint32_t bitset)\n"
    "{\n"
    "    return syscall(SYS_futex, w, op, val, ts, 0, bitset);\n"
    "}\n"
    "\n"
    "static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;\n"
    "\n"
    "static void *timedlock_thread(void *arg)\n"
    "{\n"
    "    int64_t ms = *(int64_t *)arg, t0 = now_ns(CLOCK_MONOTONIC);\n"
    "    struct timespec abs = ts_of(now_ns(CLOCK_REALTIME) + ms * 1000000);\n"
    "    int err = pthread_mutex_timedlock(&held, &abs);\n"
    "    verdict(\"pthread_mutex_timedlock (held by main)\", err, ETIMEDOUT, now_ns(CLOCK_MONOTONIC) - t0, ms);\n"
    "    return 0;\n"
    "}\n"
    "\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "    if (argc > 1)\n"
    "        slack_ms = atoi(argv[1]);\n"
    "    int64_t t0;\n"
    "    int err;\n"
    "    /* pthread_cond_timedwait, default clock (CLOCK_REALTIME) */\n"
    "    for (int64_t ms = 30; ms <= 300; ms *= 10) {\n"
    "        pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;\n"
    "        pthread_cond_t c = PTHREAD_COND_INITIALIZER;\n"
    "        pthread_mutex_lock(&m);\n"
    "        t0 = now_ns(CLOCK_MONOTONIC);\n"
    "        struct timespec abs = ts_of(now_ns(CLOCK_REALTIME) + ms * 1000000);\n"
    "        err = pthread_cond_timedwait(&c, &m, &abs);\n"
    "        char what[64];\n"
    "        snprintf(what, sizeof what, \"cond_timedwait REALTIME %lld ms\", (long long)ms);\n"
    "        verdict(what, err, ETIMEDOUT, now_ns(CLOCK_MONOTONIC) - t0, ms);\n"
    "        pthread_mutex_unlock(&m);\n"
    "    }\n"
    "    /* pthread_cond_timedwait with a CLOCK_MONOTONIC condattr */\n"
    "    {\n"
    "        pthread_condattr_t a;\n"
    "        pthread_condattr_init(&a);\n"
    "        pthread_condattr_setclock(&a, CLOCK_MONOTONIC);\n"
    "        pthread_cond_t c;\n"
    "        pthread_cond_init(&c, &a);\n"
    "        pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;\n"
    "        pthread_mutex_lock(&m);\n"
    "        t0 = now_ns(CLOCK_MONOTONIC);\n"
    "        struct timespec abs = ts_of(t0 + 70000000);\n"
    "        err = pthread_cond_timedwait(&c, &m, &abs);\n"
    "        verdict(\"cond_timedwait MONOTONIC 70 ms\", err, ETIMEDOUT, now_ns(CLOCK_MONOTONIC) - t0, 70);\n"
    "        pthread_mutex_unlock(&m);\n"
    "    }\n"
    "    /* sem_timedwait (CLOCK_REALTIME) */\n"
    "    {\n"
    "        sem_t s;\n"
    "        sem_init(&s, 0, 0);\n"
    "        t0 = now_ns(CLOCK_MONOTONIC);\n"
    "        struct timespec abs = ts_of(now_ns(CLOCK_REALTIME) + 120000000);\n"
    "        err = sem_timedwait(&s, &abs) ? errno : 0;\n"
    "        verdict(\"sem_timedwait 120 ms\", err, ETIMEDOUT, now_ns(CLOCK_MONOTONIC) - t0, 120);\n"
    "        t0 = now_ns(CLOCK_MONOTONIC);\n"
    "        abs = ts_of(now_ns(CLOCK_REALTIME) - 1000000000);\n"
    "        err = sem_timedwait(&s, &abs) ? errno : 0;\n"
    "        verdict(\"sem_timedwait, deadline past\", err, ETIMEDOUT, now_ns(CLOCK_MONOTONIC) - t0, 0);\n"
    "        sem_post(&s);\n"
    "        abs = ts_of(now_ns(CLOCK_REALTIME) + 1000000000);\n"
    "        err = sem_timedwait(&s, &abs) ? errno : 0;\n"
    "        printf(\"sem_timedwait, posted: %s\\n\", err ? strerror(err) : \"ok\");\n"
    "    }\n"
    "    /* pthread_mutex_timedlock on a mutex another thread holds */\n"
    "    {\n"
    "        pthread_mutex_lock(&held);\n"
    "        int64_t ms = 90;\n"
    "        pthread_t t;\n"
    "        pthread_create(&t, 0, timedlock_thread, &ms);\n"
    "        pthread_join(t, 0);\n"
    "        pthread_mutex_unlock(&held);\n"
    "    }\n"
    "    /* the futex forms, directly */\n"
    "    {\n"
    "        uint32_t w = 0;\n"
    "        static const int privs[2] = {0, FUTEX_PRIVATE_FLAG};\n"
    "        for (int i = 0; i < 2; i++) {\n"
    "            char what[64];\n"
    "            const char *p = privs[i] ? \"_PRIVATE\" : \"\";\n"
    "            struct timespec rel = {0, 40000000};\n"
    "            t0 = now_ns(CLOCK_MONOTONIC);\n"
    "            err = futex(&w, FUTEX_WAIT | privs[i], 0, &rel, 0) ? errno : 0;\n"
    "            snprintf(what, sizeof what, \"FUTEX_WAIT%s relative 40 ms\", p);\n"
    "            verdict(what, err, ETIMEDOUT, now_ns(CLOCK_MONOTONIC) - t0, 40);\n"
    "\n"
    "            t0 = now_ns(CLOCK_MONOTONIC);\n"
    "            struct timespec abs = ts_of(t0 + 50000000);\n"
    "            err = futex(&w, FUTEX_WAIT_BITSET | privs[i], 0, &abs, FUTEX_BITSET_MATCH_ANY) ? errno : 0;\n"
    "            snprintf(what, sizeof what, \"FUTEX_WAIT_BITSET%s MONOTONIC 50 ms\", p);\n"
    "            verdict(what, err, ETIMEDOUT, now_ns(CLOCK_MONOTONIC) - t0, 50);\n"
    "\n"
    "            t0 = now_ns(CLOCK_MONOTONIC);\n"
    "            abs = ts_of(now_ns(CLOCK_REALTIME) + 60000000);\n"
    "            err = futex(&w, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME | privs[i], 0, &abs, FUTEX_BITSET_MATCH_ANY)\n"
    "                      ? errno : 0;\n"
    "            snprintf(what, sizeof what, \"FUTEX_WAIT_BITSET%s|REALTIME 60 ms\", p);\n"
    "            verdict(what, err, ETIMEDOUT, now_ns(CLOCK_MONOTONIC) - t0, 60);\n"
    "\n"
    "            t0 = now_ns(CLOCK_MONOTONIC);\n"
    "            abs = ts_of(now_ns(CLOCK_REALTIME) - 5000000);\n"
    "            err = futex(&w, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME | privs[i], 0, &abs, FUTEX_BITSET_MATCH_ANY)\n"
    "                      ? errno : 0;\n"
    "            snprintf(what, sizeof what, \"FUTEX_WAIT_BITSET%s|REALTIME past\", p);\n"
    "            verdict(what, err, ETIMEDOUT, now_ns(CLOCK_MONOTONIC) - t0, 0);\n"
    "\n"
    "            abs = ts_of(now_ns(CLOCK_MONOTONIC) - 5000000);\n"
    "            t0 = now_ns(CLOCK_MONOTONIC);\n"
    "            err = futex(&w, FUTEX_WAIT_BITSET | privs[i], 0, &abs, FUTEX_BITSET_MATCH_ANY) ? errno : 0;\n"
    "            snprintf(what, sizeof what, \"FUTEX_WAIT_BITSET%s MONOTONIC past\", p);\n"
    "            verdict(what, err, ETIMEDOUT, now_ns(CLOCK_MONOTONIC) - t0, 0);\n"
    "\n"
    "            struct timespec zero = {0, 0};\n"
    "            t0 = now_ns(CLOCK_MONOTONIC);\n"
    "            err = futex(&w, FUTEX_WAIT | privs[i], 0, &zero, 0) ? errno : 0;\n"
    "            snprintf(what, sizeof what, \"FUTEX_WAIT%s relative 0\", p);\n"
    "            verdict(what, err, ETIMEDOUT, now_ns(CLOCK_MONOTONIC) - t0, 0);\n"
    "        }\n"
    "        /* errors */\n"
    "        struct timespec bad[3] = {{0, -1}, {0, 1000000000}, {-1, 0}};\n"
    "        for (int i = 0; i < 3; i++) {\n"
    "            long r1 = futex(&w, FUTEX_WAIT, 1, &bad[i], 0); /* the word differs too: EINVAL comes first */\n"
    "            int e1 = errno;\n"
    "            long r2 = futex(&w, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &bad[i], ~0u);\n"
    "            int e2 = errno;\n"
    "            printf(\"bad timespec {%lld, %lld}: %ld %s / %ld %s\\n\", (long long)bad[i].tv_sec,\n"
    "                   (long long)bad[i].tv_nsec, r1, strerror(e1), r2, strerror(e2));\n"
    "        }\n"
    "        struct timespec rel = {0, 1000000};\n"
    "        long r = futex(&w, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, &rel, 0);\n"
    "        printf(\"FUTEX_WAIT|FUTEX_CLOCK_REALTIME: %ld %s\\n\", r, strerror(errno));\n"
    "        r = futex(&w, FUTEX_WAIT_BITSET, 0, &rel, 0);\n"
    "        printf(\"FUTEX_WAIT_BITSET, empty bitset: %ld %s\\n\", r, strerror(errno));\n"
    "        r = futex(&w, FUTEX_WAIT, 1, &rel, 0);\n"
    "        printf(\"FUTEX_WAIT, word differs: %ld %s\\n\", r, strerror(errno));\n"
    "    }\n"
    "    /* sleeps */\n"
    "    {\n"
    "        t0 = now_ns(CLOCK_MONOTONIC);\n"
    "        struct timespec rel = {0, 45000000};\n"
    "        nanosleep(&rel, 0);\n"
    "        verdict(\"nanosleep 45 ms\", 0, 0, now_ns(CLOCK_MONOTONIC) - t0, 45);\n"
    "        t0 = now_ns(CLOCK_MONOTONIC);\n"
    "        struct timespec abs = ts_of(t0 + 55000000);\n"
    "        err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, 0);\n"
    "        verdict(\"clock_nanosleep MONOTONIC ABSTIME 55 ms\", err, 0, now_ns(CLOCK_MONOTONIC) - t0, 55);\n"
    "        t0 = now_ns(CLOCK_MONOTONIC);\n"
    "        abs = ts_of(now_ns(CLOCK_REALTIME) + 65000000);\n"
    "        err = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs, 0);\n"
    "        verdict(\"clock_nanosleep REALTIME ABSTIME 65 ms\", err, 0, now_ns(CLOCK_MONOTONIC) - t0, 65);\n"
    "        t0 = now_ns(CLOCK_MONOTONIC);\n"
    "        abs = ts_of(now_ns(CLOCK_REALTIME) - 1000000000);\n"
    "        err = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs, 0);\n"
    "        verdict(\"clock_nanosleep REALTIME ABSTIME past\", err, 0, now_ns(CLOCK_MONOTONIC) - t0, 0);\n"
    "        t0 = now_ns(CLOCK_MONOTONIC);\n"
    "        rel = (struct timespec){0, 35000000};\n"
    "        err = clock_nanosleep(CLOCK_REALTIME, 0, &rel, 0);\n"
    "        verdict(\"clock_nanosleep REALTIME relative 35 ms\", err, 0, now_ns(CLOCK_MONOTONIC) - t0, 35);\n"
    "        rel = (struct timespec){0, 1000000000};\n"
    "        printf(\"clock_nanosleep bad nsec: %s\\n\", strerror(clock_nanosleep(CLOCK_MONOTONIC, 0, &rel, 0)));\n"
    "    }\n"
    "    return 0;\n"
    "}\n";

static const char nonblocking_pipe_src[] =
    "/* O_NONBLOCK pipes: read, write, partial writes, EOF, EPIPE, and poll /\n"
    " * select agreeing with what read and write then do. */\n"
    "#define _GNU_SOURCE\n"
    "#include <errno.h>\n"
    "#include <fcntl.h>\n"
    "#include <poll.h>\n"
    "#include <signal.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <sys/select.h>\n"
    "#include <time.h>\n"
    "#include <sys/uio.h>\n"
    "#include <sys/wait.h>\n"
    "#include <unistd.h>\n"
    "\n"
    "static char big[300000];\n"
    "\n"
    "static void show(const char *what, long r)\n"
    "{\n"
    "    if (r < 0)\n"
    "        printf(\"%-48s -1 %s\\n\", what, strerror(errno));\n"
    "    else\n"
    "        printf(\"%-48s %ld\\n\", what, r);\n"
    "}\n"
    "\n"
    "static const char *pollbits(short r)\n"
    "{\n"
    "    static char bufs[2][64];\n"
    "    static int next;\n"
    "    char *s = bufs[next++ % 2];\n"
    "    snprintf(s, 64, \"%s%s%s%s%s%s\", r & POLLIN ? \"IN \" : \"\", r & POLLRDNORM ? \"RDNORM \" : \"\",\n"
    "             r & POLLOUT ? \"OUT \" : \"\", r & POLLWRNORM ? \"WRNORM \" : \"\", r & POLLERR ? \"ERR \" : \"\",\n"
    "             r & POLLHUP ? \"HUP \" : \"\");\n"
    "    return s;\n"
    "}\n"
    "\n"
    "static void poll_both(const char *when, int rfd, int wfd)\n"
    "{\n"
    "    struct pollfd p[2] = {{rfd, POLLIN | POLLRDNORM, 0}, {wfd, POLLOUT | POLLWRNORM, 0}};\n"
    "    int n = poll(p, 2, 0);\n"
    "    printf(\"poll %-22s %d: read end %s| write end %s\\n\", when, n, pollbits(p[0].revents), pollbits(p[1].revents));\n"
    "    fd_set r, w;\n"
    "    FD_ZERO(&r);\n"
    "    FD_ZERO(&w);\n"
    "    if (rfd >= 0)\n"
    "        FD_SET(rfd, &r);\n"
    "    if (wfd >= 0)\n"
    "        FD_SET(wfd, &w);\n"
    "    struct timeval tv = {0, 0};\n"
    "    int maxfd = rfd > wfd ? rfd : wfd;\n"
    "    n = select(maxfd + 1, &r, &w, 0, &tv);\n"
    "    printf(\"select %-20s %d: read %d write %d\\n\", when, n, rfd >= 0 && FD_ISSET(rfd, &r),\n"
    "           wfd >= 0 && FD_ISSET(wfd, &w));\n"
    "    /* ppoll and pselect must say the same as poll and select */\n"
    "    struct pollfd q[2] = {{rfd, POLLIN | POLLRDNORM, 0}, {wfd, POLLOUT | POLLWRNORM, 0}};\n"
    "    struct timespec zero = {0, 0};\n"
    "    int pn = ppoll(q, 2, &zero, 0);\n"
    "    if (pn != (p[0].revents != 0) + (p[1].revents != 0) || q[0].revents != p[0].revents || q[1].revents != p[1].revents)\n"
    "        printf(\"ppoll disagrees with poll: %d %s| %s\\n\", pn, pollbits(q[0].revents), pollbits(q[1].revents));\n"
    "    fd_set r2, w2;\n"
    "    FD_ZERO(&r2);\n"
    "    FD_ZERO(&w2);\n"
    "    if (rfd >= 0)\n"
    "        FD_SET(rfd, &r2);\n"
    "    if (wfd >= 0)\n"
    "        FD_SET(wfd, &w2);\n"
    "    int sn = pselect(maxfd + 1, &r2, &w2, 0, &zero, 0);\n"
    "    if (sn != n || (rfd >= 0 && FD_ISSET(rfd, &r2) != FD_ISSET(rfd, &r)) ||\n"
    "        (wfd >= 0 && FD_ISSET(wfd, &w2) != FD_ISSET(wfd, &w)))\n"
    "        printf(\"pselect disagrees with select: %d\\n\", sn);\n"
    "}\n"
    "\n"
    "/* Write chunks of size n until EAGAIN; the total must be what poll said. */\n"
    "static long fill(int wfd, size_t n, int *writes)\n"
    "{\n"
    "    long total = 0;\n"
    "    *writes = 0;\n"
    "    for (;;) {\n"
    "        struct pollfd p = {wfd, POLLOUT, 0};\n"
    "        int ready = poll(&p, 1, 0);\n"
    "        long r = write(wfd, big, n);\n"
    "        if (r < 0) {\n"
    "            if (errno != EAGAIN)\n"
    "                printf(\"fill: %s\\n\", strerror(errno));\n"
    "            /* poll may say \"not writable\" while a small write still fits\n"
    "             * in the last page, never the other way round */\n"
    "            if (ready)\n"
    "                printf(\"fill: poll said writable, write said EAGAIN\\n\");\n"
    "            return total;\n"
    "        }\n"
    "        total += r;\n"
    "        ++*writes;\n"
    "    }\n"
    "}\n"
    "\n"
    "static long drain(int rfd)\n"
    "{\n"
    "    char buf[7000];\n"
    "    long total = 0, r;\n"
    "    while ((r = read(rfd, buf, sizeof buf)) > 0)\n"
    "        total += r;\n"
    "    if (r < 0 && errno != EAGAIN)\n"
    "        printf(\"drain: %s\\n\", strerror(errno));\n"
    "    return total;\n"
    "}\n"
    "\n"
    "int main(void)\n"
    "{\n"
    "    memset(big, 'x', sizeof big);\n"
    "    int fds[2];\n"
    "    char buf[100];\n"
    "    /* pipe2(O_NONBLOCK) */\n"
    "    if (pipe2(fds, O_NONBLOCK))\n"
    "        return 1;\n"
    "    printf(\"F_GETFL read end %#x, write end %#x\\n\", fcntl(fds[0], F_GETFL), fcntl(fds[1], F_GETFL));\n"
    "    poll_both(\"empty\", fds[0], fds[1]);\n"
    "    show(\"read empty pipe (writer open)\", read(fds[0], buf, sizeof buf));\n"
    "    show(\"read 0 bytes\", read(fds[0], buf, 0));\n"
    "    show(\"write 5\", write(fds[1], \"hello\", 5));\n"
    "    poll_both(\"5 bytes in\", fds[0], fds[1]);\n"
    "    show(\"read\", read(fds[0], buf, sizeof buf));\n"
    "    show(\"read again\", read(fds[0], buf, sizeof buf));\n"
    "    /* fill it with writes of several sizes; the counts are Linux's */\n"
    "    static const size_t sizes[] = {1, 100, 3000, 4096, 5000, 65536, 70000, 300000};\n"
    "    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {\n"
    "        int writes;\n"
    "        long total = fill(fds[1], sizes[i], &writes);\n"
    "        char what[64];\n"
    "        snprintf(what, sizeof what, \"fill with %zu-byte writes (%d writes)\", sizes[i], writes);\n"
    "        show(what, total);\n"
    "        poll_both(\"full\", fds[0], fds[1]);\n"
    "        show(\"  one more byte\", write(fds[1], \"y\", 1));\n"
    "        show(\"  drained\", drain(fds[0]));\n"
    "    }\n"
    "    /* partial write: some room left */\n"
    "    show(\"write 60000\", write(fds[1], big, 60000));\n"
    "    show(\"write 10000 (partial)\", write(fds[1], big, 10000));\n"
    "    show(\"write 3000 (no page free)\", write(fds[1], big, 3000));\n"
    "    show(\"read 4096\", read(fds[0], big + 100000, 4096));\n"
    "    poll_both(\"one page free\", fds[0], fds[1]);\n"
    "    show(\"write 5000 (one page's worth)\", write(fds[1], big, 5000));\n"
    "    show(\"drained\", drain(fds[0]));\n"
    "    /* writev is one request */\n"
    "    struct iovec iov[3] = {{big, 1000}, {big, 40000}, {big, 40000}};\n"
    "    show(\"writev 81000\", writev(fds[1], iov, 3));\n"
    "    struct iovec riov[2] = {{big + 100000, 10}, {big + 200000, 5000}};\n"
    "    show(\"readv 5010\", readv(fds[0], riov, 2));\n"
    "    show(\"drained\", drain(fds[0]));\n"
    "    /* EOF: no writer */\n"
    "    show(\"write 3\", write(fds[1], \"abc\", 3));\n"
    "    close(fds[1]);\n"
    "    poll_both(\"writer gone, 3 bytes\", fds[0], -1);\n"
    "    show(\"read\", read(fds[0], buf, sizeof buf));\n"
    "    show(\"read at EOF\", read(fds[0], buf, sizeof buf));\n"
    "    poll_both(\"writer gone, empty\", fds[0], -1);\n"
    "    close(fds[0]);\n"
    "    /* EPIPE: no reader (SIGPIPE ignored) */\n"
    "    signal(SIGPIPE, SIG_IGN);\n"
    "    pipe2(fds, O_NONBLOCK);\n"
    "    close(fds[0]);\n"
    "    poll_both(\"reader gone\", -1, fds[1]);\n"
    "    show(\"write with no reader\", write(fds[1], \"x\", 1));\n"
    "    close(fds[1]);\n"
    "    /* fcntl(F_SETFL) on a pipe made blocking; and back */\n"
    "    pipe(fds);\n"
    "    show(\"F_SETFL O_NONBLOCK\", fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK));\n"
    "    show(\"read (fcntl non-blocking)\", read(fds[0], buf, sizeof buf));\n"
    "    int dupfd = dup(fds[0]);\n"
    "    show(\"read through a dup\", read(dupfd, buf, sizeof buf));\n"
    "    fcntl(fds[1], F_SETFL, O_NONBLOCK);\n"
    "    int writes;\n"
    "    show(\"fill (fcntl non-blocking writer)\", fill(fds[1], 4096, &writes));\n"
    "    fcntl(fds[1], F_SETFL, 0);\n"
    "    printf(\"F_GETFL after clearing %#x\\n\", fcntl(fds[1], F_GETFL));\n"
    "    show(\"drained\", drain(fds[0]));\n"
    "    /* a blocking reader with a non-blocking writer in another process */\n"
    "    fcntl(fds[0], F_SETFL, 0);\n"
    "    pid_t pid = fork();\n"
    "    if (pid == 0) {\n"
    "        close(fds[0]);\n"
    "        fcntl(fds[1], F_SETFL, O_NONBLOCK);\n"
    "        long sent = 0;\n"
    "        while (sent < 200000) {\n"
    "            long r = write(fds[1], big, 200000 - sent);\n"
    "            if (r > 0)\n"
    "                sent += r;\n"
    "            else if (errno == EAGAIN) {\n"
    "                struct pollfd p = {fds[1], POLLOUT, 0};\n"
    "                poll(&p, 1, -1); /* must wake when the reader makes room */\n"
    "            } else\n"
    "                _exit(2);\n"
    "        }\n"
    "        _exit(0);\n"
    "    }\n"
    "    close(fds[1]);\n"
    "    long got = 0, r;\n"
    "    while ((r = read(fds[0], big + 100000, 1500)) > 0)\n"
    "        got += r;\n"
    "    int st;\n"
    "    waitpid(pid, &st, 0);\n"
    "    printf(\"blocking reader got %ld from a polling non-blocking writer (status %d)\\n\", got, WEXITSTATUS(st));\n"
    "    close(fds[0]);\n"
    "    /* a non-blocking reader that polls, fed by a blocking writer */\n"
    "    pipe(fds);\n"
    "    pid = fork();\n"
    "    if (pid == 0) {\n"
    "        close(fds[0]);\n"
    "        for (int i = 0; i < 50; i++) {\n"
    "            write(fds[1], big, 3333);\n"
    "            if (i % 10 == 0)\n"
    "                usleep(20000);\n"
    "        }\n"
    "        _exit(0);\n"
    "    }\n"
    "    close(fds[1]);\n"
    "    fcntl(fds[0], F_SETFL, O_NONBLOCK);\n"
    "    got = 0;\n"
    "    int eagains = 0;\n"
    "    for (;;) {\n"
    "        struct pollfd p = {fds[0], POLLIN, 0};\n"
    "        if (poll(&p, 1, 5000) != 1) {\n"
    "            printf(\"poll timed out\\n\");\n"
    "            break;\n"
    "        }\n"
    "        r = read(fds[0], big + 100000, 2000);\n"
    "        if (r == 0)\n"
    "            break;\n"
    "        if (r < 0) {\n"
    "            eagains++; /* poll said readable: must not happen */\n"
    "            continue;\n"
    "        }\n"
    "        got += r;\n"
    "    }\n"
    "    waitpid(pid, &st, 0);\n"
    "    printf(\"polling non-blocking reader got %ld, EAGAIN after POLLIN %d times\\n\", got, eagains);\n"
    "    return 0;\n"
    "}\n";

static const char touch_mib_src[] =
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <sys/mman.h>\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "    size_t mb = argc > 1 ? (size_t)atoi(argv[1]) : 400;\n"
    "    size_t len = mb << 20, chunk = 16u << 20;\n"
    "    /* 16 MiB at a time: each mapping passes the overcommit check as on\n"
    "     * Linux; together they need more than RAM and the pagefile. */\n"
    "    for (size_t i = 0; i < len; i += 4096) {\n"
    "        static char *p;\n"
    "        if (i % chunk == 0) {\n"
    "            p = mmap(0, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "            if (p == MAP_FAILED) { puts(\"mmap failed\"); return 1; }\n"
    "        }\n"
    "        p[i % chunk] = (char)(i >> 12);\n"
    "        if (i % (32u << 20) == 0) { printf(\"touched %zu MiB\\n\", i >> 20); fflush(stdout); }\n"
    "    }\n"
    "    puts(\"all touched\");\n"
    "    return 0;\n"
    "}\n";

static const char small_mappings_src[] =
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <stdint.h>\n"
    "#include <sys/mman.h>\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "    int n = argc > 1 ? atoi(argv[1]) : 80000;\n"
    "    unsigned char **pages = malloc(sizeof *pages * (size_t)n);\n"
    "    for (int i = 0; i < n; i++) {\n"
    "        pages[i] = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "        if (pages[i] == MAP_FAILED) { printf(\"mmap %d failed\\n\", i); return 1; }\n"
    "        pages[i][i % 4096] = (unsigned char)(i * 7 + 1);\n"
    "        pages[i][4095 - i % 4096] ^= 0x5a;\n"
    "    }\n"
    "    uint64_t sum = 0;\n"
    "    for (int i = 0; i < n; i++)\n"
    "        sum = sum * 31 + pages[i][i % 4096] + pages[i][4095 - i % 4096];\n"
    "    printf(\"%d mappings of 4 KiB touched, checksum %llu\\n\", n, (unsigned long long)sum);\n"
    "    for (int i = 0; i < n; i++)\n"
    "        if (munmap(pages[i], 4096)) { printf(\"munmap %d failed\\n\", i); return 1; }\n"
    "    puts(\"all unmapped\");\n"
    "    return 0;\n"
    "}\n";

/* ---- helpers ----------------------------------------------------------- */

static double host_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run to the guest's exit within budget instructions (fail otherwise). */
static int64_t run_within(struct machine *m, uint64_t budget)
{
    struct machine_until u = {.max_insns = budget, .vector = -1};
    struct machine_stop s = machine_run(m, &u);
    ck_assert_msg(s.event == MEV_EXIT, "stopped with event %d at RIP 0x%llx (a hang?)", s.event,
                  (unsigned long long)s.rip);
    return machine_exit_status(m);
}

/* The same program natively and on a machine of the given RAM and disk:
 * identical stdout and exit status. */
static void same_as_native_on(const char *path, int argc, char *const *argv, uint64_t ram, uint64_t disk,
                              uint64_t budget)
{
    struct oracle_output nat = oracle_run_native(path, argc, argv, NULL, 0);
    struct machine_config c = {.ram_size = ram, .disk_size = disk};
    struct machine *m = oracle_boot(path, argc, argv, c);
    int64_t status = run_within(m, budget);
    size_t len;
    const char *out = oracle_console(m, &len);
    ck_assert_msg(len == nat.len && memcmp(out, nat.out, len) == 0, "ringscope:\n%s\nnative:\n%s", out, nat.out);
    ck_assert_int_eq(status, nat.status);
    oracle_output_free(&nat);
    machine_free(m);
}

/* ---- non-blocking pipes ------------------------------------------------ */

START_TEST(nonblocking_pipes_like_native_musl)
{
    machine_free(oracle_same_as_native(oracle_musl("nbpipe", nonblocking_pipe_src), 0, NULL, NULL, 0));
}
END_TEST

START_TEST(nonblocking_pipes_like_native_glibc)
{
    machine_free(oracle_same_as_native(oracle_glibc("nbpipe", nonblocking_pipe_src), 0, NULL, NULL, 0));
}
END_TEST

/* ---- timed waits ------------------------------------------------------- */

/* Against the host: the same errors, every wait over no earlier than
 * asked.  The host may be slow to wake a waiter on a loaded machine, so
 * lateness is judged here with 20 s of slack; the guest's timing is held
 * to 12 ms below (virtual time is exact). */
static char *native_slack[] = {"20000"};

START_TEST(timed_waits_time_out_like_native_musl)
{
    machine_free(oracle_same_as_native(oracle_musl("timeouts", timeouts_src), 1, native_slack, NULL, 0));
}
END_TEST

START_TEST(timed_waits_time_out_like_native_glibc)
{
    machine_free(oracle_same_as_native(oracle_glibc("timeouts", timeouts_src), 1, native_slack, NULL, 0));
}
END_TEST

/* In virtual time a wait ends on the first timer tick (10 ms) after its
 * deadline: every one must be over within 12 ms of the time asked, never
 * before it, and the whole run must take the time asked in total. */
static void timed_waits_on_time(const char *path)
{
    char *argv[] = {"12"};
    struct machine *m = oracle_boot(path, 1, argv, (struct machine_config){0});
    ck_assert_int_eq(oracle_run_to_exit(m), 0);
    const char *out = oracle_console(m, NULL);
    ck_assert_msg(!strstr(out, "NOT ON TIME") && !strstr(out, "WRONG"), "%s", out);
    ck_assert_msg(strstr(out, "cond_timedwait REALTIME 300 ms") && strstr(out, "clock_nanosleep bad nsec"), "%s", out);
    /* asked in all: 30+300+70+120+90 + 2*(40+50+60) + 45+55+65+35 = 1110 ms */
    uint64_t ns = machine_time_ns(m);
    ck_assert_msg(ns >= 1110000000ull && ns < 1400000000ull, "virtual time %llu ns", (unsigned long long)ns);
    machine_free(m);
}

START_TEST(timed_waits_end_on_the_next_tick_musl) { timed_waits_on_time(oracle_musl("timeouts", timeouts_src)); }
END_TEST

START_TEST(timed_waits_end_on_the_next_tick_glibc) { timed_waits_on_time(oracle_glibc("timeouts", timeouts_src)); }
END_TEST

/* ---- running out of memory and pagefile -------------------------------- */

struct paging_log {
    struct machine *m;
    uint64_t page_outs, last_page_out_ns;
};

static bool note_page_out(void *ctx, const struct watch_event *e)
{
    struct paging_log *log = ctx;
    if (e->os->type == OSEV_PAGE_OUT) {
        log->page_outs++;
        log->last_page_out_ns = machine_time_ns(log->m);
    }
    return false;
}

/* A program that needs more than RAM + the default 64 MiB pagefile must
 * be killed for lack of memory after the pagefile filled, and promptly:
 * within 50 ms of virtual time (50 million instructions) of the last
 * page-out, and in well under a minute of host time. */
static void out_of_memory_comes_promptly(const char *path, char *arg, uint64_t ram, const char *done_line)
{
    char *argv[] = {arg};
    struct machine *m = oracle_boot(path, 1, argv, (struct machine_config){.ram_size = ram});
    struct paging_log log = {.m = m};
    struct watcher w = {.on[WATCH_OS] = note_page_out, .ctx = &log};
    ck_assert_int_eq(machine_attach(m, &w), 0);
    double t0 = host_seconds();
    int64_t status = run_within(m, 1000000000ull);
    double host = host_seconds() - t0;
    const char *out = oracle_console(m, NULL);
    ck_assert_int_eq(status, 128 + 11);
    const char *errors = oracle_stderr(m, NULL); /* COM2: the kernel's "[pid N] killed: ..." line */
    ck_assert_msg(strstr(errors, "killed: out of memory"), "stdout: %s\nstderr: %s", out, errors);
    ck_assert_msg(!strstr(out, done_line), "%s", out);
    /* The 64 MiB pagefile has 16383 slots: all of them were written. */
    ck_assert_uint_ge(log.page_outs, 16383);
    uint64_t after = machine_time_ns(m) - log.last_page_out_ns;
    ck_assert_msg(after < 50000000ull, "killed %llu ns of virtual time after the last page-out",
                  (unsigned long long)after);
    ck_assert_msg(host < 60.0, "%.1f s of host time", host);
    fprintf(stderr, "out of memory (%s, %llu MiB of RAM): %.2f s host, %llu page-outs, killed %.3f ms after the last\n",
            arg, (unsigned long long)(ram >> 20), host, (unsigned long long)log.page_outs, after / 1e6);
    machine_free(m);
}

/* 400 MiB touched with the default 256 MiB of RAM, and with 64 MiB. */
START_TEST(out_of_memory_comes_promptly_with_256m)
{
    out_of_memory_comes_promptly(oracle_musl("touch", touch_mib_src), "400", 256ull << 20, "all touched");
}
END_TEST

START_TEST(out_of_memory_comes_promptly_with_64m)
{
    out_of_memory_comes_promptly(oracle_glibc("touch", touch_mib_src), "400", 64ull << 20, "all touched");
}
END_TEST

/* 80,000 mappings of 4 KiB (312 MiB) with 240 MiB of RAM do not fit. */
START_TEST(out_of_memory_comes_promptly_with_small_mappings)
{
    out_of_memory_comes_promptly(oracle_musl("maps", small_mappings_src), "80000", 240ull << 20, "mappings");
}
END_TEST

/* Less than RAM + pagefile still fits: every page comes back intact. */
START_TEST(touching_nearly_ram_and_pagefile_succeeds)
{
    char *argv[] = {"100"};
    same_as_native_on(oracle_musl("touch", touch_mib_src), 1, argv, 64ull << 20, 0, 1000000000ull);
}
END_TEST

/* 80,000 mappings of 4 KiB, each touched, read back and unmapped: 312
 * MiB, more than the 256 MiB of RAM, so thousands of pages go to the
 * pagefile (128 MiB here, for room to spare) and come back. */
START_TEST(eighty_thousand_small_mappings_like_native_glibc)
{
    char *argv[] = {"80000"};
    double t0 = host_seconds();
    same_as_native_on(oracle_glibc("maps", small_mappings_src), 1, argv, 256ull << 20, 128ull << 20,
                      2000000000ull);
    fprintf(stderr, "80,000 mappings (glibc, 256 MiB RAM): %.2f s host\n", host_seconds() - t0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kernel_hangs");
    TCase *pipes = tcase_create("pipes");
    tcase_set_timeout(pipes, 120);
    tcase_add_checked_fixture(pipes, NULL, oracle_cleanup);
    tcase_add_test(pipes, nonblocking_pipes_like_native_musl);
    tcase_add_test(pipes, nonblocking_pipes_like_native_glibc);
    suite_add_tcase(s, pipes);
    TCase *time = tcase_create("timed waits");
    tcase_set_timeout(time, 120);
    tcase_add_checked_fixture(time, NULL, oracle_cleanup);
    tcase_add_test(time, timed_waits_time_out_like_native_musl);
    tcase_add_test(time, timed_waits_time_out_like_native_glibc);
    tcase_add_test(time, timed_waits_end_on_the_next_tick_musl);
    tcase_add_test(time, timed_waits_end_on_the_next_tick_glibc);
    suite_add_tcase(s, time);
    TCase *mem = tcase_create("memory");
    tcase_set_timeout(mem, 240);
    tcase_add_checked_fixture(mem, NULL, oracle_cleanup);
    tcase_add_test(mem, out_of_memory_comes_promptly_with_256m);
    tcase_add_test(mem, out_of_memory_comes_promptly_with_64m);
    tcase_add_test(mem, touching_nearly_ram_and_pagefile_succeeds);
    tcase_add_test(mem, eighty_thousand_small_mappings_like_native_glibc);
    tcase_add_test(mem, out_of_memory_comes_promptly_with_small_mappings);
    suite_add_tcase(s, mem);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    oracle_cleanup(); /* in case Check ran the tests in this process (CK_FORK=no) */
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
