/*
 * Fuzz target: record attribute XML (MS-PPGRH 2.2.3.5) as a received record carries it
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
 * The input is a record's attribute text, which a peer's FLOOD or an
 * imported file controls.  It goes where such text goes: parse_attributes,
 * record_acceptable (the check every received record passes) and a search
 * that reads the record's attributes.  What parses must hold to the schema,
 * survive being written out and read again, and be found by a query for
 * each of its own values.  Short inputs are also tried as a W3C date and as
 * a pair of int values ("a,b"), the two value grammars.
 */

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/attributes.h"
#include "engine/graph_info.h"
#include "engine/record_rules.h"
#include "engine/search.h"
#include "engine/utf.h"
#include "support.h"

using namespace p2pg;

namespace {

const char kTarget[] = "fuzz_attributes";

const char *type_name(AttributeType type)
{
    switch (type) {
    case AttributeType::string: return "string";
    case AttributeType::integer: return "int";
    case AttributeType::date: return "date";
    }
    return "?";
}

/* Character data that reads back as exactly text: '>' for "]]>", CR
 * because a literal one would come back as LF. */
std::string escape(const std::string &text)
{
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '\r': out += "&#13;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string write_attributes(const std::vector<Attribute> &attributes)
{
    std::string xml = "<attributes>";
    for (const Attribute &a : attributes)
        xml += std::string("<attribute name=\"") + a.name + "\" type=\"" + type_name(a.type) + "\">" + escape(a.value) +
               "</attribute>";
    return xml + "</attributes>";
}

/* A string clause value that matches only text itself (case aside). */
std::string literal_pattern(const std::string &text)
{
    std::string out;
    for (char c : text) {
        if (c == '*' || c == '?' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

Record record_with(const std::string &attributes)
{
    Record r;
    r.creator_id = "alice";
    Guid random;
    random.bytes[0] = 1;
    r.id = make_record_id(r.creator_id, random);
    r.type.bytes[0] = 0x42;
    r.version = 1;
    r.creation_time = 134116992000000000LL;
    r.modification_time = r.creation_time;
    r.expiration_time = r.creation_time + 3000000000LL;
    r.attributes = attributes;
    return r;
}

void check_attribute(const Attribute &a)
{
    if (a.name.empty() || a.name.size() > kMaxAttributeNameLength) fuzz::broken(kTarget, "name length not 1..40");
    for (char c : a.name)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            fuzz::broken(kTarget, "name not alphanumeric");
    if (is_reserved_attribute_name(a.name)) fuzz::broken(kTarget, "reserved name accepted");
    if (utf16_length(a.value) == std::string::npos) fuzz::broken(kTarget, "value not UTF-8");
    FileTime t;
    if (a.type == AttributeType::integer && !is_int_value(a.value)) fuzz::broken(kTarget, "int value not digits");
    if (a.type == AttributeType::date && !parse_w3c_date(a.value, &t)) fuzz::broken(kTarget, "date value not a date");
}

/* A query for the attribute's own value finds the record under every
 * comparison that includes equality. */
void check_found_by_search(const std::string &xml, const Attribute &a)
{
    const std::string value = a.type == AttributeType::string ? literal_pattern(a.value) : a.value;
    const Record r = record_with(xml);
    for (const char *compare : {"equal", "lessorequal", "greaterorequal"}) {
        std::string query = std::string("<peersearch><clause attrib=\"") + a.name + "\" type=\"" + type_name(a.type) +
                            "\" compare=\"" + compare + "\">" + escape(value) + "</clause></peersearch>";
        SearchQuery::Error error;
        std::string why;
        std::unique_ptr<SearchQuery> q = SearchQuery::parse(query, &error, &why);
        if (!q) {
            std::fprintf(stderr, "%s: query %s refused: %s\n", kTarget, query.c_str(), why.c_str());
            fuzz::broken(kTarget, "a query for an accepted value is refused");
        }
        if (!q->matches(r)) fuzz::broken(kTarget, "a query for an attribute's own value does not find it");
    }
}

void fuzz_attributes(const std::string &xml, fuzz::Rng &rng)
{
    std::vector<Attribute> attributes;
    std::string why;
    const bool ok = parse_attributes(xml, &attributes, &why);
    if (!ok && why.empty()) fuzz::broken(kTarget, "refused without a reason");
    if (parse_attributes(xml, nullptr) != ok) fuzz::broken(kTarget, "the answer depends on the output argument");

    /* What a received record goes through: the attributes decide. */
    if (record_acceptable(record_with(xml), "graph", kMaxRecordSizeLimit) != ok)
        fuzz::broken(kTarget, "record_acceptable disagrees with parse_attributes");
    if (!ok) return;

    for (const Attribute &a : attributes) check_attribute(a);

    const std::string again = write_attributes(attributes);
    if (utf16_length(again) <= kMaxAttributeStreamLength) {
        std::vector<Attribute> back;
        if (!parse_attributes(again, &back, &why)) {
            std::fprintf(stderr, "%s: %s refused: %s\n", kTarget, again.c_str(), why.c_str());
            fuzz::broken(kTarget, "attributes written out do not parse");
        }
        if (back.size() != attributes.size()) fuzz::broken(kTarget, "attribute count changes");
        for (std::size_t i = 0; i < back.size(); ++i)
            if (back[i].name != attributes[i].name || back[i].type != attributes[i].type ||
                back[i].value != attributes[i].value)
                fuzz::broken(kTarget, "attribute changes when written out and read again");
    }
    if (!attributes.empty()) check_found_by_search(xml, attributes[rng.below(attributes.size())]);
}

/* Days in [1601-01-01, year-01-01). */
std::int64_t days_before_year(int year)
{
    std::int64_t y = year - 1601;
    return y * 365 + y / 4 - y / 100 + y / 400;
}

/* A FILETIME as the full W3C form (UTC, seven fraction digits); false past 9999. */
bool format_w3c(FileTime t, std::string *out)
{
    std::int64_t seconds = t / kTicksPerSecond, fraction = t % kTicksPerSecond;
    std::int64_t days = seconds / 86400, rest = seconds % 86400;
    int year = 1601 + static_cast<int>(days / 365);
    while (days_before_year(year) > days) --year;
    while (days_before_year(year + 1) <= days) ++year;
    if (year > 9999) return false;
    days -= days_before_year(year);
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const int lengths[12] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int month = 0;
    while (days >= lengths[month]) days -= lengths[month++];
    char text[64];
    std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%07lldZ", year, month + 1, static_cast<int>(days) + 1,
                  static_cast<int>(rest / 3600), static_cast<int>(rest / 60 % 60), static_cast<int>(rest % 60),
                  static_cast<long long>(fraction));
    *out = text;
    return true;
}

void fuzz_date(const std::string &text)
{
    FileTime t;
    if (!parse_w3c_date(text, &t)) return;
    if (t < 0) fuzz::broken(kTarget, "date before 1601");
    std::string canonical;
    FileTime again;
    if (format_w3c(t, &canonical) && (!parse_w3c_date(canonical, &again) || again != t)) {
        std::fprintf(stderr, "%s: %s -> %s\n", kTarget, text.c_str(), canonical.c_str());
        fuzz::broken(kTarget, "a date does not come back from its UTC form");
    }
}

void fuzz_ints(const std::string &text)
{
    std::size_t comma = text.find(',');
    if (comma == std::string::npos) return;
    const std::string a = text.substr(0, comma), b = text.substr(comma + 1);
    if (!is_int_value(a) || !is_int_value(b)) return;
    const int ab = compare_int_values(a, b), ba = compare_int_values(b, a);
    if ((ab < 0) != (ba > 0) || (ab == 0) != (ba == 0) || compare_int_values(a, a) != 0)
        fuzz::broken(kTarget, "int comparison not antisymmetric");
    if (a.size() <= 18 && b.size() <= 18) {
        unsigned long long x = std::strtoull(a.c_str(), nullptr, 10), y = std::strtoull(b.c_str(), nullptr, 10);
        if ((ab < 0) != (x < y) || (ab == 0) != (x == y)) fuzz::broken(kTarget, "int comparison not numeric");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    fuzz::Rng rng(data, size);
    const std::string text(reinterpret_cast<const char *>(data), size);
    fuzz_attributes(text, rng);
    if (size <= 64) {
        fuzz_date(text);
        fuzz_ints(text);
    }
    return 0;
}
