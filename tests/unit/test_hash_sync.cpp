/*
 * Unit tests: hash-based synchronization (ranges, hashes, ADVERTISE, the two lists)
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

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <vector>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

/* Before cmocka.h, whose skip() macro would rename ByteReader::skip. */
#include "engine/hash_sync.h"
#include "engine/wire.h"

#include "cmocka_cxx.h"

using namespace p2pg;
using namespace p2pg::hash_sync;

namespace {

using Db = std::map<Guid, Entry>;

/* Ids whose order has nothing to do with n. */
Guid numbered_guid(std::uint32_t n)
{
    Guid g;
    std::uint32_t x = n * 2654435761u + 0x9e3779b9u;
    for (int i = 0; i < 16; ++i) {
        g.bytes[i] = static_cast<std::uint8_t>(x >> 24);
        x = x * 1103515245u + 12345u + n;
    }
    return g;
}

/* Equal id and version mean the same record, hence the same modification
 * time; the small range gives many equal times, ordered by id. */
FileTime time_of(const Guid &id, std::uint32_t version)
{
    std::uint32_t h = version * 7u;
    for (std::uint8_t b : id.bytes) h = h * 31u + b;
    return 1 + static_cast<FileTime>(h % 600u);
}

Entry entry(std::uint32_t n, std::uint32_t version = 1)
{
    Guid id = numbered_guid(n);
    return Entry{time_of(id, version), id, version};
}

std::vector<Entry> list(const Db &db)
{
    std::vector<Entry> out;
    for (const auto &kv : db) out.push_back(kv.second);
    return out;
}

std::vector<Entry> sorted(std::vector<Entry> v)
{
    std::sort(v.begin(), v.end(), [](const Entry &a, const Entry &b) {
        return a.modification_time != b.modification_time ? a.modification_time < b.modification_time : a.id < b.id;
    });
    return v;
}

Db numbered_db(std::uint32_t first, std::uint32_t count)
{
    Db db;
    for (std::uint32_t n = first; n < first + count; ++n) db[numbered_guid(n)] = entry(n);
    return db;
}

std::vector<wire::RecordAbstract> abstracts_of(const std::vector<Entry> &v)
{
    std::vector<wire::RecordAbstract> out;
    for (const Entry &e : v) out.push_back({e.id, e.version});
    return out;
}

struct SyncResult {
    wire::Advertise advertise;
    std::vector<wire::RecordAbstract> to_request;
    std::vector<Guid> to_send;
};

template <typename M> M through_wire(const M &m, std::size_t *size = nullptr)
{
    std::vector<std::uint8_t> bytes = wire::encode(m);
    if (size) *size = bytes.size();
    wire::Message out;
    assert_int_equal(static_cast<int>(wire::decode(bytes.data(), bytes.size(), &out)),
                     static_cast<int>(wire::DecodeError::none));
    assert_true(std::holds_alternative<M>(out));
    return std::get<M>(out);
}

/* One hash sync, every message through the codec. */
SyncResult sync(const Db &initiator, const Db &responder, std::size_t max_message = wire::kMaxMessageSize)
{
    SyncResult r;
    wire::SolicitHash solicit;
    solicit.entries = solicit_entries(list(initiator));
    solicit = through_wire(solicit);
    std::size_t size = 0;
    r.advertise = through_wire(advertise(solicit.entries, list(responder), max_message), &size);
    assert_true(size <= max_message);
    std::size_t counted = 0;
    for (const wire::HashEntryBoundary &b : r.advertise.boundaries) counted += b.count;
    assert_int_equal(counted, r.advertise.abstracts.size());
    compare(r.advertise, list(initiator), &r.to_request, &r.to_send);
    wire::Request request;
    request.abstracts = r.to_request;
    r.to_request = through_wire(request).abstracts;
    return r;
}

/* What REQUEST and the floods after SYNC_END do: the responder floods what
 * was requested, the initiator its Records To Send; a receiver keeps the
 * higher version (3.1.7.32). */
void apply(const SyncResult &r, Db *initiator, Db *responder)
{
    for (const wire::RecordAbstract &a : r.to_request) {
        auto it = responder->find(a.id);
        assert_true(it != responder->end());
        assert_int_equal(it->second.version, a.version);
        (*initiator)[a.id] = it->second;
    }
    for (const Guid &id : r.to_send) {
        auto it = initiator->find(id);
        assert_true(it != initiator->end());
        auto theirs = responder->find(id);
        if (theirs == responder->end() || theirs->second.version < it->second.version) (*responder)[id] = it->second;
    }
}

bool same(const Db &a, const Db &b)
{
    if (a.size() != b.size()) return false;
    for (const auto &kv : a) {
        auto it = b.find(kv.first);
        if (it == b.end() || it->second.version != kv.second.version) return false;
    }
    return true;
}

/* The two lists by comparing the whole databases. */
void brute_force(const Db &initiator, const Db &responder, std::set<std::pair<Guid, std::uint32_t>> *request,
                 std::set<Guid> *send)
{
    for (const auto &kv : responder) {
        auto mine = initiator.find(kv.first);
        if (mine == initiator.end() || mine->second.version < kv.second.version)
            request->insert({kv.first, kv.second.version});
    }
    for (const auto &kv : initiator) {
        auto theirs = responder.find(kv.first);
        if (theirs == responder.end() || theirs->second.version < kv.second.version) send->insert(kv.first);
    }
}

void assert_matches_brute_force(const SyncResult &r, const Db &initiator, const Db &responder)
{
    std::set<std::pair<Guid, std::uint32_t>> request, got_request;
    std::set<Guid> send, got_send;
    brute_force(initiator, responder, &request, &send);
    for (const wire::RecordAbstract &a : r.to_request) got_request.insert({a.id, a.version});
    got_send.insert(r.to_send.begin(), r.to_send.end());
    assert_int_equal(got_request.size(), r.to_request.size()); /* no id twice */
    assert_int_equal(got_send.size(), r.to_send.size());
    assert_true(got_request == request);
    assert_true(got_send == send);
}

Hash md5(const std::vector<std::uint8_t> &bytes)
{
    Hash h{};
    assert_true(gnutls_hash_fast(GNUTLS_DIG_MD5, bytes.data(), bytes.size(), h.data()) >= 0);
    return h;
}

/* The hash is MD5 over RECORD_ABSTRACTs as the wire carries them (GUIDs in
 * RFC 4122 order, big-endian Version); if the byte-order choice of bytes.h
 * or wire.cpp changes, this vector must change with test_wire's. */
void test_range_hash_vector(void **)
{
    std::vector<wire::RecordAbstract> abstracts = {{guid("{00112233-4455-6677-8899-aabbccddeeff}"), 1},
                                                   {guid("{01020304-0506-0708-090a-0b0c0d0e0f10}"), 0x01020304}};
    std::vector<std::uint8_t> bytes = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
                                       0xcc, 0xdd, 0xee, 0xff, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04,
                                       0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
                                       0x01, 0x02, 0x03, 0x04};
    assert_true(range_hash(abstracts) == md5(bytes));
    const Hash empty = {0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04,
                        0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8, 0x42, 0x7e};
    assert_true(range_hash({}) == empty);
}

