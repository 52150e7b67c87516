/*
 * Peer-to-Peer Graphing: records
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

extern "C" HRESULT WINAPI PeerGraphAddRecord(HGRAPH hGraph, PPEER_RECORD pRecord, GUID *pRecordId)
{
    WINE_FIXME("(%p, %p, %p): stub\n", hGraph, pRecord, pRecordId);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphUpdateRecord(HGRAPH hGraph, PPEER_RECORD pRecord)
{
    WINE_FIXME("(%p, %p): stub\n", hGraph, pRecord);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphDeleteRecord(HGRAPH hGraph, const GUID *pRecordId, BOOL fLocal)
{
    WINE_FIXME("(%p, %s, %#x): stub\n", hGraph, wine_dbgstr_guid(pRecordId), (unsigned)fLocal);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphGetRecord(HGRAPH hGraph, const GUID *pRecordId, PPEER_RECORD *ppRecord)
{
    WINE_FIXME("(%p, %s, %p): stub\n", hGraph, wine_dbgstr_guid(pRecordId), ppRecord);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphEnumRecords(HGRAPH hGraph, const GUID *pRecordType, PCWSTR pwzPeerId, HPEERENUM *phPeerEnum)
{
    WINE_FIXME("(%p, %s, %s, %p): stub\n", hGraph, wine_dbgstr_guid(pRecordType), wine_dbgstr_w(pwzPeerId), phPeerEnum);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphSearchRecords(HGRAPH hGraph, PCWSTR pwzCriteria, HPEERENUM *phPeerEnum)
{
    WINE_FIXME("(%p, %s, %p): stub\n", hGraph, wine_dbgstr_w(pwzCriteria), phPeerEnum);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphValidateDeferredRecords(HGRAPH hGraph, ULONG cRecordIds, const GUID *pRecordIds)
{
    WINE_FIXME("(%p, %#x, %p): stub\n", hGraph, (unsigned)cRecordIds, pRecordIds);
    return graph_not_implemented(__func__, hGraph);
}
