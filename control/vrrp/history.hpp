// The last state changes of one VRRP group, with their reasons, for
// `display vrrp` (like keepalived's and VRP's "state change reason").
//
// Thread-safety: owned by its Machine; control lcore only.
#pragma once

#include "control/vrrp/time.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wg::vrrp {

// X(key, text). State names, defined once for display, JSON and telemetry.
#define WG_VRRP_STATES(X)                                                                                    \
    X(initialize, "Initialize")                                                                              \
    X(backup, "Backup")                                                                                      \
    X(master, "Master")                                                                                      \
    X(fault, "Fault")

enum class State : uint8_t {
#define WG_X(key, text) key,
    WG_VRRP_STATES(WG_X)
#undef WG_X
};

constexpr std::string_view state_name(State s) {
    switch (s) {
#define WG_X(key, text)                                                                                      \
    case State::key:                                                                                         \
        return text;
        WG_VRRP_STATES(WG_X)
#undef WG_X
    }
    return "?";
}

// X(key, text). Why a transition happened; each names the rule it applies.
#define WG_VRRP_REASONS(X)                                                                                   \
    X(startup_owner, "startup as address owner, priority 255 (RFC 5798 §6.4.1)")                             \
    X(startup, "startup (RFC 5798 §6.4.1)")                                                                  \
    X(master_down, "Master_Down_Timer expired: no Master heard (RFC 5798 §6.4.2)")                           \
    X(master_released, "Master released with priority 0, took over after Skew_Time (§6.4.2)")                \
    X(higher_priority, "advert with a higher priority (RFC 5798 §6.4.3)")                                    \
    X(higher_address, "advert with equal priority from a higher address (RFC 5798 §6.4.3)")                  \
    X(preempt, "preempted a lower-priority Master (RFC 5798 §6.4.2, Preempt_Mode)")                          \
    X(preempt_delay, "preempted a lower-priority Master after the preempt delay (seed)")                     \
    X(preempt_hold_released, "preempted once the remote-backup hold was released (sync-protocol.md §5)")     \
    X(shutdown, "shutdown (RFC 5798 §6.4.2/§6.4.3)")                                                         \
    X(interface_down, "interface down")                                                                      \
    X(interface_up, "interface up")                                                                          \
    X(admin_follow, "follows its admin VRRP group (admin-vrrp)")

enum class Reason : uint8_t {
#define WG_X(key, text) key,
    WG_VRRP_REASONS(WG_X)
#undef WG_X
};

constexpr std::string_view reason_text(Reason r) {
    switch (r) {
#define WG_X(key, text)                                                                                      \
    case Reason::key:                                                                                        \
        return text;
        WG_VRRP_REASONS(WG_X)
#undef WG_X
    }
    return "?";
}

constexpr std::string_view reason_key(Reason r) {
    switch (r) {
#define WG_X(key, text)                                                                                      \
    case Reason::key:                                                                                        \
        return #key;
        WG_VRRP_REASONS(WG_X)
#undef WG_X
    }
    return "?";
}

struct Transition {
    Time at{};
    State from = State::initialize;
    State to = State::initialize;
    Reason reason = Reason::startup;
};

// Fixed ring: no allocation, the oldest entry is overwritten.
class History {
  public:
    static constexpr size_t kCapacity = 16;

    void record(const Transition& t) {
        ring_[next_] = t;
        next_ = (next_ + 1) % kCapacity;
        if (size_ < kCapacity) ++size_;
        ++total_;
    }
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    // i = 0 is the newest entry; i < size().
    const Transition& newest(size_t i) const { return ring_[(next_ + kCapacity - 1 - i) % kCapacity]; }
    // Total recorded since construction (the ring keeps the last kCapacity).
    uint64_t total() const { return total_; }

    template <typename F>
    void for_each_newest_first(F&& f) const {
        for (size_t i = 0; i < size_; ++i)
            f(newest(i));
    }

  private:
    std::array<Transition, kCapacity> ring_{};
    size_t next_ = 0;
    size_t size_ = 0;
    uint64_t total_ = 0;
};

} // namespace wg::vrrp
