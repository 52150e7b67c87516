/*
 * Unit tests: record search queries (PeerGraphSearchRecords)
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

#include "cmocka_cxx.h"
#include "engine/attributes.h"
#include "engine/search.h"

#include <chrono>
#include <string>

using p2pg::FileTime;
using p2pg::Guid;
using p2pg::Record;
using p2pg::SearchQuery;
using Error = SearchQuery::Error;

namespace {

const char kHeader[] = "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n"
                       "<peersearch xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n";
const char kFooter[] = "\n</peersearch>";

/* The SDK page's first example, verbatim but for its https schema URI. */
const char kDocumentedExample[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\" ?> \n"
    "<peersearch xmlns:xs=\"https://www.w3.org/2001/XMLSchema\">\n"
    "   <and>\n"
    "      <clause attrib=\"peercreatorid\" type=\"string\" compare=\"equal\">James Peters</clause>\n"
    "      <or>\n"
    "         <clause attrib=\"peerlastmodificationtime\" type=\"date\" compare=\"greater\">2003-01-31</clause>\n"
    "         <clause attrib=\"peercreationtime\" type=\"date\" compare=\"less\">2003-02-328</clause>\n"
    "      </or>\n"
    "   </and>\n"
    "</peersearch>";

FileTime ft(const char *w3c)
{
    FileTime t = 0;
    assert_true(p2pg::parse_w3c_date(w3c, &t));
    return t;
}

std::string xml_escape(const std::string &text)
{
    std::string out;
    for (char c : text) {
        if (c == '&') out += "&amp;";
        else if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '"') out += "&quot;";
        else out += c;
    }
    return out;
}

std::string clause(const std::string &attrib, const std::string &type, const std::string &compare,
                   const std::string &value)
{
    std::string xml = "<clause attrib=\"" + attrib + "\" type=\"" + type + "\"";
    if (!compare.empty()) xml += " compare=\"" + compare + "\"";
    return xml + ">" + xml_escape(value) + "</clause>";
}

std::string wrap(const std::string &body)
{
    return kHeader + body + kFooter;
}

/* A record created by James Peters on 2003-01-15, modified on 2003-02-10. */
Record sample_record()
{
    Record r;
    assert_true(Guid::parse("{0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9}", &r.id));
    assert_true(Guid::parse("{11111111-2222-3333-4444-55555555abcd}", &r.type));
    r.version = 2;
    r.creator_id = "James Peters";
    r.modified_by_id = "Ann Smith";
    r.creation_time = ft("2003-01-15");
    r.modification_time = ft("2003-02-10T08:00:00Z");
    r.expiration_time = ft("2004-01-01");
    r.attributes = "<attributes>"
                   "<attribute name=\"Owner\" type=\"string\">Scott</attribute>"
                   "<attribute name=\"Birthday\" type=\"date\">1972-04-04</attribute>"
                   "<attribute name=\"Priority\" type=\"int\">10</attribute>"
                   "<attribute name=\"keyword\" type=\"string\">red</attribute>"
                   "<attribute name=\"keyword\" type=\"string\">green</attribute>"
                   "<attribute name=\"keyword\" type=\"int\">7</attribute>"
                   "</attributes>";
    return r;
}

Record with_string(const std::string &value)
{
    Record r;
    r.attributes = "<attributes><attribute name=\"s\" type=\"string\">" + xml_escape(value) +
                   "</attribute></attributes>";
    return r;
}

std::unique_ptr<SearchQuery> query(const std::string &xml)
{
    Error error = Error::invalid_search;
    std::string why = "unset";
    auto q = SearchQuery::parse(xml, &error, &why);
    if (!q) fail_msg("query refused (%s): %s", why.c_str(), xml.c_str());
    assert_true(error == Error::none);
    assert_true(why.empty());
    return q;
}

Error refused(const std::string &xml)
{
    Error error = Error::none;
    std::string why;
    auto q = SearchQuery::parse(xml, &error, &why);
    if (q) fail_msg("query accepted: %s", xml.c_str());
    assert_true(error != Error::none);
    assert_false(why.empty());
    return error;
}

bool invalid_search(const std::string &xml)
{
    return refused(xml) == Error::invalid_search;
}

bool matches(const std::string &body, const Record &record)
{
    return query(wrap(body))->matches(record);
}

/* Whether string attribute value satisfies <clause ... compare=compare>pattern</clause>. */
bool string_test(const std::string &compare, const std::string &pattern, const std::string &value)
{
    return matches(clause("s", "string", compare, pattern), with_string(value));
}

bool like(const std::string &pattern, const std::string &value)
{
    return string_test("equal", pattern, value);
}

void test_documented_example_has_invalid_date(void **)
{
    assert_true(refused(kDocumentedExample) == Error::invalid_search);
}

