/*
 * Benchmark: how long a new record takes to reach the other nodes of a graph (a Windows program run under Wine)
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
 *   flood-latency.exe GRAPH INDEX PARENT-PORT|- SENDER RECORDS INTERVAL-MS CONTROL-DIR
 *   flood-latency.exe delete GRAPH INDEX
 *
 * One node of GRAPH, peer id "nodeINDEX".  With PARENT-PORT "-" the node
 * creates the graph; otherwise it opens it (PEER_S_GRAPH_DATA_CREATED),
 * connects to [::1]:PARENT-PORT and waits for STATUS_CHANGED with
 * PEER_GRAPH_STATUS_SYNCHRONIZED.  Then it listens and prints
 *   "listening PORT" and "synchronized".
 * The node whose INDEX is SENDER waits for the file CONTROL-DIR/go, then
 * adds RECORDS records, one every INTERVAL-MS on a fixed schedule, each
 * carrying its sequence number and the time just before PeerGraphAddRecord
 * (GetSystemTimePreciseAsFileTime: all nodes run on one machine).  Every
 * other node takes the time as it drains each RECORD_CHANGED (ADDED) of
 * that record type, reads the record and keeps the difference; it prints
 * "done" once it has all RECORDS.  Every node runs until the file
 * CONTROL-DIR/stop appears (or the time limit), then prints its results,
 *   "recv SEQ LATENCY-US" (receivers) or "sent SEQ ADD-US" (the sender),
 * and "result COUNT"; it closes and deletes its graph and exits 0 if it has
 * everything (a receiver all RECORDS, the sender all added).  "delete"
 * removes the graph data of a node that was killed. */

#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <p2p.h>

#define BENCH_NAME "flood-latency"
#include "bench_win.h"

static const GUID flood_type = {0x8a41c7e2, 0x5d90, 0x4b3f, {0x9e, 0x17, 0x62, 0xd4, 0x0b, 0xa8, 0x3c, 0x51}};

#define JOIN_TIMEOUT_MS 60000
#define RUN_TIMEOUT_MS 600000
#define PAYLOAD_SIZE 64

struct payload
{
    ULONGLONG seq;
    ULONGLONG sent;     /* FILETIME ticks (100 ns) */
};

static DWORD run_deadline;

