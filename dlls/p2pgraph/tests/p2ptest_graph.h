/*
 * Helpers the conformance tests share: graphs, ports and addresses, test data, and peer
 * processes driven over a named pipe.
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
 * Include it after p2ptest.h.  Only the public p2p.h API and Win32: the tests stay
 * programs that run on Windows.  Everything is static (inline): each test is a program of
 * its own and all of them are linked together into p2pgraph_test.exe.
 */

#ifndef P2PTEST_GRAPH_H
#define P2PTEST_GRAPH_H

#include <p2p.h>

#include "p2ptest.h"

/* ---------------------------------------------------------------------------------------
 * Graphs.
 */

/* A graph of the test, by the names it was created with. */
struct test_graph
{
    WCHAR id[128];
    WCHAR db[128];
    WCHAR *peer;
    HGRAPH handle;
};

static P2PTEST_UNUSED unsigned int p2ptest_name_counter;

/* "p2ptest-TEST[-TAG]-PID-TICKS-N[SUFFIX]": a name no earlier run has used. */
static inline void make_unique_name(WCHAR *out, int count, const char *test, const char *tag, const char *suffix)
{
    char buffer[128];

    snprintf(buffer, sizeof(buffer), "p2ptest-%s%s%s-%lu-%lu-%u%s", test, tag ? "-" : "", tag ? tag : "",
             GetCurrentProcessId(), GetTickCount(), ++p2ptest_name_counter, suffix);
    MultiByteToWideChar(CP_ACP, 0, buffer, -1, out, count);
}

/* A graph id and a database name (the id with ".db") that no earlier run has used; 128 WCHARs each. */
static inline void make_graph_names(WCHAR *graph_id, WCHAR *db_name, const char *test, const char *tag)
{
    char buffer[128];

    make_unique_name(graph_id, 128, test, tag, "");
    WideCharToMultiByte(CP_ACP, 0, graph_id, -1, buffer, sizeof(buffer), NULL, NULL);
    strcat(buffer, ".db");
    MultiByteToWideChar(CP_ACP, 0, buffer, -1, db_name, 128);
}

/* The properties the tests create their graphs with, unless a test says otherwise. */
static inline void init_graph_properties(PEER_GRAPH_PROPERTIES *props, WCHAR *graph_id, WCHAR *peer_id,
                                         WCHAR *friendly_name)
{
    memset(props, 0, sizeof(*props));
    props->dwSize = sizeof(*props);
    props->dwScope = PEER_GRAPH_SCOPE_GLOBAL;
    props->pwzGraphId = graph_id;
    props->pwzCreatorId = peer_id;
    props->pwzFriendlyName = friendly_name;
    props->ulPresenceLifetime = 300;
    props->cPresenceMax = (ULONG)-1;
}

/* New names for graph (see make_graph_names) and the properties to create it with. */
static inline void init_test_graph(struct test_graph *graph, PEER_GRAPH_PROPERTIES *props, const char *test,
                                   const char *tag, WCHAR *peer_id, WCHAR *friendly_name)
{
    make_graph_names(graph->id, graph->db, test, tag);
    graph->peer = peer_id;
    graph->handle = NULL;
    init_graph_properties(props, graph->id, peer_id, friendly_name);
}

static inline HRESULT create_test_graph(struct test_graph *graph, PEER_GRAPH_PROPERTIES *props)
{
    HRESULT hr;

    graph->handle = NULL;
    hr = PeerGraphCreate(props, graph->db, NULL, &graph->handle);
    if (hr != S_OK) graph->handle = NULL;
    return hr;
}

/* A graph with new names and the default properties (init_test_graph). */
static inline HRESULT create_default_graph(struct test_graph *graph, const char *test, WCHAR *peer_id,
                                           WCHAR *friendly_name)
{
    PEER_GRAPH_PROPERTIES props;

    init_test_graph(graph, &props, test, NULL, peer_id, friendly_name);
    return create_test_graph(graph, &props);
}

/* Closes the graph if it is open. */
static inline void close_test_graph(struct test_graph *graph)
{
    HRESULT hr;

    if (!graph->handle) return;
    hr = PeerGraphClose(graph->handle);
    ok(hr == S_OK, "PeerGraphClose returned %#lx\n", hr);
    graph->handle = NULL;
}

