// Aging: refresh probes before expiry then removal, refresh on traffic,
// static entries never age, synced entries' deadlines spread, the global cap
// delaying probes (stale), and tick() costing O(work due), not O(table).
#include "control/arp/service.hpp"

#include "tests/arp/support.hpp"

#include <algorithm>
#include <map>

namespace wg::arp {
namespace {

using namespace test;

using Aging = ArpTest;

// When each request for `target` left (stamps[i] = time of sent[i]).
std::vector<Time> probe_times(const std::vector<Sent>& sent, Ipv4 target, const std::vector<Time>& stamps) {
    std::vector<Time> out;
    for (size_t i = 0; i < sent.size(); ++i)
        if (sent[i].packet.op == Op::request && sent[i].packet.target_ip == target) out.push_back(stamps[i]);
    return out;
}

class AgingRun : public ArpTest {
  protected:
    // Runs the clock in `step` ticks up to `end`, stamping every frame sent.
    void run_stamped(Time end, Duration step = 1s) {
        while (now < end) {
            advance(std::min<Duration>(step, end - now));
            while (stamps.size() < sink.sent.size())
                stamps.push_back(now);
        }
    }
    std::vector<Time> stamps;
};

TEST_F(AgingRun, ThreeUnicastProbesThenRemovalAtTheAge) {
    const Time learned = now;
    learn_host(kHostA, kA);
    run_stamped(learned + 1139s);
    EXPECT_TRUE(sink.sent.empty());
    EXPECT_EQ(svc->find(kUser, kA)->state, State::reachable);

    run_stamped(learned + 1199s);
    const auto probes = probe_times(sink.sent, kA, stamps);
    ASSERT_EQ(probes.size(), 3u);
    EXPECT_EQ(probes[0], learned + 1140s); // age - probe_before
    EXPECT_EQ(probes[1], learned + 1160s); // spread over the window
    EXPECT_EQ(probes[2], learned + 1180s);
    for (const auto& s : sink.sent) {
        EXPECT_EQ(s.packet.eth_dst, kHostA); // unicast to the known MAC
        EXPECT_EQ(s.packet.sender_ip, kOwn);
        EXPECT_EQ(s.packet.sender_mac, kPortMac);
    }
    EXPECT_EQ(svc->find(kUser, kA)->state, State::probe);
    EXPECT_EQ(svc->find(kUser, kA)->probes_sent, 3u);
    EXPECT_EQ(count(Counter::probes_sent), 3u);

    run_stamped(learned + 1200s);
    EXPECT_FALSE(svc->find(kUser, kA));
    EXPECT_FALSE(store.get(kUser, kA));
    EXPECT_EQ(count(Counter::aged_out), 1u);
    ASSERT_EQ(changes.log.size(), 2u);
    EXPECT_EQ(changes.log[1].kind, Change::Kind::remove);
}

TEST_F(AgingRun, AnyFrameFromTheHostRefreshes) {
    const Time learned = now;
    learn_host(kHostA, kA);
    run_stamped(learned + 1150s); // one probe out
    ASSERT_EQ(sink.sent.size(), 1u);
    // The host answers the probe.
    deliver(reply(sink.sent[0].packet, kHostA, kA));
    const auto e = svc->find(kUser, kA);
    EXPECT_EQ(e->state, State::reachable);
    EXPECT_EQ(e->probes_sent, 0u);
    EXPECT_EQ(e->expires, now + 1200s);
    EXPECT_EQ(count(Counter::refreshed), 1u);
    run_stamped(learned + 1150s + 1139s);
    EXPECT_EQ(sink.sent.size(), 1u); // no probe until the new window
    EXPECT_TRUE(svc->find(kUser, kA));
    // A gratuitous ARP is a frame from the host too.
    deliver(gratuitous(kHostA, kA));
    EXPECT_EQ(svc->find(kUser, kA)->confirmed, now);
    EXPECT_EQ(changes.log.size(), 1u); // refreshes publish nothing
}

TEST_F(AgingRun, StaticNeverAges) {
    svc->add_static(kUser, kA, kHostA, now);
    run_stamped(now + 100000s, 100s);
    EXPECT_TRUE(store.get(kUser, kA));
    EXPECT_TRUE(sink.sent.empty());
}

class NoProbes : public AgingRun {
  protected:
    NoProbes() {
        opts.probes = 0;
        make();
    }
};

TEST_F(NoProbes, ExpireExactlyAtTheAge) {
    const Time learned = now;
    learn_host(kHostA, kA);
    run_stamped(learned + 1199s);
    EXPECT_TRUE(svc->find(kUser, kA));
    run_stamped(learned + 1200s);
    EXPECT_FALSE(svc->find(kUser, kA));
    EXPECT_TRUE(sink.sent.empty());
}

TEST_F(Aging, SyncedDeadlinesSpreadOverAWindowNotOneInstant) {
    constexpr uint32_t kN = 10000;
    svc->add_interface({2, "Vlanif10", mac("02:00:00:00:02:01"), Prefix{ip("10.8.0.1"), 16}});
    for (uint32_t i = 0; i < kN; ++i)
        ASSERT_EQ(svc->install_synced(2, Ipv4{ip("10.8.1.0").value + i}, kHostA, 1200, now), Status::ok);
    std::map<int64_t, unsigned> per_second;
    Time lo = Time::max(), hi = Time::min();
    svc->for_each([&](const EntryView& v) {
        ASSERT_TRUE(v.expires);
        lo = std::min(lo, *v.expires);
        hi = std::max(hi, *v.expires);
        ++per_second[std::chrono::duration_cast<std::chrono::seconds>(*v.expires - now).count()];
    });
    // Window = min(synced_spread_s = 600, 1200 / 2): (now + 600 s, now + 1200 s].
    EXPECT_GT(lo, now + 600s);
    EXPECT_LE(hi, now + 1200s); // never later than the peer's expiry
    EXPECT_GT(hi - lo, 590s);
    unsigned worst = 0;
    for (const auto& [s, n] : per_second)
        worst = std::max(worst, n);
    EXPECT_LE(worst, 60u) << "uniform would be ~17 per second";
    EXPECT_GE(per_second.size(), 500u);

    // Deterministic: the same install gives the same deadline.
    const Time before = *svc->find(2, ip("10.8.1.7"))->expires;
    svc->install_synced(2, ip("10.8.1.7"), kHostA, 1200, now);
    EXPECT_EQ(*svc->find(2, ip("10.8.1.7"))->expires, before);

    // Probing (hence the new Master's refresh) follows the spread: probes
    // start in (540 s, 1140 s], so by 600 s only ~1/10 of the entries are probed.
    const uint64_t work0 = count(Counter::tick_work);
    run_for(600s, 1s);
    unsigned probing = 0;
    svc->for_each([&](const EntryView& v) { probing += v.state != State::synced; });
    EXPECT_GT(probing, kN / 20);
    EXPECT_LT(probing, kN * 3 / 20);
    EXPECT_EQ(count(Counter::aged_out), 0u);
    // 600 ticks over 10k entries cost what was due (a pop and a queue item
    // per probe), not 600 x 10k.
    EXPECT_LE(count(Counter::tick_work) - work0, 2 * count(Counter::probes_sent));
}

TEST_F(Aging, SyncedEntryIsRefreshedByOwnAgingAndBecomesLearned) {
    // age_remaining 30 s < probe_before: probing starts at once.
    ASSERT_EQ(svc->install_synced(kUser, kA, kHostA, 30, now), Status::ok);
    const Time exp = *svc->find(kUser, kA)->expires;
    EXPECT_LE(exp, now + 30s);
    EXPECT_GE(exp, now + 15s);
    advance(100ms);
    ASSERT_EQ(sink.sent.size(), 1u);
    EXPECT_EQ(svc->find(kUser, kA)->state, State::probe);
    deliver(reply(sink.sent[0].packet, kHostA, kA));
    EXPECT_EQ(svc->find(kUser, kA)->origin, Origin::learned);
    EXPECT_EQ(svc->find(kUser, kA)->expires, now + 1200s);
    EXPECT_EQ(changes.log.back().origin, Origin::learned);
}

TEST_F(Aging, TickCostsTheWorkDueNotTheTableSize) {
    // 20000 entries learned 10 ms apart (200 s of arrivals).
    constexpr uint32_t kN = 20000;
    svc->add_interface({2, "Vlanif10", mac("02:00:00:00:02:01"), Prefix{ip("10.8.0.1"), 16}});
    const Time first = now;
    for (uint32_t i = 0; i < kN; ++i) {
        svc->on_frame(2, encode(request(host_mac(i), Ipv4{ip("10.8.1.0").value + i}, ip("10.8.0.1"))), now);
        now += 10ms;
    }
    ASSERT_EQ(svc->size(), kN);
    sink.take(); // the replies
    // Nothing is due for the next ~900 s: ticks do no work at all.
    const uint64_t w0 = count(Counter::tick_work);
    for (int i = 0; i < 9000; ++i)
        advance(100ms);
    EXPECT_EQ(count(Counter::tick_work), w0);
    // At first + 1140 s the first entry's probe is due; one second later,
    // 100 more. Each costs a heap pop and a queue item: work ~ 2 x due.
    tick_to(first + 1140s);
    const uint64_t w1 = count(Counter::tick_work);
    EXPECT_EQ(w1 - w0, 2u);
    tick_to(first + 1141s);
    const uint64_t due = count(Counter::probes_sent) - 1;
    EXPECT_EQ(due, 100u);
    EXPECT_EQ(count(Counter::tick_work) - w1, 2 * due);
}

TEST_F(Aging, RefreshesCostAtMostOneEarlyPopPerPeriod) {
    learn_host(kHostA, kA);
    // The host speaks every 100 s: its deadline moves 100 s later each time
    // without touching the heap; the old item pops once and re-arms.
    const uint64_t w0 = count(Counter::tick_work);
    for (int i = 0; i < 24; ++i) { // 2400 s: two ages
        run_for(100s, 10s);
        host_asks(kHostA, kA, ip("10.1.1.99"));
    }
    EXPECT_TRUE(sink.sent.empty()); // never probed
    EXPECT_LE(count(Counter::tick_work) - w0, 3u);
}

class CappedAging : public AgingRun {
  protected:
    CappedAging() {
        opts.requests_per_s = 1;
        opts.request_burst = 1;
        make();
    }
};

TEST_F(CappedAging, ProbesWaitAsStaleAndEntriesAreNotRemovedUnprobed) {
    const Time learned = now;
    const Ipv4 hosts[] = {kA, ip("10.1.1.11"), ip("10.1.1.12")};
    for (Ipv4 h : hosts) { // 10 ms apart: a deterministic order, all due in one 100 ms tick
        learn_host(kHostA, h);
        now += 10ms;
    }
    run_stamped(learned + 1140100ms, 100ms);
    EXPECT_EQ(sink.sent.size(), 1u);
    unsigned stale = 0;
    for (Ipv4 h : hosts)
        stale += svc->find(kUser, h)->state == State::stale;
    EXPECT_EQ(stale, 2u);
    run_stamped(learned + 1142100ms, 100ms);
    EXPECT_EQ(sink.sent.size(), 3u);
    // The last host's first probe left 2 s late: its removal comes 3 x 20 s
    // after it, not at the nominal expiry.
    run_stamped(learned + 1201s, 100ms);
    EXPECT_FALSE(svc->find(kUser, kA));
    EXPECT_TRUE(svc->find(kUser, hosts[2]));
    run_stamped(learned + 1203s, 100ms);
    EXPECT_FALSE(svc->find(kUser, hosts[2]));
    EXPECT_EQ(count(Counter::probes_sent), 9u);
    EXPECT_EQ(count(Counter::aged_out), 3u);
}

// Options::preallocate (what the appliance sets: the adjacency capacity)
// changes where the memory comes from, not what the service does.
class Preallocated : public ArpTest {
  protected:
    Preallocated() {
        opts.preallocate = 100000; // above big_alloc's threshold: reserved and committed
        make();
    }
};

TEST_F(Preallocated, InstallsRemovesAgesAndWalksAsUsual) {
    svc->add_interface({2, "Vlanif10", mac("02:00:00:00:02:01"), Prefix{ip("10.8.0.1"), 16}});
    constexpr uint32_t kN = 20000;
    for (uint32_t i = 0; i < kN; ++i)
        ASSERT_EQ(svc->install_synced(2, Ipv4{ip("10.8.1.0").value + i}, kHostA, 30 + i % 100, now), Status::ok);
    for (uint32_t i = 0; i < kN; i += 2)
        ASSERT_TRUE(svc->remove_synced(2, Ipv4{ip("10.8.1.0").value + i}, now));
    EXPECT_EQ(svc->size(), kN / 2);
    size_t walked = 0;
    svc->for_each([&](const EntryView& v) {
        ++walked;
        EXPECT_EQ((v.ip.value - ip("10.8.1.0").value) % 2, 1u);
    });
    EXPECT_EQ(walked, kN / 2);
    EXPECT_EQ(store.size(), kN / 2);
    // Every remaining entry ages out through probing (nobody answers).
    run_for(400s, 1s);
    EXPECT_EQ(svc->size(), 0u);
    EXPECT_EQ(store.size(), 0u);
    EXPECT_EQ(count(Counter::aged_out), kN / 2);
}

} // namespace
} // namespace wg::arp
