#include "main/control_plane.hpp"

#include "fastpath/ipv4.hpp"

#include <rte_ring.h>

#include <algorithm>

namespace wg {
namespace {

constexpr std::array<CounterInfo, unsigned(ControlPlane::Counter::count_)> kCounterInfo{
    {WG_CONTROL_COUNTERS(WG_COUNTER_INFO)}};

std::span<const uint8_t> bytes(const rte_mbuf* m) {
    return {rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m)};
}

uint32_t ipv4_dst(const rte_mbuf* m) {
    const uint8_t* p = rte_pktmbuf_mtod_offset(m, const uint8_t*, 14 + 16);
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

} // namespace

ControlPlane::ControlPlane(control::EventLoop& loop, const config::Config& config, fastpath::Dataplane& dp,
                           const fastpath::Ports& ports)
    : loop_(loop), config_(config), dp_(dp), ports_(ports), frames_(dp, ports), forwarding_(dp, ports),
      hooks_(loop, std::chrono::seconds(10)) {}

ControlPlane::~ControlPlane() {
    if (arp_timer_ != 0) loop_.cancel_timer(arp_timer_);
    if (links_timer_ != 0) loop_.cancel_timer(links_timer_);
    if (nexthop_timer_ != 0) loop_.cancel_timer(nexthop_timer_);
    for (auto& [key, pkts] : held_)
        for (rte_mbuf* m : pkts) rte_pktmbuf_free(m);
}

bool ControlPlane::start(std::string& error) {
    const auto& ports = ports_.ports();
    std::vector<control::InterfaceInfo> infos;
    for (uint16_t i = 0; i < ports.size(); ++i)
        infos.push_back({i, ports[i].spec.ifname, ports[i].mac, ports[i].spec.address});

    vrrp_ = std::make_unique<vrrp::Service>(loop_, frames_, forwarding_, &hooks_, infos);
    for (uint16_t i = 0; i < ports.size(); ++i) {
        const config::Interface* itf = config_.find_interface(ports[i].spec.ifname);
        if (itf == nullptr) continue;
        for (const auto& group : itf->vrrp) {
            vrrp::GroupConfig g;
            g.ifindex = i;
            g.interface = itf->name;
            g.primary = ports[i].spec.address.addr;
            g.group = group;
            if (group.track_admin)
                if (const fastpath::Port* admin = ports_.find(group.track_admin->interface))
                    g.admin_ifindex = uint16_t(admin - ports.data());
            // The seed puts authentication in the RBP that tracks the group
            // (`vrrp vrid 1 authentication-mode md5 ...` in profile1).
            for (const auto& rbp : config_.remote_backup_profile)
                if (rbp.vrrp.interface == itf->name && rbp.vrrp.vrid == group.vrid) g.auth = rbp.vrrp.authentication;
            vrrp_->add_group(g);
        }
    }

    store_ = std::make_unique<arp::FastPathStore>(dp_.adjacency(), ports_);
    arp::Options ao;
    ao.age_s = config_.arp.age_s;
    ao.probe_before_s = config_.arp.probe_before_s;
    ao.probes = config_.arp.probes;
    ao.requests_per_s = config_.arp.requests_per_s;
    ao.preallocate = dp_.adjacency().capacity(); // the control mirror is sized like the fast-path table
    ao.learning = config_.arp.learning == config::ArpOptions::Learning::strict ? arp::Learning::strict
                                                                               : arp::Learning::rfc826;
    ao.mac_move = config_.arp.mac_move == config::ArpOptions::MacMove::fixed_mac ? arp::MacMove::fixed_mac
                  : config_.arp.mac_move == config::ArpOptions::MacMove::none    ? arp::MacMove::none
                                                                                 : arp::MacMove::verify;
    ao.verify_ms = config_.arp.mac_move_verify_ms;
    ao.learn_per_s = config_.arp.learn_per_s;
    ao.learn_per_source_per_s = config_.arp.learn_per_source_per_s;
    // docs/config.md "arp": by default a flood on one port leaves 1/16 of
    // the table to the others (the uplink's next hop among them).
    ao.max_per_interface = config_.arp.max_per_interface;
    if (ao.max_per_interface == 0 && ports.size() > 1)
        ao.max_per_interface = dp_.adjacency().capacity() - dp_.adjacency().capacity() / 16;
    arp_ = std::make_unique<arp::Service>(ao, *store_, frames_, vrrp_.get());
    arp_->set_change_listener(this);
    arp_->set_resolve_listener(this);
    for (const auto& info : infos) arp_->add_interface(info);
    for (const auto& a : config_.arp_static) {
        const fastpath::Port* p = ports_.find(a.interface);
        const auto status = p == nullptr ? arp::Status::unknown_interface
                                         : arp_->add_static(uint16_t(p - ports.data()), a.ip, a.mac, loop_.now());
        if (status != arp::Status::ok) {
            error = "arp_static " + a.ip.str() + " on " + a.interface + ": " + arp::to_string(status);
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
            if (a.addr != r.via && std::find(nexthops_.begin(), nexthops_.end(), std::pair{i, r.via}) == nexthops_.end())
                nexthops_.emplace_back(i, r.via);
            break;
        }
    if (!nexthops_.empty()) {
        resolve_nexthops();
        nexthop_timer_ = loop_.add_periodic(kNexthopRetry, [this] { resolve_nexthops(); });
    }

    link_up_.assign(ports.size(), true);
    links_timer_ = loop_.add_periodic(std::chrono::milliseconds(100), [this] { poll_links(); });
    vrrp_->start();
    return true;
}

void ControlPlane::shutdown() {
    if (vrrp_) vrrp_->shutdown();
}

void ControlPlane::poll_links() {
    const auto& ports = ports_.ports();
    for (uint16_t i = 0; i < ports.size(); ++i) {
        const bool up = fastpath::Ports::link(ports[i]).up;
        if (up == link_up_[i]) continue;
        link_up_[i] = up;
        vrrp_->link_changed(i, up);
        // After VRRP: a Master whose link failed is no longer Master (nor
        // the sync profile's sender) when the flushed entries are published,
        // so the peer taking over keeps its copies. Learned entries go (the
        // hosts may be elsewhere when the link returns); static and synced
        // ones stay (control/arp/service.hpp "Rules", docs/config.md "arp").
        if (!up) arp_->flush_interface(i, loop_.now());
    }
}

// Control-plane policing, the control core's half (docs/architecture.md
// "Control-plane policing"): every wakeup first empties the workers' priority rings
// (VRRP adverts, ARP replies to us; at most a ring's worth each, so a
// worker refilling it cannot hold us here), then takes at most kBulkBudget
// frames from each bulk ring. A flood of the bulk classes therefore costs a
// bounded time per wakeup and never delays an advert or a VRRP timer by
// more than that.
bool ControlPlane::poll() {
    bool work = false;
    rte_mbuf* burst[fastpath::kBurst];
    const unsigned workers = dp_.options().workers;
    const unsigned priority_budget = dp_.options().priority_ring_size;
    for (unsigned w = 0; w < workers; ++w) {
        for (unsigned taken = 0; taken < priority_budget;) {
            const unsigned n = rte_ring_sc_dequeue_burst(dp_.priority_ring(w), reinterpret_cast<void**>(burst),
                                                         fastpath::kBurst, nullptr);
            if (n == 0) break;
            count(Counter::punt_priority, n);
            dispatch(burst, n);
            taken += n;
            work = true;
        }
    }
    for (unsigned w = 0; w < workers; ++w) {
        const unsigned n = rte_ring_sc_dequeue_burst(dp_.punt_ring(w), reinterpret_cast<void**>(burst),
                                                     kBulkBudget, nullptr);
        dispatch(burst, n);
        work |= n != 0;
    }
    return work;
}

void ControlPlane::dispatch(rte_mbuf* const* burst, unsigned n) {
    const auto now = loop_.now();
    for (unsigned i = 0; i < n; ++i) {
        rte_mbuf* m = burst[i];
        const fastpath::PuntMeta meta = *fastpath::Dataplane::meta(m);
        switch (meta.reason) {
        case fastpath::PuntReason::arp:
            count(Counter::punt_arp);
            arp_->on_frame(meta.ifindex, bytes(m), now);
            break;
        case fastpath::PuntReason::vrrp:
            count(Counter::punt_vrrp);
            vrrp_->on_frame(meta.ifindex, bytes(m));
            break;
        case fastpath::PuntReason::local:
            count(Counter::punt_local);
            on_local(m, meta.ifindex);
            break;
        case fastpath::PuntReason::ttl_exceeded:
            count(Counter::punt_ttl_exceeded);
            on_ttl_exceeded(m, meta.ifindex);
            break;
        case fastpath::PuntReason::resolve:
            count(Counter::punt_resolve);
            on_miss(m, meta); // takes ownership
            continue;
        }
        rte_pktmbuf_free(m);
    }
}

// ICMP echo to our interface address, or to a VIP while its group is
// Master (answered from the virtual MAC); a Backup stays silent.
void ControlPlane::on_local(rte_mbuf* m, uint16_t ifindex) {
    const auto& ports = ports_.ports();
    if (ifindex >= ports.size()) return;
    const Ipv4 dst{ipv4_dst(m)};
    Mac src = ports[ifindex].mac;
    bool answer = true;
    Mac vmac;
    if (vrrp_->is_vip(ifindex, dst, &answer, &vmac)) {
        if (!answer) {
            icmp_[unsigned(control::icmp::Counter::echo_vip_not_master)]++;
            return;
        }
        src = vmac;
    }
    control::icmp::Counter why{};
    if (auto reply = control::icmp::echo_reply(bytes(m), src, &why)) frames_.send(ifindex, *reply);
    icmp_[unsigned(why)]++;
}

// RFC 1812 §4.3.2.8: ICMP errors are rate-limited (100/s, burst 100).
bool ControlPlane::icmp_budget() {
    const auto now = loop_.now();
    icmp_tokens_ = std::min(100.0, icmp_tokens_ + std::chrono::duration<double>(now - icmp_last_).count() * 100.0);
    icmp_last_ = now;
    if (icmp_tokens_ < 1.0) return false;
    icmp_tokens_ -= 1.0;
    return true;
}

void ControlPlane::on_ttl_exceeded(rte_mbuf* m, uint16_t ifindex) {
    const auto& ports = ports_.ports();
    if (ifindex >= ports.size()) return;
    if (!icmp_budget()) {
        icmp_[unsigned(control::icmp::Counter::time_exceeded_limited)]++;
        return;
    }
    const Mac src = fastpath::IfaceWord::mac(dp_.iface_word(ifindex));
    if (auto te = control::icmp::time_exceeded(bytes(m), ports[ifindex].spec.address.addr, src)) {
        frames_.send(ifindex, *te);
        icmp_[unsigned(control::icmp::Counter::time_exceeded_sent)]++;
    }
}

// DESIGN "Packet paths" 3: a miss is resolved by the control core. A few
// packets per next hop are held (like Linux's unresolved queue) so that the
// first packets of a flow are not lost; beyond that, and when resolution
// fails, they are dropped and counted.
void ControlPlane::on_miss(rte_mbuf* m, const fastpath::PuntMeta& meta) {
    const Ipv4 nh{meta.nexthop};
    const auto action = arp_->on_miss(meta.ifindex, nh, loop_.now());
    auto& q = held_[{meta.ifindex, nh.value}];
    if (action == arp::MissAction::drop || q.size() >= kHoldPerNexthop || held_total_ >= kHoldTotal) {
        count(Counter::held_dropped);
        rte_pktmbuf_free(m);
        if (q.empty()) held_.erase({meta.ifindex, nh.value});
        return;
    }
    q.push_back(m);
    ++held_total_;
    count(Counter::held);
    if (action == arp::MissAction::resolved) on_resolved(meta.ifindex, nh, true);
}

void ControlPlane::resolve_nexthops() {
    for (const auto& [ifindex, ip] : nexthops_) {
        if (arp_->find(ifindex, ip) || (ifindex < link_up_.size() && !link_up_[ifindex])) continue;
        // A miss without a packet: a request now, then the usual retries; the
        // answer creates the entry (ARP service "Resolution"). Nothing is held.
        if (arp_->on_miss(ifindex, ip, loop_.now()) == arp::MissAction::hold) count(Counter::nexthop_resolutions);
    }
}

// Held packets leave as the fast path would have sent them: L2 rewritten
// from the new adjacency and the interface's current source MAC, TTL−1.
void ControlPlane::on_resolved(uint16_t ifindex, Ipv4 ip, bool ok) {
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

std::vector<std::pair<uint16_t, std::string>> ControlPlane::interface_names() const {
    std::vector<std::pair<uint16_t, std::string>> out;
    const auto& ports = ports_.ports();
    for (uint16_t i = 0; i < ports.size(); ++i) out.emplace_back(i, ports[i].spec.ifname);
    return out;
}

// Every adjacency change goes to the remote-backup layer. Forwarding needs
// nothing more: the FIB's route for a neighbour (the connected subnet's, or
// a configured route's) names the ifindex, and the adjacency table resolves
// the destination itself (docs/architecture.md "Tables").
void ControlPlane::on_change(const arp::Change& c) {
    count(Counter::adjacency_changes);
    if (replication_ != nullptr) replication_->on_change(c);
}

void ControlPlane::add_statistics(control::Report& r) const {
    auto& s = r.section("control", "Control core");
    s.set_label_width(24);
    s.add_counters(kCounterInfo, counters_);
    s.add_counters(control::icmp::kCounterInfo, icmp_);
    s.add("held_now", "Held now", uint64_t(held_total_));
    s.add("inject_failures", "Inject failures", frames_.failures());
    s.add("hooks_started", "Notify hooks started", hooks_.started());
    s.add("hooks_failed", "Notify hooks failed", hooks_.failed());
    s.add("hooks_timed_out", "Notify hooks timed out", hooks_.timed_out());
}

} // namespace wg
