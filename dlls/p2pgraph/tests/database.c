/*
 * Database tests: PeerGraphExportDatabase, PeerGraphImportDatabase, and that committed records
 * survive a process that is killed right after adding them
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
 *
 * The program runs itself as a child ("database.exe child GRAPH DB EVENT") for the durability
 * test: the child adds records, signals EVENT right after the last PeerGraphAddRecord returned
 * and waits to be killed. */

#include <winsock2.h>
#include <windows.h>
#include <p2p.h>

#include "p2ptest.h"
#include "p2ptest_graph.h"

#define SECOND ((ULONGLONG)10000000)
#define HOUR (3600 * SECOND)

#define RECORD_COUNT 20
#define CHILD_RECORD_COUNT 200
#define CHILD_MAX_RECORD_COUNT 20000
#define CHILD_TIMEOUT_MS 90000

static const GUID type_a = {0x51c0e6d8, 0x2f47, 0x4b19, {0x83, 0x5a, 0x6e, 0x21, 0x0c, 0x9b, 0x47, 0xd3}};
static const GUID type_b = {0x51c0e6d9, 0x2f47, 0x4b19, {0x83, 0x5a, 0x6e, 0x21, 0x0c, 0x9b, 0x47, 0xd3}};

static WCHAR peer_id[] = L"p2ptest-database-peer";
static WCHAR other_peer_id[] = L"p2ptest-database-other-peer";
static WCHAR friendly_name[] = L"p2ptest database";
static WCHAR comment[] = L"conformance test graph, created by database.c";

static WCHAR temp_dir[MAX_PATH];

static BOOL str_equal(const WCHAR *a, const WCHAR *b)
{
    if (!a || !*a) return !b || !*b;
    return b && !lstrcmpW(a, b);
}

static void make_names(struct test_graph *graph, const char *tag)
{
    make_graph_names(graph->id, graph->db, "database", tag);
    graph->peer = peer_id;
    graph->handle = NULL;
}

static void init_properties(PEER_GRAPH_PROPERTIES *props, struct test_graph *graph)
{
    init_graph_properties(props, graph->id, graph->peer, friendly_name);
    props->dwMaxRecordSize = 16384;
    props->pwzComment = comment;
    props->ulPresenceLifetime = 450;
    props->cPresenceMax = 9;
}

static HRESULT create_graph(struct test_graph *graph)
{
    PEER_GRAPH_PROPERTIES props;

    init_properties(&props, graph);
    return create_test_graph(graph, &props);
}

static HRESULT open_graph(struct test_graph *graph)
{
    HRESULT hr;

    graph->handle = NULL;
    hr = PeerGraphOpen(graph->id, graph->peer, graph->db, NULL, 0, NULL, &graph->handle);
    if (FAILED(hr)) graph->handle = NULL;
    return hr;
}

static void make_temp_path(WCHAR *path, const char *tag)
{
    WCHAR name[128];

    make_unique_name(name, ARRAYSIZE(name), "database", tag, ".export");
    lstrcpyW(path, temp_dir);
    lstrcatW(path, name);
}

static BOOL write_file(const WCHAR *path, const void *data, DWORD size)
{
    HANDLE file;
    DWORD written = 0;
    BOOL ret;

    file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    ok(file != INVALID_HANDLE_VALUE, "cannot create %s: %lu\n", dbgstr_w(path), GetLastError());
    if (file == INVALID_HANDLE_VALUE) return FALSE;
    ret = !size || (WriteFile(file, data, size, &written, NULL) && written == size);
    ok(ret, "cannot write %s: %lu\n", dbgstr_w(path), GetLastError());
    CloseHandle(file);
    return ret;
}

/* Returns the file's content (free() it) and its size, or NULL. */
static BYTE *read_file(const WCHAR *path, DWORD *size)
{
    HANDLE file;
    DWORD read = 0;
    BYTE *data;

    *size = 0;
    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) return NULL;
    *size = GetFileSize(file, NULL);
    data = malloc(*size + 1);
    if (*size && (!ReadFile(file, data, *size, &read, NULL) || read != *size))
    {
        free(data);
        data = NULL;
    }
    CloseHandle(file);
    return data;
}

/* ---- records ---- */

static void fill_data(BYTE *data, ULONG size, unsigned int seed)
{
    ULONG i;

    for (i = 0; i < size; i++) data[i] = (BYTE)(seed * 13 + i * 5 + (i >> 7));
}

