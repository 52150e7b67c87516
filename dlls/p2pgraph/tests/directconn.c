/*
 * Direct connections between two processes: PeerGraphListen, PeerGraphGetNodeInfo,
 * PeerGraphOpenDirectConnection, PeerGraphSendData, PeerGraphCloseDirectConnection,
 * PeerGraphEnumConnections, PEER_GRAPH_EVENT_DIRECT_CONNECTION and INCOMING_DATA.
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

/*
 * The test spawns copies of itself ("child" on the command line) as the remote node and
 * drives them over a message-mode named pipe: each command is one line, each answer one
 * line.  The child checks what it receives byte by byte and reports back; the parent
 * makes the decisions.  Both nodes create a graph with the same graph id (AUTH_INFO names
 * it) but their own peer id and database.  Every connection goes to ::1, and every wait
 * is bounded (WAIT_MS each, RUN_MS in all).
 *
 * Covered: Listen (status, STATUS_CHANGED, twice), GetNodeInfo(0); refused (no
 * DIRECT_CONNECTION registration), unreachable port, unknown peer id; payloads of 0, 1,
 * 1000, 64 Ki and 16 Mi bytes both ways, in order, byte-exact, with their connection id
 * and type; EnumConnections (DIRECT and NEIGHBOR) on both sides; close from either side,
 * twice, send after close, data sent just before a close; 128 connections at once;
 * PeerGraphClose with open connections on either side; the peer killed while it sends
 * and while it receives 16 MiB messages.
 *
 * On Windows a global-scope listener might not answer on ::1; under Wine in the test
 * namespace only loopback exists, so the listener is there.
 */

#include <p2p.h>

#include "p2ptest.h"
#include "p2ptest_graph.h"

#define WAIT_MS 10000            /* the longest any single event may take */
#define RUN_MS 60000             /* the longest a whole run (parent or child) may take */
#define BIG_SIZE (16 * 1024 * 1024)
#define MANY 128                 /* direct connections open at the same time */
#define LINE_SIZE 65536

/* application data types; none is the protocol's reserved ping type */
static const GUID type_a = {0x3d1f7a52, 0x84c0, 0x4e19, {0x9b, 0x26, 0x51, 0xe8, 0x0c, 0x73, 0xaa, 0x14}};
static const GUID type_b = {0xc6e2058b, 0x2b7d, 0x4a3f, {0x86, 0x0e, 0xd4, 0x19, 0x6f, 0x52, 0x3b, 0xc8}};
static const GUID type_many = {0x71b4e9d0, 0x5a36, 0x4c82, {0xb1, 0x4d, 0x0f, 0xa7, 0x29, 0xe3, 0x65, 0x9e}};

static WCHAR parent_peer_id[] = L"p2ptest-dc-parent";
static char graph_id_a[128];

/* ---------------------------------------------------------------------------------------
 * What one node has seen: the events of its registration, kept until a check uses them.
 */

struct conn_event
{
    ULONGLONG id;
    ULONGLONG node;
    PEER_CONNECTION_STATUS status;
    HRESULT reason;
    BOOL used;
};

struct data_item
{
    struct data_item *next;
    PEER_GRAPH_EVENT_DATA *event;
};

struct node
{
    HGRAPH graph;
    HANDLE event;
    HPEEREVENT peer_event;
    WCHAR peer_id[64];
    WCHAR db_name[160];
    ULONGLONG node_id;
    USHORT port;                 /* network byte order */
    struct conn_event *conns;
    unsigned int conn_count, conn_capacity;
    struct data_item *data_head, **data_tail;
    unsigned int status_events;
    DWORD last_status;
};

static void init_node(struct node *n)
{
    memset(n, 0, sizeof(*n));
    n->data_tail = &n->data_head;
    n->event = CreateEventW(NULL, FALSE, FALSE, NULL);
}

static HRESULT create_graph(struct node *n, const char *graph_id)
{
    WCHAR graph_id_w[128], friendly_name[] = L"p2ptest direct connections";
    PEER_GRAPH_PROPERTIES properties;

    to_wide(graph_id, graph_id_w, ARRAYSIZE(graph_id_w));
    memset(&properties, 0, sizeof(properties));
    properties.dwSize = sizeof(properties);
    properties.dwScope = PEER_GRAPH_SCOPE_GLOBAL;
    properties.pwzGraphId = graph_id_w;
    properties.pwzCreatorId = n->peer_id;
    properties.pwzFriendlyName = friendly_name;
    properties.ulPresenceLifetime = 300;
    properties.cPresenceMax = (ULONG)-1;
    n->graph = NULL;
    return PeerGraphCreate(&properties, n->db_name, NULL, &n->graph);
}

static HRESULT register_events(struct node *n, BOOL direct)
{
    PEER_GRAPH_EVENT_REGISTRATION regs[3] =
    {
        {PEER_GRAPH_EVENT_STATUS_CHANGED, NULL},
        {PEER_GRAPH_EVENT_INCOMING_DATA, NULL},
        {PEER_GRAPH_EVENT_DIRECT_CONNECTION, NULL},
    };

    if (n->peer_event) PeerGraphUnregisterEvent(n->peer_event);
    n->peer_event = NULL;
    return PeerGraphRegisterEvent(n->graph, n->event, direct ? 3 : 2, regs, &n->peer_event);
}

/* Takes every queued event into the node's lists. */
static void drain_events(struct node *n)
{
    PEER_GRAPH_EVENT_DATA *data;
    HRESULT hr;

    if (!n->peer_event) return;
    while ((hr = PeerGraphGetEventData(n->peer_event, &data)) == S_OK)
    {
        switch (data->eventType)
        {
        case PEER_GRAPH_EVENT_DIRECT_CONNECTION:
        {
            struct conn_event *e;

            if (n->conn_count == n->conn_capacity)
            {
                n->conn_capacity = n->conn_capacity ? n->conn_capacity * 2 : 64;
                n->conns = realloc(n->conns, n->conn_capacity * sizeof(*n->conns));
            }
            e = &n->conns[n->conn_count++];
            e->id = data->connectionChangeData.ullConnectionId;
            e->node = data->connectionChangeData.ullNodeId;
            e->status = data->connectionChangeData.status;
            e->reason = data->connectionChangeData.hrConnectionFailedReason;
            e->used = FALSE;
            PeerGraphFreeData(data);
            break;
        }
        case PEER_GRAPH_EVENT_INCOMING_DATA:
        {
            struct data_item *item = malloc(sizeof(*item));

            item->next = NULL;
            item->event = data;
            *n->data_tail = item;
            n->data_tail = &item->next;
            break;
        }
        case PEER_GRAPH_EVENT_STATUS_CHANGED:
            n->status_events++;
            n->last_status = data->dwStatus;
            PeerGraphFreeData(data);
            break;
        default:
            PeerGraphFreeData(data);
            break;
        }
    }
    /* checked only when it goes wrong: how often events are drained depends on
     * timing, and the count of checks should not */
    if (hr != PEER_S_NO_EVENT_DATA) ok(0, "PeerGraphGetEventData returned %#lx\n", hr);
}

/* Waits until the node's event is set or the deadline (GetTickCount value) passes. */
static BOOL wait_more(struct node *n, DWORD deadline)
{
    LONG left = (LONG)(deadline - GetTickCount());

    if (left <= 0 || !bounded(left)) return FALSE;
    WaitForSingleObject(n->event, bounded(left));
    return TRUE;
}

enum conn_match { MATCH_ANY, MATCH_CONNECTED, MATCH_END };

/* The first unused DIRECT_CONNECTION event for id (0: any id) that matches, or NULL after
 * timeout ms. */
static struct conn_event *wait_conn(struct node *n, ULONGLONG id, enum conn_match match, DWORD timeout)
{
    DWORD deadline = GetTickCount() + timeout;
    unsigned int i;

    do
    {
        drain_events(n);
        for (i = 0; i < n->conn_count; i++)
        {
            struct conn_event *e = &n->conns[i];

            if (e->used || (id && e->id != id)) continue;
            if (match == MATCH_CONNECTED && e->status != PEER_CONNECTED) continue;
            if (match == MATCH_END && e->status == PEER_CONNECTED) continue;
            e->used = TRUE;
            return e;
        }
    } while (wait_more(n, deadline));
    return NULL;
}

