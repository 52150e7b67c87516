/*
 * chat: private messages between peers of a graph over direct connections
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

/* An ordinary user of the public graphing API (mingw-w64, P2PGRAPH import
 * library).  Run one copy per person, each in its own terminal:
 *
 *   chat.exe --name bob   --graph friends --listen
 *   chat.exe --name alice --graph friends --connect [::1]:PORT --to bob
 *
 * Every copy creates the graph "friends" under its own peer name (or opens
 * it when it already has it), and registers for direct-connection and
 * incoming-data events, which is what lets others connect to it.  With
 * --listen (or --port N) it also listens and prints its address.  Lines read
 * from stdin are commands:
 *
 *   /connect ADDRESS NAME   open a direct connection to NAME at ADDRESS
 *                           ("[::1]:7002", or just a port on ::1)
 *   /msg NAME TEXT          send TEXT to NAME over that connection
 *   TEXT                    send TEXT to the current peer (the last one
 *                           you connected to or messaged; until then,
 *                           the first who connected or wrote to you)
 *   /peers                  list the open direct connections
 *   /close NAME             close the connection to NAME
 *   /quit                   leave (end of input does too)
 *
 * --script FILE reads the same commands from FILE instead, plus a few that
 * make a scripted conversation between several processes deterministic:
 *
 *   /sleep MS                     pause
 *   /wait-connected NAME [MS]     until a connection to NAME is open
 *   /wait-disconnected NAME [MS]  until no connection to NAME is open
 *   /wait-message N [MS]          until N messages have arrived in all
 *   /expect-messages N [MS]       wait for N, then require exactly N
 *   # ...                         a comment
 *
 * Waits give up after MS milliseconds (default 20000).  With --script the
 * exit code is 0 when every command worked and every wait and expectation
 * was met, 1 otherwise: the scripted demo (tools/run-demo) relies on it.
 * --label starts every line with our name, for several copies writing to
 * one terminal. */

#include <winsock2.h>
#include <windows.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <p2p.h>

/* The PEER_GRAPH_EVENT_INCOMING_DATA type of a chat line (UTF-8 text). */
static const GUID chat_line_type = {0x8e2f6b1a, 0x54c3, 0x4d0e, {0x9a, 0x7c, 0x31, 0x6d, 0xe2, 0x08, 0xb5, 0x4f}};

#define MAX_CONNECTIONS 32
#define NAME_CHARS 64
#define DEFAULT_WAIT_MS 20000

/* What we know about one direct connection. */
struct connection
{
    ULONGLONG id;
    char name[NAME_CHARS];  /* the peer at the other end */
    BOOL open;              /* FALSE while our own attempt is under way */
    BOOL outgoing;
};

static HGRAPH graph;
static char my_name[NAME_CHARS];

/* Shared by the event thread and the command loop; `changed` wakes the
 * waits of script mode whenever a connection or a message comes or goes. */
static CRITICAL_SECTION lock;
static CONDITION_VARIABLE changed;
static CRITICAL_SECTION print_lock;
static struct connection connections[MAX_CONNECTIONS];
static int messages_received;
static char current_peer[NAME_CHARS];
static int failures;

/* With --label every line starts with our name, for several peers
 * sharing one terminal (the scripted demo). */
static BOOL label_lines;

/* One whole line at a time, whichever thread prints it, and at once: with
 * several peers writing to one pipe, a line must be one write. */
static void say(const char *format, ...)
{
    char line[1200];
    int n = label_lines ? snprintf(line, sizeof(line), "%-5s | ", my_name) : 0;
    va_list args;

    va_start(args, format);
    vsnprintf(line + n, sizeof(line) - n, format, args);
    va_end(args);
    EnterCriticalSection(&print_lock);
    puts(line);
    fflush(stdout);
    LeaveCriticalSection(&print_lock);
}

