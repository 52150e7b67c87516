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

#include "graph.h"

namespace p2pg {

void Graph::close()
{
    auto direct = std::move(direct_);
    direct_.clear();
    for (auto &entry : direct) entry.second->close();
}

void Graph::add_direct_connection(std::uint64_t id, std::shared_ptr<DirectConnection> connection)
{
    direct_[id] = std::move(connection);
}

bool Graph::close_direct_connection(std::uint64_t id)
{
    auto it = direct_.find(id);
    if (it == direct_.end()) return false;
    std::shared_ptr<DirectConnection> connection = std::move(it->second);
    direct_.erase(it);
    connection->close();
    return true;
}

} // namespace p2pg
