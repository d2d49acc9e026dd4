// Options of remote backup: the service (RBS, sync/rbs.hpp) and the profile
// (RBP, sync/profile.hpp), apart from the classes so that config::Config
// holds them directly.
//
// ServiceConfig and ProfileConfig are the `remote_backup_service` and
// `remote_backup_profile` entries of the config: their members and defaults
// are the keys of config/keys.cpp (name, range, doc line), nothing else sets
// a default. RbsOptions and ProfileOptions add what the appliance derives at
// start (certificates from the SSL policy, interface names, sysname, display
// indexes) and what no key sets (max_candidates, epoch); they are built from
// the config entry (explicit constructors), never copied field by field.
//
// Thread-safety: plain values; copied, never shared.
#pragma once

#include "config/auth.hpp"
#include "config/net.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace wg::sync {

// `remote_backup_service:` entry. Defaults: sync/ benchmarks
// (docs/benchmarks.md) and the dead-peer time VRRP detection already bounds.
struct ServiceConfig {
    std::string name;       // service1
    std::string ssl_policy; // names the PKI domain of ca/certificate/key
    Ipv4 peer;
    Ipv4 source;
    uint16_t port = 0;
    std::vector<std::string> batch_backup = {"arp"}; // backed up in batch on connect: always ARP (keys.cpp)
    uint32_t heartbeat_ms = 1000;        // a heartbeat when nothing else was sent
    uint32_t dead_ms = 3500;             // silence after which the peer is dead
    uint32_t reconnect_min_ms = 100;     // backoff: first wait, doubling...
    uint32_t reconnect_max_ms = 5000;    // ...up to this
    uint32_t connect_timeout_ms = 5000;  // TCP connect, then...
    uint32_t handshake_timeout_ms = 5000; // ...TLS until the peer's first frame (or hello)
};

struct RbsOptions : ServiceConfig {
    RbsOptions() = default;
    explicit RbsOptions(const ServiceConfig& c) : ServiceConfig(c) {}

    std::string ca, certificate, key; // from the policy's PKI domain
    std::string peer_identity;        // optional expected CN/SAN of the peer
    uint32_t max_candidates = 4; // incoming connections authenticating at once (docs/sync-protocol.md)
    uint32_t index = 0; // Service-Index shown by display (order in the config)
};

// The profile's `vrrp` map: the group whose state decides the role.
struct RbpVrrp {
    uint8_t vrid = 0;
    std::string interface;
    config::VrrpAuth authentication;
};

// `remote_backup_profile:` entry.
struct ProfileConfig {
    std::string name;                      // profile1
    std::vector<std::string> service_type; // "arp"
    uint32_t backup_id = 0;
    std::string remote_backup_service;     // service1 (the RBS)
    std::string peer_backup = "hot";
    RbpVrrp vrrp;
    uint32_t batch_max_entries = 512;   // a delta batch leaves at this many entries...
    uint32_t batch_max_delay_ms = 2;    // ...or this long after its first change
    uint32_t log_entries = 1u << 20;    // changes kept to resume after a reconnect
    uint32_t digest_interval_ms = 1000; // Master → Slave digest comparisons
    uint32_t snapshot_chunk = 4096;     // entries per batch-backup frame
    bool hold_preempt_until_synced = true; // no preemption before the batch backup completed
};

struct ProfileOptions : ProfileConfig {
    ProfileOptions() = default;
    explicit ProfileOptions(const ProfileConfig& c)
        : ProfileConfig(c), service(c.remote_backup_service), vrid(c.vrrp.vrid), vrrp_interface(c.vrrp.interface) {}

    // The profile's display and hello read these three names of
    // remote_backup_service, vrrp.vrid and vrrp.interface (set from them
    // by the constructor above; sync/profile*.cpp will read the config
    // members directly once its sender/receiver split lands).
    std::string service;
    uint8_t vrid = 0;
    std::string vrrp_interface;
    std::vector<std::string> interfaces;     // interfaces bound to the profile (display "Interface")
    // Local ifindex → interface name, for every ARP interface (the hello's
    // table, and the receiver's mapping of the peer's iface ids).
    std::vector<std::pair<uint16_t, std::string>> ifnames;
    std::string node;                        // sysname
    uint32_t index = 0x1001;                 // Profile-Index shown by display
    uint64_t epoch = 0;                      // 0: chosen at random
};

} // namespace wg::sync