void test_documented_example_corrected(void **)
{
    std::string fixed = kDocumentedExample;
    fixed.replace(fixed.find("2003-02-328"), 11, "2003-02-28");
    auto q = query(fixed);
    Record r = sample_record();
    assert_true(q->matches(r)); /* modified after 2003-01-31 (and created before 2003-02-28) */
    r.modification_time = ft("2003-01-20");
    assert_true(q->matches(r)); /* still created before 2003-02-28 */
    r.creation_time = ft("2003-03-01");
    r.modification_time = ft("2003-01-20");
    assert_false(q->matches(r));
    r = sample_record();
    r.creator_id = "James Petersen";
    assert_false(q->matches(r));
}

void test_documented_examples(void **)
{
    const Record r = sample_record();
    assert_true(query(wrap(clause("peercreatorid", "string", "equal", "James Peters")))->matches(r));
    /* The "or" example: James Peters, or modified between 2003-01-31 and 2003-02-28. */
    auto q = query(wrap("<or>" + clause("peercreatorid", "string", "equal", "James Peters") + "<and>" +
                        clause("peerlastmodificationtime", "date", "greater", "2003-01-31") +
                        clause("peerlastmodificationtime", "date", "less", "2003-02-28") + "</and></or>"));
    assert_true(q->matches(r));
    Record other = r;
    other.creator_id = "Someone";
    assert_true(q->matches(other));
    other.modification_time = ft("2003-03-01");
    assert_false(q->matches(other));
    /* The corrected "and" example. */
    auto q2 = query(wrap("<and>" + clause("peercreatorid", "string", "equal", "James Peters") + "<and>" +
                         clause("peerlastmodificationtime", "date", "greater", "2003-01-31") +
                         clause("peerlastmodificationtime", "date", "less", "2003-02-28") + "</and></and>"));
    assert_true(q2->matches(r));
    Record late = r;
    late.modification_time = ft("2003-02-28T00:00:01Z");
    assert_false(q2->matches(late));
}

void test_documented_incorrect_query(void **)
{
    assert_true(invalid_search(wrap(clause("peercreatorid", "string", "equal", "James Peters") + "<and>" +
                                    clause("peerlastmodificationtime", "date", "greater", "2003-01-31") +
                                    clause("peerlastmodificationtime", "date", "less", "2003-02-28") +
                                    "</and>")));
}

void test_peersearch_root(void **)
{
    const std::string c = clause("Owner", "string", "equal", "Scott");
    assert_true(invalid_search("<peersearch/>"));
    assert_true(invalid_search("<peersearch>  </peersearch>"));
    assert_true(invalid_search("<peersearch><!-- nothing --></peersearch>"));
    assert_true(invalid_search("<search>" + c + "</search>"));
    assert_true(invalid_search("<PeerSearch>" + c + "</PeerSearch>"));
    assert_true(invalid_search(c));
    assert_true(invalid_search("<peersearch version=\"1\">" + c + "</peersearch>"));
    assert_true(invalid_search("<peersearch>text" + c + "</peersearch>"));
    assert_true(invalid_search("<peersearch><peersearch>" + c + "</peersearch></peersearch>"));
    const Record r = sample_record();
    assert_true(query("<peersearch>" + c + "</peersearch>")->matches(r));
    assert_true(query("<peersearch>\n <!-- c --> " + c + " <?pi x?>\n</peersearch>")->matches(r));
    /* "the URI of the associated schema in the xmlns attribute" */
    assert_true(query("<peersearch xmlns=\"http://www.w3.org/2001/XMLSchema\">" + c + "</peersearch>")->matches(r));
    assert_true(query("<?xml version=\"1.0\" encoding=\"utf-16\"?><peersearch>" + c + "</peersearch>")->matches(r));
}

void test_and_or_need_children(void **)
{
    assert_true(invalid_search(wrap("<and/>")));
    assert_true(invalid_search(wrap("<or></or>")));
    assert_true(invalid_search(wrap("<and>  \n </and>")));
    assert_true(invalid_search(wrap("<and>" + clause("a", "string", "", "x") + "<or/></and>")));
    assert_true(invalid_search(wrap("<and>text" + clause("a", "string", "", "x") + "</and>")));
    assert_true(invalid_search(wrap("<and kind=\"x\">" + clause("a", "string", "", "x") + "</and>")));
    assert_true(invalid_search(wrap("<AND>" + clause("a", "string", "", "x") + "</AND>")));
    query(wrap("<and>" + clause("a", "string", "", "x") + "</and>"));
    query(wrap("<or>" + clause("a", "string", "", "x") + "</or>"));
}

