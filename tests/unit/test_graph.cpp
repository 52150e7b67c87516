/*
 * Unit tests: the engine graph's direct-connection table
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
#include "engine/graph.h"

using p2pg::DirectConnection;
using p2pg::Graph;

namespace {

struct CountingConnection : DirectConnection {
    int closes = 0;
    void close() override { ++closes; }
};

void test_unknown_connection_is_not_found(void **)
{
    Graph graph;
    assert_false(graph.close_direct_connection(1));
    assert_false(graph.close_direct_connection(0xffffffffffffffffull));
    assert_true(graph.kind() == p2pg::ObjectKind::graph);
}

void test_close_once_then_not_found(void **)
{
    Graph graph;
    auto a = std::make_shared<CountingConnection>();
    auto b = std::make_shared<CountingConnection>();
    graph.add_direct_connection(10, a);
    graph.add_direct_connection(11, b);
    assert_int_equal(graph.direct_connection_count(), 2);
    assert_true(graph.close_direct_connection(10));
    assert_int_equal(a->closes, 1);
    assert_false(graph.close_direct_connection(10));
    assert_int_equal(a->closes, 1);
    assert_int_equal(b->closes, 0);
    assert_int_equal(graph.direct_connection_count(), 1);
}

void test_graph_close_closes_every_connection(void **)
{
    Graph graph;
    std::vector<std::shared_ptr<CountingConnection>> connections;
    for (int i = 1; i <= 5; ++i) {
        connections.push_back(std::make_shared<CountingConnection>());
        graph.add_direct_connection(i, connections.back());
    }
    graph.close();
    for (auto &c : connections) assert_int_equal(c->closes, 1);
    assert_int_equal(graph.direct_connection_count(), 0);
    assert_false(graph.close_direct_connection(3));
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_connection_is_not_found),
        cmocka_unit_test(test_close_once_then_not_found),
        cmocka_unit_test(test_graph_close_closes_every_connection),
    };
    return cmocka_run_group_tests_name("graph", tests, nullptr, nullptr);
}
