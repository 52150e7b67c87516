/*
 * Engine timer: a one-shot timer on the loop
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

#ifndef P2PG_ENGINE_TIMER_H
#define P2PG_ENGINE_TIMER_H

#include <functional>

#include "clock.h"

struct event;

namespace p2pg {

class Loop;

/* A one-shot timer on a loop (none in unit tests that drive time by
 * hand: then arming does nothing).  Loop thread only; the callback runs
 * there and may arm the timer again. */
class Timer {
public:
    Timer(Loop *loop, std::function<void()> fire) : loop_(loop), fire_(std::move(fire)) {}
    ~Timer();
    Timer(const Timer &) = delete;
    Timer &operator=(const Timer &) = delete;

    /* Fires once after delay (FILETIME ticks; negative is now); an armed
     * timer moves to the new time. */
    void arm(FileTime delay);
    /* arm(), unless the timer is armed already (it keeps its time). */
    void arm_unless_pending(FileTime delay);
    bool pending() const;
    /* Never fires again (until armed again). */
    void stop();

private:
    static void on_fire(int, short, void *arg);

    Loop *loop_;
    std::function<void()> fire_;
    struct event *event_ = nullptr;
};

} // namespace p2pg

#endif
