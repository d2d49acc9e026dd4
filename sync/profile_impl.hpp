// Private state of sync::Profile, shared by profile.cpp (common and Master
// side), profile_rx.cpp (frames in, Slave side) and profile_report.cpp (display).
// Not a public header: only those three include it.
//
// Two tables (table.hpp):
//  - local:  the replicated view of this device's own ARP table (non-static
//            entries on replicated interfaces), kept from on_change (except
//            a Slave's synced installs: need_snapshot marks it out of date). It is
//            what a Master's stream describes: after the stream reached seq S,
//            the Slave's `remote` equals `local` as of S.
//  - remote: what this device received from the peer (Slave), in local
//            ifindex numbering; `unknown` holds received entries whose
//            interface name this device lacks (never installed, but digested
//            so both sides still agree and no resync loop follows).
#pragma once

#include "common/dense_map.hpp"
#include "sync/profile.hpp"
#include "sync/table.hpp"
#include "sync/wire.hpp"

#include <array>
#include <deque>
#include <unordered_map>

namespace wg::sync {

struct Profile::Impl {
    Impl(const ProfileOptions& o, arp::Service& a, Channel& c, std::function<Time()> n);

    // ---- configuration --------------------------------------------------
    ProfileOptions opt;
    arp::Service& arp;
    Channel& ch;
    std::function<Time()> now;
    uint64_t epoch = 0;              // identifies this profile's change stream (one per instance)
    std::vector<uint8_t> replicated; // by local ifindex: entries there are replicated
    std::unordered_map<std::string, uint16_t> by_name; // local interface name → ifindex
    std::vector<wire::InterfaceName> hello_ifaces;

    Role role = Role::slave;
    ProfileStats stats;
    std::function<void(bool)> hold_cb;
    bool hold_last = false;

    // ---- this device's stream (both roles) -------------------------------
    struct LogItem {
        uint64_t seq;
        uint64_t key; // Table::key(ifindex, ip)
    };
    Table local;
    std::vector<LogItem> log;   // ring once it holds opt.log_entries items
    size_t log_head = 0;        // oldest item when full
    uint64_t log_floor = 0;     // the log holds every replicated change with seq > log_floor
    uint64_t seen_seq = 0;      // last arp change seq seen (replicated or not)
    bool need_snapshot = false; // changes missed (or not kept, as Slave): the next sync must be a snapshot
    Time missed_at{};

    // ---- session ---------------------------------------------------------
    bool up = false;
    bool peer_hello = false;
    wire::Hello peer;                         // its last hello
    uint64_t peer_hello_seq = 0;              // that hello's header seq (the peer's change seq)
    std::array<int32_t, 256> peer_to_local{}; // peer iface id → local ifindex, -1: unknown name

    // ---- Master side -----------------------------------------------------
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
    struct SnapItem { // 16 bytes: the snapshot is copied, then streamed
        Ipv4 ip;
        uint16_t ifindex;
        Mac mac;
        uint16_t age_s;
        uint8_t origin;
    };
    bool serving = false; // sending to a Slave peer in this session
    DenseMap<Pending> pending;
    Time pending_since{};             // first record into an empty pending map
    std::optional<Time> drain_oldest; // oldest change of a drain split over batches
    std::optional<Time> paused_at;    // backpressure stopped a send
    Time retry_at{};                  // then tick() tries again from here (on_writable may come first)
    uint64_t sent_seq = 0;            // seq of the last delta or snapshot sent
    uint64_t peer_held_epoch = 0, peer_held_seq = 0; // what the Slave holds (hello, then acks)
    uint64_t sync_target = 0;                        // initial transfer done once acked up to here
    bool initial_done = false;
    bool ack_digest_ok = false;
    bool check_after_drain = false; // resume: send a digest check once pending drains
    std::deque<BatchRec> unacked;
    Time next_digest{};
    struct {
        bool active = false;
        std::vector<SnapItem> items;
        size_t next = 0;
        uint64_t seq = 0, digest = 0;
        Time started{};
    } out;
    std::optional<std::pair<uint64_t, Time>> snap_wait; // snapshot seq and start, until acked

    // ---- Slave side ------------------------------------------------------
    Table remote, unknown;
    uint32_t gen = 0;     // snapshot generation (remote's tags)
    bool r_valid = false; // remote is the peer's stream up to `applied`
    uint64_t r_epoch = 0, applied = 0;
    bool synced = false;    // batch backup (or resume) completed in this session
    bool digest_ok = false; // the last comparison matched
    bool resync_outstanding = false;
    Time resync_retry_at{}; // a Slave repeats an unanswered resync request from then on
    struct {
        bool active = false;
        uint64_t seq = 0, epoch = 0;
        uint32_t expected = 0, received = 0;
        size_t held_before = 0; // remote + unknown entries at snapshot_begin (0: nothing can be stale)
        Time started{};
    } in;

    // ---- display figures ---------------------------------------------------
    std::optional<std::chrono::nanoseconds> last_latency, max_latency;
    std::optional<uint32_t> last_snap_entries;
    std::optional<std::chrono::nanoseconds> last_snap_time;
    std::optional<uint64_t> peer_digest;

    wire::Message msg;        // decode scratch (vectors reused)
    std::vector<uint8_t> buf; // encode scratch

    // ---- common (profile.cpp) ----------------------------------------------
    uint64_t remote_digest() const { return remote.digest() + unknown.digest(); }
    size_t remote_size() const { return remote.size() + unknown.size(); }
    bool is_replicated(uint16_t ifindex) const { return ifindex < replicated.size() && replicated[ifindex]; }
    // arp::Service::set_slave(on) for every replicated interface (the Slave
    // installs what the Master decides; profile.hpp "Role").
    void follow(bool on);
    void count(ProfileCounter c, uint64_t n = 1) { stats.add(c, n); }
    bool send(const wire::Message& m);
    wire::Message header(wire::Type t, uint64_t seq) const;
    void send_hello();
    void log_push(uint64_t seq, uint64_t key);
    void reset_log(uint64_t floor);
    void end_session();
    void update_hold();
    bool hold() const;
    void fail(std::string reason);

    // ---- Master (profile.cpp) ---------------------------------------------
    void serve(Time now);
    void stop_serving();
    void start_snapshot(Time now);
    bool paused(Time now); // above the channel's high-water mark (counted once per pause)
    void pump(Time now);   // snapshot frames, then pending deltas, while under high water
    void flush(Time now);
    void send_digest_check(Time now);
    void on_ack(uint64_t seq, const wire::Ack& a, Time now);
    void rebuild_local(); // from out.items
    void refresh_local(); // from the ARP table; the log restarts (a Slave turning Master)

    // ---- frames in, Slave (profile_rx.cpp) ------------------------------------
    void on_hello(const wire::Hello& h, uint64_t seq, Time now);
    void map_peer_interfaces();
    void on_snapshot_begin(uint64_t seq, const wire::SnapshotBegin& b, Time now);
    void on_snapshot_entries(const wire::Batch& b, Time now);
    void on_snapshot_end(uint64_t seq, const wire::SnapshotEnd& e, Time now);
    void on_delta(uint64_t seq, const wire::Batch& b, Time now);
    void on_digest_check(uint64_t seq, const wire::DigestCheck& d);
    void apply_all(const std::vector<wire::Entry>& es, Time now); // apply() each, prefetching ahead
    void apply(const wire::Entry& e, Time now);
    void request_resync(wire::ResyncReason why, bool force = false);
    void send_ack();
    void drop_remote(); // becoming Master: the local table will diverge from `remote`
};

} // namespace wg::sync