/* Ranges are 10 records in (time, id) order, the last one shorter, each
 * entry carrying its last record's key. */
void test_ranges_of_ten(void **)
{
    std::vector<Entry> records;
    for (std::uint32_t n = 0; n < 25; ++n) records.push_back(entry(n));
    /* Two records at one time: the id decides. */
    records[3].modification_time = records[4].modification_time;
    std::vector<Entry> order = sorted(records);
    std::vector<wire::HashInfoEntry> entries = solicit_entries(records);
    assert_int_equal(entries.size(), 3);
    for (std::size_t k = 0; k < entries.size(); ++k) {
        std::size_t first = k * kRangeSize, last = std::min(first + kRangeSize, order.size());
        std::vector<Entry> range(order.begin() + first, order.begin() + last);
        assert_true(entries[k].hash == range_hash(abstracts_of(range)));
        assert_int_equal(entries[k].modification_time, order[last - 1].modification_time);
        assert_true(entries[k].record_id == order[last - 1].id);
    }
    for (std::uint32_t size : {0u, 1u, 9u, 10u, 11u, 20u, 1000u, 1001u}) {
        std::vector<Entry> some(size);
        for (std::uint32_t n = 0; n < size; ++n) some[n] = entry(n);
        assert_int_equal(solicit_entries(some).size(), (size + 9) / 10);
    }
}

