// Frames and pcap files for the end-to-end tests: what goes into net_pcap's
// rx_pcap and what is read back from its tx_pcap. Written here, independent
// of the appliance's own code, so a shared mistake cannot hide.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wg::apptest {

using Bytes = std::vector<uint8_t>;
using MacBytes = std::array<uint8_t, 6>;

std::optional<MacBytes> parse_mac(const std::string& text);
std::string mac_str(const MacBytes& mac);
uint32_t ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);

// DPDK net_pcap gives port N (N-th net_pcap device probed) this MAC.
MacBytes net_pcap_mac(uint8_t index);

inline constexpr MacBytes kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
inline constexpr size_t kEthLen = 14;

// RFC 1071 one's-complement sum folded to 16 bits, not inverted.
uint16_t ones_sum(const uint8_t* p, size_t len);

struct Ipv4Udp {
    MacBytes dst_mac{}, src_mac{};
    uint32_t src = 0, dst = 0;
    uint8_t ttl = 64;
    uint16_t id = 0;
    unsigned option_words = 0; // IPv4 options (NOPs, then EOL): IHL = 5 + option_words
    Bytes payload;             // UDP payload
    bool corrupt_checksum = false;
};
Bytes build(const Ipv4Udp& spec);

// ARP request (RFC 826) "who-has target tell sender".
Bytes arp_request(const MacBytes& dst_mac, const MacBytes& src_mac, uint32_t sender, uint32_t target);

// Header field access on an Ethernet + IPv4 frame.
uint16_t ethertype(const Bytes& f);
unsigned ip_header_len(const Bytes& f);
uint8_t ip_ttl(const Bytes& f);
uint16_t ip_checksum_field(const Bytes& f);
uint32_t ip_dst(const Bytes& f);
bool ip_checksum_ok(const Bytes& f);
// The IPv4 header checksum computed from scratch over the header as it is.
uint16_t ip_checksum_compute(const Bytes& f);

// ---- Control-plane frames (control_test.cpp): ARP, ICMP echo, VRRP ----

inline constexpr MacBytes kVrrpMulticastMac{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12}; // RFC 5798 §7.3
inline constexpr uint32_t kVrrpGroup = 0xe0000012;                               // 224.0.0.18
// RFC 5798 §7.3: the virtual router MAC 00-00-5E-00-01-{VRID}.
MacBytes vrrp_virtual_mac(uint8_t vrid);

// ARP (RFC 826) for IPv4 over Ethernet, in either direction.
struct Arp {
    MacBytes eth_dst{}, eth_src{};
    uint16_t op = 1; // 1 request, 2 reply
    MacBytes sender_mac{}, target_mac{};
    uint32_t sender_ip = 0, target_ip = 0;
};
Bytes build_arp(const Arp& a); // padded to the 60-byte Ethernet minimum
// nullopt unless the frame holds a whole Ethernet/IPv4 ARP packet.
std::optional<Arp> parse_arp(const Bytes& f);

// ICMP echo request or reply (RFC 792) in Ethernet + IPv4 (no options).
struct IcmpEcho {
    MacBytes dst_mac{}, src_mac{};
    uint32_t src = 0, dst = 0;
    uint8_t ttl = 64;
    uint8_t type = 8; // 8 request, 0 reply
    uint16_t id = 0, seq = 0;
    Bytes data;
    bool checksums_ok = true; // parse: the IPv4 header and ICMP checksums are both valid
};
Bytes build_icmp_echo(const IcmpEcho& e);
// nullopt unless the frame is IPv4 carrying an ICMP echo request or reply.
std::optional<IcmpEcho> parse_icmp_echo(const Bytes& f);

// A VRRP advertisement (RFC 5798 §5.1) in Ethernet + IPv4.
struct VrrpAdvert {
    MacBytes dst_mac = kVrrpMulticastMac, src_mac{};
    uint32_t src = 0, dst = kVrrpGroup;
    uint8_t ttl = 255;
    uint8_t version = 3, type = 1, vrid = 0, priority = 0;
    uint16_t interval_cs = 100; // v3 Max Adver Int in centiseconds (12 bits)
    std::vector<uint32_t> addresses;
    bool checksums_ok = true; // parse: IPv4 header and VRRPv3 checksum (with pseudo-header) valid
};
// VRRPv3 for IPv4: the checksum covers the pseudo-header (RFC 5798 §5.2.8).
Bytes build_vrrp3(const VrrpAdvert& a);
// nullopt unless the frame is IPv4 protocol 112 with a whole VRRP header and
// its address list; checksums_ok judges the checksum as v3 does.
std::optional<VrrpAdvert> parse_vrrp(const Bytes& f);

// pcap (LINKTYPE_ETHERNET, microsecond or nanosecond, either byte order).
void write_pcap(const std::string& path, const std::vector<Bytes>& frames);
// Every record, or an error if the file is missing, truncated mid-record
// or has a record captured shorter than on the wire.
bool read_pcap(const std::string& path, std::vector<Bytes>& frames, std::string& error);

} // namespace wg::apptest
