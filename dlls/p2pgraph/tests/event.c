/*
 * Event tests: PeerGraphRegisterEvent, PeerGraphUnregisterEvent, PeerGraphGetEventData and the
 * events raised by local record and property changes and by record expiry
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

/* Everything here is local: no test calls PeerGraphListen or PeerGraphConnect.
 * Every wait is bounded; the whole program takes well under 30 seconds. */

#include <winsock2.h>
#include <windows.h>
#include <p2p.h>

#include "p2ptest.h"
#include "p2ptest_graph.h"

#define SECOND ((ULONGLONG)10000000)
#define HOUR (3600 * SECOND)

/* how long an event may take to arrive */
#define EVENT_WAIT_MS 2000
/* how long Windows may take to notice an expired record: its expiry timer is coarse */
#define EXPIRY_WAIT_MS 25000

static const GUID type_a = {0x9e1f4c20, 0x7d3b, 0x4a65, {0xb2, 0x48, 0x0c, 0x6d, 0x13, 0x5f, 0xa9, 0x70}};
static const GUID type_b = {0x9e1f4c21, 0x7d3b, 0x4a65, {0xb2, 0x48, 0x0c, 0x6d, 0x13, 0x5f, 0xa9, 0x70}};
static const GUID type_c = {0x9e1f4c22, 0x7d3b, 0x4a65, {0xb2, 0x48, 0x0c, 0x6d, 0x13, 0x5f, 0xa9, 0x70}};

static WCHAR peer_id[] = L"p2ptest-event-peer";

static HRESULT create_graph_flags(struct test_graph *graph, const char *tag, DWORD flags)
{
    WCHAR friendly_name[] = L"p2ptest event";
    PEER_GRAPH_PROPERTIES props;

    init_test_graph(graph, &props, "event", tag, peer_id, friendly_name);
    props.dwFlags = flags;
    return create_test_graph(graph, &props);
}

static HRESULT create_graph(struct test_graph *graph, const char *tag)
{
    return create_graph_flags(graph, tag, 0);
}

static HRESULT add_record(HGRAPH graph, const GUID *type, ULONGLONG expiration, GUID *id)
{
    static BYTE data[] = {'e', 'v', 'e', 'n', 't'};
    PEER_RECORD record;
    HRESULT hr;

    memset(&record, 0, sizeof(record));
    record.dwSize = sizeof(record);
    record.type = *type;
    record.ftExpiration = ull_to_ft(expiration);
    record.data.cbData = sizeof(data);
    record.data.pbData = data;
    memset(id, 0, sizeof(*id));
    hr = PeerGraphAddRecord(graph, &record, id);
    ok(hr == S_OK, "PeerGraphAddRecord returned %#lx\n", hr);
    return hr;
}

/* A registration with its Win32 event. */
struct registration
{
    HANDLE event;
    HPEEREVENT handle;
    BOOL own_event;
};

static BOOL register_events(HGRAPH graph, struct registration *reg, PEER_GRAPH_EVENT_REGISTRATION *types,
                            ULONG count, HANDLE shared_event)
{
    HRESULT hr;

    reg->own_event = !shared_event;
    reg->event = shared_event ? shared_event : CreateEventW(NULL, FALSE, FALSE, NULL);
    reg->handle = NULL;
    hr = PeerGraphRegisterEvent(graph, reg->event, count, types, &reg->handle);
    ok(hr == S_OK, "PeerGraphRegisterEvent returned %#lx\n", hr);
    ok(hr != S_OK || reg->handle != NULL, "no event handle\n");
    return hr == S_OK;
}

static void unregister_events(struct registration *reg)
{
    HRESULT hr;

    if (reg->handle)
    {
        hr = PeerGraphUnregisterEvent(reg->handle);
        ok(hr == S_OK, "PeerGraphUnregisterEvent returned %#lx\n", hr);
        reg->handle = NULL;
    }
    /* the Win32 event may only be closed after unregistering */
    if (reg->own_event && reg->event) CloseHandle(reg->event);
    reg->event = NULL;
}