/* Unused DIRECT_CONNECTION events (after draining the queue). */
static unsigned int unused_conn_events(struct node *n)
{
    unsigned int i, count = 0;

    drain_events(n);
    for (i = 0; i < n->conn_count; i++)
        if (!n->conns[i].used) count++;
    return count;
}

/* The next INCOMING_DATA event, or NULL after timeout ms; free it with free_data(). */
static PEER_GRAPH_EVENT_DATA *wait_data(struct node *n, DWORD timeout)
{
    DWORD deadline = GetTickCount() + timeout;

    do
    {
        drain_events(n);
        if (n->data_head)
        {
            struct data_item *item = n->data_head;
            PEER_GRAPH_EVENT_DATA *event = item->event;

            if (!(n->data_head = item->next)) n->data_tail = &n->data_head;
            free(item);
            return event;
        }
    } while (wait_more(n, deadline));
    return NULL;
}

static void free_data(PEER_GRAPH_EVENT_DATA *event)
{
    if (event) PeerGraphFreeData(event);
}

static void discard_data(struct node *n)
{
    PEER_GRAPH_EVENT_DATA *event;

    while ((event = wait_data(n, 0))) free_data(event);
}

static void free_node(struct node *n)
{
    discard_data(n);
    if (n->peer_event) PeerGraphUnregisterEvent(n->peer_event);
    n->peer_event = NULL;
    CloseHandle(n->event);
    free(n->conns);
    n->conns = NULL;
}

static HRESULT read_node_info(struct node *n)
{
    PEER_NODE_INFO *info = NULL;
    HRESULT hr;

    hr = PeerGraphGetNodeInfo(n->graph, 0, &info);
    if (hr != S_OK) return hr;
    n->node_id = info->ullNodeId;
    n->port = info->cAddresses ? info->pAddresses[0].sin6.sin6_port : 0;
    PeerGraphFreeData(info);
    return S_OK;
}

static HRESULT send_pattern(struct node *n, ULONGLONG id, const GUID *type, DWORD size, DWORD seed)
{
    BYTE *buffer = malloc(size ? size : 1);
    HRESULT hr;

    fill_pattern(buffer, size, seed);
    hr = PeerGraphSendData(n->graph, id, type, size, buffer);
    free(buffer);
    return hr;
}

struct conn_info
{
    ULONGLONG id;
    ULONGLONG node;
    DWORD flags;
    char peer[80];
    BOOL loopback;
    USHORT port;
};

/* PeerGraphEnumConnections, copied out; *count is the number of items delivered. */
static HRESULT list_connections(HGRAPH graph, DWORD flags, struct conn_info *out, unsigned int max,
                                unsigned int *count)
{
    PEER_CONNECTION_INFO **items;
    HPEERENUM peer_enum;
    ULONG item_count, n, i;
    HRESULT hr;

    *count = 0;
    hr = PeerGraphEnumConnections(graph, flags, &peer_enum);
    if (hr != S_OK) return hr;
    hr = PeerGraphGetItemCount(peer_enum, &item_count);
    ok(hr == S_OK, "PeerGraphGetItemCount returned %#lx\n", hr);
    for (;;)
    {
        n = 16;
        hr = PeerGraphGetNextItem(peer_enum, &n, (void ***)&items);
        ok(hr == S_OK, "PeerGraphGetNextItem returned %#lx\n", hr);
        if (hr != S_OK || !n) break;
        for (i = 0; i < n; i++, (*count)++)
        {
            struct conn_info *c;

            if (*count >= max) continue;
            c = &out[*count];
            c->id = items[i]->ullConnectionId;
            c->node = items[i]->ullNodeId;
            c->flags = items[i]->dwFlags;
            to_utf8(items[i]->pwzPeerId, c->peer, sizeof(c->peer));
            c->loopback = is_loopback(&items[i]->address.sin6);
            c->port = items[i]->address.sin6.sin6_port;
        }
        PeerGraphFreeData(items);
    }
    ok(*count == item_count, "enumerated %u connections, PeerGraphGetItemCount said %lu\n", *count, item_count);
    hr = PeerGraphEndEnumeration(peer_enum);
    ok(hr == S_OK, "PeerGraphEndEnumeration returned %#lx\n", hr);
    return S_OK;
}

/* ---------------------------------------------------------------------------------------
 * The child: the remote node, driven command by command over the pipe.
 */

static HANDLE child_pipe;
static struct node child_node;
static ULONGLONG many_ids[MANY];
static unsigned int many_count;

static void child_reply(const char *format, ...) P2PTEST_PRINTF(1, 2);
static void child_reply(const char *format, ...)
{
    char line[LINE_SIZE];
    DWORD written;
    va_list args;

    va_start(args, format);
    vsnprintf(line, sizeof(line), format, args);
    va_end(args);
    WriteFile(child_pipe, line, strlen(line), &written, NULL);
}

static const GUID *parse_type(const char *name)
{
    if (!strcmp(name, "a")) return &type_a;
    if (!strcmp(name, "b")) return &type_b;
    return &type_many;
}

/* Opens count connections to the parent at once and waits for the outcome of each; the
 * ids of those that connected go to ids[].  note gets the node id of the event when one
 * connection was asked for and made, otherwise what went wrong. */
static unsigned int child_open(unsigned int count, USHORT port, const char *peer, ULONGLONG *ids,
                               char *note, size_t note_size)
{
    DWORD deadline = GetTickCount() + WAIT_MS;
    ULONGLONG pending[MANY];
    PEER_ADDRESS address;
    unsigned int i, connected = 0;
    WCHAR peer_w[128];
    HRESULT hr;

    to_wide(peer, peer_w, ARRAYSIZE(peer_w));
    loopback_address(&address, swap16(port));  /* port: network byte order */
    *note = 0;
    for (i = 0; i < count; i++)
    {
        pending[i] = 0;
        hr = PeerGraphOpenDirectConnection(child_node.graph, peer_w, &address, &pending[i]);
        if (hr != S_OK)
        {
            snprintf(note, note_size, "error %#lx", hr);
            return 0;
        }
    }
    for (i = 0; i < count; i++)
    {
        LONG left = (LONG)(deadline - GetTickCount());
        struct conn_event *e = wait_conn(&child_node, pending[i], MATCH_ANY, left > 0 ? left : 0);

        if (!e) snprintf(note, note_size, "timeout");
        else if (e->status != PEER_CONNECTED)
            snprintf(note, note_size, "failed %d %#lx", e->status, e->reason);
        else
        {
            if (count == 1) snprintf(note, note_size, "%llx", e->node);
            ids[connected++] = pending[i];
        }
    }
    return connected;
}

static void child_expect(const char *type_name, DWORD size, DWORD seed)
{
    PEER_GRAPH_EVENT_DATA *event = wait_data(&child_node, WAIT_MS);
    DWORD bad, first_bad, got;

    if (!event)
    {
        child_reply("timeout");
        return;
    }
    got = event->incomingData.data.cbData;
    bad = count_mismatches(event->incomingData.data.pbData, min(got, size), seed, &first_bad);
    child_reply("data %llu %d %lu %lu %ld", event->incomingData.ullConnectionId,
                IsEqualGUID(&event->incomingData.type, parse_type(type_name)), got, bad, (LONG)first_bad);
    free_data(event);
}

static void child_enum(DWORD flags)
{
    struct conn_info info[4];
    unsigned int count, i;
    char line[1024];
    size_t len;
    HRESULT hr;

    hr = list_connections(child_node.graph, flags, info, ARRAYSIZE(info), &count);
    len = snprintf(line, sizeof(line), "enum %#lx %u", hr, count);
    for (i = 0; i < count && i < ARRAYSIZE(info); i++)
        len += snprintf(line + len, sizeof(line) - len, " %llu,%lu,%llx,%d,%u,%s", info[i].id, info[i].flags,
                        info[i].node, info[i].loopback, swap16(info[i].port), info[i].peer);
    child_reply("%s", line);
}

/* Sends "c2p <index>" on every connection of the many-connections test. */
static void child_many_send(void)
{
    unsigned int i, failures = 0;
    char text[32];

    for (i = 0; i < many_count; i++)
    {
        snprintf(text, sizeof(text), "c2p %u", i);
        if (PeerGraphSendData(child_node.graph, many_ids[i], &type_many, strlen(text) + 1, text) != S_OK)
            failures++;
    }
    child_reply("sent %u", failures);
}

