// Frames in, and the Slave side of the remote-backup profile (profile.hpp):
// checks and dispatches each frame, handles the peer's hello, installs what
// the Master sends into the ARP service, keeps the received table and its
// digest, acks, detects gaps and digest mismatches and asks for a resync.
// Protocol: docs/sync-protocol.md.
#include "sync/profile_impl.hpp"

#include <algorithm>

namespace wg::sync {

void Profile::on_frame(std::span<const uint8_t> frame) {
    Impl& s = *impl_;
    const Time t = s.now();
    const wire::DecodeError err = wire::decode(frame, s.msg);
    if (err == wire::DecodeError::bad_version) {
        s.fail("unsupported protocol version (this build speaks " + std::to_string(wire::kVersion) + ")");
        return;
    }
    if (err != wire::DecodeError::ok) {
        s.fail(std::string("undecodable frame: ") + wire::to_string(err));
        return;
    }
    const wire::Message& m = s.msg;
    if (m.backup_id != s.opt.backup_id) {
        s.fail("frame for backup-id " + std::to_string(m.backup_id) + ", this profile is backup-id " +
               std::to_string(s.opt.backup_id));
        return;
    }
    using T = wire::Type;
    switch (m.type) {
    case T::hello:
        s.on_hello(std::get<wire::Hello>(m.body), m.seq, t);
        break;
    case T::snapshot_begin:
    case T::snapshot_entries:
    case T::snapshot_end:
    case T::delta:
    case T::digest_check:
        if (s.role == Role::master) {
            s.count(ProfileCounter::split_brain_frames); // both Master: VRRP will settle it
            break;
        }
        if (!s.peer_hello) {
            s.fail(std::string(wire::to_string(m.type)) + " before the peer's hello");
            return;
        }
        if (m.type == T::snapshot_begin)
            s.on_snapshot_begin(m.seq, std::get<wire::SnapshotBegin>(m.body), t);
        else if (m.type == T::snapshot_entries)
            s.on_snapshot_entries(std::get<wire::Batch>(m.body), t);
        else if (m.type == T::snapshot_end)
            s.on_snapshot_end(m.seq, std::get<wire::SnapshotEnd>(m.body), t);
        else if (m.type == T::delta)
            s.on_delta(m.seq, std::get<wire::Batch>(m.body), t);
        else
            s.on_digest_check(m.seq, std::get<wire::DigestCheck>(m.body));
        break;
    case T::ack:
        if (s.role == Role::master) s.on_ack(m.seq, std::get<wire::Ack>(m.body), t);
        break; // a Slave: an ack still in flight from when it was Master
    case T::resync_request:
        // One sent while our snapshot was on its way is answered by it.
        if (s.role == Role::master && s.serving && !s.out.active) {
            s.count(ProfileCounter::resyncs_requested);
            s.start_snapshot(t);
        }
        break;
    case T::heartbeat:
    case T::error: // the RBS ends the session; on_down follows
        break;
    }
    s.update_hold();
}

void Profile::Impl::on_hello(const wire::Hello& h, uint64_t seq, Time t) {
    if (h.max_version < wire::kVersion) {
        fail("peer speaks protocol version " + std::to_string(h.max_version) + ", this build needs " +
             std::to_string(wire::kVersion));
        return;
    }
    if (!(h.capabilities & wire::kCapArp)) {
        fail("peer does not back up service-type arp");
        return;
    }
    peer = h;
    peer_hello = true;
    peer_hello_seq = seq;
    peer_held_epoch = h.held_epoch; // then moved on by its acks (on_ack)
    peer_held_seq = h.held_seq;
    map_peer_interfaces();
    if (role == Role::master) {
        // A hello inside a session means the peer's role changed (or it is
        // the first): a Slave gets a resume or a snapshot; a Master gets
        // nothing (split brain until VRRP settles).
        if (h.role == wire::Role::slave) {
            serve(t);
        } else {
            stop_serving();
        }
        return;
    }
    // Slave holding the Master's stream up to its current seq already: the
    // resume has nothing to send, the batch backup is complete.
    if (h.role == wire::Role::master && !synced && r_valid && r_epoch == h.epoch && applied >= seq) {
        synced = true;
        count(ProfileCounter::resumes);
    }
}

void Profile::Impl::map_peer_interfaces() {
    // The peer names its interfaces in its hello; ifindex numbering may
    // differ between the devices, names may not (seed: both bind
    // GigabitEthernet0/1/0).
    peer_to_local.fill(-1);
    for (const auto& i : peer.interfaces) {
        unknown.set_interface(i.iface, i.name);
        if (auto it = by_name.find(i.name); it != by_name.end()) peer_to_local[i.iface] = it->second;
    }
}

void Profile::Impl::drop_remote() {
    // A device that has been Master has let its own table drift from what it
    // received (aging, learning as Master): it never resumes as Slave, it
    // asks for a full batch (held_epoch 0 in its next hellos). The entries
    // stay in `remote` so that batch's stale sweep can remove them.
    r_valid = false;
    in.active = false;
}

void Profile::Impl::apply_all(const std::vector<wire::Entry>& es, Time t) {
    // Each entry's slots in `remote`, the ARP service and the fast-path
    // table are at random places in tables of up to millions of entries:
    // asking for those of entry i + kAhead while applying entry i lets the
    // memory fetches of several entries overlap instead of queueing.
    constexpr size_t kAhead = 8;
    const size_t n = es.size();
    for (size_t i = 0; i < n; ++i) {
        if (i + kAhead < n) {
            const wire::Entry& f = es[i + kAhead];
            if (const int32_t mapped = peer_to_local[f.iface]; mapped >= 0) {
                remote.prefetch(uint16_t(mapped), f.ip);
                arp.prefetch(uint16_t(mapped), f.ip);
            }
        }
        apply(es[i], t);
    }
}

void Profile::Impl::apply(const wire::Entry& e, Time t) {
    const int32_t mapped = peer_to_local[e.iface];
    if (mapped < 0) {
        // Kept (and digested) but not installed: a name we lack.
        count(ProfileCounter::unknown_interface);
        if (e.op == wire::Op::remove)
            unknown.remove(e.iface, e.ip);
        else
            unknown.upsert(e.iface, e.ip, e.mac, gen);
        return;
    }
    const uint16_t ifindex = uint16_t(mapped);
    if (e.op == wire::Op::remove) {
        remote.remove(ifindex, e.ip);
        // Spares entries this device knows first-hand (service.hpp).
        if (arp.remove_synced(ifindex, e.ip, t)) count(ProfileCounter::entries_removed);
        return;
    }
    // The received table records what the Master holds, whatever the ARP
    // service then makes of it (a refused install is counted, not retried:
    // the digests compare the streams, not the two ARP tables).
    remote.upsert(ifindex, e.ip, e.mac, gen);
    switch (arp.install_synced(ifindex, e.ip, e.mac, e.age_s, t)) {
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

void Profile::Impl::request_resync(wire::ResyncReason why, bool force) {
    if (resync_outstanding && !force) return; // one request until the snapshot begins
    resync_outstanding = true;
    resync_retry_at = now() + std::chrono::milliseconds(std::max<uint32_t>(opt.digest_interval_ms, 100));
    wire::Message m = header(wire::Type::resync_request, r_valid ? applied : 0);
    m.body = wire::ResyncRequest{why};
    send(m);
    count(ProfileCounter::resyncs_requested);
}

void Profile::Impl::send_ack() {
    wire::Message m = header(wire::Type::ack, applied);
    m.body = wire::Ack{remote_digest(), uint32_t(remote_size())};
    send(m);
    count(ProfileCounter::acks);
}

void Profile::Impl::on_snapshot_begin(uint64_t seq, const wire::SnapshotBegin& b, Time t) {
    // A new generation: entries this snapshot does not carry are stale at its end.
    in.active = true;
    in.seq = seq;
    in.epoch = b.epoch;
    in.expected = b.entries;
    in.received = 0;
    in.held_before = remote.size() + unknown.size();
    in.started = t;
    ++gen;
    r_valid = false;
    digest_ok = resync_outstanding = false;
    unknown.clear();
    // The installs below land here and in the ARP service: size both once
    // instead of growing 20 times each. A hint from the peer, so bounded; and
    // only the snapshot's own size: a warm Slave holds mostly the same keys.
    const size_t hint = std::min<size_t>(b.entries, size_t(1) << 23);
    remote.reserve(hint);
    arp.reserve(hint);
}

void Profile::Impl::on_snapshot_entries(const wire::Batch& b, Time t) {
    if (!in.active) {
        // Left over from a snapshot the Master abandoned (a role flap), or a
        // bug: either way only a fresh snapshot is safe.
        count(ProfileCounter::protocol_errors);
        request_resync(wire::ResyncReason::requested);
        return;
    }
    apply_all(b.entries, t);
    in.received += uint32_t(b.entries.size());
}

void Profile::Impl::on_snapshot_end(uint64_t seq, const wire::SnapshotEnd& e, Time t) {
    if (!in.active || seq != in.seq) {
        count(ProfileCounter::protocol_errors);
        request_resync(wire::ResyncReason::requested);
        return;
    }
    // Stale: held before and not in this snapshot (removed on the Master
    // while the session was down, or installed by an earlier Master).
    // A Slave that held nothing (a restart: the common cold case) has
    // nothing stale, and skips a walk over the whole table.
    std::vector<uint64_t> stale;
    if (in.held_before != 0)
        remote.for_each([&](uint16_t ifindex, Ipv4 ip, const Table::Value& v) {
            if (v.tag != gen) stale.push_back(Table::key(ifindex, ip));
        });
    for (uint64_t k : stale) {
        const uint16_t ifindex = uint16_t(k >> 32);
        const Ipv4 ip{uint32_t(k)};
        remote.remove(ifindex, ip);
        if (arp.remove_synced(ifindex, ip, t)) count(ProfileCounter::entries_removed);
    }
    in.active = false;
    r_valid = true;
    r_epoch = in.epoch;
    applied = in.seq;
    synced = true;
    count(ProfileCounter::snapshots_received);
    last_snap_entries = in.received;
    last_snap_time = t - in.started;
    peer_digest = e.digest;
    digest_ok = remote_digest() == e.digest;
    send_ack();
    // A mismatch right after a full batch is counted but not answered with
    // another one at once: the next digest check (digest_interval_ms) asks,
    // so a persistent fault costs one snapshot per interval, not a storm.
    if (!digest_ok) count(ProfileCounter::digest_mismatches);
}

void Profile::Impl::on_delta(uint64_t seq, const wire::Batch& b, Time t) {
    count(ProfileCounter::batches_received);
    // Entries carry current state, so a batch overlapping what we applied is
    // fine (a resume after a stale hello); one starting past it is not, nor
    // one on top of a snapshot that never ended (the Master abandoned it).
    if (in.active || !r_valid || r_epoch != peer.epoch || b.first_seq > applied + 1) {
        if (!resync_outstanding) count(ProfileCounter::gaps);
        request_resync(wire::ResyncReason::gap);
        return;
    }
    apply_all(b.entries, t);
    if (seq > applied) applied = seq;
    if (!synced && applied >= peer_hello_seq) {
        synced = true; // resumed: we hold everything the Master had when the session began
        count(ProfileCounter::resumes);
    }
    send_ack();
}

void Profile::Impl::on_digest_check(uint64_t seq, const wire::DigestCheck& d) {
    // Comparable only at exactly the same point of the stream.
    if (in.active || !r_valid || seq != applied) return;
    count(ProfileCounter::digest_checks);
    peer_digest = d.digest;
    digest_ok = remote_digest() == d.digest;
    if (!digest_ok) {
        count(ProfileCounter::digest_mismatches);
        request_resync(wire::ResyncReason::digest_mismatch);
    }
}

} // namespace wg::sync