static HRESULT add_test_record(HGRAPH graph, unsigned int index, ULONGLONG now, GUID *id)
{
    WCHAR attributes[256];
    BYTE data[512];
    PEER_RECORD record;
    ULONG size = (index * 37) % 400;

    fill_data(data, size, index);
    swprintf(attributes, ARRAYSIZE(attributes),
             L"<attributes><attribute name=\"index\" type=\"int\">%u</attribute>"
             L"<attribute name=\"name\" type=\"string\">record %u</attribute></attributes>", index, index);
    memset(&record, 0, sizeof(record));
    record.dwSize = sizeof(record);
    record.type = index % 3 ? type_a : type_b;
    record.ftExpiration = ull_to_ft(now + HOUR + index * SECOND);
    record.data.cbData = size;
    record.data.pbData = size ? data : NULL;
    record.pwzAttributes = index % 4 ? attributes : NULL;
    return PeerGraphAddRecord(graph, &record, id);
}

/* Compares two records completely. */
static void compare_records(const PEER_RECORD *got, const PEER_RECORD *expect, int line)
{
    ok(got->dwSize == sizeof(*got), "line %d: dwSize %lu\n", line, got->dwSize);
    ok(guid_equal(&got->id, &expect->id), "line %d: id %s, expected %s\n", line, dbgstr_guid(&got->id),
       dbgstr_guid(&expect->id));
    ok(guid_equal(&got->type, &expect->type), "line %d: type %s, expected %s\n", line, dbgstr_guid(&got->type),
       dbgstr_guid(&expect->type));
    ok(got->dwVersion == expect->dwVersion, "line %d: version %lu, expected %lu\n", line, got->dwVersion,
       expect->dwVersion);
    ok(got->dwFlags == expect->dwFlags, "line %d: flags %#lx, expected %#lx\n", line, got->dwFlags,
       expect->dwFlags);
    ok(str_equal(got->pwzCreatorId, expect->pwzCreatorId), "line %d: creator %s, expected %s\n", line,
       dbgstr_w(got->pwzCreatorId), dbgstr_w(expect->pwzCreatorId));
    ok(str_equal(got->pwzModifiedById, expect->pwzModifiedById), "line %d: modified by %s, expected %s\n", line,
       dbgstr_w(got->pwzModifiedById), dbgstr_w(expect->pwzModifiedById));
    ok(str_equal(got->pwzAttributes, expect->pwzAttributes), "line %d: attributes %s, expected %s\n", line,
       dbgstr_w(got->pwzAttributes), dbgstr_w(expect->pwzAttributes));
    ok(ft_to_ull(&got->ftCreation) == ft_to_ull(&expect->ftCreation), "line %d: created %#llx, expected %#llx\n",
       line, ft_to_ull(&got->ftCreation), ft_to_ull(&expect->ftCreation));
    ok(ft_to_ull(&got->ftLastModified) == ft_to_ull(&expect->ftLastModified),
       "line %d: modified %#llx, expected %#llx\n", line, ft_to_ull(&got->ftLastModified),
       ft_to_ull(&expect->ftLastModified));
    ok(ft_to_ull(&got->ftExpiration) == ft_to_ull(&expect->ftExpiration),
       "line %d: expires %#llx, expected %#llx\n", line, ft_to_ull(&got->ftExpiration),
       ft_to_ull(&expect->ftExpiration));
    ok(got->securityData.cbData == expect->securityData.cbData, "line %d: %lu bytes of security data\n", line,
       got->securityData.cbData);
    ok(got->data.cbData == expect->data.cbData, "line %d: %lu bytes of data, expected %lu\n", line,
       got->data.cbData, expect->data.cbData);
    if (got->data.cbData == expect->data.cbData && got->data.cbData)
        ok(!memcmp(got->data.pbData, expect->data.pbData, got->data.cbData), "line %d: wrong data\n", line);
}

