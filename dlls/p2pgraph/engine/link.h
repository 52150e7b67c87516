/*
 * Engine links: one TCP connection of a graph and its MS-PPGRH state machine
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

#ifndef P2PG_ENGINE_LINK_H
#define P2PG_ENGINE_LINK_H

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <netinet/in.h>

#include "connection.h"
#include "loop.h"
#include "wire.h"

struct bufferevent;
struct event;

namespace p2pg {

class Link;

/* How a link ended (MS-PPGRH 3.1.5.2.3-4, 3.1.6.1-2). */
enum class LinkEnd {
    unreachable,    /* TCP connect failed */
    refused,        /* REFUSE received; refuse_code() tells which */
    timeout,        /* handshake deadline or connect timer; also a handshake dropped for a newer one */
    protocol_error, /* the peer broke a rule of 3.1.5: connection aborted */
    disconnected,   /* DISCONNECT received */
    dropped,        /* TCP closed or failed without DISCONNECT */
    closed_locally, /* close() */
    not_authenticated, /* the security handshake failed (PEER_E_CONNECTION_NOT_AUTHENTICATED) */
};

/* The failure a connection attempt that ended so reports. */
ConnectionFailure connection_failure(LinkEnd end);

/* Same port and address (flow info and scope id aside). */
bool same_endpoint(const sockaddr_in6 &a, const sockaddr_in6 &b);
/* "[address]:port", for diagnostics. */
std::string endpoint_text(const sockaddr_in6 &address);
/* A PEER_IN6_ADDRESS of the wire as a socket address, and back. */
sockaddr_in6 to_sockaddr(const wire::In6Address &address);
wire::In6Address to_wire_address(const sockaddr_in6 &address);

/* What a graph does with its links.  Every call is on the loop thread. */
class LinkHandler {
public:
    virtual ~LinkHandler() = default;
    /* Responder: CONNECT arrived on an authenticated link.  Fill *welcome and
     * return true to accept, or fill *refuse and return false to refuse. */
    virtual bool on_connect(Link &link, const wire::Connect &connect, wire::Welcome *welcome,
                            wire::Refuse *refuse) = 0;
    /* Both sides: the link is CONNECTED (WELCOME sent or received). */
    virtual void on_connected(Link &link) = 0;
    /* Both sides: the link is gone; no more calls for it follow. */
    virtual void on_closed(Link &link, LinkEnd end) = 0;
    /* A message on a CONNECTED link other than those the link handles itself
     * (DISCONNECT). */
    virtual void on_message(Link &link, wire::Message &&message) = 0;
    /* A PT2PT on a CONNECTED link: its payload is message[offset, end),
     * shared so that the events referring to it need no copy. */
    virtual void on_data(Link &link, const Guid &type, std::shared_ptr<const std::vector<std::uint8_t>> message,
                         std::size_t offset) = 0;
    /* A CONNECTED link handled all the messages of one read wakeup (a
     * handler may batch its answers until then). */
    virtual void on_read_done(Link &) {}
    /* A CONNECTED link's output fell to the low-water mark: room to queue
     * more of a long answer. */
    virtual void on_output_drained(Link &) {}
    /* The graph's security provider, if it has one: every link of the graph
     * runs its handshake after AUTH_INFO and is encrypted from then on. */
    virtual CipherFactory *cipher_factory() { return nullptr; }
};

/* Responder, before AUTH_INFO: finds the graph the connection is for.
 * Returns the handler to continue with, or nullptr to close. */
using AuthDispatcher = std::function<LinkHandler *(Link &link, const wire::AuthInfo &auth)>;

/* What the initiator says about itself. */
struct LinkIntroduction {
    wire::ConnectionType type = wire::ConnectionType::direct;
    std::string graph_id;
    std::string local_peer_id;
    std::string remote_peer_id; /* empty: any peer of the graph at that address */
    std::uint64_t local_node_id = 0;
    std::vector<wire::In6Address> listening_addresses;
};

/* One TCP connection.  Lives on the loop thread; the API threads only wait
 * for write space through wait_writable().  Every event and socket of a
 * link is released when it closes (on the loop thread, and stopping the
 * loop closes the links still open), so the last reference may be dropped
 * on any thread; one dropped elsewhere before the link closed hands the
 * link to the loop to be freed there. */
