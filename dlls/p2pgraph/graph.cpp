/*
 * Peer-to-Peer Graphing: graphs (create, open, listen, connect, close, properties, time, database)
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

#include <cstddef>

#include "convert.h"
#include "pack.h"
#include "security.h"

WINE_DEFAULT_DEBUG_CHANNEL(p2pgraph);

namespace {

constexpr std::size_t kMaxDatabaseNameChars = MAX_PATH;

/* A new graph handle goes to the application once its record security
 * runs; if that cannot start, the graph closes again. */
HRESULT secured_handle(p2pg::api::Handle graph, const GraphSecurity &callbacks, HGRAPH *out, HRESULT success)
{
    HGRAPH handle = reinterpret_cast<HGRAPH>(graph);
    HRESULT hr = start_record_security(handle, callbacks);
    if (FAILED(hr)) {
        p2pg::api::graph_close(graph);
        return hr;
    }
    *out = handle;
    return success;
}

HRESULT properties_from_win32(const PEER_GRAPH_PROPERTIES *in, p2pg::GraphProperties *out)
{
    if (in->dwSize != sizeof(*in)) return E_INVALIDARG;
    out->flags = in->dwFlags;
    out->scope = in->dwScope;
    out->max_record_size = in->dwMaxRecordSize;
    out->presence_lifetime = in->ulPresenceLifetime;
    out->presence_max = in->cPresenceMax;
    if (in->pwzFriendlyName && !utf8_from_wide(in->pwzFriendlyName, p2pg::kMaxFriendlyNameChars, &out->friendly_name))
        return E_INVALIDARG;
    if (in->pwzComment && !utf8_from_wide(in->pwzComment, p2pg::kMaxCommentChars, &out->comment))
        return E_INVALIDARG;
    return S_OK;
}

HRESULT create_graph(PEER_GRAPH_PROPERTIES *properties, const WCHAR *database_name,
                     PEER_SECURITY_INTERFACE *security, HGRAPH *graph_handle)
{
    ApiCall call;
    if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
    if (!properties || !database_name || !graph_handle) return E_INVALIDARG;
    p2pg::GraphProperties props;
    std::string name;
    HRESULT hr = properties_from_win32(properties, &props);
    if (FAILED(hr)) return hr;
    if (!properties->pwzGraphId || !utf8_from_wide(properties->pwzGraphId, p2pg::kMaxIdChars, &props.graph_id) ||
        !properties->pwzCreatorId || !utf8_from_wide(properties->pwzCreatorId, p2pg::kMaxIdChars, &props.creator_id) ||
        !utf8_from_wide(database_name, kMaxDatabaseNameChars, &name) || name.empty())
        return E_INVALIDARG;
    GraphSecurity callbacks;
    p2pg::api::Security engine_security;
    if (FAILED(hr = security_from_win32(security, &callbacks, &engine_security))) return hr;
    p2pg::api::Settings settings;
    if (FAILED(hr = engine_settings(&settings))) return hr;

    p2pg::api::Handle graph = 0;
    p2pg::GraphError err = p2pg::api::graph_create(settings, props, name, engine_security, &graph);
    if (err != p2pg::GraphError::ok) {
        WINE_TRACE("engine error %d\n", static_cast<int>(err));
        return hresult_from_graph_error(err);
    }
    return secured_handle(graph, callbacks, graph_handle, S_OK);
}

