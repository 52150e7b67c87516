/*
 * Benchmark baseline: records streamed over raw TCP into SQLite, as a synchronizing node stores them
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

/* Usage: tcp-sqlite-baseline N DIR [BATCH]
 *
 * The baseline for bench/run-sync: what a node that synchronizes N records
 * of 1 KiB has to do at the least, without the graphing API.  A forked
 * receiver accepts one connection on [::1]; the parent streams N records,
 * each behind a 4-byte length, as fast as the socket takes them (TCP_NODELAY
 * on both ends, as on the DLL's links).  A record on the wire is its id and
 * type (16 bytes each), version, flags, three times, creator id and 1 KiB of
 * data: about the size of a FLOOD carrying it.  The receiver reads in
 * 256 KiB chunks and, per record, looks it up by id and inserts it with the
 * engine store's schema (the records table with its UNIQUE id and three
 * indexes), statement (INSERT ... ON CONFLICT(id) DO UPDATE) and settings
 * (WAL, synchronous=NORMAL or FULL with P2PGRAPH_SYNCHRONOUS=FULL,
 * wal_autocheckpoint=8192, journal_size_limit=40 MiB, cache_size=16 MiB).
 *
 * BATCH 1 (default) commits every record on its own, as the engine's
 * Store::put() does for each record a synchronizing node receives; BATCH K
 * wraps K records in one BEGIN IMMEDIATE ... COMMIT, as Store::put_many()
 * would.  Prints
 *   "tcp-sqlite BATCH N SECONDS ROWS"
 * SECONDS from the accepted connection to the last commit, ROWS the count in
 * the table afterwards.  The database is DIR/tcp-sqlite-baseline.db, removed at
 * the end. */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loopback_pair.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <sqlite3.h>

namespace {

constexpr std::size_t kDataSize = 1024;
constexpr std::size_t kReadChunk = 256 * 1024;
constexpr char kCreator[] = "alice";
/* id, type, version, flags, creation, expiration, modification, creator length */
constexpr std::size_t kFixed = 16 + 16 + 4 + 4 + 3 * 8 + 4;

double now_seconds()
{
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

void check(int rc, sqlite3 *db, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        std::fprintf(stderr, "tcp-sqlite-baseline: %s: %s\n", what, sqlite3_errmsg(db));
        std::exit(1);
    }
}

std::uint32_t get32(const std::uint8_t *p)
{
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return ntohl(v);
}

std::int64_t get64(const std::uint8_t *p)
{
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(get32(p)) << 32 | get32(p + 4));
}

void put32(std::vector<std::uint8_t> *out, std::uint32_t v)
{
    v = htonl(v);
    const auto *p = reinterpret_cast<const std::uint8_t *>(&v);
    out->insert(out->end(), p, p + 4);
}

void put64(std::vector<std::uint8_t> *out, std::uint64_t v)
{
    put32(out, static_cast<std::uint32_t>(v >> 32));
    put32(out, static_cast<std::uint32_t>(v));
}

