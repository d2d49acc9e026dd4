#include "fastpath/fib.hpp"

#include <rte_errno.h>

namespace wg::fastpath {

std::unique_ptr<Fib> Fib::create(const std::string& name, uint32_t max_rules, rte_rcu_qsbr* qsbr,
                                 std::string& error) {
    std::unique_ptr<Fib> fib(new Fib());
    rte_lpm_config cfg{};
    cfg.max_rules = max_rules;
    // One tbl8 group per /24 holding host routes: 16384 groups (16 MiB) cover
    // hosts spread over as many /24s; beyond, host routes fail and are counted.
    cfg.number_tbl8s = 1u << 14;
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

uint32_t Fib::lpm_lookup(uint32_t ip) const {
    uint32_t hop = 0;
    return rte_lpm_lookup(lpm_, ip, &hop) == 0 ? hop : kNoRoute;
}

bool Fib::add_lpm(uint32_t prefix, uint8_t depth, uint32_t index, std::string& error) {
    if (int rc = rte_lpm_add(lpm_, prefix, depth, index); rc != 0) {
        error = "cannot add route: " + std::string(rte_strerror(-rc));
        return false;
    }
    return true;
}

bool Fib::add(uint32_t prefix, uint8_t depth, const Nexthop& nh, std::string& error) {
    const uint32_t index = intern(nh, error);
    if (index == kNoRoute) return false;
    if (depth == 0) {
        if (default_hop_.load(std::memory_order_relaxed) == kNoRoute) ++routes_;
        default_hop_.store(index, std::memory_order_release);
        return true;
    }
    if (depth == 32) {
        if (lpm_hosts_.count(prefix)) return add_lpm(prefix, 32, index, error); // an update in place
        const bool was_covered = covered_.erase(prefix) > 0;
        // The LPM without this /32 (a covered one is not in it) already
        // answers `index`: keep it beside the LPM.
        if (lpm_lookup(prefix) == index) {
            covered_.emplace(prefix, index);
        } else {
            if (!add_lpm(prefix, 32, index, error)) {
                if (was_covered) --routes_;
                return false;
            }
            lpm_hosts_.insert(prefix);
        }
        if (!was_covered) ++routes_;
        return true;
    }
    const uint32_t mask = ~uint32_t{0} << (32 - depth);
    const bool existed = [&] {
        uint32_t hop = 0;
        return rte_lpm_is_rule_present(lpm_, prefix & mask, depth, &hop) == 1;
    }();
    if (!add_lpm(prefix & mask, depth, index, error)) return false;
    if (!existed) ++routes_;
    recheck_covered();
    return true;
}

bool Fib::remove(uint32_t prefix, uint8_t depth) {
    if (depth == 0) {
        if (default_hop_.exchange(kNoRoute, std::memory_order_acq_rel) == kNoRoute) return false;
        --routes_;
        return true;
    }
    if (depth == 32 && covered_.erase(prefix) > 0) {
        --routes_;
        return true;
    }
    const uint32_t mask = ~uint32_t{0} << (32 - depth);
    if (rte_lpm_delete(lpm_, prefix & mask, depth) != 0) return false;
    if (depth == 32) lpm_hosts_.erase(prefix);
    --routes_;
    if (depth < 32) recheck_covered();
    return true;
}

void Fib::recheck_covered() {
    // Routes other than host routes change rarely (configuration): a walk
    // over the covered set each time is fine.
    for (auto it = covered_.begin(); it != covered_.end();) {
        const auto [ip, index] = *it;
        if (lpm_lookup(ip) == index) {
            ++it;
            continue;
        }
        std::string error;
        if (add_lpm(ip, 32, index, error)) {
            lpm_hosts_.insert(ip);
        } else {
            --routes_; // the LPM is full: the host route is lost, as an add would have failed
        }
        it = covered_.erase(it);
    }
}

} // namespace wg::fastpath
