#!/bin/sh
# test_fresh_machine.sh — the README's first command on a machine that lacks
# the packages: `make run` in a clean copy of the tree must install what is
# missing AND build and run in that same invocation.
#
# Shims first on PATH play the fresh machine: pkg-config reports every
# package missing until `apt-get install` has run; apt-get only records that
# it was asked (the real packages are already on this machine).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The working tree as a clean clone would have it: tracked and new files,
# nothing ignored (no build/).
mkdir "$work/src" "$work/bin"
(cd "$top" && git ls-files -z -co --exclude-standard | xargs -0 tar -cf - ) |
    (cd "$work/src" && tar -xf -)

real_pkg_config=$(command -v pkg-config)
cat > "$work/bin/pkg-config" <<SHIM
#!/bin/sh
[ -e "$work/installed" ] || exit 1
exec "$real_pkg_config" "\$@"
SHIM
cat > "$work/bin/apt-get" <<SHIM
#!/bin/sh
echo "apt-get \$*" >> "$work/apt.log"
case " \$* " in *" install "*) touch "$work/installed" ;; esac
exit 0
SHIM
printf '#!/bin/sh\nexec "$@"\n' > "$work/bin/sudo"
chmod +x "$work/bin/"*

status=0
(cd "$work/src" && env -u MAKEFLAGS -u MAKELEVEL PATH="$work/bin:$PATH" make -j2 run) \
    > "$work/make.log" 2>&1 || status=$?

fail() {
    echo "FAIL: $*"
    echo "--- last lines of make run:"
    tail -n 25 "$work/make.log"
    exit 1
}
[ "$status" -eq 0 ] || fail "make run exited $status on a machine without the packages"
grep -q 'install' "$work/apt.log" 2>/dev/null || fail "make run never called apt-get install"
[ -x "$work/src/build/ringscope" ] || fail "no build/ringscope after make run"
grep -q 'Next:' "$work/make.log" || fail "the demo did not run to its end"
echo "PASS: make run installed the packages, built and ran the demo in one invocation"
