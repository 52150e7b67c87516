/*
 * Unit tests of the engine's interface (engine/api.h), driven as the DLL
 * drives it: the library's life, handles of each kind, graphs that connect
 * and synchronize over ::1, records, enumerations, events, direct
 * connections and application data
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

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <set>
#include <string>
#include <thread>

#include <dirent.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "cmocka_cxx.h"
#include "engine/api.h"

namespace api = p2pg::api;
using p2pg::GraphError;

namespace {

/* The library started as the face starts it (the loop on a thread of its
 * own), with its databases in a temporary folder and ::1 as the only
 * address; stopped and destroyed at the end, as PeerGraphShutdown does. */
struct Library {
    std::thread loop_thread;
    api::Settings settings;

    Library()
    {
        char tmpl[] = "/tmp/p2pg-api-XXXXXX";
        settings.data_directory = mkdtemp(tmpl);
        settings.addresses.configured = {"::1"};
        std::string error;
        assert_true(api::create(&error));
        loop_thread = std::thread(api::run);
        assert_int_equal(api::start(), GraphError::ok);
    }
    /* Handles still open when the library stops. */
    std::size_t stop()
    {
        std::size_t open = api::stop();
        loop_thread.join();
        api::destroy();
        return open;
    }
    ~Library()
    {
        if (loop_thread.joinable()) stop();
        std::string cmd = "rm -rf '" + settings.data_directory + "'";
        if (std::system(cmd.c_str()) != 0) {
        }
    }
};

p2pg::GraphProperties properties(const char *graph_id, const char *creator)
{
    p2pg::GraphProperties p;
    p.graph_id = graph_id;
    p.creator_id = creator;
    p.friendly_name = "api test";
    return p;
}

bool wait_until(const std::function<bool()> &done, int timeout_ms = 20000)
{
    for (int waited = 0; waited < timeout_ms; waited += 10) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
}

void count_signal(void *context)
{
    static_cast<std::atomic<int> *>(context)->fetch_add(1);
}

p2pg::Record app_record(const char *text)
{
    p2pg::Record r;
    r.type = guid("{5e1f0000-0000-4000-8000-0000000000a1}");
    /* An hour from now (FILETIME: 100 ns units since 1601). */
    r.expiration_time = (std::uint64_t(std::time(nullptr)) + 11644473600ull + 3600) * 10000000ull;
    r.data.assign(text, text + std::strlen(text));
    return r;
}

/* Every item of an enumeration handle, through peek and advance as
 * PeerGraphGetNextItem takes them, a few at a time; the handle is ended. */
std::vector<std::shared_ptr<const p2pg::EnumItem>> drain(api::Handle enumeration)
{
    std::vector<std::shared_ptr<const p2pg::EnumItem>> all;
    for (;;) {
        std::vector<std::shared_ptr<const p2pg::EnumItem>> items;
        std::size_t cursor = 0;
        assert_int_equal(api::enum_peek(enumeration, 2, &items, &cursor), GraphError::ok);
        if (items.empty()) break;
        assert_true(api::enum_advance(enumeration, cursor, items.size()));
        all.insert(all.end(), items.begin(), items.end());
    }
    assert_int_equal(api::enum_end(enumeration), GraphError::ok);
    return all;
}

