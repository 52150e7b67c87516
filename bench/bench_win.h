/*
 * Benchmarks: what the Windows bench programs share (one graph per process, timing, failures)
 *
 * Copyright 2026 the p2pgraph-wine authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * This library is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Lesser General Public License for more details.
 *
 * You should have received a copy of the GNU Lesser General Public
 * License along with this library; if not, write to the Free Software
 * Foundation, Inc., 51 Franklin St, Fifth Floor, Boston, MA 02110-1301, USA
 */

/* For the Windows bench programs (bench/NAME.c, mingw-w64); define BENCH_NAME, the program's name for
 * messages, before including it.  The native baselines share loopback_pair.h. */

#ifndef P2PG_BENCH_WIN_H
#define P2PG_BENCH_WIN_H

#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <p2p.h>

#ifndef BENCH_NAME
# define BENCH_NAME "bench"
#endif

#define BENCH_UNUSED __attribute__((unused))

/* The graph of this process, with its event registration. */
static BENCH_UNUSED HGRAPH graph;
static BENCH_UNUSED HPEEREVENT registration;
static BENCH_UNUSED HANDLE graph_event;
static BENCH_UNUSED WCHAR graph_id[128], peer_id[32], database[200];
/* Where the driving script puts its control files ("go", "stop"). */
static BENCH_UNUSED char control_dir[MAX_PATH];

/* The graph's security interface: NULL, or with P2PGRAPH_BENCH_SSP set to the path of the test
 * SSPI package (dlls/p2pgraph/tests/testssp/testssp.dll), that package with a fixed key, so
 * that the scripts can measure secured connections beside clear ones. */
static inline PEER_SECURITY_INTERFACE *bench_security(void)
{
    static PEER_SECURITY_INTERFACE security;
    static WCHAR path[MAX_PATH], package[] = L"P2PTestSSP";
    static struct { DWORD size; BYTE key[16]; } key = {16, "bench-key-16byte"};
    const char *dll = getenv("P2PGRAPH_BENCH_SSP");

    if (!dll || !dll[0]) return NULL;
    MultiByteToWideChar(CP_UTF8, 0, dll, -1, path, MAX_PATH);
    security.dwSize = sizeof(security);
    security.pwzSspFilename = path;
    security.pwzPackageName = package;
    security.cbSecurityInfo = sizeof(key);
    security.pbSecurityInfo = (BYTE *)&key;
    return &security;
}

static inline double now_seconds(void)
{
    static LARGE_INTEGER frequency;
    LARGE_INTEGER c;
    if (!frequency.QuadPart) QueryPerformanceFrequency(&frequency);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart / (double)frequency.QuadPart;
}

/* Reports a failed step; returns the exit code. */
static inline int fail(const char *what, HRESULT hr)
{
    if (peer_id[0])
        fprintf(stderr, BENCH_NAME ": %ls: %s failed: %#lx\n", peer_id, what, (unsigned long)hr);
    else
        fprintf(stderr, BENCH_NAME ": %s failed: %#lx\n", what, (unsigned long)hr);
    return 1;
}

/* A port between host and network byte order. */
static inline USHORT swap16(USHORT v)
{
    return (USHORT)((v >> 8) | (v << 8));
}

static inline BOOL control_file(const char *name)
{
    char path[MAX_PATH + 16];
    snprintf(path, sizeof(path), "%s/%s", control_dir, name);
    return GetFileAttributesA(path) != INVALID_FILE_ATTRIBUTES;
}

/* A record of type with size bytes of data that expires seconds from now (peer time). */
static inline void init_record(PEER_RECORD *record, HGRAPH graph, const GUID *type, ULONGLONG seconds, BYTE *data,
                               ULONG size)
{
    FILETIME utc, peer;
    ULONGLONG expiration;

    GetSystemTimeAsFileTime(&utc);
    PeerGraphUniversalTimeToPeerTime(graph, &utc, &peer);
    expiration = (((ULONGLONG)peer.dwHighDateTime << 32) | peer.dwLowDateTime) + seconds * 10000000;
    memset(record, 0, sizeof(*record));
    record->dwSize = sizeof(*record);
    record->type = *type;
    record->ftExpiration.dwLowDateTime = (DWORD)expiration;
    record->ftExpiration.dwHighDateTime = (DWORD)(expiration >> 32);
    record->data.cbData = size;
    record->data.pbData = data;
}

/* Listens and tells the driving script the port: "listening PORT".  Returns 0 or fail()'s code. */
static inline int listen_and_announce(void)
{
    PEER_NODE_INFO *node;
    HRESULT hr;

    if (FAILED(hr = PeerGraphListen(graph, PEER_GRAPH_SCOPE_GLOBAL, 0, 0))) return fail("PeerGraphListen", hr);
    if (FAILED(hr = PeerGraphGetNodeInfo(graph, 0, &node))) return fail("PeerGraphGetNodeInfo", hr);
    if (!node->cAddresses)
    {
        PeerGraphFreeData(node);
        return fail("PeerGraphGetNodeInfo (no address)", E_FAIL);
    }
    printf("listening %u\n", swap16(node->pAddresses[0].sin6.sin6_port));
    fflush(stdout);
    PeerGraphFreeData(node);
    return 0;
}

/* Unregisters, closes and deletes the graph and shuts the library down. */
static inline void finish(void)
{
    if (registration) PeerGraphUnregisterEvent(registration);
    if (graph) PeerGraphClose(graph);
    PeerGraphDelete(graph_id, peer_id, database);
    PeerGraphShutdown();
}

#endif
