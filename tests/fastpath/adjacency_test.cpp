// AdjacencyTable, single-threaded: writer semantics, iteration, digest,
// capacity, validation, and RCU reclamation with a reader driven by hand.
// The two-lcore stress run is in adjacency_stress_test.cpp.
#include "tests/fastpath/adjacency_test_util.hpp"

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <vector>

namespace wg::fastpath {
namespace {

using namespace adjtest;

TEST_F(AdjacencyTest, AddFindUpdateRemove) {
    AdjacencyTable& t = *table_;
    const AdjKey k{ip4(10, 1, 1, 50), 3};
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.lookup(k), nullptr);
    EXPECT_FALSE(t.find(k));

    ASSERT_EQ(t.upsert(k, mac(0x50), 7, Origin::learned, 100), Result::added);
    EXPECT_EQ(t.size(), 1u);
    const AdjEntry* e = t.lookup(k);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->mac, mac(0x50));
    EXPECT_EQ(e->port_id, 7);
    EXPECT_EQ(e->ifindex, 3);
    EXPECT_EQ(e->origin, Origin::learned);
    EXPECT_EQ(e->ip, k.ip);
    auto info = t.find(k);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->created_ns, 100u);
    EXPECT_EQ(info->updated_ns, 100u);

    // Same content: only the refresh time moves, and no new slot is used.
    EXPECT_EQ(t.upsert(k, mac(0x50), 7, Origin::learned, 200), Result::unchanged);
    EXPECT_EQ(t.lookup(k), e);
    EXPECT_EQ(t.find(k)->updated_ns, 200u);
    EXPECT_EQ(t.find(k)->created_ns, 100u);

    // Each field alone is a change, published in a fresh slot.
    EXPECT_EQ(t.upsert(k, mac(0x51), 7, Origin::learned, 300), Result::updated);
    EXPECT_NE(t.lookup(k), e);
    EXPECT_EQ(t.lookup(k)->mac, mac(0x51));
    EXPECT_EQ(t.upsert(k, mac(0x51), 8, Origin::learned, 400), Result::updated);
    EXPECT_EQ(t.lookup(k)->port_id, 8);
    EXPECT_EQ(t.upsert(k, mac(0x51), 8, Origin::synced, 500), Result::updated);
    EXPECT_EQ(t.lookup(k)->origin, Origin::synced);
    info = t.find(k);
    EXPECT_EQ(info->created_ns, 100u);
    EXPECT_EQ(info->updated_ns, 500u);
    EXPECT_EQ(t.size(), 1u);

    EXPECT_TRUE(t.remove(k));
    EXPECT_FALSE(t.remove(k));
    EXPECT_EQ(t.lookup(k), nullptr);
    EXPECT_FALSE(t.find(k));
    EXPECT_EQ(t.size(), 0u);

    // Re-added after a delete: a new life, a new creation time.
    EXPECT_EQ(t.upsert(k, mac(0x52), 7, Origin::static_entry, 600), Result::added);
    EXPECT_EQ(t.find(k)->created_ns, 600u);

    const auto c = t.counters();
    EXPECT_EQ(c.added, 2u);
    EXPECT_EQ(c.updated, 3u);
    EXPECT_EQ(c.unchanged, 1u);
    EXPECT_EQ(c.removed, 1u);
    EXPECT_EQ(c.full + c.invalid + c.busy, 0u);
}

TEST_F(AdjacencyTest, SameIpOnTwoInterfacesIsTwoEntries) {
    AdjacencyTable& t = *table_;
    const uint32_t ip = ip4(192, 0, 2, 254);
    ASSERT_EQ(t.upsert({ip, 0}, mac(1), 0, Origin::learned, 1), Result::added);
    ASSERT_EQ(t.upsert({ip, 1}, mac(2), 1, Origin::learned, 1), Result::added);
    EXPECT_EQ(t.size(), 2u);
    EXPECT_EQ(t.lookup({ip, 0})->mac, mac(1));
    EXPECT_EQ(t.lookup({ip, 1})->mac, mac(2));
    EXPECT_EQ(t.lookup({ip, 2}), nullptr);
    EXPECT_TRUE(t.remove({ip, 0}));
    EXPECT_EQ(t.lookup({ip, 1})->mac, mac(2));
}

