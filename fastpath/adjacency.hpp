// The ARP/adjacency table of the fast path (DESIGN "Tables"): key
// (ifindex, IPv4) → (MAC, DPDK port, origin). Workers resolve next hops out
// of it in bulk, lock-free; the control lcore is its single writer (ARP
// learning, static entries, and the Slave's replicated entries from sync/).
//
// How it stays lock-free for readers:
//  - rte_hash with RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF maps a key to the
//    index of an AdjEntry in an array; readers follow the index.
//  - An AdjEntry is immutable while reachable. An update fills a fresh slot
//    and swaps the key's data atomically (rte_hash_add_key_data); a delete
//    unlinks the key. The old slot (and a deleted key's hash position) is
//    only reused after every reader registered with the RCU variable has
//    reported a quiescent state (rte_rcu_qsbr defer queue). A reader never
//    sees a torn or recycled entry.
//
// Thread-safety, per function: see the section comments below. "Control"
// means one thread at a time (the control lcore); "reader" means any thread
// whose RCU thread id is registered and online in Options::qsbr, as the
// workers are (DESIGN "Threads": each loop reports a quiescent state).
#pragma once

#include "config/net.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct rte_hash;
struct rte_rcu_qsbr;
struct rte_rcu_qsbr_dq;

namespace wg::fastpath {

// Who put an entry there. The table stores it; policy (e.g. whether a
// learned entry may replace a static one) belongs to the caller.
enum class Origin : uint8_t {
    learned = 0,      // ARP learned by this device
    synced = 1,       // replicated from the Master (remote backup, seed "ARP hot backup")
    static_entry = 2, // arp_static in the config
};
const char* to_string(Origin origin) noexcept;

// Lookup key. `ip` in host byte order. The whole 8 bytes are hashed and
// compared, so `zero` must be 0 (upsert() rejects anything else).
struct AdjKey {
    uint32_t ip;
    uint16_t ifindex;
    uint16_t zero = 0;

    friend constexpr bool operator==(const AdjKey&, const AdjKey&) = default;
};
static_assert(sizeof(AdjKey) == 8);

// What workers read: one 16-byte, 16-byte-aligned record per slot. Never
// written while a reader can reach it, so a reader's copy is never torn.
struct alignas(16) AdjEntry {
    Mac mac;
    uint16_t port_id;
    uint16_t ifindex;
    Origin origin;
    uint8_t pad;
    uint32_t ip; // host byte order
};
static_assert(sizeof(AdjEntry) == 16 && alignof(AdjEntry) == 16);

// Control-side view of an entry (times are the caller's clock, see upsert()).
struct AdjInfo {
    AdjEntry entry;
    uint64_t updated_ns; // last upsert of this key, including unchanged ones
    uint64_t created_ns; // first upsert since the key was last absent
};

// X(key, help): the table's counters, defined once (STYLE rule 5) for the
// CLI, JSON and telemetry (see kAdjCounterInfo below).
#define WG_ADJ_COUNTERS(X)                                                                                   \
    X(added, "entries added")                                                                                \
    X(updated, "entries whose MAC, port or origin changed")                                                  \
    X(unchanged, "upserts that only refreshed an entry")                                                     \
    X(removed, "entries removed")                                                                            \
    X(full, "adds refused: table at capacity")                                                               \
    X(invalid, "upserts refused: bad IP, MAC or key")                                                        \
    X(busy, "upserts refused: every spare slot still held by readers")                                       \
    X(reclaimed, "slots freed after an RCU grace period")

class AdjacencyTable {
  public:
    struct Options {
        std::string name;             // 1..16 characters, unique among live tables (names DPDK objects)
        uint32_t capacity = 0;        // maximum number of keys, 1..(1 << 26)
        rte_rcu_qsbr* qsbr = nullptr; // the readers' RCU variable; required, must outlive the table
        int socket_id = -1;           // NUMA socket of the table memory; -1 = SOCKET_ID_ANY
    };

    enum class Result : uint8_t {
        added,     // new key
        updated,   // existing key, new MAC/port/origin published
        unchanged, // existing key, same MAC/port/origin: only updated_ns refreshed
        full,      // new key but size() == capacity(): nothing changed
        invalid,   // ip 0/multicast/broadcast, MAC zero/multicast/broadcast, or key.zero != 0
        busy,      // every spare slot waits for readers to quiesce: retry after reclaim()
    };

    struct Counters {
#define WG_X(key, help) uint64_t key = 0;
        WG_ADJ_COUNTERS(WG_X)
#undef WG_X
    };

    // Control, before or after readers run (EAL initialised). Returns nullptr
    // and a message in `error` on bad options or lack of memory. Memory:
    // up to ~115 bytes of DPDK memory per unit of capacity, plus ~20 of heap
    // (adjacency.cpp).
    static std::unique_ptr<AdjacencyTable> create(const Options& options, std::string& error);