/* The records a graph holds, as one PeerGraphGetNextItem array (free with PeerGraphFreeData). */
static PEER_RECORD **get_all_records(HGRAPH graph, ULONG *count)
{
    HPEERENUM peer_enum = NULL;
    PVOID *items = NULL;
    ULONG total = 0;
    HRESULT hr;

    *count = 0;
    hr = PeerGraphEnumRecords(graph, NULL, NULL, &peer_enum);
    ok(hr == S_OK, "PeerGraphEnumRecords returned %#lx\n", hr);
    if (hr != S_OK) return NULL;
    hr = PeerGraphGetItemCount(peer_enum, &total);
    ok(hr == S_OK, "PeerGraphGetItemCount returned %#lx\n", hr);
    if (total)
    {
        *count = total;
        hr = PeerGraphGetNextItem(peer_enum, count, &items);
        ok(hr == S_OK, "PeerGraphGetNextItem returned %#lx\n", hr);
        ok(*count == total, "got %lu of %lu items\n", *count, total);
        if (hr != S_OK)
        {
            *count = 0;
            items = NULL;
        }
    }
    PeerGraphEndEnumeration(peer_enum);
    return (PEER_RECORD **)items;
}

/* Every record of expect is in graph, identical; nothing else is. */
static void check_same_records(HGRAPH graph, PEER_RECORD **expect, ULONG expect_count, int line)
{
    PEER_RECORD **got;
    ULONG count, i, j;

    got = get_all_records(graph, &count);
    ok(count == expect_count, "line %d: %lu records, expected %lu\n", line, count, expect_count);
    for (i = 0; i < expect_count; i++)
    {
        for (j = 0; j < count; j++)
            if (guid_equal(&got[j]->id, &expect[i]->id)) break;
        ok(j < count, "line %d: record %s is missing\n", line, dbgstr_guid(&expect[i]->id));
        if (j < count) compare_records(got[j], expect[i], line);
    }
    if (got) PeerGraphFreeData(got);
}

static void check_properties_kept(HGRAPH graph, struct test_graph *test_graph, int line)
{
    PEER_GRAPH_PROPERTIES expect, *props = NULL;
    HRESULT hr;

    init_properties(&expect, test_graph);
    hr = PeerGraphGetProperties(graph, &props);
    ok(hr == S_OK, "line %d: PeerGraphGetProperties returned %#lx\n", line, hr);
    if (hr != S_OK || !props) return;
    ok(props->dwScope == expect.dwScope, "line %d: scope %lu\n", line, props->dwScope);
    ok(props->dwMaxRecordSize == expect.dwMaxRecordSize, "line %d: max record size %lu\n", line,
       props->dwMaxRecordSize);
    ok(str_equal(props->pwzGraphId, expect.pwzGraphId), "line %d: graph id %s\n", line,
       dbgstr_w(props->pwzGraphId));
    ok(str_equal(props->pwzCreatorId, expect.pwzCreatorId), "line %d: creator id %s\n", line,
       dbgstr_w(props->pwzCreatorId));
    ok(str_equal(props->pwzFriendlyName, expect.pwzFriendlyName), "line %d: friendly name %s\n", line,
       dbgstr_w(props->pwzFriendlyName));
    ok(str_equal(props->pwzComment, expect.pwzComment), "line %d: comment %s\n", line,
       dbgstr_w(props->pwzComment));
    ok(props->ulPresenceLifetime == expect.ulPresenceLifetime, "line %d: presence lifetime %lu\n", line,
       props->ulPresenceLifetime);
    ok(props->cPresenceMax == expect.cPresenceMax, "line %d: presence max %lu\n", line, props->cPresenceMax);
    PeerGraphFreeData(props);
}

/* A graph that was opened with nothing in it refuses record and property calls. */
static void check_not_ready(HGRAPH graph, const char *when)
{
    PEER_GRAPH_PROPERTIES *props = (PEER_GRAPH_PROPERTIES *)0xdeadbeef;
    HPEERENUM peer_enum = NULL;
    HRESULT hr;

    hr = PeerGraphEnumRecords(graph, NULL, NULL, &peer_enum);
    ok(hr == PEER_E_GRAPH_NOT_READY, "%s: PeerGraphEnumRecords returned %#lx\n", when, hr);
    if (hr == S_OK) PeerGraphEndEnumeration(peer_enum);
    hr = PeerGraphGetProperties(graph, &props);
    ok(hr == PEER_E_GRAPH_NOT_READY, "%s: PeerGraphGetProperties returned %#lx\n", when, hr);
    if (hr == S_OK) PeerGraphFreeData(props);
}

/* ---- export ---- */

