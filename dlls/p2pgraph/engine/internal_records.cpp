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


#include "internal_records.h"

#include <algorithm>
#include <cstring>

#include <arpa/inet.h>

#include "bytes.h"

namespace p2pg {

namespace {

/* PEER_ADDRESS (2.2.1.5): Size (4) = 32, then a SOCKADDR_IN6 as Windows
 * lays it out: Family (2) = 0x0017, Port (2), Flow Info (4), Address (16),
 * Scope Id (4).  Integers follow the byte order of every other wire
 * integer (bytes.h); the scope id is local to the sender and sent as 0. */
constexpr std::uint32_t kPeerAddressSize = 32;
constexpr std::uint16_t kWindowsAfInet6 = 0x0017;

void put_addresses(ByteWriter &w, const std::vector<sockaddr_in6> &addresses)
{
    std::size_t n = std::min(addresses.size(), kMaxRecordAddresses);
    w.u32(static_cast<std::uint32_t>(n));
    for (std::size_t i = 0; i < n; ++i) {
        const sockaddr_in6 &a = addresses[i];
        w.u32(kPeerAddressSize);
        w.u16(kWindowsAfInet6);
        w.u16(ntohs(a.sin6_port));
        w.u32(0);
        w.bytes(&a.sin6_addr, 16);
        w.u32(0);
    }
}

bool get_addresses(ByteReader &r, std::vector<sockaddr_in6> *out)
{
    std::uint32_t n = r.u32();
    if (!r.ok() || n > kMaxRecordAddresses || r.left() < std::size_t(n) * kPeerAddressSize) return false;
    out->assign(n, sockaddr_in6{});
    for (sockaddr_in6 &a : *out) {
        if (r.u32() != kPeerAddressSize || r.u16() != kWindowsAfInet6) return false;
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(r.u16());
        r.u32(); /* flow info */
        r.bytes(&a.sin6_addr, 16);
        r.u32(); /* scope id */
    }
    return r.ok();
}

} // namespace

std::vector<std::uint8_t> encode_presence(const PresenceInfo &info)
{
    std::vector<std::uint8_t> out;
    ByteWriter w(&out);
    w.u64(info.node_id);
    w.counted_utf16(info.attributes, true);
    put_addresses(w, info.addresses);
    return out;
}

bool decode_presence(const std::vector<std::uint8_t> &payload, PresenceInfo *out)
{
    ByteReader r(payload.data(), payload.size());
    PresenceInfo info;
    info.node_id = r.u64();
    if (!r.counted_utf16(0, kMaxNodeAttributeChars + 1, &info.attributes)) return false;
    if (!get_addresses(r, &info.addresses) || r.left() != 0) return false;
    *out = std::move(info);
    return true;
}

std::vector<std::uint8_t> encode_contact(const ContactInfo &info)
{
    std::vector<std::uint8_t> out;
    ByteWriter w(&out);
    w.u64(info.signature);
    w.u64(info.node_id);
    put_addresses(w, info.addresses);
    return out;
}

bool decode_contact(const std::vector<std::uint8_t> &payload, ContactInfo *out)
{
    ByteReader r(payload.data(), payload.size());
    ContactInfo info;
    info.signature = r.u64();
    info.node_id = r.u64();
    if (!r.ok() || !get_addresses(r, &info.addresses) || r.left() != 0) return false;
    *out = std::move(info);
    return true;
}

std::vector<std::uint8_t> encode_signature(std::uint64_t signature)
{
    std::vector<std::uint8_t> out;
    ByteWriter w(&out);
    w.u64(signature);
    return out;
}

bool decode_signature(const std::vector<std::uint8_t> &payload, std::uint64_t *out)
{
    ByteReader r(payload.data(), payload.size());
    std::uint64_t signature = r.u64();
    if (!r.ok() || r.left() != 0) return false;
    *out = signature;
    return true;
}

} // namespace p2pg