void test_handles_of_each_kind(void **)
{
    Library lib;
    api::Handle graph = 0;
    assert_int_equal(api::graph_create(lib.settings, properties("api-graph", "api-peer-a"), "db", {}, &graph),
                     GraphError::ok);
    assert_true(graph != 0);
    assert_true(api::graph_valid(graph));

    /* The same graph, peer and database a second time. */
    api::Handle again = 0;
    assert_int_equal(api::graph_create(lib.settings, properties("api-graph", "api-peer-a"), "db", {}, &again),
                     GraphError::duplicate_graph);
    assert_int_equal(again, 0);

    p2pg::Guid id;
    assert_int_equal(api::record_add(graph, app_record("one"), &id), GraphError::ok);
    p2pg::Record got;
    assert_int_equal(api::record_get(graph, id, &got), GraphError::ok);
    assert_int_equal(got.data.size(), 3);
    assert_int_equal(api::record_add(graph, app_record("two"), &id), GraphError::ok);

    api::Handle enumeration = 0;
    assert_int_equal(api::records_enum(graph, nullptr, nullptr, &enumeration), GraphError::ok);
    std::size_t count = 0;
    assert_int_equal(api::enum_count(enumeration, &count), GraphError::ok);
    assert_int_equal(count, 2);

    /* A handle of one kind is no handle of another. */
    std::uint32_t status = 0;
    assert_false(api::graph_valid(enumeration));
    assert_int_equal(api::graph_status(enumeration, &status), GraphError::invalid_handle);
    assert_int_equal(api::enum_count(graph, &count), GraphError::invalid_handle);
    std::optional<p2pg::GraphEvent> event;
    assert_int_equal(api::events_next(graph, &event), GraphError::invalid_handle);
    assert_int_equal(api::events_unregister(enumeration), GraphError::invalid_handle);
    assert_int_equal(api::enum_end(graph), GraphError::invalid_handle);
    assert_int_equal(api::graph_close(enumeration), GraphError::invalid_handle);
    assert_int_equal(drain(enumeration).size(), 2);
    assert_int_equal(api::enum_count(enumeration, &count), GraphError::invalid_handle);

    /* Queries that are no queries. */
    assert_int_equal(api::records_search(graph, "<not a query", &enumeration), GraphError::invalid_search);
    assert_int_equal(api::records_search(graph,
                                         "<peersearch xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">"
                                         "<clause attrib=\"Owner\" type=\"string\" compare=\"equal\">a\\qb"
                                         "</clause></peersearch>",
                                         &enumeration),
                     GraphError::invalid_argument);

    std::vector<p2pg::EventFilter> filters = {{p2pg::EventType::record_changed, std::nullopt}};
    api::Handle registration = 0;
    std::atomic<int> signalled{0};
    assert_int_equal(api::events_register(graph, filters, count_signal, &signalled, &registration), GraphError::ok);
    assert_int_equal(api::record_add(graph, app_record("three"), &id), GraphError::ok);
    assert_true(wait_until([&] { return signalled.load() > 0; }));
    assert_int_equal(api::events_next(registration, &event), GraphError::ok);
    assert_true(event.has_value());
    assert_true(event->type == p2pg::EventType::record_changed);
    assert_true(event->record_id == id);

    /* Closed: every later call on it says so, and nothing else changes. */
    assert_int_equal(api::graph_close(graph), GraphError::ok);
    assert_false(api::graph_valid(graph));
    assert_int_equal(api::graph_close(graph), GraphError::invalid_handle);
    assert_int_equal(api::record_add(graph, app_record("four"), &id), GraphError::invalid_handle);
    assert_int_equal(api::graph_status(graph, &status), GraphError::invalid_handle);

    /* The registration is still a handle until the library stops. */
    assert_int_equal(lib.stop(), 1);
}

/* What the issue that split the Graph found: closing a neighbor's id as a
 * direct connection must change nothing. */