static void test_export(HGRAPH graph, const WCHAR *good_path)
{
    static const char garbage[] = "GARBAGE GARBAGE GARBAGE GARBAGE GARBAGE GARBAGE GARBAGE GARBAGE GARBAGE";
    WCHAR path[MAX_PATH], missing[MAX_PATH], name[64];
    BYTE *first, *second;
    DWORD first_size, second_size;
    BYTE *big;
    HRESULT hr;

    hr = PeerGraphExportDatabase(graph, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphExportDatabase(NULL) returned %#lx\n", hr);

    /* a directory that does not exist */
    swprintf(name, ARRAYSIZE(name), L"p2ptest-no-such-dir-%lu\\", GetCurrentProcessId());
    lstrcpyW(missing, temp_dir);
    lstrcatW(missing, name);
    lstrcatW(missing, L"graph.export");
    hr = PeerGraphExportDatabase(graph, missing);
    ok(hr == HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND) || broken(FAILED(hr)),
       "PeerGraphExportDatabase(missing directory) returned %#lx\n", hr);
    ok(GetFileAttributesW(missing) == INVALID_FILE_ATTRIBUTES, "the file exists\n");

    make_temp_path(path, "export");
    hr = PeerGraphExportDatabase(graph, path);
    ok(hr == S_OK, "PeerGraphExportDatabase returned %#lx\n", hr);
    first = read_file(path, &first_size);
    ok(first != NULL && first_size > 0, "no export file, or an empty one (%lu bytes)\n", first_size);

    /* an existing file is overwritten, a bigger one is truncated */
    big = malloc(1024 * 1024);
    memset(big, 'G', 1024 * 1024);
    memcpy(big, garbage, sizeof(garbage));
    write_file(good_path, big, 1024 * 1024);
    hr = PeerGraphExportDatabase(graph, good_path);
    ok(hr == S_OK, "PeerGraphExportDatabase over an existing file returned %#lx\n", hr);
    second = read_file(good_path, &second_size);
    ok(second != NULL && second_size > 0, "no export file\n");
    if (second)
    {
        ok(second_size < 1024 * 1024 || memcmp(second + second_size - 64, big + second_size - 64, 64),
           "the old content is still there (%lu bytes)\n", second_size);
        ok(memcmp(second, garbage, 16), "the old content is still there\n");
        if (first && first_size > 0)
            ok(second_size >= first_size / 2 && second_size <= first_size * 2,
               "two exports of the same graph have %lu and %lu bytes\n", first_size, second_size);
    }
    free(big);
    free(first);
    free(second);
    DeleteFileW(path);
}

/* ---- export, delete, open, import ---- */

