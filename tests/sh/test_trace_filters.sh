#!/bin/sh
# test_trace_filters.sh — a recording answers the --trace filters exactly as
# a run does: `ringscope trace FILTERS FILE.rstrace` is byte for byte the
# text of `ringscope run FILTERS PROGRAM` (--trace-ring, --trace-range,
# --trace-from/--trace-until with program and kernel symbols, --trace-pid),
# for a recording of every kind of hello, isolation (fork) and threads, and
# for a user-scope (--trace) and a syscall-only recording where they hold
# what the filter needs.  Where they do not (kernel instructions in a
# ring-3 recording, context switches in a user-scope one, instructions in
# a syscall-only one), `ringscope trace` refuses with one line and status 2
# instead of printing something a run would not.
set -u
build=${1:-build}
rs="$build/ringscope"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
main=$(nm "$build/programs/hello" | awk '$3 == "main" { print $1 }')
main_range=$(printf '0x%x-0x%x' $((0x$main)) $((0x$main + 64))) # hello's main, 64 bytes

# same KINDS PROGRAM FILTERS...: run and recording give the same text.
same() {
    kinds=$1 prog=$2
    shift 2
    "$rs" run $kinds "$@" --trace-file "$work/live.txt" "$prog" </dev/null >/dev/null 2>&1
    if ! "$rs" trace $kinds "$@" "$work/$rec" > "$work/rec.txt" 2> "$work/err"; then
        echo "FAIL: $prog ($rec): ringscope trace $kinds $*: $(cat "$work/err")"
        fail=1
    elif ! cmp -s "$work/live.txt" "$work/rec.txt"; then
        echo "FAIL: $prog ($rec): $kinds $*: the run and the recording differ:"
        diff "$work/live.txt" "$work/rec.txt" | head -6
        fail=1
    else
        echo "ok: $prog ($rec): $kinds $* ($(wc -l < "$work/live.txt") lines)"
    fi
}
# refused KINDS FILTERS...: status 2 and one line.
refused() {
    kinds=$1
    shift
    "$rs" trace $kinds "$@" "$work/$rec" > "$work/rec.txt" 2> "$work/err"
    rc=$?
    if [ $rc -ne 2 ] || [ "$(wc -l < "$work/err")" -ne 1 ] || [ -s "$work/rec.txt" ]; then
        echo "FAIL: $rec: $kinds $*: status $rc, $(wc -l < "$work/rec.txt") lines, message: $(cat "$work/err")"
        fail=1
    else
        echo "ok: $rec: $kinds $* refused: $(cat "$work/err")"
    fi
}

for prog in hello isolation threads; do
    rec=$prog-all.rstrace
    "$rs" run --trace=all --trace-file "$work/$rec" $prog </dev/null >/dev/null 2>&1
    for f in "--trace-ring 0" "--trace-ring 3" "--trace-from main" "--trace-until exit" \
             "--trace-from main --trace-until exit" "--trace-from kernel:sys_writev" \
             "--trace-until kernel:sys_exit_group" "--trace-pid 2" "--trace-range $main_range"; do
        same --trace $prog $f
    done
    if [ $prog != threads ]; then # (threads' every kind is 900 MB of text)
        same --trace=all $prog --trace-ring 0
        same --trace=all $prog --trace-from main --trace-until exit
    fi
    same --trace=syscall,sysret,exception,os $prog --trace-pid 2
done

rec=isolation-user.rstrace
"$rs" run --trace --trace-file "$work/$rec" isolation </dev/null >/dev/null 2>&1
for f in "--trace-ring 3" "--trace-from main" "--trace-until exit" "--trace-range $main_range"; do
    same --trace isolation $f
done
refused --trace --trace-ring 0
refused --trace --trace-from kernel:sys_writev
refused --trace --trace-pid 2

rec=isolation-calls.rstrace
"$rs" run --trace=syscall,sysret,exception,os --trace-file "$work/$rec" isolation </dev/null >/dev/null 2>&1
same --trace=syscall,sysret,exception,os isolation --trace-pid 2
refused --trace=syscall,sysret,exception,os --trace-from main
refused --trace=syscall,sysret,exception,os --trace-ring 3
exit $fail
