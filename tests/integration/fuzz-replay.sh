#!/bin/bash
# Integration test: every fuzz target (fuzz/fuzz_*.cpp), linked by make
# check with the plain driver fuzz/replay_main.cpp, runs over its seeds and a
# fixed sequence of mutations of them without tripping an invariant or
# crashing.  This keeps the targets building and passing where there is no
# clang (CI), and an input libFuzzer once found, added to the seeds, from
# coming back.  One check per target; a failing input is kept in
# tests/output/fuzz-replay-crash-NAME.
#
# Copyright 2026 the p2pgraph-wine authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
builddir=${P2PGRAPH_BUILDDIR:?}
srcdir=${P2PGRAPH_SRCDIR:?}
# Per target: this many inputs or this many seconds, whichever comes first
# (only fuzz_import, which goes through a file and SQLite, takes the time).
inputs=${P2PGRAPH_FUZZ_REPLAY_INPUTS:-100000}
seconds=${P2PGRAPH_FUZZ_REPLAY_SECONDS:-3}
passed=0 failed=0
check() { # description command...
    local what=$1; shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $what"; fi
}
outdir=$builddir/tests/output
mkdir -p "$outdir"

replay() { # NAME
    local name=$1 seeds=$srcdir/fuzz/seeds-$1 crash=$outdir/fuzz-replay-crash-$1
    [ "$name" = wire ] && seeds=$srcdir/fuzz/seeds
    rm -f "$crash"
    "$builddir/fuzz/replay-$name" --inputs "$inputs" --seconds "$seconds" --crash-file "$crash" "$seeds"
}

for source in "$srcdir"/fuzz/fuzz_*.cpp; do
    name=${source##*/fuzz_}
    name=${name%.cpp}
    check "fuzz_$name over its seeds and their mutations" replay "$name"
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