static void test_import_cycle(void)
{
    struct test_graph graph, other, other_peer;
    WCHAR good_path[MAX_PATH], path[MAX_PATH];
    PEER_RECORD **before = NULL, record, *got;
    GUID ids[RECORD_COUNT + 1], extra_id;
    ULONG before_count = 0;
    BYTE *export_data, garbage[4096];
    DWORD export_size;
    unsigned int i;
    ULONGLONG now;
    HRESULT hr;

    make_names(&graph, "cycle");
    hr = create_graph(&graph);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr != S_OK) return;

    now = peer_now(graph.handle);
    for (i = 0; i < RECORD_COUNT; i++)
    {
        hr = add_test_record(graph.handle, i, now, &ids[i]);
        ok(hr == S_OK, "PeerGraphAddRecord(%u) returned %#lx\n", i, hr);
    }
    /* an updated record (version 2, modified by us) and a deleted one */
    got = NULL;
    hr = PeerGraphGetRecord(graph.handle, &ids[3], &got);
    ok(hr == S_OK, "PeerGraphGetRecord returned %#lx\n", hr);
    if (hr == S_OK)
    {
        record = *got;
        record.ftExpiration = ull_to_ft(ft_to_ull(&got->ftExpiration) + HOUR);
        record.data.cbData = 2;
        hr = PeerGraphUpdateRecord(graph.handle, &record);
        ok(hr == S_OK, "PeerGraphUpdateRecord returned %#lx\n", hr);
        PeerGraphFreeData(got);
    }
    hr = add_test_record(graph.handle, 1000, now, &extra_id);
    ok(hr == S_OK, "PeerGraphAddRecord returned %#lx\n", hr);
    hr = PeerGraphDeleteRecord(graph.handle, &extra_id, FALSE);
    ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);

    before = get_all_records(graph.handle, &before_count);
    ok(before_count == RECORD_COUNT, "%lu records\n", before_count);

    make_temp_path(good_path, "good");
    test_export(graph.handle, good_path);
    export_data = read_file(good_path, &export_size);
    ok(export_data != NULL && export_size > 0, "no export\n");

    /* importing into a created graph is not allowed */
    hr = PeerGraphImportDatabase(graph.handle, good_path);
    ok(FAILED(hr) || broken(hr == S_OK), "PeerGraphImportDatabase after PeerGraphCreate returned %#lx\n", hr);
    if (FAILED(hr)) trace("PeerGraphImportDatabase after PeerGraphCreate returned %#lx\n", hr);
    check_same_records(graph.handle, before, before_count, __LINE__);

    close_test_graph(&graph);
    delete_test_graph(&graph);

    /* an export of another graph */
    make_names(&other, "other");
    hr = create_graph(&other);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    make_temp_path(path, "other");
    if (hr == S_OK)
    {
        hr = add_test_record(other.handle, 1, peer_now(other.handle), &ids[RECORD_COUNT]);
        ok(hr == S_OK, "PeerGraphAddRecord returned %#lx\n", hr);
        hr = PeerGraphExportDatabase(other.handle, path);
        ok(hr == S_OK, "PeerGraphExportDatabase returned %#lx\n", hr);
        delete_test_graph(&other);
    }

    /* the data is gone; Open makes an empty database */
    hr = open_graph(&graph);
    ok(hr == PEER_S_GRAPH_DATA_CREATED, "PeerGraphOpen returned %#lx\n", hr);
    if (FAILED(hr)) goto done;
    check_not_ready(graph.handle, "after Open");

    hr = PeerGraphImportDatabase(graph.handle, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphImportDatabase(NULL) returned %#lx\n", hr);

    hr = PeerGraphImportDatabase(graph.handle, path);
    ok(hr == PEER_E_INVALID_DATABASE, "import of another graph returned %#lx\n", hr);
    DeleteFileW(path);
    check_not_ready(graph.handle, "after importing another graph");

    /* the same graph id, but another peer */
    other_peer = graph;
    other_peer.peer = other_peer_id;
    lstrcatW(other_peer.db, L"2");
    other_peer.handle = NULL;
    hr = create_graph(&other_peer);
    ok(hr == S_OK || broken(hr == PEER_E_DUPLICATE_GRAPH), "PeerGraphCreate (other peer) returned %#lx\n", hr);
    if (hr == S_OK)
    {
        make_temp_path(path, "other-peer");
        hr = add_test_record(other_peer.handle, 2, peer_now(other_peer.handle), &ids[RECORD_COUNT]);
        ok(hr == S_OK, "PeerGraphAddRecord returned %#lx\n", hr);
        hr = PeerGraphExportDatabase(other_peer.handle, path);
        ok(hr == S_OK, "PeerGraphExportDatabase returned %#lx\n", hr);
        delete_test_graph(&other_peer);
        hr = PeerGraphImportDatabase(graph.handle, path);
        ok(hr == PEER_E_INVALID_DATABASE, "import of another peer's database returned %#lx\n", hr);
        DeleteFileW(path);
        check_not_ready(graph.handle, "after importing another peer's database");
    }

    /* files that are not exports */
    make_temp_path(path, "garbage");
    for (i = 0; i < sizeof(garbage); i++) garbage[i] = (BYTE)(i * 7 + 3);
    write_file(path, garbage, sizeof(garbage));
    hr = PeerGraphImportDatabase(graph.handle, path);
    ok(hr == PEER_E_INVALID_DATABASE, "import of garbage returned %#lx\n", hr);
    memset(garbage, 0, sizeof(garbage));
    write_file(path, garbage, sizeof(garbage));
    hr = PeerGraphImportDatabase(graph.handle, path);
    ok(hr == PEER_E_INVALID_DATABASE, "import of zeroes returned %#lx\n", hr);
    write_file(path, "SQLite format 3", 16);
    hr = PeerGraphImportDatabase(graph.handle, path);
    ok(hr == PEER_E_INVALID_DATABASE, "import of a bare header returned %#lx\n", hr);
    write_file(path, NULL, 0);
    hr = PeerGraphImportDatabase(graph.handle, path);
    ok(hr == PEER_E_INVALID_DATABASE, "import of an empty file returned %#lx\n", hr);
    if (export_data && export_size > 1)
    {
        write_file(path, export_data, export_size / 2);
        hr = PeerGraphImportDatabase(graph.handle, path);
        ok(hr == PEER_E_INVALID_DATABASE, "import of half an export returned %#lx\n", hr);
        write_file(path, export_data, export_size - 1);
        hr = PeerGraphImportDatabase(graph.handle, path);
        ok(hr == PEER_E_INVALID_DATABASE, "import of an export without its last byte returned %#lx\n", hr);
    }
    DeleteFileW(path);
    hr = PeerGraphImportDatabase(graph.handle, path);
    ok(hr == HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), "import of a missing file returned %#lx\n", hr);
    lstrcpyW(path, temp_dir);
    lstrcatW(path, L"p2ptest-no-such-dir\\graph.export");
    hr = PeerGraphImportDatabase(graph.handle, path);
    ok(hr == HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND) || broken(hr == HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)),
       "import from a missing directory returned %#lx\n", hr);
    check_not_ready(graph.handle, "after the failed imports");

    /* the real thing, from the file the export overwrote */
    hr = PeerGraphImportDatabase(graph.handle, good_path);
    ok(hr == S_OK, "PeerGraphImportDatabase returned %#lx\n", hr);
    if (hr != S_OK) goto done;
    check_properties_kept(graph.handle, &graph, __LINE__);
    check_same_records(graph.handle, before, before_count, __LINE__);
    got = (PEER_RECORD *)0xdeadbeef;
    hr = PeerGraphGetRecord(graph.handle, &extra_id, &got);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "the deleted record: PeerGraphGetRecord returned %#lx\n", hr);
    if (hr == S_OK) PeerGraphFreeData(got);

    /* the imported graph works */
    hr = add_test_record(graph.handle, 500, peer_now(graph.handle), &extra_id);
    ok(hr == S_OK, "PeerGraphAddRecord after the import returned %#lx\n", hr);
    if (hr == S_OK)
    {
        hr = PeerGraphDeleteRecord(graph.handle, &extra_id, FALSE);
        ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);
    }

    /* and the import is kept */
    close_test_graph(&graph);
    hr = open_graph(&graph);
    ok(hr == S_OK, "PeerGraphOpen after the import returned %#lx\n", hr);
    if (hr == S_OK)
    {
        check_properties_kept(graph.handle, &graph, __LINE__);
        check_same_records(graph.handle, before, before_count, __LINE__);
    }

