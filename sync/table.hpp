// The replicated table of a remote-backup profile (docs/sync-protocol.md
// §8): a set {(interface, ip) → mac} with an order-independent digest so the
// two sides can compare tables without sending them. The Master's `local`
// (what its stream describes, sync/sender.hpp) is one; a Slave keeps its
// received set in the ARP service's entries and uses Tables only for the
// entries those do not hold (sync/receiver.hpp).
//
// digest = Σ mix64(uint64(fnv1a32(interface NAME)) << 32 ^ ip, mac)  mod 2^64
//
// The interface goes in by name, not by index: two devices whose ifindex
// numbering differs (different port order, an extra card) still agree. A sum
// of well-mixed words is order independent and updatable in O(1) per add,
// update or remove (subtract the old word, add the new one); equal sets give
// equal digests, and a single differing entry changes the digest with
// probability 1 - 2^-64.
//
// Thread-safety: plain value; one thread (control lcore).
#pragma once

#include "common/dense_map.hpp"
#include "config/net.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wg::sync {

// FNV-1a, 32 bits (the interface name's part of an entry's key word).
uint32_t fnv1a32(std::string_view s);
// A non-commutative 64-bit mix of two words (splitmix64 finalizer on each).
uint64_t mix64(uint64_t a, uint64_t b);
// The MAC as a 48-bit big-endian integer.
uint64_t mac_word(const Mac& m);

class Table {
  public:
    struct Value {
        Mac mac;
        uint32_t tag = 0; // owner's use (the Slave: snapshot generation); not in the digest
    };
    enum class Applied : uint8_t { added, updated, unchanged, removed, absent };

    // One entry's digest word, given fnv1a32 of its interface name.
    static uint64_t entry_hash(uint32_t name_hash, Ipv4 ip, const Mac& mac) {
        return mix64(uint64_t(name_hash) << 32 ^ ip.value, mac_word(mac));
    }

    // Names the interface `ifindex` (the digest uses the name). Set names
    // before adding entries; renaming an interface that has entries
    // recomputes the digest (O(size)). An unnamed ifindex hashes as "".
    void set_interface(uint16_t ifindex, std::string_view name);
    bool has_interface(uint16_t ifindex) const;
    const std::string& interface_name(uint16_t ifindex) const; // "" when unnamed
    uint32_t name_hash(uint16_t ifindex) const;
    // The digest word (ifindex, ip, mac) would have in this table.
    uint64_t hash_of(uint16_t ifindex, Ipv4 ip, const Mac& mac) const {
        return entry_hash(name_hash(ifindex), ip, mac);
    }

    // Add or update (same key, other MAC or tag); O(1).
    Applied upsert(uint16_t ifindex, Ipv4 ip, const Mac& mac, uint32_t tag = 0);
    // removed or absent; O(1).
    Applied remove(uint16_t ifindex, Ipv4 ip);
    const Value* find(uint16_t ifindex, Ipv4 ip) const;
    bool contains(uint16_t ifindex, Ipv4 ip) const { return find(ifindex, ip) != nullptr; }
    // A hint before a lookup or upsert a few entries later (DenseMap::prefetch).
    void prefetch(uint16_t ifindex, Ipv4 ip) const { map_.prefetch(key(ifindex, ip)); }

    // Removes every entry (interface names stay).
    void clear();
    void reserve(size_t n) { map_.reserve(n); }
    void commit() { map_.commit(); } // back the reserved room with memory now (DenseMap::commit)
    size_t size() const { return map_.size(); }
    uint64_t digest() const { return digest_; }

    // f(ifindex, ip, const Value&) for every entry, in no order. f must not
    // modify the table.
    template <class F>
    void for_each(F&& f) const {
        for (const auto& [k, v] : map_)
            f(uint16_t(k >> 32), Ipv4{uint32_t(k)}, v);
    }

    static uint64_t key(uint16_t ifindex, Ipv4 ip) { return uint64_t(ifindex) << 32 | ip.value; }

  private:
    struct Name {
        std::string name;
        uint32_t hash = 0;
        bool set = false;
    };
    void recompute();

    // Dense values + a hashed index (common/dense_map.hpp): no allocation
    // per entry, so a 1M-entry batch is not an allocator benchmark.
    DenseMap<Value> map_;
    std::vector<Name> names_; // by ifindex
    uint64_t digest_ = 0;
};

} // namespace wg::sync
