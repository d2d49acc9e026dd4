// The appliance's remote backup (issue 5): the configured remote-backup
// services (sync::Rbs, the TLS channels) and profiles (sync::Profile, the ARP
// replication), wired to the control plane: ARP changes flow in from
// ControlPlane::on_change, the tracked VRRP group's state sets each profile's
// role, the profiles' preempt hold goes to vrrp::Service::set_preempt_hold,
// and `display remote-backup-service|profile` / `batch-backup now` read and
// drive them.
//
// Thread-safety: control lcore only.
#pragma once

#include "config/config.hpp"
#include "control/arp/service.hpp"
#include "control/cli_server.hpp"
#include "control/event_loop.hpp"
#include "control/vrrp/service.hpp"
#include "sync/profile.hpp"
#include "sync/rbs.hpp"

#include <memory>
#include <string>
#include <vector>

namespace wg {

class RemoteBackup final : public arp::ChangeListener {
  public:
    // `ifnames`: every ARP interface (ifindex, name), as the ARP service numbers them.
    RemoteBackup(control::EventLoop& loop, const config::Config& config, arp::Service& arp,
                 vrrp::Service& vrrp, std::vector<std::pair<uint16_t, std::string>> ifnames);
    ~RemoteBackup() override;

    // Builds the services and profiles, takes the VRRP state-change callback,
    // and starts the services (listen or connect). False with `error` when a
    // service cannot start (unreadable certificate, address not bindable...).
    bool start(std::string& error);
    // Closes the sessions (an error frame `shutdown` tells the peer first).
    void stop();

    // arp::ChangeListener: forwarded by the control plane after its own work.
    void on_change(const arp::Change& c) override;

    // display remote-backup-service [NAME] / remote-backup-profile [NAME] /
    // batch-backup now [PROFILE]
    void register_commands(control::CliServer& cli);

    bool empty() const { return services_.empty() && profiles_.empty(); }

  private:
    struct ProfileSlot {
        std::unique_ptr<sync::Profile> profile;
        uint16_t ifindex = 0; // the tracked group's interface
        uint8_t vrid = 0;
    };

    void on_vrrp_state(uint16_t ifindex, uint8_t vrid, vrrp::State s);
    void update_hold();
    bool poll();

    control::EventLoop& loop_;
    const config::Config& config_;
    arp::Service& arp_;
    vrrp::Service& vrrp_;
    std::vector<std::pair<uint16_t, std::string>> ifnames_;
    std::vector<std::unique_ptr<sync::Rbs>> services_;
    std::vector<ProfileSlot> profiles_;
    uint64_t poller_ = 0;
    bool hold_ = false;
};

} // namespace wg