/* Gets the next event, waiting up to timeout ms for one to be queued. */
static HRESULT wait_event_data(struct registration *reg, DWORD timeout, PEER_GRAPH_EVENT_DATA **data)
{
    DWORD start = GetTickCount(), elapsed, wait;
    HRESULT hr;

    for (;;)
    {
        *data = NULL;
        hr = PeerGraphGetEventData(reg->handle, data);
        if (hr != PEER_S_NO_EVENT_DATA) return hr;
        elapsed = GetTickCount() - start;
        if (elapsed >= timeout) return hr;
        wait = timeout - elapsed;
        if (wait > EVENT_WAIT_MS) wait = EVENT_WAIT_MS;
        WaitForSingleObject(reg->event, wait);
    }
}

static void expect_record_event(struct registration *reg, PEER_RECORD_CHANGE_TYPE change, const GUID *id,
                                const GUID *type, const char *what, int line)
{
    PEER_GRAPH_EVENT_DATA *data;
    HRESULT hr;

    hr = wait_event_data(reg, EVENT_WAIT_MS, &data);
    ok(hr == S_OK, "line %d: %s: PeerGraphGetEventData returned %#lx\n", line, what, hr);
    if (hr != S_OK) return;
    ok(data != NULL, "line %d: %s: no event data\n", line, what);
    if (!data) return;
    ok(data->eventType == PEER_GRAPH_EVENT_RECORD_CHANGED, "line %d: %s: event type %d\n", line, what,
       data->eventType);
    if (data->eventType == PEER_GRAPH_EVENT_RECORD_CHANGED)
    {
        const PEER_EVENT_RECORD_CHANGE_DATA *change_data = &data->recordChangeData;

        ok(change_data->dwSize == sizeof(*change_data), "line %d: %s: dwSize %lu\n", line, what,
           change_data->dwSize);
        ok(change_data->changeType == change, "line %d: %s: change type %d, expected %d\n", line, what,
           change_data->changeType, change);
        ok(guid_equal(&change_data->recordId, id), "line %d: %s: record %s, expected %s\n", line, what,
           dbgstr_guid(&change_data->recordId), dbgstr_guid(id));
        ok(guid_equal(&change_data->recordType, type), "line %d: %s: record type %s, expected %s\n", line, what,
           dbgstr_guid(&change_data->recordType), dbgstr_guid(type));
    }
    PeerGraphFreeData(data);
}

static void expect_property_event(struct registration *reg, const char *what, int line)
{
    PEER_GRAPH_EVENT_DATA *data;
    HRESULT hr;

    hr = wait_event_data(reg, EVENT_WAIT_MS, &data);
    ok(hr == S_OK, "line %d: %s: PeerGraphGetEventData returned %#lx\n", line, what, hr);
    if (hr != S_OK || !data) return;
    ok(data->eventType == PEER_GRAPH_EVENT_PROPERTY_CHANGED, "line %d: %s: event type %d\n", line, what,
       data->eventType);
    PeerGraphFreeData(data);
}

/* The queue is empty (now, and after a short while). */
static void expect_no_event(struct registration *reg, DWORD wait, const char *what, int line)
{
    PEER_GRAPH_EVENT_DATA *data;
    HRESULT hr;

    hr = wait_event_data(reg, wait, &data);
    ok(hr == PEER_S_NO_EVENT_DATA, "line %d: %s: PeerGraphGetEventData returned %#lx\n", line, what, hr);
    if (hr == S_OK && data)
    {
        trace("line %d: %s: unexpected event %d, change type %d\n", line, what, data->eventType,
              data->eventType == PEER_GRAPH_EVENT_RECORD_CHANGED ? data->recordChangeData.changeType : 0);
        PeerGraphFreeData(data);
    }
}

static void drain_events(struct registration *reg)
{
    PEER_GRAPH_EVENT_DATA *data;
    unsigned int i;

    for (i = 0; i < 100; i++)
    {
        data = NULL;
        if (PeerGraphGetEventData(reg->handle, &data) != S_OK) break;
        PeerGraphFreeData(data);
    }
}

