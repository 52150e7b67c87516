/*
 * The API contract as real programs read it (docs/api-contract.md): calls whose
 * documentation does not say they fail on a graph that never synchronized work on one,
 * optional outputs may be NULL, and ids of the wrong kind are refused with the documented
 * code without touching anything else.
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

/*
 * Two graphs of one process, both nodes of the same graph: "alice" creates it and listens
 * on ::1; "bob" opens it (PEER_S_GRAPH_DATA_CREATED, never synchronized).  Graphs of one
 * process may talk to each other: every connection below goes from one to the other over
 * ::1, and every wait is bounded.
 *
 * PeerGraphOpen of a graph open already gives E_INVALIDARG (not PEER_E_DUPLICATE_GRAPH, which
 * its page does not list) and leaves the open one alone; a 300-character graph id opens and
 * is deleted (Open's page: such a peer "can open and connect successfully"), Create still
 * refuses it, and 4097 characters are too many for Open.  Calls on another thread racing
 * PeerGraphClose get S_OK or PEER_E_INVALID_GRAPH, never PEER_E_GRAPH_SHUTTING_DOWN (only
 * AddRecord's page lists it).
 *
 * Covered, on bob before any synchronization: GetStatus, RegisterEvent, EnumConnections,
 * the time conversions, SetNodeAttributes (GetNodeInfo(0) reports them), SetPresence,
 * SetProperties (E_ACCESSDENIED: nothing to change yet, and its page lists no
 * PEER_E_GRAPH_NOT_READY),
 * ExportDatabase, and a direct connection to alice
 * (OpenDirectConnection, data both ways, close): none of their pages lists
 * PEER_E_GRAPH_NOT_READY; GetNodeInfo of another node gives PEER_E_NODE_NOT_FOUND.
 * AddRecord, GetRecord, EnumRecords, SearchRecords, Listen and EnumNodes still refuse
 * (their pages, or PeerGraphOpen's remarks, say so).
 * PeerGraphConnect with NULL peer id and NULL pullConnectionId joins; the connection id
 * comes with NEIGHBOR_CONNECTION and EnumConnections.  OpenDirectConnection with a NULL
 * pullConnectionId too.
 *
 * ImportDatabase after Connect, and after Listen, gives PEER_E_GRAPH_IN_USE (its page); before
 * them it imports.
 *
 * Wrong kinds, each followed by a check that nothing changed: CloseDirectConnection of a
 * neighbor connection id (the neighbor still carries data both ways and is still listed);
 * a connection id of the other graph given to CloseDirectConnection and SendData (that
 * connection still works); CloseDirectConnection twice; OpenDirectConnection to the node's
 * own peer id at its own listening address (PEER_E_CONNECT_SELF, no event follows) while
 * another identity at the same address is reachable; DeleteRecord, UpdateRecord and
 * GetRecord of the Graph Info record id (bob still synchronizes from alice afterwards,
 * which needs that record).  The side that closes a direct connection gets
 * DIRECT_CONNECTION / PEER_DISCONNECTED for it, as the other side does; an attempt
 * closed at once ends in exactly one final event.
 */

#include <p2p.h>

#include "p2ptest.h"
#include "p2ptest_graph.h"

#define WAIT_MS 10000

static const GUID data_type = {0x7d1e4c02, 0x95ab, 0x4f3e, {0x8a, 0x61, 0x2c, 0x0f, 0xb7, 0x54, 0x19, 0xe3}};
static const GUID record_type = {0x41a6c0e8, 0x1b7d, 0x4c25, {0x9e, 0x03, 0x5f, 0x8a, 0x6d, 0x21, 0xc4, 0x7b}};
static const GUID graph_info_record_id =
    {0x6c796768, 0x7732, 0x406b, {0xbc, 0x6e, 0x5e, 0x9c, 0x0d, 0x86, 0x45, 0x80}};

static const WCHAR graph_id[] = L"p2ptest-contract-graph";
static const WCHAR db_name[] = L"p2ptest-contract-db";

/* One graph of this process, with its events as they came. */
struct node
{
    const char *name;
    const WCHAR *peer_id;
    HGRAPH graph;
    HANDLE event;
    HPEEREVENT registration;
    PEER_GRAPH_EVENT_DATA *events[256];
    BOOL used[256];
    unsigned int count;
    USHORT port;
};

static struct node alice, bob;

