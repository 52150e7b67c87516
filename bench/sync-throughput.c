/*
 * Benchmark: initial synchronization of a new node with a graph of many records (a Windows program run under Wine)
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

/* Usage:
 *   sync-throughput.exe serve GRAPH N CONTROL-DIR
 *   sync-throughput.exe join GRAPH N PORT TIMEOUT-S CONTROL-DIR
 *   sync-throughput.exe delete GRAPH alice|bob
 *
 * serve: creates GRAPH as peer "alice", adds N records of 1 KiB (prints
 * "added N SECONDS"), listens and prints "listening PORT".
 * join: opens GRAPH as peer "bob" (PEER_S_GRAPH_DATA_CREATED: never
 * synchronized), connects to [::1]:PORT and prints, in seconds since just
 * before PeerGraphConnect,
 *   "connected SECONDS"        the NEIGHBOR_CONNECTION (PEER_CONNECTED) event
 *   "first SECONDS"            the first RECORD_CHANGED of the benchmark's
 *                              type (a registration of its own, dropped
 *                              after that event: no event per record)
 *   "synchronized SECONDS"     STATUS_CHANGED with PEER_GRAPH_STATUS_SYNCHRONIZED
 *   "peak KIB"                 the process's peak working set so far (VmHWM
 *                              under Wine), before counting allocates more
 *   "count COUNT SECONDS"      records of the benchmark's type right after it
 *                              (PeerGraphEnumRecords, PeerGraphGetItemCount),
 *                              SECONDS what counting took
 *   "complete SECONDS"         when COUNT reached N (polled every second if it
 *                              had not at SYNCHRONIZED), or "incomplete COUNT"
 * within TIMEOUT-S.  Both then run until the file CONTROL-DIR/stop appears,
 * close and delete their graph.  join exits 0 only with all N records.
 * delete removes the graph data of a node that was killed. */

#include <winsock2.h>
#include <windows.h>
#include <psapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <p2p.h>

#define BENCH_NAME "sync-throughput"
#include "bench_win.h"

static const GUID bench_type = {0x4f2b9d07, 0x61ae, 0x4c38, {0x85, 0x0d, 0x3e, 0x97, 0xb1, 0x26, 0xf4, 0x5a}};

#define RECORD_SIZE 1024
#define STOP_TIMEOUT_MS 3600000

static void wait_for_stop(void)
{
    DWORD deadline = GetTickCount() + STOP_TIMEOUT_MS;
    while (!control_file("stop") && (LONG)(GetTickCount() - deadline) < 0)
    {
        PEER_GRAPH_EVENT_DATA *event;
        while (registration && PeerGraphGetEventData(registration, &event) == S_OK) PeerGraphFreeData(event);
        Sleep(100);
    }
}

static int serve(ULONG n)
{
    PEER_GRAPH_PROPERTIES props = {0};
    PEER_RECORD record = {0};
    BYTE payload[RECORD_SIZE];
    double t;
    HRESULT hr;
    GUID id;

    props.dwSize = sizeof(props);
    props.dwScope = PEER_GRAPH_SCOPE_GLOBAL;
    props.pwzGraphId = graph_id;
    props.pwzCreatorId = peer_id;
    if (FAILED(hr = PeerGraphCreate(&props, database, bench_security(), &graph))) return fail("PeerGraphCreate", hr);

    for (ULONG i = 0; i < sizeof(payload); i++) payload[i] = (BYTE)(i * 7);
    init_record(&record, graph, &bench_type, 24 * 3600, payload, sizeof(payload));
    t = now_seconds();
    for (ULONG i = 0; i < n; i++)
    {
        memcpy(payload, &i, sizeof(i));
        if (FAILED(hr = PeerGraphAddRecord(graph, &record, &id))) return fail("PeerGraphAddRecord", hr);
    }
    printf("added %lu %.6f\n", n, now_seconds() - t);

    if (listen_and_announce()) return 1;
    wait_for_stop();
    return 0;
}

static HRESULT count_records(ULONG *count)
{
    HPEERENUM henum;
    HRESULT hr;

    *count = 0;
    if (FAILED(hr = PeerGraphEnumRecords(graph, &bench_type, NULL, &henum))) return hr;
    hr = PeerGraphGetItemCount(henum, count);
    PeerGraphEndEnumeration(henum);
    return hr;
}

