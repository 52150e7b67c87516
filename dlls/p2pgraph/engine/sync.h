/*
 * Engine synchronization: bringing a neighbor's database and ours together (MS-PPGRH 3.1.7.29-31)
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

#ifndef P2PG_ENGINE_SYNC_H
#define P2PG_ENGINE_SYNC_H

#include <cstddef>
#include <deque>
#include <optional>
#include <vector>

#include "clock.h"
#include "hash_sync.h"
#include "record.h"
#include "wire.h"

namespace p2pg {

class Graph;
class Neighbor;

/* The synchronization state of one neighbor link: ours as the initiator,
 * and the answers we still owe as the responder. */
struct SyncSession {
    /* MS-PPGRH 3.1.7.29-30: the initiator asks for the types still to come
     * one by one (Sync Record Types), then for everything else in one
     * exclusion request. */
    struct Initiator {
        std::vector<Guid> types;
        std::size_t next = 0;
        bool everything_else_sent = false;
        FileTime since = 0; /* 0: Sync All (SOLICIT_NEW), else SOLICIT_TIME */
        /* MS-PPGRH 3.1.7.31: hash-based sync, after the record types (a
         * returning node) or alone (every connection after the first). */
        bool hash_after = false;
        enum class Phase { types, advertise, records } phase = Phase::types;
        std::vector<Guid> to_send; /* ours that the responder lacks */
    };
    std::optional<Initiator> initiator;

    /* Long answers go out as the link drains, a few MiB at a time, read
     * from the database as they go: records by id, and SYNC_ENDs where the
     * answer has them. */
    struct OutItem {
        enum class Kind { record, sync_end, final_sync_end } kind = Kind::record;
        Guid id;
    };
    std::deque<OutItem> outbox;
};

/* Synchronization for every neighbor of one graph (MS-PPGRH 3.1.5.2.2,
 * 3.1.5.2.5-9, 3.1.5.2.11, 3.1.7.29-31): the initiator drives it, type by
 * type (Sync All for a node that never synchronized, time-based for a
 * returning one) and then hash-based; the responder answers from the
 * database as the link drains.  Received records arrive as FLOODs, which
 * Flood stores.  Loop thread only. */
class Sync {
public:
    explicit Sync(Graph &graph) : graph_(graph) {}
    Sync(const Sync &) = delete;
    Sync &operator=(const Sync &) = delete;

    /* A neighbor link we started is connected: we synchronize. */
    void start(Neighbor &neighbor);
    /* SOLICIT_NEW, SOLICIT_TIME, SOLICIT_HASH, ADVERTISE, REQUEST and
     * SYNC_END; false when the message is none of these. */
    bool handle(Neighbor &neighbor, const wire::Message &message);
    /* The link took its output below the low-water mark: more answers. */
    void pump(Neighbor &neighbor);

private:
    void send_next_solicit(Neighbor &neighbor);
    void start_hash(Neighbor &neighbor);
    void answer_solicit(Neighbor &neighbor, const wire::TypeSelection &types, FileTime since);
    void handle_advertise(Neighbor &neighbor, const wire::Advertise &advertise);
    void answer_request(Neighbor &neighbor, const wire::Request &request);
    void handle_sync_end(Neighbor &neighbor, const wire::SyncEnd &end);
    void queue_out(Neighbor &neighbor, std::vector<SyncSession::OutItem> items);
    /* Id, version and modification time of the records that take part in
     * hash-based sync (not expired). */
    std::vector<hash_sync::Entry> hash_entries() const;

    Graph &graph_;
};

} // namespace p2pg

#endif
