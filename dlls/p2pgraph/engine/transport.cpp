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
#include <cstring>
#include <stdexcept>

#include <arpa/inet.h>
#include <event2/listener.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include "graph.h"
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
            if (rest[0] != ':' || rest.size() > 6) return false;
            port = static_cast<std::uint16_t>(std::stoul(rest.substr(1)));
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

Transport::Transport(Loop &loop) : loop_(loop)
{
    pending_handler_.transport = this;
}

Transport::~Transport()
{
    close_all();
}

void Transport::close_all()
{
    for (auto &listener : listeners_) free_listener(*listener);
    listeners_.clear();
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto &link : pending) link->close_with(wire::DisconnectReason::leaving);
}

void Transport::free_listener(Listener &listener)
{
    for (struct evconnlistener *socket : listener.sockets) evconnlistener_free(socket);
    listener.sockets.clear();
}

GraphError Transport::listen(Graph *graph, const std::vector<sockaddr_in6> &addresses, std::uint16_t port,
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
            ::close(fd);
            free_listener(*listener);
            return GraphError::io_error;
        }
        listener->sockets.push_back(socket);
    }
    listener->port = chosen;
    listener->graphs.push_back(graph);
    *bound = chosen;
    listeners_.push_back(std::move(listener));
    return GraphError::ok;
}

void Transport::stop_listening(Graph *graph)
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

void Transport::on_accept(Listener &listener, int fd, const sockaddr_in6 &peer)
{
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
            });
        pending_.insert(link);
    } catch (const std::exception &) {
        /* Out of memory: the connection is dropped (Link::accept closed it). */
    }
}

LinkHandler *Transport::dispatch(Listener &listener, Link &link, const wire::AuthInfo &auth)
{
    std::shared_ptr<Link> owned;
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
        if (it->get() == &link) {
            owned = *it;
            break;
        }
    }
    if (!owned) return nullptr;
    for (Graph *graph : listener.graphs) {
        if (!graph->accepts_link(auth)) continue;
        pending_.erase(owned);
        graph->adopt_link(owned);
        return graph;
    }
    return nullptr;
}

void Transport::PendingHandler::on_closed(Link &link, LinkEnd)
{
    for (auto it = transport->pending_.begin(); it != transport->pending_.end(); ++it) {
        if (it->get() == &link) {
            transport->pending_.erase(it);
            return;
        }
    }
}

} // namespace p2pg
