// Control-plane policing: the classes of traffic the fast path hands to the
// control core, defined once. The one list below gives the fast path its
// class enum, its per-class counters (fastpath/counters.hpp) and its
// buckets; the config loader its keys (`dataplane.punt.CLASS`), the emitter
// what it writes, and the defaults. docs/config.md "dataplane.punt" gives
// the reasons for each default; docs/architecture.md "Control-plane
// policing" the classification.
//
// Thread-safety: constants and plain values only.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace wg {

// X(name, priority, rate_pps, burst, help); WG_PUNT_CLASSES(M, A) calls
// M(A, name, ...) instead (how fastpath/counters.hpp derives two counters a
// class inside its own X-list). `priority` classes travel on the
// workers' priority rings, which the control core drains first; floods of the
// other classes can only fill the bulk rings. Rates and bursts are per worker
// and ingress interface.
#define WG_PUNT_CLASSES(X, ...)                                                                              \
    X(__VA_ARGS__ __VA_OPT__(, ) vrrp, true, 2000, 200, "VRRP adverts (IP protocol 112 to 224.0.0.18)")      \
    X(__VA_ARGS__ __VA_OPT__(, ) arp_reply_to_us, true, 2000, 200,                                           \
      "ARP replies whose target is one of our addresses or VIPs")                                            \
    X(__VA_ARGS__ __VA_OPT__(, ) arp_request, false, 5000, 500,                                              \
      "ARP requests for one of our addresses or VIPs")                                                       \
    X(__VA_ARGS__ __VA_OPT__(, ) arp_other, false, 2000, 200,                                                \
      "other ARP: requests between other hosts, gratuitous ARP, other replies, malformed")                   \
    X(__VA_ARGS__ __VA_OPT__(, ) resolve, false, 10000, 1000,                                                \
      "forwarded packets whose next hop has no adjacency (arp_miss)")                                        \
    X(__VA_ARGS__ __VA_OPT__(, ) local, false, 1000, 100,                                                    \
      "IPv4 to one of our addresses or VIPs (ICMP echo)")                                                    \
    X(__VA_ARGS__ __VA_OPT__(, ) ttl_exceeded, false, 200, 100,                                              \
      "forwarded packets whose TTL expired (for ICMP time-exceeded)")

enum class PuntClass : uint8_t {
#define WG_X(name, prio, rate, burst, help) name,
    WG_PUNT_CLASSES(WG_X)
#undef WG_X
};

struct PuntClassInfo {
    std::string_view name;
    bool priority;
    uint32_t rate_pps; // default
    uint32_t burst;    // default
    std::string_view help;
};

inline constexpr std::array kPuntClassInfo{
#define WG_X(name, prio, rate, burst, help) PuntClassInfo{#name, prio, rate, burst, help},
    WG_PUNT_CLASSES(WG_X)
#undef WG_X
};
inline constexpr unsigned kPuntClassCount = unsigned(kPuntClassInfo.size());

// Config ranges (docs/config.md). A rate of 0 (no limit) exists only for
// tests of the fast path; the config always polices.
inline constexpr uint32_t kPuntRateMin = 1, kPuntRateMax = 10'000'000;
inline constexpr uint32_t kPuntBurstMin = 1, kPuntBurstMax = 65536;

struct PuntPolicer {
    uint32_t rate_pps = 0; // tokens per second; 0: unlimited
    uint32_t burst = 0;    // bucket depth, frames
    bool operator==(const PuntPolicer&) const = default;
};

// One policer per class, indexed by PuntClass.
using PuntPolicers = std::array<PuntPolicer, kPuntClassCount>;

inline constexpr PuntPolicers punt_policer_defaults() {
    PuntPolicers p{};
    for (unsigned i = 0; i < kPuntClassCount; ++i)
        p[i] = {kPuntClassInfo[i].rate_pps, kPuntClassInfo[i].burst};
    return p;
}

} // namespace wg
