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

#include "transport.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include <arpa/inet.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "log.h"
#include "loop.h"

namespace p2pg {

namespace {

bool is_link_local(const in6_addr &a) { return a.s6_addr[0] == 0xfe && (a.s6_addr[1] & 0xc0) == 0x80; }
bool is_site_local(const in6_addr &a) { return a.s6_addr[0] == 0xfe && (a.s6_addr[1] & 0xc0) == 0xc0; }

bool in_scope(const sockaddr_in6 &a, std::uint32_t scope, std::uint32_t scope_id)
{
    if (IN6_IS_ADDR_LOOPBACK(&a.sin6_addr) || IN6_IS_ADDR_UNSPECIFIED(&a.sin6_addr) ||
        IN6_IS_ADDR_V4MAPPED(&a.sin6_addr) || IN6_IS_ADDR_MULTICAST(&a.sin6_addr))
        return false;
    switch (scope) {
    case 3: return is_link_local(a.sin6_addr) && (!scope_id || a.sin6_scope_id == scope_id);
    case 2: return is_site_local(a.sin6_addr) && (!scope_id || a.sin6_scope_id == scope_id);
    default: return !is_link_local(a.sin6_addr) && !is_site_local(a.sin6_addr);
    }
}

struct timeval to_timeval(std::chrono::milliseconds delay)
{
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(delay).count();
    return {static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
}

/* How often a flood is checked for having ended. */
constexpr std::chrono::milliseconds kFloodCheck{1000};

sockaddr_in6 loopback()
{
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    return a;
}

/* A listening socket: IPv6 only (MS-PPGRH 2.1), reusable address. */
int listening_socket(const sockaddr_in6 &address)
{
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, reinterpret_cast<const sockaddr *>(&address), sizeof(address)) < 0 || ::listen(fd, 128) < 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

} // namespace

bool parse_ipv6(const std::string &text, sockaddr_in6 *out)
{
    std::string host = text;
    std::uint16_t port = 0;
    if (!host.empty() && host.front() == '[') {
        std::size_t close = host.find(']');
        if (close == std::string::npos) return false;
        std::string rest = host.substr(close + 1);
        host = host.substr(1, close - 1);
        if (!rest.empty()) {
            /* ":" and 1 to 5 digits up to 65535 (no exception for "[::1]:"). */
            if (rest[0] != ':' || rest.size() < 2 || rest.size() > 6) return false;
            unsigned long value = 0;
            for (std::size_t i = 1; i < rest.size(); ++i) {
                if (rest[i] < '0' || rest[i] > '9') return false;
                value = value * 10 + unsigned(rest[i] - '0');
            }
            if (value > 65535) return false;
            port = static_cast<std::uint16_t>(value);
        }
    }
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    std::size_t percent = host.find('%');
    if (percent != std::string::npos) {
        a.sin6_scope_id = if_nametoindex(host.substr(percent + 1).c_str());
        host = host.substr(0, percent);
    }
    if (inet_pton(AF_INET6, host.c_str(), &a.sin6_addr) != 1) return false;
    *out = a;
    return true;
}

std::vector<sockaddr_in6> local_addresses(const AddressPolicy &policy, std::uint32_t scope, std::uint32_t scope_id)
{
    std::vector<sockaddr_in6> out;
    if (!policy.configured.empty()) {
        for (const std::string &text : policy.configured) {
            sockaddr_in6 a;
            if (parse_ipv6(text, &a)) {
                a.sin6_port = 0;
                out.push_back(a);
            }
        }
        return out;
    }
    struct ifaddrs *list = nullptr;
    if (getifaddrs(&list) == 0) {
        for (struct ifaddrs *i = list; i; i = i->ifa_next) {
            if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET6 || !(i->ifa_flags & IFF_UP)) continue;
            sockaddr_in6 a;
            std::memcpy(&a, i->ifa_addr, sizeof(a));
            a.sin6_port = 0;
            if (in_scope(a, scope, scope_id)) out.push_back(a);
        }
        freeifaddrs(list);
    }
    if (out.empty()) out.push_back(loopback());
    return out;
}

void raise_descriptor_limit()
{
    static std::once_flag once;
    std::call_once(once, [] {
        struct rlimit limit;
        if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
        rlim_t was = limit.rlim_cur;
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) == 0)
            P2PG_TRACE(link, "descriptor limit raised from %llu to %llu", (unsigned long long)was,
                       (unsigned long long)limit.rlim_max);
    });
}

Transport::Transport(Loop &loop) : loop_(loop)
{
    raise_descriptor_limit();
    pending_handler_.transport = this;
    resume_timer_ = event_new(loop_.base(), -1, 0, resume_cb, this);
    flood_timer_ = event_new(loop_.base(), -1, 0, flood_check_cb, this);
    if (!resume_timer_ || !flood_timer_) {
        if (resume_timer_) event_free(resume_timer_);
        if (flood_timer_) event_free(flood_timer_);
        throw std::bad_alloc();
    }
}

Transport::~Transport()
{
    close_all();
    event_free(resume_timer_);
    event_free(flood_timer_);
}

