// The neighbour service of the control core (docs/architecture.md "ARP"):
// learns ARP from punted frames, answers for the interface addresses and the
// VIPs of Master groups, resolves `arp_miss` next hops, ages entries with
// refresh probes, installs the remote-backup peer's entries, and is the one
// writer of the fast-path adjacency table (through AdjacencyStore). Pure: no
// DPDK, no sockets, no clock; `now` comes with every call (Envoy-style), so
// tests drive it with made-up instants and never sleep.
//
// Rules (each outcome has a counter, counters.hpp; docs/config.md "arp"):
//  - Claims on our addresses (RFC 5227 §2.4): a frame whose sender is our
//    interface address from another MAC, or an active VIP from another MAC
//    than the virtual one, is counted (address_conflict), never learned, and
//    answered with one gratuitous ARP for that address (at most one per
//    address per `defend_interval_ms`). A VIP is defended only by its
//    Master; as Backup, frames from a VIP are the Master's (vip_sender_ignored).
//    A frame with our port MAC as sender is counted, not answered.
//  - Learning, the RFC 826 merge rule (`learning: rfc826`, the default): a
//    frame from a sender we hold updates its entry (same MAC: confirmed; new
//    MAC: the `mac_move` policy below); a new entry is created only when we
//    are the target: the frame's target IP is the interface address or a
//    VIP of the interface (request or reply; RFC 826 "Am I the target
//    protocol address?"), or it answers a request of ours. Requests between
//    two other hosts and gratuitous ARPs of unknown hosts create nothing
//    (learn_not_for_us). `learning: strict` (VRP `arp learning strict`):
//    only replies to our own outstanding requests (a resolution, a refresh
//    probe, a move verification) create, confirm or move entries; other
//    frames only count (learn_unsolicited), though they still prove a host
//    alive during a move verification. Senders must be hosts of the
//    interface's subnet (not its network or broadcast address). Probes
//    (sender 0.0.0.0) are never learned. Static entries never change.
//  - New entries (learned, not synced or static) are capped per interface
//    (`max_per_interface`, entries of every origin counted) and, unless they
//    answer a request of ours (bounded by our own request budget), by rate:
//    at most `learn_per_source_per_s` per sender MAC and `learn_per_s` in
//    all (token buckets one second deep). Each refusal has its counter.
//  - MAC moves (`mac_move`): `verify` (default; VRP `arp anti-attack
//    entry-check send-ack`): the entry keeps its MAC, a unicast request for
//    its IP goes to the old MAC (again at half the window, so one lost frame
//    does not move a live host), and the move is taken only when the old MAC
//    stays silent for `verify_ms`; any frame from (IP, old MAC) meanwhile
//    refuses it (mac_move_refused). A third MAC claiming the address
//    meanwhile contests it: if the old MAC stays silent, neither claimant is
//    believed and the entry is removed (the next miss resolves it afresh).
//    With no request budget, or `max_pending` verifications in progress, the
//    claim is refused (mac_move_unverifiable); the host's next frame tries
//    again. `fixed-mac`: a learned or synced entry never moves (aging or
//    deletion frees it). `none`: taken at once. Static entries never move.
//  - Synced entries (install_synced) are the Master's decisions: no learning
//    mode, move policy, limit or rate applies to the install; local frames
//    about them follow the rules above (the same MAC makes the entry
//    first-hand, a new MAC is a move) unless the interface is a Slave's
//    (below).
//  - Slave of a remote-backup profile (set_slave; sync::Profile calls it
//    for the interfaces it replicates while its tracked VRRP group is not
//    Master, session up or not): the Master decides the interface's
//    entries and replication installs them (install_synced), so a flood or
//    a spoofer on the LAN cannot fill or poison the table the Backup
//    forwards with once it takes over. LAN ARP there creates no entry
//    (learn_skipped_slave; counted where a Master would go on to its
//    limits) except an answer to a request of ours (a forwarding miss or a
//    next hop this device resolves itself: nobody else will, and our
//    request budget bounds them), and moves none (move_skipped_slave;
//    verifications in progress end when the interface turns Slave: the
//    Master verifies, and its decision arrives as an install). A frame with
//    the MAC we hold still confirms the entry (it changes no binding, and
//    keeps a live host from ageing out between the Master's updates); a
//    synced entry stays synced, so the Master's delete still removes it.
//    Answering, the defence of our own addresses, static entries and aging
//    are unchanged. set_slave(false) (becoming Master) restores learning
//    from the next frame: the learning budgets were not spent meanwhile.
//  - Link down (flush_interface): learned entries of the interface are
//    removed (the host may be elsewhere when the link is back, and the fast
//    path must not forward into a dead port with them); static and synced
//    entries stay: the synced ones are the peer's table, which replication
//    keeps current and compares by digest (removing them would leave this
//    device cold after the link returns, with nothing to repair it).
//  - Answering (RFC 826): a request (probe included, not a gratuitous ARP)
//    for the interface address gets a reply from the port MAC; for a VIP,
//    from the virtual MAC when VipResolver says the group is Master, else
//    silence (RFC 5798 §6.4.2); VIPs are checked first, so an address owner
//    answers its own address from the virtual MAC. Replies go to the sender MAC.
//  - Resolution: on_miss() starts a resolution: a broadcast request at once,
//    then one every `retrans_ms` until `max_retries` went unanswered; then
//    ResolveListener::on_resolved(false) and the target is "failed" for
//    `fail_hold_s` (misses dropped, no request storm). An answer (any frame
//    that creates the entry) reports on_resolved(true).
//  - Aging: a learned entry expires `age_s` after its last confirmation. From
//    `probe_before_s` before that, `probes` unicast probes go to its MAC,
//    spread evenly over the window (default 60 s / 3: at -60 s, -40 s, -20 s;
//    at least `retrans_ms` apart), so a host that is briefly deaf gets three
//    chances a minute apart instead of three within 3 s. The entry is removed
//    only `spacing` after the last probe, i.e. at the nominal expiry when the
//    rate cap did not delay the probes. Any frame from the host in between
//    confirms it (back to reachable). States: reachable → stale (due for a
//    probe, waiting for the global rate budget) → probe → removed.
//  - Synced entries (install_synced, from the remote-backup peer): expire at
//    now + age_remaining_s minus a deterministic per-key jitter of up to
//    min(synced_spread_s, age_remaining_s / 2), never later than the peer
//    would, then go through the same probing as learned ones. So a batch of
//    1M entries with equal ages does not probe (nor expire) in one instant,
//    and after a switchover the new Master refreshes them with its own aging.
//    Both devices age their copies; the Master's deletes arrive through
//    remove_synced(), which spares entries this device has confirmed itself.
//  - Replicas: a remote-backup Slave's received set (sync/receiver.hpp)
//    lives in the entries that hold it: install_replica marks the entry
//    with the receiver's tag (its snapshot generation) when the entry holds
//    the received MAC afterwards (installed, or first-hand with that MAC).
//    The mark goes with remove_replica, and whenever this device's own rules
//    take the entry away or change its MAC (aging, probing, a move, a static
//    entry, a link flush, a failed busy retry, a plain remove_synced): the
//    receiver that claimed the marks hears it (ReplicaListener) and keeps
//    that entry apart. One receiver per service holds marks (claim_replicas);
//    another keeps its whole set apart. Costs nothing per entry but the
//    4-byte mark.
//  - Rate: requests and probes this device originates share one global
//    budget (`requests_per_s`, burst `request_burst`); misses go first.
//    Replies are not capped (the fast path's punt limiter bounds what we
//    answer; VRRP sends and paces its own GARPs, control/vrrp/service.cpp).
//  - Table writes: the store's answer decides. added/updated: the change is
//    published. full/invalid: counted, nothing else changes. busy: the
//    control entry keeps its new state and the write is retried on the next
//    tick (bounded retry queue: on overflow the write is dropped, counted;
//    a retry the table then refuses as full removes the entry).
//
// Cost: tick() is O(items due), not O(table): every entry has at most one
// live item in a deadline heap (a refresh moves its deadline later lazily:
// the old item fires early and re-arms once). Memory: ~96 bytes per entry
// (dense value 64 + index 16 at half load + heap item 16), ~96 MB for 1M
// entries, in huge pages where the kernel has them (common/dense_map.hpp).
//
// Thread-safety: control lcore only, every function. Listeners are called
// synchronously from the call that caused them and must not call the
// service's mutating functions (reading is fine).
#pragma once

