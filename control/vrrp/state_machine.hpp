// The VRRP state machine of one group, pure:
//   (state, event, now) -> (state, actions).
// RFC 5798 §6.4 (VRRPv3) and RFC 3768 §6.4 (VRRPv2), plus the seed's vendor
// extensions (preempt-mode timer delay, vrrp recover-delay, admin-vrrp) and the
// remote-backup "preempt hold" (docs/sync-protocol.md §5: Mastership is not
// taken back before the returning device has been synced).
//
// One entry point, Machine::handle(), dispatches to one handler per state (VPP
// vrrp.c style); every branch cites the RFC rule or seed section it applies.
// The machine reads no clock and touches no socket: the adapter feeds events
// with `now`, and performs the returned actions in order (send, arm/disarm
// timers at the given absolute deadlines, switch the fast path, run hooks).
//
// Timer expiries are checked against the machine's own deadlines: an expiry
// for a timer that was stopped or re-armed later is ignored (stale_timer), so
// the adapter may deliver late or duplicate expiries safely.
//
// Thread-safety: a Machine is owned by the control lcore; not thread-safe.
#pragma once

#include "config/config.hpp"
#include "config/net.hpp"
#include "control/vrrp/counters.hpp"
#include "control/vrrp/history.hpp"
#include "control/vrrp/time.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wg::vrrp {

inline constexpr uint8_t kPriorityOwner = 255; // RFC 5798 §5.2.4
inline constexpr uint8_t kPriorityRelease = 0; // RFC 5798 §5.2.4: Master stops participating

// Everything the machine needs to know about its group, fixed while it runs:
// from_config() translates a config::VrrpGroup; the defaults below are that
// struct's (config/config.hpp, the only place they are written).
struct Params {
    uint8_t vrid = 1;
    uint8_t version = config::VrrpGroup{}.version;   // 2: RFC 3768, 3: RFC 5798
    uint8_t priority = config::VrrpGroup{}.priority; // 1..254, or 255 for the address owner
    Ipv4 primary;                                    // interface primary address: advert source, tie-break
    Duration advert_interval = std::chrono::milliseconds(config::VrrpGroup{}.advert_interval_ms);
                                                     // Advertisement_Interval (v2: whole seconds)
    bool preempt = config::Preempt{}.enabled;        // Preempt_Mode (RFC 5798 §6.1)
    Duration preempt_delay = std::chrono::seconds(config::Preempt{}.delay_s); // seed: preempt-mode timer delay 600
    Duration recover_delay = std::chrono::seconds(config::VrrpGroup{}.recover_delay_s); // seed: vrrp recover-delay 20
    bool follower = false;                           // track_admin: mirror the admin group, run no protocol
    unsigned garp_count = config::Garp{}.count;      // gratuitous ARPs per VIP on becoming Master
    Duration garp_interval = std::chrono::milliseconds(config::Garp{}.interval_ms); // between those ARPs
    // A Master hearing a losing advert (lower priority, or equal priority from
    // a lower address) answers with one advert at once (keepalived's
    // behaviour), where RFC 3768/5798 §6.4.3 only discard it: a second Master
    // (split brain) yields then instead of at our next periodic advert. At
    // most one answer per Advertisement_Interval: stale or replayed adverts
    // (docs/vrrp-auth.md) cannot make us send more than the periodic rate
    // again. No gratuitous ARP: hosts map the VIPs to the same virtual MAC
    // whichever router is Master, and the answer, sent from the virtual MAC
    // (RFC 5798 §7.3), re-teaches the switches the port by itself.
    bool reassert_on_losing_advert = true;

    // From a configured group on an interface whose primary address is
    // `primary`: priority 255 when a VIP equals it (the owner, RFC 5798 §6.1),
    // intervals and delays converted.
    static Params from_config(const config::VrrpGroup& g, Ipv4 primary);
};

// X(key, text): timer names for display and describe().
#define WG_VRRP_TIMERS(X)                                                                                    \
    X(advert, "Adver_Timer")                                                                                 \
    X(master_down, "Master_Down_Timer")                                                                      \
    X(preempt, "Preempt_Delay_Timer")                                                                        \
    X(recover, "Recover_Delay_Timer")

enum class TimerId : uint8_t {
#define WG_X(key, text) key,
    WG_VRRP_TIMERS(WG_X)
#undef WG_X
};
inline constexpr size_t kTimerCount = 4;
std::string_view timer_name(TimerId t);

enum class EventKind : uint8_t {
    startup,        // RFC 5798 §6.4.1 Startup (configuration loaded, group enabled)
    shutdown,       // RFC 5798 §6.4.2/§6.4.3 Shutdown
    interface_up,   // the group's interface came up
    interface_down, // the group's interface went down: Fault
    advert,         // an ADVERTISEMENT that passed the codec's receive ladder
    timer,          // a timer armed by a start_timer action reached its deadline
    admin_state,    // the admin group's state changed (followers mirror it)
    preempt_hold,   // the remote-backup layer set or cleared the preempt hold
};

// The fields of a received advert the machine uses.
struct AdvertInfo {
    uint8_t priority = 0;
    Ipv4 source;       // IPv4 source = sender's primary address (RFC 5798 §6.4.3 tie-break)
    Duration interval; // v3: Max Adver Int, learned by a Backup; v2: ignored
};

struct Event {
    EventKind kind = EventKind::startup;
    AdvertInfo advert{};                   // kind == advert
    TimerId timer = TimerId::advert;       // kind == timer
    State admin_state = State::initialize; // kind == admin_state
    bool hold = false;                     // kind == preempt_hold

