/*
 * Graph security provider tests: PEER_SECURITY_INTERFACE checks, the record callbacks
 * (pfnSecureRecord, pfnValidateRecord, pfnFreeSecurityData) on local operations and on records
 * received from neighbors, the Deferred Record List and PeerGraphValidateDeferredRecords
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

/* The networked tests run three graphs of one graph id in this one process, joined over ::1.
 * Each graph's provider signs records with a key: Security Data is "SIGN" and a keyed checksum
 * of the record's type, id, version and payload; a provider accepts only its own key's. */

#include <winsock2.h>
#include <windows.h>
#include <p2p.h>

#include "p2ptest.h"
#include "p2ptest_graph.h"

#define SECOND ((ULONGLONG)10000000)
#define HOUR (3600 * SECOND)
/* how long a record may take to travel between two graphs of this process */
#define TRAVEL_MS 10000
/* how long we wait to be sure something does not arrive */
#define QUIET_MS 1500

static const GUID type_plain = {0x3c5e8a10, 0x2b4d, 0x4f61, {0x9a, 0x07, 0x51, 0xe2, 0x6c, 0x38, 0xd4, 0x01}};
static const GUID type_later = {0x3c5e8a10, 0x2b4d, 0x4f61, {0x9a, 0x07, 0x51, 0xe2, 0x6c, 0x38, 0xd4, 0x02}};
static const GUID type_bad = {0x3c5e8a10, 0x2b4d, 0x4f61, {0x9a, 0x07, 0x51, 0xe2, 0x6c, 0x38, 0xd4, 0x03}};
static const GUID type_failing = {0x3c5e8a10, 0x2b4d, 0x4f61, {0x9a, 0x07, 0x51, 0xe2, 0x6c, 0x38, 0xd4, 0x04}};

#define PROVIDER_MAGIC 0x53454355

struct provider
{
    DWORD magic;           /* pvContext must be this structure */
    DWORD key;
    HGRAPH graph;          /* for the callbacks that call the API */
    LONG secure_calls, validate_calls, free_calls, bad_context, invalid_seen, deferred_seen;
    PEER_RECORD_CHANGE_TYPE last_secure_change, last_validate_change;
    DWORD last_secure_version;
    GUID last_secure_id;
    HRESULT secure_result;         /* pfnSecureRecord's answer, S_OK: sign */
    HRESULT local_validate_result; /* what pfnValidateRecord says of a record it signed itself */
    BOOL defer_later;              /* records of type_later are deferred */
    BOOL fail_failing;             /* validating records of type_failing fails (E_INVALIDARG) */
    BOOL slow_validate;            /* pfnValidateRecord waits sleep_ms too */
    BOOL call_api;                 /* the callbacks call PeerGraphGetRecord and PeerGraphEnumRecords */
    HRESULT api_result;
    DWORD sleep_ms;
    GUID watch_type;               /* validate_calls for records of this type */
    LONG watch_calls;
};

static WCHAR peer_a[] = L"p2ptest-security-a";
static WCHAR peer_b[] = L"p2ptest-security-b";
static WCHAR peer_c[] = L"p2ptest-security-c";
static WCHAR peer_e[] = L"p2ptest-security-e";
static WCHAR friendly_name[] = L"p2ptest security";

static DWORD checksum(DWORD key, const PEER_RECORD *record)
{
    DWORD h = 2166136261u ^ key, i;
    const BYTE *parts[3] = {(const BYTE *)&record->type, (const BYTE *)&record->id, (const BYTE *)&record->dwVersion};
    const DWORD sizes[3] = {sizeof(GUID), sizeof(GUID), sizeof(DWORD)};
    int p;

    for (p = 0; p < 3; p++)
        for (i = 0; i < sizes[p]; i++) h = (h ^ parts[p][i]) * 16777619u;
    for (i = 0; i < record->data.cbData; i++) h = (h ^ record->data.pbData[i]) * 16777619u;
    return h;
}

static BOOL signed_with(DWORD key, const PEER_RECORD *record)
{
    DWORD sum = checksum(key, record);

    return record->securityData.cbData == 8 && record->securityData.pbData &&
           !memcmp(record->securityData.pbData, "SIGN", 4) && !memcmp(record->securityData.pbData + 4, &sum, 4);
}

static struct provider *provider_of(PVOID context)
{
    struct provider *p = context;

    if (!p || p->magic != PROVIDER_MAGIC) return NULL;
    return p;
}

static void call_the_api(struct provider *p, const GUID *id)
{
    PEER_RECORD *record = NULL;
    HPEERENUM peer_enum = NULL;
    HRESULT hr;

    hr = PeerGraphGetRecord(p->graph, id, &record);
    if (SUCCEEDED(hr)) PeerGraphFreeData(record);
    p->api_result = hr;
    hr = PeerGraphEnumRecords(p->graph, NULL, NULL, &peer_enum);
    if (SUCCEEDED(hr)) PeerGraphEndEnumeration(peer_enum);
}

static HRESULT CALLBACK secure_record(HGRAPH graph, PVOID context, PPEER_RECORD record, PEER_RECORD_CHANGE_TYPE change,
                                      PPEER_DATA *security_data)
{
    struct provider *p = provider_of(context);
    PEER_DATA *data;
    DWORD sum;

    if (!p) return E_FAIL;
    InterlockedIncrement(&p->secure_calls);
    if (graph != p->graph && p->graph) InterlockedIncrement(&p->bad_context);
    p->last_secure_change = change;
    p->last_secure_version = record->dwVersion;
    p->last_secure_id = record->id;
    if (p->sleep_ms) Sleep(p->sleep_ms);
    if (p->call_api) call_the_api(p, &record->id);
    if (p->secure_result != S_OK) return p->secure_result;
    data = HeapAlloc(GetProcessHeap(), 0, sizeof(*data) + 8);
    if (!data) return E_OUTOFMEMORY;
    data->cbData = 8;
    data->pbData = (BYTE *)(data + 1);
    sum = checksum(p->key, record);
    memcpy(data->pbData, "SIGN", 4);
    memcpy(data->pbData + 4, &sum, 4);
    *security_data = data;
    return S_OK;
}