void test_two_graphs_over_loopback(void **)
{
    Library lib;
    api::Handle a = 0, b = 0;
    assert_int_equal(api::graph_create(lib.settings, properties("api-net", "api-net-a"), "a", {}, &a), GraphError::ok);
    assert_int_equal(api::graph_listen(a, p2pg::kScopeGlobal, 0, 0), GraphError::ok);
    p2pg::NodeInfo self;
    assert_int_equal(api::node_info(a, 0, &self), GraphError::ok);
    assert_false(self.addresses.empty());
    sockaddr_in6 address = self.addresses[0];
    assert_int_not_equal(address.sin6_port, 0);

    std::atomic<int> a_signals{0};
    api::Handle a_events = 0;
    std::vector<p2pg::EventFilter> filters = {{p2pg::EventType::incoming_data, std::nullopt},
                                              {p2pg::EventType::direct_connection, std::nullopt}};
    assert_int_equal(api::events_register(a, filters, count_signal, &a_signals, &a_events), GraphError::ok);

    bool created = false;
    assert_int_equal(api::graph_open(lib.settings, "api-net", "api-net-b", "b", {}, {}, &b, &created), GraphError::ok);
    assert_true(created);
    std::uint64_t neighbor = 0;
    assert_int_equal(api::graph_connect(b, "", address, &neighbor), GraphError::ok);
    assert_true(neighbor != 0);
    assert_true(wait_until([&] {
        std::uint32_t status = 0;
        return api::graph_status(b, &status) == GraphError::ok && (status & p2pg::kStatusSynchronized);
    }));

    p2pg::Guid id;
    assert_int_equal(api::record_add(a, app_record("over the wire"), &id), GraphError::ok);
    p2pg::Record got;
    assert_true(wait_until([&] { return api::record_get(b, id, &got) == GraphError::ok; }));
    assert_int_equal(got.data.size(), 13);

    api::Handle connections = 0;
    assert_int_equal(api::connections_enum(b, p2pg::kConnectionNeighbor, &connections), GraphError::ok);
    auto listed = drain(connections);
    assert_int_equal(listed.size(), 1);
    assert_int_equal(std::get<p2pg::ConnectionInfo>(*listed[0]).connection_id, neighbor);

    /* A neighbor is not a direct connection: refused, and it stays usable. */
    assert_int_equal(api::direct_close(b, neighbor), GraphError::connection_not_found);
    const p2pg::Guid type = guid("{5e1f0000-0000-4000-8000-0000000000d7}");
    const std::uint8_t payload[] = {1, 2, 3, 4, 5};
    assert_int_equal(api::send_data(b, neighbor, type, payload, sizeof(payload)), GraphError::ok);
    std::optional<p2pg::GraphEvent> event;
    assert_true(wait_until([&] {
        return api::events_next(a_events, &event) == GraphError::ok && event &&
               event->type == p2pg::EventType::incoming_data;
    }));
    assert_int_equal(event->data_size(), sizeof(payload));
    assert_memory_equal(event->data->data() + event->data_offset, payload, sizeof(payload));
    assert_true(event->data_type == type);

    /* A direct connection: opened, data over it, closed once. */
    std::uint64_t direct = 0;
    assert_int_equal(api::direct_open(b, "api-net-a", address, &direct), GraphError::ok);
    assert_true(direct != 0 && direct != neighbor);
    GraphError sent = GraphError::connection_not_found;
    assert_true(wait_until([&] {
        sent = api::send_data(b, direct, type, payload, 3);
        return sent == GraphError::ok;
    }));
    assert_true(wait_until([&] {
        return api::events_next(a_events, &event) == GraphError::ok && event &&
               event->type == p2pg::EventType::incoming_data;
    }));
    assert_int_equal(event->data_size(), 3);
    assert_int_equal(api::direct_close(b, direct), GraphError::ok);
    assert_int_equal(api::direct_close(b, direct), GraphError::connection_not_found);
    assert_int_equal(api::send_data(b, direct, type, payload, 3), GraphError::connection_not_found);

    /* Unknown ids and closed graphs. */
    assert_int_equal(api::send_data(b, 0xdead, type, payload, 3), GraphError::connection_not_found);
    assert_int_equal(api::graph_close(b), GraphError::ok);
    assert_int_equal(api::send_data(b, neighbor, type, payload, 3), GraphError::invalid_handle);
    api::wait_writable(b, neighbor, 1000); /* returns at once */
    assert_true(a_signals.load() > 0);
    /* Graph a and its registration. */
    assert_int_equal(lib.stop(), 2);
}

/* A stand-in for an SSPI package: the handshake proves both sides hold the
 * same key byte; records are [length][bytes XOR key]. */
