#include "control/icmp.hpp"

#include <cstring>

namespace wg::control::icmp {
namespace {

constexpr size_t kEth = 14;

uint16_t checksum(std::span<const uint8_t> b) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < b.size(); i += 2) sum += uint32_t(b[i] << 8 | b[i + 1]);
    if (b.size() & 1) sum += uint32_t(b.back() << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

void put16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8), p[1] = uint8_t(v); }

// The IPv4 header of an Ethernet frame, validated: header length and total
// length inside the frame, header checksum correct.
bool ipv4(std::span<const uint8_t> frame, size_t& hlen, size_t& total) {
    if (frame.size() < kEth + 20 || frame[12] != 0x08 || frame[13] != 0x00) return false;
    const uint8_t* ip = frame.data() + kEth;
    if ((ip[0] >> 4) != 4) return false;
    hlen = size_t(ip[0] & 0xf) * 4;
    total = size_t(ip[2] << 8 | ip[3]);
    if (hlen < 20 || total < hlen || kEth + total > frame.size()) return false;
    return checksum({ip, hlen}) == 0;
}

} // namespace

std::optional<std::vector<uint8_t>> echo_reply(std::span<const uint8_t> frame, const Mac& our_mac, Counter* why) {
    size_t hlen = 0, total = 0;
    if (!ipv4(frame, hlen, total)) {
        *why = Counter::malformed;
        return std::nullopt;
    }
    const uint8_t* ip = frame.data() + kEth;
    if (ip[9] != 1 || total < hlen + 8 || ip[hlen] != 8 || ip[hlen + 1] != 0) {
        *why = total < hlen + 8 && ip[9] == 1 ? Counter::malformed : Counter::not_echo;
        return std::nullopt;
    }
    if (checksum({ip + hlen, total - hlen}) != 0) {
        *why = Counter::malformed;
        return std::nullopt;
    }
    std::vector<uint8_t> out(kEth + total);
    std::memcpy(out.data(), frame.data() + 6, 6); // back to the sender
    std::memcpy(out.data() + 6, our_mac.bytes.data(), 6);
    out[12] = 0x08, out[13] = 0x00;
    uint8_t* o = out.data() + kEth;
    std::memcpy(o, ip, total);
    std::memcpy(o + 12, ip + 16, 4); // source = the address that was pinged
    std::memcpy(o + 16, ip + 12, 4);
    o[8] = 64;                        // fresh TTL
    put16(o + 10, 0);
    put16(o + 10, checksum({o, hlen}));
    o[hlen] = 0; // echo reply
    put16(o + hlen + 2, 0);
    put16(o + hlen + 2, checksum({o + hlen, total - hlen}));
    *why = Counter::echo_replied;
    return out;
}

std::optional<std::vector<uint8_t>> time_exceeded(std::span<const uint8_t> frame, Ipv4 our_ip, const Mac& our_mac) {
    size_t hlen = 0, total = 0;
    if (!ipv4(frame, hlen, total)) return std::nullopt;
    const uint8_t* ip = frame.data() + kEth;
    const bool first_fragment = (uint16_t(ip[6] << 8 | ip[7]) & 0x1fff) == 0;
    const bool icmp_error = ip[9] == 1 && total >= hlen + 1 && ip[hlen] != 8 && ip[hlen] != 0;
    if (!first_fragment || icmp_error) return std::nullopt; // RFC 1812 §4.3.2.7
    const size_t quote = std::min(total, hlen + 8);
    const size_t len = 20 + 8 + quote;
    std::vector<uint8_t> out(kEth + len, 0);
    std::memcpy(out.data(), frame.data() + 6, 6);
    std::memcpy(out.data() + 6, our_mac.bytes.data(), 6);
    out[12] = 0x08, out[13] = 0x00;
    uint8_t* o = out.data() + kEth;
    o[0] = 0x45;
    put16(o + 2, uint16_t(len));
    o[8] = 64, o[9] = 1;
    for (int i = 0; i < 4; ++i) o[12 + i] = uint8_t(our_ip.value >> (24 - 8 * i));
    std::memcpy(o + 16, ip + 12, 4);
    put16(o + 10, checksum({o, 20}));
    uint8_t* icmp = o + 20;
    icmp[0] = 11; // time exceeded, code 0: TTL exceeded in transit
    std::memcpy(icmp + 8, ip, quote);
    put16(icmp + 2, checksum({icmp, 8 + quote}));
    return out;
}

} // namespace wg::control::icmp