HRESULT open_graph(const WCHAR *graph_id, const WCHAR *peer_id, const WCHAR *database_name,
                   PEER_SECURITY_INTERFACE *security, ULONG precedence_count, const GUID *precedence,
                   HGRAPH *graph_handle)
{
    ApiCall call;
    if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
    if (!graph_id || !peer_id || !database_name || !graph_handle) return E_INVALIDARG;
    /* The array goes with its count: NULL exactly when the count is 0. */
    if (!precedence_count != !precedence) return E_INVALIDARG;
    std::string gid, pid, name;
    if (!utf8_from_wide(graph_id, p2pg::kMaxOpenGraphIdChars, &gid) || gid.empty() ||
        !utf8_from_wide(peer_id, p2pg::kMaxIdChars, &pid) || pid.empty() ||
        !utf8_from_wide(database_name, kMaxDatabaseNameChars, &name) || name.empty())
        return E_INVALIDARG;
    GraphSecurity callbacks;
    p2pg::api::Security engine_security;
    HRESULT hr = security_from_win32(security, &callbacks, &engine_security);
    if (FAILED(hr)) return hr;
    p2pg::api::Settings settings;
    std::vector<p2pg::Guid> order;
    hr = guarded([&] {
        for (ULONG i = 0; i < precedence_count; ++i) order.push_back(guid_from_win32(precedence[i]));
        return S_OK;
    });
    if (FAILED(hr) || FAILED(hr = engine_settings(&settings))) return hr;

    p2pg::api::Handle graph = 0;
    bool data_created = false;
    p2pg::GraphError err =
        p2pg::api::graph_open(settings, gid, pid, name, order, engine_security, &graph, &data_created);
    /* The same graph, peer and database open already in this process:
     * PeerGraphOpen's page has no PEER_E_DUPLICATE_GRAPH (Create's has), so
     * the arguments are what is wrong.  So is a security interface other
     * than the one the graph was created with (MS-PPGRH 3.1.4.2). */
    if (err == p2pg::GraphError::duplicate_graph || err == p2pg::GraphError::security_mismatch) return E_INVALIDARG;
    if (err != p2pg::GraphError::ok) return hresult_from_graph_error(err);
    return secured_handle(graph, callbacks, graph_handle, data_created ? PEER_S_GRAPH_DATA_CREATED : S_OK);
}

HRESULT close_graph(HGRAPH handle)
{
    HANDLE validator = nullptr;
    HRESULT hr;
    {
        ApiCall call;
        if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
        if (!handle) return E_INVALIDARG;
        hr = hresult_from_graph_error(p2pg::api::graph_close(handle_value(handle)));
        if (SUCCEEDED(hr)) validator = forget_record_security(handle);
    }
    /* No callback of the graph runs once PeerGraphClose returned: its
     * validator ends with the graph (outside the library's lock, which it
     * may need to finish). */
    if (validator) {
        WaitForSingleObject(validator, INFINITE);
        CloseHandle(validator);
    }
    return hr;
}

HRESULT delete_graph(const WCHAR *graph_id, const WCHAR *peer_id, const WCHAR *database_name)
{
    ApiCall call;
    if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
    if (!graph_id || !peer_id || !database_name) return E_INVALIDARG;
    std::string gid, pid, name;
    if (!utf8_from_wide(graph_id, p2pg::kMaxOpenGraphIdChars, &gid) || gid.empty() ||
        !utf8_from_wide(peer_id, p2pg::kMaxIdChars, &pid) || pid.empty() ||
        !utf8_from_wide(database_name, kMaxDatabaseNameChars, &name) || name.empty())
        return E_INVALIDARG;
    p2pg::api::Settings settings;
    HRESULT hr = engine_settings(&settings);
    if (FAILED(hr)) return hr;
    return hresult_from_graph_error(p2pg::api::graph_delete(settings, gid, pid, name));
}

HRESULT get_status(HGRAPH handle, DWORD *status)
{
    std::uint32_t value = 0;
    HRESULT hr = with_graph(handle, status != nullptr, [&](p2pg::api::Handle graph) {
        return hresult_from_graph_error(p2pg::api::graph_status(graph, &value));
    });
    if (SUCCEEDED(hr)) *status = value;
    return hr;
}

HRESULT get_properties(HGRAPH handle, PEER_GRAPH_PROPERTIES **out)
{
    p2pg::GraphProperties props;
    HRESULT hr = with_graph(handle, out != nullptr, [&](p2pg::api::Handle graph) {
        return hresult_from_graph_error(p2pg::api::graph_properties(graph, &props));
    });
    if (FAILED(hr)) return hr;
    void *block = pack_result([&](Packer &p) { pack_properties(p, props); });
    if (!block) return E_OUTOFMEMORY;
    *out = static_cast<PEER_GRAPH_PROPERTIES *>(block);
    return S_OK;
}