static void test_register_invalid(HGRAPH graph)
{
    PEER_GRAPH_EVENT_REGISTRATION registrations[2], all_types[9];
    PEER_GRAPH_EVENT_DATA *data;
    HPEEREVENT peer_event;
    GUID type = type_a;
    unsigned int i;
    HANDLE event;
    HRESULT hr;

    event = CreateEventW(NULL, FALSE, FALSE, NULL);
    registrations[0].eventType = PEER_GRAPH_EVENT_RECORD_CHANGED;
    registrations[0].pType = &type;
    registrations[1].eventType = PEER_GRAPH_EVENT_PROPERTY_CHANGED;
    registrations[1].pType = NULL;

    peer_event = NULL;
    hr = PeerGraphRegisterEvent(graph, NULL, 1, registrations, &peer_event);
    ok(hr == E_INVALIDARG, "NULL event: PeerGraphRegisterEvent returned %#lx\n", hr);
    hr = PeerGraphRegisterEvent(graph, event, 0, registrations, &peer_event);
    ok(hr == E_INVALIDARG, "no registrations: PeerGraphRegisterEvent returned %#lx\n", hr);
    hr = PeerGraphRegisterEvent(graph, event, 1, NULL, &peer_event);
    ok(hr == E_INVALIDARG, "NULL registrations: PeerGraphRegisterEvent returned %#lx\n", hr);
    hr = PeerGraphRegisterEvent(graph, event, 2, NULL, &peer_event);
    ok(hr == E_INVALIDARG, "NULL registrations: PeerGraphRegisterEvent returned %#lx\n", hr);
    hr = PeerGraphRegisterEvent(graph, event, 1, registrations, NULL);
    ok(hr == E_INVALIDARG, "NULL handle pointer: PeerGraphRegisterEvent returned %#lx\n", hr);
    ok(peer_event == NULL, "got a handle %p\n", peer_event);

    registrations[0].eventType = 0;
    hr = PeerGraphRegisterEvent(graph, event, 1, registrations, &peer_event);
    ok(hr == E_INVALIDARG, "event type 0: PeerGraphRegisterEvent returned %#lx\n", hr);
    registrations[0].eventType = 10;
    hr = PeerGraphRegisterEvent(graph, event, 1, registrations, &peer_event);
    ok(hr == E_INVALIDARG, "event type 10: PeerGraphRegisterEvent returned %#lx\n", hr);
    registrations[0].eventType = 0x7fffffff;
    hr = PeerGraphRegisterEvent(graph, event, 1, registrations, &peer_event);
    ok(hr == E_INVALIDARG, "event type 0x7fffffff: PeerGraphRegisterEvent returned %#lx\n", hr);
    /* one bad entry spoils the array */
    registrations[0].eventType = PEER_GRAPH_EVENT_RECORD_CHANGED;
    registrations[1].eventType = 10;
    hr = PeerGraphRegisterEvent(graph, event, 2, registrations, &peer_event);
    ok(hr == E_INVALIDARG, "second entry invalid: PeerGraphRegisterEvent returned %#lx\n", hr);
    ok(peer_event == NULL, "got a handle %p\n", peer_event);

    /* every documented event type can be registered at once */
    for (i = 0; i < ARRAYSIZE(all_types); i++)
    {
        all_types[i].eventType = PEER_GRAPH_EVENT_STATUS_CHANGED + i;
        all_types[i].pType = NULL;
    }
    hr = PeerGraphRegisterEvent(graph, event, ARRAYSIZE(all_types), all_types, &peer_event);
    ok(hr == S_OK, "all event types: PeerGraphRegisterEvent returned %#lx\n", hr);
    if (hr == S_OK)
    {
        /* nothing has happened */
        data = NULL;
        hr = PeerGraphGetEventData(peer_event, &data);
        ok(hr == PEER_S_NO_EVENT_DATA || broken(hr == S_OK && data &&
                                                data->eventType == PEER_GRAPH_EVENT_STATUS_CHANGED),
           "PeerGraphGetEventData returned %#lx\n", hr);
        if (hr == S_OK) PeerGraphFreeData(data);
        hr = PeerGraphGetEventData(peer_event, NULL);
        ok(hr == E_INVALIDARG, "PeerGraphGetEventData(NULL) returned %#lx\n", hr);
        hr = PeerGraphUnregisterEvent(peer_event);
        ok(hr == S_OK, "PeerGraphUnregisterEvent returned %#lx\n", hr);
        hr = PeerGraphUnregisterEvent(peer_event);
        ok(hr == E_INVALIDARG, "second PeerGraphUnregisterEvent returned %#lx\n", hr);
        data = NULL;
        hr = PeerGraphGetEventData(peer_event, &data);
        ok(hr == E_INVALIDARG, "PeerGraphGetEventData after unregistering returned %#lx\n", hr);
    }

    /* handles that were never registrations */
    hr = PeerGraphUnregisterEvent(NULL);
    ok(hr == E_INVALIDARG, "PeerGraphUnregisterEvent(NULL) returned %#lx\n", hr);
    hr = PeerGraphUnregisterEvent((HPEEREVENT)0xdeadbeef);
    ok(hr == E_INVALIDARG, "PeerGraphUnregisterEvent(garbage) returned %#lx\n", hr);
    hr = PeerGraphUnregisterEvent((HPEEREVENT)graph);
    ok(hr == E_INVALIDARG, "PeerGraphUnregisterEvent(graph) returned %#lx\n", hr);
    hr = PeerGraphGetEventData(NULL, &data);
    ok(hr == E_INVALIDARG, "PeerGraphGetEventData(NULL) returned %#lx\n", hr);
    hr = PeerGraphGetEventData((HPEEREVENT)0xdeadbeef, &data);
    ok(hr == E_INVALIDARG, "PeerGraphGetEventData(garbage) returned %#lx\n", hr);
    hr = PeerGraphGetEventData((HPEEREVENT)graph, &data);
    ok(hr == E_INVALIDARG, "PeerGraphGetEventData(graph) returned %#lx\n", hr);

    /* invalid graph handles */
    registrations[1].eventType = PEER_GRAPH_EVENT_PROPERTY_CHANGED;
    hr = PeerGraphRegisterEvent((HGRAPH)0xdeadbeef, event, 2, registrations, &peer_event);
    ok(hr == PEER_E_INVALID_GRAPH, "garbage graph: PeerGraphRegisterEvent returned %#lx\n", hr);
    hr = PeerGraphRegisterEvent(NULL, event, 2, registrations, &peer_event);
    ok(hr == E_INVALIDARG || broken(hr == PEER_E_INVALID_GRAPH),
       "NULL graph: PeerGraphRegisterEvent returned %#lx\n", hr);

    CloseHandle(event);
}

