/*
 * The SDK's GraphChat sample, replayed by three processes: its calls in its order, and what
 * its user would see (member list, chat lines, whispers).
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
 * alice (this process) creates the graphs; bob and carol are copies of this program started
 * with "gcchild ROLE MAPPING".  All three run the same script (run_role()), each asserting what
 * it sees itself; they meet at sync points kept in a shared memory block (struct board), which
 * also carries listening ports.  A role that cannot go on raises board->abort and everybody
 * skips to the cleanup.  A child's exit code is its number of failures.
 *
 * Every process handles its graph's events the sample's way: one auto-reset event, waited on
 * with RegisterWaitForSingleObject(INFINITE, WT_EXECUTEDEFAULT), whose callback drains
 * PeerGraphGetEventData until PEER_S_NO_EVENT_DATA (two thread-pool threads may drain at once),
 * registered in one PeerGraphRegisterEvent call for RECORD_CHANGED (chat record type),
 * NODE_CHANGED, STATUS_CHANGED, DIRECT_CONNECTION, INCOMING_DATA (whisper type) and
 * CONNECTION_REQUIRED.  The member list is the own peer id, added after Create/Open, plus
 * NODE_CHANGED CONNECTED peers minus DISCONNECTED ones; NODE_CHANGED UPDATED with node id 0 is
 * news about the local node (the sample reads its address again with GetNodeInfo(0)).  On the
 * first STATUS_CHANGED with SYNCHRONIZED a node that does not listen yet calls PeerGraphListen.
 * On CONNECTION_REQUIRED a joiner connects to the creator again.
 *
 * XP pattern (graph one, scope global): PeerGraphDelete then PeerGraphCreate (cPresenceMax -1),
 * Listen(GLOBAL, 0, 0) and GetNodeInfo(0) for the port; joiners PeerGraphOpen ->
 * PEER_S_GRAPH_DATA_CREATED and PeerGraphConnect(NULL peer id, ::1, NULL pullConnectionId).
 * Checked: every member listed exactly once everywhere (self included: no NODE_CHANGED
 * CONNECTED/DISCONNECTED about the local node, no UPDATED carrying the local node's id); chat
 * lines (PeerGraphAddRecord, expiration UniversalTimeToPeerTime(now) + 60 s, data the UTF-16
 * text with its NUL) shown exactly once on each other member through RECORD_CHANGED ADDED and
 * PeerGraphGetRecord, with the right creator; a record of another type raises no RECORD_CHANGED;
 * whispers (EnumNodes(target) -> GetNextItem(1) -> EndEnumeration -> OpenDirectConnection to
 * pAddresses[0]; SendData when DIRECT_CONNECTION PEER_CONNECTED comes for that id; the receiver
 * finds the sender with EnumConnections(DIRECT), GetItemCount, GetNextItem and closes the
 * connection) reach their target only, once, with the sender's peer id; both ends see
 * PEER_DISCONNECTED for their id afterwards, the third process sees no DIRECT_CONNECTION and no
 * INCOMING_DATA; a whisper to oneself finds the own node with EnumNodes and gets
 * PEER_E_CONNECT_SELF at once, with no event after it; bob leaves (UnregisterWaitEx,
 * UnregisterEvent, Close, Shutdown), the others drop him from their lists, alice writes a line,
 * bob comes back (Startup, Open -> S_OK, Connect(NULL, NULL)), gets the line through
 * synchronization, everybody lists everybody once again, and a whisper to bob's new node works.
 *
 * Vista pattern (graph two, scope link-local): Listen(LINKLOCAL, index of the loopback
 * interface) (skipped for global scope if the namespace offers no such address), Connect with a
 * pullConnectionId that must be the id of the NEIGHBOR_CONNECTION event and of the
 * EnumConnections(NEIGHBOR) entry on the joiner, the creator's entry names the joiner;
 * CloseDirectConnection on the neighbor id -> PEER_E_CONNECTION_NOT_FOUND and chat lines still
 * flow both ways; carol opens the graph (PEER_S_GRAPH_DATA_CREATED), never connects, and opens a
 * direct connection to alice: data both ways, each side knows the other's peer id, carol closes
 * it and both ends see PEER_DISCONNECTED; bob sees none of it.
 *
 * Every connection goes to ::1 and every wait is bounded (WAIT_MS per event, SYNC_MS per sync
 * point, RUN_MS in all).
 */

#include <p2p.h>
#include <iphlpapi.h>

#include "p2ptest.h"
#include "p2ptest_graph.h"

#define WAIT_MS 5000        /* the longest one event may take */
#define SETTLE_MS 500       /* how long a duplicate gets to show up */
#define SYNC_MS 30000       /* the longest one role may wait for the others */
#define RUN_MS 100000       /* the longest the whole script may take */
#define MAX_MEMBERS 16
#define MAX_LINES 64
#define MAX_CONNS 128

enum role { ALICE, BOB, CAROL, ROLES };

static const char *const role_name[ROLES] = {"alice", "bob", "carol"};
static const WCHAR *const peer_name[ROLES] = {L"alice", L"bob", L"carol"};
static const WCHAR db_name[] = L"GraphChatTest";

static GUID chat_type = {0x8a1e64d3, 0x2f0b, 0x4c57, {0x9e, 0x31, 0x6d, 0xb2, 0x08, 0xf4, 0x73, 0xc5}};
static GUID whisper_type = {0x1c7d905e, 0xb4a2, 0x4e68, {0x83, 0x5f, 0x20, 0xe9, 0xca, 0x17, 0x4b, 0x96}};
static GUID other_type = {0xf05b3a28, 0x6e19, 0x47d1, {0xa7, 0xc4, 0x93, 0x0e, 0x5d, 0x82, 0xb6, 0x1f}};

static const WCHAR *const hello[ROLES] =
{
    L"alice: hello everybody \x263a",
    L"bob: caf\x00e9 for me",
    L"carol: \x65e5\x672c from carol",
};
static const WCHAR away_line[] = L"alice: bob is away";
static const WCHAR *const vista_line[2] = {L"alice on the Vista graph", L"bob on the Vista graph"};

/* Shared by the three processes. */
struct board
{
    volatile LONG reached[ROLES];   /* sync points passed by each role */
    volatile LONG abort;            /* somebody gave up: nobody waits any more */
    volatile LONG port[ROLES];      /* listening port in the current graph, host order */
    volatile LONG linklocal;        /* graph two listens with PEER_GRAPH_SCOPE_LINKLOCAL */
    DWORD scope_id;                 /* the loopback interface's index, 0 if unknown */
    WCHAR graph[2][80];             /* the XP graph's id, the Vista graph's id */
};

static struct board *board;
static enum role me;
static const char *who = "alice";
static LONG sync_count;
static BOOL started;

struct line
{
    BOOL whisper;
    WCHAR from[40];
    WCHAR text[100];
};

struct conn_event
{
    PEER_GRAPH_EVENT_TYPE type;     /* DIRECT_CONNECTION or NEIGHBOR_CONNECTION */
    PEER_CONNECTION_STATUS status;
    ULONGLONG id, node;
};

/* What the sample keeps in globals and shows in its window: one graph at a time. */
static struct
{
    CRITICAL_SECTION cs;
    HGRAPH graph;
    HANDLE event, wait;
    HPEEREVENT peer_event;
    BOOL vista;                     /* also register NEIGHBOR_CONNECTION */
    BOOL auto_close;                /* close a direct connection once its data came */
    ULONGLONG self_node;
    BOOL synchronized;
    DWORD scope, scope_id;          /* how to listen once synchronized */
    USHORT rendezvous;              /* where to connect on CONNECTION_REQUIRED (0: nowhere) */
    USHORT port;                    /* set when the STATUS_CHANGED handler listened */
    HRESULT listen_hr;
    BOOL listened;
    WCHAR members[MAX_MEMBERS][40];
    unsigned int member_count;
    struct line lines[MAX_LINES];   /* kept across graphs of one phase, as the chat window */
    unsigned int line_count;
    struct conn_event conns[MAX_CONNS];
    unsigned int conn_count;
    /* a whisper on its way: sent when DIRECT_CONNECTION PEER_CONNECTED comes for whisper_id */
    ULONGLONG whisper_id;
    const WCHAR *whisper_text;
    unsigned int sent;
    HRESULT send_hr;
    /* whispers received */
    unsigned int incoming;
    ULONGLONG incoming_id;
    HRESULT close_hr;
    /* what must not happen */
    unsigned int self_events, other_records, bad_events;
    char self_note[120];
    /* for the trace */
    unsigned int local_updates, required;
    HRESULT required_hr;
} chat;

