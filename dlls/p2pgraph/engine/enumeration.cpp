/*
 * Enumerations: snapshots of items handed out a few at a time
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

#include "enumeration.h"

#include <algorithm>
#include <limits>

namespace p2pg {

namespace {

std::size_t align_up(std::size_t n)
{
    return (n + kPackAlign - 1) & ~(kPackAlign - 1);
}

} // namespace

std::size_t packed_array_size(const std::vector<std::shared_ptr<const EnumItem>> &items)
{
    const std::size_t limit = std::numeric_limits<std::size_t>::max() / 2;
    std::size_t total = align_up(items.size() * sizeof(void *));
    for (const auto &item : items) {
        std::size_t size = item->packed_size();
        if (size > limit || total > limit - align_up(size)) return 0;
        total += align_up(size);
    }
    return total;
}

void **pack_array(const std::vector<std::shared_ptr<const EnumItem>> &items, unsigned char *block)
{
    void **array = reinterpret_cast<void **>(block);
    unsigned char *at = block + align_up(items.size() * sizeof(void *));
    for (std::size_t i = 0; i < items.size(); ++i) {
        array[i] = items[i]->pack(at);
        at += align_up(items[i]->packed_size());
    }
    return array;
}

Enumeration::Enumeration(std::vector<std::shared_ptr<const EnumItem>> items)
    : items_(std::move(items))
{
}

std::vector<std::shared_ptr<const EnumItem>> Enumeration::next(std::size_t max)
{
    std::vector<std::shared_ptr<const EnumItem>> out;
    next(max, [&out](const std::vector<std::shared_ptr<const EnumItem>> &taken) {
        out = taken;
        return true;
    });
    return out;
}

void Enumeration::next(std::size_t max,
                       const std::function<bool(const std::vector<std::shared_ptr<const EnumItem>> &)> &use)
{
    std::lock_guard<std::mutex> guard(lock_);
    std::size_t count = std::min(max, items_.size() - cursor_);
    std::vector<std::shared_ptr<const EnumItem>> taken(items_.begin() + cursor_,
                                                        items_.begin() + cursor_ + count);
    if (use(taken)) cursor_ += count;
}

} // namespace p2pg
