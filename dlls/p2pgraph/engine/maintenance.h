/*
 * Engine graph maintenance: signature, contacts, partitions and connections (MS-PPGRH 3.1.7.11-16)
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

#ifndef P2PG_ENGINE_MAINTENANCE_H
#define P2PG_ENGINE_MAINTENANCE_H

#include <cstddef>
#include <cstdint>
#include <vector>

#include <netinet/in.h>

#include "connection.h"
#include "internal_records.h"
#include "record.h"
#include "timer.h"

namespace p2pg {

class Graph;

/* Graph maintenance for one graph (MS-PPGRH 3.1.7.16, in its order):
 * the graph signature (3.1.7.11), contact maintenance (3.1.7.12),
 * partition detection and short-term repair (3.1.7.13, 3.1.6.5), connection
 * maintenance (3.1.7.14) and long-term partition repair (3.1.7.15), each
 * with its own timer.  Loop thread only. */
class Maintenance {
public:
    explicit Maintenance(Graph &graph);
    Maintenance(const Maintenance &) = delete;
    Maintenance &operator=(const Maintenance &) = delete;

    /* MS-PPGRH 3.1.7.16; timer_triggered is what the Graph Maintenance
     * Timer passes (which also rearms it). */
    void run(bool timer_triggered);
    /* The graph signature (MS-PPGRH 3.1.7.11): the value of the live
     * Signature record, 0 when there is none. */
    std::uint64_t signature() const;
    /* A Signature or Contact record came from a neighbor (3.1.7.10.3-4). */
    void record_received(const Record &record);
    /* One of those expired (3.1.7.19, 3.1.7.21). */
    void signature_calculation();
    void contact_maintenance();
    /* Contacts that name another signature: another partition. */
    std::vector<ContactInfo> foreign_contacts() const;
    /* An attempt of ours failed: try another candidate (3.1.7.14). */
    void connection_maintenance(bool timer_triggered);
    /* Whether an address someone else published is one graph maintenance
     * may connect to. */
    bool candidate_in_scope(const sockaddr_in6 &address) const;
    /* A neighbor connected: every candidate may be tried again. */
    void neighbor_joined() { tried_.clear(); }
    void stop();

private:
    void signature_changed();
    std::size_t contact_minimum() const;
    /* Whether we hold a live Contact record; *change: whether contact
     * maintenance would publish or delete it. */
    bool contact_wanted(bool *change) const;
    GraphError publish_contact();
    void partition_detection();
    void long_term_partition_repair();
    /* A connection attempt of our own (no failure event); false when that
     * address was tried since the last maintenance pass or cannot be. */
    bool connect(const sockaddr_in6 &address);
    void on_signature_timer();
    void on_contact_timer();
    void on_partition_timer();

    Graph &graph_;
    Timer maintenance_timer_;
    Timer signature_timer_;
    bool signature_recheck_ = false; /* the signature timer waits the daily recheck */
    Timer contact_timer_;
    Timer partition_timer_;
    std::vector<sockaddr_in6> tried_;
};

} // namespace p2pg

#endif
