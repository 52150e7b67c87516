/*
 * Engine synchronization (MS-PPGRH 3.1.5.2.2, 3.1.5.2.5-9, 3.1.5.2.11, 3.1.7.29-31)
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

/* Driven by the initiator: Sync All (SOLICIT_NEW) for a node that never
 * synchronized, time-based (SOLICIT_TIME since it left) then hash-based
 * for a returning node, hash-based alone for every later connection
 * (ranges and errata in hash_sync.h). */

#include <algorithm>
#include <utility>

#include "graph.h"
#include "log.h"
#include "neighbor.h"
#include "store.h"

namespace p2pg {

namespace {

/* Records (and SYNC_ENDs) queued for one link at most: a few times what a
 * REQUEST of the largest size can name. */
constexpr std::size_t kMaxOutbox = 8u << 20;

bool selected(const wire::TypeSelection &selection, const Guid &type)
{
    if (selection.types.empty()) return true;
    bool listed = false;
    for (const Guid &t : selection.types) listed = listed || t == type;
    return selection.exclusion ? !listed : listed;
}

} // namespace

void Sync::start(Neighbor &neighbor)
{
    /* MS-PPGRH 3.1.5.2.2, 3.1.7.29: type by type in the Sync Record Types
     * order (Graph Info, Presence, then what PeerGraphOpen was asked to get
     * first), then everything else in one exclusion request.  A node that
     * never synchronized asks for everything (SOLICIT_NEW), a returning one
     * for what changed since it left (SOLICIT_TIME). */
    SyncSession::Initiator sync;
    sync.types = {kRecordTypeGraphInfo, kRecordTypePresence};
    for (const Guid &type : graph_.sync_precedence_)
        if (std::find(sync.types.begin(), sync.types.end(), type) == sync.types.end()) sync.types.push_back(type);
    sync.since = graph_.ready_ ? graph_.left_peer_time_ : 0;
    /* MS-PPGRH 3.1.7.30-31: a returning node follows the time-based sync
     * with a hash-based one (which also carries what it wrote while away
     * or before this connection); once it has synchronized, later
     * connections use the hash-based sync alone.  A node that never
     * synchronized takes everything (Sync All) and has nothing to give. */
    sync.hash_after = graph_.ready_;
    neighbor.sync.initiator = std::move(sync);
    if (graph_.ready_ && graph_.synchronized_once_) {
        P2PG_TRACE(sync, "connection %llu: synchronizing with %s, hash-based", (unsigned long long)neighbor.id(),
                   neighbor.link().remote_peer_id().c_str());
        start_hash(neighbor);
        return;
    }
    P2PG_TRACE(sync, "connection %llu: synchronizing with %s, %s", (unsigned long long)neighbor.id(),
               neighbor.link().remote_peer_id().c_str(),
               graph_.ready_ ? "time-based then hash-based" : "everything (Sync All)");
    send_next_solicit(neighbor);
}

bool Sync::handle(Neighbor &neighbor, const wire::Message &message)
{
    if (auto *solicit_new = std::get_if<wire::SolicitNew>(&message)) {
        answer_solicit(neighbor, solicit_new->types, 0);
    } else if (auto *solicit_time = std::get_if<wire::SolicitTime>(&message)) {
        answer_solicit(neighbor, solicit_time->types, solicit_time->modification_time);
    } else if (auto *solicit_hash = std::get_if<wire::SolicitHash>(&message)) {
        /* MS-PPGRH 3.1.5.2.7: the ranges where we differ, with our records
         * in them. */
        wire::Advertise advertise = hash_sync::advertise(solicit_hash->entries, hash_entries());
        P2PG_TRACE(sync, "connection %llu: SOLICIT_HASH of %zu ranges, ADVERTISE of %zu records", (unsigned long long)neighbor.id(),
                   solicit_hash->entries.size(), advertise.abstracts.size());
        neighbor.link().send(advertise, true);
    } else if (auto *advertise = std::get_if<wire::Advertise>(&message)) {
        handle_advertise(neighbor, *advertise);
    } else if (auto *request = std::get_if<wire::Request>(&message)) {
        answer_request(neighbor, *request);
    } else if (auto *sync_end = std::get_if<wire::SyncEnd>(&message)) {
        handle_sync_end(neighbor, *sync_end);
    } else {
        return false;
    }
    return true;
}

void Sync::send_next_solicit(Neighbor &neighbor)
{
    SyncSession::Initiator &sync = *neighbor.sync.initiator;
    wire::TypeSelection selection;
    if (sync.next < sync.types.size()) {
        selection.types = {sync.types[sync.next]};
    } else {
        selection.exclusion = true;
        selection.types = sync.types;
        sync.everything_else_sent = true;
    }
    P2PG_TRACE(sync, "connection %llu: %s for %s", (unsigned long long)neighbor.id(),
               sync.since ? "SOLICIT_TIME" : "SOLICIT_NEW",
               selection.exclusion ? "every other type" : record_type_name(selection.types[0]).c_str());
    if (sync.since) {
        wire::SolicitTime solicit;
        solicit.types = std::move(selection);
        solicit.modification_time = sync.since;
        neighbor.link().send(solicit, true);
    } else {
        wire::SolicitNew solicit;
        solicit.types = std::move(selection);
        neighbor.link().send(solicit, true);
    }
}

void Sync::answer_solicit(Neighbor &neighbor, const wire::TypeSelection &types, FileTime since)
{
    /* Type by type, with a non-final SYNC_END after each but the last
     * (MS-PPGRH 3.1.5.2.5-7; receivers act on the final one only). */
    std::vector<Store::Stamp> stamps = graph_.store_->stamps();
    stamps.erase(std::remove_if(stamps.begin(), stamps.end(),
                                [&](const Store::Stamp &s) {
                                    return s.modification_time < since || !selected(types, s.type);
                                }),
                 stamps.end());
    std::stable_sort(stamps.begin(), stamps.end(),
                     [](const Store::Stamp &a, const Store::Stamp &b) { return a.type < b.type; });
    std::vector<SyncSession::OutItem> items;
    items.reserve(stamps.size() + 8);
    for (std::size_t i = 0; i < stamps.size(); ++i) {
        if (i && stamps[i].type != stamps[i - 1].type) items.push_back({SyncSession::OutItem::Kind::sync_end, Guid()});
        items.push_back({SyncSession::OutItem::Kind::record, stamps[i].id});
    }
    items.push_back({SyncSession::OutItem::Kind::final_sync_end, Guid()});
    P2PG_TRACE(sync, "connection %llu: answering with %zu records", (unsigned long long)neighbor.id(), stamps.size());
    queue_out(neighbor, std::move(items));
}

void Sync::queue_out(Neighbor &neighbor, std::vector<SyncSession::OutItem> items)
{
    std::deque<SyncSession::OutItem> &box = neighbor.sync.outbox;
    /* A peer that asks again and again without reading the answers would
     * make the queue grow without bound: it loses the link. */
    if (box.size() + items.size() > kMaxOutbox) {
        P2PG_WARN(sync, "connection %llu: asks for more than %zu answers unread; dropping the link",
                  (unsigned long long)neighbor.id(), kMaxOutbox);
        box.clear();
        neighbor.link().abort(LinkEnd::protocol_error);
        return;
    }
    box.insert(box.end(), items.begin(), items.end());
    pump(neighbor);
}

void Sync::pump(Neighbor &neighbor)
{
    /* Up to twice the link's low-water mark in the buffer: the link calls
     * on_output_drained for more when it is down to the mark. */
    std::deque<SyncSession::OutItem> &box = neighbor.sync.outbox;
    Link &link = neighbor.link();
    /* One transaction for the lot: a lookup on its own is a transaction of
     * its own, with its file locks and its search of the WAL index. */
    Store &store = *graph_.store_;
    bool batch = !box.empty() && !store.in_batch() && store.begin_batch() == StoreStatus::ok;
    while (!box.empty() && link.connected() && link.pending_output() < 2 * Link::kSendLowWater) {
        SyncSession::OutItem item = box.front();
        box.pop_front();
        if (item.kind == SyncSession::OutItem::Kind::record) {
            std::optional<Record> record = store.get(item.id);
            if (!record) continue; /* gone (expired) since it was queued */
            wire::Flood flood;
            flood.record = std::move(*record);
            flood.graph_id = graph_.graph_id_;
            link.send(wire::Message(std::move(flood)), true); /* moved in, not copied */
        } else {
            wire::SyncEnd end;
            end.final = item.kind == SyncSession::OutItem::Kind::final_sync_end;
            link.send(end, true);
        }
    }
    if (batch) store.end_batch();
    if (box.empty()) std::deque<SyncSession::OutItem>().swap(box); /* the memory of a long answer goes */
}

std::vector<hash_sync::Entry> Sync::hash_entries() const
{
    FileTime now = graph_.peer_time();
    std::vector<hash_sync::Entry> out;
    for (const Store::Stamp &stamp : graph_.store_->stamps()) {
        /* Expired records are on their way out everywhere: comparing them
         * would only trade what both sides are about to drop. */
        if (stamp.expiration_time <= now && !graph_.records_.expiration_deferred()) continue;
        out.push_back({stamp.modification_time, stamp.id, stamp.version});
    }
    return out;
}

void Sync::start_hash(Neighbor &neighbor)
{
    /* MS-PPGRH 3.1.7.31: our database in ranges of ten records, a hash of
     * each. */
    neighbor.sync.initiator->phase = SyncSession::Initiator::Phase::advertise;
    wire::SolicitHash solicit;
    solicit.entries = hash_sync::solicit_entries(hash_entries());
    P2PG_TRACE(sync, "connection %llu: SOLICIT_HASH of %zu ranges", (unsigned long long)neighbor.id(),
               solicit.entries.size());
    neighbor.link().send(solicit, true);
}

void Sync::handle_advertise(Neighbor &neighbor, const wire::Advertise &advertise)
{
    /* MS-PPGRH 3.1.5.2.8: ask for what the responder has newer, remember
     * what we have newer; the REQUEST goes even when it is empty, so the
     * responder's SYNC_END closes every hash sync the same way. */
    std::optional<SyncSession::Initiator> &sync = neighbor.sync.initiator;
    if (!neighbor.link().initiator() || !sync || sync->phase != SyncSession::Initiator::Phase::advertise) return;
    wire::Request request;
    hash_sync::compare(advertise, hash_entries(), &request.abstracts, &sync->to_send);
    P2PG_TRACE(sync, "connection %llu: ADVERTISE: REQUEST for %zu records, %zu of ours to send after",
               (unsigned long long)neighbor.id(), request.abstracts.size(), sync->to_send.size());
    sync->phase = SyncSession::Initiator::Phase::records;
    neighbor.link().send(request, true);
}

void Sync::answer_request(Neighbor &neighbor, const wire::Request &request)
{
    /* MS-PPGRH 3.1.5.2.9: the requested records (as we hold them when they
     * go), then the final SYNC_END. */
    std::vector<SyncSession::OutItem> items;
    items.reserve(request.abstracts.size() + 1);
    for (const wire::RecordAbstract &abstract : request.abstracts)
        items.push_back({SyncSession::OutItem::Kind::record, abstract.id});
    items.push_back({SyncSession::OutItem::Kind::final_sync_end, Guid()});
    P2PG_TRACE(sync, "connection %llu: REQUEST for %zu records", (unsigned long long)neighbor.id(),
               request.abstracts.size());
    queue_out(neighbor, std::move(items));
}

void Sync::handle_sync_end(Neighbor &neighbor, const wire::SyncEnd &end)
{
    std::optional<SyncSession::Initiator> &session = neighbor.sync.initiator;
    if (!end.final || !neighbor.link().initiator() || !session) return;
    SyncSession::Initiator &sync = *session;
    if (sync.phase != SyncSession::Initiator::Phase::types) {
        /* The end of a hash-based sync (3.1.5.2.11): now the responder
         * gets what we have newer.  (A SYNC_END in place of an ADVERTISE
         * means the responder has nothing to compare.) */
        std::vector<SyncSession::OutItem> items;
        items.reserve(sync.to_send.size());
        for (const Guid &id : sync.to_send) items.push_back({SyncSession::OutItem::Kind::record, id});
        P2PG_TRACE(sync, "connection %llu: hash-based sync done, sending %zu newer records of ours",
                   (unsigned long long)neighbor.id(), items.size());
        session.reset();
        queue_out(neighbor, std::move(items));
        return;
    }
    if (!sync.everything_else_sent) {
        /* One record type is complete (PEER_GRAPH_EVENT_SYNCHRONIZED). */
        GraphEvent event;
        event.type = EventType::synchronized;
        event.record_type = sync.types[sync.next];
        ++sync.next;
        P2PG_TRACE(sync, "connection %llu: %s records complete", (unsigned long long)neighbor.id(),
                   record_type_name(event.record_type).c_str());
        if (event.record_type == kRecordTypeGraphInfo && !graph_.ready_) {
            /* The first synchronization brought the Graph Info record: the
             * graph is usable from now on. */
            if (graph_.become_synchronized() != GraphError::ok) return;
        }
        graph_.raise(event);
        send_next_solicit(neighbor);
        return;
    }
    P2PG_TRACE(sync, "connection %llu: every type complete%s", (unsigned long long)neighbor.id(),
               sync.hash_after ? "; hash-based sync follows" : "; synchronized");
    if (sync.hash_after)
        start_hash(neighbor);
    else
        session.reset();
    graph_.synchronized_once_ = true;
    bool was_ready = graph_.ready_;
    if (!graph_.ready_ && graph_.become_synchronized() != GraphError::ok) return;
    graph_.raise_status();
    /* A node that just got its first data now knows the graph: graph
     * maintenance (which skipped it at the first WELCOME) starts. */
    if (!was_ready) graph_.maintenance_.run(false);
    /* MS-PPGRH 3.1.5.2.11: with Deferred Expiration, what expired while
     * the node was alone goes now that it is connected. */
    if (graph_.properties_.flags & kGraphFlagDeferExpiration) {
        graph_.records_.process_expirations();
        graph_.records_.schedule_timers();
    }
}

} // namespace p2pg