static HRESULT CALLBACK free_security_data(HGRAPH graph, PVOID context, PPEER_DATA security_data)
{
    struct provider *p = provider_of(context);

    (void)graph;
    if (!p) return E_FAIL;
    InterlockedIncrement(&p->free_calls);
    HeapFree(GetProcessHeap(), 0, security_data);
    return S_OK;
}

static HRESULT CALLBACK validate_record(HGRAPH graph, PVOID context, PPEER_RECORD record,
                                        PEER_RECORD_CHANGE_TYPE change)
{
    struct provider *p = provider_of(context);

    if (!p) return E_FAIL;
    InterlockedIncrement(&p->validate_calls);
    if (graph != p->graph && p->graph) InterlockedIncrement(&p->bad_context);
    if (guid_equal(&record->type, &p->watch_type)) InterlockedIncrement(&p->watch_calls);
    p->last_validate_change = change;
    if (p->slow_validate && p->sleep_ms) Sleep(p->sleep_ms);
    if (p->call_api) call_the_api(p, &record->id);
    if (p->fail_failing && guid_equal(&record->type, &type_failing)) return E_INVALIDARG;
    if (p->defer_later && guid_equal(&record->type, &type_later))
    {
        InterlockedIncrement(&p->deferred_seen);
        return PEER_E_DEFERRED_VALIDATION;
    }
    if (!signed_with(p->key, record))
    {
        InterlockedIncrement(&p->invalid_seen);
        return PEER_E_INVALID_RECORD;
    }
    if (p->local_validate_result != S_OK) return p->local_validate_result;
    return S_OK;
}

static void init_provider(struct provider *p, DWORD key)
{
    memset(p, 0, sizeof(*p));
    p->magic = PROVIDER_MAGIC;
    p->key = key;
}

static void init_interface(PEER_SECURITY_INTERFACE *security, struct provider *p)
{
    memset(security, 0, sizeof(*security));
    security->dwSize = sizeof(*security);
    security->pfnValidateRecord = validate_record;
    security->pfnSecureRecord = secure_record;
    security->pfnFreeSecurityData = free_security_data;
    security->pvContext = p;
}

static HRESULT create_secured(struct test_graph *graph, const char *tag, WCHAR *peer, PEER_SECURITY_INTERFACE *security)
{
    PEER_GRAPH_PROPERTIES props;
    HRESULT hr;

    init_test_graph(graph, &props, "security", tag, peer, friendly_name);
    hr = PeerGraphCreate(&props, graph->db, security, &graph->handle);
    if (hr != S_OK) graph->handle = NULL;
    return hr;
}

static void init_record(PEER_RECORD *record, const GUID *type, const char *text, ULONGLONG now)
{
    memset(record, 0, sizeof(*record));
    record->dwSize = sizeof(*record);
    record->type = *type;
    record->ftExpiration = ull_to_ft(now + HOUR);
    record->data.cbData = (ULONG)strlen(text);
    record->data.pbData = (BYTE *)text;
}

/* Malformed interfaces are refused before anything is made. */
static void test_bad_interfaces(void)
{
    PEER_SECURITY_INTERFACE security;
    struct test_graph graph;
    PEER_GRAPH_PROPERTIES props;
    struct provider p;
    HGRAPH handle;
    HRESULT hr;
    BYTE info[4] = {1, 2, 3, 4};
    static const DWORD sizes[] = {0, 1, sizeof(PEER_SECURITY_INTERFACE) - 1, sizeof(PEER_SECURITY_INTERFACE) + 4};
    unsigned int i;

    init_provider(&p, 1);
    init_test_graph(&graph, &props, "security", "bad", peer_a, friendly_name);
    for (i = 0; i < ARRAYSIZE(sizes); i++)
    {
        init_interface(&security, &p);
        security.dwSize = sizes[i];
        handle = (HGRAPH)0xdeadbeef;
        hr = PeerGraphCreate(&props, graph.db, &security, &handle);
        ok(hr == E_INVALIDARG, "dwSize %lu: PeerGraphCreate returned %#lx\n", sizes[i], hr);
        ok(handle == (HGRAPH)0xdeadbeef, "dwSize %lu: the handle was written\n", sizes[i]);
        hr = PeerGraphOpen(graph.id, peer_a, graph.db, &security, 0, NULL, &handle);
        ok(hr == E_INVALIDARG, "dwSize %lu: PeerGraphOpen returned %#lx\n", sizes[i], hr);
    }

    /* pfnValidateRecord and pfnSecureRecord come together or not at all. */
    init_interface(&security, &p);
    security.pfnSecureRecord = NULL;
    hr = PeerGraphCreate(&props, graph.db, &security, &handle);
    ok(hr == E_INVALIDARG, "no pfnSecureRecord: PeerGraphCreate returned %#lx\n", hr);
    init_interface(&security, &p);
    security.pfnValidateRecord = NULL;
    hr = PeerGraphCreate(&props, graph.db, &security, &handle);
    ok(hr == E_INVALIDARG, "no pfnValidateRecord: PeerGraphCreate returned %#lx\n", hr);
    hr = PeerGraphOpen(graph.id, peer_a, graph.db, &security, 0, NULL, &handle);
    ok(hr == E_INVALIDARG, "no pfnValidateRecord: PeerGraphOpen returned %#lx\n", hr);

    /* A size without the bytes. */
    init_interface(&security, &p);
    security.cbSecurityInfo = sizeof(info);
    hr = PeerGraphCreate(&props, graph.db, &security, &handle);
    ok(hr == E_INVALIDARG, "cbSecurityInfo without pbSecurityInfo: PeerGraphCreate returned %#lx\n", hr);

    /* None of these made a database. */
    hr = PeerGraphOpen(graph.id, peer_a, graph.db, NULL, 0, NULL, &handle);
    ok(hr == PEER_S_GRAPH_DATA_CREATED, "PeerGraphOpen returned %#lx\n", hr);
    if (SUCCEEDED(hr))
    {
        graph.handle = handle;
        delete_test_graph(&graph);
    }
}

