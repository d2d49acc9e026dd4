// The Master side of a remote-backup profile (sync/profile.hpp): this
// device's change stream (the `local` table and the change log, kept in both
// roles) and, while Master with a Slave peer, serving it: a resume from the
// log or a full snapshot (batch backup), then coalesced delta batches and
// periodic digest checks (docs/sync-protocol.md §4-5). A machine of the same
// shape as sync/receiver.hpp: handle(event, now) → actions, events and
// actions named once, no socket and no clock of its own; the channel's
// backlog comes with each event (backpressure).
//
// Phases (per-phase state lives in the phase's struct, so entering a phase
// resets it by construction; what one serving of a Slave keeps across its
// phases is reset at every serve):
//
//   idle ──up / to_master (session up as Master)──▶ hello_wait
//   hello_wait ──hello of a Slave (or to_master after one)──▶ snapshot (when no resume is possible)
//                                  ▶ draining (resume: the keys changed after
//                                    the Slave's point) ▶ streaming
//   snapshot ──every frame out──▶ streaming
//   draining ──the pending keys out, one digest check──▶ streaming
//   streaming, draining ──resync request, snapshot_now, missed changes──▶ snapshot
//   serving ──hello of a Master──▶ hello_wait;  any ──down / to_slave──▶ idle
//
// Backpressure (paused): above Channel::kHighWater queued bytes a phase
// stops sending until on_writable or the retry tick (counted once per pause).
//
// The entries of a snapshot are copied (16 bytes each) and streamed from the
// copy as the channel drains: arp::Service::for_each cannot pause.
//
// Thread-safety: control lcore only (the profile's).
#pragma once

#include "common/dense_map.hpp"
#include "control/arp/service.hpp"
#include "control/report.hpp"
#include "sync/options.hpp"
#include "sync/profile_counters.hpp"
#include "sync/table.hpp"
#include "sync/wire.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <variant>
#include <vector>

namespace wg::sync::tx {

using Time = std::chrono::steady_clock::time_point;

// X(key, json, text): the phases, in the order of Sender's variant.
#define WG_SYNC_TX_PHASES(X)                                                                                 \
    X(idle, "idle", "Idle")                                                                                  \
    X(hello_wait, "hello_wait", "Hello-Wait")                                                                \
    X(snapshot, "snapshot", "Snapshot")                                                                      \
    X(draining, "draining", "Draining")                                                                      \
    X(streaming, "streaming", "Streaming")

enum class Phase : uint8_t {
#define WG_X(key, json, text) key,
    WG_SYNC_TX_PHASES(WG_X)
#undef WG_X
};
inline constexpr control::NameDesc kPhaseNames[] = {
#define WG_X(key, json, text) {json, text},
    WG_SYNC_TX_PHASES(WG_X)
#undef WG_X
};
constexpr const control::NameDesc& name(Phase p) {
    return kPhaseNames[size_t(p)];
}

// X(key, meaning): the events, named once (enum + to_string).
#define WG_SYNC_TX_EVENTS(X)                                                                                 \
    X(up, "the session with the peer is up")                                                                 \
    X(down, "the session ended")                                                                             \
    X(to_master, "this device turned Master (its tracked VRRP group is Master)")                             \
    X(to_slave, "this device turned Slave")                                                                  \
    X(hello, "the peer's hello (msg)")                                                                       \
    X(ack, "the Slave's ack (msg)")                                                                          \
    X(resync_request, "the Slave asks for a snapshot (msg)")                                                 \
    X(change, "the ARP service published a change (change)")                                                 \
    X(writable, "the channel drained below its high-water mark")                                             \
    X(timer, "time passed (the profile's tick)")                                                             \
    X(snapshot_now, "the operator asks for a batch backup (`batch-backup now`)")

enum class EventKind : uint8_t {
#define WG_X(key, meaning) key,
    WG_SYNC_TX_EVENTS(WG_X)
#undef WG_X
};
const char* to_string(EventKind k);

struct Event {
    EventKind kind = EventKind::timer;
    const wire::Message* msg = nullptr;  // hello, ack, resync_request
    const arp::Change* change = nullptr; // change
    size_t queued = 0;                   // the channel's backlog now (bytes)
    bool channel_up = true;              // false: nothing is sent (a failed channel, on_down to come)

};

// X(key, meaning): what the profile must do, in order.
#define WG_SYNC_TX_ACTIONS(X) X(send, "send `frames` (one or more encoded frames) to the peer")

enum class ActionKind : uint8_t {
#define WG_X(key, meaning) key,
    WG_SYNC_TX_ACTIONS(WG_X)
#undef WG_X
};
const char* to_string(ActionKind k);

struct Action {
    ActionKind kind = ActionKind::send;
    std::vector<uint8_t> frames;
};
using Actions = std::vector<Action>;

class Sender {
  public:
    // `arp` and `stats` outlive the sender; `high_water`: the channel's
    // (Channel::kHighWater). A sender starts idle, with this device's stream
    // read from the ARP table (the profile may come after the ARP service).
    Sender(const ProfileOptions& opt, uint64_t epoch, const arp::Service& arp, ProfileStats& stats,
           size_t high_water);
    Sender(const Sender&) = delete;
    Sender& operator=(const Sender&) = delete;

    // The one transition entry point.
    Actions handle(const Event& ev, Time now);

    Phase phase() const { return Phase(phase_.index()); }
    bool serving() const { return serving_.has_value(); }
    // Serving, the initial transfer acked, the last ack's digest matched, no snapshot going out.
    bool in_sync() const;
    std::optional<Time> next_deadline() const;

