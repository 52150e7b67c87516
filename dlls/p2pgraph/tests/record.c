/*
 * Record tests: PeerGraphAddRecord, PeerGraphUpdateRecord, PeerGraphDeleteRecord,
 * PeerGraphGetRecord, PeerGraphEnumRecords, PeerGraphSearchRecords
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
#include <psapi.h>
#include <p2p.h>

#include "p2ptest.h"
#include "p2ptest_graph.h"

#define SECOND ((ULONGLONG)10000000)
#define HOUR (3600 * SECOND)

static const GUID type_a = {0x3c7d2a91, 0x5b06, 0x4e4f, {0x9a, 0x12, 0x70, 0x0e, 0xc4, 0x5d, 0x21, 0x8b}};
static const GUID type_b = {0x3c7d2a92, 0x5b06, 0x4e4f, {0x9a, 0x12, 0x70, 0x0e, 0xc4, 0x5d, 0x21, 0x8b}};
static const GUID type_unused = {0x3c7d2a93, 0x5b06, 0x4e4f, {0x9a, 0x12, 0x70, 0x0e, 0xc4, 0x5d, 0x21, 0x8b}};
static const GUID type_null_id = {0x9e42b7d0, 0x3a18, 0x4c6f, {0xb2, 0x95, 0x0d, 0x7e, 0x61, 0xc3, 0xa8, 0x54}};
static const GUID unknown_record_id =
    {0x0badf00d, 0x1234, 0x4321, {0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11}};

/* [MS-PPGRH] 2.2.1.9 and 2.2.3.1: the internal record types and the Graph Info record id */
static const GUID reserved_types[] =
{
    {0x00000100, 0, 0, {0, 0, 0, 0, 0, 0, 0, 0}},
    {0x00000200, 0, 0, {0, 0, 0, 0, 0, 0, 0, 0}},
    {0x00000300, 0, 0, {0, 0, 0, 0, 0, 0, 0, 0}},
    {0x00000400, 0, 0, {0, 0, 0, 0, 0, 0, 0, 0}},
};
static const GUID graph_info_record_id =
    {0x6c796768, 0x7732, 0x406b, {0xbc, 0x6e, 0x5e, 0x9c, 0x0d, 0x86, 0x45, 0x80}};

static WCHAR peer_id[] = L"p2ptest-record-peer";
static WCHAR other_peer_id[] = L"p2ptest-record-someone-else";

static const WCHAR valid_attributes[] =
    L"<attributes>"
    L"<attribute name=\"Owner\" type=\"string\">Scott</attribute>"
    L"<attribute name=\"Birthday\" type=\"date\">1972-04-04</attribute>"
    L"<attribute name=\"Priority\" type=\"int\">1</attribute>"
    L"</attributes>";

static BOOL guid_is_null(const GUID *guid)
{
    static const GUID null_guid;

    return guid_equal(guid, &null_guid);
}

static HRESULT create_graph(struct test_graph *graph, const char *tag, DWORD max_record_size)
{
    WCHAR friendly_name[] = L"p2ptest record";
    PEER_GRAPH_PROPERTIES props;

    init_test_graph(graph, &props, "record", tag, peer_id, friendly_name);
    props.dwMaxRecordSize = max_record_size;
    return create_test_graph(graph, &props);
}

/* What a record is expected to look like; the test's own bookkeeping. */
struct expect_record
{
    GUID id;
    GUID type;
    BYTE data[512];
    ULONG size;
    WCHAR attributes[512];
    BOOL has_attributes;
    ULONGLONG expiration;
    ULONGLONG creation;
    DWORD version;
};

static void init_record(PEER_RECORD *record, const GUID *type, ULONGLONG expiration, const void *data,
                        ULONG size, const WCHAR *attributes)
{
    memset(record, 0, sizeof(*record));
    record->dwSize = sizeof(*record);
    record->type = *type;
    record->ftExpiration = ull_to_ft(expiration);
    record->data.cbData = size;
    record->data.pbData = (BYTE *)data;
    record->pwzAttributes = (WCHAR *)attributes;
}

static void fill_data(BYTE *data, ULONG size, unsigned int seed)
{
    ULONG i;

    for (i = 0; i < size; i++) data[i] = (BYTE)(seed * 31 + i * 7 + (i >> 8));
}

/* Adds a record and fills *expect; returns the HRESULT. */
static HRESULT add_record(HGRAPH graph, struct expect_record *expect, const GUID *type, ULONG size,
                          const WCHAR *attributes, unsigned int seed)
{
    PEER_RECORD record;
    HRESULT hr;

    memset(expect, 0, sizeof(*expect));
    expect->type = *type;
    expect->size = size;
    fill_data(expect->data, size, seed);
    if (attributes)
    {
        lstrcpynW(expect->attributes, attributes, ARRAYSIZE(expect->attributes));
        expect->has_attributes = TRUE;
    }
    expect->expiration = peer_now(graph) + HOUR + seed * SECOND;
    expect->version = 1;
    init_record(&record, type, expect->expiration, size ? expect->data : NULL, size,
                attributes ? expect->attributes : NULL);
    hr = PeerGraphAddRecord(graph, &record, &expect->id);
    ok(hr == S_OK, "PeerGraphAddRecord returned %#lx\n", hr);
    return hr;
}

static void check_record(const PEER_RECORD *record, const struct expect_record *expect, int line)
{
    ULONGLONG creation = ft_to_ull(&record->ftCreation), modified = ft_to_ull(&record->ftLastModified);

    ok(record->dwSize == sizeof(*record), "line %d: dwSize %lu\n", line, record->dwSize);
    ok(guid_equal(&record->id, &expect->id), "line %d: id %s, expected %s\n", line, dbgstr_guid(&record->id),
       dbgstr_guid(&expect->id));
    ok(guid_equal(&record->type, &expect->type), "line %d: type %s, expected %s\n", line,
       dbgstr_guid(&record->type), dbgstr_guid(&expect->type));
    ok(record->dwVersion == expect->version, "line %d: dwVersion %lu, expected %lu\n", line, record->dwVersion,
       expect->version);
    ok(!(record->dwFlags & (PEER_RECORD_FLAG_AUTOREFRESH | PEER_RECORD_FLAG_DELETED)),
       "line %d: dwFlags %#lx\n", line, record->dwFlags);
    ok(record->pwzCreatorId && !lstrcmpW(record->pwzCreatorId, peer_id), "line %d: creator %s\n", line,
       dbgstr_w(record->pwzCreatorId));
    if (expect->has_attributes)
        ok(record->pwzAttributes && !lstrcmpW(record->pwzAttributes, expect->attributes),
           "line %d: attributes %s, expected %s\n", line, dbgstr_w(record->pwzAttributes),
           dbgstr_w(expect->attributes));
    else
        ok(!record->pwzAttributes || !record->pwzAttributes[0], "line %d: attributes %s\n", line,
           dbgstr_w(record->pwzAttributes));
    ok(ft_to_ull(&record->ftExpiration) == expect->expiration, "line %d: expiration %#llx, expected %#llx\n",
       line, ft_to_ull(&record->ftExpiration), expect->expiration);
    if (expect->version == 1)
        ok(creation == modified, "line %d: created %#llx, last modified %#llx\n", line, creation, modified);
    else
        ok(modified >= creation, "line %d: created %#llx, last modified %#llx\n", line, creation, modified);
    if (expect->creation)
        ok(creation == expect->creation, "line %d: created %#llx, expected %#llx\n", line, creation,
           expect->creation);
    ok(modified < expect->expiration, "line %d: last modified %#llx, expires %#llx\n", line, modified,
       expect->expiration);
    ok(record->securityData.cbData == 0, "line %d: %lu bytes of security data\n", line,
       record->securityData.cbData);
    ok(record->data.cbData == expect->size, "line %d: %lu bytes of data, expected %lu\n", line,
       record->data.cbData, expect->size);
    if (record->data.cbData == expect->size && expect->size)
        ok(record->data.pbData && !memcmp(record->data.pbData, expect->data, expect->size),
           "line %d: wrong data\n", line);
}

/* Gets a record and compares it; fills in the creation time on first sight. */
static void check_get_record(HGRAPH graph, struct expect_record *expect, int line)
{
    PEER_RECORD *record = NULL;
    HRESULT hr;

    hr = PeerGraphGetRecord(graph, &expect->id, &record);
    ok(hr == S_OK, "line %d: PeerGraphGetRecord(%s) returned %#lx\n", line, dbgstr_guid(&expect->id), hr);
    if (hr != S_OK || !record) return;
    check_record(record, expect, line);
    if (!expect->creation) expect->creation = ft_to_ull(&record->ftCreation);
    PeerGraphFreeData(record);
}