static void test_record_events(HGRAPH graph)
{
    PEER_GRAPH_EVENT_REGISTRATION reg_all = {PEER_GRAPH_EVENT_RECORD_CHANGED, NULL};
    PEER_GRAPH_EVENT_REGISTRATION reg_status = {PEER_GRAPH_EVENT_STATUS_CHANGED, NULL};
    PEER_GRAPH_EVENT_REGISTRATION reg_a, reg_prop = {PEER_GRAPH_EVENT_PROPERTY_CHANGED, NULL};
    PEER_GRAPH_EVENT_REGISTRATION reg_multi[2];
    struct registration all, all2, only_a, prop, multi, late, status;
    PEER_GRAPH_PROPERTIES *props;
    WCHAR new_name[] = L"p2ptest event, renamed";
    GUID type_a_copy = type_a, type_b_copy = type_b, id_a, id_b, id_c;
    PEER_RECORD record, *got;
    ULONGLONG now;
    DWORD wait;
    HRESULT hr;

    reg_a.eventType = PEER_GRAPH_EVENT_RECORD_CHANGED;
    reg_a.pType = &type_a_copy;
    reg_multi[0].eventType = PEER_GRAPH_EVENT_RECORD_CHANGED;
    reg_multi[0].pType = &type_b_copy;
    reg_multi[1].eventType = PEER_GRAPH_EVENT_PROPERTY_CHANGED;
    reg_multi[1].pType = NULL;

    if (!register_events(graph, &all, &reg_all, 1, NULL)) return;
    if (!register_events(graph, &all2, &reg_all, 1, NULL)) return;
    if (!register_events(graph, &only_a, &reg_a, 1, NULL)) return;
    if (!register_events(graph, &prop, &reg_prop, 1, NULL)) return;
    if (!register_events(graph, &multi, reg_multi, 2, NULL)) return;
    if (!register_events(graph, &status, &reg_status, 1, NULL)) return;
    ok(all.handle != all2.handle, "two registrations have handle %p\n", all.handle);

    /* nothing is queued yet */
    expect_no_event(&all, 0, "before any change", __LINE__);

    now = peer_now(graph);
    if (add_record(graph, &type_a, now + HOUR, &id_a) != S_OK) return;
    /* the Win32 event is signalled */
    wait = WaitForSingleObject(all.event, EVENT_WAIT_MS);
    ok(wait == WAIT_OBJECT_0, "WaitForSingleObject returned %lu\n", wait);
    wait = WaitForSingleObject(only_a.event, EVENT_WAIT_MS);
    ok(wait == WAIT_OBJECT_0, "WaitForSingleObject returned %lu\n", wait);

    if (add_record(graph, &type_b, now + HOUR, &id_b) != S_OK) return;

    memset(&record, 0, sizeof(record));
    record.dwSize = sizeof(record);
    record.type = type_a;
    record.id = id_a;
    record.ftExpiration = ull_to_ft(now + 2 * HOUR);
    hr = PeerGraphUpdateRecord(graph, &record);
    ok(hr == S_OK, "PeerGraphUpdateRecord returned %#lx\n", hr);

    hr = PeerGraphDeleteRecord(graph, &id_a, FALSE);
    ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);

    /* failed calls raise nothing */
    hr = PeerGraphDeleteRecord(graph, &id_a, FALSE);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "second PeerGraphDeleteRecord returned %#lx\n", hr);
    record.ftExpiration = ull_to_ft(now - HOUR);
    record.id = id_b;
    record.type = type_b;
    hr = PeerGraphUpdateRecord(graph, &record);
    ok(hr == E_INVALIDARG, "PeerGraphUpdateRecord returned %#lx\n", hr);

    /* everything, in order */
    expect_record_event(&all, PEER_RECORD_ADDED, &id_a, &type_a, "all: add A", __LINE__);
    expect_record_event(&all, PEER_RECORD_ADDED, &id_b, &type_b, "all: add B", __LINE__);
    expect_record_event(&all, PEER_RECORD_UPDATED, &id_a, &type_a, "all: update A", __LINE__);
    expect_record_event(&all, PEER_RECORD_DELETED, &id_a, &type_a, "all: delete A", __LINE__);
    expect_no_event(&all, 200, "all: drained", __LINE__);
    /* and a second time for the second registration */
    expect_record_event(&all2, PEER_RECORD_ADDED, &id_a, &type_a, "all2: add A", __LINE__);
    expect_record_event(&all2, PEER_RECORD_ADDED, &id_b, &type_b, "all2: add B", __LINE__);
    expect_record_event(&all2, PEER_RECORD_UPDATED, &id_a, &type_a, "all2: update A", __LINE__);
    expect_record_event(&all2, PEER_RECORD_DELETED, &id_a, &type_a, "all2: delete A", __LINE__);
    expect_no_event(&all2, 0, "all2: drained", __LINE__);
    /* only type A */
    expect_record_event(&only_a, PEER_RECORD_ADDED, &id_a, &type_a, "A: add A", __LINE__);
    expect_record_event(&only_a, PEER_RECORD_UPDATED, &id_a, &type_a, "A: update A", __LINE__);
    expect_record_event(&only_a, PEER_RECORD_DELETED, &id_a, &type_a, "A: delete A", __LINE__);
    expect_no_event(&only_a, 0, "A: drained", __LINE__);
    /* only type B, and property changes */
    expect_record_event(&multi, PEER_RECORD_ADDED, &id_b, &type_b, "B: add B", __LINE__);
    expect_no_event(&multi, 0, "B: drained", __LINE__);
    /* no record events for a property registration */
    expect_no_event(&prop, 0, "properties", __LINE__);

    /* a new registration does not see what happened before */
    if (!register_events(graph, &late, &reg_all, 1, NULL)) return;
    expect_no_event(&late, 200, "late registration", __LINE__);

    /* a type nobody registered for specifically */
    if (add_record(graph, &type_c, now + HOUR, &id_c) != S_OK) return;
    expect_record_event(&all, PEER_RECORD_ADDED, &id_c, &type_c, "all: add C", __LINE__);
    expect_record_event(&late, PEER_RECORD_ADDED, &id_c, &type_c, "late: add C", __LINE__);
    expect_record_event(&all2, PEER_RECORD_ADDED, &id_c, &type_c, "all2: add C", __LINE__);
    expect_no_event(&only_a, 0, "A: add C", __LINE__);
    expect_no_event(&multi, 0, "B: add C", __LINE__);

    /* property changes */
    props = NULL;
    hr = PeerGraphGetProperties(graph, &props);
    ok(hr == S_OK, "PeerGraphGetProperties returned %#lx\n", hr);
    if (hr == S_OK)
    {
        props->pwzFriendlyName = new_name;
        hr = PeerGraphSetProperties(graph, props);
        ok(hr == S_OK, "PeerGraphSetProperties returned %#lx\n", hr);
        PeerGraphFreeData(props);
        expect_property_event(&prop, "properties: SetProperties", __LINE__);
        expect_no_event(&prop, 0, "properties: drained", __LINE__);
        expect_property_event(&multi, "B: SetProperties", __LINE__);
        expect_no_event(&multi, 0, "B: drained", __LINE__);
        expect_no_event(&all, 0, "all: SetProperties", __LINE__);
        expect_no_event(&only_a, 0, "A: SetProperties", __LINE__);
    }

    /* a local deletion */
    hr = PeerGraphDeleteRecord(graph, &id_c, TRUE);
    ok(hr == S_OK, "local PeerGraphDeleteRecord returned %#lx\n", hr);
    got = (PEER_RECORD *)0xdeadbeef;
    hr = PeerGraphGetRecord(graph, &id_c, &got);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "PeerGraphGetRecord returned %#lx\n", hr);
    drain_events(&all);
    drain_events(&all2);
    drain_events(&late);

    /* an unregistered handle is dead, even with events pending */
    if (add_record(graph, &type_a, now + HOUR, &id_a) == S_OK)
    {
        PEER_GRAPH_EVENT_DATA *data;

        WaitForSingleObject(only_a.event, EVENT_WAIT_MS);
        hr = PeerGraphUnregisterEvent(only_a.handle);
        ok(hr == S_OK, "PeerGraphUnregisterEvent returned %#lx\n", hr);
        data = NULL;
        hr = PeerGraphGetEventData(only_a.handle, &data);
        ok(hr == E_INVALIDARG, "PeerGraphGetEventData after unregistering returned %#lx\n", hr);
        hr = PeerGraphUnregisterEvent(only_a.handle);
        ok(hr == E_INVALIDARG, "second PeerGraphUnregisterEvent returned %#lx\n", hr);
        only_a.handle = NULL;

        /* the others still work */
        expect_record_event(&all, PEER_RECORD_ADDED, &id_a, &type_a, "all: add A again", __LINE__);
        hr = PeerGraphDeleteRecord(graph, &id_a, FALSE);
        ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);
        expect_record_event(&all, PEER_RECORD_DELETED, &id_a, &type_a, "all: delete A again", __LINE__);
    }

    /* status changes are not required locally; whatever came must be a status change */
    {
        PEER_GRAPH_EVENT_DATA *data = NULL;

        while (PeerGraphGetEventData(status.handle, &data) == S_OK && data)
        {
            ok(data->eventType == PEER_GRAPH_EVENT_STATUS_CHANGED, "status registration got event %d\n",
               data->eventType);
            PeerGraphFreeData(data);
            data = NULL;
        }
    }

    hr = PeerGraphDeleteRecord(graph, &id_b, FALSE);
    ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);

    unregister_events(&all);
    unregister_events(&all2);
    unregister_events(&only_a);
    unregister_events(&prop);
    unregister_events(&multi);
    unregister_events(&late);
    unregister_events(&status);
}