void Transport::close_all()
{
    for (auto &listener : listeners_) free_listener(*listener);
    listeners_.clear();
    /* Links handed to a graph close with it. */
    std::list<Handshake> handshakes = std::move(handshakes_);
    handshakes_.clear();
    for (Handshake &h : handshakes)
        if (h.pending) h.pending->close_with(wire::DisconnectReason::leaving);
}

void Transport::free_listener(Listener &listener)
{
    for (struct evconnlistener *socket : listener.sockets) evconnlistener_free(socket);
    listener.sockets.clear();
}

GraphError Transport::listen(LinkAcceptor *graph, const std::vector<sockaddr_in6> &addresses, std::uint16_t port,
                             std::uint16_t *bound)
{
    if (port) {
        for (auto &listener : listeners_) {
            if (listener->port != port) continue;
            listener->graphs.push_back(graph);
            *bound = port;
            return GraphError::ok;
        }
    }
    auto listener = std::make_unique<Listener>();
    listener->transport = this;
    std::uint16_t chosen = port;
    for (sockaddr_in6 address : addresses) {
        address.sin6_port = htons(chosen);
        int fd = listening_socket(address);
        if (fd < 0) {
            int err = errno;
            P2PG_WARN(link, "cannot listen on %s: %s", endpoint_text(address).c_str(), std::strerror(err));
            free_listener(*listener);
            return err == EADDRINUSE || err == EACCES ? GraphError::access_denied : GraphError::io_error;
        }
        if (!chosen) {
            sockaddr_in6 actual{};
            socklen_t length = sizeof(actual);
            getsockname(fd, reinterpret_cast<sockaddr *>(&actual), &length);
            chosen = ntohs(actual.sin6_port);
        }
        struct evconnlistener *socket =
            evconnlistener_new(loop_.base(), accept_cb, listener.get(), LEV_OPT_CLOSE_ON_FREE, -1, fd);
        if (!socket) {
            P2PG_ERR(link, "cannot listen on %s: no listener (out of memory?)", endpoint_text(address).c_str());
            ::close(fd);
            free_listener(*listener);
            return GraphError::io_error;
        }
        evconnlistener_set_error_cb(socket, accept_error_cb);
        if (accept_paused_) evconnlistener_disable(socket);
        listener->sockets.push_back(socket);
    }
    P2PG_TRACE(link, "listening on port %u at %zu addresses", chosen, addresses.size());
    listener->port = chosen;
    listener->graphs.push_back(graph);
    *bound = chosen;
    listeners_.push_back(std::move(listener));
    return GraphError::ok;
}

void Transport::stop_listening(LinkAcceptor *graph)
{
    for (auto it = listeners_.begin(); it != listeners_.end();) {
        auto &graphs = (*it)->graphs;
        graphs.erase(std::remove(graphs.begin(), graphs.end(), graph), graphs.end());
        if (graphs.empty()) {
            free_listener(**it);
            it = listeners_.erase(it);
        } else {
            ++it;
        }
    }
}

void Transport::accept_cb(struct evconnlistener *, int fd, struct sockaddr *address, int length, void *arg)
{
    Listener *listener = static_cast<Listener *>(arg);
    sockaddr_in6 peer{};
    if (length >= static_cast<int>(sizeof(peer))) std::memcpy(&peer, address, sizeof(peer));
    listener->transport->on_accept(*listener, fd, peer);
}

void Transport::accept_error_cb(struct evconnlistener *, void *arg)
{
    /* libevent calls this for the errors it does not retry itself (EMFILE,
     * ENFILE, ENOBUFS, ENOMEM and the like), errno still set. */
    int error = EVUTIL_SOCKET_ERROR();
    static_cast<Listener *>(arg)->transport->on_accept_error(error);
}

void Transport::on_accept_error(int error)
{
    if (!accept_failing_) {
        accept_failing_ = true;
        P2PG_WARN(link, "cannot accept connections (%s): listening pauses, retrying every %lld ms",
                  std::strerror(error), static_cast<long long>(limits_.accept_backoff.count()));
    }
    if (accept_paused_) return;
    accept_paused_ = true;
    for (auto &listener : listeners_)
        for (struct evconnlistener *socket : listener->sockets) evconnlistener_disable(socket);
    struct timeval tv = to_timeval(limits_.accept_backoff);
    event_add(resume_timer_, &tv);
}

void Transport::resume_cb(int, short, void *arg)
{
    Transport *transport = static_cast<Transport *>(arg);
    transport->accept_paused_ = false;
    for (auto &listener : transport->listeners_)
        for (struct evconnlistener *socket : listener->sockets) evconnlistener_enable(socket);
}

