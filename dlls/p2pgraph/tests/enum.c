/*
 * Enumeration handle tests: PeerGraphGetItemCount, PeerGraphGetNextItem, PeerGraphEndEnumeration
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

#include <p2p.h>

#include "p2ptest.h"
#include "p2ptest_graph.h"

static const GUID test_record_type =
    {0x2f0b1c6e, 0x5a43, 0x4c1d, {0x8e, 0x21, 0x6b, 0x3d, 0x90, 0xa7, 0x4e, 0x15}};

static WCHAR peer_id[] = L"p2ptest-enum-peer";
static WCHAR friendly_name[] = L"p2ptest enum";
static struct test_graph enum_graph;

static void test_not_initialized(void)
{
    PVOID *items = NULL;
    ULONG count = 1;
    HRESULT hr;

    hr = PeerGraphGetItemCount(NULL, &count);
    ok(hr == PEER_E_NOT_INITIALIZED, "PeerGraphGetItemCount returned %#lx\n", hr);
    hr = PeerGraphGetItemCount((HPEERENUM)0xdeadbeef, &count);
    ok(hr == PEER_E_NOT_INITIALIZED, "PeerGraphGetItemCount returned %#lx\n", hr);
    hr = PeerGraphGetNextItem(NULL, &count, &items);
    ok(hr == PEER_E_NOT_INITIALIZED, "PeerGraphGetNextItem returned %#lx\n", hr);
    hr = PeerGraphGetNextItem((HPEERENUM)0xdeadbeef, &count, &items);
    ok(hr == PEER_E_NOT_INITIALIZED, "PeerGraphGetNextItem returned %#lx\n", hr);
    hr = PeerGraphEndEnumeration(NULL);
    ok(hr == PEER_E_NOT_INITIALIZED, "PeerGraphEndEnumeration returned %#lx\n", hr);
    hr = PeerGraphEndEnumeration((HPEERENUM)0xdeadbeef);
    ok(hr == PEER_E_NOT_INITIALIZED, "PeerGraphEndEnumeration returned %#lx\n", hr);
    PeerGraphFreeData(NULL);
}

/* Handles that were never returned by the library must be rejected, not dereferenced. */
static void test_invalid_handles(void)
{
    ULONG_PTR local[BAD_HANDLE_LOCALS];
    void *handles[BAD_HANDLE_COUNT + 1];
    PVOID *items;
    ULONG count;
    unsigned int i;
    HRESULT hr;

    handles[0] = NULL;
    make_bad_handles(handles + 1, local);

    for (i = 0; i < ARRAYSIZE(handles); i++)
    {
        count = 0xdeadbeef;
        hr = PeerGraphGetItemCount(handles[i], &count);
        ok(hr == E_INVALIDARG, "handle %p: PeerGraphGetItemCount returned %#lx\n", handles[i], hr);
        hr = PeerGraphGetItemCount(handles[i], NULL);
        ok(hr == E_INVALIDARG, "handle %p: PeerGraphGetItemCount(NULL) returned %#lx\n", handles[i], hr);

        count = 5;
        items = NULL;
        hr = PeerGraphGetNextItem(handles[i], &count, &items);
        ok(hr == E_INVALIDARG, "handle %p: PeerGraphGetNextItem returned %#lx\n", handles[i], hr);
        hr = PeerGraphGetNextItem(handles[i], NULL, &items);
        ok(hr == E_INVALIDARG, "handle %p: PeerGraphGetNextItem(NULL count) returned %#lx\n", handles[i], hr);
        count = 5;
        hr = PeerGraphGetNextItem(handles[i], &count, NULL);
        ok(hr == E_INVALIDARG, "handle %p: PeerGraphGetNextItem(NULL items) returned %#lx\n", handles[i], hr);

        hr = PeerGraphEndEnumeration(handles[i]);
        ok(hr == E_INVALIDARG, "handle %p: PeerGraphEndEnumeration returned %#lx\n", handles[i], hr);
    }

    check_untouched(local);

    PeerGraphFreeData(NULL);
}

/* Expects an enumeration that holds no items; ends it. */
static void check_empty_enumeration(HPEERENUM peer_enum, const char *what)
{
    PVOID *items;
    ULONG count;
    HRESULT hr;

    count = 0xdeadbeef;
    hr = PeerGraphGetItemCount(peer_enum, &count);
    ok(hr == S_OK, "%s: PeerGraphGetItemCount returned %#lx\n", what, hr);
    ok(count == 0, "%s: count %lu\n", what, count);

    count = 5;
    items = NULL;
    hr = PeerGraphGetNextItem(peer_enum, &count, &items);
    ok(hr == S_OK, "%s: PeerGraphGetNextItem returned %#lx\n", what, hr);
    ok(count == 0, "%s: PeerGraphGetNextItem delivered %lu items\n", what, count);
    if (hr == S_OK && items) PeerGraphFreeData(items);

    hr = PeerGraphEndEnumeration(peer_enum);
    ok(hr == S_OK, "%s: PeerGraphEndEnumeration returned %#lx\n", what, hr);
}

