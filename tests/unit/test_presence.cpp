/*
 * Unit tests: presence, the nodes of a graph as every node sees them
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

/* Engine graphs over ::1 (mesh_fixture.h): Presence records (MS-PPGRH
 * 3.1.7.4, 3.1.7.17), PeerGraphEnumNodes, PeerGraphGetNodeInfo,
 * PeerGraphSetNodeAttributes, PeerGraphSetPresence and NODE_CHANGED.
 * Every wait is bounded. */

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

/* The fixture includes the engine headers before cmocka.h, whose skip()
 * macro would rename ByteReader::skip. */
#include "engine/internal_records.h"
#include "mesh_fixture.h"
#include "cmocka_cxx.h"

using namespace p2pg;
using namespace p2pg::testing;

namespace {

constexpr auto kPresenceTimeout = std::chrono::seconds(15);
/* How long a test listens for events that must not come. */
constexpr auto kQuiet = std::chrono::milliseconds(500);

std::vector<Graph::NodeInfo> nodes_on(Mesh &mesh, int i, const std::string *peer_id = nullptr)
{
    std::vector<Graph::NodeInfo> nodes;
    GraphError err = GraphError::io_error;
    mesh.on(i, [&](Graph &g) { err = g.enum_nodes(peer_id, &nodes); });
    assert_int_equal(err, GraphError::ok);
    return nodes;
}

bool same_endpoint(const sockaddr_in6 &a, const sockaddr_in6 &b)
{
    return a.sin6_port == b.sin6_port && std::memcmp(&a.sin6_addr, &b.sin6_addr, 16) == 0;
}

/* NODE_CHANGED events of every node, collected as they come. */
class NodeEvents {
public:
    explicit NodeEvents(Mesh &mesh) : mesh_(mesh), seen_(mesh.size())
    {
        for (int i : mesh.open_nodes())
            registrations_[i] = mesh.subscribe(i, {{EventType::node_changed, std::nullopt}});
    }

    void collect()
    {
        for (auto &entry : registrations_)
            while (auto e = entry.second->pop()) seen_[entry.first].push_back(*e);
    }

    void clear()
    {
        collect();
        for (auto &events : seen_) events.clear();
    }

    /* node i's events about the node with that id. */
    std::vector<GraphEvent> about(int i, std::uint64_t node_id)
    {
        collect();
        std::vector<GraphEvent> out;
        for (const GraphEvent &e : seen_[i])
            if (e.node_id == node_id) out.push_back(e);
        return out;
    }

    const std::vector<GraphEvent> &all(int i)
    {
        collect();
        return seen_[i];
    }

