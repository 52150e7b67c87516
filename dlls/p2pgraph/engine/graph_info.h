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

#ifndef P2PG_ENGINE_GRAPH_INFO_H
#define P2PG_ENGINE_GRAPH_INFO_H

#include <cstdint>
#include <string>
#include <vector>

#include "record.h"

namespace p2pg {

enum GraphPropertyFlags : std::uint32_t {
    kGraphFlagHeartbeats = 0x1, /* undocumented in the API, "I" (ignored) on the wire */
    kGraphFlagDeferExpiration = 0x2,
};

enum GraphScope : std::uint32_t {
    kScopeGlobal = 1,
    kScopeSiteLocal = 2,
    kScopeLinkLocal = 3,
};

constexpr std::uint32_t kMaxRecordSizeLimit = 62914560; /* 60 MB, also what 0 means */
constexpr std::uint32_t kMinMaxRecordSize = 1024;
constexpr std::uint32_t kDefaultPresenceLifetime = 300; /* seconds, also what 0 means */
/* MS-PPGRH 3.1.7.7: the Graph Info record lives 300 s between refreshes. */
constexpr FileTime kGraphInfoLifetime = 300 * kSecond;
constexpr std::size_t kMaxIdChars = 255;                /* 256 with the NUL */
/* PeerGraphOpen and PeerGraphDelete take longer graph ids: Open's page says
 * a peer with an invalid (long) graph id "can open and connect
 * successfully", only not publish records.  Bounded all the same. */
constexpr std::size_t kMaxOpenGraphIdChars = 4096;
constexpr std::size_t kMaxFriendlyNameChars = 255;
constexpr std::size_t kMaxCommentChars = 511;

/* PEER_GRAPH_PROPERTIES in engine terms (strings UTF-8). */
struct GraphProperties {
    std::uint32_t flags = 0;
    std::uint32_t scope = kScopeGlobal;
    std::uint32_t max_record_size = 0;
    std::string graph_id;
    std::string creator_id;
    std::string friendly_name;
    std::string comment;
    std::uint32_t presence_lifetime = kDefaultPresenceLifetime;
    std::uint32_t presence_max = 0xffffffff;

    /* The record size limit in force (0 means 60 MB). */
    std::uint32_t effective_max_record_size() const
    {
        return max_record_size ? max_record_size : kMaxRecordSizeLimit;
    }
};

/* Checks properties an application gives to PeerGraphCreate (all fields) or
 * PeerGraphSetProperties (only the changeable ones: friendly name, comment,
 * presence lifetime, presence max).  Lengths count UTF-16 characters, as
 * Windows does. */
bool validate_new_properties(const GraphProperties &p, std::string *why);
bool validate_changed_properties(const GraphProperties &p, std::string *why);

/* Normalises what the application may leave 0 (presence lifetime). */
GraphProperties normalized(GraphProperties p);

/* The Graph Info record's payload. */
std::vector<std::uint8_t> encode_graph_info(const GraphProperties &p);
/* False for anything that breaks the layout or the field ranges of 2.2.3.1. */
bool decode_graph_info(const std::vector<std::uint8_t> &payload, GraphProperties *out);

} // namespace p2pg

#endif
