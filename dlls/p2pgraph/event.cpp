/*
 * Peer-to-Peer Graphing: event registrations
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

extern "C" HRESULT WINAPI PeerGraphRegisterEvent(HGRAPH hGraph, HANDLE hEvent, ULONG cEventRegistrations, PEER_GRAPH_EVENT_REGISTRATION *pEventRegistrations, HPEEREVENT *phPeerEvent)
{
    WINE_FIXME("(%p, %p, %#x, %p, %p): stub\n", hGraph, hEvent, (unsigned)cEventRegistrations, pEventRegistrations, phPeerEvent);
    return graph_not_implemented(__func__, hGraph);
}

extern "C" HRESULT WINAPI PeerGraphUnregisterEvent(HPEEREVENT hPeerEvent)
{
    WINE_FIXME("(%p): stub\n", hPeerEvent);
    return event_not_implemented(__func__, hPeerEvent);
}

extern "C" HRESULT WINAPI PeerGraphGetEventData(HPEEREVENT hPeerEvent, PPEER_GRAPH_EVENT_DATA *ppEventData)
{
    WINE_FIXME("(%p, %p): stub\n", hPeerEvent, ppEventData);
    return event_not_implemented(__func__, hPeerEvent);
}
