/*
 * Unit tests: the handle table
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

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "cmocka_cxx.h"
#include "engine/handle_table.h"

using p2pg::HandleTable;
using p2pg::Object;
using p2pg::ObjectKind;

namespace {

struct TestObject : Object {
    ObjectKind kind_;
    int tag;
    TestObject(ObjectKind k, int t) : kind_(k), tag(t) {}
    ObjectKind kind() const override { return kind_; }
};

std::shared_ptr<TestObject> make(ObjectKind kind, int tag = 0)
{
    return std::make_shared<TestObject>(kind, tag);
}

void test_insert_and_lookup(void **)
{
    HandleTable table;
    auto graph = make(ObjectKind::graph, 1);
    auto enumeration = make(ObjectKind::enumeration, 2);
    HandleTable::Handle g = table.insert(graph);
    HandleTable::Handle e = table.insert(enumeration);
    assert_true(g != 0);
    assert_true(e != 0);
    assert_true(g != e);
    assert_ptr_equal(table.lookup(g, ObjectKind::graph).get(), graph.get());
    assert_ptr_equal(table.lookup(e, ObjectKind::enumeration).get(), enumeration.get());
    assert_int_equal(table.size(), 2);
}

void test_wrong_kind_is_not_found(void **)
{
    HandleTable table;
    HandleTable::Handle g = table.insert(make(ObjectKind::graph));
    assert_null(table.lookup(g, ObjectKind::enumeration).get());
    assert_null(table.lookup(g, ObjectKind::event_registration).get());
    assert_null(table.remove(g, ObjectKind::enumeration).get());
    /* The failed remove left it alone. */
    assert_non_null(table.lookup(g, ObjectKind::graph).get());
}

void test_garbage_handles(void **)
{
    HandleTable table;
    HandleTable::Handle g = table.insert(make(ObjectKind::graph));
    const HandleTable::Handle garbage[] = {0, 1, 0xdeadbeef, ~HandleTable::Handle(0), g + 1, g - 1,
                                           g ^ 0x100, reinterpret_cast<HandleTable::Handle>(&table)};
    for (HandleTable::Handle h : garbage) {
        assert_null(table.lookup(h, ObjectKind::graph).get());
        assert_null(table.remove(h, ObjectKind::graph).get());
    }
    assert_int_equal(table.size(), 1);
}

void test_removed_handle_is_dead_and_never_reused(void **)
{
    HandleTable table;
    std::set<HandleTable::Handle> seen;
    for (int i = 0; i < 1000; ++i) {
        HandleTable::Handle h = table.insert(make(ObjectKind::enumeration, i));
        assert_true(seen.insert(h).second);
        assert_non_null(table.remove(h, ObjectKind::enumeration).get());
        assert_null(table.lookup(h, ObjectKind::enumeration).get());
        assert_null(table.remove(h, ObjectKind::enumeration).get());
    }
    assert_int_equal(table.size(), 0);
    /* Not even by another table of the same process. */
    HandleTable other;
    assert_true(seen.count(other.insert(make(ObjectKind::graph))) == 0);
}

void test_reference_outlives_close(void **)
{
    HandleTable table;
    std::weak_ptr<TestObject> watch;
    HandleTable::Handle h;
    {
        auto object = make(ObjectKind::graph, 42);
        watch = object;
        h = table.insert(object);
    }
    auto held = table.lookup_as<TestObject>(h, ObjectKind::graph);
    assert_non_null(table.remove(h, ObjectKind::graph).get());
    assert_false(watch.expired());
    assert_int_equal(held->tag, 42);
    held.reset();
    assert_true(watch.expired());
}

void test_remove_all_in_creation_order(void **)
{
    HandleTable table;
    for (int i = 0; i < 50; ++i)
        table.insert(make(i % 2 ? ObjectKind::graph : ObjectKind::enumeration, i));
    auto objects = table.remove_all();
    assert_int_equal(objects.size(), 50);
    for (int i = 0; i < 50; ++i) assert_int_equal(static_cast<TestObject &>(*objects[i]).tag, i);
    assert_int_equal(table.size(), 0);
    assert_int_equal(table.remove_all().size(), 0);
}

void test_remove_if(void **)
{
    HandleTable table;
    HandleTable::Handle keep = table.insert(make(ObjectKind::graph, 1));
    table.insert(make(ObjectKind::enumeration, 2));
    table.insert(make(ObjectKind::enumeration, 3));
    auto removed = table.remove_if([](const Object &o) { return o.kind() == ObjectKind::enumeration; });
    assert_int_equal(removed.size(), 2);
    assert_int_equal(table.size(), 1);
    assert_non_null(table.lookup(keep, ObjectKind::graph).get());
}

void test_concurrent_insert_lookup_remove(void **)
{
    HandleTable table;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) {
                HandleTable::Handle h = table.insert(make(ObjectKind::event_registration, t));
                auto found = table.lookup_as<TestObject>(h, ObjectKind::event_registration);
                if (!found || found->tag != t) ++failures;
                if (!table.remove(h, ObjectKind::event_registration)) ++failures;
            }
        });
    }
    for (auto &thread : threads) thread.join();
    assert_int_equal(failures.load(), 0);
    assert_int_equal(table.size(), 0);
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_and_lookup),
        cmocka_unit_test(test_wrong_kind_is_not_found),
        cmocka_unit_test(test_garbage_handles),
        cmocka_unit_test(test_removed_handle_is_dead_and_never_reused),
        cmocka_unit_test(test_reference_outlives_close),
        cmocka_unit_test(test_remove_all_in_creation_order),
        cmocka_unit_test(test_remove_if),
        cmocka_unit_test(test_concurrent_insert_lookup_remove),
    };
    return cmocka_run_group_tests_name("handle_table", tests, nullptr, nullptr);
}
