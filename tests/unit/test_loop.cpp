/*
 * Unit tests: the engine event loop and its command queue
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

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include <event2/event.h>

#include "cmocka_cxx.h"
#include "engine/loop.h"

using p2pg::Loop;

namespace {

struct Running {
    std::unique_ptr<Loop> loop;
    std::thread thread;

    Running()
    {
        std::string error;
        loop = Loop::create(&error);
        assert_non_null(loop.get());
        thread = std::thread([this] { loop->run(); });
    }
    ~Running()
    {
        loop->stop();
        thread.join();
    }
};

void test_call_runs_on_loop_thread(void **)
{
    Running r;
    std::thread::id seen;
    bool inside = false;
    assert_true(r.loop->call([&] {
        seen = std::this_thread::get_id();
        inside = r.loop->in_loop_thread();
    }));
    assert_true(seen == r.thread.get_id());
    assert_true(inside);
    assert_false(r.loop->in_loop_thread());
}

void test_posts_keep_order(void **)
{
    Running r;
    std::vector<int> order;
    for (int i = 0; i < 1000; ++i) assert_true(r.loop->post([&order, i] { order.push_back(i); }));
    r.loop->call([] {});
    assert_int_equal(order.size(), 1000);
    for (int i = 0; i < 1000; ++i) assert_int_equal(order[i], i);
}

void test_many_threads_post_and_call(void **)
{
    Running r;
    std::atomic<int> sum{0};
    int loop_only = 0; /* touched only on the loop thread */
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 500; ++i) {
                r.loop->post([&] { ++loop_only; sum += 1; });
                if (i % 50 == 0) r.loop->call([&] { ++loop_only; });
            }
        });
    }
    for (auto &t : threads) t.join();
    r.loop->call([] {});
    assert_int_equal(sum.load(), 8 * 500);
    assert_int_equal(loop_only, 8 * 500 + 8 * 10);
}

void test_call_from_loop_thread_runs_inline(void **)
{
    Running r;
    bool nested = false, inner_result = false;
    r.loop->call([&] {
        /* Must not wait for itself. */
        inner_result = r.loop->call([&] { nested = true; });
    });
    assert_true(inner_result);
    assert_true(nested);
}

void test_call_propagates_exception(void **)
{
    Running r;
    bool caught = false;
    try {
        r.loop->call([] { throw std::runtime_error("boom"); });
    } catch (const std::runtime_error &) {
        caught = true;
    }
    assert_true(caught);
    /* The loop survived it. */
    int value = 0;
    assert_true(r.loop->call([&] { value = 7; }));
    assert_int_equal(value, 7);
}

void test_stop_drains_queue_then_refuses(void **)
{
    std::string error;
    auto loop = Loop::create(&error);
    assert_non_null(loop.get());
    int ran = 0;
    /* Queued before the thread even starts, and before stop(). */
    for (int i = 0; i < 10; ++i) assert_true(loop->post([&] { ++ran; }));
    loop->stop();
    loop->stop(); /* idempotent */
    assert_false(loop->post([&] { ran += 100; }));
    assert_false(loop->call([&] { ran += 100; }));
    std::thread thread([&] { loop->run(); });
    thread.join();
    assert_int_equal(ran, 10);
    assert_int_equal(loop->commands_run(), 10);
}

void on_timer(evutil_socket_t, short, void *arg)
{
    *static_cast<int *>(arg) += 1;
}

void test_libevent_events_run_on_the_loop(void **)
{
    Running r;
    int fired = 0;
    struct event *timer = nullptr;
    r.loop->call([&] {
        timer = evtimer_new(r.loop->base(), on_timer, &fired);
        struct timeval tv = {0, 1000};
        evtimer_add(timer, &tv);
    });
    for (int i = 0; i < 2000; ++i) {
        int seen = 0;
        r.loop->call([&] { seen = fired; });
        if (seen) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    r.loop->call([&] { event_free(timer); });
    assert_int_equal(fired, 1);
}

void test_idle_loop_keeps_running(void **)
{
    /* With nothing registered the loop must wait for commands rather than
     * return. */
    Running r;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    int value = 0;
    assert_true(r.loop->call([&] { value = 1; }));
    assert_int_equal(value, 1);
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_runs_on_loop_thread),
        cmocka_unit_test(test_posts_keep_order),
        cmocka_unit_test(test_many_threads_post_and_call),
        cmocka_unit_test(test_call_from_loop_thread_runs_inline),
        cmocka_unit_test(test_call_propagates_exception),
        cmocka_unit_test(test_stop_drains_queue_then_refuses),
        cmocka_unit_test(test_libevent_events_run_on_the_loop),
        cmocka_unit_test(test_idle_loop_keeps_running),
    };
    return cmocka_run_group_tests_name("loop", tests, nullptr, nullptr);
}