/* ---------------------------------------------------------------------------------------
 * Small helpers.
 */

/* cond, evaluated under the lock every 20 ms until it holds or ms passed */
#define WAIT_UNTIL(ms, cond) ({ \
    DWORD end_ = GetTickCount() + bounded(ms); \
    BOOL met_; \
    for (;;) \
    { \
        EnterCriticalSection(&chat.cs); \
        met_ = !!(cond); \
        LeaveCriticalSection(&chat.cs); \
        if (met_ || (LONG)(GetTickCount() - end_) >= 0) break; \
        Sleep(20); \
    } \
    met_; })

static const char *narrow(const WCHAR *text)
{
    static char buffers[4][200];
    static LONG next;
    char *out = buffers[InterlockedIncrement(&next) % 4];

    if (!text) return "(null)";
    WideCharToMultiByte(CP_UTF8, 0, text, -1, out, 200, NULL, NULL);
    out[199] = 0;
    return out;
}

static BOOL same_text(const WCHAR *a, const WCHAR *b)
{
    return a && b && !lstrcmpW(a, b);
}

/* Tells the others to stop waiting for us. */
static void give_up(const char *why)
{
    trace("%s: giving up: %s\n", who, why);
    InterlockedExchange(&board->abort, 1);
}

/* Waits until every role has called sync_all() as often as we have. */
static BOOL sync_all(const char *label)
{
    DWORD end = GetTickCount() + bounded(SYNC_MS);
    LONG n = ++sync_count;
    int i;

    InterlockedExchange(&board->reached[me], n);
    for (;;)
    {
        for (i = 0; i < ROLES && board->reached[i] >= n; i++) ;
        if (i == ROLES) return TRUE;
        if (board->abort) return FALSE;
        if ((LONG)(GetTickCount() - end) >= 0) break;
        Sleep(10);
    }
    ok(0, "%s: %s did not come to \"%s\"\n", who, role_name[i], label);
    give_up("a sync point timed out");
    return FALSE;
}

/* ---------------------------------------------------------------------------------------
 * The sample's bookkeeping (callers hold chat.cs).
 */

static void add_member(const WCHAR *peer)
{
    if (chat.member_count == MAX_MEMBERS) return;
    lstrcpynW(chat.members[chat.member_count++], peer ? peer : L"(null)", 40);
}

static void remove_member(const WCHAR *peer)
{
    unsigned int i;

    for (i = 0; i < chat.member_count; i++)
        if (same_text(chat.members[i], peer))
        {
            memmove(&chat.members[i], &chat.members[i + 1], (chat.member_count - i - 1) * sizeof(chat.members[0]));
            chat.member_count--;
            return;
        }
}

static unsigned int member_times(const WCHAR *peer)
{
    unsigned int i, count = 0;

    for (i = 0; i < chat.member_count; i++) count += same_text(chat.members[i], peer);
    return count;
}

/* Whether the list holds the roles of mask, each once, and nobody else. */
static BOOL members_are(unsigned int mask)
{
    unsigned int r, expected = 0;

    for (r = 0; r < ROLES; r++)
    {
        if (!(mask & (1u << r))) continue;
        if (member_times(peer_name[r]) != 1) return FALSE;
        expected++;
    }
    return chat.member_count == expected;
}

static const char *member_text(void)
{
    static char text[400];
    unsigned int i;

    text[0] = 0;
    for (i = 0; i < chat.member_count; i++)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%s", i ? "," : "", narrow(chat.members[i]));
    return text;
}

/* Shows a chat line or whisper: the data must be UTF-16 text with its NUL. */
static void display(BOOL whisper, const WCHAR *from, const PEER_DATA *data)
{
    const WCHAR *text = (const WCHAR *)data->pbData;
    ULONG chars = data->cbData / sizeof(WCHAR);
    struct line *line;

    if (!text || !chars || data->cbData % sizeof(WCHAR) || text[chars - 1] || lstrlenW(text) != (int)chars - 1)
    {
        ok(0, "%s: %s from %s: %lu bytes that are no NUL-terminated UTF-16 text\n", who,
           whisper ? "whisper" : "chat line", narrow(from), data->cbData);
        return;
    }
    EnterCriticalSection(&chat.cs);
    if (chat.line_count < MAX_LINES)
    {
        line = &chat.lines[chat.line_count++];
        line->whisper = whisper;
        lstrcpynW(line->from, from ? from : L"(null)", ARRAYSIZE(line->from));
        lstrcpynW(line->text, text, ARRAYSIZE(line->text));
    }
    LeaveCriticalSection(&chat.cs);
    trace("%s: [%s%s]: %s\n", who, whisper ? "whisper from " : "", narrow(from), narrow(text));
}

static unsigned int line_times(BOOL whisper, const WCHAR *from, const WCHAR *text)
{
    unsigned int i, count = 0;

    for (i = 0; i < chat.line_count; i++)
        count += chat.lines[i].whisper == whisper && same_text(chat.lines[i].from, from) &&
                 same_text(chat.lines[i].text, text);
    return count;
}

/* Connection events since mark: type, status (-1 any), id (0 any). */
static unsigned int conn_times(PEER_GRAPH_EVENT_TYPE type, int status, ULONGLONG id, unsigned int mark)
{
    unsigned int i, count = 0;

    for (i = mark; i < chat.conn_count; i++)
        count += chat.conns[i].type == type && (status < 0 || (int)chat.conns[i].status == status) &&
                 (!id || chat.conns[i].id == id);
    return count;
}

/* The id of the first connection event since mark of type and status, 0 if none. */
static ULONGLONG conn_id(PEER_GRAPH_EVENT_TYPE type, PEER_CONNECTION_STATUS status, unsigned int mark)
{
    unsigned int i;

    for (i = mark; i < chat.conn_count; i++)
        if (chat.conns[i].type == type && chat.conns[i].status == status) return chat.conns[i].id;
    return 0;
}

/* GetNodeInfo(0), as the sample's RegisterAddress(): the local node id, the first address's
 * port, whether every address is ::1. */
static HRESULT read_local_node(ULONGLONG *node, USHORT *port, BOOL *loopback)
{
    PEER_NODE_INFO *info = NULL;
    HRESULT hr = PeerGraphGetNodeInfo(chat.graph, 0, &info);
    ULONG i;

    if (hr != S_OK) return hr;
    if (node) *node = info->ullNodeId;
    if (port) *port = info->cAddresses && info->pAddresses ? swap16(info->pAddresses[0].sin6.sin6_port) : 0;
    if (loopback)
    {
        *loopback = info->cAddresses && info->pAddresses;
        for (i = 0; *loopback && i < info->cAddresses; i++) *loopback = IN6ADDR_ISLOOPBACK(&info->pAddresses[i].sin6);
    }
    PeerGraphFreeData(info);
    return hr;
}

/* The sample's lookup of a connection: EnumConnections, GetItemCount, GetNextItem(that
 * count), the entry with that id.  Copies its peer id; FALSE if the id is not listed. */
static BOOL find_connection(DWORD flags, ULONGLONG id, WCHAR *peer, int size)
{
    PEER_CONNECTION_INFO **items = NULL;
    HPEERENUM peer_enum;
    ULONG count = 0, i;
    BOOL found = FALSE;
    HRESULT hr;

    hr = PeerGraphEnumConnections(chat.graph, flags, &peer_enum);
    if (hr != S_OK)
    {
        ok(0, "%s: PeerGraphEnumConnections(%#lx) returned %#lx\n", who, flags, hr);
        return FALSE;
    }
    hr = PeerGraphGetItemCount(peer_enum, &count);
    if (hr == S_OK && count) hr = PeerGraphGetNextItem(peer_enum, &count, (void ***)&items);
    if (hr != S_OK) ok(0, "%s: enumerating connections failed: %#lx\n", who, hr);
    for (i = 0; hr == S_OK && items && i < count && !found; i++)
    {
        if (items[i]->ullConnectionId != id) continue;
        found = TRUE;
        if (!(items[i]->dwFlags & flags))
            ok(0, "%s: connection %llu listed with flags %#lx for %#lx\n", who, id, items[i]->dwFlags, flags);
        if (peer) lstrcpynW(peer, items[i]->pwzPeerId ? items[i]->pwzPeerId : L"(null)", size);
    }
    if (items) PeerGraphFreeData(items);
    PeerGraphEndEnumeration(peer_enum);
    return found;
}

