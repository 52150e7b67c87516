/*
 * crashwriter: the program tests/integration/crash-loop.sh kills again and again.
 *
 *   crashwriter.exe create GRAPH-ID PEER-ID DATABASE
 *   crashwriter.exe run    GRAPH-ID PEER-ID DATABASE LOG SEED ROUND [OPS]
 *   crashwriter.exe verify GRAPH-ID PEER-ID DATABASE LOG SEED ROUND
 *   crashwriter.exe delete GRAPH-ID PEER-ID DATABASE
 *
 * "run" opens the graph, checks it against LOG (below), then adds, updates
 * and deletes records in a pseudo-random mix drawn from SEED and ROUND,
 * appending every operation to LOG: a line "I" (intent) before the call and
 * a line "A" (acknowledged) after it returned S_OK.  Without OPS it goes on
 * until it is killed; with OPS it stops after that many and closes the graph.
 * "verify" only checks.
 *
 * The check replays LOG and compares it with what the graph holds: every
 * acknowledged add or update must be there with exactly its version and
 * data, every acknowledged delete must stay invisible, and no record may
 * appear that LOG does not know.  The one exception is the operation that
 * was in flight when the previous run died (LOG's last line is its "I"): it
 * may have happened or not.  When it did, a line "R" (recovered) records its
 * effect so that LOG stays the truth about the graph.
 *
 * LOG lines, each ended by LF:
 *   S ROUND NEXT-OP                a run has checked the graph and starts writing
 *   I OP KIND ID VERSION LEN HASH  about to call (ID "-" for an add)
 *   A OP KIND ID VERSION LEN HASH  the call returned S_OK
 *   R OP KIND ID VERSION LEN HASH  an "I" that took effect without its "A"
 * KIND is add, upd or del (del-local for fLocal); VERSION is the record's
 * version after the operation; HASH is FNV-1a 64 of its data (0 for a delete).
 *
 * Prints one line "crashwriter: round ... verified ..." per check, and one
 * "LOSS: ..." line per discrepancy.  Exit code: 0 when all was as expected,
 * 1 when the check found a discrepancy, 2 for bad usage, 3 when an API call
 * or the log failed.
 *
 * Copyright 2026 the p2pgraph-wine authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <winsock2.h>
#include <windows.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <p2p.h>

static const GUID crash_type = {0x6b1d8c2e, 0x3a57, 0x4c09, {0x9e, 0x41, 0x0d, 0x7a, 0x5b, 0x23, 0xc6, 0x18}};

enum kind { KIND_ADD, KIND_UPDATE, KIND_DELETE, KIND_DELETE_LOCAL };
static const char *const kind_names[] = {"add", "upd", "del", "del-local"};

#define MAX_LIVE 200
#define MAX_DATA 600
#define SAFETY_SECONDS 30

static unsigned int losses;

static void loss(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    printf("LOSS: ");
    vprintf(format, args);
    printf("\n");
    va_end(args);
    losses++;
}

static int fail(const char *what, HRESULT hr)
{
    printf("crashwriter: %s failed: 0x%08lx\n", what, (unsigned long)hr);
    return 3;
}

/* ---- pseudo-random numbers (xorshift64*) and data ---- */

static unsigned long long rng_state;

static unsigned int rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (unsigned int)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static unsigned long long fnv1a(const BYTE *data, ULONG size)
{
    unsigned long long h = 0xcbf29ce484222325ull;
    for (ULONG i = 0; i < size; i++) h = (h ^ data[i]) * 0x100000001b3ull;
    return h;
}

/* Data of op OP: a readable header, then bytes drawn from the generator. */
static ULONG make_data(BYTE *out, unsigned int op, unsigned int round)
{
    ULONG size = 40 + rng_next() % (MAX_DATA - 40);
    int header = snprintf((char *)out, size, "op %u round %u ", op, round);
    for (ULONG i = header; i < size; i++) out[i] = (BYTE)rng_next();
    return size;
}

/* ---- the model: what LOG says each record is ---- */