static void register_all(struct node *n)
{
    PEER_GRAPH_EVENT_REGISTRATION regs[] =
    {
        {PEER_GRAPH_EVENT_STATUS_CHANGED, NULL},
        {PEER_GRAPH_EVENT_DIRECT_CONNECTION, NULL},
        {PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION, NULL},
        {PEER_GRAPH_EVENT_INCOMING_DATA, NULL},
        {PEER_GRAPH_EVENT_RECORD_CHANGED, NULL},
    };
    HRESULT hr;

    n->event = CreateEventW(NULL, FALSE, FALSE, NULL);
    hr = PeerGraphRegisterEvent(n->graph, n->event, ARRAYSIZE(regs), regs, &n->registration);
    ok(hr == S_OK, "%s: PeerGraphRegisterEvent returned %#lx\n", n->name, hr);
}

static void drain(struct node *n)
{
    PEER_GRAPH_EVENT_DATA *data;

    while (n->count < ARRAYSIZE(n->events) && PeerGraphGetEventData(n->registration, &data) == S_OK)
    {
        n->used[n->count] = FALSE;
        n->events[n->count++] = data;
    }
}

/* The first unused event of that type (for connections: that status and, unless 0, that
 * id), waiting up to timeout; NULL when none came. */
static PEER_GRAPH_EVENT_DATA *wait_event(struct node *n, PEER_GRAPH_EVENT_TYPE type, int status, ULONGLONG id,
                                         DWORD timeout)
{
    DWORD start = GetTickCount();
    unsigned int i;

    for (;;)
    {
        drain(n);
        for (i = 0; i < n->count; i++)
        {
            PEER_GRAPH_EVENT_DATA *e = n->events[i];
            if (n->used[i] || e->eventType != type) continue;
            if (type == PEER_GRAPH_EVENT_DIRECT_CONNECTION || type == PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION)
            {
                if (status && e->connectionChangeData.status != (PEER_CONNECTION_STATUS)status) continue;
                if (id && e->connectionChangeData.ullConnectionId != id) continue;
            }
            else if (type == PEER_GRAPH_EVENT_STATUS_CHANGED)
            {
                if (status && !(e->dwStatus & status)) continue;
            }
            else if (type == PEER_GRAPH_EVENT_INCOMING_DATA)
            {
                if (id && e->incomingData.ullConnectionId != id) continue;
            }
            n->used[i] = TRUE;
            return e;
        }
        if (GetTickCount() - start >= timeout) return NULL;
        WaitForSingleObject(n->event, 100);
    }
}

/* Unused events of that type (connections: about that id, 0 = any). */
static unsigned int unused(struct node *n, PEER_GRAPH_EVENT_TYPE type, ULONGLONG id)
{
    unsigned int i, found = 0;

    drain(n);
    for (i = 0; i < n->count; i++)
    {
        PEER_GRAPH_EVENT_DATA *e = n->events[i];
        if (n->used[i] || e->eventType != type) continue;
        if (id && (type == PEER_GRAPH_EVENT_DIRECT_CONNECTION || type == PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION) &&
            e->connectionChangeData.ullConnectionId != id)
            continue;
        found++;
    }
    return found;
}

static void release(struct node *n)
{
    unsigned int i;

    for (i = 0; i < n->count; i++) PeerGraphFreeData(n->events[i]);
    n->count = 0;
    if (n->registration) PeerGraphUnregisterEvent(n->registration);
    n->registration = NULL;
    if (n->event) CloseHandle(n->event);
    n->event = NULL;
    if (n->graph) PeerGraphClose(n->graph);
    n->graph = NULL;
    PeerGraphDelete(graph_id, n->peer_id, db_name);
}

/* Is the connection with that id among what EnumConnections lists for flags? */
static BOOL listed(struct node *n, DWORD flags, ULONGLONG id)
{
    PEER_CONNECTION_INFO **items = NULL;
    HPEERENUM handle;
    ULONG count = 0, i;
    BOOL found = FALSE;
    HRESULT hr;

    hr = PeerGraphEnumConnections(n->graph, flags, &handle);
    ok(hr == S_OK, "%s: PeerGraphEnumConnections(%#lx) returned %#lx\n", n->name, flags, hr);
    if (hr != S_OK) return FALSE;
    PeerGraphGetItemCount(handle, &count);
    if (count && PeerGraphGetNextItem(handle, &count, (void ***)&items) == S_OK)
    {
        for (i = 0; i < count; i++) found = found || items[i]->ullConnectionId == id;
        PeerGraphFreeData(items);
    }
    PeerGraphEndEnumeration(handle);
    return found;
}

/* Both ends of a new connection (type NEIGHBOR_ or DIRECT_CONNECTION) report PEER_CONNECTED;
 * *from_id (when not 0, the id the call returned) and *to_id get the ids.  FALSE if either
 * did not. */
