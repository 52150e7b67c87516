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
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "clock.h"
#include "connection.h"
#include "direct.h"
#include "events.h"
#include "flood.h"
#include "graph_info.h"
#include "hash_sync.h"
#include "handle_table.h"
#include "link.h"
#include "maintenance.h"
#include "neighbor.h"
#include "presence.h"
#include "record.h"
#include "record_book.h"
#include "security.h"
#include "sync.h"
#include "timer.h"
#include "transport.h"

namespace p2pg {

class Loop;
class RecordReader;
struct ContactInfo;
class SearchQuery;
class Store;

/* Where graphs live and what drives them. */
struct GraphEnvironment {
    Loop *loop = nullptr;       /* timers run on it; none in unit tests */
    const Clock *clock = &SystemClock::instance();
    std::string data_directory; /* Unix path of the databases' folder */
    Transport *transport = nullptr; /* sockets; none in unit tests */
    AddressPolicy addresses;
    /* What records neighbors send may take of the database (payload plus
     * attributes, all records); past it the neighbor that sends more loses
     * the link.  The application's own writes are not refused. */
    std::uint64_t storage_quota = kDefaultStorageQuota;
    /* The graph's security configuration (api::Security): whether its
     * application validates received records, and what identifies the
     * configuration, which every PeerGraphOpen must give again. */
    bool record_security = false;
    std::string security;
    /* Connection security: every link of the graph is secured by sessions
     * from here (none: links are clear).  Owned by whoever made the graph;
     * it outlives the graph. */
    CipherFactory *cipher = nullptr;
};

/* The object behind an HGRAPH.  Everything but kind() runs on the loop
 * thread (or, in unit tests, on the one thread that uses the graph). */
class Graph : public Object, public LinkHandler, public LinkAcceptor {
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
    /* Add, update or delete in two halves (RecordBook::draft, commit). */
    GraphError draft_record(RecordOp op, const Record &in, Record *out) const;
    GraphError commit_record(RecordOp op, const Record &draft);
    /* Record security (RecordSecurity): the application's verdicts. */
    RecordSecurity &record_security() { return security_; }
    GraphError update_record(const Record &in);
    GraphError delete_record(const Guid &id, bool local);
    GraphError get_record(const Guid &id, Record *out) const;
    GraphError enum_records(const Guid *type, const std::string *creator_id, std::vector<Record> *out) const;
    GraphError search_records(const SearchQuery &query, std::vector<Record> *out) const;
    /* A record enumeration a page at a time (RecordBook::page, count). */
    GraphError record_page(const RecordSelection &selection, std::int64_t *after, RecordBookPage *out,
                           bool *end) const;
    GraphError count_records(const RecordSelection &selection, std::size_t *count) const;
    GraphError records_ceiling(std::int64_t *rowid) const;

    /* PeerGraphGetRecord on the caller's thread, any thread (null: none
     * could be opened; ask the loop). */
    RecordReader *reader() const { return reader_.get(); }

    GraphError export_database(const std::string &path) const;
    GraphError import_database(const std::string &path);

    void add_registration(std::shared_ptr<EventRegistration> registration);
    void remove_registration(const EventRegistration *registration);

    /* MS-PPGRH 3.1.6.7 and 3.1.7.22; the timers call these, tests too. */
    void process_expirations();
    void process_autorefresh();

    /* This node's random id (MS-PPGRH 3.1.4.1-2), new at every Create/Open. */
    std::uint64_t node_id() const { return node_id_; }
    bool listening() const { return listening_port_ != 0; }
    /* Where we accept connections, with the port (empty when not listening). */
    std::vector<sockaddr_in6> listening_addresses() const;

    /* PeerGraphListen (scope 0 = global, port 0 = any). */
    GraphError listen(std::uint32_t scope, std::uint32_t scope_id, std::uint16_t port);
    /* PeerGraphConnect (MS-PPGRH 3.1.4.9): starts a neighbor connection to
     * the node at address (peer_id empty: any peer of the graph there); the
     * result comes as a NEIGHBOR_CONNECTION event for *id. */
    GraphError connect(const std::string &peer_id, const sockaddr_in6 &address, std::uint64_t *id);
    /* For tests and the simulator: the neighbor link with that connection
     * id fails as a broken network would make it (no DISCONNECT; both
     * ends see the TCP connection go).  False when there is none. */
    bool break_neighbor_link(std::uint64_t connection_id);
    /* Connected neighbors. */
    std::size_t neighbor_count() const;
    /* Neighbor connections we started that are not connected yet. */
    std::size_t pending_neighbor_count() const;
    /* MS-PPGRH 3.1.5.2.1: at most this many neighbors (then REFUSE BUSY). */
    static constexpr std::size_t kMaximumNeighbors = 7;