static void check_record_gone(HGRAPH graph, const GUID *id, int line)
{
    PEER_RECORD *record = (PEER_RECORD *)0xdeadbeef;
    HRESULT hr;

    hr = PeerGraphGetRecord(graph, id, &record);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "line %d: PeerGraphGetRecord(%s) returned %#lx\n", line, dbgstr_guid(id),
       hr);
    if (hr == S_OK) PeerGraphFreeData(record);
}

/* Reads a whole enumeration of records, checks every item against the expectations it matches and
 * ends the enumeration.  Returns a mask of the expectations found; *total receives the item count. */
static unsigned int read_enumeration(HPEERENUM peer_enum, const struct expect_record *expect, unsigned int count,
                                     ULONG *total, int line)
{
    unsigned int mask = 0, i;
    ULONG item_count = 0, got, j;
    PVOID *items;
    HRESULT hr;

    *total = 0;
    hr = PeerGraphGetItemCount(peer_enum, &item_count);
    ok(hr == S_OK, "line %d: PeerGraphGetItemCount returned %#lx\n", line, hr);

    for (;;)
    {
        got = 2;  /* a few at a time */
        items = NULL;
        hr = PeerGraphGetNextItem(peer_enum, &got, &items);
        ok(hr == S_OK, "line %d: PeerGraphGetNextItem returned %#lx\n", line, hr);
        if (hr != S_OK) break;
        ok(got <= 2, "line %d: %lu items for 2 requested\n", line, got);
        if (!got)
        {
            if (items) PeerGraphFreeData(items);
            break;
        }
        ok(items != NULL, "line %d: no item array\n", line);
        if (!items) break;
        for (j = 0; j < got; j++)
        {
            const PEER_RECORD *record = items[j];

            (*total)++;
            ok(record != NULL, "line %d: item %lu is NULL\n", line, j);
            if (!record) continue;
            /* Each item is a structure of its own, aligned as one. */
            ok(!((ULONG_PTR)record % TYPE_ALIGNMENT(PEER_RECORD)), "line %d: item %lu at %p is misaligned\n",
               line, j, record);
            ok(record->dwSize == sizeof(*record), "line %d: item %lu has dwSize %lu\n", line, j, record->dwSize);
            for (i = 0; i < count; i++)
            {
                if (!guid_equal(&record->id, &expect[i].id)) continue;
                ok(!(mask & (1u << i)), "line %d: record %u listed twice\n", line, i);
                mask |= 1u << i;
                check_record(record, &expect[i], line);
                break;
            }
            ok(!guid_equal(&record->id, &graph_info_record_id), "line %d: the Graph Info record was listed\n",
               line);
            for (i = 0; i < ARRAYSIZE(reserved_types); i++)
                ok(!guid_equal(&record->type, &reserved_types[i]), "line %d: internal record of type %s listed\n",
                   line, dbgstr_guid(&record->type));
        }
        /* one call frees the array and the records */
        PeerGraphFreeData(items);
        if (*total > 1000) break;
    }
    ok(*total == item_count, "line %d: PeerGraphGetItemCount said %lu, got %lu items\n", line, item_count, *total);

    hr = PeerGraphEndEnumeration(peer_enum);
    ok(hr == S_OK, "line %d: PeerGraphEndEnumeration returned %#lx\n", line, hr);
    return mask;
}

static void check_enum(HGRAPH graph, const GUID *type, const WCHAR *creator, const struct expect_record *expect,
                       unsigned int count, unsigned int expect_mask, ULONG expect_total, int line)
{
    HPEERENUM peer_enum = NULL;
    unsigned int mask;
    ULONG total;
    HRESULT hr;

    hr = PeerGraphEnumRecords(graph, type, creator, &peer_enum);
    ok(hr == S_OK, "line %d: PeerGraphEnumRecords(%s, %s) returned %#lx\n", line, dbgstr_guid(type),
       dbgstr_w(creator), hr);
    if (hr != S_OK) return;
    mask = read_enumeration(peer_enum, expect, count, &total, line);
    ok(mask == expect_mask, "line %d: PeerGraphEnumRecords(%s, %s) found records %#x, expected %#x\n", line,
       dbgstr_guid(type), dbgstr_w(creator), mask, expect_mask);
    ok(total == expect_total, "line %d: PeerGraphEnumRecords(%s, %s) gave %lu records, expected %lu\n", line,
       dbgstr_guid(type), dbgstr_w(creator), total, expect_total);
}

static void test_add_record(HGRAPH graph)
{
    static const WCHAR long_name_attributes[] =
        L"<attributes>"
        L"<attribute name=\"abcdefghijABCDEFGHIJ0123456789abcdefghij\" type=\"string\">forty</attribute>"
        L"<attribute name=\"keyword\" type=\"string\">red</attribute>"
        L"<attribute name=\"keyword\" type=\"string\">green</attribute>"
        L"<attribute name=\"empty\" type=\"string\"></attribute>"
        L"<attribute name=\"Count\" type=\"int\">0123456789</attribute>"
        L"</attributes>";
    struct expect_record expect[4];
    PEER_RECORD record, *got = NULL;
    ULONGLONG before, after, creation;
    GUID app_id = unknown_record_id, id;
    unsigned int i;
    HRESULT hr;

    before = peer_now(graph);
    if (add_record(graph, &expect[0], &type_a, 100, valid_attributes, 1) != S_OK) return;
    after = peer_now(graph);
    ok(!guid_is_null(&expect[0].id), "got a NULL record id\n");

    hr = PeerGraphGetRecord(graph, &expect[0].id, &got);
    ok(hr == S_OK, "PeerGraphGetRecord returned %#lx\n", hr);
    if (hr == S_OK && got)
    {
        check_record(got, &expect[0], __LINE__);
        creation = ft_to_ull(&got->ftCreation);
        /* set by the infrastructure, in peer time */
        ok(creation + 2 * SECOND >= before && creation <= after + 2 * SECOND,
           "creation time %#llx not within %#llx..%#llx\n", creation, before, after);
        ok(!got->pwzModifiedById || !got->pwzModifiedById[0] || !lstrcmpW(got->pwzModifiedById, peer_id),
           "new record modified by %s\n", dbgstr_w(got->pwzModifiedById));
        PeerGraphFreeData(got);
    }

    /* the same content again is a new record */
    if (add_record(graph, &expect[1], &type_a, 100, valid_attributes, 1) == S_OK)
    {
        ok(!guid_equal(&expect[0].id, &expect[1].id), "both records have id %s\n", dbgstr_guid(&expect[0].id));
        check_get_record(graph, &expect[1], __LINE__);
    }

    /* no data and no attributes */
    if (add_record(graph, &expect[2], &type_b, 0, NULL, 2) == S_OK) check_get_record(graph, &expect[2], __LINE__);

    /* the longest attribute name, repeated names, an empty value */
    if (add_record(graph, &expect[3], &type_b, 1, long_name_attributes, 3) == S_OK)
        check_get_record(graph, &expect[3], __LINE__);

    /* the attribute string comes back as it was given: whitespace, references, other scripts */
    {
        static const WCHAR kept_attributes[] =
            L"<?xml version=\"1.0\"?>\r\n<attributes>\n"
            L"  <attribute name=\"Owner\" type=\"string\">A&amp;B &lt;C&gt; &#x263A;</attribute>\n"
            L"  <attribute type=\"string\" name=\"City\">K\x00f8" L"benhavn \x6771\x4eac \xd83d\xde00</attribute>\n"
            L"  <attribute name=\"When\" type=\"date\">2003-02-28T10:20:30Z</attribute>\n"
            L"  <attribute name=\"Empty\" type=\"string\"/>\n"
            L"</attributes>\n";
        struct expect_record kept;

        if (add_record(graph, &kept, &type_a, 4, kept_attributes, 4) == S_OK)
        {
            check_get_record(graph, &kept, __LINE__);
            hr = PeerGraphDeleteRecord(graph, &kept.id, FALSE);
            ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);
        }
    }

    /* the id and the times are the infrastructure's, whatever the application put there */
    before = peer_now(graph);
    init_record(&record, &type_a, before + HOUR, expect[0].data, 10, NULL);
    record.id = app_id;
    record.ftCreation = ull_to_ft(0x01c0000000000000ull);
    record.ftLastModified = ull_to_ft(0x01c0000000000000ull);
    memset(&id, 0, sizeof(id));
    hr = PeerGraphAddRecord(graph, &record, &id);
    ok(hr == S_OK, "PeerGraphAddRecord with an id and times returned %#lx\n", hr);
    if (hr == S_OK)
    {
        ok(!guid_equal(&id, &app_id), "the application's record id was used\n");
        got = NULL;
        hr = PeerGraphGetRecord(graph, &id, &got);
        ok(hr == S_OK, "PeerGraphGetRecord returned %#lx\n", hr);
        if (hr == S_OK && got)
        {
            creation = ft_to_ull(&got->ftCreation);
            ok(creation + 2 * SECOND >= before, "the application's creation time %#llx was used\n", creation);
            ok(ft_to_ull(&got->ftLastModified) == creation, "last modified %#llx, created %#llx\n",
               ft_to_ull(&got->ftLastModified), creation);
            PeerGraphFreeData(got);
        }
        hr = PeerGraphDeleteRecord(graph, &id, FALSE);
        ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);
    }
    check_record_gone(graph, &app_id, __LINE__);

    /* clean up for the exact counts of later tests */
    for (i = 0; i < ARRAYSIZE(expect); i++)
    {
        if (guid_is_null(&expect[i].id)) continue;
        hr = PeerGraphDeleteRecord(graph, &expect[i].id, FALSE);
        ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);
    }
}

