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

#include "events.h"

namespace p2pg {

EventRegistration::EventRegistration(std::vector<EventFilter> filters, std::function<void()> signal)
    : filters_(std::move(filters)), signal_(std::move(signal))
{
}

bool EventRegistration::wants(const GraphEvent &event) const
{
    for (const EventFilter &f : filters_) {
        if (f.type != event.type) continue;
        /* The record-type filter applies to the record events only; it is
         * ignored for the others, as PEER_GRAPH_EVENT_REGISTRATION says. */
        bool record_event = event.type == EventType::record_changed || event.type == EventType::synchronized;
        if (!record_event || !f.record_type || *f.record_type == event.record_type) return true;
    }
    return false;
}

bool EventRegistration::wants_type(EventType type) const
{
    for (const EventFilter &f : filters_)
        if (f.type == type) return true;
    return false;
}

bool EventRegistration::offer(const GraphEvent &event)
{
    Offered offered = offer_holding_signal(event);
    if (offered == Offered::signal_owed) signal();
    return offered != Offered::refused;
}

EventRegistration::Offered EventRegistration::offer_holding_signal(const GraphEvent &event)
{
    if (!wants(event)) return Offered::refused;
    std::lock_guard<std::mutex> guard(lock_);
    if (queue_.size() >= kMaxPending) {
        queued_bytes_ -= queue_.front().data_size();
        queue_.pop_front();
        ++dropped_;
    }
    queue_.push_back(event);
    queued_bytes_ += event.data_size();
    bool signal = signal_due_;
    signal_due_ = false;
    return signal ? Offered::signal_owed : Offered::queued;
}

std::optional<GraphEvent> EventRegistration::pop()
{
    std::lock_guard<std::mutex> guard(lock_);
    /* Whatever comes next deserves a signal: the application may wait
     * again after this call. */
    signal_due_ = true;
    if (queue_.empty()) return std::nullopt;
    GraphEvent event = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= event.data_size();
    return event;
}

std::size_t EventRegistration::pending_bytes() const
{
    std::lock_guard<std::mutex> guard(lock_);
    return queued_bytes_;
}

bool EventRegistration::congested() const
{
    std::lock_guard<std::mutex> guard(lock_);
    return queued_bytes_ > kHighPendingBytes || queue_.size() > kHighPendingEvents;
}

bool EventRegistration::drained() const
{
    std::lock_guard<std::mutex> guard(lock_);
    return queued_bytes_ < kLowPendingBytes && queue_.size() < kLowPendingEvents;
}

std::size_t EventRegistration::pending() const
{
    std::lock_guard<std::mutex> guard(lock_);
    return queue_.size();
}

std::uint64_t EventRegistration::dropped() const
{
    std::lock_guard<std::mutex> guard(lock_);
    return dropped_;
}

} // namespace p2pg
