#!/bin/sh
# test_trace_strace.sh — the trace decodes system calls as strace does.
# The same static program runs natively under strace (the oracle) and on
# ringscope with --trace=sysret; for the calls listed, every line
# `name(args) = result` must be the same, in the same order: flag and enum
# names, strings (bounded, escaped), iovecs, struct stat, timespec,
# sigaction, pollfd, sigsets, errno names; the structs of uname, sysinfo,
# getrlimit/prlimit64, statx; wait statuses and waitid's siginfo; access
# modes; umask in octal; ioctl's termios, winsize and [int] (on a terminal:
# both run under script(1)).  Addresses differ between the two machines
# and are replaced by ADDR on both sides; strace's errno descriptions
# ("(No such file or directory)") are dropped.  Values that are the
# machine's, not the decoder's (pids, the host name, limits, sysinfo's
# numbers, the host's STATX_MNT_ID) are replaced by N on both sides.
set -u
build=${1:-build}
rs="$build/ringscope"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v strace >/dev/null || { echo "FAIL: strace is not installed (make deps)"; exit 1; }
command -v musl-gcc >/dev/null || { echo "FAIL: musl-gcc is not installed (make deps)"; exit 1; }

cat > "$work/calls.c" <<'C'
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
static void on_usr1(int s) { (void)s; }
int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/tmp/rs-strace";
    char *p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(p, 4096, PROT_READ);
    munmap(p, 8192);
    mmap((void *)0x10000, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    write(fd, "hello\tworld\n\001\0022\"\\", 17);
    close(fd);
    fd = open(path, O_RDWR | O_APPEND);
    char buf[64];
    read(fd, buf, sizeof buf);
    lseek(fd, 3, SEEK_SET);
    read(fd, buf, 4);
    struct stat st;
    fstat(fd, &st);
    stat(path, &st);
    stat("/no/such/file", &st);
    open("/no/such/file", O_RDONLY);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_GETFD);
    fcntl(fd, F_GETFL);
    close(fd);
    unlink(path);
    struct iovec iov[3] = {{"one ", 4}, {"two\n", 4}, {"a long string that strace cuts after thirty-two bytes\n", 54}};
    writev(1, iov, 3);
    int fds[2];
    pipe2(fds, O_CLOEXEC);
    write(fds[1], "x", 1);
    struct pollfd pf[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLOUT | POLLIN, 0}};
    poll(pf, 2, 0);
    read(fds[0], buf, 1);
    poll(pf, 1, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGTERM);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, 0);
    struct sigaction old;
    sigaction(SIGUSR1, 0, &old);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, 0);
    struct timespec ts = {0, 1000000};
    clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, 0);
    kill(0, 0);
    return 0;
}
C
cat > "$work/calls2.c" <<'C'
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/tmp/rs-strace2";
    struct utsname u;
    uname(&u);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_STACK, &rl);
    syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, &rl);
    syscall(SYS_getrlimit, RLIMIT_STACK, &rl);
    struct sysinfo si;
    sysinfo(&si);
    access(path, F_OK);
    access("/", R_OK | X_OK);
    syscall(SYS_faccessat, AT_FDCWD, "/", R_OK | W_OK);
    mode_t old = umask(022);
    umask(old);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    write(fd, "abc", 3);
    close(fd);
    unsigned long long sx[32];
    syscall(SYS_statx, AT_FDCWD, path, 0, 0x7ff /* STATX_BASIC_STATS */, sx);
    syscall(SYS_statx, AT_FDCWD, "/no/such", AT_SYMLINK_NOFOLLOW, 0x200 /* STATX_SIZE */, sx);
    unlink(path);
    int fds[2];
    pipe(fds);
    write(fds[1], "xyz", 3);
    int n = 0;
    ioctl(fds[0], FIONREAD, &n);
    struct termios tio;
    ioctl(fds[0], TCGETS, &tio);
    struct winsize ws;
    ioctl(fds[0], TIOCGWINSZ, &ws);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    int status;
    wait4(pid, &status, 0, 0);
    pid = fork();
    if (pid == 0)
        _exit(3);
    wait4(pid, &status, 0, 0);
    pid = fork();
    if (pid == 0) {
        raise(SIGTERM);
        _exit(1);
    }
    wait4(pid, &status, 0, 0);
    pid = fork();
    if (pid == 0)
        _exit(7);
    siginfo_t info;
    waitid(P_PID, pid, &info, WEXITED);
    return 0;
}
C
cat > "$work/tty.c" <<'C'
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
int main(void)
{
    struct termios t;
    struct winsize w;
    memset(&t, 0, sizeof t); /* the two terminals' defaults differ */
    t.c_iflag = ICRNL | IXON;
    t.c_oflag = OPOST | ONLCR;
    t.c_cflag = B38400 | CS8 | CREAD;
    t.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | IEXTEN | ECHOCTL | ECHOKE;
    ioctl(0, TCSETS, &t);
    ioctl(0, TCGETS, &t);
    memset(&w, 0, sizeof w);
    w.ws_row = 30;
    w.ws_col = 100;
    ioctl(0, TIOCSWINSZ, &w);
    ioctl(0, TIOCGWINSZ, &w);
    int one = 1;
    ioctl(0, FIONBIO, &one);
    one = 0;
    ioctl(0, FIONBIO, &one);
    return 0;
}
C
calls=mmap,mprotect,munmap,open,openat,write,close,read,lseek,fstat,stat,newfstatat,fcntl,unlink,writev,pipe2,poll,rt_sigaction,rt_sigprocmask,clock_nanosleep,kill
calls2=uname,getrlimit,prlimit64,sysinfo,access,faccessat,faccessat2,umask,statx,ioctl,wait4,waitid,pipe,pipe2
target=/tmp/rs-strace-$$

