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

#include "loop.h"

#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <atomic>
#include <exception>
#include <vector>

#include <event2/event.h>
#include <event2/thread.h>

namespace p2pg {

namespace {

constexpr int kCallSpins = 200;

/* libevent needs its lock callbacks installed once, before the first base is
 * made, so that event_active() may be called from the API threads. */
bool enable_libevent_threads()
{
    static const bool enabled = evthread_use_pthreads() == 0;
    return enabled;
}

} // namespace

std::unique_ptr<Loop> Loop::create(std::string *error)
{
    if (!enable_libevent_threads()) {
        if (error) *error = "libevent has no pthreads support";
        return nullptr;
    }
    std::unique_ptr<Loop> loop(new Loop());
    loop->base_ = event_base_new();
    if (!loop->base_) {
        if (error) *error = "event_base_new failed";
        return nullptr;
    }
    loop->wakeup_ = event_new(loop->base_, -1, 0, on_wakeup, loop.get());
    loop->grace_ = event_new(loop->base_, -1, 0, on_grace_over, loop.get());
    if (!loop->wakeup_ || !loop->grace_) {
        if (error) *error = "event_new failed";
        return nullptr;
    }
    return loop;
}

Loop::~Loop()
{
    if (grace_) event_free(grace_);
    if (wakeup_) event_free(wakeup_);
    if (base_) event_base_free(base_);
}

void Loop::run()
{
    /* Every socket write happens on this thread: a write to a connection
     * the peer has reset must come back as EPIPE, not kill the process
     * with SIGPIPE (a signal caused by a write goes to the writing thread,
     * so blocking it here is enough, whatever the process does). */
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    {
        std::lock_guard<std::mutex> guard(lock_);
        loop_thread_ = std::this_thread::get_id();
    }
    event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY);
    /* However the loop ended, no socket of ours stays open behind it:
     * libevent closes a freed bufferevent's socket in a callback of its
     * own, which one more pass runs. */
    close_all_sockets();
    event_base_loop(base_, EVLOOP_NONBLOCK);
    /* What was handed over with defer() meanwhile still runs here. */
    for (;;) {
        std::deque<Command> batch;
        {
            std::lock_guard<std::mutex> guard(lock_);
            batch.swap(queue_);
            if (batch.empty()) {
                ended_ = true;
                loop_thread_ = std::thread::id();
                return;
            }
        }
        for (Command &command : batch) {
            try {
                command();
            } catch (...) {
            }
        }
    }
}

bool Loop::post(Command fn)
{
    return enqueue(std::move(fn), &Loop::stopping_);
}

bool Loop::defer(Command fn)
{
    return enqueue(std::move(fn), &Loop::ended_);
}

bool Loop::enqueue(Command fn, bool Loop::*refused)
{
    std::unique_lock<std::mutex> guard(lock_);
    if (this->*refused) return false;
    queue_.push_back(std::move(fn));
    if (wakeup_pending_) return true;
    wakeup_pending_ = true;
    guard.unlock();
    event_active(wakeup_, EV_READ, 0);
    return true;
}

bool Loop::call(const Command &fn)
{
    if (in_loop_thread()) {
        fn();
        return true;
    }

    std::mutex done_lock;
    std::condition_variable done_cv;
    bool done = false;
    std::atomic<bool> finished{false};
    std::exception_ptr failure;

    bool queued = post([&] {
        try {
            fn();
        } catch (...) {
            failure = std::current_exception();
        }
        std::lock_guard<std::mutex> guard(done_lock);
        done = true;
        finished.store(true, std::memory_order_release);
        done_cv.notify_one();
    });
    if (!queued) return false;

    /* Most commands take microseconds: a short spin answers them without
     * the cost of sleeping and being woken. */
    for (int i = 0; i < kCallSpins && !finished.load(std::memory_order_acquire); ++i) std::this_thread::yield();
    std::unique_lock<std::mutex> guard(done_lock);
    done_cv.wait(guard, [&] { return done; });
    if (failure) std::rethrow_exception(failure);
    return true;
}

void Loop::stop()
{
    std::unique_lock<std::mutex> guard(lock_);
    if (stopping_) return;
    stopping_ = true;
    bool need_wakeup = !wakeup_pending_;
    wakeup_pending_ = true;
    guard.unlock();
    if (need_wakeup) event_active(wakeup_, EV_READ, 0);
}

bool Loop::in_loop_thread() const
{
    std::lock_guard<std::mutex> guard(lock_);
    return loop_thread_ == std::this_thread::get_id();
}

unsigned long long Loop::commands_run() const
{
    std::lock_guard<std::mutex> guard(lock_);
    return commands_run_;
}

void Loop::track(Socket *socket)
{
    sockets_.insert(socket);
}

void Loop::untrack(Socket *socket)
{
    sockets_.erase(socket);
    if (closing_sockets_ && sockets_.empty()) event_base_loopbreak(base_);
}

void Loop::on_wakeup(int, short, void *arg)
{
    static_cast<Loop *>(arg)->drain();
}

void Loop::on_grace_over(int, short, void *arg)
{
    Loop *loop = static_cast<Loop *>(arg);
    loop->close_all_sockets();
    event_base_loopbreak(loop->base_);
}

/* stop() after the last command: sockets that are not flushing close at
 * once, the others get the grace; the loop ends when none is left. */
void Loop::close_sockets()
{
    if (!closing_sockets_) {
        closing_sockets_ = true;
        std::vector<Socket *> idle;
        for (Socket *socket : sockets_)
            if (!socket->flushing()) idle.push_back(socket);
        for (Socket *socket : idle) {
            /* An earlier close may have taken this one with it. */
            if (!sockets_.erase(socket)) continue;
            socket->close_now();
        }
        if (!sockets_.empty()) {
            auto grace = std::chrono::duration_cast<std::chrono::microseconds>(kStopGrace).count();
            struct timeval tv = {static_cast<time_t>(grace / 1000000), static_cast<suseconds_t>(grace % 1000000)};
            event_add(grace_, &tv);
        }
    }
    if (sockets_.empty()) event_base_loopbreak(base_);
}

void Loop::close_all_sockets()
{
    while (!sockets_.empty()) {
        Socket *socket = *sockets_.begin();
        sockets_.erase(sockets_.begin());
        socket->close_now();
    }
}

void Loop::drain()
{
    for (;;) {
        std::deque<Command> batch;
        bool stopping = false;
        {
            std::lock_guard<std::mutex> guard(lock_);
            batch.swap(queue_);
            if (batch.empty()) {
                wakeup_pending_ = false;
                stopping = stopping_;
            }
        }
        if (batch.empty()) {
            if (stopping) close_sockets();
            return;
        }
        for (Command &command : batch) {
            /* A command that throws must not take the loop down; call()
             * wraps its own commands and reports their failure itself. */
            try {
                command();
            } catch (...) {
            }
            std::lock_guard<std::mutex> guard(lock_);
            ++commands_run_;
        }
    }
}

} // namespace p2pg
