#include "sync/remote_backup.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace wg::sync {

using control::CommandContext;
using control::CommandError;
using control::CommandResult;
using control::Report;

RemoteBackup::RemoteBackup(control::EventLoop& loop, const config::Config& config, arp::Service& arp,
                           vrrp::Service& vrrp, std::vector<std::pair<uint16_t, std::string>> ifnames)
    : loop_(loop), config_(config), arp_(arp), vrrp_(vrrp), ifnames_(std::move(ifnames)) {}

RemoteBackup::~RemoteBackup() {
    if (poller_ != 0) loop_.remove_poller(poller_);
    if (hold_post_ != 0) loop_.cancel_timer(hold_post_);
    vrrp_.on_state_change(nullptr); // the VRRP service outlives us
    stop();
}

bool RemoteBackup::start(std::string& error) {
    // Services first: profiles attach to them by name.
    for (size_t i = 0; i < config_.remote_backup_service.size(); ++i) {
        const auto& s = config_.remote_backup_service[i];
        RbsOptions o(s);
        if (const config::SslPolicy* pol = config_.find_ssl_policy(s.ssl_policy)) {
            o.peer_identity = pol->peer_identity;
            if (const config::PkiDomain* d = config_.find_pki_domain(pol->pki_domain)) {
                o.ca = d->ca;
                o.certificate = d->certificate;
                o.key = d->key;
            }
        }
        o.index = uint32_t(i + 1);
        services_.push_back(std::make_unique<Rbs>(loop_, o));
    }

    for (size_t i = 0; i < config_.remote_backup_profile.size(); ++i) {
        const auto& p = config_.remote_backup_profile[i];
        auto svc = std::find_if(services_.begin(), services_.end(),
                                [&](const auto& s) { return s->options().name == p.remote_backup_service; });
        if (svc == services_.end()) { // the validator refuses this; keep the message anyway
            error = "remote_backup_profile " + p.name + ": no remote_backup_service '" + p.remote_backup_service + "'";
            return false;
        }
        auto tracked = std::find_if(ifnames_.begin(), ifnames_.end(),
                                    [&](const auto& n) { return n.second == p.vrrp.interface; });
        if (tracked == ifnames_.end()) {
            error = "remote_backup_profile " + p.name + ": interface '" + p.vrrp.interface + "' is not a DPDK port";
            return false;
        }
        ProfileOptions o(p);
        for (const auto& itf : config_.interfaces)
            if (itf.remote_backup_profile == p.name) o.interfaces.push_back(itf.name);
        o.ifnames = ifnames_;
        o.node = config_.sysname;
        o.index = uint32_t(0x1001 + i); // the seed's first profile shows Profile-Index 0x1001
        (*svc)->attach(p.backup_id, &add_profile(o, **svc, tracked->first));
    }

    vrrp_.on_state_change([this](uint16_t ifindex, uint8_t vrid, vrrp::State s) { on_vrrp_state(ifindex, vrid, s); });
    // Batch deadlines are milliseconds: checked on every loop iteration (the
    // control loop wakes at least every millisecond for the punt rings).
    poller_ = loop_.add_poller([this] { return poll(); }, std::chrono::milliseconds(1));

    for (auto& s : services_)
        if (!s->start(error)) return false;
    return true;
}

Profile& RemoteBackup::add_profile(const ProfileOptions& options, Channel& channel, uint16_t ifindex) {
    ProfileSlot slot;
    slot.profile = std::make_unique<Profile>(options, arp_, channel, [this] { return loop_.now(); });
    slot.ifindex = ifindex;
    slot.vrid = options.vrid;
    slot.profile->on_preempt_hold_change([this](bool) { update_hold(); });
    slot.profile->set_role(vrrp_.state(slot.ifindex, slot.vrid) == vrrp::State::master ? Role::master
                                                                                       : Role::slave);
    profiles_.push_back(std::move(slot));
    return *profiles_.back().profile;
}

void RemoteBackup::stop() {
    for (auto& s : services_) s->stop();
}

