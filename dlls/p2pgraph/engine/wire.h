/*
 * Engine wire format: the MS-PPGRH frames and messages as pure encode/decode functions
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

#ifndef P2PG_ENGINE_WIRE_H
#define P2PG_ENGINE_WIRE_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "buffer_pool.h"
#include "record.h"

namespace p2pg {
namespace wire {

/* MS-PPGRH 2.2.1.1 PEER_MESSAGE header: Message Size (4), Version (1),
 * Message Type (1), Reserved (2). */
constexpr std::size_t kHeaderSize = 8;
constexpr std::uint8_t kProtocolVersion = 0x10;
/* Protocol Version field of a wire record (2.2.1.9). */
constexpr std::uint16_t kRecordProtocolVersion = 0x0100;
/* Frames (2.2): our frames carry at most this many payload bytes... */
constexpr std::size_t kDefaultFrameSize = 16379;
/* ...and we accept up to the largest the spec allows. */
constexpr std::size_t kMaxFrameSize = 32768;
/* The largest message we build or accept: a FLOOD of a 60 MB record with
 * its UTF-16 strings, or a 64 MiB PeerGraphSendData payload, plus headers.
 * Anything a peer announces beyond this closes the connection before a
 * byte is allocated for it. */
constexpr std::size_t kMaxMessageSize = (64u << 20) + (1u << 20);
/* Windows' AF_INET6, the Protocol Family of PEER_IN6_ADDRESS. */
constexpr std::uint16_t kAddressFamily = 0x0017;
/* Strings in messages (UTF-8 with NUL) and in records (UTF-16 characters
 * with NUL) are at most this long (2.2.2.1, 2.2.1.9). */
constexpr std::size_t kMaxIdLength = 256;

enum class MessageType : std::uint8_t {
    auth_info = 0x01,
    connect = 0x02,
    welcome = 0x03,
    refuse = 0x04,
    disconnect = 0x05,
    solicit_new = 0x06,
    solicit_time = 0x07,
    solicit_hash = 0x08,
    advertise = 0x09,
    request = 0x0a,
    flood = 0x0b,
    sync_end = 0x0c,
    pt2pt = 0x0d,
    ack = 0x0e,
};

enum class ConnectionType : std::uint8_t { neighbor = 0x01, direct = 0x02 };
enum class RefuseCode : std::uint8_t {
    busy = 0x01,
    already_connected = 0x02,
    duplicate_connection = 0x03,
    direct_connection_disallowed = 0x04,
};
enum class DisconnectReason : std::uint8_t { leaving = 0x01, least_useful = 0x02, app_disconnect = 0x03 };

/* PEER_IN6_ADDRESS (2.2.1.2): a TCP listening address. */
struct In6Address {
    std::uint16_t port = 0;
    std::array<std::uint8_t, 16> address{};
    bool operator==(const In6Address &o) const { return port == o.port && address == o.address; }
};

/* The record-type selection of SOLICIT_NEW/TIME/HASH: all types (empty,
 * not exclusion), only these (inclusion) or all but these (exclusion). */
struct TypeSelection {
    bool exclusion = false;
    std::vector<Guid> types;
};

struct RecordAbstract { /* 2.2.1.5 */
    Guid id;
    std::uint32_t version = 0;
};

struct HashInfoEntry { /* 2.2.1.7 */
    std::array<std::uint8_t, 16> hash{};
    FileTime modification_time = 0;
    Guid record_id;
};

struct HashEntryBoundary { /* 2.2.1.8 */
    FileTime lower_time = 0;
    Guid lower_id;
    FileTime upper_time = 0;
    Guid upper_id;
    std::uint32_t count = 0;
};

struct AuthInfo { /* 2.2.2.1 */
    ConnectionType connection_type = ConnectionType::neighbor;
    std::string graph_id;
    std::string source_peer_id;
    std::optional<std::string> destination_peer_id;
};

struct Connect { /* 2.2.2.2 */
    bool update = false;         /* U */
    bool direct = false;         /* D */
    bool want_neighbors = false; /* N */
    std::uint64_t node_id = 0;
    std::vector<In6Address> addresses;
    std::optional<std::string> friendly_name;
};

struct Welcome { /* 2.2.2.3 */
    std::uint64_t node_id = 0;
    FileTime peer_time = 0;
    std::vector<In6Address> addresses;
    std::string peer_id;
    std::optional<std::string> friendly_name;
};

struct Refuse { /* 2.2.2.4 */
    RefuseCode code = RefuseCode::busy;
    std::vector<In6Address> addresses;
};

struct Disconnect { /* 2.2.2.5 */
    DisconnectReason reason = DisconnectReason::leaving;
    std::vector<In6Address> addresses;
};

struct SolicitNew { /* 2.2.2.6 */
    TypeSelection types;
};

struct SolicitTime { /* 2.2.2.7 */
    TypeSelection types;
    FileTime modification_time = 0;
};

struct SolicitHash { /* 2.2.2.8 */
    TypeSelection types;
    std::vector<HashInfoEntry> entries;
};

struct Advertise { /* 2.2.2.9 */
    std::vector<HashEntryBoundary> boundaries;
    std::vector<RecordAbstract> abstracts;
};

