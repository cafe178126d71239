#!/bin/sh
# test_trace_sparse.sh — a trace of the crossings alone (syscalls, faults,
# interrupts, OS events, log lines) is watched without per-instruction hooks
# (the interpreter keeps its fast paths) and must be exactly what the same
# kinds are in a trace that watches every instruction: same events, same
# steps, same fields.  Adding `port` to the kinds forces the per-instruction
# path (port events belong to instructions); its lines are then dropped.
set -u
build=${1:-build}
rs="$build/ringscope"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
crossings=syscall,sysret,exception,interrupt,iret,os,log
fail=0
check() { # NAME RUN-ARGS...
    name=$1
    shift
    "$rs" run --trace=$crossings --trace-format jsonl --trace-file "$work/sparse" "$@" >/dev/null 2>&1
    "$rs" run --trace=$crossings,port --trace-format jsonl --trace-file "$work/full" "$@" >/dev/null 2>&1
    grep -v '^{"kind":"port"' "$work/full" > "$work/full.crossings"
    n=$(wc -l < "$work/sparse")
    if [ "$n" -lt 10 ]; then
        echo "FAIL: $name: only $n events in the sparse trace"
        fail=1
    elif ! cmp -s "$work/sparse" "$work/full.crossings"; then
        echo "FAIL: $name: the sparse trace differs from the per-instruction one:"
        diff "$work/sparse" "$work/full.crossings" | head -n 6
        fail=1
    else
        echo "ok: $name ($n events)"
    fi
}
# An instruction fetch that faults (a call into an executable page never
# touched: demand-zero on the fetch) is no instruction begun; a data fault
# is one.  The zeroes then run as `add [rax], al` off the end of the page.
cat > "$work/fetchfault.c" <<'C'
#include <stdio.h>
#include <sys/mman.h>
int main(void)
{
    void (*f)(void) = (void (*)(void))mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("calling %p\n", (void *)f);
    fflush(stdout);
    f();
    return 0;
}
C
musl-gcc -static -O1 -o "$work/fetchfault" "$work/fetchfault.c" || { echo "FAIL: musl-gcc"; exit 1; }
check "a fetch fault" "$work/fetchfault"
check hello hello
check privileged privileged
check "isolation (fork, two address spaces)" isolation
check "threads (context switches)" threads
check "--trace-ring 3" --trace-ring 3 privileged
check "--trace-pid 2" --trace-pid 2 isolation
check "pagefile (swapping, 24M)" --ram 24M pagefile 24
exit $fail
