/*
 * Fuzz replay: drives a libFuzzer target without libFuzzer, with any C++ compiler
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
 * Usage: replay-NAME [--inputs N] [--seconds S] [--max-len N] [--crash-file PATH] SEED_DIR...
 *
 * Linked with one fuzz/fuzz_*.cpp, so that make check can run every target
 * where there is no clang (CI): each file of the seed folders once, then
 * mutations of them (bit flips, interesting integers, erased, inserted and
 * spliced bytes) from a fixed-seed generator, until N inputs (default
 * 20000) or S seconds (default 3) are done.  The sequence of inputs is the
 * same on every run, so a failure replays.  An input that makes the target
 * abort, crash or throw is written to the crash file (default
 * ./replay-crash) before the process dies; with sanitizers that happens
 * through their death callback.  Exit status 0 when every input ran.
 */

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);
/* Present only in a sanitizer runtime (GCC's and clang's alike). */
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

namespace {

using Bytes = std::vector<std::uint8_t>;

struct Seed {
    std::string name;
    Bytes bytes;
};

/* What the crash handlers need, set before each input runs. */
const char *g_program = "replay";
const char *g_crash_file = "replay-crash";
const Bytes *g_current = nullptr;
std::size_t g_index = 0;
const char *g_origin = "";

void say(const char *text)
{
    ssize_t ignored = ::write(2, text, std::strlen(text));
    (void)ignored;
}

/* Async-signal-safe: open/write/close only. */
void save_current_input()
{
    static bool saved = false;
    if (saved || !g_current) return;
    saved = true;
    char number[32];
    std::size_t n = 0;
    std::size_t v = g_index;
    char reversed[32];
    do reversed[n++] = static_cast<char>('0' + v % 10);
    while ((v /= 10) && n < sizeof(reversed));
    for (std::size_t i = 0; i < n; ++i) number[i] = reversed[n - 1 - i];
    number[n] = 0;
    say(g_program);
    say(": input #");
    say(number);
    say(" (from ");
    say(g_origin);
    say(") failed; it is in ");
    say(g_crash_file);
    say("\n");
    int fd = ::open(g_crash_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    const std::uint8_t *p = g_current->data();
    std::size_t left = g_current->size();
    while (left) {
        ssize_t w = ::write(fd, p, left);
        if (w <= 0) break;
        p += w;
        left -= static_cast<std::size_t>(w);
    }
    ::close(fd);
}

void on_fatal_signal(int sig)
{
    save_current_input();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

/* xorshift64 with a fixed seed: every run mutates the same way. */
struct Rng {
    std::uint64_t state = 0x2545f4914f6cdd1dull;
    std::uint64_t next()
    {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    }
    std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(next() % n) : 0; }
};

void put_int(Bytes &b, std::size_t at, std::uint64_t v, int width, bool big_endian)
{
    for (int i = 0; i < width && at + i < b.size(); ++i) {
        int shift = big_endian ? 8 * (width - 1 - i) : 8 * i;
        b[at + i] = static_cast<std::uint8_t>(v >> shift);
    }
}

std::uint64_t interesting_int(Rng &rng, std::size_t size)
{
    const std::uint64_t values[] = {0,      1,          2,          4,          16,         0x7f,       0x80,
                                    0xff,   0x100,      0x7fff,     0x8000,     0xffff,     0x10000,    0x7fffffff,
                                    0x80000000, 0xffffffff, size,   size - 1,   size + 1,   size / 2};
    return values[rng.below(sizeof(values) / sizeof(values[0]))];
}

/* One to four of libFuzzer's kinds of change, stacked. */
void mutate(Bytes &b, Rng &rng, const std::vector<Seed> &seeds, std::size_t max_len)
{
    static const std::uint8_t kInterestingBytes[] = {0, 1, 0x7f, 0x80, 0xff, '<', '>', '"', '&', ' ', '/', '\\'};
    const int changes = 1 + static_cast<int>(rng.below(4));
    for (int c = 0; c < changes; ++c) {
        const std::size_t size = b.size();
        const std::size_t at = rng.below(size + 1); /* an insertion point */
        const std::size_t in = size ? rng.below(size) : 0; /* an existing byte */
        switch (size ? rng.below(12) : 4) {
        case 0: b[in] ^= static_cast<std::uint8_t>(1u << rng.below(8)); break;
        case 1: b[in] = static_cast<std::uint8_t>(rng.next()); break;
        case 2: b[in] = kInterestingBytes[rng.below(sizeof(kInterestingBytes))]; break;
        case 3: b.erase(b.begin() + in, b.begin() + in + std::min<std::size_t>(1 + rng.below(16), size - in)); break;
        case 4: {
            std::size_t n = 1 + rng.below(8);
            for (std::size_t i = 0; i < n; ++i) b.insert(b.begin() + std::min(at + i, b.size()), rng.next() & 0xff);
            break;
        }
        case 5: b.insert(b.begin() + at, 1 + rng.below(64), static_cast<std::uint8_t>(rng.next())); break;
        case 6: {
            std::size_t from = rng.below(size), n = 1 + rng.below(std::min<std::size_t>(size - from, 32));
            Bytes chunk(b.begin() + from, b.begin() + from + n);
            std::copy(chunk.begin(), chunk.begin() + std::min(n, size - in), b.begin() + in);
            break;
        }
        case 7: {
            int width = rng.below(2) ? 4 : 2;
            put_int(b, in, interesting_int(rng, size), width, rng.below(4) != 0);
            break;
        }
        case 8: {
            std::int64_t delta = static_cast<std::int64_t>(rng.below(33)) - 16;
            if (rng.below(2) || in + 4 > size) {
                b[in] = static_cast<std::uint8_t>(b[in] + delta);
            } else {
                std::uint32_t v = std::uint32_t(b[in]) << 24 | std::uint32_t(b[in + 1]) << 16 |
                                  std::uint32_t(b[in + 2]) << 8 | b[in + 3];
                put_int(b, in, v + static_cast<std::uint32_t>(delta), 4, true);
            }
            break;
        }
        case 9: {
            const Bytes &other = seeds[rng.below(seeds.size())].bytes;
            if (other.empty()) break;
            std::size_t from = rng.below(other.size()), n = 1 + rng.below(std::min<std::size_t>(other.size() - from, 64));
            b.insert(b.begin() + at, other.begin() + from, other.begin() + from + n);
            break;
        }
        case 10: {
            const Bytes &other = seeds[rng.below(seeds.size())].bytes;
            std::size_t from = rng.below(other.size() + 1);
            b.resize(at);
            b.insert(b.end(), other.begin() + from, other.end());
            break;
        }
        default: b.resize(in); break;
        }
        if (b.size() > max_len) b.resize(max_len);
    }
}

bool read_file(const std::string &path, Bytes *out)
{
    FILE *f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    out->clear();
    std::uint8_t buffer[65536];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) out->insert(out->end(), buffer, buffer + n);
    bool ok = !std::ferror(f);
    std::fclose(f);
    return ok;
}

bool read_seeds(const std::string &dir, std::vector<Seed> *seeds)
{
    DIR *d = ::opendir(dir.c_str());
    if (!d) {
        std::perror(dir.c_str());
        return false;
    }
    std::vector<std::string> names;
    while (dirent *e = ::readdir(d)) {
        std::string path = dir + "/" + e->d_name;
        struct stat st;
        if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) names.push_back(e->d_name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const std::string &name : names) {
        Seed seed{dir + "/" + name, {}};
        if (!read_file(seed.name, &seed.bytes)) {
            std::perror(seed.name.c_str());
            return false;
        }
        seeds->push_back(std::move(seed));
    }
    return true;
}

void run(const Bytes &input, std::size_t index, const char *origin)
{
    g_current = &input;
    g_index = index;
    g_origin = origin;
    try {
        /* A copy of exactly the input's size, as libFuzzer gives, so that
         * reading past the end is a bug the sanitizers can see. */
        std::uint8_t *copy = new std::uint8_t[input.size() ? input.size() : 1];
        std::copy(input.begin(), input.end(), copy);
        LLVMFuzzerTestOneInput(copy, input.size());
        delete[] copy;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s: exception escaped the target: %s\n", g_program, e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "%s: exception escaped the target\n", g_program);
        std::abort();
    }
}

int usage()
{
    std::fprintf(stderr,
                 "usage: %s [--inputs N] [--seconds S] [--max-len N] [--crash-file PATH] SEED_DIR...\n", g_program);
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    const char *slash = std::strrchr(argv[0], '/');
    g_program = slash ? slash + 1 : argv[0];
    std::size_t max_inputs = 20000, max_len = 8192;
    double max_seconds = 3;
    std::vector<std::string> dirs;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        bool has_value = i + 1 < argc;
        if (arg == "--inputs" && has_value)
            max_inputs = std::strtoul(argv[++i], nullptr, 10);
        else if (arg == "--seconds" && has_value)
            max_seconds = std::strtod(argv[++i], nullptr);
        else if (arg == "--max-len" && has_value)
            max_len = std::strtoul(argv[++i], nullptr, 10);
        else if (arg == "--crash-file" && has_value)
            g_crash_file = argv[++i];
        else if (!arg.empty() && arg[0] == '-')
            return usage();
        else
            dirs.push_back(arg);
    }
    if (dirs.empty()) return usage();

    std::vector<Seed> seeds;
    for (const std::string &dir : dirs)
        if (!read_seeds(dir, &seeds)) return 2;
    if (seeds.empty()) {
        std::fprintf(stderr, "%s: no seeds in the given folders\n", g_program);
        return 2;
    }

    for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, on_fatal_signal);
    if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(save_current_input);

    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&start] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    std::size_t index = 0;
    for (const Seed &seed : seeds) run(seed.bytes, index++, seed.name.c_str());

    Rng rng;
    std::size_t mutated = 0;
    Bytes input;
    while (index < max_inputs) {
        /* The clock is read now and then: it costs as much as a small input. */
        if (mutated % 64 == 0 && elapsed() >= max_seconds) break;
        const Seed &seed = seeds[rng.below(seeds.size())];
        input = seed.bytes;
        mutate(input, rng, seeds, std::max(max_len, seed.bytes.size()));
        run(input, index++, seed.name.c_str());
        ++mutated;
    }
    g_current = nullptr;
    std::printf("%s: %zu seeds and %zu mutations of them in %.1f s\n", g_program, seeds.size(), mutated, elapsed());
    return 0;
}
