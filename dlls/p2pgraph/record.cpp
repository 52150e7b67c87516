/*
 * Peer-to-Peer Graphing: records
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
#include "security.h"

WINE_DEFAULT_DEBUG_CHANNEL(p2pgraph);

namespace {

/* MAX_ATTRIBUTE_STREAM_LENGTH; the engine refuses longer attributes with
 * PEER_E_INVALID_ATTRIBUTES, this only bounds the copy. */
constexpr std::size_t kMaxAttributeChars = 100000;

/* Copies what the application gave; sizes are bounded before anything is
 * read so a wild cbData never makes us copy gigabytes. */
HRESULT record_from_win32(const PEER_RECORD *in, p2pg::Record *out)
{
    if (!in || in->dwSize != sizeof(*in)) return E_INVALIDARG;
    out->type = guid_from_win32(in->type);
    out->id = guid_from_win32(in->id);
    out->version = in->dwVersion;
    out->flags = in->dwFlags;
    if (in->pwzCreatorId && !utf8_from_wide(in->pwzCreatorId, p2pg::kMaxIdChars, &out->creator_id))
        return E_INVALIDARG;
    if (in->pwzModifiedById && !utf8_from_wide(in->pwzModifiedById, p2pg::kMaxIdChars, &out->modified_by_id))
        return E_INVALIDARG;
    if (in->pwzAttributes && !utf8_from_wide(in->pwzAttributes, kMaxAttributeChars, &out->attributes))
        return PEER_E_INVALID_ATTRIBUTES;
    out->expiration_time = filetime_from_win32(in->ftExpiration);
    if ((in->data.cbData && !in->data.pbData) || (in->securityData.cbData && !in->securityData.pbData))
        return E_INVALIDARG;
    if (in->data.cbData > p2pg::kMaxRecordSizeLimit) return PEER_E_MAX_RECORD_SIZE_EXCEEDED;
    if (in->securityData.cbData > p2pg::kMaxRecordSizeLimit) return E_INVALIDARG;
    out->data.assign(in->data.pbData, in->data.pbData + in->data.cbData);
    out->security_data.assign(in->securityData.pbData, in->securityData.pbData + in->securityData.cbData);
    return S_OK;
}

/* The one page that lists PEER_E_GRAPH_SHUTTING_DOWN. */
HRESULT add_hresult(p2pg::GraphError err)
{
    return err == p2pg::GraphError::shutting_down ? PEER_E_GRAPH_SHUTTING_DOWN : hresult_from_graph_error(err);
}

/* PeerGraphUpdateRecord lists neither PEER_E_INVALID_ATTRIBUTES nor
 * PEER_E_MAX_RECORD_SIZE_EXCEEDED (PeerGraphAddRecord does): bad attributes
 * or too much data are invalid arguments there. */
HRESULT update_listed(HRESULT hr)
{
    return hr == PEER_E_INVALID_ATTRIBUTES || hr == PEER_E_MAX_RECORD_SIZE_EXCEEDED ? E_INVALIDARG : hr;
}

HRESULT update_hresult(p2pg::GraphError err)
{
    return update_listed(hresult_from_graph_error(err));
}

/* pRecordId only reports the new id: NULL is taken (nothing written), as
 * for the connection id of PeerGraphConnect. */
HRESULT add_record(HGRAPH handle, PEER_RECORD *in, GUID *id)
{
    p2pg::Record record;
    HRESULT converted = S_OK;
    bool args_ok = in && in->dwSize == sizeof(*in);
    if (args_ok) converted = guarded([&] { return record_from_win32(in, &record); });
    p2pg::Guid new_id;
    RecordCallbacks callbacks;
    HRESULT hr = with_graph(handle, args_ok, [&](p2pg::api::Handle graph) {
        if (FAILED(converted)) return converted;
        /* Secured below, outside the library's lock. */
        if (record_security_of(handle, &callbacks)) return S_FALSE;
        return add_hresult(p2pg::api::record_add(graph, record, &new_id));
    });
    if (hr == S_FALSE) hr = secured_operation(handle, callbacks, p2pg::RecordOp::add, record, &new_id, add_hresult);
    if (SUCCEEDED(hr) && id) *id = guid_to_win32(new_id);
    return hr;
}