void test_unknown_elements_and_attributes(void **)
{
    assert_true(invalid_search(wrap("<not>" + clause("a", "string", "", "x") + "</not>")));
    assert_true(invalid_search(wrap("<and>" + clause("a", "string", "", "x") + "<xor/></and>")));
    assert_true(invalid_search(wrap("<Clause attrib=\"a\" type=\"string\">x</Clause>")));
    assert_true(invalid_search(wrap("<clause attrib=\"a\" type=\"string\" case=\"yes\">x</clause>")));
    assert_true(invalid_search("<peersearch xmlns:p=\"urn:p\"><clause attrib=\"a\" type=\"string\" p:x=\"1\">x"
                               "</clause></peersearch>"));
}

void test_clause_attributes(void **)
{
    assert_true(invalid_search(wrap("<clause type=\"string\">x</clause>")));
    assert_true(invalid_search(wrap("<clause attrib=\"a\">x</clause>")));
    assert_true(invalid_search(wrap("<clause compare=\"equal\">x</clause>")));
    for (const char *type : {"String", "integer", "Date", "", " int", "bool"})
        assert_true(invalid_search(wrap(clause("a", type, "equal", "1"))));
    for (const char *compare : {"Equal", "eq", "=", "notequals", "lessthan", "like", "greaterOrEqual"})
        assert_true(invalid_search(wrap(clause("a", "string", compare, "1"))));
    assert_true(invalid_search(wrap("<clause attrib=\"a\" type=\"string\" compare=\"\">1</clause>")));
    /* compare defaults to equal. */
    const Record r = sample_record();
    assert_true(matches(clause("Owner", "string", "", "Scott"), r));
    assert_false(matches(clause("Owner", "string", "", "Scot"), r));
    assert_true(matches("<clause type=\"string\" attrib=\"Owner\">Scott</clause>", r));
}

void test_clause_attrib_is_a_name(void **)
{
    assert_true(invalid_search(wrap(clause("", "string", "", "x"))));
    assert_true(invalid_search(wrap(clause("a b", "string", "", "x"))));
    assert_true(invalid_search(wrap(clause("a,b", "string", "", "x"))));
    /* NMTOKENs that no attribute name can equal: valid, never matched. */
    const Record r = sample_record();
    assert_false(matches(clause("a-b", "string", "", "*"), r));
    assert_false(matches(clause("Owner.x", "string", "", "*"), r));
    assert_true(matches(clause("Owner", "string", "", "*"), r));
}

void test_clause_content_is_simple(void **)
{
    assert_true(invalid_search(wrap("<clause attrib=\"a\" type=\"string\">x<b/></clause>")));
    assert_true(invalid_search(wrap("<clause attrib=\"a\" type=\"string\"><and>" + clause("b", "string", "", "x") +
                                    "</and></clause>")));
    assert_true(invalid_search(wrap("<clause attrib=\"a\" type=\"string\">" + clause("b", "string", "", "x") +
                                    "</clause>")));
}

void test_int_clause_values(void **)
{
    for (const char *bad : {"", "-1", "+1", " 1", "1 ", "1.5", "ten", "0x1", "1e2"})
        assert_true(invalid_search(wrap(clause("Priority", "int", "equal", bad))));
    query(wrap(clause("Priority", "int", "equal", "123456789012345678901234567890")));
}

void test_date_clause_values(void **)
{
    for (const char *bad : {"", "2003-02-328", "2003-02-29", "yesterday", "2003/01/31", "1500-01-01", " 2003"})
        assert_true(invalid_search(wrap(clause("peercreationtime", "date", "less", bad))));
}

void test_bad_escapes(void **)
{
    for (const char *bad : {"\\a", "abc\\", "\\", "\\n", "a\\ b", "\\\\\\", "\\*\\x"})
        assert_true(refused(wrap(clause("Owner", "string", "equal", bad))) == Error::invalid_argument);
    /* Ordering compares unescape too. */
    assert_true(refused(wrap(clause("Owner", "string", "less", "\\q"))) == Error::invalid_argument);
    assert_true(refused(wrap(clause("peercreatorid", "string", "", "\\q"))) == Error::invalid_argument);
    /* Schema errors anywhere win over escapes. */
    assert_true(invalid_search(wrap("<and>" + clause("Owner", "string", "", "\\q") + "<bad/></and>")));
    assert_true(invalid_search(wrap("<and>" + clause("Owner", "string", "", "\\q") +
                                    clause("Priority", "int", "", "x") + "</and>")));
    /* In int and date clauses a backslash is just a bad value. */
    assert_true(invalid_search(wrap(clause("Priority", "int", "", "\\1"))));
}

void test_escapes_match_literally(void **)
{
    assert_true(like("a\\*b", "a*b"));
    assert_false(like("a\\*b", "axb"));
    assert_false(like("a\\*b", "ab"));
    assert_true(like("a\\?b", "a?b"));
    assert_false(like("a\\?b", "axb"));
    assert_true(like("a\\\\b", "a\\b"));
    assert_false(like("a\\\\b", "a\\\\b"));
    assert_true(like("\\\\*", "\\anything"));
    assert_true(like("*\\**", "x*y"));
    assert_false(like("*\\**", "xy"));
    assert_true(like("\\?*", "?"));
}

