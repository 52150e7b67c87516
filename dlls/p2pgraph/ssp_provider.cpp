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

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "ssp_provider.h"

WINE_DEFAULT_DEBUG_CHANNEL(p2pgraph);

/* The package is driven exactly as the Peer SDK's "Security Service
 * Providers" page says: credentials from AcquireCredentialsHandleW with
 * pbSecurityInfo as pAuthData, a stream-mode context (ISC_REQ_STREAM and
 * friends), EncryptMessage with STREAM_HEADER, DATA, STREAM_TRAILER, EMPTY
 * and DecryptMessage with DATA and three EMPTY buffers.  How the tokens
 * travel is what MS-PPGRH leaves open; decided here (and in the engine's
 * Link): raw on the TCP stream right after AUTH_INFO, as TLS records do, so
 * any stream-mode package (which delimits its own tokens and records:
 * SEC_E_INCOMPLETE_MESSAGE, SECBUFFER_EXTRA) works unchanged. */

namespace {

constexpr ULONG kInitiatorFlags = ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY |
                                  ISC_REQ_SEQUENCE_DETECT | ISC_REQ_STREAM | ISC_REQ_ALLOCATE_MEMORY;
constexpr ULONG kResponderFlags = ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY |
                                  ASC_REQ_SEQUENCE_DETECT | ASC_REQ_STREAM | ASC_REQ_ALLOCATE_MEMORY;

class SspiSession : public p2pg::ConnectionCipher {
public:
    SspiSession(std::shared_ptr<SspiProvider> provider, bool initiator, CredHandle credentials)
        : provider_(std::move(provider)), initiator_(initiator), credentials_(credentials)
    {
    }
    ~SspiSession() override
    {
        if (have_context_) provider_->table()->DeleteSecurityContext(&context_);
    }

    Step handshake(const std::uint8_t *in, std::size_t size, std::size_t *consumed,
                   std::vector<std::uint8_t> *out) override
    {
        *consumed = 0;
        for (;;) {
            /* The responder waits for the initiator's first token. */
            if (size - *consumed == 0 && (!initiator_ || have_context_)) return Step::more;
            std::size_t before = *consumed;
            Step step = one_step(in + *consumed, size - *consumed, consumed, out);
            if (step != Step::more || *consumed >= size || stalled_) return step;
            /* A package that takes nothing and asks for more: wait for bytes. */
            if (*consumed == before) return step;
        }
    }

    bool encrypt(const std::uint8_t *in, std::size_t size, std::vector<std::uint8_t> *out) override
    {
        std::size_t chunk_max = sizes_.cbMaximumMessage ? sizes_.cbMaximumMessage : 16384;
        std::vector<std::uint8_t> buffer;
        for (std::size_t at = 0; at < size; at += chunk_max) {
            std::size_t chunk = std::min(chunk_max, size - at);
            buffer.assign(sizes_.cbHeader + chunk + sizes_.cbTrailer, 0);
            std::copy(in + at, in + at + chunk, buffer.begin() + sizes_.cbHeader);
            SecBuffer buffers[4] = {
                {sizes_.cbHeader, SECBUFFER_STREAM_HEADER, buffer.data()},
                {static_cast<ULONG>(chunk), SECBUFFER_DATA, buffer.data() + sizes_.cbHeader},
                {sizes_.cbTrailer, SECBUFFER_STREAM_TRAILER, buffer.data() + sizes_.cbHeader + chunk},
                {0, SECBUFFER_EMPTY, nullptr},
            };
            SecBufferDesc desc = {SECBUFFER_VERSION, 4, buffers};
            SECURITY_STATUS status = provider_->table()->EncryptMessage(&context_, 0, &desc, 0);
            if (status != SEC_E_OK) {
                WINE_WARN("EncryptMessage returned %#x\n", (unsigned)status);
                return false;
            }
            for (const SecBuffer &b : buffers) {
                if (b.BufferType != SECBUFFER_STREAM_HEADER && b.BufferType != SECBUFFER_DATA &&
                    b.BufferType != SECBUFFER_STREAM_TRAILER)
                    continue;
                const std::uint8_t *p = static_cast<const std::uint8_t *>(b.pvBuffer);
                if (p && b.cbBuffer) out->insert(out->end(), p, p + b.cbBuffer);
            }
        }
        return true;
    }

