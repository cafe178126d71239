#!/bin/sh
# test_trace_stats.sh — --stats=json against the trace of the same run:
# every count must be the count of the matching trace events (syscalls by
# name, #PF by kind and by faulting function, page-ins, page-outs, context
# switches), and a call's kernel instructions the steps from its syscall
# event to its sysret event (single-threaded calls that do not fault).
set -u
build=${1:-build}
rs="$build/ringscope"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
check() { # NAME RUN-ARGS...
    name=$1
    shift
    "$rs" run --stats=json --trace=syscall,sysret,exception,os --trace-format jsonl \
        --trace-file "$work/t.jsonl" "$@" >/dev/null 2>"$work/stats.json"
    python3 - "$work/t.jsonl" "$work/stats.json" "$name" <<'PY' || fail=1
import json, sys, collections
events = [json.loads(l) for l in open(sys.argv[1])]
stats = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
name = sys.argv[3]
ok = True
def same(what, a, b):
    global ok
    if a != b:
        ok = False
        print("FAIL: %s: %s: --stats says %s, the trace %s" % (name, what, a, b))
calls = collections.Counter(e["name"] for e in events if e["kind"] == "syscall")
same("syscalls by name", {r["name"]: r["count"] for r in stats["syscalls"]["by_name"]}, dict(calls))
same("syscall total", stats["syscalls"]["total"], sum(calls.values()))
pf = [e for e in events if e["kind"] == "exception" and e["vector"] == 14]
same("page faults", stats["page_faults"]["total"], len(pf))
same("page faults by kind", stats["page_faults"]["by_kind"], dict(collections.Counter(e["error_words"] for e in pf)))
same("page faults by function", stats["page_faults"]["by_symbol"],
     dict(collections.Counter((e.get("sym") or "?").split("+")[0] for e in pf)))
for ev, key in (("page-in", "page_ins"), ("page-out", "page_outs"), ("context-switch", "context_switches")):
    same(key, stats[key], sum(1 for e in events if e["kind"] == "os" and e["event"] == ev))
# Kernel instructions of each call: from the SYSCALL to the SYSRET.
open_call, spent, clean = {}, collections.Counter(), set(calls)
for e in events:
    if e["kind"] == "syscall":
        open_call[e["tid"]] = e
    elif e["kind"] == "sysret" and e.get("tid") in open_call:
        c = open_call.pop(e["tid"])
        spent[c["name"]] += e["step"] - c["step"]
    elif e["kind"] in ("exception", "os") and open_call:
        for c in open_call.values():
            clean.discard(c["name"])   # a fault or a switch inside a call: steps differ
for r in stats["syscalls"]["by_name"]:
    if r["name"] in clean and r["name"] not in ("exit", "exit_group"):
        same("kernel instructions of " + r["name"], r["kernel_instructions"], spent[r["name"]])
if ok:
    print("ok: %s: %d syscalls, %d page faults, %d page-ins, %d page-outs, %d context switches match the trace"
          % (name, stats["syscalls"]["total"], len(pf), stats["page_ins"], stats["page_outs"], stats["context_switches"]))
sys.exit(0 if ok else 1)
PY
}
check hello hello
# The TLB: misses and walks are the trace's tlb miss and walk events.  (Hits
# are not compared: the MMU also counts lookups the trace does not report
# one by one.)
"$rs" run --stats=json --trace=tlb,walk --trace-format jsonl --trace-file "$work/tlb.jsonl" hello \
    >/dev/null 2>"$work/tlb-stats.json"
python3 - "$work/tlb.jsonl" "$work/tlb-stats.json" <<'PY' || fail=1
import json, sys
misses = walks = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    misses += e["kind"] == "tlb" and e["op"] == "miss"
    walks += e["kind"] == "walk"
tlb = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])["tlb"]
if (tlb["misses"], tlb["walks"]) != (misses, walks) or not 0.9 < tlb["hit_rate"] <= 1:
    print("FAIL: TLB: --stats says %s, the trace %d misses and %d walks" % (tlb, misses, walks))
    sys.exit(1)
print("ok: TLB: %d misses and %d walks match the trace; hit rate %.4f" % (misses, walks, tlb["hit_rate"]))
PY
check "pagefile (swapping)" --ram 6M pagefile 8
check "threads" threads
check "isolation (fork)" isolation
exit $fail