/* Any id or version in a range changes its hash; times are not hashed. */
void test_hash_changes(void **)
{
    std::vector<Entry> records;
    for (std::uint32_t n = 0; n < 10; ++n) records.push_back(Entry{static_cast<FileTime>(100 + n), numbered_guid(n), 5});
    const Hash original = solicit_entries(records)[0].hash;
    for (std::size_t i = 0; i < records.size(); ++i) {
        for (int bit = 0; bit < 128; bit += 9) {
            std::vector<Entry> changed = records;
            changed[i].id.bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            assert_false(solicit_entries(changed)[0].hash == original);
        }
        for (std::uint32_t version : {0u, 4u, 6u, 0x05000000u}) {
            std::vector<Entry> changed = records;
            changed[i].version = version;
            assert_false(solicit_entries(changed)[0].hash == original);
        }
    }
    std::vector<Entry> retimed = records;
    retimed[0].modification_time = 50;
    assert_true(solicit_entries(retimed)[0].hash == original);
}

void test_equal_databases(void **)
{
    for (std::uint32_t size : {1u, 10u, 11u, 257u}) {
        Db db = numbered_db(0, size);
        SyncResult r = sync(db, db);
        assert_true(r.advertise.boundaries.empty());
        assert_true(r.advertise.abstracts.empty());
        assert_true(r.to_request.empty());
        assert_true(r.to_send.empty());
    }
    SyncResult r = sync(Db(), Db());
    assert_true(r.advertise.boundaries.empty());
}

/* Index of e's range in the initiator's sorted list. */
std::size_t range_of(const Db &db, const Guid &id)
{
    std::vector<Entry> order = sorted(list(db));
    for (std::size_t i = 0; i < order.size(); ++i)
        if (order[i].id == id) return i / kRangeSize;
    fail_msg("not in db");
    return 0;
}

void test_missing_at_responder(void **)
{
    Db initiator = numbered_db(0, 45), responder = initiator;
    Guid gone = numbered_guid(17);
    responder.erase(gone);
    SyncResult r = sync(initiator, responder);
    assert_int_equal(r.advertise.boundaries.size(), 1);
    std::size_t k = range_of(initiator, gone);
    std::vector<wire::HashInfoEntry> entries = solicit_entries(list(initiator));
    const wire::HashEntryBoundary &b = r.advertise.boundaries[0];
    assert_int_equal(b.count, 9);
    assert_int_equal(b.upper_time, entries[k].modification_time);
    assert_true(b.upper_id == entries[k].record_id);
    if (k == 0) {
        assert_true(is_beginning(b.lower_time, b.lower_id));
    } else {
        assert_int_equal(b.lower_time, entries[k - 1].modification_time);
        assert_true(b.lower_id == entries[k - 1].record_id);
    }
    assert_true(r.to_request.empty());
    assert_int_equal(r.to_send.size(), 1);
    assert_true(r.to_send[0] == gone);
    apply(r, &initiator, &responder);
    assert_true(same(initiator, responder));
}

