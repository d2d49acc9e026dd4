// The typed configuration of one appliance: the YAML file of docs/config.md,
// after validation. Names follow the seed (docs/seed.md).
//
// Thread-safety: plain values. Loaded once on the main thread before EAL
// starts the workers; read-only afterwards.
#pragma once

#include "config/auth.hpp"
#include "config/net.hpp"
#include "config/punt.hpp"
#include "control/arp/options.hpp"
#include "fastpath/options.hpp"
#include "sync/options.hpp"

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
inline constexpr unsigned kAuthKeyMaxMd5 = 255, kAuthKeyMaxSimple = 8; // RFC 2338 §5.3.10: simple text is 8 octets
// Gratuitous ARPs on becoming Master (RFC 5798 §6.4.2 "broadcast a gratuitous
// ARP request ... for each IP address associated with the virtual router").
inline constexpr unsigned kGarpCountDefault = 3, kGarpCountMax = 100;
inline constexpr unsigned kGarpIntervalMsDefault = 500, kGarpIntervalMsMin = 10, kGarpIntervalMsMax = 10000;
inline constexpr unsigned kGarpRefreshMaxS = 3600;
// Notify hooks: one argument to /bin/sh -c, far below Linux's per-argument
// limit (MAX_ARG_STRLEN, 128 KiB) so that a pasted file is caught.
inline constexpr size_t kNotifyMaxChars = 4096;

// Sections owned by their module (the module's options header holds the
// members and their only defaults; config/keys.cpp names the keys).
using Dataplane = fastpath::DataplaneConfig;            // `dataplane:`
using ArpOptions = arp::Options;                        // `arp:`
using RemoteBackupService = sync::ServiceConfig;        // `remote_backup_service:` entries
using RemoteBackupProfile = sync::ProfileConfig;        // `remote_backup_profile:` entries
using RbpVrrp = sync::RbpVrrp;

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

struct Control {
    std::string socket; // Unix socket path of the operator channel
};

struct Config {
    std::string sysname;
    fastpath::DataplaneConfig dataplane;
    std::vector<Interface> interfaces; // document order
    std::vector<Route> routes;
    std::vector<StaticArp> arp_static;
    arp::Options arp;
    std::vector<PkiDomain> pki_domain;
    std::vector<SslPolicy> ssl_policy;
    std::vector<sync::ServiceConfig> remote_backup_service;
    std::vector<sync::ProfileConfig> remote_backup_profile;
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
