/*
 * Engine graph: graph maintenance (MS-PPGRH 3.1.6.3-3.1.6.6, 3.1.7.11-3.1.7.16, 3.1.7.33)
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


/* Signature, contacts, partition detection and repair, connection
 * maintenance and connection utility.  Choices where the specification is
 * unclear (each also in the issue notes):
 *  - Signature delay (3.1.7.11): N is the top 16 bits of the node id, not
 *    8: with 8 bits over 65536 every delay is under 0.23 s and the lowest
 *    node would not get the head start the formula is made for.
 *  - Contact records need listening addresses: a node that does not listen
 *    publishes none.
 *  - Long-term partition repair (3.1.7.15) asks the application for a
 *    connection (CONNECTION_REQUIRED) only when a node holding a contact has
 *    reason to: no neighbors at all, or a contact of another partition is
 *    known; the literal text would ask on every maintenance pass.
 *  - Connection attempts the node makes on its own raise
 *    NEIGHBOR_CONNECTION events when they connect, but no failure events:
 *    the application never asked for them.
 *  - A node republishes its Contact record when the signature changes, so
 *    partition detection compares like with like. */

#include <algorithm>
#include <cmath>
#include <cstring>

#include <arpa/inet.h>

#include "graph.h"
#include "maintenance.h"
#include "internal_records.h"
#include "log.h"
#include "record_rules.h"
#include "store.h"