class XorCipher : public p2pg::ConnectionCipher {
public:
    XorCipher(bool initiator, std::uint8_t key) : initiator_(initiator), key_(key) {}
    Step handshake(const std::uint8_t *in, std::size_t size, std::size_t *consumed,
                   std::vector<std::uint8_t> *out) override
    {
        *consumed = 0;
        if (initiator_ && !said_) {
            said_ = true;
            out->insert(out->end(), {'H', 'E', 'L', 'L', 'O', key_});
            return Step::more;
        }
        std::size_t want = initiator_ ? 3 : 6;
        if (size < want) return Step::more;
        *consumed = want;
        if (in[want - 1] != key_) return Step::failed;
        if (!initiator_) out->insert(out->end(), {'O', 'K', key_});
        return Step::done;
    }
    bool encrypt(const std::uint8_t *in, std::size_t size, std::vector<std::uint8_t> *out) override
    {
        ++encrypted;
        for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<std::uint8_t>(size >> shift));
        for (std::size_t i = 0; i < size; ++i) out->push_back(in[i] ^ key_);
        return true;
    }
    Step decrypt(const std::uint8_t *in, std::size_t size, std::size_t *consumed,
                 std::vector<std::uint8_t> *out) override
    {
        *consumed = 0;
        while (size - *consumed >= 4) {
            const std::uint8_t *p = in + *consumed;
            std::size_t n = (std::size_t(p[0]) << 24) | (std::size_t(p[1]) << 16) | (std::size_t(p[2]) << 8) | p[3];
            if (n > (1u << 20)) return Step::failed;
            if (size - *consumed - 4 < n) break;
            for (std::size_t i = 0; i < n; ++i) out->push_back(p[4 + i] ^ key_);
            *consumed += 4 + n;
        }
        return Step::more;
    }
    static std::atomic<int> encrypted;

private:
    bool initiator_;
    std::uint8_t key_;
    bool said_ = false;
};
std::atomic<int> XorCipher::encrypted{0};

struct XorFactory : p2pg::CipherFactory {
    explicit XorFactory(std::uint8_t k) : key(k) {}
    std::unique_ptr<p2pg::ConnectionCipher> make(bool initiator) override
    {
        return std::make_unique<XorCipher>(initiator, key);
    }
    std::uint8_t key;
};

/* Graphs whose connections are secured: the same key joins and carries
 * records and data, encrypted; another key is refused as not authenticated. */
void test_secured_connections(void **)
{
    Library lib;
    XorFactory key1(0x5a), key2(0x33);
    api::Security secured;
    secured.identity = "xor";
    secured.cipher = &key1;
    api::Handle a = 0, b = 0, c = 0;
    assert_int_equal(api::graph_create(lib.settings, properties("api-sec", "api-sec-a"), "a", secured, &a),
                     GraphError::ok);
    assert_int_equal(api::graph_listen(a, p2pg::kScopeGlobal, 0, 0), GraphError::ok);
    p2pg::NodeInfo self;
    assert_int_equal(api::node_info(a, 0, &self), GraphError::ok);
    sockaddr_in6 address = self.addresses[0];

    bool created = false;
    assert_int_equal(api::graph_open(lib.settings, "api-sec", "api-sec-b", "b", {}, secured, &b, &created),
                     GraphError::ok);
    std::uint64_t neighbor = 0;
    int before = XorCipher::encrypted.load();
    assert_int_equal(api::graph_connect(b, "", address, &neighbor), GraphError::ok);
    assert_true(wait_until([&] {
        std::uint32_t status = 0;
        return api::graph_status(b, &status) == GraphError::ok && (status & p2pg::kStatusSynchronized);
    }));
    assert_true(XorCipher::encrypted.load() > before);
    p2pg::Guid id;
    assert_int_equal(api::record_add(a, app_record("secret"), &id), GraphError::ok);
    p2pg::Record got;
    assert_true(wait_until([&] { return api::record_get(b, id, &got) == GraphError::ok; }));

    /* Another key: the connection fails, not authenticated. */
    api::Security other = secured;
    other.cipher = &key2;
    assert_int_equal(api::graph_open(lib.settings, "api-sec", "api-sec-c", "c", {}, other, &c, &created),
                     GraphError::ok);
    std::atomic<int> signalled{0};
    api::Handle events = 0;
    std::vector<p2pg::EventFilter> filters = {{p2pg::EventType::neighbor_connection, std::nullopt}};
    assert_int_equal(api::events_register(c, filters, count_signal, &signalled, &events), GraphError::ok);
    std::uint64_t refused = 0;
    assert_int_equal(api::graph_connect(c, "", address, &refused), GraphError::ok);
    std::optional<p2pg::GraphEvent> event;
    assert_true(wait_until([&] {
        return api::events_next(events, &event) == GraphError::ok && event &&
               event->connection_status == p2pg::ConnectionStatus::failed;
    }));
    assert_true(event->failure == p2pg::ConnectionFailure::not_authenticated);
    assert_int_equal(api::record_get(c, id, &got), GraphError::not_ready);
    lib.stop();
}

