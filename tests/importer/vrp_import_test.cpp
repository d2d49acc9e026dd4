// The VRP-text importer against the seed's two Configuration Files (copied
// verbatim into data/) and against small hand-written texts.

#include "config/emit.hpp"
#include "config/loader.hpp"
#include "config/vrp_import.hpp"
#include "tests/importer/support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace wg::config {
namespace {

using test::lab_dir;
using test::read_text;
using test::source_root;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> strs(const Diagnostics& ds) {
    std::vector<std::string> out;
    for (const auto& d : ds) out.push_back(d.str());
    return out;
}

struct Device {
    const char* vrp;     // tests/importer/data/...
    const char* example; // config/examples/...
    const char* user_if; // the lab's veth names
    const char* core_if;
};
constexpr Device kDeviceA{"seed-device-a.vrp", "device-a.yaml", "a-user", "a-core"};
constexpr Device kDeviceB{"seed-device-b.vrp", "device-b.yaml", "b-user", "b-core"};

ImportOptions lab_options(const Device& d) {
    ImportOptions o;
    o.ports["GigabitEthernet0/1/0"] = std::string("net_af_packet0,iface=") + d.user_if;
    o.ports["GigabitEthernet0/2/0"] = std::string("net_af_packet1,iface=") + d.core_if;
    o.cert_dir = lab_dir() + "/certs";
    o.ca = lab_dir() + "/certs/ca.pem";
    return o;
}

ImportResult import_seed(const Device& d) {
    std::string path = source_root() + "/tests/importer/data/" + d.vrp;
    return import_vrp_with(read_text(path), d.vrp, lab_options(d));
}

// The example with what VRP text cannot carry taken out: the network-side
// interface (absent from the seed) and what refers to it (routes, static
// ARP), dataplane tuning, and batch_backup (the seed configures
// `batch-backup ... now` in its procedure, not in its Configuration Files).
Config example_as_seed_text(const Device& d) {
    std::string path = source_root() + "/config/examples/" + d.example;
    LoadResult r = load_string(read_text(path), path, lab_dir());
    EXPECT_THAT(strs(r.errors), ElementsAre());
    if (!r.config) return {};
    Config c = *r.config;
    std::erase_if(c.interfaces, [](const Interface& i) { return i.name == "GigabitEthernet0/2/0"; });
    c.routes.clear();
    c.arp_static.clear();
    c.dataplane = Dataplane{};
    for (auto& s : c.remote_backup_service) s.batch_backup = RemoteBackupService{}.batch_backup;
    return c;
}

class SeedImport : public ::testing::TestWithParam<Device> {};

TEST_P(SeedImport, MatchesTheExampleInEveryFieldTheTextCarries) {
    ImportResult r = import_seed(GetParam());
    EXPECT_THAT(strs(r.errors), ElementsAre());
    test::expect_config_eq(r.config, example_as_seed_text(GetParam()));
}

TEST_P(SeedImport, PassesTheLoadersValidation) {
    ImportResult r = import_seed(GetParam());
    std::string yaml = to_yaml(r.config);
    LoadResult loaded = load_string(yaml, "imported.yaml", lab_dir());
    EXPECT_THAT(strs(loaded.errors), ElementsAre()) << yaml;
    ASSERT_TRUE(loaded.config);
    test::expect_config_eq(*loaded.config, r.config);
}

INSTANTIATE_TEST_SUITE_P(Seed, SeedImport, ::testing::Values(kDeviceA, kDeviceB), [](const auto& param_info) {
    return param_info.param.vrp == kDeviceA.vrp ? "DeviceA" : "DeviceB";
});

// Every line of the ospf block is reported with its own line and column;
// nothing else in the seed is left out.
TEST(SeedImportWarnings, OspfLinesAreReportedWithTheirLineNumbers) {
    EXPECT_THAT(
        strs(import_seed(kDeviceA).warnings),
        ElementsAre("seed-device-a.vrp:34:1: warning: ignored: 'ospf 1'",
                    "seed-device-a.vrp:35:2: warning: ignored: 'area 0.0.0.0'",
                    "seed-device-a.vrp:36:3: warning: ignored: 'network 1.1.1.1 0.0.0.0'",
                    "seed-device-a.vrp:37:3: warning: ignored: 'network 10.1.1.0 0.0.0.255'",
                    "seed-device-a.vrp: warning: --port GigabitEthernet0/2/0: no such interface in the "
                    "text; ignored"));
    EXPECT_THAT(
        strs(import_seed(kDeviceB).warnings),
        ElementsAre("seed-device-b.vrp:33:1: warning: ignored: 'ospf 1'",
                    "seed-device-b.vrp:34:2: warning: ignored: 'area 0.0.0.0'",
                    "seed-device-b.vrp:35:3: warning: ignored: 'network 2.2.2.2 0.0.0.0'",
                    "seed-device-b.vrp:36:3: warning: ignored: 'network 10.1.1.0 0.0.0.255'",
                    "seed-device-b.vrp: warning: --port GigabitEthernet0/2/0: no such interface in the "
                    "text; ignored"));
}

TEST(SeedImportWarnings, CrlfLineEndingsReadTheSame) {
    std::string text = read_text(source_root() + "/tests/importer/data/seed-device-a.vrp");
    std::string crlf;
    for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    ImportResult r = import_vrp_with(crlf, "a.vrp", lab_options(kDeviceA));
    EXPECT_THAT(strs(r.errors), ElementsAre());
    test::expect_config_eq(r.config, import_seed(kDeviceA).config);
    EXPECT_EQ(strs(r.warnings).front(), "a.vrp:34:1: warning: ignored: 'ospf 1'");
}

TEST(SeedImportDefaults, CertificatesFollowTheSysnameAndTheCaFileIsKept) {
    std::string text = read_text(source_root() + "/tests/importer/data/seed-device-b.vrp");
    ImportResult r = import_vrp(text, "b.vrp", {{"GigabitEthernet0/1/0", "0000:01:00.0"}});
    ASSERT_EQ(r.config.pki_domain.size(), 1u);
    EXPECT_EQ(r.config.pki_domain[0].ca, "test.crt");
    EXPECT_EQ(r.config.pki_domain[0].certificate, "certs/deviceB.pem");
    EXPECT_EQ(r.config.pki_domain[0].key, "certs/deviceB.key");
    EXPECT_EQ(r.config.control.socket, "/run/warmgate/DeviceB.sock");
    EXPECT_EQ(r.config.interfaces[0].port, "0000:01:00.0");
    EXPECT_TRUE(r.config.interfaces[1].port.empty()); // LoopBack1 stays kernel-side
}

TEST(InterfaceNames, AreNormalised) {
    EXPECT_EQ(normalize_interface_name("GigabitEthernet0/1/0"), "GigabitEthernet0/1/0");
    EXPECT_EQ(normalize_interface_name("gigabitethernet 0/1/0"), "GigabitEthernet0/1/0");
    EXPECT_EQ(normalize_interface_name("GE0/1/0"), "GigabitEthernet0/1/0");
    EXPECT_EQ(normalize_interface_name("xge 0/0/1"), "XGigabitEthernet0/0/1");
    EXPECT_EQ(normalize_interface_name("loopback1"), "LoopBack1");
    EXPECT_EQ(normalize_interface_name("eth-trunk 2"), "Eth-Trunk2");
    EXPECT_EQ(normalize_interface_name("GigabitEthernet0/1/0.100"), "GigabitEthernet0/1/0.100");
    EXPECT_EQ(normalize_interface_name("veth7"), "veth7"); // unknown types are kept as written
    EXPECT_EQ(normalize_interface_name("GigabitEthernet"), std::nullopt);
    EXPECT_EQ(normalize_interface_name("LoopBack1/x"), std::nullopt);
    EXPECT_EQ(normalize_interface_name("  "), std::nullopt);
    EXPECT_EQ(cert_base_name("DeviceA"), "deviceA");
}

TEST(InterfaceNames, AreNormalisedInBlocksReferencesAndPorts) {
    ImportResult r = import_vrp("sysname D\n"
                                "remote-backup-profile p\n"
                                " vrrp-id 1 interface gigabitethernet 0/1/0\n"
                                "#\n"
                                "interface gigabitethernet 0/1/0\n"
                                " ip address 10.0.0.1 24\n",
                                "t.vrp", {{"GE0/1/0", "net_null0"}});
    EXPECT_THAT(strs(r.errors), ElementsAre());
    EXPECT_THAT(strs(r.warnings), ElementsAre());
    ASSERT_EQ(r.config.interfaces.size(), 1u);
    EXPECT_EQ(r.config.interfaces[0].name, "GigabitEthernet0/1/0");
    EXPECT_EQ(r.config.interfaces[0].port, "net_null0");
    EXPECT_EQ(r.config.interfaces[0].address, Prefix::parse("10.0.0.1/24"));
    EXPECT_EQ(r.config.remote_backup_profile.at(0).vrrp.interface, "GigabitEthernet0/1/0");
}

TEST(Semantics, EveryVrrpFieldAndRecoverDelayForEachGroup) {
    ImportResult r = import_vrp("sysname D\n"
                                "interface GigabitEthernet0/1/0\n"
                                " vrrp recover-delay 30\n" // before the groups: still applies to them
                                " vrrp vrid 1 virtual-ip 10.1.1.100\n"
                                " vrrp vrid 1 virtual-ip 10.1.1.101\n"
                                " vrrp vrid 1 virtual-ip 10.1.1.100\n" // repeated: once
                                " vrrp vrid 1 preempt-mode disable\n"
                                " vrrp vrid 2 virtual-ip 10.1.1.200\n"
                                " vrrp vrid 2 preempt-mode timer delay 5\n"
                                " admin-vrrp vrid 2\n"
                                " vrrp vrid 2 priority 254\n",
                                "t.vrp", {{"GigabitEthernet0/1/0", "net_null0"}});
    EXPECT_THAT(strs(r.errors), ElementsAre());
    const auto& g = r.config.interfaces.at(0).vrrp;
    ASSERT_EQ(g.size(), 2u);
    EXPECT_EQ(g[0].virtual_ips, (std::vector<Ipv4>{*Ipv4::parse("10.1.1.100"), *Ipv4::parse("10.1.1.101")}));
    EXPECT_FALSE(g[0].preempt.enabled);
    EXPECT_FALSE(g[0].admin);
    EXPECT_EQ(g[0].priority, kPriorityDefault);
    EXPECT_EQ(g[0].recover_delay_s, 30u);
    EXPECT_TRUE(g[1].preempt.enabled);
    EXPECT_EQ(g[1].preempt.delay_s, 5u);
    EXPECT_TRUE(g[1].admin);
    EXPECT_EQ(g[1].priority, 254);
    EXPECT_EQ(g[1].recover_delay_s, 30u);
}

TEST(Semantics, SimpleAuthenticationAndBatchBackup) {
    ImportResult r = import_vrp("sysname D\n"
                                "remote-backup-service s\n"
                                " batch-backup service-type arp\n"
                                " batch-backup service-type ARP now\n"
                                "remote-backup-profile p\n"
                                " vrrp-id 3 interface GigabitEthernet0/1/0\n"
                                " vrrp vrid 3 authentication-mode simple 12345678\n",
                                "t.vrp", {});
    EXPECT_THAT(strs(r.errors), ElementsAre());
    EXPECT_EQ(r.config.remote_backup_service.at(0).batch_backup, std::vector<std::string>{"arp"});
    const auto& auth = r.config.remote_backup_profile.at(0).vrrp.authentication;
    EXPECT_EQ(auth.mode, AuthMode::simple);
    EXPECT_EQ(auth.key, "12345678");
}

// VRP's `arp learning strict` is the loader's `arp: {learning: strict}`
// (docs/config.md "arp"); without it the default (rfc826) stays.
TEST(Semantics, ArpLearningStrict) {
    ImportResult r = import_vrp("sysname D\n"
                                "arp learning strict\n",
                                "t.vrp", {});
    EXPECT_THAT(strs(r.errors), ElementsAre());
    EXPECT_THAT(strs(r.warnings), ElementsAre());
    EXPECT_EQ(r.config.arp.learning, arp::Learning::strict);
    EXPECT_EQ(import_vrp("sysname D\n", "t.vrp", {}).config.arp.learning, arp::Learning::rfc826);
}

// Indentation decides only between a block's command and a global one:
// an interface's indented `remote-backup-profile` binds, an unindented one
// opens a profile block even without a `#` before it.
TEST(Blocks, IndentationTellsABindingFromANewProfile) {
    ImportResult r = import_vrp("sysname D\n"
                                "interface GigabitEthernet0/1/0\n"
                                " remote-backup-profile p1\n"
                                "remote-backup-profile p2\n"
                                " backup-id 7 remote-backup-service s\n",
                                "t.vrp", {{"GigabitEthernet0/1/0", "net_null0"}});
    EXPECT_THAT(strs(r.errors), ElementsAre());
    EXPECT_EQ(r.config.interfaces.at(0).remote_backup_profile, "p1");
    ASSERT_EQ(r.config.remote_backup_profile.size(), 1u);
    EXPECT_EQ(r.config.remote_backup_profile[0].name, "p2");
    EXPECT_EQ(r.config.remote_backup_profile[0].backup_id, 7u);
}

TEST(Blocks, UnknownLinesAreWarnedAndUnknownBlocksDoNotLeakIntoThePreviousOne) {
    ImportResult r = import_vrp("sysname D\n"
                                "interface GigabitEthernet0/1/0\n"
                                " description uplink\n" // unknown inside: block continues
                                " ip address 10.0.0.1 255.255.255.0\n"
                                " shutdown\n"
                                "bgp 100\n"                       // unknown top-level: opens an unknown block
                                " ip address 9.9.9.9 255.0.0.0\n" // ...so this is not GE0/1/0's
                                "\n"
                                "return\n",
                                "t.vrp", {{"GigabitEthernet0/1/0", "net_null0"}});
    EXPECT_THAT(strs(r.errors), ElementsAre());
    EXPECT_THAT(
        strs(r.warnings),
        ElementsAre("t.vrp:3:2: warning: ignored: 'description uplink'",
                    "t.vrp:5:2: warning: 'shutdown' not carried over: warmgate brings up every port it is "
                    "given",
                    "t.vrp:6:1: warning: ignored: 'bgp 100'",
                    "t.vrp:7:2: warning: ignored: 'ip address 9.9.9.9 255.0.0.0'"));
    EXPECT_EQ(r.config.interfaces.at(0).address, Prefix::parse("10.0.0.1/24"));
}

TEST(Blocks, MissingPortsAndCaAreWarnedAtTheirBlock) {
    ImportResult r = import_vrp("sysname D\n"
                                "pki domain d1\n"
                                "interface GigabitEthernet0/1/0\n"
                                "interface LoopBack1\n",
                                "t.vrp", {});
    EXPECT_THAT(strs(r.errors), ElementsAre());
    EXPECT_THAT(
        strs(r.warnings),
        ElementsAre("t.vrp:2:1: warning: pki domain 'd1' has no 'pki import-certificate ca' line: give "
                    "--ca PATH",
                    "t.vrp:3:1: warning: no --port given for GigabitEthernet0/1/0: the config fails "
                    "'check' until it has a port"));
}

struct Malformed {
    const char* block; // opening line, or "" for global
    const char* line;  // the bad line (line 3 of the text)
    int column;
    const char* message;
};

class MalformedLine : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedLine, IsAnErrorAtItsLineAndColumn) {
    const Malformed& m = GetParam();
    std::string text = std::string("sysname D\n") + (*m.block ? m.block : "#") + "\n" + m.line + "\n";
    ImportResult r = import_vrp(text, "t.vrp", {});
    ASSERT_EQ(r.errors.size(), 1u) << ::testing::PrintToString(strs(r.errors));
    EXPECT_EQ(r.errors[0].line, 3);
    EXPECT_EQ(r.errors[0].column, m.column);
    EXPECT_THAT(r.errors[0].message, HasSubstr(m.message));
    EXPECT_THAT(r.errors[0].message, ::testing::StartsWith("error: "));
}

