// DenseMap<V>: a uint64_t → V hash map for the control core's big tables
// (the ARP service's entries, the replicated tables of sync/), where a 1M
// batch backup must insert ~4M times in well under a second.
//
// Why not std::unordered_map: one heap node per entry (an allocation and a
// likely cache miss per insert, another per lookup), and a walk over the
// whole table chases pointers. Measured in the 1M batch backup, the node
// maps were most of the Slave's time (docs/benchmarks.md).
//
// Layout: the values live densely in one vector of (key, value) pairs, in
// no particular order; an open-addressing index (linear probing, at most
// half full) maps a key to its position. An index slot is one word: the
// upper 32 bits of the key's hash (so most mismatches are rejected without
// touching the values) and the position + 1 (0: empty). The hash is
// splitmix64's finaliser, so clustered keys (one subnet's addresses) spread
// evenly. Removal moves the last pair into the hole (values stay dense) and
// closes the probe gap by backward shift (no tombstones, so lookups do not
// slow down as a table churns). Both live in big_alloc memory (huge pages
// when large, common/big_alloc.hpp); the index comes zeroed from mmap, so a
// reserved but unused index costs address space, not memory.
//
// Invalidation: any insert may move every value (growth); erase moves the
// last value into the erased one's place. Hold keys, not pointers or
// iterators, across either. Iteration order changes with erasures.
//
// Thread-safety: a plain value; one thread at a time.
#pragma once

#include "common/big_alloc.hpp"
#include "common/hash.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <tuple>
#include <utility>
#include <vector>

namespace wg {

template <class V>
class DenseMap {
  public:
    using value_type = std::pair<uint64_t, V>;
    using Values = std::vector<value_type, BigAllocator<value_type>>;
    using iterator = typename Values::iterator;
    using const_iterator = typename Values::const_iterator;

    DenseMap() = default;
    ~DenseMap() { big_free(index_, slots_ * sizeof(uint64_t)); }
    DenseMap(const DenseMap& o) : values_(o.values_) { rebuild(o.slots_); }
    DenseMap& operator=(const DenseMap& o) {
        if (this != &o) {
            values_ = o.values_;
            rebuild(o.slots_);
        }
        return *this;
    }
    DenseMap(DenseMap&& o) noexcept { *this = std::move(o); }
    DenseMap& operator=(DenseMap&& o) noexcept {
        if (this == &o) return *this;
        big_free(index_, slots_ * sizeof(uint64_t));
        values_ = std::move(o.values_);
        index_ = std::exchange(o.index_, nullptr);
        slots_ = std::exchange(o.slots_, 0);
        mask_ = std::exchange(o.mask_, 0);
        bits_ = std::exchange(o.bits_, 0);
        shift_ = std::exchange(o.shift_, 64);
        o.values_.clear();
        return *this;
    }

    size_t size() const { return values_.size(); }
    bool empty() const { return values_.empty(); }
    iterator begin() { return values_.begin(); }
    iterator end() { return values_.end(); }
    const_iterator begin() const { return values_.begin(); }
    const_iterator end() const { return values_.end(); }

    // Room for n entries without growing the index or moving the values.
    void reserve(size_t n) {
        values_.reserve(n);
        if (n * 2 > slots_) rebuild(slots_for(n));
    }

    // f(const value_type&) for every entry, in the order of the index: by
    // ascending hash, except for a run that wraps around the end. A table
    // filled in that order (same hash, any size) fills its index front to
    // back instead of at random: a batch backup's Slave inserts nearly
    // sequentially (docs/benchmarks.md). f must not modify the map.
    template <class F>
    void for_each_by_hash(F&& f) const {
        constexpr size_t kAhead = 16; // values are at random: fetch ahead
        for (size_t s = 0; s < slots_; ++s) {
            if (s + kAhead < slots_)
                if (const uint64_t a = index_[s + kAhead]; a != 0) __builtin_prefetch(&values_[pos(a)]);
            if (const uint64_t w = index_[s]; w != 0) f(static_cast<const value_type&>(values_[pos(w)]));
        }
    }

    // Backs the reserved room with memory now rather than at first touch
    // (big_commit): for tables sized at start.
    void commit() {
        big_commit(values_.data(), values_.capacity() * sizeof(value_type));
        big_commit(index_, slots_ * sizeof(uint64_t));
    }

    iterator find(uint64_t key) {
        const size_t s = locate(key);
        return s == kAbsent ? end() : begin() + ptrdiff_t(pos(index_[s]));
    }
    const_iterator find(uint64_t key) const {
        const size_t s = locate(key);
        return s == kAbsent ? end() : begin() + ptrdiff_t(pos(index_[s]));
    }
    bool contains(uint64_t key) const { return locate(key) != kAbsent; }
    // A hint: brings key's home slot toward the cache, so that a loop over a
    // batch can look `key` up a few iterations later without waiting on
    // memory (the misses of consecutive keys overlap instead of queueing).
    void prefetch(uint64_t key) const {
        if (slots_ != 0) __builtin_prefetch(&index_[home(splitmix_finalize(key))]);
    }