/* invalid attribute strings; each must be refused with PEER_E_INVALID_ATTRIBUTES */
static const WCHAR *invalid_attributes[] =
{
    L"not xml at all",
    L"<attributes><attribute name=\"a\" type=\"string\">x</attribute>",
    L"<attributes><attribute name=\"a\" type=\"string\">x</attributes>",
    L"<attrs><attribute name=\"a\" type=\"string\">x</attribute></attrs>",
    L"<attribute name=\"a\" type=\"string\">x</attribute>",
    L"<attributes><attribute type=\"string\">x</attribute></attributes>",
    L"<attributes><attribute name=\"a\">x</attribute></attributes>",
    L"<attributes><attribute name=\"a\" type=\"float\">1.5</attribute></attributes>",
    L"<attributes><attribute name=\"a\" type=\"int\">12ab</attribute></attributes>",
    L"<attributes><attribute name=\"a\" type=\"int\">abc</attribute></attributes>",
    L"<attributes><attribute name=\"a\" type=\"date\">not a date</attribute></attributes>",
    L"<attributes><attribute name=\"peercreatorid\" type=\"string\">x</attribute></attributes>",
    L"<attributes><attribute name=\"peerrecordid\" type=\"string\">x</attribute></attributes>",
    L"<attributes><attribute name=\"peerrecordtype\" type=\"string\">x</attribute></attributes>",
    L"<attributes><attribute name=\"peercreationtime\" type=\"date\">2003-01-31</attribute></attributes>",
    L"<attributes><attribute name=\"peerlastmodifiedby\" type=\"string\">x</attribute></attributes>",
    L"<attributes><attribute name=\"peerlastmodificationtime\" type=\"date\">2003-01-31</attribute></attributes>",
    L"<attributes><attribute name=\"ok\" type=\"string\">x</attribute>"
        L"<attribute name=\"peercreatorid\" type=\"string\">y</attribute></attributes>",
    L"<attributes><attribute name=\"abcdefghijABCDEFGHIJ0123456789abcdefghijk\" type=\"string\">41</attribute>"
        L"</attributes>",
    L"<attributes><attribute name=\"a-b\" type=\"string\">x</attribute></attributes>",
    L"<attributes><attribute name=\"a b\" type=\"string\">x</attribute></attributes>",
    L"<attributes><attribute name=\"\" type=\"string\">x</attribute></attributes>",
    L"<attributes><foo name=\"a\" type=\"string\">x</foo></attributes>",
};

/* The one record of that type is there; deletes it. */
static void delete_only_record(HGRAPH graph, const GUID *type)
{
    PEER_RECORD **items = NULL;
    HPEERENUM peer_enum;
    ULONG count = 0;
    HRESULT hr;

    hr = PeerGraphEnumRecords(graph, type, NULL, &peer_enum);
    ok(hr == S_OK, "PeerGraphEnumRecords returned %#lx\n", hr);
    if (hr != S_OK) return;
    PeerGraphGetItemCount(peer_enum, &count);
    ok(count == 1, "%lu records of type %s\n", count, dbgstr_guid(type));
    if (count && PeerGraphGetNextItem(peer_enum, &count, (void ***)&items) == S_OK)
    {
        hr = PeerGraphDeleteRecord(graph, &items[0]->id, FALSE);
        ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);
        PeerGraphFreeData(items);
    }
    PeerGraphEndEnumeration(peer_enum);
}

static void test_add_invalid(HGRAPH graph)
{
    PEER_RECORD record;
    BYTE data[16] = {0};
    ULONGLONG now;
    ULONG before_count;
    unsigned int i;
    GUID id;
    HRESULT hr;

    before_count = graph_record_count(graph);
    now = peer_now(graph);

    init_record(&record, &type_a, now + HOUR, data, sizeof(data), NULL);
    hr = PeerGraphAddRecord(graph, NULL, &id);
    ok(hr == E_INVALIDARG, "PeerGraphAddRecord(NULL record) returned %#lx\n", hr);
    /* pRecordId only reports the new id: the record is added all the same (docs/api-contract.md);
     * it gets a type of its own, found and deleted again so the other tests do not see it */
    record.type = type_null_id;
    hr = PeerGraphAddRecord(graph, &record, NULL);
    ok(hr == S_OK, "PeerGraphAddRecord(NULL id) returned %#lx\n", hr);
    if (hr == S_OK) delete_only_record(graph, &type_null_id);
    record.type = type_a;

    record.dwSize = 0;
    hr = PeerGraphAddRecord(graph, &record, &id);
    ok(hr == E_INVALIDARG, "dwSize 0: PeerGraphAddRecord returned %#lx\n", hr);
    record.dwSize = sizeof(record) - 1;
    hr = PeerGraphAddRecord(graph, &record, &id);
    ok(hr == E_INVALIDARG, "dwSize %lu: PeerGraphAddRecord returned %#lx\n", record.dwSize, hr);
    record.dwSize = sizeof(record) + 8;
    hr = PeerGraphAddRecord(graph, &record, &id);
    ok(hr == E_INVALIDARG, "dwSize %lu: PeerGraphAddRecord returned %#lx\n", record.dwSize, hr);

    /* the expiration must lie in the future (peer time) */
    init_record(&record, &type_a, 0, data, sizeof(data), NULL);
    hr = PeerGraphAddRecord(graph, &record, &id);
    ok(hr == E_INVALIDARG, "expiration 0: PeerGraphAddRecord returned %#lx\n", hr);
    init_record(&record, &type_a, now - HOUR, data, sizeof(data), NULL);
    hr = PeerGraphAddRecord(graph, &record, &id);
    ok(hr == E_INVALIDARG, "expiration an hour ago: PeerGraphAddRecord returned %#lx\n", hr);
    init_record(&record, &type_a, now - 10 * SECOND, data, sizeof(data), NULL);
    hr = PeerGraphAddRecord(graph, &record, &id);
    ok(hr == E_INVALIDARG, "expiration 10 s ago: PeerGraphAddRecord returned %#lx\n", hr);

    /* the flags are the infrastructure's */
    init_record(&record, &type_a, now + HOUR, data, sizeof(data), NULL);
    record.dwFlags = PEER_RECORD_FLAG_AUTOREFRESH;
    hr = PeerGraphAddRecord(graph, &record, &id);
    ok(hr == E_INVALIDARG, "AUTOREFRESH: PeerGraphAddRecord returned %#lx\n", hr);
    record.dwFlags = PEER_RECORD_FLAG_AUTOREFRESH | PEER_RECORD_FLAG_DELETED;
    hr = PeerGraphAddRecord(graph, &record, &id);
    ok(hr == E_INVALIDARG, "AUTOREFRESH | DELETED: PeerGraphAddRecord returned %#lx\n", hr);
    record.dwFlags = PEER_RECORD_FLAG_DELETED;
    hr = PeerGraphAddRecord(graph, &record, &id);
    ok(hr == E_INVALIDARG || broken(hr == S_OK), "DELETED: PeerGraphAddRecord returned %#lx\n", hr);
    if (hr == S_OK) PeerGraphDeleteRecord(graph, &id, TRUE);

    /* data size without data */
    init_record(&record, &type_a, now + HOUR, NULL, 16, NULL);
    hr = PeerGraphAddRecord(graph, &record, &id);
    ok(hr == E_INVALIDARG, "cbData without pbData: PeerGraphAddRecord returned %#lx\n", hr);

    /* the internal record types */
    for (i = 0; i < ARRAYSIZE(reserved_types); i++)
    {
        init_record(&record, &reserved_types[i], now + HOUR, data, sizeof(data), NULL);
        hr = PeerGraphAddRecord(graph, &record, &id);
        ok(hr == E_INVALIDARG || broken(hr == PEER_E_INVALID_RECORD || hr == E_ACCESSDENIED),
           "type %s: PeerGraphAddRecord returned %#lx\n", dbgstr_guid(&reserved_types[i]), hr);
    }

    for (i = 0; i < ARRAYSIZE(invalid_attributes); i++)
    {
        init_record(&record, &type_a, now + HOUR, data, sizeof(data), invalid_attributes[i]);
        hr = PeerGraphAddRecord(graph, &record, &id);
        ok(hr == PEER_E_INVALID_ATTRIBUTES, "attributes %s: PeerGraphAddRecord returned %#lx\n",
           dbgstr_w(invalid_attributes[i]), hr);
        if (hr == S_OK) PeerGraphDeleteRecord(graph, &id, TRUE);
    }

    /* nothing was added */
    ok(graph_record_count(graph) == before_count, "the failed calls added records\n");
}

