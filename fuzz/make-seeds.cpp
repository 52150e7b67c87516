/*
 * Fuzz seeds: writes the wire fuzzer's starting corpus (every message type, records, framed streams)
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

/* Usage: make-seeds DIR.  Everything is built from constants, so the same
 * files come out every time (fuzz/run-fuzz checks fuzz/seeds against it). */

#include <cstdio>
#include <string>
#include <vector>

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

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    std::string dir = argv[1];
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
    return ok ? 0 : 1;
}