/* ---------------------------------------------------------------------------------------
 * The event callback and its handlers, as the sample has them.
 */

static void on_record_changed(const PEER_EVENT_RECORD_CHANGE_DATA *change)
{
    PEER_RECORD *record;
    HRESULT hr;

    if (!IsEqualGUID(&change->recordType, &chat_type))
    {
        EnterCriticalSection(&chat.cs);
        chat.other_records++;
        LeaveCriticalSection(&chat.cs);
        return;
    }
    if (change->changeType != PEER_RECORD_ADDED) return;
    hr = PeerGraphGetRecord(chat.graph, &change->recordId, &record);
    if (hr != S_OK)
    {
        ok(0, "%s: PeerGraphGetRecord of a new chat line returned %#lx\n", who, hr);
        return;
    }
    if (!IsEqualGUID(&record->type, &chat_type) || !IsEqualGUID(&record->id, &change->recordId))
        ok(0, "%s: PeerGraphGetRecord gave a record of another type or id\n", who);
    display(FALSE, record->pwzCreatorId, &record->data);
    PeerGraphFreeData(record);
}

static void on_status_changed(DWORD status)
{
    PEER_GRAPH_PROPERTIES *properties = NULL;
    BOOL listen_now;
    USHORT port = 0;
    HRESULT hr;

    hr = PeerGraphGetProperties(chat.graph, &properties);
    if (hr == S_OK) PeerGraphFreeData(properties);
    else if (status & PEER_GRAPH_STATUS_SYNCHRONIZED)
        ok(0, "%s: PeerGraphGetProperties of a synchronized graph returned %#lx\n", who, hr);

    EnterCriticalSection(&chat.cs);
    listen_now = (status & PEER_GRAPH_STATUS_SYNCHRONIZED) && !chat.synchronized &&
                 !(status & PEER_GRAPH_STATUS_LISTENING);
    if (status & PEER_GRAPH_STATUS_SYNCHRONIZED) chat.synchronized = TRUE;
    LeaveCriticalSection(&chat.cs);
    if (!listen_now) return;

    hr = PeerGraphListen(chat.graph, chat.scope, chat.scope_id, 0);
    if (hr == S_OK) hr = read_local_node(NULL, &port, NULL);
    EnterCriticalSection(&chat.cs);
    chat.listen_hr = hr;
    chat.port = port;
    chat.listened = TRUE;
    LeaveCriticalSection(&chat.cs);
}

static void on_node_changed(const PEER_EVENT_NODE_CHANGE_DATA *change)
{
    static const char *const kinds[] = {"?", "CONNECTED", "DISCONNECTED", "UPDATED"};
    BOOL local = chat.self_node && change->ullNodeId == chat.self_node;
    HRESULT hr;

    if (change->changeType == PEER_NODE_CHANGE_UPDATED && !change->ullNodeId)
    {
        /* news about the local node: the sample registers its address again */
        hr = read_local_node(NULL, NULL, NULL);
        if (hr != S_OK) ok(0, "%s: PeerGraphGetNodeInfo(0) after a local UPDATED returned %#lx\n", who, hr);
        EnterCriticalSection(&chat.cs);
        chat.local_updates++;
        LeaveCriticalSection(&chat.cs);
        return;
    }
    EnterCriticalSection(&chat.cs);
    if (local || change->dwSize != sizeof(*change) || change->changeType < PEER_NODE_CHANGE_CONNECTED ||
        change->changeType > PEER_NODE_CHANGE_UPDATED)
    {
        if (local) chat.self_events++;
        else chat.bad_events++;
        snprintf(chat.self_note, sizeof(chat.self_note), "NODE_CHANGED %s, node %llx, peer %s, dwSize %lu",
                 kinds[change->changeType <= 3 ? change->changeType : 0], change->ullNodeId,
                 narrow(change->pwzPeerId), change->dwSize);
    }
    /* what the sample does with it, whatever it is about */
    if (change->changeType == PEER_NODE_CHANGE_CONNECTED) add_member(change->pwzPeerId);
    else if (change->changeType == PEER_NODE_CHANGE_DISCONNECTED) remove_member(change->pwzPeerId);
    LeaveCriticalSection(&chat.cs);
}

static void on_connection(PEER_GRAPH_EVENT_TYPE type, const PEER_EVENT_CONNECTION_CHANGE_DATA *change)
{
    const WCHAR *text = NULL;
    ULONGLONG id = change->ullConnectionId;
    HRESULT hr;

    EnterCriticalSection(&chat.cs);
    if (chat.conn_count < MAX_CONNS)
    {
        chat.conns[chat.conn_count].type = type;
        chat.conns[chat.conn_count].status = change->status;
        chat.conns[chat.conn_count].id = id;
        chat.conns[chat.conn_count++].node = change->ullNodeId;
    }
    if (type == PEER_GRAPH_EVENT_DIRECT_CONNECTION && change->status == PEER_CONNECTED && id &&
        id == chat.whisper_id && chat.whisper_text)
    {
        text = chat.whisper_text;
        chat.whisper_text = NULL;
    }
    LeaveCriticalSection(&chat.cs);
    if (!text) return;

    hr = PeerGraphSendData(chat.graph, id, &whisper_type, (lstrlenW(text) + 1) * sizeof(WCHAR), (void *)text);
    EnterCriticalSection(&chat.cs);
    chat.sent++;
    chat.send_hr = hr;
    LeaveCriticalSection(&chat.cs);
}

static void on_incoming_data(const PEER_EVENT_INCOMING_DATA *in)
{
    WCHAR from[40] = L"(not listed)";
    HRESULT hr = S_OK;

    if (!IsEqualGUID(&in->type, &whisper_type)) ok(0, "%s: INCOMING_DATA of type %s\n", who, dbgstr_guid(&in->type));
    find_connection(PEER_CONNECTION_DIRECT, in->ullConnectionId, from, ARRAYSIZE(from));
    if (chat.auto_close) hr = PeerGraphCloseDirectConnection(chat.graph, in->ullConnectionId);
    /* counted before the line appears: a test that waits for the line then
     * reads incoming_id must see this connection's, not the previous one's */
    EnterCriticalSection(&chat.cs);
    chat.incoming++;
    chat.incoming_id = in->ullConnectionId;
    if (chat.auto_close) chat.close_hr = hr;
    LeaveCriticalSection(&chat.cs);
    display(TRUE, from, &in->data);
}

static void on_connection_required(void)
{
    PEER_ADDRESS address;
    ULONGLONG id;
    HRESULT hr = S_OK;

    if (chat.rendezvous)
    {
        loopback_address(&address, chat.rendezvous);
        hr = PeerGraphConnect(chat.graph, NULL, &address, chat.vista ? &id : NULL);
    }
    EnterCriticalSection(&chat.cs);
    chat.required++;
    chat.required_hr = hr;
    LeaveCriticalSection(&chat.cs);
}