void Transport::on_accept(Listener &listener, int fd, const sockaddr_in6 &peer)
{
    if (accept_failing_) {
        accept_failing_ = false;
        P2PG_TRACE(link, "accepting connections again");
    }
    make_room(peer.sin6_addr);
    /* The listener may go away before AUTH_INFO arrives: find it again then
     * by port. */
    std::uint16_t port = listener.port;
    try {
        std::shared_ptr<Link> link = Link::accept(
            loop_, new_connection_id(), fd, peer, &pending_handler_,
            [this, port](Link &link, const wire::AuthInfo &auth) -> LinkHandler * {
                for (auto &l : listeners_)
                    if (l->port == port) return dispatch(*l, link, auth);
                return nullptr;
            },
            limits_.handshake_timeout);
        handshakes_.push_back(Handshake{link, link, peer.sin6_addr});
        /* What came with the connection is read now: a peer that sent
         * AUTH_INFO and CONNECT at once is CONNECTED before connections
         * accepted after it can push it out. */
        link->read_available();
    } catch (const std::exception &) {
        /* Out of memory: the connection is dropped (Link::accept closed it). */
        P2PG_ERR(link, "connection from %s dropped: out of memory", endpoint_text(peer).c_str());
    }
}

/* Forgets links that are CONNECTED or gone. */
void Transport::prune()
{
    for (auto it = handshakes_.begin(); it != handshakes_.end();) {
        std::shared_ptr<Link> link = it->link.lock();
        if (link && (link->state() == Link::State::accepted || link->state() == Link::State::authenticated))
            ++it;
        else
            it = handshakes_.erase(it);
    }
}

std::size_t Transport::handshakes()
{
    prune();
    return handshakes_.size();
}

std::size_t Transport::pending_connections() const
{
    std::size_t n = 0;
    for (const Handshake &h : handshakes_)
        if (h.pending) ++n;
    return n;
}

void Transport::make_room(const in6_addr &address)
{
    /* Neither limit can be reached below the smaller one. */
    if (handshakes_.size() < std::min(limits_.max_handshakes, limits_.max_handshakes_per_address)) return;
    prune();
    std::size_t same = 0;
    for (const Handshake &h : handshakes_)
        if (IN6_ARE_ADDR_EQUAL(&h.address, &address)) ++same;
    for (; same && same >= limits_.max_handshakes_per_address; --same) drop_oldest(&address);
    while (!handshakes_.empty() && handshakes_.size() >= limits_.max_handshakes) drop_oldest(nullptr);
}

/* Closes the oldest handshake (of address, when given) for a newer one:
 * the oldest that has not even sent its AUTH_INFO, when there is one (a
 * connection that named a graph of ours is a step further and goes last). */
void Transport::drop_oldest(const in6_addr *address)
{
    auto victim = handshakes_.end();
    for (auto it = handshakes_.begin(); it != handshakes_.end(); ++it) {
        if (address && !IN6_ARE_ADDR_EQUAL(&it->address, address)) continue;
        if (victim == handshakes_.end()) victim = it;
        if (it->pending) {
            victim = it;
            break;
        }
    }
    if (victim == handshakes_.end()) return;
    std::shared_ptr<Link> link = victim->link.lock();
    const bool said_graph = !victim->pending;
    handshakes_.erase(victim);
    if (!link) return;
    P2PG_TRACE(link, "connection %llu: handshake dropped for a newer one (%s)", (unsigned long long)link->id(),
               said_graph ? "after AUTH_INFO" : "no AUTH_INFO yet");
    ++dropped_;
    if (!flooded_) {
        flooded_ = true;
        P2PG_WARN(link, "too many connections without a handshake (at most %zu, %zu per address): dropping the oldest",
                  limits_.max_handshakes, limits_.max_handshakes_per_address);
        struct timeval tv = to_timeval(kFloodCheck);
        event_add(flood_timer_, &tv);
    }
    /* The graph that took it after AUTH_INFO hears of it as of a timeout. */
    link->abort(LinkEnd::timeout);
}

void Transport::flood_check_cb(int, short, void *arg)
{
    Transport *transport = static_cast<Transport *>(arg);
    if (transport->dropped_) {
        /* Still flooded: look again later. */
        P2PG_TRACE(link, "%zu connections without a handshake dropped", transport->dropped_);
        transport->dropped_ = 0;
        struct timeval tv = to_timeval(kFloodCheck);
        event_add(transport->flood_timer_, &tv);
        return;
    }
    transport->flooded_ = false;
#ifdef __GLIBC__
    /* The flood's sockets were freed in small pieces that glibc keeps for
     * later; hand back what is free now instead of staying at the peak. */
    malloc_trim(0);
#endif
}

LinkHandler *Transport::dispatch(Listener &listener, Link &link, const wire::AuthInfo &auth)
{
    auto it = handshakes_.begin();
    while (it != handshakes_.end() && it->pending.get() != &link) ++it;
    if (it == handshakes_.end()) return nullptr;
    for (LinkAcceptor *graph : listener.graphs) {
        if (!graph->accepts_link(auth)) continue;
        /* The graph owns it now and chose its handler; it still counts as a
         * handshake here until CONNECTED. */
        graph->adopt_link(std::move(it->pending));
        return link.handler();
    }
    return nullptr;
}

void Transport::PendingHandler::on_closed(Link &link, LinkEnd)
{
    auto &handshakes = transport->handshakes_;
    for (auto it = handshakes.begin(); it != handshakes.end(); ++it) {
        if (it->pending.get() == &link) {
            handshakes.erase(it);
            return;
        }
    }
}

} // namespace p2pg
