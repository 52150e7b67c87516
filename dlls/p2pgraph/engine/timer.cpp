/*
 * Engine timer
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

#include <algorithm>
#include <utility>

#include <event2/event.h>

#include "loop.h"
#include "timer.h"

namespace p2pg {

Timer::~Timer()
{
    stop();
}

void Timer::arm(FileTime delay)
{
    if (!loop_) return;
    if (!event_) event_ = event_new(loop_->base(), -1, 0, on_fire, this);
    if (!event_) return;
    delay = std::max<FileTime>(delay, 0);
    struct timeval tv;
    tv.tv_sec = static_cast<time_t>(delay / kSecond);
    tv.tv_usec = static_cast<suseconds_t>(delay % kSecond / 10);
    event_add(event_, &tv);
}

void Timer::arm_unless_pending(FileTime delay)
{
    if (!pending()) arm(delay);
}

bool Timer::pending() const
{
    return event_ && event_pending(event_, EV_TIMEOUT, nullptr);
}

void Timer::stop()
{
    if (event_) event_free(std::exchange(event_, nullptr));
}

void Timer::on_fire(int, short, void *arg)
{
    static_cast<Timer *>(arg)->fire_();
}

} // namespace p2pg
