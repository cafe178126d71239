#!/bin/sh
# test_tty.sh — `ringscope run /bin/busybox sh` in a real terminal (a tmux
# pane): what a person types and sees.  The guest console is a terminal
# (busybox starts an interactive shell), "echo hi" shows its echo and "hi",
# ^C interrupts `busybox sleep 5` long before it would end, `exit 7` ends
# ringscope with status 7, and the terminal is cooked again afterwards
# (ringscope had put it in raw mode).  Usage: sh tests/sh/test_tty.sh [BUILD]
set -eu
build=${1:-build}
if ! command -v tmux >/dev/null || [ ! -x /bin/busybox ]; then
    echo "test_tty: tmux or /bin/busybox missing: skipped"
    exit 0
fi
ringscope=$(cd "$(dirname "$build/ringscope")" && pwd)/ringscope
work=$(mktemp -d)
sock="ringscope-tty-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
failed=0
fail() {
    echo "FAIL: $*"
    echo "--- the pane:"
    tmux -L "$sock" capture-pane -p -t t 2>/dev/null || true
    failed=1
}

# Wait (up to $2 seconds) until the pane shows $1.
wait_for() {
    n=0
    while [ $n -lt $(($2 * 10)) ]; do
        if tmux -L "$sock" capture-pane -p -t t 2>/dev/null | grep -qF -- "$1"; then
            return 0
        fi
        sleep 0.1
        n=$((n + 1))
    done
    return 1
}

tmux -L "$sock" -f /dev/null new-session -d -s t -x 80 -y 24 \
    "'$ringscope' run /bin/busybox sh; echo \$? > '$work/status'; stty -a > '$work/stty'; sleep 30"
wait_for "/ #" 30 || fail "no shell prompt"

tmux -L "$sock" send-keys -t t "echo h""i" Enter
wait_for "echo hi" 10 || fail "the typed line was not echoed"
tmux -L "$sock" capture-pane -p -t t | grep -qx "hi" || wait_for "hi" 5 || fail "echo hi printed nothing"

tmux -L "$sock" send-keys -t t "busybox sleep 5; echo 'not' interrupted" Enter
wait_for "interrupted" 10 || true
sleep 0.5
start=$(date +%s)
tmux -L "$sock" send-keys -t t C-c
wait_for "^C" 5 || fail "^C was not echoed"
tmux -L "$sock" send-keys -t t "echo status \$?" Enter
wait_for "status 130" 5 || fail "the sleep was not ended by SIGINT"
[ $(($(date +%s) - start)) -lt 4 ] || fail "^C did not interrupt the sleep"
if tmux -L "$sock" capture-pane -p -t t | grep -q "^not interrupted"; then
    fail "the command list went on after ^C"
fi

tmux -L "$sock" send-keys -t t "exit 7" Enter
n=0
while [ ! -s "$work/stty" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
[ "$(cat "$work/status" 2>/dev/null)" = 7 ] || fail "exit status $(cat "$work/status" 2>/dev/null), wanted 7"
grep -qw -- "icanon" "$work/stty" && grep -qw -- "echo" "$work/stty" ||
    fail "the terminal was left raw: $(cat "$work/stty" 2>/dev/null)"

[ -n "${TTY_SHOW:-}" ] && tmux -L "$sock" capture-pane -p -t t | grep -v "^$"
[ $failed -eq 0 ] && echo "tty: all passed"
exit $failed
