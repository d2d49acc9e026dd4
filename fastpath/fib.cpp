#include "fastpath/fib.hpp"

#include <rte_errno.h>

#include <algorithm>

namespace wg::fastpath {

std::unique_ptr<Fib> Fib::create(const std::string& name, uint32_t max_rules, rte_rcu_qsbr* qsbr,
                                 std::string& error) {
    std::unique_ptr<Fib> fib(new Fib());
    rte_lpm_config cfg{};
    cfg.max_rules = max_rules;
    // A rule longer than /24 takes one tbl8 group (256 entries, 1 KiB) for
    // its /24, shared with the other long rules of that /24; a rule of /24
    // or shorter takes none. So as many groups as rules never run out. The
    // FIB holds only connected subnets and configured routes (no host
    // routes): ~1 MiB for the default spare, not the 16 MiB a group per /24
    // of learned hosts took. Capped at 64 MiB: past 65536 long routes in as
    // many /24s, an add fails with its route named (appliance start).
    cfg.number_tbl8s = std::min(max_rules, 1u << 16);
    fib->lpm_ = rte_lpm_create(name.c_str(), SOCKET_ID_ANY, &cfg);
    if (fib->lpm_ == nullptr) {
        error = "cannot create LPM '" + name + "': " + rte_strerror(rte_errno);
        return nullptr;
    }
    if (qsbr != nullptr) {
        rte_lpm_rcu_config rcu{};
        rcu.v = qsbr;
        rcu.mode = RTE_LPM_QSBR_MODE_DQ;
        if (rte_lpm_rcu_qsbr_add(fib->lpm_, &rcu) != 0) {
            error = "cannot attach RCU to LPM: " + std::string(rte_strerror(rte_errno));
            return nullptr;
        }
    }
    // Reserved so that readers never see the vector move.
    fib->nexthops_.reserve(kMaxNexthops);
    return fib;
}

Fib::~Fib() {
    if (lpm_ != nullptr) rte_lpm_free(lpm_);
}

uint32_t Fib::intern(const Nexthop& nh, std::string& error) {
    for (uint32_t i = 0; i < nexthops_.size(); ++i) {
        const auto& o = nexthops_[i];
        if (o.gateway == nh.gateway && o.ifindex == nh.ifindex && o.port_id == nh.port_id) return i;
    }
    if (nexthops_.size() >= kMaxNexthops) {
        error = "next-hop table full (" + std::to_string(kMaxNexthops) + ")";
        return kNoRoute;
    }
    nexthops_.push_back(nh); // capacity reserved: no reallocation under readers
    return uint32_t(nexthops_.size() - 1);
}

bool Fib::add(uint32_t prefix, uint8_t depth, const Nexthop& nh, std::string& error) {
    const uint32_t index = intern(nh, error);
    if (index == kNoRoute) return false;
    if (depth == 0) {
        if (default_hop_.load(std::memory_order_relaxed) == kNoRoute) ++routes_;
        default_hop_.store(index, std::memory_order_release);
        return true;
    }
    const uint32_t mask = ~uint32_t{0} << (32 - depth);
    const bool existed = [&] {
        uint32_t hop = 0;
        return rte_lpm_is_rule_present(lpm_, prefix & mask, depth, &hop) == 1;
    }();
    if (int rc = rte_lpm_add(lpm_, prefix & mask, depth, index); rc != 0) {
        error = "cannot add route: " + std::string(rte_strerror(-rc));
        return false;
    }
    if (!existed) ++routes_;
    return true;
}

bool Fib::remove(uint32_t prefix, uint8_t depth) {
    if (depth == 0) {
        if (default_hop_.exchange(kNoRoute, std::memory_order_acq_rel) == kNoRoute) return false;
        --routes_;
        return true;
    }
    const uint32_t mask = ~uint32_t{0} << (32 - depth);
    if (rte_lpm_delete(lpm_, prefix & mask, depth) != 0) return false;
    --routes_;
    return true;
}

} // namespace wg::fastpath
