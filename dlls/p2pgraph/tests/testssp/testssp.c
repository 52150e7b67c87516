/*
 * P2PTestSSP: a small shared-key SSPI security package (stream mode) for testing
 * PEER_SECURITY_INTERFACE connection security
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
 * A test fixture, not a real security package: both sides prove they hold the same key
 * (given to AcquireCredentialsHandleW as pAuthData), then protect messages with keys derived
 * from it.  The MAC is HMAC-SHA-256 and the cipher an HMAC-SHA-256 keystream, all written
 * here so the DLL needs nothing but kernel32 and advapi32.  See README for the wire format.
 *
 * Handles: dwLower holds a pointer to a heap object, dwUpper a cookie made of a serial number
 * (never reused) and a byte telling credentials from contexts.  Every handle passed in is looked
 * up in a list of live objects, so stale, made-up or mixed-up handles give SEC_E_INVALID_HANDLE
 * instead of a crash, even when a new object gets the address of a freed one.
 *
 * Threads: calls on different handles may run at the same time.  One context may be used by
 * one thread for EncryptMessage while another runs DecryptMessage on it (they touch separate
 * state); anything else on one handle must not overlap, and a handle must not be freed while
 * another thread uses it.
 */

#include <stdarg.h>
#include <string.h>

#define SECURITY_WIN32
#define _NO_KSECDD_IMPORT_  /* this DLL defines InitSecurityInterfaceW, it does not import it */
#include <windows.h>
#include <sspi.h>
#include <ntsecapi.h>

#define PACKAGE_NAME L"P2PTestSSP"
#define PACKAGE_COMMENT L"p2pgraph-wine test security package (shared key)"

#define KEY_MAX 1024
#define NONCE_SIZE 16
#define MAC_SIZE 32

#define TOKEN_HEADER 7          /* "P2TS", type, 2-byte big-endian body length */
#define TOKEN1_BODY NONCE_SIZE
#define TOKEN2_BODY (NONCE_SIZE + MAC_SIZE)
#define TOKEN3_BODY MAC_SIZE
#define MAX_TOKEN 64

#define MSG_HEADER 8            /* "P2TD", 4-byte big-endian ciphertext length */
#define MSG_TRAILER 16          /* first 16 bytes of the message MAC */
#define MSG_MAX 16384

#define MAX_BUFFERS 64          /* no SecBufferDesc we accept has more */

#define TAG_CREDENTIAL 0x43         /* low byte of a credential handle's dwUpper */
#define TAG_CONTEXT 0x58            /* low byte of a context handle's dwUpper */

static const BYTE token_magic[4] = {'P', '2', 'T', 'S'};
static const BYTE msg_magic[4] = {'P', '2', 'T', 'D'};

/* SHA-256 (FIPS 180-4) */

struct sha256
{
    UINT32 h[8];
    UINT64 length;
    BYTE block[64];
    unsigned int used;
};