static void CALLBACK on_graph_event(void *context, BOOLEAN timed_out)
{
    PEER_GRAPH_EVENT_DATA *data;
    HRESULT hr;

    (void)context;
    (void)timed_out;
    while ((hr = PeerGraphGetEventData(chat.peer_event, &data)) == S_OK && data)
    {
        switch (data->eventType)
        {
        case PEER_GRAPH_EVENT_RECORD_CHANGED: on_record_changed(&data->recordChangeData); break;
        case PEER_GRAPH_EVENT_STATUS_CHANGED: on_status_changed(data->dwStatus); break;
        case PEER_GRAPH_EVENT_NODE_CHANGED: on_node_changed(&data->nodeChangeData); break;
        case PEER_GRAPH_EVENT_DIRECT_CONNECTION:
        case PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION: on_connection(data->eventType, &data->connectionChangeData); break;
        case PEER_GRAPH_EVENT_INCOMING_DATA: on_incoming_data(&data->incomingData); break;
        case PEER_GRAPH_EVENT_CONNECTION_REQUIRED: on_connection_required(); break;
        default: ok(0, "%s: event of unregistered type %u\n", who, data->eventType); break;
        }
        PeerGraphFreeData(data);
    }
    if (hr != PEER_S_NO_EVENT_DATA) ok(0, "%s: PeerGraphGetEventData returned %#lx\n", who, hr);
}

/* ---------------------------------------------------------------------------------------
 * The sample's graph calls.
 */

static BOOL startup(void)
{
    PEER_VERSION_DATA version;
    HRESULT hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version);

    ok(hr == S_OK, "%s: PeerGraphStartup returned %#lx\n", who, hr);
    started = hr == S_OK;
    return started;
}

/* A new graph (or a new session of one): fresh bookkeeping, except the chat window. */
static void reset_chat(BOOL vista)
{
    EnterCriticalSection(&chat.cs);
    chat.graph = NULL;
    chat.vista = vista;
    chat.auto_close = !vista;
    chat.self_node = 0;
    chat.synchronized = chat.listened = FALSE;
    chat.port = chat.rendezvous = 0;
    chat.member_count = chat.conn_count = 0;
    chat.whisper_id = 0;
    chat.whisper_text = NULL;
    LeaveCriticalSection(&chat.cs);
}

/* Registration (the six events, and NEIGHBOR_CONNECTION for the Vista checks), the wait
 * callback, and the own peer id in the member list. */
static BOOL prepare_to_chat(void)
{
    PEER_GRAPH_EVENT_REGISTRATION regs[] =
    {
        {PEER_GRAPH_EVENT_RECORD_CHANGED, &chat_type},
        {PEER_GRAPH_EVENT_NODE_CHANGED, NULL},
        {PEER_GRAPH_EVENT_STATUS_CHANGED, NULL},
        {PEER_GRAPH_EVENT_DIRECT_CONNECTION, NULL},
        {PEER_GRAPH_EVENT_INCOMING_DATA, &whisper_type},
        {PEER_GRAPH_EVENT_CONNECTION_REQUIRED, NULL},
        {PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION, NULL},
    };
    ULONGLONG node = 0;
    HRESULT hr;
    BOOL ret;

    chat.event = CreateEventW(NULL, FALSE, FALSE, NULL);
    hr = PeerGraphRegisterEvent(chat.graph, chat.event, chat.vista ? 7 : 6, regs, &chat.peer_event);
    ok(hr == S_OK, "%s: PeerGraphRegisterEvent returned %#lx\n", who, hr);
    if (hr != S_OK) return FALSE;
    ret = RegisterWaitForSingleObject(&chat.wait, chat.event, on_graph_event, NULL, INFINITE, WT_EXECUTEDEFAULT);
    ok(ret, "%s: RegisterWaitForSingleObject failed: %lu\n", who, GetLastError());
    if (!ret) return FALSE;

    hr = read_local_node(&node, NULL, NULL);
    ok(hr == S_OK && node, "%s: PeerGraphGetNodeInfo(0) returned %#lx, node %llx\n", who, hr, node);
    EnterCriticalSection(&chat.cs);
    chat.self_node = node;
    add_member(peer_name[me]);
    LeaveCriticalSection(&chat.cs);
    return TRUE;
}

/* The sample's CleanupGraph() without PeerGraphShutdown. */
static void cleanup_graph(void)
{
    HRESULT hr;

    if (chat.wait)
    {
        ok(UnregisterWaitEx(chat.wait, INVALID_HANDLE_VALUE), "%s: UnregisterWaitEx failed: %lu\n", who,
           GetLastError());
        chat.wait = NULL;
    }
    if (chat.peer_event)
    {
        hr = PeerGraphUnregisterEvent(chat.peer_event);
        ok(hr == S_OK, "%s: PeerGraphUnregisterEvent returned %#lx\n", who, hr);
        chat.peer_event = NULL;
    }
    if (chat.event) CloseHandle(chat.event);
    chat.event = NULL;
    if (chat.graph)
    {
        hr = PeerGraphClose(chat.graph);
        ok(hr == S_OK, "%s: PeerGraphClose returned %#lx\n", who, hr);
        chat.graph = NULL;
    }
}

static void leave(void)
{
    HRESULT hr;

    cleanup_graph();
    if (!started) return;
    hr = PeerGraphShutdown();
    ok(hr == S_OK, "%s: PeerGraphShutdown returned %#lx\n", who, hr);
    started = FALSE;
}

static void delete_graph(int which)
{
    HRESULT hr = PeerGraphDelete(board->graph[which], peer_name[me], db_name);

    /* nothing to delete is no failure worth reporting here */
    if (FAILED(hr)) trace("%s: PeerGraphDelete of graph %d returned %#lx\n", who, which, hr);
}

/* The creator: Delete, Create, register, Listen (scope), and the port for the others. */
static BOOL create_graph(int which, DWORD scope, DWORD scope_id)
{
    WCHAR friendly[] = L"GraphChat test graph";
    PEER_GRAPH_PROPERTIES properties;
    USHORT port = 0;
    BOOL loopback = FALSE;
    HRESULT hr;

    reset_chat(which == 1);
    delete_graph(which);
    memset(&properties, 0, sizeof(properties));
    properties.dwSize = sizeof(properties);
    properties.dwScope = which ? PEER_GRAPH_SCOPE_LINKLOCAL : PEER_GRAPH_SCOPE_GLOBAL;
    properties.pwzGraphId = board->graph[which];
    properties.pwzCreatorId = (WCHAR *)peer_name[me];
    properties.pwzFriendlyName = friendly;
    properties.cPresenceMax = (ULONG)-1;
    hr = PeerGraphCreate(&properties, db_name, NULL, &chat.graph);
    ok(hr == S_OK, "%s: PeerGraphCreate returned %#lx\n", who, hr);
    if (hr != S_OK) return FALSE;
    chat.synchronized = TRUE;
    if (!prepare_to_chat()) return FALSE;

    if (scope == PEER_GRAPH_SCOPE_LINKLOCAL)
    {
        hr = PeerGraphListen(chat.graph, PEER_GRAPH_SCOPE_LINKLOCAL, scope_id, 0);
        ok(hr == S_OK || hr == E_INVALIDARG, "%s: PeerGraphListen(LINKLOCAL, %lu) returned %#lx\n", who, scope_id, hr);
        if (hr == S_OK) hr = read_local_node(NULL, &port, &loopback);
        if (hr == S_OK && port && loopback) InterlockedExchange(&board->linklocal, 1);
        else
        {
            skip("%s: no link-local listening on ::1 here (hr %#lx, port %u): the Vista graph listens globally\n",
                 who, hr, port);
            hr = PeerGraphListen(chat.graph, PEER_GRAPH_SCOPE_GLOBAL, 0, 0);
            ok(hr == S_OK || hr == PEER_E_ALREADY_LISTENING, "%s: PeerGraphListen(GLOBAL) returned %#lx\n", who, hr);
        }
    }
    else
    {
        hr = PeerGraphListen(chat.graph, PEER_GRAPH_SCOPE_GLOBAL, 0, 0);
        ok(hr == S_OK, "%s: PeerGraphListen(GLOBAL, 0, 0) returned %#lx\n", who, hr);
    }
    hr = read_local_node(NULL, &port, &loopback);
    ok(hr == S_OK && port && loopback, "%s: PeerGraphGetNodeInfo(0) after Listen: %#lx, port %u, only ::1 %d\n",
       who, hr, port, loopback);
    if (hr != S_OK || !port) return FALSE;
    InterlockedExchange(&board->port[me], port);
    return TRUE;
}

static HRESULT connect_to_creator(ULONGLONG *id)
{
    PEER_ADDRESS address;

    loopback_address(&address, (USHORT)board->port[ALICE]);
    return PeerGraphConnect(chat.graph, NULL, &address, id);
}

