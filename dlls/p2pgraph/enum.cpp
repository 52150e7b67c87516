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

#include "convert.h"
#include "pack.h"

WINE_DEFAULT_DEBUG_CHANNEL(p2pgraph);

namespace {

HRESULT get_item_count(HPEERENUM handle, ULONG *count)
{
    ApiCall call;
    if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
    if (!handle || !count) return E_INVALIDARG;
    std::size_t n = 0;
    if (p2pg::api::enum_count(handle_value(handle), &n) != p2pg::GraphError::ok) return E_INVALIDARG;
    *count = static_cast<ULONG>(n);
    return S_OK;
}

HRESULT get_next_item(HPEERENUM handle, ULONG *count, PVOID **items)
{
    ApiCall call;
    if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
    if (!handle || !count || !items) return E_INVALIDARG;
    return guarded([&] {
        /* The cursor moves only once the copy for the application exists:
         * on E_OUTOFMEMORY the same items come with the next call.  Another
         * thread taking items in between makes us take the next ones. */
        for (;;) {
            std::vector<std::shared_ptr<const p2pg::EnumItem>> taken;
            std::size_t cursor = 0;
            p2pg::GraphError err = p2pg::api::enum_peek(handle_value(handle), *count, &taken, &cursor);
            if (err == p2pg::GraphError::invalid_handle) return E_INVALIDARG;
            if (err != p2pg::GraphError::ok) return hresult_from_graph_error(err);
            if (taken.empty()) {
                *count = 0;
                *items = nullptr;
                return S_OK;
            }
            void **block = pack_items(taken);
            if (!block) return E_OUTOFMEMORY;
            if (!p2pg::api::enum_advance(handle_value(handle), cursor, taken.size())) {
                p2pg::api::result_free(block);
                continue;
            }
            *items = block;
            *count = static_cast<ULONG>(taken.size());
            return S_OK;
        }
    });
}

HRESULT end_enumeration(HPEERENUM handle)
{
    ApiCall call;
    if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
    if (!handle) return E_INVALIDARG;
    p2pg::GraphError err = p2pg::api::enum_end(handle_value(handle));
    if (err == p2pg::GraphError::invalid_handle) return E_INVALIDARG;
    return hresult_from_graph_error(err);
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