static void test_max_record_size(void)
{
    WCHAR big_attributes[512];
    struct expect_record expect;
    struct test_graph graph;
    PEER_RECORD record;
    BYTE *data;
    ULONGLONG now;
    unsigned int i, len;
    GUID id;
    HRESULT hr;

    hr = create_graph(&graph, "max-size", 1024);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr != S_OK) return;

    data = malloc(256 * 1024);
    fill_data(data, 256 * 1024, 5);
    now = peer_now(graph.handle);

    init_record(&record, &type_a, now + HOUR, data, 2000, NULL);
    hr = PeerGraphAddRecord(graph.handle, &record, &id);
    ok(hr == PEER_E_MAX_RECORD_SIZE_EXCEEDED, "2000 bytes: PeerGraphAddRecord returned %#lx\n", hr);
    init_record(&record, &type_a, now + HOUR, data, 1025, NULL);
    hr = PeerGraphAddRecord(graph.handle, &record, &id);
    ok(hr == PEER_E_MAX_RECORD_SIZE_EXCEEDED, "1025 bytes: PeerGraphAddRecord returned %#lx\n", hr);

    /* the attributes count too */
    len = swprintf(big_attributes, ARRAYSIZE(big_attributes),
                   L"<attributes><attribute name=\"pad\" type=\"string\">");
    for (i = 0; i < 300; i++) big_attributes[len++] = 'x';
    big_attributes[len] = 0;
    lstrcatW(big_attributes, L"</attribute></attributes>");
    init_record(&record, &type_a, now + HOUR, data, 700, big_attributes);
    hr = PeerGraphAddRecord(graph.handle, &record, &id);
    ok(hr == PEER_E_MAX_RECORD_SIZE_EXCEEDED, "700 bytes + attributes: PeerGraphAddRecord returned %#lx\n", hr);

    ok(graph_record_count(graph.handle) == 0, "records were added\n");

    /* small enough */
    if (add_record(graph.handle, &expect, &type_a, 500, NULL, 6) == S_OK)
    {
        check_get_record(graph.handle, &expect, __LINE__);

        /* an update may not grow the record beyond the limit either */
        init_record(&record, &type_a, expect.expiration, data, 2000, NULL);
        record.id = expect.id;
        hr = PeerGraphUpdateRecord(graph.handle, &record);
        /* PEER_E_MAX_RECORD_SIZE_EXCEEDED is not on PeerGraphUpdateRecord's page */
        ok(hr == E_INVALIDARG || broken(hr == PEER_E_MAX_RECORD_SIZE_EXCEEDED),
           "2000 bytes: PeerGraphUpdateRecord returned %#lx\n", hr);
        check_get_record(graph.handle, &expect, __LINE__);
    }
    init_record(&record, &type_a, now + HOUR, NULL, 0, big_attributes);
    hr = PeerGraphAddRecord(graph.handle, &record, &id);
    ok(hr == S_OK, "attributes only: PeerGraphAddRecord returned %#lx\n", hr);
    delete_test_graph(&graph);

    /* the default limit is 60 MB */
    hr = create_graph(&graph, "default-size", 0);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr == S_OK)
    {
        PEER_RECORD *got = NULL;

        init_record(&record, &type_a, now + HOUR, data, 256 * 1024, NULL);
        hr = PeerGraphAddRecord(graph.handle, &record, &id);
        ok(hr == S_OK, "256 KB: PeerGraphAddRecord returned %#lx\n", hr);
        if (hr == S_OK)
        {
            hr = PeerGraphGetRecord(graph.handle, &id, &got);
            ok(hr == S_OK, "PeerGraphGetRecord returned %#lx\n", hr);
            if (hr == S_OK && got)
            {
                ok(got->data.cbData == 256 * 1024, "got %lu bytes\n", got->data.cbData);
                ok(got->data.cbData == 256 * 1024 && !memcmp(got->data.pbData, data, 256 * 1024), "wrong data\n");
                PeerGraphFreeData(got);
            }
        }
        delete_test_graph(&graph);
    }
    free(data);
}

static void test_update_record(HGRAPH graph)
{
    static const WCHAR new_attributes[] =
        L"<attributes><attribute name=\"Owner\" type=\"string\">Sandra</attribute></attributes>";
    struct expect_record expect;
    PEER_RECORD record, *got = NULL, *before = NULL;
    GUID unknown = unknown_record_id;
    ULONGLONG now;
    HRESULT hr;

    if (add_record(graph, &expect, &type_a, 64, valid_attributes, 10) != S_OK) return;
    check_get_record(graph, &expect, __LINE__);
    hr = PeerGraphGetRecord(graph, &expect.id, &before);
    ok(hr == S_OK, "PeerGraphGetRecord returned %#lx\n", hr);
    if (hr != S_OK) return;
    now = peer_now(graph);

    /* argument checks */
    hr = PeerGraphUpdateRecord(graph, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphUpdateRecord(NULL) returned %#lx\n", hr);
    init_record(&record, &type_a, expect.expiration + HOUR, expect.data, 10, NULL);
    record.id = expect.id;
    record.dwSize = 0;
    hr = PeerGraphUpdateRecord(graph, &record);
    ok(hr == E_INVALIDARG, "dwSize 0: PeerGraphUpdateRecord returned %#lx\n", hr);
    record.dwSize = sizeof(record) + 8;
    hr = PeerGraphUpdateRecord(graph, &record);
    ok(hr == E_INVALIDARG, "dwSize %lu: PeerGraphUpdateRecord returned %#lx\n", record.dwSize, hr);

    /* the expiration can only grow */
    init_record(&record, &type_a, expect.expiration - SECOND, expect.data, 10, NULL);
    record.id = expect.id;
    hr = PeerGraphUpdateRecord(graph, &record);
    ok(hr == E_INVALIDARG, "shorter expiration: PeerGraphUpdateRecord returned %#lx\n", hr);
    init_record(&record, &type_a, now - HOUR, expect.data, 10, NULL);
    record.id = expect.id;
    hr = PeerGraphUpdateRecord(graph, &record);
    ok(hr == E_INVALIDARG, "expired: PeerGraphUpdateRecord returned %#lx\n", hr);
    init_record(&record, &type_a, 0, expect.data, 10, NULL);
    record.id = expect.id;
    hr = PeerGraphUpdateRecord(graph, &record);
    ok(hr == E_INVALIDARG, "expiration 0: PeerGraphUpdateRecord returned %#lx\n", hr);

    init_record(&record, &type_a, expect.expiration + HOUR, expect.data, 10, invalid_attributes[2]);
    record.id = expect.id;
    hr = PeerGraphUpdateRecord(graph, &record);
    /* PEER_E_INVALID_ATTRIBUTES is not on PeerGraphUpdateRecord's page */
    ok(hr == E_INVALIDARG || broken(hr == PEER_E_INVALID_ATTRIBUTES),
       "invalid attributes: PeerGraphUpdateRecord returned %#lx\n", hr);
    init_record(&record, &type_a, expect.expiration + HOUR, expect.data, 10, invalid_attributes[11]);
    record.id = expect.id;
    hr = PeerGraphUpdateRecord(graph, &record);
    ok(hr == E_INVALIDARG || broken(hr == PEER_E_INVALID_ATTRIBUTES),
       "reserved attribute: PeerGraphUpdateRecord returned %#lx\n", hr);

    init_record(&record, &type_a, expect.expiration + HOUR, expect.data, 10, NULL);
    record.id = expect.id;
    record.dwFlags = PEER_RECORD_FLAG_AUTOREFRESH;
    hr = PeerGraphUpdateRecord(graph, &record);
    ok(hr == E_INVALIDARG || broken(hr == S_OK), "AUTOREFRESH: PeerGraphUpdateRecord returned %#lx\n", hr);
    if (hr == S_OK)
    {
        /* Windows took it: follow its state */
        expect.version++;
        expect.expiration += HOUR;
        expect.size = 10;
        expect.has_attributes = FALSE;
    }

    /* a record keeps its type */
    init_record(&record, &type_b, expect.expiration + HOUR, expect.data, 10, NULL);
    record.id = expect.id;
    hr = PeerGraphUpdateRecord(graph, &record);
    ok(hr == E_INVALIDARG || broken(hr == PEER_E_RECORD_NOT_FOUND || hr == PEER_E_INVALID_RECORD),
       "other type: PeerGraphUpdateRecord returned %#lx\n", hr);

    init_record(&record, &type_a, expect.expiration + HOUR, expect.data, 10, NULL);
    record.id = unknown;
    hr = PeerGraphUpdateRecord(graph, &record);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "unknown id: PeerGraphUpdateRecord returned %#lx\n", hr);

    /* the failures changed nothing */
    check_get_record(graph, &expect, __LINE__);

    /* new data, attributes and a later expiration */
    fill_data(expect.data, 200, 11);
    expect.size = 200;
    lstrcpyW(expect.attributes, new_attributes);
    expect.has_attributes = TRUE;
    expect.expiration += HOUR;
    expect.version++;
    init_record(&record, &type_a, expect.expiration, expect.data, expect.size, expect.attributes);
    record.id = expect.id;
    hr = PeerGraphUpdateRecord(graph, &record);
    ok(hr == S_OK, "PeerGraphUpdateRecord returned %#lx\n", hr);
    check_get_record(graph, &expect, __LINE__);

    hr = PeerGraphGetRecord(graph, &expect.id, &got);
    ok(hr == S_OK, "PeerGraphGetRecord returned %#lx\n", hr);
    if (hr == S_OK && got)
    {
        ok(ft_to_ull(&got->ftLastModified) >= ft_to_ull(&before->ftLastModified),
           "last modified went back from %#llx to %#llx\n", ft_to_ull(&before->ftLastModified),
           ft_to_ull(&got->ftLastModified));
        ok(ft_to_ull(&got->ftLastModified) + 2 * SECOND >= now, "last modified %#llx, now %#llx\n",
           ft_to_ull(&got->ftLastModified), now);
        ok(got->pwzModifiedById && !lstrcmpW(got->pwzModifiedById, peer_id), "modified by %s\n",
           dbgstr_w(got->pwzModifiedById));

        /* a record as returned by PeerGraphGetRecord can be changed and passed back;
         * the same expiration is not shorter */
        got->data.cbData = 3;
        expect.size = 3;
        expect.version++;
        hr = PeerGraphUpdateRecord(graph, got);
        ok(hr == S_OK, "PeerGraphUpdateRecord(got) returned %#lx\n", hr);
        PeerGraphFreeData(got);
        check_get_record(graph, &expect, __LINE__);
    }

    /* attributes can be removed */
    expect.has_attributes = FALSE;
    expect.version++;
    init_record(&record, &type_a, expect.expiration, expect.data, expect.size, NULL);
    record.id = expect.id;
    hr = PeerGraphUpdateRecord(graph, &record);
    ok(hr == S_OK, "PeerGraphUpdateRecord without attributes returned %#lx\n", hr);
    check_get_record(graph, &expect, __LINE__);

    PeerGraphFreeData(before);

    /* a deleted record cannot be updated */
    hr = PeerGraphDeleteRecord(graph, &expect.id, FALSE);
    ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);
    init_record(&record, &type_a, expect.expiration + HOUR, expect.data, 10, NULL);
    record.id = expect.id;
    hr = PeerGraphUpdateRecord(graph, &record);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "deleted record: PeerGraphUpdateRecord returned %#lx\n", hr);
    check_record_gone(graph, &expect.id, __LINE__);
}

