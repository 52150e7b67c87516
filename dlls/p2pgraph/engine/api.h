/*
 * The engine's interface: everything the Win32 face asks of the engine
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

#ifndef P2PG_ENGINE_API_H
#define P2PG_ENGINE_API_H

/* The face (the .cpp files of dlls/p2pgraph) includes this header and no other engine
 * header.  Every call takes handles, ids and plain values (UTF-8 strings,
 * byte buffers, sockaddr_in6, the structs of types.h, record.h and
 * graph_info.h) and answers with a GraphError; no engine object, libevent
 * or SQLite type passes through, and no exception comes out.  Argument
 * checks, UTF-16, HRESULTs, the packing of results into the application's
 * memory and Win32 events stay in the face.  So the engine can be driven
 * and tested through the very calls the DLL makes (tests/unit/test_api.cpp),
 * and could later sit behind Wine's PE/unix call boundary as it is.
 *
 * Threads: any thread may call anything here once start() returned, except
 * run(), which is the body of the one thread the face makes for the loop.
 * Calls that need the loop wait for it; none ever runs the caller's code on
 * it or touches the caller's memory there. */

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <netinet/in.h>

#include "graph_info.h"
#include "log.h"
#include "record.h"
#include "types.h"
#include "utf.h"

namespace p2pg {
namespace api {

/* A graph, event registration or enumeration: never 0, never reused. */
using Handle = std::uintptr_t;

/* Where graphs live, as the face reads it from the Wine prefix and the
 * user's settings. */
struct Settings {
    std::string data_directory; /* Unix path of the databases' folder */
    AddressPolicy addresses;
    std::uint64_t storage_quota = kDefaultStorageQuota;
};

/* A graph's security configuration (PEER_SECURITY_INTERFACE, as the face
 * checked it): whether the application validates and secures its records
 * (security_next, record_draft), and a text that identifies the whole
 * configuration: a PeerGraphOpen must give the same one as the graph's
 * PeerGraphCreate (MS-PPGRH 3.1.4.2), security_mismatch otherwise. */
struct Security {
    bool records = false;
    std::string identity;
    /* Connection security: the sessions of the graph's connections (null:
     * clear).  It must outlive the graph's handle. */
    CipherFactory *cipher = nullptr;
};

/* ---- The library ----
 * create() makes the event loop; the face runs run() on a thread it made
 * (CreateThread) and then calls start().  stop() closes every handle still
 * open (graphs send their DISCONNECTs), the listeners, and stops the loop:
 * run() returns, and once the face has waited for its thread, destroy()
 * frees the rest.  A failed start() is undone the same way. */
bool create(std::string *error);
void run();
GraphError start();
/* Returns how many handles were still open. */
std::size_t stop();
void destroy();

/* ---- Graphs (PeerGraphCreate ... PeerGraphImportDatabase) ---- */
GraphError graph_create(const Settings &settings, const GraphProperties &properties, const std::string &database,
                        const Security &security, Handle *graph);
/* *data_created: no synchronized database was found (PEER_S_GRAPH_DATA_CREATED). */
GraphError graph_open(const Settings &settings, const std::string &graph_id, const std::string &peer_id,
                      const std::string &database, const std::vector<Guid> &sync_precedence, const Security &security,
                      Handle *graph, bool *data_created);
GraphError graph_delete(const Settings &settings, const std::string &graph_id, const std::string &peer_id,
                        const std::string &database);
/* Whether graph is the handle of an open graph (the face checks the handle
 * before the other arguments, as the API pages order their errors). */
bool graph_valid(Handle graph);
/* Calls on a graph answer invalid_handle for anything else, and
 * shutting_down once it is being closed. */
GraphError graph_close(Handle graph);
GraphError graph_status(Handle graph, std::uint32_t *status);
GraphError graph_properties(Handle graph, GraphProperties *out);
/* Only friendly name, comment, presence lifetime and presence max count. */
GraphError graph_set_properties(Handle graph, const GraphProperties &changes);
GraphError graph_convert_time(Handle graph, FileTime in, bool to_peer_time, FileTime *out);
/* Unix paths; no_such_file when the file (import) or its folder is missing. */
GraphError graph_export(Handle graph, const std::string &path);
GraphError graph_import(Handle graph, const std::string &path);
GraphError graph_listen(Handle graph, std::uint32_t scope, std::uint32_t scope_id, std::uint16_t port);
/* peer_id empty: whichever peer of the graph answers at address. */
GraphError graph_connect(Handle graph, const std::string &peer_id, const sockaddr_in6 &address,
                         std::uint64_t *connection_id);

/* ---- Records ---- */
GraphError record_add(Handle graph, const Record &record, Guid *id);
GraphError record_update(Handle graph, const Record &record);
GraphError record_delete(Handle graph, const Guid &id, bool local);
GraphError record_get(Handle graph, const Guid &id, Record *out);
/* type and creator_id null: every one.  *enumeration is a new enumeration
 * handle of Records. */
GraphError records_enum(Handle graph, const Guid *type, const std::string *creator_id, Handle *enumeration);
/* invalid_search for a query that is not one, invalid_argument for a bad
 * backslash escape in it. */
GraphError records_search(Handle graph, const std::string &query, Handle *enumeration);
/* With record security, an operation in two halves, so that the face can
 * call pfnSecureRecord and pfnValidateRecord on the caller's thread in
 * between: the record the operation would publish (id, version, times and
 * creator filled in), then its publication with the Security Data the
 * application gave.  stale: the record changed in between; draft again.
 * record_add, record_update and record_delete do both at once. */
GraphError record_draft(Handle graph, RecordOp op, const Record &in, Record *draft);
GraphError record_commit(Handle graph, RecordOp op, const Record &draft, Guid *id);
/* The deferred records with these ids (all when ids is empty) are
 * validated again. */
GraphError records_validate_deferred(Handle graph, const std::vector<Guid> &ids);
/* Record security: the next received record to validate, waiting up to
 * timeout_ms (would_block when none came; invalid_handle or shutting_down
 * once the graph is closed: the face's thread ends then), and its verdict. */
GraphError security_next(Handle graph, int timeout_ms, ValidationRequest *request);
GraphError security_answer(Handle graph, std::uint64_t request, Verdict verdict);

/* ---- Nodes (presence) ---- */
GraphError node_info(Handle graph, std::uint64_t node_id, NodeInfo *out);
/* peer_id null: every node.  An enumeration of NodeInfos. */
GraphError nodes_enum(Handle graph, const std::string *peer_id, Handle *enumeration);
GraphError node_set_attributes(Handle graph, const std::string &attributes);
GraphError node_set_presence(Handle graph, bool present);

/* ---- Connections ---- */
/* flags: kConnectionNeighbor | kConnectionDirect.  An enumeration of
 * ConnectionInfos. */
GraphError connections_enum(Handle graph, std::uint32_t flags, Handle *enumeration);
GraphError direct_open(Handle graph, const std::string &peer_id, const sockaddr_in6 &address,
                       std::uint64_t *connection_id);
/* connection_not_found for any id that is not an open direct connection of
 * the graph (a neighbor's id included: nothing changes then). */
GraphError direct_close(Handle graph, std::uint64_t connection_id);
/* Application data to a direct or neighbor connection, from any thread
 * without waiting for the loop.  would_block: the connection's send buffer
 * is full; wait_writable() then try again. */
GraphError send_data(Handle graph, std::uint64_t connection_id, const Guid &type, const std::uint8_t *data,
                     std::size_t size);
/* Waits at most timeout_ms for the send buffer of the connection to drain
 * (returns at once when the graph or connection is gone). */
void wait_writable(Handle graph, std::uint64_t connection_id, int timeout_ms);

/* ---- Events (PeerGraphRegisterEvent, GetEventData, UnregisterEvent) ----
 * signal(context) runs (on the loop thread) when an event arrives for a
 * registration whose queue the application has read since the last signal:
 * the face sets the application's Win32 event there. */
using Signal = void (*)(void *context);
GraphError events_register(Handle graph, const std::vector<EventFilter> &filters, Signal signal, void *context,
                           Handle *registration);
GraphError events_unregister(Handle registration);
/* *event is empty when nothing is queued. */
GraphError events_next(Handle registration, std::optional<GraphEvent> *event);

/* ---- Enumerations (PeerGraphGetItemCount, GetNextItem, EndEnumeration) ----
 * Items are fixed when the enumeration is made.  A GetNextItem peeks at the
 * items from the cursor, copies them for the application, and only then
 * advances: items whose copy failed come again with the next call. */
GraphError enum_count(Handle enumeration, std::size_t *count);
/* Up to max items from the cursor, and the cursor they start at. */
GraphError enum_peek(Handle enumeration, std::size_t max, std::vector<std::shared_ptr<const EnumItem>> *items,
                     std::size_t *cursor);
/* Moves the cursor from `cursor` by count; false (nothing moved) when
 * another thread moved it since the peek: peek again. */
bool enum_advance(Handle enumeration, std::size_t cursor, std::size_t count);
GraphError enum_end(Handle enumeration);

/* ---- Memory handed to the application (PeerGraphFreeData) ----
 * Zero-filled, aligned for any structure, valid across start and stop;
 * result_free refuses (false) any pointer result_allocate did not return.
 * keep is held until the block is freed (memory the block points into). */
void *result_allocate(std::size_t size, std::shared_ptr<const void> keep = nullptr);
bool result_free(void *block);

} // namespace api
} // namespace p2pg

#endif
