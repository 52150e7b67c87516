/*
 * Unit tests: many engine graphs in one process forming a neighbor mesh over ::1
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

/* The fixture of the networked engine tests: nodes of one graph, each a
 * Graph with its own database, spread over a few loops (and a transport per
 * loop), as several graphs of one process are.  They join through the
 * protocol; the fixture reads what the nodes report (real links, records,
 * presence) and every wait is bounded.
 *
 * Failed checks go through MESH_CHECK, MESH_CHECK_EQUAL and MESH_LOG,
 * CMocka's by default; a program without CMocka defines all three before
 * including this header (e.g. to throw). */

#ifndef P2PG_TESTS_UNIT_MESH_FIXTURE_H
#define P2PG_TESTS_UNIT_MESH_FIXTURE_H

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <netinet/in.h>

#include "engine/graph.h"
#include "engine/loop.h"
#include "engine/transport.h"

#ifndef MESH_CHECK
#include "cmocka_cxx.h"
#define MESH_CHECK(condition) assert_true(condition)
#define MESH_CHECK_EQUAL(a, b) assert_int_equal(a, b)
#define MESH_LOG(...) print_error(__VA_ARGS__)
#endif

namespace p2pg::testing {

using Clock_ = std::chrono::steady_clock;

constexpr int kLanes = 3;
constexpr std::size_t kMaxNeighbors = Graph::kMaximumNeighbors;
constexpr auto kJoinTimeout = std::chrono::seconds(15);
constexpr auto kConvergeTimeout = std::chrono::seconds(20);

/* The seed of the random shapes; P2PG_MESH_SEED replays a failing run. */
inline unsigned seed()
{
    static unsigned value = [] {
        const char *text = std::getenv("P2PG_MESH_SEED");
        return text ? static_cast<unsigned>(std::strtoul(text, nullptr, 0)) : 20260101u;
    }();
    return value;
}

/* Polls pred every interval until it holds or timeout passes. */
template <typename Duration>
bool eventually(Duration timeout, const std::function<bool()> &pred,
                std::chrono::milliseconds interval = std::chrono::milliseconds(10))
{
    auto deadline = Clock_::now() + timeout;
    while (true) {
        if (pred()) return true;
        if (Clock_::now() >= deadline) return false;
        std::this_thread::sleep_for(interval);
    }
}

/* One loop thread with its transport: the graphs of several nodes run on it. */
struct Lane {
    std::unique_ptr<Loop> loop;
    std::thread thread;
    std::unique_ptr<Transport> transport;
    GraphEnvironment env;
};

struct Member {
    Lane *lane = nullptr;
    std::string peer_id;
    std::shared_ptr<Graph> graph;
    std::shared_ptr<EventRegistration> events;
    sockaddr_in6 address{};
    std::set<int> neighbors; /* as the test made them */
    bool open = false;
    bool failed = false; /* a connection attempt of it failed */
    bool synchronized = false; /* its synchronization ended (all record types) */
    Clock_::time_point connected_at{}; /* its last connect() */
    Clock_::time_point joined_at{}; /* wait_joined() saw it synchronized */
};

struct MeshOptions {
    int lanes = kLanes;
    /* The clock of every node (a ManualClock lets a test move peer time;
     * timers still run on real time).  Null: the system clock. */
    const Clock *clock = nullptr;
    /* Every node's storage quota; 0: the engine's default. */
    std::uint64_t storage_quota = 0;
    /* Where the databases go: mkdtemp(directory_prefix + "XXXXXX"). */
    std::string directory_prefix = "/tmp/p2pg-mesh-";
    /* Node i's peer id: the prefix and i with at least that many digits. */
    std::string peer_id_prefix = "peer-";
    int peer_id_digits = 3;
    Clock_::duration join_timeout = kJoinTimeout;
    Clock_::duration converge_timeout = kConvergeTimeout;
    /* How often wait_joined() looks at the joining nodes. */
    Clock_::duration poll_interval = std::chrono::milliseconds(2);
};

/* Neighbor links as the open nodes report them: node -> its neighbors. */
using Links = std::map<int, std::set<int>>;

/* A graph of many nodes, each a Graph with its own database, spread over
 * a few loops. */
class Mesh {
public:
    explicit Mesh(std::string graph_id, const MeshOptions &options = MeshOptions())
        : graph_id_(std::move(graph_id)), options_(options)
    {
        std::string tmpl = options.directory_prefix + "XXXXXX";
        MESH_CHECK(mkdtemp(tmpl.data()) != nullptr);
        dir_ = tmpl;
        for (int i = 0; i < options.lanes; ++i) {
            auto lane = std::make_unique<Lane>();
            std::string error;
            lane->loop = Loop::create(&error);
            Lane *l = lane.get();
            lane->thread = std::thread([l] { l->loop->run(); });
            l->loop->call([l] { l->transport = std::make_unique<Transport>(*l->loop); });
            l->env.loop = l->loop.get();
            l->env.transport = l->transport.get();
            l->env.data_directory = dir_;
            l->env.addresses.configured = {"::1"};
            if (options.clock) l->env.clock = options.clock;
            if (options.storage_quota) l->env.storage_quota = options.storage_quota;
            lanes_.push_back(std::move(lane));
        }
    }

