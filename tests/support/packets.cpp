#include "tests/support/packets.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

namespace wg::apptest {
namespace {

void put16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v >> 8), p[1] = uint8_t(v);
}
void put32(uint8_t* p, uint32_t v) {
    put16(p, uint16_t(v >> 16)), put16(p + 2, uint16_t(v));
}
uint16_t get16(const uint8_t* p) {
    return uint16_t(p[0] << 8 | p[1]);
}
uint32_t get32(const uint8_t* p) {
    return uint32_t(get16(p)) << 16 | get16(p + 2);
}

uint32_t swap32(uint32_t v) {
    return __builtin_bswap32(v);
}

} // namespace

std::optional<MacBytes> parse_mac(const std::string& text) {
    MacBytes m{};
    unsigned b[6];
    char tail = 0;
    if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
                    &tail) != 6)
        return std::nullopt;
    for (int i = 0; i < 6; ++i)
        m[size_t(i)] = uint8_t(b[i]);
    return m;
}

std::string mac_str(const MacBytes& mac) {
    char s[18];
    std::snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
                  mac[5]);
    return s;
}

uint32_t ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d;
}

MacBytes net_pcap_mac(uint8_t index) {
    return {0x02, 0x70, 0x63, 0x61, 0x70, index};
}

uint16_t ones_sum(const uint8_t* p, size_t len) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += get16(p + i);
    if (len & 1) sum += uint32_t(p[len - 1]) << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(sum);
}

Bytes build(const Ipv4Udp& s) {
    const size_t ihl = 20 + 4 * s.option_words;
    Bytes f(kEthLen + ihl + 8 + s.payload.size(), 0);
    std::memcpy(&f[0], s.dst_mac.data(), 6);
    std::memcpy(&f[6], s.src_mac.data(), 6);
    put16(&f[12], 0x0800);
    uint8_t* ip = &f[kEthLen];
    ip[0] = uint8_t(0x40 | (ihl / 4));
    put16(ip + 2, uint16_t(ihl + 8 + s.payload.size()));
    put16(ip + 4, s.id);
    ip[8] = s.ttl;
    ip[9] = 17; // UDP
    put32(ip + 12, s.src);
    put32(ip + 16, s.dst);
    for (size_t i = 20; i < ihl; ++i)
        ip[i] = i + 1 < ihl ? 0x01 : 0x00; // NOPs, then End of Options
    uint16_t ck = uint16_t(~ones_sum(ip, ihl));
    // Flipping one bit of the field moves the sum by 0x100: never valid.
    if (s.corrupt_checksum) ck ^= 0x0100;
    put16(ip + 10, ck);
    uint8_t* udp = ip + ihl;
    put16(udp, 4000), put16(udp + 2, 5000), put16(udp + 4, uint16_t(8 + s.payload.size()));
    std::memcpy(udp + 8, s.payload.data(), s.payload.size());
    return f;
}

Bytes arp_request(const MacBytes& dst_mac, const MacBytes& src_mac, uint32_t sender, uint32_t target) {
    Bytes f(60, 0); // padded to the Ethernet minimum, as on a wire
    std::memcpy(&f[0], dst_mac.data(), 6);
    std::memcpy(&f[6], src_mac.data(), 6);
    put16(&f[12], 0x0806);
    uint8_t* a = &f[kEthLen];
    put16(a, 1), put16(a + 2, 0x0800);
    a[4] = 6, a[5] = 4;
    put16(a + 6, 1); // request
    std::memcpy(a + 8, src_mac.data(), 6);
    put32(a + 14, sender);
    put32(a + 24, target);
    return f;
}

uint16_t ethertype(const Bytes& f) {
    return f.size() >= kEthLen ? get16(&f[12]) : 0;
}
unsigned ip_header_len(const Bytes& f) {
    return f.size() > kEthLen ? (f[kEthLen] & 0xfu) * 4 : 0;
}
uint8_t ip_ttl(const Bytes& f) {
    return f.size() > kEthLen + 8 ? f[kEthLen + 8] : 0;
}
uint16_t ip_checksum_field(const Bytes& f) {
    return f.size() >= kEthLen + 12 ? get16(&f[kEthLen + 10]) : 0;
}
uint32_t ip_dst(const Bytes& f) {
    return f.size() >= kEthLen + 20 ? get32(&f[kEthLen + 16]) : 0;
}

bool ip_checksum_ok(const Bytes& f) {
    const unsigned hl = ip_header_len(f);
    return hl >= 20 && f.size() >= kEthLen + hl && ones_sum(&f[kEthLen], hl) == 0xffff;
}

uint16_t ip_checksum_compute(const Bytes& f) {
    const unsigned hl = ip_header_len(f);
    if (hl < 20 || f.size() < kEthLen + hl) return 0;
    Bytes h(f.begin() + kEthLen, f.begin() + long(kEthLen + hl));
    h[10] = h[11] = 0;
    return uint16_t(~ones_sum(h.data(), h.size()));
}

// ---- Control-plane frames ------------------------------------------------------

