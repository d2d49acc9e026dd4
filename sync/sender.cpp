// The Master side of a remote-backup profile (sender.hpp). Protocol:
// docs/sync-protocol.md.
#include "sync/sender.hpp"
#include "common/x_names.hpp"

#include <algorithm>

namespace wg::sync::tx {

namespace {

constexpr auto kPausedRetry = std::chrono::milliseconds(10); // tick() fallback when on_writable never comes
constexpr size_t kMaxUnacked = 4096;                         // latency records kept (a silent Slave)
constexpr size_t kMaxName = 64;                              // wire::InterfaceName limit

uint16_t age_of(Time expires, Time now) {
    if (expires <= now) return 0;
    const auto s = std::chrono::ceil<std::chrono::seconds>(expires - now).count();
    return uint16_t(std::min<int64_t>(s, 65535));
}

} // namespace

constexpr const char* kEventKindNames[] = {WG_SYNC_TX_EVENTS(WG_X_KEY_NAME)};
const char* to_string(EventKind k) {
    return x_name(kEventKindNames, k);
}

constexpr const char* kActionKindNames[] = {WG_SYNC_TX_ACTIONS(WG_X_KEY_NAME)};
const char* to_string(ActionKind k) {
    return x_name(kActionKindNames, k);
}

Sender::Sender(const ProfileOptions& opt, uint64_t epoch, const arp::Service& arp, ProfileStats& stats,
               size_t high_water)
    : backup_id_(opt.backup_id), batch_max_entries_(opt.batch_max_entries),
      batch_max_delay_ms_(opt.batch_max_delay_ms), log_entries_(std::max<uint32_t>(opt.log_entries, 1)),
      digest_interval_ms_(opt.digest_interval_ms), snapshot_chunk_(opt.snapshot_chunk), epoch_(epoch), arp_(arp),
      stats_(stats), high_water_(high_water) {
    for (const auto& [ifindex, name] : opt.ifnames) {
        local_.set_interface(ifindex, name);
        // The wire names an interface with one byte and at most 64 bytes of name.
        if (ifindex > 255 || name.size() > kMaxName) continue;
        // Only the interfaces bound to the profile are backed up (seed:
        // `remote-backup-profile profile1` under GigabitEthernet0/1/0); no
        // binding at all means every interface.
        const bool bound = opt.interfaces.empty() || std::find(opt.interfaces.begin(), opt.interfaces.end(),
                                                               name) != opt.interfaces.end();
        if (!bound) continue;
        if (replicated_.size() <= ifindex) replicated_.resize(size_t(ifindex) + 1);
        replicated_[ifindex] = 1;
    }
    // The table may already hold entries (profile created after the ARP service).
    refresh_local();
}

bool Sender::in_sync() const {
    return serving_ && phase() != Phase::snapshot && serving_->initial_done && serving_->ack_digest_ok;
}

std::optional<Time> Sender::next_deadline() const {
    if (!serving_) return std::nullopt;
    const Serving& s = *serving_;
    if (need_snapshot_) return missed_at_;
    const bool snapshot = phase() == Phase::snapshot;
    // A pause only matters while something waits to be sent; otherwise its
    // stale retry time would make every poll "due".
    if (s.paused_at && (snapshot || !s.pending.empty())) return s.retry_at;
    Time d = s.next_digest;
    if (!snapshot && !s.pending.empty())
        d = std::min(d, s.pending_since + std::chrono::milliseconds(batch_max_delay_ms_));
    return d;
}

void Sender::emit() {
    queued_ += buf_.size();
    out_->push_back({ActionKind::send, std::move(buf_)});
    buf_ = {};
}

Actions Sender::handle(const Event& ev, Time now) {
    Actions out;
    out_ = &out;
    queued_ = ev.queued;
    channel_up_ = ev.channel_up;
    using K = EventKind;
    switch (ev.kind) {
    case K::up:
        up_ = true;
        peer_slave_ = false;
        peer_held_epoch_ = peer_held_seq_ = 0;
        peer_digest_.reset();
        enter_session();
        break;
    case K::down:
        up_ = false;
        peer_slave_ = false;
        peer_held_epoch_ = peer_held_seq_ = 0;
        peer_digest_.reset();
        enter_session();
        break;
    case K::to_master:
        master_ = true;
        // A Slave left `local` behind for the peer's installs: bring it up to
        // the ARP table now, so that display, hellos and digests are right
        // from the first moment as Master (one walk: tens of ms per 1M entries).
        if (need_snapshot_) refresh_local();
        enter_session();
        // The peer may have turned Slave first: its last hello (and acks)
        // say what it holds, so it is served at once.
        if (up_ && peer_slave_) serve(now);
        break;
    case K::to_slave:
        master_ = false;
        enter_session();
        break;
    case K::hello: {
        const auto& h = std::get<wire::Hello>(ev.msg->body);
        peer_held_epoch_ = h.held_epoch; // then moved on by its acks
        peer_held_seq_ = h.held_seq;
        peer_slave_ = h.role == wire::Role::slave;
        if (!master_ || !up_) break;
        // A hello inside a session means the peer's role changed (or it is
        // the first): a Slave gets a resume or a snapshot; a Master gets
        // nothing (split brain until VRRP settles).
        if (h.role == wire::Role::slave)
            serve(now);
        else
            enter_session();
        break;
    }
    case K::ack:
        count(ProfileCounter::acks);
        if (serving_) on_ack(*ev.msg, now);
        break;
    case K::resync_request:
        // One sent while our snapshot was on its way is answered by it.
        if (serving_ && phase() != Phase::snapshot) {
            count(ProfileCounter::resyncs_requested);
            start_snapshot(now);
        }
        break;
    case K::change:
        on_change(*ev.change, now);
        break;
    case K::writable:
        if (serving_) pump(now);
        break;
    case K::timer:
        on_timer(now);
        break;
    case K::snapshot_now:
        if (serving_) start_snapshot(now);
        break;
    }
    out_ = nullptr;
    return out;
}

void Sender::enter_session() {
    stop_serving();
    phase_ = up_ && master_ ? PhaseState{HelloWait{}} : PhaseState{Idle{}};
}

void Sender::stop_serving() {
    serving_.reset();
    phase_ = Idle{};
}

void Sender::log_push(uint64_t seq, uint64_t key) {
    if (log_.size() < log_entries_) {
        log_.push_back({seq, key});
        return;
    }
    // Full: the oldest change is forgotten; a Slave holding less than it needs a snapshot.
    log_floor_ = log_[log_head_].seq;
    log_[log_head_] = {seq, key};
    log_head_ = (log_head_ + 1) % log_.size();
}

void Sender::reset_log(uint64_t floor) {
    log_.clear();
    log_head_ = 0;
    log_floor_ = floor;
}

void Sender::refresh_local() {
    local_.clear();
    local_.reserve(arp_.size());
    arp_.for_each([&](const arp::EntryView& e) {
        if (e.origin != arp::Origin::static_entry && is_replicated(e.ifindex)) local_.upsert(e.ifindex, e.ip, e.mac);
    });
    // The log lacks what was skipped: nothing before this point can be resumed.
    seen_seq_ = arp_.seq();
    reset_log(seen_seq_);
    need_snapshot_ = false;
}

void Sender::rebuild_local(const std::vector<SnapItem>& items) {
    local_.clear();
    local_.reserve(items.size());
    for (const SnapItem& i : items)
        local_.upsert(i.ifindex, i.ip, i.mac);
}

void Sender::serve(Time t) {
    serving_.emplace();
    Serving& s = *serving_;
    s.next_digest = t + std::chrono::milliseconds(digest_interval_ms_);
    // Resume when the Slave holds our own stream and the log still holds
    // every change after its point; otherwise a full batch.
    const bool can_resume = !need_snapshot_ && peer_held_epoch_ == epoch_ && peer_held_seq_ >= log_floor_ &&
                            peer_held_seq_ <= seen_seq_;
    if (!can_resume) {
        start_snapshot(t);
        return;
    }
    count(ProfileCounter::resumes);
    s.sent_seq = peer_held_seq_;
    s.sync_target = seen_seq_;
    phase_ = Draining{};
    // Every key changed after the Slave's point, at its current state
    // (coalesced: a key changed many times is sent once).
    const size_t n = log_.size();
    auto at = [&](size_t i) -> const LogItem& { return log_[(log_head_ + i) % n]; };
    size_t lo = 0, hi = n;
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (at(mid).seq <= peer_held_seq_)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < n; ++i) {
        const uint64_t key = at(i).key;
        auto [it, inserted] = s.pending.try_emplace(key);
        if (!inserted) continue;
        Pending& p = it->second;
        p.first = t;
        p.existed = true; // unknown: absent now → remove (harmless when the Slave lacks it)
        p.expires = t;
        auto e = arp_.find(uint16_t(key >> 32), Ipv4{uint32_t(key)});
        if (e && e->origin != arp::Origin::static_entry) {
            p.origin = uint8_t(e->origin);
            p.expires = e->expires.value_or(t);
        }
    }
    s.pending_since = t;
    if (s.pending.empty()) {
        // Nothing the Slave lacks, but our seq may have moved (changes that
        // are not replicated): an empty batch brings its seq to ours, which
        // completes its resume (and releases its preempt hold).
        buf_.clear();
        wire::BatchWriter w(buf_, wire::Type::delta, backup_id_, 0, s.sent_seq + 1);
        w.finish(seen_seq_);
        emit();
        count(ProfileCounter::batches_sent);
        s.sent_seq = seen_seq_;
        s.unacked.push_back({seen_seq_, local_.digest(), t, false});
        phase_ = Streaming{};
        send_digest_check(t);
        return;
    }
    flush(t);
}

