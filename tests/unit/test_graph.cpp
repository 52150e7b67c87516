/*
 * Unit tests: the engine graph (local records, events, expiry, persistence)
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

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <dirent.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmocka_cxx.h"
#include "engine/graph.h"
#include "engine/log.h"
#include "engine/loop.h"
#include "engine/record_rules.h"
#include "engine/search.h"
#include "engine/store.h"

using namespace p2pg;

namespace {

/* 2026-01-01 as a FILETIME. */
constexpr FileTime kStart = 134116992000000000LL;

struct Fixture {
    std::string dir;
    ManualClock clock{kStart};
    GraphEnvironment env;
    std::shared_ptr<Graph> graph;

    Fixture()
    {
        char tmpl[] = "/tmp/p2pg-graph-XXXXXX";
        dir = mkdtemp(tmpl);
        env.clock = &clock;
        env.data_directory = dir + "/graphs";
    }
    ~Fixture()
    {
        if (graph) graph->close();
        std::string cmd = "rm -rf '" + dir + "'";
        if (std::system(cmd.c_str()) != 0) {
        }
    }
    GraphProperties props(const char *id = "graph-1") const
    {
        GraphProperties p;
        p.scope = 0; /* PEER_GRAPH_SCOPE_ANY: global */
        p.graph_id = id;
        p.creator_id = "alice";
        p.friendly_name = "Friends";
        p.comment = "a comment";
        return p;
    }
    void create(const GraphProperties &p)
    {
        assert_int_equal(Graph::create(env, p, "db", &graph), GraphError::ok);
    }
};

Guid type_guid(std::uint8_t n)
{
    Guid g;
    g.bytes[15] = n;
    g.bytes[0] = 0x77;
    return g;
}

Record app_record(const Fixture &f, std::uint8_t type = 1, FileTime lifetime = 3600 * kSecond)
{
    Record r;
    r.type = type_guid(type);
    r.expiration_time = f.clock.now_utc() + lifetime;
    r.data = {1, 2, 3, 4};
    r.attributes = "<attributes><attribute name=\"n\" type=\"int\">5</attribute></attributes>";
    return r;
}

struct CountingConnection : DirectConnection {
    int closes = 0;
    std::uint64_t id = 0;
    void close() override { ++closes; }
    bool connected() const override { return true; }
    ConnectionInfo info() const override
    {
        ConnectionInfo i;
        i.flags = kConnectionDirect;
        i.connection_id = id;
        i.peer_id = "bob";
        return i;
    }
};

std::shared_ptr<EventRegistration> listen_all(Graph &graph, std::vector<EventFilter> filters = {})
{
    if (filters.empty()) {
        filters.push_back({EventType::record_changed, std::nullopt});
        filters.push_back({EventType::property_changed, std::nullopt});
    }
    auto registration = std::make_shared<EventRegistration>(std::move(filters), nullptr);
    graph.add_registration(registration);
    return registration;
}

void test_create_and_properties(void **)
{
    Fixture f;
    f.create(f.props());
    GraphProperties p;
    assert_int_equal(f.graph->properties(&p), GraphError::ok);
    assert_string_equal(p.graph_id.c_str(), "graph-1");
    assert_string_equal(p.creator_id.c_str(), "alice");
    assert_string_equal(p.friendly_name.c_str(), "Friends");
    assert_string_equal(p.comment.c_str(), "a comment");
    assert_int_equal(p.presence_lifetime, 300);
    assert_int_equal(p.scope, kScopeGlobal);
    assert_true(f.graph->ready());
    assert_int_equal(f.graph->status(), kStatusSynchronized);
    std::vector<Record> records;
    assert_int_equal(f.graph->enum_records(nullptr, nullptr, &records), GraphError::ok);
    assert_int_equal(records.size(), 0); /* Graph Info is internal */
    Record info;
    assert_int_equal(f.graph->get_record(kRecordIdGraphInfo, &info), GraphError::record_not_found);
}

void test_create_rejects_bad_properties(void **)
{
    Fixture f;
    std::shared_ptr<Graph> g;
    GraphProperties p = f.props();
    p.graph_id.clear();
    assert_int_equal(Graph::create(f.env, p, "db", &g), GraphError::invalid_argument);
    p = f.props();
    p.max_record_size = 1023;
    assert_int_equal(Graph::create(f.env, p, "db", &g), GraphError::invalid_argument);
    p.max_record_size = kMaxRecordSizeLimit + 1;
    assert_int_equal(Graph::create(f.env, p, "db", &g), GraphError::invalid_argument);
    p = f.props();
    p.scope = 4; /* PEER_GRAPH_SCOPE_LOOPBACK has no Graph Info value */
    assert_int_equal(Graph::create(f.env, p, "db", &g), GraphError::invalid_argument);
    p = f.props();
    p.comment.assign(512, 'c');
    assert_int_equal(Graph::create(f.env, p, "db", &g), GraphError::invalid_argument);
    p = f.props();
    p.graph_id.assign(256, 'g');
    assert_int_equal(Graph::create(f.env, p, "db", &g), GraphError::invalid_argument);
    p.graph_id.assign(255, 'g');
    assert_int_equal(Graph::create(f.env, p, "db", &g), GraphError::ok);
    g->close();
}

