/*
 * Unit tests: record attribute XML and W3C dates
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

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

using p2pg::Attribute;
using p2pg::AttributeType;
using p2pg::FileTime;
using p2pg::parse_attributes;
using p2pg::parse_w3c_date;

namespace {

/* The example of MS-PPGRH 2.2.3.5. */
const char kDocumentedExample[] = "<attributes>\n"
                                  "<attribute name=\"Owner\" type=\"string\">Scott</attribute>\n"
                                  "<attribute name=\"Birthday\" type=\"date\">1972-04-04</attribute>\n"
                                  "<attribute name=\"Priority\" type=\"int\">1</attribute>\n"
                                  "</attributes>";

std::string one(const std::string &name, const std::string &type, const std::string &value)
{
    return "<attributes><attribute name=\"" + name + "\" type=\"" + type + "\">" + value +
           "</attribute></attributes>";
}

bool valid(const std::string &xml)
{
    std::string why;
    const bool ok = parse_attributes(xml, nullptr, &why);
    if (ok) assert_true(why.empty());
    else assert_false(why.empty());
    return ok;
}

FileTime date(const char *text)
{
    FileTime t = -1;
    assert_true(parse_w3c_date(text, &t));
    return t;
}

bool date_valid(const char *text)
{
    FileTime t;
    return parse_w3c_date(text, &t);
}

void test_empty_string_means_no_attributes(void **)
{
    std::vector<Attribute> out(3);
    assert_true(parse_attributes("", &out));
    assert_true(out.empty());
}

void test_documented_example(void **)
{
    std::vector<Attribute> out;
    assert_true(parse_attributes(kDocumentedExample, &out));
    assert_int_equal(out.size(), 3);
    assert_string_equal(out[0].name.c_str(), "Owner");
    assert_true(out[0].type == AttributeType::string);
    assert_string_equal(out[0].value.c_str(), "Scott");
    assert_string_equal(out[1].name.c_str(), "Birthday");
    assert_true(out[1].type == AttributeType::date);
    assert_string_equal(out[1].value.c_str(), "1972-04-04");
    assert_string_equal(out[2].name.c_str(), "Priority");
    assert_true(out[2].type == AttributeType::integer);
    assert_string_equal(out[2].value.c_str(), "1");
}

void test_sdk_example_with_typo_is_malformed(void **)
{
    /* The SDK's "Record Attribute Schema" example closes with <attributes>. */
    assert_false(valid("<attributes>\n  <attribute name=\"AuthenticationType\" type=\"string\">Kerberos</attribute>"
                       "<attribute name=\"AuthExpires\" type=\"date\">2002-01-31</attribute>\n<attributes>"));
    assert_true(valid("<attributes>\n  <attribute name=\"AuthenticationType\" type=\"string\">Kerberos</attribute>"
                      "<attribute name=\"AuthExpires\" type=\"date\">2002-01-31</attribute>\n</attributes>"));
}

void test_xml_declaration_and_prolog(void **)
{
    assert_true(valid(std::string("<?xml version=\"1.0\" encoding=\"utf-8\"?>") + kDocumentedExample));
    /* The face converts UTF-16 to UTF-8 but leaves the declaration alone. */
    assert_true(valid(std::string("<?xml version=\"1.0\" encoding=\"utf-16\"?>\n") + kDocumentedExample));
    assert_true(valid(std::string("<!-- before -->\n") + kDocumentedExample + "\n<!-- after -->\n"));
    assert_true(valid(std::string("\xef\xbb\xbf") + kDocumentedExample)); /* UTF-8 byte order mark */
}

void test_empty_attributes_element(void **)
{
    std::vector<Attribute> out(1);
    assert_true(parse_attributes("<attributes/>", &out));
    assert_true(out.empty());
    assert_true(valid("<attributes>\n  \t\r\n</attributes>"));
}

void test_whitespace_comments_between_attributes(void **)
{
    std::vector<Attribute> out;
    assert_true(parse_attributes("<attributes>\n <!-- c --> <attribute name=\"a\" type=\"string\">x</attribute>"
                                 "<?pi data?>\t<attribute name=\"b\" type=\"int\">2</attribute>\n</attributes>",
                                 &out));
    assert_int_equal(out.size(), 2);
    assert_false(valid("<attributes>x<attribute name=\"a\" type=\"string\">x</attribute></attributes>"));
    assert_false(valid("<attributes><attribute name=\"a\" type=\"string\">x</attribute>.</attributes>"));
    assert_false(valid("<attributes><![CDATA[text]]></attributes>"));
    assert_true(valid("<attributes><![CDATA[  ]]></attributes>"));
}