void Sender::start_snapshot(Time t) {
    Serving& s = *serving_;
    s.pending.clear();
    s.unacked.clear();
    s.drain_oldest.reset();
    Snapshot snap;
    // Changes from here on get seqs above the snapshot's and go the delta
    // path once the snapshot is out.
    snap.items.reserve(local_.size() + 64);
    uint64_t dg = 0;
    arp_.for_each([&](const arp::EntryView& e) {
        if (e.origin == arp::Origin::static_entry || !is_replicated(e.ifindex)) return;
        snap.items.push_back({e.ip, e.ifindex, e.mac, age_of(e.expires.value_or(t), t), uint8_t(e.origin)});
        dg += local_.hash_of(e.ifindex, e.ip, e.mac);
    });
    const uint64_t seq = arp_.seq();
    if (seq > seen_seq_) {
        count(ProfileCounter::changes_missed, seq - seen_seq_);
        seen_seq_ = seq;
        need_snapshot_ = true;
    }
    // `local` should equal the copy; if changes were missed it does not and
    // is rebuilt, and the log (which lacks them) cannot serve a resume.
    if (need_snapshot_ || dg != local_.digest() || snap.items.size() != local_.size()) {
        rebuild_local(snap.items);
        reset_log(seq);
    }
    need_snapshot_ = false;
    snap.seq = s.sent_seq = s.sync_target = seq;
    snap.digest = s.snap_digest = dg;
    s.initial_done = s.ack_digest_ok = false;
    // The Slave drops its held stream at snapshot_begin: until it acks this
    // snapshot it holds nothing a resume could build on.
    peer_held_epoch_ = peer_held_seq_ = 0;
    s.snap_wait = {seq, t};
    wire::Message m;
    m.type = wire::Type::snapshot_begin;
    m.backup_id = backup_id_;
    m.seq = seq;
    m.body = wire::SnapshotBegin{epoch_, uint32_t(snap.items.size())};
    buf_.clear();
    wire::encode(m, buf_);
    emit();
    count(ProfileCounter::snapshots_sent);
    phase_ = std::move(snap);
    pump(t);
}