void test_duplicate_graph(void **)
{
    Fixture f;
    f.create(f.props());
    std::shared_ptr<Graph> g;
    assert_int_equal(Graph::create(f.env, f.props(), "db", &g), GraphError::duplicate_graph);
    f.graph->close();
    assert_int_equal(Graph::create(f.env, f.props(), "db", &g), GraphError::duplicate_graph);
    /* Another database name is another graph database. */
    assert_int_equal(Graph::create(f.env, f.props(), "db2", &g), GraphError::ok);
    g->close();
}

void test_open_existing_and_new(void **)
{
    Fixture f;
    f.create(f.props());
    Guid id;
    Record r = app_record(f);
    assert_int_equal(f.graph->add_record(r, &id), GraphError::ok);
    f.graph->close();

    std::shared_ptr<Graph> g;
    bool created = true;
    assert_int_equal(Graph::open(f.env, "graph-1", "alice", "db", {}, &g, &created), GraphError::ok);
    assert_false(created);
    assert_true(g->ready());
    Record back;
    assert_int_equal(g->get_record(id, &back), GraphError::ok);
    assert_true(back.data == r.data);
    /* Open twice in one process is refused. */
    std::shared_ptr<Graph> again;
    assert_int_equal(Graph::open(f.env, "graph-1", "alice", "db", {}, &again, &created), GraphError::duplicate_graph);
    g->close();

    /* Someone else's graph, never synchronized here. */
    assert_int_equal(Graph::open(f.env, "graph-1", "bob", "db", {}, &g, &created), GraphError::ok);
    assert_true(created);
    assert_false(g->ready());
    assert_int_equal(g->add_record(app_record(f), &id), GraphError::not_ready);
    std::vector<Record> records;
    assert_int_equal(g->enum_records(nullptr, nullptr, &records), GraphError::not_ready);
    GraphProperties p;
    assert_int_equal(g->properties(&p), GraphError::not_ready);
    g->close();
    /* Still not synchronized the second time. */
    assert_int_equal(Graph::open(f.env, "graph-1", "bob", "db", {}, &g, &created), GraphError::ok);
    assert_true(created);
    g->close();
}

void test_open_drops_stale_node_records(void **)
{
    Fixture f;
    f.create(f.props());
    f.graph->close();
    /* A Presence record another node flooded in earlier. */
    std::unique_ptr<Store> store;
    assert_int_equal(Store::open(Graph::database_path(f.env, "graph-1", "alice", "db"), false, &store),
                     StoreStatus::ok);
    Record presence;
    presence.type = kRecordTypePresence;
    presence.id = make_record_id("bob", random_guid());
    presence.version = 1;
    presence.flags = kRecordFlagAutorefresh;
    presence.creator_id = "bob";
    presence.creation_time = presence.modification_time = f.clock.now_utc();
    presence.expiration_time = f.clock.now_utc() + 300 * kSecond;
    assert_int_equal(store->put(presence), StoreStatus::ok);
    store.reset();
    bool created;
    assert_int_equal(Graph::open(f.env, "graph-1", "alice", "db", {}, &f.graph, &created), GraphError::ok);
    f.graph->close();
    assert_int_equal(Store::open(Graph::database_path(f.env, "graph-1", "alice", "db"), false, &store),
                     StoreStatus::ok);
    assert_false(store->get(presence.id).has_value());
    assert_true(store->get(kRecordIdGraphInfo).has_value());
}

void test_remove(void **)
{
    Fixture f;
    f.create(f.props());
    assert_int_equal(Graph::remove(f.env, "graph-1", "alice", "db"), GraphError::access_denied);
    f.graph->close();
    assert_int_equal(Graph::remove(f.env, "graph-1", "alice", "db"), GraphError::ok);
    std::shared_ptr<Graph> g;
    bool created = false;
    assert_int_equal(Graph::open(f.env, "graph-1", "alice", "db", {}, &g, &created), GraphError::ok);
    assert_true(created);
    g->close();
}