HRESULT update_record(HGRAPH handle, PEER_RECORD *in)
{
    p2pg::Record record;
    HRESULT converted = S_OK;
    bool args_ok = in && in->dwSize == sizeof(*in);
    if (args_ok) converted = guarded([&] { return record_from_win32(in, &record); });
    RecordCallbacks callbacks;
    HRESULT hr = with_graph(handle, args_ok, [&](p2pg::api::Handle graph) {
        if (FAILED(converted)) return update_listed(converted);
        if (record_security_of(handle, &callbacks)) return S_FALSE;
        return update_hresult(p2pg::api::record_update(graph, record));
    });
    if (hr == S_FALSE)
        hr = secured_operation(handle, callbacks, p2pg::RecordOp::update, record, nullptr, update_hresult);
    return hr;
}

HRESULT delete_record(HGRAPH handle, const GUID *id, BOOL local)
{
    p2pg::Guid record_id = id ? guid_from_win32(*id) : p2pg::Guid();
    RecordCallbacks callbacks;
    HRESULT hr = with_graph(handle, id != nullptr, [&](p2pg::api::Handle graph) {
        /* A local deletion changes nothing in the graph: nothing to secure. */
        if (!local && record_security_of(handle, &callbacks)) return S_FALSE;
        return hresult_from_graph_error(p2pg::api::record_delete(graph, record_id, local != FALSE));
    });
    if (hr == S_FALSE) {
        p2pg::Record record;
        record.id = record_id;
        hr = secured_operation(handle, callbacks, p2pg::RecordOp::remove, record, nullptr, hresult_from_graph_error);
    }
    return hr;
}

HRESULT get_record(HGRAPH handle, const GUID *id, PEER_RECORD **out)
{
    p2pg::Record record;
    p2pg::Guid record_id = id ? guid_from_win32(*id) : p2pg::Guid();
    HRESULT hr = with_graph(handle, id && out, [&](p2pg::api::Handle graph) {
        return hresult_from_graph_error(p2pg::api::record_get(graph, record_id, &record));
    });
    if (FAILED(hr)) return hr;
    void *block = pack_result([&](Packer &p) { pack_record(p, record); });
    if (!block) return E_OUTOFMEMORY;
    *out = static_cast<PEER_RECORD *>(block);
    return S_OK;
}

HRESULT enum_records(HGRAPH handle, const GUID *type, const WCHAR *peer_id, HPEERENUM *out)
{
    std::string creator;
    bool args_ok = out && (!peer_id || utf8_from_wide(peer_id, p2pg::kMaxIdChars, &creator));
    p2pg::Guid t = type ? guid_from_win32(*type) : p2pg::Guid();
    p2pg::api::Handle enumeration = 0;
    HRESULT hr = with_graph(handle, args_ok, [&](p2pg::api::Handle graph) {
        return hresult_from_graph_error(
            p2pg::api::records_enum(graph, type ? &t : nullptr, peer_id ? &creator : nullptr, &enumeration));
    });
    if (SUCCEEDED(hr)) *out = reinterpret_cast<HPEERENUM>(enumeration);
    return hr;
}

