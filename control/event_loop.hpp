// The control core's event loop: one epoll set for every control socket (CLI,
// remote-backup TLS), an internal timer heap whose nearest deadline bounds
// epoll_wait, signalfd for SIGINT/SIGTERM/SIGHUP, and pollers for work that
// has no fd (the punt rings from the workers, VRRP and ARP included; the
// link poller). docs/architecture.md "Threads".
//
// Time comes from an injected Clock so state machines hosted here can be
// tested by advancing a ManualClock and calling run_once(0): nothing sleeps.
//
// Thread-safety: everything runs on the thread that calls run()/run_once()
// (the control lcore), except stop() and wake(), which any thread may call.
// Callbacks may add, modify or remove any fd or timer, including their own.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <queue>
#include <unordered_map>
#include <vector>

namespace wg::control {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::steady_clock::time_point;

class Clock {
  public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

// CLOCK_MONOTONIC: immune to wall-clock steps (VRRP timers must not jump).
class SteadyClock final : public Clock {
  public:
    TimePoint now() const override { return std::chrono::steady_clock::now(); }
};

// For tests: time moves only when told to.
class ManualClock final : public Clock {
  public:
    TimePoint now() const override { return now_; }
    void advance(Duration d) { now_ += d; }
    void set(TimePoint t) { now_ = t; }

  private:
    TimePoint now_{std::chrono::seconds(1000)};
};

class EventLoop {
  public:
    using FdCallback = std::function<void(uint32_t events)>; // EPOLLIN | EPOLLOUT | ...
    using TimerCallback = std::function<void()>;
    using TimerId = uint64_t; // 0 is never a valid id
    // Returns true when it did work: the loop then polls again without sleeping.
    using Poller = std::function<bool()>;

    // `clock` must outlive the loop; nullptr: the real monotonic clock.
    explicit EventLoop(const Clock* clock = nullptr);
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // False (errno set) if the fd could not be added (already added, closed...).
    // The loop does not own the fd: remove it before closing it.
    [[nodiscard]] bool add_fd(int fd, uint32_t events, FdCallback cb);
    [[nodiscard]] bool modify_fd(int fd, uint32_t events);
    void remove_fd(int fd);

    // One-shot timer `after` from now. Fires from run_once() once due.
    TimerId add_timer(Duration after, TimerCallback cb);
    // Every `period`, first after `first_after` (default: one period).
    // A period <= 0 is a programming error: std::invalid_argument.
    // A late loop does not fire a burst of catch-up calls: the next deadline
    // is the first multiple of `period` after now.
    TimerId add_periodic(Duration period, TimerCallback cb, Duration first_after = Duration(-1));
    // Runs `cb` from the loop after the caller has returned, never inside
    // post(): work that must not re-enter its caller (a preempt hold that
    // would feed every VRRP group while one is being fed) is posted. A
    // zero-delay timer: the id cancels it; posts run in the order made, in
    // the timer phase of run_once() (one posted from a timer or a posted
    // callback: of the following run_once()).
    TimerId post(TimerCallback cb) { return add_timer(Duration::zero(), std::move(cb)); }
    // True if the timer existed. Safe on an already fired or cancelled id.
    bool cancel_timer(TimerId id);
    // Deadline of a pending timer, TimePoint::max() if there is none.
    TimePoint timer_deadline(TimerId id) const;
    size_t pending_timers() const { return timers_.size(); }

    // Called on every iteration; while every poller reports idle the loop
    // sleeps at most `idle_interval` (the punt ring has no fd to wake us).
    uint64_t add_poller(Poller p, Duration idle_interval);
    void remove_poller(uint64_t id);

    // Delivers `signo` through signalfd to `cb` on the loop thread. Block the
    // signals in every thread first (block_signals() in main, before
    // rte_eal_init spawns lcores) or they may be delivered the default way.
    [[nodiscard]] bool add_signal(int signo, std::function<void(int signo)> cb);
    // pthread_sigmask(SIG_BLOCK) in the calling thread; threads created later inherit it.
    static bool block_signals(std::initializer_list<int> signals);

    // One iteration: wait up to `max_wait` (0: do not block; Duration::max():
    // until something happens) for fd events or the next timer, dispatch fd
    // events, fire due timers, run pollers. Returns the number of callbacks
    // run. An exception thrown by a callback propagates to the caller.
    size_t run_once(Duration max_wait);
    // Iterates until stop(). Returns immediately if stop() was already called.
    void run();
    // Any thread. run() returns after the current iteration.
    void stop();
    bool stopped() const { return stop_.load(); }
    // Any thread: interrupts a blocking wait (used by stop()).
    void wake();

    const Clock& clock() const { return *clock_; }
    TimePoint now() const { return clock_->now(); }

  private:
    struct FdEntry {
        int fd;
        std::shared_ptr<FdCallback> cb;
    };
    struct Timer {
        TimePoint deadline;
        Duration period; // 0: one-shot
        uint64_t seq;    // orders equal deadlines by creation
        std::shared_ptr<TimerCallback> cb;
    };
    struct HeapItem {
        TimePoint deadline;
        uint64_t seq;
        TimerId id;
        bool operator>(const HeapItem& o) const {
            return deadline != o.deadline ? deadline > o.deadline : seq > o.seq;
        }
    };
    struct PollerEntry {
        uint64_t id;
        std::shared_ptr<Poller> fn;
        Duration idle_interval;
    };

    TimerId schedule(TimePoint deadline, Duration period, TimerCallback cb);
    size_t fire_timers();
    void on_signalfd();
    void on_wakefd();

    SteadyClock steady_;
    const Clock* clock_;
    int epfd_ = -1;
    int wakefd_ = -1;
    int sigfd_ = -1;
    std::atomic<bool> stop_{false};
    uint64_t next_token_ = 1;
    std::unordered_map<int, uint64_t> fd_token_;
    std::unordered_map<uint64_t, FdEntry> fds_;
    uint64_t next_timer_ = 1;
    uint64_t timer_seq_ = 0;
    std::unordered_map<TimerId, Timer> timers_;
    std::priority_queue<HeapItem, std::vector<HeapItem>, std::greater<>> heap_; // lazy deletion
    std::vector<PollerEntry> pollers_;
    uint64_t next_poller_ = 1;
    bool pollers_busy_ = false;
    std::map<int, std::shared_ptr<std::function<void(int)>>> signals_;
};

} // namespace wg::control