class Database {
public:
    explicit Database(const std::string &path) : path_(path)
    {
        remove_files();
        check(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                              nullptr),
              db_, "open");
        const char *synchronous = std::getenv("P2PGRAPH_SYNCHRONOUS");
        std::string setup =
            std::string("PRAGMA journal_mode = WAL; PRAGMA synchronous = ") +
            (synchronous && std::string(synchronous) == "FULL" ? "FULL" : "NORMAL") +
            "; PRAGMA wal_autocheckpoint = 8192; PRAGMA journal_size_limit = 41943040; PRAGMA cache_size = -16384; "
            "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL); "
            "CREATE TABLE records(id BLOB NOT NULL UNIQUE CHECK(typeof(id) = 'blob' AND length(id) = 16), "
            "type BLOB NOT NULL CHECK(typeof(type) = 'blob' AND length(type) = 16), "
            "version INTEGER NOT NULL, flags INTEGER NOT NULL, "
            "creator_id TEXT NOT NULL, modified_by_id TEXT NOT NULL, attributes TEXT NOT NULL, "
            "creation_time INTEGER NOT NULL, expiration_time INTEGER NOT NULL, modification_time INTEGER NOT NULL, "
            "security_data BLOB NOT NULL, data BLOB NOT NULL); "
            "CREATE INDEX records_type ON records(type); "
            "CREATE INDEX records_creator ON records(creator_id); "
            "CREATE INDEX records_expiration ON records(expiration_time);";
        check(sqlite3_exec(db_, setup.c_str(), nullptr, nullptr, nullptr), db_, "setup");
        prepare(&get_, "SELECT id, type, version, flags, creator_id, modified_by_id, attributes, creation_time, "
                       "expiration_time, modification_time, security_data, data FROM records WHERE id = ?1");
        prepare(&upsert_,
                "INSERT INTO records(id, type, version, flags, creator_id, modified_by_id, attributes, "
                "creation_time, expiration_time, modification_time, security_data, data) "
                "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT(id) DO UPDATE SET "
                "type = excluded.type, version = excluded.version, flags = excluded.flags, "
                "creator_id = excluded.creator_id, modified_by_id = excluded.modified_by_id, "
                "attributes = excluded.attributes, creation_time = excluded.creation_time, "
                "expiration_time = excluded.expiration_time, modification_time = excluded.modification_time, "
                "security_data = excluded.security_data, data = excluded.data");
        prepare(&begin_, "BEGIN IMMEDIATE");
        prepare(&commit_, "COMMIT");
    }

    ~Database()
    {
        for (sqlite3_stmt *s : {get_, upsert_, begin_, commit_}) sqlite3_finalize(s);
        sqlite3_close(db_);
        remove_files();
    }

    void begin() { step(begin_, "BEGIN"); }
    void commit() { step(commit_, "COMMIT"); }

    /* One received record: the lookup a receiver makes to resolve conflicts, then the write. */
    void store(const std::uint8_t *m, std::size_t size)
    {
        sqlite3_bind_blob(get_, 1, m, 16, SQLITE_STATIC);
        bool known = sqlite3_step(get_) == SQLITE_ROW;
        sqlite3_reset(get_);
        if (known) return;
        std::uint32_t creator_length = get32(m + kFixed - 4);
        sqlite3_bind_blob(upsert_, 1, m, 16, SQLITE_STATIC);
        sqlite3_bind_blob(upsert_, 2, m + 16, 16, SQLITE_STATIC);
        sqlite3_bind_int64(upsert_, 3, get32(m + 32));
        sqlite3_bind_int64(upsert_, 4, get32(m + 36));
        sqlite3_bind_text(upsert_, 5, reinterpret_cast<const char *>(m + kFixed), static_cast<int>(creator_length),
                          SQLITE_STATIC);
        sqlite3_bind_text(upsert_, 6, "", 0, SQLITE_STATIC);
        sqlite3_bind_text(upsert_, 7, "", 0, SQLITE_STATIC);
        sqlite3_bind_int64(upsert_, 8, get64(m + 40));
        sqlite3_bind_int64(upsert_, 9, get64(m + 48));
        sqlite3_bind_int64(upsert_, 10, get64(m + 56));
        sqlite3_bind_blob(upsert_, 11, "", 0, SQLITE_STATIC);
        sqlite3_bind_blob(upsert_, 12, m + kFixed + creator_length, static_cast<int>(size - kFixed - creator_length),
                          SQLITE_STATIC);
        step(upsert_, "INSERT");
    }

    long long rows()
    {
        sqlite3_stmt *count;
        prepare(&count, "SELECT count(*) FROM records");
        long long n = sqlite3_step(count) == SQLITE_ROW ? sqlite3_column_int64(count, 0) : -1;
        sqlite3_finalize(count);
        return n;
    }

private:
    void prepare(sqlite3_stmt **out, const char *sql)
    {
        check(sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, out, nullptr), db_, "prepare");
    }

    void step(sqlite3_stmt *s, const char *what)
    {
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        check(rc, db_, what);
    }

    void remove_files()
    {
        for (const char *suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
    }

    std::string path_;
    sqlite3 *db_ = nullptr;
    sqlite3_stmt *get_ = nullptr, *upsert_ = nullptr, *begin_ = nullptr, *commit_ = nullptr;
};

