/*
 * Fuzz target: payloads of the Presence, Contact and Signature records (MS-PPGRH 2.2.3.2-2.2.3.4)
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
 * Any node may publish these records, so their payloads are as hostile as
 * a message.  The input is decoded as each of the three.  What decodes must
 * stay within the limits and re-encode to bytes that decode to the same
 * thing and encode the same again; the encoding may only lose what the
 * format lets go (flow info and scope id, written as 0; a one-character
 * attribute string, which is the empty one), so it is never longer.
 */

#include <cstring>
#include <vector>

#include "engine/internal_records.h"
#include "engine/utf.h"
#include "support.h"

using namespace p2pg;

namespace {

const char kTarget[] = "fuzz_internal_records";

bool same_addresses(const std::vector<sockaddr_in6> &a, const std::vector<sockaddr_in6> &b)
{
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].sin6_family != b[i].sin6_family || a[i].sin6_port != b[i].sin6_port ||
            std::memcmp(&a[i].sin6_addr, &b[i].sin6_addr, sizeof(a[i].sin6_addr)) != 0)
            return false;
    return true;
}

void check_addresses(const std::vector<sockaddr_in6> &addresses)
{
    if (addresses.size() > kMaxRecordAddresses) fuzz::broken(kTarget, "more addresses than the limit");
    for (const sockaddr_in6 &a : addresses)
        if (a.sin6_family != AF_INET6 || a.sin6_flowinfo != 0 || a.sin6_scope_id != 0)
            fuzz::broken(kTarget, "address fields beyond what the format carries");
}

void fuzz_presence(const fuzz::Bytes &payload)
{
    PresenceInfo info;
    if (!decode_presence(payload, &info)) return;
    const std::size_t chars = utf16_length(info.attributes);
    if (chars == std::string::npos || chars > kMaxNodeAttributeChars) fuzz::broken(kTarget, "presence attributes out of range");
    check_addresses(info.addresses);
    const fuzz::Bytes once = encode_presence(info);
    if (once.size() > payload.size()) fuzz::broken(kTarget, "presence grows when re-encoded");
    PresenceInfo again;
    if (!decode_presence(once, &again)) fuzz::broken(kTarget, "re-encoded presence does not decode");
    if (again.node_id != info.node_id || again.attributes != info.attributes ||
        !same_addresses(again.addresses, info.addresses))
        fuzz::broken(kTarget, "presence changes when re-encoded");
    if (encode_presence(again) != once) fuzz::broken(kTarget, "presence encoding not stable");
}

void fuzz_contact(const fuzz::Bytes &payload)
{
    ContactInfo info;
    if (!decode_contact(payload, &info)) return;
    check_addresses(info.addresses);
    const fuzz::Bytes once = encode_contact(info);
    if (once.size() != payload.size()) fuzz::broken(kTarget, "contact changes size when re-encoded");
    ContactInfo again;
    if (!decode_contact(once, &again)) fuzz::broken(kTarget, "re-encoded contact does not decode");
    if (again.signature != info.signature || again.node_id != info.node_id ||
        !same_addresses(again.addresses, info.addresses))
        fuzz::broken(kTarget, "contact changes when re-encoded");
    if (encode_contact(again) != once) fuzz::broken(kTarget, "contact encoding not stable");
}

void fuzz_signature(const fuzz::Bytes &payload)
{
    std::uint64_t signature = 0;
    if (!decode_signature(payload, &signature)) return;
    /* Nothing is dropped from a signature: exactly the input comes back. */
    if (encode_signature(signature) != payload) fuzz::broken(kTarget, "signature does not round-trip");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const fuzz::Bytes payload(data, data + size);
    fuzz_presence(payload);
    fuzz_contact(payload);
    fuzz_signature(payload);
    return 0;
}
