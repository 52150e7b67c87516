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

#include "types.h"

namespace p2pg {

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
