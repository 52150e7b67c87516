/*
 * Engine graph properties and the Graph Info record that carries them (MS-PPGRH 2.2.3.1)
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

#include "graph_info.h"

#include "bytes.h"
#include "utf.h"

namespace p2pg {

namespace {

bool length_ok(const std::string &s, std::size_t min, std::size_t max)
{
    std::size_t n = utf16_length(s);
    return n != std::string::npos && n >= min && n <= max;
}

bool changeable_ok(const GraphProperties &p, std::string *why)
{
    if (!length_ok(p.friendly_name, 0, kMaxFriendlyNameChars)) {
        if (why) *why = "friendly name too long";
        return false;
    }
    if (!length_ok(p.comment, 0, kMaxCommentChars)) {
        if (why) *why = "comment too long";
        return false;
    }
    /* 0 stands for the default; below 300 s is outside the protocol's range. */
    if (p.presence_lifetime && p.presence_lifetime < kDefaultPresenceLifetime) {
        if (why) *why = "presence lifetime under 300 s";
        return false;
    }
    return true;
}

} // namespace

bool validate_new_properties(const GraphProperties &p, std::string *why)
{
    if (!length_ok(p.graph_id, 1, kMaxIdChars)) {
        if (why) *why = "graph id missing or too long";
        return false;
    }
    if (!length_ok(p.creator_id, 1, kMaxIdChars)) {
        if (why) *why = "creator id missing or too long";
        return false;
    }
    if (p.flags & ~(kGraphFlagHeartbeats | kGraphFlagDeferExpiration)) {
        if (why) *why = "unknown flags";
        return false;
    }
    if (p.scope > kScopeLinkLocal) {
        if (why) *why = "bad scope";
        return false;
    }
    if (p.max_record_size && (p.max_record_size < kMinMaxRecordSize || p.max_record_size > kMaxRecordSizeLimit)) {
        if (why) *why = "max record size out of range";
        return false;
    }
    return changeable_ok(p, why);
}

bool validate_changed_properties(const GraphProperties &p, std::string *why)
{
    return changeable_ok(p, why);
}

GraphProperties normalized(GraphProperties p)
{
    if (!p.presence_lifetime) p.presence_lifetime = kDefaultPresenceLifetime;
    /* PEER_GRAPH_SCOPE_ANY: the documented default is global. */
    if (!p.scope) p.scope = kScopeGlobal;
    return p;
}

std::vector<std::uint8_t> encode_graph_info(const GraphProperties &p)
{
    std::vector<std::uint8_t> out;
    ByteWriter w(&out);
    w.u32(0); /* Size, patched below */
    w.u32(p.flags & kGraphFlagDeferExpiration);
    w.u32(p.scope);
    w.counted_utf16(p.graph_id, false);
    w.counted_utf16(p.creator_id, false);
    w.counted_utf16(p.friendly_name, true);
    w.counted_utf16(p.comment, true);
    w.u32(p.presence_lifetime);
    w.u32(p.presence_max);
    w.u32(p.max_record_size);
    w.patch_u32(0, static_cast<std::uint32_t>(out.size()));
    return out;
}

bool decode_graph_info(const std::vector<std::uint8_t> &payload, GraphProperties *out)
{
    ByteReader r(payload.data(), payload.size());
    GraphProperties p;
    std::uint32_t size = r.u32();
    if (!r.ok() || size != payload.size()) return false;
    p.flags = r.u32() & kGraphFlagDeferExpiration;
    p.scope = r.u32();
    if (!r.counted_utf16(2, kMaxIdChars + 1, &p.graph_id)) return false;
    if (!r.counted_utf16(2, kMaxIdChars + 1, &p.creator_id)) return false;
    if (!r.counted_utf16(0, kMaxFriendlyNameChars + 1, &p.friendly_name)) return false;
    if (!r.counted_utf16(0, kMaxCommentChars + 1, &p.comment)) return false;
    p.presence_lifetime = r.u32();
    p.presence_max = r.u32();
    p.max_record_size = r.u32();
    if (!r.ok() || r.left() != 0) return false;
    if (p.presence_lifetime && p.presence_lifetime < kDefaultPresenceLifetime) return false;
    if (p.max_record_size && (p.max_record_size < kMinMaxRecordSize || p.max_record_size > kMaxRecordSizeLimit))
        return false;
    *out = normalized(p);
    return true;
}

} // namespace p2pg
