/*
 * Unit tests: direct connections between engine graphs over ::1 (transport, links)
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

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <event2/event.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine_node.h"
#include "cmocka_cxx.h"
#include "engine/graph.h"
#include "engine/link.h"
#include "engine/loop.h"
#include "engine/transport.h"
#include "engine/wire.h"

using namespace p2pg;

namespace {

/* A running loop with a transport, and graphs made on it. */
struct Node : p2pg::testing::EngineNode {
    std::shared_ptr<Graph> create(const std::string &graph_id, const std::string &peer_id)
    {
        GraphProperties p;
        p.graph_id = graph_id;
        p.creator_id = peer_id;
        std::shared_ptr<Graph> graph;
        GraphError err = GraphError::io_error;
        loop->call([&] { err = Graph::create(env, p, "db", &graph); });
        assert_int_equal(err, GraphError::ok);
        return graph;
    }
    /* PeerGraphOpen of someone else's graph: no data yet. */
    std::shared_ptr<Graph> open(const std::string &graph_id, const std::string &peer_id)
    {
        std::shared_ptr<Graph> graph;
        bool created = false;
        GraphError err = GraphError::io_error;
        loop->call([&] { err = Graph::open(env, graph_id, peer_id, "db", {}, &graph, &created); });
        assert_int_equal(err, GraphError::ok);
        assert_true(created);
        return graph;
    }
    std::shared_ptr<EventRegistration> listen_events(Graph &graph, std::vector<EventType> types)
    {
        std::vector<EventFilter> filters;
        for (EventType t : types) filters.push_back({t, std::nullopt});
        auto registration = std::make_shared<EventRegistration>(filters, nullptr);
        loop->call([&] { graph.add_registration(registration); });
        return registration;
    }
    void close(const std::shared_ptr<Graph> &graph)
    {
        loop->call([&] { graph->close(); });
    }
};

/* Waits (bounded) for an event the predicate accepts, dropping others. */
std::optional<GraphEvent> wait_for(EventRegistration &r, const std::function<bool(const GraphEvent &)> &want)
{
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        while (auto e = r.pop())
            if (want(*e)) return e;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return std::nullopt;
}

sockaddr_in6 address_of(Node &node, Graph &graph)
{
    std::vector<sockaddr_in6> addresses;
    node.loop->call([&] { addresses = graph.listening_addresses(); });
    assert_int_equal(addresses.size(), 1);
    return addresses[0];
}

bool is_status(const GraphEvent &e, ConnectionStatus s)
{
    return e.type == EventType::direct_connection && e.connection_status == s;
}