    Step decrypt(const std::uint8_t *in, std::size_t size, std::size_t *consumed,
                 std::vector<std::uint8_t> *out) override
    {
        *consumed = 0;
        /* Decrypted in place: one copy of the input, taken record by record. */
        scratch_.assign(in, in + size);
        while (*consumed < size) {
            std::size_t left = size - *consumed;
            SecBuffer buffers[4] = {
                {static_cast<ULONG>(left), SECBUFFER_DATA, scratch_.data() + *consumed},
                {0, SECBUFFER_EMPTY, nullptr},
                {0, SECBUFFER_EMPTY, nullptr},
                {0, SECBUFFER_EMPTY, nullptr},
            };
            SecBufferDesc desc = {SECBUFFER_VERSION, 4, buffers};
            SECURITY_STATUS status = provider_->table()->DecryptMessage(&context_, &desc, 0, nullptr);
            if (status == SEC_E_INCOMPLETE_MESSAGE) return Step::more;
            if (status != SEC_E_OK) {
                WINE_WARN("DecryptMessage returned %#x\n", (unsigned)status);
                return Step::failed;
            }
            std::size_t extra = 0;
            for (const SecBuffer &b : buffers) {
                const std::uint8_t *p = static_cast<const std::uint8_t *>(b.pvBuffer);
                if (b.BufferType == SECBUFFER_DATA && p && b.cbBuffer) out->insert(out->end(), p, p + b.cbBuffer);
                if (b.BufferType == SECBUFFER_EXTRA) extra = b.cbBuffer;
            }
            /* A record takes at least one byte: no progress is a broken package. */
            if (extra >= left) return Step::failed;
            *consumed += left - extra;
            if (!extra) break;
        }
        return Step::more;
    }

private:
    Step one_step(const std::uint8_t *in, std::size_t size, std::size_t *consumed, std::vector<std::uint8_t> *out)
    {
        SecBuffer in_buffers[2] = {
            {static_cast<ULONG>(size), SECBUFFER_TOKEN, const_cast<std::uint8_t *>(in)},
            {0, SECBUFFER_EMPTY, nullptr},
        };
        SecBufferDesc in_desc = {SECBUFFER_VERSION, 2, in_buffers};
        SecBuffer out_buffer = {0, SECBUFFER_TOKEN, nullptr};
        SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, &out_buffer};
        ULONG attributes = 0;
        TimeStamp expiry;
        SECURITY_STATUS status;
        SecurityFunctionTableW *table = provider_->table();
        if (initiator_)
            status = table->InitializeSecurityContextW(&credentials_, have_context_ ? &context_ : nullptr, nullptr,
                                                       kInitiatorFlags, 0, 0, have_context_ ? &in_desc : nullptr, 0,
                                                       &context_, &out_desc, &attributes, &expiry);
        else
            status = table->AcceptSecurityContext(&credentials_, have_context_ ? &context_ : nullptr, &in_desc,
                                                  kResponderFlags, 0, &context_, &out_desc, &attributes, &expiry);
        if (out_buffer.pvBuffer) {
            const std::uint8_t *p = static_cast<const std::uint8_t *>(out_buffer.pvBuffer);
            if (out_buffer.cbBuffer) out->insert(out->end(), p, p + out_buffer.cbBuffer);
            table->FreeContextBuffer(out_buffer.pvBuffer);
        }
        stalled_ = false;
        if (status == SEC_E_INCOMPLETE_MESSAGE) {
            stalled_ = true;
            return Step::more;
        }
        bool first = !have_context_;
        if (status == SEC_E_OK || status == SEC_I_CONTINUE_NEEDED) have_context_ = true;
        if (status != SEC_E_OK && status != SEC_I_CONTINUE_NEEDED) {
            WINE_TRACE("%s returned %#x\n", initiator_ ? "InitializeSecurityContextW" : "AcceptSecurityContext",
                       (unsigned)status);
            return Step::failed;
        }
        /* The initiator's first call takes no input. */
        if (!(initiator_ && first)) {
            std::size_t extra = in_buffers[1].BufferType == SECBUFFER_EXTRA ? in_buffers[1].cbBuffer : 0;
            *consumed += size - std::min<std::size_t>(extra, size);
        }
        if (status == SEC_E_OK && !(attributes & (initiator_ ? ISC_RET_CONFIDENTIALITY : ASC_RET_CONFIDENTIALITY))) {
            /* Connections are to be encrypted (MS-PPGRH 3.1.7.28): a
             * package that will not is refused. */
            WINE_WARN("the package gives no confidentiality (attributes %#x)\n", (unsigned)attributes);
            return Step::failed;
        }
        if (status == SEC_I_CONTINUE_NEEDED) {
            /* Nothing consumed and nothing to send: wait for more bytes. */
            if (!(initiator_ && first) && in_buffers[1].BufferType != SECBUFFER_EXTRA) stalled_ = true;
            return Step::more;
        }
        if (table->QueryContextAttributesW(&context_, SECPKG_ATTR_STREAM_SIZES, &sizes_) != SEC_E_OK ||
            !sizes_.cbMaximumMessage) {
            WINE_WARN("the package reports no stream sizes\n");
            return Step::failed;
        }
        return Step::done;
    }

