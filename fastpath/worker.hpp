// One forwarding worker: rx burst → classify → FIB → bulk adjacency lookup
// → L2 rewrite, TTL−1 → buffered TX with a drain deadline; ARP, VRRP,
// local IPv4, TTL expiry and adjacency misses leave on the punt rings,
// classified and policed per class (config/punt.hpp).
//
// Thread-safety: a Worker is owned by exactly one lcore. poll_once() and
// run() are noexcept, take no locks, make no syscalls (but the optional idle
// sleep) and allocate nothing. Construction and init() run on the control
// lcore before launch.
#pragma once

#include "fastpath/dataplane.hpp"

#include <rte_ethdev.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace wg::fastpath {

class Worker {
  public:
    // `index` selects the RX/TX queue on every port and the RCU thread id.
    Worker(Dataplane& dp, unsigned index);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Allocates the per-port TX buffers (control lcore, before launch).
    bool init(std::string& error);

    // One pass over every port's RX queue and the inject ring; flushes TX
    // buffers whose drain deadline passed. Returns frames handled.
    unsigned poll_once() noexcept;
    // Flushes every TX buffer now.
    void flush() noexcept;
    // Loops until `stop`; registers with the dataplane's RCU variable and
    // reports a quiescent state after every poll.
    void run(const std::atomic<bool>& stop) noexcept;

    // Visible for packet-level tests, which feed frames without a NIC. The
    // punt policers read time once per burst: `now_tsc` (TSC cycles) lets a
    // test drive them; the first form reads the TSC.
    void process(rte_mbuf** pkts, uint16_t n, uint16_t in_if) noexcept;
    void process(rte_mbuf** pkts, uint16_t n, uint16_t in_if, uint64_t now_tsc) noexcept;

  private:
    void punt(rte_mbuf* m, PuntReason reason, PuntClass cls, uint16_t ifindex, uint32_t nexthop,
              uint16_t limit_if) noexcept;
    PuntClass arp_class(const rte_mbuf* m, uint32_t len) const noexcept;
    void send(rte_mbuf* m, uint16_t port_id) noexcept;
    void drop(rte_mbuf* m, Counter why) noexcept;

    struct Bucket {
        uint64_t tokens = 0; // scaled by hz (tokens * tsc_hz)
        uint64_t last_tsc = 0;
    };
    // One punt class's policer, derived from DataplaneOptions::punt at init.
    struct Policer {
        uint64_t rate = 0;       // tokens per second; 0: not policed
        uint64_t cap = 0;        // burst * tsc_hz
        uint64_t full_after = 0; // cycles after which an empty bucket is full again
        bool priority = false;   // the priority ring, else the bulk ring
    };

    Dataplane& dp_;
    const unsigned index_;
    WorkerStats& st_;
    const AdjacencyTable& adj_;
    const Fib& fib_;
    uint64_t tsc_hz_ = 0;
    uint64_t drain_tsc_ = 0;
    uint64_t last_drain_ = 0;
    std::array<rte_eth_dev_tx_buffer*, RTE_MAX_ETHPORTS> txb_{};
    uint64_t now_ = 0; // TSC of the burst being processed
    std::array<Policer, kPuntClassCount> policer_{};
    std::array<std::array<Bucket, kPuntClassCount>, kMaxInterfaces> bucket_{}; // [ingress ifindex][class]
};

} // namespace wg::fastpath
