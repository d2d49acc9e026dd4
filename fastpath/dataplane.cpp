#include "fastpath/dataplane.hpp"

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <algorithm>

namespace wg::fastpath {

static_assert(kMaxInterfaces <= AdjacencyTable::kDirectMax, "every interface can have a direct index");

uint64_t IfaceWord::pack(const Mac& src, bool forward, bool virtual_mac) {
    uint64_t w = 0;
    for (unsigned i = 0; i < 6; ++i) w |= uint64_t(src.bytes[i]) << (8 * i);
    if (forward) w |= kForward;
    if (virtual_mac) w |= kVirtualMac;
    return w;
}

Mac IfaceWord::mac(uint64_t word) {
    Mac m;
    for (unsigned i = 0; i < 6; ++i) m.bytes[i] = uint8_t(word >> (8 * i));
    return m;
}

std::unique_ptr<Dataplane> Dataplane::create(const DataplaneOptions& options, std::string& error) {
    if (options.workers == 0 || options.workers > kMaxWorkers) {
        error = "workers must be 1.." + std::to_string(kMaxWorkers);
        return nullptr;
    }
    if (meta_offset_ < 0) {
        static const rte_mbuf_dynfield desc = {
            "warmgate_punt_meta", sizeof(PuntMeta), alignof(PuntMeta), 0,
        };
        meta_offset_ = rte_mbuf_dynfield_register(&desc);
        if (meta_offset_ < 0) {
            error = "cannot register the punt mbuf field: " + std::string(rte_strerror(rte_errno));
            return nullptr;
        }
    }
    std::unique_ptr<Dataplane> dp(new Dataplane());
    dp->options_ = options;
    dp->port_to_if_.fill(kNoInterface);

    const size_t qs_size = rte_rcu_qsbr_get_memsize(options.workers);
    dp->qsbr_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("wg_qsbr", qs_size, RTE_CACHE_LINE_SIZE));
    if (dp->qsbr_ == nullptr || rte_rcu_qsbr_init(dp->qsbr_, options.workers) != 0) {
        error = "cannot create the RCU variable";
        return nullptr;
    }
    static unsigned instance = 0; // rte objects need unique names (tests create several)
    const std::string suffix = std::to_string(instance++);

    // Connected subnets and configured routes, plus 1024 spare rules (tests
    // and debug commands add a few). No host routes: neighbours resolve
    // through the adjacency table (fib.hpp).
    dp->fib_ = Fib::create("wg_fib" + suffix, options.routes + kMaxInterfaces + 1024, dp->qsbr_, error);
    if (!dp->fib_) return nullptr;
    AdjacencyTable::Options ao;
    ao.name = "wg_adj" + suffix;
    ao.capacity = options.adjacency_capacity;
    ao.qsbr = dp->qsbr_;
    dp->adjacency_ = AdjacencyTable::create(ao, error);
    if (!dp->adjacency_) return nullptr;

    for (unsigned w = 0; w < options.workers; ++w) {
        const std::string id = suffix + "_" + std::to_string(w);
        dp->punt_[w] = rte_ring_create(("wg_punt" + id).c_str(), options.punt_ring_size, SOCKET_ID_ANY,
                                       RING_F_SP_ENQ | RING_F_SC_DEQ);
        dp->priority_[w] = rte_ring_create(("wg_prio" + id).c_str(), options.priority_ring_size, SOCKET_ID_ANY,
                                           RING_F_SP_ENQ | RING_F_SC_DEQ);
        dp->inject_[w] = rte_ring_create(("wg_inj" + id).c_str(), options.punt_ring_size, SOCKET_ID_ANY,
                                         RING_F_SP_ENQ | RING_F_SC_DEQ);
        dp->stats_[w] = static_cast<WorkerStats*>(
            rte_zmalloc("wg_stats", sizeof(WorkerStats), RTE_CACHE_LINE_SIZE));
        if (dp->punt_[w] == nullptr || dp->priority_[w] == nullptr || dp->inject_[w] == nullptr ||
            dp->stats_[w] == nullptr) {
            error = "cannot create rings for worker " + std::to_string(w) + ": " + rte_strerror(rte_errno);
            return nullptr;
        }
        new (dp->stats_[w]) WorkerStats();
    }
    return dp;
}