    // This device's stream (both roles).
    uint64_t epoch() const { return epoch_; }
    uint64_t seen_seq() const { return seen_seq_; }
    uint64_t digest() const { return local_.digest(); }
    size_t size() const { return local_.size(); }
    bool is_replicated(uint16_t ifindex) const { return ifindex < replicated_.size() && replicated_[ifindex]; }
    const std::vector<uint8_t>& replicated() const { return replicated_; }

    // Display figures (nullopt until known).
    std::optional<uint64_t> peer_digest() const { return peer_digest_; }
    std::optional<std::chrono::nanoseconds> last_latency() const { return last_latency_; }
    std::optional<std::chrono::nanoseconds> max_latency() const { return max_latency_; }
    std::optional<uint32_t> last_snapshot_entries() const { return last_snap_entries_; }
    std::optional<std::chrono::nanoseconds> last_snapshot_time() const { return last_snap_time_; }

  private:
    struct Idle {};
    struct HelloWait {};
    struct SnapItem { // 16 bytes: the snapshot is copied, then streamed
        Ipv4 ip;
        uint16_t ifindex;
        Mac mac;
        uint16_t age_s;
        uint8_t origin;
    };
    struct Snapshot {
        std::vector<SnapItem> items;
        size_t next = 0;
        uint64_t seq = 0, digest = 0;
    };
    struct Draining {}; // a digest check once the pending keys are out
    struct Streaming {};
    // Same order as WG_SYNC_TX_PHASES.
    using PhaseState = std::variant<Idle, HelloWait, Snapshot, Draining, Streaming>;

    struct Pending {
        Time first{};   // when the key's first coalesced change was recorded (latency)
        Time expires{}; // entry expiry per its last change (age on the wire)
        uint8_t origin = 0;
        bool existed = false; // the peer holds the key already: absent now → remove
    };
    struct BatchRec {
        uint64_t seq;
        uint64_t digest; // local's digest once that seq was sent
        Time oldest;     // first record of the oldest change it carried
        bool changes;    // false: an empty batch (no latency to measure)
    };
    // One serving of a Slave, across its phases (snapshot, draining,
    // streaming); a new one at every serve.
    struct Serving {
        DenseMap<Pending> pending;
        Time pending_since{};             // first record into an empty pending map
        std::optional<Time> drain_oldest; // oldest change of a drain split over batches
        std::optional<Time> paused_at;    // backpressure stopped a send
        Time retry_at{};                  // then tick() tries again from here (on_writable may come first)
        uint64_t sent_seq = 0;            // seq of the last delta or snapshot sent
        uint64_t sync_target = 0;         // initial transfer done once acked up to here
        bool initial_done = false;
        bool ack_digest_ok = false;
        std::deque<BatchRec> unacked;
        Time next_digest{};
        std::optional<std::pair<uint64_t, Time>> snap_wait; // snapshot seq and start, until acked
        uint64_t snap_digest = 0;                           // that snapshot's digest
    };
    struct LogItem {
        uint64_t seq;
        uint64_t key; // Table::key(ifindex, ip)
    };

    void count(ProfileCounter c, uint64_t n = 1) { stats_.add(c, n); }
    void emit(); // the frame(s) in buf_ become one send action
    void enter_session(); // hello_wait when up as Master, else idle
    void stop_serving();
    void serve(Time now);
    void start_snapshot(Time now);
    bool paused(Time now);
    void pump(Time now);
    void flush(Time now);
    void send_digest_check(Time now);
    void on_ack(const wire::Message& m, Time now);
    void on_change(const arp::Change& c, Time now);
    void on_timer(Time now);
    void log_push(uint64_t seq, uint64_t key);
    void reset_log(uint64_t floor);
    void refresh_local(); // from the ARP table; the log restarts (a Slave turning Master)
    void rebuild_local(const std::vector<SnapItem>& items);

    uint32_t backup_id_;
    uint32_t batch_max_entries_, batch_max_delay_ms_, log_entries_, digest_interval_ms_, snapshot_chunk_;
    uint64_t epoch_;
    const arp::Service& arp_;
    ProfileStats& stats_;
    size_t high_water_;
    std::vector<uint8_t> replicated_; // by local ifindex: entries there are replicated

    // ---- this device's stream (both roles) ----
    Table local_;
    std::vector<LogItem> log_;   // ring once it holds log_entries_ items
    size_t log_head_ = 0;        // oldest item when full
    uint64_t log_floor_ = 0;     // the log holds every replicated change with seq > log_floor_
    uint64_t seen_seq_ = 0;      // last arp change seq seen (replicated or not)
    bool need_snapshot_ = false; // changes missed (or not kept, as Slave): the next sync must be a snapshot
    Time missed_at_{};

    // ---- the session ----
    bool up_ = false;
    bool master_ = false;
    bool peer_slave_ = false; // the peer's last hello said Slave
    uint64_t peer_held_epoch_ = 0, peer_held_seq_ = 0; // what the Slave holds (hello, then acks)
    PhaseState phase_;
    std::optional<Serving> serving_; // present in snapshot, draining, streaming

    std::optional<std::chrono::nanoseconds> last_latency_, max_latency_;
    std::optional<uint32_t> last_snap_entries_;
    std::optional<std::chrono::nanoseconds> last_snap_time_;
    std::optional<uint64_t> peer_digest_;

    size_t queued_ = 0;        // the channel's backlog plus what this handle() emitted
    bool channel_up_ = true;
    std::vector<uint8_t> buf_; // encode scratch
    Actions* out_ = nullptr;   // valid during handle() only
};

} // namespace wg::sync::tx