static const char *hresult_name(HRESULT hr)
{
    switch (hr)
    {
    case PEER_E_CONNECTION_FAILED: return "PEER_E_CONNECTION_FAILED";
    case PEER_E_CONNECTION_REFUSED: return "PEER_E_CONNECTION_REFUSED";
    case PEER_E_CONNECTION_NOT_AUTHENTICATED: return "PEER_E_CONNECTION_NOT_AUTHENTICATED";
    case PEER_E_CONNECTION_NOT_FOUND: return "PEER_E_CONNECTION_NOT_FOUND";
    case PEER_E_CONNECT_SELF: return "PEER_E_CONNECT_SELF";
    case E_INVALIDARG: return "E_INVALIDARG";
    default: return "";
    }
}

/*
 * Addresses.  The sample spells IPv6 addresses itself so that it needs
 * nothing beyond the P2PGRAPH import library (no ws2_32).
 */

static USHORT swap16(USHORT v)
{
    return (USHORT)((v >> 8) | (v << 8));
}

/* "[ADDRESS]:PORT" (ADDRESS may end in %SCOPE-ID) or a bare "PORT" on ::1. */
static BOOL parse_address(const char *text, PEER_ADDRESS *out)
{
    USHORT words[8] = {0}, after[8];
    int before = 0, n_after = 0, *count = &before, compressed = 0;
    const char *p = text, *end;
    char *stop;
    unsigned long port, scope = 0;

    memset(out, 0, sizeof(*out));
    out->dwSize = sizeof(*out);
    out->sin6.sin6_family = AF_INET6;
    if (*p != '[')
    {
        port = strtoul(p, &stop, 10);
        if (stop == p || *stop || !port || port > 65535) return FALSE;
        out->sin6.sin6_addr.s6_addr[15] = 1;
        out->sin6.sin6_port = swap16((USHORT)port);
        return TRUE;
    }
    end = strchr(++p, ']');
    if (!end || end[1] != ':') return FALSE;
    port = strtoul(end + 2, &stop, 10);
    if (stop == end + 2 || *stop || !port || port > 65535) return FALSE;

    /* groups of hex digits separated by ':', at most one "::" */
    if (p[0] == ':' && p[1] == ':')
    {
        compressed = 1;
        count = &n_after;
        p += 2;
    }
    while (p < end && *p != '%')
    {
        unsigned long group = strtoul(p, &stop, 16);
        if (stop == p || stop - p > 4 || before + n_after == 8) return FALSE;
        (compressed ? after : words)[(*count)++] = (USHORT)group;
        p = stop;
        if (*p == ':' && p[1] == ':')
        {
            if (compressed) return FALSE;
            compressed = 1;
            count = &n_after;
            p += 2;
        }
        else if (*p == ':')
            p++;
    }
    if (*p == '%')
    {
        scope = strtoul(p + 1, &stop, 10);
        if (stop != end) return FALSE;
    }
    if (compressed ? before + n_after > 7 : before != 8) return FALSE;
    memcpy(words + 8 - n_after, after, n_after * sizeof(USHORT));
    for (int i = 0; i < 8; i++)
    {
        out->sin6.sin6_addr.s6_addr[2 * i] = (BYTE)(words[i] >> 8);
        out->sin6.sin6_addr.s6_addr[2 * i + 1] = (BYTE)words[i];
    }
    out->sin6.sin6_port = swap16((USHORT)port);
    out->sin6.sin6_scope_id = scope;
    return TRUE;
}

/* "[ADDRESS]:PORT", the longest run of zero groups written as "::". */
static void format_address(const SOCKADDR_IN6 *a, char *out, size_t size)
{
    USHORT words[8];
    int best = -1, best_len = 0, len = 0, i;
    size_t n = 0;

    for (i = 0; i < 8; i++)
    {
        words[i] = (USHORT)(a->sin6_addr.s6_addr[2 * i] << 8 | a->sin6_addr.s6_addr[2 * i + 1]);
        len = words[i] ? 0 : len + 1;
        if (len > best_len && len > 1)
        {
            best_len = len;
            best = i - len + 1;
        }
    }
    n += snprintf(out + n, size - n, "[");
    for (i = 0; i < 8 && n < size; i++)
    {
        if (i == best)
        {
            n += snprintf(out + n, size - n, "::");
            i += best_len - 1;
            continue;
        }
        n += snprintf(out + n, size - n, "%s%x", i && i != best + best_len ? ":" : "", words[i]);
    }
    if (a->sin6_scope_id && n < size) n += snprintf(out + n, size - n, "%%%lu", (unsigned long)a->sin6_scope_id);
    if (n < size) snprintf(out + n, size - n, "]:%u", swap16(a->sin6_port));
}