struct entry
{
    GUID id;
    BOOL used, live;
    DWORD version;
    ULONG size;
    unsigned long long hash;
    unsigned int acked;         /* "A" and "R" lines of this record: the operations a check covers */
    BOOL deleted_this_round;    /* deleted since the last "S": asked for with PeerGraphGetRecord too */
};

struct model
{
    struct entry *slots;
    size_t capacity, count;
    GUID *live;                 /* ids of live records, for picking one */
    size_t live_count;
};

static size_t slot_of(const struct model *m, const GUID *id)
{
    unsigned long long h;
    memcpy(&h, id, sizeof(h));  /* record ids are MD5 digests: any 8 bytes hash well */
    size_t i = (size_t)(h * 0x9e3779b97f4a7c15ull) & (m->capacity - 1);
    while (m->slots[i].used && memcmp(&m->slots[i].id, id, sizeof(*id))) i = (i + 1) & (m->capacity - 1);
    return i;
}

static struct entry *find(const struct model *m, const GUID *id)
{
    struct entry *e = &m->slots[slot_of(m, id)];
    return e->used ? e : NULL;
}

static struct entry *find_or_add(struct model *m, const GUID *id)
{
    if ((m->count + 1) * 2 > m->capacity)
    {
        struct model bigger = *m;
        bigger.capacity = m->capacity ? m->capacity * 2 : 1024;
        bigger.slots = calloc(bigger.capacity, sizeof(*bigger.slots));
        bigger.count = 0;
        for (size_t i = 0; i < m->capacity; i++)
            if (m->slots[i].used)
            {
                bigger.slots[slot_of(&bigger, &m->slots[i].id)] = m->slots[i];
                bigger.count++;
            }
        free(m->slots);
        *m = bigger;
    }
    struct entry *e = &m->slots[slot_of(m, id)];
    if (!e->used)
    {
        memset(e, 0, sizeof(*e));
        e->used = TRUE;
        e->id = *id;
        m->count++;
    }
    return e;
}

static void set_live(struct model *m, const GUID *id, BOOL live)
{
    for (size_t i = 0; i < m->live_count; i++)
        if (!memcmp(&m->live[i], id, sizeof(*id)))
        {
            if (!live) m->live[i] = m->live[--m->live_count];
            return;
        }
    if (live) m->live[m->live_count++] = *id;
}

struct op
{
    unsigned int number;
    enum kind kind;
    GUID id;
    BOOL has_id;
    DWORD version;
    ULONG size;
    unsigned long long hash;
};

/* The effect of an acknowledged (or recovered) operation on the model. */
static void apply(struct model *m, const struct op *op)
{
    struct entry *e = find_or_add(m, &op->id);
    e->acked++;
    e->version = op->version;
    e->size = op->size;
    e->hash = op->hash;
    e->live = op->kind == KIND_ADD || op->kind == KIND_UPDATE;
    if (!e->live) e->deleted_this_round = TRUE;
    set_live(m, &op->id, e->live);
}

/* ---- LOG ---- */

