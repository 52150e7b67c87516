/*
 * Engine record book: the application's records and the rules of their lives (MS-PPGRH 3.1.4.3-5, 3.1.6.7, 3.1.7.3-8, 3.1.7.18-22)
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

#ifndef P2PG_ENGINE_RECORD_BOOK_H
#define P2PG_ENGINE_RECORD_BOOK_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clock.h"
#include "connection.h"
#include "record.h"
#include "store.h"
#include "timer.h"

namespace p2pg {

class Graph;
class SearchQuery;

/* What a record enumeration (PeerGraphEnumRecords, SearchRecords) selects
 * of the records the application may see.  A search's query is applied by
 * whoever reads the pages, off the loop thread: matching parses each
 * record's attributes, the costliest part of a search. */
struct RecordSelection {
    std::optional<Guid> type;
    std::optional<std::string> creator_id;
    /* Only records stored before the enumeration was made (Store::last_rowid
     * then; 0: none at all): what is added while it is open never comes. */
    std::int64_t ceiling = 0;
};

/* A page of a record enumeration: at most this many records, and fewer
 * once their payloads reach kRecordPageBytes, so that what an enumeration
 * holds is bounded whatever the database holds (one GetNextItem for
 * more than a page takes several). */
constexpr std::size_t kRecordPageRecords = 256;
constexpr std::size_t kRecordPageBytes = 4 << 20;

/* A page of a record enumeration as the loop read it (RecordBook::page):
 * the store's rows, still to be decoded, and what decides which of them
 * the application may see.  records() does the decoding on whichever
 * thread takes the page, so that the loop only copies. */
struct RecordBookPage {
    RecordRows rows;
    FileTime now = 0;          /* peer time when the page was read */
    bool keep_expired = false; /* Deferred Expiration held then */
    /* The visible records among the rows, in order. */
    std::vector<Record> records() const;
};

/* The store's filter of a selection; live_at: only records that expire
 * after it (null: expired ones too). */
RecordFilter selection_filter(const RecordSelection &selection, const FileTime *live_at);

/* Reads the store page of filter after *after into out->rows (whose
 * buffers it reuses) through store (a Store or a StoreReader); moves
 * *after past it and sets *end when nothing follows. */
template <class Source>
StoreStatus read_book_page(Source &store, const RecordFilter &filter, std::int64_t *after, RecordBookPage *out,
                           bool *end)
{
    RecordPage page;
    page.rows = std::move(out->rows);
    StoreStatus status = store.page(filter, *after, kRecordPageRecords, kRecordPageBytes, &page);
    out->rows = std::move(page.rows);
    if (status != StoreStatus::ok) return status;
    *after = page.last_rowid;
    *end = page.end;
    return status;
}

/* Whether the application may see r at peer time now: not deleted, not of
 * a reserved type, not expired unless keep_expired (Deferred Expiration). */
bool record_visible(const Record &r, FileTime now, bool keep_expired);

/* A store status as a graph operation's result. */
GraphError graph_error(StoreStatus status);

/* The records of one graph as rules see them: what the application may
 * add, update, delete and see (no internal types, no tombstones, nothing
 * expired), this node's own internal records (Presence, Contact,
 * Signature), expiration (the Record Expiration timer) and Autorefresh.
 * Every change goes out through the Graph's publish (store, flood,
 * events).  Loop thread only. */
class RecordBook {
public:
    explicit RecordBook(Graph &graph);
    RecordBook(const RecordBook &) = delete;
    RecordBook &operator=(const RecordBook &) = delete;

    /* PeerGraphAddRecord, UpdateRecord, DeleteRecord, GetRecord,
     * EnumRecords, SearchRecords. */
    GraphError add(const Record &in, Guid *id);
    /* The two halves of add, update and (not local) remove, for a graph
     * whose application secures and validates its records in between
     * (MS-PPGRH 3.1.7.28): the record the operation would publish, and its
     * publication, unless the record changed since the draft (stale). */
    GraphError draft(RecordOp op, const Record &in, Record *out) const;
    GraphError commit(RecordOp op, const Record &draft);
    GraphError update(const Record &in);
    GraphError remove(const Guid &id, bool local);
    GraphError get(const Guid &id, Record *out) const;
    GraphError list(const Guid *type, const std::string *creator_id, std::vector<Record> *out) const;
    GraphError search(const SearchQuery &query, std::vector<Record> *out) const;
    /* The next page of a record enumeration: the records selected among
     * the next page of the store after *after (keyset pagination in
     * storage order, Store::page), which moves past them; out->records()
     * keeps those visible.  A page may hold no match while more follow (a
     * selective search); *end: nothing follows.  One store page per call
     * keeps the loop thread's turn short whatever the database holds. */
    GraphError page(const RecordSelection &selection, std::int64_t *after, RecordBookPage *out, bool *end) const;
    /* The number of visible records selected (one SQL count). */
    GraphError count(const RecordSelection &selection, std::size_t *count) const;
    /* A new enumeration's ceiling, once the graph can be enumerated. */
    GraphError ceiling(std::int64_t *rowid) const;

    /* MS-PPGRH 3.1.6.7 and 3.1.7.22 (the timers call these; tests too). */
    void process_expirations();
    void process_autorefresh();
    /* Arms both timers for what the database holds now. */
    void schedule_timers();
    /* A record was stored: the expiration timer comes forward if it
     * expires sooner (3.1.7.3). */
    void stored(const Record &record);
    void stop();

    /* Records as the application may see them: no internal types, no
     * tombstones, nothing past its expiration (unless expiration waits). */
    bool visible(const Record &r, FileTime now) const;
    /* MS-PPGRH 2.2.3.1 "D": with Deferred Expiration records expire only
     * while connected to another node; true while that holds them back. */
    bool expiration_deferred() const;
    /* Records of one type that have not expired (tombstones included). */
    std::vector<Record> live(const Guid &type, FileTime now) const;
    /* This node's record of an internal type (see the definition). */
    std::optional<Record> own_internal(const Guid &type) const;
    /* The next version of our live Presence or Contact record (MS-PPGRH
     * 3.1.7.4-5: an update when there is one, else a new record), with
     * type, id, version, creator and times set; the caller fills in the
     * rest. */
    Record own_draft(const Guid &type, FileTime now) const;
    /* Deletes one of our own records (a tombstone, flooded). */
    GraphError delete_own(const Record &record);

private:
    GraphError check_app_record(const Record &in, FileTime now) const;
    /* Our records that autorefresh renews (MS-PPGRH 3.1.7.22). */
    std::vector<Record> own_autorefresh_records() const;

    Graph &graph_;
    Timer expiration_timer_;
    Timer autorefresh_timer_;
    FileTime next_expiration_check_ = 0; /* when the expiration timer fires (0: not armed), peer time */
};

} // namespace p2pg

#endif
