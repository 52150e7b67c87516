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

/* Usage: record-throughput.exe N [ROUNDS]
 * Adds N records of 1 KiB (each with one attribute, "half", 0 or 1) to a new
 * graph in ROUNDS slices, then, ROUNDS times each: reads every record back
 * with PeerGraphGetRecord, enumerates them all (PeerGraphEnumRecords, 1000
 * per PeerGraphGetNextItem), and searches for the half with half = 1
 * (PeerGraphSearchRecords).  Prints one line per phase and round,
 * "api <phase> <round> <count> <seconds>", then the memory of the process:
 * "api rss before-enum <KiB>" and "api rss enum-peak <KiB>", the peak
 * working set while enumerating and searching (measured from a reset of the
 * kernel's high-water mark, or since the start when "api rss reset no"). */

#include <winsock2.h>
#include <windows.h>
#include <psapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <p2p.h>

#define BENCH_NAME "record-throughput"
#include "bench_win.h"

static SIZE_T working_set(BOOL peak)
{
    PROCESS_MEMORY_COUNTERS counters;
    memset(&counters, 0, sizeof(counters));
    counters.cb = sizeof(counters);
    if (!K32GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof(counters))) return 0;
    return peak ? counters.PeakWorkingSetSize : counters.WorkingSetSize;
}

/* Wine reads the working set from /proc/self/status (VmRSS, VmHWM); writing
 * 5 to /proc/self/clear_refs resets VmHWM to the current RSS. */
static BOOL reset_peak(void)
{
    static const char *const paths[] = {"\\\\?\\unix\\proc\\self\\clear_refs", "Z:\\proc\\self\\clear_refs"};
    DWORD written;
    int i;

    for (i = 0; i < 2; i++)
    {
        HANDLE file = CreateFileA(paths[i], GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
        BOOL done;
        if (file == INVALID_HANDLE_VALUE) continue;
        done = WriteFile(file, "5", 1, &written, NULL) && written == 1;
        CloseHandle(file);
        if (done) return TRUE;
    }
    return FALSE;
}

static int enumerate(HPEERENUM henum, ULONG *total)
{
    HRESULT hr;
    *total = 0;
    for (;;)
    {
        PEER_RECORD **items;
        ULONG count = 1000;
        if (FAILED(hr = PeerGraphGetNextItem(henum, &count, (void ***)&items))) return fail("PeerGraphGetNextItem", hr);
        if (!count) break;
        *total += count;
        PeerGraphFreeData(items);
    }
    PeerGraphEndEnumeration(henum);
    return 0;
}

int main(int argc, char **argv)
{
    static const GUID type = {0x6d3e5f10, 0x2b1c, 0x4e5a, {0x9b, 0x11, 0x3c, 0x8a, 0x42, 0x17, 0x60, 0x05}};
    static WCHAR attributes[2][100];
    ULONG n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000, rounds = argc > 2 ? strtoul(argv[2], NULL, 10) : 5;
    ULONG i, total, round, from, to;
    PEER_VERSION_DATA version;
    PEER_GRAPH_PROPERTIES props = {0};
    HPEERENUM henum;
    PEER_RECORD record = {0}, *got;
    GUID *ids;
    BYTE payload[1024];
    BOOL peak_reset;
    HRESULT hr;
    double t;
    int err;

    if (!rounds) rounds = 1;
    ids = malloc(n * sizeof(*ids));
    for (i = 0; i < sizeof(payload); i++) payload[i] = (BYTE)i;
    for (i = 0; i < 2; i++)
        swprintf(attributes[i], 100, L"<attributes><attribute name=\"half\" type=\"int\">%lu</attribute></attributes>", i);
    if (FAILED(hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version))) return fail("PeerGraphStartup", hr);
    swprintf(graph_id, 64, L"bench-%lu-%lu", GetCurrentProcessId(), GetTickCount());
    props.dwSize = sizeof(props);
    props.dwScope = PEER_GRAPH_SCOPE_GLOBAL;
    props.pwzGraphId = graph_id;
    props.pwzCreatorId = L"bench";
    if (FAILED(hr = PeerGraphCreate(&props, L"bench", NULL, &graph))) return fail("PeerGraphCreate", hr);
    lstrcpyW(peer_id, L"bench");
    lstrcpyW(database, L"bench");

    init_record(&record, graph, &type, 24 * 3600, payload, sizeof(payload));

    for (round = 0; round < rounds; round++)
    {
        from = (ULONGLONG)n * round / rounds;
        to = (ULONGLONG)n * (round + 1) / rounds;
        t = now_seconds();
        for (i = from; i < to; i++)
        {
            payload[0] = (BYTE)i;
            record.pwzAttributes = attributes[i % 2];
            if (FAILED(hr = PeerGraphAddRecord(graph, &record, &ids[i]))) return fail("PeerGraphAddRecord", hr);
        }
        printf("api add %lu %lu %.6f\n", round, to - from, now_seconds() - t);
    }

    for (round = 0; round < rounds; round++)
    {
        t = now_seconds();
        for (i = 0; i < n; i++)
        {
            if (FAILED(hr = PeerGraphGetRecord(graph, &ids[i], &got))) return fail("PeerGraphGetRecord", hr);
            if (got->data.cbData != sizeof(payload)) return fail("record size", E_FAIL);
            PeerGraphFreeData(got);
        }
        printf("api get %lu %lu %.6f\n", round, n, now_seconds() - t);
    }

    printf("api rss before-enum %lu\n", (unsigned long)(working_set(FALSE) / 1024));
    peak_reset = reset_peak();
    printf("api rss reset %s\n", peak_reset ? "yes" : "no");
    for (round = 0; round < rounds; round++)
    {
        t = now_seconds();
        if (FAILED(hr = PeerGraphEnumRecords(graph, &type, NULL, &henum))) return fail("PeerGraphEnumRecords", hr);
        if ((err = enumerate(henum, &total))) return err;
        printf("api enum %lu %lu %.6f\n", round, total, now_seconds() - t);
        if (total != n) return fail("enumeration count", E_FAIL);

        t = now_seconds();
        hr = PeerGraphSearchRecords(graph, L"<peersearch><clause attrib=\"half\" type=\"int\">1</clause></peersearch>",
                                    &henum);
        if (FAILED(hr)) return fail("PeerGraphSearchRecords", hr);
        if ((err = enumerate(henum, &total))) return err;
        printf("api search %lu %lu %.6f\n", round, total, now_seconds() - t);
        if (total != n / 2) return fail("search count", E_FAIL);
    }
    printf("api rss enum-peak %lu\n", (unsigned long)(working_set(TRUE) / 1024));

    finish();
    free(ids);
    return 0;
}