    // The value of key, default-constructed (V{args...}) when it was absent.
    template <class... Args>
    std::pair<iterator, bool> try_emplace(uint64_t key, Args&&... args) {
        if ((values_.size() + 1) * 2 > slots_) rebuild(slots_for(values_.size() + 1));
        const uint64_t h = splitmix_finalize(key);
        const uint32_t tag = uint32_t(h >> 32);
        size_t s = home(h);
        for (;; s = (s + 1) & mask_) {
            const uint64_t w = index_[s];
            if (w == 0) break;
            if (uint32_t(w >> 32) == tag && values_[pos(w)].first == key)
                return {begin() + ptrdiff_t(pos(w)), false};
        }
        values_.emplace_back(std::piecewise_construct, std::forward_as_tuple(key),
                             std::forward_as_tuple(std::forward<Args>(args)...));
        index_[s] = uint64_t(tag) << 32 | uint64_t(values_.size());
        return {begin() + ptrdiff_t(values_.size() - 1), true};
    }
    V& operator[](uint64_t key) { return try_emplace(key).first->second; }

    // Number of entries removed (0 or 1).
    size_t erase(uint64_t key) {
        const size_t s = locate(key);
        if (s == kAbsent) return 0;
        remove_at(s);
        return 1;
    }
    // `it` must be valid; returns the iterator at the same position (which
    // now holds what was the last value, or end()).
    iterator erase(const_iterator it) {
        const size_t i = size_t(it - values_.cbegin());
        remove_at(locate(values_[i].first));
        return begin() + ptrdiff_t(i);
    }

    // Keeps the index's size (and the values' capacity).
    void clear() {
        if (values_.size() * 8 < slots_) {
            // Each key's slot lies in the occupied run from its home slot;
            // zeroing from there to the run's end empties it (and possibly
            // others that go too), whatever earlier keys emptied already.
            for (const value_type& v : values_)
                for (size_t s = home(splitmix_finalize(v.first)); index_[s] != 0; s = (s + 1) & mask_)
                    index_[s] = 0;
        } else if (slots_ != 0) {
            std::memset(index_, 0, slots_ * sizeof(uint64_t));
        }
        values_.clear();
    }

  private:
    static constexpr size_t kAbsent = ~size_t(0);
    static constexpr size_t kMinSlots = 16;

    static size_t pos(uint64_t w) { return size_t(uint32_t(w)) - 1; }
    static size_t slots_for(size_t n) { return std::bit_ceil(std::max(kMinSlots, n * 2)); }
    size_t home(uint64_t h) const { return size_t(h >> shift_); }

    size_t locate(uint64_t key) const {
        if (slots_ == 0) return kAbsent;
        const uint64_t h = splitmix_finalize(key);
        const uint32_t tag = uint32_t(h >> 32);
        for (size_t s = home(h);; s = (s + 1) & mask_) {
            const uint64_t w = index_[s];
            if (w == 0) return kAbsent;
            if (uint32_t(w >> 32) == tag && values_[pos(w)].first == key) return s;
        }
    }

    // Empties slot s, then closes the gap: a later slot of the same run moves
    // back into the hole unless its home lies cyclically in (hole, slot].
    void vacate(size_t s) {
        size_t hole = s;
        for (size_t j = (s + 1) & mask_; index_[j] != 0; j = (j + 1) & mask_) {
            const size_t h = size_t(index_[j] >> 32) >> (32 - bits_);
            if (((j - h) & mask_) >= ((j - hole) & mask_)) {
                index_[hole] = index_[j];
                hole = j;
            }
        }
        index_[hole] = 0;
    }

    void remove_at(size_t s) {
        const size_t i = pos(index_[s]);
        vacate(s);
        const size_t last = values_.size() - 1;
        if (i != last) {
            // The last value moves into i: repoint its slot.
            const size_t ls = locate(values_[last].first);
            index_[ls] = (index_[ls] & ~uint64_t(0xffffffff)) | uint64_t(i + 1);
            values_[i] = std::move(values_[last]);
        }
        values_.pop_back();
    }

    // A fresh index of n slots (a power of two) holding every value; the
    // hashes are recomputed from the keys.
    void rebuild(size_t n) {
        if (n < kMinSlots) n = values_.empty() ? 0 : kMinSlots;
        uint64_t* fresh = n ? static_cast<uint64_t*>(big_alloc(n * sizeof(uint64_t), true)) : nullptr;
        big_free(index_, slots_ * sizeof(uint64_t));
        index_ = fresh;
        slots_ = n;
        mask_ = n ? n - 1 : 0;
        bits_ = n ? unsigned(std::countr_zero(n)) : 0;
        shift_ = 64 - bits_;
        for (size_t i = 0; i < values_.size(); ++i) {
            const uint64_t h = splitmix_finalize(values_[i].first);
            size_t s = home(h);
            while (index_[s] != 0) s = (s + 1) & mask_;
            index_[s] = (h >> 32) << 32 | uint64_t(i + 1);
        }
    }

    Values values_;
    uint64_t* index_ = nullptr;
    size_t slots_ = 0, mask_ = 0;
    unsigned bits_ = 0, shift_ = 64;
};

} // namespace wg