bool Sender::paused(Time t) {
    Serving& s = *serving_;
    if (queued_ <= high_water_) {
        s.paused_at.reset();
        return false;
    }
    if (!s.paused_at) {
        s.paused_at = t;
        count(ProfileCounter::backpressure_pauses);
    }
    s.retry_at = t + kPausedRetry;
    return true;
}

void Sender::pump(Time t) {
    if (!channel_up_) return;
    if (auto* snap = std::get_if<Snapshot>(&phase_)) {
        const size_t chunk = std::clamp<size_t>(snapshot_chunk_, 1, wire::kMaxEntriesPerFrame);
        while (snap->next < snap->items.size()) {
            if (paused(t)) return;
            buf_.clear();
            wire::BatchWriter w(buf_, wire::Type::snapshot_entries, backup_id_, snap->seq, 0);
            const size_t end = std::min(snap->items.size(), snap->next + chunk);
            for (; snap->next < end; ++snap->next) {
                const SnapItem& i = snap->items[snap->next];
                w.add({wire::Op::add, i.origin, uint8_t(i.ifindex), i.ip, i.mac, i.age_s});
            }
            w.finish(snap->seq);
            emit();
            count(ProfileCounter::entries_sent, w.count());
        }
        wire::Message m;
        m.type = wire::Type::snapshot_end;
        m.backup_id = backup_id_;
        m.seq = snap->seq;
        m.body = wire::SnapshotEnd{snap->digest, uint32_t(snap->items.size())};
        buf_.clear();
        wire::encode(m, buf_);
        emit();
        last_snap_entries_ = uint32_t(snap->items.size());
        phase_ = Streaming{}; // the copy goes with the phase
    }
    flush(t);
}

