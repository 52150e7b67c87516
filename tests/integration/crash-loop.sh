#!/bin/bash
# Integration test: a record is durable once the call that wrote it returned.
# crashwriter.exe adds, updates and deletes records and logs each operation
# the API acknowledged; this script SIGKILLs it at random moments, starts it
# again, and each new run first checks that the graph still holds every
# acknowledged operation (and nothing deleted came back) before it writes on.
# A last run stops by itself and closes the graph, and a verify-only run
# checks the result of that too.
#
#   P2PGRAPH_CRASH_ROUNDS   kill/restart rounds (default 25)
#   P2PGRAPH_CRASH_SECONDS  no new round starts after this long (default 70)
#   P2PGRAPH_CRASH_SEED     seed of the operation mix and the kill times
#                           (default: random; printed, to repeat a failure)
#
# Copyright 2026 the p2pgraph-wine authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
builddir=${P2PGRAPH_BUILDDIR:?}
srcdir=${P2PGRAPH_SRCDIR:?}
export P2PGRAPH_WINEPREFIX=${P2PGRAPH_WINEPREFIX:-$builddir/.wineprefix}
rounds=${P2PGRAPH_CRASH_ROUNDS:-25}
budget=${P2PGRAPH_CRASH_SECONDS:-70}
seed=${P2PGRAPH_CRASH_SEED:-$((RANDOM * 32768 + RANDOM))}
RANDOM=$seed
passed=0 failed=0
check() { # description command...
    local what=$1; shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $what"; fi
}

exe=$builddir/tests/integration/crashwriter.exe
work=$builddir/tests/output/crash-loop
rm -rf "$work"
mkdir -p "$work"
oplog=$work/operations.log
winlog="Z:${oplog//\//\\}"
# The graph id is in the writer's command line: the kill below looks for it
# there, so it can hit no other program.
graph="crash-loop-$$-$RANDOM" peer=writer db=main
writer() { "$srcdir/tools/winerun" "$exe" "$@"; }
# "crashwriter: round R verified V of A acknowledged ops ..." -> "V A"
verified_of() { tr -d '\r' <"$1" | sed -n 's/^crashwriter: round [0-9]* verified \([0-9]*\) of \([0-9]*\) .*/\1 \2/p'; }
all_verified() { local v; v=$(verified_of "$1"); [ -n "$v" ] && [ "${v% *}" = "${v#* }" ]; }

echo "crash-loop: seed $seed, work dir $work"
if ! writer create "$graph" $peer $db >"$work/create.out" 2>&1; then
    tr -d '\r' <"$work/create.out"
    echo "0 passed, 1 failed"
    exit 1
fi
passed=1
start=$SECONDS
killed=0 stopped=no
for ((r = 1; r <= rounds; r++)); do
    if [ $((SECONDS - start)) -ge "$budget" ]; then
        echo "crash-loop: time budget of ${budget}s used up after $killed rounds"
        break
    fi
    out=$work/round-$r.out
    # Not through writer(): $! must be winerun itself, which becomes wine.
    "$srcdir/tools/winerun" "$exe" run "$graph" $peer $db "$winlog" "$seed" $r >"$out" 2>&1 &
    job=$!
    # The writer logs "S ROUND NEXT-OP" once it has checked the earlier runs'
    # operations and starts writing.
    started=no
    for ((i = 0; i < 1200; i++)); do
        grep -q "^S $r " "$oplog" 2>/dev/null && started=yes && break
        kill -0 $job 2>/dev/null || break
        sleep 0.05
    done
    hit=no
    if [ $started = yes ]; then
        # Mostly 10 to 400 ms of writing, now and then half a second more:
        # kills land inside calls, between them, and in the log's WriteFile.
        sleep "$(printf '0.%03d' $((10 + RANDOM % 390)))"
        [ $((RANDOM % 6)) -eq 0 ] && sleep 0.5
        # winerun execs wine, which execs its preloader: the job is the
        # Windows process itself, as its command line shows.
        if tr '\0' ' ' <"/proc/$job/cmdline" 2>/dev/null | grep -q "crashwriter.exe run $graph "; then
            kill -9 $job && hit=yes
        fi
    else
        kill -9 $job 2>/dev/null
    fi
    wait $job 2>/dev/null
    rc=$?
    [ $hit = yes ] && killed=$((killed + 1))
    check "round $r: the earlier runs' operations are all there" all_verified "$out"
    check "round $r: the writer was killed while writing (exit code $rc)" test $hit = yes
    if ! all_verified "$out" || [ $hit = no ]; then
        tr -d '\r' <"$out"
        echo "crash-loop: stopped after round $r"
        stopped=yes
        break
    fi
done

if [ $stopped = no ]; then
    # An orderly end: a run that closes the graph itself, then a check of that.
    check "a last run that closes the graph" \
        writer run "$graph" $peer $db "$winlog" "$seed" $r 500 >"$work/last.out" 2>&1
    check "the last run found all operations" all_verified "$work/last.out"
    check "the verify-only run" writer verify "$graph" $peer $db "$winlog" "$seed" $((r + 1)) >"$work/verify.out" 2>&1
    check "the verify-only run found all operations" all_verified "$work/verify.out"
    tr -d '\r' <"$work/verify.out"
fi

acked=$(grep -c '^A ' "$oplog")
recovered=$(grep -c '^R ' "$oplog")
lost=$(cat "$work"/*.out | grep -c '^LOSS')
verified=$(verified_of "$work/verify.out" 2>/dev/null)
verified=${verified% *}
# Where the kills landed, as the run after each one found it.
inside=$(cat "$work"/*.out | tr -d '\r' | grep -c 'in flight: .*applied')
done_inside=$(cat "$work"/*.out | tr -d '\r' | grep -c -E 'in flight: (add|update|delete) applied')
check "operations were acknowledged" test "$acked" -gt 0
echo "crash-loop: $killed rounds killed ($inside inside a call, $done_inside of these after it took effect)," \
     "$acked operations acknowledged, ${verified:-0} verified (with $recovered unacknowledged ones that took effect)," \
     "$lost lost, $((SECONDS - start))s, seed $seed"

check "delete the graph" writer delete "$graph" $peer $db >"$work/delete.out" 2>&1
[ $failed -eq 0 ] && rm -rf "$work"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