/* An interface without callbacks and the XP-sized one are taken. */
static void test_interface_sizes(void)
{
    PEER_SECURITY_INTERFACE security;
    struct test_graph graph;
    struct provider p;
    PEER_RECORD record;
    GUID id;
    HRESULT hr;

    memset(&security, 0, sizeof(security));
    security.dwSize = sizeof(security);
    hr = create_secured(&graph, "empty", peer_a, &security);
    ok(hr == S_OK, "an empty interface: PeerGraphCreate returned %#lx\n", hr);
    if (hr == S_OK) delete_test_graph(&graph);

    init_provider(&p, 7);
    init_interface(&security, &p);
    security.dwSize = FIELD_OFFSET(PEER_SECURITY_INTERFACE, pfnAuthFailed);
    hr = create_secured(&graph, "xp", peer_a, &security);
    ok(hr == S_OK, "the XP-sized interface: PeerGraphCreate returned %#lx\n", hr);
    if (hr != S_OK) return;
    p.graph = graph.handle;
    init_record(&record, &type_plain, "xp", peer_now(graph.handle));
    hr = PeerGraphAddRecord(graph.handle, &record, &id);
    ok(hr == S_OK, "PeerGraphAddRecord returned %#lx\n", hr);
    ok(p.secure_calls == 1, "pfnSecureRecord called %ld times\n", p.secure_calls);
    delete_test_graph(&graph);
}

/* pfnSecureRecord, then pfnValidateRecord, on Add, Update and Delete; the Security Data is
 * what the provider gave; pfnFreeSecurityData releases it. */
static void test_local_operations(void)
{
    PEER_SECURITY_INTERFACE security;
    struct test_graph graph;
    struct provider p;
    PEER_RECORD record, *got = NULL;
    ULONG count_before;
    LONG before;
    GUID id, other;
    HRESULT hr;

    init_provider(&p, 11);
    init_interface(&security, &p);
    hr = create_secured(&graph, "local", peer_a, &security);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr != S_OK) return;
    p.graph = graph.handle;

    init_record(&record, &type_plain, "first", peer_now(graph.handle));
    hr = PeerGraphAddRecord(graph.handle, &record, &id);
    ok(hr == S_OK, "PeerGraphAddRecord returned %#lx\n", hr);
    ok(p.secure_calls == 1 && p.validate_calls == 1 && p.free_calls == 1,
       "add: %ld pfnSecureRecord, %ld pfnValidateRecord, %ld pfnFreeSecurityData calls\n", p.secure_calls,
       p.validate_calls, p.free_calls);
    ok(p.last_secure_change == PEER_RECORD_ADDED, "add: change type %d\n", p.last_secure_change);
    ok(p.last_validate_change == PEER_RECORD_ADDED, "add: validation change type %d\n", p.last_validate_change);
    ok(p.last_secure_version == 1, "add: pfnSecureRecord saw version %lu\n", p.last_secure_version);
    ok(guid_equal(&p.last_secure_id, &id), "add: pfnSecureRecord saw id %s, the record is %s\n",
       dbgstr_guid(&p.last_secure_id), dbgstr_guid(&id));
    ok(!p.bad_context, "the callbacks got another graph or context\n");
    hr = PeerGraphGetRecord(graph.handle, &id, &got);
    ok(hr == S_OK, "PeerGraphGetRecord returned %#lx\n", hr);
    if (hr == S_OK)
    {
        ok(signed_with(p.key, got), "the record does not carry the provider's Security Data (%lu bytes)\n",
           got->securityData.cbData);
        PeerGraphFreeData(got);
    }

    record.id = id;
    record.data.cbData = 6;
    record.data.pbData = (BYTE *)"second";
    hr = PeerGraphUpdateRecord(graph.handle, &record);
    ok(hr == S_OK, "PeerGraphUpdateRecord returned %#lx\n", hr);
    ok(p.secure_calls == 2 && p.last_secure_change == PEER_RECORD_UPDATED && p.last_secure_version == 2,
       "update: %ld calls, change %d, version %lu\n", p.secure_calls, p.last_secure_change, p.last_secure_version);
    hr = PeerGraphGetRecord(graph.handle, &id, &got);
    ok(hr == S_OK, "PeerGraphGetRecord returned %#lx\n", hr);
    if (hr == S_OK)
    {
        ok(got->dwVersion == 2 && signed_with(p.key, got), "updated: version %lu, signed %d\n", got->dwVersion,
           signed_with(p.key, got));
        PeerGraphFreeData(got);
    }

    /* The provider's error is the call's, and nothing changes. */
    count_before = graph_record_count(graph.handle);
    p.secure_result = E_ACCESSDENIED;
    hr = PeerGraphAddRecord(graph.handle, &record, &other);
    ok(hr == E_ACCESSDENIED, "refused add: PeerGraphAddRecord returned %#lx\n", hr);
    hr = PeerGraphUpdateRecord(graph.handle, &record);
    ok(hr == E_ACCESSDENIED, "refused update: PeerGraphUpdateRecord returned %#lx\n", hr);
    hr = PeerGraphDeleteRecord(graph.handle, &id, FALSE);
    ok(hr == E_ACCESSDENIED, "refused delete: PeerGraphDeleteRecord returned %#lx\n", hr);
    p.secure_result = S_OK;
    ok(graph_record_count(graph.handle) == count_before, "a refused operation changed the records\n");
    hr = PeerGraphGetRecord(graph.handle, &id, &got);
    ok(hr == S_OK, "PeerGraphGetRecord returned %#lx\n", hr);
    if (hr == S_OK)
    {
        ok(got->dwVersion == 2, "a refused update changed the version to %lu\n", got->dwVersion);
        PeerGraphFreeData(got);
    }

    /* What the provider itself finds invalid is not published either. */
    p.local_validate_result = PEER_E_INVALID_RECORD;
    hr = PeerGraphAddRecord(graph.handle, &record, &other);
    ok(hr == PEER_E_INVALID_RECORD || broken(hr == S_OK), "invalid add: PeerGraphAddRecord returned %#lx\n", hr);
    p.local_validate_result = S_OK;
    if (hr == PEER_E_INVALID_RECORD)
        ok(graph_record_count(graph.handle) == count_before, "an invalid record was added\n");

    /* Callbacks may be slow and may call the API: no deadlock. */
    p.sleep_ms = 300;
    p.call_api = TRUE;
    p.api_result = (HRESULT)0xdeadbeef;
    hr = PeerGraphUpdateRecord(graph.handle, &record);
    ok(hr == S_OK, "slow update: PeerGraphUpdateRecord returned %#lx\n", hr);
    ok(p.api_result != (HRESULT)0xdeadbeef, "the callback did not get to call the API\n");
    p.sleep_ms = 0;
    p.call_api = FALSE;

    /* A deletion is secured too; a local one changes nothing in the graph: no callback. */
    before = p.secure_calls;
    hr = PeerGraphDeleteRecord(graph.handle, &id, FALSE);
    ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);
    ok(p.secure_calls == before + 1 && p.last_secure_change == PEER_RECORD_DELETED,
       "delete: %ld calls, change %d\n", p.secure_calls - before, p.last_secure_change);
    init_record(&record, &type_plain, "local", peer_now(graph.handle));
    hr = PeerGraphAddRecord(graph.handle, &record, &id);
    ok(hr == S_OK, "PeerGraphAddRecord returned %#lx\n", hr);
    before = p.secure_calls;
    hr = PeerGraphDeleteRecord(graph.handle, &id, TRUE);
    ok(hr == S_OK, "local PeerGraphDeleteRecord returned %#lx\n", hr);
    ok(p.secure_calls == before, "a local delete called pfnSecureRecord\n");
    ok(p.free_calls == p.secure_calls - 3, "%ld pfnFreeSecurityData calls for %ld secured records\n", p.free_calls,
       p.secure_calls - 3);
    delete_test_graph(&graph);
}