/* Two registrations may share one Win32 event. */
static void test_shared_event(HGRAPH graph)
{
    PEER_GRAPH_EVENT_REGISTRATION reg_all = {PEER_GRAPH_EVENT_RECORD_CHANGED, NULL};
    struct registration first, second;
    HANDLE event;
    GUID id;

    event = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (!register_events(graph, &first, &reg_all, 1, event)) goto done;
    if (!register_events(graph, &second, &reg_all, 1, event))
    {
        unregister_events(&first);
        goto done;
    }
    if (add_record(graph, &type_b, peer_now(graph) + HOUR, &id) == S_OK)
    {
        ok(WaitForSingleObject(event, EVENT_WAIT_MS) == WAIT_OBJECT_0, "the event was not signalled\n");
        expect_record_event(&first, PEER_RECORD_ADDED, &id, &type_b, "first", __LINE__);
        expect_record_event(&second, PEER_RECORD_ADDED, &id, &type_b, "second", __LINE__);
        expect_no_event(&first, 0, "first: drained", __LINE__);
        expect_no_event(&second, 0, "second: drained", __LINE__);
        PeerGraphDeleteRecord(graph, &id, FALSE);
    }
    unregister_events(&first);
    unregister_events(&second);
done:
    CloseHandle(event);
}

