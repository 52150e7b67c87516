/*
 * Benchmark baseline: streaming length-prefixed messages over raw TCP between two native processes
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

/* Usage: tcp-baseline SECONDS SIZE [SIZE...]
 *
 * What bench/direct-throughput.exe does through the graphing API, done on a
 * plain socket: for each SIZE a forked receiver accepts one connection on
 * [::1], the parent streams messages of SIZE bytes, each behind a 4-byte
 * length, one send() per message, for SECONDS, then closes.  The receiver
 * reads through a buffer, delivers each message whole (contiguous, as an
 * INCOMING_DATA event does), reads every byte of it (checksum.h) and prints
 *   "tcp SIZE RECEIVED BYTES SECONDS SUM_A SUM_B"
 * SECONDS from the first message to the last; then the sender prints
 *   "tcp-sent SIZE SENT SUM_A SUM_B" (the checksum of what it sent).  TCP_NODELAY is set on both
 * ends, as the DLL does on its connections; P2PGRAPH_BENCH_NAGLE=1 leaves
 * Nagle's algorithm on instead. */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checksum.h"
#include "loopback_pair.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

double now_seconds()
{
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

/* TCP_NODELAY unless P2PGRAPH_BENCH_NAGLE=1 asks for Nagle's algorithm. */
void nodelay_unless_nagle(int fd)
{
    const char *nagle = std::getenv("P2PGRAPH_BENCH_NAGLE");
    if (!nagle || std::strcmp(nagle, "1") != 0) set_nodelay(fd);
}

void receive(int listener, std::uint32_t size)
{
    int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) die("accept");
    nodelay_unless_nagle(fd);
    /* Room for a few whole messages; a partial one moves to the front. */
    std::vector<std::uint8_t> buffer(std::max<std::size_t>(256 * 1024, 4 * (size + 4)));
    std::size_t start = 0, end = 0;
    std::uint64_t received = 0, bytes = 0;
    bench_sum sum = {0, 0};
    double first = 0, last = 0;
    for (;;) {
        ssize_t n = recv(fd, buffer.data() + end, buffer.size() - end, 0);
        if (n < 0) die("recv");
        if (n == 0) break;
        end += static_cast<std::size_t>(n);
        while (end - start >= 4) {
            std::uint32_t length;
            std::memcpy(&length, buffer.data() + start, 4);
            length = ntohl(length);
            if (length + 4 > buffer.size()) {
                std::fprintf(stderr, "tcp-baseline: message of %u bytes\n", length);
                std::exit(1);
            }
            if (end - start < 4 + length) break;
            const std::uint8_t *message = buffer.data() + start + 4;
            last = now_seconds();
            if (!received++) first = last;
            bytes += length;
            bench_sum_bytes(&sum, message, length);
            start += 4 + length;
        }
        if (start == end) {
            start = end = 0;
        } else if (buffer.size() - end < size + 4) {
            std::memmove(buffer.data(), buffer.data() + start, end - start);
            end -= start;
            start = 0;
        }
    }
    std::printf("tcp %u %llu %llu %.6f %llu %llu\n", size, static_cast<unsigned long long>(received),
                static_cast<unsigned long long>(bytes), last - first, sum.a, sum.b);
    std::fflush(stdout);
    close(fd);
}

std::uint64_t send_for(int fd, std::uint32_t size, double seconds, bench_sum *sum)
{
    std::vector<std::uint8_t> message(4 + size);
    std::uint32_t length = htonl(size);
    std::memcpy(message.data(), &length, 4);
    for (std::uint32_t i = 0; i < size; i++) message[4 + i] = i < 8 ? 0 : static_cast<std::uint8_t>(i * 7);
    bench_sum base = {0, 0};
    bench_sum_bytes(&base, message.data() + 4, size);
    std::uint64_t sent = 0;
    double deadline = now_seconds() + seconds;
    do {
        std::memcpy(message.data() + 4, &sent, std::min<std::size_t>(size, sizeof(sent)));
        std::size_t done = 0;
        while (done < message.size()) {
            ssize_t n = send(fd, message.data() + done, message.size() - done, MSG_NOSIGNAL);
            if (n < 0) die("send");
            done += static_cast<std::size_t>(n);
        }
        bench_sum_with_seq(sum, &base, size, sent);
        sent++;
    } while (now_seconds() < deadline);
    return sent;
}

void run(std::uint32_t size, double seconds)
{
    pid_t child = 0;
    int fd = loopback_pair([size](int listener) { receive(listener, size); }, &child);
    nodelay_unless_nagle(fd);
    bench_sum sum = {0, 0};
    std::uint64_t sent = send_for(fd, size, seconds, &sum);
    close(fd);
    if (!child_succeeded(child)) {
        std::fprintf(stderr, "tcp-baseline: the receiver failed\n");
        std::exit(1);
    }
    std::printf("tcp-sent %u %llu %llu %llu\n", size, static_cast<unsigned long long>(sent), sum.a, sum.b);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: tcp-baseline SECONDS SIZE [SIZE...]\n");
        return 2;
    }
    double seconds = std::atof(argv[1]);
    for (int i = 2; i < argc; i++) {
        unsigned long size = std::strtoul(argv[i], nullptr, 10);
        if (size < 1 || size > (64u << 20)) {
            std::fprintf(stderr, "tcp-baseline: bad size %s\n", argv[i]);
            return 2;
        }
        run(static_cast<std::uint32_t>(size), seconds);
    }
    return 0;
}