/*
 * The connection table (callers hold `lock`).
 */

static struct connection *find_by_id(ULONGLONG id)
{
    for (int i = 0; i < MAX_CONNECTIONS; i++)
        if (connections[i].id == id) return &connections[i];
    return NULL;
}

static struct connection *find_by_name(const char *name, BOOL open_only)
{
    for (int i = 0; i < MAX_CONNECTIONS; i++)
        if (connections[i].id && !strcmp(connections[i].name, name) && (connections[i].open || !open_only))
            return &connections[i];
    return NULL;
}

static struct connection *add_connection(ULONGLONG id, const char *name, BOOL outgoing)
{
    struct connection *c = find_by_id(0);
    if (!c) return NULL;
    c->id = id;
    lstrcpynA(c->name, name, NAME_CHARS);
    c->open = FALSE;
    c->outgoing = outgoing;
    return c;
}

static void forget_connection(struct connection *c)
{
    memset(c, 0, sizeof(*c));
}

/* The peer name of an open connection, as PeerGraphEnumConnections says. */
static BOOL lookup_peer_name(ULONGLONG id, char *name)
{
    HPEERENUM henum;
    PEER_CONNECTION_INFO **items;
    ULONG count = MAX_CONNECTIONS;
    BOOL found = FALSE;

    if (FAILED(PeerGraphEnumConnections(graph, PEER_CONNECTION_DIRECT, &henum))) return FALSE;
    if (SUCCEEDED(PeerGraphGetNextItem(henum, &count, (void ***)&items)))
    {
        for (ULONG i = 0; i < count && !found; i++)
            if (items[i]->ullConnectionId == id && items[i]->pwzPeerId)
                found = WideCharToMultiByte(CP_UTF8, 0, items[i]->pwzPeerId, -1, name, NAME_CHARS, NULL, NULL) > 0;
        PeerGraphFreeData(items);
    }
    PeerGraphEndEnumeration(henum);
    return found;
}

/*
 * The event thread: everything the graph tells us.
 */

static void on_connection_event(const PEER_EVENT_CONNECTION_CHANGE_DATA *change)
{
    char name[NAME_CHARS] = "?";
    struct connection *c;

    /* Ask for the name before taking the lock: the API call may take a while. */
    if (change->status == PEER_CONNECTED) lookup_peer_name(change->ullConnectionId, name);

    EnterCriticalSection(&lock);
    c = find_by_id(change->ullConnectionId);
    switch (change->status)
    {
    case PEER_CONNECTED:
        if (!c) c = add_connection(change->ullConnectionId, name, FALSE);
        if (!c)
        {
            say("* too many connections: closing the one from %s", name);
            PeerGraphCloseDirectConnection(graph, change->ullConnectionId);
            break;
        }
        if (strcmp(name, "?")) lstrcpynA(c->name, name, NAME_CHARS);
        c->open = TRUE;
        if (!current_peer[0]) lstrcpynA(current_peer, c->name, NAME_CHARS);
        if (c->outgoing)
            say("* connected to %s (connection %#llx)", c->name, change->ullConnectionId);
        else
            say("* %s connected to us (connection %#llx)", c->name, change->ullConnectionId);
        break;
    case PEER_CONNECTION_FAILED:
        say("* connection to %s failed: %#lx %s", c ? c->name : "?",
            (unsigned long)change->hrConnectionFailedReason, hresult_name(change->hrConnectionFailedReason));
        if (c) forget_connection(c);
        break;
    case PEER_DISCONNECTED:
        say("* %s disconnected", c ? c->name : "?");
        if (c) forget_connection(c);
        break;
    }
    WakeAllConditionVariable(&changed);
    LeaveCriticalSection(&lock);
}

static void on_incoming_data(const PEER_EVENT_INCOMING_DATA *data)
{
    struct connection *c;

    if (!IsEqualGUID(&data->type, &chat_line_type)) return;
    EnterCriticalSection(&lock);
    c = find_by_id(data->ullConnectionId);
    messages_received++;
    if (c && !current_peer[0]) lstrcpynA(current_peer, c->name, NAME_CHARS);
    say("%s: %.*s", c ? c->name : "?", (int)data->data.cbData, (const char *)data->data.pbData);
    WakeAllConditionVariable(&changed);
    LeaveCriticalSection(&lock);
}