#include "common/big_alloc.hpp"
#include "common/dense_map.hpp"
#include "common/log_limit.hpp"
#include "common/neighbour.hpp"
#include "config/net.hpp"
#include "control/arp/codec.hpp"
#include "control/arp/counters.hpp"
#include "control/arp/options.hpp"
#include "control/frame_io.hpp"
#include "control/report.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <queue>
#include <string>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace wg::arp {

// Same clock as control/vrrp/time.hpp and the event loop.
using Time = std::chrono::steady_clock::time_point;
using Duration = std::chrono::nanoseconds;

// Who put an entry there: the fast-path table's type (common/neighbour.hpp).
using Origin = neighbour::Origin;

enum class State : uint8_t {
    reachable,    // learned, confirmed less than age_s - probe_before_s ago
    stale,        // due for a probe, waiting for the global request budget
    probe,        // refresh probes sent, no answer yet
    static_entry, // from config: never aged, never overwritten by learning
    synced,       // installed from the remote-backup peer, not yet probed
};

const control::NameDesc& state_desc(State s);
const control::NameDesc& origin_desc(Origin o);

// The fast-path table as the service writes it. The appliance implements it
// over fastpath::AdjacencyTable (ifindex → port id, Time → ns); tests use a map.
class AdjacencyStore {
  public:
    // The fast-path table's own outcome (common/neighbour.hpp).
    using Result = neighbour::UpsertResult;

