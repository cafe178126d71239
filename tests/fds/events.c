/* events.c — eventfd, epoll, timerfd, signalfd, sigtimedwait and POSIX
 * timers, run natively and on the guest kernel by tests/test_kernel_fds.c
 * (the outputs must be equal byte for byte).  Time-dependent results are
 * printed as ranges that hold on an idle host and in virtual time. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "errname.h"

static const char *err(long r) { return r >= 0 ? "ok" : errname(errno); }
#define SHOW(what, call) do { long r_ = (long)(call); printf("%-44s %ld %s\n", what, r_ < 0 ? -1 : r_, err(r_)); } while (0)

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static const char *events_text(uint32_t e)
{
    static char buf[64];
    snprintf(buf, sizeof buf, "%s%s%s%s%s", e & EPOLLIN ? "IN " : "", e & EPOLLOUT ? "OUT " : "",
             e & EPOLLHUP ? "HUP " : "", e & EPOLLRDHUP ? "RDHUP " : "", e & EPOLLERR ? "ERR " : "");
    return buf;
}

/* epoll_wait, with the events printed in data order (Linux reports them
 * in the order they became ready). */
static void show_wait(const char *what, int ep, int timeout)
{
    struct epoll_event ev[8];
    int n = epoll_wait(ep, ev, 8, timeout);
    printf("%-44s n=%d", what, n);
    if (n < 0)
        printf(" %s", errname(errno));
    for (int i = 0; i < n; i++)
        for (int k = i + 1; k < n; k++)
            if (ev[k].data.u64 < ev[i].data.u64) {
                struct epoll_event t = ev[i];
                ev[i] = ev[k];
                ev[k] = t;
            }
    for (int i = 0; i < n; i++)
        printf(" [%llu %s]", (unsigned long long)ev[i].data.u64, events_text(ev[i].events));
    printf("\n");
}

static short poll_one(int fd, short events, int timeout)
{
    struct pollfd p = {fd, events, 0};
    return poll(&p, 1, timeout) < 0 ? -1 : p.revents;
}

static void eventfds(void)
{
    uint64_t v = 0;
    int e = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    printf("%-44s %d cloexec=%d nonblock=%d\n", "eventfd", e >= 0, fcntl(e, F_GETFD) == FD_CLOEXEC,
           (fcntl(e, F_GETFL) & O_NONBLOCK) != 0);
    struct stat st;
    fstat(e, &st);
    printf("%-44s type=%o perm=%o\n", "fstat eventfd", st.st_mode & S_IFMT, st.st_mode & 0777);
    SHOW("read empty", read(e, &v, 8));
    printf("%-44s %#x\n", "poll empty", poll_one(e, POLLIN | POLLOUT, 0));
    v = 3;
    SHOW("write 3", write(e, &v, 8));
    v = 4;
    SHOW("write 4", write(e, &v, 8));
    printf("%-44s %#x\n", "poll counting", poll_one(e, POLLIN | POLLOUT, 0));
    SHOW("read", read(e, &v, 8));
    printf("%-44s %llu\n", "value", (unsigned long long)v);
    SHOW("read short buffer", read(e, &v, 4));
    SHOW("write short buffer", write(e, &v, 4));
    v = UINT64_MAX;
    SHOW("write 2^64-1", write(e, &v, 8));
    v = UINT64_MAX - 1;
    SHOW("write 2^64-2", write(e, &v, 8));
    printf("%-44s %#x\n", "poll full", poll_one(e, POLLIN | POLLOUT, 0));
    v = 1;
    SHOW("write past the maximum", write(e, &v, 8));
    SHOW("read it all", read(e, &v, 8));
    close(e);
    e = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    for (int i = 0; i < 4; i++) {
        long r = read(e, &v, 8);
        printf("%-44s %ld %s value=%llu\n", "semaphore read", r, err(r), r > 0 ? (unsigned long long)v : 0ull);
    }
    close(e);
    SHOW("eventfd bad flags", eventfd(0, 0x1000));
    /* a blocking read woken by another process */
    e = eventfd(0, 0);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        sleep_ms(30);
        uint64_t w = 42;
        write(e, &w, 8);
        _exit(0);
    }
    SHOW("blocking read woken by a child", read(e, &v, 8));
    printf("%-44s %llu\n", "value", (unsigned long long)v);
    waitpid(child, NULL, 0);
    close(e);
}

