/*
 * Engine diagnostics: one sink the face routes to its debug channel
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

#ifndef P2PG_ENGINE_LOG_H
#define P2PG_ENGINE_LOG_H

namespace p2pg {

/* The engine says what it decided where nobody asked (a record dropped, a
 * peer refused); the face passes it on to Wine's debug channel, unit tests
 * may catch it.  Without a sink nothing is written. */
enum class LogLevel { trace, warn, error };
using LogSink = void (*)(LogLevel level, const char *message);

/* Any thread; the sink must be callable from any thread. */
void set_log_sink(LogSink sink);
bool log_enabled();
void log_message(LogLevel level, const char *format, ...) __attribute__((format(printf, 2, 3)));

} // namespace p2pg

#endif
