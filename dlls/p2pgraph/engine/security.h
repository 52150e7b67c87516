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

#ifndef P2PG_ENGINE_SECURITY_H
#define P2PG_ENGINE_SECURITY_H

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "record.h"
#include "types.h"

namespace p2pg {

class Graph;

/* Record security of one graph (MS-PPGRH 3.1.7.27; the record callbacks of
 * PEER_SECURITY_INTERFACE).  The engine never runs the application's code:
 * a received application record that passed the protocol's checks waits
 * here, invisible and not forwarded, until a thread of the face has taken
 * it (next), asked pfnValidateRecord and given the verdict (answer).  Valid
 * records are then taken as if they had just arrived; invalid ones are
 * dropped and remembered, so the same version coming again is dropped
 * without asking; deferred ones wait in the Deferred Record List until
 * PeerGraphValidateDeferredRecords sends them to be validated again.
 *
 * next() and answer() are for any thread; everything else runs on the loop
 * thread. */
class RecordSecurity {
public:
    explicit RecordSecurity(Graph &graph) : graph_(graph) {}
    RecordSecurity(const RecordSecurity &) = delete;
    RecordSecurity &operator=(const RecordSecurity &) = delete;

    /* Whether received records are validated (the graph was given record
     * callbacks). */
    void enable() { enabled_ = true; }
    bool enabled() const { return enabled_; }

    /* A received record that passed the protocol's checks and is newer
     * than ours: queued for validation (true), or dropped because the same
     * version is waiting already, is deferred, was found invalid, or too
     * many wait (false). */
    bool submit(const Record &record, RecordChange change, std::uint64_t from_link);
    /* PeerGraphValidateDeferredRecords: the deferred records with these ids
     * (all of them when ids is empty) are validated again. */
    void revalidate(const std::vector<Guid> &ids);
    /* The graph closes: next() returns false from now on, at once. */
    void close();

    /* Any thread: waits up to timeout_ms for a record to validate. */
    bool next(ValidationRequest *out, int timeout_ms);
    /* Any thread: the verdict on a request next() gave.  False when the
     * request is not waiting for one (answered already, or the graph
     * closed).  *apply tells that the caller must have apply_answers() run
     * on the loop (once for any number of answers). */
    bool answer(std::uint64_t request, Verdict verdict, bool *apply);
    /* Loop thread: what the answers given since the last call decided. */
    void apply_answers();

    bool closed() const;
    std::size_t waiting() const;
    std::size_t deferred() const;

    /* At most this many records wait for a verdict or in the Deferred Record
     * List: beyond, received records are dropped (synchronization brings
     * them again later). */
    static constexpr std::size_t kMaxWaiting = 16384;
    static constexpr std::size_t kMaxDeferred = 16384;
    /* ... and at most this many bytes of them (payload and attributes). */
    static constexpr std::size_t kMaxWaitingBytes = 64u << 20;
    static constexpr std::size_t kMaxDeferredBytes = 64u << 20;
    /* Versions found invalid that are remembered. */
    static constexpr std::size_t kMaxInvalid = 65536;

private:
    struct Entry {
        Record record;
        RecordChange change;
        std::uint64_t from_link;
    };
    /* A version of a record, told apart from a forged copy with the same
     * id and version by everything conflict resolution looks at. */
    struct Key {
        Guid id;
        std::uint32_t version;
        std::size_t digest;
        bool operator<(const Key &o) const
        {
            return id != o.id ? id < o.id : version != o.version ? version < o.version : digest < o.digest;
        }
    };
    static Key key_of(const Record &record);

    /* With lock_ held. */
    void queue_locked(Entry entry);
    std::size_t waiting_locked() const { return queued_.size() + taken_.size() + answered_.size(); }
    void remember_invalid(const Key &key);

    Graph &graph_;
    bool enabled_ = false;

    mutable std::mutex lock_;
    std::condition_variable ready_;
    bool closed_ = false;
    std::uint64_t next_request_ = 1;
    /* Waiting to be taken, and taken but not answered; the versions of
     * both and of the answered ones not applied yet. */
    std::deque<std::pair<std::uint64_t, Entry>> queued_;
    std::set<Key> pending_;
    std::size_t waiting_bytes_ = 0;
    std::map<std::uint64_t, Entry> taken_;
    std::vector<std::pair<Entry, Verdict>> answered_;
    bool apply_posted_ = false;

    /* Loop thread only. */
    std::map<Key, Entry> deferred_;
    std::size_t deferred_bytes_ = 0;
    std::set<Key> invalid_;
    std::deque<Key> invalid_order_;
};

} // namespace p2pg

#endif