/* Record expiry, started early and checked at the end: it takes a while. */
/* The graph holds exactly one record. */
static void check_one_record(HGRAPH graph)
{
    ULONG count = graph_record_count(graph);

    ok(count == 1, "the graph holds %lu records, expected one\n", count);
}

static struct test_graph expiry_graph;
static struct registration expiry_events;
static GUID expiry_id, long_lived_id;
static DWORD expiry_start;

/* With PEER_GRAPH_PROPERTY_DEFER_EXPIRATION nothing expires while the graph has no connection. */
static struct test_graph deferred_graph;
static struct registration deferred_events;
static GUID deferred_id;

static void start_deferred_expiry_test(void)
{
    PEER_GRAPH_EVENT_REGISTRATION reg_all = {PEER_GRAPH_EVENT_RECORD_CHANGED, NULL};
    HRESULT hr;

    hr = create_graph_flags(&deferred_graph, "deferred", PEER_GRAPH_PROPERTY_DEFER_EXPIRATION);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr != S_OK) return;
    if (!register_events(deferred_graph.handle, &deferred_events, &reg_all, 1, NULL)) return;
    if (add_record(deferred_graph.handle, &type_b, peer_now(deferred_graph.handle) + 3 * SECOND, &deferred_id) != S_OK)
        return;
    expect_record_event(&deferred_events, PEER_RECORD_ADDED, &deferred_id, &type_b, "deferred: add", __LINE__);
}

