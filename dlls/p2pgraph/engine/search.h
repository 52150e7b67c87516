/*
 * Record search: the XML query of PeerGraphSearchRecords and its evaluation
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

#ifndef P2PG_ENGINE_SEARCH_H
#define P2PG_ENGINE_SEARCH_H

#include <cstddef>
#include <memory>
#include <string>

#include "record.h"
#include "types.h"

namespace p2pg {

/* A parsed "Record Search Query Format" document (the P2P SDK page of that
 * name):
 *   <peersearch> holds exactly one of clause/and/or; and/or hold one or
 *   more of clause/and/or; <clause attrib=".." type="string|date|int"
 *   compare="equal|notequal|less|lessorequal|greater|greaterorequal">value
 *   </clause>, compare defaulting to equal.
 *
 * Decisions where the documents are silent:
 * - Attribute names (attrib) match record attribute names and the reserved
 *   names case-insensitively (ASCII; names are [0-9a-zA-Z]), in line with
 *   2.2.3.5 reserving the peer* names for every spelling.
 * - A clause on an application attribute holds when ANY attribute of the
 *   record with that name and the clause's type satisfies it; attributes
 *   of another type are not considered, and a record without such an
 *   attribute fails the clause whatever the operator (notequal included).
 * - The reserved attributes: peercreatorid and peerlastmodifiedby (string;
 *   the latter is the creator while the record was never modified, as
 *   PEER_RECORD.pwzModifiedById reads), peerrecordid and peerrecordtype
 *   (string, "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}"), peercreationtime
 *   and peerlastmodificationtime (date, compared with the record's times
 *   as stored, i.e. peer time).  A clause giving one of them another type
 *   is schema-valid and simply matches nothing.
 * - string equal/notequal: the value is a pattern ('*' any 0..n
 *   characters, '?' exactly one, "\*" "\?" "\\" literal), compared
 *   case-insensitively by code point after a simple upper-case mapping
 *   (Latin, Greek, Cyrillic, Armenian, fullwidth Latin), as Windows'
 *   ordinal ignore-case compares do; other scripts compare exactly.
 * - string less/lessorequal/greater/greaterorequal: the unescaped value
 *   taken literally ('*' and '?' are ordinary characters), ordered by those
 *   same upper-cased code points.
 * - int: the value must be one or more ASCII digits (no sign, no spaces,
 *   as for attributes), compared numerically at any length.
 * - date: the value must pass parse_w3c_date; compared as FILETIMEs.
 * - A backslash not followed by '*', '?' or '\' in a string value is
 *   Error::invalid_argument (the documented E_INVALIDARG), but only for a
 *   query that is otherwise valid: schema errors anywhere win.
 * - Element names are matched on their local part, so namespace
 *   declarations (the documented xmlns:xs, even a default xmlns) are
 *   accepted; comments and processing instructions are ignored; any XML
 *   attribute not listed above is refused.
 * - Bounds, each refused with Error::invalid_search: kMaxQueryLength
 *   bytes of text, kMaxQueryDepth nested levels below peersearch (a clause
 *   directly under it is level 1), kMaxQueryClauses clauses. */
class SearchQuery {
public:
    enum class Error {
        none,
        invalid_search,   /* PEER_E_INVALID_SEARCH */
        invalid_argument, /* E_INVALIDARG: bad backslash escape */
    };

    static constexpr std::size_t kMaxQueryLength = kMaxSearchQueryChars;
    static constexpr int kMaxQueryDepth = 32;
    static constexpr int kMaxQueryClauses = 1000;

    /* Null with *error (if not null) set and *why (if not null) given a
     * short reason when xml_utf8 is not a valid query. */
    static std::unique_ptr<SearchQuery> parse(const std::string &xml_utf8, Error *error, std::string *why = nullptr);

    /* True when the record satisfies the query.  The record's own
     * attributes come from record.attributes; a record whose attributes do
     * not parse has none. */
    bool matches(const Record &record) const;

    ~SearchQuery();
    SearchQuery(const SearchQuery &) = delete;
    SearchQuery &operator=(const SearchQuery &) = delete;

    struct Node; /* defined in search.cpp */

private:
    explicit SearchQuery(std::unique_ptr<Node> root);
    std::unique_ptr<Node> root_;
    bool uses_record_attributes_;
};

} // namespace p2pg

#endif
