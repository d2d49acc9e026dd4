// Sections that refer to each other or to the outside: routes, static ARP,
// PKI domains (certificate files), SSL policies, remote backup services and
// profiles, and the interface → profile binding. Every expectation is the
// exact message with its LINE:COL in kFull (line numbers in the comments).
#include "support.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace wg::test {
namespace {

// Device A of the seed, reduced: routes line 17, arp_static 19, pki_domain 21,
// ssl_policy 23, remote_backup_service 25-30, remote_backup_profile 32-40.
constexpr std::string_view kFull = R"(sysname: DeviceA
interfaces:
  ge0:
    port: p0
    address: 10.1.1.1/24
    vrrp:
      - vrid: 1
        virtual_ip: [10.1.1.100]
        priority: 120
    remote_backup_profile: profile1
  ge1:
    port: p1
    address: 192.0.2.1/24
  lo1:
    address: 1.1.1.1/32
routes:
  - {prefix: 0.0.0.0/0, via: 192.0.2.254}
arp_static:
  - {ip: 10.1.1.50, mac: "02:00:00:00:00:50", interface: ge0}
pki_domain:
  domain1: {ca: ca.pem, certificate: dev.pem, key: dev.key}
ssl_policy:
  policy1: {pki_domain: domain1}
remote_backup_service:
  service1:
    ssl_policy: policy1
    peer: 2.2.2.2
    source: 1.1.1.1
    port: 2046
    batch_backup: [arp]
remote_backup_profile:
  profile1:
    service_type: [arp]
    backup_id: 10
    remote_backup_service: service1
    peer_backup: hot
    vrrp:
      vrid: 1
      interface: ge0
      authentication: {mode: md5, key: YsH_2022}
)";

// The PEM files kFull names live in a fresh temp dir, the base_dir of every load.
class References : public ::testing::Test {
protected:
    void SetUp() override { write_fake_pems(dir_.path()); }

    Lines errors(const std::string& text) const { return errors_of(text, dir_.path()); }
    Lines with_line(std::string_view from, std::string_view to) const {
        return errors(replace(kFull, from, to));
    }

    config::Config load_ok(const std::string& text) const {
        const auto r = config::load_string(text, "t.yaml", dir_.path());
        for (const auto& e : r.errors) ADD_FAILURE() << e.str();
        return r.config.value_or(config::Config{});
    }

    TempDir dir_;
};

TEST_F(References, FullConfigLoads) {
    const auto c = load_ok(std::string(kFull));
    ASSERT_EQ(c.routes.size(), 1u);
    EXPECT_EQ(c.routes[0].prefix, Prefix::parse("0.0.0.0/0"));
    EXPECT_EQ(c.routes[0].via, Ipv4::parse("192.0.2.254"));
    ASSERT_EQ(c.arp_static.size(), 1u);
    EXPECT_EQ(c.arp_static[0].ip, Ipv4::parse("10.1.1.50"));
    EXPECT_EQ(c.arp_static[0].mac, Mac::parse("02:00:00:00:00:50"));
    EXPECT_EQ(c.arp_static[0].interface, "ge0");
    // Relative certificate paths are stored resolved (absolute) against base_dir.
    const auto* d = c.find_pki_domain("domain1");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->ca, dir_.path() + "/ca.pem");
    EXPECT_EQ(d->certificate, dir_.path() + "/dev.pem");
    EXPECT_EQ(d->key, dir_.path() + "/dev.key");
    const auto* p = c.find_ssl_policy("policy1");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->pki_domain, "domain1");
    const auto* s = c.find_rbs("service1");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->ssl_policy, "policy1");
    EXPECT_EQ(s->peer, Ipv4::parse("2.2.2.2"));
    EXPECT_EQ(s->source, Ipv4::parse("1.1.1.1"));
    EXPECT_EQ(s->port, 2046);
    EXPECT_EQ(s->batch_backup, std::vector<std::string>{"arp"});
    const auto* b = c.find_rbp("profile1");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->service_type, std::vector<std::string>{"arp"});
    EXPECT_EQ(b->backup_id, 10u);
    EXPECT_EQ(b->remote_backup_service, "service1");
    EXPECT_EQ(b->peer_backup, "hot");
    EXPECT_EQ(b->vrrp.vrid, 1);
    EXPECT_EQ(b->vrrp.interface, "ge0");
    EXPECT_EQ(b->vrrp.authentication.mode, config::AuthMode::md5);
    EXPECT_EQ(b->vrrp.authentication.key, "YsH_2022");
    EXPECT_EQ(c.interfaces[0].remote_backup_profile, "profile1");
    EXPECT_EQ(c.find_rbs("service2"), nullptr);
    EXPECT_EQ(c.find_rbp("profile2"), nullptr);
    EXPECT_EQ(c.find_ssl_policy("policy2"), nullptr);
    EXPECT_EQ(c.find_pki_domain("domain2"), nullptr);
}

