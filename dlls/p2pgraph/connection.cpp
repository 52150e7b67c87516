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


#include "convert.h"
#include "pack.h"

WINE_DEFAULT_DEBUG_CHANNEL(p2pgraph);

namespace {

HRESULT close_direct_connection(HGRAPH handle, ULONGLONG connection_id)
{
    /* 0 is never a connection id (it means "none" in
     * PEER_EVENT_CONNECTION_CHANGE_DATA.ullNextConnectionId). */
    return with_graph(handle, connection_id != 0, [&](p2pg::api::Handle graph) {
        p2pg::GraphError err = p2pg::api::direct_close(graph, connection_id);
        /* A graph closed meanwhile has no connection left to close. */
        if (err == p2pg::GraphError::shutting_down) return PEER_E_CONNECTION_NOT_FOUND;
        return hresult_from_graph_error(err);
    });
}

/* MS-PPGRH 2.2.4.1: the PT2PT type of the protocol's own ping. */
const GUID ping_type = {0x0ccbb0d2, 0xbe41, 0x4bd6, {0x91, 0x4b, 0x05, 0x8e, 0xc5, 0xdc, 0xce, 0x64}};

/* The largest payload one PeerGraphSendData takes; it is split into frames
 * on the wire (and fits wire::kMaxMessageSize with its header). */
constexpr ULONG kMaxSendData = 64 * 1024 * 1024;

/* pullConnectionId may be NULL, as for PeerGraphConnect: the
 * DIRECT_CONNECTION event reports the id all the same. */
HRESULT open_direct_connection(HGRAPH handle, const WCHAR *peer_id, const PEER_ADDRESS *address, ULONGLONG *id)
{
    std::string peer;
    sockaddr_in6 target;
    bool args_ok = peer_id && address && utf8_from_wide(peer_id, p2pg::kMaxIdChars, &peer) && !peer.empty() &&
                   sockaddr_from_peer_address(address, &target);
    std::uint64_t new_id = 0;
    HRESULT hr = with_graph(handle, args_ok, [&](p2pg::api::Handle graph) {
        return hresult_from_graph_error(p2pg::api::direct_open(graph, peer, target, &new_id));
    });
    if (SUCCEEDED(hr) && id) *id = new_id;
    return hr;
}

/* PeerGraphSendData blocks while the connection's send buffer is full (a
 * receiver slower than the sender): it never fails for that reason, and
 * waits as long as the connection lives, in slices so that closing the
 * connection or the library ends the wait. */
constexpr int kSendWaitSliceMs = 200;

HRESULT send_data(HGRAPH handle, ULONGLONG connection_id, const GUID *type, ULONG size, const void *data)
{
    bool args_ok = type && (!size || data) && size <= kMaxSendData && !IsEqualGUID(*type, ping_type);
    for (;;) {
        {
            ApiCall call;
            /* The handle is looked up once per call on this hot path:
             * send_data itself answers invalid_handle (PEER_E_INVALID_GRAPH),
             * and bad arguments are checked after the handle, as everywhere. */
            if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
            if (!handle) return E_INVALIDARG;
            if (!args_ok) return p2pg::api::graph_valid(handle_value(handle)) ? E_INVALIDARG : PEER_E_INVALID_GRAPH;
            p2pg::GraphError err = p2pg::api::send_data(handle_value(handle), connection_id, guid_from_win32(*type),
                                                        static_cast<const std::uint8_t *>(data), size);
            if (err != p2pg::GraphError::would_block) return hresult_from_graph_error(err);
        }
        /* Back-pressure: the receiver is slower than we send.  Wait for the
         * connection's send buffer to drain, outside the library lock. */
        p2pg::api::wait_writable(handle_value(handle), connection_id, kSendWaitSliceMs);
    }
}

HRESULT enum_connections(HGRAPH handle, DWORD flags, HPEERENUM *out)
{
    const DWORD known = PEER_CONNECTION_NEIGHBOR | PEER_CONNECTION_DIRECT;
    p2pg::api::Handle enumeration = 0;
    HRESULT hr = with_graph(handle, out && flags && !(flags & ~known), [&](p2pg::api::Handle graph) {
        return hresult_from_graph_error(p2pg::api::connections_enum(graph, flags, &enumeration));
    });
    if (SUCCEEDED(hr)) *out = reinterpret_cast<HPEERENUM>(enumeration);
    return hr;
}

} // namespace

extern "C" HRESULT WINAPI PeerGraphOpenDirectConnection(HGRAPH hGraph, PCWSTR pwzPeerId, PPEER_ADDRESS pAddress,
                                                        ULONGLONG *pullConnectionId)
{
    WINE_TRACE("(%p, %s, %p, %p)\n", hGraph, wine_dbgstr_w(pwzPeerId), pAddress, pullConnectionId);
    HRESULT hr = open_direct_connection(hGraph, pwzPeerId, pAddress, pullConnectionId);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphSendData(HGRAPH hGraph, ULONGLONG ullConnectionId, const GUID *pType, ULONG cbData,
                                            PVOID pvData)
{
    WINE_TRACE("(%p, %s, %s, %u, %p)\n", hGraph, wine_dbgstr_longlong(ullConnectionId), wine_dbgstr_guid(pType),
               (unsigned)cbData, pvData);
    HRESULT hr = send_data(hGraph, ullConnectionId, pType, cbData, pvData);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphEnumConnections(HGRAPH hGraph, DWORD dwFlags, HPEERENUM *phPeerEnum)
{
    WINE_TRACE("(%p, %#x, %p)\n", hGraph, (unsigned)dwFlags, phPeerEnum);
    HRESULT hr = enum_connections(hGraph, dwFlags, phPeerEnum);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphCloseDirectConnection(HGRAPH hGraph, ULONGLONG ullConnectionId)
{
    WINE_TRACE("(%p, %s)\n", hGraph, wine_dbgstr_longlong(ullConnectionId));
    HRESULT hr = close_direct_connection(hGraph, ullConnectionId);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}