static BOOL wait_connected(PEER_GRAPH_EVENT_TYPE type, struct node *from, ULONGLONG *from_id, struct node *to,
                           ULONGLONG *to_id)
{
    PEER_GRAPH_EVENT_DATA *e;

    e = wait_event(from, type, PEER_CONNECTED, *from_id, WAIT_MS);
    ok(e != NULL, "%s: no PEER_CONNECTED (event %d)\n", from->name, type);
    *from_id = e ? e->connectionChangeData.ullConnectionId : 0;
    e = wait_event(to, type, PEER_CONNECTED, 0, WAIT_MS);
    ok(e != NULL, "%s: no PEER_CONNECTED (event %d)\n", to->name, type);
    *to_id = e ? e->connectionChangeData.ullConnectionId : 0;
    return *from_id && *to_id;
}

/* closer closes its direct connection: both ends get PEER_DISCONNECTED for their ids. */
static void close_and_check(struct node *closer, ULONGLONG id, struct node *other, ULONGLONG other_id)
{
    HRESULT hr;

    hr = PeerGraphCloseDirectConnection(closer->graph, id);
    ok(hr == S_OK, "%s: PeerGraphCloseDirectConnection returned %#lx\n", closer->name, hr);
    ok(wait_event(closer, PEER_GRAPH_EVENT_DIRECT_CONNECTION, PEER_DISCONNECTED, id, WAIT_MS) != NULL,
       "%s: the side that closed got no PEER_DISCONNECTED\n", closer->name);
    ok(wait_event(other, PEER_GRAPH_EVENT_DIRECT_CONNECTION, PEER_DISCONNECTED, other_id, WAIT_MS) != NULL,
       "%s: no PEER_DISCONNECTED\n", other->name);
}

/* from sends one message on its connection id; to must get it on its_id. */
static void check_data(struct node *from, ULONGLONG id, struct node *to, ULONGLONG its_id, BYTE value,
                       const char *what)
{
    PEER_GRAPH_EVENT_DATA *e;
    HRESULT hr;

    hr = PeerGraphSendData(from->graph, id, &data_type, 1, &value);
    ok(hr == S_OK, "%s: %s: PeerGraphSendData returned %#lx\n", from->name, what, hr);
    e = wait_event(to, PEER_GRAPH_EVENT_INCOMING_DATA, 0, its_id, WAIT_MS);
    ok(e != NULL, "%s: %s: the data did not arrive\n", to->name, what);
    if (e)
        ok(e->incomingData.data.cbData == 1 && e->incomingData.data.pbData[0] == value,
           "%s: %s: got %lu bytes\n", to->name, what, e->incomingData.data.cbData);
}

static void create_alice(void)
{
    PEER_GRAPH_PROPERTIES props;
    PEER_NODE_INFO *info = NULL;
    HRESULT hr;

    memset(&props, 0, sizeof(props));
    props.dwSize = sizeof(props);
    PeerGraphDelete(graph_id, alice.peer_id, db_name);
    PeerGraphDelete(graph_id, bob.peer_id, db_name);
    props.pwzGraphId = (WCHAR *)graph_id;
    props.pwzCreatorId = (WCHAR *)alice.peer_id;
    props.cPresenceMax = (ULONG)-1;
    hr = PeerGraphCreate(&props, db_name, NULL, &alice.graph);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    register_all(&alice);
    hr = PeerGraphListen(alice.graph, PEER_GRAPH_SCOPE_GLOBAL, 0, 0);
    ok(hr == S_OK, "alice: PeerGraphListen returned %#lx\n", hr);
    hr = PeerGraphGetNodeInfo(alice.graph, 0, &info);
    ok(hr == S_OK, "alice: PeerGraphGetNodeInfo returned %#lx\n", hr);
    if (hr == S_OK && info->cAddresses) alice.port = swap16(info->pAddresses[0].sin6.sin6_port);
    if (hr == S_OK) PeerGraphFreeData(info);
    ok(alice.port != 0, "alice listens on no port\n");
}

/* The Graph Info record is the graph's, not the application's: refused, and still there. */
static void test_graph_info_id(void)
{
    PEER_GRAPH_PROPERTIES *props = NULL;
    PEER_RECORD record, *got = NULL;
    FILETIME now, expiration;
    HRESULT hr;

    memset(&record, 0, sizeof(record));
    record.dwSize = sizeof(record);
    hr = PeerGraphDeleteRecord(alice.graph, &graph_info_record_id, FALSE);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "PeerGraphDeleteRecord(Graph Info) returned %#lx\n", hr);
    hr = PeerGraphDeleteRecord(alice.graph, &graph_info_record_id, TRUE);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "local PeerGraphDeleteRecord(Graph Info) returned %#lx\n", hr);
    hr = PeerGraphGetRecord(alice.graph, &graph_info_record_id, &got);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "PeerGraphGetRecord(Graph Info) returned %#lx\n", hr);
    GetSystemTimeAsFileTime(&now);
    expiration = ull_to_ft(ft_to_ull(&now) + 3600 * (ULONGLONG)10000000);
    PeerGraphUniversalTimeToPeerTime(alice.graph, &expiration, &record.ftExpiration);
    record.type = record_type;
    record.id = graph_info_record_id;
    hr = PeerGraphUpdateRecord(alice.graph, &record);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "PeerGraphUpdateRecord(Graph Info) returned %#lx\n", hr);
    hr = PeerGraphGetProperties(alice.graph, &props);
    ok(hr == S_OK, "PeerGraphGetProperties after the refused calls returned %#lx\n", hr);
    if (hr == S_OK)
    {
        ok(!lstrcmpW(props->pwzGraphId, graph_id), "graph id %s\n", dbgstr_w(props->pwzGraphId));
        PeerGraphFreeData(props);
    }
}

