// The operator channel against a live appliance (docs/architecture.md
// "Operator interface"):
// warmgatectl's text and --json answers from a running warmgate on null
// devices, its errors and exit codes, and the control socket's lifecycle
// (one server per socket, gone after shutdown).
#include "config/punt.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/packets.hpp"

#include <gtest/gtest.h>
#include <rte_version.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <memory>

namespace wg::apptest {
namespace {

const std::string kUser = "GigabitEthernet0/1/0";
const std::string kNet = "GigabitEthernet0/2/0";
const std::string kUserPort = "net_null0,no-rx=1";
const std::string kNetPort = "net_null1,no-rx=1";

std::string cli_config(const std::string& socket) {
    return "sysname: CliGate\n"
           "dataplane: {workers: 1, idle_sleep_us: 100}\n"
           "interfaces:\n"
           "  " +
           kUser + ":\n    port: \"" + kUserPort + "\"\n    address: 10.1.1.1/24\n" + "  " + kNet +
           ":\n    port: \"" + kNetPort + "\"\n    address: 192.0.2.1/24\n" +
           "control:\n  socket: " + socket + "\n";
}

class LiveCli : public testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = std::make_unique<TempDir>();
        socket_ = dir_->file("ctl.sock");
        write_file(dir_->file("cli.yaml"), cli_config(socket_));
        app_ = std::make_unique<Appliance>(*dir_, "wg", dir_->file("cli.yaml"));
        ready_ = app_->wait_ready(socket_, why_);
    }
    static void TearDownTestSuite() {
        if (app_) app_->stop(SIGTERM);
        app_.reset();
        dir_.reset();
    }
    void SetUp() override { ASSERT_TRUE(ready_) << why_; }

    RunResult cmd(const std::vector<std::string>& words, bool json = false) {
        return ctl(*dir_, socket_, words, json);
    }

    static std::unique_ptr<TempDir> dir_;
    static std::unique_ptr<Appliance> app_;
    static std::string socket_, why_;
    static bool ready_;
};
std::unique_ptr<TempDir> LiveCli::dir_;
std::unique_ptr<Appliance> LiveCli::app_;
std::string LiveCli::socket_, LiveCli::why_;
bool LiveCli::ready_ = false;

TEST_F(LiveCli, DisplayVersionShowsSysnameAndDpdk) {
    const RunResult text = cmd({"display", "version"});
    ASSERT_EQ(text.code, 0) << text.describe();
    EXPECT_TRUE(contains(text.out, "CliGate")) << text.out;
    EXPECT_TRUE(contains(text.out, rte_version())) << text.out;
    EXPECT_TRUE(text.err.empty()) << text.err;

    const YAML::Node j = ctl_json(*dir_, socket_, {"display", "version"});
    EXPECT_EQ(j["version"]["program"].as<std::string>(), "warmgate");
    EXPECT_EQ(j["version"]["sysname"].as<std::string>(), "CliGate");
    EXPECT_EQ(j["version"]["dpdk"].as<std::string>(), rte_version());
    EXPECT_EQ(j["version"]["workers"].as<unsigned>(), 1u);
}

TEST_F(LiveCli, DisplayInterfaceListsEveryPortInConfigOrder) {
    const RunResult text = cmd({"display", "interface"});
    ASSERT_EQ(text.code, 0) << text.describe();
    for (const auto& s : {kUser, kNet, kUserPort, kNetPort, std::string("net_null")})
        EXPECT_TRUE(contains(text.out, s)) << s << "\n" << text.out;

    const YAML::Node j = ctl_json(*dir_, socket_, {"display", "interface"});
    ASSERT_TRUE(j["interfaces"].IsSequence()) << j;
    ASSERT_EQ(j["interfaces"].size(), 2u) << j;
    const YAML::Node user = j["interfaces"][0], net = j["interfaces"][1];
    EXPECT_EQ(user["name"].as<std::string>(), kUser);
    EXPECT_EQ(net["name"].as<std::string>(), kNet);
    EXPECT_EQ(user["port"].as<std::string>(), kUserPort);
    EXPECT_EQ(net["port"].as<std::string>(), kNetPort);
    EXPECT_EQ(user["address"].as<std::string>(), "10.1.1.1/24");
    EXPECT_EQ(net["address"].as<std::string>(), "192.0.2.1/24");
    for (const YAML::Node& i : {user, net}) {
        EXPECT_EQ(i["driver"].as<std::string>(), "net_null");
        EXPECT_EQ(i["link"].as<std::string>(), "up");
        EXPECT_EQ(i["queues"].as<unsigned>(), 1u);
        EXPECT_TRUE(parse_mac(i["mac"].as<std::string>()).has_value()) << i["mac"];
        // No VRRP: forwarding from the port's own MAC.
        EXPECT_TRUE(i["forwarding"].as<bool>());
        EXPECT_EQ(i["source_mac"].as<std::string>(), i["mac"].as<std::string>());
        EXPECT_EQ(i["rx_packets"].as<uint64_t>(), 0u);
        // The text view shows the same MAC.
        EXPECT_TRUE(contains(text.out, i["mac"].as<std::string>()));
    }
    EXPECT_NE(user["mac"].as<std::string>(), net["mac"].as<std::string>());
    EXPECT_NE(user["port_id"].as<unsigned>(), net["port_id"].as<unsigned>());
}

