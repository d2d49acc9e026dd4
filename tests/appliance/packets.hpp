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

// pcap (LINKTYPE_ETHERNET, microsecond or nanosecond, either byte order).
void write_pcap(const std::string& path, const std::vector<Bytes>& frames);
// Every record, or an error if the file is missing, truncated mid-record
// or has a record captured shorter than on the wire.
bool read_pcap(const std::string& path, std::vector<Bytes>& frames, std::string& error);

} // namespace wg::apptest
