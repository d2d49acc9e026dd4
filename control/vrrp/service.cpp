#include "control/vrrp/service.hpp"

#include "control/arp/codec.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace wg::vrrp {
namespace {

constexpr std::array<uint8_t, 6> kVrrpMulticastMac{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12}; // RFC 5798 §7.3
constexpr size_t kEthHeader = 14;

// Only IPv4 reaches us here: the fast path classified the frame as VRRP.
bool ipv4_payload(std::span<const uint8_t> frame, std::span<const uint8_t>& packet) {
    if (frame.size() < kEthHeader + 20) return false;
    if (frame[12] != 0x08 || frame[13] != 0x00) return false;
    packet = frame.subspan(kEthHeader);
    return true;
}

control::NameDesc state_desc(State s) {
    switch (s) {
#define WG_X(key, text)                                                                                      \
    case State::key:                                                                                         \
        return {#key, text};
        WG_VRRP_STATES(WG_X)
#undef WG_X
    }
    return {"unknown", "?"};
}

std::string ms_text(Duration d) { return std::to_string(d.count() / 1000) + " ms"; }

} // namespace

struct Service::Group {
    GroupConfig cfg;
    Machine machine;
    RxGroup rx;
    Mac vmac;
    std::array<control::EventLoop::TimerId, kTimerCount> timers{};
    control::EventLoop::TimerId garp_timer = 0;
    control::EventLoop::TimerId refresh_timer = 0; // garp.refresh_s while Master
    uint64_t adverts_sent = 0, garps_sent = 0;