    static Event startup() { return {EventKind::startup}; }
    static Event shutdown() { return {EventKind::shutdown}; }
    static Event interface_up() { return {EventKind::interface_up}; }
    static Event interface_down() { return {EventKind::interface_down}; }
    static Event advert_received(uint8_t priority, Ipv4 source, Duration interval) {
        Event e{EventKind::advert};
        e.advert = {priority, source, interval};
        return e;
    }
    static Event timer_expired(TimerId t) {
        Event e{EventKind::timer};
        e.timer = t;
        return e;
    }
    static Event admin_changed(State s) {
        Event e{EventKind::admin_state};
        e.admin_state = s;
        return e;
    }
    static Event hold_changed(bool hold) {
        Event e{EventKind::preempt_hold};
        e.hold = hold;
        return e;
    }
};

enum class ActionKind : uint8_t {
    send_advert,   // encode and send an ADVERTISEMENT with `priority`
    send_garp,     // gratuitous ARP for every VIP with the virtual MAC: `garp_count` x, `garp_interval` apart
    start_timer,   // (re)arm `timer` to fire at `deadline` (absolute)
    stop_timer,    // disarm `timer`
    become_master, // fast path: answer ARP for the VIPs, forward for the virtual MAC
    become_backup, // fast path: stop doing so (entering Backup, Initialize or Fault)
    notify,        // run the notify hook for `state` (master/backup/fault; initialize = stopped)
};

struct Action {
    ActionKind kind = ActionKind::notify;
    uint8_t priority = 0;            // send_advert
    unsigned garp_count = 0;         // send_garp
    Duration garp_interval{};        // send_garp
    TimerId timer = TimerId::advert; // start_timer / stop_timer
    Time deadline{};                 // start_timer
    State state = State::initialize; // notify

    friend bool operator==(const Action&, const Action&) = default;
};
using Actions = std::vector<Action>;

std::string describe(const Action& a, Time epoch = Time{});

// Why a Backup that outranks the Master is not Master yet.
enum class PreemptWait : uint8_t {
    none,  // not waiting
    delay, // preempt delay running (deadline in Status::preempt_deadline)
    hold,  // delay over (or none), deferred by the remote-backup hold
};
std::string_view preempt_wait_name(PreemptWait w);

struct Status {
    State state = State::initialize;
    uint8_t priority = 0;
    bool started = false;
    bool link_up = true;
    bool hold = false;
    PreemptWait preempt_wait = PreemptWait::none;
    std::optional<Time> preempt_deadline;
    Duration master_adver_interval{}; // learned (v3) or configured (v2)
    Duration skew_time{};
    Duration master_down_interval{};
    Ipv4 master_address; // last Master heard, or ours while Master
    uint8_t master_priority = 0;
};

class Machine {
  public:
    explicit Machine(const Params& p);

    // The one transition entry point. `now` is the event's time; deadlines in
    // the returned actions are absolute. Never throws (bar allocation failure).
    Actions handle(const Event& ev, Time now);

    State state() const { return state_; }
    const Params& params() const { return p_; }
    Status status() const;
    const History& history() const { return history_; }
    const GroupStats& stats() const { return stats_; }
    std::optional<Time> deadline(TimerId t) const { return deadlines_[size_t(t)]; }

    // RFC 5798 §6.1 / RFC 3768 §6.1 derived timers, from the current
    // Master_Adver_Interval and our priority.
    Duration master_adver_interval() const { return mai_; }
    Duration skew_time() const;
    Duration master_down_interval() const;

  private:
    // Per-state handlers (RFC 5798 §6.4.1, §6.4.2, §6.4.3; Fault: ours).
    void on_initialize(const Event& ev);
    void on_backup(const Event& ev);
    void on_master(const Event& ev);
    void on_fault(const Event& ev);
    bool ignored(const AdvertInfo& a);
    void backup_advert(const AdvertInfo& a);
    void master_advert(const AdvertInfo& a);

    void begin_join(Reason why);
    void join(Reason why);
    void mirror_admin();
    void accept_master(const AdvertInfo& a);
    void cancel_preempt();

    void enter_master(Reason why);
    void enter_backup(Reason why, Duration mai);
    void enter_idle(State to, Reason why); // Initialize or Fault
    void transition(State to, Reason why);

    void start(TimerId t, Time deadline);
    void stop(TimerId t);
    bool take_timer(TimerId t); // true if armed and due: disarms it
    void emit(const Action& a) { out_->push_back(a); }
    void send_advert(uint8_t priority);
    void send_garp();
    void note(GroupCounter c) { stats_.add(c); }

    Params p_;
    State state_ = State::initialize;
    bool started_ = false; // Startup seen, no Shutdown since
    bool link_up_ = true;
    bool joined_ = false;          // recover delay over: running the protocol (or mirroring)
    bool hold_ = false;            // remote-backup preempt hold
    bool preempt_pending_ = false; // preempt due but held
    bool released_ = false;        // the Master sent priority 0 (§6.4.2)
    std::optional<Time> answered_; // last answer to a losing advert (Params::reassert_on_losing_advert)
    State admin_state_ = State::initialize;
    Reason join_reason_ = Reason::startup;
    Duration mai_;
    Ipv4 master_addr_;
    uint8_t master_prio_ = 0;
    std::array<std::optional<Time>, kTimerCount> deadlines_{};
    History history_;
    GroupStats stats_;

    // Valid during handle() only.
    Actions* out_ = nullptr;
    Time now_{};
};

} // namespace wg::vrrp