static void epolls(void)
{
    int ep0 = epoll_create(0); /* glibc: EINVAL; musl calls epoll_create1(0) */
    SHOW("epoll_create(0)", ep0 < 0 ? -1 : (close(ep0), 0));
    SHOW("epoll_create1(bad flags)", epoll_create1(1));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    printf("%-44s %d cloexec=%d\n", "epoll_create1", ep >= 0, fcntl(ep, F_GETFD) == FD_CLOEXEC);
    int p[2], sv[2];
    pipe(p);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int e = eventfd(0, EFD_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 1};
    SHOW("ADD pipe", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    SHOW("ADD pipe again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    ev.data.u64 = 2;
    ev.events = EPOLLIN | EPOLLRDHUP;
    SHOW("ADD socket", epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev));
    ev.data.u64 = 3;
    ev.events = EPOLLIN | EPOLLET;
    SHOW("ADD eventfd edge-triggered", epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev));
    SHOW("ADD itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
    int file = open("/tmp/rs-epoll-file", O_CREAT | O_RDWR, 0644);
    SHOW("ADD a regular file", epoll_ctl(ep, EPOLL_CTL_ADD, file, &ev));
    close(file);
    unlink("/tmp/rs-epoll-file");
    SHOW("ADD bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 99, &ev));
    SHOW("ctl on a non-epoll fd", epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev));
    SHOW("MOD not watched", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
    SHOW("DEL not watched", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
    SHOW("bad op", epoll_ctl(ep, 7, p[0], &ev));
    struct epoll_event out[2];
    SHOW("wait maxevents 0", epoll_wait(ep, out, 0, 0));
    SHOW("wait on a non-epoll fd", epoll_wait(p[0], out, 2, 0));
    show_wait("wait, nothing ready", ep, 0);
    uint64_t t0 = now_ms();
    show_wait("wait 50 ms, nothing ready", ep, 50);
    uint64_t waited = now_ms() - t0;
    printf("%-44s %d\n", "waited about 50 ms", waited >= 45 && waited < 500);
    write(p[1], "x", 1);
    show_wait("pipe written", ep, -1);
    show_wait("level-triggered: still ready", ep, 0);
    char c;
    read(p[0], &c, 1);
    show_wait("pipe drained", ep, 0);
    /* a pipe edge-triggered: each write is a new event, a look is not */
    ev.events = EPOLLIN | EPOLLET;
    SHOW("MOD pipe edge-triggered", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    write(p[1], "a", 1);
    show_wait("pipe edge: written", ep, 0);
    show_wait("pipe edge: no new event", ep, 0);
    write(p[1], "b", 1);
    show_wait("pipe edge: written again", ep, 0);
    char two[2];
    read(p[0], two, 2);
    show_wait("pipe edge: drained", ep, 0);
    ev.events = EPOLLIN;
    epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
    uint64_t one = 1;
    write(e, &one, 8);
    show_wait("eventfd written (edge)", ep, 0);
    show_wait("edge: no new event", ep, 0);
    write(e, &one, 8);
    show_wait("edge: written again", ep, 0);
    uint64_t v;
    read(e, &v, 8);
    write(sv[1], "s", 1);
    show_wait("socket written", ep, 0);
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = 22;
    SHOW("MOD socket one-shot", epoll_ctl(ep, EPOLL_CTL_MOD, sv[0], &ev));
    show_wait("one-shot: reported", ep, 0);
    show_wait("one-shot: disabled", ep, 0);
    SHOW("MOD re-arms it", epoll_ctl(ep, EPOLL_CTL_MOD, sv[0], &ev));
    show_wait("one-shot: reported again", ep, 0);
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = 2;
    epoll_ctl(ep, EPOLL_CTL_MOD, sv[0], &ev);
    read(sv[0], &c, 1);
    close(sv[1]);
    show_wait("socket peer closed", ep, 0);
    SHOW("DEL socket", epoll_ctl(ep, EPOLL_CTL_DEL, sv[0], NULL));
    show_wait("after DEL", ep, 0);
    /* a watched file closed by its last descriptor leaves the set */
    close(e);
    int e2 = eventfd(5, 0);
    printf("%-44s %d\n", "new eventfd got the same number", e2 == e);
    show_wait("closed eventfd is gone from the set", ep, 0);
    SHOW("DEL closed eventfd", epoll_ctl(ep, EPOLL_CTL_DEL, e, NULL));
    close(e2);
    /* timerfd in the set, blocking wait */
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    ev.events = EPOLLIN;
    ev.data.u64 = 4;
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
    struct itimerspec its = {{0, 0}, {0, 20 * 1000000}};
    timerfd_settime(tfd, 0, &its, NULL);
    t0 = now_ms();
    show_wait("timerfd expires (blocking wait)", ep, -1);
    waited = now_ms() - t0;
    printf("%-44s %d\n", "after about 20 ms", waited >= 15 && waited < 500);
    read(tfd, &v, 8);
    /* blocking wait woken by a child through an eventfd */
    int ev2 = eventfd(0, 0);
    ev.data.u64 = 5;
    epoll_ctl(ep, EPOLL_CTL_ADD, ev2, &ev);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        sleep_ms(20);
        write(ev2, &one, 8);
        _exit(0);
    }
    show_wait("woken by a child's eventfd write", ep, 2000);
    waitpid(child, NULL, 0);
    read(ev2, &v, 8);
    /* nested: an epoll set inside another, and poll on an epoll fd */
    int outer = epoll_create1(0);
    ev.data.u64 = 6;
    SHOW("ADD epoll into epoll", epoll_ctl(outer, EPOLL_CTL_ADD, ep, &ev));
    SHOW("ADD the loop back", epoll_ctl(ep, EPOLL_CTL_ADD, outer, &ev));
    show_wait("outer, inner idle", outer, 0);
    printf("%-44s %#x\n", "poll epoll fd idle", poll_one(ep, POLLIN, 0));
    write(p[1], "y", 1);
    show_wait("outer, inner has a ready pipe", outer, 0);
    printf("%-44s %#x\n", "poll epoll fd ready", poll_one(ep, POLLIN, 0));
    read(p[0], &c, 1);
    /* epoll_pwait with a signal mask */
    sigset_t mask;
    sigemptyset(&mask);
    t0 = now_ms();
    int n = epoll_pwait(ep, out, 2, 30, &mask);
    printf("%-44s n=%d waited=%d\n", "epoll_pwait 30 ms", n, now_ms() - t0 >= 25);
    close(outer);
    close(ev2);
    close(tfd);
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(ep);
}

static void timerfds(void)
{
    SHOW("timerfd_create bad clock", timerfd_create(99, 0));
    SHOW("timerfd_create bad flags", timerfd_create(CLOCK_MONOTONIC, 1));
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    printf("%-44s %d cloexec=%d\n", "timerfd_create", t >= 0, fcntl(t, F_GETFD) == FD_CLOEXEC);
    uint64_t v = 0;
    SHOW("read disarmed", read(t, &v, 8));
    struct itimerspec its = {{0, 0}, {0, 50 * 1000000}}, old, cur;
    SHOW("settime 50 ms", timerfd_settime(t, 0, &its, NULL));
    SHOW("gettime", timerfd_gettime(t, &cur));
    printf("%-44s %d\n", "remaining in (0, 50 ms]", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
                                                        cur.it_value.tv_nsec <= 50 * 1000000);
    SHOW("read before expiry", read(t, &v, 8));
    SHOW("read short buffer", read(t, &v, 4));
    printf("%-44s %#x\n", "poll 200 ms", poll_one(t, POLLIN, 200));
    SHOW("read", read(t, &v, 8));
    printf("%-44s %llu\n", "expirations", (unsigned long long)v);
    SHOW("gettime after a one-shot", timerfd_gettime(t, &cur));
    printf("%-44s %ld %ld\n", "disarmed", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
    /* periodic: 30 ms, read after about 100 ms */
    its.it_interval.tv_nsec = its.it_value.tv_nsec = 30 * 1000000;
    timerfd_settime(t, 0, &its, NULL);
    sleep_ms(100);
    read(t, &v, 8);
    printf("%-44s %d\n", "periodic: 3 expirations in ~100 ms", v >= 3 && v <= 4);
    its = (struct itimerspec){{0, 0}, {5, 0}};
    SHOW("settime returns the old setting", timerfd_settime(t, 0, &its, &old));
    printf("%-44s interval=%ld ms\n", "old", old.it_interval.tv_nsec / 1000000);
    memset(&its, 0, sizeof its);
    SHOW("disarm", timerfd_settime(t, 0, &its, &old));
    printf("%-44s %d\n", "old value ~5 s", old.it_value.tv_sec >= 4);
    its.it_value.tv_nsec = 1000000000;
    SHOW("settime bad nsec", timerfd_settime(t, 0, &its, NULL));
    SHOW("settime bad flags", timerfd_settime(t, 8, &its, NULL));
    SHOW("settime on a non-timerfd", timerfd_settime(1, 0, &its, NULL));
    close(t);
    /* absolute, on the realtime and monotonic clocks, blocking reads */
    clockid_t clocks[2] = {CLOCK_REALTIME, CLOCK_MONOTONIC};
    for (int i = 0; i < 2; i++) {
        t = timerfd_create(clocks[i], 0);
        struct timespec now;
        clock_gettime(clocks[i], &now);
        its = (struct itimerspec){{0, 0}, {now.tv_sec, now.tv_nsec + 30 * 1000000}};
        if (its.it_value.tv_nsec >= 1000000000) {
            its.it_value.tv_sec++;
            its.it_value.tv_nsec -= 1000000000;
        }
        uint64_t t0 = now_ms();
        SHOW(i ? "absolute monotonic +30 ms" : "absolute realtime +30 ms", timerfd_settime(t, TFD_TIMER_ABSTIME, &its, NULL));
        SHOW("blocking read", read(t, &v, 8));
        printf("%-44s %llu waited=%d\n", "expirations", (unsigned long long)v, now_ms() - t0 >= 25);
        its.it_value = (struct timespec){0, 1}; /* long ago on either clock */
        SHOW("absolute time in the past", timerfd_settime(t, TFD_TIMER_ABSTIME, &its, NULL));
        SHOW("read: expired at once", read(t, &v, 8));
        close(t);
    }
}

static void signalfds(void)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGUSR2);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int s = signalfd(-1, &mask, SFD_NONBLOCK);
    printf("%-44s %d\n", "signalfd", s >= 0);
    struct signalfd_siginfo info[2];
    SHOW("read, nothing pending", read(s, info, sizeof info));
    SHOW("read short buffer", read(s, info, 100));
    kill(getpid(), SIGUSR2);
    raise(SIGUSR1);
    printf("%-44s %#x\n", "poll", poll_one(s, POLLIN, 0));
    long n = read(s, info, sizeof info);
    printf("%-44s %ld\n", "read both", n);
    for (int i = 0; i < n / (long)sizeof info[0]; i++)
        printf("%-44s signo=%u code=%d pid_is_me=%d\n", "  siginfo", info[i].ssi_signo, info[i].ssi_code,
               info[i].ssi_pid == (uint32_t)getpid());
    printf("%-44s %#x\n", "poll after", poll_one(s, POLLIN, 0));
    sigset_t only2;
    sigemptyset(&only2);
    sigaddset(&only2, SIGUSR2);
    SHOW("signalfd: change the mask", signalfd(s, &only2, 0) == s);
    raise(SIGUSR1);
    SHOW("SIGUSR1 no longer read", read(s, info, sizeof info));
    raise(SIGUSR2);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 9};
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
    show_wait("signalfd in epoll", ep, 1000);
    SHOW("read SIGUSR2", read(s, info, sizeof info));
    close(ep);
    SHOW("signalfd on a non-signalfd", signalfd(1, &mask, 0));
    SHOW("signalfd bad size", syscall(289, -1, &mask, 4, 0));
    /* sigtimedwait / sigwaitinfo: SIGUSR1 is still pending */
    siginfo_t si;
    SHOW("sigwaitinfo", sigwaitinfo(&mask, &si));
    printf("%-44s signo=%d code=%d\n", "info", si.si_signo, si.si_code);
    struct timespec ts = {0, 30 * 1000000};
    uint64_t t0 = now_ms();
    SHOW("sigtimedwait 30 ms, nothing", sigtimedwait(&mask, &si, &ts));
    printf("%-44s %d\n", "waited", now_ms() - t0 >= 25);
    ts.tv_nsec = 0;
    SHOW("sigtimedwait poll", sigtimedwait(&mask, &si, &ts));
    /* a child signals us while we wait */
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        sleep_ms(20);
        kill(getppid(), SIGUSR2);
        _exit(0);
    }
    struct pollfd pfd = {s, POLLIN, 0};
    SHOW("poll woken by a child's kill", poll(&pfd, 1, 2000));
    SHOW("read it", read(s, info, sizeof info));
    printf("%-44s signo=%u code=%d\n", "  siginfo", info[0].ssi_signo, info[0].ssi_code);
    waitpid(child, NULL, 0);
    close(s);
    sigprocmask(SIG_UNBLOCK, &mask, NULL);
}

