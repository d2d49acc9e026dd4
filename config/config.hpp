// The typed configuration of one appliance: the YAML file of docs/config.md,
// after validation. Names follow the seed (docs/seed.md).
//
// Thread-safety: plain values. Loaded once on the main thread before EAL
// starts the workers; read-only afterwards.
#pragma once

#include "config/net.hpp"
#include "config/punt.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wg::config {

// Limits enforced by the validator; also used by the importer and the docs.
inline constexpr unsigned kVridMin = 1, kVridMax = 255;
inline constexpr unsigned kPriorityMin = 1, kPriorityMax = 254; // 255 = owner, 0 = release: not configurable
inline constexpr unsigned kPriorityDefault = 100;
inline constexpr unsigned kDelayMaxS = 3600; // preempt delay and recover-delay
inline constexpr unsigned kBackupIdMin = 1, kBackupIdMax = 65535;
inline constexpr unsigned kAdvertMsMin = 10, kAdvertMsMax = 40950; // v3: centiseconds, 12 bits
inline constexpr unsigned kWorkersMax = 64;
inline constexpr uint32_t kAdjacencyCapacityDefault = 1u << 20;
inline constexpr uint32_t kAdjacencyCapacityMin = 64, kAdjacencyCapacityMax = 1u << 26;
inline constexpr unsigned kIdleSleepMaxUs = 100000;
inline constexpr uint32_t kMbufsMax = 1u << 24;
inline constexpr unsigned kAuthKeyMaxMd5 = 255, kAuthKeyMaxSimple = 8; // RFC 2338 §5.3.10: simple text is 8 octets
// Gratuitous ARPs on becoming Master (RFC 5798 §6.4.2 "broadcast a gratuitous
// ARP request ... for each IP address associated with the virtual router").
inline constexpr unsigned kGarpCountDefault = 3, kGarpCountMax = 100;
inline constexpr unsigned kGarpIntervalMsDefault = 500, kGarpIntervalMsMin = 10, kGarpIntervalMsMax = 10000;
inline constexpr unsigned kGarpRefreshMaxS = 3600;
// Notify hooks: one argument to /bin/sh -c, far below Linux's per-argument
// limit (MAX_ARG_STRLEN, 128 KiB) so that a pasted file is caught.
inline constexpr size_t kNotifyMaxChars = 4096;
// Dynamic ARP entries (control/arp): VRP's default expiry is 20 minutes.
inline constexpr uint32_t kArpAgeDefaultS = 1200, kArpAgeMinS = 10, kArpAgeMaxS = 86400;
inline constexpr uint32_t kArpProbeBeforeDefaultS = 60;
inline constexpr uint32_t kArpProbesDefault = 3, kArpProbesMax = 10;
inline constexpr uint32_t kArpRequestsPerSDefault = 2000, kArpRequestsPerSMax = 1000000;
// ARP learning policy (control/arp/service.hpp "Rules", docs/config.md "arp").
inline constexpr uint32_t kArpVerifyMsDefault = 500, kArpVerifyMsMin = 10, kArpVerifyMsMax = 10000;
inline constexpr uint32_t kArpLearnPerSDefault = 1000, kArpLearnPerSourceDefault = 50, kArpLearnRateMax = 1000000;

struct Dataplane {
    unsigned workers = 1;
    unsigned idle_sleep_us = 0; // 0: pure busy polling
    uint32_t adjacency_capacity = kAdjacencyCapacityDefault;
    uint32_t mbufs = 0; // floor on the packet-buffer pool; 0: sized from ports x queues x descriptors
    PuntPolicers punt = punt_policer_defaults(); // rate and burst per punt class (config/punt.hpp)
};

struct Preempt {
    bool enabled = true;   // VRRP default (RFC 5798 §6.1 Preempt_Mode = True)
    unsigned delay_s = 0;  // seed: preempt-mode timer delay 600
};

// admin-vrrp (seed): a member group follows the state of an admin group
// instead of running VRRP itself (no adverts, no timers; it mirrors Master
// and Backup and sends its own gratuitous ARPs). The validator guarantees
// that (interface, vrid) names an `admin: true` group that tracks nothing.
struct TrackAdmin {
    std::string interface;
    uint8_t vrid = 0;
    bool operator==(const TrackAdmin&) const = default;
};

