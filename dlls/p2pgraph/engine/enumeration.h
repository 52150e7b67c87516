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
#include <memory>
#include <mutex>
#include <vector>

#include "handle_table.h"
#include "types.h"

namespace p2pg {

/* The object behind an HPEERENUM.  Items are fixed when it is made
 * (a snapshot); the cursor is safe from several threads. */
class Enumeration : public Object {
public:
    explicit Enumeration(std::vector<std::shared_ptr<const EnumItem>> items);
    /* Of records, connections or nodes. */
    template <class T>
    static std::shared_ptr<Enumeration> of(std::vector<T> &&values)
    {
        std::vector<std::shared_ptr<const EnumItem>> items;
        items.reserve(values.size());
        for (T &value : values) items.push_back(std::make_shared<const EnumItem>(std::move(value)));
        return std::make_shared<Enumeration>(std::move(items));
    }

    ObjectKind kind() const override { return ObjectKind::enumeration; }

    /* Number of items the enumeration was made with. */
    std::size_t item_count() const { return items_.size(); }

    /* Up to max items from the cursor on (an empty result means the end),
     * and where the cursor stood; the cursor does not move. */
    std::vector<std::shared_ptr<const EnumItem>> peek(std::size_t max, std::size_t *cursor);
    /* Moves the cursor past count items if it still stands at cursor (the
     * items of a peek were copied for the application): false when another
     * thread took items in between. */
    bool advance(std::size_t cursor, std::size_t count);
    /* peek and advance in one. */
    std::vector<std::shared_ptr<const EnumItem>> next(std::size_t max);

private:
    const std::vector<std::shared_ptr<const EnumItem>> items_;
    std::mutex lock_;
    std::size_t cursor_ = 0;
};

} // namespace p2pg

#endif
