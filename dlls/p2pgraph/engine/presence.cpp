/*
 * Engine graph: presence, the nodes of a graph (MS-PPGRH 3.1.4.6, 3.1.7.4, 3.1.7.10.5, 3.1.7.17, 3.1.7.20)
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


/* The Presence List of MS-PPGRH 3.1.1 is not kept apart from the database:
 * it is exactly the Presence records there that are neither deleted nor
 * expired, so it cannot disagree with what synchronization brought. */

#include <algorithm>

#include "graph.h"
#include "internal_records.h"
#include "record_rules.h"
#include "store.h"
#include "utf.h"

namespace p2pg {

namespace {

/* MS-PPGRH 3.1.6.9: the Presence timer waits 30 to 180 s. */
constexpr FileTime kPresenceTimerMin = 30 * kSecond;
constexpr FileTime kPresenceTimerMax = 180 * kSecond;
constexpr std::uint32_t kPresenceAll = 0xffffffff;
/* 3.1.7.17: a node withdraws its presence only past Max + 10 records. */
constexpr std::size_t kPresenceSlack = 10;

} // namespace

std::vector<Record> Graph::live_records(const Guid &type, FileTime now) const
{
    RecordFilter filter;
    filter.type = &type;
    filter.include_internal = true;
    std::vector<Record> out;
    for (Record &r : store_->list(filter))
        if (r.expiration_time > now || expiration_deferred()) out.push_back(std::move(r));
    return out;
}

/* Live Presence records that are not deletions. */
std::size_t Graph::presence_count(FileTime now) const
{
    std::size_t n = 0;
    for (const Record &r : live_records(kRecordTypePresence, now)) n += !r.deleted();
    return n;
}

std::optional<Record> Graph::own_internal_record(const Guid &type) const
{
    /* Ours: created by our peer id and, for Presence and Contact, naming
     * this node (another process may use the same identity).  Of several,
     * the newest live one (not deleted, not expired), else the newest: an
     * expired record the expiration timer has not removed yet must not
     * hide the one that replaced it. */
    RecordFilter filter;
    filter.type = &type;
    filter.creator_id = &peer_id_;
    filter.include_internal = true;
    FileTime now = peer_time();
    auto live = [now](const Record &r) { return !r.deleted() && r.expiration_time > now; };
    std::optional<Record> best;
    for (Record &r : store_->list(filter)) {
        if (type == kRecordTypePresence) {
            PresenceInfo info;
            if (!decode_presence(r.data, &info) || info.node_id != node_id_) continue;
        } else if (type == kRecordTypeContact) {
            ContactInfo info;
            if (!decode_contact(r.data, &info) || info.node_id != node_id_) continue;
        } else if (type == kRecordTypeSignature) {
            std::uint64_t signature = 0;
            if (!decode_signature(r.data, &signature) || signature != node_id_) continue;
        }
        if (!best || (live(r) && !live(*best)) ||
            (live(r) == live(*best) && r.modification_time > best->modification_time))
            best = std::move(r);
    }
    return best;
}

GraphError Graph::publish_presence(bool autorefresh)
{
    /* MS-PPGRH 3.1.7.4: an update of our live Presence record, or a new one. */
    FileTime now = peer_time();
    PresenceInfo info;
    info.node_id = node_id_;
    info.attributes = node_attributes_;
    info.addresses = listening_addresses_;
    Record record = own_record_draft(kRecordTypePresence, now);
    record.flags = autorefresh ? std::uint32_t(kRecordFlagAutorefresh) : 0u;
    record.expiration_time = record.modification_time + FileTime(properties_.presence_lifetime) * kSecond;
    record.attributes.clear();
    record.data = encode_presence(info);
    GraphError err = publish(record, record.version == 1 ? RecordChange::added : RecordChange::updated, false);
    if (err == GraphError::ok) schedule_timers();
    return err;
}

Record Graph::own_record_draft(const Guid &type, FileTime now) const
{
    Record record;
    std::optional<Record> old = own_internal_record(type);
    if (old && !old->deleted() && old->expiration_time > now) {
        record = *old;
        record.version = old->version + 1;
        record.modified_by_id = peer_id_;
        record.modification_time = std::max(now, old->modification_time + 1);
    } else {
        record.type = type;
        record.id = make_record_id(peer_id_, random_guid());
        record.version = 1;
        record.creator_id = peer_id_;
        record.creation_time = record.modification_time = now;
    }
    return record;
}

GraphError Graph::delete_own(const Record &old)
{
    Record record = old;
    record.version = old.version + 1;
    record.flags = (old.flags & ~std::uint32_t(kRecordFlagAutorefresh)) | std::uint32_t(kRecordFlagDeleted);
    record.modified_by_id = peer_id_;
    record.modification_time = std::max(peer_time(), old.modification_time + 1);
    if (record.expiration_time <= record.modification_time) record.expiration_time = record.modification_time + 1;
    record.attributes.clear();
    record.data.clear();
    return publish(record, RecordChange::deleted, false);
}

void Graph::presence_changed(const Record &record, const std::optional<Record> &previous)
{
    /* MS-PPGRH 3.1.7.10.5, 3.1.7.20: NODE_CHANGED when a node appears,
     * changes what it says of itself, or goes.  A refresh that changes
     * nothing but times and version is no change. */
    bool was = previous && !previous->deleted();
    bool is = !record.deleted();
    PresenceInfo info;
    if (is ? !decode_presence(record.data, &info) : !(was && decode_presence(previous->data, &info))) return;
    /* Our own presence coming and going is no news to the application: the
     * local node is a member from Create/Open on (GraphChat lists itself
     * then, and would list itself twice), and its changes are told by
     * local_node_updated(). */
    if (info.node_id == node_id_) return;
    GraphEvent event;
    event.type = EventType::node_changed;
    event.node_id = info.node_id;
    event.peer_id = record.creator_id;
    if (is && was) {
        if (previous->data == record.data) return;
        event.node_change = NodeChange::updated;
    } else if (is) {
        event.node_change = NodeChange::connected;
    } else if (was) {
        event.node_change = NodeChange::disconnected;
    } else {
        return;
    }
    raise(event);
}

void Graph::presence_maintenance()
{
    /* MS-PPGRH 3.1.7.17. */
    if (!store_ || !ready_) return;
    FileTime now = peer_time();
    std::optional<Record> own = own_internal_record(kRecordTypePresence);
    bool present = own && !own->deleted() && own->expiration_time > now;
    if (present && !listening() && !force_presence_) {
        /* The spec deletes a presence whenever the node does not listen; a
         * presence the application forced stays until it lets it go. */
        delete_own(*own);
        present = false;
    }
    std::uint32_t max = properties_.presence_max;
    if (!present && (listening() || force_presence_) && (max == kPresenceAll || force_presence_)) {
        publish_presence(!force_presence_);
        return;
    }
    if (max == 0 || max == kPresenceAll || force_presence_) return;
    std::size_t count = presence_count(now);
    if ((present && count > std::size_t(max) + kPresenceSlack) || (!present && listening() && count < max))
        arm_unless_pending(&presence_timer_, random_ticks(kPresenceTimerMin, kPresenceTimerMax), on_presence_timer);
}

void Graph::on_presence_timer(int, short, void *arg)
{
    /* MS-PPGRH 3.1.6.9: check again and act. */
    Graph *graph = static_cast<Graph *>(arg);
    if (!graph->store_ || !graph->ready_) return;
    FileTime now = graph->peer_time();
    std::uint32_t max = graph->properties_.presence_max;
    if (max == 0 || max == kPresenceAll || graph->force_presence_) return;
    std::optional<Record> own = graph->own_internal_record(kRecordTypePresence);
    bool present = own && !own->deleted() && own->expiration_time > now;
    std::size_t count = graph->presence_count(now);
    if (present && count > std::size_t(max) + kPresenceSlack)
        graph->delete_own(*own);
    else if (!present && graph->listening() && count < max)
        graph->publish_presence(true);
}

void Graph::local_node_updated()
{
    /* NODE_CHANGED (UPDATED) about the local node carries node id 0, the
     * id PeerGraphGetNodeInfo takes for it (GraphChat re-registers its
     * address on exactly that); CONNECTED and DISCONNECTED are never about
     * the local node. */
    GraphEvent event;
    event.type = EventType::node_changed;
    event.node_change = NodeChange::updated;
    event.node_id = 0;
    event.peer_id = peer_id_;
    raise(event);
}

GraphError Graph::set_presence(bool present)
{
    /* Its page lists no PEER_E_GRAPH_NOT_READY: on a graph that never
     * synchronized the wish is kept, and presence maintenance acts on it
     * once the graph is synchronized. */
    if (!store_) return GraphError::shutting_down;
    if (ready_ && present) {
        /* MS-PPGRH 3.1.4.6: published now, without Autorefresh (3.1.7.4);
         * presence maintenance publishes it again should it expire. */
        GraphError err = publish_presence(false);
        if (err != GraphError::ok) return err;
    }
    force_presence_ = present;
    presence_maintenance();
    return GraphError::ok;
}

GraphError Graph::set_node_attributes(const std::string &attributes)
{
    /* No PEER_E_GRAPH_NOT_READY either: the attributes wait for the
     * presence that will carry them. */
    if (!store_) return GraphError::shutting_down;
    std::size_t chars = utf16_length(attributes);
    if (chars == std::string::npos || chars > kMaxNodeAttributeChars ||
        2 * chars + 64 + 32 * listening_addresses_.size() > max_record_size())
        return GraphError::invalid_argument;
    if (attributes == node_attributes_) return GraphError::ok;
    node_attributes_ = attributes;
    local_node_updated();
    /* A live presence carries the new attributes at once. */
    std::optional<Record> own = own_internal_record(kRecordTypePresence);
    if (own && !own->deleted() && own->expiration_time > peer_time()) return publish_presence(own->autorefresh());
    return GraphError::ok;
}

GraphError Graph::enum_nodes(const std::string *peer_id, std::vector<NodeInfo> *out) const
{
    GraphError err = usable();
    if (err != GraphError::ok) return err;
    out->clear();
    for (const Record &r : live_records(kRecordTypePresence, peer_time())) {
        PresenceInfo info;
        if (r.deleted() || (peer_id && r.creator_id != *peer_id) || !decode_presence(r.data, &info)) continue;
        NodeInfo node;
        node.node_id = info.node_id;
        node.peer_id = r.creator_id;
        node.attributes = std::move(info.attributes);
        node.addresses = std::move(info.addresses);
        out->push_back(std::move(node));
    }
    return GraphError::ok;
}

GraphError Graph::node_info(std::uint64_t node_id, NodeInfo *out) const
{
    if (!store_) return GraphError::shutting_down;
    if (!node_id || node_id == node_id_) {
        out->node_id = node_id_;
        out->peer_id = peer_id_;
        out->attributes = node_attributes_;
        out->addresses = listening_addresses_;
        return GraphError::ok;
    }
    /* GetNodeInfo's page lists no PEER_E_GRAPH_NOT_READY (EnumNodes' does):
     * before the first synchronization no other node is known. */
    std::vector<NodeInfo> nodes;
    if (enum_nodes(nullptr, &nodes) == GraphError::not_ready) return GraphError::node_not_found;
    for (NodeInfo &node : nodes) {
        if (node.node_id != node_id) continue;
        *out = std::move(node);
        return GraphError::ok;
    }
    return GraphError::node_not_found;
}

} // namespace p2pg
