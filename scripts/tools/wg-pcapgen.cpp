// wg-pcapgen: writes a pcap of IPv4/UDP frames for replay through DPDK's
// net_pcap (benchmarks and the demo). Destinations walk through --hosts
// consecutive addresses from --dst-base, so every host gets traffic.
//
//   wg-pcapgen --out FILE [--hosts N] [--packets N] [--size BYTES]
//              [--dst-base IP] [--src IP] [--dst-mac MAC] [--src-mac MAC] [--ttl N]
#include "config/net.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

void put16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8), p[1] = uint8_t(v); }
void put32(uint8_t* p, uint32_t v) { put16(p, uint16_t(v >> 16)), put16(p + 2, uint16_t(v)); }

uint16_t ip_checksum(const uint8_t* p, unsigned len) {
    uint32_t sum = 0;
    for (unsigned i = 0; i + 1 < len; i += 2) sum += uint32_t(p[i] << 8 | p[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

int usage() {
    std::fprintf(stderr, "usage: wg-pcapgen --out FILE [--hosts N] [--packets N] [--size BYTES] [--dst-base IP]\n"
                         "                  [--src IP] [--dst-mac MAC] [--src-mac MAC] [--ttl N]\n");
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    std::string out;
    uint32_t hosts = 1000, packets = 0, size = 64, ttl = 64;
    wg::Ipv4 dst_base = *wg::Ipv4::parse("10.1.1.1"), src = *wg::Ipv4::parse("198.51.100.7");
    wg::Mac dst_mac = *wg::Mac::parse("02:00:00:00:0a:01"), src_mac = *wg::Mac::parse("02:00:00:00:c0:fe");
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) return usage();
        const char* v = argv[++i];
        bool ok = true;
        if (a == "--out") out = v;
        else if (a == "--hosts") hosts = uint32_t(std::stoul(v));
        else if (a == "--packets") packets = uint32_t(std::stoul(v));
        else if (a == "--size") size = uint32_t(std::stoul(v));
        else if (a == "--ttl") ttl = uint32_t(std::stoul(v));
        else if (a == "--dst-base") ok = (wg::Ipv4::parse(v) ? (dst_base = *wg::Ipv4::parse(v), true) : false);
        else if (a == "--src") ok = (wg::Ipv4::parse(v) ? (src = *wg::Ipv4::parse(v), true) : false);
        else if (a == "--dst-mac") ok = (wg::Mac::parse(v) ? (dst_mac = *wg::Mac::parse(v), true) : false);
        else if (a == "--src-mac") ok = (wg::Mac::parse(v) ? (src_mac = *wg::Mac::parse(v), true) : false);
        else return usage();
        if (!ok) {
            std::fprintf(stderr, "wg-pcapgen: bad value for %s: %s\n", a.c_str(), v);
            return 2;
        }
    }
    if (out.empty() || hosts == 0 || size < 60 || size > 1514 || ttl == 0 || ttl > 255) return usage();
    if (packets == 0) packets = hosts;

    FILE* f = std::fopen(out.c_str(), "wb");
    if (f == nullptr) {
        std::perror(out.c_str());
        return 1;
    }
    // pcap global header: magic, v2.4, UTC, accuracy, snaplen, LINKTYPE_ETHERNET.
    uint32_t gh[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
    std::fwrite(gh, sizeof gh, 1, f);
    std::vector<uint8_t> frame(size, 0);
    std::memcpy(&frame[0], dst_mac.bytes.data(), 6);
    std::memcpy(&frame[6], src_mac.bytes.data(), 6);
    put16(&frame[12], 0x0800);
    uint8_t* ip = &frame[14];
    const unsigned ip_len = size - 14;
    for (uint32_t n = 0; n < packets; ++n) {
        const uint32_t dst = dst_base.value + n % hosts;
        ip[0] = 0x45, ip[1] = 0;
        put16(ip + 2, uint16_t(ip_len));
        put16(ip + 4, uint16_t(n)), put16(ip + 6, 0);
        ip[8] = uint8_t(ttl), ip[9] = 17;
        put16(ip + 10, 0);
        put32(ip + 12, src.value), put32(ip + 16, dst);
        put16(ip + 10, ip_checksum(ip, 20));
        uint8_t* udp = ip + 20;
        put16(udp, 4000), put16(udp + 2, 5000), put16(udp + 4, uint16_t(ip_len - 20)), put16(udp + 6, 0);
        const uint32_t rh[4] = {n / 1000000, n % 1000000, size, size};
        std::fwrite(rh, sizeof rh, 1, f);
        std::fwrite(frame.data(), frame.size(), 1, f);
    }
    if (std::fclose(f) != 0) {
        std::perror(out.c_str());
        return 1;
    }
    std::printf("wg-pcapgen: %u frames of %u bytes to %u hosts from %s -> %s\n", packets, size, hosts,
                dst_base.str().c_str(), out.c_str());
    return 0;
}