/* A graph made with record callbacks is opened with them (MS-PPGRH 3.1.4.2). */
static void test_open_checks_interface(void)
{
    PEER_SECURITY_INTERFACE security;
    struct test_graph graph;
    struct provider p;
    HGRAPH handle = NULL;
    HRESULT hr;

    init_provider(&p, 3);
    init_interface(&security, &p);
    hr = create_secured(&graph, "reopen", peer_a, &security);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr != S_OK) return;
    close_test_graph(&graph);

    hr = PeerGraphOpen(graph.id, peer_a, graph.db, NULL, 0, NULL, &handle);
    ok(hr == E_INVALIDARG || broken(hr == S_OK), "opened without its provider: PeerGraphOpen returned %#lx\n", hr);
    if (SUCCEEDED(hr)) PeerGraphClose(handle);
    hr = PeerGraphOpen(graph.id, peer_a, graph.db, &security, 0, NULL, &graph.handle);
    ok(hr == S_OK, "opened with its provider: PeerGraphOpen returned %#lx\n", hr);
    if (hr != S_OK) graph.handle = NULL;
    delete_test_graph(&graph);
}

/* The test SSPI package (testssp.dll, built with these tests): stream mode, a handshake that
 * proves both sides hold the same key, records that are not the clear bytes.  Its
 * pbSecurityInfo is the key's length (4 bytes, little-endian) and the key. */
static WCHAR ssp_path[MAX_PATH];
static WCHAR ssp_package[] = L"P2PTestSSP";

struct ssp_key
{
    DWORD size;
    BYTE key[16];
};

static BOOL find_test_ssp(void)
{
    static const WCHAR *places[] = {L"testssp\\testssp.dll", L"testssp.dll"};
    WCHAR *slash;
    unsigned int i;

    for (i = 0; i < ARRAYSIZE(places); i++)
    {
        GetModuleFileNameW(NULL, ssp_path, MAX_PATH);
        slash = wcsrchr(ssp_path, '\\');
        if (!slash) return FALSE;
        lstrcpyW(slash + 1, places[i]);
        if (GetFileAttributesW(ssp_path) != INVALID_FILE_ATTRIBUTES) return TRUE;
    }
    return FALSE;
}

static void init_ssp_key(struct ssp_key *key, BYTE seed)
{
    unsigned int i;

    key->size = sizeof(key->key);
    for (i = 0; i < sizeof(key->key); i++) key->key[i] = (BYTE)(seed * 31 + i);
}

struct node
{
    struct test_graph graph;
    struct provider provider;
    PEER_SECURITY_INTERFACE security;
    struct ssp_key key;
    LONG failed;       /* NEIGHBOR_CONNECTION FAILED events */
    HRESULT failed_reason;
    LONG direct_connected;
    ULONGLONG direct_id;
    LONG data_bytes;   /* INCOMING_DATA payload bytes */
    USHORT port;
    HANDLE event;
    HPEEREVENT peer_event;
    LONG changed;   /* RECORD_CHANGED events seen */
    GUID last_changed;
};

static void drain_node_events(struct node *n)
{
    PEER_GRAPH_EVENT_DATA *data;

    while (PeerGraphGetEventData(n->peer_event, &data) == S_OK)
    {
        if (data->eventType == PEER_GRAPH_EVENT_RECORD_CHANGED)
        {
            n->changed++;
            n->last_changed = data->recordChangeData.recordId;
        }
        else if (data->eventType == PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION &&
                 data->connectionChangeData.status == PEER_CONNECTION_FAILED)
        {
            n->failed++;
            n->failed_reason = data->connectionChangeData.hrConnectionFailedReason;
        }
        else if (data->eventType == PEER_GRAPH_EVENT_DIRECT_CONNECTION &&
                 data->connectionChangeData.status == PEER_CONNECTED)
        {
            n->direct_connected++;
            n->direct_id = data->connectionChangeData.ullConnectionId;
        }
        else if (data->eventType == PEER_GRAPH_EVENT_INCOMING_DATA)
            n->data_bytes += data->incomingData.data.cbData;
        PeerGraphFreeData(data);
    }
}

/* Makes n listen and reads its port. */
static HRESULT read_port(struct node *n, USHORT *port)
{
    PEER_NODE_INFO *info = NULL;
    HRESULT hr = PeerGraphListen(n->graph.handle, PEER_GRAPH_SCOPE_ANY, 0, 0);

    if (hr != S_OK) return hr;
    hr = PeerGraphGetNodeInfo(n->graph.handle, 0, &info);
    if (hr != S_OK) return hr;
    *port = info->cAddresses ? swap16(info->pAddresses[0].sin6.sin6_port) : 0;
    PeerGraphFreeData(info);
    return *port ? S_OK : E_FAIL;
}

