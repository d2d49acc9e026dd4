// The appliance: one validated config, its DPDK ports, the dataplane shared
// with the workers, the worker lcores, and the control loop with its
// operator channel. main() builds one after rte_eal_init and runs it.
//
// Thread-safety: constructed and run on the main lcore, which becomes the
// control core; the workers run Worker::run() on the other lcores.
#pragma once

#include "common/log_limit.hpp"
#include "config/config.hpp"
#include "control/arp/resolver.hpp"
#include "control/cli_server.hpp"
#include "control/event_loop.hpp"
#include "control/inject.hpp"
#include "control/punt.hpp"
#include "control/vrrp/fastpath_forwarding.hpp"
#include "control/vrrp/hooks.hpp"
#include "control/vrrp/service.hpp"
#include "fastpath/dataplane.hpp"
#include "fastpath/ports.hpp"
#include "fastpath/worker.hpp"
#include "main/telemetry.hpp"
#include "sync/remote_backup.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace wg {

class Appliance {
  public:
    explicit Appliance(config::Config config);
    ~Appliance();
    Appliance(const Appliance&) = delete;
    Appliance& operator=(const Appliance&) = delete;

    // Brings everything up and serves until SIGINT/SIGTERM (or stop()).
    // Returns the process exit code; on a start-up failure prints why.
    int run();
    void stop() { loop_.stop(); }


  private:
    bool bring_up(std::string& error);
    bool install_config_tables(std::string& error);
    bool launch_workers(std::string& error);
    void stop_workers();
    // Shutdown, workers stopped: sends what the inject ring still holds (the
    // priority-0 adverts) from the control core. Returns the frames it sent.
    unsigned send_leftover_injects();
    // The control modules, in order: frames out, VRRP (groups from the
    // config), ARP (the resolver), the punt dispatcher; then VRRP starts.
    bool build_control(std::string& error);
    // Their teardown, in the reverse order (held packets freed while the
    // mbuf pool exists).
    void destroy_control();
    void register_commands();
    void register_debug_commands();

    config::Config config_;
    control::EventLoop loop_;
    control::CliServer cli_;
    TelemetryBridge telemetry_{loop_, cli_};
    fastpath::Ports ports_;
    std::unique_ptr<fastpath::Dataplane> dp_;
    std::vector<std::unique_ptr<fastpath::Worker>> workers_;
    std::unique_ptr<control::InjectFrameSink> frames_;
    std::unique_ptr<vrrp::FastPathForwarding> forwarding_;
    std::unique_ptr<vrrp::ProcessHookRunner> hooks_;
    std::unique_ptr<vrrp::Service> vrrp_;
    std::unique_ptr<arp::Resolver> arp_;
    std::unique_ptr<control::Punt> punt_;
    std::unique_ptr<sync::RemoteBackup> backup_; // after the modules: it holds references into them
    std::vector<unsigned> worker_lcores_;
    std::atomic<bool> stop_workers_{false};
    control::TimePoint started_{}; // for `display version`'s uptime
    LogLimiter sighup_log_;        // a stream of SIGHUPs logs one line per second

    struct Churn {
        uint64_t rate, count;
        uint32_t first;
        uint16_t ifindex, port_id;
        uint64_t next;
    } churn_{};
    uint64_t churn_done_ = 0;
    control::EventLoop::TimerId churn_timer_ = 0;
};

} // namespace wg