// keepalived-style notify scripts, each run with /bin/sh -c on entering that
// state; empty: no hook. Used e.g. to advertise the VIP's route
// (docs/config.md "notify").
struct Notify {
    std::string master;
    std::string backup;
    std::string fault;

    bool any() const { return !master.empty() || !backup.empty() || !fault.empty(); }
    bool operator==(const Notify&) const = default;
};

struct Garp {
    unsigned count = kGarpCountDefault;            // per VIP on becoming Master; 0: none
    unsigned interval_ms = kGarpIntervalMsDefault; // between the ARPs of that burst
    unsigned refresh_s = 0;                        // >0: one more per VIP every refresh_s while Master
    bool operator==(const Garp&) const = default;
};

struct VrrpGroup {
    uint8_t vrid = 0;
    std::vector<Ipv4> virtual_ips;
    bool admin = false;                 // seed: admin-vrrp
    uint8_t priority = kPriorityDefault;
    Preempt preempt;
    unsigned recover_delay_s = 0;       // seed: vrrp recover-delay
    uint8_t version = 2;                // 2 (RFC 3768) or 3 (RFC 5798)
    unsigned advert_interval_ms = 1000;
    std::optional<TrackAdmin> track_admin; // set: follower of an admin group (the protocol fields
                                           // above, except priority, are then left at their defaults)
    Notify notify;
    Garp garp;
    // Accepted advert sources (primary addresses of the other routers of the
    // group); empty: any source. Others are dropped before the state machine
    // (control/vrrp/codec.hpp drop_not_peer; docs/vrrp-auth.md, replay).
    std::vector<Ipv4> peers;
};

struct Interface {
    std::string name;                   // e.g. GigabitEthernet0/1/0, LoopBack1
    std::string port;                   // PCI address or DPDK vdev spec; empty: kernel-side (loopback)
    std::optional<Prefix> address;
    std::vector<VrrpGroup> vrrp;
    std::string remote_backup_profile;  // empty: none bound

    bool is_dpdk() const { return !port.empty(); }
};

struct Route {
    Prefix prefix; // network address (no host bits)
    Ipv4 via;
};

struct StaticArp {
    Ipv4 ip;
    Mac mac;
    std::string interface;
};

// Aging, refresh and pacing of learned ARP entries (control/arp). Static
// entries (arp_static) never age.
struct ArpOptions {
    uint32_t age_s = kArpAgeDefaultS;                  // lifetime after the last confirmation
    uint32_t probe_before_s = kArpProbeBeforeDefaultS; // unicast probing starts this long before expiry
    uint32_t probes = kArpProbesDefault;               // probes in that window; 0: expire unprobed
    uint32_t requests_per_s = kArpRequestsPerSDefault; // global cap on requests + probes; 0: none
    // Learning policy (control/arp/service.hpp "Rules").
    enum class Learning : uint8_t { rfc826, strict };
    enum class MacMove : uint8_t { verify, fixed_mac, none };
    Learning learning = Learning::rfc826;          // new entries only when we are the target (RFC 826)
    MacMove mac_move = MacMove::verify;            // a learned entry's MAC changes only when the old one is silent
    uint32_t mac_move_verify_ms = kArpVerifyMsDefault;
    uint32_t max_per_interface = 0;                // 0: 15/16 of the adjacency capacity (all of it with one port)
    uint32_t learn_per_s = kArpLearnPerSDefault;   // new unsolicited entries per second; 0: no cap
    uint32_t learn_per_source_per_s = kArpLearnPerSourceDefault; // the same per sender MAC; 0: no cap
    bool operator==(const ArpOptions&) const = default;
};

struct PkiDomain {
    std::string name;
    std::string ca;          // PEM paths; relative paths in the YAML are resolved against
    std::string certificate; // the config file's directory at load time and stored
    std::string key;         // absolute and lexically normalized (no "..")
};

struct SslPolicy {
    std::string name;
    std::string pki_domain;
    std::string peer_identity; // optional: the peer certificate must name it (DNS SAN, else CN)
};

