// The state the control core shares with the workers: interfaces as the
// fast path sees them, the FIB, the adjacency table, the punt and inject
// rings, per-worker counters, and the RCU variable that ties them together.
//
// Thread-safety: the control lcore is the single writer of every table
// here (set_*, fib(), adjacency() writers). Workers only read, lock-free,
// and report quiescent state once per loop (see worker.hpp).
#pragma once

#include "config/net.hpp"
#include "config/punt.hpp"
#include "fastpath/adjacency.hpp"
#include "fastpath/counters.hpp"
#include "fastpath/fib.hpp"
#include "fastpath/options.hpp"

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include <array>
#include <atomic>
#include <bitset>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct rte_ring;
struct rte_rcu_qsbr;

namespace wg::fastpath {

inline constexpr unsigned kMaxInterfaces = 16;
inline constexpr unsigned kMaxWorkers = 16;
inline constexpr unsigned kBurst = 32;
inline constexpr uint16_t kNoInterface = UINT16_MAX;

// Why a frame left the fast path for the control core.
enum class PuntReason : uint8_t {
    arp = 1,          // any ARP frame
    vrrp = 2,         // IP proto 112 to 224.0.0.18
    local = 3,        // IPv4 to one of our addresses or VIPs
    resolve = 4,      // forwarded packet without adjacency (arp_miss): nexthop/ifindex say whom to ARP
    ttl_exceeded = 5, // for ICMP time-exceeded
};

// Metadata carried by a punted mbuf (an mbuf dynamic field). `reason` says
// which module takes it; `cls` which policer and ring it went through
// (config/punt.hpp).
struct PuntMeta {
    PuntReason reason;
    PuntClass cls;
    uint16_t ifindex;    // ingress interface (resolve: egress interface)
    uint32_t nexthop;    // resolve: the neighbour to ARP for, host order
};

// Per-interface state, packed into one word so a worker reads it atomically
// once per burst: low 48 bits = source MAC for forwarded frames; bit 48 =
// forwarding allowed; bit 49 = the virtual MAC in the low bits is also ours
// on ingress (VRRP Master).
struct IfaceWord {
    static constexpr uint64_t kForward = 1ull << 48;
    static constexpr uint64_t kVirtualMac = 1ull << 49;
    static uint64_t pack(const Mac& src, bool forward, bool virtual_mac);
    static Mac mac(uint64_t word);
};

struct IfaceStatic {
    uint16_t port_id = 0;
    Mac port_mac;
    uint64_t port_mac_bits = 0; // port_mac in the same 48-bit form as IfaceWord
    uint32_t address = 0;       // host order
    uint8_t prefix_len = 0;
    bool vrrp = false;          // forwarding follows a VRRP group
    std::string name;
};

class Dataplane {
  public:
    static std::unique_ptr<Dataplane> create(const DataplaneOptions& options, std::string& error);
    ~Dataplane();
    Dataplane(const Dataplane&) = delete;
    Dataplane& operator=(const Dataplane&) = delete;

    // --- control lcore, before workers start ---
    // Declares interface `ifindex` (dense, 0..kMaxInterfaces-1) on `port_id`.
    // Interfaces with `vrrp` start with forwarding off (not Master yet).
    bool add_interface(uint16_t ifindex, const IfaceStatic& itf, std::string& error);
    // Our own addresses and VIPs: IPv4 to them is punted, never forwarded.
    void add_local_address(uint32_t ip);

    // --- control lcore, any time ---
    void set_forwarding(uint16_t ifindex, bool forward, const Mac& src, bool virtual_mac);
    Fib& fib() { return *fib_; }
    AdjacencyTable& adjacency() { return *adjacency_; }
    rte_rcu_qsbr* qsbr() const { return qsbr_; }
    // Bulk punt ring (every class but the priority ones) and priority punt
    // ring of a worker: single producer (the worker), single consumer (control).
    rte_ring* punt_ring(unsigned worker) const { return punt_[worker]; }
    rte_ring* priority_ring(unsigned worker) const { return priority_[worker]; }
    rte_ring* inject_ring(unsigned worker) const { return inject_[worker]; }
    // Sends a frame built by control out of port_id (via worker 0's inject
    // ring). Takes ownership; returns false (and frees) when the ring is full.
    bool inject(rte_mbuf* m, uint16_t port_id);
    // Counter snapshots (control lcore; values may be one burst old).
    WorkerStats stats(unsigned worker) const;
    WorkerStats stats_total() const;

    // --- workers, lock-free ---
    uint64_t iface_word(uint16_t ifindex) const noexcept {
        return iface_word_[ifindex].load(std::memory_order_acquire);
    }
    const IfaceStatic& iface(uint16_t ifindex) const noexcept { return iface_[ifindex]; }
    uint16_t ifindex_of_port(uint16_t port_id) const noexcept { return port_to_if_[port_id]; }
    bool is_local(uint32_t ip) const noexcept {
        return local_filter_.test(ip & 0xffff) && is_local_slow(ip);
    }
    unsigned interface_count() const noexcept { return n_ifaces_; }
    const DataplaneOptions& options() const noexcept { return options_; }
    WorkerStats& worker_stats(unsigned worker) noexcept { return *stats_[worker]; }
    static PuntMeta* meta(rte_mbuf* m) noexcept { return RTE_MBUF_DYNFIELD(m, meta_offset_, PuntMeta*); }

  private:
    Dataplane() = default;
    bool is_local_slow(uint32_t ip) const noexcept;

    DataplaneOptions options_;
    rte_rcu_qsbr* qsbr_ = nullptr;
    std::unique_ptr<Fib> fib_;
    std::unique_ptr<AdjacencyTable> adjacency_;
    std::array<IfaceStatic, kMaxInterfaces> iface_{};
    std::array<std::atomic<uint64_t>, kMaxInterfaces> iface_word_{};
    std::array<uint16_t, RTE_MAX_ETHPORTS> port_to_if_{};
    unsigned n_ifaces_ = 0;
    std::bitset<65536> local_filter_; // low 16 bits of local addresses: one bit test per packet
    std::vector<uint32_t> local_;
    std::array<rte_ring*, kMaxWorkers> punt_{};
    std::array<rte_ring*, kMaxWorkers> priority_{};
    std::array<rte_ring*, kMaxWorkers> inject_{};
    std::array<WorkerStats*, kMaxWorkers> stats_{};
    static inline int meta_offset_ = -1;
};

} // namespace wg::fastpath
