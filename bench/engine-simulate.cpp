/*
 * bench/engine-simulate: many engine nodes in one process form a graph over
 * ::1 and flood records; measures joining, convergence and traffic.
 *
 * Copyright 2026 the p2pgraph-wine authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * usage: engine-simulate [--records K] [--size BYTES] [--loops L] [--seed S]
 *                        [--extra E] [--timeout SECONDS] N...
 *
 * For each N: N graphs (one creator, N-1 that open it without data) spread
 * over L loops, each graph with its own database.  The nodes join a random
 * tree through the protocol: node i connects to a random earlier node that
 * has room for another neighbor; joins run in waves (every node whose
 * chosen node has finished synchronizing connects at once).  --extra E then
 * adds E links between random non-neighbors (cycles: a mesh).  Then K
 * records of BYTES bytes are added, one after the other, on random nodes,
 * and the program waits until every node has raised RECORD_CHANGED (added)
 * for every record, and checks that every node shows the same records.
 *
 * Columns:
 *   nodes, links      N and the neighbor links in the end
 *   waves             rounds of simultaneous joins (the tree's depth)
 *   join s            first connect to the last node synchronized
 *   join p50/max ms   one node's connect to its final SYNC_END
 *   add s             the K AddRecord calls
 *   conv ms           last AddRecord returned -> every node has every record
 *   rec p50/max ms    one record's AddRecord -> the last node has it
 *   FLOOD/rec         FLOODs sent per record: the origin sends one to each
 *                     neighbor, every other node one to each neighbor but
 *                     the one it came from (sum of degrees - (N-1)); each
 *                     is answered by an ACK.  Computed, not counted: the
 *                     engine has no message counter.
 *   wire B/rec        those FLOODs and ACKs in bytes (frames as encoded)
 *   lo B/rec, pkt/rec loopback traffic measured while flooding (IP and TCP
 *                     headers and TCP ACKs included; meaningful only in a
 *                     network namespace of our own, as bench/run-simulate
 *                     makes)
 *   same              every node shows identical records (ids, versions, data)
 *
 * Exit code 0 when every run converged within the timeout.
 */

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include "engine/graph.h"
#include "engine/loop.h"
#include "engine/transport.h"
#include "engine/wire.h"

using namespace p2pg;

