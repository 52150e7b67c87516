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

#include "graph.h"
#include "log.h"

namespace p2pg {

bool RecordSecurity::submit(const Record &record, RecordChange change, std::uint64_t from_link)
{
    Key key{record.id, record.version};
    if (invalid_.count(key) || deferred_.count(key)) return false;
    std::lock_guard<std::mutex> guard(lock_);
    if (closed_ || pending_.count(key)) return false;
    if (queued_.size() + taken_.size() + answered_.size() >= kMaxWaiting) {
        P2PG_WARN(flood, "record %s v%u: %zu records wait for validation already; dropped",
                  record.id.to_string().c_str(), record.version, kMaxWaiting);
        return false;
    }
    queue_locked(Entry{record, change, from_link});
    return true;
}

void RecordSecurity::queue_locked(Entry entry)
{
    pending_.insert(Key{entry.record.id, entry.record.version});
    queued_.emplace_back(next_request_++, std::move(entry));
    ready_.notify_one();
}

void RecordSecurity::revalidate(const std::vector<Guid> &ids)
{
    std::lock_guard<std::mutex> guard(lock_);
    if (closed_) return;
    for (auto it = deferred_.begin(); it != deferred_.end();) {
        bool wanted = ids.empty();
        for (const Guid &id : ids) wanted = wanted || id == it->first.first;
        if (wanted && !pending_.count(it->first)) {
            P2PG_TRACE(flood, "record %s v%u: validated again", it->first.first.to_string().c_str(), it->first.second);
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
    }
    ready_.notify_all();
    deferred_.clear();
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
        for (const auto &answer : answers) pending_.erase(Key{answer.first.record.id, answer.first.record.version});
    }
    for (auto &answer : answers) {
        Entry &entry = answer.first;
        Key key{entry.record.id, entry.record.version};
        switch (answer.second) {
        case Verdict::valid:
            graph_.validated(entry.record, entry.from_link);
            break;
        case Verdict::invalid:
            P2PG_TRACE(flood, "record %s v%u: invalid; dropped", key.first.to_string().c_str(), key.second);
            remember_invalid(key);
            break;
        case Verdict::defer:
            if (deferred_.size() >= kMaxDeferred) {
                P2PG_WARN(flood, "record %s v%u: the Deferred Record List is full; dropped",
                          key.first.to_string().c_str(), key.second);
                break;
            }
            P2PG_TRACE(flood, "record %s v%u: validation deferred", key.first.to_string().c_str(), key.second);
            deferred_.emplace(key, std::move(entry));
            break;
        case Verdict::failed:
            P2PG_TRACE(flood, "record %s v%u: the validation failed; dropped", key.first.to_string().c_str(),
                       key.second);
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
    return queued_.size() + taken_.size() + answered_.size();
}

std::size_t RecordSecurity::deferred() const
{
    return deferred_.size();
}

} // namespace p2pg
