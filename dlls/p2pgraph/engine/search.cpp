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

#include "search.h"

#include <optional>
#include <vector>

#include <libxml/tree.h>

#include "attributes.h"
#include "xml.h"

namespace p2pg {

struct SearchQuery::Node {
    enum class Kind { all_of, any_of, clause };
    enum class Compare { equal, notequal, less, lessorequal, greater, greaterorequal };
    /* What a clause looks at: an application attribute or one of the
     * Peer Infrastructure's reserved names. */
    enum class Target {
        application,
        creator_id,
        modified_by_id,
        record_id,
        record_type,
        creation_time,
        modification_time,
    };
    /* One element of a string pattern: a character, '?' or '*'. */
    struct PatternItem {
        enum class Kind { character, any_one, any_run } kind;
        char32_t c;
    };

    Kind kind = Kind::clause;
    std::vector<Node> children; /* and/or */

    /* clause */
    Target target = Target::application;
    std::string attrib;
    AttributeType type = AttributeType::string;
    Compare compare = Compare::equal;
    std::vector<PatternItem> pattern; /* string equal/notequal, upper-cased */
    std::u32string literal;           /* string orderings, upper-cased */
    std::string digits;               /* int */
    FileTime date = 0;                /* date */
};

namespace {

using Node = SearchQuery::Node;

struct ReservedName {
    const char *name;
    Node::Target target;
    AttributeType type;
};

const ReservedName kReservedNames[] = {
    {"peercreatorid", Node::Target::creator_id, AttributeType::string},
    {"peerlastmodifiedby", Node::Target::modified_by_id, AttributeType::string},
    {"peerrecordid", Node::Target::record_id, AttributeType::string},
    {"peerrecordtype", Node::Target::record_type, AttributeType::string},
    {"peercreationtime", Node::Target::creation_time, AttributeType::date},
    {"peerlastmodificationtime", Node::Target::modification_time, AttributeType::date},
};

char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool same_name(const std::string &a, const std::string &b)
{
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

/* A simple upper-case mapping of the scripts with case that applications
 * most likely use; a code point outside them maps to itself. */
char32_t to_upper(char32_t c)
{
    if (c < 0x80) return c >= 'a' && c <= 'z' ? c - 0x20 : c;
    if (c < 0x100) {
        if (c == 0xb5) return 0x39c; /* micro sign -> capital mu */
        if (c == 0xff) return 0x178;
        return c >= 0xe0 && c != 0xf7 ? c - 0x20 : c;
    }
    if (c <= 0x17f) { /* Latin Extended-A: mostly pairs, upper case first */
        if (c == 0x131) return 'I';
        if (c == 0x17f) return 'S';
        if (c == 0x130 || c == 0x138 || c == 0x149 || c == 0x178) return c;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) return c & 1 ? c : c - 1;
        return c & 1 ? c - 1 : c;
    }
    if (c >= 0x370 && c <= 0x3ff) { /* Greek */
        if (c == 0x3ac) return 0x386;
        if (c >= 0x3ad && c <= 0x3af) return c - 0x25;
        if (c == 0x3c2) return 0x3a3;
        if (c >= 0x3b1 && c <= 0x3cb) return c - 0x20;
        if (c == 0x3cc) return 0x38c;
        if (c == 0x3cd || c == 0x3ce) return c - 0x3f;
        return c;
    }
    if (c >= 0x400 && c <= 0x52f) { /* Cyrillic */
        if (c >= 0x430 && c <= 0x44f) return c - 0x20;
        if (c >= 0x450 && c <= 0x45f) return c - 0x50;
        if ((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) || (c >= 0x4d0 && c <= 0x52f))
            return c & 1 ? c - 1 : c;
        if (c >= 0x4c1 && c <= 0x4ce) return c & 1 ? c : c - 1;
        if (c == 0x4cf) return 0x4c0;
        return c;
    }
    if (c >= 0x561 && c <= 0x586) return c - 0x30; /* Armenian */
    if ((c >= 0x1e00 && c <= 0x1e95) || (c >= 0x1ea0 && c <= 0x1eff)) /* Latin Extended Additional */
        return c & 1 ? c - 1 : c;
    if (c >= 0xff41 && c <= 0xff5a) return c - 0x20; /* fullwidth Latin */
    return c;
}

bool is_continuation(const std::string &s, std::size_t i)
{
    return i < s.size() && (static_cast<unsigned char>(s[i]) & 0xc0) == 0x80;
}

/* Decodes UTF-8 into upper-cased code points; a byte that does not start a
 * valid sequence becomes U+FFFD. */
std::u32string upper_code_points(const std::string &s)
{
    std::u32string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        const unsigned char b = static_cast<unsigned char>(s[i]);
        int extra;
        char32_t c, min;
        if (b < 0x80) {
            extra = 0, c = b, min = 0;
        } else if (b >= 0xc2 && b <= 0xdf) {
            extra = 1, c = b & 0x1f, min = 0x80;
        } else if (b >= 0xe0 && b <= 0xef) {
            extra = 2, c = b & 0x0f, min = 0x800;
        } else if (b >= 0xf0 && b <= 0xf4) {
            extra = 3, c = b & 0x07, min = 0x10000;
        } else {
            out.push_back(0xfffd);
            ++i;
            continue;
        }
        bool ok = true;
        for (int k = 1; ok && k <= extra; ++k) {
            ok = is_continuation(s, i + k);
            if (ok) c = c << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3f);
        }
        if (!ok || c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
            out.push_back(0xfffd);
            ++i;
            continue;
        }
        out.push_back(to_upper(c));
        i += extra + 1;
    }
    return out;
}

