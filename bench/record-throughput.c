/*
 * Benchmark: record throughput through the graphing API (a Windows program run under Wine)
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

/* Usage: record-throughput.exe N
 * Adds N records of 1 KiB to a new graph, reads each back with
 * PeerGraphGetRecord, then enumerates them all, and prints one line per
 * phase: "api <phase> <count> <seconds>". */

#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <p2p.h>

#define BENCH_NAME "record-throughput"
#include "bench_win.h"

int main(int argc, char **argv)
{
    static const GUID type = {0x6d3e5f10, 0x2b1c, 0x4e5a, {0x9b, 0x11, 0x3c, 0x8a, 0x42, 0x17, 0x60, 0x05}};
    ULONG n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000, i, count, total;
    PEER_VERSION_DATA version;
    PEER_GRAPH_PROPERTIES props = {0};
    WCHAR graph_id[64];
    HGRAPH graph;
    HPEERENUM henum;
    PEER_RECORD record = {0}, *got;
    GUID *ids;
    BYTE payload[1024];
    HRESULT hr;
    double t;

    ids = malloc(n * sizeof(*ids));
    for (i = 0; i < sizeof(payload); i++) payload[i] = (BYTE)i;
    if (FAILED(hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version))) return fail("PeerGraphStartup", hr);
    swprintf(graph_id, 64, L"bench-%lu-%lu", GetCurrentProcessId(), GetTickCount());
    props.dwSize = sizeof(props);
    props.dwScope = PEER_GRAPH_SCOPE_GLOBAL;
    props.pwzGraphId = graph_id;
    props.pwzCreatorId = L"bench";
    if (FAILED(hr = PeerGraphCreate(&props, L"bench", NULL, &graph))) return fail("PeerGraphCreate", hr);

    init_record(&record, graph, &type, 24 * 3600, payload, sizeof(payload));

    t = now_seconds();
    for (i = 0; i < n; i++)
    {
        payload[0] = (BYTE)i;
        if (FAILED(hr = PeerGraphAddRecord(graph, &record, &ids[i]))) return fail("PeerGraphAddRecord", hr);
    }
    printf("api add %lu %.6f\n", n, now_seconds() - t);

    t = now_seconds();
    for (i = 0; i < n; i++)
    {
        if (FAILED(hr = PeerGraphGetRecord(graph, &ids[i], &got))) return fail("PeerGraphGetRecord", hr);
        if (got->data.cbData != sizeof(payload)) return fail("record size", E_FAIL);
        PeerGraphFreeData(got);
    }
    printf("api get %lu %.6f\n", n, now_seconds() - t);

    t = now_seconds();
    if (FAILED(hr = PeerGraphEnumRecords(graph, &type, NULL, &henum))) return fail("PeerGraphEnumRecords", hr);
    total = 0;
    for (;;)
    {
        PEER_RECORD **items;
        count = 1000;
        if (FAILED(hr = PeerGraphGetNextItem(henum, &count, (void ***)&items))) return fail("PeerGraphGetNextItem", hr);
        if (!count) break;
        total += count;
        PeerGraphFreeData(items);
    }
    PeerGraphEndEnumeration(henum);
    printf("api enum %lu %.6f\n", total, now_seconds() - t);
    if (total != n) return fail("enumeration count", E_FAIL);

    PeerGraphClose(graph);
    PeerGraphDelete(graph_id, L"bench", L"bench");
    PeerGraphShutdown();
    free(ids);
    return 0;
}
