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
#include "types.h"

namespace p2pg {

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
    /* Queues the event if the filters want it; returns whether it did.  A
     * due signal is sent at once. */
    bool offer(const GraphEvent &event);
    /* The same, but a due signal is left to the caller, who calls signal()
     * once it has queued everything it has at hand (a read wakeup's data
     * messages): one SetEvent, one wineserver round trip, for many events. */
    enum class Offered { refused, queued, signal_owed };
    Offered offer_holding_signal(const GraphEvent &event);
    void signal() const
    {
        if (signal_) signal_();
    }
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