    using NodeInfo = p2pg::NodeInfo;
    /* PeerGraphEnumNodes: the nodes with a live Presence record (all, or
     * those of one peer id). */
    GraphError enum_nodes(const std::string *peer_id, std::vector<NodeInfo> *out) const;
    /* PeerGraphGetNodeInfo: 0 (or our own id) is this node, whether it
     * published presence or not; others need a live Presence record. */
    GraphError node_info(std::uint64_t node_id, NodeInfo *out) const;
    /* PeerGraphSetPresence (MS-PPGRH 3.1.4.6). */
    GraphError set_presence(bool present);
    /* PeerGraphSetNodeAttributes: empty clears. */
    GraphError set_node_attributes(const std::string &attributes);
    /* MS-PPGRH 3.1.7.16 (maintenance.cpp); timer_triggered is what the
     * Graph Maintenance Timer passes. */
    void graph_maintenance(bool timer_triggered);
    /* The graph signature (MS-PPGRH 3.1.7.11): the value of the live
     * Signature record, 0 when there is none. */
    std::uint64_t signature() const;

    /* PeerGraphOpenDirectConnection: starts the attempt; the result comes as
     * a DIRECT_CONNECTION event for *id. */
    GraphError open_direct_connection(const std::string &peer_id, const sockaddr_in6 &address, std::uint64_t *id);
    /* Whether this graph answers connections announced by auth (Transport,
     * when AUTH_INFO arrives), and taking such a link over. */
    bool accepts_link(const wire::AuthInfo &auth) const override;
    void adopt_link(std::shared_ptr<Link> link) override;
    /* Receive-side back-pressure: links stop reading while a registration
     * holds too much undrained application data; the face calls this when
     * the application drained enough. */
    void resume_reading();

    /* LinkHandler */
    bool on_connect(Link &link, const wire::Connect &connect, wire::Welcome *welcome, wire::Refuse *refuse) override;
    void on_connected(Link &link) override;
    void on_closed(Link &link, LinkEnd end) override;
    void on_message(Link &link, wire::Message &&message) override;
    void on_data(Link &link, const Guid &type, std::shared_ptr<const std::vector<std::uint8_t>> message,
                 std::size_t offset) override;
    void on_read_done(Link &link) override;
    void on_output_drained(Link &link) override;
    CipherFactory *cipher_factory() override { return env_.cipher; }

    /* Connection ids are node-wide serials; 0 is never one. */
    void add_direct_connection(std::uint64_t id, std::shared_ptr<DirectConnection> connection);
    /* Closes the direct connection with that id.  Returns false when this
     * graph has no open direct connection with that id. */
    bool close_direct_connection(std::uint64_t id);
    std::size_t direct_connection_count() const { return direct_.count(); }
    /* PeerGraphSendData, from any thread (DataLinks::send): ok, would_block
     * (wait_writable, then again) or connection_not_found. */
    GraphError send_data(std::uint64_t connection_id, const Guid &type, const std::uint8_t *data,
                         std::size_t size) const;
    /* Any thread: until the connection can take data again, goes, or
     * timeout_ms passes. */
    void wait_writable(std::uint64_t connection_id, int timeout_ms) const;
    /* PeerGraphEnumConnections: the open connections of the kinds in flags. */
    std::vector<ConnectionInfo> connections(std::uint32_t flags) const;

private:
    Graph(const GraphEnvironment &env, std::string key);

