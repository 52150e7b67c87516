/*
 * Peer-to-Peer Graphing: library start-up and shut-down
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

#include <climits>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "convert.h"
#include "security.h"

WINE_DEFAULT_DEBUG_CHANNEL(p2pgraph);
WINE_DECLARE_DEBUG_CHANNEL(p2pgraph_link);
WINE_DECLARE_DEBUG_CHANNEL(p2pgraph_sync);
WINE_DECLARE_DEBUG_CHANNEL(p2pgraph_flood);
WINE_DECLARE_DEBUG_CHANNEL(p2pgraph_maint);
WINE_DECLARE_DEBUG_CHANNEL(p2pgraph_store);

namespace {

/* The highest (and only) version of the graphing API this DLL offers. */
constexpr WORD kHighestVersion = PEER_GRAPH_VERSION;

struct Library {
    /* Exclusive for Startup/Shutdown, shared for every other call. */
    std::shared_mutex lock;
    unsigned references = 0;
    /* The engine's loop runs on it. */
    HANDLE loop_thread = nullptr;
};

/* Never destroyed: at process exit the loop thread may still be running
 * (the application need not call PeerGraphShutdown). */
Library &library()
{
    static Library *instance = new Library;
    return *instance;
}

/* The channel of each engine component, in LogComponent order: p2pgraph
 * (the API calls) also shows the graph as a whole, the others one concern
 * each, so WINEDEBUG=+p2pgraph_link shows connections and nothing else.
 * The sink is handed a component at run time, hence the channel objects
 * themselves rather than the WINE_TRACE_(ch) macros. */
struct __wine_debug_channel *const kEngineChannels[p2pg::kLogComponents] = {
    &__wine_dbch_p2pgraph,       &__wine_dbch_p2pgraph_link,  &__wine_dbch_p2pgraph_sync,
    &__wine_dbch_p2pgraph_flood, &__wine_dbch_p2pgraph_maint, &__wine_dbch_p2pgraph_store,
};

void engine_log(p2pg::LogComponent component, p2pg::LogLevel level, const char *function, const char *message)
{
    static const enum __wine_debug_class classes[] = {__WINE_DBCL_TRACE, __WINE_DBCL_WARN, __WINE_DBCL_ERR};
    /* Wine leaves out the class:channel prefix without a function name. */
    wine_dbg_log(classes[static_cast<int>(level)], kEngineChannels[static_cast<int>(component)],
                 function ? function : "engine", "%s\n", message);
}

/* What WINEDEBUG enables, read when the library starts (Wine sets the
 * channels' flags at process start). */
p2pg::LogMask engine_log_mask()
{
    const bool on[p2pg::kLogComponents][p2pg::kLogLevels] = {
        {WINE_TRACE_ON(p2pgraph), WINE_WARN_ON(p2pgraph), WINE_ERR_ON(p2pgraph)},
        {WINE_TRACE_ON(p2pgraph_link), WINE_WARN_ON(p2pgraph_link), WINE_ERR_ON(p2pgraph_link)},
        {WINE_TRACE_ON(p2pgraph_sync), WINE_WARN_ON(p2pgraph_sync), WINE_ERR_ON(p2pgraph_sync)},
        {WINE_TRACE_ON(p2pgraph_flood), WINE_WARN_ON(p2pgraph_flood), WINE_ERR_ON(p2pgraph_flood)},
        {WINE_TRACE_ON(p2pgraph_maint), WINE_WARN_ON(p2pgraph_maint), WINE_ERR_ON(p2pgraph_maint)},
        {WINE_TRACE_ON(p2pgraph_store), WINE_WARN_ON(p2pgraph_store), WINE_ERR_ON(p2pgraph_store)},
    };
    p2pg::LogMask mask = 0;
    for (int c = 0; c < p2pg::kLogComponents; ++c)
        for (int l = 0; l < p2pg::kLogLevels; ++l)
            if (on[c][l]) mask |= p2pg::log_bit(static_cast<p2pg::LogComponent>(c), static_cast<p2pg::LogLevel>(l));
    return mask;
}

