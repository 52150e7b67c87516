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

#include "record.h"

#include <cctype>
#include <cstdio>

namespace p2pg {

namespace {

/* A GUID whose Data1 is value and everything else zero (the reserved types). */
Guid data1_guid(std::uint32_t value)
{
    Guid g;
    for (int i = 0; i < 4; ++i) g.bytes[i] = static_cast<std::uint8_t>(value >> (8 * i));
    return g;
}

Guid parse_or_null(const char *text)
{
    Guid g;
    Guid::parse(text, &g);
    return g;
}

int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

} // namespace

const Guid kRecordTypeGraphInfo = data1_guid(0x00000100);
const Guid kRecordTypeSignature = data1_guid(0x00000200);
const Guid kRecordTypeContact = data1_guid(0x00000300);
const Guid kRecordTypePresence = data1_guid(0x00000400);
const Guid kRecordIdGraphInfo = parse_or_null("{6c796768-7732-406b-bc6e-5e9c0d864580}");
const Guid kRecordIdSignature = parse_or_null("{4c515c94-4252-494f-8440-34cc79769c81}");
const Guid kPingDataType = parse_or_null("{0ccbb0d2-be41-4bd6-914b-058ec5dcce64}");

bool is_reserved_record_type(const Guid &type)
{
    return type == kRecordTypeGraphInfo || type == kRecordTypeSignature || type == kRecordTypeContact ||
           type == kRecordTypePresence;
}

bool Guid::is_null() const
{
    for (std::uint8_t b : bytes)
        if (b) return false;
    return true;
}

std::string Guid::to_string() const
{
    const std::uint8_t *b = bytes.data();
    char text[40];
    std::snprintf(text, sizeof(text), "{%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x}",
                  b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                  b[15]);
    return text;
}

bool Guid::parse(const std::string &text, Guid *out)
{
    std::string s = text;
    if (s.size() == 38 && s.front() == '{' && s.back() == '}') s = s.substr(1, 36);
    if (s.size() != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return false;
    std::uint8_t seq[16];
    int n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '-') continue;
        int hi = hex_value(s[i]), lo = i + 1 < s.size() ? hex_value(s[i + 1]) : -1;
        if (hi < 0 || lo < 0) return false;
        seq[n++] = static_cast<std::uint8_t>(hi << 4 | lo);
        ++i;
    }
    if (n != 16) return false;
    /* Text order is Data1..Data4 big-endian; memory order swaps the first three. */
    static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    for (int i = 0; i < 16; ++i) out->bytes[i] = seq[order[i]];
    return true;
}

std::string record_type_name(const Guid &type)
{
    if (type == kRecordTypeGraphInfo) return "Graph Info";
    if (type == kRecordTypeSignature) return "Signature";
    if (type == kRecordTypeContact) return "Contact";
    if (type == kRecordTypePresence) return "Presence";
    return type.to_string();
}

} // namespace p2pg
