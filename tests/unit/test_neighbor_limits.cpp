/*
 * Unit tests: what an authenticated neighbor may not do
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

/* An engine graph on ::1 (mesh_fixture.h) and a neighbor of our own making
 * that speaks MS-PPGRH through the engine's codec over a plain socket:
 * endless invalid records, endless synchronization requests, a WELCOME
 * whose peer time is years off, and addresses out of the graph's scope.
 * Every wait is bounded; traffic goes to ::1 only. */

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/record_rules.h"
#include "engine/wire.h"
#include "mesh_fixture.h"
#include "cmocka_cxx.h"

using namespace p2pg;
using namespace p2pg::testing;

namespace {

/* One TCP connection, MS-PPGRH framed. */
class RawPeer {
public:
    ~RawPeer()
    {
        if (fd_ >= 0) ::close(fd_);
    }

    bool connect_to(const sockaddr_in6 &to)
    {
        fd_ = ::socket(AF_INET6, SOCK_STREAM, 0);
        return fd_ >= 0 && ::connect(fd_, reinterpret_cast<const sockaddr *>(&to), sizeof(to)) == 0;
    }

    /* A listener on ::1 for the graph to connect to; its address. */
    sockaddr_in6 listen_on_loopback()
    {
        listener_ = ::socket(AF_INET6, SOCK_STREAM, 0);
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_addr = in6addr_loopback;
        socklen_t len = sizeof(a);
        if (::bind(listener_, reinterpret_cast<sockaddr *>(&a), sizeof(a)) || ::listen(listener_, 4) ||
            ::getsockname(listener_, reinterpret_cast<sockaddr *>(&a), &len))
            a.sin6_port = 0;
        return a;
    }

    bool accept_within(int ms)
    {
        pollfd p{listener_, POLLIN, 0};
        if (::poll(&p, 1, ms) != 1) return false;
        fd_ = ::accept(listener_, nullptr, nullptr);
        ::close(listener_);
        listener_ = -1;
        return fd_ >= 0;
    }

    bool send(const wire::Message &m)
    {
        std::vector<std::uint8_t> bytes;
        wire::append_frames(wire::encode(m), wire::kDefaultFrameSize, &bytes);
        return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == ssize_t(bytes.size());
    }

    /* The next message within ms, or false (also when the connection ended). */
    bool receive(wire::Message *m, int ms)
    {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        std::vector<std::uint8_t> raw;
        while (!decoder_.next(&raw)) {
            if (!read_some(deadline)) return false;
        }
        return wire::decode(raw.data(), raw.size(), m) == wire::DecodeError::none;
    }

    /* Whether the other side closed the connection within ms (whatever it
     * sent before is read and dropped). */
    bool closed_within(int ms)
    {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (std::chrono::steady_clock::now() < deadline) {
            if (!read_some(deadline)) return eof_;
        }
        return false;
    }

private:
    bool read_some(std::chrono::steady_clock::time_point deadline)
    {
        int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
                           .count());
        pollfd p{fd_, POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, left) != 1) return false;
        std::uint8_t buffer[65536];
        ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
        if (n <= 0) {
            eof_ = true;
            return false;
        }
        decoder_.push(buffer, std::size_t(n));
        return true;
    }

    int fd_ = -1, listener_ = -1;
    bool eof_ = false;
    wire::StreamDecoder decoder_;
};

/* mallory joins node 0 of the mesh as a neighbor: AUTH_INFO, CONNECT,
 * WELCOME. */
bool join_as_neighbor(Mesh &mesh, RawPeer *peer, wire::Welcome *welcome)
{
    wire::AuthInfo auth;
    auth.graph_id = mesh.graph_id();
    auth.source_peer_id = "mallory";
    wire::Connect connect;
    connect.node_id = 0x6d616c6c6f7279ull;
    wire::Message m;
    if (!peer->connect_to(mesh[0].address) || !peer->send(auth) || !peer->send(connect) || !peer->receive(&m, 5000))
        return false;
    if (!std::holds_alternative<wire::Welcome>(m)) return false;
    *welcome = std::get<wire::Welcome>(m);
    return true;
}

/* A record mallory may publish: its own id, valid times. */
Record mallory_record(FileTime now, unsigned n)
{
    Record r;
    r.type.bytes[0] = 0x42;
    r.id = make_record_id("mallory", random_guid());
    r.version = 1;
    r.creator_id = "mallory";
    r.creation_time = r.modification_time = now;
    r.expiration_time = now + 3600 * kTicksPerSecond;
    r.data.assign(16, std::uint8_t(n));
    return r;
}

/* Records that fail validation are dropped without a word (MS-PPGRH
 * 3.1.7.27), but a neighbor that keeps sending them loses the link; a few
 * are forgiven, and valid ones are taken. */
