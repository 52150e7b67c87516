/*
 * Record attributes: the XML name/value pairs of a record (MS-PPGRH 2.2.3.5)
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

#ifndef P2PG_ENGINE_ATTRIBUTES_H
#define P2PG_ENGINE_ATTRIBUTES_H

#include <cstddef>
#include <string>
#include <vector>

#include "record.h"

namespace p2pg {

enum class AttributeType { string, integer, date };

struct Attribute {
    std::string name;
    AttributeType type;
    std::string value; /* UTF-8, exactly the element's text */
};

/* MAX_ATTRIBUTE_STREAM_LENGTH of the XP p2p.h, in UTF-16 characters (the
 * unit of PEER_RECORD.pwzAttributes and of the wire's Attributes Length). */
constexpr std::size_t kMaxAttributeStreamLength = 100000;
constexpr std::size_t kMaxAttributeNameLength = 40;

/* Validates a record's attribute XML (MS-PPGRH 2.2.3.5).  An empty string
 * means "no attributes" and is valid; so is an <attributes/> with no
 * children (the SDK's schema says minOccurs="0").  Returns false for
 * anything outside the schema; fills *out (if not null) only on success;
 * *why (if not null) gets a short reason on failure.
 *
 * Decisions where the documents are silent:
 * - int values are one or more ASCII digits, no sign and no surrounding
 *   whitespace ("MUST be all digits"); any length (compared as digit
 *   strings, never overflowing).
 * - date values must pass parse_w3c_date, with no surrounding whitespace.
 * - comments and processing instructions are ignored; namespace
 *   declarations are allowed and element names are matched on their local
 *   part; attributes other than name/type (namespaced ones included) are
 *   refused.
 * - reserved names are refused whatever their case. */
bool parse_attributes(const std::string &xml_utf8, std::vector<Attribute> *out, std::string *why = nullptr);

/* Parses a W3C date/date-time (NOTE-datetime, the format of type="date")
 * into a FILETIME value (100 ns since 1601-01-01, UTC).  Accepted:
 *   YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm, YYYY-MM-DDThh:mm:ss,
 *   YYYY-MM-DDThh:mm:ss.s+ (digits past the seventh are ignored),
 * each optionally followed by 'Z' or +hh:mm / -hh:mm.  No zone means UTC.
 * Fields are range-checked (leap years included, no hour 24, no leap
 * second); results before 1601 are refused. */
bool parse_w3c_date(const std::string &text, FileTime *out);

/* The "int" rule of 2.2.3.5: one or more ASCII digits, nothing else. */
bool is_int_value(const std::string &text);

/* Orders two is_int_value() strings numerically: <0, 0 or >0. */
int compare_int_values(const std::string &a, const std::string &b);

/* The attribute names the Peer Infrastructure reserves, in any case. */
bool is_reserved_attribute_name(const std::string &name);

} // namespace p2pg

#endif