void test_add_record_rules(void **)
{
    Fixture f;
    GraphProperties p = f.props();
    p.max_record_size = 1024;
    f.create(p);
    Guid id;
    Record r = app_record(f);
    r.type = kRecordTypePresence;
    assert_int_equal(f.graph->add_record(r, &id), GraphError::invalid_argument);
    r = app_record(f);
    r.flags = kRecordFlagAutorefresh;
    assert_int_equal(f.graph->add_record(r, &id), GraphError::invalid_argument);
    r = app_record(f);
    r.expiration_time = f.clock.now_utc();
    assert_int_equal(f.graph->add_record(r, &id), GraphError::invalid_argument);
    r = app_record(f);
    r.attributes = "<attributes><attribute name=\"x\" type=\"int\">abc</attribute></attributes>";
    assert_int_equal(f.graph->add_record(r, &id), GraphError::invalid_attributes);
    r = app_record(f);
    r.attributes.clear();
    r.data.assign(1025, 0);
    assert_int_equal(f.graph->add_record(r, &id), GraphError::max_record_size_exceeded);
    r.data.assign(1024, 0);
    assert_int_equal(f.graph->add_record(r, &id), GraphError::ok);

    Record back;
    assert_int_equal(f.graph->get_record(id, &back), GraphError::ok);
    assert_string_equal(back.creator_id.c_str(), "alice");
    assert_true(back.modified_by_id.empty());
    assert_int_equal(back.version, 1);
    assert_int_equal(back.creation_time, f.clock.now_utc());
    assert_int_equal(back.modification_time, back.creation_time);
    assert_true(record_id_matches_creator(id, "alice"));
    assert_false(record_id_matches_creator(id, "bob"));
}

void test_update_and_delete_rules(void **)
{
    Fixture f;
    f.create(f.props());
    auto events = listen_all(*f.graph);
    Guid id;
    Record r = app_record(f);
    assert_int_equal(f.graph->add_record(r, &id), GraphError::ok);
    f.clock.advance(kSecond);

    Record u = r;
    u.id = id;
    u.data = {9, 9};
    u.expiration_time = r.expiration_time - 1;
    assert_int_equal(f.graph->update_record(u), GraphError::invalid_argument);
    u.expiration_time = r.expiration_time + kSecond;
    assert_int_equal(f.graph->update_record(u), GraphError::ok);
    Record back;
    assert_int_equal(f.graph->get_record(id, &back), GraphError::ok);
    assert_int_equal(back.version, 2);
    assert_true(back.data == u.data);
    assert_string_equal(back.modified_by_id.c_str(), "alice");
    assert_true(back.modification_time > back.creation_time);

    Record unknown = u;
    unknown.id = random_guid();
    assert_int_equal(f.graph->update_record(unknown), GraphError::record_not_found);
    u.type = type_guid(2);
    assert_int_equal(f.graph->update_record(u), GraphError::invalid_argument);

    assert_int_equal(f.graph->delete_record(id, false), GraphError::ok);
    assert_int_equal(f.graph->get_record(id, &back), GraphError::record_not_found);
    assert_int_equal(f.graph->delete_record(id, false), GraphError::record_not_found);
    u.type = r.type;
    assert_int_equal(f.graph->update_record(u), GraphError::record_not_found);

    Guid id2;
    assert_int_equal(f.graph->add_record(app_record(f), &id2), GraphError::ok);
    assert_int_equal(f.graph->delete_record(id2, true), GraphError::ok);
    assert_int_equal(f.graph->get_record(id2, &back), GraphError::record_not_found);

    const RecordChange expected[] = {RecordChange::added, RecordChange::updated, RecordChange::deleted,
                                     RecordChange::added, RecordChange::deleted};
    for (RecordChange change : expected) {
        auto e = events->pop();
        assert_true(e.has_value());
        assert_int_equal(static_cast<int>(e->change), static_cast<int>(change));
        assert_true(e->record_type == r.type);
    }
    assert_false(events->pop().has_value());
}

void test_enum_filters(void **)
{
    Fixture f;
    f.create(f.props());
    Guid id;
    for (int i = 0; i < 6; ++i) {
        Record r = app_record(f, i % 2 ? 1 : 2);
        if (i % 3 == 0) r.creator_id = "carol";
        assert_int_equal(f.graph->add_record(r, &id), GraphError::ok);
    }
    std::vector<Record> out;
    Guid t1 = type_guid(1);
    std::string carol = "carol", alice = "alice";
    assert_int_equal(f.graph->enum_records(nullptr, nullptr, &out), GraphError::ok);
    assert_int_equal(out.size(), 6);
    f.graph->enum_records(&t1, nullptr, &out);
    assert_int_equal(out.size(), 3);
    f.graph->enum_records(nullptr, &carol, &out);
    assert_int_equal(out.size(), 2);
    f.graph->enum_records(&t1, &alice, &out);
    assert_int_equal(out.size(), 2);
}

