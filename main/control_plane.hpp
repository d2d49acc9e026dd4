// The control core's protocol side: consumes the punt rings and dispatches
// each frame to its module (ARP, VRRP, ICMP for local addresses and TTL
// expiry, held packets waiting for ARP resolution), and owns those modules.
//
// Thread-safety: control lcore only. Workers only produce into the punt
// rings and consume the inject ring.
#pragma once

#include "config/config.hpp"
#include "control/arp/fastpath_store.hpp"
#include "control/arp/service.hpp"
#include "control/event_loop.hpp"
#include "control/icmp.hpp"
#include "control/inject.hpp"
#include "control/report.hpp"
#include "control/vrrp/fastpath_forwarding.hpp"
#include "control/vrrp/hooks.hpp"
#include "control/vrrp/service.hpp"
#include "fastpath/dataplane.hpp"
#include "fastpath/ports.hpp"

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace wg {

// Punted frames by reason, as the control core received them; defined once.
#define WG_CONTROL_COUNTERS(X)                                                     \
    X(punt_arp, "ARP frames received from the workers")                            \
    X(punt_vrrp, "VRRP adverts received from the workers")                         \
    X(punt_local, "IPv4 packets for our own addresses or VIPs")                    \
    X(punt_resolve, "packets that missed the adjacency table (arp_miss)")          \
    X(punt_ttl_exceeded, "packets whose TTL expired")                              \
    X(punt_priority, "frames taken from the priority rings (VRRP, ARP replies to us), drained first") \
    X(held, "packets held while their next hop is resolved")                       \
    X(held_released, "held packets forwarded once resolved")                       \
    X(held_dropped, "held packets dropped (resolution failed, or hold full)")      \
    X(adjacency_changes, "adjacency changes published (learned, synced, static)")   \
    X(nexthop_resolutions, "route next hops asked for ahead of traffic (at start, then every 10 s while missing)")

class ControlPlane final : public arp::ResolveListener, public arp::ChangeListener {
  public:
    enum class Counter : unsigned { WG_CONTROL_COUNTERS(WG_COUNTER_ENUM) count_ };

    ControlPlane(control::EventLoop& loop, const config::Config& config, fastpath::Dataplane& dp,
                 const fastpath::Ports& ports);
    ~ControlPlane() override;

    // VRRP groups and ARP interfaces from the config, static ARP entries;
    // VRRP startup. False with `error` when the config cannot be applied.
    bool start(std::string& error);
    // VRRP shutdown (priority 0 adverts); the caller lets the workers send them.
    void shutdown();

    // Drains the punt rings (an EventLoop poller): true if it did work.
    bool poll();
    // Link changes → VRRP interface up/down (a periodic timer).
    void poll_links();

    vrrp::Service& vrrp() { return *vrrp_; }
    arp::Service& arp() { return *arp_; }
    // Adds the control core's counters (punts, holds, ICMP) to `r`.
    void add_statistics(control::Report& r) const;

    // arp::ResolveListener: releases or drops the packets held for (ifindex, ip).
    void on_resolved(uint16_t ifindex, Ipv4 ip, bool ok) override;
    // arp::ChangeListener: every table change, counted, then replicated by
    // the remote-backup layer (set_replication).
    void on_change(const arp::Change& c) override;
    void set_replication(arp::ChangeListener* l) { replication_ = l; }
    // (ifindex, name) of every DPDK port, as the ARP service numbers them.
    std::vector<std::pair<uint16_t, std::string>> interface_names() const;

    // Packets held for next hops being resolved (the appliance sizes the
    // mbuf pool for them).
    static constexpr size_t kHoldPerNexthop = 3;  // Linux's old unres_qlen default was 3 packets (today it is 212,992 bytes)
    static constexpr size_t kHoldTotal = 4096;    // all next hops together

  private:
    void on_local(rte_mbuf* m, uint16_t ifindex);
    void on_ttl_exceeded(rte_mbuf* m, uint16_t ifindex);
    void on_miss(rte_mbuf* m, const fastpath::PuntMeta& meta);
    void dispatch(rte_mbuf* const* burst, unsigned n);
    bool icmp_budget();
    void resolve_nexthops();
    void count(Counter c, uint64_t n = 1) { counters_[unsigned(c)] += n; }

    // Frames taken from each worker's bulk punt ring per wakeup (poll()).
    static constexpr unsigned kBulkBudget = fastpath::kBurst;
    // A route's next hop absent from the ARP table is asked for this often
    // (a resolution gives up after max_retries requests; the next try then).
    static constexpr auto kNexthopRetry = std::chrono::seconds(10);

    control::EventLoop& loop_;
    const config::Config& config_;
    fastpath::Dataplane& dp_;
    const fastpath::Ports& ports_;
    control::InjectFrameSink frames_;
    vrrp::FastPathForwarding forwarding_;
    vrrp::ProcessHookRunner hooks_;
    std::unique_ptr<arp::FastPathStore> store_;
    std::unique_ptr<vrrp::Service> vrrp_;
    std::unique_ptr<arp::Service> arp_;
    arp::ChangeListener* replication_ = nullptr;
    std::vector<bool> link_up_;
    std::map<std::pair<uint16_t, uint32_t>, std::vector<rte_mbuf*>> held_;
    size_t held_total_ = 0;
    std::array<uint64_t, unsigned(Counter::count_)> counters_{};
    std::array<uint64_t, sizeof(control::icmp::kCounterInfo) / sizeof(control::icmp::kCounterInfo[0])> icmp_{};
    double icmp_tokens_ = 100;
    control::TimePoint icmp_last_{};
    // (ifindex, address) of every configured route's next hop on a connected subnet.
    std::vector<std::pair<uint16_t, Ipv4>> nexthops_;
    control::EventLoop::TimerId arp_timer_ = 0, links_timer_ = 0, nexthop_timer_ = 0;
};

} // namespace wg
