/*
 * Peer-to-Peer Graphing: conversions between Win32 and engine values
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

#include <cstring>

#include "convert.h"

#include <shlobj.h>

WINE_DEFAULT_DEBUG_CHANNEL(p2pgraph);

HRESULT hresult_from_graph_error(p2pg::GraphError error)
{
    using p2pg::GraphError;
    switch (error) {
    case GraphError::ok: return S_OK;
    case GraphError::invalid_argument: return E_INVALIDARG;
    case GraphError::not_ready: return PEER_E_GRAPH_NOT_READY;
    case GraphError::record_not_found: return PEER_E_RECORD_NOT_FOUND;
    case GraphError::max_record_size_exceeded: return PEER_E_MAX_RECORD_SIZE_EXCEEDED;
    case GraphError::invalid_attributes: return PEER_E_INVALID_ATTRIBUTES;
    case GraphError::duplicate_graph: return PEER_E_DUPLICATE_GRAPH;
    case GraphError::invalid_database: return PEER_E_INVALID_DATABASE;
    case GraphError::access_denied: return E_ACCESSDENIED;
    case GraphError::graph_in_use: return PEER_E_GRAPH_IN_USE;
    /* A graph PeerGraphClose closed while the call was on its way: the
     * handle is invalid by now.  Only PeerGraphAddRecord lists
     * PEER_E_GRAPH_SHUTTING_DOWN; it says so itself. */
    case GraphError::shutting_down: return PEER_E_INVALID_GRAPH;
    case GraphError::connection_not_found: return PEER_E_CONNECTION_NOT_FOUND;
    case GraphError::connect_self: return PEER_E_CONNECT_SELF;
    case GraphError::already_exists: return PEER_E_ALREADY_EXISTS;
    case GraphError::node_not_found: return PEER_E_NODE_NOT_FOUND;
    /* The face waits and retries; an application never sees it. */
    case GraphError::would_block: return HRESULT_FROM_WIN32(WSAEWOULDBLOCK);
    case GraphError::no_such_file: return HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
    case GraphError::disk_full: return HRESULT_FROM_WIN32(ERROR_DISK_FULL);
    case GraphError::invalid_handle: return PEER_E_INVALID_GRAPH;
    /* PeerGraphOpen says E_INVALIDARG itself; a record that kept changing
     * under a secured operation is the last one's trouble. */
    case GraphError::security_mismatch: return E_INVALIDARG;
    case GraphError::stale: return E_FAIL;
    case GraphError::invalid_search: return PEER_E_INVALID_SEARCH;
    case GraphError::out_of_memory: return E_OUTOFMEMORY;
    case GraphError::io_error: break;
    }
    return E_FAIL;
}

bool utf8_from_wide(const WCHAR *wide, std::size_t max_chars, std::string *out)
{
    std::size_t n = 0;
    while (wide[n]) {
        if (n == max_chars) return false;
        ++n;
    }
    std::u16string s(reinterpret_cast<const char16_t *>(wide), n);
    return p2pg::utf16_to_utf8(s, out);
}

std::size_t wide_length(const std::string &utf8)
{
    std::size_t n = p2pg::utf16_length(utf8);
    return n == std::string::npos ? 0 : n;
}

void wide_from_utf8(const std::string &utf8, WCHAR *dst)
{
    /* ASCII (most ids and attributes) widens in place. */
    std::size_t ascii = p2pg::ascii_prefix(utf8);
    for (std::size_t i = 0; i < ascii; ++i) dst[i] = static_cast<WCHAR>(utf8[i]);
    if (ascii == utf8.size()) {
        dst[ascii] = 0;
        return;
    }
    std::u16string s;
    if (!p2pg::utf8_to_utf16(utf8, &s)) s.clear();
    memcpy(dst, s.data(), s.size() * sizeof(WCHAR));
    dst[s.size()] = 0;
}

bool unix_path_from_wide(const WCHAR *path, std::string *out)
{
    if (!path || !path[0]) return false;
    char *unix_path = wine_get_unix_file_name(path);
    if (!unix_path) return false;
    *out = unix_path;
    HeapFree(GetProcessHeap(), 0, unix_path);
    return true;
}