void test_missing_at_initiator(void **)
{
    Db responder = numbered_db(0, 45), initiator = responder;
    Guid gone = numbered_guid(30);
    initiator.erase(gone);
    SyncResult r = sync(initiator, responder);
    assert_int_equal(r.advertise.boundaries.size(), 1);
    assert_int_equal(r.advertise.boundaries[0].count, r.advertise.abstracts.size());
    assert_true(r.advertise.boundaries[0].count >= 1);
    assert_int_equal(r.to_request.size(), 1);
    assert_true(r.to_request[0].id == gone);
    assert_int_equal(r.to_request[0].version, 1);
    assert_true(r.to_send.empty());
    apply(r, &initiator, &responder);
    assert_true(same(initiator, responder));
}

/* A newer version has another time, so it usually sits in another range:
 * both ranges mismatch and the abstracts name the id once or twice. */
void test_lower_version(void **)
{
    for (int lower_at_initiator = 0; lower_at_initiator < 2; ++lower_at_initiator) {
        for (std::uint32_t n = 0; n < 45; n += 4) {
            Db initiator = numbered_db(0, 45), responder = initiator;
            Db &newer = lower_at_initiator ? responder : initiator;
            newer[numbered_guid(n)] = entry(n, 3);
            SyncResult r = sync(initiator, responder);
            assert_matches_brute_force(r, initiator, responder);
            if (lower_at_initiator) {
                assert_int_equal(r.to_request.size(), 1);
                assert_int_equal(r.to_request[0].version, 3);
                assert_true(r.to_send.empty());
            } else {
                assert_true(r.to_request.empty());
                assert_int_equal(r.to_send.size(), 1);
            }
            apply(r, &initiator, &responder);
            assert_true(same(initiator, responder));
        }
    }
}

/* The responder's records past the initiator's last upper bound form one
 * more range, from that bound to the responder's last record. */
void test_past_last_boundary(void **)
{
    Db initiator, responder;
    for (std::uint32_t n = 0; n < 20; ++n) initiator[numbered_guid(n)] = Entry{static_cast<FileTime>(10 + n), numbered_guid(n), 1};
    responder = initiator;
    for (std::uint32_t n = 20; n < 25; ++n) responder[numbered_guid(n)] = Entry{static_cast<FileTime>(10 + n), numbered_guid(n), 1};
    SyncResult r = sync(initiator, responder);
    assert_int_equal(r.advertise.boundaries.size(), 1);
    const wire::HashEntryBoundary &b = r.advertise.boundaries[0];
    assert_int_equal(b.lower_time, 29);
    assert_true(b.lower_id == numbered_guid(19));
    assert_int_equal(b.upper_time, 34);
    assert_true(b.upper_id == numbered_guid(24));
    assert_int_equal(b.count, 5);
    assert_int_equal(r.to_request.size(), 5);
    assert_true(r.to_send.empty());
    apply(r, &initiator, &responder);
    assert_true(same(initiator, responder));

    /* A record at the last bound's time but a greater id is past it too. */
    Guid low = guid("{00000000-0000-0000-0000-000000000001}"), high = guid("{ffffffff-0000-0000-0000-000000000000}");
    initiator = Db{{low, Entry{7, low, 1}}};
    responder = initiator;
    responder[high] = Entry{7, high, 1};
    r = sync(initiator, responder);
    assert_int_equal(r.advertise.boundaries.size(), 1);
    assert_int_equal(r.advertise.boundaries[0].count, 1);
    assert_int_equal(r.to_request.size(), 1);
    assert_true(r.to_request[0].id == high);
}

void test_empty_initiator(void **)
{
    Db initiator, responder = numbered_db(0, 15);
    SyncResult r = sync(initiator, responder);
    assert_int_equal(r.advertise.boundaries.size(), 1);
    const wire::HashEntryBoundary &b = r.advertise.boundaries[0];
    assert_true(is_beginning(b.lower_time, b.lower_id));
    std::vector<Entry> order = sorted(list(responder));
    assert_int_equal(b.upper_time, order.back().modification_time);
    assert_true(b.upper_id == order.back().id);
    assert_int_equal(b.count, 15);
    assert_int_equal(r.to_request.size(), 15);
    assert_true(r.to_send.empty());
    apply(r, &initiator, &responder);
    assert_true(same(initiator, responder));
}

