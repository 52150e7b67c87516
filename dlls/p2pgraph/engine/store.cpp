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

#include "store.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <utility>

#include <fcntl.h>
#include <sqlite3.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

namespace p2pg {

const char kMetaGraphId[] = "graph_id";
const char kMetaPeerId[] = "peer_id";

namespace {

/* Header fields that mark a file as ours, and the format version of both. */
constexpr std::uint32_t kGraphApplicationId = 0x50325047;  /* "P2PG" */
constexpr std::uint32_t kExportApplicationId = 0x50325058; /* "P2PX" */
constexpr int kFormatVersion = 1;
constexpr char kExportFormat[] = "p2pgraph-wine export";

constexpr int kBusyTimeoutMs = 2000;
/* Checkpointing a large database every 8192 pages (32 MiB of WAL) rather
 * than SQLite's 1000 lets one checkpoint write a hot index page once
 * instead of many times: about 30% more put()s per second.  A small
 * database checkpoints once its WAL holds twice its size (at least 256
 * pages): a checkpoint then costs no more than the writes it folds in,
 * and a WAL of 32 MiB beside a database of a few hundred KiB (most graphs;
 * a process with many graphs, as the simulator's thousand nodes, would
 * hold gigabytes of WAL) is not kept.  The size limit then truncates the
 * WAL after a transaction larger than that (a 60 MB record). */
constexpr int kWalCheckpointMaxPages = 8192;
constexpr int kWalCheckpointMinPages = 256;
/* The hard limit while a checkpoint runs on another thread (128 MiB). */
constexpr int kWalCheckpointCeilingPages = 4 * kWalCheckpointMaxPages;
constexpr sqlite3_int64 kPageSize = 4096; /* SQLite's default; we never change it */
constexpr int kJournalSizeLimit = 40 * 1024 * 1024;
constexpr int kCacheKiB = 16 * 1024;

constexpr char kRecordColumns[] = "id, type, version, flags, creator_id, modified_by_id, attributes, "
                                  "creation_time, expiration_time, modification_time, security_data, data";
static_assert(RecordRows::kColumns == 12, "kRecordColumns");
constexpr std::size_t kRecordColumnCount = RecordRows::kColumns;

std::string records_table_sql(const std::string &schema)
{
    return "CREATE TABLE " + schema + "records("
           "id BLOB NOT NULL UNIQUE CHECK(typeof(id) = 'blob' AND length(id) = 16), "
           "type BLOB NOT NULL CHECK(typeof(type) = 'blob' AND length(type) = 16), "
           "version INTEGER NOT NULL, flags INTEGER NOT NULL, "
           "creator_id TEXT NOT NULL, modified_by_id TEXT NOT NULL, attributes TEXT NOT NULL, "
           "creation_time INTEGER NOT NULL, expiration_time INTEGER NOT NULL, modification_time INTEGER NOT NULL, "
           "security_data BLOB NOT NULL, data BLOB NOT NULL)";
}

StoreStatus status_from_errno(int e)
{
    switch (e) {
    case 0: return StoreStatus::ok;
    case ENOENT:
    case ENOTDIR: return StoreStatus::no_such_file;
    case EACCES:
    case EPERM:
    case EROFS: return StoreStatus::access_denied;
    case ENOSPC:
    case EDQUOT: return StoreStatus::disk_full;
    case EEXIST: return StoreStatus::exists;
    default: return StoreStatus::io_error;
    }
}

/* Every SQLite failure is turned into a status here, so it is reported
 * here too: in SQLite's words, under the name of the function that met it
 * (caller defaults to that function).  What the application can run into
 * (a missing or foreign file, no permission) is a warning, what loses data
 * (I/O, full disk) an error. */
StoreStatus status_of(sqlite3 *db, int rc, const char *caller = __builtin_FUNCTION())
{
    const int code = db ? sqlite3_extended_errcode(db) : rc;
    const StoreStatus status = store_status_from_sqlite(code, db ? sqlite3_system_errno(db) : 0);
    const LogLevel level =
        status == StoreStatus::io_error || status == StoreStatus::disk_full ? LogLevel::error : LogLevel::warn;
    if (status != StoreStatus::ok && log_on(LogComponent::store, level)) {
        const char *file = db ? sqlite3_db_filename(db, "main") : nullptr;
        log_write(LogComponent::store, level, caller, "%s: %s (SQLite %d, %s)", file && *file ? file : "database",
                  db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), code, store_status_name(status));
    }
    return status;
}

/* With SQLite built with SQLITE_USE_URI (Debian's is), a name starting
 * "file:" would be read as a URI. */
std::string sqlite_name(const std::string &path)
{
    return path.compare(0, 5, "file:") == 0 ? "./" + path : path;
}

std::string parent_dir(const std::string &path)
{
    std::size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

StoreStatus make_parent_dirs(const std::string &path)
{
    std::string dir = parent_dir(path);
    for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
        if (pos != dir.size() && dir[pos] != '/') continue;
        std::string prefix = dir.substr(0, pos);
        if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) return status_from_errno(errno);
    }
    return StoreStatus::ok;
}

StoreStatus fsync_path(const std::string &path, bool directory)
{
    int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) return status_from_errno(errno);
    int rc = ::fsync(fd);
    int e = errno;
    ::close(fd);
    return rc == 0 ? StoreStatus::ok : status_from_errno(e);
}

/* An empty file with a unique name beside path, for building a file that is
 * then moved into place. */
StoreStatus make_temp_beside(const std::string &path, std::string *temp)
{
    std::string name = path + ".tmp-XXXXXX";
    int fd = ::mkstemp(&name[0]);
    if (fd < 0) return status_from_errno(errno);
    ::close(fd);
    *temp = name;
    return StoreStatus::ok;
}

/* Borrows a statement (cached or one-shot) and resets it on scope exit, so
 * that no statement stays active and no binding outlives the caller's data. */
class Step {
public:
    explicit Step(sqlite3_stmt *stmt, bool owned = false) : stmt_(stmt), owned_(owned) {}
    ~Step()
    {
        if (!stmt_) return;
        if (owned_) {
            sqlite3_finalize(stmt_);
        } else {
            sqlite3_reset(stmt_);
            sqlite3_clear_bindings(stmt_);
        }
    }
    Step(const Step &) = delete;
    Step &operator=(const Step &) = delete;

    explicit operator bool() const { return stmt_ != nullptr; }
    sqlite3_stmt *get() const { return stmt_; }
    int step() { return sqlite3_step(stmt_); }

