/*
 * Engine connections: what a graph knows of its links, and what its operations come to
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

#ifndef P2PG_ENGINE_CONNECTION_H
#define P2PG_ENGINE_CONNECTION_H

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "record.h"

namespace p2pg {

/* What a graph operation can come to; the face maps each to its HRESULT in
 * one table. */
enum class GraphError {
    ok,
    invalid_argument,
    not_ready,
    record_not_found,
    max_record_size_exceeded,
    invalid_attributes,
    duplicate_graph,
    invalid_database,
    access_denied,
    graph_in_use,
    shutting_down,
    would_block, /* the connection's send buffer is full: wait and retry */
    connection_not_found,
    connect_self,   /* Connect/OpenDirectConnection to one of our own listening addresses */
    already_exists, /* a neighbor connection to that node exists */
    node_not_found,
    no_such_file,
    disk_full,
    io_error,
};

/* PEER_CONNECTION_FLAGS */
enum ConnectionFlags : std::uint32_t {
    kConnectionNeighbor = 0x1,
    kConnectionDirect = 0x2,
};

/* PEER_CONNECTION_INFO in engine terms; the address is a sockaddr_in6 in
 * Linux layout (the face translates the family). */
struct ConnectionInfo {
    std::uint32_t flags = 0;
    std::uint64_t connection_id = 0;
    std::uint64_t node_id = 0;
    std::string peer_id;
    std::array<std::uint8_t, 28> address{};
};

/* A direct connection of a graph (MS-PPGRH 1.3.3): a link outside the
 * neighbor mesh.  Link implements it; tests put in fakes. */
class DirectConnection {
public:
    virtual ~DirectConnection() = default;
    /* Sends DISCONNECT (APP_DISCONNECT) and closes the socket. */
    virtual void close() = 0;
    /* What PeerGraphEnumConnections reports of it. */
    virtual ConnectionInfo info() const = 0;
    /* Usable (PeerGraphEnumConnections lists only these). */
    virtual bool connected() const = 0;
};

} // namespace p2pg

#endif
