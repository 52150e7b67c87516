#!/bin/bash
# Integration test: a hostile peer.  tests/integration/victim.exe (a Windows
# program under Wine) listens for direct connections and echoes what it gets;
# hostile_peer.py attacks its port on ::1 with malformed, truncated, oversized
# and out-of-order MS-PPGRH messages and checks that the node drops each bad
# connection, keeps serving a well-behaved client and keeps its memory
# bounded; then floods it with connections (thousands sending one byte, more
# idle ones than it has descriptors for) and finally has it shut down while a
# peer reads nothing, which must see its connection end.  Needs python3
# (standard library) and pgrep (procps).
#
# Copyright 2026 the p2pgraph-wine authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
builddir=${P2PGRAPH_BUILDDIR:?}
srcdir=${P2PGRAPH_SRCDIR:?}
export P2PGRAPH_WINEPREFIX=${P2PGRAPH_WINEPREFIX:-$builddir/.wineprefix}

# The victim listens on every address of the global scope: keep it in a
# network namespace of its own with only lo, as tools/run-tests does.
if [ -z "${P2PGRAPH_NETNS:-}" ]; then
    for how in "unshare -n" "unshare -rn"; do
        if $how true 2>/dev/null; then
            exec $how env P2PGRAPH_NETNS=1 bash "$0" "$@"
        fi
    done
    echo "hostile-peer: cannot make a private network namespace" >&2
    echo "0 passed, 1 failed"
    exit 1
elif [ "$P2PGRAPH_NETNS" = 1 ]; then
    ip link set lo up 2>/dev/null
fi

passed=0 failed=0
check() { # description command...
    local what=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "PASS $what"
    else failed=$((failed + 1)); echo "FAIL $what"; fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/hostile-peer.XXXXXX")
graph="hostile-peer-$$-$RANDOM" peer=victim
victim=""
cleanup() {
    if [ -n "$victim" ] && kill -0 "$victim" 2>/dev/null; then kill -9 "$victim" 2>/dev/null; fi
    # A victim that did not get to PeerGraphDelete leaves its database behind; the
    # engine names it by the MD5 of graph id, peer id and database name, NUL-separated.
    local name
    name=$(printf '%s\0%s\0%s' "$graph" "$peer" "$graph.db" | md5sum | cut -d' ' -f1)
    rm -f "$P2PGRAPH_WINEPREFIX"/drive_c/users/*/AppData/Roaming/PeerNetworking/p2pgraph/"$name".graphdb*
    rm -rf "$work"
}
trap cleanup EXIT

# Wine takes Z:/... as the Unix path; the victim gives up by itself after 200 s.
# Bounded: 30 s to start, 130 s of attacks, 10 s to stop.  Its output is
# the p2pgraph warnings (API and connections) and nothing else of Wine's: the client
# counts its lines.
WINEDEBUG=-all,warn+p2pgraph,warn+p2pgraph_link "$srcdir/tools/winerun" "$builddir/tests/integration/victim.exe" "$graph" "$peer" \
    "Z:$work/port" "Z:$work/stop" 200 "Z:$work/shutdown" >"$work/victim.log" 2>&1 &
victim=$!

# A fresh Wine prefix takes a while to make.
for _ in $(seq 300); do
    [ -s "$work/port" ] && break
    kill -0 "$victim" 2>/dev/null || break
    sleep 0.1
done
port=$(tr -dc 0-9 2>/dev/null <"$work/port")
check "the victim listens" test -n "$port"

if [ -n "$port" ]; then
    timeout -k 5 130 python3 "$srcdir/tests/integration/hostile_peer.py" \
        --port "$port" --graph "$graph" --peer "$peer" --victim-log "$work/victim.log" \
        --stop-file "$work/stop" --shutdown-file "$work/shutdown" >"$work/client.log" 2>&1
    rc=$?
    grep -v -E '^[0-9]+ passed, [0-9]+ failed$' "$work/client.log"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$work/client.log" | tail -1)
    if [ -n "$line" ]; then
        passed=$((passed + ${line%% passed*}))
        failed=$((failed + $(echo "$line" | sed 's/.* \([0-9]*\) failed$/\1/')))
    fi
    check "the client finished (exit code $rc)" test -n "$line"
fi

# The victim stops when the stop file appears (the client made it already
# unless it ended early); it must do so cleanly.
: >"$work/stop"
: >"$work/shutdown.ack"
for _ in $(seq 100); do
    kill -0 "$victim" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$victim" 2>/dev/null; then
    check "the victim exits when told" false
else
    wait "$victim"
    code=$?
    check "the victim exits cleanly (exit code $code)" test "$code" -eq 0
fi
tr -d '\r' <"$work/victim.log"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
