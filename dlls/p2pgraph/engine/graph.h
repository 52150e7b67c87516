/*
 * Engine graph: one open graph of this node
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

#ifndef P2PG_ENGINE_GRAPH_H
#define P2PG_ENGINE_GRAPH_H

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "clock.h"
#include "events.h"
#include "graph_info.h"
#include "handle_table.h"
#include "record.h"

struct event;

namespace p2pg {

class Loop;
class SearchQuery;
class Store;

/* What a graph operation can come to; the face maps each to its HRESULT in
 * one table. */
enum class GraphError {
    ok,
    invalid_argument,
    not_ready,
    record_not_found,
    max_record_size_exceeded,
    invalid_attributes,
    duplicate_graph,
    invalid_database,
    access_denied,
    graph_in_use,
    shutting_down,
    already_listening,
    would_block, /* the connection's send buffer is full: wait and retry */
    connection_not_found,
    no_such_file,
    disk_full,
    io_error,
};

/* Where graphs live and what drives them. */
struct GraphEnvironment {
    Loop *loop = nullptr;       /* timers run on it; none in unit tests */
    const Clock *clock = &SystemClock::instance();
    std::string data_directory; /* Unix path of the databases' folder */
};

/* PEER_CONNECTION_FLAGS */
enum ConnectionFlags : std::uint32_t {
    kConnectionNeighbor = 0x1,
    kConnectionDirect = 0x2,
};

/* PEER_CONNECTION_INFO in engine terms; the address is a sockaddr_in6 in
 * Linux layout (the face translates the family). */
struct ConnectionInfo {
    std::uint32_t flags = 0;
    std::uint64_t connection_id = 0;
    std::uint64_t node_id = 0;
    std::string peer_id;
    std::array<std::uint8_t, 28> address{};
};

/* A direct connection of a graph (MS-PPGRH 1.3.3): a link outside the
 * neighbor mesh.  The link layer that fills this in comes with the network
 * transport; what the graph needs of it is that it can be closed. */
class DirectConnection {
public:
    virtual ~DirectConnection() = default;
    /* Sends DISCONNECT (APP_DISCONNECT) and closes the socket. */
    virtual void close() = 0;
    /* Queues one PT2PT message (MS-PPGRH 2.2.2.13). */
    virtual GraphError send(const Guid &type, std::vector<std::uint8_t> data) = 0;
    /* What PeerGraphEnumConnections reports of it. */
    virtual ConnectionInfo info() const = 0;
    /* Usable (PeerGraphEnumConnections lists only these). */
    virtual bool connected() const = 0;
};

/* The object behind an HGRAPH.  Everything but kind() runs on the loop
 * thread (or, in unit tests, on the one thread that uses the graph). */
class Graph : public Object {
public:
    ~Graph() override;
    ObjectKind kind() const override { return ObjectKind::graph; }

    /* PeerGraphCreate: a new database for properties.creator_id as the local
     * peer, with the Graph Info record published.  No network activity. */
    static GraphError create(const GraphEnvironment &env, const GraphProperties &properties,
                             const std::string &database_name, std::shared_ptr<Graph> *out);
    /* PeerGraphOpen: *data_created tells that no synchronized database was
     * found (PEER_S_GRAPH_DATA_CREATED); the graph is then not ready. */
    static GraphError open(const GraphEnvironment &env, const std::string &graph_id, const std::string &peer_id,
                           const std::string &database_name, const std::vector<Guid> &sync_precedence,
                           std::shared_ptr<Graph> *out, bool *data_created);
    /* PeerGraphDelete: the graph must not be open in this process. */
    static GraphError remove(const GraphEnvironment &env, const std::string &graph_id, const std::string &peer_id,
                             const std::string &database_name);
    /* The database file of a graph (for tests and diagnostics). */
    static std::string database_path(const GraphEnvironment &env, const std::string &graph_id,
                                     const std::string &peer_id, const std::string &database_name);

    /* PeerGraphClose: persists what must survive, stops timers and closes
     * connections.  Every later operation answers shutting_down. */
    void close() override;
    bool closed() const { return !store_; }