Dataplane::~Dataplane() {
    for (unsigned w = 0; w < kMaxWorkers; ++w) {
        for (rte_ring* r : {punt_[w], priority_[w], inject_[w]}) {
            if (r == nullptr) continue;
            rte_mbuf* m = nullptr;
            while (rte_ring_dequeue(r, reinterpret_cast<void**>(&m)) == 0) rte_pktmbuf_free(m);
            rte_ring_free(r);
        }
        rte_free(stats_[w]);
    }
    adjacency_.reset();
    fib_.reset();
    rte_free(qsbr_);
}

bool Dataplane::add_interface(uint16_t ifindex, const IfaceStatic& itf, std::string& error) {
    if (ifindex >= kMaxInterfaces) {
        error = "too many interfaces (max " + std::to_string(kMaxInterfaces) + ")";
        return false;
    }
    if (itf.port_id >= RTE_MAX_ETHPORTS) {
        error = "port id out of range";
        return false;
    }
    iface_[ifindex] = itf;
    iface_[ifindex].port_mac_bits = IfaceWord::pack(itf.port_mac, false, false);
    port_to_if_[itf.port_id] = ifindex;
    n_ifaces_ = std::max<unsigned>(n_ifaces_, ifindex + 1u);
    // An interface without VRRP forwards unconditionally; one with VRRP
    // waits for its group to become Master (docs/architecture.md "Packet
    // paths" 6): a Backup never forwards downlink traffic.
    iface_word_[ifindex].store(IfaceWord::pack(itf.port_mac, !itf.vrrp, false), std::memory_order_release);
    if (itf.address != 0) {
        add_local_address(itf.address);
        if (itf.prefix_len > 0) {
            Nexthop nh;
            nh.ifindex = ifindex;
            nh.port_id = itf.port_id;
            if (!fib_->add(itf.address, itf.prefix_len, nh, error)) return false;
            // Its neighbours then resolve by one load (adjacency.hpp "direct
            // index"). When refused (wider than /8, a /31 or /32, no memory:
            // counted) the hash serves them, which is only slower.
            adjacency_->add_direct(ifindex, itf.address, itf.prefix_len);
        }
    }
    return true;
}

void Dataplane::add_local_address(uint32_t ip) {
    if (std::find(local_.begin(), local_.end(), ip) != local_.end()) return;
    local_.push_back(ip);
    local_filter_.set(ip & 0xffff);
}

bool Dataplane::is_local_slow(uint32_t ip) const noexcept {
    for (uint32_t l : local_)
        if (l == ip) return true;
    return false;
}

void Dataplane::set_forwarding(uint16_t ifindex, bool forward, const Mac& src, bool virtual_mac) {
    iface_word_[ifindex].store(IfaceWord::pack(src, forward, virtual_mac), std::memory_order_release);
}

bool Dataplane::inject(rte_mbuf* m, uint16_t port_id) {
    m->port = port_id;
    if (rte_ring_enqueue(inject_[0], m) != 0) {
        rte_pktmbuf_free(m);
        return false;
    }
    return true;
}

WorkerStats Dataplane::stats(unsigned worker) const {
    WorkerStats copy;
    const WorkerStats& s = *stats_[worker];
    for (unsigned i = 0; i < kCounterCount; ++i)
        copy.v[i] = __atomic_load_n(&s.v[i], __ATOMIC_RELAXED);
    copy.busy_cycles = __atomic_load_n(&s.busy_cycles, __ATOMIC_RELAXED);
    copy.busy_packets = __atomic_load_n(&s.busy_packets, __ATOMIC_RELAXED);
    copy.polls = __atomic_load_n(&s.polls, __ATOMIC_RELAXED);
    copy.idle_polls = __atomic_load_n(&s.idle_polls, __ATOMIC_RELAXED);
    return copy;
}

WorkerStats Dataplane::stats_total() const {
    WorkerStats total;
    for (unsigned w = 0; w < options_.workers; ++w) {
        const WorkerStats s = stats(w);
        for (unsigned i = 0; i < kCounterCount; ++i) total.v[i] += s.v[i];
        total.busy_cycles += s.busy_cycles;
        total.busy_packets += s.busy_packets;
        total.polls += s.polls;
        total.idle_polls += s.idle_polls;
    }
    return total;
}

} // namespace wg::fastpath