static volatile int fired, fired_code, fired_value;
static void on_timer(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    fired++;
    fired_code = si->si_code;
    fired_value = si->si_value.sival_int;
}

static volatile int thread_calls, thread_value;
static void thread_notify(union sigval v)
{
    thread_value = v.sival_int;
    __atomic_add_fetch(&thread_calls, 1, __ATOMIC_SEQ_CST);
}

static void posix_timers(void)
{
    struct sigaction sa = {.sa_sigaction = on_timer, .sa_flags = SA_SIGINFO};
    sigaction(SIGUSR1, &sa, NULL);
    struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1, .sigev_value.sival_int = 77};
    timer_t id;
    SHOW("timer_create SIGEV_SIGNAL", timer_create(CLOCK_MONOTONIC, &sev, &id));
    struct itimerspec its = {{0, 0}, {0, 20 * 1000000}}, cur;
    SHOW("timer_settime 20 ms", timer_settime(id, 0, &its, NULL));
    SHOW("timer_gettime", timer_gettime(id, &cur));
    printf("%-44s %d\n", "remaining in (0, 20 ms]", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
                                                        cur.it_value.tv_nsec <= 20 * 1000000);
    sigset_t none;
    sigemptyset(&none);
    while (!fired)
        sigsuspend(&none);
    printf("%-44s fired=%d SI_TIMER=%d value=%d\n", "handler", fired, fired_code == SI_TIMER, fired_value);
    SHOW("timer_gettime disarmed", timer_gettime(id, &cur));
    printf("%-44s %ld %ld\n", "value", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
    SHOW("timer_getoverrun", timer_getoverrun(id));
    SHOW("timer_delete", timer_delete(id));
    /* periodic 10 ms with the signal blocked: overruns while it waits */
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    sigprocmask(SIG_BLOCK, &usr2, NULL);
    sev.sigev_signo = SIGUSR2;
    sev.sigev_value.sival_int = 5;
    timer_t per;
    timer_create(CLOCK_MONOTONIC, &sev, &per);
    its.it_interval.tv_nsec = its.it_value.tv_nsec = 10 * 1000000;
    timer_settime(per, 0, &its, NULL);
    sleep_ms(75);
    siginfo_t si;
    SHOW("sigwaitinfo the timer signal", sigwaitinfo(&usr2, &si));
    printf("%-44s SI_TIMER=%d value=%d overrun>=3=%d\n", "info", si.si_code == SI_TIMER, si.si_value.sival_int,
           si.si_overrun >= 3);
    printf("%-44s %d\n", "timer_getoverrun >= 3", timer_getoverrun(per) >= 3);
    timer_delete(per);
    sigtimedwait(&usr2, &si, &(struct timespec){0, 0}); /* one may have come before the delete */
    sigprocmask(SIG_UNBLOCK, &usr2, NULL);
    /* SIGEV_NONE: only timer_gettime shows it running */
    struct sigevent nonev = {.sigev_notify = SIGEV_NONE};
    timer_t quiet;
    SHOW("timer_create SIGEV_NONE", timer_create(CLOCK_REALTIME, &nonev, &quiet));
    its = (struct itimerspec){{0, 0}, {10, 0}};
    timer_settime(quiet, 0, &its, NULL);
    sleep_ms(30);
    timer_gettime(quiet, &cur);
    printf("%-44s %d\n", "SIGEV_NONE counts down", cur.it_value.tv_sec == 9);
    timer_delete(quiet);
    /* SIGEV_THREAD: the C library's helper thread runs the function */
    struct sigevent tev = {.sigev_notify = SIGEV_THREAD, .sigev_notify_function = thread_notify,
                           .sigev_value.sival_int = 99};
    timer_t th;
    SHOW("timer_create SIGEV_THREAD", timer_create(CLOCK_MONOTONIC, &tev, &th));
    its = (struct itimerspec){{0, 0}, {0, 20 * 1000000}};
    SHOW("timer_settime", timer_settime(th, 0, &its, NULL));
    for (int i = 0; i < 200 && !__atomic_load_n(&thread_calls, __ATOMIC_SEQ_CST); i++)
        sleep_ms(5);
    printf("%-44s calls=%d value=%d\n", "thread function ran", thread_calls, thread_value);
    SHOW("timer_delete", timer_delete(th));
    SHOW("timer_delete again", syscall(226, 12345));
    SHOW("timer_settime bad id", syscall(223, 12345, 0, &its, NULL));
    SHOW("timer_create bad clock", syscall(222, 99, NULL, &id));
}