done:
    if (before) PeerGraphFreeData(before);
    free(export_data);
    DeleteFileW(good_path);
    delete_test_graph(&graph);
}

/* ---- durability ---- */

/* "all": add CHILD_RECORD_COUNT records, signal, wait to be killed;
 * "mid": signal after CHILD_RECORD_COUNT / 2 records and go on adding until killed. */
static void run_child(char **argv, BOOL mid)
{
    struct test_graph graph;
    ULONGLONG now;
    unsigned int i, count = mid ? CHILD_MAX_RECORD_COUNT : CHILD_RECORD_COUNT;
    HANDLE event;
    HRESULT hr;
    GUID id;

    memset(&graph, 0, sizeof(graph));
    MultiByteToWideChar(CP_ACP, 0, argv[2], -1, graph.id, ARRAYSIZE(graph.id));
    MultiByteToWideChar(CP_ACP, 0, argv[3], -1, graph.db, ARRAYSIZE(graph.db));
    graph.peer = peer_id;

    event = OpenEventA(EVENT_MODIFY_STATE, FALSE, argv[4]);
    if (!event) ExitProcess(10);
    if (PeerGraphStartup(PEER_GRAPH_VERSION, &(PEER_VERSION_DATA){0}) != S_OK) ExitProcess(11);
    hr = create_graph(&graph);
    if (hr != S_OK)
    {
        printf("child: PeerGraphCreate returned %#lx\n", hr);
        ExitProcess(12);
    }
    now = peer_now(graph.handle);
    for (i = 0; i < count; i++)
    {
        hr = add_test_record(graph.handle, i, now, &id);
        if (hr != S_OK)
        {
            printf("child: PeerGraphAddRecord(%u) returned %#lx\n", i, hr);
            ExitProcess(13);
        }
        /* that PeerGraphAddRecord returned: whatever happens now, the record is committed */
        if (i + 1 == CHILD_RECORD_COUNT / 2 && mid) SetEvent(event);
    }
    if (!mid) SetEvent(event);
    Sleep(CHILD_TIMEOUT_MS);
    ExitProcess(14);
}

/* Checks that rec is one that add_test_record(index) made and not seen before; returns the index
 * or -1. */