void test_wildcards(void **)
{
    assert_true(like("*", ""));
    assert_true(like("*", "anything at all"));
    assert_true(like("**", ""));
    assert_true(like("", ""));
    assert_false(like("", "x"));
    assert_false(like("?", ""));
    assert_true(like("?", "x"));
    assert_false(like("?", "xy"));
    assert_true(like("??", "xy"));
    assert_true(like("James P*", "James Peters"));
    assert_true(like("James P*", "James P"));
    assert_false(like("James P*", "James Smith"));
    assert_true(like("data-0?.xml", "data-01.xml"));
    assert_true(like("data-0?.xml", "data-0B.xml"));
    assert_false(like("data-0?.xml", "data-010.xml"));
    assert_true(like("*ter*", "James Peters"));
    assert_true(like("*s", "James Peters"));
    assert_false(like("*x", "James Peters"));
    assert_true(like("J*s P*s", "James Peters"));
    assert_true(like("a*b*c", "abc"));
    assert_true(like("a*b*c", "aXbYbZc"));
    assert_false(like("a*b*c", "aXbYbZ"));
    assert_true(like("*a?", "bab"));
    assert_true(like("*?*?*", "ab"));
    assert_false(like("*?*?*", "a"));
    assert_true(like("a*a*a", "aaa"));
    assert_false(like("a*a*a", "aa"));
    assert_true(like("*aab", "aaaab"));
    assert_true(like("James Peters", "James Peters"));
    assert_false(like("James Peters", "James Peters "));
    assert_false(like("James", "James Peters")); /* no implicit trailing wildcard */
}

void test_wildcards_on_code_points(void **)
{
    assert_true(like("caf?", "caf\xc3\xa9"));                   /* é: two bytes, one character */
    assert_false(like("caf??", "caf\xc3\xa9"));
    assert_true(like("?", "\xe2\x82\xac"));                     /* €: three bytes */
    assert_true(like("?", "\xf0\x9f\x98\x80"));                 /* U+1F600: four bytes */
    assert_true(like("a?b", "a\xf0\x9f\x98\x80" "b"));
    assert_true(like("\xf0\x9f\x98\x80*", "\xf0\x9f\x98\x80 smile"));
    assert_true(like("*\xe6\x97\xa5*", "\xe4\xbb\x8a\xe6\x97\xa5\xe3\x81\xaf"));
    assert_false(like("*\xe6\x97\xa5*", "\xe4\xbb\x8a\xe6\x9c\xac"));
}

void test_wildcards_are_not_exponential(void **)
{
    const auto start = std::chrono::steady_clock::now();
    /* As long as a record's attributes may be. */
    const std::string as(p2pg::kMaxAttributeStreamLength - 100, 'a');
    assert_false(like("a*a*a*a*a*a*a*a*a*a*a*a*b", as));
    assert_true(like("a*a*a*a*a*a*a*a*a*a*a*a", as));
    std::string many_stars;
    for (int i = 0; i < 2000; ++i) many_stars += "*a";
    assert_false(like(many_stars + "*b", as));
    assert_true(like(many_stars + "*", as));
    std::string mixed;
    for (int i = 0; i < 500; ++i) mixed += "*?a";
    assert_false(like(mixed + "b", as));
    /* The algorithm's own worst case, O(text * pattern): a long run after the last '*'. */
    assert_false(like("*" + std::string(100, 'a') + "b", as));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    assert_true(elapsed < std::chrono::seconds(5));
}

void test_string_equality_ignores_case(void **)
{
    assert_true(like("james peters", "James Peters"));
    assert_true(like("JAMES P*", "James Peters"));
    assert_true(like("\xc3\x89" "COLE", "\xc3\xa9" "cole"));                       /* É / é */
    assert_true(like("\xd0\x9c\xd0\x98\xd0\xa0", "\xd0\xbc\xd0\xb8\xd1\x80"));   /* МИР / мир */
    assert_true(like("\xce\xa3\xce\x9f\xce\xa6\xce\x9f\xce\xa3",
                     "\xcf\x83\xce\xbf\xcf\x86\xce\xbf\xcf\x82"));               /* ΣΟΦΟΣ / σοφος */
    assert_true(like("\xc5\x81" "\xc3\xb3" "d\xc5\xba", "\xc5\x82\xc3\x93" "D\xc5\xb9")); /* Łódź */
    assert_true(like("\xef\xbc\xa1", "\xef\xbd\x81"));                             /* fullwidth A / a */
    assert_false(like("a", "\xc3\xa0"));                                           /* no accent folding */
    assert_false(like("\xe6\x97\xa5", "\xe6\x9c\xac"));
}

