// How control-plane modules (VRRP, ARP) send frames and see the fast path's
// interfaces, without knowing DPDK: the appliance implements these over the
// dataplane's inject ring; tests implement them with vectors.
//
// Thread-safety: control lcore only.
#pragma once

#include "config/net.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace wg::control {

// One DPDK interface as the control plane sees it (ifindex = the fast path's).
struct InterfaceInfo {
    uint16_t ifindex = 0;
    std::string name;   // config name, e.g. GigabitEthernet0/1/0
    Mac mac;            // the port's own MAC
    Prefix address;     // primary address and subnet
};

class FrameSink {
  public:
    virtual ~FrameSink() = default;
    // Sends a complete Ethernet frame (no FCS) out of `ifindex`. False when
    // it could not be queued (counted by the caller).
    virtual bool send(uint16_t ifindex, std::span<const uint8_t> frame) = 0;
};

// What ARP needs to know about VRRP: which VIPs this device answers for on
// an interface right now (only when the group is Master, with its virtual
// MAC; a Backup stays silent for VIPs, RFC 5798 §6.4.2).
class VipResolver {
  public:
    virtual ~VipResolver() = default;
    // If `ip` is a VIP of a group on `ifindex`: true, and `*mac` = the
    // virtual MAC when that group is Master, or `*answer` = false when not.
    virtual bool is_vip(uint16_t ifindex, Ipv4 ip, bool* answer, Mac* mac) const = 0;
};

} // namespace wg::control