void test_open_send_close(void **)
{
    Node a, b;
    auto ga = a.create("g", "alice");
    auto gb = b.create("g", "bob");
    auto ea = a.listen_events(*ga, {EventType::direct_connection, EventType::incoming_data});
    auto eb = b.listen_events(*gb, {EventType::direct_connection, EventType::incoming_data, EventType::status_changed});
    GraphError err;
    b.loop->call([&] { err = gb->listen(0, 0, 0); });
    assert_int_equal(err, GraphError::ok);
    /* A second Listen succeeds and changes nothing (PeerGraphListen lists
     * no PEER_E_ALREADY_LISTENING). */
    std::vector<sockaddr_in6> first = gb->listening_addresses();
    b.loop->call([&] { err = gb->listen(0, 0, 0); });
    assert_int_equal(err, GraphError::ok);
    assert_true(gb->listening_addresses().size() == first.size());
    assert_true(gb->listening_addresses().at(0).sin6_port == first.at(0).sin6_port);
    auto st = wait_for(*eb, [](const GraphEvent &e) { return e.type == EventType::status_changed; });
    assert_true(st && (st->status & kStatusListening));
    sockaddr_in6 target = address_of(b, *gb);
    char text[64];
    inet_ntop(AF_INET6, &target.sin6_addr, text, sizeof(text));
    assert_string_equal(text, "::1");

    std::uint64_t id = 0;
    a.loop->call([&] { err = ga->open_direct_connection("bob", target, &id); });
    assert_int_equal(err, GraphError::ok);
    auto up_a = wait_for(*ea, [](const GraphEvent &e) { return is_status(e, ConnectionStatus::connected); });
    auto up_b = wait_for(*eb, [](const GraphEvent &e) { return is_status(e, ConnectionStatus::connected); });
    assert_true(up_a && up_b);
    assert_int_equal(up_a->connection_id, id);
    assert_true(up_a->node_id == gb->node_id());
    assert_true(up_b->node_id == ga->node_id());

    std::vector<ConnectionInfo> conns;
    a.loop->call([&] { conns = ga->connections(kConnectionDirect); });
    assert_int_equal(conns.size(), 1);
    assert_string_equal(conns[0].peer_id.c_str(), "bob");

    Guid type;
    type.bytes[0] = 42;
    std::vector<std::uint8_t> big(3 << 20);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
    err = ga->send_data(id, type, big.data(), big.size()); /* any thread */
    assert_int_equal(err, GraphError::ok);
    auto got = wait_for(*eb, [](const GraphEvent &e) { return e.type == EventType::incoming_data; });
    assert_true(got.has_value());
    assert_true(got->data_type == type);
    assert_int_equal(got->data_size(), big.size());
    assert_true(std::equal(big.begin(), big.end(), got->data->begin() + got->data_offset));
    /* And back, on the responder's id for the same connection. */
    const std::uint8_t three[] = {1, 2, 3};
    b.loop->call([&] { err = gb->send_data(up_b->connection_id, type, three, sizeof(three)); }); /* the loop's too */
    assert_int_equal(err, GraphError::ok);
    got = wait_for(*ea, [](const GraphEvent &e) { return e.type == EventType::incoming_data; });
    assert_true(got && got->data_size() == 3 && got->connection_id == id);

    bool closed = false;
    a.loop->call([&] { closed = ga->close_direct_connection(id); });
    assert_true(closed);
    a.loop->call([&] { closed = ga->close_direct_connection(id); });
    assert_false(closed);
    auto down = wait_for(*eb, [](const GraphEvent &e) { return is_status(e, ConnectionStatus::disconnected); });
    assert_true(down.has_value());
    err = ga->send_data(id, type, three, 1);
    assert_int_equal(err, GraphError::connection_not_found);
    a.close(ga);
    b.close(gb);
}

/* SendData from several threads at once, small and big messages mixed:
 * every message arrives whole, and each thread's in the order it sent them
 * (small ones are framed together into shared pieces, big ones alone). */
