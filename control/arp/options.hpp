// Options of the ARP service (control/arp/service.hpp), apart from the
// class (and from DPDK) so that config::Config holds them directly as its
// `arp:` section. The members that are config keys carry the only default;
// the key table (config/keys.cpp) names them and holds their ranges and doc
// lines. The others (retrans_ms .. preallocate, defend_interval_ms) are no
// key: tests and tools set them; the resolver (control/arp/resolver.cpp)
// derives preallocate and a 0 max_per_interface from the table's capacity.
//
// Thread-safety: plain values; copied, never shared.
#pragma once

#include <cstdint>

namespace wg::arp {

// Which ARP may create and update entries (control/arp/service.hpp "Rules").
enum class Learning : uint8_t { rfc826, strict };
// What a frame that gives a learned or synced entry a new MAC does.
enum class MacMove : uint8_t { verify, fixed_mac, none };
const char* to_string(Learning l);
const char* to_string(MacMove m);

// `arp:` in the config (docs/config.md, config/keys.cpp).
struct Options {
    uint32_t age_s = 1200;          // VRP's default dynamic ARP expiry (20 min)
    uint32_t probe_before_s = 60;   // probing window before expiry (clamped to age_s)
    uint32_t probes = 3;            // unicast probes in that window; 0: expire without probing
    uint32_t retrans_ms = 1000;     // per-target gap between requests (RFC 1122 §2.3.2.1: 1/s)
    uint32_t max_retries = 3;       // broadcast requests per resolution (Linux mcast_solicit)
    uint32_t fail_hold_s = 5;       // a failed target's misses are dropped this long
    uint32_t requests_per_s = 2000; // global cap, requests + probes; 0 = none. 1M entries / 1200 s
                                    // need ~850 probes/s if no host ever speaks first.
    uint32_t request_burst = 200;   // bucket depth of that cap
    uint32_t synced_spread_s = 600; // jitter window of synced deadlines (control/arp/service.hpp)
    uint32_t max_pending = 65536;   // resolutions in progress (a subnet scan must not eat memory)
    uint32_t busy_retry_max = 4096; // writes waiting after `busy`
    uint64_t jitter_seed = 0x9e3779b97f4a7c15ull; // per-device if desired; deterministic either way
    // Entries whose memory (entry table, aging heap) is reserved and backed
    // at construction, as the fast-path table's is; 0: grow on demand. The
    // appliance sets the adjacency capacity, so a 1M-entry batch backup
    // neither grows a table nor page-faults (~96 bytes an entry).
    uint32_t preallocate = 0;
    // Learning policy and its bounds (control/arp/service.hpp "Rules").
    Learning learning = Learning::rfc826;
    MacMove mac_move = MacMove::verify;
    uint32_t verify_ms = 500;              // the old MAC's chance to answer; a second request at half
    uint32_t max_per_interface = 0;        // entries of one interface that learning may reach; 0: none
                                           // (the resolver turns a configured 0 into 15/16 of the table)
    uint32_t learn_per_s = 1000;           // new unsolicited entries per second, all senders; 0: no cap
    uint32_t learn_per_source_per_s = 50;  // ... per sender MAC; 0: no cap
    uint32_t defend_interval_ms = 1000;    // one gratuitous ARP per claimed address per interval

    bool operator==(const Options&) const = default;
};

} // namespace wg::arp
