/*
 * victim: the node under attack in tests/integration/hostile-peer.sh.
 *
 *   victim.exe GRAPH-ID PEER-ID PORT-FILE STOP-FILE SECONDS [SHUTDOWN-FILE]
 *
 * Creates the graph GRAPH-ID as PEER-ID, accepts direct connections, listens
 * and writes its TCP port (decimal) to PORT-FILE.  Every INCOMING_DATA is
 * sent back on its connection with the same type: an echo service.  Stops
 * when STOP-FILE exists or after SECONDS, removes its graph and exits with 0
 * when every call it made behaved as documented.
 *
 * With SHUTDOWN-FILE, once PeerGraphShutdown returned it writes how long the
 * call took (milliseconds) to SHUTDOWN-FILE and stays alive until
 * SHUTDOWN-FILE.ack exists (at most 20 s more): whoever watches its sockets
 * can tell what the library left open when Shutdown returned, before the
 * end of the process closes everything anyway.
 *
 * Copyright 2026 the p2pgraph-wine authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <p2p.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned int failures;

static void check(BOOL condition, const char *what, HRESULT hr)
{
    if (condition) return;
    printf("victim: %s failed: %#lx\n", what, hr);
    fflush(stdout);
    failures++;
}

/* The number goes to a new file that is then renamed: a reader never sees half of it. */
static BOOL write_number(const WCHAR *path, unsigned int number)
{
    WCHAR temp[MAX_PATH];
    char text[16];
    DWORD written;
    HANDLE file;
    BOOL ret;

    if (_snwprintf(temp, MAX_PATH, L"%ls.tmp", path) < 0) return FALSE;
    file = CreateFileW(temp, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) return FALSE;
    snprintf(text, sizeof(text), "%u\n", number);
    ret = WriteFile(file, text, strlen(text), &written, NULL) && written == strlen(text);
    CloseHandle(file);
    return ret && MoveFileExW(temp, path, MOVEFILE_REPLACE_EXISTING);
}

