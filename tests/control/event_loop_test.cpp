// The control event loop, driven by a ManualClock: timers fire when the test
// advances time and calls run_once(0); nothing sleeps.
#include "control/event_loop.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <csignal>
#include <string>
#include <thread>

using namespace wg::control;
using namespace std::chrono_literals;

namespace {

struct Pipe {
    int r = -1, w = -1;
    Pipe() {
        int fds[2];
        EXPECT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
        r = fds[0];
        w = fds[1];
    }
    ~Pipe() {
        close(r);
        close(w);
    }
    void poke() { EXPECT_EQ(write(w, "x", 1), 1); }
};

} // namespace

TEST(EventLoop, OneShotFiresOnceWhenDue) {
    ManualClock clock;
    EventLoop loop(&clock);
    int fired = 0;
    auto id = loop.add_timer(1s, [&] { ++fired; });
    EXPECT_EQ(loop.timer_deadline(id), clock.now() + 1s);
    clock.advance(999ms);
    loop.run_once(0ms);
    EXPECT_EQ(fired, 0);
    clock.advance(1ms);
    loop.run_once(0ms);
    EXPECT_EQ(fired, 1);
    clock.advance(10s);
    loop.run_once(0ms);
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(loop.pending_timers(), 0u);
    EXPECT_FALSE(loop.cancel_timer(id));
}

TEST(EventLoop, DueTimersFireInDeadlineThenCreationOrder) {
    ManualClock clock;
    EventLoop loop(&clock);
    std::string order;
    loop.add_timer(2s, [&] { order += 'c'; });
    loop.add_timer(1s, [&] { order += 'a'; });
    loop.add_timer(1s, [&] { order += 'b'; });
    clock.advance(5s);
    EXPECT_EQ(loop.run_once(0ms), 3u);
    EXPECT_EQ(order, "abc");
}

TEST(EventLoop, CancelledTimerNeverFires) {
    ManualClock clock;
    EventLoop loop(&clock);
    bool fired = false;
    auto id = loop.add_timer(1s, [&] { fired = true; });
    EXPECT_TRUE(loop.cancel_timer(id));
    clock.advance(2s);
    loop.run_once(0ms);
    EXPECT_FALSE(fired);
    EXPECT_EQ(loop.timer_deadline(id), TimePoint::max());
}

TEST(EventLoop, PeriodicKeepsItsCadenceAndSkipsMissedPeriods) {
    ManualClock clock;
    EventLoop loop(&clock);
    const TimePoint t0 = clock.now();
    int fired = 0;
    auto id = loop.add_periodic(100ms, [&] { ++fired; });
    clock.advance(100ms);
    loop.run_once(0ms);
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(loop.timer_deadline(id), t0 + 200ms);
    // The loop was stalled for 3.5 periods: one call, no burst of catch-ups.
    clock.advance(350ms);
    loop.run_once(0ms);
    EXPECT_EQ(fired, 2);
    EXPECT_EQ(loop.timer_deadline(id), t0 + 500ms);
    clock.advance(50ms);
    loop.run_once(0ms);
    EXPECT_EQ(fired, 3);
}

TEST(EventLoop, PeriodicWithImmediateFirstRun) {
    ManualClock clock;
    EventLoop loop(&clock);
    int fired = 0;
    loop.add_periodic(
        1s, [&] { ++fired; }, 0ms);
    loop.run_once(0ms);
    EXPECT_EQ(fired, 1);
}

TEST(EventLoop, PeriodicMayCancelItself) {
    ManualClock clock;
    EventLoop loop(&clock);
    int fired = 0;
    EventLoop::TimerId id = 0;
    id = loop.add_periodic(1s, [&] {
        if (++fired == 2) loop.cancel_timer(id);
    });
    for (int i = 0; i < 5; ++i) {
        clock.advance(1s);
        loop.run_once(0ms);
    }
    EXPECT_EQ(fired, 2);
    EXPECT_EQ(loop.pending_timers(), 0u);
}

TEST(EventLoop, TimerAddedWhileFiringWaitsForTheNextIteration) {
    ManualClock clock;
    EventLoop loop(&clock);
    int inner = 0;
    loop.add_timer(0ms, [&] { loop.add_timer(0ms, [&] { ++inner; }); });
    loop.run_once(0ms);
    EXPECT_EQ(inner, 0);
    loop.run_once(0ms);
    EXPECT_EQ(inner, 1);
}

