/*
 * Engine: payloads of the Presence, Signature and Contact records (MS-PPGRH 2.2.3.2-2.2.3.4)
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


#ifndef P2PG_ENGINE_INTERNAL_RECORDS_H
#define P2PG_ENGINE_INTERNAL_RECORDS_H

#include <cstdint>
#include <string>
#include <vector>

#include <netinet/in.h>

#include "types.h"

namespace p2pg {

/* Presence record (2.2.3.4): a node says it is there, where it listens and
 * what the application attached to it (PeerGraphSetNodeAttributes). */
struct PresenceInfo {
    std::uint64_t node_id = 0;
    std::string attributes;              /* empty: Attributes Length 0 */
    std::vector<sockaddr_in6> addresses; /* PEER_ADDRESS, scope id not carried */
};

/* Contact record (2.2.3.3): a node that helps detect partitions. */
struct ContactInfo {
    std::uint64_t signature = 0;
    std::uint64_t node_id = 0;
    std::vector<sockaddr_in6> addresses;
};

/* At most this many addresses in one record (attribute strings: at most
 * kMaxNodeAttributeChars UTF-16 units, types.h). */
constexpr std::size_t kMaxRecordAddresses = 256;

std::vector<std::uint8_t> encode_presence(const PresenceInfo &info);
/* False for anything that breaks the layout of 2.2.3.4 (trailing bytes
 * included); also checks every PEER_ADDRESS (size 32, family 0x17). */
bool decode_presence(const std::vector<std::uint8_t> &payload, PresenceInfo *out);

std::vector<std::uint8_t> encode_contact(const ContactInfo &info);
bool decode_contact(const std::vector<std::uint8_t> &payload, ContactInfo *out);

/* Signature record (2.2.3.2): the node id of its publisher. */
std::vector<std::uint8_t> encode_signature(std::uint64_t signature);
bool decode_signature(const std::vector<std::uint8_t> &payload, std::uint64_t *out);

} // namespace p2pg

#endif
