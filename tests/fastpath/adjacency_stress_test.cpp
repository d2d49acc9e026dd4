// AdjacencyTable under concurrency: the writer churns on this lcore while a
// reader on another does bulk hash lookups and direct-index loads and checks
// every hit; at the end the table (and its direct index) must equal the
// writer's model. A correctness test (bounded at 3 s), not a timing one.
#include "tests/fastpath/adjacency_test_util.hpp"

#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <random>
#include <unordered_map>

namespace wg::fastpath {
namespace {

using namespace adjtest;

// MACs carry the ip (bytes 1-4), a generation (byte 0) and a check byte
// over both and the ifindex: a torn, stale-recycled or misfiled entry fails
// the check.
uint8_t check_byte(const Mac& m, uint16_t ifindex) {
    uint8_t c = 0x5a;
    for (int i = 0; i < 5; ++i) c = uint8_t(c * 31 + m.bytes[size_t(i)]);
    return uint8_t(c ^ (ifindex * 7));
}
Mac stress_mac(uint32_t ip, uint16_t ifindex, uint32_t gen) {
    Mac m{{uint8_t((gen & 0x3f) << 2 | 0x02), uint8_t(ip >> 24), uint8_t(ip >> 16), uint8_t(ip >> 8),
           uint8_t(ip), 0}};
    m.bytes[5] = check_byte(m, ifindex);
    return m;
}
bool entry_ok(const AdjKey& k, const AdjEntry& e) {
    const Mac& m = e.mac;
    const uint32_t mac_ip =
        uint32_t(m.bytes[1]) << 24 | uint32_t(m.bytes[2]) << 16 | uint32_t(m.bytes[3]) << 8 | m.bytes[4];
    return e.ip == k.ip && e.ifindex == k.ifindex && mac_ip == k.ip &&
           m.bytes[5] == check_byte(m, k.ifindex) && e.port_id == k.ifindex + 100 && uint8_t(e.origin) <= 2 &&
           e.pad == 0;
}

constexpr uint32_t kStressKeys = 4096; // ips per interface
constexpr uint16_t kStressIfaces = 2;
// Interface 0: consecutive addresses from 10.6.0.1, the first half inside
// its direct range (a /21: one page, taken at registration), the rest
// outside (hash only). Interface 1: spread over the 16 lazily allocated
// pages of a /12, so pages appear while the reader runs.
constexpr uint32_t kBase0 = ip4(10, 6, 0, 0), kBase1 = ip4(10, 16, 0, 0);
constexpr uint8_t kLen0 = 21, kLen1 = 12;
AdjKey stress_key(uint32_t n) {
    const uint32_t j = n / kStressIfaces;
    if (n % kStressIfaces == 0) return {kBase0 + 1 + j, 0};
    return {kBase1 + j * 256 + 1 + (j & 0x7f), 1};
}
bool in_direct_range(const AdjKey& k) {
    return k.ifindex == 1 || k.ip - kBase0 < (1u << (32 - kLen0));
}
// A direct word: the MAC passes entry_ok's checks for this key, port too.
bool word_ok(const AdjKey& k, uint64_t word) {
    AdjEntry e{};
    std::memcpy(e.mac.bytes.data(), &word, 6);
    e.port_id = AdjacencyTable::Direct::port_of(word);
    e.ifindex = k.ifindex;
    e.ip = k.ip;
    return entry_ok(k, e);
}

struct ReaderArgs {
    const AdjacencyTable* table;
    rte_rcu_qsbr* v;
    std::atomic<bool> stop{false};
    std::atomic<bool> started{false};
    uint64_t loops = 0, lookups = 0, hits = 0, bad = 0, changed = 0;
    // Direct index: words checked per interface, bad words, kAskHash where
    // the range (and its pre-allocated page) should have answered.
    uint64_t direct_hits[kStressIfaces] = {}, direct_bad = 0, direct_misrouted = 0;
};

int reader_main(void* arg) {
    auto* a = static_cast<ReaderArgs*>(arg);
    rte_rcu_qsbr_thread_register(a->v, 1);
    rte_rcu_qsbr_thread_online(a->v, 1);
    a->started.store(true);
    std::mt19937 rng(1234);
    AdjKey keys[32];
    const AdjEntry* out[32];
    AdjEntry copy[32];
    while (!a->stop.load(std::memory_order_relaxed)) {
        for (auto& k : keys) k = stress_key(rng() % (kStressKeys * kStressIfaces));
        // The worker's order: the direct word first, the hash for the rest.
        for (const AdjKey& k : keys) {
            const uint64_t w = a->table->direct(k.ifindex).lookup(k.ip);
            if (w == AdjacencyTable::Direct::kAskHash) {
                // Outside the range, or (interface 1) a page not there yet.
                a->direct_misrouted += in_direct_range(k) && k.ifindex == 0;
            } else if (!in_direct_range(k)) {
                ++a->direct_misrouted;
            } else if (w != 0) {
                a->direct_bad += !word_ok(k, w);
                ++a->direct_hits[k.ifindex];
            }
        }
        const uint64_t hits = a->table->lookup_bulk(keys, 32, out);
        for (unsigned i = 0; i < 32; ++i) {
            if (!(hits >> i & 1)) continue;
            copy[i] = *out[i];
            a->bad += !entry_ok(keys[i], copy[i]);
        }
        // Until we quiesce, what we hold must not move under us.
        for (unsigned i = 0; i < 32; ++i)
            if (hits >> i & 1) a->changed += std::memcmp(out[i], &copy[i], sizeof(AdjEntry)) != 0;
        a->lookups += 32;
        a->hits += uint64_t(__builtin_popcountll(hits));
        ++a->loops;
        rte_rcu_qsbr_quiescent(a->v, 1);
    }
    rte_rcu_qsbr_thread_offline(a->v, 1);
    rte_rcu_qsbr_thread_unregister(a->v, 1);
    return 0;
}

TEST_F(AdjacencyTest, StressWriterAgainstBulkReader) {
    const unsigned reader_lcore = rte_get_next_lcore(-1, 1, 0);
    if (reader_lcore >= RTE_MAX_LCORE) GTEST_SKIP() << "needs a second lcore (-l 0-1)";
    auto tp = make_table(rcu_.get(), kStressKeys); // half the key space: `full` happens too
    ASSERT_NE(tp, nullptr);
    AdjacencyTable& t = *tp;

    struct Value {
        Mac mac;
        Origin origin;
    };
    std::unordered_map<AdjKey, Value, KeyHash> model;
    uint32_t gen = 0;
    ASSERT_TRUE(t.add_direct(1, kBase1, kLen1));
    // Start full (the even keys), so that `full` answers come early too.
    for (uint32_t n = 0; n < 2 * kStressKeys; n += 2) {
        const AdjKey k = stress_key(n);
        const Value v{stress_mac(k.ip, k.ifindex, ++gen), Origin::learned};
        ASSERT_EQ(t.upsert(k, v.mac, uint16_t(k.ifindex + 100), v.origin, 0), Result::added);
        model[k] = v;
    }
    ASSERT_TRUE(t.add_direct(0, kBase0, kLen0)); // after the fill: copies it

    ReaderArgs args;
    args.table = &t;
    args.v = rcu_.get();
    ASSERT_EQ(rte_eal_remote_launch(reader_main, &args, reader_lcore), 0);
    struct Joiner { // also on a failed ASSERT: never leave the lcore spinning
        ReaderArgs& a;
        unsigned lcore;
        bool done = false;
        void join() {
            if (done) return;
            a.stop.store(true);
            rte_eal_wait_lcore(lcore);
            done = true;
        }
        ~Joiner() { join(); }
    } reader{args, reader_lcore};
    while (!args.started.load()) {}

    std::mt19937_64 rng(20240601);
    uint64_t ops = 0, busy = 0, full = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    for (;; ++ops) {
        if ((ops & 1023) == 0 && std::chrono::steady_clock::now() >= deadline) break;
        if ((ops & 63) == 0) t.reclaim(); // the control loop's tick
        const uint64_t r = rng();
        const AdjKey k = stress_key(uint32_t(r >> 8) % (kStressKeys * kStressIfaces));
        if (r % 100 < 55) {
            const Value v{stress_mac(k.ip, k.ifindex, ++gen), Origin(r >> 40 & 1 ? 1 : 0)};
            const Result res = t.upsert(k, v.mac, uint16_t(k.ifindex + 100), v.origin, ops);
            const bool had = model.count(k) != 0;
            switch (res) {
            case Result::added:
                ASSERT_FALSE(had);
                model[k] = v;
                break;
            case Result::updated:
            case Result::unchanged:
                ASSERT_TRUE(had);
                model[k] = v;
                break;
            case Result::full:
                ASSERT_FALSE(had);
                ASSERT_EQ(model.size(), kStressKeys);
                ++full;
                break;
            case Result::busy: ++busy; break;
            case Result::invalid: FAIL() << "invalid " << k.ip;
            }
        } else {
            ASSERT_EQ(t.remove(k), model.erase(k) == 1);
        }
    }
    reader.join();

    RecordProperty("writer_ops", std::to_string(ops));
    RecordProperty("reader_lookups", std::to_string(args.lookups));
    EXPECT_EQ(args.bad, 0u) << "inconsistent entries seen by the reader";
    EXPECT_EQ(args.changed, 0u) << "entries changed under the reader before it quiesced";
    EXPECT_GT(args.loops, 100u);
    EXPECT_GT(args.hits, 0u);
    EXPECT_EQ(args.direct_bad, 0u) << "inconsistent direct words seen by the reader";
    EXPECT_EQ(args.direct_misrouted, 0u) << "direct index answered outside its range, or not inside";
    EXPECT_GT(args.direct_hits[0], 0u);
    EXPECT_GT(args.direct_hits[1], 0u);
    EXPECT_GT(full, 0u);
    EXPECT_GT(t.counters().reclaimed, 0u);
    std::printf("[ stress   ] writer %" PRIu64 " ops (%" PRIu64 " busy, %" PRIu64 " full), reader %" PRIu64
                " lookups, %" PRIu64 " hits, %" PRIu64 " + %" PRIu64 " direct words\n",
                ops, busy, full, args.lookups, args.hits, args.direct_hits[0], args.direct_hits[1]);

    // The table is exactly the model.
    ASSERT_EQ(t.size(), model.size());
    uint64_t sum = 0, visited = 0;
    t.for_each([&](const AdjInfo& info) {
        const AdjKey k{info.entry.ip, info.entry.ifindex};
        auto it = model.find(k);
        ASSERT_NE(it, model.end());
        EXPECT_EQ(info.entry.mac, it->second.mac);
        EXPECT_EQ(info.entry.origin, it->second.origin);
        EXPECT_TRUE(entry_ok(k, info.entry));
        ++visited;
    });
    EXPECT_EQ(visited, model.size());
    for (const auto& [k, v] : model) sum += AdjacencyTable::entry_digest(k.ifindex, k.ip, v.mac);
    EXPECT_EQ(t.digest(), sum);
    // The direct index is exactly the model too, page by page.
    EXPECT_EQ(t.counters().direct_nomem, 0u);
    uint64_t direct_entries = 0;
    for (uint32_t n = 0; n < kStressKeys * kStressIfaces; ++n) {
        const AdjKey k = stress_key(n);
        const uint64_t w = t.direct(k.ifindex).lookup(k.ip);
        auto it = model.find(k);
        if (!in_direct_range(k)) {
            EXPECT_EQ(w, AdjacencyTable::Direct::kAskHash) << k.ip;
        } else if (it != model.end()) {
            EXPECT_EQ(w, AdjacencyTable::Direct::word_of(it->second.mac, uint16_t(k.ifindex + 100))) << k.ip;
            ++direct_entries;
        } else {
            EXPECT_TRUE(w == 0 || (k.ifindex == 1 && w == AdjacencyTable::Direct::kAskHash)) << k.ip;
        }
    }
    EXPECT_GT(direct_entries, 0u);
    const auto c = t.counters();
    EXPECT_EQ(c.added - c.removed, model.size());
    // With the reader gone, every deferred slot comes back.
    t.reclaim();
    EXPECT_EQ(t.pending(), 0u);
}

} // namespace
} // namespace wg::fastpath