void test_string_notequal(void **)
{
    assert_false(string_test("notequal", "Scott", "Scott"));
    assert_false(string_test("notequal", "scott", "Scott"));
    assert_true(string_test("notequal", "Scot", "Scott"));
    assert_false(string_test("notequal", "S*", "Scott"));
    assert_true(string_test("notequal", "X*", "Scott"));
    assert_true(string_test("notequal", "", "Scott"));
}

void test_string_ordering(void **)
{
    assert_true(string_test("less", "b", "a"));
    assert_false(string_test("less", "a", "a"));
    assert_true(string_test("lessorequal", "a", "a"));
    assert_true(string_test("lessorequal", "A", "a"));
    assert_false(string_test("greater", "A", "a"));
    assert_true(string_test("greaterorequal", "A", "a"));
    assert_true(string_test("greater", "apple", "banana"));
    assert_true(string_test("greater", "APPLE", "banana"));
    assert_true(string_test("less", "Banana", "apple"));
    assert_true(string_test("less", "ab", "a"));         /* a prefix sorts first */
    assert_true(string_test("greater", "a", "ab"));
    assert_true(string_test("greater", "", "a"));
    assert_true(string_test("lessorequal", "", ""));
    /* Wildcards are ordinary characters here: '*' (0x2a) sorts before letters. */
    assert_true(string_test("greater", "*", "a"));
    assert_true(string_test("less", "b*", "b"));
    assert_false(string_test("less", "b*", "b*"));
    assert_true(string_test("lessorequal", "b\\*", "b*"));
    /* Upper-cased code points: '_' (0x5f) sorts after 'A'..'Z', so after 'a' too. */
    assert_true(string_test("less", "_", "a"));
    assert_true(string_test("greater", "z", "\xc3\xa9"));
}

void test_int_operators(void **)
{
    const Record r = sample_record(); /* Priority = 10 */
    struct Case {
        const char *compare, *value;
        bool expected;
    } cases[] = {
        {"equal", "10", true},         {"equal", "010", true},        {"equal", "9", false},
        {"notequal", "9", true},       {"notequal", "10", false},     {"less", "11", true},
        {"less", "10", false},         {"less", "9", false},          {"lessorequal", "10", true},
        {"lessorequal", "9", false},   {"greater", "9", true},        {"greater", "10", false},
        {"greater", "100", false},     {"greaterorequal", "10", true}, {"greaterorequal", "11", false},
        {"greater", "0000000000000000000000009", true},
        {"less", "99999999999999999999999999", true},
    };
    for (const Case &c : cases) {
        if (matches(clause("Priority", "int", c.compare, c.value), r) != c.expected)
            fail_msg("Priority %s %s", c.compare, c.value);
    }
}

void test_date_operators(void **)
{
    const Record r = sample_record(); /* Birthday = 1972-04-04 */
    struct Case {
        const char *compare, *value;
        bool expected;
    } cases[] = {
        {"equal", "1972-04-04", true},
        {"equal", "1972-04-04T00:00:00Z", true},
        {"equal", "1972-04-04T01:00:00+01:00", true},
        {"equal", "1972-04-05", false},
        {"notequal", "1972-04-05", true},
        {"notequal", "1972-04-04", false},
        {"less", "1972-04-04T00:00:00.0000001Z", true},
        {"less", "1972-04-04", false},
        {"lessorequal", "1972-04-04", true},
        {"lessorequal", "1972-04-03", false},
        {"greater", "1972", true},
        {"greater", "1972-04-04", false},
        {"greaterorequal", "1972-04-04", true},
        {"greaterorequal", "1972-04-05", false},
    };
    for (const Case &c : cases) {
        if (matches(clause("Birthday", "date", c.compare, c.value), r) != c.expected)
            fail_msg("Birthday %s %s", c.compare, c.value);
    }
}

void test_reserved_creator_and_modifier(void **)
{
    Record r = sample_record();
    assert_true(matches(clause("peercreatorid", "string", "", "James Peters"), r));
    assert_true(matches(clause("peercreatorid", "string", "", "james*"), r));
    assert_false(matches(clause("peercreatorid", "string", "", "Ann Smith"), r));
    assert_true(matches(clause("peerlastmodifiedby", "string", "", "Ann Smith"), r));
    assert_false(matches(clause("peerlastmodifiedby", "string", "", "James Peters"), r));
    assert_true(matches(clause("peercreatorid", "string", "less", "K"), r));
    /* A record never modified: last modified by its creator. */
    r.modified_by_id.clear();
    assert_true(matches(clause("peerlastmodifiedby", "string", "", "James Peters"), r));
}

void test_reserved_record_id_and_type(void **)
{
    const Record r = sample_record();
    assert_true(matches(clause("peerrecordid", "string", "", "{0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9}"), r));
    assert_true(matches(clause("peerrecordid", "string", "", "{0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9}"), r));
    assert_true(matches(clause("peerrecordid", "string", "", "{0a1b2c3d-*}"), r));
    assert_false(matches(clause("peerrecordid", "string", "", "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"), r));
    assert_false(matches(clause("peerrecordid", "string", "", "{11111111-2222-3333-4444-55555555abcd}"), r));
    assert_true(matches(clause("peerrecordtype", "string", "", "{11111111-2222-3333-4444-55555555ABCD}"), r));
    assert_true(matches(clause("peerrecordtype", "string", "notequal", "{0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9}"), r));
}

