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

#include "record_reader.h"

#include "store.h"

namespace p2pg {

RecordReader::RecordReader(std::unique_ptr<StoreReader> store, const Clock &clock)
    : clock_(clock), store_(std::move(store))
{
}

RecordReader::~RecordReader() = default;

void RecordReader::publish(bool usable, FileTime peer_time_delta)
{
    peer_time_delta_.store(peer_time_delta);
    usable_.store(usable);
}

bool RecordReader::checkpoint()
{
    std::lock_guard<std::mutex> guard(lock_);
    if (!store_) return false;
    store_->checkpoint();
    return true;
}

void RecordReader::close()
{
    usable_.store(false);
    std::lock_guard<std::mutex> guard(lock_);
    store_.reset();
}

GraphError RecordReader::page(const RecordSelection &selection, std::int64_t *after, RecordBookPage *out, bool *end)
{
    out->rows.clear();
    if (!usable_.load()) return GraphError::would_block;
    if (!selection.ceiling) {
        *end = true;
        return GraphError::ok;
    }
    std::lock_guard<std::mutex> guard(lock_);
    if (!store_ || store_->writer_in_batch()) return GraphError::would_block;
    /* RecordBook::page without Deferred Expiration. */
    out->now = clock_.now_utc() - peer_time_delta_.load();
    out->keep_expired = false;
    RecordFilter filter = selection_filter(selection, &out->now);
    if (read_book_page(*store_, filter, after, out, end) != StoreStatus::ok) {
        out->rows.clear();
        return GraphError::would_block;
    }
    return GraphError::ok;
}

GraphError RecordReader::get(const Guid &id, Record *out)
{
    if (!usable_.load()) return GraphError::would_block;
    std::lock_guard<std::mutex> guard(lock_);
    if (!store_ || store_->writer_in_batch()) return GraphError::would_block;
    Record record;
    StoreStatus status = store_->get(id, &record);
    if (status == StoreStatus::not_found) return GraphError::record_not_found;
    /* A failure is the loop's to report, in its words. */
    if (status != StoreStatus::ok) return GraphError::would_block;
    /* RecordBook::visible without Deferred Expiration. */
    FileTime now = clock_.now_utc() - peer_time_delta_.load();
    if (record.deleted() || is_reserved_record_type(record.type) || record.expiration_time <= now)
        return GraphError::record_not_found;
    *out = std::move(record);
    return GraphError::ok;
}

} // namespace p2pg
