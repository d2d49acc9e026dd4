// wg-trafgen without EAL: the probe frame, the events and tx-summary
// parsers, the Recorder and the loss attribution on synthetic arrivals whose
// interpolated send times are exact (1 ms apart), so every count is known.
#include "scripts/tools/trafgen_analysis.hpp"
#include "scripts/tools/trafgen_wire.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <set>
#include <vector>

namespace wg::trafgen {
namespace {

constexpr int64_t kT0 = 5'000'000'000; // an arbitrary CLOCK_MONOTONIC origin
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kLatency = 50'000; // 50 us

int64_t tx_of(uint32_t g) {
    return kT0 + int64_t(g) * kMs;
}
int64_t rx_of(uint32_t g) {
    return tx_of(g) + kLatency;
}

// Sequences [0, count) to `hosts` hosts round robin at 1000 pps, all but `lost`.
Recorder arrivals(uint32_t hosts, uint32_t count, const std::set<uint32_t>& lost, uint16_t run = 4242) {
    Recorder rec;
    for (uint32_t g = 0; g < count; ++g) {
        if (lost.count(g)) continue;
        Probe p;
        p.run = run, p.seq = g, p.host = uint16_t(g % hosts), p.host_seq = g / hosts, p.tx_ns = tx_of(g);
        p.dst_ip = 0x0a01010a + g % hosts; // 10.1.1.10 + host
        EXPECT_EQ(rec.add(p, rx_of(g)), Recorder::Outcome::counted) << g;
    }
    return rec;
}

std::set<uint32_t> range(uint32_t from, uint32_t to) { // [from, to)
    std::set<uint32_t> s;
    for (uint32_t g = from; g < to; ++g)
        s.insert(g);
    return s;
}

AnalysisOptions options(std::vector<Event> events, int64_t span_ms = 1000) {
    AnalysisOptions o;
    o.events = std::move(events);
    o.start_ns = kT0;
    o.end_ns = kT0 + span_ms * kMs;
    o.bucket_ms = 100;
    return o;
}

TEST(TrafgenWire, RoundTripAndValidHeader) {
    const uint8_t dst[6] = {0, 0, 0x5e, 0, 1, 2}, src[6] = {2, 0, 0, 0, 0, 9};
    std::vector<uint8_t> f(kMinFrame);
    build_template(f.data(), f.size(), dst, src, 0xc6336401, 1234, 64);
    stamp(f.data(), 0x0a01010c, 70000, 35000, 2);
    restamp(f.data(), 987654321012345);
    const auto p = decode(f.data(), f.size());
    ASSERT_TRUE(p);
    EXPECT_EQ(p->run, 1234);
    EXPECT_EQ(p->seq, 70000u);
    EXPECT_EQ(p->host_seq, 35000u);
    EXPECT_EQ(p->host, 2);
    EXPECT_EQ(p->tx_ns, 987654321012345);
    EXPECT_EQ(p->dst_ip, 0x0a01010cu);
    EXPECT_EQ(ipv4_checksum(f.data() + kEthLen, kIpLen), 0) << "a valid header sums to 0xffff";
    EXPECT_EQ(f.size(), 64u);
}

TEST(TrafgenWire, RejectsEverythingElse) {
    const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
    std::array<uint8_t, 80> good{};
    build_template(good.data(), good.size(), mac, mac, 1, 1000, 64);
    stamp(good.data(), 2, 1, 0, 0);
    ASSERT_TRUE(decode(good.data(), good.size()));
    EXPECT_FALSE(decode(good.data(), kMinFrame - 1)) << "truncated";
    auto broken = [&](size_t at, uint8_t v) {
        auto f = good;
        f[at] = v;
        return decode(f.data(), f.size());
    };
    EXPECT_FALSE(broken(12, 0x86)) << "ethertype 0x8600";
    EXPECT_FALSE(broken(13, 0x06)) << "ARP";
    EXPECT_FALSE(broken(kEthLen + 9, 6)) << "TCP";
    EXPECT_FALSE(broken(kEthLen + kIpLen + 3, 10)) << "another UDP port";
    EXPECT_FALSE(broken(kHeadersLen, 0)) << "no magic";
    EXPECT_FALSE(broken(kEthLen + 6, 0x20)) << "a fragment (MF)";
    EXPECT_FALSE(broken(kEthLen, 0x65)) << "IPv6 version nibble";
}

TEST(TrafgenEvents, SortedAndJunkSkipped) {
    const auto ev =
        parse_events("300 master\r\n# comment\n100 kill\n12x bad\n\n-5 neg\n200\n150   start up \n");
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[0].ns, 100);
    EXPECT_EQ(ev[0].name, "kill");
    EXPECT_EQ(ev[1].ns, 150);
    EXPECT_EQ(ev[1].name, "start up");
    EXPECT_EQ(ev[2].ns, 300);
    EXPECT_EQ(ev[2].name, "master");
}

TEST(TrafgenTxSummary, ParsesTheTxLine) {
    const auto tx =
        parse_tx_summary("{\"tool\": \"wg-trafgen tx\", \"run\": 1577, \"hosts\": 5, \"first\": "
                         "\"10.1.1.10\", \"sent\": 2000, "
                         "\"first_tx_ns\": 4974381145155, \"last_tx_ns\": 4975380714970, \"start_ns\": 1}\n");
    ASSERT_TRUE(tx);
    EXPECT_EQ(tx->run, 1577);
    EXPECT_EQ(tx->hosts, 5u);
    EXPECT_EQ(tx->sent, 2000u);
    EXPECT_EQ(tx->first_tx_ns, 4974381145155);
    EXPECT_EQ(tx->last_tx_ns, 4975380714970);
    EXPECT_FALSE(parse_tx_summary("{\"run\": 1, \"hosts\": 5, \"first_tx_ns\": 1, \"last_tx_ns\": 2}"))
        << "no sent";
}

TEST(TrafgenRecorder, CountsDuplicatesOtherRunsAndRange) {
    Recorder rec;
    Probe p;
    p.run = 7, p.seq = 3, p.tx_ns = 10;
    EXPECT_EQ(rec.add(p, 20), Recorder::Outcome::counted);
    EXPECT_EQ(rec.add(p, 21), Recorder::Outcome::duplicate);
    p.run = 8;
    EXPECT_EQ(rec.add(p, 22), Recorder::Outcome::other_run) << "the first run seen is locked in";
    p.run = 7, p.seq = Recorder::kMaxSeq;
    EXPECT_EQ(rec.add(p, 23), Recorder::Outcome::out_of_range);
    EXPECT_EQ(rec.counted(), 1u);
    EXPECT_EQ(rec.duplicates(), 1u);
    EXPECT_EQ(rec.other_run(), 1u);
    EXPECT_EQ(rec.out_of_range(), 1u);
    EXPECT_EQ(rec.seq_end(), 4u);
    EXPECT_TRUE(rec.received(3));
    EXPECT_FALSE(rec.received(2));
    EXPECT_EQ(rec.slot(3)->rx_ns, 20) << "the duplicate does not overwrite";

    Recorder pinned(uint16_t{9});
    p.run = 7, p.seq = 0;
    EXPECT_EQ(pinned.add(p, 1), Recorder::Outcome::other_run) << "--run given: others are not counted";
}

TEST(TrafgenAnalysis, NoLoss) {
    const Recorder rec = arrivals(4, 100, {});
    const Report r = analyze(rec, options({}, 100));
    EXPECT_EQ(r.hosts, 4u);
    EXPECT_EQ(r.received, 100u);
    EXPECT_EQ(r.expected, 100u);
    EXPECT_EQ(r.lost_total, 0u);
    EXPECT_NEAR(r.offered_pps, 1000.0, 0.01);
    EXPECT_FALSE(r.outage);
    EXPECT_FALSE(r.first_rx_after_event_ns);
    EXPECT_EQ(r.latency_min_ns, kLatency);
    EXPECT_EQ(r.latency_max_ns, kLatency);
    ASSERT_EQ(r.per_host.size(), 4u);
    for (const HostReport& h : r.per_host) {
        EXPECT_EQ(h.received, 25u);
        EXPECT_EQ(h.first_seq, 0u);
        EXPECT_EQ(h.last_seq, 24u);
        EXPECT_EQ(h.ip, 0x0a01010au + h.index);
        EXPECT_TRUE(h.gaps.empty());
    }
    ASSERT_EQ(r.rx_series.size(), 1u);
    EXPECT_EQ(r.rx_series[0], 100u);
}

// The demo's shape: one stray loss before the kill, the detection outage,
// then one host's packets lost after the new Master took over (ARP miss).
TEST(TrafgenAnalysis, AttributesEachLossToItsPhase) {
    std::set<uint32_t> lost = range(400, 500);
    lost.insert({10, 700, 704});
    const Recorder rec = arrivals(4, 1000, lost);
    const int64_t kill = kT0 + 399 * kMs + kMs / 2, master = tx_of(500);
    const Report r = analyze(rec, options({{kill, "kill"}, {master, "master"}}));

    EXPECT_EQ(r.received, 897u);
    EXPECT_EQ(r.lost_total, 103u);
    EXPECT_EQ(r.lost_by_phase[size_t(Phase::before)], 1u);
    EXPECT_EQ(r.lost_by_phase[size_t(Phase::detection)], 100u);
    EXPECT_EQ(r.lost_by_phase[size_t(Phase::after)], 2u);
    EXPECT_EQ(r.hosts_with_loss, 4u);
    EXPECT_EQ(r.hosts_with_loss_after, 1u);

    ASSERT_TRUE(r.outage);
    EXPECT_EQ(r.outage->from_seq, 400u);
    EXPECT_EQ(r.outage->to_seq, 499u);
    EXPECT_EQ(r.outage->lost, 100u);
    EXPECT_EQ(r.outage->last_rx_before_ns, rx_of(399));
    EXPECT_EQ(r.outage->first_rx_after_ns, rx_of(500));
    ASSERT_TRUE(r.first_rx_after_event_ns);
    EXPECT_EQ(*r.first_rx_after_event_ns, rx_of(500) - kill) << "kill to the first packet after the outage";

    const HostReport& h2 = r.per_host[10 % 4];
    ASSERT_EQ(h2.gaps_total, 2u);
    EXPECT_EQ(h2.gaps[0].from, 2u);
    EXPECT_EQ(h2.gaps[0].to, 2u);
    EXPECT_EQ(h2.gaps[0].phase, Phase::before);
    EXPECT_EQ(h2.gaps[0].first_lost_tx_ns, tx_of(10)) << "interpolated between seq 9 and 11";
    EXPECT_EQ(h2.gaps[0].tx_before_ns, tx_of(6));
    EXPECT_EQ(h2.gaps[0].tx_after_ns, tx_of(14));
    EXPECT_EQ(h2.gaps[0].rx_after_ns, rx_of(14));

    const HostReport& h0 = r.per_host[0];
    EXPECT_EQ(h0.lost, 27u);
    EXPECT_EQ(h0.lost_by_phase[size_t(Phase::detection)], 25u);
    EXPECT_EQ(h0.lost_by_phase[size_t(Phase::after)], 2u);
    ASSERT_EQ(h0.gaps.size(), 2u);
    EXPECT_EQ(h0.gaps[0].from, 100u);
    EXPECT_EQ(h0.gaps[0].to, 124u);
    EXPECT_EQ(h0.gaps[0].phase, Phase::detection);
    EXPECT_EQ(h0.gaps[1].from, 175u);
    EXPECT_EQ(h0.gaps[1].to, 176u);
    EXPECT_EQ(h0.gaps[1].lost, 2u) << "700 and 704 are consecutive for host 0";
    EXPECT_EQ(h0.gaps[1].phase, Phase::after);
    EXPECT_EQ(h0.gaps[1].tx_before_ns, tx_of(696));
    EXPECT_EQ(h0.gaps[1].tx_after_ns, tx_of(708));

    // 100 ms buckets from kT0: received by arrival, lost by send time.
    ASSERT_EQ(r.rx_series.size(), 10u);
    EXPECT_EQ(r.rx_series[0], 99u);
    EXPECT_EQ(r.rx_series[4], 0u);
    EXPECT_EQ(r.rx_series[7], 98u);
    EXPECT_EQ(r.rx_series[9], 100u);
    EXPECT_EQ(r.lost_series[0], 1u);
    EXPECT_EQ(r.lost_series[4], 100u);
    EXPECT_EQ(r.lost_series[7], 2u);
}

TEST(TrafgenAnalysis, GapListIsCappedButCounted) {
    std::set<uint32_t> lost;
    for (uint32_t g = 0; g < 100; g += 2)
        lost.insert(g + 1); // every odd seq: host 1 loses all its packets
    AnalysisOptions o = options({});
    o.hosts = 2;
    o.max_gaps_per_host = 3;
    const Report r = analyze(arrivals(2, 101, lost), o);
    EXPECT_EQ(r.per_host[1].lost, 50u);
    EXPECT_EQ(r.per_host[1].gaps_total, 1u) << "host 1 lost all its packets: one gap";
    EXPECT_EQ(r.per_host[1].received, 0u);
    EXPECT_EQ(r.per_host[1].ip, 0x0a01010bu) << "its address follows from host 0's";
    EXPECT_EQ(r.per_host[1].gaps[0].tx_before_ns, -1);
    EXPECT_EQ(r.per_host[1].gaps[0].rx_after_ns, -1);

    std::set<uint32_t> every_4th;
    for (uint32_t g = 0; g < 100; g += 4)
        every_4th.insert(g + 2);
    const Report r2 = analyze(arrivals(2, 101, every_4th), o);
    EXPECT_EQ(r2.per_host[0].lost, 25u);
    EXPECT_EQ(r2.per_host[0].gaps_total, 25u);
    EXPECT_EQ(r2.per_host[0].gaps.size(), 3u);
}

TEST(TrafgenAnalysis, HeadAndTailNeedTheTxSummary) {
    std::set<uint32_t> lost = range(0, 5);
    for (uint32_t g : range(190, 200))
        lost.insert(g);
    const Recorder rec = arrivals(4, 200, lost);
    const std::vector<Event> ev{{kT0 + 100 * kMs, "kill"}, {kT0 + 150 * kMs, "master"}};

    AnalysisOptions with = options(ev);
    with.tx = TxInfo{4242, 200, 4, tx_of(0), tx_of(199)};
    const Report r = analyze(rec, with);
    EXPECT_EQ(r.expected, 200u);
    ASSERT_TRUE(r.sent);
    EXPECT_EQ(*r.sent, 200u);
    EXPECT_EQ(r.lost_by_phase[size_t(Phase::before)], 5u);
    EXPECT_EQ(r.lost_by_phase[size_t(Phase::after)], 10u);
    EXPECT_EQ(r.lost_total, 15u);
    EXPECT_NEAR(r.offered_pps, 1000.0, 0.01);
    EXPECT_FALSE(r.outage) << "the tail began after the Master took over: not the failover's outage";
    ASSERT_TRUE(r.first_rx_after_event_ns);
    EXPECT_EQ(*r.first_rx_after_event_ns, kLatency) << "no outage: kill to the next arrival";
    EXPECT_EQ(r.per_host[190 % 4].gaps.back().rx_after_ns, -1) << "a tail gap has no packet after it";

    const Report without = analyze(rec, options(ev));
    EXPECT_EQ(without.expected, 190u) << "the tail is invisible without the summary";
    EXPECT_EQ(without.lost_total, 5u);
    EXPECT_EQ(without.per_host[0].gaps[0].first_lost_tx_ns, tx_of(0)) << "extrapolated at the seen rate";
}

TEST(TrafgenAnalysis, TrafficThatNeverResumes) {
    const Recorder rec = arrivals(2, 100, range(50, 100));
    AnalysisOptions o = options({{kT0 + 49 * kMs + kMs / 2, "kill"}, {kT0 + 80 * kMs, "master"}});
    o.tx = TxInfo{4242, 100, 2, tx_of(0), tx_of(99)};
    const Report r = analyze(rec, o);
    EXPECT_EQ(r.lost_by_phase[size_t(Phase::detection)], 30u) << "sent 50..79 ms";
    EXPECT_EQ(r.lost_by_phase[size_t(Phase::after)], 20u);
    ASSERT_TRUE(r.outage);
    EXPECT_EQ(r.outage->lost, 50u);
    EXPECT_EQ(r.outage->first_rx_after_ns, -1);
    EXPECT_FALSE(r.first_rx_after_event_ns) << "no first forward after the kill";
}

TEST(TrafgenAnalysis, OneEventMakesEverythingAfterItDetection) {
    const Recorder rec = arrivals(1, 100, {20, 80});
    const Report r = analyze(rec, options({{kT0 + 50 * kMs, "kill"}}));
    EXPECT_EQ(r.lost_by_phase[size_t(Phase::before)], 1u);
    EXPECT_EQ(r.lost_by_phase[size_t(Phase::detection)], 1u);
    EXPECT_EQ(r.lost_by_phase[size_t(Phase::after)], 0u);
    EXPECT_EQ(phase_of({}, 0), Phase::before);
}

TEST(TrafgenJson, ParsesWithTheDemoKeys) {
    std::set<uint32_t> lost = range(40, 60);
    const Recorder rec = arrivals(2, 100, lost);
    Report r = analyze(rec, options({{kT0 + 39 * kMs + 1, "kill \"now\""}, {tx_of(60), "master"}}, 100));
    r.port_stats = {{"imissed", 3}};
    const YAML::Node j = YAML::Load(to_json(r));
    EXPECT_EQ(j["hosts"].as<int>(), 2);
    EXPECT_EQ(j["received"].as<int>(), 80);
    EXPECT_EQ(j["lost_total"].as<int>(), 20);
    EXPECT_EQ(j["lost_before"].as<int>(), 0);
    EXPECT_EQ(j["lost_detection"].as<int>(), 20);
    EXPECT_EQ(j["lost_after"].as<int>(), 0);
    EXPECT_NEAR(j["offered_pps"].as<double>(), 1000.0, 0.1);
    EXPECT_EQ(j["first_rx_after_event_ns"].as<int64_t>(), rx_of(60) - (kT0 + 39 * kMs + 1));
    EXPECT_TRUE(j["sent"].IsNull());
    EXPECT_EQ(j["events"][0]["name"].as<std::string>(), "kill \"now\"");
    EXPECT_EQ(j["port"]["imissed"].as<int>(), 3);
    EXPECT_EQ(j["series"]["received"].size(), 1u);
    EXPECT_EQ(j["series"]["lost"][0].as<int>(), 20);
    ASSERT_EQ(j["per_host"].size(), 2u);
    EXPECT_EQ(j["per_host"][1]["host"].as<std::string>(), "10.1.1.11");
    EXPECT_EQ(j["per_host"][1]["lost_detection"].as<int>(), 10);
    EXPECT_EQ(j["per_host"][1]["gaps"][0]["phase"].as<std::string>(), "detection");
    EXPECT_TRUE(j["per_host"][0]["gaps"][0]["tx_before_ns"].IsScalar());
}

} // namespace
} // namespace wg::trafgen
