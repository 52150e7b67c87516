/*
 * Benchmark baseline: round-trip time of a small message over raw TCP between two native processes
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

/* Usage: tcp-rtt-baseline COUNT SIZE [INTERVAL-MS]
 *
 * The baseline for bench/run-flood: a forked echo process accepts one
 * connection on [::1]; the parent sends a message of SIZE bytes, waits until
 * all of it came back, COUNT times (after 100 unmeasured warm-up rounds),
 * with TCP_NODELAY on both ends as the DLL sets on its links.  With
 * INTERVAL-MS the parent sleeps that long between rounds, as the flood
 * sender does between records (an idle loopback path and sleeping processes
 * answer more slowly than a hot loop).  Prints
 *   "tcp-rtt SIZE COUNT P50-US P99-US MEAN-US"
 * percentiles by nearest rank. */

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loopback_pair.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

constexpr int kWarmUp = 100;

double now_us()
{
    using namespace std::chrono;
    return duration<double, std::micro>(steady_clock::now().time_since_epoch()).count();
}

/* false at end of stream */
bool read_all(int fd, unsigned char *buffer, std::size_t size)
{
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = recv(fd, buffer + done, size - done, 0);
        if (n < 0) die("recv");
        if (n == 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

void write_all(int fd, const unsigned char *buffer, std::size_t size)
{
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = send(fd, buffer + done, size - done, MSG_NOSIGNAL);
        if (n < 0) die("send");
        done += static_cast<std::size_t>(n);
    }
}

void echo(int listener, std::size_t size)
{
    int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) die("accept");
    set_nodelay(fd);
    std::vector<unsigned char> buffer(size);
    while (read_all(fd, buffer.data(), size)) write_all(fd, buffer.data(), size);
    close(fd);
}

double percentile(const std::vector<double> &sorted, double p)
{
    std::size_t rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
    return sorted[std::min(sorted.size(), std::max<std::size_t>(rank, 1)) - 1];
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        std::fprintf(stderr, "usage: tcp-rtt-baseline COUNT SIZE [INTERVAL-MS]\n");
        return 2;
    }
    long count = std::atol(argv[1]);
    long size = std::atol(argv[2]);
    double interval_ms = argc > 3 ? std::atof(argv[3]) : 0;
    if (count < 1 || size < 1 || size > (1 << 20) || interval_ms < 0) {
        std::fprintf(stderr, "tcp-rtt-baseline: bad arguments\n");
        return 2;
    }

    pid_t child = 0;
    int fd = loopback_pair([size](int listener) { echo(listener, static_cast<std::size_t>(size)); }, &child);
    set_nodelay(fd);
    std::vector<unsigned char> message(static_cast<std::size_t>(size)), answer(message.size());
    for (std::size_t i = 0; i < message.size(); i++) message[i] = static_cast<unsigned char>(i * 7);
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(count));
    for (long round = 0; round < kWarmUp + count; round++) {
        if (interval_ms > 0 && round >= kWarmUp)
            std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(interval_ms));
        double start = now_us();
        write_all(fd, message.data(), message.size());
        if (!read_all(fd, answer.data(), answer.size())) {
            std::fprintf(stderr, "tcp-rtt-baseline: the echo process closed the connection\n");
            return 1;
        }
        if (round >= kWarmUp) samples.push_back(now_us() - start);
    }
    close(fd);
    if (!child_succeeded(child)) {
        std::fprintf(stderr, "tcp-rtt-baseline: the echo process failed\n");
        return 1;
    }
    double sum = 0;
    for (double s : samples) sum += s;
    std::sort(samples.begin(), samples.end());
    std::printf("tcp-rtt %ld %ld %.1f %.1f %.1f\n", size, count, percentile(samples, 0.50), percentile(samples, 0.99),
                sum / static_cast<double>(samples.size()));
    return 0;
}
