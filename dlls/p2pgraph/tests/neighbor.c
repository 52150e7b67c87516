/*
 * Neighbor connections between three processes: PeerGraphOpen, PeerGraphConnect,
 * PeerGraphListen, PeerGraphClose, PeerGraphEnumConnections(PEER_CONNECTION_NEIGHBOR),
 * PeerGraphGetStatus, PeerGraphSendData on neighbor connections, synchronization and
 * flooding of records, graph maintenance, PeerGraphEnumNodes, PeerGraphGetNodeInfo,
 * PeerGraphSetNodeAttributes, PeerGraphSetPresence, PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION,
 * RECORD_CHANGED, STATUS_CHANGED, INCOMING_DATA and NODE_CHANGED.
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
 * Three nodes of one graph: A ("alice", this process) creates the graph and listens; B
 * ("bob") and C ("carol") are copies of this program started with "nbchild" on the command
 * line.  B joins A, C joins B: a chain A - B - C.  B is killed there and a new B (a new
 * process and database) takes its place.  Every node, the local one included, is
 * driven with the same one-line commands (node_command()); the children get theirs over
 * a message-mode named pipe and answer with one line.  The parent only compares answers.
 *
 * Records are generated from a seed (data bytes and an attribute string with non-ASCII
 * characters), so every node can check a record byte by byte on its own; in addition each
 * node serializes every field of a record (data and attributes in hex) and the parent
 * requires the same text from all nodes.
 *
 * Covered: a never synchronized graph (PeerGraphOpen -> PEER_S_GRAPH_DATA_CREATED,
 * AddRecord and Listen -> PEER_E_GRAPH_NOT_READY, no SYNCHRONIZED status); Connect with and
 * without a peer id, PEER_CONNECTED on both ends with the right connection and node ids,
 * STATUS_CHANGED with SYNCHRONIZED and with LISTENING; PEER_CONNECTION_FAILED for a wrong
 * peer id and for an address nobody listens on; PEER_E_CONNECT_SELF, PEER_E_ALREADY_EXISTS;
 * records written (also updated and deleted) before the join are synchronized, also through
 * an intermediate node, and raise RECORD_CHANGED; records added (with and without data),
 * updated (also by a peer that did not create them) and deleted on any node reach the two
 * others, two hops too, with RECORD_CHANGED of the right kind and type and identical content
 * and version; 30 records added at each end at the same time and one record updated at both
 * ends at the same time end up the same everywhere; EnumRecords agrees everywhere;
 * EnumConnections (B lists exactly A and C; DIRECT lists none) and GetStatus flags; SendData
 * both ways on neighbor connections, only to the addressee; PeerGraphClose ->
 * PEER_DISCONNECTED on both neighbors, SendData on the gone connection; reopening the
 * persisted database (S_OK) with its records there before any connection, adding, updating
 * and deleting records of its own and updating one of A's and one A updated too, all before
 * reconnecting, while A adds and updates records too; after the reconnection A and B, and
 * once C joined again all three, have the same records (B's offline changes need hash-based
 * synchronization, [MS-PPGRH] 3.1.7.31), with RECORD_CHANGED for each change on the other
 * side; a node killed with TerminateProcess -> PEER_DISCONNECTED on both its neighbors, in
 * the middle of the chain and again once all are neighbors; after the kill in the chain, graph
 * maintenance ([MS-PPGRH] 3.1.7.14) connects A and C within MAINTENANCE_MS and a record added
 * on A reaches C.
 *
 * Nodes (cPresenceMax -1: every listening node publishes a Presence record): each node sees
 * PEER_NODE_CHANGE_CONNECTED for the two others and lists them with EnumNodes (node id, peer
 * id, listening port on every address, ::1 among them, attributes), also filtered by peer id,
 * and GetNodeInfo gives the same; an unknown node id -> PEER_E_NODE_NOT_FOUND;
 * SetNodeAttributes (and with NULL, which clears) -> PEER_NODE_CHANGE_UPDATED and the new
 * attributes on the other nodes; PeerGraphClose -> PEER_NODE_CHANGE_DISCONNECTED on the
 * others and the node gone from EnumNodes and GetNodeInfo; B's new node (new at every Open)
 * everywhere after its return; NULL out pointers and handles that are no graph.  Whether a
 * node lists itself, and whether its own presence raises NODE_CHANGED on it, is not
 * documented: not checked.  A killed node's Presence record lives on until it expires: it may
 * be listed.  A second graph with cPresenceMax 0 (A0 here, D a child): nobody's presence
 * before PeerGraphSetPresence(TRUE), then the other node sees PEER_NODE_CHANGE_CONNECTED and
 * lists the node.
 *
 * Graph maintenance may connect A and C on its own at any time (a node with fewer than the
 * minimum number of neighbors connects to one it knows): no check assumes it does not.
 *
 * Every connection goes to ::1 and every wait is bounded (WAIT_MS each, MAINTENANCE_MS for
 * graph maintenance, RUN_MS in all).
 */

#include <p2p.h>

#include "p2ptest.h"
#include "p2ptest_graph.h"

#define WAIT_MS 10000            /* the longest any single event may take */
#define RUN_MS 95000             /* the longest the whole run may take */
#define MAINTENANCE_MS 60000     /* the longest graph maintenance may take to join a split graph */
#define LINE_SIZE 131072         /* one command or answer; a serialized record fits */

static const GUID type_one = {0x5b0c3e61, 0x9d2a, 0x4f07, {0x8e, 0x44, 0x17, 0xa9, 0x3c, 0x60, 0xd2, 0x5f}};
static const GUID type_two = {0xe8274a19, 0x6c35, 0x4b8d, {0xa1, 0x0f, 0x92, 0x5e, 0x7b, 0x03, 0xc4, 0x86}};
static const GUID data_type = {0x2f6d91b4, 0x03e8, 0x47ac, {0xb5, 0x5a, 0x6e, 0x1c, 0xd8, 0x27, 0x90, 0x3b}};

static void guid_to_str(const GUID *g, char *out)
{
    sprintf(out, "%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", g->Data1, g->Data2, g->Data3,
            g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3], g->Data4[4], g->Data4[5], g->Data4[6],
            g->Data4[7]);
}

static BOOL str_to_guid(const char *s, GUID *g)
{
    unsigned long d1;
    unsigned int d2, d3, b[8], i;

    if (sscanf(s, "%8lx-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x", &d1, &d2, &d3, &b[0], &b[1], &b[2], &b[3], &b[4],
               &b[5], &b[6], &b[7]) != 11)
        return FALSE;
    g->Data1 = d1;
    g->Data2 = (WORD)d2;
    g->Data3 = (WORD)d3;
    for (i = 0; i < 8; i++) g->Data4[i] = (BYTE)b[i];
    return TRUE;
}

static const char *guid_str(const GUID *g)
{
    static char buffers[4][40];
    static unsigned int next;
    char *out = buffers[next++ % 4];

    guid_to_str(g, out);
    return out;
}

/* The attribute string of a record made from seed: valid attribute XML with an entity and
 * characters outside ASCII (in the BMP), so every byte of the UTF-16 text matters. */
static void make_attributes(DWORD seed, WCHAR *out, int count)
{
    char text[512];

    snprintf(text, sizeof(text),
             "<attributes><attribute name=\"seed\" type=\"int\">%lu</attribute>"
             "<attribute name=\"note\" type=\"string\">r\xc3\xa9sum\xc3\xa9 &amp; \xe2\x82\xac%lu \xe6\x97\xa5</attribute>"
             "<attribute name=\"day\" type=\"date\">2026-03-%02lu</attribute></attributes>",
             seed, seed * 7, seed % 28 + 1);
    to_wide(text, out, count);
}

/* What a node says of itself (PeerGraphSetNodeAttributes) for seed, in UTF-8: free text
 * with characters outside ASCII. */
static void make_node_attributes(DWORD seed, char *out, size_t size)
{
    snprintf(out, size, "p2ptest node %lu: caf\xc3\xa9 \xe2\x98\x83 <%lu/> &", seed, seed * 3);
}

static ULONGLONG fnv1a(ULONGLONG h, const void *data, size_t size)
{
    const BYTE *p = data;
    size_t i;

    for (i = 0; i < size; i++)
    {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static size_t append_hex(char *out, size_t pos, size_t size, const BYTE *data, size_t count)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < count && pos + 3 < size; i++)
    {
        out[pos++] = digits[data[i] >> 4];
        out[pos++] = digits[data[i] & 15];
    }
    out[pos] = 0;
    return pos;
}

/* Node attributes as the node commands give them: UTF-8 in hex, "-" for none (NULL or
 * empty: which of the two Windows gives for none is not documented). */
static void attributes_hex(const WCHAR *attributes, char *out, size_t size)
{
    char utf8[1024];

    if (!attributes || !attributes[0])
    {
        snprintf(out, size, "-");
        return;
    }
    to_utf8(attributes, utf8, sizeof(utf8));
    append_hex(out, 0, size, (const BYTE *)utf8, strlen(utf8));
}

/* The same for the attributes seed makes (0: none). */
static void node_attributes_hex(DWORD seed, char *out, size_t size)
{
    char utf8[256];

    if (!seed)
    {
        snprintf(out, size, "-");
        return;
    }
    make_node_attributes(seed, utf8, sizeof(utf8));
    append_hex(out, 0, size, (const BYTE *)utf8, strlen(utf8));
}

/* Every field of a record as text, data and attributes byte by byte. */
static void serialize_record(const PEER_RECORD *r, char *out, size_t size)
{
    char creator[300], modified[300];
    size_t pos;

    to_utf8(r->pwzCreatorId, creator, sizeof(creator));
    to_utf8(r->pwzModifiedById, modified, sizeof(modified));
    pos = snprintf(out, size, "%lu|%lu|%lu|%s|%s|%s|%s|%llx|%llx|%llx|sec%lu:", r->dwVersion, r->dwFlags,
                   r->dwSize, guid_str(&r->type), guid_str(&r->id), creator, modified,
                   ft_to_ull(&r->ftCreation), ft_to_ull(&r->ftExpiration), ft_to_ull(&r->ftLastModified),
                   r->securityData.cbData);
    if (r->securityData.pbData) pos = append_hex(out, pos, size, r->securityData.pbData, r->securityData.cbData);
    if (r->pwzAttributes)
    {
        pos += snprintf(out + pos, size - pos, "|attr%u:", lstrlenW(r->pwzAttributes));
        pos = append_hex(out, pos, size, (const BYTE *)r->pwzAttributes, lstrlenW(r->pwzAttributes) * sizeof(WCHAR));
    }
    else pos += snprintf(out + pos, size - pos, "|noattr");
    pos += snprintf(out + pos, size - pos, "|data%lu:", r->data.cbData);
    if (r->data.pbData) append_hex(out, pos, size, r->data.pbData, r->data.cbData);
}

/* ---------------------------------------------------------------------------------------
 * One node: its graph and every event of its registration, kept until a check uses it.
 */

struct event_item
{
    PEER_GRAPH_EVENT_TYPE type;
    BOOL used;
    /* NEIGHBOR_CONNECTION */
    ULONGLONG conn_id, node_id;
    PEER_CONNECTION_STATUS status;
    HRESULT reason;
    /* RECORD_CHANGED */
    PEER_RECORD_CHANGE_TYPE change;
    GUID record_id, record_type;
    /* STATUS_CHANGED */
    DWORD flags;
    /* NODE_CHANGED (and node_id) */
    PEER_NODE_CHANGE_TYPE node_change;
    char peer[64];
    BOOL size_ok;
    /* INCOMING_DATA, freed when used */
    PEER_GRAPH_EVENT_DATA *data;
};

struct node
{
    HGRAPH graph;
    HANDLE event;
    HPEEREVENT peer_event;
    WCHAR graph_id[128];
    WCHAR peer_id[64];
    WCHAR db_name[200];
    struct event_item *events;
    unsigned int count, capacity;
    unsigned int other_events;   /* events of types we did not expect */
};

static void init_node(struct node *n, const char *graph_id, const char *peer_id, const char *db_name)
{
    memset(n, 0, sizeof(*n));
    n->event = CreateEventW(NULL, FALSE, FALSE, NULL);
    to_wide(graph_id, n->graph_id, ARRAYSIZE(n->graph_id));
    to_wide(peer_id, n->peer_id, ARRAYSIZE(n->peer_id));
    to_wide(db_name, n->db_name, ARRAYSIZE(n->db_name));
}

static HRESULT register_events(struct node *n)
{
    PEER_GRAPH_EVENT_REGISTRATION regs[] =
    {
        {PEER_GRAPH_EVENT_STATUS_CHANGED, NULL},
        {PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION, NULL},
        {PEER_GRAPH_EVENT_RECORD_CHANGED, NULL},
        {PEER_GRAPH_EVENT_INCOMING_DATA, NULL},
        {PEER_GRAPH_EVENT_NODE_CHANGED, NULL},
    };

    n->peer_event = NULL;
    return PeerGraphRegisterEvent(n->graph, n->event, ARRAYSIZE(regs), regs, &n->peer_event);
}

static void drain_events(struct node *n)
{
    PEER_GRAPH_EVENT_DATA *data;
    struct event_item *e;
    HRESULT hr;

    if (!n->peer_event) return;
    while ((hr = PeerGraphGetEventData(n->peer_event, &data)) == S_OK)
    {
        if (n->count == n->capacity)
        {
            n->capacity = n->capacity ? n->capacity * 2 : 64;
            n->events = realloc(n->events, n->capacity * sizeof(*n->events));
        }
        e = &n->events[n->count];
        memset(e, 0, sizeof(*e));
        e->type = data->eventType;
        switch (data->eventType)
        {
        case PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION:
            e->conn_id = data->connectionChangeData.ullConnectionId;
            e->node_id = data->connectionChangeData.ullNodeId;
            e->status = data->connectionChangeData.status;
            e->reason = data->connectionChangeData.hrConnectionFailedReason;
            break;
        case PEER_GRAPH_EVENT_RECORD_CHANGED:
            e->change = data->recordChangeData.changeType;
            e->record_id = data->recordChangeData.recordId;
            e->record_type = data->recordChangeData.recordType;
            break;
        case PEER_GRAPH_EVENT_STATUS_CHANGED:
            e->flags = data->dwStatus;
            break;
        case PEER_GRAPH_EVENT_INCOMING_DATA:
            e->data = data;
            data = NULL;
            break;
        case PEER_GRAPH_EVENT_NODE_CHANGED:
            e->node_change = data->nodeChangeData.changeType;
            e->node_id = data->nodeChangeData.ullNodeId;
            e->size_ok = data->nodeChangeData.dwSize == sizeof(data->nodeChangeData);
            to_utf8(data->nodeChangeData.pwzPeerId, e->peer, sizeof(e->peer));
            break;
        default:
            n->other_events++;
            break;
        }
        n->count++;
        if (data) PeerGraphFreeData(data);
    }
    /* reported only when it fails: how often the queue is drained depends on timing */
    if (hr != PEER_S_NO_EVENT_DATA) ok(0, "PeerGraphGetEventData returned %#lx\n", hr);
}

/* What an event must look like to be taken by wait_event(). */
struct match
{
    PEER_GRAPH_EVENT_TYPE type;
    ULONGLONG conn_id;           /* NEIGHBOR_CONNECTION, INCOMING_DATA: 0 = any */
    ULONGLONG node_id;           /* NEIGHBOR_CONNECTION, NODE_CHANGED: 0 = any */
    int up;                      /* NEIGHBOR_CONNECTION: 1 PEER_CONNECTED, 0 anything else, -1 any */
    const GUID *record_id;       /* RECORD_CHANGED: NULL = any */
    int change;                  /* RECORD_CHANGED, NODE_CHANGED: 0 = any */
    DWORD mask;                  /* STATUS_CHANGED: all these bits set */
};

static BOOL matches(const struct event_item *e, const struct match *m)
{
    if (e->used || e->type != m->type) return FALSE;
    switch (e->type)
    {
    case PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION:
        if (m->conn_id && e->conn_id != m->conn_id) return FALSE;
        if (m->node_id && e->node_id != m->node_id) return FALSE;
        if (m->up == 1 && e->status != PEER_CONNECTED) return FALSE;
        if (m->up == 0 && e->status == PEER_CONNECTED) return FALSE;
        return TRUE;
    case PEER_GRAPH_EVENT_RECORD_CHANGED:
        if (m->record_id && !IsEqualGUID(&e->record_id, m->record_id)) return FALSE;
        return !m->change || (int)e->change == m->change;
    case PEER_GRAPH_EVENT_STATUS_CHANGED:
        return (e->flags & m->mask) == m->mask;
    case PEER_GRAPH_EVENT_INCOMING_DATA:
        return !m->conn_id || e->data->incomingData.ullConnectionId == m->conn_id;
    case PEER_GRAPH_EVENT_NODE_CHANGED:
        if (m->node_id && e->node_id != m->node_id) return FALSE;
        return !m->change || (int)e->node_change == m->change;
    default:
        return TRUE;
    }
}