class Link : public DirectConnection, public Loop::Socket, public std::enable_shared_from_this<Link> {
public:
    /* MS-PPGRH 3.1.2: no WELCOME or REFUSE within 60 s ends the attempt. */
    static constexpr int kConnectTimeoutSeconds = 60;
    /* Responder: from accept to CONNECTED (AUTH_INFO, then CONNECT).  The
     * spec's 60 s authentication timer lets anyone hold a socket and its
     * memory for a minute by sending nothing; without a security provider
     * the initiator sends both messages at once, one round trip after TCP
     * connected, so 10 s leaves room for a slow or lossy path (several
     * retransmissions) and frees what a silent or trickling peer holds six
     * times sooner. */
    static constexpr std::chrono::milliseconds kHandshakeTimeout{10000};
    /* Back-pressure: queueing stops above the high mark and resumes below
     * the low one. */
    static constexpr std::size_t kSendHighWater = 8u << 20;
    static constexpr std::size_t kSendLowWater = 2u << 20;

    enum class State { connecting, accepted, securing, authenticated, connect_wait, connected, closing, closed };

    ~Link() override;

    static std::shared_ptr<Link> connect(Loop &loop, std::uint64_t id, LinkHandler *handler,
                                         const sockaddr_in6 &address, LinkIntroduction intro);
    /* handler hears of the link until AUTH_INFO hands it on; the link
     * closes (LinkEnd::timeout) unless it is CONNECTED within
     * handshake_timeout. */
    static std::shared_ptr<Link> accept(Loop &loop, std::uint64_t id, int fd, const sockaddr_in6 &peer,
                                        LinkHandler *handler, AuthDispatcher dispatcher,
                                        std::chrono::milliseconds handshake_timeout = kHandshakeTimeout);

    std::uint64_t id() const { return id_; }
    State state() const { return state_; }
    bool initiator() const { return initiator_; }
    wire::ConnectionType type() const { return type_; }
    const std::string &remote_peer_id() const { return remote_peer_id_; }
    std::uint64_t remote_node_id() const { return remote_node_id_; }
    const sockaddr_in6 &remote_address() const { return remote_; }
    wire::RefuseCode refuse_code() const { return refuse_code_; }
    const std::string &graph_id() const { return graph_id_; }
    /* The peer's listening addresses: from its CONNECT (responder) or the
     * address we connected to (initiator). */
    const std::vector<wire::In6Address> &remote_listening() const { return remote_listening_; }
    /* CONNECT with the Update bit: the peer listens now (3.1.5.2.1). */
    void set_remote_listening(std::vector<wire::In6Address> addresses) { remote_listening_ = std::move(addresses); }
    /* The referral addresses that came with WELCOME, REFUSE or DISCONNECT. */
    const std::vector<wire::In6Address> &referrals() const { return referrals_; }
    /* Initiator: the responder's peer time in WELCOME, and the time from
     * sending CONNECT to receiving WELCOME (FILETIME ticks), for the
     * peer-time adjustment of MS-PPGRH 3.1.5.2.2. */
    FileTime welcome_peer_time() const { return welcome_peer_time_; }
    FileTime handshake_round_trip() const;
    void set_handler(LinkHandler *handler) { handler_ = handler; }
    LinkHandler *handler() const { return handler_; }

    /* Frames and queues a message.  False when the link cannot take it
     * (not connected, or above the high-water mark and !force). */
    bool send(const wire::Message &message, bool force = false);
    /* A message encoded and framed once, for several links (flooding). */
    using Frames = std::shared_ptr<const std::vector<std::uint8_t>>;
    static Frames frame(const wire::Message &message);
    bool send_frames(const Frames &frames, bool force = false);
    std::size_t pending_output() const;
    bool writable() const;

    /* Waits (on an API thread, without the loop) until the link drops below
     * the low-water mark or closes, or timeout_ms passes. */
    void wait_writable(int timeout_ms);

    /* PeerGraphSendData without a round trip to the loop: any thread may
     * check accepting_data() and backlog() (posted plus buffered bytes),
     * frame the message itself, count it with add_posted() and post
     * write_posted_frames() to the loop. */
    bool accepting_data() const { return accepting_data_; }
    std::size_t backlog() const;
    void add_posted(std::size_t bytes) { posted_ += bytes; }
    void remove_posted(std::size_t bytes) { posted_ -= bytes; }
    /* Marks the link full before waiting for it to drain. */
    void wait_for_space();
    /* Loop thread: appends the frames (dropped if the link closed since). */
    void write_posted_frames(std::vector<std::uint8_t> frames);