# Addresses (5 hex digits or more) differ between the machines; strace
# aligns results in a column.
normalise() {
    sed -E -e "s/0x[0-9a-f]{5,}/ADDR/g" -e "s/\) +=/) =/" -e 's/ \([A-Z][^()]*\)$//' -e 's/ +$//' \
        -e 's/^(wait4\(|waitid\(P_PID, )[0-9]+/\1N/' -e 's/si_pid=[0-9]+/si_pid=N/' \
        -e 's/^(wait4\(.*) = [0-9]+$/\1 = N/' -e 's/nodename="[^"]*"/nodename=N/' \
        -e 's/rlim_(cur|max)=[0-9A-Z_*]+/rlim_\1=N/g' -e 's/\|STATX_MNT_ID//' \
        -e '/^sysinfo/s/=[0-9]+/=N/g' -e '/^sysinfo/s/loads=\[[0-9, ]*\]/loads=N/'
}

fail=0
# PROGRAM (calls, calls2: run directly; tty: on a terminal) CALLS MIN LIBC COMPILER...
compare() {
    prog=$1 calls=$2 min=$3 libc=$4
    shift 4
    "$@" -O1 -o "$work/$prog" "$work/$prog.c" || { echo "FAIL: $libc: $*"; fail=1; return; }
    rm -f "$target"
    if [ "$prog" = tty ]; then
        script -qc "strace -qq -o '$work/native.raw' -e trace=$calls '$work/$prog'" /dev/null >/dev/null 2>&1
    else
        strace -qq -o "$work/native.raw" -e trace=$calls "$work/$prog" "$target" >/dev/null 2>&1
    fi || { echo "FAIL: $libc: the native run of $prog under strace failed"; fail=1; return; }
    grep -v -e '^+++' -e '^---' "$work/native.raw" | normalise > "$work/native"
    rm -f "$target"
    if [ "$prog" = tty ]; then
        script -qc "'$rs' run --trace=sysret --trace-format jsonl --trace-file '$work/guest.jsonl' '$work/$prog'" /dev/null >/dev/null 2>&1
    else
        "$rs" run --trace=sysret --trace-format jsonl --trace-file "$work/guest.jsonl" "$work/$prog" "$target" >/dev/null 2>&1
    fi || { echo "FAIL: $libc: the ringscope run of $prog failed"; fail=1; return; }
    python3 - "$work/guest.jsonl" "$calls" > "$work/guest.lines" <<'PY'
import json, sys
wanted = set(sys.argv[2].split(","))
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("kind") == "sysret" and e.get("name") in wanted:
        print("%s(%s) = %s" % (e["name"], e["args"], e["ret"]))
PY
    normalise < "$work/guest.lines" > "$work/guest"
    n=$(wc -l < "$work/native")
    if [ "$n" -lt "$min" ]; then
        echo "FAIL: $libc: $prog: only $n calls in the native strace"
        cat "$work/native.raw"
        fail=1
    elif ! diff -u "$work/native" "$work/guest" > "$work/diff"; then
        echo "FAIL: $libc: $prog: the trace decodes calls differently from strace (- strace, + ringscope):"
        cat "$work/diff"
        fail=1
    else
        echo "ok: $libc: $prog: $n calls decoded as strace decodes them"
        head -n 8 "$work/native" | sed 's/^/    /'
    fi
}
command -v script >/dev/null || { echo "FAIL: script(1) is not installed (util-linux)"; exit 1; }
for prog in calls calls2 tty; do
    case $prog in
    calls) list=$calls min=30 ;;
    calls2) list=$calls2 min=20 ;;
    tty) list=ioctl min=6 ;;
    esac
    compare $prog $list $min musl musl-gcc -static
    compare $prog $list $min glibc gcc -static
done
rm -f "$target"
exit $fail
