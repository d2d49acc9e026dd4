// DenseMap (common/dense_map.hpp): agrees with std::unordered_map through
// random inserts, updates, erasures and clears, including the clustered
// keys an ARP table holds (consecutive addresses of one subnet) and keys
// whose probe runs wrap around the end of the index.
#include "common/dense_map.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

namespace {

using wg::DenseMap;

template <class V>
void expect_same(const DenseMap<V>& d, const std::unordered_map<uint64_t, V>& ref) {
    ASSERT_EQ(d.size(), ref.size());
    for (const auto& [k, v] : ref) {
        auto it = d.find(k);
        ASSERT_NE(it, d.end()) << "key " << k;
        EXPECT_EQ(it->second, v) << "key " << k;
    }
    size_t walked = 0;
    for (const auto& [k, v] : d) {
        ++walked;
        auto it = ref.find(k);
        ASSERT_NE(it, ref.end()) << "walk found extra key " << k;
        EXPECT_EQ(it->second, v);
    }
    EXPECT_EQ(walked, ref.size());
}

TEST(DenseMap, EmptyFindsNothing) {
    DenseMap<int> d;
    EXPECT_EQ(d.find(1), d.end());
    EXPECT_FALSE(d.contains(0));
    EXPECT_EQ(d.erase(7), 0u);
    d.clear();
    EXPECT_TRUE(d.empty());
}

TEST(DenseMap, InsertKeepsFirstValueAndOperatorIndexDefaults) {
    DenseMap<int> d;
    auto [it, inserted] = d.try_emplace(5, 50);
    EXPECT_TRUE(inserted);
    EXPECT_EQ(it->second, 50);
    auto [it2, again] = d.try_emplace(5, 99);
    EXPECT_FALSE(again);
    EXPECT_EQ(it2->second, 50);
    EXPECT_EQ(d[6], 0);
    d[6] = 60;
    EXPECT_EQ(d.find(6)->second, 60);
    EXPECT_EQ(d.size(), 2u);
}

TEST(DenseMap, KeyZeroAndAllOnesAreOrdinaryKeys) {
    DenseMap<int> d;
    d[0] = 1;
    d[~uint64_t(0)] = 2;
    EXPECT_EQ(d.find(0)->second, 1);
    EXPECT_EQ(d.find(~uint64_t(0))->second, 2);
    EXPECT_EQ(d.erase(0), 1u);
    EXPECT_FALSE(d.contains(0));
    EXPECT_TRUE(d.contains(~uint64_t(0)));
}

TEST(DenseMap, RandomOperationsMatchUnorderedMap) {
    std::mt19937_64 rng(12345);
    DenseMap<uint64_t> d;
    std::unordered_map<uint64_t, uint64_t> ref;
    // A small key space forces many hits, updates, erasures and wrapped runs.
    for (int round = 0; round < 200000; ++round) {
        const uint64_t k = rng() % 3000;
        switch (rng() % 10) {
        case 0: case 1: case 2: case 3:
            d[k] = round;
            ref[k] = uint64_t(round);
            break;
        case 4: case 5: {
            auto [it, ins] = d.try_emplace(k, uint64_t(round));
            auto [rit, rins] = ref.try_emplace(k, uint64_t(round));
            ASSERT_EQ(ins, rins);
            ASSERT_EQ(it->second, rit->second);
            break;
        }
        case 6: case 7: case 8:
            ASSERT_EQ(d.erase(k), ref.erase(k));
            break;
        default:
            if (rng() % 5000 == 0) {
                d.clear();
                ref.clear();
            }
            ASSERT_EQ(d.contains(k), ref.count(k) == 1);
        }
    }
    expect_same(d, ref);
}

TEST(DenseMap, ClusteredSubnetKeysGrowAndShrink) {
    // (ifindex << 32 | ip) for 10.1.0.0/16 on two interfaces: what the ARP
    // service stores. Grows from empty through many index doublings.
    DenseMap<uint32_t> d;
    std::unordered_map<uint64_t, uint32_t> ref;
    for (uint64_t ifindex : {1u, 2u})
        for (uint32_t host = 1; host < 65535; ++host) {
            const uint64_t k = ifindex << 32 | (0x0a010000u + host);
            d[k] = host;
            ref[k] = host;
        }
    expect_same(d, ref);
    // Remove every third, then every entry of interface 1 by iterator.
    for (auto it = ref.begin(); it != ref.end();) {
        if (it->second % 3 == 0) {
            ASSERT_EQ(d.erase(it->first), 1u);
            it = ref.erase(it);
        } else {
            ++it;
        }
    }
    expect_same(d, ref);
    for (auto it = d.begin(); it != d.end();) {
        if (it->first >> 32 == 1) {
            ref.erase(it->first);
            it = d.erase(it);
        } else {
            ++it;
        }
    }
    expect_same(d, ref);
}

TEST(DenseMap, ReserveThenFillAndCopyMove) {
    DenseMap<int> d;
    d.reserve(1000);
    for (int i = 0; i < 1000; ++i) d[uint64_t(i) * 7919] = i;
    DenseMap<int> copy = d;
    d.erase(0);
    EXPECT_TRUE(copy.contains(0));
    EXPECT_EQ(copy.size(), 1000u);
    DenseMap<int> moved = std::move(copy);
    EXPECT_EQ(moved.size(), 1000u);
    EXPECT_EQ(moved.find(7919 * 5)->second, 5);
    // A moved-from map is empty and usable.
    EXPECT_TRUE(copy.empty()); // NOLINT(bugprone-use-after-move)
    EXPECT_FALSE(copy.contains(7919));
    copy[1] = 1;
    EXPECT_EQ(copy.find(1)->second, 1);
}

TEST(DenseMap, ClearSmallAndLargeLeavesNoStaleSlots) {
    DenseMap<int> d;
    d.reserve(4096); // a big index, few entries: clear() walks the values
    for (int i = 0; i < 10; ++i) d[uint64_t(i)] = i;
    d.clear();
    for (int i = 0; i < 10; ++i) EXPECT_FALSE(d.contains(uint64_t(i)));
    for (int i = 0; i < 3000; ++i) d[uint64_t(i)] = i; // nearly full: memset path
    d.clear();
    EXPECT_TRUE(d.empty());
    for (int i = 0; i < 3000; ++i) ASSERT_FALSE(d.contains(uint64_t(i)));
    d[42] = 1;
    EXPECT_EQ(d.size(), 1u);
}

TEST(DenseMap, ClearOfCollidingKeysInABigIndex) {
    // Keys that share probe runs, cleared while the index is mostly empty:
    // every slot must go even though each key's run is cut by the others.
    std::mt19937_64 rng(7);
    for (int round = 0; round < 200; ++round) {
        DenseMap<int> d;
        d.reserve(1 << 12);
        std::vector<uint64_t> keys;
        for (int i = 0; i < 300; ++i) {
            keys.push_back(rng());
            d[keys.back()] = i;
        }
        d.clear();
        for (uint64_t k : keys) ASSERT_FALSE(d.contains(k));
        for (uint64_t k : keys) d[k] = 1;
        ASSERT_EQ(d.size(), keys.size());
    }
}

TEST(DenseMap, WalkByHashVisitsEachEntryOnceInNearlyAscendingHash) {
    DenseMap<uint32_t> d;
    for (uint32_t host = 1; host < 50000; ++host) d[uint64_t(3) << 32 | (0x0a000000u + host)] = host;
    for (uint32_t host = 1; host < 50000; host += 7) d.erase(uint64_t(3) << 32 | (0x0a000000u + host));
    std::unordered_map<uint64_t, int> seen;
    uint64_t prev = 0;
    size_t descents = 0;
    d.for_each_by_hash([&](const auto& kv) {
        ++seen[kv.first];
        const uint64_t h = wg::splitmix_finalize(kv.first);
        descents += h < prev;
        prev = h;
    });
    ASSERT_EQ(seen.size(), d.size());
    for (const auto& [k, n] : seen) ASSERT_EQ(n, 1) << k;
    // Only keys displaced from their home slot (and the wrapped run) break
    // the order: a small fraction at a load of at most one half.
    EXPECT_LT(descents, d.size() / 5) << descents << " of " << d.size();
}

} // namespace