void test_root_element(void **)
{
    assert_false(valid("<attribute name=\"a\" type=\"string\">x</attribute>"));
    assert_false(valid("<Attributes><attribute name=\"a\" type=\"string\">x</attribute></Attributes>"));
    assert_false(valid("<attributes version=\"1\"><attribute name=\"a\" type=\"string\">x</attribute></attributes>"));
    assert_false(valid("<peersearch/>"));
    /* Namespace declarations are not XML attributes. */
    assert_true(valid("<attributes xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">"
                      "<attribute name=\"a\" type=\"string\">x</attribute></attributes>"));
}

void test_children_must_be_attribute_elements(void **)
{
    assert_false(valid("<attributes><attribute name=\"a\" type=\"string\">x</attribute><foo/></attributes>"));
    assert_false(valid("<attributes><Attribute name=\"a\" type=\"string\">x</Attribute></attributes>"));
    assert_false(valid("<attributes><attributes/></attributes>"));
}

void test_name_and_type_required_and_alone(void **)
{
    assert_false(valid("<attributes><attribute type=\"string\">x</attribute></attributes>"));
    assert_false(valid("<attributes><attribute name=\"a\">x</attribute></attributes>"));
    assert_false(valid("<attributes><attribute>x</attribute></attributes>"));
    assert_false(valid("<attributes><attribute name=\"a\" type=\"string\" extra=\"1\">x</attribute></attributes>"));
    assert_false(valid("<attributes xmlns:p=\"urn:p\"><attribute name=\"a\" type=\"string\" p:x=\"1\">x</attribute>"
                       "</attributes>"));
    assert_false(valid("<attributes><attribute Name=\"a\" type=\"string\">x</attribute></attributes>"));
    assert_true(valid("<attributes><attribute type=\"string\" name=\"a\">x</attribute></attributes>"));
    assert_true(valid("<attributes><attribute name='a' type='string'>x</attribute></attributes>"));
}

void test_simple_content_only(void **)
{
    assert_false(valid(one("a", "string", "x<b/>y")));
    assert_false(valid(one("a", "string", "<attribute name=\"b\" type=\"string\">y</attribute>")));
    std::vector<Attribute> out;
    assert_true(parse_attributes(one("a", "string", "x<!-- c -->y"), &out));
    assert_string_equal(out[0].value.c_str(), "xy");
}

void test_name_rules(void **)
{
    const std::string forty(40, 'a');
    assert_true(valid(one(forty, "string", "x")));
    assert_false(valid(one(forty + "b", "string", "x")));
    assert_false(valid(one("", "string", "x")));
    assert_true(valid(one("0123456789", "string", "x")));
    assert_true(valid(one("AbcXyz09", "string", "x")));
    for (const char *bad : {"a-b", "a_b", "a b", " a", "a.b", "caf\xc3\xa9", "a:b", "&amp;", "\xef\xbc\xa1"})
        assert_false(valid(one(bad, "string", "x")));
}

void test_reserved_names_refused_in_any_case(void **)
{
    for (const char *name : {"peerlastmodifiedby", "peercreatorid", "peerlastmodificationtime", "peerrecordid",
                             "peerrecordtype", "peercreationtime", "PeerCreatorId", "PEERRECORDTYPE",
                             "PeerLastModificationTime"}) {
        assert_false(valid(one(name, "string", "x")));
        assert_true(p2pg::is_reserved_attribute_name(name));
    }
    assert_true(valid(one("peercreator", "string", "x")));
    assert_true(valid(one("peercreatorid2", "string", "x")));
    assert_false(p2pg::is_reserved_attribute_name("peer"));
}

void test_names_need_not_be_unique(void **)
{
    std::vector<Attribute> out;
    assert_true(parse_attributes("<attributes><attribute name=\"keyword\" type=\"string\">a</attribute>"
                                 "<attribute name=\"keyword\" type=\"string\">b</attribute>"
                                 "<attribute name=\"keyword\" type=\"int\">3</attribute></attributes>",
                                 &out));
    assert_int_equal(out.size(), 3);
    assert_string_equal(out[1].value.c_str(), "b");
    assert_true(out[2].type == AttributeType::integer);
}

