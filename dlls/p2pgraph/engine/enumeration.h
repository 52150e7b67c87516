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
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "handle_table.h"
#include "types.h"

namespace p2pg {

/* The object behind an HPEERENUM, safe from several threads.
 *
 * A snapshot (connections, nodes: a handful of items) holds its items from
 * the start.  A paged enumeration (records: as many as the database holds)
 * holds at most what the application asked for in one GetNextItem plus a
 * page: it asks its source for the next page when it runs short (the
 * source of records reads a few pages ahead of that, see PagePipe).  Its item
 * count is taken when the application first asks for it (GetItemCount),
 * and is what the source counted then: records deleted afterwards are not
 * delivered, records added afterwards may be (see RecordBook::page), so
 * the number of items delivered may differ from the count. */
class Enumeration : public Object {
public:
    using Items = std::vector<std::shared_ptr<const EnumItem>>;
    /* Appends the next page to *page (possibly nothing while more follow);
     * false once nothing follows (a failure ends the enumeration too).
     * Called under the enumeration's lock: one at a time. */
    using Fetch = std::function<bool(Items *page)>;
    using Count = std::function<std::size_t()>;

    explicit Enumeration(Items items);
    /* first: what the source gave when the enumeration was made; more:
     * whether it has more. */
    Enumeration(Items first, bool more, Fetch fetch, Count count);
    /* Of records, connections or nodes. */
    template <class T>
    static std::shared_ptr<Enumeration> of(std::vector<T> &&values)
    {
        return std::make_shared<Enumeration>(items_of(std::move(values)));
    }
    template <class T>
    static Items items_of(std::vector<T> &&values)
    {
        Items items;
        items.reserve(values.size());
        for (T &value : values) items.push_back(std::make_shared<const EnumItem>(std::move(value)));
        return items;
    }

    ObjectKind kind() const override { return ObjectKind::enumeration; }

    /* Number of items (see above). */
    std::size_t item_count();

    /* Up to max items from the cursor on (an empty result means the end),
     * and where the cursor stood; the cursor does not move. */
    Items peek(std::size_t max, std::size_t *cursor);
    /* Moves the cursor past count items if it still stands at cursor (the
     * items of a peek were copied for the application): false when another
     * thread took items in between. */
    bool advance(std::size_t cursor, std::size_t count);
    /* peek and advance in one. */
    Items next(std::size_t max);

private:
    /* Fetches until max items are buffered or nothing follows. */
    void fill(std::size_t max);

    Fetch fetch_;
    Count count_source_;
    std::mutex lock_;
    std::optional<std::size_t> count_;
    std::deque<std::shared_ptr<const EnumItem>> buffer_; /* fetched, from the cursor on */
    bool more_;
    std::size_t cursor_ = 0; /* items delivered */
};

} // namespace p2pg

#endif
