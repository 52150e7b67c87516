/*
 * Engine graph: one open graph of this node
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

#ifndef P2PG_ENGINE_GRAPH_H
#define P2PG_ENGINE_GRAPH_H

#include <cstdint>
#include <map>
#include <memory>

#include "handle_table.h"

namespace p2pg {

/* A direct connection of a graph (MS-PPGRH 1.3.3): a link outside the
 * neighbor mesh.  The link layer that fills this in comes with the network
 * transport; what the graph needs of it is that it can be closed. */
class DirectConnection {
public:
    virtual ~DirectConnection() = default;
    /* Sends DISCONNECT (APP_DISCONNECT) and closes the socket. */
    virtual void close() = 0;
};

/* The object behind an HGRAPH.  Loop thread only, except kind(). */
class Graph : public Object {
public:
    ObjectKind kind() const override { return ObjectKind::graph; }
    void close() override;

    /* Connection ids are node-wide serials; 0 is never one. */
    void add_direct_connection(std::uint64_t id, std::shared_ptr<DirectConnection> connection);

    /* Closes the direct connection with that id.  Returns false when this
     * graph has no open direct connection with that id. */
    bool close_direct_connection(std::uint64_t id);

    std::size_t direct_connection_count() const { return direct_.size(); }

private:
    std::map<std::uint64_t, std::shared_ptr<DirectConnection>> direct_;
};

} // namespace p2pg

#endif