TEST_F(AdjacencyTest, ForEachVisitsEveryEntryOnce) {
    AdjacencyTable& t = *table_;
    std::map<uint32_t, uint8_t> model;
    for (uint32_t i = 1; i <= 1000; ++i) {
        ASSERT_EQ(t.upsert({ip4(10, 0, 0, 0) + i, 1}, mac(uint8_t(i)), 1, Origin::learned, i), Result::added);
        model[ip4(10, 0, 0, 0) + i] = uint8_t(i);
    }
    for (uint32_t i = 1; i <= 1000; i += 2) {
        ASSERT_TRUE(t.remove({ip4(10, 0, 0, 0) + i, 1}));
        model.erase(ip4(10, 0, 0, 0) + i);
    }
    std::map<uint32_t, uint8_t> seen;
    t.for_each([&](const AdjInfo& info) {
        EXPECT_TRUE(seen.emplace(info.entry.ip, info.entry.mac.bytes[5]).second) << "visited twice";
        EXPECT_EQ(info.created_ns, info.entry.ip - ip4(10, 0, 0, 0));
    });
    EXPECT_EQ(seen, model);
    EXPECT_EQ(t.size(), model.size());
}

TEST_F(AdjacencyTest, LookupBulkReportsHitsAndMisses) {
    AdjacencyTable& t = *table_;
    AdjKey keys[70];
    for (unsigned i = 0; i < 70; ++i) {
        keys[i] = AdjKey{ip4(10, 2, 0, 1) + i, 0};
        if (i % 3 == 0) {
            ASSERT_EQ(t.upsert(keys[i], mac(uint8_t(i)), 0, Origin::learned, 0), Result::added);
        }
    }
    const AdjEntry* out[70];
    std::fill(std::begin(out), std::end(out), reinterpret_cast<const AdjEntry*>(&t));
    uint64_t expect = 0;
    for (unsigned i = 0; i < 64; i += 3) expect |= uint64_t{1} << i;
    // More than 64 keys: only the first 64 are looked up, out[64..] untouched.
    EXPECT_EQ(t.lookup_bulk(keys, 70, out), expect);
    for (unsigned i = 0; i < 64; ++i) {
        if (i % 3 == 0) {
            ASSERT_NE(out[i], nullptr);
            EXPECT_EQ(out[i]->ip, keys[i].ip);
            EXPECT_EQ(out[i], t.lookup(keys[i]));
        } else {
            EXPECT_EQ(out[i], nullptr);
        }
    }
    for (unsigned i = 64; i < 70; ++i) EXPECT_EQ(out[i], reinterpret_cast<const AdjEntry*>(&t));
    EXPECT_EQ(t.lookup_bulk(keys, 0, out), 0u);
    EXPECT_EQ(t.lookup_bulk(keys, 1, out), 1u);
}

TEST_F(AdjacencyTest, InvalidEntriesAreRejected) {
    AdjacencyTable& t = *table_;
    const AdjKey good{ip4(10, 1, 1, 9), 0};
    EXPECT_EQ(t.upsert({0, 0}, mac(1), 0, Origin::learned, 0), Result::invalid);
    EXPECT_EQ(t.upsert({0xffffffff, 0}, mac(1), 0, Origin::learned, 0), Result::invalid);
    EXPECT_EQ(t.upsert({ip4(224, 0, 0, 18), 0}, mac(1), 0, Origin::learned, 0), Result::invalid);
    EXPECT_EQ(t.upsert({ip4(239, 1, 1, 1), 0}, mac(1), 0, Origin::learned, 0), Result::invalid);
    EXPECT_EQ(t.upsert(good, Mac{}, 0, Origin::learned, 0), Result::invalid);
    EXPECT_EQ(t.upsert(good, Mac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}, 0, Origin::learned, 0),
              Result::invalid);
    EXPECT_EQ(t.upsert(good, Mac{{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12}}, 0, Origin::learned, 0),
              Result::invalid);
    EXPECT_EQ(t.upsert({good.ip, 0, 1}, mac(1), 0, Origin::learned, 0), Result::invalid);
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.digest(), 0u);
    EXPECT_EQ(t.counters().invalid, 8u);

    // An invalid update leaves the existing entry alone.
    ASSERT_EQ(t.upsert(good, mac(9), 0, Origin::learned, 1), Result::added);
    EXPECT_EQ(t.upsert(good, Mac{}, 0, Origin::learned, 2), Result::invalid);
    EXPECT_EQ(t.lookup(good)->mac, mac(9));
    EXPECT_EQ(t.find(good)->updated_ns, 1u);
    EXPECT_EQ(t.counters().invalid, 9u);
}

