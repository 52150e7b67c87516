/*
 * Engine values the Win32 face sees: outcomes, connections, nodes, events, settings
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

#ifndef P2PG_ENGINE_TYPES_H
#define P2PG_ENGINE_TYPES_H

/* Plain values (no engine object, no library type) that pass through the
 * engine interface (api.h) and that the engine uses inside as well. */

#include <cstddef>
#include <cstdint>
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <netinet/in.h>

#include "record.h"

namespace p2pg {

/* What a graph operation can come to; the face maps each to its HRESULT in
 * one table. */
enum class GraphError {
    ok,
    invalid_argument,
    not_ready,
    record_not_found,
    max_record_size_exceeded,
    invalid_attributes,
    duplicate_graph,
    invalid_database,
    access_denied,
    graph_in_use,
    shutting_down,
    would_block, /* the connection's send buffer is full: wait and retry */
    connection_not_found,
    connect_self,   /* Connect/OpenDirectConnection to one of our own listening addresses */
    already_exists, /* a neighbor connection to that node exists */
    node_not_found,
    no_such_file,
    disk_full,
    io_error,
    security_mismatch, /* PeerGraphOpen with another security configuration than the graph's */
    stale, /* a record changed between the draft of an operation and its commit: draft again */
    /* Through the interface (api.h) only: */
    invalid_handle, /* not a handle of the kind the call takes, or closed by now */
    invalid_search, /* PeerGraphSearchRecords: the query is not one (PEER_E_INVALID_SEARCH) */
    out_of_memory,
};

/* PEER_CONNECTION_FLAGS */
enum ConnectionFlags : std::uint32_t {
    kConnectionNeighbor = 0x1,
    kConnectionDirect = 0x2,
};

/* PEER_CONNECTION_INFO in engine terms; the address is a sockaddr_in6 in
 * Linux layout (the face translates the family). */
struct ConnectionInfo {
    std::uint32_t flags = 0;
    std::uint64_t connection_id = 0;
    std::uint64_t node_id = 0;
    std::string peer_id;
    std::array<std::uint8_t, 28> address{};
};

/* A node of the graph as its Presence record describes it
 * (PEER_NODE_INFO). */
struct NodeInfo {
    std::uint64_t node_id = 0;
    std::string peer_id;
    std::string attributes;
    std::vector<sockaddr_in6> addresses;
};

/* Which local addresses a node binds and advertises (PeerGraphListen's
 * scope and scope id, narrowed by the user's setting). */
struct AddressPolicy {
    /* Explicit addresses from the P2PGRAPH_ADDRESSES setting (textual IPv6);
     * empty means every address of the scope. */
    std::vector<std::string> configured;
};

/* PEER_GRAPH_EVENT_TYPE */
enum class EventType : std::uint32_t {
    status_changed = 1,
    property_changed = 2,
    record_changed = 3,
    direct_connection = 4,
    neighbor_connection = 5,
    incoming_data = 6,
    connection_required = 7,
    node_changed = 8,
    synchronized = 9,
};
constexpr std::uint32_t kFirstEventType = 1, kLastEventType = 9;

/* PEER_RECORD_CHANGE_TYPE */
enum class RecordChange : std::uint32_t { added = 1, updated = 2, deleted = 3, expired = 4 };

/* PEER_GRAPH_STATUS_FLAGS */
enum GraphStatus : std::uint32_t {
    kStatusListening = 0x1,
    kStatusHasConnections = 0x2,
    kStatusSynchronized = 0x4,
};

/* PEER_NODE_CHANGE_TYPE */
enum class NodeChange : std::uint32_t { connected = 1, disconnected = 2, updated = 3 };

/* PEER_CONNECTION_STATUS */
enum class ConnectionStatus : std::uint32_t { connected = 1, disconnected = 2, failed = 3 };

/* Why a connection attempt failed (hrConnectionFailedReason). */
enum class ConnectionFailure : std::uint32_t {
    none,
    refused,           /* PEER_E_CONNECTION_REFUSED */
    failed,            /* PEER_E_CONNECTION_FAILED */
    not_authenticated, /* PEER_E_CONNECTION_NOT_AUTHENTICATED */
};

/* One event as the engine raises it; the face turns it into
 * PEER_GRAPH_EVENT_DATA.  Only the fields of its type are meaningful. */
struct GraphEvent {
    EventType type = EventType::status_changed;
    std::uint32_t status = 0;                  /* status_changed */
    RecordChange change = RecordChange::added; /* record_changed */
    Guid record_id;                            /* record_changed */
    Guid record_type;                          /* record_changed, synchronized */
    /* direct_connection, neighbor_connection, incoming_data */
    ConnectionStatus connection_status = ConnectionStatus::connected;
    std::uint64_t connection_id = 0;
    std::uint64_t node_id = 0;
    std::uint64_t next_connection_id = 0;
    ConnectionFailure failure = ConnectionFailure::none;
    NodeChange node_change = NodeChange::connected; /* node_changed (and node_id) */
    std::string peer_id;                            /* node_changed */
    Guid data_type;                                   /* incoming_data */
    /* incoming_data: the payload is (*data)[data_offset, end), shared by
     * the registrations (it is the received message itself). */
    std::shared_ptr<const std::vector<std::uint8_t>> data;
    std::size_t data_offset = 0;
    /* incoming_data: more than one registration has it; each application
     * copy is then its own (one may change its bytes in place). */
    bool data_shared = false;
    std::size_t data_size() const { return data ? data->size() - data_offset : 0; }
};

/* A registration filter: the event type and, for record events, the record
 * type (none = every type). */
struct EventFilter {
    EventType type;
    std::optional<Guid> record_type;
};

/* One item of an enumeration (HPEERENUM): a record (PeerGraphEnumRecords,
 * SearchRecords), a connection (EnumConnections) or a node (EnumNodes). */
using EnumItem = std::variant<Record, ConnectionInfo, NodeInfo>;

/* What records neighbors send may take of a graph's database unless the
 * user sets otherwise (payload plus attributes, all records). */
constexpr std::uint64_t kDefaultStorageQuota = std::uint64_t(4) << 30;

/* An application's record operation, done in two halves when its graph
 * has record callbacks (api::record_draft, api::record_commit). */
enum class RecordOp { add, update, remove };

/* A received record for the application's pfnValidateRecord to judge. */
struct ValidationRequest {
    std::uint64_t id = 0;
    Record record;
    RecordChange change = RecordChange::added;
};

/* What pfnValidateRecord said: S_OK, PEER_E_INVALID_RECORD,
 * PEER_E_DEFERRED_VALIDATION, anything else (MS-PPGRH 3.1.7.27: discarded,
 * but not remembered as invalid). */
enum class Verdict { valid, invalid, defer, failed };

/* The security session of one connection (MS-PPGRH 3.1.5.1, 3.1.5.2,
 * 3.1.7.28): the face implements it with an SSPI package in stream mode;
 * the engine hands it bytes and sends what it gives back.  After the
 * clear-text AUTH_INFO, the handshake tokens travel raw on the stream (a
 * stream package delimits its own tokens and records), then every byte of
 * every message in both directions goes through encrypt() and decrypt().
 * Loop thread only. */
class ConnectionCipher {
public:
    enum class Step { more, done, failed };
    virtual ~ConnectionCipher() = default;
    /* One handshake step: in holds what arrived and was not consumed yet
     * (nothing on the initiator's first call); *consumed says how much of it
     * the package took (less when a token is incomplete: the rest waits
     * for more bytes); tokens to send are appended to *out. */
    virtual Step handshake(const std::uint8_t *in, std::size_t size, std::size_t *consumed,
                           std::vector<std::uint8_t> *out) = 0;
    /* Plain bytes to wire bytes (appended to *out); false: the message is
     * dropped (MS-PPGRH 3.1.7.28). */
    virtual bool encrypt(const std::uint8_t *in, std::size_t size, std::vector<std::uint8_t> *out) = 0;
    /* Wire bytes to plain bytes: takes the whole records at the start of
     * in (*consumed), appends their plain bytes to *out; failed when a record
     * does not decrypt (the connection ends: the stream cannot be resynchronized). */
    virtual Step decrypt(const std::uint8_t *in, std::size_t size, std::size_t *consumed,
                         std::vector<std::uint8_t> *out) = 0;
};

/* Makes the session of a new connection of a graph (initiator or
 * responder); null when it cannot (the connection then fails). */
class CipherFactory {
public:
    virtual ~CipherFactory() = default;
    virtual std::unique_ptr<ConnectionCipher> make(bool initiator) = 0;
};

/* PeerGraphSetNodeAttributes: attribute strings of at most this many UTF-16
 * units (the attribute stream limit of the API). */
constexpr std::size_t kMaxNodeAttributeChars = 100000;
/* PeerGraphSearchRecords: longer queries are PEER_E_INVALID_SEARCH. */
constexpr std::size_t kMaxSearchQueryChars = 1000000;

} // namespace p2pg

#endif
