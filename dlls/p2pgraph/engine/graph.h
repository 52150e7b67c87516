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
#include "events.h"
#include "graph_info.h"
#include "hash_sync.h"
#include "handle_table.h"
#include "link.h"
#include "record.h"
#include "transport.h"

struct event;

namespace p2pg {

class Loop;
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
    static constexpr std::uint64_t kDefaultStorageQuota = std::uint64_t(4) << 30;
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

    /* A node of the graph as its Presence record describes it
     * (PEER_NODE_INFO). */
    struct NodeInfo {
        std::uint64_t node_id = 0;
        std::string peer_id;
        std::string attributes;
        std::vector<sockaddr_in6> addresses;
    };
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
    /* MS-PPGRH 3.1.7.17 (the timers call it; tests too). */
    void presence_maintenance();
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
    /* Whether any registration asks for DIRECT_CONNECTION events, which is
     * what makes a node accept direct connections (MS-PPGRH 3.1.4.7). */
    bool accepts_direct_connections() const;
    /* Receive-side back-pressure: links stop reading while a registration
     * holds too much undrained application data; the face calls this when
     * the application drained enough. */
    void resume_reading();
    /* The link a direct connection id names (connected or not). */
    std::shared_ptr<Link> direct_link(std::uint64_t id) const;
    /* Any thread: the connected link a connection id names, for
     * PeerGraphSendData without a round trip to the loop. */
    std::shared_ptr<Link> data_link(std::uint64_t id) const;

