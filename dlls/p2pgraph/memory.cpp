/*
 * Peer-to-Peer Graphing: PeerGraphFreeData
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

#include "p2pgraph_private.h"

WINE_DEFAULT_DEBUG_CHANNEL(p2pgraph);

extern "C" VOID WINAPI PeerGraphFreeData(PVOID pvData)
{
    WINE_TRACE("(%p)\n", pvData);
    if (!pvData) return;
    /* Results stay valid across Shutdown, so this works whether or not the
     * library is started.  A pointer we never returned is refused rather
     * than passed to free(). */
    if (!p2pg::api::result_free(pvData)) WINE_WARN("%p was not returned by the graphing API\n", pvData);
}
