/*
 * Engine text: UTF-8 <-> UTF-16 conversion for the wire and for record ids
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

#include "utf.h"

#include <cstdint>
#include <cstring>

namespace p2pg {

namespace {

/* Decodes one code point at s[i]; returns false for malformed UTF-8. */
bool next_code_point(const std::string &s, std::size_t *i, char32_t *cp)
{
    unsigned char c = static_cast<unsigned char>(s[*i]);
    int extra;
    char32_t v;
    if (c < 0x80) { v = c; extra = 0; }
    else if ((c & 0xe0) == 0xc0) { v = c & 0x1f; extra = 1; }
    else if ((c & 0xf0) == 0xe0) { v = c & 0x0f; extra = 2; }
    else if ((c & 0xf8) == 0xf0) { v = c & 0x07; extra = 3; }
    else return false;
    if (*i + extra >= s.size() + (extra ? 0 : 1)) return false;
    for (int k = 1; k <= extra; ++k) {
        unsigned char cc = static_cast<unsigned char>(s[*i + k]);
        if ((cc & 0xc0) != 0x80) return false;
        v = (v << 6) | (cc & 0x3f);
    }
    static const char32_t min_for[] = {0, 0x80, 0x800, 0x10000};
    if (v < min_for[extra] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return false;
    *i += extra + 1;
    *cp = v;
    return true;
}

} // namespace

bool utf8_to_utf16(const std::string &in, std::u16string *out)
{
    out->clear();
    out->reserve(in.size());
    for (std::size_t i = 0; i < in.size();) {
        char32_t cp;
        if (!next_code_point(in, &i, &cp)) return false;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out->push_back(static_cast<char16_t>(0xd800 + (cp >> 10)));
            out->push_back(static_cast<char16_t>(0xdc00 + (cp & 0x3ff)));
        } else {
            out->push_back(static_cast<char16_t>(cp));
        }
    }
    return true;
}

bool utf16_to_utf8(const std::u16string &in, std::string *out)
{
    out->clear();
    out->reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        char32_t cp = in[i];
        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (i + 1 >= in.size() || in[i + 1] < 0xdc00 || in[i + 1] > 0xdfff) return false;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (in[++i] - 0xdc00);
        } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            return false;
        }
        if (cp < 0x80) {
            out->push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
            out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        } else if (cp < 0x10000) {
            out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
            out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        } else {
            out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
            out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
            out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        }
    }
    return true;
}

std::size_t ascii_prefix(const std::string &s)
{
    /* Eight bytes at a time: every record an enumeration hands out has its
     * ids and attributes measured and widened. */
    const char *p = s.data();
    std::size_t i = 0, size = s.size();
    for (; i + 8 <= size; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, p + i, 8);
        if (word & 0x8080808080808080ull) break;
    }
    while (i < size && static_cast<unsigned char>(p[i]) < 0x80) ++i;
    return i;
}

std::size_t utf16_length(const std::string &utf8)
{
    /* An ASCII run is as long in both (ids and attributes mostly are one). */
    std::size_t i = ascii_prefix(utf8);
    std::size_t n = i;
    while (i < utf8.size()) {
        char32_t cp;
        if (!next_code_point(utf8, &i, &cp)) return std::string::npos;
        n += cp >= 0x10000 ? 2 : 1;
    }
    return n;
}

} // namespace p2pg
