/*
 * Neighbor connections between three processes: PeerGraphOpen, PeerGraphConnect,
 * PeerGraphListen, PeerGraphClose, PeerGraphEnumConnections(PEER_CONNECTION_NEIGHBOR),
 * PeerGraphGetStatus, PeerGraphSendData on neighbor connections, synchronization and
 * flooding of records, PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION, RECORD_CHANGED,
 * STATUS_CHANGED and INCOMING_DATA.
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
 * line.  B joins A, C joins B: a chain A - B - C.  Every node, the local one included, is
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
 * persisted database (S_OK) with its records there before any connection, reconnecting and
 * receiving an addition, an update and a deletion made while away; a node killed with
 * TerminateProcess -> PEER_DISCONNECTED on both its neighbors.
 *
 * Graph maintenance may connect A and C on its own ([MS-PPGRH] 3.1.7.14: a node left without
 * neighbors connects to one it was referred to): no check assumes it does not.
 *
 * Every connection goes to ::1 and every wait is bounded (WAIT_MS each, RUN_MS in all).
 */

#include <p2p.h>

#include "p2ptest.h"

#define WAIT_MS 10000            /* the longest any single event may take */
#define RUN_MS 60000             /* the longest the whole run may take */
#define LINE_SIZE 131072         /* one command or answer; a serialized record fits */

static const GUID type_one = {0x5b0c3e61, 0x9d2a, 0x4f07, {0x8e, 0x44, 0x17, 0xa9, 0x3c, 0x60, 0xd2, 0x5f}};
static const GUID type_two = {0xe8274a19, 0x6c35, 0x4b8d, {0xa1, 0x0f, 0x92, 0x5e, 0x7b, 0x03, 0xc4, 0x86}};
static const GUID data_type = {0x2f6d91b4, 0x03e8, 0x47ac, {0xb5, 0x5a, 0x6e, 0x1c, 0xd8, 0x27, 0x90, 0x3b}};

static DWORD run_deadline;

/* timeout, cut to what is left of the run */
static DWORD bounded(DWORD timeout)
{
    LONG left = (LONG)(run_deadline - GetTickCount());

    if (left <= 0) return 0;
    return min(timeout, (DWORD)left);
}

static USHORT swap16(USHORT v)
{
    return (USHORT)((v >> 8) | (v << 8));
}

static void to_wide(const char *in, WCHAR *out, int count)
{
    MultiByteToWideChar(CP_UTF8, 0, in, -1, out, count);
}

static void to_utf8(const WCHAR *in, char *out, int count)
{
    if (!in) { strcpy(out, "(null)"); return; }
    WideCharToMultiByte(CP_UTF8, 0, in, -1, out, count, NULL, NULL);
}

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

/* Pattern data: differs for every (seed, offset). */
static void fill_pattern(BYTE *buffer, DWORD size, DWORD seed)
{
    DWORD i, x = seed * 2654435761u + 777;

    for (i = 0; i < size; i++)
    {
        x = x * 1664525 + 1013904223;
        buffer[i] = (BYTE)(x >> 24);
    }
}