int wmain(int argc, WCHAR **argv)
{
    PEER_GRAPH_EVENT_REGISTRATION regs[2] =
    {
        {PEER_GRAPH_EVENT_DIRECT_CONNECTION, NULL},
        {PEER_GRAPH_EVENT_INCOMING_DATA, NULL},
    };
    unsigned int connected = 0, disconnected = 0, echoed = 0, echo_lost = 0;
    WCHAR friendly_name[] = L"hostile-peer victim", db_name[300], ack[MAX_PATH];
    PEER_GRAPH_PROPERTIES properties;
    PEER_GRAPH_EVENT_DATA *event;
    PEER_NODE_INFO *info = NULL;
    PEER_VERSION_DATA version;
    HPEEREVENT peer_event = NULL;
    HGRAPH graph = NULL;
    DWORD deadline, start;
    HANDLE signal;
    USHORT port;
    HRESULT hr;

    if (argc != 6 && argc != 7)
    {
        fprintf(stderr, "usage: victim.exe GRAPH-ID PEER-ID PORT-FILE STOP-FILE SECONDS [SHUTDOWN-FILE]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    deadline = GetTickCount() + _wtoi(argv[5]) * 1000;
    _snwprintf(db_name, ARRAYSIZE(db_name), L"%ls.db", argv[1]);
    db_name[ARRAYSIZE(db_name) - 1] = 0;

    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    check(hr == S_OK, "PeerGraphStartup", hr);
    if (hr != S_OK) return 1;

    memset(&properties, 0, sizeof(properties));
    properties.dwSize = sizeof(properties);
    properties.dwScope = PEER_GRAPH_SCOPE_GLOBAL;
    properties.pwzGraphId = argv[1];
    properties.pwzCreatorId = argv[2];
    properties.pwzFriendlyName = friendly_name;
    properties.ulPresenceLifetime = 300;
    properties.cPresenceMax = (ULONG)-1;
    hr = PeerGraphCreate(&properties, db_name, NULL, &graph);
    check(hr == S_OK, "PeerGraphCreate", hr);
    signal = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (hr == S_OK) hr = PeerGraphRegisterEvent(graph, signal, ARRAYSIZE(regs), regs, &peer_event);
    check(hr == S_OK, "PeerGraphRegisterEvent", hr);
    if (hr == S_OK) hr = PeerGraphListen(graph, PEER_GRAPH_SCOPE_GLOBAL, 0, 0);
    check(hr == S_OK, "PeerGraphListen", hr);
    if (hr == S_OK) hr = PeerGraphGetNodeInfo(graph, 0, &info);
    check(hr == S_OK && info->cAddresses > 0, "PeerGraphGetNodeInfo", hr);
    if (hr != S_OK || !info->cAddresses)
    {
        PeerGraphShutdown();
        return 1;
    }
    port = info->pAddresses[0].sin6.sin6_port;
    port = (USHORT)((port >> 8) | (port << 8));
    PeerGraphFreeData(info);
    check(write_number(argv[3], port), "writing the port file", HRESULT_FROM_WIN32(GetLastError()));
    printf("victim: listening on port %u\n", port);

    while ((LONG)(deadline - GetTickCount()) > 0 && GetFileAttributesW(argv[4]) == INVALID_FILE_ATTRIBUTES)
    {
        WaitForSingleObject(signal, 100);
        while ((hr = PeerGraphGetEventData(peer_event, &event)) == S_OK)
        {
            if (event->eventType == PEER_GRAPH_EVENT_INCOMING_DATA)
            {
                PEER_EVENT_INCOMING_DATA *data = &event->incomingData;

                hr = PeerGraphSendData(graph, data->ullConnectionId, &data->type, data->data.cbData,
                                       data->data.pbData);
                /* the peer may have gone before its echo */
                check(hr == S_OK || hr == PEER_E_CONNECTION_NOT_FOUND, "PeerGraphSendData", hr);
                if (hr == S_OK) echoed++;
                else echo_lost++;
            }
            else if (event->eventType == PEER_GRAPH_EVENT_DIRECT_CONNECTION)
            {
                if (event->connectionChangeData.status == PEER_CONNECTED) connected++;
                else if (event->connectionChangeData.status == PEER_DISCONNECTED) disconnected++;
            }
            PeerGraphFreeData(event);
        }
        check(hr == PEER_S_NO_EVENT_DATA, "PeerGraphGetEventData", hr);
    }

    printf("victim: %u connections, %u disconnected, %u messages echoed, %u echoes to a closed connection\n",
           connected, disconnected, echoed, echo_lost);
    hr = PeerGraphUnregisterEvent(peer_event);
    check(hr == S_OK, "PeerGraphUnregisterEvent", hr);
    CloseHandle(signal);
    hr = PeerGraphClose(graph);
    check(hr == S_OK, "PeerGraphClose", hr);
    hr = PeerGraphDelete(argv[1], argv[2], db_name);
    check(hr == S_OK, "PeerGraphDelete", hr);
    start = GetTickCount();
    hr = PeerGraphShutdown();
    check(hr == S_OK, "PeerGraphShutdown", hr);
    printf("victim: PeerGraphShutdown took %lu ms\n", GetTickCount() - start);
    if (argc == 7)
    {
        check(write_number(argv[6], GetTickCount() - start), "writing the shutdown file",
              HRESULT_FROM_WIN32(GetLastError()));
        _snwprintf(ack, ARRAYSIZE(ack), L"%ls.ack", argv[6]);
        ack[ARRAYSIZE(ack) - 1] = 0;
        deadline = GetTickCount() + 20000;
        while ((LONG)(deadline - GetTickCount()) > 0 && GetFileAttributesW(ack) == INVALID_FILE_ATTRIBUTES)
            Sleep(50);
    }
    printf("victim: exiting with %u failures\n", failures);
    return failures ? 1 : 0;
}
