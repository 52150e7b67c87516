/*
 * Peer-to-Peer Graphing: graph security providers (PEER_SECURITY_INTERFACE)
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

#ifndef __WINE_P2PGRAPH_SECURITY_H
#define __WINE_P2PGRAPH_SECURITY_H

#include <vector>

#include "p2pgraph_private.h"
#include "ssp_provider.h"

/* The record callbacks of a PEER_SECURITY_INTERFACE (none: validate is
 * NULL). */
struct RecordCallbacks {
    PFNPEER_VALIDATE_RECORD validate = nullptr;
    PFNPEER_SECURE_RECORD secure = nullptr;
    PFNPEER_FREE_SECURITY_DATA free_data = nullptr;
    void *context = nullptr;
};

/* What secures one graph: its record callbacks and its SSPI package. */
struct GraphSecurity {
    RecordCallbacks callbacks;
    std::shared_ptr<SspiProvider> ssp;
};

/* Checks and copies what PeerGraphCreate or PeerGraphOpen was given (NULL:
 * no security), and loads the SSPI package it names: E_INVALIDARG for a
 * malformed interface, a DLL that does not load or has no
 * InitSecurityInterfaceW, a package it does not have or whose credentials
 * it refuses. */
HRESULT security_from_win32(const PEER_SECURITY_INTERFACE *in, GraphSecurity *graph_security,
                            p2pg::api::Security *security);

/* A graph got its handle: what secures it is kept until the handle closes
 * (forget_record_security), and with record callbacks its validator thread
 * starts and its Add/Update/Delete go through secured_operation (the thread
 * ends by itself once the graph closed). */
HRESULT start_record_security(HGRAPH graph, const GraphSecurity &security);
/* The handle closed: returns the graph's validator thread for the caller
 * to wait for once it holds no lock of the library (no callback of the
 * graph runs after PeerGraphClose returned), or NULL (none, or the caller
 * is that thread). */
HANDLE forget_record_security(HGRAPH graph);
/* PeerGraphShutdown closed every graph: the validator threads of all of
 * them, to wait for in the same way. */
std::vector<HANDLE> forget_all_record_security();
bool record_security_of(HGRAPH graph, RecordCallbacks *out);

/* PeerGraphAddRecord, UpdateRecord, DeleteRecord (not fLocal) of a graph
 * with record callbacks: the engine drafts the record, pfnSecureRecord gives
 * its Security Data, pfnValidateRecord checks it, the engine publishes it.
 * A callback's error is the call's; engine errors go through
 * engine_hresult. */
HRESULT secured_operation(HGRAPH graph, const RecordCallbacks &callbacks, p2pg::RecordOp op, const p2pg::Record &in,
                          p2pg::Guid *id, HRESULT (*engine_hresult)(p2pg::GraphError));

#endif
