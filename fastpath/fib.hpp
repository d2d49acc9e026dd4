// IPv4 FIB: rte_lpm from prefix to a next-hop index, and the next-hop array
// (egress interface + gateway, 0 = directly connected: resolve the
// destination itself). Connected subnets, configured routes and /32 host
// routes (the seed's "host routing information") all live here.
//
// Covered host routes: a /32 whose address the LPM already resolves to the
// same next hop (a neighbour on a connected subnet, the common case: one
// per ARP entry) is kept in a hash set beside the LPM, not in it. A lookup
// gives the same answer either way, and rte_lpm keeps the rules of one depth
// in an array it scans linearly on every add (DPDK 22.11 rule_add and
// rte_lpm_is_rule_present): 100k host routes in the LPM cost ~5 s of the
// control lcore in one batch (docs/lab.md "The fault suite"). Whenever a
// shorter route is added or removed, the covered set is checked again and a
// host route whose address would now resolve elsewhere moves into the LPM,
// so lookups are exactly those of a FIB holding every route.
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
#include <unordered_map>
#include <unordered_set>
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
    // /32 host routes kept beside the LPM, not in it (above).
    uint32_t covered_host_routes() const { return uint32_t(covered_.size()); }

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
    uint32_t lpm_lookup(uint32_t ip) const; // the LPM's hop index (the default route aside), or kNoRoute
    bool add_lpm(uint32_t prefix, uint8_t depth, uint32_t index, std::string& error);
    void recheck_covered(); // after a shorter route changed: move what it no longer covers into the LPM

    rte_lpm* lpm_ = nullptr;
    // rte_lpm takes depths 1..32: the default route (depth 0) lives here.
    std::atomic<uint32_t> default_hop_{kNoRoute};
    std::vector<Nexthop> nexthops_; // never shrinks: indices stay valid for readers
    uint32_t routes_ = 0;
    std::unordered_map<uint32_t, uint32_t> covered_; // covered /32 → its hop index
    std::unordered_set<uint32_t> lpm_hosts_;         // /32 rules in the LPM (no linear presence check)
};

} // namespace wg::fastpath