/* A search query of more than a million characters is refused as a query, before it is
 * copied (its page: PEER_E_INVALID_SEARCH for a query that is not valid). */
static void test_long_query(void)
{
    const size_t chars = 1000001;
    HPEERENUM handle = NULL;
    WCHAR *query = HeapAlloc(GetProcessHeap(), 0, (chars + 1) * sizeof(WCHAR));
    size_t i;
    HRESULT hr;

    if (!query) return;
    for (i = 0; i < chars; i++) query[i] = 'a';
    query[chars] = 0;
    hr = PeerGraphSearchRecords(alice.graph, query, &handle);
    ok(hr == PEER_E_INVALID_SEARCH || broken(hr == E_INVALIDARG), "PeerGraphSearchRecords of %lu characters returned %#lx\n",
       (unsigned long)chars, hr);
    if (hr == S_OK) PeerGraphEndEnumeration(handle);
    HeapFree(GetProcessHeap(), 0, query);
}

/* PeerGraphOpen: a graph open already is no reason for a code its page does not list, and
 * a long graph id opens (its page: such a peer "can open and connect successfully"). */
static void test_open(void)
{
    WCHAR long_id[4100];
    PEER_GRAPH_PROPERTIES props;
    HGRAPH graph = NULL;
    DWORD status = 0;
    int i;
    HRESULT hr;

    hr = PeerGraphOpen(graph_id, alice.peer_id, db_name, NULL, 0, NULL, &graph);
    ok(hr == E_INVALIDARG || broken(hr == S_OK), "second PeerGraphOpen of an open graph returned %#lx\n", hr);
    if (SUCCEEDED(hr)) PeerGraphClose(graph);
    hr = PeerGraphGetStatus(alice.graph, &status);
    ok(hr == S_OK && (status & PEER_GRAPH_STATUS_LISTENING), "alice after the second Open: %#lx, %#lx\n", hr, status);

    for (i = 0; i < 300; i++) long_id[i] = 'a' + i % 26;
    long_id[300] = 0;
    PeerGraphDelete(long_id, bob.peer_id, db_name);
    graph = NULL;
    hr = PeerGraphOpen(long_id, bob.peer_id, db_name, NULL, 0, NULL, &graph);
    ok(hr == PEER_S_GRAPH_DATA_CREATED, "PeerGraphOpen of a 300-character graph id returned %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        hr = PeerGraphClose(graph);
        ok(hr == S_OK, "PeerGraphClose returned %#lx\n", hr);
    }
    hr = PeerGraphDelete(long_id, bob.peer_id, db_name);
    ok(hr == S_OK, "PeerGraphDelete of a 300-character graph id returned %#lx\n", hr);
    /* Create keeps the documented limit: "must not be more than 256 characters, including the NULL". */
    memset(&props, 0, sizeof(props));
    props.dwSize = sizeof(props);
    props.pwzGraphId = long_id;
    props.pwzCreatorId = (WCHAR *)bob.peer_id;
    graph = NULL;
    hr = PeerGraphCreate(&props, db_name, NULL, &graph);
    ok(hr == E_INVALIDARG, "PeerGraphCreate of a 300-character graph id returned %#lx\n", hr);
    if (SUCCEEDED(hr)) PeerGraphClose(graph);
    /* Bounded all the same. */
    for (i = 300; i < 4097; i++) long_id[i] = 'a' + i % 26;
    long_id[4097] = 0;
    hr = PeerGraphOpen(long_id, bob.peer_id, db_name, NULL, 0, NULL, &graph);
    ok(hr == E_INVALIDARG, "PeerGraphOpen of a 4097-character graph id returned %#lx\n", hr);
}

/* Calls racing PeerGraphClose on another thread see the graph or an invalid handle: only
 * PeerGraphAddRecord lists PEER_E_GRAPH_SHUTTING_DOWN. */
struct racer
{
    HGRAPH graph;
    volatile LONG stop;
    HRESULT unexpected;
    unsigned int calls;
};