    virtual ~AdjacencyStore() = default;
    virtual Result upsert(uint16_t ifindex, Ipv4 ip, const Mac& mac, Origin origin, Time now) = 0;
    // False when the key was absent.
    virtual bool remove(uint16_t ifindex, Ipv4 ip) = 0;
    virtual uint32_t size() const = 0;
    virtual uint32_t capacity() const = 0;
    // A hint that (ifindex, ip) is written soon (a batch of synced entries):
    // start fetching its slot. Default: nothing.
    virtual void prefetch(uint16_t /*ifindex*/, Ipv4 /*ip*/) const {}
};

// One change of the table, published after the store applied it, in order.
struct Change {
    enum class Kind : uint8_t { add, update, remove };
    uint64_t seq = 0; // 1, 2, 3, ... per service (align a for_each snapshot with the deltas)
    Kind kind = Kind::add;
    uint16_t ifindex = 0;
    Ipv4 ip;
    Mac mac; // remove: the MAC the entry had
    Origin origin = Origin::learned;
    uint32_t age_remaining_s = 0; // until expiry (rounded up); 0 for static entries and removals
};
const char* to_string(Change::Kind k);

// Replication (sync/) listens here.
class ChangeListener {
  public:
    virtual ~ChangeListener() = default;
    virtual void on_change(const Change& c) = 0;
};

// The remote-backup receiver that claimed the marks listens here ("Replicas").
class ReplicaListener {
  public:
    virtual ~ReplicaListener() = default;
    // The marked entry (ifindex, ip), received with `mac` in generation
    // `tag`, left the table, took another MAC or became static by this
    // device's own rules: the mark is gone.
    virtual void on_replica_lost(uint16_t ifindex, Ipv4 ip, const Mac& mac, uint32_t tag) = 0;
};

// Whoever holds packets for a next hop (the punt handler) listens here.
class ResolveListener {
  public:
    virtual ~ResolveListener() = default;
    // ok: the entry is in the table now (re-inject the held packets);
    // !ok: max_retries requests went unanswered (drop them).
    virtual void on_resolved(uint16_t ifindex, Ipv4 ip, bool ok) = 0;
};

// What for_each()/find() show of one entry.
struct EntryView {
    uint16_t ifindex = 0;
    Ipv4 ip;
    Mac mac;
    Origin origin = Origin::learned;
    State state = State::reachable;
    Time learned{};              // created (or installed)
    Time confirmed{};            // last frame from the host (or install)
    std::optional<Time> expires; // none for static entries
    uint8_t probes_sent = 0;
    bool in_table = false; // false while a busy write waits for its retry
};

// What the holder of packets should do after a miss.
enum class MissAction : uint8_t {
    hold,     // resolution in progress: keep them until on_resolved()
    resolved, // the entry is in the table already: re-inject now
    drop,     // cannot resolve (failed recently, not on a subnet, too many pending)
};

