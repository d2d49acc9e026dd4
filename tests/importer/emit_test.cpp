// The YAML emitter: the examples' layout, and load(to_yaml(c)) == c for the
// examples and for a config that sets every field away from its default.

#include "config/emit.hpp"
#include "config/loader.hpp"
#include "tests/importer/support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace wg::config {
namespace {

using test::lab_dir;
using test::read_text;
using test::source_root;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> strs(const Diagnostics& ds) {
    std::vector<std::string> out;
    for (const auto& d : ds) out.push_back(d.str());
    return out;
}

std::string example_path(const std::string& name) { return source_root() + "/config/examples/" + name; }

Config load_ok(const std::string& yaml, const std::string& file) {
    LoadResult r = load_string(yaml, file, lab_dir());
    EXPECT_THAT(strs(r.errors), ElementsAre()) << yaml;
    return r.config ? *r.config : Config{};
}

// The example as the emitter should write it: comments and the padding
// before them removed.
std::string without_comments(const std::string& text) {
    std::istringstream in(text);
    std::string line, out;
    while (std::getline(in, line)) {
        if (line.starts_with('#')) continue;
        if (auto hash = line.find(" #"); hash != std::string::npos) line.erase(hash);
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + '\n';
    }
    return out;
}

class ExampleRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(ExampleRoundTrip, LoadEmitLoadGivesTheSameConfig) {
    Config first = load_ok(read_text(example_path(GetParam())), GetParam());
    ASSERT_FALSE(first.sysname.empty());
    Config second = load_ok(to_yaml(first), "emitted.yaml");
    test::expect_config_eq(second, first);
}

// Written back with the example's relative certificate paths, the example
// comes out line for line (comments aside): same keys, order and flow style.
TEST_P(ExampleRoundTrip, EmitsTheExamplesLayout) {
    std::string text = read_text(example_path(GetParam()));
    Config c = load_ok(text, GetParam());
    ASSERT_EQ(c.pki_domain.size(), 1u);
    std::string device = c.sysname == "DeviceA" ? "deviceA" : "deviceB";
    c.pki_domain[0].ca = "certs/ca.pem";
    c.pki_domain[0].certificate = "certs/" + device + ".pem";
    c.pki_domain[0].key = "certs/" + device + ".key";
    EXPECT_EQ(to_yaml(c), without_comments(text));
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleRoundTrip, ::testing::Values("device-a.yaml", "device-b.yaml"),
                         [](const auto& param_info) {
                             return std::string(param_info.param)[7] == 'a' ? "DeviceA" : "DeviceB";
                         });

Ipv4 ip(const char* s) { return *Ipv4::parse(s); }
Prefix pfx(const char* s) { return *Prefix::parse(s); }

// Every key set, most away from their defaults, with strings that YAML would
// misread unquoted (a boolean word, a PCI address, a key full of indicators).
Config every_field() {
    Config c;
    c.sysname = "yes";
    c.dataplane = Dataplane{4, 100, 65536};

    VrrpGroup g1;
    g1.vrid = 1;
    g1.virtual_ips = {ip("10.1.1.100"), ip("10.1.1.101"), ip("10.1.1.102")};
    g1.admin = true;
    g1.priority = 254;
    g1.preempt = Preempt{false, 0};
    g1.recover_delay_s = 3600;
    g1.version = 3;
    g1.advert_interval_ms = 500;
    g1.notify = {"/etc/warmgate/master.sh 1", "true", "logger -t wg \"fault: vrid 1\""};
    VrrpGroup g2;
    g2.vrid = 2;
    g2.virtual_ips = {ip("10.1.1.200")};
    g2.priority = 1;
    g2.preempt = Preempt{true, 30};
    g2.advert_interval_ms = 2000;
    g2.garp = Garp{0, 10, 3600};
    // The network side follows the admin group (seed: admin-vrrp).
    VrrpGroup g3;
    g3.vrid = 3;
    g3.virtual_ips = {ip("192.0.2.100")};
    g3.priority = 7;
    g3.track_admin = TrackAdmin{"GigabitEthernet0/1/0", 1};
    g3.notify.backup = "/x/down";
    g3.garp = Garp{100, 10000, 1};

    Interface user{
        "GigabitEthernet0/1/0", "net_af_packet0,iface=a-user", pfx("10.1.1.1/24"), {g1, g2}, "profile1"};
    Interface core{"GigabitEthernet0/2/0", "0000:01:00.1", pfx("192.0.2.1/24"), {g3}, ""};
    Interface lo{"LoopBack1", "", pfx("1.1.1.1/32"), {}, ""};
    c.interfaces = {user, core, lo};
    c.routes = {{pfx("0.0.0.0/0"), ip("192.0.2.254")}, {pfx("198.51.100.0/24"), ip("192.0.2.253")}};
    c.arp_static = {{ip("10.1.1.50"), *Mac::parse("02:00:00:00:00:50"), "GigabitEthernet0/1/0"},
                    {ip("10.1.1.51"), *Mac::parse("02:00:00:00:00:51"), "GigabitEthernet0/1/0"},
                    {ip("192.0.2.254"), *Mac::parse("02:00:00:00:fe:01"), "GigabitEthernet0/2/0"}};
    c.arp = arp::Options{};
    c.arp.age_s = 86400, c.arp.probe_before_s = 0, c.arp.probes = 10, c.arp.requests_per_s = 0;
    c.arp.learning = arp::Learning::strict;
    c.arp.mac_move = arp::MacMove::fixed_mac;
    c.arp.verify_ms = 10000;
    c.arp.max_per_interface = 4096;
    c.arp.learn_per_s = 0;
    c.arp.learn_per_source_per_s = 1;
    std::string certs = lab_dir() + "/certs/";
    c.pki_domain = {{"domain1", certs + "ca.pem", certs + "deviceA.pem", certs + "deviceA.key"}};
    c.ssl_policy = {{"policy1", "domain1", ""}};
    {
        RemoteBackupService s;
        s.name = "service1", s.ssl_policy = "policy1", s.peer = ip("2.2.2.2"), s.source = ip("1.1.1.1");
        s.port = 2046;
        c.remote_backup_service = {s};
    }
    RemoteBackupProfile p;
    p.name = "profile1";
    p.service_type = {"arp"};
    p.backup_id = 65535;
    p.remote_backup_service = "service1";
    p.vrrp = {2, "GigabitEthernet0/1/0", {AuthMode::simple, "k\"\\: #,{"}};
    c.remote_backup_profile = {p};
    c.control.socket = "/tmp/wg lab/yes.sock";
    return c;
}

TEST(EmitRoundTrip, EveryFieldComesBack) {
    Config c = every_field();
    std::string yaml = to_yaml(c);
    Config back = load_ok(yaml, "every-field.yaml");
    test::expect_config_eq(back, c);
    // The forms that make it work, spelled out.
    EXPECT_THAT(yaml, HasSubstr("sysname: \"yes\"\n"));
    EXPECT_THAT(yaml, HasSubstr("        preempt: false\n"));
    EXPECT_THAT(yaml, HasSubstr("        virtual_ip: [10.1.1.100, 10.1.1.101, 10.1.1.102]\n"));
    EXPECT_THAT(yaml, HasSubstr("    port: \"0000:01:00.1\"\n"));
    EXPECT_THAT(yaml, HasSubstr("authentication: {mode: simple, key: \"k\\\"\\\\: #,{\"}}"));
    EXPECT_THAT(yaml, HasSubstr("        notify: {master: \"/etc/warmgate/master.sh 1\", backup: \"true\", "
                                "fault: \"logger -t wg \\\"fault: vrid 1\\\"\"}\n"));
    EXPECT_THAT(yaml, HasSubstr("        garp: {count: 0, interval_ms: 10, refresh_s: 3600}\n"));
    EXPECT_THAT(yaml,
                HasSubstr("arp:\n  age_s: 86400\n  probe_before_s: 0\n  probes: 10\n  requests_per_s: 0\n"));
    EXPECT_THAT(yaml, HasSubstr("  learning: strict\n  mac_move: fixed-mac\n  mac_move_verify_ms: 10000\n"));
}

// A follower is written with what it uses only: the loader refuses the
// protocol's fields on it (it runs no VRRP of its own).
TEST(EmitRoundTrip, FollowerCarriesNoProtocolFields) {
    std::string yaml = to_yaml(every_field());
    EXPECT_THAT(yaml, HasSubstr("      - vrid: 3\n"
                                "        virtual_ip: [192.0.2.100]\n"
                                "        priority: 7\n"
                                "        track_admin: {interface: GigabitEthernet0/1/0, vrid: 1}\n"
                                "        notify: {backup: /x/down}\n"
                                "        garp: {count: 100, interval_ms: 10000, refresh_s: 1}\n"
                                "  LoopBack1:\n"));
}

// Defaults of the control-plane keys are not written (the examples show
// none); one value away from its default writes the whole map.
TEST(EmitRoundTrip, ControlPlaneDefaultsAreLeftOut) {
    Config c = every_field();
    c.arp = arp::Options{};
    for (auto& itf : c.interfaces)
        for (auto& g : itf.vrrp) g.notify = {}, g.garp = {};
    std::string yaml = to_yaml(c);
    EXPECT_THAT(yaml, Not(HasSubstr("arp:\n")));
    EXPECT_THAT(yaml, Not(HasSubstr("garp:")));
    EXPECT_THAT(yaml, Not(HasSubstr("notify:")));
    test::expect_config_eq(load_ok(yaml, "defaults.yaml"), c);

    c.arp.probes = 4;
    c.interfaces[0].vrrp[0].garp.refresh_s = 60;
    yaml = to_yaml(c);
    EXPECT_THAT(yaml, HasSubstr("arp:\n  age_s: 1200\n  probe_before_s: 60\n  probes: 4\n"
                                "  requests_per_s: 2000\n"));
    EXPECT_THAT(yaml, HasSubstr("        garp: {count: 3, interval_ms: 500, refresh_s: 60}\n"));
    test::expect_config_eq(load_ok(yaml, "changed.yaml"), c);
}

// A long hook breaks into a block map, quoted, and comes back byte for byte.
TEST(EmitRoundTrip, LongNotifyCommands) {
    Config c = every_field();
    std::string cmd = "/usr/local/libexec/warmgate/announce-route --prefix 192.0.2.100/32 "
                      "--community 65000:120 --reason 'vrrp: #2 master' ; exit 0";
    c.interfaces[1].vrrp[0].notify.master = cmd;
    std::string yaml = to_yaml(c);
    EXPECT_THAT(yaml,
                HasSubstr("        notify:\n          master: \"" + cmd + "\"\n          backup: /x/down\n"));
    Config back = load_ok(yaml, "long-notify.yaml");
    test::expect_config_eq(back, c);
    ASSERT_EQ(back.interfaces.size(), 3u);
    EXPECT_EQ(back.interfaces[1].vrrp.at(0).notify.master, cmd);
}

TEST(EmitRoundTrip, Md5AndNoAuthentication) {
    Config c = every_field();
    c.remote_backup_profile[0].vrrp.authentication = {AuthMode::md5, "YsH_2022"};
    EXPECT_THAT(to_yaml(c), HasSubstr("authentication: {mode: md5, key: YsH_2022}}\n"));
    test::expect_config_eq(load_ok(to_yaml(c), "md5.yaml"), c);

    c.remote_backup_profile[0].vrrp.authentication = {};
    std::string yaml = to_yaml(c);
    EXPECT_THAT(yaml, HasSubstr("    vrrp: {vrid: 2, interface: GigabitEthernet0/1/0}\n"));
    test::expect_config_eq(load_ok(yaml, "none.yaml"), c);
}

TEST(EmitRoundTrip, LongFlowMapsBreakIntoBlockMaps) {
    Config c = every_field();
    std::string dir = lab_dir() + "/certs/../certs/../certs/../certs/../certs/";
    c.pki_domain[0] = {"domain1", dir + "ca.pem", dir + "deviceA.pem", dir + "deviceA.key"};
    std::string yaml = to_yaml(c);
    EXPECT_THAT(yaml, HasSubstr("  domain1:\n    ca: " + dir + "ca.pem\n"));
    LoadResult r = load_string(yaml, "long.yaml", lab_dir());
    EXPECT_THAT(strs(r.errors), ElementsAre());
}

} // namespace
} // namespace wg::config
