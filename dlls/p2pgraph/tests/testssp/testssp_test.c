/*
 * Tests of the P2PTestSSP test security package (testssp.dll), run in one process with an
 * initiator and a responder context
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

/*
 * Usage: testssp_test.exe [PATH\TO\testssp.dll]
 *
 * The package is loaded the way a Peer Graphing program's third-party SSP is: LoadLibraryW and
 * GetProcAddress("InitSecurityInterfaceW").  Tokens and messages travel through in-memory
 * "pipes" that stand for a TCP stream, so they can be handed over whole, a byte at a time or
 * several at once.  The last line is "testssp_test: N tests executed (0 marked as todo, M failures),
 * 0 skipped." (the conformance tests' summary, which make check reads); the exit code is
 * 0 only if M is 0.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECURITY_WIN32
#include <windows.h>
#include <sspi.h>

#define PACKAGE L"P2PTestSSP"
#define ISC_FLAGS (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_SEQUENCE_DETECT \
                   | ISC_REQ_STREAM | ISC_REQ_ALLOCATE_MEMORY)
#define ASC_FLAGS (ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_SEQUENCE_DETECT \
                   | ASC_REQ_STREAM | ASC_REQ_ALLOCATE_MEMORY)

#define HEADER 8
#define TRAILER 16
#define MAX_MESSAGE 16384
#define PIPE_SIZE (4 * (MAX_MESSAGE + 64))

static PSecurityFunctionTableW ft;
static HMODULE module;
static LONG tests, failures;

#define ok(cond, ...) ok_(__LINE__, (cond), __VA_ARGS__)

static int ok_(int line, int cond, const char *format, ...)
{
    va_list args;

    InterlockedIncrement(&tests);
    if (cond) return 1;
    InterlockedIncrement(&failures);
    printf("testssp_test.c:%d: Test failed: ", line);
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    fflush(stdout);
    return 0;
}

/* a deterministic generator for test data and fuzzing */
static unsigned int rand_state = 12345;

static unsigned int next_rand(void)
{
    rand_state = rand_state * 1103515245 + 12345;
    return rand_state >> 8;
}

/* the key blob given as pAuthData (PEER_SECURITY_INTERFACE.pbSecurityInfo):
 * 4-byte little-endian length N, then N key bytes */
static BYTE *key_blob(const void *key, DWORD size)
{
    BYTE *blob = malloc(4 + (size ? size : 1));

    blob[0] = (BYTE)size;
    blob[1] = (BYTE)(size >> 8);
    blob[2] = (BYTE)(size >> 16);
    blob[3] = (BYTE)(size >> 24);
    if (size) memcpy(blob + 4, key, size);
    return blob;
}

static SECURITY_STATUS acquire(const void *key, DWORD size, ULONG use, CredHandle *cred)
{
    BYTE *blob = key_blob(key, size);
    SECURITY_STATUS status;
    TimeStamp expiry;

    status = ft->AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)PACKAGE, use, NULL, blob, NULL, (void *)1, cred, &expiry);
    /* the package must have copied the key */
    memset(blob, 0xcc, 4 + size);
    free(blob);
    return status;
}

/* one direction of a byte stream */
struct pipe
{
    BYTE data[PIPE_SIZE];
    SIZE_T len;
};

static void pipe_put(struct pipe *p, const void *data, SIZE_T size)
{
    if (!ok(p->len + size <= sizeof(p->data), "pipe overflow\n")) return;
    memcpy(p->data + p->len, data, size);
    p->len += size;
}

struct endpoint
{
    BOOL initiator;
    CredHandle cred;
    CtxtHandle ctx;
    BOOL have_ctx;
    BYTE in[PIPE_SIZE];     /* bytes received and not consumed yet */
    SIZE_T in_len;
    ULONG attrs;
    int incomplete;         /* SEC_E_INCOMPLETE_MESSAGE answers */
    int tokens;             /* non-empty tokens sent */
    ULONG last_missing;
};

static struct endpoint *new_endpoint(BOOL initiator, const char *key)
{
    struct endpoint *e = calloc(1, sizeof(*e));
    SECURITY_STATUS status;

    e->initiator = initiator;
    status = acquire(key, strlen(key), initiator ? SECPKG_CRED_OUTBOUND : SECPKG_CRED_INBOUND, &e->cred);
    ok(status == SEC_E_OK, "AcquireCredentialsHandleW returned %#lx\n", status);
    return e;
}

static void free_endpoint(struct endpoint *e)
{
    SECURITY_STATUS status;

    if (e->have_ctx)
    {
        status = ft->DeleteSecurityContext(&e->ctx);
        ok(status == SEC_E_OK, "DeleteSecurityContext returned %#lx\n", status);
    }
    if (e->cred.dwLower || e->cred.dwUpper)
    {
        status = ft->FreeCredentialsHandle(&e->cred);
        ok(status == SEC_E_OK, "FreeCredentialsHandle returned %#lx\n", status);
    }
    free(e);
}

static void init_desc(SecBufferDesc *desc, SecBuffer *buffers, ULONG count)
{
    desc->ulVersion = SECBUFFER_VERSION;
    desc->cBuffers = count;
    desc->pBuffers = buffers;
}

/* Moves up to chunk bytes from the pipe into the endpoint's receive buffer. */
static void receive(struct endpoint *e, struct pipe *from, SIZE_T chunk)
{
    SIZE_T n = from->len < chunk ? from->len : chunk;

    memcpy(e->in + e->in_len, from->data, n);
    e->in_len += n;
    memmove(from->data, from->data + n, from->len - n);
    from->len -= n;
}

/* Keeps the last extra bytes of the receive buffer (SECBUFFER_EXTRA) or drops them all. */
static void consume(struct endpoint *e, const SecBuffer *extra)
{
    if (extra && extra->BufferType == SECBUFFER_EXTRA)
    {
        if (!ok(extra->cbBuffer < e->in_len, "EXTRA of %lu bytes out of %Iu\n", extra->cbBuffer, e->in_len))
        {
            e->in_len = 0;
            return;
        }
        memmove(e->in, e->in + e->in_len - extra->cbBuffer, extra->cbBuffer);
        e->in_len = extra->cbBuffer;
    }
    else e->in_len = 0;
}

/* The initiator's first InitializeSecurityContextW: token 1 into the pipe. */
static SECURITY_STATUS start(struct endpoint *e, struct pipe *to)
{
    SecBuffer out_buf = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out;
    SECURITY_STATUS status;
    TimeStamp expiry;

    init_desc(&out, &out_buf, 1);
    status = ft->InitializeSecurityContextW(&e->cred, NULL, (SEC_WCHAR *)L"peer", ISC_FLAGS, 0, 0, NULL, 0,
                                            &e->ctx, &out, &e->attrs, &expiry);
    if (status == SEC_I_CONTINUE_NEEDED || status == SEC_E_OK) e->have_ctx = TRUE;
    if (out_buf.cbBuffer)
    {
        pipe_put(to, out_buf.pvBuffer, out_buf.cbBuffer);
        e->tokens++;
        ft->FreeContextBuffer(out_buf.pvBuffer);
    }
    return status;
}

/* Feeds the bytes of the pipe, chunk bytes at a time, to the next handshake call until it
 * answers something other than SEC_E_INCOMPLETE_MESSAGE or the pipe is empty.  The output
 * token goes into the other pipe. */
static SECURITY_STATUS step(struct endpoint *e, struct pipe *from, struct pipe *to, SIZE_T chunk)
{
    SECURITY_STATUS status;

    for (;;)
    {
        SecBuffer in_buf[2], out_buf = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc in, out;
        TimeStamp expiry;

        receive(e, from, chunk);
        in_buf[0].BufferType = SECBUFFER_TOKEN;
        in_buf[0].cbBuffer = e->in_len;
        in_buf[0].pvBuffer = e->in;
        in_buf[1].BufferType = SECBUFFER_EMPTY;
        in_buf[1].cbBuffer = 0;
        in_buf[1].pvBuffer = NULL;
        init_desc(&in, in_buf, 2);
        init_desc(&out, &out_buf, 1);
        if (e->initiator)
            status = ft->InitializeSecurityContextW(&e->cred, &e->ctx, (SEC_WCHAR *)L"peer", ISC_FLAGS, 0, 0, &in, 0,
                                                    &e->ctx, &out, &e->attrs, &expiry);
        else
            status = ft->AcceptSecurityContext(&e->cred, e->have_ctx ? &e->ctx : NULL, &in, ASC_FLAGS, 0,
                                               &e->ctx, &out, &e->attrs, &expiry);
        if (!e->initiator && !e->have_ctx && (status == SEC_I_CONTINUE_NEEDED || status == SEC_E_OK))
            e->have_ctx = TRUE;
        if (out_buf.cbBuffer)
        {
            pipe_put(to, out_buf.pvBuffer, out_buf.cbBuffer);
            e->tokens++;
            ft->FreeContextBuffer(out_buf.pvBuffer);
        }
        if (status == SEC_E_INCOMPLETE_MESSAGE)
        {
            e->incomplete++;
            ok(out_buf.cbBuffer == 0, "a token was written with SEC_E_INCOMPLETE_MESSAGE\n");
            ok(in_buf[1].BufferType == SECBUFFER_MISSING && in_buf[1].cbBuffer > 0,
               "no MISSING buffer: type %lu size %lu\n", in_buf[1].BufferType, in_buf[1].cbBuffer);
            e->last_missing = in_buf[1].cbBuffer;
            if (!from->len) return status;
            continue;
        }
        if (status == SEC_E_OK || status == SEC_I_CONTINUE_NEEDED) consume(e, &in_buf[1]);
        return status;
    }
}

