// wg-trafgen's probe frames: Ethernet / IPv4 / UDP with a 22-byte payload, so
// that the classic 64-byte frame (60 + FCS is the Ethernet minimum; we send 64
// without FCS, like wg-pcapgen) carries everything the receiver needs to
// attribute a loss:
//
//   UDP source port  run id (a random 1024..65535 per tx run: frames of an
//                    older run, still queued somewhere, are not counted)
//   UDP dest port    9 (RFC 863 discard: nothing on a user host answers)
//   payload          magic "WGTG" | seq u32 | host_seq u32 | host u16 | tx_ns u64
//
// All fields big-endian. seq is global (the order of transmission), host is
// the host index (seq % hosts: round robin) and host_seq its per-host
// sequence (seq / hosts); tx_ns is CLOCK_MONOTONIC at transmission, which
// the receiver compares with its own clock and with the event marks (both
// tools run on one machine).
//
// Pure: no DPDK, no sockets. Thread-safety: reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

namespace wg::trafgen {

inline constexpr uint32_t kMagic = 0x57475447; // "WGTG"
inline constexpr uint16_t kDstPort = 9;
inline constexpr size_t kEthLen = 14, kIpLen = 20, kUdpLen = 8, kPayloadLen = 22;
inline constexpr size_t kHeadersLen = kEthLen + kIpLen + kUdpLen;
inline constexpr size_t kMinFrame = kHeadersLen + kPayloadLen; // 64
inline constexpr size_t kMaxFrame = 1514;

struct Probe {
    uint16_t run = 0;
    uint32_t seq = 0;
    uint32_t host_seq = 0;
    uint16_t host = 0;
    int64_t tx_ns = 0;
    uint32_t dst_ip = 0; // host byte order
};

namespace detail {
inline void put16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v >> 8), p[1] = uint8_t(v);
}
inline void put32(uint8_t* p, uint32_t v) {
    put16(p, uint16_t(v >> 16)), put16(p + 2, uint16_t(v));
}
inline void put64(uint8_t* p, uint64_t v) {
    put32(p, uint32_t(v >> 32)), put32(p + 4, uint32_t(v));
}
inline uint16_t get16(const uint8_t* p) {
    return uint16_t(p[0] << 8 | p[1]);
}
inline uint32_t get32(const uint8_t* p) {
    return uint32_t(get16(p)) << 16 | get16(p + 2);
}
inline uint64_t get64(const uint8_t* p) {
    return uint64_t(get32(p)) << 32 | get32(p + 4);
}
} // namespace detail

// RFC 1071 checksum over an IPv4 header.
inline uint16_t ipv4_checksum(const uint8_t* ip, size_t len) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += detail::get16(ip + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

// Writes the constant part of a frame of `size` bytes (addresses, lengths,
// ports, magic) into `f`; the per-packet fields are filled by stamp().
inline void build_template(uint8_t* f, size_t size, const uint8_t dst_mac[6], const uint8_t src_mac[6],
                           uint32_t src_ip, uint16_t run, uint8_t ttl) {
    using namespace detail;
    std::memset(f, 0, size);
    std::memcpy(f, dst_mac, 6);
    std::memcpy(f + 6, src_mac, 6);
    put16(f + 12, 0x0800);
    uint8_t* ip = f + kEthLen;
    ip[0] = 0x45;
    put16(ip + 2, uint16_t(size - kEthLen));
    put16(ip + 6, 0x4000); // DF: probes are never fragmented
    ip[8] = ttl;
    ip[9] = 17;
    put32(ip + 12, src_ip);
    uint8_t* udp = ip + kIpLen;
    put16(udp, run);
    put16(udp + 2, kDstPort);
    put16(udp + 4, uint16_t(size - kEthLen - kIpLen)); // checksum 0: none (RFC 768)
    put32(udp + kUdpLen, kMagic);
}

// Per-packet fields of a frame made by build_template(): destination, IP id
// and checksum, sequence numbers. The TX timestamp is separate (restamp())
// because a frame the port could not take yet is stamped again when it goes.
inline void stamp(uint8_t* f, uint32_t dst_ip, uint32_t seq, uint32_t host_seq, uint16_t host) {
    using namespace detail;
    uint8_t* ip = f + kEthLen;
    put16(ip + 4, uint16_t(seq));
    put32(ip + 16, dst_ip);
    put16(ip + 10, 0);
    put16(ip + 10, ipv4_checksum(ip, kIpLen));
    uint8_t* pl = f + kHeadersLen;
    put32(pl + 4, seq);
    put32(pl + 8, host_seq);
    put16(pl + 12, host);
}

inline void restamp(uint8_t* f, int64_t tx_ns) {
    detail::put64(f + kHeadersLen + 14, uint64_t(tx_ns));
}

// A probe of any run, or nullopt for every other frame (ARP, VRRP, other
// UDP, truncated, fragments, IP options are fine).
inline std::optional<Probe> decode(const uint8_t* f, size_t len) {
    using namespace detail;
    if (len < kMinFrame || get16(f + 12) != 0x0800) return std::nullopt;
    const uint8_t* ip = f + kEthLen;
    const size_t ihl = size_t(ip[0] & 0x0f) * 4;
    if ((ip[0] >> 4) != 4 || ihl < kIpLen || ip[9] != 17) return std::nullopt;
    if ((get16(ip + 6) & 0x3fff) != 0) return std::nullopt; // a fragment
    if (len < kEthLen + ihl + kUdpLen + kPayloadLen) return std::nullopt;
    const uint8_t* udp = ip + ihl;
    const uint8_t* pl = udp + kUdpLen;
    if (get16(udp + 2) != kDstPort || get32(pl) != kMagic) return std::nullopt;
    Probe p;
    p.run = get16(udp);
    p.seq = get32(pl + 4);
    p.host_seq = get32(pl + 8);
    p.host = get16(pl + 12);
    p.tx_ns = int64_t(get64(pl + 14));
    p.dst_ip = get32(ip + 16);
    return p;
}

} // namespace wg::trafgen
