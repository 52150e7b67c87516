/*
 * Unit tests: the engine's diagnostics (components, levels, the mask, P2PGRAPH_LOG)
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

#include <string>
#include <vector>

#include "cmocka_cxx.h"
#include "engine/log.h"

using namespace p2pg;

namespace {

struct Entry {
    LogComponent component;
    LogLevel level;
    std::string function;
    std::string message;
};
std::vector<Entry> entries;

void catch_log(LogComponent component, LogLevel level, const char *function, const char *message)
{
    entries.push_back({component, level, function ? function : "", message});
}

/* Each test starts with its own sink and mask; the program's own (from
 * P2PGRAPH_LOG) comes back afterwards. */
LogSink saved_sink;
LogMask saved_mask;

int setup(void **)
{
    saved_sink = log_sink();
    saved_mask = log_mask();
    entries.clear();
    return 0;
}

int teardown(void **)
{
    set_log_sink(saved_sink, saved_mask);
    return 0;
}

LogMask parse(const char *spec)
{
    LogMask mask = 0xdeadbeef;
    assert_true(parse_log_spec(spec, &mask));
    return mask;
}

LogMask every_level(LogComponent component)
{
    return log_bit(component, LogLevel::trace) | log_bit(component, LogLevel::warn) |
           log_bit(component, LogLevel::error);
}

LogMask level_everywhere(LogLevel level)
{
    LogMask mask = 0;
    for (int c = 0; c < kLogComponents; ++c) mask |= log_bit(static_cast<LogComponent>(c), level);
    return mask;
}

/* Only the enabled (component, level) pairs reach the sink, with the
 * function that wrote them and the formatted text. */
void test_component_filter(void **)
{
    set_log_sink(catch_log, log_bit(LogComponent::sync, LogLevel::trace) | log_bit(LogComponent::link, LogLevel::warn));
    P2PG_TRACE(sync, "range %d of %d", 3, 7);
    P2PG_TRACE(flood, "not shown");
    P2PG_TRACE(link, "not shown either");
    P2PG_WARN(link, "connection %llu: %s", 42ull, "refused");
    P2PG_ERR(link, "no error level for link");
    assert_int_equal(entries.size(), 2);
    assert_int_equal(static_cast<int>(entries[0].component), static_cast<int>(LogComponent::sync));
    assert_int_equal(static_cast<int>(entries[0].level), static_cast<int>(LogLevel::trace));
    assert_string_equal(entries[0].function.c_str(), "test_component_filter");
    assert_string_equal(entries[0].message.c_str(), "range 3 of 7");
    assert_int_equal(static_cast<int>(entries[1].component), static_cast<int>(LogComponent::link));
    assert_int_equal(static_cast<int>(entries[1].level), static_cast<int>(LogLevel::warn));
    assert_string_equal(entries[1].message.c_str(), "connection 42: refused");
}

void test_levels(void **)
{
    set_log_sink(catch_log, parse("store:warn+"));
    P2PG_TRACE(store, "trace");
    P2PG_WARN(store, "warn");
    P2PG_ERR(store, "error");
    P2PG_ERR(maint, "another component");
    assert_int_equal(entries.size(), 2);
    assert_int_equal(static_cast<int>(entries[0].level), static_cast<int>(LogLevel::warn));
    assert_int_equal(static_cast<int>(entries[1].level), static_cast<int>(LogLevel::error));
}

/* "Off" costs a load and a branch: the arguments are not even evaluated. */
void test_disabled_call_evaluates_nothing(void **)
{
    int evaluated = 0;
    auto argument = [&evaluated] { return ++evaluated; };
    set_log_sink(catch_log, log_bit(LogComponent::flood, LogLevel::error));
    P2PG_TRACE(flood, "%d", argument());
    P2PG_WARN(flood, "%d", argument());
    P2PG_ERR(sync, "%d", argument());
    assert_int_equal(evaluated, 0);
    P2PG_ERR(flood, "%d", argument());
    assert_int_equal(evaluated, 1);
    assert_string_equal(entries.at(0).message.c_str(), "1");

    /* No sink: nothing is on, whatever mask was asked for. */
    set_log_sink(nullptr, kLogAll);
    assert_int_equal(log_mask(), 0);
    P2PG_ERR(flood, "%d", argument());
    assert_int_equal(evaluated, 1);
    assert_int_equal(entries.size(), 1);
}