// Outcome of the administrative writes.
enum class Status : uint8_t {
    ok,                // applied (or nothing to change)
    unknown_interface, // ifindex not added
    refused,           // a rule said no (own address, static entry, first-hand entry)
    full,              // table_full
    invalid,           // table_invalid
    busy,              // queued for retry on tick
};
const char* to_string(Status s);

// install_replica's outcome.
struct ReplicaInstall {
    Status status = Status::ok;
    bool held = false;      // the entry holds the received MAC and carries the mark now
    std::optional<Mac> was; // the MAC it was marked with before the call (that mark is gone)
};

class Service {
  public:
    Service(const Options& options, AdjacencyStore& store, control::FrameSink& frames,
            const control::VipResolver* vips = nullptr);
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    void set_change_listener(ChangeListener* l) { changes_ = l; }
    void set_resolve_listener(ResolveListener* l) { resolves_ = l; }
    // Where the rate-limited lines about conflicts and refused moves go
    // (default: wg::log_write, stderr); tests capture them.
    void set_logger(void (*sink)(std::string_view line)) { log_ = sink; }

    // Adds or replaces an interface (by ifindex).
    void add_interface(const control::InterfaceInfo& info);
    // Link down: removes the learned entries of `ifindex` (link_down_flushed)
    // and fails its resolutions; static and synced entries stay (see
    // "Rules"). O(table): an administrative event.
    void flush_interface(uint16_t ifindex, Time now);

    // Remote backup: while this device is the Slave of a profile that
    // replicates `ifindex`, the Master decides its entries (see "Rules").
    // One set_slave(ifindex, true) per such profile, each undone by one
    // set_slave(ifindex, false); the interface is a Slave's while any holds.
    void set_slave(uint16_t ifindex, bool slave);
    bool slave(uint16_t ifindex) const { return ifindex < slave_refs_.size() && slave_refs_[ifindex] != 0; }

    // A punted ARP frame received on `ifindex`.
    void on_frame(uint16_t ifindex, std::span<const uint8_t> frame, Time now);
    // The fast path missed (ifindex, ip) (docs/architecture.md "Packet paths"
    // step 7: counted as arp_miss, punted as `resolve`).
    MissAction on_miss(uint16_t ifindex, Ipv4 ip, Time now);
    // Timers, busy retries, rate-limited sends. Call at least every 100 ms.
    void tick(Time now);

    // `arp_static` from the config. Replaces a learned or synced entry.
    Status add_static(uint16_t ifindex, Ipv4 ip, const Mac& mac, Time now);
    // Removes a static entry; false when absent or not static. No production
    // caller (configuration reload is not supported): tests/sync's forget()
    // uses it to take one host out of a Master's replicated set.
    bool remove_static(uint16_t ifindex, Ipv4 ip, Time now);
    // From the remote-backup peer (batch or real time). Static entries and
    // first-hand entries with the same MAC are kept (refused / ok).
    Status install_synced(uint16_t ifindex, Ipv4 ip, const Mac& mac, uint32_t age_remaining_s, Time now) {
        return install_replica(ifindex, ip, mac, age_remaining_s, 0, now).status;
    }
    // Removes a synced entry; false when absent or not synced (first-hand or static).
    bool remove_synced(uint16_t ifindex, Ipv4 ip, Time now);
    // Replicas (see "Rules"). claim_replicas: false when another listener
    // holds the marks; release_replicas takes every mark off.
    bool claim_replicas(ReplicaListener* l);
    void release_replicas(ReplicaListener* l);
    // install_synced that marks the entry with `tag` (the claimer's, != 0)
    // when it holds `mac` afterwards; tag 0: a plain install.
    ReplicaInstall install_replica(uint16_t ifindex, Ipv4 ip, const Mac& mac, uint32_t age_remaining_s,
                                   uint32_t tag, Time now);
    // remove_synced for the claimer: returns the MAC the entry was marked
    // with (the mark goes); the entry goes too when still synced (`removed`).
    std::optional<Mac> remove_replica(uint16_t ifindex, Ipv4 ip, Time now, bool& removed);
    // f(ifindex, ip, mac, tag) for every marked entry, in no order.
    template <class F>
    void for_each_replica(F&& f) const {
        for (const auto& [key, e] : entries_)
            if (e.replica != 0) f(key_ifindex(key), key_ip(key), e.mac, e.replica);
    }
    // A hint a few entries ahead of install_synced()/remove_synced() in a
    // batch: fetches the key's slots (ours and the store's) meanwhile.
    void prefetch(uint16_t ifindex, Ipv4 ip) const {
        entries_.prefetch(make_key(ifindex, ip));
        store_.prefetch(ifindex, ip);
    }