void receive(int listener, unsigned long n, unsigned long batch, const std::string &path)
{
    Database db(path);
    int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) die("accept");
    double start = now_seconds();
    set_nodelay(fd);
    std::vector<std::uint8_t> buffer(4 * kReadChunk);
    std::size_t begin = 0, end = 0;
    unsigned long received = 0, in_transaction = 0;
    for (;;) {
        if (buffer.size() - end < kReadChunk) {
            std::memmove(buffer.data(), buffer.data() + begin, end - begin);
            end -= begin;
            begin = 0;
        }
        ssize_t got = recv(fd, buffer.data() + end, kReadChunk, 0);
        if (got < 0) die("recv");
        if (got == 0) break;
        end += static_cast<std::size_t>(got);
        while (end - begin >= 4) {
            std::uint32_t length = get32(buffer.data() + begin);
            if (length < kFixed || length > kReadChunk) {
                std::fprintf(stderr, "tcp-sqlite-baseline: bad record length %u\n", length);
                std::exit(1);
            }
            if (end - begin < 4 + length) break;
            if (batch > 1 && !in_transaction) db.begin();
            db.store(buffer.data() + begin + 4, length);
            if (batch > 1 && ++in_transaction == batch) {
                db.commit();
                in_transaction = 0;
            }
            begin += 4 + length;
            received++;
        }
        if (begin == end) begin = end = 0;
    }
    if (in_transaction) db.commit();
    double seconds = now_seconds() - start;
    close(fd);
    long long rows = db.rows();
    std::printf("tcp-sqlite %lu %lu %.6f %lld\n", batch, n, seconds, rows);
    std::fflush(stdout);
    if (received != n || rows != static_cast<long long>(n)) {
        std::fprintf(stderr, "tcp-sqlite-baseline: received %lu records, stored %lld, expected %lu\n", received, rows, n);
        std::exit(1);
    }
}

void send_records(int fd, unsigned long n)
{
    std::vector<std::uint8_t> message;
    std::vector<std::uint8_t> out;
    std::uint8_t type[16] = {0x4f, 0x2b, 0x9d, 0x07, 0x61, 0xae, 0x4c, 0x38};
    std::uint64_t now = 134000000000000000ull;
    for (unsigned long i = 0; i < n; i++) {
        message.clear();
        std::uint8_t id[16] = {0};
        std::memcpy(id, &i, sizeof(i));
        id[15] = 0x5a;
        message.insert(message.end(), id, id + 16);
        message.insert(message.end(), type, type + 16);
        put32(&message, 1);
        put32(&message, 0);
        put64(&message, now + i);
        put64(&message, now + i + 24ull * 3600 * 10000000);
        put64(&message, now + i);
        put32(&message, sizeof(kCreator) - 1);
        message.insert(message.end(), kCreator, kCreator + sizeof(kCreator) - 1);
        for (std::size_t j = 0; j < kDataSize; j++) message.push_back(static_cast<std::uint8_t>(j * 7));
        std::memcpy(message.data() + message.size() - kDataSize, &i, sizeof(i));
        out.clear();
        put32(&out, static_cast<std::uint32_t>(message.size()));
        out.insert(out.end(), message.begin(), message.end());
        std::size_t done = 0;
        while (done < out.size()) {
            ssize_t sent = send(fd, out.data() + done, out.size() - done, MSG_NOSIGNAL);
            if (sent < 0) die("send");
            done += static_cast<std::size_t>(sent);
        }
    }
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        std::fprintf(stderr, "usage: tcp-sqlite-baseline N DIR [BATCH]\n");
        return 2;
    }
    unsigned long n = std::strtoul(argv[1], nullptr, 10);
    std::string path = std::string(argv[2]) + "/tcp-sqlite-baseline.db";
    unsigned long batch = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 1;
    if (!n || !batch) {
        std::fprintf(stderr, "tcp-sqlite-baseline: N and BATCH must be at least 1\n");
        return 2;
    }

    pid_t child = 0;
    int fd = loopback_pair([&](int listener) { receive(listener, n, batch, path); }, &child);
    set_nodelay(fd);
    send_records(fd, n);
    close(fd);
    if (!child_succeeded(child)) {
        std::fprintf(stderr, "tcp-sqlite-baseline: the receiver failed\n");
        return 1;
    }
    return 0;
}
