// The remote-backup profile (profile.hpp): the change log, the session, and
// the Master side (snapshot, delta batches, resume, digest checks). Frames
// in and the Slave side are in profile_rx.cpp, display in
// profile_report.cpp. Protocol: docs/sync-protocol.md.
#include "sync/profile_impl.hpp"

#include <algorithm>
#include <random>

namespace wg::sync {

namespace {

constexpr auto kPausedRetry = std::chrono::milliseconds(10); // tick() fallback when on_writable never comes
constexpr size_t kMaxUnacked = 4096;                         // latency records kept (a silent Slave)
constexpr size_t kMaxName = 64;                              // wire::InterfaceName / Hello::node limit

uint16_t age_of(Time expires, Time now) {
    if (expires <= now) return 0;
    const auto s = std::chrono::ceil<std::chrono::seconds>(expires - now).count();
    return uint16_t(std::min<int64_t>(s, 65535));
}

uint64_t random_epoch() {
    std::random_device rd;
    const uint64_t e = uint64_t(rd()) << 32 | rd();
    return e ? e : 1;
}

} // namespace

Profile::Impl::Impl(const ProfileOptions& o, arp::Service& a, Channel& c, std::function<Time()> n)
    : opt(o), arp(a), ch(c), now(std::move(n)), rx(opt, a, stats) {
    epoch = opt.epoch ? opt.epoch : random_epoch();
    opt.log_entries = std::max<uint32_t>(opt.log_entries, 1);
    for (const auto& [ifindex, name] : opt.ifnames) {
        local.set_interface(ifindex, name);
        by_name[name] = ifindex;
        // The wire names an interface with one byte and at most 64 bytes of name.
        if (ifindex > 255 || name.size() > kMaxName) continue;
        hello_ifaces.push_back({uint8_t(ifindex), name});
        // Only the interfaces bound to the profile are backed up (seed:
        // `remote-backup-profile profile1` under GigabitEthernet0/1/0); no
        // binding at all means every interface.
        const bool bound = opt.interfaces.empty() || std::find(opt.interfaces.begin(), opt.interfaces.end(),
                                                               name) != opt.interfaces.end();
        if (!bound) continue;
        if (replicated.size() <= ifindex) replicated.resize(size_t(ifindex) + 1);
        replicated[ifindex] = 1;
    }
    // The table may already hold entries (profile created after the ARP service).
    refresh_local();
    follow(true); // a profile starts as Slave (role)
}

void Profile::Impl::follow(bool on) {
    for (size_t i = 0; i < replicated.size(); ++i)
        if (replicated[i]) arp.set_slave(uint16_t(i), on);
}

// ---- common -----------------------------------------------------------------

wire::Message Profile::Impl::header(wire::Type t, uint64_t seq) const {
    wire::Message m;
    m.type = t;
    m.backup_id = opt.backup_id;
    m.seq = seq;
    return m;
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
    h.epoch = epoch;
    const auto& held = rx.held();
    h.held_epoch = held ? held->epoch : 0;
    h.held_seq = held ? held->applied : 0;
    h.digest = role == Role::master ? local.digest() : rx.digest();
    h.entries = uint32_t(role == Role::master ? local.size() : rx.size());
    h.node = opt.node.substr(0, kMaxName);
    h.interfaces = hello_ifaces;
    wire::Message m = header(wire::Type::hello, seen_seq);
    m.body = std::move(h);
    send(m);
}

void Profile::Impl::log_push(uint64_t seq, uint64_t key) {
    if (log.size() < opt.log_entries) {
        log.push_back({seq, key});
        return;
    }
    // Full: the oldest change is forgotten; a Slave holding less than it needs a snapshot.
    log_floor = log[log_head].seq;
    log[log_head] = {seq, key};
    log_head = (log_head + 1) % log.size();
}

void Profile::Impl::reset_log(uint64_t floor) {
    log.clear();
    log_head = 0;
    log_floor = floor;
}

void Profile::Impl::end_session() {
    stop_serving();
    peer_hello = false;
    peer = {};
    peer_hello_seq = 0;
    peer_held_epoch = peer_held_seq = 0;
    peer_digest.reset();
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
    count(ProfileCounter::protocol_errors);
    ch.fail("remote-backup-profile " + opt.name + ": " + reason);
}

// ---- Master -----------------------------------------------------------------

void Profile::Impl::stop_serving() {
    serving = false;
    out.active = false;
    std::vector<SnapItem>().swap(out.items);
    pending.clear();
    unacked.clear();
    drain_oldest.reset();
    paused_at.reset();
    snap_wait.reset();
    check_after_drain = initial_done = ack_digest_ok = false;
}

void Profile::Impl::serve(Time t) {
    stop_serving();
    serving = true;
    next_digest = t + std::chrono::milliseconds(opt.digest_interval_ms);
    // Resume when the Slave holds our own stream and the log still holds
    // every change after its point; otherwise a full batch.
    const bool can_resume =
        !need_snapshot && peer_held_epoch == epoch && peer_held_seq >= log_floor && peer_held_seq <= seen_seq;
    if (!can_resume) {
        start_snapshot(t);
        return;
    }
    count(ProfileCounter::resumes);
    sent_seq = peer_held_seq;
    sync_target = seen_seq;
    // Every key changed after the Slave's point, at its current state
    // (coalesced: a key changed many times is sent once).
    const size_t n = log.size();
    auto at = [&](size_t i) -> const LogItem& { return log[(log_head + i) % n]; };
    size_t lo = 0, hi = n;
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (at(mid).seq <= peer_held_seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < n; ++i) {
        const uint64_t key = at(i).key;
        auto [it, inserted] = pending.try_emplace(key);
        if (!inserted) continue;
        Pending& p = it->second;
        p.first = t;
        p.existed = true; // unknown: absent now → remove (harmless when the Slave lacks it)
        p.expires = t;
        auto e = arp.find(uint16_t(key >> 32), Ipv4{uint32_t(key)});
        if (e && e->origin != arp::Origin::static_entry) {
            p.origin = uint8_t(e->origin);
            p.expires = e->expires.value_or(t);
        }
    }
    pending_since = t;
    check_after_drain = true;
    if (pending.empty()) {
        // Nothing the Slave lacks, but our seq may have moved (changes that
        // are not replicated): an empty batch brings its seq to ours, which
        // completes its resume (and releases its preempt hold).
        buf.clear();
        wire::BatchWriter w(buf, wire::Type::delta, opt.backup_id, 0, sent_seq + 1);
        w.finish(seen_seq);
        ch.send(buf);
        count(ProfileCounter::batches_sent);
        sent_seq = seen_seq;
        unacked.push_back({seen_seq, local.digest(), t, false});
        check_after_drain = false;
        send_digest_check(t);
        return;
    }
    flush(t);
}

void Profile::Impl::refresh_local() {
    local.clear();
    local.reserve(arp.size());
    arp.for_each([&](const arp::EntryView& e) {
        if (e.origin != arp::Origin::static_entry && is_replicated(e.ifindex)) local.upsert(e.ifindex, e.ip, e.mac);
    });
    // The log lacks what was skipped: nothing before this point can be resumed.
    seen_seq = arp.seq();
    reset_log(seen_seq);
    need_snapshot = false;
}

void Profile::Impl::rebuild_local() {
    local.clear();
    local.reserve(out.items.size());
    for (const SnapItem& i : out.items)
        local.upsert(i.ifindex, i.ip, i.mac);
}

void Profile::Impl::start_snapshot(Time t) {
    pending.clear();
    unacked.clear();
    drain_oldest.reset();
    check_after_drain = false;
    // arp::Service::for_each cannot pause, so the snapshot is copied (16
    // bytes an entry) and streamed from the copy as the channel drains.
    // Changes from here on get seqs above the snapshot's and go the delta
    // path once the snapshot is out.
    out.items.clear();
    out.items.reserve(local.size() + 64);
    uint64_t dg = 0;
    arp.for_each([&](const arp::EntryView& e) {
        if (e.origin == arp::Origin::static_entry || !is_replicated(e.ifindex)) return;
        out.items.push_back({e.ip, e.ifindex, e.mac, age_of(e.expires.value_or(t), t), uint8_t(e.origin)});
        dg += local.hash_of(e.ifindex, e.ip, e.mac);
    });
    const uint64_t seq = arp.seq();
    if (seq > seen_seq) {
        count(ProfileCounter::changes_missed, seq - seen_seq);
        seen_seq = seq;
        need_snapshot = true;
    }
    // `local` should equal the copy; if changes were missed it does not and
    // is rebuilt, and the log (which lacks them) cannot serve a resume.
    if (need_snapshot || dg != local.digest() || out.items.size() != local.size()) {
        rebuild_local();
        reset_log(seq);
    }
    need_snapshot = false;
    out.active = true;
    out.next = 0;
    out.seq = sent_seq = sync_target = seq;
    out.digest = dg;
    out.started = t;
    initial_done = ack_digest_ok = false;
    // The Slave drops its held stream at snapshot_begin: until it acks this
    // snapshot it holds nothing a resume could build on.
    peer_held_epoch = peer_held_seq = 0;
    snap_wait = {seq, t};
    wire::Message m = header(wire::Type::snapshot_begin, seq);
    m.body = wire::SnapshotBegin{epoch, uint32_t(out.items.size())};
    send(m);
    count(ProfileCounter::snapshots_sent);
    pump(t);
}

bool Profile::Impl::paused(Time t) {
    if (ch.queued_bytes() <= Channel::kHighWater) {
        paused_at.reset();
        return false;
    }
    if (!paused_at) {
        paused_at = t;
        count(ProfileCounter::backpressure_pauses);
    }
    retry_at = t + kPausedRetry;
    return true;
}

void Profile::Impl::pump(Time t) {
    if (!serving || !ch.up()) return;
    if (out.active) {
        const size_t chunk = std::clamp<size_t>(opt.snapshot_chunk, 1, wire::kMaxEntriesPerFrame);
        while (out.next < out.items.size()) {
            if (paused(t)) return;
            buf.clear();
            wire::BatchWriter w(buf, wire::Type::snapshot_entries, opt.backup_id, out.seq, 0);
            const size_t end = std::min(out.items.size(), out.next + chunk);
            for (; out.next < end; ++out.next) {
                const SnapItem& i = out.items[out.next];
                w.add({wire::Op::add, i.origin, uint8_t(i.ifindex), i.ip, i.mac, i.age_s});
            }
            w.finish(out.seq);
            ch.send(buf);
            count(ProfileCounter::entries_sent, w.count());
        }
        wire::Message m = header(wire::Type::snapshot_end, out.seq);
        m.body = wire::SnapshotEnd{out.digest, uint32_t(out.items.size())};
        send(m);
        last_snap_entries = uint32_t(out.items.size());
        out.active = false;
        std::vector<SnapItem>().swap(out.items);
    }
    flush(t);
}

void Profile::Impl::flush(Time t) {
    if (!serving || out.active || !ch.up()) return;
    const size_t cap = std::clamp<size_t>(opt.batch_max_entries, 1, wire::kMaxEntriesPerFrame);
    while (!pending.empty()) {
        if (paused(t)) return;
        buf.clear();
        // first_seq = previous batch's seq + 1: the Slave sees a gap if a batch went missing.
        wire::BatchWriter w(buf, wire::Type::delta, opt.backup_id, 0, sent_seq + 1);
        Time oldest = Time::max();
        size_t n = 0;
        for (auto it = pending.begin(); it != pending.end() && n < cap; ++n) {
            const uint16_t ifindex = uint16_t(it->first >> 32);
            const Ipv4 ip{uint32_t(it->first)};
            const Pending& p = it->second;
            oldest = std::min(oldest, p.first);
            // The entry as it is now (coalesced): present → add/update; gone →
            // remove if the Slave holds it, nothing if it never saw it.
            if (const Table::Value* v = local.find(ifindex, ip))
                w.add({p.existed ? wire::Op::update : wire::Op::add, p.origin, uint8_t(ifindex), ip, v->mac,
                       age_of(p.expires, t)});
            else if (p.existed)
                w.add({wire::Op::remove, 0, uint8_t(ifindex), ip, Mac{}, 0});
            it = pending.erase(it);
        }
        if (drain_oldest) oldest = std::min(oldest, *drain_oldest);
        // The cumulative seq advances only with the batch that empties the
        // pending map: a Slave that acked seq S holds every change <= S.
        const bool done = pending.empty();
        const uint64_t seq = done ? seen_seq : sent_seq;
        w.finish(seq);
        ch.send(buf);
        count(ProfileCounter::batches_sent);
        count(ProfileCounter::entries_sent, w.count());
        if (!done) {
            drain_oldest = oldest;
            continue;
        }
        drain_oldest.reset();
        sent_seq = seq;
        unacked.push_back({seq, local.digest(), oldest, true});
        if (unacked.size() > kMaxUnacked) unacked.pop_front();
        if (check_after_drain) {
            check_after_drain = false;
            send_digest_check(t);
        }
    }
}

void Profile::Impl::send_digest_check(Time t) {
    next_digest = t + std::chrono::milliseconds(opt.digest_interval_ms);
    if (!serving || out.active) return;
    flush(t);
    if (!pending.empty()) return; // backpressure: the next interval tries again
    // `local` is the table as of sent_seq exactly: every change to it since is pending.
    wire::Message m = header(wire::Type::digest_check, sent_seq);
    m.body = wire::DigestCheck{local.digest(), uint32_t(local.size())};
    send(m);
    count(ProfileCounter::digest_checks);
}

void Profile::Impl::on_ack(uint64_t seq, const wire::Ack& a, Time t) {
    count(ProfileCounter::acks);
    if (!serving) return;
    if (snap_wait && seq < snap_wait->first) return; // sent before our snapshot began
    peer_held_epoch = epoch;
    peer_held_seq = std::max(peer_held_seq, seq);
    peer_digest = a.digest;
    if (snap_wait && seq >= snap_wait->first) {
        if (seq == snap_wait->first) ack_digest_ok = a.digest == out.digest;
        last_snap_time = t - snap_wait->second;
        snap_wait.reset();
    }
    while (!unacked.empty() && unacked.front().seq <= seq) {
        const BatchRec r = unacked.front();
        unacked.pop_front();
        if (r.seq != seq) continue;
        ack_digest_ok = r.digest == a.digest;
        if (!r.changes) continue;
        last_latency = t - r.oldest;
        if (!max_latency || *last_latency > *max_latency) max_latency = last_latency;
    }
    if (seq >= sync_target) initial_done = true;
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
    // A Slave's ARP service creates and moves nothing from the LAN on the
    // replicated interfaces; a new Master learns from the next frame
    // (arp/service.hpp "Rules").
    s.follow(r == Role::slave);
    if (r == Role::slave) {
        s.stop_serving();
    } else {
        // A Slave left `local` behind for the peer's installs: bring it up to
        // the ARP table now, so that display, hellos and digests are right
        // from the first moment as Master (one walk: tens of ms per 1M entries).
        if (s.need_snapshot) s.refresh_local();
    }
    s.run(rx::Event::of(r == Role::slave ? rx::EventKind::to_slave : rx::EventKind::to_master), s.now());
    if (s.up) {
        s.send_hello(); // the peer learns the new role: a new Master resumes or snapshots
        // The peer may have turned Slave first: its last hello (and acks) say what it holds.
        if (r == Role::master && s.peer_hello && s.peer.role == wire::Role::slave) s.serve(s.now());
    }
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
    if (!s.serving) {
        why = s.peer_hello ? "the peer is Master too" : "no hello from the peer yet";
        return false;
    }
    s.start_snapshot(s.now());
    return true;
}

void Profile::tick(Time now) {
    Impl& s = *impl_;
    if (s.role == Role::slave) s.run(rx::Event::of(rx::EventKind::timer), now);
    if (!s.serving) return;
    if (s.out.active) {
        s.pump(now);
        return;
    }
    if (s.need_snapshot) {
        s.start_snapshot(now);
        return;
    }
    if (!s.pending.empty() && (now >= s.pending_since + std::chrono::milliseconds(s.opt.batch_max_delay_ms) ||
                               s.pending.size() >= s.opt.batch_max_entries))
        s.flush(now);
    if (now >= s.next_digest) s.send_digest_check(now);
}

std::optional<Time> Profile::next_deadline() const {
    const Impl& s = *impl_;
    if (s.role == Role::slave) return s.rx.next_deadline();
    if (!s.serving) return std::nullopt;
    if (s.need_snapshot) return s.missed_at;
    // A pause only matters while something waits to be sent; otherwise its
    // stale retry time would make every poll "due".
    if (s.paused_at && (s.out.active || !s.pending.empty())) return s.retry_at;
    Time d = s.next_digest;
    if (!s.out.active && !s.pending.empty())
        d = std::min(d, s.pending_since + std::chrono::milliseconds(s.opt.batch_max_delay_ms));
    return d;
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
    if (s.role == Role::master) return s.serving && s.initial_done && s.ack_digest_ok && !s.out.active;
    return s.rx.in_sync();
}

uint64_t Profile::digest() const {
    return impl_->role == Role::master ? impl_->local.digest() : impl_->rx.digest();
}
uint64_t Profile::peer_digest() const {
    const Impl& s = *impl_;
    return (s.role == Role::master ? s.peer_digest : s.rx.peer_digest()).value_or(0);
}
size_t Profile::entries() const {
    return impl_->role == Role::master ? impl_->local.size() : impl_->rx.size();
}
rx::Phase Profile::receiver_phase() const {
    return impl_->rx.phase();
}
const ProfileStats& Profile::stats() const {
    return impl_->stats;
}
const ProfileOptions& Profile::options() const {
    return impl_->opt;
}

void Profile::on_up() {
    Impl& s = *impl_;
    s.end_session();
    s.up = true;
    s.run(rx::Event::of(rx::EventKind::up), s.now());
    s.send_hello();
    s.update_hold();
}

void Profile::on_down(std::string_view) {
    Impl& s = *impl_;
    s.end_session();
    s.up = false;
    s.run(rx::Event::of(rx::EventKind::down), s.now());
    s.update_hold();
}

void Profile::on_writable() {
    Impl& s = *impl_;
    if (s.serving) s.pump(s.now());
}

void Profile::on_change(const arp::Change& c) {
    Impl& s = *impl_;
    if (c.seq <= s.seen_seq) return; // replayed: already recorded
    if (c.seq != s.seen_seq + 1) {
        // The adapter lost changes: `local` and the log are incomplete; only
        // a snapshot (which rebuilds both) can bring the peer back in line.
        s.count(ProfileCounter::changes_missed, c.seq - s.seen_seq - 1);
        s.need_snapshot = true;
        s.missed_at = s.now();
    }
    s.seen_seq = c.seq;
    if (!s.is_replicated(c.ifindex)) return;
    if (s.role == Role::slave && c.origin == arp::Origin::synced) {
        // A synced entry on a Slave comes from a peer that has been Master
        // since it last held our stream, so that stream cannot be resumed
        // anyway: rather than write `local` and the log for every entry a
        // batch installs (a third of a cold Slave's work, docs/benchmarks.md),
        // mark both out of date; the snapshot this device sends once Master
        // rebuilds them from the ARP table. (Its own learning still goes in:
        // a Master that flapped through Slave resumes.)
        s.need_snapshot = true;
        return;
    }
    const bool had = s.local.contains(c.ifindex, c.ip);
    const bool present = c.kind != arp::Change::Kind::remove && c.origin != arp::Origin::static_entry;
    if (!had && !present) return; // a static entry's own life: never replicated
    if (present)
        s.local.upsert(c.ifindex, c.ip, c.mac);
    else
        s.local.remove(c.ifindex, c.ip);
    const uint64_t key = Table::key(c.ifindex, c.ip);
    s.log_push(c.seq, key);
    if (!s.serving) return;
    const Time t = s.now();
    auto [it, inserted] = s.pending.try_emplace(key);
    Impl::Pending& p = it->second;
    if (inserted) {
        p.first = t;
        p.existed = had;
        if (s.pending.size() == 1) s.pending_since = t;
    }
    if (present) {
        p.expires = t + std::chrono::seconds(c.age_remaining_s);
        p.origin = uint8_t(c.origin);
    }
    // Full batch: out at once (no arp call: only the channel is written).
    if (!s.out.active && s.pending.size() >= s.opt.batch_max_entries) s.flush(t);
}

} // namespace wg::sync
