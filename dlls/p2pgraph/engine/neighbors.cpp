/*
 * Engine graph: the Neighbor List (MS-PPGRH 3.1.4.9, 3.1.5.2.1-4, 3.1.7.25)
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
 * BUSY with referrals, DUPLICATE_CONNECTION), referrals, peer time, and the
 * dispatch of what a neighbor link says: synchronization to Sync
 * (sync.cpp), FLOODs and ACKs to Flood (flood.cpp).  Presence is in
 * presence.cpp, graph maintenance in maintenance.cpp. */

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>

#include <arpa/inet.h>

#include "graph.h"
#include "log.h"
#include "neighbor.h"
#include "record_rules.h"

namespace p2pg {

namespace {

constexpr FileTime kPeerTimeTolerance = 20 * 60 * kTicksPerSecond;
constexpr std::size_t kMaxReferrals = 10;
constexpr std::size_t kMaxReferralList = 100;
/* Unsent bytes on a link above which a new synchronization request is
 * abuse (see neighbor_message). */
constexpr std::size_t kMaxUnreadAnswers = 4 * Link::kSendHighWater;
/* MS-PPGRH 1.3.6 lets the first WELCOME set our peer time whatever it
 * says; a neighbor whose clock is further off than this from ours is not
 * believed (a clock a day off is broken, and a peer time decades away
 * would expire or immortalize every record). */
constexpr FileTime kMaxFirstPeerTimeDelta = 24 * 3600 * kTicksPerSecond;
/* Synchronization requests an authenticated neighbor may make (a leaky
 * bucket, see Neighbor::spend) before the link goes. */
constexpr double kSolicitBudget = 64;

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
        if (entry.second->connected()) entry.second->link().send(update, true);
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
    for (const auto &entry : neighbors_) n += !entry.second->connected() && entry.second->link().initiator();
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
        if (same_endpoint(entry.second->link().remote_address(), address)) return GraphError::already_exists;
    /* The application joins on loopback (graph maintenance only gets here
     * with addresses candidate_in_scope() let through). */
    if (IN6_IS_ADDR_LOOPBACK(&address.sin6_addr)) met_on_loopback_ = true;
    std::uint64_t new_id = env_.transport->new_connection_id();
    neighbors_[new_id] = std::make_shared<Neighbor>(
        Link::connect(*env_.loop, new_id, this, address, introduction(wire::ConnectionType::neighbor, peer_id)));
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
        duplicate = duplicate || (entry.second->connected() && entry.second->link().remote_node_id() == connect.node_id);
    /* Our own attempts still under way count: they may all succeed. */
    if (duplicate || neighbor_count() + pending_neighbor_count() >= kMaximumNeighbors) {
        refuse->code = duplicate ? wire::RefuseCode::duplicate_connection : wire::RefuseCode::busy;
        P2PG_TRACE(link, "connection %llu: refused (%s)", (unsigned long long)link.id(),
                   duplicate ? "duplicate connection" : "busy");
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
        if (&entry.second->link() == except || !entry.second->connected()) continue;
        for (const wire::In6Address &a : entry.second->link().remote_listening()) {
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
        if (!maintenance_.candidate_in_scope(to_sockaddr(a))) continue;
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
    std::shared_ptr<Neighbor> neighbor = neighbor_of(link);
    if (!neighbor) return;
    /* Someone reached us on loopback. */
    if (IN6_IS_ADDR_LOOPBACK(&link.remote_address().sin6_addr)) met_on_loopback_ = true;
    /* Two nodes that connected to each other at the same moment hold two
     * links: both sides keep the one the lower node id started, so one
     * neighbor is one link. */
    for (auto &entry : neighbors_) {
        Link &other = entry.second->link();
        if (&other == &link || !other.connected() || other.remote_node_id() != link.remote_node_id()) continue;
        std::uint64_t link_starter = link.initiator() ? node_id_ : link.remote_node_id();
        std::uint64_t other_starter = other.initiator() ? node_id_ : other.remote_node_id();
        std::shared_ptr<Neighbor> loser = link_starter < other_starter ? entry.second : neighbor;
        P2PG_TRACE(link, "connection %llu: a second link to node %llx; keeping %llu", (unsigned long long)link.id(),
                   (unsigned long long)link.remote_node_id(), (unsigned long long)(loser == neighbor ? other.id() : link.id()));
        neighbors_.erase(loser->id());
        data_links_.remove(loser->id());
        loser->link().close_with(wire::DisconnectReason::least_useful);
        if (loser == neighbor) return;
        break;
    }
    raise_connection_event(EventType::neighbor_connection, link, ConnectionStatus::connected, ConnectionFailure::none);
    if (neighbor_count() > kMaximumNeighbors) {
        /* The application connected a node that was full already: the
         * least useful other neighbor makes room (MS-PPGRH 3.1.7.14). */
        if (std::shared_ptr<Neighbor> least = least_useful_neighbor(neighbor.get()))
            drop_neighbor(least, wire::DisconnectReason::least_useful);
    }
    neighbor->connected_now();
    maintenance_.neighbor_joined();
    if (neighbor_count() == 1) {
        raise_status();
        /* MS-PPGRH 3.1.7.16: the first neighbor starts graph maintenance. */
        maintenance_.run(false);
    }
    if (!link.initiator()) return;
    adjust_peer_time(link);
    remember_referrals(link.referrals());
    /* MS-PPGRH 3.1.5.2.2: the initiator drives synchronization. */
    sync_.start(*neighbor);
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
    publish_read_state();
}

bool Graph::spend_budget(Neighbor &neighbor, Neighbor::Budget which, double budget)
{
    if (neighbor.spend(which, budget, env_.clock->now_utc())) return true;
    P2PG_WARN(link, "connection %llu: neighbor %s spent its budget of %s; dropping the link",
              (unsigned long long)neighbor.id(), neighbor.link().remote_peer_id().c_str(),
              which == Neighbor::Budget::invalid_records ? "invalid records" : "synchronization requests");
    neighbor.link().abort(LinkEnd::protocol_error);
    return false;
}

std::shared_ptr<Neighbor> Graph::neighbor_of(const Link &link) const
{
    auto it = neighbors_.find(link.id());
    return it != neighbors_.end() && &it->second->link() == &link ? it->second : nullptr;
}

void Graph::neighbor_closed(Link &link, LinkEnd end)
{
    flood_.close_batch();
    remember_referrals(link.referrals());
    std::shared_ptr<Neighbor> neighbor = neighbor_of(link);
    if (neighbor) neighbors_.erase(link.id());
    if (neighbor && neighbor->by_maintenance() && !link.was_connected()) {
        /* An attempt of graph maintenance failed: try another candidate. */
        if (store_) maintenance_.connection_maintenance(false);
        return;
    }
    if (link.was_connected()) {
        raise_connection_event(EventType::neighbor_connection, link, ConnectionStatus::disconnected,
                               ConnectionFailure::none);
        if (!neighbor_count()) raise_status();
        /* MS-PPGRH 3.1.5.2.4, 3.1.7.25: a neighbor gone means maintenance. */
        if (store_) maintenance_.run(false);
    } else if (link.initiator()) {
        /* Refused (busy): try where the refusal pointed, and say so in the
         * failure event (ullNextConnectionId). */
        std::uint64_t next = end == LinkEnd::refused && store_ ? follow_referral() : 0;
        GraphEvent event;
        event.type = EventType::neighbor_connection;
        event.connection_status = ConnectionStatus::failed;
        event.connection_id = link.id();
        event.next_connection_id = next;
        event.failure = connection_failure(end);
        raise(event);
    }
}

void Graph::neighbor_message(Neighbor &neighbor, wire::Message &&message)
{
    Link &link = neighbor.link();
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
    if (request && !spend_budget(neighbor, Neighbor::Budget::solicits, kSolicitBudget)) return;
    if (auto *flood_message = std::get_if<wire::Flood>(&message)) {
        flood_.receive(neighbor, std::move(*flood_message));
    } else if (auto *update = std::get_if<wire::Connect>(&message)) {
        /* MS-PPGRH 3.1.5.2.1: U set on a connected link: the neighbor now
         * listens at these addresses (what we give out as referrals). */
        if (update->update) link.set_remote_listening(update->addresses);
    } else if (auto *ack = std::get_if<wire::Ack>(&message)) {
        flood_.acked(neighbor, *ack);
    } else if (!sync_.handle(neighbor, message)) {
        link.abort(LinkEnd::protocol_error);
    }
}

void Graph::on_output_drained(Link &link)
{
    if (link.type() != wire::ConnectionType::neighbor) return;
    if (std::shared_ptr<Neighbor> neighbor = neighbor_of(link)) sync_.pump(*neighbor);
}

void Graph::on_read_done(Link &link)
{
    std::shared_ptr<Neighbor> neighbor = link.type() == wire::ConnectionType::neighbor ? neighbor_of(link) : nullptr;
    if (neighbor)
        flood_.read_done(*neighbor);
    else
        flood_.close_batch();
    /* The application hears of what the wakeup brought once it is stored. */
    send_owed_signals();
}

bool Graph::connected_to(std::uint64_t node_id) const
{
    for (const auto &entry : neighbors_)
        if (entry.second->link().remote_node_id() == node_id) return true;
    return false;
}

bool Graph::break_neighbor_link(std::uint64_t connection_id)
{
    auto it = neighbors_.find(connection_id);
    if (it == neighbors_.end()) return false;
    std::shared_ptr<Link> link = it->second->shared_link();
    link->abort(LinkEnd::dropped);
    return true;
}

std::shared_ptr<Neighbor> Graph::least_useful_neighbor(const Neighbor *except) const
{
    std::shared_ptr<Neighbor> least;
    for (const auto &entry : neighbors_) {
        if (entry.second.get() == except || !entry.second->connected()) continue;
        if (!least || entry.second->utility() < least->utility()) least = entry.second;
    }
    return least;
}

void Graph::drop_neighbor(std::shared_ptr<Neighbor> neighbor, wire::DisconnectReason reason)
{
    /* MS-PPGRH 3.1.7.25: DISCONNECT with referrals, then maintenance. */
    Link &link = neighbor->link();
    std::vector<wire::In6Address> referrals = neighbor_referrals(&link);
    neighbors_.erase(neighbor->id());
    data_links_.remove(neighbor->id());
    link.close_with(reason, std::move(referrals));
    raise_connection_event(EventType::neighbor_connection, link, ConnectionStatus::disconnected,
                           ConnectionFailure::none);
    if (!neighbor_count()) raise_status();
}

} // namespace p2pg