void Sender::flush(Time t) {
    if (!serving_ || phase() == Phase::snapshot || !channel_up_) return;
    Serving& s = *serving_;
    const size_t cap = std::clamp<size_t>(batch_max_entries_, 1, wire::kMaxEntriesPerFrame);
    while (!s.pending.empty()) {
        if (paused(t)) return;
        buf_.clear();
        // first_seq = previous batch's seq + 1: the Slave sees a gap if a batch went missing.
        wire::BatchWriter w(buf_, wire::Type::delta, backup_id_, 0, s.sent_seq + 1);
        Time oldest = Time::max();
        size_t n = 0;
        for (auto it = s.pending.begin(); it != s.pending.end() && n < cap; ++n) {
            const uint16_t ifindex = uint16_t(it->first >> 32);
            const Ipv4 ip{uint32_t(it->first)};
            const Pending& p = it->second;
            oldest = std::min(oldest, p.first);
            // The entry as it is now (coalesced): present → add/update; gone →
            // remove if the Slave holds it, nothing if it never saw it.
            if (const Table::Value* v = local_.find(ifindex, ip))
                w.add({p.existed ? wire::Op::update : wire::Op::add, p.origin, uint8_t(ifindex), ip, v->mac,
                       age_of(p.expires, t)});
            else if (p.existed)
                w.add({wire::Op::remove, 0, uint8_t(ifindex), ip, Mac{}, 0});
            it = s.pending.erase(it);
        }
        if (s.drain_oldest) oldest = std::min(oldest, *s.drain_oldest);
        // The cumulative seq advances only with the batch that empties the
        // pending map: a Slave that acked seq S holds every change <= S.
        const bool done = s.pending.empty();
        const uint64_t seq = done ? seen_seq_ : s.sent_seq;
        w.finish(seq);
        const size_t entries = w.count();
        emit();
        count(ProfileCounter::batches_sent);
        count(ProfileCounter::entries_sent, entries);
        if (!done) {
            s.drain_oldest = oldest;
            continue;
        }
        s.drain_oldest.reset();
        s.sent_seq = seq;
        s.unacked.push_back({seq, local_.digest(), oldest, true});
        if (s.unacked.size() > kMaxUnacked) s.unacked.pop_front();
        if (phase() == Phase::draining) {
            // The resume is out: one digest check confirms it.
            phase_ = Streaming{};
            send_digest_check(t);
        }
    }
}

