// Options of the fast path (fastpath/dataplane.hpp), apart from the class
// (and from DPDK) so that config::Config holds them directly.
//
// DataplaneConfig is the `dataplane:` section of the config: its members and
// their defaults are the keys of config/keys.cpp (name, range, doc line);
// DataplaneOptions adds what the appliance derives at start (routes, ring
// sizes) and what no config key sets (tx_drain_us).
//
// Thread-safety: plain values; copied, never shared.
#pragma once

#include "config/punt.hpp"

#include <cstdint>

namespace wg::fastpath {

struct DataplaneConfig {
    unsigned workers = 1;
    unsigned idle_sleep_us = 0;               // 0: pure busy polling
    uint32_t adjacency_capacity = 1u << 20;   // adjacency (ARP) table entries
    uint32_t mbufs = 0; // floor on the packet-buffer pool; 0: sized from ports x queues x descriptors
    // Rate and burst per punt class, per worker and ingress interface; a
    // rate of 0 does not police the class (tests).
    PuntPolicers punt = punt_policer_defaults();
};

struct DataplaneOptions : DataplaneConfig {
    DataplaneOptions() = default;
    explicit DataplaneOptions(const DataplaneConfig& c) : DataplaneConfig(c) {}

    // Configured routes the FIB must take (it also holds one connected
    // subnet per interface, and some spare: dataplane.cpp).
    uint32_t routes = 0;
    unsigned punt_ring_size = 4096;   // bulk punt ring and inject ring, per worker, power of two
    // The priority ring (VRRP, ARP replies to us) holds the bursts of the
    // priority classes many times over (docs/architecture.md "Control-plane policing").
    unsigned priority_ring_size = 1024; // per worker, power of two
    unsigned tx_drain_us = 100;       // TX buffer drain deadline (l3fwd uses 100 us)
};

} // namespace wg::fastpath