    void bind(int i, const Guid &g) { sqlite3_bind_blob(stmt_, i, g.bytes.data(), 16, SQLITE_STATIC); }
    void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
    /* Values are bound without a copy: they must outlive the step, so
     * temporaries are refused at compile time. */
    void bind(int i, std::string &&) = delete;
    void bind(int i, std::vector<std::uint8_t> &&) = delete;
    void bind(int i, Guid &&) = delete;
    void bind(int i, const std::string &s)
    {
        sqlite3_bind_text64(stmt_, i, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
    }
    void bind(int i, const std::vector<std::uint8_t> &b)
    {
        /* A null pointer would bind NULL rather than an empty blob. */
        if (b.empty())
            sqlite3_bind_zeroblob(stmt_, i, 0);
        else
            sqlite3_bind_blob64(stmt_, i, b.data(), b.size(), SQLITE_STATIC);
    }

private:
    sqlite3_stmt *stmt_;
    bool owned_;
};

Step one_shot(sqlite3 *db, const std::string &sql)
{
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) stmt = nullptr;
    return Step(stmt, true);
}

int exec(sqlite3 *db, const std::string &sql)
{
    return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
}

/* Runs a statement that yields one row and takes its first column as text
 * (PRAGMAs and single values).  SQLITE_DONE when there was no row. */
int query_text(sqlite3 *db, const std::string &sql, std::string *out)
{
    Step s = one_shot(db, sql);
    if (!s) return sqlite3_errcode(db);
    int rc = s.step();
    if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? SQLITE_DONE : sqlite3_errcode(db);
    const unsigned char *text = sqlite3_column_text(s.get(), 0);
    *out = text ? reinterpret_cast<const char *>(text) : "";
    return SQLITE_OK;
}

/* Binds the value parameters the filter's WHERE clause (below) uses. */
const int kParamType = 1, kParamCreator = 2, kParamDeletedFlag = 3, kParamReserved = 4, kParamLiveAt = 8,
          kParamMaxRowid = 9;
/* The first parameter free for the statement around the clause. */
const int kParamAfterFilter = 10;

/* Whether the clause must leave the reserved types out: not when it asks
 * for one type that is not reserved, as an enumeration of the
 * application's records does (the test would cost every row a lookup). */
bool excludes_internal(const RecordFilter &f)
{
    return !f.include_internal && !(f.type && !is_reserved_record_type(*f.type));
}

std::string where_clause(const RecordFilter &f)
{
    std::string w = " WHERE 1";
    if (f.type) w += " AND type = ?1";
    /* With a type, the index on both narrows to one creator's records of
     * that type: a node's own Presence record among the thousand others'
     * (the type alone would scan them all, the creator alone every record
     * the application made). */
    if (f.creator_id) w += " AND creator_id = ?2";
    if (!f.include_deleted) w += " AND (flags & ?3) = 0";
    if (excludes_internal(f)) w += " AND type NOT IN (?4, ?5, ?6, ?7)";
    if (f.live_at) w += " AND expiration_time > ?8";
    if (f.max_rowid) w += " AND rowid <= ?9";
    return w;
}

void bind_filter(Step &s, const RecordFilter &f)
{
    if (f.type) s.bind(kParamType, *f.type);
    if (f.creator_id) s.bind(kParamCreator, *f.creator_id);
    if (!f.include_deleted) s.bind(kParamDeletedFlag, static_cast<std::int64_t>(kRecordFlagDeleted));
    if (excludes_internal(f)) {
        s.bind(kParamReserved, kRecordTypeGraphInfo);
        s.bind(kParamReserved + 1, kRecordTypeSignature);
        s.bind(kParamReserved + 2, kRecordTypeContact);
        s.bind(kParamReserved + 3, kRecordTypePresence);
    }
    if (f.live_at) s.bind(kParamLiveAt, *f.live_at);
    if (f.max_rowid) s.bind(kParamMaxRowid, f.max_rowid);
}

/* One column of a row of kRecordColumns, whether read from a statement or
 * from a page's copy of it (RecordRows): its SQLite type and value. */
struct ColumnView {
    int type = SQLITE_NULL;
    std::int64_t integer = 0;
    const std::uint8_t *data = nullptr; /* text or blob (null when empty) */
    std::size_t size = 0;
};

ColumnView column_view(sqlite3_stmt *stmt, int i)
{
    ColumnView c;
    c.type = sqlite3_column_type(stmt, i);
    if (c.type == SQLITE_INTEGER) {
        c.integer = sqlite3_column_int64(stmt, i);
    } else if (c.type == SQLITE_TEXT) {
        c.data = sqlite3_column_text(stmt, i);
        c.size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, i));
    } else if (c.type == SQLITE_BLOB) {
        c.data = static_cast<const std::uint8_t *>(sqlite3_column_blob(stmt, i));
        c.size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, i));
    }
    return c;
}

bool column_guid(const ColumnView &c, Guid *g)
{
    if (c.type != SQLITE_BLOB || c.size != 16) return false;
    std::memcpy(g->bytes.data(), c.data, 16);
    return true;
}

bool column_u32(const ColumnView &c, std::uint32_t *v)
{
    if (c.type != SQLITE_INTEGER || c.integer < 0 || c.integer > 0xffffffffll) return false;
    *v = static_cast<std::uint32_t>(c.integer);
    return true;
}

bool column_time(const ColumnView &c, FileTime *t)
{
    if (c.type != SQLITE_INTEGER) return false;
    *t = c.integer;
    return true;
}

bool column_text(const ColumnView &c, std::string *s)
{
    if (c.type != SQLITE_TEXT) return false;
    s->assign(reinterpret_cast<const char *>(c.data), c.size);
    return true;
}

bool column_bytes(const ColumnView &c, std::vector<std::uint8_t> *b)
{
    if (c.type != SQLITE_BLOB) return false;
    b->assign(c.data, c.data + c.size);
    return true;
}

/* The same, straight from a statement's column i. */
template <class T>
bool column_of(bool (*read)(const ColumnView &, T *), sqlite3_stmt *stmt, int i, T *out)
{
    return read(column_view(stmt, i), out);
}
bool column_guid(sqlite3_stmt *stmt, int i, Guid *g) { return column_of(column_guid, stmt, i, g); }
bool column_u32(sqlite3_stmt *stmt, int i, std::uint32_t *v) { return column_of(column_u32, stmt, i, v); }
bool column_text(sqlite3_stmt *stmt, int i, std::string *s) { return column_of(column_text, stmt, i, s); }

/* Decodes a row of kRecordColumns; false if a column has the wrong kind
 * (only a file made by someone else can hold such a row). */
