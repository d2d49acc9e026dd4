// IPv4 FIB: rte_lpm from prefix to a next-hop index, and the next-hop array
// (egress interface + gateway, 0 = directly connected: resolve the
// destination itself). It holds the connected subnets and the configured
// routes, nothing per host: a neighbour is found by the route that covers
// it plus the adjacency table (docs/architecture.md "Tables"), so a
// configured route inside a connected subnet stays in force for every host
// under it, whatever ARP learns.
//
// Thread-safety: add/remove run on the control lcore only (single writer);
// lookup_bulk() is lock-free for worker lcores registered with the qsbr
// given at creation (rte_lpm's tbl8 groups are reclaimed through it).
#pragma once

#include <rte_lpm.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct rte_rcu_qsbr;

namespace wg::fastpath {

struct Nexthop {
    uint32_t gateway = 0; // host order; 0: connected, the destination is the neighbour
    uint16_t ifindex = 0;
    uint16_t port_id = 0;
};

class Fib {
  public:
    static constexpr uint32_t kMaxNexthops = 4096;

    static std::unique_ptr<Fib> create(const std::string& name, uint32_t max_rules, rte_rcu_qsbr* qsbr,
                                       std::string& error);
    ~Fib();
    Fib(const Fib&) = delete;
    Fib& operator=(const Fib&) = delete;

    // Control lcore only. `prefix` host order. Returns false with `error`.
    bool add(uint32_t prefix, uint8_t depth, const Nexthop& nh, std::string& error);
    bool remove(uint32_t prefix, uint8_t depth);
    uint32_t routes() const { return routes_; }

    // Workers. ips host order; hop index per ip, or kNoRoute.
    static constexpr uint32_t kNoRoute = UINT32_MAX;
    void lookup_bulk(const uint32_t* ips, uint32_t* hops, unsigned n) const noexcept {
        rte_lpm_lookup_bulk(lpm_, ips, hops, n);
        const uint32_t dflt = default_hop_.load(std::memory_order_acquire);
        for (unsigned i = 0; i < n; ++i)
            hops[i] = (hops[i] & RTE_LPM_LOOKUP_SUCCESS) ? (hops[i] & 0x00ffffff) : dflt;
    }
    const Nexthop& nexthop(uint32_t index) const noexcept { return nexthops_[index]; }

  private:
    Fib() = default;
    uint32_t intern(const Nexthop& nh, std::string& error);

    rte_lpm* lpm_ = nullptr;
    // rte_lpm takes depths 1..32: the default route (depth 0) lives here.
    std::atomic<uint32_t> default_hop_{kNoRoute};
    std::vector<Nexthop> nexthops_; // never shrinks: indices stay valid for readers
    uint32_t routes_ = 0;
};

} // namespace wg::fastpath