HRESULT set_properties(HGRAPH handle, const PEER_GRAPH_PROPERTIES *in)
{
    p2pg::GraphProperties changes;
    bool args_ok = in && SUCCEEDED(properties_from_win32(in, &changes));
    return with_graph(handle, args_ok, [&](p2pg::api::Handle graph) {
        return hresult_from_graph_error(p2pg::api::graph_set_properties(graph, changes));
    });
}

HRESULT convert_time(HGRAPH handle, const FILETIME *in, FILETIME *out, bool to_peer)
{
    /* The caller's memory is read and written on the caller's thread only:
     * a bad pointer faults there, not in the loop thread. */
    p2pg::FileTime t = in ? filetime_from_win32(*in) : 0;
    HRESULT hr = with_graph(handle, in && out, [&](p2pg::api::Handle graph) {
        return hresult_from_graph_error(p2pg::api::graph_convert_time(graph, t, to_peer, &t));
    });
    if (SUCCEEDED(hr)) *out = filetime_to_win32(t);
    return hr;
}

HRESULT database_file(HGRAPH handle, const WCHAR *path, bool import)
{
    std::string unix_path;
    bool path_ok = path && path[0];
    /* Wine cannot map a path whose folder does not exist. */
    bool mapped = path_ok && unix_path_from_wide(path, &unix_path);
    return with_graph(handle, path_ok, [&](p2pg::api::Handle graph) {
        if (!mapped) return missing_file_hresult(path);
        p2pg::GraphError err = import ? p2pg::api::graph_import(graph, unix_path) : p2pg::api::graph_export(graph, unix_path);
        if (err == p2pg::GraphError::no_such_file) return missing_file_hresult(path);
        return hresult_from_graph_error(err);
    });
}

/* PeerGraphListen: scope ANY means global; a site- or link-local scope
 * needs the interface (scope id). */
HRESULT listen_graph(HGRAPH handle, DWORD scope, DWORD scope_id, WORD port)
{
    bool args_ok = scope <= PEER_GRAPH_SCOPE_LINKLOCAL &&
                   (scope_id || (scope != PEER_GRAPH_SCOPE_SITELOCAL && scope != PEER_GRAPH_SCOPE_LINKLOCAL));
    return with_graph(handle, args_ok, [&](p2pg::api::Handle graph) {
        return hresult_from_graph_error(p2pg::api::graph_listen(graph, scope, scope_id, port));
    });
}

/* PeerGraphConnect: pwzPeerId may be NULL (any peer of the graph at that
 * address); also for a graph that was never synchronized, which is how it
 * gets its data.  pullConnectionId may be NULL too: the SDK's GraphChat
 * sample passes NULL and learns of the connection from events and
 * PeerGraphEnumConnections, which report the id all the same. */
HRESULT connect_graph(HGRAPH handle, const WCHAR *peer_id, const PEER_ADDRESS *address, ULONGLONG *id)
{
    std::string peer;
    sockaddr_in6 target;
    bool args_ok = address && (!peer_id || (utf8_from_wide(peer_id, p2pg::kMaxIdChars, &peer) && !peer.empty())) &&
                   sockaddr_from_peer_address(address, &target);
    std::uint64_t new_id = 0;
    HRESULT hr = with_graph(handle, args_ok, [&](p2pg::api::Handle graph) {
        return hresult_from_graph_error(p2pg::api::graph_connect(graph, peer, target, &new_id));
    });
    if (SUCCEEDED(hr) && id) *id = new_id;
    return hr;
}

} // namespace

