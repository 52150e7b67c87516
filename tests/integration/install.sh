#!/bin/bash
# Integration test: `make install` into a staging DESTDIR puts the unix
# module, the placeholder and the header where Wine and compilers look, and
# a Windows program loads the staged module (not the build tree's).
#
# Copyright 2026 the p2pgraph-wine authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
builddir=${P2PGRAPH_BUILDDIR:?}
srcdir=${P2PGRAPH_SRCDIR:?}
passed=0 failed=0
check() { # description command...
    local what=$1; shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $what"; fi
}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

check "make install DESTDIR" make -s -C "$builddir" install DESTDIR="$stage" prefix=/opt/p2pg libdir=/opt/p2pg/lib64 >/dev/null
so=$stage/opt/p2pg/lib64/wine/x86_64-unix/p2pgraph.dll.so
pe=$stage/opt/p2pg/lib64/wine/x86_64-windows/p2pgraph.dll
hdr=$stage/opt/p2pg/include/p2p.h
check "unix module installed in libdir/wine/x86_64-unix" cmp -s "$so" "$builddir/dlls/p2pgraph/p2pgraph.dll.so"
check "placeholder installed in libdir/wine/x86_64-windows" cmp -s "$pe" "$builddir/dlls/p2pgraph/p2pgraph.dll"
check "header installed in includedir" cmp -s "$hdr" "$srcdir/include/p2p.h"
check "nothing else installed" test "$(find "$stage" -type f | wc -l)" -eq 3

# Load the staged copy: hide the build tree's module by pointing the runner
# at a build dir that holds only the staged files.
fake=$stage/fakebuild/dlls/p2pgraph
mkdir -p "$fake"
cp "$so" "$pe" "$fake/"
out=$(P2PGRAPH_BUILDDIR=$stage/fakebuild P2PGRAPH_WINEPREFIX=${P2PGRAPH_WINEPREFIX:-$builddir/.wineprefix} \
      LD_DEBUG=files "$srcdir/tools/winerun" "$builddir/samples/local-graph.exe" 2>&1)
rc=$?
check "sample runs against the staged module" test $rc -eq 0
# Wine searches its own module dir before WINEDLLPATH: a copy installed
# there is what loads, and winerun lets that happen only when it is
# identical to this build.
loaded=$(sed -n 's/.*file=\(.*p2pgraph\.dll\.so\) \[0\];  dynamically loaded.*/\1/p' <<<"$out" | head -1)
check "the staged module (or an identical installed copy) is the one loaded" cmp -s "$loaded" "$so"

check "make uninstall" make -s -C "$builddir" uninstall DESTDIR="$stage" prefix=/opt/p2pg libdir=/opt/p2pg/lib64
check "uninstall removed all three" test ! -e "$so" -a ! -e "$pe" -a ! -e "$hdr"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
