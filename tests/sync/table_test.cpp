// The replicated table's digest (sync/table.hpp): order independent,
// incremental, by interface name.
#include "sync/table.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <map>
#include <random>
#include <set>

namespace wg::sync {
namespace {

Ipv4 ip(uint32_t i) {
    return Ipv4{0x0a000000u + i};
}
Mac mac(uint32_t i, uint8_t v = 0) {
    return Mac{{0x02, v, uint8_t(i >> 24), uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)}};
}

Table named(uint16_t user, uint16_t core) {
    Table t;
    t.set_interface(user, "GigabitEthernet0/1/0");
    t.set_interface(core, "GigabitEthernet0/2/0");
    return t;
}

TEST(Fnv1a32, KnownVectors) {
    // Published FNV-1a 32-bit test values.
    EXPECT_EQ(fnv1a32(""), 0x811c9dc5u);
    EXPECT_EQ(fnv1a32("a"), 0xe40c292cu);
    EXPECT_EQ(fnv1a32("foobar"), 0xbf9cf968u);
}

TEST(Mix64, NotSymmetricAndSpreads) {
    EXPECT_NE(mix64(1, 2), mix64(2, 1));
    // One input bit flips about half the output bits.
    const uint64_t base = mix64(0x0a000001, 0x020000000001);
    const int flipped = std::popcount(base ^ mix64(0x0a000001, 0x020000000000));
    EXPECT_GT(flipped, 16);
    EXPECT_LT(flipped, 48);
}

TEST(Table, EmptyDigestIsZero) {
    Table t;
    EXPECT_EQ(t.digest(), 0u);
    EXPECT_EQ(t.size(), 0u);
}

TEST(Table, OrderIndependent) {
    std::vector<uint32_t> order(1000);
    for (uint32_t i = 0; i < order.size(); ++i)
        order[i] = i;
    Table x = named(0, 1), y = named(0, 1);
    for (uint32_t i : order)
        x.upsert(i % 2, ip(i), mac(i));
    std::shuffle(order.begin(), order.end(), std::mt19937(7));
    for (uint32_t i : order)
        y.upsert(i % 2, ip(i), mac(i));
    EXPECT_EQ(x.digest(), y.digest());
    EXPECT_EQ(x.size(), 1000u);
    // The sum of the words, by definition.
    uint64_t sum = 0;
    x.for_each([&](uint16_t ifindex, Ipv4 a, const Table::Value& v) { sum += x.hash_of(ifindex, a, v.mac); });
    EXPECT_EQ(sum, x.digest());
}

TEST(Table, AddThenRemoveReturnsToTheOldDigest) {
    Table t = named(0, 1);
    for (uint32_t i = 0; i < 100; ++i)
        t.upsert(0, ip(i), mac(i));
    const uint64_t before = t.digest();
    EXPECT_EQ(t.upsert(0, ip(500), mac(500)), Table::Applied::added);
    EXPECT_NE(t.digest(), before);
    EXPECT_EQ(t.remove(0, ip(500)), Table::Applied::removed);
    EXPECT_EQ(t.digest(), before);
    EXPECT_EQ(t.remove(0, ip(500)), Table::Applied::absent);
    EXPECT_EQ(t.digest(), before);
    EXPECT_EQ(t.size(), 100u);
}

TEST(Table, UpdateEqualsRemoveThenAdd) {
    Table u = named(0, 1), r = named(0, 1);
    for (Table* t : {&u, &r})
        for (uint32_t i = 0; i < 10; ++i)
            t->upsert(0, ip(i), mac(i));
    EXPECT_EQ(u.upsert(0, ip(3), mac(3, 9)), Table::Applied::updated);
    r.remove(0, ip(3));
    r.upsert(0, ip(3), mac(3, 9));
    EXPECT_EQ(u.digest(), r.digest());
    EXPECT_EQ(u.find(0, ip(3))->mac, mac(3, 9));
    // Same MAC again: unchanged; a tag change is not in the digest.
    EXPECT_EQ(u.upsert(0, ip(3), mac(3, 9)), Table::Applied::unchanged);
    EXPECT_EQ(u.upsert(0, ip(3), mac(3, 9), 7), Table::Applied::updated);
    EXPECT_EQ(u.find(0, ip(3))->tag, 7u);
    EXPECT_EQ(u.digest(), r.digest());
}

TEST(Table, SameNameDifferentIfindexAgree) {
    Table a = named(0, 1), b = named(7, 3);
    for (uint32_t i = 0; i < 50; ++i) {
        a.upsert(i % 2 ? 1 : 0, ip(i), mac(i));
        b.upsert(i % 2 ? 3 : 7, ip(i), mac(i));
    }
    EXPECT_EQ(a.digest(), b.digest());
}

TEST(Table, DigestSeesInterfaceIpAndMac) {
    Table base = named(0, 1);
    base.upsert(0, ip(1), mac(1));
    Table other_if = named(0, 1), other_ip = named(0, 1), other_mac = named(0, 1);
    other_if.upsert(1, ip(1), mac(1));
    other_ip.upsert(0, ip(2), mac(1));
    other_mac.upsert(0, ip(1), mac(2));
    std::set<uint64_t> d{base.digest(), other_if.digest(), other_ip.digest(), other_mac.digest()};
    EXPECT_EQ(d.size(), 4u);
}

TEST(Table, RenameRecomputes) {
    Table a = named(0, 1), b;
    b.set_interface(0, "eth-old");
    a.upsert(0, ip(1), mac(1));
    b.upsert(0, ip(1), mac(1));
    EXPECT_NE(a.digest(), b.digest());
    b.set_interface(0, "GigabitEthernet0/1/0");
    EXPECT_EQ(a.digest(), b.digest());
    EXPECT_EQ(b.interface_name(0), "GigabitEthernet0/1/0");
    EXPECT_EQ(b.interface_name(9), "");
    EXPECT_FALSE(b.has_interface(9));
}

TEST(Table, ClearKeepsNames) {
    Table t = named(4, 1);
    t.upsert(4, ip(1), mac(1));
    t.clear();
    EXPECT_EQ(t.digest(), 0u);
    EXPECT_EQ(t.size(), 0u);
    EXPECT_TRUE(t.has_interface(4));
    EXPECT_FALSE(t.contains(4, ip(1)));
}

// Heavy churn against a reference map: contents and digest stay exact.
TEST(Table, MatchesAReferenceMapUnderChurn) {
    Table t = named(0, 1);
    std::map<std::pair<uint16_t, uint32_t>, Mac> ref;
    std::mt19937 rng(99);
    for (int step = 0; step < 200000; ++step) {
        const uint16_t ifindex = uint16_t(rng() % 2);
        const uint32_t i = rng() % 5000; // dense: long probe runs
        if (rng() % 3 == 0) {
            const bool had = ref.erase({ifindex, ip(i).value}) != 0;
            EXPECT_EQ(t.remove(ifindex, ip(i)), had ? Table::Applied::removed : Table::Applied::absent);
        } else {
            const Mac m = mac(i, uint8_t(rng() % 3));
            ref[{ifindex, ip(i).value}] = m;
            t.upsert(ifindex, ip(i), m);
        }
    }
    ASSERT_EQ(t.size(), ref.size());
    uint64_t digest = 0;
    for (const auto& [k, m] : ref) {
        const Table::Value* v = t.find(k.first, Ipv4{k.second});
        ASSERT_NE(v, nullptr);
        EXPECT_EQ(v->mac, m);
        digest += t.hash_of(k.first, Ipv4{k.second}, m);
    }
    EXPECT_EQ(t.digest(), digest);
    size_t seen = 0;
    t.for_each([&](uint16_t, Ipv4, const Table::Value&) { ++seen; });
    EXPECT_EQ(seen, ref.size());
    for (const auto& [k, m] : ref)
        t.remove(k.first, Ipv4{k.second});
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.digest(), 0u);
}

} // namespace
} // namespace wg::sync
