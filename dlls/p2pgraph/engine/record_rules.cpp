/*
 * Engine record ids (MS-PPGRH 3.1.7.2) and conflict resolution (3.1.7.32)
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

#include "record_rules.h"

#include <algorithm>
#include <stdexcept>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "attributes.h"
#include "graph_info.h"
#include "utf.h"

namespace p2pg {

namespace {

std::uint64_t half(const std::uint8_t *b)
{
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | b[i];
    return v;
}

void store_half(std::uint8_t *b, std::uint64_t v)
{
    for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

/* high64(MD5(creator)) XOR low64(MD5(creator)), or false when the id is not
 * valid UTF-8. */
bool creator_hash(const std::string &creator_id, std::uint64_t *out)
{
    std::u16string wide;
    if (!utf8_to_utf16(creator_id, &wide)) return false;
    std::vector<std::uint8_t> le;
    le.reserve(wide.size() * 2);
    for (char16_t c : wide) {
        le.push_back(static_cast<std::uint8_t>(c));
        le.push_back(static_cast<std::uint8_t>(c >> 8));
    }
    std::uint8_t digest[16];
    if (gnutls_hash_fast(GNUTLS_DIG_MD5, le.data(), le.size(), digest) < 0) return false;
    *out = half(digest) ^ half(digest + 8);
    return true;
}

} // namespace

Guid random_guid()
{
    Guid g;
    if (gnutls_rnd(GNUTLS_RND_NONCE, g.bytes.data(), g.bytes.size()) < 0)
        throw std::runtime_error("gnutls_rnd failed");
    return g;
}

std::int64_t random_ticks(std::int64_t low, std::int64_t high)
{
    Guid random = random_guid();
    std::uint64_t r = 0;
    for (int i = 0; i < 8; ++i) r = r << 8 | random.bytes[i];
    return low + static_cast<std::int64_t>(r % (static_cast<std::uint64_t>(high - low) + 1));
}

Guid make_record_id(const std::string &creator_id, const Guid &random)
{
    std::uint64_t high;
    if (!creator_hash(creator_id, &high)) high = 0;
    Guid id;
    store_half(id.bytes.data(), half(random.bytes.data()) ^ half(random.bytes.data() + 8));
    store_half(id.bytes.data() + 8, high);
    return id;
}

bool record_id_matches_creator(const Guid &id, const std::string &creator_id)
{
    std::uint64_t high;
    return creator_hash(creator_id, &high) && half(id.bytes.data() + 8) == high;
}

std::uint64_t record_size(const Record &record)
{
    std::size_t chars = utf16_length(record.attributes);
    if (chars == std::string::npos) chars = record.attributes.size();
    return record.data.size() + 2 * static_cast<std::uint64_t>(chars);
}

bool valid_id(const std::string &id, std::size_t max_chars)
{
    std::size_t n = utf16_length(id);
    return n != std::string::npos && n >= 1 && n <= max_chars;
}

bool record_acceptable(const Record &r, const std::string &graph_id, std::uint64_t max_record_size)
{
    if (!valid_id(r.creator_id) || (!r.modified_by_id.empty() && !valid_id(r.modified_by_id))) return false;
    if (r.flags & ~std::uint32_t(kRecordFlagAutorefresh | kRecordFlagDeleted)) return false;
    if (r.version == 0 || r.creation_time < 0 || r.modification_time < r.creation_time ||
        r.expiration_time <= r.modification_time)
        return false;
    if (r.deleted() && !r.data.empty()) return false;
    if (r.modification_time == r.creation_time && !r.modified_by_id.empty()) return false;
    bool fixed_id = r.id == kRecordIdGraphInfo || r.id == kRecordIdSignature;
    if (!fixed_id && !record_id_matches_creator(r.id, r.creator_id)) return false;
    if (record_size(r) > max_record_size || !parse_attributes(r.attributes, nullptr)) return false;
    if (r.id == kRecordIdGraphInfo || r.type == kRecordTypeGraphInfo) {
        GraphProperties p;
        if (r.id != kRecordIdGraphInfo || r.type != kRecordTypeGraphInfo || r.deleted() ||
            !decode_graph_info(r.data, &p) || p.graph_id != graph_id)
            return false;
    }
    return true;
}

ConflictWinner resolve_conflict(const Record &received, const Record &local)
{
    auto pick = [](bool received_wins) { return received_wins ? ConflictWinner::received : ConflictWinner::local; };
    if (received.version != local.version) return pick(received.version > local.version);
    bool received_updated = !received.modified_by_id.empty(), local_updated = !local.modified_by_id.empty();
    if (received_updated != local_updated) return pick(received_updated);
    if (received.modified_by_id != local.modified_by_id) return pick(received.modified_by_id > local.modified_by_id);
    if (received.modification_time != local.modification_time)
        return pick(received.modification_time > local.modification_time);
    if (received.security_data.size() != local.security_data.size())
        return pick(received.security_data.size() > local.security_data.size());
    if (received.security_data != local.security_data) return pick(received.security_data > local.security_data);
    return ConflictWinner::same;
}

RecordChange received_change(const Record &received, const std::optional<Record> &local)
{
    if (received.deleted()) return RecordChange::deleted;
    return !local || local->deleted() ? RecordChange::added : RecordChange::updated;
}

} // namespace p2pg
