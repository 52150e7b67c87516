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
#include "presence.h"
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

Presence::Presence(Graph &graph) : graph_(graph), timer_(graph.env_.loop, [this] { on_timer(); }) {}

std::size_t Presence::count(FileTime now) const
{
    std::size_t n = 0;
    for (const Record &r : graph_.records_.live(kRecordTypePresence, now)) n += !r.deleted();
    return n;
}

GraphError Presence::publish(bool autorefresh)
{
    /* MS-PPGRH 3.1.7.4: an update of our live Presence record, or a new one. */
    FileTime now = graph_.peer_time();
    PresenceInfo info;
    info.node_id = graph_.node_id_;
    info.attributes = node_attributes_;
    info.addresses = graph_.listening_addresses_;
    Record record = graph_.records_.own_draft(kRecordTypePresence, now);
    record.flags = autorefresh ? std::uint32_t(kRecordFlagAutorefresh) : 0u;
    record.expiration_time = record.modification_time + FileTime(graph_.properties_.presence_lifetime) * kSecond;
    record.attributes.clear();
    record.data = encode_presence(info);
    GraphError err = graph_.publish(record, record.version == 1 ? RecordChange::added : RecordChange::updated, false);
    if (err == GraphError::ok) graph_.records_.schedule_timers();
    return err;
}

void Presence::changed(const Record &record, const std::optional<Record> &previous)
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
    if (info.node_id == graph_.node_id_) return;
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
    graph_.raise(event);
}

void Presence::maintenance()
{
    /* MS-PPGRH 3.1.7.17. */
    if (!graph_.store_ || !graph_.ready_) return;
    FileTime now = graph_.peer_time();
    std::optional<Record> own = graph_.records_.own_internal(kRecordTypePresence);
    bool present = own && !own->deleted() && own->expiration_time > now;
    if (present && !graph_.listening() && !forced_) {
        /* The spec deletes a presence whenever the node does not listen; a
         * presence the application forced stays until it lets it go. */
        graph_.records_.delete_own(*own);
        present = false;
    }
    std::uint32_t max = graph_.properties_.presence_max;
    if (!present && (graph_.listening() || forced_) && (max == kPresenceAll || forced_)) {
        publish(!forced_);
        return;
    }
    if (max == 0 || max == kPresenceAll || forced_) return;
    std::size_t n = count(now);
    if ((present && n > std::size_t(max) + kPresenceSlack) || (!present && graph_.listening() && n < max))
        timer_.arm_unless_pending(random_ticks(kPresenceTimerMin, kPresenceTimerMax));
}

void Presence::received(const Record &record)
{
    /* Only a limited Presence Max counts the presences; otherwise only our
     * own record bears on ours.  Under no limit (the default) another
     * node's presence changes nothing here, and looking would cost a
     * query for each of the N nodes' records. */
    std::uint32_t max = graph_.properties_.presence_max;
    if ((max == kPresenceAll || max == 0) && record.creator_id != graph_.peer_id_) return;
    maintenance();
}

void Presence::on_timer()
{
    /* MS-PPGRH 3.1.6.9: check again and act. */
    if (!graph_.store_ || !graph_.ready_) return;
    FileTime now = graph_.peer_time();
    std::uint32_t max = graph_.properties_.presence_max;
    if (max == 0 || max == kPresenceAll || forced_) return;
    std::optional<Record> own = graph_.records_.own_internal(kRecordTypePresence);
    bool present = own && !own->deleted() && own->expiration_time > now;
    std::size_t n = count(now);
    if (present && n > std::size_t(max) + kPresenceSlack)
        graph_.records_.delete_own(*own);
    else if (!present && graph_.listening() && n < max)
        publish(true);
}

void Presence::local_node_updated()
{
    /* NODE_CHANGED (UPDATED) about the local node carries node id 0, the
     * id PeerGraphGetNodeInfo takes for it (GraphChat re-registers its
     * address on exactly that); CONNECTED and DISCONNECTED are never about
     * the local node. */
    GraphEvent event;
    event.type = EventType::node_changed;
    event.node_change = NodeChange::updated;
    event.node_id = 0;
    event.peer_id = graph_.peer_id_;
    graph_.raise(event);
}

GraphError Presence::set_presence(bool present)
{
    /* Its page lists no PEER_E_GRAPH_NOT_READY: on a graph that never
     * synchronized the wish is kept, and presence maintenance acts on it
     * once the graph is synchronized. */
    if (!graph_.store_) return GraphError::shutting_down;
    if (graph_.ready_ && present) {
        /* MS-PPGRH 3.1.4.6: published now, without Autorefresh (3.1.7.4);
         * presence maintenance publishes it again should it expire. */
        GraphError err = publish(false);
        if (err != GraphError::ok) return err;
    }
    forced_ = present;
    maintenance();
    return GraphError::ok;
}

GraphError Presence::set_node_attributes(const std::string &attributes)
{
    /* No PEER_E_GRAPH_NOT_READY either: the attributes wait for the
     * presence that will carry them. */
    if (!graph_.store_) return GraphError::shutting_down;
    std::size_t chars = utf16_length(attributes);
    if (chars == std::string::npos || chars > kMaxNodeAttributeChars ||
        2 * chars + 64 + 32 * graph_.listening_addresses_.size() > graph_.max_record_size())
        return GraphError::invalid_argument;
    if (attributes == node_attributes_) return GraphError::ok;
    node_attributes_ = attributes;
    local_node_updated();
    /* A live presence carries the new attributes at once. */
    std::optional<Record> own = graph_.records_.own_internal(kRecordTypePresence);
    if (own && !own->deleted() && own->expiration_time > graph_.peer_time()) return publish(own->autorefresh());
    return GraphError::ok;
}

GraphError Presence::enum_nodes(const std::string *peer_id, std::vector<NodeInfo> *out) const
{
    GraphError err = graph_.usable();
    if (err != GraphError::ok) return err;
    out->clear();
    for (const Record &r : graph_.records_.live(kRecordTypePresence, graph_.peer_time())) {
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

GraphError Presence::node_info(std::uint64_t node_id, NodeInfo *out) const
{
    if (!graph_.store_) return GraphError::shutting_down;
    if (!node_id || node_id == graph_.node_id_) {
        out->node_id = graph_.node_id_;
        out->peer_id = graph_.peer_id_;
        out->attributes = node_attributes_;
        out->addresses = graph_.listening_addresses_;
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