/* Greedy matching with one backtrack point (the last '*'): on a mismatch
 * the last '*' absorbs one more character.  An earlier '*' never needs to
 * move again, so this is O(text * pattern) at worst, never exponential. */
bool wildcard_match(const std::vector<Node::PatternItem> &pattern, const std::u32string &text)
{
    using Kind = Node::PatternItem::Kind;
    const std::size_t none = static_cast<std::size_t>(-1);
    std::size_t p = 0, t = 0, star = none, resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p].kind == Kind::any_one ||
                                   (pattern[p].kind == Kind::character && pattern[p].c == text[t]))) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p].kind == Kind::any_run) {
            star = p++;
            resume = t;
        } else if (star != none) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p].kind == Kind::any_run) ++p;
    return p == pattern.size();
}

/* Splits a string clause value into a pattern and the literal text it
 * spells once unescaped.  False on a backslash not followed by '*', '?' or
 * '\' (E_INVALIDARG, the "Special Characters" table). */
bool compile_string_value(const std::string &value, Node *clause)
{
    using Kind = Node::PatternItem::Kind;
    const std::u32string text = upper_code_points(value);
    for (std::size_t i = 0; i < text.size(); ++i) {
        char32_t c = text[i];
        if (c == '\\') {
            if (i + 1 == text.size()) return false;
            c = text[++i];
            if (c != '*' && c != '?' && c != '\\') return false;
            clause->pattern.push_back({Kind::character, c});
        } else if (c == '*') {
            if (clause->pattern.empty() || clause->pattern.back().kind != Kind::any_run)
                clause->pattern.push_back({Kind::any_run, c});
        } else if (c == '?') {
            clause->pattern.push_back({Kind::any_one, c});
        } else {
            clause->pattern.push_back({Kind::character, c});
        }
        clause->literal.push_back(c);
    }
    return true;
}

class QueryReader {
public:
    /* Each returns false on a schema violation, with why_ set. */
    bool read_root(xmlNodePtr root, Node *out);
    bool bad_escape() const { return bad_escape_; }
    const std::string &why() const { return why_; }

private:
    bool fail(const char *why)
    {
        why_ = why;
        return false;
    }
    bool element_children(xmlNodePtr parent, std::vector<xmlNodePtr> *elements);
    bool read_operand(xmlNodePtr element, int depth, Node *out);
    bool read_clause(xmlNodePtr element, Node *out);

    int clauses_ = 0;
    bool bad_escape_ = false;
    std::string why_;
};

bool QueryReader::element_children(xmlNodePtr parent, std::vector<xmlNodePtr> *elements)
{
    switch (xml_element_children(parent, elements)) {
    case XmlChildren::ok: return true;
    case XmlChildren::text: return fail("text outside a clause");
    case XmlChildren::other_node: return fail("unexpected XML node");
    }
    return false;
}

