/*
 * Engine: reading a graph's records on the application's thread
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

#ifndef P2PG_ENGINE_RECORD_READER_H
#define P2PG_ENGINE_RECORD_READER_H

#include <atomic>
#include <memory>
#include <mutex>

#include "clock.h"
#include "record.h"
#include "record_book.h"
#include "types.h"

namespace p2pg {

class StoreReader;

/* PeerGraphGetRecord, and pages of record enumerations (PagePipe), without
 * the loop thread.  A call that waits for the loop costs two thread
 * switches, several times what SQLite takes to find a record; this reads
 * through a connection of its own (StoreReader) on the caller's thread
 * instead, whenever it can answer exactly as the loop would
 * (RecordBook::get, ::page):
 * - the graph is open and ready, and its records expire by the clock alone
 *   (with Deferred Expiration, visibility depends on the neighbors: the
 *   loop answers);
 * - the store holds no transaction open: the records of an open batch may
 *   have been announced already (RECORD_CHANGED) but are not visible to
 *   another connection until it commits.
 * Otherwise get() and page() answer would_block and the caller asks the
 * loop.  publish() and close() run on the loop; get() and page() on any
 * thread, one read at a time. */
class RecordReader {
public:
    RecordReader(std::unique_ptr<StoreReader> store, const Clock &clock);
    ~RecordReader();
    RecordReader(const RecordReader &) = delete;
    RecordReader &operator=(const RecordReader &) = delete;

    /* What get() needs of the graph: whether it may answer (open, ready,
     * no Deferred Expiration) and the peer-time offset. */
    void publish(bool usable, FileTime peer_time_delta);
    /* The graph closes: every later get() answers would_block, and the
     * connection is closed (before the database can be deleted). */
    void close();

    /* ok, record_not_found, or would_block (ask the loop). */
    GraphError get(const Guid &id, Record *out);
    /* RecordBook::page on the caller's thread: ok or would_block (ask
     * the loop; a failure of the store is the loop's to report too). */
    GraphError page(const RecordSelection &selection, std::int64_t *after, RecordBookPage *out, bool *end);
    /* A WAL checkpoint through the reader's connection, on the calling
     * thread (not the loop's: its writing and syncing take milliseconds);
     * false when the reader is closed. */
    bool checkpoint();

private:
    const Clock &clock_;
    std::atomic<bool> usable_{false};
    std::atomic<FileTime> peer_time_delta_{0};
    std::mutex lock_; /* one read at a time on the connection; guards store_ */
    std::unique_ptr<StoreReader> store_;
};

} // namespace p2pg

#endif