void test_invalid_records_budget(void **)
{
    Mesh mesh("limits-invalid");
    mesh.create_root();
    RawPeer peer;
    wire::Welcome welcome;
    assert_true(join_as_neighbor(mesh, &peer, &welcome));
    FileTime now = welcome.peer_time;

    wire::Flood flood;
    flood.graph_id = mesh.graph_id();
    for (unsigned i = 0; i < 10; ++i) {
        flood.record = mallory_record(now, i);
        flood.record.id = random_guid(); /* not mallory's record id */
        assert_true(peer.send(flood));
    }
    Guid good_id;
    flood.record = mallory_record(now, 99);
    good_id = flood.record.id;
    assert_true(peer.send(flood));
    assert_true(eventually(std::chrono::seconds(5), [&] {
        Record r;
        GraphError err = GraphError::io_error;
        mesh.on(0, [&](Graph &g) { err = g.get_record(good_id, &r); });
        return err == GraphError::ok;
    }));
    assert_false(peer.closed_within(200));

    for (unsigned i = 0; i < 400 && !peer.closed_within(0); ++i) {
        flood.record = mallory_record(now, i);
        flood.record.attributes = "<not xml";
        if (!peer.send(flood)) break;
    }
    assert_true(peer.closed_within(5000));
}

/* Records a neighbor sends may fill the database up to the storage quota;
 * the neighbor that sends past it loses the link and what it sent past it
 * is not stored.  The application's own records are not refused. */
void test_storage_quota(void **)
{
    MeshOptions options;
    options.storage_quota = 64 << 10;
    Mesh mesh("limits-quota", options);
    mesh.create_root();
    RawPeer peer;
    wire::Welcome welcome;
    assert_true(join_as_neighbor(mesh, &peer, &welcome));
    wire::Flood flood;
    flood.graph_id = mesh.graph_id();
    std::vector<Guid> sent;
    for (unsigned i = 0; i < 40 && !peer.closed_within(0); ++i) {
        flood.record = mallory_record(welcome.peer_time, i);
        flood.record.data.assign(4 << 10, std::uint8_t(i));
        sent.push_back(flood.record.id);
        if (!peer.send(flood)) break;
    }
    assert_true(peer.closed_within(5000));
    std::size_t stored = 0;
    for (const Guid &id : sent) {
        Record r;
        GraphError err = GraphError::io_error;
        mesh.on(0, [&](Graph &g) { err = g.get_record(id, &r); });
        stored += err == GraphError::ok;
    }
    /* 16 records of 4 KiB fill 64 KiB; the Graph Info record takes a little. */
    assert_true(stored >= 12 && stored < 16);
    Record own = mallory_record(welcome.peer_time, 0);
    own.creator_id.clear();
    own.id = Guid();
    own.version = 0;
    own.data.assign(32 << 10, 1);
    GraphError err = GraphError::io_error;
    Guid id;
    mesh.on(0, [&](Graph &g) { err = g.add_record(own, &id); });
    assert_int_equal(err, GraphError::ok);
}

/* A record keeps its type for life: a neighbor's "newer version" of an
 * application record with an internal type (which no record security
 * validates and the application never sees) is dropped, and the record
 * stays. */
void test_type_change_dropped(void **)
{
    Mesh mesh("limits-type");
    mesh.create_root();
    RawPeer peer;
    wire::Welcome welcome;
    assert_true(join_as_neighbor(mesh, &peer, &welcome));
    Record own = mallory_record(welcome.peer_time, 0);
    own.creator_id.clear();
    own.id = Guid();
    own.version = 0;
    GraphError err = GraphError::io_error;
    Guid id;
    mesh.on(0, [&](Graph &g) { err = g.add_record(own, &id); });
    assert_int_equal(err, GraphError::ok);
    Record stored;
    mesh.on(0, [&](Graph &g) { err = g.get_record(id, &stored); });
    assert_int_equal(err, GraphError::ok);

    wire::Flood flood;
    flood.graph_id = mesh.graph_id();
    flood.record = stored;
    flood.record.version = stored.version + 1;
    flood.record.type = kRecordTypeContact;
    flood.record.modified_by_id = "mallory";
    flood.record.modification_time = stored.modification_time + 1;
    assert_true(peer.send(flood));
    /* Something after it, to know the FLOOD was read. */
    Record mine = mallory_record(welcome.peer_time, 1);
    flood.record = mine;
    assert_true(peer.send(flood));
    assert_true(eventually(std::chrono::seconds(5), [&] {
        Record r;
        mesh.on(0, [&](Graph &g) { err = g.get_record(mine.id, &r); });
        return err == GraphError::ok;
    }));
    Record now;
    mesh.on(0, [&](Graph &g) { err = g.get_record(id, &now); });
    assert_int_equal(err, GraphError::ok);
    assert_int_equal(now.version, stored.version);
    assert_true(now.type == stored.type);
}

/* A neighbor that asks for synchronization (SOLICIT_*, REQUEST) again and
 * again loses the link (a real initiator asks a handful of times per
 * connection). */
