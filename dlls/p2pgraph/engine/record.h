/*
 * Engine records: the graph database's unit of data (MS-PPGRH 2.2.3)
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

#ifndef P2PG_ENGINE_RECORD_H
#define P2PG_ENGINE_RECORD_H

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace p2pg {

/* A GUID in the byte order Windows keeps it in memory (Data1, Data2 and
 * Data3 little-endian, then Data4), so that the face can copy a Win32 GUID
 * into it as it is. */
struct Guid {
    std::array<std::uint8_t, 16> bytes{};

    bool is_null() const;
    /* "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}", lower case. */
    std::string to_string() const;
    /* Parses the form to_string() writes (braces optional, any case). */
    static bool parse(const std::string &text, Guid *out);

    bool operator==(const Guid &o) const { return bytes == o.bytes; }
    bool operator!=(const Guid &o) const { return bytes != o.bytes; }
    bool operator<(const Guid &o) const { return bytes < o.bytes; }
};

/* Times are FILETIME values: 100 ns units since 1601-01-01, in the graph's
 * peer time (MS-PPGRH 1.3.6) unless a name says otherwise. */
using FileTime = std::int64_t;
constexpr FileTime kTicksPerSecond = 10000000;
constexpr FileTime kSecond = kTicksPerSecond;

enum RecordFlags : std::uint32_t {
    kRecordFlagAutorefresh = 0x1,
    kRecordFlagDeleted = 0x2,
};

/* The reserved record types of MS-PPGRH 2.2.1.9 and the fixed record IDs of
 * 2.2.3.1/2.2.3.2. */
extern const Guid kRecordTypeGraphInfo;
extern const Guid kRecordTypeSignature;
extern const Guid kRecordTypeContact;
extern const Guid kRecordTypePresence;
/* For diagnostics: "Graph Info", "Signature", "Contact", "Presence", or the
 * GUID. */
std::string record_type_name(const Guid &type);
extern const Guid kRecordIdGraphInfo;
extern const Guid kRecordIdSignature;
/* MS-PPGRH 2.2.4.1: the PT2PT Data Type of the protocol's Ping. */
extern const Guid kPingDataType;

/* True for the four internal record types, which applications may neither
 * publish nor see. */
bool is_reserved_record_type(const Guid &type);

struct Record {
    Guid type;
    Guid id;
    std::uint32_t version = 0;
    std::uint32_t flags = 0;
    std::string creator_id;     /* UTF-8 */
    std::string modified_by_id; /* UTF-8; empty until the record is updated */
    std::string attributes;     /* UTF-8 XML (MS-PPGRH 2.2.3.5); empty = none */
    FileTime creation_time = 0;
    FileTime expiration_time = 0;
    FileTime modification_time = 0;
    std::vector<std::uint8_t> security_data;
    std::vector<std::uint8_t> data;

    bool deleted() const { return flags & kRecordFlagDeleted; }
    bool autorefresh() const { return flags & kRecordFlagAutorefresh; }
};

} // namespace p2pg

#endif