/* A joiner: Open, register, and (XP pattern) Connect(NULL, creator, NULL). */
static BOOL open_graph(int which, HRESULT expected, BOOL do_connect)
{
    ULONGLONG id = 0;
    HRESULT hr;

    reset_chat(which == 1);
    hr = PeerGraphOpen(board->graph[which], peer_name[me], db_name, NULL, 0, NULL, &chat.graph);
    ok(hr == expected, "%s: PeerGraphOpen returned %#lx, expected %#lx\n", who, hr, expected);
    if (FAILED(hr)) return FALSE;
    if (which == 1 && board->linklocal)
    {
        chat.scope = PEER_GRAPH_SCOPE_LINKLOCAL;
        chat.scope_id = board->scope_id;
    }
    else
    {
        chat.scope = PEER_GRAPH_SCOPE_GLOBAL;
        chat.scope_id = 0;
    }
    if (!prepare_to_chat()) return FALSE;
    if (!do_connect) return TRUE;

    chat.rendezvous = (USHORT)board->port[ALICE];
    hr = connect_to_creator(NULL);
    ok(hr == S_OK, "%s: PeerGraphConnect(NULL peer id, ::1, NULL pullConnectionId) returned %#lx\n", who, hr);
    if (hr == E_INVALIDARG)
    {
        /* to check the rest all the same */
        hr = connect_to_creator(&id);
        trace("%s: PeerGraphConnect with a connection id variable returned %#lx\n", who, hr);
    }
    return hr == S_OK;
}

/* The sample's AddChatRecord(). */
static void add_chat_record(const GUID *type, const WCHAR *text)
{
    FILETIME now, expiration;
    PEER_RECORD record;
    GUID id;
    HRESULT hr;

    GetSystemTimeAsFileTime(&now);
    hr = PeerGraphUniversalTimeToPeerTime(chat.graph, &now, &expiration);
    ok(hr == S_OK, "%s: PeerGraphUniversalTimeToPeerTime returned %#lx\n", who, hr);
    memset(&record, 0, sizeof(record));
    record.dwSize = sizeof(record);
    record.type = *type;
    record.data.cbData = (lstrlenW(text) + 1) * sizeof(WCHAR);
    record.data.pbData = (BYTE *)text;
    record.ftExpiration = ull_to_ft(ft_to_ull(&expiration) + 60 * 10000000ull);
    hr = PeerGraphAddRecord(chat.graph, &record, &id);
    ok(hr == S_OK, "%s: PeerGraphAddRecord of %s returned %#lx\n", who, narrow(text), hr);
}

/* The first half of the sample's OpenDirectConnection(): EnumNodes(peer), GetNextItem(1),
 * EndEnumeration; the node's id and first address. */
static BOOL find_node(const WCHAR *peer, PEER_ADDRESS *address, ULONGLONG *node)
{
    PEER_NODE_INFO **nodes = NULL;
    HPEERENUM peer_enum;
    ULONG count = 1;
    BOOL found;
    HRESULT hr;

    *node = 0;
    hr = PeerGraphEnumNodes(chat.graph, peer, &peer_enum);
    ok(hr == S_OK, "%s: PeerGraphEnumNodes(%s) returned %#lx\n", who, narrow(peer), hr);
    if (hr != S_OK) return FALSE;
    hr = PeerGraphGetNextItem(peer_enum, &count, (void ***)&nodes);
    PeerGraphEndEnumeration(peer_enum);
    found = hr == S_OK && count == 1 && nodes && nodes[0]->cAddresses && nodes[0]->pAddresses;
    ok(found && same_text(nodes[0]->pwzPeerId, peer), "%s: PeerGraphGetNextItem(1) on EnumNodes(%s): %#lx, "
       "%lu nodes\n", who, narrow(peer), hr, count);
    if (found)
    {
        *node = nodes[0]->ullNodeId;
        *address = nodes[0]->pAddresses[0];
        ok(IN6ADDR_ISLOOPBACK(&address->sin6), "%s: %s's first address is not ::1\n", who, narrow(peer));
        if (!IN6ADDR_ISLOOPBACK(&address->sin6)) loopback_address(address, swap16(address->sin6.sin6_port));
    }
    if (nodes) PeerGraphFreeData(nodes);
    return found;
}

/* The second half: PeerGraphOpenDirectConnection, its id stored before the DIRECT_CONNECTION
 * handler can look for it; the handler sends text once PEER_CONNECTED comes for it. */
static HRESULT open_whisper(const WCHAR *to, PEER_ADDRESS *address, const WCHAR *text, ULONGLONG *id)
{
    HRESULT hr;

    EnterCriticalSection(&chat.cs);
    chat.whisper_text = text;
    chat.sent = 0;
    chat.whisper_id = 0;
    hr = PeerGraphOpenDirectConnection(chat.graph, to, address, &chat.whisper_id);
    *id = chat.whisper_id;
    if (hr != S_OK) chat.whisper_text = NULL;
    LeaveCriticalSection(&chat.cs);
    return hr;
}

/* ---------------------------------------------------------------------------------------
 * Checks.
 */

/* The member list becomes exactly the roles of mask and stays so. */
static void check_members(unsigned int mask, const char *when)
{
    BOOL same = WAIT_UNTIL(WAIT_MS, members_are(mask));

    if (same) Sleep(SETTLE_MS);
    EnterCriticalSection(&chat.cs);
    same = members_are(mask);
    ok(same, "%s: member list [%s] %s: everybody of %s%s%s exactly once expected\n", who, member_text(), when,
       mask & 1 ? "alice " : "", mask & 2 ? "bob " : "", mask & 4 ? "carol" : "");
    LeaveCriticalSection(&chat.cs);
}

static void check_local_node_events(const char *when)
{
    EnterCriticalSection(&chat.cs);
    ok(!chat.self_events, "%s: %u NODE_CHANGED CONNECTED/DISCONNECTED/UPDATED with the local node's id %s (last: %s)\n",
       who, chat.self_events, when, chat.self_note);
    ok(!chat.bad_events, "%s: %u malformed NODE_CHANGED %s (last: %s)\n", who, chat.bad_events, when, chat.self_note);
    chat.self_events = chat.bad_events = 0;
    LeaveCriticalSection(&chat.cs);
}

/* Each line of lines[] from another role (from[]) shows up exactly once. */
static void check_lines(const WCHAR *const *lines, const enum role *from, int count, const char *when)
{
    int i;

    for (i = 0; i < count; i++)
        if (from[i] != me) WAIT_UNTIL(WAIT_MS, line_times(FALSE, peer_name[from[i]], lines[i]));
    Sleep(SETTLE_MS);
    EnterCriticalSection(&chat.cs);
    for (i = 0; i < count; i++)
    {
        unsigned int times = line_times(FALSE, peer_name[from[i]], lines[i]);

        if (from[i] != me)
            ok(times == 1, "%s: chat line %s from %s shown %u times %s\n", who, narrow(lines[i]),
               role_name[from[i]], times, when);
        else if (times != 1)
            trace("%s: own chat line shown %u times\n", who, times);
    }
    LeaveCriticalSection(&chat.cs);
}

/* What the sender of a whisper sees: PEER_CONNECTED for its id, its data sent, then
 * PEER_DISCONNECTED when the receiver closed the connection. */
