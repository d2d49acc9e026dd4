#include "control/arp/codec.hpp"

#include <algorithm>

namespace wg::arp {

namespace {

// Byte offsets in the frame (codec.hpp diagram).
constexpr size_t kOffEthDst = 0, kOffEthSrc = 6, kOffEthType = 12;
constexpr size_t kOffHtype = 14, kOffPtype = 16, kOffHlen = 18, kOffPlen = 19, kOffOp = 20;
constexpr size_t kOffSha = 22, kOffSpa = 28, kOffTha = 32, kOffTpa = 38;

uint16_t get16(std::span<const uint8_t> b, size_t off) {
    return uint16_t(uint16_t(b[off]) << 8 | b[off + 1]);
}
uint32_t get32(std::span<const uint8_t> b, size_t off) {
    return uint32_t(b[off]) << 24 | uint32_t(b[off + 1]) << 16 | uint32_t(b[off + 2]) << 8 | b[off + 3];
}
Mac get_mac(std::span<const uint8_t> b, size_t off) {
    Mac m;
    std::copy_n(b.begin() + ptrdiff_t(off), 6, m.bytes.begin());
    return m;
}
void put16(std::span<uint8_t> b, size_t off, uint16_t v) {
    b[off] = uint8_t(v >> 8);
    b[off + 1] = uint8_t(v);
}
void put32(std::span<uint8_t> b, size_t off, uint32_t v) {
    for (int i = 0; i < 4; ++i)
        b[off + size_t(i)] = uint8_t(v >> (24 - 8 * i));
}
void put_mac(std::span<uint8_t> b, size_t off, const Mac& m) {
    std::copy(m.bytes.begin(), m.bytes.end(), b.begin() + ptrdiff_t(off));
}

} // namespace

RxResult decode(std::span<const uint8_t> f, RxStats* stats) noexcept {
    RxResult r;
    auto verdict = [&](RxCounter c) -> RxResult& {
        r.verdict = c;
        if (stats) stats->add(c);
        return r;
    };

    if (f.size() < kArpFrameLen) return verdict(RxCounter::drop_short);
    if (get16(f, kOffEthType) != kEtherTypeArp) return verdict(RxCounter::drop_ethertype);
    // RFC 826 "Packet Reception": hardware and protocol type must be ours,
    // and the lengths must be those of Ethernet and IPv4 (ar$hln, ar$pln).
    if (get16(f, kOffHtype) != kHtypeEthernet) return verdict(RxCounter::drop_htype);
    if (get16(f, kOffPtype) != kEtherTypeIpv4) return verdict(RxCounter::drop_ptype);
    if (f[kOffHlen] != 6) return verdict(RxCounter::drop_hlen);
    if (f[kOffPlen] != 4) return verdict(RxCounter::drop_plen);
    const uint16_t op = get16(f, kOffOp);
    if (op != uint16_t(Op::request) && op != uint16_t(Op::reply)) return verdict(RxCounter::drop_op);

    Packet& p = r.packet;
    p.eth_dst = get_mac(f, kOffEthDst);
    p.eth_src = get_mac(f, kOffEthSrc);
    p.op = Op(op);
    p.sender_mac = get_mac(f, kOffSha);
    p.sender_ip = Ipv4{get32(f, kOffSpa)};
    p.target_mac = get_mac(f, kOffTha);
    p.target_ip = Ipv4{get32(f, kOffTpa)};

    // A sender MAC nobody can own would poison the table (every downlink
    // packet to that host flooded or blackholed): never acceptable.
    if (!valid_sender_mac(p.sender_mac)) return verdict(RxCounter::drop_sender_mac);
    // RFC 1812 §5.3.7-style martians: no host has such an address.
    if (!valid_sender_ip(p.sender_ip)) return verdict(RxCounter::drop_sender_ip);

    verdict(RxCounter::accepted);
    // RFC 5798 §8.1.2: a VRRP Master answers from the virtual MAC while the
    // frame may be sourced elsewhere; the sender MAC field is authoritative.
    r.eth_src_differs = p.eth_src != p.sender_mac;
    if (stats) {
        if (r.eth_src_differs) stats->add(RxCounter::note_eth_src_differs);
        if (p.is_probe()) stats->add(RxCounter::note_probe);
        if (p.is_gratuitous()) stats->add(RxCounter::note_gratuitous);
    }
    return r;
}

size_t encode(const Packet& p, std::span<uint8_t> out) noexcept {
    if (out.size() < kFrameLen) return 0;
    std::fill_n(out.begin(), kFrameLen, uint8_t{0});
    put_mac(out, kOffEthDst, p.eth_dst);
    put_mac(out, kOffEthSrc, p.eth_src);
    put16(out, kOffEthType, kEtherTypeArp);
    put16(out, kOffHtype, kHtypeEthernet);
    put16(out, kOffPtype, kEtherTypeIpv4);
    out[kOffHlen] = 6;
    out[kOffPlen] = 4;
    put16(out, kOffOp, uint16_t(p.op));
    put_mac(out, kOffSha, p.sender_mac);
    put32(out, kOffSpa, p.sender_ip.value);
    put_mac(out, kOffTha, p.target_mac);
    put32(out, kOffTpa, p.target_ip.value);
    return kFrameLen;
}

Frame encode(const Packet& p) noexcept {
    Frame f{};
    encode(p, f);
    return f;
}

Packet request(const Mac& mac, Ipv4 ip, Ipv4 target_ip, const Mac* unicast_to) {
    Packet p;
    p.eth_dst = unicast_to ? *unicast_to : kBroadcastMac;
    p.eth_src = mac;
    p.op = Op::request;
    p.sender_mac = mac;
    p.sender_ip = ip;
    p.target_mac = Mac{};
    p.target_ip = target_ip;
    return p;
}

Packet reply(const Packet& req, const Mac& mac, Ipv4 ip) {
    Packet p;
    p.eth_dst = req.sender_mac;
    p.eth_src = mac;
    p.op = Op::reply;
    p.sender_mac = mac;
    p.sender_ip = ip;
    p.target_mac = req.sender_mac;
    p.target_ip = req.sender_ip;
    return p;
}

Packet gratuitous(const Mac& mac, Ipv4 ip, Op op) {
    Packet p;
    p.eth_dst = kBroadcastMac;
    p.eth_src = mac;
    p.op = op;
    p.sender_mac = mac;
    p.sender_ip = ip;
    p.target_mac = op == Op::reply ? mac : Mac{};
    p.target_ip = ip;
    return p;
}

} // namespace wg::arp