TEST_F(LiveCli, DisplayInterfaceByName) {
    const RunResult text = cmd({"display", "interface", kNet});
    ASSERT_EQ(text.code, 0) << text.describe();
    EXPECT_TRUE(contains(text.out, kNet)) << text.out;
    EXPECT_FALSE(contains(text.out, kUser)) << text.out;

    const YAML::Node j = ctl_json(*dir_, socket_, {"display", "interface", kNet});
    ASSERT_EQ(j["interfaces"].size(), 1u) << j;
    EXPECT_EQ(j["interfaces"][0]["name"].as<std::string>(), kNet);
    EXPECT_EQ(j["interfaces"][0]["port"].as<std::string>(), kNetPort);
}

TEST_F(LiveCli, UnknownInterfaceFailsWithExitOne) {
    for (bool json : {false, true}) {
        const RunResult r = cmd({"display", "interface", "Nope0/0/0"}, json);
        EXPECT_EQ(r.code, 1) << r.describe();
        EXPECT_TRUE(contains(r.err, "no DPDK interface named 'Nope0/0/0'")) << r.describe();
        EXPECT_TRUE(r.out.empty()) << r.describe();
    }
}

TEST_F(LiveCli, UnknownCommandFailsWithExitOne) {
    const RunResult r = cmd({"display", "frobnicate"});
    EXPECT_EQ(r.code, 1) << r.describe();
    EXPECT_TRUE(contains(r.err, "unknown command \"display frobnicate\"")) << r.describe();
    // It suggests what exists under "display".
    EXPECT_TRUE(contains(r.err, "display interface")) << r.describe();

    const RunResult top = cmd({"frobnicate"});
    EXPECT_EQ(top.code, 1) << top.describe();
    EXPECT_TRUE(contains(top.err, "unknown command \"frobnicate\"")) << top.describe();
}

TEST_F(LiveCli, DisplayStatisticsJsonHasEveryCounterAtZero) {
    const YAML::Node j = ctl_json(*dir_, socket_, {"display", "statistics"});
    for (const char* key : {"rx", "tx", "forwarded", "punted", "arp_miss", "drop_not_master"})
        EXPECT_EQ(total_counter(j, key), 0u) << key;
    // Control-plane policing: two counters per punt class, one per ring.
    for (const auto& c : kPuntClassInfo)
        for (const std::string prefix : {"punted_", "drop_policer_"})
            EXPECT_EQ(total_counter(j, prefix + std::string(c.name)), 0u) << prefix << c.name;
    for (const char* key : {"drop_punt_ring_full", "drop_punt_priority_ring_full"})
        EXPECT_EQ(total_counter(j, key), 0u) << key;
    EXPECT_EQ(j["control"]["punt_priority"].as<uint64_t>(), 0u) << j;
    ASSERT_EQ(j["workers"].size(), 1u) << j;
    EXPECT_EQ(j["workers"][0]["lcore"].as<unsigned>(), 1u) << "the worker runs on the second lcore of -l 0-1";
    EXPECT_TRUE(j["control"]["adjacency_capacity"].as<uint64_t>() > 0) << j;
}

TEST(Cli, NothingListeningExitsThree) {
    TempDir dir;
    const std::string missing = dir.file("missing.sock");
    const RunResult r = ctl(dir, missing, {"display", "version"});
    EXPECT_EQ(r.code, 3) << r.describe();
    EXPECT_TRUE(contains(r.err, "cannot connect to " + missing)) << r.describe();
    EXPECT_TRUE(contains(r.err, "is warmgate running?")) << r.describe();

    // A socket file left behind by a dead process: bound, never listening.
    const std::string stale = dir.file("stale.sock");
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, stale.c_str(), sizeof sa.sun_path - 1);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0) << std::strerror(errno);
    close(fd);
    const RunResult s = ctl(dir, stale, {"display", "version"});
    EXPECT_EQ(s.code, 3) << s.describe();
    EXPECT_TRUE(contains(s.err, "cannot connect to " + stale)) << s.describe();
}

TEST(Cli, SecondApplianceOnTheSameSocketRefusesAndShutdownRemovesIt) {
    TempDir dir;
    const std::string sock = dir.file("ctl.sock");
    write_file(dir.file("a.yaml"), cli_config(sock));
    Appliance first(dir, "first", dir.file("a.yaml"));
    std::string why;
    ASSERT_TRUE(first.wait_ready(sock, why)) << why;

    // Another process with its own EAL prefix and devices, the same socket.
    write_file(dir.file("b.yaml"), cli_config(sock));
    Appliance second(dir, "second", dir.file("b.yaml"));
    const auto code = second.process().wait_exit(kStopTimeout);
    ASSERT_TRUE(code.has_value()) << "the second warmgate kept running";
    EXPECT_EQ(*code, 1) << second.process().err();
    EXPECT_TRUE(contains(second.process().err(), "already serving " + sock)) << second.process().err();

    // The first one is untouched: its socket is still there and answers.
    EXPECT_TRUE(first.process().running());
    EXPECT_TRUE(exists(sock));
    const RunResult v = ctl(dir, sock, {"--json", "display", "version"});
    ASSERT_EQ(v.code, 0) << v.describe();
    EXPECT_TRUE(contains(v.out, "CliGate"));

    const auto first_code = first.stop(SIGINT);
    ASSERT_TRUE(first_code.has_value()) << "warmgate ignored SIGINT";
    EXPECT_EQ(*first_code, 0) << first.process().err();
    EXPECT_TRUE(contains(first.process().out(), "shutting down")) << first.process().out();
    EXPECT_FALSE(exists(sock)) << "the control socket outlived the appliance";
    EXPECT_EQ(ctl(dir, sock, {"display", "version"}).code, 3);
}

} // namespace
} // namespace wg::apptest