void test_reserved_times(void **)
{
    const Record r = sample_record(); /* created 2003-01-15, modified 2003-02-10T08:00Z */
    assert_true(matches(clause("peercreationtime", "date", "equal", "2003-01-15"), r));
    assert_true(matches(clause("peercreationtime", "date", "less", "2003-01-16"), r));
    assert_false(matches(clause("peercreationtime", "date", "greater", "2003-01-15"), r));
    assert_true(matches(clause("peercreationtime", "date", "greaterorequal", "2003-01-15"), r));
    assert_true(matches(clause("peerlastmodificationtime", "date", "equal", "2003-02-10T09:00+01:00"), r));
    assert_true(matches(clause("peerlastmodificationtime", "date", "notequal", "2003-02-10"), r));
    assert_true(matches(clause("peerlastmodificationtime", "date", "greater", "2003-02-10"), r));
    assert_false(matches(clause("peerlastmodificationtime", "date", "lessorequal", "2003-02-10T07:59:59Z"), r));
}

void test_reserved_names_ignore_case(void **)
{
    const Record r = sample_record();
    assert_true(matches(clause("PeerCreatorId", "string", "", "James Peters"), r));
    assert_true(matches(clause("PEERCREATIONTIME", "date", "", "2003-01-15"), r));
    assert_true(matches(clause("PeerRecordType", "string", "", "{11111111-*}"), r));
}

void test_reserved_type_mismatch_matches_nothing(void **)
{
    const Record r = sample_record();
    assert_false(matches(clause("peercreationtime", "string", "", "*"), r));
    assert_false(matches(clause("peercreationtime", "string", "notequal", "x"), r));
    assert_false(matches(clause("peercreatorid", "int", "notequal", "1"), r));
    assert_false(matches(clause("peerrecordid", "date", "greater", "1601"), r));
    assert_false(matches(clause("peerlastmodificationtime", "int", "greater", "0"), r));
    /* The value is still checked against the clause's own type. */
    assert_true(invalid_search(wrap(clause("peercreatorid", "int", "", "James"))));
}

void test_application_attribute_any_value(void **)
{
    const Record r = sample_record(); /* keyword: "red", "green" (string), 7 (int) */
    assert_true(matches(clause("keyword", "string", "", "red"), r));
    assert_true(matches(clause("keyword", "string", "", "green"), r));
    assert_false(matches(clause("keyword", "string", "", "blue"), r));
    assert_true(matches(clause("keyword", "string", "notequal", "red"), r)); /* "green" is not red */
    assert_true(matches(clause("keyword", "string", "less", "h"), r));       /* "green" */
    assert_true(matches(clause("keyword", "string", "greater", "h"), r));    /* "red" */
    assert_false(matches(clause("keyword", "string", "greater", "s"), r));
    assert_true(matches("<and>" + clause("keyword", "string", "", "red") +
                            clause("keyword", "string", "", "green") + "</and>",
                        r));
}

void test_application_attribute_type_must_match(void **)
{
    const Record r = sample_record();
    assert_true(matches(clause("keyword", "int", "", "7"), r));
    assert_false(matches(clause("keyword", "string", "", "7"), r));
    assert_false(matches(clause("Priority", "string", "", "10"), r));
    assert_false(matches(clause("Priority", "string", "", "*"), r));
    assert_false(matches(clause("Owner", "int", "greaterorequal", "0"), r));
    assert_false(matches(clause("Birthday", "string", "", "1972-04-04"), r));
    assert_false(matches(clause("Birthday", "int", "greater", "0"), r));
}

void test_application_attribute_name_ignores_case(void **)
{
    const Record r = sample_record();
    assert_true(matches(clause("owner", "string", "", "Scott"), r));
    assert_true(matches(clause("OWNER", "string", "", "Scott"), r));
    assert_true(matches(clause("KeyWord", "int", "", "7"), r));
    assert_false(matches(clause("Owne", "string", "", "*"), r));
    assert_false(matches(clause("Owners", "string", "", "*"), r));
}

void test_missing_attribute_fails_every_operator(void **)
{
    const Record r = sample_record();
    for (const char *compare : {"equal", "notequal", "less", "lessorequal", "greater", "greaterorequal"}) {
        assert_false(matches(clause("Colour", "string", compare, "x"), r));
        assert_false(matches(clause("Colour", "int", compare, "1"), r));
        assert_false(matches(clause("Colour", "date", compare, "2003"), r));
    }
    Record bare;
    assert_false(matches(clause("Owner", "string", "", "*"), bare));
    assert_false(matches(clause("Owner", "string", "notequal", "x"), bare));
}

