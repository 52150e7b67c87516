/*
 * bench/engine-simulate: many engine nodes in one process form a graph over
 * ::1 and flood records; measures joining, convergence and traffic.
 *
 * Copyright 2026 the p2pgraph-wine authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * usage: engine-simulate [--records K] [--size BYTES] [--loops L] [--seed S]
 *                        [--extra E] [--presence-max M] [--serial] [--phases]
 *                        [--timeout SECONDS] N...
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
 * With --serial each record is added only once the one before reached every
 * node (the graph converges after every flood, and a record's time is its
 * own flood's, not its queue's behind the others).
 * --phases prints when each phase (join, settle, flood) starts on stderr,
 * for profiles: perf record -k CLOCK_MONOTONIC, perf report --time.
 * --presence-max M creates the graph with that Presence Max (default: every
 * node publishes its presence, whose records then flood to all N nodes).
 *
 * Columns:
 *   nodes, links      N and the neighbor links in the end
 *   waves             rounds of simultaneous joins (the tree's depth)
 *   join_s            first connect to the last node synchronized
 *   join_p50/max ms   one node's connect to its final SYNC_END
 *   settle_s          the graph's own traffic after the joins (Presence,
 *                     Contact and Signature records flooding) going quiet:
 *                     records are added after it
 *   add_s             the K AddRecord calls
 *   conv_ms           last AddRecord returned -> every node has every record
 *                     (about 0 with --serial: the last record waited for it)
 *   rec_p50/max ms    one record's AddRecord -> the last node has it
 *   FLOOD/rec         FLOODs sent per record: the origin sends one to each
 *                     neighbor, every other node one to each neighbor but
 *                     the one it came from (sum of degrees - (N-1)); each
 *                     is answered by an ACK.  Computed, not counted: the
 *                     engine has no message counter.
 *   wire_B/rec        those FLOODs and ACKs in bytes (frames as encoded)
 *   lo_B/rec, pkt/rec loopback traffic measured while flooding (IP and TCP
 *                     headers and TCP ACKs included; meaningful only in a
 *                     network namespace of our own, as bench/run-simulate
 *                     makes)
 *   RSS/node KiB      the process's resident memory after convergence, less
 *                     what it was before the nodes were made, over N
 *   heap/node KiB     the same for malloc's heap in use (mallinfo2; SQLite's
 *                     page caches included)
 *   sqlite/node KiB   of which SQLite's own allocations (sqlite3_memory_used)
 *   files/node KiB    the databases' files (database, WAL, shared memory) on
 *                     disk, over N; in /dev/shm (the default) that is memory too
 *   same              every node shows identical records (ids, versions, data)
 *
 * Column names are single words (underscores), so that scripts can pick
 * columns by name (bench/run-simulate prints growth factors that way).
 * Exit code 0 when every run converged within the timeout.  P2PGRAPH_LOG
 * (README, Diagnostics) shows the engine's diagnostics on stderr.
 */

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <dirent.h>
#include <malloc.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/log.h"
#include "engine/wire.h"

/* The fixture's checks throw: a run ends with the failed check as its error. */
#define MESH_CHECK(condition)                                                                                    \
    do {                                                                                                         \
        if (!(condition)) throw std::runtime_error("mesh_fixture.h:" + std::to_string(__LINE__) + ": " #condition); \
    } while (0)
#define MESH_CHECK_EQUAL(a, b) MESH_CHECK((a) == (b))
#define MESH_LOG(...) std::fprintf(stderr, __VA_ARGS__)
#include "../tests/unit/mesh_fixture.h"

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
    bool serial = false;
    bool phases = false;
    std::uint32_t presence_max = 0xffffffff; /* PEER_GRAPH_PROPERTIES' -1: all */
    double timeout = 60;
    std::vector<std::size_t> sizes;
};

struct Result {
    std::size_t nodes = 0, links = 0, waves = 0;
    double join_s = 0, join_p50 = 0, join_max = 0, settle_s = 0;
    double add_s = 0, conv_ms = 0, rec_p50 = 0, rec_max = 0;
    double floods_per_record = 0, wire_per_record = 0, lo_bytes = 0, lo_packets = 0;
    double rss_kib = 0, heap_kib = 0, sqlite_kib = 0, files_kib = 0; /* per node */
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

/* What the process holds: resident set, malloc's heap in use, SQLite's
 * share of it (bytes). */
struct Memory {
    double rss = 0, heap = 0, sqlite = 0;