/* The number of records PeerGraphEnumRecords(NULL, NULL) lists; ~0 when it fails. */
static inline ULONG graph_record_count(HGRAPH graph)
{
    HPEERENUM peer_enum = NULL;
    ULONG count = 0;
    HRESULT hr;

    hr = PeerGraphEnumRecords(graph, NULL, NULL, &peer_enum);
    ok(hr == S_OK, "PeerGraphEnumRecords returned %#lx\n", hr);
    if (hr != S_OK) return ~0u;
    hr = PeerGraphGetItemCount(peer_enum, &count);
    ok(hr == S_OK, "PeerGraphGetItemCount returned %#lx\n", hr);
    PeerGraphEndEnumeration(peer_enum);
    return count;
}

/* Closes the graph if it is open and deletes its data. */
static inline void delete_test_graph(struct test_graph *graph)
{
    HRESULT hr;

    close_test_graph(graph);
    hr = PeerGraphDelete(graph->id, graph->peer, graph->db);
    ok(hr == S_OK, "PeerGraphDelete(%s) returned %#lx\n", dbgstr_w(graph->id), hr);
}

/* The graph's peer time now (100 ns units). */
static inline ULONGLONG peer_now(HGRAPH graph)
{
    FILETIME utc, peer;
    HRESULT hr;

    GetSystemTimeAsFileTime(&utc);
    peer = utc;
    hr = PeerGraphUniversalTimeToPeerTime(graph, &utc, &peer);
    ok(hr == S_OK, "PeerGraphUniversalTimeToPeerTime returned %#lx\n", hr);
    return ft_to_ull(&peer);
}

/* Handles the library never gave out: garbage values and pointers into local (zeroed
 * here), which a call must not write to: check_untouched() afterwards. */
#define BAD_HANDLE_COUNT 5
#define BAD_HANDLE_LOCALS 16

static inline void make_bad_handles(void *handles[BAD_HANDLE_COUNT], ULONG_PTR local[BAD_HANDLE_LOCALS])
{
    memset(local, 0, BAD_HANDLE_LOCALS * sizeof(*local));
    handles[0] = (void *)0xdeadbeef;
    handles[1] = (void *)1;
    handles[2] = local;
    handles[3] = &local[8];
    handles[4] = (void *)~(ULONG_PTR)0;
}

static inline void check_untouched(const ULONG_PTR local[BAD_HANDLE_LOCALS])
{
    unsigned int i;

    for (i = 0; i < BAD_HANDLE_LOCALS; i++)
        ok(local[i] == 0, "local[%u] was changed to %p\n", i, (void *)local[i]);
}

/* ---------------------------------------------------------------------------------------
 * Ports, addresses and strings.
 */

/* When the run must be over (a GetTickCount() value, set by the tests that use bounded()):
 * bounded() cuts every wait to what is left of it. */
static P2PTEST_UNUSED DWORD run_deadline;

static inline DWORD bounded(DWORD timeout)
{
    LONG left = (LONG)(run_deadline - GetTickCount());

    if (left <= 0) return 0;
    return min(timeout, (DWORD)left);
}

/* A port between host and network byte order (no ws2_32 import for a byte swap). */
static inline USHORT swap16(USHORT v)
{
    return (USHORT)((v >> 8) | (v << 8));
}

/* [::1]:port, port in host byte order. */
static inline void loopback_address(PEER_ADDRESS *address, USHORT port)
{
    memset(address, 0, sizeof(*address));
    address->dwSize = sizeof(*address);
    address->sin6.sin6_family = AF_INET6;
    address->sin6.sin6_port = swap16(port);
    address->sin6.sin6_addr.s6_addr[15] = 1;
}

static inline BOOL is_loopback(const SOCKADDR_IN6 *sin6)
{
    static const BYTE loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    return sin6->sin6_family == AF_INET6 && !memcmp(&sin6->sin6_addr, loopback, 16);
}

static inline void to_wide(const char *in, WCHAR *out, int count)
{
    MultiByteToWideChar(CP_UTF8, 0, in, -1, out, count);
}

