// wg-trafgen as a program on net_pcap: tx writes its probes to a pcap file,
// the test removes chosen probes (the "network" losing them) and writes the
// event marks between known send times, and rx reads the rest back. Every
// loss count and phase is then known exactly.
#include "scripts/tools/trafgen_wire.hpp"
#include "tests/trafgen/support.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <csignal>
#include <set>

namespace wg::trafgen_test {
namespace {

using namespace std::chrono_literals;
using apptest::RunResult;
using apptest::TempDir;
using trafgen::decode;
using trafgen::Probe;

constexpr auto kRunTimeout = 60s;

struct Sent {
    YAML::Node summary;
    Pcap pcap;
    std::vector<Probe> probes; // index = seq
};

// tx for `seconds` at `pps` to `hosts` hosts into DIR/tx.pcap (+ tx.json).
Sent transmit(const TempDir& dir, uint32_t hosts, uint32_t pps, const std::string& seconds) {
    Eal eal;
    const RunResult r =
        apptest::run(dir,
                     eal.argv("net_pcap0,tx_pcap=" + dir.file("tx.pcap"),
                              {"tx", "--dst-mac", "00:00:5e:00:01:02", "--src-mac", "02:00:00:00:00:fe",
                               "--hosts", std::to_string(hosts), "--first", "10.1.1.10", "--pps",
                               std::to_string(pps), "--seconds", seconds, "--out", dir.file("tx.json")}),
                     kRunTimeout);
    Sent s;
    EXPECT_EQ(r.code, 0) << r.describe();
    if (r.code != 0) return s;
    s.summary = YAML::Load(apptest::read_file(dir.file("tx.json")));
    s.pcap = Pcap::read(dir.file("tx.pcap"));
    for (const auto& f : s.pcap.frames) {
        const auto p = decode(f.data(), f.size());
        EXPECT_TRUE(p) << "every frame is a probe";
        if (p) s.probes.push_back(*p);
    }
    return s;
}

RunResult receive(const TempDir& dir, const std::string& pcap, std::vector<std::string> extra) {
    Eal eal;
    std::vector<std::string> args{"rx", "--seconds", "0.5", "--out", dir.file("rx.json")};
    args.insert(args.end(), extra.begin(), extra.end());
    return apptest::run(dir, eal.argv("net_pcap0,rx_pcap=" + pcap, args), kRunTimeout);
}

TEST(TrafgenTool, TxPacesRoundRobinProbes) {
    TempDir dir;
    const Sent s = transmit(dir, 8, 4000, "0.5");
    ASSERT_FALSE(s.probes.empty());
    const uint64_t sent = s.summary["sent"].as<uint64_t>();
    EXPECT_EQ(sent, s.probes.size()) << "the summary counts what the port took";
    EXPECT_EQ(s.summary["hosts"].as<int>(), 8);
    // Paced, measured on the frames' own stamps: never faster than asked
    // (an unpaced loop would write hundreds of thousands a second); slower
    // only when a busy 2-core machine deschedules the generator, so the
    // lower bound is loose.
    const double span = double(s.probes.back().tx_ns - s.probes.front().tx_ns) / 1e9;
    ASSERT_GT(span, 0);
    EXPECT_LT(double(sent - 1) / span, 4000.0 * 1.1);
    EXPECT_GT(double(sent - 1) / span, 500.0);
    EXPECT_GT(s.summary["pps"].as<double>(), 0.0);
    for (size_t g = 0; g < s.probes.size(); ++g) {
        const Probe& p = s.probes[g];
        ASSERT_EQ(p.seq, g) << "in order, no hole";
        ASSERT_EQ(p.host, g % 8);
        ASSERT_EQ(p.host_seq, g / 8);
        ASSERT_EQ(p.dst_ip, 0x0a01010au + g % 8);
        ASSERT_EQ(p.run, s.summary["run"].as<int>());
        ASSERT_EQ(s.pcap.frames[g].size(), 64u);
        ASSERT_EQ(trafgen::ipv4_checksum(s.pcap.frames[g].data() + trafgen::kEthLen, trafgen::kIpLen), 0);
        if (g > 0) {
            ASSERT_GE(p.tx_ns, s.probes[g - 1].tx_ns);
        }
    }
    EXPECT_EQ(s.probes.front().tx_ns, s.summary["first_tx_ns"].as<int64_t>());
    EXPECT_EQ(s.probes.back().tx_ns, s.summary["last_tx_ns"].as<int64_t>());
}

TEST(TrafgenTool, RxAttributesEveryLoss) {
    TempDir dir;
    const Sent s = transmit(dir, 8, 4000, "0.5");
    const uint32_t n = uint32_t(s.probes.size());
    ASSERT_GT(n, 800u) << "needs room for the losses below";
    const uint32_t cut = n / 2;
    // Lost: one before the kill, 100 in the outage, 2 of one host after the
    // new Master (consecutive for that host), and the last 5 (the tail).
    std::set<uint32_t> lost{10, cut + 300, cut + 308};
    for (uint32_t g = cut; g < cut + 100; ++g)
        lost.insert(g);
    for (uint32_t g = n - 5; g < n; ++g)
        lost.insert(g);
    Pcap kept;
    for (uint32_t g = 0; g < n; ++g)
        if (!lost.count(g)) kept.frames.push_back(s.pcap.frames[g]);
    kept.write(dir.file("kept.pcap"));
    // kill just after the last packet before the outage, master at the first
    // one after it: the interpolated send times of the 100 fall in between.
    const int64_t kill = s.probes[cut - 1].tx_ns + 1, master = s.probes[cut + 100].tx_ns;
    apptest::write_file(dir.file("events"),
                        std::to_string(master) + " master\n" + std::to_string(kill) + " kill\n");

    RunResult r = receive(dir, dir.file("kept.pcap"),
                          {"--tx", dir.file("tx.json"), "--events", dir.file("events"), "--bucket-ms", "50"});
    ASSERT_EQ(r.code, 0) << r.describe();
    YAML::Node j = YAML::Load(apptest::read_file(dir.file("rx.json")));
    EXPECT_EQ(j["hosts"].as<int>(), 8);
    EXPECT_EQ(j["sent"].as<uint32_t>(), n);
    EXPECT_EQ(j["received"].as<uint32_t>(), n - 108);
    EXPECT_EQ(j["lost_total"].as<int>(), 108);
    EXPECT_EQ(j["lost_before"].as<int>(), 1);
    EXPECT_EQ(j["lost_detection"].as<int>(), 100);
    EXPECT_EQ(j["lost_after"].as<int>(), 7);
    std::set<uint32_t> after_hosts{(cut + 300) % 8};
    for (uint32_t g = n - 5; g < n; ++g)
        after_hosts.insert(g % 8);
    EXPECT_EQ(j["hosts_with_loss_after"].as<size_t>(), after_hosts.size());
    EXPECT_EQ(j["outage"]["from_seq"].as<uint32_t>(), cut);
    EXPECT_EQ(j["outage"]["to_seq"].as<uint32_t>(), cut + 99);
    EXPECT_EQ(j["first_rx_after_event_ns"].as<int64_t>(),
              j["outage"]["first_rx_after_ns"].as<int64_t>() - kill);
    EXPECT_NEAR(j["offered_pps"].as<double>(), s.summary["pps"].as<double>(),
                0.05 * s.summary["pps"].as<double>());
    EXPECT_EQ(j["events"][0]["name"].as<std::string>(), "kill") << "sorted by time";
    EXPECT_EQ(j["port"]["ipackets"].as<uint32_t>(), n - 108);
    uint64_t series = 0;
    for (const auto& b : j["series"]["received"])
        series += b.as<uint64_t>();
    EXPECT_EQ(series, n - 108);

    const YAML::Node h = j["per_host"][(cut + 300) % 8];
    EXPECT_EQ(h["host"].as<std::string>(), "10.1.1." + std::to_string(10 + (cut + 300) % 8));
    EXPECT_GE(h["lost_after"].as<int>(), 2);
    bool found = false;
    for (const auto& g : h["gaps"]) {
        if (g["from"].as<uint32_t>() != (cut + 300) / 8) continue;
        found = true;
        EXPECT_EQ(g["to"].as<uint32_t>(), (cut + 308) / 8);
        EXPECT_EQ(g["phase"].as<std::string>(), "after");
        EXPECT_EQ(g["tx_before_ns"].as<int64_t>(), s.probes[cut + 292].tx_ns);
        EXPECT_EQ(g["tx_after_ns"].as<int64_t>(), s.probes[cut + 316].tx_ns);
    }
    EXPECT_TRUE(found) << "the after-master gap of host " << (cut + 300) % 8;
    const YAML::Node h2 = j["per_host"][2];
    EXPECT_EQ(h2["lost_before"].as<int>(), 1);
    EXPECT_EQ(h2["gaps"][0]["from"].as<int>(), 1);
    EXPECT_EQ(h2["gaps"][0]["tx_before_ns"].as<int64_t>(), s.probes[2].tx_ns);
    EXPECT_EQ(h2["gaps"][0]["tx_after_ns"].as<int64_t>(), s.probes[18].tx_ns);
    uint64_t detection = 0;
    for (const auto& host : j["per_host"])
        detection += host["lost_detection"].as<uint64_t>();
    EXPECT_EQ(detection, 100u);

    // Without the tx summary the tail is invisible (the sequence seems to end
    // at the last arrival).
    r = receive(dir, dir.file("kept.pcap"), {"--events", dir.file("events")});
    ASSERT_EQ(r.code, 0) << r.describe();
    j = YAML::Load(apptest::read_file(dir.file("rx.json")));
    EXPECT_EQ(j["lost_total"].as<int>(), 103);
    EXPECT_EQ(j["lost_after"].as<int>(), 2);
    EXPECT_TRUE(j["sent"].IsNull());
}

TEST(TrafgenTool, RxStopsOnSigtermAndStillWrites) {
    TempDir dir;
    const Sent s = transmit(dir, 3, 2000, "0.2");
    ASSERT_FALSE(s.probes.empty());
    Eal eal;
    apptest::Process rx(eal.argv("net_pcap0,rx_pcap=" + dir.file("tx.pcap"),
                                 {"rx", "--seconds", "0", "--out", dir.file("rx.json")}),
                        dir.file("rx.out"), dir.file("rx.err"));
    ASSERT_TRUE(apptest::wait_until([&] { return apptest::contains(rx.err(), "rx: running on port"); }, 30s))
        << rx.err();
    EXPECT_TRUE(rx.running()) << "--seconds 0: until a signal";
    rx.signal(SIGTERM);
    const auto code = rx.wait_exit(30s);
    ASSERT_TRUE(code);
    EXPECT_EQ(*code, 0) << rx.err();
    const YAML::Node j = YAML::Load(apptest::read_file(dir.file("rx.json")));
    EXPECT_LE(j["received"].as<uint64_t>(), s.probes.size());
    EXPECT_EQ(j["received"].as<uint64_t>() + j["lost_total"].as<uint64_t>(), j["expected"].as<uint64_t>());
    EXPECT_TRUE(apptest::contains(rx.out(), "\"lost_total\""));
}

TEST(TrafgenTool, MarkAppendsOnTheSameClock) {
    TempDir dir;
    const std::string ev = dir.file("events");
    const RunResult a = apptest::run(dir, {program(), "mark", ev, "kill"}, kRunTimeout);
    const RunResult b = apptest::run(dir, {program(), "--", "mark", ev, "master"}, kRunTimeout);
    ASSERT_EQ(a.code, 0) << a.describe();
    ASSERT_EQ(b.code, 0) << b.describe();
    const auto lines = apptest::lines_of(apptest::read_file(ev));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], apptest::lines_of(a.out).at(0) + " kill");
    EXPECT_EQ(lines[1], apptest::lines_of(b.out).at(0) + " master");
    EXPECT_LE(std::stoll(lines[0]), std::stoll(lines[1]));
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    EXPECT_LE(std::stoll(lines[1]), int64_t(now.tv_sec) * 1000000000 + now.tv_nsec) << "CLOCK_MONOTONIC";

