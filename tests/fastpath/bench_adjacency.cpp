// Bulk adjacency lookups as a worker does them (32 keys per call, one RCU
// quiescent report per call), at 1k/64k/1M entries, all-hit, half-hit and
// all-miss key mixes, alone or against a writer on another lcore that
// updates entries at a steady pace (ARP refreshes, a sync batch arriving).
//
//   build-x/tests/fastpath/bench_adjacency [--benchmark_filter=...]
// Needs lcores 0-1 for the writer cases (EAL args as the packet tests, -m 1024).
// Rates are per CPU second of the reader: on a shared machine the reader's
// wall time includes time it was not scheduled at all.
#include "fastpath/adjacency.hpp"
#include "tests/fastpath/eal_env.hpp"

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <vector>

namespace {

using wg::Mac;
using wg::fastpath::AdjacencyTable;
using wg::fastpath::AdjEntry;
using wg::fastpath::AdjKey;
using wg::fastpath::Origin;

constexpr uint32_t kBase = 0x0a000001; // 10.0.0.1
constexpr unsigned kBurst = 32;
constexpr size_t kKeySet = 1u << 16;     // keys cycled through by the reader
constexpr uint64_t kWriterRate = 200000; // upserts per second
constexpr unsigned kReaderId = 0;

rte_rcu_qsbr* g_qsbr = nullptr;

AdjKey key_of(uint32_t i) { return AdjKey{kBase + i, uint16_t(i & 3)}; }
Mac mac_of(uint32_t i, uint32_t gen) {
    return Mac{{uint8_t(0x02 | (gen & 0x3f) << 2), uint8_t(i >> 24), uint8_t(i >> 16), uint8_t(i >> 8),
                uint8_t(i), 1}};
}

// One filled table per size, built once (filling 1M entries takes a while).
AdjacencyTable* table_of(uint32_t size) {
    static std::map<uint32_t, std::unique_ptr<AdjacencyTable>> tables;
    auto& t = tables[size];
    if (!t) {
        std::string error;
        t = AdjacencyTable::create({"bench" + std::to_string(size), size, g_qsbr}, error);
        if (!t) {
            std::fprintf(stderr, "%s\n", error.c_str());
            return nullptr;
        }
        for (uint32_t i = 0; i < size; ++i)
            t->upsert(key_of(i), mac_of(i, 0), uint16_t(i & 3), Origin::learned, 0);
    }
    return t.get();
}

struct Writer {
    AdjacencyTable* table;
    uint32_t size;
    std::atomic<bool> stop{false};
    uint64_t upserts = 0;
};

int writer_main(void* arg) {
    auto* w = static_cast<Writer*>(arg);
    const uint64_t period = std::max<uint64_t>(1, rte_get_tsc_hz() / kWriterRate);
    std::mt19937 rng(99);
    uint64_t next = rte_rdtsc();
    uint32_t gen = 1;
    while (!w->stop.load(std::memory_order_relaxed)) {
        if (rte_rdtsc() < next) {
            rte_pause();
            continue;
        }
        next += period;
        const uint32_t i = rng() % w->size;
        w->table->upsert(key_of(i), mac_of(i, gen++), uint16_t(i & 3), Origin::synced, next);
        ++w->upserts;
        if ((w->upserts & 63) == 0) w->table->reclaim();
    }
    return 0;
}

void BM_LookupBulk32(benchmark::State& state) {
    const auto size = uint32_t(state.range(0));
    const auto hit_pct = uint32_t(state.range(1));
    const bool with_writer = state.range(2) != 0;
    AdjacencyTable* t = table_of(size);
    if (t == nullptr) {
        state.SkipWithError("cannot create table");
        return;
    }
    const unsigned writer_lcore = rte_get_next_lcore(-1, 1, 0);
    if (with_writer && writer_lcore >= RTE_MAX_LCORE) {
        state.SkipWithError("needs a second lcore");
        return;
    }

    std::mt19937 rng(42);
    std::vector<AdjKey> keys(kKeySet);
    for (auto& k : keys) {
        const bool hit = rng() % 100 < hit_pct;
        k = hit ? key_of(rng() % size)
                : AdjKey{uint32_t(0x0b000001 + rng() % (1u << 20)), uint16_t(rng() & 3)};
    }

    Writer w{t, size};
    if (with_writer) rte_eal_remote_launch(writer_main, &w, writer_lcore);
    rte_rcu_qsbr_thread_online(g_qsbr, kReaderId);

    const AdjEntry* out[kBurst];
    size_t pos = 0;
    uint64_t hits = 0;
    for (auto _ : state) {
        const uint64_t mask = t->lookup_bulk(&keys[pos], kBurst, out);
        hits += uint64_t(__builtin_popcountll(mask));
        benchmark::DoNotOptimize(out);
        pos = (pos + kBurst) & (kKeySet - 1);
        rte_rcu_qsbr_quiescent(g_qsbr, kReaderId);
    }

    rte_rcu_qsbr_thread_offline(g_qsbr, kReaderId);
    if (with_writer) {
        w.stop.store(true);
        rte_eal_wait_lcore(writer_lcore);
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * kBurst);
    state.counters["hit_ratio"] =
        state.iterations() ? double(hits) / double(state.iterations() * kBurst) : 0.0;
    state.counters["writer_upserts"] = double(w.upserts);
}

BENCHMARK(BM_LookupBulk32)
    ->ArgNames({"entries", "hit_pct", "writer"})
    ->ArgsProduct({{1 << 10, 1 << 16, 1 << 20}, {100, 50, 0}, {0, 1}});

} // namespace

int main(int argc, char** argv) {
    std::string error;
    if (!wg::test::eal_init(wg::test::eal_test_args({"-m", "1024"}), error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
    }
    g_qsbr = static_cast<rte_rcu_qsbr*>(rte_zmalloc("bench_qsbr", rte_rcu_qsbr_get_memsize(1), 64));
    rte_rcu_qsbr_init(g_qsbr, 1);
    rte_rcu_qsbr_thread_register(g_qsbr, kReaderId);

    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    wg::test::eal_cleanup(); // tables are leaked on purpose: EAL memory goes with the process
    return 0;
}