namespace p2pg {

namespace {

constexpr FileTime kMaintenanceConnected = 300 * kSecond; /* 3.1.6.6 */
constexpr FileTime kMaintenanceAlone = 30 * kSecond;
constexpr FileTime kSignatureLifetime = 300 * kSecond; /* 2.2.3.2 / 3.1.7.6 */
constexpr FileTime kContactLifetime = 900 * kSecond;   /* 3.1.7.5 */
constexpr FileTime kSignatureRecheck = 24 * 3600 * kSecond;
constexpr std::size_t kMinimumNeighbors = 2, kIdealNeighbors = 3;

} // namespace

Maintenance::Maintenance(Graph &graph)
    : graph_(graph), maintenance_timer_(graph.env_.loop, [this] { run(true); }),
      signature_timer_(graph.env_.loop, [this] { on_signature_timer(); }),
      contact_timer_(graph.env_.loop, [this] { on_contact_timer(); }),
      partition_timer_(graph.env_.loop, [this] { on_partition_timer(); })
{
}

void Maintenance::stop()
{
    for (Timer *timer : {&maintenance_timer_, &signature_timer_, &contact_timer_, &partition_timer_}) timer->stop();
}

std::uint64_t Maintenance::signature() const
{
    std::optional<Record> record = graph_.store_ ? graph_.store_->get(kRecordIdSignature) : std::nullopt;
    std::uint64_t value = 0;
    if (!record || record->deleted() || record->type != kRecordTypeSignature ||
        !decode_signature(record->data, &value))
        return 0;
    return value;
}

void Maintenance::run(bool timer_triggered)
{
    /* MS-PPGRH 3.1.7.16, in its order. */
    if (!graph_.store_ || !graph_.ready_) return;
    signature_calculation();
    contact_maintenance();
    partition_detection();
    connection_maintenance(timer_triggered);
    long_term_partition_repair();
    maintenance_timer_.arm(graph_.neighbor_count() ? kMaintenanceConnected : kMaintenanceAlone);
}

void Maintenance::signature_calculation()
{
    /* MS-PPGRH 3.1.7.11. */
    std::uint64_t current = signature();
    if (current && current <= graph_.node_id_) return;
    FileTime delay;
    if (current) {
        delay = kSecond / 10;
    } else {
        double n = static_cast<double>(graph_.node_id_ >> 48);
        double d = 1.0 - std::exp(-n / 65536.0);
        delay = static_cast<FileTime>((d * 29.9 + 0.1) * kSecond);
    }
    if (!graph_.env_.loop) {
        on_signature_timer();
        return;
    }
    /* The timer "MUST be set" (3.1.7.11): a pending daily recheck gives way
     * at once, a pending calculation only to the 0.1 s delay. */
    if (!signature_timer_.pending() || signature_recheck_ || delay < kSecond / 10 + 1) {
        signature_recheck_ = false;
        signature_timer_.arm(delay);
    }
}

void Maintenance::on_signature_timer()
{
    /* MS-PPGRH 3.1.6.4. */
    if (!graph_.store_ || !graph_.ready_) return;
    signature_timer_.arm(kSignatureRecheck);
    signature_recheck_ = true;
    std::uint64_t current = signature();
    if (current && current <= graph_.node_id_) return;
    std::optional<Record> old = graph_.store_->get(kRecordIdSignature);
    FileTime now = graph_.peer_time();
    Record record;
    record.type = kRecordTypeSignature;
    record.id = kRecordIdSignature;
    record.version = old ? old->version + 1 : 1;
    record.flags = kRecordFlagAutorefresh;
    record.creator_id = graph_.peer_id_;
    record.creation_time = record.modification_time = old ? std::max(now, old->modification_time + 1) : now;
    record.expiration_time = record.modification_time + kSignatureLifetime;
    record.data = encode_signature(graph_.node_id_);
    if (graph_.publish(record, RecordChange::updated, false) != GraphError::ok) return;
    P2PG_TRACE(maint, "graph signature is now our node id %llx", (unsigned long long)graph_.node_id_);
    signature_changed();
    graph_.records_.schedule_timers();
}

void Maintenance::signature_changed()
{
    /* Our Contact record carries the signature: keep it current. */
    std::uint64_t current = signature();
    if (!current) return;
    if (std::optional<Record> own = graph_.records_.own_internal(kRecordTypeContact)) {
        ContactInfo info;
        if (!own->deleted() && decode_contact(own->data, &info) && info.signature != current) publish_contact();
    }
    partition_detection();
}

void Maintenance::record_received(const Record &record)
{
    /* MS-PPGRH 3.1.7.10.3-4. */
    if (!graph_.ready_) return;
    if (record.type == kRecordTypeSignature) {
        signature_calculation();
        signature_changed();
    } else if (record.type == kRecordTypeContact) {
        contact_maintenance();
        partition_detection();
    }
}

std::size_t Maintenance::contact_minimum() const
{
    /* MS-PPGRH 3.1.7.12: Cmin = 5 for S >= 2^60, else 60 - log2(S). */
    std::uint64_t s = signature();
    if (!s) s = graph_.node_id_;
    if (s >= (std::uint64_t(1) << 60)) return 5;
    int log2 = 63;
    while (log2 > 0 && !(s >> log2)) --log2;
    return static_cast<std::size_t>(60 - log2);
}

bool Maintenance::contact_wanted(bool *change) const
{
    FileTime now = graph_.peer_time();
    std::size_t count = 0;
    for (const Record &r : graph_.records_.live(kRecordTypeContact, now)) count += !r.deleted();
    std::optional<Record> own = graph_.records_.own_internal(kRecordTypeContact);
    bool have = own && !own->deleted() && own->expiration_time > now;
    std::size_t cmin = contact_minimum(), cmax = cmin + 5;
    *change = (!have && count < cmin && graph_.listening()) || (have && count > cmax);
    return have;
}

void Maintenance::contact_maintenance()
{
    bool change = false;
    contact_wanted(&change);
    if (change) contact_timer_.arm_unless_pending(random_ticks(10 * kSecond, 180 * kSecond));
}

void Maintenance::on_contact_timer()
{
    /* MS-PPGRH 3.1.6.3: check again, then publish or delete. */
    if (!graph_.store_ || !graph_.ready_) return;
    bool change = false;
    bool have = contact_wanted(&change);
    if (!change) return;
    P2PG_TRACE(maint, "%s our Contact record", have ? "deleting" : "publishing");
    if (have) {
        if (std::optional<Record> own = graph_.records_.own_internal(kRecordTypeContact)) graph_.records_.delete_own(*own);
    } else {
        publish_contact();
    }
}

GraphError Maintenance::publish_contact()
{
    /* MS-PPGRH 3.1.7.5. */
    FileTime now = graph_.peer_time();
    ContactInfo info;
    info.signature = signature();
    info.node_id = graph_.node_id_;
    info.addresses = graph_.listening_addresses_;
    Record record = graph_.records_.own_draft(kRecordTypeContact, now);
    record.flags = kRecordFlagAutorefresh;
    record.expiration_time = record.modification_time + kContactLifetime;
    record.data = encode_contact(info);
    GraphError err = graph_.publish(record, record.version == 1 ? RecordChange::added : RecordChange::updated, false);
    if (err == GraphError::ok) graph_.records_.schedule_timers();
    return err;
}

std::vector<ContactInfo> Maintenance::foreign_contacts() const
{
    /* Contacts that name another signature: another partition. */
    std::vector<ContactInfo> out;
    std::uint64_t current = signature();
    if (!current) return out;
    for (const Record &r : graph_.records_.live(kRecordTypeContact, graph_.peer_time())) {
        ContactInfo info;
        if (r.deleted() || !decode_contact(r.data, &info) || info.node_id == graph_.node_id_) continue;
        if (info.signature != current) out.push_back(std::move(info));
    }
    return out;
}

void Maintenance::partition_detection()
{
    /* MS-PPGRH 3.1.7.13. */
    std::vector<ContactInfo> foreign = foreign_contacts();
    if (!foreign.empty()) P2PG_TRACE(maint, "%zu contacts of another partition", foreign.size());
    if (!foreign.empty())
        partition_timer_.arm_unless_pending(random_ticks(5 * kSecond, 30 * kSecond));
}

void Maintenance::on_partition_timer()
{
    /* MS-PPGRH 3.1.6.5: short-term repair, a connection to each contact of
     * another partition. */
    if (!graph_.store_ || !graph_.ready_) return;
    for (const ContactInfo &contact : foreign_contacts()) {
        if (graph_.connected_to(contact.node_id)) continue;
        for (const sockaddr_in6 &address : contact.addresses)
            if (connect(address)) break;
    }
}

bool Maintenance::candidate_in_scope(const sockaddr_in6 &a) const
{
    /* Addresses others publish (Presence and Contact records, referrals)
     * are tried only where this graph lives: no unspecified, multicast or
     * IPv4-mapped address (a way to point us at a third party's IPv4
     * service), link-local ones only in a link-local graph, site-local ones
     * only in a site-local graph, loopback only in a graph this node has
     * met on loopback itself (listening or a neighbor there: one machine's
     * graph). */
    const std::uint8_t *b = a.sin6_addr.s6_addr;
    static const std::uint8_t zero[16] = {};
    static const std::uint8_t loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!a.sin6_port || !std::memcmp(b, zero, 16) || b[0] == 0xff || !std::memcmp(b, mapped, 12)) return false;
    if (!std::memcmp(b, loopback, 16)) return graph_.met_on_loopback_;
    bool link_local = b[0] == 0xfe && (b[1] & 0xc0) == 0x80, site_local = b[0] == 0xfe && (b[1] & 0xc0) == 0xc0;
    std::uint32_t scope = graph_.properties_.scope ? graph_.properties_.scope : std::uint32_t(kScopeGlobal);
    if (link_local) return scope == kScopeLinkLocal;
    if (site_local) return scope == kScopeSiteLocal;
    return scope == kScopeGlobal;
}