/* ssp_seed: 0 for record callbacks, else the connections are secured with the test SSP and
 * that key (and no record callbacks). */
static HRESULT start_node_ex(struct node *n, const char *tag, WCHAR *peer, DWORD key, BYTE ssp_seed,
                             struct node *creator)
{
    PEER_GRAPH_EVENT_REGISTRATION regs[] = {
        {PEER_GRAPH_EVENT_RECORD_CHANGED, NULL}, {PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION, NULL},
        {PEER_GRAPH_EVENT_DIRECT_CONNECTION, NULL}, {PEER_GRAPH_EVENT_INCOMING_DATA, NULL},
    };
    HRESULT hr;

    memset(n, 0, sizeof(*n));
    init_provider(&n->provider, key);
    init_interface(&n->security, &n->provider);
    if (ssp_seed)
    {
        memset(&n->security, 0, sizeof(n->security));
        n->security.dwSize = sizeof(n->security);
        n->security.pwzSspFilename = ssp_path;
        n->security.pwzPackageName = ssp_package;
        init_ssp_key(&n->key, ssp_seed);
        n->security.cbSecurityInfo = sizeof(n->key);
        n->security.pbSecurityInfo = (BYTE *)&n->key;
    }
    if (!creator)
        hr = create_secured(&n->graph, tag, peer, &n->security);
    else
    {
        n->graph = creator->graph;
        n->graph.peer = peer;
        make_unique_name(n->graph.db, 128, "security", tag, ".db");
        hr = PeerGraphOpen(n->graph.id, peer, n->graph.db, &n->security, 0, NULL, &n->graph.handle);
        if (hr == PEER_S_GRAPH_DATA_CREATED) hr = S_OK;
    }
    if (hr != S_OK) return hr;
    n->provider.graph = n->graph.handle;
    n->event = CreateEventW(NULL, FALSE, FALSE, NULL);
    hr = PeerGraphRegisterEvent(n->graph.handle, n->event, ARRAYSIZE(regs), regs, &n->peer_event);
    if (hr != S_OK || creator) return hr;
    /* Only the creator listens: the others join it. */
    return read_port(n, &n->port);
}

static HRESULT start_node(struct node *n, const char *tag, WCHAR *peer, DWORD key, struct node *creator)
{
    return start_node_ex(n, tag, peer, key, 0, creator);
}

static HRESULT join(struct node *n, struct node *to)
{
    PEER_ADDRESS address;
    DWORD status = 0, start = GetTickCount();
    ULONGLONG id;
    HRESULT hr;

    loopback_address(&address, to->port);
    hr = PeerGraphConnect(n->graph.handle, NULL, &address, &id);
    if (hr != S_OK) return hr;
    while (GetTickCount() - start < TRAVEL_MS)
    {
        if (PeerGraphGetStatus(n->graph.handle, &status) == S_OK && (status & PEER_GRAPH_STATUS_SYNCHRONIZED))
            return S_OK;
        Sleep(20);
    }
    return HRESULT_FROM_WIN32(ERROR_TIMEOUT);
}

static void stop_node(struct node *n)
{
    if (n->peer_event) PeerGraphUnregisterEvent(n->peer_event);
    if (n->event) CloseHandle(n->event);
    if (n->graph.handle) delete_test_graph(&n->graph);
}

/* Whether n holds record id within timeout ms. */
static BOOL has_record(struct node *n, const GUID *id, DWORD timeout)
{
    DWORD start = GetTickCount();
    PEER_RECORD *record;

    for (;;)
    {
        if (PeerGraphGetRecord(n->graph.handle, id, &record) == S_OK)
        {
            PeerGraphFreeData(record);
            return TRUE;
        }
        if (GetTickCount() - start >= timeout) return FALSE;
        Sleep(20);
    }
}

