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

#include "engine/events.h"
#include "engine/graph.h"
#include "convert.h"
#include "pack.h"

WINE_DEFAULT_DEBUG_CHANNEL(p2pgraph);

namespace {

/* A registration remembers its graph so that unregistering (or the
 * library shutting down) takes it off the graph's list. */
class Registration : public p2pg::EventRegistration {
public:
    Registration(std::vector<p2pg::EventFilter> filters, HANDLE event, std::weak_ptr<p2pg::Graph> graph)
        : EventRegistration(std::move(filters), [event] { SetEvent(event); }), graph_(std::move(graph))
    {
    }

    /* On the loop thread. */
    void close() override
    {
        if (auto graph = graph_.lock()) graph->remove_registration(this);
    }

    std::shared_ptr<p2pg::Graph> graph() const { return graph_.lock(); }

private:
    std::weak_ptr<p2pg::Graph> graph_;
};

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

    ApiCall call;
    std::shared_ptr<p2pg::Graph> graph;
    HRESULT hr = graph_from_handle(call, handle, &graph);
    if (FAILED(hr)) return hr;
    if (!args_ok) return E_INVALIDARG;
    return guarded([&] {
        auto registration = std::make_shared<Registration>(std::move(filters), event, graph);
        bool added = false;
        call.loop().call([&] {
            if (graph->closed()) return;
            graph->add_registration(registration);
            added = true;
        });
        if (!added) return PEER_E_INVALID_GRAPH;
        *out = reinterpret_cast<HPEEREVENT>(call.handles().insert(registration));
        return S_OK;
    });
}

HRESULT unregister_event(HPEEREVENT handle)
{
    ApiCall call;
    if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
    if (!handle) return E_INVALIDARG;
    auto registration = call.handles().remove(handle_value(handle), p2pg::ObjectKind::event_registration);
    if (!registration) return E_INVALIDARG;
    return guarded([&] {
        call.loop().call([&] { registration->close(); });
        return S_OK;
    });
}

HRESULT get_event_data(HPEEREVENT handle, PEER_GRAPH_EVENT_DATA **out)
{
    ApiCall call;
    if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
    if (!handle || !out) return E_INVALIDARG;
    auto registration = call.handles().lookup_as<Registration>(handle_value(handle),
                                                                p2pg::ObjectKind::event_registration);
    if (!registration) return E_INVALIDARG;
    return guarded([&] {
        std::optional<p2pg::GraphEvent> event = registration->pop();
        /* The graph stopped reading while we were behind: let it go on. */
        if (registration->throttled() && registration->drained()) {
            registration->set_throttled(false);
            if (auto graph = registration->graph())
                call.loop().post([graph] { graph->resume_reading(); });
        }
        if (!event) {
            *out = nullptr;
            return PEER_S_NO_EVENT_DATA;
        }
        void *block = pack_result([&](Packer &p) { pack_event(p, *event); });
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
