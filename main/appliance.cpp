#include "main/appliance.hpp"

#include "control/vrrp/from_config.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>

namespace wg {
namespace {

int worker_main(void* arg) {
    auto* ctx = static_cast<std::pair<fastpath::Worker*, std::atomic<bool>*>*>(arg);
    ctx->first->run(*ctx->second);
    return 0;
}

} // namespace

Appliance::Appliance(config::Config config)
    : config_(std::move(config)), cli_(loop_, config_.control.socket) {}

Appliance::~Appliance() {
    if (arp_) arp_->set_replication(nullptr);
    backup_.reset();
    destroy_control();
    stop_workers();
    workers_.clear();
    dp_.reset();
    ports_.close_all();
}

bool Appliance::bring_up(std::string& error) {
    const auto& dpc = config_.dataplane;
    const auto specs = fastpath::port_specs(config_);

    fastpath::DataplaneOptions o(dpc);
    o.routes = uint32_t(config_.routes.size());
    // The priority ring holds twice the priority classes' bursts from every
    // port (docs/architecture.md "Control-plane policing"), at least 1024 frames.
    uint64_t priority_burst = 0;
    for (unsigned c = 0; c < kPuntClassCount; ++c)
        if (kPuntClassInfo[c].priority) priority_burst += dpc.punt[c].burst;
    const uint64_t want = std::min<uint64_t>(2 * priority_burst * specs.size(), 1u << 20);
    o.priority_ring_size = std::max(1024u, rte_align32pow2(uint32_t(want)));

    // Every frame the rings and the hold queue can keep comes from the one
    // pool, on top of the descriptors: full rings under a flood must not
    // leave the ports without mbufs (that would drop VRRP at RX, before any
    // class is looked at). 1024 more for frames the control core builds.
    fastpath::PortsOptions po;
    po.queues = dpc.workers;
    po.min_mbufs = dpc.mbufs;
    po.extra_mbufs = unsigned(std::min<uint64_t>(
        uint64_t(dpc.workers) * (2ull * o.punt_ring_size + o.priority_ring_size) + arp::Resolver::kHoldTotal + 1024,
        1u << 24));
    if (!ports_.open(specs, po, error)) return false;

    dp_ = fastpath::Dataplane::create(o, error);
    if (!dp_) return false;
    return install_config_tables(error);
}

// Interfaces, connected subnets, our addresses and VIPs and configured
// routes: what the fast path needs from the config (static ARP entries go
// through the ARP service, which owns every adjacency).
bool Appliance::install_config_tables(std::string& error) {
    const auto& ports = ports_.ports();
    for (uint16_t i = 0; i < ports.size(); ++i) {
        const auto& p = ports[i];
        const config::Interface* itf = config_.find_interface(p.spec.ifname);
        fastpath::IfaceStatic s;
        s.port_id = p.port_id;
        s.port_mac = p.mac;
        s.address = p.spec.address.addr.value;
        s.prefix_len = p.spec.address.len;
        s.vrrp = itf != nullptr && !itf->vrrp.empty();
        s.name = p.spec.ifname;
        if (!dp_->add_interface(i, s, error)) return false;
        if (itf != nullptr)
            for (const auto& group : itf->vrrp)
                for (const auto& vip : group.virtual_ips) dp_->add_local_address(vip.value);
    }
    // Kernel-side interfaces (LoopBack1) are ours too: never forward to them.
    for (const auto& itf : config_.interfaces)
        if (!itf.is_dpdk() && itf.address) dp_->add_local_address(itf.address->addr.value);

    auto ifindex_of = [&](Ipv4 via) -> int {
        for (uint16_t i = 0; i < ports.size(); ++i)
            if (ports[i].spec.address.len > 0 && ports[i].spec.address.contains(via)) return i;
        return -1;
    };
    for (const auto& r : config_.routes) {
        const int i = ifindex_of(r.via);
        if (i < 0) {
            error = "route " + r.prefix.str() + " via " + r.via.str() + ": no connected interface";
            return false;
        }
        fastpath::Nexthop nh;
        nh.gateway = r.via.value;
        nh.ifindex = uint16_t(i);
        nh.port_id = ports[size_t(i)].port_id;
        if (!dp_->fib().add(r.prefix.addr.value, r.prefix.len, nh, error)) return false;
    }
    return true;
}

bool Appliance::build_control(std::string& error) {
    const auto& ports = ports_.ports();
    std::vector<control::InterfaceInfo> infos;
    for (uint16_t i = 0; i < ports.size(); ++i)
        infos.push_back({i, ports[i].spec.ifname, ports[i].mac, ports[i].spec.address});

    frames_ = std::make_unique<control::InjectFrameSink>(*dp_, ports_);
    forwarding_ = std::make_unique<vrrp::FastPathForwarding>(*dp_, ports_);
    hooks_ = std::make_unique<vrrp::ProcessHookRunner>(loop_, std::chrono::seconds(10));
    vrrp_ = std::make_unique<vrrp::Service>(loop_, *frames_, *forwarding_, hooks_.get(), infos);
    for (const auto& g : vrrp::groups_from_config(config_, infos)) vrrp_->add_group(g);
    arp_ = std::make_unique<arp::Resolver>(loop_, config_, *dp_, ports_, *frames_, vrrp_.get(), std::move(infos));
    if (!arp_->start(error)) return false;
    punt_ = std::make_unique<control::Punt>(loop_, *dp_, ports_, *frames_, *arp_, *vrrp_, *hooks_);
    punt_->start();
    vrrp_->start();
    return true;
}

void Appliance::destroy_control() {
    punt_.reset();
    arp_.reset();
    vrrp_.reset();
    hooks_.reset();
    forwarding_.reset();
    frames_.reset();
}

bool Appliance::launch_workers(std::string& error) {
    const unsigned n = config_.dataplane.workers;
    unsigned lcore = 0;
    RTE_LCORE_FOREACH_WORKER(lcore) {
        if (worker_lcores_.size() == n) break;
        worker_lcores_.push_back(lcore);
    }
    if (worker_lcores_.size() < n) {
        error = "dataplane.workers is " + std::to_string(n) + " but EAL gave " +
                std::to_string(worker_lcores_.size()) +
                " worker lcore(s); give one more lcore than workers, e.g. -l 0-" + std::to_string(n);
        worker_lcores_.clear();
        return false;
    }
    static std::vector<std::pair<fastpath::Worker*, std::atomic<bool>*>> contexts;
    contexts.clear();
    contexts.reserve(n);
    for (unsigned w = 0; w < n; ++w) {
        workers_.push_back(std::make_unique<fastpath::Worker>(*dp_, w));
        if (!workers_.back()->init(error)) return false;
        contexts.emplace_back(workers_.back().get(), &stop_workers_);
    }
    for (unsigned w = 0; w < n; ++w) {
        if (rte_eal_remote_launch(worker_main, &contexts[w], worker_lcores_[w]) != 0) {
            error = "cannot launch worker on lcore " + std::to_string(worker_lcores_[w]);
            stop_workers();
            return false;
        }
    }
    return true;
}

unsigned Appliance::send_leftover_injects() {
    rte_ring* ring = dp_->inject_ring(0);
    unsigned sent = 0, dropped = 0;
    rte_mbuf* m = nullptr;
    while (rte_ring_dequeue(ring, reinterpret_cast<void**>(&m)) == 0) {
        const uint16_t port = m->port;
        bool ok = false;
        // A full TX ring drains at line rate: retry for up to ~100 ms.
        if (rte_eth_dev_is_valid_port(port))
            for (int i = 0; i < 1000 && !ok; ++i) {
                ok = rte_eth_tx_burst(port, 0, &m, 1) == 1;
                if (!ok) rte_delay_us_block(100);
            }
        if (ok) {
            ++sent;
        } else {
            rte_pktmbuf_free(m);
            ++dropped;
        }
    }
    if (dropped != 0)
        std::fprintf(stderr, "warmgate: gave up sending %u release frame(s) at shutdown (TX queue full)\n",
                     dropped);
    // A hardware NIC sends from its descriptors after tx_burst returns:
    // leave it a moment before the ports are stopped (net_pcap wrote them).
    if (sent != 0) rte_delay_ms(5);
    return sent;
}

void Appliance::stop_workers() {
    stop_workers_.store(true, std::memory_order_relaxed);
    for (unsigned lcore : worker_lcores_) rte_eal_wait_lcore(lcore);
    worker_lcores_.clear();
}

int Appliance::run() {
    std::string error;
    started_ = loop_.now();
    // The control plane (static ARP, VRRP) is in place before the first
    // frame is polled: no packet may see a half-built table.
    bool ok = bring_up(error);
    if (ok) ok = build_control(error) && launch_workers(error);
    if (ok) {
        // Remote backup last: a peer may connect and send its table at once,
        // and the Slave installs straight into the running fast path.
        backup_ = std::make_unique<sync::RemoteBackup>(loop_, config_, arp_->service(), *vrrp_,
                                                       arp_->interface_names());
        arp_->set_replication(backup_.get());
        ok = backup_->start(error);
    }
    if (!ok) {
        std::fprintf(stderr, "warmgate: %s\n", error.c_str());
        return 1;
    }
    register_commands();
    register_debug_commands();
    backup_->register_commands(cli_);
    if (!cli_.start(error)) {
        std::fprintf(stderr, "warmgate: %s\n", error.c_str());
        return 1;
    }
    for (int sig : {SIGINT, SIGTERM})
        if (!loop_.add_signal(sig, [this](int) { loop_.stop(); })) {
            std::fprintf(stderr, "warmgate: cannot watch signals\n");
            return 1;
        }
    // SIGHUP's default action would kill a Master outright (an unplanned
    // failover). Reloading is not implemented: it is logged and ignored.
    if (!loop_.add_signal(SIGHUP, [this](int) {
            const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(loop_.now().time_since_epoch());
            sighup_log_.log("sighup", uint64_t(ns.count()),
                            "warmgate: SIGHUP received and ignored (configuration reload is not supported; "
                            "restart to apply a new configuration)");
        })) {
        std::fprintf(stderr, "warmgate: cannot watch signals\n");
        return 1;
    }
    if (!telemetry_.attach({"version", "interface", "statistics", "vrrp", "arp", "remote-backup-service",
                           "remote-backup-profile", "cli"}, error)) {
        std::fprintf(stderr, "warmgate: %s\n", error.c_str());
        return 1;
    }
    loop_.add_poller([this] { return telemetry_.poll(); }, std::chrono::milliseconds(100));
    loop_.add_poller([this] { return punt_->poll(); }, std::chrono::milliseconds(1));
    // Deferred frees of the adjacency table, once every worker has moved on.
    loop_.add_periodic(std::chrono::milliseconds(10), [this] { dp_->adjacency().reclaim(); });

    std::printf("warmgate: %s up: %zu port(s), %zu worker(s), control socket %s\n", config_.sysname.c_str(),
                ports_.ports().size(), workers_.size(), cli_.socket_path().c_str());
    std::fflush(stdout);
    loop_.run();

    std::printf("warmgate: %s shutting down\n", config_.sysname.c_str());
    cli_.stop();
    // RFC 5798 §6.4.3: a Master leaving sends priority 0 so that the Backup
    // takes over after Skew_Time. The adverts are in worker 0's inject ring
    // now. Stopping the workers waits for each to leave its loop, however
    // long it was descheduled, and a worker flushes its TX buffers on the
    // way out; what it never dequeued the control core sends itself, on
    // worker 0's TX queue, which nobody else uses any more. Only then do
    // the ports stop.
    backup_->stop();
    vrrp_->shutdown();
    stop_workers();
    const unsigned leftover = send_leftover_injects();
    if (leftover != 0)
        std::printf("warmgate: %u release frame(s) sent from the control core\n", leftover);
    arp_->set_replication(nullptr);
    backup_.reset();
    destroy_control();
    stop_workers();
    workers_.clear();
    dp_.reset();        // frees what the rings still hold, while the pool exists
    ports_.close_all(); // stopped and closed: net_pcap's tx files are complete
    std::fflush(stdout);
    return 0;
}

} // namespace wg
