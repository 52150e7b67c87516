/*
 * Fuzz target: PT2PT without copies (decode_pt2pt_in_place, append_pt2pt_frames)
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
 * Direct connections take a path of their own through the wire code: a
 * received PT2PT is decoded in place (link.cpp) and a sent one is framed
 * straight from the application's buffer (connection.cpp).  The input is
 * read two ways:
 * - as a received message: decode_pt2pt_in_place must agree with decode()
 *   (the same verdict, data type and payload);
 * - as something to send: its first 16 bytes are the data type and the rest
 *   the payload; the frames append_pt2pt_frames builds must be those of
 *   encode() + append_frames(), and must come back through the stream
 *   decoder (fed in chunks) and decode_pt2pt_in_place as the same type and
 *   payload.
 */

#include <algorithm>
#include <variant>

#include "engine/wire.h"
#include "support.h"

using namespace p2pg;
using namespace p2pg::wire;

namespace {

const char kTarget[] = "fuzz_pt2pt";
/* Message Size + Version + Type + Data Offset + reserved + Data Type. */
constexpr std::size_t kPt2PtHead = 28;

void fuzz_received(const std::uint8_t *data, std::size_t size)
{
    Guid type;
    std::size_t offset = 0;
    const DecodeError in_place = decode_pt2pt_in_place(data, size, &type, &offset);
    Message m;
    const DecodeError whole = decode(data, size, &m);
    const bool whole_pt2pt = whole == DecodeError::none && std::holds_alternative<Pt2Pt>(m);
    if ((in_place == DecodeError::none) != whole_pt2pt) fuzz::broken(kTarget, "in-place and whole decoding disagree");
    if (in_place != DecodeError::none) return;
    if (!is_pt2pt(data, size)) fuzz::broken(kTarget, "is_pt2pt misses a PT2PT");
    if (offset > size) fuzz::broken(kTarget, "payload offset past the end");
    const Pt2Pt &p = std::get<Pt2Pt>(m);
    if (p.data_type != type || p.payload != fuzz::Bytes(data + offset, data + size))
        fuzz::broken(kTarget, "in-place and whole decoding give different contents");
}

void fuzz_sent(const std::uint8_t *data, std::size_t size, fuzz::Rng &rng)
{
    Guid type;
    std::copy(data, data + std::min<std::size_t>(size, 16), type.bytes.begin());
    const std::uint8_t *payload = data + std::min<std::size_t>(size, 16);
    const std::size_t payload_size = size - std::min<std::size_t>(size, 16);
    if (payload_size + kPt2PtHead > kMaxMessageSize) return;
    /* 0 means the default frame size. */
    const std::size_t frame_size = rng.below(8) ? 1 + rng.below(kMaxFrameSize) : rng.below(2) ? 0 : 1 + rng.below(64);

    fuzz::Bytes stream;
    append_pt2pt_frames(type, payload, payload_size, frame_size, &stream);
    fuzz::Bytes expected;
    append_frames(encode(Pt2Pt{type, fuzz::Bytes(payload, payload + payload_size)}), frame_size, &expected);
    if (stream != expected) fuzz::broken(kTarget, "append_pt2pt_frames differs from encode + append_frames");

    StreamDecoder decoder;
    for (std::size_t at = 0; at < stream.size();) {
        std::size_t n = std::min<std::size_t>(1 + rng.below(4096), stream.size() - at);
        decoder.push(stream.data() + at, n);
        at += n;
    }
    fuzz::Bytes message, extra;
    if (!decoder.next(&message) || decoder.next(&extra) || decoder.error() != DecodeError::none || decoder.buffered())
        fuzz::broken(kTarget, "framed PT2PT does not come back as one message");
    Guid back;
    std::size_t offset = 0;
    if (decode_pt2pt_in_place(message.data(), message.size(), &back, &offset) != DecodeError::none)
        fuzz::broken(kTarget, "sent PT2PT does not decode");
    if (back != type || message.size() - offset != payload_size ||
        !std::equal(payload, payload + payload_size, message.begin() + offset))
        fuzz::broken(kTarget, "sent PT2PT comes back changed");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    fuzz::Rng rng(data, size);
    fuzz_received(data, size);
    fuzz_sent(data, size, rng);
    return 0;
}
