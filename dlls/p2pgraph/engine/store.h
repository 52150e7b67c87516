/*
 * Engine store: one SQLite database per open graph, and export files
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

/*
 * Graph database (one file per open graph)
 * ----------------------------------------
 * A SQLite 3 database in WAL mode, marked as ours by the header fields
 * PRAGMA application_id = 0x50325047 ("P2PG") and PRAGMA user_version = 1
 * (the format version).  Tables:
 *
 *   meta(key TEXT PRIMARY KEY, value TEXT)       kMetaGraphId, kMetaPeerId and
 *                                                whatever else the graph keeps
 *   records(id BLOB UNIQUE (16 bytes), type BLOB (16), version INTEGER,
 *           flags INTEGER, creator_id TEXT, modified_by_id TEXT,
 *           attributes TEXT, creation_time INTEGER, expiration_time INTEGER,
 *           modification_time INTEGER, security_data BLOB, data BLOB)
 *   indexes on records(type), (creator_id), (expiration_time)
 *
 * GUIDs are stored in Guid::bytes order, times as FILETIME integers.  A new
 * database is built under a temporary name and linked into place, so a crash
 * while creating never leaves a half-made file behind; any file that exists
 * at the path must therefore be a complete database of ours, and a zero-length
 * or foreign file is reported as corrupt.  Opening runs PRAGMA quick_check.
 * Files are created mode 0600 (SQLite gives -wal/-shm the same mode).
 *
 * Durability: journal_mode=WAL with synchronous=NORMAL.  A record is durable
 * once put()/put_many() returned as far as the process being killed goes
 * (the WAL append is in the kernel); a power failure may lose the last
 * transactions but never corrupts the database.  Set the environment variable
 * P2PGRAPH_SYNCHRONOUS=FULL (read at open) to fsync the WAL on every commit,
 * which makes each put() survive power loss too, at a large cost in speed.
 *
 * Threads: the connection is opened with SQLITE_OPEN_NOMUTEX.  A Store must
 * be used from one thread at a time (the engine loop); no locking is done.
 * A StoreReader (open_reader()) is a second connection to the same file for
 * reads on other threads: WAL lets it read while the Store writes, and it
 * sees every transaction the Store committed before the read began.
 * Other processes may open the same file (SQLite's file locks serialize
 * writers; a writer waits up to two seconds for a busy lock).
 *
 * Export file
 * -----------
 * A self-contained SQLite 3 database in rollback-journal mode (no -wal/-shm
 * side files), written under a temporary name, fsynced and renamed over the
 * destination.  Header fields: application_id = 0x50325058 ("P2PX"),
 * user_version = 1.  Tables:
 *
 *   export_header(key TEXT PRIMARY KEY, value TEXT) with the rows
 *       format   = "p2pgraph-wine export"
 *       version  = "1"
 *       graph_id = the kMetaGraphId of the exporting graph ("" if unset)
 *       peer_id  = the kMetaPeerId of the exporting graph ("" if unset)
 *   records(...)  the same columns as the graph database, every record
 *                 (internal ones and tombstones included)
 *
 * read_export() accepts a file only if all of that holds, the file's length
 * matches the page count in its header, and PRAGMA quick_check passes.
 */

#ifndef P2PG_ENGINE_STORE_H
#define P2PG_ENGINE_STORE_H

#include "record.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace p2pg {

enum class StoreStatus {
    ok,
    not_found,
    corrupt,       /* not a database, damaged, or not ours */
    foreign,       /* an intact export of another graph/peer */
    no_such_file,
    access_denied,
    disk_full,
    io_error,
    exists,
};

/* "ok", "corrupt", ... for traces. */
const char *store_status_name(StoreStatus status);

/* The one table from SQLite result codes (extended or primary) and the
 * errno SQLite saw (sqlite3_system_errno) to a StoreStatus. */
StoreStatus store_status_from_sqlite(int rc, int sys_errno);

/* Meta keys the store itself relies on: export_to() copies them into the
 * export header and read_export() compares them. */
extern const char kMetaGraphId[];
extern const char kMetaPeerId[];

struct RecordFilter {
    const Guid *type = nullptr;              /* only this type */
    const std::string *creator_id = nullptr; /* only this creator (exact match) */
    bool include_deleted = false;            /* tombstones */
    bool include_internal = false;           /* the reserved types of is_reserved_record_type() */
    const FileTime *live_at = nullptr;       /* only records that expire after this time */
    std::int64_t max_rowid = 0;              /* only rows up to this rowid (last_rowid()); 0: all */
};