/* Every connection must bring back "p2c <index>" on the connection it went out on. */
static void child_many_check(void)
{
    unsigned int received = 0, wrong = 0, duplicates = 0;
    BOOL seen[MANY] = {0};
    DWORD deadline = GetTickCount() + WAIT_MS;

    while (received < many_count)
    {
        LONG left = (LONG)(deadline - GetTickCount());
        PEER_GRAPH_EVENT_DATA *event = wait_data(&child_node, left > 0 ? left : 0);
        unsigned int index;
        char text[32];

        if (!event) break;
        received++;
        memset(text, 0, sizeof(text));
        memcpy(text, event->incomingData.data.pbData, min(event->incomingData.data.cbData, sizeof(text) - 1));
        if (sscanf(text, "p2c %u", &index) != 1 || index >= many_count ||
            event->incomingData.ullConnectionId != many_ids[index] ||
            !IsEqualGUID(&event->incomingData.type, &type_many))
            wrong++;
        else if (seen[index])
            duplicates++;
        else
            seen[index] = TRUE;
        free_data(event);
    }
    child_reply("many %u %u %u", received, wrong, duplicates);
}

/* Closes the connections with an even index. */
static void child_many_close(void)
{
    unsigned int i, failures = 0;

    for (i = 0; i < many_count; i += 2)
        if (PeerGraphCloseDirectConnection(child_node.graph, many_ids[i]) != S_OK) failures++;
    child_reply("closed %u", failures);
}

/* Waits for PEER_DISCONNECTED on the connections start, start + step, ... */
static void child_many_ended(unsigned int start, unsigned int step)
{
    unsigned int i, ended = 0;
    DWORD deadline = GetTickCount() + WAIT_MS;

    for (i = start; i < many_count; i += step ? step : 1)
    {
        LONG left = (LONG)(deadline - GetTickCount());
        struct conn_event *e = wait_conn(&child_node, many_ids[i], MATCH_END, left > 0 ? left : 0);

        if (e && e->status == PEER_DISCONNECTED) ended++;
    }
    child_reply("ended %u", ended);
}

/*
 * The child's commands and answers (ports in host byte order, ids in decimal, node ids in hex):
 *   register                         -> hr HR         (re)register, now with DIRECT_CONNECTION
 *   open PORT PEER N                 -> connected ID NODE | failed STATUS HR | timeout | error HR   (N = 1)
 *                                    -> opened COUNT NOTE  (N > 1; the ids are kept for many_*)
 *   accept                           -> accepted ID NODE | timeout
 *   send ID a|b|m SIZE SEED COUNT    -> hr HR         COUNT pattern messages, seeds SEED, SEED + 1, ...
 *   expect a|b|m SIZE SEED           -> data ID TYPE-OK SIZE BAD-BYTES FIRST-BAD | timeout
 *   receive MS                       -> received COUNT     drops whatever arrives for MS ms
 *   close ID                         -> hr HR
 *   ended ID                         -> ended STATUS HR | timeout
 *   events                           -> events COUNT       DIRECT_CONNECTION events not yet looked at
 *   enum FLAGS                       -> enum HR COUNT [ID,FLAGS,NODE,LOOPBACK,PORT,PEER]...
 *   many_send | many_check | many_close | many_ended START STEP    see the functions above
 *   graph_close                      -> hr HR
 *   exit                             -> bye            the child cleans up and exits
 */
static void child_command(char *line)
{
    char word[32], arg1[128];
    unsigned int u1, u2, u3;
    ULONGLONG id;

    word[0] = 0;
    sscanf(line, "%31s", word);
    if (!strcmp(word, "register"))
        child_reply("hr %#lx", register_events(&child_node, TRUE));
    else if (sscanf(line, "open %u %127s %u", &u1, arg1, &u2) == 3)
    {
        ULONGLONG ids[MANY];
        char note[64];
        unsigned int count = min(u2, MANY), connected, i;

        connected = child_open(count, swap16((USHORT)u1), arg1, ids, note, sizeof(note));
        if (count == 1 && connected == 1) child_reply("connected %llu %s", ids[0], note);
        else if (count == 1) child_reply("%s", note);
        else
        {
            many_count = connected;
            for (i = 0; i < connected; i++) many_ids[i] = ids[i];
            child_reply("opened %u %s", connected, note);
        }
    }
    else if (!strcmp(word, "accept"))
    {
        struct conn_event *e = wait_conn(&child_node, 0, MATCH_CONNECTED, WAIT_MS);

        if (e) child_reply("accepted %llu %llx", e->id, e->node);
        else child_reply("timeout");
    }
    else if (sscanf(line, "send %llu %127s %u %u %u", &id, arg1, &u1, &u2, &u3) == 5)
    {
        HRESULT hr = S_OK;
        unsigned int i;

        /* u3 messages in a row: the stream a killed process leaves unfinished */
        for (i = 0; i < u3 && hr == S_OK; i++)
            hr = send_pattern(&child_node, id, parse_type(arg1), u1, u2 + i);
        child_reply("hr %#lx", hr);
    }
    else if (sscanf(line, "expect %127s %u %u", arg1, &u1, &u2) == 3)
        child_expect(arg1, u1, u2);
    else if (sscanf(line, "receive %u", &u1) == 1)
    {
        DWORD deadline = GetTickCount() + u1;
        unsigned int received = 0;
        PEER_GRAPH_EVENT_DATA *event;
        LONG left;

        while ((left = (LONG)(deadline - GetTickCount())) > 0)
            if ((event = wait_data(&child_node, left)))
            {
                received++;
                free_data(event);
            }
        child_reply("received %u", received);
    }
    else if (sscanf(line, "close %llu", &id) == 1)
        child_reply("hr %#lx", PeerGraphCloseDirectConnection(child_node.graph, id));
    else if (sscanf(line, "ended %llu", &id) == 1)
    {
        struct conn_event *e = wait_conn(&child_node, id, MATCH_END, WAIT_MS);

        if (e) child_reply("ended %d %#lx", e->status, e->reason);
        else child_reply("timeout");
    }
    else if (!strcmp(word, "events"))
        child_reply("events %u", unused_conn_events(&child_node));
    else if (sscanf(line, "enum %u", &u1) == 1)
        child_enum(u1);
    else if (!strcmp(word, "many_send"))
        child_many_send();
    else if (!strcmp(word, "many_check"))
        child_many_check();
    else if (!strcmp(word, "many_close"))
        child_many_close();
    else if (sscanf(line, "many_ended %u %u", &u1, &u2) == 2)
        child_many_ended(u1, u2);
    else if (!strcmp(word, "graph_close"))
    {
        HRESULT hr = PeerGraphClose(child_node.graph);

        /* whether the registration outlives its graph is not documented: no check */
        PeerGraphUnregisterEvent(child_node.peer_event);
        child_node.peer_event = NULL;
        child_reply("hr %#lx", hr);
        child_node.graph = NULL;
    }
    else
    {
        ok(0, "child: unknown command %s\n", line);
        child_reply("unknown");
    }
}

static void run_child(const char *pipe_name, const char *graph_id, int index)
{
    WCHAR graph_id_w[128];
    char line[LINE_SIZE], buffer[160];
    PEER_VERSION_DATA version;
    HRESULT hr;
    DWORD got;

    p2ptest_name = "directconn child";
    run_deadline = GetTickCount() + RUN_MS;
    snprintf(buffer, sizeof(buffer), "child %d", index);
    child_pipe = open_parent_pipe(pipe_name, buffer);
    if (child_pipe == INVALID_HANDLE_VALUE) return;

    init_node(&child_node);
    snprintf(buffer, sizeof(buffer), "p2ptest-dc-child-%d", index);
    to_wide(buffer, child_node.peer_id, ARRAYSIZE(child_node.peer_id));
    snprintf(buffer, sizeof(buffer), "%s-child-%d.db", graph_id, index);
    to_wide(buffer, child_node.db_name, ARRAYSIZE(child_node.db_name));
    to_wide(graph_id, graph_id_w, ARRAYSIZE(graph_id_w));

    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    ok(hr == S_OK, "child: PeerGraphStartup returned %#lx\n", hr);
    hr = create_graph(&child_node, graph_id);
    ok(hr == S_OK, "child: PeerGraphCreate returned %#lx\n", hr);
    /* no DIRECT_CONNECTION registration yet: direct connections are refused */
    if (hr == S_OK) hr = register_events(&child_node, FALSE);
    if (hr == S_OK) hr = PeerGraphListen(child_node.graph, PEER_GRAPH_SCOPE_GLOBAL, 0, 0);
    if (hr == S_OK) hr = read_node_info(&child_node);
    ok(hr == S_OK, "child: setting up the graph failed with %#lx\n", hr);
    child_reply("ready %#lx %u %llx", hr, swap16(child_node.port), child_node.node_id);

    while (ReadFile(child_pipe, line, sizeof(line) - 1, &got, NULL))
    {
        line[got] = 0;
        if (!strcmp(line, "exit")) break;
        child_command(line);
    }

    free_node(&child_node);
    if (child_node.graph)
    {
        hr = PeerGraphClose(child_node.graph);
        ok(hr == S_OK, "child: PeerGraphClose returned %#lx\n", hr);
    }
    hr = PeerGraphDelete(graph_id_w, child_node.peer_id, child_node.db_name);
    ok(hr == S_OK, "child: PeerGraphDelete returned %#lx\n", hr);
    hr = PeerGraphShutdown();
    ok(hr == S_OK, "child: PeerGraphShutdown returned %#lx\n", hr);
    child_reply("bye");
    CloseHandle(child_pipe);
}