struct Request { /* 2.2.2.10 */
    std::vector<RecordAbstract> abstracts;
};

struct Flood { /* 2.2.2.11: one record (2.2.1.9) and the Graph ID it carries */
    Record record;
    std::string graph_id;
};

struct SyncEnd { /* 2.2.2.12 */
    bool final = true;
};

struct Pt2Pt { /* 2.2.2.13 */
    Guid data_type;
    std::vector<std::uint8_t> payload;
};

struct AckEntry {
    Guid record_id;
    bool useful = false;
};

struct Ack { /* 2.2.2.14 */
    std::vector<AckEntry> entries;
};

using Message = std::variant<AuthInfo, Connect, Welcome, Refuse, Disconnect, SolicitNew, SolicitTime, SolicitHash,
                             Advertise, Request, Flood, SyncEnd, Pt2Pt, Ack>;

MessageType type_of(const Message &message);
const char *message_name(MessageType type);

/* Why a message or frame stream was refused.  Anything but none and
 * bad_record closes the connection (MS-PPGRH 3.1.5); a FLOOD whose record is
 * bad is only discarded (3.1.7.27). */
enum class DecodeError {
    none,
    truncated,     /* fewer bytes than the fields need */
    bad_size,      /* Message Size wrong for its bytes or its type, or over kMaxMessageSize */
    bad_version,   /* Version != 0x10 */
    bad_type,      /* unknown Message Type */
    bad_offset,    /* an offset/count rule of 3.1.5.1.x or 3.1.5.2.x broken */
    bad_field,     /* a value out of range (codes, flags, counts, reserved bits) */
    bad_string,    /* missing NUL, empty where required, too long, not UTF-8/UTF-16 */
    bad_record,    /* a FLOOD's record breaks 2.2.1.9 */
    bad_frame,     /* frame size 0 or over the maximum */
};
const char *decode_error_name(DecodeError error);

/* The whole message, header included; sizes up to kMaxMessageSize (the
 * caller keeps what it sends within it). */
std::vector<std::uint8_t> encode(const Message &message);

/* Decodes exactly one whole message (size bytes, as the frame layer
 * assembled it) and applies every receive rule that does not depend on the
 * link's state.  *out is untouched on error. */
DecodeError decode(const std::uint8_t *data, std::size_t size, Message *out);

/* PT2PT without copying its payload: the same checks as decode(), and the
 * payload is data[*payload_offset, size).  is_pt2pt() only peeks at the
 * type byte (to choose this path). */
bool is_pt2pt(const std::uint8_t *data, std::size_t size);
DecodeError decode_pt2pt_in_place(const std::uint8_t *data, std::size_t size, Guid *type, std::size_t *payload_offset);

/* The record format of 2.2.1.9 on its own (FLOOD's payload; also what the
 * hash synchronization digests). */
void encode_record(const Record &record, const std::string &graph_id, std::vector<std::uint8_t> *out);
DecodeError decode_record(const std::uint8_t *data, std::size_t size, Record *record, std::string *graph_id);

/* Splits a message into frames of at most frame_size payload bytes, each
 * preceded by its 2-byte big-endian Frame Size (which counts the payload
 * only), appending to out. */
void append_frames(const std::vector<std::uint8_t> &message, std::size_t frame_size,
                   std::vector<std::uint8_t> *out);

/* The frames of a PT2PT message carrying payload, built straight from the
 * caller's bytes (the same as encode() then append_frames(), one copy
 * less). */
void append_pt2pt_frames(const Guid &data_type, const std::uint8_t *payload, std::size_t size, std::size_t frame_size,
                         std::vector<std::uint8_t> *out);
/* How many bytes append_pt2pt_frames appends for size bytes of payload. */
std::size_t pt2pt_framed_size(std::size_t size, std::size_t frame_size);

/* Reassembles messages from a received byte stream.  Memory grows only as
 * bytes arrive (never by a size the peer merely announces), is bounded by
 * max_message plus one frame, and the first violation sticks. */
class StreamDecoder {
public:
    explicit StreamDecoder(std::size_t max_frame = kMaxFrameSize, std::size_t max_message = kMaxMessageSize);

    /* Appends received bytes. */
    void push(const std::uint8_t *data, std::size_t size);
    /* Takes the next complete message (header included, not yet decoded)
     * into *message: true when there was one.  False with error() set when
     * the stream broke a rule, false with error() none when more bytes are
     * needed. */
    bool next(std::vector<std::uint8_t> *message);
    DecodeError error() const { return error_; }
    /* Bytes held: the unparsed tail plus the partial message. */
    std::size_t buffered() const;
    /* Messages are then built in buffers taken from pool (the receiver
     * gives them back). */
    void set_pool(std::shared_ptr<BufferPool> pool) { pool_ = std::move(pool); }

private:
    std::size_t max_frame_, max_message_;
    std::vector<std::uint8_t> input_;
    std::size_t input_start_ = 0;
    std::vector<std::uint8_t> partial_;
    std::size_t expected_ = 0; /* Message Size of the partial message, once known */
    std::deque<std::vector<std::uint8_t>> ready_;
    DecodeError error_ = DecodeError::none;
    std::shared_ptr<BufferPool> pool_;
};

} // namespace wire
} // namespace p2pg

#endif