void test_type_filtered_events(void **)
{
    Fixture f;
    f.create(f.props());
    auto only1 = listen_all(*f.graph, {{EventType::record_changed, type_guid(1)}});
    auto all = listen_all(*f.graph, {{EventType::record_changed, std::nullopt}});
    Guid id;
    f.graph->add_record(app_record(f, 1), &id);
    f.graph->add_record(app_record(f, 2), &id);
    assert_int_equal(only1->pending(), 1);
    assert_int_equal(all->pending(), 2);
    f.graph->remove_registration(all.get());
    f.graph->add_record(app_record(f, 1), &id);
    assert_int_equal(only1->pending(), 2);
    assert_int_equal(all->pending(), 2);
}

void test_expiry(void **)
{
    Fixture f;
    f.create(f.props());
    auto events = listen_all(*f.graph);
    Guid short_id, long_id, gone_id;
    f.graph->add_record(app_record(f, 1, 10 * kSecond), &short_id);
    f.graph->add_record(app_record(f, 1, 3600 * kSecond), &long_id);
    f.graph->add_record(app_record(f, 1, 10 * kSecond), &gone_id);
    f.graph->delete_record(gone_id, false);
    while (events->pop()) {
    }
    f.clock.advance(11 * kSecond);
    Record back;
    /* Past its expiration a record is gone even before the timer ran. */
    assert_int_equal(f.graph->get_record(short_id, &back), GraphError::record_not_found);
    f.graph->process_expirations();
    auto e = events->pop();
    assert_true(e.has_value());
    assert_int_equal(static_cast<int>(e->change), static_cast<int>(RecordChange::expired));
    assert_true(e->record_id == short_id);
    /* The tombstone expired silently. */
    assert_false(events->pop().has_value());
    assert_int_equal(f.graph->get_record(long_id, &back), GraphError::ok);
}

void test_deferred_expiration_keeps_records(void **)
{
    Fixture f;
    GraphProperties p = f.props();
    p.flags = kGraphFlagDeferExpiration;
    f.create(p);
    Guid id;
    f.graph->add_record(app_record(f, 1, 10 * kSecond), &id);
    f.clock.advance(20 * kSecond);
    auto events = listen_all(*f.graph);
    f.graph->process_expirations();
    assert_false(events->pop().has_value());
    /* Not even hidden: the node has never been connected. */
    Record back;
    assert_int_equal(f.graph->get_record(id, &back), GraphError::ok);
    std::vector<Record> all;
    f.graph->enum_records(nullptr, nullptr, &all);
    assert_int_equal(all.size(), 1);
}

void test_autorefresh_keeps_graph_info(void **)
{
    Fixture f;
    f.create(f.props());
    /* Far beyond Graph Info's 300 s life, refreshing as the timer would. */
    for (int i = 0; i < 10; ++i) {
        f.clock.advance(290 * kSecond);
        f.graph->process_autorefresh();
        f.graph->process_expirations();
    }
    GraphProperties p;
    assert_int_equal(f.graph->properties(&p), GraphError::ok);
    f.graph->close();
    /* Closed for a day: opening refreshes it first. */
    f.clock.advance(24 * 3600 * kSecond);
    bool created = true;
    assert_int_equal(Graph::open(f.env, "graph-1", "alice", "db", {}, &f.graph, &created), GraphError::ok);
    assert_false(created);
    assert_int_equal(f.graph->properties(&p), GraphError::ok);
    assert_string_equal(p.friendly_name.c_str(), "Friends");
}

void test_set_properties(void **)
{
    Fixture f;
    f.create(f.props());
    auto events = listen_all(*f.graph);
    GraphProperties changes = f.props();
    changes.graph_id = "ignored";
    changes.friendly_name = "New name";
    changes.comment.clear();
    changes.presence_lifetime = 600;
    changes.presence_max = 5;
    assert_int_equal(f.graph->set_properties(changes), GraphError::ok);
    auto e = events->pop();
    assert_true(e && e->type == EventType::property_changed);
    changes.presence_lifetime = 10;
    assert_int_equal(f.graph->set_properties(changes), GraphError::invalid_argument);
    f.graph->close();
    bool created;
    assert_int_equal(Graph::open(f.env, "graph-1", "alice", "db", {}, &f.graph, &created), GraphError::ok);
    GraphProperties p;
    f.graph->properties(&p);
    assert_string_equal(p.graph_id.c_str(), "graph-1");
    assert_string_equal(p.friendly_name.c_str(), "New name");
    assert_true(p.comment.empty());
    assert_int_equal(p.presence_lifetime, 600);
    assert_int_equal(p.presence_max, 5);
}

/* Runs one SQL statement on a database file; false on any error. */
bool run_sql(const std::string &path, const char *sql, long long *rows = nullptr)
{
    sqlite3 *db = nullptr;
    bool ok = sqlite3_open(path.c_str(), &db) == SQLITE_OK;
    sqlite3_stmt *stmt = nullptr;
    ok = ok && sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK;
    int step = ok ? sqlite3_step(stmt) : SQLITE_ERROR;
    if (rows && step == SQLITE_ROW) *rows = sqlite3_column_int64(stmt, 0);
    ok = ok && (step == SQLITE_ROW || step == SQLITE_DONE);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return ok;
}

