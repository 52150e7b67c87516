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

#include "engine/log.h"

/* Every unit test program shows the engine's diagnostics on stderr when
 * P2PGRAPH_LOG asks for them (README, Diagnostics). */
[[maybe_unused]] static const bool p2pg_log_from_environment = (p2pg::log_from_environment(), true);

#endif