bool QueryReader::read_root(xmlNodePtr root, Node *out)
{
    if (!root || !xml_is_named(root, "peersearch")) return fail("root element is not peersearch");
    if (root->properties) return fail("XML attribute on peersearch");
    std::vector<xmlNodePtr> elements;
    if (!element_children(root, &elements)) return false;
    if (elements.size() != 1) return fail("peersearch needs exactly one child");
    return read_operand(elements[0], 1, out);
}

bool QueryReader::read_operand(xmlNodePtr element, int depth, Node *out)
{
    if (depth > SearchQuery::kMaxQueryDepth) return fail("query nested too deeply");
    if (xml_is_named(element, "clause")) return read_clause(element, out);
    if (xml_is_named(element, "and"))
        out->kind = Node::Kind::all_of;
    else if (xml_is_named(element, "or"))
        out->kind = Node::Kind::any_of;
    else
        return fail("element other than clause, and, or");
    if (element->properties) return fail("XML attribute on and/or");
    std::vector<xmlNodePtr> elements;
    if (!element_children(element, &elements)) return false;
    if (elements.empty()) return fail("empty and/or");
    out->children.resize(elements.size());
    for (std::size_t i = 0; i < elements.size(); ++i)
        if (!read_operand(elements[i], depth + 1, &out->children[i])) return false;
    return true;
}

bool QueryReader::read_clause(xmlNodePtr element, Node *out)
{
    if (++clauses_ > SearchQuery::kMaxQueryClauses) return fail("too many clauses");
    out->kind = Node::Kind::clause;
    std::optional<std::string> attrib, type, compare;
    if (!xml_properties(element, {{"attrib", &attrib}, {"type", &type}, {"compare", &compare}}))
        return fail("unknown XML attribute on clause");
    if (!attrib || !type) return fail("clause without attrib or type");
    out->attrib = std::move(*attrib);
    /* The schema's alphanumType is the pattern \c+: an XML NMTOKEN. */
    if (out->attrib.empty() ||
        xmlValidateNMToken(reinterpret_cast<const xmlChar *>(out->attrib.c_str()), 0) != 0)
        return fail("clause attrib is not a name");

    static const struct {
        const char *name;
        Node::Compare compare;
    } compares[] = {
        {"equal", Node::Compare::equal},         {"notequal", Node::Compare::notequal},
        {"less", Node::Compare::less},           {"lessorequal", Node::Compare::lessorequal},
        {"greater", Node::Compare::greater},     {"greaterorequal", Node::Compare::greaterorequal},
    };
    bool known_compare = false;
    for (const auto &c : compares) {
        if (compare.value_or("equal") == c.name) {
            out->compare = c.compare;
            known_compare = true;
        }
    }
    if (!known_compare) return fail("unknown compare");

    for (const ReservedName &reserved : kReservedNames)
        if (same_name(out->attrib, reserved.name)) out->target = reserved.target;

    std::string value;
    if (!xml_simple_content(element, &value)) return fail("clause with element content");
    if (*type == "string") {
        out->type = AttributeType::string;
        if (!compile_string_value(value, out)) bad_escape_ = true;
    } else if (*type == "int") {
        out->type = AttributeType::integer;
        if (!is_int_value(value)) return fail("int clause value not all digits");
        out->digits = value;
    } else if (*type == "date") {
        out->type = AttributeType::date;
        if (!parse_w3c_date(value, &out->date)) return fail("date clause value not a W3C date");
    } else {
        return fail("clause type not string, int or date");
    }
    return true;
}

bool reads_record_attributes(const Node &node)
{
    if (node.kind == Node::Kind::clause) return node.target == Node::Target::application;
    for (const Node &child : node.children)
        if (reads_record_attributes(child)) return true;
    return false;
}

bool holds(Node::Compare op, int order)
{
    switch (op) {
    case Node::Compare::equal: return order == 0;
    case Node::Compare::notequal: return order != 0;
    case Node::Compare::less: return order < 0;
    case Node::Compare::lessorequal: return order <= 0;
    case Node::Compare::greater: return order > 0;
    case Node::Compare::greaterorequal: return order >= 0;
    }
    return false;
}