struct event_thread_args
{
    HANDLE graph_event;  /* signalled by the library */
    HANDLE stop;         /* signalled by us when leaving */
    HPEEREVENT registration;
};

static DWORD WINAPI event_thread(void *arg)
{
    struct event_thread_args *args = arg;
    HANDLE handles[2] = {args->stop, args->graph_event};
    PEER_GRAPH_EVENT_DATA *event;

    while (WaitForMultipleObjects(2, handles, FALSE, INFINITE) == WAIT_OBJECT_0 + 1)
    {
        while (PeerGraphGetEventData(args->registration, &event) == S_OK)
        {
            if (event->eventType == PEER_GRAPH_EVENT_DIRECT_CONNECTION)
                on_connection_event(&event->connectionChangeData);
            else if (event->eventType == PEER_GRAPH_EVENT_INCOMING_DATA)
                on_incoming_data(&event->incomingData);
            PeerGraphFreeData(event);
        }
    }
    return 0;
}

/*
 * Commands.
 */

static void fail(const char *format, const char *arg)
{
    say(format, arg);
    failures++;
}

/* What the waits of script mode, and a line typed while its connection is
 * still being opened, wait for. */
enum condition { CONNECTED, DISCONNECTED, SETTLED, MESSAGES };

/* Callers hold `lock`. */
static BOOL holds(enum condition what, const char *name, int count)
{
    struct connection *c;

    switch (what)
    {
    case CONNECTED: return find_by_name(name, TRUE) != NULL;
    case SETTLED: return !(c = find_by_name(name, FALSE)) || c->open;
    case DISCONNECTED: return find_by_name(name, TRUE) == NULL;
    case MESSAGES: return messages_received >= count;
    }
    return FALSE;
}

static BOOL wait_for(enum condition what, const char *name, int count, DWORD timeout_ms)
{
    DWORD start = GetTickCount();
    BOOL ok;

    EnterCriticalSection(&lock);
    while (!(ok = holds(what, name, count)))
    {
        DWORD elapsed = GetTickCount() - start;
        if (elapsed >= timeout_ms) break;
        SleepConditionVariableCS(&changed, &lock, timeout_ms - elapsed);
    }
    LeaveCriticalSection(&lock);
    return ok;
}

static void connect_to(const char *address_text, const char *name)
{
    PEER_ADDRESS address;
    WCHAR peer_id[NAME_CHARS];
    ULONGLONG id;
    HRESULT hr;

    if (!parse_address(address_text, &address))
    {
        fail("! not an address: %s (want [IPV6]:PORT or a port on ::1)", address_text);
        return;
    }
    MultiByteToWideChar(CP_UTF8, 0, name, -1, peer_id, NAME_CHARS);
    say("* connecting to %s at %s", name, address_text);
    /* Holding the lock until the connection is in the table: its CONNECTED
     * event may come before PeerGraphOpenDirectConnection has returned. */
    EnterCriticalSection(&lock);
    hr = PeerGraphOpenDirectConnection(graph, peer_id, &address, &id);
    if (SUCCEEDED(hr) && !add_connection(id, name, TRUE))
    {
        PeerGraphCloseDirectConnection(graph, id);
        hr = E_OUTOFMEMORY;
    }
    if (SUCCEEDED(hr)) lstrcpynA(current_peer, name, NAME_CHARS);
    LeaveCriticalSection(&lock);
    if (FAILED(hr))
    {
        say("! PeerGraphOpenDirectConnection failed: %#lx %s", (unsigned long)hr, hresult_name(hr));
        failures++;
    }
}

