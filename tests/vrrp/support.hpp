// Test support for the VRRP machine: a simulated LAN that plays the adapter's
// part (fires due timers in deadline order, carries each send_advert to the
// other routers at once) with simulated time. Nothing sleeps.
#pragma once

#include "control/vrrp/state_machine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace wg::vrrp {

// GoogleTest printers: failures show actions and states by name.
inline void PrintTo(const Action& a, std::ostream* os) {
    *os << describe(a, Time{});
}
inline void PrintTo(State s, std::ostream* os) {
    *os << state_name(s);
}

namespace test {

using namespace std::chrono_literals;

inline const Time T0 = Time{} + std::chrono::seconds(1000);

inline Ipv4 ip(const char* text) {
    return *Ipv4::parse(text);
}

inline Params params(uint8_t priority, const char* primary, uint8_t version = 3) {
    Params p;
    p.vrid = 1;
    p.version = version;
    p.priority = priority;
    p.primary = ip(primary);
    p.advert_interval = 1s;
    return p;
}

inline size_t count(const Actions& acts, ActionKind k) {
    return size_t(std::count_if(acts.begin(), acts.end(), [k](const Action& a) { return a.kind == k; }));
}

inline std::optional<Action> find(const Actions& acts, ActionKind k) {
    for (const Action& a : acts)
        if (a.kind == k) return a;
    return std::nullopt;
}

inline std::optional<Time> started(const Actions& acts, TimerId t) {
    for (const Action& a : acts)
        if (a.kind == ActionKind::start_timer && a.timer == t) return a.deadline;
    return std::nullopt;
}

struct Logged {
    Time at;
    Action action;
};

struct Router {
    std::string name;
    Machine m;
    bool connected = true;   // false: partitioned, hears nothing and is heard by none
    std::vector<Logged> log; // every action, stamped

    // Actions of kind `k` logged in [since, until).
    size_t sent(ActionKind k, Time since = Time{}, Time until = Time::max()) const {
        return size_t(std::count_if(log.begin(), log.end(), [&](const Logged& l) {
            return l.action.kind == k && l.at >= since && l.at < until;
        }));
    }
    // Time of the newest transition into `s`, if any.
    std::optional<Time> entered(State s) const {
        for (size_t i = 0; i < m.history().size(); ++i)
            if (m.history().newest(i).to == s) return m.history().newest(i).at;
        return std::nullopt;
    }
    Reason last_reason() const { return m.history().newest(0).reason; }
};

class Lan {
  public:
    Time now = T0;

    Router& add(const std::string& name, const Params& p) {
        routers_.push_back(std::make_unique<Router>(Router{name, Machine(p), true, {}}));
        return *routers_.back();
    }

    // Deliver an event to one router now, then everything it causes.
    void post(Router& r, const Event& e) {
        queue_.push_back({&r, e});
        pump();
    }

    // Advance simulated time to `t`, firing every due timer in deadline order.
    void run_until(Time t) {
        for (;;) {
            Router* next = nullptr;
            TimerId which = TimerId::advert;
            Time best = t;
            for (auto& r : routers_)
                for (size_t i = 0; i < kTimerCount; ++i) {
                    auto d = r->m.deadline(TimerId(i));
                    if (d && *d <= best && (!next || *d < best)) {
                        next = r.get();
                        which = TimerId(i);
                        best = *d;
                    }
                }
            if (!next) break;
            now = best;
            post(*next, Event::timer_expired(which));
        }
        now = t;
    }
    void run_for(Duration d) { run_until(now + d); }

  private:
    struct Pending {
        Router* to;
        Event ev;
    };

    void pump() {
        while (!queue_.empty()) {
            Pending p = queue_.front();
            queue_.pop_front();
            const Actions acts = p.to->m.handle(p.ev, now);
            for (const Action& a : acts) {
                p.to->log.push_back({now, a});
                if (a.kind != ActionKind::send_advert || !p.to->connected) continue;
                const Params& src = p.to->m.params();
                for (auto& r : routers_)
                    if (r.get() != p.to && r->connected)
                        queue_.push_back(
                            {r.get(), Event::advert_received(a.priority, src.primary, src.advert_interval)});
            }
        }
    }

    std::vector<std::unique_ptr<Router>> routers_;
    std::deque<Pending> queue_;
};

} // namespace test
} // namespace wg::vrrp
