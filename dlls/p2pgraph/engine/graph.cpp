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

#include "graph.h"
#include "record_book.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>
#include <utility>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "attributes.h"
#include "internal_records.h"
#include "loop.h"
#include "log.h"
#include "record_rules.h"
#include "search.h"
#include "record_reader.h"
#include "store.h"
#include "utf.h"

namespace p2pg {

namespace {

/* How long a due WAL checkpoint waits (FILETIME ticks): past the read
 * wakeup or API call whose commit made it due. */
constexpr FileTime kCheckpointDelay = kTicksPerSecond / 500;

const char kMetaDatabaseName[] = "database_name";
const char kMetaPeerTimeDelta[] = "peer_time_delta";
const char kMetaSynchronized[] = "synchronized";
const char kMetaLeftPeerTime[] = "left_peer_time";
const char kMetaSecurity[] = "security";

/* Graphs open in this process, by (graph id, peer id, database name). */
std::mutex registry_lock;
std::set<std::string> &open_graphs()
{
    static std::set<std::string> *graphs = new std::set<std::string>;
    return *graphs;
}

std::string registry_key(const std::string &graph_id, const std::string &peer_id, const std::string &database_name)
{
    std::string key = graph_id;
    key.push_back('\0');
    key += peer_id;
    key.push_back('\0');
    key += database_name;
    return key;
}

} // namespace

Graph::Graph(const GraphEnvironment &env, std::string key) : env_(env), key_(std::move(key))
{
    /* MS-PPGRH 3.1.4.1-2: a random 64-bit node id for every Create/Open. */
    do {
        Guid g = random_guid();
        std::memcpy(&node_id_, g.bytes.data(), sizeof(node_id_));
    } while (!node_id_);
}

Graph::~Graph()
{
    if (!key_.empty()) {
        std::lock_guard<std::mutex> guard(registry_lock);
        open_graphs().erase(key_);
    }
}

std::string Graph::database_path(const GraphEnvironment &env, const std::string &graph_id,
                                 const std::string &peer_id, const std::string &database_name)
{
    /* Ids and names may hold any character: the file is named by a digest. */
    std::string key = registry_key(graph_id, peer_id, database_name);
    unsigned char digest[16];
    gnutls_hash_fast(GNUTLS_DIG_MD5, key.data(), key.size(), digest);
    char name[40];
    for (int i = 0; i < 16; ++i) std::snprintf(name + 2 * i, 3, "%02x", digest[i]);
    return env.data_directory + "/" + name + ".graphdb";
}

GraphError Graph::claim(const std::string &key)
{
    std::lock_guard<std::mutex> guard(registry_lock);
    if (!open_graphs().insert(key).second) return GraphError::duplicate_graph;
    return GraphError::ok;
}

GraphError Graph::create(const GraphEnvironment &env, const GraphProperties &in, const std::string &database_name,
                         std::shared_ptr<Graph> *out)
{
    std::string why;
    if (!validate_new_properties(in, &why) || database_name.empty()) return GraphError::invalid_argument;
    GraphProperties properties = normalized(in);
    const std::string &peer_id = properties.creator_id;
    std::string key = registry_key(properties.graph_id, peer_id, database_name);
    if (claim(key) != GraphError::ok) return GraphError::duplicate_graph;
    std::shared_ptr<Graph> graph(new Graph(env, key));
    if (env.record_security) graph->security_.enable();

    std::string path = database_path(env, properties.graph_id, peer_id, database_name);
    std::unique_ptr<Store> existing;
    StoreStatus status = Store::open(path, false, &existing);
    if (status != StoreStatus::no_such_file) {
        /* A database of this graph is already here (or something is in the
         * way of making one). */
        return status == StoreStatus::ok ? GraphError::duplicate_graph : graph_error(status);
    }
    bool created = false;
    status = Store::open(path, true, &graph->store_, &created);
    if (status != StoreStatus::ok) return graph_error(status);
    if (!created) return GraphError::duplicate_graph;

    graph->peer_id_ = peer_id;
    graph->graph_id_ = properties.graph_id;
    graph->properties_ = properties;
    graph->ready_ = true;
    GraphError err = graph->write_identity(properties.graph_id, database_name, true);
    if (err == GraphError::ok) err = graph->write_meta(kMetaSecurity, env.security);
    if (err != GraphError::ok) {
        graph->store_.reset();
        Store::remove(path);
        return err;
    }

    /* MS-PPGRH 3.1.4.1: the creator publishes the Graph Info record. */
    FileTime now = graph->peer_time();
    Record info;
    info.type = kRecordTypeGraphInfo;
    info.id = kRecordIdGraphInfo;
    info.version = 1;
    info.flags = kRecordFlagAutorefresh;
    info.creator_id = peer_id;
    info.creation_time = info.modification_time = now;
    info.expiration_time = now + kGraphInfoLifetime;
    info.data = encode_graph_info(properties);
    if ((err = graph->publish(info, RecordChange::added, false)) != GraphError::ok) {
        graph->store_.reset();
        Store::remove(path);
        return err;
    }
    graph->flood_.recount_storage();
    graph->records_.schedule_timers();
    graph->open_reader();
    *out = std::move(graph);
    return GraphError::ok;
}

GraphError Graph::open(const GraphEnvironment &env, const std::string &graph_id, const std::string &peer_id,
                       const std::string &database_name, const std::vector<Guid> &sync_precedence,
                       std::shared_ptr<Graph> *out, bool *data_created)
{
    if (!valid_id(graph_id, kMaxOpenGraphIdChars) || !valid_id(peer_id) || database_name.empty())
        return GraphError::invalid_argument;
    std::string key = registry_key(graph_id, peer_id, database_name);
    if (claim(key) != GraphError::ok) return GraphError::duplicate_graph;
    std::shared_ptr<Graph> graph(new Graph(env, key));
    graph->peer_id_ = peer_id;
    graph->graph_id_ = graph_id;
    graph->opened_ = true;
    graph->sync_precedence_ = sync_precedence;
    if (env.record_security) graph->security_.enable();

    bool created = false;
    StoreStatus status =
        Store::open(database_path(env, graph_id, peer_id, database_name), true, &graph->store_, &created);
    if (status != StoreStatus::ok) return graph_error(status);

    GraphError err;
    if (created) {
        if ((err = graph->write_identity(graph_id, database_name, false)) != GraphError::ok ||
            (err = graph->write_meta(kMetaSecurity, env.security)) != GraphError::ok)
            return err;
    } else {
        if (graph->store_->meta(kMetaGraphId).value_or("") != graph_id ||
            graph->store_->meta(kMetaPeerId).value_or("") != peer_id)
            return GraphError::invalid_database;
        /* MS-PPGRH 3.1.4.2: a graph created with a security provider is
         * opened with the same one (and one created without, without). */
        if (graph->store_->meta(kMetaSecurity).value_or("") != env.security) return GraphError::security_mismatch;
        graph->peer_time_delta_ = std::strtoll(graph->store_->meta(kMetaPeerTimeDelta).value_or("0").c_str(),
                                               nullptr, 10);
        graph->left_peer_time_ = std::strtoll(graph->store_->meta(kMetaLeftPeerTime).value_or("0").c_str(), nullptr, 10);
    }
    graph->ready_ = graph->store_->meta(kMetaSynchronized).value_or("0") == "1";
    /* MS-PPGRH 3.1.4.2: what the nodes of the graph said about themselves
     * (Presence, Signature, Contact) is stale by now; it comes back from
     * the graph. */
    for (const Guid *type : {&kRecordTypePresence, &kRecordTypeSignature, &kRecordTypeContact}) {
        RecordFilter filter;
        filter.type = type;
        filter.include_internal = true;
        filter.include_deleted = true;
        for (const Record &r : graph->store_->list(filter)) graph->store_->erase(r.id);
    }
    /* 3.1.4.2: every record is validated again before it is used; what
     * fails (a damaged or tampered file) is dropped, and the graph opens. */
    std::size_t dropped = 0;
    status = graph->store_->drop_invalid(
        [&](const Record &r) { return record_acceptable(r, graph_id, kMaxRecordSizeLimit); }, &dropped);
    if (status != StoreStatus::ok) return graph_error(status);
    if (dropped) P2PG_WARN(store, "graph %s: dropped %zu invalid records from the database", graph_id.c_str(), dropped);
    graph->flood_.recount_storage();
    if (graph->ready_ && graph->load_properties() != GraphError::ok) {
        /* No usable Graph Info left: the graph takes it from its neighbors
         * again, as a node that never synchronized does. */
        P2PG_WARN(graph, "graph %s: no valid Graph Info record; synchronizing anew", graph_id.c_str());
        if ((err = graph->write_meta(kMetaSynchronized, "0")) != GraphError::ok) return err;
        graph->ready_ = false;
    }
    if (graph->ready_) {
        /* Our own internal records went stale while the graph was closed:
         * refresh them before expiry could take them away. */
        graph->process_autorefresh();
        graph->process_expirations();
    }
    graph->records_.schedule_timers();
    graph->open_reader();
    *data_created = !graph->ready_;
    *out = std::move(graph);
    return GraphError::ok;
}

GraphError Graph::remove(const GraphEnvironment &env, const std::string &graph_id, const std::string &peer_id,
                         const std::string &database_name)
{
    if (!valid_id(graph_id, kMaxOpenGraphIdChars) || !valid_id(peer_id) || database_name.empty())
        return GraphError::invalid_argument;
    std::string key = registry_key(graph_id, peer_id, database_name);
    std::lock_guard<std::mutex> guard(registry_lock);
    if (open_graphs().count(key)) return GraphError::access_denied;
    StoreStatus status = Store::remove(database_path(env, graph_id, peer_id, database_name));
    /* Deleting a graph that has no data here is not an error. */
    if (status == StoreStatus::no_such_file) return GraphError::ok;
    return graph_error(status);
}

void Graph::close()
{
    if (!store_) return;
    flood_.close_batch();
    security_.close();
    if (env_.transport && listening()) env_.transport->stop_listening(this);
    listening_port_ = 0;
    data_links_.clear();
    /* MS-PPGRH 3.1.4.12: our Contact, Presence and Signature records are
     * deleted (the deletions are flooded ahead of the DISCONNECTs), then
     * DISCONNECT (LEAVING) on every connection. */
    if (ready_)
        for (const Guid *type : {&kRecordTypeContact, &kRecordTypePresence, &kRecordTypeSignature})
            if (std::optional<Record> own = records_.own_internal(*type))
                if (!own->deleted()) records_.delete_own(*own);
    /* Each neighbor is told where else to go (3.1.7.25). */
    std::map<std::uint64_t, std::vector<wire::In6Address>> referrals;
    for (auto &entry : neighbors_)
        if (entry.second->connected()) referrals[entry.first] = neighbor_referrals(&entry.second->link());
    for (auto &entry : std::exchange(neighbors_, {}))
        entry.second->link().close_with(wire::DisconnectReason::leaving, std::move(referrals[entry.first]));
    direct_.close_all();
    send_owed_signals();
    registrations_.clear();
    checkpoint_timer_.stop();
    records_.stop();
    presence_.stop();
    maintenance_.stop();
    /* What time-based synchronization needs when the node comes back
     * (MS-PPGRH 3.1.4.12). */
    store_->set_meta(kMetaLeftPeerTime, std::to_string(peer_time()));
    store_->set_meta(kMetaPeerTimeDelta, std::to_string(peer_time_delta_));
    /* The main connection closes last: it checkpoints and removes the WAL. */
    if (reader_) reader_->close();
    store_.reset();
    std::lock_guard<std::mutex> guard(registry_lock);
    open_graphs().erase(key_);
    key_.clear();
}

GraphError Graph::usable() const
{
    if (!store_) return GraphError::shutting_down;
    if (!ready_) return GraphError::not_ready;
    return GraphError::ok;
}

std::uint32_t Graph::max_record_size() const
{
    return ready_ ? properties_.effective_max_record_size() : kMaxRecordSizeLimit;
}

std::uint32_t Graph::status() const
{
    std::uint32_t status = 0;
    if (ready_) status |= kStatusSynchronized;
    if (listening()) status |= kStatusListening;
    if (neighbor_count()) status |= kStatusHasConnections;
    return status;
}

FileTime Graph::peer_time() const
{
    return to_peer_time(env_.clock->now_utc());
}

GraphError Graph::write_meta(const char *key, const std::string &value)
{
    return graph_error(store_->set_meta(key, value));
}

GraphError Graph::write_identity(const std::string &graph_id, const std::string &database_name, bool synchronized)
{
    GraphError err;
    if ((err = write_meta(kMetaGraphId, graph_id)) != GraphError::ok ||
        (err = write_meta(kMetaPeerId, peer_id_)) != GraphError::ok ||
        (err = write_meta(kMetaDatabaseName, database_name)) != GraphError::ok ||
        (err = write_meta(kMetaPeerTimeDelta, "0")) != GraphError::ok)
        return err;
    return write_meta(kMetaSynchronized, synchronized ? "1" : "0");
}

GraphError Graph::become_synchronized()
{
    GraphError err = load_properties();
    if (err != GraphError::ok) return err;
    if ((err = write_meta(kMetaSynchronized, "1")) != GraphError::ok) return err;
    ready_ = true;
    publish_read_state();
    records_.schedule_timers();
    /* A presence PeerGraphSetPresence forced before this goes out now. */
    presence_.maintenance();
    return GraphError::ok;
}

GraphError Graph::load_properties()
{
    std::optional<Record> info = store_->get(kRecordIdGraphInfo);
    if (!info || info->type != kRecordTypeGraphInfo || !decode_graph_info(info->data, &properties_))
        return GraphError::invalid_database;
    /* The flags (Deferred Expiration) may have changed. */
    publish_read_state();
    return GraphError::ok;
}

void Graph::open_reader()
{
    /* With the reader, once the store is there (Create and Open make the
     * graph first): a checkpoint (milliseconds of writing and syncing)
     * goes after what the commit that made it due was part of, not
     * inside it (Graph::checkpoint, on the reader's connection). */
    if (env_.loop) store_->defer_checkpoints([this] { checkpoint_timer_.arm_unless_pending(kCheckpointDelay); });
    std::unique_ptr<StoreReader> store;
    /* Without one every read goes through the loop. */
    if (store_->open_reader(&store) != StoreStatus::ok) return;
    reader_ = std::make_shared<RecordReader>(std::move(store), *env_.clock);
    publish_read_state();
}

void Graph::publish_read_state()
{
    if (reader_)
        reader_->publish(store_ && ready_ && !(properties_.flags & kGraphFlagDeferExpiration), peer_time_delta_);
}

GraphError Graph::properties(GraphProperties *out) const
{
    GraphError err = usable();
    if (err == GraphError::ok) *out = properties_;
    return err;
}

GraphError Graph::set_properties(const GraphProperties &changes)
{
    if (!store_) return GraphError::shutting_down;
    std::string why;
    if (!validate_changed_properties(changes, &why)) return GraphError::invalid_argument;
    /* Its page lists E_ACCESSDENIED ("cannot access the graph"), not
     * PEER_E_GRAPH_NOT_READY: before the first synchronization there are no
     * properties to change. */
    if (!ready_) return GraphError::access_denied;
    GraphError err;
    std::optional<Record> info = store_->get(kRecordIdGraphInfo);
    if (!info) return GraphError::invalid_database;

    GraphProperties updated = properties_;
    updated.friendly_name = changes.friendly_name;
    updated.comment = changes.comment;
    updated.presence_lifetime = changes.presence_lifetime;
    updated.presence_max = changes.presence_max;
    updated = normalized(updated);

    FileTime now = peer_time();
    Record next = *info;
    next.version = info->version + 1;
    next.modified_by_id = peer_id_;
    next.modification_time = std::max(now, info->creation_time + 1);
    next.expiration_time = std::max(info->expiration_time, now + kGraphInfoLifetime);
    next.data = encode_graph_info(updated);
    if ((err = publish(next, RecordChange::updated, false)) != GraphError::ok) return err;
    properties_ = updated;
    GraphEvent event;
    event.type = EventType::property_changed;
    raise(event);
    presence_.maintenance();
    return GraphError::ok;
}

void Graph::record_received(const Record &record, const std::optional<Record> &local, const Neighbor *from)
{
    RecordChange change = received_change(record, local);
    /* A tombstone for what we never saw alive is nothing to announce. */
    bool notify = !is_reserved_record_type(record.type) && !(record.deleted() && (!local || local->deleted()));
    if (publish(record, change, notify, from) != GraphError::ok) return;
    if (record.type == kRecordTypeGraphInfo && ready_ && load_properties() == GraphError::ok) {
        GraphEvent event;
        event.type = EventType::property_changed;
        raise(event);
    }
    /* The Presence Max or the number of presences changed. */
    if (record.type == kRecordTypeGraphInfo) presence_.maintenance();
    if (record.type == kRecordTypePresence) presence_.received(record);
    maintenance_.record_received(record);
}

void Graph::validated(const Record &record, std::uint64_t from_link)
{
    if (!store_) return;
    std::optional<Record> local = store_->get(record.id);
    if (local && (local->type != record.type || resolve_conflict(record, *local) != ConflictWinner::received)) return;
    auto it = neighbors_.find(from_link);
    if (!store_->in_batch()) store_->begin_batch();
    record_received(record, local, it != neighbors_.end() ? it->second.get() : nullptr);
}

void Graph::invalid_from(std::uint64_t from_link)
{
    auto it = neighbors_.find(from_link);
    if (it != neighbors_.end()) flood_.charge_invalid(*it->second);
}

GraphError Graph::publish(const Record &record, RecordChange change, bool notify, const Neighbor *from)
{
    std::optional<Record> previous;
    if (record.type == kRecordTypePresence) previous = store_->get(record.id);
    GraphError err = graph_error(store_->put(record));
    if (err != GraphError::ok) return err;
    if (record.type == kRecordTypePresence) presence_.changed(record, previous);
    /* MS-PPGRH 3.1.7.3, 3.1.5.2.10: every change goes to every neighbor
     * (but the one it came from). */
    flood_.send(record, from);
    if (notify) {
        GraphEvent event;
        event.type = EventType::record_changed;
        event.change = change;
        event.record_id = record.id;
        event.record_type = record.type;
        raise(event);
    }
    records_.stored(record);
    return GraphError::ok;
}

GraphError Graph::export_database(const std::string &path) const
{
    if (!store_) return GraphError::shutting_down;
    return graph_error(store_->export_to(path));
}

GraphError Graph::import_database(const std::string &path)
{
    if (!store_) return GraphError::shutting_down;
    /* PeerGraphImportDatabase: only for a graph opened with PeerGraphOpen,
     * and only before PeerGraphListen or PeerGraphConnect (its page). */
    if (!opened_ || network_started_) return GraphError::graph_in_use;
    std::vector<Record> records;
    StoreStatus status = Store::read_export(path, store_->meta(kMetaGraphId).value_or(""), peer_id_, &records);
    if (status != StoreStatus::ok) return graph_error(status);
    /* Every record passes what a received one passes (a file is as hostile
     * as a peer), and the file is taken whole or not at all: one bad record,
     * or no Graph Info where the graph has none yet, and nothing is
     * written. */
    bool graph_info = false;
    for (const Record &r : records) {
        if (!record_acceptable(r, graph_id_, max_record_size())) return GraphError::invalid_database;
        graph_info = graph_info || r.id == kRecordIdGraphInfo;
    }
    if (!ready_ && !graph_info) return GraphError::invalid_database;
    /* Merged as a FLOOD would be (MS-PPGRH 3.1.7.32): an older export never
     * takes a record back to an earlier version.  What nodes said of
     * themselves is stale, as when a database is opened (3.1.4.2). */
    std::vector<Record> newer;
    for (Record &r : records) {
        if (r.type == kRecordTypePresence || r.type == kRecordTypeSignature || r.type == kRecordTypeContact) continue;
        std::optional<Record> local = store_->get(r.id);
        /* A record keeps its type for life (as in Flood::receive). */
        if (local && local->type != r.type) return GraphError::invalid_database;
        if (!local || resolve_conflict(r, *local) == ConflictWinner::received) newer.push_back(std::move(r));
    }
    GraphError err = graph_error(store_->put_many(newer));
    if (err != GraphError::ok) return err;
    bool was_ready = ready_;
    if (!was_ready && (err = become_synchronized()) != GraphError::ok) {
        /* An export without Graph Info cannot make the graph usable. */
        return err;
    }
    if (was_ready && load_properties() != GraphError::ok) return GraphError::ok;
    process_autorefresh();
    records_.process_expirations();
    records_.schedule_timers();
    if (!was_ready) {
        /* The imported data is what a first synchronization would have
         * brought: the graph is synchronized from now on. */
        raise_status();
    }
    return GraphError::ok;
}

GraphError Graph::set_presence(bool present)
{
    return presence_.set_presence(present);
}

GraphError Graph::set_node_attributes(const std::string &attributes)
{
    return presence_.set_node_attributes(attributes);
}

GraphError Graph::enum_nodes(const std::string *peer_id, std::vector<NodeInfo> *out) const
{
    return presence_.enum_nodes(peer_id, out);
}

GraphError Graph::node_info(std::uint64_t node_id, NodeInfo *out) const
{
    return presence_.node_info(node_id, out);
}

void Graph::graph_maintenance(bool timer_triggered)
{
    maintenance_.run(timer_triggered);
}

std::uint64_t Graph::signature() const
{
    return maintenance_.signature();
}

GraphError Graph::add_record(const Record &in, Guid *id)
{
    return records_.add(in, id);
}

GraphError Graph::draft_record(RecordOp op, const Record &in, Record *out) const
{
    return records_.draft(op, in, out);
}

GraphError Graph::commit_record(RecordOp op, const Record &draft)
{
    return records_.commit(op, draft);
}

GraphError Graph::update_record(const Record &in)
{
    return records_.update(in);
}

GraphError Graph::delete_record(const Guid &id, bool local)
{
    return records_.remove(id, local);
}

GraphError Graph::get_record(const Guid &id, Record *out) const
{
    return records_.get(id, out);
}

GraphError Graph::enum_records(const Guid *type, const std::string *creator_id, std::vector<Record> *out) const
{
    return records_.list(type, creator_id, out);
}

GraphError Graph::search_records(const SearchQuery &query, std::vector<Record> *out) const
{
    return records_.search(query, out);
}

GraphError Graph::record_page(const RecordSelection &selection, std::int64_t *after, RecordBookPage *out,
                              bool *end) const
{
    return records_.page(selection, after, out, end);
}

GraphError Graph::count_records(const RecordSelection &selection, std::size_t *count) const
{
    return records_.count(selection, count);
}

GraphError Graph::records_ceiling(std::int64_t *rowid) const
{
    return records_.ceiling(rowid);
}

void Graph::process_expirations()
{
    records_.process_expirations();
}

void Graph::process_autorefresh()
{
    records_.process_autorefresh();
}

void Graph::add_registration(std::shared_ptr<EventRegistration> registration)
{
    if (store_) registrations_.push_back(std::move(registration));
}

void Graph::remove_registration(const EventRegistration *registration)
{
    owed_signals_.erase(std::remove_if(owed_signals_.begin(), owed_signals_.end(),
                                       [registration](const auto &r) { return r.get() == registration; }),
                        owed_signals_.end());
    registrations_.erase(std::remove_if(registrations_.begin(), registrations_.end(),
                                        [registration](const auto &r) { return r.get() == registration; }),
                         registrations_.end());
    /* Its undrained data no longer holds the links back. */
    resume_reading();
}

void Graph::raise(const GraphEvent &event)
{
    /* One SetEvent (a wineserver round trip) for all the events of a read
     * wakeup or a loop turn.  Without a loop (unit tests) at once. */
    for (auto &registration : registrations_) {
        if (!env_.loop) {
            registration->offer(event);
        } else if (registration->offer_holding_signal(event) == EventRegistration::Offered::signal_owed) {
            owed_signals_.push_back(registration);
            signal_timer_.arm_unless_pending(0);
        }
    }
}

void Graph::checkpoint()
{
    if (!store_) return;
    /* On a thread of its own, through the reader's connection, while the
     * loop goes on forwarding and committing; closing the graph waits for
     * it (RecordReader::close takes the same lock). */
    if (reader_) {
        if (checkpointing_->exchange(true)) return; /* one at a time; the next commit asks again */
        try {
            std::thread([reader = reader_, running = checkpointing_] {
                reader->checkpoint();
                running->store(false);
            }).detach();
            return;
        } catch (const std::system_error &) {
            checkpointing_->store(false);
        }
    }
    if (store_->in_batch()) checkpoint_timer_.arm(kCheckpointDelay);
    else store_->checkpoint();
}

void Graph::send_owed_signals()
{
    signal_timer_.stop();
    for (const auto &registration : std::exchange(owed_signals_, {})) registration->signal();
}

void Graph::raise_status()
{
    GraphEvent event;
    event.type = EventType::status_changed;
    event.status = status();
    raise(event);
}

void Graph::add_direct_connection(std::uint64_t id, std::shared_ptr<DirectConnection> connection)
{
    direct_.add(id, std::move(connection));
}

bool Graph::close_direct_connection(std::uint64_t id)
{
    return direct_.close(id);
}

GraphError Graph::send_data(std::uint64_t connection_id, const Guid &type, const std::uint8_t *data,
                             std::size_t size) const
{
    if (!env_.loop) return GraphError::connection_not_found;
    return data_links_.send(connection_id, type, data, size);
}

void Graph::wait_writable(std::uint64_t connection_id, int timeout_ms) const
{
    data_links_.wait_writable(connection_id, timeout_ms);
}

std::vector<ConnectionInfo> Graph::connections(std::uint32_t flags) const
{
    std::vector<ConnectionInfo> out;
    if (flags & kConnectionNeighbor)
        for (const auto &entry : neighbors_)
            if (entry.second->connected()) out.push_back(entry.second->link().info());
    if (flags & kConnectionDirect) direct_.append_info(&out);
    return out;
}

std::vector<sockaddr_in6> Graph::listening_addresses() const
{
    return listening_addresses_;
}

std::vector<wire::In6Address> Graph::wire_listening_addresses() const
{
    std::vector<wire::In6Address> out;
    for (const sockaddr_in6 &a : listening_addresses_) out.push_back(to_wire_address(a));
    return out;
}

LinkIntroduction Graph::introduction(wire::ConnectionType type, const std::string &remote_peer_id) const
{
    LinkIntroduction intro;
    intro.type = type;
    intro.graph_id = graph_id_;
    intro.local_peer_id = peer_id_;
    intro.remote_peer_id = remote_peer_id;
    intro.local_node_id = node_id_;
    intro.listening_addresses = wire_listening_addresses();
    return intro;
}

GraphError Graph::listen(std::uint32_t scope, std::uint32_t scope_id, std::uint16_t port)
{
    GraphError err = usable();
    if (err != GraphError::ok) return err;
    /* Its page lists no PEER_E_ALREADY_LISTENING: a node that listens
     * already goes on as it does, and the call succeeds. */
    if (listening()) return GraphError::ok;
    if (!env_.transport) return GraphError::io_error;
    std::vector<sockaddr_in6> addresses = local_addresses(env_.addresses, scope ? scope : kScopeGlobal, scope_id);
    std::uint16_t bound = 0;
    if ((err = env_.transport->listen(this, addresses, port, &bound)) != GraphError::ok) return err;
    for (sockaddr_in6 &a : addresses) a.sin6_port = htons(bound);
    listening_addresses_ = std::move(addresses);
    listening_port_ = bound;
    for (const sockaddr_in6 &a : listening_addresses_)
        if (IN6_IS_ADDR_LOOPBACK(&a.sin6_addr)) met_on_loopback_ = true;
    network_started_ = true;
    presence_.local_node_updated();
    announce_listening();
    presence_.maintenance();
    /* MS-PPGRH 3.1.4.8: graph maintenance, which also starts its timer. */
    maintenance_.run(false);
    raise_status();
    return GraphError::ok;
}

GraphError Graph::open_direct_connection(const std::string &peer_id, const sockaddr_in6 &address, std::uint64_t *id)
{
    return direct_.open(peer_id, address, id);
}

bool Graph::accepts_link(const wire::AuthInfo &auth) const
{
    if (!store_ || !ready_ || auth.graph_id != graph_id_) return false;
    return !auth.destination_peer_id || *auth.destination_peer_id == peer_id_;
}

void Graph::adopt_link(std::shared_ptr<Link> link)
{
    link->set_handler(this);
    std::uint64_t id = link->id();
    if (link->type() == wire::ConnectionType::neighbor)
        neighbors_[id] = std::make_shared<Neighbor>(std::move(link));
    else
        direct_.adopt(std::move(link));
}


bool Graph::on_connect(Link &link, const wire::Connect &connect, wire::Welcome *welcome, wire::Refuse *refuse)
{
    if (link.type() == wire::ConnectionType::neighbor) return neighbor_connect(link, connect, welcome, refuse);
    return direct_.on_connect(link, welcome, refuse);
}

void Graph::on_connected(Link &link)
{
    data_links_.add(link);
    if (link.type() == wire::ConnectionType::neighbor)
        neighbor_connected(link);
    else
        direct_.on_connected(link);
}

void Graph::raise_connection_event(EventType type, Link &link, ConnectionStatus status, ConnectionFailure failure)
{
    GraphEvent event;
    event.type = type;
    event.connection_status = status;
    event.connection_id = link.id();
    event.node_id = link.remote_node_id();
    event.failure = failure;
    raise(event);
}

void Graph::on_closed(Link &link, LinkEnd end)
{
    /* A link that ended in the middle of a read hears no on_read_done. */
    send_owed_signals();
    data_links_.remove(link.id());
    if (link.type() == wire::ConnectionType::neighbor)
        neighbor_closed(link, end);
    else
        direct_.on_closed(link, end);
}

void Graph::on_message(Link &link, wire::Message &&message)
{
    if (link.type() == wire::ConnectionType::neighbor) {
        /* Held: what the message does may drop the neighbor.  A link no
         * longer in the Neighbor List (dropped, closing) is not listened to. */
        if (std::shared_ptr<Neighbor> neighbor = neighbor_of(link)) neighbor_message(*neighbor, std::move(message));
        return;
    }
    /* A direct link carries application data (on_data) and nothing else. */
    link.abort(LinkEnd::protocol_error);
}

void Graph::on_data(Link &link, const Guid &type, std::shared_ptr<const std::vector<std::uint8_t>> message,
                    std::size_t offset)
{
    /* MS-PPGRH 3.1.5.2.13: the protocol's Ping is dropped silently. */
    if (type == kPingDataType) return;
    GraphEvent event;
    event.type = EventType::incoming_data;
    event.connection_id = link.id();
    event.data_type = type;
    event.data = std::move(message);
    event.data_offset = offset;
    event.data_shared =
        std::count_if(registrations_.begin(), registrations_.end(), [&](const auto &r) { return r->wants(event); }) > 1;
    raise(event);
    for (const auto &registration : registrations_) {
        if (registration->congested()) {
            registration->set_throttled(true);
            link.pause_reading();
        }
    }
}

void Graph::resume_reading()
{
    for (const auto &registration : registrations_)
        if (!registration->drained()) return;
    direct_.resume_reading();
    for (auto &entry : neighbors_) entry.second->link().resume_reading();
}

} // namespace p2pg
