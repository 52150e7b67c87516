/*
 * Engine presence: this node's Presence record and the Presence List (MS-PPGRH 3.1.7.4, 3.1.7.10.5, 3.1.7.17, 3.1.7.20)
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

#ifndef P2PG_ENGINE_PRESENCE_H
#define P2PG_ENGINE_PRESENCE_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <netinet/in.h>

#include "clock.h"
#include "connection.h"
#include "record.h"
#include "timer.h"

namespace p2pg {

class Graph;

/* Presence for one graph: whether and how this node publishes its
 * Presence record (listening, PeerGraphSetPresence, the Presence Max of the
 * graph), its attributes, NODE_CHANGED events, and the Presence List
 * (PeerGraphEnumNodes, PeerGraphGetNodeInfo).  The Presence List is not
 * kept apart from the database: it is exactly the Presence records there
 * that are neither deleted nor expired, so it cannot disagree with what
 * synchronization brought.  Loop thread only. */
class Presence {
public:
    explicit Presence(Graph &graph);
    Presence(const Presence &) = delete;
    Presence &operator=(const Presence &) = delete;

    /* PeerGraphSetPresence (MS-PPGRH 3.1.4.6). */
    GraphError set_presence(bool present);
    /* PeerGraphSetNodeAttributes: empty clears. */
    GraphError set_node_attributes(const std::string &attributes);
    /* PeerGraphEnumNodes: the nodes with a live Presence record (all, or
     * those of one peer id). */
    GraphError enum_nodes(const std::string *peer_id, std::vector<NodeInfo> *out) const;
    /* PeerGraphGetNodeInfo: 0 (or our own id) is this node, whether it
     * published presence or not; others need a live Presence record. */
    GraphError node_info(std::uint64_t node_id, NodeInfo *out) const;

    /* MS-PPGRH 3.1.7.17 (the graph calls it whenever what it depends on
     * changed; tests too). */
    void maintenance();
    /* A Presence record came from a neighbor and was stored: maintenance,
     * where it can change anything. */
    void received(const Record &record);
    /* A Presence record was stored or went: NODE_CHANGED where a node
     * appeared, changed or left (previous: what the database held). */
    void changed(const Record &record, const std::optional<Record> &previous);
    /* NODE_CHANGED (UPDATED, node id 0): the local node's attributes or
     * addresses changed. */
    void local_node_updated();
    void stop() { timer_.stop(); }

private:
    GraphError publish(bool autorefresh);
    /* Live Presence records that are not deletions. */
    std::size_t count(FileTime now) const;
    void on_timer();

    Graph &graph_;
    bool forced_ = false; /* PeerGraphSetPresence(TRUE) */
    std::string node_attributes_;
    Timer timer_;
};

} // namespace p2pg

#endif
