/*
 * Engine byte order: every multi-byte field of the wire format and of internal payloads
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

#include "bytes.h"
#include "utf.h"

#include <cstring>

namespace p2pg {

void ByteWriter::put(std::uint64_t v, int n)
{
    for (int i = 0; i < n; ++i) {
        int shift = kWireBigEndian ? 8 * (n - 1 - i) : 8 * i;
        out_->push_back(static_cast<std::uint8_t>(v >> shift));
    }
}

void ByteWriter::bytes(const void *data, std::size_t size)
{
    const std::uint8_t *p = static_cast<const std::uint8_t *>(data);
    out_->insert(out_->end(), p, p + size);
}

std::uint32_t ByteWriter::utf16z(const std::u16string &s)
{
    for (char16_t c : s) u16(c);
    u16(0);
    return static_cast<std::uint32_t>(s.size() + 1);
}

void ByteWriter::patch_u32(std::size_t offset, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i) {
        int shift = kWireBigEndian ? 8 * (3 - i) : 8 * i;
        (*out_)[offset + i] = static_cast<std::uint8_t>(v >> shift);
    }
}

std::uint64_t ByteReader::get(int n)
{
    if (!ok_ || left_ < static_cast<std::size_t>(n)) {
        ok_ = false;
        return 0;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) {
        int shift = kWireBigEndian ? 8 * (n - 1 - i) : 8 * i;
        v |= static_cast<std::uint64_t>(p_[i]) << shift;
    }
    p_ += n;
    left_ -= n;
    return v;
}

bool ByteReader::bytes(void *out, std::size_t size)
{
    const std::uint8_t *p = skip(size);
    if (!p) return false;
    std::memcpy(out, p, size);
    return true;
}

const std::uint8_t *ByteReader::skip(std::size_t size)
{
    if (!ok_ || left_ < size) {
        ok_ = false;
        return nullptr;
    }
    const std::uint8_t *p = p_;
    p_ += size;
    left_ -= size;
    return p;
}

bool ByteReader::utf16z(std::uint32_t chars, std::u16string *out)
{
    if (chars == 0 || left_ / 2 < chars) {
        ok_ = false;
        return false;
    }
    out->clear();
    out->reserve(chars - 1);
    for (std::uint32_t i = 0; i + 1 < chars; ++i) out->push_back(static_cast<char16_t>(u16()));
    if (u16() != 0) ok_ = false;
    return ok_;
}

void ByteWriter::counted_utf16(const std::string &utf8, bool optional)
{
    std::u16string wide;
    if (!utf8_to_utf16(utf8, &wide)) wide.clear();
    if (optional && wide.empty()) {
        u32(0);
        return;
    }
    u32(static_cast<std::uint32_t>(wide.size() + 1));
    utf16z(wide);
}

bool ByteReader::counted_utf16(std::uint32_t min, std::uint32_t max, std::string *out)
{
    std::uint32_t chars = u32();
    if (!ok_ || chars < min || chars > max) return false;
    if (chars == 0) {
        out->clear();
        return true;
    }
    std::u16string wide;
    return utf16z(chars, &wide) && wide.find(u'\0') == std::u16string::npos && utf16_to_utf8(wide, out);
}

} // namespace p2pg
