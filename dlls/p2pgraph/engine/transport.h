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
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include <netinet/in.h>

#include "connection.h"
#include "link.h"

struct event;
struct evconnlistener;

namespace p2pg {

class Loop;

/* What a listener hands an inbound connection to once its AUTH_INFO says
 * which graph it is for (a Graph): the transport knows nothing else of it. */
class LinkAcceptor {
public:
    /* Whether this acceptor answers connections announced by auth. */
    virtual bool accepts_link(const wire::AuthInfo &auth) const = 0;
    /* Takes the link over and makes itself (or what it chooses) the link's handler. */
    virtual void adopt_link(std::shared_ptr<Link> link) = 0;

protected:
    ~LinkAcceptor() = default;
};

/* The addresses of this host that belong to scope (1 global, 2 site-local,
 * 3 link-local) and scope_id (0 = every interface), or the configured
 * ones.  A host with no address of the scope offers loopback, so a graph
 * can still be used on one machine.  Port 0 in the results. */
std::vector<sockaddr_in6> local_addresses(const AddressPolicy &policy, std::uint32_t scope, std::uint32_t scope_id);

/* Parses "::1", "[::1]:1234" style text; false when it is not IPv6. */
bool parse_ipv6(const std::string &text, sockaddr_in6 *out);

/* Raises the process's soft limit on open descriptors to its hard limit
 * (once per process: the first Transport does it, when the library
 * starts).  Every connection is a descriptor, and the soft limit is often
 * 1024 where the hard one allows far more. */
void raise_descriptor_limit();

/* Owns the listening sockets and the inbound connections that have not yet
 * said (in AUTH_INFO) which graph they are for, and keeps every inbound
 * connection that has not completed its handshake within bounds.  Loop
 * thread only. */
class Transport {
public:
    /* Inbound connections that are not CONNECTED yet (no AUTH_INFO, or no
     * CONNECT after it) cost a descriptor and a few KiB each and prove
     * nothing about the peer.  512 of them are far more than any real
     * burst of peers (a graph keeps at most 7 neighbors) and stay within
     * 10 MiB and a small share of the descriptors; past that, the oldest
     * goes (one that sent no AUTH_INFO yet, if any): a real peer completes
     * its handshake within one round trip, so a flood pushes out its own
     * idle sockets rather than newcomers. */
    static constexpr std::size_t kMaxHandshakes = 512;
    /* One source address gets a quarter of them: a single flooding host
     * cannot push out the handshakes of the others. */
    static constexpr std::size_t kMaxHandshakesPerAddress = 128;
    /* accept() failed for want of descriptors or memory: listening pauses
     * this long, then tries again (the failed connection stays in the
     * kernel's queue; retrying at once would only spin). */
    static constexpr std::chrono::milliseconds kAcceptBackoff{250};

    struct Limits {
        std::size_t max_handshakes = kMaxHandshakes;
        std::size_t max_handshakes_per_address = kMaxHandshakesPerAddress;
        std::chrono::milliseconds handshake_timeout = Link::kHandshakeTimeout;
        std::chrono::milliseconds accept_backoff = kAcceptBackoff;
    };

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
    GraphError listen(LinkAcceptor *graph, const std::vector<sockaddr_in6> &addresses, std::uint16_t port,
                      std::uint16_t *bound);
    void stop_listening(LinkAcceptor *graph);

    /* Closes every listener and pending connection (library shutdown). */
    void close_all();

    /* Tests use smaller limits; new connections get them. */
    void set_limits(const Limits &limits) { limits_ = limits; }
    /* Inbound connections not CONNECTED yet. */
    std::size_t handshakes();
    /* Connections that said nothing about their graph yet. */
    std::size_t pending_connections() const;
    /* False while accept() failures keep listening paused. */
    bool accepting() const { return !accept_paused_; }

private:
    struct Listener {
        Transport *transport = nullptr;
        std::uint16_t port = 0;
        std::vector<struct evconnlistener *> sockets;
        std::vector<LinkAcceptor *> graphs;
    };

    /* An inbound connection until it is CONNECTED. */
    struct Handshake {
        std::shared_ptr<Link> pending; /* ours until AUTH_INFO hands it to a graph */
        std::weak_ptr<Link> link;
        in6_addr address{};
    };

    static void accept_cb(struct evconnlistener *, int fd, struct sockaddr *address, int length, void *arg);
    static void accept_error_cb(struct evconnlistener *, void *arg);
    static void resume_cb(int, short, void *arg);
    static void flood_check_cb(int, short, void *arg);
    void on_accept(Listener &listener, int fd, const sockaddr_in6 &peer);
    void on_accept_error(int error);
    void make_room(const in6_addr &address);
    void drop_oldest(const in6_addr *address);
    void prune();
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
    Limits limits_;
    PendingHandler pending_handler_;
    std::atomic<std::uint64_t> next_connection_id_{1};
    std::vector<std::unique_ptr<Listener>> listeners_;
    std::list<Handshake> handshakes_; /* oldest first */
    /* accept() failing: listening paused until resume_timer_. */
    struct event *resume_timer_ = nullptr;
    bool accept_paused_ = false;
    bool accept_failing_ = false; /* since the last accept that worked: one warning */
    /* Handshakes being dropped for newer ones: one warning, and the memory
     * they held goes back to the system once a check finds none dropped. */
    struct event *flood_timer_ = nullptr;
    bool flooded_ = false;
    std::size_t dropped_ = 0;
};

} // namespace p2pg

#endif
