// The fast path's counters, defined once (common/counters.hpp): the worker
// increments them, `display statistics`, its JSON and the telemetry endpoint
// all render from this one list.
//
// Thread-safety: each worker owns its WorkerStats (written by that lcore
// only, plain stores); readers on the control lcore may see a value one
// burst old, never a torn one (aligned 64-bit stores are atomic on x86-64).
#pragma once

#include "config/punt.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace wg::fastpath {

// Two counters per punt class (config/punt.hpp), in class order:
// punted_CLASS and drop_policer_CLASS (over the class's rate and burst).
#define WG_PUNT_CLASS_COUNTERS(X, name, prio, rate, burst, help)                                        \
    X(punted_##name, "punted (class " #name "): " help)                                               \
    X(drop_policer_##name, "dropped over the rate and burst of class " #name " (dataplane.punt)")

// X(key, help). Every drop reason has its own counter (grout's ip_input).
#define WG_WORKER_COUNTERS(X)                                                               \
    X(rx, "frames received")                                                                \
    X(tx, "frames handed to the NIC")                                                       \
    X(forwarded, "IPv4 packets forwarded")                                                  \
    X(punted, "frames sent to the control core (all classes)")                              \
    X(injected, "frames sent on behalf of the control core")                               \
    X(arp_miss, "forwarded packets whose next hop had no adjacency")                       \
    X(drop_l2_not_for_us, "unicast frames for another MAC (or a Backup's virtual MAC)")    \
    X(drop_runt, "frames too short for their headers")                                     \
    X(drop_ethertype, "frames neither IPv4 nor ARP")                                       \
    X(drop_ip_version, "IPv4 version field is not 4")                                      \
    X(drop_ip_ihl, "IPv4 header length below 5 words or beyond the frame")                 \
    X(drop_ip_total_length, "IPv4 total length below the header or beyond the frame")     \
    X(drop_ip_checksum, "IPv4 header checksum mismatch")                                   \
    X(drop_ip_src, "IPv4 source is multicast, broadcast or loopback (RFC 1812 5.3.7)")     \
    X(drop_ip_dst, "IPv4 destination is multicast/broadcast and not VRRP")                 \
    X(drop_ttl_exceeded, "TTL would expire (handed to control for ICMP when in budget)")  \
    X(drop_no_route, "no route to the destination")                                       \
    X(drop_not_master, "egress interface's VRRP group is not Master")                      \
    X(drop_punt_ring_full, "bulk punt ring to the control core full")                      \
    X(drop_punt_priority_ring_full, "priority punt ring (VRRP, ARP replies to us) full")   \
    WG_PUNT_CLASSES(WG_PUNT_CLASS_COUNTERS, X)                                              \
    X(drop_tx_full, "TX queue full after buffering")                                       \
    X(drop_inject_invalid, "frames from control for an unknown port")

enum class Counter : unsigned {
#define WG_X(key, help) key,
    WG_WORKER_COUNTERS(WG_X)
#undef WG_X
        count_
};
inline constexpr unsigned kCounterCount = unsigned(Counter::count_);

// The counters of one punt class.
constexpr Counter punted_counter(PuntClass c) noexcept {
    return Counter(unsigned(Counter::punted_vrrp) + 2 * unsigned(c));
}
constexpr Counter policer_counter(PuntClass c) noexcept {
    return Counter(unsigned(Counter::drop_policer_vrrp) + 2 * unsigned(c));
}
static_assert(punted_counter(PuntClass::ttl_exceeded) == Counter::punted_ttl_exceeded);
static_assert(policer_counter(PuntClass::ttl_exceeded) == Counter::drop_policer_ttl_exceeded);

struct CounterInfo {
    std::string_view key;
    std::string_view help;
};
inline constexpr std::array<CounterInfo, kCounterCount> kCounterInfo{{
#define WG_X(key, help) {#key, help},
    WG_WORKER_COUNTERS(WG_X)
#undef WG_X
}};

// One cache-aligned block per worker lcore; nothing else shares its lines.
struct alignas(64) WorkerStats {
    std::array<uint64_t, kCounterCount> v{};
    uint64_t busy_cycles = 0;  // TSC cycles spent in polls that found work
    uint64_t busy_packets = 0; // packets handled in those polls
    uint64_t polls = 0;
    uint64_t idle_polls = 0;

    void add(Counter c, uint64_t n = 1) { v[unsigned(c)] += n; }
    uint64_t get(Counter c) const { return v[unsigned(c)]; }
};

} // namespace wg::fastpath
