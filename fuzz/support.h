/*
 * Fuzz targets: what every target shares (a deterministic generator, failing loudly)
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

#ifndef P2PG_FUZZ_SUPPORT_H
#define P2PG_FUZZ_SUPPORT_H

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace fuzz {

using Bytes = std::vector<std::uint8_t>;

/* xorshift64 seeded from the input: choices a target makes (chunk sizes,
 * frame sizes) are the same every time an input runs, so a crash replays. */
struct Rng {
    std::uint64_t state;
    Rng(const std::uint8_t *data, std::size_t size) : state(0x9e3779b97f4a7c15ull ^ size)
    {
        for (std::size_t i = 0; i < std::min<std::size_t>(size, 16); ++i) state = (state ^ data[i]) * 0x100000001b3ull;
        if (!state) state = 1;
    }
    std::uint64_t next()
    {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    }
    /* Uniform enough in [0, n) for choosing; n > 0. */
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};

/* An invariant does not hold: abort, so that libFuzzer (or the replay
 * driver) keeps the input. */
[[noreturn]] inline void broken(const char *target, const char *what)
{
    std::fprintf(stderr, "%s: %s\n", target, what);
    std::abort();
}

} // namespace fuzz

#endif
