#!/bin/sh
# run.sh [BUILD] — the guest benchmarks: each guest bench/*.c program is built
# with musl-gcc -static -O2 and run natively, under ringscope (tracing off, with
# --stats for guest MIPS and the TLB hit rate), under qemu-x86_64 (Debian's
# qemu-user: a peer that translates instead of interpreting) when installed,
# and under ringscope with --trace=all to a file for the first TRACED_INSNS
# instructions when this ringscope has --trace-file.  Every run's output
# must equal the native run's.  The table goes to stdout and BUILD/bench.txt,
# followed by the bare-metal bench_loop and bench_trace reports when those
# test binaries are built.
#
# Wall times are host seconds for the whole process (ringscope's include
# booting its kernel), measured by bench/pairtime: PAIRS interleaved runs
# native, ringscope, native, ringscope, ... (and the same against qemu); the
# slowdown is the median of the per-pair ratios, with their range.  The
# numbers depend on the host and its load: compare runs on the same machine.
set -eu
build=${1:-build}
ringscope=$build/ringscope
out=$build/bench.txt
benches="intmix hash sort interp strings"
PAIRS=${PAIRS:-5}
TRACED_INSNS=2000000
tmp=$(mktemp -d /tmp/rs-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

[ -x "$ringscope" ] || { echo "run.sh: $ringscope is missing: run make first" >&2; exit 1; }
mkdir -p "$build/bench"
cc -O2 -Wall -Wextra -Werror -o "$build/bench/pairtime" bench/pairtime.c
pairtime=$build/bench/pairtime
for b in $benches; do
    musl-gcc -static -O2 -Wall -Wextra -Werror -o "$build/bench/$b" "bench/$b.c"
done

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
stat_mips() { awk '/host time/ { print $(NF-1) }' "$1"; }
stat_insns() { awk '/ringscope: instructions/ { print $3 }' "$1"; }
stat_tlb() { sed -n 's/.*(\([0-9.]*\)% hit rate).*/\1%/p' "$1"; }
same() { cmp -s "$1" "$2" && echo ok || echo DIFFERS; }

have_qemu=no
command -v qemu-x86_64 >/dev/null 2>&1 && have_qemu=yes
have_trace=no
"$ringscope" run --help 2>/dev/null | grep -q -- '--trace-file' && have_trace=yes

{
    echo "ringscope benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores"
    echo "ringscope $(git rev-parse --short HEAD 2>/dev/null || echo '?'); qemu: $([ $have_qemu = yes ] && qemu-x86_64 --version | head -1 || echo 'not installed')"
    echo
    printf '%-8s %11s %8s %7s %16s %6s %8s %7s %16s %10s %s\n' bench "guest insns" "native s" "rs s" \
        "rs/nat (range)" "MIPS" "TLB hit" "qemu s" "qemu/nat (range)" "traced" "output"
    for b in $benches; do
        prog=$build/bench/$b
        "$prog" >"$tmp/native.out"
        "$ringscope" run --stats "$prog" >"$tmp/rs.out" 2>"$tmp/rs.stats" || true
        check=$(same "$tmp/native.out" "$tmp/rs.out")
        # pairtime prints: median_native median_rs ratio_median ratio_min ratio_max
        set -- $("$pairtime" "$PAIRS" "$prog" -- "$ringscope" run "$prog")
        native=$1 rs=$2 rsratio="$3x ($4-$5)"

        qemu=- qratio=-
        if [ $have_qemu = yes ]; then
            qemu-x86_64 "$prog" >"$tmp/qemu.out"
            [ "$(same "$tmp/native.out" "$tmp/qemu.out")" = ok ] || check="$check, qemu DIFFERS"
            set -- $("$pairtime" "$PAIRS" "$prog" -- qemu-x86_64 "$prog")
            qemu=$2 qratio="$3x ($4-$5)"
        fi

        # Traced speed: the same first TRACED_INSNS instructions with and
        # without --trace=all; the difference in wall time is the tracing
        # (the guest's boot and RAM setup cost the same in both runs).
        traced=-
        if [ $have_trace = yes ]; then
            t0=$(now)
            "$ringscope" run --max-insns $TRACED_INSNS "$prog" >/dev/null 2>&1 || true
            t1=$(now)
            "$ringscope" run --max-insns $TRACED_INSNS --trace=all --trace-file "$tmp/trace" "$prog" \
                >/dev/null 2>&1 || true
            t2=$(now)
            traced=$(awk -v n=$TRACED_INSNS -v plain="$(elapsed "$t0" "$t1")" -v tr="$(elapsed "$t1" "$t2")" \
                'BEGIN { if (tr > plain) printf "%.2f MIPS", n / (tr - plain) / 1e6; else print "-" }')
            rm -f "$tmp/trace"
        fi

        printf '%-8s %11s %8s %7s %16s %6s %8s %7s %16s %10s %s\n' "$b" "$(stat_insns "$tmp/rs.stats")" "$native" \
            "$rs" "$rsratio" "$(stat_mips "$tmp/rs.stats")" "$(stat_tlb "$tmp/rs.stats")" "$qemu" \
            "$qratio" "$traced" "$check"
    done
    echo
    # Start-up: the smallest program, paired against its native run.
    set -- $("$pairtime" $((PAIRS * 4)) "$build/bench/intmix" 1 -- "$ringscope" run "$build/programs/hello")
    echo
    echo "start-up: ringscope run hello $2 s median, intmix 1 natively $1 s (paired, $((PAIRS * 4)) pairs)"
    echo
    echo "native s, rs s: median wall times of $PAIRS interleaved pairs (bench/pairtime.c); rs/nat: median of the"
    echo "per-pair ratios (min-max); tracing off; MIPS and TLB hit:"
    echo "from ringscope run --stats (the whole run: kernel + program); qemu: qemu-x86_64 (user-mode translation)"
    echo "as a peer; traced: MIPS with --trace=all to a file (text, every event kind), from the wall-time difference"
    echo "between the first $TRACED_INSNS instructions traced and untraced."
    if [ -x "$build/tests/bench_loop" ]; then
        echo
        echo "bare-metal loop (tests/bench_loop.c: ring 0, no kernel):"
        "$build/tests/bench_loop" 2>&1 | sed 's/^/  /'
    fi
    if [ -x "$build/tests/bench_trace" ]; then
        echo
        echo "the same loop traced (tests/bench_trace.c):"
        "$build/tests/bench_trace" 2>&1 | sed 's/^/  /'
    fi
} | tee "$out"
echo "saved to $out"