static void test_received_records(void)
{
    struct node a, b, c;
    PEER_RECORD record;
    LONG validated, changed;
    DWORD start;
    GUID r1, r2, r3, r4, r5, r6;
    HRESULT hr;

    hr = start_node(&a, "net", peer_a, 21, NULL);
    ok(hr == S_OK, "node a: %#lx\n", hr);
    if (hr != S_OK) return;
    hr = start_node(&b, "net-b", peer_b, 21, &a);
    ok(hr == S_OK, "node b: %#lx\n", hr);
    if (hr == S_OK) hr = join(&b, &a);
    ok(hr == S_OK, "b joining a: %#lx\n", hr);
    if (hr != S_OK) goto done_b;

    /* Signed by the same key: validated where it arrives, and taken. */
    init_record(&record, &type_plain, "from a", peer_now(a.graph.handle));
    hr = PeerGraphAddRecord(a.graph.handle, &record, &r1);
    ok(hr == S_OK, "PeerGraphAddRecord on a returned %#lx\n", hr);
    ok(has_record(&b, &r1, TRAVEL_MS), "b did not get a's record\n");
    ok(b.provider.validate_calls >= 1, "b never called pfnValidateRecord\n");
    ok(b.provider.last_validate_change == PEER_RECORD_ADDED, "b validated change type %d\n",
       b.provider.last_validate_change);
    init_record(&record, &type_plain, "from b", peer_now(b.graph.handle));
    hr = PeerGraphAddRecord(b.graph.handle, &record, &r2);
    ok(hr == S_OK, "PeerGraphAddRecord on b returned %#lx\n", hr);
    ok(has_record(&a, &r2, TRAVEL_MS), "a did not get b's record\n");
    ok(!a.provider.bad_context && !b.provider.bad_context, "callbacks got another graph or context\n");

    /* A slow validation that calls the API on its way: no deadlock, the record comes. */
    b.provider.sleep_ms = 200;
    b.provider.slow_validate = TRUE;
    b.provider.call_api = TRUE;
    b.provider.api_result = (HRESULT)0xdeadbeef;
    init_record(&record, &type_plain, "slowly", peer_now(a.graph.handle));
    hr = PeerGraphAddRecord(a.graph.handle, &record, &r5);
    ok(hr == S_OK, "PeerGraphAddRecord on a returned %#lx\n", hr);
    ok(has_record(&b, &r5, TRAVEL_MS), "b did not get the record its slow provider validated\n");
    ok(b.provider.api_result != (HRESULT)0xdeadbeef, "b's pfnValidateRecord did not get to call the API\n");
    b.provider.sleep_ms = 0;
    b.provider.slow_validate = FALSE;
    b.provider.call_api = FALSE;

    /* A validation that fails drops the record. */
    b.provider.fail_failing = TRUE;
    init_record(&record, &type_failing, "failing", peer_now(a.graph.handle));
    hr = PeerGraphAddRecord(a.graph.handle, &record, &r6);
    ok(hr == S_OK, "PeerGraphAddRecord on a returned %#lx\n", hr);
    ok(!has_record(&b, &r6, QUIET_MS), "b took a record whose validation failed\n");
    b.provider.fail_failing = FALSE;

    /* c signs with another key: a and b drop what it publishes, once each. */
    hr = start_node(&c, "net-c", peer_c, 99, &a);
    ok(hr == S_OK, "node c: %#lx\n", hr);
    if (hr == S_OK) hr = join(&c, &a);
    ok(hr == S_OK, "c joining a: %#lx\n", hr);
    if (hr == S_OK)
    {
        ok(!has_record(&c, &r1, QUIET_MS), "c took a record signed with another key\n");
        ok(c.provider.invalid_seen >= 1, "c found nothing invalid\n");
        a.provider.watch_type = type_bad;
        init_record(&record, &type_bad, "from c", peer_now(c.graph.handle));
        hr = PeerGraphAddRecord(c.graph.handle, &record, &r3);
        ok(hr == S_OK, "PeerGraphAddRecord on c returned %#lx\n", hr);
        start = GetTickCount();
        while (!a.provider.watch_calls && GetTickCount() - start < TRAVEL_MS) Sleep(20);
        ok(a.provider.watch_calls >= 1, "a never validated c's record\n");
        ok(!has_record(&a, &r3, QUIET_MS), "a took c's badly signed record\n");
        ok(!has_record(&b, &r3, 0), "b got c's badly signed record\n");
        ok(a.provider.watch_calls == 1, "a validated c's record %ld times\n", a.provider.watch_calls);
    }

    /* Deferred: neither visible nor announced until validated again. */
    a.provider.defer_later = TRUE;
    drain_node_events(&a);
    changed = a.changed;
    init_record(&record, &type_later, "later", peer_now(b.graph.handle));
    hr = PeerGraphAddRecord(b.graph.handle, &record, &r4);
    ok(hr == S_OK, "PeerGraphAddRecord on b returned %#lx\n", hr);
    start = GetTickCount();
    while (!a.provider.deferred_seen && GetTickCount() - start < TRAVEL_MS) Sleep(20);
    ok(a.provider.deferred_seen == 1, "a deferred %ld records\n", a.provider.deferred_seen);
    ok(!has_record(&a, &r4, QUIET_MS), "a shows a deferred record\n");
    drain_node_events(&a);
    ok(a.changed == changed, "a announced a deferred record\n");
    a.provider.defer_later = FALSE;
    validated = a.provider.validate_calls;
    hr = PeerGraphValidateDeferredRecords(a.graph.handle, 1, &r2);
    ok(hr == S_OK, "PeerGraphValidateDeferredRecords(another id) returned %#lx\n", hr);
    ok(!has_record(&a, &r4, QUIET_MS), "a took a deferred record it was not asked to validate\n");
    hr = PeerGraphValidateDeferredRecords(a.graph.handle, 0, NULL);
    ok(hr == S_OK, "PeerGraphValidateDeferredRecords returned %#lx\n", hr);
    ok(has_record(&a, &r4, TRAVEL_MS), "a did not take the record once validated\n");
    ok(a.provider.validate_calls > validated, "a did not validate again\n");
    start = GetTickCount();
    while (a.changed == changed && GetTickCount() - start < TRAVEL_MS)
    {
        WaitForSingleObject(a.event, 100);
        drain_node_events(&a);
    }
    ok(a.changed > changed && guid_equal(&a.last_changed, &r4), "no RECORD_CHANGED for the released record\n");

    if (c.graph.handle) stop_node(&c);
done_b:
    stop_node(&b);
    stop_node(&a);
}

/* Interfaces naming a package that cannot be used are refused. */
static void test_bad_packages(void)
{
    PEER_SECURITY_INTERFACE security;
    struct test_graph graph;
    PEER_GRAPH_PROPERTIES props;
    struct ssp_key key;
    WCHAR missing[] = L"C:\\no-such-folder\\no-such-ssp.dll";
    WCHAR not_ssp[] = L"kernel32.dll";
    WCHAR no_package[] = L"NoSuchPackage";
    HGRAPH handle;
    HRESULT hr;

    init_ssp_key(&key, 1);
    init_test_graph(&graph, &props, "security", "badssp", peer_a, friendly_name);
    memset(&security, 0, sizeof(security));
    security.dwSize = sizeof(security);
    security.cbSecurityInfo = sizeof(key);
    security.pbSecurityInfo = (BYTE *)&key;

    security.pwzSspFilename = missing;
    security.pwzPackageName = ssp_package;
    hr = PeerGraphCreate(&props, graph.db, &security, &handle);
    ok(hr == E_INVALIDARG || broken(FAILED(hr)), "a missing DLL: PeerGraphCreate returned %#lx\n", hr);
    security.pwzSspFilename = not_ssp;
    hr = PeerGraphCreate(&props, graph.db, &security, &handle);
    ok(hr == E_INVALIDARG || broken(FAILED(hr)), "a DLL without InitSecurityInterfaceW: PeerGraphCreate returned %#lx\n",
       hr);
    security.pwzSspFilename = ssp_path;
    security.pwzPackageName = no_package;
    hr = PeerGraphCreate(&props, graph.db, &security, &handle);
    ok(hr == E_INVALIDARG || broken(FAILED(hr)), "a missing package: PeerGraphCreate returned %#lx\n", hr);
    /* The test package refuses credentials without a key. */
    security.pwzPackageName = ssp_package;
    security.cbSecurityInfo = 0;
    security.pbSecurityInfo = NULL;
    hr = PeerGraphCreate(&props, graph.db, &security, &handle);
    ok(hr == E_INVALIDARG || broken(FAILED(hr)), "no key: PeerGraphCreate returned %#lx\n", hr);
    security.pwzSspFilename = NULL;
    security.cbSecurityInfo = sizeof(key);
    security.pbSecurityInfo = (BYTE *)&key;
    hr = PeerGraphCreate(&props, graph.db, &security, &handle);
    ok(hr == E_INVALIDARG || broken(FAILED(hr)), "a package without its DLL: PeerGraphCreate returned %#lx\n", hr);
}