void test_record_with_invalid_attributes_has_none(void **)
{
    Record r = sample_record();
    r.attributes = "<attributes><attribute name=\"Owner\" type=\"string\">Scott</attribute>"; /* unclosed */
    assert_false(matches(clause("Owner", "string", "", "Scott"), r));
    r.attributes = "<attributes><attribute name=\"Owner\" type=\"string\">Scott</attribute>"
                   "<attribute name=\"n\" type=\"int\">-1</attribute></attributes>";
    assert_false(matches(clause("Owner", "string", "", "Scott"), r));
    /* The reserved attributes do not depend on them. */
    assert_true(matches(clause("peercreatorid", "string", "", "James Peters"), r));
    assert_true(matches("<or>" + clause("Owner", "string", "", "Scott") +
                            clause("peercreatorid", "string", "", "James*") + "</or>",
                        r));
}

void test_nested_logic(void **)
{
    const Record r = sample_record();
    const std::string yes = clause("Owner", "string", "", "Scott");
    const std::string no = clause("Owner", "string", "", "Nobody");
    assert_true(matches("<and>" + yes + "</and>", r));
    assert_false(matches("<and>" + no + "</and>", r));
    assert_true(matches("<or>" + no + yes + "</or>", r));
    assert_false(matches("<or>" + no + no + "</or>", r));
    assert_false(matches("<and>" + yes + no + "</and>", r));
    assert_true(matches("<and>" + yes + yes + yes + "</and>", r));
    assert_true(matches("<and><or>" + no + yes + "</or><or>" + yes + no + "</or></and>", r));
    assert_false(matches("<and><or>" + no + yes + "</or><or>" + no + no + "</or></and>", r));
    assert_true(matches("<or><and>" + yes + no + "</and><and><and>" + yes + "</and><or>" + yes + "</or></and></or>",
                        r));
    assert_true(matches("<or><or><or>" + yes + "</or></or></or>", r));
    assert_false(matches("<and><and><and>" + no + "</and></and></and>", r));
}

std::string nested(int levels, const std::string &inner)
{
    std::string xml;
    for (int i = 0; i < levels; ++i) xml += i % 2 ? "<or>" : "<and>";
    xml += inner;
    for (int i = levels - 1; i >= 0; --i) xml += i % 2 ? "</or>" : "</and>";
    return xml;
}

void test_depth_limit(void **)
{
    const Record r = sample_record();
    const std::string c = clause("Owner", "string", "", "Scott");
    /* The clause is at level levels + 1. */
    assert_true(matches(nested(SearchQuery::kMaxQueryDepth - 1, c), r));
    assert_true(invalid_search(wrap(nested(SearchQuery::kMaxQueryDepth, c))));
    assert_true(invalid_search(wrap(nested(SearchQuery::kMaxQueryDepth, "<and>" + c + "</and>"))));
    assert_true(invalid_search(wrap(nested(300, c))));
    assert_true(invalid_search(wrap(nested(5000, c))));
}

void test_clause_limit(void **)
{
    const Record r = sample_record();
    std::string many;
    for (int i = 1; i < SearchQuery::kMaxQueryClauses; ++i) many += clause("Owner", "string", "", "x");
    assert_true(matches("<or>" + many + clause("Owner", "string", "", "Scott") + "</or>", r));
    assert_true(invalid_search(wrap("<or>" + many + clause("Owner", "string", "", "Scott") +
                                    clause("Owner", "string", "", "y") + "</or>")));
    /* Counted across nesting levels. */
    assert_true(invalid_search(wrap("<or><and>" + many + "</and><and>" + clause("a", "int", "", "1") +
                                    clause("a", "int", "", "2") + "</and></or>")));
}

void test_malformed_xml_and_doctype(void **)
{
    const std::string c = clause("Owner", "string", "", "Scott");
    for (const std::string &bad :
         {std::string(), std::string(" "), std::string("not xml"), std::string("<peersearch>") + c,
          "<peersearch>" + c + "</peersearch><peersearch/>", wrap("<and>" + c + "</or>"),
          wrap("<clause attrib=Owner type=string>Scott</clause>"),
          wrap("<clause attrib=\"Owner\" type=\"string\">&undefined;</clause>"),
          wrap("<clause attrib=\"Owner\" type=\"string\">\xff</clause>"),
          "<!DOCTYPE peersearch><peersearch>" + c + "</peersearch>",
          std::string("<!DOCTYPE peersearch [<!ENTITY e \"Scott\">]><peersearch>"
                      "<clause attrib=\"Owner\" type=\"string\">&e;</clause></peersearch>"),
          std::string("<!DOCTYPE peersearch [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><peersearch>"
                      "<clause attrib=\"Owner\" type=\"string\">&e;</clause></peersearch>")})
        assert_true(invalid_search(bad));
}