static void test_record_enumeration(HGRAPH graph)
{
    HPEERENUM peer_enum, second_enum;
    PVOID *items;
    ULONG count;
    HRESULT hr;

    peer_enum = NULL;
    hr = PeerGraphEnumRecords(graph, NULL, NULL, &peer_enum);
    ok(hr == S_OK, "PeerGraphEnumRecords returned %#lx\n", hr);
    if (hr != S_OK) return;
    ok(peer_enum != NULL, "got a NULL enumeration handle\n");

    hr = PeerGraphGetItemCount(peer_enum, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphGetItemCount(NULL) returned %#lx\n", hr);
    hr = PeerGraphGetNextItem(peer_enum, NULL, &items);
    ok(hr == E_INVALIDARG, "PeerGraphGetNextItem(NULL count) returned %#lx\n", hr);
    count = 5;
    hr = PeerGraphGetNextItem(peer_enum, &count, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphGetNextItem(NULL items) returned %#lx\n", hr);

    count = 0xdeadbeef;
    hr = PeerGraphGetItemCount(peer_enum, &count);
    ok(hr == S_OK, "PeerGraphGetItemCount returned %#lx\n", hr);
    ok(count == 0, "a new graph has %lu application records\n", count);

    count = 5;
    items = NULL;
    hr = PeerGraphGetNextItem(peer_enum, &count, &items);
    ok(hr == S_OK, "PeerGraphGetNextItem returned %#lx\n", hr);
    ok(count == 0, "PeerGraphGetNextItem delivered %lu items\n", count);
    if (hr == S_OK && items) PeerGraphFreeData(items);

    /* the end stays the end */
    count = 5;
    items = NULL;
    hr = PeerGraphGetNextItem(peer_enum, &count, &items);
    ok(hr == S_OK, "second PeerGraphGetNextItem returned %#lx\n", hr);
    ok(count == 0, "second PeerGraphGetNextItem delivered %lu items\n", count);
    if (hr == S_OK && items) PeerGraphFreeData(items);

    hr = PeerGraphEndEnumeration(peer_enum);
    ok(hr == S_OK, "PeerGraphEndEnumeration returned %#lx\n", hr);

    /* an ended enumeration is gone */
    hr = PeerGraphEndEnumeration(peer_enum);
    ok(hr == E_INVALIDARG, "second PeerGraphEndEnumeration returned %#lx\n", hr);
    hr = PeerGraphGetItemCount(peer_enum, &count);
    ok(hr == E_INVALIDARG, "PeerGraphGetItemCount on an ended enumeration returned %#lx\n", hr);
    count = 5;
    hr = PeerGraphGetNextItem(peer_enum, &count, &items);
    ok(hr == E_INVALIDARG, "PeerGraphGetNextItem on an ended enumeration returned %#lx\n", hr);

    /* two enumerations at once are independent */
    peer_enum = second_enum = NULL;
    hr = PeerGraphEnumRecords(graph, NULL, NULL, &peer_enum);
    ok(hr == S_OK, "PeerGraphEnumRecords returned %#lx\n", hr);
    hr = PeerGraphEnumRecords(graph, &test_record_type, NULL, &second_enum);
    ok(hr == S_OK, "PeerGraphEnumRecords(type) returned %#lx\n", hr);
    ok(peer_enum != second_enum, "both enumerations have handle %p\n", peer_enum);
    if (second_enum) check_empty_enumeration(second_enum, "records of an unused type");
    if (peer_enum) check_empty_enumeration(peer_enum, "all records, second time");
}

static void test_connection_enumeration(HGRAPH graph)
{
    HPEERENUM peer_enum = NULL;
    HRESULT hr;

    /* the graph has never listened or connected */
    hr = PeerGraphEnumConnections(graph, PEER_CONNECTION_NEIGHBOR | PEER_CONNECTION_DIRECT, &peer_enum);
    ok(hr == S_OK, "PeerGraphEnumConnections returned %#lx\n", hr);
    if (hr == S_OK) check_empty_enumeration(peer_enum, "connections");
}

/* Graph and event handles are not enumeration handles, and trying them must not destroy them. */
static void test_other_handle_types(HGRAPH graph)
{
    PEER_GRAPH_EVENT_REGISTRATION registration = {PEER_GRAPH_EVENT_STATUS_CHANGED, NULL};
    HPEEREVENT peer_event = NULL;
    HPEERENUM peer_enum = NULL;
    PVOID *items;
    ULONG count;
    HANDLE event;
    HRESULT hr;

    hr = PeerGraphGetItemCount((HPEERENUM)graph, &count);
    ok(hr == E_INVALIDARG, "PeerGraphGetItemCount on a graph handle returned %#lx\n", hr);
    count = 5;
    hr = PeerGraphGetNextItem((HPEERENUM)graph, &count, &items);
    ok(hr == E_INVALIDARG, "PeerGraphGetNextItem on a graph handle returned %#lx\n", hr);
    hr = PeerGraphEndEnumeration((HPEERENUM)graph);
    ok(hr == E_INVALIDARG, "PeerGraphEndEnumeration on a graph handle returned %#lx\n", hr);

    /* the graph survived */
    hr = PeerGraphEnumRecords(graph, NULL, NULL, &peer_enum);
    ok(hr == S_OK, "PeerGraphEnumRecords after EndEnumeration(graph) returned %#lx\n", hr);
    if (hr == S_OK) check_empty_enumeration(peer_enum, "records after EndEnumeration(graph)");

    event = CreateEventW(NULL, FALSE, FALSE, NULL);
    hr = PeerGraphRegisterEvent(graph, event, 1, &registration, &peer_event);
    ok(hr == S_OK, "PeerGraphRegisterEvent returned %#lx\n", hr);
    if (hr == S_OK)
    {
        hr = PeerGraphGetItemCount((HPEERENUM)peer_event, &count);
        ok(hr == E_INVALIDARG, "PeerGraphGetItemCount on an event handle returned %#lx\n", hr);
        count = 5;
        hr = PeerGraphGetNextItem((HPEERENUM)peer_event, &count, &items);
        ok(hr == E_INVALIDARG, "PeerGraphGetNextItem on an event handle returned %#lx\n", hr);
        hr = PeerGraphEndEnumeration((HPEERENUM)peer_event);
        ok(hr == E_INVALIDARG, "PeerGraphEndEnumeration on an event handle returned %#lx\n", hr);
        hr = PeerGraphUnregisterEvent(peer_event);
        ok(hr == S_OK, "PeerGraphUnregisterEvent after EndEnumeration(event) returned %#lx\n", hr);
    }
    CloseHandle(event);
}

/* The last PeerGraphShutdown releases enumerations; a restarted library does not know them. */
static void test_shutdown_releases_enumeration(void)
{
    PEER_VERSION_DATA version;
    HPEERENUM peer_enum = NULL;
    HGRAPH graph;
    ULONG count;
    HRESULT hr;

    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    hr = create_default_graph(&enum_graph, "enum", peer_id, friendly_name);
    graph = enum_graph.handle;
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr != S_OK)
    {
        PeerGraphShutdown();
        return;
    }
    hr = PeerGraphEnumRecords(graph, NULL, NULL, &peer_enum);
    ok(hr == S_OK, "PeerGraphEnumRecords returned %#lx\n", hr);

    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);
    hr = PeerGraphGetItemCount(peer_enum, &count);
    ok(hr == PEER_E_NOT_INITIALIZED, "PeerGraphGetItemCount after Shutdown returned %#lx\n", hr);
    hr = PeerGraphEndEnumeration(peer_enum);
    ok(hr == PEER_E_NOT_INITIALIZED, "PeerGraphEndEnumeration after Shutdown returned %#lx\n", hr);

    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    if (peer_enum)
    {
        hr = PeerGraphGetItemCount(peer_enum, &count);
        ok(hr == E_INVALIDARG, "PeerGraphGetItemCount on a released enumeration returned %#lx\n", hr);
        hr = PeerGraphEndEnumeration(peer_enum);
        ok(hr == E_INVALIDARG, "PeerGraphEndEnumeration on a released enumeration returned %#lx\n", hr);
    }
    hr = PeerGraphDelete(enum_graph.id, peer_id, enum_graph.db);
    ok(hr == S_OK, "PeerGraphDelete returned %#lx\n", hr);
    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);
}

START_TEST(enum)
{
    PEER_VERSION_DATA version;
    BOOL graph_available = FALSE;
    HGRAPH graph;
    HRESULT hr;

    test_not_initialized();

    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    if (hr != S_OK) return;

    test_invalid_handles();

    hr = create_default_graph(&enum_graph, "enum", peer_id, friendly_name);
    graph = enum_graph.handle;
    if (hr == E_NOTIMPL)
        skip("PeerGraphCreate not available\n");
    else if (ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr))
    {
        graph_available = TRUE;
        test_record_enumeration(graph);
        test_connection_enumeration(graph);
        test_other_handle_types(graph);
        delete_test_graph(&enum_graph);
    }

    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);
    test_not_initialized();

    if (hr == S_OK && graph_available) test_shutdown_releases_enumeration();
    test_not_initialized();
}