struct relay
{
    SOCKET listener;
    USHORT port, target;
    HANDLE thread;
    char captured[1 << 20];
    LONG size;
};

/* A socket connected to [::1]:port, or (bound not NULL) listening on [::1] at a port of its
 * own, written to *bound. */
static SOCKET loopback_socket(USHORT port, USHORT *bound)
{
    SOCKADDR_IN6 sin6;
    SOCKET s = socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
    int len = sizeof(sin6);

    if (s == INVALID_SOCKET) return s;
    memset(&sin6, 0, sizeof(sin6));
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    sin6.sin6_addr.s6_addr[15] = 1;
    if (bound ? bind(s, (SOCKADDR *)&sin6, sizeof(sin6)) || listen(s, 1) ||
                    getsockname(s, (SOCKADDR *)&sin6, &len)
              : connect(s, (SOCKADDR *)&sin6, sizeof(sin6)))
    {
        closesocket(s);
        return INVALID_SOCKET;
    }
    if (bound) *bound = ntohs(sin6.sin6_port);
    return s;
}

/* Accepts one connection and passes its bytes on to the target port both ways, keeping what
 * went by. */
static DWORD WINAPI relay_proc(void *arg)
{
    struct relay *r = arg;
    SOCKET in = accept(r->listener, NULL, NULL), out = INVALID_SOCKET;
    char buffer[4096];
    fd_set set;
    int n;

    if (in != INVALID_SOCKET) out = loopback_socket(r->target, NULL);
    while (in != INVALID_SOCKET && out != INVALID_SOCKET)
    {
        FD_ZERO(&set);
        FD_SET(in, &set);
        FD_SET(out, &set);
        if (select(0, &set, NULL, NULL, NULL) <= 0) break;
        if (FD_ISSET(in, &set))
        {
            if ((n = recv(in, buffer, sizeof(buffer), 0)) <= 0 || send(out, buffer, n, 0) != n) break;
            if (r->size + n <= (LONG)sizeof(r->captured)) memcpy(r->captured + r->size, buffer, n), r->size += n;
        }
        if (FD_ISSET(out, &set))
        {
            if ((n = recv(out, buffer, sizeof(buffer), 0)) <= 0 || send(in, buffer, n, 0) != n) break;
            if (r->size + n <= (LONG)sizeof(r->captured)) memcpy(r->captured + r->size, buffer, n), r->size += n;
        }
    }
    if (in != INVALID_SOCKET) closesocket(in);
    if (out != INVALID_SOCKET) closesocket(out);
    return 0;
}

static BOOL captured_has(const struct relay *r, const char *text)
{
    size_t len = strlen(text);
    LONG i;

    for (i = 0; i + (LONG)len <= r->size; i++)
        if (!memcmp(r->captured + i, text, len)) return TRUE;
    return FALSE;
}

/* Waits until the connection at s ends (the peer closed it); FALSE when it stays open. */
static BOOL dropped_within(SOCKET s, DWORD timeout)
{
    DWORD start = GetTickCount();
    char buffer[256];
    fd_set set;
    struct timeval tv = {0, 100000};

    while (GetTickCount() - start < timeout)
    {
        FD_ZERO(&set);
        FD_SET(s, &set);
        if (select(0, &set, NULL, NULL, &tv) > 0 && recv(s, buffer, sizeof(buffer), 0) <= 0) return TRUE;
    }
    return FALSE;
}

static const char secret[] = "SECRET-PAYLOAD-0123456789-abcdefghij";

/* Graphs secured by the test package: the same key joins, synchronizes, floods and carries
 * direct-connection data, and none of it is clear on the wire; another key, or a peer that
 * skips the handshake, gets nothing. */
