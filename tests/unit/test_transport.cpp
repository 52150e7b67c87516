/*
 * Unit tests: the transport's bounds on inbound connections (handshake caps
 * and deadline, accept() failures, the descriptor limit) over ::1
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

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine_node.h"
#include "cmocka_cxx.h"
#include "engine/graph.h"
#include "engine/log.h"
#include "engine/loop.h"
#include "engine/transport.h"
#include "engine/wire.h"

using namespace p2pg;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

/* What the engine logged, for the tests that count its warnings. */
std::mutex log_lock;
std::vector<std::string> warnings;

void capture_log(LogComponent, LogLevel level, const char *, const char *message)
{
    if (level != LogLevel::warn) return;
    std::lock_guard<std::mutex> guard(log_lock);
    warnings.push_back(message);
}

std::size_t warnings_containing(const char *text)
{
    std::lock_guard<std::mutex> guard(log_lock);
    std::size_t n = 0;
    for (const std::string &w : warnings)
        if (w.find(text) != std::string::npos) ++n;
    return n;
}

/* A loop with a transport and one graph ("g", peer "bob") listening on ::1
 * and taking direct connections. */
struct Node : p2pg::testing::EngineNode {
    std::shared_ptr<Graph> graph;
    std::shared_ptr<EventRegistration> events;
    std::uint16_t port = 0;

    explicit Node(const Transport::Limits &limits, const char *peer = "bob")
        : EngineNode([&limits](Transport &t) { t.set_limits(limits); })
    {
        GraphProperties p;
        p.graph_id = "g";
        p.creator_id = peer;
        GraphError err = GraphError::io_error;
        loop->call([&] { err = Graph::create(env, p, "db", &graph); });
        assert_int_equal(err, GraphError::ok);
        events = std::make_shared<EventRegistration>(
            std::vector<EventFilter>{{EventType::direct_connection, std::nullopt}}, nullptr);
        loop->call([&] {
            graph->add_registration(events);
            err = graph->listen(0, 0, 0);
        });
        assert_int_equal(err, GraphError::ok);
        loop->call([&] { port = ntohs(graph->listening_addresses().at(0).sin6_port); });
    }
    ~Node() override
    {
        loop->call([this] { graph->close(); });
    }
    std::size_t handshakes()
    {
        std::size_t n = 0;
        loop->call([&] { n = transport->handshakes(); });
        return n;
    }
    std::size_t pending()
    {
        std::size_t n = 0;
        loop->call([&] { n = transport->pending_connections(); });
        return n;
    }
    bool accepting()
    {
        bool yes = false;
        loop->call([&] { yes = transport->accepting(); });
        return yes;
    }
};

Transport::Limits limits(std::size_t total, std::size_t per_address, milliseconds deadline)
{
    Transport::Limits l;
    l.max_handshakes = total;
    l.max_handshakes_per_address = per_address;
    l.handshake_timeout = deadline;
    return l;
}

bool wait_until(const std::function<bool()> &done, milliseconds timeout = milliseconds(5000))
{
    auto deadline = steady_clock::now() + timeout;
    while (!done()) {
        if (steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(milliseconds(5));
    }
    return true;
}

int connect_socket(int fd, std::uint16_t port)
{
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    a.sin6_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a)) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

int connect_to(std::uint16_t port)
{
    return connect_socket(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), port);
}

void send_all(int fd, const std::vector<std::uint8_t> &bytes)
{
    assert_int_equal(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), bytes.size());
}

std::vector<std::uint8_t> frames_of(const wire::Message &message)
{
    std::vector<std::uint8_t> out;
    wire::append_frames(wire::encode(message), wire::kDefaultFrameSize, &out);
    return out;
}

std::vector<std::uint8_t> auth_info_for_bob()
{
    wire::AuthInfo auth;
    auth.connection_type = wire::ConnectionType::direct;
    auth.graph_id = "g";
    auth.source_peer_id = "mallory";
    auth.destination_peer_id = "bob";
    return frames_of(auth);
}

/* The node closed fd (EOF or reset) within timeout; what it sent is read
 * and dropped. */
bool closed_within(int fd, milliseconds timeout)
{
    auto deadline = steady_clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()).count();
        if (left < 0) return false;
        pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
        char buffer[4096];
        ssize_t n = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
    }
}

bool still_open(int fd)
{
    pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 0;
}