/* The first unused event that matches (marked used), or NULL after timeout ms. */
static struct event_item *wait_event(struct node *n, const struct match *m, DWORD timeout)
{
    DWORD deadline = GetTickCount() + bounded(timeout);
    unsigned int i;
    LONG left;

    for (;;)
    {
        drain_events(n);
        for (i = 0; i < n->count; i++)
            if (matches(&n->events[i], m))
            {
                n->events[i].used = TRUE;
                return &n->events[i];
            }
        left = (LONG)(deadline - GetTickCount());
        if (left <= 0) return NULL;
        WaitForSingleObject(n->event, left);
    }
}

static unsigned int unused_events(struct node *n, PEER_GRAPH_EVENT_TYPE type)
{
    unsigned int i, count = 0;

    drain_events(n);
    for (i = 0; i < n->count; i++)
        if (!n->events[i].used && n->events[i].type == type) count++;
    return count;
}

static void free_events(struct node *n)
{
    unsigned int i;

    drain_events(n);
    for (i = 0; i < n->count; i++)
        if (n->events[i].data) PeerGraphFreeData(n->events[i].data);
    free(n->events);
    n->events = NULL;
    n->count = n->capacity = 0;
}

static void unregister_events(struct node *n)
{
    free_events(n);
    /* whether the registration outlives its graph is not documented: no check */
    if (n->peer_event) PeerGraphUnregisterEvent(n->peer_event);
    n->peer_event = NULL;
}

/* Current peer time plus seconds. */
static FILETIME peer_time_in(HGRAPH graph, LONGLONG seconds)
{
    FILETIME utc, peer;

    GetSystemTimeAsFileTime(&utc);
    if (PeerGraphUniversalTimeToPeerTime(graph, &utc, &peer) != S_OK) peer = utc;
    return ull_to_ft(ft_to_ull(&peer) + seconds * 10000000);
}

static HRESULT add_record(struct node *n, const GUID *type, DWORD seed, DWORD size, GUID *id)
{
    WCHAR attributes[512];
    PEER_RECORD record;
    BYTE *data = malloc(size ? size : 1);
    HRESULT hr;

    fill_pattern(data, size, seed);
    make_attributes(seed, attributes, ARRAYSIZE(attributes));
    memset(&record, 0, sizeof(record));
    record.dwSize = sizeof(record);
    record.type = *type;
    record.pwzAttributes = attributes;
    record.ftExpiration = peer_time_in(n->graph, 3600);
    record.data.cbData = size;
    record.data.pbData = size ? data : NULL;
    memset(id, 0, sizeof(*id));
    hr = PeerGraphAddRecord(n->graph, &record, id);
    free(data);
    return hr;
}

static HRESULT update_record(struct node *n, const GUID *id, DWORD seed, DWORD size)
{
    WCHAR attributes[512];
    PEER_RECORD *old, record;
    BYTE *data;
    HRESULT hr;

    hr = PeerGraphGetRecord(n->graph, id, &old);
    if (hr != S_OK) return hr;
    data = malloc(size ? size : 1);
    fill_pattern(data, size, seed);
    make_attributes(seed, attributes, ARRAYSIZE(attributes));
    record = *old;
    record.pwzModifiedById = NULL;
    record.pwzAttributes = attributes;
    record.ftExpiration = ull_to_ft(ft_to_ull(&old->ftExpiration) + 600 * (ULONGLONG)10000000);
    record.data.cbData = size;
    record.data.pbData = size ? data : NULL;
    hr = PeerGraphUpdateRecord(n->graph, &record);
    PeerGraphFreeData(old);
    free(data);
    return hr;
}

/*
 * The commands every node understands (ports in host byte order, ids in decimal, node ids
 * in hex, GUIDs as text; MS: how long to wait, WAIT_MS when not given, never more):
 *   open                      -> hr OPEN-HR REGISTER-HR     PeerGraphOpen, then RegisterEvent
 *   notready                  -> notready ADD-HR LISTEN-HR STATUS
 *   listen                    -> hr HR PORT NODE           Listen, then GetNodeInfo(0)
 *   nodeinfo                  -> hr HR PORT NODE
 *   connect PORT PEER|-       -> hr HR ID
 *   waitconn ID up|down NODE  -> conn ID NODE STATUS REASON | timeout     ID, NODE 0: any
 *   waitstatus MASK           -> status FLAGS | timeout    a STATUS_CHANGED with these bits
 *   status                    -> hr HR FLAGS
 *   add one|two SEED SIZE     -> hr HR GUID
 *   update GUID SEED SIZE     -> hr HR
 *   delete GUID               -> hr HR
 *   get GUID SEED SIZE CREATOR MODIFIER
 *                             -> hr HR CONTENT-OK SERIAL    CONTENT-OK: data, attributes, creator
 *                                                           and modifier are the ones given
 *   poll GUID SEED SIZE CREATOR MODIFIER                    the same once CONTENT-OK is 1 (or
 *                                                           after WAIT_MS)
 *   addmany one|two SEED COUNT SIZE -> hr HR ADDED         COUNT records, seeds SEED, SEED + 1, ...
 *   waitrec GUID CHANGE [MS]  -> rec TYPE CHANGE | timeout a RECORD_CHANGED (CHANGE 0 = any)
 *   enumrec                   -> enum HR COUNT HASH        over the serialized records, sorted
 *   waitenum COUNT            -> the same, once there are COUNT records (or after WAIT_MS)
 *   enumconn [FLAGS]          -> enum HR COUNT [ID,FLAGS,NODE,LOOPBACK,PORT,PEER]...   default NEIGHBOR
 *   send ID SIZE SEED         -> hr HR                     PeerGraphSendData, data_type
 *   expect SIZE SEED          -> data ID TYPE-OK SIZE BAD-BYTES | timeout
 *   pending                   -> pending DATA CONNECTION RECORD OTHER NODE   unused events
 *   enumnodes PEER|-          -> nodes HR COUNT NODE...    PeerGraphEnumNodes; NODE as format_node() makes it
 *   waitnodes NODE,NODE... [MS] -> the same for all nodes, once these are all listed (or after MS)
 *   getnode NODE              -> node HR [NODE]            PeerGraphGetNodeInfo
 *   pollnode NODE ATTRIBUTES [MS] -> the same, once the node has these attributes (or after MS)
 *   waitnode NODE CHANGE [MS] -> nodechange CHANGE NODE PEER SIZE-OK | timeout   a NODE_CHANGED (0 = any)
 *   countnode NODE            -> count N                   unused NODE_CHANGED events about NODE
 *   setattr SEED              -> hr HR                     PeerGraphSetNodeAttributes (SEED 0: NULL)
 *   setpresence 0|1           -> hr HR                     PeerGraphSetPresence
 *   close                     -> hr HR                     PeerGraphClose
 *   forget                    -> forgot COUNT              RECORD_CHANGED events so far are taken as used
 *   failures                  -> failures COUNT            failed checks in this process so far
 */

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void command_enumrec(struct node *n, char *reply, size_t size)
{
    PEER_RECORD **items;
    HPEERENUM peer_enum;
    char **serials = NULL;
    unsigned int count = 0, capacity = 0, i;
    ULONGLONG hash = 0xcbf29ce484222325ull;
    ULONG got;
    HRESULT hr;

    hr = PeerGraphEnumRecords(n->graph, NULL, NULL, &peer_enum);
    if (hr != S_OK)
    {
        snprintf(reply, size, "enum %#lx 0 0", hr);
        return;
    }
    for (;;)
    {
        got = 8;
        hr = PeerGraphGetNextItem(peer_enum, &got, (void ***)&items);
        if (hr != S_OK || !got) break;
        for (i = 0; i < got; i++)
        {
            if (count == capacity)
            {
                capacity = capacity ? capacity * 2 : 16;
                serials = realloc(serials, capacity * sizeof(*serials));
            }
            serials[count] = malloc(LINE_SIZE);
            serialize_record(items[i], serials[count++], LINE_SIZE);
        }
        PeerGraphFreeData(items);
    }
    PeerGraphEndEnumeration(peer_enum);
    if (count) qsort(serials, count, sizeof(*serials), compare_strings);
    for (i = 0; i < count; i++)
    {
        hash = fnv1a(hash, serials[i], strlen(serials[i]) + 1);
        free(serials[i]);
    }
    free(serials);
    snprintf(reply, size, "enum %#lx %u %llx", hr, count, hash);
}

static void command_enumconn(struct node *n, DWORD flags, char *reply, size_t size)
{
    PEER_CONNECTION_INFO **items;
    HPEERENUM peer_enum;
    ULONG got, item_count = 0, i;
    unsigned int count = 0;
    char peer[100];
    size_t len;
    HRESULT hr;

    hr = PeerGraphEnumConnections(n->graph, flags, &peer_enum);
    if (hr != S_OK)
    {
        snprintf(reply, size, "enum %#lx 0", hr);
        return;
    }
    PeerGraphGetItemCount(peer_enum, &item_count);
    len = snprintf(reply, size, "enum %#lx %lu", hr, item_count);
    for (;;)
    {
        got = 4;
        hr = PeerGraphGetNextItem(peer_enum, &got, (void ***)&items);
        if (hr != S_OK || !got) break;
        for (i = 0; i < got; i++, count++)
        {
            to_utf8(items[i]->pwzPeerId, peer, sizeof(peer));
            len += snprintf(reply + len, size - len, " %llu,%lu,%llx,%d,%u,%s", items[i]->ullConnectionId,
                            items[i]->dwFlags, items[i]->ullNodeId, is_loopback(&items[i]->address.sin6),
                            swap16(items[i]->address.sin6.sin6_port), peer);
        }
        PeerGraphFreeData(items);
    }
    PeerGraphEndEnumeration(peer_enum);
    if (count != item_count) len += snprintf(reply + len, size - len, " MISMATCH");
}

static void command_get(struct node *n, const char *guid, DWORD seed, DWORD size, const char *creator,
                        const char *modifier, BOOL poll, char *reply, size_t reply_size)
{
    WCHAR attributes[512], creator_w[64], modifier_w[64];
    DWORD deadline = GetTickCount() + bounded(WAIT_MS);
    PEER_RECORD *record;
    GUID id;
    HRESULT hr;
    int content_ok;
    size_t len;

    str_to_guid(guid, &id);
    make_attributes(seed, attributes, ARRAYSIZE(attributes));
    to_wide(creator, creator_w, ARRAYSIZE(creator_w));
    to_wide(modifier, modifier_w, ARRAYSIZE(modifier_w));
    for (;;)
    {
        hr = PeerGraphGetRecord(n->graph, &id, &record);
        content_ok = hr == S_OK && record->data.cbData == size &&
                     (!size || !count_mismatches(record->data.pbData, size, seed, NULL)) &&
                     record->pwzAttributes && !lstrcmpW(record->pwzAttributes, attributes) &&
                     record->pwzCreatorId && !lstrcmpW(record->pwzCreatorId, creator_w) &&
                     record->pwzModifiedById && !lstrcmpW(record->pwzModifiedById, modifier_w) &&
                     IsEqualGUID(&record->id, &id);
        if (!poll || content_ok || (LONG)(deadline - GetTickCount()) <= 0) break;
        if (hr == S_OK) PeerGraphFreeData(record);
        Sleep(20);
    }
    if (hr != S_OK)
    {
        snprintf(reply, reply_size, "hr %#lx", hr);
        return;
    }
    len = snprintf(reply, reply_size, "hr %#lx %d ", hr, content_ok);
    serialize_record(record, reply + len, reply_size - len);
    PeerGraphFreeData(record);
}

/* One node as " NODE,PEER,ADDRESSES,PORT,SAME-PORT,LOOPBACK,SIZES-OK,ATTRIBUTES": the port of
 * the first address, whether all addresses have it, whether one is ::1, whether dwSize of the
 * structure and of every address are right, the attributes as attributes_hex() gives them. */
static size_t format_node(const PEER_NODE_INFO *info, char *out, size_t size)
{
    char peer[100], attributes[2048];
    int same_port = 1, loopback = 0, sizes_ok = info->dwSize == sizeof(*info);
    USHORT port = 0;
    ULONG i;

    to_utf8(info->pwzPeerId, peer, sizeof(peer));
    if (!peer[0]) strcpy(peer, "(empty)");
    if (info->cAddresses && info->pAddresses) port = swap16(info->pAddresses[0].sin6.sin6_port);
    for (i = 0; info->pAddresses && i < info->cAddresses; i++)
    {
        if (swap16(info->pAddresses[i].sin6.sin6_port) != port) same_port = 0;
        if (is_loopback(&info->pAddresses[i].sin6)) loopback = 1;
        if (info->pAddresses[i].dwSize != sizeof(PEER_ADDRESS)) sizes_ok = 0;
    }
    if (info->cAddresses && !info->pAddresses) sizes_ok = 0;
    attributes_hex(info->pwzAttributes, attributes, sizeof(attributes));
    return snprintf(out, size, " %llx,%s,%lu,%u,%d,%d,%d,%s", info->ullNodeId, peer, info->cAddresses, port,
                    same_port, loopback, sizes_ok, attributes);
}

/* "nodes HR COUNT NODE..." for PeerGraphEnumNodes(peer_id); GetItemCount must agree. */
static void command_enumnodes(struct node *n, const WCHAR *peer_id, char *reply, size_t size)
{
    PEER_NODE_INFO **items;
    HPEERENUM peer_enum;
    ULONG got, item_count = 0, i;
    unsigned int count = 0;
    size_t len;
    HRESULT hr;

    hr = PeerGraphEnumNodes(n->graph, peer_id, &peer_enum);
    if (hr != S_OK)
    {
        snprintf(reply, size, "nodes %#lx 0", hr);
        return;
    }
    PeerGraphGetItemCount(peer_enum, &item_count);
    len = snprintf(reply, size, "nodes %#lx %lu", hr, item_count);
    for (;;)
    {
        got = 4;
        hr = PeerGraphGetNextItem(peer_enum, &got, (void ***)&items);
        if (hr != S_OK || !got) break;
        for (i = 0; i < got; i++, count++)
            if (len < size) len += format_node(items[i], reply + len, size - len);
        PeerGraphFreeData(items);
    }
    PeerGraphEndEnumeration(peer_enum);
    if (count != item_count && len < size) snprintf(reply + len, size - len, " MISMATCH");
}

/* "node HR [NODE]" for PeerGraphGetNodeInfo(id). */
static void command_getnode(struct node *n, ULONGLONG id, char *reply, size_t size)
{
    PEER_NODE_INFO *info = NULL;
    HRESULT hr = PeerGraphGetNodeInfo(n->graph, id, &info);
    size_t len = snprintf(reply, size, "node %#lx", hr);

    if (hr != S_OK) return;
    format_node(info, reply + len, size - len);
    PeerGraphFreeData(info);
}

/* Whether every node id of a comma-separated list is in a "nodes" answer. */
static BOOL nodes_listed(const char *reply, const char *ids)
{
    char item[40];
    const char *p = ids;
    int len;

    while (sscanf(p, "%39[^,]%n", item, &len) == 1)
    {
        char key[48];

        snprintf(key, sizeof(key), " %s,", item);
        if (!strstr(reply, key)) return FALSE;
        p += len;
        if (*p == ',') p++;
    }
    return TRUE;
}

