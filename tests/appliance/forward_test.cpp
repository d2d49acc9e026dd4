// Frames in → frames out through a live warmgate on net_pcap (the packet
// paths of docs/architecture.md): downlink frames replayed from an rx_pcap on the network-side
// port, forwarded frames read back from the user-side port's tx_pcap after
// SIGTERM, and every fast-path counter checked against what was sent.
#include "tests/support/harness.hpp"
#include "tests/support/packets.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <map>

namespace wg::apptest {
namespace {

// net_pcap numbers its devices in probe order, which is config order: the
// network side is probed first.
const MacBytes kNetPortMac = net_pcap_mac(0);
const MacBytes kUserPortMac = net_pcap_mac(1);
const MacBytes kUpstreamMac{0x02, 0x00, 0x00, 0x00, 0xc0, 0xfe};
const MacBytes kHostMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x50}; // arp_static
const MacBytes kForeignMac{0x02, 0x00, 0x00, 0x00, 0x99, 0x99};
const uint32_t kSrc = ipv4(198, 51, 100, 7);
const uint32_t kHost = ipv4(10, 1, 1, 50);

// Two net_pcap ports: the network side (192.0.2.1/24) reads in.pcap, the
// user side (USER_ADDRESS) writes out.pcap; TABLES follow the user side's
// address (its own keys indented, or top-level tables).
std::string neighbour_config(const TempDir& dir, const std::string& user_address, const std::string& tables) {
    return "sysname: FwdGate\n"
           "dataplane: {workers: 1, idle_sleep_us: 100}\n"
           "interfaces:\n"
           "  GigabitEthernet0/2/0:\n"
           "    port: \"net_pcap0,rx_pcap=" +
           dir.file("in.pcap") +
           "\"\n"
           "    address: 192.0.2.1/24\n"
           "  GigabitEthernet0/1/0:\n"
           "    port: \"net_pcap1,tx_pcap=" +
           dir.file("out.pcap") +
           "\"\n"
           "    address: " +
           user_address + "\n" + tables + "control:\n  socket: " + dir.file("ctl.sock") + "\n";
}

std::string pcap_config(const TempDir& dir, const std::string& user_side_extra) {
    return neighbour_config(
        dir, "10.1.1.1/24",
        user_side_extra +
            "arp_static:\n"
            "  - {ip: 10.1.1.50, mac: \"02:00:00:00:00:50\", interface: GigabitEthernet0/1/0}\n");
}

// The payload carries its sequence number and a pattern derived from it,
// so each output frame names its input and any corruption shows.
Bytes payload_for(uint16_t seq) {
    Bytes p(18 + (seq * 37u) % 400u);
    for (size_t j = 0; j < p.size(); ++j)
        p[j] = uint8_t(seq * 7u + j);
    p[0] = uint8_t(seq >> 8), p[1] = uint8_t(seq);
    return p;
}

struct Traffic {
    std::vector<Bytes> frames;
    std::vector<Bytes> forwardable;         // in order, as they went in
    std::map<std::string, uint64_t> expect; // total.<counter>
    std::map<std::string, uint64_t> expect_control;
};

// The downlink mix: 50 frames for the static-ARP host (some with IPv4
// options), and around them every other outcome the fast path knows.
Traffic downlink_mix() {
    Traffic t;
    auto frame = [](uint32_t dst, uint8_t ttl, uint16_t seq) {
        Ipv4Udp s;
        s.dst_mac = kNetPortMac, s.src_mac = kUpstreamMac;
        s.src = kSrc, s.dst = dst, s.ttl = ttl, s.id = seq;
        s.payload = payload_for(seq);
        return s;
    };
    uint16_t seq = 0;
    unsigned unknown = 0, bad_ck = 0, ttl1 = 0, foreign = 0, arp = 0, no_route = 0, local = 0;
    for (unsigned i = 0; i < 50; ++i) {
        Ipv4Udp s = frame(kHost, uint8_t(64 - i % 3), seq++);
        if (i % 10 == 3) s.option_words = 1 + i % 3;
        t.frames.push_back(build(s));
        t.forwardable.push_back(t.frames.back());
        // Interleave the others so that bursts mix outcomes.
        if (i % 7 == 0) t.frames.push_back(build(frame(ipv4(10, 1, 1, uint8_t(60 + unknown++)), 64, seq++)));
        if (i % 10 == 1) {
            Ipv4Udp b = frame(kHost, 64, seq++);
            b.corrupt_checksum = true;
            t.frames.push_back(build(b)), ++bad_ck;
        }
        if (i % 12 == 2) t.frames.push_back(build(frame(kHost, 1, seq++))), ++ttl1;
        if (i % 16 == 5) {
            Ipv4Udp f = frame(kHost, 64, seq++);
            f.dst_mac = kForeignMac;
            t.frames.push_back(build(f)), ++foreign;
        }
        if (i == 8 || i == 40) {
            const MacBytes dst = i == 8 ? kBroadcast : kNetPortMac;
            t.frames.push_back(arp_request(dst, kUpstreamMac, ipv4(192, 0, 2, 254), ipv4(192, 0, 2, 1))),
                ++arp;
        }
        if (i == 20 || i == 33) t.frames.push_back(build(frame(ipv4(203, 0, 113, 9), 64, seq++))), ++no_route;
        if (i == 27) t.frames.push_back(build(frame(ipv4(192, 0, 2, 1), 64, seq++))), ++local;
    }
    t.expect = {
        {"rx", t.frames.size()},
        {"forwarded", 50},
        {"arp_miss", unknown},
        {"drop_ip_checksum", bad_ck},
        {"drop_l2_not_for_us", foreign},
        {"drop_ttl_exceeded", ttl1},
        {"drop_no_route", no_route},
        // ARP, local delivery, resolution and expired TTL all go to control.
        {"punted", arp + local + unknown + ttl1},
        // Per punt class (config/punt.hpp): the ARP frames ask for our address.
        {"punted_arp_request", arp},
        {"punted_local", local},
        {"punted_resolve", unknown},
        {"punted_ttl_exceeded", ttl1},
        {"punted_vrrp", 0},
        {"drop_policer_arp_request", 0},
    };
    t.expect_control = {
        {"punt_arp", arp}, {"punt_local", local}, {"punt_resolve", unknown}, {"punt_ttl_exceeded", ttl1}};
    return t;
}

// What the fast path must make of an input frame it forwards.
Bytes forwarded_form(const Bytes& in, const MacBytes& src_mac) {
    Bytes out = in;
    std::memcpy(&out[0], kHostMac.data(), 6);
    std::memcpy(&out[6], src_mac.data(), 6);
    out[kEthLen + 8]--;
    const uint16_t ck = ip_checksum_compute(out);
    out[kEthLen + 10] = uint8_t(ck >> 8), out[kEthLen + 11] = uint8_t(ck);
    return out;
}

YAML::Node interface_json(const TempDir& dir, const std::string& socket, const std::string& name) {
    const YAML::Node j = ctl_json(dir, socket, {"display", "interface", name});
    if (!j["interfaces"] || j["interfaces"].size() != 1) throw std::runtime_error("no interface " + name);
    return j["interfaces"][0];
}

TEST(Forwarding, DownlinkThroughNetPcapMatchesBytesAndCounters) {
    TempDir dir;
    const Traffic t = downlink_mix();
    write_pcap(dir.file("in.pcap"), t.frames);
    const std::string cfg = dir.file("fwd.yaml");
    write_file(cfg, pcap_config(dir, ""));
    const std::string sock = dir.file("ctl.sock");

    Appliance app(dir, "wg", cfg);
    std::string why;
    ASSERT_TRUE(app.wait_ready(sock, why)) << why;

    // The frames were built for these MACs: a different numbering would
    // turn every count below into noise, so say so first.
    const YAML::Node net = interface_json(dir, sock, "GigabitEthernet0/2/0");
    const YAML::Node user = interface_json(dir, sock, "GigabitEthernet0/1/0");
    ASSERT_EQ(net["mac"].as<std::string>(), mac_str(kNetPortMac));
    ASSERT_EQ(user["mac"].as<std::string>(), mac_str(kUserPortMac));
    EXPECT_TRUE(user["forwarding"].as<bool>()) << "an interface without VRRP forwards unconditionally";
    EXPECT_EQ(user["source_mac"].as<std::string>(), mac_str(kUserPortMac));

    // The whole file is consumed, and control has drained its punt ring.
    YAML::Node stats;
    const bool consumed = wait_until(
        [&] {
            stats = ctl_json(dir, sock, {"display", "statistics"});
            uint64_t punts = 0;
            for (const auto& [key, n] : t.expect_control)
                punts += stats["control"][key].as<uint64_t>();
            return total_counter(stats, "rx") >= t.frames.size() && punts >= t.expect.at("punted");
        },
        kTrafficTimeout);
    ASSERT_TRUE(consumed) << "rx " << total_counter(stats, "rx") << " of " << t.frames.size() << "\n"
                          << stats;

    for (const auto& [key, n] : t.expect)
        EXPECT_EQ(total_counter(stats, key), n) << key;
    // No drop that the traffic does not explain.
    for (const auto& kv : stats["total"]) {
        const std::string key = kv.first.as<std::string>();
        if (key.rfind("drop_", 0) == 0 && !t.expect.count(key)) {
            EXPECT_EQ(kv.second.as<uint64_t>(), 0u) << key;
        }
    }
    for (const auto& [key, n] : t.expect_control)
        EXPECT_EQ(stats["control"][key].as<uint64_t>(), n) << key;
    // One worker: its own counters are the totals.
    ASSERT_EQ(stats["workers"].size(), 1u);
    for (const auto& [key, n] : t.expect)
        EXPECT_EQ(stats["workers"][0][key].as<uint64_t>(), n) << "worker " << key;

    const auto code = app.stop(SIGTERM);
    ASSERT_TRUE(code.has_value()) << "warmgate ignored SIGTERM";
    EXPECT_EQ(*code, 0) << app.process().err();
    EXPECT_TRUE(contains(app.process().out(), "shutting down")) << app.process().out();

    // The tx file is complete: whole records only, then parse every frame.
    std::vector<Bytes> out;
    std::string error;
    ASSERT_TRUE(read_pcap(dir.file("out.pcap"), out, error)) << error;
    std::vector<Bytes> ipv4_out;
    for (const auto& f : out) {
        if (ethertype(f) == 0x0800) {
            ipv4_out.push_back(f);
            continue;
        }
        // Only the control core may add frames here (ARP requests for the
        // misses, once resolution is wired), from the port's own MAC.
        EXPECT_EQ(ethertype(f), 0x0806) << "only ARP may leave besides forwarded IPv4";
        EXPECT_EQ(mac_str({f[6], f[7], f[8], f[9], f[10], f[11]}), mac_str(kUserPortMac));
    }
    ASSERT_EQ(ipv4_out.size(), t.forwardable.size());
    unsigned bad = 0;
    for (size_t i = 0; i < ipv4_out.size() && bad < 3; ++i) {
        const Bytes& got = ipv4_out[i];
        const Bytes& sent = t.forwardable[i];
        // Checked from scratch on every frame, independent of forwarded_form().
        EXPECT_TRUE(ip_checksum_ok(got)) << "frame " << i << ": bad IPv4 header checksum";
        // In order, and nothing but the L2 rewrite, TTL and checksum changed:
        // IPv4 options and payload intact.
        if (got == forwarded_form(sent, kUserPortMac)) continue;
        ++bad;
        SCOPED_TRACE("forwarded frame " + std::to_string(i) + " differs from its input");
        ASSERT_EQ(got.size(), sent.size());
        EXPECT_EQ(mac_str({got[0], got[1], got[2], got[3], got[4], got[5]}), mac_str(kHostMac));
        EXPECT_EQ(mac_str({got[6], got[7], got[8], got[9], got[10], got[11]}), mac_str(kUserPortMac));
        EXPECT_EQ(ip_ttl(got), ip_ttl(sent) - 1);
        EXPECT_EQ(ip_checksum_field(got), ip_checksum_compute(got));
        EXPECT_TRUE(std::equal(got.begin() + 34, got.end(), sent.begin() + 34))
            << "options or payload changed";
        EXPECT_TRUE(std::equal(got.begin() + 14, got.begin() + 22, sent.begin() + 14) &&
                    std::equal(got.begin() + 23, got.begin() + 24, sent.begin() + 23) &&
                    std::equal(got.begin() + 26, got.begin() + 34, sent.begin() + 26))
            << "IPv4 header fields other than TTL and checksum changed";
    }
    EXPECT_EQ(bad, 0u) << "forwarded frames differ from their inputs (at most 3 shown)";
}

TEST(Forwarding, VrrpInterfaceThatIsNotMasterForwardsNothing) {
    TempDir dir;
    // wg-pcapgen: 20 frames for the static-ARP host, to the network port.
    const RunResult gen =
        run(dir,
            {programs().pcapgen, "--out", dir.file("in.pcap"), "--hosts", "1", "--packets", "20",
             "--dst-base", "10.1.1.50", "--src", "198.51.100.7", "--dst-mac", mac_str(kNetPortMac),
             "--src-mac", mac_str(kUpstreamMac), "--ttl", "64", "--size", "64"},
            kCommandTimeout);
    ASSERT_EQ(gen.code, 0) << gen.describe();
    // A VRRP group that stays Backup for the whole test even once VRRP runs:
    // priority < 255 and a 40 s advert interval put Master_Down_Interval
    // (RFC 5798 §6.1) far beyond it.
    const std::string cfg = dir.file("vrrp.yaml");
    write_file(cfg, pcap_config(dir, "    vrrp:\n"
                                     "      - vrid: 7\n"
                                     "        virtual_ip: [10.1.1.100]\n"
                                     "        priority: 100\n"
                                     "        version: 3\n"
                                     "        advert_interval_ms: 40000\n"));
    const std::string sock = dir.file("ctl.sock");
    Appliance app(dir, "wg", cfg);
    std::string why;
    ASSERT_TRUE(app.wait_ready(sock, why)) << why;
    EXPECT_FALSE(interface_json(dir, sock, "GigabitEthernet0/1/0")["forwarding"].as<bool>());
    EXPECT_TRUE(interface_json(dir, sock, "GigabitEthernet0/2/0")["forwarding"].as<bool>());

    YAML::Node stats;
    ASSERT_TRUE(wait_until(
        [&] {
            stats = ctl_json(dir, sock, {"display", "statistics"});
            return total_counter(stats, "rx") >= 20;
        },
        kTrafficTimeout))
        << stats;
    EXPECT_EQ(total_counter(stats, "rx"), 20u);
    EXPECT_EQ(total_counter(stats, "drop_not_master"), 20u);
    EXPECT_EQ(total_counter(stats, "forwarded"), 0u);
    EXPECT_EQ(total_counter(stats, "tx"), 0u);

    const auto code = app.stop(SIGTERM);
    ASSERT_TRUE(code.has_value()) << "warmgate ignored SIGTERM";
    EXPECT_EQ(*code, 0) << app.process().err();
    std::vector<Bytes> out;
    std::string error;
    ASSERT_TRUE(read_pcap(dir.file("out.pcap"), out, error)) << error;
    EXPECT_EQ(out.size(), 0u) << "a Backup sends nothing on its VRRP interface";
}

// Neighbours and routes (docs/architecture.md "Tables"): an ARP entry adds
// no route, so a configured route inside the LAN subnet keeps its
// addresses whatever the ARP table holds. Static entries go through the
// ARP service and its change listeners like learned and synced ones.
const MacBytes kGatewayMac{0x02, 0x00, 0x00, 0x00, 0x0f, 0xfe}; // 10.1.1.254, a router on the LAN

// Replays in.pcap through a fresh warmgate, waits until every frame was
// forwarded, and returns the frames it sent on the LAN side (ARP aside)
// with the statistics taken before the stop.
struct Replay {
    YAML::Node stats;
    std::vector<Bytes> out;
};
void replay(TempDir& dir, const std::string& config, uint64_t frames, Replay& r) {
    const std::string cfg = dir.file("fwd.yaml");
    write_file(cfg, config);
    const std::string sock = dir.file("ctl.sock");
    Appliance app(dir, "wg", cfg);
    std::string why;
    ASSERT_TRUE(app.wait_ready(sock, why)) << why;
    ASSERT_EQ(interface_json(dir, sock, "GigabitEthernet0/1/0")["mac"].as<std::string>(),
              mac_str(kUserPortMac));
    const bool done = wait_until(
        [&] {
            r.stats = ctl_json(dir, sock, {"display", "statistics"});
            return total_counter(r.stats, "rx") >= frames;
        },
        kTrafficTimeout);
    ASSERT_TRUE(done) << r.stats;
    const auto code = app.stop(SIGTERM);
    ASSERT_TRUE(code.has_value()) << "warmgate ignored SIGTERM";
    EXPECT_EQ(*code, 0) << app.process().err();
    std::vector<Bytes> all;
    std::string error;
    ASSERT_TRUE(read_pcap(dir.file("out.pcap"), all, error)) << error;
    for (auto& f : all)
        if (ethertype(f) == 0x0800) r.out.push_back(std::move(f));
}

std::string dotted(uint32_t ip) {
    return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." +
           std::to_string((ip >> 8) & 255) + "." + std::to_string(ip & 255);
}
MacBytes dst_mac_of(const Bytes& f) {
    return {f[0], f[1], f[2], f[3], f[4], f[5]};
}
uint32_t dst_ip_of(const Bytes& f) {
    return uint32_t(f[30]) << 24 | uint32_t(f[31]) << 16 | uint32_t(f[32]) << 8 | f[33];
}

// 10.1.1.64/26 and 10.1.1.80/32 go through the LAN router 10.1.1.254; the
// hosts 10.1.1.70 and 10.1.1.80 have ARP entries of their own, 10.1.1.50
// (outside both routes) too. Frames for the first two must reach the router,
// the third its host: a /32 per ARP entry used to shadow the /26 and
// overwrite the configured /32 (and delete it with the entry).
TEST(Neighbours, RoutesInsideTheLanSubnetWinOverArpEntries) {
    TempDir dir;
    const uint32_t kInRoute = ipv4(10, 1, 1, 70), kHostRoute = ipv4(10, 1, 1, 80);
    const std::map<uint32_t, MacBytes> want{
        {kInRoute, kGatewayMac}, {kHostRoute, kGatewayMac}, {kHost, kHostMac}};
    std::vector<Bytes> frames;
    uint16_t seq = 0;
    for (unsigned i = 0; i < 30; ++i)
        for (const uint32_t dst : {kInRoute, kHostRoute, kHost}) {
            Ipv4Udp s;
            s.dst_mac = kNetPortMac, s.src_mac = kUpstreamMac;
            s.src = kSrc, s.dst = dst, s.ttl = 64, s.id = seq;
            s.payload = payload_for(seq++);
            frames.push_back(build(s));
        }
    write_pcap(dir.file("in.pcap"), frames);
    const std::string tables =
        "routes:\n"
        "  - {prefix: 10.1.1.64/26, via: 10.1.1.254}\n"
        "  - {prefix: 10.1.1.80/32, via: 10.1.1.254}\n"
        "arp_static:\n"
        "  - {ip: 10.1.1.50, mac: \"02:00:00:00:00:50\", interface: GigabitEthernet0/1/0}\n"
        "  - {ip: 10.1.1.70, mac: \"02:00:00:00:00:70\", interface: GigabitEthernet0/1/0}\n"
        "  - {ip: 10.1.1.80, mac: \"02:00:00:00:00:80\", interface: GigabitEthernet0/1/0}\n"
        "  - {ip: 10.1.1.254, mac: \"02:00:00:00:0f:fe\", interface: GigabitEthernet0/1/0}\n";
    Replay r;
    ASSERT_NO_FATAL_FAILURE(replay(dir, neighbour_config(dir, "10.1.1.1/24", tables), frames.size(), r));
    EXPECT_EQ(total_counter(r.stats, "forwarded"), frames.size()) << r.stats;
    EXPECT_EQ(total_counter(r.stats, "arp_miss"), 0u);
    // Two connected subnets and two configured routes; the four ARP entries add none.
    EXPECT_EQ(r.stats["control"]["routes"].as<uint64_t>(), 4u) << r.stats["control"];
    EXPECT_EQ(r.stats["control"]["adjacency_entries"].as<uint64_t>(), 4u);
    ASSERT_EQ(r.out.size(), frames.size());
    unsigned wrong = 0;
    for (const auto& f : r.out) {
        const auto it = want.find(dst_ip_of(f));
        ASSERT_NE(it, want.end()) << dotted(dst_ip_of(f));
        if (mac_str(dst_mac_of(f)) != mac_str(it->second) && ++wrong <= 3)
            ADD_FAILURE() << dotted(it->first) << " went to " << mac_str(dst_mac_of(f)) << ", not "
                          << mac_str(it->second);
    }
    EXPECT_EQ(wrong, 0u);
}

// 1000 hosts with ARP entries on a /16: every frame leaves for its own
// host's MAC, nothing misses, and the FIB holds only the two connected
// subnets.
TEST(Neighbours, ThousandHostsForwardWithoutHostRoutes) {
    TempDir dir;
    constexpr unsigned kHosts = 1000, kFrames = 3000;
    const uint32_t base = ipv4(10, 1, 2, 0);
    auto host_mac = [](unsigned i) { return MacBytes{0x02, 0x00, 0x00, 0x01, uint8_t(i >> 8), uint8_t(i)}; };
    std::string tables = "arp_static:\n";
    for (unsigned i = 0; i < kHosts; ++i)
        tables += "  - {ip: " + dotted(base + i) + ", mac: \"" + mac_str(host_mac(i)) +
                  "\", interface: GigabitEthernet0/1/0}\n";
    const RunResult gen =
        run(dir,
            {programs().pcapgen, "--out", dir.file("in.pcap"), "--hosts", std::to_string(kHosts), "--packets",
             std::to_string(kFrames), "--dst-base", dotted(base), "--src", "198.51.100.7", "--dst-mac",
             mac_str(kNetPortMac), "--src-mac", mac_str(kUpstreamMac), "--ttl", "64", "--size", "64"},
            kCommandTimeout);
    ASSERT_EQ(gen.code, 0) << gen.describe();
    Replay r;
    ASSERT_NO_FATAL_FAILURE(replay(dir, neighbour_config(dir, "10.1.0.1/16", tables), kFrames, r));
    EXPECT_EQ(total_counter(r.stats, "forwarded"), kFrames) << r.stats;
    EXPECT_EQ(total_counter(r.stats, "arp_miss"), 0u);
    EXPECT_EQ(r.stats["control"]["routes"].as<uint64_t>(), 2u) << r.stats["control"];
    EXPECT_EQ(r.stats["control"]["adjacency_entries"].as<uint64_t>(), uint64_t(kHosts));
    ASSERT_EQ(r.out.size(), size_t(kFrames));
    unsigned wrong = 0;
    for (size_t n = 0; n < r.out.size(); ++n) {
        const unsigned i = unsigned(n % kHosts);
        wrong += dst_ip_of(r.out[n]) != base + i || mac_str(dst_mac_of(r.out[n])) != mac_str(host_mac(i));
    }
    EXPECT_EQ(wrong, 0u) << "frames out of order or to the wrong host";
}

} // namespace
} // namespace wg::apptest