static void send_line(const char *name, const char *text)
{
    struct connection *c;
    ULONGLONG id = 0;
    BOOL connecting;
    HRESULT hr;

    /* A line typed right after /connect waits for the connection to open. */
    EnterCriticalSection(&lock);
    connecting = !find_by_name(name, TRUE) && find_by_name(name, FALSE);
    LeaveCriticalSection(&lock);
    if (connecting) wait_for(SETTLED, name, 0, DEFAULT_WAIT_MS);

    EnterCriticalSection(&lock);
    if ((c = find_by_name(name, TRUE)))
    {
        id = c->id;
        lstrcpynA(current_peer, name, NAME_CHARS);
    }
    LeaveCriticalSection(&lock);
    if (!id)
    {
        fail("! no open connection to %s (try /peers)", name);
        return;
    }
    /* Said first, so that it comes out before the other side's copy. */
    say("%s -> %s: %s", my_name, name, text);
    hr = PeerGraphSendData(graph, id, &chat_line_type, (ULONG)strlen(text), (void *)text);
    if (FAILED(hr))
    {
        say("! PeerGraphSendData to %s failed: %#lx %s", name, (unsigned long)hr, hresult_name(hr));
        failures++;
    }
}

static void list_peers(void)
{
    HPEERENUM henum;
    PEER_CONNECTION_INFO **items;
    ULONG count = 0, total = 0;
    char address[80];
    HRESULT hr;

    if (FAILED(hr = PeerGraphEnumConnections(graph, PEER_CONNECTION_DIRECT, &henum)))
    {
        say("! PeerGraphEnumConnections failed: %#lx", (unsigned long)hr);
        failures++;
        return;
    }
    PeerGraphGetItemCount(henum, &total);
    /* The list stays together (critical sections are re-entrant). */
    EnterCriticalSection(&print_lock);
    say("* %lu open direct connection%s", (unsigned long)total, total == 1 ? "" : "s");
    for (;;)
    {
        count = 8;
        if (FAILED(PeerGraphGetNextItem(henum, &count, (void ***)&items)) || !count) break;
        for (ULONG i = 0; i < count; i++)
        {
            format_address(&items[i]->address.sin6, address, sizeof(address));
            say("*   %-10ls connection %#llx  node %#llx  address %s", items[i]->pwzPeerId,
                items[i]->ullConnectionId, items[i]->ullNodeId, address);
        }
        PeerGraphFreeData(items);
    }
    LeaveCriticalSection(&print_lock);
    PeerGraphEndEnumeration(henum);
}

static void close_connection(const char *name)
{
    struct connection *c;
    ULONGLONG id = 0;
    HRESULT hr;

    EnterCriticalSection(&lock);
    if ((c = find_by_name(name, FALSE)))
    {
        id = c->id;
        /* The side that closes hears no DISCONNECTED event of its own. */
        forget_connection(c);
    }
    LeaveCriticalSection(&lock);
    if (!id)
    {
        fail("! no connection to %s", name);
        return;
    }
    say("* closing the connection to %s", name);
    hr = PeerGraphCloseDirectConnection(graph, id);
    if (FAILED(hr))
    {
        say("! PeerGraphCloseDirectConnection failed: %#lx %s", (unsigned long)hr, hresult_name(hr));
        failures++;
    }
}

static void wait_command(enum condition what, const char *arg, const char *timeout_text)
{
    DWORD timeout = timeout_text ? strtoul(timeout_text, NULL, 10) : DEFAULT_WAIT_MS;
    int count = what == MESSAGES ? atoi(arg) : 0;

    if (wait_for(what, arg, count, timeout)) return;
    if (what == CONNECTED) fail("! timed out waiting for a connection to %s", arg);
    else if (what == DISCONNECTED) fail("! timed out waiting for %s to go", arg);
    else fail("! timed out waiting for message %s", arg);
}

static void expect_messages(const char *arg, const char *timeout_text)
{
    int expected = atoi(arg), got;

    wait_for(MESSAGES, NULL, expected, timeout_text ? strtoul(timeout_text, NULL, 10) : DEFAULT_WAIT_MS);
    EnterCriticalSection(&lock);
    got = messages_received;
    LeaveCriticalSection(&lock);
    if (got == expected)
        say("* all %d expected messages arrived", expected);
    else
    {
        say("! expected %d messages, got %d", expected, got);
        failures++;
    }
}

