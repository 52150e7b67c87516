/*
 * Benchmark: streaming PeerGraphSendData over a direct connection (a Windows program run under Wine)
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
 *   direct-throughput.exe receive GRAPH
 *   direct-throughput.exe send GRAPH PORT SECONDS SIZE [SIZE...]
 *
 * The receiver creates GRAPH as peer "receiver", listens, prints
 * "listening PORT" and counts the PEER_GRAPH_EVENT_INCOMING_DATA events it
 * drains.  The sender creates GRAPH as peer "sender", opens a direct
 * connection to [::1]:PORT and, for each SIZE, announces the phase, streams
 * messages of SIZE bytes for SECONDS, tells how many it sent and their
 * checksum and waits for the receiver's answer.  The receiver reads every
 * byte it is handed (checksum.h).  Per phase it prints
 *   "api SIZE RECEIVED BYTES SECONDS SENT GAPS SUM"
 * SECONDS from the first data message of the phase to the last, GAPS the
 * sequence numbers that never arrived, SUM "ok" when the checksum of what
 * arrived is that of what was sent (else "bad").  Both delete their graph at the end. */

#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <p2p.h>

#define BENCH_NAME "direct-throughput"
#include "bench_win.h"
#include "checksum.h"

static const GUID data_type = {0x3b0d6f52, 0x8c1e, 0x4a97, {0xb2, 0x64, 0x1f, 0x5a, 0x93, 0xc0, 0x7e, 0x21}};
static const GUID control_type = {0x3b0d6f53, 0x8c1e, 0x4a97, {0xb2, 0x64, 0x1f, 0x5a, 0x93, 0xc0, 0x7e, 0x21}};

/* Control messages, both ways. */
struct control
{
    DWORD what;         /* START, END or DONE */
    DWORD size;         /* message size of the phase */
    ULONGLONG count;    /* END: messages sent */
    struct bench_sum sum; /* END: the checksum of the messages sent */
};
enum { START = 1, END = 2, DONE = 3 };

#define CONNECT_TIMEOUT_MS 30000

static HRESULT start(const char *graph_name, const WCHAR *peer)
{
    PEER_GRAPH_EVENT_REGISTRATION regs[2] = {{PEER_GRAPH_EVENT_DIRECT_CONNECTION, NULL},
                                             {PEER_GRAPH_EVENT_INCOMING_DATA, NULL}};
    PEER_GRAPH_PROPERTIES props = {0};
    PEER_VERSION_DATA version;
    HRESULT hr;

    MultiByteToWideChar(CP_UTF8, 0, graph_name, -1, graph_id, ARRAYSIZE(graph_id));
    lstrcpynW(peer_id, peer, ARRAYSIZE(peer_id));
    swprintf(database, ARRAYSIZE(database), L"bench-%ls", peer);
    if (FAILED(hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version))) return hr;
    props.dwSize = sizeof(props);
    props.dwScope = PEER_GRAPH_SCOPE_GLOBAL;
    props.pwzGraphId = graph_id;
    props.pwzCreatorId = peer_id;
    if (FAILED(hr = PeerGraphCreate(&props, database, bench_security(), &graph))) return hr;
    graph_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    return PeerGraphRegisterEvent(graph, graph_event, 2, regs, &registration);
}

/* The next event, waiting up to timeout_ms; NULL if none came. */
static PEER_GRAPH_EVENT_DATA *next_event(DWORD timeout_ms)
{
    PEER_GRAPH_EVENT_DATA *event;
    for (;;)
    {
        if (PeerGraphGetEventData(registration, &event) == S_OK) return event;
        if (WaitForSingleObject(graph_event, timeout_ms) != WAIT_OBJECT_0) return NULL;
    }
}

static int receive(void)
{
    PEER_GRAPH_EVENT_DATA *event;
    ULONGLONG received = 0, bytes = 0, next_seq = 0, gaps = 0, connection = 0;
    struct bench_sum sum = {0, 0};
    double first = 0, last = 0;
    DWORD size = 0;
    HRESULT hr;

    if (listen_and_announce()) return 1;

    while ((event = next_event(INFINITE)))
    {
        if (event->eventType == PEER_GRAPH_EVENT_DIRECT_CONNECTION)
        {
            if (event->connectionChangeData.status == PEER_CONNECTED)
                connection = event->connectionChangeData.ullConnectionId;
            else if (event->connectionChangeData.ullConnectionId == connection)
            {
                PeerGraphFreeData(event);
                break;  /* the sender is done */
            }
        }
        else if (event->eventType == PEER_GRAPH_EVENT_INCOMING_DATA)
        {
            const PEER_EVENT_INCOMING_DATA *in = &event->incomingData;
            if (IsEqualGUID(&in->type, &data_type))
            {
                ULONGLONG seq;
                last = now_seconds();
                if (!received++) first = last;
                bytes += in->data.cbData;
                bench_sum_bytes(&sum, in->data.pbData, in->data.cbData);
                memcpy(&seq, in->data.pbData, sizeof(seq));
                if (seq != next_seq) gaps += seq > next_seq ? seq - next_seq : 0;
                next_seq = seq + 1;
            }
            else if (IsEqualGUID(&in->type, &control_type) && in->data.cbData == sizeof(struct control))
            {
                struct control c;
                memcpy(&c, in->data.pbData, sizeof(c));
                if (c.what == START)
                {
                    size = c.size;
                    received = bytes = next_seq = gaps = 0;
                    sum.a = sum.b = 0;
                }
                else if (c.what == END)
                {
                    printf("api %lu %llu %llu %.6f %llu %llu %s\n", (unsigned long)size, received, bytes,
                           last - first, c.count, gaps + (c.count > next_seq ? c.count - next_seq : 0),
                           sum.a == c.sum.a && sum.b == c.sum.b ? "ok" : "bad");
                    fflush(stdout);
                    c.what = DONE;
                    if (FAILED(hr = PeerGraphSendData(graph, in->ullConnectionId, &control_type, sizeof(c), &c)))
                        fail("PeerGraphSendData (done)", hr);
                }
            }
        }
        PeerGraphFreeData(event);
    }
    return 0;
}