/* Encrypts a message and puts header, ciphertext and trailer into the pipe; the wire bytes
 * are copied to wire if it is not NULL. */
static SECURITY_STATUS send_message(struct endpoint *e, const void *data, SIZE_T size, struct pipe *to, BYTE *wire)
{
    BYTE *buffer = malloc(HEADER + size + TRAILER + 1);
    SecBuffer buffers[4];
    SecBufferDesc desc;
    SECURITY_STATUS status;

    memcpy(buffer + HEADER, data, size);
    buffers[0].BufferType = SECBUFFER_STREAM_HEADER;
    buffers[0].cbBuffer = HEADER;
    buffers[0].pvBuffer = buffer;
    buffers[1].BufferType = SECBUFFER_DATA;
    buffers[1].cbBuffer = size;
    buffers[1].pvBuffer = buffer + HEADER;
    buffers[2].BufferType = SECBUFFER_STREAM_TRAILER;
    buffers[2].cbBuffer = TRAILER;
    buffers[2].pvBuffer = buffer + HEADER + size;
    buffers[3].BufferType = SECBUFFER_EMPTY;
    buffers[3].cbBuffer = 0;
    buffers[3].pvBuffer = NULL;
    init_desc(&desc, buffers, 4);
    status = ft->EncryptMessage(&e->ctx, 0, &desc, 0);
    if (status == SEC_E_OK)
    {
        ok(buffers[0].cbBuffer == HEADER && buffers[1].cbBuffer == size && buffers[2].cbBuffer == TRAILER,
           "sizes after EncryptMessage %lu %lu %lu\n", buffers[0].cbBuffer, buffers[1].cbBuffer, buffers[2].cbBuffer);
        ok(size < 8 || memcmp(buffer + HEADER, data, size), "the ciphertext is the plaintext\n");
        if (to) pipe_put(to, buffer, HEADER + size + TRAILER);
        if (wire) memcpy(wire, buffer, HEADER + size + TRAILER);
    }
    free(buffer);
    return status;
}

/* Feeds the pipe, chunk bytes at a time, to DecryptMessage until it answers something other
 * than SEC_E_INCOMPLETE_MESSAGE or the pipe is empty; on success the plaintext is copied to
 * plain (up to MAX_MESSAGE bytes) and *size set. */
static SECURITY_STATUS receive_message(struct endpoint *e, struct pipe *from, SIZE_T chunk, BYTE *plain, SIZE_T *size)
{
    SECURITY_STATUS status;

    for (;;)
    {
        SecBuffer buffers[4];
        SecBufferDesc desc;
        unsigned int i;

        receive(e, from, chunk);
        buffers[0].BufferType = SECBUFFER_DATA;
        buffers[0].cbBuffer = e->in_len;
        buffers[0].pvBuffer = e->in;
        for (i = 1; i < 4; i++)
        {
            buffers[i].BufferType = SECBUFFER_EMPTY;
            buffers[i].cbBuffer = 0;
            buffers[i].pvBuffer = NULL;
        }
        init_desc(&desc, buffers, 4);
        status = ft->DecryptMessage(&e->ctx, &desc, 0, NULL);
        if (status == SEC_E_INCOMPLETE_MESSAGE)
        {
            e->incomplete++;
            ok(buffers[1].BufferType == SECBUFFER_MISSING && buffers[1].cbBuffer > 0,
               "no MISSING buffer: type %lu size %lu\n", buffers[1].BufferType, buffers[1].cbBuffer);
            e->last_missing = buffers[1].cbBuffer;
            if (!from->len) return status;
            continue;
        }
        if (status != SEC_E_OK)
        {
            ok(buffers[0].BufferType == SECBUFFER_DATA && buffers[1].BufferType == SECBUFFER_EMPTY,
               "buffers changed on failure: %lu %lu\n", buffers[0].BufferType, buffers[1].BufferType);
            return status;
        }
        ok(buffers[0].BufferType == SECBUFFER_STREAM_HEADER && buffers[0].pvBuffer == e->in
           && buffers[0].cbBuffer == HEADER, "header buffer %lu %p %lu\n", buffers[0].BufferType,
           buffers[0].pvBuffer, buffers[0].cbBuffer);
        ok(buffers[1].BufferType == SECBUFFER_DATA && buffers[1].pvBuffer == e->in + HEADER,
           "data buffer %lu %p\n", buffers[1].BufferType, buffers[1].pvBuffer);
        ok(buffers[2].BufferType == SECBUFFER_STREAM_TRAILER && buffers[2].cbBuffer == TRAILER
           && buffers[2].pvBuffer == e->in + HEADER + buffers[1].cbBuffer, "trailer buffer %lu %lu\n",
           buffers[2].BufferType, buffers[2].cbBuffer);
        ok(buffers[3].BufferType == SECBUFFER_EMPTY
           || (buffers[3].BufferType == SECBUFFER_EXTRA
               && buffers[3].pvBuffer == e->in + HEADER + buffers[1].cbBuffer + TRAILER
               && buffers[3].cbBuffer == e->in_len - HEADER - buffers[1].cbBuffer - TRAILER),
           "extra buffer %lu %lu\n", buffers[3].BufferType, buffers[3].cbBuffer);
        *size = buffers[1].cbBuffer;
        if (*size <= MAX_MESSAGE) memcpy(plain, buffers[1].pvBuffer, *size);
        consume(e, &buffers[3]);
        return status;
    }
}

/* Runs the handshake; TRUE if both sides reached SEC_E_OK in three tokens. */
static BOOL handshake(struct endpoint *i, struct endpoint *r, SIZE_T chunk, int line)
{
    static struct pipe i2r, r2i;
    SECURITY_STATUS status;

    i2r.len = r2i.len = 0;
    status = start(i, &i2r);
    ok_(line, status == SEC_I_CONTINUE_NEEDED, "token 1: %#lx\n", status);
    if (status != SEC_I_CONTINUE_NEEDED) return FALSE;
    status = step(r, &i2r, &r2i, chunk);
    ok_(line, status == SEC_I_CONTINUE_NEEDED, "token 2: %#lx\n", status);
    if (status != SEC_I_CONTINUE_NEEDED) return FALSE;
    status = step(i, &r2i, &i2r, chunk);
    ok_(line, status == SEC_E_OK, "token 3: %#lx\n", status);
    if (status != SEC_E_OK) return FALSE;
    status = step(r, &i2r, &r2i, chunk);
    ok_(line, status == SEC_E_OK, "responder's last step: %#lx\n", status);
    if (status != SEC_E_OK) return FALSE;
    ok_(line, i->tokens == 2 && r->tokens == 1, "tokens sent %d %d\n", i->tokens, r->tokens);
    ok_(line, !i2r.len && !r2i.len && !i->in_len && !r->in_len, "bytes left over %Iu %Iu %Iu %Iu\n",
        i2r.len, r2i.len, i->in_len, r->in_len);
    return TRUE;
}

static void test_table(void)
{
    PSecurityFunctionTableA (SEC_ENTRY *init_a)(void);

    ok(ft->dwVersion == SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION, "dwVersion %lu\n", ft->dwVersion);
    ok(ft->EnumerateSecurityPackagesW && ft->QuerySecurityPackageInfoW && ft->AcquireCredentialsHandleW
       && ft->FreeCredentialsHandle && ft->InitializeSecurityContextW && ft->AcceptSecurityContext
       && ft->DeleteSecurityContext && ft->QueryContextAttributesW && ft->EncryptMessage && ft->DecryptMessage
       && ft->FreeContextBuffer, "a function is missing from the table\n");
    init_a = (void *)GetProcAddress(module, "InitSecurityInterfaceA");
    ok(init_a != NULL, "InitSecurityInterfaceA is not exported\n");
    if (init_a) ok(init_a() == NULL, "InitSecurityInterfaceA returned a table\n");
}