static DWORD WINAPI race_close(void *arg)
{
    struct racer *r = arg;
    PEER_NODE_INFO *info;
    HPEERENUM handle;
    DWORD status;
    HRESULT hr;

    while (!r->stop)
    {
        hr = PeerGraphGetStatus(r->graph, &status);
        if (hr != S_OK && hr != PEER_E_INVALID_GRAPH) r->unexpected = hr;
        hr = PeerGraphEnumConnections(r->graph, PEER_CONNECTION_DIRECT, &handle);
        if (hr == S_OK) PeerGraphEndEnumeration(handle);
        else if (hr != PEER_E_INVALID_GRAPH) r->unexpected = hr;
        hr = PeerGraphGetNodeInfo(r->graph, 0, &info);
        if (hr == S_OK) PeerGraphFreeData(info);
        else if (hr != PEER_E_INVALID_GRAPH) r->unexpected = hr;
        r->calls++;
    }
    return 0;
}

#define RACERS 4

static void test_close_race(void)
{
    static const WCHAR race_peer[] = L"p2ptest-contract-racer";
    struct racer r[RACERS];
    HANDLE threads[RACERS];
    HGRAPH graph;
    int round, i;
    HRESULT hr;

    for (round = 0; round < 50; round++)
    {
        hr = PeerGraphOpen(graph_id, race_peer, db_name, NULL, 0, NULL, &graph);
        ok(SUCCEEDED(hr), "PeerGraphOpen returned %#lx\n", hr);
        if (FAILED(hr)) return;
        memset(r, 0, sizeof(r));
        for (i = 0; i < RACERS; i++)
        {
            r[i].graph = graph;
            threads[i] = CreateThread(NULL, 0, race_close, &r[i], 0, NULL);
        }
        Sleep(round % 4);
        hr = PeerGraphClose(graph);
        ok(hr == S_OK, "PeerGraphClose returned %#lx\n", hr);
        Sleep(2);
        for (i = 0; i < RACERS; i++) r[i].stop = 1;
        WaitForMultipleObjects(RACERS, threads, TRUE, WAIT_MS);
        for (i = 0; i < RACERS; i++)
        {
            CloseHandle(threads[i]);
            ok(r[i].unexpected == S_OK, "round %d: a call racing PeerGraphClose returned %#lx\n", round,
               r[i].unexpected);
        }
    }
    PeerGraphDelete(graph_id, race_peer, db_name);
}

