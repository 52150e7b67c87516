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

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
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

    /* Returns nullptr and sets *error when libevent cannot be set up. */
    static std::unique_ptr<Loop> create(std::string *error);
    ~Loop();

    Loop(const Loop &) = delete;
    Loop &operator=(const Loop &) = delete;

    /* Runs commands and events until stop() was called and every command
     * queued before it has run.  Called once, on the loop thread. */
    void run();

    /* Queues fn to run on the loop thread; never blocks on the loop.
     * Returns false (and drops fn) once stop() has been requested. */
    bool post(Command fn);

    /* Runs fn on the loop thread and waits for it.  Runs fn inline when
     * called on the loop thread itself.  Returns false if the loop is
     * stopping and fn did not run. */
    bool call(const Command &fn);

    /* Asks run() to return after the commands already queued.  Thread-safe,
     * idempotent. */
    void stop();

    bool in_loop_thread() const;
    struct event_base *base() const { return base_; }

    /* Number of commands run so far (for tests and diagnostics). */
    unsigned long long commands_run() const;

private:
    Loop() = default;
    static void on_wakeup(int fd, short what, void *arg);
    void drain();

    struct event_base *base_ = nullptr;
    struct event *wakeup_ = nullptr;

    mutable std::mutex lock_;
    std::deque<Command> queue_;
    bool stopping_ = false;
    bool wakeup_pending_ = false;
    unsigned long long commands_run_ = 0;
    std::thread::id loop_thread_;
};

} // namespace p2pg

#endif