static void test_package_info(void)
{
    SECURITY_STATUS status;
    SecPkgInfoW *info = NULL;
    ULONG count = 0;

    status = ft->QuerySecurityPackageInfoW((SEC_WCHAR *)PACKAGE, &info);
    ok(status == SEC_E_OK, "QuerySecurityPackageInfoW returned %#lx\n", status);
    if (status == SEC_E_OK)
    {
        ok(!wcscmp(info->Name, PACKAGE), "name %ls\n", info->Name);
        ok(info->cbMaxToken >= 55 && info->cbMaxToken <= 1024, "cbMaxToken %lu\n", info->cbMaxToken);
        ok((info->fCapabilities & (SECPKG_FLAG_STREAM | SECPKG_FLAG_PRIVACY | SECPKG_FLAG_INTEGRITY))
           == (SECPKG_FLAG_STREAM | SECPKG_FLAG_PRIVACY | SECPKG_FLAG_INTEGRITY), "capabilities %#lx\n",
           info->fCapabilities);
        ft->FreeContextBuffer(info);
    }
    status = ft->QuerySecurityPackageInfoW((SEC_WCHAR *)L"p2ptestSSP", &info);
    ok(status == SEC_E_OK, "case-insensitive name: %#lx\n", status);
    if (status == SEC_E_OK) ft->FreeContextBuffer(info);
    status = ft->QuerySecurityPackageInfoW((SEC_WCHAR *)L"Negotiate", &info);
    ok(status == SEC_E_SECPKG_NOT_FOUND, "other package: %#lx\n", status);
    status = ft->QuerySecurityPackageInfoW((SEC_WCHAR *)L"P2PTestSSPx", &info);
    ok(status == SEC_E_SECPKG_NOT_FOUND, "longer name: %#lx\n", status);
    status = ft->QuerySecurityPackageInfoW(NULL, &info);
    ok(status == SEC_E_SECPKG_NOT_FOUND, "NULL name: %#lx\n", status);
    status = ft->QuerySecurityPackageInfoW((SEC_WCHAR *)PACKAGE, NULL);
    ok(status != SEC_E_OK, "NULL output: %#lx\n", status);

    status = ft->EnumerateSecurityPackagesW(&count, &info);
    ok(status == SEC_E_OK && count == 1, "EnumerateSecurityPackagesW returned %#lx, %lu packages\n", status, count);
    if (status == SEC_E_OK)
    {
        ok(!wcscmp(info[0].Name, PACKAGE), "name %ls\n", info[0].Name);
        ft->FreeContextBuffer(info);
    }
    status = ft->FreeContextBuffer(NULL);
    ok(status == SEC_E_OK, "FreeContextBuffer(NULL) returned %#lx\n", status);
}

static void test_credentials(void)
{
    static const BYTE max_key[1024] = {1};
    SECURITY_STATUS status;
    CredHandle cred, cred2;
    TimeStamp expiry;
    BYTE *blob;

    blob = key_blob("secret", 6);
    status = ft->AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)L"Kerberos", SECPKG_CRED_BOTH, NULL, blob, NULL, NULL,
                                           &cred, &expiry);
    ok(status == SEC_E_SECPKG_NOT_FOUND, "other package: %#lx\n", status);
    status = ft->AcquireCredentialsHandleW(NULL, NULL, SECPKG_CRED_BOTH, NULL, blob, NULL, NULL, &cred, &expiry);
    ok(status == SEC_E_SECPKG_NOT_FOUND, "NULL package: %#lx\n", status);
    status = ft->AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)L"p2ptestssp", SECPKG_CRED_BOTH, NULL, blob, NULL,
                                           NULL, &cred, NULL);
    ok(status == SEC_E_OK, "lower-case package name: %#lx\n", status);
    if (status == SEC_E_OK)
    {
        cred2 = cred;
        status = ft->FreeCredentialsHandle(&cred);
        ok(status == SEC_E_OK, "FreeCredentialsHandle returned %#lx\n", status);
        status = ft->FreeCredentialsHandle(&cred2);
        ok(status == SEC_E_INVALID_HANDLE, "second FreeCredentialsHandle returned %#lx\n", status);
    }
    status = ft->AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)PACKAGE, SECPKG_CRED_BOTH, NULL, blob, NULL, NULL,
                                           NULL, &expiry);
    ok(status != SEC_E_OK, "NULL handle: %#lx\n", status);
    status = ft->AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)PACKAGE, 0, NULL, blob, NULL, NULL, &cred, &expiry);
    ok(status != SEC_E_OK, "no use: %#lx\n", status);
    free(blob);

    status = ft->AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)PACKAGE, SECPKG_CRED_BOTH, NULL, NULL, NULL, NULL,
                                           &cred, &expiry);
    ok(status == SEC_E_NO_CREDENTIALS, "NULL pAuthData: %#lx\n", status);
    status = acquire("", 0, SECPKG_CRED_BOTH, &cred);
    ok(status == SEC_E_INVALID_TOKEN, "empty key: %#lx\n", status);
    blob = key_blob(max_key, 1024);
    blob[1] = 4; /* 1025 */
    blob[0] = 1;
    status = ft->AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)PACKAGE, SECPKG_CRED_BOTH, NULL, blob, NULL, NULL,
                                           &cred, &expiry);
    ok(status == SEC_E_INVALID_TOKEN, "1025-byte key: %#lx\n", status);
    blob[3] = 0x80;
    status = ft->AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)PACKAGE, SECPKG_CRED_BOTH, NULL, blob, NULL, NULL,
                                           &cred, &expiry);
    ok(status == SEC_E_INVALID_TOKEN, "huge key length: %#lx\n", status);
    free(blob);
    status = acquire(max_key, 1024, SECPKG_CRED_BOTH, &cred);
    ok(status == SEC_E_OK, "1024-byte key: %#lx\n", status);
    if (status == SEC_E_OK) ft->FreeCredentialsHandle(&cred);

    status = ft->FreeCredentialsHandle(NULL);
    ok(status == SEC_E_INVALID_HANDLE, "FreeCredentialsHandle(NULL) returned %#lx\n", status);
    cred.dwLower = 0x12345678;
    cred.dwUpper = 0x9abcdef0;
    status = ft->FreeCredentialsHandle(&cred);
    ok(status == SEC_E_INVALID_HANDLE, "made-up handle: %#lx\n", status);
}

/* both sides reach SEC_E_OK in three tokens, with the tokens handed over chunk bytes at a time */
static void test_handshake(SIZE_T chunk)
{
    struct endpoint *i = new_endpoint(TRUE, "same key"), *r = new_endpoint(FALSE, "same key");
    static const ULONG isc_want = ISC_RET_MUTUAL_AUTH | ISC_RET_CONFIDENTIALITY | ISC_RET_INTEGRITY
                                  | ISC_RET_SEQUENCE_DETECT | ISC_RET_STREAM | ISC_RET_ALLOCATED_MEMORY;
    static const ULONG asc_want = ASC_RET_MUTUAL_AUTH | ASC_RET_CONFIDENTIALITY | ASC_RET_INTEGRITY
                                  | ASC_RET_SEQUENCE_DETECT | ASC_RET_STREAM | ASC_RET_ALLOCATED_MEMORY;
    SecPkgContext_StreamSizes sizes;
    SecPkgContext_Sizes sizes2;
    SECURITY_STATUS status;

    if (handshake(i, r, chunk, __LINE__))
    {
        ok((i->attrs & isc_want) == isc_want, "initiator attributes %#lx\n", i->attrs);
        ok((r->attrs & asc_want) == asc_want, "responder attributes %#lx\n", r->attrs);
        if (chunk == 1)
            /* tokens of 23, 55 and 39 bytes: every byte but the last of each is incomplete */
            ok(i->incomplete + r->incomplete == 22 + 54 + 38, "%d + %d incomplete answers\n", i->incomplete,
               r->incomplete);
        else if (chunk >= 64)
            ok(!i->incomplete && !r->incomplete, "%d + %d incomplete answers\n", i->incomplete, r->incomplete);
        memset(&sizes, 0xcc, sizeof(sizes));
        status = ft->QueryContextAttributesW(&i->ctx, SECPKG_ATTR_STREAM_SIZES, &sizes);
        ok(status == SEC_E_OK, "QueryContextAttributesW returned %#lx\n", status);
        ok(sizes.cbHeader == HEADER && sizes.cbTrailer == TRAILER && sizes.cbMaximumMessage == MAX_MESSAGE
           && sizes.cBuffers == 4 && sizes.cbBlockSize == 1, "stream sizes %lu %lu %lu %lu %lu\n", sizes.cbHeader,
           sizes.cbTrailer, sizes.cbMaximumMessage, sizes.cBuffers, sizes.cbBlockSize);
        status = ft->QueryContextAttributesW(&r->ctx, SECPKG_ATTR_SIZES, &sizes2);
        ok(status == SEC_E_OK && sizes2.cbMaxSignature == TRAILER && sizes2.cbSecurityTrailer == HEADER + TRAILER,
           "SECPKG_ATTR_SIZES: %#lx %lu %lu\n", status, sizes2.cbMaxSignature, sizes2.cbSecurityTrailer);
        status = ft->QueryContextAttributesW(&r->ctx, SECPKG_ATTR_NAMES, &sizes2);
        ok(status == SEC_E_UNSUPPORTED_FUNCTION, "SECPKG_ATTR_NAMES: %#lx\n", status);
        status = ft->QueryContextAttributesW(&r->ctx, SECPKG_ATTR_STREAM_SIZES, NULL);
        ok(status != SEC_E_OK, "NULL buffer: %#lx\n", status);
        status = ft->QueryContextAttributesW(&r->cred, SECPKG_ATTR_STREAM_SIZES, &sizes);
        ok(status == SEC_E_INVALID_HANDLE, "credential as context: %#lx\n", status);
    }
    free_endpoint(i);
    free_endpoint(r);
}

/* the handshake with keys that differ: the initiator refuses token 2 and the responder never
 * completes */