static void test_delete_record(HGRAPH graph)
{
    struct expect_record expect[3];
    PEER_GRAPH_PROPERTIES *props;
    PEER_RECORD record, *got;
    GUID id = unknown_record_id;
    ULONG count;
    HRESULT hr;

    count = graph_record_count(graph);
    if (add_record(graph, &expect[0], &type_a, 10, NULL, 20) != S_OK) return;
    if (add_record(graph, &expect[1], &type_a, 10, valid_attributes, 21) != S_OK) return;
    if (add_record(graph, &expect[2], &type_b, 10, NULL, 22) != S_OK) return;
    check_enum(graph, NULL, NULL, expect, 3, 7, count + 3, __LINE__);

    hr = PeerGraphDeleteRecord(graph, NULL, FALSE);
    ok(hr == E_INVALIDARG, "PeerGraphDeleteRecord(NULL) returned %#lx\n", hr);
    hr = PeerGraphDeleteRecord(graph, &id, FALSE);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "unknown id: PeerGraphDeleteRecord returned %#lx\n", hr);
    hr = PeerGraphDeleteRecord(graph, &id, TRUE);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "unknown id, local: PeerGraphDeleteRecord returned %#lx\n", hr);

    /* flooded deletion */
    hr = PeerGraphDeleteRecord(graph, &expect[0].id, FALSE);
    ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);
    check_record_gone(graph, &expect[0].id, __LINE__);
    check_enum(graph, NULL, NULL, expect, 3, 6, count + 2, __LINE__);
    check_enum(graph, &type_a, NULL, expect, 3, 2, 1, __LINE__);
    hr = PeerGraphDeleteRecord(graph, &expect[0].id, FALSE);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "second PeerGraphDeleteRecord returned %#lx\n", hr);
    hr = PeerGraphDeleteRecord(graph, &expect[0].id, TRUE);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "local PeerGraphDeleteRecord of a deleted record returned %#lx\n", hr);

    /* local deletion */
    hr = PeerGraphDeleteRecord(graph, &expect[1].id, TRUE);
    ok(hr == S_OK, "local PeerGraphDeleteRecord returned %#lx\n", hr);
    check_record_gone(graph, &expect[1].id, __LINE__);
    check_enum(graph, NULL, NULL, expect, 3, 4, count + 1, __LINE__);
    check_enum(graph, &type_a, NULL, expect, 3, 0, 0, __LINE__);
    hr = PeerGraphDeleteRecord(graph, &expect[1].id, TRUE);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "second local PeerGraphDeleteRecord returned %#lx\n", hr);
    hr = PeerGraphDeleteRecord(graph, &expect[1].id, FALSE);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "PeerGraphDeleteRecord of a locally deleted record returned %#lx\n", hr);

    /* the other record is untouched */
    check_get_record(graph, &expect[2], __LINE__);

    /* a deleted record cannot come back through an update */
    init_record(&record, &type_a, expect[0].expiration + HOUR, NULL, 0, NULL);
    record.id = expect[0].id;
    hr = PeerGraphUpdateRecord(graph, &record);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "PeerGraphUpdateRecord of a deleted record returned %#lx\n", hr);

    /* the internal Graph Info record is not an application record */
    got = NULL;
    hr = PeerGraphGetRecord(graph, &graph_info_record_id, &got);
    ok(hr == PEER_E_RECORD_NOT_FOUND || broken(hr == S_OK), "PeerGraphGetRecord(Graph Info) returned %#lx\n", hr);
    if (hr == S_OK) PeerGraphFreeData(got);
    hr = PeerGraphDeleteRecord(graph, &graph_info_record_id, FALSE);
    ok(hr == PEER_E_RECORD_NOT_FOUND || broken(hr == E_ACCESSDENIED || hr == E_INVALIDARG),
       "PeerGraphDeleteRecord(Graph Info) returned %#lx\n", hr);
    hr = PeerGraphDeleteRecord(graph, &graph_info_record_id, TRUE);
    ok(hr == PEER_E_RECORD_NOT_FOUND || broken(hr == E_ACCESSDENIED || hr == E_INVALIDARG),
       "local PeerGraphDeleteRecord(Graph Info) returned %#lx\n", hr);
    init_record(&record, &reserved_types[0], expect[0].expiration + HOUR, NULL, 0, NULL);
    record.id = graph_info_record_id;
    hr = PeerGraphUpdateRecord(graph, &record);
    ok(hr == PEER_E_RECORD_NOT_FOUND || broken(hr == E_ACCESSDENIED || hr == E_INVALIDARG),
       "PeerGraphUpdateRecord(Graph Info) returned %#lx\n", hr);
    props = NULL;
    hr = PeerGraphGetProperties(graph, &props);
    ok(hr == S_OK, "PeerGraphGetProperties after the attempts returned %#lx\n", hr);
    if (hr == S_OK) PeerGraphFreeData(props);

    hr = PeerGraphDeleteRecord(graph, &expect[2].id, FALSE);
    ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);
    ok(graph_record_count(graph) == count, "records left behind\n");
}

static SIZE_T private_bytes(SIZE_T *working_set)
{
    PROCESS_MEMORY_COUNTERS counters;

    memset(&counters, 0, sizeof(counters));
    counters.cb = sizeof(counters);
    K32GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof(counters));
    *working_set = counters.WorkingSetSize;
    return counters.PagefileUsage;
}

