// The Slave side of a remote-backup profile (sync/profile.hpp): receives the
// Master's stream (docs/sync-protocol.md), installs it into the ARP service,
// acks, detects gaps and digest mismatches and asks for a resync. A machine
// of the same shape as control/vrrp/state_machine.hpp and
// sync/connection.hpp: one entry point handle(event, now) → actions, events
// and actions named once (X-macro lists), no socket and no clock of its own.
//
// Phases (per-phase state lives in the phase's struct, so entering a phase
// resets it by construction):
//
//   idle ──up (as Slave) / to_slave (session up)──▶ waiting
//   waiting ──hello of a Master whose stream we hold up to its seq,
//             or resume deltas reaching its hello's seq──▶ synced
//   any but idle ──snapshot_begin──▶ snapshot_in ──snapshot_end──▶ synced
//   waiting, synced, snapshot_in ──gap, digest mismatch, bad snapshot frame,
//             operator request──▶ resync_wait (request repeated every
//             digest interval until a snapshot begins)
//   any ──down / to_master──▶ idle
//
// The entries of snapshot_entries and delta frames are applied to the ARP
// service (itself pure) as they come, not returned as actions: a batch of
// 1M entries must not become 1M actions. What the machine decides (acks,
// resync requests, protocol errors) is returned; the profile performs it.
//
// Received set: {(interface name, ip) → mac} of what the Master sent, with
// the order-independent digest of docs/sync-protocol.md §8, so that it
// equals the Master's table digest whatever the ARP service made of each
// entry (a refused install is counted, not retried: the digests compare the
// streams, not the two ARP tables). One store holds it: the ARP service's
// own entries, marked as received with the snapshot generation that last
// carried them (arp::Service::install_replica). Only what the ARP service
// does not hold with the received MAC is kept here, in `side_`: installs it
// refused (static entry, own address, not in the subnet, full) and entries
// it let go or changed since for reasons of its own (aging, probing, a
// static entry, a link flush: on_replica_lost). Entries on an interface
// name this device lacks are kept apart too (never installed, still
// digested). A key is in exactly one of the three; the digest is kept
// incrementally (one word added or subtracted per change).
//
// Thread-safety: control lcore only (the profile's).
#pragma once

#include "control/arp/service.hpp"
#include "control/report.hpp"
#include "sync/options.hpp"
#include "sync/profile_counters.hpp"
#include "sync/table.hpp"
#include "sync/wire.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace wg::sync::rx {

using Time = std::chrono::steady_clock::time_point;

// X(key, json, text): the phases, in the order of Receiver's variant.
#define WG_SYNC_RX_PHASES(X)                                                                                 \
    X(idle, "idle", "Idle")                                                                                  \
    X(waiting, "waiting", "Waiting")                                                                         \
    X(snapshot_in, "snapshot_in", "Snapshot")                                                                \
    X(synced, "synced", "Synced")                                                                            \
    X(resync_wait, "resync_wait", "Resync-Wait")

enum class Phase : uint8_t {
#define WG_X(key, json, text) key,
    WG_SYNC_RX_PHASES(WG_X)
#undef WG_X
};
inline constexpr control::NameDesc kPhaseNames[] = {
#define WG_X(key, json, text) {json, text},
    WG_SYNC_RX_PHASES(WG_X)
#undef WG_X
};
constexpr const control::NameDesc& name(Phase p) {
    return kPhaseNames[size_t(p)];
}

// X(key, meaning): the events, named once (enum + to_string).
#define WG_SYNC_RX_EVENTS(X)                                                                                 \
    X(up, "the session with the peer is up")                                                                 \
    X(down, "the session ended")                                                                             \
    X(to_slave, "this device turned Slave (its tracked VRRP group is not Master)")                           \
    X(to_master, "this device turned Master: its held stream can no longer be resumed")                      \
    X(hello, "the peer's hello (msg)")                                                                       \
    X(snapshot_begin, "msg")                                                                                 \
    X(snapshot_entries, "msg")                                                                               \
    X(snapshot_end, "msg")                                                                                   \
    X(delta, "msg")                                                                                          \
    X(digest_check, "msg")                                                                                   \
    X(resync_now, "the operator asks for a batch backup (`batch-backup now`)")                               \
    X(timer, "time passed (the profile's tick)")

enum class EventKind : uint8_t {
#define WG_X(key, meaning) key,
    WG_SYNC_RX_EVENTS(WG_X)
#undef WG_X
};
const char* to_string(EventKind k);

struct Event {
    EventKind kind = EventKind::timer;
    const wire::Message* msg = nullptr; // hello and the data frames; its body matches `kind`

    static Event of(EventKind k, const wire::Message* m = nullptr) { return Event{k, m}; }
};

// X(key, meaning): what the profile must do, in order.
#define WG_SYNC_RX_ACTIONS(X)                                                                                \
    X(send, "send `msg` to the peer (ack, resync_request)")                                                  \
    X(fail, "protocol error: count it and end the session with `detail`")

enum class ActionKind : uint8_t {
#define WG_X(key, meaning) key,
    WG_SYNC_RX_ACTIONS(WG_X)
#undef WG_X
};
const char* to_string(ActionKind k);

struct Action {
    ActionKind kind = ActionKind::send;
    wire::Message msg; // send
    std::string detail; // fail
};
using Actions = std::vector<Action>;