    static Memory now()
    {
        Memory m;
        std::ifstream in("/proc/self/status");
        std::string line;
        while (std::getline(in, line))
            if (line.compare(0, 6, "VmRSS:") == 0) m.rss = std::strtod(line.c_str() + 6, nullptr) * 1024;
        struct mallinfo2 info = mallinfo2();
        m.heap = static_cast<double>(info.uordblks + info.hblkhd);
        m.sqlite = static_cast<double>(sqlite3_memory_used());
        return m;
    }
};

/* Bytes the files of a folder occupy (allocated blocks). */
double folder_bytes(const std::string &path)
{
    double total = 0;
    if (DIR *dir = opendir(path.c_str())) {
        while (struct dirent *entry = readdir(dir)) {
            struct stat st;
            std::string file = path + "/" + entry->d_name;
            if (entry->d_name[0] != '.' && stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode))
                total += static_cast<double>(st.st_blocks) * 512;
        }
        closedir(dir);
    }
    return total;
}

using testing::Mesh;
using testing::MeshOptions;

MeshOptions mesh_options(const Options &options)
{
    MeshOptions o;
    o.lanes = static_cast<int>(options.loops);
    o.directory_prefix = std::string(access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") + "/p2pg-simulate-";
    o.peer_id_prefix = "sim-";
    o.peer_id_digits = 5;
    auto timeout = std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(options.timeout));
    o.join_timeout = o.converge_timeout = timeout;
    o.poll_interval = std::chrono::microseconds(200);
    return o;
}

/* One run over a Mesh of n nodes.  The Mesh bounds each of its waits by
 * --timeout; the waits of the run's own (links settling, records arriving)
 * share one deadline of --timeout. */
class Simulation {
public:
    Simulation(const Options &options, std::size_t n)
        : options_(options), n_(n), rng_(options.seed + n), before_(Memory::now()),
          mesh_("simulation", mesh_options(options)),
          deadline_(Steady::now() + std::chrono::duration_cast<Steady::duration>(
                                        std::chrono::duration<double>(options.timeout)))
    {
    }

    Result run()
    {
        Result result;
        result.nodes = n_;
        phase("join");
        join_tree(&result);
        if (!add_links(&result.error)) return result;
        for (auto &entry : links_) result.links += entry.second.size();
        result.links /= 2;
        phase("settle");
        settle(&result);
        phase("flood");
        if (!flood_records(&result)) return result;
        phase("done");
        Memory after = Memory::now();
        result.rss_kib = (after.rss - before_.rss) / 1024 / n_;
        result.heap_kib = (after.heap - before_.heap) / 1024 / n_;
        result.sqlite_kib = (after.sqlite - before_.sqlite) / 1024 / n_;
        result.files_kib = folder_bytes(mesh_.directory()) / 1024 / n_;
        result.same = same_everywhere();
        result.ok = result.same;
        if (!result.same) result.error = "nodes differ";
        return result;
    }

private:
    bool late() const { return Steady::now() >= deadline_; }

    /* --phases: when each phase starts, in CLOCK_MONOTONIC seconds (what
     * `perf record -k CLOCK_MONOTONIC` stamps), for `perf report --time`. */
    void phase(const char *name) const
    {
        if (!options_.phases) return;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        std::fprintf(stderr, "engine-simulate: %zu nodes: %s at %ld.%06ld\n", n_, name, static_cast<long>(ts.tv_sec),
                     static_cast<long>(ts.tv_nsec / 1000));
    }

    /* Every node opens the graph first, so that the join time is joining. */
    void join_tree(Result *result)
    {
        mesh_.create_root([this](GraphProperties &p) { p.presence_max = options_.presence_max; });
        while (mesh_.size() < n_) mesh_.add_member();
        std::vector<int> parent = mesh_.random_tree(n_, rng_);
        std::vector<std::size_t> depth(n_, 0);
        std::vector<double> latencies;
        Steady::time_point first = Steady::time_point::max(), last = first.min();
        for (std::size_t i = 1; i < n_; ++i) {
            depth[i] = depth[parent[i]] + 1; /* parents come first */
            result->waves = std::max(result->waves, depth[i]);
            const testing::Member &m = mesh_[i];
            latencies.push_back(ms_between(m.connected_at, m.joined_at));
            first = std::min(first, m.connected_at);
            last = std::max(last, m.joined_at);
        }
        result->join_s = ms_between(first, last) / 1000;
        result->join_p50 = percentile(latencies, 0.5);
        result->join_max = percentile(latencies, 1.0);
    }