TEST_F(AdjacencyTest, DigestIsOrderIndependentAndIncremental) {
    AdjacencyTable& a = *table_;
    auto bp = make_table(rcu_.get(), 1024);
    ASSERT_NE(bp, nullptr);
    AdjacencyTable& b = *bp;
    EXPECT_EQ(a.digest(), 0u);

    std::vector<AdjKey> keys;
    for (uint32_t i = 1; i <= 200; ++i) keys.push_back({ip4(10, 3, 0, 0) + i, uint16_t(i % 3)});
    for (const auto& k : keys)
        ASSERT_EQ(a.upsert(k, mac(uint8_t(k.ip)), 0, Origin::learned, 1), Result::added);
    // Other order, other origin, ports and times (a Slave's view of the
    // Master's table): same digest.
    std::mt19937 rng(7);
    std::vector<AdjKey> shuffled = keys;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    for (const auto& k : shuffled)
        ASSERT_EQ(b.upsert(k, mac(uint8_t(k.ip)), 5, Origin::synced, 99), Result::added);
    EXPECT_NE(a.digest(), 0u);
    EXPECT_EQ(a.digest(), b.digest());
    EXPECT_EQ(a.digest(), digest_of(a));

    // Add then remove: back where it was.
    const uint64_t before = a.digest();
    ASSERT_EQ(a.upsert({ip4(10, 9, 9, 9), 0}, mac(0x99), 0, Origin::learned, 2), Result::added);
    EXPECT_NE(a.digest(), before);
    ASSERT_TRUE(a.remove({ip4(10, 9, 9, 9), 0}));
    EXPECT_EQ(a.digest(), before);

    // A MAC change changes it (and changing back restores it); an origin or
    // port change does not.
    ASSERT_EQ(a.upsert(keys[0], mac(0xee), 0, Origin::learned, 3), Result::updated);
    EXPECT_NE(a.digest(), before);
    EXPECT_EQ(a.digest(), digest_of(a));
    ASSERT_EQ(a.upsert(keys[0], mac(uint8_t(keys[0].ip)), 0, Origin::learned, 4), Result::updated);
    EXPECT_EQ(a.digest(), before);
    ASSERT_EQ(a.upsert(keys[0], mac(uint8_t(keys[0].ip)), 3, Origin::static_entry, 5), Result::updated);
    EXPECT_EQ(a.digest(), before);

    // The ifindex is part of an entry's identity.
    EXPECT_NE(AdjacencyTable::entry_digest(0, keys[0].ip, mac(1)),
              AdjacencyTable::entry_digest(1, keys[0].ip, mac(1)));

    for (const auto& k : keys) ASSERT_TRUE(a.remove(k));
    EXPECT_EQ(a.digest(), 0u);
}

TEST(AdjacencyDigest, TermIsPinned) {
    // The per-entry term is pinned so that a change to it is deliberate
    // (replication's own digest is sync/table.hpp's, tested in tests/sync).
    const Mac m{{0x02, 0x00, 0x00, 0x00, 0x00, 0x50}};
    EXPECT_EQ(AdjacencyTable::entry_digest(0, ip4(10, 1, 1, 50), m), 0x9305f05d042afc4aull);
    EXPECT_EQ(AdjacencyTable::entry_digest(1, ip4(10, 1, 1, 50), m), 0xbbecedc50af85922ull);
}

TEST_F(AdjacencyTest, CapacityIsEnforcedWithoutDamage) {
    auto tp = make_table(rcu_.get(), 16);
    ASSERT_NE(tp, nullptr);
    AdjacencyTable& t = *tp;
    EXPECT_EQ(t.capacity(), 16u);
    for (uint32_t i = 1; i <= 16; ++i)
        ASSERT_EQ(t.upsert({ip4(10, 4, 0, 0) + i, 0}, mac(uint8_t(i)), 0, Origin::learned, i), Result::added);
    const uint64_t digest = t.digest();
    const AdjKey extra{ip4(10, 4, 1, 0), 0};
    EXPECT_EQ(t.upsert(extra, mac(0x77), 0, Origin::learned, 20), Result::full);
    EXPECT_EQ(t.upsert(extra, mac(0x77), 0, Origin::learned, 21), Result::full);
    EXPECT_EQ(t.counters().full, 2u);
    EXPECT_EQ(t.size(), 16u);
    EXPECT_EQ(t.digest(), digest);
    EXPECT_EQ(t.lookup(extra), nullptr);
    EXPECT_FALSE(t.find(extra));

    // Updates of a full table still work, many more times than it has
    // entries (old slots go back to the pool: no reader is online).
    for (uint32_t round = 0; round < 5000; ++round) {
        const AdjKey k{ip4(10, 4, 0, 0) + 1 + round % 16, 0};
        ASSERT_EQ(t.upsert(k, mac(uint8_t(round), uint8_t(2 + (round & 0x1c))), 0, Origin::learned, round),
                  Result::updated);
    }
    EXPECT_EQ(t.size(), 16u);
    EXPECT_EQ(t.digest(), digest_of(t));
    EXPECT_GT(t.counters().reclaimed, 0u);

    ASSERT_TRUE(t.remove({ip4(10, 4, 0, 1), 0}));
    EXPECT_EQ(t.upsert(extra, mac(0x77), 0, Origin::learned, 30), Result::added);
    EXPECT_EQ(t.lookup(extra)->mac, mac(0x77));
    EXPECT_EQ(t.upsert({ip4(10, 4, 0, 1), 0}, mac(1), 0, Origin::learned, 31), Result::full);
}