/* Runs first: the first Transport of the process raises the soft limit. */
/* The configured addresses (P2PGRAPH_ADDRESSES, the registry) are the
 * user's text: anything malformed is refused, never thrown about. */
void test_parse_ipv6(void **)
{
    sockaddr_in6 a;
    assert_true(parse_ipv6("::1", &a));
    assert_int_equal(ntohs(a.sin6_port), 0);
    assert_true(parse_ipv6("[::1]:3587", &a));
    assert_int_equal(ntohs(a.sin6_port), 3587);
    assert_true(parse_ipv6("[::1]:65535", &a));
    for (const char *bad : {"[::1]:", "[::1]:65536", "[::1]:99999", "[::1]:12a", "[::1]:-1", "[::1]x", "[::1", "nonsense",
                            "[::1]: 80", "[::1]:123456"})
        assert_false(parse_ipv6(bad, &a));
}

void test_descriptor_limit_raised(void **)
{
    struct rlimit limit;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &limit), 0);
    if (limit.rlim_max < 512) skip();
    limit.rlim_cur = 256;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &limit), 0);
    {
        Node node(Transport::Limits{});
        struct rlimit now;
        assert_int_equal(getrlimit(RLIMIT_NOFILE, &now), 0);
        assert_true(now.rlim_cur == now.rlim_max);
    }
}

/* From one address: the oldest handshakes go when it has too many. */
void check_cap(std::size_t total, std::size_t per_address)
{
    Node node(limits(total, per_address, milliseconds(30000)));
    std::vector<int> fds;
    for (int i = 0; i < 10; ++i) {
        int fd = connect_to(node.port);
        assert_true(fd >= 0);
        send_all(fd, {0});
        fds.push_back(fd);
        /* In order: the node accepted this one before the next comes. */
        assert_true(wait_until([&] { return node.pending() == std::min<std::size_t>(i + 1, 4); }));
    }
    for (int i = 0; i < 6; ++i) assert_true(closed_within(fds[i], milliseconds(5000)));
    for (int i = 6; i < 10; ++i) assert_true(still_open(fds[i]));
    assert_int_equal(node.handshakes(), 4);
    for (int fd : fds) ::close(fd);
    assert_true(wait_until([&] { return node.handshakes() == 0; }));
}

void test_cap_per_address(void **)
{
    check_cap(64, 4);
}

void test_cap_in_total(void **)
{
    check_cap(4, 64);
}

/* A connection that named our graph in AUTH_INFO is dropped after those
 * that did not. */
void test_authenticated_dropped_last(void **)
{
    Node node(limits(3, 64, milliseconds(30000)));
    int named = connect_to(node.port);
    assert_true(named >= 0);
    send_all(named, auth_info_for_bob());
    /* Handed to the graph, still a handshake (no CONNECT yet). */
    assert_true(wait_until([&] { return node.pending() == 0 && node.handshakes() == 1; }));
    std::vector<int> fds;
    for (int i = 0; i < 5; ++i) {
        int fd = connect_to(node.port);
        assert_true(fd >= 0);
        send_all(fd, {0});
        fds.push_back(fd);
        assert_true(wait_until([&] { return node.pending() == std::min<std::size_t>(i + 1, 2); }));
    }
    for (int i = 0; i < 3; ++i) assert_true(closed_within(fds[i], milliseconds(5000)));
    assert_true(still_open(named));
    assert_true(still_open(fds[3]) && still_open(fds[4]));
    assert_int_equal(node.handshakes(), 3);
    ::close(named);
    for (int fd : fds) ::close(fd);
}

/* Silent, trickling and stalled connections close at the deadline; a
 * connection that completed its handshake stays. */
void test_handshake_deadline(void **)
{
    const milliseconds deadline(300);
    Node node(limits(512, 128, deadline));
    auto start = steady_clock::now();
    int silent = connect_to(node.port);
    int partial = connect_to(node.port);
    int stalled = connect_to(node.port);
    assert_true(silent >= 0 && partial >= 0 && stalled >= 0);
    std::vector<std::uint8_t> auth = auth_info_for_bob();
    send_all(partial, std::vector<std::uint8_t>(auth.begin(), auth.begin() + auth.size() / 2));
    send_all(stalled, auth);

    /* And a real peer: alice's graph opens a direct connection to bob. */
    Node alice(Transport::Limits{}, "alice");
    sockaddr_in6 bob{};
    bob.sin6_family = AF_INET6;
    bob.sin6_addr = in6addr_loopback;
    bob.sin6_port = htons(node.port);
    std::uint64_t id = 0;
    GraphError err = GraphError::io_error;
    alice.loop->call([&] { err = alice.graph->open_direct_connection("bob", bob, &id); });
    assert_int_equal(err, GraphError::ok);

    for (int fd : {silent, partial, stalled}) assert_true(closed_within(fd, milliseconds(3000)));
    auto took = steady_clock::now() - start;
    assert_true(took >= deadline - milliseconds(20));
    assert_true(took < milliseconds(3000));
    /* Three deadlines later alice is still connected. */
    std::this_thread::sleep_for(deadline * 3);
    std::vector<ConnectionInfo> up;
    node.loop->call([&] { up = node.graph->connections(kConnectionDirect); });
    assert_int_equal(up.size(), 1);
    assert_int_equal(node.handshakes(), 0);
    for (int fd : {silent, partial, stalled}) ::close(fd);
}