    ~Mesh()
    {
        for (Member &m : members_)
            if (m.open) m.lane->loop->call([&] { m.graph->close(); });
        for (auto &lane : lanes_) {
            Lane *l = lane.get();
            l->loop->call([l] { l->transport.reset(); });
            l->loop->stop();
            l->thread.join();
        }
        members_.clear();
        lanes_.clear();
        std::string cmd = "rm -rf '" + dir_ + "'";
        if (std::system(cmd.c_str()) != 0) {
        }
    }

    std::size_t size() const { return members_.size(); }
    Member &operator[](int i) { return members_[i]; }
    const std::string &graph_id() const { return graph_id_; }
    /* The folder of every node's database. */
    const std::string &directory() const { return dir_; }
    std::size_t lanes() const { return lanes_.size(); }

    /* Runs fn(graph) on node i's loop. */
    void on(int i, const std::function<void(Graph &)> &fn)
    {
        Member &m = members_[i];
        m.lane->loop->call([&] { fn(*m.graph); });
    }

    /* Runs fn(i, graph) for every open node on its loop: one call per loop,
     * not per node (a fixture that looks at every node often must not cost
     * the loops a thousand wakeups a look). */
    void each(const std::function<void(int, Graph &)> &fn)
    {
        for (auto &lane : lanes_) {
            Lane *l = lane.get();
            l->loop->call([&] {
                for (std::size_t i = 0; i < members_.size(); ++i)
                    if (members_[i].open && members_[i].lane == l) fn(static_cast<int>(i), *members_[i].graph);
            });
        }
    }

    std::vector<int> open_nodes() const
    {
        std::vector<int> out;
        for (std::size_t i = 0; i < members_.size(); ++i)
            if (members_[i].open) out.push_back(i);
        return out;
    }

    /* Node 0: creates the graph and listens.  adjust may change the
     * properties first (e.g. the presence maximum); a graph that accept
     * turns down (e.g. for its random node id) is deleted and created
     * again, up to 1000 times. */
    int create_root(const std::function<void(GraphProperties &)> &adjust = nullptr,
                    const std::function<bool(const Graph &)> &accept = nullptr)
    {
        int i = new_member();
        Member &m = members_[i];
        GraphProperties p;
        p.graph_id = graph_id_;
        p.creator_id = m.peer_id;
        if (adjust) adjust(p);
        GraphError err = GraphError::io_error;
        for (int tries = 0; tries < 1000; ++tries) {
            bool accepted = true;
            m.lane->loop->call([&] {
                err = Graph::create(m.lane->env, p, "db", &m.graph);
                if (err != GraphError::ok || !accept || accept(*m.graph)) return;
                accepted = false;
                m.graph->close();
                m.graph.reset();
                err = Graph::remove(m.lane->env, graph_id_, m.peer_id, "db");
            });
            if (accepted || err != GraphError::ok) break;
        }
        MESH_CHECK_EQUAL(err, GraphError::ok);
        MESH_CHECK(m.graph != nullptr);
        m.open = true;
        watch(i);
        start_listening(i);
        return i;
    }