/* A failed import changes nothing: an export without its Graph Info record
 * (or with one that does not decode) is refused before any of its records
 * is written. */
void test_import_refused_whole(void **)
{
    Fixture f;
    f.create(f.props());
    Guid id;
    for (int i = 0; i < 5; ++i) assert_int_equal(f.graph->add_record(app_record(f), &id), GraphError::ok);
    std::string good = f.dir + "/export.bin", no_info = f.dir + "/no-info.bin", bad_info = f.dir + "/bad-info.bin";
    assert_int_equal(f.graph->export_database(good), GraphError::ok);
    f.graph->close();
    assert_int_equal(std::system(("cp '" + good + "' '" + no_info + "' && cp '" + good + "' '" + bad_info + "'").c_str()), 0);
    /* The Graph Info record's id (MS-PPGRH 2.2.3.1) in Guid::bytes order. */
    char sql[256];
    std::string hex;
    for (std::uint8_t b : kRecordIdGraphInfo.bytes) {
        char two[3];
        std::snprintf(two, sizeof(two), "%02x", b);
        hex += two;
    }
    std::snprintf(sql, sizeof(sql), "DELETE FROM records WHERE id = x'%s'", hex.c_str());
    assert_true(run_sql(no_info, sql));
    std::snprintf(sql, sizeof(sql), "UPDATE records SET data = x'01' WHERE id = x'%s'", hex.c_str());
    assert_true(run_sql(bad_info, sql));

    assert_int_equal(Graph::remove(f.env, "graph-1", "alice", "db"), GraphError::ok);
    bool created = false;
    assert_int_equal(Graph::open(f.env, "graph-1", "alice", "db", {}, &f.graph, &created), GraphError::ok);
    assert_true(created);
    assert_int_equal(f.graph->import_database(no_info), GraphError::invalid_database);
    assert_int_equal(f.graph->import_database(bad_info), GraphError::invalid_database);
    assert_false(f.graph->ready());
    f.graph->close();
    long long rows = -1;
    assert_true(run_sql(Graph::database_path(f.env, "graph-1", "alice", "db"), "SELECT count(*) FROM records", &rows));
    assert_int_equal(rows, 0);

    /* Into a synchronized graph: a broken Graph Info is refused as well, and
     * the graph's own stays. */
    assert_int_equal(Graph::open(f.env, "graph-1", "alice", "db", {}, &f.graph, &created), GraphError::ok);
    assert_int_equal(f.graph->import_database(good), GraphError::ok);
    assert_int_equal(f.graph->import_database(bad_info), GraphError::invalid_database);
    f.graph->close();
    assert_int_equal(Graph::open(f.env, "graph-1", "alice", "db", {}, &f.graph, &created), GraphError::ok);
    assert_false(created);
    GraphProperties p;
    assert_int_equal(f.graph->properties(&p), GraphError::ok);
    assert_string_equal(p.graph_id.c_str(), "graph-1");
}

/* An import validates every record as a received one is validated and
 * merges by conflict order: an older export takes nothing back, a file
 * with one bad record is refused whole (PEER_E_INVALID_DATABASE). */
void test_import_validates_and_merges(void **)
{
    Fixture f;
    GraphProperties props = f.props();
    props.max_record_size = 1024;
    f.create(props);
    Guid id, other;
    assert_int_equal(f.graph->add_record(app_record(f), &id), GraphError::ok);
    assert_int_equal(f.graph->add_record(app_record(f), &other), GraphError::ok);
    std::string old_export = f.dir + "/old.bin";
    assert_int_equal(f.graph->export_database(old_export), GraphError::ok);
    Record r;
    for (int i = 0; i < 2; ++i) {
        f.clock.advance(kSecond);
        assert_int_equal(f.graph->get_record(id, &r), GraphError::ok);
        r.data = {9, 9, std::uint8_t(i)};
        assert_int_equal(f.graph->update_record(r), GraphError::ok);
    }
    std::string fresh = f.dir + "/fresh.bin";
    assert_int_equal(f.graph->export_database(fresh), GraphError::ok);
    f.graph->close();
    bool created = false;
    assert_int_equal(Graph::open(f.env, "graph-1", "alice", "db", {}, &f.graph, &created), GraphError::ok);

    /* Version 3 stays version 3. */
    assert_int_equal(f.graph->import_database(old_export), GraphError::ok);
    Record back;
    assert_int_equal(f.graph->get_record(id, &back), GraphError::ok);
    assert_int_equal(back.version, 3);
    assert_true(back.data == (std::vector<std::uint8_t>{9, 9, 1}));

    /* One bad record among good ones: nothing of the file is taken. */
    const char *const breakages[] = {
        "UPDATE records SET creator_id = printf('%.1000c', 'x') WHERE version = 1", /* 1,000 characters */
        "UPDATE records SET attributes = '<not xml' WHERE version = 1",
        "UPDATE records SET data = zeroblob(2000) WHERE version = 1",              /* past Max Record Size */
        "UPDATE records SET expiration_time = creation_time WHERE version = 1",
        "UPDATE records SET flags = 64 WHERE version = 1",
        "UPDATE records SET id = randomblob(16) WHERE version = 1",                /* not its creator's id */
    };
    for (const char *sql : breakages) {
        std::string bad = f.dir + "/bad.bin";
        assert_int_equal(std::system(("cp '" + fresh + "' '" + bad + "'").c_str()), 0);
        /* `id` made newer in the file: taken, it would change here. */
        assert_true(run_sql(bad, "UPDATE records SET data = x'0707', version = 4 WHERE version = 3"));
        assert_true(run_sql(bad, sql));
        if (f.graph->import_database(bad) != GraphError::invalid_database) fail_msg("imported after: %s", sql);
        assert_int_equal(f.graph->get_record(id, &back), GraphError::ok);
        assert_true(back.data == (std::vector<std::uint8_t>{9, 9, 1}));
    }
}