void test_send_data_streams_in_order(void **)
{
    Node a, b;
    auto ga = a.create("g", "alice");
    auto gb = b.create("g", "bob");
    auto ea = a.listen_events(*ga, {EventType::direct_connection});
    auto eb = b.listen_events(*gb, {EventType::direct_connection, EventType::incoming_data});
    GraphError err;
    b.loop->call([&] { err = gb->listen(0, 0, 0); });
    assert_int_equal(err, GraphError::ok);
    sockaddr_in6 target = address_of(b, *gb);
    std::uint64_t id = 0;
    a.loop->call([&] { err = ga->open_direct_connection("bob", target, &id); });
    assert_int_equal(err, GraphError::ok);
    assert_true(wait_for(*ea, [](const GraphEvent &e) { return is_status(e, ConnectionStatus::connected); }).has_value());
    assert_true(wait_for(*eb, [](const GraphEvent &e) { return is_status(e, ConnectionStatus::connected); }).has_value());

    constexpr int kThreads = 3, kMessages = 400;
    const std::size_t sizes[] = {1, 9, 300, 4096, 16379, 65536, 70000, 200000};
    /* Message i of thread t: t, i, then bytes that depend on both. */
    auto message = [&](int t, int i) {
        std::vector<std::uint8_t> m(std::max<std::size_t>(sizes[(i + t) % 8], 8));
        m[0] = static_cast<std::uint8_t>(t);
        std::memcpy(&m[1], &i, sizeof(i));
        for (std::size_t k = 5; k < m.size(); ++k) m[k] = static_cast<std::uint8_t>(k * 31 + i + t);
        return m;
    };
    Guid type;
    type.bytes[0] = 7;
    std::vector<std::thread> senders;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t)
        senders.emplace_back([&, t] {
            for (int i = 0; i < kMessages; ++i) {
                std::vector<std::uint8_t> m = message(t, i);
                GraphError e;
                while ((e = ga->send_data(id, type, m.data(), m.size())) == GraphError::would_block)
                    ga->wait_writable(id, 100);
                if (e != GraphError::ok) ++failures;
            }
        });
    int next[kThreads] = {};
    int received = 0, wrong = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (received < kThreads * kMessages && std::chrono::steady_clock::now() < deadline) {
        std::optional<GraphEvent> e = eb->pop();
        if (!e) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            continue;
        }
        if (e->type != EventType::incoming_data) continue;
        ++received;
        const std::uint8_t *p = e->data->data() + e->data_offset;
        int t = p[0], i;
        std::memcpy(&i, p + 1, sizeof(i));
        if (t >= kThreads || i != next[t]) {
            ++wrong;
            continue;
        }
        std::vector<std::uint8_t> m = message(t, next[t]++);
        if (e->data_size() != m.size() || !std::equal(m.begin(), m.end(), p)) ++wrong;
    }
    for (std::thread &sender : senders) sender.join();
    assert_int_equal(failures.load(), 0);
    assert_int_equal(received, kThreads * kMessages);
    assert_int_equal(wrong, 0);
    a.close(ga);
    b.close(gb);
}

void test_refused_without_registration(void **)
{
    Node a, b;
    auto ga = a.create("g", "alice");
    auto gb = b.create("g", "bob");
    auto ea = a.listen_events(*ga, {EventType::direct_connection});
    GraphError err;
    b.loop->call([&] { err = gb->listen(0, 0, 0); });
    std::uint64_t id = 0;
    sockaddr_in6 target = address_of(b, *gb);
    a.loop->call([&] { err = ga->open_direct_connection("bob", target, &id); });
    auto failed = wait_for(*ea, [](const GraphEvent &e) { return is_status(e, ConnectionStatus::failed); });
    assert_true(failed.has_value());
    assert_int_equal(static_cast<int>(failed->failure), static_cast<int>(ConnectionFailure::refused));
    a.close(ga);
    b.close(gb);
}

void test_nobody_listening_and_wrong_peer(void **)
{
    Node a, b;
    auto ga = a.create("g", "alice");
    auto gb = b.create("g", "bob");
    auto ea = a.listen_events(*ga, {EventType::direct_connection});
    b.listen_events(*gb, {EventType::direct_connection});
    GraphError err;
    b.loop->call([&] { err = gb->listen(0, 0, 0); });
    sockaddr_in6 target = address_of(b, *gb);
    std::uint64_t id = 0;
    a.loop->call([&] { err = ga->open_direct_connection("carol", target, &id); });
    auto failed = wait_for(*ea, [](const GraphEvent &e) { return is_status(e, ConnectionStatus::failed); });
    assert_true(failed && failed->failure == ConnectionFailure::failed);
    b.close(gb);
    /* The port is closed now. */
    a.loop->call([&] { err = ga->open_direct_connection("bob", target, &id); });
    failed = wait_for(*ea, [](const GraphEvent &e) { return is_status(e, ConnectionStatus::failed); });
    assert_true(failed && failed->failure == ConnectionFailure::failed && failed->connection_id == id);
    a.close(ga);
}