bool record_from(const ColumnView *c, Record *r)
{
    return column_guid(c[0], &r->id) && column_guid(c[1], &r->type) && column_u32(c[2], &r->version) &&
           column_u32(c[3], &r->flags) && column_text(c[4], &r->creator_id) && column_text(c[5], &r->modified_by_id) &&
           column_text(c[6], &r->attributes) && column_time(c[7], &r->creation_time) &&
           column_time(c[8], &r->expiration_time) && column_time(c[9], &r->modification_time) &&
           column_bytes(c[10], &r->security_data) && column_bytes(c[11], &r->data);
}

bool read_record(sqlite3_stmt *stmt, Record *r)
{
    ColumnView c[kRecordColumnCount];
    for (std::size_t i = 0; i < kRecordColumnCount; ++i) c[i] = column_view(stmt, static_cast<int>(i));
    return record_from(c, r);
}

/* Steps through a SELECT of kRecordColumns; rows that do not decode are
 * skipped and make *all_valid false. */
StoreStatus collect(sqlite3 *db, Step &s, std::vector<Record> *out, bool *all_valid)
{
    *all_valid = true;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
        Record r;
        if (read_record(s.get(), &r))
            out->push_back(std::move(r));
        else
            *all_valid = false;
    }
    return rc == SQLITE_DONE ? StoreStatus::ok : status_of(db, rc);
}

/* PRAGMA quick_check, then our header fields and tables. Errors reading the
 * file keep their own status (a WAL index we may not create is access_denied). */
StoreStatus check_format(sqlite3 *db, std::uint32_t application_id, const char *const *tables)
{
    std::string text;
    Step check = one_shot(db, "PRAGMA quick_check");
    /* A plain SQLITE_ERROR before anything was read ("unsupported file
     * format": a damaged header) says the file is not a database we can
     * read, not that the disk failed. */
    if (!check) return sqlite3_errcode(db) == SQLITE_ERROR ? StoreStatus::corrupt : status_of(db, SQLITE_ERROR);
    int rc = check.step();
    if (rc == SQLITE_ERROR) return StoreStatus::corrupt;
    if (rc != SQLITE_ROW) return status_of(db, rc);
    const unsigned char *verdict = sqlite3_column_text(check.get(), 0);
    if (!verdict || std::strcmp(reinterpret_cast<const char *>(verdict), "ok") != 0) return StoreStatus::corrupt;

    if ((rc = query_text(db, "PRAGMA application_id", &text)) != SQLITE_OK) return status_of(db, rc);
    if (std::strtoul(text.c_str(), nullptr, 10) != application_id) return StoreStatus::corrupt;
    if ((rc = query_text(db, "PRAGMA user_version", &text)) != SQLITE_OK) return status_of(db, rc);
    if (std::atoi(text.c_str()) != kFormatVersion) return StoreStatus::corrupt;

    for (const char *const *table = tables; *table; ++table) {
        Step s = one_shot(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1");
        if (!s) return status_of(db, SQLITE_ERROR);
        std::string name = *table;
        s.bind(1, name);
        rc = s.step();
        if (rc == SQLITE_DONE) return StoreStatus::corrupt;
        if (rc != SQLITE_ROW) return status_of(db, rc);
    }
    /* The columns we read must all be there. */
    if (!one_shot(db, std::string("SELECT ") + kRecordColumns + " FROM records LIMIT 0")) return StoreStatus::corrupt;
    return StoreStatus::ok;
}

/* Settings for files we did not necessarily write: views and triggers in a
 * crafted file may not call functions with side effects. */
void harden(sqlite3 *db)
{
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
}

/* Whether a WAL of pages frames is due a checkpoint by the rule above. */
bool checkpoint_wanted(sqlite3 *db, const char *name, int pages)
{
    if (pages < kWalCheckpointMinPages) return false;
    if (pages >= kWalCheckpointMaxPages) return true;
    struct stat st;
    const char *file = sqlite3_db_filename(db, name);
    return !(file && *file && ::stat(file, &st) == 0 && pages * kPageSize < 2 * static_cast<sqlite3_int64>(st.st_size));
}

/* sqlite3_wal_hook: after each commit, a passive checkpoint (as
 * wal_autocheckpoint makes) once the WAL holds pages frames, by the rule
 * above kWalCheckpointMaxPages. */
int checkpoint_hook(void *, sqlite3 *db, const char *name, int pages)
{
    if (checkpoint_wanted(db, name, pages)) sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return SQLITE_OK;
}

StoreStatus open_connection(const std::string &path, int flags, sqlite3 **out)
{
    sqlite3 *db = nullptr;
    int rc = sqlite3_open_v2(sqlite_name(path).c_str(), &db, flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                             nullptr);
    if (rc != SQLITE_OK) {
        StoreStatus status = db ? status_of(db, rc) : store_status_from_sqlite(rc, 0);
        sqlite3_close_v2(db);
        return status;
    }
    sqlite3_extended_result_codes(db, 1);
    harden(db);
    *out = db;
    return StoreStatus::ok;
}

/* Builds an empty graph database under a temporary name and links it to
 * path; *made is false when another opener won the race. */
StoreStatus create_database(const std::string &path, bool *made)
{
    *made = false;
    std::string temp;
    StoreStatus status = make_temp_beside(path, &temp);
    if (status != StoreStatus::ok) return status;

    sqlite3 *db = nullptr;
    status = open_connection(temp, SQLITE_OPEN_READWRITE, &db);
    if (status == StoreStatus::ok) {
        /* No journal: a failure here only loses the temporary file. */
        std::string sql = "PRAGMA journal_mode = OFF; "
                          "PRAGMA application_id = " + std::to_string(kGraphApplicationId) + "; "
                          "PRAGMA user_version = " + std::to_string(kFormatVersion) + "; "
                          "BEGIN; "
                          "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL); " +
                          records_table_sql("") + "; "
                          "CREATE INDEX records_type_creator ON records(type, creator_id); "
                          "CREATE INDEX records_creator ON records(creator_id); "
                          "CREATE INDEX records_expiration ON records(expiration_time); "
                          "COMMIT;";
        int rc = exec(db, sql);
        if (rc != SQLITE_OK) status = status_of(db, rc);
        rc = sqlite3_close(db);
        if (status == StoreStatus::ok && rc != SQLITE_OK) status = StoreStatus::io_error;
    }
    if (status == StoreStatus::ok) status = fsync_path(temp, false);
    if (status == StoreStatus::ok) {
        /* link() never replaces a database someone else just made; where the
         * file system has no hard links, fall back to rename(). */
        if (::link(temp.c_str(), path.c_str()) == 0) {
            *made = true;
        } else if (errno != EEXIST) {
            if (::rename(temp.c_str(), path.c_str()) == 0)
                *made = true;
            else
                status = status_from_errno(errno);
        }
    }
    ::unlink(temp.c_str());
    if (status == StoreStatus::ok && *made) status = fsync_path(parent_dir(path), true);
    return status;
}

bool synchronous_full_requested()
{
    const char *value = std::getenv("P2PGRAPH_SYNCHRONOUS");
    return value && strcasecmp(value, "FULL") == 0;
}

std::uint32_t big_endian32(const unsigned char *p)
{
    return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

/* Checks the 100-byte SQLite header of an export before SQLite sees the file:
 * our marker, rollback-journal mode, and a length that matches the page
 * count, which catches a truncated copy. */
StoreStatus check_export_header(const std::string &path)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return status_from_errno(errno);
    unsigned char h[100];
    ssize_t got = ::pread(fd, h, sizeof(h), 0);
    struct stat st;
    int stat_rc = ::fstat(fd, &st);
    ::close(fd);
    if (got < 0 || stat_rc != 0) return StoreStatus::io_error;
    if (got != static_cast<ssize_t>(sizeof(h)) || std::memcmp(h, "SQLite format 3", 16) != 0)
        return StoreStatus::corrupt;
    std::uint32_t page_size = std::uint32_t(h[16]) << 8 | h[17];
    if (page_size == 1) page_size = 65536;
    std::uint32_t change_counter = big_endian32(h + 24), page_count = big_endian32(h + 28);
    std::uint32_t valid_for = big_endian32(h + 92);
    /* Schema format 1..4 and text encoding 1..3: SQLite itself answers other
     * values with SQLITE_ERROR, which would read as an I/O error. */
    std::uint32_t schema_format = big_endian32(h + 44), encoding = big_endian32(h + 56);
    if (h[18] != 1 || h[19] != 1 || valid_for != change_counter || schema_format < 1 || schema_format > 4 ||
        encoding < 1 || encoding > 3 ||
        static_cast<std::uint64_t>(st.st_size) != std::uint64_t(page_size) * page_count ||
        big_endian32(h + 68) != kExportApplicationId || big_endian32(h + 60) != kFormatVersion)
        return StoreStatus::corrupt;
    return StoreStatus::ok;
}

} // namespace