/* Rows of the records table as SQLite gave them, each column copied into
 * one buffer of the page: the thread that reads the store only copies, and
 * whoever takes the rows builds Records of them on its own thread. */
class RecordRows {
public:
    static constexpr std::size_t kColumns = 12; /* the records table's */

    std::size_t size() const { return columns_.size() / kColumns; }
    bool empty() const { return columns_.empty(); }
    /* Row i as a Record; false when a column has the wrong kind (only a
     * file made by someone else can hold such a row). */
    bool decode(std::size_t i, Record *out) const;
    /* The rows that decode, in order. */
    std::vector<Record> records() const;
    /* The payload bytes (data, attributes, security data) of row i. */
    std::size_t payload_bytes(std::size_t i) const;
    void clear();
    /* Bytes of the columns copied. */
    std::size_t bytes() const { return bytes_.size(); }
    /* Bytes the buffers hold allocated (reused after clear()). */
    std::size_t capacity() const;
    /* For the store: room for rows, bytes; one column of a row. */
    void reserve(std::size_t rows, std::size_t bytes);
    void append(int type, std::int64_t integer, const std::uint8_t *data, std::size_t size);

private:
    struct Column {
        int type;             /* SQLite's */
        std::int64_t integer; /* an INTEGER's value */
        std::size_t offset;   /* a TEXT's or BLOB's place in bytes_ */
        std::size_t size;
    };
    std::vector<Column> columns_; /* kColumns a row */
    std::vector<std::uint8_t> bytes_;
};

/* Keyset pagination over the records table: rows come in rowid order (the
 * order in which records were first stored; an update keeps a record's
 * place), a page at a time, each page starting after the last row the
 * previous one read.  So a page costs the same however far the reader is,
 * and rows added or deleted between pages neither repeat nor shift others. */
struct RecordPage {
    RecordRows rows;
    std::int64_t last_rowid = 0; /* where the next page starts (unchanged when none was read) */
    bool end = false;            /* nothing after this page */
};

class StoreReader;
struct StoreShared;

class Store {
public:
    /* Opens the database at path (a Unix path).  create: make it (and missing
     * parent directories, mode 0700) when it does not exist; *created tells
     * which happened.  A file that is not a SQLite database, is damaged or
     * lacks our format marker gives corrupt; no file and !create gives
     * no_such_file; a file or directory we may not write gives access_denied. */
    static StoreStatus open(const std::string &path, bool create, std::unique_ptr<Store> *out,
                            bool *created = nullptr);
    /* Deletes the database and its -wal/-shm/-journal files; no_such_file
     * when there was no database.  The store must not be open. */
    static StoreStatus remove(const std::string &path);
    ~Store();

    Store(const Store &) = delete;
    Store &operator=(const Store &) = delete;

    const std::string &path() const { return path_; }
    /* A checkpoint writes the WAL back into the database and syncs both:
     * milliseconds, on the thread that commits.  With due set, a commit
     * that makes one due (by the size rule in store.cpp) calls due instead,
     * and the owner calls checkpoint() here or on a reader
     * (StoreReader::checkpoint) on another thread; only a WAL at the hard
     * limit still checkpoints at once. */
    void defer_checkpoints(std::function<void()> due);
    void checkpoint();
    /* Whether P2PGRAPH_SYNCHRONOUS=FULL was in effect when the store opened. */
    bool full_sync() const { return full_sync_; }

    /* The readers below give nothing (or what was read so far) when SQLite
     * fails under them; the writers report the failure. */

    /* Small key/value metadata (graph id, peer id, peer-time delta, ...). */
    StoreStatus set_meta(const std::string &key, const std::string &value);
    std::optional<std::string> meta(const std::string &key) const;

