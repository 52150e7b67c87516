/*
 * Engine wire format: MS-PPGRH frames, messages and records over byte buffers
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
 * Reading choices, each made once here:
 *
 * - Integers (sizes, counts, offsets, times, Frame Size, UTF-16 units) follow
 *   kWireBigEndian in bytes.h; GUIDs follow kGuidFieldsBigEndian below.
 * - Frame Size counts the frame's payload only, not its own two bytes.  A
 *   message starts at a frame boundary and every frame belongs to exactly one
 *   message: a frame that runs past the Message Size is bad_frame.
 * - Message strings (UTF-8) end at the first NUL, which must lie before the
 *   next field's offset (or the end of the message); bytes between that NUL
 *   and the next offset are ignored, as padding would be.  Strings in
 *   messages and records are limited to kMaxIdLength UTF-16 units with the
 *   NUL, so an ID that fits a record also fits a message.
 * - The offset and count rules are those of MS-PPGRH 3.1.5.1.1/3.1.5.2.x,
 *   products taken in 64 bits.  Variable parts may lie anywhere inside the
 *   message (the spec asks no more, and a Windows peer sends offset 0 with an
 *   empty array); bytes after the last field are ignored.
 * - Reserved fields and reserved flag bits are ignored on receipt, except
 *   FLOOD's Reserved2, which 3.1.5.2.10 lists among the checks.
 * - SOLICIT_NEW/SOLICIT_TIME: Inclusion Count must be 0 or 1 (3.1.5.2.5/6).
 *   That is no erratum: the initiator (3.1.5.2.11) includes one type at a
 *   time and sends its 2 + N prioritized types as an exclusion list.
 *   SOLICIT_HASH has no such rule.  An empty exclusion list decodes as "all
 *   types" (exclusion false), which it means.
 * - REQUEST: 3.1.5.2.9 asks for Message Size >= 0x14 although its fixed part
 *   is 16 bytes.  We accept 16 (an empty REQUEST from a peer that reads the
 *   layout) and send at least 0x14 (an empty REQUEST gets 4 zero bytes after
 *   the fixed part), which satisfies both readings.
 * - PT2PT: 3.1.5.2.13 asks for at least 0x10 bytes, but the Data Type ends at
 *   28; we need the 28.  The payload is every byte from Data Offset on.
 * - SYNC_END: a non-final SYNC_END (F clear) is accepted; the exclusion path
 *   of 3.1.5.2.5/6 sends them although 2.2.2.12 says F is always set.
 * - CONNECT with U set and no address is left to the link layer: 3.1.5.2.1
 *   does not list it among the receive checks.
 * - Records (2.2.1.9): fields in the order of the field text (Protocol
 *   Version, Payload, Attributes last).  Bytes 36-39 are the big-endian
 *   dwFlags; only Autorefresh (0x1) and Deleted (0x2) are kept, the other
 *   bits ignored.  Times with the top bit set are not FILETIMEs and fail.
 *   Any broken rule of a FLOOD's record, format or 3.1.7.27, is bad_record:
 *   3.1.7.27 says such a record is discarded, while the FLOOD's own fields
 *   (size, Record Offset, Reserved2) close the connection.
 * - Empty address arrays are sent with Address Offset 0 in WELCOME and REFUSE
 *   (3.1.5.2.1) and with the message size in DISCONNECT (3.1.7.25); other
 *   empty arrays point where the array would start.
 */

#include "wire.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "bytes.h"
#include "utf.h"

