/*
 * Unit tests: the MS-PPGRH wire codec (messages, records, frames)
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

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

/* Before cmocka.h, whose skip() macro would rename ByteReader::skip. */
#include "engine/bytes.h"
#include "engine/wire.h"

#include "cmocka_cxx.h"

using namespace p2pg;
using namespace p2pg::wire;

namespace {

using Bytes = std::vector<std::uint8_t>;

/* The golden vectors below spell out the spec's layouts byte by byte with
 * big-endian integers and RFC 4122-ordered GUIDs: if the byte-order choice
 * of bytes.h or wire.cpp changes, these are the tests that must change. */
#define GUID_A " 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff"
#define GUID_B " 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10"
#define ADDR_A " 00 17 12 34 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01"

const Guid kGuidA = guid("{00112233-4455-6677-8899-aabbccddeeff}");
const Guid kGuidB = guid("{01020304-0506-0708-090a-0b0c0d0e0f10}");

Guid numbered_guid(std::uint32_t n)
{
    Guid g;
    for (int i = 0; i < 4; ++i) g.bytes[i] = static_cast<std::uint8_t>(n >> (8 * i));
    g.bytes[15] = 0x5a;
    return g;
}

In6Address addr_a()
{
    In6Address a;
    a.port = 0x1234;
    a.address = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return a;
}

In6Address numbered_addr(std::uint32_t n)
{
    In6Address a;
    a.port = static_cast<std::uint16_t>(1000 + n);
    a.address[0] = 0xfe;
    a.address[1] = 0x80;
    a.address[15] = static_cast<std::uint8_t>(n);
    a.address[14] = static_cast<std::uint8_t>(n >> 8);
    return a;
}

Record sample_record()
{
    Record r;
    r.type = kGuidA;
    r.id = kGuidB;
    r.version = 1;
    r.flags = kRecordFlagAutorefresh;
    r.creator_id = "ab";
    r.creation_time = 0x10;
    r.expiration_time = 0x20;
    r.modification_time = 0x10;
    r.data = {0xde, 0xad};
    return r;
}

/* A record with every optional part present and text beyond ASCII. */
Record full_record()
{
    Record r;
    r.type = numbered_guid(7);
    r.id = numbered_guid(8);
    r.version = 42;
    r.flags = kRecordFlagAutorefresh;
    r.creator_id = "cr\xc3\xa9" "ator \xf0\x9f\x98\x80";
    r.modified_by_id = "modifier";
    r.attributes = "<attributes><attribute name=\"n\" type=\"int\">5</attribute></attributes>";
    r.creation_time = 134116992000000000LL;
    r.modification_time = r.creation_time + 5;
    r.expiration_time = r.creation_time + 3000000000LL;
    r.security_data = {1, 2, 3, 4, 5};
    r.data.assign(300, 0x77);
    return r;
}

Bytes enc(const Message &m) { return encode(m); }

DecodeError dec(const Bytes &b, Message *out = nullptr)
{
    Message scratch;
    return decode(b.data(), b.size(), out ? out : &scratch);
}

void expect_error(const Bytes &b, DecodeError want, int line)
{
    DecodeError got = dec(b);
    if (got != want) fail_msg("line %d: decode gave %s, want %s", line, decode_error_name(got), decode_error_name(want));
}
#define EXPECT_ERROR(b, e) expect_error((b), (e), __LINE__)
#define EXPECT_OK(b) expect_error((b), DecodeError::none, __LINE__)

template <typename T> T decode_as(const Bytes &b)
{
    Message m;
    DecodeError e = dec(b, &m);
    if (e != DecodeError::none) fail_msg("decode failed: %s", decode_error_name(e));
    if (!std::holds_alternative<T>(m)) fail_msg("decoded the wrong type %s", message_name(type_of(m)));
    return std::get<T>(m);
}

/* encode -> decode -> encode gives the same bytes and the same type. */
Bytes check_roundtrip(const Message &m)
{
    Bytes b = enc(m);
    Message out;
    DecodeError e = dec(b, &out);
    if (e != DecodeError::none) fail_msg("%s: decode failed: %s", message_name(type_of(m)), decode_error_name(e));
    assert_int_equal(out.index(), m.index());
    assert_true(enc(out) == b);
    return b;
}

/* Field pokes in the wire's integer byte order, whatever bytes.h says. */
void poke(Bytes &b, std::size_t offset, std::uint64_t v, int n)
{
    Bytes tmp;
    ByteWriter w(&tmp);
    if (n == 1) w.u8(static_cast<std::uint8_t>(v));
    if (n == 2) w.u16(static_cast<std::uint16_t>(v));
    if (n == 4) w.u32(static_cast<std::uint32_t>(v));
    if (n == 8) w.u64(v);
    std::memcpy(&b[offset], tmp.data(), tmp.size());
}
void poke16(Bytes &b, std::size_t o, std::uint64_t v) { poke(b, o, v, 2); }
void poke32(Bytes &b, std::size_t o, std::uint64_t v) { poke(b, o, v, 4); }
void poke64(Bytes &b, std::size_t o, std::uint64_t v) { poke(b, o, v, 8); }
/* Makes Message Size match the buffer again after a resize. */
void fix_size(Bytes &b) { poke32(b, 0, b.size()); }

Bytes header(MessageType type, std::size_t size)
{
    Bytes b(size, 0);
    poke32(b, 0, size);
    b[4] = kProtocolVersion;
    b[5] = static_cast<std::uint8_t>(type);
    return b;
}

AuthInfo sample_auth_info()
{
    AuthInfo m;
    m.graph_id = "g";
    m.source_peer_id = "src";
    m.destination_peer_id = std::string("dst");
    return m;
}

Connect sample_connect()
{
    Connect m;
    m.update = true;
    m.want_neighbors = true;
    m.node_id = 0x0102030405060708ull;
    m.addresses = {addr_a()};
    m.friendly_name = std::string("fn");
    return m;
}

Welcome sample_welcome()
{
    Welcome m;
    m.node_id = 0x1122334455667788ull;
    m.peer_time = 0x01dc000000000000LL;
    m.addresses = {addr_a()};
    m.peer_id = "p";
    return m;
}

Flood sample_flood()
{
    Flood f;
    f.record = sample_record();
    f.graph_id = "g";
    return f;
}

/* A valid message of every type with every optional part present, and the
 * prefix lengths that are themselves valid messages once Message Size is
 * cut to them (an optional trailing string dropped, open-ended payloads). */
struct Sample {
    Message message;
    std::vector<std::size_t> valid_prefixes;
    std::size_t open_from; /* every prefix from here is valid; 0 = none */
};

std::vector<Sample> samples()
{
    std::vector<Sample> s;
    s.push_back({sample_auth_info(), {22}, 0});
    s.push_back({sample_connect(), {44}, 0});
    Welcome w = sample_welcome();
    w.friendly_name = std::string("friend");
    s.push_back({w, {54}, 0});
    s.push_back({Refuse{RefuseCode::busy, {addr_a(), numbered_addr(2)}}, {}, 0});
    s.push_back({Disconnect{DisconnectReason::app_disconnect, {addr_a()}}, {}, 0});
    s.push_back({SolicitNew{TypeSelection{false, {kGuidA}}}, {}, 0});
    s.push_back({SolicitTime{TypeSelection{true, {kGuidA, kGuidB}}, 77}, {}, 0});
    SolicitHash h;
    h.types = TypeSelection{true, {kGuidB}};
    h.entries.resize(3);
    h.entries[2].record_id = kGuidA;
    s.push_back({h, {}, 0});
    Advertise a;
    a.boundaries.resize(2);
    a.boundaries[1].count = 9;
    a.abstracts = {{kGuidA, 1}, {kGuidB, 2}};
    s.push_back({a, {}, 0});
    s.push_back({Request{{{kGuidA, 3}}}, {}, 0});
    s.push_back({Request{}, {}, 16});
    Flood f;
    f.record = full_record();
    f.graph_id = "graph \xe2\x82\xac";
    s.push_back({f, {}, 0});
    s.push_back({SyncEnd{true}, {}, 0});
    s.push_back({Pt2Pt{kGuidA, {1, 2, 3, 4}}, {}, 28});
    s.push_back({Ack{{{kGuidA, true}, {kGuidB, false}}}, {}, 0});
    return s;
}

/* -------- round trips -------- */

void test_roundtrip_auth_info(void **)
{
    AuthInfo m = sample_auth_info();
    AuthInfo out = decode_as<AuthInfo>(check_roundtrip(m));
    assert_true(out.connection_type == ConnectionType::neighbor);
    assert_string_equal(out.graph_id.c_str(), "g");
    assert_string_equal(out.source_peer_id.c_str(), "src");
    assert_true(out.destination_peer_id && *out.destination_peer_id == "dst");

    m.connection_type = ConnectionType::direct;
    m.destination_peer_id.reset();
    m.graph_id = std::string(255, 'x');
    out = decode_as<AuthInfo>(check_roundtrip(m));
    assert_true(out.connection_type == ConnectionType::direct);
    assert_false(out.destination_peer_id.has_value());
    assert_int_equal(out.graph_id.size(), 255);
}

void test_roundtrip_connect(void **)
{
    Connect m = sample_connect();
    Connect out = decode_as<Connect>(check_roundtrip(m));
    assert_true(out.update && !out.direct && out.want_neighbors);
    assert_true(out.node_id == 0x0102030405060708ull);
    assert_int_equal(out.addresses.size(), 1);
    assert_true(out.addresses[0] == addr_a());
    assert_true(out.friendly_name && *out.friendly_name == "fn");

    for (int flags = 0; flags < 8; ++flags) {
        Connect c;
        c.update = flags & 1;
        c.direct = flags & 2;
        c.want_neighbors = flags & 4;
        Connect o = decode_as<Connect>(check_roundtrip(c));
        assert_true(o.update == c.update && o.direct == c.direct && o.want_neighbors == c.want_neighbors);
        assert_true(o.addresses.empty() && !o.friendly_name);
    }

    m.addresses.clear();
    for (std::uint32_t i = 0; i < 255; ++i) m.addresses.push_back(numbered_addr(i));
    m.friendly_name = std::string();
    out = decode_as<Connect>(check_roundtrip(m));
    assert_int_equal(out.addresses.size(), 255);
    assert_true(out.addresses[254] == numbered_addr(254));
    assert_true(out.friendly_name && out.friendly_name->empty());
}

void test_roundtrip_welcome(void **)
{
    Welcome m = sample_welcome();
    Welcome out = decode_as<Welcome>(check_roundtrip(m));
    assert_true(out.node_id == m.node_id && out.peer_time == m.peer_time);
    assert_true(out.addresses.size() == 1 && out.addresses[0] == addr_a());
    assert_string_equal(out.peer_id.c_str(), "p");
    assert_false(out.friendly_name.has_value());

    m.addresses.clear();
    m.friendly_name = std::string("Friendly \xc3\xa9");
    out = decode_as<Welcome>(check_roundtrip(m));
    assert_true(out.addresses.empty());
    assert_true(out.friendly_name && *out.friendly_name == "Friendly \xc3\xa9");

    for (std::uint32_t i = 0; i < 255; ++i) m.addresses.push_back(numbered_addr(i));
    out = decode_as<Welcome>(check_roundtrip(m));
    assert_int_equal(out.addresses.size(), 255);
}

void test_roundtrip_refuse_disconnect(void **)
{
    for (int code = 1; code <= 4; ++code) {
        Refuse m{static_cast<RefuseCode>(code), {}};
        Refuse out = decode_as<Refuse>(check_roundtrip(m));
        assert_int_equal(static_cast<int>(out.code), code);
        assert_true(out.addresses.empty());
    }
    for (int reason = 1; reason <= 3; ++reason) {
        Disconnect m{static_cast<DisconnectReason>(reason), {addr_a(), numbered_addr(3)}};
        Disconnect out = decode_as<Disconnect>(check_roundtrip(m));
        assert_int_equal(static_cast<int>(out.reason), reason);
        assert_true(out.addresses.size() == 2 && out.addresses[1] == numbered_addr(3));
    }
    Refuse busy{RefuseCode::busy, {}};
    for (std::uint32_t i = 0; i < 10; ++i) busy.addresses.push_back(numbered_addr(i));
    assert_int_equal(decode_as<Refuse>(check_roundtrip(busy)).addresses.size(), 10);
}

void test_roundtrip_solicit_new_time(void **)
{
    SolicitNew all;
    SolicitNew out = decode_as<SolicitNew>(check_roundtrip(all));
    assert_false(out.types.exclusion);
    assert_true(out.types.types.empty());

    SolicitNew one{TypeSelection{false, {kGuidA}}};
    out = decode_as<SolicitNew>(check_roundtrip(one));
    assert_false(out.types.exclusion);
    assert_true(out.types.types.size() == 1 && out.types.types[0] == kGuidA);

    SolicitNew many{TypeSelection{true, {}}};
    for (std::uint32_t i = 0; i < 255; ++i) many.types.types.push_back(numbered_guid(i));
    out = decode_as<SolicitNew>(check_roundtrip(many));
    assert_true(out.types.exclusion);
    assert_int_equal(out.types.types.size(), 255);
    assert_true(out.types.types[200] == numbered_guid(200));

    /* An empty exclusion list means all types and comes back as such. */
    out = decode_as<SolicitNew>(enc(SolicitNew{TypeSelection{true, {}}}));
    assert_false(out.types.exclusion);

    SolicitTime t{TypeSelection{true, {kGuidA, kGuidB}}, 134116992000000000LL};
    SolicitTime tout = decode_as<SolicitTime>(check_roundtrip(t));
    assert_true(tout.types.exclusion && tout.types.types.size() == 2);
    assert_true(tout.modification_time == 134116992000000000LL);
    t.types = TypeSelection{false, {kGuidB}};
    tout = decode_as<SolicitTime>(check_roundtrip(t));
    assert_true(!tout.types.exclusion && tout.types.types[0] == kGuidB);
}

void test_roundtrip_solicit_hash(void **)
{
    SolicitHash m;
    for (std::uint32_t i = 0; i < 1000; ++i) {
        HashInfoEntry e;
        e.hash[0] = static_cast<std::uint8_t>(i);
        e.hash[15] = 0xee;
        e.modification_time = 1000 + i;
        e.record_id = numbered_guid(i);
        m.entries.push_back(e);
    }
    SolicitHash out = decode_as<SolicitHash>(check_roundtrip(m));
    assert_int_equal(out.entries.size(), 1000);
    assert_true(out.entries[999].hash == m.entries[999].hash);
    assert_true(out.entries[999].modification_time == 1999);
    assert_true(out.entries[999].record_id == numbered_guid(999));
    assert_true(out.types.types.empty());

    m.types = TypeSelection{false, {kGuidA, kGuidB, numbered_guid(1)}};
    out = decode_as<SolicitHash>(check_roundtrip(m));
    assert_true(!out.types.exclusion && out.types.types.size() == 3);
    m.types.exclusion = true;
    m.entries.clear();
    out = decode_as<SolicitHash>(check_roundtrip(m));
    assert_true(out.types.exclusion && out.entries.empty());
}

void test_roundtrip_advertise_request(void **)
{
    Advertise empty;
    Advertise out = decode_as<Advertise>(check_roundtrip(empty));
    assert_true(out.boundaries.empty() && out.abstracts.empty());

    Advertise m;
    for (std::uint32_t i = 0; i < 100; ++i) {
        HashEntryBoundary b;
        b.lower_time = i;
        b.lower_id = numbered_guid(i);
        b.upper_time = i + 1;
        b.upper_id = numbered_guid(i + 1);
        b.count = 10;
        m.boundaries.push_back(b);
        for (std::uint32_t k = 0; k < 10; ++k) m.abstracts.push_back({numbered_guid(i * 10 + k), k + 1});
    }
    out = decode_as<Advertise>(check_roundtrip(m));
    assert_int_equal(out.boundaries.size(), 100);
    assert_int_equal(out.abstracts.size(), 1000);
    assert_true(out.boundaries[99].upper_id == numbered_guid(100) && out.boundaries[99].upper_time == 100);
    assert_true(out.abstracts[999].id == numbered_guid(999) && out.abstracts[999].version == 10);

    Request r;
    Bytes b = check_roundtrip(r);
    assert_int_equal(b.size(), 0x14); /* padded to the spec's minimum */
    assert_true(decode_as<Request>(b).abstracts.empty());
    r.abstracts = m.abstracts;
    Request rout = decode_as<Request>(check_roundtrip(r));
    assert_int_equal(rout.abstracts.size(), 1000);
    assert_true(rout.abstracts[5].id == numbered_guid(5) && rout.abstracts[5].version == 6);
}

void assert_records_equal(const Record &a, const Record &b)
{
    assert_true(a.type == b.type);
    assert_true(a.id == b.id);
    assert_int_equal(a.version, b.version);
    assert_int_equal(a.flags, b.flags);
    assert_string_equal(a.creator_id.c_str(), b.creator_id.c_str());
    assert_string_equal(a.modified_by_id.c_str(), b.modified_by_id.c_str());
    assert_string_equal(a.attributes.c_str(), b.attributes.c_str());
    assert_true(a.creation_time == b.creation_time);
    assert_true(a.expiration_time == b.expiration_time);
    assert_true(a.modification_time == b.modification_time);
    assert_true(a.security_data == b.security_data);
    assert_true(a.data == b.data);
}

void test_roundtrip_flood(void **)
{
    Flood m;
    m.record = full_record();
    m.graph_id = "graph \xe2\x82\xac";
    Flood out = decode_as<Flood>(check_roundtrip(m));
    assert_records_equal(out.record, m.record);
    assert_string_equal(out.graph_id.c_str(), m.graph_id.c_str());

    /* A deleted record: no payload, no attributes. */
    m.record.flags = kRecordFlagDeleted;
    m.record.data.clear();
    m.record.attributes.clear();
    out = decode_as<Flood>(check_roundtrip(m));
    assert_true(out.record.deleted() && !out.record.autorefresh());
    assert_records_equal(out.record, m.record);

    /* A large payload spans many frames' worth of bytes. */
    m.record = sample_record();
    m.record.data.assign(1 << 20, 0x42);
    out = decode_as<Flood>(check_roundtrip(m));
    assert_true(out.record.data == m.record.data);
}

void test_roundtrip_record(void **)
{
    Record r = full_record();
    Bytes b;
    encode_record(r, "G\xf0\x9f\x98\x80", &b);
    Record out;
    std::string graph;
    assert_int_equal(static_cast<int>(decode_record(b.data(), b.size(), &out, &graph)), 0);
    assert_records_equal(out, r);
    assert_string_equal(graph.c_str(), "G\xf0\x9f\x98\x80");

    /* encode_record appends. */
    Bytes twice = {0xaa};
    encode_record(r, "G\xf0\x9f\x98\x80", &twice);
    assert_int_equal(twice.size(), b.size() + 1);
    assert_true(std::equal(b.begin(), b.end(), twice.begin() + 1));

    /* Longest IDs: 255 characters plus the NUL. */
    r.creator_id = std::string(255, 'c');
    r.modified_by_id = std::string(255, 'm');
    b.clear();
    encode_record(r, std::string(255, 'g'), &b);
    assert_int_equal(static_cast<int>(decode_record(b.data(), b.size(), &out, &graph)), 0);
    assert_int_equal(out.creator_id.size(), 255);
    assert_int_equal(graph.size(), 255);
}

void test_roundtrip_sync_end_pt2pt_ack(void **)
{
    assert_true(decode_as<SyncEnd>(check_roundtrip(SyncEnd{true})).final);
    assert_false(decode_as<SyncEnd>(check_roundtrip(SyncEnd{false})).final);

    Pt2Pt ping{guid("{0ccbb0d2-be41-4bd6-914b-058ec5dcce64}"), {}};
    Bytes b = check_roundtrip(ping);
    assert_int_equal(b.size(), 28);
    Pt2Pt out = decode_as<Pt2Pt>(b);
    assert_true(out.data_type == ping.data_type && out.payload.empty());

    Pt2Pt big{kGuidB, Bytes(100000)};
    for (std::size_t i = 0; i < big.payload.size(); ++i) big.payload[i] = static_cast<std::uint8_t>(i * 7);
    out = decode_as<Pt2Pt>(check_roundtrip(big));
    assert_true(out.payload == big.payload);

    Ack none;
    assert_true(decode_as<Ack>(check_roundtrip(none)).entries.empty());
    Ack many;
    for (std::uint32_t i = 0; i < 0xffff; ++i) many.entries.push_back({numbered_guid(i), (i % 3) == 0});
    Ack aout = decode_as<Ack>(check_roundtrip(many));
    assert_int_equal(aout.entries.size(), 0xffff);
    assert_true(aout.entries[3].useful && !aout.entries[4].useful);
    assert_true(aout.entries[0xfffe].record_id == numbered_guid(0xfffe));
}

void test_roundtrip_all_samples(void **)
{
    for (const Sample &s : samples()) check_roundtrip(s.message);
}

/* -------- golden vectors: hand-assembled from MS-PPGRH 2.2 -------- */

void check_golden(const Message &m, const Bytes &want)
{
    Bytes got = enc(m);
    if (got != want) {
        for (std::size_t i = 0; i < std::max(got.size(), want.size()); ++i)
            if (i >= got.size() || i >= want.size() || got[i] != want[i])
                fail_msg("%s: byte %zu differs (size %zu, want %zu)", message_name(type_of(m)), i, got.size(),
                         want.size());
    }
    Message out;
    assert_int_equal(static_cast<int>(dec(want, &out)), 0);
    assert_true(enc(out) == want);
}

void test_golden_auth_info(void **)
{
    Bytes want = hex("00 00 00 1a 10 01 00 00  01 00 00 10 00 12 00 16  67 00  73 72 63 00  64 73 74 00");
    check_golden(sample_auth_info(), want);
    AuthInfo out = decode_as<AuthInfo>(want);
    assert_string_equal(out.source_peer_id.c_str(), "src");

    AuthInfo direct;
    direct.connection_type = ConnectionType::direct;
    direct.graph_id = "g";
    direct.source_peer_id = "s";
    check_golden(direct, hex("00 00 00 14 10 01 00 00  02 00 00 10 00 12 00 14  67 00 73 00"));
}

void test_golden_connect(void **)
{
    Bytes want = hex("00 00 00 2f 10 02 00 00  09 01 00 18 00 2c 00 00  01 02 03 04 05 06 07 08" ADDR_A
                     " 66 6e 00");
    check_golden(sample_connect(), want);
    Connect out = decode_as<Connect>(want);
    assert_true(out.addresses[0].port == 0x1234 && out.addresses[0].address[0] == 0x20);
    /* D is 0x04. */
    Connect direct;
    direct.direct = true;
    check_golden(direct, hex("00 00 00 18 10 02 00 00  04 00 00 18 00 18 00 00  00 00 00 00 00 00 00 00"));
}

void test_golden_welcome(void **)
{
    Bytes want = hex("00 00 00 36 10 03 00 00  11 22 33 44 55 66 77 88  01 dc 00 00 00 00 00 00"
                     "  01 00 00 20 00 34 00 36" ADDR_A " 70 00");
    check_golden(sample_welcome(), want);
    /* No referrals: Address Count 0 and Address Offset 0 (3.1.5.2.1). */
    Welcome direct;
    direct.node_id = 1;
    direct.peer_time = 2;
    direct.peer_id = "p";
    direct.friendly_name = std::string("f");
    check_golden(direct, hex("00 00 00 24 10 03 00 00  00 00 00 00 00 00 00 01  00 00 00 00 00 00 00 02"
                             "  00 00 00 00 00 20 00 22  70 00 66 00"));
}

void test_golden_refuse_disconnect(void **)
{
    check_golden(Refuse{RefuseCode::direct_connection_disallowed, {}}, hex("00 00 00 0c 10 04 00 00 04 00 00 00"));
    check_golden(Refuse{RefuseCode::busy, {addr_a()}}, hex("00 00 00 20 10 04 00 00 01 01 00 0c" ADDR_A));
    /* No addresses: Address Offset is the message size (3.1.7.25). */
    check_golden(Disconnect{DisconnectReason::least_useful, {}}, hex("00 00 00 0c 10 05 00 00 02 00 00 0c"));
    check_golden(Disconnect{DisconnectReason::leaving, {addr_a()}},
                 hex("00 00 00 20 10 05 00 00 01 01 00 0c" ADDR_A));
}

void test_golden_solicit(void **)
{
    check_golden(SolicitNew{TypeSelection{false, {kGuidA}}}, hex("00 00 00 1c 10 06 00 00 01 00 00 0c" GUID_A));
    check_golden(SolicitNew{}, hex("00 00 00 0c 10 06 00 00 00 00 00 0c"));
    check_golden(SolicitTime{TypeSelection{true, {kGuidA, kGuidB}}, 0x0102030405060708LL},
                 hex("00 00 00 34 10 07 00 00 00 02 00 14 01 02 03 04 05 06 07 08" GUID_A GUID_B));
    SolicitHash h;
    HashInfoEntry e;
    for (int i = 0; i < 16; ++i) e.hash[i] = static_cast<std::uint8_t>(0xa0 + i);
    e.modification_time = 0x0a0b0c0d0e0f1011LL;
    e.record_id = kGuidA;
    h.entries.push_back(e);
    check_golden(h, hex("00 00 00 3c 10 08 00 00  00 00 00 14  00 00 00 01  00 14 00 00"
                        "  a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab ac ad ae af  0a 0b 0c 0d 0e 0f 10 11" GUID_A));
    h.types = TypeSelection{false, {kGuidB}};
    h.entries.clear();
    check_golden(h, hex("00 00 00 24 10 08 00 00  01 00 00 14  00 00 00 00  00 24 00 00" GUID_B));
}

void test_golden_advertise_request(void **)
{
    Advertise a;
    a.boundaries.push_back({1, kGuidA, 2, kGuidB, 3});
    a.abstracts.push_back({kGuidA, 7});
    check_golden(a, hex("00 00 00 60 10 09 00 00  00 00 00 01  00 00 00 01  00 18 00 00  00 00 00 4c"
                        "  00 00 00 00 00 00 00 01" GUID_A " 00 00 00 00 00 00 00 02" GUID_B " 00 00 00 03"
                        GUID_A " 00 00 00 07"));
    check_golden(Request{{{kGuidA, 5}}}, hex("00 00 00 24 10 0a 00 00  00 00 00 01  00 00 00 10" GUID_A " 00 00 00 05"));
    check_golden(Request{}, hex("00 00 00 14 10 0a 00 00  00 00 00 00  00 00 00 10  00 00 00 00"));
}

#define RECORD_GOLDEN                                                                                                 \
    GUID_A GUID_B " 00 00 00 01  00 00 00 01  00 00 00 03 00 61 00 62 00 00  00 00 00 00  00 00 00 00"               \
                  "  00 00 00 00 00 00 00 10  00 00 00 00 00 00 00 20  00 00 00 00 00 00 00 10"                       \
                  "  00 00 00 02 00 67 00 00  01 00  00 00 00 02 de ad  00 00 00 00"

void test_golden_flood(void **)
{
    Bytes want = hex("00 00 00 72 10 0b 00 00  00 0c 00 00" RECORD_GOLDEN);
    check_golden(sample_flood(), want);
    Flood out = decode_as<Flood>(want);
    assert_records_equal(out.record, sample_record());
    assert_string_equal(out.graph_id.c_str(), "g");

    Bytes record = hex(RECORD_GOLDEN);
    assert_int_equal(record.size(), 102);
    Bytes b;
    encode_record(sample_record(), "g", &b);
    assert_true(b == record);

    /* Deleted is 0x02 in the low byte of the dwFlags word at offset 36. */
    Record r = sample_record();
    r.flags = kRecordFlagDeleted;
    r.data.clear();
    b.clear();
    encode_record(r, "g", &b);
    assert_int_equal(b[39], 0x02);
    assert_int_equal(b[36] | b[37] | b[38], 0);
}

void test_golden_sync_end_pt2pt_ack(void **)
{
    check_golden(SyncEnd{true}, hex("00 00 00 0c 10 0c 00 00 01 00 00 00"));
    check_golden(SyncEnd{false}, hex("00 00 00 0c 10 0c 00 00 00 00 00 00"));
    check_golden(Pt2Pt{kGuidA, {1, 2, 3}}, hex("00 00 00 1f 10 0d 00 00 00 1c 00 00" GUID_A " 01 02 03"));
    check_golden(Ack{{{kGuidA, true}, {kGuidB, false}}},
                 hex("00 00 00 34 10 0e 00 00 00 02 00 0c" GUID_A " 00 00 00 01" GUID_B " 00 00 00 00"));
}

void test_golden_frames(void **)
{
    Bytes message = hex("00 00 00 0c 10 0c 00 00 01 00 00 00");
    Bytes out = {0xff};
    append_frames(message, 5, &out);
    assert_true(out == hex("ff  00 05 00 00 00 0c 10  00 05 0c 00 00 01 00  00 02 00 00"));
    out.clear();
    append_frames(message, kDefaultFrameSize, &out);
    assert_true(out == hex("00 0c 00 00 00 0c 10 0c 00 00 01 00 00 00"));
}

/* -------- the header -------- */

void test_header_short(void **)
{
    Bytes b = enc(SyncEnd{});
    for (std::size_t n = 0; n < kHeaderSize; ++n) {
        Bytes cut(b.begin(), b.begin() + n);
        EXPECT_ERROR(cut, DecodeError::truncated);
    }
    Message m;
    assert_int_equal(static_cast<int>(decode(nullptr, 0, &m)), static_cast<int>(DecodeError::truncated));
}

void test_header_size_field(void **)
{
    Bytes b = enc(SyncEnd{});
    for (std::uint32_t size : {0u, 7u, 8u, 11u, 13u, 0xffffffffu}) {
        poke32(b, 0, size);
        EXPECT_ERROR(b, DecodeError::bad_size);
    }
    /* A buffer longer than the message it holds. */
    b = enc(SyncEnd{});
    b.push_back(0);
    EXPECT_ERROR(b, DecodeError::bad_size);
}

void test_header_oversize(void **)
{
    Bytes b = header(MessageType::pt2pt, kMaxMessageSize + 1);
    poke16(b, 8, 28);
    EXPECT_ERROR(b, DecodeError::bad_size);
    b.pop_back();
    fix_size(b);
    EXPECT_OK(b); /* exactly the maximum */
}

void test_header_version_type(void **)
{
    Bytes b = enc(SyncEnd{});
    for (int v : {0x00, 0x01, 0x11, 0x20, 0xff}) {
        b[4] = static_cast<std::uint8_t>(v);
        EXPECT_ERROR(b, DecodeError::bad_version);
    }
    b[4] = kProtocolVersion;
    for (int t : {0x00, 0x0f, 0x10, 0x80, 0xff}) {
        b[5] = static_cast<std::uint8_t>(t);
        EXPECT_ERROR(b, DecodeError::bad_type);
    }
    /* Reserved is ignored. */
    b = enc(SyncEnd{});
    poke16(b, 6, 0xffff);
    EXPECT_OK(b);
}

void test_min_sizes(void **)
{
    /* The spec's minimum Message Size of each type (3.1.5.x), but 16 for
     * REQUEST and 28 for PT2PT (see wire.cpp). */
    static const struct {
        MessageType type;
        std::size_t min;
    } mins[] = {
        {MessageType::auth_info, 0x10},   {MessageType::connect, 0x18},      {MessageType::welcome, 0x20},
        {MessageType::refuse, 0x0c},      {MessageType::disconnect, 0x0c},   {MessageType::solicit_new, 0x0c},
        {MessageType::solicit_time, 20},  {MessageType::solicit_hash, 0x14}, {MessageType::advertise, 0x18},
        {MessageType::request, 16},       {MessageType::flood, 0x10},        {MessageType::sync_end, 0x0c},
        {MessageType::pt2pt, 28},         {MessageType::ack, 0x0c},
    };
    for (const auto &m : mins)
        for (std::size_t size = kHeaderSize; size < m.min; ++size) {
            Bytes b = header(m.type, size);
            DecodeError e = dec(b);
            if (e != DecodeError::bad_size)
                fail_msg("%s of %zu bytes: %s", message_name(m.type), size, decode_error_name(e));
        }
    /* At the minimum the all-zero forms of these are valid. */
    EXPECT_OK(header(MessageType::solicit_new, 0x0c));
    EXPECT_OK(header(MessageType::solicit_time, 20));
    EXPECT_OK(header(MessageType::solicit_hash, 0x14));
    EXPECT_OK(header(MessageType::advertise, 0x18));
    EXPECT_OK(header(MessageType::request, 16));
    EXPECT_OK(header(MessageType::sync_end, 0x0c));
    EXPECT_OK(header(MessageType::pt2pt, 28));
    EXPECT_OK(header(MessageType::ack, 0x0c));
}

/* -------- truncations -------- */

void test_truncations(void **)
{
    for (const Sample &s : samples()) {
        Bytes b = enc(s.message);
        for (std::size_t n = 0; n < b.size(); ++n) {
            Bytes cut(b.begin(), b.begin() + n);
            if (dec(cut) == DecodeError::none) fail_msg("%s cut to %zu decoded", message_name(type_of(s.message)), n);
        }
    }
}

/* Cut, and Message Size made to agree: the per-message rules must catch it. */
void test_truncations_with_size(void **)
{
    for (const Sample &s : samples()) {
        Bytes b = enc(s.message);
        for (std::size_t n = kHeaderSize; n < b.size(); ++n) {
            Bytes cut(b.begin(), b.begin() + n);
            fix_size(cut);
            Message out = SyncEnd{};
            DecodeError e = dec(cut, &out);
            bool valid = (s.open_from && n >= s.open_from) ||
                         std::find(s.valid_prefixes.begin(), s.valid_prefixes.end(), n) != s.valid_prefixes.end();
            if (valid && e != DecodeError::none)
                fail_msg("%s cut to %zu: %s", message_name(type_of(s.message)), n, decode_error_name(e));
            if (!valid && e == DecodeError::none)
                fail_msg("%s cut to %zu decoded", message_name(type_of(s.message)), n);
            if (!valid) assert_true(std::holds_alternative<SyncEnd>(out)); /* untouched */
        }
    }
}

void test_record_truncations(void **)
{
    Bytes b;
    encode_record(full_record(), "graph", &b);
    for (std::size_t n = 0; n < b.size(); ++n) {
        Record r;
        r.version = 99;
        std::string g = "unchanged";
        DecodeError e = decode_record(b.data(), n, &r, &g);
        if (e == DecodeError::none) fail_msg("record cut to %zu decoded", n);
        assert_int_equal(r.version, 99);
        assert_string_equal(g.c_str(), "unchanged");
    }
    /* Bytes after the Attributes are not the record's. */
    b.push_back(0x55);
    Record r;
    std::string g;
    assert_int_equal(static_cast<int>(decode_record(b.data(), b.size(), &r, &g)), 0);
}

/* -------- AUTH_INFO (3.1.5.1.1) -------- */

void test_auth_info_connection_type(void **)
{
    Bytes b = enc(sample_auth_info());
    for (int t : {0, 3, 0xff}) {
        b[8] = static_cast<std::uint8_t>(t);
        EXPECT_ERROR(b, DecodeError::bad_field);
    }
    b[8] = 2;
    b[9] = 0xee; /* Reserved2 ignored */
    EXPECT_OK(b);
}

void test_auth_info_offsets(void **)
{
    const Bytes good = enc(sample_auth_info()); /* 16: g, 18: src, 22: dst, 26 */
    Bytes b = good;
    poke16(b, 10, 18); /* Graph ID Offset == Source Peer ID Offset */
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke16(b, 12, 22); /* Source == Destination */
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke16(b, 14, 27); /* Destination past the end */
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke16(b, 10, 0xffff);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    /* Destination Offset == Message Size: no destination. */
    b = good;
    b.resize(22);
    fix_size(b);
    poke16(b, 14, 22);
    assert_false(decode_as<AuthInfo>(b).destination_peer_id.has_value());
}

void test_auth_info_strings(void **)
{
    AuthInfo m = sample_auth_info();
    m.graph_id.clear();
    EXPECT_ERROR(enc(m), DecodeError::bad_string);
    m = sample_auth_info();
    m.source_peer_id.clear();
    EXPECT_ERROR(enc(m), DecodeError::bad_string);
    m = sample_auth_info();
    m.destination_peer_id = std::string();
    EXPECT_ERROR(enc(m), DecodeError::bad_string);

    /* The Graph ID's NUL must come before the Source Peer ID Offset. */
    Bytes b = enc(sample_auth_info());
    b[17] = 'x';
    EXPECT_ERROR(b, DecodeError::bad_string);
    /* ... and the destination's before the end. */
    b = enc(sample_auth_info());
    b.back() = 'x';
    EXPECT_ERROR(b, DecodeError::bad_string);
    /* Not UTF-8. */
    b = enc(sample_auth_info());
    b[19] = 0xff;
    EXPECT_ERROR(b, DecodeError::bad_string);
    b[19] = 0xc3; /* a cut sequence */
    EXPECT_ERROR(b, DecodeError::bad_string);
}

void test_auth_info_padding_after_nul(void **)
{
    /* Bytes between a string's NUL and the next offset are ignored. */
    Bytes b = hex("00 00 00 1e 10 01 00 00  01 00 00 10 00 14 00 1a  67 00 ee ee  73 72 63 00 00 00  64 73 74 00");
    AuthInfo out = decode_as<AuthInfo>(b);
    assert_string_equal(out.graph_id.c_str(), "g");
    assert_string_equal(out.source_peer_id.c_str(), "src");
    assert_string_equal(out.destination_peer_id->c_str(), "dst");
}

void test_message_string_length(void **)
{
    AuthInfo m = sample_auth_info();
    m.source_peer_id = std::string(255, 's');
    EXPECT_OK(enc(m));
    m.source_peer_id = std::string(256, 's');
    EXPECT_ERROR(enc(m), DecodeError::bad_string);
    /* Counted in UTF-16 units: 127 emoji are 254 units, 128 are 256. */
    std::string emoji;
    for (int i = 0; i < 127; ++i) emoji += "\xf0\x9f\x98\x80";
    m.source_peer_id = emoji;
    EXPECT_OK(enc(m));
    m.source_peer_id = emoji + "\xf0\x9f\x98\x80";
    EXPECT_ERROR(enc(m), DecodeError::bad_string);
    /* 255 three-byte characters: the longest a string can be in bytes. */
    std::string euro;
    for (int i = 0; i < 255; ++i) euro += "\xe2\x82\xac";
    m.source_peer_id = euro;
    assert_true(decode_as<AuthInfo>(enc(m)).source_peer_id == euro);
    /* A friendly name has the same limit. */
    Connect c;
    c.friendly_name = std::string(300, 'f');
    EXPECT_ERROR(enc(c), DecodeError::bad_string);
}

/* -------- CONNECT (3.1.5.2.1) -------- */

void test_connect_offsets(void **)
{
    const Bytes good = enc(sample_connect()); /* addresses at 24, name at 44, size 47 */
    Bytes b = good;
    b[9] = 2; /* 2 * 20 + 24 > 47 */
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke16(b, 10, 28); /* 28 + 20 = 48 > 47 */
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke16(b, 12, 43); /* Friendly Name Offset inside the addresses */
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke16(b, 12, 48); /* past the end */
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke16(b, 10, 0xffff);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    /* Friendly Name Offset == size: no name. */
    b = good;
    poke16(b, 12, 47);
    assert_false(decode_as<Connect>(b).friendly_name.has_value());
    /* No address and Address Offset 0, as some senders write it. */
    Bytes none = enc(Connect{});
    poke16(none, 10, 0);
    assert_true(decode_as<Connect>(none).addresses.empty());
    /* A name without its NUL. */
    b = good;
    b.back() = 'x';
    EXPECT_ERROR(b, DecodeError::bad_string);
}

void test_connect_flags_and_family(void **)
{
    Bytes b = enc(Connect{});
    b[8] = 0xf2; /* only reserved bits */
    Connect out = decode_as<Connect>(b);
    assert_true(!out.update && !out.direct && !out.want_neighbors);
    b[8] = 0x08;
    assert_true(decode_as<Connect>(b).update);
    b[8] = 0x04;
    assert_true(decode_as<Connect>(b).direct);
    b[8] = 0x01;
    assert_true(decode_as<Connect>(b).want_neighbors);
    poke16(b, 14, 0xffff); /* Reserved2 ignored */
    EXPECT_OK(b);

    b = enc(sample_connect());
    for (std::uint16_t family : {0x0000, 0x000a, 0x1700, 0x0018}) {
        poke16(b, 24, family);
        EXPECT_ERROR(b, DecodeError::bad_field);
    }
}

/* -------- WELCOME (3.1.5.2.2) -------- */

void test_welcome_offsets(void **)
{
    Welcome w = sample_welcome();
    w.friendly_name = std::string("f");
    const Bytes good = enc(w); /* addresses 32, peer 52, name 54, size 56 */
    Bytes b = good;
    b[24] = 2; /* 2 * 20 + 32 = 72 >= 56 */
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke16(b, 28, 51); /* Peer ID inside the addresses */
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke16(b, 30, 52); /* Friendly Name Offset == Peer ID Offset */
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke16(b, 30, 57);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    /* Address array ending exactly at the size: no room for the Peer ID. */
    b = header(MessageType::welcome, 52);
    b[24] = 1;
    poke16(b, 26, 32);
    poke16(b, 28, 52);
    poke16(b, 30, 52);
    poke16(b, 32, kAddressFamily);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    /* Peer ID running to the Friendly Name Offset without a NUL. */
    b = good;
    b[53] = 'x';
    EXPECT_ERROR(b, DecodeError::bad_string);
    b = good;
    b[25] = 0x77; /* Reserved2 ignored */
    EXPECT_OK(b);
}

void test_welcome_peer_id(void **)
{
    Welcome w = sample_welcome();
    w.peer_id.clear();
    EXPECT_ERROR(enc(w), DecodeError::bad_string);
    w = sample_welcome();
    Bytes b = enc(w);
    poke16(b, 32, 0x0018);
    EXPECT_ERROR(b, DecodeError::bad_field);
    w.friendly_name = std::string("ok");
    b = enc(w);
    b.back() = '!';
    EXPECT_ERROR(b, DecodeError::bad_string);
}

/* -------- REFUSE and DISCONNECT (3.1.5.2.3/4) -------- */

void test_refuse_rules(void **)
{
    Bytes b = enc(Refuse{RefuseCode::busy, {addr_a()}});
    for (int code : {0, 5, 0xff}) {
        b[8] = static_cast<std::uint8_t>(code);
        EXPECT_ERROR(b, DecodeError::bad_field);
    }
    b[8] = 1;
    b[9] = 2;
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b[9] = 1;
    poke16(b, 10, 13);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = enc(Refuse{RefuseCode::busy, {addr_a()}});
    poke16(b, 12, 0x0006);
    EXPECT_ERROR(b, DecodeError::bad_field);
}

void test_disconnect_rules(void **)
{
    Bytes b = enc(Disconnect{DisconnectReason::leaving, {}});
    for (int reason : {0, 4, 0x80}) {
        b[8] = static_cast<std::uint8_t>(reason);
        EXPECT_ERROR(b, DecodeError::bad_field);
    }
    b[8] = 3;
    EXPECT_OK(b);
    b[9] = 1;
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b[9] = 255;
    poke16(b, 10, 0xffff);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    /* Count 0: any offset up to the size is fine (0 or the size). */
    b[9] = 0;
    poke16(b, 10, 0);
    EXPECT_OK(b);
    poke16(b, 10, 13);
    EXPECT_ERROR(b, DecodeError::bad_offset);
}

/* -------- SOLICIT_* (3.1.5.2.5-7) -------- */

void test_solicit_new_rules(void **)
{
    Bytes b = enc(SolicitNew{TypeSelection{false, {kGuidA}}});
    b[9] = 1; /* both counts */
    EXPECT_ERROR(b, DecodeError::bad_field);
    /* Inclusion Count 2 breaks "0 or 1" even when the GUIDs are there. */
    b = enc(SolicitNew{TypeSelection{true, {kGuidA, kGuidB}}});
    b[8] = 2;
    b[9] = 0;
    EXPECT_ERROR(b, DecodeError::bad_field);
    b[8] = 0;
    b[9] = 3; /* 3 * 16 + 12 > 44 */
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b[9] = 2;
    poke16(b, 10, 13);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    poke16(b, 10, 0xffff);
    EXPECT_ERROR(b, DecodeError::bad_offset);
}

void test_solicit_time_rules(void **)
{
    Bytes b = enc(SolicitTime{TypeSelection{false, {kGuidA}}, 5});
    b[9] = 1;
    EXPECT_ERROR(b, DecodeError::bad_field);
    b = enc(SolicitTime{TypeSelection{true, {kGuidA, kGuidB}}, 5});
    b[8] = 2;
    b[9] = 0;
    EXPECT_ERROR(b, DecodeError::bad_field);
    b[8] = 0;
    b[9] = 3;
    EXPECT_ERROR(b, DecodeError::bad_offset);
    /* Any Modification Time is a time. */
    b[9] = 2;
    poke64(b, 12, 0xffffffffffffffffull);
    EXPECT_OK(b);
}

void test_solicit_hash_rules(void **)
{
    SolicitHash m;
    m.types = TypeSelection{false, {kGuidA, kGuidB}};
    m.entries.resize(2);
    const Bytes good = enc(m); /* types at 20, entries at 52, size 132 */
    Bytes b = good;
    b[9] = 1;
    EXPECT_ERROR(b, DecodeError::bad_field);
    /* No 0-or-1 rule for SOLICIT_HASH's inclusion list. */
    b = good;
    assert_int_equal(decode_as<SolicitHash>(b).types.types.size(), 2);
    /* Record types running into the hash entries. */
    b = good;
    poke16(b, 16, 51);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke16(b, 10, 21);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    /* Hash Count * 40 + Hash Entry Offset past the end, and huge. */
    b = good;
    poke32(b, 12, 3);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    for (std::uint32_t count : {0xffffffffu, 0x80000000u, 0x06666667u}) {
        poke32(b, 12, count);
        EXPECT_ERROR(b, DecodeError::bad_offset);
    }
    b = good;
    poke16(b, 16, 0xffff);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke16(b, 18, 0xabcd); /* Reserved2 ignored */
    EXPECT_OK(b);
}

/* -------- ADVERTISE and REQUEST (3.1.5.2.8/9) -------- */

void test_advertise_rules(void **)
{
    Advertise m;
    m.boundaries.resize(2);
    m.abstracts.resize(3);
    const Bytes good = enc(m); /* boundaries at 24, abstracts at 128, size 188 */
    Bytes b = good;
    poke16(b, 16, 129); /* Boundary Offset > Abstracts Offset */
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke32(b, 20, 189); /* Abstracts Offset > size */
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke32(b, 20, 127); /* boundaries run into the abstracts */
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke32(b, 12, 4); /* abstracts run past the end */
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke32(b, 8, 3);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    for (std::uint32_t count : {0xffffffffu, 0x4ec4ec4fu}) {
        b = good;
        poke32(b, 8, count);
        EXPECT_ERROR(b, DecodeError::bad_offset);
        b = good;
        poke32(b, 12, count);
        EXPECT_ERROR(b, DecodeError::bad_offset);
    }
    b = good;
    poke32(b, 20, 0xffffffffu);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke16(b, 18, 0x1234);
    EXPECT_OK(b);
}

void test_request_rules(void **)
{
    /* 16 bytes (the fixed part) is accepted although 3.1.5.2.9 says 0x14. */
    Bytes b = header(MessageType::request, 16);
    poke32(b, 12, 16);
    assert_true(decode_as<Request>(b).abstracts.empty());
    b = enc(Request{{{kGuidA, 1}, {kGuidB, 2}}});
    poke32(b, 12, b.size() + 1);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = enc(Request{{{kGuidA, 1}, {kGuidB, 2}}});
    poke32(b, 8, 3);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    for (std::uint32_t count : {0xffffffffu, 0xccccccccu}) {
        poke32(b, 8, count);
        EXPECT_ERROR(b, DecodeError::bad_offset);
    }
    b = enc(Request{{{kGuidA, 1}}});
    poke32(b, 12, 0xffffffffu);
    EXPECT_ERROR(b, DecodeError::bad_offset);
}

/* -------- FLOOD and records (3.1.5.2.10, 2.2.1.9, 3.1.7.27) -------- */

void test_flood_rules(void **)
{
    const Bytes good = enc(sample_flood());
    Bytes b = good;
    poke16(b, 8, b.size() + 1);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    b = good;
    poke16(b, 10, 1); /* Reserved2 MUST be zero (3.1.5.2.10) */
    EXPECT_ERROR(b, DecodeError::bad_field);
    b = good;
    poke16(b, 6, 0xffff); /* Reserved1 is ignored */
    EXPECT_OK(b);
    /* Record Offset == size: an empty record. */
    b = good;
    poke16(b, 8, b.size());
    EXPECT_ERROR(b, DecodeError::bad_record);
    /* Any record problem is bad_record: 3.1.7.27 discards the record. */
    b = good;
    b[12 + 42] = 0x01; /* Creator ID Length 259 */
    EXPECT_ERROR(b, DecodeError::bad_record);
    b = good;
    b.back() = 1; /* Attributes Length 1 with no characters */
    EXPECT_ERROR(b, DecodeError::bad_record);
    /* The record may start later than 12. */
    b = good;
    b.insert(b.begin() + 12, {0xaa, 0xbb});
    fix_size(b);
    poke16(b, 8, 14);
    assert_records_equal(decode_as<Flood>(b).record, sample_record());
}

/* The bytes of the golden record with one change. */
Bytes record_bytes(const Record &r, const std::string &graph = "g")
{
    Bytes b;
    encode_record(r, graph, &b);
    return b;
}

DecodeError decode_record_bytes(const Bytes &b)
{
    Record r;
    std::string g;
    return decode_record(b.data(), b.size(), &r, &g);
}

void expect_record_error(const Bytes &b, DecodeError want, int line)
{
    DecodeError got = decode_record_bytes(b);
    if (got != want)
        fail_msg("line %d: decode_record gave %s, want %s", line, decode_error_name(got), decode_error_name(want));
    /* Inside a FLOOD every record failure is bad_record. */
    Bytes flood = hex("00 00 00 00 10 0b 00 00 00 0c 00 00");
    flood.insert(flood.end(), b.begin(), b.end());
    fix_size(flood);
    if (flood.size() < 0x10) return; /* a FLOOD's own minimum */
    DecodeError in_flood = dec(flood);
    if ((want == DecodeError::none) != (in_flood == DecodeError::none) ||
        (want != DecodeError::none && in_flood != DecodeError::bad_record))
        fail_msg("line %d: FLOOD gave %s", line, decode_error_name(in_flood));
}
#define EXPECT_RECORD(b, e) expect_record_error((b), (e), __LINE__)

/* Offsets in the golden record ("ab", no Last Modified By, no security data,
 * graph "g", 2 payload bytes). */
constexpr std::size_t kRecCreatorLen = 40, kRecModifiedLen = 50, kRecSecurity = 54, kRecCreation = 58,
                      kRecExpiration = 66, kRecModification = 74, kRecGraphLen = 82, kRecProtocol = 90,
                      kRecPayloadSize = 92, kRecAttributesLen = 98;

void test_record_min_size(void **)
{
    for (std::size_t n = 0; n < 90; ++n) {
        Bytes b(n, 0);
        EXPECT_RECORD(b, DecodeError::truncated);
    }
    /* 90 bytes of zeros: Creator ID Length 0. */
    EXPECT_RECORD(Bytes(90, 0), DecodeError::bad_record);
}

void test_record_lengths(void **)
{
    const Bytes good = record_bytes(sample_record());
    EXPECT_RECORD(good, DecodeError::none);
    for (std::uint32_t len : {0u, 1u, 257u, 0xffffffffu}) {
        Bytes b = good;
        poke32(b, kRecCreatorLen, len);
        EXPECT_RECORD(b, DecodeError::bad_record);
        b = good;
        poke32(b, kRecGraphLen, len);
        EXPECT_RECORD(b, DecodeError::bad_record);
    }
    for (std::uint32_t len : {1u, 257u, 0x80000000u}) {
        Bytes b = good;
        poke32(b, kRecModifiedLen, len);
        EXPECT_RECORD(b, DecodeError::bad_record);
    }
    /* 256 characters with the NUL is the most; 257 is refused. */
    Record r = sample_record();
    r.creator_id = std::string(255, 'c');
    EXPECT_RECORD(record_bytes(r), DecodeError::none);
    r.creator_id = std::string(256, 'c');
    EXPECT_RECORD(record_bytes(r), DecodeError::bad_record);
    r = sample_record();
    EXPECT_RECORD(record_bytes(r, std::string(256, 'g')), DecodeError::bad_record);
    r.modification_time = r.creation_time + 1;
    r.modified_by_id = std::string(256, 'm');
    EXPECT_RECORD(record_bytes(r), DecodeError::bad_record);
}

void test_record_sizes_past_end(void **)
{
    const Bytes good = record_bytes(sample_record());
    for (std::uint32_t size : {0x00010000u, 0x7fffffffu, 0xffffffffu}) {
        Bytes b = good;
        poke32(b, kRecSecurity, size);
        EXPECT_RECORD(b, DecodeError::truncated);
        b = good;
        poke32(b, kRecPayloadSize, size);
        EXPECT_RECORD(b, DecodeError::truncated);
        b = good;
        poke32(b, kRecAttributesLen, size);
        EXPECT_RECORD(b, DecodeError::truncated);
    }
    /* Creator ID Length in range but beyond the bytes there are. */
    Bytes b(good.begin(), good.begin() + 90);
    poke32(b, kRecCreatorLen, 256);
    EXPECT_RECORD(b, DecodeError::truncated);
}

void test_record_times(void **)
{
    Record r = sample_record();
    EXPECT_RECORD(record_bytes(r), DecodeError::none);
    r.expiration_time = r.modification_time; /* Expiration must be greater */
    EXPECT_RECORD(record_bytes(r), DecodeError::bad_record);
    r = sample_record();
    r.creation_time = r.modification_time + 1; /* Last Modification >= Creation */
    EXPECT_RECORD(record_bytes(r), DecodeError::bad_record);
    /* Modified: Last Modified By may then be given. */
    r = sample_record();
    r.modification_time = r.creation_time + 1;
    r.modified_by_id = "me";
    EXPECT_RECORD(record_bytes(r), DecodeError::none);
    r.modified_by_id.clear();
    EXPECT_RECORD(record_bytes(r), DecodeError::none);
    /* Top bit set: not a FILETIME. */
    Bytes b = record_bytes(sample_record());
    poke64(b, kRecExpiration, 0x8000000000000020ull);
    EXPECT_RECORD(b, DecodeError::bad_record);
    b = record_bytes(sample_record());
    poke64(b, kRecCreation, 0xfffffffffffffff0ull);
    poke64(b, kRecModification, 0xfffffffffffffff0ull);
    poke64(b, kRecExpiration, 0xffffffffffffffffull);
    EXPECT_RECORD(b, DecodeError::bad_record);
    b = record_bytes(sample_record());
    poke64(b, kRecExpiration, 0x7fffffffffffffffull);
    EXPECT_RECORD(b, DecodeError::none);
}

void test_record_modified_by_when_unmodified(void **)
{
    Record r = sample_record();
    r.modified_by_id = "me"; /* Last Modification == Creation */
    EXPECT_RECORD(record_bytes(r), DecodeError::bad_record);
}

void test_record_protocol_version(void **)
{
    for (std::uint16_t v : {0x0000, 0x0001, 0x0101, 0x0200, 0xffff}) {
        Bytes b = record_bytes(sample_record());
        poke16(b, kRecProtocol, v);
        EXPECT_RECORD(b, DecodeError::bad_record);
    }
}

void test_record_deleted_payload(void **)
{
    Record r = sample_record();
    r.flags = kRecordFlagDeleted;
    EXPECT_RECORD(record_bytes(r), DecodeError::bad_record);
    r.data.clear();
    EXPECT_RECORD(record_bytes(r), DecodeError::none);
    r.attributes = "<attributes/>"; /* only the payload must be empty */
    EXPECT_RECORD(record_bytes(r), DecodeError::none);
}

void test_record_flags(void **)
{
    Bytes b = record_bytes(sample_record());
    poke32(b, 36, 0xfffffffc); /* every reserved bit, neither known flag */
    Record r;
    std::string g;
    assert_int_equal(static_cast<int>(decode_record(b.data(), b.size(), &r, &g)), 0);
    assert_int_equal(r.flags, 0);
    poke32(b, 36, 0x00000001);
    assert_int_equal(static_cast<int>(decode_record(b.data(), b.size(), &r, &g)), 0);
    assert_int_equal(r.flags, kRecordFlagAutorefresh);
    /* Unknown engine flags are not sent. */
    Record in = sample_record();
    in.flags = 0xf0 | kRecordFlagAutorefresh;
    b = record_bytes(in);
    assert_int_equal(b[39], 0x01);
}

void test_record_strings(void **)
{
    const Bytes good = record_bytes(sample_record());
    Bytes b = good;
    poke16(b, kRecCreatorLen + 4 + 4, 'x'); /* Creator ID's NUL replaced */
    EXPECT_RECORD(b, DecodeError::bad_string);
    b = good;
    poke16(b, kRecCreatorLen + 4, 0); /* NUL inside: "\0b" */
    EXPECT_RECORD(b, DecodeError::bad_string);
    b = good;
    poke16(b, kRecCreatorLen + 4, 0xd800); /* lone high surrogate */
    EXPECT_RECORD(b, DecodeError::bad_string);
    b = good;
    poke16(b, kRecCreatorLen + 6, 0xdc00); /* lone low surrogate */
    EXPECT_RECORD(b, DecodeError::bad_string);
    b = good;
    poke16(b, kRecGraphLen + 4, 0); /* Graph ID "\0" of length 2 */
    EXPECT_RECORD(b, DecodeError::bad_string);
    /* Attributes without their NUL. */
    Record r = sample_record();
    r.attributes = "<a/>";
    b = record_bytes(r);
    poke16(b, b.size() - 2, '>');
    EXPECT_RECORD(b, DecodeError::bad_string);
    /* Attributes Length 1: an empty string is accepted. */
    b = good;
    poke32(b, kRecAttributesLen, 1);
    b.push_back(0);
    b.push_back(0);
    EXPECT_RECORD(b, DecodeError::none);
}

/* -------- SYNC_END, PT2PT, ACK (3.1.5.2.11-13) -------- */

void test_sync_end_flags(void **)
{
    Bytes b = enc(SyncEnd{true});
    b[8] = 0xfe; /* Z1..Z7 ignored, F clear */
    assert_false(decode_as<SyncEnd>(b).final);
    b[8] = 0xff;
    assert_true(decode_as<SyncEnd>(b).final);
    b[9] = 0xff;
    poke16(b, 10, 0xffff);
    EXPECT_OK(b);
    b.push_back(0); /* a longer SYNC_END */
    fix_size(b);
    EXPECT_OK(b);
}

void test_pt2pt_rules(void **)
{
    Bytes b = enc(Pt2Pt{kGuidA, {9, 8, 7}});
    poke16(b, 8, 32);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    poke16(b, 8, 31); /* Data Offset == size: no payload */
    assert_true(decode_as<Pt2Pt>(b).payload.empty());
    poke16(b, 8, 30);
    assert_true(decode_as<Pt2Pt>(b).payload == Bytes{7});
    /* The payload is everything from Data Offset on (3.1.5.2.13). */
    poke16(b, 8, 27);
    assert_true(decode_as<Pt2Pt>(b).payload == (Bytes{0xff, 9, 8, 7}));
    poke16(b, 8, 28);
    poke16(b, 10, 0x5555); /* Reserved2 ignored */
    Pt2Pt out = decode_as<Pt2Pt>(b);
    assert_true(out.data_type == kGuidA && out.payload == (Bytes{9, 8, 7}));
}

void test_ack_rules(void **)
{
    Bytes b = enc(Ack{{{kGuidA, true}, {kGuidB, false}}});
    poke32(b, 28, 0xfffffffe); /* reserved bits, U clear */
    poke32(b, 48, 0x80000001); /* reserved bits, U set */
    Ack out = decode_as<Ack>(b);
    assert_true(!out.entries[0].useful && out.entries[1].useful);
    poke16(b, 8, 3);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    poke16(b, 8, 0xffff);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    poke16(b, 8, 2);
    poke16(b, 10, 13);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    poke16(b, 8, 0);
    poke16(b, 10, 53);
    EXPECT_ERROR(b, DecodeError::bad_offset);
    poke16(b, 10, 52);
    assert_true(decode_as<Ack>(b).entries.empty());
}

void test_names(void **)
{
    int i = 1;
    for (const char *name : {"AUTH_INFO", "CONNECT", "WELCOME", "REFUSE", "DISCONNECT", "SOLICIT_NEW", "SOLICIT_TIME",
                             "SOLICIT_HASH", "ADVERTISE", "REQUEST", "FLOOD", "SYNC_END", "PT2PT", "ACK"})
        assert_string_equal(message_name(static_cast<MessageType>(i++)), name);
    assert_string_equal(message_name(static_cast<MessageType>(0)), "unknown");
    assert_string_equal(message_name(static_cast<MessageType>(15)), "unknown");
    assert_string_equal(decode_error_name(DecodeError::bad_frame), "bad_frame");
    assert_string_equal(decode_error_name(DecodeError::none), "none");
    for (const Sample &s : samples()) {
        Bytes b = enc(s.message);
        assert_int_equal(b[5], static_cast<int>(type_of(s.message)));
    }
    assert_true(type_of(Ack{}) == MessageType::ack);
    assert_true(type_of(AuthInfo{}) == MessageType::auth_info);
}

/* Every byte of every sample set to a few values: decoding never crashes, and
 * whatever decodes re-encodes to something that decodes the same way. */
void test_single_byte_mutations(void **)
{
    for (const Sample &s : samples()) {
        const Bytes good = enc(s.message);
        for (std::size_t i = 0; i < good.size(); ++i)
            for (int v : {0x00, 0x01, 0x7f, 0x80, 0xff, good[i] ^ 0x01, good[i] + 1}) {
                Bytes b = good;
                b[i] = static_cast<std::uint8_t>(v);
                Message m;
                if (dec(b, &m) != DecodeError::none) continue;
                Bytes again = enc(m);
                Message m2;
                assert_int_equal(static_cast<int>(dec(again, &m2)), 0);
                assert_true(enc(m2) == again);
            }
    }
}

/* -------- frames and the stream decoder -------- */

Bytes framed(const Message &m, std::size_t frame_size = kDefaultFrameSize)
{
    Bytes out;
    append_frames(enc(m), frame_size, &out);
    return out;
}

std::vector<Bytes> drain(StreamDecoder &d)
{
    std::vector<Bytes> out;
    Bytes m;
    while (d.next(&m)) out.push_back(m);
    return out;
}

void test_stream_byte_by_byte(void **)
{
    std::vector<Sample> all = samples();
    Bytes stream;
    for (const Sample &s : all) append_frames(enc(s.message), 7, &stream);
    StreamDecoder d;
    std::vector<Bytes> got;
    for (std::uint8_t byte : stream) {
        d.push(&byte, 1);
        assert_true(d.buffered() <= kMaxFrameSize + 2 + 4096);
        for (Bytes &m : drain(d)) got.push_back(m);
    }
    assert_int_equal(static_cast<int>(d.error()), 0);
    assert_int_equal(got.size(), all.size());
    for (std::size_t i = 0; i < all.size(); ++i) assert_true(got[i] == enc(all[i].message));
    assert_int_equal(d.buffered(), 0);
}

void test_stream_one_push(void **)
{
    Bytes stream;
    for (int i = 0; i < 1000; ++i) append_frames(enc(Ack{{{numbered_guid(i), true}}}), kDefaultFrameSize, &stream);
    StreamDecoder d;
    d.push(stream.data(), stream.size());
    std::vector<Bytes> got = drain(d);
    assert_int_equal(got.size(), 1000);
    assert_true(decode_as<Ack>(got[999]).entries[0].record_id == numbered_guid(999));
    assert_int_equal(d.buffered(), 0);
    assert_int_equal(static_cast<int>(d.error()), 0);
}

void test_stream_multi_frame(void **)
{
    Pt2Pt big{kGuidA, Bytes(200000, 0x3c)};
    Bytes message = enc(big);
    for (std::size_t frame : {std::size_t(1), std::size_t(3), std::size_t(100), kDefaultFrameSize, kMaxFrameSize}) {
        Bytes stream;
        append_frames(message, frame, &stream);
        assert_int_equal(stream.size(), message.size() + 2 * ((message.size() + frame - 1) / frame));
        StreamDecoder d;
        /* Pushed in uneven chunks. */
        for (std::size_t at = 0, step = 1; at < stream.size(); at += step, step = step * 3 % 7919 + 1)
            d.push(stream.data() + at, std::min(step, stream.size() - at));
        std::vector<Bytes> got = drain(d);
        assert_int_equal(got.size(), 1);
        assert_true(got[0] == message);
    }
}

void test_stream_size_spans_frames(void **)
{
    /* The Message Size itself arrives in 1-byte frames. */
    Bytes message = enc(SyncEnd{});
    Bytes stream = {0, 1, message[0], 0, 1, message[1], 0, 2, message[2], message[3], 0, 8};
    stream.insert(stream.end(), message.begin() + 4, message.end());
    StreamDecoder d;
    d.push(stream.data(), stream.size());
    std::vector<Bytes> got = drain(d);
    assert_int_equal(got.size(), 1);
    assert_true(got[0] == message);
    /* And an oversize one is caught across frames too. */
    StreamDecoder small(kMaxFrameSize, 100);
    Bytes bad = {0, 3, 0, 0, 0};
    small.push(bad.data(), bad.size());
    assert_int_equal(static_cast<int>(small.error()), 0);
    Bytes last = {0, 1, 101};
    small.push(last.data(), last.size());
    assert_int_equal(static_cast<int>(small.error()), static_cast<int>(DecodeError::bad_size));
}

void test_stream_max_frame(void **)
{
    /* Frames of exactly kMaxFrameSize are accepted; one byte more is not. */
    Bytes message = enc(Pt2Pt{kGuidB, Bytes(3 * kMaxFrameSize, 1)});
    Bytes stream;
    append_frames(message, kMaxFrameSize, &stream);
    StreamDecoder d;
    d.push(stream.data(), stream.size());
    std::vector<Bytes> got = drain(d);
    assert_true(got.size() == 1 && got[0] == message);

    Bytes over;
    ByteWriter w(&over);
    w.u16(static_cast<std::uint16_t>(kMaxFrameSize + 1));
    StreamDecoder e;
    e.push(over.data(), over.size());
    assert_int_equal(static_cast<int>(e.error()), static_cast<int>(DecodeError::bad_frame));
    assert_int_equal(e.buffered(), 0);

    /* A smaller limit, as a security provider's may be. */
    StreamDecoder f(100);
    Bytes ok = framed(SyncEnd{}, 100);
    f.push(ok.data(), ok.size());
    assert_int_equal(drain(f).size(), 1);
    Bytes big = framed(Pt2Pt{kGuidA, Bytes(200)}, 101);
    f.push(big.data(), big.size());
    assert_int_equal(static_cast<int>(f.error()), static_cast<int>(DecodeError::bad_frame));
}

void test_stream_zero_frame(void **)
{
    StreamDecoder d;
    Bytes zero = {0, 0};
    d.push(zero.data(), 1);
    assert_int_equal(static_cast<int>(d.error()), 0);
    d.push(zero.data() + 1, 1);
    assert_int_equal(static_cast<int>(d.error()), static_cast<int>(DecodeError::bad_frame));
    /* Between two messages too. */
    StreamDecoder e;
    Bytes stream = framed(SyncEnd{});
    stream.push_back(0);
    stream.push_back(0);
    e.push(stream.data(), stream.size());
    assert_int_equal(drain(e).size(), 1);
    assert_int_equal(static_cast<int>(e.error()), static_cast<int>(DecodeError::bad_frame));
}

void test_stream_message_over_max(void **)
{
    /* The announced size is refused as soon as its four bytes are in,
     * however many bytes follow, and nothing is held for it. */
    StreamDecoder d;
    Bytes stream = {0x40, 0x00, 0xff, 0xff, 0xff, 0xff, 0x10, 0x0d};
    stream.resize(2 + 0x4000, 0);
    d.push(stream.data(), stream.size());
    assert_int_equal(static_cast<int>(d.error()), static_cast<int>(DecodeError::bad_size));
    assert_int_equal(d.buffered(), 0);
    for (int i = 0; i < 100; ++i) d.push(stream.data(), stream.size());
    assert_int_equal(d.buffered(), 0);
    Bytes m;
    assert_false(d.next(&m));

    /* One past a configured maximum, and exactly the maximum. */
    Bytes message = enc(Pt2Pt{kGuidA, Bytes(72)}); /* 100 bytes */
    StreamDecoder tight(kMaxFrameSize, 99);
    Bytes s = framed(Pt2Pt{kGuidA, Bytes(72)});
    tight.push(s.data(), s.size());
    assert_int_equal(static_cast<int>(tight.error()), static_cast<int>(DecodeError::bad_size));
    StreamDecoder exact(kMaxFrameSize, 100);
    exact.push(s.data(), s.size());
    assert_int_equal(drain(exact).size(), 1);

    /* Memory follows the bytes that came, not the size announced. */
    StreamDecoder lazy;
    Bytes head = {0x00, 0x10, 0x03, 0xff, 0xff, 0xff, 0x10, 0x0d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    lazy.push(head.data(), head.size());
    assert_int_equal(static_cast<int>(lazy.error()), 0);
    assert_int_equal(lazy.buffered(), 16);
}

void test_stream_message_under_header(void **)
{
    for (std::uint8_t size = 0; size < kHeaderSize; ++size) {
        StreamDecoder d;
        Bytes stream = {0, 8, 0, 0, 0, size, 0x10, 0x0c, 0, 0};
        d.push(stream.data(), stream.size());
        assert_int_equal(static_cast<int>(d.error()), static_cast<int>(DecodeError::bad_size));
    }
}

void test_stream_frame_past_message(void **)
{
    /* A frame holding a 12-byte message and one byte more. */
    Bytes message = enc(SyncEnd{});
    Bytes stream = {0, 13};
    stream.insert(stream.end(), message.begin(), message.end());
    stream.push_back(0);
    StreamDecoder d;
    d.push(stream.data(), stream.size());
    assert_int_equal(static_cast<int>(d.error()), static_cast<int>(DecodeError::bad_frame));
    /* Two whole messages in one frame: messages start at frame boundaries. */
    Bytes two = {0, 24};
    two.insert(two.end(), message.begin(), message.end());
    two.insert(two.end(), message.begin(), message.end());
    StreamDecoder e;
    e.push(two.data(), two.size());
    assert_int_equal(static_cast<int>(e.error()), static_cast<int>(DecodeError::bad_frame));
    assert_int_equal(drain(e).size(), 0);
}

void test_stream_error_sticks(void **)
{
    StreamDecoder d;
    Bytes good = framed(SyncEnd{});
    Bytes bad = {0, 0};
    d.push(good.data(), good.size());
    d.push(bad.data(), bad.size());
    d.push(good.data(), good.size());
    /* What arrived before the violation is still delivered, nothing after. */
    std::vector<Bytes> got = drain(d);
    assert_int_equal(got.size(), 1);
    assert_int_equal(static_cast<int>(d.error()), static_cast<int>(DecodeError::bad_frame));
    assert_int_equal(d.buffered(), 0);
    d.push(good.data(), good.size());
    assert_int_equal(drain(d).size(), 0);
    assert_int_equal(static_cast<int>(d.error()), static_cast<int>(DecodeError::bad_frame));
}

std::uint64_t xorshift(std::uint64_t *state)
{
    std::uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

void test_stream_garbage(void **)
{
    std::uint64_t state = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 300; ++round) {
        Bytes stream(1 + xorshift(&state) % 5000);
        for (std::uint8_t &b : stream) b = static_cast<std::uint8_t>(xorshift(&state));
        /* Sometimes a plausible start, so the decoder gets past the frame. */
        if (round % 3 == 0) {
            Bytes start = framed(Ack{{{kGuidA, true}}}, 5);
            std::copy(start.begin(), start.begin() + std::min(start.size(), stream.size()), stream.begin());
        }
        StreamDecoder d(1 + xorshift(&state) % kMaxFrameSize, 1 + xorshift(&state) % 100000);
        for (std::size_t at = 0; at < stream.size();) {
            std::size_t n = std::min<std::size_t>(1 + xorshift(&state) % 300, stream.size() - at);
            d.push(stream.data() + at, n);
            at += n;
            for (Bytes &m : drain(d)) dec(m);
            assert_true(d.buffered() <= stream.size());
        }
    }
}

void test_append_frames_sizes(void **)
{
    Bytes message = enc(Pt2Pt{kGuidA, Bytes(40000)});
    Bytes out;
    append_frames(message, 0, &out); /* 0: the default */
    assert_int_equal(out.size(), message.size() + 2 * 3);
    ByteReader r(out.data(), out.size());
    assert_int_equal(r.u16(), kDefaultFrameSize);
    out.clear();
    append_frames(message, 100000, &out); /* clamped to the maximum */
    r = ByteReader(out.data(), out.size());
    assert_int_equal(r.u16(), kMaxFrameSize);
    out.clear();
    append_frames(Bytes(), 10, &out);
    assert_true(out.empty());
}

} // namespace

/* The direct PT2PT framing is byte for byte what encode() + append_frames()
 * give, at sizes around every frame boundary, and it decodes back. */
void test_pt2pt_frames_direct(void **)
{
    Guid type;
    for (int i = 0; i < 16; ++i) type.bytes[i] = static_cast<std::uint8_t>(0xa0 + i);
    const std::size_t sizes[] = {0, 1, 16379 - 28, 16379 - 27, 16379, 2 * 16379 - 28, 100000, 1 << 20};
    for (std::size_t size : sizes) {
        std::vector<std::uint8_t> payload(size);
        for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<std::uint8_t>(i * 31 + 7);
        Pt2Pt m;
        m.data_type = type;
        m.payload = payload;
        std::vector<std::uint8_t> expected, got;
        append_frames(encode(m), kDefaultFrameSize, &expected);
        append_pt2pt_frames(type, payload.data(), payload.size(), kDefaultFrameSize, &got);
        assert_true(got == expected);
        StreamDecoder decoder;
        decoder.push(got.data(), got.size());
        std::vector<std::uint8_t> bytes;
        assert_true(decoder.next(&bytes));
        Message back;
        assert_int_equal(decode(bytes.data(), bytes.size(), &back), DecodeError::none);
        assert_true(std::get<Pt2Pt>(back).payload == payload);
    }
}

/* Frames cut anywhere across pushes (inside the size field, inside the
 * payload) reassemble the same messages as one push. */
void test_stream_cut_everywhere(void **)
{
    Guid type;
    std::vector<std::uint8_t> stream;
    for (std::size_t size : {10u, 40000u, 3u}) {
        std::vector<std::uint8_t> payload(size, static_cast<std::uint8_t>(size));
        append_pt2pt_frames(type, payload.data(), payload.size(), 1000, &stream);
    }
    for (std::size_t cut = 1; cut < stream.size(); cut += 97) {
        StreamDecoder decoder;
        decoder.push(stream.data(), cut);
        decoder.push(stream.data() + cut, stream.size() - cut);
        std::vector<std::uint8_t> bytes;
        int messages = 0;
        while (decoder.next(&bytes)) ++messages;
        assert_int_equal(decoder.error(), DecodeError::none);
        assert_int_equal(messages, 3);
        assert_int_equal(decoder.buffered(), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pt2pt_frames_direct),
        cmocka_unit_test(test_stream_cut_everywhere),
        cmocka_unit_test(test_roundtrip_auth_info),
        cmocka_unit_test(test_roundtrip_connect),
        cmocka_unit_test(test_roundtrip_welcome),
        cmocka_unit_test(test_roundtrip_refuse_disconnect),
        cmocka_unit_test(test_roundtrip_solicit_new_time),
        cmocka_unit_test(test_roundtrip_solicit_hash),
        cmocka_unit_test(test_roundtrip_advertise_request),
        cmocka_unit_test(test_roundtrip_flood),
        cmocka_unit_test(test_roundtrip_record),
        cmocka_unit_test(test_roundtrip_sync_end_pt2pt_ack),
        cmocka_unit_test(test_roundtrip_all_samples),
        cmocka_unit_test(test_golden_auth_info),
        cmocka_unit_test(test_golden_connect),
        cmocka_unit_test(test_golden_welcome),
        cmocka_unit_test(test_golden_refuse_disconnect),
        cmocka_unit_test(test_golden_solicit),
        cmocka_unit_test(test_golden_advertise_request),
        cmocka_unit_test(test_golden_flood),
        cmocka_unit_test(test_golden_sync_end_pt2pt_ack),
        cmocka_unit_test(test_golden_frames),
        cmocka_unit_test(test_header_short),
        cmocka_unit_test(test_header_size_field),
        cmocka_unit_test(test_header_oversize),
        cmocka_unit_test(test_header_version_type),
        cmocka_unit_test(test_min_sizes),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_truncations_with_size),
        cmocka_unit_test(test_record_truncations),
        cmocka_unit_test(test_auth_info_connection_type),
        cmocka_unit_test(test_auth_info_offsets),
        cmocka_unit_test(test_auth_info_strings),
        cmocka_unit_test(test_auth_info_padding_after_nul),
        cmocka_unit_test(test_message_string_length),
        cmocka_unit_test(test_connect_offsets),
        cmocka_unit_test(test_connect_flags_and_family),
        cmocka_unit_test(test_welcome_offsets),
        cmocka_unit_test(test_welcome_peer_id),
        cmocka_unit_test(test_refuse_rules),
        cmocka_unit_test(test_disconnect_rules),
        cmocka_unit_test(test_solicit_new_rules),
        cmocka_unit_test(test_solicit_time_rules),
        cmocka_unit_test(test_solicit_hash_rules),
        cmocka_unit_test(test_advertise_rules),
        cmocka_unit_test(test_request_rules),
        cmocka_unit_test(test_flood_rules),
        cmocka_unit_test(test_record_min_size),
        cmocka_unit_test(test_record_lengths),
        cmocka_unit_test(test_record_sizes_past_end),
        cmocka_unit_test(test_record_times),
        cmocka_unit_test(test_record_modified_by_when_unmodified),
        cmocka_unit_test(test_record_protocol_version),
        cmocka_unit_test(test_record_deleted_payload),
        cmocka_unit_test(test_record_flags),
        cmocka_unit_test(test_record_strings),
        cmocka_unit_test(test_sync_end_flags),
        cmocka_unit_test(test_pt2pt_rules),
        cmocka_unit_test(test_ack_rules),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_single_byte_mutations),
        cmocka_unit_test(test_stream_byte_by_byte),
        cmocka_unit_test(test_stream_one_push),
        cmocka_unit_test(test_stream_multi_frame),
        cmocka_unit_test(test_stream_size_spans_frames),
        cmocka_unit_test(test_stream_max_frame),
        cmocka_unit_test(test_stream_zero_frame),
        cmocka_unit_test(test_stream_message_over_max),
        cmocka_unit_test(test_stream_message_under_header),
        cmocka_unit_test(test_stream_frame_past_message),
        cmocka_unit_test(test_stream_error_sticks),
        cmocka_unit_test(test_stream_garbage),
        cmocka_unit_test(test_append_frames_sizes),
    };
    return cmocka_run_group_tests_name("wire", tests, nullptr, nullptr);
}