/* What the engine logged, for the checks below. */
std::vector<std::string> logged;
void catch_log(LogComponent, LogLevel level, const char *, const char *message)
{
    if (level == LogLevel::warn) logged.push_back(message);
}

/* MS-PPGRH 3.1.4.2: a database's records are validated again when it is
 * opened.  A bad row is dropped with a warning and the graph opens; without
 * a valid Graph Info record it opens as a graph that never synchronized. */
void test_open_drops_invalid_rows(void **)
{
    Fixture f;
    f.create(f.props());
    Guid good, bad;
    assert_int_equal(f.graph->add_record(app_record(f), &good), GraphError::ok);
    assert_int_equal(f.graph->add_record(app_record(f), &bad), GraphError::ok);
    f.graph->close();
    std::string path = Graph::database_path(f.env, "graph-1", "alice", "db");
    auto hex = [](const Guid &g) {
        std::string out;
        char two[3];
        for (std::uint8_t b : g.bytes) {
            std::snprintf(two, sizeof(two), "%02x", b);
            out += two;
        }
        return out;
    };
    assert_true(run_sql(path, ("UPDATE records SET attributes = '<broken' WHERE id = x'" + hex(bad) + "'").c_str()));

    const LogSink saved_sink = log_sink();
    const LogMask saved_mask = log_mask();
    set_log_sink(catch_log, kLogAll);
    logged.clear();
    bool created = true;
    assert_int_equal(Graph::open(f.env, "graph-1", "alice", "db", {}, &f.graph, &created), GraphError::ok);
    set_log_sink(saved_sink, saved_mask);
    assert_false(created);
    Record r;
    assert_int_equal(f.graph->get_record(good, &r), GraphError::ok);
    assert_int_equal(f.graph->get_record(bad, &r), GraphError::record_not_found);
    assert_int_equal(logged.size(), 1);
    f.graph->close();

    /* A Graph Info record that does not decode: the graph opens, not ready. */
    assert_true(run_sql(path, ("UPDATE records SET data = x'01' WHERE id = x'" + hex(kRecordIdGraphInfo) + "'").c_str()));
    assert_int_equal(Graph::open(f.env, "graph-1", "alice", "db", {}, &f.graph, &created), GraphError::ok);
    assert_true(created);
    assert_false(f.graph->ready());
}

void test_export_import(void **)
{
    Fixture f;
    f.create(f.props());
    std::vector<Guid> ids(20);
    for (auto &id : ids) assert_int_equal(f.graph->add_record(app_record(f), &id), GraphError::ok);
    std::string file = f.dir + "/export.bin";
    assert_int_equal(f.graph->export_database(file), GraphError::ok);
    /* Only after PeerGraphOpen. */
    assert_int_equal(f.graph->import_database(file), GraphError::graph_in_use);
    f.graph->close();
    assert_int_equal(Graph::remove(f.env, "graph-1", "alice", "db"), GraphError::ok);
    bool created = false;
    assert_int_equal(Graph::open(f.env, "graph-1", "alice", "db", {}, &f.graph, &created), GraphError::ok);
    assert_true(created);
    assert_int_equal(f.graph->import_database(f.dir + "/missing.bin"), GraphError::no_such_file);
    auto events = listen_all(*f.graph, {{EventType::status_changed, std::nullopt}});
    assert_int_equal(f.graph->import_database(file), GraphError::ok);
    assert_true(f.graph->ready());
    auto e = events->pop();
    assert_true(e && e->type == EventType::status_changed && e->status == kStatusSynchronized);
    for (auto &id : ids) {
        Record back;
        assert_int_equal(f.graph->get_record(id, &back), GraphError::ok);
    }
    GraphProperties p;
    assert_int_equal(f.graph->properties(&p), GraphError::ok);
    assert_string_equal(p.comment.c_str(), "a comment");
}