static DWORD count_mismatches(const BYTE *buffer, DWORD size, DWORD seed)
{
    DWORD i, bad = 0, x = seed * 2654435761u + 777;

    for (i = 0; i < size; i++)
    {
        x = x * 1664525 + 1013904223;
        if (buffer[i] != (BYTE)(x >> 24)) bad++;
    }
    return bad;
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

static BOOL is_loopback(const SOCKADDR_IN6 *sin6)
{
    static const BYTE loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    return sin6->sin6_family == AF_INET6 && !memcmp(&sin6->sin6_addr, loopback, 16);
}

static void loopback_address(PEER_ADDRESS *address, USHORT port)
{
    memset(address, 0, sizeof(*address));
    address->dwSize = sizeof(*address);
    address->sin6.sin6_family = AF_INET6;
    address->sin6.sin6_port = swap16(port);
    address->sin6.sin6_addr.s6_addr[15] = 1;
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
    ULONGLONG node_id;           /* NEIGHBOR_CONNECTION: 0 = any */
    int up;                      /* NEIGHBOR_CONNECTION: 1 PEER_CONNECTED, 0 anything else, -1 any */
    const GUID *record_id;       /* RECORD_CHANGED: NULL = any */
    int change;                  /* RECORD_CHANGED: 0 = any */
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
 * in hex, GUIDs as text):
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
 *   waitrec GUID CHANGE       -> rec TYPE | timeout        a RECORD_CHANGED (CHANGE 0 = any)
 *   enumrec                   -> enum HR COUNT HASH        over the serialized records, sorted
 *   waitenum COUNT            -> the same, once there are COUNT records (or after WAIT_MS)
 *   enumconn [FLAGS]          -> enum HR COUNT [ID,FLAGS,NODE,LOOPBACK,PORT,PEER]...   default NEIGHBOR
 *   send ID SIZE SEED         -> hr HR                     PeerGraphSendData, data_type
 *   expect SIZE SEED          -> data ID TYPE-OK SIZE BAD-BYTES | timeout
 *   pending                   -> pending DATA CONNECTION RECORD OTHER   unused events
 *   close                     -> hr HR                     PeerGraphClose
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
                     (!size || !count_mismatches(record->data.pbData, size, seed)) &&
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
        if ((e = wait_event(n, &m, WAIT_MS))) snprintf(reply, size, "rec %s %d", guid_str(&e->record_type), e->change);
        else snprintf(reply, size, "timeout");
    }
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
                     got, count_mismatches(in->data.pbData, min(got, u1), u2));
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

        snprintf(reply, size, "pending %u %u %u %u", data, conn, rec, n->other_events);
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
    DWORD mode = PIPE_READMODE_MESSAGE, got, written;
    PEER_VERSION_DATA version;
    struct node n;
    HANDLE pipe;
    HRESULT hr;

    p2ptest_name = "neighbor child";
    /* the parent's deadline rules; this one only stops a child left behind */
    run_deadline = GetTickCount() + RUN_MS + 2 * WAIT_MS;
    pipe = CreateFileA(pipe_name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    ok(pipe != INVALID_HANDLE_VALUE, "%s: cannot open %s: %lu\n", peer_id, pipe_name, GetLastError());
    if (pipe == INVALID_HANDLE_VALUE) return;
    SetNamedPipeHandleState(pipe, &mode, NULL, NULL);

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
    const char *name;            /* "A", "B", "C" */
    char peer_id[32];
    char db_name[200];
    struct node *local;          /* A: the node in this process */
    HANDLE process, pipe, io_event;
    char *answer;
    USHORT port;                 /* host byte order, 0 = not listening */
    ULONGLONG node_id;
};

static char graph_id[128];
static struct node node_a;
static struct peer peer_a, peer_b, peer_c;

static BOOL wait_io(struct peer *p, OVERLAPPED *ov, DWORD *count, DWORD timeout)
{
    HANDLE handles[2] = {ov->hEvent, p->process};

    if (WaitForMultipleObjects(2, handles, FALSE, bounded(timeout)) != WAIT_OBJECT_0)
    {
        /* A child that does not answer in time is broken: it is ended, so that nothing waits
         * for it again and no late answer is taken for the answer to a later command.  Its
         * end also completes the pending I/O. */
        if (WaitForSingleObject(p->process, 0) != WAIT_OBJECT_0)
        {
            trace("%s does not answer in time: ending it\n", p->name);
            TerminateProcess(p->process, 254);
            WaitForSingleObject(p->process, WAIT_MS);
        }
        CancelIo(p->pipe);
        GetOverlappedResult(p->pipe, ov, count, TRUE);
        return FALSE;
    }
    return GetOverlappedResult(p->pipe, ov, count, FALSE);
}

static BOOL pipe_write(struct peer *p, const char *line)
{
    DWORD written = 0;
    OVERLAPPED ov;
    BOOL ret;

    memset(&ov, 0, sizeof(ov));
    ov.hEvent = p->io_event;
    ResetEvent(p->io_event);
    ret = WriteFile(p->pipe, line, strlen(line), &written, &ov);
    if (!ret && GetLastError() == ERROR_IO_PENDING) ret = wait_io(p, &ov, &written, WAIT_MS);
    /* failures only: how many commands a polling check sends depends on timing */
    if (!ret) ok(0, "%s: cannot send \"%s\": %lu\n", p->name, line, GetLastError());
    return ret;
}

static const char *pipe_read(struct peer *p, DWORD timeout)
{
    DWORD got = 0;
    OVERLAPPED ov;
    BOOL ret;

    memset(&ov, 0, sizeof(ov));
    ov.hEvent = p->io_event;
    ResetEvent(p->io_event);
    ret = ReadFile(p->pipe, p->answer, LINE_SIZE - 1, &got, &ov);
    if (!ret && GetLastError() == ERROR_IO_PENDING) ret = wait_io(p, &ov, &got, timeout);
    if (!ret) got = 0;
    p->answer[got] = 0;
    if (!ret) ok(0, "%s: no answer within %lu ms\n", p->name, timeout);
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
    if (!p->process || WaitForSingleObject(p->process, 0) == WAIT_OBJECT_0) return strcpy(p->answer, "");
    if (!pipe_write(p, line)) return strcpy(p->answer, "");
    /* the node's own waits are bounded by WAIT_MS; leave it time to answer */
    return pipe_read(p, WAIT_MS + 5000);
}