static void check_sender(HRESULT hr, ULONGLONG id, const char *to, unsigned int mark)
{
    BOOL done;

    ok(hr == S_OK && id, "%s: PeerGraphOpenDirectConnection to %s returned %#lx, id %llu\n", who, to, hr, id);
    if (hr != S_OK) return;
    done = WAIT_UNTIL(WAIT_MS, chat.sent);
    EnterCriticalSection(&chat.cs);
    ok(done && chat.send_hr == S_OK, "%s: whisper to %s: %u sent, PeerGraphSendData returned %#lx\n", who, to,
       chat.sent, chat.send_hr);
    LeaveCriticalSection(&chat.cs);
    done = WAIT_UNTIL(WAIT_MS, conn_times(PEER_GRAPH_EVENT_DIRECT_CONNECTION, PEER_DISCONNECTED, id, mark));
    ok(done, "%s: no PEER_DISCONNECTED for %llu after %s closed the whisper's connection\n", who, id, to);
    EnterCriticalSection(&chat.cs);
    ok(conn_times(PEER_GRAPH_EVENT_DIRECT_CONNECTION, PEER_CONNECTED, 0, mark) == 1 &&
       conn_times(PEER_GRAPH_EVENT_DIRECT_CONNECTION, PEER_CONNECTED, id, mark) == 1 &&
       !conn_times(PEER_GRAPH_EVENT_DIRECT_CONNECTION, PEER_CONNECTION_FAILED, 0, mark),
       "%s: whisper to %s: %u PEER_CONNECTED for id %llu, %u in all, %u failures\n", who, to,
       conn_times(PEER_GRAPH_EVENT_DIRECT_CONNECTION, PEER_CONNECTED, id, mark),
       id, conn_times(PEER_GRAPH_EVENT_DIRECT_CONNECTION, PEER_CONNECTED, 0, mark),
       conn_times(PEER_GRAPH_EVENT_DIRECT_CONNECTION, PEER_CONNECTION_FAILED, 0, mark));
    LeaveCriticalSection(&chat.cs);
}

/* What the target sees: the whisper, once, from the sender's peer id, on the connection its
 * PEER_CONNECTED event named; its close succeeded and raised PEER_DISCONNECTED here too. */
static void check_receiver(enum role from, const WCHAR *text, unsigned int mark, unsigned int incoming_mark)
{
    ULONGLONG id;
    BOOL got;

    got = WAIT_UNTIL(WAIT_MS, line_times(TRUE, peer_name[from], text) && chat.incoming > incoming_mark);
    EnterCriticalSection(&chat.cs);
    id = conn_id(PEER_GRAPH_EVENT_DIRECT_CONNECTION, PEER_CONNECTED, mark);
    ok(got, "%s: no whisper %s from %s (%u whispers came, last from connection %llu)\n", who, narrow(text),
       role_name[from], chat.incoming - incoming_mark, chat.incoming_id);
    ok(id && chat.incoming_id == id, "%s: whisper on connection %llu, PEER_CONNECTED was for %llu\n", who,
       chat.incoming_id, id);
    ok(chat.close_hr == S_OK, "%s: PeerGraphCloseDirectConnection returned %#lx\n", who, chat.close_hr);
    LeaveCriticalSection(&chat.cs);
    if (!id) return;
    got = WAIT_UNTIL(WAIT_MS, conn_times(PEER_GRAPH_EVENT_DIRECT_CONNECTION, PEER_DISCONNECTED, id, mark));
    ok(got, "%s: no PEER_DISCONNECTED for %llu after closing it\n", who, id);
    Sleep(SETTLE_MS);
    EnterCriticalSection(&chat.cs);
    ok(line_times(TRUE, peer_name[from], text) == 1 && chat.incoming == incoming_mark + 1,
       "%s: whisper from %s shown %u times, %u INCOMING_DATA\n", who, role_name[from],
       line_times(TRUE, peer_name[from], text), chat.incoming - incoming_mark);
    LeaveCriticalSection(&chat.cs);
}

/* Nothing of a direct connection between the two others reached us. */
static void check_bystander(unsigned int mark, unsigned int incoming_mark, const char *what)
{
    EnterCriticalSection(&chat.cs);
    ok(!conn_times(PEER_GRAPH_EVENT_DIRECT_CONNECTION, -1, 0, mark) && chat.incoming == incoming_mark,
       "%s: %u DIRECT_CONNECTION and %u INCOMING_DATA events during %s\n", who,
       conn_times(PEER_GRAPH_EVENT_DIRECT_CONNECTION, -1, 0, mark), chat.incoming - incoming_mark, what);
    LeaveCriticalSection(&chat.cs);
}

/* from whispers text to to, as the sample's Whisper dialog does. */
static BOOL whisper_round(enum role from, enum role to, const WCHAR *text)
{
    unsigned int mark, incoming_mark;
    ULONGLONG id = 0, node;
    PEER_ADDRESS address;
    HRESULT hr;

    /* before the sync point: once past it, the whisper may come at once */
    EnterCriticalSection(&chat.cs);
    mark = chat.conn_count;
    incoming_mark = chat.incoming;
    LeaveCriticalSection(&chat.cs);
    if (!sync_all("whisper")) return FALSE;
    if (me == from)
    {
        hr = find_node(peer_name[to], &address, &node) ? open_whisper(peer_name[to], &address, text, &id) : E_FAIL;
        check_sender(hr, id, role_name[to], mark);
    }
    else if (me == to) check_receiver(from, text, mark, incoming_mark);
    if (!sync_all("whisper done")) return FALSE;
    if (me != from && me != to) check_bystander(mark, incoming_mark, "a whisper between the two others");
    return TRUE;
}

/* "Cannot Whisper to Self": EnumNodes(own peer id) lists the own node (it published its
 * presence), and a direct connection to it is refused at once. */
static void whisper_to_self(void)
{
    unsigned int mark;
    ULONGLONG id, node;
    PEER_ADDRESS address;
    USHORT port = 0;
    HRESULT hr;

    EnterCriticalSection(&chat.cs);
    mark = chat.conn_count;
    LeaveCriticalSection(&chat.cs);
    if (!find_node(peer_name[me], &address, &node))
    {
        /* still try the own listening address */
        read_local_node(NULL, &port, NULL);
        loopback_address(&address, port);
    }
    ok(node == chat.self_node, "%s: EnumNodes(own peer id) gave node %llx, the local node is %llx\n", who, node,
       chat.self_node);
    hr = open_whisper(peer_name[me], &address, L"to myself", &id);
    ok(hr == PEER_E_CONNECT_SELF, "%s: PeerGraphOpenDirectConnection to self returned %#lx\n", who, hr);
    Sleep(SETTLE_MS);
    EnterCriticalSection(&chat.cs);
    chat.whisper_text = NULL;
    ok(!conn_times(PEER_GRAPH_EVENT_DIRECT_CONNECTION, -1, 0, mark), "%s: %u DIRECT_CONNECTION events after "
       "a whisper to self\n", who, conn_times(PEER_GRAPH_EVENT_DIRECT_CONNECTION, -1, 0, mark));
    LeaveCriticalSection(&chat.cs);
}

/* Bob comes back with his database and gets the line written while he was away: shown
 * through RECORD_CHANGED like every line, or at least in EnumRecords. */
static BOOL check_line_from_sync(void)
{
    PEER_RECORD **records;
    HPEERENUM peer_enum;
    BOOL shown, stored = FALSE;
    ULONG count, i;
    HRESULT hr;

    shown = WAIT_UNTIL(WAIT_MS, line_times(FALSE, L"alice", away_line));
    if (shown) return TRUE;
    hr = PeerGraphEnumRecords(chat.graph, &chat_type, NULL, &peer_enum);
    ok(hr == S_OK, "%s: PeerGraphEnumRecords returned %#lx\n", who, hr);
    if (hr != S_OK) return FALSE;
    for (;;)
    {
        count = 8;
        if (PeerGraphGetNextItem(peer_enum, &count, (void ***)&records) != S_OK || !count) break;
        for (i = 0; i < count; i++)
            stored |= records[i]->data.cbData == sizeof(away_line) && !memcmp(records[i]->data.pbData, away_line,
                                                                              sizeof(away_line));
        PeerGraphFreeData(records);
    }
    PeerGraphEndEnumeration(peer_enum);
    ok(stored, "%s: the line written while away came neither as RECORD_CHANGED nor into EnumRecords\n", who);
    if (stored) trace("%s: the line written while away is in EnumRecords but was not shown\n", who);
    return FALSE;
}

/* ---------------------------------------------------------------------------------------
 * The two patterns.
 */

