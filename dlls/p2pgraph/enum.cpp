/*
 * Peer-to-Peer Graphing: enumeration handles
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

#include "engine/enumeration.h"
#include "p2pgraph_private.h"

WINE_DEFAULT_DEBUG_CHANNEL(p2pgraph);

namespace {

std::shared_ptr<p2pg::Enumeration> lookup_enumeration(const ApiCall &call, HPEERENUM handle)
{
    return call.handles().lookup_as<p2pg::Enumeration>(handle_value(handle), p2pg::ObjectKind::enumeration);
}

HRESULT get_item_count(HPEERENUM handle, ULONG *count)
{
    ApiCall call;
    if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
    if (!handle || !count) return E_INVALIDARG;
    auto enumeration = lookup_enumeration(call, handle);
    if (!enumeration) return E_INVALIDARG;
    *count = static_cast<ULONG>(enumeration->item_count());
    return S_OK;
}

HRESULT get_next_item(HPEERENUM handle, ULONG *count, PVOID **items)
{
    ApiCall call;
    if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
    if (!handle || !count || !items) return E_INVALIDARG;
    auto enumeration = lookup_enumeration(call, handle);
    if (!enumeration) return E_INVALIDARG;
    return guarded([&] {
        HRESULT hr = S_OK;
        ULONG wanted = *count;
        /* The cursor moves only once the copy for the application exists:
         * on E_OUTOFMEMORY the same items come with the next call. */
        enumeration->next(wanted, [&](const std::vector<std::shared_ptr<const p2pg::EnumItem>> &taken) {
            if (taken.empty()) {
                *count = 0;
                *items = nullptr;
                return true;
            }
            std::size_t size = p2pg::packed_array_size(taken);
            void *block = size ? result_blocks().allocate(size) : nullptr;
            if (!block) {
                hr = E_OUTOFMEMORY;
                return false;
            }
            *items = p2pg::pack_array(taken, static_cast<unsigned char *>(block));
            *count = static_cast<ULONG>(taken.size());
            return true;
        });
        return hr;
    });
}

HRESULT end_enumeration(HPEERENUM handle)
{
    ApiCall call;
    if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
    if (!handle) return E_INVALIDARG;
    auto enumeration = call.handles().remove(handle_value(handle), p2pg::ObjectKind::enumeration);
    if (!enumeration) return E_INVALIDARG;
    return guarded([&] {
        call.loop().call([&] { enumeration->close(); });
        return S_OK;
    });
}

} // namespace

extern "C" HRESULT WINAPI PeerGraphGetItemCount(HPEERENUM hPeerEnum, ULONG *pCount)
{
    WINE_TRACE("(%p, %p)\n", hPeerEnum, pCount);
    HRESULT hr = get_item_count(hPeerEnum, pCount);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphGetNextItem(HPEERENUM hPeerEnum, ULONG *pCount, PVOID **pppvItems)
{
    WINE_TRACE("(%p, %p, %p)\n", hPeerEnum, pCount, pppvItems);
    HRESULT hr = get_next_item(hPeerEnum, pCount, pppvItems);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphEndEnumeration(HPEERENUM hPeerEnum)
{
    WINE_TRACE("(%p)\n", hPeerEnum);
    HRESULT hr = end_enumeration(hPeerEnum);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}
