// The adjacency table's direct index (adjacency.hpp): which subnets it
// takes, that every upsert/remove is mirrored in the word readers load, that
// keys outside a range go to the hash, page allocation (eager up to /16,
// lazy above) and that a failed allocation only sends readers to the hash.
// Single-threaded; the concurrent reads are in adjacency_stress_test.cpp.
#include "tests/fastpath/adjacency_test_util.hpp"

#include <rte_malloc.h>

#include <cstring>
#include <vector>

namespace wg::fastpath {
namespace {

using namespace adjtest;
using Direct = AdjacencyTable::Direct;
constexpr uint64_t kAskHash = Direct::kAskHash;
constexpr size_t kPageBytes = sizeof(uint64_t) << AdjacencyTable::kDirectPageBits; // 512 KiB

// Records every allocation of the direct index; fails those whose number
// (from 0) is in `fail`.
struct AllocSpy {
    std::vector<size_t> sizes;
    std::vector<size_t> fail;
    void* operator()(size_t bytes) {
        const size_t n = sizes.size();
        sizes.push_back(bytes);
        for (size_t f : fail)
            if (f == n) return nullptr;
        return rte_zmalloc("test_direct", bytes, 64);
    }
};

class DirectTest : public ::testing::Test {
  protected:
    std::unique_ptr<AdjacencyTable> make(uint32_t capacity = 1024) {
        AdjacencyTable::Options o{unique_name(), capacity, rcu_.get()};
        o.direct_alloc = [this](size_t bytes) { return spy_(bytes); };
        std::string error;
        auto t = AdjacencyTable::create(o, error);
        EXPECT_NE(t, nullptr) << error;
        return t;
    }
    Rcu rcu_{1};
    AllocSpy spy_;
};

TEST_F(DirectTest, AcceptsPrefixesEightToThirtyOnly) {
    for (unsigned len = 0; len <= 32; ++len) {
        auto t = make();
        ASSERT_NE(t, nullptr);
        const bool ok = t->add_direct(2, ip4(10, 0, 0, 1), uint8_t(len));
        EXPECT_EQ(ok, len >= 8 && len <= 30) << "/" << len;
        EXPECT_EQ(t->direct(2).size.load(), ok ? 1u << (32 - len) : 0u) << "/" << len;
        EXPECT_EQ(t->direct(2).base, ok ? ip4(10, 0, 0, 0) & ~((1u << (32 - len)) - 1) : 0u) << "/" << len;
        EXPECT_EQ(t->counters().direct_nomem, 0u);
    }
}

TEST_F(DirectTest, OneRangePerInterfaceAndOnlySixteenInterfaces) {
    auto t = make();
    ASSERT_TRUE(t->add_direct(0, ip4(10, 1, 1, 1), 24));
    EXPECT_FALSE(t->add_direct(0, ip4(10, 2, 2, 1), 24)) << "a second range for the same ifindex";
    EXPECT_EQ(t->direct(0).base, ip4(10, 1, 1, 0));
    ASSERT_TRUE(t->add_direct(AdjacencyTable::kDirectMax - 1, ip4(10, 2, 2, 1), 24));
    EXPECT_FALSE(t->add_direct(AdjacencyTable::kDirectMax, ip4(10, 3, 3, 1), 24));
    EXPECT_EQ(t->direct(AdjacencyTable::kDirectMax).size.load(), 0u);
    EXPECT_EQ(t->direct(999).lookup(ip4(10, 3, 3, 5)), kAskHash);
}

TEST_F(DirectTest, UpsertUpdateRemoveAreMirroredInTheWord) {
    auto t = make();
    ASSERT_TRUE(t->add_direct(3, ip4(10, 1, 1, 1), 24));
    const Direct& d = t->direct(3);
    const AdjKey k{ip4(10, 1, 1, 50), 3};
    EXPECT_EQ(d.lookup(k.ip), 0u) << "in range, no entry";

    ASSERT_EQ(t->upsert(k, mac(0x50), 7, Origin::learned, 1), Result::added);
    uint64_t w = d.lookup(k.ip);
    EXPECT_EQ(w, Direct::word_of(mac(0x50), 7));
    EXPECT_EQ(Direct::port_of(w), 7);
    Mac m;
    std::memcpy(m.bytes.data(), &w, 6);
    EXPECT_EQ(m, mac(0x50)) << "the low 48 bits are the MAC in wire order";

    ASSERT_EQ(t->upsert(k, mac(0x51), 7, Origin::learned, 2), Result::updated);
    EXPECT_EQ(d.lookup(k.ip), Direct::word_of(mac(0x51), 7));
    ASSERT_EQ(t->upsert(k, mac(0x51), 9, Origin::learned, 3), Result::updated);
    EXPECT_EQ(Direct::port_of(d.lookup(k.ip)), 9);
    ASSERT_EQ(t->upsert(k, mac(0x51), 9, Origin::synced, 4), Result::updated);
    ASSERT_EQ(t->upsert(k, mac(0x51), 9, Origin::synced, 5), Result::unchanged);
    EXPECT_EQ(d.lookup(k.ip), Direct::word_of(mac(0x51), 9));
    // Neighbours are independent words; the first and last address are in range.
    EXPECT_EQ(d.lookup(ip4(10, 1, 1, 49)), 0u);
    EXPECT_EQ(d.lookup(ip4(10, 1, 1, 51)), 0u);
    ASSERT_EQ(t->upsert({ip4(10, 1, 1, 255), 3}, mac(0xff), 1, Origin::learned, 6), Result::added);
    EXPECT_EQ(d.lookup(ip4(10, 1, 1, 255)), Direct::word_of(mac(0xff), 1));

    EXPECT_TRUE(t->remove(k));
    EXPECT_EQ(d.lookup(k.ip), 0u);
    EXPECT_EQ(t->lookup(k), nullptr);
    // Refused upserts leave the word alone.
    EXPECT_EQ(t->upsert(k, Mac{}, 9, Origin::learned, 7), Result::invalid);
    EXPECT_EQ(d.lookup(k.ip), 0u);
}

TEST_F(DirectTest, KeysOutsideTheRangeUseTheHash) {
    auto t = make();
    ASSERT_TRUE(t->add_direct(1, ip4(10, 1, 1, 0), 24));
    const AdjKey outside{ip4(10, 1, 2, 5), 1};  // next subnet
    const AdjKey below{ip4(10, 1, 0, 255), 1};  // just under the base
    const AdjKey other_if{ip4(10, 1, 1, 5), 2}; // same address, interface without a range
    for (const AdjKey& k : {outside, below, other_if}) {
        ASSERT_EQ(t->upsert(k, mac(0x21), 4, Origin::learned, 1), Result::added);
        EXPECT_EQ(t->direct(k.ifindex).lookup(k.ip), kAskHash) << k.ip;
        ASSERT_NE(t->lookup(k), nullptr);
        EXPECT_EQ(t->lookup(k)->mac, mac(0x21));
    }
    EXPECT_EQ(t->direct(1).lookup(ip4(10, 1, 1, 5)), 0u) << "ifindex 2's entry is not ifindex 1's";
}

TEST_F(DirectTest, EntriesInstalledBeforeTheRangeAreCopied) {
    auto t = make();
    ASSERT_EQ(t->upsert({ip4(10, 1, 1, 7), 0}, mac(7), 3, Origin::static_entry, 1), Result::added);
    ASSERT_EQ(t->upsert({ip4(10, 1, 2, 7), 0}, mac(8), 3, Origin::static_entry, 1), Result::added);
    ASSERT_EQ(t->upsert({ip4(10, 1, 1, 8), 1}, mac(9), 3, Origin::static_entry, 1), Result::added);
    ASSERT_TRUE(t->add_direct(0, ip4(10, 1, 1, 0), 24));
    EXPECT_EQ(t->direct(0).lookup(ip4(10, 1, 1, 7)), Direct::word_of(mac(7), 3));
    EXPECT_EQ(t->direct(0).lookup(ip4(10, 1, 2, 7)), kAskHash);
    EXPECT_EQ(t->direct(0).lookup(ip4(10, 1, 1, 8)), 0u);
}

TEST_F(DirectTest, UpToSlashSixteenThePageIsTakenAtRegistration) {
    auto t = make();
    ASSERT_TRUE(t->add_direct(0, ip4(10, 1, 1, 0), 24));
    ASSERT_EQ(spy_.sizes.size(), 2u) << "page table + the page";
    EXPECT_EQ(spy_.sizes[1], 256 * sizeof(uint64_t));
    ASSERT_TRUE(t->add_direct(1, ip4(10, 2, 0, 0), 16));
    ASSERT_EQ(spy_.sizes.size(), 4u);
    EXPECT_EQ(spy_.sizes[3], kPageBytes);
    for (uint32_t i = 1; i < 200; ++i) {
        ASSERT_EQ(t->upsert({ip4(10, 1, 1, 0) + i, 0}, mac(uint8_t(i)), 0, Origin::learned, i),
                  Result::added);
        ASSERT_EQ(t->upsert({ip4(10, 2, 0, 0) + i * 300, 1}, mac(uint8_t(i)), 0, Origin::learned, i),
                  Result::added);
    }
    EXPECT_EQ(spy_.sizes.size(), 4u) << "neighbours never allocate";
    EXPECT_EQ(t->direct(1).lookup(ip4(10, 2, 0, 0) + 199 * 300), Direct::word_of(mac(199), 0));
}

TEST_F(DirectTest, WiderSubnetsTakePagesOnFirstUse) {
    auto t = make();
    ASSERT_TRUE(t->add_direct(0, ip4(10, 16, 0, 0), 12)); // 16 pages
    ASSERT_EQ(spy_.sizes.size(), 1u) << "only the page table";
    const Direct& d = t->direct(0);
    EXPECT_EQ(d.lookup(ip4(10, 19, 0, 1)), kAskHash) << "absent page: the hash decides";
    EXPECT_FALSE(t->remove({ip4(10, 19, 0, 1), 0}));
    ASSERT_EQ(t->upsert({ip4(10, 19, 0, 1), 0}, mac(1), 5, Origin::learned, 1), Result::added);
    ASSERT_EQ(spy_.sizes.size(), 2u);
    EXPECT_EQ(spy_.sizes[1], kPageBytes);
    EXPECT_EQ(d.lookup(ip4(10, 19, 0, 1)), Direct::word_of(mac(1), 5));
    EXPECT_EQ(d.lookup(ip4(10, 19, 255, 254)), 0u) << "same page, now authoritative";
    EXPECT_EQ(d.lookup(ip4(10, 20, 0, 1)), kAskHash) << "next page still absent";
    ASSERT_EQ(t->upsert({ip4(10, 19, 200, 1), 0}, mac(2), 5, Origin::learned, 2), Result::added);
    EXPECT_EQ(spy_.sizes.size(), 2u);
    // A remove empties the word but keeps the page.
    EXPECT_TRUE(t->remove({ip4(10, 19, 0, 1), 0}));
    EXPECT_EQ(d.lookup(ip4(10, 19, 0, 1)), 0u);
    EXPECT_EQ(t->counters().direct_nomem, 0u);
}

TEST_F(DirectTest, AFailedPageSendsItsAddressesToTheHashForGood) {
    auto t = make();
    ASSERT_TRUE(t->add_direct(0, ip4(10, 16, 0, 0), 12));
    const Direct& d = t->direct(0);
    spy_.fail = {1}; // the first page
    const AdjKey a{ip4(10, 17, 0, 9), 0};
    ASSERT_EQ(t->upsert(a, mac(9), 2, Origin::learned, 1), Result::added) << "the hash still takes it";
    EXPECT_EQ(t->counters().direct_nomem, 1u);
    EXPECT_EQ(d.lookup(a.ip), kAskHash) << "never 0: a reader must not miss the entry";
    ASSERT_NE(t->lookup(a), nullptr);
    EXPECT_EQ(t->lookup(a)->mac, mac(9));

    // Memory is back, but that page is never retried: `a` would be missing from it.
    const AdjKey b{ip4(10, 17, 0, 10), 0};
    ASSERT_EQ(t->upsert(b, mac(10), 2, Origin::learned, 2), Result::added);
    EXPECT_EQ(spy_.sizes.size(), 2u);
    EXPECT_EQ(d.lookup(a.ip), kAskHash);
    EXPECT_EQ(d.lookup(b.ip), kAskHash);
    EXPECT_EQ(t->counters().direct_nomem, 1u);
    ASSERT_EQ(t->upsert(a, mac(11), 2, Origin::learned, 3), Result::updated);
    EXPECT_EQ(t->lookup(a)->mac, mac(11));
    EXPECT_TRUE(t->remove(b));
    EXPECT_EQ(t->lookup(b), nullptr);
    EXPECT_EQ(d.lookup(b.ip), kAskHash);

    // Other pages of the range are unaffected.
    const AdjKey c{ip4(10, 18, 0, 9), 0};
    ASSERT_EQ(t->upsert(c, mac(12), 2, Origin::learned, 4), Result::added);
    EXPECT_EQ(d.lookup(c.ip), Direct::word_of(mac(12), 2));
}

TEST_F(DirectTest, NoMemoryAtRegistrationLeavesTheInterfaceToTheHash) {
    auto t = make();
    spy_.fail = {1}; // the /24's page
    EXPECT_FALSE(t->add_direct(0, ip4(10, 1, 1, 0), 24));
    EXPECT_EQ(t->counters().direct_nomem, 1u);
    EXPECT_EQ(t->direct(0).size.load(), 0u);
    ASSERT_EQ(t->upsert({ip4(10, 1, 1, 5), 0}, mac(5), 1, Origin::learned, 1), Result::added);
    EXPECT_EQ(t->direct(0).lookup(ip4(10, 1, 1, 5)), kAskHash);
    EXPECT_NE(t->lookup({ip4(10, 1, 1, 5), 0}), nullptr);

    spy_.fail = {2}; // the next call's page table
    EXPECT_FALSE(t->add_direct(1, ip4(10, 2, 1, 0), 24));
    EXPECT_EQ(t->counters().direct_nomem, 2u);

    // A later attempt with memory works, and copies what the hash holds.
    spy_.fail.clear();
    ASSERT_TRUE(t->add_direct(0, ip4(10, 1, 1, 0), 24));
    EXPECT_EQ(t->direct(0).lookup(ip4(10, 1, 1, 5)), Direct::word_of(mac(5), 1));
}

} // namespace
} // namespace wg::fastpath
