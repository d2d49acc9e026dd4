// The control core's side of the punt rings: each frame a worker punted goes
// to its module (ARP, VRRP, the ARP resolver for packets that missed the
// adjacency table, ICMP for our own addresses and TTL expiry), and link
// changes go to VRRP, then ARP. It owns no module: the appliance builds them
// and hands them in.
//
// Thread-safety: control lcore only. Workers only produce into the punt
// rings and consume the inject ring.
#pragma once

#include "common/counters.hpp"
#include "control/arp/resolver.hpp"
#include "control/event_loop.hpp"
#include "control/icmp.hpp"
#include "control/inject.hpp"
#include "control/report.hpp"
#include "control/vrrp/hooks.hpp"
#include "control/vrrp/service.hpp"
#include "fastpath/dataplane.hpp"
#include "fastpath/ports.hpp"

#include <array>
#include <vector>

namespace wg::control {

// Punted frames by reason, as the control core received them; defined once.
#define WG_PUNT_COUNTERS(X)                                                                                  \
    X(punt_arp, "ARP frames received from the workers")                                                      \
    X(punt_vrrp, "VRRP adverts received from the workers")                                                   \
    X(punt_local, "IPv4 packets for our own addresses or VIPs")                                              \
    X(punt_resolve, "packets that missed the adjacency table (arp_miss)")                                    \
    X(punt_ttl_exceeded, "packets whose TTL expired")                                                        \
    X(punt_priority, "frames taken from the priority rings (VRRP, ARP replies to us), drained first")

class Punt {
  public:
    enum class Counter : unsigned { WG_PUNT_COUNTERS(WG_COUNTER_ENUM) count_ };

    Punt(EventLoop& loop, fastpath::Dataplane& dp, const fastpath::Ports& ports, InjectFrameSink& frames,
         arp::Resolver& arp, vrrp::Service& vrrp, const vrrp::ProcessHookRunner& hooks);
    ~Punt();
    Punt(const Punt&) = delete;
    Punt& operator=(const Punt&) = delete;

    // Starts watching the links (every 100 ms).
    void start();

    // Drains the punt rings (an EventLoop poller): true if it did work.
    bool poll();
    // Link changes → VRRP interface up/down, then ARP (a periodic timer).
    void poll_links();

    // The "control" section of `display statistics`: punts, holds, ICMP,
    // inject failures, notify hooks.
    void add_statistics(Report& r) const;

  private:
    void on_local(rte_mbuf* m, uint16_t ifindex);
    void on_ttl_exceeded(rte_mbuf* m, uint16_t ifindex);
    void dispatch(rte_mbuf* const* burst, unsigned n);
    bool icmp_budget();
    void count(Counter c, uint64_t n = 1) { counters_[unsigned(c)] += n; }

    // Frames taken from each worker's bulk punt ring per wakeup (poll()).
    static constexpr unsigned kBulkBudget = fastpath::kBurst;

    EventLoop& loop_;
    fastpath::Dataplane& dp_;
    const fastpath::Ports& ports_;
    InjectFrameSink& frames_;
    arp::Resolver& arp_;
    vrrp::Service& vrrp_;
    const vrrp::ProcessHookRunner& hooks_;
    std::vector<bool> link_up_;
    std::array<uint64_t, unsigned(Counter::count_)> counters_{};
    std::array<uint64_t, sizeof(icmp::kCounterInfo) / sizeof(icmp::kCounterInfo[0])> icmp_{};
    double icmp_tokens_ = 100;
    TimePoint icmp_last_{};
    EventLoop::TimerId links_timer_ = 0;
};

} // namespace wg::control
