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

#ifndef P2PG_ENGINE_RECORD_RULES_H
#define P2PG_ENGINE_RECORD_RULES_H

#include <cstddef>
#include <optional>
#include <string>

#include "graph_info.h"
#include "record.h"
#include "types.h"

namespace p2pg {

/* A random GUID from GnuTLS's nonce generator. */
Guid random_guid();
/* A uniformly random value in [low, high] (timer delays, random choices),
 * from the same source as random_guid(). */
std::int64_t random_ticks(std::int64_t low, std::int64_t high);

/* MS-PPGRH 3.1.7.2: the low 64 bits of a record id are the two halves of a
 * random GUID XORed, the high 64 bits the two halves of MD5(creator id)
 * XORed, so that any node can check that a record id belongs to its creator.
 * The spec leaves two details open; we read them as follows (one place to
 * change if a Windows capture says otherwise):
 *   - MD5 is taken over the creator id in UTF-16LE, without the NUL;
 *   - a GUID's "high 64 bits" are its bytes 8..15 in memory order, as a
 *     little-endian number (the GUID seen as two ULONGLONGs on Windows). */
Guid make_record_id(const std::string &creator_id, const Guid &random);
bool record_id_matches_creator(const Guid &id, const std::string &creator_id);

/* An id (peer, graph, creator) of 1..max_chars UTF-16 characters. */
bool valid_id(const std::string &id, std::size_t max_chars = kMaxIdChars);

/* Payload plus attributes, counted as the wire counts them against Max
 * Record Size (MS-PPGRH 3.1.7.27: Payload Data Size + 2 * Attributes
 * Length). */
std::uint64_t record_size(const Record &record);

/* What a record must satisfy to be kept, wherever it comes from (a
 * neighbor's FLOOD, an export file, our own database when it is opened):
 * MS-PPGRH 3.1.7.27 (record id of its creator, size within max_record_size,
 * attributes well formed) and the record's own consistency as 2.2.3.1
 * describes it (ids of 1..255 characters, known flags, creation <=
 * modification < expiration, no data on a deletion, "modified by" only
 * after a modification).  The Graph Info record must also decode and name
 * graph_id, and may not be deleted: a graph without it cannot be opened. */
bool record_acceptable(const Record &record, const std::string &graph_id, std::uint64_t max_record_size);

/* MS-PPGRH 3.1.7.32: which of two records with the same id is kept. */
enum class ConflictWinner { received, local, same };
ConflictWinner resolve_conflict(const Record &received, const Record &local);

/* What taking received over local (ours, if any) is to the application:
 * added (new, or alive again), updated or deleted. */
RecordChange received_change(const Record &received, const std::optional<Record> &local);

} // namespace p2pg

#endif
