/*
 * Engine diagnostics: components and levels, one sink the face routes to Wine debug channels
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

#include <atomic>
#include <cstdint>

namespace p2pg {

/* The engine says what it decided where nobody asked (a record dropped, a
 * peer refused, a link closed and why).  Each message belongs to one
 * component, a concern of MS-PPGRH, and has a level; a sink receives the
 * ones its mask enables.  The face routes them to Wine debug channels
 * (p2pgraph for graph, p2pgraph_link for link, ...); native programs may
 * print them on stderr (log_from_environment).  Without a sink nothing is
 * formatted: a disabled message costs one relaxed load and a branch, and
 * its arguments are not evaluated. */
enum class LogComponent {
    graph, /* the graph as a whole: open, database contents, quotas */
    link,  /* connections: accept, handshake, refusals, protocol errors, close */
    sync,  /* synchronization with a new neighbor */
    flood, /* flooding and ACKs of records */
    maint, /* maintenance: contacts, partitions, neighbor choice */
    store, /* the SQLite database */
};
constexpr int kLogComponents = 6;
enum class LogLevel { trace, warn, error };
constexpr int kLogLevels = 3;

/* One bit per (component, level). */
using LogMask = std::uint32_t;
constexpr LogMask log_bit(LogComponent component, LogLevel level)
{
    return LogMask{1} << (static_cast<int>(component) * kLogLevels + static_cast<int>(level));
}
constexpr LogMask kLogAll = (LogMask{1} << (kLogComponents * kLogLevels)) - 1;

/* function is where the message was written (__func__), or null. */
using LogSink = void (*)(LogComponent component, LogLevel level, const char *function, const char *message);

/* Any thread; the sink must be callable from any thread.  Messages the
 * mask enables go to sink; a null sink turns every message off. */
void set_log_sink(LogSink sink, LogMask mask);
LogSink log_sink();
LogMask log_mask();

/* "graph", "link", ...; "trace", "warn", "error". */
const char *log_component_name(LogComponent component);
const char *log_level_name(LogLevel level);

/* Parses a P2PGRAPH_LOG value: words separated by commas, each a
 * component name or "all" (every level of it), a level ("trace", "warn",
 * "error"; that level of every component), or COMPONENT:LEVEL; a level
 * followed by '+' includes the more severe ones.  Examples: "sync,flood",
 * "all", "warn+", "link,store:error".  False when a word is not understood
 * (*mask then holds the words that were). */
bool parse_log_spec(const char *spec, LogMask *mask);

/* For native programs (unit tests, bench/engine-simulate): reads
 * P2PGRAPH_LOG once and, when it enables anything, prints those messages
 * on stderr.  Later calls do nothing; a sink set later replaces it.  The
 * DLL never calls it: under Wine, WINEDEBUG decides. */
void log_from_environment();

namespace detail {
inline std::atomic<LogMask> log_enabled_mask{0};
}

inline bool log_on(LogComponent component, LogLevel level)
{
    return detail::log_enabled_mask.load(std::memory_order_relaxed) & log_bit(component, level);
}

/* Formats and hands a message to the sink; use the macros below, which
 * check the mask first. */
void log_write(LogComponent component, LogLevel level, const char *function, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* The general component, for code written before components existed. */
void log_message(LogLevel level, const char *format, ...) __attribute__((format(printf, 2, 3)));

} // namespace p2pg

/* P2PG_TRACE(link, "connection %llu: ...", ...): the component is one of
 * LogComponent's names.  Nothing after the mask test runs when the
 * message is off. */
#define P2PG_LOG(component, level, ...)                                                                         \
    do {                                                                                                        \
        if (__builtin_expect(::p2pg::log_on(::p2pg::LogComponent::component, ::p2pg::LogLevel::level), 0))      \
            ::p2pg::log_write(::p2pg::LogComponent::component, ::p2pg::LogLevel::level, __func__, __VA_ARGS__); \
    } while (0)
#define P2PG_TRACE(component, ...) P2PG_LOG(component, trace, __VA_ARGS__)
#define P2PG_WARN(component, ...) P2PG_LOG(component, warn, __VA_ARGS__)
#define P2PG_ERR(component, ...) P2PG_LOG(component, error, __VA_ARGS__)

#endif