namespace p2pg {
namespace wire {

namespace {

/* Guid keeps Windows' memory order: Data1, Data2, Data3 little-endian, then
 * the eight bytes of Data4.  MS-PPGRH 2.2 makes fields big-endian unless
 * noted and calls the SOLICIT record types "GUIDs in big-endian byte order",
 * so Data1..Data3 travel most significant byte first and Data4 as it is (the
 * RFC 4122 order).  Nobody here has a capture of a Windows peer to confirm
 * it: set this to false to send the little-endian [MS-DTYP] form instead.
 * Every GUID of every message and record goes through put_guid/get_guid. */
constexpr bool kGuidFieldsBigEndian = true;

/* Wire position i holds Guid byte kGuidOrder[i] (its own inverse). */
constexpr int kGuidOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};

void put_guid(ByteWriter &w, const Guid &g)
{
    std::uint8_t b[16];
    for (int i = 0; i < 16; ++i) b[i] = g.bytes[kGuidFieldsBigEndian ? kGuidOrder[i] : i];
    w.bytes(b, sizeof(b));
}

Guid get_guid(ByteReader &r)
{
    std::uint8_t b[16] = {};
    Guid g;
    r.bytes(b, sizeof(b));
    for (int i = 0; i < 16; ++i) g.bytes[kGuidFieldsBigEndian ? kGuidOrder[i] : i] = b[i];
    return g;
}

constexpr std::size_t kGuidSize = 16;
constexpr std::size_t kAddressSize = 20;           /* PEER_IN6_ADDRESS, 2.2.1.3 */
constexpr std::size_t kRecordAbstractSize = 20;    /* 2.2.1.6 */
constexpr std::size_t kHashInfoEntrySize = 40;     /* 2.2.1.7 */
constexpr std::size_t kHashEntryBoundarySize = 52; /* 2.2.1.8 */
constexpr std::size_t kAckEntrySize = 20;          /* 2.2.2.14 */
constexpr std::size_t kRecordMinSize = 90;         /* 3.1.7.27 */
constexpr std::size_t kRequestMinSize = 0x14;      /* 3.1.5.2.9, see above */

/* Where each message's variable part begins (its fixed part's size). */
constexpr std::size_t kAuthInfoFixed = 16;
constexpr std::size_t kConnectFixed = 24;
constexpr std::size_t kWelcomeFixed = 32;
constexpr std::size_t kRefuseFixed = 12; /* and DISCONNECT */
constexpr std::size_t kSolicitNewFixed = 12;
constexpr std::size_t kSolicitTimeFixed = 20;
constexpr std::size_t kSolicitHashFixed = 20;
constexpr std::size_t kAdvertiseFixed = 24;
constexpr std::size_t kRequestFixed = 16;
constexpr std::size_t kFloodFixed = 12;
constexpr std::size_t kPt2PtFixed = 28;
constexpr std::size_t kAckFixed = 12;

constexpr std::uint8_t kConnectUpdate = 0x08;
constexpr std::uint8_t kConnectDirect = 0x04;
constexpr std::uint8_t kConnectNeighbors = 0x01;
constexpr std::uint8_t kSyncEndFinal = 0x01;
constexpr std::uint32_t kAckUseful = 0x1;
constexpr std::uint32_t kKnownRecordFlags = kRecordFlagAutorefresh | kRecordFlagDeleted;
constexpr std::uint64_t kTimeTopBit = 1ull << 63;

/* A message's UTF-8 string of at most kMaxIdLength - 1 UTF-16 units takes at
 * most three bytes per unit; its NUL must come within this many bytes. */
constexpr std::size_t kMaxCStringBytes = 3 * (kMaxIdLength - 1) + 1;

/* -------- encoding -------- */

void put_cstring(ByteWriter &w, const std::string &s)
{
    w.bytes(s.data(), s.size());
    w.u8(0);
}

void put_address(ByteWriter &w, const In6Address &a)
{
    w.u16(kAddressFamily);
    w.u16(a.port);
    w.bytes(a.address.data(), a.address.size());
}

/* Counts beyond their field's range cannot be sent: the caller keeps within
 * it, and the output stays well-formed by dropping the rest. */
template <typename T> std::size_t capped(const std::vector<T> &v, std::size_t max)
{
    return std::min(v.size(), max);
}

void put_type_selection(ByteWriter &w, const TypeSelection &s, std::size_t types_offset)
{
    std::size_t n = capped(s.types, 0xff);
    w.u8(s.exclusion ? 0 : static_cast<std::uint8_t>(n));
    w.u8(s.exclusion ? static_cast<std::uint8_t>(n) : 0);
    w.u16(static_cast<std::uint16_t>(types_offset));
}

void put_types(ByteWriter &w, const TypeSelection &s)
{
    std::size_t n = capped(s.types, 0xff);
    for (std::size_t i = 0; i < n; ++i) put_guid(w, s.types[i]);
}

void encode_body(ByteWriter &w, const AuthInfo &m)
{
    std::size_t graph = kAuthInfoFixed;
    std::size_t source = graph + m.graph_id.size() + 1;
    std::size_t destination = source + m.source_peer_id.size() + 1;
    w.u8(static_cast<std::uint8_t>(m.connection_type));
    w.u8(0);
    w.u16(static_cast<std::uint16_t>(graph));
    w.u16(static_cast<std::uint16_t>(source));
    w.u16(static_cast<std::uint16_t>(destination)); /* the message size when absent */
    put_cstring(w, m.graph_id);
    put_cstring(w, m.source_peer_id);
    if (m.destination_peer_id) put_cstring(w, *m.destination_peer_id);
}

void encode_body(ByteWriter &w, const Connect &m)
{
    std::size_t n = capped(m.addresses, 0xff);
    std::size_t friendly = kConnectFixed + n * kAddressSize;
    w.u8((m.update ? kConnectUpdate : 0) | (m.direct ? kConnectDirect : 0) |
         (m.want_neighbors ? kConnectNeighbors : 0));
    w.u8(static_cast<std::uint8_t>(n));
    w.u16(static_cast<std::uint16_t>(kConnectFixed));
    w.u16(static_cast<std::uint16_t>(friendly));
    w.u16(0);
    w.u64(m.node_id);
    for (std::size_t i = 0; i < n; ++i) put_address(w, m.addresses[i]);
    if (m.friendly_name) put_cstring(w, *m.friendly_name);
}

void encode_body(ByteWriter &w, const Welcome &m)
{
    std::size_t n = capped(m.addresses, 0xff);
    std::size_t peer = kWelcomeFixed + n * kAddressSize;
    std::size_t friendly = peer + m.peer_id.size() + 1;
    w.u64(m.node_id);
    w.u64(static_cast<std::uint64_t>(m.peer_time));
    w.u8(static_cast<std::uint8_t>(n));
    w.u8(0);
    w.u16(static_cast<std::uint16_t>(n ? kWelcomeFixed : 0));
    w.u16(static_cast<std::uint16_t>(peer));
    w.u16(static_cast<std::uint16_t>(friendly));
    for (std::size_t i = 0; i < n; ++i) put_address(w, m.addresses[i]);
    put_cstring(w, m.peer_id);
    if (m.friendly_name) put_cstring(w, *m.friendly_name);
}

void put_code_and_addresses(ByteWriter &w, std::uint8_t code, const std::vector<In6Address> &addresses,
                            std::size_t empty_offset)
{
    std::size_t n = capped(addresses, 0xff);
    w.u8(code);
    w.u8(static_cast<std::uint8_t>(n));
    w.u16(static_cast<std::uint16_t>(n ? kRefuseFixed : empty_offset));
    for (std::size_t i = 0; i < n; ++i) put_address(w, addresses[i]);
}

void encode_body(ByteWriter &w, const Refuse &m)
{
    put_code_and_addresses(w, static_cast<std::uint8_t>(m.code), m.addresses, 0);
}

void encode_body(ByteWriter &w, const Disconnect &m)
{
    put_code_and_addresses(w, static_cast<std::uint8_t>(m.reason), m.addresses, kRefuseFixed);
}

void encode_body(ByteWriter &w, const SolicitNew &m)
{
    put_type_selection(w, m.types, kSolicitNewFixed);
    put_types(w, m.types);
}

void encode_body(ByteWriter &w, const SolicitTime &m)
{
    put_type_selection(w, m.types, kSolicitTimeFixed);
    w.u64(static_cast<std::uint64_t>(m.modification_time));
    put_types(w, m.types);
}

void encode_body(ByteWriter &w, const SolicitHash &m)
{
    std::size_t entries = capped(m.entries, 0xffffffffu);
    put_type_selection(w, m.types, kSolicitHashFixed);
    w.u32(static_cast<std::uint32_t>(entries));
    w.u16(static_cast<std::uint16_t>(kSolicitHashFixed + capped(m.types.types, 0xff) * kGuidSize));
    w.u16(0);
    put_types(w, m.types);
    for (std::size_t i = 0; i < entries; ++i) {
        const HashInfoEntry &e = m.entries[i];
        w.bytes(e.hash.data(), e.hash.size());
        w.u64(static_cast<std::uint64_t>(e.modification_time));
        put_guid(w, e.record_id);
    }
}

void put_abstract(ByteWriter &w, const RecordAbstract &a)
{
    put_guid(w, a.id);
    w.u32(a.version);
}

void encode_body(ByteWriter &w, const Advertise &m)
{
    std::size_t boundaries = capped(m.boundaries, 0xffffffffu);
    std::size_t abstracts = capped(m.abstracts, 0xffffffffu);
    w.u32(static_cast<std::uint32_t>(boundaries));
    w.u32(static_cast<std::uint32_t>(abstracts));
    w.u16(static_cast<std::uint16_t>(kAdvertiseFixed));
    w.u16(0);
    w.u32(static_cast<std::uint32_t>(kAdvertiseFixed + boundaries * kHashEntryBoundarySize));
    for (std::size_t i = 0; i < boundaries; ++i) {
        const HashEntryBoundary &b = m.boundaries[i];
        w.u64(static_cast<std::uint64_t>(b.lower_time));
        put_guid(w, b.lower_id);
        w.u64(static_cast<std::uint64_t>(b.upper_time));
        put_guid(w, b.upper_id);
        w.u32(b.count);
    }
    for (std::size_t i = 0; i < abstracts; ++i) put_abstract(w, m.abstracts[i]);
}

void encode_body(ByteWriter &w, const Request &m)
{
    std::size_t abstracts = capped(m.abstracts, 0xffffffffu);
    w.u32(static_cast<std::uint32_t>(abstracts));
    w.u32(static_cast<std::uint32_t>(kRequestFixed));
    for (std::size_t i = 0; i < abstracts; ++i) put_abstract(w, m.abstracts[i]);
    while (w.size() < kRequestMinSize) w.u8(0);
}

void encode_body(ByteWriter &w, const Flood &m, std::vector<std::uint8_t> *out)
{
    w.u16(static_cast<std::uint16_t>(kFloodFixed));
    w.u16(0);
    encode_record(m.record, m.graph_id, out);
}

void encode_body(ByteWriter &w, const SyncEnd &m)
{
    w.u8(m.final ? kSyncEndFinal : 0);
    w.u8(0);
    w.u16(0);
}

void encode_body(ByteWriter &w, const Pt2Pt &m)
{
    w.u16(static_cast<std::uint16_t>(kPt2PtFixed));
    w.u16(0);
    put_guid(w, m.data_type);
    w.bytes(m.payload.data(), m.payload.size());
}

void encode_body(ByteWriter &w, const Ack &m)
{
    std::size_t n = capped(m.entries, 0xffff);
    w.u16(static_cast<std::uint16_t>(n));
    w.u16(static_cast<std::uint16_t>(kAckFixed));
    for (std::size_t i = 0; i < n; ++i) {
        put_guid(w, m.entries[i].record_id);
        w.u32(m.entries[i].useful ? kAckUseful : 0);
    }
}

/* -------- decoding -------- */

/* One whole message: data[0, size), header included. */
struct Input {
    const std::uint8_t *data;
    std::size_t size;
    /* A reader of the bytes from offset (<= size) to the end. */
    ByteReader at(std::size_t offset) const { return ByteReader(data + offset, size - offset); }
};

/* count entries of entry_size bytes from offset end by limit; in 64 bits
 * (counts are at most 32 bits, offsets 32 bits) so nothing overflows. */
bool array_fits(std::uint64_t offset, std::uint64_t count, std::uint64_t entry_size, std::uint64_t limit)
{
    return offset + count * entry_size <= limit;
}

std::uint64_t array_end(std::uint64_t offset, std::uint64_t count, std::uint64_t entry_size)
{
    return offset + count * entry_size;
}

/* The UTF-8 string at [begin, end) of the message: up to its NUL, which must
 * be in the span; begin < end <= size. */
DecodeError read_cstring(const Input &in, std::size_t begin, std::size_t end, std::string *out)
{
    std::size_t span = std::min(end - begin, kMaxCStringBytes);
    const void *nul = std::memchr(in.data + begin, 0, span);
    if (!nul) return DecodeError::bad_string;
    const char *first = reinterpret_cast<const char *>(in.data + begin);
    std::string s(first, static_cast<const char *>(nul));
    std::size_t units = utf16_length(s);
    if (units == std::string::npos || units + 1 > kMaxIdLength) return DecodeError::bad_string;
    *out = std::move(s);
    return DecodeError::none;
}

/* count PEER_IN6_ADDRESS from offset; the caller has checked they fit. */
DecodeError read_addresses(const Input &in, std::size_t offset, std::size_t count, std::vector<In6Address> *out)
{
    ByteReader r = in.at(offset);
    out->resize(count);
    for (In6Address &a : *out) {
        if (r.u16() != kAddressFamily) return DecodeError::bad_field;
        a.port = r.u16();
        r.bytes(a.address.data(), a.address.size());
    }
    return r.ok() ? DecodeError::none : DecodeError::truncated;
}

std::vector<Guid> read_guids(const Input &in, std::size_t offset, std::size_t count)
{
    ByteReader r = in.at(offset);
    std::vector<Guid> guids(count);
    for (Guid &g : guids) g = get_guid(r);
    return guids;
}

std::vector<RecordAbstract> read_abstracts(const Input &in, std::size_t offset, std::size_t count)
{
    ByteReader r = in.at(offset);
    std::vector<RecordAbstract> abstracts(count);
    for (RecordAbstract &a : abstracts) {
        a.id = get_guid(r);
        a.version = r.u32();
    }
    return abstracts;
}

/* MS-PPGRH 3.1.5.1.1 */
DecodeError decode_auth_info(const Input &in, AuthInfo *m)
{
    if (in.size < 0x10) return DecodeError::bad_size;
    ByteReader r = in.at(kHeaderSize);
    std::uint8_t type = r.u8();
    r.u8();
    std::size_t graph = r.u16(), source = r.u16(), destination = r.u16();
    if (type != static_cast<std::uint8_t>(ConnectionType::neighbor) &&
        type != static_cast<std::uint8_t>(ConnectionType::direct))
        return DecodeError::bad_field;
    if (!(graph < source && source < destination && destination <= in.size)) return DecodeError::bad_offset;
    m->connection_type = static_cast<ConnectionType>(type);
    DecodeError e;
    if ((e = read_cstring(in, graph, source, &m->graph_id)) != DecodeError::none) return e;
    if ((e = read_cstring(in, source, destination, &m->source_peer_id)) != DecodeError::none) return e;
    if (m->graph_id.empty() || m->source_peer_id.empty()) return DecodeError::bad_string;
    if (destination < in.size) {
        std::string peer;
        if ((e = read_cstring(in, destination, in.size, &peer)) != DecodeError::none) return e;
        if (peer.empty()) return DecodeError::bad_string;
        m->destination_peer_id = std::move(peer);
    }
    return DecodeError::none;
}

/* MS-PPGRH 3.1.5.2.1 */
DecodeError decode_connect(const Input &in, Connect *m)
{
    if (in.size < 0x18) return DecodeError::bad_size;
    ByteReader r = in.at(kHeaderSize);
    std::uint8_t flags = r.u8();
    std::size_t count = r.u8(), addresses = r.u16(), friendly = r.u16();
    r.u16();
    m->node_id = r.u64();
    if (!array_fits(addresses, count, kAddressSize, in.size) || friendly < array_end(addresses, count, kAddressSize) ||
        friendly > in.size)
        return DecodeError::bad_offset;
    m->update = flags & kConnectUpdate;
    m->direct = flags & kConnectDirect;
    m->want_neighbors = flags & kConnectNeighbors;
    DecodeError e;
    if ((e = read_addresses(in, addresses, count, &m->addresses)) != DecodeError::none) return e;
    if (friendly < in.size) {
        std::string name;
        if ((e = read_cstring(in, friendly, in.size, &name)) != DecodeError::none) return e;
        m->friendly_name = std::move(name);
    }
    return DecodeError::none;
}

/* MS-PPGRH 3.1.5.2.2 */
DecodeError decode_welcome(const Input &in, Welcome *m)
{
    if (in.size < 0x20) return DecodeError::bad_size;
    ByteReader r = in.at(kHeaderSize);
    m->node_id = r.u64();
    m->peer_time = static_cast<FileTime>(r.u64());
    std::size_t count = r.u8();
    r.u8();
    std::size_t addresses = r.u16(), peer = r.u16(), friendly = r.u16();
    std::uint64_t addresses_end = array_end(addresses, count, kAddressSize);
    if (!(addresses_end < in.size && peer >= addresses_end && friendly > peer && friendly <= in.size))
        return DecodeError::bad_offset;
    DecodeError e;
    if ((e = read_addresses(in, addresses, count, &m->addresses)) != DecodeError::none) return e;
    if ((e = read_cstring(in, peer, friendly, &m->peer_id)) != DecodeError::none) return e;
    if (m->peer_id.empty()) return DecodeError::bad_string;
    if (friendly < in.size) {
        std::string name;
        if ((e = read_cstring(in, friendly, in.size, &name)) != DecodeError::none) return e;
        m->friendly_name = std::move(name);
    }
    return DecodeError::none;
}

/* REFUSE (3.1.5.2.3) and DISCONNECT (3.1.5.2.4): a code in [1, max_code]
 * and an address array. */
DecodeError decode_code_and_addresses(const Input &in, std::uint8_t max_code, std::uint8_t *code,
                                      std::vector<In6Address> *out)
{
    if (in.size < 0x0c) return DecodeError::bad_size;
    ByteReader r = in.at(kHeaderSize);
    *code = r.u8();
    std::size_t count = r.u8(), addresses = r.u16();
    if (!array_fits(addresses, count, kAddressSize, in.size)) return DecodeError::bad_offset;
    if (*code < 1 || *code > max_code) return DecodeError::bad_field;
    return read_addresses(in, addresses, count, out);
}

DecodeError decode_refuse(const Input &in, Refuse *m)
{
    std::uint8_t code;
    DecodeError e = decode_code_and_addresses(
        in, static_cast<std::uint8_t>(RefuseCode::direct_connection_disallowed), &code, &m->addresses);
    m->code = static_cast<RefuseCode>(code);
    return e;
}

DecodeError decode_disconnect(const Input &in, Disconnect *m)
{
    std::uint8_t reason;
    DecodeError e = decode_code_and_addresses(in, static_cast<std::uint8_t>(DisconnectReason::app_disconnect),
                                              &reason, &m->addresses);
    m->reason = static_cast<DisconnectReason>(reason);
    return e;
}

/* The Inclusion/Exclusion Count pair and Record Types Offset at offset 8 of
 * every SOLICIT_*; the array must end by limit. */
struct TypeCounts {
    std::size_t inclusion, exclusion, offset;
};

TypeCounts read_type_counts(const Input &in)
{
    ByteReader r = in.at(kHeaderSize);
    TypeCounts c;
    c.inclusion = r.u8();
    c.exclusion = r.u8();
    c.offset = r.u16();
    return c;
}

DecodeError check_type_counts(const TypeCounts &c, bool single_inclusion, std::uint64_t limit)
{
    if (c.inclusion != 0 && c.exclusion != 0) return DecodeError::bad_field;
    if (single_inclusion && c.inclusion > 1) return DecodeError::bad_field;
    if (!array_fits(c.offset, c.inclusion + c.exclusion, kGuidSize, limit)) return DecodeError::bad_offset;
    return DecodeError::none;
}

TypeSelection read_type_selection(const Input &in, const TypeCounts &c)
{
    TypeSelection s;
    s.exclusion = c.exclusion != 0;
    s.types = read_guids(in, c.offset, c.inclusion + c.exclusion);
    return s;
}

/* MS-PPGRH 3.1.5.2.5 */
DecodeError decode_solicit_new(const Input &in, SolicitNew *m)
{
    if (in.size < 0x0c) return DecodeError::bad_size;
    TypeCounts c = read_type_counts(in);
    DecodeError e = check_type_counts(c, true, in.size);
    if (e != DecodeError::none) return e;
    m->types = read_type_selection(in, c);
    return DecodeError::none;
}

/* MS-PPGRH 3.1.5.2.6 */
DecodeError decode_solicit_time(const Input &in, SolicitTime *m)
{
    if (in.size < 20) return DecodeError::bad_size;
    TypeCounts c = read_type_counts(in);
    DecodeError e = check_type_counts(c, true, in.size);
    if (e != DecodeError::none) return e;
    ByteReader r = in.at(12);
    m->modification_time = static_cast<FileTime>(r.u64());
    m->types = read_type_selection(in, c);
    return DecodeError::none;
}

/* MS-PPGRH 3.1.5.2.7; the Hash Count rule reads Hash Count where the spec
 * writes "Hash Entry Offset * 0x28" (reference 3.13 #5). */
DecodeError decode_solicit_hash(const Input &in, SolicitHash *m)
{
    if (in.size < 0x14) return DecodeError::bad_size;
    TypeCounts c = read_type_counts(in);
    ByteReader r = in.at(12);
    std::size_t count = r.u32(), entries = r.u16();
    DecodeError e = check_type_counts(c, false, entries);
    if (e != DecodeError::none) return e;
    if (!array_fits(entries, count, kHashInfoEntrySize, in.size)) return DecodeError::bad_offset;
    m->types = read_type_selection(in, c);
    r = in.at(entries);
    m->entries.resize(count);
    for (HashInfoEntry &h : m->entries) {
        r.bytes(h.hash.data(), h.hash.size());
        h.modification_time = static_cast<FileTime>(r.u64());
        h.record_id = get_guid(r);
    }
    return DecodeError::none;
}

/* MS-PPGRH 3.1.5.2.8 */
DecodeError decode_advertise(const Input &in, Advertise *m)
{
    if (in.size < 0x18) return DecodeError::bad_size;
    ByteReader r = in.at(kHeaderSize);
    std::size_t boundary_count = r.u32(), abstract_count = r.u32(), boundaries = r.u16();
    r.u16();
    std::size_t abstracts = r.u32();
    if (!(boundaries <= abstracts && abstracts <= in.size &&
          array_fits(boundaries, boundary_count, kHashEntryBoundarySize, abstracts) &&
          array_fits(abstracts, abstract_count, kRecordAbstractSize, in.size)))
        return DecodeError::bad_offset;
    r = in.at(boundaries);
    m->boundaries.resize(boundary_count);
    for (HashEntryBoundary &b : m->boundaries) {
        b.lower_time = static_cast<FileTime>(r.u64());
        b.lower_id = get_guid(r);
        b.upper_time = static_cast<FileTime>(r.u64());
        b.upper_id = get_guid(r);
        b.count = r.u32();
    }
    m->abstracts = read_abstracts(in, abstracts, abstract_count);
    return DecodeError::none;
}

/* MS-PPGRH 3.1.5.2.9, with the 16-byte minimum discussed above. */
DecodeError decode_request(const Input &in, Request *m)
{
    if (in.size < kRequestFixed) return DecodeError::bad_size;
    ByteReader r = in.at(kHeaderSize);
    std::size_t count = r.u32(), abstracts = r.u32();
    if (abstracts > in.size || !array_fits(abstracts, count, kRecordAbstractSize, in.size))
        return DecodeError::bad_offset;
    m->abstracts = read_abstracts(in, abstracts, count);
    return DecodeError::none;
}

/* MS-PPGRH 3.1.5.2.10 */
DecodeError decode_flood(const Input &in, Flood *m)
{
    if (in.size < 0x10) return DecodeError::bad_size;
    ByteReader r = in.at(kHeaderSize);
    std::size_t record = r.u16();
    std::uint16_t reserved2 = r.u16();
    if (record > in.size) return DecodeError::bad_offset;
    if (reserved2 != 0) return DecodeError::bad_field;
    if (decode_record(in.data + record, in.size - record, &m->record, &m->graph_id) != DecodeError::none)
        return DecodeError::bad_record;
    return DecodeError::none;
}

/* MS-PPGRH 3.1.5.2.11 */
DecodeError decode_sync_end(const Input &in, SyncEnd *m)
{
    if (in.size < 0x0c) return DecodeError::bad_size;
    m->final = in.at(kHeaderSize).u8() & kSyncEndFinal;
    return DecodeError::none;
}

/* MS-PPGRH 3.1.5.2.13, with the 28-byte minimum discussed above. */
/* PT2PT's fixed part; the payload runs from *payload_offset to the end. */
DecodeError decode_pt2pt_head(const Input &in, Guid *type, std::size_t *payload_offset)
{
    if (in.size < kPt2PtFixed) return DecodeError::bad_size;
    ByteReader r = in.at(kHeaderSize);
    std::size_t data = r.u16();
    r.u16();
    *type = get_guid(r);
    if (data > in.size) return DecodeError::bad_offset;
    *payload_offset = data;
    return DecodeError::none;
}

DecodeError decode_pt2pt(const Input &in, Pt2Pt *m)
{
    std::size_t data = 0;
    DecodeError error = decode_pt2pt_head(in, &m->data_type, &data);
    if (error != DecodeError::none) return error;
    m->payload.assign(in.data + data, in.data + in.size);
    return DecodeError::none;
}

/* MS-PPGRH 3.1.5.2.12 */
DecodeError decode_ack(const Input &in, Ack *m)
{
    if (in.size < 0x0c) return DecodeError::bad_size;
    ByteReader r = in.at(kHeaderSize);
    std::size_t count = r.u16(), acks = r.u16();
    if (acks > in.size || !array_fits(acks, count, kAckEntrySize, in.size)) return DecodeError::bad_offset;
    r = in.at(acks);
    m->entries.resize(count);
    for (AckEntry &a : m->entries) {
        a.record_id = get_guid(r);
        a.useful = r.u32() & kAckUseful;
    }
    return DecodeError::none;
}

template <typename T> DecodeError decode_into(const Input &in, DecodeError (*fn)(const Input &, T *), Message *out)
{
    T m;
    DecodeError e = fn(in, &m);
    if (e == DecodeError::none) *out = std::move(m);
    return e;
}

/* The UTF-16 string of a record: chars units with the NUL, already range
 * checked (>= 1).  No NUL inside, no lone surrogate. */
DecodeError read_record_string(ByteReader &r, std::uint32_t chars, std::string *out)
{
    if (r.left() / 2 < chars) return DecodeError::truncated;
    std::u16string s;
    if (!r.utf16z(chars, &s) || s.find(u'\0') != std::u16string::npos || !utf16_to_utf8(s, out))
        return DecodeError::bad_string;
    return DecodeError::none;
}

/* A 2..kMaxIdLength counted string (Creator ID, Graph ID) or, when optional,
 * also length 0 (Last Modified By). */
DecodeError read_record_id(ByteReader &r, bool optional, std::string *out)
{
    std::uint32_t chars = r.u32();
    if (!r.ok()) return DecodeError::truncated;
    if (optional && chars == 0) return DecodeError::none;
    if (chars < 2 || chars > kMaxIdLength) return DecodeError::bad_record;
    return read_record_string(r, chars, out);
}

DecodeError read_blob(ByteReader &r, std::vector<std::uint8_t> *out)
{
    std::uint32_t size = r.u32();
    const std::uint8_t *p = r.ok() ? r.skip(size) : nullptr;
    if (!p) return DecodeError::truncated;
    out->assign(p, p + size);
    return DecodeError::none;
}

} // namespace

MessageType type_of(const Message &message)
{
    static_assert(std::variant_size_v<Message> == 14, "one alternative per Message Type, in order");
    return static_cast<MessageType>(message.index() + 1);
}

const char *message_name(MessageType type)
{
    static const char *const names[] = {"AUTH_INFO",   "CONNECT",      "WELCOME",      "REFUSE", "DISCONNECT",
                                        "SOLICIT_NEW", "SOLICIT_TIME", "SOLICIT_HASH", "ADVERTISE", "REQUEST",
                                        "FLOOD",       "SYNC_END",     "PT2PT",        "ACK"};
    std::size_t i = static_cast<std::size_t>(type);
    return i >= 1 && i <= 14 ? names[i - 1] : "unknown";
}

const char *decode_error_name(DecodeError error)
{
    switch (error) {
    case DecodeError::none: return "none";
    case DecodeError::truncated: return "truncated";
    case DecodeError::bad_size: return "bad_size";
    case DecodeError::bad_version: return "bad_version";
    case DecodeError::bad_type: return "bad_type";
    case DecodeError::bad_offset: return "bad_offset";
    case DecodeError::bad_field: return "bad_field";
    case DecodeError::bad_string: return "bad_string";
    case DecodeError::bad_record: return "bad_record";
    case DecodeError::bad_frame: return "bad_frame";
    }
    return "unknown";
}

std::vector<std::uint8_t> encode(const Message &message)
{
    std::vector<std::uint8_t> out;
    ByteWriter w(&out);
    w.u32(0); /* Message Size, patched below */
    w.u8(kProtocolVersion);
    w.u8(static_cast<std::uint8_t>(type_of(message)));
    w.u16(0);
    std::visit(
        [&](const auto &m) {
            if constexpr (std::is_same_v<std::decay_t<decltype(m)>, Flood>)
                encode_body(w, m, &out);
            else
                encode_body(w, m);
        },
        message);
    w.patch_u32(0, static_cast<std::uint32_t>(out.size()));
    return out;
}

namespace {

/* The PEER_MESSAGE header rules every message shares. */
DecodeError check_header(const std::uint8_t *data, std::size_t size, std::uint8_t *type)
{
    if (size < kHeaderSize) return DecodeError::truncated;
    ByteReader r(data, size);
    std::uint32_t message_size = r.u32();
    std::uint8_t version = r.u8();
    *type = r.u8();
    if (message_size != size || size > kMaxMessageSize) return DecodeError::bad_size;
    if (version != kProtocolVersion) return DecodeError::bad_version;
    return DecodeError::none;
}

} // namespace

DecodeError decode_pt2pt_in_place(const std::uint8_t *data, std::size_t size, Guid *type, std::size_t *payload_offset)
{
    std::uint8_t message_type = 0;
    DecodeError error = check_header(data, size, &message_type);
    if (error != DecodeError::none) return error;
    if (message_type != static_cast<std::uint8_t>(MessageType::pt2pt)) return DecodeError::bad_type;
    return decode_pt2pt_head(Input{data, size}, type, payload_offset);
}

bool is_pt2pt(const std::uint8_t *data, std::size_t size)
{
    return size > 5 && data[5] == static_cast<std::uint8_t>(MessageType::pt2pt);
}

DecodeError decode(const std::uint8_t *data, std::size_t size, Message *out)
{
    std::uint8_t type = 0;
    DecodeError error = check_header(data, size, &type);
    if (error != DecodeError::none) return error;
    Input in{data, size};
    switch (static_cast<MessageType>(type)) {
    case MessageType::auth_info: return decode_into(in, decode_auth_info, out);
    case MessageType::connect: return decode_into(in, decode_connect, out);
    case MessageType::welcome: return decode_into(in, decode_welcome, out);
    case MessageType::refuse: return decode_into(in, decode_refuse, out);
    case MessageType::disconnect: return decode_into(in, decode_disconnect, out);
    case MessageType::solicit_new: return decode_into(in, decode_solicit_new, out);
    case MessageType::solicit_time: return decode_into(in, decode_solicit_time, out);
    case MessageType::solicit_hash: return decode_into(in, decode_solicit_hash, out);
    case MessageType::advertise: return decode_into(in, decode_advertise, out);
    case MessageType::request: return decode_into(in, decode_request, out);
    case MessageType::flood: return decode_into(in, decode_flood, out);
    case MessageType::sync_end: return decode_into(in, decode_sync_end, out);
    case MessageType::pt2pt: return decode_into(in, decode_pt2pt, out);
    case MessageType::ack: return decode_into(in, decode_ack, out);
    }
    return DecodeError::bad_type;
}

void encode_record(const Record &record, const std::string &graph_id, std::vector<std::uint8_t> *out)
{
    ByteWriter w(out);
    put_guid(w, record.type);
    put_guid(w, record.id);
    w.u32(record.version);
    w.u32(record.flags & kKnownRecordFlags);
    w.counted_utf16(record.creator_id, false);
    w.counted_utf16(record.modified_by_id, true);
    w.u32(static_cast<std::uint32_t>(record.security_data.size()));
    w.bytes(record.security_data.data(), record.security_data.size());
    w.u64(static_cast<std::uint64_t>(record.creation_time));
    w.u64(static_cast<std::uint64_t>(record.expiration_time));
    w.u64(static_cast<std::uint64_t>(record.modification_time));
    w.counted_utf16(graph_id, false);
    w.u16(kRecordProtocolVersion);
    w.u32(static_cast<std::uint32_t>(record.data.size()));
    w.bytes(record.data.data(), record.data.size());
    w.counted_utf16(record.attributes, true);
}

/* MS-PPGRH 2.2.1.9 and the rules of 3.1.7.27 that need no graph state (the
 * record ID/creator MD5 check, Max Record Size, the Graph ID match and the
 * attribute schema are the graph layer's). */
DecodeError decode_record(const std::uint8_t *data, std::size_t size, Record *record, std::string *graph_id)
{
    if (size < kRecordMinSize) return DecodeError::truncated;
    ByteReader r(data, size);
    Record rec;
    std::string graph;
    rec.type = get_guid(r);
    rec.id = get_guid(r);
    rec.version = r.u32();
    rec.flags = r.u32() & kKnownRecordFlags;
    DecodeError e;
    if ((e = read_record_id(r, false, &rec.creator_id)) != DecodeError::none) return e;
    if ((e = read_record_id(r, true, &rec.modified_by_id)) != DecodeError::none) return e;
    if ((e = read_blob(r, &rec.security_data)) != DecodeError::none) return e;
    std::uint64_t creation = r.u64(), expiration = r.u64(), modification = r.u64();
    if ((e = read_record_id(r, false, &graph)) != DecodeError::none) return e;
    std::uint16_t version = r.u16();
    if ((e = read_blob(r, &rec.data)) != DecodeError::none) return e;
    std::uint32_t attributes = r.u32();
    if (!r.ok()) return DecodeError::truncated;
    if (attributes && (e = read_record_string(r, attributes, &rec.attributes)) != DecodeError::none) return e;

    if ((creation | expiration | modification) & kTimeTopBit) return DecodeError::bad_record;
    rec.creation_time = static_cast<FileTime>(creation);
    rec.expiration_time = static_cast<FileTime>(expiration);
    rec.modification_time = static_cast<FileTime>(modification);
    if (version != kRecordProtocolVersion) return DecodeError::bad_record;
    if (!(rec.expiration_time > rec.modification_time && rec.modification_time >= rec.creation_time))
        return DecodeError::bad_record;
    if (rec.deleted() && !rec.data.empty()) return DecodeError::bad_record;
    if (rec.modification_time == rec.creation_time && !rec.modified_by_id.empty()) return DecodeError::bad_record;
    *record = std::move(rec);
    *graph_id = std::move(graph);
    return DecodeError::none;
}

namespace {

/* 0 means the default; no frame is over the maximum. */
std::size_t usable_frame_size(std::size_t frame_size)
{
    return frame_size == 0 ? kDefaultFrameSize : std::min(frame_size, kMaxFrameSize);
}

/* total bytes of message as frames: each frame adds its 2-byte length. */
std::size_t framed_size(std::size_t total, std::size_t frame_size)
{
    return total + 2 * ((total + frame_size - 1) / frame_size);
}

/* Frames the concatenation head + tail without building it. */
void append_frames(const std::uint8_t *head, std::size_t head_size, const std::uint8_t *tail, std::size_t tail_size,
                   std::size_t frame_size, std::vector<std::uint8_t> *out)
{
    frame_size = usable_frame_size(frame_size);
    std::size_t total = head_size + tail_size;
    /* Room for these frames, but never exactly that little: a buffer that
     * frames one message after another grows geometrically. */
    std::size_t needed = out->size() + framed_size(total, frame_size);
    if (needed > out->capacity()) out->reserve(std::max(needed, 2 * out->capacity()));
    ByteWriter w(out);
    for (std::size_t at = 0; at < total; at += frame_size) {
        std::size_t n = std::min(frame_size, total - at);
        w.u16(static_cast<std::uint16_t>(n));
        std::size_t from_head = at < head_size ? std::min(n, head_size - at) : 0;
        if (from_head) w.bytes(head + at, from_head);
        if (n > from_head) w.bytes(tail + (at + from_head - head_size), n - from_head);
    }
}

} // namespace

void append_frames(const std::vector<std::uint8_t> &message, std::size_t frame_size, std::vector<std::uint8_t> *out)
{
    append_frames(message.data(), message.size(), nullptr, 0, frame_size, out);
}

void append_pt2pt_frames(const Guid &data_type, const std::uint8_t *payload, std::size_t size, std::size_t frame_size,
                         std::vector<std::uint8_t> *out)
{
    Pt2Pt head;
    head.data_type = data_type;
    std::vector<std::uint8_t> header = encode(head);
    /* The same message with the payload appended: only its size differs. */
    ByteWriter(&header).patch_u32(0, static_cast<std::uint32_t>(header.size() + size));
    append_frames(header.data(), header.size(), payload, size, frame_size, out);
}

std::size_t pt2pt_framed_size(std::size_t size, std::size_t frame_size)
{
    static const std::size_t head_size = encode(Pt2Pt{}).size();
    return framed_size(head_size + size, usable_frame_size(frame_size));
}

StreamDecoder::StreamDecoder(std::size_t max_frame, std::size_t max_message)
    : max_frame_(max_frame), max_message_(max_message)
{
}

namespace {

/* Messages up to this size get their whole buffer when their size is known. */
constexpr std::size_t kEagerReserve = 1u << 20;

} // namespace

void StreamDecoder::push(const std::uint8_t *data, std::size_t size)
{
    if (error_ != DecodeError::none || size == 0) return;
    auto fail = [this](DecodeError e) {
        error_ = e;
        std::vector<std::uint8_t>().swap(input_);
        std::vector<std::uint8_t>().swap(partial_);
        input_start_ = 0;
        expected_ = 0;
    };
    /* One frame's payload joins the partial message.  The Message Size is
     * checked as soon as its four bytes are in, before any more is kept. */
    auto take = [&](const std::uint8_t *p, std::size_t n) {
        if (expected_ == 0 && partial_.size() + n >= 4) {
            std::uint8_t head[4];
            std::size_t have = std::min<std::size_t>(partial_.size(), 4);
            std::copy(partial_.begin(), partial_.begin() + have, head);
            std::copy(p, p + (4 - have), head + have);
            ByteReader r(head, sizeof(head));
            std::size_t announced = r.u32();
            if (announced < kHeaderSize || announced > max_message_) return fail(DecodeError::bad_size);
            expected_ = announced;
        }
        if (expected_ && partial_.size() + n > expected_) return fail(DecodeError::bad_frame);
        /* Small messages get their room at once; big ones grow as their
         * bytes arrive, never by what a peer merely announced. */
        if (expected_ && expected_ <= kEagerReserve && partial_.capacity() < expected_) {
            if (pool_) {
                std::vector<std::uint8_t> buffer = pool_->take(expected_);
                buffer.reserve(expected_);
                buffer.insert(buffer.end(), partial_.begin(), partial_.end());
                partial_.swap(buffer);
            } else {
                partial_.reserve(expected_);
            }
        }
        partial_.insert(partial_.end(), p, p + n);
        if (expected_ && partial_.size() == expected_) {
            ready_.push_back(std::move(partial_));
            partial_ = std::vector<std::uint8_t>();
            expected_ = 0;
        }
    };
    /* Whole frames are taken straight from data; only a frame cut by the
     * end of data waits in input_. */
    auto frames = [&](const std::uint8_t *p, std::size_t n) -> std::size_t {
        std::size_t at = 0;
        while (n - at >= 2) {
            ByteReader r(p + at, 2);
            std::size_t frame = r.u16();
            if (frame == 0 || frame > max_frame_) {
                fail(DecodeError::bad_frame);
                return n;
            }
            if (n - at < 2 + frame) break;
            take(p + at + 2, frame);
            if (error_ != DecodeError::none) return n;
            at += 2 + frame;
        }
        return at;
    };
    if (!input_.empty()) {
        /* Complete the frame that was cut, then go on from data. */
        std::size_t need = 2;
        if (input_.size() >= 2) {
            ByteReader r(input_.data(), 2);
            need = 2 + r.u16();
        }
        std::size_t add = std::min(size, need > input_.size() ? need - input_.size() : 0);
        input_.insert(input_.end(), data, data + add);
        data += add;
        size -= add;
        if (input_.size() == 2 && need == 2) {
            ByteReader r(input_.data(), 2);
            need = 2 + r.u16();
            add = std::min(size, need - 2);
            input_.insert(input_.end(), data, data + add);
            data += add;
            size -= add;
        }
        std::size_t used = frames(input_.data(), input_.size());
        if (error_ != DecodeError::none) return;
        input_.erase(input_.begin(), input_.begin() + used);
        if (!input_.empty()) return; /* still cut: data is all in input_ */
    }
    std::size_t used = frames(data, size);
    if (error_ != DecodeError::none) return;
    input_.assign(data + used, data + size);
    input_start_ = 0;
}

bool StreamDecoder::next(std::vector<std::uint8_t> *message)
{
    if (ready_.empty()) return false;
    *message = std::move(ready_.front());
    ready_.pop_front();
    return true;
}

std::size_t StreamDecoder::buffered() const
{
    return input_.size() - input_start_ + partial_.size();
}

} // namespace wire
} // namespace p2pg
