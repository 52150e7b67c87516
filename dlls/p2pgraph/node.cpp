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


#include "p2pgraph_private.h"

WINE_DEFAULT_DEBUG_CHANNEL(p2pgraph);

extern "C" HRESULT WINAPI PeerGraphEnumNodes(HGRAPH hGraph, PCWSTR pwzPeerId, HPEERENUM *phPeerEnum)
{
    WINE_FIXME("(%p, %s, %p): stub\n", hGraph, wine_dbgstr_w(pwzPeerId), phPeerEnum);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphGetNodeInfo(HGRAPH hGraph, ULONGLONG ullNodeId, PPEER_NODE_INFO *ppNodeInfo)
{
    WINE_FIXME("(%p, %s, %p): stub\n", hGraph, wine_dbgstr_longlong(ullNodeId), ppNodeInfo);
    return graph_not_implemented(__func__, hGraph);
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
