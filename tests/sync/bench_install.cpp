// What a Slave does per received entry of a batch backup, piece by piece,
// at 1M entries (the size of the docs/benchmarks.md batch target), so that the cost of the
// 1M batch in scripts/bench-sync.sh can be attributed:
//   - Table/*:  the replicated table (sync/table.hpp: the Master's `local`;
//               a Slave keeps its received set in the ARP entries and a
//               Table only for what they do not hold), against
//               std::unordered_map doing the same inserts (the peer: ratio);
//   - ArpInstall: arp::Service::install_synced into an in-memory store
//               (entry map, aging heap, change publication), with and
//               without the profile's `local` table listening.
// Keys arrive in the order a Master's table walk sends them: shuffled.
//
//   build-x/tests/sync/bench_install [--benchmark_filter=...]
#include "control/arp/service.hpp"
#include "sync/receiver.hpp"
#include "sync/table.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <numeric>
#include <random>
#include <unordered_map>
#include <vector>

namespace {

using namespace wg;

constexpr uint32_t kBase = 0x0a000001; // 10.0.0.1: hosts of 10.0.0.0/8
constexpr size_t kAhead = 8;            // prefetch distance of rx::Receiver::apply_all

std::vector<uint32_t> shuffled_hosts(size_t n) {
    std::vector<uint32_t> ips(n);
    std::iota(ips.begin(), ips.end(), kBase);
    std::shuffle(ips.begin(), ips.end(), std::mt19937_64(42));
    return ips;
}

Mac mac_of(uint32_t i) { return Mac{{0x02, 0x00, uint8_t(i >> 24), uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)}}; }

void Table_DenseUpsert(benchmark::State& st) {
    const auto ips = shuffled_hosts(size_t(st.range(0)));
    for (auto _ : st) {
        sync::Table t;
        t.set_interface(1, "user0");
        t.reserve(ips.size());
        for (size_t i = 0; i < ips.size(); ++i) {
            if (i + kAhead < ips.size()) t.prefetch(1, Ipv4{ips[i + kAhead]}); // as rx::Receiver::apply_all
            t.upsert(1, Ipv4{ips[i]}, mac_of(ips[i]), 1);
        }
        benchmark::DoNotOptimize(t.digest());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * st.range(0));
}
BENCHMARK(Table_DenseUpsert)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

// The peer: the node map the table used before (same value, same reserve).
void Table_NodeMapUpsert(benchmark::State& st) {
    const auto ips = shuffled_hosts(size_t(st.range(0)));
    struct Value {
        Mac mac;
        uint32_t tag;
    };
    for (auto _ : st) {
        std::unordered_map<uint64_t, Value> m;
        m.reserve(ips.size());
        for (uint32_t ip : ips) m.try_emplace(uint64_t(1) << 32 | ip, Value{mac_of(ip), 1});
        benchmark::DoNotOptimize(m.size());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * st.range(0));
}
BENCHMARK(Table_NodeMapUpsert)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

// The fast-path table as a flat array indexed by host number: costs next to
// nothing, so ArpInstall measures the service.
struct ArrayStore final : arp::AdjacencyStore {
    std::vector<Mac> macs;
    uint32_t used = 0;
    explicit ArrayStore(size_t n) : macs(n) {}
    Result upsert(uint16_t, Ipv4 ip, const Mac& mac, arp::Origin, arp::Time) override {
        Mac& m = macs[ip.value - kBase];
        if (m == mac) return Result::unchanged;
        const bool added = m == Mac{};
        m = mac;
        used += added;
        return added ? Result::added : Result::updated;
    }
    void prefetch(uint16_t, Ipv4 ip) const override { __builtin_prefetch(&macs[ip.value - kBase]); }
    bool remove(uint16_t, Ipv4 ip) override {
        macs[ip.value - kBase] = Mac{};
        return true;
    }
    uint32_t size() const override { return used; }
    uint32_t capacity() const override { return uint32_t(macs.size()); }
};

struct NullFrames final : control::FrameSink {
    bool send(uint16_t, std::span<const uint8_t>) override { return true; }
};

struct LocalTap final : arp::ChangeListener {
    sync::Table local;
    void on_change(const arp::Change& c) override { local.upsert(c.ifindex, c.ip, c.mac); }
};

struct Slave {
    ArrayStore store;
    NullFrames frames;
    arp::Service svc;
    LocalTap tap;
    Slave(size_t n, bool with_local) : store(n), svc(arp::Options{}, store, frames) {
        control::InterfaceInfo info;
        info.ifindex = 1;
        info.name = "user0";
        info.mac = mac_of(0xffffff);
        info.address = *Prefix::parse("10.255.255.254/8");
        svc.add_interface(info);
        tap.local.set_interface(1, "user0");
        if (with_local) {
            svc.set_change_listener(&tap);
            tap.local.reserve(n);
        }
        svc.reserve(n);
    }
};