namespace {

using Steady = std::chrono::steady_clock;

double ms_between(Steady::time_point a, Steady::time_point b)
{
    return std::chrono::duration<double, std::milli>(b - a).count();
}

struct Options {
    std::size_t records = 100;
    std::size_t size = 100;
    std::size_t loops = 2;
    unsigned seed = 1;
    std::size_t extra = 0;
    double timeout = 60;
    std::vector<std::size_t> sizes;
};

struct Lane {
    std::unique_ptr<Loop> loop;
    std::thread thread;
    std::unique_ptr<Transport> transport;
    GraphEnvironment env;
};

struct Node {
    Lane *lane = nullptr;
    std::string peer_id;
    std::shared_ptr<Graph> graph;
    std::shared_ptr<EventRegistration> events;
    sockaddr_in6 address{};
    std::set<std::size_t> neighbors;
    bool synchronized = false;
    bool failed = false;
    std::size_t records_seen = 0;
};

struct Result {
    std::size_t nodes = 0, links = 0, waves = 0;
    double join_s = 0, join_p50 = 0, join_max = 0;
    double add_s = 0, conv_ms = 0, rec_p50 = 0, rec_max = 0;
    double floods_per_record = 0, wire_per_record = 0, lo_bytes = 0, lo_packets = 0;
    bool same = false;
    bool ok = false;
    std::string error;
};

/* Loopback transmit counters of this process's network namespace
 * (/sys/class/net would show the namespace sysfs was mounted in). */
bool read_lo(unsigned long long *bytes, unsigned long long *packets)
{
    std::ifstream in("/proc/self/net/dev");
    std::string line;
    while (std::getline(in, line)) {
        std::size_t colon = line.find(':');
        if (colon == std::string::npos || line.substr(0, colon).find("lo") == std::string::npos ||
            line.substr(0, colon).find_first_not_of(" lo") != std::string::npos)
            continue;
        unsigned long long v[10];
        if (std::sscanf(line.c_str() + colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                        &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]) != 10)
            return false;
        *bytes = v[8];
        *packets = v[9];
        return true;
    }
    return false;
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    std::size_t i = static_cast<std::size_t>(p * (v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

class Simulation {
public:
    Simulation(const Options &options, std::size_t n) : options_(options), n_(n), rng_(options.seed + n)
    {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        std::string tmpl = std::string(base) + "/p2pg-simulate-XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
        dir_ = buf.data();
        for (std::size_t i = 0; i < options.loops; ++i) {
            auto lane = std::make_unique<Lane>();
            std::string error;
            lane->loop = Loop::create(&error);
            if (!lane->loop) throw std::runtime_error("loop: " + error);
            Lane *l = lane.get();
            l->thread = std::thread([l] { l->loop->run(); });
            l->loop->call([l] { l->transport = std::make_unique<Transport>(*l->loop); });
            l->env.loop = l->loop.get();
            l->env.transport = l->transport.get();
            l->env.data_directory = dir_;
            l->env.addresses.configured = {"::1"};
            lanes_.push_back(std::move(lane));
        }
        deadline_ = Steady::now() + std::chrono::duration_cast<Steady::duration>(
                                        std::chrono::duration<double>(options.timeout));
    }

    ~Simulation()
    {
        for (Node &node : nodes_)
            if (node.graph) node.lane->loop->call([&] { node.graph->close(); });
        for (auto &lane : lanes_) {
            Lane *l = lane.get();
            l->loop->call([l] { l->transport.reset(); });
            l->loop->stop();
            l->thread.join();
        }
        nodes_.clear();
        lanes_.clear();
        std::string cmd = "rm -rf '" + dir_ + "'";
        if (std::system(cmd.c_str()) != 0) {
        }
    }

    Result run()
    {
        Result result;
        result.nodes = n_;
        if (!make_nodes(&result.error) || !join_tree(&result) || !add_links(&result.error)) return result;
        for (const Node &node : nodes_) result.links += node.neighbors.size();
        result.links /= 2;
        if (!flood_records(&result)) return result;
        result.same = same_everywhere();
        result.ok = result.same;
        if (!result.same) result.error = "nodes differ";
        return result;
    }

private:
    bool late() const { return Steady::now() >= deadline_; }

    void on(std::size_t i, const std::function<void(Graph &)> &fn)
    {
        Node &node = nodes_[i];
        node.lane->loop->call([&] { fn(*node.graph); });
    }

    bool make_nodes(std::string *error)
    {
        nodes_.resize(n_);
        std::vector<EventFilter> filters = {{EventType::neighbor_connection, std::nullopt},
                                            {EventType::status_changed, std::nullopt},
                                            {EventType::record_changed, std::nullopt}};
        for (std::size_t i = 0; i < n_; ++i) {
            Node &node = nodes_[i];
            node.lane = lanes_[i % lanes_.size()].get();
            char name[32];
            std::snprintf(name, sizeof(name), "sim-%05zu", i);
            node.peer_id = name;
            GraphError err = GraphError::io_error;
            node.lane->loop->call([&] {
                if (i == 0) {
                    GraphProperties p;
                    p.graph_id = "simulation";
                    p.creator_id = node.peer_id;
                    err = Graph::create(node.lane->env, p, "db", &node.graph);
                } else {
                    bool created = false;
                    err = Graph::open(node.lane->env, "simulation", node.peer_id, "db", {}, &node.graph, &created);
                }
                if (err == GraphError::ok) {
                    node.events = std::make_shared<EventRegistration>(filters, nullptr);
                    node.graph->add_registration(node.events);
                }
            });
            if (err != GraphError::ok) {
                *error = "cannot make node " + std::to_string(i) + ": error " + std::to_string(static_cast<int>(err));
                return false;
            }
        }
        return start_listening(0, error);
    }

    bool start_listening(std::size_t i, std::string *error)
    {
        GraphError err = GraphError::io_error;
        std::vector<sockaddr_in6> addresses;
        on(i, [&](Graph &g) {
            err = g.listen(0, 0, 0);
            addresses = g.listening_addresses();
        });
        if (err != GraphError::ok || addresses.empty()) {
            *error = "node " + std::to_string(i) + " cannot listen";
            return false;
        }
        nodes_[i].address = addresses[0];
        return true;
    }

    bool connect(std::size_t from, std::size_t to, std::string *error)
    {
        GraphError err = GraphError::io_error;
        std::uint64_t id = 0;
        sockaddr_in6 target = nodes_[to].address;
        on(from, [&](Graph &g) { err = g.connect("", target, &id); });
        /* Graph maintenance may have linked the two already. */
        if (err != GraphError::ok && err != GraphError::already_exists) {
            *error = "connect " + std::to_string(from) + " -> " + std::to_string(to) + ": error " +
                     std::to_string(static_cast<int>(err));
            return false;
        }
        nodes_[from].neighbors.insert(to);
        nodes_[to].neighbors.insert(from);
        return true;
    }

    /* Reads the events of node i (any thread may pop). */
    void poll(std::size_t i, Steady::time_point now)
    {
        Node &node = nodes_[i];
        while (auto e = node.events->pop()) {
            switch (e->type) {
            case EventType::status_changed:
                if (e->status & kStatusSynchronized) node.synchronized = true;
                break;
            case EventType::neighbor_connection:
                if (e->connection_status == ConnectionStatus::failed && !e->next_connection_id) node.failed = true;
                break;
            case EventType::record_changed:
                if (e->change == RecordChange::added) {
                    ++node.records_seen;
                    auto it = record_index_.find(e->record_id);
                    if (it != record_index_.end() && ++holders_[it->second] == n_) record_done_[it->second] = now;
                }
                break;
            default:
                break;
            }
        }
    }

    bool join_tree(Result *result)
    {
        std::vector<std::size_t> parent(n_, 0), planned(n_, 0);
        for (std::size_t i = 1; i < n_; ++i) {
            std::vector<std::size_t> room;
            for (std::size_t j = 0; j < i; ++j)
                if (planned[j] < Graph::kMaximumNeighbors) room.push_back(j);
            parent[i] = room[std::uniform_int_distribution<std::size_t>(0, room.size() - 1)(rng_)];
            ++planned[parent[i]];
            ++planned[i];
        }
        std::vector<bool> joined(n_, false);
        joined[0] = true;
        std::vector<double> latencies;
        auto start = Steady::now();
        std::size_t done = 1;
        while (done < n_) {
            std::vector<std::size_t> wave;
            for (std::size_t i = 1; i < n_; ++i)
                if (!joined[i] && joined[parent[i]]) wave.push_back(i);
            std::map<std::size_t, Steady::time_point> started;
            for (std::size_t i : wave) {
                started[i] = Steady::now();
                if (!connect(i, parent[i], &result->error)) return false;
            }
            ++result->waves;
            while (!started.empty()) {
                if (late()) {
                    result->error = std::to_string(started.size()) + " nodes did not synchronize in time";
                    return false;
                }
                auto now = Steady::now();
                for (auto it = started.begin(); it != started.end();) {
                    poll(it->first, now);
                    Node &node = nodes_[it->first];
                    if (node.failed) {
                        result->error = "node " + std::to_string(it->first) + ": connection failed";
                        return false;
                    }
                    if (!node.synchronized) {
                        ++it;
                        continue;
                    }
                    latencies.push_back(ms_between(it->second, now));
                    if (!start_listening(it->first, &result->error)) return false;
                    joined[it->first] = true;
                    ++done;
                    it = started.erase(it);
                }
                std::this_thread::sleep_for(std::chrono::microseconds(200));
            }
        }
        result->join_s = ms_between(start, Steady::now()) / 1000;
        result->join_p50 = percentile(latencies, 0.5);
        result->join_max = percentile(latencies, 1.0);
        return true;
    }

    /* The links as they are: graph maintenance (MS-PPGRH 3.1.7.14) adds
     * its own (a node with fewer than two neighbors connects to another),
     * and a full node refers a connection elsewhere. */
    void take_real_links()
    {
        std::map<std::string, std::size_t> by_peer;
        for (std::size_t i = 0; i < n_; ++i) by_peer[nodes_[i].peer_id] = i;
        for (std::size_t i = 0; i < n_; ++i) {
            std::vector<ConnectionInfo> connections;
            on(i, [&](Graph &g) { connections = g.connections(kConnectionNeighbor); });
            nodes_[i].neighbors.clear();
            for (const ConnectionInfo &c : connections)
                if (by_peer.count(c.peer_id)) nodes_[i].neighbors.insert(by_peer[c.peer_id]);
        }
    }

    bool add_links(std::string *error)
    {
        std::uniform_int_distribution<std::size_t> pick(0, n_ - 1);
        take_real_links();
        for (std::size_t made = 0, tries = 0; made < options_.extra && tries < 100 * options_.extra + 100; ++tries) {
            std::size_t a = pick(rng_), b = pick(rng_);
            if (a == b || nodes_[a].neighbors.count(b) || nodes_[a].neighbors.size() >= Graph::kMaximumNeighbors ||
                nodes_[b].neighbors.size() >= Graph::kMaximumNeighbors)
                continue;
            if (!connect(a, b, error)) return false;
            ++made;
        }
        /* The FLOOD count below needs the degrees: wait until no node has a
         * connection under way and the degrees held still for 200 ms, then
         * take the links that are there. */
        std::vector<std::size_t> last(n_, SIZE_MAX);
        auto still_since = Steady::now();
        while (true) {
            bool pending = false, changed = false;
            for (std::size_t i = 0; i < n_; ++i) {
                std::size_t count = 0, under_way = 0;
                on(i, [&](Graph &g) {
                    count = g.neighbor_count();
                    under_way = g.pending_neighbor_count();
                });
                pending = pending || under_way;
                changed = changed || count != last[i];
                last[i] = count;
            }
            auto now = Steady::now();
            if (pending || changed) still_since = now;
            if (ms_between(still_since, now) >= 200) break;
            if (late()) {
                *error = "the links did not settle";
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        take_real_links();
        return true;
    }

    Record make_record(std::size_t k) const
    {
        Record r;
        r.type.bytes[0] = 0x51;
        r.type.bytes[15] = 0x3d;
        r.expiration_time = SystemClock::instance().now_utc() + 3600 * kTicksPerSecond;
        r.data.assign(options_.size, static_cast<std::uint8_t>(k));
        return r;
    }

    bool flood_records(Result *result)
    {
        const std::size_t k_total = options_.records;
        holders_.assign(k_total, 0);
        record_done_.assign(k_total, Steady::time_point{});
        std::vector<Steady::time_point> added(k_total);
        /* Events from joining (none for app records) are gone. */
        auto now = Steady::now();
        for (std::size_t i = 0; i < n_; ++i) {
            poll(i, now);
            nodes_[i].records_seen = 0;
        }
        unsigned long long bytes0 = 0, packets0 = 0, bytes1 = 0, packets1 = 0;
        bool counters = read_lo(&bytes0, &packets0);

        std::uniform_int_distribution<std::size_t> pick(0, n_ - 1);
        auto first = Steady::now();
        std::size_t wire_bytes = 0;
        for (std::size_t k = 0; k < k_total; ++k) {
            if (late()) {
                result->error = "only " + std::to_string(k) + " records added in time";
                return false;
            }
            std::size_t origin = pick(rng_);
            Record record = make_record(k);
            Guid id;
            GraphError err = GraphError::io_error;
            added[k] = Steady::now();
            on(origin, [&](Graph &g) {
                err = g.add_record(record, &id);
                if (err == GraphError::ok) g.get_record(id, &record);
            });
            if (err != GraphError::ok) {
                result->error = "AddRecord on node " + std::to_string(origin) + ": error " +
                                std::to_string(static_cast<int>(err));
                return false;
            }
            record_index_[id] = k;
            /* Polled from here only, so every event's record is known. */
            now = Steady::now();
            for (std::size_t i = 0; i < n_; ++i) poll(i, now);
            if (k == 0) {
                wire::Flood flood;
                flood.record = record;
                flood.graph_id = "simulation";
                wire::Ack ack;
                ack.entries.push_back({id, true});
                /* One frame each (2-byte Frame Size) at these sizes. */
                wire_bytes = wire::encode(flood).size() + 2 + wire::encode(ack).size() + 2;
            }
        }
        auto last = Steady::now();

        while (true) {
            now = Steady::now();
            bool all = true;
            for (std::size_t i = 0; i < n_; ++i) {
                poll(i, now);
                all = all && nodes_[i].records_seen >= k_total;
            }
            if (all) break;
            if (late()) {
                std::size_t behind = 0;
                for (const Node &node : nodes_) behind += node.records_seen < k_total;
                result->error = std::to_string(behind) + " nodes lack records";
                return false;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        auto converged = Steady::now();
        /* Let the last ACKs go out before reading the counters. */
        if (counters) {
            unsigned long long previous = 0;
            read_lo(&previous, &packets1);
            for (int i = 0; i < 100; ++i) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
                read_lo(&bytes1, &packets1);
                if (bytes1 == previous) break;
                previous = bytes1;
            }
        }

        result->add_s = ms_between(first, last) / 1000;
        result->conv_ms = ms_between(last, converged);
        std::vector<double> per_record;
        for (std::size_t k = 0; k < k_total; ++k) per_record.push_back(ms_between(added[k], record_done_[k]));
        result->rec_p50 = percentile(per_record, 0.5);
        result->rec_max = percentile(per_record, 1.0);
        std::size_t degrees = 0;
        for (const Node &node : nodes_) degrees += node.neighbors.size();
        result->floods_per_record = static_cast<double>(degrees - (n_ - 1));
        result->wire_per_record = result->floods_per_record * wire_bytes;
        if (counters && k_total) {
            result->lo_bytes = static_cast<double>(bytes1 - bytes0) / k_total;
            result->lo_packets = static_cast<double>(packets1 - packets0) / k_total;
        }
        return true;
    }

    std::string digest(std::size_t i, std::size_t *count)
    {
        std::vector<Record> records;
        GraphError err = GraphError::io_error;
        on(i, [&](Graph &g) { err = g.enum_records(nullptr, nullptr, &records); });
        if (err != GraphError::ok) return "error";
        *count = records.size();
        std::sort(records.begin(), records.end(), [](const Record &a, const Record &b) { return a.id < b.id; });
        std::string out;
        for (const Record &r : records) {
            out += r.id.to_string() + " " + std::to_string(r.version) + " " + r.modified_by_id + " ";
            out += std::to_string(std::hash<std::string_view>()(
                       std::string_view(reinterpret_cast<const char *>(r.data.data()), r.data.size())));
            out += "\n";
        }
        return out;
    }

    bool same_everywhere()
    {
        std::size_t count = 0;
        std::string first = digest(0, &count);
        if (count != options_.records) return false;
        for (std::size_t i = 1; i < n_; ++i)
            if (digest(i, &count) != first) return false;
        return true;
    }

    const Options &options_;
    const std::size_t n_;
    std::mt19937 rng_;
    std::string dir_;
    Steady::time_point deadline_;
    std::vector<std::unique_ptr<Lane>> lanes_;
    std::vector<Node> nodes_;
    std::map<Guid, std::size_t> record_index_;
    std::vector<std::size_t> holders_;
    std::vector<Steady::time_point> record_done_;
};

void usage()
{
    std::fprintf(stderr, "usage: engine-simulate [--records K] [--size BYTES] [--loops L] [--seed S] [--extra E] "
                         "[--timeout SECONDS] N...\n");
    std::exit(2);
}

} // namespace

int main(int argc, char **argv)
{
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> const char * {
            if (i + 1 >= argc) usage();
            return argv[++i];
        };
        if (arg == "--records") options.records = std::strtoul(value(), nullptr, 10);
        else if (arg == "--size") options.size = std::strtoul(value(), nullptr, 10);
        else if (arg == "--loops") options.loops = std::max(1ul, std::strtoul(value(), nullptr, 10));
        else if (arg == "--seed") options.seed = std::strtoul(value(), nullptr, 10);
        else if (arg == "--extra") options.extra = std::strtoul(value(), nullptr, 10);
        else if (arg == "--timeout") options.timeout = std::strtod(value(), nullptr);
        else if (!arg.empty() && arg[0] != '-') options.sizes.push_back(std::strtoul(arg.c_str(), nullptr, 10));
        else usage();
    }
    if (options.sizes.empty()) usage();
    for (std::size_t n : options.sizes)
        if (n < 2) usage();

    /* Each node holds a database (three files in WAL mode), a listening
     * socket and its links. */
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }

    std::printf("%zu records of %zu bytes from random nodes; random tree%s; %zu loops; seed %u\n", options.records,
                options.size, options.extra ? (" + " + std::to_string(options.extra) + " extra links").c_str() : "",
                options.loops, options.seed);
    std::printf("%6s %6s %5s %7s %9s %9s %6s %8s %8s %8s %9s %9s %9s %8s %5s\n", "nodes", "links", "waves", "join s",
                "join p50", "join max", "add s", "conv ms", "rec p50", "rec max", "FLOOD/rec", "wire B/rec",
                "lo B/rec", "pkt/rec", "same");
    std::fflush(stdout);
    int status = 0;
    for (std::size_t n : options.sizes) {
        Result r;
        try {
            Simulation simulation(options, n);
            r = simulation.run();
        } catch (const std::exception &e) {
            r.error = e.what();
        }
        if (!r.error.empty()) {
            std::printf("%6zu  FAILED: %s\n", n, r.error.c_str());
            status = 1;
        } else {
            std::printf("%6zu %6zu %5zu %7.2f %9.1f %9.1f %6.2f %8.1f %8.1f %8.1f %9.0f %9.0f %9.0f %8.1f %5s\n", r.nodes,
                        r.links, r.waves, r.join_s, r.join_p50, r.join_max, r.add_s, r.conv_ms, r.rec_p50, r.rec_max,
                        r.floods_per_record, r.wire_per_record, r.lo_bytes, r.lo_packets, r.same ? "yes" : "NO");
            if (!r.ok) status = 1;
        }
        std::fflush(stdout);
    }
    return status;
}
