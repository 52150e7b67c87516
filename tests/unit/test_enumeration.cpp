/*
 * Unit tests: enumerations and the packing of their results
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
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cmocka_cxx.h"
#include "engine/enumeration.h"

using p2pg::EnumItem;
using p2pg::Enumeration;
using p2pg::Record;

namespace {

/* Records told apart by their creator. */
std::vector<std::shared_ptr<const EnumItem>> make_items(int n)
{
    std::vector<Record> records(n);
    for (int i = 0; i < n; ++i) records[i].creator_id = "item-" + std::to_string(i);
    std::vector<std::shared_ptr<const EnumItem>> items;
    for (Record &r : records) items.push_back(std::make_shared<const EnumItem>(std::move(r)));
    return items;
}

const std::string &text_of(const std::shared_ptr<const EnumItem> &item)
{
    return std::get<Record>(*item).creator_id;
}

void test_count_and_cursor(void **)
{
    Enumeration e(make_items(7));
    assert_int_equal(e.item_count(), 7);
    auto first = e.next(3);
    assert_int_equal(first.size(), 3);
    assert_string_equal(text_of(first[0]).c_str(), "item-0");
    auto none = e.next(0);
    assert_int_equal(none.size(), 0);
    auto rest = e.next(100);
    assert_int_equal(rest.size(), 4);
    assert_string_equal(text_of(rest[3]).c_str(), "item-6");
    assert_int_equal(e.next(5).size(), 0);
    /* The count is the snapshot's, not what is left. */
    assert_int_equal(e.item_count(), 7);
}

/* The cursor moves past items only when their copy for the application was
 * made: a failed copy (E_OUTOFMEMORY) loses nothing. */
void test_failed_copy_keeps_cursor(void **)
{
    Enumeration e(make_items(5));
    std::size_t cursor = 99;
    auto peeked = e.peek(3, &cursor);
    assert_int_equal(peeked.size(), 3);
    assert_int_equal(cursor, 0);
    /* No advance: the copy failed. */
    auto again = e.next(3);
    assert_int_equal(again.size(), 3);
    assert_string_equal(text_of(again[0]).c_str(), "item-0");
    assert_int_equal(e.next(5).size(), 2);
}

/* An advance from a cursor another thread has moved since the peek changes
 * nothing; one past the end neither. */
void test_stale_advance_is_refused(void **)
{
    Enumeration e(make_items(5));
    std::size_t cursor = 0;
    auto peeked = e.peek(2, &cursor);
    assert_int_equal(e.next(1).size(), 1);
    assert_false(e.advance(cursor, peeked.size()));
    std::size_t now = 0;
    auto second = e.peek(2, &now);
    assert_int_equal(now, 1);
    assert_string_equal(text_of(second[0]).c_str(), "item-1");
    assert_false(e.advance(now, 5));
    assert_true(e.advance(now, second.size()));
    assert_int_equal(e.next(10).size(), 2);
}

void test_empty_enumeration(void **)
{
    Enumeration e({});
    assert_int_equal(e.item_count(), 0);
    assert_int_equal(e.next(1).size(), 0);
    assert_true(e.kind() == p2pg::ObjectKind::enumeration);
}

/* Enumeration::of keeps the order and the kind of what it is given. */
void test_of_values(void **)
{
    std::vector<p2pg::NodeInfo> nodes(3);
    for (int i = 0; i < 3; ++i) nodes[i].node_id = 100 + i;
    auto e = Enumeration::of(std::move(nodes));
    auto all = e->next(10);
    assert_int_equal(all.size(), 3);
    for (int i = 0; i < 3; ++i) assert_int_equal(std::get<p2pg::NodeInfo>(*all[i]).node_id, 100 + i);
}

/* What PeerGraphGetNextItem does from several threads: peek, copy, advance,
 * and peek again when another thread was quicker. */
