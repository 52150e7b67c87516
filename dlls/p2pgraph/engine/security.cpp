/*
 * Engine record security: received records waiting for the application's verdict, the Deferred Record List
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

#include "security.h"

#include <chrono>
#include <functional>
#include <string>

#include "graph.h"
#include "log.h"
#include "record_rules.h"

namespace p2pg {

namespace {

/* What Record Security Data, the modifier and the times would make a
 * forged copy differ in (MS-PPGRH 3.1.7.32's order), and the payload. */
std::size_t record_digest(const Record &r)
{
    std::string text = r.modified_by_id;
    text.push_back('\0');
    text.append(reinterpret_cast<const char *>(&r.modification_time), sizeof(r.modification_time));
    text.append(reinterpret_cast<const char *>(&r.expiration_time), sizeof(r.expiration_time));
    text.append(reinterpret_cast<const char *>(&r.flags), sizeof(r.flags));
    text.append(r.security_data.begin(), r.security_data.end());
    text.push_back('\0');
    text.append(r.attributes);
    text.push_back('\0');
    text.append(r.data.begin(), r.data.end());
    return std::hash<std::string>()(text);
}

} // namespace

RecordSecurity::Key RecordSecurity::key_of(const Record &record)
{
    return Key{record.id, record.version, record_digest(record)};
}

bool RecordSecurity::submit(const Record &record, RecordChange change, std::uint64_t from_link)
{
    Key key = key_of(record);
    if (invalid_.count(key) || deferred_.count(key)) return false;
    std::size_t bytes = record_size(record);
    std::lock_guard<std::mutex> guard(lock_);
    if (closed_ || pending_.count(key)) return false;
    if (waiting_locked() >= kMaxWaiting || waiting_bytes_ + bytes > kMaxWaitingBytes) {
        P2PG_WARN(flood, "record %s v%u: %zu records (%zu bytes) wait for validation already; dropped",
                  record.id.to_string().c_str(), record.version, waiting_locked(), waiting_bytes_);
        return false;
    }
    queue_locked(Entry{record, change, from_link});
    return true;
}

void RecordSecurity::queue_locked(Entry entry)
{
    pending_.insert(key_of(entry.record));
    waiting_bytes_ += record_size(entry.record);
    queued_.emplace_back(next_request_++, std::move(entry));
    ready_.notify_one();
}

void RecordSecurity::revalidate(const std::vector<Guid> &ids)
{
    std::set<Guid> which(ids.begin(), ids.end());
    std::lock_guard<std::mutex> guard(lock_);
    if (closed_) return;
    for (auto it = deferred_.begin(); it != deferred_.end();) {
        bool wanted = which.empty() || which.count(it->first.id);
        if (wanted && !pending_.count(it->first)) {
            P2PG_TRACE(flood, "record %s v%u: validated again", it->first.id.to_string().c_str(), it->first.version);
            deferred_bytes_ -= record_size(it->second.record);
            queue_locked(std::move(it->second));
            it = deferred_.erase(it);
        } else {
            ++it;
        }
    }
}

void RecordSecurity::close()
{
    {
        std::lock_guard<std::mutex> guard(lock_);
        closed_ = true;
        queued_.clear();
        taken_.clear();
        answered_.clear();
        pending_.clear();
        waiting_bytes_ = 0;
    }
    ready_.notify_all();
    deferred_.clear();
    deferred_bytes_ = 0;
}

bool RecordSecurity::next(ValidationRequest *out, int timeout_ms)
{
    std::unique_lock<std::mutex> guard(lock_);
    ready_.wait_for(guard, std::chrono::milliseconds(timeout_ms), [this] { return closed_ || !queued_.empty(); });
    if (closed_ || queued_.empty()) return false;
    auto item = std::move(queued_.front());
    queued_.pop_front();
    out->id = item.first;
    out->record = item.second.record;
    out->change = item.second.change;
    taken_.emplace(item.first, std::move(item.second));
    return true;
}

bool RecordSecurity::answer(std::uint64_t request, Verdict verdict, bool *apply)
{
    std::lock_guard<std::mutex> guard(lock_);
    *apply = false;
    auto it = taken_.find(request);
    if (closed_ || it == taken_.end()) return false;
    answered_.emplace_back(std::move(it->second), verdict);
    taken_.erase(it);
    if (!apply_posted_) *apply = apply_posted_ = true;
    return true;
}

void RecordSecurity::apply_answers()
{
    std::vector<std::pair<Entry, Verdict>> answers;
    {
        std::lock_guard<std::mutex> guard(lock_);
        apply_posted_ = false;
        if (closed_) return;
        answers.swap(answered_);
        for (const auto &answer : answers) {
            pending_.erase(key_of(answer.first.record));
            waiting_bytes_ -= std::min(waiting_bytes_, record_size(answer.first.record));
        }
    }
    for (auto &answer : answers) {
        Entry &entry = answer.first;
        Key key = key_of(entry.record);
        std::string id = key.id.to_string();
        switch (answer.second) {
        case Verdict::valid:
            graph_.validated(entry.record, entry.from_link);
            break;
        case Verdict::invalid:
            P2PG_TRACE(flood, "record %s v%u: invalid; dropped", id.c_str(), key.version);
            remember_invalid(key);
            /* Invalid records cost their sender as records that fail the
             * protocol's checks do. */
            graph_.invalid_from(entry.from_link);
            break;
        case Verdict::defer: {
            std::size_t bytes = record_size(entry.record);
            if (deferred_.size() >= kMaxDeferred || deferred_bytes_ + bytes > kMaxDeferredBytes) {
                P2PG_WARN(flood, "record %s v%u: the Deferred Record List is full; dropped", id.c_str(), key.version);
                break;
            }
            P2PG_TRACE(flood, "record %s v%u: validation deferred", id.c_str(), key.version);
            if (deferred_.emplace(key, std::move(entry)).second) deferred_bytes_ += bytes;
            break;
        }
        case Verdict::failed:
            P2PG_TRACE(flood, "record %s v%u: the validation failed; dropped", id.c_str(), key.version);
            break;
        }
    }
    graph_.flood_.close_batch();
}

void RecordSecurity::remember_invalid(const Key &key)
{
    if (!invalid_.insert(key).second) return;
    invalid_order_.push_back(key);
    if (invalid_order_.size() > kMaxInvalid) {
        invalid_.erase(invalid_order_.front());
        invalid_order_.pop_front();
    }
}

bool RecordSecurity::closed() const
{
    std::lock_guard<std::mutex> guard(lock_);
    return closed_;
}

std::size_t RecordSecurity::waiting() const
{
    std::lock_guard<std::mutex> guard(lock_);
    return waiting_locked();
}

std::size_t RecordSecurity::deferred() const
{
    return deferred_.size();
}

} // namespace p2pg