HRESULT search_records(HGRAPH handle, const WCHAR *criteria, HPEERENUM *out)
{
    std::string xml;
    /* Bounded before anything is copied: a query longer than the engine
     * takes is PEER_E_INVALID_SEARCH, whatever its length. */
    std::size_t chars = 0;
    while (criteria && criteria[chars] && chars <= p2pg::kMaxSearchQueryChars) ++chars;
    bool too_long = chars > p2pg::kMaxSearchQueryChars;
    bool args_ok = criteria && out && (too_long || utf8_from_wide(criteria, p2pg::kMaxSearchQueryChars, &xml));
    p2pg::api::Handle enumeration = 0;
    HRESULT hr = with_graph(handle, args_ok, [&](p2pg::api::Handle graph) {
        if (too_long) return PEER_E_INVALID_SEARCH;
        return hresult_from_graph_error(p2pg::api::records_search(graph, xml, &enumeration));
    });
    if (SUCCEEDED(hr)) *out = reinterpret_cast<HPEERENUM>(enumeration);
    return hr;
}

/* The deferred records with these ids (all of them for 0) are validated
 * again; ids of records that are not deferred are ignored.  Without record
 * callbacks nothing is ever deferred: the call checks its arguments. */
HRESULT validate_deferred_records(HGRAPH handle, ULONG count, const GUID *ids)
{
    /* The ids go to the engine a slice at a time: a count in the billions
     * costs time, never memory. */
    constexpr ULONG kSlice = 4096;
    return with_graph(handle, !count || ids, [&](p2pg::api::Handle graph) {
        std::vector<p2pg::Guid> which;
        ULONG done = 0;
        do {
            which.clear();
            for (; done < count && which.size() < kSlice; ++done) which.push_back(guid_from_win32(ids[done]));
            p2pg::GraphError err = p2pg::api::records_validate_deferred(graph, which);
            if (err != p2pg::GraphError::ok) return hresult_from_graph_error(err);
        } while (done < count);
        return S_OK;
    });
}

} // namespace

extern "C" HRESULT WINAPI PeerGraphAddRecord(HGRAPH hGraph, PPEER_RECORD pRecord, GUID *pRecordId)
{
    WINE_TRACE("(%p, %p, %p)\n", hGraph, pRecord, pRecordId);
    HRESULT hr = add_record(hGraph, pRecord, pRecordId);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphUpdateRecord(HGRAPH hGraph, PPEER_RECORD pRecord)
{
    WINE_TRACE("(%p, %p)\n", hGraph, pRecord);
    HRESULT hr = update_record(hGraph, pRecord);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphDeleteRecord(HGRAPH hGraph, const GUID *pRecordId, BOOL fLocal)
{
    WINE_TRACE("(%p, %s, %d)\n", hGraph, wine_dbgstr_guid(pRecordId), fLocal);
    HRESULT hr = delete_record(hGraph, pRecordId, fLocal);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphGetRecord(HGRAPH hGraph, const GUID *pRecordId, PPEER_RECORD *ppRecord)
{
    WINE_TRACE("(%p, %s, %p)\n", hGraph, wine_dbgstr_guid(pRecordId), ppRecord);
    HRESULT hr = get_record(hGraph, pRecordId, ppRecord);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphEnumRecords(HGRAPH hGraph, const GUID *pRecordType, PCWSTR pwzPeerId,
                                               HPEERENUM *phPeerEnum)
{
    WINE_TRACE("(%p, %s, %s, %p)\n", hGraph, wine_dbgstr_guid(pRecordType), wine_dbgstr_w(pwzPeerId), phPeerEnum);
    HRESULT hr = enum_records(hGraph, pRecordType, pwzPeerId, phPeerEnum);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphSearchRecords(HGRAPH hGraph, PCWSTR pwzCriteria, HPEERENUM *phPeerEnum)
{
    WINE_TRACE("(%p, %s, %p)\n", hGraph, wine_dbgstr_w(pwzCriteria), phPeerEnum);
    HRESULT hr = search_records(hGraph, pwzCriteria, phPeerEnum);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphValidateDeferredRecords(HGRAPH hGraph, ULONG cRecordIds, const GUID *pRecordIds)
{
    WINE_TRACE("(%p, %u, %p)\n", hGraph, (unsigned)cRecordIds, pRecordIds);
    HRESULT hr = validate_deferred_records(hGraph, cRecordIds, pRecordIds);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}