    std::optional<EntryView> find(uint16_t ifindex, Ipv4 ip) const;
    // f(const EntryView&) for every entry the table holds (the batch-backup
    // snapshot; seq() tells which deltas it already contains), in the order
    // of the entry table's hash: a peer whose tables hash keys the same way
    // (DenseMap) then inserts them nearly sequentially.
    template <class F>
    void for_each(F&& f) const {
        entries_.for_each_by_hash([&](const auto& kv) {
            if (kv.second.in_store) f(static_cast<const EntryView&>(view(kv.first, kv.second)));
        });
    }
    size_t size() const { return entries_.size(); }
    // Room for `n` entries without rehashing (a batch backup announces its
    // size: 1M inserts into a growing table rehash ~20 times).
    // Bounded by the store's capacity: what the table cannot take needs no room.
    void reserve(size_t n) { entries_.reserve(std::min<size_t>(n, store_.capacity())); }
    size_t pending() const { return pending_.size(); }
    uint64_t seq() const { return seq_; }

    const Options& options() const { return opt_; }
    const Stats& stats() const { return stats_; }
    const RxStats& rx_stats() const { return rx_; }

    // `display arp [interface NAME]`: VRP-like table sorted by interface and
    // IP, the interfaces' own addresses as type I, then totals. An unknown
    // NAME gives an "Error:" message and no rows.
    control::Report report(Time now, std::string_view interface = {}) const;
    // `display statistics`: adds the section "arp" (table size, counters).
    void add_statistics(control::Report& r) const;
    control::Report report_statistics() const;

  private:
    struct Entry {
        Time learned{}, confirmed{}, expires{}, due{}, heap_time{};
        Mac mac;
        Origin origin = Origin::learned;
        State state = State::reachable;
        uint8_t probes_sent = 0;
        bool in_heap : 1 = false;      // one live heap item, at heap_time (<= due)
        bool probe_queued : 1 = false; // in probe_q_ waiting for the budget
        bool in_store : 1 = false;     // the store holds the key (and the listener knows it)
        bool retry : 1 = false;        // in retry_q_ after `busy`
        uint32_t replica = 0;          // the receiver's mark ("Replicas"); 0: none
    };
    struct Pending {
        Time heap_time{};
        uint8_t requests = 0;
        bool failed = false;
        bool in_heap = false;
        bool send_queued = false;
    };
    struct Verify { // a MAC move waiting for the old MAC to answer (mac_move verify)
        Mac candidate;
        Time started{}, next{}; // next: when the heap item fires (second request, then the decision)
        uint8_t requests = 0;
        bool contested = false; // a third MAC claimed the address meanwhile
    };
    struct SourceSlot { // learn_per_source_per_s, one token bucket per sender MAC (direct-mapped)
        Mac mac;
        Time tat{};
    };
    struct Item {
        Time at;
        uint64_t key; // kPendingBit: a resolution, else an entry
        bool operator>(const Item& o) const { return at > o.at; }
    };

    static constexpr uint64_t kPendingBit = 1ull << 63;
    static constexpr uint64_t kVerifyBit = 1ull << 62;
    static constexpr size_t kSourceSlots = 4096; // sender MACs tracked by the per-source rate
    static constexpr Time kNever = Time::max(); // no deadline (static entries, queued probes)
    static uint64_t make_key(uint16_t ifindex, Ipv4 ip) { return uint64_t(ifindex) << 32 | ip.value; }
    static uint16_t key_ifindex(uint64_t k) { return uint16_t(k >> 32); }
    static Ipv4 key_ip(uint64_t k) { return Ipv4{uint32_t(k)}; }

    const control::InterfaceInfo* iface(uint16_t ifindex) const;
    static bool host_of(const control::InterfaceInfo& i, Ipv4 ip);
    EntryView view(uint64_t key, const Entry& e) const;

