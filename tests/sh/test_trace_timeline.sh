#!/bin/sh
# test_trace_timeline.sh — the timeline's counters and clock.
#  - a run with --stats and a recording of its crossings and samples: the
#    last sample's TLB hits and misses and virtual time are --stats' own
#    figures; the timeline made from the recording has a counter point for
#    every sample (resident pages of the process, free frames, pagefile
#    slots in use, the TLB hit rate since the previous sample) with the
#    sample's values; paging happened (free frames reached 0, slots in use)
#  - the same timeline written live is byte for byte the recording's
#  - timestamps are virtual nanoseconds: a program that idles 5 s in HLT
#    ends at --stats' virtual time, far beyond its instruction count; every
#    slice and instant keeps its step as an argument; time never goes back
set -u
build=${1:-build}
rs="$build/ringscope"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
kinds=syscall,sysret,exception,interrupt,iret,os,sample

"$rs" run --ram 16M --stats --trace=$kinds --trace-file "$work/p.rstrace" pagefile 24 \
    >/dev/null 2>"$work/p.stats" || { echo "FAIL: pagefile run"; fail=1; }
"$rs" trace --trace=sample --trace-format jsonl "$work/p.rstrace" > "$work/p.samples" || fail=1
"$rs" trace --trace-format perfetto --trace-file "$work/p.json" "$work/p.rstrace" || fail=1
"$rs" run --ram 16M --trace=$kinds --trace-format perfetto --trace-file "$work/live.json" pagefile 24 \
    >/dev/null 2>&1 || fail=1
if cmp -s "$work/p.json" "$work/live.json"; then
    echo "ok: the live timeline is the recording's, byte for byte"
else
    echo "FAIL: the live timeline differs from the one made from the recording"
    fail=1
fi
# (keystroke waits 5 s for a key that never comes, and says so: status 1)
"$rs" run --stats --trace-format perfetto --trace-file "$work/k.json" keystroke </dev/null \
    >/dev/null 2>"$work/k.stats"

python3 - "$work" <<'PY' || fail=1
import json, re, sys
w = sys.argv[1]
ok = True
def bad(msg):
    global ok
    ok = False
    print("FAIL: " + msg)

def stats(path):
    s = open(path).read()
    m = re.search(r"TLB +(\d+) hits, (\d+) misses", s)
    v = re.search(r"virtual time .*\((\d+) ns;", s)
    return int(m.group(1)), int(m.group(2)), int(v.group(1))

def check_timeline(path, name):
    d = json.load(open(path))            # valid JSON, or an exception
    ev = d["traceEvents"]
    last = 0
    for e in ev:
        if e["ph"] == "M":
            continue
        if e["ts"] < last:
            bad("%s: time goes back at %s" % (name, e))
        last = e["ts"]
        if e["ph"] != "C" and "step" not in e.get("args", {}):
            bad("%s: no step argument: %s" % (name, e))
    return ev

hits, misses, vtime = stats(w + "/p.stats")
samples = [json.loads(l) for l in open(w + "/p.samples")]
if not samples:
    bad("no samples in the recording")
else:
    s = samples[-1]
    if (s["tlb_hits"], s["tlb_misses"], s["time"]) != (hits, misses, vtime):
        bad("last sample TLB %d/%d time %d, --stats %d/%d time %d"
            % (s["tlb_hits"], s["tlb_misses"], s["time"], hits, misses, vtime))
    else:
        print("ok: last sample = --stats: %d TLB hits, %d misses, %d ns" % (hits, misses, vtime))

ev = check_timeline(w + "/p.json", "pagefile")
series = {}
for e in ev:
    if e["ph"] == "C":
        series.setdefault((e["pid"], e["name"]), []).append(e["args"]["value"])
want_free = [s["free_frames"] for s in samples if "free_frames" in s]
want_used = [s["pagefile_used"] for s in samples if "pagefile_used" in s]
want_res = [s["resident"] for s in samples if s.get("pid", 0) == 1]
rates, ph, pm = [], 0, 0
for s in samples:
    dh, dm = s["tlb_hits"] - ph, s["tlb_misses"] - pm
    ph, pm = s["tlb_hits"], s["tlb_misses"]
    if dh + dm:
        rates.append(round((dh * 10000 + (dh + dm) // 2) // (dh + dm) / 100, 2))
for key, want in (((0, "free frames"), want_free), ((0, "pagefile slots used"), want_used),
                  ((1, "resident pages"), want_res), ((0, "TLB hit rate (%)"), rates)):
    got = series.get(key, [])
    if got != want or not got:
        bad("counter %s: %d points %s... samples say %d points %s..."
            % (key, len(got), got[:5], len(want), want[:5]))
    else:
        print("ok: counter %-22s %5d points, as the samples (%s .. %s)"
              % ("'%s'" % key[1], len(got), min(got), max(got)))
if want_free and (min(want_free) != 0 or max(want_used) == 0):
    bad("pagefile 24 in 16 MiB never ran out of frames or used the pagefile")

hits, misses, vtime = stats(w + "/k.stats")
ev = check_timeline(w + "/k.json", "keystroke")
end = max(e["ts"] for e in ev if "ts" in e)
steps = max(e["args"]["step"] for e in ev if e["ph"] not in "CM")
if round(end * 1000) != vtime or steps * 10 > vtime:
    bad("keystroke: timeline ends at %.3f us, --stats' virtual time %d ns, last step %d"
        % (end, vtime, steps))
else:
    print("ok: keystroke's timeline ends at its virtual time, %d ns (%d instructions)" % (vtime, steps))
sys.exit(0 if ok else 1)
PY
exit $fail