static void test_wrong_key(const void *key_i, DWORD size_i, const void *key_r, DWORD size_r, const char *what)
{
    struct endpoint *i = calloc(1, sizeof(*i)), *r = calloc(1, sizeof(*r));
    static struct pipe i2r, r2i;
    SECURITY_STATUS status;
    BYTE plain[16];
    SIZE_T size;

    i->initiator = TRUE;
    ok(acquire(key_i, size_i, SECPKG_CRED_BOTH, &i->cred) == SEC_E_OK, "%s: initiator key refused\n", what);
    ok(acquire(key_r, size_r, SECPKG_CRED_BOTH, &r->cred) == SEC_E_OK, "%s: responder key refused\n", what);
    i2r.len = r2i.len = 0;
    status = start(i, &i2r);
    ok(status == SEC_I_CONTINUE_NEEDED, "%s: token 1: %#lx\n", what, status);
    status = step(r, &i2r, &r2i, 1000);
    ok(status == SEC_I_CONTINUE_NEEDED, "%s: token 2: %#lx\n", what, status);
    status = step(i, &r2i, &i2r, 1000);
    ok(status == SEC_E_LOGON_DENIED, "%s: initiator accepted token 2: %#lx\n", what, status);
    ok(!i2r.len, "%s: the initiator sent token 3\n", what);
    status = step(r, &i2r, &r2i, 1000);
    ok(status == SEC_E_INCOMPLETE_MESSAGE, "%s: responder: %#lx\n", what, status);
    /* neither context protects messages */
    status = send_message(i, "hello", 5, NULL, NULL);
    ok(status != SEC_E_OK, "%s: EncryptMessage on the refused context: %#lx\n", what, status);
    status = send_message(r, "hello", 5, NULL, NULL);
    ok(status != SEC_E_OK, "%s: EncryptMessage on the waiting context: %#lx\n", what, status);
    status = receive_message(r, &i2r, 1000, plain, &size);
    ok(status != SEC_E_OK, "%s: DecryptMessage on the waiting context: %#lx\n", what, status);
    /* the refused context cannot be continued */
    status = step(i, &r2i, &i2r, 1000);
    ok(status == SEC_E_OUT_OF_SEQUENCE, "%s: initiator after refusal: %#lx\n", what, status);
    free_endpoint(i);
    free_endpoint(r);
}

static void test_wrong_keys(void)
{
    static const BYTE long_a[1024] = {0}, long_b[1024] = {[1023] = 1};

    test_wrong_key("key A", 5, "key B", 5, "different keys");
    test_wrong_key("key", 3, "key\0", 4, "one more byte");
    test_wrong_key("xkey A", 6, "ykey A", 6, "first byte");
    test_wrong_key(long_a, 1024, long_b, 1024, "last of 1024 bytes");
}

/* a forged or replayed token 3: the responder refuses it */
static void test_responder_denies(void)
{
    static struct pipe i2r, r2i;
    struct endpoint *i, *r;
    SECURITY_STATUS status;
    BYTE old_token3[39];
    unsigned int n;

    /* a token 3 from an earlier session with the same key */
    i = new_endpoint(TRUE, "shared");
    r = new_endpoint(FALSE, "shared");
    i2r.len = r2i.len = 0;
    start(i, &i2r);
    step(r, &i2r, &r2i, 1000);
    status = step(i, &r2i, &i2r, 1000);
    ok(status == SEC_E_OK && i2r.len == sizeof(old_token3), "first session: %#lx, %Iu bytes\n", status, i2r.len);
    memcpy(old_token3, i2r.data, sizeof(old_token3));
    free_endpoint(i);
    free_endpoint(r);

    i = new_endpoint(TRUE, "shared");
    r = new_endpoint(FALSE, "shared");
    i2r.len = r2i.len = 0;
    start(i, &i2r);
    step(r, &i2r, &r2i, 1000);
    r2i.len = 0;
    pipe_put(&i2r, old_token3, sizeof(old_token3));
    status = step(r, &i2r, &r2i, 1000);
    ok(status == SEC_E_LOGON_DENIED, "replayed token 3: %#lx\n", status);
    status = send_message(r, "x", 1, NULL, NULL);
    ok(status != SEC_E_OK, "EncryptMessage after refusal: %#lx\n", status);
    free_endpoint(i);
    free_endpoint(r);

    /* a token 3 with the right framing and a made-up MAC */
    i = new_endpoint(TRUE, "shared");
    r = new_endpoint(FALSE, "shared");
    i2r.len = r2i.len = 0;
    start(i, &i2r);
    step(r, &i2r, &r2i, 1000);
    memcpy(old_token3, "P2TS\x03\x00\x20", 7);
    for (n = 7; n < sizeof(old_token3); n++) old_token3[n] = next_rand();
    pipe_put(&i2r, old_token3, sizeof(old_token3));
    status = step(r, &i2r, &r2i, 1000);
    ok(status == SEC_E_LOGON_DENIED, "forged token 3: %#lx\n", status);
    free_endpoint(i);
    free_endpoint(r);
}

static SECURITY_STATUS accept_bytes(struct endpoint *r, const void *data, SIZE_T size, SecBuffer *extra)
{
    static struct pipe in, out;

    in.len = out.len = 0;
    r->in_len = 0;
    pipe_put(&in, data, size);
    if (!extra) return step(r, &in, &out, size);
    {
        SecBuffer in_buf[2], out_buf = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc in_desc, out_desc;
        SECURITY_STATUS status;

        memcpy(r->in, data, size);
        in_buf[0].BufferType = SECBUFFER_TOKEN;
        in_buf[0].cbBuffer = size;
        in_buf[0].pvBuffer = r->in;
        in_buf[1].BufferType = SECBUFFER_EMPTY;
        in_buf[1].cbBuffer = 0;
        in_buf[1].pvBuffer = NULL;
        init_desc(&in_desc, in_buf, 2);
        init_desc(&out_desc, &out_buf, 1);
        status = ft->AcceptSecurityContext(&r->cred, NULL, &in_desc, ASC_FLAGS, 0, &r->ctx, &out_desc, &r->attrs,
                                           NULL);
        if (status == SEC_I_CONTINUE_NEEDED) r->have_ctx = TRUE;
        if (out_buf.pvBuffer) ft->FreeContextBuffer(out_buf.pvBuffer);
        *extra = in_buf[1];
        return status;
    }
}

