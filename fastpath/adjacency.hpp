// The ARP/adjacency table of the fast path (docs/architecture.md "Tables"): key
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
//  - Neighbours on a connected subnet are also mirrored in a "direct index"
//    (one atomic word per address, see add_direct()), which the workers
//    read first; the hash stays the table of record.
//
// Thread-safety, per function: see the section comments below. "Control"
// means one thread at a time (the control lcore); "reader" means any thread
// whose RCU thread id is registered and online in Options::qsbr, as the
// workers are (docs/architecture.md "Threads": each poll reports a quiescent
// state).
#pragma once

#include "common/neighbour.hpp"
#include "config/net.hpp"

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct rte_hash;
struct rte_rcu_qsbr;
struct rte_rcu_qsbr_dq;

namespace wg::fastpath {

// Who put an entry there (common/neighbour.hpp, shared with control/arp).
using Origin = neighbour::Origin;

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

// X(key, help): the table's counters, defined once (common/counters.hpp) for the
// CLI, JSON and telemetry (see kAdjCounterInfo below).
#define WG_ADJ_COUNTERS(X)                                                                                   \
    X(added, "entries added")                                                                                \
    X(updated, "entries whose MAC, port or origin changed")                                                  \
    X(unchanged, "upserts that only refreshed an entry")                                                     \
    X(removed, "entries removed")                                                                            \
    X(full, "adds refused: table at capacity")                                                               \
    X(invalid, "upserts refused: bad IP, MAC or key")                                                        \
    X(busy, "upserts refused: every spare slot still held by readers")                                       \
    X(reclaimed, "slots freed after an RCU grace period")                                                    \
    X(direct_nomem, "direct-index allocations failed (those addresses use the hash)")

class AdjacencyTable {
  public:
    struct Options {
        std::string name;             // 1..16 characters, unique among live tables (names DPDK objects)
        uint32_t capacity = 0;        // maximum number of keys, 1..(1 << 26)
        rte_rcu_qsbr* qsbr = nullptr; // the readers' RCU variable; required, must outlive the table
        int socket_id = -1;           // NUMA socket of the table memory; -1 = SOCKET_ID_ANY
        // Tests: allocates the direct index's memory (must return zeroed
        // memory that rte_free() accepts, or nullptr to inject a failure).
        // Empty: rte_zmalloc_socket on `socket_id`.
        std::function<void*(size_t bytes)> direct_alloc = nullptr;
    };

    // What upsert() did (common/neighbour.hpp); `invalid` includes key.zero != 0.
    using Result = neighbour::UpsertResult;

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
    // Origin, port and times are left out: a `synced` entry digests like
    // the `learned` one it copies, whatever the DPDK port ids. A check of
    // the table's contents (tests); replication compares its own digests,
    // keyed by interface name (sync/table.hpp, docs/sync-protocol.md).
    uint64_t digest() const { return digest_; }
    // The per-entry term. Pure; any thread.
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

    // ---- direct index: the neighbours of a connected subnet by offset ----
    //
    // A read-side shadow of the hash for keys (ifindex, ip) with ip inside
    // the subnet registered for ifindex with add_direct(): one 64-bit word
    // per address, MAC in the low 48 bits (wire order, as memcpy'd on a
    // little-endian CPU) and the DPDK port in the top 16, 0 for "no entry"
    // (a valid entry never has a zero MAC). A worker resolves a neighbour
    // with one load instead of a hash lookup plus an entry read.
    //
    // Consistency: upsert()/remove() store the word atomically right after
    // changing the hash, so a reader sees the old or the new word, never a
    // mix, and no grace period is needed (the word is the whole answer).
    //
    // Memory: addresses are grouped in pages of 64Ki words (512 KiB). A
    // subnet of /16 or longer is one page, allocated by add_direct() (a /24
    // is 2 KiB), so the common case never allocates later. Wider subnets
    // (/8../15) get their pages lazily, on the first entry in the page's
    // range; pages live as long as the table.
    //
    // Failure: a page that could not be allocated stays absent for good
    // (never retried: entries that went into the hash meanwhile would be
    // missing from a page allocated later) and is counted in
    // `direct_nomem`. An absent page means "ask the hash" (kAskHash below),
    // so correctness never depends on memory: only that page's addresses
    // lose the fast lookup. A reader never sees a page before the word that
    // caused its allocation is in it (page published with release).
    static_assert(std::endian::native == std::endian::little, "direct words hold the MAC in the low bytes");
    static constexpr unsigned kDirectPageBits = 16;
    static constexpr unsigned kDirectMax = 16; // ifindexes 0..15
    static constexpr uint8_t kDirectMinPrefix = 8;
    static constexpr uint8_t kDirectMaxPrefix = 30;
    struct Direct {
        using Page = std::atomic<uint64_t>;
        // Never a valid word: its MAC would be ff:ff:ff:ff:ff:ff (broadcast).
        static constexpr uint64_t kAskHash = ~uint64_t{0};

        uint32_t base = 0;                   // subnet address, host order; set before `size` is published
        std::atomic<uint32_t> size{0};       // addresses; 0 = no range
        std::atomic<Page*>* pages = nullptr; // one per 64Ki addresses (at least one)

        // Readers: the word of `ip` (0 = no entry), or kAskHash when ip is
        // outside the range or its page is absent: then the hash decides.
        uint64_t lookup(uint32_t ip) const noexcept {
            const uint32_t n = size.load(std::memory_order_acquire);
            const uint32_t off = ip - base;
            if (off >= n) return kAskHash;
            const Page* page = pages[off >> kDirectPageBits].load(std::memory_order_acquire);
            if (page == nullptr) return kAskHash;
            return page[off & ((1u << kDirectPageBits) - 1)].load(std::memory_order_relaxed);
        }
        static uint16_t port_of(uint64_t word) noexcept { return uint16_t(word >> 48); }
        // The word for an entry (never 0 nor kAskHash for a valid MAC).
        static uint64_t word_of(const Mac& mac, uint16_t port_id) noexcept;
    };
    // Control. Registers the connected subnet of `ifindex` (any address in
    // it; host bits are ignored) and copies the entries already in the hash.
    // One range per ifindex, /8 to /30 (a /31 or /32 has no neighbours worth
    // indexing, wider than /8 would need too many pages). False when out of
    // range, already registered, or without memory (then counted in
    // `direct_nomem`): the ifindex simply stays with the hash. Safe while
    // readers run (`size` is published last), though the dataplane calls it
    // at interface set-up.
    bool add_direct(uint16_t ifindex, uint32_t subnet, uint8_t prefix_len);
    // Readers (and control): the range of `ifindex`; size 0 when it has none.
    const Direct& direct(uint16_t ifindex) const noexcept {
        static constexpr Direct none{};
        return ifindex < kDirectMax ? direct_[ifindex] : none;
    }

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
    void* direct_alloc(size_t bytes);
    Direct::Page* direct_new_page(uint16_t ifindex, uint32_t page_index, uint32_t size);
    void direct_store(uint16_t ifindex, uint32_t size, uint32_t off, uint64_t word);
    void direct_update(AdjKey key, uint64_t word);
    std::array<Direct, kDirectMax> direct_{};
    // Control only: per ifindex, one flag per page whose allocation failed.
    std::array<std::unique_ptr<bool[]>, kDirectMax> direct_failed_{};
    std::function<void*(size_t)> direct_alloc_hook_;
    int socket_id_ = -1;
};

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
