/*
 * Direct connection argument and handle validation tests:
 * PeerGraphCloseDirectConnection, PeerGraphSendData, PeerGraphOpenDirectConnection
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

/* Nothing here may reach the network: OpenDirectConnection is only called with handles that
 * must be rejected before any connection attempt. */

#include <p2p.h>

#include "p2ptest.h"
#include "p2ptest_graph.h"

/* an application data type; not the reserved ping type of the protocol */
static const GUID test_data_type =
    {0x5e9a6c2d, 0x13f4, 0x4b8e, {0xa1, 0x70, 0x2c, 0x94, 0x3b, 0xd6, 0x08, 0x5f}};

/* connection ids the library has never handed out */
#define UNKNOWN_CONNECTION_ID  (((ULONGLONG)0x7a3c51e9 << 32) | 0x0d62b84f)
#define UNKNOWN_CONNECTION_ID2 (~(ULONGLONG)0)

static WCHAR peer_id[] = L"p2ptest-direct-peer";
static WCHAR remote_peer_id[] = L"p2ptest-direct-remote";
static WCHAR friendly_name[] = L"p2ptest direct";
static struct test_graph direct_graph;

/* Checks all three functions against one handle that is not a graph. */
static void check_not_a_graph(HGRAPH handle, HRESULT expect, const char *what)
{
    BYTE data[4] = {1, 2, 3, 4};
    ULONGLONG connection = 0xdeadbeef;
    PEER_ADDRESS address;
    HRESULT hr;

    /* never used: every call below fails before connecting */
    loopback_address(&address, 3587);

    hr = PeerGraphCloseDirectConnection(handle, UNKNOWN_CONNECTION_ID);
    ok(hr == expect, "%s: PeerGraphCloseDirectConnection returned %#lx\n", what, hr);
    hr = PeerGraphCloseDirectConnection(handle, 1);
    ok(hr == expect, "%s: PeerGraphCloseDirectConnection(1) returned %#lx\n", what, hr);
    hr = PeerGraphSendData(handle, UNKNOWN_CONNECTION_ID, &test_data_type, sizeof(data), data);
    ok(hr == expect, "%s: PeerGraphSendData returned %#lx\n", what, hr);
    hr = PeerGraphOpenDirectConnection(handle, remote_peer_id, &address, &connection);
    ok(hr == expect, "%s: PeerGraphOpenDirectConnection returned %#lx\n", what, hr);
}

static void test_not_initialized(const char *when)
{
    HGRAPH garbage = (HGRAPH)0xdeadbeef;
    HRESULT hr;

    check_not_a_graph(NULL, PEER_E_NOT_INITIALIZED, when);
    check_not_a_graph(garbage, PEER_E_NOT_INITIALIZED, when);
    hr = PeerGraphCloseDirectConnection(NULL, 0);
    ok(hr == PEER_E_NOT_INITIALIZED, "%s: PeerGraphCloseDirectConnection(NULL, 0) returned %#lx\n", when, hr);
}

static void test_invalid_graph_handles(void)
{
    ULONG_PTR local[BAD_HANDLE_LOCALS];
    void *handles[BAD_HANDLE_COUNT];
    unsigned int i;
    HRESULT hr;

    /* a NULL graph handle is a bad argument */
    hr = PeerGraphCloseDirectConnection(NULL, UNKNOWN_CONNECTION_ID);
    ok(hr == E_INVALIDARG || broken(hr == PEER_E_INVALID_GRAPH),
       "PeerGraphCloseDirectConnection(NULL) returned %#lx\n", hr);
    hr = PeerGraphCloseDirectConnection(NULL, 1);
    ok(hr == E_INVALIDARG || broken(hr == PEER_E_INVALID_GRAPH),
       "PeerGraphCloseDirectConnection(NULL, 1) returned %#lx\n", hr);

    make_bad_handles(handles, local);
    for (i = 0; i < ARRAYSIZE(handles); i++)
    {
        char what[64];

        snprintf(what, sizeof(what), "handle %p", handles[i]);
        check_not_a_graph(handles[i], PEER_E_INVALID_GRAPH, what);
    }
    check_untouched(local);
}