void test_type_values(void **)
{
    assert_true(valid(one("a", "string", "x")));
    assert_true(valid(one("a", "int", "1")));
    assert_true(valid(one("a", "date", "2003-01-31")));
    for (const char *bad : {"String", "INT", "integer", "Date", "datetime", "", " int", "int ", "bool"})
        assert_false(valid(one("a", bad, "1")));
}

void test_int_values(void **)
{
    for (const char *good : {"0", "1", "007", "4294967296", "123456789012345678901234567890"})
        assert_true(valid(one("a", "int", good)));
    /* "all digits": no sign, no spaces, no empty value. */
    for (const char *bad : {"", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "\xd9\xa1", "\xef\xbc\x91", "one"})
        assert_false(valid(one("a", "int", bad)));
}

void test_date_values(void **)
{
    for (const char *good : {"1972-04-04", "2003", "2003-02", "2003-02-28T10:20Z", "2003-02-28T10:20:30.5+01:00"})
        assert_true(valid(one("a", "date", good)));
    for (const char *bad : {"2003-02-328", "", "yesterday", "2003-02-29", " 2003-02-28", "02/28/2003"})
        assert_false(valid(one("a", "date", bad)));
}

void test_string_values(void **)
{
    std::vector<Attribute> out;
    assert_true(parse_attributes(one("a", "string", ""), &out));
    assert_string_equal(out[0].value.c_str(), "");
    assert_true(parse_attributes(one("a", "string", "  two  spaces\n"), &out));
    assert_string_equal(out[0].value.c_str(), "  two  spaces\n");
    assert_true(parse_attributes(one("a", "string", "&lt;&amp;&gt;&quot;&apos;&#x263A;&#65;"), &out));
    assert_string_equal(out[0].value.c_str(), "<&>\"'\xe2\x98\xba" "A");
    assert_true(parse_attributes(one("a", "string", "<![CDATA[<b>bold</b>]]>"), &out));
    assert_string_equal(out[0].value.c_str(), "<b>bold</b>");
    assert_true(parse_attributes(one("a", "string", "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80"), &out));
    assert_string_equal(out[0].value.c_str(), "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
}

void test_malformed_xml(void **)
{
    for (const char *bad : {"<attributes>", "<attributes><attribute name=\"a\" type=\"string\">x</attributes>",
                            "not xml", "<attributes/><attributes/>", "<attributes/>trailing",
                            "<attributes><attribute name=\"a\" name=\"b\" type=\"string\">x</attribute></attributes>",
                            "<attributes><attribute name=a type=string>x</attribute></attributes>",
                            "<attributes><attribute name=\"a\" type=\"string\">&nbsp;</attribute></attributes>",
                            "<attributes><attribute name=\"a\" type=\"string\">&undefined;</attribute></attributes>",
                            "<attributes><attribute name=\"a\" type=\"string\">\xff\xfe</attribute></attributes>",
                            "<attributes><attribute name=\"a\" type=\"string\">\xc0\xaf</attribute></attributes>",
                            "<attributes><attribute name=\"a\" type=\"string\">&#0;</attribute></attributes>",
                            " ", "<", "<?xml version=\"1.0\"?>"})
        assert_false(valid(bad));
    std::string with_nul = one("a", "string", "x");
    with_nul.insert(with_nul.find('x'), 1, '\0');
    assert_false(valid(with_nul));
}

void test_doctype_refused(void **)
{
    assert_false(valid("<!DOCTYPE attributes><attributes/>"));
    assert_false(valid("<!DOCTYPE attributes [<!ENTITY e \"Scott\">]>"
                       "<attributes><attribute name=\"a\" type=\"string\">&e;</attribute></attributes>"));
    assert_false(valid("<!DOCTYPE attributes [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
                       "<attributes><attribute name=\"a\" type=\"string\">&e;</attribute></attributes>"));
    assert_false(valid("<!DOCTYPE attributes SYSTEM \"http://127.0.0.1:1/x.dtd\"><attributes/>"));
    std::string laughs = "<?xml version=\"1.0\"?><!DOCTYPE attributes [<!ENTITY l0 \"ha\">";
    for (int i = 1; i < 12; ++i)
        laughs += "<!ENTITY l" + std::to_string(i) + " \"" + std::string() + "&l" + std::to_string(i - 1) + ";&l" +
                  std::to_string(i - 1) + ";&l" + std::to_string(i - 1) + ";&l" + std::to_string(i - 1) + ";\">";
    laughs += "]><attributes><attribute name=\"a\" type=\"string\">&l11;</attribute></attributes>";
    std::string why;
    assert_false(parse_attributes(laughs, nullptr, &why));
    assert_string_equal(why.c_str(), "DOCTYPE refused");
}

void test_length_limit(void **)
{
    const std::string head = "<attributes><attribute name=\"a\" type=\"string\">";
    const std::string tail = "</attribute></attributes>";
    const std::size_t room = p2pg::kMaxAttributeStreamLength - head.size() - tail.size();
    assert_true(valid(head + std::string(room, 'x') + tail));
    assert_false(valid(head + std::string(room + 1, 'x') + tail));
    /* Counted in UTF-16 units: a 3-byte character is one, a 4-byte one two. */
    std::string euros;
    for (std::size_t i = 0; i < room; ++i) euros += "\xe2\x82\xac";
    assert_true(valid(head + euros + tail));
    assert_false(valid(head + euros + "\xe2\x82\xac" + tail));
    std::string smileys;
    for (std::size_t i = 0; i < room / 2; ++i) smileys += "\xf0\x9f\x98\x80";
    assert_true(valid(head + smileys + std::string(room % 2, 'x') + tail));
    assert_false(valid(head + smileys + "\xf0\x9f\x98\x80" + tail));
    assert_false(valid(std::string(10 * 1000 * 1000, ' ')));
}

void test_many_attributes(void **)
{
    std::string xml = "<attributes>";
    for (int i = 0; i < 2000; ++i) xml += "<attribute name=\"k" + std::to_string(i) + "\" type=\"int\">" +
                                         std::to_string(i) + "</attribute>";
    xml += "</attributes>";
    std::vector<Attribute> out;
    assert_true(parse_attributes(xml, &out));
    assert_int_equal(out.size(), 2000);
    assert_string_equal(out[1999].value.c_str(), "1999");
}

void test_output_untouched_on_failure(void **)
{
    std::vector<Attribute> out(2);
    out[0].name = "keep";
    assert_false(parse_attributes(one("a", "int", "x"), &out));
    assert_int_equal(out.size(), 2);
    assert_string_equal(out[0].name.c_str(), "keep");
    assert_false(parse_attributes("<attributes>", &out, nullptr));
}

void test_reasons(void **)
{
    std::string why;
    assert_false(parse_attributes(one("peerrecordid", "string", "x"), nullptr, &why));
    assert_string_equal(why.c_str(), "reserved attribute name");
    assert_false(parse_attributes(one("a", "int", "-1"), nullptr, &why));
    assert_string_equal(why.c_str(), "int attribute not all digits");
    assert_false(parse_attributes("<attributes>", nullptr, &why));
    assert_true(why.rfind("malformed XML", 0) == 0);
    assert_false(parse_attributes(one("a", "string", "\xc3"), nullptr, &why));
    assert_string_equal(why.c_str(), "attributes not valid UTF-8");
    assert_false(parse_attributes(std::string(400000, ' '), nullptr, &why));
    assert_string_equal(why.c_str(), "attributes longer than MAX_ATTRIBUTE_STREAM_LENGTH");
}

void test_libxml2_prints_nothing(void **)
{
    std::fflush(stderr);
    const int saved = dup(STDERR_FILENO);
    FILE *capture = std::tmpfile();
    assert_non_null(capture);
    dup2(fileno(capture), STDERR_FILENO);
    valid("<attributes><oops></attributes>");
    valid("<!DOCTYPE x [<!ENTITY e \"1\">]><attributes/>");
    valid("<attributes>&bad;</attributes>");
    valid("\xff\xfe<\0a\0");
    std::fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    assert_int_equal(std::ftell(capture), 0);
    std::fclose(capture);
}

void test_parallel_parsing(void **)
{
    std::vector<std::thread> threads;
    std::vector<int> failures(8, 0);
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([t, &failures] {
            for (int i = 0; i < 200; ++i) {
                std::vector<Attribute> out;
                if (!parse_attributes(kDocumentedExample, &out) || out.size() != 3) ++failures[t];
                if (parse_attributes("<attributes><x/></attributes>", &out)) ++failures[t];
            }
        });
    }
    for (auto &thread : threads) thread.join();
    for (int f : failures) assert_int_equal(f, 0);
}