/* What a graph that never synchronized can do. */
static void test_never_synchronized(void)
{
    static const WCHAR attributes[] = L"waiting to join";
    PEER_NODE_INFO *info = NULL;
    PEER_GRAPH_PROPERTIES props;
    PEER_RECORD record, *got = NULL;
    HPEERENUM handle;
    PEER_ADDRESS address;
    FILETIME now, peer;
    ULONGLONG direct = 0, alice_side = 0;
    WCHAR path[MAX_PATH];
    DWORD status = 0xdeadbeef;
    GUID id;
    HRESULT hr;

    memset(&record, 0, sizeof(record));
    record.dwSize = sizeof(record);
    hr = PeerGraphOpen(graph_id, bob.peer_id, db_name, NULL, 0, NULL, &bob.graph);
    ok(hr == PEER_S_GRAPH_DATA_CREATED, "PeerGraphOpen returned %#lx\n", hr);
    if (FAILED(hr)) return;
    register_all(&bob);

    hr = PeerGraphGetStatus(bob.graph, &status);
    ok(hr == S_OK && !(status & PEER_GRAPH_STATUS_SYNCHRONIZED), "GetStatus: %#lx, status %#lx\n", hr, status);
    GetSystemTimeAsFileTime(&now);
    hr = PeerGraphUniversalTimeToPeerTime(bob.graph, &now, &peer);
    ok(hr == S_OK, "PeerGraphUniversalTimeToPeerTime returned %#lx\n", hr);
    hr = PeerGraphPeerTimeToUniversalTime(bob.graph, &peer, &now);
    ok(hr == S_OK, "PeerGraphPeerTimeToUniversalTime returned %#lx\n", hr);
    ok(!listed(&bob, PEER_CONNECTION_NEIGHBOR | PEER_CONNECTION_DIRECT, 0), "connections listed\n");

    hr = PeerGraphSetNodeAttributes(bob.graph, attributes);
    ok(hr == S_OK, "PeerGraphSetNodeAttributes returned %#lx\n", hr);
    hr = PeerGraphGetNodeInfo(bob.graph, 0, &info);
    ok(hr == S_OK, "PeerGraphGetNodeInfo(0) returned %#lx\n", hr);
    if (hr == S_OK)
    {
        ok(info->pwzAttributes && !lstrcmpW(info->pwzAttributes, attributes), "attributes %s\n",
           dbgstr_w(info->pwzAttributes));
        PeerGraphFreeData(info);
    }
    info = NULL;
    hr = PeerGraphGetNodeInfo(bob.graph, 0x1234567890abcdefull, &info);
    ok(hr == PEER_E_NODE_NOT_FOUND, "PeerGraphGetNodeInfo(another node) returned %#lx\n", hr);
    if (hr == S_OK) PeerGraphFreeData(info);
    /* Nothing to change yet: E_ACCESSDENIED, the code its page has for "cannot access". */
    memset(&props, 0, sizeof(props));
    props.dwSize = sizeof(props);
    props.pwzFriendlyName = (WCHAR *)L"renamed";
    hr = PeerGraphSetProperties(bob.graph, &props);
    ok(hr == E_ACCESSDENIED || broken(hr == PEER_E_GRAPH_NOT_READY), "PeerGraphSetProperties returned %#lx\n", hr);
    hr = PeerGraphSetPresence(bob.graph, TRUE);
    ok(hr == S_OK, "PeerGraphSetPresence(TRUE) returned %#lx\n", hr);
    hr = PeerGraphSetPresence(bob.graph, FALSE);
    ok(hr == S_OK, "PeerGraphSetPresence(FALSE) returned %#lx\n", hr);

    GetTempPathW(MAX_PATH, path);
    lstrcatW(path, L"p2ptest-contract-export.db");
    DeleteFileW(path);
    hr = PeerGraphExportDatabase(bob.graph, path);
    ok(hr == S_OK, "PeerGraphExportDatabase returned %#lx\n", hr);
    DeleteFileW(path);

    /* Documented as needing a synchronized graph: still refused.  EnumNodes' page: "not
     * synchronized completely, and the nodes cannot be enumerated"; PeerGraphOpen's remarks:
     * Listen and "any of the record management functions" fail until then (the "Graphing
     * API Functions" page counts EnumRecords and SearchRecords among them). */
    hr = PeerGraphEnumNodes(bob.graph, NULL, &handle);
    ok(hr == PEER_E_GRAPH_NOT_READY, "PeerGraphEnumNodes returned %#lx\n", hr);
    if (hr == S_OK) PeerGraphEndEnumeration(handle);
    hr = PeerGraphEnumRecords(bob.graph, NULL, NULL, &handle);
    ok(hr == PEER_E_GRAPH_NOT_READY, "PeerGraphEnumRecords returned %#lx\n", hr);
    if (hr == S_OK) PeerGraphEndEnumeration(handle);
    hr = PeerGraphSearchRecords(bob.graph, L"<peersearch><clause attrib=\"peercreatorid\" type=\"string\" "
                                L"compare=\"equal\">nobody</clause></peersearch>", &handle);
    ok(hr == PEER_E_GRAPH_NOT_READY, "PeerGraphSearchRecords returned %#lx\n", hr);
    if (hr == S_OK) PeerGraphEndEnumeration(handle);
    record.type = record_type;
    record.ftExpiration = ull_to_ft(ft_to_ull(&peer) + 3600 * (ULONGLONG)10000000);
    hr = PeerGraphAddRecord(bob.graph, &record, &id);
    ok(hr == PEER_E_GRAPH_NOT_READY, "PeerGraphAddRecord returned %#lx\n", hr);
    hr = PeerGraphGetRecord(bob.graph, &graph_info_record_id, &got);
    ok(hr == PEER_E_GRAPH_NOT_READY, "PeerGraphGetRecord returned %#lx\n", hr);
    hr = PeerGraphListen(bob.graph, PEER_GRAPH_SCOPE_GLOBAL, 0, 0);
    ok(hr == PEER_E_GRAPH_NOT_READY, "PeerGraphListen returned %#lx\n", hr);

    /* A direct connection needs no synchronized data; a NULL pullConnectionId is fine. */
    loopback_address(&address, alice.port);
    hr = PeerGraphOpenDirectConnection(bob.graph, alice.peer_id, &address, NULL);
    ok(hr == S_OK, "PeerGraphOpenDirectConnection(NULL id) returned %#lx\n", hr);
    if (!wait_connected(PEER_GRAPH_EVENT_DIRECT_CONNECTION, &bob, &direct, &alice, &alice_side)) return;
    ok(listed(&bob, PEER_CONNECTION_DIRECT, direct), "bob does not list its direct connection\n");
    check_data(&bob, direct, &alice, alice_side, 1, "unsynchronized to alice");
    check_data(&alice, alice_side, &bob, direct, 2, "alice to unsynchronized");

    /* Closed by bob: both sides hear of it, once. */
    close_and_check(&bob, direct, &alice, alice_side);
    hr = PeerGraphCloseDirectConnection(bob.graph, direct);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "second PeerGraphCloseDirectConnection returned %#lx\n", hr);
    Sleep(300);
    ok(!unused(&bob, PEER_GRAPH_EVENT_DIRECT_CONNECTION, direct), "bob: more events about the closed connection\n");
    ok(!listed(&bob, PEER_CONNECTION_DIRECT, direct), "bob still lists the closed connection\n");
}

