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

namespace p2pg {

Enumeration::Enumeration(std::vector<std::shared_ptr<const EnumItem>> items)
    : items_(std::move(items))
{
}

std::vector<std::shared_ptr<const EnumItem>> Enumeration::peek(std::size_t max, std::size_t *cursor)
{
    std::lock_guard<std::mutex> guard(lock_);
    std::size_t count = std::min(max, items_.size() - cursor_);
    *cursor = cursor_;
    return std::vector<std::shared_ptr<const EnumItem>>(items_.begin() + cursor_, items_.begin() + cursor_ + count);
}

bool Enumeration::advance(std::size_t cursor, std::size_t count)
{
    std::lock_guard<std::mutex> guard(lock_);
    if (cursor_ != cursor || count > items_.size() - cursor_) return false;
    cursor_ += count;
    return true;
}

std::vector<std::shared_ptr<const EnumItem>> Enumeration::next(std::size_t max)
{
    std::lock_guard<std::mutex> guard(lock_);
    std::size_t count = std::min(max, items_.size() - cursor_);
    std::vector<std::shared_ptr<const EnumItem>> taken(items_.begin() + cursor_, items_.begin() + cursor_ + count);
    cursor_ += count;
    return taken;
}

} // namespace p2pg