    /* LinkHandler */
    bool on_connect(Link &link, const wire::Connect &connect, wire::Welcome *welcome, wire::Refuse *refuse) override;
    void on_connected(Link &link) override;
    void on_closed(Link &link, LinkEnd end) override;
    void on_message(Link &link, wire::Message &&message) override;
    void on_data(Link &link, const Guid &type, std::shared_ptr<const std::vector<std::uint8_t>> message,
                 std::size_t offset) override;
    void on_read_done(Link &link) override;
    void on_output_drained(Link &link) override;

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
    /* Neighbor links (neighbors.cpp). */
    bool neighbor_connect(Link &link, const wire::Connect &connect, wire::Welcome *welcome, wire::Refuse *refuse);
    void neighbor_connected(Link &link);
    void neighbor_closed(Link &link, LinkEnd end);
    void neighbor_message(Link &link, wire::Message &&message);
    void flood(const Record &record, const Link *except);
    void handle_flood(Link &link, wire::Flood &&flood);
    void answer_solicit(Link &link, const wire::TypeSelection &types, FileTime since);
    void handle_sync_end(Link &link, const wire::SyncEnd &end);
    void raise_connection_event(EventType type, Link &link, ConnectionStatus status, ConnectionFailure failure);
    void adjust_peer_time(const Link &link);
    void send_next_solicit(Link &link);
    void announce_listening();
    std::vector<wire::In6Address> wire_listening_addresses() const;
    /* What we say of ourselves in AUTH_INFO and CONNECT. */
    LinkIntroduction introduction(wire::ConnectionType type, const std::string &remote_peer_id) const;
    std::vector<wire::In6Address> neighbor_referrals(const Link *except) const;
    void remember_referrals(const std::vector<wire::In6Address> &addresses);
    /* Connects to a random untried Referral List entry; its id, or 0. */
    std::uint64_t follow_referral();
    std::uint32_t max_record_size() const;
    /* Presence (presence.cpp). */
    /* Records of one type that have not expired (tombstones included). */
    std::vector<Record> live_records(const Guid &type, FileTime now) const;
    std::size_t presence_count(FileTime now) const;
    std::optional<Record> own_internal_record(const Guid &type) const;
    GraphError publish_presence(bool autorefresh);
    /* The next version of our live Presence or Contact record (MS-PPGRH
     * 3.1.7.4-5: an update when there is one, else a new record), with
     * type, id, version, creator and times set; the caller fills in the
     * rest. */
    Record own_record_draft(const Guid &type, FileTime now) const;
    /* Deletes one of our own records (a tombstone, flooded). */
    GraphError delete_own(const Record &record);
    /* NODE_CHANGED for a Presence record that changed from previous. */
    void presence_changed(const Record &record, const std::optional<Record> &previous);
    /* NODE_CHANGED (UPDATED, node id 0): the local node's attributes or
     * addresses changed. */
    void local_node_updated();
    static void on_presence_timer(int, short, void *arg);
    /* Graph maintenance (maintenance.cpp). */
    void signature_calculation();
    void signature_changed();
    void internal_record_received(const Record &record);
    std::size_t contact_minimum() const;
    /* Whether we hold a live Contact record; *change: whether contact
     * maintenance would publish or delete it. */
    bool contact_wanted(bool *change) const;
    void contact_maintenance();
    GraphError publish_contact();
    std::vector<ContactInfo> foreign_contacts() const;
    void partition_detection();
    void connection_maintenance(bool timer_triggered);
    void long_term_partition_repair();
    bool connected_to(std::uint64_t node_id) const;
    /* Whether an address someone else published is one graph maintenance
     * may connect to (maintenance.cpp). */
    bool candidate_in_scope(const sockaddr_in6 &address) const;
    bool met_on_loopback_ = false; /* listened, connected or was reached on ::1 (candidate_in_scope) */
    /* A connection attempt of our own (no failure event); false when that
     * address was tried since the last maintenance pass or cannot be. */
    bool maintenance_connect(const sockaddr_in6 &address);
    double utility(std::uint64_t link_id) const;
    void update_utility(std::uint64_t link_id, bool useful);
    void drop_neighbor(std::shared_ptr<Link> link, wire::DisconnectReason reason);
    static void on_maintenance_timer(int, short, void *arg);
    static void on_signature_timer(int, short, void *arg);
    static void on_contact_timer(int, short, void *arg);
    static void on_partition_timer(int, short, void *arg);
    /* Records as the application may see them: no internal types, no
     * tombstones, nothing past its expiration (unless expiration waits). */
    bool visible(const Record &r, FileTime now) const;
    /* MS-PPGRH 2.2.3.1 "D": with Deferred Expiration records expire only
     * while connected to another node; true while that holds them back. */
    bool expiration_deferred() const;
    GraphError load_properties();
    /* The first synchronization (or an import) brought the Graph Info
     * record: the graph becomes usable and says so in its database. */
    GraphError become_synchronized();
    GraphError publish(const Record &record, RecordChange change, bool notify, const Link *from = nullptr);
    GraphError check_app_record(const Record &in, FileTime now) const;
    GraphError write_meta(const char *key, const std::string &value);
    /* A new database's metadata: whose graph it is and its state. */
    GraphError write_identity(const std::string &graph_id, const std::string &database_name, bool synchronized);
    void raise(const GraphEvent &event);
    /* STATUS_CHANGED with the status as it is now. */
    void raise_status();
    void schedule_timers();
    /* Our records that autorefresh renews (MS-PPGRH 3.1.7.22). */
    std::vector<Record> own_autorefresh_records() const;
    void arm(struct event **timer, FileTime delay, void (*callback)(int, short, void *));
    /* arm(), unless the timer is pending already (it keeps its time). */
    void arm_unless_pending(struct event **timer, FileTime delay, void (*callback)(int, short, void *));
    static bool timer_pending(struct event *timer);
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
    bool network_started_ = false; /* Listen or Connect was called (ImportDatabase may not follow) */
    std::vector<Guid> sync_precedence_;
    std::vector<std::shared_ptr<EventRegistration>> registrations_;
    std::map<std::uint64_t, std::shared_ptr<DirectConnection>> direct_;
    /* The connected links, readable from any thread. */
    mutable std::mutex data_links_lock_;
    std::map<std::uint64_t, std::weak_ptr<Link>> data_links_;
    void forget_data_link(std::uint64_t id);
    std::uint64_t node_id_ = 0;
    std::string graph_id_; /* known before the Graph Info record is */
    FileTime left_peer_time_ = 0; /* when this node last left the graph (time-based sync) */
    bool peer_time_adjusted_ = false; /* by a neighbor's WELCOME since Create/Open */
    /* MS-PPGRH 3.1.7.29-30: an initiator's synchronization on one link:
     * the types still to ask for one by one (Sync Record Types), then the
     * "everything else" request. */
    struct SyncState {
        std::vector<Guid> types;
        std::size_t next = 0;
        bool everything_else_sent = false;
        FileTime since = 0; /* 0: Sync All (SOLICIT_NEW), else SOLICIT_TIME */
        /* MS-PPGRH 3.1.7.31: hash-based sync, after the record types (a
         * returning node) or alone (every connection after the first). */
        bool hash_after = false;
        enum class Phase { types, advertise, records } phase = Phase::types;
        std::vector<Guid> to_send; /* ours that the responder lacks */
    };
    bool synchronized_once_ = false; /* a sync completed since Create/Open */
    /* Received FLOODs of one read wakeup are stored in one transaction and
     * ACKed in one message once it committed. */
    void close_batch();
    std::map<std::uint64_t, wire::Ack> pending_acks_;
    /* Long answers (synchronization) go out as the link drains, a few MiB
     * at a time, read from the database as they go: records by id, and
     * SYNC_ENDs where the answer has them. */
    struct OutItem {
        enum class Kind { record, sync_end, final_sync_end } kind = Kind::record;
        Guid id;
    };
    std::map<std::uint64_t, std::deque<OutItem>> outboxes_;
    void queue_out(Link &link, std::vector<OutItem> items);
    void pump_outbox(Link &link);
    void start_hash_sync(Link &link);
    void handle_advertise(Link &link, const wire::Advertise &advertise);
    void answer_request(Link &link, const wire::Request &request);
    /* Id, version and modification time of the records that take part in
     * hash-based sync (not expired). */
    std::vector<hash_sync::Entry> hash_sync_entries() const;
    std::map<std::uint64_t, SyncState> syncs_;
    std::deque<wire::In6Address> referral_list_;
    std::vector<wire::In6Address> attempted_referrals_;
    std::map<std::uint64_t, std::shared_ptr<Link>> neighbors_;
    std::uint16_t listening_port_ = 0;
    std::vector<sockaddr_in6> listening_addresses_;
    bool force_presence_ = false; /* PeerGraphSetPresence(TRUE) */
    std::string node_attributes_;
    struct event *presence_timer_ = nullptr;
    struct event *maintenance_timer_ = nullptr;
    struct event *signature_timer_ = nullptr;
    bool signature_recheck_ = false; /* the signature timer waits the daily recheck */
    struct event *contact_timer_ = nullptr;
    struct event *partition_timer_ = nullptr;
    std::map<std::uint64_t, double> utility_; /* connection utility by link id */
    /* What a neighbor may still get wrong (neighbors.cpp). */
    struct NeighborBudget {
        double invalid_records = 0;
        double solicits = 0;
        FileTime last = 0;
    };
    std::map<std::uint64_t, NeighborBudget> budgets_;
    /* The storage quota: stored_bytes_ is an upper bound of the database's
     * payload, made exact again from the database (at most once a second)
     * whenever it passes the quota. */
    bool within_quota(std::uint64_t adding);
    std::uint64_t stored_bytes_ = 0;
    FileTime stored_bytes_counted_ = 0;
    /* Counts one event against the link's budget; false (and the link
     * aborted) once it is spent. */
    bool spend_budget(Link &link, double NeighborBudget::*counter, double budget);
    std::set<std::uint64_t> maintenance_links_;
    std::vector<sockaddr_in6> maintenance_tried_;
    struct event *expiration_timer_ = nullptr;
    struct event *autorefresh_timer_ = nullptr;
    FileTime next_expiration_check_ = 0;
};

} // namespace p2pg

#endif