static void xp_pattern(void)
{
    const WCHAR *const lines[4] = {hello[ALICE], hello[BOB], hello[CAROL], away_line};
    static const enum role line_from[4] = {ALICE, BOB, CAROL, ALICE};
    BOOL ready, away_shown = TRUE;

    /* alice creates and listens; bob and carol open and connect to her */
    if (me == ALICE && !create_graph(0, PEER_GRAPH_SCOPE_GLOBAL, 0)) give_up("no graph");
    if (!sync_all("alice listens")) return;
    if (me != ALICE)
    {
        delete_graph(0);
        if (!open_graph(0, PEER_S_GRAPH_DATA_CREATED, TRUE))
        {
            give_up("cannot join");
            return;
        }
        ready = WAIT_UNTIL(WAIT_MS, chat.listened);
        ok(ready && chat.listen_hr == S_OK && chat.port,
           "%s: listening on the first SYNCHRONIZED: %d, PeerGraphListen returned %#lx, port %u\n", who, ready,
           chat.listen_hr, chat.port);
    }
    check_members(7, "once all joined");
    check_local_node_events("while joining");

    /* everybody says hello; alice also writes a record of another type */
    if (!sync_all("members known")) return;
    add_chat_record(&chat_type, hello[me]);
    if (me == ALICE) add_chat_record(&other_type, L"not a chat line");
    check_lines(lines, line_from, 3, "after everybody said hello");

    if (!whisper_round(ALICE, CAROL, L"psst, carol: alice here")) return;
    if (!whisper_round(BOB, ALICE, L"alice, bob whispers")) return;
    if (!sync_all("whispers done")) return;
    whisper_to_self();

    /* bob leaves; alice writes while he is away; bob comes back */
    if (!sync_all("bob leaves")) return;
    if (me == BOB) leave();
    if (!sync_all("bob left")) return;
    if (me != BOB)
    {
        check_members(5, "after bob left");
        if (me == ALICE) add_chat_record(&chat_type, away_line);
        else
        {
            ready = WAIT_UNTIL(WAIT_MS, line_times(FALSE, L"alice", away_line));
            ok(ready, "%s: the line written while bob was away was not shown\n", who);
        }
    }
    if (!sync_all("bob returns")) return;
    if (me == BOB)
    {
        if (!startup() || !open_graph(0, S_OK, TRUE))
        {
            give_up("cannot come back");
            return;
        }
        away_shown = check_line_from_sync();
    }
    check_members(7, "after bob came back");
    check_local_node_events("after bob came back");

    /* bob's new node takes whispers */
    if (!whisper_round(CAROL, BOB, L"welcome back, bob")) return;
    if (!sync_all("all said")) return;
    /* a line only in EnumRecords was checked above */
    check_lines(lines, line_from, away_shown ? 4 : 3, "at the end");
    EnterCriticalSection(&chat.cs);
    ok(!chat.other_records, "%s: %u RECORD_CHANGED of a type not registered\n", who, chat.other_records);
    trace("%s: %u local UPDATED events, %u CONNECTION_REQUIRED (last Connect %#lx)\n", who, chat.local_updates,
          chat.required, chat.required_hr);
    LeaveCriticalSection(&chat.cs);
    check_local_node_events("at the end");
}

/* The loopback interface's index, for PEER_GRAPH_SCOPE_LINKLOCAL (0: none found).  Wine
 * lists no IPv6 interface in our namespace: the interface index serves then (on Windows it
 * is the IPv6 one). */
static DWORD loopback_index(void)
{
    typedef ULONG (WINAPI *get_adapters_addresses)(ULONG, ULONG, void *, IP_ADAPTER_ADDRESSES *, ULONG *);
    HMODULE iphlpapi = LoadLibraryA("iphlpapi.dll");
    get_adapters_addresses get;
    IP_ADAPTER_ADDRESSES *list, *adapter;
    ULONG size = 65536, err = ERROR_BUFFER_OVERFLOW;
    DWORD index = 0;

    if (!iphlpapi) return 0;
    get = (get_adapters_addresses)(void *)GetProcAddress(iphlpapi, "GetAdaptersAddresses");
    while (get && err == ERROR_BUFFER_OVERFLOW && (list = malloc(size)))
    {
        err = get(AF_UNSPEC, 0, NULL, list, &size);
        for (adapter = list; !err && adapter && !index; adapter = adapter->Next)
            if (adapter->IfType == IF_TYPE_SOFTWARE_LOOPBACK)
                index = adapter->Ipv6IfIndex ? adapter->Ipv6IfIndex : adapter->IfIndex;
        free(list);
    }
    FreeLibrary(iphlpapi);
    return index;
}