/* Ranges where the responder has nothing come back with Count 0 and no
 * abstracts, and the initiator sends their records. */
void test_empty_responder(void **)
{
    Db initiator = numbered_db(0, 25), responder;
    SyncResult r = sync(initiator, responder);
    assert_int_equal(r.advertise.boundaries.size(), 3);
    for (const wire::HashEntryBoundary &b : r.advertise.boundaries) assert_int_equal(b.count, 0);
    assert_true(r.advertise.abstracts.empty());
    assert_true(r.to_request.empty());
    assert_int_equal(r.to_send.size(), 25);
    std::vector<Entry> order = sorted(list(initiator));
    for (std::size_t i = 0; i < order.size(); ++i) assert_true(r.to_send[i] == order[i].id);
    apply(r, &initiator, &responder);
    assert_true(same(initiator, responder));

    /* Just one range empty at the responder. */
    initiator = numbered_db(0, 30);
    responder = initiator;
    for (std::size_t i = 10; i < 20; ++i) responder.erase(sorted(list(initiator))[i].id);
    r = sync(initiator, responder);
    assert_int_equal(r.advertise.boundaries.size(), 1);
    assert_int_equal(r.advertise.boundaries[0].count, 0);
    assert_int_equal(r.to_send.size(), 10);
    apply(r, &initiator, &responder);
    assert_true(same(initiator, responder));
}

/* Random databases with random differences: the lists are exactly the
 * brute-force differences, applying them makes both sides equal, and a
 * second sync finds nothing. */
void test_random_databases(void **)
{
    std::mt19937 rng(20260101);
    for (int round = 0; round < 150; ++round) {
        std::uint32_t universe = std::uniform_int_distribution<std::uint32_t>(0, 3000)(rng);
        int difference = std::uniform_int_distribution<int>(0, 100)(rng); /* percent of records */
        std::uniform_int_distribution<int> percent(0, 99);
        Db initiator, responder;
        for (std::uint32_t n = 0; n < universe; ++n) {
            std::uint32_t version = std::uniform_int_distribution<std::uint32_t>(1, 4)(rng);
            bool in_initiator = true, in_responder = true;
            std::uint32_t vi = version, vr = version;
            if (percent(rng) < difference) {
                switch (percent(rng) % 4) {
                case 0: in_initiator = false; break;
                case 1: in_responder = false; break;
                case 2: vi = version + 1 + percent(rng) % 3; break;
                default: vr = version + 1 + percent(rng) % 3; break;
                }
            }
            if (in_initiator) initiator[numbered_guid(n)] = entry(n, vi);
            if (in_responder) responder[numbered_guid(n)] = entry(n, vr);
        }
        SyncResult r = sync(initiator, responder);
        assert_matches_brute_force(r, initiator, responder);
        apply(r, &initiator, &responder);
        assert_true(same(initiator, responder));
        SyncResult again = sync(initiator, responder);
        assert_true(again.advertise.boundaries.empty());
    }
}

/* An ADVERTISE that would be too big is cut to a prefix of whole ranges and
 * a part of the next; what it carries is still right, and sync after sync
 * converges. */