TEST_F(References, RouteShape) {
    EXPECT_EQ(
        with_line("routes:\n  - {prefix: 0.0.0.0/0, via: 192.0.2.254}\n", "routes: {prefix: 0.0.0.0/0}\n"),
        Lines{"16:9: routes must be a list, got a map"});
    EXPECT_EQ(with_line("  - {prefix: 0.0.0.0/0, via: 192.0.2.254}", "  - 0.0.0.0/0 via 192.0.2.254"),
              Lines{"17:5: route must be a map, got '0.0.0.0/0 via 192.0.2.254'"});
    EXPECT_EQ(with_line("  - {prefix: 0.0.0.0/0, via: 192.0.2.254}", "  - {prefix: 0.0.0.0/0}"),
              Lines{"17:5: missing required key 'via' in route"});
    EXPECT_EQ(with_line("via: 192.0.2.254}", "via: 192.0.2.254, metric: 1}"),
              Lines{"17:43: unknown key 'metric' in route (expected one of: prefix, via)"});
}

TEST_F(References, RoutePrefix) {
    EXPECT_EQ(with_line("prefix: 0.0.0.0/0,", "prefix: 10.9.0.0,"),
              Lines{"17:14: prefix '10.9.0.0' is not a valid prefix (expected a.b.c.d/len)"});
    EXPECT_EQ(with_line("prefix: 0.0.0.0/0,", "prefix: 10.9.0.1/16,"),
              Lines{"17:14: prefix 10.9.0.1/16 has host bits set (did you mean 10.9.0.0/16?)"});
    EXPECT_EQ(
        with_line("  - {prefix: 0.0.0.0/0, via: 192.0.2.254}\n",
                  "  - {prefix: 0.0.0.0/0, via: 192.0.2.254}\n  - {prefix: 0.0.0.0/0, via: 192.0.2.253}\n"),
        Lines{"18:14: route 0.0.0.0/0 is already defined at 17:14"});
}

TEST_F(References, RouteNextHop) {
    EXPECT_EQ(with_line("via: 192.0.2.254", "via: 192.0.2.2545"),
              Lines{"17:30: via '192.0.2.2545' is not a valid IPv4 address"});
    EXPECT_EQ(with_line("via: 192.0.2.254", "via: 192.0.3.254"),
              Lines{"17:30: via 192.0.3.254 is not inside a connected subnet of a DPDK interface"});
    EXPECT_EQ(with_line("via: 192.0.2.254", "via: 192.0.2.1"),
              Lines{"17:30: via 192.0.2.1 is an address of this appliance"});
    EXPECT_EQ(with_line("via: 192.0.2.254", "via: 10.1.1.100"),
              Lines{"17:30: via 10.1.1.100 is an address of this appliance"});
    EXPECT_EQ(with_line("via: 192.0.2.254", "via: 192.0.2.255"),
              Lines{"17:30: via 192.0.2.255 is the broadcast address of subnet 192.0.2.0/24"});
    EXPECT_EQ(with_line("via: 192.0.2.254", "via: 224.0.0.5"),
              Lines{"17:30: via 224.0.0.5 is not a unicast host address"});
    // A kernel-side subnet is not reachable from the fast path.
    EXPECT_EQ(errors(replace(replace(kFull, "1.1.1.1/32", "1.1.1.1/24"), "via: 192.0.2.254", "via: 1.1.1.2")),
              Lines{"17:30: via 1.1.1.2 is not inside a connected subnet of a DPDK interface"});
}

