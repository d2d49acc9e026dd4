// `display remote-backup-profile [NAME]` (seed "Verify the configuration":
// label width 21, rule width 47), then the replication figures and counters.
#include "sync/profile_impl.hpp"

namespace wg::sync {

namespace {

// The seed's fields, in its order and with its labels. Slot-Number,
// Card-Number and Port-Number (chassis positions) are left out: this
// appliance has no slots or cards.
#define WG_RBP_SEED_FIELDS(X)                                                                                \
    X(profile_index, "Profile-Index")                                                                        \
    X(profile_name, "Profile-Name")                                                                          \
    X(service, "Service")                                                                                    \
    X(remote_backup_service, "Remote-backup-service")                                                        \
    X(backup_id, "Backup-ID")                                                                                \
    X(track_protocol, "track protocol")                                                                      \
    X(vrrp_id, "VRRP-ID")                                                                                    \
    X(vrrp_interface, "VRRP-Interface")                                                                      \
    X(access_control, "Access-Control")                                                                      \
    X(state, "State")                                                                                        \
    X(peer_state, "Peer State")                                                                              \
    X(interface, "Interface")                                                                                \
    X(backup_mode, "Backup mode")

// Ours: replication state. Units in the labels keep JSON values numeric.
#define WG_RBP_SYNC_FIELDS(X)                                                                                \
    X(peer_node, "Peer-Node")                                                                                \
    X(preempt_hold, "Preempt-Hold")                                                                          \
    X(in_sync, "In-Sync")                                                                                    \
    X(entries, "Entries")                                                                                    \
    X(local_digest, "Local-Digest")                                                                          \
    X(peer_digest, "Peer-Digest")                                                                            \
    X(last_batch_latency_us, "Batch-Latency(us)")                                                            \
    X(max_batch_latency_us, "Max-Latency(us)")                                                               \
    X(last_snapshot_entries, "Snapshot-Entries")                                                             \
    X(last_snapshot_ms, "Snapshot-Time(ms)")                                                                 \
    X(counters, "Counters")

#define WG_RBP_ENUM(key, label) key,
enum class F : unsigned { WG_RBP_SEED_FIELDS(WG_RBP_ENUM) WG_RBP_SYNC_FIELDS(WG_RBP_ENUM) };
constexpr control::FieldDesc kFields[] = {WG_RBP_SEED_FIELDS(WG_FIELD_DESC)
                                              WG_RBP_SYNC_FIELDS(WG_FIELD_DESC)};

const control::FieldDesc& fd(F f) {
    return kFields[unsigned(f)];
}

constexpr control::NameDesc kRoles[] = {{"slave", "Slave"}, {"master", "Master"}}; // by Role

control::Scalar role_of_peer(const wire::Hello& h) {
    switch (h.role) {
    case wire::Role::master:
        return kRoles[unsigned(Role::master)];
    case wire::Role::slave:
        return kRoles[unsigned(Role::slave)];
    case wire::Role::unknown:
        break;
    }
    return control::Null{};
}

template <class Rep, class Period>
uint64_t count_in(std::chrono::duration<Rep, Period> d, auto unit) {
    return uint64_t(std::max<int64_t>(0, std::chrono::duration_cast<decltype(unit)>(d).count()));
}

} // namespace

void Profile::add_to(control::Report& r, Time) const {
    const Impl& s = *impl_;
    const bool master = s.role == Role::master;
    r.set_rule_width(47);
    control::Section& sec = r.add_list_item("profiles");
    sec.set_label_width(21);
    sec.add(fd(F::profile_index), control::Hex{s.opt.index});
    sec.add(fd(F::profile_name), s.opt.name);
    sec.add(fd(F::service), "arp");
    sec.add(fd(F::remote_backup_service), s.opt.service);
    sec.add(fd(F::backup_id), s.opt.backup_id);
    sec.add(fd(F::track_protocol), "VRRP");
    sec.add(fd(F::vrrp_id), s.opt.vrid);
    sec.add(fd(F::vrrp_interface), s.opt.vrrp_interface);
    sec.add(fd(F::access_control), control::Null{});
    sec.add(fd(F::state), kRoles[unsigned(s.role)]);
    sec.add(fd(F::peer_state), s.up && s.peer_hello ? role_of_peer(s.peer) : control::Scalar{});
    sec.add(fd(F::interface), s.opt.interfaces);
    sec.add(fd(F::backup_mode), "hot");

    sec.add(fd(F::peer_node), s.up && s.peer_hello ? control::Scalar(s.peer.node) : control::Scalar{});
    const std::string hold = preempt_hold_reason();
    sec.add(fd(F::preempt_hold), hold.empty() ? control::Scalar{} : control::Scalar(hold));
    sec.add(fd(F::in_sync), in_sync());
    sec.add(fd(F::entries), uint64_t(entries()));
    sec.add(fd(F::local_digest), control::Hex{digest()});
    // The figures of the side this device is now (the receiver's as Slave).
    const auto peer_dg = master ? s.tx.peer_digest() : s.rx.peer_digest();
    const auto snap_entries = master ? s.tx.last_snapshot_entries() : s.rx.last_snapshot_entries();
    const auto snap_time = master ? s.tx.last_snapshot_time() : s.rx.last_snapshot_time();
    sec.add(fd(F::peer_digest), peer_dg ? control::Scalar(control::Hex{*peer_dg}) : control::Scalar{});
    // Latency (a change recorded → its batch acked) is the Master's figure.
    auto us = [&](const std::optional<std::chrono::nanoseconds>& d) {
        return master && d ? control::Scalar(count_in(*d, std::chrono::microseconds{})) : control::Scalar{};
    };
    sec.add(fd(F::last_batch_latency_us), us(s.tx.last_latency()));
    sec.add(fd(F::max_batch_latency_us), us(s.tx.max_latency()));
    sec.add(fd(F::last_snapshot_entries),
            snap_entries ? control::Scalar(uint64_t(*snap_entries)) : control::Scalar{});
    sec.add(fd(F::last_snapshot_ms),
            snap_time ? control::Scalar(count_in(*snap_time, std::chrono::milliseconds{})) : control::Scalar{});
    control::Record counters;
    counters.add_counters(kProfileCounterInfo, s.stats.v);
    sec.add(fd(F::counters), std::move(counters));
}

} // namespace wg::sync