    /* DirectConnection */
    void close() override { close_with(wire::DisconnectReason::app_disconnect); }
    ConnectionInfo info() const override;
    bool connected() const override { return state_ == State::connected; }
    /* Reached CONNECTED at some point (decides between FAILED and
     * DISCONNECTED when it ends). */
    bool was_connected() const { return was_connected_; }

    /* Reads what has arrived without waiting for the loop to report it
     * (the responder, right after accept). */
    void read_available() { on_read(); }

    /* Receive-side back-pressure: stop and restart reading the socket. */
    void pause_reading();
    void resume_reading();
    bool reading_paused() const { return paused_; }

    /* Sends DISCONNECT (when connected), lets the output drain, then closes.
     * The handler hears nothing more. */
    void close_with(wire::DisconnectReason reason, std::vector<wire::In6Address> referrals = {});
    /* Closes at once, telling the handler why. */
    void abort(LinkEnd end);

    /* Loop::Socket: closing and still sending; closing at once (the loop
     * stops). */
    bool flushing() const override { return state_ == State::closing; }
    void close_now() override;

private:
    Link(Loop &loop, std::uint64_t id, bool initiator);
    static void dispose(Link *link);
    void release_events();
    bool start_socket(int fd);
    void on_read();
    void on_event(short what);
    void on_drained();
    void handle(wire::Message &&message);
    void handle_auth_info(const wire::AuthInfo &auth);
    void handle_connect(const wire::Connect &connect);
    void send_introduction();
    void arm_timer(std::chrono::milliseconds delay);
    void finish(LinkEnd end, bool notify);
    void notify_writers();
    static void read_ready_cb(int, short, void *arg);
    bool start_reading();
    bool append_output(const Frames &frames);
    bool append_bytes(const Frames &bytes);
    /* Received bytes, by state: the frames of AUTH_INFO one at a time (so
     * that what follows it stays raw for a security handshake), handshake
     * tokens, records to decrypt, or clear messages.  False once the link
     * closed. */
    bool feed(const std::uint8_t *data, std::size_t size);
    bool feed_auth_info();
    bool security_step();
    bool decrypt_input();
    void send_connect();
    static void write_cb(struct bufferevent *, void *arg);
    static void event_cb(struct bufferevent *, short what, void *arg);
    static void timer_cb(int, short, void *arg);

    Loop &loop_;
    const std::uint64_t id_;
    const bool initiator_;
    State state_;
    LinkHandler *handler_ = nullptr;
    AuthDispatcher dispatcher_;
    LinkIntroduction intro_;
    wire::ConnectionType type_ = wire::ConnectionType::direct;
    std::string graph_id_;
    std::string remote_peer_id_;
    std::uint64_t remote_node_id_ = 0;
    sockaddr_in6 remote_{};
    wire::RefuseCode refuse_code_ = wire::RefuseCode::busy;
    struct bufferevent *bev_ = nullptr;
    struct event *timer_ = nullptr;
    struct event *read_event_ = nullptr;
    wire::StreamDecoder decoder_;
    /* Bytes not yet for the decoder: before AUTH_INFO was handled, during the
     * security handshake, and records not yet decrypted. */
    std::vector<std::uint8_t> raw_in_;
    std::unique_ptr<ConnectionCipher> cipher_;
    bool cipher_on_ = false; /* handshake done: everything is encrypted */
    bool handshake_decoder_ = false; /* decoder_ takes handshake-sized messages only */
    bool tracked_ = false;           /* in the loop's list of sockets */
    std::shared_ptr<Link> self_; /* keeps a closing link alive until it drained */
    bool was_connected_ = false;
    bool paused_ = false;
    FileTime welcome_peer_time_ = 0;
    std::vector<wire::In6Address> remote_listening_;
    std::vector<wire::In6Address> referrals_;
    std::chrono::steady_clock::time_point connect_sent_, welcome_received_;
    std::atomic<bool> accepting_data_{false};
    std::atomic<std::size_t> posted_{0};   /* handed over by API threads, not yet in the evbuffer */
    std::atomic<std::size_t> buffered_{0}; /* in the evbuffer, as last seen on the loop */
    bool pending_end_ = false; /* connect failed at once; reported by the timer */

    /* What wait_writable() sleeps on. */
    mutable std::mutex space_lock_;
    std::condition_variable space_cv_;
    bool space_ = true;
};

} // namespace p2pg

#endif
