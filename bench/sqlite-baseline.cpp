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

/* Usage: sqlite-baseline N DIR [ROUNDS]
 * The same work as record-throughput.exe without the graphing API: one
 * WAL-mode database with the settings the engine's store uses, one row of a
 * 1 KiB blob and its attribute text per record, each inserted in its own
 * transaction (in ROUNDS slices), then ROUNDS times each: read back by key,
 * scanned in storage order (as the API enumerates), and scanned for the
 * rows whose attribute "half" is 1.  Every read copies the blob out, as the
 * API copies records for the application.  Prints "sqlite <phase> <round>
 * <count> <seconds>" and, as record-throughput.exe does, "sqlite rss ..."
 * lines: the resident set before the scans and its peak during them. */

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
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

/* A field of /proc/self/status in KiB (VmRSS, VmHWM). */
unsigned long status_kib(const char *field)
{
    std::ifstream status("/proc/self/status");
    std::string line;
    std::size_t length = std::strlen(field);
    while (std::getline(status, line))
        if (line.compare(0, length, field) == 0 && line.size() > length && line[length] == ':')
            return std::strtoul(line.c_str() + length + 1, nullptr, 10);
    return 0;
}

bool reset_peak()
{
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
    clear.flush();
    return static_cast<bool>(clear);
}

unsigned long scan(sqlite3 *db, sqlite3_stmt *stmt)
{
    unsigned long total = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        std::vector<unsigned char> copy(static_cast<const unsigned char *>(sqlite3_column_blob(stmt, 1)),
                                        static_cast<const unsigned char *>(sqlite3_column_blob(stmt, 1)) +
                                            sqlite3_column_bytes(stmt, 1));
        ++total;
    }
    check(rc, db, "scan");
    sqlite3_reset(stmt);
    return total;
}

} // namespace

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
    std::string path = std::string(argc > 2 ? argv[2] : "/tmp") + "/sqlite-baseline.db";
    unsigned long rounds = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 5;
    if (!rounds) rounds = 1;
    std::remove(path.c_str());
    std::remove((path + "-wal").c_str());
    std::remove((path + "-shm").c_str());

    sqlite3 *db;
    check(sqlite3_open(path.c_str(), &db), db, "open");
    const char *synchronous = std::getenv("P2PGRAPH_SYNCHRONOUS");
    std::string setup = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=") +
                        (synchronous && std::string(synchronous) == "FULL" ? "FULL" : "NORMAL") +
                        "; PRAGMA wal_autocheckpoint = 8192; PRAGMA cache_size = -16384;"
                        " CREATE TABLE records(id BLOB PRIMARY KEY, type BLOB, creator TEXT, attributes TEXT,"
                        " data BLOB, created INTEGER, expires INTEGER);"
                        " CREATE INDEX records_type ON records(type);";
    check(sqlite3_exec(db, setup.c_str(), nullptr, nullptr, nullptr), db, "setup");

    std::vector<unsigned char> payload(1024);
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<unsigned char>(i);
    std::string attributes[2];
    for (int i = 0; i < 2; ++i)
        attributes[i] = "<attributes><attribute name=\"half\" type=\"int\">" + std::to_string(i) +
                        "</attribute></attributes>";
    unsigned char type[16] = {1, 2, 3};
    sqlite3_stmt *insert, *get, *scan_all, *search, *begin, *commit;
    check(sqlite3_prepare_v2(db, "INSERT INTO records VALUES(?1, ?2, 'bench', ?3, ?4, ?5, ?6)", -1, &insert, nullptr),
          db, "prepare");
    check(sqlite3_prepare_v2(db, "SELECT attributes, data FROM records WHERE id = ?1", -1, &get, nullptr), db,
          "prepare");
    check(sqlite3_prepare_v2(db, "SELECT id, data, attributes FROM records WHERE type = ?1 ORDER BY rowid", -1,
                             &scan_all, nullptr),
          db, "prepare");
    check(sqlite3_prepare_v2(db,
                             "SELECT id, data, attributes FROM records WHERE type = ?1"
                             " AND instr(attributes, '\"half\" type=\"int\">1<') ORDER BY rowid",
                             -1, &search, nullptr),
          db, "prepare");
    check(sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, nullptr), db, "prepare");
    check(sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr), db, "prepare");

    std::vector<std::vector<unsigned char>> ids(n, std::vector<unsigned char>(16));
    for (unsigned long round = 0; round < rounds; ++round) {
        unsigned long from = n * round / rounds, to = n * (round + 1) / rounds;
        double t = now_seconds();
        for (unsigned long i = from; i < to; ++i) {
            for (int k = 0; k < 16; ++k) ids[i][k] = static_cast<unsigned char>(std::rand());
            payload[0] = static_cast<unsigned char>(i);
            check(sqlite3_step(begin), db, "begin");
            sqlite3_reset(begin);
            sqlite3_bind_blob(insert, 1, ids[i].data(), 16, SQLITE_STATIC);
            sqlite3_bind_blob(insert, 2, type, 16, SQLITE_STATIC);
            sqlite3_bind_text(insert, 3, attributes[i % 2].c_str(), -1, SQLITE_STATIC);
            sqlite3_bind_blob(insert, 4, payload.data(), static_cast<int>(payload.size()), SQLITE_STATIC);
            sqlite3_bind_int64(insert, 5, static_cast<sqlite3_int64>(i));
            sqlite3_bind_int64(insert, 6, static_cast<sqlite3_int64>(i) + 1000000);
            check(sqlite3_step(insert), db, "insert");
            sqlite3_reset(insert);
            check(sqlite3_step(commit), db, "commit");
            sqlite3_reset(commit);
        }
        std::printf("sqlite add %lu %lu %.6f\n", round, to - from, now_seconds() - t);
    }

    for (unsigned long round = 0; round < rounds; ++round) {
        double t = now_seconds();
        for (unsigned long i = 0; i < n; ++i) {
            sqlite3_bind_blob(get, 1, ids[i].data(), 16, SQLITE_STATIC);
            if (sqlite3_step(get) != SQLITE_ROW || sqlite3_column_bytes(get, 1) != 1024) check(SQLITE_ERROR, db, "get");
            std::vector<unsigned char> copy(static_cast<const unsigned char *>(sqlite3_column_blob(get, 1)),
                                            static_cast<const unsigned char *>(sqlite3_column_blob(get, 1)) + 1024);
            sqlite3_reset(get);
        }
        std::printf("sqlite get %lu %lu %.6f\n", round, n, now_seconds() - t);
    }

    std::printf("sqlite rss before-enum %lu\n", status_kib("VmRSS"));
    std::printf("sqlite rss reset %s\n", reset_peak() ? "yes" : "no");
    sqlite3_bind_blob(scan_all, 1, type, 16, SQLITE_STATIC);
    sqlite3_bind_blob(search, 1, type, 16, SQLITE_STATIC);
    for (unsigned long round = 0; round < rounds; ++round) {
        double t = now_seconds();
        unsigned long total = scan(db, scan_all);
        std::printf("sqlite enum %lu %lu %.6f\n", round, total, now_seconds() - t);
        t = now_seconds();
        total = scan(db, search);
        std::printf("sqlite search %lu %lu %.6f\n", round, total, now_seconds() - t);
    }
    std::printf("sqlite rss enum-peak %lu\n", status_kib("VmHWM"));

    for (sqlite3_stmt *s : {insert, get, scan_all, search, begin, commit}) sqlite3_finalize(s);
    sqlite3_close(db);
    std::remove(path.c_str());
    std::remove((path + "-wal").c_str());
    std::remove((path + "-shm").c_str());
    return 0;
}
