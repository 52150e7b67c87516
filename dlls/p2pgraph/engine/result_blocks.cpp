/*
 * Result blocks: memory handed to the application and freed by PeerGraphFreeData
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

#include "result_blocks.h"

#include <cstdlib>
#include <new>

namespace p2pg {

namespace {

/* Records may reach 60 MB; nothing we return is larger than a few times
 * that, so a bigger request is a bug or an overflow, not a result. */
constexpr std::size_t kMaxBlock = std::size_t(1) << 32;

} // namespace

ResultBlocks::~ResultBlocks()
{
    for (auto &entry : blocks_) std::free(entry.first);
}

void *ResultBlocks::allocate(std::size_t size, std::shared_ptr<const void> keep)
{
    if (size == 0) size = 1;
    if (size > kMaxBlock) return nullptr;
    void *block = std::calloc(1, size);
    if (!block) return nullptr;
    try {
        std::lock_guard<std::mutex> guard(lock_);
        blocks_.emplace(block, std::move(keep));
    } catch (const std::bad_alloc &) {
        std::free(block);
        return nullptr;
    }
    return block;
}

bool ResultBlocks::release(void *block)
{
    if (!block) return false;
    std::shared_ptr<const void> keep; /* let go of outside the lock */
    {
        std::lock_guard<std::mutex> guard(lock_);
        auto it = blocks_.find(block);
        if (it == blocks_.end()) return false;
        keep = std::move(it->second);
        blocks_.erase(it);
    }
    std::free(block);
    return true;
}

std::size_t ResultBlocks::outstanding() const
{
    std::lock_guard<std::mutex> guard(lock_);
    return blocks_.size();
}

} // namespace p2pg
