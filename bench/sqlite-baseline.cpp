/*
 * Benchmark baseline: the same record operations done directly on SQLite
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

/* Usage: sqlite-baseline N DIR
 * The same work as record-throughput.exe without the graphing API: one
 * WAL-mode database with the settings the engine's store uses, one row of a
 * 1 KiB blob per record inserted in its own transaction, read back by key,
 * then scanned.  Prints "sqlite <phase> <count> <seconds>". */

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <sqlite3.h>

namespace {

double now_seconds()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void check(int rc, sqlite3 *db, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        std::fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        std::exit(1);
    }
}

} // namespace

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
    std::string path = std::string(argc > 2 ? argv[2] : "/tmp") + "/sqlite-baseline.db";
    std::remove(path.c_str());
    std::remove((path + "-wal").c_str());
    std::remove((path + "-shm").c_str());

    sqlite3 *db;
    check(sqlite3_open(path.c_str(), &db), db, "open");
    const char *synchronous = std::getenv("P2PGRAPH_SYNCHRONOUS");
    std::string setup = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=") +
                        (synchronous && std::string(synchronous) == "FULL" ? "FULL" : "NORMAL") +
                        "; CREATE TABLE records(id BLOB PRIMARY KEY, type BLOB, creator TEXT, data BLOB,"
                        " created INTEGER, expires INTEGER);"
                        " CREATE INDEX records_type ON records(type);";
    check(sqlite3_exec(db, setup.c_str(), nullptr, nullptr, nullptr), db, "setup");

    std::vector<unsigned char> payload(1024);
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<unsigned char>(i);
    unsigned char type[16] = {1, 2, 3};
    sqlite3_stmt *insert, *get, *scan, *begin, *commit;
    check(sqlite3_prepare_v2(db, "INSERT INTO records VALUES(?1, ?2, 'bench', ?3, ?4, ?5)", -1, &insert, nullptr), db, "prepare");
    check(sqlite3_prepare_v2(db, "SELECT data FROM records WHERE id = ?1", -1, &get, nullptr), db, "prepare");
    check(sqlite3_prepare_v2(db, "SELECT id, data FROM records WHERE type = ?1 ORDER BY created, id", -1, &scan, nullptr), db, "prepare");
    check(sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, nullptr), db, "prepare");
    check(sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr), db, "prepare");

    std::vector<std::vector<unsigned char>> ids(n, std::vector<unsigned char>(16));
    double t = now_seconds();
    for (unsigned long i = 0; i < n; ++i) {
        for (int k = 0; k < 16; ++k) ids[i][k] = static_cast<unsigned char>(std::rand());
        payload[0] = static_cast<unsigned char>(i);
        check(sqlite3_step(begin), db, "begin");
        sqlite3_reset(begin);
        sqlite3_bind_blob(insert, 1, ids[i].data(), 16, SQLITE_STATIC);
        sqlite3_bind_blob(insert, 2, type, 16, SQLITE_STATIC);
        sqlite3_bind_blob(insert, 3, payload.data(), static_cast<int>(payload.size()), SQLITE_STATIC);
        sqlite3_bind_int64(insert, 4, static_cast<sqlite3_int64>(i));
        sqlite3_bind_int64(insert, 5, static_cast<sqlite3_int64>(i) + 1000000);
        check(sqlite3_step(insert), db, "insert");
        sqlite3_reset(insert);
        check(sqlite3_step(commit), db, "commit");
        sqlite3_reset(commit);
    }
    std::printf("sqlite add %lu %.6f\n", n, now_seconds() - t);

    t = now_seconds();
    for (unsigned long i = 0; i < n; ++i) {
        sqlite3_bind_blob(get, 1, ids[i].data(), 16, SQLITE_STATIC);
        if (sqlite3_step(get) != SQLITE_ROW || sqlite3_column_bytes(get, 0) != 1024) check(SQLITE_ERROR, db, "get");
        std::vector<unsigned char> copy(static_cast<const unsigned char *>(sqlite3_column_blob(get, 0)),
                                        static_cast<const unsigned char *>(sqlite3_column_blob(get, 0)) + 1024);
        sqlite3_reset(get);
    }
    std::printf("sqlite get %lu %.6f\n", n, now_seconds() - t);

    t = now_seconds();
    unsigned long total = 0;
    sqlite3_bind_blob(scan, 1, type, 16, SQLITE_STATIC);
    while (sqlite3_step(scan) == SQLITE_ROW) {
        std::vector<unsigned char> copy(static_cast<const unsigned char *>(sqlite3_column_blob(scan, 1)),
                                        static_cast<const unsigned char *>(sqlite3_column_blob(scan, 1)) +
                                            sqlite3_column_bytes(scan, 1));
        ++total;
    }
    sqlite3_reset(scan);
    std::printf("sqlite enum %lu %.6f\n", total, now_seconds() - t);

    for (sqlite3_stmt *s : {insert, get, scan, begin, commit}) sqlite3_finalize(s);
    sqlite3_close(db);
    std::remove(path.c_str());
    std::remove((path + "-wal").c_str());
    std::remove((path + "-shm").c_str());
    return 0;
}
