/*
 * Peer-to-Peer Graphing: graphs (create, open, listen, connect, close, properties, time, database)
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

extern "C" HRESULT WINAPI PeerGraphCreate(PPEER_GRAPH_PROPERTIES pGraphProperties, PCWSTR pwzDatabaseName, PPEER_SECURITY_INTERFACE pSecurityInterface, HGRAPH *phGraph)
{
    WINE_FIXME("(%p, %s, %p, %p): stub\n", pGraphProperties, wine_dbgstr_w(pwzDatabaseName), pSecurityInterface, phGraph);
    return not_implemented(__func__);
}

extern "C" HRESULT WINAPI PeerGraphOpen(PCWSTR pwzGraphId, PCWSTR pwzPeerId, PCWSTR pwzDatabaseName, PPEER_SECURITY_INTERFACE pSecurityInterface, ULONG cRecordTypeSyncPrecedence, const GUID *pRecordTypeSyncPrecedence, HGRAPH *phGraph)
{
    WINE_FIXME("(%s, %s, %s, %p, %#x, %p, %p): stub\n", wine_dbgstr_w(pwzGraphId), wine_dbgstr_w(pwzPeerId), wine_dbgstr_w(pwzDatabaseName), pSecurityInterface, (unsigned)cRecordTypeSyncPrecedence, pRecordTypeSyncPrecedence, phGraph);
    return not_implemented(__func__);
}

extern "C" HRESULT WINAPI PeerGraphListen(HGRAPH hGraph, DWORD dwScope, DWORD dwScopeId, WORD wPort)
{
    WINE_FIXME("(%p, %#x, %#x, %#x): stub\n", hGraph, (unsigned)dwScope, (unsigned)dwScopeId, (unsigned)wPort);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphConnect(HGRAPH hGraph, PCWSTR pwzPeerId, PPEER_ADDRESS pAddress, ULONGLONG *pullConnectionId)
{
    WINE_FIXME("(%p, %s, %p, %p): stub\n", hGraph, wine_dbgstr_w(pwzPeerId), pAddress, pullConnectionId);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphClose(HGRAPH hGraph)
{
    WINE_FIXME("(%p): stub\n", hGraph);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphDelete(PCWSTR pwzGraphId, PCWSTR pwzPeerId, PCWSTR pwzDatabaseName)
{
    WINE_FIXME("(%s, %s, %s): stub\n", wine_dbgstr_w(pwzGraphId), wine_dbgstr_w(pwzPeerId), wine_dbgstr_w(pwzDatabaseName));
    return not_implemented(__func__);
}

extern "C" HRESULT WINAPI PeerGraphGetStatus(HGRAPH hGraph, DWORD *pdwStatus)
{
    WINE_FIXME("(%p, %p): stub\n", hGraph, pdwStatus);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphGetProperties(HGRAPH hGraph, PPEER_GRAPH_PROPERTIES *ppGraphProperties)
{
    WINE_FIXME("(%p, %p): stub\n", hGraph, ppGraphProperties);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphSetProperties(HGRAPH hGraph, PPEER_GRAPH_PROPERTIES pGraphProperties)
{
    WINE_FIXME("(%p, %p): stub\n", hGraph, pGraphProperties);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphPeerTimeToUniversalTime(HGRAPH hGraph, FILETIME *pftPeerTime, FILETIME *pftUniversalTime)
{
    WINE_FIXME("(%p, %p, %p): stub\n", hGraph, pftPeerTime, pftUniversalTime);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphUniversalTimeToPeerTime(HGRAPH hGraph, FILETIME *pftUniversalTime, FILETIME *pftPeerTime)
{
    WINE_FIXME("(%p, %p, %p): stub\n", hGraph, pftUniversalTime, pftPeerTime);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphExportDatabase(HGRAPH hGraph, PCWSTR pwzFilePath)
{
    WINE_FIXME("(%p, %s): stub\n", hGraph, wine_dbgstr_w(pwzFilePath));
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphImportDatabase(HGRAPH hGraph, PCWSTR pwzFilePath)
{
    WINE_FIXME("(%p, %s): stub\n", hGraph, wine_dbgstr_w(pwzFilePath));
    return graph_not_implemented(__func__, hGraph);
}
