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


#include "convert.h"
#include "pack.h"

WINE_DEFAULT_DEBUG_CHANNEL(p2pgraph);

namespace {

/* Node 0 (or our own id) is this node; other nodes are known through their
 * Presence records (MS-PPGRH 3.1.7.10.5). */
HRESULT get_node_info(HGRAPH handle, ULONGLONG node_id, PEER_NODE_INFO **out)
{
    p2pg::NodeInfo node;
    HRESULT hr = with_graph(handle, out != nullptr, [&](p2pg::api::Handle graph) {
        return hresult_from_graph_error(p2pg::api::node_info(graph, node_id, &node));
    });
    if (FAILED(hr)) return hr;
    void *block = pack_result([&](Packer &p) { pack_node_info(p, node); });
    if (!block) return E_OUTOFMEMORY;
    *out = static_cast<PEER_NODE_INFO *>(block);
    return S_OK;
}

HRESULT enum_nodes(HGRAPH handle, const WCHAR *peer_id, HPEERENUM *out)
{
    std::string peer;
    bool args_ok = out && (!peer_id || utf8_from_wide(peer_id, p2pg::kMaxIdChars, &peer));
    p2pg::api::Handle enumeration = 0;
    HRESULT hr = with_graph(handle, args_ok, [&](p2pg::api::Handle graph) {
        return hresult_from_graph_error(p2pg::api::nodes_enum(graph, peer_id ? &peer : nullptr, &enumeration));
    });
    if (SUCCEEDED(hr)) *out = reinterpret_cast<HPEERENUM>(enumeration);
    return hr;
}

HRESULT set_node_attributes(HGRAPH handle, const WCHAR *attributes)
{
    std::string value;
    bool args_ok = !attributes || utf8_from_wide(attributes, p2pg::kMaxNodeAttributeChars, &value);
    return with_graph(handle, args_ok, [&](p2pg::api::Handle graph) {
        return hresult_from_graph_error(p2pg::api::node_set_attributes(graph, value));
    });
}

HRESULT set_presence(HGRAPH handle, BOOL present)
{
    return with_graph(handle, true, [&](p2pg::api::Handle graph) {
        return hresult_from_graph_error(p2pg::api::node_set_presence(graph, present != FALSE));
    });
}

} // namespace

extern "C" HRESULT WINAPI PeerGraphEnumNodes(HGRAPH hGraph, PCWSTR pwzPeerId, HPEERENUM *phPeerEnum)
{
    WINE_TRACE("(%p, %s, %p)\n", hGraph, wine_dbgstr_w(pwzPeerId), phPeerEnum);
    HRESULT hr = enum_nodes(hGraph, pwzPeerId, phPeerEnum);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
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
    WINE_TRACE("(%p, %s)\n", hGraph, wine_dbgstr_w(pwzAttributes));
    HRESULT hr = set_node_attributes(hGraph, pwzAttributes);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphSetPresence(HGRAPH hGraph, BOOL fPresent)
{
    WINE_TRACE("(%p, %#x)\n", hGraph, (unsigned)fPresent);
    HRESULT hr = set_presence(hGraph, fPresent);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}
