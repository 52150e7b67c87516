/*
 * Engine record book (MS-PPGRH 3.1.4.3-5, 3.1.6.7, 3.1.7.3-8, 3.1.7.18-22)
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

/* The application's records are the database's records that are not
 * internal, not tombstones and not expired; this node's internal records
 * are found by creator and node id.  Conflict resolution and validation
 * of what neighbors send are in record_rules.cpp, the flooding in
 * flood.cpp. */

#include <algorithm>
#include <iterator>
#include <utility>

#include "attributes.h"
#include "graph.h"
#include "internal_records.h"
#include "record_book.h"
#include "record_rules.h"
#include "search.h"

namespace p2pg {

namespace {

/* MS-PPGRH 3.1.6.7: the Record Expiration timer never runs more often than
 * every 15 s nor less often than daily. */
constexpr FileTime kExpirationMinDelay = 15 * kSecond;
constexpr FileTime kExpirationMaxDelay = 24 * 3600 * kSecond;
/* MS-PPGRH 3.1.7.22: refresh 20 s before expiry; the timer waits at least 4 s. */
constexpr FileTime kAutorefreshLead = 20 * kSecond;
constexpr FileTime kAutorefreshMinDelay = 4 * kSecond;

} // namespace

GraphError graph_error(StoreStatus status)
{
    switch (status) {
    case StoreStatus::ok: return GraphError::ok;
    case StoreStatus::not_found: return GraphError::record_not_found;
    case StoreStatus::corrupt:
    case StoreStatus::foreign: return GraphError::invalid_database;
    case StoreStatus::no_such_file: return GraphError::no_such_file;
    case StoreStatus::access_denied: return GraphError::access_denied;
    case StoreStatus::disk_full: return GraphError::disk_full;
    case StoreStatus::exists: return GraphError::duplicate_graph;
    case StoreStatus::io_error: break;
    }
    return GraphError::io_error;
}

RecordBook::RecordBook(Graph &graph)
    : graph_(graph), expiration_timer_(graph.env_.loop,
                                       [this] {
                                           next_expiration_check_ = 0;
                                           process_expirations();
                                           schedule_timers();
                                       }),
      autorefresh_timer_(graph.env_.loop,
                         [this] {
                             process_autorefresh();
                             schedule_timers();
                         })
{
}

void RecordBook::stop()
{
    expiration_timer_.stop();
    autorefresh_timer_.stop();
}

void RecordBook::stored(const Record &record)
{
    /* MS-PPGRH 3.1.7.3: bring the expiration timer forward when this record
     * expires before it would fire. */
    if (!graph_.env_.loop) return;
    FileTime now = graph_.peer_time();
    FileTime due = std::max(record.expiration_time, now + kExpirationMinDelay);
    if (!next_expiration_check_ || due < next_expiration_check_) {
        expiration_timer_.arm(due - now);
        next_expiration_check_ = due;
    }
}

bool record_visible(const Record &r, FileTime now, bool keep_expired)
{
    if (r.deleted() || is_reserved_record_type(r.type)) return false;
    return r.expiration_time > now || keep_expired;
}

std::vector<Record> RecordBookPage::records() const
{
    std::vector<Record> records = rows.records();
    records.erase(std::remove_if(records.begin(), records.end(),
                                 [this](const Record &r) { return !record_visible(r, now, keep_expired); }),
                  records.end());
    return records;
}

bool RecordBook::visible(const Record &r, FileTime now) const
{
    /* Deferred Expiration: a node alone keeps its records past their time. */
    return record_visible(r, now, expiration_deferred());
}

bool RecordBook::expiration_deferred() const
{
    return (graph_.properties_.flags & kGraphFlagDeferExpiration) != 0 && !graph_.neighbor_count();
}

GraphError RecordBook::check_app_record(const Record &in, FileTime now) const
{
    if (is_reserved_record_type(in.type)) return GraphError::invalid_argument;
    if (in.flags & (kRecordFlagAutorefresh | kRecordFlagDeleted)) return GraphError::invalid_argument;
    if (!in.creator_id.empty() && !valid_id(in.creator_id)) return GraphError::invalid_argument;
    if (!in.modified_by_id.empty() && !valid_id(in.modified_by_id)) return GraphError::invalid_argument;
    if (!parse_attributes(in.attributes, nullptr)) return GraphError::invalid_attributes;
    if (record_size(in) > graph_.max_record_size()) return GraphError::max_record_size_exceeded;
    if (in.expiration_time <= now) return GraphError::invalid_argument;
    return GraphError::ok;
}

std::vector<Record> RecordBook::live(const Guid &type, FileTime now) const
{
    RecordFilter filter;
    filter.type = &type;
    filter.include_internal = true;
    std::vector<Record> out;
    for (Record &r : graph_.store_->list(filter))
        if (r.expiration_time > now || expiration_deferred()) out.push_back(std::move(r));
    return out;
}

std::optional<Record> RecordBook::own_internal(const Guid &type) const
{
    /* Ours: created by our peer id and, for Presence and Contact, naming
     * this node (another process may use the same identity).  Of several,
     * the newest live one (not deleted, not expired), else the newest: an
     * expired record the expiration timer has not removed yet must not
     * hide the one that replaced it. */
    RecordFilter filter;
    filter.type = &type;
    filter.creator_id = &graph_.peer_id_;
    filter.include_internal = true;
    FileTime now = graph_.peer_time();
    auto live = [now](const Record &r) { return !r.deleted() && r.expiration_time > now; };
    std::optional<Record> best;
    for (Record &r : graph_.store_->list(filter)) {
        if (type == kRecordTypePresence) {
            PresenceInfo info;
            if (!decode_presence(r.data, &info) || info.node_id != graph_.node_id_) continue;
        } else if (type == kRecordTypeContact) {
            ContactInfo info;
            if (!decode_contact(r.data, &info) || info.node_id != graph_.node_id_) continue;
        } else if (type == kRecordTypeSignature) {
            std::uint64_t signature = 0;
            if (!decode_signature(r.data, &signature) || signature != graph_.node_id_) continue;
        }
        if (!best || (live(r) && !live(*best)) ||
            (live(r) == live(*best) && r.modification_time > best->modification_time))
            best = std::move(r);
    }
    return best;
}

Record RecordBook::own_draft(const Guid &type, FileTime now) const
{
    Record record;
    std::optional<Record> old = own_internal(type);
    if (old && !old->deleted() && old->expiration_time > now) {
        record = *old;
        record.version = old->version + 1;
        record.modified_by_id = graph_.peer_id_;
        record.modification_time = std::max(now, old->modification_time + 1);
    } else {
        record.type = type;
        record.id = make_record_id(graph_.peer_id_, random_guid());
        record.version = 1;
        record.creator_id = graph_.peer_id_;
        record.creation_time = record.modification_time = now;
    }
    return record;
}

GraphError RecordBook::delete_own(const Record &old)
{
    Record record = old;
    record.version = old.version + 1;
    record.flags = (old.flags & ~std::uint32_t(kRecordFlagAutorefresh)) | std::uint32_t(kRecordFlagDeleted);
    record.modified_by_id = graph_.peer_id_;
    record.modification_time = std::max(graph_.peer_time(), old.modification_time + 1);
    if (record.expiration_time <= record.modification_time) record.expiration_time = record.modification_time + 1;
    record.attributes.clear();
    record.data.clear();
    return graph_.publish(record, RecordChange::deleted, false);
}

GraphError RecordBook::draft(RecordOp op, const Record &in, Record *out) const
{
    GraphError err = graph_.usable();
    if (err != GraphError::ok) return err;
    FileTime now = graph_.peer_time();
    if (op == RecordOp::add) {
        if ((err = check_app_record(in, now)) != GraphError::ok) return err;
        Record record = in;
        if (record.creator_id.empty()) record.creator_id = graph_.peer_id_;
        record.modified_by_id.clear();
        record.id = make_record_id(record.creator_id, random_guid());
        record.version = 1;
        record.flags = 0;
        record.creation_time = record.modification_time = now;
        *out = std::move(record);
        return GraphError::ok;
    }
    std::optional<Record> old = graph_.store_->get(in.id);
    if (!old || !visible(*old, now)) return GraphError::record_not_found;
    Record record = *old;
    record.version = old->version + 1;
    /* Last Modification Time must move past Creation Time. */
    record.modification_time = std::max(now, old->modification_time + 1);
    if (op == RecordOp::update) {
        if (in.type != old->type) return GraphError::invalid_argument;
        if ((err = check_app_record(in, now)) != GraphError::ok) return err;
        /* MS-PPGRH 3.1.7.8: an update may not shorten the record's life. */
        if (in.expiration_time < old->expiration_time) return GraphError::invalid_argument;
        record.modified_by_id = in.modified_by_id.empty() ? graph_.peer_id_ : in.modified_by_id;
        record.expiration_time = in.expiration_time;
        record.attributes = in.attributes;
        record.data = in.data;
        record.security_data = in.security_data;
    } else {
        /* MS-PPGRH 3.5.3: a deletion is an update with the Deleted bit, no
         * payload and no attributes; the tombstone lives until it expires. */
        record.flags |= kRecordFlagDeleted;
        record.modified_by_id = graph_.peer_id_;
        record.attributes.clear();
        record.data.clear();
    }
    *out = std::move(record);
    return GraphError::ok;
}

GraphError RecordBook::commit(RecordOp op, const Record &draft)
{
    GraphError err = graph_.usable();
    if (err != GraphError::ok) return err;
    std::optional<Record> now = graph_.store_->get(draft.id);
    if (op == RecordOp::add) {
        if (now) return GraphError::stale;
        return graph_.publish(draft, RecordChange::added, true);
    }
    /* Another change came first (from this node or a neighbor): the draft
     * is not the next version any more. */
    if (!now || !visible(*now, graph_.peer_time())) return GraphError::record_not_found;
    if (now->version + 1 != draft.version) return GraphError::stale;
    return graph_.publish(draft, op == RecordOp::update ? RecordChange::updated : RecordChange::deleted, true);
}

GraphError RecordBook::add(const Record &in, Guid *id)
{
    Record record;
    GraphError err = draft(RecordOp::add, in, &record);
    if (err == GraphError::ok && (err = commit(RecordOp::add, record)) == GraphError::ok) *id = record.id;
    return err;
}

GraphError RecordBook::update(const Record &in)
{
    Record record;
    GraphError err = draft(RecordOp::update, in, &record);
    return err != GraphError::ok ? err : commit(RecordOp::update, record);
}

GraphError RecordBook::remove(const Guid &id, bool local)
{
    if (!local) {
        Record in, record;
        in.id = id;
        GraphError err = draft(RecordOp::remove, in, &record);
        return err != GraphError::ok ? err : commit(RecordOp::remove, record);
    }
    GraphError err = graph_.usable();
    if (err != GraphError::ok) return err;
    std::optional<Record> old = graph_.store_->get(id);
    if (!old || !visible(*old, graph_.peer_time())) return GraphError::record_not_found;
    /* Gone from this node only; synchronization may bring it back. */
    if ((err = graph_error(graph_.store_->erase(id))) != GraphError::ok) return err;
    GraphEvent event;
    event.type = EventType::record_changed;
    event.change = RecordChange::deleted;
    event.record_id = old->id;
    event.record_type = old->type;
    graph_.raise(event);
    return GraphError::ok;
}

GraphError RecordBook::get(const Guid &id, Record *out) const
{
    GraphError err = graph_.usable();
    if (err != GraphError::ok) return err;
    std::optional<Record> record = graph_.store_->get(id);
    if (!record || !visible(*record, graph_.peer_time())) return GraphError::record_not_found;
    *out = std::move(*record);
    return GraphError::ok;
}

RecordFilter selection_filter(const RecordSelection &selection, const FileTime *live_at)
{
    RecordFilter filter;
    filter.type = selection.type ? &*selection.type : nullptr;
    filter.creator_id = selection.creator_id ? &*selection.creator_id : nullptr;
    filter.max_rowid = selection.ceiling;
    filter.live_at = live_at;
    return filter;
}

GraphError RecordBook::page(const RecordSelection &selection, std::int64_t *after, RecordBookPage *out,
                            bool *end) const
{
    out->rows.clear();
    GraphError err = graph_.usable();
    if (err != GraphError::ok) return err;
    if (!selection.ceiling) {
        *end = true;
        return GraphError::ok;
    }
    out->now = graph_.peer_time();
    out->keep_expired = expiration_deferred();
    RecordFilter filter = selection_filter(selection, out->keep_expired ? nullptr : &out->now);
    StoreStatus status = read_book_page(*graph_.store_, filter, after, out, end);
    return status == StoreStatus::ok ? GraphError::ok : graph_error(status);
}

GraphError RecordBook::count(const RecordSelection &selection, std::size_t *count) const
{
    GraphError err = graph_.usable();
    if (err != GraphError::ok) return err;
    FileTime now = graph_.peer_time();
    RecordFilter filter = selection_filter(selection, expiration_deferred() ? nullptr : &now);
    *count = selection.ceiling ? graph_.store_->count(filter) : 0;
    return GraphError::ok;
}

GraphError RecordBook::ceiling(std::int64_t *rowid) const
{
    GraphError err = graph_.usable();
    if (err == GraphError::ok) *rowid = graph_.store_->last_rowid();
    return err;
}

/* Whole enumerations at once, for the engine's tests. */
GraphError RecordBook::list(const Guid *type, const std::string *creator_id, std::vector<Record> *out) const
{
    RecordSelection selection;
    if (type) selection.type = *type;
    if (creator_id) selection.creator_id = *creator_id;
    out->clear();
    GraphError err = ceiling(&selection.ceiling);
    if (err != GraphError::ok) return err;
    std::int64_t after = 0;
    bool end = false;
    RecordBookPage page;
    while (!end) {
        err = this->page(selection, &after, &page, &end);
        if (err != GraphError::ok) return err;
        std::vector<Record> records = page.records();
        std::move(records.begin(), records.end(), std::back_inserter(*out));
    }
    return GraphError::ok;
}

GraphError RecordBook::search(const SearchQuery &query, std::vector<Record> *out) const
{
    std::vector<Record> records;
    GraphError err = list(nullptr, nullptr, &records);
    if (err != GraphError::ok) return err;
    records.erase(std::remove_if(records.begin(), records.end(),
                                 [&query](const Record &r) { return !query.matches(r); }),
                  records.end());
    *out = std::move(records);
    return GraphError::ok;
}

void RecordBook::process_expirations()
{
    if (!graph_.store_ || !graph_.ready_) return;
    /* Deferred Expiration: records expire only while connected to another
     * node (MS-PPGRH 2.2.3.1 "D"); a node alone keeps everything. */
    if (expiration_deferred()) return;
    FileTime now = graph_.peer_time();
    bool own_presence_expired = false, signature_expired = false, contact_expired = false;
    std::vector<Record> expired = graph_.store_->expired(now);
    /* One transaction for them all (each erase alone would be a commit,
     * and a thousand nodes' presences may expire together). */
    bool batch = expired.size() > 1 && !graph_.store_->in_batch() && graph_.store_->begin_batch() == StoreStatus::ok;
    for (const Record &record : expired) {
        /* The Graph Info record is the graph's identity: it is replaced by
         * newer versions, never dropped, or the properties would be lost. */
        if (record.type == kRecordTypeGraphInfo) continue;
        if (graph_.store_->erase(record.id) != StoreStatus::ok) continue;
        if (record.type == kRecordTypePresence && !record.deleted()) {
            /* MS-PPGRH 3.1.7.20: the node is gone from the Presence List. */
            Record gone = record;
            gone.flags |= kRecordFlagDeleted;
            graph_.presence_.changed(gone, record);
            own_presence_expired = own_presence_expired || record.creator_id == graph_.peer_id_;
        }
        /* MS-PPGRH 3.1.7.19, 3.1.7.21. */
        signature_expired = signature_expired || record.type == kRecordTypeSignature;
        contact_expired = contact_expired || record.type == kRecordTypeContact;
        if (record.deleted() || is_reserved_record_type(record.type)) continue;
        GraphEvent event;
        event.type = EventType::record_changed;
        event.change = RecordChange::expired;
        event.record_id = record.id;
        event.record_type = record.type;
        graph_.raise(event);
    }
    if (batch) graph_.store_->end_batch();
    /* A presence the application forced has no Autorefresh: publish it
     * again rather than wait for the next maintenance pass. */
    if (own_presence_expired) graph_.presence_.maintenance();
    if (signature_expired) graph_.maintenance_.signature_calculation();
    if (contact_expired) graph_.maintenance_.contact_maintenance();
}

void RecordBook::process_autorefresh()
{
    if (!graph_.store_) return;
    FileTime now = graph_.peer_time();
    for (const Record &old : own_autorefresh_records()) {
        if (old.expiration_time > now + kAutorefreshLead) continue;
        Record record = old;
        FileTime lifetime = old.expiration_time > old.modification_time ? old.expiration_time - old.modification_time
                                                                        : kGraphInfoLifetime;
        record.version = old.version + 1;
        record.modification_time = std::max(now, old.modification_time + 1);
        record.expiration_time = record.modification_time + lifetime;
        graph_.publish(record, RecordChange::updated, false);
    }
}

std::vector<Record> RecordBook::own_autorefresh_records() const
{
    /* MS-PPGRH 3.1.7.22: ours, Autorefresh set, Deleted unset; only the
     * internal types can have the flag (applications may not set it). */
    std::vector<Record> out;
    for (const Guid *type : {&kRecordTypeGraphInfo, &kRecordTypeSignature, &kRecordTypeContact, &kRecordTypePresence}) {
        RecordFilter filter;
        filter.type = type;
        filter.creator_id = &graph_.peer_id_;
        filter.include_internal = true;
        for (Record &r : graph_.store_->list(filter))
            if (r.autorefresh() && !r.deleted()) out.push_back(std::move(r));
    }
    return out;
}

void RecordBook::schedule_timers()
{
    if (!graph_.env_.loop || !graph_.store_ || !graph_.ready_) return;
    FileTime now = graph_.peer_time();
    if (std::optional<FileTime> next = graph_.store_->earliest_expiration()) {
        FileTime delay = std::clamp(*next - now, kExpirationMinDelay, kExpirationMaxDelay);
        expiration_timer_.arm(delay);
        next_expiration_check_ = now + delay;
    } else {
        next_expiration_check_ = 0;
    }
    FileTime refresh_at = 0;
    for (const Record &r : own_autorefresh_records()) {
        FileTime at = r.expiration_time - kAutorefreshLead;
        if (!refresh_at || at < refresh_at) refresh_at = at;
    }
    if (refresh_at) autorefresh_timer_.arm(std::max(refresh_at - now, kAutorefreshMinDelay));
}

} // namespace p2pg
