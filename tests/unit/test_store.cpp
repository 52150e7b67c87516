/*
 * Unit tests: the engine store (graph database and export files)
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
#include "engine/store.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <thread>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using p2pg::FileTime;
using p2pg::Guid;
using p2pg::Record;
using p2pg::RecordFilter;
using p2pg::Store;
using p2pg::StoreStatus;

namespace {

/* Each test gets a fresh directory as its state. */
struct Fixture {
    std::string dir;
    std::string db() const { return dir + "/graph.db"; }
    std::string file(const char *name) const { return dir + "/" + name; }
};

int remove_entry(const char *path, const struct stat *, int, struct FTW *)
{
    return ::remove(path);
}

void remove_tree(const std::string &dir)
{
    nftw(dir.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int setup(void **state)
{
    char name[] = "/tmp/p2pg-store-XXXXXX";
    if (!mkdtemp(name)) return -1;
    *state = new Fixture{name};
    return 0;
}

int teardown(void **state)
{
    auto *f = static_cast<Fixture *>(*state);
    remove_tree(f->dir);
    delete f;
    return 0;
}

const Fixture &fx(void **state)
{
    return *static_cast<Fixture *>(*state);
}

Guid make_guid(std::uint32_t n, std::uint8_t tag)
{
    Guid g;
    g.bytes[0] = tag;
    g.bytes[1] = 0xa5; /* keeps it clear of the reserved types (Data1 0x100..0x400) */
    for (int i = 0; i < 4; ++i) g.bytes[12 + i] = static_cast<std::uint8_t>(n >> (8 * (3 - i)));
    return g;
}

const Guid kTypeA = make_guid(1, 0x7a);
const Guid kTypeB = make_guid(2, 0x7b);

Record make_record(std::uint32_t n, const Guid &type = kTypeA, const std::string &creator = "alice",
                   FileTime created = 0, std::uint32_t flags = 0)
{
    Record r;
    r.type = type;
    r.id = make_guid(n, 0x1d);
    r.version = n % 7 + 1;
    r.flags = flags;
    r.creator_id = creator;
    r.modified_by_id = n % 2 ? "bob" : "";
    r.attributes = "<attributes><attribute name=\"n\" type=\"int\">" + std::to_string(n) + "</attribute></attributes>";
    r.creation_time = created ? created : 130000000000000000ll + n;
    r.expiration_time = r.creation_time + 3600 * p2pg::kTicksPerSecond;
    r.modification_time = r.creation_time + 5;
    r.security_data = {0x30, static_cast<std::uint8_t>(n), 0x00, 0xff};
    r.data.resize(64 + n % 50);
    for (std::size_t i = 0; i < r.data.size(); ++i) r.data[i] = static_cast<std::uint8_t>(n * 31 + i);
    return r;
}

bool same_record(const Record &a, const Record &b)
{
    return a.type == b.type && a.id == b.id && a.version == b.version && a.flags == b.flags &&
           a.creator_id == b.creator_id && a.modified_by_id == b.modified_by_id && a.attributes == b.attributes &&
           a.creation_time == b.creation_time && a.expiration_time == b.expiration_time &&
           a.modification_time == b.modification_time && a.security_data == b.security_data && a.data == b.data;
}

void assert_same_record(const Record &a, const Record &b)
{
    assert_true(a.type == b.type);
    assert_true(a.id == b.id);
    assert_int_equal(a.version, b.version);
    assert_int_equal(a.flags, b.flags);
    assert_true(a.creator_id == b.creator_id);
    assert_true(a.modified_by_id == b.modified_by_id);
    assert_true(a.attributes == b.attributes);
    assert_true(a.creation_time == b.creation_time);
    assert_true(a.expiration_time == b.expiration_time);
    assert_true(a.modification_time == b.modification_time);
    assert_true(a.security_data == b.security_data);
    assert_true(a.data == b.data);
}

std::unique_ptr<Store> open_store(const std::string &path, bool create = true)
{
    std::unique_ptr<Store> store;
    assert_int_equal(Store::open(path, create, &store), StoreStatus::ok);
    assert_non_null(store.get());
    return store;
}

void write_file(const std::string &path, const std::string &bytes)
{
    FILE *f = fopen(path.c_str(), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
    fclose(f);
}

std::string read_file(const std::string &path)
{
    std::string bytes;
    FILE *f = fopen(path.c_str(), "rb");
    assert_non_null(f);
    char buf[65536];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) bytes.append(buf, n);
    fclose(f);
    return bytes;
}

bool exists(const std::string &path)
{
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

off_t file_size(const std::string &path)
{
    struct stat st;
    assert_int_equal(::stat(path.c_str(), &st), 0);
    return st.st_size;
}

/* Runs SQL on a file with SQLite directly, to make or tamper with files. */
void run_sql(const std::string &path, const char *sql)
{
    sqlite3 *db = nullptr;
    assert_int_equal(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char *error = nullptr;
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
    if (rc != SQLITE_OK) fprintf(stderr, "run_sql: %s\n", error ? error : "?");
    sqlite3_free(error);
    assert_int_equal(rc, SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

StoreStatus open_status(const std::string &path, bool create)
{
    std::unique_ptr<Store> store;
    StoreStatus status = Store::open(path, create, &store);
    assert_true((status == StoreStatus::ok) == (store != nullptr));
    return status;
}

/* A store with ids and a mix of kinds: 3 of type A by alice, 2 of type B by
 * bob, a tombstone of each type, and one record of each reserved type. */
std::vector<Record> mixed_records()
{
    std::vector<Record> v;
    v.push_back(make_record(1, kTypeA, "alice"));
    v.push_back(make_record(2, kTypeA, "alice"));
    v.push_back(make_record(3, kTypeA, "bob"));
    v.push_back(make_record(4, kTypeB, "bob"));
    v.push_back(make_record(5, kTypeB, "alice"));
    v.push_back(make_record(6, kTypeA, "alice", 0, p2pg::kRecordFlagDeleted));
    v.push_back(make_record(7, kTypeB, "bob", 0, p2pg::kRecordFlagDeleted | p2pg::kRecordFlagAutorefresh));
    v.push_back(make_record(8, p2pg::kRecordTypeGraphInfo, "alice"));
    v.push_back(make_record(9, p2pg::kRecordTypeSignature, "bob"));
    v.push_back(make_record(10, p2pg::kRecordTypeContact, "alice"));
    v.push_back(make_record(11, p2pg::kRecordTypePresence, "bob", 0, p2pg::kRecordFlagDeleted));
    return v;
}

bool passes(const Record &r, const RecordFilter &f)
{
    if (f.type && r.type != *f.type) return false;
    if (f.creator_id && r.creator_id != *f.creator_id) return false;
    if (!f.include_deleted && r.deleted()) return false;
    if (!f.include_internal && p2pg::is_reserved_record_type(r.type)) return false;
    return true;
}

bool by_creation(const Record &a, const Record &b)
{
    return a.creation_time != b.creation_time ? a.creation_time < b.creation_time : a.id < b.id;
}

/* ---- open, create, reopen ---- */

void test_status_mapping(void **)
{
    assert_int_equal(p2pg::store_status_from_sqlite(SQLITE_OK, 0), StoreStatus::ok);
    assert_int_equal(p2pg::store_status_from_sqlite(SQLITE_NOTADB, 0), StoreStatus::corrupt);
    assert_int_equal(p2pg::store_status_from_sqlite(SQLITE_CORRUPT, 0), StoreStatus::corrupt);
    assert_int_equal(p2pg::store_status_from_sqlite(SQLITE_CORRUPT_INDEX, 0), StoreStatus::corrupt);
    assert_int_equal(p2pg::store_status_from_sqlite(SQLITE_CANTOPEN, ENOENT), StoreStatus::no_such_file);
    assert_int_equal(p2pg::store_status_from_sqlite(SQLITE_CANTOPEN, EACCES), StoreStatus::access_denied);
    assert_int_equal(p2pg::store_status_from_sqlite(SQLITE_CANTOPEN, EPERM), StoreStatus::access_denied);
    assert_int_equal(p2pg::store_status_from_sqlite(SQLITE_CANTOPEN, EIO), StoreStatus::io_error);
    assert_int_equal(p2pg::store_status_from_sqlite(SQLITE_FULL, 0), StoreStatus::disk_full);
    assert_int_equal(p2pg::store_status_from_sqlite(SQLITE_IOERR_WRITE, ENOSPC), StoreStatus::disk_full);
    assert_int_equal(p2pg::store_status_from_sqlite(SQLITE_IOERR_WRITE, EIO), StoreStatus::io_error);
    assert_int_equal(p2pg::store_status_from_sqlite(SQLITE_READONLY, 0), StoreStatus::access_denied);
    assert_int_equal(p2pg::store_status_from_sqlite(SQLITE_BUSY, 0), StoreStatus::io_error);
    assert_string_equal(p2pg::store_status_name(StoreStatus::foreign), "foreign");
    assert_string_equal(p2pg::store_status_name(StoreStatus::disk_full), "disk_full");
}

void test_create_reports_created(void **state)
{
    std::unique_ptr<Store> store;
    bool created = false;
    assert_int_equal(Store::open(fx(state).db(), true, &store, &created), StoreStatus::ok);
    assert_true(created);
    assert_non_null(store.get());
    assert_true(store->path() == fx(state).db());
    store.reset();

    created = true;
    assert_int_equal(Store::open(fx(state).db(), true, &store, &created), StoreStatus::ok);
    assert_false(created);
    store.reset();
    created = true;
    assert_int_equal(Store::open(fx(state).db(), false, &store, &created), StoreStatus::ok);
    assert_false(created);
}

void test_missing_without_create_is_no_such_file(void **state)
{
    std::unique_ptr<Store> store;
    bool created = true;
    assert_int_equal(Store::open(fx(state).db(), false, &store, &created), StoreStatus::no_such_file);
    assert_null(store.get());
    assert_false(created);
    assert_false(exists(fx(state).db()));
    assert_int_equal(open_status(fx(state).file("no/such/dir/graph.db"), false), StoreStatus::no_such_file);
    assert_false(exists(fx(state).file("no")));
}

void test_create_makes_parent_directories(void **state)
{
    std::string path = fx(state).file("a/b/c/graph.db");
    bool created = false;
    std::unique_ptr<Store> store;
    assert_int_equal(Store::open(path, true, &store, &created), StoreStatus::ok);
    assert_true(created);
    for (const char *dir : {"a", "a/b", "a/b/c"}) {
        struct stat st;
        assert_int_equal(::stat(fx(state).file(dir).c_str(), &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 0777, 0700);
    }
    /* No temporary file is left beside the database. */
    store.reset();
    std::vector<std::string> names;
    DIR *d = opendir(fx(state).file("a/b/c").c_str());
    assert_non_null(d);
    while (struct dirent *e = readdir(d))
        if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) names.push_back(e->d_name);
    closedir(d);
    assert_int_equal(names.size(), 1);
    assert_string_equal(names[0].c_str(), "graph.db");
}

void test_reopen_keeps_records_and_meta(void **state)
{
    std::vector<Record> records = mixed_records();
    {
        auto store = open_store(fx(state).db());
        for (const Record &r : records) assert_int_equal(store->put(r), StoreStatus::ok);
        assert_int_equal(store->set_meta(p2pg::kMetaGraphId, "graph-1"), StoreStatus::ok);
    }
    /* Closing checkpoints the WAL and removes it. */
    assert_false(exists(fx(state).db() + "-wal"));
    auto store = open_store(fx(state).db(), false);
    assert_true(store->meta(p2pg::kMetaGraphId) == std::string("graph-1"));
    RecordFilter all;
    all.include_deleted = all.include_internal = true;
    assert_int_equal(store->count(all), records.size());
    for (const Record &r : records) {
        auto got = store->get(r.id);
        assert_true(got.has_value());
        assert_same_record(*got, r);
    }
}

void test_meta_round_trip(void **state)
{
    auto store = open_store(fx(state).db());
    assert_false(store->meta("peer_id").has_value());
    assert_int_equal(store->set_meta("peer_id", "peer-\xc3\xa9\xe2\x82\xac"), StoreStatus::ok);
    assert_int_equal(store->set_meta("synchronized", ""), StoreStatus::ok);
    assert_int_equal(store->set_meta("time_delta", "-12345"), StoreStatus::ok);
    assert_true(store->meta("peer_id") == std::string("peer-\xc3\xa9\xe2\x82\xac"));
    assert_true(store->meta("synchronized") == std::string());
    assert_int_equal(store->set_meta("time_delta", "42"), StoreStatus::ok);
    assert_true(store->meta("time_delta") == std::string("42"));
    assert_false(store->meta("Peer_id").has_value());
    store.reset();
    store = open_store(fx(state).db());
    assert_true(store->meta("time_delta") == std::string("42"));
    assert_true(store->meta("synchronized").has_value());
}

/* ---- put/get ---- */

void test_put_get_every_field(void **state)
{
    auto store = open_store(fx(state).db());
    Record r = make_record(77);
    r.version = 0xffffffffu;
    r.flags = p2pg::kRecordFlagAutorefresh;
    r.creation_time = 1;
    r.expiration_time = INT64_MAX;
    r.modification_time = -5;
    assert_int_equal(store->put(r), StoreStatus::ok);
    auto got = store->get(r.id);
    assert_true(got.has_value());
    assert_same_record(*got, r);
    assert_false(store->get(make_guid(78, 0x1d)).has_value());
}

void test_put_get_empty_fields(void **state)
{
    auto store = open_store(fx(state).db());
    Record r;
    r.type = kTypeB;
    r.id = make_guid(1, 0x55);
    assert_int_equal(store->put(r), StoreStatus::ok);
    auto got = store->get(r.id);
    assert_true(got.has_value());
    assert_same_record(*got, r);
    assert_true(got->data.empty() && got->security_data.empty() && got->creator_id.empty());
}

void test_put_get_utf8_strings(void **state)
{
    auto store = open_store(fx(state).db());
    Record r = make_record(3);
    r.creator_id = "\xe5\xbc\xa0\xe4\xb8\x89@\xd0\xbf\xd0\xb8\xd1\x80"; /* CJK and Cyrillic */
    r.modified_by_id = "J\xc3\xbcrgen \xf0\x9f\x98\x80";                 /* a 4-byte sequence */
    r.attributes = "<attributes><attribute name=\"t\" type=\"string\">\xc3\xa9t\xc3\xa9</attribute></attributes>";
    assert_int_equal(store->put(r), StoreStatus::ok);
    store.reset();
    store = open_store(fx(state).db());
    auto got = store->get(r.id);
    assert_true(got.has_value());
    assert_same_record(*got, r);
    std::string creator = r.creator_id;
    RecordFilter f;
    f.creator_id = &creator;
    assert_int_equal(store->count(f), 1);
}

void test_put_get_large_blobs(void **state)
{
    auto store = open_store(fx(state).db());
    Record r = make_record(5);
    r.data.resize(6 * 1024 * 1024 + 3);
    for (std::size_t i = 0; i < r.data.size(); ++i) r.data[i] = static_cast<std::uint8_t>(i * 2654435761u >> 13);
    r.security_data.assign(1024 * 1024, 0xab);
    assert_int_equal(store->put(r), StoreStatus::ok);
    auto got = store->get(r.id);
    assert_true(got.has_value());
    assert_same_record(*got, r);
}

void test_put_get_60mb_record(void **state)
{
    Record r = make_record(6);
    r.data.assign(60 * 1024 * 1024, 0);
    for (std::size_t i = 0; i < r.data.size(); i += 4096) r.data[i] = static_cast<std::uint8_t>(i >> 12);
    {
        auto store = open_store(fx(state).db());
        assert_int_equal(store->put(r), StoreStatus::ok);
    }
    auto store = open_store(fx(state).db());
    auto got = store->get(r.id);
    assert_true(got.has_value());
    assert_true(got->data == r.data);
    /* After the 60 MB transaction is checkpointed, the next write truncates
     * the WAL (journal_size_limit): it does not stay at 60 MB. */
    r.data.assign(10, 1);
    assert_int_equal(store->put(r), StoreStatus::ok);
    assert_int_equal(store->put(make_record(7)), StoreStatus::ok);
    assert_true(store->get(r.id)->data == r.data);
    assert_true(file_size(fx(state).db() + "-wal") <= 40 * 1024 * 1024);
}

void test_put_replaces_by_id(void **state)
{
    auto store = open_store(fx(state).db());
    Record r = make_record(9);
    assert_int_equal(store->put(r), StoreStatus::ok);
    Record update = make_record(9, kTypeB, "carol", 140000000000000000ll, p2pg::kRecordFlagDeleted);
    update.version = 12;
    update.data = {1, 2, 3};
    update.security_data.clear();
    assert_int_equal(store->put(update), StoreStatus::ok);
    RecordFilter all;
    all.include_deleted = all.include_internal = true;
    assert_int_equal(store->count(all), 1);
    auto got = store->get(r.id);
    assert_true(got.has_value());
    assert_same_record(*got, update);
    assert_int_equal(store->count(RecordFilter()), 0);
}

void test_put_many(void **state)
{
    auto store = open_store(fx(state).db());
    assert_int_equal(store->put_many({}), StoreStatus::ok);
    std::vector<Record> records;
    for (std::uint32_t n = 0; n < 2000; ++n) records.push_back(make_record(n));
    records.push_back(make_record(5, kTypeB)); /* a later copy of id 5 wins */
    assert_int_equal(store->put_many(records), StoreStatus::ok);
    assert_int_equal(store->count(RecordFilter()), 2000);
    assert_true(store->get(make_guid(5, 0x1d))->type == kTypeB);
    /* The store is still usable outside a transaction afterwards. */
    assert_int_equal(store->put(make_record(5000)), StoreStatus::ok);
    assert_int_equal(store->count(RecordFilter()), 2001);
}

/* A small database checkpoints its WAL long before SQLite's or our large
 * databases' threshold: thousands of commits of small records (what a node
 * of a large graph receives) leave a WAL of a few MiB, not 32. */
void test_small_database_keeps_a_small_wal(void **state)
{
    auto store = open_store(fx(state).db());
    for (std::uint32_t n = 0; n < 3000; ++n) assert_int_equal(store->put(make_record(n)), StoreStatus::ok);
    struct stat st;
    assert_int_equal(stat((fx(state).db() + "-wal").c_str(), &st), 0);
    assert_true(st.st_size < 8 * 1024 * 1024);
    assert_int_equal(store->count(RecordFilter()), 3000);
}

/* A store whose checkpoints are deferred (due counts the calls), a reader
 * of it, and records past the point where a checkpoint is due, short of
 * the hard limit. */
struct DeferredStore {
    std::string db;
    std::unique_ptr<Store> store;
    std::unique_ptr<p2pg::StoreReader> reader;
    int due = 0;

    explicit DeferredStore(const std::string &path) : db(path), store(open_store(path))
    {
        assert_int_equal(store->open_reader(&reader), StoreStatus::ok);
        store->defer_checkpoints([this] { ++due; });
        for (std::uint32_t n = 0; n < 1000; ++n) assert_int_equal(store->put(make_record(n)), StoreStatus::ok);
        assert_true(due > 0);
    }
    off_t wal_size() const
    {
        struct stat st;
        assert_int_equal(stat((db + "-wal").c_str(), &st), 0);
        return st.st_size;
    }
};

/* With checkpoints deferred, a commit that makes one due tells the owner
 * instead of checkpointing (the WAL grows until someone does), and a
 * reader's connection can do it on another thread. */
void test_deferred_checkpoints(void **state)
{
    DeferredStore d(fx(state).db());
    const off_t grown = d.wal_size();
    assert_true(grown >= 1024 * 1024); /* nobody checkpointed */
    std::thread([&d] { d.reader->checkpoint(); }).join();
    /* All of it is in the database now: the writer starts the WAL over. */
    for (std::uint32_t n = 1000; n < 1100; ++n) assert_int_equal(d.store->put(make_record(n)), StoreStatus::ok);
    assert_true(d.wal_size() == grown);
    Record got;
    assert_int_equal(d.reader->get(make_guid(1099, 0x1d), &got), StoreStatus::ok);
    d.reader.reset();
    assert_int_equal(d.store->count(RecordFilter()), 1100);
}

/* Under steady commits a checkpoint on another thread never sees the WAL's
 * end: the writer's transaction began before it finished and commits after
 * it.  The writer then writes back what is left itself, so that its next
 * transaction starts the WAL over instead of growing it. */
void test_writer_finishes_a_readers_checkpoint(void **state)
{
    DeferredStore d(fx(state).db());
    /* A transaction under way while the reader checkpoints. */
    assert_int_equal(d.store->begin_batch(), StoreStatus::ok);
    assert_int_equal(d.store->put(make_record(1000)), StoreStatus::ok);
    std::thread([&d] { d.reader->checkpoint(); }).join();
    assert_int_equal(d.store->end_batch(), StoreStatus::ok);
    const off_t after = d.wal_size();
    for (std::uint32_t n = 1001; n < 1100; ++n) assert_int_equal(d.store->put(make_record(n)), StoreStatus::ok);
    assert_true(d.wal_size() == after);
    d.reader.reset();
    assert_int_equal(d.store->count(RecordFilter()), 1100);
}

/* A database made before the index on type and creator gets it when opened
 * (the lookup of one creator's records of one type goes through it). */
void test_open_adds_type_creator_index(void **state)
{
    open_store(fx(state).db());
    run_sql(fx(state).db(), "DROP INDEX records_type_creator; CREATE INDEX records_type ON records(type);");
    auto store = open_store(fx(state).db(), false);
    store.reset();
    sqlite3 *db = nullptr;
    assert_int_equal(sqlite3_open(fx(state).db().c_str(), &db), SQLITE_OK);
    sqlite3_stmt *stmt = nullptr;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
                                        "name = 'records_type_creator'",
                                        -1, &stmt, nullptr),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), 1);
    sqlite3_finalize(stmt);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* ---- list, count, erase, expiration ---- */

void test_list_default_filter(void **state)
{
    auto store = open_store(fx(state).db());
    assert_int_equal(store->put_many(mixed_records()), StoreStatus::ok);
    auto list = store->list(RecordFilter());
    assert_int_equal(list.size(), 5);
    for (const Record &r : list) {
        assert_false(r.deleted());
        assert_false(p2pg::is_reserved_record_type(r.type));
    }
    assert_int_equal(store->count(RecordFilter()), 5);
}

void test_list_by_type_and_creator(void **state)
{
    auto store = open_store(fx(state).db());
    assert_int_equal(store->put_many(mixed_records()), StoreStatus::ok);
    RecordFilter f;
    f.type = &kTypeA;
    assert_int_equal(store->list(f).size(), 3);
    std::string bob = "bob";
    f.creator_id = &bob;
    auto list = store->list(f);
    assert_int_equal(list.size(), 1);
    assert_true(list[0].id == make_guid(3, 0x1d));
    f.type = nullptr;
    assert_int_equal(store->list(f).size(), 2);
    std::string nobody = "Bob"; /* exact match only */
    f.creator_id = &nobody;
    assert_int_equal(store->list(f).size(), 0);
    f.type = &p2pg::kRecordTypeContact;
    f.creator_id = nullptr;
    assert_int_equal(store->list(f).size(), 0); /* internal types need include_internal */
    f.include_internal = true;
    assert_int_equal(store->list(f).size(), 1);
}

void test_list_deleted_and_internal(void **state)
{
    auto store = open_store(fx(state).db());
    assert_int_equal(store->put_many(mixed_records()), StoreStatus::ok);
    RecordFilter f;
    f.include_deleted = true;
    assert_int_equal(store->list(f).size(), 7);
    f.include_deleted = false;
    f.include_internal = true;
    assert_int_equal(store->list(f).size(), 8);
    f.include_deleted = true;
    assert_int_equal(store->list(f).size(), 11);
}

void test_list_every_filter_combination(void **state)
{
    auto store = open_store(fx(state).db());
    std::vector<Record> records = mixed_records();
    assert_int_equal(store->put_many(records), StoreStatus::ok);
    const Guid *types[] = {nullptr, &kTypeA, &kTypeB, &p2pg::kRecordTypePresence};
    std::string alice = "alice", bob = "bob";
    const std::string *creators[] = {nullptr, &alice, &bob};
    for (const Guid *type : types)
        for (const std::string *creator : creators)
            for (int deleted = 0; deleted < 2; ++deleted)
                for (int internal = 0; internal < 2; ++internal) {
                    RecordFilter f;
                    f.type = type;
                    f.creator_id = creator;
                    f.include_deleted = deleted;
                    f.include_internal = internal;
                    std::vector<Record> expected;
                    for (const Record &r : records)
                        if (passes(r, f)) expected.push_back(r);
                    std::sort(expected.begin(), expected.end(), by_creation);
                    auto list = store->list(f);
                    assert_int_equal(list.size(), expected.size());
                    for (std::size_t i = 0; i < list.size(); ++i) assert_true(same_record(list[i], expected[i]));
                    assert_int_equal(store->count(f), expected.size());
                }
}

void test_list_order_creation_time_then_id(void **state)
{
    auto store = open_store(fx(state).db());
    /* Inserted out of order; three share a creation time. */
    std::vector<Record> records = {
        make_record(40, kTypeA, "a", 300), make_record(30, kTypeA, "a", 100), make_record(10, kTypeA, "a", 200),
        make_record(20, kTypeA, "a", 200), make_record(5, kTypeA, "a", 200),  make_record(1, kTypeA, "a", 50),
    };
    for (const Record &r : records) assert_int_equal(store->put(r), StoreStatus::ok);
    auto list = store->list(RecordFilter());
    std::uint32_t expected_ids[] = {1, 30, 5, 10, 20, 40};
    assert_int_equal(list.size(), 6);
    for (int i = 0; i < 6; ++i) assert_true(list[i].id == make_guid(expected_ids[i], 0x1d));
}

void test_count_empty_and_after_changes(void **state)
{
    auto store = open_store(fx(state).db());
    RecordFilter all;
    all.include_deleted = all.include_internal = true;
    assert_int_equal(store->count(all), 0);
    assert_true(store->list(all).empty());
    for (std::uint32_t n = 0; n < 100; ++n) assert_int_equal(store->put(make_record(n)), StoreStatus::ok);
    assert_int_equal(store->count(all), 100);
    assert_int_equal(store->erase(make_guid(50, 0x1d)), StoreStatus::ok);
    assert_int_equal(store->count(all), 99);
}

void test_erase(void **state)
{
    auto store = open_store(fx(state).db());
    assert_int_equal(store->put_many(mixed_records()), StoreStatus::ok);
    Guid tombstone = make_guid(6, 0x1d);
    assert_int_equal(store->erase(tombstone), StoreStatus::ok);
    assert_false(store->get(tombstone).has_value());
    assert_int_equal(store->erase(tombstone), StoreStatus::not_found);
    assert_int_equal(store->erase(make_guid(999, 0x1d)), StoreStatus::not_found);
    assert_true(store->get(make_guid(7, 0x1d)).has_value());
    RecordFilter all;
    all.include_deleted = all.include_internal = true;
    assert_int_equal(store->count(all), 10);
    store.reset();
    store = open_store(fx(state).db());
    assert_false(store->get(tombstone).has_value());
    assert_int_equal(store->count(all), 10);
}

void test_earliest_expiration(void **state)
{
    auto store = open_store(fx(state).db());
    assert_false(store->earliest_expiration().has_value());
    Record a = make_record(1), tomb = make_record(2, kTypeA, "a", 0, p2pg::kRecordFlagDeleted);
    Record internal = make_record(3, p2pg::kRecordTypePresence);
    a.expiration_time = 5000;
    tomb.expiration_time = 4000;
    internal.expiration_time = 3000;
    assert_int_equal(store->put(a), StoreStatus::ok);
    assert_true(store->earliest_expiration() == FileTime(5000));
    assert_int_equal(store->put(tomb), StoreStatus::ok);
    assert_true(store->earliest_expiration() == FileTime(4000));
    assert_int_equal(store->put(internal), StoreStatus::ok);
    assert_true(store->earliest_expiration() == FileTime(3000));
    assert_int_equal(store->erase(internal.id), StoreStatus::ok);
    assert_true(store->earliest_expiration() == FileTime(4000));
}

void test_expired(void **state)
{
    auto store = open_store(fx(state).db());
    std::vector<Record> records = mixed_records();
    for (std::size_t i = 0; i < records.size(); ++i)
        records[i].expiration_time = 1000 + 10 * FileTime(records.size() - i);
    assert_int_equal(store->put_many(records), StoreStatus::ok);
    assert_true(store->expired(1000).empty());
    /* Exactly at the expiration time counts; every kind is returned. */
    auto list = store->expired(1000 + 10 * 4);
    assert_int_equal(list.size(), 4);
    assert_true(list[0].expiration_time == 1010 && list[3].expiration_time == 1040);
    assert_true(list[0].id == records.back().id);
    assert_int_equal(store->expired(INT64_MAX).size(), records.size());
}

/* ---- durability ---- */

void test_durable_against_kill(void **state)
{
    const int count = 300;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(fds[0]);
        std::unique_ptr<Store> store;
        if (Store::open(fx(state).db(), true, &store) != StoreStatus::ok) _exit(1);
        for (int n = 0; n < count; ++n) {
            Record r = make_record(n);
            r.data.assign(1024, static_cast<std::uint8_t>(n));
            if (store->put(r) != StoreStatus::ok) _exit(2);
        }
        if (write(fds[1], "x", 1) != 1) _exit(3);
        for (;;) pause();
    }
    close(fds[1]);
    char byte = 0;
    ssize_t got = read(fds[0], &byte, 1);
    close(fds[0]);
    kill(child, SIGKILL);
    int wstatus = 0;
    assert_int_equal(waitpid(child, &wstatus, 0), child);
    assert_int_equal(got, 1);
    assert_true(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL);
    /* The killed writer left its WAL behind; opening recovers from it. */
    assert_true(exists(fx(state).db() + "-wal"));

    auto store = open_store(fx(state).db(), false);
    assert_int_equal(store->count(RecordFilter()), count);
    for (int n = 0; n < count; ++n) {
        auto r = store->get(make_guid(n, 0x1d));
        assert_true(r.has_value());
        assert_int_equal(r->data.size(), 1024);
        assert_int_equal(r->data[1023], static_cast<std::uint8_t>(n));
    }
}

void test_synchronous_full_from_environment(void **state)
{
    unsetenv("P2PGRAPH_SYNCHRONOUS");
    assert_false(open_store(fx(state).db())->full_sync());
    setenv("P2PGRAPH_SYNCHRONOUS", "FULL", 1);
    auto store = open_store(fx(state).db());
    unsetenv("P2PGRAPH_SYNCHRONOUS");
    assert_true(store->full_sync());
    assert_int_equal(store->put(make_record(1)), StoreStatus::ok);
    assert_true(store->get(make_guid(1, 0x1d)).has_value());
    setenv("P2PGRAPH_SYNCHRONOUS", "normal", 1);
    assert_false(open_store(fx(state).db())->full_sync());
    unsetenv("P2PGRAPH_SYNCHRONOUS");
}

/* ---- damaged and foreign files ---- */

void test_garbage_file_is_corrupt(void **state)
{
    std::string garbage;
    for (int i = 0; i < 20000; ++i) garbage += static_cast<char>(i * 7919 % 251);
    write_file(fx(state).db(), garbage);
    assert_int_equal(open_status(fx(state).db(), true), StoreStatus::corrupt);
    assert_int_equal(open_status(fx(state).db(), false), StoreStatus::corrupt);
    /* A text file that happens to start with SQLite's magic. */
    write_file(fx(state).db(), std::string("SQLite format 3\0", 16) + std::string(200, 'x'));
    assert_int_equal(open_status(fx(state).db(), true), StoreStatus::corrupt);
    /* Left alone: neither replaced nor given side files. */
    assert_int_equal(file_size(fx(state).db()), 216);
}

void test_zero_length_file_is_corrupt(void **state)
{
    write_file(fx(state).db(), "");
    assert_int_equal(open_status(fx(state).db(), true), StoreStatus::corrupt);
    assert_int_equal(file_size(fx(state).db()), 0);
}

void test_truncated_database_is_corrupt(void **state)
{
    {
        auto store = open_store(fx(state).db());
        for (std::uint32_t n = 0; n < 300; ++n) {
            Record r = make_record(n);
            r.data.assign(3000, static_cast<std::uint8_t>(n));
            assert_int_equal(store->put(r), StoreStatus::ok);
        }
    }
    off_t size = file_size(fx(state).db());
    assert_true(size > 500000);
    assert_int_equal(truncate(fx(state).db().c_str(), size / 2), 0);
    assert_int_equal(open_status(fx(state).db(), true), StoreStatus::corrupt);
    /* Cut inside the first page too. */
    assert_int_equal(truncate(fx(state).db().c_str(), 1000), 0);
    assert_int_equal(open_status(fx(state).db(), true), StoreStatus::corrupt);
}

void test_damaged_pages_are_corrupt(void **state)
{
    {
        auto store = open_store(fx(state).db());
        for (std::uint32_t n = 0; n < 300; ++n) assert_int_equal(store->put(make_record(n)), StoreStatus::ok);
    }
    std::string bytes = read_file(fx(state).db());
    assert_true(bytes.size() > 16384);
    /* Scribble over the second and third pages (b-tree pages of our tables). */
    for (std::size_t i = 4096; i < 12288; ++i) bytes[i] = static_cast<char>(i * 13);
    write_file(fx(state).db(), bytes);
    assert_int_equal(open_status(fx(state).db(), false), StoreStatus::corrupt);
}

void test_foreign_sqlite_database_is_corrupt(void **state)
{
    run_sql(fx(state).db(), "CREATE TABLE songs(title TEXT); INSERT INTO songs VALUES('x');");
    assert_int_equal(open_status(fx(state).db(), true), StoreStatus::corrupt);
    /* Our marker but not our tables. */
    run_sql(fx(state).file("marked.db"), "PRAGMA application_id = 1345474631; PRAGMA user_version = 1; "
                                         "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);");
    assert_int_equal(open_status(fx(state).file("marked.db"), true), StoreStatus::corrupt);
    /* Our tables but a view where the records should be. */
    run_sql(fx(state).file("view.db"), "PRAGMA application_id = 1345474631; PRAGMA user_version = 1; "
                                       "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); "
                                       "CREATE VIEW records AS SELECT 1 AS id;");
    assert_int_equal(open_status(fx(state).file("view.db"), true), StoreStatus::corrupt);
    /* The foreign database was not switched to WAL. */
    assert_false(exists(fx(state).db() + "-wal"));
    std::string header = read_file(fx(state).db()).substr(18, 2);
    assert_true(header == std::string("\1\1", 2));
}

void test_newer_format_version_is_corrupt(void **state)
{
    open_store(fx(state).db());
    run_sql(fx(state).db(), "PRAGMA user_version = 2;");
    assert_int_equal(open_status(fx(state).db(), false), StoreStatus::corrupt);
}

/* A schema format number SQLite does not know in the header: corrupt (so
 * PeerGraphOpen says PEER_E_INVALID_DATABASE), not an I/O error. */
void test_unknown_schema_format_is_corrupt(void **state)
{
    open_store(fx(state).db());
    std::string bytes = read_file(fx(state).db());
    bytes[44] = bytes[45] = bytes[46] = 0;
    bytes[47] = 5;
    write_file(fx(state).db(), bytes);
    assert_int_equal(open_status(fx(state).db(), false), StoreStatus::corrupt);
}

void test_export_file_is_not_a_graph_database(void **state)
{
    auto store = open_store(fx(state).db());
    assert_int_equal(store->put(make_record(1)), StoreStatus::ok);
    assert_int_equal(store->export_to(fx(state).file("x.p2pg")), StoreStatus::ok);
    assert_int_equal(open_status(fx(state).file("x.p2pg"), false), StoreStatus::corrupt);
    assert_int_equal(open_status(fx(state).dir, false), StoreStatus::corrupt); /* a directory */
}

/* Permission checks; 0 or the number of the first one that failed. */
int access_checks(const std::string &dir)
{
    std::string locked = dir + "/locked", readonly = dir + "/readonly", rw = dir + "/rw";
    if (mkdir(locked.c_str(), 0) != 0 || mkdir(readonly.c_str(), 0700) != 0 || mkdir(rw.c_str(), 0700) != 0) return 1;
    std::unique_ptr<Store> store;
    if (Store::open(locked + "/sub/graph.db", true, &store) != StoreStatus::access_denied) return 2;
    if (Store::open(locked + "/graph.db", false, &store) != StoreStatus::access_denied) return 3;
    if (Store::open(readonly + "/graph.db", true, &store) != StoreStatus::ok) return 4;
    if (store->put(make_record(1)) != StoreStatus::ok) return 5;
    store.reset();
    chmod(readonly.c_str(), 0500);
    if (Store::open(readonly + "/new.db", true, &store) != StoreStatus::access_denied) return 6;
    /* The existing database cannot get its WAL index in a read-only directory. */
    if (Store::open(readonly + "/graph.db", false, &store) != StoreStatus::access_denied) return 7;
    if (Store::remove(readonly + "/graph.db") != StoreStatus::access_denied) return 8;
    if (Store::open(rw + "/graph.db", true, &store) != StoreStatus::ok) return 9;
    if (store->export_to(readonly + "/x.p2pg") != StoreStatus::access_denied) return 10;
    store.reset();
    chmod((rw + "/graph.db").c_str(), 0400);
    if (Store::open(rw + "/graph.db", false, &store) != StoreStatus::access_denied) return 11;
    chmod(locked.c_str(), 0700);
    chmod(readonly.c_str(), 0700);
    return 0;
}

void test_access_denied(void **state)
{
    if (geteuid() != 0) {
        assert_int_equal(access_checks(fx(state).dir), 0);
        return;
    }
    /* Root ignores file permissions, so run the checks in a child that has
     * become "nobody", in a directory of its own. */
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) _exit(77);
        char name[] = "/tmp/p2pg-store-nobody-XXXXXX";
        if (!mkdtemp(name)) _exit(78);
        int result = access_checks(name);
        remove_tree(name);
        _exit(result);
    }
    int wstatus = 0;
    assert_int_equal(waitpid(child, &wstatus, 0), child);
    assert_true(WIFEXITED(wstatus));
    if (WEXITSTATUS(wstatus) == 77 || WEXITSTATUS(wstatus) == 78) {
        skip(); /* cannot drop privileges here: nothing to check as root */
        return;
    }
    assert_int_equal(WEXITSTATUS(wstatus), 0);
}

/* ---- export/import ---- */

std::unique_ptr<Store> populated_store(const std::string &path)
{
    auto store = open_store(path);
    assert_int_equal(store->set_meta(p2pg::kMetaGraphId, "graph-\xc3\xa9"), StoreStatus::ok);
    assert_int_equal(store->set_meta(p2pg::kMetaPeerId, "peer-1"), StoreStatus::ok);
    assert_int_equal(store->put_many(mixed_records()), StoreStatus::ok);
    return store;
}

void test_export_round_trip(void **state)
{
    auto store = populated_store(fx(state).db());
    Record big = make_record(100);
    big.data.assign(3 * 1024 * 1024, 0x5a);
    assert_int_equal(store->put(big), StoreStatus::ok);
    std::string path = fx(state).file("export.p2pg");
    assert_int_equal(store->export_to(path), StoreStatus::ok);
    assert_false(exists(path + "-journal") || exists(path + "-wal"));

    std::vector<Record> records;
    assert_int_equal(Store::read_export(path, "graph-\xc3\xa9", "peer-1", &records), StoreStatus::ok);
    std::vector<Record> expected = mixed_records();
    expected.push_back(big);
    std::sort(expected.begin(), expected.end(), by_creation);
    assert_int_equal(records.size(), expected.size());
    for (std::size_t i = 0; i < records.size(); ++i) assert_same_record(records[i], expected[i]);

    /* The export is a snapshot: later changes to the store do not touch it. */
    assert_int_equal(store->erase(big.id), StoreStatus::ok);
    assert_int_equal(Store::read_export(path, "graph-\xc3\xa9", "peer-1", &records), StoreStatus::ok);
    assert_int_equal(records.size(), expected.size());
}

void test_export_of_empty_store_and_overwrite(void **state)
{
    auto store = open_store(fx(state).db());
    std::string path = fx(state).file("export.p2pg");
    write_file(path, "old contents");
    assert_int_equal(store->export_to(path), StoreStatus::ok);
    std::vector<Record> records = {make_record(1)};
    /* No ids set: both are exported as empty strings. */
    assert_int_equal(Store::read_export(path, "", "", &records), StoreStatus::ok);
    assert_true(records.empty());
    assert_int_equal(store->put(make_record(2)), StoreStatus::ok);
    assert_int_equal(store->export_to(path), StoreStatus::ok);
    assert_int_equal(Store::read_export(path, "", "", &records), StoreStatus::ok);
    assert_int_equal(records.size(), 1);
    assert_int_equal(store->export_to(fx(state).file("missing/dir/x.p2pg")), StoreStatus::no_such_file);
    /* The store is unaffected by the exports. */
    assert_int_equal(store->put(make_record(3)), StoreStatus::ok);
    assert_int_equal(store->count(RecordFilter()), 2);
}

void test_read_export_wrong_ids_is_foreign(void **state)
{
    auto store = populated_store(fx(state).db());
    std::string path = fx(state).file("export.p2pg");
    assert_int_equal(store->export_to(path), StoreStatus::ok);
    std::vector<Record> records;
    assert_int_equal(Store::read_export(path, "graph-2", "peer-1", &records), StoreStatus::foreign);
    assert_true(records.empty());
    assert_int_equal(Store::read_export(path, "graph-\xc3\xa9", "peer-2", &records), StoreStatus::foreign);
    assert_int_equal(Store::read_export(path, "GRAPH-\xc3\xa9", "peer-1", &records), StoreStatus::foreign);
}

void test_read_export_damaged_is_corrupt(void **state)
{
    auto store = populated_store(fx(state).db());
    Record big = make_record(100);
    big.data.assign(200000, 0x11);
    assert_int_equal(store->put(big), StoreStatus::ok);
    std::string path = fx(state).file("export.p2pg");
    assert_int_equal(store->export_to(path), StoreStatus::ok);
    std::string good = read_file(path);
    std::vector<Record> records;

    write_file(path, good.substr(0, good.size() / 2));
    assert_int_equal(Store::read_export(path, "graph-\xc3\xa9", "peer-1", &records), StoreStatus::corrupt);
    write_file(path, good.substr(0, good.size() - 1));
    assert_int_equal(Store::read_export(path, "graph-\xc3\xa9", "peer-1", &records), StoreStatus::corrupt);
    write_file(path, good.substr(0, 50));
    assert_int_equal(Store::read_export(path, "graph-\xc3\xa9", "peer-1", &records), StoreStatus::corrupt);
    write_file(path, "");
    assert_int_equal(Store::read_export(path, "graph-\xc3\xa9", "peer-1", &records), StoreStatus::corrupt);
    write_file(path, std::string(100000, '\x5c'));
    assert_int_equal(Store::read_export(path, "graph-\xc3\xa9", "peer-1", &records), StoreStatus::corrupt);

    /* A schema format number SQLite does not know (found by fuzz_import):
     * corrupt, not an I/O error. */
    std::string header = good;
    header[44] = header[45] = header[46] = 0;
    header[47] = 5;
    write_file(path, header);
    assert_int_equal(Store::read_export(path, "graph-\xc3\xa9", "peer-1", &records), StoreStatus::corrupt);

    /* Same length, damaged b-tree pages. */
    std::string damaged = good;
    for (std::size_t i = 4096; i < 8192; ++i) damaged[i] = static_cast<char>(i);
    write_file(path, damaged);
    assert_int_equal(Store::read_export(path, "graph-\xc3\xa9", "peer-1", &records), StoreStatus::corrupt);
    assert_true(records.empty());
}

void test_read_export_of_other_files_is_corrupt(void **state)
{
    std::vector<Record> records;
    /* A graph database, open and closed. */
    auto store = populated_store(fx(state).db());
    assert_int_equal(Store::read_export(fx(state).db(), "graph-\xc3\xa9", "peer-1", &records), StoreStatus::corrupt);
    store.reset();
    assert_int_equal(Store::read_export(fx(state).db(), "graph-\xc3\xa9", "peer-1", &records), StoreStatus::corrupt);
    /* Some other SQLite database. */
    run_sql(fx(state).file("other.db"), "CREATE TABLE t(x); INSERT INTO t VALUES(1);");
    assert_int_equal(Store::read_export(fx(state).file("other.db"), "", "", &records), StoreStatus::corrupt);
    assert_int_equal(Store::read_export(fx(state).file("nothing"), "", "", &records), StoreStatus::no_such_file);
}

void test_read_export_wrong_format_version_is_corrupt(void **state)
{
    auto store = populated_store(fx(state).db());
    std::string path = fx(state).file("export.p2pg");
    std::vector<Record> records;

    assert_int_equal(store->export_to(path), StoreStatus::ok);
    run_sql(path, "PRAGMA user_version = 2;");
    assert_int_equal(Store::read_export(path, "graph-\xc3\xa9", "peer-1", &records), StoreStatus::corrupt);

    assert_int_equal(store->export_to(path), StoreStatus::ok);
    run_sql(path, "UPDATE export_header SET value = '2' WHERE key = 'version';");
    assert_int_equal(Store::read_export(path, "graph-\xc3\xa9", "peer-1", &records), StoreStatus::corrupt);

    assert_int_equal(store->export_to(path), StoreStatus::ok);
    run_sql(path, "DELETE FROM export_header WHERE key = 'peer_id';");
    assert_int_equal(Store::read_export(path, "graph-\xc3\xa9", "peer-1", &records), StoreStatus::corrupt);

    /* A row that is not a record (an id of the wrong size) cannot slip in. */
    assert_int_equal(store->export_to(path), StoreStatus::ok);
    run_sql(path, "PRAGMA ignore_check_constraints = 1; UPDATE records SET id = x'0102' WHERE rowid = 1;");
    assert_int_equal(Store::read_export(path, "graph-\xc3\xa9", "peer-1", &records), StoreStatus::corrupt);

    assert_int_equal(store->export_to(path), StoreStatus::ok);
    assert_int_equal(Store::read_export(path, "graph-\xc3\xa9", "peer-1", &records), StoreStatus::ok);
}

/* ---- remove ---- */

void test_remove(void **state)
{
    std::string path = fx(state).db();
    assert_int_equal(Store::remove(path), StoreStatus::no_such_file);
    {
        auto store = open_store(path);
        assert_int_equal(store->put(make_record(1)), StoreStatus::ok);
    }
    write_file(path + "-wal", "");
    write_file(path + "-shm", "");
    assert_int_equal(Store::remove(path), StoreStatus::ok);
    assert_false(exists(path) || exists(path + "-wal") || exists(path + "-shm"));
    assert_int_equal(Store::remove(path), StoreStatus::no_such_file);
    bool created = false;
    std::unique_ptr<Store> store;
    assert_int_equal(Store::open(path, true, &store, &created), StoreStatus::ok);
    assert_true(created);
    assert_int_equal(store->count(RecordFilter()), 0);
}

/* ---- pages and the reader connection ---- */

/* Keyset pages come in storage order, take the filter, end with a short
 * page, and neither repeat nor skip rows when rows come and go between
 * pages. */
void test_page_walks_in_storage_order(void **state)
{
    auto store = open_store(fx(state).db());
    for (std::uint32_t n = 1; n <= 10; ++n)
        assert_int_equal(store->put(make_record(n, n % 2 ? kTypeA : kTypeB, "alice", 200 - n)), StoreStatus::ok);
    RecordFilter f;
    p2pg::RecordPage page;
    assert_int_equal(store->page(f, 0, 4, 1 << 20, &page), StoreStatus::ok);
    assert_int_equal(page.rows.size(), 4);
    assert_false(page.end);
    for (std::uint32_t i = 0; i < 4; ++i) assert_true(page.rows.records()[i].id == make_guid(i + 1, 0x1d));
    /* An update keeps its place; a deletion ahead is skipped; an addition
     * comes at the end. */
    assert_int_equal(store->put(make_record(2, kTypeB, "bob", 198)), StoreStatus::ok);
    assert_int_equal(store->erase(make_guid(5, 0x1d)), StoreStatus::ok);
    assert_int_equal(store->put(make_record(11)), StoreStatus::ok);
    std::vector<std::uint32_t> seen;
    std::int64_t after = page.last_rowid;
    do {
        assert_int_equal(store->page(f, after, 4, 1 << 20, &page), StoreStatus::ok);
        for (const Record &r : page.rows.records()) seen.push_back(r.id.bytes[15]);
        after = page.last_rowid;
    } while (!page.end);
    assert_true(seen == (std::vector<std::uint32_t>{6, 7, 8, 9, 10, 11}));
    /* Past the end: an empty last page. */
    assert_int_equal(store->page(f, after, 4, 1 << 20, &page), StoreStatus::ok);
    assert_true(page.rows.empty() && page.end && page.last_rowid == after);

    f.type = &kTypeB;
    assert_int_equal(store->page(f, 0, 100, 1 << 20, &page), StoreStatus::ok);
    assert_int_equal(page.rows.size(), 5);
    assert_true(page.end);
    for (const Record &r : page.rows.records()) assert_true(r.type == kTypeB);
    /* A byte budget smaller than a record still gives one. */
    assert_int_equal(store->page(f, 0, 100, 1, &page), StoreStatus::ok);
    assert_int_equal(page.rows.size(), 1);
    assert_false(page.end);
    /* Only records alive at a time. */
    FileTime at = make_record(8, kTypeB, "alice", 192).expiration_time - 1;
    f.type = nullptr;
    f.live_at = &at;
    assert_int_equal(store->page(f, 0, 100, 1 << 20, &page), StoreStatus::ok);
    for (const Record &r : page.rows.records()) assert_true(r.expiration_time > at);
    assert_int_equal(page.rows.size(), 8);
}

/* A page's rows decode to the records stored, every field (empty ones
 * too), and a row a foreign hand left with a column of the wrong kind
 * decodes to nothing, as a get of it does. */
void test_page_rows_decode_every_field(void **state)
{
    {
        auto store = open_store(fx(state).db());
        Record full = make_record(1);
        full.version = 0xffffffffu;
        full.expiration_time = INT64_MAX;
        full.modification_time = -5;
        Record empty = make_record(2);
        empty.modified_by_id.clear();
        empty.attributes.clear();
        empty.security_data.clear();
        empty.data.clear();
        std::vector<Record> stored{full, empty, make_record(3), make_record(4), make_record(5), make_record(6)};
        assert_int_equal(store->put_many(stored), StoreStatus::ok);
        p2pg::RecordPage page;
        assert_int_equal(store->page(RecordFilter(), 0, 100, 1 << 20, &page), StoreStatus::ok);
        assert_int_equal(page.rows.size(), stored.size());
        std::vector<Record> records = page.rows.records();
        assert_int_equal(records.size(), stored.size());
        for (std::size_t i = 0; i < stored.size(); ++i) assert_same_record(records[i], stored[i]);
    }
    run_sql(fx(state).db(), "UPDATE records SET version = 'seven' WHERE rowid = 3;"
                            "UPDATE records SET data = 'text' WHERE rowid = 4;"
                            "UPDATE records SET creation_time = 1.5 WHERE rowid = 5;"
                            "UPDATE records SET flags = 4294967296 WHERE rowid = 6;");
    auto store = open_store(fx(state).db());
    p2pg::RecordPage page;
    assert_int_equal(store->page(RecordFilter(), 0, 100, 1 << 20, &page), StoreStatus::ok);
    assert_int_equal(page.rows.size(), 6);
    Record r;
    assert_true(page.rows.decode(0, &r) && page.rows.decode(1, &r));
    for (std::size_t i = 2; i < 6; ++i) {
        assert_false(page.rows.decode(i, &r));
        assert_false(store->get(make_guid(static_cast<std::uint32_t>(i + 1), 0x1d)).has_value());
    }
    assert_int_equal(page.rows.records().size(), 2);
}

void test_page_skips_deleted_and_internal(void **state)
{
    auto store = open_store(fx(state).db());
    assert_int_equal(store->put_many(mixed_records()), StoreStatus::ok);
    p2pg::RecordPage page;
    std::size_t total = 0;
    std::int64_t after = 0;
    do {
        assert_int_equal(store->page(RecordFilter(), after, 2, 1 << 20, &page), StoreStatus::ok);
        for (const Record &r : page.rows.records()) assert_false(r.deleted() || p2pg::is_reserved_record_type(r.type));
        total += page.rows.size();
        after = page.last_rowid;
    } while (!page.end);
    assert_int_equal(total, store->count(RecordFilter()));
}

/* The reader sees what the store committed, not what an open batch holds,
 * and says when a batch is open. */
void test_reader_sees_commits_not_batches(void **state)
{
    auto store = open_store(fx(state).db());
    std::unique_ptr<p2pg::StoreReader> reader;
    assert_int_equal(store->open_reader(&reader), StoreStatus::ok);
    Record back;
    assert_int_equal(reader->get(make_guid(1, 0x1d), &back), StoreStatus::not_found);
    assert_int_equal(store->put(make_record(1)), StoreStatus::ok);
    assert_int_equal(reader->get(make_guid(1, 0x1d), &back), StoreStatus::ok);
    assert_true(back.data == make_record(1).data && back.creator_id == "alice");
    assert_false(reader->writer_in_batch());

    assert_int_equal(store->begin_batch(), StoreStatus::ok);
    assert_true(reader->writer_in_batch());
    assert_int_equal(store->put(make_record(2)), StoreStatus::ok);
    assert_int_equal(reader->get(make_guid(2, 0x1d), &back), StoreStatus::not_found);
    assert_int_equal(store->end_batch(), StoreStatus::ok);
    assert_false(reader->writer_in_batch());
    assert_int_equal(reader->get(make_guid(2, 0x1d), &back), StoreStatus::ok);

    assert_int_equal(store->put_many({make_record(3), make_record(4)}), StoreStatus::ok);
    assert_false(reader->writer_in_batch());
    assert_int_equal(reader->get(make_guid(4, 0x1d), &back), StoreStatus::ok);
}

/* The reader keeps its snapshot between reads, but a commit of the store
 * ends it: the WAL is never held back from a checkpoint by a reader that
 * went quiet. */
void test_reader_lets_go_on_commit(void **state)
{
    auto store = open_store(fx(state).db());
    std::unique_ptr<p2pg::StoreReader> reader;
    assert_int_equal(store->open_reader(&reader), StoreStatus::ok);
    assert_int_equal(store->put(make_record(1)), StoreStatus::ok);
    Record back;
    assert_int_equal(reader->get(make_guid(1, 0x1d), &back), StoreStatus::ok);
    assert_int_equal(store->put(make_record(2)), StoreStatus::ok);
    /* Another connection can checkpoint the whole WAL and truncate it:
     * nobody reads an older snapshot. */
    sqlite3 *db = nullptr;
    assert_int_equal(sqlite3_open(fx(state).db().c_str(), &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "SELECT count(*) FROM records", nullptr, nullptr, nullptr), SQLITE_OK);
    int log = -1, done = -1;
    assert_int_equal(sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &done), SQLITE_OK);
    assert_int_equal(log, 0);
    sqlite3_close(db);
    assert_int_equal(reader->get(make_guid(2, 0x1d), &back), StoreStatus::ok);
}

} // namespace

