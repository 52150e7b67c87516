/*
 * Engine buffer pool
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

#include "buffer_pool.h"

#include <utility>

namespace p2pg {

std::vector<std::uint8_t> BufferPool::take(std::size_t capacity)
{
    std::vector<std::uint8_t> buffer;
    if (capacity < kMinBuffer) return buffer; /* the allocator's small bins are as fast */
    std::lock_guard<std::mutex> guard(lock_);
    /* The smallest that is big enough, and never one over twice the size:
     * a small message must not hold a big buffer (the application may
     * keep many received messages, each counted by its size). */
    std::size_t pick = free_.size();
    for (std::size_t i = 0; i < free_.size(); ++i) {
        std::size_t have = free_[i].capacity();
        if (have >= capacity && have / 2 <= capacity && (pick == free_.size() || have < free_[pick].capacity()))
            pick = i;
    }
    if (pick < free_.size()) {
        buffer.swap(free_[pick]);
        free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(pick));
        held_ -= buffer.capacity();
    }
    return buffer;
}


void BufferPool::give(std::vector<std::uint8_t> buffer)
{
    std::size_t capacity = buffer.capacity();
    if (capacity < kMinBuffer || capacity > max_buffer_) return;
    buffer.clear();
    std::lock_guard<std::mutex> guard(lock_);
    if (held_ + capacity > max_total_ || free_.size() >= kMaxBuffers) return;
    held_ += capacity;
    free_.push_back(std::move(buffer));
}

std::shared_ptr<const std::vector<std::uint8_t>> BufferPool::share(const std::shared_ptr<BufferPool> &pool,
                                                                   std::vector<std::uint8_t> buffer)
{
    /* Should the control block fail to allocate, the deleter still runs. */
    return std::shared_ptr<const std::vector<std::uint8_t>>(
        new std::vector<std::uint8_t>(std::move(buffer)), [pool](const std::vector<std::uint8_t> *used) {
            std::unique_ptr<std::vector<std::uint8_t>> owned(const_cast<std::vector<std::uint8_t> *>(used));
            if (pool) pool->give(std::move(*owned));
        });
}

std::size_t BufferPool::held() const
{
    std::lock_guard<std::mutex> guard(lock_);
    return held_;
}

} // namespace p2pg
