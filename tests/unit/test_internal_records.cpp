/*
 * Unit tests: payloads of the Presence, Contact and Signature records
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

/* MS-PPGRH 2.2.3.2-2.2.3.4 and PEER_ADDRESS (2.2.1.5): golden bytes,
 * round trips, and every malformed payload a peer could send. */

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>

/* Before cmocka.h, whose skip() macro would rename ByteReader::skip. */
#include "engine/bytes.h"
#include "engine/internal_records.h"

#include "cmocka_cxx.h"

using namespace p2pg;

namespace {

using Bytes = std::vector<std::uint8_t>;

/* The golden vectors spell out the layouts byte by byte with big-endian
 * integers and UTF-16 units (bytes.h kWireBigEndian): if that choice
 * changes, these are the vectors that must change. */
#define PEER_ADDRESS_A " 00 00 00 20 00 17 12 34 00 00 00 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 00"
#define PEER_ADDRESS_B " 00 00 00 20 00 17 fe dc 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 00"

std::string dump(const Bytes &b)
{
    std::string out;
    char buf[4];
    for (std::uint8_t v : b) {
        std::snprintf(buf, sizeof(buf), " %02x", v);
        out += buf;
    }
    return out;
}

void assert_bytes(const Bytes &got, const Bytes &want)
{
    if (got != want) fail_msg("got%s\nwant%s", dump(got).c_str(), dump(want).c_str());
}

sockaddr_in6 address(const char *text, std::uint16_t port)
{
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    if (inet_pton(AF_INET6, text, &a.sin6_addr) != 1) fail_msg("bad address %s", text);
    return a;
}

/* [2001:db8::1]:0x1234 and [::1]:0xfedc, as PEER_ADDRESS_A and _B. */
sockaddr_in6 address_a() { return address("2001:db8::1", 0x1234); }
sockaddr_in6 address_b() { return address("::1", 0xfedc); }

bool same_address(const sockaddr_in6 &a, const sockaddr_in6 &b)
{
    return a.sin6_family == b.sin6_family && a.sin6_port == b.sin6_port &&
           std::memcmp(&a.sin6_addr, &b.sin6_addr, 16) == 0 && a.sin6_flowinfo == b.sin6_flowinfo &&
           a.sin6_scope_id == b.sin6_scope_id;
}

void assert_addresses(const std::vector<sockaddr_in6> &got, const std::vector<sockaddr_in6> &want)
{
    assert_int_equal(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) assert_true(same_address(got[i], want[i]));
}

bool presence_ok(const Bytes &b)
{
    PresenceInfo info;
    return decode_presence(b, &info);
}

bool contact_ok(const Bytes &b)
{
    ContactInfo info;
    return decode_contact(b, &info);
}

bool signature_ok(const Bytes &b)
{
    std::uint64_t v;
    return decode_signature(b, &v);
}

/* Every proper prefix of a valid payload is rejected, and so is the payload
 * with bytes after its end. */
void assert_exact(const Bytes &valid, const std::function<bool(const Bytes &)> &decode)
{
    assert_true(decode(valid));
    for (std::size_t n = 0; n < valid.size(); ++n) {
        Bytes prefix(valid.begin(), valid.begin() + n);
        if (decode(prefix)) fail_msg("a payload cut to %zu of %zu bytes was accepted", n, valid.size());
    }
    for (const Bytes &tail : {Bytes{0}, Bytes{0, 0, 0, 0}, Bytes(32, 0)}) {
        Bytes longer = valid;
        longer.insert(longer.end(), tail.begin(), tail.end());
        if (decode(longer)) fail_msg("%zu trailing bytes were accepted", tail.size());
    }
}

void put_u32(Bytes *b, std::uint32_t v)
{
    for (int i = 3; i >= 0; --i) b->push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put_u16(Bytes *b, std::uint16_t v)
{
    b->push_back(static_cast<std::uint8_t>(v >> 8));
    b->push_back(static_cast<std::uint8_t>(v));
}

/* A Presence payload with a given Attributes Length and raw UTF-16 units
 * (a terminating NUL only if units has one), no addresses. */
Bytes presence_with_attributes(std::uint32_t length, const std::u16string &units)
{
    Bytes b = hex("00 00 00 00 00 00 00 01");
    put_u32(&b, length);
    for (char16_t c : units) put_u16(&b, c);
    put_u32(&b, 0);
    return b;
}

/* --- Signature --- */

void test_signature_golden(void **)
{
    assert_bytes(encode_signature(0x0123456789abcdefull), hex("01 23 45 67 89 ab cd ef"));
    std::uint64_t v = 0;
    assert_true(decode_signature(hex("fe dc ba 98 76 54 32 10"), &v));
    assert_true(v == 0xfedcba9876543210ull);
}

void test_signature_round_trip(void **)
{
    for (std::uint64_t s : {0ull, 1ull, 0x00ff00ff00ff00ffull, 0x8000000000000000ull, ~0ull}) {
        std::uint64_t v = 12345;
        assert_true(decode_signature(encode_signature(s), &v));
        assert_true(v == s);
    }
}

void test_signature_exact_length(void **)
{
    assert_exact(encode_signature(0x1122334455667788ull), signature_ok);
    /* A failed decode leaves the output alone. */
    std::uint64_t v = 77;
    assert_false(decode_signature(hex("01 02 03"), &v));
    assert_true(v == 77);
}

/* --- Contact --- */

void test_contact_golden(void **)
{
    ContactInfo info;
    info.signature = 0x1122334455667788ull;
    info.node_id = 0x8877665544332211ull;
    info.addresses = {address_a(), address_b()};
    const Bytes golden = hex("11 22 33 44 55 66 77 88  88 77 66 55 44 33 22 11  00 00 00 02" PEER_ADDRESS_A
                             PEER_ADDRESS_B);
    assert_bytes(encode_contact(info), golden);

    ContactInfo back;
    assert_true(decode_contact(golden, &back));
    assert_true(back.signature == info.signature);
    assert_true(back.node_id == info.node_id);
    assert_addresses(back.addresses, info.addresses);

    /* No addresses: the count alone. */
    info.addresses.clear();
    assert_bytes(encode_contact(info), hex("11 22 33 44 55 66 77 88  88 77 66 55 44 33 22 11  00 00 00 00"));
}

void test_contact_round_trip(void **)
{
    ContactInfo info;
    info.signature = ~0ull;
    info.node_id = 1;
    for (int i = 0; i < 5; ++i) {
        char text[40];
        std::snprintf(text, sizeof(text), "2001:db8::%x:%x", i, i * 7);
        info.addresses.push_back(address(text, static_cast<std::uint16_t>(i == 4 ? 65535 : i)));
    }
    ContactInfo back;
    assert_true(decode_contact(encode_contact(info), &back));
    assert_true(back.signature == info.signature && back.node_id == info.node_id);
    assert_addresses(back.addresses, info.addresses);
}

void test_contact_exact_length(void **)
{
    ContactInfo info;
    info.signature = 5;
    info.node_id = 6;
    assert_exact(encode_contact(info), contact_ok);
    info.addresses = {address_a(), address_b()};
    assert_exact(encode_contact(info), contact_ok);
}

/* --- Presence --- */

void test_presence_golden(void **)
{
    PresenceInfo info;
    info.node_id = 0x0102030405060708ull;
    info.attributes = "h\xc3\xa9"; /* "hé" */
    info.addresses = {address_a()};
    /* Attributes Length counts UTF-16 characters with the NUL. */
    const Bytes golden = hex("01 02 03 04 05 06 07 08  00 00 00 03  00 68 00 e9 00 00  00 00 00 01" PEER_ADDRESS_A);
    assert_bytes(encode_presence(info), golden);
    PresenceInfo back;
    assert_true(decode_presence(golden, &back));
    assert_true(back.node_id == info.node_id);
    assert_string_equal(back.attributes.c_str(), info.attributes.c_str());
    assert_addresses(back.addresses, info.addresses);

    /* A character outside the BMP is two UTF-16 units. */
    info.attributes = "\xf0\x9f\x98\x80"; /* U+1F600 */
    info.addresses = {address_b(), address_a()};
    assert_bytes(encode_presence(info), hex("01 02 03 04 05 06 07 08  00 00 00 03  d8 3d de 00 00 00  00 00 00 02"
                                            PEER_ADDRESS_B PEER_ADDRESS_A));
}

void test_presence_empty_attributes(void **)
{
    /* Attributes Length 0: the Attributes field is not there at all. */
    PresenceInfo info;
    info.node_id = 0xfffffffffffffffeull;
    const Bytes golden = hex("ff ff ff ff ff ff ff fe  00 00 00 00  00 00 00 00");
    assert_bytes(encode_presence(info), golden);
    PresenceInfo back;
    back.attributes = "stale";
    assert_true(decode_presence(golden, &back));
    assert_true(back.node_id == info.node_id);
    assert_true(back.attributes.empty());
    assert_true(back.addresses.empty());
    assert_exact(golden, presence_ok);

    /* Length 1 is the empty string with its NUL: accepted, and empty. */
    Bytes one = presence_with_attributes(1, std::u16string(1, u'\0'));
    assert_true(decode_presence(one, &back));
    assert_true(back.attributes.empty());
}

void test_presence_round_trip(void **)
{
    const char *samples[] = {"a", "key=value;other=\xe2\x82\xac", "<xml attr=\"1\"/>", "\xf0\x9f\x98\x80 smile"};
    for (const char *text : samples) {
        PresenceInfo info;
        info.node_id = 0x8000000000000001ull;
        info.attributes = text;
        info.addresses = {address_a(), address("2001:db8:0:1::1234", 1), address_b()};
        PresenceInfo back;
        assert_true(decode_presence(encode_presence(info), &back));
        assert_true(back.node_id == info.node_id);
        assert_string_equal(back.attributes.c_str(), text);
        assert_addresses(back.addresses, info.addresses);
    }
}

void test_presence_exact_length(void **)
{
    PresenceInfo info;
    info.node_id = 42;
    info.attributes = "attr";
    assert_exact(encode_presence(info), presence_ok);
    info.addresses = {address_a(), address_b()};
    assert_exact(encode_presence(info), presence_ok);
    info.attributes.clear();
    assert_exact(encode_presence(info), presence_ok);
}

/* Only the address itself and the port travel: flow info and scope id are
 * sent as 0 (the scope id means nothing on another machine) and come back
 * as 0. */
void test_address_fields_not_carried(void **)
{
    sockaddr_in6 a = address_a();
    a.sin6_flowinfo = htonl(0x000abcde);
    a.sin6_scope_id = 7;
    ContactInfo info;
    info.addresses = {a};
    const Bytes golden = hex("00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  00 00 00 01" PEER_ADDRESS_A);
    assert_bytes(encode_contact(info), golden);
    ContactInfo back;
    assert_true(decode_contact(golden, &back));
    assert_int_equal(back.addresses.size(), 1);
    assert_int_equal(back.addresses[0].sin6_family, AF_INET6);
    assert_int_equal(back.addresses[0].sin6_flowinfo, 0);
    assert_int_equal(back.addresses[0].sin6_scope_id, 0);
}

/* PEER_ADDRESS: Size must be 32 and the family 0x0017 (Windows' AF_INET6),
 * in both record types. */
void test_address_size_and_family(void **)
{
    ContactInfo contact;
    contact.addresses = {address_a(), address_b()};
    PresenceInfo presence;
    presence.attributes = "x";
    presence.addresses = {address_a(), address_b()};
    struct Case {
        Bytes valid;
        std::function<bool(const Bytes &)> decode;
        std::size_t first_address;
    };
    const Case cases[] = {
        {encode_contact(contact), contact_ok, 20},
        /* node id, length, "x" NUL, count */
        {encode_presence(presence), presence_ok, 8 + 4 + 4 + 4},
    };
    for (const Case &c : cases) {
        assert_true(c.decode(c.valid));
        for (std::size_t which = 0; which < 2; ++which) {
            std::size_t at = c.first_address + which * 32;
            /* Size: 28 (a bare SOCKADDR_IN6), 33, 0, 32 in the other byte order. */
            for (std::uint32_t size : {28u, 33u, 0u, 0x20000000u}) {
                Bytes b = c.valid;
                for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(size >> (8 * (3 - i)));
                if (c.decode(b)) fail_msg("address %zu with Size %#x accepted", which, size);
            }
            /* Family: AF_INET, Linux's AF_INET6, 0x17 in the other byte order, 0. */
            for (std::uint16_t family : {std::uint16_t(2), std::uint16_t(10), std::uint16_t(0x1700),
                                         std::uint16_t(0)}) {
                Bytes b = c.valid;
                b[at + 4] = static_cast<std::uint8_t>(family >> 8);
                b[at + 5] = static_cast<std::uint8_t>(family);
                if (c.decode(b)) fail_msg("address %zu with family %#x accepted", which, family);
            }
        }
    }
}

/* The address count is bounded before anything is allocated: more than
 * kMaxRecordAddresses is refused even when the bytes are all there, and a
 * count larger than the payload is refused at once. */
void test_address_count_limits(void **)
{
    ContactInfo info;
    for (std::size_t i = 0; i < kMaxRecordAddresses; ++i) info.addresses.push_back(address_b());
    Bytes full = encode_contact(info);
    ContactInfo back;
    assert_true(decode_contact(full, &back));
    assert_int_equal(back.addresses.size(), kMaxRecordAddresses);

    /* One more, written by hand (the encoder stops at the maximum). */
    Bytes over = full;
    over[19] = static_cast<std::uint8_t>(kMaxRecordAddresses + 1);
    over[18] = static_cast<std::uint8_t>((kMaxRecordAddresses + 1) >> 8);
    Bytes extra = hex(PEER_ADDRESS_B);
    over.insert(over.end(), extra.begin(), extra.end());
    assert_false(decode_contact(over, &back));

    info.addresses.push_back(address_a());
    assert_true(decode_contact(encode_contact(info), &back));
    assert_int_equal(back.addresses.size(), kMaxRecordAddresses);

    for (std::uint32_t count : {0xffffffffu, 0x7fffffffu, 3u}) {
        Bytes b = hex("00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00");
        put_u32(&b, count);
        Bytes a = hex(PEER_ADDRESS_A);
        b.insert(b.end(), a.begin(), a.end());
        if (decode_contact(b, &back)) fail_msg("count %#x with one address accepted", count);
        Bytes p = hex("00 00 00 00 00 00 00 00  00 00 00 00");
        put_u32(&p, count);
        p.insert(p.end(), a.begin(), a.end());
        if (presence_ok(p)) fail_msg("presence: count %#x with one address accepted", count);
    }
}

/* Attributes Length: at most kMaxNodeAttributeChars characters plus the
 * NUL, the NUL must be there, the units must be valid UTF-16, and a length
 * beyond the payload is refused before anything is allocated. */
void test_presence_attribute_limits(void **)
{
    PresenceInfo info;
    info.node_id = 9;
    info.attributes.assign(kMaxNodeAttributeChars, 'a');
    Bytes longest = encode_presence(info);
    assert_int_equal(longest.size(), 8 + 4 + 2 * (kMaxNodeAttributeChars + 1) + 4);
    PresenceInfo back;
    assert_true(decode_presence(longest, &back));
    assert_int_equal(back.attributes.size(), kMaxNodeAttributeChars);

    /* One character more, with all its bytes present. */
    std::u16string units(kMaxNodeAttributeChars + 1, u'a');
    units.push_back(u'\0');
    assert_false(presence_ok(presence_with_attributes(kMaxNodeAttributeChars + 2, units)));

    /* Lengths the payload cannot hold. */
    for (std::uint32_t length : {0xffffffffu, 0x80000000u, 100u})
        assert_false(presence_ok(presence_with_attributes(length, u"ab")));
    /* The length says 2 but the second unit is no NUL. */
    assert_false(presence_ok(presence_with_attributes(2, u"ab")));
    /* NUL missing at the end, with the count right behind. */
    assert_false(presence_ok(presence_with_attributes(3, u"abc")));
    /* Lone surrogates. */
    assert_false(presence_ok(presence_with_attributes(2, std::u16string{char16_t(0xd83d), u'\0'})));
    assert_false(presence_ok(presence_with_attributes(3, std::u16string{u'a', char16_t(0xde00), u'\0'})));
    /* A valid pair passes. */
    assert_true(presence_ok(presence_with_attributes(3, std::u16string{char16_t(0xd83d), char16_t(0xde00), u'\0'})));
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_golden),
        cmocka_unit_test(test_signature_round_trip),
        cmocka_unit_test(test_signature_exact_length),
        cmocka_unit_test(test_contact_golden),
        cmocka_unit_test(test_contact_round_trip),
        cmocka_unit_test(test_contact_exact_length),
        cmocka_unit_test(test_presence_golden),
        cmocka_unit_test(test_presence_empty_attributes),
        cmocka_unit_test(test_presence_round_trip),
        cmocka_unit_test(test_presence_exact_length),
        cmocka_unit_test(test_address_fields_not_carried),
        cmocka_unit_test(test_address_size_and_family),
        cmocka_unit_test(test_address_count_limits),
        cmocka_unit_test(test_presence_attribute_limits),
    };
    return cmocka_run_group_tests_name("internal_records", tests, nullptr, nullptr);
}