void test_concurrent_next_hands_out_each_item_once(void **)
{
    Enumeration e(make_items(10000));
    std::mutex lock;
    std::multiset<std::string> seen;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (;;) {
                std::size_t cursor = 0;
                auto got = e.peek(1 + t * 3, &cursor);
                if (got.empty()) break;
                if (!e.advance(cursor, got.size())) continue;
                std::lock_guard<std::mutex> guard(lock);
                for (auto &item : got) seen.insert(text_of(item));
            }
        });
    }
    for (auto &thread : threads) thread.join();
    assert_int_equal(seen.size(), 10000);
    std::set<std::string> unique(seen.begin(), seen.end());
    assert_int_equal(unique.size(), 10000);
}

/* A paged source of total items in pages of page_size, an empty page
 * before every full one (as a selective search gives); it counts its
 * fetches and the items it handed out. */
struct PagedSource {
    int total, page_size, next = 0, fetches = 0, counts = 0;
    bool empty_turn = true;
    std::shared_ptr<Enumeration> make(int first)
    {
        Enumeration::Items items = make_range(first);
        return std::make_shared<Enumeration>(
            std::move(items), next < total,
            [this](Enumeration::Items *page) {
                ++fetches;
                if (empty_turn) {
                    empty_turn = false;
                    return true;
                }
                empty_turn = true;
                *page = make_range(page_size);
                return next < total;
            },
            [this] {
                ++counts;
                return static_cast<std::size_t>(total);
            });
    }
    Enumeration::Items make_range(int n)
    {
        Enumeration::Items items;
        for (; n > 0 && next < total; --n, ++next) {
            Record r;
            r.creator_id = "item-" + std::to_string(next);
            items.push_back(std::make_shared<const EnumItem>(std::move(r)));
        }
        return items;
    }
};

/* Pages are fetched only as the application reads, never more than one
 * beyond what it asked for; empty pages do not end it; every item comes
 * once, in order. */
void test_paged_fetches_as_read(void **)
{
    PagedSource source{1000, 10};
    auto e = source.make(5);
    assert_int_equal(source.fetches, 0);
    auto got = e->next(3);
    assert_int_equal(got.size(), 3);
    assert_int_equal(source.fetches, 0);
    got = e->next(8);
    assert_int_equal(got.size(), 8);
    assert_string_equal(text_of(got[0]).c_str(), "item-3");
    assert_int_equal(source.fetches, 2); /* an empty page, then one of 10 */
    assert_true(source.next <= 5 + 10);
    int seen = 11;
    for (;;) {
        std::size_t cursor = 0;
        auto items = e->peek(7, &cursor);
        if (items.empty()) break;
        assert_int_equal(cursor, static_cast<std::size_t>(seen));
        assert_string_equal(text_of(items[0]).c_str(), ("item-" + std::to_string(seen)).c_str());
        /* Held at most: what was asked for and one page. */
        assert_true(source.next - seen <= 7 + 10);
        assert_true(e->advance(cursor, items.size()));
        seen += static_cast<int>(items.size());
    }
    assert_int_equal(seen, 1000);
    assert_int_equal(e->next(5).size(), 0);
}

/* The count comes from the source once, when first asked for. */
void test_paged_count_taken_once(void **)
{
    PagedSource source{40, 10};
    auto e = source.make(10);
    assert_int_equal(source.counts, 0);
    assert_int_equal(e->item_count(), 40);
    source.total = 50;
    assert_int_equal(e->item_count(), 40);
    assert_int_equal(source.counts, 1);
    std::size_t total = 0;
    for (auto items = e->next(4); !items.empty(); items = e->next(4)) total += items.size();
    assert_int_equal(total, 50);
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_and_cursor),
        cmocka_unit_test(test_failed_copy_keeps_cursor),
        cmocka_unit_test(test_stale_advance_is_refused),
        cmocka_unit_test(test_empty_enumeration),
        cmocka_unit_test(test_of_values),
        cmocka_unit_test(test_concurrent_next_hands_out_each_item_once),
        cmocka_unit_test(test_paged_fetches_as_read),
        cmocka_unit_test(test_paged_count_taken_once),
    };
    return cmocka_run_group_tests_name("enumeration", tests, nullptr, nullptr);
}
