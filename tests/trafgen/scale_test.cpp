// The report keys of the switchover at scale (docs/lab.md): delivery before
// the kill, time to all hosts after the takeover, the probe cycle, the ARP
// log of the host emulator and the new Master's requests in it, host
// indexes beyond the wire's 16 bits, and the per-host list's cap. Arrivals
// and events are injected; nothing sleeps.
#include "scripts/tools/trafgen_analysis.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <set>

namespace wg::trafgen {
namespace {

constexpr int64_t kT0 = 9'000'000'000;
constexpr int64_t kMs = 1'000'000;

// Sequences [0, count) round robin over `hosts` at 1000 pps (1 ms apart),
// each arriving 50 us after it was sent, but for `lost` and `late` (which
// arrives `late_ms` late).
Recorder arrivals(uint32_t hosts, uint32_t count, const std::set<uint32_t>& lost, uint32_t late = UINT32_MAX,
                  int64_t late_ms = 0) {
    Recorder rec(uint16_t(7), hosts);
    for (uint32_t g = 0; g < count; ++g) {
        if (lost.count(g)) continue;
        Probe p;
        p.run = 7, p.seq = g, p.host = uint16_t(g % hosts), p.host_seq = g / hosts;
        p.tx_ns = kT0 + int64_t(g) * kMs;
        p.dst_ip = 0x0a010165 + g % hosts;
        rec.add(p, p.tx_ns + 50'000 + (g == late ? late_ms * kMs : 0));
    }
    return rec;
}

AnalysisOptions with_events(int64_t kill_ms, int64_t master_ms) {
    AnalysisOptions o;
    o.events = {{kT0 + kill_ms * kMs, "kill"}, {kT0 + master_ms * kMs, "master_DeviceB"}};
    o.start_ns = kT0;
    o.end_ns = kT0 + 1000 * kMs;
    return o;
}

TEST(TrafgenScale, DeliveredBeforeKill) {
    // 10 hosts; seqs 3 and 7 lost before the kill at 100 ms; 100..299 lost
    // in the outage; the takeover at 300 ms.
    std::set<uint32_t> lost = {3, 7};
    for (uint32_t g = 100; g < 300; ++g)
        lost.insert(g);
    const Report r = analyze(arrivals(10, 1000, lost), with_events(100, 300));
    EXPECT_EQ(r.sent_before_kill, 100u) << "seqs 0..99 were sent before the kill";
    EXPECT_EQ(r.delivered_before_kill, 98u);
    EXPECT_EQ(r.lost_by_phase[size_t(Phase::before)], 2u);
    const YAML::Node j = YAML::Load(to_json(r));
    EXPECT_NEAR(j["delivered_before_kill_ratio"].as<double>(), 0.98, 1e-9);
}

TEST(TrafgenScale, TimeToAllHostsIsTheLastHostsFirstProbeAfterTakeover) {
    // 10 hosts at 1 ms: cycle 10 ms. Takeover at 300 ms; seqs 300..309 (one
    // per host) arrive in order, but host 4's (seq 304) is lost and its next
    // one (314) arrives 5 ms late, still before host 4's seq 324.
    std::set<uint32_t> lost;
    for (uint32_t g = 100; g < 300; ++g)
        lost.insert(g);
    lost.insert(304);
    const Report r = analyze(arrivals(10, 1000, lost, 314, 5), with_events(100, 300));
    ASSERT_TRUE(r.time_to_all_hosts_ns);
    // host 4's first after takeover: seq 314 sent at 314 ms, arrived 5.05 ms later.
    EXPECT_EQ(*r.time_to_all_hosts_ns, (314 + 5 - 300) * kMs + 50'000);
    EXPECT_EQ(r.hosts_silent_after, 0u);
    EXPECT_NEAR(r.probe_cycle_ms, 10.0, 0.01);
    EXPECT_EQ(r.hosts_with_loss_after, 1u) << "host 4 lost seq 304, sent after the takeover";
}

TEST(TrafgenScale, AHostThatNeverHearsAgainLeavesTimeToAllHostsUnknown) {
    std::set<uint32_t> lost;
    for (uint32_t g = 100; g < 1000; ++g)
        if (g < 300 || g % 10 == 9) lost.insert(g); // host 9 never again
    const Report r = analyze(arrivals(10, 1000, lost), with_events(100, 300));
    EXPECT_FALSE(r.time_to_all_hosts_ns);
    EXPECT_EQ(r.hosts_silent_after, 1u);
    const YAML::Node j = YAML::Load(to_json(r));
    EXPECT_TRUE(j["time_to_all_hosts_ns"].IsNull());
    EXPECT_EQ(j["hosts_silent_after"].as<int>(), 1);
}

TEST(TrafgenScale, HostIndexBeyondSixteenBits) {
    // 70000 hosts: the wire's host field wraps at 65536, the index comes
    // from seq % hosts.
    constexpr uint32_t kHosts = 70000;
    Recorder rec(uint16_t(7), kHosts);
    Probe p;
    p.run = 7, p.seq = 69999, p.host = uint16_t(69999), p.host_seq = 0, p.tx_ns = kT0,
    p.dst_ip = 0x0a010165 + 69999;
    ASSERT_EQ(rec.add(p, kT0 + 1), Recorder::Outcome::counted);
    ASSERT_EQ(rec.hosts().size(), size_t(kHosts));
    EXPECT_EQ(rec.hosts()[69999].received, 1u);
    EXPECT_EQ(rec.hosts()[69999 % 65536].received, 0u);
}

TEST(TrafgenScale, PerHostListIsCappedToHostsWithLoss) {
    std::set<uint32_t> lost = {5, 17, 23, 31};
    AnalysisOptions o = with_events(900, 950);
    o.max_per_host = 2;
    const Report r = analyze(arrivals(10, 100, lost), o);
    const YAML::Node j = YAML::Load(to_json(r));
    ASSERT_EQ(j["per_host"].size(), 2u);
    EXPECT_EQ(j["per_host"][0]["index"].as<int>(), 1) << "hosts with loss, in index order: 1, 3, 5, 7";
    EXPECT_EQ(j["per_host"][1]["index"].as<int>(), 3);
    EXPECT_EQ(j["per_host_listed"].as<int>(), 2);
    EXPECT_EQ(j["per_host_omitted"].as<int>(), 8);
}

TEST(TrafgenScale, ArpLogCountsTheNewMastersRequestsInTheWindow) {
    const Mac m{{2, 0, 0, 0, 0, 2}};
    const uint32_t b = 0x0a010102, a = 0x0a010101, vip = 0x0a010164, host = 0x0a010165;
    std::string text = arp_log_line(100, a, m, host); // before the takeover
    text += arp_log_line(1000, b, m, host);           // at the takeover
    text += arp_log_line(1500, vip, m, vip);          // gratuitous: not a question
    text += arp_log_line(2000, b, m, host + 1);
    text += "garbage line\n12 10.1.1.2 zz 10.1.1.9\n";     // skipped
    text += arp_log_line(1000 + 10 * kMs, b, m, host + 2); // just past a 10 ms window
    text += arp_log_line(3000, 0x0a010199, m, host);       // another sender
    const auto log = parse_arp_log(text);
    ASSERT_EQ(log.size(), 6u);
    EXPECT_EQ(log[1].ns, 1000);
    EXPECT_EQ(log[1].sender_ip, b);
    EXPECT_EQ(log[1].target_ip, host);
    EXPECT_EQ(count_arp_requests(log, 1000, 10 * kMs, {b, vip}), 2u);
    EXPECT_EQ(count_arp_requests(log, 1000, 10 * kMs, {}), 3u) << "any sender";
    EXPECT_EQ(count_arp_requests(log, 1000, 10 * kMs + 1, {b}), 3u);
    EXPECT_EQ(count_arp_requests(log, 0, 10 * kMs, {a}), 1u);
}

} // namespace
} // namespace wg::trafgen