// post(): never inside the call, on the next run_once() without any time
// passing, in posting order; a post made by a posted callback waits one more
// iteration (no unbounded chain inside one run_once); the id cancels it.
TEST(EventLoop, PostRunsOnTheNextIterationInOrder) {
    ManualClock clock;
    EventLoop loop(&clock);
    std::string order;
    loop.post([&] {
        order += 'a';
        loop.post([&] { order += 'c'; });
    });
    loop.post([&] { order += 'b'; });
    const auto dropped = loop.post([&] { order += 'x'; });
    EXPECT_TRUE(order.empty()) << "post() must not run the callback";
    EXPECT_TRUE(loop.cancel_timer(dropped));
    EXPECT_EQ(loop.run_once(0ms), 2u);
    EXPECT_EQ(order, "ab");
    EXPECT_EQ(loop.pending_timers(), 1u);
    loop.run_once(0ms);
    EXPECT_EQ(order, "abc");
    EXPECT_EQ(loop.pending_timers(), 0u);
}

// A post from an fd callback runs in the same run_once(), after the fd
// callbacks: the caller has returned by then.
TEST(EventLoop, PostFromAnFdCallbackRunsAfterIt) {
    ManualClock clock;
    EventLoop loop(&clock);
    Pipe p;
    std::string order;
    ASSERT_TRUE(loop.add_fd(p.r, EPOLLIN, [&](uint32_t) {
        char c;
        EXPECT_EQ(read(p.r, &c, 1), 1);
        loop.post([&] { order += 'p'; });
        order += 'f';
    }));
    p.poke();
    loop.run_once(0ms);
    EXPECT_EQ(order, "fp");
}

TEST(EventLoop, FdCallbackGetsReadinessAndCanBeModifiedAndRemoved) {
    EventLoop loop;
    Pipe p;
    uint32_t seen = 0;
    int calls = 0;
    ASSERT_TRUE(loop.add_fd(p.r, EPOLLIN, [&](uint32_t ev) {
        seen = ev;
        ++calls;
        char c;
        EXPECT_EQ(read(p.r, &c, 1), 1);
    }));
    EXPECT_FALSE(loop.add_fd(p.r, EPOLLIN, [](uint32_t) {})); // twice
    loop.run_once(0ms);
    EXPECT_EQ(calls, 0);
    p.poke();
    loop.run_once(0ms);
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(seen & EPOLLIN);
    ASSERT_TRUE(loop.modify_fd(p.r, 0)); // interest in nothing
    p.poke();
    loop.run_once(0ms);
    EXPECT_EQ(calls, 1);
    loop.remove_fd(p.r);
    EXPECT_FALSE(loop.modify_fd(p.r, EPOLLIN));
}

TEST(EventLoop, FdRemovedByAnEarlierCallbackOfTheSameBatchIsNotCalled) {
    EventLoop loop;
    Pipe a, b;
    int calls = 0;
    ASSERT_TRUE(loop.add_fd(a.r, EPOLLIN, [&](uint32_t) {
        ++calls;
        loop.remove_fd(b.r);
        loop.remove_fd(a.r);
    }));
    ASSERT_TRUE(loop.add_fd(b.r, EPOLLIN, [&](uint32_t) {
        ++calls;
        loop.remove_fd(a.r);
        loop.remove_fd(b.r);
    }));
    a.poke();
    b.poke();
    loop.run_once(0ms);
    EXPECT_EQ(calls, 1);
}

TEST(EventLoop, BusyPollerKeepsTheLoopFromSleeping) {
    ManualClock clock;
    EventLoop loop(&clock);
    int polls = 0;
    auto id = loop.add_poller([&] { return ++polls < 3; }, 1h);
    // With a busy poller the waits are zero even though max_wait is forever;
    // a regression would block this test until its meson timeout.
    loop.run_once(0ms);
    loop.run_once(Duration::max());
    loop.run_once(Duration::max());
    EXPECT_EQ(polls, 3);
    loop.remove_poller(id);
    loop.run_once(0ms);
    EXPECT_EQ(polls, 3);
}

TEST(EventLoop, StopFromAnotherThreadWakesABlockedRun) {
    EventLoop loop;
    EXPECT_FALSE(loop.stopped());
    std::thread t([&] { loop.run(); });
    // stop() before or after run() blocks: either way run() returns (a
    // regression hangs here until the meson timeout).
    loop.stop();
    t.join();
    EXPECT_TRUE(loop.stopped());
}

TEST(EventLoop, RunReturnsAtOnceWhenAlreadyStopped) {
    EventLoop loop;
    loop.stop();
    loop.run();
    EXPECT_TRUE(loop.stopped());
}

TEST(EventLoop, SignalIsDeliveredThroughSignalfd) {
    EventLoop loop;
    int got = 0;
    ASSERT_TRUE(loop.add_signal(SIGUSR1, [&](int s) { got = s; }));
    ASSERT_EQ(raise(SIGUSR1), 0); // blocked, so it stays pending for the signalfd
    loop.run_once(0ms);
    EXPECT_EQ(got, SIGUSR1);
}
