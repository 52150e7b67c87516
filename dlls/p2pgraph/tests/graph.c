/*
 * Graph lifetime and property tests: PeerGraphCreate, PeerGraphOpen, PeerGraphClose,
 * PeerGraphDelete, PeerGraphGetStatus, PeerGraphGetProperties, PeerGraphSetProperties,
 * PeerGraphUniversalTimeToPeerTime, PeerGraphPeerTimeToUniversalTime
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

/* Everything here is local: no test calls PeerGraphListen or PeerGraphConnect. */

#include <winsock2.h>
#include <windows.h>
#include <p2p.h>

#include "p2ptest.h"
#include "p2ptest_graph.h"

#define MAX_RECORD_SIZE_LIMIT (60 * 1024 * 1024)
#define SECOND ((ULONGLONG)10000000)

static const GUID test_record_type =
    {0x6a0e4b3c, 0x91d2, 0x4f57, {0xa8, 0x3b, 0x1c, 0x5e, 0x77, 0x02, 0xd9, 0x4a}};

static WCHAR peer_id[] = L"p2ptest-graph-peer";
static WCHAR other_peer_id[] = L"p2ptest-graph-other-peer";
static WCHAR friendly_name[] = L"p2ptest graph";
static WCHAR comment[] = L"conformance test graph, created by graph.c";

/* a string of exactly len characters (plus the terminator) that starts with prefix */
static WCHAR *make_long_string(const WCHAR *prefix, unsigned int len)
{
    WCHAR *str = malloc((len + 1) * sizeof(WCHAR));
    unsigned int i, prefix_len = lstrlenW(prefix);

    for (i = 0; i < len; i++)
        str[i] = i < prefix_len ? prefix[i] : (WCHAR)('a' + i % 26);
    str[len] = 0;
    return str;
}

static void init_properties(PEER_GRAPH_PROPERTIES *props, WCHAR *graph_id)
{
    init_graph_properties(props, graph_id, peer_id, friendly_name);
    props->pwzComment = comment;
}

static BOOL str_equal(const WCHAR *a, const WCHAR *b)
{
    if (!a || !b) return a == b;
    return !lstrcmpW(a, b);
}

/* NULL and "" both mean "no string" for optional properties */
static BOOL optional_str_equal(const WCHAR *got, const WCHAR *expect)
{
    if (!expect || !*expect) return !got || !*got;
    return got && !lstrcmpW(got, expect);
}

static void close_graph(HGRAPH graph, int line)
{
    HRESULT hr = PeerGraphClose(graph);

    ok(hr == S_OK, "line %d: PeerGraphClose returned %#lx\n", line, hr);
}

static void delete_graph(WCHAR *graph_id, WCHAR *db_name, int line)
{
    HRESULT hr = PeerGraphDelete(graph_id, peer_id, db_name);

    ok(hr == S_OK, "line %d: PeerGraphDelete(%s) returned %#lx\n", line, dbgstr_w(graph_id), hr);
}

/* Compares the properties of an open graph with what it was created with. */
static void check_properties(HGRAPH graph, const PEER_GRAPH_PROPERTIES *expect, int line)
{
    PEER_GRAPH_PROPERTIES *props = NULL;
    HRESULT hr;

    hr = PeerGraphGetProperties(graph, &props);
    ok(hr == S_OK, "line %d: PeerGraphGetProperties returned %#lx\n", line, hr);
    if (hr != S_OK || !props) return;

    ok(props->dwSize == sizeof(*props), "line %d: dwSize %lu\n", line, props->dwSize);
    ok(props->dwFlags == expect->dwFlags, "line %d: dwFlags %#lx, expected %#lx\n", line,
       props->dwFlags, expect->dwFlags);
    ok(props->dwScope == expect->dwScope, "line %d: dwScope %lu, expected %lu\n", line,
       props->dwScope, expect->dwScope);
    if (expect->dwMaxRecordSize)
        ok(props->dwMaxRecordSize == expect->dwMaxRecordSize, "line %d: dwMaxRecordSize %lu, expected %lu\n",
           line, props->dwMaxRecordSize, expect->dwMaxRecordSize);
    else  /* 0 means the default of 60 MB; either way of saying it is documented */
        ok(props->dwMaxRecordSize == 0 || props->dwMaxRecordSize == MAX_RECORD_SIZE_LIMIT,
           "line %d: dwMaxRecordSize %lu for the default\n", line, props->dwMaxRecordSize);
    ok(str_equal(props->pwzGraphId, expect->pwzGraphId), "line %d: pwzGraphId %s, expected %s\n", line,
       dbgstr_w(props->pwzGraphId), dbgstr_w(expect->pwzGraphId));
    ok(str_equal(props->pwzCreatorId, expect->pwzCreatorId), "line %d: pwzCreatorId %s, expected %s\n", line,
       dbgstr_w(props->pwzCreatorId), dbgstr_w(expect->pwzCreatorId));
    ok(optional_str_equal(props->pwzFriendlyName, expect->pwzFriendlyName),
       "line %d: pwzFriendlyName %s, expected %s\n", line, dbgstr_w(props->pwzFriendlyName),
       dbgstr_w(expect->pwzFriendlyName));
    ok(optional_str_equal(props->pwzComment, expect->pwzComment), "line %d: pwzComment %s, expected %s\n",
       line, dbgstr_w(props->pwzComment), dbgstr_w(expect->pwzComment));
    if (expect->ulPresenceLifetime)
        ok(props->ulPresenceLifetime == expect->ulPresenceLifetime,
           "line %d: ulPresenceLifetime %lu, expected %lu\n", line, props->ulPresenceLifetime,
           expect->ulPresenceLifetime);
    else  /* documented default */
        ok(props->ulPresenceLifetime == 300 || broken(props->ulPresenceLifetime == 0),
           "line %d: ulPresenceLifetime %lu for the default\n", line, props->ulPresenceLifetime);
    ok(props->cPresenceMax == expect->cPresenceMax, "line %d: cPresenceMax %ld, expected %ld\n", line,
       (LONG)props->cPresenceMax, (LONG)expect->cPresenceMax);

    /* one call frees the structure and its strings */
    PeerGraphFreeData(props);
}

/* Every graph function (apart from Listen/Connect and the direct-connection ones, see direct.c)
 * with valid arguments except for the handle. */