bool string_holds(const Node &clause, const std::string &value)
{
    const std::u32string text = upper_code_points(value);
    if (clause.compare == Node::Compare::equal) return wildcard_match(clause.pattern, text);
    if (clause.compare == Node::Compare::notequal) return !wildcard_match(clause.pattern, text);
    const int order = text.compare(clause.literal);
    return holds(clause.compare, order < 0 ? -1 : order > 0);
}

bool date_holds(const Node &clause, FileTime value)
{
    return holds(clause.compare, value < clause.date ? -1 : value > clause.date);
}

bool attribute_holds(const Node &clause, const Attribute &attribute)
{
    switch (clause.type) {
    case AttributeType::string:
        return string_holds(clause, attribute.value);
    case AttributeType::integer:
        return holds(clause.compare, compare_int_values(attribute.value, clause.digits));
    case AttributeType::date: {
        FileTime time;
        return parse_w3c_date(attribute.value, &time) && date_holds(clause, time);
    }
    }
    return false;
}

bool clause_holds(const Node &clause, const Record &record, const std::vector<Attribute> &attributes)
{
    const bool is_string = clause.type == AttributeType::string, is_date = clause.type == AttributeType::date;
    switch (clause.target) {
    case Node::Target::application:
        for (const Attribute &attribute : attributes)
            if (attribute.type == clause.type && same_name(attribute.name, clause.attrib) &&
                attribute_holds(clause, attribute))
                return true;
        return false;
    case Node::Target::creator_id:
        return is_string && string_holds(clause, record.creator_id);
    case Node::Target::modified_by_id:
        return is_string &&
               string_holds(clause, record.modified_by_id.empty() ? record.creator_id : record.modified_by_id);
    case Node::Target::record_id:
        return is_string && string_holds(clause, record.id.to_string());
    case Node::Target::record_type:
        return is_string && string_holds(clause, record.type.to_string());
    case Node::Target::creation_time:
        return is_date && date_holds(clause, record.creation_time);
    case Node::Target::modification_time:
        return is_date && date_holds(clause, record.modification_time);
    }
    return false;
}

bool node_holds(const Node &node, const Record &record, const std::vector<Attribute> &attributes)
{
    switch (node.kind) {
    case Node::Kind::clause:
        return clause_holds(node, record, attributes);
    case Node::Kind::all_of:
        for (const Node &child : node.children)
            if (!node_holds(child, record, attributes)) return false;
        return true;
    case Node::Kind::any_of:
        for (const Node &child : node.children)
            if (node_holds(child, record, attributes)) return true;
        return false;
    }
    return false;
}

} // namespace

SearchQuery::SearchQuery(std::unique_ptr<Node> root)
    : root_(std::move(root)), uses_record_attributes_(reads_record_attributes(*root_))
{
}

SearchQuery::~SearchQuery() = default;

std::unique_ptr<SearchQuery> SearchQuery::parse(const std::string &xml_utf8, Error *error, std::string *why)
{
    Error ignored_error;
    std::string ignored_why;
    if (!error) error = &ignored_error;
    if (!why) why = &ignored_why;

    *error = Error::invalid_search;
    if (xml_utf8.size() > kMaxQueryLength) {
        *why = "query too long";
        return nullptr;
    }
    XmlDocument doc = read_untrusted_xml(xml_utf8, why);
    if (!doc) return nullptr;

    QueryReader reader;
    auto root = std::make_unique<Node>();
    if (!reader.read_root(xmlDocGetRootElement(doc.get()), root.get())) {
        *why = reader.why();
        return nullptr;
    }
    if (reader.bad_escape()) {
        *error = Error::invalid_argument;
        *why = "backslash not followed by *, ? or \\";
        return nullptr;
    }
    *error = Error::none;
    why->clear();
    return std::unique_ptr<SearchQuery>(new SearchQuery(std::move(root)));
}

bool SearchQuery::matches(const Record &record) const
{
    std::vector<Attribute> attributes;
    if (uses_record_attributes_ && !parse_attributes(record.attributes, &attributes)) attributes.clear();
    return node_holds(*root_, record, attributes);
}

} // namespace p2pg