void test_search(void **)
{
    Fixture f;
    f.create(f.props());
    Guid id;
    for (int i = 0; i < 5; ++i) {
        Record r = app_record(f);
        r.attributes = "<attributes><attribute name=\"n\" type=\"int\">" + std::to_string(i) +
                       "</attribute></attributes>";
        f.graph->add_record(r, &id);
    }
    SearchQuery::Error error;
    auto query = SearchQuery::parse(
        "<peersearch><clause attrib=\"n\" type=\"int\" compare=\"greaterorequal\">3</clause></peersearch>", &error);
    assert_non_null(query.get());
    std::vector<Record> out;
    assert_int_equal(f.graph->search_records(*query, &out), GraphError::ok);
    assert_int_equal(out.size(), 2);
}

void test_peer_time(void **)
{
    Fixture f;
    f.create(f.props());
    assert_int_equal(f.graph->peer_time(), kStart);
    assert_int_equal(f.graph->to_utc(f.graph->to_peer_time(12345)), 12345);
}

void test_closed_graph(void **)
{
    Fixture f;
    f.create(f.props());
    f.graph->close();
    f.graph->close();
    Guid id;
    Record r;
    assert_true(f.graph->closed());
    assert_int_equal(f.graph->add_record(app_record(f), &id), GraphError::shutting_down);
    assert_int_equal(f.graph->get_record(id, &r), GraphError::shutting_down);
}

void test_direct_connection_table(void **)
{
    Fixture f;
    f.create(f.props());
    auto a = std::make_shared<CountingConnection>();
    auto b = std::make_shared<CountingConnection>();
    assert_false(f.graph->close_direct_connection(1));
    const std::uint8_t one = 1;
    assert_int_equal(f.graph->send_data(10, type_guid(1), &one, 1), GraphError::connection_not_found);
    a->id = 10;
    b->id = 11;
    f.graph->add_direct_connection(10, a);
    f.graph->add_direct_connection(11, b);
    /* Data goes only to connected links (test_link sends on real ones). */
    assert_int_equal(f.graph->send_data(11, type_guid(1), &one, 1), GraphError::connection_not_found);
    assert_int_equal(f.graph->connections(kConnectionDirect).size(), 2);
    assert_int_equal(f.graph->connections(kConnectionNeighbor).size(), 0);
    assert_int_equal(f.graph->connections(kConnectionDirect | kConnectionNeighbor)[1].connection_id, 11);
    assert_true(f.graph->close_direct_connection(10));
    assert_int_equal(a->closes, 1);
    assert_false(f.graph->close_direct_connection(10));
    f.graph->close();
    assert_int_equal(b->closes, 1);
    assert_int_equal(f.graph->direct_connection_count(), 0);
}

void test_conflict_resolution_order(void **)
{
    Record a, b;
    a.version = b.version = 3;
    assert_int_equal(static_cast<int>(resolve_conflict(a, b)), static_cast<int>(ConflictWinner::same));
    a.version = 4;
    assert_int_equal(static_cast<int>(resolve_conflict(a, b)), static_cast<int>(ConflictWinner::received));
    assert_int_equal(static_cast<int>(resolve_conflict(b, a)), static_cast<int>(ConflictWinner::local));
    a.version = 3;
    b.modified_by_id = "x"; /* updated beats never updated */
    assert_int_equal(static_cast<int>(resolve_conflict(a, b)), static_cast<int>(ConflictWinner::local));
    a.modified_by_id = "y"; /* higher Last Modified By */
    assert_int_equal(static_cast<int>(resolve_conflict(a, b)), static_cast<int>(ConflictWinner::received));
    a.modified_by_id = "x";
    a.modification_time = 10;
    b.modification_time = 20;
    assert_int_equal(static_cast<int>(resolve_conflict(a, b)), static_cast<int>(ConflictWinner::local));
    a.modification_time = 20;
    a.security_data = {1, 2};
    b.security_data = {9};
    assert_int_equal(static_cast<int>(resolve_conflict(a, b)), static_cast<int>(ConflictWinner::received));
    b.security_data = {1, 3};
    assert_int_equal(static_cast<int>(resolve_conflict(a, b)), static_cast<int>(ConflictWinner::local));
    b.security_data = {1, 2};
    assert_int_equal(static_cast<int>(resolve_conflict(a, b)), static_cast<int>(ConflictWinner::same));
}