const char *store_status_name(StoreStatus status)
{
    switch (status) {
    case StoreStatus::ok: return "ok";
    case StoreStatus::not_found: return "not_found";
    case StoreStatus::corrupt: return "corrupt";
    case StoreStatus::foreign: return "foreign";
    case StoreStatus::no_such_file: return "no_such_file";
    case StoreStatus::access_denied: return "access_denied";
    case StoreStatus::disk_full: return "disk_full";
    case StoreStatus::io_error: return "io_error";
    case StoreStatus::exists: return "exists";
    }
    return "?";
}

StoreStatus store_status_from_sqlite(int rc, int sys_errno)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE: return StoreStatus::ok;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: return StoreStatus::corrupt;
    case SQLITE_CANTOPEN:
        if (sys_errno == ENOENT || sys_errno == ENOTDIR) return StoreStatus::no_such_file;
        if (sys_errno == EACCES || sys_errno == EPERM || sys_errno == EROFS) return StoreStatus::access_denied;
        return StoreStatus::io_error;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH: return StoreStatus::access_denied;
    case SQLITE_FULL: return StoreStatus::disk_full;
    default:
        if (sys_errno == ENOSPC || sys_errno == EDQUOT) return StoreStatus::disk_full;
        if (sys_errno == EACCES || sys_errno == EPERM) return StoreStatus::access_denied;
        return StoreStatus::io_error;
    }
}

/* What a Store shares with its readers. */
struct StoreShared {
    /* Set while a transaction of several writes is open (begin_batch to
     * end_batch, put_many): readers do not see its writes yet. */
    std::atomic<bool> batch_open{false};
    /* Transactions committed so far. */
    std::atomic<std::uint64_t> commits{0};
    std::mutex readers_lock;
    std::vector<StoreReader *> readers;
    /* Store::defer_checkpoints */
    std::function<void()> checkpoint_due;
    /* A reader's checkpoint is running (StoreReader::checkpoint), and the
     * frames the last one left written back (0: none since). */
    std::atomic<bool> checkpointing{false};
    std::atomic<int> backfilled{0};

    /* SQLite's WAL hook, after every commit.  It replaces open()'s
     * checkpoint_hook, so it checkpoints by the same rule, once the readers
     * let go; or leaves the checkpoint to checkpoint_due's caller until
     * the WAL reaches its hard limit. */
    static int committed(void *context, sqlite3 *db, const char *name, int frames)
    {
        auto *shared = static_cast<StoreShared *>(context);
        shared->commits.fetch_add(1);
        {
            std::lock_guard<std::mutex> guard(shared->readers_lock);
            for (StoreReader *reader : shared->readers) reader->release_if_idle();
        }
        /* While a reader checkpoints on its thread, the writer lets the
         * WAL grow past the hard limit, up to four times it, rather than
         * compete for the same work on its own thread. */
        const bool helped = shared->checkpointing.load();
        const int limit = helped ? kWalCheckpointCeilingPages : kWalCheckpointMaxPages;
        /* A WAL starts over only at a transaction that begins once it is
         * written back to its end: under steady commits a checkpoint on
         * another thread never sees that end.  Once one has written back
         * most of it, the writer finishes the rest here, between its
         * transactions: a few frames and the syncs. */
        int done = helped ? 0 : shared->backfilled.load();
        if (done > frames) { /* the WAL started over since */
            shared->backfilled.store(0);
            done = 0;
        }
        if (done >= kWalCheckpointMinPages && frames - done <= frames / 4) {
            shared->backfilled.store(0);
            sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
            return SQLITE_OK;
        }
        if (shared->checkpoint_due && frames < limit) {
            /* Due by the rule, or half way to the hard limit: past 16 MiB
             * of database the rule's twice its size lies beyond the limit,
             * and the writer would checkpoint every 32 MiB itself. */
            if (checkpoint_wanted(db, name, frames) || frames >= kWalCheckpointMaxPages / 2)
                shared->checkpoint_due();
            return SQLITE_OK;
        }
        return checkpoint_hook(nullptr, db, name, frames);
    }
};