static int join(ULONG n, int port, DWORD timeout_s)
{
    PEER_GRAPH_EVENT_REGISTRATION regs[2] = {{PEER_GRAPH_EVENT_STATUS_CHANGED, NULL},
                                             {PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION, NULL}};
    PEER_GRAPH_EVENT_REGISTRATION record_reg = {PEER_GRAPH_EVENT_RECORD_CHANGED, (GUID *)&bench_type};
    HPEEREVENT first_registration;
    HANDLE handles[2];
    PROCESS_MEMORY_COUNTERS memory;
    PEER_GRAPH_EVENT_DATA *event;
    PEER_ADDRESS address = {0};
    ULONGLONG connection = 0;
    BOOL connected = FALSE, synchronized = FALSE;
    double start, deadline, t;
    ULONG count;
    HRESULT hr;

    hr = PeerGraphOpen(graph_id, peer_id, database, bench_security(), 0, NULL, &graph);
    if (hr != PEER_S_GRAPH_DATA_CREATED) return fail("PeerGraphOpen (PEER_S_GRAPH_DATA_CREATED)", hr);
    graph_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (FAILED(hr = PeerGraphRegisterEvent(graph, graph_event, 2, regs, &registration)))
        return fail("PeerGraphRegisterEvent", hr);
    handles[0] = graph_event;
    handles[1] = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (FAILED(hr = PeerGraphRegisterEvent(graph, handles[1], 1, &record_reg, &first_registration)))
        return fail("PeerGraphRegisterEvent (records)", hr);
    address.dwSize = sizeof(address);
    address.sin6.sin6_family = AF_INET6;
    address.sin6.sin6_addr.s6_addr[15] = 1;  /* ::1 */
    address.sin6.sin6_port = swap16((USHORT)port);

    start = now_seconds();
    deadline = start + timeout_s;
    if (FAILED(hr = PeerGraphConnect(graph, NULL, &address, &connection))) return fail("PeerGraphConnect", hr);
    while (!synchronized)
    {
        while (!synchronized && PeerGraphGetEventData(registration, &event) == S_OK)
        {
            t = now_seconds() - start;
            if (event->eventType == PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION &&
                event->connectionChangeData.ullConnectionId == connection)
            {
                if (event->connectionChangeData.status == PEER_CONNECTED && !connected)
                {
                    connected = TRUE;
                    printf("connected %.6f\n", t);
                    fflush(stdout);
                }
                else if (event->connectionChangeData.status != PEER_CONNECTED)
                {
                    hr = event->connectionChangeData.hrConnectionFailedReason;
                    PeerGraphFreeData(event);
                    return fail("the connection to alice", FAILED(hr) ? hr : PEER_E_CONNECTION_FAILED);
                }
            }
            else if (event->eventType == PEER_GRAPH_EVENT_STATUS_CHANGED &&
                     (event->dwStatus & PEER_GRAPH_STATUS_SYNCHRONIZED))
            {
                synchronized = TRUE;
                printf("synchronized %.6f\n", t);
                fflush(stdout);
            }
            PeerGraphFreeData(event);
        }
        if (first_registration && PeerGraphGetEventData(first_registration, &event) == S_OK)
        {
            printf("first %.6f\n", now_seconds() - start);
            fflush(stdout);
            PeerGraphFreeData(event);
            PeerGraphUnregisterEvent(first_registration);
            first_registration = NULL;
        }
        if (synchronized) break;
        if (now_seconds() >= deadline) return fail("waiting for SYNCHRONIZED", HRESULT_FROM_WIN32(WAIT_TIMEOUT));
        WaitForMultipleObjects(first_registration ? 2 : 1, handles, FALSE, 1000);
    }

    if (first_registration) PeerGraphUnregisterEvent(first_registration);
    if (GetProcessMemoryInfo(GetCurrentProcess(), &memory, sizeof(memory)))
        printf("peak %lu\n", (unsigned long)(memory.PeakWorkingSetSize / 1024));
    t = now_seconds();
    if (FAILED(hr = count_records(&count))) return fail("counting the records", hr);
    printf("count %lu %.6f\n", count, now_seconds() - t);
    fflush(stdout);
    while (count < n && now_seconds() < deadline)
    {
        Sleep(1000);
        if (FAILED(hr = count_records(&count))) return fail("counting the records", hr);
    }
    if (count == n) printf("complete %.6f\n", now_seconds() - start);
    else printf("incomplete %lu\n", count);
    fflush(stdout);
    wait_for_stop();
    return count == n ? 0 : 3;
}

int main(int argc, char **argv)
{
    PEER_VERSION_DATA version;
    ULONG n;
    HRESULT hr;
    int result;

    if (argc == 4 && !strcmp(argv[1], "delete"))
    {
        MultiByteToWideChar(CP_UTF8, 0, argv[2], -1, graph_id, ARRAYSIZE(graph_id));
        MultiByteToWideChar(CP_UTF8, 0, argv[3], -1, peer_id, ARRAYSIZE(peer_id));
        swprintf(database, ARRAYSIZE(database), L"%ls-%ls", graph_id, peer_id);
        if (FAILED(hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version))) return fail("PeerGraphStartup", hr);
        hr = PeerGraphDelete(graph_id, peer_id, database);
        PeerGraphShutdown();
        return FAILED(hr) ? fail("PeerGraphDelete", hr) : 0;
    }
    if (!(argc == 5 && !strcmp(argv[1], "serve")) && !(argc == 7 && !strcmp(argv[1], "join")))
    {
        fprintf(stderr, "usage: sync-throughput.exe serve GRAPH N CONTROL-DIR\n"
                        "       sync-throughput.exe join GRAPH N PORT TIMEOUT-S CONTROL-DIR\n"
                        "       sync-throughput.exe delete GRAPH alice|bob\n");
        return 2;
    }
    MultiByteToWideChar(CP_UTF8, 0, argv[2], -1, graph_id, ARRAYSIZE(graph_id));
    lstrcpyW(peer_id, strcmp(argv[1], "serve") ? L"bob" : L"alice");
    swprintf(database, ARRAYSIZE(database), L"%ls-%ls", graph_id, peer_id);
    lstrcpynA(control_dir, argv[argc - 1], sizeof(control_dir));
    n = strtoul(argv[3], NULL, 10);
    if (FAILED(hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version))) return fail("PeerGraphStartup", hr);
    if (!strcmp(argv[1], "serve")) result = serve(n);
    else result = join(n, atoi(argv[4]), strtoul(argv[5], NULL, 10));
    finish();
    return result;
}