    // Control. Blocks until every online reader has passed a quiescent state
    // if deferred frees are still pending: stop or offline the readers first.
    ~AdjacencyTable();
    AdjacencyTable(const AdjacencyTable&) = delete;
    AdjacencyTable& operator=(const AdjacencyTable&) = delete;

    // ---- control only (the single writer); never blocks ----

    // Adds or replaces the entry of `key`. `now_ns` is the caller's clock
    // (injected so tests need no real time).
    Result upsert(AdjKey key, const Mac& mac, uint16_t port_id, Origin origin, uint64_t now_ns);
    // Deletes `key`; false when it was absent.
    bool remove(AdjKey key);
    std::optional<AdjInfo> find(AdjKey key) const;
    // f(const AdjInfo&) once per entry, in no particular order. `f` must
    // not modify the table.
    template <class F>
    void for_each(F&& f) const {
        uint32_t cursor = 0;
        AdjInfo info;
        while (next(cursor, info)) f(static_cast<const AdjInfo&>(info));
    }
    uint32_t size() const { return size_; }
    uint32_t capacity() const { return capacity_; }

    // Order-independent digest of the set {(ifindex, ip, mac)}: the sum
    // mod 2^64 of entry_digest() over all entries, kept incrementally, O(1).
    // Origin, port and times are left out on purpose: the Slave's `synced`
    // entries must digest equal to the Master's `learned` ones, and DPDK
    // port ids need not match between the two devices (DESIGN "Remote
    // backup": digests compared in heartbeats).
    uint64_t digest() const { return digest_; }
    // The per-entry term. Part of the sync protocol: never change it
    // without a protocol version bump. Pure; any thread.
    static uint64_t entry_digest(uint16_t ifindex, uint32_t ip, const Mac& mac) noexcept;

    Counters counters() const { return counters_; }
    // Slots and hash positions waiting for a grace period.
    uint32_t pending() const { return pending_; }
    // Frees whatever deferred slots every reader is done with. Non-blocking;
    // call it from the control loop's tick. upsert() also calls it before
    // answering `busy`.
    void reclaim();

    // ---- readers: lock-free, no allocation, no syscalls ----
    // A returned pointer stays valid (and its entry unchanged) until the
    // calling thread next reports a quiescent state or goes offline. Lock-free,
    // not wait-free: rte_hash retries a lookup that raced with the writer
    // moving a key between buckets (rare, bounded by the writer's rate).
    // The control thread may call them too: it never frees under itself.

    // nullptr on a miss.
    const AdjEntry* lookup(AdjKey key) const noexcept;
    // Looks up keys[0..n) (n <= 64; more are ignored); out[i] is the entry
    // or nullptr. Returns the hit mask (bit i set: out[i] != nullptr).
    uint64_t lookup_bulk(const AdjKey* keys, unsigned n, const AdjEntry** out) const noexcept;

    static constexpr unsigned kBulkMax = 64;

  private:
    struct Meta {
        uint64_t created_ns;
        uint64_t updated_ns;
    };
    struct Deferred; // a defer-queue element

    AdjacencyTable() = default;
    bool next(uint32_t& cursor, AdjInfo& out) const;
    bool take_slot(uint32_t& slot);
    void defer(uint32_t slot, int32_t key_position);
    static void free_deferred(void* table, void* element, unsigned n);

    std::string name_;
    uint32_t capacity_ = 0;
    uint32_t pool_size_ = 0; // capacity_ + slack for updates while entries wait for readers
    rte_hash* hash_ = nullptr;
    AdjEntry* entries_ = nullptr;      // pool_size_ slots, rte_zmalloc'ed, read by workers
    std::unique_ptr<Meta[]> meta_;     // per slot, control only
    std::unique_ptr<uint32_t[]> free_; // stack of free slot indexes
    uint32_t free_top_ = 0;
    rte_rcu_qsbr* qsbr_ = nullptr;
    rte_rcu_qsbr_dq* dq_ = nullptr;
    uint32_t size_ = 0;
    uint32_t pending_ = 0;
    uint64_t digest_ = 0;
    Counters counters_;
};

const char* to_string(AdjacencyTable::Result result) noexcept;

struct AdjCounterInfo {
    std::string_view key;
    std::string_view help;
    uint64_t AdjacencyTable::Counters::*field;
};
inline constexpr std::array kAdjCounterInfo{
#define WG_X(key, help) AdjCounterInfo{#key, help, &AdjacencyTable::Counters::key},
    WG_ADJ_COUNTERS(WG_X)
#undef WG_X
};

} // namespace wg::fastpath
