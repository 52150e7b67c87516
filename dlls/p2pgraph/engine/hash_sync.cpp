/*
 * Engine hash-based synchronization: record ranges, their MD5s and the diff (MS-PPGRH 3.1.7.31)
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

#include "hash_sync.h"

#include <algorithm>
#include <stdexcept>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "bytes.h"

namespace p2pg {
namespace hash_sync {

namespace {

/* 2.2.1.5 RECORD_ABSTRACT, 2.2.1.8 HASH_ENTRY_BOUNDARY, 2.2.2.9 ADVERTISE's
 * fixed part: what advertise() counts against its size limit. */
constexpr std::size_t kAbstractSize = 20;
constexpr std::size_t kBoundarySize = 52;
constexpr std::size_t kAdvertiseFixed = 24;

/* The range order of 3.1.7.31: modification time, then record id.  The one
 * place that says how two ids compare. */
bool key_less(FileTime a_time, const Guid &a_id, FileTime b_time, const Guid &b_id)
{
    if (a_time != b_time) return a_time < b_time;
    return a_id < b_id;
}

bool entry_less(const Entry &a, const Entry &b)
{
    return key_less(a.modification_time, a.id, b.modification_time, b.id);
}

void sort_by_key(std::vector<Entry> *entries)
{
    std::sort(entries->begin(), entries->end(), entry_less);
}

/* Index of the first of sorted[from, size) whose key is above (time, id). */
std::size_t past_key(const std::vector<Entry> &sorted, std::size_t from, FileTime time, const Guid &id)
{
    auto it = std::partition_point(sorted.begin() + from, sorted.end(), [&](const Entry &e) {
        return !key_less(time, id, e.modification_time, e.id);
    });
    return static_cast<std::size_t>(it - sorted.begin());
}

Hash md5(const std::uint8_t *data, std::size_t size)
{
    Hash digest{};
    if (gnutls_hash_fast(GNUTLS_DIG_MD5, data, size, digest.data()) < 0)
        throw std::runtime_error("gnutls_hash_fast(MD5) failed");
    return digest;
}

/* The RECORD_ABSTRACT encodings of a list of records, back to back.  They
 * are taken from an encoded REQUEST, which carries exactly that array, so
 * the GUID and integer byte order stay wire.cpp's and bytes.h's choice. */
class AbstractBytes {
public:
    explicit AbstractBytes(const std::vector<wire::RecordAbstract> &abstracts)
    {
        wire::Request request;
        request.abstracts = abstracts;
        message_ = wire::encode(request);
        /* Record Abstracts Offset, after the Record Abstract Count (2.2.2.10) */
        ByteReader r(message_.data() + wire::kHeaderSize + 4, 4);
        offset_ = r.u32();
    }

    explicit AbstractBytes(const std::vector<Entry> &entries) : AbstractBytes(abstracts_of(entries)) {}

    /* MD5 of the abstracts [first, last). */
    Hash hash(std::size_t first, std::size_t last) const
    {
        return md5(message_.data() + offset_ + first * kAbstractSize, (last - first) * kAbstractSize);
    }

private:
    static std::vector<wire::RecordAbstract> abstracts_of(const std::vector<Entry> &entries)
    {
        std::vector<wire::RecordAbstract> out(entries.size());
        for (std::size_t i = 0; i < entries.size(); ++i) out[i] = {entries[i].id, entries[i].version};
        return out;
    }

    std::vector<std::uint8_t> message_;
    std::size_t offset_ = 0;
};

/* Builds the ADVERTISE within its byte budget. */
class AdvertiseBuilder {
public:
    AdvertiseBuilder(const std::vector<Entry> &own, std::size_t max_message_size)
        : own_(own), left_(max_message_size > kAdvertiseFixed ? max_message_size - kAdvertiseFixed : 0)
    {
    }

    /* Adds the range (lower, upper] holding own[first, last); false when it
     * did not fit whole (what fit of it was added) and nothing more may be
     * added. */
    bool add(FileTime lower_time, const Guid &lower_id, FileTime upper_time, Guid upper_id, std::size_t first,
             std::size_t last)
    {
        std::size_t count = last - first;
        if (left_ < kBoundarySize) return false;
        std::size_t room = (left_ - kBoundarySize) / kAbstractSize;
        bool whole = count <= room;
        if (!whole) {
            if (room == 0) return false;
            count = room;
            upper_time = own_[first + count - 1].modification_time;
            upper_id = own_[first + count - 1].id;
        }
        out_.boundaries.push_back({lower_time, lower_id, upper_time, upper_id, static_cast<std::uint32_t>(count)});
        for (std::size_t i = first; i < first + count; ++i) out_.abstracts.push_back({own_[i].id, own_[i].version});
        left_ -= kBoundarySize + count * kAbstractSize;
        return whole;
    }

    wire::Advertise take() { return std::move(out_); }

private:
    const std::vector<Entry> &own_;
    std::size_t left_;
    wire::Advertise out_;
};