static void node_command(struct node *n, const char *line, char *reply, size_t size)
{
    char word[32], arg1[100], arg2[100], arg3[100];
    unsigned int u1, u2, u3;
    ULONGLONG id, node;
    HRESULT hr;
    GUID guid;

    word[0] = 0;
    sscanf(line, "%31s", word);
    if (!strcmp(word, "open"))
    {
        HRESULT hr2 = E_FAIL;

        n->graph = NULL;
        hr = PeerGraphOpen(n->graph_id, n->peer_id, n->db_name, NULL, 0, NULL, &n->graph);
        if (SUCCEEDED(hr)) hr2 = register_events(n);
        snprintf(reply, size, "hr %#lx %#lx", hr, hr2);
    }
    else if (!strcmp(word, "notready"))
    {
        HRESULT add_hr, listen_hr;
        DWORD status = 0xdeadbeef;

        add_hr = add_record(n, &type_one, 99, 10, &guid);
        listen_hr = PeerGraphListen(n->graph, PEER_GRAPH_SCOPE_GLOBAL, 0, 0);
        hr = PeerGraphGetStatus(n->graph, &status);
        snprintf(reply, size, "notready %#lx %#lx %#lx %lu", add_hr, listen_hr, hr, status);
    }
    else if (!strcmp(word, "listen") || !strcmp(word, "nodeinfo"))
    {
        PEER_NODE_INFO *info = NULL;
        USHORT port = 0;

        hr = strcmp(word, "listen") ? S_OK : PeerGraphListen(n->graph, PEER_GRAPH_SCOPE_GLOBAL, 0, 0);
        if (hr == S_OK) hr = PeerGraphGetNodeInfo(n->graph, 0, &info);
        if (hr == S_OK)
        {
            if (info->cAddresses) port = swap16(info->pAddresses[0].sin6.sin6_port);
            snprintf(reply, size, "hr %#lx %u %llx", hr, port, info->ullNodeId);
            PeerGraphFreeData(info);
        }
        else snprintf(reply, size, "hr %#lx 0 0", hr);
    }
    else if (sscanf(line, "connect %u %99s", &u1, arg1) == 2)
    {
        PEER_ADDRESS address;
        WCHAR peer_w[100];

        loopback_address(&address, (USHORT)u1);
        to_wide(arg1, peer_w, ARRAYSIZE(peer_w));
        id = 0;
        hr = PeerGraphConnect(n->graph, strcmp(arg1, "-") ? peer_w : NULL, &address, &id);
        snprintf(reply, size, "hr %#lx %llu", hr, id);
    }
    else if (sscanf(line, "waitconn %llu %99s %llx", &id, arg1, &node) == 3)
    {
        struct match m;
        struct event_item *e;

        memset(&m, 0, sizeof(m));
        m.type = PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION;

        m.conn_id = id;
        m.node_id = node;
        m.up = !strcmp(arg1, "up");
        if ((e = wait_event(n, &m, WAIT_MS)))
            snprintf(reply, size, "conn %llu %llx %d %#lx", e->conn_id, e->node_id, e->status, e->reason);
        else snprintf(reply, size, "timeout");
    }
    else if (sscanf(line, "waitstatus %u", &u1) == 1)
    {
        struct match m;
        struct event_item *e;

        memset(&m, 0, sizeof(m));
        m.type = PEER_GRAPH_EVENT_STATUS_CHANGED;

        m.mask = u1;
        if ((e = wait_event(n, &m, WAIT_MS))) snprintf(reply, size, "status %lu", e->flags);
        else snprintf(reply, size, "timeout");
    }
    else if (!strcmp(word, "status"))
    {
        DWORD status = 0xdeadbeef;

        hr = PeerGraphGetStatus(n->graph, &status);
        snprintf(reply, size, "hr %#lx %lu", hr, status);
    }
    else if (sscanf(line, "add %99s %u %u", arg1, &u1, &u2) == 3)
    {
        hr = add_record(n, strcmp(arg1, "one") ? &type_two : &type_one, u1, u2, &guid);
        snprintf(reply, size, "hr %#lx %s", hr, guid_str(&guid));
    }
    else if (sscanf(line, "update %99s %u %u", arg1, &u1, &u2) == 3 && str_to_guid(arg1, &guid))
        snprintf(reply, size, "hr %#lx", update_record(n, &guid, u1, u2));
    else if (sscanf(line, "delete %99s", arg1) == 1 && str_to_guid(arg1, &guid))
        snprintf(reply, size, "hr %#lx", PeerGraphDeleteRecord(n->graph, &guid, FALSE));
    else if (sscanf(line, "%31s %99s %u %u %99s %99s", word, arg1, &u1, &u2, arg2, arg3) == 6 &&
             (!strcmp(word, "get") || !strcmp(word, "poll")))
        command_get(n, arg1, u1, u2, arg2, arg3, !strcmp(word, "poll"), reply, size);
    else if (sscanf(line, "addmany %99s %u %u %u", arg1, &u1, &u2, &u3) == 4)
    {
        unsigned int i;

        hr = S_OK;
        for (i = 0; i < u2 && hr == S_OK; i++)
            hr = add_record(n, strcmp(arg1, "one") ? &type_two : &type_one, u1 + i, u3, &guid);
        snprintf(reply, size, "hr %#lx %u", hr, i - (hr != S_OK));
    }
    else if (sscanf(line, "waitenum %u", &u1) == 1)
    {
        DWORD deadline = GetTickCount() + bounded(WAIT_MS);
        unsigned int count;

        for (;;)
        {
            command_enumrec(n, reply, size);
            if (sscanf(reply, "enum %*x %u", &count) != 1 || count == u1 ||
                (LONG)(deadline - GetTickCount()) <= 0)
                break;
            Sleep(20);
        }
    }
    else if (sscanf(line, "waitrec %99s %u", arg1, &u1) == 2 && str_to_guid(arg1, &guid))
    {
        struct match m;
        struct event_item *e;

        memset(&m, 0, sizeof(m));
        m.type = PEER_GRAPH_EVENT_RECORD_CHANGED;

        m.record_id = &guid;
        m.change = u1;
        if (sscanf(line, "waitrec %*s %*u %u", &u2) != 1 || u2 > WAIT_MS) u2 = WAIT_MS;
        if ((e = wait_event(n, &m, u2))) snprintf(reply, size, "rec %s %d", guid_str(&e->record_type), e->change);
        else snprintf(reply, size, "timeout");
    }
    else if (sscanf(line, "enumnodes %99s", arg1) == 1)
    {
        WCHAR peer_w[100];

        to_wide(arg1, peer_w, ARRAYSIZE(peer_w));
        command_enumnodes(n, strcmp(arg1, "-") ? peer_w : NULL, reply, size);
    }
    else if (sscanf(line, "waitnodes %99s", arg1) == 1)
    {
        DWORD deadline;

        if (sscanf(line, "waitnodes %*s %u", &u2) != 1 || u2 > WAIT_MS) u2 = WAIT_MS;
        deadline = GetTickCount() + bounded(u2);
        for (;;)
        {
            command_enumnodes(n, NULL, reply, size);
            if (nodes_listed(reply, arg1) || (LONG)(deadline - GetTickCount()) <= 0) break;
            Sleep(20);
        }
    }
    else if (sscanf(line, "getnode %llx", &node) == 1)
        command_getnode(n, node, reply, size);
    else if (sscanf(line, "pollnode %llx %99s", &node, arg1) == 2)
    {
        const char *last;
        DWORD deadline;

        if (sscanf(line, "pollnode %*s %*s %u", &u2) != 1 || u2 > WAIT_MS) u2 = WAIT_MS;
        deadline = GetTickCount() + bounded(u2);
        for (;;)
        {
            command_getnode(n, node, reply, size);
            last = strrchr(reply, ',');
            if ((last && !strcmp(last + 1, arg1)) || (LONG)(deadline - GetTickCount()) <= 0) break;
            Sleep(20);
        }
    }
    else if (sscanf(line, "waitnode %llx %u", &node, &u1) == 2)
    {
        struct match m;
        struct event_item *e;

        memset(&m, 0, sizeof(m));
        m.type = PEER_GRAPH_EVENT_NODE_CHANGED;
        m.node_id = node;
        m.change = u1;
        if (sscanf(line, "waitnode %*s %*u %u", &u2) != 1 || u2 > WAIT_MS) u2 = WAIT_MS;
        if ((e = wait_event(n, &m, u2)))
            snprintf(reply, size, "nodechange %d %llx %s %d", e->node_change, e->node_id, e->peer[0] ? e->peer : "-",
                     e->size_ok);
        else snprintf(reply, size, "timeout");
    }
    else if (sscanf(line, "countnode %llx", &node) == 1)
    {
        unsigned int i, count = 0;

        drain_events(n);
        for (i = 0; i < n->count; i++)
            if (!n->events[i].used && n->events[i].type == PEER_GRAPH_EVENT_NODE_CHANGED &&
                n->events[i].node_id == node)
                count++;
        snprintf(reply, size, "count %u", count);
    }
    else if (sscanf(line, "setattr %u", &u1) == 1)
    {
        char utf8[256];
        WCHAR attributes[256];

        make_node_attributes(u1, utf8, sizeof(utf8));
        to_wide(utf8, attributes, ARRAYSIZE(attributes));
        snprintf(reply, size, "hr %#lx", PeerGraphSetNodeAttributes(n->graph, u1 ? attributes : NULL));
    }
    else if (sscanf(line, "setpresence %u", &u1) == 1)
        snprintf(reply, size, "hr %#lx", PeerGraphSetPresence(n->graph, u1 != 0));
    else if (!strcmp(word, "enumrec"))
        command_enumrec(n, reply, size);
    else if (!strcmp(word, "enumconn"))
    {
        if (sscanf(line, "enumconn %u", &u1) != 1) u1 = PEER_CONNECTION_NEIGHBOR;
        command_enumconn(n, u1, reply, size);
    }
    else if (sscanf(line, "send %llu %u %u", &id, &u1, &u2) == 3)
    {
        BYTE *data = malloc(u1 ? u1 : 1);

        fill_pattern(data, u1, u2);
        hr = PeerGraphSendData(n->graph, id, &data_type, u1, data);
        free(data);
        snprintf(reply, size, "hr %#lx", hr);
    }
    else if (sscanf(line, "expect %u %u", &u1, &u2) == 2)
    {
        struct match m;
        struct event_item *e;

        memset(&m, 0, sizeof(m));
        m.type = PEER_GRAPH_EVENT_INCOMING_DATA;

        if ((e = wait_event(n, &m, WAIT_MS)))
        {
            PEER_EVENT_INCOMING_DATA *in = &e->data->incomingData;
            DWORD got = in->data.cbData;

            snprintf(reply, size, "data %llu %d %lu %lu", in->ullConnectionId, IsEqualGUID(&in->type, &data_type),
                     got, count_mismatches(in->data.pbData, min(got, u1), u2, NULL));
            PeerGraphFreeData(e->data);
            e->data = NULL;
        }
        else snprintf(reply, size, "timeout");
    }
    else if (!strcmp(word, "pending"))
    {
        unsigned int data = unused_events(n, PEER_GRAPH_EVENT_INCOMING_DATA);
        unsigned int conn = unused_events(n, PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION);
        unsigned int rec = unused_events(n, PEER_GRAPH_EVENT_RECORD_CHANGED);
        unsigned int nodes = unused_events(n, PEER_GRAPH_EVENT_NODE_CHANGED);

        snprintf(reply, size, "pending %u %u %u %u %u", data, conn, rec, n->other_events, nodes);
    }
    else if (!strcmp(word, "forget"))
    {
        unsigned int i, count = 0;

        drain_events(n);
        for (i = 0; i < n->count; i++)
            if (!n->events[i].used && n->events[i].type == PEER_GRAPH_EVENT_RECORD_CHANGED)
            {
                n->events[i].used = TRUE;
                count++;
            }
        snprintf(reply, size, "forgot %u", count);
    }
    else if (!strcmp(word, "failures"))
        snprintf(reply, size, "failures %ld", p2ptest_failed);
    else if (!strcmp(word, "close"))
    {
        hr = PeerGraphClose(n->graph);
        unregister_events(n);
        n->graph = NULL;
        snprintf(reply, size, "hr %#lx", hr);
    }
    else
    {
        ok(0, "unknown command \"%s\"\n", line);
        snprintf(reply, size, "unknown");
    }
}

/* ---------------------------------------------------------------------------------------
 * A child: a node driven over the pipe.
 */

static void run_child(const char *pipe_name, const char *graph_id, const char *peer_id, const char *db_name)
{
    static char line[LINE_SIZE], reply[LINE_SIZE];
    PEER_VERSION_DATA version;
    DWORD got, written;
    struct node n;
    HANDLE pipe;
    HRESULT hr;

    p2ptest_name = "neighbor child";
    /* the parent's deadline rules; this one only stops a child left behind */
    run_deadline = GetTickCount() + RUN_MS + 2 * WAIT_MS;
    pipe = open_parent_pipe(pipe_name, peer_id);
    if (pipe == INVALID_HANDLE_VALUE) return;

    init_node(&n, graph_id, peer_id, db_name);
    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    ok(hr == S_OK, "%s: PeerGraphStartup returned %#lx\n", peer_id, hr);
    snprintf(reply, sizeof(reply), "hello %#lx", hr);
    WriteFile(pipe, reply, strlen(reply), &written, NULL);

    while (ReadFile(pipe, line, sizeof(line) - 1, &got, NULL))
    {
        line[got] = 0;
        if (!strcmp(line, "exit")) break;
        node_command(&n, line, reply, sizeof(reply));
        WriteFile(pipe, reply, strlen(reply), &written, NULL);
    }

    unregister_events(&n);
    if (n.graph)
    {
        hr = PeerGraphClose(n.graph);
        ok(hr == S_OK, "%s: PeerGraphClose returned %#lx\n", peer_id, hr);
    }
    hr = PeerGraphDelete(n.graph_id, n.peer_id, n.db_name);
    ok(hr == S_OK, "%s: PeerGraphDelete returned %#lx\n", peer_id, hr);
    hr = PeerGraphShutdown();
    ok(hr == S_OK, "%s: PeerGraphShutdown returned %#lx\n", peer_id, hr);
    CloseHandle(n.event);
    strcpy(reply, "bye");
    WriteFile(pipe, reply, strlen(reply), &written, NULL);
    CloseHandle(pipe);
}

/* ---------------------------------------------------------------------------------------
 * The parent: node A itself, B and C through their pipes.
 */

struct peer
{
    const char *name;            /* "A", "B", "C"; "A0", "D" in the graph without presence */
    const char *graph_id;
    char peer_id[32];
    char db_name[200];
    struct node *local;          /* A: the node in this process */
    struct child_process proc;
    char *answer;
    USHORT port;                 /* host byte order, 0 = not listening */
    ULONGLONG node_id;
    DWORD attr_seed;             /* its node attributes (make_node_attributes), 0 = none */
};

static char graph_id[128], quiet_graph_id[128];
static struct node node_a, node_a0;
static struct peer peer_a, peer_b, peer_c, peer_a0, peer_d;

static BOOL pipe_write(struct peer *p, const char *line)
{
    BOOL ret = child_process_send(&p->proc, line, WAIT_MS);

    /* failures only: how many commands a polling check sends depends on timing */
    if (!ret) ok(0, "%s: cannot send \"%s\": %lu\n", p->name, line, GetLastError());
    return ret;
}

static const char *pipe_read(struct peer *p, DWORD timeout)
{
    if (!child_process_receive(&p->proc, p->answer, LINE_SIZE, timeout))
        ok(0, "%s: no answer within %lu ms\n", p->name, timeout);
    return p->answer;
}

/* One command to a node; its answer ("" if none came) stays valid until the next call
 * to the same node. */
static const char *call(struct peer *p, const char *format, ...) P2PTEST_PRINTF(2, 3);
static const char *call(struct peer *p, const char *format, ...)
{
    char line[1024];
    va_list args;

    va_start(args, format);
    vsnprintf(line, sizeof(line), format, args);
    va_end(args);
    if (p->local)
    {
        node_command(p->local, line, p->answer, LINE_SIZE);
        return p->answer;
    }
    if (!child_process_running(&p->proc)) return strcpy(p->answer, "");
    if (!pipe_write(p, line)) return strcpy(p->answer, "");
    /* the node's own waits are bounded by WAIT_MS; leave it time to answer */
    return pipe_read(p, WAIT_MS + 5000);
}

/* A command to a child that runs while this process does something else; call_end() gets
 * the answer. */
static BOOL call_begin(struct peer *p, const char *line)
{
    return child_process_running(&p->proc) && pipe_write(p, line);
}

static const char *call_end(struct peer *p)
{
    return pipe_read(p, WAIT_MS + 5000);
}

static HRESULT call_hr(struct peer *p, const char *format, ...) P2PTEST_PRINTF(2, 3);
static HRESULT call_hr(struct peer *p, const char *format, ...)
{
    char line[1024];
    va_list args;

    va_start(args, format);
    vsnprintf(line, sizeof(line), format, args);
    va_end(args);
    return answer_hr(call(p, "%s", line));
}

static void init_peer(struct peer *p, const char *name, const char *peer_id, const char *graph)
{
    memset(p, 0, sizeof(*p));
    p->name = name;
    snprintf(p->proc.name, sizeof(p->proc.name), "%s", name);
    p->graph_id = graph;
    strcpy(p->peer_id, peer_id);
    snprintf(p->db_name, sizeof(p->db_name), "%s-%s.db", graph, peer_id);
    p->answer = malloc(LINE_SIZE);
    p->answer[0] = 0;
}