/* "(null)" for NULL */
static inline void to_utf8(const WCHAR *in, char *out, int count)
{
    if (!in) { strcpy(out, "(null)"); return; }
    WideCharToMultiByte(CP_UTF8, 0, in, -1, out, count, NULL, NULL);
}

/* ---------------------------------------------------------------------------------------
 * Test data: a byte stream that differs for every (seed, offset), so a lost, repeated or
 * misplaced frame cannot go unnoticed.
 */

static inline void fill_pattern(BYTE *buffer, DWORD size, DWORD seed)
{
    DWORD i, x = seed * 2654435761u + 12345;

    for (i = 0; i < size; i++)
    {
        x = x * 1664525 + 1013904223;
        buffer[i] = (BYTE)(x >> 24);
    }
}

/* Bytes that differ from fill_pattern(); *first_bad (if not NULL) gets the offset of the
 * first, ~0u when there is none. */
static inline DWORD count_mismatches(const BYTE *buffer, DWORD size, DWORD seed, DWORD *first_bad)
{
    DWORD i, bad = 0, x = seed * 2654435761u + 12345;

    if (first_bad) *first_bad = ~0u;
    for (i = 0; i < size; i++)
    {
        x = x * 1664525 + 1013904223;
        if (buffer[i] != (BYTE)(x >> 24))
        {
            if (!bad && first_bad) *first_bad = i;
            bad++;
        }
    }
    return bad;
}

/* ---------------------------------------------------------------------------------------
 * Peer processes: copies of this test (p2ptest_child_command) that answer commands over a
 * message-mode named pipe, one line a command and one line an answer.  Every wait is
 * bounded().
 */

struct child_process
{
    char name[32];               /* for messages */
    HANDLE process, pipe, io_event;
};

/* Waits for overlapped I/O on the child's pipe.  A child that does not answer in time is
 * broken: it is ended, so that nothing waits for it again and no late answer is taken for
 * the answer to a later command.  Its end also completes the pending I/O. */
static inline BOOL child_process_wait_io(struct child_process *c, OVERLAPPED *ov, DWORD *count, DWORD timeout)
{
    HANDLE handles[2] = {ov->hEvent, c->process};

    if (WaitForMultipleObjects(2, handles, FALSE, bounded(timeout)) != WAIT_OBJECT_0)
    {
        if (WaitForSingleObject(c->process, 0) != WAIT_OBJECT_0)
        {
            trace("%s does not answer in time: ending it\n", c->name);
            TerminateProcess(c->process, 254);
            WaitForSingleObject(c->process, 10000);  /* a terminated process ends at once */
        }
        CancelIo(c->pipe);
        GetOverlappedResult(c->pipe, ov, count, TRUE);
        return FALSE;
    }
    return GetOverlappedResult(c->pipe, ov, count, FALSE);
}

static inline BOOL child_process_running(struct child_process *c)
{
    return c->process && WaitForSingleObject(c->process, 0) != WAIT_OBJECT_0;
}

/* One overlapped read or write on the child's pipe, waited for up to timeout ms. */
static inline BOOL child_process_io(struct child_process *c, BOOL write, void *buffer, DWORD size, DWORD *done,
                                    DWORD timeout)
{
    OVERLAPPED ov;
    BOOL ret;

    *done = 0;
    memset(&ov, 0, sizeof(ov));
    ov.hEvent = c->io_event;
    ResetEvent(c->io_event);
    ret = write ? WriteFile(c->pipe, buffer, size, done, &ov) : ReadFile(c->pipe, buffer, size, done, &ov);
    if (!ret && GetLastError() == ERROR_IO_PENDING) ret = child_process_wait_io(c, &ov, done, timeout);
    return ret;
}

/* Sends one line; no check: whether one is counted is the caller's choice. */
static inline BOOL child_process_send(struct child_process *c, const char *line, DWORD timeout)
{
    DWORD written;

    return child_process_io(c, TRUE, (void *)line, strlen(line), &written, timeout);
}

/* Receives one line into buffer ("" when none came within timeout ms); no check. */
static inline BOOL child_process_receive(struct child_process *c, char *buffer, DWORD size, DWORD timeout)
{
    DWORD got;
    BOOL ret = child_process_io(c, FALSE, buffer, size - 1, &got, timeout);

    if (!ret) got = 0;
    buffer[got] = 0;
    return ret;
}

