// warmgate's start-up refusals (docs/config.md "How the file is read"): a
// bad config is refused with every located error before EAL is touched; a
// bad EAL option, a port that cannot be probed and too few lcores each end
// the process with exit 1 and a message that says what to fix.
#include "tests/support/harness.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

namespace wg::apptest {
namespace {

std::vector<std::string> located_lines(const std::string& text, const std::string& file) {
    const std::regex located("^" + std::regex_replace(file, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                             R"(:[0-9]+:[0-9]+: .+$)");
    std::vector<std::string> out;
    for (const auto& line : lines_of(text))
        if (std::regex_match(line, located)) out.push_back(line);
    return out;
}

// Two null ports: nothing to receive, everything sent is dropped.
std::string null_config(const TempDir& dir, unsigned workers) {
    return "sysname: LifeGate\n"
           "dataplane: {workers: " +
           std::to_string(workers) +
           ", idle_sleep_us: 100}\n"
           "interfaces:\n"
           "  GigabitEthernet0/1/0:\n"
           "    port: \"net_null0,no-rx=1\"\n"
           "    address: 10.1.1.1/24\n"
           "  GigabitEthernet0/2/0:\n"
           "    port: \"net_null1,no-rx=1\"\n"
           "    address: 192.0.2.1/24\n"
           "control:\n"
           "  socket: " +
           dir.file("ctl.sock") + "\n";
}

TEST(Lifecycle, ConfigErrorsAreAllReportedAndEalIsNeverStarted) {
    TempDir dir;
    const std::string cfg = dir.file("bad.yaml");
    // Five mistakes of different kinds, on known lines.
    write_file(cfg, "sysname: BadGate\n"                      // 1
                    "dataplane: {workers: 1, bogus_key: 3}\n" // 2 unknown key
                    "interfaces:\n"                           // 3
                    "  GigabitEthernet0/1/0:\n"               // 4
                    "    port: \"net_null0,no-rx=1\"\n"       // 5
                    "    address: 10.1.1.1/33\n"              // 6 bad prefix
                    "    vrrp:\n"                             // 7
                    "      - vrid: 300\n"                     // 8 out of range
                    "        virtual_ip: [10.1.1.100]\n"      // 9
                    "  GigabitEthernet0/2/0:\n"               // 10
                    "    port: \"net_null1,no-rx=1\"\n"       // 11
                    "    address: 192.0.2.1/24\n"             // 12
                    "arp_static:\n"                           // 13
                    "  - {ip: 10.1.1.50, mac: \"02:00:00:00:zz:50\", interface: GigabitEthernet0/1/0}\n" // 14
                    "  - {ip: 10.1.1.51, mac: \"02:00:00:00:00:51\", interface: GigabitEthernet0/9/9}\n" // 15
                    "control:\n"
                    "  socket: " +
                        dir.file("ctl.sock") + "\n");
    const std::string prefix = new_file_prefix();
    const std::string runtime = dpdk_runtime_dir(prefix);
    ASSERT_FALSE(exists(runtime)) << runtime;

    std::vector<std::string> argv{programs().warmgate};
    for (const auto& a : eal_args(prefix))
        argv.push_back(a);
    argv.insert(argv.end(), {"--", "--config", cfg});
    const RunResult r = run(dir, argv, kStopTimeout);
    EXPECT_EQ(r.code, 1) << r.describe();
    EXPECT_TRUE(contains(r.err, "refusing to start")) << r.describe();
    EXPECT_TRUE(contains(r.err, "5 error(s)")) << r.describe();

    const auto located = located_lines(r.err, cfg);
    const std::vector<std::pair<std::string, std::string>> expected{
        {cfg + ":2:", "bogus_key"},
        {cfg + ":6:", "10.1.1.1/33"},
        {cfg + ":8:", "vrid 300"},
        {cfg + ":14:", "02:00:00:00:zz:50"},
        {cfg + ":15:", "GigabitEthernet0/9/9"},
    };
    EXPECT_EQ(located.size(), expected.size()) << r.describe();
    for (const auto& [where, what] : expected)
        EXPECT_TRUE(
            std::any_of(located.begin(), located.end(),
                        [&](const std::string& l) { return l.rfind(where, 0) == 0 && contains(l, what); }))
            << "no located error " << where << " ... " << what << "\n"
            << r.describe();

    // The offline checker and the appliance share one validator: same lines.
    const RunResult check = run(dir, {programs().warmgate_config, "check", cfg}, kCommandTimeout);
    EXPECT_EQ(check.code, 1) << check.describe();
    EXPECT_EQ(located_lines(check.out + check.err, cfg), located);

    // Refused before rte_eal_init: no runtime directory, no EAL log, no socket.
    EXPECT_FALSE(exists(runtime)) << runtime << " was created: EAL was initialised";
    EXPECT_FALSE(contains(r.err, "EAL:")) << r.describe();
    EXPECT_FALSE(exists(dir.file("ctl.sock")));
}

TEST(Lifecycle, BadEalOptionExitsOne) {
    TempDir dir;
    const std::string cfg = dir.file("ok.yaml");
    write_file(cfg, null_config(dir, 1));
    Appliance app(dir, "wg", cfg, {"--no-such-eal-option"});
    const auto code = app.process().wait_exit(kStopTimeout);
    ASSERT_TRUE(code.has_value()) << "warmgate kept running with a bad EAL option";
    EXPECT_EQ(*code, 1) << app.process().err();
    EXPECT_TRUE(contains(app.process().err(), "EAL initialisation failed")) << app.process().err();
    EXPECT_FALSE(exists(dir.file("ctl.sock")));
}

TEST(Lifecycle, UnprobeablePortNamesInterfaceAndDevargs) {
    TempDir dir;
    const std::string cfg = dir.file("noport.yaml");
    std::string text = null_config(dir, 1);
    text.replace(text.find("net_null1,no-rx=1"), 17, "net_nonexistent0,foo=1");
    write_file(cfg, text);
    Appliance app(dir, "wg", cfg);
    const auto code = app.process().wait_exit(kStopTimeout);
    ASSERT_TRUE(code.has_value()) << "warmgate kept running without its port";
    const std::string err = app.process().err();
    EXPECT_EQ(*code, 1) << err;
    EXPECT_TRUE(contains(err, "GigabitEthernet0/2/0")) << err;
    EXPECT_TRUE(contains(err, "net_nonexistent0,foo=1")) << err;
    EXPECT_TRUE(contains(err, "cannot probe")) << err;
    EXPECT_FALSE(exists(dir.file("ctl.sock")));
}

TEST(Lifecycle, MoreWorkersThanLcoresNamesTheLcores) {
    TempDir dir;
    const std::string cfg = dir.file("workers.yaml");
    write_file(cfg, null_config(dir, 2)); // EAL gets -l 0-1: one worker lcore
    Appliance app(dir, "wg", cfg);
    const auto code = app.process().wait_exit(kStopTimeout);
    ASSERT_TRUE(code.has_value()) << "warmgate kept running with too few lcores";
    const std::string err = app.process().err();
    EXPECT_EQ(*code, 1) << err;
    EXPECT_TRUE(contains(err, "dataplane.workers is 2")) << err;
    EXPECT_TRUE(contains(err, "1 worker lcore")) << err;
    EXPECT_TRUE(contains(err, "-l 0-2")) << err; // the fix, spelled out
    EXPECT_FALSE(exists(dir.file("ctl.sock")));
    // EAL did run here, and left its runtime directory where the config
    // test above looks for one (Appliance's destructor removes it).
    EXPECT_TRUE(exists(dpdk_runtime_dir(app.prefix()))) << dpdk_runtime_dir(app.prefix());
}

} // namespace
} // namespace wg::apptest