    const RunResult bad = apptest::run(dir, {program(), "mark", ev, "two words"}, kRunTimeout);
    EXPECT_EQ(bad.code, 2);
    EXPECT_EQ(apptest::lines_of(apptest::read_file(ev)).size(), 2u);
}

// An ARP request (RFC 826) from 10.1.1.1 for `target`, broadcast.
std::vector<uint8_t> arp_request(uint32_t target) {
    std::vector<uint8_t> f(60, 0);
    const uint8_t head[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06, 0, 1,
                            0x08, 0,    6,    4,    0,    1,    2, 0, 0, 0, 0, 1, 10,   1,    1, 1};
    std::copy(std::begin(head), std::end(head), f.begin());
    for (int i = 0; i < 4; ++i)
        f[38 + size_t(i)] = uint8_t(target >> (24 - 8 * i));
    return f;
}

// The host emulator as a program: requests read from a pcap, replies
// written to another; the ARP log and the counters.
TEST(TrafgenTool, HostsAnswerArpFromAPcap) {
    TempDir dir;
    Pcap in;
    for (const uint32_t t :
         {0x0a010165u, 0x0a010166u, 0x0a0201ffu, 0x0a010164u}) // .101, .102, 10.2.1.255, VIP
        in.frames.push_back(arp_request(t));
    const Sent s = transmit(dir, 2, 1000, "0.01"); // and a probe, which is not ARP
    ASSERT_FALSE(s.pcap.frames.empty());
    in.frames.push_back(s.pcap.frames[0]);
    in.write(dir.file("in.pcap"));
    Eal eal;
    const RunResult r =
        apptest::run(dir,
                     eal.argv("net_pcap0,rx_pcap=" + dir.file("in.pcap") + ",tx_pcap=" + dir.file("out.pcap"),
                              {"hosts", "--hosts", "70000", "--first", "10.1.1.101", "--seconds", "0.5",
                               "--arp-log", dir.file("arp.log"), "--out", dir.file("hosts.json")}),
                     kRunTimeout);
    ASSERT_EQ(r.code, 0) << r.describe();
    const Pcap out = Pcap::read(dir.file("out.pcap"));
    ASSERT_EQ(out.frames.size(), 3u) << "10.1.1.101, 10.1.1.102 and 10.2.1.255 (host 65690) are hosts";
    const uint8_t first_mac[6] = {0x02, 0x77, 0x67, 0, 0, 0};
    EXPECT_TRUE(std::equal(first_mac, first_mac + 6, out.frames[0].begin() + 6)) << "host 0's MAC";
    EXPECT_EQ(out.frames[0][21], 2) << "a reply";
    EXPECT_EQ(out.frames[2][11], uint8_t(65690 & 0xff));
    const auto log = apptest::lines_of(apptest::read_file(dir.file("arp.log")));
    ASSERT_EQ(log.size(), 4u) << "every request, ours or not";
    EXPECT_TRUE(apptest::contains(log[0], " 10.1.1.1 02:00:00:00:00:01 10.1.1.101")) << log[0];
    const YAML::Node j = YAML::Load(apptest::read_file(dir.file("hosts.json")));
    EXPECT_EQ(j["replies_sent"].as<int>(), 3);
    EXPECT_EQ(j["counters"]["requests_for_hosts"].as<int>(), 3);
    EXPECT_EQ(j["counters"]["ignored_other_target"].as<int>(), 1);
    EXPECT_EQ(j["counters"]["not_arp"].as<int>(), 1);
}

TEST(TrafgenTool, TxRefusesWithoutDestinationMac) {
    TempDir dir;
    Eal eal;
    const RunResult r =
        apptest::run(dir, eal.argv("net_null0", {"tx", "--hosts", "4", "--seconds", "0.1"}), kRunTimeout);
    EXPECT_EQ(r.code, 2) << r.describe();
    EXPECT_TRUE(apptest::contains(r.err, "--dst-mac is required")) << r.err;
}

} // namespace
} // namespace wg::trafgen_test