static void vista_pattern(void)
{
    static const enum role line_from[2] = {ALICE, BOB};
    static const WCHAR to_alice[] = L"carol, before any synchronization", to_carol[] = L"alice answers carol";
    unsigned int mark = 0, incoming_mark = 0;
    WCHAR peer[40] = L"";
    ULONGLONG id = 0;
    PEER_ADDRESS address;
    DWORD status = 0;
    HRESULT hr;
    BOOL got;

    /* alice creates a link-local graph, listening on the loopback interface */
    if (me == ALICE)
    {
        board->scope_id = loopback_index();
        if (!board->scope_id) skip("%s: no loopback interface index: the Vista graph listens globally\n", who);
        if (!create_graph(1, board->scope_id ? PEER_GRAPH_SCOPE_LINKLOCAL : PEER_GRAPH_SCOPE_GLOBAL, board->scope_id))
            give_up("no Vista graph");
    }
    if (!sync_all("alice listens on graph two")) return;
    if (me == BOB)
    {
        delete_graph(1);
        if (!open_graph(1, PEER_S_GRAPH_DATA_CREATED, FALSE))
        {
            give_up("cannot open graph two");
            return;
        }
        chat.rendezvous = (USHORT)board->port[ALICE];
        hr = connect_to_creator(&id);
        ok(hr == S_OK && id, "%s: PeerGraphConnect with pullConnectionId returned %#lx, id %llu\n", who, hr, id);
        got = WAIT_UNTIL(WAIT_MS, conn_times(PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION, PEER_CONNECTED, id, 0));
        ok(got, "%s: no NEIGHBOR_CONNECTION PEER_CONNECTED with the id PeerGraphConnect gave (%llu)\n", who, id);
        ok(find_connection(PEER_CONNECTION_NEIGHBOR, id, peer, ARRAYSIZE(peer)) && same_text(peer, L"alice"),
           "%s: EnumConnections(NEIGHBOR) has no %llu to alice (%s)\n", who, id, narrow(peer));
        got = WAIT_UNTIL(WAIT_MS, chat.listened);
        ok(got && chat.listen_hr == S_OK && chat.port, "%s: PeerGraphListen(%lu, %lu) once synchronized: %#lx\n",
           who, chat.scope, chat.scope_id, chat.listen_hr);
        /* a neighbor connection is no direct one: refused, and it keeps working */
        hr = PeerGraphCloseDirectConnection(chat.graph, id);
        ok(hr == PEER_E_CONNECTION_NOT_FOUND, "%s: PeerGraphCloseDirectConnection of neighbor connection %llu "
           "returned %#lx\n", who, id, hr);
        ok(find_connection(PEER_CONNECTION_NEIGHBOR, id, NULL, 0), "%s: neighbor connection %llu gone after "
           "PeerGraphCloseDirectConnection\n", who, id);
    }
    else if (me == CAROL)
    {
        /* carol opens the graph but never connects: never synchronized */
        delete_graph(1);
        if (!open_graph(1, PEER_S_GRAPH_DATA_CREATED, FALSE)) give_up("cannot open graph two");
    }
    if (!sync_all("bob joined graph two")) return;
    if (me == ALICE)
    {
        got = WAIT_UNTIL(WAIT_MS, (id = conn_id(PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION, PEER_CONNECTED, 0)));
        ok(got, "%s: no NEIGHBOR_CONNECTION PEER_CONNECTED from bob\n", who);
        ok(got && find_connection(PEER_CONNECTION_NEIGHBOR, id, peer, ARRAYSIZE(peer)) && same_text(peer, L"bob"),
           "%s: EnumConnections(NEIGHBOR) has no %llu to bob (%s)\n", who, id, narrow(peer));
    }
    if (me != CAROL)
    {
        add_chat_record(&chat_type, vista_line[me]);
        check_lines(vista_line, line_from, 2, "on graph two");
        check_members(3, "on graph two");
    }

    /* carol, never synchronized, opens a direct connection to alice: data both ways */
    EnterCriticalSection(&chat.cs);
    mark = chat.conn_count;
    incoming_mark = chat.incoming;
    LeaveCriticalSection(&chat.cs);
    if (!sync_all("carol's direct connection")) return;
    if (me == CAROL)
    {
        loopback_address(&address, (USHORT)board->port[ALICE]);
        hr = open_whisper(L"alice", &address, to_alice, &id);
        ok(hr == S_OK && id, "%s: PeerGraphOpenDirectConnection on a never synchronized graph returned %#lx\n", who,
           hr);
        got = WAIT_UNTIL(WAIT_MS, chat.sent);
        ok(got && chat.send_hr == S_OK, "%s: data to alice: %#lx\n", who, chat.send_hr);
    }
    else if (me == ALICE)
    {
        got = WAIT_UNTIL(WAIT_MS, line_times(TRUE, L"carol", to_alice));
        EnterCriticalSection(&chat.cs);
        id = conn_id(PEER_GRAPH_EVENT_DIRECT_CONNECTION, PEER_CONNECTED, mark);
        ok(got, "%s: no data from carol's direct connection\n", who);
        ok(id && chat.incoming_id == id, "%s: data from connection %llu, PEER_CONNECTED was for %llu\n", who,
           chat.incoming_id, id);
        LeaveCriticalSection(&chat.cs);
        if (id)
        {
            hr = PeerGraphSendData(chat.graph, id, &whisper_type, sizeof(to_carol), (void *)to_carol);
            ok(hr == S_OK, "%s: PeerGraphSendData to carol returned %#lx\n", who, hr);
        }
    }
    if (!sync_all("alice answered")) return;
    if (me == CAROL)
    {
        got = WAIT_UNTIL(WAIT_MS, line_times(TRUE, L"alice", to_carol));
        ok(got, "%s: no answer from alice\n", who);
        EnterCriticalSection(&chat.cs);
        ok(chat.incoming_id == id, "%s: alice's answer came on %llu, not %llu\n", who, chat.incoming_id, id);
        LeaveCriticalSection(&chat.cs);
        hr = PeerGraphCloseDirectConnection(chat.graph, id);
        ok(hr == S_OK, "%s: PeerGraphCloseDirectConnection returned %#lx\n", who, hr);
        got = WAIT_UNTIL(WAIT_MS, conn_times(PEER_GRAPH_EVENT_DIRECT_CONNECTION, PEER_DISCONNECTED, id, mark));
        ok(got, "%s: no PEER_DISCONNECTED for %llu after closing it\n", who, id);
        hr = PeerGraphGetStatus(chat.graph, &status);
        ok(hr == S_OK && !(status & PEER_GRAPH_STATUS_SYNCHRONIZED), "%s: PeerGraphGetStatus: %#lx, status %#lx\n",
           who, hr, status);
        check_members(4, "never synchronized");
    }
    else if (me == ALICE)
    {
        got = WAIT_UNTIL(WAIT_MS, conn_times(PEER_GRAPH_EVENT_DIRECT_CONNECTION, PEER_DISCONNECTED, id, mark));
        ok(got, "%s: no PEER_DISCONNECTED for %llu after carol closed it\n", who, id);
    }
    if (!sync_all("direct connection closed")) return;
    EnterCriticalSection(&chat.cs);
    if (me == BOB) check_bystander(mark, incoming_mark, "carol's direct connection to alice");
    else
        ok(chat.incoming == incoming_mark + 1 && conn_times(PEER_GRAPH_EVENT_DIRECT_CONNECTION, PEER_CONNECTED, 0,
                                                            mark) == 1,
           "%s: %u INCOMING_DATA and %u PEER_CONNECTED for one direct connection\n", who,
           chat.incoming - incoming_mark, conn_times(PEER_GRAPH_EVENT_DIRECT_CONNECTION, PEER_CONNECTED, 0, mark));
    ok(!chat.other_records, "%s: %u RECORD_CHANGED of a type not registered\n", who, chat.other_records);
    LeaveCriticalSection(&chat.cs);
    check_local_node_events("on graph two");
}

/* The script every role runs. */
static void run_role(void)
{
    InitializeCriticalSection(&chat.cs);
    if (!startup())
    {
        give_up("no PeerGraphStartup");
        return;
    }
    xp_pattern();
    leave();
    EnterCriticalSection(&chat.cs);
    chat.line_count = 0;
    LeaveCriticalSection(&chat.cs);
    if (!board->abort && startup()) vista_pattern();
    leave();
    if (startup())
    {
        delete_graph(0);
        delete_graph(1);
        leave();
    }
    if (board->abort) trace("%s: stopped early: the others stopped at their next sync point\n", who);
}

/* ---------------------------------------------------------------------------------------
 * The processes.
 */

static HANDLE start_child(enum role role, const char *mapping)
{
    char command[2 * MAX_PATH];
    PROCESS_INFORMATION pi;

    if (!p2ptest_child_command(command, sizeof(command), "gcchild %d %s", role, mapping)
        || !p2ptest_create_process(command, &pi))
    {
        ok(0, "CreateProcess of %s failed: %lu\n", role_name[role], GetLastError());
        return NULL;
    }
    CloseHandle(pi.hThread);
    return pi.hProcess;
}

static void finish_child(HANDLE process, enum role role)
{
    DWORD code = STILL_ACTIVE;

    if (!process) return;
    ok(WaitForSingleObject(process, bounded(SYNC_MS) + 5000) == WAIT_OBJECT_0, "%s did not exit\n", role_name[role]);
    GetExitCodeProcess(process, &code);
    ok(code == 0, "%s exited with %lu (its failures are above)\n", role_name[role], code);
    if (code == STILL_ACTIVE)
    {
        TerminateProcess(process, 255);
        WaitForSingleObject(process, 5000);
    }
    CloseHandle(process);
}

START_TEST(graphchat)
{
    static const char *const child_names[ROLES] = {"graphchat alice", "graphchat bob", "graphchat carol"};
    HANDLE mapping, children[ROLES] = {NULL, NULL, NULL};
    char mapping_name[64];
    DWORD start = GetTickCount();
    char **argv;
    int argc = p2ptest_get_mainargs(&argv), r;

    run_deadline = start + RUN_MS;
    if (argc >= 4 && !strcmp(argv[1], "gcchild"))
    {
        me = atoi(argv[2]);
        if (me <= ALICE || me >= ROLES) return;
        who = role_name[me];
        p2ptest_name = child_names[me];
        mapping = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, argv[3]);
        board = mapping ? MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, 0, sizeof(*board)) : NULL;
        ok(board != NULL, "%s: cannot map %s: %lu\n", who, argv[3], GetLastError());
        if (board) run_role();
        return;
    }

    snprintf(mapping_name, sizeof(mapping_name), "p2ptest-graphchat-%lu", GetCurrentProcessId());
    mapping = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, sizeof(*board), mapping_name);
    board = mapping ? MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, 0, sizeof(*board)) : NULL;
    ok(board != NULL, "cannot make the shared block: %lu\n", GetLastError());
    if (!board) return;
    memset(board, 0, sizeof(*board));
    for (r = 0; r < 2; r++)
    {
        char id[80];

        snprintf(id, sizeof(id), "p2ptest-graphchat-%s-%lu-%lu", r ? "vista" : "xp", GetCurrentProcessId(), start);
        MultiByteToWideChar(CP_ACP, 0, id, -1, board->graph[r], ARRAYSIZE(board->graph[r]));
    }

    me = ALICE;
    for (r = BOB; r < ROLES; r++)
        if (!(children[r] = start_child(r, mapping_name))) board->abort = 1;
    run_role();
    for (r = BOB; r < ROLES; r++) finish_child(children[r], r);

    /* what a child that died could not delete */
    if (startup())
    {
        for (r = BOB; r < ROLES; r++)
        {
            PeerGraphDelete(board->graph[0], peer_name[r], db_name);
            PeerGraphDelete(board->graph[1], peer_name[r], db_name);
        }
        leave();
    }
    UnmapViewOfFile(board);
    CloseHandle(mapping);
    trace("graphchat: %lu ms\n", GetTickCount() - start);
}
