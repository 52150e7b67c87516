/*
 * Engine graph: neighbor connections, flooding and synchronization (MS-PPGRH 3.1.5.2, 3.1.7)
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

/* PeerGraphConnect, accepting neighbors (at most kMaximumNeighbors, REFUSE
 * BUSY with referrals, DUPLICATE_CONNECTION), flooding every change with
 * conflict resolution and ACKs, and synchronization driven by the
 * initiator: Sync All (SOLICIT_NEW) for a node that never synchronized,
 * time-based (SOLICIT_TIME since it left) then hash-based for a returning
 * node, hash-based alone for every later connection (MS-PPGRH
 * 3.1.7.29-31; ranges and errata in hash_sync.h).  Presence is in
 * presence.cpp, graph maintenance in maintenance.cpp. */

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>

#include <arpa/inet.h>

#include "graph.h"
#include "log.h"
#include "record_rules.h"
#include "record.h"
#include "store.h"

namespace p2pg {

namespace {

constexpr FileTime kPeerTimeTolerance = 20 * 60 * kTicksPerSecond;
constexpr std::size_t kMaxReferrals = 10;
constexpr std::size_t kMaxReferralList = 100;
/* Records (and SYNC_ENDs) queued for one link at most: a few times what a
 * REQUEST of the largest size can name. */
constexpr std::size_t kMaxOutbox = 8u << 20;
/* Unsent bytes on a link above which a new synchronization request is
 * abuse (see neighbor_message). */
constexpr std::size_t kMaxUnreadAnswers = 4 * Link::kSendHighWater;
/* MS-PPGRH 1.3.6 lets the first WELCOME set our peer time whatever it
 * says; a neighbor whose clock is further off than this from ours is not
 * believed (a clock a day off is broken, and a peer time decades away
 * would expire or immortalize every record). */
constexpr FileTime kMaxFirstPeerTimeDelta = 24 * 3600 * kTicksPerSecond;
/* What an authenticated neighbor may get wrong before the link goes (the
 * spec drops the record and says nothing; a peer that keeps sending them,
 * or keeps asking for synchronizations, only costs us): leaky buckets that
 * hold kBudget events and drain kBudgetDrainPerSecond a second. */
constexpr double kInvalidRecordBudget = 256;
constexpr double kSolicitBudget = 64;
constexpr double kBudgetDrainPerSecond = 0.5;

bool selected(const wire::TypeSelection &selection, const Guid &type)
{
    if (selection.types.empty()) return true;
    bool listed = false;
    for (const Guid &t : selection.types) listed = listed || t == type;
    return selection.exclusion ? !listed : listed;
}

} // namespace

void Graph::announce_listening()
{
    /* MS-PPGRH 3.1.4.8: CONNECT with the Update bit on every connected
     * neighbor link once we listen. */
    wire::Connect update;
    update.update = true;
    update.node_id = node_id_;
    update.addresses = wire_listening_addresses();
    for (auto &entry : neighbors_)
        if (entry.second->connected()) entry.second->send(update, true);
}

std::size_t Graph::neighbor_count() const
{
    std::size_t n = 0;
    for (const auto &entry : neighbors_) n += entry.second->connected();
    return n;
}

std::size_t Graph::pending_neighbor_count() const
{
    std::size_t n = 0;
    for (const auto &entry : neighbors_) n += !entry.second->connected() && entry.second->initiator();
    return n;
}

GraphError Graph::connect(const std::string &peer_id, const sockaddr_in6 &address, std::uint64_t *id)
{
    if (!store_) return GraphError::shutting_down;
    if (!env_.transport || !env_.loop) return GraphError::io_error;
    /* MS-PPGRH 3.1.4.9: not to ourselves. */
    for (const sockaddr_in6 &own : listening_addresses_)
        if (same_endpoint(own, address)) return GraphError::connect_self;
    for (const auto &entry : neighbors_)
        if (same_endpoint(entry.second->remote_address(), address)) return GraphError::already_exists;
    /* The application joins on loopback (graph maintenance only gets here
     * with addresses candidate_in_scope() let through). */
    if (IN6_IS_ADDR_LOOPBACK(&address.sin6_addr)) met_on_loopback_ = true;
    std::uint64_t new_id = env_.transport->new_connection_id();
    neighbors_[new_id] =
        Link::connect(*env_.loop, new_id, this, address, introduction(wire::ConnectionType::neighbor, peer_id));
    network_started_ = true;
    *id = new_id;
    return GraphError::ok;
}

bool Graph::neighbor_connect(Link &link, const wire::Connect &connect, wire::Welcome *welcome,
                             wire::Refuse *refuse)
{
    /* MS-PPGRH 3.1.5.2.1, responder. */
    bool duplicate = connect.node_id == node_id_;
    for (const auto &entry : neighbors_)
        duplicate = duplicate || (entry.second->connected() && entry.second->remote_node_id() == connect.node_id);
    /* Our own attempts still under way count: they may all succeed. */
    if (duplicate || neighbor_count() + pending_neighbor_count() >= kMaximumNeighbors) {
        refuse->code = duplicate ? wire::RefuseCode::duplicate_connection : wire::RefuseCode::busy;
        /* A busy node points the way to its neighbors (3.1.5.2.1). */
        if (!duplicate) refuse->addresses = neighbor_referrals(&link);
        neighbors_.erase(link.id());
        return false;
    }
    welcome->node_id = node_id_;
    welcome->peer_time = peer_time();
    welcome->peer_id = peer_id_;
    if (connect.want_neighbors) welcome->addresses = neighbor_referrals(&link);
    return true;
}

std::vector<wire::In6Address> Graph::neighbor_referrals(const Link *except) const
{
    /* Up to ten, the longest-standing neighbors first (3.1.7.25). */
    std::vector<wire::In6Address> out;
    for (const auto &entry : neighbors_) {
        if (entry.second.get() == except || !entry.second->connected()) continue;
        for (const wire::In6Address &a : entry.second->remote_listening()) {
            if (out.size() == kMaxReferrals) return out;
            out.push_back(a);
        }
    }
    return out;
}

void Graph::remember_referrals(const std::vector<wire::In6Address> &addresses)
{
    /* MS-PPGRH 3.1.1 Referral List: at most 100, the oldest go first.  A
     * neighbor names only so many (3.1.7.25: ten), and none we would not
     * connect to. */
    std::size_t taken = 0;
    for (const wire::In6Address &a : addresses) {
        if (taken == kMaxReferrals) break;
        if (!candidate_in_scope(to_sockaddr(a))) continue;
        ++taken;
        if (std::find(referral_list_.begin(), referral_list_.end(), a) != referral_list_.end()) continue;
        referral_list_.push_back(a);
        if (referral_list_.size() > kMaxReferralList) referral_list_.pop_front();
    }
}

std::uint64_t Graph::follow_referral()
{
    /* MS-PPGRH 3.1.5.2.3: a random referral not tried yet. */
    std::vector<wire::In6Address> untried;
    for (const wire::In6Address &a : referral_list_)
        if (std::find(attempted_referrals_.begin(), attempted_referrals_.end(), a) == attempted_referrals_.end())
            untried.push_back(a);
    while (!untried.empty()) {
        std::size_t pick = static_cast<std::size_t>(random_ticks(0, std::int64_t(untried.size()) - 1));
        wire::In6Address chosen = untried[pick];
        untried.erase(untried.begin() + pick);
        attempted_referrals_.push_back(chosen);
        std::uint64_t id = 0;
        if (connect("", to_sockaddr(chosen), &id) == GraphError::ok) return id;
    }
    return 0;
}

void Graph::neighbor_connected(Link &link)
{
    /* Someone reached us on loopback. */
    if (IN6_IS_ADDR_LOOPBACK(&link.remote_address().sin6_addr)) met_on_loopback_ = true;
    /* Two nodes that connected to each other at the same moment hold two
     * links: both sides keep the one the lower node id started, so one
     * neighbor is one link. */
    for (auto &entry : neighbors_) {
        Link &other = *entry.second;
        if (&other == &link || !other.connected() || other.remote_node_id() != link.remote_node_id()) continue;
        std::uint64_t link_starter = link.initiator() ? node_id_ : link.remote_node_id();
        std::uint64_t other_starter = other.initiator() ? node_id_ : other.remote_node_id();
        std::shared_ptr<Link> loser = link_starter < other_starter ? entry.second : link.shared_from_this();
        neighbors_.erase(loser->id());
        forget_data_link(loser->id());
        loser->close_with(wire::DisconnectReason::least_useful);
        if (loser.get() == &link) return;
        break;
    }
    raise_connection_event(EventType::neighbor_connection, link, ConnectionStatus::connected, ConnectionFailure::none);
    utility_[link.id()] = 0.0; /* MS-PPGRH 3.1.7.24 */
    if (neighbor_count() > kMaximumNeighbors) {
        /* The application connected a node that was full already: the
         * least useful other neighbor makes room (MS-PPGRH 3.1.7.14). */
        std::shared_ptr<Link> least;
        for (const auto &entry : neighbors_) {
            if (entry.second.get() == &link || !entry.second->connected()) continue;
            if (!least || utility(entry.first) < utility(least->id())) least = entry.second;
        }
        if (least) drop_neighbor(least, wire::DisconnectReason::least_useful);
    }
    maintenance_links_.erase(link.id());
    maintenance_tried_.clear();
    if (neighbor_count() == 1) {
        raise_status();
        /* MS-PPGRH 3.1.7.16: the first neighbor starts graph maintenance. */
        graph_maintenance(false);
    }
    if (!link.initiator()) return;
    adjust_peer_time(link);
    remember_referrals(link.referrals());
    /* MS-PPGRH 3.1.5.2.2, 3.1.7.29: the initiator drives synchronization,
     * type by type in the Sync Record Types order (Graph Info, Presence,
     * then what PeerGraphOpen was asked to get first), then everything
     * else in one exclusion request.  A node that never synchronized asks
     * for everything (SOLICIT_NEW), a returning one for what changed since
     * it left (SOLICIT_TIME). */
    SyncState sync;
    sync.types = {kRecordTypeGraphInfo, kRecordTypePresence};
    for (const Guid &type : sync_precedence_)
        if (std::find(sync.types.begin(), sync.types.end(), type) == sync.types.end()) sync.types.push_back(type);
    sync.since = ready_ ? left_peer_time_ : 0;
    /* MS-PPGRH 3.1.7.30-31: a returning node follows the time-based sync
     * with a hash-based one (which also carries what it wrote while away
     * or before this connection); once it has synchronized, later
     * connections use the hash-based sync alone.  A node that never
     * synchronized takes everything (Sync All) and has nothing to give. */
    sync.hash_after = ready_;
    syncs_[link.id()] = sync;
    if (ready_ && synchronized_once_) {
        start_hash_sync(link);
        return;
    }
    send_next_solicit(link);
}

void Graph::send_next_solicit(Link &link)
{
    SyncState &sync = syncs_[link.id()];
    wire::TypeSelection selection;
    if (sync.next < sync.types.size()) {
        selection.types = {sync.types[sync.next]};
    } else {
        selection.exclusion = true;
        selection.types = sync.types;
        sync.everything_else_sent = true;
    }
    if (sync.since) {
        wire::SolicitTime solicit;
        solicit.types = std::move(selection);
        solicit.modification_time = sync.since;
        link.send(solicit, true);
    } else {
        wire::SolicitNew solicit;
        solicit.types = std::move(selection);
        link.send(solicit, true);
    }
}

void Graph::adjust_peer_time(const Link &link)
{
    /* MS-PPGRH 3.1.5.2.2 / 1.3.6: the responder's peer time, moved on by
     * half the handshake's round trip, against our clock. */
    FileTime remote_now = link.welcome_peer_time() + link.handshake_round_trip() / 2;
    FileTime utc = env_.clock->now_utc();
    FileTime remote_delta = utc - remote_now;
    bool first = !peer_time_adjusted_;
    /* The spec ignores WELCOMEs more than 20 minutes off our peer time; we
     * apply that only once we have adjusted at least once, or a node whose
     * clock is off could never join (errata, see the reference 3.8). */
    if (!first && std::llabs(remote_now - to_peer_time(utc)) > kPeerTimeTolerance) return;
    if (first && std::llabs(remote_delta) > kMaxFirstPeerTimeDelta) return;
    peer_time_delta_ = first ? remote_delta : (8 * peer_time_delta_ + 2 * remote_delta) / 10;
    peer_time_adjusted_ = true;
}

bool Graph::within_quota(std::uint64_t adding)
{
    stored_bytes_ += adding;
    if (stored_bytes_ <= env_.storage_quota) return true;
    FileTime now = env_.clock->now_utc();
    if (stored_bytes_counted_ && now - stored_bytes_counted_ < kTicksPerSecond) return false;
    stored_bytes_counted_ = now;
    stored_bytes_ = store_->payload_bytes() + adding;
    return stored_bytes_ <= env_.storage_quota;
}

bool Graph::spend_budget(Link &link, double NeighborBudget::*counter, double budget)
{
    NeighborBudget &b = budgets_[link.id()];
    FileTime now = env_.clock->now_utc();
    double drained = b.last ? double(now - b.last) / kTicksPerSecond * kBudgetDrainPerSecond : 0.0;
    b.last = now;
    b.invalid_records = std::max(0.0, b.invalid_records - std::max(0.0, drained));
    b.solicits = std::max(0.0, b.solicits - std::max(0.0, drained));
    if (++(b.*counter) <= budget) return true;
    log_message(LogLevel::warn, "graph %s: neighbor %s spent its budget of %s; dropping the link", graph_id_.c_str(),
                link.remote_peer_id().c_str(),
                counter == &NeighborBudget::invalid_records ? "invalid records" : "synchronization requests");
    link.abort(LinkEnd::protocol_error);
    return false;
}

void Graph::neighbor_closed(Link &link, LinkEnd end)
{
    close_batch();
    budgets_.erase(link.id());
    pending_acks_.erase(link.id());
    outboxes_.erase(link.id());
    syncs_.erase(link.id());
    utility_.erase(link.id());
    remember_referrals(link.referrals());
    auto it = neighbors_.find(link.id());
    if (it != neighbors_.end() && it->second.get() == &link) neighbors_.erase(it);
    bool ours = maintenance_links_.erase(link.id()) != 0;
    if (ours && !link.was_connected()) {
        /* An attempt of graph maintenance failed: try another candidate. */
        if (store_) connection_maintenance(false);
        return;
    }
    if (link.was_connected()) {
        raise_connection_event(EventType::neighbor_connection, link, ConnectionStatus::disconnected,
                               ConnectionFailure::none);
        if (!neighbor_count()) raise_status();
        /* MS-PPGRH 3.1.5.2.4, 3.1.7.25: a neighbor gone means maintenance. */
        if (store_) graph_maintenance(false);
    } else if (link.initiator()) {
        /* Refused (busy): try where the refusal pointed, and say so in the
         * failure event (ullNextConnectionId). */
        std::uint64_t next = end == LinkEnd::refused && store_ ? follow_referral() : 0;
        GraphEvent event;
        event.type = EventType::neighbor_connection;
        event.connection_status = ConnectionStatus::failed;
        event.connection_id = link.id();
        event.next_connection_id = next;
        event.failure = end == LinkEnd::refused ? ConnectionFailure::refused : ConnectionFailure::failed;
        raise(event);
    }
}

void Graph::neighbor_message(Link &link, wire::Message &&message)
{
    /* A request for a synchronization answer while the answers already
     * given lie unread by the tens of MiB: the peer asks without reading,
     * which would make us buffer without bound.  (A real initiator asks
     * for the next part only after the SYNC_END of the last one.) */
    wire::MessageType type = wire::type_of(message);
    bool request = type == wire::MessageType::solicit_new || type == wire::MessageType::solicit_time ||
                   type == wire::MessageType::solicit_hash || type == wire::MessageType::request;
    if (request && link.pending_output() > kMaxUnreadAnswers) {
        link.abort(LinkEnd::protocol_error);
        return;
    }
    if (request && !spend_budget(link, &NeighborBudget::solicits, kSolicitBudget)) return;
    if (auto *flood_message = std::get_if<wire::Flood>(&message)) {
        handle_flood(link, std::move(*flood_message));
    } else if (auto *solicit_new = std::get_if<wire::SolicitNew>(&message)) {
        answer_solicit(link, solicit_new->types, 0);
    } else if (auto *solicit_time = std::get_if<wire::SolicitTime>(&message)) {
        answer_solicit(link, solicit_time->types, solicit_time->modification_time);
    } else if (auto *solicit_hash = std::get_if<wire::SolicitHash>(&message)) {
        /* MS-PPGRH 3.1.5.2.7: the ranges where we differ, with our records
         * in them. */
        link.send(hash_sync::advertise(solicit_hash->entries, hash_sync_entries()), true);
    } else if (auto *advertise = std::get_if<wire::Advertise>(&message)) {
        handle_advertise(link, *advertise);
    } else if (auto *request = std::get_if<wire::Request>(&message)) {
        answer_request(link, *request);
    } else if (auto *sync_end = std::get_if<wire::SyncEnd>(&message)) {
        handle_sync_end(link, *sync_end);
    } else if (auto *update = std::get_if<wire::Connect>(&message)) {
        /* MS-PPGRH 3.1.5.2.1: U set on a connected link: the neighbor now
         * listens at these addresses (what we give out as referrals). */
        if (update->update) link.set_remote_listening(update->addresses);
    } else if (auto *ack = std::get_if<wire::Ack>(&message)) {
        /* MS-PPGRH 3.1.7.33: the sender's side of connection utility. */
        for (const auto &entry : ack->entries) update_utility(link.id(), entry.useful);
    } else {
        link.abort(LinkEnd::protocol_error);
    }
}

void Graph::flood(const Record &record, const Link *except)
{
    /* Encoded once, whatever the number of neighbors, and only if there is
     * one to send to. */
    Link::Frames frames;
    for (auto &entry : neighbors_) {
        if (entry.second.get() == except || !entry.second->connected()) continue;
        if (!frames) {
            wire::Flood message;
            message.record = record;
            message.graph_id = graph_id_;
            frames = Link::frame(message);
        }
        entry.second->send_frames(frames, true);
    }
}

void Graph::handle_flood(Link &link, wire::Flood &&message)
{
    const Record &record = message.record;
    /* MS-PPGRH 3.1.7.27: what fails validation is dropped without a word
     * (but a neighbor that keeps sending such records loses the link). */
    if (message.graph_id != graph_id_ || !record_acceptable(record, graph_id_, max_record_size())) {
        spend_budget(link, &NeighborBudget::invalid_records, kInvalidRecordBudget);
        return;
    }

    std::optional<Record> local = store_->get(record.id);
    ConflictWinner winner = local ? resolve_conflict(record, *local) : ConflictWinner::received;
    if (winner == ConflictWinner::received && !within_quota(record_size(record))) {
        log_message(LogLevel::warn, "graph %s: the database passed its storage quota of %llu bytes; dropping %s",
                    graph_id_.c_str(), static_cast<unsigned long long>(env_.storage_quota),
                    link.remote_peer_id().c_str());
        link.abort(LinkEnd::protocol_error);
        return;
    }
    /* The ACK goes when the read wakeup is done (on_read_done). */
    pending_acks_[link.id()].entries.push_back({record.id, winner == ConflictWinner::received});
    update_utility(link.id(), winner == ConflictWinner::received);
    if (winner == ConflictWinner::local) {
        /* We hold a newer version: the sender gets it back (3.1.5.2.10). */
        wire::Flood newer;
        newer.record = *local;
        newer.graph_id = graph_id_;
        link.send(newer, true);
        return;
    }
    if (winner == ConflictWinner::same) return;
    if (!store_->in_batch()) store_->begin_batch();

    RecordChange change = !local || local->deleted() ? RecordChange::added : RecordChange::updated;
    if (record.deleted()) change = RecordChange::deleted;
    bool notify = !is_reserved_record_type(record.type) && !(record.deleted() && (!local || local->deleted()));
    if (publish(record, change, notify, &link) != GraphError::ok) return;
    if (record.type == kRecordTypeGraphInfo && ready_ && load_properties() == GraphError::ok) {
        GraphEvent event;
        event.type = EventType::property_changed;
        raise(event);
    }
    /* The Presence Max or the number of presences changed. */
    if (record.type == kRecordTypeGraphInfo || record.type == kRecordTypePresence) presence_maintenance();
    internal_record_received(record);
}

void Graph::answer_solicit(Link &link, const wire::TypeSelection &types, FileTime since)
{
    /* Type by type, with a non-final SYNC_END after each but the last
     * (MS-PPGRH 3.1.5.2.5-7; receivers act on the final one only). */
    std::vector<Store::Stamp> stamps = store_->stamps();
    stamps.erase(std::remove_if(stamps.begin(), stamps.end(),
                                [&](const Store::Stamp &s) {
                                    return s.modification_time < since || !selected(types, s.type);
                                }),
                 stamps.end());
    std::stable_sort(stamps.begin(), stamps.end(),
                     [](const Store::Stamp &a, const Store::Stamp &b) { return a.type < b.type; });
    std::vector<OutItem> items;
    items.reserve(stamps.size() + 8);
    for (std::size_t i = 0; i < stamps.size(); ++i) {
        if (i && stamps[i].type != stamps[i - 1].type) items.push_back({OutItem::Kind::sync_end, Guid()});
        items.push_back({OutItem::Kind::record, stamps[i].id});
    }
    items.push_back({OutItem::Kind::final_sync_end, Guid()});
    queue_out(link, std::move(items));
}

void Graph::queue_out(Link &link, std::vector<OutItem> items)
{
    std::deque<OutItem> &box = outboxes_[link.id()];
    /* A peer that asks again and again without reading the answers would
     * make the queue grow without bound: it loses the link. */
    if (box.size() + items.size() > kMaxOutbox) {
        outboxes_.erase(link.id());
        link.abort(LinkEnd::protocol_error);
        return;
    }
    box.insert(box.end(), items.begin(), items.end());
    pump_outbox(link);
}

void Graph::pump_outbox(Link &link)
{
    /* Up to twice the link's low-water mark in the buffer: the link calls
     * on_output_drained for more when it is down to the mark. */
    auto it = outboxes_.find(link.id());
    if (it == outboxes_.end()) return;
    std::deque<OutItem> &box = it->second;
    while (!box.empty() && link.connected() && link.pending_output() < 2 * Link::kSendLowWater) {
        OutItem item = box.front();
        box.pop_front();
        if (item.kind == OutItem::Kind::record) {
            std::optional<Record> record = store_->get(item.id);
            if (!record) continue; /* gone (expired) since it was queued */
            wire::Flood flood;
            flood.record = std::move(*record);
            flood.graph_id = graph_id_;
            link.send(wire::Message(std::move(flood)), true); /* moved in, not copied */
        } else {
            wire::SyncEnd end;
            end.final = item.kind == OutItem::Kind::final_sync_end;
            link.send(end, true);
        }
    }
    if (box.empty()) outboxes_.erase(it);
}

void Graph::on_output_drained(Link &link)
{
    if (link.type() == wire::ConnectionType::neighbor) pump_outbox(link);
}

void Graph::on_read_done(Link &link)
{
    close_batch();
    auto it = pending_acks_.find(link.id());
    if (it == pending_acks_.end()) return;
    wire::Ack ack = std::move(it->second);
    pending_acks_.erase(it);
    if (link.connected()) link.send(ack, true);
}

void Graph::close_batch()
{
    if (store_ && store_->in_batch()) store_->end_batch();
}

std::vector<hash_sync::Entry> Graph::hash_sync_entries() const
{
    FileTime now = peer_time();
    std::vector<hash_sync::Entry> out;
    for (const Store::Stamp &stamp : store_->stamps()) {
        /* Expired records are on their way out everywhere: comparing them
         * would only trade what both sides are about to drop. */
        if (stamp.expiration_time <= now && !expiration_deferred()) continue;
        out.push_back({stamp.modification_time, stamp.id, stamp.version});
    }
    return out;
}

void Graph::start_hash_sync(Link &link)
{
    /* MS-PPGRH 3.1.7.31: our database in ranges of ten records, a hash of
     * each. */
    SyncState &sync = syncs_[link.id()];
    sync.phase = SyncState::Phase::advertise;
    wire::SolicitHash solicit;
    solicit.entries = hash_sync::solicit_entries(hash_sync_entries());
    link.send(solicit, true);
}

void Graph::handle_advertise(Link &link, const wire::Advertise &advertise)
{
    /* MS-PPGRH 3.1.5.2.8: ask for what the responder has newer, remember
     * what we have newer; the REQUEST goes even when it is empty, so the
     * responder's SYNC_END closes every hash sync the same way. */
    auto it = syncs_.find(link.id());
    if (!link.initiator() || it == syncs_.end() || it->second.phase != SyncState::Phase::advertise) return;
    wire::Request request;
    hash_sync::compare(advertise, hash_sync_entries(), &request.abstracts, &it->second.to_send);
    it->second.phase = SyncState::Phase::records;
    link.send(request, true);
}

void Graph::answer_request(Link &link, const wire::Request &request)
{
    /* MS-PPGRH 3.1.5.2.9: the requested records (as we hold them when they
     * go), then the final SYNC_END. */
    std::vector<OutItem> items;
    items.reserve(request.abstracts.size() + 1);
    for (const wire::RecordAbstract &abstract : request.abstracts) items.push_back({OutItem::Kind::record, abstract.id});
    items.push_back({OutItem::Kind::final_sync_end, Guid()});
    queue_out(link, std::move(items));
}

void Graph::handle_sync_end(Link &link, const wire::SyncEnd &end)
{
    auto it = syncs_.find(link.id());
    if (!end.final || !link.initiator() || it == syncs_.end()) return;
    SyncState &sync = it->second;
    if (sync.phase != SyncState::Phase::types) {
        /* The end of a hash-based sync (3.1.5.2.11): now the responder
         * gets what we have newer.  (A SYNC_END in place of an ADVERTISE
         * means the responder has nothing to compare.) */
        std::vector<OutItem> items;
        items.reserve(sync.to_send.size());
        for (const Guid &id : sync.to_send) items.push_back({OutItem::Kind::record, id});
        syncs_.erase(it);
        queue_out(link, std::move(items));
        return;
    }
    if (!sync.everything_else_sent) {
        /* One record type is complete (PEER_GRAPH_EVENT_SYNCHRONIZED). */
        GraphEvent event;
        event.type = EventType::synchronized;
        event.record_type = sync.types[sync.next];
        ++sync.next;
        if (event.record_type == kRecordTypeGraphInfo && !ready_) {
            /* The first synchronization brought the Graph Info record: the
             * graph is usable from now on. */
            if (become_synchronized() != GraphError::ok) return;
        }
        raise(event);
        send_next_solicit(link);
        return;
    }
    bool hash_after = sync.hash_after;
    if (hash_after)
        start_hash_sync(link);
    else
        syncs_.erase(it);
    synchronized_once_ = true;
    bool was_ready = ready_;
    if (!ready_ && become_synchronized() != GraphError::ok) return;
    raise_status();
    /* A node that just got its first data now knows the graph: graph
     * maintenance (which skipped it at the first WELCOME) starts. */
    if (!was_ready) graph_maintenance(false);
    /* MS-PPGRH 3.1.5.2.11: with Deferred Expiration, what expired while
     * the node was alone goes now that it is connected. */
    if (properties_.flags & kGraphFlagDeferExpiration) {
        process_expirations();
        schedule_timers();
    }
}

} // namespace p2pg
