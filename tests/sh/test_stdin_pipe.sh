#!/bin/sh
# test_stdin_pipe.sh — `ringscope run` at the command line against the same
# static programs run natively: stdin from a pipe and from a file
# (`< file`), 3000 lines and 100 MB of binary data echoed back (md5 of the
# bytes that came out), isatty false for a pipe, and stdout and stderr
# apart (`>out 2>err` captures what it captures natively).  Built with
# musl and glibc.  Usage: sh tests/sh/test_stdin_pipe.sh [BUILD]
set -eu
build=${1:-build}
ringscope="$build/ringscope"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

fail() {
    echo "FAIL: $*"
    failed=1
}

# Programs (the guest's argv[0] is /bin/NAME; none of them prints it).
cat > "$work/lines.c" <<'SRC'
#include <stdio.h>
#include <string.h>
int main(void) {
    static char b[1 << 16]; long lines = 0, bytes = 0;
    while (fgets(b, sizeof b, stdin)) { lines++; bytes += (long)strlen(b); }
    printf("%ld lines, %ld bytes\n", lines, bytes);
    return 0;
}
SRC
cat > "$work/echo.c" <<'SRC'
#include <unistd.h>
int main(void) {
    static char b[65536]; ssize_t n;
    while ((n = read(0, b, sizeof b)) > 0)
        for (ssize_t o = 0; o < n;) { ssize_t w = write(1, b + o, (size_t)(n - o)); if (w <= 0) return 1; o += w; }
    return n < 0 ? 2 : 0;
}
SRC
cat > "$work/streams.c" <<'SRC'
#include <stdio.h>
#include <unistd.h>
int main(void) {
    printf("to stdout\n");
    fprintf(stderr, "to stderr\n");
    for (int i = 0; i < 2000; i++) { printf("out %d\n", i); fprintf(stderr, "err %d\n", i); }
    write(2, "last error\n", 11);
    return 4;
}
SRC
cat > "$work/mixed.c" <<'SRC'
#include <stdio.h>
#include <unistd.h>
int main(void) {
    char b[32];
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(b, sizeof b, "%s %d\n", i % 3 ? "out" : "err", i);
        write(i % 3 ? 1 : 2, b, (size_t)n);
    }
    return 0;
}
SRC
cat > "$work/probe.c" <<'SRC'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
int main(void) {
    struct termios t;
    for (int fd = 0; fd < 3; fd++) {
        errno = 0;
        int r = tcgetattr(fd, &t);
        printf("fd %d: isatty %d, tcgetattr %d errno %d\n", fd, isatty(fd), r, errno);
    }
    return 0;
}
SRC
for cc in musl-gcc gcc; do
    for p in lines echo streams probe mixed; do
        $cc -static -O1 -o "$work/$p-$cc" "$work/$p.c"
    done
done

seq 1 3000 > "$work/3000.txt"
# 100 MB of every byte value (a deterministic stream, no host randomness).
awk 'BEGIN { for (i = 0; i < 256; i++) printf "%c", i }' > "$work/256.bin"
i=0
while [ $i -lt 4096 ]; do cat "$work/256.bin"; i=$((i + 1)); done > "$work/1m.bin"
i=0
while [ $i -lt 100 ]; do cat "$work/1m.bin"; i=$((i + 1)); done > "$work/100m.bin"

for cc in musl-gcc gcc; do
    lines="$work/lines-$cc" echo="$work/echo-$cc"
    want=$("$lines" < "$work/3000.txt")
    [ "$want" = "3000 lines, 13893 bytes" ] || fail "native $cc lines: $want"
    got=$(seq 1 3000 | "$ringscope" run "$lines")
    [ "$got" = "$want" ] || fail "$cc: seq 1 3000 | ringscope run lines: '$got', natively '$want'"
    got=$("$ringscope" run "$lines" < "$work/3000.txt")
    [ "$got" = "$want" ] || fail "$cc: ringscope run lines < file: '$got', natively '$want'"

    size=$(wc -c < "$work/256.bin")
    [ "$size" -eq 256 ] || fail "the 256-byte pattern has $size bytes"
    # 100 MB from a file with one libc, through a pipe with the other.
    want=$(md5sum < "$work/100m.bin")
    if [ $cc = musl-gcc ]; then
        got=$("$ringscope" run "$echo" < "$work/100m.bin" | md5sum)
        [ "$got" = "$want" ] || fail "$cc: ringscope run echo < 100 MB file: md5 $got, input $want"
        got=$(head -c 3000000 "$work/100m.bin" | "$ringscope" run "$echo" | md5sum)
        [ "$got" = "$(head -c 3000000 "$work/100m.bin" | md5sum)" ] || fail "$cc: 3 MB through a pipe: md5 $got"
    else
        got=$(cat "$work/100m.bin" | "$ringscope" run "$echo" | md5sum)
        [ "$got" = "$want" ] || fail "$cc: cat 100 MB | ringscope run echo: md5 $got, input $want"
        got=$("$ringscope" run "$echo" < "$work/1m.bin" | md5sum)
        [ "$got" = "$(md5sum < "$work/1m.bin")" ] || fail "$cc: ringscope run echo < 1 MB file: md5 $got"
    fi

    streams="$work/streams-$cc"
    set +e
    "$streams" > "$work/native.out" 2> "$work/native.err"
    want_status=$?
    "$ringscope" run "$streams" > "$work/guest.out" 2> "$work/guest.err"
    got_status=$?
    set -e
    cmp -s "$work/native.out" "$work/guest.out" || fail "$cc: >out differs from native"
    cmp -s "$work/native.err" "$work/guest.err" || fail "$cc: 2>err differs from native"
    [ "$got_status" -eq "$want_status" ] || fail "$cc: exit status $got_status, natively $want_status"

    # One file for both (2>&1): the lines in the order they were written.
    "$work/mixed-$cc" > "$work/native.both" 2>&1
    "$ringscope" run "$work/mixed-$cc" > "$work/guest.both" 2>&1
    cmp -s "$work/native.both" "$work/guest.both" || fail "$cc: >both 2>&1 differs from native"

    probe="$work/probe-$cc"
    want=$(echo | "$probe" 2>/dev/null)
    got=$(echo | "$ringscope" run "$probe" 2>/dev/null)
    [ "$got" = "$want" ] || fail "$cc: echo | ringscope run probe: '$got', natively '$want'"
done

[ $failed -eq 0 ] && echo "stdin pipe: all passed"
exit $failed