/* Joining with NULL peer id and NULL pullConnectionId, then ids of the wrong kind. */
static void test_wrong_kinds(void)
{
    PEER_GRAPH_EVENT_DATA *e;
    PEER_ADDRESS address;
    ULONGLONG neighbor = 0, alice_neighbor = 0, direct = 0, alice_direct = 0, id = 0;
    WCHAR path[MAX_PATH];
    HRESULT hr;

    if (!bob.graph) return;
    loopback_address(&address, alice.port);
    hr = PeerGraphConnect(bob.graph, NULL, &address, NULL);
    ok(hr == S_OK, "PeerGraphConnect(NULL, NULL) returned %#lx\n", hr);
    if (!wait_connected(PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION, &bob, &neighbor, &alice, &alice_neighbor)) return;
    ok(wait_event(&bob, PEER_GRAPH_EVENT_STATUS_CHANGED, PEER_GRAPH_STATUS_SYNCHRONIZED, 0, WAIT_MS) != NULL,
       "bob did not synchronize (the Graph Info record must have survived the refused calls)\n");
    ok(listed(&bob, PEER_CONNECTION_NEIGHBOR, neighbor), "EnumConnections does not list the neighbor id\n");

    /* ImportDatabase "can only be called if the application has not yet called the
     * PeerGraphListen or PeerGraphConnect function": PEER_E_GRAPH_IN_USE, nothing imported. */
    GetTempPathW(MAX_PATH, path);
    lstrcatW(path, L"p2ptest-contract-import.db");
    hr = PeerGraphExportDatabase(bob.graph, path);
    ok(hr == S_OK, "PeerGraphExportDatabase returned %#lx\n", hr);
    hr = PeerGraphImportDatabase(bob.graph, path);
    ok(hr == PEER_E_GRAPH_IN_USE, "PeerGraphImportDatabase after Connect returned %#lx\n", hr);
    DeleteFileW(path);

    /* A neighbor connection is no direct connection: refused, and it keeps working. */
    hr = PeerGraphCloseDirectConnection(bob.graph, neighbor);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "CloseDirectConnection(neighbor id) returned %#lx\n", hr);
    hr = PeerGraphCloseDirectConnection(alice.graph, alice_neighbor);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "alice: CloseDirectConnection(neighbor id) returned %#lx\n", hr);
    check_data(&bob, neighbor, &alice, alice_neighbor, 3, "neighbor after CloseDirectConnection");
    check_data(&alice, alice_neighbor, &bob, neighbor, 4, "neighbor after CloseDirectConnection");
    ok(listed(&bob, PEER_CONNECTION_NEIGHBOR, neighbor), "bob no longer lists the neighbor\n");
    ok(listed(&alice, PEER_CONNECTION_NEIGHBOR, alice_neighbor), "alice no longer lists the neighbor\n");
    ok(!unused(&bob, PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION, neighbor), "bob: events about the neighbor\n");
    ok(!unused(&alice, PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION, alice_neighbor), "alice: events about the neighbor\n");

    /* bob listens now, on alice's port (graphs of one process may share one); a direct
     * connection from alice to bob there, its ids then used on the wrong graph. */
    hr = PeerGraphListen(bob.graph, PEER_GRAPH_SCOPE_GLOBAL, 0, alice.port);
    ok(hr == S_OK, "bob: PeerGraphListen after synchronizing returned %#lx\n", hr);
    hr = PeerGraphOpenDirectConnection(alice.graph, bob.peer_id, &address, &id);
    ok(hr == S_OK, "alice: PeerGraphOpenDirectConnection to bob returned %#lx\n", hr);
    alice_direct = id;
    if (!wait_connected(PEER_GRAPH_EVENT_DIRECT_CONNECTION, &alice, &alice_direct, &bob, &direct)) return;
    if (direct != alice_direct)
    {
        hr = PeerGraphCloseDirectConnection(alice.graph, direct);
        ok(hr == PEER_E_CONNECTION_NOT_FOUND, "CloseDirectConnection(the other graph's id) returned %#lx\n", hr);
        hr = PeerGraphSendData(alice.graph, direct, &data_type, 1, (void *)&data_type);
        ok(hr == PEER_E_CONNECTION_NOT_FOUND, "SendData(the other graph's id) returned %#lx\n", hr);
    }
    check_data(&alice, alice_direct, &bob, direct, 5, "direct after wrong-graph calls");
    check_data(&bob, direct, &alice, alice_direct, 6, "direct after wrong-graph calls");
    /* Data for the direct connection stays off the neighbor connection. */
    ok(!unused(&bob, PEER_GRAPH_EVENT_INCOMING_DATA, 0), "bob: data arrived twice\n");

    /* Ourselves at our own address: refused at once, no attempt made (bob's identity at the
     * same address was no "self" for alice above). */
    hr = PeerGraphOpenDirectConnection(alice.graph, alice.peer_id, &address, &id);
    ok(hr == PEER_E_CONNECT_SELF, "OpenDirectConnection to ourselves returned %#lx\n", hr);
    Sleep(300);
    ok(unused(&alice, PEER_GRAPH_EVENT_DIRECT_CONNECTION, 0) == 0, "alice: an event for the refused attempt\n");

    /* Closed by alice this time: both hear of it. */
    close_and_check(&alice, alice_direct, &bob, direct);
    /* The neighbor connection lives on. */
    check_data(&bob, neighbor, &alice, alice_neighbor, 7, "neighbor after the direct connection closed");

    /* Closed at once, most likely before it connected: the id still ends in exactly one
     * PEER_CONNECTION_FAILED or (had it connected already) PEER_DISCONNECTED. */
    hr = PeerGraphOpenDirectConnection(alice.graph, bob.peer_id, &address, &id);
    ok(hr == S_OK, "PeerGraphOpenDirectConnection returned %#lx\n", hr);
    hr = PeerGraphCloseDirectConnection(alice.graph, id);
    ok(hr == S_OK, "PeerGraphCloseDirectConnection of a new attempt returned %#lx\n", hr);
    e = wait_event(&alice, PEER_GRAPH_EVENT_DIRECT_CONNECTION, 0, id, WAIT_MS);
    if (e && e->connectionChangeData.status == PEER_CONNECTED)
        e = wait_event(&alice, PEER_GRAPH_EVENT_DIRECT_CONNECTION, 0, id, WAIT_MS);
    ok(e && (e->connectionChangeData.status == PEER_CONNECTION_FAILED ||
             e->connectionChangeData.status == PEER_DISCONNECTED),
       "closing an attempt: status %d\n", e ? (int)e->connectionChangeData.status : -1);
    Sleep(300);
    ok(!unused(&alice, PEER_GRAPH_EVENT_DIRECT_CONNECTION, id), "more events about the closed attempt\n");
}

