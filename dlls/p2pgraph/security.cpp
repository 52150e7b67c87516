/*
 * Peer-to-Peer Graphing: graph security providers (PEER_SECURITY_INTERFACE): the record callbacks
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
#include <map>
#include <mutex>

#include "convert.h"
#include "pack.h"
#include "security.h"

WINE_DEFAULT_DEBUG_CHANNEL(p2pgraph);

/* Where the application's record callbacks run (decided here; the pages
 * only say that they must not touch the graph's database):
 * - pfnSecureRecord, then pfnValidateRecord, for PeerGraphAddRecord,
 *   UpdateRecord and DeleteRecord (not fLocal): on the caller's thread, in
 *   the middle of the call (the engine drafts the record, the callbacks see
 *   it, the engine publishes it), with no lock of ours held.
 * - pfnValidateRecord for received records: on a thread of the graph's own
 *   (one per graph with callbacks), which takes them from the engine one by
 *   one; the records wait, unseen and not forwarded, for its verdict.
 * So a callback that calls back into the API gets an answer, not a
 * deadlock, and a slow callback holds up only its own graph's records.
 * Internal records (Graph Info, Presence, Contact, Signature) are the
 * protocol's own: they are neither secured nor validated by the
 * application, which never sees them through the API either. */

namespace {

/* Bounds on what an interface may carry before anything is copied. */
constexpr std::size_t kMaxSspPathChars = MAX_PATH;
constexpr std::size_t kMaxPackageChars = 256;
constexpr ULONG kMaxSecurityInfo = 64 * 1024;

/* How long a validator thread waits for the engine at a time: a shutdown
 * waits at most this long for it. */
constexpr int kValidatorSliceMs = 200;
/* How often an operation is drafted again when the record keeps changing
 * under it. */
constexpr int kMaxDrafts = 8;

/* What secures each open graph, and its validator thread. */
struct GraphEntry {
    GraphSecurity security;
    HANDLE validator = nullptr;
    DWORD validator_id = 0;
};

std::mutex callbacks_lock;
std::map<HGRAPH, GraphEntry> &callbacks_of_graphs()
{
    static auto *callbacks = new std::map<HGRAPH, GraphEntry>;
    return *callbacks;
}

/* The entry's thread, unless that is the calling thread (a callback that
 * closes its own graph cannot wait for itself). */
HANDLE validator_to_wait_for(GraphEntry &entry)
{
    if (!entry.validator) return nullptr;
    if (entry.validator_id == GetCurrentThreadId()) {
        CloseHandle(entry.validator);
        return nullptr;
    }
    return entry.validator;
}

/* "name.dll" of a path, lowercased: what identifies a package's DLL
 * wherever it was loaded from. */
std::string dll_name(const WCHAR *path)
{
    const WCHAR *name = path;
    for (const WCHAR *p = path; *p; ++p)
        if (*p == '\\' || *p == '/') name = p + 1;
    std::string out;
    for (const WCHAR *p = name; *p; ++p) out += static_cast<char>(*p < 0x80 ? tolower(*p) : '?');
    return out;
}

std::string narrow(const WCHAR *s)
{
    std::string out;
    utf8_from_wide(s, kMaxPackageChars, &out);
    return out;
}

PEER_RECORD_CHANGE_TYPE change_type(p2pg::RecordChange change)
{
    return static_cast<PEER_RECORD_CHANGE_TYPE>(change);
}

/* The application's view of a record, in memory of our own for the length
 * of a callback. */
class RecordView {
public:
    explicit RecordView(const p2pg::Record &record)
    {
        Packer measure(nullptr);
        pack_record(measure, record);
        storage_.resize(measure.size() + 16);
        unsigned char *base = storage_.data();
        while (reinterpret_cast<ULONG_PTR>(base) % 16) ++base;
        Packer write(base);
        pack_record(write, record);
        record_ = reinterpret_cast<PEER_RECORD *>(base);
    }
    PEER_RECORD *get() { return record_; }

private:
    std::vector<unsigned char> storage_;
    PEER_RECORD *record_;
};

p2pg::Verdict verdict_of(HRESULT hr)
{
    if (hr == S_OK) return p2pg::Verdict::valid;
    if (hr == PEER_E_INVALID_RECORD) return p2pg::Verdict::invalid;
    if (hr == PEER_E_DEFERRED_VALIDATION) return p2pg::Verdict::defer;
    return p2pg::Verdict::failed;
}

struct Validator {
    HGRAPH graph;
    RecordCallbacks callbacks;
};

DWORD WINAPI validator_proc(void *arg)
{
    std::unique_ptr<Validator> self(static_cast<Validator *>(arg));
    p2pg::api::Handle graph = handle_value(self->graph);
    for (;;) {
        p2pg::ValidationRequest request;
        /* Waits without the library's lock (a waiting thread must not hold
         * PeerGraphShutdown off): the engine's handles outlive the library,
         * and closing the graph, which Shutdown does, wakes the wait. */
        p2pg::GraphError err = p2pg::api::security_next(graph, kValidatorSliceMs, &request);
        if (err == p2pg::GraphError::would_block) continue;
        if (err != p2pg::GraphError::ok) break;
        HRESULT hr = guarded([&] {
            RecordView view(request.record);
            return self->callbacks.validate(self->graph, self->callbacks.context, view.get(),
                                            change_type(request.change));
        });
        WINE_TRACE("graph %p: pfnValidateRecord(%s, %d) returned %#x\n", self->graph,
                   wine_dbgstr_guid(reinterpret_cast<const GUID *>(request.record.id.bytes.data())),
                   static_cast<int>(request.change), (unsigned)hr);
        ApiCall call;
        if (!call.initialized()) break;
        if (p2pg::api::security_answer(graph, request.id, verdict_of(hr)) == p2pg::GraphError::invalid_handle) break;
    }
    WINE_TRACE("graph %p: validator ends\n", self->graph);
    return 0;
}

bool bounded_string(const WCHAR *s, std::size_t max_chars)
{
    if (!s) return true;
    for (std::size_t n = 0; n <= max_chars; ++n)
        if (!s[n]) return n > 0;
    return false;
}

} // namespace

