/*
 * Fuzz target: reading an export file (PeerGraphImportDatabase) and checking its rows
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
 * The input is the whole file: it is written to one file per process in
 * /tmp (reused, removed at exit) and read with Store::read_export, as
 * Graph::import_database does, for the graph "graph" and peer "alice" that
 * the seeds were exported from.  Every record read then goes through what
 * the import applies (record_acceptable, the conflict rule) and what later
 * reads such records (the internal payload decoders, the attribute parser).
 * Besides the sanitizers' findings it aborts when read_export hands back
 * records with a failure.  (Their order is not checked: a crafted file may
 * hold an index whose order lies, which quick_check does not look at.)
 */

#include <cstdlib>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "engine/attributes.h"
#include "engine/graph_info.h"
#include "engine/internal_records.h"
#include "engine/record_rules.h"
#include "engine/store.h"
#include "support.h"

using namespace p2pg;

namespace {

const char kTarget[] = "fuzz_import";

std::string g_path;

void remove_file()
{
    if (!g_path.empty()) ::unlink(g_path.c_str());
}

const std::string &file_path()
{
    if (g_path.empty()) {
        g_path = "/tmp/p2pg-fuzz-import-" + std::to_string(::getpid()) + ".export";
        std::atexit(remove_file);
    }
    return g_path;
}

void write_file(const std::string &path, const std::uint8_t *data, std::size_t size)
{
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) fuzz::broken(kTarget, "cannot write the file in /tmp");
    while (size) {
        ssize_t n = ::write(fd, data, size);
        if (n <= 0) fuzz::broken(kTarget, "cannot write the file in /tmp");
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    ::close(fd);
}

/* What the graph later does with a record of each kind that it kept. */
void use_record(const Record &r)
{
    if (r.type == kRecordTypeGraphInfo) {
        GraphProperties p;
        decode_graph_info(r.data, &p);
    } else if (r.type == kRecordTypePresence) {
        PresenceInfo info;
        decode_presence(r.data, &info);
    } else if (r.type == kRecordTypeContact) {
        ContactInfo info;
        decode_contact(r.data, &info);
    } else if (r.type == kRecordTypeSignature) {
        std::uint64_t signature;
        decode_signature(r.data, &signature);
    }
    std::vector<Attribute> attributes;
    parse_attributes(r.attributes, &attributes);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string &path = file_path();
    write_file(path, data, size);

    std::vector<Record> records;
    StoreStatus status = Store::read_export(path, "graph", "alice", &records);
    if (status != StoreStatus::ok) {
        if (!records.empty()) fuzz::broken(kTarget, "records handed back with a failure");
        return 0;
    }
    for (const Record &r : records) {
        if (resolve_conflict(r, r) != ConflictWinner::same) fuzz::broken(kTarget, "a record conflicts with itself");
        if (record_acceptable(r, "graph", kMaxRecordSizeLimit)) use_record(r);
    }
    return 0;
}