void test_solicit_budget(void **)
{
    Mesh mesh("limits-solicit");
    mesh.create_root();
    RawPeer peer;
    wire::Welcome welcome;
    assert_true(join_as_neighbor(mesh, &peer, &welcome));
    wire::SolicitTime solicit;
    solicit.modification_time = welcome.peer_time; /* nothing to answer but SYNC_END */
    for (unsigned i = 0; i < 10; ++i) assert_true(peer.send(solicit));
    assert_false(peer.closed_within(300));
    for (unsigned i = 0; i < 200 && !peer.closed_within(0); ++i)
        if (!peer.send(solicit)) break;
    assert_true(peer.closed_within(5000));

    /* REQUESTs (the last step of hash-based sync) count alike. */
    RawPeer again;
    assert_true(join_as_neighbor(mesh, &again, &welcome));
    wire::Request request;
    for (unsigned i = 0; i < 200 && !again.closed_within(0); ++i)
        if (!again.send(request)) break;
    assert_true(again.closed_within(5000));
}

/* The first WELCOME sets peer time (MS-PPGRH 1.3.6), but not from a clock
 * ten years off ours; one a few minutes off is believed. */
void test_first_peer_time_bounded(void **)
{
    for (FileTime offset : {FileTime(10) * 365 * 24 * 3600 * kTicksPerSecond, FileTime(300) * kTicksPerSecond}) {
        Mesh mesh("limits-peer-time");
        mesh.create_root();
        int joiner = mesh.add_member();
        RawPeer responder;
        sockaddr_in6 at = responder.listen_on_loopback();
        assert_true(at.sin6_port != 0);
        std::uint64_t id = 0;
        GraphError err = GraphError::io_error;
        mesh.on(joiner, [&](Graph &g) { err = g.connect("", at, &id); });
        assert_int_equal(err, GraphError::ok);
        assert_true(responder.accept_within(5000));
        wire::Message m;
        assert_true(responder.receive(&m, 5000)); /* AUTH_INFO */
        assert_true(responder.receive(&m, 5000)); /* CONNECT */
        FileTime utc = SystemClock::instance().now_utc();
        wire::Welcome welcome;
        welcome.node_id = 0x77656c636f6d65ull;
        welcome.peer_time = utc + offset;
        welcome.peer_id = "mallory";
        assert_true(responder.send(welcome));
        /* Synchronization follows a WELCOME: its first request shows the
         * WELCOME was taken in. */
        assert_true(responder.receive(&m, 5000));
        FileTime peer = 0;
        mesh.on(joiner, [&](Graph &g) { peer = g.peer_time(); });
        FileTime moved = peer - SystemClock::instance().now_utc();
        if (offset > FileTime(3600) * kTicksPerSecond)
            assert_true(std::llabs(moved) < 60 * kTicksPerSecond);
        else
            assert_true(std::llabs(moved - offset) < 60 * kTicksPerSecond);
    }
}

/* Referrals out of the graph's scope are not followed: a busy node's
 * REFUSE naming a link-local, a multicast and an IPv4-mapped address in a
 * global graph leaves the joiner with nothing to try (no attempt, the
 * failure reported), one naming ::1 (where the joiner itself connected) is
 * followed. */
void test_referrals_in_scope(void **)
{
    Mesh mesh("limits-referrals");
    mesh.create_root();
    int joiner = mesh.add_member();
    auto events = mesh.subscribe(joiner, {{EventType::neighbor_connection, std::nullopt}});
    RawPeer busy, next;
    sockaddr_in6 at = busy.listen_on_loopback();
    sockaddr_in6 next_at = next.listen_on_loopback();
    std::uint64_t id = 0;
    GraphError err = GraphError::io_error;
    mesh.on(joiner, [&](Graph &g) { err = g.connect("", at, &id); });
    assert_int_equal(err, GraphError::ok);
    assert_true(busy.accept_within(5000));
    wire::Message m;
    assert_true(busy.receive(&m, 5000));
    assert_true(busy.receive(&m, 5000));
    wire::Refuse refuse;
    refuse.code = wire::RefuseCode::busy;
    auto address = [](const char *text, std::uint16_t port) {
        wire::In6Address a{};
        sockaddr_in6 s{};
        inet_pton(AF_INET6, text, &s.sin6_addr);
        std::memcpy(a.address.data(), &s.sin6_addr, 16);
        a.port = port;
        return a;
    };
    for (const char *text : {"fe80::1", "ff02::1", "::ffff:192.0.2.1", "::"})
        refuse.addresses.push_back(address(text, ntohs(next_at.sin6_port)));
    refuse.addresses.push_back(address("::1", ntohs(next_at.sin6_port)));
    assert_true(busy.send(refuse));
    /* Only ::1 is tried. */
    assert_true(next.accept_within(5000));
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invalid_records_budget),
        cmocka_unit_test(test_solicit_budget),
        cmocka_unit_test(test_storage_quota),
        cmocka_unit_test(test_type_change_dropped),
        cmocka_unit_test(test_first_peer_time_bounded),
        cmocka_unit_test(test_referrals_in_scope),
    };
    return cmocka_run_group_tests_name("neighbor limits", tests, nullptr, nullptr);
}
