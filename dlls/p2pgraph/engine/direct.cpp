/*
 * Engine direct connections (MS-PPGRH 1.3.3, 3.1.4.7, 3.1.4.10-11, 3.1.5.2.1)
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

#include <utility>

#include "direct.h"
#include "graph.h"
#include "wire.h"

namespace p2pg {

void DataLinks::add(Link &link)
{
    std::lock_guard<std::mutex> guard(lock_);
    links_[link.id()] = link.shared_from_this();
}

void DataLinks::remove(std::uint64_t id)
{
    std::lock_guard<std::mutex> guard(lock_);
    links_.erase(id);
}

void DataLinks::clear()
{
    std::lock_guard<std::mutex> guard(lock_);
    links_.clear();
}

std::shared_ptr<Link> DataLinks::find(std::uint64_t id) const
{
    std::lock_guard<std::mutex> guard(lock_);
    auto it = links_.find(id);
    return it == links_.end() ? nullptr : it->second.lock();
}

GraphError DataLinks::send(std::uint64_t id, const Guid &type, const std::uint8_t *data, std::size_t size) const
{
    std::shared_ptr<Link> link = find(id);
    if (!link || !link->accepting_data()) return GraphError::connection_not_found;
    if (link->backlog() >= Link::kSendHighWater) {
        link->wait_for_space();
        return GraphError::would_block;
    }
    return link->post_data(type, data, size) ? GraphError::ok : GraphError::connection_not_found;
}

void DataLinks::wait_writable(std::uint64_t id, int timeout_ms) const
{
    if (std::shared_ptr<Link> link = find(id)) link->wait_writable(timeout_ms);
}

GraphError DirectConnections::open(const std::string &peer_id, const sockaddr_in6 &address, std::uint64_t *id)
{
    /* Its page lists no PEER_E_GRAPH_NOT_READY: a direct connection needs
     * no synchronized database, only the graph id (known since Open). */
    if (!graph_.store_) return GraphError::shutting_down;
    if (!graph_.env_.transport || !graph_.env_.loop) return GraphError::io_error;
    /* Ourselves at one of our own addresses: refused at once, as
     * PeerGraphConnect does (GraphChat's "Cannot Whisper to Self").  Another
     * identity of this process may share our port: only our own peer id is
     * "self". */
    if (peer_id == graph_.peer_id_)
        for (const sockaddr_in6 &own : graph_.listening_addresses_)
            if (same_endpoint(own, address)) return GraphError::connect_self;
    std::uint64_t new_id = graph_.env_.transport->new_connection_id();
    connections_[new_id] = Link::connect(*graph_.env_.loop, new_id, &graph_, address,
                                         graph_.introduction(wire::ConnectionType::direct, peer_id));
    *id = new_id;
    return GraphError::ok;
}

bool DirectConnections::close(std::uint64_t id)
{
    auto it = connections_.find(id);
    if (it == connections_.end()) return false;
    graph_.data_links_.remove(id);
    std::shared_ptr<DirectConnection> connection = std::move(it->second);
    connections_.erase(it);
    bool was_connected = connection->connected();
    std::shared_ptr<Link> link = std::dynamic_pointer_cast<Link>(connection);
    connection->close();
    /* PEER_GRAPH_EVENT_DIRECT_CONNECTION is documented as "a peer's direct
     * connection has changed", whoever changed it: the side that closes
     * hears of the end too, so that every id OpenDirectConnection gave out
     * ends in exactly one PEER_DISCONNECTED or PEER_CONNECTION_FAILED (the
     * SDK's GraphChat sample updates its status bar on it).  An inbound
     * attempt not connected yet was never announced: nothing to say. */
    if (was_connected && link)
        graph_.raise_connection_event(EventType::direct_connection, *link, ConnectionStatus::disconnected,
                                      ConnectionFailure::none);
    else if (link && link->initiator())
        graph_.raise_connection_event(EventType::direct_connection, *link, ConnectionStatus::failed,
                                      ConnectionFailure::failed);
    return true;
}

void DirectConnections::add(std::uint64_t id, std::shared_ptr<DirectConnection> connection)
{
    connections_[id] = std::move(connection);
}

void DirectConnections::adopt(std::shared_ptr<Link> link)
{
    std::uint64_t id = link->id();
    connections_[id] = std::move(link);
}

bool DirectConnections::accepting() const
{
    for (const auto &registration : graph_.registrations_)
        if (registration->wants_type(EventType::direct_connection)) return true;
    return false;
}

void DirectConnections::append_info(std::vector<ConnectionInfo> *out) const
{
    for (const auto &entry : connections_)
        if (entry.second->connected()) out->push_back(entry.second->info());
}

std::shared_ptr<Link> DirectConnections::link(std::uint64_t id) const
{
    auto it = connections_.find(id);
    return it == connections_.end() ? nullptr : std::dynamic_pointer_cast<Link>(it->second);
}

void DirectConnections::resume_reading()
{
    for (auto &entry : connections_)
        if (auto link = std::dynamic_pointer_cast<Link>(entry.second)) link->resume_reading();
}

void DirectConnections::close_all()
{
    for (auto &entry : std::exchange(connections_, {})) {
        if (auto link = std::dynamic_pointer_cast<Link>(entry.second))
            link->close_with(wire::DisconnectReason::leaving);
        else
            entry.second->close();
    }
}

bool DirectConnections::on_connect(Link &link, wire::Welcome *welcome, wire::Refuse *refuse)
{
    if (!accepting()) {
        /* MS-PPGRH 3.1.5.2.1: REFUSE with DIRECT_CONNECTION_DISALLOWED. */
        refuse->code = wire::RefuseCode::direct_connection_disallowed;
        connections_.erase(link.id());
        return false;
    }
    welcome->node_id = graph_.node_id_;
    welcome->peer_time = graph_.peer_time();
    welcome->peer_id = graph_.peer_id_;
    return true;
}

void DirectConnections::on_connected(Link &link)
{
    graph_.raise_connection_event(EventType::direct_connection, link, ConnectionStatus::connected,
                                  ConnectionFailure::none);
}

void DirectConnections::on_closed(Link &link, LinkEnd end)
{
    auto it = connections_.find(link.id());
    if (it != connections_.end() && it->second.get() == &link) connections_.erase(it);
    if (link.was_connected())
        graph_.raise_connection_event(EventType::direct_connection, link, ConnectionStatus::disconnected,
                                      ConnectionFailure::none);
    else if (link.initiator()) /* an inbound attempt that never connected is nobody's business */
        graph_.raise_connection_event(EventType::direct_connection, link, ConnectionStatus::failed,
                                      connection_failure(end));
}

} // namespace p2pg