/* Runs one line; returns FALSE for /quit. */
static BOOL run_command(char *line, BOOL scripted)
{
    char *command, *arg1 = NULL, *arg2 = NULL, *rest = NULL;
    size_t len;

    while (*line == ' ' || *line == '\t') line++;
    len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' ')) line[--len] = 0;
    if (!*line || *line == '#') return TRUE;

    if (*line != '/')
    {
        char peer[NAME_CHARS];
        EnterCriticalSection(&lock);
        lstrcpynA(peer, current_peer, NAME_CHARS);
        LeaveCriticalSection(&lock);
        if (!peer[0]) fail("! %s", "nobody to talk to yet: /connect ADDRESS NAME, or /msg NAME TEXT");
        else send_line(peer, line);
        return TRUE;
    }

    /* "/command arg1 arg2" with rest = everything after arg1 */
    command = strtok(line, " ");
    if ((arg1 = strtok(NULL, " ")))
    {
        rest = arg1 + strlen(arg1) + 1;
        if (rest > line + len) rest = NULL;
        else while (*rest == ' ') rest++;
        if (rest && !*rest) rest = NULL;
    }
    if (rest)
    {
        static char copy[1024];
        lstrcpynA(copy, rest, sizeof(copy));
        arg2 = strtok(copy, " ");
    }

    if (!strcmp(command, "/quit")) return FALSE;
    if (!strcmp(command, "/peers")) list_peers();
    else if (!strcmp(command, "/connect") && arg1 && arg2) connect_to(arg1, arg2);
    else if (!strcmp(command, "/msg") && arg1 && rest) send_line(arg1, rest);
    else if (!strcmp(command, "/close") && arg1) close_connection(arg1);
    else if (scripted && !strcmp(command, "/sleep") && arg1) Sleep(strtoul(arg1, NULL, 10));
    else if (scripted && !strcmp(command, "/wait-connected") && arg1) wait_command(CONNECTED, arg1, arg2);
    else if (scripted && !strcmp(command, "/wait-disconnected") && arg1) wait_command(DISCONNECTED, arg1, arg2);
    else if (scripted && !strcmp(command, "/wait-message") && arg1) wait_command(MESSAGES, arg1, arg2);
    else if (scripted && !strcmp(command, "/expect-messages") && arg1) expect_messages(arg1, arg2);
    else fail("! unknown command or missing argument: %s (commands: /connect /msg /peers /close /quit)", command);
    return TRUE;
}

/*
 * Start-up: the graph, the events, listening.
 */

static HRESULT create_or_open(const WCHAR *graph_id, const WCHAR *peer_id, const WCHAR *database)
{
    PEER_GRAPH_PROPERTIES props = {0};
    HRESULT hr;

    props.dwSize = sizeof(props);
    props.dwScope = PEER_GRAPH_SCOPE_GLOBAL;
    props.pwzGraphId = (WCHAR *)graph_id;
    props.pwzCreatorId = (WCHAR *)peer_id;
    props.pwzFriendlyName = L"chat sample";
    hr = PeerGraphCreate(&props, database, NULL, &graph);
    if (hr == S_OK)
    {
        say("* created the graph \"%ls\" as %ls", graph_id, peer_id);
        return hr;
    }
    if (hr != PEER_E_DUPLICATE_GRAPH) return hr;
    /* We have this graph from an earlier run: open our copy of it. */
    hr = PeerGraphOpen(graph_id, peer_id, database, NULL, 0, NULL, &graph);
    if (hr == S_OK) say("* opened the graph \"%ls\" as %ls", graph_id, peer_id);
    return hr;
}

static void print_addresses(void)
{
    PEER_NODE_INFO *node;
    char address[80];
    HRESULT hr = PeerGraphGetNodeInfo(graph, 0, &node);

    if (FAILED(hr))
    {
        say("! PeerGraphGetNodeInfo failed: %#lx", (unsigned long)hr);
        failures++;
        return;
    }
    for (ULONG i = 0; i < node->cAddresses; i++)
    {
        format_address(&node->pAddresses[i].sin6, address, sizeof(address));
        say("* listening on %s", address);
    }
    PeerGraphFreeData(node);
}

