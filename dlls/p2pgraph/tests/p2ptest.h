/*
 * Minimal conformance-test framework for the p2pgraph tests.
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
 * Header-only; include it in exactly one .c file per test program.
 * The programs are ordinary Windows executables: on Windows they check the
 * documented behaviour of the real P2PGraph.dll, under Wine they check ours.
 *
 *   ok(cond, fmt, ...)    one check; prints "file.c:LINE: Test failed: msg" when cond is false
 *   trace(fmt, ...)       informational line
 *   skip(fmt, ...)        a group of checks could not run
 *   win_skip(fmt, ...)    same as skip
 *   broken(cond)          cond on Windows, 0 under Wine: accepts a known Windows deviation
 *   todo_wine ...         statement prefix; under Wine a failing ok() inside is counted as
 *                         "todo" and a passing one is a failure; no effect on Windows
 *   todo_wine_if(cond)    todo_wine only when cond is true
 *   START_TEST(name)      defines the test body and main()
 *   p2ptest_get_mainargs(&argv)
 *                         the program's arguments without the subtest name (see below)
 *   p2ptest_child_command(buf, size, fmt, ...)
 *                         a command line that starts this same test again in a new process:
 *                         "EXE" [SUBTEST] followed by the formatted arguments
 *   p2ptest_create_process(command, &pi)
 *                         starts it, writing to our standard output and error
 *
 * Built on its own, each test is a program of its own (contract.exe, ...).  Built with
 * P2PTEST_SUITE defined, START_TEST defines p2ptest_main_NAME() instead of main() and the
 * tests are linked into one program, p2pgraph_test.exe (suite.c), which runs one of them
 * when its first argument is that subtest's name.  Tests that start peer processes of
 * their own use p2ptest_get_mainargs() and p2ptest_child_command(), which hide the
 * difference: argv[1] is the first argument after the subtest name in either build.
 *
 * The last line of output is "NAME: N tests executed (T marked as todo, F failures), S skipped."
 * and the exit code is F (at most 255).  A crash or a hang (P2PTEST_TIMEOUT seconds,
 * default 120) counts as one more failure and still prints the summary line.
 * Set WINETEST_REPORT_SUCCESS=1 to also print passing checks.
 */

#ifndef P2PTEST_H
#define P2PTEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#ifdef __GNUC__
# define P2PTEST_UNUSED __attribute__((unused))
# ifdef __MINGW_PRINTF_FORMAT
   /* the same printf flavour as the vsnprintf we call */
#  define P2PTEST_PRINTF(fmt, args) __attribute__((format(__MINGW_PRINTF_FORMAT, fmt, args)))
# else
#  define P2PTEST_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
# endif
# define P2PTEST_THREAD __thread
#else
# define P2PTEST_UNUSED
# define P2PTEST_PRINTF(fmt, args)
# define P2PTEST_THREAD __declspec(thread)
#endif

#define P2PTEST_DEFAULT_TIMEOUT 120

static const char *p2ptest_name = "p2ptest";
/* the subtest's name in p2pgraph_test.exe; empty in a program of its own */
static P2PTEST_UNUSED const char *p2ptest_subtest = "";
static int p2ptest_argc;
static char **p2ptest_argv;
static int p2ptest_report_success;
static volatile LONG p2ptest_is_wine_state = -1;

/* ok() may be called from several threads at once */
static volatile LONG p2ptest_passed;
static volatile LONG p2ptest_failed;
static volatile LONG p2ptest_todo;
static volatile LONG p2ptest_skipped;
static volatile LONG p2ptest_finished;

/* todo state belongs to the calling thread, as it does in Wine's framework */
static P2PTEST_THREAD unsigned int p2ptest_todo_level;
static P2PTEST_THREAD int p2ptest_todo_do_loop;

static P2PTEST_UNUSED int p2ptest_platform_is_wine(void)
{
    if (p2ptest_is_wine_state < 0)
    {
        HMODULE ntdll = GetModuleHandleA("ntdll.dll");
        LONG is_wine = ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
        InterlockedExchange(&p2ptest_is_wine_state, is_wine);
    }
    return p2ptest_is_wine_state > 0;
}

#define winetest_platform_is_wine (p2ptest_platform_is_wine())
#define winetest_platform_is_windows (!p2ptest_platform_is_wine())