TEST_F(References, StaticArpShape) {
    EXPECT_EQ(
        with_line(R"(  - {ip: 10.1.1.50, mac: "02:00:00:00:00:50", interface: ge0})", "  - {ip: 10.1.1.50}"),
        (Lines{"19:5: missing required key 'mac' in arp_static entry",
               "19:5: missing required key 'interface' in arp_static entry"}));
    EXPECT_EQ(with_line("arp_static:\n  - {ip: 10.1.1.50, mac: \"02:00:00:00:00:50\", interface: ge0}\n",
                        "arp_static: 5\n"),
              Lines{"18:13: arp_static must be a list, got '5'"});
    EXPECT_EQ(
        with_line(R"(  - {ip: 10.1.1.50, mac: "02:00:00:00:00:50", interface: ge0})", "  - [10.1.1.50, ge0]"),
        Lines{"19:5: arp_static entry must be a map, got a list"});
}

TEST_F(References, StaticArpMac) {
    EXPECT_EQ(with_line("02:00:00:00:00:50", "02:00:00:00:00:5"),
              Lines{"19:26: mac '02:00:00:00:00:5' is not a valid MAC address (expected xx:xx:xx:xx:xx:xx)"});
    EXPECT_EQ(
        with_line("02:00:00:00:00:50", "01:00:5e:00:00:01"),
        Lines{
            "19:26: mac 01:00:5e:00:00:01 is a multicast address (a static ARP entry needs a unicast MAC)"});
    EXPECT_EQ(
        with_line("02:00:00:00:00:50", "FF:FF:FF:FF:FF:FF"),
        Lines{
            "19:26: mac ff:ff:ff:ff:ff:ff is a multicast address (a static ARP entry needs a unicast MAC)"});
    EXPECT_EQ(with_line("02:00:00:00:00:50", "00:00:00:00:00:00"),
              Lines{"19:26: mac 00:00:00:00:00:00 is all zeros"});
}

TEST_F(References, StaticArpInterface) {
    EXPECT_EQ(with_line("interface: ge0}", "interface: ge9}"),
              Lines{"19:58: interface 'ge9' is not defined"});
    EXPECT_EQ(with_line("interface: ge0}", "interface: lo1}"),
              Lines{"19:58: interface 'lo1' is not a DPDK interface (no port)"});
    // ge2 (no address) shifts arp_static to line 20.
    EXPECT_EQ(errors(replace(
                  replace(kFull, "    address: 1.1.1.1/32\n", "    address: 1.1.1.1/32\n  ge2: {port: p2}\n"),
                  "interface: ge0}", "interface: ge2}")),
              Lines{"20:58: interface 'ge2' has no address"});
}

TEST_F(References, StaticArpIp) {
    EXPECT_EQ(with_line("ip: 10.1.1.50,", "ip: 10.1.1,"),
              Lines{"19:10: ip '10.1.1' is not a valid IPv4 address"});
    EXPECT_EQ(with_line("ip: 10.1.1.50,", "ip: 10.1.2.50,"),
              Lines{"19:10: ip 10.1.2.50 is outside subnet 10.1.1.0/24 of interface 'ge0'"});
    EXPECT_EQ(with_line("ip: 10.1.1.50,", "ip: 10.1.1.1,"),
              Lines{"19:10: ip 10.1.1.1 is an address of this appliance"});
    EXPECT_EQ(with_line("ip: 10.1.1.50,", "ip: 10.1.1.100,"),
              Lines{"19:10: ip 10.1.1.100 is an address of this appliance"});
    EXPECT_EQ(with_line("ip: 10.1.1.50,", "ip: 10.1.1.255,"),
              Lines{"19:10: ip 10.1.1.255 is the broadcast address of subnet 10.1.1.0/24"});
    EXPECT_EQ(with_line("ip: 10.1.1.50,", "ip: 0.1.1.50,"),
              Lines{"19:10: ip 0.1.1.50 is not a unicast host address"});
    EXPECT_EQ(with_line(R"(interface: ge0}
)",
                        R"(interface: ge0}
  - {ip: 10.1.1.50, mac: "02:00:00:00:00:51", interface: ge0}
)"),
              Lines{"20:10: static ARP entry for 10.1.1.50 is already defined at 19:10"});
}