void test_graphs_share_a_port(void **)
{
    Node a, b;
    auto ga1 = a.create("g1", "alice");
    auto ga2 = a.create("g2", "alice");
    auto gb1 = b.create("g1", "bob");
    auto gb2 = b.create("g2", "bob");
    auto e1 = b.listen_events(*gb1, {EventType::direct_connection});
    auto e2 = b.listen_events(*gb2, {EventType::direct_connection});
    GraphError err;
    b.loop->call([&] { err = gb1->listen(0, 0, 0); });
    sockaddr_in6 target = address_of(b, *gb1);
    b.loop->call([&] { err = gb2->listen(0, 0, ntohs(target.sin6_port)); });
    assert_int_equal(err, GraphError::ok);
    assert_int_equal(address_of(b, *gb2).sin6_port, target.sin6_port);
    std::uint64_t id1, id2;
    a.loop->call([&] { err = ga1->open_direct_connection("bob", target, &id1); });
    a.loop->call([&] { err = ga2->open_direct_connection("bob", target, &id2); });
    /* Each graph gets the connection announced for it in AUTH_INFO. */
    assert_true(wait_for(*e1, [](const GraphEvent &e) { return is_status(e, ConnectionStatus::connected); }).has_value());
    assert_true(wait_for(*e2, [](const GraphEvent &e) { return is_status(e, ConnectionStatus::connected); }).has_value());
    for (auto &g : {ga1, ga2}) a.close(g);
    for (auto &g : {gb1, gb2}) b.close(g);
}

void test_graph_close_disconnects_peers(void **)
{
    Node a, b;
    auto ga = a.create("g", "alice");
    auto gb = b.create("g", "bob");
    auto ea = a.listen_events(*ga, {EventType::direct_connection});
    auto eb = b.listen_events(*gb, {EventType::direct_connection});
    GraphError err;
    b.loop->call([&] { err = gb->listen(0, 0, 0); });
    sockaddr_in6 target = address_of(b, *gb);
    std::uint64_t ids[5];
    for (auto &id : ids) a.loop->call([&] { err = ga->open_direct_connection("bob", target, &id); });
    for (int i = 0; i < 5; ++i)
        assert_true(wait_for(*ea, [](const GraphEvent &e) { return is_status(e, ConnectionStatus::connected); }).has_value());
    a.close(ga);
    for (int i = 0; i < 5; ++i)
        assert_true(wait_for(*eb, [](const GraphEvent &e) { return is_status(e, ConnectionStatus::disconnected); }).has_value());
    b.close(gb);
}

Record note(Node &node, std::uint8_t tag)
{
    Record r;
    r.type.bytes[0] = 0x5a;
    r.expiration_time = node.env.clock->now_utc() + 3600 * kTicksPerSecond;
    r.data = {tag, tag, tag};
    return r;
}

bool is_neighbor(const GraphEvent &e, ConnectionStatus s)
{
    return e.type == EventType::neighbor_connection && e.connection_status == s;
}

bool is_change(const GraphEvent &e, RecordChange change, const Guid &id)
{
    return e.type == EventType::record_changed && e.change == change && e.record_id == id;
}

std::size_t record_count(Node &node, Graph &graph)
{
    std::vector<Record> records;
    GraphError err = GraphError::io_error;
    node.loop->call([&] { err = graph.enum_records(nullptr, nullptr, &records); });
    return err == GraphError::ok ? records.size() : 0;
}

