#!/bin/sh
# test_trace_strace.sh — the trace decodes system calls as strace does.
# The same static program runs natively under strace (the oracle) and on
# ringscope with --trace=sysret; for the calls listed, every line
# `name(args) = result` must be the same, in the same order: flag and enum
# names, strings (bounded, escaped), iovecs, struct stat, timespec,
# sigaction, pollfd, sigsets, errno names.  Addresses differ between the
# two machines and are replaced by ADDR on both sides; strace's errno
# descriptions ("(No such file or directory)") are dropped.
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
calls=mmap,mprotect,munmap,open,openat,write,close,read,lseek,fstat,stat,newfstatat,fcntl,unlink,writev,pipe2,poll,rt_sigaction,rt_sigprocmask,clock_nanosleep,kill
target=/tmp/rs-strace-$$

# Addresses (5 hex digits or more) differ between the machines; strace
# aligns results in a column.
normalise() {
    sed -E -e "s/0x[0-9a-f]{5,}/ADDR/g" -e "s/\) +=/) =/" -e 's/ \([A-Z][^()]*\)$//' -e 's/ +$//'
}

fail=0
compare() { # LIBC COMPILER...
    libc=$1
    shift
    "$@" -O1 -o "$work/calls" "$work/calls.c" || { echo "FAIL: $libc: $*"; fail=1; return; }
    rm -f "$target"
    strace -qq -o "$work/native.raw" -e trace=$calls "$work/calls" "$target" >/dev/null 2>&1 \
        || { echo "FAIL: $libc: the native run under strace failed"; fail=1; return; }
    grep -v -e '^+++' -e '^---' "$work/native.raw" | normalise > "$work/native"
    rm -f "$target"
    "$rs" run --trace=sysret --trace-format jsonl --trace-file "$work/guest.jsonl" "$work/calls" "$target" >/dev/null 2>&1 \
        || { echo "FAIL: $libc: the ringscope run failed"; fail=1; return; }
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
    if [ "$n" -lt 30 ]; then
        echo "FAIL: $libc: only $n calls in the native strace"
        cat "$work/native.raw"
        fail=1
    elif ! diff -u "$work/native" "$work/guest" > "$work/diff"; then
        echo "FAIL: $libc: the trace decodes calls differently from strace (- strace, + ringscope):"
        cat "$work/diff"
        fail=1
    else
        echo "ok: $libc: $n calls decoded as strace decodes them"
        head -n 8 "$work/native" | sed 's/^/    /'
    fi
}
compare musl musl-gcc -static
compare glibc gcc -static
rm -f "$target"
exit $fail