static int usage(void)
{
    fprintf(stderr, "usage: chat.exe --name NAME --graph GRAPH [--listen] [--port PORT]\n"
                    "                [--connect ADDRESS --to NAME] [--script FILE] [--label]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *name = NULL, *graph_name = NULL, *connect_address = NULL, *connect_name = NULL, *script = NULL;
    PEER_GRAPH_EVENT_REGISTRATION regs[2] = {{PEER_GRAPH_EVENT_DIRECT_CONNECTION, NULL},
                                             {PEER_GRAPH_EVENT_INCOMING_DATA, NULL}};
    struct event_thread_args events;
    WCHAR graph_id[NAME_CHARS], peer_id[NAME_CHARS], database[NAME_CHARS + 8];
    PEER_VERSION_DATA version;
    BOOL want_listen = FALSE;
    unsigned long port = 0;
    char line[1024];
    FILE *input = stdin;
    HANDLE thread;
    HRESULT hr;

    for (int i = 1; i < argc; i++)
    {
        if (!strcmp(argv[i], "--listen")) want_listen = TRUE;
        else if (!strcmp(argv[i], "--label")) label_lines = TRUE;
        else if (i + 1 == argc) return usage();
        else if (!strcmp(argv[i], "--name")) name = argv[++i];
        else if (!strcmp(argv[i], "--graph")) graph_name = argv[++i];
        else if (!strcmp(argv[i], "--port")) want_listen = TRUE, port = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--connect")) connect_address = argv[++i];
        else if (!strcmp(argv[i], "--to")) connect_name = argv[++i];
        else if (!strcmp(argv[i], "--script")) script = argv[++i];
        else return usage();
    }
    if (!name || !graph_name || !*name || strlen(name) >= NAME_CHARS || strlen(graph_name) >= NAME_CHARS ||
        !connect_address != !connect_name || port > 65535)
        return usage();
    if (script && !(input = fopen(script, "r")))
    {
        fprintf(stderr, "cannot read %s\n", script);
        return 2;
    }
    lstrcpynA(my_name, name, NAME_CHARS);
    MultiByteToWideChar(CP_UTF8, 0, graph_name, -1, graph_id, NAME_CHARS);
    MultiByteToWideChar(CP_UTF8, 0, name, -1, peer_id, NAME_CHARS);
    swprintf(database, NAME_CHARS + 8, L"chat-%ls", peer_id);
    InitializeCriticalSection(&lock);
    InitializeConditionVariable(&changed);
    InitializeCriticalSection(&print_lock);

    if (FAILED(hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version)))
    {
        say("! PeerGraphStartup failed: %#lx", (unsigned long)hr);
        return 1;
    }
    if (FAILED(hr = create_or_open(graph_id, peer_id, database)))
    {
        say("! could not create or open the graph: %#lx", (unsigned long)hr);
        PeerGraphShutdown();
        return 1;
    }

    /* Registering for DIRECT_CONNECTION is also what lets others connect to us. */
    events.graph_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    events.stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (FAILED(hr = PeerGraphRegisterEvent(graph, events.graph_event, 2, regs, &events.registration)))
    {
        say("! PeerGraphRegisterEvent failed: %#lx", (unsigned long)hr);
        PeerGraphClose(graph);
        PeerGraphShutdown();
        return 1;
    }
    thread = CreateThread(NULL, 0, event_thread, &events, 0, NULL);

    if (want_listen)
    {
        if (FAILED(hr = PeerGraphListen(graph, PEER_GRAPH_SCOPE_GLOBAL, 0, (WORD)port)))
        {
            say("! PeerGraphListen failed: %#lx", (unsigned long)hr);
            failures++;
        }
        else
            print_addresses();
    }
    if (connect_address) connect_to(connect_address, connect_name);
    if (!script) say("* type /connect ADDRESS NAME, /msg NAME TEXT, /peers, /close NAME or /quit");

    while (fgets(line, sizeof(line), input) && run_command(line, script != NULL))
        ;

    say("* leaving");
    SetEvent(events.stop);
    WaitForSingleObject(thread, INFINITE);
    CloseHandle(thread);
    PeerGraphUnregisterEvent(events.registration);
    PeerGraphClose(graph);
    PeerGraphShutdown();
    CloseHandle(events.graph_event);
    CloseHandle(events.stop);
    if (script) fclose(input);
    return script && failures ? 1 : 0;
}