static void test_graph(HGRAPH graph)
{
    BYTE data[4] = {1, 2, 3, 4};
    HRESULT hr;

    /* 0 is never a connection id */
    hr = PeerGraphCloseDirectConnection(graph, 0);
    ok(hr == E_INVALIDARG || broken(hr == PEER_E_CONNECTION_NOT_FOUND),
       "PeerGraphCloseDirectConnection(0) returned %#lx\n", hr);

    /* the graph has no connections at all */
    hr = PeerGraphCloseDirectConnection(graph, UNKNOWN_CONNECTION_ID);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "PeerGraphCloseDirectConnection returned %#lx\n", hr);
    hr = PeerGraphCloseDirectConnection(graph, UNKNOWN_CONNECTION_ID2);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "PeerGraphCloseDirectConnection(~0) returned %#lx\n", hr);
    hr = PeerGraphCloseDirectConnection(graph, 1);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "PeerGraphCloseDirectConnection(1) returned %#lx\n", hr);

    hr = PeerGraphSendData(graph, UNKNOWN_CONNECTION_ID, &test_data_type, sizeof(data), data);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "PeerGraphSendData returned %#lx\n", hr);

    /* the failed calls left the graph usable */
    hr = PeerGraphCloseDirectConnection(graph, UNKNOWN_CONNECTION_ID);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "PeerGraphCloseDirectConnection returned %#lx\n", hr);
}

/* Enumeration and event handles live beside graph handles but are not graphs. */
static void test_other_handle_types(HGRAPH graph)
{
    PEER_GRAPH_EVENT_REGISTRATION registration = {PEER_GRAPH_EVENT_DIRECT_CONNECTION, NULL};
    HPEEREVENT peer_event = NULL;
    HPEERENUM peer_enum = NULL;
    HANDLE event;
    HRESULT hr;

    hr = PeerGraphEnumRecords(graph, NULL, NULL, &peer_enum);
    ok(hr == S_OK, "PeerGraphEnumRecords returned %#lx\n", hr);
    if (hr == S_OK)
    {
        check_not_a_graph((HGRAPH)peer_enum, PEER_E_INVALID_GRAPH, "enumeration handle");
        hr = PeerGraphEndEnumeration(peer_enum);
        ok(hr == S_OK, "PeerGraphEndEnumeration returned %#lx\n", hr);
    }
    else
        skip("no enumeration handle\n");

    event = CreateEventW(NULL, FALSE, FALSE, NULL);
    hr = PeerGraphRegisterEvent(graph, event, 1, &registration, &peer_event);
    ok(hr == S_OK, "PeerGraphRegisterEvent returned %#lx\n", hr);
    if (hr == S_OK)
    {
        check_not_a_graph((HGRAPH)peer_event, PEER_E_INVALID_GRAPH, "event handle");
        hr = PeerGraphUnregisterEvent(peer_event);
        ok(hr == S_OK, "PeerGraphUnregisterEvent returned %#lx\n", hr);
    }
    else
        skip("no event handle\n");
    CloseHandle(event);
}

START_TEST(direct)
{
    PEER_VERSION_DATA version;
    HGRAPH graph, closed_graph = NULL;
    HRESULT hr;

    test_not_initialized("before Startup");

    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    if (hr != S_OK) return;

    test_invalid_graph_handles();

    hr = create_default_graph(&direct_graph, "direct", peer_id, friendly_name);
    graph = direct_graph.handle;
    if (hr == E_NOTIMPL)
    {
        skip("PeerGraphCreate not available\n");
        skip("no enumeration or event handle without a graph\n");
    }
    else if (ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr))
    {
        test_graph(graph);
        test_other_handle_types(graph);

        hr = PeerGraphClose(graph);
        ok(hr == S_OK, "PeerGraphClose returned %#lx\n", hr);
        closed_graph = graph;
        check_not_a_graph(graph, PEER_E_INVALID_GRAPH, "closed graph");
        hr = PeerGraphCloseDirectConnection(graph, 0);
        ok(hr == PEER_E_INVALID_GRAPH || hr == E_INVALIDARG,
           "PeerGraphCloseDirectConnection(closed graph, 0) returned %#lx\n", hr);
        hr = PeerGraphDelete(direct_graph.id, peer_id, direct_graph.db);
        ok(hr == S_OK, "PeerGraphDelete returned %#lx\n", hr);
    }

    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);
    test_not_initialized("after Shutdown");
    if (closed_graph) check_not_a_graph(closed_graph, PEER_E_NOT_INITIALIZED, "closed graph after Shutdown");
}
