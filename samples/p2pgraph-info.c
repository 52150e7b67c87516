/*
 * p2pgraph-info: a small Windows program that shows what this P2PGraph.dll can do
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

/* Built with mingw-w64 and linked with its P2PGRAPH import library, this is
 * an ordinary user of the public graphing API: it starts the library, shows
 * the version it negotiated and how bad handles are answered, and shuts
 * down again, checking each answer against the documentation. */

#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <p2p.h>

static const char *describe(HRESULT hr)
{
    switch (hr)
    {
    case S_OK: return "S_OK";
    case E_INVALIDARG: return "E_INVALIDARG";
    case E_NOTIMPL: return "E_NOTIMPL";
    case E_POINTER: return "E_POINTER";
    case PEER_E_NOT_INITIALIZED: return "PEER_E_NOT_INITIALIZED";
    case PEER_E_INVALID_GRAPH: return "PEER_E_INVALID_GRAPH";
    case PEER_E_UNSUPPORTED_VERSION: return "PEER_E_UNSUPPORTED_VERSION";
    case PEER_E_CONNECTION_NOT_FOUND: return "PEER_E_CONNECTION_NOT_FOUND";
    default: return "other";
    }
}

static int failures;

static void expect(const char *what, HRESULT hr, HRESULT wanted)
{
    printf("  %-52s 0x%08lx %s%s\n", what, (unsigned long)hr, describe(hr), hr == wanted ? "" : "  <-- unexpected");
    if (hr != wanted) failures++;
}

int main(void)
{
    PEER_VERSION_DATA version;
    HGRAPH garbage = (HGRAPH)(ULONG_PTR)0xdeadbee0;
    ULONG count = 0;
    PVOID *items = NULL;

    printf("Before PeerGraphStartup:\n");
    expect("PeerGraphCloseDirectConnection(garbage, 1)", PeerGraphCloseDirectConnection(garbage, 1), PEER_E_NOT_INITIALIZED);

    printf("Start-up:\n");
    expect("PeerGraphStartup(0, ...)", PeerGraphStartup(0, &version), PEER_E_UNSUPPORTED_VERSION);
    expect("PeerGraphStartup(PEER_GRAPH_VERSION, &version)", PeerGraphStartup(PEER_GRAPH_VERSION, &version), S_OK);
    printf("  negotiated version %u.%u, highest %u.%u\n", LOBYTE(version.wVersion), HIBYTE(version.wVersion),
           LOBYTE(version.wHighestVersion), HIBYTE(version.wHighestVersion));

    printf("Handles and arguments:\n");
    expect("PeerGraphGetItemCount(NULL, &count)", PeerGraphGetItemCount(NULL, &count), E_INVALIDARG);
    expect("PeerGraphGetNextItem(garbage, &count, &items)", PeerGraphGetNextItem((HPEERENUM)garbage, &count, &items), E_INVALIDARG);
    expect("PeerGraphEndEnumeration(garbage)", PeerGraphEndEnumeration((HPEERENUM)garbage), E_INVALIDARG);
    expect("PeerGraphCloseDirectConnection(garbage, 1)", PeerGraphCloseDirectConnection(garbage, 1), PEER_E_INVALID_GRAPH);
    PeerGraphFreeData(NULL);

    printf("Shut-down:\n");
    expect("PeerGraphShutdown()", PeerGraphShutdown(), S_OK);
    expect("PeerGraphShutdown() again", PeerGraphShutdown(), PEER_E_NOT_INITIALIZED);
    expect("PeerGraphGetItemCount(NULL, &count)", PeerGraphGetItemCount(NULL, &count), PEER_E_NOT_INITIALIZED);

    printf(failures ? "%d unexpected results\n" : "all results as documented\n", failures);
    return failures ? 1 : 0;
}