static BOOL start_child(struct peer *p)
{
    char pipe_name[160];
    HRESULT hr;

    snprintf(pipe_name, sizeof(pipe_name), "\\\\.\\pipe\\p2ptest-neighbor-%lu-%s", GetCurrentProcessId(), p->name);
    if (!child_process_start(&p->proc, pipe_name, LINE_SIZE, WAIT_MS, "nbchild %s %s %s %s", pipe_name, p->graph_id,
                             p->peer_id, p->db_name))
        return FALSE;
    if (sscanf(pipe_read(p, WAIT_MS), "hello %lx", &hr) != 1) hr = 0xdeadbeef;
    ok(hr == S_OK, "%s: not started: \"%s\"\n", p->name, p->answer);
    return hr == S_OK;
}

/* Removes the graph data of a child that could not do it itself. */
static void delete_child_graph(struct peer *p)
{
    WCHAR graph_id_w[128], peer_w[64], db_w[200];
    HRESULT hr;

    to_wide(p->graph_id, graph_id_w, ARRAYSIZE(graph_id_w));
    to_wide(p->peer_id, peer_w, ARRAYSIZE(peer_w));
    to_wide(p->db_name, db_w, ARRAYSIZE(db_w));
    hr = PeerGraphDelete(graph_id_w, peer_w, db_w);
    ok(hr == S_OK, "PeerGraphDelete of %s's graph returned %#lx\n", p->name, hr);
}

/* Asks the child to finish (it closes and deletes its graph) and checks it had no failure. */
static void finish_child(struct peer *p)
{
    if (!p->proc.process) return;
    /* Checked only when it fails, as the per-item checks below: whether the child still runs
     * depends on timing, and a conformance run's check count must not. */
    if (child_process_running(&p->proc) && pipe_write(p, "exit") && strcmp(pipe_read(p, WAIT_MS), "bye"))
        ok(0, "%s did not say goodbye: \"%s\"\n", p->name, p->answer);
    if (child_process_wait_exit(&p->proc, WAIT_MS)) delete_child_graph(p);
}

/* Ends a child the hard way and removes its graph's data for it. */
static void kill_child(struct peer *p)
{
    if (!p->proc.process) return;
    /* what failed in the child would go unnoticed with it */
    ok(!strcmp(call(p, "failures"), "failures 0"), "%s: checks failed before the kill: \"%s\"\n", p->name,
       p->answer);
    child_process_kill(&p->proc, WAIT_MS);
    delete_child_graph(p);
}

/* ---------------------------------------------------------------------------------------
 * Checks.
 */

/* One record known to the test: where it came from and what it must contain. */
struct rec
{
    const char *name;
    GUID id;
    char id_text[40];
    const GUID *type;
    const char *type_name;
    DWORD seed, size;
    struct peer *creator;
    struct peer *modifier;       /* who wrote the current version */
    DWORD version;               /* as last seen */
};

static void status_of(struct peer *p, DWORD *status)
{
    HRESULT hr;

    *status = 0xdeadbeef;
    if (sscanf(call(p, "status"), "hr %lx %lu", &hr, status) != 2) hr = 0xdeadbeef;
    ok(hr == S_OK, "%s: PeerGraphGetStatus: \"%s\"\n", p->name, p->answer);
}

static void check_status(struct peer *p, DWORD must_have, DWORD must_not_have, const char *what)
{
    DWORD status;

    status_of(p, &status);
    ok((status & must_have) == must_have && !(status & must_not_have),
       "%s: %s: status %#lx, expected %#lx set and %#lx clear\n", p->name, what, status, must_have, must_not_have);
}

static BOOL add(struct peer *p, struct rec *r, const char *name, const GUID *type, DWORD seed, DWORD size)
{
    HRESULT hr;

    memset(r, 0, sizeof(*r));
    r->name = name;
    r->type = type;
    r->type_name = type == &type_one ? "one" : "two";
    r->seed = seed;
    r->size = size;
    r->creator = r->modifier = p;
    if (sscanf(call(p, "add %s %lu %lu", r->type_name, seed, size), "hr %lx %39s", &hr, r->id_text) != 2)
        hr = 0xdeadbeef;
    ok(hr == S_OK, "%s: PeerGraphAddRecord(%s): \"%s\"\n", p->name, name, p->answer);
    return hr == S_OK && str_to_guid(r->id_text, &r->id);
}

static BOOL update(struct peer *p, struct rec *r, DWORD seed, DWORD size)
{
    HRESULT hr = call_hr(p, "update %s %lu %lu", r->id_text, seed, size);

    ok(hr == S_OK, "%s: PeerGraphUpdateRecord(%s) returned %#lx\n", p->name, r->name, hr);
    if (hr != S_OK) return FALSE;
    r->seed = seed;
    r->size = size;
    r->modifier = p;
    return TRUE;
}

static BOOL delete_rec(struct peer *p, struct rec *r)
{
    HRESULT hr = call_hr(p, "delete %s", r->id_text);

    ok(hr == S_OK, "%s: PeerGraphDeleteRecord(%s) returned %#lx\n", p->name, r->name, hr);
    return hr == S_OK;
}

/* Waits on p for a RECORD_CHANGED of the record (change 0: any), up to timeout ms, and
 * checks its type. */
static void wait_change_ms(struct peer *p, struct rec *r, int change, DWORD timeout, const char *what)
{
    const char *answer = call(p, "waitrec %s %d %lu", r->id_text, change, timeout);
    char type[40];
    int got_change = 0;

    if (sscanf(answer, "rec %39s %d", type, &got_change) != 2)
    {
        ok(0, "%s: %s: no RECORD_CHANGED(%d) for %s: \"%s\"\n", p->name, what, change, r->name, answer);
        return;
    }
    ok(!strcmp(type, guid_str(r->type)), "%s: %s: RECORD_CHANGED for %s with record type %s\n", p->name, what,
       r->name, type);
}

static void wait_change(struct peer *p, struct rec *r, int change, const char *what)
{
    wait_change_ms(p, r, change, WAIT_MS, what);
}

/* The record must be on every node in nodes[], byte for byte what its seed makes, with the
 * same fields everywhere; returns the version (0 on a failure).  With poll, each node is given
 * WAIT_MS to get there. */
static DWORD check_record_poll(struct peer **nodes, unsigned int count, struct rec *r, BOOL poll, const char *what)
{
    const char *first = NULL;
    unsigned int i;
    DWORD version = 0;

    for (i = 0; i < count; i++)
    {
        const char *answer = call(nodes[i], "%s %s %lu %lu %s %s", poll ? "poll" : "get", r->id_text, r->seed,
                                  r->size, r->creator->peer_id, r->modifier->peer_id);
        HRESULT hr;
        int content_ok = 0, skip_chars = 0;

        if (sscanf(answer, "hr %lx %d %n", &hr, &content_ok, &skip_chars) < 1) hr = 0xdeadbeef;
        ok(hr == S_OK, "%s: %s: PeerGraphGetRecord(%s) returned %#lx\n", nodes[i]->name, what, r->name, hr);
        if (hr != S_OK || !skip_chars) continue;
        ok(content_ok, "%s: %s: record %s does not hold what seed %lu by %s makes: %.300s\n", nodes[i]->name,
           what, r->name, r->seed, r->modifier->peer_id, answer + skip_chars);
        if (!first)
        {
            first = answer + skip_chars;
            version = strtoul(first, NULL, 10);
        }
        else
            ok(!strcmp(first, answer + skip_chars), "%s: %s: record %s differs from %s's:\n  %.400s\n  %.400s\n",
               nodes[i]->name, what, r->name, nodes[0]->name, answer + skip_chars, first);
    }
    return version;
}

static DWORD check_record(struct peer **nodes, unsigned int count, struct rec *r, const char *what)
{
    return check_record_poll(nodes, count, r, FALSE, what);
}

static void check_gone(struct peer **nodes, unsigned int count, struct rec *r, const char *what)
{
    unsigned int i;

    for (i = 0; i < count; i++)
    {
        HRESULT hr = call_hr(nodes[i], "get %s 0 0 - -", r->id_text);

        ok(hr == PEER_E_RECORD_NOT_FOUND, "%s: %s: PeerGraphGetRecord(%s) returned %#lx, expected not found\n",
           nodes[i]->name, what, r->name, hr);
    }
}

/* EnumRecords must give expected records, the same everywhere; with wait, each node is
 * given WAIT_MS to get to that many. */
static void check_enum_wait(struct peer **nodes, unsigned int count, unsigned int expected, BOOL wait,
                            const char *what)
{
    char first[100] = "";
    unsigned int i, got;
    char hash[40];
    HRESULT hr;

    for (i = 0; i < count; i++)
    {
        const char *answer = wait ? call(nodes[i], "waitenum %u", expected) : call(nodes[i], "enumrec");

        if (sscanf(answer, "enum %lx %u %39s", &hr, &got, hash) != 3) hr = 0xdeadbeef;
        ok(hr == S_OK && got == expected, "%s: %s: EnumRecords: \"%s\", expected %u records\n", nodes[i]->name,
           what, answer, expected);
        if (!i) snprintf(first, sizeof(first), "%u %s", got, hash);
        else
        {
            char mine[100];

            snprintf(mine, sizeof(mine), "%u %s", got, hash);
            ok(!strcmp(mine, first), "%s: %s: EnumRecords (count hash) %s, %s has %s\n", nodes[i]->name, what, mine,
               nodes[0]->name, first);
        }
    }
}

static void check_enum(struct peer **nodes, unsigned int count, unsigned int expected, const char *what)
{
    check_enum_wait(nodes, count, expected, FALSE, what);
}

/* Waits on p for a NEIGHBOR_CONNECTION; returns the connection id (0 on a failure). */
static ULONGLONG wait_conn(struct peer *p, ULONGLONG id, PEER_CONNECTION_STATUS expect, ULONGLONG expect_node,
                           const char *what)
{
    /* without a connection id, only an event about the expected node is taken: graph
     * maintenance may make connections of its own */
    const char *answer = call(p, "waitconn %llu %s %llx", id, expect == PEER_CONNECTED ? "up" : "down",
                              id ? 0 : expect_node);
    ULONGLONG got_id = 0, node = 0;
    HRESULT reason = 0;
    int status = 0;

    if (sscanf(answer, "conn %llu %llx %d %lx", &got_id, &node, &status, &reason) != 4)
    {
        ok(0, "%s: %s: no NEIGHBOR_CONNECTION event: \"%s\"\n", p->name, what, answer);
        return 0;
    }
    ok(status == (int)expect, "%s: %s: status %d, expected %d, reason %#lx\n", p->name, what, status, expect, reason);
    ok(!id || got_id == id, "%s: %s: connection id %llu, expected %llu\n", p->name, what, got_id, id);
    ok(got_id != 0, "%s: %s: connection id 0\n", p->name, what);
    if (expect_node)
        ok(node == expect_node, "%s: %s: node id %llx, expected %llx\n", p->name, what, node, expect_node);
    return got_id;
}

static ULONGLONG connect_to(struct peer *p, struct peer *to, const char *peer_id, HRESULT expect, const char *what)
{
    ULONGLONG id = 0;
    HRESULT hr;

    if (sscanf(call(p, "connect %u %s", to->port, peer_id), "hr %lx %llu", &hr, &id) != 2) hr = 0xdeadbeef;
    ok(hr == expect, "%s: %s: PeerGraphConnect returned %#lx, expected %#lx\n", p->name, what, hr, expect);
    if (hr == S_OK) ok(id != 0, "%s: %s: connection id 0\n", p->name, what);
    return hr == S_OK ? id : 0;
}

static BOOL wait_synchronized(struct peer *p, const char *what)
{
    const char *answer = call(p, "waitstatus %u", PEER_GRAPH_STATUS_SYNCHRONIZED);
    DWORD flags;

    ok(sscanf(answer, "status %lu", &flags) == 1,
       "%s: %s: no STATUS_CHANGED with PEER_GRAPH_STATUS_SYNCHRONIZED: \"%s\"\n", p->name, what, answer);
    return !strncmp(answer, "status", 6);
}

static BOOL listen_on(struct peer *p, const char *what)
{
    HRESULT hr;
    unsigned int port = 0;

    if (sscanf(call(p, "listen"), "hr %lx %u %llx", &hr, &port, &p->node_id) != 3) hr = 0xdeadbeef;
    ok(hr == S_OK, "%s: %s: PeerGraphListen/GetNodeInfo: \"%s\"\n", p->name, what, p->answer);
    ok(port != 0, "%s: %s: listening on port 0\n", p->name, what);
    p->port = port;
    return hr == S_OK && port;
}

static void read_node_id(struct peer *p)
{
    HRESULT hr;
    unsigned int port;

    if (sscanf(call(p, "nodeinfo"), "hr %lx %u %llx", &hr, &port, &p->node_id) != 3) hr = 0xdeadbeef;
    ok(hr == S_OK, "%s: PeerGraphGetNodeInfo: \"%s\"\n", p->name, p->answer);
    ok(p->node_id != 0, "%s: node id 0\n", p->name);
}

struct conn_item
{
    ULONGLONG id, node;
    unsigned long flags;
    int loopback;
    unsigned int port;
    char peer[100];
};

/* p's neighbor connections (up to max of them); the number, -1 on a failure.  The flags and
 * the address of each are checked. */
static int list_neighbors(struct peer *p, struct conn_item *items, unsigned int max, const char *what)
{
    const char *answer = call(p, "enumconn"), *item;
    unsigned int got = 0, parsed = 0;
    HRESULT hr;
    int pos = 0;

    if (sscanf(answer, "enum %lx %u%n", &hr, &got, &pos) != 2) hr = 0xdeadbeef;
    ok(hr == S_OK, "%s: %s: PeerGraphEnumConnections: \"%s\"\n", p->name, what, answer);
    ok(!strstr(answer, "MISMATCH"), "%s: %s: GetItemCount differs from the items: \"%s\"\n", p->name, what, answer);
    if (hr != S_OK) return -1;
    for (item = answer + pos; *item == ' ' && parsed < max; parsed++)
    {
        struct conn_item *c = &items[parsed];
        int len = 0;

        if (sscanf(item, " %llu,%lu,%llx,%d,%u,%99[^ ]%n", &c->id, &c->flags, &c->node, &c->loopback, &c->port,
                   c->peer, &len) != 6)
            break;
        item += len;
        /* One check per connection, and graph maintenance decides how many there are: reported
         * only when they fail, so that the number of checks does not depend on timing. */
        if (c->flags != PEER_CONNECTION_NEIGHBOR)
            ok(0, "%s: %s: connection %llu has flags %#lx\n", p->name, what, c->id, c->flags);
        if (!c->loopback) ok(0, "%s: %s: connection %llu is not to ::1\n", p->name, what, c->id);
    }
    ok(parsed == got || parsed == max, "%s: %s: unreadable connection list \"%s\"\n", p->name, what, answer);
    return got;
}

/* p's neighbor connections include each of peers[] once, with its node id and the connection
 * id in ids[] (0: not checked); with exact, there are no others.  Graph maintenance may add
 * connections of its own ([MS-PPGRH] 3.1.7.14): only a node that has every other node as
 * its neighbor is checked with exact. */
static void check_neighbors(struct peer *p, BOOL exact, unsigned int count, struct peer **peers,
                            const ULONGLONG *ids, const char *what)
{
    struct conn_item items[8];
    unsigned int found, i, j;
    int got = list_neighbors(p, items, ARRAYSIZE(items), what);

    if (got < 0) return;
    if (exact) ok(got == (int)count, "%s: %s: %d neighbor connections, expected %u\n", p->name, what, got, count);
    else ok(got >= (int)count, "%s: %s: %d neighbor connections, expected %u or more\n", p->name, what, got, count);
    for (i = 0; i < count; i++)
    {
        for (j = found = 0; j < (unsigned int)got && j < ARRAYSIZE(items); j++)
        {
            if (strcmp(items[j].peer, peers[i]->peer_id)) continue;
            found++;
            ok(items[j].node == peers[i]->node_id, "%s: %s: connection to %s has node id %llx, expected %llx\n",
               p->name, what, items[j].peer, items[j].node, peers[i]->node_id);
            if (ids && ids[i])
                ok(items[j].id == ids[i], "%s: %s: connection to %s has id %llu, expected %llu\n", p->name, what,
                   items[j].peer, items[j].id, ids[i]);
        }
        ok(found == 1, "%s: %s: %u connections to %s, expected one\n", p->name, what, found, peers[i]->peer_id);
    }
}

/* After gone left: p has no connection to it, has the status flags must_have, and
 * HAS_CONNECTIONS says whether it has any neighbor left (graph maintenance may have
 * connected it elsewhere). */
