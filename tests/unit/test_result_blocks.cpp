/*
 * Unit tests: result blocks behind PeerGraphFreeData
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
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "cmocka_cxx.h"
#include "engine/result_blocks.h"

using p2pg::ResultBlocks;

namespace {

void test_allocate_is_zeroed_and_aligned(void **)
{
    ResultBlocks blocks;
    for (std::size_t size : {1u, 7u, 64u, 4096u, 100000u}) {
        auto *p = static_cast<unsigned char *>(blocks.allocate(size));
        assert_non_null(p);
        assert_int_equal(reinterpret_cast<std::uintptr_t>(p) % 16, 0);
        for (std::size_t i = 0; i < size; ++i) assert_int_equal(p[i], 0);
        std::memset(p, 0xab, size);
    }
    assert_int_equal(blocks.outstanding(), 5);
}

/* What a block points into lives as long as the block, and no longer. */
void test_block_keeps_what_it_points_into(void **)
{
    ResultBlocks blocks;
    auto message = std::make_shared<const std::vector<unsigned char>>(100, 7);
    std::weak_ptr<const std::vector<unsigned char>> watch = message;
    void *p = blocks.allocate(48, message);
    assert_non_null(p);
    message.reset();
    assert_false(watch.expired());
    assert_false(blocks.release(&watch)); /* not a block: nothing let go */
    assert_false(watch.expired());
    assert_true(blocks.release(p));
    assert_true(watch.expired());
}

void test_release_only_what_was_handed_out(void **)
{
    ResultBlocks blocks;
    void *p = blocks.allocate(32);
    int local = 0;
    assert_false(blocks.release(nullptr));
    assert_false(blocks.release(&local));
    assert_false(blocks.release(static_cast<char *>(p) + 1));
    assert_int_equal(blocks.outstanding(), 1);
    assert_true(blocks.release(p));
    /* A second free of the same block is refused, not a double free. */
    assert_false(blocks.release(p));
    assert_int_equal(blocks.outstanding(), 0);
}

void test_zero_and_absurd_sizes(void **)
{
    ResultBlocks blocks;
    void *p = blocks.allocate(0);
    assert_non_null(p);
    assert_true(blocks.release(p));
    assert_null(blocks.allocate(std::size_t(-1)));
    assert_null(blocks.allocate(std::size_t(-1) / 2));
    assert_int_equal(blocks.outstanding(), 0);
}

void test_concurrent_allocate_release(void **)
{
    ResultBlocks blocks;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 2000; ++i) {
                void *p = blocks.allocate(64 + i % 128);
                if (!p || !blocks.release(p)) ++failures;
            }
        });
    }
    for (auto &thread : threads) thread.join();
    assert_int_equal(failures.load(), 0);
    assert_int_equal(blocks.outstanding(), 0);
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allocate_is_zeroed_and_aligned),
        cmocka_unit_test(test_block_keeps_what_it_points_into),
        cmocka_unit_test(test_release_only_what_was_handed_out),
        cmocka_unit_test(test_zero_and_absurd_sizes),
        cmocka_unit_test(test_concurrent_allocate_release),
    };
    return cmocka_run_group_tests_name("result_blocks", tests, nullptr, nullptr);
}
