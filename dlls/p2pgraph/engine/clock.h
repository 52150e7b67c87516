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

#ifndef P2PG_ENGINE_CLOCK_H
#define P2PG_ENGINE_CLOCK_H

#include <atomic>

#include "record.h"

namespace p2pg {

/* Where the engine reads the time.  Peer time is derived from it with the
 * graph's Peer Time Delta (MS-PPGRH 3.1.1); tests inject a ManualClock. */
class Clock {
public:
    virtual ~Clock() = default;
    /* Current UTC as a FILETIME value. */
    virtual FileTime now_utc() const = 0;
};

class SystemClock : public Clock {
public:
    FileTime now_utc() const override;
    static const SystemClock &instance();
};

class ManualClock : public Clock {
public:
    explicit ManualClock(FileTime start) : now_(start) {}
    FileTime now_utc() const override { return now_.load(); }
    void set(FileTime t) { now_.store(t); }
    void advance(FileTime ticks) { now_.fetch_add(ticks); }

private:
    std::atomic<FileTime> now_;
};

} // namespace p2pg

#endif