/* ---------------------------------------------------------------------------------------
 * The parent: spawns children and checks what both sides see.
 */

struct child
{
    int index;
    struct child_process proc;
    char peer_id[64];
    WCHAR peer_id_w[64];
    WCHAR db_name[160];
    USHORT port;                 /* network byte order */
    ULONGLONG node_id;
};

static struct node parent;

static BOOL child_write(struct child *c, const char *format, ...) P2PTEST_PRINTF(2, 3);
static BOOL child_write(struct child *c, const char *format, ...)
{
    char line[1024];
    va_list args;
    BOOL ret;

    va_start(args, format);
    vsnprintf(line, sizeof(line), format, args);
    va_end(args);
    ret = child_process_send(&c->proc, line, WAIT_MS);
    ok(ret, "child %d: cannot send \"%s\": %lu\n", c->index, line, GetLastError());
    return ret;
}

/* One answer of the child; "" when none came within timeout ms. */
static const char *child_read(struct child *c, DWORD timeout)
{
    static char line[LINE_SIZE];
    BOOL ret;

    ret = child_process_receive(&c->proc, line, sizeof(line), timeout);
    ok(ret, "child %d: no answer within %lu ms\n", c->index, timeout);
    return line;
}

static const char *child_call(struct child *c, const char *format, ...) P2PTEST_PRINTF(2, 3);
static const char *child_call(struct child *c, const char *format, ...)
{
    char line[1024];
    va_list args;

    va_start(args, format);
    vsnprintf(line, sizeof(line), format, args);
    va_end(args);
    if (!child_write(c, "%s", line)) return "";
    /* the child's own waits are bounded by WAIT_MS; leave it time to answer */
    return child_read(c, WAIT_MS + 5000);
}

/* A child's HRESULT answer ("hr 0x..."); 0xdeadbeef when it did not give one. */
static HRESULT child_hr(struct child *c, const char *format, ...) P2PTEST_PRINTF(2, 3);
static HRESULT child_hr(struct child *c, const char *format, ...)
{
    char line[1024];
    va_list args;

    va_start(args, format);
    vsnprintf(line, sizeof(line), format, args);
    va_end(args);
    return answer_hr(child_call(c, "%s", line));
}

static BOOL child_start(struct child *c, int index)
{
    char pipe_name[128], db[160];
    const char *answer;
    HRESULT hr;

    memset(c, 0, sizeof(*c));
    c->index = index;
    snprintf(c->proc.name, sizeof(c->proc.name), "child %d", index);
    snprintf(c->peer_id, sizeof(c->peer_id), "p2ptest-dc-child-%d", index);
    to_wide(c->peer_id, c->peer_id_w, ARRAYSIZE(c->peer_id_w));
    snprintf(db, sizeof(db), "%s-child-%d.db", graph_id_a, index);
    to_wide(db, c->db_name, ARRAYSIZE(c->db_name));

    snprintf(pipe_name, sizeof(pipe_name), "\\\\.\\pipe\\p2ptest-directconn-%lu-%d", GetCurrentProcessId(), index);
    if (!child_process_start(&c->proc, pipe_name, LINE_SIZE, WAIT_MS, "child %s %s %d", pipe_name, graph_id_a,
                             index))
        return FALSE;

    answer = child_read(c, WAIT_MS);
    if (sscanf(answer, "ready %lx %hu %llx", &hr, &c->port, &c->node_id) != 3) hr = 0xdeadbeef;
    ok(hr == S_OK, "child %d: not ready: \"%s\"\n", index, answer);
    ok(c->port != 0, "child %d listens on port 0\n", index);
    c->port = swap16(c->port);
    return hr == S_OK;
}

/* Asks the child to finish and checks it did so without a failure. */
static void child_finish(struct child *c)
{
    if (!c->proc.process) return;
    if (child_write(c, "exit"))
        ok(!strcmp(child_read(c, WAIT_MS), "bye"), "child %d did not say goodbye\n", c->index);
    child_process_wait_exit(&c->proc, WAIT_MS);
}

/* Ends the child the hard way, then removes its graph's data for it. */
static void child_kill(struct child *c)
{
    WCHAR graph_id_w[128];
    HRESULT hr;

    child_process_kill(&c->proc, WAIT_MS);
    to_wide(graph_id_a, graph_id_w, ARRAYSIZE(graph_id_w));
    hr = PeerGraphDelete(graph_id_w, c->peer_id_w, c->db_name);
    ok(hr == S_OK, "PeerGraphDelete of the killed child's graph returned %#lx\n", hr);
}

/* Checks one INCOMING_DATA event against what was sent, and frees it. */
static void check_data(PEER_GRAPH_EVENT_DATA *event, ULONGLONG id, const GUID *type, DWORD size, DWORD seed,
                       const char *what)
{
    DWORD bad, first_bad;

    ok(event != NULL, "%s: no data arrived\n", what);
    if (!event) return;
    ok(event->eventType == PEER_GRAPH_EVENT_INCOMING_DATA, "%s: event type %d\n", what, event->eventType);
    ok(event->incomingData.ullConnectionId == id, "%s: data on connection %llu, expected %llu\n", what,
       event->incomingData.ullConnectionId, id);
    ok(IsEqualGUID(&event->incomingData.type, type), "%s: wrong data type\n", what);
    ok(event->incomingData.data.cbData == size, "%s: %lu bytes, expected %lu\n", what,
       event->incomingData.data.cbData, size);
    bad = count_mismatches(event->incomingData.data.pbData, min(event->incomingData.data.cbData, size), seed,
                           &first_bad);
    ok(!bad, "%s: %lu bytes differ, the first at offset %lu\n", what, bad, first_bad);
    free_data(event);
}

/* The child's report of one payload ("data <connection> <type ok> <size> <bad> <first bad>"). */
static void check_child_data(struct child *c, ULONGLONG id, const char *type, DWORD size, DWORD seed,
                             const char *what)
{
    const char *answer = child_call(c, "expect %s %lu %lu", type, size, seed);
    ULONGLONG got_id;
    DWORD got_size, bad;
    LONG first_bad;
    int type_ok;

    if (sscanf(answer, "data %llu %d %lu %lu %ld", &got_id, &type_ok, &got_size, &bad, &first_bad) != 5)
    {
        ok(0, "%s: the child got nothing: \"%s\"\n", what, answer);
        return;
    }
    ok(got_id == id, "%s: the child got data on connection %llu, expected %llu\n", what, got_id, id);
    ok(type_ok, "%s: the child got the wrong data type\n", what);
    ok(got_size == size, "%s: the child got %lu bytes, expected %lu\n", what, got_size, size);
    ok(!bad, "%s: %lu bytes differ at the child, the first at offset %ld\n", what, bad, first_bad);
}