TEST(AdjacencyCounters, InfoListsEveryCounterOnce) {
    EXPECT_EQ(kAdjCounterInfo.size() * sizeof(uint64_t), sizeof(AdjacencyTable::Counters));
    AdjacencyTable::Counters c;
    uint64_t n = 0;
    for (const auto& info : kAdjCounterInfo) c.*info.field = ++n;
    EXPECT_EQ(c.added, 1u);
    EXPECT_EQ(c.direct_nomem, kAdjCounterInfo.size());
    EXPECT_EQ(kAdjCounterInfo[6].key, "busy");
    EXPECT_FALSE(kAdjCounterInfo[6].help.empty());
}

TEST(AdjacencyCreate, RejectsBadOptions) {
    Rcu rcu(1);
    std::string error;
    EXPECT_EQ(AdjacencyTable::create({"", 16, rcu.get()}, error), nullptr);
    EXPECT_NE(error.find("name"), std::string::npos) << error;
    error.clear();
    EXPECT_EQ(AdjacencyTable::create({"seventeen_chars_x", 16, rcu.get()}, error), nullptr);
    EXPECT_NE(error.find("name"), std::string::npos) << error;
    error.clear();
    EXPECT_EQ(AdjacencyTable::create({"zero", 0, rcu.get()}, error), nullptr);
    EXPECT_NE(error.find("capacity"), std::string::npos) << error;
    error.clear();
    EXPECT_EQ(AdjacencyTable::create({"huge", (1u << 26) + 1, rcu.get()}, error), nullptr);
    EXPECT_NE(error.find("capacity"), std::string::npos) << error;
    error.clear();
    EXPECT_EQ(AdjacencyTable::create({"norcu", 16, nullptr}, error), nullptr);
    EXPECT_NE(error.find("RCU"), std::string::npos) << error;
    error.clear();
    auto first = AdjacencyTable::create({"twice", 16, rcu.get()}, error);
    ASSERT_NE(first, nullptr) << error;
    EXPECT_EQ(AdjacencyTable::create({"twice", 16, rcu.get()}, error), nullptr);
    EXPECT_NE(error.find("twice"), std::string::npos) << error;
    // The failed attempt left nothing behind: the name is free once the first goes.
    first.reset();
    EXPECT_NE(AdjacencyTable::create({"twice", 16, rcu.get()}, error), nullptr) << error;
}

