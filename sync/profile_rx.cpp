// Frames in (profile.hpp): checks and dispatches each frame; the peer's
// hello (common to both roles), the Master side's acks and resync requests
// here, the Slave side's data frames to the receiver (receiver.hpp), whose
// actions run() performs. Protocol: docs/sync-protocol.md.
#include "sync/profile_impl.hpp"

#include <algorithm>

namespace wg::sync {

namespace {

rx::EventKind rx_event(wire::Type t) {
    switch (t) {
    case wire::Type::snapshot_begin:
        return rx::EventKind::snapshot_begin;
    case wire::Type::snapshot_entries:
        return rx::EventKind::snapshot_entries;
    case wire::Type::snapshot_end:
        return rx::EventKind::snapshot_end;
    case wire::Type::delta:
        return rx::EventKind::delta;
    default:
        return rx::EventKind::digest_check;
    }
}

} // namespace

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
        s.run(rx::Event::of(rx_event(m.type), &m), t);
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
    run(rx::Event::of(rx::EventKind::hello, &msg), t);
    if (role == Role::master) {
        // A hello inside a session means the peer's role changed (or it is
        // the first): a Slave gets a resume or a snapshot; a Master gets
        // nothing (split brain until VRRP settles).
        if (h.role == wire::Role::slave) {
            serve(t);
        } else {
            stop_serving();
        }
    }
}

void Profile::Impl::run(const rx::Event& ev, Time t) {
    for (rx::Action& a : rx.handle(ev, t)) {
        switch (a.kind) {
        case rx::ActionKind::send:
            send(a.msg);
            break;
        case rx::ActionKind::fail:
            fail(std::move(a.detail));
            return; // the session ends: nothing after it applies
        }
    }
}

} // namespace wg::sync