namespace {

constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoVrrp = 112;

// Ethernet header + a 20-byte IPv4 header (no options, DF clear), header
// checksum filled; `payload_len` bytes follow, zeroed, for the caller.
Bytes ipv4_frame(const MacBytes& dst_mac, const MacBytes& src_mac, uint32_t src, uint32_t dst, uint8_t ttl,
                 uint8_t proto, size_t payload_len) {
    Bytes f(std::max<size_t>(kEthLen + 20 + payload_len, 60), 0);
    std::memcpy(&f[0], dst_mac.data(), 6);
    std::memcpy(&f[6], src_mac.data(), 6);
    put16(&f[12], 0x0800);
    uint8_t* ip = &f[kEthLen];
    ip[0] = 0x45;
    put16(ip + 2, uint16_t(20 + payload_len));
    ip[8] = ttl;
    ip[9] = proto;
    put32(ip + 12, src);
    put32(ip + 16, dst);
    put16(ip + 10, uint16_t(~ones_sum(ip, 20)));
    return f;
}

// The IPv4 payload of `f` if it is a well-formed IPv4 packet of `proto`
// (bounded by the total length, so Ethernet padding is left out).
bool ipv4_payload(const Bytes& f, uint8_t proto, size_t& off, size_t& len) {
    if (ethertype(f) != 0x0800 || f.size() < kEthLen + 20) return false;
    const uint8_t* ip = &f[kEthLen];
    const unsigned hl = (ip[0] & 0xfu) * 4;
    const unsigned total = get16(ip + 2);
    if ((ip[0] >> 4) != 4 || hl < 20 || total < hl || f.size() < kEthLen + total || ip[9] != proto)
        return false;
    off = kEthLen + hl;
    len = total - hl;
    return true;
}

MacBytes mac_at(const Bytes& f, size_t off) {
    MacBytes m;
    std::memcpy(m.data(), &f[off], 6);
    return m;
}

// RFC 5798 §5.2.8: the sum over {src, dst, zero, protocol, VRRP length}.
uint16_t vrrp3_checksum_sum(uint32_t src, uint32_t dst, const uint8_t* vrrp, size_t len) {
    Bytes buf(12 + len);
    put32(&buf[0], src);
    put32(&buf[4], dst);
    buf[9] = kProtoVrrp;
    put16(&buf[10], uint16_t(len));
    std::memcpy(&buf[12], vrrp, len);
    return ones_sum(buf.data(), buf.size());
}

} // namespace

MacBytes vrrp_virtual_mac(uint8_t vrid) {
    return {0x00, 0x00, 0x5e, 0x00, 0x01, vrid};
}

Bytes build_arp(const Arp& a) {
    Bytes f(60, 0);
    std::memcpy(&f[0], a.eth_dst.data(), 6);
    std::memcpy(&f[6], a.eth_src.data(), 6);
    put16(&f[12], 0x0806);
    uint8_t* p = &f[kEthLen];
    put16(p, 1), put16(p + 2, 0x0800);
    p[4] = 6, p[5] = 4;
    put16(p + 6, a.op);
    std::memcpy(p + 8, a.sender_mac.data(), 6);
    put32(p + 14, a.sender_ip);
    std::memcpy(p + 18, a.target_mac.data(), 6);
    put32(p + 24, a.target_ip);
    return f;
}

std::optional<Arp> parse_arp(const Bytes& f) {
    if (ethertype(f) != 0x0806 || f.size() < kEthLen + 28) return std::nullopt;
    const uint8_t* p = &f[kEthLen];
    if (get16(p) != 1 || get16(p + 2) != 0x0800 || p[4] != 6 || p[5] != 4) return std::nullopt;
    Arp a;
    a.eth_dst = mac_at(f, 0);
    a.eth_src = mac_at(f, 6);
    a.op = get16(p + 6);
    a.sender_mac = mac_at(f, kEthLen + 8);
    a.sender_ip = get32(p + 14);
    a.target_mac = mac_at(f, kEthLen + 18);
    a.target_ip = get32(p + 24);
    return a;
}

Bytes build_icmp_echo(const IcmpEcho& e) {
    const size_t len = 8 + e.data.size();
    Bytes f = ipv4_frame(e.dst_mac, e.src_mac, e.src, e.dst, e.ttl, kProtoIcmp, len);
    uint8_t* icmp = &f[kEthLen + 20];
    icmp[0] = e.type;
    put16(icmp + 4, e.id);
    put16(icmp + 6, e.seq);
    std::memcpy(icmp + 8, e.data.data(), e.data.size());
    put16(icmp + 2, uint16_t(~ones_sum(icmp, len)));
    return f;
}

std::optional<IcmpEcho> parse_icmp_echo(const Bytes& f) {
    size_t off = 0, len = 0;
    if (!ipv4_payload(f, kProtoIcmp, off, len) || len < 8) return std::nullopt;
    const uint8_t* icmp = &f[off];
    if ((icmp[0] != 0 && icmp[0] != 8) || icmp[1] != 0) return std::nullopt;
    IcmpEcho e;
    e.dst_mac = mac_at(f, 0);
    e.src_mac = mac_at(f, 6);
    e.src = get32(&f[kEthLen + 12]);
    e.dst = ip_dst(f);
    e.ttl = ip_ttl(f);
    e.type = icmp[0];
    e.id = get16(icmp + 4);
    e.seq = get16(icmp + 6);
    e.data.assign(icmp + 8, icmp + len);
    e.checksums_ok = ip_checksum_ok(f) && ones_sum(icmp, len) == 0xffff;
    return e;
}

