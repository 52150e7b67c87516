/*
 * PeerGraphStartup / PeerGraphShutdown tests
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

#define THREAD_COUNT 8
#define THREAD_ITERATIONS 200
#define THREAD_WAIT_MS 20000

/* A call that needs an initialized library and fails on its arguments otherwise:
 * E_INVALIDARG while at least one reference is held, PEER_E_NOT_INITIALIZED when not. */
static HRESULT probe_initialized(void)
{
    ULONG count = 0;

    return PeerGraphGetItemCount(NULL, &count);
}

static void check_initialized(int line)
{
    HRESULT hr = probe_initialized();

    ok(hr == E_INVALIDARG, "line %d: library should be initialized, probe returned %#lx\n", line, hr);
}

static void check_not_initialized(int line)
{
    HRESULT hr = probe_initialized();

    ok(hr == PEER_E_NOT_INITIALIZED, "line %d: library should not be initialized, probe returned %#lx\n",
       line, hr);
}

#define CHECK_NOT_INITIALIZED(call) \
    do { \
        HRESULT hr_ = (call); \
        ok(hr_ == PEER_E_NOT_INITIALIZED, "%s: %s returned %#lx\n", when, #call, hr_); \
    } while (0)

/* Every function except Startup and FreeData, with NULL handles and NULL or zero everything else. */
static void check_all_not_initialized_null_args(const char *when)
{
    CHECK_NOT_INITIALIZED(PeerGraphGetItemCount(NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphGetNextItem(NULL, NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphEndEnumeration(NULL));
    CHECK_NOT_INITIALIZED(PeerGraphCreate(NULL, NULL, NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphOpen(NULL, NULL, NULL, NULL, 0, NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphListen(NULL, 0, 0, 0));
    CHECK_NOT_INITIALIZED(PeerGraphConnect(NULL, NULL, NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphClose(NULL));
    CHECK_NOT_INITIALIZED(PeerGraphDelete(NULL, NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphGetStatus(NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphGetProperties(NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphSetProperties(NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphRegisterEvent(NULL, NULL, 0, NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphUnregisterEvent(NULL));
    CHECK_NOT_INITIALIZED(PeerGraphGetEventData(NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphGetRecord(NULL, NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphAddRecord(NULL, NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphUpdateRecord(NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphDeleteRecord(NULL, NULL, FALSE));
    CHECK_NOT_INITIALIZED(PeerGraphEnumRecords(NULL, NULL, NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphSearchRecords(NULL, NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphExportDatabase(NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphImportDatabase(NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphValidateDeferredRecords(NULL, 0, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphOpenDirectConnection(NULL, NULL, NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphSendData(NULL, 0, NULL, 0, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphCloseDirectConnection(NULL, 0));
    CHECK_NOT_INITIALIZED(PeerGraphEnumConnections(NULL, 0, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphEnumNodes(NULL, NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphSetPresence(NULL, FALSE));
    CHECK_NOT_INITIALIZED(PeerGraphGetNodeInfo(NULL, 0, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphSetNodeAttributes(NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphPeerTimeToUniversalTime(NULL, NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphUniversalTimeToPeerTime(NULL, NULL, NULL));
    CHECK_NOT_INITIALIZED(PeerGraphShutdown());

    PeerGraphFreeData(NULL);
}

/* The same with valid output pointers and plausible inputs, so that only the missing
 * Startup is wrong.  Handles stay NULL: nothing here may create or touch a real graph. */
static void check_all_not_initialized_valid_args(const char *when)
{
    static const GUID type = {0x8d5a3a51, 0x4d7e, 0x4a0c, {0x9c, 0x1e, 0x52, 0x8e, 0x2c, 0x61, 0x0a, 0x77}};
    WCHAR peer_id[] = L"p2ptest-startup-peer";
    WCHAR graph_id[] = L"p2ptest-startup-never-created";
    WCHAR db_name[] = L"p2ptest-startup-never-created.db";
    WCHAR attributes[] = L"p2ptest";
    PEER_GRAPH_EVENT_REGISTRATION registration = {PEER_GRAPH_EVENT_STATUS_CHANGED, NULL};
    PEER_GRAPH_PROPERTIES *properties = NULL, set_properties;
    PEER_GRAPH_EVENT_DATA *event_data = NULL;
    PEER_NODE_INFO *node_info = NULL;
    PEER_RECORD record, *got_record = NULL;
    PEER_ADDRESS address;
    HPEEREVENT peer_event = NULL;
    HPEERENUM peer_enum = NULL;
    ULONGLONG connection = 0;
    FILETIME ft_in, ft_out;
    GUID record_id = type;
    HGRAPH graph = NULL;
    PVOID *items = NULL;
    ULONG count = 1;
    DWORD status = 0;
    BYTE data[4] = {1, 2, 3, 4};
    HANDLE event;

    memset(&set_properties, 0, sizeof(set_properties));
    set_properties.dwSize = sizeof(set_properties);
    memset(&record, 0, sizeof(record));
    record.dwSize = sizeof(record);
    record.type = type;
    memset(&address, 0, sizeof(address));
    address.dwSize = sizeof(address);
    address.sin6.sin6_family = AF_INET6;
    address.sin6.sin6_addr.s6_addr[15] = 1;
    GetSystemTimeAsFileTime(&ft_in);
    event = CreateEventW(NULL, FALSE, FALSE, NULL);

    CHECK_NOT_INITIALIZED(PeerGraphGetItemCount(NULL, &count));
    CHECK_NOT_INITIALIZED(PeerGraphGetNextItem(NULL, &count, &items));
    CHECK_NOT_INITIALIZED(PeerGraphEndEnumeration(NULL));
    CHECK_NOT_INITIALIZED(PeerGraphCreate(NULL, db_name, NULL, &graph));
    CHECK_NOT_INITIALIZED(PeerGraphOpen(graph_id, peer_id, db_name, NULL, 0, NULL, &graph));
    CHECK_NOT_INITIALIZED(PeerGraphListen(NULL, PEER_GRAPH_SCOPE_GLOBAL, 0, 0));
    CHECK_NOT_INITIALIZED(PeerGraphConnect(NULL, peer_id, &address, &connection));
    CHECK_NOT_INITIALIZED(PeerGraphClose(NULL));
    CHECK_NOT_INITIALIZED(PeerGraphDelete(graph_id, peer_id, db_name));
    CHECK_NOT_INITIALIZED(PeerGraphGetStatus(NULL, &status));
    CHECK_NOT_INITIALIZED(PeerGraphGetProperties(NULL, &properties));
    CHECK_NOT_INITIALIZED(PeerGraphSetProperties(NULL, &set_properties));
    CHECK_NOT_INITIALIZED(PeerGraphRegisterEvent(NULL, event, 1, &registration, &peer_event));
    CHECK_NOT_INITIALIZED(PeerGraphUnregisterEvent(NULL));
    CHECK_NOT_INITIALIZED(PeerGraphGetEventData(NULL, &event_data));
    CHECK_NOT_INITIALIZED(PeerGraphGetRecord(NULL, &record_id, &got_record));
    CHECK_NOT_INITIALIZED(PeerGraphAddRecord(NULL, &record, &record_id));
    CHECK_NOT_INITIALIZED(PeerGraphUpdateRecord(NULL, &record));
    CHECK_NOT_INITIALIZED(PeerGraphDeleteRecord(NULL, &record_id, TRUE));
    CHECK_NOT_INITIALIZED(PeerGraphEnumRecords(NULL, &type, peer_id, &peer_enum));
    CHECK_NOT_INITIALIZED(PeerGraphSearchRecords(NULL, L"<peersearch><clause attrib=\"peercreatorid\" "
            L"type=\"string\">p2ptest</clause></peersearch>", &peer_enum));
    CHECK_NOT_INITIALIZED(PeerGraphExportDatabase(NULL, L"C:\\p2ptest-startup-export.db"));
    CHECK_NOT_INITIALIZED(PeerGraphImportDatabase(NULL, L"C:\\p2ptest-startup-import.db"));
    CHECK_NOT_INITIALIZED(PeerGraphValidateDeferredRecords(NULL, 1, &record_id));
    CHECK_NOT_INITIALIZED(PeerGraphOpenDirectConnection(NULL, peer_id, &address, &connection));
    CHECK_NOT_INITIALIZED(PeerGraphSendData(NULL, 1, &type, sizeof(data), data));
    CHECK_NOT_INITIALIZED(PeerGraphCloseDirectConnection(NULL, 1));
    CHECK_NOT_INITIALIZED(PeerGraphEnumConnections(NULL, PEER_CONNECTION_NEIGHBOR | PEER_CONNECTION_DIRECT,
            &peer_enum));
    CHECK_NOT_INITIALIZED(PeerGraphEnumNodes(NULL, NULL, &peer_enum));
    CHECK_NOT_INITIALIZED(PeerGraphSetPresence(NULL, TRUE));
    CHECK_NOT_INITIALIZED(PeerGraphGetNodeInfo(NULL, 0, &node_info));
    CHECK_NOT_INITIALIZED(PeerGraphSetNodeAttributes(NULL, attributes));
    CHECK_NOT_INITIALIZED(PeerGraphPeerTimeToUniversalTime(NULL, &ft_in, &ft_out));
    CHECK_NOT_INITIALIZED(PeerGraphUniversalTimeToPeerTime(NULL, &ft_in, &ft_out));
    CHECK_NOT_INITIALIZED(PeerGraphShutdown());

    PeerGraphFreeData(NULL);
    CloseHandle(event);
}

static void check_all_not_initialized(const char *when)
{
    check_all_not_initialized_null_args(when);
    check_all_not_initialized_valid_args(when);
}

static void test_version(void)
{
    static const WORD higher_versions[] = {MAKEWORD(1, 1), MAKEWORD(2, 0), MAKEWORD(2, 2), MAKEWORD(255, 255)};
    PEER_VERSION_DATA data;
    HRESULT hr;
    unsigned int i;

    memset(&data, 0xcc, sizeof(data));
    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &data);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    ok(data.wVersion == PEER_GRAPH_VERSION, "wVersion %#x\n", data.wVersion);
    ok(data.wHighestVersion == PEER_GRAPH_VERSION, "wHighestVersion %#x\n", data.wHighestVersion);
    check_initialized(__LINE__);
    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);
    hr = PeerGraphShutdown();
    ok(hr == PEER_E_NOT_INITIALIZED, "second PeerGraphShutdown returned %#lx\n", hr);

    /* no version below 1.0 exists; a failed Startup takes no reference */
    hr = PeerGraphStartup(0, &data);
    ok(hr == PEER_E_UNSUPPORTED_VERSION, "PeerGraphStartup(0) returned %#lx\n", hr);
    check_not_initialized(__LINE__);
    hr = PeerGraphShutdown();
    ok(hr == PEER_E_NOT_INITIALIZED, "PeerGraphShutdown after a failed Startup returned %#lx\n", hr);

    /* the low byte is the major version: MAKEWORD(0,1) asks for 0.1 */
    hr = PeerGraphStartup(MAKEWORD(0, 1), &data);
    ok(hr == PEER_E_UNSUPPORTED_VERSION, "PeerGraphStartup(0.1) returned %#lx\n", hr);
    hr = PeerGraphShutdown();
    ok(hr == PEER_E_NOT_INITIALIZED, "PeerGraphShutdown after Startup(0.1) returned %#lx\n", hr);

    /* like WSAStartup: a newer request is answered with the version we have */
    for (i = 0; i < ARRAYSIZE(higher_versions); i++)
    {
        memset(&data, 0xcc, sizeof(data));
        hr = PeerGraphStartup(higher_versions[i], &data);
        ok(hr == S_OK || broken(hr == PEER_E_UNSUPPORTED_VERSION),
           "PeerGraphStartup(%#x) returned %#lx\n", higher_versions[i], hr);
        if (hr == S_OK)
        {
            ok(data.wVersion == PEER_GRAPH_VERSION, "version %#x: wVersion %#x\n",
               higher_versions[i], data.wVersion);
            ok(data.wHighestVersion == PEER_GRAPH_VERSION, "version %#x: wHighestVersion %#x\n",
               higher_versions[i], data.wHighestVersion);
            hr = PeerGraphShutdown();
            ok(hr == S_OK, "version %#x: PeerGraphShutdown returned %#lx\n", higher_versions[i], hr);
        }
        hr = PeerGraphShutdown();
        ok(hr == PEER_E_NOT_INITIALIZED, "version %#x: last PeerGraphShutdown returned %#lx\n",
           higher_versions[i], hr);
    }

    /* pVersionData only reports versions; the page lists no E_INVALIDARG: Startup succeeds
     * and writes nothing (docs/api-contract.md) */
    hr = PeerGraphStartup(PEER_GRAPH_VERSION, NULL);
    ok(hr == S_OK || broken(hr == E_INVALIDARG || hr == E_POINTER), "PeerGraphStartup(NULL) returned %#lx\n", hr);
    if (hr == S_OK)
    {
        check_initialized(__LINE__);
        hr = PeerGraphShutdown();
        ok(hr == S_OK, "PeerGraphShutdown after Startup(NULL) returned %#lx\n", hr);
    }
    hr = PeerGraphShutdown();
    ok(hr == PEER_E_NOT_INITIALIZED, "second PeerGraphShutdown after Startup(NULL) returned %#lx\n", hr);

    /* a failed Startup does not disturb references already held either */
    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &data);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    hr = PeerGraphStartup(0, &data);
    ok(hr == PEER_E_UNSUPPORTED_VERSION, "PeerGraphStartup(0) returned %#lx\n", hr);
    check_initialized(__LINE__);
    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);
    hr = PeerGraphShutdown();
    ok(hr == PEER_E_NOT_INITIALIZED, "second PeerGraphShutdown returned %#lx\n", hr);
}

static void test_reference_count(void)
{
    PEER_VERSION_DATA data;
    HRESULT hr;
    int i;

    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &data);
    ok(hr == S_OK, "first PeerGraphStartup returned %#lx\n", hr);
    memset(&data, 0xcc, sizeof(data));
    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &data);
    ok(hr == S_OK, "second PeerGraphStartup returned %#lx\n", hr);
    ok(data.wVersion == PEER_GRAPH_VERSION, "second Startup: wVersion %#x\n", data.wVersion);
    ok(data.wHighestVersion == PEER_GRAPH_VERSION, "second Startup: wHighestVersion %#x\n",
       data.wHighestVersion);

    hr = PeerGraphShutdown();
    ok(hr == S_OK, "first PeerGraphShutdown returned %#lx\n", hr);
    check_initialized(__LINE__);
    hr = PeerGraphShutdown();
    ok(hr == S_OK, "second PeerGraphShutdown returned %#lx\n", hr);
    check_not_initialized(__LINE__);
    hr = PeerGraphShutdown();
    ok(hr == PEER_E_NOT_INITIALIZED, "third PeerGraphShutdown returned %#lx\n", hr);

    for (i = 0; i < 10; i++)
    {
        hr = PeerGraphStartup(PEER_GRAPH_VERSION, &data);
        ok(hr == S_OK, "PeerGraphStartup %d returned %#lx\n", i, hr);
    }
    for (i = 0; i < 10; i++)
    {
        check_initialized(__LINE__);
        hr = PeerGraphShutdown();
        ok(hr == S_OK, "PeerGraphShutdown %d returned %#lx\n", i, hr);
    }
    hr = PeerGraphShutdown();
    ok(hr == PEER_E_NOT_INITIALIZED, "extra PeerGraphShutdown returned %#lx\n", hr);
}

struct thread_data
{
    HANDLE go;
    unsigned int index;
    unsigned int iterations;
};

static DWORD WINAPI startup_thread(void *arg)
{
    struct thread_data *td = arg;
    unsigned int i, startup_failures = 0, shutdown_failures = 0, version_failures = 0, probe_failures = 0;
    HRESULT first_startup = S_OK, first_shutdown = S_OK, first_probe = E_INVALIDARG;
    PEER_VERSION_DATA data;
    HRESULT hr;

    WaitForSingleObject(td->go, THREAD_WAIT_MS);
    for (i = 0; i < td->iterations; i++)
    {
        memset(&data, 0xcc, sizeof(data));
        hr = PeerGraphStartup(PEER_GRAPH_VERSION, &data);
        if (hr != S_OK)
        {
            if (!startup_failures++) first_startup = hr;
            continue;
        }
        if (data.wVersion != PEER_GRAPH_VERSION || data.wHighestVersion != PEER_GRAPH_VERSION)
            version_failures++;

        /* our reference keeps the library up however the other threads race */
        hr = probe_initialized();
        if (hr != E_INVALIDARG && !probe_failures++) first_probe = hr;

        hr = PeerGraphShutdown();
        if (hr != S_OK && !shutdown_failures++) first_shutdown = hr;
    }

    ok(!startup_failures, "thread %u: %u of %u PeerGraphStartup calls failed, first with %#lx\n",
       td->index, startup_failures, td->iterations, first_startup);
    ok(!version_failures, "thread %u: %u PeerGraphStartup calls returned wrong version data\n",
       td->index, version_failures);
    ok(!probe_failures, "thread %u: %u calls while holding a reference returned %#lx (first)\n",
       td->index, probe_failures, first_probe);
    ok(!shutdown_failures, "thread %u: %u PeerGraphShutdown calls failed, first with %#lx\n",
       td->index, shutdown_failures, first_shutdown);
    return 0;
}

/* Returns FALSE if the threads did not finish; the library is then in an unknown state. */
static BOOL run_startup_threads(unsigned int iterations)
{
    struct thread_data td[THREAD_COUNT];
    HANDLE threads[THREAD_COUNT];
    HANDLE go = CreateEventW(NULL, TRUE, FALSE, NULL);
    unsigned int i, started = 0;
    DWORD start, ret;

    for (i = 0; i < THREAD_COUNT; i++)
    {
        td[i].go = go;
        td[i].index = i;
        td[i].iterations = iterations;
        threads[started] = CreateThread(NULL, 0, startup_thread, &td[i], 0, NULL);
        ok(threads[started] != NULL, "CreateThread failed: %lu\n", GetLastError());
        if (threads[started]) started++;
    }

    start = GetTickCount();
    SetEvent(go);
    ret = WaitForMultipleObjects(started, threads, TRUE, THREAD_WAIT_MS);
    ok(ret == WAIT_OBJECT_0, "threads did not finish: %#lx\n", ret);
    trace("%u threads x %u Startup/Shutdown pairs took %lu ms\n", started, iterations, GetTickCount() - start);

    for (i = 0; i < started; i++) CloseHandle(threads[i]);
    CloseHandle(go);
    return ret == WAIT_OBJECT_0;
}

static BOOL test_threads_with_reference(void)
{
    PEER_VERSION_DATA data;
    HRESULT hr;

    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &data);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    if (!run_startup_threads(THREAD_ITERATIONS)) return FALSE;

    /* only the main thread's reference is left */
    check_initialized(__LINE__);
    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);
    check_not_initialized(__LINE__);
    hr = PeerGraphShutdown();
    ok(hr == PEER_E_NOT_INITIALIZED, "second PeerGraphShutdown returned %#lx\n", hr);
    return TRUE;
}

/* nobody holds the library up: it really starts and stops many times under contention */
static BOOL test_threads_without_reference(void)
{
    HRESULT hr;

    check_not_initialized(__LINE__);
    if (!run_startup_threads(THREAD_ITERATIONS)) return FALSE;

    check_not_initialized(__LINE__);
    hr = PeerGraphShutdown();
    ok(hr == PEER_E_NOT_INITIALIZED, "PeerGraphShutdown returned %#lx\n", hr);
    return TRUE;
}

/* a full stop followed by a new Startup gives a working library again */
static void test_restart(void)
{
    PEER_VERSION_DATA data;
    HRESULT hr;
    int i;

    for (i = 0; i < 20; i++)
    {
        memset(&data, 0xcc, sizeof(data));
        hr = PeerGraphStartup(PEER_GRAPH_VERSION, &data);
        ok(hr == S_OK, "restart %d: PeerGraphStartup returned %#lx\n", i, hr);
        ok(data.wVersion == PEER_GRAPH_VERSION, "restart %d: wVersion %#x\n", i, data.wVersion);
        check_initialized(__LINE__);
        hr = PeerGraphShutdown();
        ok(hr == S_OK, "restart %d: PeerGraphShutdown returned %#lx\n", i, hr);
        check_not_initialized(__LINE__);
    }
}

/* The last PeerGraphShutdown releases open graphs, enumerations and event registrations. */
static void test_shutdown_releases_handles(void)
{
    PEER_GRAPH_EVENT_REGISTRATION registration = {PEER_GRAPH_EVENT_STATUS_CHANGED, NULL};
    WCHAR peer_id[] = L"p2ptest-startup-peer", friendly_name[] = L"p2ptest startup";
    struct test_graph created;
    PEER_VERSION_DATA data;
    HPEEREVENT peer_event = NULL;
    HPEERENUM peer_enum = NULL;
    HGRAPH graph = NULL;
    DWORD status;
    ULONG count;
    HANDLE event;
    HRESULT hr;

    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &data);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);

    hr = create_default_graph(&created, "startup", peer_id, friendly_name);
    graph = created.handle;
    if (hr == E_NOTIMPL)
    {
        skip("PeerGraphCreate not available\n");
        hr = PeerGraphShutdown();
        ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);
        return;
    }
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr != S_OK)
    {
        PeerGraphShutdown();
        return;
    }

    hr = PeerGraphEnumRecords(graph, NULL, NULL, &peer_enum);
    ok(hr == S_OK, "PeerGraphEnumRecords returned %#lx\n", hr);
    event = CreateEventW(NULL, FALSE, FALSE, NULL);
    hr = PeerGraphRegisterEvent(graph, event, 1, &registration, &peer_event);
    ok(hr == S_OK, "PeerGraphRegisterEvent returned %#lx\n", hr);

    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown with an open graph returned %#lx\n", hr);
    hr = PeerGraphGetStatus(graph, &status);
    ok(hr == PEER_E_NOT_INITIALIZED, "PeerGraphGetStatus after Shutdown returned %#lx\n", hr);

    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &data);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    hr = PeerGraphGetStatus(graph, &status);
    ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphGetStatus on a graph released by Shutdown returned %#lx\n", hr);
    hr = PeerGraphClose(graph);
    ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphClose on a graph released by Shutdown returned %#lx\n", hr);
    if (peer_enum)
    {
        hr = PeerGraphGetItemCount(peer_enum, &count);
        ok(hr == E_INVALIDARG, "PeerGraphGetItemCount on a released enumeration returned %#lx\n", hr);
        hr = PeerGraphEndEnumeration(peer_enum);
        ok(hr == E_INVALIDARG, "PeerGraphEndEnumeration on a released enumeration returned %#lx\n", hr);
    }
    if (peer_event)
    {
        hr = PeerGraphUnregisterEvent(peer_event);
        ok(hr == E_INVALIDARG || broken(hr == PEER_E_EVENT_HANDLE_NOT_FOUND),
           "PeerGraphUnregisterEvent on a released registration returned %#lx\n", hr);
    }
    CloseHandle(event);

    /* the graph was closed by Shutdown, so its data can be deleted */
    hr = PeerGraphDelete(created.id, peer_id, created.db);
    ok(hr == S_OK, "PeerGraphDelete returned %#lx\n", hr);
    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);
}

START_TEST(startup)
{
    check_all_not_initialized("before Startup");

    test_version();
    test_reference_count();
    check_all_not_initialized("after the last Shutdown");

    if (!test_threads_with_reference()) return;
    if (!test_threads_without_reference()) return;
    check_all_not_initialized("after the thread tests");

    test_restart();
    test_version();
    test_reference_count();
    if (!test_threads_with_reference()) return;
    if (!test_threads_without_reference()) return;

    test_shutdown_releases_handles();
    check_all_not_initialized("at the end");
}
