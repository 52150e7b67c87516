/*
 * Fuzz target: the MS-PPGRH wire codec (messages, records, the frame stream)
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
 * One input is read three ways: as one whole message (decode), as a record
 * (decode_record) and as a received byte stream (StreamDecoder, fed in
 * chunks whose sizes come from a generator seeded by the input).  Besides
 * the sanitizers' findings it aborts when what decodes does not survive
 * encode -> frame -> reassemble -> decode unchanged.
 */

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "engine/wire.h"
#include "support.h"

using namespace p2pg;
using namespace p2pg::wire;

namespace {

using fuzz::Bytes;
using fuzz::Rng;

[[noreturn]] void broken(const char *what)
{
    fuzz::broken("fuzz_wire", what);
}

/* A decoded message re-encodes to bytes that decode to the same encoding,
 * and those bytes cross the frame layer intact. */
void check_message(const Message &m, Rng &rng)
{
    Bytes once = encode(m);
    Message again;
    if (decode(once.data(), once.size(), &again) != DecodeError::none) broken("re-encoded message does not decode");
    if (encode(again) != once) broken("re-encoded message changes");

    Bytes stream;
    append_frames(once, 1 + rng.next() % kMaxFrameSize, &stream);
    StreamDecoder d;
    d.push(stream.data(), stream.size());
    Bytes out;
    if (!d.next(&out) || out != once || d.next(&out) || d.error() != DecodeError::none || d.buffered())
        broken("framed message does not come back");
}

void fuzz_decode(const std::uint8_t *data, std::size_t size, Rng &rng)
{
    Message m;
    if (decode(data, size, &m) == DecodeError::none) check_message(m, rng);
}

void fuzz_record(const std::uint8_t *data, std::size_t size)
{
    Record r;
    std::string graph;
    if (decode_record(data, size, &r, &graph) != DecodeError::none) return;
    Bytes once;
    encode_record(r, graph, &once);
    Record r2;
    std::string graph2;
    if (decode_record(once.data(), once.size(), &r2, &graph2) != DecodeError::none)
        broken("re-encoded record does not decode");
    Bytes twice;
    encode_record(r2, graph2, &twice);
    if (twice != once) broken("re-encoded record changes");
}

void fuzz_stream(const std::uint8_t *data, std::size_t size, Rng &rng)
{
    /* Mostly the defaults; sometimes limits small enough for inputs to hit. */
    std::size_t max_frame = rng.next() % 4 ? kMaxFrameSize : 1 + rng.next() % 64;
    std::size_t max_message = rng.next() % 4 ? kMaxMessageSize : rng.next() % 256;
    StreamDecoder d(max_frame, max_message);
    std::size_t most = 1 + rng.next() % 64;
    std::size_t pushed = 0;
    for (std::size_t at = 0; at < size;) {
        std::size_t n = std::min<std::size_t>(1 + rng.next() % most, size - at);
        d.push(data + at, n);
        at += n;
        pushed += n;
        Bytes message;
        while (d.next(&message)) {
            if (message.size() < kHeaderSize || message.size() > max_message) broken("message size outside limits");
            fuzz_decode(message.data(), message.size(), rng);
        }
        if (d.buffered() > pushed) broken("more bytes held than pushed");
        if (d.error() != DecodeError::none && d.buffered()) broken("bytes held after an error");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    Rng rng(data, size);
    fuzz_decode(data, size, rng);
    fuzz_record(data, size);
    fuzz_stream(data, size, rng);
    return 0;
}
