// Frames in (profile.hpp): checks and dispatches each frame: the peer's
// hello to both sides, acks and resync requests to the sender (sender.hpp),
// data frames to the receiver (receiver.hpp); run() performs their actions.
// Protocol: docs/sync-protocol.md.
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
        s.on_hello(std::get<wire::Hello>(m.body), t);
        break;
    case T::snapshot_begin:
    case T::snapshot_entries:
    case T::snapshot_end:
    case T::delta:
    case T::digest_check:
        if (s.role == Role::master) {
            s.stats.add(ProfileCounter::split_brain_frames); // both Master: VRRP will settle it
            break;
        }
        s.run(rx::Event::of(rx_event(m.type), &m), t);
        break;
    case T::ack:
        if (s.role == Role::master) s.run(tx::EventKind::ack, t, &m);
        break; // a Slave: an ack still in flight from when it was Master
    case T::resync_request:
        if (s.role == Role::master) s.run(tx::EventKind::resync_request, t, &m);
        break;
    case T::heartbeat:
    case T::error: // the RBS ends the session; on_down follows
        break;
    }
    s.update_hold();
}

void Profile::Impl::on_hello(const wire::Hello& h, Time t) {
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
    // Both sides hear it: the receiver maps the peer's interfaces (and may
    // complete a resume); the sender notes what the peer holds and, as
    // Master, serves a Slave.
    run(rx::Event::of(rx::EventKind::hello, &msg), t);
    run(tx::EventKind::hello, t, &msg);
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
