/*
 * dbtool: opens, creates or deletes one graph and prints the HRESULT (for integration tests)
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

/* Usage: dbtool.exe create|open|delete GRAPH-ID PEER-ID DATABASE
 * Prints "hr=0x........" and, after a successful open, "records=N"; exits
 * 0 when it could run the call at all. */

#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <string.h>
#include <p2p.h>

int wmain(int argc, WCHAR **argv)
{
    PEER_VERSION_DATA version;
    PEER_GRAPH_PROPERTIES props = {0};
    HGRAPH graph = NULL;
    HRESULT hr;

    if (argc != 5) return 2;
    if (FAILED(PeerGraphStartup(PEER_GRAPH_VERSION, &version))) return 3;
    if (!wcscmp(argv[1], L"create"))
    {
        props.dwSize = sizeof(props);
        props.dwScope = PEER_GRAPH_SCOPE_GLOBAL;
        props.pwzGraphId = argv[2];
        props.pwzCreatorId = argv[3];
        hr = PeerGraphCreate(&props, argv[4], NULL, &graph);
    }
    else if (!wcscmp(argv[1], L"open"))
        hr = PeerGraphOpen(argv[2], argv[3], argv[4], NULL, 0, NULL, &graph);
    else if (!wcscmp(argv[1], L"delete"))
        hr = PeerGraphDelete(argv[2], argv[3], argv[4]);
    else
        return 2;
    printf("hr=0x%08lx\n", (unsigned long)hr);
    if (SUCCEEDED(hr) && graph)
    {
        HPEERENUM henum;
        ULONG count = 0;
        if (SUCCEEDED(PeerGraphEnumRecords(graph, NULL, NULL, &henum)))
        {
            PeerGraphGetItemCount(henum, &count);
            PeerGraphEndEnumeration(henum);
            printf("records=%lu\n", count);
        }
        PeerGraphClose(graph);
    }
    PeerGraphShutdown();
    return 0;
}
