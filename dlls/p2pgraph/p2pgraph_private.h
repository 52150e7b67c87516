/*
 * Peer-to-Peer Graphing: private declarations of the Win32 face
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

#ifndef __WINE_P2PGRAPH_PRIVATE_H
#define __WINE_P2PGRAPH_PRIVATE_H

/* The engine's headers (and the C++ library they use) come first: Windows
 * headers define macros such as min and max that the C++ library cannot
 * take. */
#include <memory>
#include <new>

#include "engine/api.h"

#define NOMINMAX
/* Wine's winsock names must not clash with the C library's (struct timeval, ...). */
#define USE_WS_PREFIX
#include <winsock2.h>
#include <windows.h>
#include "p2p.h"
#include "wine/debug.h"

/* The library state every API call works inside.  Constructing one takes
 * the library's shared lock for the duration of the call, so that the last
 * PeerGraphShutdown (which takes it exclusively) never runs while a call
 * still uses the loop or the handle table. */
class ApiCall {
public:
    ApiCall();
    ~ApiCall();
    ApiCall(const ApiCall &) = delete;
    ApiCall &operator=(const ApiCall &) = delete;

    /* False before the first PeerGraphStartup and after the last
     * PeerGraphShutdown: the call must return PEER_E_NOT_INITIALIZED. */
    bool initialized() const { return initialized_; }

private:
    bool initialized_;
};

/* Runs work, turning an engine exception into an HRESULT so that none ever
 * crosses an export. */
template <class Work>
HRESULT guarded(Work work)
{
    try {
        return work();
    } catch (const std::bad_alloc &) {
        return E_OUTOFMEMORY;
    } catch (...) {
        return E_FAIL;
    }
}

static inline p2pg::api::Handle handle_value(const void *handle)
{
    return reinterpret_cast<p2pg::api::Handle>(handle);
}

#endif
