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

#ifndef P2PG_ENGINE_HANDLE_TABLE_H
#define P2PG_ENGINE_HANDLE_TABLE_H

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace p2pg {

enum class ObjectKind : unsigned {
    graph = 1,
    event_registration = 2,
    enumeration = 3,
};

/* Anything an application can hold a handle to. */
class Object {
public:
    virtual ~Object() = default;
    virtual ObjectKind kind() const = 0;
    /* Called once, on the loop thread, when the handle is closed (or the
     * library shuts down): releases what the object has on the loop, such as
     * sockets and timers.  The object itself lives on while referenced. */
    virtual void close() {}
};

/* Maps handle values to objects.  A handle value is never reused for the
 * life of the process (a 64-bit serial, not an address), so a stale or
 * made-up handle is simply not found: nothing is ever read through it.
 * The table holds one reference; lookup() hands out another, so an object
 * closed by one thread stays alive for a call still using it on another. */
class HandleTable {
public:
    using Handle = std::uintptr_t;

    /* Returns the new handle (never 0). */
    Handle insert(std::shared_ptr<Object> object);

    /* The object behind handle if it is of the given kind, else nullptr. */
    std::shared_ptr<Object> lookup(Handle handle, ObjectKind kind) const;

    template <class T>
    std::shared_ptr<T> lookup_as(Handle handle, ObjectKind kind) const
    {
        return std::static_pointer_cast<T>(lookup(handle, kind));
    }

    /* Removes the handle and returns its object (nullptr when the handle is
     * not a live handle of that kind). */
    std::shared_ptr<Object> remove(Handle handle, ObjectKind kind);

    /* Removes every handle whose object matches pred, returning the objects
     * in the order their handles were made. */
    template <class Pred>
    std::vector<std::shared_ptr<Object>> remove_if(Pred pred);

    /* Removes every handle, returning the objects in the order their handles
     * were made. */
    std::vector<std::shared_ptr<Object>> remove_all();

    std::size_t size() const;

private:
    struct Entry {
        std::uint64_t serial;
        std::shared_ptr<Object> object;
    };

    std::vector<std::shared_ptr<Object>> take_sorted(std::vector<Entry> &entries);

    mutable std::mutex lock_;
    std::unordered_map<Handle, Entry> entries_;
    static std::atomic<std::uint64_t> next_serial_;
};

template <class Pred>
std::vector<std::shared_ptr<Object>> HandleTable::remove_if(Pred pred)
{
    std::vector<Entry> taken;
    {
        std::lock_guard<std::mutex> guard(lock_);
        for (auto it = entries_.begin(); it != entries_.end();) {
            if (pred(*it->second.object)) {
                taken.push_back(std::move(it->second));
                it = entries_.erase(it);
            } else {
                ++it;
            }
        }
    }
    return take_sorted(taken);
}

} // namespace p2pg

#endif
