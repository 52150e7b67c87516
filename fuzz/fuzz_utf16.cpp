/*
 * Fuzz target: counted UTF-16 strings (ByteReader::counted_utf16) and the UTF-8/UTF-16 conversions
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
 * Every id, name and attribute text of the internal payloads is a counted
 * UTF-16 string, and every string crosses between UTF-8 (engine) and UTF-16
 * (wire, Win32).  The input's first byte picks the bounds of one of the
 * real callers; the rest is read as counted strings one after another until
 * one fails.  A string read must be exactly what its bytes say: written
 * back it gives the same bytes, and its length in UTF-16 units is the count
 * less the NUL.  The whole input is also converted as UTF-8 and as UTF-16:
 * what converts must convert back unchanged, and utf16_length must agree
 * with the conversion.
 */

#include <string>

#include "engine/bytes.h"
#include "engine/utf.h"
#include "support.h"

using namespace p2pg;

namespace {

const char kTarget[] = "fuzz_utf16";

struct Bounds {
    std::uint32_t min, max;
};

/* The (min, max) the decoders pass: graph ids, friendly name, comment,
 * node attributes, and no bound at all. */
const Bounds kBounds[] = {{2, 256}, {0, 256}, {0, 512}, {0, 100001}, {0, 0xffffffff}, {1, 0xffffffff}};

void fuzz_counted(const std::uint8_t *data, std::size_t size)
{
    if (!size) return;
    const Bounds bounds = kBounds[data[0] % (sizeof(kBounds) / sizeof(kBounds[0]))];
    ByteReader r(data + 1, size - 1);
    for (;;) {
        const std::size_t before = r.left();
        const std::uint8_t *start = data + 1 + (size - 1 - before);
        std::string text;
        if (!r.counted_utf16(bounds.min, bounds.max, &text)) return;
        const std::size_t used = before - r.left();
        if (used < 4 || (used - 4) % 2) fuzz::broken(kTarget, "a read used a count of bytes no string has");
        const std::size_t chars = (used - 4) / 2;
        if (chars < bounds.min || chars > bounds.max) fuzz::broken(kTarget, "a string outside its bounds was read");
        const std::size_t length = utf16_length(text);
        if (length == std::string::npos) fuzz::broken(kTarget, "a string read is not UTF-8");
        if (chars == 0) {
            if (!text.empty()) fuzz::broken(kTarget, "count 0 is not the empty string");
            continue;
        }
        if (length + 1 != chars) fuzz::broken(kTarget, "length differs from the count");
        fuzz::Bytes again;
        ByteWriter(&again).counted_utf16(text, false);
        if (again != fuzz::Bytes(start, start + used)) fuzz::broken(kTarget, "a string read does not write back the same");
    }
}

void fuzz_conversions(const std::uint8_t *data, std::size_t size)
{
    const std::string utf8(reinterpret_cast<const char *>(data), size);
    std::u16string wide;
    const bool ok = utf8_to_utf16(utf8, &wide);
    const std::size_t length = utf16_length(utf8);
    if (ok != (length != std::string::npos)) fuzz::broken(kTarget, "utf16_length and utf8_to_utf16 disagree on validity");
    if (ok) {
        if (length != wide.size()) fuzz::broken(kTarget, "utf16_length differs from the conversion");
        std::string back;
        if (!utf16_to_utf8(wide, &back) || back != utf8) fuzz::broken(kTarget, "UTF-8 does not come back");
    }

    std::u16string units;
    for (std::size_t i = 0; i + 1 < size; i += 2) units.push_back(static_cast<char16_t>(data[i] << 8 | data[i + 1]));
    std::string narrow;
    if (utf16_to_utf8(units, &narrow)) {
        std::u16string back;
        if (!utf8_to_utf16(narrow, &back) || back != units) fuzz::broken(kTarget, "UTF-16 does not come back");
        if (utf16_length(narrow) != units.size()) fuzz::broken(kTarget, "utf16_length differs from the UTF-16");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    fuzz_counted(data, size);
    fuzz_conversions(data, size);
    return 0;
}