/* A command to a child that runs while this process does something else; call_end() gets
 * the answer. */
static BOOL call_begin(struct peer *p, const char *line)
{
    return p->process && WaitForSingleObject(p->process, 0) != WAIT_OBJECT_0 && pipe_write(p, line);
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
    HRESULT hr;

    va_start(args, format);
    vsnprintf(line, sizeof(line), format, args);
    va_end(args);
    if (sscanf(call(p, "%s", line), "hr %lx", &hr) != 1) hr = 0xdeadbeef;
    return hr;
}

static void init_peer(struct peer *p, const char *name, const char *peer_id)
{
    memset(p, 0, sizeof(*p));
    p->name = name;
    strcpy(p->peer_id, peer_id);
    snprintf(p->db_name, sizeof(p->db_name), "%s-%s.db", graph_id, peer_id);
    p->answer = malloc(LINE_SIZE);
    p->answer[0] = 0;
}

static BOOL start_child(struct peer *p)
{
    char exe[MAX_PATH], pipe_name[160], command[MAX_PATH + 800];
    PROCESS_INFORMATION pi;
    STARTUPINFOA si;
    OVERLAPPED ov;
    DWORD got;
    HRESULT hr;
    BOOL ret;

    snprintf(pipe_name, sizeof(pipe_name), "\\\\.\\pipe\\p2ptest-neighbor-%lu-%s", GetCurrentProcessId(), p->name);
    p->pipe = CreateNamedPipeA(pipe_name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
                               PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT, 1, LINE_SIZE, LINE_SIZE, 0, NULL);
    ok(p->pipe != INVALID_HANDLE_VALUE, "CreateNamedPipe failed: %lu\n", GetLastError());
    if (p->pipe == INVALID_HANDLE_VALUE) return FALSE;
    p->io_event = CreateEventW(NULL, TRUE, FALSE, NULL);

    GetModuleFileNameA(NULL, exe, sizeof(exe));
    snprintf(command, sizeof(command), "\"%s\" nbchild %s %s %s %s", exe, pipe_name, graph_id, p->peer_id,
             p->db_name);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    ret = CreateProcessA(exe, command, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi);
    ok(ret, "CreateProcess failed: %lu\n", GetLastError());
    if (!ret) return FALSE;
    CloseHandle(pi.hThread);
    p->process = pi.hProcess;

    memset(&ov, 0, sizeof(ov));
    ov.hEvent = p->io_event;
    ret = ConnectNamedPipe(p->pipe, &ov);
    if (!ret && GetLastError() == ERROR_IO_PENDING) ret = wait_io(p, &ov, &got, WAIT_MS);
    else if (!ret && GetLastError() == ERROR_PIPE_CONNECTED) ret = TRUE;
    ok(ret, "%s did not connect to its pipe: %lu\n", p->name, GetLastError());
    if (!ret) return FALSE;
    if (sscanf(pipe_read(p, WAIT_MS), "hello %lx", &hr) != 1) hr = 0xdeadbeef;
    ok(hr == S_OK, "%s: not started: \"%s\"\n", p->name, p->answer);
    return hr == S_OK;
}

/* Removes the graph data of a child that could not do it itself. */
static void delete_child_graph(struct peer *p)
{
    WCHAR graph_id_w[128], peer_w[64], db_w[200];
    HRESULT hr;

    to_wide(graph_id, graph_id_w, ARRAYSIZE(graph_id_w));
    to_wide(p->peer_id, peer_w, ARRAYSIZE(peer_w));
    to_wide(p->db_name, db_w, ARRAYSIZE(db_w));
    hr = PeerGraphDelete(graph_id_w, peer_w, db_w);
    ok(hr == S_OK, "PeerGraphDelete of %s's graph returned %#lx\n", p->name, hr);
}

static void release_child(struct peer *p)
{
    CloseHandle(p->process);
    CloseHandle(p->pipe);
    CloseHandle(p->io_event);
    p->process = NULL;
}