    const std::string &peer_id() const { return peer_id_; }
    /* Synchronized at least once (created here, opened with data, imported). */
    bool ready() const { return ready_; }
    std::uint32_t status() const;

    GraphError properties(GraphProperties *out) const;
    /* Only friendly name, comment, presence lifetime and presence max are
     * taken from changes. */
    GraphError set_properties(const GraphProperties &changes);

    FileTime peer_time() const;
    FileTime to_peer_time(FileTime utc) const { return utc - peer_time_delta_; }
    FileTime to_utc(FileTime peer) const { return peer + peer_time_delta_; }

    /* Records, as the application sees them: internal types, tombstones and
     * expired records are never returned. */
    GraphError add_record(const Record &in, Guid *id);
    GraphError update_record(const Record &in);
    GraphError delete_record(const Guid &id, bool local);
    GraphError get_record(const Guid &id, Record *out) const;
    GraphError enum_records(const Guid *type, const std::string *creator_id, std::vector<Record> *out) const;
    GraphError search_records(const SearchQuery &query, std::vector<Record> *out) const;

    GraphError export_database(const std::string &path) const;
    GraphError import_database(const std::string &path);

    void add_registration(std::shared_ptr<EventRegistration> registration);
    void remove_registration(const EventRegistration *registration);

    /* MS-PPGRH 3.1.6.7 and 3.1.7.22; the timers call these, tests too. */
    void process_expirations();
    void process_autorefresh();
    /* When the timers will fire next (0 = not armed), as peer time. */
    FileTime next_expiration_check() const { return next_expiration_check_; }

    /* Connection ids are node-wide serials; 0 is never one. */
    void add_direct_connection(std::uint64_t id, std::shared_ptr<DirectConnection> connection);
    /* Closes the direct connection with that id.  Returns false when this
     * graph has no open direct connection with that id. */
    bool close_direct_connection(std::uint64_t id);
    std::size_t direct_connection_count() const { return direct_.size(); }
    /* PeerGraphSendData: record_not_found names an unknown connection. */
    GraphError send_data(std::uint64_t connection_id, const Guid &type, std::vector<std::uint8_t> data);
    /* PeerGraphEnumConnections: the open connections of the kinds in flags. */
    std::vector<ConnectionInfo> connections(std::uint32_t flags) const;

private:
    Graph(const GraphEnvironment &env, std::unique_ptr<Store> store, std::string key);

    static GraphError claim(const std::string &key);
    GraphError usable() const;
    /* Records as the application may see them: no internal types, no
     * tombstones, nothing past its expiration (unless expiration waits). */
    bool visible(const Record &r, FileTime now) const;
    /* MS-PPGRH 2.2.3.1 "D": records expire only while connected to another
     * node, and this node has no neighbors yet. */
    bool expiration_deferred() const;
    GraphError load_properties();
    GraphError publish(const Record &record, RecordChange change, bool notify);
    GraphError check_app_record(const Record &in, FileTime now) const;
    GraphError write_meta(const char *key, const std::string &value);
    void raise(const GraphEvent &event);
    void schedule_timers();
    void arm(struct event **timer, FileTime delay, void (*callback)(int, short, void *));
    static void on_expiration_timer(int, short, void *arg);
    static void on_autorefresh_timer(int, short, void *arg);

    GraphEnvironment env_;
    std::unique_ptr<Store> store_;
    std::string key_; /* this graph's entry in the open-graph registry */
    std::string peer_id_;
    GraphProperties properties_;
    FileTime peer_time_delta_ = 0;
    bool ready_ = false;
    bool opened_ = false; /* by PeerGraphOpen (ImportDatabase needs it) */
    std::vector<Guid> sync_precedence_;
    std::vector<std::shared_ptr<EventRegistration>> registrations_;
    std::map<std::uint64_t, std::shared_ptr<DirectConnection>> direct_;
    struct event *expiration_timer_ = nullptr;
    struct event *autorefresh_timer_ = nullptr;
    FileTime next_expiration_check_ = 0;
};

} // namespace p2pg

#endif
