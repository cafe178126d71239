#!/bin/sh
# test_trace_bin.sh — recordings of whole runs (--trace-format bin, .rstrace):
#  - round trip: `ringscope trace` of a recording is byte for byte the text
#    (and JSON Lines) trace of the same run, every kind on, for bundled
#    programs (threads, fork, swapping);
#  - a recording is at least 10 times smaller than the text trace;
#  - `ringscope check --recording` asserts against it without running;
#  - a truncated or corrupted file is refused with one line and status 2;
#  - the timeline (--trace-format perfetto) is valid JSON whose slices nest
#    (every B has its E on the same thread track, in order), timestamps
#    never go back, and every thread has a named track.
set -u
build=${1:-build}
rs="$build/ringscope"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

roundtrip() { # NAME KINDS RUN-ARGS...
    name=$1
    kinds=$2
    shift 2
    "$rs" run --trace=$kinds --trace-file "$work/direct.txt" "$@" >/dev/null 2>&1
    "$rs" run --trace=$kinds --trace-file "$work/rec.rstrace" "$@" >/dev/null 2>&1
    "$rs" trace "$work/rec.rstrace" > "$work/back.txt" || { bad "$name: ringscope trace failed"; return; }
    text=$(wc -c < "$work/direct.txt")
    bin=$(wc -c < "$work/rec.rstrace")
    if ! cmp -s "$work/direct.txt" "$work/back.txt"; then
        bad "$name: text(bin(run)) differs from text(run):"
        cmp "$work/direct.txt" "$work/back.txt" | head -2
    elif [ "$kinds" = all ] && [ $((bin * 10)) -gt "$text" ]; then
        bad "$name: the recording ($bin bytes) is not 10 times smaller than the text ($text bytes)"
    else
        echo "ok: $name: text(bin(run)) == text(run), $text bytes of text, $bin of recording ($((text / bin))x smaller)"
    fi
}
roundtrip hello all hello
roundtrip "threads" syscall,sysret,exception,interrupt,iret,walk,ad,os,log threads
roundtrip "isolation (fork)" all isolation
# (every kind of a swapping run is 15 GB of text: its crossings and walks)
roundtrip "pagefile (swapping)" syscall,sysret,exception,interrupt,iret,walk,ad,os,log --ram 6M pagefile 8

# JSON Lines and a filtered conversion, from one recording.
"$rs" run --trace=all --trace-file "$work/h.rstrace" hello >/dev/null 2>&1
"$rs" run --trace=all --trace-format jsonl --trace-file "$work/h.jsonl" hello >/dev/null 2>&1
"$rs" trace --trace-format jsonl "$work/h.rstrace" | cmp -s - "$work/h.jsonl" \
    && echo "ok: jsonl(bin(run)) == jsonl(run)" || bad "jsonl(bin(run)) differs from jsonl(run)"
"$rs" run --trace=syscall,sysret,insn --trace-ring 3 --trace-file "$work/f.txt" hello >/dev/null 2>&1
"$rs" trace --trace=syscall,sysret,insn --trace-ring 3 "$work/h.rstrace" | cmp -s - "$work/f.txt" \
    && echo "ok: the same filters on a recording give the filtered run's trace" \
    || bad "ringscope trace --trace=syscall,sysret,insn --trace-ring 3 differs from the run"

# Expectations against the recording.
"$rs" check --recording "$work/h.rstrace" tests/traces/hello.expect > "$work/check.out" \
    && echo "ok: check --recording: $(tail -1 "$work/check.out")" || { bad "check --recording"; cat "$work/check.out"; }

# Damaged files.
size=$(wc -c < "$work/h.rstrace")
head -c $((size / 2)) "$work/h.rstrace" > "$work/cut.rstrace"
cp "$work/h.rstrace" "$work/flip.rstrace"
printf 'X' | dd of="$work/flip.rstrace" bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
printf 'not a trace' > "$work/text.rstrace"
for f in cut flip text; do
    "$rs" trace "$work/$f.rstrace" > /dev/null 2> "$work/err"
    rc=$?
    if [ $rc -ne 2 ] || [ "$(wc -l < "$work/err")" -ne 1 ]; then
        bad "$f.rstrace: status $rc, message: $(cat "$work/err")"
    else
        echo "ok: $f.rstrace refused: $(cat "$work/err")"
    fi
done

# The timeline, live and from a recording.
"$rs" run --trace=syscall,sysret,exception,interrupt,os --trace-format perfetto \
    --trace-file "$work/live.json" isolation >/dev/null 2>&1
"$rs" run --trace=all --trace-file "$work/t.rstrace" threads >/dev/null 2>&1
"$rs" trace --trace-format perfetto --trace-file "$work/rec.json" "$work/t.rstrace"
for f in live rec; do
    python3 - "$work/$f.json" "$f" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))          # valid JSON, or an exception
ev = d["traceEvents"]
stacks, named, last_ts, ok = {}, set(), {}, True
def bad(msg):
    global ok
    ok = False
    print("FAIL: %s timeline: %s" % (sys.argv[2], msg))
for e in ev:
    track = (e["pid"], e["tid"])
    if e["ph"] == "M":
        if e["name"] == "thread_name":
            named.add(track)
        continue
    if e["ts"] < last_ts.get(track, 0):
        bad("time goes back on %s at %s" % (track, e))
    last_ts[track] = e["ts"]
    if e["ph"] == "B":
        stacks.setdefault(track, []).append(e["name"])
    elif e["ph"] == "E":
        if not stacks.get(track):
            bad("an E without its B on %s" % (track,))
        else:
            stacks[track].pop()
open_ = {t: s for t, s in stacks.items() if s}
if open_:
    bad("slices never ended: %s" % open_)
threads = {(e["pid"], e["tid"]) for e in ev if e["ph"] in "BEi" and e["pid"] > 0}
if threads - named:
    bad("threads without a named track: %s" % (threads - named))
slices = sum(1 for e in ev if e["ph"] == "B")
faults = sum(1 for e in ev if e.get("name") == "page fault")
if len(threads) < 2 or slices < 10 or faults < 1:
    bad("%d threads, %d syscall slices, %d page faults" % (len(threads), slices, faults))
if ok:
    print("ok: %s timeline: %d events, %d thread tracks, %d syscall slices nested, %d page faults"
          % (sys.argv[2], len(ev), len(threads), slices, faults))
sys.exit(0 if ok else 1)
PY
done
exit $fail