void test_neighbors_sync_and_flood(void **)
{
    Node a, b, c;
    std::vector<EventType> types = {EventType::neighbor_connection, EventType::status_changed,
                                    EventType::record_changed};
    auto ga = a.create("mesh", "alice");
    auto ea = a.listen_events(*ga, types);
    GraphError err;
    Guid ids[4];
    for (int i = 0; i < 3; ++i) a.loop->call([&] { err = ga->add_record(note(a, i), &ids[i]); });
    a.loop->call([&] { err = ga->listen(0, 0, 0); });

    /* bob has never seen the graph: connecting synchronizes it. */
    auto gb = b.open("mesh", "bob");
    auto eb = b.listen_events(*gb, types);
    auto synced = b.listen_events(*gb, {EventType::synchronized});
    std::uint64_t id = 0;
    b.loop->call([&] { err = gb->connect("", address_of(a, *ga), &id); });
    assert_int_equal(err, GraphError::ok);
    assert_true(wait_for(*eb, [](const GraphEvent &e) { return is_neighbor(e, ConnectionStatus::connected); }).has_value());
    assert_true(wait_for(*ea, [](const GraphEvent &e) { return is_neighbor(e, ConnectionStatus::connected); }).has_value());
    assert_true(wait_for(*eb, [](const GraphEvent &e) {
        return e.type == EventType::status_changed && (e.status & kStatusSynchronized);
    }).has_value());
    assert_int_equal(record_count(b, *gb), 3);
    /* One SYNCHRONIZED per requested type: Graph Info, then Presence. */
    auto first = synced->pop(), second = synced->pop();
    assert_true(first && first->record_type == kRecordTypeGraphInfo);
    assert_true(second && second->record_type == kRecordTypePresence);
    GraphProperties p;
    b.loop->call([&] { err = gb->properties(&p); });
    assert_int_equal(err, GraphError::ok);
    assert_string_equal(p.creator_id.c_str(), "alice");
    std::uint32_t status = 0;
    b.loop->call([&] { status = gb->status(); });
    assert_true(status & kStatusHasConnections);
    /* A second connection to the same node is refused before it starts. */
    std::uint64_t again = 0;
    b.loop->call([&] { err = gb->connect("", address_of(a, *ga), &again); });
    assert_int_equal(err, GraphError::already_exists);

    /* A change on either side reaches the other. */
    b.loop->call([&] { err = gb->add_record(note(b, 9), &ids[3]); });
    assert_true(wait_for(*ea, [&](const GraphEvent &e) { return is_change(e, RecordChange::added, ids[3]); }).has_value());

    /* carol joins through bob; alice's changes reach her through bob. */
    b.loop->call([&] { err = gb->listen(0, 0, 0); });
    auto gc = c.open("mesh", "carol");
    auto ec = c.listen_events(*gc, types);
    c.loop->call([&] { err = gc->connect("bob", address_of(b, *gb), &id); });
    assert_true(wait_for(*ec, [](const GraphEvent &e) {
        return e.type == EventType::status_changed && (e.status & kStatusSynchronized);
    }).has_value());
    assert_int_equal(record_count(c, *gc), 4);
    Record updated = note(a, 7);
    updated.id = ids[0];
    updated.expiration_time += kTicksPerSecond;
    a.loop->call([&] { err = ga->update_record(updated); });
    assert_int_equal(err, GraphError::ok);
    assert_true(wait_for(*ec, [&](const GraphEvent &e) { return is_change(e, RecordChange::updated, ids[0]); }).has_value());
    Record seen;
    c.loop->call([&] { err = gc->get_record(ids[0], &seen); });
    assert_int_equal(err, GraphError::ok);
    assert_true(seen.data == updated.data);
    assert_int_equal(seen.version, 2);
    a.loop->call([&] { err = ga->delete_record(ids[1], false); });
    assert_true(wait_for(*ec, [&](const GraphEvent &e) { return is_change(e, RecordChange::deleted, ids[1]); }).has_value());
    c.loop->call([&] { err = gc->get_record(ids[1], &seen); });
    assert_int_equal(err, GraphError::record_not_found);

    /* Leaving: the others see the neighbor go. */
    b.close(gb);
    assert_true(wait_for(*ea, [](const GraphEvent &e) { return is_neighbor(e, ConnectionStatus::disconnected); }).has_value());
    assert_true(wait_for(*ec, [](const GraphEvent &e) { return is_neighbor(e, ConnectionStatus::disconnected); }).has_value());
    a.close(ga);
    c.close(gc);
}

void test_peer_time_follows_the_graph(void **)
{
    Node a, b;
    /* bob's clock is an hour fast; after joining, his peer time is alice's. */
    ManualClock fast(SystemClock::instance().now_utc() + 3600 * kTicksPerSecond);
    b.env.clock = &fast;
    auto ga = a.create("time", "alice");
    GraphError err;
    a.loop->call([&] { err = ga->listen(0, 0, 0); });
    auto gb = b.open("time", "bob");
    auto eb = b.listen_events(*gb, {EventType::status_changed});
    std::uint64_t id;
    b.loop->call([&] { err = gb->connect("", address_of(a, *ga), &id); });
    assert_true(wait_for(*eb, [](const GraphEvent &e) {
        return e.type == EventType::status_changed && (e.status & kStatusSynchronized);
    }).has_value());
    FileTime alice_time = 0, bob_time = 0;
    a.loop->call([&] { alice_time = ga->peer_time(); });
    b.loop->call([&] { bob_time = gb->peer_time(); });
    assert_true(std::llabs(alice_time - bob_time) < 2 * kTicksPerSecond);
    a.close(ga);
    b.close(gb);
}

