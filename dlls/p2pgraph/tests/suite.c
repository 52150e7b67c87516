/*
 * p2pgraph_test.exe: every conformance test of dlls/p2pgraph/tests in one program.
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
 * Like Wine's winetest programs: each test file is a subtest, built with
 * P2PTEST_SUITE so that its START_TEST defines p2ptest_main_NAME().
 *
 *   p2pgraph_test.exe -l          lists the subtests
 *   p2pgraph_test.exe NAME [...]  runs one subtest in this process (its peer
 *                                 processes are this program again)
 *   p2pgraph_test.exe [-s]        runs every subtest, each in a process of its
 *                                 own, one after another; -s stops at the first
 *                                 subtest that fails
 *
 * Each subtest prints its own lines and its summary line
 * "NAME: N tests executed (T marked as todo, F failures), S skipped." as the
 * separate test programs do; a run of all of them ends with one line per
 * subtest and the total.  The exit code is the number of failures of the
 * subtest run, or the number of failed subtests of a run of all (at most 255).
 */

#include "p2ptest.h"

/* the list the Makefile makes: P2PTEST_SUBTEST(name) for every test file */
#define P2PTEST_SUBTEST(name) int p2ptest_main_##name(int argc, char **argv);
#include "suite-list.h"
#undef P2PTEST_SUBTEST

struct subtest
{
    const char *name;
    int (*main)(int argc, char **argv);
};

static const struct subtest subtests[] =
{
#define P2PTEST_SUBTEST(name) { #name, p2ptest_main_##name },
#include "suite-list.h"
#undef P2PTEST_SUBTEST
};

#define SUBTEST_COUNT (sizeof(subtests) / sizeof(subtests[0]))

/* a subtest's own watchdog ends it after P2PTEST_TIMEOUT seconds (default
 * 120); we give it this much longer before we end it ourselves */
#define GRACE_SECONDS 60

struct result
{
    BOOL ran;           /* a summary was written */
    long executed, todo, failed, skipped;
    DWORD exit_code;
    DWORD milliseconds;
};

static void usage(void)
{
    printf("Usage: p2pgraph_test.exe [-s]       run every subtest (-s: stop at the first failure)\n"
           "       p2pgraph_test.exe -l         list the subtests\n"
           "       p2pgraph_test.exe NAME       run one subtest\n"
           "Environment: P2PTEST_TIMEOUT (seconds per subtest, default 120),\n"
           "             WINETEST_REPORT_SUCCESS=1 (print passing checks too)\n");
}

static const struct subtest *find_subtest(const char *name)
{
    size_t i;

    for (i = 0; i < SUBTEST_COUNT; i++)
        if (!strcmp(subtests[i].name, name)) return &subtests[i];
    return NULL;
}

static DWORD subtest_timeout(void)
{
    const char *env = getenv("P2PTEST_TIMEOUT");
    long seconds = env ? atol(env) : 0;

    if (seconds <= 0 || seconds > 24 * 3600) seconds = 120;
    return (DWORD)seconds + GRACE_SECONDS;
}

/* Runs "EXE NAME" and reads the counts it leaves in a temporary file. */
static void run_subtest(const char *exe, const struct subtest *test, struct result *result)
{
    char temp_dir[MAX_PATH], results[MAX_PATH], command[2 * MAX_PATH];
    PROCESS_INFORMATION pi;
    DWORD start, wait;
    FILE *file;

    memset(result, 0, sizeof(*result));
    result->exit_code = 255;
    if (!GetTempPathA(sizeof(temp_dir), temp_dir) || !GetTempFileNameA(temp_dir, "p2p", 0, results))
    {
        printf("p2pgraph_test: cannot make a temporary file: %lu\n", GetLastError());
        return;
    }
    snprintf(command, sizeof(command), "\"%s\" %s", exe, test->name);

    start = GetTickCount();
    SetEnvironmentVariableA("P2PTEST_RESULTS", results);
    if (!p2ptest_create_process(command, &pi))
    {
        printf("p2pgraph_test: cannot start %s: %lu\n", command, GetLastError());
        SetEnvironmentVariableA("P2PTEST_RESULTS", NULL);
        DeleteFileA(results);
        return;
    }
    SetEnvironmentVariableA("P2PTEST_RESULTS", NULL);
    CloseHandle(pi.hThread);

    wait = WaitForSingleObject(pi.hProcess, subtest_timeout() * 1000);
    if (wait != WAIT_OBJECT_0)
    {
        printf("%s: Test failed: still running after %lu seconds, ended\n", test->name, subtest_timeout());
        TerminateProcess(pi.hProcess, 255);
        WaitForSingleObject(pi.hProcess, 10000);
    }
    GetExitCodeProcess(pi.hProcess, &result->exit_code);
    CloseHandle(pi.hProcess);
    result->milliseconds = GetTickCount() - start;

    if ((file = fopen(results, "r")))
    {
        if (fscanf(file, "%ld %ld %ld %ld", &result->executed, &result->todo, &result->failed,
                   &result->skipped) == 4)
            result->ran = TRUE;
        fclose(file);
    }
    DeleteFileA(results);
    fflush(stdout);
}