class Receiver final : public arp::ReplicaListener {
  public:
    // `arp` and `stats` outlive the receiver; `opt.ifnames` names the local
    // interfaces (the digest uses names). A receiver starts idle, as Slave.
    Receiver(const ProfileOptions& opt, arp::Service& arp, ProfileStats& stats);
    ~Receiver() override;
    Receiver(const Receiver&) = delete;
    Receiver& operator=(const Receiver&) = delete;

    // The one transition entry point. Events that do not apply in the
    // current phase change nothing but counters.
    Actions handle(const Event& ev, Time now);

    Phase phase() const { return Phase(phase_.index()); }
    // The batch backup (or a resume) completed in this session as Slave.
    bool synced() const { return synced_; }
    // synced, the last digest comparison matched, no snapshot in progress.
    bool in_sync() const;
    // The peer's hello arrived in this session.
    bool peer_hello() const { return peer_.hello; }
    // snapshot_in: entries received of those announced.
    std::optional<std::pair<uint32_t, uint32_t>> snapshot_progress() const;
    std::optional<Time> next_deadline() const;

    // The Master's stream this device holds, for the hello's held_epoch /
    // held_seq (nullopt: none, a resume is impossible).
    struct Held {
        uint64_t epoch = 0, applied = 0;
    };
    const std::optional<Held>& held() const { return held_; }

    // The received set.
    uint64_t digest() const;
    size_t size() const;

    // Display figures (nullopt until known).
    std::optional<uint64_t> peer_digest() const { return peer_digest_; }
    std::optional<uint32_t> last_snapshot_entries() const { return last_snap_entries_; }
    std::optional<std::chrono::nanoseconds> last_snapshot_time() const { return last_snap_time_; }
    // Received entries held apart from the ARP service (refused or let go
    // locally, unknown interfaces): what the received set costs beyond it.
    size_t held_apart() const { return side_.size() + unknown_.size(); }

    // arp::ReplicaListener: a marked entry left the ARP service or changed
    // (ifindex, ip) → mac stays received: it moves to `side_`.
    void on_replica_lost(uint16_t ifindex, Ipv4 ip, const Mac& mac, uint32_t tag) override;

  private:
    struct Idle {};
    struct Waiting {};
    struct SnapshotIn {
        uint64_t seq = 0, epoch = 0;
        uint32_t expected = 0, received = 0;
        size_t held_before = 0; // received set at snapshot_begin (0: nothing can be stale)
        Time started{};
    };
    struct Synced {
        bool digest_ok = false; // the last comparison (snapshot_end or digest check) matched
    };
    struct ResyncWait {
        Time retry_at{}; // the request is repeated from then on
    };
    // Same order as WG_SYNC_RX_PHASES.
    using PhaseState = std::variant<Idle, Waiting, SnapshotIn, Synced, ResyncWait>;

    // The peer as its hello describes it; reset with the session.
    struct Peer {
        bool hello = false;
        wire::Role role = wire::Role::unknown;
        uint64_t epoch = 0;
        uint64_t hello_seq = 0; // the hello's header seq: the Master's change seq then
        std::array<int32_t, 256> to_local{}; // peer iface id → local ifindex, -1: a name we lack
        Peer() { to_local.fill(-1); }
    };

    void count(ProfileCounter c, uint64_t n = 1) { stats_.add(c, n); }
    void on_hello(const wire::Message& m);
    void on_snapshot_begin(const wire::Message& m, Time now);
    void on_snapshot_entries(const wire::Message& m, Time now);
    void on_snapshot_end(const wire::Message& m, Time now);
    void on_delta(const wire::Message& m, Time now);
    void on_digest_check(const wire::Message& m, Time now);
    void enter_active(); // waiting, a fresh session state as Slave
    void request_resync(wire::ResyncReason why, bool force, Time now);
    void send_ack();
    void apply_all(const std::vector<wire::Entry>& es, Time now);
    void apply(const wire::Entry& e, Time now);
    wire::Message header(wire::Type t, uint64_t seq) const;

    uint32_t backup_id_;
    uint32_t digest_interval_ms_;
    arp::Service& arp_;
    ProfileStats& stats_;
    std::unordered_map<std::string, uint16_t> by_name_; // local interface name → ifindex

    bool up_ = false;
    bool slave_ = true;
    bool synced_ = false; // session as Slave: batch backup or resume completed
    Peer peer_;
    PhaseState phase_;
    std::optional<Held> held_;

    // The received set (see above): the ARP service's marked entries
    // (their digest words summed in marked_digest_), `side_` in local ifindex
    // numbering, `unknown_` by the peer's iface id (its names) for
    // interfaces this device lacks. Tags: the snapshot generation that last
    // carried the entry (stale sweep); never 0 (0: not received).
    void put(uint16_t ifindex, Ipv4 ip, const Mac& mac, uint16_t age_s, Time now);
    void take(uint16_t ifindex, Ipv4 ip, Time now);
    bool owner_ = false; // this receiver's marks are the ARP service's (claim_replicas)
    uint64_t marked_digest_ = 0;
    size_t marked_ = 0;
    Table side_, unknown_;
    uint32_t gen_ = 1;

    std::optional<uint64_t> peer_digest_;
    std::optional<uint32_t> last_snap_entries_;
    std::optional<std::chrono::nanoseconds> last_snap_time_;

    Actions* out_ = nullptr; // valid during handle() only
};

} // namespace wg::sync::rx