    static GraphError claim(const std::string &key);
    GraphError usable() const;
    /* Neighbor links (neighbors.cpp). */
    bool neighbor_connect(Link &link, const wire::Connect &connect, wire::Welcome *welcome, wire::Refuse *refuse);
    void neighbor_connected(Link &link);
    void neighbor_closed(Link &link, LinkEnd end);
    void neighbor_message(Neighbor &neighbor, wire::Message &&message);
    /* The Neighbor entry of a neighbor link (null when there is none). */
    std::shared_ptr<Neighbor> neighbor_of(const Link &link) const;
    /* A record from a neighbor that won conflict resolution (Flood): stored,
     * flooded on, announced, and what it changes of the graph done. */
    /* A received record newer than local (ours, if any) is taken: stored,
     * flooded on (but not back to from, when known), announced. */
    void record_received(const Record &record, const std::optional<Record> &local, const Neighbor *from);
    /* The application found a received record valid (RecordSecurity): it
     * is taken if it is still newer than ours. */
    void validated(const Record &record, std::uint64_t from_link);
    /* The application found a record from that link invalid: the
     * neighbor's budget of invalid records pays (as Flood::receive's). */
    void invalid_from(std::uint64_t from_link);
    /* Counts one event against the neighbor's budget; false (and the link
     * aborted) once it is spent. */
    bool spend_budget(Neighbor &neighbor, Neighbor::Budget which, double budget);
    void raise_connection_event(EventType type, Link &link, ConnectionStatus status, ConnectionFailure failure);
    void adjust_peer_time(const Link &link);
    void announce_listening();
    std::vector<wire::In6Address> wire_listening_addresses() const;
    /* What we say of ourselves in AUTH_INFO and CONNECT. */
    LinkIntroduction introduction(wire::ConnectionType type, const std::string &remote_peer_id) const;
    std::vector<wire::In6Address> neighbor_referrals(const Link *except) const;
    void remember_referrals(const std::vector<wire::In6Address> &addresses);
    /* Connects to a random untried Referral List entry; its id, or 0. */
    std::uint64_t follow_referral();
    std::uint32_t max_record_size() const;
    /* Whether a neighbor is that node. */
    bool connected_to(std::uint64_t node_id) const;
    bool met_on_loopback_ = false; /* listened, connected or was reached on ::1 (candidate_in_scope) */
    /* The connected neighbor (other than except) with the lowest utility. */
    std::shared_ptr<Neighbor> least_useful_neighbor(const Neighbor *except) const;
    void drop_neighbor(std::shared_ptr<Neighbor> neighbor, wire::DisconnectReason reason);
    GraphError load_properties();
    /* The read connection, once the graph is made (before any other thread
     * can see the graph), the store's WAL checkpoints deferred to it
     * (Graph::checkpoint), and what it needs to know of the graph's state:
     * published whenever ready_, properties_.flags or peer_time_delta_
     * change. */
    void open_reader();
    void publish_read_state();
    /* The first synchronization (or an import) brought the Graph Info
     * record: the graph becomes usable and says so in its database. */
    GraphError become_synchronized();
    GraphError publish(const Record &record, RecordChange change, bool notify, const Neighbor *from = nullptr);
    GraphError write_meta(const char *key, const std::string &value);
    /* A new database's metadata: whose graph it is and its state. */
    GraphError write_identity(const std::string &graph_id, const std::string &database_name, bool synchronized);
    void raise(const GraphEvent &event);
    /* STATUS_CHANGED with the status as it is now. */
    void raise_status();
    /* Signals the registrations owed one (see owed_signals_). */
    void send_owed_signals();

    GraphEnvironment env_;
    std::unique_ptr<Store> store_;
    std::shared_ptr<RecordReader> reader_;
    /* A checkpoint thread is running (Graph::checkpoint). */
    std::shared_ptr<std::atomic<bool>> checkpointing_ = std::make_shared<std::atomic<bool>>(false);
    std::string key_; /* this graph's entry in the open-graph registry */
    std::string peer_id_;
    GraphProperties properties_;
    FileTime peer_time_delta_ = 0;
    bool ready_ = false;
    bool opened_ = false; /* by PeerGraphOpen (ImportDatabase needs it) */
    bool network_started_ = false; /* Listen or Connect was called (ImportDatabase may not follow) */
    std::vector<Guid> sync_precedence_;
    std::vector<std::shared_ptr<EventRegistration>> registrations_;
    /* Registrations given events whose signal is still to be sent: a read
     * wakeup's events are signalled once, when it is done (on_read_done,
     * after the commit), the others when the loop next goes round. */
    std::vector<std::shared_ptr<EventRegistration>> owed_signals_;
    Timer signal_timer_{env_.loop, [this] { send_owed_signals(); }};
    /* The store's WAL checkpoints wait for this timer (Store::defer_checkpoints):
     * the record in hand is forwarded, committed and announced first. */
    Timer checkpoint_timer_{env_.loop, [this] { checkpoint(); }};
    void checkpoint();
    DataLinks data_links_;
    std::uint64_t node_id_ = 0;
    std::string graph_id_; /* known before the Graph Info record is */
    FileTime left_peer_time_ = 0; /* when this node last left the graph (time-based sync) */
    bool peer_time_adjusted_ = false; /* by a neighbor's WELCOME since Create/Open */
    bool synchronized_once_ = false; /* a sync completed since Create/Open */
    std::deque<wire::In6Address> referral_list_;
    std::vector<wire::In6Address> attempted_referrals_;
    /* The Neighbor List: every neighbor link, connected or not yet. */
    std::map<std::uint64_t, std::shared_ptr<Neighbor>> neighbors_;
    std::uint16_t listening_port_ = 0;
    std::vector<sockaddr_in6> listening_addresses_;

    friend class Sync;
    friend class Flood;
    friend class Presence;
    friend class Maintenance;
    friend class RecordBook;
    friend class DirectConnections;
    friend class RecordSecurity;
    Sync sync_{*this};
    Flood flood_{*this};
    RecordSecurity security_{*this};
    RecordBook records_{*this};
    Presence presence_{*this};
    Maintenance maintenance_{*this};
    DirectConnections direct_{*this};
};

} // namespace p2pg

#endif