/* The parent's direct connections: expects exactly count (up to 1 checked in detail). */
static void check_parent_connections(unsigned int count, ULONGLONG id, const char *peer, ULONGLONG node, USHORT port)
{
    struct conn_info info[MANY + 8];
    unsigned int got, i, wrong_peer = 0;
    HRESULT hr;

    hr = list_connections(parent.graph, PEER_CONNECTION_DIRECT, info, ARRAYSIZE(info), &got);
    ok(hr == S_OK, "PeerGraphEnumConnections(DIRECT) returned %#lx\n", hr);
    ok(got == count, "PeerGraphEnumConnections(DIRECT) listed %u connections, expected %u\n", got, count);
    for (i = 0; i < got && i < ARRAYSIZE(info); i++)
    {
        if (strcmp(info[i].peer, peer)) wrong_peer++;
        ok(info[i].flags == PEER_CONNECTION_DIRECT, "connection %u: flags %#lx\n", i, info[i].flags);
        ok(info[i].loopback, "connection %u: not the loopback address\n", i);
    }
    ok(!wrong_peer, "%u connections with a peer id other than %s\n", wrong_peer, peer);
    if (count == 1 && got == 1)
    {
        ok(info[0].id == id, "connection id %llu, expected %llu\n", info[0].id, id);
        ok(info[0].node == node, "node id %llx, expected %llx\n", info[0].node, node);
        if (port) ok(info[0].port == port, "port %u, expected %u\n", swap16(info[0].port), swap16(port));
    }

    hr = list_connections(parent.graph, PEER_CONNECTION_NEIGHBOR, info, ARRAYSIZE(info), &got);
    ok(hr == S_OK, "PeerGraphEnumConnections(NEIGHBOR) returned %#lx\n", hr);
    ok(got == 0, "PeerGraphEnumConnections(NEIGHBOR) listed %u connections\n", got);
}

/* The child's view: "enum <hr> <count> [<id>,<flags>,<node>,<loopback>,<port>,<peer>]". */
static void check_child_connections(struct child *c, unsigned int count, ULONGLONG id, USHORT port)
{
    const char *answer = child_call(c, "enum %u", PEER_CONNECTION_DIRECT);
    unsigned int got, flags, got_port;
    ULONGLONG got_id, node;
    char peer[80];
    int loopback;
    HRESULT hr;

    if (sscanf(answer, "enum %lx %u", &hr, &got) != 2)
    {
        ok(0, "child %d: no connection list: \"%s\"\n", c->index, answer);
        return;
    }
    ok(hr == S_OK, "child %d: PeerGraphEnumConnections(DIRECT) returned %#lx\n", c->index, hr);
    ok(got == count, "child %d: %u direct connections, expected %u\n", c->index, got, count);
    if (count == 1 && got == 1)
    {
        answer = strchr(strchr(answer + 5, ' ') + 1, ' ');
        if (sscanf(answer, " %llu,%u,%llx,%d,%u,%79s", &got_id, &flags, &node, &loopback, &got_port, peer) == 6)
        {
            ok(got_id == id, "child %d: connection id %llu, expected %llu\n", c->index, got_id, id);
            ok(flags == PEER_CONNECTION_DIRECT, "child %d: flags %#x\n", c->index, flags);
            ok(node == parent.node_id, "child %d: node id %llx, expected %llx\n", c->index, node, parent.node_id);
            ok(loopback, "child %d: not the loopback address\n", c->index);
            if (port) ok(got_port == swap16(port), "child %d: port %u, expected %u\n", c->index, got_port, swap16(port));
            to_utf8(parent_peer_id, peer + 40, 40);
            ok(!strcmp(peer, peer + 40), "child %d: peer id %s\n", c->index, peer);
        }
        else ok(0, "child %d: bad connection list \"%s\"\n", c->index, answer);
    }

    answer = child_call(c, "enum %u", PEER_CONNECTION_NEIGHBOR);
    ok(sscanf(answer, "enum %lx %u", &hr, &got) == 2 && hr == S_OK && got == 0,
       "child %d: PeerGraphEnumConnections(NEIGHBOR): \"%s\"\n", c->index, answer);
}

/* The child opens one connection to the parent; returns the parent's id, *child_id the child's. */
static ULONGLONG child_connects(struct child *c, ULONGLONG *child_id)
{
    const char *answer = child_call(c, "open %u %s 1", swap16(parent.port), "p2ptest-dc-parent");
    struct conn_event *e;
    ULONGLONG node;

    *child_id = 0;
    ok(sscanf(answer, "connected %llu %llx", child_id, &node) == 2,
       "child %d could not connect: \"%s\"\n", c->index, answer);
    if (!*child_id) return 0;
    ok(node == parent.node_id, "child %d: event node id %llx, expected %llx\n", c->index, node, parent.node_id);
    e = wait_conn(&parent, 0, MATCH_CONNECTED, WAIT_MS);
    ok(e != NULL, "no PEER_CONNECTED event for the child's connection\n");
    if (!e) return 0;
    ok(e->node == c->node_id, "event node id %llx, expected %llx\n", e->node, c->node_id);
    return e->id;
}

/* The parent opens a connection to address port naming peer; returns the outcome event. */
static struct conn_event *parent_connects(const WCHAR *peer, USHORT port, ULONGLONG *id)
{
    PEER_ADDRESS address;
    HRESULT hr;

    loopback_address(&address, swap16(port));  /* port: network byte order */
    *id = 0;
    hr = PeerGraphOpenDirectConnection(parent.graph, peer, &address, id);
    ok(hr == S_OK, "PeerGraphOpenDirectConnection returned %#lx\n", hr);
    if (hr != S_OK) return NULL;
    ok(*id != 0, "connection id 0\n");
    return wait_conn(&parent, *id, MATCH_ANY, WAIT_MS);
}

static void test_listen(void)
{
    PEER_NODE_INFO *info = NULL;
    DWORD status = 0, deadline;
    ULONG i;
    HRESULT hr;

    hr = PeerGraphGetStatus(parent.graph, &status);
    ok(hr == S_OK, "PeerGraphGetStatus returned %#lx\n", hr);
    ok(!(status & PEER_GRAPH_STATUS_LISTENING), "listening before PeerGraphListen: %#lx\n", status);

    hr = register_events(&parent, TRUE);
    ok(hr == S_OK, "PeerGraphRegisterEvent returned %#lx\n", hr);
    hr = PeerGraphListen(parent.graph, PEER_GRAPH_SCOPE_GLOBAL, 0, 0);
    ok(hr == S_OK, "PeerGraphListen returned %#lx\n", hr);

    deadline = GetTickCount() + WAIT_MS;
    do
    {
        drain_events(&parent);
        if (parent.status_events && (parent.last_status & PEER_GRAPH_STATUS_LISTENING)) break;
    } while (wait_more(&parent, deadline));
    ok(parent.status_events > 0, "no PEER_GRAPH_EVENT_STATUS_CHANGED\n");
    ok(parent.last_status & PEER_GRAPH_STATUS_LISTENING, "STATUS_CHANGED reported %#lx\n", parent.last_status);

    hr = PeerGraphGetStatus(parent.graph, &status);
    ok(hr == S_OK, "PeerGraphGetStatus returned %#lx\n", hr);
    ok(status & PEER_GRAPH_STATUS_LISTENING, "not listening after PeerGraphListen: %#lx\n", status);

    /* PeerGraphListen's page lists no PEER_E_ALREADY_LISTENING: a second call succeeds and the
     * node goes on listening where it did (the children connect to the port reported below). */
    hr = PeerGraphListen(parent.graph, PEER_GRAPH_SCOPE_GLOBAL, 0, 0);
    ok(hr == S_OK, "second PeerGraphListen returned %#lx\n", hr);

    hr = PeerGraphGetNodeInfo(parent.graph, 0, &info);
    ok(hr == S_OK, "PeerGraphGetNodeInfo returned %#lx\n", hr);
    if (hr != S_OK) return;
    ok(info->ullNodeId != 0, "node id 0\n");
    ok(info->pwzPeerId && !lstrcmpW(info->pwzPeerId, parent_peer_id), "wrong peer id\n");
    ok(info->cAddresses >= 1, "%lu listening addresses\n", info->cAddresses);
    for (i = 0; i < info->cAddresses; i++)
    {
        ok(info->pAddresses[i].dwSize == sizeof(PEER_ADDRESS), "address %lu: dwSize %lu\n", i,
           info->pAddresses[i].dwSize);
        ok(info->pAddresses[i].sin6.sin6_family == AF_INET6, "address %lu: family %u\n", i,
           info->pAddresses[i].sin6.sin6_family);
        ok(info->pAddresses[i].sin6.sin6_port != 0, "address %lu: port 0\n", i);
        ok(info->pAddresses[i].sin6.sin6_port == info->pAddresses[0].sin6.sin6_port,
           "address %lu: port %u, address 0 has %u\n", i, swap16(info->pAddresses[i].sin6.sin6_port),
           swap16(info->pAddresses[0].sin6.sin6_port));
    }
    parent.node_id = info->ullNodeId;
    parent.port = info->cAddresses ? info->pAddresses[0].sin6.sin6_port : 0;
    PeerGraphFreeData(info);
}