static void test_get_record(HGRAPH graph)
{
    PEER_RECORD record, *got;
    GUID id = unknown_record_id;
    SIZE_T pf_before, pf_after, ws_before, ws_after;
    ULONG size = 256 * 1024;
    unsigned int i;
    BYTE *data;
    HRESULT hr;

    got = (PEER_RECORD *)0xdeadbeef;
    hr = PeerGraphGetRecord(graph, &id, &got);
    ok(hr == PEER_E_RECORD_NOT_FOUND, "unknown id: PeerGraphGetRecord returned %#lx\n", hr);
    hr = PeerGraphGetRecord(graph, NULL, &got);
    ok(hr == E_INVALIDARG, "PeerGraphGetRecord(NULL id) returned %#lx\n", hr);
    hr = PeerGraphGetRecord(graph, &id, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphGetRecord(NULL record) returned %#lx\n", hr);

    /* one PeerGraphFreeData frees a record with everything it points to: fetching a large record
     * many times must not make the process grow */
    data = malloc(size);
    fill_data(data, size, 30);
    init_record(&record, &type_b, peer_now(graph) + HOUR, data, size, valid_attributes);
    hr = PeerGraphAddRecord(graph, &record, &id);
    ok(hr == S_OK, "PeerGraphAddRecord returned %#lx\n", hr);
    if (hr == S_OK)
    {
        for (i = 0; i < 20; i++)  /* warm up */
        {
            hr = PeerGraphGetRecord(graph, &id, &got);
            if (hr == S_OK) PeerGraphFreeData(got);
        }
        pf_before = private_bytes(&ws_before);
        for (i = 0; i < 400; i++)
        {
            got = NULL;
            hr = PeerGraphGetRecord(graph, &id, &got);
            if (hr != S_OK || !got) break;
            if (got->data.cbData != size || memcmp(got->data.pbData, data, size)) break;
            PeerGraphFreeData(got);
        }
        ok(i == 400, "PeerGraphGetRecord failed in round %u: %#lx\n", i, hr);
        pf_after = private_bytes(&ws_after);
        ok(pf_after < pf_before + 32 * 1024 * 1024, "private bytes grew from %llu to %llu\n",
           (ULONGLONG)pf_before, (ULONGLONG)pf_after);
        ok(ws_after < ws_before + 32 * 1024 * 1024, "working set grew from %llu to %llu\n",
           (ULONGLONG)ws_before, (ULONGLONG)ws_after);
        hr = PeerGraphDeleteRecord(graph, &id, FALSE);
        ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);
    }
    free(data);
}

static void test_enum_records(void)
{
    struct expect_record expect[6];
    struct test_graph graph;
    HPEERENUM peer_enum;
    unsigned int i;
    ULONG count, total;
    HRESULT hr;

    hr = create_graph(&graph, "enum", 0);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr != S_OK) return;

    /* the graph's own Graph Info record is not listed */
    check_enum(graph.handle, NULL, NULL, NULL, 0, 0, 0, __LINE__);
    check_enum(graph.handle, &reserved_types[0], NULL, NULL, 0, 0, 0, __LINE__);
    check_enum(graph.handle, NULL, peer_id, NULL, 0, 0, 0, __LINE__);
    for (i = 1; i < ARRAYSIZE(reserved_types); i++)
        check_enum(graph.handle, &reserved_types[i], NULL, NULL, 0, 0, 0, __LINE__);

    hr = PeerGraphEnumRecords(graph.handle, NULL, NULL, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphEnumRecords(NULL) returned %#lx\n", hr);
    hr = PeerGraphEnumRecords(graph.handle, &type_a, peer_id, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphEnumRecords(type, peer, NULL) returned %#lx\n", hr);

    /* records 0-3 of type A, 4-5 of type B */
    for (i = 0; i < 6; i++)
        if (add_record(graph.handle, &expect[i], i < 4 ? &type_a : &type_b, 20 + i, i % 2 ? valid_attributes : NULL,
                       40 + i) != S_OK)
            goto done;

    check_enum(graph.handle, NULL, NULL, expect, 6, 0x3f, 6, __LINE__);
    check_enum(graph.handle, &type_a, NULL, expect, 6, 0x0f, 4, __LINE__);
    check_enum(graph.handle, &type_b, NULL, expect, 6, 0x30, 2, __LINE__);
    check_enum(graph.handle, &type_unused, NULL, expect, 6, 0, 0, __LINE__);
    check_enum(graph.handle, NULL, peer_id, expect, 6, 0x3f, 6, __LINE__);
    check_enum(graph.handle, NULL, other_peer_id, expect, 6, 0, 0, __LINE__);
    check_enum(graph.handle, &type_a, peer_id, expect, 6, 0x0f, 4, __LINE__);
    check_enum(graph.handle, &type_b, peer_id, expect, 6, 0x30, 2, __LINE__);
    check_enum(graph.handle, &type_b, other_peer_id, expect, 6, 0, 0, __LINE__);
    check_enum(graph.handle, &reserved_types[0], NULL, expect, 6, 0, 0, __LINE__);

    /* an enumeration is a snapshot */
    peer_enum = NULL;
    hr = PeerGraphEnumRecords(graph.handle, &type_b, NULL, &peer_enum);
    ok(hr == S_OK, "PeerGraphEnumRecords returned %#lx\n", hr);
    if (hr == S_OK)
    {
        struct expect_record extra;

        if (add_record(graph.handle, &extra, &type_b, 5, NULL, 50) == S_OK)
        {
            count = 0;
            hr = PeerGraphGetItemCount(peer_enum, &count);
            ok(hr == S_OK && count == 2, "PeerGraphGetItemCount returned %#lx, count %lu\n", hr, count);
            ok(read_enumeration(peer_enum, expect, 6, &total, __LINE__) == 0x30, "wrong records\n");
            ok(total == 2, "%lu records in the snapshot\n", total);
            hr = PeerGraphDeleteRecord(graph.handle, &extra.id, FALSE);
            ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);
        }
        else
            PeerGraphEndEnumeration(peer_enum);
    }

    /* records deleted after the snapshot are not dangling */
    peer_enum = NULL;
    hr = PeerGraphEnumRecords(graph.handle, &type_a, NULL, &peer_enum);
    ok(hr == S_OK, "PeerGraphEnumRecords returned %#lx\n", hr);
    hr = PeerGraphDeleteRecord(graph.handle, &expect[0].id, FALSE);
    ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);
    if (peer_enum)
    {
        unsigned int mask = read_enumeration(peer_enum, expect, 6, &total, __LINE__);

        ok((mask & 0x0e) == 0x0e && total >= 3 && total <= 4, "records %#x, %lu in total\n", mask, total);
    }
    check_enum(graph.handle, &type_a, NULL, expect, 6, 0x0e, 3, __LINE__);

done:
    delete_test_graph(&graph);
}

/* ---- PeerGraphSearchRecords ---- */

static struct test_graph search_graph;
static struct expect_record search_records[5];
static WCHAR type_a_string[64], record1_string[64];

#define ATTR(name, type, value) L"<attribute name=\"" name L"\" type=\"" type L"\">" value L"</attribute>"

static const WCHAR search_attributes0[] = L"<attributes>" ATTR("Owner", "string", "Scott")
    ATTR("Priority", "int", "1") ATTR("Birthday", "date", "1972-04-04") ATTR("keyword", "string", "red")
    ATTR("keyword", "string", "blue") L"</attributes>";
static const WCHAR search_attributes1[] = L"<attributes>" ATTR("Owner", "string", "Sandra")
    ATTR("Priority", "int", "5") ATTR("Birthday", "date", "1980-12-31") ATTR("keyword", "string", "green")
    L"</attributes>";
static const WCHAR search_attributes2[] = L"<attributes>" ATTR("Owner", "string", "Bob")
    ATTR("Priority", "int", "10") ATTR("Birthday", "date", "2001-06-15") ATTR("keyword", "string", "red")
    L"</attributes>";
static const WCHAR search_attributes4[] = L"<attributes>" ATTR("Owner", "string", "Q*Z")
    ATTR("City", "string", "K&#xf8;benhavn") ATTR("Town", "string", "\x6771\x4eac \xd83d\xde00")
    ATTR("Firm", "string", "A&amp;B") L"</attributes>";

#define CLAUSE(attrib, type, compare, value) \
    L"<clause attrib=\"" attrib L"\" type=\"" type L"\" compare=\"" compare L"\">" value L"</clause>"
#define SEARCH(body) L"<peersearch>" body L"</peersearch>"

struct search_test
{
    const WCHAR *query;
    unsigned int mask;  /* of records 0-2 */
};

