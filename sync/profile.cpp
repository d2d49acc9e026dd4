// The remote-backup profile (profile.hpp): role, preempt hold and the
// public face; the Master side is the sender (sender.cpp), the Slave side
// the receiver (receiver.cpp), frames in profile_rx.cpp, display in
// profile_report.cpp. Protocol: docs/sync-protocol.md.
#include "sync/profile_impl.hpp"

#include <algorithm>
#include <random>

namespace wg::sync {

namespace {

constexpr size_t kMaxName = 64; // wire::InterfaceName / Hello::node limit

uint64_t random_epoch() {
    std::random_device rd;
    const uint64_t e = uint64_t(rd()) << 32 | rd();
    return e ? e : 1;
}

} // namespace

Profile::Impl::Impl(const ProfileOptions& o, arp::Service& a, Channel& c, std::function<Time()> n)
    : opt(o), arp(a), ch(c), now(std::move(n)),
      tx(opt, opt.epoch ? opt.epoch : random_epoch(), a, stats, Channel::kHighWater), rx(opt, a, stats) {
    for (const auto& [ifindex, name] : opt.ifnames)
        // The wire names an interface with one byte and at most 64 bytes of name.
        if (ifindex <= 255 && name.size() <= kMaxName) hello_ifaces.push_back({uint8_t(ifindex), name});
    follow(true); // a profile starts as Slave (role)
}

void Profile::Impl::follow(bool on) {
    const std::vector<uint8_t>& r = tx.replicated();
    for (size_t i = 0; i < r.size(); ++i)
        if (r[i]) arp.set_slave(uint16_t(i), on);
}

bool Profile::Impl::send(const wire::Message& m) {
    buf.clear();
    wire::encode(m, buf);
    return ch.send(buf);
}

void Profile::Impl::send_hello() {
    wire::Hello h;
    h.role = role == Role::master ? wire::Role::master : wire::Role::slave;
    h.capabilities = wire::kCapArp;
    h.max_version = wire::kVersion;
    h.epoch = tx.epoch();
    const auto& held = rx.held();
    h.held_epoch = held ? held->epoch : 0;
    h.held_seq = held ? held->applied : 0;
    h.digest = role == Role::master ? tx.digest() : rx.digest();
    h.entries = uint32_t(role == Role::master ? tx.size() : rx.size());
    h.node = opt.node.substr(0, kMaxName);
    h.interfaces = hello_ifaces;
    wire::Message m;
    m.type = wire::Type::hello;
    m.backup_id = opt.backup_id;
    m.seq = tx.seen_seq();
    m.body = std::move(h);
    send(m);
}

// Held only once the peer's profile has said hello: a peer without a profile
// of this backup-id (a typo: it answers backup_id_mismatch and never says
// hello) or without one at all must not block Mastership forever.
bool Profile::Impl::hold() const {
    return opt.hold_preempt_until_synced && role == Role::slave && up && rx.peer_hello() && !rx.synced();
}

void Profile::Impl::update_hold() {
    const bool h = hold();
    if (h == hold_last) return;
    hold_last = h;
    if (hold_cb) hold_cb(h);
}

void Profile::Impl::fail(std::string reason) {
    stats.add(ProfileCounter::protocol_errors);
    ch.fail("remote-backup-profile " + opt.name + ": " + reason);
}

tx::Actions Profile::Impl::tx_event(tx::EventKind k, Time t, const wire::Message* m) {
    tx::Event ev;
    ev.kind = k;
    ev.msg = m;
    ev.queued = ch.queued_bytes();
    ev.channel_up = ch.up();
    return tx.handle(ev, t);
}

void Profile::Impl::perform(tx::Actions&& acts) {
    for (tx::Action& a : acts)
        ch.send(a.frames);
}

// ---- the public face ----------------------------------------------------------

Profile::Profile(const ProfileOptions& options, arp::Service& arp, Channel& channel,
                 std::function<Time()> now)
    : impl_(std::make_unique<Impl>(options, arp, channel, std::move(now))) {}

Profile::~Profile() {
    if (impl_->role == Role::slave) impl_->follow(false); // the ARP service outlives us
}

void Profile::set_role(Role r) {
    Impl& s = *impl_;
    if (r == s.role) return;
    s.role = r;
    const Time t = s.now();
    // A Slave's ARP service creates and moves nothing from the LAN on the
    // replicated interfaces; a new Master learns from the next frame
    // (arp/service.hpp "Rules").
    s.follow(r == Role::slave);
    s.run(rx::Event::of(r == Role::slave ? rx::EventKind::to_slave : rx::EventKind::to_master), t);
    // The sender first (a new Master brings `local` up to date), then our
    // hello (the peer learns the new role and what we hold), then what the
    // sender decided: the peer may have turned Slave first, and its last
    // hello (and acks) say what it holds, so a new Master resumes or
    // snapshots at once.
    tx::Actions acts = s.tx_event(r == Role::slave ? tx::EventKind::to_slave : tx::EventKind::to_master, t);
    if (s.up) s.send_hello();
    s.perform(std::move(acts));
    s.update_hold();
}

Role Profile::role() const {
    return impl_->role;
}

bool Profile::batch_backup_now(std::string& why) {
    Impl& s = *impl_;
    if (!s.up) {
        why = "the remote-backup service " + s.opt.service + " is not connected";
        return false;
    }
    if (s.role == Role::slave) {
        s.run(rx::Event::of(rx::EventKind::resync_now), s.now());
        return true;
    }
    if (!s.tx.serving()) {
        why = s.peer_hello ? "the peer is Master too" : "no hello from the peer yet";
        return false;
    }
    s.run(tx::EventKind::snapshot_now, s.now());
    return true;
}

void Profile::tick(Time now) {
    Impl& s = *impl_;
    if (s.role == Role::slave) s.run(rx::Event::of(rx::EventKind::timer), now);
    s.run(tx::EventKind::timer, now);
}

std::optional<Time> Profile::next_deadline() const {
    const Impl& s = *impl_;
    if (s.role == Role::slave) return s.rx.next_deadline();
    return s.tx.next_deadline();
}

bool Profile::preempt_hold() const {
    return impl_->hold();
}

std::string Profile::preempt_hold_reason() const {
    const Impl& s = *impl_;
    if (!s.hold()) return "";
    if (const auto p = s.rx.snapshot_progress())
        return "batch backup in progress (" + std::to_string(p->first) + " of " + std::to_string(p->second) +
               " entries)";
    return "waiting for the batch backup";
}

void Profile::on_preempt_hold_change(std::function<void(bool)> cb) {
    impl_->hold_cb = std::move(cb);
}

bool Profile::in_sync() const {
    const Impl& s = *impl_;
    if (!s.up) return false;
    return s.role == Role::master ? s.tx.in_sync() : s.rx.in_sync();
}

uint64_t Profile::digest() const {
    return impl_->role == Role::master ? impl_->tx.digest() : impl_->rx.digest();
}
uint64_t Profile::peer_digest() const {
    const Impl& s = *impl_;
    return (s.role == Role::master ? s.tx.peer_digest() : s.rx.peer_digest()).value_or(0);
}
size_t Profile::entries() const {
    return impl_->role == Role::master ? impl_->tx.size() : impl_->rx.size();
}
rx::Phase Profile::receiver_phase() const {
    return impl_->rx.phase();
}
tx::Phase Profile::sender_phase() const {
    return impl_->tx.phase();
}
const ProfileStats& Profile::stats() const {
    return impl_->stats;
}
const ProfileOptions& Profile::options() const {
    return impl_->opt;
}

void Profile::on_up() {
    Impl& s = *impl_;
    const Time t = s.now();
    s.up = true;
    s.peer_hello = false;
    s.peer = {};
    s.run(rx::Event::of(rx::EventKind::up), t);
    tx::Actions acts = s.tx_event(tx::EventKind::up, t);
    s.send_hello();
    s.perform(std::move(acts));
    s.update_hold();
}

void Profile::on_down(std::string_view) {
    Impl& s = *impl_;
    const Time t = s.now();
    s.up = false;
    s.peer_hello = false;
    s.peer = {};
    s.run(rx::Event::of(rx::EventKind::down), t);
    s.run(tx::EventKind::down, t);
    s.update_hold();
}

void Profile::on_writable() {
    Impl& s = *impl_;
    if (s.tx.serving()) s.run(tx::EventKind::writable, s.now());
}

void Profile::on_change(const arp::Change& c) {
    Impl& s = *impl_;
    tx::Event ev;
    ev.kind = tx::EventKind::change;
    ev.change = &c;
    // A Slave's batch publishes a change per installed entry: the time and
    // the channel matter only while serving, so only then are they read.
    if (!s.tx.serving()) {
        s.tx.handle(ev, Time{});
        return;
    }
    ev.queued = s.ch.queued_bytes();
    ev.channel_up = s.ch.up();
    s.perform(s.tx.handle(ev, s.now()));
}

} // namespace wg::sync