    /* --extra links, then the links as they are: the FLOOD count needs the
     * degrees, so wait until no node has a connection under way and the
     * degrees held still for 200 ms. */
    bool add_links(std::string *error)
    {
        if (options_.extra) mesh_.add_cycles(options_.extra, rng_);
        std::vector<std::size_t> last(n_, SIZE_MAX);
        auto still_since = Steady::now();
        while (true) {
            bool pending = false, changed = false;
            std::vector<std::size_t> count(n_, 0), under_way(n_, 0);
            mesh_.each([&](int i, Graph &g) {
                count[i] = g.neighbor_count();
                under_way[i] = g.pending_neighbor_count();
            });
            for (std::size_t i = 0; i < n_; ++i) {
                pending = pending || under_way[i];
                changed = changed || count[i] != last[i];
                last[i] = count[i];
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
        links_ = mesh_.links();
        return true;
    }

    /* Joining goes on after the last node synchronized: each node's
     * Presence record (and Contact and Signature records) floods to every
     * node.  Records are added once loopback has carried under 4 KiB in
     * 500 ms, so that their figures are flooding alone; waits at most half
     * of what is left of the run (without a namespace of our own others'
     * traffic may never stop). */
    void settle(Result *result)
    {
        unsigned long long bytes = 0, packets = 0, previous = 0;
        auto start = Steady::now();
        if (!read_lo(&previous, &packets)) return;
        auto give_up = start + (deadline_ - start) / 2;
        auto quiet_since = start;
        while (Steady::now() < give_up) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            read_lo(&bytes, &packets);
            auto now = Steady::now();
            if (bytes - previous >= 4096) {
                quiet_since = now;
                previous = bytes;
            }
            if (ms_between(quiet_since, now) >= 500) break;
        }
        result->settle_s = ms_between(start, quiet_since) / 1000;
    }

    /* Reads node i's RECORD_CHANGED events (any thread may pop). */
    void poll(std::size_t i, Steady::time_point now)
    {
        while (auto e = record_events_[i]->pop()) {
            if (e->type != EventType::record_changed || e->change != RecordChange::added) continue;
            if (++records_seen_[i] == options_.records) ++nodes_done_;
            auto it = record_index_.find(e->record_id);
            if (it != record_index_.end() && ++holders_[it->second] == n_) record_done_[it->second] = now;
        }
    }

    /* Polls the nodes whose registration signalled (waiting up to wait for
     * one): the waiting costs what the events cost, not N polls a tick. */
    void poll_signalled(std::chrono::milliseconds wait)
    {
        std::vector<std::size_t> nodes;
        {
            std::unique_lock<std::mutex> guard(signals_.lock);
            if (signals_.nodes.empty()) signals_.cv.wait_for(guard, wait);
            nodes.swap(signals_.nodes);
        }
        auto now = Steady::now();
        for (std::size_t i : nodes) poll(i, now);
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
        records_seen_.assign(n_, 0);
        std::vector<Steady::time_point> added(k_total);
        for (std::size_t i = 0; i < n_; ++i)
            record_events_.push_back(mesh_.subscribe(i, {{EventType::record_changed, std::nullopt}}, [this, i] {
                std::lock_guard<std::mutex> guard(signals_.lock);
                signals_.nodes.push_back(i);
                signals_.cv.notify_one();
            }));
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
            mesh_.on(origin, [&](Graph &g) {
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
            poll_signalled(std::chrono::milliseconds(0));
            while (options_.serial && holders_[k] < n_ && !late()) poll_signalled(std::chrono::milliseconds(20));
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

        while (nodes_done_ < n_) {
            poll_signalled(std::chrono::milliseconds(20));
            if (nodes_done_ == n_) break;
            if (late()) {
                std::size_t behind = 0;
                for (std::size_t seen : records_seen_) behind += seen < k_total;
                result->error = std::to_string(behind) + " nodes lack records";
                return false;
            }
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
        for (auto &entry : links_) degrees += entry.second.size();
        result->floods_per_record = static_cast<double>(degrees - (n_ - 1));
        result->wire_per_record = result->floods_per_record * wire_bytes;
        if (counters && k_total) {
            result->lo_bytes = static_cast<double>(bytes1 - bytes0) / k_total;
            result->lo_packets = static_cast<double>(packets1 - packets0) / k_total;
        }
        return true;
    }

    /* Every node shows the same K records now (the Mesh's digest: ids,
     * versions, times, creators, data). */
    bool same_everywhere()
    {
        std::size_t count = 0;
        std::string first = mesh_.digest(0, &count);
        if (count != options_.records) return false;
        for (std::size_t i = 1; i < n_; ++i)
            if (mesh_.digest(i, &count) != first) return false;
        return true;
    }

    const Options &options_;
    const std::size_t n_;
    std::mt19937 rng_;
    Memory before_; /* before the nodes were made */
    /* Nodes whose record registration signalled (from their loops; made
     * before the Mesh, so that it outlives the graphs that signal). */
    struct Signals {
        std::mutex lock;
        std::condition_variable cv;
        std::vector<std::size_t> nodes;
    } signals_;
    std::size_t nodes_done_ = 0; /* nodes that have every record */
    Mesh mesh_;
    Steady::time_point deadline_;
    testing::Links links_;
    std::vector<std::shared_ptr<EventRegistration>> record_events_;
    std::vector<std::size_t> records_seen_;
    std::map<Guid, std::size_t> record_index_;
    std::vector<std::size_t> holders_;
    std::vector<Steady::time_point> record_done_;
};

void usage()
{
    std::fprintf(stderr, "usage: engine-simulate [--records K] [--size BYTES] [--loops L] [--seed S] [--extra E] "
                         "[--presence-max M] [--serial] [--phases] [--timeout SECONDS] N...\n");
    std::exit(2);
}

} // namespace

int main(int argc, char **argv)
{
    p2pg::log_from_environment();
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
        else if (arg == "--serial") options.serial = true;
        else if (arg == "--phases") options.phases = true;
        else if (arg == "--presence-max") options.presence_max = std::strtoul(value(), nullptr, 10);
        else if (arg == "--timeout") options.timeout = std::strtod(value(), nullptr);
        else if (!arg.empty() && arg[0] != '-') options.sizes.push_back(std::strtoul(arg.c_str(), nullptr, 10));
        else usage();
    }
    if (options.sizes.empty()) usage();
    for (std::size_t n : options.sizes)
        if (n < 2) usage();

    /* Each node holds a database (three files in WAL mode), a listening
     * socket and its links (both ends of each in this process): about 8
     * descriptors a node; 12 leave room for connections under way.  The
     * hard limit rises only where we may raise it. */
    std::size_t largest = *std::max_element(options.sizes.begin(), options.sizes.end());
    rlim_t wanted = static_cast<rlim_t>(12 * largest + 256);
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < wanted) {
            struct rlimit raised = {wanted, wanted};
            if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
        }
        if (limit.rlim_cur < limit.rlim_max) {
            limit.rlim_cur = limit.rlim_max;
            setrlimit(RLIMIT_NOFILE, &limit);
        }
        getrlimit(RLIMIT_NOFILE, &limit);
        if (limit.rlim_cur < wanted)
            std::fprintf(stderr, "engine-simulate: warning: %llu file descriptors allowed, %zu nodes may want %llu\n",
                         static_cast<unsigned long long>(limit.rlim_cur), largest,
                         static_cast<unsigned long long>(wanted));
    }