    StoreStatus put(const Record &record);                    /* insert or replace by id; one transaction */
    StoreStatus put_many(const std::vector<Record> &records); /* all in one transaction */
    /* Many writes in one transaction: put() between begin_batch() and
     * end_batch() commits with end_batch() (or is lost with the process
     * before it).  end_batch() without a batch does nothing. */
    StoreStatus begin_batch();
    StoreStatus end_batch();
    bool in_batch() const;
    std::optional<Record> get(const Guid &id) const;          /* tombstones included */
    std::vector<Record> list(const RecordFilter &filter) const; /* order: creation_time, then id */
    /* Up to max records the filter takes with a rowid after after_rowid
     * (0: from the start), fewer when their payloads reach max_bytes
     * (at least one record comes); see RecordPage. */
    StoreStatus page(const RecordFilter &filter, std::int64_t after_rowid, std::size_t max, std::size_t max_bytes,
                     RecordPage *out) const;
    std::size_t count(const RecordFilter &filter) const;
    /* The rowid of the row stored last (0: none): rows stored after now
     * have greater ones (see RecordPage). */
    std::int64_t last_rowid() const;
    /* Payload plus attributes of every record, as bytes (the storage quota). */
    std::uint64_t payload_bytes() const;
    /* What hash-based synchronization compares: id, version and times of
     * every record (internal ones and tombstones included), no payloads. */
    struct Stamp {
        Guid id;
        Guid type;
        std::uint32_t version = 0;
        FileTime modification_time = 0;
        FileTime expiration_time = 0;
    };
    std::vector<Stamp> stamps() const;
    StoreStatus erase(const Guid &id); /* purge; not_found when absent */
    /* Purges, in one transaction, every row that does not decode or that
     * acceptable() refuses, reading the rows one at a time; *dropped gets
     * their number. */
    StoreStatus drop_invalid(const std::function<bool(const Record &)> &acceptable, std::size_t *dropped);
    /* Over all records, internal ones and tombstones included; none when empty. */
    std::optional<FileTime> earliest_expiration() const;
    /* Records with expiration_time <= now, all kinds, earliest first. */
    std::vector<Record> expired(FileTime now) const;

    /* Writes an export file (see the top of this file), replacing any file at
     * path.  The directory must exist. */
    StoreStatus export_to(const std::string &path) const;
    /* Reads an export file: corrupt if it is not an intact export of ours,
     * foreign if its graph_id/peer_id differ (exact match) from the given
     * ones, else ok and the records (order: creation_time, then id). */
    static StoreStatus read_export(const std::string &path, const std::string &graph_id,
                                   const std::string &peer_id, std::vector<Record> *records);

    /* A read connection to this database for another thread.  It lives
     * on its own and must be closed (destroyed) before the database is
     * removed. */
    StoreStatus open_reader(std::unique_ptr<StoreReader> *out) const;

private:
    Store(sqlite3 *db, const std::string &path, bool full_sync);
    /* A cached statement for sql, or nullptr (see status()). */
    sqlite3_stmt *prepare(const std::string &sql) const;
    /* The status for the connection's last error. */
    StoreStatus status() const;
    StoreStatus upsert(const Record &record);

    sqlite3 *db_;
    std::string path_;
    bool full_sync_;
    /* Prepared statements by SQL text, kept for the life of the store. */
    mutable std::map<std::string, sqlite3_stmt *> statements_;
    /* What the store's readers watch (StoreShared). */
    std::shared_ptr<StoreShared> shared_;
};

/* A read-only view of a graph database through a connection of its own
 * (Store::open_reader), for any thread.
 *
 * A read transaction costs SQLite a handful of fcntl() locks on the file
 * and its WAL index, as much as finding the record.  So the reader keeps
 * its transaction (its snapshot) open from one get() to the next, for as
 * long as the store committed nothing: every commit of the store counts
 * (StoreShared::commits, from SQLite's WAL hook), and a get() that sees
 * the count moved starts a new snapshot, which sees that commit.  So that
 * an idle reader never holds the WAL back from a checkpoint, the store
 * also ends the snapshot of every reader not busy at the time at each
 * commit. */
class StoreReader {
public:
    ~StoreReader();
    StoreReader(const StoreReader &) = delete;
    StoreReader &operator=(const StoreReader &) = delete;

    /* Whether the Store holds a transaction open: what it wrote in it
     * (and perhaps announced already) is not visible here yet. */
    bool writer_in_batch() const;
    /* As Store::get: ok, not_found, or the failure. */
    StoreStatus get(const Guid &id, Record *out);
    /* As Store::page. */
    StoreStatus page(const RecordFilter &filter, std::int64_t after_rowid, std::size_t max, std::size_t max_bytes,
                     RecordPage *out);
    /* A passive checkpoint through this connection (any thread; the
     * writer goes on meanwhile). */
    void checkpoint();

private:
    friend class Store;
    friend struct StoreShared;
    StoreReader(sqlite3 *db, std::shared_ptr<StoreShared> shared);
    /* With lock_ held. */
    StoreStatus begin_read();
    void end_snapshot();
    /* The store committed: the snapshot ends unless a get() is running. */
    void release_if_idle();

    sqlite3 *db_;
    sqlite3_stmt *get_ = nullptr;
    std::map<std::string, sqlite3_stmt *> statements_; /* of pages, by their SQL */
    std::shared_ptr<StoreShared> shared_;
    std::mutex lock_;
    bool in_snapshot_ = false;
    std::uint64_t snapshot_commits_ = 0;
};

} // namespace p2pg

#endif