    /* Waits until every node in nodes has seen change for node_id. */
    bool wait_for(const std::vector<int> &nodes, std::uint64_t node_id, NodeChange change)
    {
        return eventually(kPresenceTimeout, [&] {
            for (int i : nodes) {
                bool found = false;
                for (const GraphEvent &e : about(i, node_id)) found = found || e.node_change == change;
                if (!found) return false;
            }
            return true;
        });
    }

private:
    Mesh &mesh_;
    std::map<int, std::shared_ptr<EventRegistration>> registrations_;
    std::vector<std::vector<GraphEvent>> seen_;
};

/* Waits until every open node lists exactly count nodes. */
bool wait_node_count(Mesh &mesh, std::size_t count)
{
    bool ok = eventually(kPresenceTimeout, [&] {
        for (int i : mesh.open_nodes())
            if (nodes_on(mesh, i).size() != count) return false;
        return true;
    });
    if (!ok)
        for (int i : mesh.open_nodes())
            print_error("node %d lists %zu nodes, not %zu\n", i, nodes_on(mesh, i).size(), count);
    return ok;
}

/* A random tree of n with graph maintenance's links, every node listening. */
void build(Mesh &mesh, std::size_t n, unsigned salt)
{
    std::mt19937 rng(seed() + salt);
    mesh.random_tree(n, rng);
    assert_true(mesh.wait_degrees());
}

/* Every listening node publishes its presence (cPresenceMax is "all" by
 * default) and every node learns every other: PeerGraphEnumNodes lists
 * each node once, with its peer id, its node id and the address it listens
 * on (port included).  The peer id filter and GetNodeInfo agree. */
void test_presence_reaches_everyone(void **)
{
    Mesh mesh("presence-all");
    mesh.create_root();
    const std::size_t n = 10;
    build(mesh, n, 10);
    std::vector<std::uint64_t> ids(n);
    for (std::size_t i = 0; i < n; ++i) ids[i] = mesh.node_id(i);
    assert_true(std::set<std::uint64_t>(ids.begin(), ids.end()).size() == n);
    assert_true(wait_node_count(mesh, n));

    for (std::size_t i = 0; i < n; ++i) {
        std::vector<Graph::NodeInfo> nodes = nodes_on(mesh, i);
        std::set<std::size_t> listed;
        for (const Graph::NodeInfo &node : nodes) {
            auto at = std::find(ids.begin(), ids.end(), node.node_id);
            assert_true(at != ids.end());
            std::size_t j = at - ids.begin();
            assert_true(listed.insert(j).second);
            assert_string_equal(node.peer_id.c_str(), mesh[j].peer_id.c_str());
            assert_true(node.attributes.empty());
            assert_int_equal(node.addresses.size(), 1);
            assert_int_equal(node.addresses[0].sin6_family, AF_INET6);
            assert_true(node.addresses[0].sin6_port != 0);
            assert_true(same_endpoint(node.addresses[0], mesh[j].address));
        }
        assert_int_equal(listed.size(), n);
    }

    /* One peer's nodes, from a node far from it. */
    for (std::size_t j : {std::size_t(0), std::size_t(4), n - 1}) {
        std::vector<Graph::NodeInfo> nodes = nodes_on(mesh, (j + 5) % n, &mesh[j].peer_id);
        assert_int_equal(nodes.size(), 1);
        assert_true(nodes[0].node_id == ids[j]);
        assert_string_equal(nodes[0].peer_id.c_str(), mesh[j].peer_id.c_str());
    }
    const std::string stranger = "peer-999";
    assert_int_equal(nodes_on(mesh, 3, &stranger).size(), 0);

    /* GetNodeInfo: remote ids, 0 and our own id for ourselves, unknown ids. */
    for (std::size_t i : {std::size_t(1), n / 2}) {
        for (std::size_t j = 0; j < n; ++j) {
            Graph::NodeInfo info;
            GraphError err = GraphError::io_error;
            mesh.on(i, [&](Graph &g) { err = g.node_info(ids[j], &info); });
            assert_int_equal(err, GraphError::ok);
            assert_true(info.node_id == ids[j]);
            assert_string_equal(info.peer_id.c_str(), mesh[j].peer_id.c_str());
            assert_int_equal(info.addresses.size(), 1);
            assert_true(same_endpoint(info.addresses[0], mesh[j].address));
        }
        Graph::NodeInfo self;
        GraphError err = GraphError::io_error;
        mesh.on(i, [&](Graph &g) { err = g.node_info(0, &self); });
        assert_int_equal(err, GraphError::ok);
        assert_true(self.node_id == ids[i]);
        assert_string_equal(self.peer_id.c_str(), mesh[i].peer_id.c_str());
        assert_int_equal(self.addresses.size(), 1);
        assert_true(same_endpoint(self.addresses[0], mesh[i].address));

        std::uint64_t unknown = 0x0123456789abcdefull;
        while (std::find(ids.begin(), ids.end(), unknown) != ids.end()) ++unknown;
        Graph::NodeInfo none;
        mesh.on(i, [&](Graph &g) { err = g.node_info(unknown, &none); });
        assert_int_equal(err, GraphError::node_not_found);
    }
}

/* PeerGraphSetNodeAttributes goes out in the node's Presence record: the
 * others raise NODE_CHANGED (updated) and list the new attributes;
 * clearing them is an update too.  Limits: at most kMaxNodeAttributeChars
 * UTF-16 characters, valid UTF-8. */
void test_node_attributes(void **)
{
    Mesh mesh("presence-attributes");
    mesh.create_root();
    const std::size_t n = 7;
    build(mesh, n, 20);
    assert_true(wait_node_count(mesh, n));
    NodeEvents events(mesh);
    events.clear();

    const int k = 5;
    const std::uint64_t id = mesh.node_id(k);
    std::vector<int> others;
    for (std::size_t i = 0; i < n; ++i)
        if (int(i) != k) others.push_back(i);
    const std::string text = "colour=blue; \xe2\x82\xac";
    GraphError err = GraphError::io_error;
    mesh.on(k, [&](Graph &g) { err = g.set_node_attributes(text); });
    assert_int_equal(err, GraphError::ok);
    assert_true(events.wait_for(others, id, NodeChange::updated));
    for (int i : others) {
        std::vector<GraphEvent> about = events.about(i, id);
        assert_int_equal(about.size(), 1);
        assert_string_equal(about[0].peer_id.c_str(), mesh[k].peer_id.c_str());
        Graph::NodeInfo info;
        mesh.on(i, [&](Graph &g) { err = g.node_info(id, &info); });
        assert_int_equal(err, GraphError::ok);
        assert_string_equal(info.attributes.c_str(), text.c_str());
        assert_true(same_endpoint(info.addresses.at(0), mesh[k].address));
    }
    Graph::NodeInfo self;
    mesh.on(k, [&](Graph &g) { err = g.node_info(0, &self); });
    assert_string_equal(self.attributes.c_str(), text.c_str());
    /* Nobody else changed. */
    std::this_thread::sleep_for(kQuiet);
    for (int i : others)
        for (const GraphEvent &e : events.all(i)) assert_true(e.node_id == id);

    /* Cleared. */
    events.clear();
    mesh.on(k, [&](Graph &g) { err = g.set_node_attributes(""); });
    assert_int_equal(err, GraphError::ok);
    assert_true(events.wait_for(others, id, NodeChange::updated));
    for (int i : others) {
        Graph::NodeInfo info;
        mesh.on(i, [&](Graph &g) { err = g.node_info(id, &info); });
        assert_true(info.attributes.empty());
    }

    /* The longest allowed string travels; one character more, or text that
     * is not UTF-8, is refused and changes nothing. */
    events.clear();
    std::string longest(kMaxNodeAttributeChars, 'z');
    mesh.on(k, [&](Graph &g) { err = g.set_node_attributes(longest); });
    assert_int_equal(err, GraphError::ok);
    assert_true(events.wait_for(others, id, NodeChange::updated));
    Graph::NodeInfo far;
    mesh.on(others.back(), [&](Graph &g) { err = g.node_info(id, &far); });
    assert_true(far.attributes == longest);
    events.clear();
    for (const std::string &bad : {std::string(kMaxNodeAttributeChars + 1, 'z'), std::string("\xff\xfe")}) {
        mesh.on(k, [&](Graph &g) { err = g.set_node_attributes(bad); });
        assert_int_equal(err, GraphError::invalid_argument);
    }
    std::this_thread::sleep_for(kQuiet);
    for (int i : others) assert_int_equal(events.all(i).size(), 0);
    mesh.on(k, [&](Graph &g) { err = g.node_info(0, &self); });
    assert_true(self.attributes == longest);
}

/* A node that closes its graph deletes its presence (MS-PPGRH 3.1.4.12):
 * the others raise NODE_CHANGED (disconnected) and stop listing it. */
void test_close_removes_node(void **)
{
    Mesh mesh("presence-close");
    mesh.create_root();
    const std::size_t n = 8;
    build(mesh, n, 30);
    assert_true(wait_node_count(mesh, n));
    NodeEvents events(mesh);
    events.clear();

    const int k = 3;
    const std::uint64_t id = mesh.node_id(k);
    mesh.close(k);
    std::vector<int> others = mesh.open_nodes();
    assert_true(events.wait_for(others, id, NodeChange::disconnected));
    assert_true(wait_node_count(mesh, n - 1));
    for (int i : others) {
        for (const Graph::NodeInfo &node : nodes_on(mesh, i)) assert_true(node.node_id != id);
        Graph::NodeInfo info;
        GraphError err = GraphError::io_error;
        mesh.on(i, [&](Graph &g) { err = g.node_info(id, &info); });
        assert_int_equal(err, GraphError::node_not_found);
    }
    /* One event each, about that node only. */
    std::this_thread::sleep_for(kQuiet);
    for (int i : others) {
        const std::vector<GraphEvent> &all = events.all(i);
        assert_int_equal(all.size(), 1);
        assert_true(all[0].node_id == id);
        assert_int_equal(all[0].node_change, NodeChange::disconnected);
        assert_string_equal(all[0].peer_id.c_str(), mesh[k].peer_id.c_str());
    }
}

/* The local node is a member from Create/Open on: no NODE_CHANGED
 * CONNECTED or DISCONNECTED is ever about it, and what changes of it (its
 * attributes, its addresses once it listens) comes as UPDATED with node id
 * 0, the id PeerGraphGetNodeInfo takes for it (the SDK's GraphChat sample
 * relies on both).  A node that never synchronized takes attributes and a
 * presence wish too (neither page lists PEER_E_GRAPH_NOT_READY); its
 * presence carries them once it listens. */
void test_local_node_events(void **)
{
    Mesh mesh("presence-local");
    const int root = mesh.create_root();
    const int k = mesh.add_member();
    auto own = mesh.subscribe(k, {{EventType::node_changed, std::nullopt}});
    auto root_events = mesh.subscribe(root, {{EventType::node_changed, std::nullopt}});
    const std::string text = "before=sync";
    GraphError err = GraphError::io_error;
    mesh.on(k, [&](Graph &g) { err = g.set_node_attributes(text); });
    assert_int_equal(err, GraphError::ok);
    mesh.on(k, [&](Graph &g) { err = g.set_presence(false); });
    assert_int_equal(err, GraphError::ok);
    mesh.join(k, root);
    assert_true(wait_node_count(mesh, 2));
    const std::uint64_t id = mesh.node_id(k), root_id = mesh.node_id(root);

    Graph::NodeInfo seen;
    mesh.on(root, [&](Graph &g) { err = g.node_info(id, &seen); });
    assert_int_equal(err, GraphError::ok);
    assert_string_equal(seen.attributes.c_str(), text.c_str());

    std::this_thread::sleep_for(kQuiet);
    std::size_t local = 0, about_root = 0;
    while (auto e = own->pop()) {
        assert_true(e->node_id != id);
        if (e->node_id == 0) {
            assert_int_equal(e->node_change, NodeChange::updated);
            assert_string_equal(e->peer_id.c_str(), mesh[k].peer_id.c_str());
            ++local;
        } else {
            assert_true(e->node_id == root_id);
            assert_int_equal(e->node_change, NodeChange::connected);
            ++about_root;
        }
    }
    /* The attributes, then the addresses Listen gave it. */
    assert_int_equal(local, 2);
    assert_int_equal(about_root, 1);
    std::size_t about_k = 0;
    while (auto e = root_events->pop()) {
        assert_true(e->node_id == id);
        assert_int_equal(e->node_change, NodeChange::connected);
        ++about_k;
    }
    assert_int_equal(about_k, 1);

    /* A change is news on both sides; setting the same attributes is none. */
    mesh.on(k, [&](Graph &g) { err = g.set_node_attributes("after"); });
    assert_int_equal(err, GraphError::ok);
    auto e = own->pop();
    assert_true(e && e->node_id == 0 && e->node_change == NodeChange::updated);
    assert_true(eventually(kPresenceTimeout, [&] {
        auto r = root_events->pop();
        return r && r->node_id == id && r->node_change == NodeChange::updated;
    }));
    mesh.on(k, [&](Graph &g) { err = g.set_node_attributes("after"); });
    assert_int_equal(err, GraphError::ok);
    std::this_thread::sleep_for(kQuiet);
    assert_false(own->pop().has_value());
    assert_false(root_events->pop().has_value());
}

/* cPresenceMax 0: nobody publishes a presence by listening, until the
 * application forces it with PeerGraphSetPresence(TRUE). */
void test_presence_max_zero(void **)
{
    Mesh mesh("presence-none");
    mesh.create_root([](GraphProperties &p) { p.presence_max = 0; });
    const std::size_t n = 6;
    build(mesh, n, 40);
    NodeEvents events(mesh);
    std::this_thread::sleep_for(kQuiet);
    for (std::size_t i = 0; i < n; ++i) {
        GraphProperties p;
        GraphError err = GraphError::io_error;
        mesh.on(i, [&](Graph &g) { err = g.properties(&p); });
        assert_int_equal(err, GraphError::ok);
        assert_int_equal(p.presence_max, 0);
        assert_int_equal(nodes_on(mesh, i).size(), 0);
        assert_int_equal(events.all(i).size(), 0);
        /* GetNodeInfo of the node itself needs no presence. */
        Graph::NodeInfo self;
        mesh.on(i, [&](Graph &g) { err = g.node_info(0, &self); });
        assert_int_equal(err, GraphError::ok);
        assert_true(same_endpoint(self.addresses.at(0), mesh[i].address));
    }

    const int k = 4;
    const std::uint64_t id = mesh.node_id(k);
    GraphError err = GraphError::io_error;
    mesh.on(k, [&](Graph &g) { err = g.set_presence(true); });
    assert_int_equal(err, GraphError::ok);
    std::vector<int> others;
    for (std::size_t i = 0; i < n; ++i)
        if (int(i) != k) others.push_back(i);
    assert_true(events.wait_for(others, id, NodeChange::connected));
    assert_true(wait_node_count(mesh, 1));
    for (std::size_t i = 0; i < n; ++i) {
        std::vector<Graph::NodeInfo> nodes = nodes_on(mesh, i);
        assert_true(nodes.at(0).node_id == id);
        assert_true(same_endpoint(nodes.at(0).addresses.at(0), mesh[k].address));
    }

    /* A second node. */
    mesh.on(1, [&](Graph &g) { err = g.set_presence(true); });
    assert_int_equal(err, GraphError::ok);
    assert_true(wait_node_count(mesh, 2));
}

/* Nodes of a graph whose clocks all follow clock. */
void build_on_clock(Mesh &mesh, std::size_t n, unsigned salt)
{
    mesh.create_root();
    build(mesh, n, salt);
    assert_true(wait_node_count(mesh, n));
}

/* Autorefresh (MS-PPGRH 3.1.7.22) renews each node's presence before it
 * expires: a refresh changes version and times but nothing a node says of
 * itself, so no NODE_CHANGED anywhere, and the nodes stay listed past the
 * first lifetime.  A ManualClock moves peer time; the test runs what the
 * timers would (they run on real time). */
void test_autorefresh_is_silent(void **)
{
    ManualClock clock(SystemClock::instance().now_utc());
    MeshOptions options;
    options.clock = &clock;
    Mesh mesh("presence-refresh", options);
    const std::size_t n = 6;
    build_on_clock(mesh, n, 50);
    NodeEvents events(mesh);
    events.clear();

    const FileTime lifetime = FileTime(kDefaultPresenceLifetime) * kTicksPerSecond;
    /* Into the last 20 s of every presence's life: each node refreshes. */
    clock.advance(lifetime - 15 * kTicksPerSecond);
    for (std::size_t i = 0; i < n; ++i) mesh.on(i, [](Graph &g) { g.process_autorefresh(); });
    /* Past where the first records would have expired. */
    clock.advance(30 * kTicksPerSecond);
    std::this_thread::sleep_for(kQuiet);
    for (std::size_t i = 0; i < n; ++i) mesh.on(i, [](Graph &g) { g.process_expirations(); });
    std::this_thread::sleep_for(kQuiet);
    for (std::size_t i = 0; i < n; ++i) {
        for (const GraphEvent &e : events.all(i))
            print_error("node %zu: NODE_CHANGED %u for node %#llx\n", i, static_cast<unsigned>(e.node_change),
                        static_cast<unsigned long long>(e.node_id));
        assert_int_equal(events.all(i).size(), 0);
        assert_int_equal(nodes_on(mesh, i).size(), n);
    }
}

/* Peer time passes every presence's expiration before any node's timers
 * ran (a suspended machine, a clock step, a late timer).  The first node
 * to notice drops the others' presences (NODE_CHANGED disconnected, MS-PPGRH
 * 3.1.7.20) and publishes its own again; the others, on hearing of it, do
 * the same once each.  Nobody may end up with several live presences, nor
 * raise more than one "connected" per node.  The verdict waits until the
 * mesh is gone: a failed check must not leave its loops running. */
void test_overdue_presence_republished_once(void **)
{
    std::string failure;
    {
        ManualClock clock(SystemClock::instance().now_utc());
        MeshOptions options;
        options.clock = &clock;
        /* One loop: the expiration passes below run for all nodes at once. */
        options.lanes = 1;
        Mesh mesh("presence-overdue", options);
        const std::size_t n = 6;
        build_on_clock(mesh, n, 60);
        std::vector<std::uint64_t> ids;
        for (std::size_t i = 0; i < n; ++i) ids.push_back(mesh.node_id(i));
        NodeEvents events(mesh);
        events.clear();

        clock.advance(FileTime(kDefaultPresenceLifetime + 1) * kTicksPerSecond);
        mesh.on(0, [](Graph &g) { g.process_expirations(); });
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        /* What the other nodes' expiration timers would do by now. */
        mesh[0].lane->loop->call([&] {
            for (std::size_t i = 1; i < n; ++i) mesh[i].graph->process_expirations();
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        char buf[160];
        for (std::size_t j = 1; j < n; ++j) {
            std::vector<GraphEvent> about = events.about(0, ids[j]);
            std::size_t connected = 0;
            for (const GraphEvent &e : about) connected += e.node_change == NodeChange::connected;
            if (about.empty() || about[0].node_change != NodeChange::disconnected || connected > 1) {
                std::snprintf(buf, sizeof(buf), " node 0 raised %zu NODE_CHANGED for node %zu, %zu of them connected;",
                              about.size(), j, connected);
                failure += buf;
            }
        }
        for (std::size_t i = 0; i < n; ++i) {
            std::map<std::uint64_t, int> listed;
            for (const Graph::NodeInfo &node : nodes_on(mesh, i)) ++listed[node.node_id];
            for (auto &entry : listed)
                if (entry.second > 1) {
                    std::snprintf(buf, sizeof(buf), " node %zu lists node %#llx %d times;", i,
                                  static_cast<unsigned long long>(entry.first), entry.second);
                    failure += buf;
                }
        }
    }
    if (!failure.empty()) fail_msg("%s", failure.c_str());
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presence_reaches_everyone),
        cmocka_unit_test(test_node_attributes),
        cmocka_unit_test(test_close_removes_node),
        cmocka_unit_test(test_local_node_events),
        cmocka_unit_test(test_presence_max_zero),
        cmocka_unit_test(test_autorefresh_is_silent),
        cmocka_unit_test(test_overdue_presence_republished_once),
    };
    return cmocka_run_group_tests_name("presence", tests, nullptr, nullptr);
}