// Remote-backup timing and batching. Defaults: sync/ benchmarks
// (docs/benchmarks.md) and the dead-peer time VRRP detection already bounds.
inline constexpr uint32_t kRbsHeartbeatDefaultMs = 1000, kRbsDeadDefaultMs = 3500;
inline constexpr uint32_t kRbsReconnectMinDefaultMs = 100, kRbsReconnectMaxDefaultMs = 5000;
inline constexpr uint32_t kRbpBatchEntriesDefault = 512, kRbpBatchEntriesMax = 65536;
inline constexpr uint32_t kRbpBatchDelayDefaultMs = 2, kRbpBatchDelayMaxMs = 1000;
inline constexpr uint32_t kRbpLogDefault = 1u << 20, kRbpLogMin = 1024, kRbpLogMax = 1u << 24;
inline constexpr uint32_t kRbsConnectTimeoutDefaultMs = 5000, kRbsHandshakeTimeoutDefaultMs = 5000;
inline constexpr uint32_t kRbpDigestIntervalDefaultMs = 1000;
inline constexpr uint32_t kRbpSnapshotChunkDefault = 4096, kRbpSnapshotChunkMax = 65536;

struct RemoteBackupService {
    std::string name;
    std::string ssl_policy;
    Ipv4 peer;
    Ipv4 source;
    uint16_t port = 0;
    std::vector<std::string> batch_backup = {"arp"}; // backed up in batch on connect: always ARP (keys.cpp)
    uint32_t heartbeat_ms = kRbsHeartbeatDefaultMs;     // a heartbeat when nothing else was sent
    uint32_t dead_ms = kRbsDeadDefaultMs;               // silence after which the peer is dead
    uint32_t reconnect_min_ms = kRbsReconnectMinDefaultMs; // backoff: first wait, doubling...
    uint32_t reconnect_max_ms = kRbsReconnectMaxDefaultMs; // ...up to this
    uint32_t connect_timeout_ms = kRbsConnectTimeoutDefaultMs;     // TCP connect, then...
    uint32_t handshake_timeout_ms = kRbsHandshakeTimeoutDefaultMs; // ...TLS until the peer's first frame
};

enum class AuthMode { none, simple, md5 };

struct VrrpAuth {
    AuthMode mode = AuthMode::none;
    std::string key;
};

struct RbpVrrp {
    uint8_t vrid = 0;
    std::string interface;
    VrrpAuth authentication;
};

struct RemoteBackupProfile {
    std::string name;
    std::vector<std::string> service_type; // "arp"
    uint32_t backup_id = 0;
    std::string remote_backup_service;
    std::string peer_backup = "hot";
    RbpVrrp vrrp;
    uint32_t batch_max_entries = kRbpBatchEntriesDefault; // a delta batch leaves at this many entries...
    uint32_t batch_max_delay_ms = kRbpBatchDelayDefaultMs; // ...or this long after its first change
    uint32_t log_entries = kRbpLogDefault;   // changes kept to resume after a reconnect
    uint32_t digest_interval_ms = kRbpDigestIntervalDefaultMs; // Master → Slave digest comparisons
    uint32_t snapshot_chunk = kRbpSnapshotChunkDefault;        // entries per batch-backup frame
    bool hold_preempt_until_synced = true;   // no preemption before the batch backup completed
};

struct Control {
    std::string socket; // Unix socket path of the operator channel
};

struct Config {
    std::string sysname;
    Dataplane dataplane;
    std::vector<Interface> interfaces; // document order
    std::vector<Route> routes;
    std::vector<StaticArp> arp_static;
    ArpOptions arp;
    std::vector<PkiDomain> pki_domain;
    std::vector<SslPolicy> ssl_policy;
    std::vector<RemoteBackupService> remote_backup_service;
    std::vector<RemoteBackupProfile> remote_backup_profile;
    Control control;

    const Interface* find_interface(std::string_view name) const;
    const PkiDomain* find_pki_domain(std::string_view name) const;
    const SslPolicy* find_ssl_policy(std::string_view name) const;
    const RemoteBackupService* find_rbs(std::string_view name) const;
    const RemoteBackupProfile* find_rbp(std::string_view name) const;
};

// Default control socket when the config names none.
std::string default_socket_path(std::string_view sysname);

} // namespace wg::config