Bytes build_vrrp3(const VrrpAdvert& a) {
    const size_t len = 8 + 4 * a.addresses.size();
    Bytes f = ipv4_frame(a.dst_mac, a.src_mac, a.src, a.dst, a.ttl, kProtoVrrp, len);
    uint8_t* v = &f[kEthLen + 20];
    v[0] = uint8_t(a.version << 4 | a.type);
    v[1] = a.vrid;
    v[2] = a.priority;
    v[3] = uint8_t(a.addresses.size());
    put16(v + 4, uint16_t(a.interval_cs & 0x0fff)); // 4 reserved bits, zero
    for (size_t i = 0; i < a.addresses.size(); ++i)
        put32(v + 8 + 4 * i, a.addresses[i]);
    put16(v + 6, uint16_t(~vrrp3_checksum_sum(a.src, a.dst, v, len)));
    return f;
}

std::optional<VrrpAdvert> parse_vrrp(const Bytes& f) {
    size_t off = 0, len = 0;
    if (!ipv4_payload(f, kProtoVrrp, off, len) || len < 8) return std::nullopt;
    const uint8_t* v = &f[off];
    if (len < 8 + 4 * size_t(v[3])) return std::nullopt;
    VrrpAdvert a;
    a.dst_mac = mac_at(f, 0);
    a.src_mac = mac_at(f, 6);
    a.src = get32(&f[kEthLen + 12]);
    a.dst = ip_dst(f);
    a.ttl = ip_ttl(f);
    a.version = v[0] >> 4;
    a.type = v[0] & 0xf;
    a.vrid = v[1];
    a.priority = v[2];
    a.interval_cs = get16(v + 4) & 0x0fff;
    for (size_t i = 0; i < v[3]; ++i)
        a.addresses.push_back(get32(v + 8 + 4 * i));
    a.checksums_ok = ip_checksum_ok(f) && vrrp3_checksum_sum(a.src, a.dst, v, len) == 0xffff;
    return a;
}

void write_pcap(const std::string& path, const std::vector<Bytes>& frames) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    // Global header (native byte order): magic, v2.4, thiszone, sigfigs,
    // snaplen, LINKTYPE_ETHERNET.
    const uint32_t magic = 0xa1b2c3d4, zone = 0, sigfigs = 0, snaplen = 65535, linktype = 1;
    const uint16_t major = 2, minor = 4;
    out.write(reinterpret_cast<const char*>(&magic), 4);
    out.write(reinterpret_cast<const char*>(&major), 2);
    out.write(reinterpret_cast<const char*>(&minor), 2);
    for (uint32_t v : {zone, sigfigs, snaplen, linktype})
        out.write(reinterpret_cast<const char*>(&v), 4);
    uint32_t n = 0;
    for (const auto& f : frames) {
        const uint32_t rec[4] = {1, n++, uint32_t(f.size()), uint32_t(f.size())};
        out.write(reinterpret_cast<const char*>(rec), sizeof rec);
        out.write(reinterpret_cast<const char*>(f.data()), std::streamsize(f.size()));
    }
}

bool read_pcap(const std::string& path, std::vector<Bytes>& frames, std::string& error) {
    frames.clear();
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = path + ": cannot open";
        return false;
    }
    const Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (data.size() < 24) {
        error = path + ": " + std::to_string(data.size()) + " bytes, shorter than a pcap header";
        return false;
    }
    uint32_t magic;
    std::memcpy(&magic, data.data(), 4);
    bool swapped = false;
    if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
        swapped = false;
    } else if (swap32(magic) == 0xa1b2c3d4 || swap32(magic) == 0xa1b23c4d) {
        swapped = true;
    } else {
        error = path + ": not a pcap file";
        return false;
    }
    auto u32 = [&](size_t off) {
        uint32_t v;
        std::memcpy(&v, &data[off], 4);
        return swapped ? swap32(v) : v;
    };
    if (u32(20) != 1) {
        error = path + ": link type " + std::to_string(u32(20)) + ", expected Ethernet (1)";
        return false;
    }
    size_t off = 24;
    while (off < data.size()) {
        if (data.size() - off < 16) {
            error = path + ": truncated record header at offset " + std::to_string(off);
            return false;
        }
        const uint32_t incl = u32(off + 8), orig = u32(off + 12);
        off += 16;
        if (data.size() - off < incl) {
            error = path + ": record of " + std::to_string(incl) + " bytes truncated at offset " +
                    std::to_string(off);
            return false;
        }
        if (incl != orig) {
            error =
                path + ": record captured " + std::to_string(incl) + " of " + std::to_string(orig) + " bytes";
            return false;
        }
        frames.emplace_back(data.begin() + long(off), data.begin() + long(off + incl));
        off += incl;
    }
    return true;
}

} // namespace wg::apptest