/* tokens that are not what they should be: errors, never a crash */
static void test_garbled(void)
{
    static const BYTE token1[23] = {'P', '2', 'T', 'S', 1, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    static struct pipe i2r, r2i;
    struct endpoint *i, *r = new_endpoint(FALSE, "garble");
    BYTE bad[64], junk[100];
    SECURITY_STATUS status;
    SecBuffer extra;
    unsigned int n, bit, k, accepted;

    status = accept_bytes(r, token1, sizeof(token1), NULL);
    ok(status == SEC_I_CONTINUE_NEEDED, "well-formed token 1: %#lx\n", status);
    free_endpoint(r);

    /* token 1 followed by other bytes: they come back as SECBUFFER_EXTRA */
    r = new_endpoint(FALSE, "garble");
    memcpy(bad, token1, sizeof(token1));
    memcpy(bad + sizeof(token1), "P2TSrest", 8);
    status = accept_bytes(r, bad, sizeof(token1) + 8, &extra);
    ok(status == SEC_I_CONTINUE_NEEDED, "token 1 and more: %#lx\n", status);
    ok(extra.BufferType == SECBUFFER_EXTRA && extra.cbBuffer == 8, "extra %lu %lu\n", extra.BufferType,
       extra.cbBuffer);
    free_endpoint(r);

    r = new_endpoint(FALSE, "garble");
    memcpy(bad, token1, sizeof(token1));
    bad[0] = 'Q';
    status = accept_bytes(r, bad, sizeof(token1), NULL);
    ok(status == SEC_E_INVALID_TOKEN, "bad magic: %#lx\n", status);
    ok(!r->have_ctx, "a context was made\n");
    status = accept_bytes(r, bad, 1, NULL);
    ok(status == SEC_E_INVALID_TOKEN, "bad first byte alone: %#lx\n", status);
    memcpy(bad, token1, sizeof(token1));
    bad[4] = 3;
    status = accept_bytes(r, bad, sizeof(token1), NULL);
    ok(status == SEC_E_INVALID_TOKEN, "token 3 first: %#lx\n", status);
    bad[4] = 1;
    bad[6] = 17;
    status = accept_bytes(r, bad, sizeof(token1), NULL);
    ok(status == SEC_E_INVALID_TOKEN, "wrong body length: %#lx\n", status);
    bad[5] = 0xff;
    bad[6] = 0xff;
    status = accept_bytes(r, bad, 7, NULL);
    ok(status == SEC_E_INVALID_TOKEN, "huge body length: %#lx\n", status);
    status = accept_bytes(r, token1, 10, NULL);
    ok(status == SEC_E_INCOMPLETE_MESSAGE && r->last_missing == 13, "partial token: %#lx missing %lu\n", status,
       r->last_missing);
    ok(!r->have_ctx, "a context was made\n");

    /* random bytes, some with the right magic */
    accepted = 0;
    for (n = 0; n < 3000; n++)
    {
        SIZE_T size = next_rand() % sizeof(junk);
        for (k = 0; k < size; k++) junk[k] = next_rand();
        if (n % 2) memcpy(junk, "P2TS", size < 4 ? size : 4);
        if (n % 4 == 1 && size > 4) junk[4] = 1;
        if (n % 8 == 1 && size > 6) junk[5] = 0, junk[6] = 16;
        status = accept_bytes(r, junk, size, NULL);
        ok(status == SEC_E_INVALID_TOKEN || status == SEC_E_INCOMPLETE_MESSAGE || status == SEC_I_CONTINUE_NEEDED,
           "random token: %#lx\n", status);
        if (status == SEC_I_CONTINUE_NEEDED)
        {
            accepted++;
            ft->DeleteSecurityContext(&r->ctx);
            r->have_ctx = FALSE;
        }
    }
    ok(accepted > 0 && accepted < 3000, "%u random tokens accepted\n", accepted);
    free_endpoint(r);

    /* every bit of token 2 flipped: the initiator never completes */
    for (bit = 0; bit < 55 * 8; bit++)
    {
        i = new_endpoint(TRUE, "garble");
        r = new_endpoint(FALSE, "garble");
        i2r.len = r2i.len = 0;
        start(i, &i2r);
        step(r, &i2r, &r2i, 1000);
        r2i.data[bit / 8] ^= 1 << (bit % 8);
        status = step(i, &r2i, &i2r, 1000);
        ok(status == SEC_E_LOGON_DENIED || status == SEC_E_INVALID_TOKEN || status == SEC_E_INCOMPLETE_MESSAGE,
           "token 2 with bit %u flipped: %#lx\n", bit, status);
        if (bit >= 7 * 8)
            ok(status == SEC_E_LOGON_DENIED, "token 2 with body bit %u flipped: %#lx\n", bit, status);
        free_endpoint(i);
        free_endpoint(r);
    }

    /* every bit of token 3 flipped: the responder refuses it */
    for (bit = 0; bit < 39 * 8; bit += 3)
    {
        i = new_endpoint(TRUE, "garble");
        r = new_endpoint(FALSE, "garble");
        i2r.len = r2i.len = 0;
        start(i, &i2r);
        step(r, &i2r, &r2i, 1000);
        step(i, &r2i, &i2r, 1000);
        i2r.data[bit / 8] ^= 1 << (bit % 8);
        status = step(r, &i2r, &r2i, 1000);
        ok(status == SEC_E_LOGON_DENIED || status == SEC_E_INVALID_TOKEN || status == SEC_E_INCOMPLETE_MESSAGE,
           "token 3 with bit %u flipped: %#lx\n", bit, status);
        if (bit >= 7 * 8)
            ok(status == SEC_E_LOGON_DENIED, "token 3 with body bit %u flipped: %#lx\n", bit, status);
        free_endpoint(i);
        free_endpoint(r);
    }
}

static BOOL contains(const BYTE *haystack, SIZE_T size, const void *needle, SIZE_T needle_size)
{
    SIZE_T n;

    for (n = 0; n + needle_size <= size; n++)
        if (!memcmp(haystack + n, needle, needle_size)) return TRUE;
    return FALSE;
}

static void test_messages(void)
{
    static const char text[] = "The quick brown fox jumps over the lazy dog, in clear text.";
    static BYTE big[MAX_MESSAGE + 1], plain[MAX_MESSAGE], wire[MAX_MESSAGE + 64], wire2[MAX_MESSAGE + 64];
    static struct pipe i2r, r2i;
    struct endpoint *i = new_endpoint(TRUE, "messages"), *r = new_endpoint(FALSE, "messages");
    SECURITY_STATUS status;
    SIZE_T size, n;

    if (!handshake(i, r, 1000, __LINE__)) goto done;
    /* the credentials are not needed any more */
    ok(ft->FreeCredentialsHandle(&i->cred) == SEC_E_OK, "FreeCredentialsHandle failed\n");
    ok(ft->FreeCredentialsHandle(&r->cred) == SEC_E_OK, "FreeCredentialsHandle failed\n");
    memset(&i->cred, 0, sizeof(i->cred));
    memset(&r->cred, 0, sizeof(r->cred));

    i2r.len = r2i.len = 0;
    status = send_message(i, text, sizeof(text), &i2r, wire);
    ok(status == SEC_E_OK, "EncryptMessage returned %#lx\n", status);
    ok(i2r.len == HEADER + sizeof(text) + TRAILER, "%Iu bytes on the wire\n", i2r.len);
    ok(!memcmp(wire, "P2TD\0\0\0", 7) && wire[7] == sizeof(text), "header %02x %02x %02x %02x\n", wire[0], wire[1],
       wire[6], wire[7]);
    ok(!contains(i2r.data, i2r.len, "quick", 5), "clear text on the wire\n");
    status = receive_message(r, &i2r, 100000, plain, &size);
    ok(status == SEC_E_OK, "DecryptMessage returned %#lx\n", status);
    ok(size == sizeof(text) && !memcmp(plain, text, size), "wrong plaintext, %Iu bytes\n", size);

    /* the other direction */
    status = send_message(r, text, sizeof(text), &r2i, NULL);
    ok(status == SEC_E_OK, "EncryptMessage returned %#lx\n", status);
    status = receive_message(i, &r2i, 100000, plain, &size);
    ok(status == SEC_E_OK && size == sizeof(text) && !memcmp(plain, text, size), "responder to initiator: %#lx\n",
       status);

    /* the same plaintext twice gives different ciphertexts */
    status = send_message(i, text, sizeof(text), &i2r, wire);
    status |= send_message(i, text, sizeof(text), &i2r, wire2);
    ok(status == SEC_E_OK, "EncryptMessage failed\n");
    ok(memcmp(wire + HEADER, wire2 + HEADER, sizeof(text)), "the same ciphertext twice\n");
    status = receive_message(r, &i2r, 100000, plain, &size);
    ok(status == SEC_E_OK && size == sizeof(text) && !memcmp(plain, text, size), "first: %#lx\n", status);
    ok(r->in_len == HEADER + sizeof(text) + TRAILER, "the second message was not kept (%Iu)\n", r->in_len);
    status = receive_message(r, &i2r, 100000, plain, &size);
    ok(status == SEC_E_OK && size == sizeof(text) && !memcmp(plain, text, size), "second: %#lx\n", status);

    /* the largest message, and one byte more */
    for (n = 0; n < sizeof(big); n++) big[n] = (BYTE)n;
    status = send_message(i, big, MAX_MESSAGE, &i2r, NULL);
    ok(status == SEC_E_OK, "16384 bytes: %#lx\n", status);
    status = receive_message(r, &i2r, 100000, plain, &size);
    ok(status == SEC_E_OK && size == MAX_MESSAGE && !memcmp(plain, big, size), "16384 bytes back: %#lx %Iu\n",
       status, size);
    status = send_message(i, big, MAX_MESSAGE + 1, &i2r, NULL);
    ok(status != SEC_E_OK, "16385 bytes: %#lx\n", status);
    ok(!i2r.len, "16385 bytes sent\n");
    /* a refused message does not use a sequence number */
    status = send_message(i, text, 10, &i2r, NULL);
    ok(status == SEC_E_OK, "EncryptMessage returned %#lx\n", status);
    status = receive_message(r, &i2r, 100000, plain, &size);
    ok(status == SEC_E_OK && size == 10 && !memcmp(plain, text, 10), "after a refused message: %#lx\n", status);
    /* several full-size messages in chunks, and an empty one */
    status = send_message(r, big, MAX_MESSAGE, &r2i, NULL);
    status |= send_message(r, "", 0, &r2i, NULL);
    ok(status == SEC_E_OK, "EncryptMessage failed\n");
    status = receive_message(i, &r2i, 4096, plain, &size);
    ok(status == SEC_E_OK && size == MAX_MESSAGE && !memcmp(plain, big, size), "16384 bytes in chunks: %#lx\n",
       status);
    status = receive_message(i, &r2i, 4096, plain, &size);
    ok(status == SEC_E_OK && size == 0, "empty message: %#lx %Iu\n", status, size);

    /* one byte at a time, then three messages at once */
    i->incomplete = 0;
    send_message(r, text, 10, &r2i, NULL);
    status = receive_message(i, &r2i, 1, plain, &size);
    ok(status == SEC_E_OK && size == 10 && !memcmp(plain, text, 10), "byte by byte: %#lx\n", status);
    ok(i->incomplete == HEADER + 10 + TRAILER - 1, "%d incomplete answers\n", i->incomplete);
    ok(i->last_missing == 1, "last MISSING %lu\n", i->last_missing);
    send_message(r, text, 5, &r2i, NULL);
    send_message(r, text, 20, &r2i, NULL);
    send_message(r, text, 30, &r2i, NULL);
    status = receive_message(i, &r2i, 100000, plain, &size);
    ok(status == SEC_E_OK && size == 5 && !memcmp(plain, text, 5), "first of three: %#lx\n", status);
    status = receive_message(i, &r2i, 100000, plain, &size);
    ok(status == SEC_E_OK && size == 20 && !memcmp(plain, text, 20), "second of three: %#lx\n", status);
    status = receive_message(i, &r2i, 100000, plain, &size);
    ok(status == SEC_E_OK && size == 30 && !memcmp(plain, text, 30), "third of three: %#lx\n", status);
    ok(!i->in_len, "%Iu bytes left\n", i->in_len);

    /* a partial header tells how much is missing */
    send_message(r, text, 10, &r2i, NULL);
    status = receive_message(i, &r2i, 3, plain, &size);
    ok(status == SEC_E_OK, "3 bytes at a time: %#lx\n", status);
    send_message(r, text, 10, &r2i, NULL);
    r2i.len = 5;
    status = receive_message(i, &r2i, 5, plain, &size);
    ok(status == SEC_E_INCOMPLETE_MESSAGE && i->last_missing == 3, "5 bytes: %#lx missing %lu\n", status,
       i->last_missing);
    i->in_len = 0;
done:
    free_endpoint(i);
    free_endpoint(r);
}

/* altered, replayed, reordered and reflected messages are refused and give no plaintext */
static void test_tampering(void)
{
    static const char text[] = "sixty-four bytes of secret text that must never be shown in clear";
    static BYTE wire[256], wire2[256], plain[MAX_MESSAGE];
    static struct pipe i2r, r2i, tmp;
    struct endpoint *i = new_endpoint(TRUE, "tamper"), *r = new_endpoint(FALSE, "tamper");
    struct endpoint *i2 = new_endpoint(TRUE, "tamper"), *r2 = new_endpoint(FALSE, "tamper");
    SIZE_T wire_size = HEADER + sizeof(text) + TRAILER, size;
    SECURITY_STATUS status;
    unsigned int bit, altered = 0, other = 0;

    if (!handshake(i, r, 1000, __LINE__) || !handshake(i2, r2, 1000, __LINE__)) goto done;
    i2r.len = r2i.len = 0;
    send_message(i, text, sizeof(text), NULL, wire);

    for (bit = 0; bit < wire_size * 8; bit++)
    {
        memcpy(tmp.data, wire, wire_size);
        tmp.len = wire_size;
        tmp.data[bit / 8] ^= 1 << (bit % 8);
        r->in_len = 0;
        memset(plain, 0, sizeof(plain));
        status = receive_message(r, &tmp, wire_size, plain, &size);
        if (status == SEC_E_MESSAGE_ALTERED) altered++;
        else
        {
            other++;
            ok(status == SEC_E_INVALID_TOKEN || status == SEC_E_INCOMPLETE_MESSAGE,
               "bit %u flipped: %#lx\n", bit, status);
        }
        if (bit >= HEADER * 8)
            ok(status == SEC_E_MESSAGE_ALTERED, "bit %u flipped: %#lx\n", bit, status);
        ok(!contains(r->in, r->in_len, "secret", 6) && !contains(plain, sizeof(plain), "secret", 6),
           "bit %u flipped: plaintext shown\n", bit);
    }
    ok(altered >= (sizeof(text) + TRAILER) * 8, "%u altered, %u other\n", altered, other);
    r->in_len = 0;

    /* the unaltered message is still accepted: refusals do not use sequence numbers */
    pipe_put(&i2r, wire, wire_size);
    status = receive_message(r, &i2r, 100000, plain, &size);
    ok(status == SEC_E_OK && size == sizeof(text) && !memcmp(plain, text, size), "original: %#lx\n", status);

    /* replayed */
    pipe_put(&i2r, wire, wire_size);
    status = receive_message(r, &i2r, 100000, plain, &size);
    ok(status == SEC_E_MESSAGE_ALTERED, "replayed message: %#lx\n", status);
    ok(!contains(r->in, r->in_len, "secret", 6), "replayed message decrypted\n");
    r->in_len = 0;

    /* reordered */
    send_message(i, text, sizeof(text), NULL, wire);
    send_message(i, text, sizeof(text), NULL, wire2);
    pipe_put(&i2r, wire2, wire_size);
    status = receive_message(r, &i2r, 100000, plain, &size);
    ok(status == SEC_E_MESSAGE_ALTERED, "second message first: %#lx\n", status);
    r->in_len = 0;
    pipe_put(&i2r, wire, wire_size);
    pipe_put(&i2r, wire2, wire_size);
    status = receive_message(r, &i2r, 100000, plain, &size);
    ok(status == SEC_E_OK, "first message: %#lx\n", status);
    status = receive_message(r, &i2r, 100000, plain, &size);
    ok(status == SEC_E_OK, "second message: %#lx\n", status);

    /* reflected back to its sender */
    send_message(i, text, sizeof(text), NULL, wire);
    tmp.len = 0;
    pipe_put(&tmp, wire, wire_size);
    status = receive_message(i, &tmp, 100000, plain, &size);
    ok(status == SEC_E_MESSAGE_ALTERED, "reflected message: %#lx\n", status);
    i->in_len = 0;

    /* from another session with the same key and the same sequence number */
    send_message(i2, text, sizeof(text), NULL, wire);
    send_message(r2, text, sizeof(text), NULL, wire2);
    tmp.len = 0;
    pipe_put(&tmp, wire2, wire_size);
    status = receive_message(i, &tmp, 100000, plain, &size);
    ok(status == SEC_E_MESSAGE_ALTERED, "other session's message: %#lx\n", status);
    i->in_len = 0;

    /* a header that claims too much */
    memcpy(wire2, "P2TD\0\0\x40\x01", HEADER);
    tmp.len = 0;
    pipe_put(&tmp, wire2, HEADER);
    status = receive_message(i, &tmp, 100000, plain, &size);
    ok(status == SEC_E_INVALID_TOKEN, "16385-byte message: %#lx\n", status);
    i->in_len = 0;
    memcpy(wire2, "P2TD\xff\xff\xff\xf0", HEADER);
    tmp.len = 0;
    pipe_put(&tmp, wire2, HEADER);
    status = receive_message(i, &tmp, 100000, plain, &size);
    ok(status == SEC_E_INVALID_TOKEN, "huge message: %#lx\n", status);
    i->in_len = 0;

    /* random bytes, most with the right magic and a plausible length */
    for (bit = 0, other = 0; bit < 3000; bit++)
    {
        SIZE_T n, len = next_rand() % sizeof(wire2);

        for (n = 0; n < len; n++) wire2[n] = next_rand();
        if (bit % 4 && len >= HEADER)
        {
            memcpy(wire2, "P2TD\0\0\0", 7);
            wire2[7] = next_rand() % (len - HEADER + 1);
        }
        tmp.len = 0;
        pipe_put(&tmp, wire2, len);
        status = receive_message(i, &tmp, 100000, plain, &size);
        if (status == SEC_E_MESSAGE_ALTERED) other++;
        ok(status == SEC_E_MESSAGE_ALTERED || status == SEC_E_INVALID_TOKEN || status == SEC_E_INCOMPLETE_MESSAGE,
           "random message: %#lx\n", status);
        i->in_len = 0;
    }
    ok(other > 1000, "only %u random messages reached the MAC check\n", other);
done:
    free_endpoint(i);
    free_endpoint(r);
    free_endpoint(i2);
    free_endpoint(r2);
}

/* token 3 and the first message arrive together: the message comes back as SECBUFFER_EXTRA */
static void test_token_then_message(void)
{
    static struct pipe i2r, r2i;
    struct endpoint *i = new_endpoint(TRUE, "together"), *r = new_endpoint(FALSE, "together");
    SECURITY_STATUS status;
    BYTE plain[64];
    SIZE_T size;

    start(i, &i2r);
    step(r, &i2r, &r2i, 1000);
    status = step(i, &r2i, &i2r, 1000);
    ok(status == SEC_E_OK, "token 3: %#lx\n", status);
    status = send_message(i, "first message", 13, &i2r, NULL);
    ok(status == SEC_E_OK, "EncryptMessage returned %#lx\n", status);
    status = send_message(i, "second message", 14, &i2r, NULL);
    ok(status == SEC_E_OK, "EncryptMessage returned %#lx\n", status);
    status = step(r, &i2r, &r2i, 1000);
    ok(status == SEC_E_OK, "responder: %#lx\n", status);
    ok(r->in_len == HEADER + 13 + TRAILER + HEADER + 14 + TRAILER, "%Iu bytes kept\n", r->in_len);
    ok(!r2i.len, "the responder sent a token\n");
    status = receive_message(r, &i2r, 1000, plain, &size);
    ok(status == SEC_E_OK && size == 13 && !memcmp(plain, "first message", 13), "first message: %#lx\n", status);
    status = receive_message(r, &i2r, 1000, plain, &size);
    ok(status == SEC_E_OK && size == 14 && !memcmp(plain, "second message", 14), "second message: %#lx\n", status);
    free_endpoint(i);
    free_endpoint(r);
}

/* caller-supplied output buffers, without ISC_REQ_ALLOCATE_MEMORY */
static void test_supplied_buffers(void)
{
    struct endpoint *i = new_endpoint(TRUE, "k"), *r = new_endpoint(FALSE, "k");
    BYTE token[100], small[10];
    SecBuffer out_buf, in_buf[2];
    SecBufferDesc out, in;
    SECURITY_STATUS status;
    ULONG attrs;

    out_buf.BufferType = SECBUFFER_TOKEN;
    out_buf.cbBuffer = sizeof(small);
    out_buf.pvBuffer = small;
    init_desc(&out, &out_buf, 1);
    status = ft->InitializeSecurityContextW(&i->cred, NULL, NULL, ISC_FLAGS & ~ISC_REQ_ALLOCATE_MEMORY, 0, 0, NULL,
                                            0, &i->ctx, &out, &attrs, NULL);
    ok(status == SEC_E_BUFFER_TOO_SMALL, "small buffer: %#lx\n", status);
    out_buf.cbBuffer = sizeof(token);
    out_buf.pvBuffer = token;
    status = ft->InitializeSecurityContextW(&i->cred, NULL, NULL, ISC_FLAGS & ~ISC_REQ_ALLOCATE_MEMORY, 0, 0, NULL,
                                            0, &i->ctx, &out, &attrs, NULL);
    ok(status == SEC_I_CONTINUE_NEEDED && out_buf.cbBuffer == 23 && out_buf.pvBuffer == token,
       "supplied buffer: %#lx %lu\n", status, out_buf.cbBuffer);
    ok(!(attrs & ISC_RET_ALLOCATED_MEMORY), "attributes %#lx\n", attrs);
    if (status == SEC_I_CONTINUE_NEEDED) i->have_ctx = TRUE;

    in_buf[0].BufferType = SECBUFFER_TOKEN;
    in_buf[0].cbBuffer = 23;
    in_buf[0].pvBuffer = token;
    in_buf[1].BufferType = SECBUFFER_EMPTY;
    in_buf[1].cbBuffer = 0;
    in_buf[1].pvBuffer = NULL;
    init_desc(&in, in_buf, 2);
    out_buf.cbBuffer = 54;
    out_buf.pvBuffer = small + 0; /* too small: 55 needed */
    status = ft->AcceptSecurityContext(&r->cred, NULL, &in, ASC_FLAGS & ~ASC_REQ_ALLOCATE_MEMORY, 0, &r->ctx, &out,
                                       &attrs, NULL);
    ok(status == SEC_E_BUFFER_TOO_SMALL, "small buffer: %#lx\n", status);

    /* a single input buffer with more than a token: nowhere to report the extra bytes */
    in.cBuffers = 1;
    in_buf[0].cbBuffer = 30;
    out_buf.cbBuffer = 0;
    out_buf.pvBuffer = NULL;
    status = ft->AcceptSecurityContext(&r->cred, NULL, &in, ASC_FLAGS, 0, &r->ctx, &out, &attrs, NULL);
    ok(status == SEC_E_INVALID_TOKEN, "extra bytes without an EMPTY buffer: %#lx\n", status);
    free_endpoint(i);
    free_endpoint(r);
}

/* NULL and made-up arguments give errors, not crashes */
static void test_bad_arguments(void)
{
    struct endpoint *i = new_endpoint(TRUE, "args"), *r = new_endpoint(FALSE, "args");
    struct endpoint *in_only = new_endpoint(FALSE, "args");
    CtxtHandle bogus = {0x1234, 0x5678}, ctx, old;
    SecBuffer out_buf = {0, SECBUFFER_TOKEN, NULL}, buffers[4];
    SecBufferDesc out, desc;
    SECURITY_STATUS status;
    BYTE data[64];
    ULONG attrs;

    init_desc(&out, &out_buf, 1);
    status = ft->InitializeSecurityContextW(NULL, NULL, NULL, ISC_FLAGS, 0, 0, NULL, 0, &ctx, &out, &attrs, NULL);
    ok(status == SEC_E_INVALID_HANDLE, "NULL credential: %#lx\n", status);
    status = ft->InitializeSecurityContextW(&bogus, NULL, NULL, ISC_FLAGS, 0, 0, NULL, 0, &ctx, &out, &attrs, NULL);
    ok(status == SEC_E_INVALID_HANDLE, "made-up credential: %#lx\n", status);
    status = ft->InitializeSecurityContextW(&in_only->cred, NULL, NULL, ISC_FLAGS, 0, 0, NULL, 0, &ctx, &out,
                                            &attrs, NULL);
    ok(status == SEC_E_NO_CREDENTIALS, "inbound credential: %#lx\n", status);
    status = ft->InitializeSecurityContextW(&i->cred, NULL, NULL, ISC_FLAGS, 0, 0, NULL, 0, &ctx, NULL, &attrs, NULL);
    ok(status == SEC_E_INVALID_TOKEN, "NULL output: %#lx\n", status);
    status = ft->InitializeSecurityContextW(&i->cred, NULL, NULL, ISC_FLAGS, 0, 0, NULL, 0, NULL, &out, &attrs, NULL);
    ok(status != SEC_E_OK && status != SEC_I_CONTINUE_NEEDED, "NULL new context: %#lx\n", status);
    status = ft->InitializeSecurityContextW(&i->cred, NULL, NULL, ISC_FLAGS | ISC_REQ_DATAGRAM, 0, 0, NULL, 0, &ctx,
                                            &out, &attrs, NULL);
    ok(status == SEC_E_UNSUPPORTED_FUNCTION, "datagram: %#lx\n", status);
    out.ulVersion = 1;
    status = ft->InitializeSecurityContextW(&i->cred, NULL, NULL, ISC_FLAGS, 0, 0, NULL, 0, &ctx, &out, &attrs, NULL);
    ok(status == SEC_E_INVALID_TOKEN, "wrong version: %#lx\n", status);
    out.ulVersion = SECBUFFER_VERSION;
    out.cBuffers = 0x7fffffff;
    status = ft->InitializeSecurityContextW(&i->cred, NULL, NULL, ISC_FLAGS, 0, 0, NULL, 0, &ctx, &out, &attrs, NULL);
    ok(status == SEC_E_INVALID_TOKEN, "huge buffer count: %#lx\n", status);
    out.cBuffers = 1;
    out_buf.BufferType = SECBUFFER_DATA;
    status = ft->InitializeSecurityContextW(&i->cred, NULL, NULL, ISC_FLAGS, 0, 0, NULL, 0, &ctx, &out, &attrs, NULL);
    ok(status == SEC_E_INVALID_TOKEN, "no token buffer: %#lx\n", status);
    out_buf.BufferType = SECBUFFER_TOKEN;

    status = ft->AcceptSecurityContext(&r->cred, NULL, NULL, ASC_FLAGS, 0, &ctx, &out, &attrs, NULL);
    ok(status == SEC_E_INVALID_TOKEN, "NULL input: %#lx\n", status);
    status = ft->AcceptSecurityContext(&i->cred, NULL, NULL, ASC_FLAGS, 0, &ctx, &out, &attrs, NULL);
    ok(status == SEC_E_NO_CREDENTIALS, "outbound credential: %#lx\n", status);
    status = ft->AcceptSecurityContext(&r->cred, &bogus, NULL, ASC_FLAGS, 0, &ctx, &out, &attrs, NULL);
    ok(status == SEC_E_INVALID_HANDLE, "made-up context: %#lx\n", status);
    status = ft->AcceptSecurityContext((CredHandle *)&bogus, NULL, NULL, ASC_FLAGS, 0, &ctx, &out, &attrs, NULL);
    ok(status == SEC_E_INVALID_HANDLE, "made-up credential: %#lx\n", status);

    /* contexts and credentials are not interchangeable; roles are not either */
    status = ft->DeleteSecurityContext((CtxtHandle *)&i->cred);
    ok(status == SEC_E_INVALID_HANDLE, "credential as context: %#lx\n", status);
    if (handshake(i, r, 1000, __LINE__))
    {
        status = ft->FreeCredentialsHandle((CredHandle *)&i->ctx);
        ok(status == SEC_E_INVALID_HANDLE, "context as credential: %#lx\n", status);
        status = ft->AcceptSecurityContext(&r->cred, &i->ctx, NULL, ASC_FLAGS, 0, &ctx, &out, &attrs, NULL);
        ok(status == SEC_E_INVALID_HANDLE, "initiator context to AcceptSecurityContext: %#lx\n", status);
        status = ft->InitializeSecurityContextW(&i->cred, &i->ctx, NULL, ISC_FLAGS, 0, 0, NULL, 0, &ctx, &out,
                                                &attrs, NULL);
        ok(status == SEC_E_OUT_OF_SEQUENCE, "established context to InitializeSecurityContextW: %#lx\n", status);

        /* EncryptMessage */
        status = ft->EncryptMessage(&i->ctx, 0, NULL, 0);
        ok(status == SEC_E_INVALID_TOKEN, "NULL desc: %#lx\n", status);
        status = ft->EncryptMessage(NULL, 0, NULL, 0);
        ok(status == SEC_E_INVALID_HANDLE, "NULL context: %#lx\n", status);
        status = ft->EncryptMessage(&bogus, 0, NULL, 0);
        ok(status == SEC_E_INVALID_HANDLE, "made-up context: %#lx\n", status);
        buffers[0].BufferType = SECBUFFER_STREAM_HEADER;
        buffers[0].cbBuffer = HEADER;
        buffers[0].pvBuffer = data;
        buffers[1].BufferType = SECBUFFER_DATA;
        buffers[1].cbBuffer = 10;
        buffers[1].pvBuffer = data + HEADER;
        buffers[2].BufferType = SECBUFFER_STREAM_TRAILER;
        buffers[2].cbBuffer = TRAILER;
        buffers[2].pvBuffer = data + HEADER + 10;
        buffers[3].BufferType = SECBUFFER_EMPTY;
        buffers[3].cbBuffer = 0;
        buffers[3].pvBuffer = NULL;
        init_desc(&desc, buffers, 2);
        status = ft->EncryptMessage(&i->ctx, 0, &desc, 0);
        ok(status == SEC_E_INVALID_TOKEN, "no trailer: %#lx\n", status);
        desc.cBuffers = 4;
        status = ft->EncryptMessage(&i->ctx, SECQOP_WRAP_NO_ENCRYPT, &desc, 0);
        ok(status == SEC_E_QOP_NOT_SUPPORTED, "no encryption: %#lx\n", status);
        buffers[2].cbBuffer = TRAILER - 1;
        status = ft->EncryptMessage(&i->ctx, 0, &desc, 0);
        ok(status == SEC_E_BUFFER_TOO_SMALL, "small trailer: %#lx\n", status);
        buffers[2].cbBuffer = TRAILER;
        buffers[0].cbBuffer = HEADER - 1;
        status = ft->EncryptMessage(&i->ctx, 0, &desc, 0);
        ok(status == SEC_E_BUFFER_TOO_SMALL, "small header: %#lx\n", status);
        buffers[0].cbBuffer = HEADER;
        buffers[1].pvBuffer = NULL;
        status = ft->EncryptMessage(&i->ctx, 0, &desc, 0);
        ok(status == SEC_E_INVALID_TOKEN, "NULL data: %#lx\n", status);
        buffers[1].pvBuffer = data + HEADER;
        buffers[3].BufferType = SECBUFFER_DATA;
        status = ft->EncryptMessage(&i->ctx, 0, &desc, 0);
        ok(status == SEC_E_INVALID_TOKEN, "two data buffers: %#lx\n", status);
        buffers[3].BufferType = SECBUFFER_EMPTY;
        desc.pBuffers = NULL;
        status = ft->EncryptMessage(&i->ctx, 0, &desc, 0);
        ok(status == SEC_E_INVALID_TOKEN, "NULL buffers: %#lx\n", status);
        desc.pBuffers = buffers;

        /* DecryptMessage */
        status = ft->DecryptMessage(&r->ctx, NULL, 0, NULL);
        ok(status == SEC_E_INVALID_TOKEN, "NULL desc: %#lx\n", status);
        status = ft->DecryptMessage(&bogus, &desc, 0, NULL);
        ok(status == SEC_E_INVALID_HANDLE, "made-up context: %#lx\n", status);
        buffers[0].BufferType = SECBUFFER_DATA;
        buffers[0].cbBuffer = 4;
        memcpy(data, "P2TD", 4);
        init_desc(&desc, buffers, 1);
        status = ft->DecryptMessage(&r->ctx, &desc, 0, NULL);
        ok(status == SEC_E_INVALID_TOKEN, "one buffer: %#lx\n", status);
        buffers[1].BufferType = buffers[2].BufferType = buffers[3].BufferType = SECBUFFER_EMPTY;
        buffers[1].cbBuffer = buffers[2].cbBuffer = buffers[3].cbBuffer = 0;
        buffers[0].cbBuffer = 0;
        desc.cBuffers = 4;
        status = ft->DecryptMessage(&r->ctx, &desc, 0, NULL);
        ok(status == SEC_E_INCOMPLETE_MESSAGE, "no data: %#lx\n", status);
        buffers[0].cbBuffer = 100;
        buffers[0].pvBuffer = NULL;
        status = ft->DecryptMessage(&r->ctx, &desc, 0, NULL);
        ok(status == SEC_E_INVALID_TOKEN, "NULL data: %#lx\n", status);

        /* deleted contexts are gone */
        old = i->ctx;
        status = ft->DeleteSecurityContext(&i->ctx);
        ok(status == SEC_E_OK, "DeleteSecurityContext returned %#lx\n", status);
        i->have_ctx = FALSE;
        status = ft->DeleteSecurityContext(&old);
        ok(status == SEC_E_INVALID_HANDLE, "second DeleteSecurityContext: %#lx\n", status);
        status = ft->QueryContextAttributesW(&old, SECPKG_ATTR_STREAM_SIZES, data);
        ok(status == SEC_E_INVALID_HANDLE, "QueryContextAttributesW on a deleted context: %#lx\n", status);
        status = send_message(i, "x", 1, NULL, NULL);
        ok(status == SEC_E_INVALID_HANDLE, "EncryptMessage on a deleted context: %#lx\n", status);
    }
    status = ft->DeleteSecurityContext(NULL);
    ok(status == SEC_E_INVALID_HANDLE, "DeleteSecurityContext(NULL): %#lx\n", status);
    status = ft->DeleteSecurityContext(&bogus);
    ok(status == SEC_E_INVALID_HANDLE, "made-up context: %#lx\n", status);
    status = ft->QueryContextAttributesW(NULL, SECPKG_ATTR_STREAM_SIZES, data);
    ok(status == SEC_E_INVALID_HANDLE, "QueryContextAttributesW(NULL): %#lx\n", status);
    free_endpoint(i);
    free_endpoint(r);
    free_endpoint(in_only);
}

/* one context sends on one thread while it receives on another; other pairs handshake meanwhile */
#define THREAD_MESSAGES 200

struct thread_args
{
    struct endpoint *e;
    BYTE (*wire)[HEADER + 100 + TRAILER];
    SECURITY_STATUS status;
};

static DWORD WINAPI sender_thread(void *arg)
{
    struct thread_args *args = arg;
    BYTE text[100];
    unsigned int n;

    args->status = SEC_E_OK;
    for (n = 0; n < THREAD_MESSAGES && args->status == SEC_E_OK; n++)
    {
        memset(text, n, sizeof(text));
        args->status = send_message(args->e, text, sizeof(text), NULL, args->wire[n]);
    }
    return 0;
}

static DWORD WINAPI handshake_thread(void *arg)
{
    unsigned int n;

    (void)arg;
    for (n = 0; n < 20; n++) test_handshake(n % 2 ? 1000 : 7);
    return 0;
}

static void test_threads(void)
{
    static BYTE i2r_wire[THREAD_MESSAGES][HEADER + 100 + TRAILER], r2i_wire[THREAD_MESSAGES][HEADER + 100 + TRAILER];
    static struct pipe tmp;
    struct endpoint *i = new_endpoint(TRUE, "threads"), *r = new_endpoint(FALSE, "threads");
    struct thread_args args;
    SECURITY_STATUS status;
    HANDLE threads[2];
    BYTE text[100], plain[MAX_MESSAGE];
    unsigned int n, good;
    SIZE_T size;

    if (!handshake(i, r, 1000, __LINE__)) goto done;
    args.e = r;
    args.wire = r2i_wire;
    sender_thread(&args);
    ok(args.status == SEC_E_OK, "EncryptMessage failed: %#lx\n", args.status);

    /* i sends on a thread and receives here, while another thread runs handshakes */
    args.e = i;
    args.wire = i2r_wire;
    threads[0] = CreateThread(NULL, 0, sender_thread, &args, 0, NULL);
    threads[1] = CreateThread(NULL, 0, handshake_thread, NULL, 0, NULL);
    for (n = 0, good = 0; n < THREAD_MESSAGES; n++)
    {
        tmp.len = 0;
        pipe_put(&tmp, r2i_wire[n], sizeof(r2i_wire[n]));
        memset(text, n, sizeof(text));
        status = receive_message(i, &tmp, 100000, plain, &size);
        if (status == SEC_E_OK && size == sizeof(text) && !memcmp(plain, text, size)) good++;
    }
    WaitForMultipleObjects(2, threads, TRUE, INFINITE);
    CloseHandle(threads[0]);
    CloseHandle(threads[1]);
    ok(good == THREAD_MESSAGES, "%u of %u messages received while sending\n", good, THREAD_MESSAGES);
    ok(args.status == SEC_E_OK, "EncryptMessage on the sender thread failed: %#lx\n", args.status);
    for (n = 0, good = 0; n < THREAD_MESSAGES; n++)
    {
        tmp.len = 0;
        pipe_put(&tmp, i2r_wire[n], sizeof(i2r_wire[n]));
        memset(text, n, sizeof(text));
        status = receive_message(r, &tmp, 100000, plain, &size);
        if (status == SEC_E_OK && size == sizeof(text) && !memcmp(plain, text, size)) good++;
    }
    ok(good == THREAD_MESSAGES, "%u of %u messages sent on the thread received\n", good, THREAD_MESSAGES);
done:
    free_endpoint(i);
    free_endpoint(r);
}

int main(int argc, char **argv)
{
    PSecurityFunctionTableW (SEC_ENTRY *init)(void);
    WCHAR path[MAX_PATH];

    if (argc > 1) MultiByteToWideChar(CP_ACP, 0, argv[1], -1, path, MAX_PATH);
    else
    {
        /* testssp.dll beside this program. */
        WCHAR *slash;
        GetModuleFileNameW(NULL, path, MAX_PATH);
        slash = wcsrchr(path, '\\');
        wcscpy(slash ? slash + 1 : path, L"testssp.dll");
    }
    if (!(module = LoadLibraryW(path)))
    {
        printf("testssp: cannot load %ls (error %lu)\n", path, GetLastError());
        printf("testssp_test: 1 tests executed (0 marked as todo, 1 failures), 0 skipped.\n");
        return 1;
    }
    init = (void *)GetProcAddress(module, "InitSecurityInterfaceW");
    ft = init ? init() : NULL;
    if (!ok(ft != NULL, "no function table\n"))
    {
        printf("testssp_test: %ld tests executed (0 marked as todo, %ld failures), 0 skipped.\n", tests, failures);
        return 1;
    }

    test_table();
    test_package_info();
    test_credentials();
    test_handshake(100000);
    test_handshake(1);
    test_handshake(5);
    test_wrong_keys();
    test_responder_denies();
    test_garbled();
    test_messages();
    test_tampering();
    test_token_then_message();
    test_supplied_buffers();
    test_bad_arguments();
    test_threads();

    FreeLibrary(module);
    printf("testssp_test: %ld tests executed (0 marked as todo, %ld failures), 0 skipped.\n", tests, failures);
    return failures ? 1 : 0;
}