/* called once the record of the other graph has expired */
static void finish_deferred_expiry_test(BOOL other_expired)
{
    PEER_RECORD *got;
    HRESULT hr;

    if (!deferred_events.handle) goto done;
    if (!other_expired)
    {
        skip("no record expiry to compare with\n");
        goto done;
    }
    expect_no_event(&deferred_events, 0, "deferred", __LINE__);
    got = NULL;
    hr = PeerGraphGetRecord(deferred_graph.handle, &deferred_id, &got);
    ok(hr == S_OK, "PeerGraphGetRecord of a deferred record returned %#lx\n", hr);
    if (hr == S_OK) PeerGraphFreeData(got);
    check_one_record(deferred_graph.handle);

done:
    unregister_events(&deferred_events);
    if (deferred_graph.handle) delete_test_graph(&deferred_graph);
}

static void start_expiry_test(void)
{
    PEER_GRAPH_EVENT_REGISTRATION reg_all = {PEER_GRAPH_EVENT_RECORD_CHANGED, NULL};
    PEER_RECORD *got;
    ULONGLONG now;
    HRESULT hr;

    hr = create_graph(&expiry_graph, "expiry");
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr != S_OK) return;
    if (!register_events(expiry_graph.handle, &expiry_events, &reg_all, 1, NULL)) return;

    now = peer_now(expiry_graph.handle);
    if (add_record(expiry_graph.handle, &type_a, now + HOUR, &long_lived_id) != S_OK) return;
    if (add_record(expiry_graph.handle, &type_b, now + 3 * SECOND, &expiry_id) != S_OK) return;
    expiry_start = GetTickCount();

    expect_record_event(&expiry_events, PEER_RECORD_ADDED, &long_lived_id, &type_a, "expiry: add", __LINE__);
    expect_record_event(&expiry_events, PEER_RECORD_ADDED, &expiry_id, &type_b, "expiry: add", __LINE__);

    /* not expired yet */
    got = NULL;
    hr = PeerGraphGetRecord(expiry_graph.handle, &expiry_id, &got);
    ok(hr == S_OK, "PeerGraphGetRecord returned %#lx\n", hr);
    if (hr == S_OK)
    {
        ok(ft_to_ull(&got->ftExpiration) == now + 3 * SECOND, "expiration %#llx\n", ft_to_ull(&got->ftExpiration));
        PeerGraphFreeData(got);
    }
}

