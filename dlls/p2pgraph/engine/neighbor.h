/*
 * Engine neighbor: one neighbor connection of a graph and what the graph keeps for it
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

#ifndef P2PG_ENGINE_NEIGHBOR_H
#define P2PG_ENGINE_NEIGHBOR_H

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>

#include "clock.h"
#include "link.h"
#include "sync.h"
#include "wire.h"

namespace p2pg {

/* An entry of the Neighbor List (MS-PPGRH 3.1.1) from the first byte of
 * the handshake to the end of the link: the link and everything the graph
 * keeps for it, so that forgetting a neighbor is dropping one object.  Loop
 * thread only. */
class Neighbor {
public:
    explicit Neighbor(std::shared_ptr<Link> link) : link_(std::move(link)) {}
    Neighbor(const Neighbor &) = delete;
    Neighbor &operator=(const Neighbor &) = delete;

    std::uint64_t id() const { return link_->id(); }
    Link &link() const { return *link_; }
    const std::shared_ptr<Link> &shared_link() const { return link_; }
    bool connected() const { return link_->connected(); }

    /* Started by graph maintenance (3.1.7.14), not by the application: a
     * failure raises no event and tries the next candidate. */
    bool by_maintenance() const { return by_maintenance_; }
    void set_by_maintenance() { by_maintenance_ = true; }
    void connected_now() { by_maintenance_ = false; }

    /* MS-PPGRH 3.1.7.33 connection utility: LU1 = 31/32 LU, plus 128 when
     * the FLOOD was new to the receiver. */
    double utility() const { return utility_; }
    void count_flood(bool useful) { utility_ = utility_ * 31.0 / 32.0 + (useful ? 128.0 : 0.0); }

    /* What an authenticated neighbor may get wrong before the link goes
     * (the spec drops the record and says nothing; a peer that keeps
     * sending them, or keeps asking for synchronizations, only costs us):
     * leaky buckets that drain kBudgetDrainPerSecond a second.  False once
     * the counter passed budget. */
    enum class Budget { invalid_records, solicits };
    bool spend(Budget which, double budget, FileTime now)
    {
        double drained = last_spent_ ? double(now - last_spent_) / kTicksPerSecond * kBudgetDrainPerSecond : 0.0;
        last_spent_ = now;
        invalid_records_ = std::max(0.0, invalid_records_ - std::max(0.0, drained));
        solicits_ = std::max(0.0, solicits_ - std::max(0.0, drained));
        double &counter = which == Budget::invalid_records ? invalid_records_ : solicits_;
        return ++counter <= budget;
    }

    /* The ACK of the FLOODs received in this read wakeup (sent once their
     * transaction committed). */
    std::optional<wire::Ack> pending_ack;
    /* Both sides of synchronization on this link. */
    SyncSession sync;

private:
    static constexpr double kBudgetDrainPerSecond = 0.5;

    std::shared_ptr<Link> link_;
    bool by_maintenance_ = false;
    double utility_ = 0.0;
    double invalid_records_ = 0;
    double solicits_ = 0;
    FileTime last_spent_ = 0;
};

} // namespace p2pg

#endif