INSTANTIATE_TEST_SUITE_P(
    Lines, MalformedLine,
    ::testing::Values(
        Malformed{"interface GE0/1/0", " ip address 10.1.1.300 255.255.255.0", 13,
                  "bad IPv4 address '10.1.1.300'"},
        Malformed{"interface GE0/1/0", " ip address 10.1.1.1 255.0.255.0", 22,
                  "non-contiguous mask '255.0.255.0'"},
        Malformed{"interface GE0/1/0", " ip address 10.1.1.1 33", 22, "mask length 33 out of range 0..32"},
        Malformed{"interface GE0/1/0", " ip address 10.1.1.1 255.255.255.0 sub", 36, "unexpected 'sub'"},
        Malformed{"interface GE0/1/0", " vrrp vrid 1 priority 255", 23, "priority 255 out of range 1..254"},
        Malformed{"interface GE0/1/0", " vrrp vrid 0 virtual-ip 10.1.1.100", 12,
                  "vrid 0 out of range 1..255"},
        Malformed{"interface GE0/1/0", " vrrp vrid x priority 100", 12, "bad vrid 'x': not a number"},
        Malformed{"interface GE0/1/0", " vrrp vrid 1 priority", 2,
                  "incomplete command 'vrrp vrid 1 priority'"},
        Malformed{"interface GE0/1/0", " vrrp vrid 1 preempt-mode timer delay 3601", 39,
                  "preempt delay 3601 out of range 0..3600"},
        Malformed{"interface GE0/1/0", " vrrp recover-delay 99999999999999999999", 21, "out of range"},
        Malformed{"interface GE0/1/0", " admin-vrrp vrid 1 extra", 20, "unexpected 'extra'"},
        Malformed{"", "interface GigabitEthernet 0/1/0 x", 33, "unexpected 'x' after the interface name"},
        Malformed{"", "interface GigabitEthernet", 11, "bad interface name 'GigabitEthernet'"},
        Malformed{"", "pki import-certificate ca domain nosuch filename x.crt", 34,
                  "pki domain 'nosuch' is not defined above"},
        Malformed{"remote-backup-service s", " peer 2.2.2.2 source 1.1.1.1 port 70000", 35,
                  "port 70000 out of range 1..65535"},
        Malformed{"remote-backup-service s", " peer 2.2.2.2 source 1.1.1 port 2046", 22,
                  "bad IPv4 address '1.1.1'"},
        Malformed{"remote-backup-service s", " batch-backup service-type dhcp", 28,
                  "unsupported service type 'dhcp'"},
        Malformed{"remote-backup-profile p", " backup-id 0 remote-backup-service s", 12,
                  "backup-id 0 out of range 1..65535"},
        Malformed{"remote-backup-profile p", " peer-backup warm", 14, "unsupported peer-backup mode 'warm'"},
        Malformed{"remote-backup-profile p", " vrrp vrid 1 authentication-mode sha1 k", 34,
                  "unknown authentication mode 'sha1'"},
        Malformed{"remote-backup-profile p", " vrrp vrid 1 authentication-mode simple 123456789", 41,
                  "simple key longer than 8 characters"},
        Malformed{"remote-backup-profile p", " vrrp-id 1 interface", 2, "incomplete command"}));

TEST(Malformed, AuthenticationForAnotherVridThanTheTrackedOne) {
    ImportResult r = import_vrp("sysname D\n"
                                "remote-backup-profile p\n"
                                " vrrp vrid 2 authentication-mode md5 k\n"
                                " vrrp-id 1 interface GigabitEthernet0/1/0\n",
                                "t.vrp", {});
    EXPECT_THAT(
        strs(r.errors),
        ElementsAre("t.vrp:3:12: error: authentication for vrid 2, but the profile tracks vrid 1 (vrrp-id)"));
}

TEST(Malformed, NoSysnameAndBadPortNames) {
    ImportResult r = import_vrp("interface LoopBack1\n", "t.vrp", {{"GigabitEthernet", "net_null0"}});
    EXPECT_THAT(strs(r.errors), ElementsAre("t.vrp: error: no 'sysname' line",
                                            "t.vrp: error: --port: bad interface name 'GigabitEthernet'"));
}

} // namespace
} // namespace wg::config
