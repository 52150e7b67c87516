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

#include "convert.h"
#include "pack.h"

WINE_DEFAULT_DEBUG_CHANNEL(p2pgraph);

namespace {

/* The engine signals a registration's queue here (on its loop thread): the
 * application's event is set. */
void signal_event(void *event)
{
    SetEvent(static_cast<HANDLE>(event));
}

HRESULT register_event(HGRAPH handle, HANDLE event, ULONG count, const PEER_GRAPH_EVENT_REGISTRATION *registrations,
                       HPEEREVENT *out)
{
    bool args_ok = event && count && registrations && out;
    std::vector<p2pg::EventFilter> filters;
    for (ULONG i = 0; args_ok && i < count; ++i) {
        DWORD type = registrations[i].eventType;
        if (type < p2pg::kFirstEventType || type > p2pg::kLastEventType) {
            args_ok = false;
            break;
        }
        p2pg::EventFilter filter{static_cast<p2pg::EventType>(type), std::nullopt};
        if (registrations[i].pType) filter.record_type = guid_from_win32(*registrations[i].pType);
        filters.push_back(filter);
    }
    p2pg::api::Handle registration = 0;
    HRESULT hr = with_graph(handle, args_ok, [&](p2pg::api::Handle graph) {
        return hresult_from_graph_error(p2pg::api::events_register(graph, filters, signal_event, event, &registration));
    });
    if (SUCCEEDED(hr)) *out = reinterpret_cast<HPEEREVENT>(registration);
    return hr;
}

HRESULT unregister_event(HPEEREVENT handle)
{
    ApiCall call;
    if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
    if (!handle) return E_INVALIDARG;
    p2pg::GraphError err = p2pg::api::events_unregister(handle_value(handle));
    if (err == p2pg::GraphError::invalid_handle) return E_INVALIDARG;
    return hresult_from_graph_error(err);
}

HRESULT get_event_data(HPEEREVENT handle, PEER_GRAPH_EVENT_DATA **out)
{
    ApiCall call;
    if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
    if (!handle || !out) return E_INVALIDARG;
    std::optional<p2pg::GraphEvent> event;
    p2pg::GraphError err = p2pg::api::events_next(handle_value(handle), &event);
    if (err == p2pg::GraphError::invalid_handle) return E_INVALIDARG;
    if (err != p2pg::GraphError::ok) return hresult_from_graph_error(err);
    if (!event) {
        *out = nullptr;
        return PEER_S_NO_EVENT_DATA;
    }
    return guarded([&] {
        std::shared_ptr<const void> keep;
        if (event_keeps_data(*event)) keep = event->data;
        void *block = pack_result([&](Packer &p) { pack_event(p, *event); }, std::move(keep));
        if (!block) return E_OUTOFMEMORY;
        *out = static_cast<PEER_GRAPH_EVENT_DATA *>(block);
        return S_OK;
    });
}

} // namespace

extern "C" HRESULT WINAPI PeerGraphRegisterEvent(HGRAPH hGraph, HANDLE hEvent, ULONG cEventRegistrations,
                                                 PEER_GRAPH_EVENT_REGISTRATION *pEventRegistrations,
                                                 HPEEREVENT *phPeerEvent)
{
    WINE_TRACE("(%p, %p, %u, %p, %p)\n", hGraph, hEvent, (unsigned)cEventRegistrations, pEventRegistrations,
               phPeerEvent);
    HRESULT hr = register_event(hGraph, hEvent, cEventRegistrations, pEventRegistrations, phPeerEvent);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphUnregisterEvent(HPEEREVENT hPeerEvent)
{
    WINE_TRACE("(%p)\n", hPeerEvent);
    HRESULT hr = unregister_event(hPeerEvent);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphGetEventData(HPEEREVENT hPeerEvent, PPEER_GRAPH_EVENT_DATA *ppEventData)
{
    WINE_TRACE("(%p, %p)\n", hPeerEvent, ppEventData);
    HRESULT hr = get_event_data(hPeerEvent, ppEventData);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}