/* Records' attributes are mostly read by a plain-form reader without
 * libxml2 (attributes.cpp).  Whatever it accepts must read as libxml2
 * reads it: each document, mutated at random, is parsed as is and behind a
 * comment (a prolog the plain reader leaves to libxml2), and the two
 * answers must agree, valid or not, attribute for attribute. */
void test_plain_reader_agrees_with_libxml2(void **)
{
    const std::string seeds[] = {
        kDocumentedExample,
        one("a", "string", "x y"),
        one("count", "int", "0042"),
        one("text", "string", "a]]b> ]] >"),
        "<attributes>\t<attribute type='date' name='when'>2020-02-29T10:00Z</attribute> </attributes>\n",
        "<attributes><attribute name=\"a\" type=\"string\"></attribute><attribute name = \"b\" type= 'int' >7"
        "</attribute ></attributes >",
    };
    const char alphabet[] = " \t\r\n<>&\"'=/]!?;#:abenmtyp1x\x01\x7f\xc3\xa9";
    unsigned seed = 12345;
    auto next = [&seed](unsigned n) {
        seed = seed * 1103515245u + 12345u;
        return (seed >> 8) % n;
    };
    unsigned valid_ones = 0, checked = 0;
    for (const std::string &start : seeds) {
        for (int i = 0; i < 4000; ++i) {
            std::string doc = start;
            for (unsigned edits = 1 + next(3); edits; --edits) {
                std::size_t at = next(static_cast<unsigned>(doc.size() + 1));
                switch (next(3)) {
                case 0:
                    doc.insert(at, 1, alphabet[next(sizeof alphabet - 1)]);
                    break;
                case 1:
                    if (at < doc.size()) doc.erase(at, 1);
                    break;
                default:
                    if (at < doc.size()) doc.insert(at, doc.substr(at, next(12)));
                    break;
                }
            }
            if (i < 50) doc = start; /* the seeds themselves too */
            if (doc.compare(0, 2, "<?") == 0 || doc.empty()) continue;
            std::vector<Attribute> plain, full;
            const bool plain_ok = parse_attributes(doc, &plain);
            const bool full_ok = parse_attributes("<!---->" + doc, &full);
            if (plain_ok != full_ok) fail_msg("%s: %d as is, %d behind a comment", doc.c_str(), plain_ok, full_ok);
            ++checked;
            if (!plain_ok) continue;
            ++valid_ones;
            assert_int_equal(plain.size(), full.size());
            for (std::size_t k = 0; k < plain.size(); ++k) {
                assert_string_equal(plain[k].name.c_str(), full[k].name.c_str());
                assert_int_equal(static_cast<int>(plain[k].type), static_cast<int>(full[k].type));
                assert_true(plain[k].value == full[k].value);
            }
        }
    }
    /* Both kinds of answer were compared many times. */
    assert_true(valid_ones > 1000);
    assert_true(checked - valid_ones > 1000);
}

