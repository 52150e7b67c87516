/*
 * Peer-to-Peer Graphing: direct connections, application data, connection lists
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


#include "engine/graph.h"
#include "p2pgraph_private.h"

WINE_DEFAULT_DEBUG_CHANNEL(p2pgraph);

namespace {

HRESULT close_direct_connection(HGRAPH handle, ULONGLONG connection_id)
{
    ApiCall call;
    if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
    if (!handle) return E_INVALIDARG;
    auto graph = call.handles().lookup_as<p2pg::Graph>(handle_value(handle), p2pg::ObjectKind::graph);
    if (!graph) return PEER_E_INVALID_GRAPH;
    /* 0 is never a connection id (it means "none" in
     * PEER_EVENT_CONNECTION_CHANGE_DATA.ullNextConnectionId). */
    if (!connection_id) return E_INVALIDARG;
    return guarded([&] {
        bool closed = false;
        call.loop().call([&] { closed = graph->close_direct_connection(connection_id); });
        return closed ? S_OK : PEER_E_CONNECTION_NOT_FOUND;
    });
}

} // namespace

extern "C" HRESULT WINAPI PeerGraphOpenDirectConnection(HGRAPH hGraph, PCWSTR pwzPeerId, PPEER_ADDRESS pAddress, ULONGLONG *pullConnectionId)
{
    WINE_FIXME("(%p, %s, %p, %p): stub\n", hGraph, wine_dbgstr_w(pwzPeerId), pAddress, pullConnectionId);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphSendData(HGRAPH hGraph, ULONGLONG ullConnectionId, const GUID *pType, ULONG cbData, PVOID pvData)
{
    WINE_FIXME("(%p, %s, %s, %#x, %p): stub\n", hGraph, wine_dbgstr_longlong(ullConnectionId), wine_dbgstr_guid(pType), (unsigned)cbData, pvData);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphEnumConnections(HGRAPH hGraph, DWORD dwFlags, HPEERENUM *phPeerEnum)
{
    WINE_FIXME("(%p, %#x, %p): stub\n", hGraph, (unsigned)dwFlags, phPeerEnum);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphCloseDirectConnection(HGRAPH hGraph, ULONGLONG ullConnectionId)
{
    WINE_TRACE("(%p, %s)\n", hGraph, wine_dbgstr_longlong(ullConnectionId));
    HRESULT hr = close_direct_connection(hGraph, ullConnectionId);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}