/* bob's synchronized database, opened again: an import is taken before Listen, not after. */
static void test_import_after_listen(void)
{
    WCHAR path[MAX_PATH];
    HGRAPH graph = NULL;
    HRESULT hr;

    if (!bob.graph) return;
    GetTempPathW(MAX_PATH, path);
    lstrcatW(path, L"p2ptest-contract-listen.db");
    hr = PeerGraphExportDatabase(bob.graph, path);
    ok(hr == S_OK, "PeerGraphExportDatabase returned %#lx\n", hr);
    hr = PeerGraphUnregisterEvent(bob.registration);
    ok(hr == S_OK, "PeerGraphUnregisterEvent returned %#lx\n", hr);
    bob.registration = NULL;
    hr = PeerGraphClose(bob.graph);
    ok(hr == S_OK, "PeerGraphClose returned %#lx\n", hr);
    bob.graph = NULL;
    hr = PeerGraphOpen(graph_id, bob.peer_id, db_name, NULL, 0, NULL, &graph);
    ok(hr == S_OK, "PeerGraphOpen of the synchronized database returned %#lx\n", hr);
    if (hr == S_OK)
    {
        hr = PeerGraphImportDatabase(graph, path);
        ok(hr == S_OK, "PeerGraphImportDatabase before Listen returned %#lx\n", hr);
        hr = PeerGraphListen(graph, PEER_GRAPH_SCOPE_GLOBAL, 0, 0);
        ok(hr == S_OK, "PeerGraphListen returned %#lx\n", hr);
        hr = PeerGraphImportDatabase(graph, path);
        ok(hr == PEER_E_GRAPH_IN_USE, "PeerGraphImportDatabase after Listen returned %#lx\n", hr);
        bob.graph = graph;
    }
    DeleteFileW(path);
}

START_TEST(contract)
{
    PEER_VERSION_DATA version;
    HRESULT hr;

    alice.name = "alice";
    alice.peer_id = L"p2ptest-contract-alice";
    bob.name = "bob";
    bob.peer_id = L"p2ptest-contract-bob";
    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    create_alice();
    test_graph_info_id();
    test_long_query();
    test_open();
    test_close_race();
    test_never_synchronized();
    test_wrong_kinds();
    test_import_after_listen();
    release(&bob);
    release(&alice);
    PeerGraphShutdown();
}
