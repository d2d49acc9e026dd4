// A VRRP advertisement frame from another router, as the punt path hands it
// to vrrp::Service::on_frame: Ethernet to 01:00:5e:00:00:12 (224.0.0.18,
// the VRRP group of RFC 3768 section 5.2.2, mapped as RFC 1112 section 6.4
// says) from 02:00:00:00:00:02, then the IPv4 packet of vrrp::encode_ipv4.
// Shared by the VRRP and remote-backup tests.
//
// Thread-safety: pure functions.
#pragma once

#include "config/net.hpp"
#include "control/vrrp/codec.hpp"

#include <cstdint>
#include <cstring>
#include <vector>

namespace wg::test_support {

inline std::vector<uint8_t> advert_frame(const vrrp::Advertisement& a, Ipv4 src) {
    const std::vector<uint8_t> ip = vrrp::encode_ipv4(a, config::VrrpAuth{}, src);
    std::vector<uint8_t> f(14 + ip.size());
    const uint8_t dst[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x12};
    std::memcpy(f.data(), dst, 6);
    f[6] = 0x02, f[11] = 0x02;
    f[12] = 0x08, f[13] = 0x00; // IPv4
    std::memcpy(f.data() + 14, ip.data(), ip.size());
    return f;
}

// A VRRPv2 advertisement (no authentication, 1 s interval) for `vrid` from
// `src` with `priority`, announcing `virtual_ip`.
inline std::vector<uint8_t> advert_v2(uint8_t vrid, uint8_t priority, Ipv4 src, Ipv4 virtual_ip) {
    vrrp::Advertisement a;
    a.version = 2;
    a.vrid = vrid;
    a.priority = priority;
    a.interval = 1;
    a.addresses = {virtual_ip};
    return advert_frame(a, src);
}

} // namespace wg::test_support