HRESULT missing_file_hresult(const WCHAR *path)
{
    std::size_t n = lstrlenW(path);
    std::u16string folder(reinterpret_cast<const char16_t *>(path), n);
    std::size_t slash = folder.find_last_of(u"\\/");
    if (slash == std::u16string::npos) return HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
    folder.resize(slash ? slash : 1);
    DWORD attributes = GetFileAttributesW(reinterpret_cast<const WCHAR *>(folder.c_str()));
    if (attributes == INVALID_FILE_ATTRIBUTES || !(attributes & FILE_ATTRIBUTE_DIRECTORY))
        return HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND);
    return HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
}

bool graph_data_directory(std::string *out)
{
    WCHAR path[MAX_PATH];
    if (FAILED(SHGetFolderPathW(nullptr, CSIDL_APPDATA | CSIDL_FLAG_CREATE, nullptr, 0, path))) {
        WINE_ERR("no application data folder\n");
        return false;
    }
    /* Wine converts a path only while its folders exist; the engine makes
     * the missing ones. */
    if (!unix_path_from_wide(path, out)) return false;
    *out += "/PeerNetworking/p2pgraph";
    return true;
}

HRESULT check_graph(const ApiCall &call, HGRAPH handle)
{
    if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
    if (!handle) return E_INVALIDARG;
    return p2pg::api::graph_valid(handle_value(handle)) ? S_OK : PEER_E_INVALID_GRAPH;
}

namespace {

/* A setting from the environment, else from HKCU\Software\Wine\P2PGraph
 * (REG_SZ); empty when neither has it. */
std::string setting(const char *variable, const WCHAR *value)
{
    std::string text;
    if (const char *env = getenv(variable)) {
        text = env;
    } else {
        static const WCHAR key[] = {'S','o','f','t','w','a','r','e','\\','W','i','n','e','\\',
                                    'P','2','P','G','r','a','p','h',0};
        WCHAR buffer[1024];
        DWORD size = sizeof(buffer);
        if (!RegGetValueW(HKEY_CURRENT_USER, key, value, RRF_RT_REG_SZ, nullptr, buffer, &size))
            utf8_from_wide(buffer, 1023, &text);
    }
    return text;
}

} // namespace

std::uint64_t configured_storage_quota()
{
    static const WCHAR value[] = {'S','t','o','r','a','g','e','Q','u','o','t','a',0};
    std::string text = setting("P2PGRAPH_STORAGE_QUOTA", value);
    char *end = nullptr;
    unsigned long long n = text.empty() ? 0 : strtoull(text.c_str(), &end, 10);
    if (!n || !end) return p2pg::kDefaultStorageQuota;
    int shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' || *end == 'm' ? 20 : *end == 'G' || *end == 'g' ? 30 : 0;
    if ((shift && end[1]) || (!shift && *end) || n > (~0ull >> shift)) {
        WINE_WARN("ignoring storage quota %s\n", text.c_str());
        return p2pg::kDefaultStorageQuota;
    }
    return n << shift;
}

p2pg::AddressPolicy configured_addresses()
{
    static const WCHAR value[] = {'A','d','d','r','e','s','s','e','s',0};
    std::string text = setting("P2PGRAPH_ADDRESSES", value);
    p2pg::AddressPolicy policy;
    std::string item;
    for (char c : text + ",") {
        if (c == ',' || c == ' ' || c == ';') {
            if (!item.empty()) policy.configured.push_back(item);
            item.clear();
        } else {
            item.push_back(c);
        }
    }
    return policy;
}

bool sockaddr_from_peer_address(const PEER_ADDRESS *in, sockaddr_in6 *out)
{
    if (!in || in->dwSize != sizeof(*in) || in->sin6.sin6_family != WS_AF_INET6) return false;
    static_assert(sizeof(in->sin6) == sizeof(*out), "SOCKADDR_IN6 and sockaddr_in6 are both 28 bytes");
    memcpy(out, &in->sin6, sizeof(*out));
    out->sin6_family = 10; /* AF_INET6 on Linux */
    return true;
}

void peer_address_from_sockaddr(const sockaddr_in6 &in, PEER_ADDRESS *out)
{
    out->dwSize = sizeof(*out);
    memcpy(&out->sin6, &in, sizeof(out->sin6));
    out->sin6.sin6_family = WS_AF_INET6;
}

HRESULT engine_settings(p2pg::api::Settings *out)
{
    return guarded([&] {
        out->addresses = configured_addresses();
        out->storage_quota = configured_storage_quota();
        if (!graph_data_directory(&out->data_directory)) return E_FAIL;
        WINE_TRACE("databases in %s\n", out->data_directory.c_str());
        return S_OK;
    });
}
