#include "control/event_loop.hpp"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace wg::control {

namespace {

// epoll_wait takes milliseconds: round up, so a timer is never found
// "not yet due" after the wait and spun on.
int to_epoll_timeout(Duration d) {
    if (d <= Duration::zero()) return 0;
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
    return ms > INT_MAX ? INT_MAX : int(ms);
}

} // namespace

EventLoop::EventLoop(const Clock* clock) : clock_(clock ? clock : &steady_) {
    // Construction happens once at start-up: failing here is fatal to the
    // appliance, so an exception (caught by main) is the honest report.
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
    wakefd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakefd_ < 0 || !add_fd(wakefd_, EPOLLIN, [this](uint32_t) { on_wakefd(); })) {
        int e = errno;
        if (wakefd_ >= 0) close(wakefd_);
        close(epfd_);
        throw std::system_error(e, std::generic_category(), "eventfd");
    }
}

EventLoop::~EventLoop() {
    if (sigfd_ >= 0) close(sigfd_);
    close(wakefd_);
    close(epfd_);
}

bool EventLoop::add_fd(int fd, uint32_t events, FdCallback cb) {
    if (fd_token_.count(fd)) {
        errno = EEXIST;
        return false;
    }
    uint64_t token = next_token_++;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = token;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) return false;
    fd_token_[fd] = token;
    fds_[token] = FdEntry{fd, std::make_shared<FdCallback>(std::move(cb))};
    return true;
}

bool EventLoop::modify_fd(int fd, uint32_t events) {
    auto it = fd_token_.find(fd);
    if (it == fd_token_.end()) {
        errno = ENOENT;
        return false;
    }
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = it->second;
    return epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EventLoop::remove_fd(int fd) {
    auto it = fd_token_.find(fd);
    if (it == fd_token_.end()) return;
    epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
    // Events already fetched for this token in the current batch find no
    // entry and are dropped, even if the fd number is reused meanwhile.
    fds_.erase(it->second);
    fd_token_.erase(it);
}

EventLoop::TimerId EventLoop::schedule(TimePoint deadline, Duration period, TimerCallback cb) {
    TimerId id = next_timer_++;
    uint64_t seq = timer_seq_++;
    timers_[id] = Timer{deadline, period, seq, std::make_shared<TimerCallback>(std::move(cb))};
    heap_.push(HeapItem{deadline, seq, id});
    return id;
}

EventLoop::TimerId EventLoop::add_timer(Duration after, TimerCallback cb) {
    return schedule(now() + std::max(after, Duration::zero()), Duration::zero(), std::move(cb));
}

EventLoop::TimerId EventLoop::add_periodic(Duration period, TimerCallback cb, Duration first_after) {
    if (period <= Duration::zero())
        throw std::invalid_argument("EventLoop::add_periodic: period must be positive");
    if (first_after < Duration::zero()) first_after = period;
    return schedule(now() + first_after, period, std::move(cb));
}

bool EventLoop::cancel_timer(TimerId id) {
    return timers_.erase(id) > 0; // its heap item goes stale and is skipped
}

TimePoint EventLoop::timer_deadline(TimerId id) const {
    auto it = timers_.find(id);
    return it == timers_.end() ? TimePoint::max() : it->second.deadline;
}

uint64_t EventLoop::add_poller(Poller p, Duration idle_interval) {
    uint64_t id = next_poller_++;
    pollers_.push_back(
        PollerEntry{id, std::make_shared<Poller>(std::move(p)), std::max(idle_interval, Duration::zero())});
    return id;
}

void EventLoop::remove_poller(uint64_t id) {
    std::erase_if(pollers_, [id](const PollerEntry& e) { return e.id == id; });
}

bool EventLoop::block_signals(std::initializer_list<int> signals) {
    sigset_t set;
    sigemptyset(&set);
    for (int s : signals) sigaddset(&set, s);
    return pthread_sigmask(SIG_BLOCK, &set, nullptr) == 0;
}

bool EventLoop::add_signal(int signo, std::function<void(int)> cb) {
    if (!block_signals({signo})) return false;
    signals_[signo] = std::make_shared<std::function<void(int)>>(std::move(cb));
    sigset_t set;
    sigemptyset(&set);
    for (const auto& [s, _] : signals_) sigaddset(&set, s);
    if (sigfd_ >= 0) return signalfd(sigfd_, &set, 0) >= 0;
    sigfd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sigfd_ < 0) return false;
    return add_fd(sigfd_, EPOLLIN, [this](uint32_t) { on_signalfd(); });
}

