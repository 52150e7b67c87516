#!/usr/bin/env python3
"""Hostile peer: attacks a node's MS-PPGRH listener with broken messages.

Connects to the victim's TCP port on ::1 (and nowhere else) with raw sockets
and sends malformed, truncated, oversized and out-of-order messages.  After
each attack the node must have closed that connection (EOF or reset within
a few seconds) and a well-behaved client, doing the real direct-connection
exchange (AUTH_INFO, CONNECT, WELCOME, PT2PT, DISCONNECT), must still get its
echo.  The node's memory (VmRSS of its Wine process) must stay bounded.

Then it floods the node with connections: thousands that send one byte (memory
bounded and returned, well-behaved clients served meanwhile), and more idle
ones than the node has descriptors for (no busy loop, no stream of messages,
served again once the flood ends).  Last, with --stop-file and
--shutdown-file, a peer that does not read while the node shuts down must see
its connection end within a few seconds of PeerGraphShutdown returning.

Wire format (MS-PPGRH 2.2, reference section 3.2-3.4): big-endian integers;
GUIDs as Data1, Data2, Data3 big-endian then the Data4 bytes (RFC 4122 byte
order, i.e. uuid.UUID.bytes); the stream is a sequence of frames, each a
2-byte big-endian count of the payload bytes that follow (1..32768); a
message may span frames and starts with its own 4-byte Message Size.

Prints PASS/FAIL per check and ends with "N passed, M failed"; the exit code
is 0 only when nothing failed.  Python 3 standard library only.

Copyright 2026 the p2pgraph-wine authors
SPDX-License-Identifier: LGPL-2.1-or-later
"""

import argparse
import errno
import os
import random
import resource
import select
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid

VERSION = 0x10
AUTH_INFO, CONNECT, WELCOME, REFUSE, DISCONNECT = 0x01, 0x02, 0x03, 0x04, 0x05
PT2PT = 0x0D
SOLICIT_HASH, REQUEST = 0x08, 0x0A
DIRECT, NEIGHBOR = 0x02, 0x01
CONNECT_DIRECT = 0x04
DEFAULT_FRAME = 16379
MAX_FRAME = 32768
PING_TYPE = uuid.UUID("0ccbb0d2-be41-4bd6-914b-058ec5dcce64").bytes

BUDGET = 110.0        # seconds for the whole run; normally it takes about 30
CLOSE_WAIT = 5.0      # how long the node may take to drop a broken connection
REPLY_WAIT = 5.0      # how long a well-behaved client waits for WELCOME or its echo
MIB = 1024 * 1024


# ---------------------------------------------------------------------------
# Encoding (MS-PPGRH 2.2.1-2.2.2)

def message(mtype, body, version=VERSION, size=None):
    """PEER_MESSAGE header + body; size overrides the Message Size field."""
    if size is None:
        size = 8 + len(body)
    return struct.pack(">IBBH", size, version, mtype, 0) + body


def frames(data, frame=DEFAULT_FRAME):
    """Splits a byte stream into frames of at most frame payload bytes."""
    out = bytearray()
    for at in range(0, len(data), frame):
        chunk = data[at:at + frame]
        out += struct.pack(">H", len(chunk)) + chunk
    return bytes(out)


def cstr(text):
    return text.encode("utf-8") + b"\0"


def auth_info(graph, source, destination=None, ctype=DIRECT, offsets=None, version=VERSION):
    """AUTH_INFO (2.2.2.1); offsets=(graph, source, destination) overrides the computed ones."""
    g, s = cstr(graph), cstr(source)
    d = cstr(destination) if destination is not None else b""
    go = 16
    so = go + len(g)
    do = so + len(s)
    if offsets:
        go, so, do = offsets
    body = struct.pack(">BBHHH", ctype, 0, go, so, do) + g + s + d
    return message(AUTH_INFO, body, version=version)


def auth_raw(strings, offsets, ctype=DIRECT):
    """AUTH_INFO with raw string bytes and explicit offsets."""
    body = struct.pack(">BBHHH", ctype, 0, *offsets) + strings
    return message(AUTH_INFO, body)


def connect_msg(node_id, flags=CONNECT_DIRECT, count=0, address_offset=24, name_offset=24):
    """CONNECT (2.2.2.2) without addresses or friendly name."""
    body = struct.pack(">BBHHHQ", flags, count, address_offset, name_offset, 0, node_id)
    return message(CONNECT, body)