/* An answer "hr 0x..." as an HRESULT; 0xdeadbeef when it is not one. */
static inline HRESULT answer_hr(const char *answer)
{
    HRESULT hr;

    if (sscanf(answer, "hr %lx", &hr) != 1) hr = 0xdeadbeef;
    return hr;
}

/* Starts this test again with the arguments fmt makes, serving it pipe_name (lines of up to
 * line_size bytes), and waits up to timeout ms for it to open the pipe. */
static P2PTEST_UNUSED P2PTEST_PRINTF(5, 6)
BOOL child_process_start(struct child_process *c, const char *pipe_name, DWORD line_size, DWORD timeout,
                 const char *fmt, ...)
{
    char args[1024], command[MAX_PATH + 1200];
    PROCESS_INFORMATION pi;
    OVERLAPPED ov;
    va_list valist;
    DWORD got;
    BOOL ret;

    c->pipe = CreateNamedPipeA(pipe_name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
                               PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT, 1, line_size, line_size, 0,
                               NULL);
    ok(c->pipe != INVALID_HANDLE_VALUE, "CreateNamedPipe failed: %lu\n", GetLastError());
    if (c->pipe == INVALID_HANDLE_VALUE) return FALSE;
    c->io_event = CreateEventW(NULL, TRUE, FALSE, NULL);

    va_start(valist, fmt);
    vsnprintf(args, sizeof(args), fmt, valist);
    va_end(valist);
    ret = p2ptest_child_command(command, sizeof(command), "%s", args) && p2ptest_create_process(command, &pi);
    ok(ret, "CreateProcess failed: %lu\n", GetLastError());
    if (!ret)
    {
        CloseHandle(c->pipe);
        CloseHandle(c->io_event);
        return FALSE;
    }
    CloseHandle(pi.hThread);
    c->process = pi.hProcess;

    memset(&ov, 0, sizeof(ov));
    ov.hEvent = c->io_event;
    ret = ConnectNamedPipe(c->pipe, &ov);
    if (!ret && GetLastError() == ERROR_IO_PENDING) ret = child_process_wait_io(c, &ov, &got, timeout);
    else if (!ret && GetLastError() == ERROR_PIPE_CONNECTED) ret = TRUE;
    ok(ret, "%s did not connect to its pipe: %lu\n", c->name, GetLastError());
    return ret;
}

static inline void child_process_release(struct child_process *c)
{
    CloseHandle(c->process);
    CloseHandle(c->pipe);
    CloseHandle(c->io_event);
    c->process = NULL;
}

/* Waits for a child that was asked to exit and checks that it did so without a failure;
 * returns its exit code. */
static inline DWORD child_process_wait_exit(struct child_process *c, DWORD timeout)
{
    DWORD code = 0xdeadbeef;

    ok(WaitForSingleObject(c->process, timeout) == WAIT_OBJECT_0, "%s did not exit\n", c->name);
    GetExitCodeProcess(c->process, &code);
    ok(code == 0, "%s exited with %lu (its failures are listed above)\n", c->name, code);
    if (code == STILL_ACTIVE)
    {
        TerminateProcess(c->process, 1);
        WaitForSingleObject(c->process, timeout);
    }
    child_process_release(c);
    return code;
}

/* Ends a child the hard way. */
static inline void child_process_kill(struct child_process *c, DWORD timeout)
{
    TerminateProcess(c->process, 255);
    ok(WaitForSingleObject(c->process, timeout) == WAIT_OBJECT_0, "%s did not die\n", c->name);
    child_process_release(c);
}

/* The child's end: the pipe pipe_name of the parent, in message mode. */
static inline HANDLE open_parent_pipe(const char *pipe_name, const char *who)
{
    DWORD mode = PIPE_READMODE_MESSAGE;
    HANDLE pipe;

    pipe = CreateFileA(pipe_name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    ok(pipe != INVALID_HANDLE_VALUE, "%s: cannot open %s: %lu\n", who, pipe_name, GetLastError());
    if (pipe != INVALID_HANDLE_VALUE) SetNamedPipeHandleState(pipe, &mode, NULL, NULL);
    return pipe;
}

#endif /* P2PTEST_GRAPH_H */
