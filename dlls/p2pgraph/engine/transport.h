/*
 * Engine transport: listening sockets shared by the graphs of a process
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

#ifndef P2PG_ENGINE_TRANSPORT_H
#define P2PG_ENGINE_TRANSPORT_H

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <netinet/in.h>

#include "connection.h"
#include "link.h"

struct evconnlistener;

namespace p2pg {

class Graph;
class Loop;

/* Which local addresses a node binds and advertises (PeerGraphListen's
 * scope and scope id, narrowed by the user's setting). */
struct AddressPolicy {
    /* Explicit addresses from the P2PGRAPH_ADDRESSES setting (textual IPv6);
     * empty means every address of the scope. */
    std::vector<std::string> configured;
};

/* The addresses of this host that belong to scope (1 global, 2 site-local,
 * 3 link-local) and scope_id (0 = every interface), or the configured
 * ones.  A host with no address of the scope offers loopback, so a graph
 * can still be used on one machine.  Port 0 in the results. */
std::vector<sockaddr_in6> local_addresses(const AddressPolicy &policy, std::uint32_t scope, std::uint32_t scope_id);

/* Parses "::1", "[::1]:1234" style text; false when it is not IPv6. */
bool parse_ipv6(const std::string &text, sockaddr_in6 *out);

/* Owns the listening sockets and the inbound connections that have not yet
 * said (in AUTH_INFO) which graph they are for.  Loop thread only. */
class Transport {
public:
    explicit Transport(Loop &loop);
    ~Transport();
    Transport(const Transport &) = delete;
    Transport &operator=(const Transport &) = delete;

    Loop &loop() { return loop_; }

    /* Connection ids are unique in the process and never 0. */
    std::uint64_t new_connection_id() { return next_connection_id_++; }

    /* Starts accepting connections for graph at addresses (port 0: a port
     * of the system's choosing; a port another graph of this process
     * already listens on is shared).  *bound gets the port. */
    GraphError listen(Graph *graph, const std::vector<sockaddr_in6> &addresses, std::uint16_t port,
                      std::uint16_t *bound);
    void stop_listening(Graph *graph);

    /* Closes every listener and pending connection (library shutdown). */
    void close_all();

    std::size_t pending_connections() const { return pending_.size(); }

private:
    struct Listener {
        Transport *transport = nullptr;
        std::uint16_t port = 0;
        std::vector<struct evconnlistener *> sockets;
        std::vector<Graph *> graphs;
    };

    static void accept_cb(struct evconnlistener *, int fd, struct sockaddr *address, int length, void *arg);
    void on_accept(Listener &listener, int fd, const sockaddr_in6 &peer);
    LinkHandler *dispatch(Listener &listener, Link &link, const wire::AuthInfo &auth);
    void free_listener(Listener &listener);

    /* Hears of inbound links that end before they said their graph. */
    struct PendingHandler : LinkHandler {
        Transport *transport = nullptr;
        bool on_connect(Link &, const wire::Connect &, wire::Welcome *, wire::Refuse *) override { return false; }
        void on_connected(Link &) override {}
        void on_closed(Link &link, LinkEnd end) override;
        void on_message(Link &, wire::Message &&) override {}
        void on_data(Link &, const Guid &, std::shared_ptr<const std::vector<std::uint8_t>>, std::size_t) override {}
    };

    Loop &loop_;
    PendingHandler pending_handler_;
    std::atomic<std::uint64_t> next_connection_id_{1};
    std::vector<std::unique_ptr<Listener>> listeners_;
    std::set<std::shared_ptr<Link>> pending_;
};

} // namespace p2pg

#endif