void RemoteBackup::on_change(const arp::Change& c) {
    for (auto& p : profiles_) p.profile->on_change(c);
}

void RemoteBackup::on_vrrp_state(uint16_t ifindex, uint8_t vrid, vrrp::State s) {
    for (auto& p : profiles_)
        if (p.ifindex == ifindex && p.vrid == vrid)
            p.profile->set_role(s == vrrp::State::master ? Role::master : Role::slave);
}

// A profile's hold changed, possibly inside vrrp::Service's state callback
// (on_vrrp_state → set_role): feeding VRRP from here would run the hold
// through every group while the transition that called us is unfinished,
// before its notify hooks. Posted instead: one pending application at a
// time, which reads the profiles' holds when it runs.
void RemoteBackup::update_hold() {
    if (hold_post_ != 0) return;
    hold_post_ = loop_.post([this] {
        hold_post_ = 0;
        apply_hold();
    });
}

// One hold for the whole VRRP service: any profile still catching up holds
// preemption (the seed's pair has one profile; with several, the device is
// not ready before all of them are).
void RemoteBackup::apply_hold() {
    bool hold = false;
    for (const auto& p : profiles_) hold |= p.profile->preempt_hold();
    if (hold == hold_) return;
    hold_ = hold;
    vrrp_.set_preempt_hold(hold);
}

bool RemoteBackup::poll() {
    const auto now = loop_.now();
    bool worked = false;
    for (auto& p : profiles_) {
        const auto due = p.profile->next_deadline();
        if (due && *due <= now) {
            p.profile->tick(now);
            worked = true;
        }
    }
    return worked;
}

void RemoteBackup::register_commands(control::CliServer& cli) {
    cli.register_command(
        {"display", "remote-backup-service"}, "remote-backup services: TLS channel state, peer, counters [NAME]",
        [this](const CommandContext& ctx) -> CommandResult {
            Report r;
            r.declare_list("services");
            r.set_rule_width(58); // the seed's layout
            bool found = ctx.args.empty();
            for (const auto& s : services_) {
                if (!ctx.args.empty() && ctx.args[0] != s->options().name) continue;
                found = true;
                s->add_to(r);
            }
            if (!found) return CommandError{"no remote-backup-service named '" + ctx.args[0] + "'"};
            return r;
        });
    cli.register_command(
        {"display", "remote-backup-profile"},
        "remote-backup profiles: role, peer, sync progress, digests, preempt hold [NAME]",
        [this](const CommandContext& ctx) -> CommandResult {
            Report r;
            r.declare_list("profiles");
            r.set_rule_width(47); // the seed's layout
            bool found = ctx.args.empty();
            for (const auto& p : profiles_) {
                if (!ctx.args.empty() && ctx.args[0] != p.profile->options().name) continue;
                found = true;
                p.profile->add_to(r, loop_.now());
            }
            if (!found) return CommandError{"no remote-backup-profile named '" + ctx.args[0] + "'"};
            return r;
        });
    cli.register_command(
        {"batch-backup", "now"},
        "full ARP backup now: the Master sends its table, a Slave asks for it [PROFILE]",
        [this](const CommandContext& ctx) -> CommandResult {
            Report r;
            bool found = ctx.args.empty();
            std::string failures;
            for (auto& p : profiles_) {
                const auto& name = p.profile->options().name;
                if (!ctx.args.empty() && ctx.args[0] != name) continue;
                found = true;
                std::string why;
                if (p.profile->batch_backup_now(why))
                    r.add_message("Info: " + name + ": batch backup started (" +
                                  (p.profile->role() == Role::master ? "sending" : "requested from the peer") +
                                  ").");
                else
                    failures += (failures.empty() ? "" : "; ") + name + ": " + why;
            }
            if (!found) return CommandError{"no remote-backup-profile named '" + ctx.args[0] + "'"};
            if (profiles_.empty()) return CommandError{"no remote-backup-profile is configured"};
            if (!failures.empty()) return CommandError{"batch backup not started: " + failures};
            return r;
        });
}

} // namespace wg::sync