static P2PTEST_UNUSED const char *p2ptest_basename(const char *file)
{
    const char *p, *base = file;

    for (p = file; *p; p++)
        if (*p == '/' || *p == '\\') base = p + 1;
    return base;
}

/* One fputs per line: the stream lock keeps lines of different threads whole. */
static P2PTEST_UNUSED void p2ptest_vprint(const char *file, int line, const char *kind,
                                          const char *fmt, va_list args)
{
    char buffer[2048];
    int len;

    len = snprintf(buffer, sizeof(buffer), "%s:%d: %s", p2ptest_basename(file), line, kind);
    if (len < 0 || len >= (int)sizeof(buffer)) len = 0;
    vsnprintf(buffer + len, sizeof(buffer) - len, fmt, args);
    buffer[sizeof(buffer) - 1] = 0;
    fputs(buffer, stdout);
    fflush(stdout);
}

static P2PTEST_UNUSED P2PTEST_PRINTF(4, 5)
void p2ptest_print(const char *file, int line, const char *kind, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    p2ptest_vprint(file, line, kind, fmt, args);
    va_end(args);
}

static P2PTEST_UNUSED P2PTEST_PRINTF(4, 5)
int p2ptest_ok(const char *file, int line, int condition, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    if (p2ptest_todo_level)
    {
        if (condition)
        {
            p2ptest_vprint(file, line, "Test succeeded inside todo block: ", fmt, args);
            InterlockedIncrement(&p2ptest_failed);
        }
        else
        {
            p2ptest_vprint(file, line, "Test marked todo: ", fmt, args);
            InterlockedIncrement(&p2ptest_todo);
        }
    }
    else if (!condition)
    {
        p2ptest_vprint(file, line, "Test failed: ", fmt, args);
        InterlockedIncrement(&p2ptest_failed);
    }
    else
    {
        if (p2ptest_report_success)
            p2ptest_print(file, line, "", "%s", "Test succeeded\n");
        InterlockedIncrement(&p2ptest_passed);
    }
    va_end(args);
    return condition;
}

static P2PTEST_UNUSED P2PTEST_PRINTF(3, 4)
void p2ptest_trace(const char *file, int line, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    p2ptest_vprint(file, line, "", fmt, args);
    va_end(args);
}

static P2PTEST_UNUSED P2PTEST_PRINTF(3, 4)
void p2ptest_skip(const char *file, int line, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    p2ptest_vprint(file, line, "Tests skipped: ", fmt, args);
    va_end(args);
    InterlockedIncrement(&p2ptest_skipped);
}

static P2PTEST_UNUSED void p2ptest_start_todo(int is_todo)
{
    p2ptest_todo_level = (p2ptest_todo_level << 1) | (is_todo != 0);
    p2ptest_todo_do_loop = 1;
}

/* true exactly once per todo block: makes the for-statement of todo_if() run its body once */
static P2PTEST_UNUSED int p2ptest_loop_todo(void)
{
    int do_loop = p2ptest_todo_do_loop;

    p2ptest_todo_do_loop = 0;
    return do_loop;
}

static P2PTEST_UNUSED void p2ptest_end_todo(void)
{
    p2ptest_todo_level >>= 1;
}

#define ok(cond, ...) p2ptest_ok(__FILE__, __LINE__, !!(cond), __VA_ARGS__)
#define trace(...) p2ptest_trace(__FILE__, __LINE__, __VA_ARGS__)
#define skip(...) p2ptest_skip(__FILE__, __LINE__, __VA_ARGS__)
#define win_skip(...) p2ptest_skip(__FILE__, __LINE__, __VA_ARGS__)

#define broken(cond) (winetest_platform_is_windows && (cond))

/* Do not leave a todo block with break, goto or return: its level would not be popped. */
#define todo_if(is_todo) for (p2ptest_start_todo(is_todo); p2ptest_loop_todo(); p2ptest_end_todo())
#define todo_wine todo_if(winetest_platform_is_wine)
#define todo_wine_if(is_todo) todo_if((is_todo) && winetest_platform_is_wine)

/* p2pgraph_test.exe learns a subtest's counts from a file named in P2PTEST_RESULTS.
 * Only the subtest's own process writes it: the variable is taken out of the
 * environment before any peer process could inherit it. */