void test_date_exact_values(void **)
{
    assert_int_equal(date("1601-01-01"), 0);
    assert_int_equal(date("1601"), 0);
    assert_int_equal(date("1970-01-01"), 116444736000000000LL);
    assert_int_equal(date("1970-01-01T00:00:00Z"), 116444736000000000LL);
    assert_int_equal(date("1972-04-04"), 117156672000000000LL);
    assert_int_equal(date("2003-01-31"), 126884448000000000LL);
    assert_int_equal(date("2003-02-28"), 126908640000000000LL);
    assert_int_equal(date("2000-02-29T12:34:56.1234567Z"), 125963012961234567LL);
    assert_int_equal(date("2000-02-29T12:34:56.123456789"), 125963012961234567LL); /* truncated */
    assert_int_equal(date("2000-02-29T12:34:56.1"), 125963012961000000LL);
    assert_int_equal(date("9999-12-31T23:59:59Z"), 2650467743990000000LL);
    assert_int_equal(date("2024-07"), 133642656000000000LL);
    assert_int_equal(date("2024-07-01"), 133642656000000000LL);
}

void test_date_forms_and_zones(void **)
{
    const FileTime noon = date("2003-01-31T12:00:00Z");
    assert_int_equal(noon, 126884448000000000LL + 12LL * 3600 * p2pg::kTicksPerSecond);
    assert_int_equal(date("2003-01-31T12:00Z"), noon);
    assert_int_equal(date("2003-01-31T12:00"), noon);
    assert_int_equal(date("2003-01-31T12:00:00"), noon);
    assert_int_equal(date("2003-01-31T13:00+01:00"), noon);
    assert_int_equal(date("2003-01-31T06:30:00-05:30"), noon);
    assert_int_equal(date("2003-02-01T00:00:00+12:00"), noon);
    assert_int_equal(date("2003-01-31T12:00:00.0000000Z"), noon);
    assert_int_equal(date("2003-01-31Z"), 126884448000000000LL);
    assert_int_equal(date("2003-01-31+01:00"), 126884448000000000LL - 3600LL * p2pg::kTicksPerSecond);
}