void Sender::send_digest_check(Time t) {
    Serving& s = *serving_;
    s.next_digest = t + std::chrono::milliseconds(digest_interval_ms_);
    if (phase() == Phase::snapshot) return;
    flush(t);
    if (!s.pending.empty()) return; // backpressure: the next interval tries again
    // `local` is the table as of sent_seq exactly: every change to it since is pending.
    wire::Message m;
    m.type = wire::Type::digest_check;
    m.backup_id = backup_id_;
    m.seq = s.sent_seq;
    m.body = wire::DigestCheck{local_.digest(), uint32_t(local_.size())};
    buf_.clear();
    wire::encode(m, buf_);
    emit();
    count(ProfileCounter::digest_checks);
}

void Sender::on_ack(const wire::Message& m, Time t) {
    Serving& s = *serving_;
    const uint64_t seq = m.seq;
    const auto& a = std::get<wire::Ack>(m.body);
    if (s.snap_wait && seq < s.snap_wait->first) return; // sent before our snapshot began
    peer_held_epoch_ = epoch_;
    peer_held_seq_ = std::max(peer_held_seq_, seq);
    peer_digest_ = a.digest;
    if (s.snap_wait && seq >= s.snap_wait->first) {
        if (seq == s.snap_wait->first) s.ack_digest_ok = a.digest == s.snap_digest;
        last_snap_time_ = t - s.snap_wait->second;
        s.snap_wait.reset();
    }
    while (!s.unacked.empty() && s.unacked.front().seq <= seq) {
        const BatchRec r = s.unacked.front();
        s.unacked.pop_front();
        if (r.seq != seq) continue;
        s.ack_digest_ok = r.digest == a.digest;
        if (!r.changes) continue;
        last_latency_ = t - r.oldest;
        if (!max_latency_ || *last_latency_ > *max_latency_) max_latency_ = last_latency_;
    }
    if (seq >= s.sync_target) s.initial_done = true;
}

void Sender::on_timer(Time t) {
    if (!serving_) return;
    Serving& s = *serving_;
    if (phase() == Phase::snapshot) {
        pump(t);
        return;
    }
    if (need_snapshot_) {
        start_snapshot(t);
        return;
    }
    if (!s.pending.empty() && (t >= s.pending_since + std::chrono::milliseconds(batch_max_delay_ms_) ||
                               s.pending.size() >= batch_max_entries_))
        flush(t);
    if (t >= s.next_digest) send_digest_check(t);
}

void Sender::on_change(const arp::Change& c, Time t) {
    if (c.seq <= seen_seq_) return; // replayed: already recorded
    if (c.seq != seen_seq_ + 1) {
        // Changes were lost on the way: `local` and the log are incomplete;
        // only a snapshot (which rebuilds both) can bring the peer back in line.
        count(ProfileCounter::changes_missed, c.seq - seen_seq_ - 1);
        need_snapshot_ = true;
        missed_at_ = t;
    }
    seen_seq_ = c.seq;
    if (!is_replicated(c.ifindex)) return;
    if (!master_ && c.origin == arp::Origin::synced) {
        // A synced entry on a Slave comes from a peer that has been Master
        // since it last held our stream, so that stream cannot be resumed
        // anyway: rather than write `local` and the log for every entry a
        // batch installs (a third of a cold Slave's work, docs/benchmarks.md),
        // mark both out of date; the snapshot this device sends once Master
        // rebuilds them from the ARP table. (Its own learning still goes in:
        // a Master that flapped through Slave resumes.)
        need_snapshot_ = true;
        return;
    }
    const bool had = local_.contains(c.ifindex, c.ip);
    const bool present = c.kind != arp::Change::Kind::remove && c.origin != arp::Origin::static_entry;
    if (!had && !present) return; // a static entry's own life: never replicated
    if (present)
        local_.upsert(c.ifindex, c.ip, c.mac);
    else
        local_.remove(c.ifindex, c.ip);
    const uint64_t key = Table::key(c.ifindex, c.ip);
    log_push(c.seq, key);
    if (!serving_) return;
    Serving& s = *serving_;
    auto [it, inserted] = s.pending.try_emplace(key);
    Pending& p = it->second;
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
    if (phase() != Phase::snapshot && s.pending.size() >= batch_max_entries_) flush(t);
}

} // namespace wg::sync::tx
