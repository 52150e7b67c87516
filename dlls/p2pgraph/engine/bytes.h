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

#ifndef P2PG_ENGINE_BYTES_H
#define P2PG_ENGINE_BYTES_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace p2pg {

/* MS-PPGRH 2.2 says numbers travel in network byte order.  Nobody here has
 * a capture of a Windows peer to confirm it, so the choice lives in this one
 * place: flip kWireBigEndian and every encoder and decoder follows. */
constexpr bool kWireBigEndian = true;

/* Appends to a byte buffer. */
class ByteWriter {
public:
    explicit ByteWriter(std::vector<std::uint8_t> *out) : out_(out) {}
    void u8(std::uint8_t v) { out_->push_back(v); }
    void u16(std::uint16_t v) { put(v, 2); }
    void u32(std::uint32_t v) { put(v, 4); }
    void u64(std::uint64_t v) { put(v, 8); }
    void bytes(const void *data, std::size_t size);
    /* A UTF-16 string as wire characters (each in wire order) plus NUL;
     * returns the number of characters written, NUL included. */
    std::uint32_t utf16z(const std::u16string &s);
    /* A counted string as MS-PPGRH records and internal payloads carry
     * them: length in UTF-16 units with the NUL, then the units; an empty
     * optional string is length 0 and nothing else.  utf8 must be valid
     * (anything else is written as the empty string). */
    void counted_utf16(const std::string &utf8, bool optional);
    std::size_t size() const { return out_->size(); }
    /* Overwrites a u32 written earlier (e.g. a size field). */
    void patch_u32(std::size_t offset, std::uint32_t v);

private:
    void put(std::uint64_t v, int n);
    std::vector<std::uint8_t> *out_;
};

/* Reads from a byte buffer; every read is bounds-checked and a failed read
 * makes ok() false for good, so a decoder checks once at the end. */
class ByteReader {
public:
    ByteReader(const std::uint8_t *data, std::size_t size) : p_(data), left_(size) {}
    std::uint8_t u8() { return static_cast<std::uint8_t>(get(1)); }
    std::uint16_t u16() { return static_cast<std::uint16_t>(get(2)); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(get(4)); }
    std::uint64_t u64() { return get(8); }
    bool bytes(void *out, std::size_t size);
    const std::uint8_t *skip(std::size_t size);
    /* chars UTF-16 units including a terminating NUL, which must be there. */
    bool utf16z(std::uint32_t chars, std::u16string *out);
    /* Reads what counted_utf16() writes: a length in [min, max] (0, when
     * min allows it, is the empty string), then units that are valid
     * UTF-16 and end with their only NUL. */
    bool counted_utf16(std::uint32_t min, std::uint32_t max, std::string *out);
    std::size_t left() const { return left_; }
    bool ok() const { return ok_; }

private:
    std::uint64_t get(int n);
    const std::uint8_t *p_;
    std::size_t left_;
    bool ok_ = true;
};

} // namespace p2pg

#endif
