/*
 * schannel_probe: can Schannel (the "Microsoft Unified Security Protocol
 * Provider") serve as a stream-mode SSPI package for Peer Graphing
 * connections?  A stand-alone Windows program (mingw-w64, plain C) that
 * drives Schannel the way Windows Peer Graphing drives an SSP: loaded DLL,
 * InitSecurityInterfaceW table, AcquireCredentialsHandle with the
 * application's security blob, InitializeSecurityContext and
 * AcceptSecurityContext with the stream/confidentiality/integrity/mutual
 * flags, EncryptMessage with 4 buffers (header, data, trailer, empty) and
 * DecryptMessage with 4 buffers (data + 3 empty), tokens and records raw on a
 * TCP stream.
 *
 * One line per check: "PASS|FAIL|INFO <check>: <details>" with
 * SECURITY_STATUS values in hex; the last line is the summary.  Exit code:
 * number of failed checks (capped at 100).
 *
 *   probe.exe                    all checks (starts itself for the others)
 *   probe.exe tcp-client PORT    the client end of the two-process check
 *   probe.exe ncrypt             the NCrypt certificate path alone
 *
 * Only loopback (::1) is ever used.
 *
 * Build: x86_64-w64-mingw32-gcc -std=gnu11 -Wall -Wextra -O1 -o probe.exe
 *        probe.c -lsecur32 -lcrypt32 -lws2_32 -ladvapi32
 *
 * Copyright 2026 the p2pgraph-wine authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define SECURITY_WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <wincrypt.h>
#include <security.h>
#include <schannel.h>
#include <ncrypt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ISC_FLAGS (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | \
                   ISC_REQ_SEQUENCE_DETECT | ISC_REQ_STREAM | ISC_REQ_ALLOCATE_MEMORY)
#define ASC_FLAGS (ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | \
                   ASC_REQ_SEQUENCE_DETECT | ASC_REQ_STREAM | ASC_REQ_ALLOCATE_MEMORY)
#define CLIENT_CRED_FLAGS (SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS)

static PSecurityFunctionTableW sft;
static const char *who = "";
static int n_pass, n_fail, n_info;

static void line(const char *kind, const char *check, const char *fmt, va_list ap)
{
    char b[1024];
    int n = snprintf(b, sizeof(b), "%s%s %s: ", who, kind, check);
    DWORD done;
    if (n < 0 || n >= (int)sizeof(b)) n = 0;
    n += vsnprintf(b + n, sizeof(b) - n - 1, fmt, ap);
    if (n > (int)sizeof(b) - 2) n = sizeof(b) - 2;
    b[n++] = '\n';
    /* one write per line: the two processes of the TCP check share stdout */
    WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), b, n, &done, NULL);
}

static int check(int ok, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    line(ok ? "PASS" : "FAIL", name, fmt, ap);
    va_end(ap);
    if (ok) n_pass++; else n_fail++;
    return ok;
}

static void info(const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    line("INFO", name, fmt, ap);
    va_end(ap);
    n_info++;
}

static const char *stname(SECURITY_STATUS st)
{
    switch ((ULONG)st) {
    case SEC_E_OK: return "SEC_E_OK";
    case SEC_I_CONTINUE_NEEDED: return "SEC_I_CONTINUE_NEEDED";
    case SEC_I_INCOMPLETE_CREDENTIALS: return "SEC_I_INCOMPLETE_CREDENTIALS";
    case SEC_I_RENEGOTIATE: return "SEC_I_RENEGOTIATE";
    case SEC_I_CONTEXT_EXPIRED: return "SEC_I_CONTEXT_EXPIRED";
    case SEC_E_INCOMPLETE_MESSAGE: return "SEC_E_INCOMPLETE_MESSAGE";
    case SEC_E_INVALID_TOKEN: return "SEC_E_INVALID_TOKEN";
    case SEC_E_INVALID_HANDLE: return "SEC_E_INVALID_HANDLE";
    case SEC_E_UNSUPPORTED_FUNCTION: return "SEC_E_UNSUPPORTED_FUNCTION";
    case SEC_E_INTERNAL_ERROR: return "SEC_E_INTERNAL_ERROR";
    case SEC_E_NO_CREDENTIALS: return "SEC_E_NO_CREDENTIALS";
    case SEC_E_UNKNOWN_CREDENTIALS: return "SEC_E_UNKNOWN_CREDENTIALS";
    case SEC_E_SECPKG_NOT_FOUND: return "SEC_E_SECPKG_NOT_FOUND";
    case SEC_E_DECRYPT_FAILURE: return "SEC_E_DECRYPT_FAILURE";
    case SEC_E_MESSAGE_ALTERED: return "SEC_E_MESSAGE_ALTERED";
    case SEC_E_UNTRUSTED_ROOT: return "SEC_E_UNTRUSTED_ROOT";
    case SEC_E_CERT_UNKNOWN: return "SEC_E_CERT_UNKNOWN";
    case SEC_E_ILLEGAL_MESSAGE: return "SEC_E_ILLEGAL_MESSAGE";
    case SEC_E_ALGORITHM_MISMATCH: return "SEC_E_ALGORITHM_MISMATCH";
    case SEC_E_INSUFFICIENT_MEMORY: return "SEC_E_INSUFFICIENT_MEMORY";
    case SEC_E_NO_AUTHENTICATING_AUTHORITY: return "SEC_E_NO_AUTHENTICATING_AUTHORITY";
    case SEC_E_WRONG_PRINCIPAL: return "SEC_E_WRONG_PRINCIPAL";
    case SEC_E_CERT_EXPIRED: return "SEC_E_CERT_EXPIRED";
    case SEC_E_BUFFER_TOO_SMALL: return "SEC_E_BUFFER_TOO_SMALL";
    case SEC_E_CONTEXT_EXPIRED: return "SEC_E_CONTEXT_EXPIRED";
    case SEC_E_LOGON_DENIED: return "SEC_E_LOGON_DENIED";
    default: return "?";
    }
}

/* "0x%08lx NAME" in a rotating static buffer */
static const char *st(SECURITY_STATUS s)
{
    static char bufs[8][64];
    static int i;
    char *b = bufs[i++ & 7];
    snprintf(b, 64, "0x%08lx %s", (unsigned long)s, stname(s));
    return b;
}

/* ---------------------------------------------------------------- bytes */

struct buf { BYTE *p; DWORD len, cap; };

