// Private state of sync::Profile, shared by profile.cpp (common and Master
// side), profile_rx.cpp (frames in) and profile_report.cpp (display). The
// Slave side is the receiver (receiver.hpp). Not a public header: only
// those three include it.
//
// `local` (table.hpp) is the replicated view of this device's own ARP table
// (non-static entries on replicated interfaces), kept from on_change (except
// a Slave's synced installs: need_snapshot marks it out of date). It is what
// a Master's stream describes: after the stream reached seq S, the Slave's
// received set equals `local` as of S.
#pragma once

#include "common/dense_map.hpp"
#include "sync/profile.hpp"
#include "sync/receiver.hpp"
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

    // ---- Slave side (receiver.hpp) ----------------------------------------
    rx::Receiver rx;

    // ---- display figures ---------------------------------------------------
    std::optional<std::chrono::nanoseconds> last_latency, max_latency;
    std::optional<uint32_t> last_snap_entries;
    std::optional<std::chrono::nanoseconds> last_snap_time;
    std::optional<uint64_t> peer_digest;

    wire::Message msg;        // decode scratch (vectors reused)
    std::vector<uint8_t> buf; // encode scratch

    // ---- common (profile.cpp) ----------------------------------------------
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

    // ---- frames in (profile_rx.cpp) -----------------------------------------
    void on_hello(const wire::Hello& h, uint64_t seq, Time now);
    void run(const rx::Event& ev, Time now); // the receiver's event, its actions performed
};

} // namespace wg::sync