static void check_not_a_graph(HGRAPH handle, const char *what)
{
    PEER_GRAPH_EVENT_REGISTRATION registration = {PEER_GRAPH_EVENT_RECORD_CHANGED, NULL};
    WCHAR query[] = L"<peersearch><clause attrib=\"peercreatorid\" type=\"string\">x</clause></peersearch>";
    WCHAR graph_id[128], db_name[128], path[MAX_PATH], dir[MAX_PATH];
    PEER_GRAPH_PROPERTIES props, *got_props;
    PEER_RECORD record, *got_record;
    PEER_NODE_INFO *node_info;
    HPEEREVENT peer_event;
    HPEERENUM peer_enum;
    FILETIME ft1, ft2;
    BYTE data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    GUID record_id = test_record_type;
    BOOL is_null = !handle;
    DWORD status;
    HANDLE event;
    HRESULT hr, expect = is_null ? E_INVALIDARG : PEER_E_INVALID_GRAPH;

#define CHECK_HANDLE(call) \
    do { \
        hr = (call); \
        ok(hr == expect || (is_null && broken(hr == PEER_E_INVALID_GRAPH)), "%s: %s returned %#lx\n", \
           what, #call, hr); \
    } while (0)

    make_graph_names(graph_id, db_name, "graph", "bad-handle");
    init_properties(&props, graph_id);
    GetTempPathW(ARRAYSIZE(dir), dir);
    GetTempFileNameW(dir, L"p2p", 0, path);
    DeleteFileW(path);
    GetSystemTimeAsFileTime(&ft1);
    memset(&record, 0, sizeof(record));
    record.dwSize = sizeof(record);
    record.type = test_record_type;
    record.id = record_id;
    record.ftExpiration = ull_to_ft(ft_to_ull(&ft1) + 3600 * SECOND);
    record.data.cbData = sizeof(data);
    record.data.pbData = data;
    event = CreateEventW(NULL, FALSE, FALSE, NULL);

    CHECK_HANDLE(PeerGraphGetStatus(handle, &status));
    CHECK_HANDLE(PeerGraphGetProperties(handle, &got_props));
    CHECK_HANDLE(PeerGraphSetProperties(handle, &props));
    peer_event = NULL;
    CHECK_HANDLE(PeerGraphRegisterEvent(handle, event, 1, &registration, &peer_event));
    CHECK_HANDLE(PeerGraphGetRecord(handle, &record_id, &got_record));
    CHECK_HANDLE(PeerGraphAddRecord(handle, &record, &record_id));
    CHECK_HANDLE(PeerGraphUpdateRecord(handle, &record));
    CHECK_HANDLE(PeerGraphDeleteRecord(handle, &record_id, FALSE));
    CHECK_HANDLE(PeerGraphDeleteRecord(handle, &record_id, TRUE));
    CHECK_HANDLE(PeerGraphEnumRecords(handle, NULL, NULL, &peer_enum));
    CHECK_HANDLE(PeerGraphEnumRecords(handle, &test_record_type, peer_id, &peer_enum));
    CHECK_HANDLE(PeerGraphSearchRecords(handle, query, &peer_enum));
    CHECK_HANDLE(PeerGraphExportDatabase(handle, path));
    ok(GetFileAttributesW(path) == INVALID_FILE_ATTRIBUTES, "%s: PeerGraphExportDatabase created the file\n",
       what);
    DeleteFileW(path);
    CHECK_HANDLE(PeerGraphImportDatabase(handle, path));
    CHECK_HANDLE(PeerGraphValidateDeferredRecords(handle, 0, NULL));
    CHECK_HANDLE(PeerGraphValidateDeferredRecords(handle, 1, &record_id));
    CHECK_HANDLE(PeerGraphEnumConnections(handle, PEER_CONNECTION_NEIGHBOR | PEER_CONNECTION_DIRECT,
                                          &peer_enum));
    CHECK_HANDLE(PeerGraphEnumNodes(handle, NULL, &peer_enum));
    CHECK_HANDLE(PeerGraphSetPresence(handle, FALSE));
    CHECK_HANDLE(PeerGraphGetNodeInfo(handle, 0, &node_info));
    CHECK_HANDLE(PeerGraphSetNodeAttributes(handle, L"p2ptest"));
    CHECK_HANDLE(PeerGraphPeerTimeToUniversalTime(handle, &ft1, &ft2));
    CHECK_HANDLE(PeerGraphUniversalTimeToPeerTime(handle, &ft1, &ft2));
    CHECK_HANDLE(PeerGraphClose(handle));

#undef CHECK_HANDLE
    CloseHandle(event);
}

static void test_invalid_handles(void)
{
    ULONG_PTR local[BAD_HANDLE_LOCALS];
    void *handles[BAD_HANDLE_COUNT];
    unsigned int i;

    check_not_a_graph(NULL, "NULL handle");

    make_bad_handles(handles, local);
    for (i = 0; i < ARRAYSIZE(handles); i++)
    {
        char what[64];

        snprintf(what, sizeof(what), "handle %p", handles[i]);
        check_not_a_graph(handles[i], what);
    }
    check_untouched(local);
}

/* Returns the HRESULT of PeerGraphCreate; closes and deletes a graph that was created. */
static HRESULT try_create(PEER_GRAPH_PROPERTIES *props, WCHAR *db_name)
{
    HGRAPH graph = NULL;
    HRESULT hr;

    hr = PeerGraphCreate(props, db_name, NULL, &graph);
    if (SUCCEEDED(hr))
    {
        ok(graph != NULL, "PeerGraphCreate succeeded without a handle\n");
        check_properties(graph, props, __LINE__);
        close_graph(graph, __LINE__);
        hr = PeerGraphDelete(props->pwzGraphId, props->pwzCreatorId, db_name);
        ok(hr == S_OK, "PeerGraphDelete returned %#lx\n", hr);
        return S_OK;
    }
    ok(graph == NULL, "a failed PeerGraphCreate returned handle %p\n", graph);
    if (graph) PeerGraphClose(graph);
    return hr;
}

static void test_create_invalid(void)
{
    static const DWORD bad_scopes[] = {5, 0x100, 0xffffffff};
    static const DWORD bad_max_record_sizes[] = {1, 512, 1023, MAX_RECORD_SIZE_LIMIT + 1, 0x7fffffff, 0xffffffff};
    static const DWORD good_max_record_sizes[] = {0, 1024, 4096, MAX_RECORD_SIZE_LIMIT};
    WCHAR graph_id[128], db_name[128];
    PEER_GRAPH_PROPERTIES props;
    HGRAPH graph;
    WCHAR *str;
    unsigned int i;
    HRESULT hr;

    make_graph_names(graph_id, db_name, "graph", "invalid");
    init_properties(&props, graph_id);

    graph = (HGRAPH)0xdeadbeef;
    hr = PeerGraphCreate(NULL, db_name, NULL, &graph);
    ok(hr == E_INVALIDARG, "NULL properties: PeerGraphCreate returned %#lx\n", hr);
    hr = PeerGraphCreate(&props, NULL, NULL, &graph);
    ok(hr == E_INVALIDARG, "NULL database name: PeerGraphCreate returned %#lx\n", hr);
    hr = PeerGraphCreate(&props, db_name, NULL, NULL);
    ok(hr == E_INVALIDARG, "NULL graph pointer: PeerGraphCreate returned %#lx\n", hr);

    props.dwSize = 0;
    hr = try_create(&props, db_name);
    ok(hr == E_INVALIDARG, "dwSize 0: PeerGraphCreate returned %#lx\n", hr);
    props.dwSize = sizeof(props) - 1;
    hr = try_create(&props, db_name);
    ok(hr == E_INVALIDARG, "dwSize %lu: PeerGraphCreate returned %#lx\n", props.dwSize, hr);
    props.dwSize = sizeof(props) + 1;
    hr = try_create(&props, db_name);
    ok(hr == E_INVALIDARG, "dwSize %lu: PeerGraphCreate returned %#lx\n", props.dwSize, hr);
    props.dwSize = sizeof(props) * 2;
    hr = try_create(&props, db_name);
    ok(hr == E_INVALIDARG, "dwSize %lu: PeerGraphCreate returned %#lx\n", props.dwSize, hr);
    init_properties(&props, graph_id);

    props.pwzGraphId = NULL;
    hr = try_create(&props, db_name);
    ok(hr == E_INVALIDARG, "NULL graph id: PeerGraphCreate returned %#lx\n", hr);
    init_properties(&props, graph_id);
    props.pwzCreatorId = NULL;
    hr = try_create(&props, db_name);
    ok(hr == E_INVALIDARG, "NULL creator id: PeerGraphCreate returned %#lx\n", hr);
    init_properties(&props, graph_id);

    /* ids: at most 256 characters including the terminator */
    str = make_long_string(graph_id, 256);
    props.pwzGraphId = str;
    hr = try_create(&props, db_name);
    ok(hr == E_INVALIDARG, "graph id of 256 characters: PeerGraphCreate returned %#lx\n", hr);
    free(str);
    str = make_long_string(graph_id, 1000);
    props.pwzGraphId = str;
    hr = try_create(&props, db_name);
    ok(hr == E_INVALIDARG, "graph id of 1000 characters: PeerGraphCreate returned %#lx\n", hr);
    free(str);
    init_properties(&props, graph_id);

    str = make_long_string(peer_id, 256);
    props.pwzCreatorId = str;
    hr = try_create(&props, db_name);
    ok(hr == E_INVALIDARG, "creator id of 256 characters: PeerGraphCreate returned %#lx\n", hr);
    free(str);
    init_properties(&props, graph_id);

    str = make_long_string(L"friendly", 256);
    props.pwzFriendlyName = str;
    hr = try_create(&props, db_name);
    ok(hr == E_INVALIDARG, "friendly name of 256 characters: PeerGraphCreate returned %#lx\n", hr);
    free(str);
    init_properties(&props, graph_id);

    str = make_long_string(L"comment", 512);
    props.pwzComment = str;
    hr = try_create(&props, db_name);
    ok(hr == E_INVALIDARG, "comment of 512 characters: PeerGraphCreate returned %#lx\n", hr);
    free(str);
    init_properties(&props, graph_id);

    for (i = 0; i < ARRAYSIZE(bad_max_record_sizes); i++)
    {
        props.dwMaxRecordSize = bad_max_record_sizes[i];
        hr = try_create(&props, db_name);
        ok(hr == E_INVALIDARG, "dwMaxRecordSize %lu: PeerGraphCreate returned %#lx\n", props.dwMaxRecordSize, hr);
    }
    init_properties(&props, graph_id);

    for (i = 0; i < ARRAYSIZE(bad_scopes); i++)
    {
        props.dwScope = bad_scopes[i];
        hr = try_create(&props, db_name);
        ok(hr == E_INVALIDARG, "dwScope %#lx: PeerGraphCreate returned %#lx\n", props.dwScope, hr);
    }
    init_properties(&props, graph_id);

    /* nothing of the failed attempts was left behind */
    graph = NULL;
    hr = PeerGraphCreate(&props, db_name, NULL, &graph);
    ok(hr == S_OK, "PeerGraphCreate after the failures returned %#lx\n", hr);
    if (hr == S_OK)
    {
        check_properties(graph, &props, __LINE__);
        close_graph(graph, __LINE__);
        delete_graph(graph_id, db_name, __LINE__);
    }

    /* the documented limits themselves are valid */
    for (i = 0; i < ARRAYSIZE(good_max_record_sizes); i++)
    {
        make_graph_names(graph_id, db_name, "graph", "max-record-size");
        init_properties(&props, graph_id);
        props.dwMaxRecordSize = good_max_record_sizes[i];
        hr = try_create(&props, db_name);
        ok(hr == S_OK, "dwMaxRecordSize %lu: PeerGraphCreate returned %#lx\n", props.dwMaxRecordSize, hr);
    }

    make_graph_names(graph_id, db_name, "graph", "long-strings");
    init_properties(&props, graph_id);
    props.pwzGraphId = make_long_string(graph_id, 255);
    props.pwzCreatorId = make_long_string(peer_id, 255);
    props.pwzFriendlyName = make_long_string(L"friendly", 255);
    props.pwzComment = make_long_string(L"comment", 511);
    hr = try_create(&props, db_name);
    ok(hr == S_OK, "longest valid strings: PeerGraphCreate returned %#lx\n", hr);
    free(props.pwzGraphId);
    free(props.pwzCreatorId);
    free(props.pwzFriendlyName);
    free(props.pwzComment);

    /* the optional strings may be NULL */
    make_graph_names(graph_id, db_name, "graph", "no-names");
    init_properties(&props, graph_id);
    props.pwzFriendlyName = NULL;
    props.pwzComment = NULL;
    hr = try_create(&props, db_name);
    ok(hr == S_OK, "no friendly name and comment: PeerGraphCreate returned %#lx\n", hr);

    /* the other scopes and the documented flag */
    make_graph_names(graph_id, db_name, "graph", "scope");
    init_properties(&props, graph_id);
    props.dwScope = PEER_GRAPH_SCOPE_LINKLOCAL;
    props.dwFlags = PEER_GRAPH_PROPERTY_DEFER_EXPIRATION;
    props.cPresenceMax = 0;
    hr = try_create(&props, db_name);
    ok(hr == S_OK, "link-local scope: PeerGraphCreate returned %#lx\n", hr);
    make_graph_names(graph_id, db_name, "graph", "scope");
    init_properties(&props, graph_id);
    props.dwScope = PEER_GRAPH_SCOPE_SITELOCAL;
    props.cPresenceMax = 12;
    hr = try_create(&props, db_name);
    ok(hr == S_OK, "site-local scope: PeerGraphCreate returned %#lx\n", hr);

    /* defaults */
    make_graph_names(graph_id, db_name, "graph", "defaults");
    init_properties(&props, graph_id);
    props.ulPresenceLifetime = 0;
    props.dwMaxRecordSize = 0;
    hr = try_create(&props, db_name);
    ok(hr == S_OK, "default presence lifetime: PeerGraphCreate returned %#lx\n", hr);
}

static void check_status(HGRAPH graph, BOOL synchronized, int line)
{
    DWORD status = 0xdeadbeef;
    HRESULT hr;

    hr = PeerGraphGetStatus(graph, &status);
    ok(hr == S_OK, "line %d: PeerGraphGetStatus returned %#lx\n", line, hr);
    if (hr != S_OK) return;
    ok(!(status & ~(DWORD)(PEER_GRAPH_STATUS_LISTENING | PEER_GRAPH_STATUS_HAS_CONNECTIONS |
                            PEER_GRAPH_STATUS_SYNCHRONIZED)),
       "line %d: unknown status bits in %#lx\n", line, status);
    ok(!(status & PEER_GRAPH_STATUS_LISTENING), "line %d: status %#lx: listening\n", line, status);
    ok(!(status & PEER_GRAPH_STATUS_HAS_CONNECTIONS), "line %d: status %#lx: has connections\n", line, status);
    if (synchronized)
        ok((status & PEER_GRAPH_STATUS_SYNCHRONIZED) || broken(!(status & PEER_GRAPH_STATUS_SYNCHRONIZED)),
           "line %d: status %#lx: not synchronized\n", line, status);
    else
        ok(!(status & PEER_GRAPH_STATUS_SYNCHRONIZED), "line %d: status %#lx: synchronized\n", line, status);
}

static void test_time(HGRAPH graph, BOOL delta_zero)
{
    static const ULONGLONG samples[] =
    {
        0x01d0000000000000ull, /* 2014 */
        0x01dc000000000000ull, /* 2025 */
        0x0200000000000000ull, /* 2189 */
        100 * SECOND,
    };
    FILETIME utc, peer, back, now;
    unsigned int i;
    HRESULT hr;

    GetSystemTimeAsFileTime(&now);
    for (i = 0; i <= ARRAYSIZE(samples); i++)
    {
        utc = i < ARRAYSIZE(samples) ? ull_to_ft(samples[i]) : now;
        memset(&peer, 0xcc, sizeof(peer));
        hr = PeerGraphUniversalTimeToPeerTime(graph, &utc, &peer);
        ok(hr == S_OK, "PeerGraphUniversalTimeToPeerTime returned %#lx\n", hr);
        if (delta_zero)
            ok(ft_to_ull(&peer) == ft_to_ull(&utc), "sample %u: peer time %#llx, UTC %#llx\n", i,
               ft_to_ull(&peer), ft_to_ull(&utc));
        memset(&back, 0xcc, sizeof(back));
        hr = PeerGraphPeerTimeToUniversalTime(graph, &peer, &back);
        ok(hr == S_OK, "PeerGraphPeerTimeToUniversalTime returned %#lx\n", hr);
        ok(ft_to_ull(&back) == ft_to_ull(&utc), "sample %u: round trip gave %#llx for %#llx\n", i,
           ft_to_ull(&back), ft_to_ull(&utc));

        /* and the other way round */
        hr = PeerGraphPeerTimeToUniversalTime(graph, &utc, &peer);
        ok(hr == S_OK, "PeerGraphPeerTimeToUniversalTime returned %#lx\n", hr);
        if (delta_zero)
            ok(ft_to_ull(&peer) == ft_to_ull(&utc), "sample %u: UTC %#llx for peer time %#llx\n", i,
               ft_to_ull(&peer), ft_to_ull(&utc));
        hr = PeerGraphUniversalTimeToPeerTime(graph, &peer, &back);
        ok(hr == S_OK, "PeerGraphUniversalTimeToPeerTime returned %#lx\n", hr);
        ok(ft_to_ull(&back) == ft_to_ull(&utc), "sample %u: reverse round trip gave %#llx for %#llx\n", i,
           ft_to_ull(&back), ft_to_ull(&utc));
    }

    hr = PeerGraphUniversalTimeToPeerTime(graph, NULL, &peer);
    ok(hr == E_INVALIDARG, "PeerGraphUniversalTimeToPeerTime(NULL, ptr) returned %#lx\n", hr);
    hr = PeerGraphUniversalTimeToPeerTime(graph, &now, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphUniversalTimeToPeerTime(ptr, NULL) returned %#lx\n", hr);
    hr = PeerGraphUniversalTimeToPeerTime(graph, NULL, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphUniversalTimeToPeerTime(NULL, NULL) returned %#lx\n", hr);
    hr = PeerGraphPeerTimeToUniversalTime(graph, NULL, &utc);
    ok(hr == E_INVALIDARG, "PeerGraphPeerTimeToUniversalTime(NULL, ptr) returned %#lx\n", hr);
    hr = PeerGraphPeerTimeToUniversalTime(graph, &now, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphPeerTimeToUniversalTime(ptr, NULL) returned %#lx\n", hr);
    hr = PeerGraphPeerTimeToUniversalTime(graph, NULL, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphPeerTimeToUniversalTime(NULL, NULL) returned %#lx\n", hr);
}

/* Waits for one PROPERTY_CHANGED event and expects no other event. */
static void check_property_changed_event(HPEEREVENT peer_event, HANDLE event, int line)
{
    PEER_GRAPH_EVENT_DATA *data;
    DWORD start = GetTickCount();
    BOOL seen = FALSE;
    HRESULT hr;

    while (GetTickCount() - start < 2000)
    {
        data = NULL;
        hr = PeerGraphGetEventData(peer_event, &data);
        if (hr == PEER_S_NO_EVENT_DATA)
        {
            if (seen) break;
            WaitForSingleObject(event, 200);
            continue;
        }
        ok(hr == S_OK, "line %d: PeerGraphGetEventData returned %#lx\n", line, hr);
        if (hr != S_OK) break;
        ok(data != NULL, "line %d: no event data\n", line);
        if (!data) break;
        ok(data->eventType == PEER_GRAPH_EVENT_PROPERTY_CHANGED, "line %d: event type %d\n", line,
           data->eventType);
        ok(!seen, "line %d: more than one PROPERTY_CHANGED event\n", line);
        seen = TRUE;
        PeerGraphFreeData(data);
    }
    ok(seen, "line %d: no PROPERTY_CHANGED event\n", line);
}

static void test_set_properties(HGRAPH graph, PEER_GRAPH_PROPERTIES *created)
{
    PEER_GRAPH_EVENT_REGISTRATION registration = {PEER_GRAPH_EVENT_PROPERTY_CHANGED, NULL};
    WCHAR new_friendly_name[] = L"p2ptest graph, renamed";
    WCHAR new_comment[] = L"changed by PeerGraphSetProperties";
    WCHAR new_graph_id[] = L"p2ptest-graph-not-the-graph-id";
    PEER_GRAPH_PROPERTIES props, expect;
    PEER_GRAPH_EVENT_DATA *data;
    HPEEREVENT peer_event = NULL;
    HANDLE event;
    HRESULT hr;

    event = CreateEventW(NULL, FALSE, FALSE, NULL);
    hr = PeerGraphRegisterEvent(graph, event, 1, &registration, &peer_event);
    ok(hr == S_OK, "PeerGraphRegisterEvent returned %#lx\n", hr);

    hr = PeerGraphSetProperties(graph, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphSetProperties(NULL) returned %#lx\n", hr);

    props = *created;
    props.dwSize = 0;
    hr = PeerGraphSetProperties(graph, &props);
    ok(hr == E_INVALIDARG, "dwSize 0: PeerGraphSetProperties returned %#lx\n", hr);
    props.dwSize = sizeof(props) - 1;
    hr = PeerGraphSetProperties(graph, &props);
    ok(hr == E_INVALIDARG, "dwSize %lu: PeerGraphSetProperties returned %#lx\n", props.dwSize, hr);
    props.dwSize = sizeof(props) + 4;
    hr = PeerGraphSetProperties(graph, &props);
    ok(hr == E_INVALIDARG, "dwSize %lu: PeerGraphSetProperties returned %#lx\n", props.dwSize, hr);

    props = *created;
    props.pwzFriendlyName = make_long_string(L"friendly", 256);
    hr = PeerGraphSetProperties(graph, &props);
    ok(hr == E_INVALIDARG, "friendly name of 256 characters: PeerGraphSetProperties returned %#lx\n", hr);
    free(props.pwzFriendlyName);
    props = *created;
    props.pwzComment = make_long_string(L"comment", 512);
    hr = PeerGraphSetProperties(graph, &props);
    ok(hr == E_INVALIDARG, "comment of 512 characters: PeerGraphSetProperties returned %#lx\n", hr);
    free(props.pwzComment);

    /* the failures changed nothing and raised no event */
    check_properties(graph, created, __LINE__);
    if (peer_event)
    {
        data = (PEER_GRAPH_EVENT_DATA *)0xdeadbeef;
        hr = PeerGraphGetEventData(peer_event, &data);
        ok(hr == PEER_S_NO_EVENT_DATA, "event after failed PeerGraphSetProperties calls: %#lx\n", hr);
        if (hr == S_OK) PeerGraphFreeData(data);
    }

    /* only the friendly name, the comment and the presence settings can change */
    props = *created;
    props.pwzFriendlyName = new_friendly_name;
    props.pwzComment = new_comment;
    props.ulPresenceLifetime = 900;
    props.cPresenceMax = 7;
    props.pwzGraphId = new_graph_id;
    props.pwzCreatorId = other_peer_id;
    props.dwMaxRecordSize = 2048;
    props.dwScope = PEER_GRAPH_SCOPE_LINKLOCAL;
    hr = PeerGraphSetProperties(graph, &props);
    ok(hr == S_OK, "PeerGraphSetProperties returned %#lx\n", hr);

    expect = *created;
    expect.pwzFriendlyName = new_friendly_name;
    expect.pwzComment = new_comment;
    expect.ulPresenceLifetime = 900;
    expect.cPresenceMax = 7;
    check_properties(graph, &expect, __LINE__);
    if (peer_event) check_property_changed_event(peer_event, event, __LINE__);

    /* a second change with the unchangeable ids left out */
    props = expect;
    props.pwzFriendlyName = friendly_name;
    props.pwzGraphId = NULL;
    props.pwzCreatorId = NULL;
    hr = PeerGraphSetProperties(graph, &props);
    ok(hr == S_OK || broken(hr == E_INVALIDARG), "PeerGraphSetProperties without ids returned %#lx\n", hr);
    if (hr == S_OK)
    {
        expect.pwzFriendlyName = friendly_name;
        check_properties(graph, &expect, __LINE__);
        if (peer_event) check_property_changed_event(peer_event, event, __LINE__);
    }

    /* the maximal lengths are accepted */
    props = expect;
    props.pwzFriendlyName = make_long_string(L"friendly", 255);
    props.pwzComment = make_long_string(L"comment", 511);
    hr = PeerGraphSetProperties(graph, &props);
    ok(hr == S_OK, "longest valid strings: PeerGraphSetProperties returned %#lx\n", hr);
    if (hr == S_OK)
    {
        check_properties(graph, &props, __LINE__);
        if (peer_event) check_property_changed_event(peer_event, event, __LINE__);
    }
    free(props.pwzFriendlyName);
    free(props.pwzComment);

    /* back to the state the caller expects */
    hr = PeerGraphSetProperties(graph, &expect);
    ok(hr == S_OK, "PeerGraphSetProperties returned %#lx\n", hr);
    *created = expect;
    if (peer_event)
    {
        check_property_changed_event(peer_event, event, __LINE__);
        hr = PeerGraphUnregisterEvent(peer_event);
        ok(hr == S_OK, "PeerGraphUnregisterEvent returned %#lx\n", hr);
    }
    CloseHandle(event);
}

static void test_create_open_close(void)
{
    WCHAR graph_id[128], db_name[128], unknown_id[128], unknown_db[128];
    PEER_GRAPH_PROPERTIES props, *got_props;
    PEER_RECORD record, *got_record;
    GUID type = test_record_type, precedence[2], record_id;
    HPEERENUM peer_enum;
    HGRAPH graph, graph2;
    FILETIME now;
    DWORD status;
    HRESULT hr;

    make_graph_names(graph_id, db_name, "graph", "main");
    init_properties(&props, graph_id);
    props.dwMaxRecordSize = 8192;
    props.ulPresenceLifetime = 600;
    props.cPresenceMax = 5;

    graph = NULL;
    hr = PeerGraphCreate(&props, db_name, NULL, &graph);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr != S_OK) return;
    ok(graph != NULL, "no graph handle\n");

    check_properties(graph, &props, __LINE__);
    check_status(graph, TRUE, __LINE__);
    test_time(graph, TRUE);

    hr = PeerGraphGetStatus(graph, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphGetStatus(NULL) returned %#lx\n", hr);
    hr = PeerGraphGetProperties(graph, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphGetProperties(NULL) returned %#lx\n", hr);

    /* the graph exists: same id, peer and database again */
    graph2 = NULL;
    hr = PeerGraphCreate(&props, db_name, NULL, &graph2);
    ok(hr == PEER_E_DUPLICATE_GRAPH, "PeerGraphCreate of an open graph returned %#lx\n", hr);
    ok(graph2 == NULL, "got handle %p\n", graph2);
    if (graph2 && graph2 != graph) PeerGraphClose(graph2);

    /* an open graph cannot be deleted */
    hr = PeerGraphDelete(graph_id, peer_id, db_name);
    ok(hr == E_ACCESSDENIED || hr == PEER_E_GRAPH_IN_USE, "PeerGraphDelete of an open graph returned %#lx\n", hr);
    check_properties(graph, &props, __LINE__);

    test_set_properties(graph, &props);

    hr = PeerGraphClose(graph);
    ok(hr == S_OK, "PeerGraphClose returned %#lx\n", hr);
    check_not_a_graph(graph, "closed graph");
    hr = PeerGraphClose(graph);
    ok(hr == PEER_E_INVALID_GRAPH, "second PeerGraphClose returned %#lx\n", hr);

    /* the database stays after Close */
    graph2 = NULL;
    hr = PeerGraphCreate(&props, db_name, NULL, &graph2);
    ok(hr == PEER_E_DUPLICATE_GRAPH, "PeerGraphCreate of a closed graph returned %#lx\n", hr);
    ok(graph2 == NULL, "got handle %p\n", graph2);
    if (graph2) PeerGraphClose(graph2);

    /* PeerGraphOpen argument checks */
    graph = NULL;
    hr = PeerGraphOpen(NULL, peer_id, db_name, NULL, 0, NULL, &graph);
    ok(hr == E_INVALIDARG, "PeerGraphOpen(NULL graph id) returned %#lx\n", hr);
    hr = PeerGraphOpen(graph_id, NULL, db_name, NULL, 0, NULL, &graph);
    ok(hr == E_INVALIDARG, "PeerGraphOpen(NULL peer id) returned %#lx\n", hr);
    hr = PeerGraphOpen(graph_id, peer_id, NULL, NULL, 0, NULL, &graph);
    ok(hr == E_INVALIDARG, "PeerGraphOpen(NULL database) returned %#lx\n", hr);
    hr = PeerGraphOpen(graph_id, peer_id, db_name, NULL, 0, NULL, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphOpen(NULL graph pointer) returned %#lx\n", hr);
    hr = PeerGraphOpen(graph_id, peer_id, db_name, NULL, 1, NULL, &graph);
    ok(hr == E_INVALIDARG, "PeerGraphOpen(1 precedence, NULL) returned %#lx\n", hr);
    hr = PeerGraphOpen(graph_id, peer_id, db_name, NULL, 5, NULL, &graph);
    ok(hr == E_INVALIDARG, "PeerGraphOpen(5 precedence, NULL) returned %#lx\n", hr);
    ok(graph == NULL, "a failed PeerGraphOpen returned handle %p\n", graph);
    hr = PeerGraphOpen(graph_id, peer_id, db_name, NULL, 0, &type, &graph);
    ok(hr == E_INVALIDARG || broken(hr == S_OK), "PeerGraphOpen(0 precedence, array) returned %#lx\n", hr);
    if (hr == S_OK) PeerGraphClose(graph);

    /* reopening a created graph: it was synchronized and keeps its (changed) properties */
    precedence[0] = test_record_type;
    memset(&precedence[1], 0, sizeof(precedence[1]));
    precedence[1].Data1 = 0x1234;
    graph = NULL;
    hr = PeerGraphOpen(graph_id, peer_id, db_name, NULL, 2, precedence, &graph);
    ok(hr == S_OK, "PeerGraphOpen returned %#lx\n", hr);
    if (hr == S_OK)
    {
        check_properties(graph, &props, __LINE__);
        check_status(graph, TRUE, __LINE__);
        test_time(graph, FALSE);

        graph2 = NULL;
        hr = PeerGraphCreate(&props, db_name, NULL, &graph2);
        ok(hr == PEER_E_DUPLICATE_GRAPH, "PeerGraphCreate of an opened graph returned %#lx\n", hr);
        if (graph2) PeerGraphClose(graph2);
        hr = PeerGraphDelete(graph_id, peer_id, db_name);
        ok(hr == E_ACCESSDENIED || hr == PEER_E_GRAPH_IN_USE, "PeerGraphDelete of an opened graph returned %#lx\n",
           hr);

        close_graph(graph, __LINE__);
        check_not_a_graph(graph, "closed opened graph");
    }

    /* PeerGraphDelete argument checks */
    hr = PeerGraphDelete(NULL, peer_id, db_name);
    ok(hr == E_INVALIDARG, "PeerGraphDelete(NULL graph id) returned %#lx\n", hr);
    hr = PeerGraphDelete(graph_id, NULL, db_name);
    ok(hr == E_INVALIDARG, "PeerGraphDelete(NULL peer id) returned %#lx\n", hr);
    hr = PeerGraphDelete(graph_id, peer_id, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphDelete(NULL database) returned %#lx\n", hr);
    hr = PeerGraphDelete(NULL, NULL, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphDelete(NULL, NULL, NULL) returned %#lx\n", hr);

    hr = PeerGraphDelete(graph_id, peer_id, db_name);
    ok(hr == S_OK, "PeerGraphDelete returned %#lx\n", hr);

    /* the data is gone: Open makes a new, empty, never synchronized database */
    graph = NULL;
    hr = PeerGraphOpen(graph_id, peer_id, db_name, NULL, 0, NULL, &graph);
    ok(hr == PEER_S_GRAPH_DATA_CREATED, "PeerGraphOpen of a deleted graph returned %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        got_props = (PEER_GRAPH_PROPERTIES *)0xdeadbeef;
        hr = PeerGraphGetProperties(graph, &got_props);
        ok(hr == PEER_E_GRAPH_NOT_READY, "PeerGraphGetProperties of a new database returned %#lx\n", hr);
        if (hr == S_OK) PeerGraphFreeData(got_props);
        close_graph(graph, __LINE__);
    }
    delete_graph(graph_id, db_name, __LINE__);

    /* a graph that never existed */
    make_graph_names(unknown_id, unknown_db, "graph", "unknown");
    graph = NULL;
    hr = PeerGraphOpen(unknown_id, peer_id, unknown_db, NULL, 0, NULL, &graph);
    ok(hr == PEER_S_GRAPH_DATA_CREATED, "PeerGraphOpen of an unknown graph returned %#lx\n", hr);
    if (FAILED(hr)) return;
    ok(graph != NULL, "no graph handle\n");

    check_status(graph, FALSE, __LINE__);
    test_time(graph, TRUE);

    got_props = (PEER_GRAPH_PROPERTIES *)0xdeadbeef;
    hr = PeerGraphGetProperties(graph, &got_props);
    ok(hr == PEER_E_GRAPH_NOT_READY, "PeerGraphGetProperties returned %#lx\n", hr);
    if (hr == S_OK) PeerGraphFreeData(got_props);

    GetSystemTimeAsFileTime(&now);
    memset(&record, 0, sizeof(record));
    record.dwSize = sizeof(record);
    record.type = test_record_type;
    record.ftExpiration = ull_to_ft(ft_to_ull(&now) + 3600 * SECOND);
    hr = PeerGraphAddRecord(graph, &record, &record_id);
    ok(hr == PEER_E_GRAPH_NOT_READY, "PeerGraphAddRecord returned %#lx\n", hr);
    record_id = test_record_type;
    got_record = (PEER_RECORD *)0xdeadbeef;
    hr = PeerGraphGetRecord(graph, &record_id, &got_record);
    ok(hr == PEER_E_GRAPH_NOT_READY, "PeerGraphGetRecord returned %#lx\n", hr);
    if (hr == S_OK) PeerGraphFreeData(got_record);
    record.id = record_id;
    hr = PeerGraphUpdateRecord(graph, &record);
    ok(hr == PEER_E_GRAPH_NOT_READY, "PeerGraphUpdateRecord returned %#lx\n", hr);
    hr = PeerGraphDeleteRecord(graph, &record_id, FALSE);
    ok(hr == PEER_E_GRAPH_NOT_READY, "PeerGraphDeleteRecord returned %#lx\n", hr);
    peer_enum = NULL;
    hr = PeerGraphEnumRecords(graph, NULL, NULL, &peer_enum);
    ok(hr == PEER_E_GRAPH_NOT_READY, "PeerGraphEnumRecords returned %#lx\n", hr);
    if (hr == S_OK) PeerGraphEndEnumeration(peer_enum);

    status = 0;
    hr = PeerGraphGetStatus(graph, &status);
    ok(hr == S_OK, "PeerGraphGetStatus returned %#lx\n", hr);

    close_graph(graph, __LINE__);

    /* a never synchronized database is still a database: Open finds it now */
    graph = NULL;
    hr = PeerGraphOpen(unknown_id, peer_id, unknown_db, NULL, 0, NULL, &graph);
    ok(hr == S_OK || hr == PEER_S_GRAPH_DATA_CREATED, "second PeerGraphOpen returned %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        check_status(graph, FALSE, __LINE__);
        close_graph(graph, __LINE__);
    }
    delete_graph(unknown_id, unknown_db, __LINE__);
}

/* Handles of other kinds are not graphs, and failing on them must not destroy them. */
static void test_other_handle_types(void)
{
    PEER_GRAPH_EVENT_REGISTRATION registration = {PEER_GRAPH_EVENT_PROPERTY_CHANGED, NULL};
    WCHAR graph_id[128], db_name[128];
    PEER_GRAPH_PROPERTIES props, *got_props;
    HPEEREVENT peer_event = NULL;
    HPEERENUM peer_enum = NULL;
    HGRAPH graph = NULL;
    HANDLE event;
    DWORD status;
    ULONG count;
    HRESULT hr;

    make_graph_names(graph_id, db_name, "graph", "handles");
    init_properties(&props, graph_id);
    hr = PeerGraphCreate(&props, db_name, NULL, &graph);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr != S_OK) return;

    hr = PeerGraphEnumRecords(graph, NULL, NULL, &peer_enum);
    ok(hr == S_OK, "PeerGraphEnumRecords returned %#lx\n", hr);
    if (hr == S_OK)
    {
        hr = PeerGraphGetStatus((HGRAPH)peer_enum, &status);
        ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphGetStatus(enumeration) returned %#lx\n", hr);
        hr = PeerGraphGetProperties((HGRAPH)peer_enum, &got_props);
        ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphGetProperties(enumeration) returned %#lx\n", hr);
        hr = PeerGraphClose((HGRAPH)peer_enum);
        ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphClose(enumeration) returned %#lx\n", hr);
        hr = PeerGraphGetItemCount(peer_enum, &count);
        ok(hr == S_OK, "PeerGraphGetItemCount after PeerGraphClose(enumeration) returned %#lx\n", hr);
        hr = PeerGraphEndEnumeration(peer_enum);
        ok(hr == S_OK, "PeerGraphEndEnumeration returned %#lx\n", hr);
    }

    event = CreateEventW(NULL, FALSE, FALSE, NULL);
    hr = PeerGraphRegisterEvent(graph, event, 1, &registration, &peer_event);
    ok(hr == S_OK, "PeerGraphRegisterEvent returned %#lx\n", hr);
    if (hr == S_OK)
    {
        hr = PeerGraphGetStatus((HGRAPH)peer_event, &status);
        ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphGetStatus(event) returned %#lx\n", hr);
        hr = PeerGraphClose((HGRAPH)peer_event);
        ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphClose(event) returned %#lx\n", hr);
        hr = PeerGraphUnregisterEvent(peer_event);
        ok(hr == S_OK, "PeerGraphUnregisterEvent returned %#lx\n", hr);
    }
    CloseHandle(event);

    /* the graph survived */
    check_properties(graph, &props, __LINE__);
    close_graph(graph, __LINE__);
    delete_graph(graph_id, db_name, __LINE__);
}

/* Two graphs at once are independent. */
static void test_two_graphs(void)
{
    WCHAR graph_id1[128], db_name1[128], graph_id2[128], db_name2[128];
    WCHAR name2[] = L"p2ptest second graph";
    PEER_GRAPH_PROPERTIES props1, props2;
    HGRAPH graph1 = NULL, graph2 = NULL;
    HRESULT hr;

    make_graph_names(graph_id1, db_name1, "graph", "first");
    make_graph_names(graph_id2, db_name2, "graph", "second");
    init_properties(&props1, graph_id1);
    init_properties(&props2, graph_id2);
    props2.pwzFriendlyName = name2;
    props2.pwzComment = NULL;
    props2.dwScope = PEER_GRAPH_SCOPE_SITELOCAL;
    props2.dwMaxRecordSize = 1024;

    hr = PeerGraphCreate(&props1, db_name1, NULL, &graph1);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    hr = PeerGraphCreate(&props2, db_name2, NULL, &graph2);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (!graph1 || !graph2)
    {
        if (graph1) PeerGraphClose(graph1);
        if (graph2) PeerGraphClose(graph2);
        PeerGraphDelete(graph_id1, peer_id, db_name1);
        PeerGraphDelete(graph_id2, peer_id, db_name2);
        return;
    }
    ok(graph1 != graph2, "both graphs have handle %p\n", graph1);

    check_properties(graph1, &props1, __LINE__);
    check_properties(graph2, &props2, __LINE__);

    close_graph(graph1, __LINE__);
    check_properties(graph2, &props2, __LINE__);
    delete_graph(graph_id1, db_name1, __LINE__);
    check_properties(graph2, &props2, __LINE__);
    close_graph(graph2, __LINE__);
    delete_graph(graph_id2, db_name2, __LINE__);
}

/* Strings are UTF-16; the limits count UTF-16 code units. */
static void test_unicode(void)
{
    WCHAR graph_id[128], db_name[128], unicode_id[160];
    WCHAR unicode_name[] = L"Gr\x00fc\x00df" L"e, \x65e5\x672c \xd83d\xde00 \x0416";
    WCHAR unicode_comment[] = L"\xd834\xdd1e caf\x00e9 \x20ac \xfeff\xfffd";
    WCHAR unicode_peer[] = L"p2ptest-\x00e9\x00e8-\xd83d\xde03-peer";
    WCHAR long_name[300];
    PEER_GRAPH_PROPERTIES props;
    HGRAPH graph = NULL;
    unsigned int i;
    HRESULT hr;

    make_graph_names(graph_id, db_name, "graph", "unicode");
    lstrcpyW(unicode_id, graph_id);
    lstrcatW(unicode_id, L"-\x00e4\x00f6\x00fc-\xd83d\xde00");
    init_properties(&props, unicode_id);
    props.pwzCreatorId = unicode_peer;
    props.pwzFriendlyName = unicode_name;
    props.pwzComment = unicode_comment;
    hr = PeerGraphCreate(&props, db_name, NULL, &graph);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr == S_OK)
    {
        check_properties(graph, &props, __LINE__);
        close_graph(graph, __LINE__);
        graph = NULL;
        hr = PeerGraphOpen(unicode_id, unicode_peer, db_name, NULL, 0, NULL, &graph);
        ok(hr == S_OK, "PeerGraphOpen returned %#lx\n", hr);
        if (hr == S_OK)
        {
            check_properties(graph, &props, __LINE__);
            close_graph(graph, __LINE__);
        }
        hr = PeerGraphDelete(unicode_id, unicode_peer, db_name);
        ok(hr == S_OK, "PeerGraphDelete returned %#lx\n", hr);
    }

    /* 128 surrogate pairs are 256 code units: one too many */
    for (i = 0; i < 256; i += 2)
    {
        long_name[i] = 0xd83d;
        long_name[i + 1] = 0xde00;
    }
    long_name[256] = 0;
    make_graph_names(graph_id, db_name, "graph", "unicode-long");
    init_properties(&props, graph_id);
    props.pwzFriendlyName = long_name;
    hr = try_create(&props, db_name);
    ok(hr == E_INVALIDARG, "friendly name of 128 surrogate pairs: PeerGraphCreate returned %#lx\n", hr);
    /* 127 pairs and one more character are 255 */
    long_name[254] = 'x';
    long_name[255] = 0;
    hr = try_create(&props, db_name);
    ok(hr == S_OK, "friendly name of 127 surrogate pairs + 1: PeerGraphCreate returned %#lx\n", hr);
}

/* The last PeerGraphShutdown closes the graphs that are still open; their data stays. */
static void test_shutdown_closes_graphs(void)
{
    PEER_GRAPH_EVENT_REGISTRATION registration = {PEER_GRAPH_EVENT_PROPERTY_CHANGED, NULL};
    WCHAR graph_id[128], db_name[128];
    PEER_GRAPH_PROPERTIES props;
    PEER_VERSION_DATA version;
    HPEEREVENT peer_event = NULL;
    HGRAPH graph = NULL, graph2 = NULL;
    HANDLE event;
    DWORD status;
    HRESULT hr;

    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    if (hr != S_OK) return;
    make_graph_names(graph_id, db_name, "graph", "shutdown");
    init_properties(&props, graph_id);
    props.ulPresenceLifetime = 777;
    hr = PeerGraphCreate(&props, db_name, NULL, &graph);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    event = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (hr == S_OK)
    {
        hr = PeerGraphRegisterEvent(graph, event, 1, &registration, &peer_event);
        ok(hr == S_OK, "PeerGraphRegisterEvent returned %#lx\n", hr);
    }

    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);
    if (!graph)
    {
        CloseHandle(event);
        return;
    }
    hr = PeerGraphGetStatus(graph, &status);
    ok(hr == PEER_E_NOT_INITIALIZED, "PeerGraphGetStatus after the last Shutdown returned %#lx\n", hr);
    hr = PeerGraphClose(graph);
    ok(hr == PEER_E_NOT_INITIALIZED, "PeerGraphClose after the last Shutdown returned %#lx\n", hr);

    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    if (hr != S_OK) return;
    hr = PeerGraphGetStatus(graph, &status);
    ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphGetStatus of a graph closed by Shutdown returned %#lx\n", hr);
    hr = PeerGraphClose(graph);
    ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphClose of a graph closed by Shutdown returned %#lx\n", hr);
    if (peer_event)
    {
        hr = PeerGraphUnregisterEvent(peer_event);
        ok(hr == E_INVALIDARG, "PeerGraphUnregisterEvent of a registration released by Shutdown returned %#lx\n",
           hr);
    }
    CloseHandle(event);

    /* the graph was closed, not deleted */
    hr = PeerGraphCreate(&props, db_name, NULL, &graph2);
    ok(hr == PEER_E_DUPLICATE_GRAPH, "PeerGraphCreate returned %#lx\n", hr);
    if (hr == S_OK) PeerGraphClose(graph2);
    graph2 = NULL;
    hr = PeerGraphOpen(graph_id, peer_id, db_name, NULL, 0, NULL, &graph2);
    ok(hr == S_OK, "PeerGraphOpen returned %#lx\n", hr);
    if (hr == S_OK)
    {
        check_properties(graph2, &props, __LINE__);
        close_graph(graph2, __LINE__);
    }
    delete_graph(graph_id, db_name, __LINE__);
    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);
}

static BOOL graphs_implemented(void)
{
    WCHAR graph_id[128], db_name[128];
    PEER_GRAPH_PROPERTIES props;
    HGRAPH graph = NULL;
    HRESULT hr;

    make_graph_names(graph_id, db_name, "graph", "probe");
    init_properties(&props, graph_id);
    hr = PeerGraphCreate(&props, db_name, NULL, &graph);
    if (hr == E_NOTIMPL) return FALSE;
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr == S_OK)
    {
        close_graph(graph, __LINE__);
        delete_graph(graph_id, db_name, __LINE__);
    }
    return TRUE;
}

START_TEST(graph)
{
    PEER_VERSION_DATA version;
    BOOL implemented;
    HRESULT hr;

    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    if (hr != S_OK) return;

    test_invalid_handles();

    if (!(implemented = graphs_implemented()))
        skip("PeerGraphCreate is not implemented\n");
    else
    {
        test_create_invalid();
        test_create_open_close();
        test_other_handle_types();
        test_two_graphs();
        test_unicode();
    }

    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);

    if (implemented) test_shutdown_closes_graphs();
}