static void buf_add(struct buf *b, const void *d, DWORD n)
{
    if (b->len + n > b->cap) {
        DWORD cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        b->p = realloc(b->p, cap);
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void buf_drop(struct buf *b, DWORD n) /* removes the first n bytes */
{
    if (n > b->len) n = b->len;
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

static void buf_free(struct buf *b) { free(b->p); memset(b, 0, sizeof(*b)); }

static void pattern(BYTE *p, DWORD n, BYTE seed)
{
    for (DWORD i = 0; i < n; i++) p[i] = (BYTE)(seed + i * 7 + (i >> 8));
}

static int contains(const BYTE *hay, DWORD hn, const BYTE *needle, DWORD nn)
{
    if (!nn || nn > hn) return 0;
    for (DWORD i = 0; i + nn <= hn; i++)
        if (!memcmp(hay + i, needle, nn)) return 1;
    return 0;
}

/* ---------------------------------------------------------- certificates */

static const WCHAR *rsa_provider = MS_ENH_RSA_AES_PROV_W;

static BOOL encode_name(const WCHAR *x500, CERT_NAME_BLOB *blob)
{
    DWORD len = 0;
    if (!CertStrToNameW(X509_ASN_ENCODING, x500, CERT_X500_NAME_STR, NULL, NULL, &len, NULL)) return FALSE;
    blob->pbData = malloc(len);
    blob->cbData = len;
    return CertStrToNameW(X509_ASN_ENCODING, x500, CERT_X500_NAME_STR, NULL, blob->pbData, &blob->cbData, NULL);
}

static void delete_container(const WCHAR *container)
{
    HCRYPTPROV prov;
    CryptAcquireContextW(&prov, container, rsa_provider, PROV_RSA_AES, CRYPT_DELETEKEYSET);
}

/* method "capi-hprov": the caller makes the key container and key, and
 * passes the HCRYPTPROV (plus CRYPT_KEY_PROV_INFO so that the certificate
 * knows where its key lives) */
static PCCERT_CONTEXT cert_capi_hprov(const WCHAR *container, const WCHAR *x500, DWORD keyspec, DWORD bits,
                                      const char *label)
{
    HCRYPTPROV prov = 0;
    HCRYPTKEY key = 0;
    CERT_NAME_BLOB name;
    CRYPT_KEY_PROV_INFO kpi = {0};
    CRYPT_ALGORITHM_IDENTIFIER alg = { (char *)szOID_RSA_SHA256RSA, {0, NULL} };
    PCCERT_CONTEXT cert;
    char check_name[128];

    delete_container(container);
    snprintf(check_name, sizeof(check_name), "cert %s CryptAcquireContextW(CRYPT_NEWKEYSET)", label);
    if (!CryptAcquireContextW(&prov, container, rsa_provider, PROV_RSA_AES, CRYPT_NEWKEYSET)) {
        check(0, check_name, "error 0x%lx", GetLastError());
        return NULL;
    }
    check(1, check_name, "container \"%ls\", %ls", container, rsa_provider);
    snprintf(check_name, sizeof(check_name), "cert %s CryptGenKey(%s, %lu bits)", label,
             keyspec == AT_KEYEXCHANGE ? "AT_KEYEXCHANGE" : "AT_SIGNATURE", bits);
    if (!CryptGenKey(prov, keyspec, (bits << 16) | CRYPT_EXPORTABLE, &key)) {
        check(0, check_name, "error 0x%lx", GetLastError());
        CryptReleaseContext(prov, 0);
        return NULL;
    }
    check(1, check_name, "ok");
    CryptDestroyKey(key);
    encode_name(x500, &name);
    kpi.pwszContainerName = (WCHAR *)container;
    kpi.pwszProvName = (WCHAR *)rsa_provider;
    kpi.dwProvType = PROV_RSA_AES;
    kpi.dwKeySpec = keyspec;
    cert = CertCreateSelfSignCertificate(prov, &name, 0, &kpi, &alg, NULL, NULL, NULL);
    snprintf(check_name, sizeof(check_name), "cert %s CertCreateSelfSignCertificate(hProv, sha256RSA)", label);
    if (!cert) {
        DWORD e = GetLastError();
        check(0, check_name, "error 0x%lx", e);
        cert = CertCreateSelfSignCertificate(prov, &name, 0, &kpi, NULL, NULL, NULL, NULL);
        snprintf(check_name, sizeof(check_name), "cert %s CertCreateSelfSignCertificate(hProv, default alg)", label);
        check(cert != NULL, check_name, "error 0x%lx", cert ? 0 : GetLastError());
    } else check(1, check_name, "ok");
    free(name.pbData);
    CryptReleaseContext(prov, 0);
    return cert;
}

/* method "capi-kpi": hProv 0, CRYPT_KEY_PROV_INFO names a new container:
 * crypt32 makes the key itself */
static PCCERT_CONTEXT cert_capi_kpi(const WCHAR *container, const WCHAR *x500)
{
    CERT_NAME_BLOB name;
    CRYPT_KEY_PROV_INFO kpi = {0};
    PCCERT_CONTEXT cert;

    delete_container(container);
    encode_name(x500, &name);
    kpi.pwszContainerName = (WCHAR *)container;
    kpi.pwszProvName = (WCHAR *)rsa_provider;
    kpi.dwProvType = PROV_RSA_AES;
    kpi.dwKeySpec = AT_KEYEXCHANGE;
    cert = CertCreateSelfSignCertificate(0, &name, 0, &kpi, NULL, NULL, NULL, NULL);
    if (cert) check(1, "cert capi-kpi CertCreateSelfSignCertificate(0, KeyProvInfo)", "ok (crypt32 made the key)");
    else check(0, "cert capi-kpi CertCreateSelfSignCertificate(0, KeyProvInfo)", "error 0x%lx", GetLastError());
    free(name.pbData);
    return cert;
}

/* method "capi-default": everything defaulted (no hProv, no KeyProvInfo) */
static PCCERT_CONTEXT cert_capi_default(const WCHAR *x500)
{
    CERT_NAME_BLOB name;
    PCCERT_CONTEXT cert;

    encode_name(x500, &name);
    cert = CertCreateSelfSignCertificate(0, &name, 0, NULL, NULL, NULL, NULL, NULL);
    if (cert) check(1, "cert capi-default CertCreateSelfSignCertificate(0, NULL)", "ok (crypt32 made container and key)");
    else check(0, "cert capi-default CertCreateSelfSignCertificate(0, NULL)", "error 0x%lx", GetLastError());
    free(name.pbData);
    return cert;
}

static void describe_cert(const char *label, PCCERT_CONTEXT cert)
{
    HCRYPTPROV_OR_NCRYPT_KEY_HANDLE key = 0;
    DWORD spec = 0, size = 0;
    BOOL free_key = FALSE, ok;
    char nm[128];

    ok = CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, NULL, &size);
    snprintf(nm, sizeof(nm), "cert %s has CERT_KEY_PROV_INFO_PROP_ID", label);
    info(nm, "%s (size %lu)", ok ? "yes" : "no", size);
    ok = CryptAcquireCertificatePrivateKey(cert, CRYPT_ACQUIRE_CACHE_FLAG | CRYPT_ACQUIRE_ALLOW_NCRYPT_KEY_FLAG,
                                           NULL, &key, &spec, &free_key);
    snprintf(nm, sizeof(nm), "cert %s CryptAcquireCertificatePrivateKey", label);
    check(ok, nm, ok ? "keyspec 0x%lx" : "error 0x%lx", ok ? spec : GetLastError());
    if (ok && free_key) {
        if (spec == CERT_NCRYPT_KEY_SPEC) NCryptFreeObject(key);
        else CryptReleaseContext(key, 0);
    }
}

/* ---------------------------------------------------------------- SSPI */

static DWORD g_protocols; /* grbitEnabledProtocols for acquire(); 0: the package's default */

static SECURITY_STATUS acquire(ULONG use, PCCERT_CONTEXT cert, DWORD flags, const WCHAR *package, CredHandle *h)
{
    SCHANNEL_CRED sc;
    TimeStamp ts;
    memset(&sc, 0, sizeof(sc));
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    if (cert) {
        sc.cCreds = 1;
        sc.paCred = &cert;
    }
    sc.dwFlags = flags;
    sc.grbitEnabledProtocols = g_protocols;
    /* as Peer Graphing calls it: NULL principal, pAuthData = the
     * application's blob, NULL key function, (void *)1 argument */
    return sft->AcquireCredentialsHandleW(NULL, (WCHAR *)package, use, NULL, &sc, NULL, (void *)1, h, &ts);
}

struct peer {
    const char *name;
    int server;
    CredHandle cred;
    CtxtHandle ctx;
    int have_ctx, done;
    ULONG req, attr;
    SECURITY_STATUS last;
    int calls, incomplete, incomplete_creds;
    struct buf rx;          /* received and not yet consumed */
    SOCKET sock;            /* INVALID_SOCKET in-process */
    struct peer *other;     /* in-process data phase: where sends go */
    DWORD recv_chunk;
    SecPkgContext_StreamSizes sizes;
};

static void peer_init(struct peer *p, const char *name, int server)
{
    memset(p, 0, sizeof(*p));
    p->name = name;
    p->server = server;
    p->req = server ? ASC_FLAGS : ISC_FLAGS;
    p->sock = INVALID_SOCKET;
    p->recv_chunk = 4096;
}

static void peer_reset(struct peer *p)
{
    if (p->have_ctx) sft->DeleteSecurityContext(&p->ctx);
    p->have_ctx = p->done = 0;
    p->calls = p->incomplete = p->incomplete_creds = 0;
    p->last = 0;
    buf_free(&p->rx);
}

/* One ISC/ASC call with everything received so far as input; output tokens
 * are appended to out; consumed input is removed from rx (SECBUFFER_EXTRA
 * bytes are kept). */
static SECURITY_STATUS hs_step(struct peer *p, struct buf *out)
{
    SecBuffer in_b[2], out_b[2];
    SecBufferDesc in_d = { SECBUFFER_VERSION, 2, in_b }, out_d = { SECBUFFER_VERSION, 2, out_b };
    SECURITY_STATUS s;
    TimeStamp ts;
    int first = !p->have_ctx;
    CtxtHandle newctx = p->ctx;

    in_b[0].BufferType = SECBUFFER_TOKEN;
    in_b[0].cbBuffer = p->rx.len;
    in_b[0].pvBuffer = p->rx.p;
    in_b[1].BufferType = SECBUFFER_EMPTY;
    in_b[1].cbBuffer = 0;
    in_b[1].pvBuffer = NULL;
    out_b[0].BufferType = SECBUFFER_TOKEN;
    out_b[0].cbBuffer = 0;
    out_b[0].pvBuffer = NULL;
    out_b[1].BufferType = SECBUFFER_ALERT;
    out_b[1].cbBuffer = 0;
    out_b[1].pvBuffer = NULL;
    p->attr = 0;
    p->calls++;
    if (p->server)
        s = sft->AcceptSecurityContext(&p->cred, first ? NULL : &p->ctx, &in_d, p->req, SECURITY_NATIVE_DREP,
                                       &newctx, &out_d, &p->attr, &ts);
    else
        s = sft->InitializeSecurityContextW(&p->cred, first ? NULL : &p->ctx, (WCHAR *)L"p2pprobe-server", p->req,
                                            0, SECURITY_NATIVE_DREP, first ? NULL : &in_d, 0, &newctx, &out_d,
                                            &p->attr, &ts);
    p->last = s;
    if (first && (s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED || s == SEC_I_INCOMPLETE_CREDENTIALS)) {
        p->ctx = newctx;
        p->have_ctx = 1;
    }
    for (int i = 0; i < 2; i++) {
        if (out_b[i].pvBuffer) {
            if (out_b[i].cbBuffer) buf_add(out, out_b[i].pvBuffer, out_b[i].cbBuffer);
            sft->FreeContextBuffer(out_b[i].pvBuffer);
        }
    }
    if (s == SEC_E_INCOMPLETE_MESSAGE) {
        p->incomplete++;
        return s;
    }
    if (s == SEC_I_INCOMPLETE_CREDENTIALS) {
        p->incomplete_creds++;
        return s;
    }
    if (s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED) {
        if (!first || p->server) {
            if (in_b[1].BufferType == SECBUFFER_EXTRA && in_b[1].cbBuffer <= p->rx.len)
                buf_drop(&p->rx, p->rx.len - in_b[1].cbBuffer);
            else
                buf_drop(&p->rx, p->rx.len);
        }
        if (s == SEC_E_OK) p->done = 1;
    }
    return s;
}

static int hs_ok(SECURITY_STATUS s)
{
    return s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED || s == SEC_E_INCOMPLETE_MESSAGE ||
           s == SEC_I_INCOMPLETE_CREDENTIALS;
}

/* In-process handshake: wires hold bytes in flight; each round moves at most
 * chunk bytes from each wire to its receiver, which then gets a call. */
static SECURITY_STATUS inproc_handshake(struct peer *c, struct peer *s, DWORD chunk, SECURITY_STATUS *failed_side_st,
                                        const char **failed_side)
{
    struct buf c2s = {0}, s2c = {0};
    SECURITY_STATUS r;
    int rounds = 0;

    *failed_side = NULL;
    r = hs_step(c, &c2s);
    if (!hs_ok(r)) { *failed_side = "client"; *failed_side_st = r; goto done; }
    while (rounds++ < 200000) {
        int acted = 0;
        if (c2s.len) {
            DWORD n = c2s.len < chunk ? c2s.len : chunk;
            buf_add(&s->rx, c2s.p, n);
            buf_drop(&c2s, n);
            acted = 1;
            if (!s->done) {
                r = hs_step(s, &s2c);
                if (!hs_ok(r)) { *failed_side = "server"; *failed_side_st = r; goto done; }
            }
        }
        if (s2c.len) {
            DWORD n = s2c.len < chunk ? s2c.len : chunk;
            buf_add(&c->rx, s2c.p, n);
            buf_drop(&s2c, n);
            acted = 1;
            if (!c->done) {
                r = hs_step(c, &c2s);
                if (r == SEC_I_INCOMPLETE_CREDENTIALS) r = hs_step(c, &c2s);
                if (!hs_ok(r)) { *failed_side = "client"; *failed_side_st = r; goto done; }
            }
        }
        if (c->done && s->done) {
            /* whatever is still in flight (post-handshake records) is
             * delivered whole for DecryptMessage */
            buf_add(&s->rx, c2s.p, c2s.len);
            buf_add(&c->rx, s2c.p, s2c.len);
            r = SEC_E_OK;
            goto done;
        }
        if (!acted) { *failed_side = c->done ? "server" : "client"; *failed_side_st = SEC_E_INCOMPLETE_MESSAGE;
                      r = SEC_E_INTERNAL_ERROR; goto done; }
    }
    r = SEC_E_INTERNAL_ERROR;
done:
    buf_free(&c2s);
    buf_free(&s2c);
    return r;
}

static const char *proto_name(DWORD p)
{
    if (p & SP_PROT_TLS1_3) return "TLS1.3";
    if (p & SP_PROT_TLS1_2) return "TLS1.2";
    if (p & SP_PROT_TLS1_1) return "TLS1.1";
    if (p & SP_PROT_TLS1_0) return "TLS1.0";
    if (p & SP_PROT_SSL3) return "SSL3";
    return "?";
}

static void show_context(struct peer *p, const char *label, PCCERT_CONTEXT expect_remote)
{
    SecPkgContext_ConnectionInfo ci;
    PCCERT_CONTEXT remote = NULL;
    SECURITY_STATUS s;
    char nm[160];

    s = sft->QueryContextAttributesW(&p->ctx, SECPKG_ATTR_CONNECTION_INFO, &ci);
    snprintf(nm, sizeof(nm), "%s %s CONNECTION_INFO", label, p->name);
    if (s == SEC_E_OK)
        info(nm, "protocol 0x%lx (%s) cipher 0x%x/%lu bits hash 0x%x exch 0x%x/%lu, status %s", ci.dwProtocol,
             proto_name(ci.dwProtocol), ci.aiCipher, ci.dwCipherStrength, ci.aiHash, ci.aiExch,
             ci.dwExchStrength, st(s));
    else info(nm, "status %s", st(s));

    s = sft->QueryContextAttributesW(&p->ctx, SECPKG_ATTR_STREAM_SIZES, &p->sizes);
    snprintf(nm, sizeof(nm), "%s %s STREAM_SIZES", label, p->name);
    check(s == SEC_E_OK, nm, "header %lu trailer %lu max message %lu buffers %lu block %lu, status %s",
          p->sizes.cbHeader, p->sizes.cbTrailer, p->sizes.cbMaximumMessage, p->sizes.cBuffers,
          p->sizes.cbBlockSize, st(s));

    s = sft->QueryContextAttributesW(&p->ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, &remote);
    snprintf(nm, sizeof(nm), "%s %s REMOTE_CERT_CONTEXT", label, p->name);
    if (expect_remote) {
        int same = remote && CertCompareCertificate(X509_ASN_ENCODING, remote->pCertInfo, expect_remote->pCertInfo);
        check(s == SEC_E_OK && same, nm, "status %s, %s", st(s),
              !remote ? "no certificate" : same ? "the peer's certificate" : "a different certificate");
    } else {
        info(nm, "status %s, %s", st(s), remote ? "a certificate" : "no certificate");
    }
    if (remote) CertFreeCertificateContext(remote);
}

/* ------------------------------------------------------ data (records) */

static int peer_fill(struct peer *p)
{
    char tmp[65536];
    int n;
    if (p->sock == INVALID_SOCKET) return 0;
    n = recv(p->sock, tmp, p->recv_chunk < sizeof(tmp) ? (int)p->recv_chunk : (int)sizeof(tmp), 0);
    if (n <= 0) return 0;
    buf_add(&p->rx, tmp, n);
    return 1;
}

static int send_all(SOCKET s, const BYTE *d, DWORD n)
{
    while (n) {
        int k = send(s, (const char *)d, n > 65536 ? 65536 : (int)n, 0);
        if (k <= 0) return 0;
        d += k;
        n -= k;
    }
    return 1;
}

static int peer_send(struct peer *p, const BYTE *d, DWORD n)
{
    if (p->sock != INVALID_SOCKET) return send_all(p->sock, d, n);
    buf_add(&p->other->rx, d, n);
    return 1;
}

/* EncryptMessage with the 4-buffer layout; the record (header + data +
 * trailer as written) is appended to wire */
static SECURITY_STATUS seal(struct peer *p, const BYTE *msg, DWORD len, struct buf *wire)
{
    SecPkgContext_StreamSizes *z = &p->sizes;
    BYTE *mem = malloc(z->cbHeader + len + z->cbTrailer + 1);
    SecBuffer b[4];
    SecBufferDesc d = { SECBUFFER_VERSION, 4, b };
    SECURITY_STATUS s;

    memcpy(mem + z->cbHeader, msg, len);
    b[0].BufferType = SECBUFFER_STREAM_HEADER; b[0].cbBuffer = z->cbHeader; b[0].pvBuffer = mem;
    b[1].BufferType = SECBUFFER_DATA; b[1].cbBuffer = len; b[1].pvBuffer = mem + z->cbHeader;
    b[2].BufferType = SECBUFFER_STREAM_TRAILER; b[2].cbBuffer = z->cbTrailer; b[2].pvBuffer = mem + z->cbHeader + len;
    b[3].BufferType = SECBUFFER_EMPTY; b[3].cbBuffer = 0; b[3].pvBuffer = NULL;
    s = sft->EncryptMessage(&p->ctx, 0, &d, 0);
    if (s == SEC_E_OK)
        for (int i = 0; i < 3; i++) buf_add(wire, b[i].pvBuffer, b[i].cbBuffer);
    free(mem);
    return s;
}

/* DecryptMessage with DATA + 3 EMPTY on everything in rx.  Plaintext is
 * appended to plain; the record is removed from rx (SECBUFFER_EXTRA kept).
 * *extra gets the SECBUFFER_EXTRA size, *missing the SECBUFFER_MISSING one. */
static SECURITY_STATUS unseal(struct peer *p, struct buf *plain, DWORD *extra, DWORD *missing)
{
    SecBuffer b[4];
    SecBufferDesc d = { SECBUFFER_VERSION, 4, b };
    SECURITY_STATUS s;
    ULONG qop = 0;
    BYTE *extra_p = NULL;

    *extra = *missing = 0;
    b[0].BufferType = SECBUFFER_DATA; b[0].cbBuffer = p->rx.len; b[0].pvBuffer = p->rx.p;
    for (int i = 1; i < 4; i++) { b[i].BufferType = SECBUFFER_EMPTY; b[i].cbBuffer = 0; b[i].pvBuffer = NULL; }
    s = sft->DecryptMessage(&p->ctx, &d, 0, &qop);
    for (int i = 0; i < 4; i++) {
        if (b[i].BufferType == SECBUFFER_DATA && (s == SEC_E_OK || s == SEC_I_RENEGOTIATE || s == SEC_I_CONTEXT_EXPIRED))
            buf_add(plain, b[i].pvBuffer, b[i].cbBuffer);
        if (b[i].BufferType == SECBUFFER_EXTRA) { *extra = b[i].cbBuffer; extra_p = b[i].pvBuffer; }
        if (b[i].BufferType == SECBUFFER_MISSING && !*missing) *missing = b[i].cbBuffer;
    }
    if (s == SEC_E_OK || s == SEC_I_RENEGOTIATE || s == SEC_I_CONTEXT_EXPIRED) {
        if (*extra && extra_p) {
            DWORD n = *extra;
            memmove(p->rx.p, extra_p, n);
            p->rx.len = n;
        } else p->rx.len = 0;
    }
    return s;
}

/* Receives one application message of exactly len bytes: decrypts records
 * (reading the socket when they are incomplete) until len bytes of
 * plaintext arrived.  Statuses other than OK are reported as INFO. */
static SECURITY_STATUS recv_message(struct peer *p, struct buf *plain, DWORD len, const char *label)
{
    SECURITY_STATUS s = SEC_E_INCOMPLETE_MESSAGE;
    DWORD extra, missing;
    int tries = 0;
    char nm[160];

    while (plain->len < len) {
        if (tries++ > 100000) return SEC_E_INTERNAL_ERROR;
        if (!p->rx.len) {
            if (!peer_fill(p)) return SEC_E_INCOMPLETE_MESSAGE;
            continue;
        }
        s = unseal(p, plain, &extra, &missing);
        if (s == SEC_E_OK) continue;
        if (s == SEC_E_INCOMPLETE_MESSAGE) {
            if (!peer_fill(p)) return s;
            continue;
        }
        snprintf(nm, sizeof(nm), "%s %s DecryptMessage (non-OK on the way)", label, p->name);
        info(nm, "status %s, extra %lu, rx %lu", st(s), extra, p->rx.len);
        if (s != SEC_I_RENEGOTIATE) return s;
    }
    return SEC_E_OK;
}

static int data_roundtrip(struct peer *from, struct peer *to, DWORD len, const char *label)
{
    BYTE *msg = malloc(len ? len : 1);
    struct buf wire = {0}, plain = {0};
    SECURITY_STATUS s;
    char nm[160];
    int ok;

    pattern(msg, len, (BYTE)len);
    s = seal(from, msg, len, &wire);
    snprintf(nm, sizeof(nm), "%s EncryptMessage %s->%s %lu bytes", label, from->name, to->name, len);
    if (!check(s == SEC_E_OK, nm, "status %s, record %lu bytes", st(s), wire.len)) goto out;
    if (len >= 16) {
        snprintf(nm, sizeof(nm), "%s wire differs from clear text %lu bytes", label, len);
        check(!contains(wire.p, wire.len, msg, 16), nm, "%s", contains(wire.p, wire.len, msg, 16) ?
              "clear text found on the wire" : "no clear text on the wire");
    }
    if (!peer_send(from, wire.p, wire.len)) {
        snprintf(nm, sizeof(nm), "%s send %lu bytes", label, len);
        check(0, nm, "send failed %d", WSAGetLastError());
        goto out;
    }
    if (to->sock != INVALID_SOCKET) goto out; /* the other process checks it */
    s = recv_message(to, &plain, len, label);
    snprintf(nm, sizeof(nm), "%s DecryptMessage %s<-%s %lu bytes", label, to->name, from->name, len);
    ok = s == SEC_E_OK && plain.len == len && !memcmp(plain.p, msg, len);
    check(ok, nm, "status %s, %lu bytes of plaintext%s", st(s), plain.len,
          s == SEC_E_OK && plain.len == len ? (ok ? ", equal" : ", DIFFERENT") : "");
out:
    free(msg);
    buf_free(&wire);
    buf_free(&plain);
    return 1;
}

/* two records in one buffer: the first DecryptMessage must leave the second
 * as SECBUFFER_EXTRA */
static void data_two_records(struct peer *from, struct peer *to, const char *label)
{
    BYTE m1[100], m2[300];
    struct buf wire = {0}, plain = {0};
    SECURITY_STATUS s1, s2;
    DWORD rec1, extra = 0, missing = 0;
    char nm[160];

    pattern(m1, sizeof(m1), 1);
    pattern(m2, sizeof(m2), 2);
    s1 = seal(from, m1, sizeof(m1), &wire);
    rec1 = wire.len;
    s2 = seal(from, m2, sizeof(m2), &wire);
    snprintf(nm, sizeof(nm), "%s EncryptMessage two records", label);
    if (!check(s1 == SEC_E_OK && s2 == SEC_E_OK, nm, "status %s, %s", st(s1), st(s2))) goto out;
    buf_add(&to->rx, wire.p, wire.len);
    s1 = unseal(to, &plain, &extra, &missing);
    snprintf(nm, sizeof(nm), "%s DecryptMessage first of two records", label);
    check(s1 == SEC_E_OK && plain.len == sizeof(m1) && !memcmp(plain.p, m1, sizeof(m1)) &&
          extra == wire.len - rec1, nm, "status %s, %lu bytes plaintext, SECBUFFER_EXTRA %lu (expected %lu)",
          st(s1), plain.len, extra, wire.len - rec1);
    plain.len = 0;
    if (s1 == SEC_E_OK) {
        s2 = unseal(to, &plain, &extra, &missing);
        snprintf(nm, sizeof(nm), "%s DecryptMessage second record (from EXTRA)", label);
        check(s2 == SEC_E_OK && plain.len == sizeof(m2) && !memcmp(plain.p, m2, sizeof(m2)) && !extra, nm,
              "status %s, %lu bytes plaintext, extra %lu", st(s2), plain.len, extra);
    }
    to->rx.len = 0;
out:
    buf_free(&wire);
    buf_free(&plain);
}

/* a record fed byte by byte: SEC_E_INCOMPLETE_MESSAGE with SECBUFFER_MISSING */
static void data_partial(struct peer *from, struct peer *to, const char *label)
{
    BYTE m[200];
    struct buf wire = {0}, plain = {0};
    SECURITY_STATUS s = 0;
    DWORD extra, missing = 0, first_missing = 0, n_incomplete = 0, fed = 0;
    char nm[160];

    pattern(m, sizeof(m), 3);
    if (seal(from, m, sizeof(m), &wire) != SEC_E_OK) return;
    while (fed < wire.len) {
        buf_add(&to->rx, wire.p + fed, 1);
        fed++;
        s = unseal(to, &plain, &extra, &missing);
        if (s != SEC_E_INCOMPLETE_MESSAGE) break;
        if (fed == 5) first_missing = missing;
        n_incomplete++;
    }
    snprintf(nm, sizeof(nm), "%s DecryptMessage fed one byte at a time", label);
    check(s == SEC_E_OK && fed == wire.len && plain.len == sizeof(m) && !memcmp(plain.p, m, sizeof(m)), nm,
          "%lu x SEC_E_INCOMPLETE_MESSAGE (SECBUFFER_MISSING after the 5-byte header: %lu, record %lu), then %s "
          "after %lu bytes, %lu bytes plaintext", n_incomplete, first_missing, wire.len, st(s), fed, plain.len);
    to->rx.len = 0;
    buf_free(&wire);
    buf_free(&plain);
}

/* a flipped ciphertext byte: must fail and give no plaintext */
static void data_tamper(struct peer *from, struct peer *to, const char *label)
{
    BYTE m[64];
    struct buf wire = {0}, plain = {0};
    SECURITY_STATUS s;
    DWORD extra, missing;
    char nm[160];

    pattern(m, sizeof(m), 4);
    if (seal(from, m, sizeof(m), &wire) != SEC_E_OK) return;
    wire.p[from->sizes.cbHeader + 10] ^= 0x01;
    buf_add(&to->rx, wire.p, wire.len);
    s = unseal(to, &plain, &extra, &missing);
    snprintf(nm, sizeof(nm), "%s DecryptMessage with a flipped byte", label);
    check(s != SEC_E_OK && s != SEC_E_INCOMPLETE_MESSAGE && !contains(plain.p, plain.len, m, 16) &&
          !contains(to->rx.p, to->rx.len, m, 16), nm, "status %s, %lu bytes of plaintext returned%s", st(s),
          plain.len, contains(to->rx.p, to->rx.len, m, 16) ? ", clear text left in the buffer" : "");
    to->rx.len = 0;
    /* is the context still usable afterwards? */
    plain.len = 0;
    wire.len = 0;
    if (seal(from, m, sizeof(m), &wire) == SEC_E_OK) {
        buf_add(&to->rx, wire.p, wire.len);
        s = unseal(to, &plain, &extra, &missing);
        snprintf(nm, sizeof(nm), "%s DecryptMessage after the tampered record", label);
        info(nm, "status %s, %lu bytes plaintext (Windows: the connection is dead after a bad record)", st(s),
             plain.len);
        to->rx.len = 0;
    }
    buf_free(&wire);
    buf_free(&plain);
}

static void data_tests(struct peer *c, struct peer *s, const char *label)
{
    DWORD max = c->sizes.cbMaximumMessage;
    c->other = s;
    s->other = c;
    data_roundtrip(c, s, 1, label);
    data_roundtrip(s, c, 1, label);
    data_roundtrip(c, s, 4096, label);
    data_roundtrip(s, c, 4096, label);
    if (max) {
        data_roundtrip(c, s, max, label);
        data_roundtrip(s, c, s->sizes.cbMaximumMessage, label);
    }
    data_two_records(c, s, label);
    data_two_records(s, c, label);
    data_partial(c, s, label);
    data_partial(s, c, label);
    data_tamper(c, s, label);
}

/* ----------------------------------------------------- in-process runs */

static PCCERT_CONTEXT g_server_cert, g_client_cert, g_nokey_cert;
static void compare_bindings(struct peer *c, struct peer *s, const char *label);

static int run_inproc(const char *label, PCCERT_CONTEXT server_cert, PCCERT_CONTEXT client_cert, ULONG server_use,
                      ULONG client_use, DWORD client_flags, DWORD chunk, ULONG isc_extra, int keep, struct peer *pc,
                      struct peer *ps)
{
    SECURITY_STATUS r, side_st = 0;
    const char *side;
    char nm[160];

    peer_init(pc, "client", 0);
    peer_init(ps, "server", 1);
    pc->req |= isc_extra;
    r = acquire(server_use, server_cert, 0, UNISP_NAME_W, &ps->cred);
    snprintf(nm, sizeof(nm), "%s server AcquireCredentialsHandle(use %lu, cert)", label, server_use);
    if (!check(r == SEC_E_OK, nm, "status %s", st(r))) return 0;
    r = acquire(client_use, client_cert, client_flags, UNISP_NAME_W, &pc->cred);
    snprintf(nm, sizeof(nm), "%s client AcquireCredentialsHandle(use %lu, %s, flags 0x%lx)", label, client_use,
             client_cert ? "cert" : "no cert", client_flags);
    if (!check(r == SEC_E_OK, nm, "status %s", st(r))) {
        sft->FreeCredentialsHandle(&ps->cred);
        return 0;
    }
    r = inproc_handshake(pc, ps, chunk, &side_st, &side);
    snprintf(nm, sizeof(nm), "%s handshake", label);
    check(r == SEC_E_OK, nm, "%s; client %d calls (%d x INCOMPLETE_MESSAGE, %d x INCOMPLETE_CREDENTIALS) last %s "
          "attr 0x%lx; server %d calls (%d x INCOMPLETE_MESSAGE) last %s attr 0x%lx; left over: client %lu, server %lu",
          side ? side : "both sides SEC_E_OK", pc->calls, pc->incomplete, pc->incomplete_creds, st(pc->last),
          pc->attr, ps->calls, ps->incomplete, st(ps->last), ps->attr, pc->rx.len, ps->rx.len);
    if (r == SEC_E_OK) {
        snprintf(nm, sizeof(nm), "%s server attr ASC_RET_MUTUAL_AUTH", label);
        info(nm, "%s (attr 0x%lx)", (ps->attr & ASC_RET_MUTUAL_AUTH) ? "set" : "not set", ps->attr);
        snprintf(nm, sizeof(nm), "%s client attr ISC_RET_MUTUAL_AUTH", label);
        info(nm, "%s (attr 0x%lx)", (pc->attr & ISC_RET_MUTUAL_AUTH) ? "set" : "not set", pc->attr);
        show_context(pc, label, server_cert);
        show_context(ps, label, client_cert);
        compare_bindings(pc, ps, label);
    }
    if (r != SEC_E_OK || !keep) {
        peer_reset(pc);
        peer_reset(ps);
        sft->FreeCredentialsHandle(&pc->cred);
        sft->FreeCredentialsHandle(&ps->cred);
    }
    return r == SEC_E_OK;
}

/* tls-unique channel bindings: equal on both ends, they would let the
 * application authenticate the client itself (a signature over them sent
 * inside the tunnel) when the package cannot */
static void compare_bindings(struct peer *c, struct peer *s, const char *label)
{
    SecPkgContext_Bindings bc = {0}, bs = {0};
    SECURITY_STATUS rc, rs;
    char nm[160];
    rc = sft->QueryContextAttributesW(&c->ctx, SECPKG_ATTR_UNIQUE_BINDINGS, &bc);
    rs = sft->QueryContextAttributesW(&s->ctx, SECPKG_ATTR_UNIQUE_BINDINGS, &bs);
    snprintf(nm, sizeof(nm), "%s UNIQUE_BINDINGS equal on both ends", label);
    check(rc == SEC_E_OK && rs == SEC_E_OK && bc.BindingsLength == bs.BindingsLength &&
          !memcmp(bc.Bindings, bs.Bindings, bc.BindingsLength), nm, "client %s (%lu bytes), server %s (%lu bytes)",
          st(rc), rc == SEC_E_OK ? bc.BindingsLength : 0, st(rs), rs == SEC_E_OK ? bs.BindingsLength : 0);
    if (rc == SEC_E_OK) sft->FreeContextBuffer(bc.Bindings);
    if (rs == SEC_E_OK) sft->FreeContextBuffer(bs.Bindings);
}

static void free_pair(struct peer *c, struct peer *s)
{
    peer_reset(c);
    peer_reset(s);
    sft->FreeCredentialsHandle(&c->cred);
    sft->FreeCredentialsHandle(&s->cred);
}

static void error_tests(void)
{
    struct peer c, s;
    struct buf out = {0};
    SECURITY_STATUS r;
    CredHandle h;
    static const BYTE garbage[] = "GET / HTTP/1.1\r\nHost: p2pprobe\r\n\r\nthis is not TLS at all, not even close";
    /* a complete record holding a complete handshake message (type 1
     * ClientHello / type 2 ServerHello, 32-byte body) whose body is junk */
    static BYTE bad_record[] = { 0x16, 0x03, 0x03, 0x00, 0x24, 0x01, 0x00, 0x00, 0x20, 0xde,0xad,0xbe,0xef,5,6,7,8,
                                 9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32 };

    /* credentials that cannot work */
    r = acquire(SECPKG_CRED_INBOUND, NULL, 0, UNISP_NAME_W, &h);
    check(r != SEC_E_OK, "error server AcquireCredentialsHandle without a certificate", "status %s", st(r));
    if (r == SEC_E_OK) sft->FreeCredentialsHandle(&h);
    r = sft->AcquireCredentialsHandleW(NULL, (WCHAR *)UNISP_NAME_W, SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL, &h, NULL);
    check(r != SEC_E_OK, "error server AcquireCredentialsHandle with pAuthData NULL", "status %s", st(r));
    if (r == SEC_E_OK) sft->FreeCredentialsHandle(&h);
    if (g_nokey_cert) {
        r = acquire(SECPKG_CRED_INBOUND, g_nokey_cert, 0, UNISP_NAME_W, &h);
        check(r != SEC_E_OK, "error server AcquireCredentialsHandle with a certificate without private key",
              "status %s", st(r));
        if (r == SEC_E_OK) sft->FreeCredentialsHandle(&h);
        r = acquire(SECPKG_CRED_OUTBOUND, g_nokey_cert, CLIENT_CRED_FLAGS, UNISP_NAME_W, &h);
        check(r != SEC_E_OK, "error client AcquireCredentialsHandle with a certificate without private key",
              "status %s", st(r));
        if (r == SEC_E_OK) sft->FreeCredentialsHandle(&h);
    }
    r = acquire(SECPKG_CRED_OUTBOUND, NULL, CLIENT_CRED_FLAGS, L"No Such Package", &h);
    check(r == SEC_E_SECPKG_NOT_FOUND, "error AcquireCredentialsHandle unknown package", "status %s", st(r));
    if (r == SEC_E_OK) sft->FreeCredentialsHandle(&h);

    if (!g_server_cert) return;

    /* garbage to a server */
    peer_init(&s, "server", 1);
    r = acquire(SECPKG_CRED_INBOUND, g_server_cert, 0, UNISP_NAME_W, &s.cred);
    if (r == SEC_E_OK) {
        buf_add(&s.rx, garbage, sizeof(garbage) - 1);
        r = hs_step(&s, &out);
        check(!hs_ok(r), "error AcceptSecurityContext with non-TLS garbage", "status %s, %lu bytes of output (alert)",
              st(r), out.len);
        peer_reset(&s);
        out.len = 0;
        buf_add(&s.rx, bad_record, sizeof(bad_record));
        r = hs_step(&s, &out);
        check(!hs_ok(r), "error AcceptSecurityContext with a complete ClientHello record, junk body",
              "status %s, %lu bytes of output (alert)", st(r), out.len);
        peer_reset(&s);
        out.len = 0;
        buf_add(&s.rx, bad_record, 3);
        r = hs_step(&s, &out);
        info("error AcceptSecurityContext with 3 bytes", "status %s", st(r));
        peer_reset(&s);
        sft->FreeCredentialsHandle(&s.cred);
    } else check(0, "error server credentials", "status %s", st(r));

    /* garbage to a client that sent its ClientHello */
    peer_init(&c, "client", 0);
    r = acquire(SECPKG_CRED_OUTBOUND, NULL, CLIENT_CRED_FLAGS, UNISP_NAME_W, &c.cred);
    if (r == SEC_E_OK) {
        out.len = 0;
        r = hs_step(&c, &out);
        info("error client first InitializeSecurityContext", "status %s, ClientHello %lu bytes", st(r), out.len);
        out.len = 0;
        buf_add(&c.rx, garbage, sizeof(garbage) - 1);
        r = hs_step(&c, &out);
        check(!hs_ok(r), "error InitializeSecurityContext with non-TLS garbage as the server's answer",
              "status %s, %lu bytes of output", st(r), out.len);
        peer_reset(&c);
        out.len = 0;
        r = hs_step(&c, &out);
        out.len = 0;
        bad_record[5] = 0x02;
        buf_add(&c.rx, bad_record, sizeof(bad_record));
        r = hs_step(&c, &out);
        check(!hs_ok(r), "error InitializeSecurityContext with a complete ServerHello record, junk body",
              "status %s, %lu bytes of output", st(r), out.len);
        peer_reset(&c);
        sft->FreeCredentialsHandle(&c.cred);
    }
    buf_free(&out);

    /* a client that validates the server certificate itself (no manual
     * validation): self-signed, untrusted */
    run_inproc("error auto-validation client vs self-signed server", g_server_cert, NULL, SECPKG_CRED_INBOUND,
               SECPKG_CRED_OUTBOUND, SCH_CRED_NO_DEFAULT_CREDS | SCH_CRED_AUTO_CRED_VALIDATION, 65536, 0, 0, &c, &s);
    /* a server credential without a certificate, where the package takes it */
    {
        CredHandle h2;
        r = acquire(SECPKG_CRED_INBOUND, NULL, 0, UNISP_NAME_W, &h2);
        if (r == SEC_E_OK) {
            sft->FreeCredentialsHandle(&h2);
            run_inproc("error server without certificate", NULL, NULL, SECPKG_CRED_INBOUND, SECPKG_CRED_OUTBOUND,
                       CLIENT_CRED_FLAGS, 65536, 0, 0, &c, &s);
        }
    }
    /* mutual auth with a client certificate whose key is not there */
    if (g_nokey_cert) {
        r = acquire(SECPKG_CRED_OUTBOUND, g_nokey_cert, CLIENT_CRED_FLAGS, UNISP_NAME_W, &h);
        info("error client with a certificate without key", "AcquireCredentialsHandle status %s (so no handshake)",
             st(r));
        if (r == SEC_E_OK) sft->FreeCredentialsHandle(&h);
    }
}

/* ------------------------------------------------------------- TCP runs */

static int tcp_data_client(struct peer *p)
{
    /* client: sends 1, 4096, max; after each, expects the same back */
    DWORD sizes[3] = { 1, 4096, p->sizes.cbMaximumMessage };
    char nm[128];
    for (int i = 0; i < 3; i++) {
        DWORD len = sizes[i];
        BYTE *msg = malloc(len);
        struct buf wire = {0}, plain = {0};
        SECURITY_STATUS s;
        pattern(msg, len, (BYTE)(len + 9));
        s = seal(p, msg, len, &wire);
        snprintf(nm, sizeof(nm), "tcp EncryptMessage client->server %lu bytes", len);
        check(s == SEC_E_OK && send_all(p->sock, wire.p, wire.len), nm, "status %s, record %lu bytes", st(s),
              wire.len);
        s = recv_message(p, &plain, len, "tcp");
        snprintf(nm, sizeof(nm), "tcp DecryptMessage echo server->client %lu bytes", len);
        check(s == SEC_E_OK && plain.len == len && !memcmp(plain.p, msg, len), nm, "status %s, %lu bytes", st(s),
              plain.len);
        free(msg);
        buf_free(&wire);
        buf_free(&plain);
    }
    /* two records sent in one send() by the server */
    {
        BYTE m1[100], m2[300];
        struct buf plain = {0};
        SECURITY_STATUS s = recv_message(p, &plain, sizeof(m1) + sizeof(m2), "tcp");
        pattern(m1, sizeof(m1), 1);
        pattern(m2, sizeof(m2), 2);
        check(s == SEC_E_OK && plain.len == 400 && !memcmp(plain.p, m1, 100) && !memcmp(plain.p + 100, m2, 300),
              "tcp DecryptMessage two records from one send()", "status %s, %lu bytes", st(s), plain.len);
        buf_free(&plain);
    }
    return 1;
}

static void tcp_data_server(struct peer *p)
{
    DWORD sizes[3] = { 1, 4096, p->sizes.cbMaximumMessage };
    char nm[128];
    for (int i = 0; i < 3; i++) {
        DWORD len = sizes[i];
        BYTE *msg = malloc(len);
        struct buf wire = {0}, plain = {0};
        SECURITY_STATUS s;
        pattern(msg, len, (BYTE)(len + 9));
        s = recv_message(p, &plain, len, "tcp");
        snprintf(nm, sizeof(nm), "tcp DecryptMessage server<-client %lu bytes", len);
        check(s == SEC_E_OK && plain.len == len && !memcmp(plain.p, msg, len), nm, "status %s, %lu bytes", st(s),
              plain.len);
        s = seal(p, plain.p ? plain.p : msg, len, &wire);
        snprintf(nm, sizeof(nm), "tcp EncryptMessage echo server->client %lu bytes", len);
        check(s == SEC_E_OK && send_all(p->sock, wire.p, wire.len), nm, "status %s", st(s));
        free(msg);
        buf_free(&wire);
        buf_free(&plain);
    }
    {
        BYTE m1[100], m2[300];
        struct buf wire = {0};
        SECURITY_STATUS s1, s2;
        pattern(m1, sizeof(m1), 1);
        pattern(m2, sizeof(m2), 2);
        s1 = seal(p, m1, sizeof(m1), &wire);
        s2 = seal(p, m2, sizeof(m2), &wire);
        check(s1 == SEC_E_OK && s2 == SEC_E_OK && send_all(p->sock, wire.p, wire.len),
              "tcp EncryptMessage two records in one send()", "status %s %s, %lu bytes", st(s1), st(s2), wire.len);
        buf_free(&wire);
    }
}

/* handshake over the socket: rx is filled from the socket when empty or
 * when the package asked for more */
static SECURITY_STATUS tcp_handshake(struct peer *p)
{
    struct buf out = {0};
    SECURITY_STATUS r = SEC_E_OK;

    if (!p->server) {
        r = hs_step(p, &out);
        if (out.len && !send_all(p->sock, out.p, out.len)) r = SEC_E_INTERNAL_ERROR;
        out.len = 0;
        if (!hs_ok(r)) goto done;
    }
    while (!p->done) {
        if (!p->rx.len || r == SEC_E_INCOMPLETE_MESSAGE || r == SEC_I_CONTINUE_NEEDED) {
            if (!(p->rx.len && r == SEC_I_CONTINUE_NEEDED)) {
                if (!peer_fill(p)) { r = SEC_E_INTERNAL_ERROR; info("tcp connection", "%s: closed or timed out "
                                     "during the handshake (WSA error %d)", p->name, WSAGetLastError()); break; }
            }
        }
        r = hs_step(p, &out);
        if (r == SEC_I_INCOMPLETE_CREDENTIALS) r = hs_step(p, &out);
        if (out.len && !send_all(p->sock, out.p, out.len)) { r = SEC_E_INTERNAL_ERROR; break; }
        out.len = 0;
        if (!hs_ok(r)) break;
    }
done:
    buf_free(&out);
    return r;
}

static PCCERT_CONTEXT make_cert_best(const WCHAR *container, const WCHAR *x500, const char *label)
{
    return cert_capi_hprov(container, x500, AT_KEYEXCHANGE, 2048, label);
}

static int tcp_client_main(int port)
{
    struct peer c;
    SOCKET s;
    struct sockaddr_in6 a;
    SECURITY_STATUS r;
    PCCERT_CONTEXT mycert, server_cert = NULL;
    DWORD tmo = 20000;

    who = "child: ";
    mycert = make_cert_best(L"p2pprobe-child", L"CN=p2pprobe-child", "child");
    s = socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
    memset(&a, 0, sizeof(a));
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    a.sin6_port = htons((u_short)port);
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (char *)&tmo, sizeof(tmo));
    if (!check(connect(s, (struct sockaddr *)&a, sizeof(a)) == 0, "tcp connect [::1]", "port %d, WSA error %d",
               port, WSAGetLastError()))
        return 1;
    peer_init(&c, "client", 0);
    c.sock = s;
    c.recv_chunk = 97; /* small reads: records arrive in pieces */
    r = acquire(SECPKG_CRED_OUTBOUND, mycert, CLIENT_CRED_FLAGS, UNISP_NAME_W, &c.cred);
    if (check(r == SEC_E_OK, "tcp client AcquireCredentialsHandle(OUTBOUND, own cert)", "status %s", st(r))) {
        r = tcp_handshake(&c);
        check(r == SEC_E_OK, "tcp client handshake", "last %s, %d calls, %d x INCOMPLETE_MESSAGE, attr 0x%lx",
              st(r), c.calls, c.incomplete, c.attr);
        if (r == SEC_E_OK) {
            show_context(&c, "tcp", NULL);
            if (sft->QueryContextAttributesW(&c.ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, &server_cert) == SEC_E_OK &&
                server_cert) {
                char nm[256];
                CertGetNameStringA(server_cert, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, nm, sizeof(nm));
                info("tcp client sees the server certificate", "subject \"%s\"", nm);
                CertFreeCertificateContext(server_cert);
            }
            tcp_data_client(&c);
        }
        peer_reset(&c);
        sft->FreeCredentialsHandle(&c.cred);
    }
    closesocket(s);
    printf("%sSUMMARY %d passed, %d failed, %d info\n", who, n_pass, n_fail, n_info);
    fflush(stdout);
    if (mycert) CertFreeCertificateContext(mycert);
    delete_container(L"p2pprobe-child");
    return n_fail > 100 ? 100 : n_fail;
}

static void tcp_test(const char *self)
{
    SOCKET ls, s;
    struct sockaddr_in6 a;
    int alen = sizeof(a), port;
    char cmd[MAX_PATH + 64];
    STARTUPINFOA si = { .cb = sizeof(si) };
    PROCESS_INFORMATION pi;
    fd_set fds;
    struct timeval tv = { 20, 0 };
    DWORD code = 0, tmo = 20000;
    struct peer p;
    SECURITY_STATUS r;

    ls = socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
    memset(&a, 0, sizeof(a));
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    if (!check(ls != INVALID_SOCKET && bind(ls, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(ls, 1) == 0,
               "tcp listen [::1]", "WSA error %d", WSAGetLastError()))
        return;
    getsockname(ls, (struct sockaddr *)&a, &alen);
    port = ntohs(a.sin6_port);
    snprintf(cmd, sizeof(cmd), "\"%s\" tcp-client %d", self, port);
    if (!check(CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi), "tcp start the client process",
               "error %lu", GetLastError())) {
        closesocket(ls);
        return;
    }
    FD_ZERO(&fds);
    FD_SET(ls, &fds);
    if (select(0, &fds, NULL, NULL, &tv) != 1) {
        check(0, "tcp accept", "no connection within 20 s");
        s = INVALID_SOCKET;
    } else s = accept(ls, NULL, NULL);
    if (s != INVALID_SOCKET) {
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (char *)&tmo, sizeof(tmo));
        peer_init(&p, "server", 1);
        p.sock = s;
        p.recv_chunk = 61;
        r = acquire(SECPKG_CRED_INBOUND, g_server_cert, 0, UNISP_NAME_W, &p.cred);
        if (check(r == SEC_E_OK, "tcp server AcquireCredentialsHandle(INBOUND, cert)", "status %s", st(r))) {
            r = tcp_handshake(&p);
            check(r == SEC_E_OK, "tcp server handshake", "last %s, %d calls, %d x INCOMPLETE_MESSAGE, attr 0x%lx",
                  st(r), p.calls, p.incomplete, p.attr);
            if (r == SEC_E_OK) {
                PCCERT_CONTEXT remote = NULL;
                SECURITY_STATUS q;
                show_context(&p, "tcp", NULL);
                q = sft->QueryContextAttributesW(&p.ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, &remote);
                if (q == SEC_E_OK && remote) {
                    char nm[256];
                    CertGetNameStringA(remote, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, nm, sizeof(nm));
                    check(1, "tcp server sees the client certificate (mutual auth)", "subject \"%s\"", nm);
                    CertFreeCertificateContext(remote);
                } else check(0, "tcp server sees the client certificate (mutual auth)", "status %s, %s", st(q),
                             remote ? "certificate" : "no certificate");
                tcp_data_server(&p);
            }
            peer_reset(&p);
            sft->FreeCredentialsHandle(&p.cred);
        }
        shutdown(s, SD_SEND);
        closesocket(s);
    }
    closesocket(ls);
    if (WaitForSingleObject(pi.hProcess, 60000) != WAIT_OBJECT_0) {
        TerminateProcess(pi.hProcess, 99);
        WaitForSingleObject(pi.hProcess, 5000);
    }
    GetExitCodeProcess(pi.hProcess, &code);
    check(code == 0, "tcp client process", "exit code %lu (its failed checks)", code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
}

/* ------------------------------------------------------------- NCrypt */

static int ncrypt_main(void)
{
    HMODULE h = LoadLibraryA("ncrypt.dll");
    typeof(NCryptOpenStorageProvider) *p_open = h ? (void *)GetProcAddress(h, "NCryptOpenStorageProvider") : NULL;
    typeof(NCryptCreatePersistedKey) *p_create = h ? (void *)GetProcAddress(h, "NCryptCreatePersistedKey") : NULL;
    typeof(NCryptFinalizeKey) *p_final = h ? (void *)GetProcAddress(h, "NCryptFinalizeKey") : NULL;
    typeof(NCryptSetProperty) *p_setprop = h ? (void *)GetProcAddress(h, "NCryptSetProperty") : NULL;
    typeof(NCryptDeleteKey) *p_delete = h ? (void *)GetProcAddress(h, "NCryptDeleteKey") : NULL;
    typeof(NCryptOpenKey) *p_openkey = h ? (void *)GetProcAddress(h, "NCryptOpenKey") : NULL;
    NCRYPT_PROV_HANDLE prov = 0;
    NCRYPT_KEY_HANDLE key = 0;
    SECURITY_STATUS s;
    DWORD bits = 2048;
    CERT_NAME_BLOB name;
    CRYPT_KEY_PROV_INFO kpi = {0};
    PCCERT_CONTEXT cert;
    CredHandle cred;

    who = "ncrypt: ";
    if (!check(p_open && p_create && p_final, "cert ncrypt entry points", "ncrypt.dll %p, open %p create %p "
               "finalize %p", (void *)h, (void *)p_open, (void *)p_create, (void *)p_final))
        goto out;
    s = p_open(&prov, MS_KEY_STORAGE_PROVIDER, 0);
    if (!check(s == ERROR_SUCCESS, "cert ncrypt NCryptOpenStorageProvider(MS_KEY_STORAGE_PROVIDER)", "status 0x%lx",
               (unsigned long)s))
        goto out;
    if (p_openkey && p_delete && p_openkey(prov, &key, L"p2pprobe-ncrypt", 0, 0) == ERROR_SUCCESS) p_delete(key, 0);
    key = 0;
    s = p_create(prov, &key, BCRYPT_RSA_ALGORITHM, L"p2pprobe-ncrypt", 0, 0);
    if (!check(s == ERROR_SUCCESS, "cert ncrypt NCryptCreatePersistedKey(RSA, named)", "status 0x%lx",
               (unsigned long)s))
        goto out;
    if (p_setprop) {
        s = p_setprop(key, NCRYPT_LENGTH_PROPERTY, (BYTE *)&bits, sizeof(bits), 0);
        info("cert ncrypt NCryptSetProperty(Length 2048)", "status 0x%lx", (unsigned long)s);
    }
    s = p_final(key, 0);
    if (!check(s == ERROR_SUCCESS, "cert ncrypt NCryptFinalizeKey", "status 0x%lx", (unsigned long)s)) goto out;
    encode_name(L"CN=p2pprobe-ncrypt", &name);
    kpi.pwszContainerName = (WCHAR *)L"p2pprobe-ncrypt";
    kpi.pwszProvName = (WCHAR *)MS_KEY_STORAGE_PROVIDER;
    kpi.dwProvType = 0;
    kpi.dwKeySpec = 0;
    cert = CertCreateSelfSignCertificate((HCRYPTPROV_OR_NCRYPT_KEY_HANDLE)key, &name, 0, &kpi, NULL, NULL, NULL, NULL);
    if (!check(cert != NULL, "cert ncrypt CertCreateSelfSignCertificate(NCRYPT_KEY_HANDLE)", "error 0x%lx",
               cert ? 0 : GetLastError()))
        goto out;
    describe_cert("ncrypt", cert);
    s = acquire(SECPKG_CRED_INBOUND, cert, 0, UNISP_NAME_W, &cred);
    check(s == SEC_E_OK, "cert ncrypt usable for Schannel server credentials", "AcquireCredentialsHandle(INBOUND) "
          "status %s", st(s));
    if (s == SEC_E_OK) sft->FreeCredentialsHandle(&cred);
    CertFreeCertificateContext(cert);
out:
    if (key && p_delete) p_delete(key, 0);
    printf("%sSUMMARY %d passed, %d failed, %d info\n", who, n_pass, n_fail, n_info);
    fflush(stdout);
    return n_fail > 100 ? 100 : n_fail;
}

static void run_self(const char *self, const char *args, const char *label)
{
    char cmd[MAX_PATH + 64];
    STARTUPINFOA si = { .cb = sizeof(si) };
    PROCESS_INFORMATION pi;
    DWORD code = 0;
    snprintf(cmd, sizeof(cmd), "\"%s\" %s", self, args);
    if (!CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
        check(0, label, "CreateProcess error %lu", GetLastError());
        return;
    }
    if (WaitForSingleObject(pi.hProcess, 120000) != WAIT_OBJECT_0) {
        TerminateProcess(pi.hProcess, 99);
        WaitForSingleObject(pi.hProcess, 5000);
    }
    GetExitCodeProcess(pi.hProcess, &code);
    info(label, "exit code 0x%lx", code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
}

/* -------------------------------------------------------------- main */

static int load_sspi(const char *dll, int use)
{
    HMODULE h = LoadLibraryA(dll);
    INIT_SECURITY_INTERFACE_W init = h ? (INIT_SECURITY_INTERFACE_W)(void *)GetProcAddress(h, "InitSecurityInterfaceW")
                                       : NULL;
    PSecurityFunctionTableW t = init ? init() : NULL;
    char nm[96];
    snprintf(nm, sizeof(nm), "sspi LoadLibrary(%s) + InitSecurityInterfaceW", dll);
    check(t != NULL, nm, "module %p, table %p, version %lu, AcceptSecurityContext %p, EncryptMessage %p",
          (void *)h, (void *)t, t ? t->dwVersion : 0, t ? (void *)t->AcceptSecurityContext : NULL,
          t ? (void *)t->EncryptMessage : NULL);
    if (t && use) sft = t;
    return t != NULL;
}

int main(int argc, char **argv)
{
    char self[MAX_PATH];
    WSADATA wsa;
    PSecPkgInfoW pi = NULL;
    SECURITY_STATUS r;
    struct peer c, s;
    PCCERT_CONTEXT cert_kpi, cert_default, cert_sig, store_copy = NULL;
    HCERTSTORE my, mem;

    GetModuleFileNameA(NULL, self, sizeof(self));
    WSAStartup(MAKEWORD(2, 2), &wsa);
    if (argc >= 2 && (!strcmp(argv[1], "ncrypt") || (argc >= 3 && !strcmp(argv[1], "tcp-client")))) {
        who = argv[1][0] == 'n' ? "ncrypt: " : "child: ";
        if (!load_sspi("schannel.dll", 1) && !load_sspi("secur32.dll", 1)) return 100;
        return argv[1][0] == 'n' ? ncrypt_main() : tcp_client_main(atoi(argv[2]));
    }

    {
        OSVERSIONINFOA v = { .dwOSVersionInfoSize = sizeof(v) };
        HMODULE nt = GetModuleHandleA("ntdll.dll");
        const char *(CDECL *wine_get_version)(void) = nt ? (void *)GetProcAddress(nt, "wine_get_version") : NULL;
        GetVersionExA(&v);
        info("environment", "Windows %lu.%lu.%lu, Wine %s", v.dwMajorVersion, v.dwMinorVersion, v.dwBuildNumber,
             wine_get_version ? wine_get_version() : "(not Wine)");
    }

    /* 0. the package, as Peer Graphing loads it */
    load_sspi("secur32.dll", 0);
    if (!load_sspi("schannel.dll", 1) && !load_sspi("secur32.dll", 1)) return 100;
    r = sft->QuerySecurityPackageInfoW((WCHAR *)UNISP_NAME_W, &pi);
    check(r == SEC_E_OK, "sspi QuerySecurityPackageInfoW(\"Microsoft Unified Security Protocol Provider\")",
          "status %s, capabilities 0x%lx, max token %lu", st(r), pi ? pi->fCapabilities : 0, pi ? pi->cbMaxToken : 0);
    if (pi) sft->FreeContextBuffer(pi);
    pi = NULL;
    r = sft->QuerySecurityPackageInfoW((WCHAR *)L"Schannel", &pi);
    check(r == SEC_E_OK, "sspi QuerySecurityPackageInfoW(\"Schannel\")", "status %s, capabilities 0x%lx (STREAM %s)",
          st(r), pi ? pi->fCapabilities : 0, pi && (pi->fCapabilities & SECPKG_FLAG_STREAM) ? "yes" : "no");
    if (pi) sft->FreeContextBuffer(pi);

    /* 1. certificates */
    g_server_cert = cert_capi_hprov(L"p2pprobe-server", L"CN=p2pprobe-server", AT_KEYEXCHANGE, 2048, "capi-hprov");
    if (g_server_cert) describe_cert("capi-hprov", g_server_cert);
    g_client_cert = cert_capi_hprov(L"p2pprobe-client", L"CN=p2pprobe-client", AT_KEYEXCHANGE, 2048,
                                    "capi-hprov(client)");
    cert_sig = cert_capi_hprov(L"p2pprobe-sig", L"CN=p2pprobe-sig", AT_SIGNATURE, 2048, "capi-hprov-signature");
    if (cert_sig) describe_cert("capi-hprov-signature", cert_sig);
    cert_kpi = cert_capi_kpi(L"p2pprobe-kpi", L"CN=p2pprobe-kpi");
    if (cert_kpi) describe_cert("capi-kpi", cert_kpi);
    cert_default = cert_capi_default(L"CN=p2pprobe-default");
    if (cert_default) describe_cert("capi-default", cert_default);
    {
        /* a certificate without any private key: the server's encoded
         * certificate decoded again */
        if (g_server_cert)
            g_nokey_cert = CertCreateCertificateContext(X509_ASN_ENCODING, g_server_cert->pbCertEncoded,
                                                        g_server_cert->cbCertEncoded);
    }
    /* which of them Schannel takes as server credentials */
    {
        struct { const char *n; PCCERT_CONTEXT c; } all[] = {
            { "capi-hprov", g_server_cert }, { "capi-hprov-signature", cert_sig }, { "capi-kpi", cert_kpi },
            { "capi-default", cert_default },
        };
        for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
            CredHandle h;
            char nm[128];
            if (!all[i].c) continue;
            r = acquire(SECPKG_CRED_INBOUND, all[i].c, 0, UNISP_NAME_W, &h);
            snprintf(nm, sizeof(nm), "cert %s usable for Schannel server credentials", all[i].n);
            check(r == SEC_E_OK, nm, "AcquireCredentialsHandle(INBOUND) status %s", st(r));
            if (r == SEC_E_OK) sft->FreeCredentialsHandle(&h);
            r = acquire(SECPKG_CRED_OUTBOUND, all[i].c, CLIENT_CRED_FLAGS, UNISP_NAME_W, &h);
            snprintf(nm, sizeof(nm), "cert %s usable for Schannel client credentials", all[i].n);
            check(r == SEC_E_OK, nm, "AcquireCredentialsHandle(OUTBOUND) status %s", st(r));
            if (r == SEC_E_OK) sft->FreeCredentialsHandle(&h);
        }
    }
    /* stores: a memory store and the user's MY store */
    if (g_server_cert) {
        CredHandle h;
        mem = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, CERT_STORE_CREATE_NEW_FLAG, NULL);
        if (mem && CertAddCertificateContextToStore(mem, g_server_cert, CERT_STORE_ADD_ALWAYS, &store_copy)) {
            r = acquire(SECPKG_CRED_INBOUND, store_copy, 0, UNISP_NAME_W, &h);
            check(r == SEC_E_OK, "cert capi-hprov copy in a memory store usable for server credentials", "status %s",
                  st(r));
            if (r == SEC_E_OK) sft->FreeCredentialsHandle(&h);
            CertFreeCertificateContext(store_copy);
            store_copy = NULL;
        } else check(0, "cert memory store", "error 0x%lx", GetLastError());
        if (mem) CertCloseStore(mem, 0);
        my = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER, L"MY");
        if (my) {
            /* earlier runs' certificates (their containers hold other keys now) */
            PCCERT_CONTEXT old;
            int removed = 0;
            while ((old = CertFindCertificateInStore(my, X509_ASN_ENCODING, 0, CERT_FIND_SUBJECT_STR_W,
                                                     L"p2pprobe-", NULL))) {
                CertDeleteCertificateFromStore(old);
                removed++;
                if (removed > 50) break;
            }
            if (removed) info("cert user MY store", "removed %d certificate(s) left by earlier runs", removed);
        }
        if (my && CertAddCertificateContextToStore(my, g_server_cert, CERT_STORE_ADD_REPLACE_EXISTING, &store_copy)) {
            PCCERT_CONTEXT found;
            CertFreeCertificateContext(store_copy);
            CertCloseStore(my, 0);
            /* reopen, find it again, as another process would */
            my = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER, L"MY");
            found = NULL;
            while ((found = CertFindCertificateInStore(my, X509_ASN_ENCODING, 0, CERT_FIND_SUBJECT_STR_W,
                                                       L"p2pprobe-server", found)))
                if (CertCompareCertificate(X509_ASN_ENCODING, found->pCertInfo, g_server_cert->pCertInfo)) break;
            r = found ? acquire(SECPKG_CRED_INBOUND, found, 0, UNISP_NAME_W, &h) : SEC_E_NO_CREDENTIALS;
            check(found && r == SEC_E_OK, "cert capi-hprov found again in the user's MY store, usable for server "
                  "credentials", "found %s, status %s", found ? "yes" : "no", st(r));
            if (found && r == SEC_E_OK) sft->FreeCredentialsHandle(&h);
            if (found) CertDeleteCertificateFromStore(found); /* leaves the prefix as it was */
            CertCloseStore(my, 0);
        } else check(0, "cert user MY store", "error 0x%lx", GetLastError());
    }
    /* a certificate whose container got a new key afterwards */
    {
        PCCERT_CONTEXT stale = cert_capi_hprov(L"p2pprobe-stale", L"CN=p2pprobe-stale", AT_KEYEXCHANGE, 2048, "stale");
        PCCERT_CONTEXT fresh = cert_capi_hprov(L"p2pprobe-stale", L"CN=p2pprobe-stale2", AT_KEYEXCHANGE, 2048,
                                               "stale(new key)");
        CredHandle h;
        if (stale) {
            r = acquire(SECPKG_CRED_INBOUND, stale, 0, UNISP_NAME_W, &h);
            check(r != SEC_E_OK, "error server credentials: certificate and key do not match", "status %s", st(r));
            if (r == SEC_E_OK) sft->FreeCredentialsHandle(&h);
            r = acquire(SECPKG_CRED_OUTBOUND, stale, CLIENT_CRED_FLAGS, UNISP_NAME_W, &h);
            check(r != SEC_E_OK, "error client credentials: certificate and key do not match", "status %s", st(r));
            if (r == SEC_E_OK) sft->FreeCredentialsHandle(&h);
            CertFreeCertificateContext(stale);
        }
        if (fresh) CertFreeCertificateContext(fresh);
        delete_container(L"p2pprobe-stale");
    }
    run_self(self, "ncrypt", "cert ncrypt (separate process)");

    if (!g_server_cert) {
        printf("%sSUMMARY %d passed, %d failed, %d info (no usable certificate)\n", who, n_pass, n_fail, n_info);
        return n_fail > 100 ? 100 : n_fail;
    }

    /* 2. in-process handshakes */
    run_inproc("inproc server-only", g_server_cert, NULL, SECPKG_CRED_INBOUND, SECPKG_CRED_OUTBOUND,
               CLIENT_CRED_FLAGS, 1 << 20, 0, 0, &c, &s);
    run_inproc("inproc server-only +ISC_REQ_MANUAL_CRED_VALIDATION", g_server_cert, NULL, SECPKG_CRED_INBOUND,
               SECPKG_CRED_OUTBOUND, SCH_CRED_NO_DEFAULT_CREDS, 1 << 20, ISC_REQ_MANUAL_CRED_VALIDATION, 0, &c, &s);
    run_inproc("inproc byte-at-a-time", g_server_cert, NULL, SECPKG_CRED_INBOUND, SECPKG_CRED_OUTBOUND,
               CLIENT_CRED_FLAGS, 1, 0, 0, &c, &s);
    run_inproc("inproc graph-style SECPKG_CRED_BOTH", g_server_cert, g_client_cert, SECPKG_CRED_BOTH,
               SECPKG_CRED_BOTH, CLIENT_CRED_FLAGS, 1 << 20, 0, 0, &c, &s);
    /* TLS 1.3 asked for explicitly (the default is what the package picks) */
    g_protocols = SP_PROT_TLS1_3;
    if (run_inproc("inproc TLS1.3 mutual", g_server_cert, g_client_cert, SECPKG_CRED_INBOUND, SECPKG_CRED_OUTBOUND,
                   CLIENT_CRED_FLAGS, 1 << 20, 0, 1, &c, &s)) {
        data_tests(&c, &s, "inproc TLS1.3 data");
        free_pair(&c, &s);
    }
    g_protocols = SP_PROT_TLS1_2;
    run_inproc("inproc TLS1.2 explicit", g_server_cert, g_client_cert, SECPKG_CRED_INBOUND, SECPKG_CRED_OUTBOUND,
               CLIENT_CRED_FLAGS, 1 << 20, 0, 0, &c, &s);
    g_protocols = 0;
    /* 3. mutual authentication, kept for the data tests */
    if (run_inproc("inproc mutual", g_server_cert, g_client_cert, SECPKG_CRED_INBOUND, SECPKG_CRED_OUTBOUND,
                   CLIENT_CRED_FLAGS, 1 << 20, 0, 1, &c, &s) ||
        run_inproc("inproc server-only (for data)", g_server_cert, NULL, SECPKG_CRED_INBOUND, SECPKG_CRED_OUTBOUND,
                   CLIENT_CRED_FLAGS, 1 << 20, 0, 1, &c, &s)) {
        /* 4. records */
        data_tests(&c, &s, "inproc data");
        free_pair(&c, &s);
    } else check(0, "inproc data", "no context to test records with");

    /* 5. errors */
    error_tests();

    /* 2b. two processes over TCP on ::1 */
    tcp_test(self);

    if (cert_kpi) CertFreeCertificateContext(cert_kpi);
    if (cert_default) CertFreeCertificateContext(cert_default);
    if (cert_sig) CertFreeCertificateContext(cert_sig);
    if (g_nokey_cert) CertFreeCertificateContext(g_nokey_cert);
    CertFreeCertificateContext(g_server_cert);
    if (g_client_cert) CertFreeCertificateContext(g_client_cert);
    delete_container(L"p2pprobe-server");
    delete_container(L"p2pprobe-client");
    delete_container(L"p2pprobe-sig");
    delete_container(L"p2pprobe-kpi");
    printf("SUMMARY %d passed, %d failed, %d info\n", n_pass, n_fail, n_info);
    return n_fail > 100 ? 100 : n_fail;
}
