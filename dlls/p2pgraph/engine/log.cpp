/*
 * Engine diagnostics
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

#include "log.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>

namespace p2pg {

namespace {

std::atomic<LogSink> sink{nullptr};

} // namespace

void set_log_sink(LogSink new_sink)
{
    sink.store(new_sink);
}

bool log_enabled()
{
    return sink.load() != nullptr;
}

void log_message(LogLevel level, const char *format, ...)
{
    LogSink to = sink.load();
    if (!to) return;
    char message[512];
    va_list args;
    va_start(args, format);
    std::vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    to(level, message);
}

} // namespace p2pg