static int check_child_record(const PEER_RECORD *rec, BOOL *seen, unsigned int max)
{
    WCHAR expect_attributes[256];
    BYTE data[512];
    unsigned int index;
    ULONG size;

    if (!rec->pwzAttributes || !rec->pwzAttributes[0])
    {
        /* every fourth record has no attributes: its data size tells its index modulo 400 */
        if (rec->data.cbData >= 400) return -1;
        for (index = (rec->data.cbData * 173) % 400; index < max; index += 400)
        {
            if (index % 4 || seen[index]) continue;
            size = (index * 37) % 400;
            fill_data(data, size, index);
            if (rec->data.cbData == size && (!size || !memcmp(rec->data.pbData, data, size))) break;
        }
        if (index >= max) return -1;
    }
    else
    {
        if (swscanf(rec->pwzAttributes, L"<attributes><attribute name=\"index\" type=\"int\">%u", &index) != 1
            || index >= max || !(index % 4))
            return -1;
        swprintf(expect_attributes, ARRAYSIZE(expect_attributes),
                 L"<attributes><attribute name=\"index\" type=\"int\">%u</attribute>"
                 L"<attribute name=\"name\" type=\"string\">record %u</attribute></attributes>", index, index);
        if (lstrcmpW(rec->pwzAttributes, expect_attributes)) return -1;
        size = (index * 37) % 400;
        fill_data(data, size, index);
        if (rec->data.cbData != size || (size && memcmp(rec->data.pbData, data, size))) return -1;
    }
    if (seen[index]) return -1;
    if (!guid_equal(&rec->type, index % 3 ? &type_a : &type_b)) return -1;
    if (!rec->pwzCreatorId || lstrcmpW(rec->pwzCreatorId, peer_id)) return -1;
    if (rec->dwVersion != 1) return -1;
    seen[index] = TRUE;
    return index;
}

static void test_durability(BOOL mid)
{
    char cmdline[4 * MAX_PATH], graph_id[128], db_name[128], event_name[128];
    PROCESS_INFORMATION pi;
    struct test_graph graph;
    PEER_RECORD **records;
    BOOL *seen, signalled = FALSE;
    HANDLE event, handles[2];
    DWORD start, ret, code;
    ULONG count, i, good, prefix;
    HRESULT hr;

    make_names(&graph, mid ? "killed-mid" : "killed");
    WideCharToMultiByte(CP_ACP, 0, graph.id, -1, graph_id, sizeof(graph_id), NULL, NULL);
    WideCharToMultiByte(CP_ACP, 0, graph.db, -1, db_name, sizeof(db_name), NULL, NULL);
    snprintf(event_name, sizeof(event_name), "p2ptest-database-%lu-%lu", GetCurrentProcessId(), GetTickCount());
    event = CreateEventA(NULL, TRUE, FALSE, event_name);
    ok(event != NULL, "CreateEvent failed: %lu\n", GetLastError());
    if (!event) return;

    if (!p2ptest_child_command(cmdline, sizeof(cmdline), "child %s %s %s %s", graph_id, db_name, event_name,
                               mid ? "mid" : "all")
        || !p2ptest_create_process(cmdline, &pi))
    {
        ok(0, "CreateProcess failed: %lu\n", GetLastError());
        CloseHandle(event);
        return;
    }

    handles[0] = event;
    handles[1] = pi.hProcess;
    start = GetTickCount();
    while (GetTickCount() - start < CHILD_TIMEOUT_MS)
    {
        ret = WaitForMultipleObjects(2, handles, FALSE, 2000);
        if (ret == WAIT_OBJECT_0)
        {
            signalled = TRUE;
            break;
        }
        if (ret == WAIT_OBJECT_0 + 1) break;
    }
    /* kill it at once */
    TerminateProcess(pi.hProcess, 99);
    for (i = 0; i < 5; i++)
        if (WaitForSingleObject(pi.hProcess, 2000) == WAIT_OBJECT_0) break;
    code = 0;
    GetExitCodeProcess(pi.hProcess, &code);
    ok(signalled, "the child did not add its records (exit code %lu) in %lu ms\n", code, GetTickCount() - start);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    CloseHandle(event);
    if (!signalled)
    {
        /* whatever the child left */
        if (SUCCEEDED(open_graph(&graph))) close_test_graph(&graph);
        PeerGraphDelete(graph.id, graph.peer, graph.db);
        return;
    }

    /* the killed process' graph opens as an existing, synchronized one */
    hr = open_graph(&graph);
    ok(hr == S_OK, "PeerGraphOpen of the killed process' graph returned %#lx\n", hr);
    if (FAILED(hr))
    {
        PeerGraphDelete(graph.id, graph.peer, graph.db);
        return;
    }
    if (hr == S_OK)
    {
        check_properties_kept(graph.handle, &graph, __LINE__);

        seen = calloc(CHILD_MAX_RECORD_COUNT, sizeof(*seen));
        records = get_all_records(graph.handle, &count);
        if (mid)
        {
            trace("the killed child had committed %lu records\n", count);
            ok(count >= CHILD_RECORD_COUNT / 2 && count <= CHILD_MAX_RECORD_COUNT, "%lu records\n", count);
        }
        else
            ok(count == CHILD_RECORD_COUNT, "%lu records, expected %u\n", count, CHILD_RECORD_COUNT);
        good = 0;
        for (i = 0; i < count; i++)
            if (check_child_record(records[i], seen, CHILD_MAX_RECORD_COUNT) >= 0) good++;
        ok(good == count, "%lu of %lu records are intact\n", good, count);
        /* the records are there in the order they were added: 0 .. count - 1 */
        for (prefix = 0; prefix < CHILD_MAX_RECORD_COUNT && seen[prefix]; prefix++) ;
        ok(prefix == count, "records 0..%lu are there, but %lu in total\n", prefix, count);
        ok(prefix >= (mid ? CHILD_RECORD_COUNT / 2 : CHILD_RECORD_COUNT), "record %lu is missing or damaged\n",
           prefix);
        if (records) PeerGraphFreeData(records);
        free(seen);

        /* and the graph works */
        if (hr == S_OK)
        {
            GUID id;

            hr = add_test_record(graph.handle, 7, peer_now(graph.handle), &id);
            ok(hr == S_OK, "PeerGraphAddRecord returned %#lx\n", hr);
        }
    }
    delete_test_graph(&graph);
}

