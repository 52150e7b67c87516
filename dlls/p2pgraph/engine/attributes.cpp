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

#include "attributes.h"

#include <cstring>
#include <optional>

#include <libxml/tree.h>

#include "utf.h"
#include "xml.h"

namespace p2pg {

namespace {

/* The Peer Infrastructure's names (2.2.3.5 lists peerlastmodificationtime twice). */
const char *const kReservedNames[] = {
    "peerlastmodifiedby", "peercreatorid",  "peerlastmodificationtime",
    "peerrecordid",       "peerrecordtype", "peercreationtime",
};

void set_why(std::string *why, const char *text)
{
    if (why) *why = text;
}

bool is_ascii_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

/* Days from 1601-01-01 to year-month-day (year >= 1601).  1601 follows a
 * multiple of 400, so the leap days before year are plain quotients. */
std::int64_t days_since_1601(int year, int month, int day)
{
    std::int64_t years = year - 1601;
    std::int64_t days = years * 365 + years / 4 - years / 100 + years / 400;
    for (int m = 1; m < month; ++m) days += days_in_month(year, m);
    return days + day - 1;
}

/* Reads exactly count ASCII digits at text[*pos]. */
bool read_digits(const std::string &text, std::size_t *pos, int count, int *value)
{
    int v = 0;
    for (int i = 0; i < count; ++i) {
        if (*pos >= text.size() || text[*pos] < '0' || text[*pos] > '9') return false;
        v = v * 10 + (text[(*pos)++] - '0');
    }
    *value = v;
    return true;
}

bool read_char(const std::string &text, std::size_t *pos, char c)
{
    if (*pos >= text.size() || text[*pos] != c) return false;
    ++*pos;
    return true;
}

/* The checks of 2.2.3.5 on one <attribute>, whichever reader found its
 * parts; value is null when the element holds elements (which comes after
 * the name's checks, as the reasons are ordered). */
bool check_attribute(std::string name, const std::string &type, std::string *value, Attribute *out,
                     std::string *why)
{
    out->name = std::move(name);
    if (out->name.empty() || out->name.size() > kMaxAttributeNameLength) {
        set_why(why, "attribute name length not 1..40");
        return false;
    }
    for (char c : out->name) {
        if (!is_ascii_alnum(c)) {
            set_why(why, "attribute name not alphanumeric");
            return false;
        }
    }
    if (is_reserved_attribute_name(out->name)) {
        set_why(why, "reserved attribute name");
        return false;
    }
    if (!value) {
        set_why(why, "attribute with element content");
        return false;
    }
    out->value = std::move(*value);
    if (type == "string") {
        out->type = AttributeType::string;
    } else if (type == "int") {
        out->type = AttributeType::integer;
        if (!is_int_value(out->value)) {
            set_why(why, "int attribute not all digits");
            return false;
        }
    } else if (type == "date") {
        out->type = AttributeType::date;
        FileTime ignored;
        if (!parse_w3c_date(out->value, &ignored)) {
            set_why(why, "date attribute not a W3C date");
            return false;
        }
    } else {
        set_why(why, "attribute type not string, int or date");
        return false;
    }
    return true;
}

bool parse_attribute_element(xmlNodePtr element, Attribute *out, std::string *why)
{
    std::optional<std::string> name, type;
    if (!xml_properties(element, {{"name", &name}, {"type", &type}})) {
        set_why(why, "unknown XML attribute on attribute");
        return false;
    }
    if (!name || !type) {
        set_why(why, "attribute without name or type");
        return false;
    }
    std::string value;
    return check_attribute(std::move(*name), *type, xml_simple_content(element, &value) ? &value : nullptr, out,
                           why);
}

/* The plain form of an attribute stream, the one records are written in:
 *   <attributes><attribute name="N" type="T">text</attribute>...</attributes>
 * read here without building a libxml2 document (a search reads the
 * attributes of every record it passes).  Accepted only where the text is
 * well-formed XML whose reading cannot differ from libxml2's: ASCII; XML
 * white space between elements and in tags; name and type, each at most
 * once, quoted with ' or "; no entity or character reference, CR (line
 * ends are normalised), control character, comment, CDATA section,
 * processing instruction, declaration or empty-element tag anywhere.
 * Anything else answers false and leaves the text to libxml2, which reads
 * every form and explains what is wrong.  On true, *parts holds each
 * attribute's name, type and text in order. */
struct AttributeParts {
    std::string name, type, value;
};

bool read_plain_attributes(const std::string &text, std::vector<AttributeParts> *parts)
{
    const char *p = text.data(), *const end = p + text.size();
    auto starts = [&](const char *word) {
        std::size_t n = std::strlen(word);
        return static_cast<std::size_t>(end - p) >= n && std::memcmp(p, word, n) == 0;
    };
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n'; };
    auto skip_space = [&] {
        while (p < end && is_space(*p)) ++p;
    };
    /* Text the parser takes as is: printable ASCII, tab and LF, no markup. */
    auto plain = [](char c) { return (c >= 0x20 && c < 0x7f && c != '<' && c != '&') || c == '\t' || c == '\n'; };

    if (!starts("<attributes>")) return false;
    p += std::strlen("<attributes>");
    for (;;) {
        skip_space();
        if (starts("</attributes")) {
            p += std::strlen("</attributes");
            skip_space();
            if (p == end || *p != '>') return false;
            ++p;
            skip_space();
            return p == end;
        }
        if (!starts("<attribute")) return false;
        p += std::strlen("<attribute");
        AttributeParts part;
        bool have_name = false, have_type = false;
        for (;;) {
            /* Between attributes XML wants white space; before '>' it may have some. */
            const char *before = p;
            skip_space();
            if (p == end) return false;
            if (*p == '>') break;
            if (p == before) return false;
            std::string *value;
            if (starts("name")) {
                if (have_name) return false;
                have_name = true;
                value = &part.name;
                p += 4;
            } else if (starts("type")) {
                if (have_type) return false;
                have_type = true;
                value = &part.type;
                p += 4;
            } else {
                return false;
            }
            skip_space();
            if (p == end || *p != '=') return false;
            ++p;
            skip_space();
            if (p == end || (*p != '"' && *p != '\'')) return false;
            const char quote = *p++;
            const char *from = p;
            /* Tabs and line feeds in a value become spaces in XML: not plain here. */
            while (p < end && *p != quote) {
                if (!plain(*p) || *p == '\t' || *p == '\n') return false;
                ++p;
            }
            if (p == end) return false;
            value->assign(from, p);
            ++p;
        }
        ++p; /* '>' */
        const char *from = p;
        while (p < end && *p != '<') {
            if (!plain(*p)) return false;
            ++p;
        }
        part.value.assign(from, p);
        if (part.value.find("]]>") != std::string::npos) return false;
        if (!starts("</attribute")) return false;
        p += std::strlen("</attribute");
        skip_space();
        if (p == end || *p != '>') return false;
        ++p;
        if (!have_name || !have_type) return false;
        parts->push_back(std::move(part));
    }
}

} // namespace

bool is_int_value(const std::string &text)
{
    if (text.empty()) return false;
    for (char c : text)
        if (c < '0' || c > '9') return false;
    return true;
}

int compare_int_values(const std::string &a, const std::string &b)
{
    std::size_t ia = a.find_first_not_of('0'), ib = b.find_first_not_of('0');
    if (ia == std::string::npos) ia = a.size();
    if (ib == std::string::npos) ib = b.size();
    const std::size_t la = a.size() - ia, lb = b.size() - ib;
    if (la != lb) return la < lb ? -1 : 1;
    return a.compare(ia, la, b, ib, lb);
}

bool is_reserved_attribute_name(const std::string &name)
{
    for (const char *reserved : kReservedNames) {
        if (name.size() != std::strlen(reserved)) continue;
        bool same = true;
        for (std::size_t i = 0; same && i < name.size(); ++i) {
            char c = name[i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            same = c == reserved[i];
        }
        if (same) return true;
    }
    return false;
}

bool parse_w3c_date(const std::string &text, FileTime *out)
{
    std::size_t pos = 0;
    int year, month = 1, day = 1, hour = 0, minute = 0, second = 0;
    std::int64_t fraction = 0; /* 100 ns units */
    std::int64_t offset_minutes = 0;

    if (!read_digits(text, &pos, 4, &year)) return false;
    if (read_char(text, &pos, '-')) {
        if (!read_digits(text, &pos, 2, &month)) return false;
        if (read_char(text, &pos, '-')) {
            if (!read_digits(text, &pos, 2, &day)) return false;
            if (read_char(text, &pos, 'T')) {
                if (!read_digits(text, &pos, 2, &hour) || !read_char(text, &pos, ':') ||
                    !read_digits(text, &pos, 2, &minute))
                    return false;
                if (read_char(text, &pos, ':')) {
                    if (!read_digits(text, &pos, 2, &second)) return false;
                    if (read_char(text, &pos, '.')) {
                        int digits = 0;
                        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
                            if (digits < 7) fraction = fraction * 10 + (text[pos] - '0');
                            ++digits;
                            ++pos;
                        }
                        if (!digits) return false;
                        for (; digits < 7; ++digits) fraction *= 10;
                    }
                }
            }
            if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
                const int sign = text[pos++] == '-' ? -1 : 1;
                int zone_hours, zone_minutes;
                if (!read_digits(text, &pos, 2, &zone_hours) || !read_char(text, &pos, ':') ||
                    !read_digits(text, &pos, 2, &zone_minutes) || zone_hours > 23 || zone_minutes > 59)
                    return false;
                offset_minutes = sign * (zone_hours * 60 + zone_minutes);
            } else {
                read_char(text, &pos, 'Z');
            }
        }
    }
    if (pos != text.size()) return false;
    if (year < 1601 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
        minute > 59 || second > 59)
        return false;