static void test_secured_connections(void)
{
    static struct relay relay;
    struct node a, b, c, d, e;
    PEER_RECORD record;
    PEER_ADDRESS address;
    ULONGLONG direct = 0, id;
    DWORD start, status = 0;
    SOCKET raw, listener;
    USHORT listen_port = 0;
    char first[512];
    int got = 0, n;
    GUID r1, r2;
    HRESULT hr;

    hr = start_node_ex(&a, "ssp", peer_a, 0, 1, NULL);
    ok(hr == S_OK, "node a: %#lx\n", hr);
    if (hr != S_OK) return;
    init_record(&record, &type_plain, secret, peer_now(a.graph.handle));
    hr = PeerGraphAddRecord(a.graph.handle, &record, &r1);
    ok(hr == S_OK, "PeerGraphAddRecord returned %#lx\n", hr);

    /* b joins through a relay that keeps the bytes. */
    relay.listener = loopback_socket(0, &relay.port);
    ok(relay.listener != INVALID_SOCKET, "no relay socket: %d\n", WSAGetLastError());
    if (relay.listener == INVALID_SOCKET) goto done_a;
    relay.target = a.port;
    relay.thread = CreateThread(NULL, 0, relay_proc, &relay, 0, NULL);
    hr = start_node_ex(&b, "ssp-b", peer_b, 0, 1, &a);
    ok(hr == S_OK, "node b: %#lx\n", hr);
    if (hr == S_OK)
    {
        struct node via = a;

        via.port = relay.port;
        hr = join(&b, &via);
    }
    ok(hr == S_OK, "b joining a through the relay: %#lx\n", hr);
    if (hr != S_OK) goto done_b;
    ok(has_record(&b, &r1, TRAVEL_MS), "b did not get a's record\n");
    init_record(&record, &type_plain, "from b", peer_now(b.graph.handle));
    hr = PeerGraphAddRecord(b.graph.handle, &record, &r2);
    ok(hr == S_OK, "PeerGraphAddRecord returned %#lx\n", hr);
    ok(has_record(&a, &r2, TRAVEL_MS), "a did not get b's record\n");
    ok(relay.size > 0, "nothing went through the relay\n");
    ok(!captured_has(&relay, secret), "the record's payload crossed the wire in the clear\n");

    /* A third node with the key joins b, not a: the secured graph carries a's record on. */
    hr = start_node_ex(&e, "ssp-e", peer_e, 0, 1, &a);
    ok(hr == S_OK, "node e: %#lx\n", hr);
    if (hr == S_OK)
    {
        struct node via = b;

        via.port = 0;
        if (read_port(&b, &via.port) == S_OK) hr = join(&e, &via);
        ok(hr == S_OK, "e joining b: %#lx\n", hr);
        ok(has_record(&e, &r1, TRAVEL_MS) && has_record(&e, &r2, TRAVEL_MS), "e did not get the graph's records\n");
        stop_node(&e);
    }

    /* A direct connection is secured the same way. */
    loopback_address(&address, a.port);
    hr = PeerGraphOpenDirectConnection(b.graph.handle, peer_a, &address, &direct);
    ok(hr == S_OK, "PeerGraphOpenDirectConnection returned %#lx\n", hr);
    start = GetTickCount();
    while (!b.direct_connected && GetTickCount() - start < TRAVEL_MS)
    {
        WaitForSingleObject(b.event, 100);
        drain_node_events(&b);
    }
    ok(b.direct_connected == 1, "the direct connection did not connect\n");
    hr = PeerGraphSendData(b.graph.handle, direct, &type_plain, sizeof(secret), (void *)secret);
    ok(hr == S_OK, "PeerGraphSendData returned %#lx\n", hr);
    start = GetTickCount();
    while (a.data_bytes < (LONG)sizeof(secret) && GetTickCount() - start < TRAVEL_MS)
    {
        WaitForSingleObject(a.event, 100);
        drain_node_events(&a);
    }
    ok(a.data_bytes == sizeof(secret), "a received %ld bytes of data\n", a.data_bytes);

    /* Another key: not authenticated, and nothing learned. */
    hr = start_node_ex(&c, "ssp-c", peer_c, 0, 2, &a);
    ok(hr == S_OK, "node c: %#lx\n", hr);
    if (hr == S_OK)
    {
        loopback_address(&address, a.port);
        hr = PeerGraphConnect(c.graph.handle, NULL, &address, &id);
        ok(hr == S_OK, "PeerGraphConnect returned %#lx\n", hr);
        start = GetTickCount();
        while (!c.failed && GetTickCount() - start < 30000)
        {
            WaitForSingleObject(c.event, 100);
            drain_node_events(&c);
        }
        ok(c.failed == 1, "c's connection did not fail\n");
        ok(c.failed_reason == PEER_E_CONNECTION_NOT_AUTHENTICATED, "c's connection failed with %#lx\n",
           c.failed_reason);
        PeerGraphGetStatus(c.graph.handle, &status);
        ok(!(status & PEER_GRAPH_STATUS_SYNCHRONIZED), "c synchronized with the wrong key\n");
        stop_node(&c);
    }

    /* A peer that skips the handshake: what an unsecured node sends first (AUTH_INFO, then
     * CONNECT in the clear), replayed to a, gets the connection closed. */
    listener = loopback_socket(0, &listen_port);
    hr = start_node_ex(&d, "ssp-d", peer_c, 0, 0, &a);
    if (hr == S_OK && listener != INVALID_SOCKET)
    {
        SOCKET s;

        loopback_address(&address, listen_port);
        /* d has record callbacks, not the package: it speaks in the clear. */
        PeerGraphConnect(d.graph.handle, NULL, &address, &id);
        s = accept(listener, NULL, NULL);
        start = GetTickCount();
        while (s != INVALID_SOCKET && got < (int)sizeof(first) && GetTickCount() - start < 2000)
        {
            fd_set set;
            struct timeval tv = {0, 200000};

            FD_ZERO(&set);
            FD_SET(s, &set);
            if (select(0, &set, NULL, NULL, &tv) <= 0) continue;
            if ((n = recv(s, first + got, sizeof(first) - got, 0)) <= 0) break;
            got += n;
        }
        if (s != INVALID_SOCKET) closesocket(s);
        ok(got > 0, "the clear node sent nothing\n");
        raw = loopback_socket(a.port, NULL);
        ok(raw != INVALID_SOCKET, "cannot reach a: %d\n", WSAGetLastError());
        if (raw != INVALID_SOCKET)
        {
            send(raw, first, got, 0);
            ok(dropped_within(raw, 15000), "a kept a connection that skipped the handshake\n");
            closesocket(raw);
        }
        /* Garbage where the token should be. */
        raw = loopback_socket(a.port, NULL);
        if (raw != INVALID_SOCKET)
        {
            static const char garbage[64] = "P2TS garbled handshake token";
            int auth = got < 2 ? 0 : 2 + (((BYTE)first[0] << 8) | (BYTE)first[1]);

            if (auth <= got) send(raw, first, auth, 0);
            send(raw, garbage, sizeof(garbage), 0);
            ok(dropped_within(raw, 15000), "a kept a connection with a garbled handshake\n");
            closesocket(raw);
        }
        ok(has_record(&b, &r1, 0), "b lost its records\n");
    }
    if (listener != INVALID_SOCKET) closesocket(listener);
    if (hr == S_OK) stop_node(&d);
done_b:
    if (b.graph.handle) stop_node(&b);
    closesocket(relay.listener);
    if (relay.thread)
    {
        WaitForSingleObject(relay.thread, 5000);
        CloseHandle(relay.thread);
    }
done_a:
    stop_node(&a);
}

START_TEST(security)
{
    PEER_VERSION_DATA version;
    HRESULT hr;

    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    if (hr != S_OK) return;
    test_bad_interfaces();
    test_interface_sizes();
    test_local_operations();
    test_open_checks_interface();
    test_received_records();
    if (!find_test_ssp())
        skip("testssp.dll is not beside the tests\n");
    else
    {
        WSADATA wsa;

        WSAStartup(MAKEWORD(2, 2), &wsa);
        test_bad_packages();
        test_secured_connections();
        WSACleanup();
    }
    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);
}