static void check_left(struct peer *p, struct peer *gone, DWORD must_have, const char *what)
{
    struct conn_item items[8];
    int before, after, i;
    DWORD status;

    before = list_neighbors(p, items, ARRAYSIZE(items), what);
    for (i = 0; i < before && i < (int)ARRAYSIZE(items); i++)
        if (!strcmp(items[i].peer, gone->peer_id))
            ok(0, "%s: %s: still connected to %s (%llu)\n", p->name, what, gone->peer_id, items[i].id);
    status_of(p, &status);
    after = list_neighbors(p, items, ARRAYSIZE(items), what);
    ok((status & must_have) == must_have, "%s: %s: status %#lx, expected %#lx set\n", p->name, what, status,
       must_have);
    /* a connection that came or went in between proves nothing */
    if (before == after && before >= 0 && !(status & PEER_GRAPH_STATUS_HAS_CONNECTIONS) != !before)
        ok(0, "%s: %s: status %#lx with %d neighbor connections\n", p->name, what, status, before);
}

static void send_and_expect(struct peer *from, ULONGLONG from_id, struct peer *to, ULONGLONG to_id, DWORD size,
                            DWORD seed)
{
    ULONGLONG got_id = 0;
    unsigned long got_size = 0, bad = 0;
    int type_ok = 0;
    const char *answer;
    HRESULT hr;

    hr = call_hr(from, "send %llu %lu %lu", from_id, size, seed);
    ok(hr == S_OK, "%s: PeerGraphSendData(%lu bytes to %s) returned %#lx\n", from->name, size, to->name, hr);
    if (hr != S_OK) return;
    answer = call(to, "expect %lu %lu", size, seed);
    if (sscanf(answer, "data %llu %d %lu %lu", &got_id, &type_ok, &got_size, &bad) != 4)
    {
        ok(0, "%s: no INCOMING_DATA from %s: \"%s\"\n", to->name, from->name, answer);
        return;
    }
    ok(got_id == to_id, "%s: data from %s on connection %llu, expected %llu\n", to->name, from->name, got_id, to_id);
    ok(type_ok, "%s: data from %s with the wrong type\n", to->name, from->name);
    ok(got_size == size, "%s: %lu bytes from %s, expected %lu\n", to->name, got_size, from->name, size);
    ok(!bad, "%s: %lu bytes from %s differ\n", to->name, bad, from->name);
}

static void check_no_data(struct peer *p, const char *what)
{
    unsigned int data = 99, conn, rec, other;

    ok(sscanf(call(p, "pending"), "pending %u %u %u %u", &data, &conn, &rec, &other) == 4 && !data,
       "%s: %s: unexpected INCOMING_DATA: \"%s\"\n", p->name, what, p->answer);
}

/* ---------------------------------------------------------------------------------------
 * Nodes and presence checks.
 */

/* How long the node checks wait for what they expect: WAIT_MS, less where an earlier check
 * already showed that it cannot come (keeps a failing run short). */
static DWORD patience = WAIT_MS;

/* A node that was killed: its Presence record stays until it expires, so a node may or may
 * not list it. */
static ULONGLONG killed_node;

struct node_item
{
    ULONGLONG node;
    char peer[64];
    unsigned int addresses, port;
    int same_port, loopback, sizes_ok;
    char attributes[2048];
};

static BOOL parse_node(const char **text, struct node_item *item)
{
    int len = 0;

    if (sscanf(*text, " %llx,%63[^,],%u,%u,%d,%d,%d,%2047[^ ]%n", &item->node, item->peer, &item->addresses,
               &item->port, &item->same_port, &item->loopback, &item->sizes_ok, item->attributes, &len) != 8 || !len)
        return FALSE;
    *text += len;
    return TRUE;
}

static const char *node_change_name(int change)
{
    switch (change)
    {
    case PEER_NODE_CHANGE_CONNECTED: return "PEER_NODE_CHANGE_CONNECTED";
    case PEER_NODE_CHANGE_DISCONNECTED: return "PEER_NODE_CHANGE_DISCONNECTED";
    case PEER_NODE_CHANGE_UPDATED: return "PEER_NODE_CHANGE_UPDATED";
    }
    return "?";
}

/* A node as p sees it must be what about says of itself: its node id and peer id, at least
 * one address, each with the port about listens on, ::1 among them, and about's attributes. */
static void check_node_item(struct peer *p, const struct node_item *item, struct peer *about, const char *what)
{
    char attributes[2048];

    node_attributes_hex(about->attr_seed, attributes, sizeof(attributes));
    ok(item->node == about->node_id, "%s: %s: %s's node has id %llx, expected %llx\n", p->name, what, about->name,
       item->node, about->node_id);
    ok(!strcmp(item->peer, about->peer_id), "%s: %s: node %llx has peer id \"%s\", expected \"%s\"\n", p->name, what,
       item->node, item->peer, about->peer_id);
    ok(item->addresses >= 1, "%s: %s: %s's node %llx has no address\n", p->name, what, about->name, item->node);
    ok(item->port == about->port && item->same_port,
       "%s: %s: %s's node %llx has port %u (on every address: %d), %s listens on %u\n", p->name, what, about->name,
       item->node, item->port, item->same_port, about->name, about->port);
    ok(item->loopback, "%s: %s: ::1 is not among the addresses of %s's node %llx\n", p->name, what, about->name,
       item->node);
    ok(item->sizes_ok, "%s: %s: PEER_NODE_INFO or PEER_ADDRESS of %s's node with a wrong dwSize\n", p->name, what,
       about->name);
    ok(!strcmp(item->attributes, attributes), "%s: %s: %s's node has attributes %s, expected %s (UTF-8 in hex, - for "
       "none)\n", p->name, what, about->name, item->attributes, attributes);
}

/* p's PeerGraphEnumNodes(NULL), once it lists all of expected[] (up to WAIT_MS): each of
 * them once and right; no other node but (maybe: not documented) p itself. */
static void check_nodes(struct peer *p, struct peer **expected, unsigned int count, const char *what)
{
    struct node_item item;
    unsigned int i, listed = 0, found[4] = {0};
    const char *answer, *rest;
    char ids[200] = "";
    size_t len = 0;
    HRESULT hr;
    int pos = 0;

    for (i = 0; i < count; i++)
        len += snprintf(ids + len, sizeof(ids) - len, "%s%llx", i ? "," : "", expected[i]->node_id);
    answer = count ? call(p, "waitnodes %s %lu", ids, patience) : call(p, "enumnodes -");
    if (sscanf(answer, "nodes %lx %u%n", &hr, &listed, &pos) != 2) hr = 0xdeadbeef;
    ok(hr == S_OK, "%s: %s: PeerGraphEnumNodes: \"%.300s\"\n", p->name, what, answer);
    if (hr != S_OK) return;
    ok(!strstr(answer, "MISMATCH"), "%s: %s: GetItemCount differs from the items: \"%.300s\"\n", p->name, what,
       answer);
    for (rest = answer + pos; parse_node(&rest, &item);)
    {
        for (i = 0; i < count; i++)
            if (item.node == expected[i]->node_id) break;
        if (i < count)
        {
            found[i]++;
            check_node_item(p, &item, expected[i], what);
        }
        else if (item.node == p->node_id) check_node_item(p, &item, p, what);
        else if (item.node != killed_node) ok(0, "%s: %s: PeerGraphEnumNodes lists node %llx of peer %s, which is none of the graph's nodes\n",
                p->name, what, item.node, item.peer);
    }
    ok(!*rest || !strcmp(rest, " MISMATCH"), "%s: %s: unreadable node list \"%.300s\"\n", p->name, what, answer);
    for (i = 0; i < count; i++)
        ok(found[i] == 1, "%s: %s: PeerGraphEnumNodes lists %s's node %llx %u times, expected once: \"%.400s\"\n",
           p->name, what, expected[i]->name, expected[i]->node_id, found[i], answer);
}

/* Every node of nodes[] lists all the others. */
static void check_all_nodes(struct peer **nodes, unsigned int count, const char *what)
{
    struct peer *others[4];
    unsigned int i, j, k;

    for (i = 0; i < count; i++)
    {
        for (j = k = 0; j < count; j++)
            if (j != i) others[k++] = nodes[j];
        check_nodes(nodes[i], others, k, what);
    }
}

/* p's PeerGraphGetNodeInfo of about's node (about == p: of node 0); with poll, once it has
 * about's attributes (up to WAIT_MS). */
static void check_node_info(struct peer *p, struct peer *about, BOOL poll, const char *what)
{
    ULONGLONG id = about == p ? 0 : about->node_id;
    char attributes[2048];
    struct node_item item;
    const char *answer, *rest;
    HRESULT hr;
    int pos = 0;

    node_attributes_hex(about->attr_seed, attributes, sizeof(attributes));
    answer = poll ? call(p, "pollnode %llx %s %lu", id, attributes, patience) : call(p, "getnode %llx", id);
    if (sscanf(answer, "node %lx%n", &hr, &pos) != 1) hr = 0xdeadbeef;
    ok(hr == S_OK, "%s: %s: PeerGraphGetNodeInfo(%llx, %s's node) returned %#lx\n", p->name, what, id, about->name, hr);
    if (hr != S_OK) return;
    rest = answer + pos;
    if (!ok(parse_node(&rest, &item), "%s: %s: unreadable node \"%s\"\n", p->name, what, answer)) return;
    check_node_item(p, &item, about, what);
}

/* p knows no node with that id: GetNodeInfo fails, EnumNodes does not list it. */
static void check_node_unknown(struct peer *p, ULONGLONG node, const char *whose, const char *what)
{
    const char *answer;
    HRESULT hr;
    char key[40];

    if (sscanf(call(p, "getnode %llx", node), "node %lx", &hr) != 1) hr = 0xdeadbeef;
    ok(hr == PEER_E_NODE_NOT_FOUND, "%s: %s: PeerGraphGetNodeInfo(%s node %llx) returned %#lx, expected "
       "PEER_E_NODE_NOT_FOUND\n", p->name, what, whose, node, hr);
    answer = call(p, "enumnodes -");
    snprintf(key, sizeof(key), " %llx,", node);
    ok(!strncmp(answer, "nodes 0 ", 8) && !strstr(answer, key), "%s: %s: PeerGraphEnumNodes lists %s node %llx: "
       "\"%.300s\"\n", p->name, what, whose, node, answer);
}

/* PeerGraphEnumNodes(peer) on p gives about's node alone (about NULL: nothing), and perhaps
 * killed_node. */
static void check_nodes_of(struct peer *p, const char *peer, struct peer *about, const char *what)
{
    const char *answer = call(p, "enumnodes %s", peer), *rest;
    unsigned int listed = 0, parsed = 0, found = 0;
    struct node_item item;
    HRESULT hr;
    int pos = 0;

    if (sscanf(answer, "nodes %lx %u%n", &hr, &listed, &pos) != 2) hr = 0xdeadbeef;
    ok(hr == S_OK, "%s: %s: PeerGraphEnumNodes(\"%s\"): \"%.300s\"\n", p->name, what, peer, answer);
    for (rest = answer + pos; hr == S_OK && parse_node(&rest, &item); parsed++)
    {
        if (item.node == killed_node)
        {
            ok(!strcmp(item.peer, peer), "%s: %s: PeerGraphEnumNodes(\"%s\") lists a node of %s\n", p->name, what,
               peer, item.peer);
            continue;
        }
        found++;
        if (about) check_node_item(p, &item, about, what);
    }
    ok(parsed == listed, "%s: %s: PeerGraphEnumNodes(\"%s\"): \"%.300s\"\n", p->name, what, peer, answer);
    ok(found == (about ? 1 : 0), "%s: %s: PeerGraphEnumNodes(\"%s\") lists %u nodes, expected %u: \"%.300s\"\n",
       p->name, what, peer, found, about ? 1 : 0, answer);
}

/* Waits on p for a NODE_CHANGED of that kind about the node, with its peer id. */
static void wait_node_event(struct peer *p, ULONGLONG node, const char *peer_id, int change, const char *what)
{
    const char *answer = call(p, "waitnode %llx %d %lu", node, change, patience);
    char peer[64];
    ULONGLONG got_node = 0;
    int got_change = 0, size_ok = 0;

    if (sscanf(answer, "nodechange %d %llx %63s %d", &got_change, &got_node, peer, &size_ok) != 4)
    {
        ok(0, "%s: %s: no PEER_GRAPH_EVENT_NODE_CHANGED (%s) about the node %llx of %s: \"%s\"\n", p->name, what,
           node_change_name(change), node, peer_id, answer);
        return;
    }
    ok(!strcmp(peer, peer_id), "%s: %s: NODE_CHANGED (%s) about node %llx with peer id \"%s\", expected \"%s\"\n",
       p->name, what, node_change_name(change), got_node, peer, peer_id);
    ok(size_ok, "%s: %s: NODE_CHANGED with a wrong PEER_EVENT_NODE_CHANGE_DATA.dwSize\n", p->name, what);
}

static void wait_node_change(struct peer *p, struct peer *about, int change, const char *what)
{
    wait_node_event(p, about->node_id, about->peer_id, change, what);
}

/* Sets p's node attributes (seed 0: PeerGraphSetNodeAttributes(NULL)); the other nodes of
 * nodes[] see PEER_NODE_CHANGE_UPDATED and the attributes in GetNodeInfo and EnumNodes, p in
 * GetNodeInfo(0). */
static void set_node_attributes(struct peer *p, DWORD seed, struct peer **nodes, unsigned int count,
                                const char *what)
{
    HRESULT hr = call_hr(p, "setattr %lu", seed);
    unsigned int i;

    ok(hr == S_OK, "%s: PeerGraphSetNodeAttributes(%s) returned %#lx\n", p->name, what, hr);
    if (hr != S_OK) return;
    p->attr_seed = seed;
    check_node_info(p, p, FALSE, what);
    for (i = 0; i < count; i++)
    {
        if (nodes[i] == p) continue;
        wait_node_change(nodes[i], p, PEER_NODE_CHANGE_UPDATED, what);
        check_node_info(nodes[i], p, TRUE, what);
    }
    check_all_nodes(nodes, count, what);
}