Store::Store(sqlite3 *db, const std::string &path, bool full_sync)
    : db_(db), path_(path), full_sync_(full_sync), shared_(std::make_shared<StoreShared>())
{
    sqlite3_wal_hook(db_, &StoreShared::committed, shared_.get());
}

void Store::defer_checkpoints(std::function<void()> due)
{
    shared_->checkpoint_due = std::move(due);
}

void Store::checkpoint()
{
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
}

Store::~Store()
{
    for (auto &entry : statements_) sqlite3_finalize(entry.second);
    /* The last connection to close checkpoints and deletes the WAL. */
    sqlite3_close_v2(db_);
}

StoreStatus Store::open(const std::string &path, bool create, std::unique_ptr<Store> *out, bool *created)
{
    out->reset();
    if (created) *created = false;
    if (path.empty()) return StoreStatus::no_such_file;

    bool made = false;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
        if (errno != ENOENT) return status_from_errno(errno);
        if (!create) return StoreStatus::no_such_file;
        StoreStatus status = make_parent_dirs(path);
        if (status == StoreStatus::ok) status = create_database(path, &made);
        if (status != StoreStatus::ok) return status;
    } else if (!S_ISREG(st.st_mode)) {
        return StoreStatus::corrupt;
    }

    sqlite3 *db = nullptr;
    StoreStatus status = open_connection(path, SQLITE_OPEN_READWRITE, &db);
    if (status != StoreStatus::ok) return status;
    /* SQLite quietly falls back to read-only when the file is not writable. */
    if (sqlite3_db_readonly(db, "main") == 1) status = StoreStatus::access_denied;
    if (status == StoreStatus::ok) {
        sqlite3_busy_timeout(db, kBusyTimeoutMs);
        static const char *const tables[] = {"meta", "records", nullptr};
        status = check_format(db, kGraphApplicationId, tables);
    }
    bool full_sync = synchronous_full_requested();
    if (status == StoreStatus::ok) {
        std::string mode;
        int rc = query_text(db, "PRAGMA journal_mode = WAL", &mode);
        if (rc != SQLITE_OK)
            status = status_of(db, rc);
        else if (strcasecmp(mode.c_str(), "wal") != 0)
            status = StoreStatus::io_error;
    }
    if (status == StoreStatus::ok) {
        std::string sql = std::string("PRAGMA synchronous = ") + (full_sync ? "FULL" : "NORMAL") +
                          "; PRAGMA journal_size_limit = " + std::to_string(kJournalSizeLimit) +
                          "; PRAGMA cache_size = -" + std::to_string(kCacheKiB) + ";";
        /* Databases made before the index on type and creator get it now
         * (their index on type alone stays). */
        sql += " CREATE INDEX IF NOT EXISTS records_type_creator ON records(type, creator_id);";
        int rc = exec(db, sql);
        if (rc != SQLITE_OK) status = status_of(db, rc);
        else sqlite3_wal_hook(db, checkpoint_hook, nullptr);
    }
    if (status != StoreStatus::ok) {
        sqlite3_close_v2(db);
        return status;
    }
    out->reset(new Store(db, path, full_sync));
    if (created) *created = made;
    return StoreStatus::ok;
}

StoreStatus Store::remove(const std::string &path)
{
    StoreStatus status = StoreStatus::ok;
    if (::unlink(path.c_str()) != 0) status = status_from_errno(errno);
    for (const char *suffix : {"-wal", "-shm", "-journal"}) {
        std::string side = path + suffix;
        if (::unlink(side.c_str()) != 0 && errno != ENOENT && status == StoreStatus::ok)
            status = status_from_errno(errno);
    }
    return status;
}

sqlite3_stmt *Store::prepare(const std::string &sql) const
{
    auto it = statements_.find(sql);
    if (it != statements_.end()) return it->second;
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK)
        return nullptr;
    statements_.emplace(sql, stmt);
    return stmt;
}

StoreStatus Store::status() const
{
    return status_of(db_, SQLITE_ERROR);
}

