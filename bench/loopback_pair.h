/*
 * Benchmark baselines: two native processes and one TCP connection on [::1]
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


/* The socket plumbing the native baselines (tcp-baseline, tcp-rtt-baseline,
 * tcp-sqlite-baseline) share: a listener on an ephemeral port of [::1], a
 * forked child that serves it, and the parent's connection to it. */

#ifndef P2PG_BENCH_LOOPBACK_PAIR_H
#define P2PG_BENCH_LOOPBACK_PAIR_H

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

[[noreturn]] inline void die(const char *what)
{
    std::perror(what);
    std::exit(1);
}

inline void set_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Listens on [::1], forks a child that runs serve(listener) and exits 0,
 * and returns the parent's connection to it (*child: the child's pid). */
template <typename Serve> int loopback_pair(Serve serve, pid_t *child)
{
    int listener = socket(AF_INET6, SOCK_STREAM, 0);
    if (listener < 0) die("socket");
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_addr = in6addr_loopback;
    socklen_t length = sizeof(address);
    if (bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof(address)) < 0 || listen(listener, 1) < 0 ||
        getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length) < 0)
        die("listen on [::1]");
    std::fflush(stdout);
    *child = fork();
    if (*child < 0) die("fork");
    if (*child == 0) {
        serve(listener);
        _exit(0);
    }
    close(listener);
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address)) < 0) die("connect to [::1]");
    return fd;
}

/* Whether the child ended with exit code 0. */
inline bool child_succeeded(pid_t child)
{
    int status = 0;
    return waitpid(child, &status, 0) >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

#endif
