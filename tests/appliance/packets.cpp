#include "tests/appliance/packets.hpp"

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
