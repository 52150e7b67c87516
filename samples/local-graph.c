/*
 * local-graph: a Windows program that uses a peer graph on one node
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

/* An ordinary user of the public graphing API, built with mingw-w64 and
 * linked with its P2PGRAPH import library.  It creates a graph, listens for
 * its events, publishes, searches, updates and deletes records, exports the
 * database, deletes the graph and brings it back from the export, checking
 * every answer against the documentation.  Exit code 0 when all were as
 * documented. */

#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <p2p.h>

static int failures;

static void step(const char *what, HRESULT hr, HRESULT expected)
{
    printf("  %-58s 0x%08lx%s\n", what, (unsigned long)hr, hr == expected ? "" : "  <-- unexpected");
    if (hr != expected) failures++;
}

static const GUID note_type = {0x2f3c0a51, 0x7d41, 0x4f6e, {0x8a, 0x0b, 0x51, 0x9c, 0x22, 0x6e, 0x10, 0x4d}};

static void drain_events(HPEEREVENT hevent)
{
    PEER_GRAPH_EVENT_DATA *event;
    static const char *changes[] = {"?", "added", "updated", "deleted", "expired"};
    while (PeerGraphGetEventData(hevent, &event) == S_OK)
    {
        if (event->eventType == PEER_GRAPH_EVENT_RECORD_CHANGED)
            printf("    event: record %s\n", changes[event->recordChangeData.changeType <= 4 ? event->recordChangeData.changeType : 0]);
        else if (event->eventType == PEER_GRAPH_EVENT_PROPERTY_CHANGED)
            printf("    event: properties changed\n");
        else if (event->eventType == PEER_GRAPH_EVENT_STATUS_CHANGED)
            printf("    event: status now %#lx\n", (unsigned long)event->dwStatus);
        PeerGraphFreeData(event);
    }
}

static ULONG count_items(HPEERENUM henum, int print)
{
    ULONG total = 0, count;
    PEER_RECORD **records;
    for (;;)
    {
        count = 10;
        if (FAILED(PeerGraphGetNextItem(henum, &count, (void ***)&records)) || !count) break;
        for (ULONG i = 0; i < count; i++, total++)
            if (print) printf("    record by %ls: \"%.*s\"\n", records[i]->pwzCreatorId,
                              (int)records[i]->data.cbData, (const char *)records[i]->data.pbData);
        PeerGraphFreeData(records);
    }
    PeerGraphEndEnumeration(henum);
    return total;
}

static HRESULT add_note(HGRAPH graph, const char *text, const WCHAR *priority, GUID *id)
{
    PEER_RECORD record = {0};
    WCHAR attributes[200];
    FILETIME now, peer;
    ULARGE_INTEGER t;

    GetSystemTimeAsFileTime(&now);
    PeerGraphUniversalTimeToPeerTime(graph, &now, &peer);
    t.LowPart = peer.dwLowDateTime;
    t.HighPart = peer.dwHighDateTime;
    t.QuadPart += 3600ull * 10000000; /* an hour from now */
    swprintf(attributes, 200, L"<attributes><attribute name=\"priority\" type=\"int\">%ls</attribute></attributes>",
             priority);
    record.dwSize = sizeof(record);
    record.type = note_type;
    record.pwzAttributes = attributes;
    record.ftExpiration.dwLowDateTime = t.LowPart;
    record.ftExpiration.dwHighDateTime = t.HighPart;
    record.data.cbData = (ULONG)strlen(text);
    record.data.pbData = (BYTE *)text;
    return PeerGraphAddRecord(graph, &record, id);
}