void test_advertise_size_limit(void **)
{
    const std::size_t fixed = 24, boundary = 52, abstract = 20;
    Db initiator, responder = numbered_db(0, 100);
    std::vector<Entry> order = sorted(list(responder));

    wire::Advertise a = advertise({}, list(responder), fixed + boundary + 37 * abstract);
    assert_int_equal(a.boundaries.size(), 1);
    assert_int_equal(a.boundaries[0].count, 37);
    assert_int_equal(a.abstracts.size(), 37);
    assert_true(a.boundaries[0].upper_id == order[36].id);
    std::vector<wire::RecordAbstract> req;
    std::vector<Guid> send;
    compare(a, list(initiator), &req, &send);
    assert_int_equal(req.size(), 37);

    assert_true(advertise({}, list(responder), fixed + boundary + abstract - 1).boundaries.empty());
    assert_true(advertise({}, list(responder), 0).boundaries.empty());

    /* Count-0 ranges take 52 bytes each. */
    a = advertise(solicit_entries(list(numbered_db(0, 1000))), {}, fixed + 5 * boundary + 51);
    assert_int_equal(a.boundaries.size(), 5);

    /* A cut range: the initiator only sends what lies inside the part
     * advertised. */
    initiator = numbered_db(0, 30);
    responder = numbered_db(0, 30);
    for (std::uint32_t n = 100; n < 130; ++n) responder[numbered_guid(n)] = entry(n);
    std::vector<Entry> mine = sorted(list(initiator));
    initiator[numbered_guid(500)] = Entry{mine[4].modification_time, numbered_guid(500), 1};
    SyncResult r = sync(initiator, responder, fixed + boundary + 3 * abstract);
    assert_int_equal(r.advertise.boundaries.size(), 1);
    assert_int_equal(r.advertise.abstracts.size(), 3);
    const wire::HashEntryBoundary &cut = r.advertise.boundaries[0];
    for (const Guid &id : r.to_send) {
        const Entry &e = initiator[id];
        assert_true(e.modification_time < cut.upper_time ||
                    (e.modification_time == cut.upper_time && !(cut.upper_id < e.id)));
    }

    /* Additions and removals only, so every round makes progress. */
    std::mt19937 rng(7);
    for (int round = 0; round < 20; ++round) {
        Db i, s;
        for (std::uint32_t n = 0; n < 2000; ++n) {
            int where = std::uniform_int_distribution<int>(0, 9)(rng);
            if (where != 0) i[numbered_guid(n)] = entry(n);
            if (where != 1) s[numbered_guid(n)] = entry(n);
        }
        std::size_t budget = fixed + std::uniform_int_distribution<std::size_t>(2 * boundary + 40 * abstract, 4000)(rng);
        int syncs = 0;
        for (;;) {
            SyncResult step = sync(i, s, budget);
            if (step.advertise.boundaries.empty()) break;
            assert_true(++syncs < 400);
            std::set<std::pair<Guid, std::uint32_t>> request;
            std::set<Guid> sent;
            brute_force(i, s, &request, &sent);
            for (const wire::RecordAbstract &x : step.to_request) assert_true(request.count({x.id, x.version}));
            for (const Guid &id : step.to_send) assert_true(sent.count(id));
            assert_false(step.to_request.empty() && step.to_send.empty());
            apply(step, &i, &s);
        }
        assert_true(same(i, s));
    }
}

/* Upper bounds that do not increase (a broken peer): every record of the
 * responder is still advertised at most once, and nothing breaks. */
void test_unsorted_solicit(void **)
{
    Db responder = numbered_db(0, 200);
    std::vector<wire::HashInfoEntry> entries = solicit_entries(list(numbered_db(0, 150)));
    std::reverse(entries.begin() + 3, entries.begin() + 12);
    entries.push_back(entries[0]);
    wire::Advertise a = advertise(entries, list(responder));
    std::set<Guid> seen;
    std::size_t counted = 0;
    for (const wire::HashEntryBoundary &b : a.boundaries) counted += b.count;
    for (const wire::RecordAbstract &x : a.abstracts) assert_true(seen.insert(x.id).second);
    assert_int_equal(counted, a.abstracts.size());
    assert_true(seen.size() <= responder.size());
}

/* A broken ADVERTISE: overlapping, reversed and repeated boundaries, ids
 * named twice, wrong counts. */