    std::printf("%zu records of %zu bytes from random nodes%s; random tree%s; %zu loops; seed %u%s\n",
                options.records, options.size, options.serial ? ", each once the last converged" : "",
                options.extra ? (" + " + std::to_string(options.extra) + " extra links").c_str() : "", options.loops,
                options.seed,
                options.presence_max == 0xffffffff ? ""
                                                   : ("; Presence Max " + std::to_string(options.presence_max)).c_str());
    std::printf("%6s %6s %5s %7s %9s %9s %8s %6s %8s %8s %8s %9s %10s %9s %8s %9s %9s %11s %10s %5s\n", "nodes", "links",
                "waves", "join_s", "join_p50", "join_max", "settle_s", "add_s", "conv_ms", "rec_p50", "rec_max", "FLOOD/rec",
                "wire_B/rec", "lo_B/rec", "pkt/rec", "RSS/node", "heap/node", "sqlite/node", "files/node", "same");
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
            std::printf("%6zu %6zu %5zu %7.2f %9.1f %9.1f %8.2f %6.2f %8.1f %8.1f %8.1f %9.0f %10.0f %9.0f %8.1f %9.0f %9.0f "
                        "%11.0f %10.0f %5s\n",
                        r.nodes, r.links, r.waves, r.join_s, r.join_p50, r.join_max, r.settle_s, r.add_s, r.conv_ms, r.rec_p50,
                        r.rec_max, r.floods_per_record, r.wire_per_record, r.lo_bytes, r.lo_packets, r.rss_kib,
                        r.heap_kib, r.sqlite_kib, r.files_kib, r.same ? "yes" : "NO");
            if (!r.ok) status = 1;
        }
        std::fflush(stdout);
    }
    return status;
}