    Group(const GroupConfig& c, const Params& p) : cfg(c), machine(p) {}
};

Service::Service(control::EventLoop& loop, control::FrameSink& frames, ForwardingSink& forwarding,
                 HookRunner* hooks, std::vector<control::InterfaceInfo> interfaces)
    : loop_(loop), frames_(frames), forwarding_(forwarding), hooks_(hooks), interfaces_(std::move(interfaces)) {}

Service::~Service() {
    if (hold_post_ != 0) loop_.cancel_timer(hold_post_);
    for (auto& g : groups_) {
        for (auto id : g->timers)
            if (id != 0) loop_.cancel_timer(id);
        if (g->garp_timer != 0) loop_.cancel_timer(g->garp_timer);
        if (g->refresh_timer != 0) loop_.cancel_timer(g->refresh_timer);
    }
}

void Service::add_group(const GroupConfig& c) {
    auto g = std::make_unique<Group>(c, Params::from_config(c.group, c.primary));
    g->rx.vrid = c.group.vrid;
    g->rx.version = c.group.version;
    g->rx.auth = c.auth;
    g->rx.addresses = c.group.virtual_ips;
    g->rx.interval = interval_field(c.group.version, c.group.advert_interval_ms);
    g->rx.local_owner = g->machine.params().priority == kPriorityOwner;
    g->rx.peers = c.group.peers;
    g->rx.local = c.primary;
    g->vmac = Mac::vrrp_virtual(c.group.vrid);
    groups_.push_back(std::move(g));
}

Service::Group* Service::find(uint16_t ifindex, uint8_t vrid) {
    for (auto& g : groups_)
        if (g->cfg.ifindex == ifindex && g->cfg.group.vrid == vrid) return g.get();
    return nullptr;
}

State Service::state(uint16_t ifindex, uint8_t vrid) const {
    for (const auto& g : groups_)
        if (g->cfg.ifindex == ifindex && g->cfg.group.vrid == vrid) return g->machine.state();
    return State::initialize;
}

void Service::start() {
    for (auto& g : groups_) feed(*g, Event::startup());
}

// admin-vrrp (seed): member groups mirror their admin group's state.
void Service::tell_followers(const Group& admin) {
    for (auto& g : groups_) {
        const auto& t = g->cfg.group.track_admin;
        if (t && g->cfg.admin_ifindex == admin.cfg.ifindex && t->vrid == admin.cfg.group.vrid)
            feed(*g, Event::admin_changed(admin.machine.state()));
    }
}

void Service::shutdown() {
    for (auto& g : groups_) feed(*g, Event::shutdown());
}

void Service::set_preempt_hold(bool hold) {
    if (feeding_ > 0) {
        // Inside feed(): the hold would run through every group, the one
        // being fed included, before that transition's hooks. Later instead.
        stats_.add(ServiceCounter::reentrant_hold);
        hold_posted_ = hold;
        if (hold_post_ == 0)
            hold_post_ = loop_.post([this] {
                hold_post_ = 0;
                set_preempt_hold(hold_posted_);
            });
        return;
    }
    hold_ = hold;
    for (auto& g : groups_) feed(*g, Event::hold_changed(hold));
}

void Service::link_changed(uint16_t ifindex, bool up) {
    for (auto& g : groups_)
        if (g->cfg.ifindex == ifindex) feed(*g, up ? Event::interface_up() : Event::interface_down());
}

void Service::on_frame(uint16_t ifindex, std::span<const uint8_t> frame) {
    std::span<const uint8_t> packet;
    if (!ipv4_payload(frame, packet)) {
        ++rx_not_ipv4_;
        return;
    }
    // The receive ladder runs against the groups of the receiving interface
    // only (RFC 5798 §7.1: "the VRID is configured on the receiving interface").
    std::vector<RxGroup> groups;
    std::vector<Group*> owners;
    for (auto& g : groups_)
        if (g->cfg.ifindex == ifindex) groups.push_back(g->rx), owners.push_back(g.get());
    const RxResult r = decode_ipv4(packet, groups, &rx_stats_);
    if (r.group == nullptr) return;
    Group& g = *owners[size_t(r.group - groups.data())];
    Ipv4 src;
    src.value = uint32_t(packet[12]) << 24 | uint32_t(packet[13]) << 16 | uint32_t(packet[14]) << 8 | packet[15];
    if (r.verdict == RxCounter::drop_not_peer) {
        // A stranger (or a replay from another address) on the LAN: one line
        // per interval, the rest counted in drop_not_peer.
        const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(loop_.now().time_since_epoch());
        log_.log("vrrp.drop_not_peer", uint64_t(now_ns.count()),
                 "vrrp: " + g.cfg.interface + " vrid " + std::to_string(g.cfg.group.vrid) + ": advert from " +
                     src.str() + " dropped, not in peers");
        return;
    }
    if (!r.accepted()) return;
    feed(g, Event::advert_received(r.advert.priority, src, r.advert.interval_duration()));
}

void Service::feed(Group& g, const Event& ev) {
    struct Depth {
        unsigned& d;
        explicit Depth(unsigned& x) : d(x) { ++d; }
        ~Depth() { --d; }
        Depth(const Depth&) = delete;
        Depth& operator=(const Depth&) = delete;
    } depth(feeding_);
    const State before = g.machine.state();
    const Actions actions = g.machine.handle(ev, loop_.now());
    perform(g, actions);
    const State after = g.machine.state();
    if (after != before) {
        if (g.cfg.group.admin) tell_followers(g);
        if (state_cb_) state_cb_(g.cfg.ifindex, g.cfg.group.vrid, after);
    }
    // Notify hooks last: "I am Master" must be true of the whole device when
    // the hook runs, followers (the network-side group that pulls the
    // downlink over) included.
    for (const Action& a : actions)
        if (a.kind == ActionKind::notify) run_hook(g, a.state);
}

void Service::perform(Group& g, const Actions& actions) {
    for (const Action& a : actions) {
        switch (a.kind) {
        case ActionKind::send_advert:
            send_advert(g, a.priority);
            break;
        case ActionKind::send_garp:
            if (g.garp_timer != 0) loop_.cancel_timer(g.garp_timer), g.garp_timer = 0;
            send_garps(g, a.garp_count, a.garp_interval);
            break;
        case ActionKind::start_timer: {
            auto& id = g.timers[size_t(a.timer)];
            if (id != 0) loop_.cancel_timer(id);
            const auto after = std::max(a.deadline - loop_.now(), control::Duration::zero());
            const TimerId which = a.timer;
            Group* gp = &g;
            id = loop_.add_timer(after, [this, gp, which] {
                gp->timers[size_t(which)] = 0;
                feed(*gp, Event::timer_expired(which));
            });
            break;
        }
        case ActionKind::stop_timer: {
            auto& id = g.timers[size_t(a.timer)];
            if (id != 0) loop_.cancel_timer(id), id = 0;
            break;
        }
        case ActionKind::become_master:
            forwarding_.set_master(g.cfg.ifindex, g.cfg.group.vrid, true);
            refresh_garps(g, true);
            break;
        case ActionKind::become_backup:
            if (g.garp_timer != 0) loop_.cancel_timer(g.garp_timer), g.garp_timer = 0;
            refresh_garps(g, false);
            forwarding_.set_master(g.cfg.ifindex, g.cfg.group.vrid, false);
            break;
        case ActionKind::notify: // after the followers: feed()
            break;
        }
    }
}

// RFC 5798 §5.1/§7.3: from the virtual MAC, to 224.0.0.18, TTL 255.
void Service::send_advert(Group& g, uint8_t priority) {
    Advertisement adv;
    adv.version = g.cfg.group.version;
    adv.vrid = g.cfg.group.vrid;
    adv.priority = priority;
    adv.interval = g.rx.interval;
    adv.addresses = g.cfg.group.virtual_ips;
    const std::vector<uint8_t> ip = encode_ipv4(adv, g.cfg.auth, g.cfg.primary);
    if (ip.empty()) {
        ++tx_failed_;
        return;
    }
    std::vector<uint8_t> frame(kEthHeader + ip.size());
    std::memcpy(frame.data(), kVrrpMulticastMac.data(), 6);
    std::memcpy(frame.data() + 6, g.vmac.bytes.data(), 6);
    frame[12] = 0x08, frame[13] = 0x00;
    std::memcpy(frame.data() + kEthHeader, ip.data(), ip.size());
    if (frames_.send(g.cfg.ifindex, frame)) {
        ++tx_adverts_;
        ++g.adverts_sent;
    } else {
        ++tx_failed_;
    }
}

// Gratuitous ARP for every VIP with the virtual MAC (RFC 5798 §6.4.1 (+)),
// `remaining` rounds `interval` apart.
void Service::send_garps(Group& g, unsigned remaining, Duration interval) {
    if (remaining == 0 || g.machine.state() != State::master) return;
    for (const Ipv4 vip : g.cfg.group.virtual_ips) {
        const auto frame = arp::build_gratuitous(g.vmac, vip);
        if (frames_.send(g.cfg.ifindex, frame)) {
            ++tx_garps_;
            ++g.garps_sent;
        } else {
            ++tx_failed_;
        }
    }
    if (remaining > 1) {
        Group* gp = &g;
        g.garp_timer = loop_.add_timer(interval, [this, gp, remaining, interval] {
            gp->garp_timer = 0; // fired
            send_garps(*gp, remaining - 1, interval);
        });
    }
}

// garp.refresh_s: while Master, one gratuitous ARP per VIP every period, so
// switches and hosts that lost the virtual MAC learn it again.
void Service::refresh_garps(Group& g, bool master) {
    if (g.refresh_timer != 0) loop_.cancel_timer(g.refresh_timer), g.refresh_timer = 0;
    if (!master || g.cfg.group.garp.refresh_s == 0) return;
    Group* gp = &g;
    g.refresh_timer = loop_.add_periodic(std::chrono::seconds(g.cfg.group.garp.refresh_s),
                                         [this, gp] { send_garps(*gp, 1, Duration::zero()); });
}

void Service::run_hook(Group& g, State s) {
    if (hooks_ == nullptr) return;
    const std::string* cmd = nullptr;
    switch (s) {
    case State::master: cmd = &g.cfg.group.notify.master; break;
    case State::backup: cmd = &g.cfg.group.notify.backup; break;
    case State::fault: cmd = &g.cfg.group.notify.fault; break;
    case State::initialize: break;
    }
    if (cmd == nullptr || cmd->empty()) return;
    const auto desc = state_desc(s);
    hooks_->run(*cmd, {"WARMGATE_STATE=" + std::string(desc.json), "WARMGATE_INTERFACE=" + g.cfg.interface,
                       "WARMGATE_VRID=" + std::to_string(g.cfg.group.vrid)});
}

bool Service::is_vip(uint16_t ifindex, Ipv4 ip, bool* answer, Mac* mac) const {
    for (const auto& g : groups_) {
        if (g->cfg.ifindex != ifindex) continue;
        const auto& vips = g->cfg.group.virtual_ips;
        if (std::find(vips.begin(), vips.end(), ip) == vips.end()) continue;
        // RFC 5798 §6.4.2: a Backup MUST NOT respond to ARP for the VIPs.
        *answer = g->machine.state() == State::master;
        *mac = g->vmac;
        return true;
    }
    return false;
}

control::Report Service::report(bool verbose) const {
    control::Report r;
    r.declare_list("groups");
    const control::TimePoint now = loop_.now();
    for (const auto& gp : groups_) {
        const Group& g = *gp;
        const Status st = g.machine.status();
        auto& s = r.add_list_item("groups", g.cfg.interface + " | Virtual Router " + std::to_string(g.cfg.group.vrid));
        s.set_label_width(22);
        s.add("interface", "Interface", g.cfg.interface);
        s.add("vrid", "VRID", uint64_t(g.cfg.group.vrid));
        s.add("state", "State", state_desc(st.state));
        std::vector<std::string> vips;
        for (auto v : g.cfg.group.virtual_ips) vips.push_back(v.str());
        s.add("virtual_ip", "Virtual IP", vips);
        s.add("virtual_mac", "Virtual MAC", g.vmac.str());
        s.add("primary_ip", "Primary IP", g.cfg.primary.str());
        s.add("priority", "Config PRI", uint64_t(g.cfg.group.priority));
        s.add("run_priority", "Run PRI", uint64_t(st.priority));
        s.add("preempt", "PreEmpt", g.cfg.group.preempt.enabled);
        s.add("preempt_delay_s", "Delay Time (s)", uint64_t(g.cfg.group.preempt.delay_s));
        s.add("preempt_wait", "Preempt wait", std::string(preempt_wait_name(st.preempt_wait)));
        s.add("preempt_hold", "Backup hold", st.hold);
        s.add("recover_delay_s", "Recover delay (s)", uint64_t(g.cfg.group.recover_delay_s));
        s.add("admin", "Admin VRRP", g.cfg.group.admin);
        if (const auto& t = g.cfg.group.track_admin)
            s.add("track_admin", "Track admin", t->interface + " vrid " + std::to_string(t->vrid));
        s.add("version", "Version", uint64_t(g.cfg.group.version));
        s.add("advert_interval_ms", "TimerRun (ms)", uint64_t(g.cfg.group.advert_interval_ms));
        if (!g.cfg.group.peers.empty()) {
            std::vector<std::string> peers;
            for (auto p : g.cfg.group.peers) peers.push_back(p.str());
            s.add("peers", "Peers", peers);
        }
        s.add("auth_type", "Auth type",
              g.cfg.auth.mode == config::AuthMode::md5      ? "md5"
              : g.cfg.auth.mode == config::AuthMode::simple ? "simple"
                                                            : "none");
        s.add("master_ip", "Master IP", st.master_address.value ? st.master_address.str() : std::string("--"));
        s.add("master_priority", "Master PRI", uint64_t(st.master_priority));
        s.add("adverts_sent", "Adverts sent", g.adverts_sent);
        s.add("garps_sent", "Gratuitous ARPs sent", g.garps_sent);
        if (verbose) {
            s.add("skew_time", "Skew time", ms_text(st.skew_time));
            s.add("master_down_interval", "Master down interval", ms_text(st.master_down_interval));
            if (st.preempt_deadline)
                s.add("preempt_in_ms", "Preempt in (ms)",
                      int64_t(std::chrono::duration_cast<std::chrono::milliseconds>(*st.preempt_deadline - now).count()));
            control::Record counters;
            counters.add_counters(kGroupCounterInfo, g.machine.stats().v);
            s.add("counters", "Counters", std::move(counters));
        }
        control::Table changes({{"age_ms", "Ago (ms)"}, {"from", "From"}, {"to", "To"}, {"reason", "Reason"}});
        g.machine.history().for_each_newest_first([&](const Transition& c) {
            changes.row({int64_t(std::chrono::duration_cast<std::chrono::milliseconds>(now - c.at).count()),
                         state_desc(c.from), state_desc(c.to), std::string(reason_text(c.reason))});
        });
        s.add("state_changes", "Last state changes", std::move(changes));
    }
    if (verbose) {
        auto& rx = r.section("receive", "Advertisements received");
        rx.add_counters(kRxCounterInfo, rx_stats_.v);
        rx.add("tx_adverts", "Adverts sent", tx_adverts_);
        rx.add("tx_garps", "Gratuitous ARPs sent", tx_garps_);
        rx.add("tx_failed", "Send failures", tx_failed_);
        auto& svc = r.section("service", "Service");
        svc.add_counters(kServiceCounterInfo, stats_.v);
    }
    return r;
}

} // namespace wg::vrrp
