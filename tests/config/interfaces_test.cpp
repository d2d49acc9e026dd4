// Interfaces and their VRRP groups: names, ports, addresses, subnets,
// kernel-side interfaces, VRRP fields and ranges, preempt forms, virtual IPs.
// Every expectation is the exact message with its LINE:COL.
#include "support.hpp"

#include "config/emit.hpp"

#include <gtest/gtest.h>

namespace wg::test {
namespace {

// Two DPDK interfaces and a loopback; ge0 carries VRRP group 1 (line 7).
constexpr std::string_view kBase = R"(sysname: T
interfaces:
  ge0:
    port: p0
    address: 10.1.1.1/24
    vrrp:
      - vrid: 1
        virtual_ip: [10.1.1.100]
  ge1:
    port: p1
    address: 192.0.2.1/24
  lo1:
    address: 1.1.1.1/32
)";

std::vector<std::string> with_line(std::string_view from, std::string_view to) {
    return errors_of(replace(kBase, from, to));
}

// kBase with extra vrrp-group lines inserted after line 8 (from line 9 on).
std::vector<std::string> group(std::string_view lines) {
    return errors_of(replace(kBase, "        virtual_ip: [10.1.1.100]\n",
                             "        virtual_ip: [10.1.1.100]\n" + std::string(lines)));
}

config::Config load_ok(std::string_view text) {
    const auto r = config::load_string(text, "t.yaml", "/");
    for (const auto& e : r.errors) ADD_FAILURE() << e.str();
    return r.config.value_or(config::Config{});
}

TEST(Interfaces, BaseLoads) {
    const auto c = load_ok(kBase);
    ASSERT_EQ(c.interfaces.size(), 3u);
    EXPECT_EQ(c.interfaces[0].name, "ge0"); // document order
    EXPECT_EQ(c.interfaces[1].name, "ge1");
    EXPECT_EQ(c.interfaces[2].name, "lo1");
    EXPECT_TRUE(c.interfaces[0].is_dpdk());
    EXPECT_FALSE(c.interfaces[2].is_dpdk());
    ASSERT_EQ(c.interfaces[0].vrrp.size(), 1u);
    const auto& g = c.interfaces[0].vrrp[0];
    EXPECT_EQ(g.vrid, 1);
    EXPECT_EQ(g.virtual_ips, std::vector<Ipv4>{*Ipv4::parse("10.1.1.100")});
    // RFC 5798 / seed defaults.
    EXPECT_FALSE(g.admin);
    EXPECT_EQ(g.priority, 100);
    EXPECT_TRUE(g.preempt.enabled);
    EXPECT_EQ(g.preempt.delay_s, 0u);
    EXPECT_EQ(g.recover_delay_s, 0u);
    EXPECT_EQ(g.version, 2);
    EXPECT_EQ(g.advert_interval_ms, 1000u);
    EXPECT_EQ(c.find_interface("ge1"), &c.interfaces[1]);
    EXPECT_EQ(c.find_interface("ge9"), nullptr);
}

TEST(Interfaces, MapShape) {
    EXPECT_EQ(errors_of("sysname: T\ninterfaces: [ge0]\n"),
              Lines{"2:13: interfaces must be a map, got a list"});
    EXPECT_EQ(errors_of("sysname: T\ninterfaces:\n"), Lines{"2:1: interfaces must be a map, got no value"});
    EXPECT_EQ(errors_of("sysname: T\ninterfaces: {}\n"),
              Lines{"2:13: interfaces must define at least one interface"});
    EXPECT_EQ(with_line("  lo1:\n    address: 1.1.1.1/32\n", "  lo1:\n"),
              Lines{"12:3: interface 'lo1' must be a map, got no value"});
    EXPECT_EQ(
        with_line("  ge1:", "  ge 1:"),
        Lines{"9:3: interface name 'ge 1' is invalid (expected 1-64 printable characters without spaces)"});
    EXPECT_EQ(with_line("    port: p1", "    port: p1\n    mtu: 1500"),
              Lines{"11:5: unknown key 'mtu' in interface 'ge1' (expected one of: port, address, vrrp, "
                    "remote_backup_profile)"});
}

TEST(Interfaces, Ports) {
    EXPECT_EQ(with_line("port: p1", "port: \"\""), Lines{"10:11: port must not be empty"});
    EXPECT_EQ(with_line("port: p1", "port: [p1]"), Lines{"10:11: port must be a string, got a list"});
    EXPECT_EQ(with_line("port: p1", "port: p0"),
              Lines{"10:11: port 'p0' is already used by interface 'ge0'"});
    EXPECT_EQ(load_ok(kBase).interfaces[1].port, "p1");
}

TEST(Interfaces, AddressSyntaxAndKind) {
    EXPECT_EQ(with_line("192.0.2.1/24", "192.0.2.1"),
              Lines{"11:14: address '192.0.2.1' is not a valid prefix (expected a.b.c.d/len)"});
    EXPECT_EQ(with_line("192.0.2.1/24", "192.0.2.1/33"),
              Lines{"11:14: address '192.0.2.1/33' is not a valid prefix (expected a.b.c.d/len)"});
    EXPECT_EQ(with_line("192.0.2.1/24", "{a: 1}"),
              Lines{"11:14: address must be a prefix a.b.c.d/len, got a map"});
    EXPECT_EQ(with_line("192.0.2.1/24", "192.0.2.0/24"),
              Lines{"11:14: address 192.0.2.0 is the network address of subnet 192.0.2.0/24"});
    EXPECT_EQ(with_line("192.0.2.1/24", "192.0.2.255/24"),
              Lines{"11:14: address 192.0.2.255 is the broadcast address of subnet 192.0.2.0/24"});
    EXPECT_EQ(with_line("192.0.2.1/24", "192.0.2.1/0"),
              Lines{"11:14: address 192.0.2.1/0 must have a prefix length of 1..32"});
    EXPECT_EQ(with_line("192.0.2.1/24", "224.0.0.1/24"),
              Lines{"11:14: address 224.0.0.1 is not a unicast host address"});
    EXPECT_EQ(with_line("192.0.2.1/24", "127.0.0.1/8"),
              Lines{"11:14: address 127.0.0.1 is not a unicast host address"});
    // /31 (RFC 3021) and /32 have no network or broadcast address.
    EXPECT_EQ(with_line("192.0.2.1/24", "192.0.2.0/31"), Lines{});
}

TEST(Interfaces, DuplicateAddressesAndOverlappingSubnets) {
    EXPECT_EQ(with_line("192.0.2.1/24", "10.1.1.1/24"),
              Lines{"11:14: address 10.1.1.1 is already used by interface 'ge0'"});
    EXPECT_EQ(with_line("1.1.1.1/32", "10.1.1.1/32"),
              Lines{"13:14: address 10.1.1.1 is already used by interface 'ge0'"});
    EXPECT_EQ(
        with_line("192.0.2.1/24", "10.1.0.1/16"),
        Lines{"11:14: subnet 10.1.0.0/16 of interface 'ge1' overlaps subnet 10.1.1.0/24 of interface 'ge0'"});
    EXPECT_EQ(
        with_line("1.1.1.1/32", "192.0.2.7/32"),
        Lines{
            "13:14: subnet 192.0.2.7/32 of interface 'lo1' overlaps subnet 192.0.2.0/24 of interface 'ge1'"});
}

TEST(Interfaces, KernelSideInterfaces) {
    EXPECT_EQ(with_line("  lo1:\n    address: 1.1.1.1/32\n", "  lo1: {}\n"),
              Lines{"12:3: kernel-side interface 'lo1' (no port) needs an address"});
    EXPECT_EQ(with_line("    address: 1.1.1.1/32\n",
                        "    address: 1.1.1.1/32\n    vrrp: [{vrid: 2, virtual_ip: 1.1.1.2}]\n"),
              Lines{"14:5: vrrp is not allowed on kernel-side interface 'lo1' (no port)"});
    EXPECT_EQ(
        with_line("    address: 1.1.1.1/32\n", "    address: 1.1.1.1/32\n    remote_backup_profile: p\n"),
        Lines{"14:28: remote_backup_profile is not allowed on kernel-side interface 'lo1' (no port)"});
    EXPECT_EQ(errors_of("sysname: T\ninterfaces:\n  lo1: {address: 1.1.1.1/32}\n"),
              Lines{"2:1: no DPDK interface defined (at least one interface needs a port)"});
}

TEST(Vrrp, Shape) {
    EXPECT_EQ(
        with_line("    vrrp:\n      - vrid: 1\n        virtual_ip: [10.1.1.100]\n", "    vrrp: {vrid: 1}\n"),
        Lines{"6:11: vrrp must be a list, got a map"});
    EXPECT_EQ(with_line("    vrrp:\n      - vrid: 1\n        virtual_ip: [10.1.1.100]\n", "    vrrp: []\n"),
              Lines{"6:11: vrrp must not be empty"});
    EXPECT_EQ(with_line("    vrrp:\n      - vrid: 1\n        virtual_ip: [10.1.1.100]\n", "    vrrp: [1]\n"),
              Lines{"6:12: vrrp group must be a map, got '1'"});
    EXPECT_EQ(with_line("      - vrid: 1\n", "      - admin: true\n"),
              Lines{"7:9: missing required key 'vrid' in vrrp group"});
    EXPECT_EQ(with_line("        virtual_ip: [10.1.1.100]\n", ""),
              Lines{"7:9: missing required key 'virtual_ip' in vrrp group"});
    EXPECT_EQ(
        group("        priorty: 120\n"),
        Lines{"9:9: unknown key 'priorty' in vrrp group (expected one of: " +
              key_names(config::keys::vrrp_group()) + ")"});
}

// `peers`: accepted advert sources (docs/config.md "vrrp groups",
// docs/vrrp-auth.md "Replay limits of VRRPv2 md5").
TEST(VrrpPeers, ListOrScalarAndDefaultEmpty) {
    EXPECT_TRUE(load_ok(kBase).interfaces[0].vrrp[0].peers.empty());
    auto c = load_ok(replace(kBase, "        virtual_ip: [10.1.1.100]\n",
                             "        virtual_ip: [10.1.1.100]\n        peers: [10.1.1.2, 10.1.1.3]\n"));
    ASSERT_EQ(c.interfaces.size(), 3u);
    const std::vector<Ipv4> two{*Ipv4::parse("10.1.1.2"), *Ipv4::parse("10.1.1.3")};
    EXPECT_EQ(c.interfaces[0].vrrp[0].peers, two);
    EXPECT_EQ(load_ok(config::to_yaml(c)).interfaces[0].vrrp[0].peers, two) << "round trip through to_yaml";
    c = load_ok(replace(kBase, "        virtual_ip: [10.1.1.100]\n",
                        "        virtual_ip: [10.1.1.100]\n        peers: 10.1.1.2\n"));
    ASSERT_EQ(c.interfaces.size(), 3u);
    EXPECT_EQ(c.interfaces[0].vrrp[0].peers, std::vector<Ipv4>{*Ipv4::parse("10.1.1.2")});
}

TEST(VrrpPeers, LocatedErrors) {
    EXPECT_EQ(group("        peers: []\n"), Lines{"9:16: peers must not be empty"});
    EXPECT_EQ(group("        peers: {a: 1}\n"), Lines{"9:16: peers must be a list, got a map"});
    EXPECT_EQ(group("        peers: [10.1.1.1000]\n"),
              Lines{"9:17: peers '10.1.1.1000' is not a valid IPv4 address"});
    EXPECT_EQ(group("        peers: [10.1.1.1]\n"),
              Lines{"9:17: peer 10.1.1.1 is the address of this interface 'ge0' (our own adverts need no peer "
                    "entry)"});
    EXPECT_EQ(group("        peers: [10.1.1.100]\n"),
              Lines{"9:17: peer 10.1.1.100 is a virtual_ip of this group (adverts come from a router's primary "
                    "address)"});
    EXPECT_EQ(group("        peers: [10.1.2.5]\n"),
              Lines{"9:17: peer 10.1.2.5 is outside subnet 10.1.1.0/24 of interface 'ge0'"});
    EXPECT_EQ(group("        peers: [192.0.2.1]\n"),
              Lines{"9:17: peer 192.0.2.1 is outside subnet 10.1.1.0/24 of interface 'ge0'"});
    EXPECT_EQ(group("        peers: [10.1.1.255]\n"),
              Lines{"9:17: peer 10.1.1.255 is the broadcast address of subnet 10.1.1.0/24"});
    EXPECT_EQ(group("        peers: [224.0.0.18]\n"),
              Lines{"9:17: peer 224.0.0.18 is not a unicast host address"});
    EXPECT_EQ(group("        peers: [10.1.1.2, 10.1.1.2]\n"), Lines{"9:27: peer 10.1.1.2 is listed twice"});
    // Every bad entry is reported, at its own place.
    EXPECT_EQ(group("        peers: [10.1.1.1, 10.1.1.3, 10.9.9.9]\n"),
              (Lines{"9:17: peer 10.1.1.1 is the address of this interface 'ge0' (our own adverts need no peer "
                     "entry)",
                     "9:37: peer 10.9.9.9 is outside subnet 10.1.1.0/24 of interface 'ge0'"}));
    // A follower hears no adverts (it mirrors its admin group).
    EXPECT_EQ(group("        admin: true\n      - vrid: 2\n        virtual_ip: [10.1.1.101]\n"
                    "        track_admin: {interface: ge0, vrid: 1}\n        peers: [10.1.1.2]\n"),
              Lines{"13:9: peers has no effect on a group with track_admin (it runs no VRRP of its own)"});
}

TEST(Vrrp, OnInterfaceWithoutAddress) {
    EXPECT_EQ(with_line("    address: 10.1.1.1/24\n", ""),
              Lines{"5:5: vrrp on interface 'ge0' needs an address"});
}

TEST(Vrrp, Ranges) {
    EXPECT_EQ(with_line("vrid: 1", "vrid: 0"), Lines{"7:15: vrid 0 out of range 1..255"});
    EXPECT_EQ(with_line("vrid: 1", "vrid: 256"), Lines{"7:15: vrid 256 out of range 1..255"});
    EXPECT_EQ(group("        priority: 300\n"), Lines{"9:19: priority 300 out of range 1..254"});
    EXPECT_EQ(group("        priority: 255\n"), Lines{"9:19: priority 255 out of range 1..254"});
    EXPECT_EQ(group("        priority: 0\n"), Lines{"9:19: priority 0 out of range 1..254"});
    EXPECT_EQ(group("        recover_delay: 3601\n"), Lines{"9:24: recover_delay 3601 out of range 0..3600"});
    EXPECT_EQ(group("        version: 4\n"), Lines{"9:18: version 4 out of range 2..3"});
    EXPECT_EQ(group("        version: 1\n"), Lines{"9:18: version 1 out of range 2..3"});
    EXPECT_EQ(group("        advert_interval_ms: 9\n"),
              Lines{"9:29: advert_interval_ms 9 out of range 10..40950"});
    EXPECT_EQ(group("        advert_interval_ms: 40951\n"),
              Lines{"9:29: advert_interval_ms 40951 out of range 10..40950"});
    EXPECT_EQ(group("        admin: yes\n"), Lines{"9:16: admin must be true or false, got 'yes'"});
    EXPECT_EQ(group("        admin: \"true\"\n"),
              Lines{"9:16: admin must be true or false, got quoted string 'true'"});
}

TEST(Vrrp, AdvertisementIntervalFitsTheVersionsUnit) {
    // VRRPv2 carries whole seconds (RFC 3768 §5.3.7), v3 centiseconds (RFC 5798 §5.2.7).
    EXPECT_EQ(
        group("        advert_interval_ms: 1500\n"),
        Lines{"9:29: advert_interval_ms 1500 must be a multiple of 1000 for VRRP version 2 (whole seconds)"});
    EXPECT_EQ(
        group("        version: 3\n        advert_interval_ms: 1005\n"),
        Lines{"10:29: advert_interval_ms 1005 must be a multiple of 10 for VRRP version 3 (centiseconds)"});
    const auto c = load_ok(replace(kBase, "        virtual_ip: [10.1.1.100]\n",
                                   "        virtual_ip: [10.1.1.100]\n        version: 3\n"
                                   "        advert_interval_ms: 40950\n"));
    ASSERT_EQ(c.interfaces.size(), 3u);
    EXPECT_EQ(c.interfaces[0].vrrp[0].version, 3);
    EXPECT_EQ(c.interfaces[0].vrrp[0].advert_interval_ms, 40950u);
}

TEST(Vrrp, AllFieldsLoad) {
    const auto c =
        load_ok(replace(kBase, "        virtual_ip: [10.1.1.100]\n",
                        "        virtual_ip: [10.1.1.100, 10.1.1.101]\n        admin: true\n"
                        "        priority: 254\n        preempt: {delay: 3600}\n"
                        "        recover_delay: 20\n        version: 2\n        advert_interval_ms: 3000\n"));
    ASSERT_EQ(c.interfaces.size(), 3u);
    const auto& g = c.interfaces[0].vrrp[0];
    EXPECT_EQ(g.virtual_ips, (std::vector<Ipv4>{*Ipv4::parse("10.1.1.100"), *Ipv4::parse("10.1.1.101")}));
    EXPECT_TRUE(g.admin);
    EXPECT_EQ(g.priority, 254);
    EXPECT_TRUE(g.preempt.enabled);
    EXPECT_EQ(g.preempt.delay_s, 3600u);
    EXPECT_EQ(g.recover_delay_s, 20u);
    EXPECT_EQ(g.advert_interval_ms, 3000u);
}

TEST(Vrrp, PreemptForms) {
    auto preempt_of = [](std::string_view value) {
        const auto c = load_ok(
            replace(kBase, "        virtual_ip: [10.1.1.100]\n",
                    "        virtual_ip: [10.1.1.100]\n        preempt: " + std::string(value) + "\n"));
        return c.interfaces.empty() ? config::Preempt{false, 9999} : c.interfaces[0].vrrp[0].preempt;
    };
    auto p = preempt_of("false");
    EXPECT_FALSE(p.enabled);
    p = preempt_of("true");
    EXPECT_TRUE(p.enabled);
    EXPECT_EQ(p.delay_s, 0u);
    p = preempt_of("{delay: 600}");
    EXPECT_TRUE(p.enabled);
    EXPECT_EQ(p.delay_s, 600u);
    p = preempt_of("{enabled: true, delay: 5}");
    EXPECT_TRUE(p.enabled);
    EXPECT_EQ(p.delay_s, 5u);
    p = preempt_of("{enabled: false}");
    EXPECT_FALSE(p.enabled);

    EXPECT_EQ(group("        preempt: maybe\n"),
              Lines{"9:18: preempt must be true, false or a map {enabled, delay}, got 'maybe'"});
    EXPECT_EQ(group("        preempt: [600]\n"),
              Lines{"9:18: preempt must be true, false or a map {enabled, delay}, got a list"});
    EXPECT_EQ(group("        preempt: {delay: 3601}\n"),
              Lines{"9:26: preempt delay 3601 out of range 0..3600"});
    EXPECT_EQ(group("        preempt: {enabled: no}\n"),
              Lines{"9:28: preempt enabled must be true or false, got 'no'"});
    EXPECT_EQ(group("        preempt: {enabled: false, delay: 5}\n"),
              Lines{"9:35: preempt delay has no effect when preempt is disabled"});
    EXPECT_EQ(group("        preempt: {timer: 5}\n"),
              Lines{"9:19: unknown key 'timer' in preempt (expected one of: enabled, delay)"});
}

TEST(Vrrp, DuplicateVridOnAnInterface) {
    EXPECT_EQ(group("      - vrid: 1\n        virtual_ip: 10.1.1.101\n"),
              Lines{"9:15: vrid 1 is already defined on interface 'ge0'"});
    // The same VRID on another interface is another virtual router.
    EXPECT_EQ(with_line("    address: 192.0.2.1/24\n",
                        "    address: 192.0.2.1/24\n    vrrp: [{vrid: 1, virtual_ip: 192.0.2.100}]\n"),
              Lines{});
}

TEST(VirtualIp, ScalarOrList) {
    const auto c = load_ok(replace(kBase, "virtual_ip: [10.1.1.100]", "virtual_ip: 10.1.1.100"));
    ASSERT_EQ(c.interfaces.size(), 3u);
    EXPECT_EQ(c.interfaces[0].vrrp[0].virtual_ips, std::vector<Ipv4>{*Ipv4::parse("10.1.1.100")});
    EXPECT_EQ(with_line("virtual_ip: [10.1.1.100]", "virtual_ip: []"),
              Lines{"8:21: virtual_ip must not be empty"});
    EXPECT_EQ(with_line("virtual_ip: [10.1.1.100]", "virtual_ip: {a: 1}"),
              Lines{"8:21: virtual_ip must be a list, got a map"});
    EXPECT_EQ(with_line("virtual_ip: [10.1.1.100]", "virtual_ip: [10.1.1.100, [1]]"),
              Lines{"8:34: virtual_ip must be an IPv4 address, got a list"});
}

TEST(VirtualIp, Addresses) {
    EXPECT_EQ(with_line("[10.1.1.100]", "[10.1.1.1000]"),
              Lines{"8:22: virtual_ip '10.1.1.1000' is not a valid IPv4 address"});
    EXPECT_EQ(with_line("[10.1.1.100]", "[10.2.1.100]"),
              Lines{"8:22: virtual_ip 10.2.1.100 is outside subnet 10.1.1.0/24 of interface 'ge0'"});
    EXPECT_EQ(with_line("[10.1.1.100]", "[10.1.1.1]"),
              Lines{"8:22: virtual_ip 10.1.1.1 is the address of interface 'ge0'"});
    EXPECT_EQ(with_line("[10.1.1.100]", "[192.0.2.1]"),
              Lines{"8:22: virtual_ip 192.0.2.1 is the address of interface 'ge1'"});
    EXPECT_EQ(with_line("[10.1.1.100]", "[10.1.1.255]"),
              Lines{"8:22: virtual_ip 10.1.1.255 is the broadcast address of subnet 10.1.1.0/24"});
    EXPECT_EQ(with_line("[10.1.1.100]", "[10.1.1.0]"),
              Lines{"8:22: virtual_ip 10.1.1.0 is the network address of subnet 10.1.1.0/24"});
    EXPECT_EQ(with_line("[10.1.1.100]", "[224.0.0.18]"),
              Lines{"8:22: virtual_ip 224.0.0.18 is not a unicast host address"});
}

TEST(VirtualIp, Duplicates) {
    EXPECT_EQ(with_line("[10.1.1.100]", "[10.1.1.100, 10.1.1.100]"),
              Lines{"8:34: virtual_ip 10.1.1.100 is already used by vrid 1 on interface 'ge0'"});
    EXPECT_EQ(group("      - vrid: 2\n        virtual_ip: 10.1.1.100\n"),
              Lines{"10:21: virtual_ip 10.1.1.100 is already used by vrid 1 on interface 'ge0'"});
}

} // namespace
} // namespace wg::test