static char p2ptest_results_file[MAX_PATH];

static P2PTEST_UNUSED void p2ptest_take_results_file(void)
{
    DWORD len = GetEnvironmentVariableA("P2PTEST_RESULTS", p2ptest_results_file, sizeof(p2ptest_results_file));

    if (!len || len >= sizeof(p2ptest_results_file)) p2ptest_results_file[0] = 0;
    SetEnvironmentVariableA("P2PTEST_RESULTS", NULL);
}

static P2PTEST_UNUSED void p2ptest_write_results(LONG executed, LONG todo, LONG failed, LONG skipped)
{
    FILE *file;

    if (!p2ptest_results_file[0] || !(file = fopen(p2ptest_results_file, "w"))) return;
    fprintf(file, "%ld %ld %ld %ld\n", executed, todo, failed, skipped);
    fclose(file);
}

/* Prints the summary line once (whichever of main, crash handler or watchdog gets here first)
 * and returns the exit code. */
static P2PTEST_UNUSED int p2ptest_summary(void)
{
    LONG failed;

    if (InterlockedExchange(&p2ptest_finished, 1)) return -1;
    failed = p2ptest_failed;
    printf("%s: %ld tests executed (%ld marked as todo, %ld failures), %ld skipped.\n",
           p2ptest_name, p2ptest_passed + failed + p2ptest_todo, p2ptest_todo, failed,
           p2ptest_skipped);
    fflush(stdout);
    p2ptest_write_results(p2ptest_passed + failed + p2ptest_todo, p2ptest_todo, failed, p2ptest_skipped);
    return failed > 255 ? 255 : (int)failed;
}

static P2PTEST_UNUSED void p2ptest_abort_run(void)
{
    int code;

    InterlockedIncrement(&p2ptest_failed);
    code = p2ptest_summary();
    if (code < 0) return;  /* another thread is already finishing */
    TerminateProcess(GetCurrentProcess(), code);
}

static P2PTEST_UNUSED LONG WINAPI p2ptest_exception_filter(EXCEPTION_POINTERS *info)
{
    printf("%s: Test failed: unhandled exception %08lx at %p\n", p2ptest_name,
           info->ExceptionRecord->ExceptionCode, info->ExceptionRecord->ExceptionAddress);
    fflush(stdout);
    p2ptest_abort_run();
    return EXCEPTION_EXECUTE_HANDLER;
}

static P2PTEST_UNUSED DWORD WINAPI p2ptest_watchdog(void *arg)
{
    DWORD seconds = (DWORD)(ULONG_PTR)arg;

    Sleep(seconds * 1000);
    if (p2ptest_finished) return 0;
    printf("%s: Test failed: timed out after %lu seconds\n", p2ptest_name, seconds);
    fflush(stdout);
    p2ptest_abort_run();
    return 0;
}

static P2PTEST_UNUSED int p2ptest_run(const char *name, void (*body)(void))
{
    const char *env;
    DWORD timeout = P2PTEST_DEFAULT_TIMEOUT;
    HANDLE thread;
    int code;

    setvbuf(stdout, NULL, _IONBF, 0);
    p2ptest_name = name;
    p2ptest_platform_is_wine();
    if ((env = getenv("WINETEST_REPORT_SUCCESS"))) p2ptest_report_success = atoi(env);
    if ((env = getenv("P2PTEST_TIMEOUT")) && atoi(env) > 0) timeout = atoi(env);

    SetUnhandledExceptionFilter(p2ptest_exception_filter);
    thread = CreateThread(NULL, 0, p2ptest_watchdog, (void *)(ULONG_PTR)timeout, 0, NULL);
    if (thread) CloseHandle(thread);

    body();
    code = p2ptest_summary();
    if (code < 0) Sleep(INFINITE);  /* the watchdog or crash handler is terminating the process */
    return code;
}

static P2PTEST_UNUSED int p2ptest_get_mainargs(char ***argv)
{
    *argv = p2ptest_argv;
    return p2ptest_argc;
}

