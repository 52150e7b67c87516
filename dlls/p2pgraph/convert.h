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

#ifndef __WINE_P2PGRAPH_CONVERT_H
#define __WINE_P2PGRAPH_CONVERT_H

#include <string>

#include "p2pgraph_private.h"

/* The one table from engine outcomes to HRESULTs. */
HRESULT hresult_from_graph_error(p2pg::GraphError error);

/* UTF-16 from the application to the engine's UTF-8.  max_chars bounds the
 * length (without the NUL) before anything is copied; a longer or malformed
 * string gives false. */
bool utf8_from_wide(const WCHAR *wide, std::size_t max_chars, std::string *out);
/* UTF-16 length of an engine string (for packing). */
std::size_t wide_length(const std::string &utf8);
/* Writes utf8 as a NUL-terminated UTF-16 string at dst (wide_length + 1
 * characters). */
void wide_from_utf8(const std::string &utf8, WCHAR *dst);

static inline p2pg::Guid guid_from_win32(const GUID &g)
{
    p2pg::Guid out;
    memcpy(out.bytes.data(), &g, sizeof(g));
    return out;
}

static inline GUID guid_to_win32(const p2pg::Guid &g)
{
    GUID out;
    memcpy(&out, g.bytes.data(), sizeof(out));
    return out;
}

static inline p2pg::FileTime filetime_from_win32(const FILETIME &ft)
{
    return static_cast<p2pg::FileTime>((static_cast<ULONGLONG>(ft.dwHighDateTime) << 32) | ft.dwLowDateTime);
}

static inline FILETIME filetime_to_win32(p2pg::FileTime t)
{
    FILETIME ft;
    ft.dwLowDateTime = static_cast<DWORD>(static_cast<ULONGLONG>(t));
    ft.dwHighDateTime = static_cast<DWORD>(static_cast<ULONGLONG>(t) >> 32);
    return ft;
}

/* Unix path of a Windows path the application gave, or false. */
bool unix_path_from_wide(const WCHAR *path, std::string *out);
/* The HRESULT for a file the engine could not find: the file itself
 * (ERROR_FILE_NOT_FOUND) or its folder (ERROR_PATH_NOT_FOUND). */
HRESULT missing_file_hresult(const WCHAR *path);

/* Where this user's graph databases live: %APPDATA%\PeerNetworking\p2pgraph
 * of the Wine prefix, as a Unix path. */
bool graph_data_directory(std::string *out);

/* The local addresses the user lets graphs bind and advertise: the
 * P2PGRAPH_ADDRESSES environment variable, else the registry value
 * HKCU\Software\Wine\P2PGraph\Addresses (REG_SZ); a comma- or
 * space-separated list of IPv6 addresses.  Unset: every address of the
 * scope. */
p2pg::AddressPolicy configured_addresses();

/* Where this user's graphs live and what they may take: the engine's
 * settings for graph_create, graph_open and graph_delete (E_FAIL without an
 * application data folder, E_OUTOFMEMORY). */
HRESULT engine_settings(p2pg::api::Settings *out);

/* The storage quota of a graph's database for what neighbors send: the
 * P2PGRAPH_STORAGE_QUOTA environment variable, else the registry value
 * HKCU\Software\Wine\P2PGraph\StorageQuota (REG_SZ); bytes, or with a K, M
 * or G suffix.  Unset or unreadable: the engine's default. */
std::uint64_t configured_storage_quota();

/* PEER_ADDRESS <-> sockaddr_in6 (AF_INET6 is 23 on Windows, 10 here). */
bool sockaddr_from_peer_address(const PEER_ADDRESS *in, sockaddr_in6 *out);
void peer_address_from_sockaddr(const sockaddr_in6 &in, PEER_ADDRESS *out);

/* Common prologue of the HGRAPH functions: PEER_E_NOT_INITIALIZED,
 * E_INVALIDARG for NULL, PEER_E_INVALID_GRAPH for anything that is not an
 * open graph handle. */
HRESULT check_graph(const ApiCall &call, HGRAPH handle);

/* Runs op(engine handle) for a valid graph handle inside the library's
 * call state; args_ok false gives E_INVALIDARG once the handle passed.
 * The engine calls op makes copy what they are given: the caller's memory
 * is read and written on the caller's thread only. */
template <class Op>
HRESULT with_graph(HGRAPH handle, bool args_ok, Op op)
{
    ApiCall call;
    HRESULT hr = check_graph(call, handle);
    if (FAILED(hr)) return hr;
    if (!args_ok) return E_INVALIDARG;
    return guarded([&] { return op(handle_value(handle)); });
}

#endif