void test_query_size_limit(void **)
{
    const std::string c = clause("Owner", "string", "", "Scott");
    const std::string base = "<peersearch>" + c + "</peersearch>";
    std::string padded = "<peersearch>" + std::string(SearchQuery::kMaxQueryLength - base.size(), ' ') + c +
                         "</peersearch>";
    assert_int_equal(padded.size(), SearchQuery::kMaxQueryLength);
    assert_true(query(padded)->matches(sample_record()));
    padded.insert(12, " ");
    assert_true(invalid_search(padded));
    assert_true(invalid_search(std::string(20 * 1000 * 1000, '<')));
}

void test_optional_out_parameters(void **)
{
    assert_non_null(SearchQuery::parse(wrap(clause("a", "string", "", "x")), nullptr).get());
    assert_null(SearchQuery::parse("<peersearch/>", nullptr).get());
    assert_null(SearchQuery::parse(wrap(clause("a", "string", "", "\\x")), nullptr, nullptr).get());
    Error error = Error::none;
    assert_null(SearchQuery::parse("<peersearch/>", &error, nullptr).get());
    assert_true(error == Error::invalid_search);
    std::string why;
    assert_null(SearchQuery::parse(wrap(clause("a", "string", "", "\\x")), nullptr, &why).get());
    assert_false(why.empty());
}

void test_values_entities_cdata_and_spaces(void **)
{
    assert_true(like("a&b<c>", "a&b<c>"));
    assert_true(matches("<clause attrib=\"s\" type=\"string\"><![CDATA[<x>&*]]></clause>", with_string("<x>&yz")));
    assert_true(matches("<clause attrib=\"s\" type=\"string\">&#x263A;</clause>", with_string("\xe2\x98\xba")));
    assert_true(matches("<clause attrib=\"s\" type=\"string\">a<!-- c -->b</clause>", with_string("ab")));
    /* White space in a string value is significant. */
    assert_false(like(" Scott", "Scott"));
    assert_true(like(" Scott ", " Scott "));
    assert_false(matches("<clause attrib=\"s\" type=\"string\">\n  Scott\n</clause>", with_string("Scott")));
    assert_true(like("", ""));
}

void test_query_is_reusable(void **)
{
    auto q = query(wrap(clause("Owner", "string", "", "S*")));
    Record a = with_string("x"), b = sample_record();
    for (int i = 0; i < 3; ++i) {
        assert_false(q->matches(a));
        assert_true(q->matches(b));
    }
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documented_example_has_invalid_date),
        cmocka_unit_test(test_documented_example_corrected),
        cmocka_unit_test(test_documented_examples),
        cmocka_unit_test(test_documented_incorrect_query),
        cmocka_unit_test(test_peersearch_root),
        cmocka_unit_test(test_and_or_need_children),
        cmocka_unit_test(test_unknown_elements_and_attributes),
        cmocka_unit_test(test_clause_attributes),
        cmocka_unit_test(test_clause_attrib_is_a_name),
        cmocka_unit_test(test_clause_content_is_simple),
        cmocka_unit_test(test_int_clause_values),
        cmocka_unit_test(test_date_clause_values),
        cmocka_unit_test(test_bad_escapes),
        cmocka_unit_test(test_escapes_match_literally),
        cmocka_unit_test(test_wildcards),
        cmocka_unit_test(test_wildcards_on_code_points),
        cmocka_unit_test(test_wildcards_are_not_exponential),
        cmocka_unit_test(test_string_equality_ignores_case),
        cmocka_unit_test(test_string_notequal),
        cmocka_unit_test(test_string_ordering),
        cmocka_unit_test(test_int_operators),
        cmocka_unit_test(test_date_operators),
        cmocka_unit_test(test_reserved_creator_and_modifier),
        cmocka_unit_test(test_reserved_record_id_and_type),
        cmocka_unit_test(test_reserved_times),
        cmocka_unit_test(test_reserved_names_ignore_case),
        cmocka_unit_test(test_reserved_type_mismatch_matches_nothing),
        cmocka_unit_test(test_application_attribute_any_value),
        cmocka_unit_test(test_application_attribute_type_must_match),
        cmocka_unit_test(test_application_attribute_name_ignores_case),
        cmocka_unit_test(test_missing_attribute_fails_every_operator),
        cmocka_unit_test(test_record_with_invalid_attributes_has_none),
        cmocka_unit_test(test_nested_logic),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_clause_limit),
        cmocka_unit_test(test_malformed_xml_and_doctype),
        cmocka_unit_test(test_query_size_limit),
        cmocka_unit_test(test_optional_out_parameters),
        cmocka_unit_test(test_values_entities_cdata_and_spaces),
        cmocka_unit_test(test_query_is_reusable),
    };
    return cmocka_run_group_tests_name("search", tests, nullptr, nullptr);
}