#define STORE_TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_mapping),
        STORE_TEST(test_create_reports_created),
        STORE_TEST(test_missing_without_create_is_no_such_file),
        STORE_TEST(test_create_makes_parent_directories),
        STORE_TEST(test_reopen_keeps_records_and_meta),
        STORE_TEST(test_meta_round_trip),
        STORE_TEST(test_put_get_every_field),
        STORE_TEST(test_put_get_empty_fields),
        STORE_TEST(test_put_get_utf8_strings),
        STORE_TEST(test_put_get_large_blobs),
        STORE_TEST(test_put_get_60mb_record),
        STORE_TEST(test_put_replaces_by_id),
        STORE_TEST(test_put_many),
        STORE_TEST(test_small_database_keeps_a_small_wal),
        STORE_TEST(test_deferred_checkpoints),
        STORE_TEST(test_writer_finishes_a_readers_checkpoint),
        STORE_TEST(test_open_adds_type_creator_index),
        STORE_TEST(test_list_default_filter),
        STORE_TEST(test_list_by_type_and_creator),
        STORE_TEST(test_list_deleted_and_internal),
        STORE_TEST(test_list_every_filter_combination),
        STORE_TEST(test_list_order_creation_time_then_id),
        STORE_TEST(test_count_empty_and_after_changes),
        STORE_TEST(test_page_walks_in_storage_order),
        STORE_TEST(test_page_rows_decode_every_field),
        STORE_TEST(test_page_skips_deleted_and_internal),
        STORE_TEST(test_reader_sees_commits_not_batches),
        STORE_TEST(test_reader_lets_go_on_commit),
        STORE_TEST(test_erase),
        STORE_TEST(test_earliest_expiration),
        STORE_TEST(test_expired),
        STORE_TEST(test_durable_against_kill),
        STORE_TEST(test_synchronous_full_from_environment),
        STORE_TEST(test_garbage_file_is_corrupt),
        STORE_TEST(test_zero_length_file_is_corrupt),
        STORE_TEST(test_truncated_database_is_corrupt),
        STORE_TEST(test_damaged_pages_are_corrupt),
        STORE_TEST(test_foreign_sqlite_database_is_corrupt),
        STORE_TEST(test_newer_format_version_is_corrupt),
        STORE_TEST(test_unknown_schema_format_is_corrupt),
        STORE_TEST(test_export_file_is_not_a_graph_database),
        STORE_TEST(test_access_denied),
        STORE_TEST(test_export_round_trip),
        STORE_TEST(test_export_of_empty_store_and_overwrite),
        STORE_TEST(test_read_export_wrong_ids_is_foreign),
        STORE_TEST(test_read_export_damaged_is_corrupt),
        STORE_TEST(test_read_export_of_other_files_is_corrupt),
        STORE_TEST(test_read_export_wrong_format_version_is_corrupt),
        STORE_TEST(test_remove),
    };
    return cmocka_run_group_tests_name("store", tests, nullptr, nullptr);
}
