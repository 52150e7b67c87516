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

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace p2pg {

namespace {

std::atomic<LogSink> sink{nullptr};

const char *const kComponentNames[kLogComponents] = {"graph", "link", "sync", "flood", "maint", "store"};
const char *const kLevelNames[kLogLevels] = {"trace", "warn", "error"};

/* Every component's bits for level, and for the levels above it when or_more. */
LogMask level_bits(int level, bool or_more)
{
    const int last = or_more ? kLogLevels - 1 : level;
    LogMask mask = 0;
    for (int c = 0; c < kLogComponents; ++c)
        for (int l = level; l <= last; ++l) mask |= log_bit(static_cast<LogComponent>(c), static_cast<LogLevel>(l));
    return mask;
}

/* Every level of one component: its bits are adjacent. */
LogMask component_bits(int component)
{
    return ((LogMask{1} << kLogLevels) - 1) << (component * kLogLevels);
}

int find_name(const char *const *names, int count, const std::string &word)
{
    for (int i = 0; i < count; ++i)
        if (word == names[i]) return i;
    return -1;
}

/* "warn" or "warn+": the level's bits, for every component. */
bool parse_level(std::string word, LogMask *bits)
{
    const bool or_more = !word.empty() && word.back() == '+';
    if (or_more) word.pop_back();
    const int level = find_name(kLevelNames, kLogLevels, word);
    if (level < 0) return false;
    *bits = level_bits(level, or_more);
    return true;
}

bool parse_word(const std::string &word, LogMask *bits)
{
    const std::size_t colon = word.find(':');
    const std::string name = word.substr(0, colon);
    LogMask components;
    if (name == "all") {
        components = kLogAll;
    } else {
        const int component = find_name(kComponentNames, kLogComponents, name);
        if (component < 0) return colon == std::string::npos && parse_level(word, bits);
        components = component_bits(component);
    }
    LogMask levels = kLogAll;
    if (colon != std::string::npos && !parse_level(word.substr(colon + 1), &levels)) return false;
    *bits = components & levels;
    return true;
}

void print_on_stderr(LogComponent component, LogLevel level, const char *function, const char *message)
{
    /* One call, so that lines from several threads do not interleave. */
    std::fprintf(stderr, "p2pgraph:%s:%s:%s %s\n", log_level_name(level), log_component_name(component),
                 function ? function : "", message);
}

void vlog(LogComponent component, LogLevel level, const char *function, const char *format, va_list args)
{
    LogSink to = sink.load();
    if (!to) return;
    char message[512];
    std::vsnprintf(message, sizeof(message), format, args);
    to(component, level, function, message);
}

} // namespace

void set_log_sink(LogSink new_sink, LogMask mask)
{
    /* Off before the sink goes, on after it came: a message racing with
     * this finds a sink or is dropped. */
    detail::log_enabled_mask.store(0);
    sink.store(new_sink);
    if (new_sink) detail::log_enabled_mask.store(mask & kLogAll);
}

LogSink log_sink()
{
    return sink.load();
}

LogMask log_mask()
{
    return detail::log_enabled_mask.load();
}

const char *log_component_name(LogComponent component)
{
    const int i = static_cast<int>(component);
    return i >= 0 && i < kLogComponents ? kComponentNames[i] : "?";
}

const char *log_level_name(LogLevel level)
{
    const int i = static_cast<int>(level);
    return i >= 0 && i < kLogLevels ? kLevelNames[i] : "?";
}

bool parse_log_spec(const char *spec, LogMask *mask)
{
    *mask = 0;
    bool understood = true;
    const char *p = spec ? spec : "";
    while (*p) {
        const char *end = std::strchr(p, ',');
        if (!end) end = p + std::strlen(p);
        const std::string word(p, end);
        LogMask bits = 0;
        if (!word.empty() && !parse_word(word, &bits)) understood = false;
        *mask |= bits;
        p = *end ? end + 1 : end;
    }
    return understood;
}

void log_from_environment()
{
    static std::once_flag once;
    std::call_once(once, [] {
        const char *spec = std::getenv("P2PGRAPH_LOG");
        if (!spec || !*spec) return;
        LogMask mask;
        if (!parse_log_spec(spec, &mask))
            std::fprintf(stderr, "p2pgraph: P2PGRAPH_LOG=%s: not understood in part (components: graph, link, sync, "
                                 "flood, maint, store, all; levels: trace, warn, error, with + for more severe)\n",
                         spec);
        if (mask) set_log_sink(print_on_stderr, mask);
    });
}

void log_write(LogComponent component, LogLevel level, const char *function, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vlog(component, level, function, format, args);
    va_end(args);
}

void log_message(LogLevel level, const char *format, ...)
{
    if (!log_on(LogComponent::graph, level)) return;
    va_list args;
    va_start(args, format);
    vlog(LogComponent::graph, level, nullptr, format, args);
    va_end(args);
}

} // namespace p2pg