TEST_F(References, PkiDomainShape) {
    EXPECT_EQ(with_line("  domain1: {ca: ca.pem, certificate: dev.pem, key: dev.key}", "  domain1: ca.pem"),
              (Lines{"21:12: pki_domain 'domain1' must be a map, got 'ca.pem'"}));
    EXPECT_EQ(with_line(", key: dev.key}", "}"),
              Lines{"21:3: missing required key 'key' in pki_domain 'domain1'"});
    EXPECT_EQ(
        with_line("key: dev.key}", "key: dev.key, crl: x.pem}"),
        Lines{"21:61: unknown key 'crl' in pki_domain 'domain1' (expected one of: ca, certificate, key)"});
    // An invalid name is reported, and so is every reference to it.
    EXPECT_EQ(
        with_line("  domain1: {", "  domain 1: {"),
        (Lines{"21:3: pki_domain name 'domain 1' is invalid (expected 1-64 characters of A-Z a-z 0-9 _ . -)",
               "23:25: pki_domain 'domain1' is not defined"}));
}

TEST_F(References, CertificateFiles) {
    EXPECT_EQ(
        with_line("ca: ca.pem", "ca: nope.pem"),
        Lines{"21:17: ca file '" + dir_.path() + "/nope.pem' cannot be opened: No such file or directory"});
    write_text(dir_.path() + "/plain.txt", "not a certificate\n");
    EXPECT_EQ(with_line("key: dev.key", "key: plain.txt"),
              Lines{"21:52: key file '" + dir_.path() + "/plain.txt' is not PEM (no '-----BEGIN' line)"});
    write_text(dir_.path() + "/empty.pem", "");
    EXPECT_EQ(
        with_line("certificate: dev.pem", "certificate: empty.pem"),
        Lines{"21:38: certificate file '" + dir_.path() + "/empty.pem' is not PEM (no '-----BEGIN' line)"});
    std::filesystem::create_directory(dir_.path() + "/sub");
    EXPECT_EQ(with_line("certificate: dev.pem", "certificate: sub"),
              Lines{"21:38: certificate file '" + dir_.path() + "/sub' is a directory"});
    // Relative paths resolve against base_dir and are stored normalized; absolute ones are kept.
    const auto c = load_ok(replace(replace(kFull, "ca: ca.pem", "ca: sub/../ca.pem"), "key: dev.key",
                                   "key: " + dir_.path() + "/dev.key"));
    ASSERT_EQ(c.pki_domain.size(), 1u);
    EXPECT_EQ(c.pki_domain[0].ca, dir_.path() + "/ca.pem");
    EXPECT_EQ(c.pki_domain[0].key, dir_.path() + "/dev.key");
}

TEST_F(References, SslPolicy) {
    EXPECT_EQ(with_line("{pki_domain: domain1}", "{pki_domain: domain2}"),
              Lines{"23:25: pki_domain 'domain2' is not defined"});
    EXPECT_EQ(with_line("{pki_domain: domain1}", "{}"),
              Lines{"23:3: missing required key 'pki_domain' in ssl_policy 'policy1'"});
}

TEST_F(References, RemoteBackupService) {
    EXPECT_EQ(with_line("ssl_policy: policy1\n", "ssl_policy: policy2\n"),
              Lines{"26:17: ssl_policy 'policy2' is not defined"});
    EXPECT_EQ(with_line("    port: 2046\n", ""),
              Lines{"25:3: missing required key 'port' in remote_backup_service 'service1'"});
    EXPECT_EQ(with_line("    port: 2046\n", "    port: 0\n"), Lines{"29:11: port 0 out of range 1..65535"});
    EXPECT_EQ(with_line("    port: 2046\n", "    port: 65536\n"),
              Lines{"29:11: port 65536 out of range 1..65535"});
    EXPECT_EQ(
        with_line("    port: 2046\n", "    prot: 2046\n"),
        (Lines{"25:3: missing required key 'port' in remote_backup_service 'service1'",
               "29:5: unknown key 'prot' in remote_backup_service 'service1' (expected one of: " +
                   key_names(config::keys::remote_backup_service()) + ")"}));
}

