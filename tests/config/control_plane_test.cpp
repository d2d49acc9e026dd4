// The keys the control plane reads around the VRRP protocol: track_admin
// (the seed's admin-vrrp member groups), notify hooks, gratuitous ARP pacing
// (per group) and the top-level `arp` aging options. Every expectation is the
// exact message with its LINE:COL in kBase (line numbers in the comments).
#include "support.hpp"

#include <gtest/gtest.h>

namespace wg::test {
namespace {

// ge0 carries the admin group vrid 1 (lines 7-9); ge1's vrid 2 follows it
// (lines 14-16; in line 16 the value of `interface` is at column 34, the
// value of `vrid` at 45).
constexpr std::string_view kBase = R"(sysname: T
interfaces:
  ge0:
    port: p0
    address: 10.1.1.1/24
    vrrp:
      - vrid: 1
        virtual_ip: [10.1.1.100]
        admin: true
  ge1:
    port: p1
    address: 192.0.2.1/24
    vrrp:
      - vrid: 2
        virtual_ip: [192.0.2.100]
        track_admin: {interface: ge0, vrid: 1}
)";

constexpr std::string_view kTrack = "        track_admin: {interface: ge0, vrid: 1}\n";

std::vector<std::string> with_line(std::string_view from, std::string_view to) {
    return errors_of(replace(kBase, from, to));
}

// kBase with the follower's track_admin line replaced by LINES (from line 16).
std::vector<std::string> track(std::string_view lines) {
    return with_line(kTrack, lines);
}

// kBase with LINES added to the admin group, after line 9 (from line 10 on).
std::vector<std::string> admin_group(std::string_view lines) {
    return with_line("        admin: true\n", "        admin: true\n" + std::string(lines));
}

config::Config load_ok(std::string_view text) {
    const auto r = config::load_string(text, "t.yaml", "/");
    for (const auto& e : r.errors)
        ADD_FAILURE() << e.str();
    return r.config.value_or(config::Config{});
}

TEST(TrackAdmin, FollowerLoads) {
    const auto c = load_ok(kBase);
    ASSERT_EQ(c.interfaces.size(), 2u);
    ASSERT_EQ(c.interfaces[1].vrrp.size(), 1u);
    const auto& f = c.interfaces[1].vrrp[0];
    ASSERT_TRUE(f.track_admin);
    EXPECT_EQ(f.track_admin->interface, "ge0");
    EXPECT_EQ(f.track_admin->vrid, 1);
    EXPECT_FALSE(f.admin);
    EXPECT_FALSE(c.interfaces[0].vrrp.at(0).track_admin); // absent: runs VRRP itself
    // A follower may set its priority (shown by `display vrrp`).
    const auto p = load_ok(replace(kBase, kTrack, std::string(kTrack) + "        priority: 120\n"));
    ASSERT_EQ(p.interfaces.size(), 2u);
    EXPECT_EQ(p.interfaces[1].vrrp.at(0).priority, 120);
}

TEST(TrackAdmin, FollowerOnTheAdminGroupsOwnInterface) {
    const auto c = load_ok(replace(kBase, "        admin: true\n",
                                   "        admin: true\n      - vrid: 3\n        virtual_ip: 10.1.1.101\n"
                                   "        track_admin: {interface: ge0, vrid: 1}\n"));
    ASSERT_EQ(c.interfaces.size(), 2u);
    ASSERT_EQ(c.interfaces[0].vrrp.size(), 2u);
    EXPECT_EQ(c.interfaces[0].vrrp[1].track_admin, (config::TrackAdmin{"ge0", 1}));
}

TEST(TrackAdmin, Shape) {
    EXPECT_EQ(track("        track_admin: ge0\n"), Lines{"16:22: track_admin must be a map, got 'ge0'"});
    EXPECT_EQ(track("        track_admin: {interface: ge0}\n"),
              Lines{"16:9: missing required key 'vrid' in track_admin"});
    EXPECT_EQ(track("        track_admin: {vrid: 1}\n"),
              Lines{"16:9: missing required key 'interface' in track_admin"});
    EXPECT_EQ(track("        track_admin: {interface: ge0, vrid: 1, state: up}\n"),
              Lines{"16:48: unknown key 'state' in track_admin (expected one of: interface, vrid)"});
    EXPECT_EQ(track("        track_admin: {interface: ge0, vrid: 0}\n"),
              Lines{"16:45: track_admin vrid 0 out of range 1..255"});
    EXPECT_EQ(track("        track_admin: {interface: \"\", vrid: 1}\n"),
              Lines{"16:34: track_admin interface must not be empty"});
    EXPECT_EQ(track("        track_admin: {interface: [ge0], vrid: 1}\n"),
              Lines{"16:34: track_admin interface must be a string, got a list"});
}

TEST(TrackAdmin, TargetMustExist) {
    EXPECT_EQ(with_line("{interface: ge0,", "{interface: ge9,"),
              Lines{"16:34: interface 'ge9' is not defined"});
    EXPECT_EQ(with_line("vrid: 1}", "vrid: 7}"),
              Lines{"16:45: interface 'ge0' has no vrrp group with vrid 7"});
    // An interface without VRRP has no group to follow either.
    EXPECT_EQ(
        with_line("    vrrp:\n      - vrid: 1\n        virtual_ip: [10.1.1.100]\n        admin: true\n", ""),
        Lines{"12:45: interface 'ge0' has no vrrp group with vrid 1"});
}

TEST(TrackAdmin, TargetMustBeAnAdminGroup) {
    EXPECT_EQ(with_line("        admin: true\n", ""),
              Lines{"15:45: vrrp group vrid 1 on interface 'ge0' is not an admin group (admin: true)"});
    EXPECT_EQ(with_line("        admin: true\n", "        admin: false\n"),
              Lines{"16:45: vrrp group vrid 1 on interface 'ge0' is not an admin group (admin: true)"});
}

TEST(TrackAdmin, NotItself) {
    EXPECT_EQ(track("        track_admin: {interface: ge1, vrid: 2}\n"),
              Lines{"16:9: track_admin names this group itself (vrid 2 on interface 'ge1')"});
}

TEST(TrackAdmin, AFollowerIsNotAnAdminGroup) {
    EXPECT_EQ(track(std::string(kTrack) + "        admin: true\n"),
              Lines{"17:16: admin: true is not allowed on a group with track_admin (a group that follows an "
                    "admin group cannot be one)"});
    // admin: false says nothing new and is accepted.
    EXPECT_EQ(track(std::string(kTrack) + "        admin: false\n"), Lines{});
}

TEST(TrackAdmin, NoChains) {
    EXPECT_EQ(errors_of(std::string(kBase) + "      - vrid: 3\n        virtual_ip: [192.0.2.101]\n"
                                             "        track_admin: {interface: ge1, vrid: 2}\n"),
              Lines{"19:45: vrrp group vrid 2 on interface 'ge1' itself follows an admin group (track_admin "
                    "cannot chain)"});
}

// The follower runs no VRRP of its own (control/vrrp/state_machine.hpp):
// the protocol's knobs would be ignored, so they are refused, each at its key.
TEST(TrackAdmin, ProtocolFieldsHaveNoEffectOnAFollower) {
    EXPECT_EQ(
        track(std::string(kTrack) + "        preempt: {delay: 600}\n        recover_delay: 20\n"
                                    "        version: 3\n        advert_interval_ms: 1005\n"),
        (Lines{"17:9: preempt has no effect on a group with track_admin (it runs no VRRP of its own)",
               "18:9: recover_delay has no effect on a group with track_admin (it runs no VRRP of its own)",
               "19:9: version has no effect on a group with track_admin (it runs no VRRP of its own)",
               "20:9: advert_interval_ms has no effect on a group with track_admin (it runs no VRRP of its "
               "own)"}));
}

// One mistake, one message: a target whose own fields failed is not judged.
TEST(TrackAdmin, NoDerivedErrors) {
    EXPECT_EQ(with_line("admin: true", "admin: yes"), Lines{"9:16: admin must be true or false, got 'yes'"});
    EXPECT_EQ(with_line("      - vrid: 1\n", "      - vrid: 300\n"),
              Lines{"7:15: vrid 300 out of range 1..255"});
    EXPECT_EQ(with_line("    port: p0\n", ""),
              Lines{"5:5: vrrp is not allowed on kernel-side interface 'ge0' (no port)"});
    EXPECT_EQ(with_line("    port: p0\n", "    port: [p0]\n"),
              Lines{"4:11: port must be a string, got a list"});
}

TEST(TrackAdmin, AllErrorsInOneRun) {
    std::string text = replace(kBase, "vrid: 1}", "vrid: 9}");
    text = replace(text, "[192.0.2.100]", "[192.0.2.100]\n        version: 3");
    text += "      - vrid: 4\n        virtual_ip: [192.0.2.104]\n        track_admin: {interface: ge1, vrid: "
            "4}\n";
    EXPECT_EQ(errors_of(text),
              (Lines{"16:9: version has no effect on a group with track_admin (it runs no VRRP of its own)",
                     "17:45: interface 'ge0' has no vrrp group with vrid 9",
                     "20:9: track_admin names this group itself (vrid 4 on interface 'ge1')"}));
}

TEST(Notify, Loads) {
    const auto c = load_ok(replace(
        kBase, kTrack,
        std::string(kTrack) + "        notify: {master: \"/etc/wg/up.sh 2\", backup: /etc/wg/down.sh,\n"
                              "                 fault: \"logger -t wg 'vrid 2 fault'\"}\n"));
    ASSERT_EQ(c.interfaces.size(), 2u);
    const auto& n = c.interfaces[1].vrrp.at(0).notify;
    EXPECT_EQ(n.master, "/etc/wg/up.sh 2");
    EXPECT_EQ(n.backup, "/etc/wg/down.sh");
    EXPECT_EQ(n.fault, "logger -t wg 'vrid 2 fault'");
    EXPECT_TRUE(n.any());
    // Each hook is optional; no hooks by default.
    const auto one = load_ok(replace(kBase, kTrack, std::string(kTrack) + "        notify: {fault: x}\n"));
    ASSERT_EQ(one.interfaces.size(), 2u);
    EXPECT_EQ(one.interfaces[1].vrrp.at(0).notify, (config::Notify{"", "", "x"}));
    EXPECT_FALSE(load_ok(kBase).interfaces.at(0).vrrp.at(0).notify.any());
    EXPECT_EQ(admin_group("        notify: {}\n"), Lines{});
}

TEST(Notify, Errors) {
    EXPECT_EQ(admin_group("        notify: /bin/true\n"),
              Lines{"10:17: notify must be a map, got '/bin/true'"});
    EXPECT_EQ(admin_group("        notify:\n"), Lines{"10:9: notify must be a map, got no value"});
    EXPECT_EQ(admin_group("        notify: {stop: x}\n"),
              Lines{"10:18: unknown key 'stop' in notify (expected one of: master, backup, fault)"});
    EXPECT_EQ(admin_group("        notify: {master: \"\"}\n"),
              Lines{"10:26: notify master must not be empty"});
    EXPECT_EQ(admin_group("        notify: {backup: [a, b]}\n"),
              Lines{"10:26: notify backup must be a string, got a list"});
    EXPECT_EQ(admin_group("        notify: {fault: \"a\\0b\"}\n"),
              Lines{"10:25: notify fault must not contain a NUL character"});
    EXPECT_EQ(admin_group("        notify: {master: " + std::string(4097, 'x') + "}\n"),
              Lines{"10:26: notify master is 4097 characters long (at most 4096)"});
    EXPECT_EQ(admin_group("        notify: {master: " + std::string(4096, 'x') + "}\n"), Lines{});
    EXPECT_EQ(admin_group("        notify: {master: a, master: b}\n"),
              Lines{"10:29: duplicate key 'master' in notify (first at 10:18)"});
}

TEST(Garp, DefaultsAndValues) {
    const auto d = load_ok(kBase).interfaces.at(0).vrrp.at(0).garp;
    EXPECT_EQ(d.count, 3u);
    EXPECT_EQ(d.interval_ms, 500u);
    EXPECT_EQ(d.refresh_s, 0u);
    const auto c = load_ok(replace(
        kBase, kTrack, std::string(kTrack) + "        garp: {count: 0, interval_ms: 10, refresh_s: 3600}\n"));
    ASSERT_EQ(c.interfaces.size(), 2u);
    EXPECT_EQ(c.interfaces[1].vrrp.at(0).garp, (config::Garp{0, 10, 3600}));
    const auto m = load_ok(replace(kBase, "        admin: true\n",
                                   "        admin: true\n        garp: {count: 100, interval_ms: 10000}\n"));
    ASSERT_EQ(m.interfaces.size(), 2u);
    EXPECT_EQ(m.interfaces[0].vrrp.at(0).garp, (config::Garp{100, 10000, 0}));
    EXPECT_EQ(admin_group("        garp: {}\n"), Lines{});
}

TEST(Garp, Errors) {
    EXPECT_EQ(admin_group("        garp: {count: 101}\n"),
              Lines{"10:23: garp count 101 out of range 0..100"});
    EXPECT_EQ(admin_group("        garp: {interval_ms: 9}\n"),
              Lines{"10:29: garp interval_ms 9 out of range 10..10000"});
    EXPECT_EQ(admin_group("        garp: {interval_ms: 10001}\n"),
              Lines{"10:29: garp interval_ms 10001 out of range 10..10000"});
    EXPECT_EQ(admin_group("        garp: {refresh_s: 3601}\n"),
              Lines{"10:27: garp refresh_s 3601 out of range 0..3600"});
    EXPECT_EQ(admin_group("        garp: {count: three}\n"),
              Lines{"10:23: garp count must be an integer, got 'three'"});
    EXPECT_EQ(admin_group("        garp: 3\n"), Lines{"10:15: garp must be a map, got '3'"});
    EXPECT_EQ(admin_group("        garp: {repeat: 1}\n"),
              Lines{"10:16: unknown key 'repeat' in garp (expected one of: count, interval_ms, refresh_s)"});
}

// Top-level `arp`, appended after kBase (from line 17 on).
std::vector<std::string> arp(std::string_view lines) {
    return errors_of(std::string(kBase) + std::string(lines));
}

arp::Options arp_of(std::string_view lines) {
    return load_ok(std::string(kBase) + std::string(lines)).arp;
}

// The defaults (arp::Options) with the four aging keys set.
arp::Options aging(uint32_t age_s, uint32_t probe_before_s, uint32_t probes, uint32_t requests_per_s) {
    arp::Options o;
    o.age_s = age_s, o.probe_before_s = probe_before_s, o.probes = probes, o.requests_per_s = requests_per_s;
    return o;
}

TEST(Arp, DefaultsAndValues) {
    EXPECT_EQ(arp_of(""), aging(1200, 60, 3, 2000));
    EXPECT_EQ(arp_of("arp:\n"), aging(1200, 60, 3, 2000));
    EXPECT_EQ(arp_of("arp: {age_s: 86400, probe_before_s: 86399, probes: 10, requests_per_s: 1000000}\n"),
              aging(86400, 86399, 10, 1000000));
    EXPECT_EQ(arp_of("arp: {age_s: 10, probe_before_s: 0, probes: 0, requests_per_s: 0}\n"),
              aging(10, 0, 0, 0));
    EXPECT_EQ(arp_of("arp:\n  age_s: 300\n"), aging(300, 60, 3, 2000));
}

TEST(Arp, Ranges) {
    EXPECT_EQ(arp("arp: {age_s: 9}\n"), Lines{"17:14: age_s 9 out of range 10..86400"});
    EXPECT_EQ(arp("arp: {age_s: 86401}\n"), Lines{"17:14: age_s 86401 out of range 10..86400"});
    EXPECT_EQ(arp("arp: {probes: 11}\n"), Lines{"17:15: probes 11 out of range 0..10"});
    EXPECT_EQ(arp("arp: {requests_per_s: 1000001}\n"),
              Lines{"17:23: requests_per_s 1000001 out of range 0..1000000"});
    EXPECT_EQ(arp("arp: {probe_before_s: 86400}\n"),
              Lines{"17:23: probe_before_s 86400 out of range 0..86399"});
    EXPECT_EQ(arp("arp: [1200]\n"), Lines{"17:6: arp must be a map, got a list"});
    // The allow-list is the key table's names in its order (config/keys.cpp).
    const std::string names = key_names(config::keys::arp());
    EXPECT_TRUE(names.starts_with("age_s, probe_before_s, probes, requests_per_s, learning, mac_move, "
                                  "mac_move_verify_ms, max_per_interface, learn_per_s, learn_per_source_per_s"));
    EXPECT_EQ(arp("arp: {age: 1200}\n"), Lines{"17:7: unknown key 'age' in arp (expected one of: " + names + ")"});
}

// The learning policy (control/arp/service.hpp "Rules", docs/config.md "arp").
TEST(Arp, LearningPolicy) {
    using A = arp::Options;
    const A d = arp_of("");
    EXPECT_EQ(d.learning, arp::Learning::rfc826);
    EXPECT_EQ(d.mac_move, arp::MacMove::verify);
    EXPECT_EQ(d.verify_ms, 500u);
    EXPECT_EQ(d.max_per_interface, 0u);
    EXPECT_EQ(d.learn_per_s, 1000u);
    EXPECT_EQ(d.learn_per_source_per_s, 50u);
    const A a = arp_of("arp:\n  learning: strict\n  mac_move: fixed-mac\n  mac_move_verify_ms: 10\n"
                       "  max_per_interface: 5000\n  learn_per_s: 0\n  learn_per_source_per_s: 1000000\n");
    EXPECT_EQ(a.learning, arp::Learning::strict);
    EXPECT_EQ(a.mac_move, arp::MacMove::fixed_mac);
    EXPECT_EQ(a.verify_ms, 10u);
    EXPECT_EQ(a.max_per_interface, 5000u);
    EXPECT_EQ(a.learn_per_s, 0u);
    EXPECT_EQ(a.learn_per_source_per_s, 1000000u);
    EXPECT_EQ(arp_of("arp: {learning: rfc826, mac_move: none}\n").mac_move, arp::MacMove::none);

    EXPECT_EQ(arp("arp: {learning: loose}\n"),
              Lines{"17:17: learning 'loose' is not supported (expected one of: rfc826, strict)"});
    EXPECT_EQ(arp("arp: {mac_move: fixed}\n"),
              Lines{"17:17: mac_move 'fixed' is not supported (expected one of: verify, fixed-mac, none)"});
    EXPECT_EQ(arp("arp: {mac_move_verify_ms: 9}\n"),
              Lines{"17:27: mac_move_verify_ms 9 out of range 10..10000"});
    EXPECT_EQ(arp("arp: {mac_move_verify_ms: 10001}\n"),
              Lines{"17:27: mac_move_verify_ms 10001 out of range 10..10000"});
    EXPECT_EQ(arp("arp: {max_per_interface: 67108865}\n"),
              Lines{"17:26: max_per_interface 67108865 out of range 0..67108864"});
    EXPECT_EQ(arp("arp: {learn_per_s: 1000001}\n"), Lines{"17:20: learn_per_s 1000001 out of range 0..1000000"});
    EXPECT_EQ(arp("arp: {learn_per_source_per_s: 2000000}\n"),
              Lines{"17:31: learn_per_source_per_s 2000000 out of range 0..1000000"});
}

// Probing starts probe_before_s before expiry: it must start after learning.
TEST(Arp, ProbingStartsBeforeExpiry) {
    EXPECT_EQ(arp("arp: {age_s: 100, probe_before_s: 100}\n"),
              Lines{"17:35: probe_before_s 100 must be less than age_s 100"});
    EXPECT_EQ(arp("arp: {probe_before_s: 1200}\n"),
              Lines{"17:23: probe_before_s 1200 must be less than age_s 1200 (the default)"});
    EXPECT_EQ(arp("arp: {age_s: 60}\n"),
              Lines{"17:14: age_s 60 must be greater than probe_before_s 60 (the default; set probe_before_s "
                    "too)"});
    EXPECT_EQ(arp_of("arp: {age_s: 60, probe_before_s: 59}\n"), aging(60, 59, 3, 2000));
    // An age_s already refused is not compared with anything.
    EXPECT_EQ(arp("arp: {age_s: 5, probe_before_s: 30}\n"), Lines{"17:14: age_s 5 out of range 10..86400"});
}

} // namespace
} // namespace wg::test