HRESULT security_from_win32(const PEER_SECURITY_INTERFACE *in, GraphSecurity *graph_security,
                            p2pg::api::Security *security)
{
    *graph_security = GraphSecurity();
    RecordCallbacks *callbacks = &graph_security->callbacks;
    *security = p2pg::api::Security();
    if (!in) return S_OK;
    /* The XP structure ends before pfnAuthFailed. */
    if (in->dwSize != sizeof(*in) && in->dwSize != offsetof(PEER_SECURITY_INTERFACE, pfnAuthFailed))
        return E_INVALIDARG;
    if (!in->pfnValidateRecord != !in->pfnSecureRecord) return E_INVALIDARG;
    if (!bounded_string(in->pwzSspFilename, kMaxSspPathChars) || !bounded_string(in->pwzPackageName, kMaxPackageChars))
        return E_INVALIDARG;
    if (!in->pwzSspFilename != !in->pwzPackageName) return E_INVALIDARG;
    if ((in->cbSecurityInfo && !in->pbSecurityInfo) || in->cbSecurityInfo > kMaxSecurityInfo) return E_INVALIDARG;
    if (in->pwzSspFilename) {
        HRESULT hr = guarded([&] {
            return SspiProvider::load(in->pwzSspFilename, in->pwzPackageName, in->pbSecurityInfo, in->cbSecurityInfo,
                                      &graph_security->ssp);
        });
        if (FAILED(hr)) return hr;
        security->cipher = graph_security->ssp.get();
    }
    if (in->pfnValidateRecord) {
        callbacks->validate = in->pfnValidateRecord;
        callbacks->secure = in->pfnSecureRecord;
        callbacks->free_data = in->pfnFreeSecurityData;
        callbacks->context = in->pvContext;
        security->records = true;
        /* Function addresses differ from one run to the next: a graph
         * created with record callbacks is opened with record callbacks. */
        security->identity = "records";
    }
    if (graph_security->ssp) {
        /* The package, by its DLL's name (not its folder) and name. */
        if (!security->identity.empty()) security->identity += ";";
        security->identity += "ssp:" + dll_name(in->pwzSspFilename) + "|" + narrow(in->pwzPackageName);
    }
    return S_OK;
}

