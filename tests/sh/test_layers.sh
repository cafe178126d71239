#!/bin/sh
# test_layers.sh — dependencies point one way (app/README.md): every
# #include of another folder's header must be allowed by this table.
# A folder may include itself and the folders listed after it.
set -u
cd "$(dirname "$0")/../.."
allowed() {
    case "$1" in
    app)      echo "gdbstub debugger trace machine cpu mmu os" ;;
    gdbstub)  echo "debugger trace machine cpu mmu os" ;;
    debugger) echo "trace machine cpu mmu os" ;;
    trace)    echo "machine cpu mmu os" ;;
    machine)  echo "cpu mmu os" ;;
    cpu)      echo "mmu os" ;;
    mmu)      echo "os" ;;
    esac
}
bad=0
for from in app gdbstub debugger trace machine cpu mmu; do
    for f in "$from"/*.c "$from"/*.h; do
        [ -e "$f" ] || continue
        # "../X/…" and "X/…" (the build adds -I. for the top folder).
        grep -o '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*"' "$f" |
            sed 's/.*"\(.*\)"/\1/' | while read -r inc; do
            case "$inc" in
            ../*/*) to=${inc#../}; to=${to%%/*} ;;
            */*) to=${inc%%/*} ;;
            *) continue ;;
            esac
            [ "$to" = "$from" ] && continue
            # Host code shares only the ABI headers with the guest kernel.
            case "$inc" in os/abi/*|../os/abi/*) continue ;; esac
            [ "$to" = os ] && to="os (outside os/abi)"
            case " $(allowed "$from") " in
            *" $to "*) ;;
            *) echo "FAIL: $f includes \"$inc\": $from/ may not depend on $to/" ;;
            esac
        done
    done
done > /tmp/ringscope-layers.$$
if [ -s /tmp/ringscope-layers.$$ ]; then
    cat /tmp/ringscope-layers.$$
    rm -f /tmp/ringscope-layers.$$
    exit 1
fi
rm -f /tmp/ringscope-layers.$$
echo "PASS: every include points down the layers (app > gdbstub > debugger > trace > machine > cpu > mmu)"