StoreStatus Store::set_meta(const std::string &key, const std::string &value)
{
    Step s(prepare("INSERT INTO meta(key, value) VALUES(?1, ?2) "
                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
    if (!s) return status();
    s.bind(1, key);
    s.bind(2, value);
    return s.step() == SQLITE_DONE ? StoreStatus::ok : status();
}

std::optional<std::string> Store::meta(const std::string &key) const
{
    Step s(prepare("SELECT value FROM meta WHERE key = ?1"));
    if (!s) return std::nullopt;
    s.bind(1, key);
    std::string value;
    if (s.step() != SQLITE_ROW || !column_text(s.get(), 0, &value)) return std::nullopt;
    return value;
}

StoreStatus Store::upsert(const Record &r)
{
    static const std::string sql = std::string("INSERT INTO records(") + kRecordColumns +
        ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT(id) DO UPDATE SET "
        "type = excluded.type, version = excluded.version, flags = excluded.flags, "
        "creator_id = excluded.creator_id, modified_by_id = excluded.modified_by_id, "
        "attributes = excluded.attributes, creation_time = excluded.creation_time, "
        "expiration_time = excluded.expiration_time, modification_time = excluded.modification_time, "
        "security_data = excluded.security_data, data = excluded.data";
    Step s(prepare(sql));
    if (!s) return status();
    s.bind(1, r.id);
    s.bind(2, r.type);
    s.bind(3, static_cast<std::int64_t>(r.version));
    s.bind(4, static_cast<std::int64_t>(r.flags));
    s.bind(5, r.creator_id);
    s.bind(6, r.modified_by_id);
    s.bind(7, r.attributes);
    s.bind(8, r.creation_time);
    s.bind(9, r.expiration_time);
    s.bind(10, r.modification_time);
    s.bind(11, r.security_data);
    s.bind(12, r.data);
    return s.step() == SQLITE_DONE ? StoreStatus::ok : status();
}

StoreStatus Store::put(const Record &record)
{
    /* Outside BEGIN/COMMIT the statement is its own transaction. */
    return upsert(record);
}

StoreStatus Store::put_many(const std::vector<Record> &records)
{
    shared_->batch_open.store(true);
    Step begin(prepare("BEGIN IMMEDIATE"));
    StoreStatus status = StoreStatus::ok;
    if (!begin || begin.step() != SQLITE_DONE) status = this->status();
    for (std::size_t i = 0; status == StoreStatus::ok && i < records.size(); ++i) {
        status = upsert(records[i]);
        if (status != StoreStatus::ok) {
            Step rollback(prepare("ROLLBACK"));
            if (rollback) rollback.step();
        }
    }
    if (status == StoreStatus::ok) {
        Step commit(prepare("COMMIT"));
        if (!commit || commit.step() != SQLITE_DONE) {
            status = this->status();
            if (!sqlite3_get_autocommit(db_)) exec(db_, "ROLLBACK");
        }
    }
    shared_->batch_open.store(!sqlite3_get_autocommit(db_));
    return status;
}

StoreStatus Store::begin_batch()
{
    if (!sqlite3_get_autocommit(db_)) return StoreStatus::ok;
    /* Raised before the first write, so that a reader that learnt of a
     * write of this batch (an event) also learns that it cannot see it. */
    shared_->batch_open.store(true);
    Step begin(prepare("BEGIN IMMEDIATE"));
    if (!begin || begin.step() != SQLITE_DONE) {
        shared_->batch_open.store(false);
        return status();
    }
    return StoreStatus::ok;
}

StoreStatus Store::end_batch()
{
    if (sqlite3_get_autocommit(db_)) return StoreStatus::ok;
    Step commit(prepare("COMMIT"));
    StoreStatus status = StoreStatus::ok;
    if (!commit || commit.step() != SQLITE_DONE) {
        status = this->status();
        if (!sqlite3_get_autocommit(db_)) exec(db_, "ROLLBACK");
    }
    shared_->batch_open.store(false);
    return status;
}

bool Store::in_batch() const
{
    return !sqlite3_get_autocommit(db_);
}

std::optional<Record> Store::get(const Guid &id) const
{
    static const std::string sql = std::string("SELECT ") + kRecordColumns + " FROM records WHERE id = ?1";
    Step s(prepare(sql));
    if (!s) return std::nullopt;
    s.bind(1, id);
    Record r;
    if (s.step() != SQLITE_ROW || !read_record(s.get(), &r)) return std::nullopt;
    return r;
}

std::vector<Record> Store::list(const RecordFilter &filter) const
{
    std::vector<Record> records;
    Step s(prepare(std::string("SELECT ") + kRecordColumns + " FROM records" + where_clause(filter) +
                   " ORDER BY creation_time, id"));
    if (!s) return records;
    bind_filter(s, filter);
    bool all_valid;
    collect(db_, s, &records, &all_valid);
    return records;
}

namespace {

/* The query of a page (Store::page, StoreReader::page).  Along the table
 * itself, from after_rowid on: an index on the filter's columns (type and
 * creator, expiration) would hand SQLite every matching row to sort by
 * rowid for each page, O(N) a page. */
std::string page_sql(const RecordFilter &filter)
{
    return std::string("SELECT ") + kRecordColumns + ", rowid FROM records NOT INDEXED" + where_clause(filter) +
           " AND rowid > ?" + std::to_string(kParamAfterFilter) + " ORDER BY rowid";
}

/* Runs a page's query (stmt: page_sql's, null when it could not be
 * prepared) into *out. */
StoreStatus read_page(sqlite3 *db, sqlite3_stmt *stmt, const RecordFilter &filter, std::int64_t after_rowid,
                      std::size_t max, std::size_t max_bytes, RecordPage *out)
{
    RecordRows &rows = out->rows;
    rows.clear();
    out->last_rowid = after_rowid;
    out->end = false;
    Step s(stmt);
    if (!s) return status_of(db, SQLITE_ERROR);
    bind_filter(s, filter);
    s.bind(kParamAfterFilter, after_rowid);
    rows.reserve(std::min<std::size_t>(max, 1024), std::min<std::size_t>(max_bytes, std::size_t(1) << 20));
    std::size_t count = 0, bytes = 0;
    int rc;
    while (count < max && bytes < max_bytes) {
        if ((rc = s.step()) != SQLITE_ROW) {
            if (rc != SQLITE_DONE) {
                rows.clear();
                return status_of(db, rc);
            }
            out->end = true;
            break;
        }
        ++count;
        out->last_rowid = sqlite3_column_int64(s.get(), kRecordColumnCount);
        for (std::size_t i = 0; i < kRecordColumnCount; ++i) {
            ColumnView c = column_view(s.get(), static_cast<int>(i));
            rows.append(c.type, c.integer, c.data, c.size);
        }
        bytes += rows.payload_bytes(rows.size() - 1);
    }
    /* A full page may be the last: one more step tells (and reads no
     * column). */
    if (!out->end) {
        rc = s.step();
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            rows.clear();
            return status_of(db, rc);
        }
        out->end = rc == SQLITE_DONE;
    }
    return StoreStatus::ok;
}

} // namespace

StoreStatus Store::page(const RecordFilter &filter, std::int64_t after_rowid, std::size_t max, std::size_t max_bytes,
                        RecordPage *out) const
{
    return read_page(db_, prepare(page_sql(filter)), filter, after_rowid, max, max_bytes, out);
}

std::size_t RecordRows::capacity() const
{
    return columns_.capacity() * sizeof(Column) + bytes_.capacity();
}

void RecordRows::reserve(std::size_t rows, std::size_t bytes)
{
    columns_.reserve(rows * kColumns);
    bytes_.reserve(bytes);
}

void RecordRows::append(int type, std::int64_t integer, const std::uint8_t *data, std::size_t size)
{
    columns_.push_back({type, integer, bytes_.size(), size});
    bytes_.insert(bytes_.end(), data, data + size);
}

bool RecordRows::decode(std::size_t i, Record *out) const
{
    ColumnView c[kColumns];
    for (std::size_t k = 0; k < kColumns; ++k) {
        const Column &column = columns_[i * kColumns + k];
        c[k].type = column.type;
        c[k].integer = column.integer;
        c[k].data = bytes_.data() + column.offset;
        c[k].size = column.size;
    }
    return record_from(c, out);
}

std::vector<Record> RecordRows::records() const
{
    std::vector<Record> records(size());
    std::size_t n = 0;
    for (std::size_t i = 0; i < size(); ++i)
        if (decode(i, &records[n])) ++n;
    records.resize(n);
    return records;
}

/* Columns 6, 10 and 11: attributes, security_data, data. */
std::size_t RecordRows::payload_bytes(std::size_t i) const
{
    return columns_[i * kColumns + 6].size + columns_[i * kColumns + 10].size + columns_[i * kColumns + 11].size;
}

void RecordRows::clear()
{
    columns_.clear();
    bytes_.clear();
}

std::size_t Store::count(const RecordFilter &filter) const
{
    Step s(prepare("SELECT count(*) FROM records" + where_clause(filter)));
    if (!s) return 0;
    bind_filter(s, filter);
    return s.step() == SQLITE_ROW ? static_cast<std::size_t>(sqlite3_column_int64(s.get(), 0)) : 0;
}

std::int64_t Store::last_rowid() const
{
    Step s(prepare("SELECT max(rowid) FROM records"));
    if (!s || s.step() != SQLITE_ROW) return 0;
    return sqlite3_column_int64(s.get(), 0);
}

std::uint64_t Store::payload_bytes() const
{
    Step s(prepare("SELECT total(length(data)) + total(length(CAST(attributes AS BLOB))) FROM records"));
    if (!s || s.step() != SQLITE_ROW) return 0;
    return static_cast<std::uint64_t>(sqlite3_column_double(s.get(), 0));
}

std::vector<Store::Stamp> Store::stamps() const
{
    std::vector<Stamp> out;
    Step s(prepare("SELECT id, version, modification_time, expiration_time, type FROM records"));
    if (!s) return out;
    while (s.step() == SQLITE_ROW) {
        Stamp stamp;
        if (!column_guid(s.get(), 0, &stamp.id) || !column_u32(s.get(), 1, &stamp.version) ||
            !column_guid(s.get(), 4, &stamp.type))
            continue;
        stamp.modification_time = sqlite3_column_int64(s.get(), 2);
        stamp.expiration_time = sqlite3_column_int64(s.get(), 3);
        out.push_back(stamp);
    }
    return out;
}

StoreStatus Store::erase(const Guid &id)
{
    Step s(prepare("DELETE FROM records WHERE id = ?1"));
    if (!s) return status();
    s.bind(1, id);
    if (s.step() != SQLITE_DONE) return status();
    return sqlite3_changes(db_) ? StoreStatus::ok : StoreStatus::not_found;
}

StoreStatus Store::drop_invalid(const std::function<bool(const Record &)> &acceptable, std::size_t *dropped)
{
    *dropped = 0;
    std::vector<std::int64_t> bad;
    {
        Step s(prepare(std::string("SELECT ") + kRecordColumns + ", rowid FROM records"));
        if (!s) return status();
        int rc;
        while ((rc = s.step()) == SQLITE_ROW) {
            Record r;
            if (!read_record(s.get(), &r) || !acceptable(r)) bad.push_back(sqlite3_column_int64(s.get(), 12));
        }
        if (rc != SQLITE_DONE) return status_of(db_, rc);
    }
    if (bad.empty()) return StoreStatus::ok;
    StoreStatus status = begin_batch();
    if (status != StoreStatus::ok) return status;
    for (std::int64_t rowid : bad) {
        Step s(prepare("DELETE FROM records WHERE rowid = ?1"));
        if (!s) break;
        s.bind(1, rowid);
        if (s.step() != SQLITE_DONE) break;
        ++*dropped;
    }
    status = end_batch();
    if (status == StoreStatus::ok && *dropped != bad.size()) status = this->status();
    return status;
}

std::optional<FileTime> Store::earliest_expiration() const
{
    Step s(prepare("SELECT min(expiration_time) FROM records"));
    if (!s || s.step() != SQLITE_ROW || sqlite3_column_type(s.get(), 0) != SQLITE_INTEGER) return std::nullopt;
    return sqlite3_column_int64(s.get(), 0);
}

std::vector<Record> Store::expired(FileTime now) const
{
    std::vector<Record> records;
    Step s(prepare(std::string("SELECT ") + kRecordColumns +
                   " FROM records WHERE expiration_time <= ?1 ORDER BY expiration_time, id"));
    if (!s) return records;
    s.bind(1, now);
    bool all_valid;
    collect(db_, s, &records, &all_valid);
    return records;
}

StoreStatus Store::export_to(const std::string &path) const
{
    std::string temp;
    StoreStatus status = make_temp_beside(path, &temp);
    if (status != StoreStatus::ok) return status;

    bool attached = false;
    {
        Step attach = one_shot(db_, "ATTACH DATABASE ?1 AS export");
        if (!attach) {
            status = this->status();
        } else {
            std::string name = sqlite_name(temp);
            attach.bind(1, name);
            if (attach.step() == SQLITE_DONE)
                attached = true;
            else
                status = this->status();
        }
    }
    if (attached) {
        /* No journal: on failure the temporary file is thrown away. */
        std::string sql = "PRAGMA export.journal_mode = OFF; "
                          "PRAGMA export.application_id = " + std::to_string(kExportApplicationId) + "; "
                          "PRAGMA export.user_version = " + std::to_string(kFormatVersion) + "; "
                          "BEGIN; "
                          "CREATE TABLE export.export_header(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL); " +
                          records_table_sql("export.") + "; "
                          "INSERT INTO export.records(" + kRecordColumns + ") SELECT " + kRecordColumns +
                          " FROM main.records;";
        int rc = exec(db_, sql);
        if (rc != SQLITE_OK) status = status_of(db_, rc);

        const std::pair<std::string, std::string> header[] = {
            {"format", kExportFormat},
            {"version", std::to_string(kFormatVersion)},
            {"graph_id", meta(kMetaGraphId).value_or("")},
            {"peer_id", meta(kMetaPeerId).value_or("")},
        };
        for (const auto &row : header) {
            if (status != StoreStatus::ok) break;
            Step insert = one_shot(db_, "INSERT INTO export.export_header(key, value) VALUES(?1, ?2)");
            if (!insert) {
                status = this->status();
                break;
            }
            insert.bind(1, row.first);
            insert.bind(2, row.second);
            if (insert.step() != SQLITE_DONE) status = this->status();
        }
        if (status == StoreStatus::ok && (rc = exec(db_, "COMMIT")) != SQLITE_OK) status = status_of(db_, rc);
        if (!sqlite3_get_autocommit(db_)) exec(db_, "ROLLBACK");
        if ((rc = exec(db_, "DETACH DATABASE export")) != SQLITE_OK && status == StoreStatus::ok)
            status = status_of(db_, rc);
    }
    if (status == StoreStatus::ok) status = fsync_path(temp, false);
    if (status == StoreStatus::ok && ::rename(temp.c_str(), path.c_str()) != 0) status = status_from_errno(errno);
    if (status != StoreStatus::ok) {
        ::unlink(temp.c_str());
        return status;
    }
    return fsync_path(parent_dir(path), true);
}

StoreStatus Store::read_export(const std::string &path, const std::string &graph_id, const std::string &peer_id,
                               std::vector<Record> *records)
{
    records->clear();
    StoreStatus status = check_export_header(path);
    if (status != StoreStatus::ok) return status;

    sqlite3 *db = nullptr;
    status = open_connection(path, SQLITE_OPEN_READONLY, &db);
    if (status != StoreStatus::ok) return status;
    static const char *const tables[] = {"export_header", "records", nullptr};
    status = check_format(db, kExportApplicationId, tables);

    std::map<std::string, std::string> header;
    if (status == StoreStatus::ok) {
        Step s = one_shot(db, "SELECT key, value FROM export_header");
        if (!s) status = StoreStatus::corrupt;
        int rc = SQLITE_DONE;
        std::string key, value;
        while (s && (rc = s.step()) == SQLITE_ROW) {
            if (!column_text(s.get(), 0, &key) || !column_text(s.get(), 1, &value)) {
                status = StoreStatus::corrupt;
                break;
            }
            header[key] = value;
        }
        if (status == StoreStatus::ok && rc != SQLITE_DONE) status = status_of(db, rc);
    }
    if (status == StoreStatus::ok &&
        (header["format"] != kExportFormat || header["version"] != std::to_string(kFormatVersion) ||
         !header.count("graph_id") || !header.count("peer_id")))
        status = StoreStatus::corrupt;
    if (status == StoreStatus::ok && (header["graph_id"] != graph_id || header["peer_id"] != peer_id))
        status = StoreStatus::foreign;
    if (status == StoreStatus::ok) {
        Step s = one_shot(db, std::string("SELECT ") + kRecordColumns + " FROM records ORDER BY creation_time, id");
        bool all_valid = false;
        if (!s)
            status = StoreStatus::corrupt;
        else
            status = collect(db, s, records, &all_valid);
        if (status == StoreStatus::ok && !all_valid) status = StoreStatus::corrupt;
    }
    sqlite3_close_v2(db);
    if (status != StoreStatus::ok) records->clear();
    return status;
}

StoreStatus Store::open_reader(std::unique_ptr<StoreReader> *out) const
{
    out->reset();
    sqlite3 *db = nullptr;
    StoreStatus status = open_connection(path_, SQLITE_OPEN_READWRITE, &db);
    if (status != StoreStatus::ok) return status;
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    /* Read-write only so that it shares the WAL index like any other
     * connection; it never writes. */
    std::string sql = "PRAGMA query_only = 1; PRAGMA cache_size = -" + std::to_string(kCacheKiB) + ";";
    int rc = exec(db, sql);
    if (rc != SQLITE_OK) {
        status = status_of(db, rc);
        sqlite3_close_v2(db);
        return status;
    }
    out->reset(new StoreReader(db, shared_));
    std::lock_guard<std::mutex> guard(shared_->readers_lock);
    shared_->readers.push_back(out->get());
    return StoreStatus::ok;
}

StoreReader::StoreReader(sqlite3 *db, std::shared_ptr<StoreShared> shared) : db_(db), shared_(std::move(shared)) {}

StoreReader::~StoreReader()
{
    {
        std::lock_guard<std::mutex> guard(shared_->readers_lock);
        auto &readers = shared_->readers;
        readers.erase(std::remove(readers.begin(), readers.end(), this), readers.end());
    }
    std::lock_guard<std::mutex> guard(lock_);
    end_snapshot();
    sqlite3_finalize(get_);
    for (auto &entry : statements_) sqlite3_finalize(entry.second);
    sqlite3_close_v2(db_);
}

bool StoreReader::writer_in_batch() const
{
    return shared_->batch_open.load();
}

void StoreReader::end_snapshot()
{
    if (!in_snapshot_) return;
    if (get_) sqlite3_reset(get_);
    for (auto &entry : statements_) sqlite3_reset(entry.second);
    exec(db_, "COMMIT");
    in_snapshot_ = false;
}

void StoreReader::checkpoint()
{
    std::lock_guard<std::mutex> guard(lock_);
    end_snapshot(); /* a connection in a read transaction cannot checkpoint */
    /* The writer goes on meanwhile: passes follow while they catch up,
     * since only a WAL checkpointed to its end starts over (at the next
     * commit) instead of growing. */
    shared_->checkpointing.store(true);
    int logged = 0, done = 0, before = -1;
    for (int pass = 0; pass < 8 && done != before; ++pass) {
        before = done;
        if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &logged, &done) != SQLITE_OK) break;
        if (done >= logged) break;
    }
    shared_->backfilled.store(done);
    shared_->checkpointing.store(false);
}