/* A port whose listener just went away: the connection attempt is refused by TCP. */
static void test_unreachable(void)
{
    struct conn_event *e;
    struct node temp;
    char graph_id[160], buffer[200];
    WCHAR graph_id_w[160];
    ULONGLONG id;
    HRESULT hr;

    init_node(&temp);
    lstrcpyW(temp.peer_id, L"p2ptest-dc-gone");
    snprintf(graph_id, sizeof(graph_id), "%s-gone", graph_id_a);
    snprintf(buffer, sizeof(buffer), "%s.db", graph_id);
    to_wide(buffer, temp.db_name, ARRAYSIZE(temp.db_name));
    to_wide(graph_id, graph_id_w, ARRAYSIZE(graph_id_w));
    hr = create_graph(&temp, graph_id);
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr != S_OK) return;
    hr = PeerGraphListen(temp.graph, PEER_GRAPH_SCOPE_GLOBAL, 0, 0);
    ok(hr == S_OK, "PeerGraphListen returned %#lx\n", hr);
    hr = read_node_info(&temp);
    ok(hr == S_OK && temp.port, "no port: %#lx\n", hr);
    ok(temp.port != parent.port, "two graphs listen on the same port\n");
    hr = PeerGraphClose(temp.graph);
    ok(hr == S_OK, "PeerGraphClose returned %#lx\n", hr);
    hr = PeerGraphDelete(graph_id_w, temp.peer_id, temp.db_name);
    ok(hr == S_OK, "PeerGraphDelete returned %#lx\n", hr);
    free_node(&temp);
    if (!temp.port) return;

    e = parent_connects(L"p2ptest-dc-gone", temp.port, &id);
    ok(e != NULL, "no DIRECT_CONNECTION event for a port nobody listens on\n");
    if (!e) return;
    ok(e->status == PEER_CONNECTION_FAILED, "status %d\n", e->status);
    ok(e->reason == PEER_E_CONNECTION_FAILED, "hrConnectionFailedReason %#lx\n", e->reason);
    hr = PeerGraphSendData(parent.graph, id, &type_a, 1, "x");
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "PeerGraphSendData on a failed connection returned %#lx\n", hr);
}

/* The child has not registered for DIRECT_CONNECTION: it refuses. */
static void test_refused(struct child *c)
{
    struct conn_event *e;
    ULONGLONG id;

    e = parent_connects(c->peer_id_w, c->port, &id);
    ok(e != NULL, "no DIRECT_CONNECTION event for a node that refuses\n");
    if (e)
    {
        ok(e->status == PEER_CONNECTION_FAILED, "status %d\n", e->status);
        ok(e->reason == PEER_E_CONNECTION_REFUSED, "hrConnectionFailedReason %#lx\n", e->reason);
    }
    check_parent_connections(0, 0, "", 0, 0);
    check_child_connections(c, 0, 0, 0);
}

/* Right address, but no such peer there. */
static void test_wrong_peer(struct child *c)
{
    struct conn_event *e;
    ULONGLONG id;

    e = parent_connects(L"p2ptest-dc-nobody", c->port, &id);
    ok(e != NULL, "no DIRECT_CONNECTION event for a peer id that is not there\n");
    if (e)
    {
        ok(e->status == PEER_CONNECTION_FAILED, "status %d\n", e->status);
        ok(FAILED(e->reason), "hrConnectionFailedReason %#lx\n", e->reason);
    }
    ok(!strcmp(child_call(c, "events"), "events 0"), "the child saw a connection\n");
    check_parent_connections(0, 0, "", 0, 0);
    check_child_connections(c, 0, 0, 0);
}

static const DWORD payload_sizes[] = {0, 1, 1000, 65536, BIG_SIZE};

/* Payloads of every size both ways, then the child closes. */
static void test_exchange(struct child *c)
{
    ULONGLONG id, child_id;
    HRESULT hr, zero_hr;
    char what[64];
    unsigned int i, first;

    id = child_connects(c, &child_id);
    if (!id) return;
    check_parent_connections(1, id, c->peer_id, c->node_id, 0);
    check_child_connections(c, 1, child_id, parent.port);

    /* parent -> child, back to back; they must arrive in order */
    zero_hr = send_pattern(&parent, id, &type_b, 0, 100);
    ok(zero_hr == S_OK || zero_hr == E_INVALIDARG, "PeerGraphSendData(0 bytes) returned %#lx\n", zero_hr);
    first = zero_hr == S_OK ? 0 : 1;
    trace("PeerGraphSendData(0 bytes) returned %#lx\n", zero_hr);
    for (i = 1; i < ARRAYSIZE(payload_sizes); i++)
    {
        hr = send_pattern(&parent, id, i % 2 ? &type_a : &type_b, payload_sizes[i], 100 + i);
        ok(hr == S_OK, "PeerGraphSendData(%lu bytes) returned %#lx\n", payload_sizes[i], hr);
    }
    for (i = first; i < ARRAYSIZE(payload_sizes); i++)
    {
        snprintf(what, sizeof(what), "%lu bytes to the child", payload_sizes[i]);
        check_child_data(c, child_id, i % 2 ? "a" : "b", payload_sizes[i], 100 + i, what);
    }

    /* child -> parent */
    for (i = 0; i < ARRAYSIZE(payload_sizes); i++)
    {
        hr = child_hr(c, "send %llu %s %lu %u 1", child_id, i % 2 ? "a" : "b", payload_sizes[i], 200 + i);
        ok(hr == (i ? S_OK : zero_hr), "child: PeerGraphSendData(%lu bytes) returned %#lx\n", payload_sizes[i], hr);
    }
    for (i = first; i < ARRAYSIZE(payload_sizes); i++)
    {
        snprintf(what, sizeof(what), "%lu bytes from the child", payload_sizes[i]);
        check_data(wait_data(&parent, WAIT_MS), id, i % 2 ? &type_a : &type_b, payload_sizes[i], 200 + i, what);
    }

    /* 16 MiB both ways at the same time */
    child_write(c, "send %llu b %u 300 1", child_id, BIG_SIZE);
    hr = send_pattern(&parent, id, &type_a, BIG_SIZE, 301);
    ok(hr == S_OK, "PeerGraphSendData(16 MiB) returned %#lx\n", hr);
    ok(!strcmp(child_read(c, WAIT_MS), "hr 0"), "child: PeerGraphSendData(16 MiB) failed\n");
    check_data(wait_data(&parent, WAIT_MS), id, &type_b, BIG_SIZE, 300, "16 MiB from the child, both ways");
    check_child_data(c, child_id, "a", BIG_SIZE, 301, "16 MiB to the child, both ways");
    ok(!parent.data_head, "more data than was sent\n");

    /* the child closes */
    hr = child_hr(c, "close %llu", child_id);
    ok(hr == S_OK, "child: PeerGraphCloseDirectConnection returned %#lx\n", hr);
    {
        struct conn_event *e = wait_conn(&parent, id, MATCH_END, WAIT_MS);

        ok(e && e->status == PEER_DISCONNECTED, "no PEER_DISCONNECTED after the child closed\n");
        if (e) ok(e->node == c->node_id, "PEER_DISCONNECTED: node id %llx\n", e->node);
    }
    hr = child_hr(c, "close %llu", child_id);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "child: second PeerGraphCloseDirectConnection returned %#lx\n", hr);
    hr = child_hr(c, "send %llu a 1 1 1", child_id);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "child: PeerGraphSendData after close returned %#lx\n", hr);
    hr = send_pattern(&parent, id, &type_a, 1, 1);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "PeerGraphSendData after the peer closed returned %#lx\n", hr);
    hr = PeerGraphCloseDirectConnection(parent.graph, id);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "PeerGraphCloseDirectConnection after the peer closed returned %#lx\n", hr);
    check_parent_connections(0, 0, "", 0, 0);
    check_child_connections(c, 0, 0, 0);
}