START_TEST(database)
{
    PEER_VERSION_DATA version;
    struct test_graph graph;
    WCHAR path[MAX_PATH];
    char **argv;
    int argc = p2ptest_get_mainargs(&argv);
    HRESULT hr;

    if (argc >= 6 && !strcmp(argv[1], "child"))
    {
        run_child(argv, !strcmp(argv[5], "mid"));
        return;
    }

    GetTempPathW(ARRAYSIZE(temp_dir), temp_dir);

    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    if (hr != S_OK) return;

    make_temp_path(path, "bad-handle");
    hr = PeerGraphExportDatabase((HGRAPH)0xdeadbeef, path);
    ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphExportDatabase(garbage handle) returned %#lx\n", hr);
    ok(GetFileAttributesW(path) == INVALID_FILE_ATTRIBUTES, "the file was created\n");
    hr = PeerGraphImportDatabase((HGRAPH)0xdeadbeef, path);
    ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphImportDatabase(garbage handle) returned %#lx\n", hr);
    hr = PeerGraphExportDatabase(NULL, path);
    ok(hr == E_INVALIDARG || broken(hr == PEER_E_INVALID_GRAPH), "PeerGraphExportDatabase(NULL) returned %#lx\n",
       hr);
    hr = PeerGraphImportDatabase(NULL, path);
    ok(hr == E_INVALIDARG || broken(hr == PEER_E_INVALID_GRAPH), "PeerGraphImportDatabase(NULL) returned %#lx\n",
       hr);

    make_names(&graph, "probe");
    hr = create_graph(&graph);
    if (hr == E_NOTIMPL)
        skip("PeerGraphCreate is not implemented\n");
    else if (ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr))
    {
        /* a closed graph */
        HGRAPH closed = graph.handle;

        close_test_graph(&graph);
        hr = PeerGraphExportDatabase(closed, path);
        ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphExportDatabase(closed graph) returned %#lx\n", hr);
        ok(GetFileAttributesW(path) == INVALID_FILE_ATTRIBUTES, "the file was created\n");
        DeleteFileW(path);
        hr = PeerGraphImportDatabase(closed, path);
        ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphImportDatabase(closed graph) returned %#lx\n", hr);
        delete_test_graph(&graph);

        test_import_cycle();
        test_durability(FALSE);
        test_durability(TRUE);
    }

    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);
}