static ULONGLONG precise_now(void)
{
    FILETIME ft;
    GetSystemTimePreciseAsFileTime(&ft);
    return ((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
}

static BOOL past(DWORD deadline)
{
    return (LONG)(GetTickCount() - deadline) >= 0;
}

/* Received or sent: one value per sequence number, -1 until known. */
static double *results;
static ULONG records, have;
static BOOL is_sender;

static void handle_record_changed(const PEER_GRAPH_EVENT_DATA *event, ULONGLONG drained)
{
    const PEER_EVENT_RECORD_CHANGE_DATA *change = &event->recordChangeData;
    struct payload p;
    PEER_RECORD *record;

    if (is_sender || change->changeType != PEER_RECORD_ADDED || !IsEqualGUID(&change->recordType, &flood_type))
        return;
    if (FAILED(PeerGraphGetRecord(graph, &change->recordId, &record))) return;
    if (record->data.cbData >= sizeof(p))
    {
        memcpy(&p, record->data.pbData, sizeof(p));
        if (p.seq < records && results[p.seq] < 0)
        {
            results[p.seq] = (double)(LONGLONG)(drained - p.sent) / 10.0;
            if (++have == records)
            {
                printf("done\n");
                fflush(stdout);
            }
        }
    }
    PeerGraphFreeData(record);
}

/* Drains the events; FALSE when the connection to the parent failed. */
static BOOL drain(ULONGLONG parent_connection, DWORD *status)
{
    PEER_GRAPH_EVENT_DATA *event;
    BOOL ok = TRUE;

    while (PeerGraphGetEventData(registration, &event) == S_OK)
    {
        ULONGLONG drained = precise_now();
        switch (event->eventType)
        {
        case PEER_GRAPH_EVENT_RECORD_CHANGED:
            handle_record_changed(event, drained);
            break;
        case PEER_GRAPH_EVENT_STATUS_CHANGED:
            *status |= event->dwStatus;
            break;
        case PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION:
            if (parent_connection && event->connectionChangeData.ullConnectionId == parent_connection &&
                event->connectionChangeData.status == PEER_CONNECTION_FAILED)
                ok = FALSE;
            break;
        default:
            break;
        }
        PeerGraphFreeData(event);
    }
    return ok;
}

static HRESULT register_events(void)
{
    PEER_GRAPH_EVENT_REGISTRATION regs[3] = {{PEER_GRAPH_EVENT_STATUS_CHANGED, NULL},
                                             {PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION, NULL},
                                             {PEER_GRAPH_EVENT_RECORD_CHANGED, (GUID *)&flood_type}};
    graph_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    return PeerGraphRegisterEvent(graph, graph_event, 3, regs, &registration);
}

static int join(int parent_port)
{
    PEER_GRAPH_PROPERTIES props = {0};
    PEER_ADDRESS address = {0};
    ULONGLONG connection = 0;
    DWORD status = 0, deadline = GetTickCount() + JOIN_TIMEOUT_MS;
    HRESULT hr;

    if (parent_port < 0)
    {
        props.dwSize = sizeof(props);
        props.dwScope = PEER_GRAPH_SCOPE_GLOBAL;
        props.pwzGraphId = graph_id;
        props.pwzCreatorId = peer_id;
        if (FAILED(hr = PeerGraphCreate(&props, database, NULL, &graph))) return fail("PeerGraphCreate", hr);
        if (FAILED(hr = register_events())) return fail("PeerGraphRegisterEvent", hr);
    }
    else
    {
        hr = PeerGraphOpen(graph_id, peer_id, database, NULL, 0, NULL, &graph);
        if (hr != PEER_S_GRAPH_DATA_CREATED) return fail("PeerGraphOpen (PEER_S_GRAPH_DATA_CREATED)", hr);
        if (FAILED(hr = register_events())) return fail("PeerGraphRegisterEvent", hr);
        address.dwSize = sizeof(address);
        address.sin6.sin6_family = AF_INET6;
        address.sin6.sin6_addr.s6_addr[15] = 1;  /* ::1 */
        address.sin6.sin6_port = swap16((USHORT)parent_port);
        if (FAILED(hr = PeerGraphConnect(graph, NULL, &address, &connection))) return fail("PeerGraphConnect", hr);
        while (!(status & PEER_GRAPH_STATUS_SYNCHRONIZED))
        {
            if (!drain(connection, &status)) return fail("the connection to the parent", PEER_E_CONNECTION_FAILED);
            if (status & PEER_GRAPH_STATUS_SYNCHRONIZED) break;
            if (past(deadline)) return fail("waiting for SYNCHRONIZED", HRESULT_FROM_WIN32(WAIT_TIMEOUT));
            WaitForSingleObject(graph_event, 100);
        }
    }
    if (listen_and_announce()) return 1;
    printf("synchronized\n");
    fflush(stdout);
    return 0;
}

/* Sleeps until about due (FILETIME ticks of the precise clock), draining events. */
static void wait_until(ULONGLONG due)
{
    DWORD status = 0;
    for (;;)
    {
        ULONGLONG now = precise_now();
        if (now >= due) return;
        drain(0, &status);
        /* Sub-millisecond precision does not matter (the time is taken
         * after the wait): no spinning that would steal the other nodes' CPU. */
        if (due - now < 10000) return;
        Sleep((DWORD)((due - now) / 10000));
    }
}

static int send_records(DWORD interval_ms)
{
    BYTE data[PAYLOAD_SIZE] = {0};
    PEER_RECORD record = {0};
    ULONGLONG start;
    DWORD status = 0;
    HRESULT hr;
    GUID id;

    while (!control_file("go"))
    {
        if (control_file("stop") || past(run_deadline)) return fail("waiting for the go file", HRESULT_FROM_WIN32(WAIT_TIMEOUT));
        drain(0, &status);
        Sleep(10);
    }
    init_record(&record, graph, &flood_type, 3600, data, sizeof(data));

    start = precise_now();
    for (ULONG seq = 0; seq < records; seq++)
    {
        struct payload p;
        wait_until(start + (ULONGLONG)seq * interval_ms * 10000);
        p.seq = seq;
        p.sent = precise_now();
        memcpy(data, &p, sizeof(p));
        if (FAILED(hr = PeerGraphAddRecord(graph, &record, &id))) return fail("PeerGraphAddRecord", hr);
        results[seq] = (double)(LONGLONG)(precise_now() - p.sent) / 10.0;
        have++;
    }
    printf("done\n");
    fflush(stdout);
    return 0;
}

static void wait_for_stop(void)
{
    DWORD status = 0;
    while (!control_file("stop") && !past(run_deadline))
    {
        drain(0, &status);
        WaitForSingleObject(graph_event, 100);
    }
    drain(0, &status);
}

static void set_names(const char *graph_name, int index)
{
    MultiByteToWideChar(CP_UTF8, 0, graph_name, -1, graph_id, ARRAYSIZE(graph_id));
    swprintf(peer_id, ARRAYSIZE(peer_id), L"node%d", index);
    swprintf(database, ARRAYSIZE(database), L"%ls-%ls", graph_id, peer_id);
}

int main(int argc, char **argv)
{
    PEER_VERSION_DATA version;
    int index, sender, result;
    DWORD interval_ms;
    HRESULT hr;

    if (argc == 4 && !strcmp(argv[1], "delete"))
    {
        set_names(argv[2], atoi(argv[3]));
        if (FAILED(hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version))) return fail("PeerGraphStartup", hr);
        hr = PeerGraphDelete(graph_id, peer_id, database);
        PeerGraphShutdown();
        return FAILED(hr) ? fail("PeerGraphDelete", hr) : 0;
    }
    if (argc != 8)
    {
        fprintf(stderr, "usage: flood-latency.exe GRAPH INDEX PARENT-PORT|- SENDER RECORDS INTERVAL-MS CONTROL-DIR\n"
                        "       flood-latency.exe delete GRAPH INDEX\n");
        return 2;
    }
    run_deadline = GetTickCount() + RUN_TIMEOUT_MS;
    index = atoi(argv[2]);
    sender = atoi(argv[4]);
    is_sender = index == sender;
    records = strtoul(argv[5], NULL, 10);
    interval_ms = strtoul(argv[6], NULL, 10);
    lstrcpynA(control_dir, argv[7], sizeof(control_dir));
    set_names(argv[1], index);
    results = malloc((records ? records : 1) * sizeof(*results));
    for (ULONG i = 0; i < records; i++) results[i] = -1;

    if (FAILED(hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version))) return fail("PeerGraphStartup", hr);
    result = join(strcmp(argv[3], "-") ? atoi(argv[3]) : -1);
    if (!result && is_sender) result = send_records(interval_ms);
    if (!result) wait_for_stop();

    for (ULONG i = 0; i < records; i++)
        if (results[i] >= 0) printf("%s %lu %.1f\n", is_sender ? "sent" : "recv", i, results[i]);
    printf("result %lu\n", have);
    fflush(stdout);
    if (!result && have != records) result = 3;

    finish();
    free(results);
    return result;
}