void test_compare_hostile(void **)
{
    Db initiator = numbered_db(0, 50);
    std::vector<Entry> order = sorted(list(initiator));
    wire::Advertise a;
    wire::HashEntryBoundary all{kBeginningTime, Guid(), order.back().modification_time, order.back().id, 999};
    wire::HashEntryBoundary reversed{order[30].modification_time, order[30].id, order[10].modification_time,
                                     order[10].id, 0};
    for (int i = 0; i < 1000; ++i) a.boundaries.push_back(i % 2 ? all : reversed);
    a.abstracts.push_back({order[0].id, 7});
    a.abstracts.push_back({order[0].id, 9});
    a.abstracts.push_back({order[0].id, 8});
    a.abstracts.push_back({order[1].id, 1});
    a.abstracts.push_back({numbered_guid(9999), 2});
    a.abstracts.push_back({numbered_guid(9999), 2});
    std::vector<wire::RecordAbstract> req;
    std::vector<Guid> send;
    compare(a, list(initiator), &req, &send);
    assert_int_equal(req.size(), 2);
    for (const wire::RecordAbstract &x : req) {
        if (x.id == order[0].id)
            assert_int_equal(x.version, 9);
        else
            assert_true(x.id == numbered_guid(9999));
    }
    assert_int_equal(send.size(), 48);
    for (std::size_t i = 0; i < send.size(); ++i) assert_true(send[i] == order[i + 2].id);
}

/* A million records: 100,000 entries fit one SOLICIT_HASH (4,000,020
 * bytes), and an empty initiator's ADVERTISE of them all (20,000,076 bytes)
 * fits too. */
void test_large_database(void **)
{
    std::vector<Entry> records(1000000);
    for (std::uint32_t n = 0; n < records.size(); ++n)
        records[n] = Entry{static_cast<FileTime>(130000000000000000ll + n / 3), numbered_guid(n), 1 + n % 5};
    wire::SolicitHash solicit;
    solicit.entries = solicit_entries(records);
    assert_int_equal(solicit.entries.size(), 100000);
    std::size_t size = 0;
    assert_int_equal(through_wire(solicit, &size).entries.size(), 100000);
    assert_int_equal(size, 20 + 100000 * 40);

    std::vector<Entry> theirs = records;
    theirs[123456].version += 1;
    theirs.erase(theirs.begin() + 777777);
    wire::Advertise a = advertise(solicit.entries, theirs);
    assert_int_equal(a.boundaries.size(), 2);
    std::vector<wire::RecordAbstract> req;
    std::vector<Guid> send;
    compare(a, records, &req, &send);
    assert_int_equal(req.size(), 1);
    assert_true(req[0].id == records[123456].id);
    assert_int_equal(send.size(), 1);
    assert_true(send[0] == records[777777].id);

    a = advertise({}, records);
    assert_int_equal(a.abstracts.size(), 1000000);
    assert_int_equal(through_wire(a, &size).abstracts.size(), 1000000);
    assert_int_equal(size, 24 + 52 + 1000000 * 20);
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_hash_vector),
        cmocka_unit_test(test_ranges_of_ten),
        cmocka_unit_test(test_hash_changes),
        cmocka_unit_test(test_equal_databases),
        cmocka_unit_test(test_missing_at_responder),
        cmocka_unit_test(test_missing_at_initiator),
        cmocka_unit_test(test_lower_version),
        cmocka_unit_test(test_past_last_boundary),
        cmocka_unit_test(test_empty_initiator),
        cmocka_unit_test(test_empty_responder),
        cmocka_unit_test(test_random_databases),
        cmocka_unit_test(test_advertise_size_limit),
        cmocka_unit_test(test_unsorted_solicit),
        cmocka_unit_test(test_compare_hostile),
        cmocka_unit_test(test_large_database),
    };
    return cmocka_run_group_tests_name("hash_sync", tests, nullptr, nullptr);
}
