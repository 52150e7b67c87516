/*
 * Engine events: what a graph tells the application, and the per-registration queues
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

#ifndef P2PG_ENGINE_EVENTS_H
#define P2PG_ENGINE_EVENTS_H

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "handle_table.h"
#include "record.h"

namespace p2pg {

/* PEER_GRAPH_EVENT_TYPE */
enum class EventType : std::uint32_t {
    status_changed = 1,
    property_changed = 2,
    record_changed = 3,
    direct_connection = 4,
    neighbor_connection = 5,
    incoming_data = 6,
    connection_required = 7,
    node_changed = 8,
    synchronized = 9,
};
constexpr std::uint32_t kFirstEventType = 1, kLastEventType = 9;

/* PEER_RECORD_CHANGE_TYPE */
enum class RecordChange : std::uint32_t { added = 1, updated = 2, deleted = 3, expired = 4 };

/* PEER_GRAPH_STATUS_FLAGS */
enum GraphStatus : std::uint32_t {
    kStatusListening = 0x1,
    kStatusHasConnections = 0x2,
    kStatusSynchronized = 0x4,
};

/* PEER_NODE_CHANGE_TYPE */
enum class NodeChange : std::uint32_t { connected = 1, disconnected = 2, updated = 3 };

/* PEER_CONNECTION_STATUS */
enum class ConnectionStatus : std::uint32_t { connected = 1, disconnected = 2, failed = 3 };

/* Why a connection attempt failed (hrConnectionFailedReason). */
enum class ConnectionFailure : std::uint32_t {
    none,
    refused,           /* PEER_E_CONNECTION_REFUSED */
    failed,            /* PEER_E_CONNECTION_FAILED */
    not_authenticated, /* PEER_E_CONNECTION_NOT_AUTHENTICATED */
};

/* One event as the engine raises it; the face turns it into
 * PEER_GRAPH_EVENT_DATA.  Only the fields of its type are meaningful. */
struct GraphEvent {
    EventType type = EventType::status_changed;
    std::uint32_t status = 0;                  /* status_changed */
    RecordChange change = RecordChange::added; /* record_changed */
    Guid record_id;                            /* record_changed */
    Guid record_type;                          /* record_changed, synchronized */
    /* direct_connection, neighbor_connection, incoming_data */
    ConnectionStatus connection_status = ConnectionStatus::connected;
    std::uint64_t connection_id = 0;
    std::uint64_t node_id = 0;
    std::uint64_t next_connection_id = 0;
    ConnectionFailure failure = ConnectionFailure::none;
    NodeChange node_change = NodeChange::connected; /* node_changed (and node_id) */
    std::string peer_id;                            /* node_changed */
    Guid data_type;                                   /* incoming_data */
    /* incoming_data: the payload is (*data)[data_offset, end), shared by
     * the registrations (it is the received message itself). */
    std::shared_ptr<const std::vector<std::uint8_t>> data;
    std::size_t data_offset = 0;
    std::size_t data_size() const { return data ? data->size() - data_offset : 0; }
};

/* A registration filter: the event type and, for record events, the record
 * type (none = every type). */
struct EventFilter {
    EventType type;
    std::optional<Guid> record_type;
};

/* The object behind an HPEEREVENT: the queue of one PeerGraphRegisterEvent
 * call.  Events are pushed on the loop thread and popped by the application
 * from any thread. */
class EventRegistration : public Object {
public:
    /* signal is called (on the pushing thread) after a push when the
     * application has called pop() since the last signal (or never got
     * one): the face sets the application's Win32 event there. */
    EventRegistration(std::vector<EventFilter> filters, std::function<void()> signal);

    ObjectKind kind() const override { return ObjectKind::event_registration; }

    bool wants(const GraphEvent &event) const;
    bool wants_type(EventType type) const;
    /* Queues the event if the filters want it; returns whether it did. */
    bool offer(const GraphEvent &event);
    std::optional<GraphEvent> pop();
    std::size_t pending() const;
    /* Payload bytes of the queued INCOMING_DATA events. */
    std::size_t pending_bytes() const;
    /* Whether the application has fallen so far behind that the links
     * feeding this queue should stop reading (above the high mark), and
     * whether it has caught up enough to resume (below the low mark). */
    bool congested() const;
    bool drained() const;
    /* Set by the graph when it stopped reading because of this queue;
     * whoever drains it below the low mark clears it and resumes the graph. */
    void set_throttled(bool throttled) { throttled_ = throttled; }
    bool throttled() const { return throttled_; }
    /* Events dropped because the application did not drain the queue. */
    std::uint64_t dropped() const;

    /* Beyond this many undrained events the oldest are dropped: an
     * application that never calls PeerGraphGetEventData must not make the
     * node grow without bound. */
    static constexpr std::size_t kMaxPending = 65536;
    /* Receive-side back-pressure for application data: above these the
     * graph stops reading from its connections, so that a slow reader slows
     * the sender (whose PeerGraphSendData then waits) instead of filling
     * memory. */
    static constexpr std::size_t kHighPendingBytes = 32u << 20;
    static constexpr std::size_t kLowPendingBytes = 8u << 20;
    static constexpr std::size_t kHighPendingEvents = kMaxPending / 2;
    static constexpr std::size_t kLowPendingEvents = kMaxPending / 8;

private:
    const std::vector<EventFilter> filters_;
    const std::function<void()> signal_;
    mutable std::mutex lock_;
    std::deque<GraphEvent> queue_;
    std::size_t queued_bytes_ = 0;
    std::atomic<bool> throttled_{false};
    /* Signal the application's event only for the first event after it
     * last asked for events: setting a Win32 event costs a wineserver round
     * trip, and one signal is all a draining application needs. */
    bool signal_due_ = true;
    std::uint64_t dropped_ = 0;
};

} // namespace p2pg

#endif
