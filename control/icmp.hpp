// ICMP for the control core (pure functions over frames): echo replies for
// our addresses and, while Master, for the VIPs (hosts ping their gateway;
// answered as an address owner would, RFC 5798 §6.4.3, there being no
// Accept_Mode key), and time-exceeded errors for packets whose TTL expired in the
// fast path (RFC 1812 §5.3.1, §4.3.2.8 rate-limited by the caller).
//
// Thread-safety: reentrant.
#pragma once

#include "common/counters.hpp"
#include "config/net.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace wg::control::icmp {

// X(key, help): outcomes of handle_local(), defined once.
#define WG_ICMP_COUNTERS(X)                                                              \
    X(echo_replied, "echo requests answered")                                            \
    X(echo_vip_not_master, "echo requests to a VIP while not Master (silently dropped)") \
    X(not_echo, "IPv4 for us that is not an ICMP echo request (dropped)")                \
    X(malformed, "truncated or bad-checksum IPv4/ICMP (dropped)")                        \
    X(time_exceeded_sent, "ICMP time exceeded sent for TTL expiry")                      \
    X(time_exceeded_limited, "ICMP time exceeded not sent: rate limit")

enum class Counter : unsigned { WG_ICMP_COUNTERS(WG_COUNTER_ENUM) count_ };

inline constexpr CounterInfo kCounterInfo[] = {WG_ICMP_COUNTERS(WG_COUNTER_INFO)};

// If `frame` (Ethernet + IPv4) is an ICMP echo request, the reply frame:
// addresses swapped, `our_mac` as Ethernet source, type 0, checksums fixed.
// nullopt (with `why`) otherwise.
std::optional<std::vector<uint8_t>> echo_reply(std::span<const uint8_t> frame, const Mac& our_mac, Counter* why);

// ICMP time exceeded (type 11 code 0) for the expired packet in `frame`,
// from `our_ip`/`our_mac` back to the frame's Ethernet source; quotes the
// IPv4 header + 8 bytes (RFC 792). nullopt when the packet must not get an
// ICMP error (RFC 1812 §4.3.2.7: ICMP errors, fragments other than the first).
std::optional<std::vector<uint8_t>> time_exceeded(std::span<const uint8_t> frame, Ipv4 our_ip, const Mac& our_mac);

} // namespace wg::control::icmp