static int send_phase(ULONGLONG connection, DWORD size, double seconds)
{
    struct control c = {START, size, 0, {0, 0}};
    struct bench_sum base = {0, 0};
    PEER_GRAPH_EVENT_DATA *event;
    BYTE *payload = malloc(size);
    ULONGLONG seq = 0;
    double deadline;
    HRESULT hr;

    for (DWORD i = 0; i < size; i++) payload[i] = i < sizeof(seq) ? 0 : (BYTE)(i * 7);
    bench_sum_bytes(&base, payload, size);
    if (FAILED(hr = PeerGraphSendData(graph, connection, &control_type, sizeof(c), &c)))
        return fail("PeerGraphSendData (start)", hr);
    deadline = now_seconds() + seconds;
    do
    {
        memcpy(payload, &seq, sizeof(seq));
        if (FAILED(hr = PeerGraphSendData(graph, connection, &data_type, size, payload)))
            return fail("PeerGraphSendData", hr);
        bench_sum_with_seq(&c.sum, &base, size, seq);
        seq++;
    } while (now_seconds() < deadline);
    c.what = END;
    c.count = seq;
    if (FAILED(hr = PeerGraphSendData(graph, connection, &control_type, sizeof(c), &c)))
        return fail("PeerGraphSendData (end)", hr);
    free(payload);

    /* The receiver answers once it has drained everything of the phase. */
    while ((event = next_event(CONNECT_TIMEOUT_MS + (DWORD)(seconds * 10000))))
    {
        BOOL done = event->eventType == PEER_GRAPH_EVENT_INCOMING_DATA &&
                    IsEqualGUID(&event->incomingData.type, &control_type);
        BOOL lost = event->eventType == PEER_GRAPH_EVENT_DIRECT_CONNECTION &&
                    event->connectionChangeData.status != PEER_CONNECTED;
        PeerGraphFreeData(event);
        if (done) return 0;
        if (lost) return fail("the connection", PEER_E_CONNECTION_FAILED);
    }
    return fail("waiting for the receiver", HRESULT_FROM_WIN32(WAIT_TIMEOUT));
}

static int send_all(int port, double seconds, int nsizes, char **sizes)
{
    PEER_ADDRESS address = {0};
    PEER_GRAPH_EVENT_DATA *event;
    ULONGLONG connection = 0;
    BOOL connected = FALSE;
    HRESULT hr;
    int result = 0;

    address.dwSize = sizeof(address);
    address.sin6.sin6_family = AF_INET6;
    address.sin6.sin6_addr.s6_addr[15] = 1;  /* ::1 */
    address.sin6.sin6_port = (USHORT)(((port & 0xff) << 8) | ((port >> 8) & 0xff));
    if (FAILED(hr = PeerGraphOpenDirectConnection(graph, L"receiver", &address, &connection)))
        return fail("PeerGraphOpenDirectConnection", hr);
    while (!connected && (event = next_event(CONNECT_TIMEOUT_MS)))
    {
        if (event->eventType == PEER_GRAPH_EVENT_DIRECT_CONNECTION &&
            event->connectionChangeData.ullConnectionId == connection)
        {
            if (event->connectionChangeData.status != PEER_CONNECTED)
            {
                hr = event->connectionChangeData.hrConnectionFailedReason;
                PeerGraphFreeData(event);
                return fail("the direct connection", hr);
            }
            connected = TRUE;
        }
        PeerGraphFreeData(event);
    }
    if (!connected) return fail("waiting for the connection", HRESULT_FROM_WIN32(WAIT_TIMEOUT));

    for (int i = 0; i < nsizes && !result; i++)
        result = send_phase(connection, strtoul(sizes[i], NULL, 10), seconds);
    PeerGraphCloseDirectConnection(graph, connection);
    return result;
}

int main(int argc, char **argv)
{
    int result;
    HRESULT hr;

    if (argc == 3 && !strcmp(argv[1], "receive"))
    {
        if (FAILED(hr = start(argv[2], L"receiver"))) return fail("start-up", hr);
        result = receive();
    }
    else if (argc >= 6 && !strcmp(argv[1], "send"))
    {
        for (int i = 5; i < argc; i++)
            if (strtoul(argv[i], NULL, 10) < sizeof(ULONGLONG)) return fail("message size (at least 8)", E_INVALIDARG);
        if (FAILED(hr = start(argv[2], L"sender"))) return fail("start-up", hr);
        result = send_all(atoi(argv[3]), atof(argv[4]), argc - 5, argv + 5);
    }
    else
    {
        fprintf(stderr, "usage: direct-throughput.exe receive GRAPH\n"
                        "       direct-throughput.exe send GRAPH PORT SECONDS SIZE [SIZE...]\n");
        return 2;
    }
    finish();
    return result;
}
