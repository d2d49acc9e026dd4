#include "fastpath/adjacency.hpp"

#include "common/hash.hpp"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <new>

// Memory, per unit of capacity, with pool = capacity * 9/8 (the slack lets
// updates proceed on a full table while old slots wait for readers):
//   rte_hash: buckets + as many extendable buckets (2 x 64 B per 8 keys,
//   rounded up to a power of two), key store (16 B), free-position ring (4 B);
//   entries (16 B); defer queue ring (16 B, power of two);
//   per-slot meta (16 B) and free stack (4 B) on the heap.
// Measured for 1M: 114 MB of DPDK memory (the pool rounds up to 2M, the
// worst case) + 22 MB of heap. It fits `--no-huge -m 512`.
// The direct index adds 8 B per address of each registered subnet in use:
// 2 KiB for a /24, 512 KiB per 64Ki addresses touched for wider ones (a
// 1M-host /12 with every address used: 8 MB).

namespace wg::fastpath {
namespace {

constexpr uint32_t kMaxCapacity = 1u << 26;
constexpr size_t kMaxName = 16;
constexpr int32_t kNoPosition = -1;
// Reclaim inside defer-queue enqueues once this many frees are pending, so
// the queue stays short even when the control loop's tick is slow.
constexpr uint32_t kReclaimTrigger = 64;
constexpr uint32_t kReclaimBatch = 64;

uint32_t slack_for(uint32_t capacity) { return std::max<uint32_t>(1024, capacity / 8); }

inline uint32_t slot_of(const void* data) noexcept { return uint32_t(reinterpret_cast<uintptr_t>(data)); }
inline void* data_of(uint32_t slot) noexcept { return reinterpret_cast<void*>(uintptr_t(slot)); }

// Keys are exactly 8 bytes: one CRC32-C instruction (SSE4.2/ARMv8 CRC when
// the CPU has it; rte_hash_crc falls back to tables otherwise).
uint32_t hash_key(const void* key, uint32_t /*key_len*/, uint32_t init) {
    uint64_t v;
    std::memcpy(&v, key, sizeof(v));
    return rte_hash_crc_8byte(v, init);
}

// rte_hash compares keys of sizes other than 16/32/48/64/96/128 bytes with
// memcmp through the PLT; ours are one 64-bit word. memcmp semantics.
int key_compare(const void* a, const void* b, size_t /*key_len*/) {
    uint64_t x, y;
    std::memcpy(&x, a, sizeof(x));
    std::memcpy(&y, b, sizeof(y));
    return x != y;
}

// An ARP entry is for a unicast host (RFC 826; RFC 1112 §6.4 maps multicast
// groups to MACs without ARP; RFC 919 broadcast has no owner). A zero or
// group MAC is never a valid next hop.
bool valid_ip(uint32_t ip) noexcept { return ip != 0 && ip != 0xffffffffu && (ip >> 28) != 0xe; }
bool valid_mac(const Mac& mac) noexcept { return !mac.is_zero() && !mac.is_multicast(); }

std::string errstr() { return rte_strerror(rte_errno); }

} // namespace

// One element of the defer queue: a slot, and for deletes the hash position
// that RW_CONCURRENCY_LF keeps reserved until we free it.
struct AdjacencyTable::Deferred {
    uint32_t slot;
    int32_t key_position; // kNoPosition for updates
};

uint64_t AdjacencyTable::entry_digest(uint16_t ifindex, uint32_t ip, const Mac& mac) noexcept {
    // Built from host-order integers, never from memory layout, so both
    // devices compute the same value whatever their endianness.
    uint64_t m = 0;
    for (uint8_t b : mac.bytes) m = m << 8 | b;
    const uint64_t k = uint64_t(ifindex) << 32 | ip;
    return splitmix_finalize(splitmix_finalize(k + 0x9e3779b97f4a7c15ull) ^ m);
}

std::unique_ptr<AdjacencyTable> AdjacencyTable::create(const Options& options, std::string& error) {
    if (options.name.empty() || options.name.size() > kMaxName) {
        error = "adjacency table name '" + options.name + "' must have 1 to " + std::to_string(kMaxName) +
                " characters";
        return nullptr;
    }
    if (options.capacity == 0 || options.capacity > kMaxCapacity) {
        error = "adjacency capacity " + std::to_string(options.capacity) + " is out of range 1.." +
                std::to_string(kMaxCapacity);
        return nullptr;
    }
    if (options.qsbr == nullptr) {
        error = "adjacency table '" + options.name + "' needs the readers' RCU variable";
        return nullptr;
    }

    std::unique_ptr<AdjacencyTable> t(new (std::nothrow) AdjacencyTable());
    if (!t) {
        error = "out of memory";
        return nullptr;
    }
    t->name_ = options.name;
    t->capacity_ = options.capacity;
    t->pool_size_ = options.capacity + slack_for(options.capacity);
    t->qsbr_ = options.qsbr;
    t->socket_id_ = options.socket_id;
    t->direct_alloc_hook_ = options.direct_alloc;
    const uint32_t pool = t->pool_size_;
    const std::string what =
        "adjacency table '" + options.name + "' (capacity " + std::to_string(options.capacity) + "): ";

    // Hash positions of deleted keys are also held until a grace period
    // ends, so the key store gets the same slack as the entry pool: with
    // EXT_TABLE (no cuckoo insert failures) an add can then only fail when
    // no entry slot is free either.
    const std::string hash_name = "adj_" + options.name;
    rte_hash_parameters hp{};
    hp.name = hash_name.c_str();
    hp.entries = pool;
    hp.key_len = sizeof(AdjKey);
    hp.hash_func = hash_key;
    hp.hash_func_init_val = 0;
    hp.socket_id = options.socket_id;
    hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
    t->hash_ = rte_hash_create(&hp);
    if (t->hash_ == nullptr) {
        error = what + "cannot create hash: " + errstr() + " (with --no-huge, raise -m)";
        return nullptr;
    }
    rte_hash_set_cmp_func(t->hash_, key_compare);

    t->entries_ = static_cast<AdjEntry*>(rte_zmalloc_socket("adj_entries", sizeof(AdjEntry) * size_t(pool),
                                                            RTE_CACHE_LINE_SIZE, options.socket_id));
    t->meta_.reset(new (std::nothrow) Meta[pool]);
    t->free_.reset(new (std::nothrow) uint32_t[pool]);
    if (t->entries_ == nullptr || !t->meta_ || !t->free_) {
        error = what + "cannot allocate " + std::to_string(pool) + " entries (with --no-huge, raise -m)";
        return nullptr;
    }
    // Slot 0 on top: a small table uses the start of the array.
    for (uint32_t i = 0; i < pool; ++i) t->free_[i] = pool - 1 - i;
    t->free_top_ = pool;

    // Our own defer queue rather than rte_hash_rcu_qsbr_add(): one queue
    // holds both kinds of deferred work (an updated entry's old slot, a
    // deleted key's position + slot), it can be polled from the control
    // tick (DPDK 22.11 has no call to poll the hash's internal queue), and
    // every free is counted. Sized to the pool: each element owns a distinct
    // slot, so the queue can never be full.
    const std::string dq_name = "adjdq_" + options.name;
    rte_rcu_qsbr_dq_parameters dp{};
    dp.name = dq_name.c_str();
    dp.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE; // single writer
    dp.size = pool;
    dp.esize = sizeof(Deferred);
    dp.trigger_reclaim_limit = kReclaimTrigger;
    dp.max_reclaim_size = kReclaimBatch;
    dp.free_fn = &AdjacencyTable::free_deferred;
    dp.p = t.get();
    dp.v = options.qsbr;
    t->dq_ = rte_rcu_qsbr_dq_create(&dp);
    if (t->dq_ == nullptr) {
        error = what + "cannot create RCU defer queue: " + errstr() + " (with --no-huge, raise -m)";
        return nullptr;
    }
    return t;
}

// ---- direct index (adjacency.hpp) ----

namespace {
constexpr uint32_t kPageWords = 1u << AdjacencyTable::kDirectPageBits;
uint32_t direct_pages(uint32_t size) { return std::max<uint32_t>(1, size / kPageWords); }
} // namespace

uint64_t AdjacencyTable::Direct::word_of(const Mac& mac, uint16_t port_id) noexcept {
    uint64_t word = uint64_t(port_id) << 48;
    std::memcpy(&word, mac.bytes.data(), 6); // the low 48 bits on little-endian, as the worker copies them
    return word;
}

void* AdjacencyTable::direct_alloc(size_t bytes) {
    if (direct_alloc_hook_) return direct_alloc_hook_(bytes);
    return rte_zmalloc_socket("adj_direct", bytes, RTE_CACHE_LINE_SIZE, socket_id_);
}

AdjacencyTable::Direct::Page* AdjacencyTable::direct_new_page(uint16_t ifindex, uint32_t page_index,
                                                              uint32_t size) {
    bool& failed = direct_failed_[ifindex][page_index];
    if (failed) return nullptr; // never retried: see adjacency.hpp "Failure"
    const uint32_t words = std::min(size, kPageWords);
    auto* page = static_cast<Direct::Page*>(direct_alloc(sizeof(Direct::Page) * words));
    if (page == nullptr) {
        failed = true;
        ++counters_.direct_nomem;
        return nullptr;
    }
    for (uint32_t i = 0; i < words; ++i) new (&page[i]) Direct::Page(0);
    return page;
}

void AdjacencyTable::direct_store(uint16_t ifindex, uint32_t size, uint32_t off, uint64_t word) {
    std::atomic<Direct::Page*>& slot = direct_[ifindex].pages[off / kPageWords];
    Direct::Page* page = slot.load(std::memory_order_relaxed);
    if (page == nullptr) {
        if (word == 0) return; // an absent page already sends readers to the hash
        page = direct_new_page(ifindex, off / kPageWords, size);
        if (page == nullptr) return;
        page[off % kPageWords].store(word, std::memory_order_relaxed);
        slot.store(page, std::memory_order_release); // the word is in before anyone sees the page
        return;
    }
    page[off % kPageWords].store(word, std::memory_order_release);
}

void AdjacencyTable::direct_update(AdjKey key, uint64_t word) {
    if (key.ifindex >= kDirectMax) return;
    const Direct& d = direct_[key.ifindex];
    const uint32_t size = d.size.load(std::memory_order_relaxed); // we are its only writer
    const uint32_t off = key.ip - d.base;
    if (off < size) direct_store(key.ifindex, size, off, word);
}

bool AdjacencyTable::add_direct(uint16_t ifindex, uint32_t subnet, uint8_t prefix_len) {
    if (ifindex >= kDirectMax || prefix_len < kDirectMinPrefix || prefix_len > kDirectMaxPrefix ||
        direct_[ifindex].pages != nullptr)
        return false;
    const uint32_t size = 1u << (32 - prefix_len);
    const uint32_t npages = direct_pages(size);
    using PagePtr = std::atomic<Direct::Page*>;
    auto* pages = static_cast<PagePtr*>(direct_alloc(sizeof(PagePtr) * npages));
    std::unique_ptr<bool[]> failed(new (std::nothrow) bool[npages]());
    if (pages == nullptr || !failed) {
        rte_free(pages);
        ++counters_.direct_nomem;
        return false;
    }
    for (uint32_t i = 0; i < npages; ++i) new (&pages[i]) PagePtr(nullptr);
    direct_failed_[ifindex] = std::move(failed);
    Direct& d = direct_[ifindex];
    // A /16 or longer is a single page: take it now, so that its neighbours
    // never allocate (nor fail to) later.
    if (npages == 1) {
        Direct::Page* page = direct_new_page(ifindex, 0, size);
        if (page == nullptr) {
            direct_failed_[ifindex].reset();
            rte_free(pages);
            return false;
        }
        pages[0].store(page, std::memory_order_relaxed); // published by `size` below
    }
    d.base = subnet & ~(size - 1);
    d.pages = pages;
    // Entries installed before the range existed (none when the dataplane
    // registers subnets at start); readers see none of this before `size`.
    for_each([&](const AdjInfo& info) {
        const AdjEntry& e = info.entry;
        if (e.ifindex == ifindex && e.ip - d.base < size)
            direct_store(ifindex, size, e.ip - d.base, Direct::word_of(e.mac, e.port_id));
    });
    d.size.store(size, std::memory_order_release); // last: a reader that sees it sees the rest
    return true;
}

AdjacencyTable::~AdjacencyTable() {
    if (dq_ != nullptr && rte_rcu_qsbr_dq_delete(dq_) != 0) {
        // Readers still online hold a grace period open: freeing the memory
        // under them would be a use-after-free, so wait them out.
        rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
        if (rte_rcu_qsbr_dq_delete(dq_) != 0)
            RTE_LOG(ERR, USER1, "adjacency %s: defer queue still busy, leaked\n", name_.c_str());
    }
    rte_hash_free(hash_);
    rte_free(entries_);
    for (const Direct& d : direct_) {
        if (d.pages == nullptr) continue;
        const uint32_t npages = direct_pages(d.size.load(std::memory_order_relaxed));
        for (uint32_t i = 0; i < npages; ++i) rte_free(d.pages[i].load(std::memory_order_relaxed));
        rte_free(d.pages);
    }
}

bool AdjacencyTable::take_slot(uint32_t& slot) {
    if (free_top_ == 0) reclaim();
    if (free_top_ == 0) return false;
    slot = free_[--free_top_];
    return true;
}

void AdjacencyTable::defer(uint32_t slot, int32_t key_position) {
    Deferred d{slot, key_position};
    ++pending_;
    if (rte_rcu_qsbr_dq_enqueue(dq_, &d) != 0) {
        // Cannot happen (the queue has a place for every slot); if it ever
        // did, correctness beats latency: wait for the readers, free now.
        rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
        free_deferred(this, &d, 1);
    }
}

void AdjacencyTable::free_deferred(void* table, void* element, unsigned n) {
    auto* t = static_cast<AdjacencyTable*>(table);
    for (unsigned i = 0; i < n; ++i) {
        Deferred d;
        std::memcpy(&d, static_cast<const char*>(element) + i * sizeof(Deferred), sizeof(d));
        if (d.key_position != kNoPosition) rte_hash_free_key_with_position(t->hash_, d.key_position);
        t->free_[t->free_top_++] = d.slot;
        --t->pending_;
        ++t->counters_.reclaimed;
    }
}

void AdjacencyTable::reclaim() {
    if (pending_ != 0) rte_rcu_qsbr_dq_reclaim(dq_, UINT_MAX, nullptr, nullptr, nullptr);
}

AdjacencyTable::Result AdjacencyTable::upsert(AdjKey key, const Mac& mac, uint16_t port_id, Origin origin,
                                              uint64_t now_ns) {
    if (key.zero != 0 || !valid_ip(key.ip) || !valid_mac(mac)) {
        ++counters_.invalid;
        return Result::invalid;
    }
    void* data = nullptr;
    const bool exists = rte_hash_lookup_data(hash_, &key, &data) >= 0;
    uint32_t old = 0;
    if (exists) {
        old = slot_of(data);
        const AdjEntry& e = entries_[old];
        if (e.mac == mac && e.port_id == port_id && e.origin == origin) {
            meta_[old].updated_ns = now_ns;
            ++counters_.unchanged;
            return Result::unchanged;
        }
    } else if (size_ >= capacity_) {
        ++counters_.full;
        return Result::full;
    }

    uint32_t slot = 0;
    if (!take_slot(slot)) {
        ++counters_.busy;
        return Result::busy;
    }
    // Fill the fresh slot completely before publishing it: the add below
    // stores the data pointer with release semantics, readers load it with
    // acquire, so they see these bytes or the old slot, never a mix.
    AdjEntry& e = entries_[slot];
    e.mac = mac;
    e.port_id = port_id;
    e.ifindex = key.ifindex;
    e.origin = origin;
    e.pad = 0;
    e.ip = key.ip;
    meta_[slot] = Meta{exists ? meta_[old].created_ns : now_ns, now_ns};

    if (rte_hash_add_key_data(hash_, &key, data_of(slot)) < 0) {
        // Only a full key store, which the sizing rules out; undo and retry later.
        free_[free_top_++] = slot;
        ++counters_.busy;
        return Result::busy;
    }
    digest_ += entry_digest(key.ifindex, key.ip, mac);
    direct_update(key, Direct::word_of(mac, port_id));
    if (exists) {
        digest_ -= entry_digest(key.ifindex, key.ip, entries_[old].mac);
        defer(old, kNoPosition);
        ++counters_.updated;
        return Result::updated;
    }
    ++size_;
    ++counters_.added;
    return Result::added;
}

bool AdjacencyTable::remove(AdjKey key) {
    void* data = nullptr;
    if (rte_hash_lookup_data(hash_, &key, &data) < 0) return false;
    // Unlinks the key; under RW_CONCURRENCY_LF its position stays reserved
    // (readers may still be comparing against it) until defer() frees it.
    const int32_t position = rte_hash_del_key(hash_, &key);
    if (position < 0) return false;
    const uint32_t slot = slot_of(data);
    digest_ -= entry_digest(key.ifindex, key.ip, entries_[slot].mac);
    direct_update(key, 0);
    --size_;
    ++counters_.removed;
    defer(slot, position);
    return true;
}

std::optional<AdjInfo> AdjacencyTable::find(AdjKey key) const {
    void* data = nullptr;
    if (rte_hash_lookup_data(hash_, &key, &data) < 0) return std::nullopt;
    const uint32_t slot = slot_of(data);
    return AdjInfo{entries_[slot], meta_[slot].updated_ns, meta_[slot].created_ns};
}

bool AdjacencyTable::next(uint32_t& cursor, AdjInfo& out) const {
    const void* key = nullptr;
    void* data = nullptr;
    if (rte_hash_iterate(hash_, &key, &data, &cursor) < 0) return false;
    const uint32_t slot = slot_of(data);
    out = AdjInfo{entries_[slot], meta_[slot].updated_ns, meta_[slot].created_ns};
    return true;
}

const AdjEntry* AdjacencyTable::lookup(AdjKey key) const noexcept {
    void* data = nullptr;
    if (rte_hash_lookup_data(hash_, &key, &data) < 0) return nullptr;
    return &entries_[slot_of(data)];
}

uint64_t AdjacencyTable::lookup_bulk(const AdjKey* keys, unsigned n, const AdjEntry** out) const noexcept {
    n = std::min(n, kBulkMax);
    if (n == 0) return 0;
    const void* ptrs[kBulkMax];
    hash_sig_t sigs[kBulkMax];
    void* data[kBulkMax];
    // Hashed here, inline: saves rte_hash an indirect call per key.
    for (unsigned i = 0; i < n; ++i) {
        ptrs[i] = &keys[i];
        sigs[i] = hash_key(&keys[i], sizeof(AdjKey), 0);
    }
    uint64_t hits = 0;
    if (rte_hash_lookup_with_hash_bulk_data(hash_, ptrs, sigs, n, &hits, data) < 0) hits = 0;
    for (unsigned i = 0; i < n; ++i) {
        if (hits & (uint64_t{1} << i)) {
            out[i] = &entries_[slot_of(data[i])];
            rte_prefetch0(out[i]); // the caller rewrites L2 from it next
        } else {
            out[i] = nullptr;
        }
    }
    return hits;
}

} // namespace wg::fastpath