/* Asks the child to finish (it closes and deletes its graph) and checks it had no failure. */
static void finish_child(struct peer *p)
{
    DWORD code = 0xdeadbeef;

    if (!p->process) return;
    if (WaitForSingleObject(p->process, 0) != WAIT_OBJECT_0 && pipe_write(p, "exit"))
        ok(!strcmp(pipe_read(p, WAIT_MS), "bye"), "%s did not say goodbye: \"%s\"\n", p->name, p->answer);
    ok(WaitForSingleObject(p->process, WAIT_MS) == WAIT_OBJECT_0, "%s did not exit\n", p->name);
    GetExitCodeProcess(p->process, &code);
    ok(code == 0, "%s exited with %lu (its failures are listed above)\n", p->name, code);
    if (code == STILL_ACTIVE)
    {
        TerminateProcess(p->process, 1);
        WaitForSingleObject(p->process, WAIT_MS);
    }
    if (code) delete_child_graph(p);
    release_child(p);
}

/* Ends a child the hard way and removes its graph's data for it. */
static void kill_child(struct peer *p)
{
    if (!p->process) return;
    /* what failed in the child would go unnoticed with it */
    ok(!strcmp(call(p, "failures"), "failures 0"), "%s: checks failed before the kill: \"%s\"\n", p->name,
       p->answer);
    TerminateProcess(p->process, 255);
    ok(WaitForSingleObject(p->process, WAIT_MS) == WAIT_OBJECT_0, "%s did not die\n", p->name);
    release_child(p);
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

/* Waits on p for a RECORD_CHANGED of the record (change 0: any) and checks its type. */
static void wait_change(struct peer *p, struct rec *r, int change, const char *what)
{
    const char *answer = call(p, "waitrec %s %d", r->id_text, change);
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
        ok(c->flags == PEER_CONNECTION_NEIGHBOR, "%s: %s: connection %llu has flags %#lx\n", p->name, what, c->id,
           c->flags);
        ok(c->loopback, "%s: %s: connection %llu is not to ::1\n", p->name, what, c->id);
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
        ok(strcmp(items[i].peer, gone->peer_id), "%s: %s: still connected to %s (%llu)\n", p->name, what,
           gone->peer_id, items[i].id);
    status_of(p, &status);
    after = list_neighbors(p, items, ARRAYSIZE(items), what);
    ok((status & must_have) == must_have, "%s: %s: status %#lx, expected %#lx set\n", p->name, what, status,
       must_have);
    /* a connection that came or went in between proves nothing */
    if (before == after && before >= 0)
        ok(!(status & PEER_GRAPH_STATUS_HAS_CONNECTIONS) == !before,
           "%s: %s: status %#lx with %d neighbor connections\n", p->name, what, status, before);
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

static void test_neighbors(void)
{
    struct peer *all[3] = {&peer_a, &peer_b, &peer_c}, *ab[2] = {&peer_a, &peer_b}, *only_b[1] = {&peer_b};
    struct peer *nb[2];
    struct rec r0, r1, r2, r3, r4, r5, r6, r1_by_c;
    ULONGLONG a_to_b, b_to_a, b_to_c, c_to_b, ids[2], old_a_to_b, id;
    unsigned int live = 0, added = 0, old_b_port, u1;
    const char *answer;
    HRESULT hr, hr2, hr3;
    DWORD version, status, start;
    BOOL have_r4;
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

    /* B leaves: both its neighbors see it go */
    hr = call_hr(&peer_b, "close");
    ok(hr == S_OK, "B: PeerGraphClose returned %#lx\n", hr);
    wait_conn(&peer_a, a_to_b, PEER_DISCONNECTED, 0, "B left");
    wait_conn(&peer_c, c_to_b, PEER_DISCONNECTED, 0, "B left");
    check_left(&peer_a, &peer_b, PEER_GRAPH_STATUS_LISTENING | PEER_GRAPH_STATUS_SYNCHRONIZED, "B left");
    check_left(&peer_c, &peer_b, PEER_GRAPH_STATUS_SYNCHRONIZED, "B left");
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
    check_gone(only_b, 1, &r6, "B is offline");
    if (r5.id_text[0]) check_gone(only_b, 1, &r5, "persisted deletion at B");
    check_enum(only_b, 1, live + have_r4 - (r6.id_text[0] != 0), "persisted at B");
    read_node_id(&peer_b);
    old_a_to_b = a_to_b;
    if (!listen_on(&peer_b, "B reopened")) return;
    trace("B listened on port %u, now on %u\n", old_b_port, peer_b.port);
    b_to_a = connect_to(&peer_b, &peer_a, "alice", S_OK, "B to A after reopening");
    if (!b_to_a) return;
    wait_conn(&peer_b, b_to_a, PEER_CONNECTED, peer_a.node_id, "B reconnected to A");
    a_to_b = wait_conn(&peer_a, 0, PEER_CONNECTED, peer_b.node_id, "A accepted B again");
    ok(a_to_b != old_a_to_b, "A: the new connection to B reuses id %llu\n", a_to_b);
    if (r6.id_text[0]) wait_change(&peer_b, &r6, PEER_RECORD_ADDED, "added while B was away");
    wait_change(&peer_b, &r1, PEER_RECORD_UPDATED, "updated while B was away");
    if (have_r4) wait_change(&peer_b, &r4, PEER_RECORD_DELETED, "deleted while B was away");
    if (r6.id_text[0]) check_record(ab, 2, &r6, "added while B was away");
    ok(check_record(ab, 2, &r1, "updated while B was away") == r1.version, "B: r1 has another version\n");
    if (have_r4) check_gone(ab, 2, &r4, "deleted while B was away");
    check_enum(ab, 2, live, "B came back");
    check_status(&peer_b, PEER_GRAPH_STATUS_LISTENING | PEER_GRAPH_STATUS_SYNCHRONIZED |
                 PEER_GRAPH_STATUS_HAS_CONNECTIONS, 0, "reconnected");
    send_and_expect(&peer_a, a_to_b, &peer_b, b_to_a, 333, 704);

    /* C joins B again, then B is killed: A and C both see it go */
    if (sscanf(call(&peer_c, "connect %u bob", peer_b.port), "hr %lx %llu", &hr, &c_to_b) != 2) hr = 0xdeadbeef;
    if (hr == PEER_E_ALREADY_EXISTS)
    {
        /* graph maintenance got there first */
        struct conn_item items[8];
        int i, count = list_neighbors(&peer_c, items, ARRAYSIZE(items), "C to B again");

        trace("C is already connected to B again\n");
        for (i = 0, c_to_b = 0; i < count && i < (int)ARRAYSIZE(items); i++)
            if (!strcmp(items[i].peer, "bob")) c_to_b = items[i].id;
    }
    else ok(hr == S_OK && c_to_b, "C: PeerGraphConnect to B again: \"%s\"\n", peer_c.answer);
    if (!c_to_b) return;
    wait_conn(&peer_c, c_to_b, PEER_CONNECTED, peer_b.node_id, "C reconnected to B");
    b_to_c = wait_conn(&peer_b, 0, PEER_CONNECTED, peer_c.node_id, "B accepted C again");
    nb[0] = &peer_a; nb[1] = &peer_c;
    ids[0] = b_to_a; ids[1] = b_to_c;
    check_neighbors(&peer_b, TRUE, 2, nb, ids, "A and C again");
    start = GetTickCount();
    kill_child(&peer_b);
    wait_conn(&peer_a, a_to_b, PEER_DISCONNECTED, 0, "B was killed");
    wait_conn(&peer_c, c_to_b, PEER_DISCONNECTED, 0, "B was killed");
    trace("PEER_DISCONNECTED on both neighbors %lu ms after the kill\n", GetTickCount() - start);
    check_left(&peer_a, &peer_b, PEER_GRAPH_STATUS_LISTENING | PEER_GRAPH_STATUS_SYNCHRONIZED, "B was killed");
    check_left(&peer_c, &peer_b, PEER_GRAPH_STATUS_SYNCHRONIZED, "B was killed");
    hr = call_hr(&peer_c, "send %llu 10 1", c_to_b);
    ok(hr == PEER_E_CONNECTION_NOT_FOUND, "C: PeerGraphSendData to the killed B returned %#lx\n", hr);
    answer = call(&peer_a, "pending");
    ok(sscanf(answer, "pending %*u %*u %*u %u", &u1) == 1 && !u1, "A: unexpected kinds of events: \"%s\"\n", answer);
}

START_TEST(neighbor)
{
    PEER_VERSION_DATA version;
    PEER_GRAPH_PROPERTIES properties;
    WCHAR friendly_name[] = L"p2ptest neighbor connections";
    DWORD start = GetTickCount();
    HRESULT hr;

    if (__argc >= 6 && !strcmp(__argv[1], "nbchild"))
    {
        run_child(__argv[2], __argv[3], __argv[4], __argv[5]);
        return;
    }

    run_deadline = GetTickCount() + RUN_MS;
    hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);
    ok(hr == S_OK, "PeerGraphStartup returned %#lx\n", hr);
    if (hr != S_OK) return;

    snprintf(graph_id, sizeof(graph_id), "p2ptest-neighbor-%lu-%lu", GetCurrentProcessId(), GetTickCount());
    init_peer(&peer_a, "A", "alice");
    init_peer(&peer_b, "B", "bob");
    init_peer(&peer_c, "C", "carol");
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
        if (peer_b.process) finish_child(&peer_b);
        if (peer_c.process) finish_child(&peer_c);
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
