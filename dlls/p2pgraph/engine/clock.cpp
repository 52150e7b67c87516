/*
 * Engine clock: the UTC time source, replaceable in tests
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

#include "clock.h"

#include <ctime>

namespace p2pg {

namespace {

/* Seconds from 1601-01-01 (FILETIME's epoch) to 1970-01-01. */
constexpr FileTime kUnixEpochSeconds = 11644473600LL;

} // namespace

FileTime SystemClock::now_utc() const
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (static_cast<FileTime>(ts.tv_sec) + kUnixEpochSeconds) * kTicksPerSecond + ts.tv_nsec / 100;
}

const SystemClock &SystemClock::instance()
{
    static const SystemClock clock;
    return clock;
}

} // namespace p2pg