    std::shared_ptr<SspiProvider> provider_;
    bool initiator_;
    CredHandle credentials_;
    CtxtHandle context_{};
    bool have_context_ = false;
    bool stalled_ = false;
    SecPkgContext_StreamSizes sizes_{};
    std::vector<std::uint8_t> scratch_;
};

} // namespace

SspiProvider::~SspiProvider()
{
    if (have_outbound_) table_->FreeCredentialsHandle(&outbound_);
    if (have_inbound_) table_->FreeCredentialsHandle(&inbound_);
    /* Every session holds the provider: none is left in the module now. */
    if (module_) FreeLibrary(module_);
}

HRESULT SspiProvider::load(const WCHAR *dll, const WCHAR *package, const BYTE *info, ULONG info_size,
                           std::shared_ptr<SspiProvider> *out)
{
    HMODULE module = LoadLibraryW(dll);
    if (!module) {
        WINE_WARN("cannot load %s: %u\n", wine_dbgstr_w(dll), (unsigned)GetLastError());
        return E_INVALIDARG;
    }
    /* Through void *: FARPROC and the entry point's type differ. */
    auto init = reinterpret_cast<INIT_SECURITY_INTERFACE_W>(
        reinterpret_cast<void *>(GetProcAddress(module, "InitSecurityInterfaceW")));
    SecurityFunctionTableW *table = init ? init() : nullptr;
    if (!table || !table->AcquireCredentialsHandleW || !table->InitializeSecurityContextW ||
        !table->AcceptSecurityContext || !table->EncryptMessage || !table->DecryptMessage ||
        !table->QueryContextAttributesW || !table->FreeContextBuffer || !table->DeleteSecurityContext ||
        !table->FreeCredentialsHandle) {
        WINE_WARN("%s has no usable InitSecurityInterfaceW\n", wine_dbgstr_w(dll));
        FreeLibrary(module);
        return E_INVALIDARG;
    }
    if (table->QuerySecurityPackageInfoW) {
        PSecPkgInfoW package_info = nullptr;
        SECURITY_STATUS status = table->QuerySecurityPackageInfoW(const_cast<WCHAR *>(package), &package_info);
        if (status != SEC_E_OK) {
            WINE_WARN("%s has no package %s: %#x\n", wine_dbgstr_w(dll), wine_dbgstr_w(package), (unsigned)status);
            FreeLibrary(module);
            return E_INVALIDARG;
        }
        table->FreeContextBuffer(package_info);
    }
    auto provider = std::shared_ptr<SspiProvider>(new SspiProvider);
    provider->module_ = module;
    provider->table_ = table;
    provider->package_.assign(package, package + lstrlenW(package) + 1);
    if (info_size) provider->info_.assign(info, info + info_size);
    /* The credentials the graph's connections will use, acquired now so a
     * package that refuses them fails the call that asked for it. */
    HRESULT hr = provider->acquire(true);
    if (SUCCEEDED(hr)) hr = provider->acquire(false);
    /* On failure the provider goes, and the module with it. */
    if (FAILED(hr)) return hr;
    *out = std::move(provider);
    return S_OK;
}

HRESULT SspiProvider::acquire(bool outbound)
{
    std::lock_guard<std::mutex> guard(lock_);
    CredHandle *handle = outbound ? &outbound_ : &inbound_;
    bool *have = outbound ? &have_outbound_ : &have_inbound_;
    if (*have) return S_OK;
    TimeStamp expiry;
    /* pvGetKeyArgument 1: as the Peer SDK's page says Windows passes it. */
    SECURITY_STATUS status = table_->AcquireCredentialsHandleW(
        nullptr, package_.data(), outbound ? SECPKG_CRED_OUTBOUND : SECPKG_CRED_INBOUND, nullptr,
        info_.empty() ? nullptr : info_.data(), nullptr, reinterpret_cast<void *>(1), handle, &expiry);
    if (status != SEC_E_OK) {
        WINE_WARN("AcquireCredentialsHandleW(%s) returned %#x\n", outbound ? "outbound" : "inbound", (unsigned)status);
        return E_INVALIDARG;
    }
    *have = true;
    return S_OK;
}

std::unique_ptr<p2pg::ConnectionCipher> SspiProvider::make(bool initiator)
{
    if (FAILED(acquire(initiator))) return nullptr;
    return std::make_unique<SspiSession>(shared_from_this(), initiator, initiator ? outbound_ : inbound_);
}