void test_connect_self_and_busy(void **)
{
    Node a;
    auto ga = a.create("busy", "alice");
    GraphError err;
    a.loop->call([&] { err = ga->listen(0, 0, 0); });
    std::uint64_t id = 0;
    a.loop->call([&] { err = ga->connect("", address_of(a, *ga), &id); });
    assert_int_equal(err, GraphError::connect_self);

    /* Eight joiners: seven are taken, the eighth is refused (BUSY). */
    std::vector<std::unique_ptr<Node>> nodes;
    std::vector<std::shared_ptr<Graph>> graphs;
    std::vector<std::shared_ptr<EventRegistration>> events;
    for (int i = 0; i < 8; ++i) {
        nodes.push_back(std::make_unique<Node>());
        /* Listening joiners, so that the busy node has referrals to give. */
        graphs.push_back(nodes.back()->create("busy", "joiner" + std::to_string(i)));
        events.push_back(nodes.back()->listen_events(*graphs.back(), {EventType::neighbor_connection}));
        Node &n = *nodes.back();
        n.loop->call([&] { err = graphs.back()->listen(0, 0, 0); });
        n.loop->call([&] { err = graphs.back()->connect("", address_of(a, *ga), &id); });
        auto e = wait_for(*events.back(), [](const GraphEvent &ev) { return ev.type == EventType::neighbor_connection; });
        assert_true(e.has_value());
        if (i < 7) {
            assert_int_equal(static_cast<int>(e->connection_status), static_cast<int>(ConnectionStatus::connected));
        } else {
            assert_int_equal(static_cast<int>(e->connection_status), static_cast<int>(ConnectionStatus::failed));
            assert_int_equal(static_cast<int>(e->failure), static_cast<int>(ConnectionFailure::refused));
            /* The refusal carried referrals: the next attempt is under way
             * and connects to one of alice's neighbors. */
            std::uint64_t next = e->next_connection_id;
            assert_true(next != 0);
            auto up = wait_for(*events.back(), [next](const GraphEvent &ev) {
                return ev.type == EventType::neighbor_connection && ev.connection_id == next;
            });
            assert_true(up.has_value());
            assert_int_equal(static_cast<int>(up->connection_status), static_cast<int>(ConnectionStatus::connected));
        }
    }
    std::size_t neighbors = 0;
    a.loop->call([&] { neighbors = ga->neighbor_count(); });
    assert_int_equal(neighbors, 7);
    for (std::size_t i = 0; i < graphs.size(); ++i) nodes[i]->close(graphs[i]);
    a.close(ga);
}

/* One link on a loop of its own over a socketpair: the link is the
 * responder, the test plays the initiator on the other end. */
struct LinkOnALoop : LinkHandler {
    std::unique_ptr<Loop> loop;
    std::thread thread;
    std::shared_ptr<Link> link;
    int peer = -1;
    std::atomic<bool> connected{false};