void test_record_id_derivation(void **)
{
    Guid random = random_guid();
    Guid id1 = make_record_id("alice", random);
    Guid id2 = make_record_id("alice", random);
    assert_true(id1 == id2);
    assert_true(record_id_matches_creator(id1, "alice"));
    assert_false(record_id_matches_creator(id1, "Alice"));
    /* Same creator, other random part: same high half, other low half. */
    Guid id3 = make_record_id("alice", random_guid());
    assert_true(std::equal(id1.bytes.begin() + 8, id1.bytes.end(), id3.bytes.begin() + 8));
    assert_false(id1 == id3);
    /* Non-ASCII creators hash their UTF-16 form. */
    Guid id4 = make_record_id("\xc3\xa9milie", random);
    assert_true(record_id_matches_creator(id4, "\xc3\xa9milie"));
}

void test_graph_info_codec(void **)
{
    GraphProperties p;
    p.graph_id = "g";
    p.creator_id = "c\xc3\xa9";
    p.friendly_name = "";
    p.comment = "hello";
    p.flags = kGraphFlagDeferExpiration;
    p.scope = kScopeLinkLocal;
    p.max_record_size = 4096;
    p.presence_max = 7;
    std::vector<std::uint8_t> bytes = encode_graph_info(p);
    GraphProperties q;
    assert_true(decode_graph_info(bytes, &q));
    assert_string_equal(q.graph_id.c_str(), "g");
    assert_string_equal(q.creator_id.c_str(), "c\xc3\xa9");
    assert_string_equal(q.comment.c_str(), "hello");
    assert_int_equal(q.flags, kGraphFlagDeferExpiration);
    assert_int_equal(q.scope, kScopeLinkLocal);
    assert_int_equal(q.max_record_size, 4096);
    assert_int_equal(q.presence_max, 7);
    /* Every truncation fails cleanly. */
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + n);
        assert_false(decode_graph_info(cut, &q));
    }
    /* A bad max record size. */
    std::vector<std::uint8_t> bad = bytes;
    bad[bad.size() - 2] = 0;
    bad[bad.size() - 1] = 1;
    assert_false(decode_graph_info(bad, &q));
}

/* The size of the one WAL file under dir (0: none). */
off_t wal_size(const std::string &dir)
{
    off_t size = 0;
    if (DIR *d = opendir(dir.c_str())) {
        while (struct dirent *e = readdir(d)) {
            std::string name = e->d_name;
            struct stat st;
            if (name.size() > 4 && name.compare(name.size() - 4, 4, "-wal") == 0 &&
                stat((dir + "/" + name).c_str(), &st) == 0)
                size = st.st_size;
        }
        closedir(d);
    }
    return size;
}

/* Graph::create makes the graph before its store: its checkpoints must be
 * deferred all the same (to the loop's timer, and from there to a thread
 * of their own).  The loop here never runs, so a deferred checkpoint never
 * comes and the WAL holds all that was written; one done in the commit
 * that made it due (past 1 MiB of WAL and twice the database) would have
 * the WAL start over at about that size. */
void test_created_graph_defers_checkpoints(void **)
{
    Fixture f;
    std::string error;
    std::unique_ptr<Loop> loop = Loop::create(&error);
    assert_non_null(loop.get());
    f.env.loop = loop.get();
    f.create(f.props());
    for (int i = 0; i < 64; ++i) {
        Record r = app_record(f);
        r.data.assign(64 * 1024, static_cast<std::uint8_t>(i));
        Guid id;
        assert_int_equal(f.graph->add_record(r, &id), GraphError::ok);
    }
    assert_true(wal_size(f.env.data_directory) >= 4 * 1024 * 1024);
    f.graph->close();
    f.graph.reset();
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_properties),
        cmocka_unit_test(test_create_rejects_bad_properties),
        cmocka_unit_test(test_duplicate_graph),
        cmocka_unit_test(test_open_existing_and_new),
        cmocka_unit_test(test_open_drops_stale_node_records),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_add_record_rules),
        cmocka_unit_test(test_update_and_delete_rules),
        cmocka_unit_test(test_enum_filters),
        cmocka_unit_test(test_type_filtered_events),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_deferred_expiration_keeps_records),
        cmocka_unit_test(test_autorefresh_keeps_graph_info),
        cmocka_unit_test(test_set_properties),
        cmocka_unit_test(test_export_import),
        cmocka_unit_test(test_import_refused_whole),
        cmocka_unit_test(test_import_validates_and_merges),
        cmocka_unit_test(test_open_drops_invalid_rows),
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_peer_time),
        cmocka_unit_test(test_closed_graph),
        cmocka_unit_test(test_direct_connection_table),
        cmocka_unit_test(test_conflict_resolution_order),
        cmocka_unit_test(test_record_id_derivation),
        cmocka_unit_test(test_graph_info_codec),
        cmocka_unit_test(test_created_graph_defers_checkpoints),
    };
    return cmocka_run_group_tests_name("graph", tests, nullptr, nullptr);
}
