#!/bin/sh
# test_install.sh — `make install PREFIX=… DESTDIR=…` installs a tree that
# runs where it lands and anywhere it is copied to (the binary finds its
# kernel and programs from its own location), with the man page; `make
# uninstall` removes it all.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mk() { env -u MAKEFLAGS -u MAKELEVEL make -C "$top" --no-print-directory "$@" >"$work/make.log" 2>&1 ||
           { tail -n 20 "$work/make.log"; fail "make $*"; } }

mk install PREFIX=/opt/rs DESTDIR="$work/stage"
root="$work/stage/opt/rs"
for f in bin/ringscope lib/ringscope/os/kernel.elf lib/ringscope/programs/hello \
         lib/ringscope/programs/tour lib/ringscope/ringscope-debug.so share/man/man1/ringscope.1; do
    [ -e "$root/$f" ] || fail "make install did not install $f"
done
grep -q '^\.TH RINGSCOPE 1' "$root/share/man/man1/ringscope.1" || fail "the man page has no .TH header"
if command -v man >/dev/null 2>&1; then
    man -l "$root/share/man/man1/ringscope.1" 2>/dev/null | grep -q 'see through' ||
        fail "man cannot render the man page"
fi

# Run from the staged tree, from outside the source tree, by bundled name.
out=$(cd / && "$root/bin/ringscope" run hello </dev/null 2>&1)
echo "$out" | grep -q '^hello from ring 3' || fail "the installed ringscope did not run hello: $out"
# The debugger is a module (lib/ringscope/ringscope-debug.so) the binary
# loads for `debug` only.
(cd / && "$root/bin/ringscope" debug --steps 100 --screenshot "$work/shot.bmp" hello </dev/null >"$work/debug.log" 2>&1) ||
    fail "the installed ringscope debug failed: $(cat "$work/debug.log")"
[ -s "$work/shot.bmp" ] || fail "the installed ringscope debug wrote no screenshot"
# A copied tree works the same.
cp -r "$root" "$work/copy"
out=$(cd / && "$work/copy/bin/ringscope" run hello </dev/null 2>&1)
echo "$out" | grep -q '^hello from ring 3' || fail "a copy of the installed tree did not run hello: $out"
(cd / && "$work/copy/bin/ringscope" debug --steps 100 --screenshot "$work/shot2.bmp" hello </dev/null >/dev/null 2>&1) ||
    fail "a copy of the installed tree cannot load its debugger"

mk uninstall PREFIX=/opt/rs DESTDIR="$work/stage"
left=$(find "$work/stage" -type f | head -n 3)
[ -z "$left" ] || fail "make uninstall left files behind: $left"
echo "PASS: make install (bin, lib/ringscope with the debugger module, man page), the installed and a copied tree run and debug; make uninstall removes it"