static void format_guid(char *out, const GUID *id)
{
    const BYTE *b = (const BYTE *)id;
    for (int i = 0; i < 16; i++) sprintf(out + 2 * i, "%02x", b[i]);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static BOOL parse_guid(const char *text, GUID *id)
{
    BYTE *b = (BYTE *)id;
    for (int i = 0; i < 16; i++)
    {
        int high = hex_digit(text[2 * i]), low = high < 0 ? -1 : hex_digit(text[2 * i + 1]);
        if (low < 0) return FALSE;
        b[i] = (BYTE)(high << 4 | low);
    }
    return text[32] == 0;
}

static BOOL parse_op(const char *line, struct op *op)
{
    char kind[16], id[40];
    if (sscanf(line + 2, "%u %15s %39s %lu %lu %llx", &op->number, kind, id, &op->version, &op->size,
               &op->hash) != 6)
        return FALSE;
    for (op->kind = KIND_ADD; op->kind <= KIND_DELETE_LOCAL; op->kind++)
        if (!strcmp(kind, kind_names[op->kind])) break;
    if (op->kind > KIND_DELETE_LOCAL) return FALSE;
    op->has_id = strcmp(id, "-") != 0;
    return op->has_id ? parse_guid(id, &op->id) : op->kind == KIND_ADD;
}

/* Each line goes out in one WriteFile, which Wine carries out as one
 * write(2) on the file's descriptor from this very process.  When it
 * returns, the line is in the kernel's page cache, and a SIGKILL of this
 * process cannot take it back; the C library's stdout buffer could lose it,
 * and a pipe would lose it with its reader.  FlushFileBuffers (fsync) is
 * left out on purpose: it guards against a power cut, which this test does
 * not make, and the engine itself promises survival of a killed program,
 * not of a power cut, at its default synchronous=NORMAL. */
static HANDLE log_file;

static BOOL log_line(const char *format, ...)
{
    char line[256];
    DWORD written;
    va_list args;
    int length;

    va_start(args, format);
    length = vsnprintf(line, sizeof(line), format, args);
    va_end(args);
    if (length <= 0 || length >= (int)sizeof(line)) return FALSE;
    return WriteFile(log_file, line, length, &written, NULL) && written == (DWORD)length;
}

static BOOL log_op(char tag, const struct op *op)
{
    char id[33] = "-";
    if (op->has_id) format_guid(id, &op->id);
    return log_line("%c %u %s %s %lu %lu %016llx\n", tag, op->number, kind_names[op->kind], id,
                    (unsigned long)op->version, (unsigned long)op->size, op->hash);
}

struct history
{
    unsigned int acked, acked_last_round, recovered, rounds, next_op;
    BOOL in_flight;             /* the last line is an "I": its operation may or may not have happened */
    struct op intent;
};

/* Reads LOG into the model.  A last line without its LF was cut off by a
 * kill inside WriteFile: it is dropped from the file and counts as unwritten. */
static BOOL read_log(const WCHAR *path, struct model *m, struct history *h)
{
    LARGE_INTEGER size, keep;
    DWORD got;
    char *text, *line, *end;

    log_file = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_ALWAYS,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    if (log_file == INVALID_HANDLE_VALUE || !GetFileSizeEx(log_file, &size)) return FALSE;
    text = malloc(size.QuadPart + 1);
    if (!text || !ReadFile(log_file, text, (DWORD)size.QuadPart, &got, NULL) || got != size.QuadPart) return FALSE;
    text[got] = 0;

    memset(h, 0, sizeof(*h));
    for (line = text; (end = strchr(line, '\n')); line = end + 1)
    {
        struct op op;
        *end = 0;
        h->in_flight = FALSE;
        if (line[0] == 'S')
        {
            h->rounds++;
            h->acked_last_round = 0;
            for (size_t i = 0; i < m->capacity; i++) m->slots[i].deleted_this_round = FALSE;
            continue;
        }
        if (!parse_op(line, &op))
        {
            printf("crashwriter: unreadable log line \"%s\"\n", line);
            return FALSE;
        }
        if (op.number >= h->next_op) h->next_op = op.number + 1;
        if (line[0] == 'I')
        {
            h->in_flight = TRUE;
            h->intent = op;
        }
        else if (line[0] == 'A' || line[0] == 'R')
        {
            if (line[0] == 'A') h->acked++, h->acked_last_round++;
            else h->recovered++;
            apply(m, &op);
        }
        else
        {
            printf("crashwriter: unknown log line \"%s\"\n", line);
            return FALSE;
        }
    }
    keep.QuadPart = line - text;
    free(text);
    return SetFilePointerEx(log_file, keep, NULL, FILE_BEGIN) && SetEndOfFile(log_file);
}

/* ---- the check ---- */

struct actual
{
    GUID id;
    DWORD version;
    ULONG size;
    unsigned long long hash;
    BOOL seen;
};

static int compare_actual(const void *a, const void *b)
{
    return memcmp(&((const struct actual *)a)->id, &((const struct actual *)b)->id, sizeof(GUID));
}

static HRESULT read_graph(HGRAPH graph, struct actual **out, size_t *count)
{
    HPEERENUM henum;
    PEER_RECORD **records;
    size_t capacity = 256;
    HRESULT hr;

    *count = 0;
    *out = malloc(capacity * sizeof(**out));
    if ((hr = PeerGraphEnumRecords(graph, &crash_type, NULL, &henum)) != S_OK) return hr;
    for (;;)
    {
        ULONG n = 100;
        if ((hr = PeerGraphGetNextItem(henum, &n, (void ***)&records)) != S_OK) break;
        if (!n) break;
        for (ULONG i = 0; i < n; i++)
        {
            if (*count == capacity) *out = realloc(*out, (capacity *= 2) * sizeof(**out));
            struct actual *a = &(*out)[(*count)++];
            a->id = records[i]->id;
            a->version = records[i]->dwVersion;
            a->size = records[i]->data.cbData;
            a->hash = fnv1a(records[i]->data.pbData, records[i]->data.cbData);
            a->seen = FALSE;
        }
        PeerGraphFreeData(records);
    }
    PeerGraphEndEnumeration(henum);
    qsort(*out, *count, sizeof(**out), compare_actual);
    return hr;
}

static int check_graph(HGRAPH graph, unsigned int round, struct model *m, struct history *h)
{
    const char *in_flight = "none";
    unsigned int verified = 0, live = 0, deleted = 0, acked = h->acked + h->recovered;
    struct actual *actual, key;
    struct op recovered;
    BOOL recover = FALSE;
    size_t count;
    char id[33];
    HRESULT hr;

    if ((hr = read_graph(graph, &actual, &count)) != S_OK) return fail("reading the graph's records", hr);
    if (h->in_flight) in_flight = "not applied";

    for (size_t i = 0; i < m->capacity; i++)
    {
        struct entry *e = &m->slots[i];
        struct actual *a;
        BOOL intended;

        if (!e->used) continue;
        key.id = e->id;
        a = bsearch(&key, actual, count, sizeof(*actual), compare_actual);
        if (a) a->seen = TRUE;
        intended = h->in_flight && h->intent.has_id && !memcmp(&h->intent.id, &e->id, sizeof(GUID));
        format_guid(id, &e->id);

        if (!e->live)
        {
            PEER_RECORD *record;
            deleted++;
            if (a)
                loss("record %s deleted (version %lu) is back at version %lu", id, e->version, a->version);
            else if (e->deleted_this_round &&
                     (hr = PeerGraphGetRecord(graph, &e->id, &record)) != PEER_E_RECORD_NOT_FOUND)
            {
                loss("record %s deleted (version %lu): PeerGraphGetRecord answers 0x%08lx", id, e->version,
                     (unsigned long)hr);
                if (SUCCEEDED(hr)) PeerGraphFreeData(record);
            }
            else
                verified += e->acked;
            continue;
        }

        live++;
        if (a && a->version == e->version && a->size == e->size && a->hash == e->hash)
            verified += e->acked;
        else if (intended && h->intent.kind == KIND_UPDATE && a && a->version == h->intent.version &&
                 a->size == h->intent.size && a->hash == h->intent.hash)
        {
            verified += e->acked;
            recover = TRUE;
            in_flight = "update applied";
        }
        else if (intended && (h->intent.kind == KIND_DELETE || h->intent.kind == KIND_DELETE_LOCAL) && !a)
        {
            verified += e->acked;
            recover = TRUE;
            in_flight = "delete applied";
        }
        else if (!a)
            loss("record %s (version %lu, %lu bytes) is missing", id, e->version, e->size);
        else
            loss("record %s should be version %lu, %lu bytes, hash %016llx; it is version %lu, %lu bytes, "
                 "hash %016llx", id, e->version, e->size, e->hash, a->version, a->size, a->hash);
    }

    for (size_t i = 0; i < count; i++)
    {
        struct actual *a = &actual[i];
        if (a->seen) continue;
        format_guid(id, &a->id);
        if (h->in_flight && h->intent.kind == KIND_ADD && !recover && a->version == 1 &&
            a->size == h->intent.size && a->hash == h->intent.hash)
        {
            recover = TRUE;
            in_flight = "add applied";
            h->intent.id = a->id;
            h->intent.has_id = TRUE;
        }
        else
            loss("record %s (version %lu, %lu bytes) is in the graph but in no acknowledged operation", id,
                 a->version, a->size);
    }
    free(actual);

    if (recover)
    {
        recovered = h->intent;
        if (!log_op('R', &recovered)) return fail("writing the log", HRESULT_FROM_WIN32(GetLastError()));
        apply(m, &recovered);
        h->recovered++;
    }
    printf("crashwriter: round %u verified %u of %u acknowledged ops (%u from the last run) on %u records "
           "(%u live, %u deleted); in flight: %s; losses: %u\n",
           round, verified, acked, h->acked_last_round, live + deleted, live, deleted,
           in_flight, losses);
    return losses ? 1 : 0;
}

/* ---- writing ---- */

static HRESULT add_record(HGRAPH graph, struct op *op, unsigned int round)
{
    static BYTE data[MAX_DATA];
    PEER_RECORD record = {0};
    FILETIME now, peer;
    ULARGE_INTEGER t;
    HRESULT hr;

    GetSystemTimeAsFileTime(&now);
    if ((hr = PeerGraphUniversalTimeToPeerTime(graph, &now, &peer)) != S_OK) return hr;
    t.LowPart = peer.dwLowDateTime;
    t.HighPart = peer.dwHighDateTime;
    t.QuadPart += 7ull * 24 * 3600 * 10000000; /* a week: nothing expires during the test */
    record.dwSize = sizeof(record);
    record.type = crash_type;
    record.ftExpiration.dwLowDateTime = t.LowPart;
    record.ftExpiration.dwHighDateTime = t.HighPart;
    record.data.cbData = make_data(data, op->number, round);
    record.data.pbData = data;
    op->kind = KIND_ADD;
    op->has_id = FALSE;
    op->version = 1;
    op->size = record.data.cbData;
    op->hash = fnv1a(data, record.data.cbData);
    if (!log_op('I', op)) return HRESULT_FROM_WIN32(GetLastError());
    if ((hr = PeerGraphAddRecord(graph, &record, &op->id)) != S_OK) return hr;
    op->has_id = TRUE;
    return S_OK;
}

static HRESULT update_record(HGRAPH graph, struct model *m, struct op *op, unsigned int round)
{
    static BYTE data[MAX_DATA];
    struct entry *e = find(m, &op->id);
    PEER_RECORD *record;
    char id[33];
    HRESULT hr;

    op->kind = KIND_UPDATE;
    if ((hr = PeerGraphGetRecord(graph, &op->id, &record)) != S_OK) return hr;
    if (record->dwVersion != e->version)
    {
        format_guid(id, &op->id);
        loss("record %s read back at version %lu while the log says %lu", id, record->dwVersion, e->version);
        PeerGraphFreeData(record);
        return E_FAIL;
    }
    record->data.cbData = make_data(data, op->number, round);
    record->data.pbData = data;
    op->version = e->version + 1;
    op->size = record->data.cbData;
    op->hash = fnv1a(data, record->data.cbData);
    if (log_op('I', op)) hr = PeerGraphUpdateRecord(graph, record);
    else hr = HRESULT_FROM_WIN32(GetLastError());
    PeerGraphFreeData(record);
    return hr;
}

static HRESULT delete_record(HGRAPH graph, struct model *m, struct op *op, BOOL local)
{
    struct entry *e = find(m, &op->id);
    op->kind = local ? KIND_DELETE_LOCAL : KIND_DELETE;
    op->version = e->version + 1;
    op->size = 0;
    op->hash = 0;
    if (!log_op('I', op)) return HRESULT_FROM_WIN32(GetLastError());
    return PeerGraphDeleteRecord(graph, &op->id, local);
}

static int write_records(HGRAPH graph, struct model *m, struct history *h, unsigned int round, long ops)
{
    DWORD deadline = GetTickCount() + SAFETY_SECONDS * 1000;
    unsigned int number = h->next_op;

    for (long done = 0; ops < 0 || done < ops; done++)
    {
        struct op op = {0};
        unsigned int dice = rng_next() % 100;
        HRESULT hr;

        if ((LONG)(deadline - GetTickCount()) < 0)
        {
            printf("crashwriter: still alive after %u s\n", SAFETY_SECONDS);
            return 3;
        }
        op.number = number++;
        if (m->live_count && (m->live_count >= MAX_LIVE || dice >= 40))
        {
            op.id = m->live[rng_next() % m->live_count];
            op.has_id = TRUE;
            if (dice < 75) hr = update_record(graph, m, &op, round);
            else hr = delete_record(graph, m, &op, dice >= 95);
        }
        else
            hr = add_record(graph, &op, round);
        if (hr != S_OK) return fail(kind_names[op.kind], hr);
        if (!log_op('A', &op)) return fail("writing the log", HRESULT_FROM_WIN32(GetLastError()));
        apply(m, &op);
    }
    return 0;
}

int wmain(int argc, WCHAR **argv)
{
    PEER_VERSION_DATA version;
    PEER_GRAPH_PROPERTIES props = {0};
    struct model model = {0};
    struct history history;
    unsigned int round;
    HGRAPH graph;
    long ops = -1;
    HRESULT hr;
    int ret;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 5) goto usage;
    if ((hr = PeerGraphStartup(PEER_GRAPH_VERSION, &version)) != S_OK) return fail("PeerGraphStartup", hr);

    if (!wcscmp(argv[1], L"create") && argc == 5)
    {
        props.dwSize = sizeof(props);
        props.dwScope = PEER_GRAPH_SCOPE_GLOBAL;
        props.pwzGraphId = argv[2];
        props.pwzCreatorId = argv[3];
        if ((hr = PeerGraphCreate(&props, argv[4], NULL, &graph)) != S_OK) return fail("PeerGraphCreate", hr);
        if ((hr = PeerGraphClose(graph)) != S_OK) return fail("PeerGraphClose", hr);
        return PeerGraphShutdown() == S_OK ? 0 : 3;
    }
    if (!wcscmp(argv[1], L"delete") && argc == 5)
    {
        if ((hr = PeerGraphDelete(argv[2], argv[3], argv[4])) != S_OK) return fail("PeerGraphDelete", hr);
        return PeerGraphShutdown() == S_OK ? 0 : 3;
    }
    if (wcscmp(argv[1], L"run") && wcscmp(argv[1], L"verify")) goto usage;
    if (argc != 8 && !(argc == 9 && !wcscmp(argv[1], L"run"))) goto usage;
    round = wcstoul(argv[7], NULL, 10);
    rng_state = (_wcstoui64(argv[6], NULL, 10) ^ (0x9e3779b97f4a7c15ull * (round + 1))) | 1;
    if (argc == 9) ops = wcstol(argv[8], NULL, 10);

    model.live = malloc(MAX_LIVE * 2 * sizeof(GUID));
    if (!read_log(argv[5], &model, &history)) return fail("reading the log", HRESULT_FROM_WIN32(GetLastError()));
    /* Anything short of S_OK (PEER_S_GRAPH_DATA_CREATED: the database is gone) is a loss of its own. */
    hr = PeerGraphOpen(argv[2], argv[3], argv[4], NULL, 0, NULL, &graph);
    if (hr != S_OK) return fail("PeerGraphOpen", hr);
    ret = check_graph(graph, round, &model, &history);
    if (ret == 0 && !wcscmp(argv[1], L"run"))
    {
        if (!log_line("S %u %u\n", round, history.next_op))
            return fail("writing the log", HRESULT_FROM_WIN32(GetLastError()));
        ret = write_records(graph, &model, &history, round, ops);
    }
    if (ret == 0 && (hr = PeerGraphClose(graph)) != S_OK) ret = fail("PeerGraphClose", hr);
    if (ret == 0 && (hr = PeerGraphShutdown()) != S_OK) ret = fail("PeerGraphShutdown", hr);
    CloseHandle(log_file);
    return ret;

usage:
    fprintf(stderr, "usage: crashwriter.exe create|delete GRAPH-ID PEER-ID DATABASE\n"
                    "       crashwriter.exe run|verify GRAPH-ID PEER-ID DATABASE LOG SEED ROUND [OPS]\n");
    return 2;
}