DWORD WINAPI loop_thread_proc(void *)
{
    p2pg::api::run();
    return 0;
}

/* Closes every handle still open (graphs, event registrations,
 * enumerations), stops the engine and waits for its loop thread to end. */
void stop_library(Library &lib)
{
    std::size_t open = p2pg::api::stop();
    if (open) WINE_TRACE("closed %u handles left open\n", (unsigned)open);
    WaitForSingleObject(lib.loop_thread, INFINITE);
    CloseHandle(lib.loop_thread);
    lib.loop_thread = nullptr;
    p2pg::api::destroy();
}

HRESULT start_library(Library &lib)
{
    p2pg::set_log_sink(engine_log, engine_log_mask());
    std::string error;
    if (!p2pg::api::create(&error)) {
        WINE_ERR("cannot create the event loop: %s\n", error.c_str());
        return E_OUTOFMEMORY;
    }
    HANDLE thread = CreateThread(nullptr, 0, loop_thread_proc, nullptr, 0, nullptr);
    if (!thread) {
        DWORD err = GetLastError();
        WINE_ERR("cannot create the loop thread: %u\n", (unsigned)err);
        p2pg::api::destroy();
        return HRESULT_FROM_WIN32(err);
    }
    lib.loop_thread = thread;
    p2pg::GraphError err = p2pg::api::start();
    if (err != p2pg::GraphError::ok) {
        stop_library(lib);
        return hresult_from_graph_error(err);
    }
    return S_OK;
}

/* pVersionData only reports versions: NULL is taken (nothing written); the
 * page lists no E_INVALIDARG. */
HRESULT startup(WORD requested, PEER_VERSION_DATA *version_data)
{
    /* MAKEWORD(major, minor): 1.0 is the lowest version there is; a higher
     * request is answered with the version we have, as WSAStartup does. */
    if (LOBYTE(requested) < 1) return PEER_E_UNSUPPORTED_VERSION;

    Library &lib = library();
    std::unique_lock<std::shared_mutex> guard(lib.lock);
    if (lib.references == UINT_MAX) return E_OUTOFMEMORY;
    if (lib.references == 0) {
        HRESULT hr = start_library(lib);
        if (FAILED(hr)) return hr;
    }
    ++lib.references;
    if (version_data) {
        version_data->wVersion = kHighestVersion;
        version_data->wHighestVersion = kHighestVersion;
    }
    return S_OK;
}

HRESULT shutdown()
{
    Library &lib = library();
    std::vector<HANDLE> validators;
    HRESULT hr = S_OK;
    {
        std::unique_lock<std::shared_mutex> guard(lib.lock);
        if (lib.references == 0) return PEER_E_NOT_INITIALIZED;
        if (--lib.references == 0) hr = guarded([&] {
            stop_library(lib);
            validators = forget_all_record_security();
            return S_OK;
        });
    }
    /* The graphs are closed: their validator threads end (as for
     * PeerGraphClose, waited for without the lock). */
    for (HANDLE thread : validators) {
        WaitForSingleObject(thread, INFINITE);
        CloseHandle(thread);
    }
    return hr;
}

} // namespace

ApiCall::ApiCall()
{
    library().lock.lock_shared();
    initialized_ = library().references > 0;
}

ApiCall::~ApiCall()
{
    library().lock.unlock_shared();
}

/* Undocumented data export of the real DLL (an allocator table shared with
 * P2P.dll).  No documented program reads it; it is exported so that programs
 * linked against the SDK's import library load, and it stays NULL. */
extern "C" {
void *p2pgraph_memory_helper = nullptr;
}

extern "C" HRESULT WINAPI PeerGraphStartup(WORD wVersionRequested, PPEER_VERSION_DATA pVersionData)
{
    WINE_TRACE("(%#x, %p)\n", wVersionRequested, pVersionData);
    HRESULT hr = startup(wVersionRequested, pVersionData);
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}

extern "C" HRESULT WINAPI PeerGraphShutdown(void)
{
    WINE_TRACE("()\n");
    HRESULT hr = shutdown();
    WINE_TRACE("returning %#x\n", (unsigned)hr);
    return hr;
}