/* The parent opens, data both ways, the parent closes. */
static void test_parent_closes(struct child *c)
{
    ULONGLONG id, child_id = 0, node = 0;
    struct conn_event *e;
    const char *answer;
    int status = 0;
    HRESULT hr;

    e = parent_connects(c->peer_id_w, c->port, &id);
    ok(e && e->status == PEER_CONNECTED, "the parent could not connect to the child: %d %#lx\n",
       e ? e->status : 0, e ? e->reason : 0);
    if (!e || e->status != PEER_CONNECTED) return;
    ok(e->node == c->node_id, "event node id %llx, expected %llx\n", e->node, c->node_id);
    answer = child_call(c, "accept");
    ok(sscanf(answer, "accepted %llu %llx", &child_id, &node) == 2, "the child saw no connection: \"%s\"\n",
       answer);
    ok(node == parent.node_id, "child: event node id %llx, expected %llx\n", node, parent.node_id);
    check_parent_connections(1, id, c->peer_id, c->node_id, c->port);
    check_child_connections(c, 1, child_id, 0);

    hr = send_pattern(&parent, id, &type_b, 1000, 400);
    ok(hr == S_OK, "PeerGraphSendData returned %#lx\n", hr);
    check_child_data(c, child_id, "b", 1000, 400, "1000 bytes to the accepting child");
    hr = child_hr(c, "send %llu a 1000 401 1", child_id);
    ok(hr == S_OK, "child: PeerGraphSendData returned %#lx\n", hr);
    check_data(wait_data(&parent, WAIT_MS), id, &type_a, 1000, 401, "1000 bytes from the accepting child");

    /* what SendData took before the close still arrives */
    hr = send_pattern(&parent, id, &type_a, BIG_SIZE, 402);
    ok(hr == S_OK, "PeerGraphSendData(16 MiB) returned %#lx\n", hr);
    hr = PeerGraphCloseDirectConnection(parent.graph, id);
    ok(hr == S_OK, "PeerGraphCloseDirectConnection returned %#lx\n", hr);
    check_child_data(c, child_id, "a", BIG_SIZE, 402, "16 MiB sent just before the close");
    hr = PeerGraphCloseDirectConnection(parent.graph, id);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "second PeerGraphCloseDirectConnection returned %#lx\n", hr);
    hr = send_pattern(&parent, id, &type_a, 1, 1);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "PeerGraphSendData after close returned %#lx\n", hr);
    answer = child_call(c, "ended %llu", child_id);
    ok(sscanf(answer, "ended %d", &status) == 1 && status == PEER_DISCONNECTED,
       "child: no PEER_DISCONNECTED after the parent closed: \"%s\"\n", answer);
    hr = child_hr(c, "send %llu a 1 1 1", child_id);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "child: PeerGraphSendData after the peer closed returned %#lx\n", hr);
    check_parent_connections(0, 0, "", 0, 0);
    check_child_connections(c, 0, 0, 0);
}

/* MANY connections at once, a distinct message each way on each, all closed. */
static void test_many(struct child *c)
{
    static ULONGLONG ids[MANY], by_index[MANY];
    unsigned int i, j, opened = 0, received = 0, wrong = 0, ended = 0, close_failures = 0;
    DWORD deadline, start = GetTickCount();
    const char *answer;
    char expect[64];
    HRESULT hr;

    answer = child_call(c, "open %u %s %u", swap16(parent.port), "p2ptest-dc-parent", MANY);
    ok(sscanf(answer, "opened %u", &opened) == 1 && opened == MANY, "the child opened: \"%s\"\n", answer);
    deadline = GetTickCount() + WAIT_MS;
    for (i = 0; i < MANY; i++)
    {
        LONG left = (LONG)(deadline - GetTickCount());
        struct conn_event *e = wait_conn(&parent, 0, MATCH_CONNECTED, left > 0 ? left : 0);

        if (!e) break;
        ids[i] = e->id;
        for (j = 0; j < i; j++)
            if (ids[j] == ids[i]) wrong++;
    }
    ok(i == MANY, "%u PEER_CONNECTED events, expected %u\n", i, MANY);
    ok(!wrong, "%u connection ids were handed out twice\n", wrong);
    if (i != MANY || opened != MANY) return;
    check_parent_connections(MANY, 0, c->peer_id, 0, 0);
    check_child_connections(c, MANY, 0, 0);

    ok(!strcmp(child_call(c, "many_send"), "sent 0"), "the child could not send on every connection\n");
    memset(by_index, 0, sizeof(by_index));
    deadline = GetTickCount() + WAIT_MS;
    while (received < MANY)
    {
        LONG left = (LONG)(deadline - GetTickCount());
        PEER_GRAPH_EVENT_DATA *event = wait_data(&parent, left > 0 ? left : 0);
        ULONGLONG id;
        unsigned int index;
        char text[32];
        BOOL known = FALSE;

        if (!event) break;
        received++;
        id = event->incomingData.ullConnectionId;
        memset(text, 0, sizeof(text));
        memcpy(text, event->incomingData.data.pbData, min(event->incomingData.data.cbData, sizeof(text) - 1));
        for (j = 0; j < MANY; j++)
            if (ids[j] == id) known = TRUE;
        if (!known || sscanf(text, "c2p %u", &index) != 1 || index >= MANY || by_index[index] ||
            !IsEqualGUID(&event->incomingData.type, &type_many))
            wrong++;
        else
        {
            by_index[index] = id;
            snprintf(text, sizeof(text), "p2c %u", index);
            hr = PeerGraphSendData(parent.graph, id, &type_many, strlen(text) + 1, text);
            if (hr != S_OK) wrong++;
        }
        free_data(event);
    }
    ok(received == MANY, "%u messages from the child, expected %u\n", received, MANY);
    ok(!wrong, "%u messages were wrong, duplicated, on an unknown connection or could not be answered\n", wrong);
    for (i = 0; i < MANY; i++)
        for (j = 0; j < i; j++)
            if (by_index[i] && by_index[i] == by_index[j]) wrong++;
    ok(!wrong, "two messages came on the same connection\n");

    answer = child_call(c, "many_check");
    snprintf(expect, sizeof(expect), "many %u 0 0", MANY);
    ok(!strcmp(answer, expect), "the child's answers: \"%s\" (received, wrong, duplicated)\n", answer);

    /* the child closes the even ones, the parent the odd ones */
    ok(!strcmp(child_call(c, "many_close"), "closed 0"), "the child could not close its connections\n");
    deadline = GetTickCount() + WAIT_MS;
    for (i = 0; i < MANY; i += 2)
    {
        LONG left = (LONG)(deadline - GetTickCount());
        struct conn_event *e = by_index[i] ? wait_conn(&parent, by_index[i], MATCH_END, left > 0 ? left : 0) : NULL;

        if (e && e->status == PEER_DISCONNECTED) ended++;
    }
    ok(ended == MANY / 2, "%u PEER_DISCONNECTED events, expected %u\n", ended, MANY / 2);
    for (i = 1; i < MANY; i += 2)
        if (PeerGraphCloseDirectConnection(parent.graph, by_index[i]) != S_OK) close_failures++;
    ok(!close_failures, "%u PeerGraphCloseDirectConnection failed\n", close_failures);
    answer = child_call(c, "many_ended 1 2");
    snprintf(expect, sizeof(expect), "ended %u", MANY / 2);
    ok(!strcmp(answer, expect), "the child saw \"%s\" PEER_DISCONNECTED events\n", answer);
    check_parent_connections(0, 0, "", 0, 0);
    check_child_connections(c, 0, 0, 0);
    trace("%u direct connections: %lu ms\n", MANY, GetTickCount() - start);
}