def solicit_hash(count, rng):
    """SOLICIT_HASH (2.2.2.8): all record types, count random HASH_INFO_ENTRYs."""
    body = struct.pack(">BBHIHH", 0, 0, 20, count, 20, 0) + rng.randbytes(40 * count)
    return message(SOLICIT_HASH, body)


def pt2pt(data_type, payload, data_offset=28, size=None):
    body = struct.pack(">HH", data_offset, 0) + data_type + payload
    return message(PT2PT, body, size=size)


def disconnect(reason=3):
    return message(DISCONNECT, struct.pack(">BBH", reason, 0, 12))


# ---------------------------------------------------------------------------
# Sockets

class Closed(Exception):
    """The node closed or reset the connection."""


def is_reset(error):
    return isinstance(error, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)) or \
        getattr(error, "errno", None) in (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED)


def open_socket(port, timeout=REPLY_WAIT):
    sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.connect(("::1", port, 0, 0))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def send(sock, data):
    """sendall; Closed when the node dropped the connection meanwhile."""
    try:
        sock.sendall(data)
    except OSError as error:
        if is_reset(error):
            raise Closed() from error
        raise


def closed_by_node(sock, timeout=CLOSE_WAIT):
    """True when the node closes (EOF) or resets the connection within timeout;
    whatever it sends before that (a REFUSE, say) is read and dropped."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            return False
        except OSError as error:
            if is_reset(error):
                return True
            raise
        if not data:
            return True


class Reader:
    """Reassembles messages from frames (2.2)."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = bytearray()
        self.partial = bytearray()

    def _message_ready(self):
        if len(self.partial) >= 4:
            size = struct.unpack(">I", self.partial[:4])[0]
            if size < 8:
                raise ValueError("Message Size %d < 8" % size)
            if len(self.partial) > size:
                raise ValueError("a frame ran past its message")
            return len(self.partial) == size
        return False

    def read(self, deadline):
        while True:
            while len(self.buffer) >= 2:
                frame = struct.unpack(">H", self.buffer[:2])[0]
                if frame == 0 or frame > MAX_FRAME:
                    raise ValueError("frame size %d" % frame)
                if len(self.buffer) < 2 + frame:
                    break
                self.partial += self.buffer[2:2 + frame]
                del self.buffer[:2 + frame]
                if self._message_ready():
                    out = bytes(self.partial)
                    self.partial.clear()
                    return out
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no whole message in time")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(1 << 20)
            except OSError as error:
                if is_reset(error):
                    raise Closed() from error
                raise
            if not data:
                raise Closed()
            self.buffer += data


def parse_welcome(msg):
    """(node id, peer id) of a WELCOME (2.2.2.3)."""
    size, version, mtype = struct.unpack(">IBB", msg[:6])
    if mtype != WELCOME or version != VERSION or size < 32:
        raise ValueError("expected WELCOME, got type %#x version %#x size %d" % (mtype, version, size))
    node_id, _peer_time, count, _r, address_offset, peer_offset, name_offset = \
        struct.unpack(">QQBBHHH", msg[8:32])
    if not (peer_offset >= address_offset + 20 * count and name_offset > peer_offset and name_offset <= size):
        raise ValueError("bad WELCOME offsets")
    peer = msg[peer_offset:name_offset].split(b"\0", 1)[0].decode("utf-8")
    return node_id, peer


def parse_pt2pt(msg):
    """(data type, payload) of a PT2PT (2.2.2.13)."""
    size, version, mtype = struct.unpack(">IBB", msg[:6])
    if mtype != PT2PT or version != VERSION or size < 28:
        raise ValueError("expected PT2PT, got type %#x version %#x size %d" % (mtype, version, size))
    data_offset = struct.unpack(">H", msg[8:10])[0]
    if data_offset > size:
        raise ValueError("PT2PT Data Offset %d > size %d" % (data_offset, size))
    return msg[12:28], msg[data_offset:]


# ---------------------------------------------------------------------------
# The test