void install(benchmark::State& st, bool with_local) {
    const auto ips = shuffled_hosts(size_t(st.range(0)));
    std::unique_ptr<Slave> s;
    for (auto _ : st) {
        st.PauseTiming(); // set-up and the previous round's teardown are not an install
        s.reset();
        s = std::make_unique<Slave>(ips.size(), with_local);
        const arp::Time now = std::chrono::steady_clock::now();
        st.ResumeTiming();
        for (size_t i = 0; i < ips.size(); ++i) {
            if (i + kAhead < ips.size()) s->svc.prefetch(1, Ipv4{ips[i + kAhead]}); // as rx::Receiver::apply_all
            s->svc.install_synced(1, Ipv4{ips[i]}, mac_of(ips[i]), 1200, now);
        }
        benchmark::DoNotOptimize(s->svc.size());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * st.range(0));
}
void ArpInstall(benchmark::State& st) { install(st, false); }
void ArpInstallWithLocal(benchmark::State& st) { install(st, true); }
BENCHMARK(ArpInstall)->Arg(1 << 20)->Unit(benchmark::kMillisecond);
BENCHMARK(ArpInstallWithLocal)->Arg(1 << 20)->Unit(benchmark::kMillisecond);


// The Slave's whole install path for a batch of snapshot_entries frames:
//   SlaveWithTable: what it did before the received set moved into the ARP
//     entries: a received Table (reserved) and the ARP install per entry;
//   Receiver: rx::Receiver (sync/receiver.hpp) fed the frames, the set in the
//     ARP entries, the digest word per entry.
// Both with the same service, store and shuffled keys, in one process.
std::vector<sync::wire::Message> snapshot_frames(const std::vector<uint32_t>& ips) {
    std::vector<sync::wire::Message> out;
    for (size_t i = 0; i < ips.size(); i += 4096) {
        sync::wire::Message m;
        m.type = sync::wire::Type::snapshot_entries;
        m.backup_id = 10;
        m.seq = 1;
        sync::wire::Batch b;
        for (size_t j = i; j < std::min(ips.size(), i + 4096); ++j)
            b.entries.push_back({sync::wire::Op::add, 0, 1, Ipv4{ips[j]}, mac_of(ips[j]), 1200});
        m.body = std::move(b);
        out.push_back(std::move(m));
    }
    return out;
}

void SlaveWithTable(benchmark::State& st) {
    const auto ips = shuffled_hosts(size_t(st.range(0)));
    std::unique_ptr<Slave> s;
    std::unique_ptr<sync::Table> remote;
    for (auto _ : st) {
        st.PauseTiming();
        remote.reset();
        s.reset();
        s = std::make_unique<Slave>(ips.size(), false);
        remote = std::make_unique<sync::Table>();
        remote->set_interface(1, "user0");
        remote->reserve(ips.size());
        remote->commit();
        const arp::Time now = std::chrono::steady_clock::now();
        st.ResumeTiming();
        for (size_t i = 0; i < ips.size(); ++i) {
            if (i + kAhead < ips.size()) {
                remote->prefetch(1, Ipv4{ips[i + kAhead]});
                s->svc.prefetch(1, Ipv4{ips[i + kAhead]});
            }
            remote->upsert(1, Ipv4{ips[i]}, mac_of(ips[i]), 1);
            s->svc.install_synced(1, Ipv4{ips[i]}, mac_of(ips[i]), 1200, now);
        }
        benchmark::DoNotOptimize(remote->digest());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * st.range(0));
}

void Receiver(benchmark::State& st) {
    const auto ips = shuffled_hosts(size_t(st.range(0)));
    const auto frames = snapshot_frames(ips);
    sync::ProfileOptions o;
    o.backup_id = 10;
    o.ifnames = {{1, "user0"}};
    sync::ProfileStats stats;
    std::unique_ptr<Slave> s;
    std::unique_ptr<sync::rx::Receiver> rx;
    sync::wire::Message hello;
    hello.type = sync::wire::Type::hello;
    hello.backup_id = 10;
    sync::wire::Hello h;
    h.role = sync::wire::Role::master;
    h.interfaces = {{1, "user0"}};
    hello.body = h;
    sync::wire::Message begin;
    begin.type = sync::wire::Type::snapshot_begin;
    begin.backup_id = 10;
    begin.seq = 1;
    begin.body = sync::wire::SnapshotBegin{1, uint32_t(ips.size())};
    using K = sync::rx::EventKind;
    for (auto _ : st) {
        st.PauseTiming();
        rx.reset();
        s.reset();
        s = std::make_unique<Slave>(ips.size(), false);
        rx = std::make_unique<sync::rx::Receiver>(o, s->svc, stats);
        const arp::Time now = std::chrono::steady_clock::now();
        rx->handle(sync::rx::Event::of(K::up), now);
        rx->handle(sync::rx::Event::of(K::hello, &hello), now);
        rx->handle(sync::rx::Event::of(K::snapshot_begin, &begin), now);
        st.ResumeTiming();
        for (const auto& f : frames)
            rx->handle(sync::rx::Event::of(K::snapshot_entries, &f), now);
        benchmark::DoNotOptimize(rx->digest());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * st.range(0));
}
BENCHMARK(SlaveWithTable)->Arg(1 << 20)->Unit(benchmark::kMillisecond);
BENCHMARK(Receiver)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
