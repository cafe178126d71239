#!/bin/sh
# test_debug_tui.sh — `ringscope debug --tui` in a real terminal (tmux,
# its own server): the panels are drawn with the same text as the window,
# the same keys work (s, :break main, c, r, q), a resize (SIGWINCH) lays
# the panels out again, and the terminal is given back (cooked mode, the
# normal screen) on q and on SIGTERM.  Addresses are checked against nm.
set -u
build=${1:-build}
rs="$(cd "$(dirname "$build/ringscope")" && pwd)/ringscope"
command -v tmux >/dev/null || { echo "FAIL: tmux is not installed (make deps)"; exit 1; }
sock="ringscope-tui-$$"
t() { tmux -L "$sock" "$@"; }
work=$(mktemp -d)
trap 't kill-server 2>/dev/null; rm -rf "$work"' EXIT
fail=0
main=$(nm "$build/programs/hello" | awk '$3 == "main" { print $1 }' | sed 's/^0*//')
sess=tui
screen() { t capture-pane -t "$sess" -p; }
# wait_for TEXT [SECONDS]: until the screen shows TEXT.
wait_for() {
    i=0
    while [ $i -lt $((${2:-20} * 10)) ]; do
        screen | grep -qF -- "$1" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
check() {
    if wait_for "$1" "${3:-20}"; then
        echo "ok: $2"
    else
        echo "FAIL: $2: the screen never showed '$1':"
        screen | tail -n 8
        fail=1
    fi
}
# The shell after ringscope reports its status and the terminal's mode.
t new-session -d -s tui -x 200 -y 60 \
    "TERM=xterm-256color '$rs' debug --tui hello; echo EXIT=\$?; stty -a | grep -o -- '-*icanon'; sleep 120"
check "Disassembly" "the panels are drawn"
check "kernel:_kernel_start:" "the disassembly starts at the kernel's entry"
check "What happened:" "the explanation line"
t send-keys -t tui s
check "stepped one instruction (1 retired)" "s steps one instruction"
check "insn 1 " "the registers panel counts it"
t send-keys -t tui -l ":break main"
check ":break main_" "the : prompt shows what is typed"
t send-keys -t tui Enter
check "breakpoint 1 at 0x$main <main>" ":break main sets a breakpoint at nm's main"
t send-keys -t tui c
check 'breakpoint 1 at `main`' "c runs to the breakpoint"
check "ring 3: user mode" "... in ring 3"
check "RIP 0000000000$main main" "... with RIP at main"
# The mouse (SGR reports, as a terminal sends them): a click on the line
# after RIP's sets a breakpoint there; the wheel scrolls the disassembly.
row=$(screen | grep -n "0000000000$main  " | head -n 1 | cut -d: -f1)
next=$(screen | sed -n "$((row + 1))p" | grep -o '[0-9a-f]\{16\}' | head -n 1 | sed 's/^0*//')
t send-keys -t tui -l "$(printf '\033[<0;40;%dM\033[<0;40;%dm' $((row + 1)) $((row + 1)))"
check "breakpoint 2 at 0x$next" "a click on the next disassembly line sets a breakpoint there (0x$next)"
t send-keys -t tui -l "$(printf '\033[<65;40;%dM' $((row + 1)))"
check "Disassembly [at 0x" "the wheel scrolls the disassembly away from RIP"
t send-keys -t tui Home
# A resize: the panels are laid out for the new size.
t resize-window -t tui -x 150 -y 40
sleep 0.5
rows=$(screen | wc -l)
# The status line is the first of the four bottom rows (UI_BOTTOM_LINES).
line=$(screen | sed -n 37p)
case "$line" in
*STOPPED*) echo "ok: after SIGWINCH the status line is row 37 of 40" ;;
*) echo "FAIL: after resizing to 150x40 row 37 is: $line ($rows rows)"; fail=1 ;;
esac
t resize-window -t tui -x 100 -y 30
check "needs a terminal of at least 120x32; this one is 100x30" "a terminal too small says so"
t resize-window -t tui -x 200 -y 60
check "Disassembly" "... and the panels come back when it grows"
t send-keys -t tui -l ":delete"
t send-keys -t tui Enter
check "deleted 2 breakpoints and watchpoints" ":delete deletes both breakpoints"
t send-keys -t tui r
check "the guest exited with status 0" "r runs hello to its exit"
check "hello from ring 3" "the console panel shows what hello printed"
t send-keys -t tui q
check "EXIT=0" "q quits with status 0"
if screen | grep -q "Disassembly"; then
    echo "FAIL: the panels are still on the screen after q (alternate screen not left)"
    fail=1
else
    echo "ok: q leaves the alternate screen"
fi
check "icanon" "the terminal is back in canonical mode"
screen | grep -q -- "-icanon" && { echo "FAIL: still raw after q"; fail=1; }
# SIGTERM: the same, and the process dies of the signal (128 + 15).
sess=tui2
t new-session -d -s tui2 -x 200 -y 60 \
    "TERM=xterm-256color sh -c 'echo \$\$ > $work/pid; exec $rs debug --tui hello'; echo EXIT=\$?; stty -a | grep -o -- '-*icanon'; sleep 120"
check "Disassembly" "a second debugger"
kill -TERM "$(cat "$work/pid")" || fail=1
check "EXIT=143" "SIGTERM ends it (status 143)"
if screen | grep -q -- "-icanon" || screen | grep -q "Disassembly"; then
    echo "FAIL: the terminal was not given back after SIGTERM"
    screen | tail -n 4
    fail=1
else
    echo "ok: after SIGTERM the terminal is cooked and on the normal screen"
fi
# Not a terminal: one line, status 2.
if "$rs" debug --tui hello </dev/null >"$work/out" 2>"$work/err"; then
    echo "FAIL: --tui without a terminal succeeded"
    fail=1
elif [ "$(wc -l <"$work/err")" -eq 1 ] && grep -q "needs a terminal" "$work/err"; then
    echo "ok: without a terminal: $(cat "$work/err")"
else
    echo "FAIL: without a terminal: $(cat "$work/err")"
    fail=1
fi
exit $fail
