// The Slave side of a remote-backup profile (receiver.hpp). Protocol:
// docs/sync-protocol.md.
#include "sync/receiver.hpp"
#include "common/x_names.hpp"

#include <algorithm>

namespace wg::sync::rx {

constexpr const char* kEventKindNames[] = {WG_SYNC_RX_EVENTS(WG_X_KEY_NAME)};
const char* to_string(EventKind k) {
    return x_name(kEventKindNames, k);
}

constexpr const char* kActionKindNames[] = {WG_SYNC_RX_ACTIONS(WG_X_KEY_NAME)};
const char* to_string(ActionKind k) {
    return x_name(kActionKindNames, k);
}

Receiver::Receiver(const ProfileOptions& opt, arp::Service& arp, ProfileStats& stats)
    : backup_id_(opt.backup_id), digest_interval_ms_(opt.digest_interval_ms), arp_(arp), stats_(stats) {
    for (const auto& [ifindex, name] : opt.ifnames) {
        side_.set_interface(ifindex, name);
        by_name_[name] = ifindex;
    }
    // One receiver per ARP service keeps its received set in the service's
    // entries; another (a second profile) keeps all of its set in side_.
    owner_ = arp_.claim_replicas(this);
}

Receiver::~Receiver() {
    if (owner_) arp_.release_replicas(this); // the ARP service outlives us
}

uint64_t Receiver::digest() const {
    return marked_digest_ + side_.digest() + unknown_.digest();
}

size_t Receiver::size() const {
    return marked_ + side_.size() + unknown_.size();
}

void Receiver::on_replica_lost(uint16_t ifindex, Ipv4 ip, const Mac& mac, uint32_t tag) {
    marked_digest_ -= side_.hash_of(ifindex, ip, mac);
    --marked_;
    side_.upsert(ifindex, ip, mac, tag);
}

// (ifindex, ip) → mac is received: marked in the ARP service when it holds
// it with that MAC, else in side_.
void Receiver::put(uint16_t ifindex, Ipv4 ip, const Mac& mac, uint16_t age_s, Time now) {
    const arp::ReplicaInstall r = arp_.install_replica(ifindex, ip, mac, age_s, owner_ ? gen_ : 0, now);
    if (r.was) {
        marked_digest_ -= side_.hash_of(ifindex, ip, *r.was);
        --marked_;
    }
    if (r.held) {
        marked_digest_ += side_.hash_of(ifindex, ip, mac);
        ++marked_;
        if (side_.size() != 0) side_.remove(ifindex, ip);
    } else {
        side_.upsert(ifindex, ip, mac, gen_);
    }
    switch (r.status) {
    case arp::Status::ok:
    case arp::Status::busy:
        count(ProfileCounter::entries_installed);
        break;
    case arp::Status::unknown_interface:
        count(ProfileCounter::unknown_interface);
        break;
    case arp::Status::refused:
    case arp::Status::full:
    case arp::Status::invalid:
        count(ProfileCounter::install_refused);
        break;
    }
}

void Receiver::take(uint16_t ifindex, Ipv4 ip, Time now) {
    // Spares entries this device knows first-hand (arp/service.hpp).
    bool removed = false;
    std::optional<Mac> was;
    if (owner_)
        was = arp_.remove_replica(ifindex, ip, now, removed);
    else
        removed = arp_.remove_synced(ifindex, ip, now);
    if (was) {
        marked_digest_ -= side_.hash_of(ifindex, ip, *was);
        --marked_;
    } else if (side_.size() != 0) {
        side_.remove(ifindex, ip);
    }
    if (removed) count(ProfileCounter::entries_removed);
}

bool Receiver::in_sync() const {
    const auto* s = std::get_if<Synced>(&phase_);
    return synced_ && s && s->digest_ok;
}

std::optional<std::pair<uint32_t, uint32_t>> Receiver::snapshot_progress() const {
    if (const auto* s = std::get_if<SnapshotIn>(&phase_)) return std::pair{s->received, s->expected};
    return std::nullopt;
}

std::optional<Time> Receiver::next_deadline() const {
    if (const auto* w = std::get_if<ResyncWait>(&phase_)) return w->retry_at;
    return std::nullopt;
}

wire::Message Receiver::header(wire::Type t, uint64_t seq) const {
    wire::Message m;
    m.type = t;
    m.backup_id = backup_id_;
    m.seq = seq;
    return m;
}

void Receiver::enter_active() {
    synced_ = false;
    phase_ = Waiting{};
}

Actions Receiver::handle(const Event& ev, Time now) {
    Actions out;
    out_ = &out;
    using K = EventKind;
    switch (ev.kind) {
    case K::up:
        up_ = true;
        peer_ = Peer{};
        peer_digest_.reset();
        if (slave_)
            enter_active();
        else
            phase_ = Idle{};
        break;
    case K::down:
        up_ = false;
        peer_ = Peer{};
        peer_digest_.reset();
        synced_ = false;
        // A snapshot cut short left held_ empty (cleared at its begin): the
        // next session sends a full one.
        phase_ = Idle{};
        break;
    case K::to_slave:
        slave_ = true;
        if (up_)
            enter_active();
        else
            phase_ = Idle{};
        break;
    case K::to_master:
        // A device that has been Master lets its own table drift from what
        // it received (aging, learning as Master): it never resumes as Slave,
        // it asks for a full batch (held_epoch 0 in its next hellos). The
        // received set stays, so that batch's stale sweep can remove it.
        slave_ = false;
        synced_ = false;
        held_.reset();
        phase_ = Idle{};
        break;
    case K::hello:
        on_hello(*ev.msg);
        break;
    case K::snapshot_begin:
    case K::snapshot_entries:
    case K::snapshot_end:
    case K::delta:
    case K::digest_check:
        if (phase() == Phase::idle) break; // not a Slave in a session (the profile counts split brain)
        if (!peer_.hello) {
            out.push_back({ActionKind::fail, {},
                           std::string(wire::to_string(ev.msg->type)) + " before the peer's hello"});
            break;
        }
        if (ev.kind == K::snapshot_begin)
            on_snapshot_begin(*ev.msg, now);
        else if (ev.kind == K::snapshot_entries)
            on_snapshot_entries(*ev.msg, now);
        else if (ev.kind == K::snapshot_end)
            on_snapshot_end(*ev.msg, now);
        else if (ev.kind == K::delta)
            on_delta(*ev.msg, now);
        else
            on_digest_check(*ev.msg, now);
        break;
    case K::resync_now:
        if (phase() != Phase::idle) request_resync(wire::ResyncReason::operator_request, true, now);
        break;
    case K::timer:
        // A resync request the Master did not act on (it was not serving
        // then: its own group flapping, or both sides Master) is asked again
        // once per digest interval until a snapshot begins.
        if (const auto* w = std::get_if<ResyncWait>(&phase_); w && now >= w->retry_at)
            request_resync(wire::ResyncReason::requested, true, now);
        break;
    }
    out_ = nullptr;
    return out;
}

void Receiver::on_hello(const wire::Message& m) {
    const auto& h = std::get<wire::Hello>(m.body);
    peer_.hello = true;
    peer_.role = h.role;
    peer_.epoch = h.epoch;
    peer_.hello_seq = m.seq;
    // The peer names its interfaces in its hello; ifindex numbering may
    // differ between the devices, names may not (both bind the same
    // interface names, docs/sync-protocol.md).
    peer_.to_local.fill(-1);
    for (const auto& i : h.interfaces) {
        unknown_.set_interface(i.iface, i.name);
        if (auto it = by_name_.find(i.name); it != by_name_.end()) peer_.to_local[i.iface] = it->second;
    }
    // Holding the Master's stream up to its current seq already: the resume
    // has nothing to send, the batch backup is complete.
    if (phase() == Phase::idle || synced_ || h.role != wire::Role::master) return;
    if (held_ && held_->epoch == h.epoch && held_->applied >= m.seq) {
        synced_ = true;
        count(ProfileCounter::resumes);
        if (phase() == Phase::waiting) phase_ = Synced{};
    }
}

void Receiver::request_resync(wire::ResyncReason why, bool force, Time now) {
    if (phase() == Phase::resync_wait && !force) return; // one request until the snapshot begins
    phase_ = ResyncWait{now + std::chrono::milliseconds(std::max<uint32_t>(digest_interval_ms_, 100))};
    wire::Message m = header(wire::Type::resync_request, held_ ? held_->applied : 0);
    m.body = wire::ResyncRequest{why};
    out_->push_back({ActionKind::send, std::move(m), {}});
    count(ProfileCounter::resyncs_requested);
}

void Receiver::send_ack() {
    wire::Message m = header(wire::Type::ack, held_ ? held_->applied : 0);
    m.body = wire::Ack{digest(), uint32_t(size())};
    out_->push_back({ActionKind::send, std::move(m), {}});
    count(ProfileCounter::acks);
}

void Receiver::apply_all(const std::vector<wire::Entry>& es, Time now) {
    // Each entry's slots in the ARP service and the fast-path table are at
    // random places in tables of up to millions of entries: asking for those
    // of entry i + kAhead while applying entry i lets the memory fetches of
    // several entries overlap instead of queueing.
    constexpr size_t kAhead = 8;
    const size_t n = es.size();
    for (size_t i = 0; i < n; ++i) {
        if (i + kAhead < n) {
            const wire::Entry& f = es[i + kAhead];
            if (const int32_t mapped = peer_.to_local[f.iface]; mapped >= 0) arp_.prefetch(uint16_t(mapped), f.ip);
        }
        apply(es[i], now);
    }
}

void Receiver::apply(const wire::Entry& e, Time now) {
    const int32_t mapped = peer_.to_local[e.iface];
    if (mapped < 0) {
        // Kept (and digested) but not installed: a name we lack.
        count(ProfileCounter::unknown_interface);
        if (e.op == wire::Op::remove)
            unknown_.remove(e.iface, e.ip);
        else
            unknown_.upsert(e.iface, e.ip, e.mac, gen_);
        return;
    }
    const uint16_t ifindex = uint16_t(mapped);
    if (e.op == wire::Op::remove)
        take(ifindex, e.ip, now);
    else
        put(ifindex, e.ip, e.mac, e.age_s, now);
}

void Receiver::on_snapshot_begin(const wire::Message& m, Time now) {
    const auto& b = std::get<wire::SnapshotBegin>(m.body);
    // A new generation: entries this snapshot does not carry are stale at its end.
    SnapshotIn in;
    in.seq = m.seq;
    in.epoch = b.epoch;
    in.expected = b.entries;
    in.held_before = size();
    in.started = now;
    phase_ = in;
    if (++gen_ == 0) gen_ = 1; // 0 marks nothing
    held_.reset();
    unknown_.clear();
    // The installs below land in the ARP service: size it once instead of
    // growing 20 times. A hint from the peer, so bounded; and only the
    // snapshot's own size: a warm Slave holds mostly the same keys.
    arp_.reserve(std::min<size_t>(b.entries, size_t(1) << 23));
}

void Receiver::on_snapshot_entries(const wire::Message& m, Time now) {
    auto* in = std::get_if<SnapshotIn>(&phase_);
    if (!in) {
        // Left over from a snapshot the Master abandoned (a role flap), or a
        // bug: either way only a fresh snapshot is safe.
        count(ProfileCounter::protocol_errors);
        request_resync(wire::ResyncReason::requested, false, now);
        return;
    }
    const auto& b = std::get<wire::Batch>(m.body);
    apply_all(b.entries, now);
    in->received += uint32_t(b.entries.size());
}

void Receiver::on_snapshot_end(const wire::Message& m, Time now) {
    auto* inp = std::get_if<SnapshotIn>(&phase_);
    if (!inp || m.seq != inp->seq) {
        count(ProfileCounter::protocol_errors);
        request_resync(wire::ResyncReason::requested, false, now);
        return;
    }
    const SnapshotIn in = *inp;
    const auto& e = std::get<wire::SnapshotEnd>(m.body);
    // Stale: held before and not in this snapshot (removed on the Master
    // while the session was down, or installed by an earlier Master). A
    // Slave that held nothing (a restart: the common cold case) has nothing
    // stale, and skips a walk over the whole table.
    std::vector<uint64_t> stale;
    if (in.held_before != 0) {
        if (owner_)
            arp_.for_each_replica([&](uint16_t ifindex, Ipv4 ip, const Mac&, uint32_t tag) {
            if (tag != gen_) stale.push_back(Table::key(ifindex, ip));
        });
        side_.for_each([&](uint16_t ifindex, Ipv4 ip, const Table::Value& v) {
            if (v.tag != gen_) stale.push_back(Table::key(ifindex, ip));
        });
    }
    for (uint64_t k : stale)
        take(uint16_t(k >> 32), Ipv4{uint32_t(k)}, now);
    held_ = Held{in.epoch, in.seq};
    synced_ = true;
    count(ProfileCounter::snapshots_received);
    last_snap_entries_ = in.received;
    last_snap_time_ = now - in.started;
    peer_digest_ = e.digest;
    const bool ok = digest() == e.digest;
    phase_ = Synced{ok};
    send_ack();
    // A mismatch right after a full batch is counted but not answered with
    // another one at once: the next digest check (digest_interval_ms) asks,
    // so a persistent fault costs one snapshot per interval, not a storm.
    if (!ok) count(ProfileCounter::digest_mismatches);
}

void Receiver::on_delta(const wire::Message& m, Time now) {
    const auto& b = std::get<wire::Batch>(m.body);
    count(ProfileCounter::batches_received);
    // Entries carry current state, so a batch overlapping what we applied is
    // fine (a resume after a stale hello); one starting past it is not, nor
    // one on top of a snapshot that never ended (the Master abandoned it).
    if (phase() == Phase::snapshot_in || !held_ || held_->epoch != peer_.epoch ||
        b.first_seq > held_->applied + 1) {
        if (phase() != Phase::resync_wait) count(ProfileCounter::gaps);
        request_resync(wire::ResyncReason::gap, false, now);
        return;
    }
    apply_all(b.entries, now);
    if (m.seq > held_->applied) held_->applied = m.seq;
    if (!synced_ && held_->applied >= peer_.hello_seq) {
        synced_ = true; // resumed: we hold everything the Master had when the session began
        count(ProfileCounter::resumes);
        if (phase() == Phase::waiting) phase_ = Synced{};
    }
    send_ack();
}

void Receiver::on_digest_check(const wire::Message& m, Time now) {
    const auto& d = std::get<wire::DigestCheck>(m.body);
    // Comparable only at exactly the same point of the stream.
    if (phase() == Phase::snapshot_in || !held_ || m.seq != held_->applied) return;
    count(ProfileCounter::digest_checks);
    peer_digest_ = d.digest;
    const bool ok = digest() == d.digest;
    if (auto* s = std::get_if<Synced>(&phase_)) s->digest_ok = ok;
    if (!ok) {
        count(ProfileCounter::digest_mismatches);
        request_resync(wire::ResyncReason::digest_mismatch, false, now);
    }
}

} // namespace wg::sync::rx
