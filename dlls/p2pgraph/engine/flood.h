/*
 * Engine flooding: every change to every neighbor, and what neighbors flood to us (MS-PPGRH 3.1.7.26-28, 3.1.7.32-33)
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

#ifndef P2PG_ENGINE_FLOOD_H
#define P2PG_ENGINE_FLOOD_H

#include <cstdint>

#include "clock.h"
#include "record.h"
#include "wire.h"

namespace p2pg {

class Graph;
class Neighbor;

/* Flooding for one graph: a change goes to every connected neighbor but
 * the one it came from; a received FLOOD (a flooded change or a
 * synchronization answer) is validated, resolved against what we hold
 * (MS-PPGRH 3.1.7.32), stored in the read wakeup's transaction and ACKed
 * once that committed; ACKs feed connection utility (3.1.7.33).  Also the
 * storage quota neighbors may fill.  Loop thread only. */
class Flood {
public:
    explicit Flood(Graph &graph) : graph_(graph) {}
    Flood(const Flood &) = delete;
    Flood &operator=(const Flood &) = delete;

    /* MS-PPGRH 3.1.7.3, 3.1.5.2.10: to every connected neighbor but except
     * (encoded once, and only if there is somebody to send it to). */
    void send(const Record &record, const Neighbor *except);
    /* MS-PPGRH 3.1.5.2.10. */
    void receive(Neighbor &neighbor, wire::Flood &&message);
    /* MS-PPGRH 3.1.7.33: the sender's side of connection utility. */
    void acked(Neighbor &neighbor, const wire::Ack &ack);
    /* A record neighbor sent was found invalid after all (by the
     * application's provider): its budget pays. */
    void charge_invalid(Neighbor &neighbor);
    /* The read wakeup of neighbor is over: commit what it stored, then ACK. */
    void read_done(Neighbor &neighbor);
    /* Commits the open batch of received records, if any. */
    void close_batch();

    /* What the database holds, counted again (at Create and Open). */
    void recount_storage();

private:
    /* The storage quota: stored_bytes_ is an upper bound of the database's
     * payload, made exact again from the database (at most once a second)
     * whenever it passes the quota. */
    bool within_quota(std::uint64_t adding);

    Graph &graph_;
    std::uint64_t stored_bytes_ = 0;
    FileTime stored_bytes_counted_ = 0;
};

} // namespace p2pg

#endif
