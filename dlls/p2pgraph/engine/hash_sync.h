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

#ifndef P2PG_ENGINE_HASH_SYNC_H
#define P2PG_ENGINE_HASH_SYNC_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "record.h"
#include "wire.h"

/*
 * The three steps of a hash-based sync as pure functions (no store, no
 * link): the initiator's SOLICIT_HASH entries (3.1.7.31), the responder's
 * ADVERTISE (3.1.5.2.7) and the initiator's two lists (3.1.5.2.8).  Each is
 * O(n log n) in the records and entries it gets.
 *
 * Ranges.  Records are ordered by the key (Last Modification Time, Record
 * ID), lexicographically; IDs compare as Guid::operator< does (memcmp of
 * Windows' memory order, which is also how SQLite orders the store's id
 * BLOBs).  Nobody here has a Windows capture to confirm Windows' order; it
 * lives in key_less() in hash_sync.cpp.  Range k of a SOLICIT_HASH holds the
 * keys in (upper bound of range k-1, upper bound of range k]: lower bound
 * exclusive, upper bound inclusive, range 0 open below.  The spec's
 * per-component test "ModTimeMIN <= t <= ModTimeMAX and IdMIN <= id <=
 * IdMAX" (3.1.7.31, whose second line also says MIN for MAX) cannot describe
 * these ranges: two records with times t1 < t2 may have ids in either
 * order, so a range cut from a sorted list is a lexicographic interval, not
 * a box.  The spec's own sort (time, then id) and "ranges of 10 records"
 * only make sense read this way.
 *
 * ADVERTISE boundaries carry the same interval: Lower = the previous range's
 * upper bound (exclusive), Upper = the range's own upper bound (inclusive),
 * Count = the responder's records in it.  A range open below (range 0, or
 * everything when the initiator sent no entries) has Lower = kBeginning.
 */

namespace p2pg {
namespace hash_sync {

/* One record of a database, tombstones and internal records included. */
struct Entry {
    FileTime modification_time = 0;
    Guid id;
    std::uint32_t version = 0;
};

using Hash = std::array<std::uint8_t, 16>;

/* 3.1.7.31: "The size of each Record Range MUST be 10 Records." */
constexpr std::size_t kRangeSize = 10;

/* The Lower of a boundary that is open below: time 0 and the null GUID.
 * Read as "from the very beginning" (so even a record at exactly that key
 * belongs to it), not as an exclusive bound. */
constexpr FileTime kBeginningTime = 0;
bool is_beginning(FileTime time, const Guid &id);

/* MD5 over the RECORD_ABSTRACT encodings (2.2.1.5: Record ID as the wire
 * encodes GUIDs, then Version) of the given records, in the order given:
 * the hash of one range (3.1.7.31).  MD5 of nothing for none. */
Hash range_hash(const std::vector<wire::RecordAbstract> &abstracts);

/* Initiator, 3.1.7.31: sorts the database by key, cuts it into ranges of
 * kRangeSize records (the last one may be shorter) and returns one
 * HASH_INFO_ENTRY per range, in order, with the range's hash and its upper
 * bound (key of its last record).  No records, no entries: 3.1.7.31 says
 * Hash Count MUST be nonzero, so the caller decides whether an empty
 * database sends an empty SOLICIT_HASH (advertise() handles it) or none. */
std::vector<wire::HashInfoEntry> solicit_entries(std::vector<Entry> records);

/* Responder, 3.1.5.2.7: hashes its own records in each range of solicit
 * and, for every range whose hash differs, adds a boundary and the
 * abstracts of its records in the range (in key order), so the Record
 * Abstract Count is the sum of the Counts.
 *  - The responder's records past the last upper bound (all of them when
 *    solicit is empty) form one more range, advertised when there is any
 *    record in it, Upper = key of the responder's last record.
 *  - A range where the initiator has records and the responder none gets
 *    a hash mismatch like any other (MD5 of nothing never equals MD5 of
 *    something) and is advertised with Count 0 and no abstracts, so that
 *    the initiator sends its records of that range.
 *  - Upper bounds are expected to increase; a bound not above the previous
 *    one (a broken peer) gives a range with none of the responder's records.
 *  - The ADVERTISE is kept within max_message_size bytes (header
 *    included), which a peer's SOLICIT_HASH could otherwise push past
 *    wire::kMaxMessageSize (52 bytes per entry against 40): ranges are
 *    advertised in key order while they fit; the first that does not fit
 *    is cut after as many records as fit (Upper = key of the last one, so
 *    the abstracts stay complete for the interval advertised) and the rest
 *    waits for a later sync.  At the default that only happens beyond about
 *    3.3 million records of difference. */
wire::Advertise advertise(const std::vector<wire::HashInfoEntry> &solicit, std::vector<Entry> own,
                          std::size_t max_message_size = wire::kMaxMessageSize);

/* Initiator, 3.1.5.2.8, on ADVERTISE:
 *  - to_request: each advertised abstract the initiator lacks or holds at
 *    a lower version, with the advertised version (the version requested);
 *    each id once, at the highest version advertised for it, in id order.
 *  - to_send: ids of the initiator's records that an abstract names at a
 *    lower version, or that lie inside an advertised interval (Lower
 *    exclusive unless is_beginning(), Upper inclusive) and that no abstract
 *    names; each id once, in key order.  The first part is the spec's
 *    "higher Record Version than in the Record Abstracts", taken for every
 *    abstract: with a whole ADVERTISE it changes nothing (the range holding
 *    the initiator's newer version mismatches too), with a cut one it still
 *    repairs what was advertised.
 * When the ADVERTISE answers the SOLICIT_HASH of the same database, both
 * lists are exactly the differences a comparison of the two databases
 * would find (barring MD5 collisions), given that equal id and version mean
 * equal modification time.  Count fields are not trusted (the abstracts are
 * what counts), and overlapping or reversed boundaries from a broken peer
 * cost no more than well-formed ones. */
void compare(const wire::Advertise &advertise, const std::vector<Entry> &own,
             std::vector<wire::RecordAbstract> *to_request, std::vector<Guid> *to_send);

} // namespace hash_sync
} // namespace p2pg

#endif