void StoreReader::release_if_idle()
{
    std::unique_lock<std::mutex> guard(lock_, std::try_to_lock);
    if (guard.owns_lock()) end_snapshot();
}

StoreStatus StoreReader::begin_read()
{
    /* Read before the snapshot starts: a commit after this moves it, and
     * the next read starts afresh. */
    std::uint64_t commits = shared_->commits.load();
    if (in_snapshot_ && commits != snapshot_commits_) end_snapshot();
    if (!in_snapshot_) {
        int rc = exec(db_, "BEGIN");
        if (rc != SQLITE_OK) return status_of(db_, rc);
        in_snapshot_ = true;
        snapshot_commits_ = commits;
    }
    return StoreStatus::ok;
}

StoreStatus StoreReader::page(const RecordFilter &filter, std::int64_t after_rowid, std::size_t max,
                              std::size_t max_bytes, RecordPage *out)
{
    std::lock_guard<std::mutex> guard(lock_);
    const std::string sql = page_sql(filter);
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        sqlite3_stmt *stmt = nullptr;
        if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK)
            return status_of(db_, SQLITE_ERROR);
        it = statements_.emplace(sql, stmt).first;
    }
    StoreStatus status = begin_read();
    if (status == StoreStatus::ok) status = read_page(db_, it->second, filter, after_rowid, max, max_bytes, out);
    if (status != StoreStatus::ok) end_snapshot();
    return status;
}

StoreStatus StoreReader::get(const Guid &id, Record *out)
{
    std::lock_guard<std::mutex> guard(lock_);
    if (!get_) {
        static const std::string sql = std::string("SELECT ") + kRecordColumns + " FROM records WHERE id = ?1";
        if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &get_, nullptr) != SQLITE_OK) {
            get_ = nullptr;
            return status_of(db_, SQLITE_ERROR);
        }
    }
    StoreStatus status = begin_read();
    if (status != StoreStatus::ok) return status;
    Step s(get_);
    s.bind(1, id);
    int rc = s.step();
    if (rc == SQLITE_DONE) return StoreStatus::not_found;
    if (rc != SQLITE_ROW) {
        StoreStatus status = status_of(db_, rc);
        end_snapshot();
        return status;
    }
    return read_record(s.get(), out) ? StoreStatus::ok : StoreStatus::corrupt;
}

} // namespace p2pg
