// ARP on the appliance: the neighbour service built from the config (its
// options, the static entries, its 20 ms tick) over the fast path's
// adjacency table, and the resolution of what the fast path could not
// resolve: packets that missed the table are held per next hop until the
// answer (then forwarded) or the failure (then dropped), and the configured
// routes' next hops are asked for ahead of traffic.
//
// Thread-safety: control lcore only (the event loop's thread). It frees and
// injects mbufs; the workers only produce the misses into the punt rings.
#pragma once

#include "common/counters.hpp"
#include "config/config.hpp"
#include "control/arp/fastpath_store.hpp"
#include "control/arp/service.hpp"
#include "control/event_loop.hpp"
#include "control/frame_io.hpp"
#include "control/report.hpp"
#include "fastpath/dataplane.hpp"
#include "fastpath/ports.hpp"

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct rte_mbuf;

namespace wg::arp {

// Held packets and next-hop resolution, as the control core counts them;
// defined once (shown in the "control" section of display statistics).
#define WG_RESOLVER_COUNTERS(X)                                                                              \
    X(held, "packets held while their next hop is resolved")                                                 \
    X(held_released, "held packets forwarded once resolved")                                                 \
    X(held_dropped, "held packets dropped (resolution failed, or hold full)")                                \
    X(adjacency_changes, "adjacency changes published (learned, synced, static)")                            \
    X(nexthop_resolutions,                                                                                   \
      "route next hops asked for ahead of traffic (at start, then every 10 s while missing)")

class Resolver final : public ResolveListener, public ChangeListener {
  public:
    enum class Counter : unsigned { WG_RESOLVER_COUNTERS(WG_COUNTER_ENUM) count_ };
    static const std::array<CounterInfo, unsigned(Counter::count_)> kCounterInfo;

    // `interfaces`: every DPDK port, numbered as the fast path numbers them.
    // `vips`: answers ARP for the virtual addresses (the VRRP service).
    Resolver(control::EventLoop& loop, const config::Config& config, fastpath::Dataplane& dp,
             const fastpath::Ports& ports, control::FrameSink& frames, const control::VipResolver* vips,
             std::vector<control::InterfaceInfo> interfaces);
    ~Resolver() override;
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    // The ARP service from the config, its interfaces and static entries,
    // its tick, the next hops of the configured routes. False with `error`
    // when a static entry cannot be installed.
    bool start(std::string& error);

    Service& service() { return *arp_; }
    const Service& service() const { return *arp_; }

    // A packet that missed the adjacency table (punt reason `resolve`):
    // held for its next hop, or dropped and counted. Takes ownership of `m`.
    void on_miss(rte_mbuf* m, const fastpath::PuntMeta& meta);
    // Link change (after VRRP has seen it): on down, the learned entries of
    // the interface go; a down link's next hops are not asked for.
    void link_changed(uint16_t ifindex, bool up);

    // ResolveListener: releases or drops the packets held for (ifindex, ip).
    void on_resolved(uint16_t ifindex, Ipv4 ip, bool ok) override;
    // ChangeListener: every table change, counted, then replicated by the
    // remote-backup module (set_replication).
    void on_change(const Change& c) override;
    void set_replication(ChangeListener* l) { replication_ = l; }
    // (ifindex, name) of every DPDK port, as the ARP service numbers them.
    std::vector<std::pair<uint16_t, std::string>> interface_names() const;

    uint64_t counter(Counter c) const { return counters_[unsigned(c)]; }
    const std::array<uint64_t, unsigned(Counter::count_)>& counters() const { return counters_; }
    size_t held_now() const { return held_total_; }

    // Packets held for next hops being resolved (the appliance sizes the
    // mbuf pool for them). Per next hop: Linux's old unres_qlen default was
    // 3 packets (today it is 212,992 bytes).
    static constexpr size_t kHoldPerNexthop = 3;
    static constexpr size_t kHoldTotal = 4096; // all next hops together

  private:
    void resolve_nexthops();
    void count(Counter c, uint64_t n = 1) { counters_[unsigned(c)] += n; }

    // A route's next hop absent from the ARP table is asked for this often
    // (a resolution gives up after max_retries requests; the next try then).
    static constexpr auto kNexthopRetry = std::chrono::seconds(10);

    control::EventLoop& loop_;
    const config::Config& config_;
    fastpath::Dataplane& dp_;
    const fastpath::Ports& ports_;
    control::FrameSink& frames_;
    const control::VipResolver* vips_;
    std::vector<control::InterfaceInfo> interfaces_;
    std::unique_ptr<FastPathStore> store_;
    std::unique_ptr<Service> arp_;
    ChangeListener* replication_ = nullptr;
    std::vector<bool> link_up_; // empty until start() has asked for the next hops once
    std::map<std::pair<uint16_t, uint32_t>, std::vector<rte_mbuf*>> held_;
    size_t held_total_ = 0;
    std::array<uint64_t, unsigned(Counter::count_)> counters_{};
    // (ifindex, address) of every configured route's next hop on a connected subnet.
    std::vector<std::pair<uint16_t, Ipv4>> nexthops_;
    control::EventLoop::TimerId arp_timer_ = 0, nexthop_timer_ = 0;
};

} // namespace wg::arp
