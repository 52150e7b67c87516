/*
 * Unit tests: shared helpers for the CMocka engine tests
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

#ifndef P2PG_TESTS_UNIT_CMOCKA_CXX_H
#define P2PG_TESTS_UNIT_CMOCKA_CXX_H

/* cmocka.h needs these before it. */
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <csetjmp>
extern "C" {
#include <cmocka.h>
}

#include <cstdio>
#include <vector>

#include "engine/record.h"

/* Bytes written out as hex pairs, spaces between them ignored: " 00 17 fe dc". */
inline std::vector<std::uint8_t> hex(const char *text)
{
    std::vector<std::uint8_t> out;
    for (const char *p = text; *p;) {
        if (*p == ' ') {
            ++p;
            continue;
        }
        unsigned v;
        if (std::sscanf(p, "%2x", &v) != 1) fail_msg("bad hex at '%s'", p);
        out.push_back(static_cast<std::uint8_t>(v));
        p += 2;
    }
    return out;
}

/* A GUID from its text, "{00112233-4455-6677-8899-aabbccddeeff}". */
inline p2pg::Guid guid(const char *text)
{
    p2pg::Guid g;
    if (!p2pg::Guid::parse(text, &g)) fail_msg("bad guid %s", text);
    return g;
}

#include "engine/log.h"

/* Every unit test program shows the engine's diagnostics on stderr when
 * P2PGRAPH_LOG asks for them (README, Diagnostics). */
[[maybe_unused]] static const bool p2pg_log_from_environment = (p2pg::log_from_environment(), true);

#endif
