/*
 * Engine flooding (MS-PPGRH 3.1.5.2.10, 3.1.7.26-28, 3.1.7.32-33)
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

#include <optional>
#include <utility>

#include "flood.h"
#include "graph.h"
#include "log.h"
#include "neighbor.h"
#include "record_rules.h"
#include "store.h"

namespace p2pg {

namespace {

/* Invalid records an authenticated neighbor may send (a leaky bucket, see
 * Neighbor::spend) before the link goes. */
constexpr double kInvalidRecordBudget = 256;

} // namespace

void Flood::send(const Record &record, const Neighbor *except)
{
    Link::Frames frames;
    std::size_t sent = 0;
    for (auto &entry : graph_.neighbors_) {
        Neighbor &neighbor = *entry.second;
        if (&neighbor == except || !neighbor.connected()) continue;
        if (!frames) {
            wire::Flood message;
            message.record = record;
            message.graph_id = graph_.graph_id_;
            frames = Link::frame(message);
        }
        /* A link with nothing queued sends at once: the next hop has the
         * record while this one commits it and tells its application. */
        bool idle = neighbor.link().pending_output() == 0;
        neighbor.link().send_frames(frames, true);
        if (idle) neighbor.link().write_now();
        ++sent;
    }
    if (sent)
        P2PG_TRACE(flood, "record %s v%u (%s%s) to %zu neighbors", record.id.to_string().c_str(), record.version,
                   record_type_name(record.type).c_str(), record.deleted() ? ", deleted" : "", sent);
}

void Flood::receive(Neighbor &neighbor, wire::Flood &&message)
{
    const Record &record = message.record;
    Link &link = neighbor.link();
    /* MS-PPGRH 3.1.7.27: what fails validation is dropped without a word
     * (but a neighbor that keeps sending such records loses the link). */
    if (message.graph_id != graph_.graph_id_ || !record_acceptable(record, graph_.graph_id_, graph_.max_record_size())) {
        P2PG_WARN(flood, "connection %llu: record %s v%u fails validation; dropped", (unsigned long long)neighbor.id(),
                  record.id.to_string().c_str(), record.version);
        graph_.spend_budget(neighbor, Neighbor::Budget::invalid_records, kInvalidRecordBudget);
        return;
    }

    Store &store = *graph_.store_;
    /* The read wakeup's transaction starts here, so that looking up what we
     * hold shares it: alone each lookup is a read transaction of its own
     * (locks and all), the most a node does per FLOOD while N nodes'
     * Presence records flood through it. */
    if (!store.in_batch()) store.begin_batch();
    std::optional<Record> local = store.get(record.id);
    /* A record keeps its type for life: a "newer version" of another type
     * would replace (an application's record by an internal one, out of
     * the application's sight and its provider's reach). */
    if (local && local->type != record.type) {
        P2PG_WARN(flood, "connection %llu: record %s v%u changes its type; dropped", (unsigned long long)neighbor.id(),
                  record.id.to_string().c_str(), record.version);
        graph_.spend_budget(neighbor, Neighbor::Budget::invalid_records, kInvalidRecordBudget);
        return;
    }
    ConflictWinner winner = local ? resolve_conflict(record, *local) : ConflictWinner::received;
    if (winner == ConflictWinner::received && !within_quota(record_size(record))) {
        P2PG_WARN(flood, "graph %s: the database passed its storage quota of %llu bytes; dropping %s",
                  graph_.graph_id_.c_str(), static_cast<unsigned long long>(graph_.env_.storage_quota),
                  link.remote_peer_id().c_str());
        link.abort(LinkEnd::protocol_error);
        return;
    }
    /* The ACK goes when the read wakeup is done (read_done). */
    if (!neighbor.pending_ack) neighbor.pending_ack.emplace();
    neighbor.pending_ack->entries.push_back({record.id, winner == ConflictWinner::received});
    neighbor.count_flood(winner == ConflictWinner::received);
    P2PG_TRACE(flood, "connection %llu: record %s v%u (%s): %s", (unsigned long long)neighbor.id(),
               record.id.to_string().c_str(), record.version, record_type_name(record.type).c_str(),
               winner == ConflictWinner::received ? "new here"
               : winner == ConflictWinner::local  ? "ours is newer, sent back"
                                                  : "already here");
    if (winner == ConflictWinner::local) {
        /* We hold a newer version: the sender gets it back (3.1.5.2.10). */
        wire::Flood newer;
        newer.record = *local;
        newer.graph_id = graph_.graph_id_;
        link.send(newer, true);
        return;
    }
    if (winner == ConflictWinner::same) return;
    if (graph_.security_.enabled() && !is_reserved_record_type(record.type)) {
        /* The application judges it first (MS-PPGRH 3.1.7.27); meanwhile
         * it is neither visible nor flooded on. */
        graph_.security_.submit(record, received_change(record, local), neighbor.id());
        return;
    }
    graph_.record_received(record, local, &neighbor);
}

void Flood::charge_invalid(Neighbor &neighbor)
{
    graph_.spend_budget(neighbor, Neighbor::Budget::invalid_records, kInvalidRecordBudget);
}

void Flood::acked(Neighbor &neighbor, const wire::Ack &ack)
{
    for (const auto &entry : ack.entries) neighbor.count_flood(entry.useful);
}

void Flood::read_done(Neighbor &neighbor)
{
    close_batch();
    if (!neighbor.pending_ack) return;
    wire::Ack ack = std::move(*neighbor.pending_ack);
    neighbor.pending_ack.reset();
    if (neighbor.connected()) neighbor.link().send(ack, true);
}

void Flood::close_batch()
{
    if (graph_.store_ && graph_.store_->in_batch()) graph_.store_->end_batch();
}

void Flood::recount_storage()
{
    stored_bytes_ = graph_.store_->payload_bytes();
    stored_bytes_counted_ = 0;
}

bool Flood::within_quota(std::uint64_t adding)
{
    stored_bytes_ += adding;
    std::uint64_t quota = graph_.env_.storage_quota;
    if (stored_bytes_ <= quota) return true;
    FileTime now = graph_.env_.clock->now_utc();
    if (stored_bytes_counted_ && now - stored_bytes_counted_ < kTicksPerSecond) return false;
    stored_bytes_counted_ = now;
    stored_bytes_ = graph_.store_->payload_bytes() + adding;
    return stored_bytes_ <= quota;
}

} // namespace p2pg