TEST_F(References, RemoteBackupServiceAddresses) {
    EXPECT_EQ(with_line("peer: 2.2.2.2", "peer: 2.2.2"),
              Lines{"27:11: peer '2.2.2' is not a valid IPv4 address"});
    EXPECT_EQ(with_line("peer: 2.2.2.2", "peer: 1.1.1.1"),
              Lines{"27:11: peer 1.1.1.1 must differ from source"});
    EXPECT_EQ(with_line("peer: 2.2.2.2", "peer: 10.1.1.100"),
              Lines{"27:11: peer 10.1.1.100 is an address of this appliance"});
    EXPECT_EQ(with_line("peer: 2.2.2.2", "peer: 255.255.255.255"),
              Lines{"27:11: peer 255.255.255.255 is not a unicast host address"});
    EXPECT_EQ(with_line("source: 1.1.1.1", "source: 9.9.9.9"),
              Lines{"28:13: source 9.9.9.9 is not the address of any interface"});
    EXPECT_EQ(with_line("source: 1.1.1.1", "source: 10.1.1.100"),
              Lines{"28:13: source 10.1.1.100 is not the address of any interface"});
}

TEST_F(References, RemoteBackupServiceTypesAndPorts) {
    EXPECT_EQ(with_line("batch_backup: [arp]", "batch_backup: [nd]"),
              Lines{"30:20: batch_backup 'nd' is not supported (expected one of: arp)"});
    EXPECT_EQ(with_line("batch_backup: [arp]", "batch_backup: [arp, arp]"),
              Lines{"30:25: batch_backup lists 'arp' twice"});
    EXPECT_EQ(with_line("batch_backup: [arp]", "batch_backup: []"),
              Lines{"30:19: batch_backup: [] would turn off the batch backup on connect, which warmgate "
                    "always does (remove the key)"});
    EXPECT_EQ(load_ok(replace(kFull, "batch_backup: [arp]", "batch_backup: arp"))
                  .remote_backup_service.at(0)
                  .batch_backup,
              std::vector<std::string>{"arp"});
    EXPECT_EQ(
        with_line("    batch_backup: [arp]\n",
                  "    batch_backup: [arp]\n"
                  "  service2: {ssl_policy: policy1, peer: 3.3.3.3, source: 1.1.1.1, port: 2046}\n"),
        Lines{"31:73: port 2046 on source 1.1.1.1 is already used by remote_backup_service 'service1'"});
}

TEST_F(References, RemoteBackupProfile) {
    EXPECT_EQ(with_line("remote_backup_service: service1", "remote_backup_service: service2"),
              Lines{"35:28: remote_backup_service 'service2' is not defined"});
    EXPECT_EQ(with_line("backup_id: 10", "backup_id: 0"), Lines{"34:16: backup_id 0 out of range 1..65535"});
    EXPECT_EQ(with_line("backup_id: 10", "backup_id: 65536"),
              Lines{"34:16: backup_id 65536 out of range 1..65535"});
    EXPECT_EQ(with_line("peer_backup: hot", "peer_backup: cold"),
              Lines{"36:18: peer_backup 'cold' is not supported (expected one of: hot)"});
    EXPECT_EQ(with_line("service_type: [arp]", "service_type: [nd]"),
              Lines{"33:20: service_type 'nd' is not supported (expected one of: arp)"});
    EXPECT_EQ(with_line("    backup_id: 10\n", ""),
              Lines{"32:3: missing required key 'backup_id' in remote_backup_profile 'profile1'"});
    EXPECT_EQ(with_line("      authentication: {mode: md5, key: YsH_2022}\n",
                        "      authentication: {mode: md5, key: YsH_2022}\n"
                        "  profile2: {service_type: arp, backup_id: 10, remote_backup_service: service1, "
                        "vrrp: {vrid: 1, interface: ge0}}\n"),
              Lines{"41:44: backup_id 10 is already used by remote_backup_profile 'profile1'"});
    const auto c = load_ok(replace(kFull, "    peer_backup: hot\n", ""));
    ASSERT_EQ(c.remote_backup_profile.size(), 1u);
    EXPECT_EQ(c.remote_backup_profile[0].peer_backup, "hot"); // the default
}

// RFC 5798 has no authentication field: a v3 group with a key could
// neither send nor accept an advert (docs/vrrp-auth.md).
TEST_F(References, AuthenticationNeedsVrrpVersion2) {
    EXPECT_EQ(with_line("        priority: 120\n", "        priority: 120\n        version: 3\n"),
              Lines{"41:7: authentication of vrid 1 on interface 'ge0' needs VRRP version 2: version 3 (RFC 5798) "
                    "has no authentication (set mode: none, or version: 2)"});
    load_ok(replace(replace(kFull, "        priority: 120\n", "        priority: 120\n        version: 3\n"),
                    "{mode: md5, key: YsH_2022}", "{mode: none}"));
    load_ok(replace(kFull, "        priority: 120\n", "        priority: 120\n        version: 2\n"));
}

