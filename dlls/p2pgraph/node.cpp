/*
 * Peer-to-Peer Graphing: nodes and presence
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
#include "convert.h"
#include "pack.h"

WINE_DEFAULT_DEBUG_CHANNEL(p2pgraph);

namespace {

/* Node 0 is this node: its id, peer id and listening addresses.  Other
 * nodes are known through presence records, which come with the neighbor
 * graph: until then any other id is PEER_E_NODE_NOT_FOUND. */
HRESULT get_node_info(HGRAPH handle, ULONGLONG node_id, PEER_NODE_INFO **out)
{
    std::uint64_t id = 0;
    std::string peer_id;
    std::vector<sockaddr_in6> addresses;
    HRESULT hr = with_graph(handle, out != nullptr, [&](p2pg::Graph &graph) {
        if (graph.closed()) return PEER_E_GRAPH_SHUTTING_DOWN;
        if (node_id && node_id != graph.node_id()) return PEER_E_NODE_NOT_FOUND;
        id = graph.node_id();
        peer_id = graph.peer_id();
        addresses = graph.listening_addresses();
        return S_OK;
    });
    if (FAILED(hr)) return hr;
    void *block = pack_result([&](Packer &p) { pack_node_info(p, id, peer_id, addresses, std::string()); });
    if (!block) return E_OUTOFMEMORY;
    *out = static_cast<PEER_NODE_INFO *>(block);
    return S_OK;
}

} // namespace

extern "C" HRESULT WINAPI PeerGraphEnumNodes(HGRAPH hGraph, PCWSTR pwzPeerId, HPEERENUM *phPeerEnum)
{
    WINE_FIXME("(%p, %s, %p): stub\n", hGraph, wine_dbgstr_w(pwzPeerId), phPeerEnum);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphGetNodeInfo(HGRAPH hGraph, ULONGLONG ullNodeId, PPEER_NODE_INFO *ppNodeInfo)
{
    WINE_TRACE("(%p, %s, %p)\n", hGraph, wine_dbgstr_longlong(ullNodeId), ppNodeInfo);
    HRESULT hr = get_node_info(hGraph, ullNodeId, ppNodeInfo);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphSetNodeAttributes(HGRAPH hGraph, PCWSTR pwzAttributes)
{
    WINE_FIXME("(%p, %s): stub\n", hGraph, wine_dbgstr_w(pwzAttributes));
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphSetPresence(HGRAPH hGraph, BOOL fPresent)
{
    WINE_FIXME("(%p, %#x): stub\n", hGraph, (unsigned)fPresent);
    return graph_not_implemented(__func__, hGraph);
}
