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

#ifndef P2PG_ENGINE_ENUMERATION_H
#define P2PG_ENGINE_ENUMERATION_H

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "handle_table.h"

namespace p2pg {

/* One item of an enumeration (a record, a node, a connection).  The engine
 * does not know the application's structure layouts: the Win32 face makes
 * the items and knows how to pack each one into the caller's memory. */
class EnumItem {
public:
    virtual ~EnumItem() = default;
    /* Bytes the packed item needs, everything it points to included. */
    virtual std::size_t packed_size() const = 0;
    /* Writes the item at dst (aligned to kPackAlign, packed_size() bytes
     * available) and returns the address the application sees. */
    virtual void *pack(unsigned char *dst) const = 0;
};

constexpr std::size_t kPackAlign = 16;

/* Layout of one GetNextItem result: an array of item pointers followed by the
 * items, all in one block so one PeerGraphFreeData releases everything. */
std::size_t packed_array_size(const std::vector<std::shared_ptr<const EnumItem>> &items);
/* Fills block (packed_array_size() bytes, kPackAlign-aligned) and returns the
 * pointer array at its start. */
void **pack_array(const std::vector<std::shared_ptr<const EnumItem>> &items, unsigned char *block);

/* The object behind an HPEERENUM.  Items are fixed when it is made
 * (a snapshot); next() moves a cursor and is safe from several threads. */
class Enumeration : public Object {
public:
    explicit Enumeration(std::vector<std::shared_ptr<const EnumItem>> items);

    ObjectKind kind() const override { return ObjectKind::enumeration; }

    /* Number of items the enumeration was made with. */
    std::size_t item_count() const { return items_.size(); }

    /* Up to max items from the cursor on; an empty result means the end. */
    std::vector<std::shared_ptr<const EnumItem>> next(std::size_t max);
    /* The same items, handed to use() while the cursor waits: it moves past
     * them only when use() returns true (items whose copy for the
     * application failed are not lost). */
    void next(std::size_t max, const std::function<bool(const std::vector<std::shared_ptr<const EnumItem>> &)> &use);

private:
    const std::vector<std::shared_ptr<const EnumItem>> items_;
    std::mutex lock_;
    std::size_t cursor_ = 0;
};

} // namespace p2pg

#endif