/* The calls written before components existed go to "graph". */
void test_log_message_is_graph(void **)
{
    set_log_sink(catch_log, every_level(LogComponent::graph));
    log_message(LogLevel::warn, "graph %s: %zu dropped", "g", static_cast<std::size_t>(2));
    set_log_sink(catch_log, every_level(LogComponent::link));
    log_message(LogLevel::warn, "not shown");
    assert_int_equal(entries.size(), 1);
    assert_int_equal(static_cast<int>(entries[0].component), static_cast<int>(LogComponent::graph));
    assert_string_equal(entries[0].message.c_str(), "graph g: 2 dropped");
}

/* A long message is cut, never overflows. */
void test_long_message_truncated(void **)
{
    set_log_sink(catch_log, kLogAll);
    const std::string big(5000, 'x');
    P2PG_TRACE(graph, "%s", big.c_str());
    assert_int_equal(entries.size(), 1);
    assert_true(entries[0].message.size() > 100 && entries[0].message.size() < big.size());
    assert_true(entries[0].message.find_first_not_of('x') == std::string::npos);
}

void test_parse_log_spec(void **)
{
    assert_int_equal(parse(""), 0);
    assert_int_equal(parse("all"), kLogAll);
    assert_int_equal(parse("sync,flood"), every_level(LogComponent::sync) | every_level(LogComponent::flood));
    assert_int_equal(parse("link"), every_level(LogComponent::link));
    assert_int_equal(parse("trace"), level_everywhere(LogLevel::trace));
    assert_int_equal(parse("warn+"), level_everywhere(LogLevel::warn) | level_everywhere(LogLevel::error));
    assert_int_equal(parse("error+"), level_everywhere(LogLevel::error));
    assert_int_equal(parse("trace+"), kLogAll);
    assert_int_equal(parse("all:warn"), level_everywhere(LogLevel::warn));
    assert_int_equal(parse("store:error"), log_bit(LogComponent::store, LogLevel::error));
    assert_int_equal(parse("maint:warn+"),
                     log_bit(LogComponent::maint, LogLevel::warn) | log_bit(LogComponent::maint, LogLevel::error));
    assert_int_equal(parse("link,warn+"),
                     every_level(LogComponent::link) | level_everywhere(LogLevel::warn) |
                         level_everywhere(LogLevel::error));
    assert_int_equal(parse(",graph,,"), every_level(LogComponent::graph));

    /* What is not understood is reported; the rest still counts. */
    LogMask mask;
    assert_false(parse_log_spec("sync,bogus", &mask));
    assert_int_equal(mask, every_level(LogComponent::sync));
    assert_false(parse_log_spec("link:loud", &mask));
    assert_int_equal(mask, 0);
    assert_false(parse_log_spec("Link", &mask));
    assert_false(parse_log_spec("sync:", &mask));
    assert_false(parse_log_spec("warn+:link", &mask));
    assert_false(parse_log_spec("+", &mask));
    assert_true(parse_log_spec(nullptr, &mask));
    assert_int_equal(mask, 0);
}

void test_names(void **)
{
    const char *components[] = {"graph", "link", "sync", "flood", "maint", "store"};
    for (int c = 0; c < kLogComponents; ++c) {
        assert_string_equal(log_component_name(static_cast<LogComponent>(c)), components[c]);
        LogMask mask;
        assert_true(parse_log_spec(components[c], &mask));
        assert_int_equal(mask, every_level(static_cast<LogComponent>(c)));
    }
    assert_string_equal(log_level_name(LogLevel::trace), "trace");
    assert_string_equal(log_level_name(LogLevel::warn), "warn");
    assert_string_equal(log_level_name(LogLevel::error), "error");
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_component_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disabled_call_evaluates_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_message_is_graph, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_message_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_log_spec, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
    };
    return cmocka_run_group_tests_name("log", tests, nullptr, nullptr);
}
