/*
 * Unit tests: the engine's buffer pool
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

#include <memory>
#include <vector>

#include "cmocka_cxx.h"
#include "engine/buffer_pool.h"

using p2pg::BufferPool;

namespace {

void test_buffers_come_back(void **)
{
    BufferPool pool(100000, 300000);
    std::vector<std::uint8_t> a = pool.take(5000);
    assert_int_equal(a.capacity(), 0); /* nothing kept yet: the caller reserves */
    a.resize(5000, 1);
    const std::uint8_t *memory = a.data();
    pool.give(std::move(a));
    assert_true(pool.held() >= 5000);
    /* The same memory again, emptied. */
    std::vector<std::uint8_t> b = pool.take(4500);
    assert_ptr_equal(b.data(), memory);
    assert_int_equal(b.size(), 0);
    assert_int_equal(pool.held(), 0);
    /* The smallest that fits, and none twice as big as asked. */
    std::vector<std::uint8_t> big(90000), small(20000);
    const std::uint8_t *small_memory = small.data();
    pool.give(std::move(big));
    pool.give(std::move(small));
    std::vector<std::uint8_t> c = pool.take(15000);
    assert_ptr_equal(c.data(), small_memory);
    std::vector<std::uint8_t> d = pool.take(30000); /* only the 90000 is left: too big */
    assert_int_equal(d.capacity(), 0);
    std::vector<std::uint8_t> e = pool.take(50000);
    assert_int_equal(e.capacity(), 90000);
}

void test_bounds(void **)
{
    BufferPool pool(10000, 25000);
    pool.give(std::vector<std::uint8_t>(10001)); /* too big to keep */
    assert_int_equal(pool.held(), 0);
    pool.give(std::vector<std::uint8_t>(BufferPool::kMinBuffer - 1)); /* too small to bother */
    assert_int_equal(pool.held(), 0);
    assert_int_equal(pool.take(100).capacity(), 0);
    for (int i = 0; i < 5; ++i) pool.give(std::vector<std::uint8_t>(10000));
    assert_int_equal(pool.held(), 20000); /* a third would pass 25000 */
    BufferPool many(1u << 20, 64u << 20);
    for (std::size_t i = 0; i < BufferPool::kMaxBuffers + 10; ++i)
        many.give(std::vector<std::uint8_t>(BufferPool::kMinBuffer));
    assert_int_equal(many.held(), BufferPool::kMinBuffer * BufferPool::kMaxBuffers);
}

void test_shared_buffer_comes_back_when_let_go(void **)
{
    auto pool = std::make_shared<BufferPool>(100000, 300000);
    std::vector<std::uint8_t> message(8000, 9);
    auto shared = BufferPool::share(pool, std::move(message));
    auto second = shared;
    shared.reset();
    assert_int_equal(pool->held(), 0);
    assert_int_equal(second->size(), 8000);
    second.reset();
    assert_true(pool->held() >= 8000);
    /* Without a pool it is simply freed. */
    auto alone = BufferPool::share(nullptr, std::vector<std::uint8_t>(10));
    alone.reset();
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buffers_come_back),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_shared_buffer_comes_back_when_let_go),
    };
    return cmocka_run_group_tests_name("buffer_pool", tests, nullptr, nullptr);
}