void test_date_invalid(void **)
{
    for (const char *bad :
         {"", "2003-02-328", "2003-02-29", "1900-02-29", "2003-13-01", "2003-00-10", "2003-01-00", "2003-01-32",
          "2003-04-31", "2003-01-31T24:00", "2003-01-31T23:60", "2003-01-31T23:59:60", "2003-01-31T12",
          "2003-01-31T12:00:", "2003-01-31T12:00:00.", "2003-01-31T12:00:00,5", "2003-01-31t12:00",
          "2003-01-31 12:00", "2003-01-31T12:00z", "2003-01-31T12:00+01", "2003-01-31T12:00+0100",
          "2003-01-31T12:00+24:00", "2003-01-31T12:00+01:60", "2003-1-31", "03-01-31", "20030131", "2003-01-31x",
          "2003-01-31T12:00ZZ", " 2003", "2003 ", "1600-12-31", "0000-01-01", "1601-01-01T00:00+00:01",
          "+2003-01-01", "-2003-01-01", "2003-", "2003-01-", "\xef\xbc\x92\xef\xbc\x90\xef\xbc\x90\xef\xbc\x93"})
        assert_false(date_valid(bad));
    assert_true(date_valid("1601-01-01T00:00-00:01"));
    assert_true(date_valid("2000-02-29"));
    assert_true(date_valid("2004-02-29"));
}

void test_int_helpers(void **)
{
    assert_true(p2pg::is_int_value("0"));
    assert_false(p2pg::is_int_value(""));
    assert_false(p2pg::is_int_value("-0"));
    assert_int_equal(p2pg::compare_int_values("10", "9"), 1);
    assert_int_equal(p2pg::compare_int_values("9", "10"), -1);
    assert_int_equal(p2pg::compare_int_values("007", "7"), 0);
    assert_int_equal(p2pg::compare_int_values("0", "000"), 0);
    assert_true(p2pg::compare_int_values("123456789012345678901234567890", "123456789012345678901234567891") < 0);
    assert_true(p2pg::compare_int_values("99999999999999999999", "18446744073709551615") > 0);
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_string_means_no_attributes),
        cmocka_unit_test(test_documented_example),
        cmocka_unit_test(test_sdk_example_with_typo_is_malformed),
        cmocka_unit_test(test_xml_declaration_and_prolog),
        cmocka_unit_test(test_empty_attributes_element),
        cmocka_unit_test(test_whitespace_comments_between_attributes),
        cmocka_unit_test(test_root_element),
        cmocka_unit_test(test_children_must_be_attribute_elements),
        cmocka_unit_test(test_name_and_type_required_and_alone),
        cmocka_unit_test(test_simple_content_only),
        cmocka_unit_test(test_name_rules),
        cmocka_unit_test(test_reserved_names_refused_in_any_case),
        cmocka_unit_test(test_names_need_not_be_unique),
        cmocka_unit_test(test_type_values),
        cmocka_unit_test(test_int_values),
        cmocka_unit_test(test_date_values),
        cmocka_unit_test(test_string_values),
        cmocka_unit_test(test_malformed_xml),
        cmocka_unit_test(test_doctype_refused),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_many_attributes),
        cmocka_unit_test(test_output_untouched_on_failure),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_libxml2_prints_nothing),
        cmocka_unit_test(test_parallel_parsing),
        cmocka_unit_test(test_plain_reader_agrees_with_libxml2),
        cmocka_unit_test(test_date_exact_values),
        cmocka_unit_test(test_date_forms_and_zones),
        cmocka_unit_test(test_date_invalid),
        cmocka_unit_test(test_int_helpers),
    };
    return cmocka_run_group_tests_name("attributes", tests, nullptr, nullptr);
}
