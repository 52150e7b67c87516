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

#include "link.h"

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <utility>

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "log.h"

namespace p2pg {

namespace {

/* A closing link gets this long to flush its DISCONNECT. */
constexpr std::chrono::seconds kCloseLinger{5};
/* AUTH_INFO, CONNECT, WELCOME, REFUSE and DISCONNECT are a few KiB at most
 * (strings of 256 UTF-16 units, at most 255 addresses of 20 bytes: a
 * CONNECT is under 6 KiB).  Before CONNECTED a responder takes no larger
 * message and holds no more than this of a peer's bytes: a connection that
 * has not said who it is costs little. */
constexpr std::size_t kHandshakeBufferLimit = 16 * 1024;
/* Before CONNECTED reads go through a small buffer on the stack; a
 * CONNECTED link reads kReadChunk at a time into its loop thread's buffer
 * (read_chunk()).  One wakeup reads up to the budget. */
constexpr std::size_t kHandshakeReadChunk = 4096;
constexpr std::size_t kReadChunk = 1024 * 1024;
constexpr std::size_t kReadBudget = 4u << 20;

/* Every read is copied out (into the decoder or the raw input) before the
 * next, so the links of one loop thread share one buffer: one per link
 * would cost kReadChunk for each link a node has (a thousand nodes in the
 * simulator held a gigabyte of them at 256 KiB), and an unauthenticated
 * flood of sockets must not cost that much each either. */
std::uint8_t *read_chunk()
{
    thread_local std::unique_ptr<std::uint8_t[]> buffer(new std::uint8_t[kReadChunk]);
    return buffer.get();
}
/* Messages up to this size are copied into the output buffer. */
constexpr std::size_t kCopyLimit = 16 * 1024;
/* A link's buffer pools (buffer_pool.h) keep buffers of up to a 1 MiB
 * message each, and 2 MiB in all: a streaming link allocates nothing per
 * message, an idle one holds no more than that. */
constexpr std::size_t kPoolBuffer = (1u << 20) + 64 * 1024;
constexpr std::size_t kPoolBytes = 2u << 20;
/* Bytes written to one link per wakeup before the others get their turn. */
constexpr std::size_t kWriteBudget = 4u << 20;
/* A security handshake's token waiting to be whole: TLS with a certificate
 * chain needs more than kHandshakeBufferLimit (Schannel's cbMaxToken is
 * about 24 KiB). */
constexpr std::size_t kSecurityHandshakeLimit = 64 * 1024;
/* Received bytes a security provider has not turned into messages yet. */
constexpr std::size_t kMaxRawBacklog = 4u << 20;

using ull = unsigned long long;

const char *state_name(Link::State state)
{
    switch (state) {
    case Link::State::connecting: return "connecting";
    case Link::State::accepted: return "accepted";
    case Link::State::securing: return "securing";
    case Link::State::authenticated: return "authenticated";
    case Link::State::connect_wait: return "connect_wait";
    case Link::State::connected: return "connected";
    case Link::State::closing: return "closing";
    case Link::State::closed: return "closed";
    }
    return "?";
}

const char *end_name(LinkEnd end)
{
    switch (end) {
    case LinkEnd::unreachable: return "unreachable";
    case LinkEnd::refused: return "refused";
    case LinkEnd::timeout: return "timeout";
    case LinkEnd::protocol_error: return "protocol error";
    case LinkEnd::disconnected: return "DISCONNECT received";
    case LinkEnd::dropped: return "dropped by the peer";
    case LinkEnd::closed_locally: return "closed here";
    case LinkEnd::not_authenticated: return "not authenticated";
    }
    return "?";
}

const char *type_name(wire::ConnectionType type)
{
    return type == wire::ConnectionType::direct ? "direct" : "neighbor";
}

} // namespace

Link::Link(Loop &loop, std::uint64_t id, bool initiator)
    : loop_(loop), id_(id), initiator_(initiator), state_(initiator ? State::connecting : State::accepted),
      decoder_(initiator ? wire::StreamDecoder() : wire::StreamDecoder(wire::kMaxFrameSize, kHandshakeBufferLimit)),
      handshake_decoder_(!initiator),
      send_pool_(std::make_shared<BufferPool>(kPoolBuffer, kPoolBytes)),
      receive_pool_(std::make_shared<BufferPool>(kPoolBuffer, kPoolBytes))
{
    if (!handshake_decoder_) decoder_.set_pool(receive_pool_);
}

/* Only a link that never closed has events left; dispose() brings those
 * here on the loop thread. */
Link::~Link()
{
    release_events();
}

void Link::dispose(Link *link)
{
    if (link->state_ == State::closed || link->loop_.in_loop_thread() ||
        !link->loop_.defer([link] { delete link; }))
        delete link;
}

void Link::release_events()
{
    if (timer_) event_free(std::exchange(timer_, nullptr));
    if (read_event_) event_free(std::exchange(read_event_, nullptr));
    if (bev_) bufferevent_free(std::exchange(bev_, nullptr));
    if (tracked_) {
        tracked_ = false;
        loop_.untrack(this);
    }
}

bool Link::start_socket(int fd)
{
    bev_ = bufferevent_socket_new(loop_.base(), fd, BEV_OPT_CLOSE_ON_FREE);
    timer_ = event_new(loop_.base(), -1, 0, timer_cb, this);
    if (!bev_ || !timer_) return false;
    loop_.track(this);
    tracked_ = true;
    /* The bufferevent writes; reading is ours (start_reading): libevent
     * 2.1 reads at most 4 KiB per wakeup, far too little for 64 KiB
     * messages. */
    bufferevent_setcb(bev_, nullptr, write_cb, event_cb, this);
    bufferevent_setwatermark(bev_, EV_WRITE, kSendLowWater, 0);
    /* Nor does it write more than 16 KiB per wakeup unless told: a write
     * call (and a trip round the loop) per quarter of a 64 KiB message.
     * As much as the socket takes, up to the fairness budget. */
    bufferevent_set_max_single_write(bev_, kWriteBudget);
    bufferevent_enable(bev_, EV_WRITE);
    return true;
}

bool Link::start_reading()
{
    read_event_ = event_new(loop_.base(), bufferevent_getfd(bev_), EV_READ | EV_PERSIST, read_ready_cb, this);
    if (!read_event_) return false;
    if (!paused_) event_add(read_event_, nullptr);
    return true;
}

std::shared_ptr<Link> Link::connect(Loop &loop, std::uint64_t id, LinkHandler *handler, const sockaddr_in6 &address,
                                    LinkIntroduction intro)
{
    std::shared_ptr<Link> link(new Link(loop, id, true), &Link::dispose);
    link->handler_ = handler;
    link->intro_ = std::move(intro);
    link->type_ = link->intro_.type;
    link->graph_id_ = link->intro_.graph_id;
    link->remote_peer_id_ = link->intro_.remote_peer_id;
    link->remote_ = address;
    link->remote_listening_.push_back(to_wire_address(address));
    if (!link->start_socket(-1)) throw std::bad_alloc();
    sockaddr_in6 target = address;
    if (bufferevent_socket_connect(link->bev_, reinterpret_cast<sockaddr *>(&target), sizeof(target)) < 0) {
        /* Refused before it started (no route, bad address): report it from
         * the loop, never from inside the caller. */
        link->pending_end_ = true;
        link->arm_timer(std::chrono::milliseconds(0));
    } else {
        link->arm_timer(std::chrono::seconds(kConnectTimeoutSeconds));
    }
    P2PG_TRACE(link, "connection %llu: %s connection to %s for graph %s", (ull)id, type_name(link->type_),
               endpoint_text(address).c_str(), link->graph_id_.c_str());
    return link;
}

std::shared_ptr<Link> Link::accept(Loop &loop, std::uint64_t id, int fd, const sockaddr_in6 &peer,
                                   LinkHandler *handler, AuthDispatcher dispatcher,
                                   std::chrono::milliseconds handshake_timeout)
{
    std::shared_ptr<Link> link(new Link(loop, id, false), &Link::dispose);
    link->handler_ = handler;
    link->dispatcher_ = std::move(dispatcher);
    link->remote_ = peer;
    if (!link->start_socket(fd)) {
        if (!link->bev_) ::close(fd);
        throw std::bad_alloc();
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (!link->start_reading()) throw std::bad_alloc();
    link->arm_timer(handshake_timeout);
    P2PG_TRACE(link, "connection %llu: accepted from %s", (ull)id, endpoint_text(peer).c_str());
    return link;
}

void Link::arm_timer(std::chrono::milliseconds delay)
{
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(delay).count();
    struct timeval tv = {static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
    event_add(timer_, &tv);
}

bool same_endpoint(const sockaddr_in6 &a, const sockaddr_in6 &b)
{
    return a.sin6_port == b.sin6_port && std::memcmp(&a.sin6_addr, &b.sin6_addr, sizeof(a.sin6_addr)) == 0;
}

sockaddr_in6 to_sockaddr(const wire::In6Address &address)
{
    sockaddr_in6 out{};
    out.sin6_family = AF_INET6;
    out.sin6_port = htons(address.port);
    std::memcpy(&out.sin6_addr, address.address.data(), 16);
    return out;
}

std::string endpoint_text(const sockaddr_in6 &address)
{
    char text[INET6_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET6, &address.sin6_addr, text, sizeof(text));
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(address.sin6_port));
}

wire::In6Address to_wire_address(const sockaddr_in6 &address)
{
    wire::In6Address out;
    out.port = ntohs(address.sin6_port);
    std::memcpy(out.address.data(), &address.sin6_addr, 16);
    return out;
}

Link::Frames Link::frame(const wire::Message &message)
{
    std::vector<std::uint8_t> frames;
    wire::append_frames(wire::encode(message), wire::kDefaultFrameSize, &frames);
    return std::make_shared<const std::vector<std::uint8_t>>(std::move(frames));
}

bool Link::send(const wire::Message &message, bool force)
{
    if (!bev_ || state_ == State::closing || state_ == State::closed) return false;
    if (!force && !writable()) return false;
    return append_output(frame(message));
}

bool Link::send_frames(const Frames &frames, bool force)
{
    if (!bev_ || state_ == State::closing || state_ == State::closed) return false;
    if (!force && !writable()) return false;
    return append_output(frames);
}

ConnectionFailure connection_failure(LinkEnd end)
{
    if (end == LinkEnd::refused) return ConnectionFailure::refused;
    if (end == LinkEnd::not_authenticated) return ConnectionFailure::not_authenticated;
    return ConnectionFailure::failed;
}

bool Link::append_output(const Frames &frames)
{
    if (!cipher_) return append_bytes(frames);
    /* Nothing but the handshake's tokens goes out before it completed. */
    if (!cipher_on_) return false;
    std::vector<std::uint8_t> wire;
    if (!cipher_->encrypt(frames->data(), frames->size(), &wire)) {
        /* MS-PPGRH 3.1.7.28: what does not encrypt is dropped. */
        P2PG_WARN(link, "connection %llu: %zu bytes did not encrypt; dropped", (ull)id_, frames->size());
        return false;
    }
    return append_bytes(std::make_shared<const std::vector<std::uint8_t>>(std::move(wire)));
}

bool Link::append_bytes(const Frames &frames)
{
    /* Small messages are copied (a reference costs libevent a chain of its
     * own per message); big ones are taken by reference, shared by every
     * link that sends them, and released once sent. */
    struct evbuffer *output = bufferevent_get_output(bev_);
    if (frames->size() <= kCopyLimit) {
        if (evbuffer_add(output, frames->data(), frames->size()) < 0) return false;
    } else {
        auto *owner = new Frames(frames);
        if (evbuffer_add_reference(output, frames->data(), frames->size(),
                                   [](const void *, size_t, void *arg) { delete static_cast<Frames *>(arg); },
                                   owner) < 0) {
            delete owner;
            return false;
        }
    }
    buffered_ = pending_output();
    if (buffered_ >= kSendHighWater) {
        std::lock_guard<std::mutex> guard(space_lock_);
        space_ = false;
    }
    return true;
}

bool Link::post_data(const Guid &type, const std::uint8_t *data, std::size_t size)
{
    std::size_t bytes = wire::pt2pt_framed_size(size, wire::kDefaultFrameSize);
    bool flush;
    {
        std::lock_guard<std::mutex> guard(posted_data_->lock);
        std::vector<std::vector<std::uint8_t>> &pieces = posted_data_->pieces;
        if (pieces.empty() || pieces.back().size() + bytes > kPostedPiece) {
            std::size_t room = std::max(bytes, kPostedPiece);
            pieces.push_back(send_pool_->take(room));
            pieces.back().reserve(room);
        }
        std::size_t before = pieces.back().size();
        wire::append_pt2pt_frames(type, data, size, wire::kDefaultFrameSize, &pieces.back());
        bytes = pieces.back().size() - before;
        flush = !posted_data_->flush_queued;
        posted_data_->flush_queued = true;
    }
    posted_ += bytes;
    if (!flush) return true;
    std::shared_ptr<Link> self = shared_from_this();
    if (loop_.post([self] { self->write_posted(); })) return true;
    /* The loop is stopping, and the link with it: nothing posted will go. */
    std::lock_guard<std::mutex> guard(posted_data_->lock);
    for (const auto &piece : posted_data_->pieces) posted_ -= piece.size();
    posted_data_->pieces.clear();
    posted_data_->flush_queued = false;
    return false;
}

void Link::write_posted()
{
    std::vector<std::vector<std::uint8_t>> pieces;
    {
        std::lock_guard<std::mutex> guard(posted_data_->lock);
        pieces.swap(posted_data_->pieces);
        posted_data_->flush_queued = false;
    }
    /* Once sent (or copied), a piece goes back to be framed in again. */
    for (std::vector<std::uint8_t> &piece : pieces) {
        std::size_t size = piece.size();
        Frames frames = BufferPool::share(send_pool_, std::move(piece));
        if (state_ == State::connected) append_output(frames);
        posted_ -= size;
    }
}

std::size_t Link::backlog() const
{
    return posted_.load() + buffered_.load();
}

void Link::wait_for_space()
{
    std::lock_guard<std::mutex> guard(space_lock_);
    space_ = false;
}

FileTime Link::handshake_round_trip() const
{
    auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(welcome_received_ - connect_sent_);
    return elapsed.count() > 0 ? elapsed.count() / 100 : 0;
}

std::size_t Link::pending_output() const
{
    return bev_ ? evbuffer_get_length(bufferevent_get_output(bev_)) : 0;
}

bool Link::writable() const
{
    return pending_output() < kSendHighWater;
}

void Link::write_now()
{
    if (!bev_ || state_ != State::connected) return;
    struct evbuffer *output = bufferevent_get_output(bev_);
    if (evbuffer_get_length(output) == 0) return;
    /* A failure is the bufferevent's to find and report when it writes. */
    evbuffer_write_atmost(output, bufferevent_getfd(bev_), kWriteBudget);
    buffered_ = pending_output();
    if (buffered_ <= kSendLowWater) notify_writers();
}

void Link::wait_writable(int timeout_ms)
{
    std::unique_lock<std::mutex> guard(space_lock_);
    space_cv_.wait_for(guard, std::chrono::milliseconds(timeout_ms), [this] { return space_; });
}

void Link::notify_writers()
{
    {
        std::lock_guard<std::mutex> guard(space_lock_);
        space_ = true;
    }
    space_cv_.notify_all();
}

ConnectionInfo Link::info() const
{
    ConnectionInfo info;
    info.flags = type_ == wire::ConnectionType::direct ? kConnectionDirect : kConnectionNeighbor;
    info.connection_id = id_;
    info.node_id = remote_node_id_;
    info.peer_id = remote_peer_id_;
    static_assert(sizeof(remote_) == 28, "sockaddr_in6 is the 28-byte SOCKADDR_IN6");
    std::memcpy(info.address.data(), &remote_, sizeof(remote_));
    return info;
}

void Link::pause_reading()
{
    if (paused_) return;
    paused_ = true;
    if (read_event_) event_del(read_event_);
}

void Link::resume_reading()
{
    if (!paused_) return;
    paused_ = false;
    if (read_event_ && state_ != State::closing && state_ != State::closed) event_add(read_event_, nullptr);
}

void Link::close_with(wire::DisconnectReason reason, std::vector<wire::In6Address> referrals)
{
    if (state_ == State::closing || state_ == State::closed) return;
    handler_ = nullptr;
    if (state_ != State::connected) {
        finish(LinkEnd::closed_locally, false);
        return;
    }
    wire::Disconnect disconnect;
    disconnect.reason = reason;
    disconnect.addresses = std::move(referrals);
    send(disconnect, true);
    state_ = State::closing;
    accepting_data_ = false;
    self_ = shared_from_this();
    if (read_event_) event_del(read_event_);
    bufferevent_setwatermark(bev_, EV_WRITE, 0, 0);
    if (!pending_output()) {
        finish(LinkEnd::closed_locally, false);
        return;
    }
    arm_timer(kCloseLinger);
}

void Link::abort(LinkEnd end)
{
    finish(end, true);
}

void Link::close_now()
{
    /* What is still queued will never be sent: the peer learns at once
     * (a reset) instead of after the bytes the kernel still holds. */
    if (bev_ && pending_output()) {
        struct linger abortive = {1, 0};
        setsockopt(bufferevent_getfd(bev_), SOL_SOCKET, SO_LINGER, &abortive, sizeof(abortive));
    }
    finish(LinkEnd::closed_locally, false);
}

void Link::finish(LinkEnd end, bool notify)
{
    if (state_ == State::closed) return;
    /* The other side gave up on the security handshake (or never finished
     * it): this side was not authenticated either. */
    if (state_ == State::securing && (end == LinkEnd::dropped || end == LinkEnd::timeout))
        end = LinkEnd::not_authenticated;
    P2PG_TRACE(link, "connection %llu: closed in state %s: %s", (ull)id_, state_name(state_), end_name(end));
    std::shared_ptr<Link> keep = std::move(self_);
    state_ = State::closed;
    accepting_data_ = false;
    /* Nothing of the loop is left behind (the timer included: the link may
     * be freed on another thread once the loop is gone). */
    release_events();
    notify_writers();
    LinkHandler *handler = handler_;
    handler_ = nullptr;
    if (notify && handler) handler->on_closed(*this, end);
}

void Link::send_introduction()
{
    int one = 1;
    setsockopt(bufferevent_getfd(bev_), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    wire::AuthInfo auth;
    auth.connection_type = intro_.type;
    auth.graph_id = intro_.graph_id;
    auth.source_peer_id = intro_.local_peer_id;
    if (!intro_.remote_peer_id.empty()) auth.destination_peer_id = intro_.remote_peer_id;
    send(auth, true);
    if (CipherFactory *factory = handler_ ? handler_->cipher_factory() : nullptr) {
        /* MS-PPGRH 3.1.5.1.1: OUT_CONN_STATE_SENT_AUTHINFO; the provider
         * speaks first.  The connect timer bounds the handshake. */
        cipher_ = factory->make(true);
        if (!cipher_) {
            abort(LinkEnd::not_authenticated);
            return;
        }
        state_ = State::securing;
        arm_timer(std::chrono::seconds(kConnectTimeoutSeconds));
        P2PG_TRACE(link, "connection %llu: TCP connected, AUTH_INFO sent, security handshake", (ull)id_);
        security_step();
        return;
    }
    /* No graph security provider: authenticated at once (MS-PPGRH 3.1.5.1.1). */
    send_connect();
    P2PG_TRACE(link, "connection %llu: TCP connected, AUTH_INFO and CONNECT sent", (ull)id_);
    arm_timer(std::chrono::seconds(kConnectTimeoutSeconds));
}

void Link::send_connect()
{
    wire::Connect connect;
    connect.direct = intro_.type == wire::ConnectionType::direct;
    connect.want_neighbors = !connect.direct;
    connect.node_id = intro_.local_node_id;
    connect.addresses = intro_.listening_addresses;
    send(connect, true);
    connect_sent_ = std::chrono::steady_clock::now();
    state_ = State::connect_wait;
}

bool Link::security_step()
{
    std::vector<std::uint8_t> out;
    std::size_t consumed = 0;
    ConnectionCipher::Step step = cipher_->handshake(raw_in_.data(), raw_in_.size(), &consumed, &out);
    raw_in_.erase(raw_in_.begin(), raw_in_.begin() + std::min(consumed, raw_in_.size()));
    if (!out.empty()) append_bytes(std::make_shared<const std::vector<std::uint8_t>>(std::move(out)));
    if (step == ConnectionCipher::Step::failed) {
        P2PG_WARN(link, "connection %llu: the security handshake failed", (ull)id_);
        abort(LinkEnd::not_authenticated);
        return false;
    }
    if (step == ConnectionCipher::Step::more) {
        if (raw_in_.size() > kSecurityHandshakeLimit) {
            P2PG_WARN(link, "connection %llu: over %zu bytes of security handshake", (ull)id_, kSecurityHandshakeLimit);
            abort(LinkEnd::not_authenticated);
            return false;
        }
        return true;
    }
    /* MS-PPGRH 3.1.5.1.1, 3.1.5.2: authenticated; encrypted from now on. */
    cipher_on_ = true;
    P2PG_TRACE(link, "connection %llu: security handshake complete", (ull)id_);
    if (initiator_) {
        send_connect();
    } else {
        state_ = State::authenticated;
    }
    return decrypt_input();
}

bool Link::decrypt_input()
{
    while (!raw_in_.empty()) {
        std::vector<std::uint8_t> plain;
        std::size_t consumed = 0;
        ConnectionCipher::Step step = cipher_->decrypt(raw_in_.data(), raw_in_.size(), &consumed, &plain);
        if (step == ConnectionCipher::Step::failed) {
            /* MS-PPGRH 3.1.7.28 drops such a message; a stream cannot find
             * the next record after it, so the connection goes too. */
            P2PG_WARN(link, "connection %llu: a record did not decrypt; closing", (ull)id_);
            abort(LinkEnd::protocol_error);
            return false;
        }
        raw_in_.erase(raw_in_.begin(), raw_in_.begin() + std::min(consumed, raw_in_.size()));
        if (!plain.empty()) decoder_.push(plain.data(), plain.size());
        if (step == ConnectionCipher::Step::more || !consumed) break;
    }
    if (raw_in_.size() > kMaxRawBacklog) {
        P2PG_WARN(link, "connection %llu: %zu bytes that do not decrypt", (ull)id_, raw_in_.size());
        abort(LinkEnd::protocol_error);
        return false;
    }
    return true;
}

bool Link::feed_auth_info()
{
    /* One frame at a time until AUTH_INFO is whole: the decoder must not
     * take the bytes after it, which may be a security handshake's. */
    std::size_t at = 0;
    while (state_ == State::accepted && raw_in_.size() - at >= 2) {
        std::size_t frame = 2 + ((std::size_t(raw_in_[at]) << 8) | raw_in_[at + 1]);
        if (raw_in_.size() - at < frame) break;
        decoder_.push(raw_in_.data() + at, frame);
        at += frame;
        std::vector<std::uint8_t> bytes;
        if (decoder_.error() != wire::DecodeError::none) break;
        if (!decoder_.next(&bytes)) continue;
        wire::Message message;
        wire::DecodeError error = wire::decode(bytes.data(), bytes.size(), &message);
        if (error != wire::DecodeError::none) {
            P2PG_WARN(link, "connection %llu: message of %zu bytes undecodable (%s)", (ull)id_, bytes.size(),
                      wire::decode_error_name(error));
            abort(LinkEnd::protocol_error);
            return false;
        }
        handle(std::move(message));
    }
    raw_in_.erase(raw_in_.begin(), raw_in_.begin() + at);
    if (state_ == State::closed || state_ == State::closing) return false;
    if (state_ == State::accepted && raw_in_.size() > kHandshakeBufferLimit) {
        P2PG_WARN(link, "connection %llu: over %zu bytes before AUTH_INFO", (ull)id_, kHandshakeBufferLimit);
        abort(LinkEnd::protocol_error);
        return false;
    }
    if (state_ == State::securing) return security_step();
    if (state_ != State::accepted) {
        /* No security: the rest is clear messages. */
        if (!raw_in_.empty()) decoder_.push(raw_in_.data(), raw_in_.size());
        raw_in_.clear();
    }
    return true;
}

bool Link::feed(const std::uint8_t *data, std::size_t size)
{
    if (state_ == State::accepted) {
        raw_in_.insert(raw_in_.end(), data, data + size);
        return feed_auth_info();
    }
    if (state_ == State::securing) {
        raw_in_.insert(raw_in_.end(), data, data + size);
        return security_step();
    }
    if (cipher_on_) {
        raw_in_.insert(raw_in_.end(), data, data + size);
        return decrypt_input();
    }
    decoder_.push(data, size);
    return true;
}

void Link::handle_auth_info(const wire::AuthInfo &auth)
{
    /* What the link is must be known to whoever takes it over. */
    type_ = auth.connection_type;
    graph_id_ = auth.graph_id;
    remote_peer_id_ = auth.source_peer_id;
    LinkHandler *handler = dispatcher_ ? dispatcher_(*this, auth) : nullptr;
    dispatcher_ = nullptr;
    if (!handler) {
        /* No such graph or peer here: the accepting side hears of it. */
        P2PG_WARN(link, "connection %llu: AUTH_INFO (%s) for graph %s from peer %s: no such graph or peer here",
                  (ull)id_, type_name(type_), graph_id_.c_str(), remote_peer_id_.c_str());
        abort(LinkEnd::protocol_error);
        return;
    }
    P2PG_TRACE(link, "connection %llu: AUTH_INFO (%s) for graph %s from peer %s", (ull)id_, type_name(type_),
               graph_id_.c_str(), remote_peer_id_.c_str());
    handler_ = handler;
    /* The handshake deadline set at accept() still runs: it covers the
     * security handshake and CONNECT. */
    if (CipherFactory *factory = handler->cipher_factory()) {
        /* MS-PPGRH 3.1.5.2: IN_CONN_STATE_GOT_AUTHINFO. */
        cipher_ = factory->make(false);
        if (!cipher_) {
            abort(LinkEnd::not_authenticated);
            return;
        }
        state_ = State::securing;
        return;
    }
    state_ = State::authenticated;
}

void Link::handle_connect(const wire::Connect &connect)
{
    /* The D bit must say what AUTH_INFO said. */
    if (connect.direct != (type_ == wire::ConnectionType::direct) || connect.update) {
        P2PG_WARN(link, "connection %llu: CONNECT says %s%s after a %s AUTH_INFO", (ull)id_,
                  connect.direct ? "direct" : "neighbor", connect.update ? " with U set" : "", type_name(type_));
        abort(LinkEnd::protocol_error);
        return;
    }
    remote_node_id_ = connect.node_id;
    remote_listening_ = connect.addresses;
    wire::Welcome welcome;
    wire::Refuse refuse;
    if (!handler_ || !handler_->on_connect(*this, connect, &welcome, &refuse)) {
        P2PG_TRACE(link, "connection %llu: CONNECT from node %016llx refused (code %d)", (ull)id_,
                   (ull)connect.node_id, static_cast<int>(refuse.code));
        send(refuse, true);
        /* Refused links close quietly: the graph never counted them. */
        handler_ = nullptr;
        state_ = State::connected;
        close_with(wire::DisconnectReason::app_disconnect);
        return;
    }
    send(welcome, true);
    P2PG_TRACE(link, "connection %llu: CONNECT from node %016llx, WELCOME sent: connected", (ull)id_,
               (ull)connect.node_id);
    event_del(timer_);
    state_ = State::connected;
    accepting_data_ = true;
    was_connected_ = true;
    if (handler_) handler_->on_connected(*this);
}

void Link::handle(wire::Message &&message)
{
    wire::MessageType type = wire::type_of(message);
    switch (state_) {
    case State::accepted:
        if (type != wire::MessageType::auth_info) break;
        handle_auth_info(std::get<wire::AuthInfo>(message));
        return;
    case State::authenticated:
        if (type != wire::MessageType::connect) break;
        handle_connect(std::get<wire::Connect>(message));
        return;
    case State::connect_wait:
        if (type == wire::MessageType::welcome) {
            const wire::Welcome &welcome = std::get<wire::Welcome>(message);
            remote_node_id_ = welcome.node_id;
            remote_peer_id_ = welcome.peer_id;
            welcome_peer_time_ = welcome.peer_time;
            referrals_ = welcome.addresses;
            welcome_received_ = std::chrono::steady_clock::now();
            P2PG_TRACE(link, "connection %llu: WELCOME from node %016llx: connected", (ull)id_, (ull)remote_node_id_);
            event_del(timer_);
            state_ = State::connected;
            accepting_data_ = true;
            was_connected_ = true;
            if (handler_) handler_->on_connected(*this);
            return;
        }
        if (type == wire::MessageType::refuse) {
            refuse_code_ = std::get<wire::Refuse>(message).code;
            referrals_ = std::get<wire::Refuse>(message).addresses;
            P2PG_TRACE(link, "connection %llu: REFUSE (code %d) with %zu referrals", (ull)id_,
                       static_cast<int>(refuse_code_), referrals_.size());
            abort(LinkEnd::refused);
            return;
        }
        if (type == wire::MessageType::disconnect) {
            abort(LinkEnd::disconnected);
            return;
        }
        break;
    case State::connected:
        if (type == wire::MessageType::disconnect) {
            referrals_ = std::get<wire::Disconnect>(message).addresses;
            P2PG_TRACE(link, "connection %llu: DISCONNECT (reason %d) with %zu referrals", (ull)id_,
                       static_cast<int>(std::get<wire::Disconnect>(message).reason), referrals_.size());
            abort(LinkEnd::disconnected);
            return;
        }
        if (handler_) handler_->on_message(*this, std::move(message));
        return;
    case State::securing:
        break;
    case State::connecting:
    case State::closing:
    case State::closed:
        return;
    }
    /* A message the state does not allow (MS-PPGRH 3.1.5). */
    P2PG_WARN(link, "connection %llu: %s not allowed in state %s", (ull)id_, wire::message_name(type),
              state_name(state_));
    abort(LinkEnd::protocol_error);
}

void Link::on_read()
{
    std::shared_ptr<Link> keep = weak_from_this().lock();
    if (!keep) return; /* dropped elsewhere: dispose() frees it on this thread next */
    /* However the wakeup ends, a connected link's handler hears that it
     * has seen everything of it. */
    struct ReadDone {
        Link &link;
        ~ReadDone()
        {
            if (link.state_ == State::connected && link.handler_) link.handler_->on_read_done(link);
        }
    } done{*this};
    int fd = bufferevent_getfd(bev_);
    std::uint8_t small[kHandshakeReadChunk];
    /* Fairness: other links get their turn after this much. */
    std::size_t budget = kReadBudget;
    while (state_ != State::closed && state_ != State::closing && !paused_ && budget) {
        std::uint8_t *buffer = small;
        std::size_t size = sizeof(small);
        if (state_ == State::connected) {
            buffer = read_chunk();
            size = kReadChunk;
        }
        ssize_t n = ::read(fd, buffer, size);
        if (n == 0) {
            abort(LinkEnd::dropped);
            return;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
            P2PG_TRACE(link, "connection %llu: read failed: %s", (ull)id_, std::strerror(errno));
            abort(LinkEnd::dropped);
            return;
        }
        budget -= std::min(budget, static_cast<std::size_t>(n));
        if (!feed(buffer, static_cast<std::size_t>(n))) return;
        std::vector<std::uint8_t> bytes;
        while (state_ != State::closed && state_ != State::closing && decoder_.next(&bytes)) {
            if (state_ == State::connected && wire::is_pt2pt(bytes.data(), bytes.size())) {
                /* Application data: the payload stays where it is. */
                Guid type;
                std::size_t offset = 0;
                const wire::DecodeError error = wire::decode_pt2pt_in_place(bytes.data(), bytes.size(), &type, &offset);
                if (error != wire::DecodeError::none) {
                    P2PG_WARN(link, "connection %llu: PT2PT of %zu bytes undecodable (%s)", (ull)id_, bytes.size(),
                              wire::decode_error_name(error));
                    abort(LinkEnd::protocol_error);
                    return;
                }
                if (handler_) handler_->on_data(*this, type, BufferPool::share(receive_pool_, std::move(bytes)), offset);
                bytes = std::vector<std::uint8_t>();
                continue;
            }
            wire::Message message;
            wire::DecodeError error = wire::decode(bytes.data(), bytes.size(), &message);
            receive_pool_->give(std::move(bytes));
            bytes = std::vector<std::uint8_t>();
            /* MS-PPGRH 3.1.7.27: an invalid record is discarded, the link stays. */
            if (error == wire::DecodeError::bad_record && state_ == State::connected) {
                P2PG_WARN(flood, "connection %llu: FLOOD with an invalid record discarded", (ull)id_);
                continue;
            }
            if (error != wire::DecodeError::none) {
                P2PG_WARN(link, "connection %llu: message of %zu bytes undecodable (%s)", (ull)id_, bytes.size(),
                          wire::decode_error_name(error));
                abort(LinkEnd::protocol_error);
                return;
            }
            handle(std::move(message));
        }
        if (decoder_.error() != wire::DecodeError::none) {
            P2PG_WARN(link, "connection %llu: bad framing (%s)", (ull)id_, wire::decode_error_name(decoder_.error()));
            abort(LinkEnd::protocol_error);
            return;
        }
        /* CONNECTED and nothing of the handshake left: messages of any size
         * from now on.  (An initiator sends nothing before WELCOME, so the
         * handshake decoder is empty here; one that sent more keeps the
         * handshake limit until the decoder drained.) */
        if (handshake_decoder_ && state_ == State::connected && decoder_.buffered() == 0) {
            decoder_ = wire::StreamDecoder();
            decoder_.set_pool(receive_pool_);
            handshake_decoder_ = false;
        }
        /* Until the link is connected only the handshake may arrive, and its
         * messages are small: a peer that announces more is not allowed to
         * make us hold it. */
        if ((state_ == State::accepted || state_ == State::authenticated || state_ == State::connect_wait) &&
            decoder_.buffered() > kHandshakeBufferLimit) {
            P2PG_WARN(link, "connection %llu: over %zu bytes of handshake in state %s", (ull)id_,
                      kHandshakeBufferLimit, state_name(state_));
            abort(LinkEnd::protocol_error);
            return;
        }
    }
}

void Link::on_event(short what)
{
    std::shared_ptr<Link> keep = weak_from_this().lock();
    if (!keep) return;
    if (what & BEV_EVENT_CONNECTED) {
        if (state_ != State::connecting) return;
        if (!start_reading()) {
            abort(LinkEnd::unreachable);
            return;
        }
        send_introduction();
        return;
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        if (what & BEV_EVENT_ERROR)
            P2PG_TRACE(link, "connection %llu: socket error: %s", (ull)id_,
                       evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        if (state_ == State::closing) finish(LinkEnd::closed_locally, false);
        else if (state_ == State::connecting) abort(LinkEnd::unreachable);
        else abort(LinkEnd::dropped);
    }
}

void Link::on_drained()
{
    std::shared_ptr<Link> keep = weak_from_this().lock();
    if (!keep) return;
    if (state_ == State::closing) {
        if (!pending_output()) finish(LinkEnd::closed_locally, false);
        return;
    }
    buffered_ = pending_output();
    notify_writers();
    if (state_ == State::connected && handler_) handler_->on_output_drained(*this);
}

void Link::read_ready_cb(int, short, void *arg)
{
    static_cast<Link *>(arg)->on_read();
}

void Link::write_cb(struct bufferevent *, void *arg)
{
    static_cast<Link *>(arg)->on_drained();
}

void Link::event_cb(struct bufferevent *, short what, void *arg)
{
    static_cast<Link *>(arg)->on_event(what);
}

void Link::timer_cb(int, short, void *arg)
{
    Link *link = static_cast<Link *>(arg);
    std::shared_ptr<Link> keep = link->weak_from_this().lock();
    if (!keep) return;
    if (link->pending_end_) {
        link->abort(LinkEnd::unreachable);
        return;
    }
    if (link->state_ == State::closing) {
        link->finish(LinkEnd::closed_locally, false);
        return;
    }
    if (link->state_ != State::connected && link->state_ != State::closed) link->abort(LinkEnd::timeout);
}

} // namespace p2pg