    /* A node that opens the graph without any data yet. */
    int add_member()
    {
        int i = new_member();
        open_member(i, true);
        return i;
    }

    /* PeerGraphOpen of a node whose database exists (it was here before). */
    void reopen(int i)
    {
        open_member(i, false);
    }

    void close(int i)
    {
        Member &m = members_[i];
        m.lane->loop->call([&] { m.graph->close(); });
        closed(i);
    }

    /* A node that dies rather than leaves: its links fail as a broken
     * network would make them (no DISCONNECT, no deletion of its presence
     * reaching anyone), then its graph closes within the same loop turn, so
     * whatever it started meanwhile never gets out. */
    void kill(int i)
    {
        Member &m = members_[i];
        m.lane->loop->call([&] {
            for (const ConnectionInfo &c : m.graph->connections(kConnectionNeighbor))
                m.graph->break_neighbor_link(c.connection_id);
            m.graph->close();
        });
        closed(i);
    }

    /* Node i's graph was closed (by close() or by the test itself). */
    void closed(int i)
    {
        Member &m = members_[i];
        m.open = false;
        for (int n : m.neighbors) members_[n].neighbors.erase(i);
        m.neighbors.clear();
    }

    /* The link between a and b fails (Graph::break_neighbor_link on a's
     * loop).  False when a has no connected link to b. */
    bool break_link(int a, int b)
    {
        bool broken = false;
        const std::string &peer = members_[b].peer_id;
        on(a, [&](Graph &g) {
            for (const ConnectionInfo &c : g.connections(kConnectionNeighbor))
                if (c.peer_id == peer) broken = g.break_neighbor_link(c.connection_id) || broken;
        });
        members_[a].neighbors.erase(b);
        members_[b].neighbors.erase(a);
        return broken;
    }

    std::uint64_t node_id(int i)
    {
        std::uint64_t id = 0;
        on(i, [&](Graph &g) { id = g.node_id(); });
        return id;
    }

    /* A registration of the test's own on node i; signal as
     * EventRegistration calls it (on node i's loop). */
    std::shared_ptr<EventRegistration> subscribe(int i, std::vector<EventFilter> filters,
                                                 std::function<void()> signal = nullptr)
    {
        auto registration = std::make_shared<EventRegistration>(std::move(filters), std::move(signal));
        on(i, [&](Graph &g) { g.add_registration(registration); });
        return registration;
    }

    /* Starts from's neighbor connection to to (no wait). */
    void connect(int from, int to)
    {
        Member &m = members_[from];
        GraphError err = GraphError::io_error;
        std::uint64_t id = 0;
        sockaddr_in6 target = members_[to].address;
        drain_events(from);
        m.failed = m.synchronized = false;
        m.connected_at = Clock_::now();
        m.lane->loop->call([&] { err = m.graph->connect("", target, &id); });
        /* Graph maintenance may have linked the two already. */
        if (err == GraphError::already_exists) m.synchronized = true;
        else MESH_CHECK_EQUAL(err, GraphError::ok);
        m.neighbors.insert(to);
        members_[to].neighbors.insert(from);
    }

    /* Waits until each of nodes has synchronized every record type (the
     * graph is ready() earlier, once it has the Graph Info record), then
     * lets it listen. */
    bool wait_joined(const std::vector<int> &nodes)
    {
        auto deadline = Clock_::now() + options_.join_timeout;
        std::vector<int> waiting = nodes;
        while (!waiting.empty() && Clock_::now() < deadline) {
            auto now = Clock_::now();
            for (auto it = waiting.begin(); it != waiting.end();) {
                Member &m = members_[*it];
                drain_events(*it);
                if (m.failed) {
                    MESH_LOG("node %d (%s): neighbor connection failed\n", *it, m.peer_id.c_str());
                    return false;
                }
                if (m.synchronized) {
                    m.joined_at = now;
                    start_listening(*it);
                    it = waiting.erase(it);
                } else {
                    ++it;
                }
            }
            if (!waiting.empty()) std::this_thread::sleep_for(options_.poll_interval);
        }
        for (int i : waiting) MESH_LOG("node %d (%s) did not synchronize\n", i, members_[i].peer_id.c_str());
        return waiting.empty();
    }