/* The library starts again after it stopped, with nothing left of before. */
void test_restart(void **)
{
    api::Handle old = 0;
    {
        Library lib;
        assert_int_equal(api::graph_create(lib.settings, properties("api-restart", "api-peer"), "db", {}, &old),
                         GraphError::ok);
    }
    Library lib;
    assert_false(api::graph_valid(old));
    assert_int_equal(lib.stop(), 0);
}

void test_result_blocks(void **)
{
    void *block = api::result_allocate(64);
    assert_non_null(block);
    assert_int_equal(static_cast<unsigned char *>(block)[63], 0);
    int other = 0;
    assert_false(api::result_free(&other));
    assert_true(api::result_free(block));
    assert_false(api::result_free(block));
}

/* GetRecord off the loop sees every change that returned before it;
 * record enumerations come a page at a time: what was added after one was
 * made never comes, what was deleted before its page was read does not,
 * the count is taken when first asked for, and a graph closed under one
 * ends it. */
void test_records_read_and_paged(void **)
{
    Library lib;
    api::Handle graph = 0;
    assert_int_equal(api::graph_create(lib.settings, properties("api-paged", "api-peer-p"), "db", {}, &graph),
                     GraphError::ok);
    p2pg::Guid id;
    p2pg::Record got;
    assert_int_equal(api::record_add(graph, app_record("first"), &id), GraphError::ok);
    assert_int_equal(api::record_get(graph, id, &got), GraphError::ok);
    assert_int_equal(api::record_delete(graph, id, false), GraphError::ok);
    assert_int_equal(api::record_get(graph, id, &got), GraphError::record_not_found);

    /* More than four pages: one taken and two read ahead (PagePipe) still
     * leave some to be cut off by the close below. */
    const int kRecords = 1200;
    std::vector<p2pg::Guid> ids(kRecords);
    for (int i = 0; i < kRecords; ++i) {
        p2pg::Record r = app_record(i % 2 ? "odd" : "even");
        r.attributes = std::string("<attributes><attribute name=\"half\" type=\"int\">") + (i % 2 ? "1" : "0") +
                       "</attribute></attributes>";
        assert_int_equal(api::record_add(graph, r, &ids[i]), GraphError::ok);
    }
    assert_int_equal(api::record_get(graph, ids[kRecords - 1], &got), GraphError::ok);

    api::Handle enumeration = 0;
    assert_int_equal(api::records_enum(graph, nullptr, nullptr, &enumeration), GraphError::ok);
    assert_int_equal(api::record_add(graph, app_record("late"), &id), GraphError::ok);
    assert_int_equal(api::record_delete(graph, ids[kRecords - 2], false), GraphError::ok);
    std::size_t count = 0;
    assert_int_equal(api::enum_count(enumeration, &count), GraphError::ok);
    assert_int_equal(count, kRecords - 1);
    auto all = drain(enumeration);
    assert_int_equal(all.size(), kRecords - 1);
    std::set<std::string> seen;
    for (const auto &item : all) {
        const p2pg::Record &r = std::get<p2pg::Record>(*item);
        assert_false(r.id == id || r.id == ids[kRecords - 2]);
        seen.insert(std::string(r.id.bytes.begin(), r.id.bytes.end()));
    }
    assert_int_equal(seen.size(), kRecords - 1);

    assert_int_equal(api::records_search(graph,
                                         "<peersearch><clause attrib=\"half\" type=\"int\">1</clause></peersearch>",
                                         &enumeration),
                     GraphError::ok);
    assert_int_equal(api::enum_count(enumeration, &count), GraphError::ok);
    assert_int_equal(count, kRecords / 2); /* the one deleted was even */
    all = drain(enumeration);
    assert_int_equal(all.size(), kRecords / 2);
    for (const auto &item : all) assert_true(std::get<p2pg::Record>(*item).data == std::vector<std::uint8_t>({'o', 'd', 'd'}));

    /* Closed while one is open: it ends, without waiting forever. */
    assert_int_equal(api::records_enum(graph, nullptr, nullptr, &enumeration), GraphError::ok);
    std::vector<std::shared_ptr<const p2pg::EnumItem>> items;
    std::size_t cursor = 0;
    assert_int_equal(api::enum_peek(enumeration, 2, &items, &cursor), GraphError::ok);
    assert_int_equal(items.size(), 2);
    assert_int_equal(api::graph_close(graph), GraphError::ok);
    assert_true(drain(enumeration).size() < static_cast<std::size_t>(kRecords));
    assert_int_equal(lib.stop(), 0);
}

