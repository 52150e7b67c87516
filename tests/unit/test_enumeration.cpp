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
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cmocka_cxx.h"
#include "engine/enumeration.h"

using p2pg::EnumItem;
using p2pg::Enumeration;

namespace {

/* Packs as a length-prefixed string, like an item with a pointer into its
 * own storage. */
struct TextItem : EnumItem {
    std::string text;
    explicit TextItem(std::string t) : text(std::move(t)) {}
    struct Packed {
        std::size_t length;
        const char *chars;
    };
    std::size_t packed_size() const override { return sizeof(Packed) + text.size() + 1; }
    void *pack(unsigned char *dst) const override
    {
        Packed *p = reinterpret_cast<Packed *>(dst);
        char *chars = reinterpret_cast<char *>(dst + sizeof(Packed));
        std::memcpy(chars, text.c_str(), text.size() + 1);
        p->length = text.size();
        p->chars = chars;
        return p;
    }
};

std::vector<std::shared_ptr<const EnumItem>> make_items(int n)
{
    std::vector<std::shared_ptr<const EnumItem>> items;
    for (int i = 0; i < n; ++i) items.push_back(std::make_shared<TextItem>("item-" + std::to_string(i)));
    return items;
}

const TextItem &text_of(const std::shared_ptr<const EnumItem> &item)
{
    return static_cast<const TextItem &>(*item);
}

void test_count_and_cursor(void **)
{
    Enumeration e(make_items(7));
    assert_int_equal(e.item_count(), 7);
    auto first = e.next(3);
    assert_int_equal(first.size(), 3);
    assert_string_equal(text_of(first[0]).text.c_str(), "item-0");
    auto none = e.next(0);
    assert_int_equal(none.size(), 0);
    auto rest = e.next(100);
    assert_int_equal(rest.size(), 4);
    assert_string_equal(text_of(rest[3]).text.c_str(), "item-6");
    assert_int_equal(e.next(5).size(), 0);
    /* The count is the snapshot's, not what is left. */
    assert_int_equal(e.item_count(), 7);
}

/* The cursor moves past items only when their copy for the application was
 * made: a failed copy (E_OUTOFMEMORY) loses nothing. */
void test_failed_copy_keeps_cursor(void **)
{
    Enumeration e(make_items(5));
    e.next(3, [](const std::vector<std::shared_ptr<const EnumItem>> &taken) { return taken.size() != 3; });
    auto again = e.next(3);
    assert_int_equal(again.size(), 3);
    assert_string_equal(text_of(again[0]).text.c_str(), "item-0");
    assert_int_equal(e.next(5).size(), 2);
}

void test_empty_enumeration(void **)
{
    Enumeration e({});
    assert_int_equal(e.item_count(), 0);
    assert_int_equal(e.next(1).size(), 0);
    assert_true(e.kind() == p2pg::ObjectKind::enumeration);
}

void test_pack_array_layout(void **)
{
    auto items = make_items(5);
    std::size_t size = p2pg::packed_array_size(items);
    assert_true(size >= 5 * sizeof(void *));
    std::vector<unsigned char> storage(size + p2pg::kPackAlign);
    unsigned char *block = storage.data();
    while (reinterpret_cast<std::uintptr_t>(block) % p2pg::kPackAlign) ++block;
    void **array = p2pg::pack_array(items, block);
    assert_ptr_equal(array, block);
    for (int i = 0; i < 5; ++i) {
        auto *packed = static_cast<TextItem::Packed *>(array[i]);
        /* Each item lies inside the block, aligned, after the array. */
        assert_true(reinterpret_cast<unsigned char *>(packed) >= block + 5 * sizeof(void *));
        assert_true(reinterpret_cast<unsigned char *>(packed) + sizeof(*packed) <= block + size);
        assert_int_equal(reinterpret_cast<std::uintptr_t>(packed) % p2pg::kPackAlign, 0);
        assert_true(packed->chars + packed->length + 1 <= reinterpret_cast<char *>(block + size));
        assert_string_equal(packed->chars, ("item-" + std::to_string(i)).c_str());
    }
}

struct HugeItem : EnumItem {
    std::size_t packed_size() const override { return std::size_t(-1) / 3; }
    void *pack(unsigned char *dst) const override { return dst; }
};

void test_packed_size_overflow_is_refused(void **)
{
    std::vector<std::shared_ptr<const EnumItem>> items;
    for (int i = 0; i < 4; ++i) items.push_back(std::make_shared<HugeItem>());
    assert_int_equal(p2pg::packed_array_size(items), 0);
}

void test_concurrent_next_hands_out_each_item_once(void **)
{
    Enumeration e(make_items(10000));
    std::mutex lock;
    std::multiset<std::string> seen;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (;;) {
                auto got = e.next(1 + t * 3);
                if (got.empty()) break;
                std::lock_guard<std::mutex> guard(lock);
                for (auto &item : got) seen.insert(text_of(item).text);
            }
        });
    }
    for (auto &thread : threads) thread.join();
    assert_int_equal(seen.size(), 10000);
    std::set<std::string> unique(seen.begin(), seen.end());
    assert_int_equal(unique.size(), 10000);
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_and_cursor),
        cmocka_unit_test(test_failed_copy_keeps_cursor),
        cmocka_unit_test(test_empty_enumeration),
        cmocka_unit_test(test_pack_array_layout),
        cmocka_unit_test(test_packed_size_overflow_is_refused),
        cmocka_unit_test(test_concurrent_next_hands_out_each_item_once),
    };
    return cmocka_run_group_tests_name("enumeration", tests, nullptr, nullptr);
}