    /* Records the neighbors node i connected to by itself (following
     * referrals). */
    void adopt_neighbors(int i)
    {
        std::vector<ConnectionInfo> connections;
        on(i, [&](Graph &g) { connections = g.connections(kConnectionNeighbor); });
        for (const ConnectionInfo &c : connections)
            for (std::size_t j = 0; j < members_.size(); ++j)
                if (members_[j].open && members_[j].peer_id == c.peer_id) {
                    members_[i].neighbors.insert(j);
                    members_[j].neighbors.insert(i);
                }
    }

    void join(int from, int to)
    {
        connect(from, to);
        MESH_CHECK(wait_joined({from}));
    }

    /* The connected neighbor links of the open nodes, each node asked on
     * its loop.  A node with more than the maximum of neighbors is noted in
     * *problems and in degree_violations(). */
    Links links(std::string *problems = nullptr)
    {
        std::map<std::string, int> by_peer;
        for (std::size_t i = 0; i < members_.size(); ++i)
            if (members_[i].open) by_peer[members_[i].peer_id] = i;
        std::vector<std::vector<ConnectionInfo>> all(members_.size());
        each([&](int i, Graph &g) { all[i] = g.connections(kConnectionNeighbor); });
        Links out;
        for (auto &entry : by_peer) {
            const std::vector<ConnectionInfo> &connections = all[entry.second];
            if (connections.size() > Graph::kMaximumNeighbors) {
                std::string note = " node " + std::to_string(entry.second) + " has " +
                                   std::to_string(connections.size()) + ";";
                if (problems) *problems += note;
                degree_violations_ += note;
            }
            max_degree_seen_ = std::max(max_degree_seen_, connections.size());
            out[entry.second];
            for (const ConnectionInfo &c : connections)
                if (by_peer.count(c.peer_id)) out[entry.second].insert(by_peer[c.peer_id]);
        }
        return out;
    }

    /* The open nodes that the links reach from the first open node. */
    std::set<int> reached(const Links &links) const
    {
        std::set<int> out;
        std::vector<int> todo;
        if (!links.empty()) todo.push_back(links.begin()->first);
        while (!todo.empty()) {
            int i = todo.back();
            todo.pop_back();
            if (!out.insert(i).second) continue;
            auto it = links.find(i);
            if (it != links.end())
                for (int j : it->second) todo.push_back(j);
        }
        return out;
    }

    /* The open nodes form one connected graph over their real links;
     * *problems names the others. */
    bool connected(std::string *problems = nullptr)
    {
        Links l = links(problems);
        std::set<int> r = reached(l);
        bool all = true;
        for (auto &entry : l)
            if (!r.count(entry.first)) {
                all = false;
                if (problems) *problems += " node " + std::to_string(entry.first) + " unreachable;";
            }
        return all;
    }

    /* Every sample links() took where a node had more than the maximum of
     * neighbors (empty: none), and the most neighbors seen. */
    const std::string &degree_violations() const { return degree_violations_; }
    std::size_t max_degree_seen() const { return max_degree_seen_; }