class Test:
    def __init__(self, args):
        self.port = args.port
        self.graph = args.graph
        self.peer = args.peer
        self.pid = args.pid
        self.victim_log = args.victim_log
        self.stop_file = args.stop_file
        self.shutdown_file = args.shutdown_file
        self.only = set(args.only.split(",")) if args.only else None
        self.passed = 0
        self.failed = 0
        self.rng = random.Random(20260417)
        self.client_count = 0
        self.deadline = time.monotonic() + BUDGET

    def in_time(self):
        if time.monotonic() > self.deadline:
            raise TimeoutError("the run took more than %.0f s; the remaining checks were not run" % BUDGET)

    def check(self, name, condition, detail=""):
        if condition:
            self.passed += 1
            print("PASS %s" % name, flush=True)
        else:
            self.failed += 1
            print("FAIL %s%s" % (name, ": " + detail if detail else ""), flush=True)
        return condition

    # -- the well-behaved client ------------------------------------------

    def handshake(self, frame=DEFAULT_FRAME):
        """A direct connection the spec's way; returns (socket, reader)."""
        self.client_count += 1
        sock = open_socket(self.port)
        source = "hostile-peer-good-%d" % self.client_count
        send(sock, frames(auth_info(self.graph, source, self.peer), frame))
        send(sock, frames(connect_msg(self.rng.getrandbits(64) | 1), frame))
        reader = Reader(sock)
        _node, peer = parse_welcome(reader.read(time.monotonic() + REPLY_WAIT))
        if peer != self.peer:
            raise ValueError("WELCOME from peer %r, expected %r" % (peer, self.peer))
        return sock, reader

    def echo(self, sock, reader, size, frame=DEFAULT_FRAME):
        data_type = uuid.UUID(int=self.rng.getrandbits(128)).bytes
        payload = self.rng.randbytes(size)
        send(sock, frames(pt2pt(data_type, payload), frame))
        deadline = time.monotonic() + REPLY_WAIT
        while True:
            got_type, got = parse_pt2pt(reader.read(deadline))
            if got_type != PING_TYPE:
                break
        if got_type != data_type:
            raise ValueError("echo with another data type")
        if got != payload:
            raise ValueError("echo of %d bytes differs from the %d sent" % (len(got), len(payload)))

    def good_client(self, size=1000, frame=DEFAULT_FRAME):
        """None when the node echoed; otherwise what went wrong."""
        try:
            sock, reader = self.handshake(frame)
            try:
                self.echo(sock, reader, size, frame)
                send(sock, frames(disconnect()))
            finally:
                sock.close()
        except (OSError, ValueError, TimeoutError, Closed) as error:
            return "%s: %s" % (type(error).__name__, error)
        return None

    def check_served(self, name, size=1000, frame=DEFAULT_FRAME):
        self.in_time()
        problem = self.good_client(size, frame)
        return self.check("%s: a well-behaved client still gets its echo" % name, problem is None, problem or "")

    # -- attacks ------------------------------------------------------------

    def attack(self, name, steps, before=None):
        """Connects, optionally completes a real handshake first (before="handshake")
        or sends before bytes, sends each of steps, then expects the node to close."""
        self.in_time()
        try:
            if before == "handshake":
                sock, _reader = self.handshake()
            else:
                sock = open_socket(self.port)
        except (OSError, ValueError, TimeoutError, Closed) as error:
            self.check("%s: setting up" % name, False, str(error))
            return
        try:
            closed = False
            try:
                for step in steps:
                    if step == "shut":
                        sock.shutdown(socket.SHUT_WR)
                    else:
                        send(sock, step)
            except Closed:
                closed = True
            if not closed:
                closed = closed_by_node(sock)
            self.check("%s: the node closes the connection" % name, closed,
                       "still open after %.0f s" % CLOSE_WAIT)
        finally:
            sock.close()
        self.check_served(name)

    def valid_auth(self, **kw):
        return auth_info(self.graph, "hostile-peer-attacker", self.peer, **kw)

    def run_framing_attacks(self):
        for seed in (1, 2, 3):
            self.attack("garbage bytes (seed %d)" % seed, [random.Random(seed).randbytes(64 * 1024)])
        self.attack("frame size 0", [b"\0\0" + frames(self.valid_auth())])
        self.attack("frame size 32769", [struct.pack(">H", MAX_FRAME + 1) + self.valid_auth().ljust(MAX_FRAME + 1, b"\0")])
        self.attack("frame size 65535", [struct.pack(">H", 0xFFFF) + bytes(0xFFFF)])
        for size in (0, 1, 7):
            self.attack("Message Size %d" % size, [frames(struct.pack(">IBBH", size, VERSION, AUTH_INFO, 0) + bytes(8))])
        for size in (0xFFFFFFFF, 0x80000000, 0x10000000):
            self.attack("Message Size %#x" % size,
                        [frames(struct.pack(">IBBH", size, VERSION, AUTH_INFO, 0) + bytes(8))])
        for version in (0x00, 0x01, 0x11, 0xFF):
            self.attack("Version %#x" % version, [frames(self.valid_auth(version=version))])
        for mtype in (0x00, 0x0F, 0x7F, 0xFF):
            self.attack("unknown message type %#x" % mtype, [frames(message(mtype, bytes(24)))])
        auth = self.valid_auth()
        half = auth[:len(auth) // 2]
        self.attack("half a message in a whole frame, then end of stream",
                    [struct.pack(">H", len(half)) + half, "shut"])
        self.attack("frame cut short, then end of stream", [frames(auth)[:len(auth) // 2], "shut"])

    def run_auth_info_attacks(self):
        g, s, d = cstr(self.graph), cstr("hostile-peer-attacker"), cstr(self.peer)
        strings = g + s + d
        go, so, do = 16, 16 + len(g), 16 + len(g) + len(s)
        size = 16 + len(strings)
        cases = [
            ("AUTH_INFO Graph ID Offset = Source Peer ID Offset", auth_raw(strings, (so, so, do))),
            ("AUTH_INFO Source Peer ID Offset > Destination Peer ID Offset", auth_raw(strings, (go, do, so))),
            ("AUTH_INFO Destination Peer ID Offset > Message Size", auth_raw(strings, (go, so, size + 1))),
            ("AUTH_INFO offsets past the end", auth_raw(strings, (0xFFF0, 0xFFF8, 0xFFFF))),
            ("AUTH_INFO Graph ID without NUL", auth_raw(g[:-1] + b"x" + s + d, (go, so, do))),
            ("AUTH_INFO Destination Peer ID without NUL", auth_raw(g + s + d[:-1], (go, so, do))),
            ("AUTH_INFO empty Graph ID", auth_info("", "hostile-peer-attacker", self.peer)),
            ("AUTH_INFO empty Source Peer ID", auth_info(self.graph, "", self.peer)),
            ("AUTH_INFO empty Destination Peer ID", auth_info(self.graph, "hostile-peer-attacker", "")),
            ("AUTH_INFO unknown graph", auth_info(self.graph + "-nonexistent", "hostile-peer-attacker", self.peer)),
            ("AUTH_INFO wrong Destination Peer ID", auth_info(self.graph, "hostile-peer-attacker", self.peer + "-x")),
            ("AUTH_INFO Connection Type 0", self.valid_auth(ctype=0)),
            ("AUTH_INFO Connection Type 3", self.valid_auth(ctype=3)),
            ("AUTH_INFO shorter than its fixed part", message(AUTH_INFO, bytes(4))),
            ("AUTH_INFO invalid UTF-8", auth_raw(b"\xff\xfe\xc0\0" + s + d, (go, go + 4, go + 4 + len(s)))),
            ("AUTH_INFO 60000-byte Graph ID, over several frames",
             auth_info("g" * 60000, "hostile-peer-attacker", self.peer)),
            ("AUTH_INFO 257-character Source Peer ID", auth_info(self.graph, "p" * 257, self.peer)),
        ]
        for name, msg in cases:
            self.attack(name, [frames(msg)])

    def run_order_attacks(self):
        node = self.rng.getrandbits(64) | 1
        data = pt2pt(uuid.uuid4().bytes, b"out of order")
        self.attack("CONNECT before AUTH_INFO", [frames(connect_msg(node))])
        self.attack("PT2PT before AUTH_INFO", [frames(data)])
        self.attack("DISCONNECT before AUTH_INFO", [frames(disconnect())])
        self.attack("WELCOME to the listening node",
                    [frames(message(WELCOME, struct.pack(">QQBBHHH", node, 0, 0, 0, 0, 32, 38) + cstr("evil")))])
        self.attack("PT2PT before CONNECT", [frames(self.valid_auth()), frames(data)])
        self.attack("AUTH_INFO twice", [frames(self.valid_auth()), frames(self.valid_auth())])
        self.attack("CONNECT whose addresses run past the message",
                    [frames(self.valid_auth()), frames(connect_msg(node, count=3))])
        self.attack("CONNECT shorter than its fixed part",
                    [frames(self.valid_auth()), frames(message(CONNECT, bytes(8)))])

    def run_connected_attacks(self):
        """Broken input on a connection that completed the handshake."""
        self.attack("handshake, then garbage", [random.Random(7).randbytes(64 * 1024)], before="handshake")
        self.attack("handshake, then unknown message type", [frames(message(0x42, bytes(32)))], before="handshake")
        self.attack("handshake, then Version 0x11",
                    [frames(message(PT2PT, struct.pack(">HH", 28, 0) + bytes(16), version=0x11))], before="handshake")
        self.attack("handshake, then AUTH_INFO", [frames(self.valid_auth())], before="handshake")
        self.attack("handshake, then PT2PT Data Offset past the end",
                    [frames(pt2pt(uuid.uuid4().bytes, b"x" * 10, data_offset=0xFFFF))], before="handshake")
        self.attack("handshake, then PT2PT shorter than its Data Type",
                    [frames(message(PT2PT, struct.pack(">HH", 12, 0) + bytes(8)))], before="handshake")
        self.attack("handshake, then Message Size 0xFFFFFFFF",
                    [frames(struct.pack(">IBBH", 0xFFFFFFFF, VERSION, PT2PT, 0) + bytes(24))], before="handshake")
        self.attack("handshake, then frame size 0", [b"\0\0" + bytes(16)], before="handshake")

    def run_unread_sync_answers(self, requests=12, entries=200000):
        """A neighbor that asks for hash synchronization again and again and never
        reads: every SOLICIT_HASH of random hashes makes the node answer with an
        ADVERTISE of about 10 MiB.  The node must drop it rather than buffer the
        answers without bound."""
        self.in_time()
        before = self.rss_kib()
        peak = before or 0
        sock = open_socket(self.port)
        closed = False
        try:
            send(sock, frames(auth_info(self.graph, "hostile-peer-neighbor", self.peer, ctype=NEIGHBOR)))
            send(sock, frames(connect_msg(self.rng.getrandbits(64) | 1, flags=0)))
            # The WELCOME is not even read: the socket's receive buffer takes it.
            solicit = frames(solicit_hash(entries, self.rng), MAX_FRAME)
            for _ in range(requests):
                send(sock, solicit)
                rss = self.rss_kib()
                if rss:
                    peak = max(peak, rss)
        except Closed:
            closed = True
        try:
            if not closed:
                closed = closed_by_node(sock)
            self.check("unread ADVERTISEs: the node closes the neighbor connection", closed,
                       "still open after %d requests of %d entries" % (requests, entries))
        finally:
            sock.close()
        if before is not None:
            growth = (peak - before) // 1024
            print("  %d SOLICIT_HASH of %d entries, answers unread: VmRSS %d -> peak %d MiB"
                  % (requests, entries, before // 1024, peak // 1024), flush=True)
            self.check("unread ADVERTISEs: VmRSS grows by less than 160 MiB", growth < 160,
                       "grew by %d MiB" % growth)
        self.check_served("after the unread ADVERTISEs")

    def run_positive_framing(self):
        """Legal framings the node must take: messages across frames of any legal size."""
        self.check_served("1-byte frames", size=100, frame=1)
        self.check_served("32768-byte frames", size=200000, frame=MAX_FRAME)
        self.check_served("a 1 MiB message", size=MIB)

    # -- holding connections open -----------------------------------------

    def run_silent_and_slow(self):
        """A half-sent message then silence, and many slow senders: the node keeps
        them (for its 10 s handshake deadline) but must serve others meanwhile."""
        auth = frames(self.valid_auth())
        silent = open_socket(self.port)
        send(silent, auth[:len(auth) // 2])
        slow = []
        for _ in range(64):
            try:
                slow.append(open_socket(self.port))
            except OSError as error:
                self.check("64 slow connections: connecting", False, str(error))
                break
        self.check("64 slow connections: all accepted", len(slow) == 64, "%d accepted" % len(slow))
        worst = 0.0
        failures = []
        for position in range(0, len(auth) - 1, max(1, len(auth) // 12)):
            for sock in slow:
                try:
                    send(sock, auth[position:position + max(1, len(auth) // 12)])
                except (OSError, Closed) as error:
                    failures.append(str(error))
            start = time.monotonic()
            problem = self.good_client()
            worst = max(worst, time.monotonic() - start)
            if problem:
                failures.append(problem)
            time.sleep(0.1)
        self.check("while 64 connections send slowly: well-behaved clients get their echo", not failures,
                   "; ".join(failures[:3]))
        self.check("while 64 connections send slowly: each echo within 2 s", worst < 2.0, "%.2f s" % worst)
        for sock in slow:
            sock.close()
        self.check_served("after the slow connections closed")
        return silent

    # -- memory -------------------------------------------------------------

    def rss_kib(self):
        try:
            with open("/proc/%d/status" % self.pid) as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return None

    def run_unauthenticated_bulk(self, connections=8, megabytes=24):
        """Connections that announce a 60 MiB message before AUTH_INFO and send part of
        it.  No AUTH_INFO can be that large (three strings of at most 256 characters), so
        the node has no reason to keep the bytes: its memory must not grow with them."""
        before = self.rss_kib()
        socks = []
        closed = 0
        header = struct.pack(">IBBH", 60 * MIB, VERSION, AUTH_INFO, 0)
        chunk = frames(header + bytes(MAX_FRAME * 32 - 8), MAX_FRAME)
        peak = before or 0
        for _ in range(connections):
            sock = open_socket(self.port)
            socks.append(sock)
            sent = 0
            try:
                while sent < megabytes * MIB:
                    send(sock, chunk if not sent else frames(bytes(MAX_FRAME * 32), MAX_FRAME))
                    sent += MAX_FRAME * 32
            except Closed:
                closed += 1
            except socket.timeout:
                pass
            rss = self.rss_kib()
            if rss:
                peak = max(peak, rss)
        time.sleep(0.5)
        rss = self.rss_kib()
        if rss:
            peak = max(peak, rss)
        for sock in socks:
            sock.close()
        if before is None:
            self.check("memory of the node readable", False, "no /proc/%s/status" % self.pid)
            return
        growth = (peak - before) // 1024
        print("  %d connections x %d MiB of an unauthenticated 60 MiB message: VmRSS %d -> peak %d MiB, "
              "%d closed by the node while sending" % (connections, megabytes, before // 1024, peak // 1024, closed),
              flush=True)
        self.check("%d x %d MiB before AUTH_INFO: VmRSS grows by less than 64 MiB" % (connections, megabytes),
                   growth < 64, "grew by %d MiB" % growth)
        self.check_served("after the unauthenticated bulk data")

    # -- floods -------------------------------------------------------------

    def wait_rss(self, target_kib, timeout):
        """VmRSS once it is at most target_kib, or after timeout (the node frees
        closed connections as it reads their end)."""
        deadline = time.monotonic() + timeout
        rss = self.rss_kib()
        while rss is not None and rss > target_kib and time.monotonic() < deadline:
            time.sleep(0.25)
            rss = self.rss_kib()
        return rss

    @staticmethod
    def closed_ones(socks):
        """How many of socks the node closed (readable: EOF or reset; the node
        sends nothing before WELCOME)."""
        poller = select.poll()
        for sock in socks:
            poller.register(sock.fileno(), select.POLLIN)
        return len(poller.poll(0))

    def run_connection_flood(self, count=2000):
        """count connections from ::1 that each send one byte and then nothing, as
        fast as they can be made, while well-behaved clients keep coming.  Each
        costs the node a few KiB until it drops it; it keeps only a bounded number
        of them (the oldest go first) and hands the memory back afterwards."""
        self.in_time()
        before = self.rss_kib()
        if before is None:
            self.check("memory of the node readable", False, "no /proc/%s/status" % self.pid)
            return
        held = []
        failed = []
        peak = [before]

        def flood():
            for i in range(count):
                try:
                    sock = open_socket(self.port, timeout=REPLY_WAIT)
                    sock.send(b"\0")
                    held.append(sock)
                except OSError as error:
                    failed.append(str(error))
                if i % 50 == 0:
                    rss = self.rss_kib()
                    if rss:
                        peak[0] = max(peak[0], rss)

        flooder = threading.Thread(target=flood)
        start = time.monotonic()
        flooder.start()
        served, problems, worst = 0, [], 0.0
        while flooder.is_alive() and time.monotonic() - start < 60:
            began = time.monotonic()
            problem = self.good_client()
            worst = max(worst, time.monotonic() - began)
            if problem:
                problems.append(problem)
            else:
                served += 1
            time.sleep(0.01)  # the flood gets its share of the interpreter
        flooder.join()
        took = time.monotonic() - start
        for _ in range(4):
            time.sleep(0.25)
            rss = self.rss_kib()
            if rss:
                peak[0] = max(peak[0], rss)
        open_ones = len(held) - self.closed_ones(held)
        for sock in held:
            sock.close()
        after = self.wait_rss(before + 8 * 1024, 10.0)
        print("  %d connections sending one byte in %.1f s (%d failed to connect), %d kept open by the node; "
              "%d well-behaved clients served meanwhile (slowest %.2f s); VmRSS %d -> peak %d -> %d MiB after"
              % (count, took, len(failed), open_ones, served, worst, before // 1024, peak[0] // 1024,
                 (after or 0) // 1024), flush=True)
        self.check("connection flood: all connections made", not failed, "; ".join(failed[:3]))
        self.check("connection flood: well-behaved clients get their echo meanwhile", served > 0 and not problems,
                   "%d served; %s" % (served, "; ".join(problems[:3])))
        self.check("connection flood: the node keeps at most 512 of the connections open", open_ones <= 512,
                   "%d open" % open_ones)
        self.check("connection flood: VmRSS grows by less than 100 MiB", peak[0] - before < 100 * 1024,
                   "grew by %d MiB" % ((peak[0] - before) // 1024))
        self.check("connection flood: VmRSS back within 16 MiB of before once the flood closed",
                   after is not None and after - before < 16 * 1024,
                   "%s MiB over" % ((after - before) // 1024 if after else "?"))
        self.check_served("after the connection flood")

    def cpu_seconds(self):
        """User + system CPU time of the node so far."""
        try:
            with open("/proc/%d/stat" % self.pid) as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None

    def log_lines(self):
        try:
            with open(self.victim_log, "rb") as log:
                return log.read().splitlines()
        except (OSError, TypeError):
            return None

    def run_descriptor_exhaustion(self, spare=64, count=600, hold=3.0):
        """The node's descriptor limit is lowered to what it uses plus spare, then
        count idle connections are opened and held: accept() fails for want of
        descriptors.  The node must not spin on it (CPU time over the episode) nor
        log it over and over (lines of its output), and must serve again once the
        flood ends.  The limit stays lowered for the rest of the run."""
        self.in_time()
        try:
            in_use = len(os.listdir("/proc/%d/fd" % self.pid))
            limit = in_use + spare
            resource.prlimit(self.pid, resource.RLIMIT_NOFILE, (limit, limit))
        except (OSError, ValueError) as error:
            self.check("descriptor flood: lowering the node's descriptor limit", False, str(error))
            return
        lines_before = self.log_lines()
        cpu_before = self.cpu_seconds()
        start = time.monotonic()
        socks = []
        for _ in range(count):
            sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.connect_ex(("::1", self.port, 0, 0))
            socks.append(sock)
        time.sleep(hold)
        cpu_after = self.cpu_seconds()
        lines_after = self.log_lines()
        took = time.monotonic() - start
        for sock in socks:
            sock.close()
        if cpu_before is None or cpu_after is None:
            self.check("descriptor flood: CPU time of the node readable", False, "no /proc/%s/stat" % self.pid)
        else:
            cpu = cpu_after - cpu_before
            print("  descriptor limit %d (%d in use), %d idle connections held %.1f s: node CPU %.2f s"
                  % (limit, in_use, count, took, cpu), flush=True)
            self.check("descriptor flood: the node does not spin (CPU < 10% of the episode)", cpu < took / 10,
                       "%.2f s of CPU in %.1f s" % (cpu, took))
        if lines_before is not None and lines_after is not None:
            new = lines_after[len(lines_before):]
            warnings = [line for line in new if b"cannot accept" in line]
            print("  %d lines of node output meanwhile, %d about accept()" % (len(new), len(warnings)), flush=True)
            self.check("descriptor flood: at most 10 lines of node output", len(new) <= 10,
                       "%d lines, first: %r" % (len(new), new[0] if new else b""))
            # One warning per episode; an episode ends when an accept succeeds, and on a
            # loaded machine a descriptor freed meanwhile can split the flood into two or three.
            self.check("descriptor flood: the node warns once an episode", 1 <= len(warnings) <= 3,
                       "%d warnings" % len(warnings))
        self.check_served("after the descriptor flood")

    def run_shutdown_with_unread_data(self, megabytes=8):
        """A peer sends megabytes of data to echo and reads none of it; then the node
        is told to stop (PeerGraphClose, PeerGraphShutdown).  Once Shutdown has
        returned the connection must end (EOF or reset) within a few seconds: the
        node flushes what it can for a moment and then closes, it does not leave
        the socket open behind it."""
        self.in_time()
        try:
            self.client_count += 1
            sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            # A small receive window: the echo piles up in the node, not in our kernel.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
            sock.settimeout(REPLY_WAIT)
            sock.connect(("::1", self.port, 0, 0))
            send(sock, frames(auth_info(self.graph, "hostile-peer-unread", self.peer)))
            send(sock, frames(connect_msg(self.rng.getrandbits(64) | 1)))
            parse_welcome(Reader(sock).read(time.monotonic() + REPLY_WAIT))
            for _ in range(megabytes):
                send(sock, frames(pt2pt(uuid.uuid4().bytes, bytes(MIB))))
        except (OSError, ValueError, TimeoutError, Closed) as error:
            self.check("shutdown: a peer that does not read sends %d MiB" % megabytes, False,
                       "%s: %s" % (type(error).__name__, error))
            sock.close()
            return
        time.sleep(1.5)  # the node echoes into the connection meanwhile
        open(self.stop_file, "w").close()
        deadline = time.monotonic() + 20
        while not os.path.exists(self.shutdown_file) and time.monotonic() < deadline:
            time.sleep(0.05)
        returned = time.monotonic()
        try:
            if not self.check("shutdown: PeerGraphShutdown returns", os.path.exists(self.shutdown_file),
                              "not within 20 s"):
                return
            with open(self.shutdown_file) as result:
                shutdown_ms = int(result.read().strip() or 0)
            got, closed = 0, False
            sock.settimeout(0.2)
            while time.monotonic() - returned < 5:
                try:
                    data = sock.recv(1 << 20)
                except socket.timeout:
                    continue
                except OSError as error:
                    closed = is_reset(error)
                    break
                if not data:
                    closed = True
                    break
                got += len(data)
            waited = time.monotonic() - returned
            print("  PeerGraphShutdown took %d ms; then %d KiB read and the connection %s after %.2f s"
                  % (shutdown_ms, got // 1024, "ended" if closed else "still open", waited), flush=True)
            self.check("shutdown: PeerGraphShutdown with unread data queued takes less than 3 s", shutdown_ms < 3000,
                       "%d ms" % shutdown_ms)
            self.check("shutdown: the peer sees its connection end within 3 s of Shutdown returning",
                       closed and waited < 3, "still open after %.1f s" % waited if not closed else "%.1f s" % waited)
        finally:
            sock.close()
            open(self.shutdown_file + ".ack", "w").close()

    def run(self):
        if self.only is not None:
            for part in ("flood", "descriptors", "shutdown"):
                if part in self.only:
                    {"flood": self.run_connection_flood, "descriptors": self.run_descriptor_exhaustion,
                     "shutdown": self.run_shutdown_with_unread_data}[part]()
            return
        start = time.monotonic()
        self.check_served("before any attack")
        rss_start = self.rss_kib()
        self.run_positive_framing()
        self.run_framing_attacks()
        self.run_auth_info_attacks()
        self.run_order_attacks()
        self.run_connected_attacks()
        self.run_unread_sync_answers()
        silent = self.run_silent_and_slow()
        self.run_unauthenticated_bulk()
        self.run_connection_flood()
        rss_end = self.rss_kib()
        if rss_start and rss_end:
            print("  VmRSS of the node: %d MiB before the attacks, %d MiB after" % (rss_start // 1024, rss_end // 1024),
                  flush=True)
            self.check("VmRSS after all attacks within 100 MiB of before", rss_end - rss_start < 100 * 1024,
                       "grew by %d MiB" % ((rss_end - rss_start) // 1024))
        else:
            self.check("memory of the node readable", False, "no VmRSS for pid %s" % self.pid)
        self.check_served("after all attacks")
        silent.close()
        self.run_descriptor_exhaustion()
        if self.stop_file and self.shutdown_file:
            self.run_shutdown_with_unread_data()
        print("  %.1f s" % (time.monotonic() - start), flush=True)


def find_victim(graph):
    """The Wine process running victim.exe for graph (pgrep also finds the shells that
    started it, and other runs' victims)."""
    try:
        out = subprocess.run(["pgrep", "-f", "victim.exe"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return None
    for pid in out.split():
        try:
            exe = os.path.basename(os.readlink("/proc/%s/exe" % pid))
            with open("/proc/%s/cmdline" % pid, "rb") as cmdline:
                args = cmdline.read().split(b"\0")
        except OSError:
            continue
        if "wine" in exe and graph.encode() in args:
            return int(pid)
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True, help="the victim's TCP port on ::1")
    parser.add_argument("--graph", required=True, help="the victim's graph id")
    parser.add_argument("--peer", required=True, help="the victim's peer id")
    parser.add_argument("--pid", type=int, help="the victim's process (default: found with pgrep)")
    parser.add_argument("--victim-log", help="the victim's output (its lines are counted)")
    parser.add_argument("--stop-file", help="the file that tells the victim to stop")
    parser.add_argument("--shutdown-file", help="the file the victim writes once PeerGraphShutdown returned")
    parser.add_argument("--only", help="comma-separated parts to run alone: flood, descriptors, shutdown")
    args = parser.parse_args()
    if args.pid is None:
        args.pid = find_victim(args.graph)
    test = Test(args)
    if args.pid is None:
        test.check("finding the victim's process", False, "pgrep -f victim.exe found no Wine process")
        args.pid = -1
    try:
        test.run()
    except Exception as error:  # pylint: disable=broad-except -- the summary line must still come
        test.check("the test ran to its end", False, "%s: %s" % (type(error).__name__, error))
    print("%d passed, %d failed" % (test.passed, test.failed), flush=True)
    return 0 if test.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