    LinkOnALoop()
    {
        std::string error;
        loop = Loop::create(&error);
        thread = std::thread([this] { loop->run(); });
        int sv[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        peer = sv[1];
        /* As accepted sockets are. */
        fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
        loop->call([&] {
            link = Link::accept(*loop, 1, sv[0], sockaddr_in6{}, this,
                                [this](Link &, const wire::AuthInfo &) -> LinkHandler * { return this; });
        });
        wire::AuthInfo auth;
        auth.connection_type = wire::ConnectionType::direct;
        auth.graph_id = "g";
        auth.source_peer_id = "alice";
        wire::Connect connect{}; /* {}: else GCC 14 warns friendly_name may be used uninitialized */
        connect.direct = true;
        connect.node_id = 7;
        std::vector<std::uint8_t> bytes;
        wire::append_frames(wire::encode(auth), wire::kDefaultFrameSize, &bytes);
        wire::append_frames(wire::encode(connect), wire::kDefaultFrameSize, &bytes);
        assert_int_equal(::send(peer, bytes.data(), bytes.size(), MSG_NOSIGNAL), bytes.size());
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!connected && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        assert_true(connected.load());
    }
    ~LinkOnALoop() override
    {
        stop();
        link.reset();
        if (peer >= 0) ::close(peer);
    }
    void stop()
    {
        if (!thread.joinable()) return;
        loop->stop();
        thread.join();
    }
    /* Queues megabytes of PT2PT the peer has not asked for, then DISCONNECT
     * behind them. */
    void queue_and_close(int megabytes)
    {
        loop->call([&] {
            wire::Pt2Pt data;
            data.payload.resize(1 << 20);
            for (int i = 0; i < megabytes; ++i) assert_true(link->send(data, true));
            link->close_with(wire::DisconnectReason::leaving);
        });
    }

    bool on_connect(Link &, const wire::Connect &, wire::Welcome *welcome, wire::Refuse *) override
    {
        welcome->peer_id = "bob";
        return true;
    }
    void on_connected(Link &) override { connected = true; }
    void on_closed(Link &, LinkEnd) override {}
    void on_message(Link &, wire::Message &&) override {}
    void on_data(Link &, const Guid &, std::shared_ptr<const std::vector<std::uint8_t>>, std::size_t) override {}
};

/* The peer's end sees EOF or a reset within timeout (what comes before is
 * read and dropped). */
bool sees_end(int fd, std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left < 0) return false;
        pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
        char buffer[65536];
        ssize_t n = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
    }
}

/* The last reference to a closed link may be dropped on any thread, even
 * after its loop is gone: a closed link holds nothing of the loop (its
 * timer included).  Under AddressSanitizer this caught the timer being
 * freed into an event base that no longer existed. */
void test_link_outlives_its_loop(void **)
{
    LinkOnALoop pair;
    pair.loop->call([&] { pair.link->abort(LinkEnd::dropped); });
    std::shared_ptr<Link> last = std::move(pair.link);
    pair.stop();
    pair.loop.reset();
    last.reset();
    assert_true(sees_end(pair.peer, std::chrono::milliseconds(1000)));
}

/* An open link whose last reference goes on another thread is freed on the
 * loop: its socket closes, nothing of it is left. */
void test_link_dropped_off_the_loop(void **)
{
    LinkOnALoop pair;
    std::weak_ptr<Link> weak = pair.link;
    pair.link.reset();
    assert_true(sees_end(pair.peer, std::chrono::milliseconds(3000)));
    assert_true(weak.expired());
}

/* Stopping the loop closes every socket: a link that cannot flush (the
 * peer reads nothing) gets the grace, then goes; the peer sees the end. */
void test_stop_closes_a_link_that_cannot_flush(void **)
{
    LinkOnALoop pair;
    pair.queue_and_close(8);
    auto start = std::chrono::steady_clock::now();
    pair.stop();
    auto took = std::chrono::steady_clock::now() - start;
    assert_true(took >= Loop::kStopGrace - std::chrono::milliseconds(50));
    assert_true(took < Loop::kStopGrace + std::chrono::seconds(1));
    assert_true(sees_end(pair.peer, std::chrono::milliseconds(2000)));
}

/* A peer that reads gets everything queued and the DISCONNECT before the
 * loop ends, and the stop does not wait for the grace. */