    const std::int64_t seconds =
        days_since_1601(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    if (seconds < 0) return false;
    *out = seconds * kTicksPerSecond + fraction;
    return true;
}

bool parse_attributes(const std::string &xml_utf8, std::vector<Attribute> *out, std::string *why)
{
    if (xml_utf8.empty()) {
        if (out) out->clear();
        return true;
    }
    /* A UTF-16 unit takes at most 3 UTF-8 bytes: a cheap bound before counting. */
    const std::size_t length =
        xml_utf8.size() <= 3 * kMaxAttributeStreamLength ? utf16_length(xml_utf8) : kMaxAttributeStreamLength + 1;
    if (length == std::string::npos) {
        set_why(why, "attributes not valid UTF-8");
        return false;
    }
    if (length > kMaxAttributeStreamLength) {
        set_why(why, "attributes longer than MAX_ATTRIBUTE_STREAM_LENGTH");
        return false;
    }
    std::vector<AttributeParts> parts;
    if (read_plain_attributes(xml_utf8, &parts)) {
        std::vector<Attribute> attributes(parts.size());
        for (std::size_t i = 0; i < parts.size(); ++i)
            if (!check_attribute(std::move(parts[i].name), parts[i].type, &parts[i].value, &attributes[i], why))
                return false;
        if (out) *out = std::move(attributes);
        return true;
    }
    XmlDocument doc = read_untrusted_xml(xml_utf8, why);
    if (!doc) return false;

    xmlNodePtr root = xmlDocGetRootElement(doc.get());
    if (!root || !xml_is_named(root, "attributes")) {
        set_why(why, "root element is not attributes");
        return false;
    }
    if (root->properties) {
        set_why(why, "XML attribute on attributes");
        return false;
    }
    std::vector<xmlNodePtr> elements;
    switch (xml_element_children(root, &elements)) {
    case XmlChildren::ok:
        break;
    case XmlChildren::text:
        set_why(why, "text under attributes");
        return false;
    case XmlChildren::other_node:
        set_why(why, "unexpected node under attributes");
        return false;
    }
    std::vector<Attribute> attributes;
    for (xmlNodePtr element : elements) {
        if (!xml_is_named(element, "attribute")) {
            set_why(why, "element other than attribute under attributes");
            return false;
        }
        Attribute attribute;
        if (!parse_attribute_element(element, &attribute, why)) return false;
        attributes.push_back(std::move(attribute));
    }
    if (out) *out = std::move(attributes);
    return true;
}

} // namespace p2pg
