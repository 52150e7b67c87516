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

#ifndef P2PG_ENGINE_RESULT_BLOCKS_H
#define P2PG_ENGINE_RESULT_BLOCKS_H

#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace p2pg {

/* Every result the API returns is one block from here.  The set of blocks
 * handed out is remembered so that PeerGraphFreeData with a pointer we never
 * gave out (or one already freed) is refused instead of corrupting the heap. */
class ResultBlocks {
public:
    ResultBlocks() = default;
    ~ResultBlocks();
    ResultBlocks(const ResultBlocks &) = delete;
    ResultBlocks &operator=(const ResultBlocks &) = delete;

    /* Zero-filled, aligned for any structure; nullptr when out of memory or
     * when size is absurd.  keep, if any, is held until the block is freed:
     * memory the block points into (a received message the application
     * reads in place). */
    void *allocate(std::size_t size, std::shared_ptr<const void> keep = nullptr);

    /* Frees a block from allocate(); returns false (and frees nothing) for
     * nullptr or any other pointer. */
    bool release(void *block);

    std::size_t outstanding() const;

private:
    mutable std::mutex lock_;
    std::unordered_map<void *, std::shared_ptr<const void>> blocks_;
};

} // namespace p2pg

#endif
