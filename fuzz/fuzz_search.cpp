/*
 * Fuzz target: the record search query parser (PeerGraphSearchRecords) and its matching
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

/*
 * The input is a query; if it holds a NUL, what follows the first one is
 * the attribute text of one more record to match (a peer's records are
 * matched against the application's query).  Every query that parses is
 * matched against a few fixed records and that one.  Besides the
 * sanitizers' findings it aborts when the parser's answer is inconsistent
 * (a query and an error at once, no reason given) or a match differs
 * between two runs.
 */

#include <memory>
#include <string>
#include <vector>

#include "engine/record_rules.h"
#include "engine/search.h"
#include "support.h"

using namespace p2pg;

namespace {

const char kTarget[] = "fuzz_search";

Record make_record(const std::string &creator, const std::string &modified_by, const std::string &attributes,
                   std::uint8_t n)
{
    Record r;
    r.creator_id = creator;
    r.modified_by_id = modified_by;
    Guid random;
    random.bytes[0] = n;
    r.id = make_record_id(creator, random);
    r.type.bytes[0] = static_cast<std::uint8_t>(0x40 + n);
    r.version = 1 + n;
    r.creation_time = 126530208000000000LL + n * 864000000000LL; /* 2001-12-31 + n days */
    r.modification_time = r.creation_time + (modified_by.empty() ? 0 : 36000000000LL);
    r.expiration_time = r.modification_time + 3000000000LL;
    r.attributes = attributes;
    return r;
}

const std::vector<Record> &fixed_records()
{
    static const std::vector<Record> records = {
        make_record("James Peters", "", "", 0),
        make_record("alice", "bob",
                    "<attributes><attribute name=\"Owner\" type=\"string\">Scott*?\\</attribute>"
                    "<attribute name=\"Size\" type=\"int\">0042</attribute>"
                    "<attribute name=\"Birthday\" type=\"date\">1972-04-04</attribute></attributes>",
                    1),
        make_record("\xc3\x89milie \xce\xb1\xce\xb2", "",
                    "<attributes><attribute name=\"owner\" type=\"string\">\xc3\xa9MILIE</attribute>"
                    "<attribute name=\"owner\" type=\"string\"></attribute>"
                    "<attribute name=\"size\" type=\"int\">18446744073709551616</attribute>"
                    "<attribute name=\"when\" type=\"date\">2003-01-31T23:59:59.9999999-12:00</attribute>"
                    "</attributes>",
                    2),
        make_record("carol", "", "<attributes><not-valid/></attributes>", 3),
    };
    return records;
}

void match(const SearchQuery &query, const Record &record)
{
    if (query.matches(record) != query.matches(record)) fuzz::broken(kTarget, "a match changes between runs");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string input(reinterpret_cast<const char *>(data), size);
    const std::size_t nul = input.find('\0');
    const std::string text = input.substr(0, nul);

    SearchQuery::Error error = SearchQuery::Error::none;
    std::string why;
    std::unique_ptr<SearchQuery> query = SearchQuery::parse(text, &error, &why);
    if (!query != (error != SearchQuery::Error::none)) fuzz::broken(kTarget, "query and error disagree");
    if (!query && why.empty()) fuzz::broken(kTarget, "refused without a reason");
    if (query && !why.empty()) fuzz::broken(kTarget, "a reason given for a valid query");
    SearchQuery::Error error2;
    if (!SearchQuery::parse(text, &error2) != !query || error2 != error)
        fuzz::broken(kTarget, "the answer depends on the output arguments");
    if (!query) return 0;

    for (const Record &r : fixed_records()) match(*query, r);
    if (nul != std::string::npos) match(*query, make_record("dave", "erin", input.substr(nul + 1), 4));
    return 0;
}
