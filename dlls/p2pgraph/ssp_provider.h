/*
 * Peer-to-Peer Graphing: connection security through an SSPI package (PEER_SECURITY_INTERFACE)
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

#ifndef __WINE_P2PGRAPH_SSP_PROVIDER_H
#define __WINE_P2PGRAPH_SSP_PROVIDER_H

#include <memory>
#include <mutex>
#include <vector>

#include "p2pgraph_private.h"

#include <sspi.h>

/* The SSPI package a graph's PEER_SECURITY_INTERFACE names (pwzSspFilename,
 * pwzPackageName, pbSecurityInfo): the engine's CipherFactory for the
 * graph's connections, each a stream-mode security context of the package.
 * Its sessions call the package on the engine's loop thread (a thread made
 * with CreateThread). */
class SspiProvider : public p2pg::CipherFactory, public std::enable_shared_from_this<SspiProvider> {
public:
    /* Loads the DLL, checks the package, acquires its credentials:
     * E_INVALIDARG when any of that fails. */
    static HRESULT load(const WCHAR *dll, const WCHAR *package, const BYTE *info, ULONG info_size,
                        std::shared_ptr<SspiProvider> *out);
    ~SspiProvider() override;

    std::unique_ptr<p2pg::ConnectionCipher> make(bool initiator) override;
    SecurityFunctionTableW *table() const { return table_; }

private:
    SspiProvider() = default;
    HRESULT acquire(bool outbound);

    HMODULE module_ = nullptr;
    SecurityFunctionTableW *table_ = nullptr;
    std::vector<WCHAR> package_;
    std::vector<BYTE> info_;
    std::mutex lock_;
    CredHandle outbound_{}, inbound_{};
    bool have_outbound_ = false, have_inbound_ = false;
};

#endif
