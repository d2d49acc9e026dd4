// The VRRP state machine (see state_machine.hpp). Section numbers are RFC 5798
// unless marked otherwise; RFC 3768 (v2) has the same §6.4 structure and only
// differs in the timers (§6.1) and in not learning the Master's interval.
#include "control/vrrp/state_machine.hpp"

#include <algorithm>
#include <cstdio>

namespace wg::vrrp {

std::string_view timer_name(TimerId t) {
    switch (t) {
#define WG_X(key, text)                                                                                      \
    case TimerId::key:                                                                                       \
        return text;
        WG_VRRP_TIMERS(WG_X)
#undef WG_X
    }
    return "?";
}

std::string_view preempt_wait_name(PreemptWait w) {
    switch (w) {
    case PreemptWait::none:
        return "none";
    case PreemptWait::delay:
        return "delay";
    case PreemptWait::hold:
        return "held by remote backup";
    }
    return "?";
}

std::string describe(const Action& a, Time epoch) {
    char buf[160];
    const auto ms = [&](Time t) {
        return double(std::chrono::duration_cast<std::chrono::microseconds>(t - epoch).count()) / 1000.0;
    };
    switch (a.kind) {
    case ActionKind::send_advert:
        std::snprintf(buf, sizeof buf, "send_advert(priority=%u)", a.priority);
        break;
    case ActionKind::send_garp:
        std::snprintf(buf, sizeof buf, "send_garp(count=%u, interval=%lldus)", a.garp_count,
                      static_cast<long long>(a.garp_interval.count()));
        break;
    case ActionKind::start_timer:
        std::snprintf(buf, sizeof buf, "start_timer(%s, at %.3fms)", std::string(timer_name(a.timer)).c_str(),
                      ms(a.deadline));
        break;
    case ActionKind::stop_timer:
        std::snprintf(buf, sizeof buf, "stop_timer(%s)", std::string(timer_name(a.timer)).c_str());
        break;
    case ActionKind::become_master:
        return "become_master";
    case ActionKind::become_backup:
        return "become_backup";
    case ActionKind::notify:
        std::snprintf(buf, sizeof buf, "notify(%s)", std::string(state_name(a.state)).c_str());
        break;
    }
    return buf;
}

Params Params::from_config(const config::VrrpGroup& g, Ipv4 primary) {
    Params p;
    p.vrid = g.vrid;
    p.version = g.version;
    p.primary = primary;
    // RFC 5798 §6.1: the owner of the virtual address has priority 255.
    const bool owner = std::find(g.virtual_ips.begin(), g.virtual_ips.end(), primary) != g.virtual_ips.end();
    p.priority = owner ? kPriorityOwner : g.priority;
    // v2 counts whole seconds (RFC 3768 §5.3.7), v3 centiseconds (RFC 5798 §5.2.7).
    const unsigned ms = g.advert_interval_ms;
    p.advert_interval = g.version == 3 ? Duration(std::max(ms / 10, 1u) * 10000ull)
                                       : Duration(std::clamp(ms / 1000, 1u, 255u) * 1000000ull);
    p.preempt = g.preempt.enabled;
    p.preempt_delay = std::chrono::seconds(g.preempt.delay_s);
    p.recover_delay = std::chrono::seconds(g.recover_delay_s);
    p.follower = g.track_admin.has_value();
    p.garp_count = g.garp.count;
    p.garp_interval = std::chrono::milliseconds(g.garp.interval_ms);
    return p;
}

Machine::Machine(const Params& p) : p_(p), mai_(p.advert_interval) {}

Duration Machine::skew_time() const {
    // RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 seconds.
    if (p_.version == 2) return Duration((256 - p_.priority) * 1000000ll / 256);
    // RFC 5798 §6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256.
    return Duration((256 - p_.priority) * mai_.count() / 256);
}

Duration Machine::master_down_interval() const {
    // RFC 5798 §6.1 / RFC 3768 §6.1: (3 * Master_Adver_Interval) + Skew_Time.
    return 3 * mai_ + skew_time();
}

Status Machine::status() const {
    Status s;
    s.state = state_;
    s.priority = p_.priority;
    s.started = started_;
    s.link_up = link_up_;
    s.hold = hold_;
    s.preempt_deadline = deadlines_[size_t(TimerId::preempt)];
    s.preempt_wait = preempt_pending_     ? PreemptWait::hold
                     : s.preempt_deadline ? PreemptWait::delay
                                          : PreemptWait::none;
    s.master_adver_interval = mai_;
    s.skew_time = skew_time();
    s.master_down_interval = master_down_interval();
    s.master_address = master_addr_;
    s.master_priority = master_prio_;
    return s;
}

Actions Machine::handle(const Event& ev, Time now) {
    Actions out;
    out_ = &out;
    now_ = now;
    // Bookkeeping that holds in every state.
    if (ev.kind == EventKind::admin_state) admin_state_ = ev.admin_state;
    if (ev.kind == EventKind::preempt_hold) hold_ = ev.hold;
    if (ev.kind == EventKind::interface_up) link_up_ = true;
    if (ev.kind == EventKind::timer && !take_timer(ev.timer)) {
        note(GroupCounter::stale_timer); // stopped, or re-armed to a later deadline
    } else {
        switch (state_) {
        case State::initialize:
            on_initialize(ev);
            break;
        case State::backup:
            on_backup(ev);
            break;
        case State::master:
            on_master(ev);
            break;
        case State::fault:
            on_fault(ev);
            break;
        }
    }
    out_ = nullptr;
    return out;
}

// ---- Initialize (§6.4.1) ----------------------------------------------------

void Machine::on_initialize(const Event& ev) {
    switch (ev.kind) {
    case EventKind::startup:
        if (started_) return;
        started_ = true;
        begin_join(Reason::startup);
        return;
    case EventKind::shutdown:
        // Not yet joined (recover delay running, or never started): nothing
        // was sent, so nothing to release.
        started_ = false;
        joined_ = false;
        stop(TimerId::recover);
        return;
    case EventKind::interface_down:
        link_up_ = false;
        if (!started_) return;
        joined_ = false;
        enter_idle(State::fault, Reason::interface_down);
        return;
    case EventKind::timer:
        // seed: "vrrp recover-delay": the delay is over, join the group now.
        if (ev.timer == TimerId::recover) join(join_reason_);
        return;
    case EventKind::admin_state:
        if (p_.follower && joined_) mirror_admin();
        return;
    case EventKind::advert:
        note(GroupCounter::advert_ignored);
        return;
    case EventKind::interface_up:
    case EventKind::preempt_hold:
        return;
    }
}

// Startup / interface up: wait the recover delay in Initialize, sending
// nothing (seed: "vrrp recover-delay 20"), then join.
void Machine::begin_join(Reason why) {
    if (!link_up_) {
        enter_idle(State::fault, Reason::interface_down);
        return;
    }
    if (p_.recover_delay > Duration::zero()) {
        join_reason_ = why;
        start(TimerId::recover, now_ + p_.recover_delay);
        return;
    }
    join(why);
}

void Machine::join(Reason why) {
    joined_ = true;
    if (p_.follower) {
        mirror_admin(); // admin-vrrp: a member group takes its admin group's state
        return;
    }
    if (p_.priority == kPriorityOwner) {
        // §6.4.1: "If the Priority = 255 ... Send an ADVERTISEMENT, broadcast
        // gratuitous ARP ..., Set the Adver_Timer ..., Transition to {Master}".
        enter_master(why == Reason::startup ? Reason::startup_owner : why);
        return;
    }
    // §6.4.1: "else ... Set Master_Adver_Interval to Advertisement_Interval,
    // Set the Master_Down_Timer to Master_Down_Interval, Transition to {Backup}".
    enter_backup(why, p_.advert_interval);
}

// admin-vrrp (seed): a follower runs no protocol of its own; Master and Backup
// are mirrored, anything else (admin Initialize/Fault) idles it in Initialize.
// Its own Fault is reserved for its own interface.
void Machine::mirror_admin() {
    switch (admin_state_) {
    case State::master:
        if (state_ != State::master) enter_master(Reason::admin_follow);
        return;
    case State::backup:
        if (state_ != State::backup) enter_backup(Reason::admin_follow, p_.advert_interval);
        return;
    case State::initialize:
    case State::fault:
        if (state_ != State::initialize) enter_idle(State::initialize, Reason::admin_follow);
        return;
    }
}

// ---- Backup (§6.4.2) --------------------------------------------------------

void Machine::on_backup(const Event& ev) {
    switch (ev.kind) {
    case EventKind::shutdown:
        // §6.4.2: "Cancel the Master_Down_Timer, Transition to {Initialize}".
        started_ = false;
        joined_ = false;
        enter_idle(State::initialize, Reason::shutdown);
        return;
    case EventKind::interface_down:
        link_up_ = false;
        joined_ = false;
        enter_idle(State::fault, Reason::interface_down);
        return;
    case EventKind::timer:
        if (ev.timer == TimerId::master_down) {
            // §6.4.2: "If the Master_Down_Timer fires: Send an ADVERTISEMENT,
            // broadcast gratuitous ARP ..., Set the Adver_Timer ..., Transition
            // to {Master}". This takeover is never held: the Master is gone.
            enter_master(released_ ? Reason::master_released : Reason::master_down);
        } else if (ev.timer == TimerId::preempt) {
            // seed: preempt-mode timer delay elapsed. Not before the remote
            // backup has synced us (docs/sync-protocol.md §5, "Preempt hold"):
            // while held, remember and wait.
            if (hold_) {
                preempt_pending_ = true;
                note(GroupCounter::preempt_held);
            } else {
                enter_master(Reason::preempt_delay);
            }
        }
        return;
    case EventKind::advert:
        backup_advert(ev.advert);
        return;
    case EventKind::admin_state:
        if (p_.follower) mirror_admin();
        return;
    case EventKind::preempt_hold:
        // The hold is released (batch backup done): a preemption that was due
        // happens now.
        if (!hold_ && preempt_pending_) enter_master(Reason::preempt_hold_released);
        return;
    case EventKind::startup:
    case EventKind::interface_up:
        return;
    }
}

// Adverts a group does not act on, in any state: a follower runs no
// protocol of its own, and our own adverts may loop back.
bool Machine::ignored(const AdvertInfo& a) {
    if (p_.follower) {
        note(GroupCounter::advert_ignored);
        return true;
    }
    if (a.source == p_.primary) {
        note(GroupCounter::own_advert_ignored); // our own, looped back
        return true;
    }
    return false;
}

void Machine::backup_advert(const AdvertInfo& a) {
    if (ignored(a)) return;
    if (a.priority == kPriorityRelease) {
        // §6.4.2: "If the Priority in the ADVERTISEMENT is zero, then: Set the
        // Master_Down_Timer to Skew_Time". Any preempt wait is moot.
        note(GroupCounter::priority_zero_received);
        released_ = true;
        cancel_preempt();
        start(TimerId::master_down, now_ + skew_time());
        return;
    }
    released_ = false;
    const bool lower = a.priority < p_.priority;
    if (!p_.preempt || !lower) {
        // §6.4.2: "If Preempt_Mode is False, or if the Priority in the
        // ADVERTISEMENT is greater than or equal to the local Priority, then:
        // Set Master_Adver_Interval ..., Recompute ..., Reset the
        // Master_Down_Timer to Master_Down_Interval". A Master at least as good
        // as us also ends any preempt wait.
        if (!lower) cancel_preempt();
        accept_master(a);
        return;
    }
    // Preempt_Mode is True and the Master's priority is lower than ours.
    if (p_.preempt_delay == Duration::zero() && !hold_) {
        // §6.4.2: "Discard the ADVERTISEMENT": the Master_Down_Timer, no longer
        // reset, expires and we take over.
        note(GroupCounter::lower_priority_discarded);
        return;
    }
    // Vendor preempt delay (seed: preempt-mode timer delay 600) or the
    // remote-backup hold: keep the lower-priority Master in charge meanwhile
    // (reset Master_Down_Timer as for an accepted advert) and preempt later.
    accept_master(a);
    if (preempt_pending_ || deadlines_[size_t(TimerId::preempt)]) return;
    if (p_.preempt_delay > Duration::zero()) {
        note(GroupCounter::preempt_delayed);
        start(TimerId::preempt, now_ + p_.preempt_delay);
    } else {
        preempt_pending_ = true; // no delay, but held
        note(GroupCounter::preempt_held);
    }
}

// §6.4.2 accepted advert: learn the Master and restart Master_Down_Timer.
void Machine::accept_master(const AdvertInfo& a) {
    // RFC 5798 §6.4.2: "Set Master_Adver_Interval to Adver Interval contained in
    // the ADVERTISEMENT; Recompute the Skew_Time; Recompute the
    // Master_Down_Interval". RFC 3768 has no such learning (intervals must match).
    if (p_.version == 3 && a.interval > Duration::zero()) mai_ = a.interval;
    master_addr_ = a.source;
    master_prio_ = a.priority;
    start(TimerId::master_down, now_ + master_down_interval());
}

void Machine::cancel_preempt() {
    if (!preempt_pending_ && !deadlines_[size_t(TimerId::preempt)]) return;
    note(GroupCounter::preempt_cancelled);
    preempt_pending_ = false;
    stop(TimerId::preempt);
}

// ---- Master (§6.4.3) --------------------------------------------------------

void Machine::on_master(const Event& ev) {
    switch (ev.kind) {
    case EventKind::shutdown:
        // §6.4.3: "Cancel the Adver_Timer, Send an ADVERTISEMENT with Priority =
        // 0, Transition to {Initialize}": the Backup takes over after
        // Skew_Time instead of Master_Down_Interval.
        stop(TimerId::advert);
        if (!p_.follower) {
            send_advert(kPriorityRelease);
            note(GroupCounter::priority_zero_sent);
        }
        started_ = false;
        joined_ = false;
        enter_idle(State::initialize, Reason::shutdown);
        return;
    case EventKind::interface_down:
        // Nothing can be sent on a down link; the Backup takes over by
        // Master_Down_Timer.
        link_up_ = false;
        joined_ = false;
        enter_idle(State::fault, Reason::interface_down);
        return;
    case EventKind::timer:
        if (ev.timer == TimerId::advert) {
            // §6.4.3: "If the Adver_Timer fires: Send an ADVERTISEMENT, Reset the
            // Adver_Timer to Advertisement_Interval".
            send_advert(p_.priority);
            start(TimerId::advert, now_ + p_.advert_interval);
        }
        return;
    case EventKind::advert:
        master_advert(ev.advert);
        return;
    case EventKind::admin_state:
        if (p_.follower) mirror_admin();
        return;
    case EventKind::startup:
    case EventKind::interface_up:
    case EventKind::preempt_hold:
        return;
    }
}

void Machine::master_advert(const AdvertInfo& a) {
    if (ignored(a)) return;
    if (a.priority == kPriorityRelease) {
        // §6.4.3: "If the Priority in the ADVERTISEMENT is zero, then: Send an
        // ADVERTISEMENT, Reset the Adver_Timer to Advertisement_Interval".
        note(GroupCounter::priority_zero_received);
        send_advert(p_.priority);
        start(TimerId::advert, now_ + p_.advert_interval);
        return;
    }
    // Two owners (a misconfiguration): RFC 5798 §7.1 as published discards the
    // advert, so both would stay Master forever; erratum 8298 / RFC 9568 §7.1
    // say verify-and-log, so the §6.4.3 comparison below makes the owner with
    // the lower address yield. We follow the latter.
    if (p_.priority == kPriorityOwner) note(GroupCounter::owner_conflict);
    const bool higher = a.priority > p_.priority;
    // §6.4.3: equal priority: the higher primary address wins (unsigned
    // comparison in network byte order = our host-order value comparison).
    const bool tie_won = a.priority == p_.priority && a.source > p_.primary;
    if (higher || tie_won) {
        // §6.4.3: "Cancel Adver_Timer, Set Master_Adver_Interval to Adver
        // Interval contained in the ADVERTISEMENT, Recompute the Skew_Time and
        // Master_Down_Interval, Set Master_Down_Timer to Master_Down_Interval,
        // Transition to {Backup}".
        master_addr_ = a.source;
        master_prio_ = a.priority;
        enter_backup(higher ? Reason::higher_priority : Reason::higher_address,
                     p_.version == 3 && a.interval > Duration::zero() ? a.interval : p_.advert_interval);
        return;
    }
    // §6.4.3: "else (lower priority, or equal and lower address): Discard".
    // Another Master exists (split brain), or a stale or replayed advert:
    // re-assert with one advert, at most once per Advertisement_Interval and
    // without gratuitous ARPs (see Params).
    note(GroupCounter::split_brain);
    if (!p_.reassert_on_losing_advert) return;
    if (answered_ && now_ - *answered_ < p_.advert_interval) {
        note(GroupCounter::stale_advert_suppressed);
        return;
    }
    answered_ = now_;
    note(GroupCounter::stale_advert_answered);
    send_advert(p_.priority);
}

// ---- Fault (interface down; not in the RFC, keepalived's FAULT) -------------

void Machine::on_fault(const Event& ev) {
    switch (ev.kind) {
    case EventKind::interface_up:
        // Back to Initialize, then recover delay (seed) and §6.4.1 Startup.
        enter_idle(State::initialize, Reason::interface_up);
        begin_join(Reason::interface_up);
        return;
    case EventKind::shutdown:
        started_ = false;
        enter_idle(State::initialize, Reason::shutdown);
        return;
    case EventKind::interface_down:
        link_up_ = false;
        return;
    case EventKind::advert:
        note(GroupCounter::advert_ignored);
        return;
    case EventKind::startup:
    case EventKind::timer:
    case EventKind::admin_state:
    case EventKind::preempt_hold:
        return;
    }
}

// ---- Transitions -------------------------------------------------------------

void Machine::enter_master(Reason why) {
    stop(TimerId::master_down);
    stop(TimerId::preempt);
    stop(TimerId::recover);
    preempt_pending_ = false;
    released_ = false;
    // §6.4.1/§6.4.2: Send an ADVERTISEMENT; broadcast a gratuitous ARP for each
    // VIP (RFC 5798 §6.4.2: with the virtual router MAC); set the Adver_Timer.
    // A follower sends no adverts (its admin group speaks for it) but does
    // move the virtual MAC with gratuitous ARPs.
    if (!p_.follower) send_advert(p_.priority);
    send_garp();
    if (!p_.follower) start(TimerId::advert, now_ + p_.advert_interval);
    emit({.kind = ActionKind::become_master});
    emit({.kind = ActionKind::notify, .state = State::master});
    master_addr_ = p_.primary;
    master_prio_ = p_.priority;
    note(GroupCounter::became_master);
    transition(State::master, why);
}

void Machine::enter_backup(Reason why, Duration mai) {
    stop(TimerId::advert);
    stop(TimerId::recover);
    // RFC 5798: Master_Adver_Interval as learned; RFC 3768: always ours.
    mai_ = p_.version == 3 ? mai : p_.advert_interval;
    if (!p_.follower) start(TimerId::master_down, now_ + master_down_interval());
    emit({.kind = ActionKind::become_backup});
    emit({.kind = ActionKind::notify, .state = State::backup});
    note(GroupCounter::became_backup);
    transition(State::backup, why);
}

void Machine::enter_idle(State to, Reason why) {
    for (size_t t = 0; t < kTimerCount; ++t)
        stop(TimerId(t));
    preempt_pending_ = false;
    released_ = false;
    mai_ = p_.advert_interval;
    if (state_ == to) return;
    emit({.kind = ActionKind::become_backup});
    emit({.kind = ActionKind::notify, .state = to});
    if (to == State::fault) note(GroupCounter::became_fault);
    transition(to, why);
}

void Machine::transition(State to, Reason why) {
    history_.record({now_, state_, to, why});
    state_ = to;
}

// ---- Timers and sends ----------------------------------------------------------

void Machine::start(TimerId t, Time deadline) {
    deadlines_[size_t(t)] = deadline;
    emit({.kind = ActionKind::start_timer, .timer = t, .deadline = deadline});
}

void Machine::stop(TimerId t) {
    if (!deadlines_[size_t(t)]) return;
    deadlines_[size_t(t)].reset();
    emit({.kind = ActionKind::stop_timer, .timer = t});
}

bool Machine::take_timer(TimerId t) {
    auto& d = deadlines_[size_t(t)];
    if (!d || now_ < *d) return false;
    d.reset();
    return true;
}

void Machine::send_advert(uint8_t priority) {
    note(GroupCounter::adverts_requested);
    emit({.kind = ActionKind::send_advert, .priority = priority});
}

void Machine::send_garp() {
    emit({.kind = ActionKind::send_garp, .garp_count = p_.garp_count, .garp_interval = p_.garp_interval});
}

} // namespace wg::vrrp
