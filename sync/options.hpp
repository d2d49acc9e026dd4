// Options of remote backup: the service (RBS, sync/rbs.hpp) and the profile
// (RBP, sync/profile.hpp). Kept apart from the classes so the config types
// and the machines each have one home.
//
// Thread-safety: plain values; copied, never shared.
#pragma once

#include "config/net.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace wg::sync {

struct RbsOptions {
    std::string name;        // service1
    std::string ssl_policy;  // for display
    Ipv4 source, peer;
    uint16_t port = 0;
    std::string ca, certificate, key; // from the policy's PKI domain
    std::string peer_identity;        // optional expected CN/SAN of the peer
    uint32_t heartbeat_ms = 1000;
    uint32_t dead_ms = 3500;
    uint32_t backoff_min_ms = 100;
    uint32_t backoff_max_ms = 5000;
    uint32_t connect_timeout_ms = 5000;   // TCP connect
    uint32_t handshake_timeout_ms = 5000; // TLS handshake until the peer's first frame (or hello)
    uint32_t max_candidates = 4; // incoming connections authenticating at once (docs/sync-protocol.md)
    uint32_t index = 0; // Service-Index shown by display (order in the config)
};

struct ProfileOptions {
    std::string name;    // profile1
    std::string service; // service1 (the RBS)
    uint32_t backup_id = 0;
    uint8_t vrid = 0;
    std::string vrrp_interface;              // GigabitEthernet0/1/0
    std::vector<std::string> interfaces;     // interfaces bound to the profile (display "Interface")
    // Local ifindex → interface name, for every ARP interface (the hello's
    // table, and the receiver's mapping of the peer's iface ids).
    std::vector<std::pair<uint16_t, std::string>> ifnames;
    std::string node;                        // sysname
    uint32_t index = 0x1001;                 // Profile-Index shown by display
    uint32_t batch_max_entries = 512;        // delta batch size cap
    uint32_t batch_max_delay_ms = 2;         // delta batch deadline after its first change
    uint32_t log_entries = 1u << 20;         // changes kept for resume after a reconnect
    uint32_t digest_interval_ms = 1000;      // Master → Slave digest checks
    uint32_t snapshot_chunk = 4096;          // entries per snapshot_entries frame
    bool hold_preempt_until_synced = true;
    uint64_t epoch = 0;                      // 0: chosen at random
};

} // namespace wg::sync
