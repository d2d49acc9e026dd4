// Signals against a live appliance on net_pcap: SIGHUP is logged and
// ignored (its default action would kill a Master outright), and SIGTERM on a
// Master puts a priority-0 advert on the wire (RFC 5798 §6.4.3) before the
// ports stop: the port's tx_pcap, complete once the process has exited,
// holds it.
#include "tests/support/harness.hpp"
#include "tests/support/packets.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace wg::apptest {
namespace {

const uint32_t kAddress = ipv4(10, 1, 1, 1);

// One group on the user-side port, alone on its LAN (nothing is received):
// Master after Master_Down_Interval, ~0.4 s at 100 ms adverts (RFC 5798 §6.1).
std::string signals_config(const TempDir& dir) {
    return "sysname: SigGate\n"
           "dataplane: {workers: 1, idle_sleep_us: 100}\n"
           "interfaces:\n"
           "  GigabitEthernet0/1/0:\n"
           "    port: \"net_pcap0,tx_pcap=" +
           dir.file("out.pcap") +
           "\"\n"
           "    address: 10.1.1.1/24\n"
           "    vrrp:\n"
           "      - vrid: 9\n"
           "        virtual_ip: [10.1.1.100]\n"
           "        priority: 120\n"
           "        version: 3\n"
           "        advert_interval_ms: 100\n"
           "control:\n"
           "  socket: " +
           dir.file("ctl.sock") + "\n";
}

std::string state(const TempDir& dir, const std::string& sock) {
    return ctl_json(dir, sock, {"display", "vrrp"})["groups"][0]["state"].as<std::string>();
}

TEST(Signals, SighupIsLoggedAndIgnoredAndSigtermReleasesMastership) {
    TempDir dir;
    const std::string cfg = dir.file("wg.yaml");
    write_file(cfg, signals_config(dir));
    const std::string sock = dir.file("ctl.sock");
    Appliance app(dir, "wg", cfg);
    std::string why;
    ASSERT_TRUE(app.wait_ready(sock, why)) << why;
    ASSERT_TRUE(wait_until([&] { return state(dir, sock) == "master"; }, kTrafficTimeout)) << state(dir, sock);

    // Several SIGHUPs: still running, still Master, one line logged.
    for (int i = 0; i < 3; ++i) app.process().signal(SIGHUP);
    ASSERT_TRUE(wait_until([&] { return contains(app.process().err(), "SIGHUP received and ignored"); },
                           kCommandTimeout))
        << app.process().err();
    EXPECT_TRUE(app.process().running());
    EXPECT_EQ(ctl(dir, sock, {"display", "version"}).code, 0);
    EXPECT_EQ(state(dir, sock), "master");
    size_t lines = 0;
    for (const auto& l : lines_of(app.process().err())) lines += contains(l, "SIGHUP");
    EXPECT_EQ(lines, 1u) << app.process().err();

    const auto code = app.stop(SIGTERM);
    ASSERT_TRUE(code.has_value()) << "warmgate ignored SIGTERM";
    EXPECT_EQ(*code, 0) << app.process().err();
    std::vector<Bytes> out;
    ASSERT_TRUE(read_pcap(dir.file("out.pcap"), out, why)) << why;
    std::vector<VrrpAdvert> adverts;
    for (const auto& f : out)
        if (auto v = parse_vrrp(f); v && v->src == kAddress) adverts.push_back(*v);
    ASSERT_FALSE(adverts.empty()) << out.size() << " frames, no advert";
    EXPECT_EQ(adverts.front().priority, 120);
    // The last advert of the Master is the release (RFC 5798 §6.4.3).
    EXPECT_EQ(adverts.back().priority, 0) << adverts.size() << " adverts";
    EXPECT_EQ(adverts.back().vrid, 9);
    EXPECT_TRUE(adverts.back().checksums_ok);
}

} // namespace
} // namespace wg::apptest