/* NULL out pointers and handles that are no graph, on A's graph. */
static void test_node_arguments(void)
{
    static const HGRAPH garbage = (HGRAPH)0xdeadbeef;
    PEER_NODE_INFO *info = NULL;
    HPEERENUM peer_enum = NULL;
    HRESULT hr;

    hr = PeerGraphEnumNodes(node_a.graph, NULL, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphEnumNodes without an output pointer returned %#lx\n", hr);
    hr = PeerGraphEnumNodes(node_a.graph, L"bob", NULL);
    ok(hr == E_INVALIDARG, "PeerGraphEnumNodes(\"bob\") without an output pointer returned %#lx\n", hr);
    hr = PeerGraphGetNodeInfo(node_a.graph, 0, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphGetNodeInfo(0) without an output pointer returned %#lx\n", hr);
    hr = PeerGraphGetNodeInfo(node_a.graph, peer_b.node_id, NULL);
    ok(hr == E_INVALIDARG, "PeerGraphGetNodeInfo(B) without an output pointer returned %#lx\n", hr);

    hr = PeerGraphEnumNodes(NULL, NULL, &peer_enum);
    ok(hr == E_INVALIDARG || broken(hr == PEER_E_INVALID_GRAPH), "PeerGraphEnumNodes(NULL graph) returned %#lx\n", hr);
    hr = PeerGraphGetNodeInfo(NULL, peer_b.node_id, &info);
    ok(hr == E_INVALIDARG || broken(hr == PEER_E_INVALID_GRAPH), "PeerGraphGetNodeInfo(NULL graph) returned %#lx\n",
       hr);
    hr = PeerGraphSetNodeAttributes(NULL, L"x");
    ok(hr == E_INVALIDARG || broken(hr == PEER_E_INVALID_GRAPH),
       "PeerGraphSetNodeAttributes(NULL graph) returned %#lx\n", hr);
    hr = PeerGraphSetPresence(NULL, TRUE);
    ok(hr == E_INVALIDARG || broken(hr == PEER_E_INVALID_GRAPH), "PeerGraphSetPresence(NULL graph) returned %#lx\n",
       hr);

    hr = PeerGraphEnumNodes(garbage, NULL, &peer_enum);
    ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphEnumNodes(garbage graph) returned %#lx\n", hr);
    hr = PeerGraphGetNodeInfo(garbage, peer_b.node_id, &info);
    ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphGetNodeInfo(garbage graph) returned %#lx\n", hr);
    hr = PeerGraphSetNodeAttributes(garbage, L"x");
    ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphSetNodeAttributes(garbage graph) returned %#lx\n", hr);
    hr = PeerGraphSetPresence(garbage, TRUE);
    ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphSetPresence(garbage graph) returned %#lx\n", hr);

    /* an enumeration handle is no graph */
    hr = PeerGraphEnumNodes(node_a.graph, NULL, &peer_enum);
    ok(hr == S_OK, "PeerGraphEnumNodes returned %#lx\n", hr);
    if (hr == S_OK)
    {
        hr = PeerGraphGetNodeInfo((HGRAPH)peer_enum, 0, &info);
        ok(hr == PEER_E_INVALID_GRAPH, "PeerGraphGetNodeInfo(enumeration handle) returned %#lx\n", hr);
        PeerGraphEndEnumeration(peer_enum);
    }
}

/* ---------------------------------------------------------------------------------------
 * The scenario.
 */

/* Polls the record on every node until all hold the same (up to WAIT_MS); TRUE if they do. */
static BOOL wait_same_record(struct peer **nodes, unsigned int count, struct rec *r)
{
    DWORD deadline = GetTickCount() + bounded(WAIT_MS);
    char *first = malloc(LINE_SIZE);
    unsigned int i;
    BOOL same;

    do
    {
        same = TRUE;
        for (i = 0; i < count && same; i++)
        {
            const char *answer = call(nodes[i], "get %s 0 0 - -", r->id_text);

            if (strncmp(answer, "hr 0 ", 5)) same = FALSE;
            else if (!i) strcpy(first, answer);
            else same = !strcmp(first, answer);
        }
        if (!same) Sleep(20);
    } while (!same && (LONG)(deadline - GetTickCount()) > 0);
    free(first);
    return same;
}

static BOOL content_is(struct peer *p, struct rec *r)
{
    const char *answer = call(p, "get %s %lu %lu %s %s", r->id_text, r->seed, r->size, r->creator->peer_id,
                              r->modifier->peer_id);

    return !strncmp(answer, "hr 0 1 ", 7);
}

/* Polls EnumRecords on every node until all have expected records, the same ones (up to
 * timeout ms); TRUE if they do, else a failure that shows what each has. */
static BOOL wait_same_records(struct peer **nodes, unsigned int count, unsigned int expected, DWORD timeout,
                              const char *what)
{
    DWORD deadline = GetTickCount() + bounded(timeout);
    char answers[3][100], detail[400];
    unsigned int i, got;
    size_t len = 0;
    HRESULT hr;
    BOOL same;

    do
    {
        same = TRUE;
        for (i = 0; i < count && i < ARRAYSIZE(answers); i++)
        {
            snprintf(answers[i], sizeof(answers[i]), "%s", call(nodes[i], "enumrec"));
            if (sscanf(answers[i], "enum %lx %u", &hr, &got) != 2 || hr != S_OK || got != expected ||
                strcmp(answers[i], answers[0]))
                same = FALSE;
        }
        if (!same) Sleep(50);
    } while (!same && (LONG)(deadline - GetTickCount()) > 0);
    for (i = 0; i < count && i < ARRAYSIZE(answers); i++)
        len += snprintf(detail + len, sizeof(detail) - len, " %s \"%s\"", nodes[i]->name, answers[i]);
    ok(same, "%s: the nodes do not have the same %u records after %lu ms (EnumRecords: HRESULT, count, hash "
       "of the records):%s\n", what, expected, timeout, detail);
    return same;
}

/* Whether p lists a neighbor connection to q (no check: polled). */
static BOOL is_neighbor(struct peer *p, struct peer *q)
{
    const char *answer = call(p, "enumconn"), *found = answer;
    char key[40];
    size_t len;

    len = snprintf(key, sizeof(key), ",%s", q->peer_id);
    while ((found = strstr(found, key)))
    {
        found += len;
        if (!*found || *found == ' ') return TRUE;
    }
    return FALSE;
}

/* Arguments PeerGraphConnect and PeerGraphSendData refuse, on A's graph. */
static void test_arguments(ULONGLONG a_to_b)
{
    PEER_ADDRESS address;
    ULONGLONG id = 0xdeadbeef;
    BYTE byte = 1;
    HRESULT hr;

    hr = PeerGraphConnect(node_a.graph, NULL, NULL, &id);
    ok(hr == E_INVALIDARG, "PeerGraphConnect without an address returned %#lx\n", hr);
    loopback_address(&address, peer_b.port);
    address.dwSize = 0;
    hr = PeerGraphConnect(node_a.graph, NULL, &address, &id);
    ok(hr == E_INVALIDARG, "PeerGraphConnect with dwSize 0 returned %#lx\n", hr);
    hr = PeerGraphSendData(node_a.graph, a_to_b, NULL, 1, &byte);
    ok(hr == E_INVALIDARG, "PeerGraphSendData without a type returned %#lx\n", hr);
    hr = PeerGraphSendData(node_a.graph, a_to_b ^ 0x5a5a5a5a5a5aull, &data_type, 1, &byte);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "PeerGraphSendData on an unknown connection returned %#lx\n", hr);
    check_no_data(&peer_b, "refused SendData calls");
}

/* p connects to `to`; when graph maintenance connected them already (PEER_E_ALREADY_EXISTS),
 * the id of that connection.  0 on a failure. */
static ULONGLONG connect_or_find(struct peer *p, struct peer *to, const char *what)
{
    ULONGLONG id = 0;
    HRESULT hr;

    if (sscanf(call(p, "connect %u %s", to->port, to->peer_id), "hr %lx %llu", &hr, &id) != 2) hr = 0xdeadbeef;
    if (hr == PEER_E_ALREADY_EXISTS)
    {
        struct conn_item items[8];
        int i, count = list_neighbors(p, items, ARRAYSIZE(items), what);

        trace("%s: %s: connected already (graph maintenance)\n", p->name, what);
        for (i = 0, id = 0; i < count && i < (int)ARRAYSIZE(items); i++)
            if (!strcmp(items[i].peer, to->peer_id)) id = items[i].id;
        ok(id != 0, "%s: %s: PeerGraphConnect returned PEER_E_ALREADY_EXISTS, but there is no connection\n",
           p->name, what);
    }
    else ok(hr == S_OK && id, "%s: %s: PeerGraphConnect: \"%s\"\n", p->name, what, p->answer);
    return id;
}

/* After the node between A and C was killed (at `since`): A and C become neighbors of each
 * other within timeout ms, by graph maintenance ([MS-PPGRH] 3.1.7.14: a node left without
 * neighbors connects to one it knows from Presence records or referrals); was_linked: they
 * were neighbors before.  TRUE if they are. */
static BOOL wait_linked(DWORD since, DWORD timeout, BOOL was_linked, const char *what)
{
    DWORD deadline = GetTickCount() + bounded(timeout);
    struct peer *nb[1];
    BOOL linked;

    while (!(linked = is_neighbor(&peer_a, &peer_c) && is_neighbor(&peer_c, &peer_a)) &&
           (LONG)(deadline - GetTickCount()) > 0)
        Sleep(100);
    ok(linked, "%s: A and C are not neighbors %lu ms after B, the node between them, was killed: graph "
       "maintenance ([MS-PPGRH] 3.1.7.14) should have connected them (C knows A's Presence record)\n", what,
       GetTickCount() - since);
    if (!linked) return FALSE;
    trace("%s: A and C are neighbors %lu ms after the kill\n", what, GetTickCount() - since);
    nb[0] = &peer_c;
    check_neighbors(&peer_a, FALSE, 1, nb, NULL, what);
    nb[0] = &peer_a;
    check_neighbors(&peer_c, FALSE, 1, nb, NULL, what);
    if (!was_linked)
    {
        wait_conn(&peer_a, 0, PEER_CONNECTED, peer_c.node_id, what);
        wait_conn(&peer_c, 0, PEER_CONNECTED, peer_a.node_id, what);
    }
    return TRUE;
}

/* The chain A - B - C loses B to TerminateProcess: A and C both see it go, graph maintenance
 * connects them, a record added on A reaches C.  Then a new B (a new process with a new
 * database and node) joins A, and C joins it.  FALSE when the rest cannot go on. */
static BOOL test_middle_killed(unsigned int *live, ULONGLONG *a_to_b, ULONGLONG *b_to_a, ULONGLONG *b_to_c,
                               ULONGLONG *c_to_b, BOOL *maintenance_ok)
{
    struct peer *all[3] = {&peer_a, &peer_b, &peer_c}, *ac[2] = {&peer_a, &peer_c};
    const char *answer;
    BOOL was_linked;
    struct rec rk;
    HRESULT hr, hr2;
    DWORD start;

    /* graph maintenance may have linked A and C already (on Windows too): then it is no
     * chain, and the check below proves less */
    if ((was_linked = is_neighbor(&peer_a, &peer_c) || is_neighbor(&peer_c, &peer_a)))
        trace("A and C are neighbors already: B is not the only link between them\n");
    start = GetTickCount();
    kill_child(&peer_b);
    killed_node = peer_b.node_id;
    wait_conn(&peer_a, *a_to_b, PEER_DISCONNECTED, 0, "B, in the middle of the chain, was killed");
    wait_conn(&peer_c, *c_to_b, PEER_DISCONNECTED, 0, "B, in the middle of the chain, was killed");
    trace("chain: PEER_DISCONNECTED on both neighbors %lu ms after the kill\n", GetTickCount() - start);
    check_left(&peer_a, &peer_b, PEER_GRAPH_STATUS_LISTENING | PEER_GRAPH_STATUS_SYNCHRONIZED, "B was killed");
    check_left(&peer_c, &peer_b, PEER_GRAPH_STATUS_SYNCHRONIZED, "B was killed");
    hr = call_hr(&peer_c, "send %llu 10 1", *c_to_b);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "C: PeerGraphSendData to the killed B returned %#lx\n", hr);
    *maintenance_ok = wait_linked(start, MAINTENANCE_MS, was_linked, "chain");
    if (add(&peer_a, &rk, "rk", &type_two, 60, 1000))
    {
        (*live)++;
        wait_change_ms(&peer_c, &rk, PEER_RECORD_ADDED, *maintenance_ok ? WAIT_MS : 1000,
                       "added by A after B, between A and C, was killed");
        check_record_poll(ac, 2, &rk, *maintenance_ok, "added by A after B, between A and C, was killed");
    }

    /* a new B */
    if (!start_child(&peer_b)) return FALSE;
    answer = call(&peer_b, "open");
    ok(sscanf(answer, "hr %lx %lx", &hr, &hr2) == 2 && hr == PEER_S_GRAPH_DATA_CREATED && hr2 == S_OK,
       "new B: PeerGraphOpen, RegisterEvent: \"%s\"\n", answer);
    read_node_id(&peer_b);
    if (!(*b_to_a = connect_to(&peer_b, &peer_a, "alice", S_OK, "new B to A"))) return FALSE;
    wait_conn(&peer_b, *b_to_a, PEER_CONNECTED, peer_a.node_id, "new B connected to A");
    *a_to_b = wait_conn(&peer_a, 0, PEER_CONNECTED, peer_b.node_id, "A accepted the new B");
    if (!wait_synchronized(&peer_b, "new B joined A") || !listen_on(&peer_b, "new B")) return FALSE;
    if (!(*c_to_b = connect_or_find(&peer_c, &peer_b, "C to the new B"))) return FALSE;
    wait_conn(&peer_c, *c_to_b, PEER_CONNECTED, peer_b.node_id, "C connected to the new B");
    *b_to_c = wait_conn(&peer_b, 0, PEER_CONNECTED, peer_c.node_id, "the new B accepted C");
    check_enum_wait(all, 3, *live, TRUE, "the new B joined");
    return TRUE;
}

/* Every node of the chain listens: each publishes its presence (cPresenceMax -1), and each
 * sees the two others as nodes of the graph. */
static void test_presence(void)
{
    struct peer *all[3] = {&peer_a, &peer_b, &peer_c};
    ULONGLONG unknown = 0x0123456789abcdefull;
    unsigned int i, j;

    if (!listen_on(&peer_c, "C")) return;
    wait_node_change(&peer_a, &peer_b, PEER_NODE_CHANGE_CONNECTED, "B listens");
    wait_node_change(&peer_a, &peer_c, PEER_NODE_CHANGE_CONNECTED, "C listens, two hops away");
    wait_node_change(&peer_b, &peer_a, PEER_NODE_CHANGE_CONNECTED, "A's presence, synchronized");
    wait_node_change(&peer_b, &peer_c, PEER_NODE_CHANGE_CONNECTED, "C listens");
    wait_node_change(&peer_c, &peer_a, PEER_NODE_CHANGE_CONNECTED, "A's presence, synchronized through B");
    wait_node_change(&peer_c, &peer_b, PEER_NODE_CHANGE_CONNECTED, "B's presence, synchronized");
    check_all_nodes(all, 3, "all listen");
    for (i = 0; i < 3; i++)
        for (j = 0; j < 3; j++) check_node_info(all[i], all[j], FALSE, "all listen");
    while (unknown == peer_a.node_id || unknown == peer_b.node_id || unknown == peer_c.node_id) unknown++;
    check_node_unknown(&peer_a, unknown, "an unknown", "all listen");
    check_node_unknown(&peer_c, unknown, "an unknown", "all listen");
    check_nodes_of(&peer_a, "bob", &peer_b, "by peer id");
    check_nodes_of(&peer_b, "carol", &peer_c, "by peer id");
    check_nodes_of(&peer_c, "alice", &peer_a, "by peer id");
    check_nodes_of(&peer_a, "mallory", NULL, "by a peer id nobody has");

    /* what a node says of itself reaches the others, also two hops away */
    set_node_attributes(&peer_c, 1, all, 3, "C's attributes");
    set_node_attributes(&peer_c, 0, all, 3, "C's attributes cleared");
    set_node_attributes(&peer_a, 2, all, 3, "A's attributes");

    test_node_arguments();
}

/* A graph with cPresenceMax 0 (A0 here, D a child): no node publishes its presence until
 * PeerGraphSetPresence(TRUE). */
static void test_quiet_graph_nodes(void)
{
    struct peer *pa0 = &peer_a0, *pd = &peer_d;
    ULONGLONG d_to_a;
    struct rec q1, q2;
    const char *answer;
    HRESULT hr, hr2;
    unsigned int events;

    if (!listen_on(&peer_a0, "A0")) return;
    if (!start_child(&peer_d)) return;
    answer = call(&peer_d, "open");
    ok(sscanf(answer, "hr %lx %lx", &hr, &hr2) == 2 && hr == PEER_S_GRAPH_DATA_CREATED && hr2 == S_OK,
       "D: PeerGraphOpen, RegisterEvent: \"%s\"\n", answer);
    read_node_id(&peer_d);
    d_to_a = connect_to(&peer_d, &peer_a0, "alice", S_OK, "D to A0");
    if (!d_to_a) return;
    wait_conn(&peer_d, d_to_a, PEER_CONNECTED, peer_a0.node_id, "D connected to A0");
    wait_conn(&peer_a0, 0, PEER_CONNECTED, peer_d.node_id, "A0 accepted D");
    if (!wait_synchronized(&peer_d, "D joined A0")) return;
    if (!listen_on(&peer_d, "D")) return;

    /* a record each way: a presence either had published would have come before it */
    if (add(&peer_d, &q1, "q1", &type_one, 51, 100)) wait_change(&peer_a0, &q1, PEER_RECORD_ADDED, "added by D");
    if (add(&peer_a0, &q2, "q2", &type_two, 52, 100)) wait_change(&peer_d, &q2, PEER_RECORD_ADDED, "added by A0");
    check_node_unknown(&peer_a0, peer_d.node_id, "D's", "cPresenceMax 0, D listens");
    check_node_unknown(&peer_d, peer_a0.node_id, "A0's", "cPresenceMax 0, A0 listens");
    ok(sscanf(call(&peer_a0, "countnode %llx", peer_d.node_id), "count %u", &events) == 1 && !events,
       "A0: NODE_CHANGED about D's node before D published its presence: \"%s\"\n", peer_a0.answer);
    ok(sscanf(call(&peer_d, "countnode %llx", peer_a0.node_id), "count %u", &events) == 1 && !events,
       "D: NODE_CHANGED about A0's node before A0 published its presence: \"%s\"\n", peer_d.answer);

    /* D publishes its presence: A0 sees D's node */
    hr = call_hr(&peer_d, "setpresence 1");
    ok(hr == S_OK, "D: PeerGraphSetPresence(TRUE) returned %#lx\n", hr);
    wait_node_change(&peer_a0, &peer_d, PEER_NODE_CHANGE_CONNECTED, "D's PeerGraphSetPresence(TRUE)");
    check_nodes(&peer_a0, &pd, 1, "D's PeerGraphSetPresence(TRUE)");
    check_node_info(&peer_a0, &peer_d, FALSE, "D's PeerGraphSetPresence(TRUE)");
    check_node_unknown(&peer_d, peer_a0.node_id, "A0's", "only D published its presence");

    /* and A0 */
    hr = call_hr(&peer_a0, "setpresence 1");
    ok(hr == S_OK, "A0: PeerGraphSetPresence(TRUE) returned %#lx\n", hr);
    wait_node_change(&peer_d, &peer_a0, PEER_NODE_CHANGE_CONNECTED, "A0's PeerGraphSetPresence(TRUE)");
    check_nodes(&peer_d, &pa0, 1, "A0's PeerGraphSetPresence(TRUE)");
    check_node_info(&peer_d, &peer_a0, FALSE, "A0's PeerGraphSetPresence(TRUE)");
}