    /* Waits until the open nodes form one connected graph with at most the
     * maximum of neighbors each, then takes the real links as the test's.
     * The links the test asked for are not all there is: graph maintenance
     * (MS-PPGRH 3.1.7.14) adds links of its own (a node with fewer than two
     * neighbors connects to another node it knows), and a full node refuses
     * a connection and refers it elsewhere. */
    bool wait_degrees()
    {
        auto deadline = Clock_::now() + options_.join_timeout;
        std::string last;
        while (Clock_::now() < deadline) {
            last.clear();
            Links l = links(&last);
            std::set<int> r = reached(l);
            for (auto &entry : l)
                if (!r.count(entry.first)) last += " node " + std::to_string(entry.first) + " unreachable;";
            if (last.empty()) {
                for (auto &entry : l) members_[entry.first].neighbors = entry.second;
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        MESH_LOG("neighbor links did not settle:%s\n", last.c_str());
        return false;
    }

    Record note(const std::string &text) const
    {
        Record r;
        r.type.bytes[0] = 0x6d;
        r.type.bytes[15] = 0x35;
        r.expiration_time = SystemClock::instance().now_utc() + 3600 * kTicksPerSecond;
        r.data.assign(text.begin(), text.end());
        return r;
    }

    Guid add(int i, const std::string &text)
    {
        Guid id;
        GraphError err = GraphError::io_error;
        Record r = note(text);
        on(i, [&](Graph &g) { err = g.add_record(r, &id); });
        MESH_CHECK_EQUAL(err, GraphError::ok);
        return id;
    }

    /* The update node i makes to record id, as PeerGraphUpdateRecord would
     * get it: same type, later expiration, new data. */
    Record change_of(const Guid &id, const std::string &text) const
    {
        Record r = note(text);
        r.id = id;
        r.expiration_time += kTicksPerSecond;
        return r;
    }

    void update(int i, const Guid &id, const std::string &text)
    {
        GraphError err = GraphError::io_error;
        Record r = change_of(id, text);
        on(i, [&](Graph &g) { err = g.update_record(r); });
        MESH_CHECK_EQUAL(err, GraphError::ok);
    }

    void remove(int i, const Guid &id)
    {
        GraphError err = GraphError::io_error;
        on(i, [&](Graph &g) { err = g.delete_record(id, false); });
        MESH_CHECK_EQUAL(err, GraphError::ok);
    }

    /* What the application sees on node i, in a canonical form. */
    std::string digest(int i, std::size_t *count = nullptr)
    {
        std::vector<Record> records;
        GraphError err = GraphError::io_error;
        on(i, [&](Graph &g) { err = g.enum_records(nullptr, nullptr, &records); });
        if (count) *count = records.size();
        if (err != GraphError::ok) return "error " + std::to_string(static_cast<int>(err));
        std::sort(records.begin(), records.end(), [](const Record &a, const Record &b) { return a.id < b.id; });
        std::string out;
        char buf[160];
        for (const Record &r : records) {
            std::snprintf(buf, sizeof(buf), " v%u f%x c%lld m%lld e%lld ", r.version, r.flags,
                          static_cast<long long>(r.creation_time), static_cast<long long>(r.modification_time),
                          static_cast<long long>(r.expiration_time));
            out += r.id.to_string() + r.type.to_string() + buf + r.creator_id + "/" + r.modified_by_id + " [";
            out.append(r.data.begin(), r.data.end());
            out += "] " + r.attributes + "\n";
        }
        return out;
    }

    /* Waits until every open node shows the same records, expected of them. */
    bool converged(std::size_t expected)
    {
        auto deadline = Clock_::now() + options_.converge_timeout;
        std::vector<std::size_t> counts(members_.size());
        std::vector<std::string> digests(members_.size());
        int reference = -1;
        while (true) {
            bool same = true;
            reference = -1;
            for (std::size_t i = 0; i < members_.size(); ++i) {
                if (!members_[i].open) continue;
                digests[i] = digest(i, &counts[i]);
                if (reference < 0) reference = i;
                same = same && counts[i] == expected && digests[i] == digests[reference];
            }
            if (same) return true;
            if (Clock_::now() >= deadline) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        MESH_LOG("no convergence on %zu records within %lld s (seed %u):\n", expected,
                 static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(options_.converge_timeout).count()),
                 seed());
        for (std::size_t i = 0; i < members_.size(); ++i) {
            if (!members_[i].open) continue;
            MESH_LOG("  node %zu (%s): %zu records%s\n", i, members_[i].peer_id.c_str(), counts[i],
                     digests[i] == digests[reference] ? "" : ", differs from the first node");
        }
        return false;
    }

    Record record_on(int i, const Guid &id, GraphError *err)
    {
        Record r;
        on(i, [&](Graph &g) { *err = g.get_record(id, &r); });
        return r;
    }

    /* A random tree: node i (1..n-1) joins a random earlier node that has
     * room for another neighbor.  Joins run in waves: every node whose
     * chosen node has synchronized connects at once. */
    std::vector<int> random_tree(std::size_t n, std::mt19937 &rng,
                                 const std::function<void()> &between_connects = nullptr)
    {
        std::vector<int> parent(n, -1);
        std::vector<std::size_t> planned(n, 0);
        for (std::size_t i = 1; i < n; ++i) {
            std::vector<int> candidates;
            for (std::size_t j = 0; j < i; ++j)
                if (planned[j] < kMaxNeighbors) candidates.push_back(j);
            parent[i] = candidates[std::uniform_int_distribution<std::size_t>(0, candidates.size() - 1)(rng)];
            ++planned[parent[i]];
            ++planned[i];
        }
        while (members_.size() < n) add_member();
        std::vector<bool> joined(n, false);
        joined[0] = true;
        std::size_t done = 1;
        while (done < n) {
            std::vector<int> wave;
            for (std::size_t i = 1; i < n; ++i)
                if (!joined[i] && joined[parent[i]]) wave.push_back(i);
            for (int i : wave) {
                connect(i, parent[i]);
                if (between_connects) between_connects();
            }
            MESH_CHECK(wait_joined(wave));
            for (int i : wave) joined[i] = true;
            done += wave.size();
        }
        return parent;
    }

    /* Extra links between random nodes that are not yet neighbors and have
     * room: cycles, so that floods reach nodes more than once. */
    void add_cycles(std::size_t links, std::mt19937 &rng)
    {
        std::uniform_int_distribution<std::size_t> pick(0, members_.size() - 1);
        /* Count the links graph maintenance made too. */
        for (std::size_t i = 0; i < members_.size(); ++i)
            if (members_[i].open) adopt_neighbors(i);
        for (std::size_t made = 0, tries = 0; made < links && tries < 1000; ++tries) {
            int a = pick(rng), b = pick(rng);
            if (a == b || members_[a].neighbors.count(b) || members_[a].neighbors.size() >= kMaxNeighbors ||
                members_[b].neighbors.size() >= kMaxNeighbors)
                continue;
            connect(a, b);
            ++made;
        }
        MESH_CHECK(wait_degrees());
    }

private:
    int new_member()
    {
        int i = members_.size();
        Member m;
        m.lane = lanes_[i % lanes_.size()].get();
        char number[32];
        std::snprintf(number, sizeof(number), "%0*d", options_.peer_id_digits, i);
        m.peer_id = options_.peer_id_prefix + number;
        members_.push_back(std::move(m));
        return i;
    }

    void open_member(int i, bool fresh)
    {
        Member &m = members_[i];
        bool created = false;
        GraphError err = GraphError::io_error;
        m.lane->loop->call([&] { err = Graph::open(m.lane->env, graph_id_, m.peer_id, "db", {}, &m.graph, &created); });
        MESH_CHECK_EQUAL(err, GraphError::ok);
        MESH_CHECK_EQUAL(created, fresh);
        m.open = true;
        m.failed = false;
        watch(i);
    }

    void watch(int i)
    {
        Member &m = members_[i];
        std::vector<EventFilter> filters = {{EventType::neighbor_connection, std::nullopt},
                                            {EventType::status_changed, std::nullopt}};
        m.events = std::make_shared<EventRegistration>(filters, nullptr);
        m.lane->loop->call([&] { m.graph->add_registration(m.events); });
    }

    void drain_events(int i)
    {
        Member &m = members_[i];
        while (auto e = m.events->pop()) {
            /* A refused attempt that goes on to a referral is not a failure yet. */
            if (e->type == EventType::neighbor_connection && e->connection_status == ConnectionStatus::failed &&
                !e->next_connection_id)
                m.failed = true;
            if (e->type == EventType::status_changed && (e->status & kStatusSynchronized)) m.synchronized = true;
        }
    }

    void start_listening(int i)
    {
        Member &m = members_[i];
        GraphError err = GraphError::io_error;
        std::vector<sockaddr_in6> addresses;
        m.lane->loop->call([&] {
            err = m.graph->listen(0, 0, 0);
            addresses = m.graph->listening_addresses();
        });
        MESH_CHECK_EQUAL(err, GraphError::ok);
        MESH_CHECK_EQUAL(addresses.size(), 1);
        m.address = addresses[0];
    }

    std::string graph_id_;
    MeshOptions options_;
    std::string dir_;
    std::vector<std::unique_ptr<Lane>> lanes_;
    std::vector<Member> members_;
    std::string degree_violations_;
    std::size_t max_degree_seen_ = 0;
};

} // namespace p2pg::testing

#endif
