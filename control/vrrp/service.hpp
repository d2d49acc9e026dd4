// The VRRP adapter of the control core: one Machine per configured group,
// fed with decoded adverts from the punt path and with timer expiries from
// the event loop; performs the machine's actions (adverts and gratuitous
// ARPs through a FrameSink, fast-path switching through a ForwardingSink,
// notify hooks through a HookRunner). Also answers VipResolver for ARP.
//
// Thread-safety: control lcore only (the thread that runs the EventLoop).
#pragma once

#include "common/log_limit.hpp"
#include "config/config.hpp"
#include "control/event_loop.hpp"
#include "control/frame_io.hpp"
#include "control/report.hpp"
#include "control/vrrp/codec.hpp"
#include "control/vrrp/state_machine.hpp"

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace wg::vrrp {

// What becoming Master or Backup changes in the fast path (docs/architecture.md
// "Packet paths" steps 1 and 6): forwarding on the interface and its source MAC.
class ForwardingSink {
  public:
    virtual ~ForwardingSink() = default;
    virtual void set_master(uint16_t ifindex, uint8_t vrid, bool master) = 0;
};

// Runs notify hooks (keepalived-style notify scripts) without blocking.
class HookRunner {
  public:
    virtual ~HookRunner() = default;
    // `command` run with `env` (WARMGATE_STATE=master, ...).
    virtual void run(const std::string& command, const std::vector<std::string>& env) = 0;
};

struct GroupConfig {
    uint16_t ifindex = 0;
    std::string interface;
    Ipv4 primary;
    config::VrrpGroup group;
    config::VrrpAuth auth; // from the RBP's `vrrp vrid N authentication-mode` (seed)
    // track_admin resolved to the admin group's interface index (followers only).
    uint16_t admin_ifindex = 0;
};

class Service : public control::VipResolver {
  public:
    Service(control::EventLoop& loop, control::FrameSink& frames, ForwardingSink& forwarding,
            HookRunner* hooks, std::vector<control::InterfaceInfo> interfaces);
    ~Service() override;

    // Before start().
    void add_group(const GroupConfig& g);

    // RFC 5798 §6.4.1 Startup for every group.
    void start();
    // RFC 5798 §6.4.3 Shutdown: a Master sends priority 0 so the Backup takes
    // over after Skew_Time instead of Master_Down_Interval.
    void shutdown();

    // A punted frame that the fast path classified as VRRP (Ethernet + IPv4).
    void on_frame(uint16_t ifindex, std::span<const uint8_t> frame);
    void link_changed(uint16_t ifindex, bool up);
    // Remote backup's preempt hold (docs/architecture.md "Remote backup": no
    // preemption before sync): fed to every group. Not to be called while a
    // group is being fed (from on_state_change's callback or a hook): such a
    // call is counted in `reentrant_hold` and applied from the loop once the
    // feed is over (EventLoop::post), the last value winning.
    void set_preempt_hold(bool hold);
    bool preempt_hold() const { return hold_; } // last value fed to the groups

    // The state of group (ifindex, vrid); initialize when unknown.
    State state(uint16_t ifindex, uint8_t vrid) const;
    // Called on every transition of any group (the RBP tracks its group).
    void on_state_change(std::function<void(uint16_t ifindex, uint8_t vrid, State)> cb) {
        state_cb_ = std::move(cb);
    }

    // control::VipResolver
    bool is_vip(uint16_t ifindex, Ipv4 ip, bool* answer, Mac* mac) const override;

    control::Report report(bool verbose) const;
    const RxStats& rx_stats() const { return rx_stats_; }
    const ServiceStats& stats() const { return stats_; }

  private:
    struct Group;

    Group* find(uint16_t ifindex, uint8_t vrid);
    void feed(Group& g, const Event& ev);
    void perform(Group& g, const Actions& actions);
    void send_advert(Group& g, uint8_t priority);
    void send_garps(Group& g, unsigned remaining, Duration interval);
    void run_hook(Group& g, State s);
    void refresh_garps(Group& g, bool master);
    void tell_followers(const Group& admin);

    control::EventLoop& loop_;
    control::FrameSink& frames_;
    ForwardingSink& forwarding_;
    HookRunner* hooks_;
    std::vector<control::InterfaceInfo> interfaces_;
    std::vector<std::unique_ptr<Group>> groups_;
    RxStats rx_stats_{};
    ServiceStats stats_{};
    unsigned feeding_ = 0;                      // depth of feed() (followers feed nested)
    control::EventLoop::TimerId hold_post_ = 0; // a re-entrant set_preempt_hold, deferred
    bool hold_ = false, hold_posted_ = false;
    uint64_t tx_adverts_ = 0, tx_garps_ = 0, tx_failed_ = 0, rx_not_ipv4_ = 0;
    LogLimiter log_; // lines a LAN peer can trigger (drop_not_peer)
    std::function<void(uint16_t, uint8_t, State)> state_cb_;
};

} // namespace wg::vrrp