static void test_quiet_graph(void)
{
    PEER_GRAPH_PROPERTIES properties;
    WCHAR friendly_name[] = L"p2ptest graph without presence";
    HRESULT hr;

    init_node(&node_a0, quiet_graph_id, peer_a0.peer_id, peer_a0.db_name);
    peer_a0.local = &node_a0;
    memset(&properties, 0, sizeof(properties));
    properties.dwSize = sizeof(properties);
    properties.dwScope = PEER_GRAPH_SCOPE_GLOBAL;
    properties.pwzGraphId = node_a0.graph_id;
    properties.pwzCreatorId = node_a0.peer_id;
    properties.pwzFriendlyName = friendly_name;
    properties.ulPresenceLifetime = 300;
    properties.cPresenceMax = 0;
    hr = PeerGraphCreate(&properties, node_a0.db_name, NULL, &node_a0.graph);
    ok(hr == S_OK, "PeerGraphCreate(cPresenceMax 0) returned %#lx\n", hr);
    if (hr == S_OK)
    {
        hr = register_events(&node_a0);
        ok(hr == S_OK, "PeerGraphRegisterEvent returned %#lx\n", hr);
        if (hr == S_OK) test_quiet_graph_nodes();
        if (peer_d.proc.process) finish_child(&peer_d);
        unregister_events(&node_a0);
        hr = PeerGraphClose(node_a0.graph);
        ok(hr == S_OK, "PeerGraphClose(cPresenceMax 0) returned %#lx\n", hr);
        hr = PeerGraphDelete(node_a0.graph_id, node_a0.peer_id, node_a0.db_name);
        ok(hr == S_OK, "PeerGraphDelete(cPresenceMax 0) returned %#lx\n", hr);
    }
    CloseHandle(node_a0.event);
}

static void test_neighbors(void)
{
    struct peer *all[3] = {&peer_a, &peer_b, &peer_c}, *ab[2] = {&peer_a, &peer_b}, *only_b[1] = {&peer_b};
    struct peer *ac[2] = {&peer_a, &peer_c}, *nb[2];
    struct rec r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r1_by_c, r1_by_b;
    ULONGLONG a_to_b, b_to_a, b_to_c, c_to_b, ids[2], old_a_to_b, id, old_b_node;
    unsigned int live = 0, added = 0, old_b_port, u1;
    const char *answer;
    HRESULT hr, hr2, hr3;
    DWORD version, status, start;
    BOOL have_r4, ac_linked, linked, maintenance_ok = FALSE;
    char line[200];

    /* A: records before anybody joins, one of them updated, one deleted */
    if (!add(&peer_a, &r0, "r0", &type_one, 100, 300) || !add(&peer_a, &r1, "r1", &type_one, 1, 3000) ||
        !add(&peer_a, &r2, "r2", &type_two, 2, 20000))
        return;
    live = 3;
    update(&peer_a, &r1, 101, 2500);
    if (delete_rec(&peer_a, &r0)) live--;
    r1.version = check_record(all, 1, &r1, "A's own record");
    if (!listen_on(&peer_a, "A")) return;
    read_node_id(&peer_a);
    check_status(&peer_a, PEER_GRAPH_STATUS_LISTENING | PEER_GRAPH_STATUS_SYNCHRONIZED,
                 PEER_GRAPH_STATUS_HAS_CONNECTIONS, "listening alone");
    check_neighbors(&peer_a, TRUE, 0, NULL, NULL, "alone");
    connect_to(&peer_a, &peer_a, "-", PEER_E_CONNECT_SELF, "to itself");
    connect_to(&peer_a, &peer_a, "alice", PEER_E_CONNECT_SELF, "to itself by name");

    /* B and C: a graph that was never synchronized */
    if (!start_child(&peer_b) || !start_child(&peer_c)) return;
    answer = call(&peer_b, "open");
    ok(sscanf(answer, "hr %lx %lx", &hr, &hr2) == 2 && hr == PEER_S_GRAPH_DATA_CREATED && hr2 == S_OK,
       "B: PeerGraphOpen, RegisterEvent: \"%s\"\n", answer);
    answer = call(&peer_c, "open");
    ok(sscanf(answer, "hr %lx %lx", &hr, &hr2) == 2 && hr == PEER_S_GRAPH_DATA_CREATED && hr2 == S_OK,
       "C: PeerGraphOpen, RegisterEvent: \"%s\"\n", answer);
    answer = call(&peer_b, "notready");
    ok(sscanf(answer, "notready %lx %lx %lx %lu", &hr, &hr2, &hr3, &status) == 4, "B: \"%s\"\n", answer);
    ok(hr == PEER_E_GRAPH_NOT_READY, "B: PeerGraphAddRecord before synchronizing returned %#lx\n", hr);
    ok(hr2 == PEER_E_GRAPH_NOT_READY, "B: PeerGraphListen before synchronizing returned %#lx\n", hr2);
    ok(hr3 == S_OK && !(status & (PEER_GRAPH_STATUS_SYNCHRONIZED | PEER_GRAPH_STATUS_HAS_CONNECTIONS)),
       "B: PeerGraphGetStatus before connecting returned %#lx, status %#lx\n", hr3, status);
    read_node_id(&peer_b);
    read_node_id(&peer_c);

    /* nobody called "mallory" listens at A's address */
    if ((id = connect_to(&peer_c, &peer_a, "mallory", S_OK, "C to A as mallory")))
        wait_conn(&peer_c, id, PEER_CONNECTION_FAILED, 0, "C to A as mallory");
    check_status(&peer_c, 0, PEER_GRAPH_STATUS_SYNCHRONIZED | PEER_GRAPH_STATUS_HAS_CONNECTIONS,
                 "failed to connect");

    /* B joins A, naming A's peer id */
    b_to_a = connect_to(&peer_b, &peer_a, "alice", S_OK, "B to A");
    if (!b_to_a) return;
    wait_conn(&peer_b, b_to_a, PEER_CONNECTED, peer_a.node_id, "B connected to A");
    a_to_b = wait_conn(&peer_a, 0, PEER_CONNECTED, peer_b.node_id, "A accepted B");
    if (!wait_synchronized(&peer_b, "B joined A")) return;
    check_status(&peer_b, PEER_GRAPH_STATUS_SYNCHRONIZED | PEER_GRAPH_STATUS_HAS_CONNECTIONS, 0, "synchronized");
    check_status(&peer_a, PEER_GRAPH_STATUS_LISTENING | PEER_GRAPH_STATUS_SYNCHRONIZED |
                 PEER_GRAPH_STATUS_HAS_CONNECTIONS, 0, "B joined");
    ok(check_record(ab, 2, &r1, "synchronized to B") == r1.version, "B: r1 has another version\n");
    check_record(ab, 2, &r2, "synchronized to B");
    check_gone(ab, 2, &r0, "deleted before B joined");
    check_enum(ab, 2, live, "B joined");
    /* records that arrive by synchronization are changes like any other */
    wait_change(&peer_b, &r1, 0, "synchronized");
    wait_change(&peer_b, &r2, PEER_RECORD_ADDED, "synchronized");
    connect_to(&peer_b, &peer_a, "-", PEER_E_ALREADY_EXISTS, "B to A again");
    connect_to(&peer_b, &peer_a, "alice", PEER_E_ALREADY_EXISTS, "B to A again by name");

    /* B listens now that it is synchronized; C joins B without naming a peer */
    if (!listen_on(&peer_b, "B")) return;
    answer = call(&peer_b, "waitstatus %u", PEER_GRAPH_STATUS_LISTENING);
    ok(!strncmp(answer, "status", 6), "B: no STATUS_CHANGED with PEER_GRAPH_STATUS_LISTENING: \"%s\"\n", answer);
    check_status(&peer_b, PEER_GRAPH_STATUS_LISTENING | PEER_GRAPH_STATUS_SYNCHRONIZED |
                 PEER_GRAPH_STATUS_HAS_CONNECTIONS, 0, "listening");
    connect_to(&peer_b, &peer_b, "-", PEER_E_CONNECT_SELF, "B to itself");
    c_to_b = connect_to(&peer_c, &peer_b, "-", S_OK, "C to B");
    if (!c_to_b) return;
    wait_conn(&peer_c, c_to_b, PEER_CONNECTED, peer_b.node_id, "C connected to B");
    b_to_c = wait_conn(&peer_b, 0, PEER_CONNECTED, peer_c.node_id, "B accepted C");
    if (!wait_synchronized(&peer_c, "C joined B")) return;
    check_status(&peer_c, PEER_GRAPH_STATUS_SYNCHRONIZED | PEER_GRAPH_STATUS_HAS_CONNECTIONS,
                 PEER_GRAPH_STATUS_LISTENING, "synchronized");
    check_record(all, 3, &r1, "synchronized to C through B");
    check_record(all, 3, &r2, "synchronized to C through B");
    check_gone(all, 3, &r0, "deleted before C joined");
    check_enum(all, 3, live, "C joined");
    connect_to(&peer_c, &peer_b, "bob", PEER_E_ALREADY_EXISTS, "C to B again");
    if (!test_middle_killed(&live, &a_to_b, &b_to_a, &b_to_c, &c_to_b, &maintenance_ok)) return;

    /* who is connected to whom */
    nb[0] = &peer_a; nb[1] = &peer_c;
    ids[0] = b_to_a; ids[1] = b_to_c;
    check_neighbors(&peer_b, TRUE, 2, nb, ids, "A and C");
    nb[0] = &peer_b;
    ids[0] = a_to_b;
    check_neighbors(&peer_a, FALSE, 1, nb, ids, "B");
    ids[0] = c_to_b;
    check_neighbors(&peer_c, FALSE, 1, nb, ids, "B");
    answer = call(&peer_b, "enumconn %u", PEER_CONNECTION_DIRECT);
    ok(!strcmp(answer, "enum 0 0"), "B: EnumConnections(PEER_CONNECTION_DIRECT): \"%s\"\n", answer);

    test_presence();

    /* additions from each end and from the middle reach the two others */
    if (add(&peer_c, &r3, "r3", &type_one, 3, 500))
    {
        live++;
        wait_change(&peer_b, &r3, PEER_RECORD_ADDED, "added by C");
        wait_change(&peer_a, &r3, PEER_RECORD_ADDED, "added by C, two hops");
        r3.version = check_record(all, 3, &r3, "added by C");
    }
    if ((have_r4 = add(&peer_a, &r4, "r4", &type_two, 4, 0)))
    {
        live++;
        wait_change(&peer_b, &r4, PEER_RECORD_ADDED, "added by A");
        wait_change(&peer_c, &r4, PEER_RECORD_ADDED, "added by A, two hops");
        r4.version = check_record(all, 3, &r4, "added by A, no data");
    }
    if (add(&peer_b, &r5, "r5", &type_one, 5, 8000))
    {
        live++;
        wait_change(&peer_a, &r5, PEER_RECORD_ADDED, "added by B");
        wait_change(&peer_c, &r5, PEER_RECORD_ADDED, "added by B");
        check_record(all, 3, &r5, "added by B");
    }
    check_enum(all, 3, live, "after the additions");

    /* updates, one of them of a record another peer created */
    if (r3.id_text[0] && update(&peer_c, &r3, 13, 600))
    {
        wait_change(&peer_b, &r3, PEER_RECORD_UPDATED, "updated by C");
        wait_change(&peer_a, &r3, PEER_RECORD_UPDATED, "updated by C, two hops");
        version = check_record(all, 3, &r3, "updated by C");
        ok(version > r3.version, "r3: version %lu after the update, %lu before\n", version, r3.version);
        r3.version = version;
    }
    if (have_r4 && update(&peer_a, &r4, 14, 100))
    {
        wait_change(&peer_b, &r4, PEER_RECORD_UPDATED, "updated by A");
        wait_change(&peer_c, &r4, PEER_RECORD_UPDATED, "updated by A, two hops");
        version = check_record(all, 3, &r4, "updated by A");
        ok(version > r4.version, "r4: version %lu after the update, %lu before\n", version, r4.version);
    }
    if (r3.id_text[0] && update(&peer_b, &r3, 23, 50))
    {
        wait_change(&peer_a, &r3, PEER_RECORD_UPDATED, "C's record updated by B");
        wait_change(&peer_c, &r3, PEER_RECORD_UPDATED, "C's record updated by B");
        version = check_record(all, 3, &r3, "C's record updated by B");
        ok(version > r3.version, "r3: version %lu after B's update, %lu before\n", version, r3.version);
    }

    /* deletions, of a record added after the join and of one synchronized at the join */
    if (r5.id_text[0] && delete_rec(&peer_b, &r5))
    {
        live--;
        wait_change(&peer_a, &r5, PEER_RECORD_DELETED, "deleted by B");
        wait_change(&peer_c, &r5, PEER_RECORD_DELETED, "deleted by B");
        check_gone(all, 3, &r5, "deleted by B");
    }
    if (delete_rec(&peer_a, &r2))
    {
        live--;
        wait_change(&peer_b, &r2, PEER_RECORD_DELETED, "deleted by A");
        wait_change(&peer_c, &r2, PEER_RECORD_DELETED, "deleted by A, two hops");
        check_gone(all, 3, &r2, "deleted by A");
    }
    check_enum(all, 3, live, "after updates and deletions");

    /* both ends add at the same time */
    start = GetTickCount();
    if (call_begin(&peer_c, "addmany one 1000 30 200"))
    {
        answer = call(&peer_a, "addmany two 2000 30 300");
        ok(sscanf(answer, "hr %lx %u", &hr, &u1) == 2 && hr == S_OK && u1 == 30, "A: adding 30 records: \"%s\"\n",
           answer);
        added += u1;
        answer = call_end(&peer_c);
        ok(sscanf(answer, "hr %lx %u", &hr, &u1) == 2 && hr == S_OK && u1 == 30, "C: adding 30 records: \"%s\"\n",
           answer);
        added += u1;
        live += added;
        check_enum_wait(all, 3, live, TRUE, "added at both ends at once");
        trace("60 records added at both ends: the same everywhere after %lu ms\n", GetTickCount() - start);
    }

    /* both ends update the same record at the same time: one version wins everywhere */
    r1_by_c = r1;
    snprintf(line, sizeof(line), "update %s 31 700", r1.id_text);
    if (call_begin(&peer_c, line))
    {
        hr = call_hr(&peer_a, "update %s 32 800", r1.id_text);
        ok(hr == S_OK, "A: PeerGraphUpdateRecord(r1) returned %#lx\n", hr);
        hr = 0xdeadbeef;
        sscanf(call_end(&peer_c), "hr %lx", &hr);
        ok(hr == S_OK, "C: PeerGraphUpdateRecord(r1) returned %#lx\n", hr);
        ok(wait_same_record(all, 3, &r1), "r1 differs between the nodes after concurrent updates\n");
        r1.seed = 32; r1.size = 800; r1.modifier = &peer_a;
        r1_by_c.seed = 31; r1_by_c.size = 700; r1_by_c.modifier = &peer_c;
        if (content_is(&peer_a, &r1_by_c)) r1 = r1_by_c;
        version = check_record(all, 3, &r1, "updated by A and C at once");
        ok(version > r1.version, "r1: version %lu after the updates, %lu before\n", version, r1.version);
        r1.version = version;
        trace("concurrent updates of r1: %s's won\n", r1.modifier->name);
    }

    test_arguments(a_to_b);

    /* application data on the neighbor connections, to the addressee only */
    send_and_expect(&peer_a, a_to_b, &peer_b, b_to_a, 1000, 700);
    send_and_expect(&peer_b, b_to_a, &peer_a, a_to_b, 70000, 701);
    send_and_expect(&peer_b, b_to_c, &peer_c, c_to_b, 1, 702);
    send_and_expect(&peer_c, c_to_b, &peer_b, b_to_c, 4096, 703);
    check_no_data(&peer_a, "data between B and C");
    check_no_data(&peer_c, "data between A and B");

    /* records B will change while it is offline: two of its own and one of A's */
    if (add(&peer_b, &r7, "r7", &type_two, 7, 900))
    {
        live++;
        wait_change(&peer_a, &r7, PEER_RECORD_ADDED, "added by B");
        wait_change(&peer_c, &r7, PEER_RECORD_ADDED, "added by B");
        check_record(all, 3, &r7, "added by B");
    }
    if (add(&peer_b, &r8, "r8", &type_one, 8, 64))
    {
        live++;
        wait_change(&peer_a, &r8, PEER_RECORD_ADDED, "added by B");
        wait_change(&peer_c, &r8, PEER_RECORD_ADDED, "added by B");
        check_record(all, 3, &r8, "added by B");
    }
    if (add(&peer_a, &r9, "r9", &type_one, 9, 1500))
    {
        live++;
        wait_change(&peer_b, &r9, PEER_RECORD_ADDED, "added by A");
        wait_change(&peer_c, &r9, PEER_RECORD_ADDED, "added by A, two hops");
        check_record(all, 3, &r9, "added by A");
    }
    check_enum(all, 3, live, "before B leaves");

    /* B leaves: both its neighbors see it go, and its node with it */
    old_b_node = peer_b.node_id;
    hr = call_hr(&peer_b, "close");
    ok(hr == S_OK, "B: PeerGraphClose returned %#lx\n", hr);
    wait_conn(&peer_a, a_to_b, PEER_DISCONNECTED, 0, "B left");
    wait_conn(&peer_c, c_to_b, PEER_DISCONNECTED, 0, "B left");
    wait_node_change(&peer_a, &peer_b, PEER_NODE_CHANGE_DISCONNECTED, "B closed its graph");
    wait_node_change(&peer_c, &peer_b, PEER_NODE_CHANGE_DISCONNECTED, "B closed its graph");
    check_node_unknown(&peer_a, old_b_node, "B's", "B closed its graph");
    check_node_unknown(&peer_c, old_b_node, "B's", "B closed its graph");
    check_left(&peer_a, &peer_b, PEER_GRAPH_STATUS_LISTENING | PEER_GRAPH_STATUS_SYNCHRONIZED, "B left");
    check_left(&peer_c, &peer_b, PEER_GRAPH_STATUS_LISTENING | PEER_GRAPH_STATUS_SYNCHRONIZED, "B left");
    hr = call_hr(&peer_a, "send %llu 10 1", a_to_b);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "A: PeerGraphSendData to B after it left returned %#lx\n", hr);
    old_b_port = peer_b.port;
    if ((id = connect_to(&peer_c, &peer_b, "bob", S_OK, "C to where B listened")))
        wait_conn(&peer_c, id, PEER_CONNECTION_FAILED, 0, "C to where B listened");

    /* changes while B is away */
    if (add(&peer_a, &r6, "r6", &type_two, 6, 2000)) live++;
    update(&peer_a, &r1, 111, 1200);
    r1.version = check_record(all, 1, &r1, "updated while B was away");
    if (have_r4 && delete_rec(&peer_a, &r4)) live--;
    else have_r4 = FALSE;

    /* B comes back with its database: what it had is there before any connection */
    answer = call(&peer_b, "open");
    ok(sscanf(answer, "hr %lx %lx", &hr, &hr2) == 2 && hr == S_OK && hr2 == S_OK,
       "B: PeerGraphOpen of the persisted graph, RegisterEvent: \"%s\"\n", answer);
    if (hr != S_OK) return;
    if (r3.id_text[0]) check_record(only_b, 1, &r3, "persisted at B");
    if (r7.id_text[0]) check_record(only_b, 1, &r7, "persisted at B");
    check_gone(only_b, 1, &r6, "B is offline");
    if (r5.id_text[0]) check_gone(only_b, 1, &r5, "persisted deletion at B");
    check_enum(only_b, 1, live + have_r4 - (r6.id_text[0] != 0), "persisted at B");
    read_node_id(&peer_b);
    ok(peer_b.node_id != old_b_node, "B: node id %llx again after PeerGraphOpen\n", old_b_node);
    peer_b.attr_seed = 0;

    /* B changes the graph while offline: adds, updates and deletes records of its own,
     * updates one of A's and r1, which A updated meanwhile too */
    if (add(&peer_b, &r10, "r10", &type_two, 10, 3000)) live++;
    if (r7.id_text[0]) update(&peer_b, &r7, 17, 1000);
    if (r8.id_text[0] && delete_rec(&peer_b, &r8)) live--;
    if (r9.id_text[0]) update(&peer_b, &r9, 19, 700);
    r1_by_b = r1;
    update(&peer_b, &r1_by_b, 121, 1100);
    if (r10.id_text[0]) check_record(only_b, 1, &r10, "added by B while offline");
    if (r7.id_text[0]) check_record(only_b, 1, &r7, "updated by B while offline");
    if (r9.id_text[0]) check_record(only_b, 1, &r9, "A's record updated by B while offline");
    if (r8.id_text[0]) check_gone(only_b, 1, &r8, "deleted by B while offline");
    check_status(&peer_b, PEER_GRAPH_STATUS_SYNCHRONIZED, PEER_GRAPH_STATUS_HAS_CONNECTIONS | PEER_GRAPH_STATUS_LISTENING,
                 "offline");
    /* and A goes on too */
    if (add(&peer_a, &r11, "r11", &type_one, 11, 250)) live++;
    if (r3.id_text[0]) update(&peer_a, &r3, 43, 300);

    /* B reconnects to A: each gets what the other did in the meantime, B's offline changes
     * through hash-based synchronization ([MS-PPGRH] 3.1.7.31: time-based synchronization
     * only brings the initiator what it missed) */
    /* what follows must come from the other side, not from a node's own changes */
    call(&peer_a, "forget");
    call(&peer_b, "forget");
    old_a_to_b = a_to_b;
    if (!listen_on(&peer_b, "B reopened")) return;
    trace("B listened on port %u, now on %u\n", old_b_port, peer_b.port);
    b_to_a = connect_to(&peer_b, &peer_a, "alice", S_OK, "B to A after reopening");
    if (!b_to_a) return;
    wait_conn(&peer_b, b_to_a, PEER_CONNECTED, peer_a.node_id, "B reconnected to A");
    a_to_b = wait_conn(&peer_a, 0, PEER_CONNECTED, peer_b.node_id, "A accepted B again");
    ok(a_to_b != old_a_to_b, "A: the new connection to B reuses id %llu\n", a_to_b);
    if (!wait_same_records(ab, 2, live, WAIT_MS, "B reconnected to A after both changed records (B's offline "
                           "changes need hash-based synchronization, [MS-PPGRH] 3.1.7.31)"))
        patience = 1000;
    /* A's changes on B */
    if (r6.id_text[0]) wait_change_ms(&peer_b, &r6, PEER_RECORD_ADDED, patience, "added while B was away");
    if (r11.id_text[0]) wait_change_ms(&peer_b, &r11, PEER_RECORD_ADDED, patience, "added while B was offline");
    if (r3.id_text[0]) wait_change_ms(&peer_b, &r3, PEER_RECORD_UPDATED, patience, "updated while B was offline");
    if (have_r4) wait_change_ms(&peer_b, &r4, PEER_RECORD_DELETED, patience, "deleted while B was away");
    /* B's changes on A */
    if (r10.id_text[0])
        wait_change_ms(&peer_a, &r10, PEER_RECORD_ADDED, patience, "added by B while offline (hash-based sync)");
    if (r7.id_text[0])
        wait_change_ms(&peer_a, &r7, PEER_RECORD_UPDATED, patience, "updated by B while offline (hash-based sync)");
    if (r8.id_text[0])
        wait_change_ms(&peer_a, &r8, PEER_RECORD_DELETED, patience, "deleted by B while offline (hash-based sync)");
    if (r9.id_text[0])
        wait_change_ms(&peer_a, &r9, PEER_RECORD_UPDATED, patience, "A's record updated by B while offline "
                       "(hash-based sync)");
    /* r1, updated on both sides while apart: one version wins on both */
    ok(wait_same_record(ab, 2, &r1), "r1 differs between A and B after both updated it while apart\n");
    if (content_is(&peer_a, &r1_by_b))
    {
        r1 = r1_by_b;
        wait_change_ms(&peer_a, &r1, PEER_RECORD_UPDATED, patience, "B's offline update of r1 won");
    }
    else wait_change_ms(&peer_b, &r1, PEER_RECORD_UPDATED, patience, "A's update of r1 won");
    trace("r1 updated on both sides while apart: %s's version won\n", r1.modifier->name);
    r1.version = check_record(ab, 2, &r1, "updated on both sides while apart");
    if (r3.id_text[0]) check_record(ab, 2, &r3, "updated by A while B was offline");
    if (r6.id_text[0]) check_record(ab, 2, &r6, "added while B was away");
    if (r11.id_text[0]) check_record(ab, 2, &r11, "added by A while B was offline");
    if (r7.id_text[0]) check_record(ab, 2, &r7, "updated by B while offline");
    if (r9.id_text[0]) check_record(ab, 2, &r9, "A's record updated by B while offline");
    if (r10.id_text[0]) check_record(ab, 2, &r10, "added by B while offline");
    if (have_r4) check_gone(ab, 2, &r4, "deleted while B was away");
    if (r8.id_text[0]) check_gone(ab, 2, &r8, "deleted by B while offline");
    check_status(&peer_b, PEER_GRAPH_STATUS_LISTENING | PEER_GRAPH_STATUS_SYNCHRONIZED |
                 PEER_GRAPH_STATUS_HAS_CONNECTIONS, 0, "reconnected");
    send_and_expect(&peer_a, a_to_b, &peer_b, b_to_a, 333, 704);
    /* B's new node published its presence while offline (when it listened); B's Open
     * dropped the Presence records it had ([MS-PPGRH] 3.1.4.2): synchronization has to bring
     * back A's (last changed before B left) */
    wait_node_change(&peer_b, &peer_a, PEER_NODE_CHANGE_CONNECTED, "B reconnected to A: A's Presence record, "
                     "dropped by B's PeerGraphOpen, synchronized again");
    wait_node_change(&peer_a, &peer_b, PEER_NODE_CHANGE_CONNECTED, "B's new node, published while B was offline "
                     "(hash-based sync)");

    /* C joins B again: then all three have the same records and know the same nodes */
    if (!(c_to_b = connect_or_find(&peer_c, &peer_b, "C to B again"))) return;
    wait_conn(&peer_c, c_to_b, PEER_CONNECTED, peer_b.node_id, "C reconnected to B");
    b_to_c = wait_conn(&peer_b, 0, PEER_CONNECTED, peer_c.node_id, "B accepted C again");
    wait_same_records(all, 3, live, patience, "C joined B again after B's and A's changes");
    check_record(all, 3, &r1, "updated on both sides while apart");
    if (r3.id_text[0]) check_record(all, 3, &r3, "updated by A while B was offline");
    if (r6.id_text[0]) check_record(all, 3, &r6, "added while B was away");
    if (r11.id_text[0]) check_record(all, 3, &r11, "added by A while B was offline");
    if (r7.id_text[0]) check_record(all, 3, &r7, "updated by B while offline");
    if (r9.id_text[0]) check_record(all, 3, &r9, "A's record updated by B while offline");
    if (r10.id_text[0]) check_record(all, 3, &r10, "added by B while offline");
    if (have_r4) check_gone(all, 3, &r4, "deleted while B was away");
    if (r8.id_text[0]) check_gone(all, 3, &r8, "deleted by B while offline");
    check_all_nodes(all, 3, "together again, B with a new node (B's Open dropped the Presence records it had: "
                    "synchronization has to bring them back)");
    patience = WAIT_MS;

    /* B is killed again, now that A, B and C are all neighbors (or A and C are joined by
     * graph maintenance again): A and C both see it go and stay connected */
    nb[0] = &peer_a; nb[1] = &peer_c;
    ids[0] = b_to_a; ids[1] = b_to_c;
    check_neighbors(&peer_b, TRUE, 2, nb, ids, "A and C again");
    ac_linked = is_neighbor(&peer_a, &peer_c) || is_neighbor(&peer_c, &peer_a);
    trace("A and C are %sneighbors before the second kill\n", ac_linked ? "" : "not ");
    start = GetTickCount();
    kill_child(&peer_b);
    wait_conn(&peer_a, a_to_b, PEER_DISCONNECTED, 0, "B was killed");
    wait_conn(&peer_c, c_to_b, PEER_DISCONNECTED, 0, "B was killed");
    trace("PEER_DISCONNECTED on both neighbors %lu ms after the kill\n", GetTickCount() - start);
    check_left(&peer_a, &peer_b, PEER_GRAPH_STATUS_LISTENING | PEER_GRAPH_STATUS_SYNCHRONIZED, "B was killed");
    check_left(&peer_c, &peer_b, PEER_GRAPH_STATUS_LISTENING | PEER_GRAPH_STATUS_SYNCHRONIZED, "B was killed");
    hr = call_hr(&peer_c, "send %llu 10 1", c_to_b);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "C: PeerGraphSendData to the killed B returned %#lx\n", hr);
    /* a failure of graph maintenance was reported with the chain: no second long wait */
    linked = wait_linked(start, maintenance_ok ? MAINTENANCE_MS : 1000, ac_linked, "triangle");
    if (add(&peer_a, &r12, "r12", &type_two, 12, 1000))
    {
        wait_change_ms(&peer_c, &r12, PEER_RECORD_ADDED, linked ? WAIT_MS : 1000, "added by A after B was killed");
        check_record_poll(ac, 2, &r12, linked, "added by A after B was killed");
    }
    answer = call(&peer_a, "pending");
    ok(sscanf(answer, "pending %*u %*u %*u %u", &u1) == 1 && !u1, "A: unexpected kinds of events: \"%s\"\n", answer);
}