extern "C" HRESULT WINAPI PeerGraphCreate(PPEER_GRAPH_PROPERTIES pGraphProperties, PCWSTR pwzDatabaseName,
                                          PPEER_SECURITY_INTERFACE pSecurityInterface, HGRAPH *phGraph)
{
    WINE_TRACE("(%p, %s, %p, %p)\n", pGraphProperties, wine_dbgstr_w(pwzDatabaseName), pSecurityInterface, phGraph);
    HRESULT hr = create_graph(pGraphProperties, pwzDatabaseName, pSecurityInterface, phGraph);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphOpen(PCWSTR pwzGraphId, PCWSTR pwzPeerId, PCWSTR pwzDatabaseName,
                                        PPEER_SECURITY_INTERFACE pSecurityInterface, ULONG cRecordTypeSyncPrecedence,
                                        const GUID *pRecordTypeSyncPrecedence, HGRAPH *phGraph)
{
    WINE_TRACE("(%s, %s, %s, %p, %u, %p, %p)\n", wine_dbgstr_w(pwzGraphId), wine_dbgstr_w(pwzPeerId),
               wine_dbgstr_w(pwzDatabaseName), pSecurityInterface, (unsigned)cRecordTypeSyncPrecedence,
               pRecordTypeSyncPrecedence, phGraph);
    HRESULT hr = open_graph(pwzGraphId, pwzPeerId, pwzDatabaseName, pSecurityInterface, cRecordTypeSyncPrecedence,
                            pRecordTypeSyncPrecedence, phGraph);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphListen(HGRAPH hGraph, DWORD dwScope, DWORD dwScopeId, WORD wPort)
{
    WINE_TRACE("(%p, %#x, %#x, %u)\n", hGraph, (unsigned)dwScope, (unsigned)dwScopeId, (unsigned)wPort);
    HRESULT hr = listen_graph(hGraph, dwScope, dwScopeId, wPort);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphConnect(HGRAPH hGraph, PCWSTR pwzPeerId, PPEER_ADDRESS pAddress,
                                           ULONGLONG *pullConnectionId)
{
    WINE_TRACE("(%p, %s, %p, %p)\n", hGraph, wine_dbgstr_w(pwzPeerId), pAddress, pullConnectionId);
    HRESULT hr = connect_graph(hGraph, pwzPeerId, pAddress, pullConnectionId);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphClose(HGRAPH hGraph)
{
    WINE_TRACE("(%p)\n", hGraph);
    HRESULT hr = close_graph(hGraph);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphDelete(PCWSTR pwzGraphId, PCWSTR pwzPeerId, PCWSTR pwzDatabaseName)
{
    WINE_TRACE("(%s, %s, %s)\n", wine_dbgstr_w(pwzGraphId), wine_dbgstr_w(pwzPeerId), wine_dbgstr_w(pwzDatabaseName));
    HRESULT hr = delete_graph(pwzGraphId, pwzPeerId, pwzDatabaseName);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphGetStatus(HGRAPH hGraph, DWORD *pdwStatus)
{
    WINE_TRACE("(%p, %p)\n", hGraph, pdwStatus);
    HRESULT hr = get_status(hGraph, pdwStatus);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphGetProperties(HGRAPH hGraph, PPEER_GRAPH_PROPERTIES *ppGraphProperties)
{
    WINE_TRACE("(%p, %p)\n", hGraph, ppGraphProperties);
    HRESULT hr = get_properties(hGraph, ppGraphProperties);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphSetProperties(HGRAPH hGraph, PPEER_GRAPH_PROPERTIES pGraphProperties)
{
    WINE_TRACE("(%p, %p)\n", hGraph, pGraphProperties);
    HRESULT hr = set_properties(hGraph, pGraphProperties);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphPeerTimeToUniversalTime(HGRAPH hGraph, FILETIME *pftPeerTime,
                                                           FILETIME *pftUniversalTime)
{
    WINE_TRACE("(%p, %p, %p)\n", hGraph, pftPeerTime, pftUniversalTime);
    HRESULT hr = convert_time(hGraph, pftPeerTime, pftUniversalTime, false);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphUniversalTimeToPeerTime(HGRAPH hGraph, FILETIME *pftUniversalTime,
                                                           FILETIME *pftPeerTime)
{
    WINE_TRACE("(%p, %p, %p)\n", hGraph, pftUniversalTime, pftPeerTime);
    HRESULT hr = convert_time(hGraph, pftUniversalTime, pftPeerTime, true);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphExportDatabase(HGRAPH hGraph, PCWSTR pwzFilePath)
{
    WINE_TRACE("(%p, %s)\n", hGraph, wine_dbgstr_w(pwzFilePath));
    HRESULT hr = database_file(hGraph, pwzFilePath, false);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphImportDatabase(HGRAPH hGraph, PCWSTR pwzFilePath)
{
    WINE_TRACE("(%p, %s)\n", hGraph, wine_dbgstr_w(pwzFilePath));
    HRESULT hr = database_file(hGraph, pwzFilePath, true);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}