/* poll and select see readiness of every kind at once */
static void poll_all_kinds(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    int e = eventfd(1, 0);
    int t = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec its = {{0, 0}, {0, 1000000}};
    timerfd_settime(t, 0, &its, NULL);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGCHLD);
    sigprocmask(SIG_BLOCK, &m, NULL);
    int s = signalfd(-1, &m, 0);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 1};
    epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev);
    send(sv[1], "d", 1, 0);
    raise(SIGCHLD);
    sleep_ms(20);
    struct pollfd p[5] = {{sv[0], POLLIN, 0}, {e, POLLIN, 0}, {t, POLLIN, 0}, {s, POLLIN, 0}, {ep, POLLIN, 0}};
    SHOW("poll socket, eventfd, timerfd, signalfd, epoll", poll(p, 5, 0));
    printf("%-44s %#x %#x %#x %#x %#x\n", "revents", p[0].revents, p[1].revents, p[2].revents, p[3].revents,
           p[4].revents);
    fd_set rd;
    FD_ZERO(&rd);
    int fds[5] = {sv[0], e, t, s, ep}, max = 0;
    for (int i = 0; i < 5; i++) {
        FD_SET(fds[i], &rd);
        max = fds[i] > max ? fds[i] : max;
    }
    struct timeval tv = {0, 0};
    SHOW("select on the same five", select(max + 1, &rd, NULL, NULL, &tv));
    close(sv[0]);
    close(sv[1]);
    close(e);
    close(t);
    close(s);
    close(ep);
    sigprocmask(SIG_UNBLOCK, &m, NULL);
}

/* execve deletes the process's POSIX timers: one armed before must not
 * kill the new image with its (default: fatal) signal. */
static void timers_end_at_exec(void)
{
    struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2};
    timer_t id;
    timer_create(CLOCK_MONOTONIC, &sev, &id);
    struct itimerspec its = {{0, 0}, {0, 30 * 1000000}};
    timer_settime(id, 0, &its, NULL);
    char self[256] = {0};
    readlink("/proc/self/exe", self, sizeof self - 1);
    char *argv[] = {"events", "after-exec", NULL};
    execv(self, argv);
    printf("execv failed\n");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1) {
        sleep_ms(100);
        printf("%-44s\n", "the new image outlived the old timer");
        return 0;
    }
    eventfds();
    epolls();
    timerfds();
    signalfds();
    posix_timers();
    poll_all_kinds();
    timers_end_at_exec();
    return 1;
}