static const UINT32 sha256_k[64] =
{
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static UINT32 ror32(UINT32 x, unsigned int n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha256_compress(struct sha256 *s, const BYTE *p)
{
    UINT32 w[64], a, b, c, d, e, f, g, h, t1, t2;
    unsigned int i;

    for (i = 0; i < 16; i++)
        w[i] = (UINT32)p[4 * i] << 24 | (UINT32)p[4 * i + 1] << 16 | (UINT32)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (i = 16; i < 64; i++)
    {
        UINT32 s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        UINT32 s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
    e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
    for (i = 0; i < 64; i++)
    {
        t1 = h + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
        t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
    s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void sha256_init(struct sha256 *s)
{
    static const UINT32 iv[8] =
    {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    memcpy(s->h, iv, sizeof(iv));
    s->length = 0;
    s->used = 0;
}

static void sha256_update(struct sha256 *s, const void *data, SIZE_T size)
{
    const BYTE *p = data;

    s->length += size;
    while (size)
    {
        SIZE_T n = 64 - s->used;
        if (n > size) n = size;
        memcpy(s->block + s->used, p, n);
        s->used += n;
        p += n;
        size -= n;
        if (s->used == 64)
        {
            sha256_compress(s, s->block);
            s->used = 0;
        }
    }
}

static void sha256_final(struct sha256 *s, BYTE out[32])
{
    UINT64 bits = s->length * 8;
    unsigned int i;

    s->block[s->used++] = 0x80;
    if (s->used > 56)
    {
        memset(s->block + s->used, 0, 64 - s->used);
        sha256_compress(s, s->block);
        s->used = 0;
    }
    memset(s->block + s->used, 0, 56 - s->used);
    for (i = 0; i < 8; i++) s->block[56 + i] = (BYTE)(bits >> (56 - 8 * i));
    sha256_compress(s, s->block);
    for (i = 0; i < 8; i++)
    {
        out[4 * i] = (BYTE)(s->h[i] >> 24);
        out[4 * i + 1] = (BYTE)(s->h[i] >> 16);
        out[4 * i + 2] = (BYTE)(s->h[i] >> 8);
        out[4 * i + 3] = (BYTE)s->h[i];
    }
}

/* HMAC-SHA-256 (RFC 2104) with the padded key states computed once per key */

struct hmac_key
{
    struct sha256 inner, outer;
};

static void hmac_set_key(struct hmac_key *k, const BYTE *key, SIZE_T size)
{
    BYTE block[64], hashed[32];
    unsigned int i;

    memset(block, 0, sizeof(block));
    if (size > sizeof(block))
    {
        struct sha256 s;
        sha256_init(&s);
        sha256_update(&s, key, size);
        sha256_final(&s, hashed);
        memcpy(block, hashed, sizeof(hashed));
    }
    else if (size)
        memcpy(block, key, size);

    for (i = 0; i < 64; i++) block[i] ^= 0x36;
    sha256_init(&k->inner);
    sha256_update(&k->inner, block, 64);
    for (i = 0; i < 64; i++) block[i] ^= 0x36 ^ 0x5c;
    sha256_init(&k->outer);
    sha256_update(&k->outer, block, 64);
    SecureZeroMemory(block, sizeof(block));
    SecureZeroMemory(hashed, sizeof(hashed));
}

/* HMAC of the concatenation of up to four parts (NULL parts are skipped) */
static void hmac(const struct hmac_key *k, BYTE out[32], const void *p1, SIZE_T n1, const void *p2, SIZE_T n2,
                 const void *p3, SIZE_T n3, const void *p4, SIZE_T n4)
{
    struct sha256 s = k->inner;
    BYTE inner[32];

    if (p1) sha256_update(&s, p1, n1);
    if (p2) sha256_update(&s, p2, n2);
    if (p3) sha256_update(&s, p3, n3);
    if (p4) sha256_update(&s, p4, n4);
    sha256_final(&s, inner);
    s = k->outer;
    sha256_update(&s, inner, sizeof(inner));
    sha256_final(&s, out);
    SecureZeroMemory(&s, sizeof(s));
}

/* compares without an early exit, so the time taken does not tell how much of a MAC matched */
static BOOL equal_secret(const BYTE *a, const BYTE *b, SIZE_T size)
{
    BYTE diff = 0;
    SIZE_T i;

    for (i = 0; i < size; i++) diff |= a[i] ^ b[i];
    return !diff;
}

static void put_be64(BYTE *p, UINT64 v)
{
    unsigned int i;
    for (i = 0; i < 8; i++) p[i] = (BYTE)(v >> (56 - 8 * i));
}

static void put_be32(BYTE *p, UINT32 v)
{
    p[0] = (BYTE)(v >> 24); p[1] = (BYTE)(v >> 16); p[2] = (BYTE)(v >> 8); p[3] = (BYTE)v;
}

static UINT32 get_be32(const BYTE *p)
{
    return (UINT32)p[0] << 24 | (UINT32)p[1] << 16 | (UINT32)p[2] << 8 | p[3];
}

/* handles */

enum context_state
{
    STATE_SENT_HELLO,       /* initiator: token 1 sent, waiting for token 2 */
    STATE_SENT_CHALLENGE,   /* responder: token 2 sent, waiting for token 3 */
    STATE_ESTABLISHED,
    STATE_FAILED,
};

struct object
{
    struct object *next, *prev;
    ULONG_PTR cookie;       /* the handle's dwUpper: serial << 8 | tag */
};

struct credential
{
    struct object obj;
    ULONG use;              /* SECPKG_CRED_INBOUND and/or SECPKG_CRED_OUTBOUND */
    DWORD key_size;
    BYTE key[KEY_MAX];
};

struct direction
{
    struct hmac_key enc, mac;
    UINT64 seq;
};

struct context
{
    struct object obj;
    BOOL initiator;
    enum context_state state;
    ULONG attrs;            /* ISC_RET_* or ASC_RET_* */
    struct hmac_key key;    /* the shared key */
    BYTE nonce_i[NONCE_SIZE], nonce_r[NONCE_SIZE];
    struct direction send, recv;
};

static SRWLOCK objects_lock = SRWLOCK_INIT;
static struct object objects = {&objects, &objects, 0};
static ULONG_PTR last_serial;   /* guarded by objects_lock */

static void *alloc_object(SIZE_T size, ULONG_PTR tag)
{
    struct object *obj = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, size);

    if (!obj) return NULL;
    AcquireSRWLockExclusive(&objects_lock);
    obj->cookie = ++last_serial << 8 | tag;
    obj->next = objects.next;
    obj->prev = &objects;
    objects.next->prev = obj;
    objects.next = obj;
    ReleaseSRWLockExclusive(&objects_lock);
    return obj;
}

static void free_object(struct object *obj, SIZE_T size)
{
    AcquireSRWLockExclusive(&objects_lock);
    obj->prev->next = obj->next;
    obj->next->prev = obj->prev;
    ReleaseSRWLockExclusive(&objects_lock);
    SecureZeroMemory(obj, size);
    HeapFree(GetProcessHeap(), 0, obj);
}

static struct object *find_object(const SecHandle *handle, ULONG_PTR tag)
{
    struct object *obj, *found = NULL;

    if (!handle || (handle->dwUpper & 0xff) != tag || !handle->dwLower) return NULL;
    AcquireSRWLockShared(&objects_lock);
    for (obj = objects.next; obj != &objects; obj = obj->next)
    {
        if ((ULONG_PTR)obj == handle->dwLower && obj->cookie == handle->dwUpper)
        {
            found = obj;
            break;
        }
    }
    ReleaseSRWLockShared(&objects_lock);
    return found;
}

static struct credential *get_credential(const CredHandle *handle)
{
    return (struct credential *)find_object(handle, TAG_CREDENTIAL);
}

static struct context *get_context(const CtxtHandle *handle)
{
    return (struct context *)find_object(handle, TAG_CONTEXT);
}

static void set_expiry(PTimeStamp expiry)
{
    if (expiry)
    {
        expiry->LowPart = 0xffffffff;
        expiry->HighPart = 0x7fffffff;
    }
}

/* package information */

static WCHAR upper(WCHAR c)
{
    return c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c;
}

static BOOL is_package_name(const SEC_WCHAR *name)
{
    const WCHAR *ours = PACKAGE_NAME;
    unsigned int i;

    if (!name) return FALSE;
    for (i = 0; ours[i]; i++)
        if (upper(name[i]) != upper(ours[i])) return FALSE;
    return !name[i];
}

static SecPkgInfoW *alloc_package_info(void)
{
    SIZE_T name_size = sizeof(PACKAGE_NAME), comment_size = sizeof(PACKAGE_COMMENT);
    SecPkgInfoW *info = HeapAlloc(GetProcessHeap(), 0, sizeof(*info) + name_size + comment_size);

    if (!info) return NULL;
    info->fCapabilities = SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY | SECPKG_FLAG_CONNECTION
                          | SECPKG_FLAG_STREAM | SECPKG_FLAG_MUTUAL_AUTH;
    info->wVersion = 1;
    info->wRPCID = SECPKG_ID_NONE;
    info->cbMaxToken = MAX_TOKEN;
    info->Name = (SEC_WCHAR *)(info + 1);
    memcpy(info->Name, PACKAGE_NAME, name_size);
    info->Comment = (SEC_WCHAR *)((BYTE *)info->Name + name_size);
    memcpy(info->Comment, PACKAGE_COMMENT, comment_size);
    return info;
}

static SECURITY_STATUS WINAPI ssp_EnumerateSecurityPackagesW(ULONG *count, PSecPkgInfoW *info)
{
    if (!count || !info) return SEC_E_INVALID_PARAMETER;
    if (!(*info = alloc_package_info())) return SEC_E_INSUFFICIENT_MEMORY;
    *count = 1;
    return SEC_E_OK;
}

static SECURITY_STATUS WINAPI ssp_QuerySecurityPackageInfoW(SEC_WCHAR *name, PSecPkgInfoW *info)
{
    if (!info) return SEC_E_INVALID_PARAMETER;
    if (!is_package_name(name)) return SEC_E_SECPKG_NOT_FOUND;
    if (!(*info = alloc_package_info())) return SEC_E_INSUFFICIENT_MEMORY;
    return SEC_E_OK;
}

static SECURITY_STATUS WINAPI ssp_FreeContextBuffer(void *buffer)
{
    if (buffer) HeapFree(GetProcessHeap(), 0, buffer);
    return SEC_E_OK;
}

/* credentials */

static SECURITY_STATUS WINAPI ssp_AcquireCredentialsHandleW(SEC_WCHAR *principal, SEC_WCHAR *package, ULONG use,
                                                            void *logon_id, void *auth_data, SEC_GET_KEY_FN get_key,
                                                            void *get_key_arg, PCredHandle handle, PTimeStamp expiry)
{
    const BYTE *blob = auth_data;
    struct credential *cred;
    DWORD size;

    (void)principal; (void)logon_id; (void)get_key; (void)get_key_arg;

    if (!is_package_name(package)) return SEC_E_SECPKG_NOT_FOUND;
    if (!handle) return SEC_E_INVALID_PARAMETER;
    if (!(use & SECPKG_CRED_BOTH) || (use & ~(ULONG)SECPKG_CRED_BOTH)) return SEC_E_UNKNOWN_CREDENTIALS;
    if (!blob) return SEC_E_NO_CREDENTIALS;
    size = blob[0] | (DWORD)blob[1] << 8 | (DWORD)blob[2] << 16 | (DWORD)blob[3] << 24;
    if (!size || size > KEY_MAX) return SEC_E_INVALID_TOKEN;

    if (!(cred = alloc_object(sizeof(*cred), TAG_CREDENTIAL))) return SEC_E_INSUFFICIENT_MEMORY;
    cred->use = use;
    cred->key_size = size;
    memcpy(cred->key, blob + 4, size);
    handle->dwLower = (ULONG_PTR)cred;
    handle->dwUpper = cred->obj.cookie;
    set_expiry(expiry);
    return SEC_E_OK;
}

static SECURITY_STATUS WINAPI ssp_FreeCredentialsHandle(PCredHandle handle)
{
    struct credential *cred = get_credential(handle);

    if (!cred) return SEC_E_INVALID_HANDLE;
    free_object(&cred->obj, sizeof(*cred));
    return SEC_E_OK;
}

/* SecBufferDesc helpers */

/* the descriptor itself is usable: its buffer array may be read */
static BOOL check_desc_shape(const SecBufferDesc *desc)
{
    return desc && desc->ulVersion == SECBUFFER_VERSION && desc->pBuffers && desc->cBuffers
           && desc->cBuffers <= MAX_BUFFERS;
}

/* ... and no buffer claims bytes without a pointer to them */
static BOOL check_desc(const SecBufferDesc *desc)
{
    ULONG i;

    if (!check_desc_shape(desc)) return FALSE;
    for (i = 0; i < desc->cBuffers; i++)
        if (desc->pBuffers[i].cbBuffer && !desc->pBuffers[i].pvBuffer) return FALSE;
    return TRUE;
}

static ULONG buffer_type(const SecBuffer *buffer)
{
    return buffer->BufferType & ~SECBUFFER_ATTRMASK;
}

/* the n-th (from 0) buffer of a type, or NULL */
static SecBuffer *find_buffer(const SecBufferDesc *desc, ULONG type, unsigned int n)
{
    ULONG i;

    for (i = 0; i < desc->cBuffers; i++)
        if (buffer_type(&desc->pBuffers[i]) == type && !n--) return &desc->pBuffers[i];
    return NULL;
}

/* handshake tokens */

enum token_result
{
    TOKEN_OK,
    TOKEN_INCOMPLETE,
    TOKEN_INVALID,
};

/* Looks for a whole token of the given type at the start of data.  On TOKEN_OK *body points
 * into data and *used is the token's size; on TOKEN_INCOMPLETE *used is how many more bytes
 * are needed (as far as known). */
static enum token_result parse_token(const BYTE *data, SIZE_T size, BYTE type, SIZE_T body_size,
                                     const BYTE **body, SIZE_T *used)
{
    SIZE_T n = size < sizeof(token_magic) ? size : sizeof(token_magic);
    SIZE_T total = TOKEN_HEADER + body_size;

    if (memcmp(data, token_magic, n)) return TOKEN_INVALID;
    if (size >= 5 && data[4] != type) return TOKEN_INVALID;
    if (size >= TOKEN_HEADER && ((SIZE_T)data[5] << 8 | data[6]) != body_size) return TOKEN_INVALID;
    if (size < total)
    {
        *used = total - size;
        return TOKEN_INCOMPLETE;
    }
    *body = data + TOKEN_HEADER;
    *used = total;
    return TOKEN_OK;
}

/* Finds the token buffer of pInput.  NULL desc or no token: SEC_E_INVALID_TOKEN. */
static SECURITY_STATUS get_input_token(SecBufferDesc *input, SecBuffer **token)
{
    if (!check_desc(input)) return SEC_E_INVALID_TOKEN;
    if (!(*token = find_buffer(input, SECBUFFER_TOKEN, 0))) return SEC_E_INVALID_TOKEN;
    if (!(*token)->cbBuffer) return SEC_E_INCOMPLETE_MESSAGE;
    return SEC_E_OK;
}

/* Reads a token out of the input buffers the way Schannel does: partial input gives
 * SEC_E_INCOMPLETE_MESSAGE (and SECBUFFER_MISSING in the first empty buffer), bytes after the
 * token are reported as SECBUFFER_EXTRA in the first empty buffer.  Nothing is changed on
 * error except the MISSING buffer. */
static SECURITY_STATUS read_token(SecBufferDesc *input, BYTE type, SIZE_T body_size, const BYTE **body,
                                  SecBuffer **extra, ULONG *extra_size)
{
    SecBuffer *token, *empty;
    SECURITY_STATUS status;
    SIZE_T used = 0;

    if ((status = get_input_token(input, &token)) == SEC_E_INCOMPLETE_MESSAGE)
    {
        used = TOKEN_HEADER;
        goto incomplete;
    }
    if (status != SEC_E_OK) return status;

    switch (parse_token(token->pvBuffer, token->cbBuffer, type, body_size, body, &used))
    {
    case TOKEN_INVALID:
        return SEC_E_INVALID_TOKEN;
    case TOKEN_INCOMPLETE:
        goto incomplete;
    case TOKEN_OK:
        break;
    }
    empty = find_buffer(input, SECBUFFER_EMPTY, 0);
    *extra = NULL;
    *extra_size = token->cbBuffer - used;
    if (*extra_size)
    {
        /* nowhere to report bytes that belong to the next token: refuse rather than lose them */
        if (!empty) return SEC_E_INVALID_TOKEN;
        *extra = empty;
    }
    return SEC_E_OK;

incomplete:
    if ((empty = find_buffer(input, SECBUFFER_EMPTY, 0)))
    {
        empty->BufferType = SECBUFFER_MISSING;
        empty->cbBuffer = used;
        empty->pvBuffer = NULL;
    }
    return SEC_E_INCOMPLETE_MESSAGE;
}

static void report_extra(SecBuffer *extra, ULONG size)
{
    if (!extra) return;
    extra->BufferType = SECBUFFER_EXTRA;
    extra->cbBuffer = size;
    extra->pvBuffer = NULL;
}

/* Finds the output token buffer and, unless the package allocates it, checks there is room
 * for size bytes. */
static SECURITY_STATUS check_output(SecBufferDesc *output, BOOL allocate, SIZE_T size, SecBuffer **token)
{
    if (!check_desc_shape(output)) return SEC_E_INVALID_TOKEN;
    if (!(*token = find_buffer(output, SECBUFFER_TOKEN, 0))) return SEC_E_INVALID_TOKEN;
    if (!allocate && (!(*token)->pvBuffer || (*token)->cbBuffer < size)) return SEC_E_BUFFER_TOO_SMALL;
    return SEC_E_OK;
}

/* Writes a token into the output buffer checked by check_output. */
static SECURITY_STATUS write_token(SecBuffer *out, BOOL allocate, BYTE type, const BYTE *body, SIZE_T body_size)
{
    BYTE *p;

    if (allocate)
    {
        if (!(p = HeapAlloc(GetProcessHeap(), 0, TOKEN_HEADER + body_size))) return SEC_E_INSUFFICIENT_MEMORY;
        out->pvBuffer = p;
    }
    else p = out->pvBuffer;
    memcpy(p, token_magic, sizeof(token_magic));
    p[4] = type;
    p[5] = (BYTE)(body_size >> 8);
    p[6] = (BYTE)body_size;
    memcpy(p + TOKEN_HEADER, body, body_size);
    out->cbBuffer = TOKEN_HEADER + body_size;
    return SEC_E_OK;
}

static void empty_output(SecBufferDesc *output, BOOL allocate)
{
    SecBuffer *token;

    if (!check_desc_shape(output)) return;
    if (!(token = find_buffer(output, SECBUFFER_TOKEN, 0))) return;
    token->cbBuffer = 0;
    if (allocate) token->pvBuffer = NULL;
}

static BOOL random_bytes(BYTE *buffer, ULONG size)
{
    return RtlGenRandom(buffer, size);
}

static void handshake_mac(const struct context *ctx, const char label[4], BYTE out[MAC_SIZE])
{
    hmac(&ctx->key, out, label, 4, ctx->nonce_i, NONCE_SIZE, ctx->nonce_r, NONCE_SIZE, NULL, 0);
}

/* session keys: S = HMAC(key, "sess" | Ni | Nr), then per direction
 * enc = HMAC(S, "i2r enc") and mac = HMAC(S, "i2r mac") (or "r2i ...") */
static void derive_session(struct context *ctx)
{
    static const char *labels[4] = {"i2r enc", "i2r mac", "r2i enc", "r2i mac"};
    struct direction *i2r = ctx->initiator ? &ctx->send : &ctx->recv;
    struct direction *r2i = ctx->initiator ? &ctx->recv : &ctx->send;
    struct hmac_key session;
    BYTE s[32], k[32];

    handshake_mac(ctx, "sess", s);
    hmac_set_key(&session, s, sizeof(s));
    hmac(&session, k, labels[0], 7, NULL, 0, NULL, 0, NULL, 0);
    hmac_set_key(&i2r->enc, k, sizeof(k));
    hmac(&session, k, labels[1], 7, NULL, 0, NULL, 0, NULL, 0);
    hmac_set_key(&i2r->mac, k, sizeof(k));
    hmac(&session, k, labels[2], 7, NULL, 0, NULL, 0, NULL, 0);
    hmac_set_key(&r2i->enc, k, sizeof(k));
    hmac(&session, k, labels[3], 7, NULL, 0, NULL, 0, NULL, 0);
    hmac_set_key(&r2i->mac, k, sizeof(k));
    i2r->seq = r2i->seq = 0;
    SecureZeroMemory(s, sizeof(s));
    SecureZeroMemory(k, sizeof(k));
    SecureZeroMemory(&session, sizeof(session));
    /* the shared key is not needed any more */
    SecureZeroMemory(&ctx->key, sizeof(ctx->key));
}

/* requests this package cannot honour; other unknown requests are ignored, as Schannel does */
#define ISC_REFUSED (ISC_REQ_DELEGATE | ISC_REQ_USE_DCE_STYLE | ISC_REQ_DATAGRAM | ISC_REQ_CALL_LEVEL \
                     | ISC_REQ_NULL_SESSION)
#define ISC_PROVIDED (ISC_RET_MUTUAL_AUTH | ISC_RET_REPLAY_DETECT | ISC_RET_SEQUENCE_DETECT \
                      | ISC_RET_CONFIDENTIALITY | ISC_RET_STREAM | ISC_RET_INTEGRITY)
#define ASC_REFUSED (ASC_REQ_DELEGATE | ASC_REQ_USE_DCE_STYLE | ASC_REQ_DATAGRAM | ASC_REQ_CALL_LEVEL \
                     | ASC_REQ_ALLOW_NULL_SESSION)
#define ASC_PROVIDED (ASC_RET_MUTUAL_AUTH | ASC_RET_REPLAY_DETECT | ASC_RET_SEQUENCE_DETECT \
                      | ASC_RET_CONFIDENTIALITY | ASC_RET_STREAM | ASC_RET_INTEGRITY)

/* The handshake key is SHA-256(4-byte little-endian length | key), not the key itself: HMAC pads
 * short keys with zeros, so "key" and "key\0" would otherwise be the same key. */
static void init_context(struct context *ctx, const struct credential *cred, BOOL initiator, ULONG attrs)
{
    BYTE size[4], digest[32];
    struct sha256 s;

    ctx->initiator = initiator;
    ctx->attrs = attrs;
    size[0] = (BYTE)cred->key_size;
    size[1] = (BYTE)(cred->key_size >> 8);
    size[2] = size[3] = 0;
    sha256_init(&s);
    sha256_update(&s, size, sizeof(size));
    sha256_update(&s, cred->key, cred->key_size);
    sha256_final(&s, digest);
    hmac_set_key(&ctx->key, digest, sizeof(digest));
    SecureZeroMemory(&s, sizeof(s));
    SecureZeroMemory(digest, sizeof(digest));
}

static SECURITY_STATUS WINAPI ssp_InitializeSecurityContextW(PCredHandle cred_handle, PCtxtHandle ctx_handle,
                                                             SEC_WCHAR *target, ULONG req, ULONG reserved1,
                                                             ULONG data_rep, PSecBufferDesc input, ULONG reserved2,
                                                             PCtxtHandle new_ctx_handle, PSecBufferDesc output,
                                                             ULONG *attrs, PTimeStamp expiry)
{
    BOOL allocate = !!(req & ISC_REQ_ALLOCATE_MEMORY);
    ULONG ret_attrs = ISC_PROVIDED | (allocate ? ISC_RET_ALLOCATED_MEMORY : 0);
    struct credential *cred;
    struct context *ctx;
    SECURITY_STATUS status;
    SecBuffer *out, *extra;
    ULONG extra_size;
    const BYTE *body;
    BYTE reply[MAC_SIZE];

    (void)target; (void)reserved1; (void)data_rep; (void)reserved2;

    if (req & ISC_REFUSED) return SEC_E_UNSUPPORTED_FUNCTION;

    if (!ctx_handle)
    {
        BYTE nonce[NONCE_SIZE];

        if (!(cred = get_credential(cred_handle))) return SEC_E_INVALID_HANDLE;
        if (!(cred->use & SECPKG_CRED_OUTBOUND)) return SEC_E_NO_CREDENTIALS;
        if (!new_ctx_handle) return SEC_E_INVALID_PARAMETER;
        if ((status = check_output(output, allocate, TOKEN_HEADER + TOKEN1_BODY, &out)) != SEC_E_OK) return status;
        if (!random_bytes(nonce, sizeof(nonce))) return SEC_E_INTERNAL_ERROR;
        if (!(ctx = alloc_object(sizeof(*ctx), TAG_CONTEXT))) return SEC_E_INSUFFICIENT_MEMORY;
        init_context(ctx, cred, TRUE, ret_attrs);
        memcpy(ctx->nonce_i, nonce, sizeof(nonce));
        if ((status = write_token(out, allocate, 1, nonce, sizeof(nonce))) != SEC_E_OK)
        {
            free_object(&ctx->obj, sizeof(*ctx));
            return status;
        }
        ctx->state = STATE_SENT_HELLO;
        new_ctx_handle->dwLower = (ULONG_PTR)ctx;
        new_ctx_handle->dwUpper = ctx->obj.cookie;
        if (attrs) *attrs = ret_attrs;
        set_expiry(expiry);
        return SEC_I_CONTINUE_NEEDED;
    }

    if (!(ctx = get_context(ctx_handle)) || !ctx->initiator) return SEC_E_INVALID_HANDLE;
    if (ctx->state != STATE_SENT_HELLO) return SEC_E_OUT_OF_SEQUENCE;
    if (cred_handle && !get_credential(cred_handle)) return SEC_E_INVALID_HANDLE;
    if ((status = check_output(output, allocate, TOKEN_HEADER + TOKEN3_BODY, &out)) != SEC_E_OK) return status;
    if ((status = read_token(input, 2, TOKEN2_BODY, &body, &extra, &extra_size)) != SEC_E_OK)
    {
        empty_output(output, allocate);
        return status;
    }

    memcpy(ctx->nonce_r, body, NONCE_SIZE);
    handshake_mac(ctx, "resp", reply);
    if (!equal_secret(reply, body + NONCE_SIZE, MAC_SIZE))
    {
        ctx->state = STATE_FAILED;
        empty_output(output, allocate);
        return SEC_E_LOGON_DENIED;
    }
    handshake_mac(ctx, "init", reply);
    if ((status = write_token(out, allocate, 3, reply, sizeof(reply))) != SEC_E_OK) return status;
    derive_session(ctx);
    ctx->state = STATE_ESTABLISHED;
    report_extra(extra, extra_size);
    if (new_ctx_handle) *new_ctx_handle = *ctx_handle;
    if (attrs) *attrs = ctx->attrs = ret_attrs;
    set_expiry(expiry);
    return SEC_E_OK;
}

static SECURITY_STATUS WINAPI ssp_AcceptSecurityContext(PCredHandle cred_handle, PCtxtHandle ctx_handle,
                                                        PSecBufferDesc input, ULONG req, ULONG data_rep,
                                                        PCtxtHandle new_ctx_handle, PSecBufferDesc output,
                                                        ULONG *attrs, PTimeStamp expiry)
{
    BOOL allocate = !!(req & ASC_REQ_ALLOCATE_MEMORY);
    ULONG ret_attrs = ASC_PROVIDED | (allocate ? ASC_RET_ALLOCATED_MEMORY : 0);
    struct credential *cred;
    struct context *ctx;
    SECURITY_STATUS status;
    SecBuffer *out, *extra;
    ULONG extra_size;
    const BYTE *body;
    BYTE mac[MAC_SIZE];

    (void)data_rep;

    if (req & ASC_REFUSED) return SEC_E_UNSUPPORTED_FUNCTION;

    if (!ctx_handle)
    {
        BYTE token2[TOKEN2_BODY];

        if (!(cred = get_credential(cred_handle))) return SEC_E_INVALID_HANDLE;
        if (!(cred->use & SECPKG_CRED_INBOUND)) return SEC_E_NO_CREDENTIALS;
        if (!new_ctx_handle) return SEC_E_INVALID_PARAMETER;
        if ((status = check_output(output, allocate, TOKEN_HEADER + TOKEN2_BODY, &out)) != SEC_E_OK) return status;
        if ((status = read_token(input, 1, TOKEN1_BODY, &body, &extra, &extra_size)) != SEC_E_OK)
        {
            empty_output(output, allocate);
            return status;
        }
        if (!(ctx = alloc_object(sizeof(*ctx), TAG_CONTEXT))) return SEC_E_INSUFFICIENT_MEMORY;
        init_context(ctx, cred, FALSE, ret_attrs);
        memcpy(ctx->nonce_i, body, NONCE_SIZE);
        if (!random_bytes(ctx->nonce_r, NONCE_SIZE))
        {
            free_object(&ctx->obj, sizeof(*ctx));
            return SEC_E_INTERNAL_ERROR;
        }
        memcpy(token2, ctx->nonce_r, NONCE_SIZE);
        handshake_mac(ctx, "resp", token2 + NONCE_SIZE);
        if ((status = write_token(out, allocate, 2, token2, sizeof(token2))) != SEC_E_OK)
        {
            free_object(&ctx->obj, sizeof(*ctx));
            return status;
        }
        ctx->state = STATE_SENT_CHALLENGE;
        report_extra(extra, extra_size);
        new_ctx_handle->dwLower = (ULONG_PTR)ctx;
        new_ctx_handle->dwUpper = ctx->obj.cookie;
        if (attrs) *attrs = ret_attrs;
        set_expiry(expiry);
        return SEC_I_CONTINUE_NEEDED;
    }

    if (!(ctx = get_context(ctx_handle)) || ctx->initiator) return SEC_E_INVALID_HANDLE;
    if (ctx->state != STATE_SENT_CHALLENGE) return SEC_E_OUT_OF_SEQUENCE;
    if (cred_handle && !get_credential(cred_handle)) return SEC_E_INVALID_HANDLE;
    if ((status = read_token(input, 3, TOKEN3_BODY, &body, &extra, &extra_size)) != SEC_E_OK)
    {
        empty_output(output, allocate);
        return status;
    }
    handshake_mac(ctx, "init", mac);
    empty_output(output, allocate);
    if (!equal_secret(mac, body, MAC_SIZE))
    {
        ctx->state = STATE_FAILED;
        return SEC_E_LOGON_DENIED;
    }
    derive_session(ctx);
    ctx->state = STATE_ESTABLISHED;
    report_extra(extra, extra_size);
    if (new_ctx_handle) *new_ctx_handle = *ctx_handle;
    if (attrs) *attrs = ctx->attrs = ret_attrs;
    set_expiry(expiry);
    return SEC_E_OK;
}

static SECURITY_STATUS WINAPI ssp_DeleteSecurityContext(PCtxtHandle handle)
{
    struct context *ctx = get_context(handle);

    if (!ctx) return SEC_E_INVALID_HANDLE;
    free_object(&ctx->obj, sizeof(*ctx));
    return SEC_E_OK;
}

static SECURITY_STATUS WINAPI ssp_QueryContextAttributesW(PCtxtHandle handle, ULONG attribute, void *buffer)
{
    struct context *ctx = get_context(handle);

    if (!ctx) return SEC_E_INVALID_HANDLE;
    if (!buffer) return SEC_E_INVALID_PARAMETER;
    switch (attribute)
    {
    case SECPKG_ATTR_STREAM_SIZES:
    {
        SecPkgContext_StreamSizes *sizes = buffer;
        sizes->cbHeader = MSG_HEADER;
        sizes->cbTrailer = MSG_TRAILER;
        sizes->cbMaximumMessage = MSG_MAX;
        sizes->cBuffers = 4;
        sizes->cbBlockSize = 1;
        return SEC_E_OK;
    }
    case SECPKG_ATTR_SIZES:
    {
        SecPkgContext_Sizes *sizes = buffer;
        sizes->cbMaxToken = MAX_TOKEN;
        sizes->cbMaxSignature = MSG_TRAILER;
        sizes->cbBlockSize = 1;
        sizes->cbSecurityTrailer = MSG_HEADER + MSG_TRAILER;
        return SEC_E_OK;
    }
    default:
        return SEC_E_UNSUPPORTED_FUNCTION;
    }
}

/* messages */

/* XORs data with the keystream HMAC(enc, seq | counter) for counter = 0, 1, ... */
static void apply_keystream(const struct hmac_key *enc, UINT64 seq, BYTE *data, SIZE_T size)
{
    BYTE nonce[8], counter[4], block[32];
    UINT32 i;
    SIZE_T pos, n, j;

    put_be64(nonce, seq);
    for (i = 0, pos = 0; pos < size; i++, pos += n)
    {
        put_be32(counter, i);
        hmac(enc, block, nonce, sizeof(nonce), counter, sizeof(counter), NULL, 0, NULL, 0);
        n = size - pos < sizeof(block) ? size - pos : sizeof(block);
        for (j = 0; j < n; j++) data[pos + j] ^= block[j];
    }
    SecureZeroMemory(block, sizeof(block));
}

/* trailer = first MSG_TRAILER bytes of HMAC(mac, seq | header | ciphertext) */
static void message_mac(const struct hmac_key *mac, UINT64 seq, const BYTE *header, const BYTE *data, SIZE_T size,
                        BYTE out[MAC_SIZE])
{
    BYTE nonce[8];

    put_be64(nonce, seq);
    hmac(mac, out, nonce, sizeof(nonce), header, MSG_HEADER, data, size, NULL, 0);
}

static SECURITY_STATUS WINAPI ssp_EncryptMessage(PCtxtHandle handle, ULONG qop, PSecBufferDesc desc, ULONG seq_no)
{
    struct context *ctx = get_context(handle);
    SecBuffer *header, *data, *trailer;
    BYTE mac[MAC_SIZE];
    ULONG i;

    (void)seq_no;

    if (!ctx) return SEC_E_INVALID_HANDLE;
    if (ctx->state != STATE_ESTABLISHED) return SEC_E_CONTEXT_EXPIRED;
    if (qop) return SEC_E_QOP_NOT_SUPPORTED;
    if (!check_desc(desc)) return SEC_E_INVALID_TOKEN;
    if (!(header = find_buffer(desc, SECBUFFER_STREAM_HEADER, 0)) || find_buffer(desc, SECBUFFER_STREAM_HEADER, 1)
        || !(data = find_buffer(desc, SECBUFFER_DATA, 0)) || find_buffer(desc, SECBUFFER_DATA, 1)
        || !(trailer = find_buffer(desc, SECBUFFER_STREAM_TRAILER, 0)) || find_buffer(desc, SECBUFFER_STREAM_TRAILER, 1))
        return SEC_E_INVALID_TOKEN;
    for (i = 0; i < desc->cBuffers; i++)
    {
        ULONG type = buffer_type(&desc->pBuffers[i]);
        if (type != SECBUFFER_STREAM_HEADER && type != SECBUFFER_DATA && type != SECBUFFER_STREAM_TRAILER
            && type != SECBUFFER_EMPTY)
            return SEC_E_INVALID_TOKEN;
    }
    if (header->cbBuffer < MSG_HEADER || trailer->cbBuffer < MSG_TRAILER) return SEC_E_BUFFER_TOO_SMALL;
    if (data->cbBuffer > MSG_MAX) return SEC_E_INVALID_PARAMETER;
    if (ctx->send.seq == ~(UINT64)0) return SEC_E_CONTEXT_EXPIRED;

    memcpy(header->pvBuffer, msg_magic, sizeof(msg_magic));
    put_be32((BYTE *)header->pvBuffer + 4, data->cbBuffer);
    header->cbBuffer = MSG_HEADER;
    apply_keystream(&ctx->send.enc, ctx->send.seq, data->pvBuffer, data->cbBuffer);
    message_mac(&ctx->send.mac, ctx->send.seq, header->pvBuffer, data->pvBuffer, data->cbBuffer, mac);
    memcpy(trailer->pvBuffer, mac, MSG_TRAILER);
    trailer->cbBuffer = MSG_TRAILER;
    ctx->send.seq++;
    return SEC_E_OK;
}

static SECURITY_STATUS WINAPI ssp_DecryptMessage(PCtxtHandle handle, PSecBufferDesc desc, ULONG seq_no, ULONG *qop)
{
    struct context *ctx = get_context(handle);
    SecBuffer *input, *empty[3];
    BYTE *p, mac[MAC_SIZE];
    SIZE_T size, length, total;
    unsigned int i;

    (void)seq_no;

    if (!ctx) return SEC_E_INVALID_HANDLE;
    if (ctx->state != STATE_ESTABLISHED) return SEC_E_CONTEXT_EXPIRED;
    if (!check_desc(desc)) return SEC_E_INVALID_TOKEN;
    if (!(input = find_buffer(desc, SECBUFFER_DATA, 0)) || find_buffer(desc, SECBUFFER_DATA, 1))
        return SEC_E_INVALID_TOKEN;
    for (i = 0; i < 3; i++)
        if (!(empty[i] = find_buffer(desc, SECBUFFER_EMPTY, i))) return SEC_E_INVALID_TOKEN;

    p = input->pvBuffer;
    size = input->cbBuffer;
    if (!size)
    {
        total = MSG_HEADER;
        goto incomplete;
    }
    if (memcmp(p, msg_magic, size < sizeof(msg_magic) ? size : sizeof(msg_magic))) return SEC_E_INVALID_TOKEN;
    if (size < MSG_HEADER)
    {
        total = MSG_HEADER;
        goto incomplete;
    }
    length = get_be32(p + 4);
    if (length > MSG_MAX) return SEC_E_INVALID_TOKEN;
    total = MSG_HEADER + length + MSG_TRAILER;
    if (size < total) goto incomplete;

    if (ctx->recv.seq == ~(UINT64)0) return SEC_E_CONTEXT_EXPIRED;
    message_mac(&ctx->recv.mac, ctx->recv.seq, p, p + MSG_HEADER, length, mac);
    if (!equal_secret(mac, p + MSG_HEADER + length, MSG_TRAILER)) return SEC_E_MESSAGE_ALTERED;
    apply_keystream(&ctx->recv.enc, ctx->recv.seq, p + MSG_HEADER, length);
    ctx->recv.seq++;

    input->BufferType = SECBUFFER_STREAM_HEADER;
    input->cbBuffer = MSG_HEADER;
    empty[0]->BufferType = SECBUFFER_DATA;
    empty[0]->pvBuffer = p + MSG_HEADER;
    empty[0]->cbBuffer = length;
    empty[1]->BufferType = SECBUFFER_STREAM_TRAILER;
    empty[1]->pvBuffer = p + MSG_HEADER + length;
    empty[1]->cbBuffer = MSG_TRAILER;
    if (size > total)
    {
        empty[2]->BufferType = SECBUFFER_EXTRA;
        empty[2]->pvBuffer = p + total;
        empty[2]->cbBuffer = size - total;
    }
    if (qop) *qop = 0;
    return SEC_E_OK;

incomplete:
    empty[0]->BufferType = SECBUFFER_MISSING;
    empty[0]->pvBuffer = NULL;
    empty[0]->cbBuffer = total - size;
    return SEC_E_INCOMPLETE_MESSAGE;
}

static SecurityFunctionTableW function_table =
{
    .dwVersion = SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION,
    .EnumerateSecurityPackagesW = ssp_EnumerateSecurityPackagesW,
    .AcquireCredentialsHandleW = ssp_AcquireCredentialsHandleW,
    .FreeCredentialsHandle = ssp_FreeCredentialsHandle,
    .InitializeSecurityContextW = ssp_InitializeSecurityContextW,
    .AcceptSecurityContext = ssp_AcceptSecurityContext,
    .DeleteSecurityContext = ssp_DeleteSecurityContext,
    .QueryContextAttributesW = ssp_QueryContextAttributesW,
    .FreeContextBuffer = ssp_FreeContextBuffer,
    .QuerySecurityPackageInfoW = ssp_QuerySecurityPackageInfoW,
    .EncryptMessage = ssp_EncryptMessage,
    .DecryptMessage = ssp_DecryptMessage,
};

PSecurityFunctionTableW SEC_ENTRY InitSecurityInterfaceW(void)
{
    return &function_table;
}

PSecurityFunctionTableA SEC_ENTRY InitSecurityInterfaceA(void)
{
    return NULL;
}