// A reader holding an entry pins its slot (and a deleted key's hash
// position) until it reports a quiescent state; then everything comes back.
TEST_F(AdjacencyTest, SlotsAreNotReusedBeforeReadersQuiesce) {
    auto tp = make_table(rcu_.get(), 8);
    ASSERT_NE(tp, nullptr);
    AdjacencyTable& t = *tp;
    rte_rcu_qsbr* v = rcu_.get();
    ASSERT_EQ(rte_rcu_qsbr_thread_register(v, 0), 0);
    rte_rcu_qsbr_thread_online(v, 0);

    const AdjKey held_key{ip4(10, 5, 0, 1), 0}, gone_key{ip4(10, 5, 0, 2), 0};
    ASSERT_EQ(t.upsert(held_key, mac(1), 1, Origin::learned, 0), Result::added);
    ASSERT_EQ(t.upsert(gone_key, mac(2), 2, Origin::learned, 0), Result::added);
    const AdjEntry* held = t.lookup(held_key);
    const AdjEntry* gone = t.lookup(gone_key);
    ASSERT_NE(held, nullptr);
    ASSERT_NE(gone, nullptr);
    const AdjEntry held_copy = *held, gone_copy = *gone;

    ASSERT_EQ(t.upsert(held_key, mac(3), 1, Origin::learned, 1), Result::updated);
    ASSERT_TRUE(t.remove(gone_key));
    // The deleted key can come back at once (new position, new slot).
    ASSERT_EQ(t.upsert(gone_key, mac(4), 2, Origin::learned, 2), Result::added);
    EXPECT_EQ(t.lookup(gone_key)->mac, mac(4));

    // Churn through every spare slot: 8 capacity + 1024 slack = 1032 slots,
    // 2 live + 2 pending, so 1028 more fit (an add, then 1027 updates that
    // each pin one more old slot); then the writer must wait.
    uint32_t updates = 0;
    Result r = Result::updated;
    for (; updates < 5000; ++updates) {
        r = t.upsert({ip4(10, 5, 0, 3), 0}, mac(uint8_t(updates), uint8_t(2 + 4 * (updates >> 8 & 3))), 0,
                     Origin::learned, 3);
        if (r != Result::added && r != Result::updated) break;
        ASSERT_NE(t.lookup({ip4(10, 5, 0, 3), 0}), held);
        ASSERT_NE(t.lookup({ip4(10, 5, 0, 3), 0}), gone);
    }
    EXPECT_EQ(r, Result::busy);
    EXPECT_EQ(updates, 1028u);
    EXPECT_EQ(t.counters().busy, 1u);
    EXPECT_EQ(t.counters().reclaimed, 0u);
    EXPECT_EQ(t.pending(), 1029u);
    t.reclaim();
    EXPECT_EQ(t.counters().reclaimed, 0u);
    // What the reader holds is intact, byte for byte.
    EXPECT_EQ(std::memcmp(held, &held_copy, sizeof(AdjEntry)), 0);
    EXPECT_EQ(std::memcmp(gone, &gone_copy, sizeof(AdjEntry)), 0);
    // A busy table is still a consistent table.
    EXPECT_EQ(t.size(), 3u);
    EXPECT_EQ(t.lookup(held_key)->mac, mac(3));
    EXPECT_EQ(t.digest(), digest_of(t));

    rte_rcu_qsbr_quiescent(v, 0);
    t.reclaim();
    EXPECT_EQ(t.counters().reclaimed, 1029u);
    EXPECT_EQ(t.pending(), 0u);
    EXPECT_EQ(t.upsert({ip4(10, 5, 0, 3), 0}, mac(0xaa), 0, Origin::learned, 4), Result::updated);

    // An offline reader holds nothing back.
    rte_rcu_qsbr_thread_offline(v, 0);
    for (uint32_t i = 0; i < 3000; ++i)
        ASSERT_EQ(t.upsert(held_key, mac(uint8_t(i), uint8_t(2 + 4 * (i >> 8 & 3))), 1, Origin::learned, 5),
                  Result::updated);
    rte_rcu_qsbr_thread_unregister(v, 0);
}

TEST_F(AdjacencyTest, MillionEntries) {
    rte_malloc_socket_stats before{}, after{};
    rte_malloc_get_socket_stats(0, &before);
    std::string error;
    auto tp = AdjacencyTable::create({unique_name(), 1u << 20, rcu_.get()}, error);
    ASSERT_NE(tp, nullptr) << error;
    rte_malloc_get_socket_stats(0, &after);
    const size_t bytes = after.heap_allocsz_bytes - before.heap_allocsz_bytes;
    RecordProperty("dpdk_bytes", std::to_string(bytes));
    std::printf("[ memory   ] 1M entries: %zu MB of DPDK memory\n", bytes >> 20);
    AdjacencyTable& t = *tp;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < (1u << 20); ++i) {
        const AdjKey k{ip4(10, 0, 0, 0) + 1 + i, uint16_t(i & 7)};
        const Mac m{{0x02, uint8_t(i >> 24), uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i), 1}};
        ASSERT_EQ(t.upsert(k, m, 0, Origin::synced, 0), Result::added) << i;
        sum += AdjacencyTable::entry_digest(k.ifindex, k.ip, m);
    }
    EXPECT_EQ(t.size(), 1u << 20);
    EXPECT_EQ(t.digest(), sum);
    EXPECT_EQ(t.upsert({ip4(11, 0, 0, 1), 0}, mac(1), 0, Origin::learned, 0), Result::full);
    EXPECT_EQ(t.upsert({ip4(10, 0, 0, 1), 0}, mac(1), 0, Origin::learned, 0), Result::updated);
    const AdjEntry* e = t.lookup({ip4(10, 0, 0, 0) + 1 + 777777, uint16_t(777777 & 7)});
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->mac.bytes[4], uint8_t(777777));
}

} // namespace
} // namespace wg::fastpath
