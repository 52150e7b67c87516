/*
 * Unit tests: event registrations (filters, signalling, back-pressure marks)
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

#include "cmocka_cxx.h"
#include "engine/events.h"

using namespace p2pg;

namespace {

GraphEvent record_event(std::uint8_t type)
{
    GraphEvent e;
    e.type = EventType::record_changed;
    e.record_type.bytes[0] = type;
    return e;
}

void test_filters(void **)
{
    Guid one;
    one.bytes[0] = 1;
    EventRegistration r({{EventType::record_changed, one}, {EventType::status_changed, std::nullopt}}, nullptr);
    assert_true(r.offer(record_event(1)));
    assert_false(r.offer(record_event(2)));
    GraphEvent status;
    status.type = EventType::status_changed;
    assert_true(r.offer(status));
    GraphEvent property;
    property.type = EventType::property_changed;
    assert_false(r.offer(property));
    assert_int_equal(r.pending(), 2);
    assert_true(r.wants_type(EventType::status_changed));
    assert_false(r.wants_type(EventType::direct_connection));
}

void test_signal_once_per_drain(void **)
{
    int signals = 0;
    EventRegistration r({{EventType::record_changed, std::nullopt}}, [&signals] { ++signals; });
    /* The first event signals; more before the application looks do not. */
    for (int i = 0; i < 10; ++i) r.offer(record_event(1));
    assert_int_equal(signals, 1);
    /* Once it asked (even if it did not drain), the next event signals. */
    assert_true(r.pop().has_value());
    r.offer(record_event(1));
    assert_int_equal(signals, 2);
    while (r.pop()) {
    }
    r.offer(record_event(1));
    assert_int_equal(signals, 3);
    /* Asking on an empty queue counts too. */
    r.pop();
    r.pop();
    r.offer(record_event(1));
    assert_int_equal(signals, 4);
}

/* A signal held back is owed once, however many events follow before the
 * owner sends it; sending it is the owner's call. */
void test_signal_held_for_the_owner(void **)
{
    int signals = 0;
    EventRegistration r({{EventType::record_changed, std::nullopt}}, [&signals] { ++signals; });
    assert_true(r.offer_holding_signal(record_event(1)) == EventRegistration::Offered::signal_owed);
    for (int i = 0; i < 5; ++i)
        assert_true(r.offer_holding_signal(record_event(1)) == EventRegistration::Offered::queued);
    assert_int_equal(signals, 0);
    r.signal();
    assert_int_equal(signals, 1);
    GraphEvent status;
    status.type = EventType::status_changed;
    assert_true(r.offer_holding_signal(status) == EventRegistration::Offered::refused);
    assert_int_equal(r.pending(), 6);
    /* After the application asked, the next event owes a signal again. */
    assert_true(r.pop().has_value());
    assert_true(r.offer_holding_signal(record_event(1)) == EventRegistration::Offered::signal_owed);
    assert_int_equal(signals, 1);
}

void test_data_marks(void **)
{
    EventRegistration r({{EventType::incoming_data, std::nullopt}}, nullptr);
    GraphEvent e;
    e.type = EventType::incoming_data;
    e.data = std::make_shared<const std::vector<std::uint8_t>>(1u << 20);
    assert_true(r.drained());
    for (int i = 0; i < 40; ++i) r.offer(e);
    assert_int_equal(r.pending_bytes(), 40u << 20);
    assert_true(r.congested());
    assert_false(r.drained());
    while (r.pending_bytes() >= EventRegistration::kLowPendingBytes) r.pop();
    assert_false(r.congested());
    assert_true(r.drained());
}

void test_queue_bound_drops_oldest(void **)
{
    EventRegistration r({{EventType::record_changed, std::nullopt}}, nullptr);
    for (std::size_t i = 0; i < EventRegistration::kMaxPending + 10; ++i) {
        GraphEvent e = record_event(1);
        e.record_id.bytes[0] = static_cast<std::uint8_t>(i);
        e.record_id.bytes[1] = static_cast<std::uint8_t>(i >> 8);
        e.record_id.bytes[2] = static_cast<std::uint8_t>(i >> 16);
        r.offer(e);
    }
    assert_int_equal(r.pending(), EventRegistration::kMaxPending);
    assert_int_equal(r.dropped(), 10);
    auto first = r.pop();
    assert_int_equal(first->record_id.bytes[0], 10);
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_signal_once_per_drain),
        cmocka_unit_test(test_signal_held_for_the_owner),
        cmocka_unit_test(test_data_marks),
        cmocka_unit_test(test_queue_bound_drops_oldest),
    };
    return cmocka_run_group_tests_name("events", tests, nullptr, nullptr);
}