TEST_F(References, RemoteBackupProfileVrrp) {
    EXPECT_EQ(with_line("      interface: ge0\n", "      interface: ge9\n"),
              Lines{"39:18: interface 'ge9' is not defined"});
    EXPECT_EQ(with_line("      vrid: 1\n", "      vrid: 2\n"),
              Lines{"38:13: interface 'ge0' has no vrrp group with vrid 2"});
    EXPECT_EQ(with_line("      vrid: 1\n", "      vrid: 256\n"),
              Lines{"38:13: vrid 256 out of range 1..255"});
    EXPECT_EQ(
        with_line("      interface: ge0\n", "      interface: ge1\n"),
        (Lines{
            "10:28: remote_backup_profile 'profile1' tracks VRRP on interface 'ge1', not on this interface",
            "38:13: interface 'ge1' has no vrrp group with vrid 1"}));
    EXPECT_EQ(with_line("      interface: ge0\n", ""),
              Lines{"37:5: missing required key 'interface' in vrrp of remote_backup_profile 'profile1'"});
    EXPECT_EQ(
        with_line("      vrid: 1\n", "      vrid: 1\n      group: 1\n"),
        Lines{"39:7: unknown key 'group' in vrrp of remote_backup_profile 'profile1' (expected one of: vrid, "
              "interface, authentication)"});
}

TEST_F(References, InterfaceBindsAnExistingProfile) {
    EXPECT_EQ(with_line("    remote_backup_profile: profile1", "    remote_backup_profile: profile2"),
              Lines{"10:28: remote_backup_profile 'profile2' is not defined"});
}

TEST_F(References, Authentication) {
    auto auth = [&](std::string_view value) { return with_line("{mode: md5, key: YsH_2022}", value); };
    EXPECT_EQ(
        auth("{mode: sha, key: x}"),
        Lines{"40:30: authentication mode 'sha' is not supported (expected one of: none, simple, md5)"});
    EXPECT_EQ(auth("{mode: md5}"), Lines{"40:30: authentication key is required for mode md5"});
    EXPECT_EQ(auth("{mode: simple}"), Lines{"40:30: authentication key is required for mode simple"});
    EXPECT_EQ(auth("{mode: none, key: x}"), Lines{"40:36: authentication key is not allowed for mode none"});
    EXPECT_EQ(auth("{mode: simple, key: 123456789}"),
              Lines{"40:43: authentication key for mode simple is 9 characters long (at most 8)"});
    EXPECT_EQ(auth("{mode: md5, key: " + std::string(256, 'k') + "}"),
              Lines{"40:40: authentication key for mode md5 is 256 characters long (at most 255)"});
    EXPECT_EQ(auth("{key: x}"), Lines{"40:7: missing required key 'mode' in authentication"});
    EXPECT_EQ(auth("{mode: md5, key: x, spi: 1}"),
              Lines{"40:43: unknown key 'spi' in authentication (expected one of: mode, key)"});

    auto loaded = [&](std::string_view value) {
        const auto c = load_ok(replace(kFull, "{mode: md5, key: YsH_2022}", value));
        return c.remote_backup_profile.empty() ? config::VrrpAuth{config::AuthMode::md5, "?"}
                                               : c.remote_backup_profile[0].vrrp.authentication;
    };
    auto a = loaded("{mode: simple, key: 12345678}");
    EXPECT_EQ(a.mode, config::AuthMode::simple);
    EXPECT_EQ(a.key, "12345678");
    a = loaded("{mode: none}");
    EXPECT_EQ(a.mode, config::AuthMode::none);
    EXPECT_EQ(a.key, "");
    a = loaded("{mode: md5, key: " + std::string(255, 'k') + "}");
    EXPECT_EQ(a.mode, config::AuthMode::md5);
    EXPECT_EQ(a.key.size(), 255u);
    const auto c = load_ok(replace(kFull, "\n      authentication: {mode: md5, key: YsH_2022}", ""));
    ASSERT_EQ(c.remote_backup_profile.size(), 1u);
    EXPECT_EQ(c.remote_backup_profile[0].vrrp.authentication.mode, config::AuthMode::none);
}

} // namespace
} // namespace wg::test
