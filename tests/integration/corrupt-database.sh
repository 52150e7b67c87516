#!/bin/bash
# Integration test: a graph database that was truncated, overwritten or
# emptied behind the DLL's back makes PeerGraphOpen answer
# PEER_E_INVALID_DATABASE (never a crash or a hang), and PeerGraphDelete
# still clears it away.
#
# Copyright 2026 the p2pgraph-wine authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
builddir=${P2PGRAPH_BUILDDIR:?}
srcdir=${P2PGRAPH_SRCDIR:?}
export P2PGRAPH_WINEPREFIX=${P2PGRAPH_WINEPREFIX:-$builddir/.wineprefix}
passed=0 failed=0
check() { # description command...
    local what=$1; shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $what"; fi
}
dbtool() { "$srcdir/tools/winerun" "$builddir/tests/integration/dbtool.exe" "$@" 2>&1 | tr -d '\r'; }

graph="corrupt-test-$$-$RANDOM" peer=tester db=main
# The engine names a database file by the MD5 of graph id, peer id and
# database name, NUL-separated, under %APPDATA%\PeerNetworking\p2pgraph.
name=$(printf '%s\0%s\0%s' "$graph" "$peer" "$db" | md5sum | cut -d' ' -f1)
file=$(find "$P2PGRAPH_WINEPREFIX/drive_c/users" -path '*PeerNetworking/p2pgraph' -type d 2>/dev/null | head -1)

check "create" grep -q 'hr=0x00000000' <<<"$(dbtool create "$graph" $peer $db)"
[ -n "$file" ] || file=$(find "$P2PGRAPH_WINEPREFIX/drive_c/users" -path '*PeerNetworking/p2pgraph' -type d | head -1)
file=$file/$name.graphdb
check "database file where expected" test -s "$file"
check "intact database opens" grep -q 'hr=0x00000000' <<<"$(dbtool open "$graph" $peer $db)"

cp "$file" "$file.good"
size=$(stat -c %s "$file")
truncate -s $((size / 2)) "$file"
check "truncated database: PEER_E_INVALID_DATABASE" grep -q 'hr=0x80630016' <<<"$(dbtool open "$graph" $peer $db)"
head -c "$size" /dev/urandom >"$file"
check "garbage database: PEER_E_INVALID_DATABASE" grep -q 'hr=0x80630016' <<<"$(dbtool open "$graph" $peer $db)"
: >"$file"
check "empty database: PEER_E_INVALID_DATABASE" grep -q 'hr=0x80630016' <<<"$(dbtool open "$graph" $peer $db)"
cp "$file.good" "$file" && rm -f "$file.good"
check "restored database opens again" grep -q 'hr=0x00000000' <<<"$(dbtool open "$graph" $peer $db)"
head -c 4096 /dev/urandom >"$file"
check "delete clears a damaged database" grep -q 'hr=0x00000000' <<<"$(dbtool delete "$graph" $peer $db)"
check "file gone" test ! -e "$file"
check "open after delete: PEER_S_GRAPH_DATA_CREATED" grep -q 'hr=0x00630001' <<<"$(dbtool open "$graph" $peer $db)"
dbtool delete "$graph" $peer $db >/dev/null

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
