#!/bin/sh
# test_gdb.sh — real gdb (gdb -batch) against `ringscope run --gdb` and
# `ringscope debug --gdb`, as a user drives them: break at main, continue,
# next and step, x/s, a watchpoint stopping after the writing instruction
# (objdump says which), reverse-stepi restoring registers and memory
# exactly, reverse-continue to the previous breakpoint, a breakpoint in the
# kernel's syscall entry hit from ring 3, info threads in `threads` (every
# thread's registers right after creation, as it later starts with them),
# monitor walk (checked against monitor phys), a port in use and a bad
# address (one-line errors, exit 2), the same trace with and without gdb,
# and gdb plus the window on one machine (under Xvfb).  Each stub listens
# on port 0 (a free port), announced through --gdb-script.
set -u
build=${1:-build}
rs="$build/ringscope"
counter=build/tests/gdb/counter
work=$(mktemp -d)
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

# start NAME RINGSCOPE-ARGS...: a stub in the background, its script in
# $work/NAME.gdb once it listens.
start() {
    name=$1
    shift
    rm -f "$work/$name.gdb"
    "$rs" "$@" >"$work/$name.out" 2>"$work/$name.err" &
    pids="$pids $!"
    last_pid=$!
    i=0
    while [ ! -s "$work/$name.gdb" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
    [ -s "$work/$name.gdb" ] || bad "$name: no gdb script written: $(cat "$work/$name.err")"
}

# drive NAME: gdb -batch with $work/NAME.gdb then the commands on stdin.
drive() {
    cat >"$work/$1.cmds"
    timeout 120 gdb -batch -nx -x "$work/$1.gdb" -x "$work/$1.cmds" >"$work/$1.log" 2>&1
    wait "$last_pid" 2>/dev/null
    echo $? >"$work/$1.status"
}

has() { grep -q -- "$2" "$work/$1.log" || bad "$1: gdb's output lacks '$2' (see below)"; }

# ---- break at main, continue, next, step, x/s ----------------------------
start basic run --gdb 0 --gdb-script "$work/basic.gdb" "$counter"
drive basic <<'EOF'
break main
continue
next
next
step
info registers rip
x/s greeting
print counter
continue
EOF
has basic "hit Breakpoint 1, main () at tests/gdb/counter.c:22"
has basic "^23	    long seen = counter;"
has basic "^24	    bump();"
has basic "^bump () at tests/gdb/counter.c:13"
has basic '"hello from the counter"'
has basic "= 41"
has basic "exited normally"
grep -q "hello from the counter: 43 82 pid 1" "$work/basic.out" || bad "basic: the program's output is missing"
[ "$(cat "$work/basic.status")" = 0 ] || bad "basic: exit status $(cat "$work/basic.status")"
[ $fail = 0 ] && ok "break main, continue, next, step, x/s"

# ---- a watchpoint, reverse-stepi, reverse-continue ------------------------
# The instruction after the one that stores to counter, as objdump sees it.
after=$(objdump -d "$counter" --disassemble=bump | awk '/mov +%rax,.*<counter>/ { getline; sub(":", "", $1); print $1; exit }')
start rev run --gdb 0 --gdb-script "$work/rev.gdb" "$counter"
drive rev <<'EOF'
break bump
continue
continue
print counter
info registers
x/4gx $rsp
stepi 3
print counter
reverse-stepi 3
print counter
info registers
x/4gx $rsp
delete
watch counter
continue
print/x $pc
reverse-stepi
print counter
print/x $pc
stepi
delete
break bump
next
next
next
reverse-continue
print counter
reverse-continue
print counter
kill
EOF
log=$work/rev.log
# The two register dumps around stepi 3 / reverse-stepi 3 are identical.
awk '/^rax /{n++} n==1 && /^(r|e|cs|ss|ds|es|fs|gs|k)/ {print > "'"$work"'/regs1"} n==2 && /^(r|e|cs|ss|ds|es|fs|gs|k)/ {print > "'"$work"'/regs2"}' "$log"
if [ -s "$work/regs1" ] && cmp -s "$work/regs1" "$work/regs2"; then
    ok "reverse-stepi 3 restores all $(wc -l <"$work/regs1") registers"
else
    bad "reverse-stepi: registers differ"; diff "$work/regs1" "$work/regs2" | head -5
fi
[ "$(grep -c '^0x7ff.*:	0x' "$log")" -ge 4 ] || bad "rev: no stack dumps"
stack1=$(grep '^0x7ff' "$log" | sed -n '1,2p' | tr -d '\n')
stack2=$(grep '^0x7ff' "$log" | sed -n '3,4p' | tr -d '\n')
[ "$stack1" = "$stack2" ] || bad "rev: the stack differs after reverse-stepi: $stack1 / $stack2"
has rev "Old value = 42"
has rev "New value = 43"
has rev "= 0x$after"
# reverse-stepi over the store: back at it, the old value in memory.
grep -A3 "= 0x$after" "$log" | grep -q "= 42" || bad "rev: reverse-stepi over the store did not give 42 back"
has rev "= 0x401148"
# reverse-continue: back to the second call's breakpoint (counter 42 then),
# then to the first (41).
tail -n 12 "$log" | grep -q "= 42" && tail -n 12 "$log" | grep -q "= 41" || bad "rev: reverse-continue did not reach both earlier hits"
[ "$(grep -c 'hit Breakpoint' "$log")" -ge 4 ] || bad "rev: fewer breakpoint hits than expected"
[ $fail = 0 ] && ok "watch stops after the store at 0x$after, reverse-stepi, reverse-continue"

# ---- the kernel's syscall entry, from ring 3; monitor walk ----------------
start kern run --gdb 0 --gdb-script "$work/kern.gdb" "$counter"
drive kern <<'EOF'
break main
continue
break syscall_entry
continue
info registers cs
x/i $rcx - 2
print/x $rcx
monitor ring
monitor walk counter
monitor maps
monitor tlb
kill
EOF
has kern "syscall_entry () at os/trapentry.S"
has kern "^cs             0x8"
# RCX holds the user RIP SYSCALL saved: ring-3 code, right after a syscall.
grep -q ":	syscall" "$work/kern.log" || bad "kern: x/i \$rcx-2 is not a syscall instruction"
rcx=$(sed -n 's/^\$[0-9]* = \(0x[0-9a-f]*\)$/\1/p' "$work/kern.log" | head -1)
[ -n "$rcx" ] && [ $((rcx)) -gt 0 ] && [ $((rcx)) -lt $((0x800000000000)) ] || bad "kern: rcx $rcx is not a user address"
has kern "ring 0 (kernel)"
has kern "memory areas of pid 1 (counter)"
has kern "r-x committed"
has kern "TLB: [0-9]* hits"
has kern "PML4E"
has kern "PTE"
pa=$(sed -n 's/.*-> phys \(0x[0-9a-f]*\) .*/\1/p' "$work/kern.log" | head -1)
[ -n "$pa" ] || bad "kern: monitor walk printed no physical address"
# The physical address the walk found holds counter's value (41).
if [ -n "$pa" ]; then
    start phys run --gdb 0 --gdb-script "$work/phys.gdb" "$counter"
    drive phys <<EOF
break main
continue
monitor phys $pa 8
kill
EOF
    has phys ": 29 00 00 00 00 00 00 00"
fi
[ $fail = 0 ] && ok "syscall_entry hit from ring 3, monitor walk -> $pa holds counter"

# ---- info threads in threads ---------------------------------------------
start thr run --gdb 0 --gdb-script "$work/thr.gdb" threads
drive thr <<'EOF'
break work
continue
continue
info threads
monitor ps
kill
EOF
n=$(grep -c "threads pid 1 tid [0-9]*, " "$work/thr.log")
[ "$n" -ge 3 ] || bad "thr: info threads lists $n guest threads"
has thr "running in ring 3"
grep -q "threads pid 1 tid [0-9]*, \(ready\|blocked in futex()\)" "$work/thr.log" || bad "thr: no switched-out thread"
has thr "in work ()"
grep -q "^    1  threads .* R (running) .*[0-9]\*" "$work/thr.log" || bad "thr: monitor ps does not show pid 1 with its threads"
grep -q "unavailable" "$work/thr.log" && bad "thr: a thread without registers"
[ $fail = 0 ] && ok "info threads lists $n threads of threads, by the kernel's own state"

# ---- every thread's registers right after creation, from the kernel's tables
# At the first pthread_join the three threads exist and none has run: each
# shows the registers the kernel made for it (RIP after clone's syscall,
# RAX 0), and when the kernel later runs it, its first instruction in
# ring 3 sees exactly those (the breakpoint on that RIP for that stack stops
# in the same gdb thread with the same registers).
start new run --gdb 0 --gdb-script "$work/new.gdb" threads
drive new <<'EOF'
break pthread_join
continue
info threads
thread 4
info registers rip rax
set $want_gid = $_thread
set $want_rip = (long)$rip
set $want_rsp = (long)$rsp
set $want_regs = (long)$rax + 3 * (long)$rbx + 5 * (long)$rbp + 7 * (long)$r12 + 11 * (long)$r13 + 13 * (long)$r14 + 17 * (long)$r15 + 19 * (long)$rdi + 23 * (long)$rsi + 29 * (long)$rdx + 31 * (long)$r8 + 37 * (long)$r9 + 41 * (long)$r10
delete
break *$want_rip if (long)$rsp == $want_rsp
continue
print $_thread == $want_gid ? 111 : 0
print (long)$rip == $want_rip && (long)$rsp == $want_rsp ? 222 : 0
print (long)$rax + 3 * (long)$rbx + 5 * (long)$rbp + 7 * (long)$r12 + 11 * (long)$r13 + 13 * (long)$r14 + 17 * (long)$r15 + 19 * (long)$rdi + 23 * (long)$rsi + 29 * (long)$rdx + 31 * (long)$r8 + 37 * (long)$r9 + 41 * (long)$r10 == $want_regs ? 333 : 0
kill
EOF
n=$(grep -c "threads pid 1 tid [0-9]*, ready) *0x[0-9a-f]* in __clone ()" "$work/new.log")
[ "$n" = 3 ] || bad "new: $n of 3 new threads listed with their registers (in __clone)"
grep -q "unavailable" "$work/new.log" && bad "new: a thread without registers"
grep -q "^rax  *0x0 " "$work/new.log" || bad "new: the new thread's RAX is not clone's 0 in the child"
has new "Thread 4 hit Breakpoint 2, .* in __clone ()"
has new "= 111"
has new "= 222"
has new "= 333"
[ $fail = 0 ] && ok "right after creation every thread has its registers; the thread later starts with exactly them"

# ---- errors: a port in use, a bad address --------------------------------
start busy run --gdb 0 --gdb-script "$work/busy.gdb" "$counter"
port=$(sed -n 's/^target remote .*:\([0-9]*\)$/\1/p' "$work/busy.gdb")
"$rs" run --gdb "$port" "$counter" 2>"$work/inuse.err" >/dev/null
st=$?
[ $st = 2 ] && grep -q "port $port is in use" "$work/inuse.err" && [ "$(wc -l <"$work/inuse.err")" = 1 ] ||
    bad "port in use: status $st, $(cat "$work/inuse.err")"
"$rs" run --gdb 999.1.2.3:1234 "$counter" 2>"$work/addr.err" >/dev/null
st=$?
[ $st = 2 ] && [ "$(wc -l <"$work/addr.err")" = 1 ] || bad "bad address: status $st, $(cat "$work/addr.err")"
kill "$last_pid" 2>/dev/null
[ $fail = 0 ] && ok "port in use and bad address: one line, exit 2"

# ---- determinism: the same instructions with and without gdb -------------
for kinds in "insn --trace-ring 3" "syscall,sysret,os,exception,iret"; do
    start det run --gdb 0 --gdb-script "$work/det.gdb" --trace=$kinds --trace-format jsonl \
        --trace-file "$work/gdb.jsonl" "$counter"
    drive det <<'EOF'
break bump
continue
stepi 4
next
watch counter
continue
delete
continue
EOF
    mkfifo "$work/stdin"
    exec 3<>"$work/stdin"
    "$rs" run --trace=$kinds --trace-format jsonl --trace-file "$work/run.jsonl" "$counter" <"$work/stdin" >/dev/null
    exec 3>&-
    rm -f "$work/stdin"
    n=$(wc -l <"$work/run.jsonl")
    if [ "$n" -gt 20 ] && cmp -s "$work/gdb.jsonl" "$work/run.jsonl"; then
        ok "--trace=$kinds: $n events, the same with gdb stepping and watching as without"
    else
        bad "--trace=$kinds: the trace under gdb differs ($n events without)"
        diff "$work/gdb.jsonl" "$work/run.jsonl" | head -4
    fi
done

# ---- the window and gdb on one machine ----------------------------------
if command -v Xvfb >/dev/null; then
    # Our own X server, so that the ringscope we start is the one we stop.
    Xvfb -displayfd 1 -nolisten tcp >"$work/display" 2>/dev/null &
    xpid=$!
    pids="$pids $xpid"
    i=0
    while [ ! -s "$work/display" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
    DISPLAY=:$(cat "$work/display") "$rs" debug --gdb 0 --gdb-script "$work/win.gdb" "$counter" \
        >"$work/win.out" 2>"$work/win.err" &
    winpid=$!
    pids="$pids $winpid"
    i=0
    while [ ! -s "$work/win.gdb" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
    printf 'break bump\ncontinue\nprint counter\nmonitor events 2\ndetach\n' >"$work/win.cmds"
    timeout 120 gdb -batch -nx -x "$work/win.gdb" -x "$work/win.cmds" >"$work/win.log" 2>&1
    has win "hit Breakpoint 1, bump ()"
    has win "= 41"
    has win "sysret\\|syscall"
    # A second gdb on the same window: the machine is where the first left it.
    printf 'print counter\ninfo registers rip\ndetach\n' >"$work/win2.cmds"
    timeout 120 gdb -batch -nx -x "$work/win.gdb" -x "$work/win2.cmds" >"$work/win2.log" 2>&1
    has win2 "= 41"
    has win2 "bump"
    kill -0 "$winpid" 2>/dev/null || bad "win: the window is gone: $(cat "$work/win.err")"
    kill "$winpid" 2>/dev/null
    wait "$winpid" 2>/dev/null
    kill "$xpid" 2>/dev/null
    [ $fail = 0 ] && ok "gdb drives the machine of an open window (its event loop serves the stub)"
fi

# The headless window: gdb's stop is the frame the debugger renders.
start shot debug --screenshot "$work/shot.png" --gdb 0 --gdb-script "$work/shot.gdb" "$counter"
drive shot <<'EOF'
break bump
continue
detach
EOF
[ -s "$work/shot.png" ] || bad "debug --gdb --screenshot: no frame"

if [ $fail != 0 ]; then
    for f in "$work"/*.log; do echo "---- $f"; tail -n 30 "$f"; done
fi
exit $fail
