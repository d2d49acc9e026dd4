// wg-trafgen over a real link (root only: main.cpp exits 77 otherwise): a
// veth pair in a network namespace of this test's own, tx on one end and rx
// on the other through net_af_packet, as in the lab. Nothing is lost on a
// veth at 2000 pps, so every probe sent must be counted, per host, and the
// time series must spread over the run.
#include "tests/trafgen/support.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <unistd.h>

#include <csignal>
#include <cstdlib>

namespace wg::trafgen_test {
namespace {

using namespace std::chrono_literals;
using apptest::RunResult;
using apptest::TempDir;

// A namespace with the veth pair tga <-> tgb, deleted (with the pair) at the end.
class Netns {
  public:
    Netns() : name_("wgtg-" + std::to_string(getpid())) {
        std::system(("ip netns del " + name_ + " 2>/dev/null").c_str());
        ok_ = sh("ip netns add " + name_) && sh("ip -n " + name_ + " link add tga type veth peer name tgb") &&
              sh("ip -n " + name_ + " link set tga up") && sh("ip -n " + name_ + " link set tgb up");
    }
    ~Netns() { std::system(("ip netns del " + name_ + " 2>/dev/null").c_str()); }
    Netns(const Netns&) = delete;
    Netns& operator=(const Netns&) = delete;

    bool ok() const { return ok_; }
    // argv run inside the namespace (`ip netns exec` execs it: same pid).
    std::vector<std::string> exec(std::vector<std::string> argv) const {
        argv.insert(argv.begin(), {"/usr/bin/env", "ip", "netns", "exec", name_});
        return argv;
    }

  private:
    static bool sh(const std::string& cmd) { return std::system(cmd.c_str()) == 0; }
    std::string name_;
    bool ok_ = false;
};

TEST(TrafgenVeth, EveryProbeCountedPerHost) {
    TempDir dir;
    Netns ns;
    ASSERT_TRUE(ns.ok());
    Eal rx_eal, tx_eal;
    apptest::Process rx(ns.exec(rx_eal.argv("net_af_packet0,iface=tgb",
                                            {"rx", "--seconds", "0", "--out", dir.file("rx.json"), "--tx",
                                             dir.file("tx.json"), "--events", dir.file("events")})),
                        dir.file("rx.out"), dir.file("rx.err"));
    ASSERT_TRUE(apptest::wait_until([&] { return apptest::contains(rx.err(), "rx: running on port"); }, 30s))
        << rx.err();
    const RunResult mark = apptest::run(dir, {program(), "mark", dir.file("events"), "start"}, 30s);
    ASSERT_EQ(mark.code, 0) << mark.describe();
    const RunResult tx =
        apptest::run(dir,
                     ns.exec(tx_eal.argv("net_af_packet0,iface=tga",
                                         {"tx", "--dst-mac", "00:00:5e:00:01:02", "--hosts", "4", "--pps",
                                          "2000", "--seconds", "1", "--out", dir.file("tx.json")})),
                     60s);
    ASSERT_EQ(tx.code, 0) << tx.describe();
    rx.signal(SIGTERM);
    const auto code = rx.wait_exit(30s);
    ASSERT_TRUE(code);
    ASSERT_EQ(*code, 0) << rx.err();

    const YAML::Node t = YAML::Load(apptest::read_file(dir.file("tx.json")));
    const YAML::Node j = YAML::Load(apptest::read_file(dir.file("rx.json")));
    const uint64_t sent = t["sent"].as<uint64_t>();
    ASSERT_GT(sent, 1000u);
    EXPECT_EQ(j["run"].as<int>(), t["run"].as<int>());
    EXPECT_EQ(j["received"].as<uint64_t>(), sent);
    EXPECT_EQ(j["lost_total"].as<uint64_t>(), 0u);
    EXPECT_EQ(j["duplicates"].as<uint64_t>(), 0u);
    ASSERT_EQ(j["per_host"].size(), 4u);
    for (const auto& h : j["per_host"]) {
        EXPECT_NEAR(h["received"].as<double>(), double(sent) / 4, 1.0);
        EXPECT_EQ(h["first_seq"].as<int>(), 0);
    }
    EXPECT_EQ(j["per_host"][3]["host"].as<std::string>(), "10.1.1.13");
    EXPECT_GT(j["latency_us"]["max"].as<double>(), 0.0);
    EXPECT_GT(j["first_rx_after_event_ns"].as<int64_t>(), 0) << "start mark to the first probe";
    size_t busy = 0;
    uint64_t total = 0;
    for (const auto& b : j["series"]["received"]) {
        busy += b.as<uint64_t>() > 0;
        total += b.as<uint64_t>();
    }
    EXPECT_EQ(total, sent);
    EXPECT_GE(busy, 5u) << "1 s of paced traffic over 100 ms buckets";
}

} // namespace
} // namespace wg::trafgen_test
