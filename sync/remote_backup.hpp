// Remote backup, the module: builds the configured remote-backup services
// (sync::Rbs, the TLS channels) and profiles (sync::Profile, the ARP
// replication) and wires them to the control core: ARP changes flow in
// through on_change (arp::ChangeListener, forwarded by arp::Resolver),
// the tracked VRRP group's state sets each profile's role, the profiles'
// preempt hold goes to vrrp::Service::set_preempt_hold, and
// `display remote-backup-service|profile` / `batch-backup now` read and drive
// them (docs/sync-protocol.md, docs/architecture.md "Remote backup").
//
// Preempt hold: a profile's hold changes inside VRRP's own state callback
// (role change → Profile::set_role → hold) or inside a channel callback.
// The module never calls VRRP from there: it posts the hold to the event
// loop (EventLoop::post), which applies it on its next iteration, after the
// VRRP transition that caused it has finished (notify hooks included).
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

namespace wg::sync {

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
    // Before start(): a profile over `channel` (not an Rbs of the config),
    // tracking VRRP group (ifindex, options.vrid); the caller routes the
    // channel's events to the returned profile. Used by start() for each
    // configured profile, and by tests over an in-memory channel.
    Profile& add_profile(const ProfileOptions& options, Channel& channel, uint16_t ifindex);
    // Closes the sessions (an error frame `shutdown` tells the peer first).
    void stop();

    // arp::ChangeListener: forwarded by arp::Resolver after its own work.
    void on_change(const arp::Change& c) override;

    // display remote-backup-service [NAME] / remote-backup-profile [NAME] /
    // batch-backup now [PROFILE]
    void register_commands(control::CliServer& cli);

    bool empty() const { return services_.empty() && profiles_.empty(); }

  private:
    struct ProfileSlot {
        std::unique_ptr<Profile> profile;
        uint16_t ifindex = 0; // the tracked group's interface
        uint8_t vrid = 0;
    };

    void on_vrrp_state(uint16_t ifindex, uint8_t vrid, vrrp::State s);
    void update_hold(); // posts apply_hold(), at most one pending
    void apply_hold();
    bool poll();

    control::EventLoop& loop_;
    const config::Config& config_;
    arp::Service& arp_;
    vrrp::Service& vrrp_;
    std::vector<std::pair<uint16_t, std::string>> ifnames_;
    std::vector<std::unique_ptr<Rbs>> services_;
    std::vector<ProfileSlot> profiles_;
    uint64_t poller_ = 0;
    control::EventLoop::TimerId hold_post_ = 0; // apply_hold() pending
    bool hold_ = false;                         // last hold given to VRRP
};

} // namespace wg::sync
