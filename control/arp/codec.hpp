// ARP codec for IPv4 over Ethernet (RFC 826): pure functions over byte spans
// (one function per direction, no state). No sockets, no DPDK: the control core hands a punted frame
// in, and gets frames to inject out.
//
// Frame layout (network byte order), 42 bytes, padded with zeros to the
// 60-byte Ethernet minimum (no FCS) when built:
//
//   0   Ethernet destination (6)      6  Ethernet source (6)   12  type 0x0806 (2)
//   14  htype 1 (2)   16  ptype 0x0800 (2)   18  hlen 6   19  plen 4   20  op (2)
//   22  sender MAC (6)   28  sender IP (4)   32  target MAC (6)   38  target IP (4)
//
// The receive ladder (decode) rejects what no IPv4-over-Ethernet host may
// send and notes three legal oddities (counters.hpp):
//   - Ethernet source != sender MAC: VRRP Masters answer ARP for a VIP from
//     the virtual MAC (RFC 5798 §8.1.2), and bridges/proxies do similar
//     things; the sender MAC field is what counts.
//   - sender IP 0.0.0.0 = ARP probe (RFC 5227 §2.1.1): the sender does not
//     own an address yet, so it is never learned, but a probe for our
//     address is answered so the prober detects the conflict.
//   - sender IP == target IP = gratuitous ARP / announcement (RFC 5227 §3,
//     RFC 5944 §4.6), as request or reply.
// VLAN-tagged frames never get here: the fast path punts only frames whose
// Ethernet type is ARP (fastpath/worker.cpp; docs/architecture.md "Packet
// paths" step 2).
//
// Thread-safety: every function is reentrant; call from any thread. No
// exceptions, no allocation.
#pragma once

#include "config/net.hpp"
#include "control/arp/counters.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace wg::arp {

inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kHtypeEthernet = 1;
inline constexpr size_t kEthHeaderLen = 14;
inline constexpr size_t kArpBodyLen = 28;
inline constexpr size_t kArpFrameLen = kEthHeaderLen + kArpBodyLen; // 42
inline constexpr size_t kFrameLen = 60;                             // minimum Ethernet frame without FCS
inline constexpr Mac kBroadcastMac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

enum class Op : uint16_t { request = 1, reply = 2 };

// One ARP frame, decoded or to be encoded.
struct Packet {
    Mac eth_dst;
    Mac eth_src;
    Op op = Op::request;
    Mac sender_mac;
    Ipv4 sender_ip;
    Mac target_mac;
    Ipv4 target_ip;

    // RFC 5227 §2.1.1: a probe's sender IP is all zeros.
    bool is_probe() const { return sender_ip.value == 0; }
    // RFC 5227 §3 announcement / classic gratuitous ARP (request or reply).
    bool is_gratuitous() const { return sender_ip == target_ip && sender_ip.value != 0; }

    friend bool operator==(const Packet&, const Packet&) = default;
};

struct RxResult {
    RxCounter verdict = RxCounter::drop_short; // `accepted` or the drop_* check that failed
    Packet packet;                             // meaningful when accepted
    bool eth_src_differs = false;              // note_eth_src_differs
    bool accepted() const { return verdict == RxCounter::accepted; }
};

// The receive ladder, one counter per check (counters.hpp, in order). `stats`
// (optional) gets exactly one of accepted/drop_*, plus the note_* counters
// of an accepted frame. Bytes after the 42 (Ethernet padding) are ignored.
RxResult decode(std::span<const uint8_t> frame, RxStats* stats = nullptr) noexcept;

// True when `mac` may be a sender hardware address: unicast and not zero.
constexpr bool valid_sender_mac(const Mac& mac) {
    return !mac.is_multicast() && !mac.is_zero(); // broadcast is multicast
}
// True when `ip` may be a sender protocol address: not multicast (224/4), not
// the limited broadcast, not loopback (127/8). 0.0.0.0 (a probe) is allowed.
constexpr bool valid_sender_ip(Ipv4 ip) {
    const uint32_t v = ip.value;
    return (v >> 28) != 0xe && v != 0xffffffffu && (v >> 24) != 127;
}

using Frame = std::array<uint8_t, kFrameLen>;

// Writes `p` into `out` (at least kFrameLen bytes), zero padded to kFrameLen.
// Returns the bytes written (kFrameLen), or 0 when `out` is too small.
// Encodes whatever it is given: validity is the caller's business (tests
// build malformed frames with it).
size_t encode(const Packet& p, std::span<uint8_t> out) noexcept;
Frame encode(const Packet& p) noexcept;

// ---- builders (return the Packet; encode() it, or use the build_* forms) ----

// Request for `target_ip` from (`mac`, `ip`). Broadcast, or, when `unicast_to`
// is given, a unicast probe to the MAC we believe the target has (refresh
// before expiry, like Linux's unicast probes). Target MAC zero (RFC 5227 §2.1.1
// "ignored"; RFC 826 leaves it unspecified).
Packet request(const Mac& mac, Ipv4 ip, Ipv4 target_ip, const Mac* unicast_to = nullptr);
// Answer to `req` on behalf of `ip` with `mac` (port MAC, or the VRRP virtual
// MAC for a VIP; Ethernet source = `mac` too, RFC 5798 §8.1.2). Sent to the
// requester's sender MAC (RFC 826: "swap" the fields); for a probe the target
// IP is therefore 0.0.0.0, as Linux does.
Packet reply(const Packet& req, const Mac& mac, Ipv4 ip);
// Gratuitous ARP for `ip` owned by `mac` (VRRP's on becoming Master: sender =
// VIP, sender MAC = Ethernet source = virtual MAC, RFC 5798 §6.4.1): broadcast,
// sender IP = target IP. Request form (RFC 5227 §3 recommends it) with a zero
// target MAC; the reply form (op 2) carries target MAC = `mac` (RFC 5944 §4.6).
Packet gratuitous(const Mac& mac, Ipv4 ip, Op op = Op::request);

inline Frame build_request(const Mac& mac, Ipv4 ip, Ipv4 target_ip, const Mac* unicast_to = nullptr) {
    return encode(request(mac, ip, target_ip, unicast_to));
}
inline Frame build_reply(const Packet& req, const Mac& mac, Ipv4 ip) {
    return encode(reply(req, mac, ip));
}
inline Frame build_gratuitous(const Mac& mac, Ipv4 ip, Op op = Op::request) {
    return encode(gratuitous(mac, ip, op));
}

} // namespace wg::arp