/* "EXE" [SUBTEST] ARGS: a command line for CreateProcess that runs this test again. */
static P2PTEST_UNUSED P2PTEST_PRINTF(3, 4)
BOOL p2ptest_child_command(char *buffer, size_t size, const char *fmt, ...)
{
    char exe[MAX_PATH];
    va_list args;
    DWORD len;
    int used, more;

    len = GetModuleFileNameA(NULL, exe, sizeof(exe));
    if (!len || len >= sizeof(exe)) return FALSE;
    used = snprintf(buffer, size, "\"%s\" %s%s", exe, p2ptest_subtest, *p2ptest_subtest ? " " : "");
    if (used < 0 || (size_t)used >= size) return FALSE;
    va_start(args, fmt);
    more = vsnprintf(buffer + used, size - used, fmt, args);
    va_end(args);
    return more >= 0 && (size_t)more < size - used;
}

/* CreateProcess for a peer process (or a subtest): it writes to our standard output
 * and error even when they are a file or a pipe, which a plain CreateProcess without
 * inheritance would leave it without on Windows. */
static P2PTEST_UNUSED BOOL p2ptest_create_process(char *command, PROCESS_INFORMATION *pi)
{
    static const DWORD which[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE};
    HANDLE handles[3];
    STARTUPINFOA si;
    int i;

    for (i = 0; i < 3; i++)
    {
        handles[i] = GetStdHandle(which[i]);
        if (handles[i] && handles[i] != INVALID_HANDLE_VALUE)
            SetHandleInformation(handles[i], HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
    }
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = handles[0];
    si.hStdOutput = handles[1];
    si.hStdError = handles[2];
    return CreateProcessA(NULL, command, NULL, NULL, TRUE, 0, NULL, NULL, &si, pi);
}

#ifdef P2PTEST_SUITE
/* argv[1] is the subtest's name: the test sees the arguments after it. */
# define START_TEST(name) \
    static void p2ptest_body_##name(void); \
    int p2ptest_main_##name(int argc, char **argv) \
    { \
        static char *args[64]; \
        int i, count = 0; \
        args[count++] = argv[0]; \
        for (i = 2; i < argc && count < 63; i++) args[count++] = argv[i]; \
        args[count] = NULL; \
        p2ptest_argc = count; \
        p2ptest_argv = args; \
        p2ptest_subtest = #name; \
        p2ptest_take_results_file(); \
        return p2ptest_run(#name, p2ptest_body_##name); \
    } \
    static void p2ptest_body_##name(void)
#else
# define START_TEST(name) \
    static void p2ptest_body_##name(void); \
    int main(int argc, char **argv) \
    { \
        p2ptest_argc = argc; \
        p2ptest_argv = argv; \
        return p2ptest_run(#name, p2ptest_body_##name); \
    } \
    static void p2ptest_body_##name(void)
#endif

/* Helpers the graph tests share. */

static inline ULONGLONG ft_to_ull(const FILETIME *ft)
{
    return ((ULONGLONG)ft->dwHighDateTime << 32) | ft->dwLowDateTime;
}

static inline FILETIME ull_to_ft(ULONGLONG value)
{
    FILETIME ft;

    ft.dwLowDateTime = (DWORD)value;
    ft.dwHighDateTime = (DWORD)(value >> 32);
    return ft;
}

static inline const char *dbgstr_guid(const GUID *guid)
{
    static char buffers[4][64];
    static unsigned int index;
    char *buffer = buffers[index++ % 4];

    if (!guid) return "(null)";
    snprintf(buffer, 64, "{%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}", guid->Data1, guid->Data2,
             guid->Data3, guid->Data4[0], guid->Data4[1], guid->Data4[2], guid->Data4[3], guid->Data4[4],
             guid->Data4[5], guid->Data4[6], guid->Data4[7]);
    return buffer;
}

/* A wide string for a message, quoted (the last four stay valid). */
static inline const char *dbgstr_w(const WCHAR *str)
{
    static char buffers[4][400];
    static unsigned int index;
    char *buffer = buffers[index++ % 4];

    if (!str) return "(null)";
    buffer[0] = '"';
    WideCharToMultiByte(CP_ACP, 0, str, -1, buffer + 1, 390, NULL, NULL);
    buffer[390] = 0;
    strcat(buffer, "\"");
    return buffer;
}

static inline BOOL guid_equal(const GUID *a, const GUID *b)
{
    return !memcmp(a, b, sizeof(*a));
}

#endif /* P2PTEST_H */