START_TEST(neighbor)
{
    PEER_VERSION_DATA version;
    PEER_GRAPH_PROPERTIES properties;
    WCHAR friendly_name[] = L"p2ptest neighbor connections";
    DWORD start = GetTickCount();
    char **argv;
    int argc = p2ptest_get_mainargs(&argv);
    HRESULT hr;

    if (argc >= 6 && !strcmp(argv[1], "nbchild"))
    {
        run_child(argv[2], argv[3], argv[4], argv[5]);
        return;
    }

    run_deadline = GetTickCount() + RUN_MS;
    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    if (hr != S_OK) return;

    snprintf(graph_id, sizeof(graph_id), "p2ptest-neighbor-%lu-%lu", GetCurrentProcessId(), GetTickCount());
    snprintf(quiet_graph_id, sizeof(quiet_graph_id), "p2ptest-neighbor-quiet-%lu-%lu", GetCurrentProcessId(),
             GetTickCount());
    init_peer(&peer_a, "A", "alice", graph_id);
    init_peer(&peer_b, "B", "bob", graph_id);
    init_peer(&peer_c, "C", "carol", graph_id);
    init_peer(&peer_a0, "A0", "alice", quiet_graph_id);
    init_peer(&peer_d, "D", "dave", quiet_graph_id);

    test_quiet_graph();

    init_node(&node_a, graph_id, peer_a.peer_id, peer_a.db_name);
    peer_a.local = &node_a;

    memset(&properties, 0, sizeof(properties));
    properties.dwSize = sizeof(properties);
    properties.dwScope = PEER_GRAPH_SCOPE_GLOBAL;
    properties.pwzGraphId = node_a.graph_id;
    properties.pwzCreatorId = node_a.peer_id;
    properties.pwzFriendlyName = friendly_name;
    properties.ulPresenceLifetime = 300;
    properties.cPresenceMax = (ULONG)-1;
    hr = PeerGraphCreate(&properties, node_a.db_name, NULL, &node_a.graph);
    if (hr == E_NOTIMPL)
    {
        skip("PeerGraphCreate not available\n");
        PeerGraphShutdown();
        return;
    }
    ok(hr == S_OK, "PeerGraphCreate returned %#lx\n", hr);
    if (hr == S_OK)
    {
        hr = register_events(&node_a);
        ok(hr == S_OK, "PeerGraphRegisterEvent returned %#lx\n", hr);
        if (hr == S_OK) test_neighbors();
        if (peer_b.proc.process) finish_child(&peer_b);
        if (peer_c.proc.process) finish_child(&peer_c);
        unregister_events(&node_a);
        hr = PeerGraphClose(node_a.graph);
        ok(hr == S_OK, "PeerGraphClose returned %#lx\n", hr);
    }
    hr = PeerGraphDelete(node_a.graph_id, node_a.peer_id, node_a.db_name);
    ok(hr == S_OK, "PeerGraphDelete returned %#lx\n", hr);
    CloseHandle(node_a.event);
    hr = PeerGraphShutdown();
    ok(hr == S_OK, "PeerGraphShutdown returned %#lx\n", hr);
    trace("neighbor: %lu ms\n", GetTickCount() - start);
}