static BOOL result_failed(const struct result *result)
{
    return !result->ran || result->failed || result->exit_code;
}

static int run_all(const char *exe, BOOL stop_at_failure)
{
    struct result results[SUBTEST_COUNT];
    long executed = 0, todo = 0, failed = 0, skipped = 0;
    unsigned int failed_subtests = 0, run = 0;
    size_t i;

    printf("p2pgraph_test: %u subtests\n", (unsigned int)SUBTEST_COUNT);
    for (i = 0; i < SUBTEST_COUNT; i++)
    {
        printf("p2pgraph_test: running %s\n", subtests[i].name);
        fflush(stdout);
        run_subtest(exe, &subtests[i], &results[i]);
        run++;
        if (result_failed(&results[i]) && stop_at_failure)
        {
            failed_subtests++;
            break;
        }
        if (result_failed(&results[i])) failed_subtests++;
    }

    printf("\np2pgraph_test: results\n");
    for (i = 0; i < run; i++)
    {
        const struct result *r = &results[i];

        if (r->ran)
            printf("  %-4s %-12s %6ld tests executed (%ld marked as todo, %ld failures), %ld skipped, "
                   "exit code %lu, %lu.%01lu s\n", result_failed(r) ? "FAIL" : "ok", subtests[i].name,
                   r->executed, r->todo, r->failed, r->skipped, r->exit_code, r->milliseconds / 1000,
                   r->milliseconds % 1000 / 100);
        else
            printf("  FAIL %-12s no summary (crashed or ended), exit code %lu\n", subtests[i].name,
                   r->exit_code);
        executed += r->executed;
        todo += r->todo;
        failed += r->failed;
        skipped += r->skipped;
    }
    printf("p2pgraph_test: %u of %u subtests run, %u failed; %ld tests executed (%ld marked as todo, "
           "%ld failures), %ld skipped.\n", run, (unsigned int)SUBTEST_COUNT, failed_subtests, executed, todo,
           failed, skipped);
    fflush(stdout);
    return failed_subtests > 255 ? 255 : (int)failed_subtests;
}

int main(int argc, char **argv)
{
    const struct subtest *test;
    char exe[MAX_PATH];
    DWORD len;
    size_t i;

    if (argc >= 2 && (!strcmp(argv[1], "-l") || !strcmp(argv[1], "--list")))
    {
        for (i = 0; i < SUBTEST_COUNT; i++) printf("%s\n", subtests[i].name);
        return 0;
    }
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "-?") || !strcmp(argv[1], "--help")))
    {
        usage();
        return 0;
    }
    if (argc == 1 || (argc == 2 && !strcmp(argv[1], "-s")))
    {
        setvbuf(stdout, NULL, _IONBF, 0);
        len = GetModuleFileNameA(NULL, exe, sizeof(exe));
        if (!len || len >= sizeof(exe))
        {
            printf("p2pgraph_test: cannot find my own path: %lu\n", GetLastError());
            return 255;
        }
        return run_all(exe, argc == 2);
    }
    if (!(test = find_subtest(argv[1])))
    {
        printf("p2pgraph_test: no subtest named %s (-l lists them)\n", argv[1]);
        return 255;
    }
    return test->main(argc, argv);
}
