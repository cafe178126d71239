#!/bin/sh
# test_trace_scope.sh — what a newcomer gets from --trace.
#  - `--trace` alone is the user scope: the program's ring-3 instructions,
#    its system calls, its faults and the OS events of its processes; no
#    kernel instructions, TLB lookups, page walks, ports or log lines;
#  - every event says who (pid, comm) and the numbers keep one JSON type
#    per field name across kinds (cpl is a number everywhere);
#  - in the text format, a child event whose instruction is not traced
#    carries its step number;
#  - with --trace-file -, the guest's output appears where it happened:
#    after the write's syscall line, before its sysret line.
set -u
build=${1:-build}
rs="$build/ringscope"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

"$rs" run --trace --trace-format jsonl --trace-file "$work/user.jsonl" hello >/dev/null 2>&1 || bad "run --trace hello"
"$rs" run --trace=all --trace-format jsonl --trace-file "$work/all.jsonl" hello >/dev/null 2>&1 || bad "run --trace=all hello"
python3 - "$work/user.jsonl" "$work/all.jsonl" <<'PY' || fail=1
import json, sys
user = [json.loads(l) for l in open(sys.argv[1])]
full = [json.loads(l) for l in open(sys.argv[2])]
ok = True
def bad(msg):
    global ok
    ok = False
    print("FAIL: " + msg)
kinds = {e["kind"] for e in user}
if kinds - {"insn", "mem", "reg", "syscall", "sysret", "exception", "interrupt", "os"}:
    bad("user scope has kinds %s" % sorted(kinds))
insns = [e for e in user if e["kind"] == "insn"]
if not insns or any(e["cpl"] != 3 for e in insns):
    bad("user scope: instructions not all in ring 3")
full_user = [e for e in full if e["kind"] == "insn" and e["cpl"] == 3]
if len(insns) != len(full_user):
    bad("user scope: %d ring-3 instructions, the full trace has %d" % (len(insns), len(full_user)))
for e in user:
    if e["kind"] in ("syscall", "sysret", "exception", "os") and (e.get("pid", 0) < 1 or e.get("comm") != "hello"):
        bad("event without its process: %s" % e)
        break
if not any(e["kind"] == "syscall" and e["name"] == "writev" and e.get("sym", "").startswith("__stdio_write") for e in user):
    bad("no writev syscall from __stdio_write in the user scope")
if len(user) * 20 > len(full):
    bad("user scope: %d events of %d: not the program's view" % (len(user), len(full)))
# One JSON type per field name, across every kind of the full trace.
types = {}
for e in full:
    for k, v in e.items():
        t = type(v).__name__
        if types.setdefault(k, (t, e["kind"]))[0] != t:
            bad("field %s is %s in %s but %s in %s" % (k, types[k][0], types[k][1], t, e["kind"]))
            types[k] = (t, e["kind"])
if ok:
    print("ok: user scope: %d events (all kinds: %d); %d field names, one type each" % (len(user), len(full), len(types)))
sys.exit(0 if ok else 1)
PY

# Child events without their instruction line start with their step.
"$rs" run --trace=mem,tlb --trace-ring 3 --trace-file "$work/mem.txt" hello >/dev/null 2>&1 || bad "run --trace=mem,tlb"
n=$(grep -v '^#' "$work/mem.txt" | grep -c -v -E '^ *[0-9]+ +(mem|tlb) ')
total=$(grep -c -v '^#' "$work/mem.txt")
if [ "$total" -lt 100 ] || [ "$n" -ne 0 ]; then
    bad "--trace=mem,tlb: $n of $total lines without a step number"
else
    echo "ok: $total mem/tlb lines, each with its step"
fi

# Guest output in order with the trace on the same stream.
"$rs" run --trace=syscall,sysret --trace-file - hello > "$work/mixed" 2>/dev/null || bad "run --trace-file -"
line_call=$(grep -n 'syscall   writev(1, \[{iov_base="hello from ring 3"' "$work/mixed" | cut -d: -f1)
line_out=$(grep -n '^hello from ring 3$' "$work/mixed" | cut -d: -f1)
line_ret=$(grep -n 'sysret    writev(1, \[{iov_base="hello from ring 3"' "$work/mixed" | cut -d: -f1)
if [ -n "$line_call" ] && [ -n "$line_out" ] && [ -n "$line_ret" ] &&
   [ "$line_call" -lt "$line_out" ] && [ "$line_out" -lt "$line_ret" ]; then
    echo "ok: guest output between its syscall ($line_call) and sysret ($line_ret) lines"
else
    bad "guest output not interleaved (syscall line $line_call, output $line_out, sysret $line_ret)"
    head -20 "$work/mixed"
fi
# After an execve, the process is named after its new program and its
# addresses by that program's symbols: each syscall's sym is the function
# that nm finds around its rip in the program the comm names.
"$rs" run --ram 24M --trace=syscall --trace-format jsonl --trace-file "$work/tour.jsonl" tour >/dev/null 2>&1 || bad "run tour"
python3 - "$work/tour.jsonl" "$build/programs" <<'PY' || fail=1
import json, subprocess, sys, os, bisect
tables = {}
def table(prog):
    if prog not in tables:
        path = os.path.join(sys.argv[2], prog)
        syms = []
        out = subprocess.run(["nm", "-S", "--defined-only", path], capture_output=True, text=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) == 4 and f[2] in "tTwW":
                syms.append((int(f[0], 16), int(f[1], 16), f[3]))
            elif len(f) == 3 and f[1] in "tTwW":   # no size (assembly): up to the next
                syms.append((int(f[0], 16), 0, f[2]))
        tables[prog] = sorted(syms)
    return tables[prog]
checked, programs, ok = 0, set(), True
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["kind"] != "syscall" or e.get("pid", 0) < 2 or e.get("comm") in ("tour", None) or not e.get("sym"):
        continue
    rip = int(e["rip"], 16)
    syms = table(e["comm"])
    names = [n for a, size, n in syms if a <= rip < a + size]
    if not names:   # the nearest symbol below without a size
        below = [(a, n) for a, size, n in syms if a <= rip and size == 0]
        names = [max(below)[1]] if below else []
    if e["sym"].split("+")[0] not in names:
        ok = False
        print("FAIL: %s pid %d: sym %s at %s, but nm of %s says %s" % (e["name"], e["pid"], e["sym"], e["rip"], e["comm"], names))
        break
    checked += 1
    programs.add(e["comm"])
if ok and len(programs) < 5:
    ok = False
    print("FAIL: only %d exec'd programs seen in tour: %s" % (len(programs), programs))
if ok:
    print("ok: %d syscalls of %d exec'd programs named by their own program's symbols" % (checked, len(programs)))
sys.exit(0 if ok else 1)
PY
exit $fail
