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

#ifndef P2PG_ENGINE_UTF_H
#define P2PG_ENGINE_UTF_H

#include <string>

namespace p2pg {

/* Both return false on malformed input (bad UTF-8, lone surrogates) and
 * leave *out unspecified. */
bool utf8_to_utf16(const std::string &in, std::u16string *out);
bool utf16_to_utf8(const std::u16string &in, std::string *out);

/* Length in UTF-16 units of a valid UTF-8 string (what Windows counts as
 * characters), or std::string::npos when it is not valid UTF-8. */
std::size_t utf16_length(const std::string &utf8);
/* The length of the ASCII run that s starts with (as long in UTF-16). */
std::size_t ascii_prefix(const std::string &s);

} // namespace p2pg

#endif
