/*
 * Engine event loop: one libevent base driven by one thread, fed by a command queue
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

#ifndef P2PG_ENGINE_LOOP_H
#define P2PG_ENGINE_LOOP_H

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

struct event_base;
struct event;

namespace p2pg {

/* The engine's single event loop.  Every engine object that owns sockets or
 * timers lives on this loop and is touched only from the loop thread; other
 * threads (the API callers) hand work to it with post() or call().
 *
 * The thread itself is not created here: the Win32 face creates it with
 * CreateThread so that it has a Wine TEB (engine callbacks end in SetEvent),
 * and the thread's body is simply run(). */
class Loop {
public:
    using Command = std::function<void()>;

    /* Something that owns a socket on this loop (a link).  The loop keeps
     * a list of them so that stopping it closes every socket of ours. */
    class Socket {
    public:
        /* Closing: still sending its last bytes (a DISCONNECT and what was
         * queued before it). */
        virtual bool flushing() const = 0;
        /* Closes at once, dropping whatever is unsent. */
        virtual void close_now() = 0;

    protected:
        ~Socket() = default;
    };

    /* How long stop() lets flushing sockets finish before it closes them:
     * a peer that reads gets its last bytes (DISCONNECT) in far less, one
     * that does not read must not hold up PeerGraphShutdown. */
    static constexpr std::chrono::milliseconds kStopGrace{1000};

    /* Returns nullptr and sets *error when libevent cannot be set up. */
    static std::unique_ptr<Loop> create(std::string *error);
    ~Loop();

    Loop(const Loop &) = delete;
    Loop &operator=(const Loop &) = delete;

    /* Runs commands and events until stop() was called, every command
     * queued before it has run and every tracked socket is closed.  Called
     * once, on the loop thread. */
    void run();

    /* Queues fn to run on the loop thread; never blocks on the loop.
     * Returns false (and drops fn) once stop() has been requested. */
    bool post(Command fn);

    /* Runs fn on the loop thread and waits for it.  Runs fn inline when
     * called on the loop thread itself.  Returns false if the loop is
     * stopping and fn did not run. */
    bool call(const Command &fn);

    /* Like post(), but also taken while the loop is stopping, until run()
     * returns: for freeing objects that own events of this loop.  Returns
     * false (and drops fn) once run() has returned. */
    bool defer(Command fn);

    /* Asks run() to return after the commands already queued.  Then every
     * tracked socket is closed: those still flushing get kStopGrace to
     * finish, the others are closed at once.  Thread-safe, idempotent. */
    void stop();

    /* Loop thread: the sockets stop() must close. */
    void track(Socket *socket);
    void untrack(Socket *socket);
    std::size_t tracked_sockets() const { return sockets_.size(); }

    bool in_loop_thread() const;
    struct event_base *base() const { return base_; }

    /* Number of commands run so far (for tests and diagnostics). */
    unsigned long long commands_run() const;

private:
    Loop() = default;
    static void on_wakeup(int fd, short what, void *arg);
    static void on_grace_over(int fd, short what, void *arg);
    void drain();
    void close_sockets();
    void close_all_sockets();

    struct event_base *base_ = nullptr;
    struct event *wakeup_ = nullptr;
    struct event *grace_ = nullptr;

    mutable std::mutex lock_;
    std::deque<Command> queue_;
    bool stopping_ = false;
    /* post() and defer(): queues fn unless *refused is set. */
    bool enqueue(Command fn, bool Loop::*refused);
    bool ended_ = false; /* run() returned: defer() takes nothing more */
    bool wakeup_pending_ = false;
    unsigned long long commands_run_ = 0;
    std::thread::id loop_thread_;

    /* Loop thread only. */
    std::set<Socket *> sockets_;
    bool closing_sockets_ = false;
};

} // namespace p2pg

#endif