/* accept() failing for want of descriptors: listening pauses and retries
 * after the backoff, without spinning and with one warning; the waiting
 * connections are taken once descriptors are free again. */
void test_accept_backoff(void **)
{
    const LogSink saved_sink = log_sink();
    const LogMask saved_mask = log_mask();
    set_log_sink(capture_log, kLogAll);
    Node node(limits(512, 128, milliseconds(30000)));
    std::size_t warned = warnings_containing("cannot accept");
    const int clients = 8;
    std::vector<int> fds;
    for (int i = 0; i < clients; ++i) fds.push_back(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    /* Every descriptor number below `next` is taken, so that the lowered
     * limit leaves the node exactly two. */
    std::vector<int> fillers;
    int next;
    for (;;) {
        next = open("/dev/null", O_RDONLY | O_CLOEXEC);
        assert_true(next >= 0);
        fillers.push_back(next);
        bool hole = false;
        for (int fd = 3; fd < next; ++fd)
            if (fcntl(fd, F_GETFD) < 0) hole = true;
        if (!hole) break;
    }
    struct rlimit saved, low;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
    low = saved;
    low.rlim_cur = next + 1 + 2;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);

    for (int fd : fds) {
        assert_int_equal(connect_socket(fd, node.port), fd);
        send_all(fd, {0});
    }
    assert_true(wait_until([&] { return node.handshakes() == 2 && !node.accepting(); }));
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    auto start = steady_clock::now();
    std::this_thread::sleep_for(milliseconds(1000));
    getrusage(RUSAGE_SELF, &after);
    auto cpu_us = [](const struct rusage &r) {
        return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1000000LL + r.ru_utime.tv_usec + r.ru_stime.tv_usec;
    };
    long long used = cpu_us(after) - cpu_us(before);
    long long wall = std::chrono::duration_cast<std::chrono::microseconds>(steady_clock::now() - start).count();
    /* A spinning loop would use all of it; four retries a second use nothing. */
    assert_true(used < wall / 10);
    assert_int_equal(node.handshakes(), 2);
    assert_int_equal(warnings_containing("cannot accept") - warned, 1);

    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
    assert_true(wait_until([&] { return node.handshakes() == clients; }, milliseconds(3000)));
    assert_true(node.accepting());
    for (int fd : fds) assert_true(still_open(fd));
    for (int fd : fds) ::close(fd);
    for (int fd : fillers) ::close(fd);
    set_log_sink(saved_sink, saved_mask);
}

/* A peer that announces a message larger than any handshake message is
 * dropped before the node keeps any of it. */
void test_handshake_message_limit(void **)
{
    Node node(Transport::Limits{});
    int fd = connect_to(node.port);
    assert_true(fd >= 0);
    /* A frame with the start of a 1 MiB AUTH_INFO. */
    std::vector<std::uint8_t> bytes = {0x00, 0x08, 0x00, 0x10, 0x00, 0x00, 0x10, 0x01, 0x00, 0x00};
    send_all(fd, bytes);
    assert_true(closed_within(fd, milliseconds(3000)));
    ::close(fd);
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ipv6),
        cmocka_unit_test(test_descriptor_limit_raised),
        cmocka_unit_test(test_cap_per_address),
        cmocka_unit_test(test_cap_in_total),
        cmocka_unit_test(test_authenticated_dropped_last),
        cmocka_unit_test(test_handshake_deadline),
        cmocka_unit_test(test_accept_backoff),
        cmocka_unit_test(test_handshake_message_limit),
    };
    return cmocka_run_group_tests_name("transport", tests, nullptr, nullptr);
}
