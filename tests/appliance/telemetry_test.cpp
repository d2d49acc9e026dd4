// DPDK telemetry (docs/architecture.md "Operator interface"): /warmgate/statistics
// read with DPDK's own client, dpdk-telemetry.py, shows the counters that
// `warmgatectl --json display statistics` shows (one X-macro definition,
// every view), once traffic has stopped.
#include "tests/support/harness.hpp"
#include "tests/support/packets.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>

namespace wg::apptest {
namespace {

const char* const kPython = "/usr/bin/python3";
const char* const kTelemetryScript = "/usr/bin/dpdk-telemetry.py"; // Debian's dpdk package

// Counters that move while the appliance idles: not comparable across two reads.
bool moves_when_idle(const std::string& key) {
    return key == "polls" || key == "idle_polls";
}

class Telemetry : public testing::Test {
  protected:
    void SetUp() override {
        if (access(kTelemetryScript, R_OK) != 0 || access(kPython, X_OK) != 0)
            GTEST_SKIP() << kTelemetryScript << " (Debian package dpdk) or " << kPython
                         << " is missing: cannot read DPDK telemetry";
    }

    // One command through dpdk-telemetry.py, its JSON reply parsed back.
    YAML::Node query(const TempDir& dir, const std::string& prefix, const std::string& command) {
        write_file(dir.file("telemetry.in"), command + "\n");
        const RunResult r =
            run(dir, {kPython, kTelemetryScript, "-f", prefix}, kCommandTimeout, dir.file("telemetry.in"));
        if (r.code != 0 || !contains(r.out, "{\"" + command + "\""))
            throw std::runtime_error("dpdk-telemetry.py gave no reply to " + command + ": " + r.describe());
        return YAML::Load(r.out)[command];
    }
};

void expect_same_record(const YAML::Node& cli, const YAML::Node& tel, const std::string& where) {
    ASSERT_TRUE(cli.IsMap()) << where << ": " << cli;
    ASSERT_TRUE(tel.IsMap()) << where << " missing from telemetry: " << tel;
    for (const auto& kv : cli) {
        const std::string key = kv.first.as<std::string>();
        if (moves_when_idle(key)) continue;
        ASSERT_TRUE(tel[key]) << where << "." << key << " missing from telemetry";
        EXPECT_EQ(tel[key].as<std::string>(), kv.second.as<std::string>()) << where << "." << key;
    }
    EXPECT_EQ(tel.size(), cli.size()) << where << ": telemetry has other fields";
}

TEST_F(Telemetry, StatisticsMatchTheCli) {
    TempDir dir;
    // 30 frames to three hosts, one with static ARP: 10 forwarded, 20 misses.
    const RunResult gen = run(dir,
                              {programs().pcapgen, "--out", dir.file("in.pcap"), "--hosts", "3", "--packets",
                               "30", "--dst-base", "10.1.1.50", "--dst-mac", mac_str(net_pcap_mac(0))},
                              kCommandTimeout);
    ASSERT_EQ(gen.code, 0) << gen.describe();
    const std::string sock = dir.file("ctl.sock");
    write_file(dir.file("tel.yaml"), "sysname: TelGate\n"
                                     "dataplane: {workers: 1, idle_sleep_us: 100}\n"
                                     "interfaces:\n"
                                     "  GigabitEthernet0/2/0:\n"
                                     "    port: \"net_pcap0,rx_pcap=" +
                                         dir.file("in.pcap") +
                                         "\"\n"
                                         "    address: 192.0.2.1/24\n"
                                         "  GigabitEthernet0/1/0:\n"
                                         "    port: \"net_null0,no-rx=1\"\n"
                                         "    address: 10.1.1.1/24\n"
                                         "arp_static:\n"
                                         "  - {ip: 10.1.1.50, mac: \"02:00:00:00:00:50\", interface: "
                                         "GigabitEthernet0/1/0}\n"
                                         "control:\n"
                                         "  socket: " +
                                         sock + "\n");
    Appliance app(dir, "wg", dir.file("tel.yaml"));
    std::string why;
    ASSERT_TRUE(app.wait_ready(sock, why)) << why;

    YAML::Node cli;
    ASSERT_TRUE(wait_until(
        [&] {
            cli = ctl_json(dir, sock, {"display", "statistics"});
            return total_counter(cli, "rx") >= 30 && cli["control"]["punt_resolve"].as<uint64_t>() >= 20;
        },
        kTrafficTimeout))
        << cli;
    ASSERT_EQ(total_counter(cli, "forwarded"), 10u) << cli;
    ASSERT_EQ(total_counter(cli, "arp_miss"), 20u) << cli;

    const YAML::Node tel = query(dir, app.prefix(), "/warmgate/statistics");
    // Read the CLI again: nothing but the idle-poll counters may have moved.
    const YAML::Node cli2 = ctl_json(dir, sock, {"display", "statistics"});
    EXPECT_EQ(tel["total"]["forwarded"].as<uint64_t>(), 10u) << tel;
    expect_same_record(cli2["total"], tel["total"], "total");
    expect_same_record(cli2["control"], tel["control"], "control");

    // Per worker: the CLI's list, keyed in telemetry by each item's title.
    EXPECT_TRUE(tel["workers"].IsMap()) << tel;
    EXPECT_EQ(tel["workers"].size(), cli2["workers"].size()) << "telemetry lost workers: " << tel["workers"];
    if (tel["workers"].IsMap() && tel["workers"].size() == cli2["workers"].size()) {
        size_t w = 0;
        for (const auto& kv : tel["workers"]) {
            expect_same_record(cli2["workers"][w], kv.second, "workers." + kv.first.as<std::string>());
            ++w;
        }
    }

    // The same bridge serves the other displays: spot-check one field each.
    EXPECT_EQ(query(dir, app.prefix(), "/warmgate/version")["version"]["sysname"].as<std::string>(),
              "TelGate");
    const YAML::Node itf = query(dir, app.prefix(), "/warmgate/interface");
    EXPECT_EQ(itf["interfaces"]["GigabitEthernet0/2/0"]["rx_packets"].as<uint64_t>(), 30u) << itf;

    const auto code = app.stop(SIGTERM);
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, 0) << app.process().err();
}

} // namespace
} // namespace wg::apptest