void EventLoop::on_signalfd() {
    signalfd_siginfo si;
    while (read(sigfd_, &si, sizeof si) == ssize_t(sizeof si)) {
        auto it = signals_.find(int(si.ssi_signo));
        if (it == signals_.end()) continue;
        auto cb = it->second;
        (*cb)(int(si.ssi_signo));
    }
}

void EventLoop::on_wakefd() {
    uint64_t v;
    while (read(wakefd_, &v, sizeof v) == ssize_t(sizeof v)) {
    }
}

void EventLoop::wake() {
    uint64_t one = 1;
    // EAGAIN means the counter is already non-zero: the loop will wake anyway.
    [[maybe_unused]] ssize_t n = write(wakefd_, &one, sizeof one);
}

void EventLoop::stop() {
    stop_.store(true);
    wake();
}

size_t EventLoop::fire_timers() {
    const TimePoint t = now();
    const uint64_t seq_limit = timer_seq_; // timers made while firing wait for the next round
    std::vector<HeapItem> deferred;
    size_t fired = 0;
    while (!heap_.empty() && heap_.top().deadline <= t) {
        HeapItem item = heap_.top();
        heap_.pop();
        auto it = timers_.find(item.id);
        if (it == timers_.end() || it->second.seq != item.seq)
            continue; // cancelled or rescheduled: stale heap entry
        if (item.seq >= seq_limit) {
            deferred.push_back(item);
            continue;
        }
        Timer& tm = it->second;
        std::shared_ptr<TimerCallback> cb;
        if (tm.period > Duration::zero()) {
            // Reschedule before the call so the callback may cancel itself.
            auto behind = (t - tm.deadline) / tm.period; // whole periods missed
            tm.deadline += tm.period * (behind + 1);
            tm.seq = timer_seq_++;
            deferred.push_back(HeapItem{tm.deadline, tm.seq, item.id});
            cb = tm.cb;
        } else {
            cb = std::move(tm.cb);
            timers_.erase(it);
        }
        (*cb)();
        ++fired;
    }
    for (const auto& d : deferred) heap_.push(d);
    return fired;
}

size_t EventLoop::run_once(Duration max_wait) {
    // How long may we sleep? Until the next live timer, an idle poller's
    // interval, or max_wait, whichever comes first.
    Duration wait = max_wait;
    while (!heap_.empty()) {
        const HeapItem& top = heap_.top();
        auto it = timers_.find(top.id);
        if (it == timers_.end() || it->second.seq != top.seq) {
            heap_.pop(); // drop stale entries so they do not shorten the wait
            continue;
        }
        wait = std::min(wait, top.deadline - now());
        break;
    }
    for (const auto& p : pollers_) wait = std::min(wait, p.idle_interval);
    if (pollers_busy_ || stop_.load()) wait = Duration::zero();

    int timeout = wait == Duration::max() ? -1 : to_epoll_timeout(wait);
    epoll_event events[64];
    int n = epoll_wait(epfd_, events, 64, timeout);
    size_t ran = 0;
    for (int i = 0; i < n; ++i) {
        auto it = fds_.find(events[i].data.u64);
        if (it == fds_.end()) continue; // removed by an earlier callback of this batch
        auto cb = it->second.cb;        // keep alive even if the callback removes itself
        (*cb)(events[i].events);
        ++ran;
    }

    ran += fire_timers();

    bool busy = false;
    if (!pollers_.empty()) {
        // A poller may add or remove pollers: iterate over a snapshot and
        // skip those removed meanwhile.
        std::vector<PollerEntry> snapshot = pollers_;
        for (const auto& p : snapshot) {
            if (std::none_of(pollers_.begin(), pollers_.end(),
                             [&](const PollerEntry& e) { return e.id == p.id; }))
                continue;
            busy |= (*p.fn)();
            ++ran;
        }
    }
    pollers_busy_ = busy;
    return ran;
}

void EventLoop::run() {
    while (!stop_.load()) run_once(Duration::max());
}

} // namespace wg::control
