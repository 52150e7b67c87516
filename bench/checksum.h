/*
 * Benchmarks: a checksum of every byte a receiver is handed (C and C++)
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

/* A Fletcher-style sum over 64-bit words (the last one zero-padded):
 * a = sum of the words, b = sum of the running a.  Receivers sum every
 * message they are handed, so that a benchmark's receiving application
 * really reads every byte; senders need not read what they send: their
 * messages differ only in the first word (the sequence number), and for a
 * message of n words a change d of word 0 adds d to a and n * d to b. */

#ifndef P2PG_BENCH_CHECKSUM_H
#define P2PG_BENCH_CHECKSUM_H

#include <stddef.h>
#include <string.h>

struct bench_sum
{
    unsigned long long a, b;
};

static inline void bench_sum_bytes(struct bench_sum *total, const unsigned char *p, size_t n)
{
    unsigned long long a = 0, b = 0, w;
    size_t i;
    for (i = 0; i + 8 <= n; i += 8)
    {
        memcpy(&w, p + i, 8);
        a += w;
        b += a;
    }
    if (i < n)
    {
        w = 0;
        memcpy(&w, p + i, n - i);
        a += w;
        b += a;
    }
    total->a += a;
    total->b += b;
}

/* What bench_sum_bytes adds for a message of n bytes that is base's
 * message (its first 8 bytes zero) with seq in its first 8 bytes. */
static inline void bench_sum_with_seq(struct bench_sum *total, const struct bench_sum *base, size_t n,
                                      unsigned long long seq)
{
    unsigned long long words = (n + 7) / 8;
    total->a += base->a + seq;
    total->b += base->b + words * seq;
}

#endif