/* The highest version advertised for each id, sorted by id. */
std::vector<wire::RecordAbstract> newest_by_id(std::vector<wire::RecordAbstract> abstracts)
{
    std::sort(abstracts.begin(), abstracts.end(), [](const wire::RecordAbstract &a, const wire::RecordAbstract &b) {
        return a.id != b.id ? a.id < b.id : a.version > b.version;
    });
    abstracts.erase(std::unique(abstracts.begin(), abstracts.end(),
                                [](const wire::RecordAbstract &a, const wire::RecordAbstract &b) { return a.id == b.id; }),
                    abstracts.end());
    return abstracts;
}

template <typename T> const T *find_id(const std::vector<T> &by_id, const Guid &id)
{
    auto it = std::lower_bound(by_id.begin(), by_id.end(), id, [](const T &a, const Guid &g) { return a.id < g; });
    return it != by_id.end() && it->id == id ? &*it : nullptr;
}

/* The advertised intervals as index ranges [first, last) of sorted, merged
 * and in order, so that any number of boundaries costs O(b log b + n). */
std::vector<std::pair<std::size_t, std::size_t>> advertised_spans(const wire::Advertise &advertise,
                                                                  const std::vector<Entry> &sorted)
{
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    for (const wire::HashEntryBoundary &b : advertise.boundaries) {
        std::size_t first = is_beginning(b.lower_time, b.lower_id) ? 0 : past_key(sorted, 0, b.lower_time, b.lower_id);
        std::size_t last = past_key(sorted, 0, b.upper_time, b.upper_id);
        if (first < last) spans.emplace_back(first, last);
    }
    std::sort(spans.begin(), spans.end());
    std::vector<std::pair<std::size_t, std::size_t>> merged;
    for (const auto &s : spans) {
        if (!merged.empty() && s.first <= merged.back().second)
            merged.back().second = std::max(merged.back().second, s.second);
        else
            merged.push_back(s);
    }
    return merged;
}

} // namespace

bool is_beginning(FileTime time, const Guid &id)
{
    return time == kBeginningTime && id.is_null();
}

Hash range_hash(const std::vector<wire::RecordAbstract> &abstracts)
{
    return AbstractBytes(abstracts).hash(0, abstracts.size());
}

std::vector<wire::HashInfoEntry> solicit_entries(std::vector<Entry> records)
{
    sort_by_key(&records);
    AbstractBytes bytes(records);
    std::vector<wire::HashInfoEntry> entries;
    entries.reserve((records.size() + kRangeSize - 1) / kRangeSize);
    for (std::size_t first = 0; first < records.size(); first += kRangeSize) {
        std::size_t last = std::min(first + kRangeSize, records.size());
        wire::HashInfoEntry e;
        e.hash = bytes.hash(first, last);
        e.modification_time = records[last - 1].modification_time;
        e.record_id = records[last - 1].id;
        entries.push_back(e);
    }
    return entries;
}

wire::Advertise advertise(const std::vector<wire::HashInfoEntry> &solicit, std::vector<Entry> own,
                          std::size_t max_message_size)
{
    sort_by_key(&own);
    AbstractBytes bytes(own);
    AdvertiseBuilder out(own, max_message_size);
    FileTime lower_time = kBeginningTime;
    Guid lower_id;
    std::size_t first = 0;
    for (const wire::HashInfoEntry &e : solicit) {
        /* A bound at or below the previous one leaves first where it is:
         * an empty range. */
        std::size_t last = past_key(own, first, e.modification_time, e.record_id);
        if (bytes.hash(first, last) != e.hash &&
            !out.add(lower_time, lower_id, e.modification_time, e.record_id, first, last))
            return out.take();
        lower_time = e.modification_time;
        lower_id = e.record_id;
        first = last;
    }
    if (first < own.size())
        out.add(lower_time, lower_id, own.back().modification_time, own.back().id, first, own.size());
    return out.take();
}

void compare(const wire::Advertise &advertise, const std::vector<Entry> &own,
             std::vector<wire::RecordAbstract> *to_request, std::vector<Guid> *to_send)
{
    to_request->clear();
    to_send->clear();
    std::vector<wire::RecordAbstract> advertised = newest_by_id(advertise.abstracts);

    std::vector<Entry> by_id(own);
    std::sort(by_id.begin(), by_id.end(), [](const Entry &a, const Entry &b) { return a.id < b.id; });
    for (const wire::RecordAbstract &a : advertised) {
        const Entry *mine = find_id(by_id, a.id);
        if (!mine || mine->version < a.version) to_request->push_back(a);
    }

    std::vector<Entry> sorted = std::move(by_id);
    sort_by_key(&sorted);
    std::vector<std::pair<std::size_t, std::size_t>> spans = advertised_spans(advertise, sorted);
    std::size_t span = 0;
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        while (span < spans.size() && spans[span].second <= i) ++span;
        bool in_span = span < spans.size() && spans[span].first <= i;
        const wire::RecordAbstract *theirs = find_id(advertised, sorted[i].id);
        if (theirs ? theirs->version < sorted[i].version : in_span) to_send->push_back(sorted[i].id);
    }
}

} // namespace hash_sync
} // namespace p2pg
