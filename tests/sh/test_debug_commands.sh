#!/bin/sh
# test_debug_commands.sh — `ringscope debug --commands FILE --batch`
# replays a script of debugger commands with no window: each command is
# echoed and followed by what it did; the same script gives the same
# output twice (a lesson or a bug report replays exactly); addresses agree
# with nm; a bad line stops the script with FILE:LINE and exit status 2.
set -u
build=${1:-build}
rs="$build/ringscope"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
main=$(nm "$build/programs/hello" | awk '$3 == "main" { print $1 }' | sed 's/^0*//')
entry=$(nm "$build/os/kernel.elf" | awk '$3 == "syscall_entry" { print $1 }' | sed 's/^0*//')
cat >"$work/lesson" <<'EOF'
# hello, from main to its first system call
break main
continue
info break
until syscall
reverse-step
step
delete 1
continue
EOF
if ! "$rs" debug --commands "$work/lesson" --batch hello >"$work/out1" 2>"$work/err"; then
    echo "FAIL: the script exited $?: $(cat "$work/err")"
    fail=1
fi
"$rs" debug --commands "$work/lesson" --batch hello >"$work/out2" 2>&1
expect() {
    if grep -qF -- "$1" "$work/out1"; then
        echo "ok: $2"
    else
        echo "FAIL: $2: no line with '$1' in:"
        cat "$work/out1"
        fail=1
    fi
}
expect "(rs) break main" "each command is echoed"
expect "breakpoint 1 at 0x$main <main>" "break main is at nm's main (0x$main)"
expect 'breakpoint 1 at `main`; insn' "continue stops at the breakpoint"
expect "ring 3, rip 0x$main <main>" "... in ring 3 at main"
expect "syscall at kernel:syscall_entry" "until syscall stops at the syscall"
expect "ring 0, rip 0x$entry <kernel:syscall_entry>" "... in ring 0 at nm's syscall_entry"
expect "stepped back to instruction" "reverse-step"
expect "the guest exited with status 0" "continue runs to the exit"
if cmp -s "$work/out1" "$work/out2"; then
    echo "ok: the same script gives the same output twice"
else
    echo "FAIL: two replays differ:"
    diff "$work/out1" "$work/out2" | head
    fail=1
fi
# A mistake: FILE:LINE and the reason, one line, exit status 2, and the
# lines before it ran.
printf 'break main\ncontinue\nwatchpoint counter\ncontinue\n' >"$work/bad"
"$rs" debug --commands "$work/bad" --batch hello >"$work/bad.out" 2>"$work/bad.err"
status=$?
if [ "$status" -eq 2 ] && [ "$(wc -l <"$work/bad.err")" -eq 1 ] &&
    grep -q "^ringscope: $work/bad:3: unknown command 'watchpoint'" "$work/bad.err" &&
    grep -q "breakpoint 1 at .main." "$work/bad.out" && ! grep -q "exited" "$work/bad.out"; then
    echo "ok: a bad line stops the script: $(cat "$work/bad.err")"
else
    echo "FAIL: bad script: status $status, stderr: $(cat "$work/bad.err")"
    fail=1
fi
# --batch alone has nothing to run.
if "$rs" debug --batch hello 2>"$work/err2"; then
    echo "FAIL: --batch without --commands succeeded"
    fail=1
else
    echo "ok: --batch without --commands: $(cat "$work/err2")"
fi
exit $fail
