/*
 * Handle table: opaque handle values for reference-counted engine objects
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

#include "handle_table.h"

#include <algorithm>

namespace p2pg {

/* Shared by every table of the process so that a handle of a finished
 * PeerGraphStartup session is never valid in a later one. */
std::atomic<std::uint64_t> HandleTable::next_serial_{1};

HandleTable::Handle HandleTable::insert(std::shared_ptr<Object> object)
{
    std::uint64_t serial = next_serial_.fetch_add(1);
    /* The low bits carry the kind so traces show what a handle is; the value
     * is never a valid address, which catches callers that dereference it. */
    Handle handle = static_cast<Handle>((serial << 4) | static_cast<unsigned>(object->kind()));
    std::lock_guard<std::mutex> guard(lock_);
    entries_.emplace(handle, Entry{serial, std::move(object)});
    return handle;
}

std::shared_ptr<Object> HandleTable::lookup(Handle handle, ObjectKind kind) const
{
    std::lock_guard<std::mutex> guard(lock_);
    auto it = entries_.find(handle);
    if (it == entries_.end() || it->second.object->kind() != kind) return nullptr;
    return it->second.object;
}

std::shared_ptr<Object> HandleTable::remove(Handle handle, ObjectKind kind)
{
    std::lock_guard<std::mutex> guard(lock_);
    auto it = entries_.find(handle);
    if (it == entries_.end() || it->second.object->kind() != kind) return nullptr;
    std::shared_ptr<Object> object = std::move(it->second.object);
    entries_.erase(it);
    return object;
}

std::vector<std::shared_ptr<Object>> HandleTable::remove_all()
{
    return remove_if([](const Object &) { return true; });
}

std::size_t HandleTable::size() const
{
    std::lock_guard<std::mutex> guard(lock_);
    return entries_.size();
}

std::vector<std::shared_ptr<Object>> HandleTable::take_sorted(std::vector<Entry> &entries)
{
    std::sort(entries.begin(), entries.end(),
              [](const Entry &a, const Entry &b) { return a.serial < b.serial; });
    std::vector<std::shared_ptr<Object>> objects;
    objects.reserve(entries.size());
    for (Entry &entry : entries) objects.push_back(std::move(entry.object));
    return objects;
}

} // namespace p2pg