static const struct search_test search_tests[] =
{
    /* strings */
    {L"<?xml version=\"1.0\" encoding=\"utf-8\" ?>"
     L"<peersearch xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">"
     CLAUSE("Owner", "string", "equal", "Scott") L"</peersearch>", 0x1},
    {SEARCH(L"<clause attrib=\"Owner\" type=\"string\">Sandra</clause>"), 0x2},
    {SEARCH(CLAUSE("Owner", "string", "equal", "Bob")), 0x4},
    {SEARCH(CLAUSE("Owner", "string", "equal", "Nobody")), 0},
    {SEARCH(CLAUSE("Owner", "string", "notequal", "Scott")), 0x6},
    {SEARCH(CLAUSE("Owner", "string", "less", "Sc")), 0x6},
    {SEARCH(CLAUSE("Owner", "string", "lessorequal", "Sandra")), 0x6},
    {SEARCH(CLAUSE("Owner", "string", "greater", "Sandra")), 0x1},
    {SEARCH(CLAUSE("Owner", "string", "greaterorequal", "Sandra")), 0x3},
    /* integers compare as numbers */
    {SEARCH(CLAUSE("Priority", "int", "equal", "5")), 0x2},
    {SEARCH(CLAUSE("Priority", "int", "notequal", "5")), 0x5},
    {SEARCH(CLAUSE("Priority", "int", "less", "5")), 0x1},
    {SEARCH(CLAUSE("Priority", "int", "lessorequal", "5")), 0x3},
    {SEARCH(CLAUSE("Priority", "int", "greater", "5")), 0x4},
    {SEARCH(CLAUSE("Priority", "int", "greaterorequal", "5")), 0x6},
    {SEARCH(CLAUSE("Priority", "int", "greater", "2")), 0x6},
    {SEARCH(CLAUSE("Priority", "int", "less", "9")), 0x3},
    /* dates */
    {SEARCH(CLAUSE("Birthday", "date", "equal", "1980-12-31")), 0x2},
    {SEARCH(CLAUSE("Birthday", "date", "notequal", "1972-04-04")), 0x6},
    {SEARCH(CLAUSE("Birthday", "date", "less", "1980-01-01")), 0x1},
    {SEARCH(CLAUSE("Birthday", "date", "lessorequal", "1980-12-31")), 0x3},
    {SEARCH(CLAUSE("Birthday", "date", "greater", "1980-01-01")), 0x6},
    {SEARCH(CLAUSE("Birthday", "date", "greaterorequal", "2001-06-15")), 0x4},
    /* wildcards */
    {SEARCH(CLAUSE("Owner", "string", "equal", "S*")), 0x3},
    {SEARCH(CLAUSE("Owner", "string", "equal", "*o*")), 0x5},
    {SEARCH(CLAUSE("Owner", "string", "equal", "*")), 0x7},
    {SEARCH(CLAUSE("Owner", "string", "equal", "S??tt")), 0x1},
    {SEARCH(CLAUSE("Owner", "string", "equal", "?ob")), 0x4},
    {SEARCH(CLAUSE("Owner", "string", "equal", "S?")), 0},
    {SEARCH(CLAUSE("Owner", "string", "equal", "B*b")), 0x4},
    {SEARCH(CLAUSE("Owner", "string", "equal", "*ra")), 0x2},
    /* attributes with several values */
    {SEARCH(CLAUSE("keyword", "string", "equal", "red")), 0x5},
    {SEARCH(CLAUSE("keyword", "string", "equal", "blue")), 0x1},
    {SEARCH(CLAUSE("keyword", "string", "equal", "purple")), 0},
    /* an attribute no record has */
    {SEARCH(CLAUSE("Color", "string", "equal", "red")), 0},
    /* and / or */
    {SEARCH(L"<and>" CLAUSE("Owner", "string", "equal", "S*") CLAUSE("Priority", "int", "greater", "1") L"</and>"),
     0x2},
    {SEARCH(L"<or>" CLAUSE("Owner", "string", "equal", "Bob") CLAUSE("Priority", "int", "equal", "1") L"</or>"),
     0x5},
    {SEARCH(L"<and>" CLAUSE("Owner", "string", "equal", "Bob") L"</and>"), 0x4},
    {SEARCH(L"<or>" CLAUSE("Owner", "string", "equal", "Bob") L"</or>"), 0x4},
    {SEARCH(L"<and><or>" CLAUSE("Owner", "string", "equal", "Bob") CLAUSE("Owner", "string", "equal", "Scott")
            L"</or>" CLAUSE("Birthday", "date", "less", "2000-01-01") L"</and>"), 0x1},
    {SEARCH(L"<or><and>" CLAUSE("keyword", "string", "equal", "red") CLAUSE("Priority", "int", "less", "5")
            L"</and>" CLAUSE("Owner", "string", "equal", "Sandra") L"</or>"), 0x3},
    {SEARCH(L"<and><and><or><and>" CLAUSE("Priority", "int", "greaterorequal", "1") L"</and></or></and>"
            CLAUSE("Priority", "int", "lessorequal", "10") CLAUSE("keyword", "string", "notequal", "green")
            L"</and>"), 0x5},
    {SEARCH(L"<and>" CLAUSE("Owner", "string", "equal", "Bob") CLAUSE("Owner", "string", "equal", "Scott")
            L"</and>"), 0},
    /* the reserved attributes */
    {SEARCH(CLAUSE("peercreatorid", "string", "equal", "p2ptest-record-peer")), 0x7},
    {SEARCH(CLAUSE("peercreatorid", "string", "equal", "p2ptest-record-*")), 0x7},
    {SEARCH(CLAUSE("peercreatorid", "string", "equal", "p2ptest-record-someone-else")), 0},
    {SEARCH(L"<and>" CLAUSE("peercreatorid", "string", "equal", "p2ptest-record-peer")
            CLAUSE("Owner", "string", "equal", "Bob") L"</and>"), 0x4},
};

/* invalid queries: PEER_E_INVALID_SEARCH */
static const WCHAR *invalid_searches[] =
{
    L"garbage",
    L"<peersearch>",
    SEARCH(CLAUSE("Owner", "string", "equal", "Scott")) L"<peersearch/>",
    L"<search>" CLAUSE("Owner", "string", "equal", "Scott") L"</search>",
    CLAUSE("Owner", "string", "equal", "Scott"),
    L"<peersearch></peersearch>",
    L"<peersearch/>",
    SEARCH(L"<and></and>"),
    SEARCH(L"<or></or>"),
    SEARCH(L"<and/>"),
    SEARCH(L"<and><or></or></and>"),
    SEARCH(CLAUSE("Owner", "string", "like", "Scott")),
    SEARCH(CLAUSE("Owner", "string", "EQUAL", "Scott")),
    SEARCH(L"<clause type=\"string\" compare=\"equal\">Scott</clause>"),
    SEARCH(CLAUSE("Owner", "float", "equal", "1.5")),
    SEARCH(CLAUSE("Owner", "string", "equal", "Scott") CLAUSE("Owner", "string", "equal", "Bob")),
    SEARCH(L"<clause attrib=\"Owner\" type=\"string\" compare=\"equal\"><and>"
           CLAUSE("Owner", "string", "equal", "Bob") L"</and></clause>"),
    SEARCH(L"<not>" CLAUSE("Owner", "string", "equal", "Bob") L"</not>"),
    SEARCH(L"<and>" CLAUSE("Owner", "string", "equal", "Bob") L"<foo/></and>"),
};

/* the way StringFromGUID2 writes a GUID: braces, upper case */
static void format_guid(const GUID *guid, WCHAR *buffer)
{
    char str[64];

    snprintf(str, sizeof(str), "{%08lX-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", guid->Data1, guid->Data2,
             guid->Data3, guid->Data4[0], guid->Data4[1], guid->Data4[2], guid->Data4[3], guid->Data4[4],
             guid->Data4[5], guid->Data4[6], guid->Data4[7]);
    MultiByteToWideChar(CP_ACP, 0, str, -1, buffer, 64);
}

static void check_search(const WCHAR *query, unsigned int expect_mask, ULONG expect_total, int line)
{
    HPEERENUM peer_enum = NULL;
    unsigned int mask;
    ULONG total;
    HRESULT hr;

    hr = PeerGraphSearchRecords(search_graph.handle, query, &peer_enum);
    ok(hr == S_OK, "line %d: PeerGraphSearchRecords(%s) returned %#lx\n", line, dbgstr_w(query), hr);
    if (hr != S_OK) return;
    mask = read_enumeration(peer_enum, search_records, ARRAYSIZE(search_records), &total, line);
    ok(mask == expect_mask, "line %d: %s found records %#x, expected %#x\n", line, dbgstr_w(query), mask,
       expect_mask);
    ok(total == expect_total, "line %d: %s found %lu records, expected %lu\n", line, dbgstr_w(query), total,
       expect_total);
}

static unsigned int popcount(unsigned int mask)
{
    unsigned int count = 0;

    for (; mask; mask >>= 1) count += mask & 1;
    return count;
}