int main(void)
{
    PEER_VERSION_DATA version;
    PEER_GRAPH_PROPERTIES props = {0}, *got_props;
    PEER_GRAPH_EVENT_REGISTRATION regs[2] = {{PEER_GRAPH_EVENT_RECORD_CHANGED, NULL},
                                             {PEER_GRAPH_EVENT_PROPERTY_CHANGED, NULL}};
    WCHAR graph_id[64], export_path[MAX_PATH], temp[MAX_PATH];
    HGRAPH graph;
    HPEEREVENT hevent;
    HPEERENUM henum;
    HANDLE event = CreateEventW(NULL, FALSE, FALSE, NULL);
    PEER_RECORD *record;
    GUID ids[3];
    HRESULT hr;
    ULONG n;

    swprintf(graph_id, 64, L"local-graph-demo-%lu", GetCurrentProcessId());
    GetTempPathW(MAX_PATH, temp);
    swprintf(export_path, MAX_PATH, L"%lsp2pgraph-demo-%lu.export", temp, GetCurrentProcessId());

    printf("Start-up:\n");
    step("PeerGraphStartup(PEER_GRAPH_VERSION)", PeerGraphStartup(PEER_GRAPH_VERSION, &version), S_OK);
    printf("    version %u.%u\n", LOBYTE(version.wVersion), HIBYTE(version.wVersion));

    printf("A graph of our own:\n");
    props.dwSize = sizeof(props);
    props.dwScope = PEER_GRAPH_SCOPE_GLOBAL;
    props.pwzGraphId = graph_id;
    props.pwzCreatorId = L"alice";
    props.pwzFriendlyName = L"Local demo";
    step("PeerGraphCreate", PeerGraphCreate(&props, L"demo", NULL, &graph), S_OK);
    step("PeerGraphRegisterEvent (records, properties)", PeerGraphRegisterEvent(graph, event, 2, regs, &hevent), S_OK);

    printf("Records:\n");
    step("PeerGraphAddRecord \"buy milk\" (priority 2)", add_note(graph, "buy milk", L"2", &ids[0]), S_OK);
    step("PeerGraphAddRecord \"call Bob\" (priority 5)", add_note(graph, "call Bob", L"5", &ids[1]), S_OK);
    step("PeerGraphAddRecord \"water plants\" (priority 7)", add_note(graph, "water plants", L"7", &ids[2]), S_OK);
    step("PeerGraphAddRecord with bad attributes", add_note(graph, "x", L"high", &ids[0]), PEER_E_INVALID_ATTRIBUTES);
    WaitForSingleObject(event, 1000);
    drain_events(hevent);

    step("PeerGraphSearchRecords priority >= 5", PeerGraphSearchRecords(graph,
         L"<peersearch><clause attrib=\"priority\" type=\"int\" compare=\"greaterorequal\">5</clause></peersearch>",
         &henum), S_OK);
    n = count_items(henum, 1);
    step("  two of them match", n == 2 ? S_OK : E_FAIL, S_OK);

    hr = PeerGraphGetRecord(graph, &ids[1], &record);
    step("PeerGraphGetRecord \"call Bob\"", hr, S_OK);
    if (SUCCEEDED(hr))
    {
        record->data.pbData = (BYTE *)"call Bob back";
        record->data.cbData = 13;
        step("PeerGraphUpdateRecord", PeerGraphUpdateRecord(graph, record), S_OK);
        PeerGraphFreeData(record);
    }
    step("PeerGraphDeleteRecord \"buy milk\"", PeerGraphDeleteRecord(graph, &ids[0], FALSE), S_OK);
    step("PeerGraphGetRecord of the deleted one", PeerGraphGetRecord(graph, &ids[0], &record), PEER_E_RECORD_NOT_FOUND);
    props.pwzFriendlyName = L"Renamed demo";
    step("PeerGraphSetProperties", PeerGraphSetProperties(graph, &props), S_OK);
    step("PeerGraphGetProperties", PeerGraphGetProperties(graph, &got_props), S_OK);
    printf("    friendly name now \"%ls\"\n", got_props->pwzFriendlyName);
    PeerGraphFreeData(got_props);
    WaitForSingleObject(event, 1000);
    drain_events(hevent);

    printf("Export, delete, and back again:\n");
    step("PeerGraphExportDatabase", PeerGraphExportDatabase(graph, export_path), S_OK);
    step("PeerGraphUnregisterEvent", PeerGraphUnregisterEvent(hevent), S_OK);
    step("PeerGraphClose", PeerGraphClose(graph), S_OK);
    step("PeerGraphDelete", PeerGraphDelete(graph_id, L"alice", L"demo"), S_OK);
    step("PeerGraphOpen: no data here any more", PeerGraphOpen(graph_id, L"alice", L"demo", NULL, 0, NULL, &graph),
         PEER_S_GRAPH_DATA_CREATED);
    step("PeerGraphEnumRecords before import", PeerGraphEnumRecords(graph, NULL, NULL, &henum), PEER_E_GRAPH_NOT_READY);
    step("PeerGraphImportDatabase", PeerGraphImportDatabase(graph, export_path), S_OK);
    step("PeerGraphEnumRecords", PeerGraphEnumRecords(graph, &note_type, NULL, &henum), S_OK);
    n = count_items(henum, 1);
    step("  both remaining records are back", n == 2 ? S_OK : E_FAIL, S_OK);
    step("PeerGraphClose", PeerGraphClose(graph), S_OK);
    step("PeerGraphDelete", PeerGraphDelete(graph_id, L"alice", L"demo"), S_OK);
    DeleteFileW(export_path);

    printf("Shut-down:\n");
    step("PeerGraphShutdown", PeerGraphShutdown(), S_OK);
    step("PeerGraphShutdown again", PeerGraphShutdown(), PEER_E_NOT_INITIALIZED);
    CloseHandle(event);

    printf(failures ? "%d unexpected results\n" : "all results as documented\n", failures);
    return failures ? 1 : 0;
}
