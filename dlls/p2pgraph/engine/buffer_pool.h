/*
 * Engine buffer pool: byte buffers used again instead of allocated per message
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

#ifndef P2PG_ENGINE_BUFFER_POOL_H
#define P2PG_ENGINE_BUFFER_POOL_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace p2pg {

/* Buffers of one link's stream, given back when used and taken again for
 * the next message: a fresh buffer of 64 KiB and more costs the allocator
 * a trip to the kernel and a page fault per page, a used one nothing.  Any
 * thread (the application lets go of received messages on its own).  It
 * keeps no buffer bigger than max_buffer or smaller than kMinBuffer, no
 * more than max_total bytes in all and no more than kMaxBuffers buffers,
 * and hands out none over twice the size asked for. */
class BufferPool {
public:
    static constexpr std::size_t kMaxBuffers = 64;
    static constexpr std::size_t kMinBuffer = 4096;

    BufferPool(std::size_t max_buffer, std::size_t max_total) : max_buffer_(max_buffer), max_total_(max_total) {}
    BufferPool(const BufferPool &) = delete;
    BufferPool &operator=(const BufferPool &) = delete;

    /* An empty buffer: a used one with room for capacity bytes (but not
     * twice as much), else a new one with no room yet (the caller
     * reserves). */
    std::vector<std::uint8_t> take(std::size_t capacity);
    void give(std::vector<std::uint8_t> buffer);
    /* buffer, shared; the last holder's letting go gives it back to pool. */
    static std::shared_ptr<const std::vector<std::uint8_t>> share(const std::shared_ptr<BufferPool> &pool,
                                                                  std::vector<std::uint8_t> buffer);
    /* Bytes of capacity held for taking. */
    std::size_t held() const;

private:
    const std::size_t max_buffer_, max_total_;
    mutable std::mutex lock_;
    std::vector<std::vector<std::uint8_t>> free_;
    std::size_t held_ = 0;
};

} // namespace p2pg

#endif
