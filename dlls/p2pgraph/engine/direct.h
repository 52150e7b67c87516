/*
 * Engine direct connections: a graph's links outside the neighbor mesh (MS-PPGRH 1.3.3, 3.1.4.7, 3.1.4.10-11)
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

#ifndef P2PG_ENGINE_DIRECT_H
#define P2PG_ENGINE_DIRECT_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <netinet/in.h>

#include "connection.h"
#include "link.h"

namespace p2pg {

class Graph;

/* The connected links of a graph (neighbor and direct) by connection id,
 * readable from any thread: what PeerGraphSendData looks up without a
 * round trip to the loop.  The loop thread adds a link when it connects
 * and removes it when it goes, wherever it goes from. */
class DataLinks {
public:
    void add(Link &link);
    void remove(std::uint64_t id);
    void clear();
    /* Any thread: the link, or null when there is none (any more). */
    std::shared_ptr<Link> find(std::uint64_t id) const;
    /* PeerGraphSendData, from any thread: the message is framed here and
     * written by the loop, so the caller never waits for the loop thread
     * (the messages of one thread stay in order).  would_block when the
     * connection's send buffer is above its high-water mark (then
     * wait_writable and try again); connection_not_found when no connected
     * link has that id. */
    GraphError send(std::uint64_t id, const Guid &type, const std::uint8_t *data, std::size_t size) const;
    /* Any thread: until that link can take data again, goes, or timeout_ms
     * passes. */
    void wait_writable(std::uint64_t id, int timeout_ms) const;

private:
    mutable std::mutex lock_;
    std::map<std::uint64_t, std::weak_ptr<Link>> links_;
};

/* The direct connections of one graph: the ones we open and the ones we
 * accept while a registration asks for DIRECT_CONNECTION events, their
 * events, and closing them.  Loop thread only. */
class DirectConnections {
public:
    explicit DirectConnections(Graph &graph) : graph_(graph) {}
    DirectConnections(const DirectConnections &) = delete;
    DirectConnections &operator=(const DirectConnections &) = delete;

    /* PeerGraphOpenDirectConnection: starts the attempt; the result comes
     * as a DIRECT_CONNECTION event for *id. */
    GraphError open(const std::string &peer_id, const sockaddr_in6 &address, std::uint64_t *id);
    /* PeerGraphCloseDirectConnection: false when no direct connection has
     * that id (a neighbor connection's id above all: nothing changes). */
    bool close(std::uint64_t id);
    /* For tests: a connection put in by hand. */
    void add(std::uint64_t id, std::shared_ptr<DirectConnection> connection);
    /* An accepted link (Transport, after AUTH_INFO). */
    void adopt(std::shared_ptr<Link> link);
    /* Whether any registration asks for DIRECT_CONNECTION events, which is
     * what makes a node accept direct connections (MS-PPGRH 3.1.4.7). */
    bool accepting() const;
    std::size_t count() const { return connections_.size(); }
    void append_info(std::vector<ConnectionInfo> *out) const;
    /* The link a direct connection id names (connected or not). */
    std::shared_ptr<Link> link(std::uint64_t id) const;
    void resume_reading();
    /* PeerGraphClose: DISCONNECT (LEAVING) on every one. */
    void close_all();

    /* The link's handshake, connection and end (Graph's LinkHandler). */
    bool on_connect(Link &link, wire::Welcome *welcome, wire::Refuse *refuse);
    void on_connected(Link &link);
    void on_closed(Link &link, LinkEnd end);

private:
    Graph &graph_;
    std::map<std::uint64_t, std::shared_ptr<DirectConnection>> connections_;
};

} // namespace p2pg

#endif