void test_stop_flushes_to_a_reading_peer(void **)
{
    LinkOnALoop pair;
    std::vector<wire::MessageType> got;
    std::size_t bytes = 0;
    bool ended = false;
    std::thread reader([&] {
        wire::StreamDecoder decoder;
        std::vector<std::uint8_t> buffer(1 << 16);
        for (;;) {
            pollfd p = {pair.peer, POLLIN, 0};
            if (poll(&p, 1, 5000) <= 0) return;
            ssize_t n = ::recv(pair.peer, buffer.data(), buffer.size(), 0);
            if (n <= 0) {
                ended = true;
                return;
            }
            bytes += static_cast<std::size_t>(n);
            decoder.push(buffer.data(), static_cast<std::size_t>(n));
            std::vector<std::uint8_t> message;
            while (decoder.next(&message)) {
                wire::Message decoded;
                if (wire::decode(message.data(), message.size(), &decoded) == wire::DecodeError::none)
                    got.push_back(wire::type_of(decoded));
            }
        }
    });
    pair.queue_and_close(8);
    auto start = std::chrono::steady_clock::now();
    pair.stop();
    auto took = std::chrono::steady_clock::now() - start;
    reader.join();
    assert_true(ended);
    assert_true(bytes > (8u << 20));
    assert_int_equal(got.size(), 1 + 8 + 1);
    assert_int_equal(static_cast<int>(got.front()), static_cast<int>(wire::MessageType::welcome));
    assert_int_equal(static_cast<int>(got.back()), static_cast<int>(wire::MessageType::disconnect));
    assert_true(took < Loop::kStopGrace);
}

/* A link nobody closed is closed at once when the loop stops. */
void test_stop_closes_open_links_at_once(void **)
{
    LinkOnALoop pair;
    std::size_t tracked = 0;
    pair.loop->call([&] { tracked = pair.loop->tracked_sockets(); });
    assert_int_equal(tracked, 1);
    auto start = std::chrono::steady_clock::now();
    pair.stop();
    assert_true(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(500));
    assert_int_equal(pair.loop->tracked_sockets(), 0);
    assert_true(pair.link->state() == Link::State::closed);
    assert_true(sees_end(pair.peer, std::chrono::milliseconds(1000)));
}

/* libevent's memory goes through these: what it frees is overwritten and
 * held back for a while, so that a use after free inside libevent (which
 * the sanitizers do not instrument) reads garbage and crashes instead of
 * passing by luck. */
std::mutex quarantine_lock;
std::deque<void *> quarantine;
constexpr std::size_t kQuarantined = 4096;

void *libevent_malloc(std::size_t size)
{
    return std::malloc(size);
}

void *libevent_realloc(void *p, std::size_t size)
{
    return std::realloc(p, size);
}

void libevent_free(void *p)
{
    if (!p) return;
    std::memset(p, 0xa5, malloc_usable_size(p));
    std::lock_guard<std::mutex> guard(quarantine_lock);
    quarantine.push_back(p);
    if (quarantine.size() > kQuarantined) {
        std::free(quarantine.front());
        quarantine.pop_front();
    }
}

} // namespace

int main(void)
{
    event_set_mem_functions(libevent_malloc, libevent_realloc, libevent_free);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_send_close),
        cmocka_unit_test(test_send_data_streams_in_order),
        cmocka_unit_test(test_refused_without_registration),
        cmocka_unit_test(test_nobody_listening_and_wrong_peer),
        cmocka_unit_test(test_graphs_share_a_port),
        cmocka_unit_test(test_graph_close_disconnects_peers),
        cmocka_unit_test(test_neighbors_sync_and_flood),
        cmocka_unit_test(test_peer_time_follows_the_graph),
        cmocka_unit_test(test_connect_self_and_busy),
        cmocka_unit_test(test_link_outlives_its_loop),
        cmocka_unit_test(test_link_dropped_off_the_loop),
        cmocka_unit_test(test_stop_closes_a_link_that_cannot_flush),
        cmocka_unit_test(test_stop_flushes_to_a_reading_peer),
        cmocka_unit_test(test_stop_closes_open_links_at_once),
    };
    int failed = cmocka_run_group_tests_name("link", tests, nullptr, nullptr);
    for (void *p : quarantine) std::free(p);
    quarantine.clear();
    return failed;
}