HRESULT start_record_security(HGRAPH graph, const GraphSecurity &security)
{
    if (!security.callbacks.validate && !security.ssp) return S_OK;
    {
        std::lock_guard<std::mutex> guard(callbacks_lock);
        callbacks_of_graphs()[graph].security = security;
    }
    if (!security.callbacks.validate) return S_OK;
    auto validator = std::make_unique<Validator>(Validator{graph, security.callbacks});
    DWORD id = 0;
    HANDLE thread = CreateThread(nullptr, 0, validator_proc, validator.get(), 0, &id);
    if (!thread) {
        DWORD err = GetLastError();
        forget_record_security(graph);
        return HRESULT_FROM_WIN32(err);
    }
    validator.release();
    std::lock_guard<std::mutex> guard(callbacks_lock);
    GraphEntry &entry = callbacks_of_graphs()[graph];
    entry.validator = thread;
    entry.validator_id = id;
    return S_OK;
}

HANDLE forget_record_security(HGRAPH graph)
{
    std::lock_guard<std::mutex> guard(callbacks_lock);
    auto it = callbacks_of_graphs().find(graph);
    if (it == callbacks_of_graphs().end()) return nullptr;
    HANDLE thread = validator_to_wait_for(it->second);
    callbacks_of_graphs().erase(it);
    return thread;
}

std::vector<HANDLE> forget_all_record_security()
{
    std::lock_guard<std::mutex> guard(callbacks_lock);
    std::vector<HANDLE> threads;
    for (auto &entry : callbacks_of_graphs())
        if (HANDLE thread = validator_to_wait_for(entry.second)) threads.push_back(thread);
    callbacks_of_graphs().clear();
    return threads;
}

bool record_security_of(HGRAPH graph, RecordCallbacks *out)
{
    std::lock_guard<std::mutex> guard(callbacks_lock);
    auto it = callbacks_of_graphs().find(graph);
    if (it == callbacks_of_graphs().end() || !it->second.security.callbacks.validate) return false;
    *out = it->second.security.callbacks;
    return true;
}

HRESULT secured_operation(HGRAPH graph, const RecordCallbacks &callbacks, p2pg::RecordOp op, const p2pg::Record &in,
                          p2pg::Guid *id, HRESULT (*engine_hresult)(p2pg::GraphError))
{
    p2pg::api::Handle handle = handle_value(graph);
    p2pg::RecordChange change = op == p2pg::RecordOp::add      ? p2pg::RecordChange::added
                                : op == p2pg::RecordOp::update ? p2pg::RecordChange::updated
                                                               : p2pg::RecordChange::deleted;
    for (int attempt = 0; attempt < kMaxDrafts; ++attempt) {
        p2pg::Record draft;
        {
            ApiCall call;
            HRESULT hr = check_graph(call, graph);
            if (FAILED(hr)) return hr;
            p2pg::GraphError err = p2pg::api::record_draft(handle, op, in, &draft);
            if (err != p2pg::GraphError::ok) return engine_hresult(err);
        }
        /* MS-PPGRH 3.1.7.28: the provider's Security Data goes into the
         * record; its error aborts the operation. */
        PEER_DATA *data = nullptr;
        HRESULT hr = guarded([&] {
            RecordView view(draft);
            return callbacks.secure(graph, callbacks.context, view.get(), change_type(change), &data);
        });
        if (FAILED(hr)) return hr;
        if (data) {
            bool fits = data->cbData <= p2pg::kMaxRecordSizeLimit && (data->pbData || !data->cbData);
            if (fits) hr = guarded([&] {
                draft.security_data.assign(data->pbData, data->pbData + data->cbData);
                return S_OK;
            });
            if (callbacks.free_data) callbacks.free_data(graph, callbacks.context, data);
            if (!fits) return E_INVALIDARG;
            if (FAILED(hr)) return hr;
        }
        /* The provider validates local operations too (the callback's
         * page): anything but S_OK stops the operation with that answer. */
        hr = guarded([&] {
            RecordView view(draft);
            return callbacks.validate(graph, callbacks.context, view.get(), change_type(change));
        });
        if (hr != S_OK) return FAILED(hr) ? hr : E_FAIL;
        ApiCall call;
        if (FAILED(hr = check_graph(call, graph))) return hr;
        p2pg::GraphError err = p2pg::api::record_commit(handle, op, draft, id);
        if (err != p2pg::GraphError::stale) return engine_hresult(err);
        WINE_TRACE("graph %p: the record changed meanwhile; drafting again\n", graph);
    }
    return E_FAIL;
}
