/*
 * Fuzz target: the Graph Info record's payload (MS-PPGRH 2.2.3.1)
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
 * The Graph Info record comes from the graph's creator through any peer,
 * or from an imported file, and becomes the graph's properties.  What
 * decodes must be within the ranges the API hands to applications (ids of
 * 1..255 characters, names and comments within their limits, a presence
 * lifetime of at least 300 s, a record size limit the engine enforces) and
 * re-encode to bytes that decode to the same properties and encode the
 * same again, never longer (the encoder drops only unknown flag bits, a
 * zero lifetime it normalised and one-character optional strings).
 */

#include "engine/graph_info.h"
#include "engine/utf.h"
#include "support.h"

using namespace p2pg;

namespace {

const char kTarget[] = "fuzz_graph_info";

bool length_within(const std::string &s, std::size_t min, std::size_t max)
{
    std::size_t n = utf16_length(s);
    return n != std::string::npos && n >= min && n <= max;
}

bool same(const GraphProperties &a, const GraphProperties &b)
{
    return a.flags == b.flags && a.scope == b.scope && a.max_record_size == b.max_record_size &&
           a.graph_id == b.graph_id && a.creator_id == b.creator_id && a.friendly_name == b.friendly_name &&
           a.comment == b.comment && a.presence_lifetime == b.presence_lifetime && a.presence_max == b.presence_max;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const fuzz::Bytes payload(data, data + size);
    GraphProperties p;
    if (!decode_graph_info(payload, &p)) return 0;

    if (!length_within(p.graph_id, 1, kMaxIdChars) || !length_within(p.creator_id, 1, kMaxIdChars))
        fuzz::broken(kTarget, "id length out of range");
    if (!length_within(p.friendly_name, 0, kMaxFriendlyNameChars) || !length_within(p.comment, 0, kMaxCommentChars))
        fuzz::broken(kTarget, "friendly name or comment out of range");
    if (p.flags & ~std::uint32_t(kGraphFlagDeferExpiration)) fuzz::broken(kTarget, "unknown flags kept");
    if (p.presence_lifetime < kDefaultPresenceLifetime) fuzz::broken(kTarget, "presence lifetime under 300 s");
    if (p.scope == 0) fuzz::broken(kTarget, "scope 0 not normalised");
    if (p.effective_max_record_size() < kMinMaxRecordSize || p.effective_max_record_size() > kMaxRecordSizeLimit)
        fuzz::broken(kTarget, "max record size out of range");
    std::string why;
    if (!validate_changed_properties(p, &why)) fuzz::broken(kTarget, "decoded properties fail the API's own checks");

    const fuzz::Bytes once = encode_graph_info(p);
    if (once.size() > payload.size()) fuzz::broken(kTarget, "graph info grows when re-encoded");
    GraphProperties again;
    if (!decode_graph_info(once, &again)) fuzz::broken(kTarget, "re-encoded graph info does not decode");
    if (!same(again, p)) fuzz::broken(kTarget, "graph info changes when re-encoded");
    if (encode_graph_info(again) != once) fuzz::broken(kTarget, "graph info encoding not stable");
    return 0;
}