/* The items of an enumeration through peek and advance, without ending it
 * (ending one waits for the loop). */
std::vector<p2pg::Guid> ids_of(api::Handle enumeration)
{
    std::vector<p2pg::Guid> ids;
    for (;;) {
        std::vector<std::shared_ptr<const p2pg::EnumItem>> items;
        std::size_t cursor = 0;
        if (api::enum_peek(enumeration, 100, &items, &cursor) != GraphError::ok || items.empty()) break;
        if (!api::enum_advance(enumeration, cursor, items.size())) break;
        for (const auto &item : items) ids.push_back(std::get<p2pg::Record>(*item).id);
    }
    return ids;
}

/* ids_of on a thread of its own; false when it has not ended within 20 s,
 * after unblock() (which must let it end) and the thread are done. */
bool ids_on_a_thread(api::Handle enumeration, std::vector<p2pg::Guid> *ids, const std::function<void()> &unblock)
{
    std::atomic<bool> read{false};
    std::thread reader([&] {
        *ids = ids_of(enumeration);
        read.store(true);
    });
    bool ended = wait_until([&] { return read.load(); });
    if (!ended) unblock();
    reader.join();
    return ended;
}

/* A loop thread held inside an event signal until released. */
struct LoopHold {
    std::atomic<bool> held{false}, released{false};
    static void signal(void *context)
    {
        auto *hold = static_cast<LoopHold *>(context);
        if (hold->released.load()) return;
        hold->held.store(true);
        while (!hold->released.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
};

/* Record enumerations read their spans of the table on the loop and on the
 * application's thread: records come in storage order and once each where
 * the table is sparse (spans grow) and where records are large (a page
 * stops at its byte limit and its span is read on from there), with the
 * loop free, and with the loop held so that the application's thread reads
 * every span itself (RecordReader). */
void test_records_paged_by_both_threads(void **)
{
    Library lib;
    api::Handle graph = 0;
    assert_int_equal(api::graph_create(lib.settings, properties("api-spans", "api-peer-s"), "db", {}, &graph),
                     GraphError::ok);
    std::vector<p2pg::Guid> expected;
    for (int i = 0; i < 3000; ++i) {
        p2pg::Guid id;
        assert_int_equal(api::record_add(graph, app_record("small"), &id), GraphError::ok);
        if (i < 2000 && i % 40) {
            assert_int_equal(api::record_delete(graph, id, false), GraphError::ok);
            continue;
        }
        expected.push_back(id);
    }
    p2pg::Record large = app_record("large");
    large.data.resize(300 * 1024); /* 20 of them are past a page's byte limit */
    for (int i = 0; i < 20; ++i) {
        large.data[0] = static_cast<std::uint8_t>(i);
        p2pg::Guid id;
        assert_int_equal(api::record_add(graph, large, &id), GraphError::ok);
        expected.push_back(id);
    }
    for (int i = 0; i < 300; ++i) {
        p2pg::Guid id;
        assert_int_equal(api::record_add(graph, app_record("after"), &id), GraphError::ok);
        expected.push_back(id);
    }

    api::Handle enumeration = 0;
    assert_int_equal(api::records_enum(graph, nullptr, nullptr, &enumeration), GraphError::ok);
    assert_true(ids_of(enumeration) == expected);
    assert_int_equal(api::enum_end(enumeration), GraphError::ok);

    /* The loop held: made before (making one takes a turn of the loop),
     * read while it is held.  A reader that could not read would leave
     * the application waiting for the loop: after 20 s the loop is let go
     * and the test fails. */
    assert_int_equal(api::records_enum(graph, nullptr, nullptr, &enumeration), GraphError::ok);
    LoopHold hold;
    api::Handle events = 0;
    std::vector<p2pg::EventFilter> filters = {{p2pg::EventType::record_changed, std::nullopt}};
    assert_int_equal(api::events_register(graph, filters, LoopHold::signal, &hold, &events), GraphError::ok);
    p2pg::Guid late;
    assert_int_equal(api::record_add(graph, app_record("late"), &late), GraphError::ok);
    assert_true(wait_until([&] { return hold.held.load(); }));
    std::vector<p2pg::Guid> got;
    bool off_the_loop = ids_on_a_thread(enumeration, &got, [&] { hold.released.store(true); });
    hold.released.store(true);
    assert_true(off_the_loop);
    assert_true(got == expected);
    assert_int_equal(api::enum_end(enumeration), GraphError::ok);
    assert_int_equal(api::events_unregister(events), GraphError::ok);
    assert_int_equal(api::graph_close(graph), GraphError::ok);
    assert_int_equal(lib.stop(), 0);
}

/* Rowids far apart (a database made elsewhere, or by years of churn):
 * spans grow until they cross the gap, so the enumeration ends after a
 * few dozen reads, not after the gap's size in spans. */
void test_records_paged_across_a_rowid_gap(void **)
{
    Library lib;
    api::Handle graph = 0;
    assert_int_equal(api::graph_create(lib.settings, properties("api-gap", "api-peer-g"), "db", {}, &graph),
                     GraphError::ok);
    std::vector<p2pg::Guid> ids(3);
    for (p2pg::Guid &id : ids) assert_int_equal(api::record_add(graph, app_record("gap"), &id), GraphError::ok);
    std::string path;
    DIR *dir = opendir(lib.settings.data_directory.c_str());
    assert_non_null(dir);
    while (dirent *entry = readdir(dir)) {
        std::string name = entry->d_name;
        if (name.size() > 8 && name.compare(name.size() - 8, 8, ".graphdb") == 0)
            path = lib.settings.data_directory + "/" + name;
    }
    closedir(dir);
    sqlite3 *db = nullptr;
    assert_int_equal(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt *move = nullptr;
    assert_int_equal(sqlite3_prepare_v2(db, "UPDATE records SET rowid = 4611686018427387904 WHERE id = ?1", -1, &move,
                                        nullptr),
                     SQLITE_OK);
    sqlite3_bind_blob(move, 1, ids[2].bytes.data(), 16, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(move), SQLITE_DONE);
    sqlite3_finalize(move);
    sqlite3_close(db);

    api::Handle enumeration = 0;
    assert_int_equal(api::records_enum(graph, nullptr, nullptr, &enumeration), GraphError::ok);
    std::vector<p2pg::Guid> got;
    bool ended = ids_on_a_thread(enumeration, &got, [&] { api::graph_close(graph); });
    assert_true(ended);
    assert_true(got == ids);
    assert_int_equal(api::enum_end(enumeration), GraphError::ok);
    assert_int_equal(api::graph_close(graph), GraphError::ok);
    assert_int_equal(lib.stop(), 0);
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handles_of_each_kind),
        cmocka_unit_test(test_records_read_and_paged),
        cmocka_unit_test(test_records_paged_by_both_threads),
        cmocka_unit_test(test_records_paged_across_a_rowid_gap),
        cmocka_unit_test(test_two_graphs_over_loopback),
        cmocka_unit_test(test_secured_connections),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_result_blocks),
    };
    return cmocka_run_group_tests_name("api", tests, nullptr, nullptr);
}