    void learn(const control::InterfaceInfo& i, const Packet& p, Time now);
    bool claims_ours(const control::InterfaceInfo& i, const Packet& p, Time now);
    void defend(const control::InterfaceInfo& i, Ipv4 ip, const Mac& mac, const Mac& claimant, Time now);
    bool solicited(const control::InterfaceInfo& i, const Packet& p, uint64_t key) const;
    bool targets_us(const control::InterfaceInfo& i, const Packet& p) const;
    void create(const control::InterfaceInfo& i, const Packet& p, uint64_t key, bool asked, Time now);
    void refresh(uint64_t key, Entry& e, Time now);
    void move(const control::InterfaceInfo& i, uint64_t key, Entry& e, const Mac& mac, Time now);
    bool apply_move(uint64_t key, Entry& e, const Mac& mac, Time now);
    void verify_due(uint64_t key, Verify& v, Time now);
    bool send_verify(uint64_t key, const Mac& old_mac, Time now);
    bool source_budget(const Mac& mac, Time now);
    void erase_entry(uint64_t key);
    void lose_replica(uint64_t key, const Mac& mac, uint32_t tag); // tells the claimer
    void unmark(uint64_t key, uint32_t tag, ReplicaInstall& r);
    uint32_t& iface_entries(uint16_t ifindex);
    static bool gcra(Time& tat, Time now, uint32_t per_s, uint32_t burst);
    // One line per reason per second (common/log_limit.hpp); `line()` only
    // runs when the line is printed, so a flood costs no string building.
    template <class F>
    void log(std::string_view reason, Time now, F&& line) {
        uint64_t suppressed = 0;
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
        if (!log_ || !log_limit_.allow(reason, uint64_t(ns), suppressed)) return;
        std::string text = line();
        if (suppressed) text += " (" + std::to_string(suppressed) + " similar suppressed)";
        log_(text);
    }
    void answer(const control::InterfaceInfo& i, const Packet& p);
    Status store(uint64_t key, Entry& e, Time now);
    void remove_entry(uint64_t key, Time now);
    void publish(Change::Kind kind, uint64_t key, const Entry& e, Time now);
    void confirm(uint64_t key, Entry& e, Time now);
    void set_synced_deadline(uint64_t key, Entry& e, uint32_t age_remaining_s, Time now);
    void schedule(uint64_t key, Entry& e, Time due);
    void entry_due(uint64_t key, Entry& e, Time now);
    void resolve_pending(uint64_t key, bool ok);
    void schedule_pending(uint64_t key, Pending& p, Time at);
    void pending_due(uint64_t key, Pending& p, Time now);
    void drain(Time now);
    void retry_busy(Time now);
    bool take_budget(Time now);
    bool send(uint16_t ifindex, const Packet& p);

    Options opt_;
    Duration age_, probe_before_, spacing_, retrans_, fail_hold_;
    AdjacencyStore& store_;
    control::FrameSink& frames_;
    const control::VipResolver* vips_;
    ChangeListener* changes_ = nullptr;
    ReplicaListener* replicas_ = nullptr;
    ResolveListener* resolves_ = nullptr;
    std::vector<control::InterfaceInfo> ifaces_;

    DenseMap<Entry> entries_; // hold keys, not references, across inserts and erasures
    std::unordered_map<uint64_t, Pending> pending_;
    using Heap = std::priority_queue<Item, std::vector<Item, BigAllocator<Item>>, std::greater<Item>>;
    Heap heap_;
    std::deque<uint64_t> urgent_q_; // resolutions waiting for the budget (first)
    std::deque<uint64_t> probe_q_;  // probes waiting for the budget
    std::deque<uint64_t> retry_q_;  // busy writes
    Time tat_{};                    // GCRA theoretical arrival time of the request budget
    Time learn_tat_{};              // ... of learn_per_s
    std::vector<SourceSlot> sources_; // learn_per_source_per_s (empty when 0)
    std::unordered_map<uint64_t, Verify> verifying_; // at most max_pending
    std::unordered_map<uint64_t, Time> defended_;     // (ifindex, own address or VIP) → last GARP
    std::vector<uint32_t> iface_entries_;             // entries per ifindex (all origins)
    std::vector<uint16_t> slave_refs_;                // set_slave(true) calls per ifindex not undone
    Duration verify_, defend_interval_;
    LogLimiter log_limit_;
    void (*log_)(std::string_view line) = nullptr;
    uint64_t seq_ = 0;
    Stats stats_;
    RxStats rx_;
};

} // namespace wg::arp
