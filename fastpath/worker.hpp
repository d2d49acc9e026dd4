// One forwarding worker: rx burst → classify → FIB → bulk adjacency lookup
// → L2 rewrite, TTL−1 → buffered TX with a drain deadline; ARP, VRRP,
// local IPv4, TTL expiry and adjacency misses leave on the punt ring.
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

    // Visible for packet-level tests, which feed frames without a NIC.
    void process(rte_mbuf** pkts, uint16_t n, uint16_t in_if) noexcept;

  private:
    void punt(rte_mbuf* m, PuntReason reason, uint16_t ifindex, uint32_t nexthop, uint16_t limit_if) noexcept;
    void send(rte_mbuf* m, uint16_t port_id) noexcept;
    void drop(rte_mbuf* m, Counter why) noexcept;

    struct Bucket {
        uint64_t tokens = 0; // scaled by hz (tokens * tsc_hz)
        uint64_t last_tsc = 0;
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
    std::array<Bucket, kMaxInterfaces> punt_bucket_{};
};

} // namespace wg::fastpath