/* The child closes its graph while connections are open: the parent sees them go. */
static void test_child_graph_close(struct child *c)
{
    ULONGLONG ids[3];
    unsigned int i, opened = 0, ended = 0;
    const char *answer;
    HRESULT hr;

    answer = child_call(c, "open %u %s 3", swap16(parent.port), "p2ptest-dc-parent");
    ok(sscanf(answer, "opened %u", &opened) == 1 && opened == 3, "the child opened: \"%s\"\n", answer);
    for (i = 0; i < opened; i++)
    {
        struct conn_event *e = wait_conn(&parent, 0, MATCH_CONNECTED, WAIT_MS);

        ids[i] = e ? e->id : 0;
    }
    check_parent_connections(opened, 0, c->peer_id, 0, 0);
    hr = child_hr(c, "graph_close");
    ok(hr == S_OK, "child: PeerGraphClose returned %#lx\n", hr);
    for (i = 0; i < opened; i++)
    {
        struct conn_event *e = ids[i] ? wait_conn(&parent, ids[i], MATCH_END, WAIT_MS) : NULL;

        if (e && e->status == PEER_DISCONNECTED) ended++;
    }
    ok(ended == opened, "%u of %u connections reported PEER_DISCONNECTED after the child closed its graph\n",
       ended, opened);
    check_parent_connections(0, 0, "", 0, 0);
}

/* The child is killed while it sends a stream of 16 MiB messages. */
static void test_kill_sender(struct child *c)
{
    ULONGLONG id, child_id;
    struct conn_event *e;
    DWORD start;
    HRESULT hr;

    ok(child_hr(c, "register") == S_OK, "child: register failed\n");
    id = child_connects(c, &child_id);
    if (!id) return;
    child_write(c, "send %llu a %u 500 8", child_id, BIG_SIZE);
    check_data(wait_data(&parent, WAIT_MS), id, &type_a, BIG_SIZE, 500, "first 16 MiB of the killed sender");

    start = GetTickCount();
    child_kill(c);
    e = wait_conn(&parent, id, MATCH_END, WAIT_MS);
    ok(e && e->status == PEER_DISCONNECTED, "no PEER_DISCONNECTED after the sender was killed\n");
    trace("killed sender: PEER_DISCONNECTED after %lu ms\n", GetTickCount() - start);
    hr = send_pattern(&parent, id, &type_a, 1, 1);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "PeerGraphSendData to the killed node returned %#lx\n", hr);
    discard_data(&parent);
    check_parent_connections(0, 0, "", 0, 0);
}

struct sender
{
    ULONGLONG id;
    HANDLE first_sent;
    HRESULT results[8];
    unsigned int count;
};

static DWORD WINAPI sender_thread(void *arg)
{
    struct sender *s = arg;
    BYTE *buffer = malloc(BIG_SIZE);
    unsigned int i;

    fill_pattern(buffer, BIG_SIZE, 600);
    for (i = 0; i < ARRAYSIZE(s->results); i++)
    {
        s->results[i] = PeerGraphSendData(parent.graph, s->id, &type_b, BIG_SIZE, buffer);
        s->count = i + 1;
        SetEvent(s->first_sent);
        if (s->results[i] != S_OK) break;
    }
    free(buffer);
    return 0;
}

/* The child is killed while it receives: the sender must not hang. */
static void test_kill_receiver(struct child *c)
{
    struct sender s;
    ULONGLONG child_id;
    struct conn_event *e;
    unsigned int i, bad = 0;
    HANDLE thread;
    DWORD start;
    HRESULT hr;

    ok(child_hr(c, "register") == S_OK, "child: register failed\n");
    memset(&s, 0, sizeof(s));
    s.id = child_connects(c, &child_id);
    if (!s.id) return;
    child_write(c, "receive 20000");
    s.first_sent = CreateEventW(NULL, TRUE, FALSE, NULL);
    thread = CreateThread(NULL, 0, sender_thread, &s, 0, NULL);
    ok(WaitForSingleObject(s.first_sent, WAIT_MS) == WAIT_OBJECT_0, "the first 16 MiB did not go out\n");
    Sleep(50);

    start = GetTickCount();
    child_kill(c);
    e = wait_conn(&parent, s.id, MATCH_END, WAIT_MS);
    ok(e && e->status == PEER_DISCONNECTED, "no PEER_DISCONNECTED after the receiver was killed\n");
    trace("killed receiver: PEER_DISCONNECTED after %lu ms\n", GetTickCount() - start);
    ok(WaitForSingleObject(thread, WAIT_MS) == WAIT_OBJECT_0, "PeerGraphSendData hangs after the receiver died\n");
    trace("killed receiver: the sender stopped after %u messages, %lu ms\n", s.count, GetTickCount() - start);
    for (i = 0; i < s.count; i++)
        if (s.results[i] != S_OK && s.results[i] != PEER_E_CONNECTION_NOT_FOUND) bad++;
    ok(!bad, "PeerGraphSendData failed with something other than PEER_E_CONNECTION_NOT_FOUND\n");
    hr = send_pattern(&parent, s.id, &type_a, 1, 1);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "PeerGraphSendData to the killed node returned %#lx\n", hr);
    CloseHandle(thread);
    CloseHandle(s.first_sent);
    check_parent_connections(0, 0, "", 0, 0);
}

/* The parent closes its graph with connections open: the child sees them go. */
static void test_parent_graph_close(struct child *c)
{
    unsigned int i, opened = 0;
    const char *answer;
    HRESULT hr;

    ok(child_hr(c, "register") == S_OK, "child: register failed\n");
    answer = child_call(c, "open %u %s 3", swap16(parent.port), "p2ptest-dc-parent");
    ok(sscanf(answer, "opened %u", &opened) == 1 && opened == 3, "the child opened: \"%s\"\n", answer);
    for (i = 0; i < opened; i++)
        ok(wait_conn(&parent, 0, MATCH_CONNECTED, WAIT_MS) != NULL, "no PEER_CONNECTED event\n");

    hr = PeerGraphClose(parent.graph);
    ok(hr == S_OK, "PeerGraphClose with open direct connections returned %#lx\n", hr);
    parent.graph = NULL;
    /* whether the registration outlives its graph is not documented: no check */
    PeerGraphUnregisterEvent(parent.peer_event);
    parent.peer_event = NULL;
    answer = child_call(c, "many_ended 0 1");
    ok(sscanf(answer, "ended %u", &i) == 1 && i == opened,
       "the child saw \"%s\" PEER_DISCONNECTED events, expected %u\n", answer, opened);
}

START_TEST(directconn)
{
    PEER_VERSION_DATA version;
    WCHAR graph_id_w[128];
    struct child c;
    DWORD start = GetTickCount();
    char buffer[160];
    char **argv;
    int argc = p2ptest_get_mainargs(&argv);
    HRESULT hr;

    if (argc >= 5 && !strcmp(argv[1], "child"))
    {
        run_child(argv[2], argv[3], atoi(argv[4]));
        return;
    }

    run_deadline = GetTickCount() + RUN_MS;
    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    if (hr != S_OK) return;

    snprintf(graph_id_a, sizeof(graph_id_a), "p2ptest-directconn-%lu-%lu", GetCurrentProcessId(), GetTickCount());
    to_wide(graph_id_a, graph_id_w, ARRAYSIZE(graph_id_w));
    init_node(&parent);
    lstrcpyW(parent.peer_id, parent_peer_id);
    snprintf(buffer, sizeof(buffer), "%s-parent.db", graph_id_a);
    to_wide(buffer, parent.db_name, ARRAYSIZE(parent.db_name));
    hr = create_graph(&parent, graph_id_a);
    if (hr == E_NOTIMPL)
    {
        skip("PeerGraphCreate not available\n");
        PeerGraphShutdown();
        return;
    }
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr != S_OK)
    {
        PeerGraphShutdown();
        return;
    }

    test_listen();
    test_unreachable();
    if (!parent.port)
        skip("the parent does not listen\n");
    else
    {
        if (child_start(&c, 1))
        {
            test_refused(&c);
            ok(child_hr(&c, "register") == S_OK, "child: register failed\n");
            test_wrong_peer(&c);
            test_exchange(&c);
            test_parent_closes(&c);
            test_many(&c);
            test_child_graph_close(&c);
        }
        child_finish(&c);
        if (child_start(&c, 2)) test_kill_sender(&c);
        if (c.proc.process) child_kill(&c);
        if (child_start(&c, 3)) test_kill_receiver(&c);
        if (c.proc.process) child_kill(&c);
        if (child_start(&c, 4)) test_parent_graph_close(&c);
        child_finish(&c);
    }
    free_node(&parent);
    if (parent.graph) PeerGraphClose(parent.graph);
    hr = PeerGraphDelete(graph_id_w, parent.peer_id, parent.db_name);
    ok(hr == S_OK, "PeerGraphDelete returned %#lx\n", hr);
    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);
    trace("directconn: %lu ms\n", GetTickCount() - start);
}
