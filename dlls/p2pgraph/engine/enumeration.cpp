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
#include <iterator>

namespace p2pg {

Enumeration::Enumeration(Items items)
    : count_(items.size()), buffer_(std::make_move_iterator(items.begin()), std::make_move_iterator(items.end())),
      more_(false)
{
}

Enumeration::Enumeration(Items first, bool more, Fetch fetch, Count count)
    : fetch_(std::move(fetch)), count_source_(std::move(count)),
      buffer_(std::make_move_iterator(first.begin()), std::make_move_iterator(first.end())), more_(more)
{
}

std::size_t Enumeration::item_count()
{
    std::lock_guard<std::mutex> guard(lock_);
    if (!count_) count_ = count_source_();
    return *count_;
}

void Enumeration::fill(std::size_t max)
{
    while (more_ && buffer_.size() < max) {
        Items page;
        more_ = fetch_(&page);
        std::move(page.begin(), page.end(), std::back_inserter(buffer_));
    }
}

Enumeration::Items Enumeration::peek(std::size_t max, std::size_t *cursor)
{
    std::lock_guard<std::mutex> guard(lock_);
    fill(max);
    std::size_t count = std::min(max, buffer_.size());
    *cursor = cursor_;
    return Items(buffer_.begin(), buffer_.begin() + count);
}

bool Enumeration::advance(std::size_t cursor, std::size_t count)
{
    std::lock_guard<std::mutex> guard(lock_);
    if (cursor_ != cursor || count > buffer_.size()) return false;
    buffer_.erase(buffer_.begin(), buffer_.begin() + count);
    cursor_ += count;
    return true;
}

Enumeration::Items Enumeration::next(std::size_t max)
{
    std::lock_guard<std::mutex> guard(lock_);
    fill(max);
    std::size_t count = std::min(max, buffer_.size());
    Items taken(buffer_.begin(), buffer_.begin() + count);
    buffer_.erase(buffer_.begin(), buffer_.begin() + count);
    cursor_ += count;
    return taken;
}

} // namespace p2pg