static void finish_expiry_test(void)
{
    PEER_GRAPH_EVENT_DATA *data;
    PEER_RECORD *got;
    BOOL expired = FALSE;
    DWORD elapsed;
    HRESULT hr;

    if (!expiry_events.handle)
    {
        finish_deferred_expiry_test(FALSE);
        goto done;
    }

    for (;;)
    {
        elapsed = GetTickCount() - expiry_start;
        if (elapsed >= EXPIRY_WAIT_MS) break;
        hr = wait_event_data(&expiry_events, EXPIRY_WAIT_MS - elapsed, &data);
        if (hr != S_OK || !data) break;
        ok(data->eventType == PEER_GRAPH_EVENT_RECORD_CHANGED, "event type %d\n", data->eventType);
        if (data->eventType == PEER_GRAPH_EVENT_RECORD_CHANGED)
        {
            ok(data->recordChangeData.changeType == PEER_RECORD_EXPIRED, "change type %d\n",
               data->recordChangeData.changeType);
            ok(guid_equal(&data->recordChangeData.recordId, &expiry_id), "record %s expired\n",
               dbgstr_guid(&data->recordChangeData.recordId));
            ok(guid_equal(&data->recordChangeData.recordType, &type_b), "record type %s\n",
               dbgstr_guid(&data->recordChangeData.recordType));
            ok(data->recordChangeData.dwSize == sizeof(data->recordChangeData), "dwSize %lu\n",
               data->recordChangeData.dwSize);
            if (data->recordChangeData.changeType == PEER_RECORD_EXPIRED) expired = TRUE;
        }
        PeerGraphFreeData(data);
        if (expired) break;
    }
    elapsed = GetTickCount() - expiry_start;
    ok(expired || broken(!expired), "no PEER_RECORD_EXPIRED event after %lu ms\n", elapsed);
    finish_deferred_expiry_test(expired);
    if (!expired)
    {
        skip("the record did not expire within %u ms\n", EXPIRY_WAIT_MS);
        goto done;
    }
    trace("the record expired after %lu ms\n", elapsed);
    ok(elapsed >= 2500, "the record expired after %lu ms, before its expiration time\n", elapsed);

    got = (PEER_RECORD *)0xdeadbeef;
    hr = PeerGraphGetRecord(expiry_graph.handle, &expiry_id, &got);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "PeerGraphGetRecord of an expired record returned %#lx\n", hr);
    if (hr == S_OK) PeerGraphFreeData(got);
    got = NULL;
    hr = PeerGraphGetRecord(expiry_graph.handle, &long_lived_id, &got);
    ok(hr == S_OK, "PeerGraphGetRecord of the other record returned %#lx\n", hr);
    if (hr == S_OK) PeerGraphFreeData(got);

    check_one_record(expiry_graph.handle);
    expect_no_event(&expiry_events, 0, "expiry: drained", __LINE__);

done:
    unregister_events(&expiry_events);
    if (expiry_graph.handle) delete_test_graph(&expiry_graph);
}

START_TEST(event)
{
    PEER_VERSION_DATA version;
    struct test_graph graph;
    HRESULT hr;

    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    if (hr != S_OK) return;

    hr = create_graph(&graph, "main");
    if (hr == E_NOTIMPL)
        skip("PeerGraphCreate is not implemented\n");
    else if (ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr))
    {
        start_expiry_test();
        start_deferred_expiry_test();
        test_register_invalid(graph.handle);
        test_record_events(graph.handle);
        test_shared_event(graph.handle);
        delete_test_graph(&graph);
        finish_expiry_test();
    }

    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);
}