bool Maintenance::connect(const sockaddr_in6 &address)
{
    for (const sockaddr_in6 &tried : tried_)
        if (same_endpoint(tried, address)) return false;
    tried_.push_back(address);
    std::uint64_t id = 0;
    if (graph_.connect("", address, &id) != GraphError::ok) return false;
    P2PG_TRACE(maint, "connection %llu: trying a candidate neighbor", (unsigned long long)id);
    graph_.neighbors_[id]->set_by_maintenance();
    return true;
}

void Maintenance::connection_maintenance(bool timer_triggered)
{
    /* MS-PPGRH 3.1.7.14. */
    if (!graph_.env_.transport || !graph_.env_.loop) return;
    std::size_t count = graph_.neighbor_count();
    if (timer_triggered && count > kIdealNeighbors) {
        if (std::shared_ptr<Neighbor> least = graph_.least_useful_neighbor(nullptr)) {
            P2PG_TRACE(maint, "connection %llu: %zu neighbors, dropping the least useful (utility %.1f)",
                       (unsigned long long)least->id(), count, least->utility());
            graph_.drop_neighbor(least, wire::DisconnectReason::least_useful);
        }
        return;
    }
    bool want = count == 0 || (count < kMinimumNeighbors && graph_.ready_) || (timer_triggered && count < kIdealNeighbors);
    if (!want) return;
    /* One attempt at a time, and never past the maximum. */
    if (graph_.pending_neighbor_count() || count >= Graph::kMaximumNeighbors) return;
    if (timer_triggered) tried_.clear();

    /* Candidates: Presence List, Contact List, Referral List (not us, not
     * a neighbor already). */
    std::vector<sockaddr_in6> candidates;
    FileTime now = graph_.peer_time();
    for (const Record &r : graph_.records_.live(kRecordTypePresence, now)) {
        PresenceInfo info;
        if (r.deleted() || !decode_presence(r.data, &info) || info.node_id == graph_.node_id_ || graph_.connected_to(info.node_id))
            continue;
        candidates.insert(candidates.end(), info.addresses.begin(), info.addresses.end());
    }
    for (const Record &r : graph_.records_.live(kRecordTypeContact, now)) {
        ContactInfo info;
        if (r.deleted() || !decode_contact(r.data, &info) || info.node_id == graph_.node_id_ || graph_.connected_to(info.node_id))
            continue;
        candidates.insert(candidates.end(), info.addresses.begin(), info.addresses.end());
    }
    for (const wire::In6Address &a : graph_.referral_list_) candidates.push_back(to_sockaddr(a));
    auto unusable = [&](const sockaddr_in6 &address) {
        if (!candidate_in_scope(address)) return true;
        for (const sockaddr_in6 &own : graph_.listening_addresses_)
            if (same_endpoint(own, address)) return true;
        for (const auto &entry : graph_.neighbors_) {
            if (same_endpoint(entry.second->link().remote_address(), address)) return true;
            for (const wire::In6Address &a : entry.second->link().remote_listening())
                if (same_endpoint(to_sockaddr(a), address)) return true;
        }
        return false; /* (maintenance_connect skips what was tried) */
    };
    candidates.erase(std::remove_if(candidates.begin(), candidates.end(), unusable), candidates.end());
    while (!candidates.empty()) {
        std::size_t pick = static_cast<std::size_t>(random_ticks(0, FileTime(candidates.size()) - 1));
        sockaddr_in6 chosen = candidates[pick];
        candidates.erase(candidates.begin() + pick);
        if (connect(chosen)) return;
    }
}

void Maintenance::long_term_partition_repair()
{
    /* MS-PPGRH 3.1.7.15 (see the top of this file for when). */
    std::optional<Record> own = graph_.records_.own_internal(kRecordTypeContact);
    if (!own || own->deleted()) return;
    if (graph_.neighbor_count() && foreign_contacts().empty()) return;
    GraphEvent event;
    event.type = EventType::connection_required;
    graph_.raise(event);
}


} // namespace p2pg
