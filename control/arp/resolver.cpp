#include "control/arp/resolver.hpp"

#include "fastpath/ipv4.hpp"

#include <rte_mbuf.h>

#include <algorithm>

namespace wg::arp {

const std::array<CounterInfo, unsigned(Resolver::Counter::count_)> Resolver::kCounterInfo{
    {WG_RESOLVER_COUNTERS(WG_COUNTER_INFO)}};

Resolver::Resolver(control::EventLoop& loop, const config::Config& config, fastpath::Dataplane& dp,
                   const fastpath::Ports& ports, control::FrameSink& frames, const control::VipResolver* vips,
                   std::vector<control::InterfaceInfo> interfaces)
    : loop_(loop), config_(config), dp_(dp), ports_(ports), frames_(frames), vips_(vips),
      interfaces_(std::move(interfaces)) {}

Resolver::~Resolver() {
    if (arp_timer_ != 0) loop_.cancel_timer(arp_timer_);
    if (nexthop_timer_ != 0) loop_.cancel_timer(nexthop_timer_);
    for (auto& [key, pkts] : held_)
        for (rte_mbuf* m : pkts)
            rte_pktmbuf_free(m);
}

bool Resolver::start(std::string& error) {
    const auto& ports = ports_.ports();
    store_ = std::make_unique<FastPathStore>(dp_.adjacency(), ports_);
    Options ao = config_.arp;
    ao.preallocate = dp_.adjacency().capacity(); // the control mirror is sized like the fast-path table
    // docs/config.md "arp": by default a flood on one port leaves 1/16 of
    // the table to the others (the uplink's next hop among them).
    if (ao.max_per_interface == 0 && ports.size() > 1)
        ao.max_per_interface = dp_.adjacency().capacity() - dp_.adjacency().capacity() / 16;
    arp_ = std::make_unique<Service>(ao, *store_, frames_, vips_);
    arp_->set_change_listener(this);
    arp_->set_resolve_listener(this);
    for (const auto& info : interfaces_)
        arp_->add_interface(info);
    for (const auto& a : config_.arp_static) {
        const fastpath::Port* p = ports_.find(a.interface);
        const auto status = p == nullptr
                                ? Status::unknown_interface
                                : arp_->add_static(uint16_t(p - ports.data()), a.ip, a.mac, loop_.now());
        if (status != Status::ok) {
            error = "arp_static " + a.ip.str() + " on " + a.interface + ": " + to_string(status);
            return false;
        }
    }
    arp_timer_ = loop_.add_periodic(std::chrono::milliseconds(20), [this] { arp_->tick(loop_.now()); });

    // The next hops of the configured routes are resolved now and kept in
    // the table by the usual aging probes, whatever the VRRP role: a Backup
    // forwards nothing, so it would otherwise meet its uplink router only
    // with the first packets after a takeover (held while it asks). The
    // remote-backup profile replicates the user side only, as the seed does.
    // The port is the one the FIB sends through (Appliance: the first port
    // with an address whose subnet holds the next hop).
    for (const auto& r : config_.routes)
        for (uint16_t i = 0; i < ports.size(); ++i) {
            const Prefix& a = ports[i].spec.address;
            if (a.len == 0 || !a.contains(r.via)) continue;
            if (a.addr != r.via &&
                std::find(nexthops_.begin(), nexthops_.end(), std::pair{i, r.via}) == nexthops_.end())
                nexthops_.emplace_back(i, r.via);
            break;
        }
    if (!nexthops_.empty()) {
        resolve_nexthops();
        nexthop_timer_ = loop_.add_periodic(kNexthopRetry, [this] { resolve_nexthops(); });
    }
    link_up_.assign(ports.size(), true);
    return true;
}

void Resolver::link_changed(uint16_t ifindex, bool up) {
    if (ifindex < link_up_.size()) link_up_[ifindex] = up;
    // Learned entries go (the hosts may be elsewhere when the link returns);
    // static and synced ones stay (control/arp/service.hpp "Rules",
    // docs/config.md "arp").
    if (!up) arp_->flush_interface(ifindex, loop_.now());
}

// docs/architecture.md "Packet paths": a miss is resolved by the control core. A few
// packets per next hop are held (like Linux's unresolved queue) so that the
// first packets of a flow are not lost; beyond that, and when resolution
// fails, they are dropped and counted.
void Resolver::on_miss(rte_mbuf* m, const fastpath::PuntMeta& meta) {
    const Ipv4 nh{meta.nexthop};
    const auto action = arp_->on_miss(meta.ifindex, nh, loop_.now());
    auto& q = held_[{meta.ifindex, nh.value}];
    if (action == MissAction::drop || q.size() >= kHoldPerNexthop || held_total_ >= kHoldTotal) {
        count(Counter::held_dropped);
        rte_pktmbuf_free(m);
        if (q.empty()) held_.erase({meta.ifindex, nh.value});
        return;
    }
    q.push_back(m);
    ++held_total_;
    count(Counter::held);
    if (action == MissAction::resolved) on_resolved(meta.ifindex, nh, true);
}

void Resolver::resolve_nexthops() {
    for (const auto& [ifindex, ip] : nexthops_) {
        if (arp_->find(ifindex, ip) || (ifindex < link_up_.size() && !link_up_[ifindex])) continue;
        // A miss without a packet: a request now, then the usual retries; the
        // answer creates the entry (ARP service "Resolution"). Nothing is held.
        if (arp_->on_miss(ifindex, ip, loop_.now()) == MissAction::hold) count(Counter::nexthop_resolutions);
    }
}

// Held packets leave as the fast path would have sent them: L2 rewritten
// from the new adjacency and the interface's current source MAC, TTL−1.
void Resolver::on_resolved(uint16_t ifindex, Ipv4 ip, bool ok) {
    auto it = held_.find({ifindex, ip.value});
    if (it == held_.end()) return;
    std::vector<rte_mbuf*> pkts = std::move(it->second);
    held_.erase(it);
    held_total_ -= pkts.size();
    const fastpath::AdjEntry* e = ok ? dp_.adjacency().lookup({ip.value, ifindex, 0}) : nullptr;
    const uint64_t word = dp_.iface_word(ifindex);
    for (rte_mbuf* m : pkts) {
        if (e == nullptr || !(word & fastpath::IfaceWord::kForward)) {
            count(Counter::held_dropped);
            rte_pktmbuf_free(m);
            continue;
        }
        auto* eth = rte_pktmbuf_mtod(m, uint8_t*);
        std::copy(e->mac.bytes.begin(), e->mac.bytes.end(), eth);
        const Mac src = fastpath::IfaceWord::mac(word);
        std::copy(src.bytes.begin(), src.bytes.end(), eth + 6);
        fastpath::decrement_ttl(reinterpret_cast<rte_ipv4_hdr*>(eth + 14));
        count(Counter::held_released);
        dp_.inject(m, e->port_id);
    }
}

std::vector<std::pair<uint16_t, std::string>> Resolver::interface_names() const {
    std::vector<std::pair<uint16_t, std::string>> out;
    for (const auto& info : interfaces_)
        out.emplace_back(info.ifindex, info.name);
    return out;
}

// Every adjacency change goes to the remote-backup layer. Forwarding needs
// nothing more: the FIB's route for a neighbour (the connected subnet's, or
// a configured route's) names the ifindex, and the adjacency table resolves
// the destination itself (docs/architecture.md "Tables").
void Resolver::on_change(const Change& c) {
    count(Counter::adjacency_changes);
    if (replication_ != nullptr) replication_->on_change(c);
}

} // namespace wg::arp