static void test_search_records(void)
{
    WCHAR query[512];
    HPEERENUM peer_enum;
    unsigned int i;
    HRESULT hr;

    hr = create_graph(&search_graph, "search", 0);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr != S_OK) return;

    /* an empty graph has nothing to find */
    check_search(SEARCH(CLAUSE("peercreatorid", "string", "equal", "*")), 0, 0, __LINE__);

    if (add_record(search_graph.handle, &search_records[0], &type_a, 8, search_attributes0, 60) != S_OK) goto done;
    if (add_record(search_graph.handle, &search_records[1], &type_a, 8, search_attributes1, 61) != S_OK) goto done;
    if (add_record(search_graph.handle, &search_records[2], &type_b, 8, search_attributes2, 62) != S_OK) goto done;

    for (i = 0; i < ARRAYSIZE(search_tests); i++)
        check_search(search_tests[i].query, search_tests[i].mask, popcount(search_tests[i].mask), __LINE__);

    format_guid(&search_records[1].id, record1_string);

    /* the record type, written the way StringFromGUID2 writes it */
    swprintf(query, ARRAYSIZE(query), SEARCH(CLAUSE("peerrecordtype", "string", "equal", "%ls")), type_a_string);
    check_search(query, 0x3, 2, __LINE__);
    swprintf(query, ARRAYSIZE(query),
             SEARCH(L"<and>" CLAUSE("peerrecordtype", "string", "notequal", "%ls")
                    CLAUSE("Owner", "string", "equal", "*") L"</and>"), type_a_string);
    check_search(query, 0x4, 1, __LINE__);

    /* the other reserved attributes */
    swprintf(query, ARRAYSIZE(query), SEARCH(CLAUSE("peerrecordid", "string", "equal", "%ls")), record1_string);
    check_search(query, 0x2, 1, __LINE__);
    swprintf(query, ARRAYSIZE(query), SEARCH(CLAUSE("peerrecordid", "string", "notequal", "%ls")), record1_string);
    check_search(query, 0x5, 2, __LINE__);
    check_search(SEARCH(CLAUSE("peercreationtime", "date", "greater", "2000-01-01")), 0x7, 3, __LINE__);
    check_search(SEARCH(CLAUSE("peercreationtime", "date", "less", "2000-01-01")), 0, 0, __LINE__);
    check_search(SEARCH(CLAUSE("peercreationtime", "date", "greater", "2200-01-01")), 0, 0, __LINE__);
    check_search(SEARCH(CLAUSE("peerlastmodificationtime", "date", "greater", "2000-01-01T00:00:00Z")), 0x7, 3,
                 __LINE__);
    check_search(SEARCH(CLAUSE("peerlastmodificationtime", "date", "lessorequal", "2000-01-01T00:00:00Z")), 0, 0,
                 __LINE__);
    check_search(SEARCH(L"<and>" CLAUSE("peercreationtime", "date", "greater", "2000-01-01")
                        CLAUSE("Owner", "string", "equal", "Scott") L"</and>"), 0x1, 1, __LINE__);

    /* a record without attributes is not found through attribute clauses */
    if (add_record(search_graph.handle, &search_records[3], &type_b, 8, NULL, 63) != S_OK) goto done;
    check_search(SEARCH(CLAUSE("Owner", "string", "equal", "*")), 0x7, 3, __LINE__);
    check_search(SEARCH(CLAUSE("Priority", "int", "less", "100")), 0x7, 3, __LINE__);
    check_search(SEARCH(CLAUSE("Birthday", "date", "greater", "1900-01-01")), 0x7, 3, __LINE__);
    check_search(SEARCH(CLAUSE("peercreatorid", "string", "equal", "p2ptest-record-peer")), 0xf, 4, __LINE__);

    /* escaped wildcards, character references, other scripts */
    if (add_record(search_graph.handle, &search_records[4], &type_b, 8, search_attributes4, 64) != S_OK) goto done;
    check_search(SEARCH(CLAUSE("City", "string", "equal", "K\x00f8" L"benhavn")), 0x10, 1, __LINE__);
    check_search(SEARCH(CLAUSE("City", "string", "equal", "K?benhavn")), 0x10, 1, __LINE__);
    check_search(SEARCH(CLAUSE("Town", "string", "equal", "\x6771\x4eac \xd83d\xde00")), 0x10, 1, __LINE__);
    check_search(SEARCH(CLAUSE("Town", "string", "equal", "?\x4eac *")), 0x10, 1, __LINE__);
    check_search(SEARCH(CLAUSE("Firm", "string", "equal", "A&amp;B")), 0x10, 1, __LINE__);
    check_search(SEARCH(CLAUSE("Firm", "string", "equal", "A&#x26;B")), 0x10, 1, __LINE__);
    check_search(SEARCH(CLAUSE("Firm", "string", "equal", "A&amp;C")), 0, 0, __LINE__);
    check_search(SEARCH(CLAUSE("Owner", "string", "equal", "Q\\*Z")), 0x10, 1, __LINE__);
    check_search(SEARCH(CLAUSE("Owner", "string", "equal", "Q*")), 0x10, 1, __LINE__);
    check_search(SEARCH(CLAUSE("Owner", "string", "equal", "Q\\*")), 0, 0, __LINE__);
    check_search(SEARCH(CLAUSE("Owner", "string", "equal", "S\\*")), 0, 0, __LINE__);
    peer_enum = NULL;
    hr = PeerGraphSearchRecords(search_graph.handle, SEARCH(CLAUSE("Owner", "string", "equal", "Q\\qZ")), &peer_enum);
    ok(hr == E_INVALIDARG, "invalid escape: PeerGraphSearchRecords returned %#lx\n", hr);
    if (hr == S_OK) PeerGraphEndEnumeration(peer_enum);

    /* deleted records are not found */
    hr = PeerGraphDeleteRecord(search_graph.handle, &search_records[0].id, FALSE);
    ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);
    check_search(SEARCH(CLAUSE("Owner", "string", "equal", "S*")), 0x2, 1, __LINE__);

    /* invalid queries */
    for (i = 0; i < ARRAYSIZE(invalid_searches); i++)
    {
        peer_enum = NULL;
        hr = PeerGraphSearchRecords(search_graph.handle, invalid_searches[i], &peer_enum);
        ok(hr == PEER_E_INVALID_SEARCH, "%s: PeerGraphSearchRecords returned %#lx\n", dbgstr_w(invalid_searches[i]),
           hr);
        if (hr == S_OK) PeerGraphEndEnumeration(peer_enum);
    }
    hr = PeerGraphSearchRecords(search_graph.handle, NULL, &peer_enum);
    ok(hr == E_INVALIDARG, "PeerGraphSearchRecords(NULL query) returned %#lx\n", hr);
    hr = PeerGraphSearchRecords(search_graph.handle, search_tests[0].query, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphSearchRecords(NULL enumeration) returned %#lx\n", hr);

done:
    delete_test_graph(&search_graph);
}

/* The records are in the database: they survive closing and reopening the graph. */
static void test_reopen(void)
{
    struct expect_record expect[3];
    struct test_graph graph;
    unsigned int i;
    HRESULT hr;

    hr = create_graph(&graph, "reopen", 0);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr != S_OK) return;
    for (i = 0; i < 3; i++)
    {
        if (add_record(graph.handle, &expect[i], i ? &type_b : &type_a, 30 * i, i == 1 ? valid_attributes : NULL,
                       70 + i) != S_OK)
            goto done;
        check_get_record(graph.handle, &expect[i], __LINE__);
    }
    expect[2].version++;
    expect[2].expiration += HOUR;
    {
        PEER_RECORD record;

        init_record(&record, &type_b, expect[2].expiration, expect[2].data, expect[2].size, NULL);
        record.id = expect[2].id;
        hr = PeerGraphUpdateRecord(graph.handle, &record);
        ok(hr == S_OK, "PeerGraphUpdateRecord returned %#lx\n", hr);
    }
    hr = PeerGraphDeleteRecord(graph.handle, &expect[0].id, FALSE);
    ok(hr == S_OK, "PeerGraphDeleteRecord returned %#lx\n", hr);

    hr = PeerGraphClose(graph.handle);
    ok(hr == S_OK, "PeerGraphClose returned %#lx\n", hr);
    graph.handle = NULL;
    hr = PeerGraphOpen(graph.id, peer_id, graph.db, NULL, 0, NULL, &graph.handle);
    ok(hr == S_OK, "PeerGraphOpen returned %#lx\n", hr);
    if (hr != S_OK)
    {
        graph.handle = NULL;
        goto done;
    }
    check_record_gone(graph.handle, &expect[0].id, __LINE__);
    check_get_record(graph.handle, &expect[1], __LINE__);
    check_get_record(graph.handle, &expect[2], __LINE__);
    check_enum(graph.handle, NULL, NULL, expect, 3, 0x6, 2, __LINE__);

done:
    delete_test_graph(&graph);
}

START_TEST(record)
{
    PEER_VERSION_DATA version;
    struct test_graph graph;
    HRESULT hr;

    format_guid(&type_a, type_a_string);

    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    if (hr != S_OK) return;

    hr = create_graph(&graph, "main", 0);
    if (hr == E_NOTIMPL)
        skip("PeerGraphCreate is not implemented\n");
    else if (ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr))
    {
        ok(graph_record_count(graph.handle) == 0, "a new graph has application records\n");
        test_add_record(graph.handle);
        test_add_invalid(graph.handle);
        test_update_record(graph.handle);
        test_delete_record(graph.handle);
        test_get_record(graph.handle);
        ok(graph_record_count(graph.handle) == 0, "records left behind\n");
        delete_test_graph(&graph);

        test_max_record_size();
        test_enum_records();
        test_search_records();
        test_reopen();
    }

    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);
}
