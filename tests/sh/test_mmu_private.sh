#!/bin/sh
# test_mmu_private.sh — the MMU's inside stays inside.  struct mmu is
# defined only in mmu/mmu_internal.h (with the inline TLB fast path,
# mmu/tlb_fast.h); mmu/mmu_private.h is for mmu/ alone.  Everything else
# holds a `struct mmu *` and uses the queries of mmu/mmu.h, and the compiler
# then refuses any look inside.  So the rule is about #include lines:
#   mmu_internal.h, tlb_fast.h: only files of mmu/ and cpu/, and
#                               tests/test_mmu.c (it tests the inside);
#   mmu_private.h:              only files of mmu/.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

# Every host source and header, as paths relative to the top.
sources=$(find . -path ./build -prune -o -path ./os -prune -o -path ./.git -prune -o \
          \( -name '*.c' -o -name '*.h' \) -print | sed 's|^\./||' | sort)

includers() { # HEADER: the files that #include it, whatever the path spelling
    grep -lE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]([^\">]*/)?$1[\">]" $sources || true
}

bad=
for f in $(includers mmu_internal.h) $(includers tlb_fast.h); do
    case "$f" in
        mmu/*|cpu/*|tests/test_mmu.c) ;;
        *) bad="$bad $f" ;;
    esac
done
for f in $(includers mmu_private.h); do
    case "$f" in
        mmu/*) ;;
        *) bad="$bad $f" ;;
    esac
done
if [ -n "$bad" ]; then
    echo "test_mmu_private: these files include the MMU's internal headers; use the queries of mmu/mmu.h instead:" >&2
    for f in $bad; do echo "  $f" >&2; done
    exit 1
fi

# The check must see the includes that are allowed (else it checks nothing).
includers mmu_internal.h | grep -qx 'cpu/mem.h' || { echo "test_mmu_private: cpu/mem.h's include not found: the pattern is broken" >&2; exit 1; }
includers mmu_private.h | grep -qx 'mmu/walk.c' || { echo "test_mmu_private: mmu/walk.c's include not found: the pattern is broken" >&2; exit 1; }
echo "test_mmu_private: only mmu/, cpu/ and tests/test_mmu.c include the MMU's internal headers"
