#include "control/punt.hpp"

#include <rte_ring.h>

#include <algorithm>

namespace wg::control {
namespace {

constexpr std::array<CounterInfo, unsigned(Punt::Counter::count_)> kCounterInfo{
    {WG_PUNT_COUNTERS(WG_COUNTER_INFO)}};

std::span<const uint8_t> bytes(const rte_mbuf* m) {
    return {rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m)};
}

uint32_t ipv4_dst(const rte_mbuf* m) {
    const uint8_t* p = rte_pktmbuf_mtod_offset(m, const uint8_t*, 14 + 16);
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

} // namespace

Punt::Punt(EventLoop& loop, fastpath::Dataplane& dp, const fastpath::Ports& ports, InjectFrameSink& frames,
           arp::Resolver& arp, vrrp::Service& vrrp, const vrrp::ProcessHookRunner& hooks)
    : loop_(loop), dp_(dp), ports_(ports), frames_(frames), arp_(arp), vrrp_(vrrp), hooks_(hooks) {}

Punt::~Punt() {
    if (links_timer_ != 0) loop_.cancel_timer(links_timer_);
}

void Punt::start() {
    link_up_.assign(ports_.ports().size(), true);
    links_timer_ = loop_.add_periodic(std::chrono::milliseconds(100), [this] { poll_links(); });
}

void Punt::poll_links() {
    const auto& ports = ports_.ports();
    for (uint16_t i = 0; i < ports.size(); ++i) {
        const bool up = fastpath::Ports::link(ports[i]).up;
        if (up == link_up_[i]) continue;
        link_up_[i] = up;
        vrrp_.link_changed(i, up);
        // After VRRP: a Master whose link failed is no longer Master (nor
        // the sync profile's sender) when the flushed entries are published,
        // so the peer taking over keeps its copies.
        arp_.link_changed(i, up);
    }
}

// Control-plane policing, the control core's half (docs/architecture.md
// "Control-plane policing"): every wakeup first empties the workers' priority rings
// (VRRP adverts, ARP replies to us; at most a ring's worth each, so a
// worker refilling it cannot hold us here), then takes at most kBulkBudget
// frames from each bulk ring. A flood of the bulk classes therefore costs a
// bounded time per wakeup and never delays an advert or a VRRP timer by
// more than that.
bool Punt::poll() {
    bool work = false;
    rte_mbuf* burst[fastpath::kBurst];
    const unsigned workers = dp_.options().workers;
    const unsigned priority_budget = dp_.options().priority_ring_size;
    for (unsigned w = 0; w < workers; ++w) {
        for (unsigned taken = 0; taken < priority_budget;) {
            const unsigned n = rte_ring_sc_dequeue_burst(
                dp_.priority_ring(w), reinterpret_cast<void**>(burst), fastpath::kBurst, nullptr);
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

void Punt::dispatch(rte_mbuf* const* burst, unsigned n) {
    const auto now = loop_.now();
    for (unsigned i = 0; i < n; ++i) {
        rte_mbuf* m = burst[i];
        const fastpath::PuntMeta meta = *fastpath::Dataplane::meta(m);
        switch (meta.reason) {
        case fastpath::PuntReason::arp:
            count(Counter::punt_arp);
            arp_.service().on_frame(meta.ifindex, bytes(m), now);
            break;
        case fastpath::PuntReason::vrrp:
            count(Counter::punt_vrrp);
            vrrp_.on_frame(meta.ifindex, bytes(m));
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
            arp_.on_miss(m, meta); // takes ownership
            continue;
        }
        rte_pktmbuf_free(m);
    }
}

// ICMP echo to our interface address, or to a VIP while its group is
// Master (answered from the virtual MAC); a Backup stays silent.
void Punt::on_local(rte_mbuf* m, uint16_t ifindex) {
    const auto& ports = ports_.ports();
    if (ifindex >= ports.size()) return;
    const Ipv4 dst{ipv4_dst(m)};
    Mac src = ports[ifindex].mac;
    bool answer = true;
    Mac vmac;
    if (vrrp_.is_vip(ifindex, dst, &answer, &vmac)) {
        if (!answer) {
            icmp_[unsigned(icmp::Counter::echo_vip_not_master)]++;
            return;
        }
        src = vmac;
    }
    icmp::Counter why{};
    if (auto reply = icmp::echo_reply(bytes(m), src, &why)) frames_.send(ifindex, *reply);
    icmp_[unsigned(why)]++;
}

// RFC 1812 §4.3.2.8: ICMP errors are rate-limited (100/s, burst 100).
bool Punt::icmp_budget() {
    const auto now = loop_.now();
    icmp_tokens_ =
        std::min(100.0, icmp_tokens_ + std::chrono::duration<double>(now - icmp_last_).count() * 100.0);
    icmp_last_ = now;
    if (icmp_tokens_ < 1.0) return false;
    icmp_tokens_ -= 1.0;
    return true;
}

void Punt::on_ttl_exceeded(rte_mbuf* m, uint16_t ifindex) {
    const auto& ports = ports_.ports();
    if (ifindex >= ports.size()) return;
    if (!icmp_budget()) {
        icmp_[unsigned(icmp::Counter::time_exceeded_limited)]++;
        return;
    }
    const Mac src = fastpath::IfaceWord::mac(dp_.iface_word(ifindex));
    if (auto te = icmp::time_exceeded(bytes(m), ports[ifindex].spec.address.addr, src)) {
        frames_.send(ifindex, *te);
        icmp_[unsigned(icmp::Counter::time_exceeded_sent)]++;
    }
}

void Punt::add_statistics(Report& r) const {
    auto& s = r.section("control", "Control core");
    s.set_label_width(24);
    s.add_counters(kCounterInfo, counters_);
    s.add_counters(arp::Resolver::kCounterInfo, arp_.counters());
    s.add_counters(icmp::kCounterInfo, icmp_);
    s.add("held_now", "Held now", uint64_t(arp_.held_now()));
    s.add("inject_failures", "Inject failures", frames_.failures());
    s.add("hooks_started", "Notify hooks started", hooks_.started());
    s.add("hooks_failed", "Notify hooks failed", hooks_.failed());
    s.add("hooks_timed_out", "Notify hooks timed out", hooks_.timed_out());
}

} // namespace wg::control
