#!/bin/sh
# test_mmu_private.sh — the MMU's inside stays inside.  struct mmu is
# defined only in mmu/mmu_internal.h (with the inline TLB fast path,
# mmu/tlb_fast.h); mmu/mmu_private.h is for mmu/ alone.  Everything else
# holds a `struct mmu *` and uses the queries of mmu/mmu.h, and the compiler
# then refuses any look inside.  So the rule is about #include lines:
#   headers that bring struct mmu along (mmu_internal.h, tlb_fast.h, and
#   every header of mmu/ or cpu/ that includes one of them, like cpu/mem.h):
#       only files of mmu/ and cpu/, and tests/test_mmu.c (it tests the inside);
#   mmu_private.h: only files of mmu/.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

# Every host source and header, as paths relative to the top.
sources=$(find . -path ./build -prune -o -path ./os -prune -o -path ./.git -prune -o \
          \( -name '*.c' -o -name '*.h' \) -print | sed 's|^\./||' | sort)

# The files among $2... that #include the header whose path ends in $1.
includers() {
    tail=$(printf '%s' "$1" | sed 's/\./\\./g')
    shift
    grep -lE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]([^\">]*/)?$tail[\">]" "$@" || true
}

# Headers that bring struct mmu along, closed over includes inside mmu/ and
# cpu/ (they include each other by bare name or ../mmu/NAME).
inside="mmu/mmu_internal.h mmu/tlb_fast.h"
while :; do
    names=$(for h in $inside; do basename "$h"; done | sed 's/\./\\./g' | paste -sd'|' -)
    found=$(grep -lE "^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]*/)?($names)\"" mmu/*.h cpu/*.h || true)
    next=$(printf '%s\n' $inside $found | sort -u | paste -sd' ' -)
    [ "$next" = "$inside" ] && break
    inside=$next
done

bad=
for h in $inside; do
    for f in $(includers "$h" $sources); do
        case "$f" in
            mmu/*|cpu/*|tests/test_mmu.c) ;;
            *) bad="$bad $f($h)" ;;
        esac
    done
done
for f in $(includers mmu_private.h $sources); do
    case "$f" in
        mmu/*) ;;
        *) bad="$bad $f(mmu/mmu_private.h)" ;;
    esac
done
if [ -n "$bad" ]; then
    echo "test_mmu_private: these files include the MMU's inside; use the queries of mmu/mmu.h instead:" >&2
    for f in $bad; do echo "  $f" >&2; done
    exit 1
fi

# The check must see what is allowed (else it checks nothing).
case " $inside " in *" cpu/mem.h "*) ;; *) echo "test_mmu_private: cpu/mem.h not seen as including mmu_internal.h: the pattern is broken" >&2; exit 1 ;; esac
[ -n "$(includers mmu_private.h mmu/walk.c)" ] || { echo "test_mmu_private: mmu/walk.c's include not found: the pattern is broken" >&2; exit 1; }
echo "test_mmu_private: only mmu/, cpu/ and tests/test_mmu.c include the MMU's inside ($inside)"
