#!/bin/sh
# test_debug_trace.sh — `ringscope debug --trace=…` writes the trace while
# the debugger watches the same machine: run to the program's exit in the
# debugger (headless) and the trace must be byte for byte the one
# `ringscope run` writes for the same program with the same (empty, still
# open) console input.  Both the debugger's watcher and the tracer are
# attached to one machine at once.
set -u
build=${1:-build}
rs="$build/ringscope"
work=$(mktemp -d)
trap 'exec 3>&-; rm -rf "$work"' EXIT
fail=0
# Every kind, for the program's own instructions (ring 3), and the crossings.
for kinds in "all --trace-ring 3" "syscall,sysret,os,exception,iret"; do
    "$rs" debug --screenshot "$work/shot.png" --until exit --trace=$kinds --trace-format jsonl \
        --trace-file "$work/debug.jsonl" hello 2>"$work/debug.err" || {
        echo "FAIL: ringscope debug --trace=$kinds exited $?: $(cat "$work/debug.err")"
        fail=1
        continue
    }
    # `run` reads the console from stdin; a FIFO held open here gives it no
    # bytes and no end of file, as the debugger's console has.
    mkfifo "$work/stdin"
    exec 3<>"$work/stdin"
    "$rs" run --trace=$kinds --trace-format jsonl --trace-file "$work/run.jsonl" hello <"$work/stdin" >/dev/null
    exec 3>&-
    rm -f "$work/stdin"
    n=$(wc -l <"$work/debug.jsonl")
    if [ "$n" -lt 20 ]; then
        echo "FAIL: --trace=$kinds: the debugger wrote only $n events"
        fail=1
    elif ! cmp -s "$work/debug.jsonl" "$work/run.jsonl"; then
        echo "FAIL: --trace=$kinds: the debugger's trace differs from run's"
        diff "$work/debug.jsonl" "$work/run.jsonl" | head -n 4
        fail=1
    else
        echo "ok: debug --trace=$kinds ($n events) = run --trace=$kinds"
    fi
    [ -s "$work/shot.png" ] || { echo "FAIL: no screenshot"; fail=1; }
done
exit $fail
