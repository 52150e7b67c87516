/*
 * Fuzz seeds: writes every fuzz target's starting corpus from valid encodings
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

/* Usage: make-seeds DIR.  Writes DIR/seeds (fuzz_wire: every message type,
 * records, framed streams) and DIR/seeds-NAME for each other fuzz_NAME.
 * Everything is built from constants, so the same files come out every time
 * (fuzz/run-fuzz checks fuzz/seeds* against it).  Seeds stay small: libFuzzer
 * runs with -max_len 8192 and make check replays them all. */

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/bytes.h"
#include "engine/graph_info.h"
#include "engine/internal_records.h"
#include "engine/record_rules.h"
#include "engine/store.h"
#include "engine/wire.h"

using namespace p2pg;
using namespace p2pg::wire;

namespace {

using Bytes = std::vector<std::uint8_t>;

Guid numbered_guid(std::uint32_t n)
{
    Guid g;
    for (int i = 0; i < 4; ++i) g.bytes[i] = static_cast<std::uint8_t>(n >> (8 * i));
    g.bytes[8] = 0x80;
    g.bytes[15] = static_cast<std::uint8_t>(n * 31);
    return g;
}

In6Address address(std::uint32_t n)
{
    In6Address a;
    a.port = static_cast<std::uint16_t>(50000 + n);
    a.address[0] = 0xfe;
    a.address[1] = 0x80;
    a.address[15] = static_cast<std::uint8_t>(n + 1);
    return a;
}

Record record(bool full)
{
    Record r;
    r.type = numbered_guid(0x1000);
    r.id = numbered_guid(0x2000);
    r.version = full ? 3 : 1;
    r.flags = kRecordFlagAutorefresh;
    r.creator_id = full ? "cr\xc3\xa9" "ator \xf0\x9f\x98\x80" : "alice";
    r.creation_time = 134116992000000000LL;
    r.modification_time = r.creation_time + (full ? 50000000 : 0);
    r.expiration_time = r.creation_time + 3000000000LL;
    if (full) {
        r.modified_by_id = "bob";
        r.attributes = "<attributes><attribute name=\"n\" type=\"int\">5</attribute></attributes>";
        r.security_data = {1, 2, 3, 4};
    }
    r.data = {'p', 'a', 'y', 'l', 'o', 'a', 'd'};
    return r;
}

std::vector<std::pair<std::string, Message>> messages()
{
    std::vector<std::pair<std::string, Message>> m;
    AuthInfo auth;
    auth.graph_id = "graph";
    auth.source_peer_id = "alice";
    m.push_back({"auth-info", auth});
    auth.connection_type = ConnectionType::direct;
    auth.destination_peer_id = std::string("bob");
    m.push_back({"auth-info-direct", auth});

    Connect connect;
    connect.want_neighbors = true;
    connect.node_id = 0x0123456789abcdefull;
    m.push_back({"connect", connect});
    connect.update = true;
    connect.addresses = {address(0), address(1)};
    connect.friendly_name = std::string("node");
    m.push_back({"connect-update", connect});

    Welcome welcome;
    welcome.node_id = 0x1111222233334444ull;
    welcome.peer_time = 134116992000000000LL;
    welcome.peer_id = "bob";
    m.push_back({"welcome", welcome});
    welcome.addresses = {address(2), address(3), address(4)};
    welcome.friendly_name = std::string("friendly");
    m.push_back({"welcome-referrals", welcome});

    m.push_back({"refuse", Refuse{RefuseCode::direct_connection_disallowed, {}}});
    m.push_back({"refuse-busy", Refuse{RefuseCode::busy, {address(5), address(6)}}});
    m.push_back({"disconnect", Disconnect{DisconnectReason::leaving, {}}});
    m.push_back({"disconnect-referrals", Disconnect{DisconnectReason::least_useful, {address(7)}}});

    m.push_back({"solicit-new", SolicitNew{}});
    m.push_back({"solicit-new-inclusion", SolicitNew{TypeSelection{false, {kRecordTypeGraphInfo}}}});
    m.push_back({"solicit-new-exclusion",
                 SolicitNew{TypeSelection{true, {kRecordTypeGraphInfo, kRecordTypePresence, numbered_guid(9)}}}});
    m.push_back({"solicit-time", SolicitTime{TypeSelection{false, {kRecordTypePresence}}, 134116992000000000LL}});

    SolicitHash hash;
    for (std::uint32_t i = 0; i < 3; ++i) {
        HashInfoEntry e;
        e.hash[0] = static_cast<std::uint8_t>(i);
        e.modification_time = 134116992000000000LL + i;
        e.record_id = numbered_guid(i);
        hash.entries.push_back(e);
    }
    m.push_back({"solicit-hash", hash});
    hash.types = TypeSelection{true, {kRecordTypeContact}};
    m.push_back({"solicit-hash-exclusion", hash});

    Advertise advertise;
    advertise.boundaries.push_back({1, numbered_guid(1), 2, numbered_guid(2), 2});
    advertise.abstracts = {{numbered_guid(1), 1}, {numbered_guid(2), 4}};
    m.push_back({"advertise", advertise});
    m.push_back({"advertise-empty", Advertise{}});
    m.push_back({"request", Request{{{numbered_guid(1), 1}, {numbered_guid(2), 4}}}});
    m.push_back({"request-empty", Request{}});

    m.push_back({"flood", Flood{record(false), "graph"}});
    m.push_back({"flood-full", Flood{record(true), "graph \xe2\x82\xac"}});
    Record deleted = record(false);
    deleted.flags = kRecordFlagDeleted;
    deleted.data.clear();
    m.push_back({"flood-deleted", Flood{deleted, "graph"}});

    m.push_back({"sync-end", SyncEnd{true}});
    m.push_back({"sync-end-partial", SyncEnd{false}});
    Guid ping;
    Guid::parse("{0ccbb0d2-be41-4bd6-914b-058ec5dcce64}", &ping);
    m.push_back({"pt2pt-ping", Pt2Pt{ping, {}}});
    m.push_back({"pt2pt", Pt2Pt{numbered_guid(77), {'h', 'e', 'l', 'l', 'o'}}});
    m.push_back({"ack", Ack{{{numbered_guid(1), true}, {numbered_guid(2), false}}}});
    return m;
}

bool write(const std::string &dir, const std::string &name, const Bytes &bytes)
{
    std::string path = dir + "/" + name;
    FILE *f = std::fopen(path.c_str(), "wb");
    if (!f) {
        std::perror(path.c_str());
        return false;
    }
    bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    return std::fclose(f) == 0 && ok;
}

bool write_text(const std::string &dir, const std::string &name, const std::string &text)
{
    return write(dir, name, Bytes(text.begin(), text.end()));
}

bool write_wire_seeds(const std::string &dir)
{
    bool ok = true;
    Bytes all_small_frames, all_default_frames;
    for (const auto &[name, message] : messages()) {
        Bytes bytes = encode(message);
        ok &= write(dir, "message-" + name, bytes);
        append_frames(bytes, 7, &all_small_frames);
        append_frames(bytes, kDefaultFrameSize, &all_default_frames);
        Bytes framed;
        append_frames(bytes, 16, &framed);
        ok &= write(dir, "stream-" + name, framed);
    }
    ok &= write(dir, "stream-all-frames-of-7", all_small_frames);
    ok &= write(dir, "stream-all", all_default_frames);
    for (bool full : {false, true}) {
        Bytes bytes;
        encode_record(record(full), "graph", &bytes);
        ok &= write(dir, full ? "record-full" : "record", bytes);
    }
    return ok;
}

/* The example of MS-PPGRH 2.2.3.5. */
const char kDocumentedAttributes[] = "<attributes>\n"
                                     "<attribute name=\"Owner\" type=\"string\">Scott</attribute>\n"
                                     "<attribute name=\"Birthday\" type=\"date\">1972-04-04</attribute>\n"
                                     "<attribute name=\"Priority\" type=\"int\">1</attribute>\n"
                                     "</attributes>";

bool write_attribute_seeds(const std::string &dir)
{
    bool ok = write_text(dir, "documented", kDocumentedAttributes);
    ok &= write_text(dir, "empty-element", "<attributes/>");
    ok &= write_text(dir, "dates",
                     "<attributes><attribute name=\"y\" type=\"date\">2002</attribute>"
                     "<attribute name=\"ym\" type=\"date\">2002-02</attribute>"
                     "<attribute name=\"t\" type=\"date\">2000-02-29T23:59Z</attribute>"
                     "<attribute name=\"f\" type=\"date\">2002-01-31T12:30:45.123456789+05:30</attribute>"
                     "<attribute name=\"z\" type=\"date\">1601-01-01T00:00:00-00:00</attribute></attributes>");
    ok &= write_text(dir, "markup",
                     "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                     "<attributes xmlns:p=\"urn:p\">\n <!-- c --> <?pi data?>\n"
                     "<attribute type='string' name='Text'>a &amp; b &lt;c&gt; &#13;&#x1F600;<![CDATA[<x>]]></attribute>\n"
                     "<p:attribute name=\"Big\" type=\"int\">000123456789012345678901234567890</p:attribute>\n"
                     "<attribute name=\"Empty\" type=\"string\"/>\t</attributes>");
    ok &= write_text(dir, "unicode",
                     "<attributes><attribute name=\"Name\" type=\"string\">\xc3\x89milie \xce\xb1\xce\xb2 "
                     "\xe2\x82\xac \xf0\x9d\x84\x9e</attribute></attributes>");
    ok &= write_text(dir, "reserved-name",
                     "<attributes><attribute name=\"PeerCreatorId\" type=\"string\">x</attribute></attributes>");
    /* Short inputs are also read as a date and as two int values. */
    ok &= write_text(dir, "date-only", "2002-01-31T12:30:45.1234567+05:30");
    ok &= write_text(dir, "ints-only", "00123,0456");
    return ok;
}

bool write_search_seeds(const std::string &dir)
{
    /* The SDK page's first example (with its impossible date). */
    bool ok = write_text(dir, "documented",
                         "<?xml version=\"1.0\" encoding=\"utf-8\" ?> \n"
                         "<peersearch xmlns:xs=\"https://www.w3.org/2001/XMLSchema\">\n"
                         "   <and>\n"
                         "      <clause attrib=\"peercreatorid\" type=\"string\" compare=\"equal\">James Peters</clause>\n"
                         "      <or>\n"
                         "         <clause attrib=\"peerlastmodificationtime\" type=\"date\" compare=\"greater\">"
                         "2003-01-31</clause>\n"
                         "         <clause attrib=\"peercreationtime\" type=\"date\" compare=\"less\">2003-02-328</clause>\n"
                         "      </or>\n"
                         "   </and>\n"
                         "</peersearch>");
    ok &= write_text(dir, "application-attributes",
                     "<peersearch><or><clause attrib=\"Owner\" type=\"string\">Sc*t?</clause>"
                     "<clause attrib=\"Size\" type=\"int\" compare=\"greaterorequal\">42</clause>"
                     "<and><clause attrib=\"Birthday\" type=\"date\" compare=\"lessorequal\">1972-04-04T00:00+01:00"
                     "</clause><clause attrib=\"owner\" type=\"string\" compare=\"notequal\">\xc3\x89MILIE</clause>"
                     "</and></or></peersearch>");
    ok &= write_text(dir, "reserved-names",
                     "<peersearch><and><clause attrib=\"peerrecordid\" type=\"string\">{*}</clause>"
                     "<clause attrib=\"PeerRecordType\" type=\"string\" compare=\"greater\">{0</clause>"
                     "<clause attrib=\"peerlastmodifiedby\" type=\"string\" compare=\"notequal\">b?b</clause>"
                     "<clause attrib=\"peercreationtime\" type=\"date\" compare=\"greaterorequal\">2001</clause>"
                     "</and></peersearch>");
    ok &= write_text(dir, "escapes",
                     "<peersearch><or><clause attrib=\"Owner\" type=\"string\" compare=\"less\">\\*\\?\\\\</clause>"
                     "<clause attrib=\"Owner\" type=\"string\">Scott\\*\\?\\\\</clause></or></peersearch>");
    ok &= write_text(dir, "markup",
                     "<?xml version=\"1.0\"?><peersearch xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"><!-- c -->"
                     "<and><clause attrib=\"when\" type=\"date\" compare=\"less\"><![CDATA[2003-01-31T23:59:59Z]]>"
                     "</clause><?pi x?></and></peersearch>");
    /* A query, a NUL, then the attributes of one more record to match. */
    const std::string query = "<peersearch><clause attrib=\"Priority\" type=\"int\">1</clause></peersearch>";
    ok &= write(dir, "with-record", [&] {
        std::string text = query + std::string(1, '\0') + kDocumentedAttributes;
        return Bytes(text.begin(), text.end());
    }());
    return ok;
}

sockaddr_in6 socket_address(std::uint16_t port, std::uint8_t first, std::uint8_t last)
{
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr.s6_addr[0] = first;
    a.sin6_addr.s6_addr[15] = last;
    return a;
}

bool write_internal_record_seeds(const std::string &dir)
{
    PresenceInfo presence;
    presence.node_id = 0x0102030405060708ull;
    presence.attributes = "h\xc3\xa9";
    presence.addresses = {socket_address(0x1234, 0x20, 1)};
    bool ok = write(dir, "presence", encode_presence(presence));
    presence.attributes = kDocumentedAttributes;
    presence.addresses = {socket_address(1, 0xfe, 1), socket_address(2, 0xfe, 2), socket_address(3, 0, 1)};
    ok &= write(dir, "presence-full", encode_presence(presence));
    ok &= write(dir, "presence-empty", encode_presence(PresenceInfo{0xfffffffffffffffeull, {}, {}}));

    ContactInfo contact;
    contact.signature = 0x1122334455667788ull;
    contact.node_id = 0x8877665544332211ull;
    contact.addresses = {socket_address(0x1234, 0x20, 1), socket_address(0xfedc, 0, 1)};
    ok &= write(dir, "contact", encode_contact(contact));
    ok &= write(dir, "signature", encode_signature(0x0123456789abcdefull));
    return ok;
}

GraphProperties graph_properties()
{
    GraphProperties p;
    p.graph_id = "graph";
    p.creator_id = "alice";
    p.friendly_name = "Friendly \xe2\x82\xac";
    p.comment = "A graph for the fuzzer's seeds";
    p.presence_lifetime = 600;
    return p;
}

bool write_graph_info_seeds(const std::string &dir)
{
    GraphProperties p;
    p.graph_id = "g";
    p.creator_id = "c\xc3\xa9";
    p.comment = "hello";
    p.flags = kGraphFlagDeferExpiration;
    p.scope = kScopeLinkLocal;
    p.max_record_size = 4096;
    p.presence_max = 7;
    bool ok = write(dir, "unit-test", encode_graph_info(p));
    ok &= write(dir, "full", encode_graph_info(graph_properties()));
    GraphProperties minimal;
    minimal.graph_id = "gr";
    minimal.creator_id = "c";
    ok &= write(dir, "minimal", encode_graph_info(minimal));
    return ok;
}

Record seed_record(const Guid &type, std::uint8_t n, const Bytes &data)
{
    Record r;
    r.type = type;
    r.id = make_record_id("alice", numbered_guid(n));
    r.version = 1;
    r.creator_id = "alice";
    r.creation_time = 134116992000000000LL + n;
    r.modification_time = r.creation_time;
    r.expiration_time = r.creation_time + 3000000000LL;
    r.data = data;
    return r;
}

/* An export of graph "graph" by peer "alice" holding records, as
 * Store::export_to writes it, rewritten with 512-byte pages (4096-byte ones
 * make 20 KiB seeds, most of them zeros). */
bool write_export(const std::string &dir, const std::string &name, const std::vector<Record> &records)
{
    char temp[] = "/tmp/p2pg-make-seeds.XXXXXX";
    if (!mkdtemp(temp)) {
        std::perror("mkdtemp");
        return false;
    }
    const std::string database = std::string(temp) + "/graph.db", file = std::string(temp) + "/graph.export";
    bool ok = false;
    {
        std::unique_ptr<Store> store;
        ok = Store::open(database, true, &store) == StoreStatus::ok && store->set_meta(kMetaGraphId, "graph") == StoreStatus::ok &&
             store->set_meta(kMetaPeerId, "alice") == StoreStatus::ok &&
             (records.empty() || store->put_many(records) == StoreStatus::ok) && store->export_to(file) == StoreStatus::ok;
    }
    Store::remove(database);
    sqlite3 *db = nullptr;
    ok = ok && sqlite3_open(file.c_str(), &db) == SQLITE_OK &&
         sqlite3_exec(db, "PRAGMA page_size = 512; VACUUM;", nullptr, nullptr, nullptr) == SQLITE_OK;
    sqlite3_close(db);
    Bytes bytes;
    if (ok) {
        FILE *f = std::fopen(file.c_str(), "rb");
        std::uint8_t buffer[4096];
        std::size_t n;
        while (f && (n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) bytes.insert(bytes.end(), buffer, buffer + n);
        if (f) std::fclose(f);
        /* The header's "SQLite version that wrote it" (offset 96), fixed so
         * that every machine writes the same seeds; SQLite never reads it. */
        ok = bytes.size() >= 100;
        if (ok) ByteWriter(&bytes).patch_u32(96, 3040001);
    }
    if (ok) {
        /* What the fuzzer starts from must be an export the engine takes. */
        FILE *f = std::fopen(file.c_str(), "wb");
        ok = f && std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
        if (f) std::fclose(f);
        std::vector<Record> back;
        ok = ok && Store::read_export(file, "graph", "alice", &back) == StoreStatus::ok && back.size() == records.size();
        for (const Record &r : back) ok = ok && record_acceptable(r, "graph", kMaxRecordSizeLimit);
        if (!ok) std::fprintf(stderr, "make-seeds: the export %s does not read back\n", name.c_str());
    }
    ::unlink(file.c_str());
    ::rmdir(temp);
    return ok && write(dir, name, bytes);
}

bool write_import_seeds(const std::string &dir)
{
    Record info = seed_record(kRecordTypeGraphInfo, 0, encode_graph_info(graph_properties()));
    info.id = kRecordIdGraphInfo;
    Record application = seed_record(numbered_guid(0x1000), 1, {'p', 'a', 'y', 'l', 'o', 'a', 'd'});
    application.attributes = kDocumentedAttributes;
    PresenceInfo presence;
    presence.node_id = 0x0102030405060708ull;
    presence.addresses = {socket_address(50000, 0xfe, 1)};
    Record present = seed_record(kRecordTypePresence, 2, encode_presence(presence));
    Record deleted = seed_record(numbered_guid(0x1000), 3, {});
    deleted.flags = kRecordFlagDeleted;
    deleted.version = 2;
    deleted.modified_by_id = "alice";
    deleted.modification_time += 10000000;

    bool ok = write_export(dir, "export", {info, application, present, deleted});
    ok &= write_export(dir, "export-graph-info", {info});
    ok &= write_export(dir, "export-empty", {});
    return ok;
}

Bytes counted(const std::string &utf8, bool optional)
{
    Bytes out;
    ByteWriter(&out).counted_utf16(utf8, optional);
    return out;
}

Bytes concat(std::initializer_list<Bytes> parts)
{
    Bytes out;
    for (const Bytes &part : parts) out.insert(out.end(), part.begin(), part.end());
    return out;
}

bool write_utf16_seeds(const std::string &dir)
{
    /* The first byte picks the bounds: 0 graph ids, 1 friendly name, 3 node attributes. */
    bool ok = write(dir, "ids", concat({{0}, counted("graph", false), counted("cr\xc3\xa9" "ator \xf0\x9f\x98\x80", false)}));
    ok &= write(dir, "optional", concat({{1}, counted("", true), counted("x", true), counted("", false)}));
    ok &= write(dir, "attributes", concat({{3}, counted(kDocumentedAttributes, true)}));
    ok &= write_text(dir, "utf8", "h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e \xef\xbf\xbd");
    /* Big-endian UTF-16 (after a selector byte): a surrogate pair, a BOM. */
    ok &= write(dir, "utf16", {4, 0x00, 0x68, 0xd8, 0x34, 0xdd, 0x1e, 0xfe, 0xff, 0x20, 0xac});
    return ok;
}

bool write_pt2pt_seeds(const std::string &dir)
{
    bool ok = write(dir, "ping", encode(Pt2Pt{kPingDataType, {}}));
    ok &= write(dir, "hello", encode(Pt2Pt{numbered_guid(77), {'h', 'e', 'l', 'l', 'o'}}));
    /* To be sent: a data type, then a payload. */
    const Guid type = numbered_guid(78);
    Bytes sent(type.bytes.begin(), type.bytes.end());
    for (int i = 0; i < 300; ++i) sent.push_back(static_cast<std::uint8_t>(i * 31 + 7));
    ok &= write(dir, "to-send", sent);
    return ok;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    const std::string root = argv[1];
    const struct {
        const char *folder;
        bool (*write)(const std::string &);
    } sets[] = {
        {"seeds", write_wire_seeds},
        {"seeds-attributes", write_attribute_seeds},
        {"seeds-search", write_search_seeds},
        {"seeds-internal_records", write_internal_record_seeds},
        {"seeds-graph_info", write_graph_info_seeds},
        {"seeds-import", write_import_seeds},
        {"seeds-pt2pt", write_pt2pt_seeds},
        {"seeds-utf16", write_utf16_seeds},
    };
    bool ok = true;
    for (const auto &set : sets) {
        const std::string dir = root + "/" + set.folder;
        if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
            std::perror(dir.c_str());
            return 1;
        }
        ok &= set.write(dir);
    }
    return ok ? 0 : 1;
}
